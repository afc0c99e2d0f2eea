//! A provider's invoice lines as a sale's lines (SPEC §32): Stripe's
//! invoice lines and Paddle's transaction line items, each line's net (its
//! amount less its own discounts), and the customer's country. Where the
//! sale's amount (as §15 takes it) differs from the lines' nets — an
//! invoice-level discount, tax — the lines share it in proportion to their
//! nets, by largest remainder, so that they sum exactly to the sale. Lines
//! that cannot share it (a credit line, a page of lines not all sent, no
//! net at all) give no lines: the sale is paid as one line, as before.

use crate::engine::{Currency, largest_remainder};
use crate::ledger::lines::{CustomerFacts, MAX_LINES, SaleLine};
use serde_json::Value;

/// One line as a provider sent it, before sharing.
struct Sent {
    id: String,
    product: String,
    price: Option<String>,
    interval: Option<String>,
    quantity: u32,
    net_minor: i64,
    coupon: Option<String>,
}

/// The id of a field that is an id or an expanded object.
fn id_of(value: &Value) -> Option<String> {
    value
        .as_str()
        .or_else(|| value["id"].as_str())
        .map(str::to_owned)
}

/// A recurring interval as a line names it (`month` → `MONTH`).
fn interval(value: &Value) -> Option<String> {
    let interval = value.as_str()?.to_uppercase();
    ["DAY", "WEEK", "MONTH", "YEAR"]
        .contains(&interval.as_str())
        .then_some(interval)
}

/// A Stripe invoice's lines: `price.product`, `price.id`,
/// `price.recurring.interval` (a price without one: `ONE_TIME`),
/// `quantity`, `amount` less its `discount_amounts`, the code of an
/// expanded promotion code; the prices of newer API versions under
/// `pricing.price_details`.
pub fn stripe(invoice: &Value, currency: Currency, amount_minor: i64) -> Vec<SaleLine> {
    let lines = &invoice["lines"];
    if lines["has_more"].as_bool() == Some(true) {
        return Vec::new();
    }
    let Some(data) = lines["data"].as_array() else {
        return Vec::new();
    };
    let sent: Option<Vec<Sent>> =
        data.iter()
            .map(|line| {
                let price = &line["price"];
                let details = &line["pricing"]["price_details"];
                let product = id_of(&price["product"]).or_else(|| id_of(&details["product"]))?;
                let discounts: i64 = line["discount_amounts"]
                    .as_array()
                    .map(|d| d.iter().filter_map(|d| d["amount"].as_i64()).sum())
                    .unwrap_or(0);
                let coupon = line["discounts"].as_array().and_then(|d| {
                    d.iter()
                        .find_map(|d| d["promotion_code"]["code"].as_str().map(str::to_owned))
                });
                Some(Sent {
                    id: line["id"].as_str()?.to_owned(),
                    product,
                    price: id_of(&price["id"]).or_else(|| id_of(&details["price"])),
                    interval: match price.is_object() {
                        true => interval(&price["recurring"]["interval"])
                            .or(Some("ONE_TIME".to_owned())),
                        false => None,
                    },
                    quantity: line["quantity"]
                        .as_u64()
                        .and_then(|q| u32::try_from(q).ok())
                        .filter(|q| *q >= 1)
                        .unwrap_or(1),
                    net_minor: line["amount"].as_i64()? - discounts,
                    coupon,
                })
            })
            .collect();
    shared(sent, currency, amount_minor)
}

/// A Paddle transaction's line items: `product.id`, `price_id`, the
/// billing cycle of its item's price (none: `ONE_TIME`), `quantity`, and
/// `totals.subtotal` less `totals.discount`.
pub fn paddle(data: &Value, currency: Currency, amount_minor: i64) -> Vec<SaleLine> {
    let Some(items) = data["details"]["line_items"].as_array() else {
        return Vec::new();
    };
    let cycle = |price_id: &str| {
        data["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|item| item["price"]["id"].as_str() == Some(price_id))
                .map(|item| {
                    interval(&item["price"]["billing_cycle"]["interval"])
                        .unwrap_or_else(|| "ONE_TIME".to_owned())
                })
        })
    };
    let number = |value: &Value| value.as_str().and_then(|s| s.parse::<i64>().ok());
    let sent: Option<Vec<Sent>> = items
        .iter()
        .map(|item| {
            let price = item["price_id"].as_str().map(str::to_owned);
            Some(Sent {
                id: item["id"].as_str()?.to_owned(),
                product: id_of(&item["product"]).or_else(|| id_of(&item["product_id"]))?,
                interval: price.as_deref().and_then(cycle),
                price,
                quantity: item["quantity"]
                    .as_u64()
                    .and_then(|q| u32::try_from(q).ok())
                    .filter(|q| *q >= 1)
                    .unwrap_or(1),
                net_minor: number(&item["totals"]["subtotal"])?
                    - number(&item["totals"]["discount"]).unwrap_or(0),
                coupon: None,
            })
        })
        .collect();
    shared(sent, currency, amount_minor)
}

/// The customer's country an invoice gives (Stripe's `customer_address`,
/// Paddle's `address`).
pub fn customer(object: &Value) -> Option<CustomerFacts> {
    let country = object["customer_address"]["country"]
        .as_str()
        .or_else(|| object["address"]["country_code"].as_str())?
        .to_uppercase();
    let known = crate::engine::countries::is_country(&country);
    known.then_some(CustomerFacts {
        country: Some(country),
        attributes: None,
    })
}

/// The sale's amount shared among the lines by their nets.
fn shared(sent: Option<Vec<Sent>>, currency: Currency, amount_minor: i64) -> Vec<SaleLine> {
    let Some(sent) = sent.filter(|s| !s.is_empty() && s.len() <= MAX_LINES) else {
        return Vec::new();
    };
    let nets: Vec<i64> = sent.iter().map(|s| s.net_minor).collect();
    let Some(parts) = largest_remainder(amount_minor, &nets) else {
        return Vec::new();
    };
    let mut ids = std::collections::HashSet::new();
    if !sent.iter().all(|s| ids.insert(s.id.as_str())) {
        return Vec::new();
    }
    let lines: Vec<SaleLine> = sent
        .into_iter()
        .zip(parts)
        .map(|(line, part)| SaleLine {
            external_id: line.id,
            product_id: line.product,
            price_id: line.price,
            plan_interval: line.interval,
            quantity: line.quantity,
            amount: currency.from_minor(part),
            coupon_code: line.coupon,
            metadata: None,
        })
        .collect();
    // Lines the ledger would refuse (an id too long) must not lose the
    // sale: it is paid as one line instead.
    let whole = currency.from_minor(amount_minor);
    match crate::ledger::lines::check("sale", &lines, whole, Some(currency)) {
        Ok(()) => lines,
        Err(_) => Vec::new(),
    }
}

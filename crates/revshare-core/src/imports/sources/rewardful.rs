//! Rewardful's REST API v1 (`https://api.getrewardful.com/v1`): HTTP Basic
//! with the API secret as the user and no password; `page`/`limit` paging
//! (`limit` at most 100) answered as `{"pagination": {"next_page",
//! "total_count", …}, "data": [...]}`.
//!
//! - `GET /campaigns`: `id`, `name`, `url`, `reward_type` (`percent` |
//!   `amount`), `commission_percent`, `commission_amount_cents`,
//!   `max_commission_period_months`, `minimum_payout_cents` and
//!   `minimum_payout_currency`;
//! - `GET /affiliates?expand[]=links&expand[]=campaign`: `id`,
//!   `first_name`, `last_name`, `email`, `paypal_email`, `created_at`,
//!   `state` (`active`, `suspended`, `archived`…), `campaign`,
//!   `links[].token` (the `?via=` of a link);
//! - `GET /affiliate_coupons` (read after the affiliates, in their phase):
//!   `id`, `token` (the code a customer types), `external_id` (Stripe's
//!   promotion code, `promo_…`), `archived`, `affiliate_id`;
//! - `GET /referrals?expand[]=affiliate`: `id`, `affiliate`,
//!   `conversion_state` (`visitor`, `lead`, `conversion`), `customer.id`
//!   or `stripe_customer_id` (Stripe's `cus_…`), `link.token` or
//!   `coupon.token` (what it came through), `became_conversion_at`,
//!   `became_lead_at`, `created_at`;
//! - `GET /commissions?expand[]=sale&expand[]=campaign`: `id`, `amount`
//!   (cents), `currency`, `state` (`pending`, `due`, `paid`, `voided`),
//!   `due_at`, `paid_at`, `voided_at`, `created_at`, `sale` (its
//!   `sale_amount_cents`, `tax_amount_cents`, `charged_at`,
//!   `stripe_charge_id` or `external_id`, `referral`, `affiliate`).

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{
    Commission, Coupon, Group, Page, PageError, Partner, Problem, Referral, Rows,
};
use super::{currency_of, minor_of, unexpected};
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use rust_decimal::Decimal;
use serde_json::Value;

/// The documented host.
pub const HOST: &str = "https://api.getrewardful.com";
/// The largest page Rewardful answers.
const LIMIT: u32 = 100;
/// The partners' phase's cursors past the affiliates: pages of coupons.
const COUPONS: &str = "coupons:";

pub async fn page(
    client: &Client,
    phase: ImportPhase,
    cursor: Option<&str>,
    zone: Tz,
) -> Result<Page, PageError> {
    // The partners' phase reads the affiliates, then their coupons
    // (cursors `coupons:N`).
    let coupons = cursor.and_then(|c| c.strip_prefix(COUPONS));
    let number = coupons.or(cursor).unwrap_or("1").to_owned();
    let (path, expand): (&str, &[&str]) = match phase {
        ImportPhase::Groups => ("/v1/campaigns", &[]),
        ImportPhase::Partners if coupons.is_some() => ("/v1/affiliate_coupons", &[]),
        ImportPhase::Partners => ("/v1/affiliates", &["links", "campaign"]),
        ImportPhase::Customers => ("/v1/referrals", &["affiliate"]),
        ImportPhase::Commissions => ("/v1/commissions", &["sale", "campaign"]),
    };
    let mut query = vec![("page", number), ("limit", LIMIT.to_string())];
    query.extend(expand.iter().map(|e| ("expand[]", (*e).to_owned())));
    let answer = client.get(path, &query).await?;
    let entity = match phase {
        ImportPhase::Groups => "campaign",
        ImportPhase::Partners if coupons.is_some() => "coupon",
        ImportPhase::Partners => "affiliate",
        ImportPhase::Customers => "referral",
        ImportPhase::Commissions => "commission",
    };
    let data = items(&answer, "data").ok_or_else(|| PageError::Unexpected {
        entity,
        id: format!("the page of {path}"),
    })?;
    let pagination = &answer["pagination"];
    let next = int(pagination, "next_page").map(|n| n.to_string());
    let total = int(pagination, "total_count");
    let (next, total) = match (phase, coupons.is_some()) {
        // After the last page of affiliates, the first of coupons.
        (ImportPhase::Partners, false) => {
            (Some(next.unwrap_or_else(|| format!("{COUPONS}1"))), total)
        }
        (ImportPhase::Partners, true) => (next.map(|n| format!("{COUPONS}{n}")), None),
        _ => (next, total),
    };
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Groups => Rows::Groups(data.iter().map(group).collect::<Result<_, _>>()?),
        ImportPhase::Partners if coupons.is_some() => {
            Rows::Coupons(data.iter().map(coupon).collect::<Result<_, _>>()?)
        }
        ImportPhase::Partners => Rows::Partners(
            data.iter()
                .map(|v| partner(v, zone))
                .collect::<Result<_, _>>()?,
        ),
        ImportPhase::Customers => Rows::Customers(super::kept(data, &mut problems, |v, p| {
            referral(v, zone, p)
        })?),
        ImportPhase::Commissions => Rows::Commissions(super::kept(data, &mut problems, |v, p| {
            commission(v, zone, p)
        })?),
    };
    Ok(Page {
        rows,
        problems,
        next,
        total,
        fingerprint: crate::imports::guard::fingerprint(data),
    })
}

fn group(v: &Value) -> Result<Group, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("campaign", v))?;
    let percentage = match text(v, "reward_type") {
        Some("amount") => None,
        _ => v
            .get("commission_percent")
            .and_then(|p| match p {
                Value::String(s) => crate::engine::parse_decimal(s),
                Value::Number(n) => crate::engine::parse_decimal(&n.to_string()),
                _ => None,
            })
            .map(|p| p.normalize()),
    };
    let flat = match text(v, "reward_type") {
        Some("amount") => int(v, "commission_amount_cents").map(|c| Decimal::new(c, 2)),
        _ => None,
    };
    // A minimum of 0 is none.
    let minimum = int(v, "minimum_payout_cents")
        .filter(|cents| *cents > 0)
        .map(|cents| {
            let currency = text(v, "minimum_payout_currency").unwrap_or("USD");
            (Decimal::new(cents, 2), currency.to_uppercase())
        });
    Ok(Group {
        minimum,
        url: text(v, "url").map(str::to_owned),
        name: text(v, "name").unwrap_or(&key).to_owned(),
        key,
        percentage,
        max_months: int(v, "max_commission_period_months")
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0),
        flat,
        unpublished_terms: false,
    })
}

fn partner(v: &Value, zone: Tz) -> Result<Partner, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("affiliate", v))?;
    let name = [text(v, "first_name"), text(v, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let status = match text(v, "state") {
        Some("active") | None => PartnerStatus::Active,
        Some("suspended") => PartnerStatus::Suspended,
        Some(_) => PartnerStatus::Archived,
    };
    let tokens = |list: &str, field: &str| -> Vec<String> {
        items(v, list)
            .map(|l| {
                l.iter()
                    .filter_map(|x| text(x, field).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status,
        group_key: v.get("campaign").and_then(|c| id(c, "id")),
        codes: tokens("links", "token"),
        // Read from `/v1/affiliate_coupons`, with their promotion codes.
        coupons: Vec::new(),
        paypal_email: text(v, "paypal_email").map(str::to_owned),
        bank: None,
        since: time(v, "created_at", zone),
        key,
        country: None,
        tags: Vec::new(),
        elsewhere: Vec::new(),
    })
}

fn coupon(v: &Value) -> Result<Coupon, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("coupon", v))?;
    let (Some(code), Some(partner_key)) = (text(v, "token"), id(v, "affiliate_id")) else {
        return Err(unexpected("coupon", v));
    };
    Ok(Coupon {
        code: code.to_owned(),
        partner_key,
        promotion_id: text(v, "external_id").map(str::to_owned),
        archived: v.get("archived").and_then(Value::as_bool).unwrap_or(false),
        key,
    })
}

fn referral(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("referral", v))?;
    let state = text(v, "conversion_state").unwrap_or("visitor");
    let customer = text(v, "stripe_customer_id")
        .or_else(|| v.get("customer").and_then(|c| text(c, "id")))
        .map(str::to_owned);
    let partner_key = v
        .get("affiliate")
        .and_then(|a| id(a, "id"))
        .or_else(|| id(v, "affiliate_id"))
        .ok_or_else(|| unexpected("referral", v))?;
    if customer.is_none() {
        if state != "visitor" {
            problems.push(Problem::new("customer", &key, super::NO_CUSTOMER));
        }
        return Ok(None);
    }
    let at = time(v, "became_conversion_at", zone)
        .or_else(|| time(v, "became_lead_at", zone))
        .or_else(|| time(v, "created_at", zone))
        .ok_or_else(|| unexpected("referral", v))?;
    Ok(Some(Referral {
        key,
        partner_key,
        customer,
        email: v
            .get("customer")
            .and_then(|c| text(c, "email"))
            .map(str::to_owned),
        at,
        code: ["link", "coupon"]
            .iter()
            .find_map(|by| v.get(*by).and_then(|o| text(o, "token")))
            .map(str::to_owned),
    }))
}

fn commission(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Commission>, PageError> {
    let bad = || unexpected("commission", v);
    let key = id(v, "id").ok_or_else(bad)?;
    let currency = text(v, "currency").and_then(currency_of).ok_or_else(bad)?;
    let amount_minor = int(v, "amount")
        .and_then(|a| minor_of(currency, a))
        .ok_or_else(bad)?;
    let sale = v.get("sale").filter(|s| s.is_object());
    let earned_at = sale
        .and_then(|s| time(s, "charged_at", zone))
        .or_else(|| time(v, "created_at", zone))
        .ok_or_else(bad)?;
    let state = match text(v, "state") {
        Some("pending") => SourceState::Pending {
            due_at: time(v, "due_at", zone),
        },
        Some("due") => SourceState::Due,
        Some("paid") => SourceState::Paid {
            at: time(v, "paid_at", zone).ok_or_else(bad)?,
        },
        Some("voided") => SourceState::Voided {
            at: time(v, "voided_at", zone)
                .or_else(|| time(v, "updated_at", zone))
                .unwrap_or(earned_at),
        },
        _ => return Err(bad()),
    };
    let sale_currency = sale.and_then(|s| text(s, "currency")).and_then(currency_of);
    let sale_minor = sale
        .and_then(|s| int(s, "sale_amount_cents"))
        .filter(|_| sale_currency.is_none_or(|c| c == currency))
        .and_then(|cents| minor_of(currency, cents));
    if let Some(problem) = super::any_negative(
        "commission",
        &key,
        currency,
        &[
            ("amount", Some(amount_minor)),
            ("sale.sale_amount_cents", sale_minor),
        ],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let referral = sale.and_then(|s| s.get("referral"));
    let partner_key = sale
        .and_then(|s| s.get("affiliate"))
        .and_then(|a| id(a, "id"))
        .or_else(|| v.get("affiliate").and_then(|a| id(a, "id")))
        .or_else(|| {
            referral
                .and_then(|r| r.get("affiliate"))
                .and_then(|a| id(a, "id"))
        });
    Ok(Some(Commission {
        key,
        partner_key,
        customer: referral
            .and_then(|r| {
                text(r, "stripe_customer_id")
                    .or_else(|| r.get("customer").and_then(|c| text(c, "id")))
            })
            .map(str::to_owned),
        referral_key: referral.and_then(|r| id(r, "id")),
        currency,
        amount_minor,
        sale_minor,
        sale_tax_minor: sale
            .and_then(|s| int(s, "tax_amount_cents"))
            .filter(|_| sale_minor.is_some())
            .and_then(|cents| minor_of(currency, cents))
            .filter(|tax| *tax >= 0),
        sale_reference: sale
            .and_then(|s| text(s, "stripe_charge_id").or_else(|| text(s, "external_id")))
            .map(str::to_owned),
        earned_at,
        state,
        paid_by: None,
    }))
}

//! PartnerStack's vendor API v2 (`https://api.partnerstack.com/api/v2`):
//! HTTP Basic with the public key as the user and the secret key as the
//! password; cursor paging, `limit` (at most 250) and `starting_after` the
//! last item's `key`, answered as `{"data": {"items": [...], "has_more"},
//! "message", "status"}`; times in milliseconds since the epoch; amounts
//! in cents of the object's `currency`.
//!
//! - `GET /groups`: `key`, `name`, `slug`, `default`, `archived` — and no
//!   terms: a group's offers are kept out of the vendor API, so each group
//!   is made with the default group's rules and a problem row;
//! - `GET /partnerships`: `key`, `email`, `first_name`, `last_name`,
//!   `partner_key` (the `ps_partner_key` of its links), `group.key`,
//!   `joined_at`, `address.country`, `archived`, `approved_status`, `tags`
//!   (kept as the partner's tags);
//! - `GET /links/partnership/{key}`: each link's `url`: its
//!   `ps_partner_key`, else its last path segment
//!   (`https://acme.partnerlinks.io/jane`), kept as a code;
//! - `GET /customers`: `key`, `provider_key` (the customer's id at the
//!   billing provider) or `customer_key` (the brand's), `email`,
//!   `partnership_key`, `created_at`, `test`;
//! - `GET /rewards`, then `GET /rewards?status=scheduled` (the default
//!   list leaves scheduled rewards out): `key`, `amount`, `currency`,
//!   `reward_status` (`hold`, `pending`, `scheduled`, `approved`, `paid`,
//!   `declined`), `created_at`, `updated_at`, `partnership.key`,
//!   `customer.key`, `transaction` (`key`, the brand's id of the sale,
//!   and its `amount` and `currency`), `invoice.payment_date` (when the
//!   reward was paid out). A negative reward is a clawback PartnerStack
//!   booked on a refund: it comes over as a clawback of its sale's
//!   commission. A program whose rewards are all scheduled answers an
//!   empty default list: its scheduled list is read at once.
//!
//! The vendor API publishes no payout method, minimum, coupon or tax
//! form: PartnerStack pays its partners itself and files their forms.

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{Commission, Group, Page, PageError, Partner, Problem, Referral, Rows};
use super::{currency_of, minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;

pub const HOST: &str = "https://api.partnerstack.com";
const LIMIT: i64 = 250;
const API: &str = "/api/v2";
/// The commissions' phase's cursors of its second list, the scheduled
/// rewards (`scheduled:` then `scheduled:{key}`).
const SCHEDULED: &str = "scheduled:";

pub async fn page(
    client: &Client,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    if phase == ImportPhase::Groups {
        return groups(client).await;
    }
    let (path, mut filter, after) = match phase {
        ImportPhase::Partners => ("/partnerships", None, cursor),
        ImportPhase::Customers => ("/customers", None, cursor),
        _ => match cursor.and_then(|c| c.strip_prefix(SCHEDULED)) {
            Some(after) => (
                "/rewards",
                Some("scheduled"),
                Some(after).filter(|a| !a.is_empty()),
            ),
            None => ("/rewards", None, cursor),
        },
    };
    let (mut data, mut more) = list(client, path, filter, after).await?;
    if phase == ImportPhase::Commissions && filter.is_none() && data.is_empty() {
        // The default list of rewards is read (or was empty from the
        // start, every reward scheduled): the scheduled ones at once, so
        // that no empty page names a next one.
        filter = Some("scheduled");
        (data, more) = list(client, path, filter, None).await?;
    }
    let next = match (more, filter) {
        (true, None) => Some(last_key(&data, path)?),
        (true, Some(_)) => Some(format!("{SCHEDULED}{}", last_key(&data, path)?)),
        // The default list of rewards done: the scheduled ones next.
        (false, None) if phase == ImportPhase::Commissions => Some(SCHEDULED.to_owned()),
        (false, _) => None,
    };
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Partners => {
            let mut rows = Vec::new();
            for v in &data {
                rows.push(partnership(client, v, zone, &mut problems).await?);
            }
            Rows::Partners(rows)
        }
        ImportPhase::Customers => Rows::Customers(super::kept(&data, &mut problems, |v, p| {
            customer(v, zone, p)
        })?),
        _ => Rows::Commissions(super::kept(&data, &mut problems, |v, p| {
            reward(v, currency, zone, p)
        })?),
    };
    // The scheduled list is a list of its own to the paging guard.
    let marked: Vec<Value> = filter
        .map(Value::from)
        .into_iter()
        .chain(data.iter().cloned())
        .collect();
    Ok(Page {
        rows,
        problems,
        next,
        total: None,
        fingerprint: crate::imports::guard::fingerprint(&marked),
    })
}

/// One page of a list, and whether more follow.
async fn list(
    client: &Client,
    path: &str,
    status: Option<&str>,
    after: Option<&str>,
) -> Result<(Vec<Value>, bool), PageError> {
    let mut query = vec![("limit", LIMIT.to_string())];
    if let Some(status) = status {
        query.push(("status", status.to_owned()));
    }
    if let Some(after) = after {
        query.push(("starting_after", after.to_owned()));
    }
    let path = format!("{API}{path}");
    let answer = client.get(&path, &query).await?;
    let bad = || PageError::Unexpected {
        entity: "page",
        id: path.clone(),
    };
    let data = answer
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(bad)?;
    let rows = items(data, "items").cloned().ok_or_else(bad)?;
    let more = data
        .get("has_more")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let more = more && !rows.is_empty();
    Ok((rows, more))
}

fn last_key(data: &[Value], path: &str) -> Result<String, PageError> {
    data.last()
        .and_then(|r| id(r, "key"))
        .ok_or_else(|| PageError::Unexpected {
            entity: "page",
            id: format!("{API}{path}"),
        })
}

/// The groups, each made with the default group's rules: PartnerStack
/// keeps a group's offers out of its vendor API.
async fn groups(client: &Client) -> Result<Page, PageError> {
    let mut data = Vec::new();
    let mut after = None;
    loop {
        let (page, more) = list(client, "/groups", None, after.as_deref()).await?;
        data.extend(page);
        if !more {
            break;
        }
        after = Some(last_key(&data, "/groups")?);
    }
    let mut groups = Vec::with_capacity(data.len());
    for v in &data {
        let key = id(v, "key").ok_or_else(|| unexpected("group", v))?;
        groups.push(Group {
            name: text(v, "name").unwrap_or(&key).to_owned(),
            percentage: None,
            max_months: None,
            flat: None,
            minimum: None,
            url: None,
            unpublished_terms: true,
            key,
        });
    }
    Ok(Page {
        rows: Rows::Groups(groups),
        problems: Vec::new(),
        next: None,
        total: Some(data.len() as i64),
        fingerprint: crate::imports::guard::fingerprint(&data),
    })
}

/// A flag PartnerStack writes as a boolean or, in places, as its text.
fn flag(v: &Value, field: &str) -> bool {
    match v.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

async fn partnership(
    client: &Client,
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Partner, PageError> {
    let key = id(v, "key").ok_or_else(|| unexpected("partnership", v))?;
    let status = match (
        flag(v, "archived") || flag(v, "is_archived"),
        text(v, "approved_status"),
    ) {
        (true, _) => PartnerStatus::Archived,
        (false, None | Some("approved")) => PartnerStatus::Active,
        // Pending, declined: it earns nothing until a manager activates it.
        (false, Some(_)) => PartnerStatus::Suspended,
    };
    let mut codes: Vec<String> = text(v, "partner_key")
        .map(str::to_owned)
        .into_iter()
        .collect();
    let (links, _) = list(client, &format!("/links/partnership/{key}"), None, None).await?;
    for link in &links {
        let Some(url) = text(link, "url").and_then(|u| url::Url::parse(u).ok()) else {
            continue;
        };
        let token = url
            .query_pairs()
            .find(|(k, _)| k == "ps_partner_key")
            .map(|(_, v)| v.into_owned())
            .or_else(|| {
                url.path_segments()
                    .and_then(|mut s| s.rfind(|p| !p.is_empty()))
                    .map(str::to_owned)
            });
        if let Some(token) = token.filter(|t| !codes.contains(t)) {
            codes.push(token);
        }
    }
    let name = [text(v, "first_name"), text(v, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let given = v.get("address").and_then(|a| text(a, "country"));
    let country = given.and_then(super::country_of);
    if let (Some(given), None) = (given, &country) {
        problems.push(Problem::new(
            "partnership",
            &key,
            format!(
                "its country {given:?} is not an ISO 3166-1 code: none kept (set it on the partner)"
            ),
        ));
    }
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status,
        group_key: v.get("group").and_then(|g| id(g, "key")),
        codes,
        coupons: Vec::new(),
        paypal_email: None,
        bank: None,
        since: time(v, "joined_at", zone).or_else(|| time(v, "created_at", zone)),
        country,
        tags: tags(v),
        key,
        elsewhere: Vec::new(),
    })
}

/// A partnership's tags, as PartnerStack lists them: each a word, or an
/// object naming one (`name`, else `label`, else `key`).
fn tags(v: &Value) -> Vec<String> {
    items(v, "tags")
        .into_iter()
        .flatten()
        .filter_map(|tag| match tag {
            Value::String(word) => Some(word.trim()),
            named => text(named, "name")
                .or_else(|| text(named, "label"))
                .or_else(|| text(named, "key"))
                .map(str::trim),
        })
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

fn customer(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "key").ok_or_else(|| unexpected("customer", v))?;
    if flag(v, "test") {
        problems.push(Problem::new(
            "customer",
            &key,
            "a test customer at PartnerStack: not imported",
        ));
        return Ok(None);
    }
    let partner_key = text(v, "partnership_key")
        .map(str::to_owned)
        .or_else(|| v.get("partnership").and_then(|p| id(p, "key")))
        .ok_or_else(|| unexpected("customer", v))?;
    let Some(customer) = text(v, "provider_key").or_else(|| text(v, "customer_key")) else {
        problems.push(Problem::new("customer", &key, super::NO_CUSTOMER));
        return Ok(None);
    };
    Ok(Some(Referral {
        key,
        partner_key,
        customer: Some(customer.to_owned()),
        email: text(v, "email").map(str::to_owned),
        at: time(v, "created_at", zone).ok_or_else(|| unexpected("customer", v))?,
        code: None,
    }))
}

fn reward(
    v: &Value,
    default: Currency,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Commission>, PageError> {
    let bad = || unexpected("reward", v);
    let key = id(v, "key").ok_or_else(bad)?;
    let currency = match text(v, "currency") {
        Some(code) => currency_of(code).ok_or_else(bad)?,
        None => default,
    };
    let amount_minor = int(v, "amount")
        .and_then(|a| minor_of(currency, a))
        .ok_or_else(bad)?;
    // The sale, when it is in the reward's currency.
    let sale = v.get("transaction").filter(|t| t.is_object());
    let sale_minor = sale
        .filter(|t| {
            text(t, "currency")
                .and_then(currency_of)
                .is_none_or(|c| c == currency)
        })
        .and_then(|t| int(t, "amount"))
        .and_then(|cents| minor_of(currency, cents));
    // A negative reward is a clawback PartnerStack booked (its transaction
    // the refund): it comes over as one. A reward of a negative sale is not.
    let negative_sale = sale_minor.filter(|_| amount_minor >= 0);
    if let Some(problem) = super::any_negative(
        "reward",
        &key,
        currency,
        &[("transaction.amount", negative_sale)],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(v, "created_at", zone).ok_or_else(bad)?;
    let changed_at = time(v, "updated_at", zone).unwrap_or(earned_at);
    let paid_at = v
        .get("invoice")
        .and_then(|i| time(i, "payment_date", zone))
        .unwrap_or(changed_at);
    let state = match text(v, "reward_status").or_else(|| text(v, "status")) {
        Some("hold") => SourceState::Held,
        Some("pending" | "scheduled") => SourceState::Pending {
            due_at: time(v, "ready_at", zone),
        },
        Some("approved") => SourceState::Due,
        Some("paid") => SourceState::Paid { at: paid_at },
        Some("declined" | "cancelled" | "canceled") => SourceState::Voided { at: changed_at },
        _ => return Err(bad()),
    };
    let customer = v.get("customer").filter(|c| c.is_object());
    Ok(Some(Commission {
        partner_key: v
            .get("partnership")
            .and_then(|p| id(p, "key"))
            .or_else(|| text(v, "partnership_key").map(str::to_owned)),
        customer: customer
            .and_then(|c| text(c, "provider_key"))
            .map(str::to_owned),
        referral_key: customer
            .and_then(|c| id(c, "key"))
            .or_else(|| id(v, "customer_key")),
        amount_minor,
        sale_minor,
        sale_tax_minor: None,
        sale_reference: sale.and_then(|t| text(t, "key")).map(str::to_owned),
        currency,
        earned_at,
        state,
        paid_by: None,
        key,
    }))
}

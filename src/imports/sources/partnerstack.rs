//! PartnerStack's API v2 (`https://api.partnerstack.com/api/v2`): HTTP
//! Basic with the public key as the user and the secret key as the
//! password; cursor paging, `limit` (at most 250) and `starting_after` the
//! last item's `key`, answered as `{"data": {"items": [...], "has_more"}}`;
//! times in milliseconds since the epoch.
//!
//! - `GET /partnerships`: `key`, `email`, `first_name`, `last_name`,
//!   `partner_key` (the `ps_partner_key` of its links), `group`,
//!   `archived`/`is_archived`;
//! - `GET /links/partnership/{key}`: each link's `url`, whose
//!   `ps_partner_key` is kept as a code too;
//! - `GET /customers`: `key`, `provider_key` (the customer's id at Stripe)
//!   or `customer_key` (the brand's), `email`, `partnership_key`,
//!   `created_at`;
//! - `GET /rewards`: `key`, `amount` (cents), `currency`, `reward_status`
//!   (`pending`, `approved`, `paid`, `declined`), `created_at`,
//!   `updated_at`, `partnership_key`, `customer` (`key`, `provider_key`).
//!
//! Its groups carry no commission terms in these objects: partners go
//! into the import's group (or the default group).

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{Commission, Page, PageError, Partner, Problem, Referral, Rows};
use super::{currency_of, minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;

pub const HOST: &str = "https://api.partnerstack.com";
const LIMIT: i64 = 250;

pub async fn page(
    client: &Client,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let path = match phase {
        ImportPhase::Groups => return Ok(super::empty(Rows::Groups(Vec::new()))),
        ImportPhase::Partners => "/api/v2/partnerships",
        ImportPhase::Customers => "/api/v2/customers",
        ImportPhase::Commissions => "/api/v2/rewards",
    };
    let (data, next) = list(client, path, cursor).await?;
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Partners => {
            let mut rows = Vec::new();
            for v in &data {
                rows.push(partnership(client, v, zone).await?);
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
    Ok(Page {
        rows,
        problems,
        next,
        total: None,
        fingerprint: crate::imports::guard::fingerprint(&data),
    })
}

/// One page of a list, and the cursor of the next.
async fn list(
    client: &Client,
    path: &str,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), PageError> {
    let mut query = vec![("limit", LIMIT.to_string())];
    if let Some(after) = cursor {
        query.push(("starting_after", after.to_owned()));
    }
    let answer = client.get(path, &query).await?;
    let data = answer
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| PageError::Unexpected {
            entity: "page",
            id: path.to_owned(),
        })?;
    let rows = items(data, "items")
        .cloned()
        .ok_or_else(|| PageError::Unexpected {
            entity: "page",
            id: path.to_owned(),
        })?;
    let more = data
        .get("has_more")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let next =
        match more {
            true => Some(rows.last().and_then(|r| id(r, "key")).ok_or_else(|| {
                PageError::Unexpected {
                    entity: "page",
                    id: path.to_owned(),
                }
            })?),
            false => None,
        };
    Ok((rows, next))
}

async fn partnership(client: &Client, v: &Value, zone: Tz) -> Result<Partner, PageError> {
    let key = id(v, "key").ok_or_else(|| unexpected("partnership", v))?;
    let archived = ["archived", "is_archived"]
        .iter()
        .any(|f| v.get(f).and_then(Value::as_bool) == Some(true));
    let mut codes: Vec<String> = text(v, "partner_key")
        .map(str::to_owned)
        .into_iter()
        .collect();
    let (links, _) = list(client, &format!("/api/v2/links/partnership/{key}"), None).await?;
    for link in &links {
        let parsed = text(link, "url").and_then(|u| url::Url::parse(u).ok());
        if let Some(token) = parsed.and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "ps_partner_key")
                .map(|(_, v)| v.into_owned())
        }) {
            codes.push(token);
        }
    }
    let name = [text(v, "first_name"), text(v, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status: match archived {
            true => PartnerStatus::Archived,
            false => PartnerStatus::Active,
        },
        group_key: v.get("group").and_then(|g| id(g, "key")),
        codes,
        coupons: Vec::new(),
        paypal_email: None,
        bank: None,
        since: time(v, "created_at", zone),
        key,
        country: None,
    })
}

fn customer(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "key").ok_or_else(|| unexpected("customer", v))?;
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
    if let Some(problem) =
        super::any_negative("reward", &key, currency, &[("amount", Some(amount_minor))])
    {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(v, "created_at", zone).ok_or_else(bad)?;
    let changed_at = time(v, "updated_at", zone).unwrap_or(earned_at);
    let state = match text(v, "reward_status").or_else(|| text(v, "status")) {
        Some("pending" | "hold" | "scheduled") => SourceState::Pending {
            due_at: time(v, "ready_at", zone),
        },
        Some("approved") => SourceState::Due,
        Some("paid") => SourceState::Paid { at: changed_at },
        Some("declined" | "cancelled" | "canceled") => SourceState::Voided { at: changed_at },
        _ => return Err(bad()),
    };
    let customer = v.get("customer");
    Ok(Some(Commission {
        partner_key: text(v, "partnership_key")
            .map(str::to_owned)
            .or_else(|| v.get("partnership").and_then(|p| id(p, "key"))),
        customer: customer
            .and_then(|c| text(c, "provider_key").or_else(|| text(c, "customer_key")))
            .map(str::to_owned),
        referral_key: customer
            .and_then(|c| id(c, "key"))
            .or_else(|| id(v, "customer_key")),
        amount_minor,
        sale_minor: None,
        sale_tax_minor: None,
        sale_reference: None,
        currency,
        earned_at,
        state,
        paid_by: None,
        key,
    }))
}

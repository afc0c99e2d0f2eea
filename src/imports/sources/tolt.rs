//! Tolt's API v1 (`https://api.tolt.com/v1`): `Authorization: Bearer {api
//! key}`, every list scoped by `program_id` (the import's `accountId`);
//! cursor paging, `limit` (at most 100) and `starting_after` the last
//! object's `id`, answered as `{"success", "has_more", "total_count",
//! "data": [...]}`.
//!
//! - `GET /partners`: `id`, `first_name`, `last_name`, `email`,
//!   `company_name`, `group_id`, `status` (`active`, `pending`,
//!   `suspended`, `rejected`), `created_at`, `payout_method` (`paypal`…)
//!   and `payout_details.email`;
//! - `GET /links?partner_id=`: each link's `param` and `value` (`?ref=`
//!   `value`), kept as codes;
//! - `GET /promotion-codes` (read after the partners, in their phase):
//!   `id`, `code`, `partner_id`, `active`, kept as coupons;
//! - `GET /customers`: `id`, `customer_id` (the brand's id for the
//!   customer, its Stripe id with the Stripe integration), `partner_id`,
//!   `created_at`;
//! - `GET /commissions`: `id`, `amount` and `revenue` (cents), `status`
//!   (`pending`, `approved`, `paid`, `rejected`, `refunded`),
//!   `customer_id` (Tolt's customer), `partner_id`, `created_at`,
//!   `updated_at`. Amounts are in the program's currency.

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{Commission, Coupon, Page, PageError, Partner, Problem, Referral, Rows};
use super::{minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;

pub const HOST: &str = "https://api.tolt.com";
const LIMIT: i64 = 100;
/// The partners' phase's cursors past the partners: pages of promotion
/// codes (`coupons:` the first, then `coupons:{last id}`).
const COUPONS: &str = "coupons:";

pub async fn page(
    client: &Client,
    program: &str,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let coupons = cursor.and_then(|c| c.strip_prefix(COUPONS));
    if let (ImportPhase::Partners, Some(after)) = (phase, coupons) {
        let after = Some(after).filter(|a| !a.is_empty());
        let path = "/v1/promotion-codes";
        let (data, next, _) = list(client, path, program, after, &[]).await?;
        return Ok(Page {
            rows: Rows::Coupons(data.iter().map(promotion_code).collect::<Result<_, _>>()?),
            problems: Vec::new(),
            next: next.map(|n| format!("{COUPONS}{n}")),
            total: None,
            fingerprint: crate::imports::guard::fingerprint(&data),
        });
    }
    let path = match phase {
        ImportPhase::Groups => return Ok(super::empty(Rows::Groups(Vec::new()))),
        ImportPhase::Partners => "/v1/partners",
        ImportPhase::Customers => "/v1/customers",
        ImportPhase::Commissions => "/v1/commissions",
    };
    let (data, next, total) = list(client, path, program, cursor, &[]).await?;
    // After the last page of partners, the first of promotion codes.
    let next = match phase {
        ImportPhase::Partners => Some(next.unwrap_or_else(|| COUPONS.to_owned())),
        _ => next,
    };
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Partners => {
            let mut rows = Vec::new();
            for v in &data {
                rows.push(partner(client, program, v, zone).await?);
            }
            Rows::Partners(rows)
        }
        ImportPhase::Customers => Rows::Customers(super::kept(&data, &mut problems, |v, p| {
            customer(v, zone, p)
        })?),
        _ => Rows::Commissions(super::kept(&data, &mut problems, |v, p| {
            commission(v, currency, zone, p)
        })?),
    };
    Ok(Page {
        rows,
        problems,
        next,
        total,
        fingerprint: crate::imports::guard::fingerprint(&data),
    })
}

type Listed = (Vec<Value>, Option<String>, Option<i64>);

async fn list(
    client: &Client,
    path: &str,
    program: &str,
    cursor: Option<&str>,
    extra: &[(&'static str, String)],
) -> Result<Listed, PageError> {
    let mut query = vec![
        ("program_id", program.to_owned()),
        ("limit", LIMIT.to_string()),
    ];
    query.extend(extra.iter().cloned());
    if let Some(after) = cursor {
        query.push(("starting_after", after.to_owned()));
    }
    let answer = client.get(path, &query).await?;
    // `/customers` nests its list once more: `{"data": {"data": [...]}}`.
    let rows = items(&answer, "data")
        .or_else(|| answer.get("data").and_then(|d| items(d, "data")))
        .cloned()
        .ok_or_else(|| PageError::Unexpected {
            entity: "page",
            id: path.to_owned(),
        })?;
    let next =
        match answer
            .get("has_more")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            true => Some(rows.last().and_then(|r| id(r, "id")).ok_or_else(|| {
                PageError::Unexpected {
                    entity: "page",
                    id: path.to_owned(),
                }
            })?),
            false => None,
        };
    Ok((rows, next, int(&answer, "total_count")))
}

async fn partner(
    client: &Client,
    program: &str,
    v: &Value,
    zone: Tz,
) -> Result<Partner, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("partner", v))?;
    let mut codes = Vec::new();
    let mut cursor = None;
    let mut paging = crate::imports::guard::Paging::new("Tolt", format!("links of partner {key}"));
    loop {
        let (links, next, _) = list(
            client,
            "/v1/links",
            program,
            cursor.as_deref(),
            &[("partner_id", key.clone())],
        )
        .await?;
        paging
            .step(
                cursor.as_deref(),
                crate::imports::guard::fingerprint(&links),
                next.as_deref(),
            )
            .map_err(PageError::Paging)?;
        codes.extend(
            links
                .iter()
                .filter_map(|l| text(l, "value").map(str::to_owned)),
        );
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let name = [text(v, "first_name"), text(v, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Partner {
        name: match name.is_empty() {
            true => text(v, "company_name").unwrap_or_default().to_owned(),
            false => name,
        },
        email: text(v, "email").map(str::to_owned),
        status: match text(v, "status") {
            Some("active") | None => PartnerStatus::Active,
            Some(_) => PartnerStatus::Suspended,
        },
        group_key: text(v, "group_id").map(str::to_owned),
        codes,
        // Read from `/v1/promotion-codes`.
        coupons: Vec::new(),
        paypal_email: match text(v, "payout_method") {
            Some("paypal") => v
                .get("payout_details")
                .and_then(|d| text(d, "email"))
                .map(str::to_owned),
            _ => None,
        },
        bank: None,
        since: time(v, "created_at", zone),
        key,
        country: None,
    })
}

/// A promotion code: a coupon of its partner (Tolt names no Stripe
/// promotion code for it).
fn promotion_code(v: &Value) -> Result<Coupon, PageError> {
    let bad = || unexpected("promotion code", v);
    Ok(Coupon {
        key: id(v, "id").ok_or_else(bad)?,
        partner_key: id(v, "partner_id").ok_or_else(bad)?,
        code: text(v, "code").ok_or_else(bad)?.to_owned(),
        promotion_id: None,
        archived: v.get("active").and_then(Value::as_bool) == Some(false),
    })
}

fn customer(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("customer", v))?;
    let partner_key = text(v, "partner_id")
        .ok_or_else(|| unexpected("customer", v))?
        .to_owned();
    let Some(customer) = text(v, "customer_id") else {
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

fn commission(
    v: &Value,
    currency: Currency,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Commission>, PageError> {
    let bad = || unexpected("commission", v);
    let key = id(v, "id").ok_or_else(bad)?;
    let amount_minor = int(v, "amount")
        .and_then(|a| minor_of(currency, a))
        .ok_or_else(bad)?;
    let sale_minor = int(v, "revenue").and_then(|cents| minor_of(currency, cents));
    if let Some(problem) = super::any_negative(
        "commission",
        &key,
        currency,
        &[("amount", Some(amount_minor)), ("revenue", sale_minor)],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(v, "created_at", zone).ok_or_else(bad)?;
    let changed_at = time(v, "updated_at", zone).unwrap_or(earned_at);
    let state = match text(v, "status") {
        Some("pending") => SourceState::Pending { due_at: None },
        Some("approved") => SourceState::Due,
        Some("paid") => SourceState::Paid { at: changed_at },
        Some("rejected" | "refunded") => SourceState::Voided { at: changed_at },
        _ => return Err(bad()),
    };
    Ok(Some(Commission {
        partner_key: text(v, "partner_id")
            .map(str::to_owned)
            .or_else(|| v.get("partner").and_then(|p| id(p, "id"))),
        customer: None,
        referral_key: text(v, "customer_id").map(str::to_owned),
        amount_minor,
        sale_minor,
        sale_tax_minor: None,
        sale_reference: None,
        currency,
        earned_at,
        state,
        paid_by: None,
        key,
    }))
}

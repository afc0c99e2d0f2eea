//! Tolt's API v1 (`https://api.tolt.com/v1`): `Authorization: Bearer {api
//! key}`, every list scoped by `program_id` (the import's `accountId`);
//! cursor paging, `limit` (at most 100) and `starting_after` the last
//! object's `id`, answered as `{"success", "has_more", "total_count",
//! "data": [...]}`; amounts in cents (as numbers or, as Tolt answers
//! them, strings). The program and its groups are only in API v2
//! (`https://platform.tolt.com/v2`, the same key): lists answered as
//! `{"success", "data": [...], "has_more", "next_cursor"}`.
//!
//! - `GET /v2/programs/{id}`: `currency_code`, `minimum_payout` (minor
//!   units), `website_url`;
//! - `GET /v2/groups?program_id=`: `id`, `name`, `minimum_payout` (none:
//!   the program's), `website_url` — and no terms revshare can read (a
//!   flow's action is not published): each group is made with the
//!   default group's rules;
//! - `GET /partners`: `id`, `first_name`, `last_name`, `email`,
//!   `company_name`, `group_id`, `status` (`active`, `pending`,
//!   `suspended`, `rejected`), `country_code`, `created_at`,
//!   `payout_method` (`paypal`, `wise`, `bank_transfer`, `wire`,
//!   `crypto`, `none`) and `payout_details` (`email`; a bank's `iban`,
//!   `bic`, `routing_number`, `account_number`, `account_holder_name`);
//! - `GET /links?partner_id=`: each link's `param` and `value` (`?ref=`
//!   `value`), kept as codes;
//! - `GET /promotion-codes` (read after the partners, in their phase):
//!   `id`, `code`, `partner_id`, `active`, kept as coupons;
//! - `GET /customers`: `id`, `customer_id` (the brand's id for the
//!   customer, its Stripe id with the Stripe integration), `partner_id`,
//!   `created_at`;
//! - `GET /commissions?expand[]=program`: `id`, `amount` and `revenue`
//!   (cents), `currency` (else the program's `currency_code`), `status`
//!   (`pending`, `approved`, `paid`, `rejected`, `refunded`),
//!   `scheduled_approval_date`, `charge_id` (the billing system's),
//!   `payout_id`, `customer_id` (Tolt's customer), `partner_id`,
//!   `created_at`, `updated_at` (a paid one's date: Tolt's API has no
//!   payouts).

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{
    BankAccount, Commission, Coupon, Group, Page, PageError, Partner, Problem, Referral, Rows,
};
use super::{currency_of, minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;

pub const HOST: &str = "https://api.tolt.com";
pub const HOST_V2: &str = "https://platform.tolt.com";
const LIMIT: i64 = 100;

/// Tolt's two APIs, on their hosts.
pub struct Clients<'a> {
    pub v1: &'a Client,
    pub v2: &'a Client,
}
/// The partners' phase's cursors past the partners: pages of promotion
/// codes (`coupons:` the first, then `coupons:{last id}`).
const COUPONS: &str = "coupons:";

pub async fn page(
    clients: Clients<'_>,
    program: &str,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let client = clients.v1;
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
        ImportPhase::Groups => return groups(clients.v2, program).await,
        ImportPhase::Partners => "/v1/partners",
        ImportPhase::Customers => "/v1/customers",
        ImportPhase::Commissions => "/v1/commissions",
    };
    // Each commission with its program: the currency it is counted in.
    let expand = match phase {
        ImportPhase::Commissions => vec![("expand[]", "program".to_owned())],
        _ => Vec::new(),
    };
    let (data, next, total) = list(client, path, program, cursor, &expand).await?;
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
                rows.push(partner(client, program, v, zone, &mut problems).await?);
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
    problems: &mut Vec<Problem>,
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
    let (paypal_email, bank) = payout_method(v);
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
        paypal_email,
        bank,
        since: time(v, "created_at", zone),
        country: text(v, "country_code").and_then(super::country_of),
        key,
        tags: Vec::new(),
        elsewhere: Vec::new(),
    })
    .inspect(|p| {
        if let (Some(given), None) = (text(v, "country_code"), &p.country) {
            problems.push(Problem::new(
                "partner",
                &p.key,
                format!("its country {given:?} is not an ISO 3166-1 code: none kept"),
            ));
        }
    })
}

/// The partner's payout method: a PayPal address, a bank account (by
/// IBAN, or a US one by routing and account number), or another kind
/// named for the problem row.
fn payout_method(v: &Value) -> (Option<String>, Option<BankAccount>) {
    let details = v.get("payout_details").cloned().unwrap_or(Value::Null);
    let detail = |field: &str| text(&details, field).map(str::to_owned);
    match text(v, "payout_method") {
        None | Some("none") => (None, None),
        Some("paypal") => (detail("email"), None),
        Some("bank_transfer" | "wire") => {
            let holder = detail("account_holder_name")
                .or_else(|| detail("name"))
                .unwrap_or_default();
            match (
                detail("iban"),
                detail("routing_number"),
                detail("account_number"),
            ) {
                (Some(iban), _, _) => (
                    None,
                    Some(BankAccount::Iban {
                        holder,
                        iban,
                        bic: detail("bic").or_else(|| detail("swift_code")),
                    }),
                ),
                (None, Some(routing), Some(account)) => (
                    None,
                    Some(BankAccount::Ach {
                        holder,
                        routing,
                        account,
                        savings: detail("account_type").as_deref() == Some("savings"),
                    }),
                ),
                _ => (
                    None,
                    Some(BankAccount::Other(
                        "a bank account Tolt gives neither an IBAN nor a routing number for".into(),
                    )),
                ),
            }
        }
        Some("wise") => (None, Some(BankAccount::Other("Wise transfers".into()))),
        Some(other) => (None, Some(BankAccount::Other(format!("{other} payouts")))),
    }
}

/// The program's groups, each with its minimum (else the program's) and
/// its site; made with the default group's rules, since Tolt does not
/// publish a flow's terms in a form revshare can read.
async fn groups(client: &Client, program: &str) -> Result<Page, PageError> {
    let at = client.get(&format!("/v2/programs/{program}"), &[]).await?;
    let at = at.get("data").filter(|d| d.is_object()).unwrap_or(&at);
    let currency = text(at, "currency_code").and_then(currency_of);
    let minimum = |v: &Value| -> Option<(rust_decimal::Decimal, String)> {
        let currency = currency?;
        let cents = int(v, "minimum_payout").filter(|c| *c > 0)?;
        let minor = minor_of(currency, cents)?;
        Some((currency.from_minor(minor), currency.code().to_owned()))
    };
    let mut data = Vec::new();
    let mut cursor: Option<String> = None;
    let mut paging = crate::imports::guard::Paging::new("Tolt", "groups".to_owned());
    loop {
        let mut query = vec![
            ("program_id", program.to_owned()),
            ("limit", LIMIT.to_string()),
        ];
        query.extend(cursor.clone().map(|c| ("starting_after", c)));
        let answer = client.get("/v2/groups", &query).await?;
        let page = items(&answer, "data")
            .cloned()
            .ok_or(PageError::Unexpected {
                entity: "page",
                id: "/v2/groups".to_owned(),
            })?;
        let next = text(&answer, "next_cursor")
            .filter(|_| answer.get("has_more").and_then(Value::as_bool) == Some(true))
            .map(str::to_owned);
        paging
            .step(
                cursor.as_deref(),
                crate::imports::guard::fingerprint(&page),
                next.as_deref(),
            )
            .map_err(PageError::Paging)?;
        data.extend(page);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut groups = Vec::with_capacity(data.len());
    for v in &data {
        let key = id(v, "id").ok_or_else(|| unexpected("group", v))?;
        groups.push(Group {
            name: text(v, "name").unwrap_or(&key).to_owned(),
            percentage: None,
            max_months: None,
            flat: None,
            minimum: minimum(v).or_else(|| minimum(at)),
            url: text(v, "website_url")
                .or_else(|| text(at, "website_url"))
                .map(str::to_owned),
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
    default: Currency,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Commission>, PageError> {
    let bad = || unexpected("commission", v);
    let key = id(v, "id").ok_or_else(bad)?;
    // In its own currency, else its program's, else the import's.
    let currency = match text(v, "currency")
        .or_else(|| v.get("program").and_then(|p| text(p, "currency_code")))
    {
        Some(code) => currency_of(code).ok_or_else(bad)?,
        None => default,
    };
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
        Some("pending") => SourceState::Pending {
            due_at: time(v, "scheduled_approval_date", zone),
        },
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
        sale_reference: text(v, "charge_id").map(str::to_owned),
        currency,
        earned_at,
        state,
        paid_by: None,
        key,
    }))
}

//! Tapfiliate's REST API v1.6 (`https://api.tapfiliate.com/1.6`):
//! `X-Api-Key: {api key}`, one program read (the import's `accountId`);
//! `?page` paging from 1, 25 rows a page, the next page named by the
//! `Link` header's `rel="next"` (only its number is kept); lists answered
//! as bare arrays, absent values as `null`; amounts as decimal numbers in
//! the currency's major unit (`9.9` dollars).
//!
//! - `GET /programs/{program}/`: `id`, `title`, `currency`,
//!   `default_landing_page_url`, `recurring_commissions`;
//! - `GET /programs/{program}/commission-types/`: `id` (`default`…),
//!   `name`, `type` (`percentage` | `fixed`), `percentage`, `amount`;
//! - `GET /affiliate-groups/`: `id`, `title` (or `name`);
//! - `GET /affiliates/`: `id`, `firstname`, `lastname`, `email`,
//!   `created_at`, `affiliate_group_id` (or `group.id`), `referral_link`
//!   (its `?ref=`), `coupon`;
//! - `GET /customers/?program_id=`: `id`, `customer_id` (the brand's id
//!   for the customer: its Stripe id with the Stripe integration),
//!   `status`, `created_at`, `affiliate.id`, `program.id`;
//! - `GET /conversions/?program_id=`: `id`, `external_id` (the brand's
//!   id of the sale), `amount`, `created_at`,
//!   `affiliate.id`, `customer.customer_id`, `customer.id`, `commissions[]`
//!   with `id`, `amount`, `conversion_sub_amount` (the sale it was paid
//!   on), `currency`, `approved` (`null` pending, `true` approved, `false`
//!   disapproved), `payout` (its payment once paid, with `paid_at`),
//!   `created_at`, `affiliate.id`.
//!
//! The program's terms are its default commission type: every group made
//! of it (the program's, and each affiliate group's) pays them, since the
//! API does not say which commission type a group was given.

use super::super::client::Client;
use super::super::source::json::{id, items, text, time};
use super::super::source::{Commission, Group, Page, PageError, Partner, Problem, Referral, Rows};
use super::unexpected;
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use rust_decimal::Decimal;
use serde_json::Value;

/// The documented host; paths carry the version.
pub const HOST: &str = "https://api.tapfiliate.com";

pub async fn page(
    client: &Client,
    program: &str,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let number = cursor.unwrap_or("1").to_owned();
    let (path, scoped) = match phase {
        ImportPhase::Groups => ("/1.6/affiliate-groups/", false),
        ImportPhase::Partners => ("/1.6/affiliates/", false),
        ImportPhase::Customers => ("/1.6/customers/", true),
        ImportPhase::Commissions => ("/1.6/conversions/", true),
    };
    let mut query = vec![("page", number)];
    if scoped {
        query.push(("program_id", program.to_owned()));
    }
    let (answer, next) = client.get_linked(path, &query).await?;
    let data = items(&answer, "").ok_or_else(|| PageError::Unexpected {
        entity: "page",
        id: path.to_owned(),
    })?;
    // An empty page ends a list, whatever its links say.
    let next = next.filter(|_| !data.is_empty());
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Groups => {
            let mut rows = Vec::new();
            let terms = match cursor {
                None => {
                    let (program_group, terms) = program_of(client, program, &mut problems).await?;
                    rows.push(program_group);
                    terms
                }
                Some(_) => program_terms(client, program, &mut Vec::new()).await?.1,
            };
            for v in data {
                let key = id(v, "id").ok_or_else(|| unexpected("affiliate group", v))?;
                rows.push(Group {
                    name: text(v, "title")
                        .or_else(|| text(v, "name"))
                        .unwrap_or(&key)
                        .to_owned(),
                    url: None,
                    minimum: None,
                    key,
                    ..terms.clone()
                });
            }
            Rows::Groups(rows)
        }
        ImportPhase::Partners => Rows::Partners(
            data.iter()
                .map(|v| affiliate(v, program, zone))
                .collect::<Result<_, _>>()?,
        ),
        ImportPhase::Customers => Rows::Customers(super::kept(data, &mut problems, |v, p| {
            customer(v, program, zone, p)
        })?),
        ImportPhase::Commissions => {
            let mut rows = Vec::new();
            for v in data {
                conversion(v, program, currency, zone, &mut rows, &mut problems)?;
            }
            Rows::Commissions(rows)
        }
    };
    Ok(Page {
        rows,
        problems,
        next,
        total: None,
        fingerprint: crate::imports::guard::fingerprint(data),
    })
}

/// The program as a group (its terms, its landing page), and its terms
/// alone for the affiliate groups.
async fn program_of(
    client: &Client,
    program: &str,
    problems: &mut Vec<Problem>,
) -> Result<(Group, Group), PageError> {
    let (v, terms) = program_terms(client, program, problems).await?;
    let group = Group {
        key: program.to_owned(),
        name: text(&v, "title").unwrap_or(program).to_owned(),
        url: text(&v, "default_landing_page_url").map(str::to_owned),
        ..terms.clone()
    };
    Ok((group, terms))
}

/// The program's object and its default commission type as terms; what
/// no group's rules can say is a problem naming the program, its groups
/// left without terms (their partners keep the default group).
async fn program_terms(
    client: &Client,
    program: &str,
    problems: &mut Vec<Problem>,
) -> Result<(Value, Group), PageError> {
    let base = format!("/1.6/programs/{program}/");
    let v = client.get(&base, &[]).await?;
    let currency = text(&v, "currency").unwrap_or("USD").to_uppercase();
    let types = client.get(&format!("{base}commission-types/"), &[]).await?;
    let types = items(&types, "").cloned().unwrap_or_default();
    let chosen = types
        .iter()
        .find(|t| text(t, "id") == Some("default"))
        .or_else(|| types.first());
    let mut terms = Group {
        key: String::new(),
        name: String::new(),
        percentage: None,
        max_months: None,
        flat: None,
        minimum: None,
        url: None,
        unpublished_terms: false,
    };
    let problem = |reason: String| Problem::new("campaign", program, reason);
    if types.len() > 1 {
        let name = chosen.and_then(|t| text(t, "name").or_else(|| text(t, "id")));
        problems.push(problem(format!(
            "has {} commission types: its groups pay its default one ({}), and commissions \
             already earned come over at their own amounts",
            types.len(),
            name.unwrap_or("the first")
        )));
    }
    let Some(chosen) = chosen else {
        return Ok((v, terms));
    };
    if v.get("recurring_commissions").and_then(Value::as_bool) == Some(false) {
        problems.push(problem(
            "pays on a customer's first sale only, which no group's rules can say: its partners \
             keep the default group"
                .into(),
        ));
        return Ok((v, terms));
    }
    match text(chosen, "type") {
        Some("percentage") => {
            terms.percentage = decimal(chosen, "percentage").map(|p| p.normalize())
        }
        Some("fixed") => {
            terms.flat = decimal(chosen, "amount").and_then(|a| {
                let currency = super::currency_of(&currency)?;
                (currency.round(a) == a).then_some(a)
            })
        }
        _ => {}
    }
    if terms.percentage.is_none() && terms.flat.is_none() {
        problems.push(problem(format!(
            "its commission type {} names neither a percentage nor an amount revshare can keep: \
             its partners keep the default group",
            text(chosen, "id").unwrap_or("(without an id)")
        )));
    }
    Ok((v, terms))
}

/// A JSON number (or numeric text) as an exact decimal, by its shortest
/// decimal form (`9.9`, not the binary float's expansion).
fn decimal(v: &Value, key: &str) -> Option<Decimal> {
    match v.get(key)? {
        Value::Number(n) => crate::engine::parse_decimal(&n.to_string()),
        Value::String(s) => crate::engine::parse_decimal(s.trim()),
        _ => None,
    }
}

/// An amount in the currency's major unit as minor units, rounded once to
/// the currency's unit (a float's last digit is noise, never a fraction of
/// a cent owed).
fn minor(v: &Value, key: &str, currency: Currency) -> Option<i64> {
    currency.to_minor(currency.round(decimal(v, key)?)).ok()
}

fn affiliate(v: &Value, program: &str, zone: Tz) -> Result<Partner, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("affiliate", v))?;
    let name = [text(v, "firstname"), text(v, "lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    // The `?ref=` of its referral link, else its id (Tapfiliate's default).
    let code = text(v, "referral_link")
        .and_then(|link| url::Url::parse(link).ok())
        .and_then(|link| {
            link.query_pairs()
                .find(|(k, _)| k == "ref")
                .map(|(_, value)| value.into_owned())
        })
        .filter(|code| !code.is_empty())
        .unwrap_or_else(|| key.clone());
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status: PartnerStatus::Active,
        group_key: id(v, "affiliate_group_id")
            .or_else(|| v.get("group").and_then(|g| id(g, "id")))
            .or_else(|| Some(program.to_owned())),
        codes: vec![code],
        coupons: text(v, "coupon").map(str::to_owned).into_iter().collect(),
        paypal_email: None,
        bank: None,
        since: time(v, "created_at", zone),
        key,
        country: None,
    })
}

/// A row of another program of the account (the list's filter aside).
fn elsewhere(v: &Value, program: &str) -> Option<String> {
    let theirs = v
        .get("program")
        .and_then(|p| id(p, "id"))
        .or_else(|| id(v, "program_id"))?;
    (theirs != program).then_some(theirs)
}

fn customer(
    v: &Value,
    program: &str,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("customer", v))?;
    if let Some(theirs) = elsewhere(v, program) {
        problems.push(Problem::new(
            "customer",
            &key,
            format!("belongs to the program {theirs}, not the one imported"),
        ));
        return Ok(None);
    }
    let Some(partner_key) = v.get("affiliate").and_then(|a| id(a, "id")) else {
        problems.push(Problem::new(
            "customer",
            &key,
            "names no affiliate: there is no partner to attribute it to",
        ));
        return Ok(None);
    };
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

/// A conversion's commissions, each a row.
fn conversion(
    v: &Value,
    program: &str,
    default: Currency,
    zone: Tz,
    rows: &mut Vec<Commission>,
    problems: &mut Vec<Problem>,
) -> Result<(), PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("conversion", v))?;
    if let Some(theirs) = elsewhere(v, program) {
        problems.push(Problem::new(
            "commission",
            &key,
            format!("is a conversion of the program {theirs}, not the one imported"),
        ));
        return Ok(());
    }
    let customer = v.get("customer").filter(|c| !c.is_null());
    for c in items(v, "commissions")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let bad = || unexpected("commission", c);
        let key = id(c, "id").ok_or_else(bad)?;
        let currency = match text(c, "currency") {
            Some(code) => super::currency_of(code).ok_or_else(bad)?,
            None => default,
        };
        let amount_minor = minor(c, "amount", currency).ok_or_else(bad)?;
        let sale_minor = minor(c, "conversion_sub_amount", currency);
        if let Some(problem) = super::any_negative(
            "commission",
            &key,
            currency,
            &[
                ("amount", Some(amount_minor)),
                ("conversion_sub_amount", sale_minor),
            ],
        ) {
            problems.push(problem);
            continue;
        }
        let earned_at = time(c, "created_at", zone)
            .or_else(|| time(v, "created_at", zone))
            .ok_or_else(bad)?;
        let payout = c.get("payout").filter(|p| !p.is_null());
        let state = match (c.get("approved").and_then(Value::as_bool), payout) {
            (None, _) => SourceState::Pending { due_at: None },
            (Some(true), None) => SourceState::Due,
            (Some(true), Some(payout)) => SourceState::Paid {
                at: time(payout, "paid_at", zone)
                    .or_else(|| time(payout, "created_at", zone))
                    .unwrap_or(earned_at),
            },
            (Some(false), _) => SourceState::Voided { at: earned_at },
        };
        rows.push(Commission {
            partner_key: c
                .get("affiliate")
                .and_then(|a| id(a, "id"))
                .or_else(|| v.get("affiliate").and_then(|a| id(a, "id"))),
            customer: customer
                .and_then(|x| text(x, "customer_id"))
                .map(str::to_owned),
            referral_key: customer.and_then(|x| id(x, "id")),
            currency,
            amount_minor,
            sale_minor,
            sale_tax_minor: None,
            sale_reference: text(v, "external_id").map(str::to_owned),
            earned_at,
            state,
            paid_by: None,
            key,
        });
    }
    Ok(())
}

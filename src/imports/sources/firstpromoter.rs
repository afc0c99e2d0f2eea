//! FirstPromoter's API v2 (`https://api.firstpromoter.com/api/v2/company`):
//! `Authorization: Bearer {api key}` and `Account-ID: {account id}`;
//! `page`/`per_page` paging (at most 100), a page shorter than
//! `per_page` being the last; lists answered as `{"data": [...]}` (or the
//! array alone).
//!
//! - `GET /promoters`: `id`, `email`, `name` (or `profile.first_name`,
//!   `last_name`), `state` (`accepted`, `pending`, `rejected`, `blocked`,
//!   `inactive`), `archived_at`, `promoter_campaigns[]` with `campaign_id`,
//!   `ref_token` (the `?fpr=` of its links), `coupon`, `promo_codes[]`;
//! - `GET /referrals`: `id`, `uid` (the customer's id at the billing
//!   provider), `email`, `promoter_campaign.promoter_id`, `created_at`,
//!   `customer_since`;
//! - `GET /commissions`: `id`, `status` (`pending`, `approved`, `denied`),
//!   `is_paid`, `is_self_referral`, `unit` (`cash`, or a non-money reward), `amount` and
//!   `sale_amount` (cents), `original_sale_currency`, `created_at`,
//!   `status_updated_at`, `event_id` (the billing provider's id of the
//!   sale), `promoter_campaign.promoter_id`, `referral.id`, `referral.uid`.
//!
//! FirstPromoter's campaigns carry no commission terms in these objects:
//! partners go into the import's group (or the default group).

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{Commission, Page, PageError, Partner, Problem, Referral, Rows};
use super::{currency_of, minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;

pub const HOST: &str = "https://api.firstpromoter.com";
const PER_PAGE: i64 = 100;

pub async fn page(
    client: &Client,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let path = match phase {
        ImportPhase::Groups => return Ok(super::empty(Rows::Groups(Vec::new()))),
        ImportPhase::Partners => "/api/v2/company/promoters",
        ImportPhase::Customers => "/api/v2/company/referrals",
        ImportPhase::Commissions => "/api/v2/company/commissions",
    };
    let number: i64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(1);
    let query = [
        ("page", number.to_string()),
        ("per_page", PER_PAGE.to_string()),
    ];
    let answer = client.get(path, &query).await?;
    let data = items(&answer, "data")
        .or_else(|| items(&answer, ""))
        .ok_or_else(|| PageError::Unexpected {
            entity: "page",
            id: path.to_owned(),
        })?;
    let next = (data.len() as i64 >= PER_PAGE).then(|| (number + 1).to_string());
    let total = answer.get("meta").and_then(|m| {
        int(m, "total").or_else(|| m.get("pagination").and_then(|p| int(p, "total_count")))
    });
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Partners => Rows::Partners(
            data.iter()
                .map(|v| promoter(v, zone))
                .collect::<Result<_, _>>()?,
        ),
        ImportPhase::Customers => Rows::Customers(super::kept(data, &mut problems, |v, p| {
            referral(v, zone, p)
        })?),
        _ => Rows::Commissions(super::kept(data, &mut problems, |v, p| {
            commission(v, currency, zone, p)
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

fn promoter(v: &Value, zone: Tz) -> Result<Partner, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("promoter", v))?;
    let profile = v.get("profile");
    let name = text(v, "name").map(str::to_owned).unwrap_or_else(|| {
        [
            profile.and_then(|p| text(p, "first_name")),
            profile.and_then(|p| text(p, "last_name")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    });
    let status = match (text(v, "archived_at"), text(v, "state")) {
        (Some(_), _) => PartnerStatus::Archived,
        (None, Some("accepted") | None) => PartnerStatus::Active,
        (None, Some(_)) => PartnerStatus::Suspended,
    };
    let campaigns = items(v, "promoter_campaigns").cloned().unwrap_or_default();
    let mut coupons = Vec::new();
    for c in &campaigns {
        coupons.extend(text(c, "coupon").map(str::to_owned));
        if let Some(codes) = items(c, "promo_codes") {
            coupons.extend(codes.iter().filter_map(|p| p.as_str().map(str::to_owned)));
        }
    }
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status,
        group_key: campaigns.first().and_then(|c| id(c, "campaign_id")),
        codes: campaigns
            .iter()
            .filter_map(|c| text(c, "ref_token").map(str::to_owned))
            .collect(),
        coupons,
        paypal_email: None,
        since: time(v, "created_at", zone),
        key,
    })
}

/// The promoter a referral or commission names.
fn promoter_of(v: &Value) -> Option<String> {
    let campaign = v.get("promoter_campaign");
    campaign
        .and_then(|c| id(c, "promoter_id").or_else(|| c.get("promoter").and_then(|p| id(p, "id"))))
        .or_else(|| v.get("promoter").and_then(|p| id(p, "id")))
        .or_else(|| id(v, "promoter_id"))
}

fn referral(
    v: &Value,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("referral", v))?;
    let partner_key = promoter_of(v).ok_or_else(|| unexpected("referral", v))?;
    let Some(customer) = text(v, "uid") else {
        problems.push(Problem::new("customer", &key, super::NO_CUSTOMER));
        return Ok(None);
    };
    let at = time(v, "customer_since", zone)
        .or_else(|| time(v, "created_at", zone))
        .ok_or_else(|| unexpected("referral", v))?;
    Ok(Some(Referral {
        key,
        partner_key,
        customer: Some(customer.to_owned()),
        email: text(v, "email").map(str::to_owned),
        at,
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
    if v.get("is_self_referral").and_then(Value::as_bool) == Some(true) {
        problems.push(Problem::new(
            "commission",
            &key,
            "FirstPromoter marks it a self-referral (the promoter's own purchase): not imported",
        ));
        return Ok(None);
    }
    if let Some(unit) = text(v, "unit").filter(|u| *u != "cash") {
        problems.push(Problem::new(
            "commission",
            &key,
            format!("a reward in {unit}, not money: not imported"),
        ));
        return Ok(None);
    }
    let currency = match text(v, "original_sale_currency") {
        Some(code) => currency_of(code).ok_or_else(bad)?,
        None => default,
    };
    let amount_minor = int(v, "amount")
        .and_then(|a| minor_of(currency, a))
        .ok_or_else(bad)?;
    let sale_minor = int(v, "sale_amount").and_then(|cents| minor_of(currency, cents));
    if let Some(problem) = super::any_negative(
        "commission",
        &key,
        currency,
        &[("amount", Some(amount_minor)), ("sale_amount", sale_minor)],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(v, "created_at", zone).ok_or_else(bad)?;
    let changed_at = time(v, "status_updated_at", zone).unwrap_or(earned_at);
    let paid = v.get("is_paid").and_then(Value::as_bool).unwrap_or(false);
    let state = match (text(v, "status"), paid) {
        (Some("pending"), _) => SourceState::Pending { due_at: None },
        (Some("approved"), false) => SourceState::Due,
        (Some("approved"), true) => SourceState::Paid { at: changed_at },
        (Some("denied"), _) => SourceState::Voided { at: changed_at },
        _ => return Err(bad()),
    };
    let referral = v.get("referral");
    Ok(Some(Commission {
        key,
        partner_key: promoter_of(v),
        customer: referral.and_then(|r| text(r, "uid")).map(str::to_owned),
        referral_key: referral.and_then(|r| id(r, "id")),
        currency,
        amount_minor,
        sale_minor,
        sale_tax_minor: None,
        sale_reference: text(v, "event_id").map(str::to_owned),
        earned_at,
        state,
    }))
}

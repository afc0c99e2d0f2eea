//! FirstPromoter's API v2 (`https://api.firstpromoter.com/api/v2/company`):
//! `Authorization: Bearer {api key}` and `Account-ID: {account id}`;
//! `page`/`per_page` paging (at most 100), a page shorter than
//! `per_page` being the last; lists answered as a bare array (`/promoters`
//! alone as `{"data": [...], "meta": {...}}`).
//!
//! - `GET /rewards?scope=promoters`: `id`, `promoter_reward_type`
//!   (`sale`, `tier`, `target`), `schemas[]` (`unit`, `amount`,
//!   `flat_amount`, `rules[]` of `type`, `condition`, `value`) — the terms
//!   a campaign's `rewards_for_promoters[].reward_id` names;
//! - `GET /campaigns`: `id`, `name`, `landing_url`,
//!   `rewards_for_promoters[]` (`apply_on`, `reward_id`);
//! - `GET /payouts/stats`: `meta.min_payment`, the account's minimum
//!   payout (in cents, as its other whole-number amounts);
//! - `GET /promoters`: `id`, `email`, `name` (or `profile.first_name`,
//!   `last_name`), `profile.country`, `profile.w8_form_url` and
//!   `w9_form_url` (a form's document), `joined_at`, `archived_at`,
//!   `selected_payout_method`,
//!   `promoter_campaigns[]` with `campaign_id`, `state` (`accepted`,
//!   `pending`, `rejected`, `blocked`, `inactive`), `ref_token` (the
//!   `?fpr=` of its links), `coupon`, `promo_codes[]` — each in the campaign
//!   it came from (a promoter's other campaigns' in [`Membership`]s);
//! - `GET /payout_methods?filters[promoter_id]=`: `method` (`paypal`,
//!   `bank`, `wise`, `crypto`, `custom`, `dots`), `is_selected`,
//!   `is_disabled`, `details` (`paypal_email`; a bank's
//!   `account_holder_name`, `iban`, `swift_bic_code`, `routing_aba_number`,
//!   `account_number`, `bank_country`: a US account by routing and
//!   account number is paid by ACH);
//! - `GET /promo_codes?promoter_campaign_id=`: `code`, `ext_id` (Stripe's
//!   promotion code), `archived_at`;
//! - `GET /referrals`: `id`, `uid` (the customer's id at the billing
//!   provider), `email`, `promoter_campaign.promoter_id`, `created_at`,
//!   `customer_since`;
//! - `GET /payouts`: `id`, `status` (`completed` is paid), `paid_at`,
//!   `payout_method.method`; and `GET /commissions?filters[payout_id]=`
//!   each paid payout's commissions;
//! - `GET /commissions`: `id`, `status` (`pending`, `approved`, `denied`),
//!   `is_paid`, `is_self_referral`, `unit` (`cash`, or a non-money
//!   reward), `amount` and `sale_amount` (cents, in the account's
//!   currency: `original_sale_currency` names only what the customer
//!   paid in), `created_at`, `status_updated_at`, `event_id` (the billing
//!   provider's id of the sale), `promoter_campaign.promoter_id`,
//!   `referral.id`, `referral.uid`. A negative `amount` is a refund's
//!   clawback (FirstPromoter's negative commissions), imported as one.
//!
//! FirstPromoter's API does not name the account's currency: every amount
//! is counted in the import campaign's.

mod terms;

use super::super::client::Client;
use super::super::source::json::{id, int, items, text, time};
use super::super::source::{
    BankAccount, Commission, Coupon, Group, Membership, Page, PageError, Partner, Problem,
    Referral, Rows,
};
use super::{minor_of, unexpected};
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus, PayoutMethodType};
use serde_json::Value;
use std::collections::HashMap;

pub const HOST: &str = "https://api.firstpromoter.com";
const PER_PAGE: usize = 100;
const API: &str = "/api/v2/company";
/// The partners' phase's cursors past a page of promoters: that page's
/// coupons (`coupons:N`).
const COUPONS: &str = "coupons:";
/// The commissions' phase's cursors of the paid payouts (`payouts:N`),
/// read before the commissions themselves.
const PAYOUTS: &str = "payouts:";

pub async fn page(
    client: &Client,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    match phase {
        ImportPhase::Groups => campaigns(client, currency).await,
        ImportPhase::Partners => match cursor.and_then(|c| c.strip_prefix(COUPONS)) {
            Some(number) => coupons(client, number_of(Some(number))).await,
            None => promoters(client, number_of(cursor), zone).await,
        },
        ImportPhase::Customers => {
            let number = number_of(cursor);
            let data = list(client, "/referrals", number, &[]).await?;
            let mut problems = Vec::new();
            let rows = super::kept(&data, &mut problems, |v, p| referral(v, zone, p))?;
            Ok(paged(Rows::Customers(rows), problems, &data, number))
        }
        ImportPhase::Commissions => {
            let cursor = cursor.unwrap_or("payouts:1");
            match cursor.strip_prefix(PAYOUTS) {
                Some(number) => paid_payouts(client, number_of(Some(number)), currency, zone).await,
                None => commissions(client, number_of(Some(cursor)), currency, zone).await,
            }
        }
    }
}

fn number_of(cursor: Option<&str>) -> usize {
    cursor.and_then(|c| c.parse().ok()).unwrap_or(1)
}

/// One page of a list: its items (a bare array, or under `data`).
async fn list(
    client: &Client,
    path: &str,
    number: usize,
    filters: &[(&str, String)],
) -> Result<Vec<Value>, PageError> {
    let mut query = vec![
        ("page", number.to_string()),
        ("per_page", PER_PAGE.to_string()),
    ];
    query.extend(filters.iter().map(|(k, v)| (*k, v.clone())));
    let path = format!("{API}{path}");
    let answer = client.get(&path, &query).await?;
    items(&answer, "data")
        .or_else(|| items(&answer, ""))
        .cloned()
        .ok_or(PageError::Unexpected {
            entity: "page",
            id: path,
        })
}

/// Every page of a list (a short page is the last).
async fn all(
    client: &Client,
    path: &str,
    filters: &[(&str, String)],
) -> Result<Vec<Value>, PageError> {
    let mut rows = Vec::new();
    for number in 1.. {
        let data = list(client, path, number, filters).await?;
        let last = data.len() < PER_PAGE;
        rows.extend(data);
        if last {
            break;
        }
    }
    Ok(rows)
}

/// A page of `data`, followed by the next page number when it was full.
fn paged(rows: Rows, problems: Vec<Problem>, data: &[Value], number: usize) -> Page {
    Page {
        rows,
        problems,
        next: (data.len() >= PER_PAGE).then(|| (number + 1).to_string()),
        total: None,
        fingerprint: crate::imports::guard::fingerprint(data),
    }
}

/// The campaigns, each with its terms (its promoters' reward), its
/// landing page and the account's minimum payout: one page.
async fn campaigns(client: &Client, currency: Currency) -> Result<Page, PageError> {
    let rewards: HashMap<String, Value> = all(client, "/rewards", &[("scope", "promoters".into())])
        .await?
        .into_iter()
        .filter_map(|r| id(&r, "id").map(|key| (key, r)))
        .collect();
    let data = all(client, "/campaigns", &[]).await?;
    let stats = client.get(&format!("{API}/payouts/stats"), &[]).await?;
    let minimum = stats
        .get("meta")
        .and_then(|m| int(m, "min_payment"))
        .filter(|cents| *cents > 0)
        .and_then(|cents| minor_of(currency, cents))
        .map(|minor| (currency.from_minor(minor), currency.code().to_owned()));
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    for v in &data {
        let key = id(v, "id").ok_or_else(|| unexpected("campaign", v))?;
        let (percentage, flat, max_months) = match terms::of(v, &rewards) {
            Ok(terms::Terms {
                percentage,
                flat,
                max_months,
                note,
            }) => {
                if let Some(note) = note {
                    problems.push(Problem::new("campaign", &key, note));
                }
                (percentage, flat, max_months)
            }
            Err(why) => {
                problems.push(Problem::new(
                    "campaign",
                    &key,
                    format!("its terms cannot be expressed as a group's rules ({why}): its promoters keep the default group"),
                ));
                (None, None, None)
            }
        };
        groups.push(Group {
            name: text(v, "name").unwrap_or(&key).to_owned(),
            percentage,
            max_months,
            flat,
            minimum: minimum.clone(),
            url: text(v, "landing_url").map(str::to_owned),
            key,
            unpublished_terms: false,
        });
    }
    Ok(Page {
        rows: Rows::Groups(groups),
        problems,
        next: None,
        total: Some(data.len() as i64),
        fingerprint: crate::imports::guard::fingerprint(&data),
    })
}

/// A page of promoters, each with its payout method read from
/// `/payout_methods` when it chose one.
async fn promoters(client: &Client, number: usize, zone: Tz) -> Result<Page, PageError> {
    let data = list(client, "/promoters", number, &[]).await?;
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(data.len());
    for v in &data {
        let mut partner = promoter(v, zone, &mut problems)?;
        if v.get("selected_payout_method")
            .is_some_and(Value::is_object)
        {
            let methods = all(
                client,
                "/payout_methods",
                &[("filters[promoter_id]", partner.key.clone())],
            )
            .await?;
            (partner.paypal_email, partner.bank) = payout_method(&methods);
        }
        rows.push(partner);
    }
    let mut page = paged(Rows::Partners(rows), problems, &data, number);
    // The page's coupons next, then the next page of promoters.
    page.next = Some(format!("{COUPONS}{number}"));
    Ok(page)
}

/// The coupons of a page of promoters: each of their campaigns' promo
/// codes, with the billing system's promotion code and whether archived.
async fn coupons(client: &Client, number: usize) -> Result<Page, PageError> {
    let data = list(client, "/promoters", number, &[]).await?;
    let mut rows = Vec::new();
    for v in &data {
        let promoter = id(v, "id").ok_or_else(|| unexpected("promoter", v))?;
        for campaign in items(v, "promoter_campaigns").into_iter().flatten() {
            // Asked only where the promoter lists codes: a request for each
            // campaign of each promoter would spend the account's 400 a
            // minute on nothing.
            let listed = items(campaign, "promo_codes").is_some_and(|codes| !codes.is_empty());
            let Some(campaign_id) = id(campaign, "id").filter(|_| listed) else {
                continue;
            };
            let listed = all(
                client,
                "/promo_codes",
                &[("promoter_campaign_id", campaign_id)],
            )
            .await?;
            for code in &listed {
                let key = id(code, "id").ok_or_else(|| unexpected("promo code", code))?;
                let typed = text(code, "code").ok_or_else(|| unexpected("promo code", code))?;
                rows.push(Coupon {
                    key,
                    partner_key: promoter.clone(),
                    code: typed.to_owned(),
                    promotion_id: text(code, "ext_id").map(str::to_owned),
                    archived: code.get("archived_at").is_some_and(|a| !a.is_null()),
                });
            }
        }
    }
    // Its promoters' page, marked: a page of its own to the paging guard.
    let marked: Vec<Value> = std::iter::once(Value::from(COUPONS))
        .chain(data.iter().cloned())
        .collect();
    Ok(Page {
        rows: Rows::Coupons(rows),
        problems: Vec::new(),
        next: (data.len() >= PER_PAGE).then(|| (number + 1).to_string()),
        total: None,
        fingerprint: crate::imports::guard::fingerprint(&marked),
    })
}

fn promoter(v: &Value, zone: Tz, problems: &mut Vec<Problem>) -> Result<Partner, PageError> {
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
    let campaigns = items(v, "promoter_campaigns").cloned().unwrap_or_default();
    // Its state is each campaign's: active where it was accepted into one.
    let accepted = |c: &&Value| text(c, "state").is_none_or(|s| s == "accepted");
    let status = match (
        text(v, "archived_at"),
        campaigns.iter().any(|c| accepted(&c)),
    ) {
        (Some(_), _) => PartnerStatus::Archived,
        (None, true) => PartnerStatus::Active,
        (None, false) if campaigns.is_empty() => PartnerStatus::Active,
        (None, false) => PartnerStatus::Suspended,
    };
    let home = campaigns.iter().find(accepted).or(campaigns.first());
    let group_key = home.and_then(|c| id(c, "campaign_id"));
    // A tax form FirstPromoter keeps is a document, not its data: the
    // partner is asked again here.
    for (field, form) in [("w9_form_url", "W-9"), ("w8_form_url", "W-8")] {
        if profile.and_then(|p| text(p, field)).is_some() {
            problems.push(Problem::new(
                "promoter",
                &key,
                format!(
                    "sent FirstPromoter a {form}, which its API gives as a document, not its \
                     data: ask the partner to submit its tax form in the portal"
                ),
            ));
        }
    }
    // Its tokens and coupons, each in the campaign it came from: those of
    // its other campaigns earn by their own campaign's terms.
    let (mut codes, mut coupons, mut elsewhere) = (Vec::new(), Vec::new(), Vec::new());
    for c in &campaigns {
        let tokens: Vec<String> = text(c, "ref_token")
            .map(str::to_owned)
            .into_iter()
            .collect();
        let mut held: Vec<String> = text(c, "coupon").map(str::to_owned).into_iter().collect();
        if let Some(listed) = items(c, "promo_codes") {
            held.extend(listed.iter().filter_map(|p| p.as_str().map(str::to_owned)));
        }
        match id(c, "campaign_id").filter(|other| Some(other) != group_key.as_ref()) {
            Some(other) => elsewhere.push(Membership {
                group_key: other,
                codes: tokens,
                coupons: held,
            }),
            None => {
                codes.extend(tokens);
                coupons.extend(held);
            }
        }
    }
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        status,
        group_key,
        codes,
        coupons,
        paypal_email: None,
        bank: None,
        since: time(v, "joined_at", zone).or_else(|| time(v, "created_at", zone)),
        key,
        country: profile
            .and_then(|p| text(p, "country"))
            .and_then(super::country_of),
        tags: Vec::new(),
        elsewhere,
    })
}

/// The promoter's chosen payout method: a PayPal address, or a bank
/// account (by IBAN, or another kind named for the problem row).
fn payout_method(methods: &[Value]) -> (Option<String>, Option<BankAccount>) {
    let usable = |m: &&Value| {
        !m.get("is_disabled")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let chosen = methods
        .iter()
        .filter(usable)
        .find(|m| m.get("is_selected").and_then(Value::as_bool) == Some(true))
        .or_else(|| methods.iter().find(usable));
    let Some(method) = chosen else {
        return (None, None);
    };
    let details = method.get("details").cloned().unwrap_or(Value::Null);
    match text(method, "method") {
        Some("paypal") => (text(&details, "paypal_email").map(str::to_owned), None),
        Some("bank") => match text(&details, "iban") {
            Some(iban) => (
                None,
                Some(BankAccount::Iban {
                    holder: text(&details, "account_holder_name")
                        .unwrap_or_default()
                        .to_owned(),
                    iban: iban.to_owned(),
                    bic: text(&details, "swift_bic_code").map(str::to_owned),
                }),
            ),
            None => match (
                text(&details, "routing_aba_number"),
                text(&details, "account_number"),
            ) {
                (Some(routing), Some(account)) => (
                    None,
                    Some(BankAccount::Ach {
                        holder: text(&details, "account_holder_name")
                            .unwrap_or_default()
                            .to_owned(),
                        routing: routing.to_owned(),
                        account: account.to_owned(),
                        savings: text(&details, "account_type")
                            .is_some_and(|t| t.eq_ignore_ascii_case("savings")),
                    }),
                ),
                _ => {
                    let country = text(&details, "bank_country").unwrap_or("its");
                    (
                        None,
                        Some(BankAccount::Other(format!(
                            "a {country} bank account without an IBAN"
                        ))),
                    )
                }
            },
        },
        Some(other) => (None, Some(BankAccount::Other(format!("{other} payouts")))),
        None => (None, None),
    }
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

/// A page of the paid payouts, each with its commissions: paid on the
/// payout's `paid_at`, by its method.
async fn paid_payouts(
    client: &Client,
    number: usize,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let data = list(client, "/payouts", number, &[]).await?;
    if data.is_empty() {
        // No (more) payouts: the commissions themselves at once.
        return commissions(client, 1, currency, zone).await;
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for payout in &data {
        let key = id(payout, "id").ok_or_else(|| unexpected("payout", payout))?;
        if text(payout, "status") != Some("completed") {
            continue;
        }
        let at = time(payout, "paid_at", zone).ok_or_else(|| unexpected("payout", payout))?;
        let method = match payout.get("payout_method").and_then(|m| text(m, "method")) {
            Some("paypal") => Some(PayoutMethodType::Paypal),
            Some("bank") => Some(PayoutMethodType::BankTransfer),
            _ => None,
        };
        let paid = Paid { at, method };
        let promoter = payout.get("promoter").and_then(|p| id(p, "id"));
        let listed = all(client, "/commissions", &[("filters[payout_id]", key)]).await?;
        // A commission names no payout: only a paid one of the payout's
        // own promoter is taken as its, whatever the filter answered.
        let its: Vec<Value> = listed
            .into_iter()
            .filter(|v| v.get("is_paid").and_then(Value::as_bool) == Some(true))
            .filter(|v| promoter.is_none() || promoter_of(v) == promoter)
            .collect();
        rows.extend(super::kept(&its, &mut problems, |v, p| {
            commission(v, currency, zone, Some(paid), p)
        })?);
    }
    let next = match data.len() >= PER_PAGE {
        true => format!("{PAYOUTS}{}", number + 1),
        // The commissions themselves next: those paid already are
        // unchanged, the others imported as they stand.
        false => "1".to_owned(),
    };
    Ok(Page {
        rows: Rows::Commissions(rows),
        problems,
        next: Some(next),
        total: None,
        fingerprint: crate::imports::guard::fingerprint(&data),
    })
}

/// A page of the commissions, as they stand (those a paid payout
/// brought already are unchanged).
async fn commissions(
    client: &Client,
    number: usize,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let data = list(client, "/commissions", number, &[]).await?;
    let mut problems = Vec::new();
    let rows = super::kept(&data, &mut problems, |v, p| {
        commission(v, currency, zone, None, p)
    })?;
    Ok(paged(Rows::Commissions(rows), problems, &data, number))
}

/// How and when a payout paid its commissions.
#[derive(Debug, Clone, Copy)]
struct Paid {
    at: chrono::DateTime<chrono::Utc>,
    method: Option<PayoutMethodType>,
}

fn commission(
    v: &Value,
    currency: Currency,
    zone: Tz,
    payout: Option<Paid>,
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
    // In the account's currency, whatever the customer paid in.
    let amount_minor = int(v, "amount")
        .and_then(|a| minor_of(currency, a))
        .ok_or_else(bad)?;
    let sale_minor = int(v, "sale_amount").and_then(|cents| minor_of(currency, cents));
    // A negative commission is a refund's clawback FirstPromoter booked
    // (its tracking API's negative commissions): it comes over as one. A
    // commission of a negative sale is not.
    let negative_sale = sale_minor.filter(|_| amount_minor >= 0);
    if let Some(problem) = super::any_negative(
        "commission",
        &key,
        currency,
        &[("sale_amount", negative_sale)],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(v, "created_at", zone).ok_or_else(bad)?;
    let changed_at = time(v, "status_updated_at", zone).unwrap_or(earned_at);
    let paid = v.get("is_paid").and_then(Value::as_bool).unwrap_or(false);
    let state = match (text(v, "status"), paid, payout) {
        (Some("pending"), _, _) => SourceState::Pending { due_at: None },
        (Some("approved"), _, Some(payout)) => SourceState::Paid { at: payout.at },
        (Some("approved"), false, None) => SourceState::Due,
        (Some("approved"), true, None) => SourceState::Paid { at: changed_at },
        (Some("denied"), _, _) => SourceState::Voided { at: changed_at },
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
        paid_by: match state {
            SourceState::Paid { .. } => payout.and_then(|p| p.method),
            _ => None,
        },
        state,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bank_account_by_routing_number_is_kept_for_ach() {
        let methods = [
            json!({ "method": "bank", "is_selected": true, "is_disabled": false,
            "details": { "bank_country": "US", "account_holder_name": "Ann", "routing_aba_number": "011000015", "account_number": "123456789" } }),
        ];
        let (paypal, bank) = payout_method(&methods);
        assert!(paypal.is_none());
        assert!(
            matches!(bank, Some(BankAccount::Ach { ref routing, ref account, savings: false, .. }) if routing == "011000015" && account == "123456789")
        );
        let methods = [
            json!({ "method": "paypal", "is_selected": false, "is_disabled": true, "details": { "paypal_email": "old@example.com" } }),
            json!({ "method": "paypal", "is_selected": true, "details": { "paypal_email": "ann@example.com" } }),
        ];
        assert_eq!(
            payout_method(&methods).0.as_deref(),
            Some("ann@example.com")
        );
    }
}

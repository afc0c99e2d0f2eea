//! What of a program comes over beside its partners and money: a
//! campaign's terms as a group's rules, where each partner is paid (its
//! PayPal address or IBAN as its payout method), the least a payout may
//! be (a campaign's minimum, on its group or on each of its partners), a
//! partner's labels at the source as its tags,
//! where old links land (the campaign's site), the coupons a source lists
//! apart (each a code of its partner, its Stripe promotion code
//! remembered), and what was paid at the source as the year-end forms'
//! payments. What cannot come over is a problem row naming the row, never
//! a stop. Written in the page's transaction by [`super::write`].

use super::source::{BankAccount, Coupon, Group, Partner, Problem};
use super::target::{Counts, Target, code_of, partner_id, said};
use crate::attribution::codes;
use crate::db::Txn;
use crate::engine::{EventKind, Rule, RuleEntry, RuleSet};
use crate::error::ApiResult;
use crate::ledger::imported::ImportedCommission;
use entity::enums::PayoutMethodType;
use entity::{campaign, referral_code};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// A campaign's minimum payout as a stored list, or a problem naming the
/// campaign (a currency revshare does not know, an amount finer than it).
pub(super) fn minimum_of(
    key: &str,
    minimum: Option<&(Decimal, String)>,
    counts: &mut Counts,
) -> Option<String> {
    let minimum = minimum?;
    match crate::directory::minimums::check("minimum_payout", std::slice::from_ref(minimum)) {
        Ok(list) => crate::directory::minimums::encode(Some(&list)),
        Err(err) => {
            counts.problems.push(Problem::new(
                "campaign",
                key,
                format!(
                    "its minimum payout {} {} cannot be kept ({}): none kept",
                    minimum.0,
                    minimum.1,
                    said(&err)
                ),
            ));
            None
        }
    }
}

/// The partner's labels at the source as its tags, stored: each kept as a
/// tag is (trimmed, 1 to 50 characters, no comma), the first 20 distinct
/// ones; one that cannot be is a problem row naming it.
pub(super) fn tags_of(row: &Partner, counts: &mut Counts) -> String {
    use crate::directory::groups::{MAX_TAGS, check_tags};
    let mut kept: Vec<String> = Vec::new();
    for tag in &row.tags {
        match check_tags("tags", std::slice::from_ref(tag)).map(|c| c.into_iter().next()) {
            Ok(None) => {}
            Ok(Some(clean)) if kept.contains(&clean) => {}
            Ok(Some(clean)) if kept.len() < MAX_TAGS => kept.push(clean),
            Ok(Some(_)) => counts.problems.push(Problem::new(
                "partner",
                &row.key,
                format!("its tag {tag:?} is past the {MAX_TAGS} a partner keeps: left out"),
            )),
            Err(err) => counts.problems.push(Problem::new(
                "partner",
                &row.key,
                format!("its tag {tag:?} cannot be kept ({}): left out", said(&err)),
            )),
        }
    }
    crate::directory::tags::encode(&kept)
}

/// The import's campaign takes the first source campaign's site as its
/// landing page when it has none, so old links (`?via=`) that come to
/// `/r/{tenant}/{code}` redirect there.
pub(super) async fn landing_of(conn: &Txn, target: &mut Target, rows: &[Group]) -> ApiResult<()> {
    if target.campaign.landing_url.is_some() {
        return Ok(());
    }
    let url = rows.iter().find_map(|row| {
        let url = row.url.as_deref()?;
        crate::campaigns::check_landing_url("url", Some(url))
            .ok()
            .flatten()
    });
    let Some(url) = url else {
        return Ok(());
    };
    if !target.dry {
        campaign::Entity::update_many()
            .col_expr(campaign::Column::LandingUrl, Expr::value(url.as_str()))
            .filter(campaign::Column::Id.eq(target.campaign.id.as_str()))
            .filter(campaign::Column::LandingUrl.is_null())
            .exec(conn)
            .await?;
    }
    target.campaign.landing_url = Some(url);
    Ok(())
}

/// The partner's PayPal address, or its bank account (by IBAN, or a US
/// one by routing and account number), as its
/// payout method; one revshare cannot pay (an address that is none, a
/// kind of account it has no method for) is a problem row, the partner
/// kept without a method.
pub(super) async fn payout_method_of(
    conn: &Txn,
    target: &Target,
    row: &Partner,
    partner_id: &str,
    counts: &mut Counts,
) -> ApiResult<()> {
    use crate::payouts::methods::{GivenMethod, Method, store};
    use entity::enums::PayoutMethodType;
    let (given, what) = match (&row.paypal_email, &row.bank) {
        (Some(email), _) => (
            GivenMethod {
                paypal_email: Some(email),
                ..GivenMethod::of(PayoutMethodType::Paypal)
            },
            "PayPal address",
        ),
        (None, Some(BankAccount::Iban { holder, iban, bic })) => (
            GivenMethod {
                iban: Some(iban),
                bic: bic.as_deref(),
                account_holder: Some(holder),
                ..GivenMethod::of(PayoutMethodType::BankTransfer)
            },
            "bank account",
        ),
        (
            None,
            Some(BankAccount::Ach {
                holder,
                routing,
                account,
                savings,
            }),
        ) => (
            GivenMethod {
                routing_number: Some(routing),
                account_number: Some(account),
                account_type: Some(match savings {
                    true => entity::enums::UsAccountType::Savings,
                    false => entity::enums::UsAccountType::Checking,
                }),
                account_holder: Some(holder),
                ..GivenMethod::of(PayoutMethodType::Ach)
            },
            "US bank account",
        ),
        (None, Some(BankAccount::Other(kind))) => {
            counts.problems.push(Problem::new(
                "partner",
                &row.key,
                format!(
                    "it is paid by {kind} at {}, which revshare has no payout method for: \
                     imported without one (finance sets one from the console)",
                    target.platform
                ),
            ));
            return Ok(());
        }
        (None, None) => return Ok(()),
    };
    match Method::check(&given) {
        Ok(method) => {
            store(conn, &target.tenant_id, &target.actor, partner_id, method).await?;
        }
        Err(err) => counts.problems.push(Problem::new(
            "partner",
            &row.key,
            format!(
                "its {what} cannot be its payout method ({}): imported without one",
                said(&err)
            ),
        )),
    }
    Ok(())
}

/// Coupons a source lists apart: each a code of its partner with that
/// coupon, and the Stripe promotion code it is; again, as it is.
pub(super) async fn coupons_of(
    conn: &Txn,
    target: &mut Target,
    rows: &[Coupon],
    counts: &mut Counts,
) -> ApiResult<()> {
    for row in rows {
        let problem = |reason: String| Problem::new("coupon", &row.key, reason);
        if row.archived {
            counts.problems.push(problem(format!(
                "{:?} is archived at the source: it attributes nothing there, nor here",
                row.code
            )));
            continue;
        }
        let Some(code) = codes::imported_code(&row.code) else {
            counts.problems.push(problem(format!(
                "{:?} is not a code revshare keeps (1 to 64 letters, digits, '-', '_' or '.')",
                row.code
            )));
            continue;
        };
        let Some(partner_id) = partner_id(conn, target, &row.partner_key).await? else {
            counts.problems.push(problem(format!(
                "its affiliate {} was not imported",
                row.partner_key
            )));
            continue;
        };
        if target.dry {
            counts.codes += 1;
            continue;
        }
        let held = referral_code::Entity::find()
            .filter(referral_code::Column::TenantId.eq(target.tenant_id.as_str()))
            .filter(referral_code::Column::PartnerId.eq(partner_id.as_str()))
            .filter(referral_code::Column::CouponKey.eq(row.code.to_lowercase()))
            .one(conn)
            .await?;
        if held.is_some() {
            counts.unchanged += 1;
        } else if code_of(conn, target, &partner_id, &code, Some(&row.code)).await? {
            counts.codes += 1;
        } else {
            counts.problems.push(problem(format!(
                "{:?} is another partner's code or coupon already",
                row.code
            )));
            continue;
        }
        if let Some(promotion) = &row.promotion_id {
            crate::connectors::stripe::learn_promotion(
                conn,
                &target.tenant_id,
                promotion,
                &row.code,
            )
            .await?;
        }
    }
    Ok(())
}

/// A source campaign's commission as a group's rules: a percentage of
/// every sale (for its first months only, when it says so), or a fixed
/// amount per sale (a flat fee beside a recurring rule of 0 %, since a
/// rule set has exactly one recurring rule); or why it cannot be one (a
/// percentage past 100, an amount out of bounds).
pub(super) fn rules_of(group: &Group) -> Result<RuleSet, String> {
    let flat = |amount| Rule::FlatFee {
        amount,
        event_kind: EventKind::Sale,
    };
    let rules = match (group.percentage, group.flat) {
        (Some(percentage), amount) => {
            let recurring = Rule::Recurring {
                percentage,
                max_months: group.max_months,
            };
            // A percentage beside a flat amount pays both.
            std::iter::once(recurring).chain(amount.map(flat)).collect()
        }
        (None, Some(amount)) => vec![
            Rule::Recurring {
                percentage: Decimal::ZERO,
                max_months: None,
            },
            flat(amount),
        ],
        (None, None) => return Err("it names neither a percentage nor an amount".into()),
    };
    let entries: Vec<RuleEntry> = rules
        .into_iter()
        .map(|rule| RuleEntry {
            rule,
            description: Some("as it was at the source".into()),
            description_translations: Vec::new(),
        })
        .collect();
    RuleSet::new(entries).map_err(|err| err.message)
}

/// Commissions paid on the platform a brand left are payments its
/// year-end forms count (SPEC §29): on the day they were paid there, in
/// the tenant's zone, one a partner, day, currency and method (a payment
/// a payment network reports is excluded, as revshare's own are).
pub(super) async fn paid_at_source(
    conn: &Txn,
    target: &Target,
    paid: Vec<(&ImportedCommission, chrono::DateTime<chrono::Utc>)>,
) -> ApiResult<()> {
    use crate::payouts::tax_payments::{self, Payment};
    let zone = crate::payouts::tenant_zone(conn, &target.tenant_id).await?;
    type Day = (String, chrono::NaiveDate, String, Option<PayoutMethodType>);
    let mut days: std::collections::BTreeMap<Day, i64> = Default::default();
    for (item, at) in paid {
        *days
            .entry((
                item.partner_id.clone(),
                tax_payments::day_in(zone, at),
                item.currency.code().to_owned(),
                item.paid_by,
            ))
            .or_default() += item.amount_minor;
    }
    let payments = days
        .into_iter()
        .map(
            |((partner_id, paid_on, currency, method), amount_minor)| Payment {
                partner_id,
                amount_minor,
                currency,
                method,
                withheld_minor: 0,
                paid_on,
                source: entity::enums::TaxPaymentSource::Import,
                source_id: None,
                note: Some(format!("paid on {}", target.platform)),
            },
        )
        .collect();
    tax_payments::record(conn, &target.tenant_id, &target.actor, payments).await?;
    Ok(())
}

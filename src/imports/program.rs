//! What of a program comes over beside its partners and money: where
//! each partner is paid (its PayPal address as its payout method), the
//! least a payout may be (a campaign's minimum, on its group or on each
//! of its partners), where old links land (the campaign's site), and the
//! coupons a source lists apart (each a code of its partner, its Stripe
//! promotion code remembered). What cannot come over is a problem row
//! naming the row, never a stop. Written in the page's transaction by
//! [`super::write`].

use super::source::{BankAccount, Coupon, Group, Partner, Problem};
use super::target::{Counts, Target, code_of, partner_id, said};
use crate::attribution::codes;
use crate::db::Txn;
use crate::error::ApiResult;
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

/// The partner's PayPal address, or its bank account by IBAN, as its
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
                kind: PayoutMethodType::Paypal,
                paypal_email: Some(email),
                iban: None,
                bic: None,
                account_holder: None,
            },
            "PayPal address",
        ),
        (None, Some(BankAccount::Iban { holder, iban, bic })) => (
            GivenMethod {
                kind: PayoutMethodType::BankTransfer,
                paypal_email: None,
                iban: Some(iban),
                bic: bic.as_deref(),
                account_holder: Some(holder),
            },
            "bank account",
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

//! Backup withholding (SPEC §29): with the tenant's `backupWithholding`
//! on, a USD payout to a partner with no approved W-9 and no valid W-8
//! withholds 24 % of its amount, rounded once to the cent (SPEC §2's
//! rounding; 24 % of whole cents is never exactly half a cent). The payout pays the rest; what it
//! withholds is a line of its own on the payout, its statement and its
//! file, and counts in Box 4 of the partner's 1099. The ledger does not
//! change: the commissions are paid in full — the withheld part is paid
//! to the IRS on the partner's behalf, by the brand.
//!
//! Only USD payouts withhold: the 1099 reports US dollars, and a payout
//! in another currency is no payment it counts. A spiff to a partner's
//! contact or to the tenant's staff withholds nothing (no partner's
//! W-9 speaks for them). Nor does a payout by a method the tenant's year
//! leaves out (`excludedMethods`: PayPal by default): a payment through
//! a payment settlement entity is the entity's to report on its 1099-K
//! and the entity's to backup-withhold on (26 CFR 31.3406(g)-1(f) and the
//! 1099-NEC instructions), never the brand's 1099-NEC — withholding the
//! brand could not report would be a Box 4 without its Box 1.

use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use entity::enums::{PayoutMethodType, TaxForm, TaxProfileStatus};
use entity::tax_profile;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;

/// The rate: 24 %.
pub fn rate() -> Decimal {
    Decimal::new(24, 2)
}

/// What a payout of `amount_minor` in `currency` withholds: 24 %, rounded
/// once to the currency's minor unit.
pub fn of(amount_minor: i64, currency: &str) -> ApiResult<i64> {
    let unit = Currency::parse(currency).map_err(|e| ApiError::internal("currency", e))?;
    let withheld = unit.round(unit.from_minor(amount_minor) * rate());
    unit.to_minor(withheld)
        .map_err(|e| ApiError::internal("withholding", e))
}

/// The partners among these who give a TIN or a foreign status: an
/// approved W-9, or an approved W-8 valid `today`.
pub async fn certified_among(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_ids: Vec<String>,
    today: chrono::NaiveDate,
) -> ApiResult<HashSet<String>> {
    let mut certified = HashSet::new();
    for chunk in partner_ids.chunks(crate::posting::WRITE_CHUNK) {
        for row in tax_profile::Entity::find()
            .filter(tax_profile::Column::TenantId.eq(tenant_id))
            .filter(tax_profile::Column::PartnerId.is_in(chunk.to_vec()))
            .filter(tax_profile::Column::Status.eq(TaxProfileStatus::Approved))
            .filter(tax_profile::Column::Form.is_in([TaxForm::W9, TaxForm::W8ben, TaxForm::W8bene]))
            .all(conn)
            .await?
        {
            if !super::tax::expired(&row, today) {
                certified.insert(row.partner_id);
            }
        }
    }
    Ok(certified)
}

/// What each new payout withholds, in place: for a tenant that withholds,
/// a USD payout to a partner itself that is not `certified`.
pub(crate) async fn decide(
    conn: &impl ConnectionTrait,
    tenant: &entity::tenant::Model,
    payouts: &mut [super::issue::NewPayout],
) -> ApiResult<()> {
    if !tenant.backup_withholding {
        return Ok(());
    }
    let excluded = excluded_methods(tenant)?;
    let settled_elsewhere = |p: &super::issue::NewPayout| {
        p.method
            .as_ref()
            .is_some_and(|m| excluded.contains(&m.r#type))
    };
    let subject = |p: &super::issue::NewPayout| {
        p.currency == "USD" && p.recipient_id.is_none() && !p.staff_payee && !settled_elsewhere(p)
    };
    let partners: Vec<String> = payouts
        .iter()
        .filter(|p| subject(p))
        .map(|p| p.partner_id.clone())
        .collect();
    if partners.is_empty() {
        return Ok(());
    }
    let today = super::tax::today_in(&tenant.time_zone);
    let certified = certified_among(conn, &tenant.id, partners, today).await?;
    for payout in payouts.iter_mut() {
        if subject(payout) && !certified.contains(&payout.partner_id) {
            let amount: i64 = payout.rows.iter().map(|r| r.amount_minor).sum();
            payout.withheld_minor = of(amount, &payout.currency)?;
        }
    }
    Ok(())
}

/// The payout methods whose payments a settlement entity reports on its
/// 1099-K, as the tenant set them (`taxReporting.excludedMethods`;
/// PayPal by default): its year leaves them out, and they withhold
/// nothing. Methods stored that do not read are an error, never the
/// default.
pub fn excluded_methods(tenant: &entity::tenant::Model) -> ApiResult<Vec<PayoutMethodType>> {
    match tenant.tax_excluded_methods.as_deref() {
        Some(text) => ApiError::stored("excluded payout methods", text),
        None => Ok(vec![PayoutMethodType::Paypal]),
    }
}

/// What a payout sends: its amount less what it withholds.
pub fn sent_minor(payout: &entity::payout::Model) -> i64 {
    payout.amount_minor - payout.withheld_minor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_less_a_point_rounded_once_to_the_cent() {
        assert_eq!(of(1045, "USD").unwrap(), 251, "2.508 is 2.51");
        assert_eq!(of(1255, "USD").unwrap(), 301, "3.012 is 3.01");
        assert_eq!(of(5210, "USD").unwrap(), 1250, "12.504 is 12.50");
        assert_eq!(of(5211, "USD").unwrap(), 1251, "12.5064 is 12.51");
        // 24 % of whole cents is never half a cent (12 m = 50 k + 25 has
        // no solution): the rounding's midpoint rule never decides.
        assert_eq!(of(0, "USD").unwrap(), 0);
        assert_eq!(of(100_000_000, "USD").unwrap(), 24_000_000);
    }
}

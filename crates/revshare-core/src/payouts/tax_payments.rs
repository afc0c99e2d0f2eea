//! What a year-end form counts (SPEC §29), recorded as payments are made,
//! in the transaction that makes them: a payout paid (by hand, by file or
//! by a rail), a rail's transfer taken back (negative), a commission
//! imported as paid at its source, and a payment made outside revshare.
//!
//! Each payment is a `tax_payments` row in the calendar year of its day in
//! the tenant's time zone, and is added to `tax_totals`: one row per year,
//! partner, currency and method, carrying the payee the partner belongs to
//! now. A year's payees are read from the totals alone, never from the
//! payments or the ledger, so a year of a million commissions reads as
//! fast as a year of a hundred.
//!
//! **The payee.** Partners whose approved W-9s give the same TIN are one
//! payee: its key is the TIN's keyed hash ([`super::seal::DataKey::keyed_hash`]).
//! Any other partner is a payee of its own, keyed by its id. When a
//! profile is submitted or decided, its partner's totals move to the payee
//! it belongs to then ([`rekey`]).

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::enums::{PayoutMethodType, TaxForm, TaxPaymentSource, TaxProfileStatus};
use entity::{payout, tax_payment, tax_profile, tax_total};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
};
use std::collections::{BTreeMap, HashMap};

/// A payment to count.
#[derive(Debug, Clone)]
pub struct Payment {
    pub partner_id: String,
    /// Negative for money taken back.
    pub amount_minor: i64,
    pub currency: String,
    /// How it was paid, when known.
    pub method: Option<PayoutMethodType>,
    pub withheld_minor: i64,
    /// The day paid, in the tenant's time zone.
    pub paid_on: NaiveDate,
    pub source: TaxPaymentSource,
    pub source_id: Option<String>,
    pub note: Option<String>,
}

/// The day `at` falls on in `zone`: the day a payment counts on.
pub fn day_in(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// The method as `tax_totals` keeps it (`''` for none known).
fn method_text(method: Option<PayoutMethodType>) -> &'static str {
    method.map(PayoutMethodType::as_str).unwrap_or("")
}

/// A paid payout as the payment it is; none for one to the tenant's
/// own staff, whose pay is not a contractor's.
pub fn of_payout(paid: &payout::Model, zone: Tz) -> Option<Payment> {
    if paid.staff_payee {
        return None;
    }
    Some(Payment {
        partner_id: paid.partner_id.clone(),
        // The net: VAT on a self-billed payout is no compensation.
        amount_minor: paid.net_minor,
        currency: paid.currency.clone(),
        method: paid.method_type,
        withheld_minor: paid.withheld_minor,
        paid_on: day_in(zone, paid.paid_at.unwrap_or(paid.created_at)),
        source: TaxPaymentSource::Payout,
        source_id: Some(paid.id.clone()),
        note: None,
    })
}

/// The payee a partner belongs to, from its tax profile: its approved
/// W-9's TIN key, else the partner itself.
pub fn payee_key(profile: Option<&tax_profile::Model>, partner_id: &str) -> String {
    profile
        .filter(|p| p.form == TaxForm::W9 && p.status == TaxProfileStatus::Approved)
        .and_then(|p| p.tin_key.clone())
        .unwrap_or_else(|| partner_id.to_owned())
}

/// Records payments of the tenant, by `actor`, in the caller's
/// transaction: a row each, and the totals they add to. A fixed number of
/// statements per chunk of payments.
pub async fn record(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    payments: Vec<Payment>,
) -> ApiResult<Vec<tax_payment::Model>> {
    if payments.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::db::now();
    let mut partners: Vec<String> = payments.iter().map(|p| p.partner_id.clone()).collect();
    partners.sort();
    partners.dedup();
    let mut keys: HashMap<String, String> = HashMap::new();
    for chunk in partners.chunks(crate::posting::WRITE_CHUNK) {
        for profile in tax_profile::Entity::find()
            .filter(tax_profile::Column::TenantId.eq(tenant_id))
            .filter(tax_profile::Column::PartnerId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            keys.insert(
                profile.partner_id.clone(),
                payee_key(Some(&profile), &profile.partner_id),
            );
        }
    }
    type TotalKey = (i32, String, String, &'static str);
    let mut totals: BTreeMap<TotalKey, (i64, i64)> = BTreeMap::new();
    let mut rows = Vec::with_capacity(payments.len());
    for payment in payments {
        let year = payment.paid_on.year();
        let method = method_text(payment.method);
        let total = totals
            .entry((
                year,
                payment.partner_id.clone(),
                payment.currency.clone(),
                method,
            ))
            .or_default();
        total.0 += payment.amount_minor;
        total.1 += payment.withheld_minor;
        rows.push(tax_payment::Model {
            id: crate::input::new_id(),
            tenant_id: tenant_id.to_owned(),
            partner_id: payment.partner_id,
            year,
            paid_on: payment.paid_on,
            amount_minor: payment.amount_minor,
            currency: payment.currency,
            method: method.to_owned(),
            withheld_minor: payment.withheld_minor,
            source: payment.source,
            source_id: payment.source_id,
            note: payment.note,
            created_by: actor.to_owned(),
            created_at: now,
        });
    }
    for chunk in rows.chunks(crate::posting::WRITE_CHUNK) {
        tax_payment::Entity::insert_many(chunk.iter().cloned().map(tax_payment::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    let totals: Vec<tax_total::ActiveModel> = totals
        .into_iter()
        .map(
            |((year, partner_id, currency, method), (amount, withheld))| tax_total::ActiveModel {
                tenant_id: Set(tenant_id.to_owned()),
                year: Set(year),
                payee_key: Set(keys
                    .get(&partner_id)
                    .cloned()
                    .unwrap_or_else(|| partner_id.clone())),
                partner_id: Set(partner_id),
                currency: Set(currency),
                method: Set(method.to_owned()),
                amount_minor: Set(amount),
                withheld_minor: Set(withheld),
            },
        )
        .collect();
    use tax_total::Column as C;
    let excluded = Alias::new("excluded");
    for chunk in totals.chunks(crate::posting::WRITE_CHUNK) {
        tax_total::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([C::TenantId, C::Year, C::PartnerId, C::Currency, C::Method])
                    .value(
                        C::AmountMinor,
                        Expr::col((tax_total::Entity, C::AmountMinor))
                            .add(Expr::col((excluded.clone(), C::AmountMinor))),
                    )
                    .value(
                        C::WithheldMinor,
                        Expr::col((tax_total::Entity, C::WithheldMinor))
                            .add(Expr::col((excluded.clone(), C::WithheldMinor))),
                    )
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(rows)
}

/// Paid payouts recorded, in the tenant's zone.
pub(crate) async fn record_payouts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    paid: &[payout::Model],
) -> ApiResult<()> {
    let zone = super::tenant_zone(conn, tenant_id).await?;
    let payments = paid.iter().filter_map(|p| of_payout(p, zone)).collect();
    record(conn, tenant_id, actor, payments).await?;
    Ok(())
}

/// Moves a partner's totals, every year's, to the payee its profile makes
/// it now: after a profile is submitted (it waits for a decision: the
/// partner is a payee of its own) or decided.
pub(crate) async fn rekey(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    profile: &tax_profile::Model,
) -> ApiResult<()> {
    let key = payee_key(Some(profile), &profile.partner_id);
    tax_total::Entity::update_many()
        .col_expr(tax_total::Column::PayeeKey, Expr::value(key))
        .filter(tax_total::Column::TenantId.eq(tenant_id))
        .filter(tax_total::Column::PartnerId.eq(profile.partner_id.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// A payment made outside revshare, in USD, entered by `actor`:
/// `NOT_FOUND` for a partner the tenant does not have.
pub async fn add_manual(
    db: &crate::db::Db,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    amount_minor: i64,
    paid_on: NaiveDate,
    note: String,
) -> ApiResult<tax_payment::Model> {
    db.transaction(|txn| {
        let note = note.clone();
        Box::pin(async move {
            crate::posting::locks::partners_by_id(&*txn, tenant_id, [partner_id]).await?;
            let exists = entity::partner::Entity::find_by_id(partner_id.to_owned())
                .filter(entity::partner::Column::TenantId.eq(tenant_id))
                .one(&*txn)
                .await?
                .is_some();
            if !exists {
                return Err(ApiError::not_found("partner"));
            }
            let mut written = record(
                &*txn,
                tenant_id,
                actor,
                vec![Payment {
                    partner_id: partner_id.to_owned(),
                    amount_minor,
                    currency: "USD".into(),
                    method: None,
                    withheld_minor: 0,
                    paid_on,
                    source: TaxPaymentSource::Manual,
                    source_id: None,
                    note: Some(note),
                }],
            )
            .await?;
            written
                .pop()
                .ok_or_else(|| ApiError::internal("tax payment", "not written"))
        })
    })
    .await
}

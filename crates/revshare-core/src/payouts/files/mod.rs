//! The files finance hands its bank or PayPal for a run's pending payouts:
//! PayPal's Payouts CSV ([`paypal`]) and a SEPA credit transfer
//! `pain.001.001.03` ([`sepa`]). A payout whose method does not fit the
//! format (or, for PayPal, another currency than the file's; for SEPA, an
//! account outside the SEPA countries) is left out and named with the
//! reason. Only pending payouts are in a file: one
//! already paid or failed is not sent again.

pub mod paypal;
pub mod sepa;

use crate::engine::accounts::Iban;
use crate::error::{ApiError, ApiResult};
use crate::payouts::runs;
use chrono::{DateTime, Utc};
use entity::enums::{PayoutMethodType, PayoutStatus};
use entity::payout;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    PaypalPayoutsCsv,
    SepaPain001,
}

/// A made file.
#[derive(Debug, Clone)]
pub struct File {
    pub filename: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
    /// The run's pending payouts not in it, and why.
    pub left_out: Vec<(payout::Model, String)>,
    /// The payouts it pays.
    pub payouts: Vec<String>,
}

impl Format {
    /// As a payout keeps it (`filed_as`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::PaypalPayoutsCsv => "PAYPAL_PAYOUTS_CSV",
            Format::SepaPain001 => "SEPA_PAIN_001",
        }
    }
}

/// The file of a run's pending payouts, handed to finance: made on the
/// primary with the payouts' partners locked (as `sendPayouts` locks
/// them), and every payout it pays marked as filed in the same
/// transaction — from then on it is not sent by API until finance says
/// the file was not used ([`withdraw`]).
pub async fn hand_over(
    db: &crate::db::Db,
    tenant_id: &str,
    run_id: &str,
    format: Format,
    currency: Option<&str>,
) -> ApiResult<File> {
    db.transaction(|txn| {
        Box::pin(async move {
            lock_partners(&*txn, tenant_id, run_id).await?;
            let now = crate::db::now();
            let file = of_run(&*txn, tenant_id, run_id, format, currency, now).await?;
            for chunk in file.payouts.chunks(crate::posting::WRITE_CHUNK) {
                payout::Entity::update_many()
                    .col_expr(payout::Column::FiledAt, Expr::value(now))
                    .col_expr(payout::Column::FiledAs, Expr::value(format.as_str()))
                    .filter(payout::Column::TenantId.eq(tenant_id))
                    .filter(payout::Column::Id.is_in(chunk.iter().map(String::as_str)))
                    .filter(payout::Column::Rail.is_null())
                    .exec(&*txn)
                    .await?;
            }
            Ok(file)
        })
    })
    .await
}

/// Finance did not use a run's file of `format`: its pending payouts may
/// be sent by API again. Returns how many were filed.
pub async fn withdraw(
    db: &crate::db::Db,
    tenant_id: &str,
    run_id: &str,
    format: Format,
) -> ApiResult<u64> {
    crate::payouts::find_run(db.conn(), tenant_id, run_id)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.runId", "names no payout run of the tenant"))?;
    db.transaction(|txn| {
        Box::pin(async move {
            lock_partners(&*txn, tenant_id, run_id).await?;
            Ok(payout::Entity::update_many()
                .col_expr(
                    payout::Column::FiledAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(payout::Column::FiledAs, Expr::value(Option::<String>::None))
                .filter(payout::Column::TenantId.eq(tenant_id))
                .filter(payout::Column::RunId.eq(run_id))
                .filter(payout::Column::Status.eq(PayoutStatus::Pending))
                .filter(payout::Column::FiledAs.eq(format.as_str()))
                .exec(&*txn)
                .await?
                .rows_affected)
        })
    })
    .await
}

/// Locks the partners of a run's pending payouts.
async fn lock_partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    run_id: &str,
) -> ApiResult<()> {
    let partners: Vec<String> = payout::Entity::find()
        .select_only()
        .column(payout::Column::PartnerId)
        .distinct()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::RunId.eq(run_id))
        .filter(payout::Column::Status.eq(PayoutStatus::Pending))
        .into_tuple()
        .all(conn)
        .await?;
    crate::posting::locks::partners_by_id(conn, tenant_id, partners.iter().map(String::as_str))
        .await?;
    Ok(())
}

/// The file of a run's pending payouts in `format`; `currency` picks the
/// currency of a PayPal file (needed when the run pays PayPal in more
/// than one).
pub async fn of_run(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    run_id: &str,
    format: Format,
    currency: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<File> {
    let run = crate::payouts::find_run(conn, tenant_id, run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout run"))?;
    let pending: Vec<payout::Model> = runs::payouts_of(conn, tenant_id, run_id)
        .await?
        .into_iter()
        .filter(|p| p.status == PayoutStatus::Pending)
        .collect();
    match format {
        Format::PaypalPayoutsCsv => {
            let currency = paypal_currency(&pending, currency)?;
            let (fit, left_out) = split(pending, |p| match p.method_type {
                _ if p.rail.is_some() => Some(sent_by_rail(p)),
                Some(PayoutMethodType::Paypal) if p.currency == currency => None,
                Some(PayoutMethodType::Paypal) => {
                    Some(format!("in {}: this file pays {currency}", p.currency))
                }
                _ => Some("not paid by PayPal".to_owned()),
            });
            nothing_fits(&fit, "PayPal")?;
            Ok(File {
                filename: format!("payouts-{}-paypal-{currency}.csv", run.id),
                content_type: "text/csv; charset=utf-8",
                content: paypal::csv(&fit)?.into_bytes(),
                left_out,
                payouts: fit.into_iter().map(|p| p.id).collect(),
            })
        }
        Format::SepaPain001 => {
            let tenant = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
            let debtor = sepa::Debtor::of(&tenant)?;
            let (fit, left_out) = split(pending, |p| match p.method_type {
                _ if p.rail.is_some() => Some(sent_by_rail(p)),
                Some(PayoutMethodType::BankTransfer) if p.currency != "EUR" => {
                    Some(format!("in {}: SEPA transfers are in EUR", p.currency))
                }
                Some(PayoutMethodType::BankTransfer) => outside_sepa(p),
                Some(PayoutMethodType::Ach) => {
                    Some("paid by ACH to a US account: no SEPA transfer reaches it".to_owned())
                }
                _ => Some("not paid by bank transfer".to_owned()),
            });
            nothing_fits(&fit, "SEPA")?;
            let zone = crate::payouts::zone_of(&tenant)?;
            let document = sepa::Document {
                message_id: &run.id,
                created_at: now,
                execution_date: now.with_timezone(&zone).date_naive(),
                debtor: &debtor,
                payouts: &fit,
            };
            Ok(File {
                filename: format!("payouts-{}-sepa.xml", run.id),
                content_type: "application/xml",
                content: sepa::xml(&document)?.into_bytes(),
                left_out,
                payouts: fit.into_iter().map(|p| p.id).collect(),
            })
        }
    }
}

/// Why a bank transfer's account is out of a SEPA file's reach: its
/// IBAN's country is not in the scheme.
fn outside_sepa(payout: &payout::Model) -> Option<String> {
    let iban = Iban::parse(payout.method_iban.as_deref().unwrap_or_default()).ok()?;
    match iban.in_sepa() {
        true => None,
        false => Some(format!(
            "the account is in {}: SEPA transfers reach accounts in SEPA countries",
            iban.country()
        )),
    }
}

/// The payouts that fit (`why_not` answers none) and those left out.
fn split(
    payouts: Vec<payout::Model>,
    why_not: impl Fn(&payout::Model) -> Option<String>,
) -> (Vec<payout::Model>, Vec<(payout::Model, String)>) {
    let mut fit = Vec::new();
    let mut left_out = Vec::new();
    for payout in payouts {
        match why_not(&payout) {
            None => fit.push(payout),
            Some(reason) => left_out.push((payout, reason)),
        }
    }
    (fit, left_out)
}

fn nothing_fits(fit: &[payout::Model], format: &str) -> ApiResult<()> {
    match fit.is_empty() {
        true => Err(ApiError::Conflict(format!(
            "no pending payout of this run is paid by {format}: there is no file to make"
        ))),
        false => Ok(()),
    }
}

/// The one currency of a PayPal file: `asked`, or the only one the run's
/// PayPal payouts are in (PayPal takes one currency per file).
fn paypal_currency(pending: &[payout::Model], asked: Option<&str>) -> ApiResult<String> {
    if let Some(asked) = asked {
        return Ok(asked.to_owned());
    }
    let mut currencies: Vec<&str> = pending
        .iter()
        .filter(|p| p.method_type == Some(PayoutMethodType::Paypal))
        .map(|p| p.currency.as_str())
        .collect();
    currencies.sort();
    currencies.dedup();
    match currencies.as_slice() {
        [] => Err(ApiError::Conflict(
            "no pending payout of this run is paid by PayPal: there is no file to make".into(),
        )),
        [one] => Ok((*one).to_owned()),
        many => Err(ApiError::bad_input(
            "currency",
            format!(
                "this run pays PayPal in {}, and PayPal takes one currency per file: name one",
                many.join(", ")
            ),
        )),
    }
}

/// An amount of a payout as a file writes it: `1234.50` (the currency's
/// scale, a point, no grouping) — what it sends, backup withholding
/// deducted.
pub(crate) fn amount(payout: &payout::Model) -> ApiResult<String> {
    let currency = crate::engine::Currency::parse(&payout.currency)
        .map_err(|e| ApiError::internal("payout currency", e))?;
    Ok(currency
        .from_minor(super::withholding::sent_minor(payout))
        .to_string())
}

/// What a file says a payment is for: its statement and its payout —
/// which a self-billed invoice names as its buyer reference (SPEC §33b) —
/// and what backup withholding kept back when it did (`Commission
/// statement 2026-000001, payout 01J…, backup withholding 2.51 USD`).
pub(crate) fn remittance(payout: &payout::Model) -> ApiResult<String> {
    let statement = format!(
        "Commission statement {}, payout {}",
        payout.statement_number, payout.id
    );
    if payout.withheld_minor == 0 {
        return Ok(statement);
    }
    let currency = crate::engine::Currency::parse(&payout.currency)
        .map_err(|e| ApiError::internal("payout currency", e))?;
    Ok(format!(
        "{statement}, backup withholding {} {}",
        currency.from_minor(payout.withheld_minor),
        payout.currency
    ))
}

/// Why a payout handed to a rail is in no file: the rail sends it, and a
/// file would pay it twice.
fn sent_by_rail(payout: &payout::Model) -> String {
    format!(
        "sent by {}",
        payout.rail.map(|rail| rail.as_str()).unwrap_or_default()
    )
}

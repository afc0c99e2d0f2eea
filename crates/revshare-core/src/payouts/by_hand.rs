//! `markCommissionsPaid`: for programs that pay by hand. The caller names
//! approved commissions and the payment's reference; they become `PAID` at
//! once, in one payout per partner, currency and recipient (a spiff is paid
//! to its contact, apart from what the partner organisation earns), each
//! with its statement number. Each payout also takes in that payee's
//! approved clawbacks in that currency whose original commission is paid
//! (or paid now), so they net against it; a payout that would not be
//! positive is refused. Commissions a pending payout holds are not the
//! caller's to pay (`CONFLICT`): they are paid by marking that payout paid.

use super::issue::{self, Issue, NewPayout};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::posting::{self, Move};
use entity::enums::{CommissionKind, CommissionStatus, PayoutStatus};
use entity::{commission, payout};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

pub async fn mark_paid(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
    reference: &str,
) -> ApiResult<Vec<payout::Model>> {
    crate::ledger::check_ids("input.ids", ids)?;
    let reference =
        &input::required_text("input.reference", reference, input::MAX_REFERENCE_CHARS)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let payouts = pay(&*txn, tenant_id, actor, ids, reference).await?;
            Ok(payouts)
        })
    })
    .await
}

async fn pay(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
    reference: &str,
) -> ApiResult<Vec<payout::Model>> {
    // A commission's partner never changes: read unlocked to learn which
    // partners to lock, then lock the partners and the rows.
    let partners = commission::Entity::find()
        .select_only()
        .column(commission::Column::PartnerId)
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::Id.is_in(ids.iter().map(String::as_str)))
        .into_tuple::<String>()
        .all(conn)
        .await?;
    posting::locks::partners_by_id(conn, tenant_id, partners.iter().map(String::as_str)).await?;
    let locked = posting::locks::commissions(conn, tenant_id, ids).await?;
    let rows = posting::in_request_order(ids, locked)?;
    if let Some(row) = rows.iter().find(|r| r.status != CommissionStatus::Approved) {
        return Err(posting::conflict(row, CommissionStatus::Paid));
    }
    if let Some(row) = rows.iter().find(|r| r.payout_id.is_some()) {
        return Err(ApiError::Conflict(format!(
            "commission {} is held by pending payout {}: mark that payout paid or failed",
            row.id,
            row.payout_id.as_deref().unwrap_or_default()
        )));
    }
    let taken: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    if let Some(held) = posting::fraud::held_among(conn, &taken).await?.first() {
        return Err(ApiError::Conflict(format!(
            "commission {held} is held by a fraud flag: resolve the flag first"
        )));
    }
    let mut payees = Vec::new();
    for ((partner_id, currency, recipient_id), mut rows) in by_payee(rows) {
        let payee = Payee {
            partner_id: &partner_id,
            currency: &currency,
            recipient_id: recipient_id.as_deref(),
        };
        rows.extend(netting(conn, tenant_id, &payee, &rows).await?);
        let amount_minor: i64 = rows.iter().map(|r| r.amount_minor).sum();
        if amount_minor <= 0 {
            return Err(ApiError::Conflict(format!(
                "the payout to partner {partner_id} in {currency} would not be positive after clawbacks"
            )));
        }
        payees.push(NewPayout {
            staff_payee: rows.iter().any(|r| r.staff_payee),
            partner_id,
            currency,
            recipient_id,
            rows,
            method: None,
            withheld_minor: 0,
        });
    }
    // The partner's own money goes to its method as it is now.
    let own: Vec<String> = payees
        .iter()
        .filter(|p| p.recipient_id.is_none())
        .map(|p| p.partner_id.clone())
        .collect();
    let methods = super::methods::of_partners(conn, tenant_id, own).await?;
    for payee in payees.iter_mut().filter(|p| p.recipient_id.is_none()) {
        payee.method = methods
            .iter()
            .find(|m| m.partner_id == payee.partner_id)
            .cloned();
    }
    // Every row is approved (the named ones checked above, the clawbacks
    // that net found approved): every row moves, or none.
    let tenant = crate::tenants::row(conn, tenant_id).await?;
    super::withholding::decide(conn, &tenant, &mut payees).await?;
    let now = crate::db::now();
    let zone = super::zone_of(&tenant)?;
    let issue = Issue {
        tenant_id,
        zone,
        actor,
        at: now,
        status: PayoutStatus::Paid,
        reference,
        run_id: None,
    };
    let payouts = issue::issue(conn, &issue, &payees).await?;
    super::tax_payments::record_payouts(conn, tenant_id, actor, &payouts).await?;
    let mut paid = Vec::new();
    for (payout, payee) in payouts.iter().zip(payees) {
        let moved =
            posting::apply_move(conn, payee.rows, &paid_by(actor, now, Some(&payout.id))).await?;
        paid.extend(moved.into_iter().map(|row| (row, payout.id.clone())));
        super::notify::paid(conn, payout).await?;
    }
    // One entry per commission paid, each naming it and its payout.
    crate::activity::each(conn, now, |by| {
        paid.iter()
            .map(|(row, payout_id)| {
                by.entry("Commission", &row.id)
                    .about(&row.partner_id)
                    .changing("status", Some("APPROVED".into()), Some("PAID".into()))
                    .changing("payoutId", None, Some(payout_id.clone()))
            })
            .collect()
    })
    .await?;
    // Their self-billed invoices, numbered after every other lock.
    super::invoicing::issue::invoices(conn, tenant_id, &payouts, now).await?;
    Ok(payouts)
}

/// `APPROVED → PAID`, settled by `payout_id`.
pub(crate) fn paid_by<'a>(
    actor: &'a str,
    at: chrono::DateTime<chrono::Utc>,
    payout_id: Option<&str>,
) -> Move<'a> {
    Move {
        from: CommissionStatus::Approved,
        to: CommissionStatus::Paid,
        actor,
        at,
        reason: None,
        note: None,
        payout_id: payout_id.map(str::to_owned),
    }
}

type PayeeKey = (String, String, Option<String>);

/// One payout per partner, currency and recipient.
fn by_payee(rows: Vec<commission::Model>) -> BTreeMap<PayeeKey, Vec<commission::Model>> {
    let mut groups: BTreeMap<_, Vec<commission::Model>> = BTreeMap::new();
    for row in rows {
        let key = (
            row.partner_id.clone(),
            row.currency.clone(),
            row.recipient_id.clone(),
        );
        groups.entry(key).or_default().push(row);
    }
    groups
}

/// Who a payout pays.
struct Payee<'a> {
    partner_id: &'a str,
    currency: &'a str,
    recipient_id: Option<&'a str>,
}

/// The payee's approved, unheld clawbacks that net into a payout of
/// `rows`: those whose original is paid already or paid now (the others
/// wait for their original). The partner lock keeps this set as read until
/// commit.
async fn netting(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payee: &Payee<'_>,
    rows: &[commission::Model],
) -> ApiResult<Vec<commission::Model>> {
    let recipient = match payee.recipient_id {
        Some(id) => commission::Column::RecipientId.eq(id),
        None => commission::Column::RecipientId.is_null(),
    };
    let clawbacks = commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::PartnerId.eq(payee.partner_id))
        .filter(commission::Column::Currency.eq(payee.currency))
        .filter(recipient)
        .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
        .filter(commission::Column::Status.eq(CommissionStatus::Approved))
        .filter(commission::Column::PayoutId.is_null())
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?;
    let now_paid: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let nets = super::clawbacks_that_net(conn, clawbacks, &now_paid).await?;
    Ok(nets
        .into_iter()
        .filter(|clawback| !rows.iter().any(|r| r.id == clawback.id))
        .collect())
}

//! What becomes of a pending payout: paid (`markPayoutPaid`: its
//! commissions become `PAID`, with the payment's reference) or failed
//! (`markPayoutFailed`: its commissions are released, still `APPROVED`, for
//! the next run; the payout keeps its statement number and the list of
//! what it held). Either happens once: a payout that is not pending is
//! `CONFLICT`.
//!
//! The payout's partner is locked first (the lock order of every change to
//! a partner's money), so two settlements of one payout run one after the
//! other and the second finds it settled.

use super::by_hand::paid_by;
use super::issue::announce;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::DomainEventType;
use crate::input;
use crate::posting;
use entity::enums::{CommissionStatus, PayoutStatus};
use entity::{commission, payout};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, IntoActiveModel,
};

/// A pending payout sent: its commissions become `PAID`.
pub async fn mark_paid(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    payout_id: &str,
    reference: &str,
) -> ApiResult<payout::Model> {
    let reference = input::required_text("reference", reference, input::MAX_REFERENCE_CHARS)?;
    db.transaction(|txn| {
        let reference = reference.clone();
        Box::pin(async move {
            let pending = lock_pending(&*txn, tenant_id, payout_id).await?;
            by_hand(&pending)?;
            pay_locked(&*txn, tenant_id, actor, pending, &reference, |_| {}).await
        })
    })
    .await
}

/// A pending payout, its partner locked, paid with `reference`; `edit`
/// adds to the change (a rail's status). The payout's `PAYOUT_PAID` event
/// and its partner's `PAYOUT_SENT` e-mail are written with it.
pub(crate) async fn pay_locked(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    pending: payout::Model,
    reference: &str,
    edit: impl FnOnce(&mut payout::ActiveModel),
) -> ApiResult<payout::Model> {
    let payout_id = pending.id.clone();
    let now = crate::db::now();
    let rows = held(conn, tenant_id, &payout_id).await?;
    // What is paid is what the payout says, to the cent.
    let sum: i64 = rows.iter().map(|r| r.amount_minor).sum();
    if sum != pending.net_minor || rows.len() != pending.commission_count as usize {
        return Err(ApiError::internal(
            "payout holds",
            format!(
                "payout {payout_id} of net {} in {} rows holds {sum} in {}",
                pending.net_minor,
                pending.commission_count,
                rows.len()
            ),
        ));
    }
    posting::apply_move(conn, rows, &paid_by(actor, now, Some(&payout_id))).await?;
    let mut active = pending.into_active_model();
    active.status = Set(PayoutStatus::Paid);
    active.reference = Set(reference.to_owned());
    active.paid_at = Set(Some(now));
    edit(&mut active);
    let paid = active.update(conn).await?;
    super::tax_payments::record_payouts(conn, tenant_id, actor, std::slice::from_ref(&paid))
        .await?;
    let event = announce(DomainEventType::PayoutPaid, &paid, now)?;
    crate::events::append(conn, tenant_id, now, vec![event]).await?;
    super::notify::paid(conn, &paid).await?;
    // Its self-billed invoice, numbered now: the counter is the last lock.
    super::invoicing::issue::invoices(conn, tenant_id, std::slice::from_ref(&paid), now).await?;
    Ok(paid)
}

/// A pending payout that could not be sent: its commissions go back to
/// the next run.
pub async fn mark_failed(
    db: &Db,
    tenant_id: &str,
    payout_id: &str,
    reason: &str,
) -> ApiResult<payout::Model> {
    let reason = input::required_text("reason", reason, input::MAX_NOTE_CHARS)?;
    db.transaction(|txn| {
        let reason = reason.clone();
        Box::pin(async move {
            let pending = lock_pending(&*txn, tenant_id, payout_id).await?;
            by_hand(&pending)?;
            fail_locked(&*txn, tenant_id, pending, &reason, |_| {}).await
        })
    })
    .await
}

/// A pending payout, its partner locked, failed for `reason`: its
/// commissions released for the next run; `edit` adds to the change.
pub(crate) async fn fail_locked(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    pending: payout::Model,
    reason: &str,
    edit: impl FnOnce(&mut payout::ActiveModel),
) -> ApiResult<payout::Model> {
    // Locked in the ledger's order before they are released.
    held(conn, tenant_id, &pending.id).await?;
    posting::release_from_payout(conn, tenant_id, &pending.id).await?;
    let now = crate::db::now();
    let mut active = pending.into_active_model();
    active.status = Set(PayoutStatus::Failed);
    active.failed_at = Set(Some(now));
    active.failure_reason = Set(Some(reason.to_owned()));
    edit(&mut active);
    let failed = active.update(conn).await?;
    let event = announce(DomainEventType::PayoutFailed, &failed, now)?;
    crate::events::append(conn, tenant_id, now, vec![event]).await?;
    Ok(failed)
}

/// A payout handed to a rail ends as the rail says, never by hand: marking
/// it would pay it twice, or fail what may have left.
fn by_hand(pending: &payout::Model) -> ApiResult<()> {
    match pending.rail {
        Some(rail) => Err(ApiError::Conflict(format!(
            "payout {} is sent by {}: it ends as the provider says",
            pending.id,
            rail.as_str()
        ))),
        None => Ok(()),
    }
}

/// The payout with its partner locked, whatever its status; `NOT_FOUND`
/// for none.
pub(crate) async fn lock(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<payout::Model> {
    // A payout's partner never changes: read it, lock the partner, read again.
    let found = super::find(conn, tenant_id, payout_id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    posting::locks::partners_by_id(conn, tenant_id, [found.partner_id.as_str()]).await?;
    super::find(conn, tenant_id, payout_id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))
}

/// The payout, its partner locked, if it is pending: `NOT_FOUND` for none,
/// `CONFLICT` for one already paid or failed.
async fn lock_pending(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<payout::Model> {
    let payout = lock(conn, tenant_id, payout_id).await?;
    if payout.status != PayoutStatus::Pending {
        return Err(ApiError::Conflict(format!(
            "payout {} is {}: only a pending payout is paid or fails",
            payout.id,
            payout.status.as_str()
        )));
    }
    Ok(payout)
}

/// The commissions a pending payout holds, locked.
async fn held(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<Vec<commission::Model>> {
    posting::locks::commissions_where(
        conn,
        Condition::all()
            .add(commission::Column::TenantId.eq(tenant_id))
            .add(commission::Column::PayoutId.eq(payout_id))
            .add(commission::Column::Status.eq(CommissionStatus::Approved)),
    )
    .await
}

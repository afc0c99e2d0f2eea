//! Approving, paying and reversing commissions. Each mutation is one
//! transaction and all-or-nothing: one commission that cannot make the move
//! (`CONFLICT`) or does not exist (`NOT_FOUND`) fails the whole call.

use super::{
    CommissionKind, CommissionStatus, ReversalReason, check_ids, find, move_status,
    record_transition,
};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use entity::{commission, payout};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use std::collections::BTreeMap;

fn conflict(row: &commission::Model, to: CommissionStatus) -> ApiError {
    ApiError::Conflict(format!(
        "commission {} is {} and cannot become {}",
        row.id,
        row.status,
        to.as_str()
    ))
}

/// Moves each commission `from → to` or fails the transaction.
async fn transition_all(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: &[String],
    from: CommissionStatus,
    to: CommissionStatus,
    actor: &str,
) -> ApiResult<Vec<commission::Model>> {
    let now = crate::db::now();
    let mut moved = Vec::with_capacity(ids.len());
    for id in ids {
        let row = find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("commission"))?;
        if !move_status(conn, id, from, to, now, &[]).await? {
            // Re-read: a concurrent mover may have changed it since `find`.
            let current = find(conn, tenant_id, id).await?.unwrap_or(row);
            return Err(conflict(&current, to));
        }
        record_transition(conn, &row, from, to, None, None, actor, now).await?;
        moved.push(
            find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("commission"))?,
        );
    }
    Ok(moved)
}

pub async fn approve(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
) -> ApiResult<Vec<commission::Model>> {
    check_ids("ids", ids)?;
    let txn = db.write().await?;
    let approved = transition_all(
        &*txn,
        tenant_id,
        ids,
        CommissionStatus::Accrued,
        CommissionStatus::Approved,
        actor,
    )
    .await?;
    txn.commit().await?;
    Ok(approved)
}

pub async fn reverse(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<commission::Model> {
    let txn = db.write().await?;
    let row = reverse_in(&*txn, tenant_id, actor, id, reason, note).await?;
    txn.commit().await?;
    Ok(row)
}

/// `ACCRUED → REVERSED` inside a caller's transaction (refunds use it too).
pub(crate) async fn reverse_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<commission::Model> {
    let row = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("commission"))?;
    // A partly refunded commission has clawbacks (approved at once) that a
    // reversal would strand: refund the rest instead.
    let clawed_back = commission::Entity::find()
        .filter(commission::Column::OriginalId.eq(id))
        .count(conn)
        .await?;
    if clawed_back > 0 {
        return Err(ApiError::Conflict(format!(
            "commission {id} is partly refunded: record a refund of the rest instead"
        )));
    }
    let now = crate::db::now();
    let extra = [
        (
            commission::Column::ReversalReason,
            Some(reason.as_str().to_owned()).into(),
        ),
        (commission::Column::ReversalNote, note.clone().into()),
    ];
    if !move_status(
        conn,
        id,
        CommissionStatus::Accrued,
        CommissionStatus::Reversed,
        now,
        &extra,
    )
    .await?
    {
        let current = find(conn, tenant_id, id).await?.unwrap_or(row);
        return Err(conflict(&current, CommissionStatus::Reversed));
    }
    record_transition(
        conn,
        &row,
        CommissionStatus::Accrued,
        CommissionStatus::Reversed,
        Some(reason),
        note,
        actor,
        now,
    )
    .await?;
    find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("commission"))
}

/// Pays approved commissions: one payout per partner and currency, which also
/// takes in that partner's approved clawbacks in that currency whose original
/// commission is paid (or paid now), so they net against it. A payout that
/// would not be positive is refused.
pub async fn mark_paid(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
    reference: &str,
) -> ApiResult<Vec<payout::Model>> {
    check_ids("input.ids", ids)?;
    let reference = input::required_text("input.reference", reference, 200)?;
    let txn = db.write().await?;
    let mut groups: BTreeMap<(String, String), Vec<commission::Model>> = BTreeMap::new();
    for id in ids {
        let row = find(&*txn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("commission"))?;
        if row.status != CommissionStatus::Approved.as_str() {
            return Err(conflict(&row, CommissionStatus::Paid));
        }
        groups
            .entry((row.partner_id.clone(), row.currency.clone()))
            .or_default()
            .push(row);
    }
    let now = crate::db::now();
    let mut payouts = Vec::with_capacity(groups.len());
    for ((partner_id, currency), mut rows) in groups {
        // The partner's approved clawbacks net here when their original is
        // paid already or paid now; the others wait for their original.
        let clawbacks = commission::Entity::find()
            .filter(commission::Column::TenantId.eq(tenant_id))
            .filter(commission::Column::PartnerId.eq(partner_id.as_str()))
            .filter(commission::Column::Currency.eq(currency.as_str()))
            .filter(commission::Column::Kind.eq(CommissionKind::Clawback.as_str()))
            .filter(commission::Column::Status.eq(CommissionStatus::Approved.as_str()))
            .order_by_asc(commission::Column::Id)
            .all(&*txn)
            .await?;
        let originals: Vec<String> = clawbacks
            .iter()
            .filter_map(|c| c.original_id.clone())
            .collect();
        let paid_originals: Vec<String> = commission::Entity::find()
            .filter(commission::Column::Id.is_in(originals))
            .filter(commission::Column::Status.eq(CommissionStatus::Paid.as_str()))
            .all(&*txn)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let paying_now: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        for clawback in clawbacks {
            let nets = clawback.original_id.as_ref().is_some_and(|original| {
                paying_now.contains(original) || paid_originals.contains(original)
            });
            if nets && !rows.iter().any(|r| r.id == clawback.id) {
                rows.push(clawback);
            }
        }
        let amount_minor: i64 = rows.iter().map(|r| r.amount_minor).sum();
        if amount_minor <= 0 {
            return Err(ApiError::Conflict(format!(
                "the payout to partner {partner_id} in {currency} would not be positive after clawbacks"
            )));
        }
        let payout = payout::ActiveModel {
            id: Set(input::new_id()),
            tenant_id: Set(tenant_id.to_owned()),
            partner_id: Set(partner_id),
            currency: Set(currency),
            amount_minor: Set(amount_minor),
            reference: Set(reference.clone()),
            commission_count: Set(rows.len() as i32),
            created_by: Set(actor.to_owned()),
            created_at: Set(now),
        };
        let payout = payout::Entity::insert(payout)
            .exec_with_returning(&*txn)
            .await?;
        for row in &rows {
            let extra = [(commission::Column::PayoutId, Some(payout.id.clone()).into())];
            if !move_status(
                &*txn,
                &row.id,
                CommissionStatus::Approved,
                CommissionStatus::Paid,
                now,
                &extra,
            )
            .await?
            {
                return Err(conflict(row, CommissionStatus::Paid));
            }
            record_transition(
                &*txn,
                row,
                CommissionStatus::Approved,
                CommissionStatus::Paid,
                None,
                None,
                actor,
                now,
            )
            .await?;
        }
        payouts.push(payout);
    }
    txn.commit().await?;
    Ok(payouts)
}

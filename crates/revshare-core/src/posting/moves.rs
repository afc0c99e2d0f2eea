//! Status moves of locked commissions: one conditional `UPDATE` for the
//! set, one insert of history, one upsert of balances.

use super::{Deltas, WRITE_CHUNK, add_to_balances, event};
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, ReversalReason};
use entity::{commission, commission_transition};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
use std::collections::BTreeMap;

/// The locked rows in the order `ids` names them: `NOT_FOUND` for the
/// first id without a row.
pub(crate) fn in_request_order(
    ids: &[String],
    rows: Vec<commission::Model>,
) -> ApiResult<Vec<commission::Model>> {
    let mut by_id: BTreeMap<String, commission::Model> =
        rows.into_iter().map(|row| (row.id.clone(), row)).collect();
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| ApiError::not_found("commission"))
        })
        .collect()
}

/// A status change and what it records.
pub(crate) struct Move<'a> {
    pub from: CommissionStatus,
    pub to: CommissionStatus,
    /// The `sub` of the token, or the job's name.
    pub actor: &'a str,
    pub at: DateTime<Utc>,
    pub reason: Option<ReversalReason>,
    pub note: Option<String>,
    /// For `PAID`: the payout that settles the rows.
    pub payout_id: Option<String>,
}

pub(crate) fn conflict(row: &commission::Model, to: CommissionStatus) -> ApiError {
    ApiError::Conflict(format!(
        "commission {} is {} and cannot become {}",
        row.id,
        row.status.as_str(),
        to.as_str()
    ))
}

/// Moves locked rows from `mv.from` to `mv.to`, all or nothing: a row in
/// another status is `CONFLICT` and nothing moves. Returns the rows as they
/// now are, in the order given.
///
/// A commission approved takes its referrers' rewards (SPEC §31) with it:
/// they are locked after it, in the one lock order, and approved in the
/// same move — whoever approves it (staff, the maturity job, a fraud
/// flag's release).
pub(crate) async fn apply_move(
    conn: &impl ConnectionTrait,
    rows: Vec<commission::Model>,
    mv: &Move<'_>,
) -> ApiResult<Vec<commission::Model>> {
    let moved = move_rows(conn, rows, mv).await?;
    if mv.from == CommissionStatus::Accrued && mv.to == CommissionStatus::Approved {
        let sources: Vec<&str> = moved
            .iter()
            .filter(|row| row.kind == CommissionKind::Commission)
            .map(|row| row.id.as_str())
            .collect();
        if !sources.is_empty() {
            let followers = super::locks::commissions_where(
                conn,
                Condition::all()
                    .add(commission::Column::OriginalId.is_in(sources))
                    .add(commission::Column::Kind.eq(CommissionKind::Referral))
                    .add(commission::Column::Status.eq(CommissionStatus::Accrued)),
            )
            .await?;
            move_rows(conn, followers, mv).await?;
        }
    }
    Ok(moved)
}

/// [`apply_move`] of the rows alone.
async fn move_rows(
    conn: &impl ConnectionTrait,
    rows: Vec<commission::Model>,
    mv: &Move<'_>,
) -> ApiResult<Vec<commission::Model>> {
    if let Some(row) = rows.iter().find(|r| r.status != mv.from) {
        return Err(conflict(row, mv.to));
    }
    if rows.is_empty() {
        return Ok(rows);
    }
    for chunk in rows.chunks(WRITE_CHUNK) {
        update_status(conn, chunk, mv).await?;
    }
    append_history(conn, &rows, mv).await?;
    let mut deltas = Deltas::default();
    let mut events: BTreeMap<String, Vec<NewDomainEvent>> = BTreeMap::new();
    for row in &rows {
        deltas.remove(row, mv.from);
        deltas.add(row, mv.to);
        let kind = DomainEventType::CommissionStatusChanged;
        events
            .entry(row.tenant_id.clone())
            .or_default()
            .push(event(row, kind, Some(mv), mv.at)?);
    }
    add_to_balances(conn, deltas).await?;
    for (tenant_id, events) in events {
        crate::events::append(conn, &tenant_id, mv.at, events).await?;
    }
    Ok(rows.into_iter().map(|row| moved(row, mv)).collect())
}

/// One conditional `UPDATE` of locked rows: status, its timestamp, and what
/// the move records on the row.
async fn update_status(
    conn: &impl ConnectionTrait,
    rows: &[commission::Model],
    mv: &Move<'_>,
) -> ApiResult<()> {
    let mut update = commission::Entity::update_many()
        .col_expr(commission::Column::Status, Expr::value(mv.to))
        .filter(commission::Column::Id.is_in(rows.iter().map(|r| r.id.as_str())))
        .filter(commission::Column::Status.eq(mv.from));
    if let Some(column) = stamp_of(mv.to) {
        update = update.col_expr(column, Expr::value(mv.at));
    }
    if mv.to == CommissionStatus::Reversed {
        update = update
            .col_expr(commission::Column::ReversalReason, Expr::value(mv.reason))
            .col_expr(
                commission::Column::ReversalNote,
                Expr::value(mv.note.clone()),
            );
    }
    if let Some(payout_id) = &mv.payout_id {
        update = update.col_expr(commission::Column::PayoutId, Expr::value(payout_id));
    }
    // The rows are locked: all of them match, or the lock was not taken.
    let moved = update.exec(conn).await?.rows_affected;
    if moved != rows.len() as u64 {
        return Err(ApiError::internal(
            "status move",
            format!("moved {moved} of {} locked rows", rows.len()),
        ));
    }
    Ok(())
}

/// The column a move into `status` stamps.
fn stamp_of(status: CommissionStatus) -> Option<commission::Column> {
    match status {
        CommissionStatus::Approved => Some(commission::Column::ApprovedAt),
        CommissionStatus::Paid => Some(commission::Column::PaidAt),
        CommissionStatus::Reversed => Some(commission::Column::ReversedAt),
        CommissionStatus::Accrued => None,
    }
}

/// One history row per moved commission.
async fn append_history(
    conn: &impl ConnectionTrait,
    rows: &[commission::Model],
    mv: &Move<'_>,
) -> ApiResult<()> {
    let history: Vec<commission_transition::ActiveModel> = rows
        .iter()
        .map(|row| commission_transition::ActiveModel {
            id: Set(input::new_id()),
            tenant_id: Set(row.tenant_id.clone()),
            commission_id: Set(row.id.clone()),
            from_status: Set(Some(mv.from)),
            to_status: Set(mv.to),
            reason: Set(mv.reason),
            note: Set(mv.note.clone()),
            actor: Set(mv.actor.to_owned()),
            at: Set(mv.at),
        })
        .collect();
    for chunk in history.chunks(WRITE_CHUNK) {
        commission_transition::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A row as the move left it.
fn moved(mut row: commission::Model, mv: &Move<'_>) -> commission::Model {
    row.status = mv.to;
    match mv.to {
        CommissionStatus::Approved => row.approved_at = Some(mv.at),
        CommissionStatus::Paid => row.paid_at = Some(mv.at),
        CommissionStatus::Reversed => {
            row.reversed_at = Some(mv.at);
            row.reversal_reason = mv.reason;
            row.reversal_note = mv.note.clone();
        }
        CommissionStatus::Accrued => {}
    }
    if mv.payout_id.is_some() {
        row.payout_id = mv.payout_id.clone();
    }
    row
}

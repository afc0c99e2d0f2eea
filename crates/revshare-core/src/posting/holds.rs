//! Payouts holding commissions: a pending payout owns its approved rows
//! (through `payout_id`) until it is paid or fails. Statuses and balances do
//! not move here; paying moves them through [`super::apply_move`], and so
//! does [`unpay`], the one way back from `PAID`.

use super::{Move, WRITE_CHUNK, apply_move, locks};
use crate::error::{ApiError, ApiResult};
use entity::commission;
use entity::enums::CommissionStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

/// Holds locked, approved, unheld rows for a pending payout: they stay
/// `APPROVED` and belong to it (no other payout takes them) until it is
/// paid or fails. One statement; balances do not move.
pub(crate) async fn hold_for_payout(
    conn: &impl ConnectionTrait,
    payout_id: &str,
    rows: &[commission::Model],
) -> ApiResult<()> {
    for chunk in rows.chunks(WRITE_CHUNK) {
        let held = commission::Entity::update_many()
            .col_expr(commission::Column::PayoutId, Expr::value(payout_id))
            .filter(commission::Column::Id.is_in(chunk.iter().map(|r| r.id.as_str())))
            .filter(commission::Column::Status.eq(CommissionStatus::Approved))
            .filter(commission::Column::PayoutId.is_null())
            .exec(conn)
            .await?
            .rows_affected;
        // The rows are locked and were read approved and unheld.
        if held != chunk.len() as u64 {
            return Err(ApiError::internal(
                "hold for payout",
                format!("held {held} of {} locked rows", chunk.len()),
            ));
        }
    }
    Ok(())
}

/// Releases the rows a failed payout held: still `APPROVED`, they are
/// free for the next payout. The caller holds the payout's partner lock.
pub(crate) async fn release_from_payout(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<u64> {
    Ok(commission::Entity::update_many()
        .col_expr(
            commission::Column::PayoutId,
            Expr::value(Option::<String>::None),
        )
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::PayoutId.eq(payout_id))
        .filter(commission::Column::Status.eq(CommissionStatus::Approved))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The rows a paid payout settled, when its money came back whole (a
/// transfer reversed in full): `PAID → APPROVED`, their history saying
/// why, no longer the payout's — the next run pays them. Balances and
/// rollups move with them. The caller holds the payout's partner lock.
pub(crate) async fn unpay(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
    note: &str,
) -> ApiResult<Vec<commission::Model>> {
    let rows = locks::commissions_where(
        conn,
        Condition::all()
            .add(commission::Column::TenantId.eq(tenant_id))
            .add(commission::Column::PayoutId.eq(payout_id))
            .add(commission::Column::Status.eq(CommissionStatus::Paid)),
    )
    .await?;
    let back = Move {
        from: CommissionStatus::Paid,
        to: CommissionStatus::Approved,
        actor,
        at,
        reason: None,
        note: Some(note.to_owned()),
        payout_id: None,
    };
    let rows = apply_move(conn, rows, &back).await?;
    for chunk in rows.chunks(WRITE_CHUNK) {
        commission::Entity::update_many()
            .col_expr(
                commission::Column::PayoutId,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                commission::Column::PaidAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(commission::Column::Id.is_in(chunk.iter().map(|r| r.id.as_str())))
            .exec(conn)
            .await?;
    }
    Ok(rows
        .into_iter()
        .map(|mut row| {
            row.payout_id = None;
            row.paid_at = None;
            row
        })
        .collect())
}

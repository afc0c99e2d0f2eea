//! Approving and reversing commissions (paying them is the payouts module's). Each mutation is one
//! transaction and all-or-nothing: one commission that cannot make the move
//! (`CONFLICT`) or does not exist (`NOT_FOUND`) fails the whole call. Rows
//! are locked in id order before anything is checked (see
//! [`crate::posting::locks`]), so concurrent calls over the same commissions, in
//! any order, run one after the other and answer as they would in sequence;
//! a transaction that still loses a race is retried, then `CONFLICT`.

use super::{CommissionKind, CommissionStatus, ReversalReason, check_ids};
use crate::db::Db;
use crate::engagement::bounties::awards;
use crate::error::{ApiError, ApiResult};
use crate::posting::{self, Move, Posting, conflict};
use crate::tiers::progress::{self, Lowering, Share};
use entity::commission;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// The locked rows of `ids`, in request order, each in `from`: else the
/// first id that is missing (`NOT_FOUND`) or elsewhere (`CONFLICT`).
fn all_in(
    ids: &[String],
    rows: Vec<commission::Model>,
    from: CommissionStatus,
    to: CommissionStatus,
) -> ApiResult<Vec<commission::Model>> {
    let rows = posting::in_request_order(ids, rows)?;
    if let Some(row) = rows.iter().find(|r| r.status != from) {
        return Err(conflict(row, to));
    }
    // A referral reward is approved with the commission it came from.
    if to == CommissionStatus::Approved
        && let Some(row) = rows
            .iter()
            .find(|r| r.kind == CommissionKind::Referral && r.original_id.is_some())
    {
        return Err(ApiError::Conflict(format!(
            "commission {} is a referral reward: it is approved with the commission it came from",
            row.id
        )));
    }
    // A spiff pays a person: it is approved once that person is named.
    if to == CommissionStatus::Approved
        && let Some(row) = rows.iter().find(|r| r.recipient_pending)
    {
        return Err(ApiError::Conflict(format!(
            "commission {} has no recipient yet: name one with assignCommissionRecipient",
            row.id
        )));
    }
    Ok(rows)
}

pub async fn approve(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
) -> ApiResult<Vec<commission::Model>> {
    check_ids("ids", ids)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let locked = posting::locks::commissions(&*txn, tenant_id, ids).await?;
            let rows = all_in(
                ids,
                locked,
                CommissionStatus::Accrued,
                CommissionStatus::Approved,
            )?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            if let Some(held) = posting::fraud::held_among(&*txn, &ids).await?.first() {
                return Err(ApiError::Conflict(format!(
                    "commission {held} is held by a fraud flag: resolve the flag first"
                )));
            }
            let mv = Move {
                from: CommissionStatus::Accrued,
                to: CommissionStatus::Approved,
                actor,
                at: crate::db::now(),
                reason: None,
                note: None,
                payout_id: None,
            };
            let approved = posting::apply_move(&*txn, rows, &mv).await?;
            // One entry per commission, each naming it (SPEC §34).
            crate::activity::each(&*txn, mv.at, |by| {
                approved
                    .iter()
                    .map(|row| {
                        by.entry("Commission", &row.id)
                            .about(&row.partner_id)
                            .changing(
                                "status",
                                Some(mv.from.as_str().to_owned()),
                                Some(mv.to.as_str().to_owned()),
                            )
                    })
                    .collect()
            })
            .await?;
            Ok(approved)
        })
    })
    .await
}

pub async fn reverse(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<commission::Model> {
    let ids = &[id.to_owned()];
    let note = &note;
    db.transaction(|txn| {
        Box::pin(async move {
            let locked = posting::locks::commissions(&*txn, tenant_id, ids).await?;
            let row = posting::in_request_order(ids, locked)?
                .pop()
                .ok_or(ApiError::Internal)?;
            let reversal = reverse_locked(&txn, row, actor, reason, note.clone()).await?;
            Ok(reversal.commission)
        })
    })
    .await
}

/// What a reversal did: the commission, reversed, and what its tier
/// adjustments' following it did to them.
pub(crate) struct Reversal {
    pub commission: commission::Model,
    /// The adjustments reversed with it.
    pub adjustments: Vec<commission::Model>,
    /// Clawbacks of the adjustments that could not be reversed.
    pub clawbacks: Vec<commission::Model>,
}

/// `ACCRUED → REVERSED` of a row the caller has locked (refunds use it too).
/// Its tier adjustments follow it, and the partner's progress toward tiers
/// drops by what left.
pub(crate) async fn reverse_locked(
    conn: &crate::db::Txn,
    row: commission::Model,
    actor: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<Reversal> {
    // A partly refunded commission has clawbacks (approved at once) that a
    // reversal would strand: refund the rest instead. Clawbacks are written
    // under this row's lock, so the count is current.
    let clawed_back = commission::Entity::find()
        .filter(commission::Column::OriginalId.eq(row.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
        .count(conn)
        .await?;
    if clawed_back > 0 {
        return Err(ApiError::Conflict(format!(
            "commission {} is partly refunded: record a refund of the rest instead",
            row.id
        )));
    }
    let mv = Move {
        from: CommissionStatus::Accrued,
        to: CommissionStatus::Reversed,
        actor,
        at: crate::db::now(),
        reason: Some(reason),
        note,
        payout_id: None,
    };
    let reversed = posting::apply_move(conn, vec![row], &mv)
        .await?
        .pop()
        .ok_or(ApiError::Internal)?;
    let mut posting = Posting::new(mv.at);
    let followed = progress::follow(conn, &reversed, Share::All, &mv, &mut posting).await?;
    posting.write(conn).await?;
    let lowering = Lowering {
        payout: reversed.amount_minor + followed.lowering.payout,
        revenue: reversed.revenue_minor.unwrap_or(0) + followed.lowering.revenue,
        sale_amount: 0,
    };
    // A referral reward never counted toward its referrer's tiers.
    if reversed.kind != CommissionKind::Referral {
        let (partner, campaign) = (&reversed.partner_id, &reversed.campaign_id);
        let when = (reversed.accrued_at, reversed.recorded_at);
        progress::lower(conn, partner, campaign, when, lowering).await?;
    }
    // A performance bounty not matured yet is taken back with its goal.
    let mut adjustments = followed.reversed;
    if reversed.kind == CommissionKind::Commission {
        let (tenant, partner) = (&reversed.tenant_id, &reversed.partner_id);
        let taken = awards::recheck(conn, tenant, partner, actor, reason, mv.at).await?;
        adjustments.extend(taken);
    }
    Ok(Reversal {
        commission: reversed,
        adjustments,
        clawbacks: followed.clawbacks,
    })
}

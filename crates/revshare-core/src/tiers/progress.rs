//! What refunds and reversals do to tiers (SPEC §9): a commission's tier
//! adjustments follow it — reversed with it, or clawed back by the same
//! share — and the partner's progress toward the tiers is lowered by what
//! left the ledger (and by the refunded sale amount). A period reached
//! stays reached.
//!
//! Progress is lowered, by one statement, in the progress rows of the
//! partner and campaign whose period holds the commission's accrual time,
//! of the tiers that existed when its event was recorded: a tier counts the
//! events recorded from its creation on ([`crate::tiers::book::TierBook::load`]),
//! so one created later never counted it, and its progress (started at
//! zero) is not lowered by it.

use crate::error::ApiResult;
use crate::posting::{self, Move, NewCommission, Posting};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, ReversalReason};
use entity::{commission, tier_progress, tiered_commission};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};

/// What leaves a partner's progress, in minor units.
#[derive(Debug, Default, Clone, Copy)]
pub struct Lowering {
    pub payout: i64,
    pub revenue: i64,
    pub sale_amount: i64,
}

impl Lowering {
    fn is_zero(&self) -> bool {
        self.payout == 0 && self.revenue == 0 && self.sale_amount == 0
    }
}

/// Lowers the partner's progress in the campaign for the periods holding
/// `at`, in the tiers created by `recorded_at` (when the event was counted).
pub async fn lower(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    campaign_id: &str,
    (at, recorded_at): (DateTime<Utc>, DateTime<Utc>),
    by: Lowering,
) -> ApiResult<()> {
    if by.is_zero() {
        return Ok(());
    }
    let existing = Query::select()
        .column(tiered_commission::Column::Id)
        .from(tiered_commission::Entity)
        .and_where(Expr::col(tiered_commission::Column::CreatedAt).lte(recorded_at))
        .to_owned();
    let minus = |column: tier_progress::Column, amount: i64| Expr::col(column).sub(amount);
    tier_progress::Entity::update_many()
        .col_expr(
            tier_progress::Column::PayoutMinor,
            minus(tier_progress::Column::PayoutMinor, by.payout),
        )
        .col_expr(
            tier_progress::Column::RevenueMinor,
            minus(tier_progress::Column::RevenueMinor, by.revenue),
        )
        .col_expr(
            tier_progress::Column::SaleAmountMinor,
            minus(tier_progress::Column::SaleAmountMinor, by.sale_amount),
        )
        .col_expr(
            tier_progress::Column::UpdatedAt,
            Expr::value(crate::db::now()),
        )
        .filter(tier_progress::Column::PartnerId.eq(partner_id))
        .filter(tier_progress::Column::CampaignId.eq(campaign_id))
        .filter(tier_progress::Column::PeriodStart.lte(at))
        .filter(tier_progress::Column::PeriodEnd.gt(at))
        .filter(tier_progress::Column::TierId.in_subquery(existing))
        .exec(conn)
        .await?;
    Ok(())
}

/// How much of an original leaves the ledger: all of it (a reversal), or a
/// refund's share of its event.
#[derive(Debug, Clone, Copy)]
pub enum Share {
    All,
    Refund {
        event_amount: i64,
        refunded_before: i64,
        refund: i64,
    },
}

impl Share {
    /// The part of `amount_minor` that leaves.
    pub fn of(&self, amount_minor: i64) -> i64 {
        match *self {
            Share::All => amount_minor,
            Share::Refund {
                event_amount,
                refunded_before,
                refund,
            } => crate::engine::clawback_minor(amount_minor, event_amount, refunded_before, refund),
        }
    }
}

/// What following an original did to its adjustments.
#[derive(Default)]
pub struct Followed {
    pub reversed: Vec<commission::Model>,
    pub clawbacks: Vec<commission::Model>,
    /// What left the ledger and its revenue, in minor units.
    pub lowering: Lowering,
}

/// The original's tier adjustments follow it. With [`Share::All`] (the
/// original was reversed) an accrued adjustment without clawbacks is
/// reversed with the same reason, any other is clawed back in full (what
/// is left of it); with a refund's share each is clawed back by that share.
pub(crate) async fn follow(
    conn: &impl ConnectionTrait,
    original: &commission::Model,
    share: Share,
    mv: &Move<'_>,
    posting: &mut Posting,
) -> ApiResult<Followed> {
    let adjustments = crate::posting::locks::commissions_where(
        conn,
        sea_orm::Condition::all()
            .add(commission::Column::OriginalId.eq(original.id.as_str()))
            // A tier's adjustments (they name their tier) and referral
            // rewards; never an adjustment of a payout (a transfer the
            // provider took back), which is money that moved, not earned.
            .add(
                sea_orm::Condition::any()
                    .add(commission::Column::Kind.eq(CommissionKind::Referral))
                    .add(
                        sea_orm::Condition::all()
                            .add(commission::Column::Kind.eq(CommissionKind::Adjustment))
                            .add(commission::Column::TierId.is_not_null()),
                    ),
            )
            .add(commission::Column::Status.ne(CommissionStatus::Reversed)),
    )
    .await?;
    let mut followed = Followed::default();
    for adjustment in adjustments {
        let clawed: Vec<i64> = commission::Entity::find()
            .select_only()
            .column(commission::Column::AmountMinor)
            .filter(commission::Column::OriginalId.eq(adjustment.id.as_str()))
            .into_tuple()
            .all(conn)
            .await?;
        // A referrer's reward is its referrer's money: it follows the
        // commission, and never counts in the recruit's progress.
        let own = adjustment.kind == CommissionKind::Adjustment;
        let revenue = adjustment.revenue_minor.unwrap_or(0);
        if own {
            followed.lowering.revenue += share.of(revenue);
        }
        let reversible = matches!(share, Share::All)
            && adjustment.status == CommissionStatus::Accrued
            && clawed.is_empty();
        if reversible {
            if own {
                followed.lowering.payout += adjustment.amount_minor;
            }
            let moved = posting::apply_move(conn, vec![adjustment], mv).await?;
            followed.reversed.extend(moved);
            continue;
        }
        let amount = match share {
            Share::All => adjustment.amount_minor + clawed.iter().sum::<i64>(),
            share => share.of(adjustment.amount_minor),
        };
        if amount != 0 {
            if own {
                followed.lowering.payout += amount;
            }
            let at = mv.at;
            let new = clawback(&adjustment, -amount, at, mv.reason, mv.note.clone());
            followed.clawbacks.push(posting.add(new)?);
        }
    }
    Ok(followed)
}

/// A clawback of `amount_minor` (opposite in sign to its original) from
/// `original`: approved at once, netted into the payout of its original.
pub fn clawback(
    original: &commission::Model,
    amount_minor: i64,
    at: DateTime<Utc>,
    reason: Option<ReversalReason>,
    note: Option<String>,
) -> NewCommission {
    NewCommission {
        kind: CommissionKind::Clawback,
        status: CommissionStatus::Approved,
        tenant_id: original.tenant_id.clone(),
        partner_id: original.partner_id.clone(),
        campaign_id: original.campaign_id.clone(),
        event_id: original.event_id.clone(),
        amount_minor,
        currency: original.currency.clone(),
        terms: crate::posting::TermsRef {
            snapshot_id: original.snapshot_id.clone(),
            rules_source: original.rules_source,
        },
        breakdown: Vec::new(),
        accrued_at: at,
        holdback_days: None,
        original_id: Some(original.id.clone()),
        reason,
        note,
        deal: crate::posting::DealRef::of(original),
        tier_id: original.tier_id.clone(),
        revenue_minor: None,
    }
}

//! The commission ledger (SPEC §7): accrual of events into commissions,
//! status transitions, refunds and clawbacks, payouts, and the maturity job.
//!
//! A commission row is immutable in amount, currency, partner, campaign, event
//! and accrual time (database triggers refuse otherwise) and is never deleted.
//! Its status moves `ACCRUED → APPROVED → PAID` or `ACCRUED → REVERSED`, each
//! move a conditional update (`… WHERE status = 'ACCRUED'`), so under any
//! concurrency exactly one mover wins, and each move appends one row to the
//! transition history. Past commissions are never recomputed.

pub mod accrual;
pub mod ingest;
pub mod maturity;
pub mod refunds;
pub mod transitions;

use crate::campaigns::stored_enum;
use crate::error::{ApiError, ApiResult};
use crate::input;
use entity::{commission, commission_transition};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};

/// Most ids one ledger mutation accepts.
pub const MAX_IDS: usize = 500;

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommissionStatus {
    Accrued,
    Approved,
    Paid,
    Reversed,
}

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommissionKind {
    /// Earned on an event.
    Commission,
    /// A negative row taking back part of a commission after a refund.
    Clawback,
    /// A correction appended to the ledger (never an edit).
    Adjustment,
}

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalReason {
    Refund,
    Chargeback,
    Fraud,
    Other,
}

stored_enum!(CommissionStatus { Accrued => "ACCRUED", Approved => "APPROVED", Paid => "PAID", Reversed => "REVERSED" });
stored_enum!(CommissionKind { Commission => "COMMISSION", Clawback => "CLAWBACK", Adjustment => "ADJUSTMENT" });
stored_enum!(ReversalReason { Refund => "REFUND", Chargeback => "CHARGEBACK", Fraud => "FRAUD", Other => "OTHER" });

/// One line of a commission's stored breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownEntry {
    pub rule_index: u32,
    /// `RECURRING`, `FLAT_FEE`, … (the GraphQL `RuleType` names).
    pub rule_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Decimal>,
    pub amount: Decimal,
}

/// Appends one transition to the history.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_transition(
    conn: &impl ConnectionTrait,
    row: &commission::Model,
    from: CommissionStatus,
    to: CommissionStatus,
    reason: Option<ReversalReason>,
    note: Option<String>,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let transition = commission_transition::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(row.tenant_id.clone()),
        commission_id: Set(row.id.clone()),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        reason: Set(reason.map(|r| r.as_str().to_owned())),
        note: Set(note),
        actor: Set(actor.to_owned()),
        at: Set(at),
    };
    commission_transition::Entity::insert(transition)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Moves one commission from `from` to `to` if, and only if, it is still in
/// `from`; returns whether this call made the move.
pub(crate) async fn move_status(
    conn: &impl ConnectionTrait,
    id: &str,
    from: CommissionStatus,
    to: CommissionStatus,
    at: chrono::DateTime<chrono::Utc>,
    extra: &[(commission::Column, sea_orm::Value)],
) -> ApiResult<bool> {
    let stamp = match to {
        CommissionStatus::Approved => Some(commission::Column::ApprovedAt),
        CommissionStatus::Paid => Some(commission::Column::PaidAt),
        CommissionStatus::Reversed => Some(commission::Column::ReversedAt),
        CommissionStatus::Accrued => None,
    };
    let mut update = commission::Entity::update_many()
        .col_expr(commission::Column::Status, Expr::value(to.as_str()))
        .filter(commission::Column::Id.eq(id))
        .filter(commission::Column::Status.eq(from.as_str()));
    if let Some(column) = stamp {
        update = update.col_expr(column, Expr::value(at));
    }
    for (column, value) in extra {
        update = update.col_expr(*column, Expr::value(value.clone()));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

#[derive(Default, Clone)]
pub struct CommissionFilter {
    pub status: Option<CommissionStatus>,
    pub partner_id: Option<String>,
    pub campaign_id: Option<String>,
    pub accrued_from: Option<chrono::DateTime<chrono::Utc>>,
    pub accrued_to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Commissions of a tenant; `accrued_to` is exclusive.
pub fn list(tenant_id: &str, filter: &CommissionFilter) -> Select<commission::Entity> {
    let mut select = commission::Entity::find().filter(commission::Column::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(commission::Column::Status.eq(status.as_str()));
    }
    if let Some(partner_id) = &filter.partner_id {
        select = select.filter(commission::Column::PartnerId.eq(partner_id.as_str()));
    }
    if let Some(campaign_id) = &filter.campaign_id {
        select = select.filter(commission::Column::CampaignId.eq(campaign_id.as_str()));
    }
    if let Some(from) = filter.accrued_from {
        select = select.filter(commission::Column::AccruedAt.gte(from));
    }
    if let Some(to) = filter.accrued_to {
        select = select.filter(commission::Column::AccruedAt.lt(to));
    }
    select
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<commission::Model>> {
    Ok(commission::Entity::find_by_id(id.to_owned())
        .filter(commission::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// Checks a list of ids for a ledger mutation: 1 to [`MAX_IDS`], no repeats.
pub fn check_ids(field: &str, ids: &[String]) -> ApiResult<()> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(ApiError::bad_input(
            field,
            format!("must have 1 to {MAX_IDS} ids"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::bad_input(
                format!("{field}[{i}]"),
                "repeats an id",
            ));
        }
    }
    Ok(())
}

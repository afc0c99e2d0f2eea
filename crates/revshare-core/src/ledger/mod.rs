//! The commission ledger (SPEC §7): accrual of events into commissions,
//! status transitions, refunds and clawbacks, payouts, and the maturity job.
//!
//! A commission row is immutable in amount, currency, partner, campaign, event
//! and accrual time (database triggers refuse otherwise) and is never deleted.
//! Its status moves `ACCRUED → APPROVED → PAID` or `ACCRUED → REVERSED`, each
//! move made on locked rows by [`crate::posting::apply_move`], so under any
//! concurrency exactly one mover wins, and each move appends one row to the
//! transition history. Past commissions are never recomputed.

pub mod accrual;
pub mod columns;
pub mod events;
pub mod exchange;
pub mod exports;
pub mod imported;
pub mod imported_clawbacks;
pub mod line_refunds;
pub mod lines;
pub mod maturity;
pub mod path;
pub mod reactions;
pub mod refunds;
pub mod reports;
pub mod rewards;
pub mod transitions;
pub mod workflows;

use crate::auth::access::Policy;
use crate::error::ApiResult;
pub use entity::enums::{CommissionKind, CommissionStatus, EventKind, ReversalReason, TermsSource};
use entity::{commission, event, payout};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// Most ids one ledger mutation accepts.
pub const MAX_IDS: usize = 500;

/// Accrual transactions run side by side, each for its own partners: the
/// workers behind `recordEvent`, and the parts of a `recordEvents` batch.
/// SQLite has one writer, so 1; on PostgreSQL one per core here, as measured
/// (docs/BENCHMARKS.md): 2 beat 1, 3 and 4 workers, and 1, 4 and 8 parts.
pub fn write_parallelism(db: &crate::db::Db) -> usize {
    match db.backend() {
        sea_orm::DbBackend::Sqlite => 1,
        _ => 2,
    }
}

/// A deal's commissions.
pub fn commissions_of_deal(
    tenant_id: &str,
    deal_id: &str,
    partners_money: bool,
) -> Select<commission::Entity> {
    let select = commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::DealId.eq(deal_id));
    match partners_money {
        true => select.filter(commission::Column::StaffPayee.eq(false)),
        false => select,
    }
}

/// A deal's events.
pub fn events_of_deal(tenant_id: &str, deal_id: &str) -> Select<event::Entity> {
    event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::DealId.eq(deal_id))
}

/// A partner's payouts (not those to the tenant's staff for its deals).
pub fn payouts_of(tenant_id: &str, partner_id: &str) -> Select<payout::Entity> {
    payout::Entity::find()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::PartnerId.eq(partner_id))
        .filter(payout::Column::StaffPayee.eq(false))
}

#[derive(Default, Clone)]
pub struct CommissionFilter {
    pub status: Option<CommissionStatus>,
    pub partner_id: Option<String>,
    pub campaign_id: Option<String>,
    pub accrued_from: Option<chrono::DateTime<chrono::Utc>>,
    pub accrued_to: Option<chrono::DateTime<chrono::Utc>>,
    /// The partner's money only: no spiff to one of the tenant's staff
    /// (what a partner token lists).
    pub partners_money: bool,
}

impl CommissionFilter {
    /// The ledger `policy`'s caller reads, of the partner it names (none:
    /// every partner's it may see): a partner token its own money (another
    /// partner's: nothing), staff with `commissions:read` what they name.
    pub fn readable(policy: &Policy, named: Option<&str>) -> ApiResult<CommissionFilter> {
        let rows = policy.list(crate::auth::access::Kind::Commission, named)?;
        Ok(CommissionFilter {
            partner_id: rows.partner_filter(),
            partners_money: policy.partners_money_only(),
            ..CommissionFilter::default()
        })
    }
}

/// Commissions of a tenant; `accrued_to` is exclusive.
pub fn list(tenant_id: &str, filter: &CommissionFilter) -> Select<commission::Entity> {
    let mut select = commission::Entity::find().filter(commission::Column::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(commission::Column::Status.eq(status));
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
    if filter.partners_money {
        select = select.filter(commission::Column::StaffPayee.eq(false));
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
    crate::input::check_id_list(field, ids, 1, MAX_IDS)
}

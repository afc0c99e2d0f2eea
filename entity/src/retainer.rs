use crate::enums::{RetainerCadence, RetainerStatus};
use sea_orm::entity::prelude::*;

/// A retainer (SPEC §37): a fixed amount on a cadence, to a partner or to
/// each active partner of a group.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retainers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Exactly one of the partner and the group is set.
    pub partner_id: Option<String>,
    pub group_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub cadence: RetainerCadence,
    /// The first period's first day, in the tenant's zone.
    pub starts_on: Date,
    /// How many periods; `None`: until ended.
    pub periods: Option<i32>,
    /// Whose ledger its commissions are booked in and mature by.
    pub campaign_id: String,
    pub status: RetainerStatus,
    /// The first period not yet written or skipped (from 1).
    pub next_period: i32,
    pub created_at: DateTimeUtc,
    pub paused_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

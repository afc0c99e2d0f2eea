use crate::enums::{BountyKind, BountyMetric};
use sea_orm::entity::prelude::*;

/// A bounty (SPEC §31): a reward for reaching a goal or for a piece of work.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bounties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: BountyKind,
    /// The groups whose partners it is for: a JSON array of ids.
    pub group_ids: String,
    /// Whose ledger its commissions are booked in and mature by.
    pub campaign_id: String,
    pub reward_minor: i64,
    pub currency: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    /// `PERFORMANCE`: what is counted.
    pub goal_metric: Option<BountyMetric>,
    /// `PERFORMANCE`: minor units of `currency` for an amount, else a count.
    pub goal_value: Option<i64>,
    /// `SUBMISSION`: how many a partner may submit.
    pub max_submissions: i32,
    pub created_at: DateTimeUtc,
    /// The tags whose partners it is for beside its groups (SPEC §37),
    /// kept as partners keep theirs (`,a,b,`; empty: none).
    pub partner_tags: String,
    /// Each partner's window in days, from the later of its join and
    /// `starts_at` (none: the bounty's dates).
    pub window_days: Option<i32>,
    /// When `endBounty` ended it early.
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

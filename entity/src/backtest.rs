use crate::enums::BacktestStatus;
use sea_orm::entity::prelude::*;

/// One replay of a proposed change over a range of recorded events.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backtests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub status: BacktestStatus,
    /// The change as given (JSON), replayed by whichever replica claims it.
    pub change: String,
    pub range_from: DateTimeUtc,
    pub range_to: DateTimeUtc,
    /// The range's events, and how many have been replayed.
    pub events: i64,
    pub replayed: i64,
    /// The events the replay reads: the range's, widened to the whole
    /// periods of the tiers it touches.
    pub window_events: i64,
    pub started_by: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// A running replay belongs to the replica that claimed it until then.
    pub lease_until: Option<DateTimeUtc>,
    pub error: Option<String>,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

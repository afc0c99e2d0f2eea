use sea_orm::entity::prelude::*;

/// A batch group a run's Wise payouts in one currency are sent in
/// (SPEC §36): recorded as soon as Wise made it, before any transfer joins.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wise_batch_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// Wise's id of the group.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub run_id: String,
    pub currency: String,
    /// `{runId}-{currency}`, then `-2`, `-3`… past Wise's 1,000 transfers.
    pub name: String,
    /// 1 for the run's first group in the currency, then 2, 3…
    pub number: i32,
    /// `NEW` (transfers join it), `COMPLETED`, `FUNDED`, or
    /// `AWAITING_FUNDING` (Wise wants the funding approved: finance funds
    /// it in Wise).
    pub status: String,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub funded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

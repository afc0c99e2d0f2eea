use sea_orm::entity::prelude::*;

/// A stage a deal has reached (moved to or past), once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_stages_reached")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub deal_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage_id: String,
    pub tenant_id: String,
    /// The deal's payments recorded before it reached the stage: its
    /// recurring occurrences count the payments after.
    pub payments_before: i32,
    /// The `DEAL_STAGE` event that reached it.
    pub event_id: String,
    pub reached_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

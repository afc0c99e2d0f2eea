use crate::enums::BillingProvider;
use sea_orm::entity::prelude::*;

/// A provider event handled, by its id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connector_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: BillingProvider,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    /// A type not taken, or nothing to do.
    pub ignored: bool,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

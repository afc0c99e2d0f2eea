use crate::enums::{BillingProvider, ConnectorEventStatus};
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
    pub status: ConnectorEventStatus,
    /// Why it was ignored or waits, in words staff can act on.
    pub reason: Option<String>,
    /// A waiting delivery's object (JSON), applied when what it waits for
    /// arrives; cleared then.
    pub payload: Option<String>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

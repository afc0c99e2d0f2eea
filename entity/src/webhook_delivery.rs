use crate::enums::DeliveryStatus;
use sea_orm::entity::prelude::*;

/// One event to send to one endpoint, and how its attempts went.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub endpoint_id: String,
    pub event_seq: i64,
    /// The event's public id (its cursor).
    pub event_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due (also the lease of one in flight).
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_response_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    /// Sent again by `replayWebhookDeliveries`.
    pub replay: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

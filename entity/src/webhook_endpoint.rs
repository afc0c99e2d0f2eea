use crate::enums::WebhookStatus;
use sea_orm::entity::prelude::*;

/// Where a tenant (or one of its partners) is sent its events.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// A partner's own endpoint: only its events.
    pub partner_id: Option<String>,
    pub url: String,
    /// A JSON array of event types; empty: all.
    pub event_types: String,
    pub description: Option<String>,
    /// `whsec_` and base64 of the key.
    pub secret: String,
    /// The secret before the last rotation, also signed with until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub status: WebhookStatus,
    pub disabled_reason: Option<String>,
    /// Events in a row whose delivery failed.
    pub consecutive_failures: i32,
    /// The last event turned into deliveries.
    pub cursor_xid: i64,
    pub cursor_seq: i64,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

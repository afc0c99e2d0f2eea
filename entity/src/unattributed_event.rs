use crate::enums::{EventKind, EventSource};
use sea_orm::entity::prelude::*;

/// A sale or lead that named only a customer nobody had attributed: held,
/// earning nothing, until its customer is.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unattributed_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub external_id: String,
    pub customer_external_id: String,
    pub kind: EventKind,
    pub amount_minor: i64,
    pub currency: String,
    pub occurred_at: DateTimeUtc,
    pub source: EventSource,
    /// The canonical payload it was sent with: a redelivery is compared
    /// with it, and it is accrued from it.
    pub payload: String,
    /// Refunded while held; refunded on the event when it is accrued.
    pub refunded_minor: i64,
    pub recorded_at: DateTimeUtc,
    /// When its customer's attribution accrued it (an event under the same
    /// `externalId` then holds it).
    pub accrued_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use crate::enums::{EventKind, EventSource, HeldReason};
use sea_orm::entity::prelude::*;

/// A sale or lead held, earning nothing, until it can be accrued: it named
/// only a customer nobody had attributed (until its customer is), or it is
/// in another currency than its campaign's with no rate yet (until one is
/// imported; the customer is then empty for a lead that named none).
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
    /// What each of its lines had refunded while held (SPEC §32), as an
    /// event keeps it (`events.refunded_lines`: line id → decimal text, in
    /// its currency); taken off the same lines of the event it becomes.
    /// Null for a sale held without lines, or refunded before this was kept.
    pub refunded_lines: Option<String>,
    pub recorded_at: DateTimeUtc,
    /// When its customer's attribution accrued it (an event under the same
    /// `externalId` then holds it).
    pub accrued_at: Option<DateTimeUtc>,
    /// Why it waits: its customer is nobody's yet, or no exchange rate.
    pub reason: HeldReason,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

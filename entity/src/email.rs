use crate::enums::{EmailKind, EmailStatus};
use sea_orm::entity::prelude::*;

/// One e-mail in the outbox: to whom, what (the values its template is
/// drawn from) and how its attempts went.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The partner it is to or about.
    pub partner_id: Option<String>,
    pub kind: EmailKind,
    pub to_address: String,
    /// The template's values, as JSON.
    pub data: String,
    pub status: EmailStatus,
    pub attempts: i32,
    /// An attempt was handed to the SMTP server and is not recorded yet;
    /// `next_attempt_at` is its lease.
    pub in_flight: bool,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// What makes it one of a kind (a commission's, a payout's, a day's).
    pub dedupe_key: Option<String>,
    /// The code of its one-click unsubscribe link (notifications only).
    pub unsubscribe_code: Option<String>,
    /// The one before it, made for an attempt that may have been sent:
    /// its link works too.
    pub earlier_unsubscribe_code: Option<String>,
    /// The keyed hash of the address an anonymous request came from.
    pub requested_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The reader's language it is written in (SPEC §38); none: English.
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

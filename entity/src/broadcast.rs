use crate::enums::BroadcastStatus;
use sea_orm::entity::prelude::*;

/// A message to an audience of partners (SPEC §35).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "broadcasts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub subject: String,
    pub body: String,
    /// Its filters, as JSON.
    pub audience: String,
    pub status: BroadcastStatus,
    pub send_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    /// The partners its audience resolved to when it began sending.
    pub recipients: Option<i32>,
    /// The messages it has written.
    pub delivered: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub canceled_at: Option<DateTimeUtc>,
    /// While it sends: the last partner (by id) whose message is written.
    pub sent_through: Option<String>,
    /// Why it is `FAILED`: what could not be read (it went to no one).
    pub failure: Option<String>,
    /// Its subject and body in other languages (SPEC §38), a JSON list.
    pub translations: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

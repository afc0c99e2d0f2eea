use crate::enums::MessageSender;
use sea_orm::entity::prelude::*;

/// One message of a partner's thread (SPEC §35).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub sender: MessageSender,
    /// The staff member's subject, `workflow:{id}`, or the partner's id.
    pub author: String,
    /// Plain text, never rendered as HTML.
    pub body: String,
    pub broadcast_id: Option<String>,
    pub workflow_id: Option<String>,
    pub sent_at: DateTimeUtc,
    /// When the other side read it.
    pub read_at: Option<DateTimeUtc>,
    /// When it went out by e-mail, at once or in a digest.
    pub mailed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

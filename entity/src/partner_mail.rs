use crate::enums::MailPreference;
use sea_orm::entity::prelude::*;

/// What a partner wants to be e-mailed (no row: the defaults), and the
/// address of its that bounced permanently.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_mail")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    pub commission_earned: MailPreference,
    pub payout_sent: bool,
    /// How it hears of messages (SPEC §35).
    pub messages: MailPreference,
    /// Notifications to this address are suppressed (while it is the
    /// partner's).
    pub bounced_address: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

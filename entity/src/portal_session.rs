use sea_orm::entity::prelude::*;

/// What a spent portal link opened: its tokens are renewed while it is open.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub started_at: DateTimeUtc,
    /// Its longest life: no token is renewed past it.
    pub expires_at: DateTimeUtc,
    /// Signed out.
    pub ended_at: Option<DateTimeUtc>,
    /// The keyed hash of the address it was opened from, kept 30 days.
    pub ip_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

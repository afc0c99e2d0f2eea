use sea_orm::entity::prelude::*;

/// A one-time sign-in link to the console, by its code's hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_links")]
pub struct Model {
    /// SHA-256 of the code, hex: the code itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub tenant_id: String,
    /// The person it signs in (lower case).
    pub email: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// When it was spent (once).
    pub redeemed_at: Option<DateTimeUtc>,
    /// The session it opened.
    pub session_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

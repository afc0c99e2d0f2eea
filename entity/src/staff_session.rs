use sea_orm::entity::prelude::*;

/// What a spent staff link opened: its tokens are served and renewed
/// while it is open.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The person (lower case): its tokens' `sub`.
    pub email: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub started_at: DateTimeUtc,
    /// Its longest life: no token is renewed past it.
    pub expires_at: DateTimeUtc,
    /// Signed out.
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// An announcement (SPEC §37): a banner in the partner portal from
/// `starts_at` to `ends_at`, for every partner or some groups', shown to
/// each until it dismisses it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub title: String,
    /// Plain text.
    pub body: String,
    /// An `https` URL, or none.
    pub link: Option<String>,
    pub starts_at: DateTimeUtc,
    /// None: shown until dismissed.
    pub ends_at: Option<DateTimeUtc>,
    /// The groups whose partners see it, a JSON array; `[]`: every partner.
    pub group_ids: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

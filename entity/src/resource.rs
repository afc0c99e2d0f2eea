use sea_orm::entity::prelude::*;

/// A resource in the partner portal (SPEC §37): a brand asset (a logo, an
/// image, a PDF) or a text to copy, in a section and at a position, for
/// every partner or some groups'. A file's bytes are kept apart, in
/// `resource_files`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// `LOGO`, `IMAGE`, `PDF` or `TEXT`.
    pub kind: String,
    pub title: String,
    /// Resources of one section are shown together; none: no section.
    pub section: Option<String>,
    pub position: i32,
    /// The groups whose partners see it, a JSON array; `[]`: every partner.
    pub group_ids: String,
    /// A file's name, type (as its bytes show) and size in bytes.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    /// A `TEXT` resource's text.
    pub text: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

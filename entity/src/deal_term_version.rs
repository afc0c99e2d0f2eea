use sea_orm::entity::prelude::*;

/// One version of a deal's terms: frozen at creation (version 1, no note)
/// or amended (a note and its author), whatever plans it holds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_term_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub deal_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub tenant_id: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

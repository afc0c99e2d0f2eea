use sea_orm::entity::prelude::*;

/// A row of the source an import could not bring over, and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_problems")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// `partner`, `code`, `customer`, `commission`, `group`.
    pub entity: String,
    /// The row's id at the source.
    pub external_id: String,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

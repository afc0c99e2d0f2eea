use sea_orm::entity::prelude::*;

/// A file resource's bytes, kept apart from the resource so that a list
/// never loads them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: String,
    pub tenant_id: String,
    pub bytes: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

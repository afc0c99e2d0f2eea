use sea_orm::entity::prelude::*;

/// A host a tenant's short links answer on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_domains")]
pub struct Model {
    /// In lower case, without a port.
    #[sea_orm(primary_key, auto_increment = false)]
    pub host: String,
    pub tenant_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

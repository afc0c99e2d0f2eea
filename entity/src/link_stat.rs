use sea_orm::entity::prelude::*;

/// Counted clicks of a link on a day (the tenant's) with one value of one
/// dimension.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_stats")]
pub struct Model {
    pub tenant_id: String,
    pub partner_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub link_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
    pub clicks: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

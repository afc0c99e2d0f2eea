use sea_orm::entity::prelude::*;

/// A campaign a tier applies to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiered_commission_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tier_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: String,
    pub tenant_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A commission a payout holds (or held, if it failed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payout_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub commission_id: String,
    pub tenant_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

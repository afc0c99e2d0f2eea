use crate::enums::BillingProvider;
use sea_orm::entity::prelude::*;

/// A provider's promotion code: its id, as checkouts name it, and the code
/// a customer types.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connector_promotion_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: BillingProvider,
    #[sea_orm(primary_key, auto_increment = false)]
    pub promotion_id: String,
    pub code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

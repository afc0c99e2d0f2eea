use crate::enums::CommissionStatus;
use sea_orm::entity::prelude::*;

/// The spiffs paid to one contact, of one currency and status: their sum
/// and count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: CommissionStatus,
    pub tenant_id: String,
    pub amount_minor: i64,
    pub commission_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

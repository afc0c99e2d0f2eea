use crate::enums::BillingProvider;
use sea_orm::entity::prelude::*;

/// A provider's charge (or payment intent) and the invoice it paid.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connector_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: BillingProvider,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub invoice_id: String,
    /// How much of the charge was refunded, as last seen (minor units).
    pub refunded_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A partner's running totals in one currency (see the migration).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    pub tenant_id: String,
    /// Net charges of all its customers in `currency`.
    pub ltv_minor: i64,
    /// How many of them are net-positive.
    pub paying_customers: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Where an event recorded in another currency than its campaign's came
/// from: the sale's own amount and currency, and the rates per EUR (of its
/// currency, `base`, and of the campaign's, `quote`) that converted it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_conversions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub tenant_id: String,
    pub sale_amount_minor: i64,
    pub sale_currency: String,
    pub base_per_eur: String,
    pub quote_per_eur: String,
    pub day: Date,
    pub source: String,
    /// The sale's own amount refunded so far.
    pub refunded_sale_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

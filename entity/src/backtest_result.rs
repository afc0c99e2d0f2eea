use sea_orm::entity::prelude::*;

/// What a backtest found for one partner in one currency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backtest_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub backtest_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub before_minor: i64,
    pub after_minor: i64,
    pub difference_minor: i64,
    pub events: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

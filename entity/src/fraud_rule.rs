use crate::enums::{FraudAction, FraudSignal};
use sea_orm::entity::prelude::*;

/// What a tenant does about one fraud signal (no row: the default).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fraud_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub signal: FraudSignal,
    pub action: FraudAction,
    /// A decimal, for the signals that count.
    pub threshold: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

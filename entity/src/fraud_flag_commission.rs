use sea_orm::entity::prelude::*;

/// A commission a fraud flag names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fraud_flag_commissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub flag_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub commission_id: String,
    /// Held by a `HOLD` flag (not one a payout had taken when it was
    /// raised).
    pub held: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

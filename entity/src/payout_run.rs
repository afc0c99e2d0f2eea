use sea_orm::entity::prelude::*;

/// A payout run: what was owed up to a day, paid in one go.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The last day it pays for (`YYYY-MM-DD`, in the tenant's time zone).
    pub period_end: String,
    /// The end of that day: commissions accrued before it are paid.
    pub cutoff: DateTimeUtc,
    /// Only this currency; none: every currency.
    pub currency: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

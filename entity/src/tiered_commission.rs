use crate::enums::{TierPeriod, TierStatus};
use sea_orm::entity::prelude::*;

/// A performance tier (SPEC §9): its dates (in the tenant's time zone),
/// period and scope; `terms` holds its modifiers, goals and maxima.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiered_commissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub notes: Option<String>,
    pub status: TierStatus,
    pub start_date: Date,
    pub end_date: Date,
    pub period: TierPeriod,
    pub apply_to_all_partners: bool,
    pub terms: Json,
    /// Paid once per partner, campaign and period when the tier is first
    /// reached: a decimal string, in the campaign's currency.
    pub bonus: Option<String>,
    /// The group a partner moves into the first time it reaches the tier.
    pub promote_to_group_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A partner's progress toward a tier in one campaign and period, in the
/// campaign's currency; `reached_at` once reached (it stays reached).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tier_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tier_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_start: DateTimeUtc,
    pub tenant_id: String,
    pub period_end: DateTimeUtc,
    pub currency: String,
    pub payout_minor: i64,
    pub revenue_minor: i64,
    pub sale_amount_minor: i64,
    pub conversions: i64,
    pub events: i64,
    pub reached_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

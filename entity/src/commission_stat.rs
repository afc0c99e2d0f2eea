use sea_orm::entity::prelude::*;

/// One measure of a tenant-local day's commissions (or events) for a
/// partner, campaign and currency: their sum and count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commission_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// `YYYY-MM-DD` in the tenant's time zone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    /// `ACCRUED`, `APPROVED`, `PAID`, `REVERSED`, `CLAWED_BACK` or `EVENTS`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub measure: String,
    pub amount_minor: i64,
    pub row_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub external_id: String,
    pub currency: String,
    pub acquired_at: DateTimeUtc,
    pub net_minor: i64,
    pub threshold_bonus_paid: bool,
    pub created_at: DateTimeUtc,
    /// ISO 3166-1 alpha-2, as its newest event sent it (SPEC §32).
    pub country: Option<String>,
    /// A flat JSON object of strings, numbers and booleans, as its newest
    /// event sent it.
    pub attributes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A deal a partner brought, moving through the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub external_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Where the deal is now.
    pub stage_id: String,
    pub lead_creator_id: Option<String>,
    pub owner_id: Option<String>,
    /// The highest stage position the deal has reached.
    pub reached_position: i32,
    /// Payments recorded so far.
    pub payment_count: i32,
    /// The version of its terms in force.
    pub terms_version: i32,
    /// The canonical creation payload, compared on a repeated `createDeal`.
    pub payload: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

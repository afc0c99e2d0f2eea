use crate::enums::{DealRegistration, DealStatus};
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
    pub registration: DealRegistration,
    /// Why a registration was rejected.
    pub registration_reason: Option<String>,
    /// The company a partner registered the deal for.
    pub company_name: Option<String>,
    /// Its domain, lower-cased: worked by one deal at a time.
    pub company_domain: Option<String>,
    /// The registering partner's notes.
    pub notes: Option<String>,
    pub status: DealStatus,
    /// Why the deal was closed as lost.
    pub lost_reason: Option<String>,
    pub expected_close_date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

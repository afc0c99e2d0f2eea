use crate::enums::AttributionSource;
use sea_orm::entity::prelude::*;

/// A customer of the tenant, tied to the partner who brought it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attributions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub customer_external_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    pub source: AttributionSource,
    pub click_id: Option<String>,
    pub referral_code_id: Option<String>,
    pub email: Option<String>,
    pub attributed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

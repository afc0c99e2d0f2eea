use sea_orm::entity::prelude::*;

/// A partner's answer to a version of the tenant's agreement: accepted
/// (until `expires_at`, for a UK one) or declined. Kept; the latest counts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_billing_acceptances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub version: i32,
    pub accepted_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub declined_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

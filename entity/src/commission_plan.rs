use crate::enums::{AutoAssignRecipient, PartnerType, PaymentTarget};
use sea_orm::entity::prelude::*;

/// A deal-stage commission plan (seed 001's "commission rule").
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commission_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub label: String,
    pub partner_type: PartnerType,
    pub payment_target: PaymentTarget,
    pub auto_assign_recipient: Option<AutoAssignRecipient>,
    /// The currency of its fixed values: they pay deals in it only.
    pub currency: String,
    /// The validated entries, in the engine's stored form.
    pub entries: Json,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

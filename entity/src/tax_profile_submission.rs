use crate::enums::{TaxClassification, TaxForm, TaxProfileStatus, TinType};
use sea_orm::entity::prelude::*;

/// A tax profile as a partner submitted it, kept whatever became of it:
/// `SUBMITTED` until staff decide it, then `APPROVED` (it is the profile
/// in force, [`crate::tax_profile`]) or `REJECTED`. Its columns are the
/// profile's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_profile_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub partner_id: String,
    pub tenant_id: String,
    pub form: TaxForm,
    pub status: TaxProfileStatus,
    pub country: String,
    pub tax_id_sealed: String,
    pub tax_id_last4: String,
    pub tin_type: Option<TinType>,
    pub signed_on: Option<Date>,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub legal_name: Option<String>,
    pub business_name: Option<String>,
    pub classification: Option<TaxClassification>,
    pub address: Option<String>,
    pub tin_key: Option<String>,
    pub services_outside_us: Option<bool>,
    pub electronic_delivery_at: Option<DateTimeUtc>,
    pub expiry_noticed_for: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

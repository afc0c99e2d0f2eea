use crate::enums::{TaxClassification, TaxForm, TaxProfileStatus, TinType};
use sea_orm::entity::prelude::*;

/// A partner's tax profile in force: one per partner. Every submission
/// is kept as it was sent in [`crate::tax_profile_submission`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    pub form: TaxForm,
    pub status: TaxProfileStatus,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The tax id, encrypted: never stored or returned in clear.
    pub tax_id_sealed: String,
    pub tax_id_last4: String,
    /// A W-9's: which US number the tax id is.
    pub tin_type: Option<TinType>,
    /// The day the form was signed (a W-8 is valid from it).
    pub signed_on: Option<Date>,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub legal_name: Option<String>,
    pub business_name: Option<String>,
    pub classification: Option<TaxClassification>,
    /// The address as JSON (`line1`, `line2`, `city`, `state`, `zip`, `country`).
    pub address: Option<String>,
    /// The keyed hash of a W-9's TIN: partners sharing a TIN are one payee.
    pub tin_key: Option<String>,
    pub services_outside_us: Option<bool>,
    pub electronic_delivery_at: Option<DateTimeUtc>,
    /// The last valid day of a W-8 its partner was told of, 30 days before.
    pub expiry_noticed_for: Option<Date>,
    /// The submission this profile is ([`crate::tax_profile_submission`]).
    pub submission_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

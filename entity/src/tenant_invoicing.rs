use sea_orm::entity::prelude::*;

/// A tenant's invoicing identity and self-billing settings (SPEC §33).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_invoicing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    pub self_billing: bool,
    pub legal_name: Option<String>,
    /// The address as JSON (`line1`, `line2`, `city`, `state`, `zip`, `country`).
    pub address: Option<String>,
    pub vat_id: Option<String>,
    /// ISO 3166-1 alpha-2: the brand's country for the VAT decision.
    pub country: Option<String>,
    /// What an invoice number starts with (`SB-`).
    pub series: String,
    pub exemption_text: Option<String>,
    /// The agreement's current version; 0 before any.
    pub agreement_version: i32,
    pub updated_at: DateTimeUtc,
    /// Its PEPPOL participant id, `{scheme}:{id}`.
    pub peppol_id: Option<String>,
    /// The contact its documents name (EN 16931's BG-9).
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// What its documents' lines say is billed (`Vermittlungsprovisionen`).
    pub service_description: Option<String>,
    /// Its company details for the PDF: register court and number,
    /// managing directors.
    pub legal_details: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A partner's VAT details (SPEC §33).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_vat")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    pub registered: bool,
    /// Checked by form and check digit, as kept (`DE136695976`).
    pub vat_id: Option<String>,
    pub legal_name: Option<String>,
    /// The address as JSON, as `tenant_invoicing.address`.
    pub address: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub small_business: bool,
    pub updated_at: DateTimeUtc,
    /// Its tax number as written (`21/815/08150`): a small business's
    /// without a VAT id, a business's outside the EU and the UK.
    pub tax_number: Option<String>,
    /// Its PEPPOL participant id, `{scheme}:{id}`.
    pub peppol_id: Option<String>,
    pub phone: Option<String>,
    /// A business rather than a private individual: outside the EU and the
    /// UK, the brand then accounts for the VAT (reverse charge).
    pub business: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

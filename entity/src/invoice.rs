use crate::enums::InvoiceKind;
use sea_orm::entity::prelude::*;

/// An issued self-billed invoice or credit note (SPEC §33): written once,
/// never changed, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub payout_id: String,
    pub partner_id: String,
    /// `{series}{year}-{000001}`, gapless per tenant, series and year.
    pub number: String,
    pub kind: InvoiceKind,
    pub issued_at: DateTimeUtc,
    /// The day issued, in the tenant's zone.
    pub issue_date: Date,
    pub supply_from: Date,
    pub supply_to: Date,
    pub currency: String,
    /// Negative on a credit note.
    pub net_minor: i64,
    /// A percentage as decimal text (`19`); none: no VAT.
    pub vat_rate: Option<String>,
    pub vat_minor: i64,
    pub gross_minor: i64,
    /// JSON: `[{"campaignId", "description", "amountMinor"}]`.
    pub lines: String,
    /// JSON: the mentions as printed.
    pub mentions: String,
    /// JSON: the partner as it was (name, address, VAT id).
    pub supplier: String,
    /// JSON: the brand as it was.
    pub customer: String,
    /// A credit note's invoice.
    pub corrects_id: Option<String>,
    /// The brand's national currency when the document is in another
    /// (ISO 4217), its VAT stated in it too; none: the same currency.
    pub tax_currency: Option<String>,
    /// The VAT in `tax_currency`, in its minor units (negative on a credit
    /// note).
    pub tax_vat_minor: Option<i64>,
    /// The rate used, as decimal text: one unit of `currency` in
    /// `tax_currency`.
    pub tax_rate: Option<String>,
    /// The day of that reference rate.
    pub tax_rate_day: Option<Date>,
    /// Its VAT category (UNCL 5305: `S`, `AE`, `E`, `O`); none on documents
    /// issued before it was kept, read from their mentions.
    pub vat_category: Option<String>,
    /// JSON: how it was paid (EN 16931's BG-16); none before it was kept.
    pub payment: Option<String>,
    /// The language it was issued in (ISO 639-1; none: English).
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Self-billed documents that books and e-invoicing networks accept (SPEC
//! §33b): what the official rules ask of a document that revshare did not
//! keep.
//!
//! - the brand's invoicing gains its PEPPOL id, the contact its documents
//!   name (BG-9), the description of the service its lines bill and its
//!   company details for the PDF;
//! - a partner's VAT details gain its tax number (a small business's, or
//!   a business's outside the EU and the UK), its PEPPOL id, its phone and
//!   whether it is a business;
//! - an invoice keeps its VAT category (UNCL 5305) and how it was paid
//!   (BG-16), as issued: a document never changes, so what it says is
//!   written with it. Documents issued before keep neither and are read as
//!   they were.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE tenant_invoicing ADD COLUMN peppol_id varchar NULL",
    "ALTER TABLE tenant_invoicing ADD COLUMN contact_name varchar NULL",
    "ALTER TABLE tenant_invoicing ADD COLUMN contact_email varchar NULL",
    "ALTER TABLE tenant_invoicing ADD COLUMN contact_phone varchar NULL",
    "ALTER TABLE tenant_invoicing ADD COLUMN service_description varchar NULL",
    "ALTER TABLE tenant_invoicing ADD COLUMN legal_details text NULL",
    "ALTER TABLE partner_vat ADD COLUMN tax_number varchar NULL",
    "ALTER TABLE partner_vat ADD COLUMN peppol_id varchar NULL",
    "ALTER TABLE partner_vat ADD COLUMN phone varchar NULL",
    "ALTER TABLE partner_vat ADD COLUMN business boolean NOT NULL DEFAULT false",
    "ALTER TABLE invoices ADD COLUMN vat_category varchar NULL",
    "ALTER TABLE invoices ADD COLUMN payment text NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE invoices DROP COLUMN payment",
    "ALTER TABLE invoices DROP COLUMN vat_category",
    "ALTER TABLE partner_vat DROP COLUMN business",
    "ALTER TABLE partner_vat DROP COLUMN phone",
    "ALTER TABLE partner_vat DROP COLUMN peppol_id",
    "ALTER TABLE partner_vat DROP COLUMN tax_number",
    "ALTER TABLE tenant_invoicing DROP COLUMN legal_details",
    "ALTER TABLE tenant_invoicing DROP COLUMN service_description",
    "ALTER TABLE tenant_invoicing DROP COLUMN contact_phone",
    "ALTER TABLE tenant_invoicing DROP COLUMN contact_email",
    "ALTER TABLE tenant_invoicing DROP COLUMN contact_name",
    "ALTER TABLE tenant_invoicing DROP COLUMN peppol_id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in UP {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in DOWN {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

//! Self-billed documents that add up and state their VAT as the law asks
//! (SPEC §33):
//!
//! - a payout's transfer that comes back in part is credited in part: a
//!   payout keeps one invoice and as many credit notes as its reversals
//!   took back, so its documents always add up to what the partner
//!   finally received;
//! - a document in a currency other than the brand's national one states
//!   its VAT in that currency too, with the rate and its day
//!   (`tax_currency`, `tax_vat_minor`, `tax_rate`, `tax_rate_day`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ux_invoices_payout")
            .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_invoices_payout ON invoices (payout_id) WHERE kind = 'INVOICE'",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX invoices_of_payout ON invoices (payout_id, issued_at)",
        )
        .await?;
        for column in [
            "tax_currency varchar NULL",
            "tax_vat_minor bigint NULL",
            "tax_rate varchar NULL",
            "tax_rate_day date NULL",
        ] {
            conn.execute_unprepared(&format!("ALTER TABLE invoices ADD COLUMN {column}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for column in ["tax_rate_day", "tax_rate", "tax_vat_minor", "tax_currency"] {
            conn.execute_unprepared(&format!("ALTER TABLE invoices DROP COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared("DROP INDEX invoices_of_payout")
            .await?;
        conn.execute_unprepared("DROP INDEX ux_invoices_payout")
            .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_invoices_payout ON invoices (payout_id, kind)",
        )
        .await?;
        Ok(())
    }
}

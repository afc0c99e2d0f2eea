//! A payout's commissions by the payout (SPEC §16): marking a payout paid
//! or failed, and the next run's check that a row is free, find the rows a
//! payout holds through `commissions.payout_id`. Without an index that is a
//! scan of the tenant's ledger; with this one (partial: only rows a payout
//! holds or paid) it is a lookup, whatever the ledger's size.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_commissions_payout ON commissions (tenant_id, payout_id) \
                 WHERE payout_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_commissions_payout")
            .await?;
        Ok(())
    }
}

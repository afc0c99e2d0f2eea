//! The ledger can be listed by when each commission accrued (an import
//! records a program's history in the order it reads it, so recording
//! order is not the order it was earned in): a keyset of
//! (accrued_at, id) within a tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_commissions_accrued ON commissions (tenant_id, accrued_at, id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_commissions_accrued")
            .await?;
        Ok(())
    }
}

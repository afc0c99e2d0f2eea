//! Self-billed documents in their partner's language (SPEC §38): the
//! language a document was issued in, kept with it (none: English, as
//! every document issued before was).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE invoices ADD COLUMN language varchar NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE invoices DROP COLUMN language")
            .await?;
        Ok(())
    }
}

//! Refunds of a held sale's lines (SPEC §15, §32): a sale held unattributed
//! keeps what each of its lines had refunded while held, as an event does,
//! so that the event it becomes gives back each line's own share.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE unattributed_events ADD COLUMN refunded_lines text NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE unattributed_events DROP COLUMN refunded_lines")
            .await?;
        Ok(())
    }
}

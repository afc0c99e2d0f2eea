//! Refunds of a sale's lines (SPEC §32): an event keeps what each of its
//! lines has had refunded, so a refund that names lines comes off what is
//! left of them and a commission gives back each line's own share; a
//! refund keeps what it took off each line, so a backtest replays it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE events ADD COLUMN refunded_lines text NULL")
            .await?;
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE refunds ADD COLUMN lines text NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE refunds DROP COLUMN lines")
            .await?;
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE events DROP COLUMN refunded_lines")
            .await?;
        Ok(())
    }
}

//! Conditional rewards (SPEC §32): an event keeps the lines it was sold in
//! (so a change of conditions replays exactly), a commission how each line
//! earned, a customer its country and attributes (the newest sent), and a
//! partner its tags.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE events ADD COLUMN lines text NULL",
    "ALTER TABLE commissions ADD COLUMN lines text NULL",
    "ALTER TABLE customers ADD COLUMN country varchar NULL",
    "ALTER TABLE customers ADD COLUMN attributes text NULL",
    "ALTER TABLE partners ADD COLUMN tags varchar NOT NULL DEFAULT ''",
];

const DOWN: &[&str] = &[
    "ALTER TABLE partners DROP COLUMN tags",
    "ALTER TABLE customers DROP COLUMN attributes",
    "ALTER TABLE customers DROP COLUMN country",
    "ALTER TABLE commissions DROP COLUMN lines",
    "ALTER TABLE events DROP COLUMN lines",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in DOWN {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

//! What could not be read acts on no one, and says so (SPEC §35): a
//! broadcast whose stored audience does not read is `FAILED` when it is
//! due, sent to no one, with why (`broadcasts.failure`); a workflow run
//! whose workflow's stored actions do not read takes none and keeps why
//! (`workflow_runs.failure`), and is taken again when the workflow is
//! next due for its partner.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE broadcasts ADD COLUMN failure varchar NULL",
    "ALTER TABLE workflow_runs ADD COLUMN failure varchar NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE workflow_runs DROP COLUMN failure",
    "ALTER TABLE broadcasts DROP COLUMN failure",
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

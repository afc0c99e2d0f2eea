//! Why an event earned nothing, kept with it (SPEC §7, hardening round 4):
//! a sale that answers `done` and earns 0.00 was invisible. `events.
//! nothing_reason` is null for an event that earned, and otherwise the
//! reason in words support can forward ("the rules in force pay 0 %"),
//! written when the event is recorded. Events recorded before this
//! migration that have no commission get a reason saying so.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE events ADD COLUMN nothing_reason text NULL",
    "UPDATE events SET nothing_reason = 'it earned nothing (recorded before revshare kept the reason)' \
     WHERE NOT EXISTS (SELECT 1 FROM commissions c WHERE c.event_id = events.id)",
    "CREATE INDEX ix_events_listing ON events (tenant_id, id)",
];

const DOWN: &[&str] = &[
    "DROP INDEX ix_events_listing",
    "ALTER TABLE events DROP COLUMN nothing_reason",
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

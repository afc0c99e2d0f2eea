//! Announcements in the partner portal (SPEC §37): a banner with a start
//! and an end, for every partner or the partners of some groups, shown to
//! each until it dismisses it.
//!
//! - `announcements`: the banner (`group_ids` a JSON array; `[]`: every
//!   partner);
//! - `announcement_dismissals`: one row per partner that dismissed one —
//!   its key keeps a dismissal once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let t = match conn.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in [
            format!(
                "CREATE TABLE announcements (
                   id varchar PRIMARY KEY,
                   tenant_id varchar NOT NULL REFERENCES tenants (id),
                   title varchar NOT NULL,
                   body text NOT NULL,
                   link varchar,
                   starts_at {t} NOT NULL,
                   ends_at {t},
                   group_ids text NOT NULL DEFAULT '[]',
                   created_at {t} NOT NULL,
                   updated_at {t} NOT NULL
                 )"
            ),
            "CREATE INDEX ix_announcements_tenant ON announcements (tenant_id, starts_at)".into(),
            format!(
                "CREATE TABLE announcement_dismissals (
                   announcement_id varchar NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
                   partner_id varchar NOT NULL REFERENCES partners (id),
                   tenant_id varchar NOT NULL REFERENCES tenants (id),
                   dismissed_at {t} NOT NULL,
                   PRIMARY KEY (announcement_id, partner_id)
                 )"
            ),
        ] {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "DROP TABLE announcement_dismissals",
            "DROP TABLE announcements",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

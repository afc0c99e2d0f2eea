//! Importing a program from another platform (SPEC §25).
//!
//! - `imports`: one import, its source, its target campaign (and group),
//!   its credentials sealed with the data key while it runs (null once it
//!   ended), where it stands — a phase (groups, partners, customers,
//!   commissions) and the source's cursor within it, committed in the same
//!   transaction as the page it follows, so a run killed midway resumes
//!   after the last page it wrote — its counts, and the lease of the
//!   replica running it. One running import per tenant (a partial unique
//!   index).
//! - `import_problems`: what could not be imported, row by row, in order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE imports (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               source text NOT NULL,
               status text NOT NULL,
               dry_run boolean NOT NULL,
               campaign_id varchar NOT NULL REFERENCES campaigns (id),
               group_id varchar REFERENCES partner_groups (id),
               credentials text,
               phase text NOT NULL,
               cursor text,
               phase_done bigint NOT NULL DEFAULT 0,
               phase_total bigint,
               partners bigint NOT NULL DEFAULT 0,
               codes bigint NOT NULL DEFAULT 0,
               customers bigint NOT NULL DEFAULT 0,
               commissions bigint NOT NULL DEFAULT 0,
               skipped bigint NOT NULL DEFAULT 0,
               unchanged bigint NOT NULL DEFAULT 0,
               problems bigint NOT NULL DEFAULT 0,
               requests bigint NOT NULL DEFAULT 0,
               started_by text NOT NULL,
               started_at {t} NOT NULL,
               finished_at {t},
               lease_until {t},
               error text
             )"
        ),
        "CREATE UNIQUE INDEX ux_imports_running ON imports (tenant_id) WHERE status = 'RUNNING'"
            .into(),
        "CREATE INDEX ix_imports_tenant ON imports (tenant_id, id)".into(),
        "CREATE TABLE import_problems (
           import_id varchar NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
           seq bigint NOT NULL,
           entity text NOT NULL,
           external_id text NOT NULL,
           reason text NOT NULL,
           PRIMARY KEY (import_id, seq)
         )"
        .into(),
    ]
}

const DOWN: &[&str] = &["DROP TABLE import_problems", "DROP TABLE imports"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match conn.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up(timestamp) {
            conn.execute_unprepared(&sql).await?;
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

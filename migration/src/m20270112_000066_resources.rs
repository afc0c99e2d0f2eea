//! Resources in the partner portal (SPEC §37): brand assets and text to
//! copy, grouped in sections and ordered, for every partner or the
//! partners of some groups.
//!
//! - `resources`: what a list reads (`group_ids` a JSON array; `[]`:
//!   every partner), a file's name, type and size, or a snippet's text;
//! - `resource_files`: a file's bytes, apart, so that a list never loads
//!   them; removed with their resource.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (t, bytes) = match conn.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", "bytea"),
            _ => ("timestamp_with_timezone_text", "blob"),
        };
        for sql in [
            format!(
                "CREATE TABLE resources (
                   id varchar PRIMARY KEY,
                   tenant_id varchar NOT NULL REFERENCES tenants (id),
                   kind varchar NOT NULL,
                   title varchar NOT NULL,
                   section varchar,
                   position integer NOT NULL DEFAULT 0,
                   group_ids text NOT NULL DEFAULT '[]',
                   filename varchar,
                   content_type varchar,
                   size bigint,
                   text text,
                   created_at {t} NOT NULL,
                   updated_at {t} NOT NULL
                 )"
            ),
            "CREATE INDEX ix_resources_tenant ON resources (tenant_id)".into(),
            format!(
                "CREATE TABLE resource_files (
                   resource_id varchar PRIMARY KEY REFERENCES resources (id) ON DELETE CASCADE,
                   tenant_id varchar NOT NULL REFERENCES tenants (id),
                   bytes {bytes} NOT NULL
                 )"
            ),
        ] {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in ["DROP TABLE resource_files", "DROP TABLE resources"] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

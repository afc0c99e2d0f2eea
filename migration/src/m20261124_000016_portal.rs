//! The partner portal's sign-in (SPEC §18): one-time links and the
//! sessions they open.
//!
//! - `portal_links`: a link's code, by its SHA-256 (the code itself is
//!   never stored), the partner it signs in, until when, and when it was
//!   spent (once: the update that spends it is conditional on its not
//!   being spent).
//! - `portal_sessions`: what a spent link opened. The portal's short-lived
//!   tokens name their session; a token is renewed only while its session
//!   is open and younger than its longest life, and signing out ends it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE portal_sessions ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               started_at {timestamp} NOT NULL, \
               expires_at {timestamp} NOT NULL, \
               ended_at {timestamp} NULL)"
        ),
        format!(
            "CREATE TABLE portal_links ( \
               code_hash varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL, \
               expires_at {timestamp} NOT NULL, \
               redeemed_at {timestamp} NULL, \
               session_id varchar NULL REFERENCES portal_sessions (id))"
        ),
    ]
}

const DOWN: &[&str] = &["DROP TABLE portal_links", "DROP TABLE portal_sessions"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match manager.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up_statements(timestamp) {
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

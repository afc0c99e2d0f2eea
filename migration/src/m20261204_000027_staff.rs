//! The console's sign-in (SPEC §24): one-time staff links and the
//! sessions they open, as the portal's (`000016`) but for a person of the
//! brand's staff, named by e-mail, with a role.
//!
//! - `staff_sessions`: what a spent link opened: the person's e-mail (the
//!   tokens' `sub`), their role (`admin` or `viewer`), its longest life,
//!   and when it was signed out of. A request with a session's token is
//!   served only while the session is open.
//! - `staff_links`: a link's code, by its SHA-256 (the code itself is
//!   never stored), who made it and for whom, until when, and when it was
//!   spent (once: the update that spends it is conditional on its not
//!   being spent).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE staff_sessions ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               email varchar NOT NULL, \
               role varchar NOT NULL CHECK (role IN ('admin', 'viewer')), \
               started_at {timestamp} NOT NULL, \
               expires_at {timestamp} NOT NULL, \
               ended_at {timestamp} NULL)"
        ),
        format!(
            "CREATE TABLE staff_links ( \
               code_hash varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               email varchar NOT NULL, \
               role varchar NOT NULL CHECK (role IN ('admin', 'viewer')), \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL, \
               expires_at {timestamp} NOT NULL, \
               redeemed_at {timestamp} NULL, \
               session_id varchar NULL REFERENCES staff_sessions (id))"
        ),
    ]
}

const DOWN: &[&str] = &["DROP TABLE staff_links", "DROP TABLE staff_sessions"];

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

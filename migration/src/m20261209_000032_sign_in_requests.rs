//! Portal sign-in requests (`requestPortalSignIn`), kept whoever the
//! address is: the request answers after one statement of the same shape
//! for a partner's address and for an unknown one, and the e-mail is
//! written off the request's path. The requesting network's limit counts
//! every request, known or not.
//!
//! - `sign_in_requests`: the tenant, the address asked for (lower-cased;
//!   forgotten once handled), the keyed hash of the requesting network,
//!   when it was asked and when it was handled.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE sign_in_requests ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               email varchar NULL, \
               requested_by varchar NULL, \
               created_at {timestamp} NOT NULL, \
               handled_at {timestamp} NULL)"
        ),
        "CREATE INDEX sign_in_requests_by ON sign_in_requests (tenant_id, requested_by, created_at)"
            .into(),
        "CREATE INDEX sign_in_requests_waiting ON sign_in_requests (created_at) \
           WHERE handled_at IS NULL"
            .into(),
    ]
}

const DOWN: &[&str] = &["DROP TABLE sign_in_requests"];

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

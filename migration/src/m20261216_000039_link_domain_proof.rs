//! A link domain answers only once its tenant has proved it owns it
//! (SPEC §30): a DNS TXT record holding the token revshare gave.
//!
//! `link_domains` is rebuilt keyed by (tenant, host): any tenant may name a
//! host, each with a token of its own, and at most one of them holds it
//! `VERIFIED` (a partial unique index). The hosts named before this
//! migration are `PENDING` with a new token each: none of them had been
//! proved, and a host that was another brand's, or revshare's own, must
//! not keep answering for whoever named it first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn create(table: &str, timestamp: &str) -> String {
    format!(
        "CREATE TABLE {table} ( \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           host varchar NOT NULL, \
           token varchar NOT NULL, \
           status varchar NOT NULL, \
           verified_at {timestamp} NULL, \
           checked_at {timestamp} NULL, \
           created_at {timestamp} NOT NULL, \
           PRIMARY KEY (tenant_id, host))"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let timestamp = match backend {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        let named = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT host, tenant_id, created_at FROM link_domains ORDER BY host",
            ))
            .await?;
        conn.execute_unprepared("DROP TABLE link_domains").await?;
        conn.execute_unprepared(&create("link_domains", timestamp))
            .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_link_domains_verified ON link_domains (host) \
             WHERE status = 'VERIFIED'",
        )
        .await?;
        conn.execute_unprepared("CREATE INDEX link_domains_by_host ON link_domains (host)")
            .await?;
        for row in named {
            let host: String = row.try_get("", "host")?;
            let tenant: String = row.try_get("", "tenant_id")?;
            let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("link_domains"))
                .columns(["tenant_id", "host", "token", "status", "created_at"].map(Alias::new))
                .values_panic([
                    tenant.into(),
                    host.into(),
                    ulid::Ulid::new().to_string().to_ascii_lowercase().into(),
                    "PENDING".into(),
                    created.into(),
                ]);
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let timestamp = match backend {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        // Back to one tenant a host: the verified one, else the first named.
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT host, tenant_id, created_at FROM link_domains \
                 ORDER BY host, CASE status WHEN 'VERIFIED' THEN 0 ELSE 1 END, created_at",
            ))
            .await?;
        conn.execute_unprepared("DROP TABLE link_domains").await?;
        conn.execute_unprepared(&format!(
            "CREATE TABLE link_domains ( \
               host varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               created_at {timestamp} NOT NULL)"
        ))
        .await?;
        conn.execute_unprepared("CREATE INDEX link_domains_of ON link_domains (tenant_id)")
            .await?;
        let mut last: Option<String> = None;
        for row in rows {
            let host: String = row.try_get("", "host")?;
            if last.as_deref() == Some(host.as_str()) {
                continue;
            }
            let tenant: String = row.try_get("", "tenant_id")?;
            let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("link_domains"))
                .columns(["host", "tenant_id", "created_at"].map(Alias::new))
                .values_panic([host.clone().into(), tenant.into(), created.into()]);
            manager.exec_stmt(insert).await?;
            last = Some(host);
        }
        Ok(())
    }
}

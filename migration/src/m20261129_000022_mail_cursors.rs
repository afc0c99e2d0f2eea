//! Commission e-mails leave the ledger's hot path: they are derived from
//! the `COMMISSION_CREATED` events the ledger writes already, by a cursor
//! per tenant (`mail_cursors`), as the webhook dispatcher derives its
//! deliveries.
//!
//! Until now each commission wrote its e-mail in its own transaction, so
//! every event logged before this migration has been e-mailed (or not, by
//! the partner's choice) already: each tenant's cursor starts at the end
//! of its log, and nothing is e-mailed twice.
//!
//! On PostgreSQL `emails.partner_id` loses its foreign key: checking it
//! takes a key-share lock on the partner's row, which waits for every
//! ledger transaction holding that partner (`FOR UPDATE`) and makes the
//! next ones wait for the e-mails' writer — the ledger's partners queued
//! behind their own e-mail. Partners are never deleted (they are
//! archived), and every e-mail's partner is read from `partners` by the
//! statement that writes it. SQLite's one writer takes no such locks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE TABLE mail_cursors (
       tenant_id varchar NOT NULL PRIMARY KEY REFERENCES tenants (id),
       cursor_xid bigint NOT NULL,
       cursor_seq bigint NOT NULL
     )",
    "INSERT INTO mail_cursors (tenant_id, cursor_xid, cursor_seq)
     SELECT t.id,
       COALESCE((SELECT d.xid FROM domain_events d WHERE d.tenant_id = t.id
                 ORDER BY d.xid DESC, d.seq DESC LIMIT 1), 0),
       COALESCE((SELECT d.seq FROM domain_events d WHERE d.tenant_id = t.id
                 ORDER BY d.xid DESC, d.seq DESC LIMIT 1), 0)
     FROM tenants t",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in UP {
            conn.execute_unprepared(sql).await?;
        }
        if conn.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared(
                "ALTER TABLE emails DROP CONSTRAINT IF EXISTS emails_partner_id_fkey",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared(
                "ALTER TABLE emails ADD CONSTRAINT emails_partner_id_fkey \
                 FOREIGN KEY (partner_id) REFERENCES partners (id)",
            )
            .await?;
        }
        conn.execute_unprepared("DROP TABLE mail_cursors").await?;
        Ok(())
    }
}

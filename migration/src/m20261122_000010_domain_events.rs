//! Domain events and webhooks (SPEC §12).
//!
//! `domain_events` is the outbox: every change a client may want to hear
//! of appends a row in the transaction that makes the change, so an event
//! exists exactly when its change committed. Rows are ordered by
//! `(xid, seq)`: `seq` from a sequence, `xid` the inserting transaction's id
//! on PostgreSQL (0 on SQLite, where one writer commits in `seq` order).
//! Concurrent transactions on PostgreSQL commit in any order, so a reader
//! takes only rows whose transaction is older than every transaction still
//! running (`pg_snapshot_xmin`): that prefix never grows behind a cursor,
//! and no row is skipped or read twice, with no lock between writers. A
//! statement-level trigger notifies `revshare_events` with each tenant that
//! got events, delivered at commit (and never for a rollback).
//!
//! `webhook_endpoints` (a tenant's, or a partner's own) keep their place in
//! the log (`cursor_xid`, `cursor_seq`) and a secret (with the previous one
//! during a rotation); `webhook_deliveries` is the delivery outbox and log.
//! No foreign keys on the event log: it is derived data, written with every
//! batch, and pruned by age.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE domain_events ( \
       seq bigserial PRIMARY KEY, \
       xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint), \
       tenant_id varchar NOT NULL, \
       type varchar NOT NULL, \
       occurred_at timestamptz NOT NULL, \
       recorded_at timestamptz NOT NULL, \
       partner_id varchar, \
       subject_id varchar NOT NULL, \
       data text NOT NULL)",
    "CREATE INDEX ix_domain_events_tenant ON domain_events (tenant_id, xid, seq)",
    "CREATE INDEX ix_domain_events_partner ON domain_events (tenant_id, partner_id, xid, seq)",
    "CREATE FUNCTION revshare_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       PERFORM pg_notify('revshare_events', tenant_id) FROM (SELECT DISTINCT tenant_id FROM added) t; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER domain_events_notify AFTER INSERT ON domain_events \
     REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION revshare_notify_events()",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE domain_events ( \
       seq integer PRIMARY KEY AUTOINCREMENT, \
       xid bigint NOT NULL DEFAULT 0, \
       tenant_id varchar NOT NULL, \
       type varchar NOT NULL, \
       occurred_at timestamp_with_timezone_text NOT NULL, \
       recorded_at timestamp_with_timezone_text NOT NULL, \
       partner_id varchar, \
       subject_id varchar NOT NULL, \
       data text NOT NULL)",
    "CREATE INDEX ix_domain_events_tenant ON domain_events (tenant_id, xid, seq)",
    "CREATE INDEX ix_domain_events_partner ON domain_events (tenant_id, partner_id, xid, seq)",
];

/// The same on both, with each backend's timestamp type as SeaORM declares it.
fn webhook_tables(timestamp: &str, boolean_false: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE webhook_endpoints ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar REFERENCES partners (id), \
               url varchar NOT NULL, \
               event_types text NOT NULL, \
               description varchar, \
               secret varchar NOT NULL, \
               previous_secret varchar, \
               previous_secret_until {timestamp}, \
               status varchar NOT NULL, \
               disabled_reason varchar, \
               consecutive_failures integer NOT NULL DEFAULT 0, \
               cursor_xid bigint NOT NULL, \
               cursor_seq bigint NOT NULL, \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL, \
               updated_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX ix_webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id)".into(),
        format!(
            "CREATE TABLE webhook_deliveries ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               endpoint_id varchar NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE, \
               event_seq bigint NOT NULL, \
               event_id varchar NOT NULL, \
               status varchar NOT NULL, \
               attempts integer NOT NULL DEFAULT 0, \
               next_attempt_at {timestamp}, \
               last_response_status integer, \
               last_error varchar, \
               delivered_at {timestamp}, \
               replay boolean NOT NULL DEFAULT {boolean_false}, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)"
            .into(),
        "CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id)"
            .into(),
        // What pruning the log asks: does a delivery still need this event?
        "CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_seq)".into(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let (events, timestamp, no) = match postgres {
            true => (POSTGRES_UP, "timestamptz", "false"),
            false => (SQLITE_UP, "timestamp_with_timezone_text", "false"),
        };
        for sql in events {
            conn.execute_unprepared(sql).await?;
        }
        for sql in webhook_tables(timestamp, no) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for table in ["webhook_deliveries", "webhook_endpoints", "domain_events"] {
            conn.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared("DROP FUNCTION revshare_notify_events")
                .await?;
        }
        Ok(())
    }
}

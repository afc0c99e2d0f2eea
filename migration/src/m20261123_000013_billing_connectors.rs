//! Billing connectors (SPEC §15): one per provider and tenant, the provider
//! events already handled, and what links a provider's charges to the
//! invoice a sale was recorded for.
//!
//! - `billing_connectors`: signing secrets (a JSON list: a rolled secret is
//!   honoured beside the new one), what commissions are computed on,
//!   whether it is enabled.
//! - `connector_events`: each provider event handled, by its id — a
//!   redelivery is answered without doing anything again — and whether it
//!   was ignored: a connector's counts are counted here (no counter row
//!   every delivery would wait on).
//! - `connector_links`: a charge's or a payment intent's id → the invoice
//!   it paid, and how much of the charge was refunded as last seen (the
//!   provider's refunded amount is cumulative).
//! - `ix_events_customer`: a customer's commissions are found through the
//!   events naming it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE billing_connectors ( \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               provider varchar NOT NULL, \
               signing_secrets text NOT NULL, \
               commission_base varchar NOT NULL, \
               enabled boolean NOT NULL, \
               created_at {timestamp} NOT NULL, \
               updated_at {timestamp} NOT NULL, \
               PRIMARY KEY (tenant_id, provider))"
        ),
        format!(
            "CREATE TABLE connector_events ( \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               provider varchar NOT NULL, \
               event_id varchar NOT NULL, \
               type varchar NOT NULL, \
               ignored boolean NOT NULL, \
               received_at {timestamp} NOT NULL, \
               PRIMARY KEY (tenant_id, provider, event_id))"
        ),
        // A customer's commissions are found through its events.
        "CREATE INDEX ix_events_customer ON events (customer_id)".into(),
        "CREATE TABLE connector_links ( \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           provider varchar NOT NULL, \
           key varchar NOT NULL, \
           invoice_id varchar NOT NULL, \
           refunded_minor bigint NOT NULL DEFAULT 0, \
           PRIMARY KEY (tenant_id, provider, key))"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TABLE connector_links",
    "DROP INDEX ix_events_customer",
    "DROP TABLE connector_events",
    "DROP TABLE billing_connectors",
];

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

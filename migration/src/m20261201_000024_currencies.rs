//! Sales in any currency (SPEC §22).
//!
//! - `exchange_rates`: a tenant's reference rates, per 1 EUR, one a
//!   currency a day, as imported (`rate` the decimal's text as written:
//!   never a float, on SQLite either).
//! - `event_conversions`: the provenance of an event recorded in another
//!   currency than its campaign's — the sale's own amount and currency, the
//!   two rates per EUR the conversion used (the fraction, exact), their day
//!   and source — and how much of the sale's own amount was refunded. Only
//!   converted events have a row: an event in its campaign's currency
//!   writes nothing more.
//! - `unattributed_events.reason`: why an event is held — `UNATTRIBUTED`
//!   (its customer is nobody's yet) or `NO_EXCHANGE_RATE` (no rate within
//!   7 days of it yet); such an event may name its partner, and a lead may
//!   have no customer (`customer_external_id` empty).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str, date: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE exchange_rates (
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               currency text NOT NULL,
               day {date} NOT NULL,
               rate text NOT NULL,
               source text NOT NULL,
               imported_at {t} NOT NULL,
               PRIMARY KEY (tenant_id, currency, day)
             )"
        ),
        format!(
            "CREATE TABLE event_conversions (
               event_id varchar NOT NULL PRIMARY KEY REFERENCES events (id),
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               sale_amount_minor bigint NOT NULL,
               sale_currency text NOT NULL,
               base_per_eur text NOT NULL,
               quote_per_eur text NOT NULL,
               day {date} NOT NULL,
               source text NOT NULL,
               refunded_sale_minor bigint NOT NULL DEFAULT 0
             )"
        ),
        "ALTER TABLE unattributed_events ADD COLUMN reason text NOT NULL DEFAULT 'UNATTRIBUTED'"
            .into(),
        "CREATE INDEX unattributed_events_reason ON unattributed_events (tenant_id, reason, occurred_at) WHERE accrued_at IS NULL"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP INDEX unattributed_events_reason",
    "ALTER TABLE unattributed_events DROP COLUMN reason",
    "DROP TABLE event_conversions",
    "DROP TABLE exchange_rates",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (timestamp, date) = match conn.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", "date"),
            _ => ("timestamp_with_timezone_text", "date_text"),
        };
        for sql in up(timestamp, date) {
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

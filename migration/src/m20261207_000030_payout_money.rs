//! Payouts whose money could strand, double or overpay (hardening round 5).
//!
//! - `rail_sender_batch`: the `sender_batch_id` a PayPal payout is sent
//!   under, fixed when it is queued — a run of more than PayPal's 15,000
//!   items a call is split into parts with ids of their own, and a retry
//!   sends the same part under the same id.
//! - `reversed_minor`: how much of a Stripe transfer Stripe reversed
//!   (its cumulative `amount_reversed`), so each reversal returns exactly
//!   its own part, whatever order the events come in.
//! - `filed_at`, `filed_as`: when a pending payout was handed to finance
//!   in a file, and which: it is then not sendable by API until finance
//!   says the file was not used.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str) -> Vec<String> {
    [
        "rail_sender_batch text".to_owned(),
        "reversed_minor bigint NOT NULL DEFAULT 0".to_owned(),
        format!("filed_at {t}"),
        "filed_as text".to_owned(),
    ]
    .into_iter()
    .map(|column| format!("ALTER TABLE payouts ADD COLUMN {column}"))
    .collect()
}

const DOWN: &[&str] = &[
    "ALTER TABLE payouts DROP COLUMN filed_as",
    "ALTER TABLE payouts DROP COLUMN filed_at",
    "ALTER TABLE payouts DROP COLUMN reversed_minor",
    "ALTER TABLE payouts DROP COLUMN rail_sender_batch",
];

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

//! Backtesting a change on the events already recorded (SPEC §23).
//!
//! - `events.history_*`: the partner's and the customer's history as the
//!   rules saw it when the event was accrued — the customer's month, the
//!   partner's net charges (LTV) and paying customers, the customer's net
//!   charges, whether it had had a charge-threshold bonus — and whether the
//!   partner could earn then. A replay reads them instead of summing the
//!   ledger's past, so its cost is the range's events alone. Null on deal
//!   events and on events recorded before this migration (a backtest
//!   refuses a range that holds one).
//! - `events (tenant_id, occurred_at)`: a range's events found without
//!   reading the others; `refunds (event_id)`: a page's refunds, likewise.
//! - `backtests`: one replay, its change as given, status and progress
//!   (`replayed` of `window_events`: the range widened to whole tier
//!   periods); a
//!   running one is claimed by a replica with a lease (`lease_until`), so a
//!   replica that stopped hands it to another.
//! - `backtest_results`: what the replay found per partner and currency.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str, boolean: &str) -> Vec<String> {
    vec![
        "ALTER TABLE events ADD COLUMN history_month integer".into(),
        "ALTER TABLE events ADD COLUMN history_ltv_minor bigint".into(),
        "ALTER TABLE events ADD COLUMN history_paying integer".into(),
        "ALTER TABLE events ADD COLUMN history_net_minor bigint".into(),
        format!("ALTER TABLE events ADD COLUMN history_bonus {boolean}"),
        format!("ALTER TABLE events ADD COLUMN history_earns {boolean}"),
        "CREATE INDEX ix_events_occurred ON events (tenant_id, occurred_at)".into(),
        "CREATE INDEX ix_refunds_event ON refunds (event_id)".into(),
        format!(
            "CREATE TABLE backtests (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               status text NOT NULL,
               change text NOT NULL,
               range_from {t} NOT NULL,
               range_to {t} NOT NULL,
               events bigint NOT NULL DEFAULT 0,
               replayed bigint NOT NULL DEFAULT 0,
               window_events bigint NOT NULL DEFAULT 0,
               started_by text NOT NULL,
               started_at {t} NOT NULL,
               finished_at {t},
               lease_until {t},
               error text,
               expires_at {t} NOT NULL
             )"
        ),
        "CREATE UNIQUE INDEX ux_backtests_running ON backtests (tenant_id) WHERE status = 'RUNNING'"
            .into(),
        "CREATE INDEX backtests_expiry ON backtests (expires_at)".into(),
        "CREATE TABLE backtest_results (
           backtest_id varchar NOT NULL REFERENCES backtests (id) ON DELETE CASCADE,
           partner_id varchar NOT NULL,
           currency text NOT NULL,
           before_minor bigint NOT NULL,
           after_minor bigint NOT NULL,
           difference_minor bigint NOT NULL,
           events bigint NOT NULL,
           PRIMARY KEY (backtest_id, currency, partner_id)
         )"
        .into(),
        "CREATE INDEX backtest_results_difference ON backtest_results (backtest_id, currency, difference_minor, partner_id)"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TABLE backtest_results",
    "DROP TABLE backtests",
    "DROP INDEX ix_refunds_event",
    "DROP INDEX ix_events_occurred",
    "ALTER TABLE events DROP COLUMN history_earns",
    "ALTER TABLE events DROP COLUMN history_bonus",
    "ALTER TABLE events DROP COLUMN history_net_minor",
    "ALTER TABLE events DROP COLUMN history_paying",
    "ALTER TABLE events DROP COLUMN history_ltv_minor",
    "ALTER TABLE events DROP COLUMN history_month",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (timestamp, boolean) = match conn.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", "boolean"),
            _ => ("timestamp_with_timezone_text", "boolean"),
        };
        for sql in up(timestamp, boolean) {
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

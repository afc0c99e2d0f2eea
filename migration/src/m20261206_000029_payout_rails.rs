//! Paying partners by API (SPEC §26).
//!
//! - `payout_rails`: a tenant's PayPal Payouts or Stripe Connect account —
//!   its mode, its base URL and its credentials sealed with the data key
//!   (never read back), with a hint an admin recognises them by.
//! - `payouts` gain where each stands on its rail: the rail, its status
//!   there, the provider's reference (PayPal's `payout_item_id`, Stripe's
//!   transfer id) and batch, the last error, how many sends were started
//!   (a payout once sent is never failed for want of an answer), when it
//!   is next looked at, and the lease of the replica sending it.
//! - `connect_accounts`: a partner's Stripe Express account, created once,
//!   and whether Stripe enables its payouts.
//! - A payout method (and a payout's copy of it) may be a Stripe account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str) -> Vec<String> {
    let mut sql = vec![format!(
        "CREATE TABLE payout_rails (
           tenant_id varchar NOT NULL REFERENCES tenants (id),
           rail text NOT NULL,
           mode text NOT NULL,
           base_url text NOT NULL,
           credentials text NOT NULL,
           credential_hint text NOT NULL,
           configured_by text NOT NULL,
           configured_at {t} NOT NULL,
           PRIMARY KEY (tenant_id, rail)
         )"
    )];
    for column in [
        "rail text".to_owned(),
        "rail_status text".to_owned(),
        "rail_reference text".to_owned(),
        "rail_batch text".to_owned(),
        "rail_error text".to_owned(),
        "rail_sends integer NOT NULL DEFAULT 0".to_owned(),
        "rail_polls integer NOT NULL DEFAULT 0".to_owned(),
        format!("rail_next_at {t}"),
        "rail_lease text".to_owned(),
        format!("rail_lease_until {t}"),
        format!("rail_updated_at {t}"),
        "method_stripe_account text".to_owned(),
    ] {
        sql.push(format!("ALTER TABLE payouts ADD COLUMN {column}"));
    }
    sql.push(
        "CREATE INDEX ix_payouts_rail_due ON payouts (rail_next_at) \
         WHERE rail_status IN ('QUEUED', 'SENT', 'UNCLAIMED')"
            .into(),
    );
    sql.push(
        "CREATE INDEX ix_payouts_rail_reference ON payouts (tenant_id, rail_reference)".into(),
    );
    sql.push("ALTER TABLE payout_methods ADD COLUMN stripe_account_id text".into());
    sql.push(format!(
        "CREATE TABLE connect_accounts (
           partner_id varchar NOT NULL PRIMARY KEY REFERENCES partners (id),
           tenant_id varchar NOT NULL REFERENCES tenants (id),
           account_id text NOT NULL,
           payouts_enabled boolean NOT NULL DEFAULT false,
           created_at {t} NOT NULL,
           updated_at {t} NOT NULL
         )"
    ));
    sql.push(
        "CREATE UNIQUE INDEX ux_connect_accounts_account ON connect_accounts (tenant_id, account_id)"
            .into(),
    );
    sql
}

const DOWN: &[&str] = &[
    "DROP TABLE connect_accounts",
    "ALTER TABLE payout_methods DROP COLUMN stripe_account_id",
    "DROP INDEX ix_payouts_rail_reference",
    "DROP INDEX ix_payouts_rail_due",
    "ALTER TABLE payouts DROP COLUMN method_stripe_account",
    "ALTER TABLE payouts DROP COLUMN rail_updated_at",
    "ALTER TABLE payouts DROP COLUMN rail_lease_until",
    "ALTER TABLE payouts DROP COLUMN rail_lease",
    "ALTER TABLE payouts DROP COLUMN rail_next_at",
    "ALTER TABLE payouts DROP COLUMN rail_polls",
    "ALTER TABLE payouts DROP COLUMN rail_sends",
    "ALTER TABLE payouts DROP COLUMN rail_error",
    "ALTER TABLE payouts DROP COLUMN rail_batch",
    "ALTER TABLE payouts DROP COLUMN rail_reference",
    "ALTER TABLE payouts DROP COLUMN rail_status",
    "ALTER TABLE payouts DROP COLUMN rail",
    "DROP TABLE payout_rails",
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

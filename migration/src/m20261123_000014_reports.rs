//! Reports that cost the same at any size (SPEC §17): rollups kept by
//! every write to the ledger, in the writing transaction.
//!
//! - `commission_stats`: per tenant-local day (`YYYY-MM-DD` in the tenant's
//!   time zone), partner, campaign and currency, each measure's sum and
//!   count: a commission's amount in the column of its current status
//!   (`ACCRUED`, `APPROVED`, `PAID`, `REVERSED`; a clawback always in
//!   `CLAWED_BACK`) on the day of its `accruedAt`, and the events
//!   (`EVENTS`: their amounts, the revenue) on the day of their
//!   `occurredAt`. Series, leaderboards and ranks sum these rows.
//! - `ledger_totals`: per partner, campaign, currency and status, every
//!   commission's sum and count, whatever its payee: the ledger's
//!   `totalCount` and the program's totals are sums of these rows.
//! - `tenants.stats_zone`: the time zone the tenant's stats were built in;
//!   null until they are built (at start-up, for a ledger written before
//!   this migration) and rebuilt when the tenant's zone changes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE TABLE commission_stats ( \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       day varchar NOT NULL, \
       partner_id varchar NOT NULL, \
       campaign_id varchar NOT NULL, \
       currency varchar NOT NULL, \
       measure varchar NOT NULL, \
       amount_minor bigint NOT NULL, \
       row_count bigint NOT NULL, \
       PRIMARY KEY (tenant_id, day, partner_id, campaign_id, currency, measure))",
    "CREATE INDEX ix_commission_stats_partner ON commission_stats (partner_id, day)",
    "CREATE TABLE ledger_totals ( \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       partner_id varchar NOT NULL, \
       campaign_id varchar NOT NULL, \
       currency varchar NOT NULL, \
       status varchar NOT NULL, \
       amount_minor bigint NOT NULL, \
       commission_count bigint NOT NULL, \
       PRIMARY KEY (tenant_id, partner_id, campaign_id, currency, status))",
    "ALTER TABLE tenants ADD COLUMN stats_zone varchar NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE tenants DROP COLUMN stats_zone",
    "DROP TABLE ledger_totals",
    "DROP INDEX ix_commission_stats_partner",
    "DROP TABLE commission_stats",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in UP {
            conn.execute_unprepared(sql).await?;
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

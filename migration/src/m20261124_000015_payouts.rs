//! Payouts that can be run (SPEC §16): where partners are paid, the
//! minimums, runs, the state of a payout, statements and tax profiles.
//!
//! - `minimum_payout` on `tenants`, `partner_groups` and `partners`: a
//!   JSON list of `{ "currency", "amountMinor" }`, null when none is set;
//!   per currency, the partner's wins over its group's, the group's over
//!   the tenant's.
//! - `tenants`: the account SEPA files are paid from
//!   (`payout_account_*`) and whether runs pay only partners with an
//!   approved tax profile.
//! - `payout_methods`: one per partner, PayPal or a bank account.
//! - `tax_profiles`: one per partner, its tax id sealed (encrypted) and its
//!   last four characters.
//! - `payout_runs` and `payout_run_skips`: a run, and the partners it
//!   carried over with the reason and the balance then. A run is open
//!   while one of its payouts is pending: that is read from its payouts,
//!   never kept beside them.
//! - `payouts` gain a status (`PENDING`, `PAID`, `FAILED`), a statement
//!   number unique per tenant, the run, the method as it was when the payout
//!   was made, and when it was paid or failed. A payout without a reference
//!   yet (pending) holds `''`. Payouts made before this migration were paid
//!   by hand: they are `PAID` and are numbered in the order they were made,
//!   by the year of their creation in UTC.
//! - `payout_items`: the commissions a payout holds, kept when a failed
//!   payout releases them.
//! - `statement_counters`: the last statement number given per tenant and
//!   year; taken in the payout's own transaction, so numbers have no gaps.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::BTreeMap;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        "ALTER TABLE tenants ADD COLUMN minimum_payout text NULL".into(),
        "ALTER TABLE tenants ADD COLUMN payout_account_iban varchar NULL".into(),
        "ALTER TABLE tenants ADD COLUMN payout_account_bic varchar NULL".into(),
        "ALTER TABLE tenants ADD COLUMN payout_account_name varchar NULL".into(),
        "ALTER TABLE tenants ADD COLUMN require_tax_profile boolean NOT NULL DEFAULT false".into(),
        "ALTER TABLE partner_groups ADD COLUMN minimum_payout text NULL".into(),
        "ALTER TABLE partners ADD COLUMN minimum_payout text NULL".into(),
        format!(
            "CREATE TABLE payout_methods ( \
               partner_id varchar NOT NULL PRIMARY KEY REFERENCES partners (id), \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               type varchar NOT NULL, \
               paypal_email varchar NULL, \
               iban varchar NULL, \
               bic varchar NULL, \
               account_holder varchar NULL, \
               updated_by varchar NOT NULL, \
               updated_at {timestamp} NOT NULL)"
        ),
        format!(
            "CREATE TABLE tax_profiles ( \
               partner_id varchar NOT NULL PRIMARY KEY REFERENCES partners (id), \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               form varchar NOT NULL, \
               status varchar NOT NULL, \
               country varchar NOT NULL, \
               tax_id_sealed varchar NOT NULL, \
               tax_id_last4 varchar NOT NULL, \
               submitted_at {timestamp} NOT NULL, \
               decided_at {timestamp} NULL, \
               decided_by varchar NULL, \
               reason varchar NULL)"
        ),
        format!(
            "CREATE TABLE payout_runs ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               period_end varchar NOT NULL, \
               cutoff {timestamp} NOT NULL, \
               currency varchar NULL, \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX ix_payout_runs_tenant ON payout_runs (tenant_id, id)".into(),
        "CREATE TABLE payout_run_skips ( \
           run_id varchar NOT NULL REFERENCES payout_runs (id), \
           partner_id varchar NOT NULL REFERENCES partners (id), \
           currency varchar NOT NULL, \
           reason varchar NOT NULL, \
           amount_minor bigint NOT NULL, \
           PRIMARY KEY (run_id, partner_id, currency))"
            .into(),
        "ALTER TABLE payouts ADD COLUMN status varchar NOT NULL DEFAULT 'PAID'".into(),
        "ALTER TABLE payouts ADD COLUMN statement_number varchar NOT NULL DEFAULT ''".into(),
        // No foreign key: SQLite cannot drop a column that has one.
        "ALTER TABLE payouts ADD COLUMN run_id varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN method_type varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN method_paypal_email varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN method_iban varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN method_bic varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN method_account_holder varchar NULL".into(),
        format!("ALTER TABLE payouts ADD COLUMN paid_at {timestamp} NULL"),
        format!("ALTER TABLE payouts ADD COLUMN failed_at {timestamp} NULL"),
        "ALTER TABLE payouts ADD COLUMN failure_reason varchar NULL".into(),
        "CREATE INDEX ix_payouts_tenant ON payouts (tenant_id, id)".into(),
        "CREATE INDEX ix_payouts_run ON payouts (run_id, id)".into(),
        "CREATE TABLE payout_items ( \
           payout_id varchar NOT NULL REFERENCES payouts (id), \
           commission_id varchar NOT NULL REFERENCES commissions (id), \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           PRIMARY KEY (payout_id, commission_id))"
            .into(),
        "CREATE INDEX ix_payout_items_commission ON payout_items (commission_id)".into(),
        "CREATE TABLE statement_counters ( \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           year integer NOT NULL, \
           last_number bigint NOT NULL, \
           PRIMARY KEY (tenant_id, year))"
            .into(),
    ]
}

/// After the backfill: statement numbers are unique per tenant.
const UNIQUE_NUMBERS: &str =
    "CREATE UNIQUE INDEX ux_payouts_statement_number ON payouts (tenant_id, statement_number)";

const DOWN: &[&str] = &[
    "DROP TABLE statement_counters",
    "DROP INDEX ix_payout_items_commission",
    "DROP TABLE payout_items",
    "DROP INDEX ux_payouts_statement_number",
    "DROP INDEX ix_payouts_run",
    "DROP INDEX ix_payouts_tenant",
    "ALTER TABLE payouts DROP COLUMN failure_reason",
    "ALTER TABLE payouts DROP COLUMN failed_at",
    "ALTER TABLE payouts DROP COLUMN paid_at",
    "ALTER TABLE payouts DROP COLUMN method_account_holder",
    "ALTER TABLE payouts DROP COLUMN method_bic",
    "ALTER TABLE payouts DROP COLUMN method_iban",
    "ALTER TABLE payouts DROP COLUMN method_paypal_email",
    "ALTER TABLE payouts DROP COLUMN method_type",
    "ALTER TABLE payouts DROP COLUMN run_id",
    "ALTER TABLE payouts DROP COLUMN statement_number",
    "ALTER TABLE payouts DROP COLUMN status",
    "DROP TABLE payout_run_skips",
    "DROP INDEX ix_payout_runs_tenant",
    "DROP TABLE payout_runs",
    "DROP TABLE tax_profiles",
    "DROP TABLE payout_methods",
    "ALTER TABLE partners DROP COLUMN minimum_payout",
    "ALTER TABLE partner_groups DROP COLUMN minimum_payout",
    "ALTER TABLE tenants DROP COLUMN require_tax_profile",
    "ALTER TABLE tenants DROP COLUMN payout_account_name",
    "ALTER TABLE tenants DROP COLUMN payout_account_bic",
    "ALTER TABLE tenants DROP COLUMN payout_account_iban",
    "ALTER TABLE tenants DROP COLUMN minimum_payout",
];

/// Payouts made before runs existed were paid by hand: numbered per tenant
/// and year in the order they were made, each holding the commissions it
/// settled.
async fn backfill(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, tenant_id, created_at FROM payouts ORDER BY tenant_id, created_at, id",
        ))
        .await?;
    let mut last: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for row in rows {
        let id: String = row.try_get("", "id")?;
        let tenant: String = row.try_get("", "tenant_id")?;
        let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
        let year = chrono::Datelike::year(&created);
        let number = last.entry((tenant, year)).or_insert(0);
        *number += 1;
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "UPDATE payouts SET statement_number = $1, paid_at = created_at WHERE id = $2"
                }
                _ => "UPDATE payouts SET statement_number = ?, paid_at = created_at WHERE id = ?",
            },
            [format!("{year}-{number:06}").into(), id.into()],
        ))
        .await?;
    }
    for ((tenant, year), number) in last {
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "INSERT INTO statement_counters (tenant_id, year, last_number) VALUES ($1, $2, $3)"
                }
                _ => "INSERT INTO statement_counters (tenant_id, year, last_number) VALUES (?, ?, ?)",
            },
            [tenant.into(), year.into(), number.into()],
        ))
        .await?;
    }
    conn.execute_unprepared(
        "INSERT INTO payout_items (payout_id, commission_id, tenant_id) \
         SELECT payout_id, id, tenant_id FROM commissions WHERE payout_id IS NOT NULL",
    )
    .await?;
    Ok(())
}

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
        backfill(conn).await?;
        conn.execute_unprepared(UNIQUE_NUMBERS).await?;
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

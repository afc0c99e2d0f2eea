//! Clicks kept bounded: raw clicks by month, so that whole months can be
//! removed past their retention.
//!
//! - `attributions.click_id` no longer references `clicks`: an attributed
//!   customer keeps its partner, and the id of its click, after the click
//!   itself is removed. (SQLite cannot drop a constraint: the table is
//!   made again, without it, and its rows copied.)
//! - PostgreSQL: `clicks` becomes a table partitioned by range on
//!   `created_at`, a partition a UTC month (`clicks_2027_01`), its key
//!   `(id, created_at)` as partitioning needs. A partition is made for
//!   every month from the first click's to the month after this one; the
//!   old table's rows are copied in one pass, each to its month; the old
//!   table is dropped; then the key, the indexes and the references are
//!   made, each in one pass (`docs/operations.md` says how long it takes).
//! - SQLite: `ix_clicks_created`, so that removing what is past the
//!   retention reads only what it removes.
//!
//! Down puts PostgreSQL's clicks back in one table; neither database gets
//! the foreign key back, since attributions may name clicks removed since.

use chrono::{Datelike, Utc};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str =
    "id, tenant_id, referral_code_id, landing_url, user_agent, ip_hash, created_at";

/// `attributions` as it was made, without `click_id`'s reference.
const ATTRIBUTIONS: &str = "CREATE TABLE attributions_new ( \
       id varchar PRIMARY KEY, \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       customer_external_id varchar NOT NULL, \
       partner_id varchar NOT NULL REFERENCES partners (id), \
       campaign_id varchar NOT NULL REFERENCES campaigns (id), \
       source varchar NOT NULL, \
       click_id varchar, \
       referral_code_id varchar REFERENCES referral_codes (id), \
       email varchar, \
       attributed_at timestamp_with_timezone_text NOT NULL, \
       created_at timestamp_with_timezone_text NOT NULL)";

/// A month as (year, month), counted on by `plus`.
fn plus((year, month): (i32, u32), count: i32) -> (i32, u32) {
    let index = year * 12 + month as i32 - 1 + count;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

fn start((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}-01 00:00:00+00")
}

fn table((year, month): (i32, u32)) -> String {
    format!("clicks_{year:04}_{month:02}")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() != DbBackend::Postgres {
            for sql in [
                ATTRIBUTIONS,
                "INSERT INTO attributions_new SELECT id, tenant_id, customer_external_id, \
                 partner_id, campaign_id, source, click_id, referral_code_id, email, \
                 attributed_at, created_at FROM attributions",
                "DROP TABLE attributions",
                "ALTER TABLE attributions_new RENAME TO attributions",
                "CREATE UNIQUE INDEX ux_attributions_customer ON attributions \
                 (tenant_id, customer_external_id)",
                "CREATE INDEX ix_attributions_partner ON attributions (tenant_id, partner_id, id)",
                "CREATE INDEX ix_clicks_created ON clicks (created_at)",
            ] {
                conn.execute_unprepared(sql).await?;
            }
            return Ok(());
        }
        for sql in [
            "ALTER TABLE attributions DROP CONSTRAINT IF EXISTS attributions_click_id_fkey",
            "DROP INDEX ix_clicks_code",
            "DROP INDEX ix_clicks_ip",
            "ALTER TABLE clicks RENAME TO clicks_unpartitioned",
            // Its key's index goes with the constraint's new name.
            "ALTER TABLE clicks_unpartitioned RENAME CONSTRAINT clicks_pkey \
             TO clicks_unpartitioned_pkey",
            // Bare while it is filled: its key, indexes and references
            // are made once the rows are in, in one pass each.
            "CREATE TABLE clicks ( \
               id varchar NOT NULL, \
               tenant_id varchar NOT NULL, \
               referral_code_id varchar NOT NULL, \
               landing_url varchar, \
               user_agent varchar, \
               ip_hash varchar, \
               created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at)",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        let bounds = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT CAST(extract(year FROM min(created_at) AT TIME ZONE 'UTC') AS integer) AS y0, \
                   CAST(extract(month FROM min(created_at) AT TIME ZONE 'UTC') AS integer) AS m0, \
                   CAST(extract(year FROM max(created_at) AT TIME ZONE 'UTC') AS integer) AS y1, \
                   CAST(extract(month FROM max(created_at) AT TIME ZONE 'UTC') AS integer) AS m1 \
                 FROM clicks_unpartitioned",
            ))
            .await?;
        let month = |y: &str, m: &str| -> Option<(i32, u32)> {
            let row = bounds.as_ref()?;
            let year: Option<i32> = row.try_get("", y).ok()?;
            let month: Option<i32> = row.try_get("", m).ok()?;
            Some((year?, <u32 as TryFrom<i32>>::try_from(month?).ok()?))
        };
        // Revshare's clock, not the database's: the month it will write to.
        let now = Utc::now();
        let this = (now.year(), now.month());
        let first = month("y0", "m0").map_or(this, |m| m.min(this));
        let last = plus(month("y1", "m1").map_or(this, |m| m.max(this)), 1);
        let mut at = first;
        while at <= last {
            let next = plus(at, 1);
            conn.execute_unprepared(&format!(
                "CREATE TABLE {} PARTITION OF clicks FOR VALUES FROM ('{}') TO ('{}')",
                table(at),
                start(at),
                start(next)
            ))
            .await?;
            at = next;
        }
        // One pass over the old table, each row routed to its month.
        conn.execute_unprepared(&format!(
            "INSERT INTO clicks ({COLUMNS}) SELECT {COLUMNS} FROM clicks_unpartitioned"
        ))
        .await?;
        for sql in [
            "DROP TABLE clicks_unpartitioned",
            "ALTER TABLE clicks ADD PRIMARY KEY (id, created_at)",
            "CREATE INDEX ix_clicks_code ON clicks (referral_code_id, id)",
            "CREATE INDEX ix_clicks_ip ON clicks (ip_hash, created_at)",
            "ALTER TABLE clicks ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id)",
            "ALTER TABLE clicks ADD FOREIGN KEY (referral_code_id) REFERENCES referral_codes (id)",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() != DbBackend::Postgres {
            return conn
                .execute_unprepared("DROP INDEX ix_clicks_created")
                .await
                .map(|_| ());
        }
        for sql in [
            "ALTER TABLE clicks RENAME TO clicks_partitioned".to_owned(),
            // Its key's name (and its index's) freed for the one table's.
            "ALTER TABLE clicks_partitioned RENAME CONSTRAINT clicks_pkey \
             TO clicks_partitioned_pkey"
                .to_owned(),
            "DROP INDEX ix_clicks_code".to_owned(),
            "DROP INDEX ix_clicks_ip".to_owned(),
            "CREATE TABLE clicks ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               referral_code_id varchar NOT NULL REFERENCES referral_codes (id), \
               landing_url varchar, \
               user_agent varchar, \
               ip_hash varchar, \
               created_at timestamptz NOT NULL)"
                .to_owned(),
            format!("INSERT INTO clicks ({COLUMNS}) SELECT {COLUMNS} FROM clicks_partitioned"),
            "DROP TABLE clicks_partitioned".to_owned(),
            "CREATE INDEX ix_clicks_code ON clicks (referral_code_id, id)".to_owned(),
            "CREATE INDEX ix_clicks_ip ON clicks (ip_hash, created_at)".to_owned(),
        ] {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}

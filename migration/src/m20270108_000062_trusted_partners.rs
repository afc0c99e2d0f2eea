//! Trusted partners and the daily fraud digest (SPEC §37).
//!
//! - `partners.trusted`: a partner exempt from automatic fraud holds;
//! - `fraud_flags.acted_on`: whether the flag held anything when it was
//!   raised (false: raised while its partner was trusted, recorded only);
//! - `tenants.fraud_digest_recipients` (a JSON array of addresses) and
//!   `fraud_digest_hour` (from when in the tenant's day it is sent);
//! - `fraud_digests`: the tenant days a digest was written for — its key
//!   keeps it to one a day whatever the replicas and restarts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str, date: &str) -> Vec<String> {
    vec![
        "ALTER TABLE partners ADD COLUMN trusted boolean NOT NULL DEFAULT false".into(),
        "ALTER TABLE fraud_flags ADD COLUMN acted_on boolean NOT NULL DEFAULT true".into(),
        "ALTER TABLE tenants ADD COLUMN fraud_digest_recipients text NOT NULL DEFAULT '[]'".into(),
        "ALTER TABLE tenants ADD COLUMN fraud_digest_hour integer NOT NULL DEFAULT 8".into(),
        format!(
            "CREATE TABLE fraud_digests (
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               day {date} NOT NULL,
               flags integer NOT NULL,
               sent_at {t} NOT NULL,
               PRIMARY KEY (tenant_id, day)
             )"
        ),
    ]
}

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
        for sql in [
            "DROP TABLE fraud_digests",
            "ALTER TABLE tenants DROP COLUMN fraud_digest_hour",
            "ALTER TABLE tenants DROP COLUMN fraud_digest_recipients",
            "ALTER TABLE fraud_flags DROP COLUMN acted_on",
            "ALTER TABLE partners DROP COLUMN trusted",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

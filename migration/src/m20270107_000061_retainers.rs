//! Retainers (SPEC §37): a fixed amount paid on a cadence — weekly to
//! yearly from a start date, for a number of periods or until ended — to
//! one partner or to each active partner of a group.
//!
//! `next_period` is the number of the first period not yet decided
//! (written, or skipped while paused): the job that writes a period
//! advances it from what it read, in the same transaction, so that of two
//! replicas writing the same period one writes it and the other finds it
//! taken. Each period's commission is keyed on its `REWARD` event too
//! (`revshare:retainer:{id}:{partner}:{n}`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str, date: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE retainers (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               name text NOT NULL,
               description text,
               partner_id varchar,
               group_id varchar,
               amount_minor bigint NOT NULL,
               currency text NOT NULL,
               cadence text NOT NULL,
               starts_on {date} NOT NULL,
               periods integer,
               campaign_id varchar NOT NULL,
               status text NOT NULL,
               next_period integer NOT NULL,
               created_at {t} NOT NULL,
               paused_at {t},
               ended_at {t}
             )"
        ),
        "CREATE INDEX ix_retainers_tenant ON retainers (tenant_id, id)".into(),
        "CREATE INDEX ix_retainers_status ON retainers (status)".into(),
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
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE retainers")
            .await?;
        Ok(())
    }
}

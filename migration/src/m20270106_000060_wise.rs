//! Wise: bank payouts in the partner's currency (SPEC §36).
//!
//! - A payout method (and a payout's copy of it) may be a bank account
//!   Wise pays: its currency, a UK sort code, the holder's legal type and
//!   a US account's address (JSON); the method keeps the id of the Wise
//!   recipient made for it, once, when it is first paid.
//! - `wise_batch_groups`: the batch groups a run is sent in, one per run
//!   and currency (and past Wise's 1,000 transfers a group, more), each
//!   recorded as soon as Wise made it — before any transfer joins — with
//!   how far it went: made, completed, funded, or waiting for finance to
//!   fund it in Wise.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const METHOD_COLUMNS: &[&str] = &["currency", "sort_code", "legal_type", "address"];

fn up(t: &str) -> Vec<String> {
    let mut sql = Vec::new();
    for column in METHOD_COLUMNS {
        sql.push(format!(
            "ALTER TABLE payout_methods ADD COLUMN {column} text"
        ));
        sql.push(format!(
            "ALTER TABLE payouts ADD COLUMN method_{column} text"
        ));
    }
    sql.push("ALTER TABLE payout_methods ADD COLUMN wise_recipient_id text".into());
    sql.push("ALTER TABLE payouts ADD COLUMN method_wise_recipient text".into());
    sql.push(format!(
        "CREATE TABLE wise_batch_groups (
           tenant_id varchar NOT NULL REFERENCES tenants (id),
           id text NOT NULL,
           run_id varchar NOT NULL,
           currency text NOT NULL,
           name text NOT NULL,
           number integer NOT NULL,
           status text NOT NULL,
           created_at {t} NOT NULL,
           completed_at {t},
           funded_at {t},
           PRIMARY KEY (tenant_id, id)
         )"
    ));
    sql.push(
        "CREATE UNIQUE INDEX ux_wise_batch_groups_name ON wise_batch_groups (tenant_id, run_id, currency, number)"
            .into(),
    );
    sql
}

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
        conn.execute_unprepared("DROP TABLE wise_batch_groups")
            .await?;
        conn.execute_unprepared("ALTER TABLE payouts DROP COLUMN method_wise_recipient")
            .await?;
        conn.execute_unprepared("ALTER TABLE payout_methods DROP COLUMN wise_recipient_id")
            .await?;
        for column in METHOD_COLUMNS.iter().rev() {
            conn.execute_unprepared(&format!("ALTER TABLE payouts DROP COLUMN method_{column}"))
                .await?;
            conn.execute_unprepared(&format!("ALTER TABLE payout_methods DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}

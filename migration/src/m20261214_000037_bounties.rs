//! Bounties (SPEC §31): a reward for reaching a goal or for a piece of
//! work.
//!
//! - `bounties`: what a bounty pays (`reward_minor` in `currency`, booked
//!   in `campaign_id`'s ledger and maturing after its holdback), to the
//!   partners of which groups (`group_ids`, a JSON array), between
//!   `starts_at` and `ends_at`; a `PERFORMANCE` bounty's goal
//!   (`goal_metric`, `goal_value`: minor units of `currency` for an
//!   amount, a count otherwise), a `SUBMISSION` bounty's
//!   `max_submissions` per partner;
//! - `bounty_submissions`: a partner's work for a `SUBMISSION` bounty
//!   (`urls` a JSON array), from draft to decided, and the `BOUNTY`
//!   commission an approval wrote;
//! - `bounty_awards`: a `PERFORMANCE` bounty reached by a partner and the
//!   `BOUNTY` commission it wrote; at most one not reversed per bounty and
//!   partner (`ux_bounty_awards`), whatever sales race.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE bounties ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               name varchar NOT NULL, \
               description varchar NULL, \
               kind varchar NOT NULL, \
               group_ids varchar NOT NULL, \
               campaign_id varchar NOT NULL REFERENCES campaigns (id), \
               reward_minor bigint NOT NULL, \
               currency varchar NOT NULL, \
               starts_at {timestamp} NOT NULL, \
               ends_at {timestamp} NULL, \
               goal_metric varchar NULL, \
               goal_value bigint NULL, \
               max_submissions integer NOT NULL, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX bounties_of ON bounties (tenant_id, kind, starts_at)".into(),
        format!(
            "CREATE TABLE bounty_submissions ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               bounty_id varchar NOT NULL REFERENCES bounties (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               status varchar NOT NULL, \
               urls varchar NOT NULL, \
               description varchar NULL, \
               amount_minor bigint NULL, \
               reason varchar NULL, \
               note varchar NULL, \
               commission_id varchar NULL, \
               created_at {timestamp} NOT NULL, \
               submitted_at {timestamp} NULL, \
               decided_at {timestamp} NULL, \
               decided_by varchar NULL)"
        ),
        "CREATE INDEX bounty_submissions_of ON bounty_submissions (bounty_id, status, id)".into(),
        "CREATE INDEX bounty_submissions_by ON bounty_submissions (partner_id, bounty_id)".into(),
        format!(
            "CREATE TABLE bounty_awards ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               bounty_id varchar NOT NULL REFERENCES bounties (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               commission_id varchar NOT NULL, \
               reached_at {timestamp} NOT NULL, \
               reversed_at {timestamp} NULL)"
        ),
        "CREATE UNIQUE INDEX ux_bounty_awards ON bounty_awards (bounty_id, partner_id) \
         WHERE reversed_at IS NULL"
            .into(),
        "CREATE INDEX bounty_awards_by ON bounty_awards (partner_id, bounty_id)".into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TABLE bounty_awards",
    "DROP TABLE bounty_submissions",
    "DROP TABLE bounties",
];

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

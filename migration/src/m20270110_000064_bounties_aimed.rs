//! Bounties aimed and timed (SPEC §37):
//!
//! - `bounties.partner_tags`: the tags whose partners it is for beside its
//!   groups (`,a,b,` as partners keep theirs; empty: none);
//! - `bounties.window_days`: each partner's window, from the later of its
//!   join and `starts_at` (none: the bounty's dates);
//! - `bounties.ended_at`: when `endBounty` ended it (none: not ended).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match conn.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in [
            "ALTER TABLE bounties ADD COLUMN partner_tags text NOT NULL DEFAULT ''".to_owned(),
            "ALTER TABLE bounties ADD COLUMN window_days integer".to_owned(),
            format!("ALTER TABLE bounties ADD COLUMN ended_at {timestamp}"),
        ] {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "ALTER TABLE bounties DROP COLUMN ended_at",
            "ALTER TABLE bounties DROP COLUMN window_days",
            "ALTER TABLE bounties DROP COLUMN partner_tags",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

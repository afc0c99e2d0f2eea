//! Traffic that earns nothing (SPEC §37).
//!
//! - `campaigns.traffic_sources`, `partner_groups.traffic_sources`: what
//!   each ignores (a JSON object: search engines, listed domains); none:
//!   nothing;
//! - `referral_codes.ignored_clicks`, `partner_links.ignored_clicks`: the
//!   clicks ignored, once per link, visitor and hour.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "ALTER TABLE campaigns ADD COLUMN traffic_sources text",
            "ALTER TABLE partner_groups ADD COLUMN traffic_sources text",
            "ALTER TABLE referral_codes ADD COLUMN ignored_clicks bigint NOT NULL DEFAULT 0",
            "ALTER TABLE partner_links ADD COLUMN ignored_clicks bigint NOT NULL DEFAULT 0",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "ALTER TABLE partner_links DROP COLUMN ignored_clicks",
            "ALTER TABLE referral_codes DROP COLUMN ignored_clicks",
            "ALTER TABLE partner_groups DROP COLUMN traffic_sources",
            "ALTER TABLE campaigns DROP COLUMN traffic_sources",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

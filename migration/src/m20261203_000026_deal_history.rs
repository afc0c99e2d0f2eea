//! What a replay needs of a deal event (SPEC §23), kept on the event when
//! it is recorded: `events.history_deal`, a JSON text holding the version
//! of the deal's terms in force, its custom field values, and what the
//! event did to the deal (the stages it reached for the first time, or the
//! payment's count and the stages reached before it); and
//! `events.history_earns`, already kept for sales, false for a payment on a
//! lost deal. The deal's later edits (terms amended, values changed) do not
//! reach a replay of its earlier events. Null on sales and leads, and on
//! deal events recorded before this migration (a backtest refuses a range
//! that holds one).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("ALTER TABLE events ADD COLUMN history_deal text")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("ALTER TABLE events DROP COLUMN history_deal")
            .await?;
        Ok(())
    }
}

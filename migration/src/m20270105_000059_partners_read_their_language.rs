//! Partners read their language (SPEC §38): the language each e-mail is
//! written in, kept with it (none: English, as every message queued
//! before was); the portal page a sign-in request was made from, so that
//! the link it sends opens that page; and the translations staff give of
//! a broadcast and of a campaign's description (JSON lists; none: the
//! text as written is every reader's).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &[(&str, &str)] = &[
    ("emails", "language"),
    ("sign_in_requests", "page"),
    ("broadcasts", "translations"),
    ("campaigns", "description_translations"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in COLUMNS {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} varchar NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in COLUMNS.iter().rev() {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}

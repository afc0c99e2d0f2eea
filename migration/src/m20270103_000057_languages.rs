//! Partners in their own language (SPEC §38): the languages a tenant
//! offers (a JSON list, in its order) and its default; a partner's own
//! (none: the default); an application's, which its partner takes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE tenants ADD COLUMN languages varchar NOT NULL DEFAULT '[\"en\"]'",
    "ALTER TABLE tenants ADD COLUMN default_language varchar NOT NULL DEFAULT 'en'",
    "ALTER TABLE partners ADD COLUMN language varchar NULL",
    "ALTER TABLE partner_applications ADD COLUMN language varchar NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE partner_applications DROP COLUMN language",
    "ALTER TABLE partners DROP COLUMN language",
    "ALTER TABLE tenants DROP COLUMN default_language",
    "ALTER TABLE tenants DROP COLUMN languages",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in UP {
            conn.execute_unprepared(sql).await?;
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

//! How a tenant's program presents itself to partners (SPEC §20): the
//! program's name (none: the tenant's name), the address partners and
//! staff e-mails name for support, and the brand's colour (`#rrggbb`) the
//! pages and e-mails partners see are drawn in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE tenants ADD COLUMN program_name text NULL",
    "ALTER TABLE tenants ADD COLUMN support_email text NULL",
    "ALTER TABLE tenants ADD COLUMN brand_color text NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE tenants DROP COLUMN brand_color",
    "ALTER TABLE tenants DROP COLUMN support_email",
    "ALTER TABLE tenants DROP COLUMN program_name",
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

//! An e-mail that may have been sent (no answer once it was written whole)
//! is sent again with the same `Message-ID`, with codes of its own. The
//! copy that did arrive keeps working: the confirmation's and the
//! unsubscribe link's hash before the last are kept beside the last, and
//! either is taken.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE partner_applications ADD COLUMN earlier_token_hash varchar NULL",
    "CREATE INDEX partner_applications_earlier_token ON partner_applications (earlier_token_hash)",
    "ALTER TABLE emails ADD COLUMN earlier_unsubscribe_code varchar NULL",
    "CREATE INDEX emails_earlier_unsubscribe ON emails (earlier_unsubscribe_code)",
];

const DOWN: &[&str] = &[
    "DROP INDEX emails_earlier_unsubscribe",
    "ALTER TABLE emails DROP COLUMN earlier_unsubscribe_code",
    "DROP INDEX partner_applications_earlier_token",
    "ALTER TABLE partner_applications DROP COLUMN earlier_token_hash",
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

//! A W-9's taxpayer identification number is an SSN, an EIN or an ITIN
//! (SPEC §29): each checked by its own rules, and a 1099 says which. A
//! profile submitted before keeps none until it is submitted again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE tax_profiles ADD COLUMN tin_type varchar NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE tax_profiles DROP COLUMN tin_type")
            .await?;
        Ok(())
    }
}

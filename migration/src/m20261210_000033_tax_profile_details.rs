//! What year-end forms need of a tax profile (SPEC §29):
//!
//! - `tin_type`: a W-9's taxpayer identification number is an SSN, an EIN
//!   or an ITIN, each checked by its own rules, and a 1099 says which;
//! - `signed_on`: the day the form was signed, from which a W-8 is valid
//!   to the last day of the third calendar year after.
//!
//! A profile submitted before keeps neither until it is submitted again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("ALTER TABLE tax_profiles ADD COLUMN tin_type varchar NULL")
            .await?;
        conn.execute_unprepared("ALTER TABLE tax_profiles ADD COLUMN signed_on date NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("ALTER TABLE tax_profiles DROP COLUMN signed_on")
            .await?;
        conn.execute_unprepared("ALTER TABLE tax_profiles DROP COLUMN tin_type")
            .await?;
        Ok(())
    }
}

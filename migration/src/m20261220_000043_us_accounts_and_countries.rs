//! A partner can be paid by ACH to a US bank account (its routing and
//! account number, and whether checking or savings), which a payout keeps
//! as it was; and a partner has the country it lives in, so that year-end
//! asks a partner abroad for a W-8 rather than a W-9.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE payout_methods ADD COLUMN routing_number varchar NULL",
    "ALTER TABLE payout_methods ADD COLUMN account_number varchar NULL",
    "ALTER TABLE payout_methods ADD COLUMN account_type varchar NULL",
    "ALTER TABLE payouts ADD COLUMN method_routing_number varchar NULL",
    "ALTER TABLE payouts ADD COLUMN method_account_number varchar NULL",
    "ALTER TABLE payouts ADD COLUMN method_account_type varchar NULL",
    "ALTER TABLE partners ADD COLUMN country varchar NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE partners DROP COLUMN country",
    "ALTER TABLE payouts DROP COLUMN method_account_type",
    "ALTER TABLE payouts DROP COLUMN method_account_number",
    "ALTER TABLE payouts DROP COLUMN method_routing_number",
    "ALTER TABLE payout_methods DROP COLUMN account_type",
    "ALTER TABLE payout_methods DROP COLUMN account_number",
    "ALTER TABLE payout_methods DROP COLUMN routing_number",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in DOWN {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

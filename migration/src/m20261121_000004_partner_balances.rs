//! Each partner's commission totals per currency and status (amount and
//! row count), kept by every write to the ledger, so a partner's balance and
//! commission count are read by key instead of summed over its whole
//! history. The backfill sums the commissions recorded before this
//! migration.
//!
//! Also an index for a partner's page of commissions of one status (the
//! portal's "awaiting approval" list), which otherwise walks every row of
//! the partner to find the few of that status.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Commissions {
    Table,
    PartnerId,
    Status,
    Id,
}

#[derive(DeriveIden)]
enum PartnerBalances {
    Table,
    PartnerId,
    Currency,
    Status,
    TenantId,
    AmountMinor,
    CommissionCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartnerBalances::Table)
                    .col(string(PartnerBalances::PartnerId))
                    .col(string_len(PartnerBalances::Currency, 3))
                    .col(string(PartnerBalances::Status))
                    .col(string(PartnerBalances::TenantId))
                    .col(big_integer(PartnerBalances::AmountMinor))
                    .col(big_integer(PartnerBalances::CommissionCount))
                    .primary_key(
                        Index::create()
                            .col(PartnerBalances::PartnerId)
                            .col(PartnerBalances::Currency)
                            .col(PartnerBalances::Status),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerBalances::Table, PartnerBalances::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerBalances::Table, PartnerBalances::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO partner_balances \
                   (partner_id, currency, status, tenant_id, amount_minor, commission_count) \
                 SELECT partner_id, currency, status, MIN(tenant_id), \
                        CAST(SUM(amount_minor) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM commissions GROUP BY partner_id, currency, status",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_commissions_partner_status")
                    .table(Commissions::Table)
                    .col(Commissions::PartnerId)
                    .col(Commissions::Status)
                    .col(Commissions::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_commissions_partner_status")
                    .table(Commissions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PartnerBalances::Table).to_owned())
            .await
    }
}

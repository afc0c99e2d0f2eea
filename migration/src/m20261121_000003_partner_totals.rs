//! Each partner's running totals per currency: the net charges of its
//! customers (its LTV) and how many of them are net-positive (paying). Accrual
//! reads them by key instead of summing every customer the partner ever had,
//! and writes them with the customers it touches; refunds update them. The
//! backfill sums the customers recorded before this migration.
//!
//! Also an index to find a batch's customers by their `externalId`s in one
//! probe each, however many customers their partners have; the index by
//! (partner, currency) served only the sum the totals replace, and goes.

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
enum Customers {
    Table,
    TenantId,
    PartnerId,
    ExternalId,
    Currency,
}

#[derive(DeriveIden)]
enum PartnerTotals {
    Table,
    PartnerId,
    Currency,
    TenantId,
    LtvMinor,
    PayingCustomers,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartnerTotals::Table)
                    .col(string(PartnerTotals::PartnerId))
                    .col(string_len(PartnerTotals::Currency, 3))
                    .col(string(PartnerTotals::TenantId))
                    .col(big_integer(PartnerTotals::LtvMinor))
                    .col(big_integer(PartnerTotals::PayingCustomers))
                    .primary_key(
                        Index::create()
                            .col(PartnerTotals::PartnerId)
                            .col(PartnerTotals::Currency),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerTotals::Table, PartnerTotals::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerTotals::Table, PartnerTotals::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO partner_totals (partner_id, currency, tenant_id, ltv_minor, paying_customers) \
                 SELECT partner_id, currency, MIN(tenant_id), \
                        CAST(SUM(net_minor) AS BIGINT), \
                        CAST(SUM(CASE WHEN net_minor > 0 THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM customers GROUP BY partner_id, currency",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_customers_external_id")
                    .table(Customers::Table)
                    .col(Customers::TenantId)
                    .col(Customers::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_customers_partner")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_customers_partner")
                    .table(Customers::Table)
                    .col(Customers::PartnerId)
                    .col(Customers::Currency)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_customers_external_id")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PartnerTotals::Table).to_owned())
            .await
    }
}

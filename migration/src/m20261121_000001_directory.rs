//! Tenants, partner groups, partners and categories.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Name,
    Currency,
    TimeZone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnerGroups {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    ExternalId,
    Tags,
    IsDefault,
    Rules,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    TenantId,
    GroupId,
    Name,
    Email,
    ExternalId,
    Type,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    TenantId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnerCategories {
    Table,
    PartnerId,
    CategoryId,
    TenantId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(string(Tenants::Id).primary_key())
                    .col(string(Tenants::Name))
                    .col(string_len(Tenants::Currency, 3))
                    .col(string(Tenants::TimeZone))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerGroups::Table)
                    .col(string(PartnerGroups::Id).primary_key())
                    .col(string(PartnerGroups::TenantId))
                    .col(string(PartnerGroups::Name))
                    .col(text_null(PartnerGroups::Description))
                    .col(string_null(PartnerGroups::ExternalId))
                    // Tags as ",a,b,": filterable with one portable LIKE, no join.
                    .col(string(PartnerGroups::Tags))
                    .col(boolean(PartnerGroups::IsDefault))
                    .col(json_binary(PartnerGroups::Rules))
                    .col(timestamp_with_time_zone(PartnerGroups::CreatedAt))
                    .col(timestamp_with_time_zone(PartnerGroups::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerGroups::Table, PartnerGroups::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_partner_groups_external_id")
                    .table(PartnerGroups::Table)
                    .col(PartnerGroups::TenantId)
                    .col(PartnerGroups::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_partner_groups_tenant")
                    .table(PartnerGroups::Table)
                    .col(PartnerGroups::TenantId)
                    .col(PartnerGroups::Id)
                    .to_owned(),
            )
            .await?;
        // The database itself holds "at most one default group per tenant";
        // the service keeps "at least one". Partial indexes read the same on
        // SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_partner_groups_default \
                 ON partner_groups (tenant_id) WHERE is_default",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Partners::Table)
                    .col(string(Partners::Id).primary_key())
                    .col(string(Partners::TenantId))
                    .col(string(Partners::GroupId))
                    .col(string(Partners::Name))
                    .col(string_null(Partners::Email))
                    .col(string_null(Partners::ExternalId))
                    .col(string(Partners::Type))
                    .col(string(Partners::Status))
                    .col(timestamp_with_time_zone(Partners::CreatedAt))
                    .col(timestamp_with_time_zone(Partners::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Partners::Table, Partners::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Partners::Table, Partners::GroupId)
                            .to(PartnerGroups::Table, PartnerGroups::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_partners_external_id")
                    .table(Partners::Table)
                    .col(Partners::TenantId)
                    .col(Partners::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_partners_tenant")
                    .table(Partners::Table)
                    .col(Partners::TenantId)
                    .col(Partners::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_partners_group")
                    .table(Partners::Table)
                    .col(Partners::GroupId)
                    .col(Partners::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(string(Categories::Id).primary_key())
                    .col(string(Categories::TenantId))
                    .col(string(Categories::Name))
                    .col(timestamp_with_time_zone(Categories::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Categories::Table, Categories::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_categories_name")
                    .table(Categories::Table)
                    .col(Categories::TenantId)
                    .col(Categories::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerCategories::Table)
                    .col(string(PartnerCategories::PartnerId))
                    .col(string(PartnerCategories::CategoryId))
                    .col(string(PartnerCategories::TenantId))
                    .primary_key(
                        Index::create()
                            .col(PartnerCategories::PartnerId)
                            .col(PartnerCategories::CategoryId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerCategories::Table, PartnerCategories::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerCategories::Table, PartnerCategories::CategoryId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerCategories::Table.into_iden(),
            Categories::Table.into_iden(),
            Partners::Table.into_iden(),
            PartnerGroups::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

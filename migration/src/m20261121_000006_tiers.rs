//! Tiered performance commissions (SPEC §9): the tiers (dates in the
//! tenant's time zone, period, scope by partners and campaigns, modifiers,
//! goals and maxima as JSON with decimal strings) and each partner's
//! progress per tier, campaign and period, kept by accrual, refunds and
//! reversals so that it is read by key.
//!
//! A commission now names the tier that modified it (or, for an ADJUSTMENT,
//! the tier whose retroactive modifier it applies) and carries its event's
//! revenue after the revenue modifier. Both are immutable like the rest of
//! the row. An earlier commission is adjusted at most once per tier: a
//! partial unique index on (original, tier) of ADJUSTMENT rows.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
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
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TieredCommissions {
    Table,
    Id,
    TenantId,
    Name,
    Notes,
    Status,
    StartDate,
    EndDate,
    Period,
    ApplyToAllPartners,
    Terms,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TieredCommissionPartners {
    Table,
    TierId,
    PartnerId,
    TenantId,
}

#[derive(DeriveIden)]
enum TieredCommissionCampaigns {
    Table,
    TierId,
    CampaignId,
    TenantId,
}

#[derive(DeriveIden)]
enum TierProgress {
    Table,
    TierId,
    PartnerId,
    CampaignId,
    PeriodStart,
    TenantId,
    PeriodEnd,
    Currency,
    PayoutMinor,
    RevenueMinor,
    SaleAmountMinor,
    Conversions,
    Events,
    ReachedAt,
    UpdatedAt,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: &[&str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(Alias::new(*column));
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tiers(manager).await?;
        progress(manager).await?;
        let conn = manager.get_connection();
        let statements = match conn.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        for statement in statements {
            conn.execute_unprepared(statement).await?;
        }
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX uq_adjustments ON commissions (original_id, tier_id) \
             WHERE kind = 'ADJUSTMENT'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX uq_adjustments").await?;
        let statements = match conn.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        for statement in statements {
            conn.execute_unprepared(statement).await?;
        }
        for table in [
            TierProgress::Table.into_iden(),
            TieredCommissionCampaigns::Table.into_iden(),
            TieredCommissionPartners::Table.into_iden(),
            TieredCommissions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn tiers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(TieredCommissions::Table)
                .col(string(TieredCommissions::Id).primary_key())
                .col(string(TieredCommissions::TenantId))
                .col(string(TieredCommissions::Name))
                .col(text_null(TieredCommissions::Notes))
                .col(string(TieredCommissions::Status))
                .col(date(TieredCommissions::StartDate))
                .col(date(TieredCommissions::EndDate))
                .col(string(TieredCommissions::Period))
                .col(boolean(TieredCommissions::ApplyToAllPartners))
                .col(json_binary(TieredCommissions::Terms))
                .col(timestamp_with_time_zone(TieredCommissions::CreatedAt))
                .col(timestamp_with_time_zone(TieredCommissions::UpdatedAt))
                .foreign_key(&mut fk(
                    (TieredCommissions::Table, TieredCommissions::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_tiered_commissions_tenant",
        TieredCommissions::Table,
        &["tenant_id", "status", "id"],
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(TieredCommissionPartners::Table)
                .col(string(TieredCommissionPartners::TierId))
                .col(string(TieredCommissionPartners::PartnerId))
                .col(string(TieredCommissionPartners::TenantId))
                .primary_key(
                    Index::create()
                        .col(TieredCommissionPartners::TierId)
                        .col(TieredCommissionPartners::PartnerId),
                )
                .foreign_key(&mut fk(
                    (
                        TieredCommissionPartners::Table,
                        TieredCommissionPartners::TierId,
                    ),
                    (TieredCommissions::Table, TieredCommissions::Id),
                ))
                .foreign_key(&mut fk(
                    (
                        TieredCommissionPartners::Table,
                        TieredCommissionPartners::PartnerId,
                    ),
                    (Partners::Table, Partners::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(TieredCommissionCampaigns::Table)
                .col(string(TieredCommissionCampaigns::TierId))
                .col(string(TieredCommissionCampaigns::CampaignId))
                .col(string(TieredCommissionCampaigns::TenantId))
                .primary_key(
                    Index::create()
                        .col(TieredCommissionCampaigns::TierId)
                        .col(TieredCommissionCampaigns::CampaignId),
                )
                .foreign_key(&mut fk(
                    (
                        TieredCommissionCampaigns::Table,
                        TieredCommissionCampaigns::TierId,
                    ),
                    (TieredCommissions::Table, TieredCommissions::Id),
                ))
                .foreign_key(&mut fk(
                    (
                        TieredCommissionCampaigns::Table,
                        TieredCommissionCampaigns::CampaignId,
                    ),
                    (Campaigns::Table, Campaigns::Id),
                ))
                .to_owned(),
        )
        .await
}

async fn progress(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(TierProgress::Table)
                .col(string(TierProgress::TierId))
                .col(string(TierProgress::PartnerId))
                .col(string(TierProgress::CampaignId))
                .col(timestamp_with_time_zone(TierProgress::PeriodStart))
                .col(string(TierProgress::TenantId))
                .col(timestamp_with_time_zone(TierProgress::PeriodEnd))
                .col(string(TierProgress::Currency))
                .col(big_integer(TierProgress::PayoutMinor))
                .col(big_integer(TierProgress::RevenueMinor))
                .col(big_integer(TierProgress::SaleAmountMinor))
                .col(big_integer(TierProgress::Conversions))
                .col(big_integer(TierProgress::Events))
                .col(timestamp_with_time_zone_null(TierProgress::ReachedAt))
                .col(timestamp_with_time_zone(TierProgress::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(TierProgress::TierId)
                        .col(TierProgress::PartnerId)
                        .col(TierProgress::CampaignId)
                        .col(TierProgress::PeriodStart),
                )
                .foreign_key(&mut fk(
                    (TierProgress::Table, TierProgress::TierId),
                    (TieredCommissions::Table, TieredCommissions::Id),
                ))
                .foreign_key(&mut fk(
                    (TierProgress::Table, TierProgress::PartnerId),
                    (Partners::Table, Partners::Id),
                ))
                .foreign_key(&mut fk(
                    (TierProgress::Table, TierProgress::CampaignId),
                    (Campaigns::Table, Campaigns::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_tier_progress_partner",
        TierProgress::Table,
        &["partner_id", "campaign_id", "period_start"],
    )
    .await
}

/// The immutability rule of migration 000005 with the two new columns.
const SQLITE_TRIGGER: &str = "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
       OR NEW.plan_id IS NOT OLD.plan_id OR NEW.deal_id IS NOT OLD.deal_id \
       OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS NOT OLD.recipient_id) \
       OR NEW.tier_id IS NOT OLD.tier_id OR NEW.revenue_minor IS NOT OLD.revenue_minor \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, tier and revenue are immutable'); END";

/// Migration 000005's rule, restored by `down`.
const SQLITE_TRIGGER_BEFORE: &str = "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
       OR NEW.plan_id IS NOT OLD.plan_id OR NEW.deal_id IS NOT OLD.deal_id \
       OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS NOT OLD.recipient_id) \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event, accrual time, plan, deal and recipient are immutable'); END";

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE commissions ADD COLUMN tier_id varchar",
    "ALTER TABLE commissions ADD COLUMN revenue_minor bigint",
    "CREATE TRIGGER commissions_tier_reference BEFORE INSERT ON commissions \
     WHEN NEW.tier_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tiered_commissions WHERE id = NEW.tier_id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "DROP TRIGGER commissions_immutable",
    SQLITE_TRIGGER,
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER commissions_immutable",
    "DROP TRIGGER commissions_tier_reference",
    "ALTER TABLE commissions DROP COLUMN tier_id",
    "ALTER TABLE commissions DROP COLUMN revenue_minor",
    SQLITE_TRIGGER_BEFORE,
];

const POSTGRES_FUNCTION: &str = "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at \
          OR NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.deal_id IS DISTINCT FROM OLD.deal_id \
          OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS DISTINCT FROM OLD.recipient_id) \
          OR NEW.tier_id IS DISTINCT FROM OLD.tier_id OR NEW.revenue_minor IS DISTINCT FROM OLD.revenue_minor THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, tier and revenue are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$";

const POSTGRES_FUNCTION_BEFORE: &str = "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at \
          OR NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.deal_id IS DISTINCT FROM OLD.deal_id \
          OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS DISTINCT FROM OLD.recipient_id) THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event, accrual time, plan, deal and recipient are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$";

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE commissions ADD COLUMN tier_id varchar REFERENCES tiered_commissions (id), \
     ADD COLUMN revenue_minor bigint",
    POSTGRES_FUNCTION,
];

const POSTGRES_DOWN: &[&str] = &[
    POSTGRES_FUNCTION_BEFORE,
    "ALTER TABLE commissions DROP COLUMN tier_id, DROP COLUMN revenue_minor",
];

//! Deal-stage commission plans (SPEC §8): the pipeline (stages, custom
//! select fields and their options), contacts, commission plans with their
//! restrictions, deals with their field values, the stages each deal has
//! reached, and the plans each deal froze (its terms, versioned: an
//! amendment adds a version, with its note and author, even when it leaves
//! the deal no plan).
//!
//! Deal events are ordinary events (`DEAL_STAGE`, `DEAL_PAYMENT`) that name
//! their deal and stage; their commissions are ordinary ledger rows that
//! name their plan, their deal and, for a spiff, the contact paid (set once,
//! when the plan leaves it to be chosen: `recipient_pending` until then). A
//! payout names its recipient when it pays one. The ledger's immutability
//! trigger now also keeps a commission's plan and deal, and lets a recipient
//! be set once.

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
enum PartnerGroups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Commissions {
    Table,
}

#[derive(DeriveIden)]
enum DealStages {
    Table,
    Id,
    TenantId,
    Name,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CustomFields {
    Table,
    Id,
    TenantId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CustomFieldOptions {
    Table,
    Id,
    TenantId,
    CustomFieldId,
    Label,
    Position,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    TenantId,
    PartnerId,
    Name,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CommissionPlans {
    Table,
    Id,
    TenantId,
    Label,
    PartnerType,
    PaymentTarget,
    AutoAssignRecipient,
    Entries,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CommissionPlanGroups {
    Table,
    PlanId,
    GroupId,
    TenantId,
}

#[derive(DeriveIden)]
enum CommissionPlanCategories {
    Table,
    PlanId,
    CategoryId,
    TenantId,
}

#[derive(DeriveIden)]
enum CommissionPlanPartners {
    Table,
    PlanId,
    PartnerId,
    TenantId,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
    TenantId,
    ExternalId,
    PartnerId,
    CampaignId,
    Name,
    AmountMinor,
    Currency,
    StageId,
    LeadCreatorId,
    OwnerId,
    ReachedPosition,
    PaymentCount,
    TermsVersion,
    Payload,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DealFieldValues {
    Table,
    DealId,
    CustomFieldId,
    OptionId,
    TenantId,
}

#[derive(DeriveIden)]
enum DealStagesReached {
    Table,
    DealId,
    StageId,
    TenantId,
    PaymentsBefore,
    EventId,
    ReachedAt,
}

#[derive(DeriveIden)]
enum DealTermVersions {
    Table,
    DealId,
    Version,
    TenantId,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DealTerms {
    Table,
    Id,
    TenantId,
    DealId,
    Version,
    PlanId,
    Plan,
    MatchedBy,
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
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

const SQLITE_TRIGGER: &[&str] = &[
    "DROP TRIGGER commissions_immutable",
    "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
       OR NEW.plan_id IS NOT OLD.plan_id OR NEW.deal_id IS NOT OLD.deal_id \
       OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS NOT OLD.recipient_id) \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event, accrual time, plan, deal and recipient are immutable'); END",
];

const POSTGRES_TRIGGER: &[&str] = &[
    "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
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
     END $$",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        pipeline(manager).await?;
        plans(manager).await?;
        deals(manager).await?;
        ledger(manager).await?;
        let conn = manager.get_connection();
        let trigger = match conn.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGER,
            _ => SQLITE_TRIGGER,
        };
        for statement in trigger {
            conn.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared(POSTGRES_TRIGGER_BEFORE).await?;
            conn.execute_unprepared(
                "ALTER TABLE commissions DROP COLUMN plan_id, DROP COLUMN recipient_id, \
                 DROP COLUMN recipient_pending, DROP COLUMN deal_id",
            )
            .await?;
            conn.execute_unprepared("ALTER TABLE payouts DROP COLUMN recipient_id")
                .await?;
            conn.execute_unprepared("ALTER TABLE events DROP COLUMN deal_id, DROP COLUMN stage_id")
                .await?;
        } else {
            // SQLite drops columns one at a time, and not those an index or
            // a trigger names: those go first, the old rule comes back after.
            for statement in [
                "DROP INDEX ix_commissions_deal",
                "DROP INDEX ix_events_deal",
                "DROP TRIGGER commissions_immutable",
                "DROP TRIGGER events_deal_references",
                "DROP TRIGGER commissions_deal_references",
                "DROP TRIGGER commissions_recipient_reference",
                "DROP TRIGGER payouts_recipient_reference",
            ] {
                conn.execute_unprepared(statement).await?;
            }
            for (table, column) in [
                ("commissions", "plan_id"),
                ("commissions", "recipient_id"),
                ("commissions", "recipient_pending"),
                ("commissions", "deal_id"),
                ("payouts", "recipient_id"),
                ("events", "deal_id"),
                ("events", "stage_id"),
            ] {
                conn.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {column}"))
                    .await?;
            }
            conn.execute_unprepared(SQLITE_TRIGGER_BEFORE).await?;
        }
        for table in [
            DealTerms::Table.into_iden(),
            DealTermVersions::Table.into_iden(),
            DealStagesReached::Table.into_iden(),
            DealFieldValues::Table.into_iden(),
            Deals::Table.into_iden(),
            CommissionPlanPartners::Table.into_iden(),
            CommissionPlanCategories::Table.into_iden(),
            CommissionPlanGroups::Table.into_iden(),
            CommissionPlans::Table.into_iden(),
            Contacts::Table.into_iden(),
            CustomFieldOptions::Table.into_iden(),
            CustomFields::Table.into_iden(),
            DealStages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn pipeline(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(DealStages::Table)
                .col(string(DealStages::Id).primary_key())
                .col(string(DealStages::TenantId))
                .col(string(DealStages::Name))
                .col(integer(DealStages::Position))
                .col(timestamp_with_time_zone(DealStages::CreatedAt))
                .foreign_key(&mut fk(
                    (DealStages::Table, DealStages::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "uq_deal_stages_position",
        DealStages::Table,
        &["tenant_id", "position"],
        true,
    )
    .await?;
    index(
        manager,
        "uq_deal_stages_name",
        DealStages::Table,
        &["tenant_id", "name"],
        true,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(CustomFields::Table)
                .col(string(CustomFields::Id).primary_key())
                .col(string(CustomFields::TenantId))
                .col(string(CustomFields::Name))
                .col(timestamp_with_time_zone(CustomFields::CreatedAt))
                .foreign_key(&mut fk(
                    (CustomFields::Table, CustomFields::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "uq_custom_fields_name",
        CustomFields::Table,
        &["tenant_id", "name"],
        true,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(CustomFieldOptions::Table)
                .col(string(CustomFieldOptions::Id).primary_key())
                .col(string(CustomFieldOptions::TenantId))
                .col(string(CustomFieldOptions::CustomFieldId))
                .col(string(CustomFieldOptions::Label))
                .col(integer(CustomFieldOptions::Position))
                .foreign_key(&mut fk(
                    (CustomFieldOptions::Table, CustomFieldOptions::CustomFieldId),
                    (CustomFields::Table, CustomFields::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "uq_custom_field_options_label",
        CustomFieldOptions::Table,
        &["custom_field_id", "label"],
        true,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(Contacts::Table)
                .col(string(Contacts::Id).primary_key())
                .col(string(Contacts::TenantId))
                .col(string_null(Contacts::PartnerId))
                .col(string(Contacts::Name))
                .col(string_null(Contacts::Email))
                .col(timestamp_with_time_zone(Contacts::CreatedAt))
                .foreign_key(&mut fk(
                    (Contacts::Table, Contacts::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .foreign_key(&mut fk(
                    (Contacts::Table, Contacts::PartnerId),
                    (Partners::Table, Partners::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_contacts_partner",
        Contacts::Table,
        &["tenant_id", "partner_id", "id"],
        false,
    )
    .await
}

async fn plans(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CommissionPlans::Table)
                .col(string(CommissionPlans::Id).primary_key())
                .col(string(CommissionPlans::TenantId))
                .col(string(CommissionPlans::Label))
                .col(string(CommissionPlans::PartnerType))
                .col(string(CommissionPlans::PaymentTarget))
                .col(string_null(CommissionPlans::AutoAssignRecipient))
                .col(json_binary(CommissionPlans::Entries))
                .col(timestamp_with_time_zone_null(CommissionPlans::ArchivedAt))
                .col(timestamp_with_time_zone(CommissionPlans::CreatedAt))
                .col(timestamp_with_time_zone(CommissionPlans::UpdatedAt))
                .foreign_key(&mut fk(
                    (CommissionPlans::Table, CommissionPlans::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_commission_plans_tenant",
        CommissionPlans::Table,
        &["tenant_id", "id"],
        false,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(CommissionPlanGroups::Table)
                .col(string(CommissionPlanGroups::PlanId))
                .col(string(CommissionPlanGroups::GroupId))
                .col(string(CommissionPlanGroups::TenantId))
                .primary_key(
                    Index::create()
                        .col(CommissionPlanGroups::PlanId)
                        .col(CommissionPlanGroups::GroupId),
                )
                .foreign_key(&mut fk(
                    (CommissionPlanGroups::Table, CommissionPlanGroups::PlanId),
                    (CommissionPlans::Table, CommissionPlans::Id),
                ))
                .foreign_key(&mut fk(
                    (CommissionPlanGroups::Table, CommissionPlanGroups::GroupId),
                    (PartnerGroups::Table, PartnerGroups::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_commission_plan_groups_group",
        CommissionPlanGroups::Table,
        &["group_id"],
        false,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(CommissionPlanCategories::Table)
                .col(string(CommissionPlanCategories::PlanId))
                .col(string(CommissionPlanCategories::CategoryId))
                .col(string(CommissionPlanCategories::TenantId))
                .primary_key(
                    Index::create()
                        .col(CommissionPlanCategories::PlanId)
                        .col(CommissionPlanCategories::CategoryId),
                )
                .foreign_key(&mut fk(
                    (
                        CommissionPlanCategories::Table,
                        CommissionPlanCategories::PlanId,
                    ),
                    (CommissionPlans::Table, CommissionPlans::Id),
                ))
                .foreign_key(&mut fk(
                    (
                        CommissionPlanCategories::Table,
                        CommissionPlanCategories::CategoryId,
                    ),
                    (Categories::Table, Categories::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(CommissionPlanPartners::Table)
                .col(string(CommissionPlanPartners::PlanId))
                .col(string(CommissionPlanPartners::PartnerId))
                .col(string(CommissionPlanPartners::TenantId))
                .primary_key(
                    Index::create()
                        .col(CommissionPlanPartners::PlanId)
                        .col(CommissionPlanPartners::PartnerId),
                )
                .foreign_key(&mut fk(
                    (
                        CommissionPlanPartners::Table,
                        CommissionPlanPartners::PlanId,
                    ),
                    (CommissionPlans::Table, CommissionPlans::Id),
                ))
                .foreign_key(&mut fk(
                    (
                        CommissionPlanPartners::Table,
                        CommissionPlanPartners::PartnerId,
                    ),
                    (Partners::Table, Partners::Id),
                ))
                .to_owned(),
        )
        .await
}

async fn deals(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Deals::Table)
                .col(string(Deals::Id).primary_key())
                .col(string(Deals::TenantId))
                .col(string(Deals::ExternalId))
                .col(string(Deals::PartnerId))
                .col(string(Deals::CampaignId))
                .col(string(Deals::Name))
                .col(big_integer(Deals::AmountMinor))
                .col(string_len(Deals::Currency, 3))
                .col(string(Deals::StageId))
                .col(string_null(Deals::LeadCreatorId))
                .col(string_null(Deals::OwnerId))
                .col(integer(Deals::ReachedPosition))
                .col(integer(Deals::PaymentCount))
                .col(integer(Deals::TermsVersion))
                .col(text(Deals::Payload))
                .col(timestamp_with_time_zone(Deals::CreatedAt))
                .col(timestamp_with_time_zone(Deals::UpdatedAt))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::PartnerId),
                    (Partners::Table, Partners::Id),
                ))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::CampaignId),
                    (Campaigns::Table, Campaigns::Id),
                ))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::StageId),
                    (DealStages::Table, DealStages::Id),
                ))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::LeadCreatorId),
                    (Contacts::Table, Contacts::Id),
                ))
                .foreign_key(&mut fk(
                    (Deals::Table, Deals::OwnerId),
                    (Contacts::Table, Contacts::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "uq_deals_external_id",
        Deals::Table,
        &["tenant_id", "external_id"],
        true,
    )
    .await?;
    index(
        manager,
        "ix_deals_partner",
        Deals::Table,
        &["partner_id", "id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_deals_stage",
        Deals::Table,
        &["tenant_id", "stage_id", "id"],
        false,
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(DealFieldValues::Table)
                .col(string(DealFieldValues::DealId))
                .col(string(DealFieldValues::CustomFieldId))
                .col(string(DealFieldValues::OptionId))
                .col(string(DealFieldValues::TenantId))
                .primary_key(
                    Index::create()
                        .col(DealFieldValues::DealId)
                        .col(DealFieldValues::CustomFieldId),
                )
                .foreign_key(&mut fk(
                    (DealFieldValues::Table, DealFieldValues::DealId),
                    (Deals::Table, Deals::Id),
                ))
                .foreign_key(&mut fk(
                    (DealFieldValues::Table, DealFieldValues::CustomFieldId),
                    (CustomFields::Table, CustomFields::Id),
                ))
                .foreign_key(&mut fk(
                    (DealFieldValues::Table, DealFieldValues::OptionId),
                    (CustomFieldOptions::Table, CustomFieldOptions::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DealStagesReached::Table)
                .col(string(DealStagesReached::DealId))
                .col(string(DealStagesReached::StageId))
                .col(string(DealStagesReached::TenantId))
                .col(integer(DealStagesReached::PaymentsBefore))
                .col(string(DealStagesReached::EventId))
                .col(timestamp_with_time_zone(DealStagesReached::ReachedAt))
                .primary_key(
                    Index::create()
                        .col(DealStagesReached::DealId)
                        .col(DealStagesReached::StageId),
                )
                .foreign_key(&mut fk(
                    (DealStagesReached::Table, DealStagesReached::DealId),
                    (Deals::Table, Deals::Id),
                ))
                .foreign_key(&mut fk(
                    (DealStagesReached::Table, DealStagesReached::StageId),
                    (DealStages::Table, DealStages::Id),
                ))
                .foreign_key(&mut fk(
                    (DealStagesReached::Table, DealStagesReached::EventId),
                    (Events::Table, Events::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DealTermVersions::Table)
                .col(string(DealTermVersions::DealId))
                .col(integer(DealTermVersions::Version))
                .col(string(DealTermVersions::TenantId))
                .col(text_null(DealTermVersions::Note))
                .col(string(DealTermVersions::CreatedBy))
                .col(timestamp_with_time_zone(DealTermVersions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(DealTermVersions::DealId)
                        .col(DealTermVersions::Version),
                )
                .foreign_key(&mut fk(
                    (DealTermVersions::Table, DealTermVersions::DealId),
                    (Deals::Table, Deals::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DealTerms::Table)
                .col(string(DealTerms::Id).primary_key())
                .col(string(DealTerms::TenantId))
                .col(string(DealTerms::DealId))
                .col(integer(DealTerms::Version))
                .col(string(DealTerms::PlanId))
                .col(json_binary(DealTerms::Plan))
                .col(string(DealTerms::MatchedBy))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(DealTerms::Table, (DealTerms::DealId, DealTerms::Version))
                        .to(
                            DealTermVersions::Table,
                            (DealTermVersions::DealId, DealTermVersions::Version),
                        )
                        .to_owned(),
                )
                .foreign_key(&mut fk(
                    (DealTerms::Table, DealTerms::PlanId),
                    (CommissionPlans::Table, CommissionPlans::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "uq_deal_terms",
        DealTerms::Table,
        &["deal_id", "version", "plan_id"],
        true,
    )
    .await
}

/// The ledger's links to deals. PostgreSQL adds them as foreign keys;
/// SQLite cannot add a foreign key to an existing table (nor later drop a
/// column that has one), so there the same references are enforced by
/// triggers.
async fn ledger(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let statements: &[&str] = match conn.get_database_backend() {
        DbBackend::Postgres => &[
            "ALTER TABLE events ADD COLUMN deal_id varchar REFERENCES deals (id), \
             ADD COLUMN stage_id varchar REFERENCES deal_stages (id)",
            "ALTER TABLE commissions ADD COLUMN plan_id varchar REFERENCES commission_plans (id), \
             ADD COLUMN recipient_id varchar REFERENCES contacts (id), \
             ADD COLUMN deal_id varchar REFERENCES deals (id), \
             ADD COLUMN recipient_pending boolean NOT NULL DEFAULT false",
            "ALTER TABLE payouts ADD COLUMN recipient_id varchar REFERENCES contacts (id)",
        ],
        _ => SQLITE_COLUMNS,
    };
    for statement in statements {
        conn.execute_unprepared(statement).await?;
    }
    index(
        manager,
        "ix_events_deal",
        Events::Table,
        &["deal_id", "id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_commissions_deal",
        Commissions::Table,
        &["deal_id", "id"],
        false,
    )
    .await
}

const SQLITE_COLUMNS: &[&str] = &[
    "ALTER TABLE events ADD COLUMN deal_id varchar",
    "ALTER TABLE events ADD COLUMN stage_id varchar",
    "ALTER TABLE commissions ADD COLUMN plan_id varchar",
    "ALTER TABLE commissions ADD COLUMN recipient_id varchar",
    "ALTER TABLE commissions ADD COLUMN deal_id varchar",
    "ALTER TABLE commissions ADD COLUMN recipient_pending boolean NOT NULL DEFAULT false",
    "ALTER TABLE payouts ADD COLUMN recipient_id varchar",
    "CREATE TRIGGER events_deal_references BEFORE INSERT ON events \
     WHEN (NEW.deal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deals WHERE id = NEW.deal_id)) \
       OR (NEW.stage_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deal_stages WHERE id = NEW.stage_id)) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER commissions_deal_references BEFORE INSERT ON commissions \
     WHEN (NEW.plan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commission_plans WHERE id = NEW.plan_id)) \
       OR (NEW.deal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deals WHERE id = NEW.deal_id)) \
       OR (NEW.recipient_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.recipient_id)) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER commissions_recipient_reference BEFORE UPDATE OF recipient_id ON commissions \
     WHEN NEW.recipient_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.recipient_id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER payouts_recipient_reference BEFORE INSERT ON payouts \
     WHEN NEW.recipient_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.recipient_id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
];

/// The immutability rule as migration 000002 wrote it, restored by `down`.
const SQLITE_TRIGGER_BEFORE: &str = "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event and accrual time are immutable'); END";

const POSTGRES_TRIGGER_BEFORE: &str = "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event and accrual time are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$";

//! Campaigns, enrollment, commission snapshots, customers, events, the
//! commission ledger with its transition history, payouts and refunds.
//!
//! The ledger's immutability is the database's own rule: triggers on both
//! backends refuse an update of a commission's amount, currency, partner,
//! campaign, event or accrual time, any delete of a commission, and any update
//! or delete of a transition.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
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
    TenantId,
    Name,
    Description,
    Status,
    Currency,
    Rules,
    HoldbackDays,
    Visibility,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PartnershipRequests {
    Table,
    Id,
    TenantId,
    PartnerId,
    CampaignId,
    Status,
    Reason,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    TenantId,
    PartnerId,
    CampaignId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnerCommissions {
    Table,
    Id,
    TenantId,
    PartnerId,
    CampaignId,
    Rules,
    HoldbackDays,
    Source,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    TenantId,
    PartnerId,
    ExternalId,
    Currency,
    AcquiredAt,
    NetMinor,
    ThresholdBonusPaid,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    TenantId,
    ExternalId,
    PartnerId,
    CampaignId,
    CustomerId,
    Kind,
    AmountMinor,
    Currency,
    OccurredAt,
    RevenueMinor,
    Metadata,
    Payload,
    RefundedMinor,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Commissions {
    Table,
    Id,
    TenantId,
    PartnerId,
    CampaignId,
    EventId,
    SnapshotId,
    Kind,
    AmountMinor,
    Currency,
    Status,
    Breakdown,
    RulesSource,
    OriginalId,
    AccruedAt,
    RecordedAt,
    HoldbackDays,
    MatureAt,
    ApprovedAt,
    PaidAt,
    ReversedAt,
    ReversalReason,
    ReversalNote,
    PayoutId,
}

#[derive(DeriveIden)]
enum CommissionTransitions {
    Table,
    Id,
    TenantId,
    CommissionId,
    FromStatus,
    ToStatus,
    Reason,
    Note,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum Payouts {
    Table,
    Id,
    TenantId,
    PartnerId,
    Currency,
    AmountMinor,
    Reference,
    CommissionCount,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    TenantId,
    EventId,
    AmountMinor,
    Currency,
    Reason,
    Note,
    CreatedAt,
}

fn tenant_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Tenants::Table, Tenants::Id)
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

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event and accrual time are immutable'); END",
    "CREATE TRIGGER commissions_never_deleted BEFORE DELETE ON commissions \
     BEGIN SELECT RAISE(ABORT, 'commissions are never deleted'); END",
    "CREATE TRIGGER commission_transitions_append_only_update BEFORE UPDATE ON commission_transitions \
     BEGIN SELECT RAISE(ABORT, 'commission history is append-only'); END",
    "CREATE TRIGGER commission_transitions_append_only_delete BEFORE DELETE ON commission_transitions \
     BEGIN SELECT RAISE(ABORT, 'commission history is append-only'); END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event and accrual time are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER commissions_immutable BEFORE UPDATE OR DELETE ON commissions \
     FOR EACH ROW EXECUTE FUNCTION revshare_commissions_immutable()",
    "CREATE TRIGGER commissions_never_truncated BEFORE TRUNCATE ON commissions \
     FOR EACH STATEMENT EXECUTE FUNCTION revshare_commissions_immutable()",
    "CREATE FUNCTION revshare_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'commission history is append-only'; END $$",
    "CREATE TRIGGER commission_transitions_append_only BEFORE UPDATE OR DELETE ON commission_transitions \
     FOR EACH ROW EXECUTE FUNCTION revshare_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(string(Campaigns::Id).primary_key())
                    .col(string(Campaigns::TenantId))
                    .col(string(Campaigns::Name))
                    .col(text_null(Campaigns::Description))
                    .col(string(Campaigns::Status))
                    .col(string_len(Campaigns::Currency, 3))
                    .col(json_binary_null(Campaigns::Rules))
                    .col(integer_null(Campaigns::HoldbackDays))
                    .col(string(Campaigns::Visibility))
                    .col(boolean(Campaigns::IsDefault))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .foreign_key(&mut tenant_fk(Campaigns::Table, Campaigns::TenantId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_campaigns_tenant",
            Campaigns::Table,
            &["tenant_id", "id"],
            false,
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_campaigns_default ON campaigns (tenant_id) WHERE is_default",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnershipRequests::Table)
                    .col(string(PartnershipRequests::Id).primary_key())
                    .col(string(PartnershipRequests::TenantId))
                    .col(string(PartnershipRequests::PartnerId))
                    .col(string(PartnershipRequests::CampaignId))
                    .col(string(PartnershipRequests::Status))
                    .col(text_null(PartnershipRequests::Reason))
                    .col(timestamp_with_time_zone(PartnershipRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        PartnershipRequests::DecidedAt,
                    ))
                    .foreign_key(&mut tenant_fk(
                        PartnershipRequests::Table,
                        PartnershipRequests::TenantId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnershipRequests::Table, PartnershipRequests::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnershipRequests::Table, PartnershipRequests::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_partnership_requests_partner",
            PartnershipRequests::Table,
            &["partner_id", "id"],
            false,
        )
        .await?;
        // A partner has at most one pending request per campaign.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_partnership_requests_pending \
                 ON partnership_requests (partner_id, campaign_id) WHERE status = 'PENDING'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enrollments::Table)
                    .col(string(Enrollments::Id).primary_key())
                    .col(string(Enrollments::TenantId))
                    .col(string(Enrollments::PartnerId))
                    .col(string(Enrollments::CampaignId))
                    .col(string(Enrollments::Source))
                    .col(timestamp_with_time_zone(Enrollments::CreatedAt))
                    .foreign_key(&mut tenant_fk(Enrollments::Table, Enrollments::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enrollments::Table, Enrollments::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enrollments::Table, Enrollments::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_enrollments",
            Enrollments::Table,
            &["partner_id", "campaign_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerCommissions::Table)
                    .col(string(PartnerCommissions::Id).primary_key())
                    .col(string(PartnerCommissions::TenantId))
                    .col(string(PartnerCommissions::PartnerId))
                    .col(string(PartnerCommissions::CampaignId))
                    .col(json_binary_null(PartnerCommissions::Rules))
                    .col(integer_null(PartnerCommissions::HoldbackDays))
                    .col(string(PartnerCommissions::Source))
                    .col(text_null(PartnerCommissions::Note))
                    .col(string(PartnerCommissions::CreatedBy))
                    .col(timestamp_with_time_zone(PartnerCommissions::CreatedAt))
                    .foreign_key(&mut tenant_fk(
                        PartnerCommissions::Table,
                        PartnerCommissions::TenantId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerCommissions::Table, PartnerCommissions::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerCommissions::Table, PartnerCommissions::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_partner_commissions_terms",
            PartnerCommissions::Table,
            &["partner_id", "campaign_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(string(Customers::Id).primary_key())
                    .col(string(Customers::TenantId))
                    .col(string(Customers::PartnerId))
                    .col(string(Customers::ExternalId))
                    .col(string_len(Customers::Currency, 3))
                    .col(timestamp_with_time_zone(Customers::AcquiredAt))
                    .col(big_integer(Customers::NetMinor))
                    .col(boolean(Customers::ThresholdBonusPaid))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .foreign_key(&mut tenant_fk(Customers::Table, Customers::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Customers::Table, Customers::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_customers",
            Customers::Table,
            &["tenant_id", "partner_id", "external_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_customers_partner",
            Customers::Table,
            &["partner_id", "currency"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(string(Events::Id).primary_key())
                    .col(string(Events::TenantId))
                    .col(string(Events::ExternalId))
                    .col(string(Events::PartnerId))
                    .col(string(Events::CampaignId))
                    .col(string_null(Events::CustomerId))
                    .col(string(Events::Kind))
                    .col(big_integer(Events::AmountMinor))
                    .col(string_len(Events::Currency, 3))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(big_integer_null(Events::RevenueMinor))
                    .col(json_binary_null(Events::Metadata))
                    .col(text(Events::Payload))
                    .col(big_integer(Events::RefundedMinor))
                    .col(timestamp_with_time_zone(Events::RecordedAt))
                    .foreign_key(&mut tenant_fk(Events::Table, Events::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_events_external_id",
            Events::Table,
            &["tenant_id", "external_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_events_partner",
            Events::Table,
            &["partner_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payouts::Table)
                    .col(string(Payouts::Id).primary_key())
                    .col(string(Payouts::TenantId))
                    .col(string(Payouts::PartnerId))
                    .col(string_len(Payouts::Currency, 3))
                    .col(big_integer(Payouts::AmountMinor))
                    .col(string(Payouts::Reference))
                    .col(integer(Payouts::CommissionCount))
                    .col(string(Payouts::CreatedBy))
                    .col(timestamp_with_time_zone(Payouts::CreatedAt))
                    .foreign_key(&mut tenant_fk(Payouts::Table, Payouts::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payouts::Table, Payouts::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_payouts_partner",
            Payouts::Table,
            &["partner_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Commissions::Table)
                    .col(string(Commissions::Id).primary_key())
                    .col(string(Commissions::TenantId))
                    .col(string(Commissions::PartnerId))
                    .col(string(Commissions::CampaignId))
                    .col(string(Commissions::EventId))
                    .col(string_null(Commissions::SnapshotId))
                    .col(string(Commissions::Kind))
                    .col(big_integer(Commissions::AmountMinor))
                    .col(string_len(Commissions::Currency, 3))
                    .col(string(Commissions::Status))
                    .col(json_binary(Commissions::Breakdown))
                    .col(string(Commissions::RulesSource))
                    .col(string_null(Commissions::OriginalId))
                    .col(timestamp_with_time_zone(Commissions::AccruedAt))
                    .col(timestamp_with_time_zone(Commissions::RecordedAt))
                    .col(integer_null(Commissions::HoldbackDays))
                    .col(timestamp_with_time_zone_null(Commissions::MatureAt))
                    .col(timestamp_with_time_zone_null(Commissions::ApprovedAt))
                    .col(timestamp_with_time_zone_null(Commissions::PaidAt))
                    .col(timestamp_with_time_zone_null(Commissions::ReversedAt))
                    .col(string_null(Commissions::ReversalReason))
                    .col(text_null(Commissions::ReversalNote))
                    .col(string_null(Commissions::PayoutId))
                    .foreign_key(&mut tenant_fk(Commissions::Table, Commissions::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commissions::Table, Commissions::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commissions::Table, Commissions::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commissions::Table, Commissions::EventId)
                            .to(Events::Table, Events::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commissions::Table, Commissions::SnapshotId)
                            .to(PartnerCommissions::Table, PartnerCommissions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commissions::Table, Commissions::PayoutId)
                            .to(Payouts::Table, Payouts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_commissions_tenant",
            Commissions::Table,
            &["tenant_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_commissions_partner",
            Commissions::Table,
            &["partner_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_commissions_event",
            Commissions::Table,
            &["event_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_commissions_maturity",
            Commissions::Table,
            &["status", "mature_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CommissionTransitions::Table)
                    .col(string(CommissionTransitions::Id).primary_key())
                    .col(string(CommissionTransitions::TenantId))
                    .col(string(CommissionTransitions::CommissionId))
                    .col(string_null(CommissionTransitions::FromStatus))
                    .col(string(CommissionTransitions::ToStatus))
                    .col(string_null(CommissionTransitions::Reason))
                    .col(text_null(CommissionTransitions::Note))
                    .col(string(CommissionTransitions::Actor))
                    .col(timestamp_with_time_zone(CommissionTransitions::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CommissionTransitions::Table,
                                CommissionTransitions::CommissionId,
                            )
                            .to(Commissions::Table, Commissions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_commission_transitions_commission",
            CommissionTransitions::Table,
            &["commission_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(string(Refunds::Id).primary_key())
                    .col(string(Refunds::TenantId))
                    .col(string(Refunds::EventId))
                    .col(big_integer(Refunds::AmountMinor))
                    .col(string_len(Refunds::Currency, 3))
                    .col(string(Refunds::Reason))
                    .col(text_null(Refunds::Note))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Refunds::Table, Refunds::EventId)
                            .to(Events::Table, Events::Id),
                    )
                    .to_owned(),
            )
            .await?;

        let conn = manager.get_connection();
        let triggers = match conn.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        for trigger in triggers {
            conn.execute_unprepared(trigger).await?;
        }

        // Every existing tenant gets its default campaign (new tenants get
        // one when they are created).
        let backend = conn.get_database_backend();
        let tenants = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, currency FROM tenants",
            ))
            .await?;
        for row in tenants {
            let tenant: String = row.try_get("", "id")?;
            let currency: String = row.try_get("", "currency")?;
            let now = chrono::Utc::now();
            let insert = Query::insert()
                .into_table(Campaigns::Table)
                .columns([
                    Campaigns::Id,
                    Campaigns::TenantId,
                    Campaigns::Name,
                    Campaigns::Status,
                    Campaigns::Currency,
                    Campaigns::Visibility,
                    Campaigns::IsDefault,
                    Campaigns::CreatedAt,
                    Campaigns::UpdatedAt,
                ])
                .values_panic([
                    ulid::Ulid::new().to_string().into(),
                    tenant.into(),
                    "Default campaign".into(),
                    "ACTIVE".into(),
                    currency.into(),
                    "INVITE_ONLY".into(),
                    true.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared(
                "DROP TABLE commission_transitions, refunds, commissions CASCADE",
            )
            .await?;
            conn.execute_unprepared(
                "DROP FUNCTION IF EXISTS revshare_commissions_immutable, revshare_append_only",
            )
            .await?;
        } else {
            for table in ["commission_transitions", "refunds", "commissions"] {
                conn.execute_unprepared(&format!("DROP TABLE {table}"))
                    .await?;
            }
        }
        for table in [
            PartnerCommissions::Table.into_iden(),
            Enrollments::Table.into_iden(),
            PartnershipRequests::Table.into_iden(),
            Payouts::Table.into_iden(),
            Events::Table.into_iden(),
            Customers::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

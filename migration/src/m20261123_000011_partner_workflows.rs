//! Partner workflows (SPEC §14): deals a partner registers, deals that
//! change and close, stages that mark a win, and a history of changes.
//!
//! - `deals.registration` (`NOT_REQUIRED` for deals the tenant creates;
//!   `PENDING`, `APPROVED` or `REJECTED` for those a partner registers) with
//!   its reason, the company registered, the partner's notes;
//!   `deals.status` (`OPEN`, `WON`, `LOST`) with the reason it was lost; an
//!   expected close date.
//! - A company domain is worked by one deal at a time: a partial unique
//!   index over the deals that still hold theirs (not lost, not rejected),
//!   so two registrations racing for one domain cannot both be kept.
//! - `deal_stages.is_won`: reaching such a stage wins the deal;
//!   `deal_stages.archived_at`, `contacts.archived_at`: out of use.
//! - `changes`: who changed which field of a deal or partner, from what to
//!   what, and when.
//! - `commission_plans.currency`: a plan's fixed values pay deals in that
//!   currency only; existing plans get their tenant's.
//! - `tiered_commissions.bonus`: paid once when a partner first reaches the
//!   tier in a period (a decimal string, in the campaign's currency);
//!   `tiered_commissions.promote_to_group_id`: the group a partner moves
//!   into when it first reaches the tier.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str, date: &str) -> Vec<String> {
    vec![
        "ALTER TABLE deals ADD COLUMN registration varchar NOT NULL DEFAULT 'NOT_REQUIRED'".into(),
        "ALTER TABLE deals ADD COLUMN registration_reason varchar".into(),
        "ALTER TABLE deals ADD COLUMN company_name varchar".into(),
        "ALTER TABLE deals ADD COLUMN company_domain varchar".into(),
        "ALTER TABLE deals ADD COLUMN notes varchar".into(),
        "ALTER TABLE deals ADD COLUMN status varchar NOT NULL DEFAULT 'OPEN'".into(),
        "ALTER TABLE deals ADD COLUMN lost_reason varchar".into(),
        format!("ALTER TABLE deals ADD COLUMN expected_close_date {date}"),
        "ALTER TABLE deal_stages ADD COLUMN is_won boolean NOT NULL DEFAULT false".into(),
        format!("ALTER TABLE deal_stages ADD COLUMN archived_at {timestamp}"),
        format!("ALTER TABLE contacts ADD COLUMN archived_at {timestamp}"),
        "CREATE UNIQUE INDEX ux_deals_company_domain ON deals (tenant_id, company_domain) \
         WHERE company_domain IS NOT NULL AND status <> 'LOST' AND registration <> 'REJECTED'"
            .into(),
        "CREATE INDEX ix_deals_tenant_registration ON deals (tenant_id, registration, id)".into(),
        format!(
            "CREATE TABLE changes ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               subject_id varchar NOT NULL, \
               field varchar NOT NULL, \
               from_value varchar, \
               to_value varchar, \
               actor varchar NOT NULL, \
               at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX ix_changes_subject ON changes (subject_id, id)".into(),
        "ALTER TABLE commission_plans ADD COLUMN currency varchar(3) NOT NULL DEFAULT ''".into(),
        "ALTER TABLE tiered_commissions ADD COLUMN bonus varchar".into(),
        "ALTER TABLE tiered_commissions ADD COLUMN promote_to_group_id varchar \
         REFERENCES partner_groups (id)"
            .into(),
        "UPDATE commission_plans SET currency = \
         (SELECT t.currency FROM tenants t WHERE t.id = commission_plans.tenant_id)"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "ALTER TABLE tiered_commissions DROP COLUMN promote_to_group_id",
    "ALTER TABLE tiered_commissions DROP COLUMN bonus",
    "ALTER TABLE commission_plans DROP COLUMN currency",
    "DROP TABLE changes",
    "DROP INDEX ix_deals_tenant_registration",
    "DROP INDEX ux_deals_company_domain",
    "ALTER TABLE contacts DROP COLUMN archived_at",
    "ALTER TABLE deal_stages DROP COLUMN archived_at",
    "ALTER TABLE deal_stages DROP COLUMN is_won",
    "ALTER TABLE deals DROP COLUMN expected_close_date",
    "ALTER TABLE deals DROP COLUMN lost_reason",
    "ALTER TABLE deals DROP COLUMN status",
    "ALTER TABLE deals DROP COLUMN notes",
    "ALTER TABLE deals DROP COLUMN company_domain",
    "ALTER TABLE deals DROP COLUMN company_name",
    "ALTER TABLE deals DROP COLUMN registration_reason",
    "ALTER TABLE deals DROP COLUMN registration",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (timestamp, date) = match manager.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", "date"),
            _ => ("timestamp_with_timezone_text", "date_text"),
        };
        for sql in up_statements(timestamp, date) {
            conn.execute_unprepared(&sql).await?;
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

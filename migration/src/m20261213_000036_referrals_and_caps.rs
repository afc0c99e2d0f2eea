//! Partners who bring partners, and spend caps (SPEC §31).
//!
//! - `partners.referred_by`: the partner that recruited it (one level);
//!   `referral_started_at`: its first commission, from which a referral
//!   rule's `maxMonths` counts; `referral_threshold_at`: when its
//!   commissions reached its referrer's threshold (paid once);
//! - `partner_applications.referred_by`: the partner whose code or link
//!   sent the applicant to the join page (`?via=`), its referrer once it
//!   is approved;
//! - `partner_groups.referral`: the group's referral rule (JSON; none:
//!   its partners earn nothing on their recruits);
//! - `partner_groups.cap`, `campaigns.cap`: a spend cap (JSON; none: no cap);
//! - a referral commission exists once per commission it came from
//!   (`uq_referrals`); a partner's commissions of a period are summed
//!   where a cap reads them rather than the rollups — a cap per partner
//!   and customer, a backtest's start (`ix_commissions_earned`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        "ALTER TABLE partners ADD COLUMN referred_by varchar NULL".into(),
        format!("ALTER TABLE partners ADD COLUMN referral_started_at {timestamp} NULL"),
        format!("ALTER TABLE partners ADD COLUMN referral_threshold_at {timestamp} NULL"),
        "CREATE INDEX partners_referred_by ON partners (referred_by, id)".into(),
        "ALTER TABLE partner_applications ADD COLUMN referred_by varchar NULL".into(),
        "ALTER TABLE partner_groups ADD COLUMN referral varchar NULL".into(),
        "ALTER TABLE partner_groups ADD COLUMN cap varchar NULL".into(),
        "ALTER TABLE campaigns ADD COLUMN cap varchar NULL".into(),
        "CREATE UNIQUE INDEX uq_referrals ON commissions (original_id) WHERE kind = 'REFERRAL'"
            .into(),
        "CREATE INDEX ix_commissions_earned ON commissions (partner_id, currency, accrued_at)"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP INDEX ix_commissions_earned",
    "DROP INDEX uq_referrals",
    "ALTER TABLE campaigns DROP COLUMN cap",
    "ALTER TABLE partner_groups DROP COLUMN cap",
    "ALTER TABLE partner_groups DROP COLUMN referral",
    "ALTER TABLE partner_applications DROP COLUMN referred_by",
    "DROP INDEX partners_referred_by",
    "ALTER TABLE partners DROP COLUMN referral_threshold_at",
    "ALTER TABLE partners DROP COLUMN referral_started_at",
    "ALTER TABLE partners DROP COLUMN referred_by",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match manager.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up_statements(timestamp) {
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

//! Fraud (SPEC §21): signals, holds and a review queue.
//!
//! - `fraud_rules`: what a tenant does about each signal (`OFF`, `FLAG`,
//!   `HOLD`) and its threshold; no row: the signal's default.
//! - `fraud_flags`: one a signal raised, on a partner and (for the
//!   signals a customer's evidence raises) a customer, or a click; `scope`
//!   says what a `HOLD` holds. While a flag is open no second flag of the
//!   same signal and subject is written (a partial unique index), so a
//!   redelivery raises nothing new.
//! - `fraud_flag_commissions`: the commissions a flag names, and whether
//!   it holds each (not one a payout had taken already).
//! - `portal_sessions.ip_hash`: the keyed hash of the address a partner
//!   signed in to its portal from, kept 30 days (`SELF_REFERRAL_IP`).
//! - `clicks` by address and time: the clicks of one address in a day
//!   (`CLICK_SPAM`).
//! - `payout_methods.account_key`: the account as compared (the IBAN, or
//!   the PayPal address normalised), for `SHARED_PAYOUT_ACCOUNT`; the
//!   methods set before are keyed by their lower-cased value.
//! - `campaigns.allow_paid_ads`: `false` flags clicks from paid ads.
//!
//! A commission is held while an open `HOLD` flag names it, or covers its
//! partner (`PARTNER`) or its customer (`CUSTOMER`) and it is not approved
//! yet: holds are read, not written on the ledger's rows, so recording a
//! sale pays nothing for them. `fraud_flags_holding` serves that read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(t: &str) -> Vec<String> {
    vec![
        "CREATE TABLE fraud_rules (
           tenant_id varchar NOT NULL REFERENCES tenants (id),
           signal text NOT NULL,
           action text NOT NULL,
           threshold text NULL,
           PRIMARY KEY (tenant_id, signal)
         )"
        .into(),
        format!(
            "CREATE TABLE fraud_flags (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               signal text NOT NULL,
               action text NOT NULL,
               scope text NOT NULL,
               partner_id varchar NOT NULL REFERENCES partners (id),
               customer_external_id text NULL,
               click_id varchar NULL,
               subject_key text NOT NULL,
               details text NOT NULL,
               status text NOT NULL,
               created_at {t} NOT NULL,
               decided_at {t} NULL,
               decided_by text NULL,
               note text NULL
             )"
        ),
        "CREATE UNIQUE INDEX fraud_flags_open ON fraud_flags (tenant_id, signal, partner_id, subject_key) WHERE status = 'OPEN'"
            .into(),
        "CREATE INDEX fraud_flags_list ON fraud_flags (tenant_id, status, id)".into(),
        "CREATE INDEX fraud_flags_holding ON fraud_flags (partner_id, status, action)".into(),
        "CREATE TABLE fraud_flag_commissions (
           flag_id varchar NOT NULL REFERENCES fraud_flags (id),
           commission_id varchar NOT NULL REFERENCES commissions (id),
           held boolean NOT NULL,
           PRIMARY KEY (flag_id, commission_id)
         )"
        .into(),
        "CREATE INDEX fraud_flag_commissions_commission ON fraud_flag_commissions (commission_id)"
            .into(),
        "ALTER TABLE portal_sessions ADD COLUMN ip_hash text NULL".into(),
        "CREATE INDEX portal_sessions_partner ON portal_sessions (partner_id, started_at)".into(),
        "CREATE INDEX ix_clicks_ip ON clicks (ip_hash, created_at)".into(),
        "ALTER TABLE payout_methods ADD COLUMN account_key text NULL".into(),
        "UPDATE payout_methods SET account_key = lower(COALESCE(iban, paypal_email))".into(),
        "CREATE INDEX payout_methods_account ON payout_methods (tenant_id, account_key)".into(),
        "ALTER TABLE campaigns ADD COLUMN allow_paid_ads boolean NOT NULL DEFAULT true".into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP INDEX payout_methods_account",
    "ALTER TABLE payout_methods DROP COLUMN account_key",
    "DROP INDEX ix_clicks_ip",
    "DROP INDEX portal_sessions_partner",
    "ALTER TABLE campaigns DROP COLUMN allow_paid_ads",
    "ALTER TABLE portal_sessions DROP COLUMN ip_hash",
    "DROP TABLE fraud_flag_commissions",
    "DROP TABLE fraud_flags",
    "DROP TABLE fraud_rules",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match conn.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up(timestamp) {
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

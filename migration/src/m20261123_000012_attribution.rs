//! Attribution (SPEC §15): referral codes, clicks, customers tied to the
//! partner who brought them, and sales held until their customer is.
//!
//! - `campaigns.landing_url` (where a referral link lands) and
//!   `campaigns.attribution_window_days` (90 unless set); `tenants.click_key`,
//!   the key a visitor's IP is hashed with (made at the tenant's first click).
//! - `referral_codes`: a partner's code in a campaign, unique per tenant in
//!   lower case; its billing system's coupon, unique per tenant (compared
//!   in lower case, kept as given); counters of clicks and customers.
//! - `clicks`: one per visit of a referral link, the visitor's IP only as a
//!   keyed hash.
//! - `attributions`: the tenant's customers by their `externalId` (one row
//!   each: the first attribution wins), with the partner and campaign they
//!   are tied to and how. (`customers` is each partner's history of a
//!   customer, which the engine reads.)
//! - `unattributed_events`: sales and leads that named only a customer
//!   nobody had attributed, under their `externalId`, with the payload
//!   they were sent with, what was refunded of them while held;
//!   `accrued_at` once accrued (as an event under the
//!   same `externalId`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        "ALTER TABLE campaigns ADD COLUMN landing_url varchar".into(),
        "ALTER TABLE tenants ADD COLUMN click_key varchar".into(),
        "ALTER TABLE campaigns ADD COLUMN attribution_window_days integer NOT NULL DEFAULT 90"
            .into(),
        format!(
            "CREATE TABLE referral_codes ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               campaign_id varchar NOT NULL REFERENCES campaigns (id), \
               code varchar NOT NULL, \
               coupon_code varchar, \
               coupon_key varchar, \
               clicks bigint NOT NULL DEFAULT 0, \
               customers bigint NOT NULL DEFAULT 0, \
               created_at {timestamp} NOT NULL, \
               archived_at {timestamp})"
        ),
        "CREATE UNIQUE INDEX ux_referral_codes_code ON referral_codes (tenant_id, code)".into(),
        "CREATE UNIQUE INDEX ux_referral_codes_coupon ON referral_codes (tenant_id, coupon_key) \
         WHERE coupon_key IS NOT NULL"
            .into(),
        "CREATE INDEX ix_referral_codes_partner ON referral_codes (partner_id, id)".into(),
        format!(
            "CREATE TABLE clicks ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               referral_code_id varchar NOT NULL REFERENCES referral_codes (id), \
               landing_url varchar, \
               user_agent varchar, \
               ip_hash varchar, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX ix_clicks_code ON clicks (referral_code_id, id)".into(),
        format!(
            "CREATE TABLE attributions ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               customer_external_id varchar NOT NULL, \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               campaign_id varchar NOT NULL REFERENCES campaigns (id), \
               source varchar NOT NULL, \
               click_id varchar REFERENCES clicks (id), \
               referral_code_id varchar REFERENCES referral_codes (id), \
               email varchar, \
               attributed_at {timestamp} NOT NULL, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE UNIQUE INDEX ux_attributions_customer ON attributions \
         (tenant_id, customer_external_id)"
            .into(),
        "CREATE INDEX ix_attributions_partner ON attributions (tenant_id, partner_id, id)".into(),
        format!(
            "CREATE TABLE unattributed_events ( \
               id varchar PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               external_id varchar NOT NULL, \
               customer_external_id varchar NOT NULL, \
               kind varchar NOT NULL, \
               amount_minor bigint NOT NULL, \
               currency varchar(3) NOT NULL, \
               occurred_at {timestamp} NOT NULL, \
               source varchar NOT NULL, \
               payload text NOT NULL, \
               refunded_minor bigint NOT NULL DEFAULT 0, \
               recorded_at {timestamp} NOT NULL, \
               accrued_at {timestamp})"
        ),
        "CREATE UNIQUE INDEX ux_unattributed_events_external_id ON unattributed_events \
         (tenant_id, external_id)"
            .into(),
        "CREATE INDEX ix_unattributed_events_customer ON unattributed_events \
         (tenant_id, customer_external_id, occurred_at)"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TABLE unattributed_events",
    "DROP TABLE attributions",
    "DROP TABLE clicks",
    "DROP TABLE referral_codes",
    "ALTER TABLE campaigns DROP COLUMN attribution_window_days",
    "ALTER TABLE campaigns DROP COLUMN landing_url",
    "ALTER TABLE tenants DROP COLUMN click_key",
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

//! Year-end tax forms (SPEC §29): what a 1099-NEC needs and the payments it
//! counts.
//!
//! - `tax_profiles` gain a W-9 in full: legal and business name, federal
//!   tax classification, address (JSON), consent to electronic delivery,
//!   and `tin_key`, the keyed hash of its TIN that makes partners sharing
//!   a TIN one payee; a W-8 says whether the services were performed
//!   outside the US, and `expiry_noticed_for` is the last valid day its
//!   partner was told of, 30 days before;
//! - `tenants` gain the payer (`tax_payer`, JSON, its EIN sealed), the
//!   reporting settings (methods a TPSO reports, thresholds by year, as
//!   JSON) and whether payouts withhold backup withholding, and
//!   `payouts.withheld_minor` what a payout withheld (it sends the rest);
//! - `tax_payments`: every payment, as made (a payout paid, a transfer
//!   reversed, an imported commission paid at its source, one entered by
//!   hand), in the calendar year of its day in the tenant's time zone;
//! - `tax_totals`: the same summed per year, partner, currency and method,
//!   with the payee each belongs to, so that a year reads its payees
//!   without reading its payments;
//! - `tax_years`: a year issued, and when;
//! - `tax_forms`: each form made, frozen as issued (the payer, the
//!   recipient, the boxes), a correction beside the form it corrects.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    let mut statements: Vec<String> = [
        "tax_profiles ADD COLUMN legal_name varchar NULL",
        "tax_profiles ADD COLUMN business_name varchar NULL",
        "tax_profiles ADD COLUMN classification varchar NULL",
        "tax_profiles ADD COLUMN address varchar NULL",
        "tax_profiles ADD COLUMN tin_key varchar NULL",
        "tax_profiles ADD COLUMN services_outside_us boolean NULL",
        "tax_profiles ADD COLUMN expiry_noticed_for date NULL",
        "tenants ADD COLUMN tax_payer varchar NULL",
        "tenants ADD COLUMN tax_excluded_methods varchar NULL",
        "tenants ADD COLUMN tax_thresholds varchar NULL",
        "tenants ADD COLUMN backup_withholding boolean NOT NULL DEFAULT false",
        "payouts ADD COLUMN withheld_minor bigint NOT NULL DEFAULT 0",
    ]
    .iter()
    .map(|change| format!("ALTER TABLE {change}"))
    .collect();
    statements.extend([
        format!("ALTER TABLE tax_profiles ADD COLUMN electronic_delivery_at {timestamp} NULL"),
        format!(
            "CREATE TABLE tax_payments ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               year integer NOT NULL, \
               paid_on date NOT NULL, \
               amount_minor bigint NOT NULL, \
               currency varchar NOT NULL, \
               method varchar NOT NULL, \
               withheld_minor bigint NOT NULL DEFAULT 0, \
               source varchar NOT NULL, \
               source_id varchar NULL, \
               note varchar NULL, \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX tax_payments_of ON tax_payments (tenant_id, partner_id, year)".into(),
        "CREATE TABLE tax_totals ( \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           year integer NOT NULL, \
           partner_id varchar NOT NULL REFERENCES partners (id), \
           currency varchar NOT NULL, \
           method varchar NOT NULL, \
           payee_key varchar NOT NULL, \
           amount_minor bigint NOT NULL, \
           withheld_minor bigint NOT NULL, \
           PRIMARY KEY (tenant_id, year, partner_id, currency, method))"
            .into(),
        "CREATE INDEX tax_totals_by_payee ON tax_totals (tenant_id, year, payee_key)".into(),
        "CREATE INDEX tax_totals_of_partner ON tax_totals (tenant_id, partner_id)".into(),
        format!(
            "CREATE TABLE tax_years ( \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               year integer NOT NULL, \
               issued_at {timestamp} NOT NULL, \
               issued_by varchar NOT NULL, \
               PRIMARY KEY (tenant_id, year))"
        ),
        format!(
            "CREATE TABLE tax_forms ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               year integer NOT NULL, \
               payee_key varchar NOT NULL, \
               partner_ids varchar NOT NULL, \
               payer varchar NOT NULL, \
               name varchar NOT NULL, \
               business_name varchar NULL, \
               individual boolean NOT NULL, \
               tin_type varchar NULL, \
               tin_sealed varchar NULL, \
               tin_last4 varchar NULL, \
               address varchar NULL, \
               box1_minor bigint NOT NULL, \
               box4_minor bigint NOT NULL, \
               corrected boolean NOT NULL, \
               corrects_id varchar NULL, \
               electronic boolean NOT NULL, \
               issued_at {timestamp} NOT NULL, \
               issued_by varchar NOT NULL)"
        ),
        "CREATE INDEX tax_forms_of_year ON tax_forms (tenant_id, year, payee_key)".into(),
    ]);
    statements
}

const DOWN: &[&str] = &[
    "DROP TABLE tax_forms",
    "DROP TABLE tax_years",
    "DROP TABLE tax_totals",
    "DROP TABLE tax_payments",
    "ALTER TABLE tax_profiles DROP COLUMN electronic_delivery_at",
    "ALTER TABLE payouts DROP COLUMN withheld_minor",
    "ALTER TABLE tenants DROP COLUMN backup_withholding",
    "ALTER TABLE tenants DROP COLUMN tax_thresholds",
    "ALTER TABLE tenants DROP COLUMN tax_excluded_methods",
    "ALTER TABLE tenants DROP COLUMN tax_payer",
    "ALTER TABLE tax_profiles DROP COLUMN expiry_noticed_for",
    "ALTER TABLE tax_profiles DROP COLUMN services_outside_us",
    "ALTER TABLE tax_profiles DROP COLUMN tin_key",
    "ALTER TABLE tax_profiles DROP COLUMN address",
    "ALTER TABLE tax_profiles DROP COLUMN classification",
    "ALTER TABLE tax_profiles DROP COLUMN business_name",
    "ALTER TABLE tax_profiles DROP COLUMN legal_name",
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

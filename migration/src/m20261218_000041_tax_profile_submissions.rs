//! Every tax profile a partner submits is kept (SPEC §29): a submission
//! never replaces an approved profile until staff decide that submission.
//!
//! - `tax_profile_submissions`: each submission as it was sent, with its
//!   own status and decision;
//! - `tax_profiles.submission_id`: which submission the profile in force
//!   is. Each existing profile becomes its own first submission here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns a submission shares with the profile in force.
const COLUMNS: &str = "partner_id, tenant_id, form, status, country, tax_id_sealed, \
    tax_id_last4, tin_type, signed_on, submitted_at, decided_at, decided_by, reason, \
    legal_name, business_name, classification, address, tin_key, services_outside_us, \
    electronic_delivery_at, expiry_noticed_for";

fn create(timestamp: &str) -> String {
    format!(
        "CREATE TABLE tax_profile_submissions ( \
           id varchar NOT NULL PRIMARY KEY, \
           partner_id varchar NOT NULL REFERENCES partners (id), \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           form varchar NOT NULL, \
           status varchar NOT NULL, \
           country varchar NOT NULL, \
           tax_id_sealed varchar NOT NULL, \
           tax_id_last4 varchar NOT NULL, \
           tin_type varchar NULL, \
           signed_on date NULL, \
           submitted_at {timestamp} NOT NULL, \
           decided_at {timestamp} NULL, \
           decided_by varchar NULL, \
           reason varchar NULL, \
           legal_name varchar NULL, \
           business_name varchar NULL, \
           classification varchar NULL, \
           address varchar NULL, \
           tin_key varchar NULL, \
           services_outside_us boolean NULL, \
           electronic_delivery_at {timestamp} NULL, \
           expiry_noticed_for date NULL)"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let timestamp = match backend {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        conn.execute_unprepared(&create(timestamp)).await?;
        conn.execute_unprepared(
            "CREATE INDEX tax_profile_submissions_of ON tax_profile_submissions \
             (tenant_id, partner_id, submitted_at)",
        )
        .await?;
        conn.execute_unprepared("ALTER TABLE tax_profiles ADD COLUMN submission_id varchar NULL")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX tax_profiles_by_tin ON tax_profiles (tenant_id, tin_key)",
        )
        .await?;
        let partners = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT partner_id FROM tax_profiles ORDER BY partner_id",
            ))
            .await?;
        for row in partners {
            let partner: String = row.try_get("", "partner_id")?;
            let id = ulid::Ulid::new().to_string();
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => format!(
                        "INSERT INTO tax_profile_submissions (id, {COLUMNS}) \
                         SELECT $1, {COLUMNS} FROM tax_profiles WHERE partner_id = $2"
                    ),
                    _ => format!(
                        "INSERT INTO tax_profile_submissions (id, {COLUMNS}) \
                         SELECT ?, {COLUMNS} FROM tax_profiles WHERE partner_id = ?"
                    ),
                },
                [id.clone().into(), partner.clone().into()],
            ))
            .await?;
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "UPDATE tax_profiles SET submission_id = $1 WHERE partner_id = $2"
                    }
                    _ => "UPDATE tax_profiles SET submission_id = ? WHERE partner_id = ?",
                },
                [id.into(), partner.into()],
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "DROP INDEX tax_profiles_by_tin",
            "ALTER TABLE tax_profiles DROP COLUMN submission_id",
            "DROP TABLE tax_profile_submissions",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

//! Partner links (SPEC §30): short links on the tenant's own domains, and
//! what each click tells.
//!
//! - `partner_groups.link_settings`: the group's destination, allowed
//!   domains, most links a partner, the parameter and UTM values (JSON;
//!   none: the defaults);
//! - `link_domains`: the hosts a tenant's short links answer on, each
//!   host one tenant's;
//! - `partner_links`: a partner's short link, one per referral code (the
//!   code's text is the link's key, so every code, imported ones too, is
//!   a short link), with its own URL and its counted clicks; existing
//!   codes are given theirs here;
//! - `link_visits`: who visited a link in an hour (a keyed hash of address
//!   and user agent), so that a click is counted once per link, visitor
//!   and hour — kept two hours;
//! - `link_stats`: counted clicks summed per link, day (the tenant's),
//!   dimension and value, so that stats read rollups, never clicks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        "ALTER TABLE partner_groups ADD COLUMN link_settings varchar NULL".into(),
        format!(
            "CREATE TABLE link_domains ( \
               host varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX link_domains_of ON link_domains (tenant_id)".into(),
        format!(
            "CREATE TABLE partner_links ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               referral_code_id varchar NOT NULL REFERENCES referral_codes (id), \
               link_key varchar NOT NULL, \
               url varchar NULL, \
               clicks bigint NOT NULL DEFAULT 0, \
               created_at {timestamp} NOT NULL, \
               archived_at {timestamp} NULL)"
        ),
        "CREATE UNIQUE INDEX ux_partner_links_code ON partner_links (referral_code_id)".into(),
        "CREATE UNIQUE INDEX ux_partner_links_key ON partner_links (tenant_id, link_key)".into(),
        "CREATE INDEX partner_links_of ON partner_links (tenant_id, partner_id, id)".into(),
        "CREATE TABLE link_visits ( \
           link_id varchar NOT NULL, \
           visitor varchar NOT NULL, \
           hour bigint NOT NULL, \
           PRIMARY KEY (link_id, visitor, hour))"
            .into(),
        "CREATE INDEX link_visits_by_hour ON link_visits (hour)".into(),
        "CREATE TABLE link_stats ( \
           tenant_id varchar NOT NULL, \
           partner_id varchar NOT NULL, \
           link_id varchar NOT NULL, \
           day date NOT NULL, \
           dimension varchar NOT NULL, \
           value varchar NOT NULL, \
           clicks bigint NOT NULL, \
           PRIMARY KEY (link_id, dimension, day, value))"
            .into(),
        "CREATE INDEX link_stats_of_partner ON link_stats (tenant_id, partner_id, dimension, day)"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TABLE link_stats",
    "DROP TABLE link_visits",
    "DROP TABLE partner_links",
    "DROP TABLE link_domains",
    "ALTER TABLE partner_groups DROP COLUMN link_settings",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let timestamp = match backend {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up_statements(timestamp) {
            conn.execute_unprepared(&sql).await?;
        }
        // Every code already made is a link with its own text as the key.
        let codes = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, tenant_id, partner_id, code, created_at, archived_at \
                 FROM referral_codes ORDER BY id",
            ))
            .await?;
        for chunk in codes.chunks(500) {
            let mut insert = Query::insert();
            insert.into_table(Alias::new("partner_links")).columns(
                [
                    "id",
                    "tenant_id",
                    "partner_id",
                    "referral_code_id",
                    "link_key",
                    "created_at",
                    "archived_at",
                ]
                .map(Alias::new),
            );
            for row in chunk {
                let id: String = row.try_get("", "id")?;
                let tenant: String = row.try_get("", "tenant_id")?;
                let partner: String = row.try_get("", "partner_id")?;
                let code: String = row.try_get("", "code")?;
                let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
                let archived: Option<chrono::DateTime<chrono::Utc>> =
                    row.try_get("", "archived_at")?;
                insert.values_panic([
                    ulid::Ulid::new().to_string().into(),
                    tenant.into(),
                    partner.into(),
                    id.into(),
                    code.into(),
                    created.into(),
                    archived.into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
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

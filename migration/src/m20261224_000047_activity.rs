//! One activity log for every actor (SPEC §34).
//!
//! - `activity`: one entry per change — who (kind, id, name), what action,
//!   on what object (and which partner it is about), each changed field
//!   before and after (JSON), the request id and IP — written in the
//!   transaction of its change. Never changed; deleted only a whole day at
//!   a time and only before the tenant's retention cutoff: the database
//!   refuses anything else (`activity_kept`, as the ledger's rows).
//! - `activity_cutoffs`: per tenant, the first day the log still keeps
//!   (midnight UTC); it only moves forward.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE activity ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               at {timestamp} NOT NULL, \
               actor_kind varchar NOT NULL, \
               actor_id varchar NOT NULL, \
               actor_name varchar NOT NULL, \
               action varchar NOT NULL, \
               object_kind varchar NULL, \
               object_id varchar NULL, \
               partner_id varchar NULL, \
               changes text NOT NULL, \
               request_id varchar NULL, \
               ip varchar NULL, \
               reason varchar NULL)"
        ),
        "CREATE INDEX activity_by_tenant ON activity (tenant_id, id)".to_owned(),
        "CREATE INDEX activity_by_object ON activity (tenant_id, object_id, id)".to_owned(),
        "CREATE INDEX activity_by_partner ON activity (tenant_id, partner_id, id)".to_owned(),
        "CREATE INDEX activity_by_actor ON activity (tenant_id, actor_id, id)".to_owned(),
        format!(
            "CREATE TABLE activity_cutoffs ( \
               tenant_id varchar NOT NULL PRIMARY KEY REFERENCES tenants (id), \
               keeps_from {timestamp} NOT NULL)"
        ),
    ]
}

/// An entry never changes; one is deleted only when it is older than its
/// tenant's cutoff, which only moves forward to a midnight.
const SQLITE_KEPT: &[&str] = &[
    "CREATE TRIGGER activity_immutable BEFORE UPDATE ON activity \
     BEGIN SELECT RAISE(ABORT, 'an activity entry never changes'); END",
    "CREATE TRIGGER activity_kept BEFORE DELETE ON activity \
     WHEN NOT EXISTS (SELECT 1 FROM activity_cutoffs c \
       WHERE c.tenant_id = OLD.tenant_id AND OLD.at < c.keeps_from) \
     BEGIN SELECT RAISE(ABORT, 'an activity entry is deleted only with its whole day, past retention'); END",
    "CREATE TRIGGER activity_cutoff_forward BEFORE UPDATE ON activity_cutoffs \
     WHEN NEW.keeps_from < OLD.keeps_from OR NEW.tenant_id <> OLD.tenant_id \
     BEGIN SELECT RAISE(ABORT, 'the activity cutoff only moves forward'); END",
    "CREATE TRIGGER activity_cutoff_kept BEFORE DELETE ON activity_cutoffs \
     BEGIN SELECT RAISE(ABORT, 'the activity cutoff only moves forward'); END",
];

const POSTGRES_KEPT: &[&str] = &[
    "CREATE FUNCTION revshare_activity_kept() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'an activity entry never changes'; END IF; \
       IF TG_OP = 'TRUNCATE' OR NOT EXISTS (SELECT 1 FROM activity_cutoffs c \
            WHERE c.tenant_id = OLD.tenant_id AND OLD.at < c.keeps_from) THEN \
         RAISE EXCEPTION 'an activity entry is deleted only with its whole day, past retention'; \
       END IF; \
       RETURN OLD; \
     END $$",
    "CREATE TRIGGER activity_kept BEFORE UPDATE OR DELETE ON activity \
     FOR EACH ROW EXECUTE FUNCTION revshare_activity_kept()",
    "CREATE TRIGGER activity_truncate BEFORE TRUNCATE ON activity \
     FOR EACH STATEMENT EXECUTE FUNCTION revshare_activity_kept()",
    "CREATE FUNCTION revshare_activity_cutoff_forward() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP <> 'UPDATE' OR NEW.keeps_from < OLD.keeps_from OR NEW.tenant_id <> OLD.tenant_id THEN \
         RAISE EXCEPTION 'the activity cutoff only moves forward'; \
       END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER activity_cutoff_forward BEFORE UPDATE OR DELETE ON activity_cutoffs \
     FOR EACH ROW EXECUTE FUNCTION revshare_activity_cutoff_forward()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS activity_cutoff_forward ON activity_cutoffs",
    "DROP FUNCTION IF EXISTS revshare_activity_cutoff_forward()",
    "DROP TRIGGER IF EXISTS activity_truncate ON activity",
    "DROP TRIGGER IF EXISTS activity_kept ON activity",
    "DROP FUNCTION IF EXISTS revshare_activity_kept()",
    "DROP TABLE activity_cutoffs",
    "DROP TABLE activity",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (timestamp, kept) = match manager.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", POSTGRES_KEPT),
            _ => ("timestamp_with_timezone_text", SQLITE_KEPT),
        };
        for sql in up_statements(timestamp) {
            conn.execute_unprepared(&sql).await?;
        }
        for sql in kept {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for sql in DOWN {
            // SQLite drops a table's triggers with it.
            if sql.starts_with("DROP TRIGGER") || sql.starts_with("DROP FUNCTION") {
                if postgres {
                    conn.execute_unprepared(sql).await?;
                }
                continue;
            }
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

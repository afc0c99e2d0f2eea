//! An activity cutoff is retention's alone (SPEC §34): the delete that
//! `activity_kept` lets through is only as good as the cutoff it trusts,
//! and one `INSERT INTO activity_cutoffs` of a day to come let every
//! entry go.
//!
//! A cutoff is taken (inserted, or moved on) only when it is a midnight,
//! UTC, that has passed, and an entry of retention's — action
//! `activityRetention`, actor `SYSTEM`, of the same tenant, written at or
//! after that midnight — says the log keeps entries from that day
//! (`keepsFrom`). Retention writes that entry first, in the transaction
//! that moves the cutoff; anything else that would move one must leave
//! such an entry in the log, where no cutoff it names can reach it, and
//! can never reach today's entries.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether `NEW` is a cutoff retention said (SQLite), for the triggers'
/// `WHEN NOT (…)`.
const SQLITE_SAID: &str = r#"julianday(NEW.keeps_from) IS NOT NULL
     AND julianday(NEW.keeps_from) = julianday(date(NEW.keeps_from))
     AND julianday(NEW.keeps_from) <= julianday('now')
     AND EXISTS (SELECT 1 FROM activity a
       WHERE a.tenant_id = NEW.tenant_id
         AND a.action = 'activityRetention'
         AND a.actor_kind = 'SYSTEM'
         AND julianday(a.at) >= julianday(NEW.keeps_from)
         AND a.changes LIKE ('%"field":"keepsFrom"%"after":"' || date(NEW.keeps_from) || 'T00:00:00%'))"#;

fn sqlite_up() -> Vec<String> {
    ["INSERT", "UPDATE"]
        .into_iter()
        .map(|op| {
            format!(
                "CREATE TRIGGER activity_cutoff_said_{} BEFORE {op} ON activity_cutoffs \
                 WHEN NOT ({SQLITE_SAID}) \
                 BEGIN SELECT RAISE(ABORT, 'an activity cutoff is a past midnight named first by an entry of retention'); END",
                op.to_ascii_lowercase()
            )
        })
        .collect()
}

const POSTGRES_UP: &[&str] = &[
    r#"CREATE FUNCTION revshare_activity_cutoff_said() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.keeps_from <> (date_trunc('day', NEW.keeps_from AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
          OR NEW.keeps_from > now()
          OR NOT EXISTS (SELECT 1 FROM activity a
               WHERE a.tenant_id = NEW.tenant_id
                 AND a.action = 'activityRetention'
                 AND a.actor_kind = 'SYSTEM'
                 AND a.at >= NEW.keeps_from
                 AND a.changes LIKE ('%"field":"keepsFrom"%"after":"'
                   || to_char(NEW.keeps_from AT TIME ZONE 'UTC', 'YYYY-MM-DD') || 'T00:00:00%')) THEN
         RAISE EXCEPTION 'an activity cutoff is a past midnight named first by an entry of retention';
       END IF;
       RETURN NEW;
     END $$"#,
    "CREATE TRIGGER activity_cutoff_said BEFORE INSERT OR UPDATE ON activity_cutoffs \
     FOR EACH ROW EXECUTE FUNCTION revshare_activity_cutoff_said()",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS activity_cutoff_said_insert",
    "DROP TRIGGER IF EXISTS activity_cutoff_said_update",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS activity_cutoff_said ON activity_cutoffs",
    "DROP FUNCTION IF EXISTS revshare_activity_cutoff_said()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let statements: Vec<String> = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP.iter().map(|s| (*s).to_owned()).collect(),
            _ => sqlite_up(),
        };
        for sql in statements {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        for sql in statements {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

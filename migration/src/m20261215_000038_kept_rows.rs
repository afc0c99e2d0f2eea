//! Partner groups and campaigns are kept in memory by every replica
//! (`src/db/kept.rs`): on PostgreSQL a statement-level trigger on each
//! notifies `revshare_kept` when a transaction that changed it commits, and
//! every replica listening drops what it kept. SQLite has one replica,
//! which sees its own writes: nothing to add there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION revshare_notify_kept() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       PERFORM pg_notify('revshare_kept', ''); \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER partner_groups_kept AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
     ON partner_groups FOR EACH STATEMENT EXECUTE FUNCTION revshare_notify_kept()",
    "CREATE TRIGGER campaigns_kept AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
     ON campaigns FOR EACH STATEMENT EXECUTE FUNCTION revshare_notify_kept()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER campaigns_kept ON campaigns",
    "DROP TRIGGER partner_groups_kept ON partner_groups",
    "DROP FUNCTION revshare_notify_kept()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_DOWN).await
    }
}

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let conn = manager.get_connection();
    for sql in statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
}

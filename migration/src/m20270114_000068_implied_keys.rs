//! PostgreSQL: the foreign keys of `commissions` and `events` that another
//! key of the same row already implies are dropped, so that each sale runs
//! seven referential checks fewer (a fifth of PostgreSQL's time on a
//! batch of sales, measured at 1,000,000 commissions; docs/BENCHMARKS.md).
//!
//! Nothing is lost: every column they checked is non-null, and
//! - a commission's `(event_id, tenant_id, partner_id, campaign_id)` must
//!   be its event's (`fk_commissions_event_keys`), so its event exists and
//!   its partner, campaign and tenant are the event's;
//! - an event's `(partner_id, tenant_id)` must be a partner's
//!   (`fk_events_partner_tenant`) and its `(campaign_id, tenant_id)` a
//!   campaign's (`fk_events_campaign_tenant`), so they exist, and so does
//!   the tenant both belong to.
//!
//! The keys dropped were all `NO ACTION`: no delete cascaded through them.
//! SQLite keeps its keys (its checks are cheap, and changing one means
//! rebuilding the table).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The implied keys: their table, name, column and the table referenced.
const IMPLIED: [(&str, &str, &str, &str); 7] = [
    (
        "commissions",
        "commissions_event_id_fkey",
        "event_id",
        "events",
    ),
    (
        "commissions",
        "commissions_partner_id_fkey",
        "partner_id",
        "partners",
    ),
    (
        "commissions",
        "commissions_campaign_id_fkey",
        "campaign_id",
        "campaigns",
    ),
    (
        "commissions",
        "commissions_tenant_id_fkey",
        "tenant_id",
        "tenants",
    ),
    ("events", "events_partner_id_fkey", "partner_id", "partners"),
    (
        "events",
        "events_campaign_id_fkey",
        "campaign_id",
        "campaigns",
    ),
    ("events", "events_tenant_id_fkey", "tenant_id", "tenants"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, key, _, _) in IMPLIED {
            conn.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {key}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, key, column, referenced) in IMPLIED {
            conn.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT {key} FOREIGN KEY ({column}) \
                 REFERENCES {referenced} (id)"
            ))
            .await?;
        }
        Ok(())
    }
}

//! The ledger's keys say which rows belong together, enforced by the
//! database: a commission's tenant, partner and campaign are its event's
//! (`commissions (event_id, tenant_id, partner_id, campaign_id)` references
//! the same four columns of `events`), and an event's partner and campaign
//! are of its tenant (`events (partner_id, tenant_id)` and `(campaign_id,
//! tenant_id)` reference `partners` and `campaigns`). The single-column keys
//! stay: the links are the ledger's audit trail.
//!
//! PostgreSQL gets the keys themselves (and the unique constraints they
//! need). SQLite cannot add a foreign key to an existing table, so there
//! triggers enforce the same: a row is inserted only beside the rows that
//! agree with it, and keys do not change under the rows that name them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE partners ADD CONSTRAINT uq_partners_tenant UNIQUE (id, tenant_id)",
    "ALTER TABLE campaigns ADD CONSTRAINT uq_campaigns_tenant UNIQUE (id, tenant_id)",
    "ALTER TABLE events ADD CONSTRAINT fk_events_partner_tenant \
     FOREIGN KEY (partner_id, tenant_id) REFERENCES partners (id, tenant_id)",
    "ALTER TABLE events ADD CONSTRAINT fk_events_campaign_tenant \
     FOREIGN KEY (campaign_id, tenant_id) REFERENCES campaigns (id, tenant_id)",
    "ALTER TABLE events ADD CONSTRAINT uq_events_keys UNIQUE (id, tenant_id, partner_id, campaign_id)",
    "ALTER TABLE commissions ADD CONSTRAINT fk_commissions_event_keys \
     FOREIGN KEY (event_id, tenant_id, partner_id, campaign_id) \
     REFERENCES events (id, tenant_id, partner_id, campaign_id)",
];

const POSTGRES_DOWN: &[&str] = &[
    "ALTER TABLE commissions DROP CONSTRAINT fk_commissions_event_keys",
    "ALTER TABLE events DROP CONSTRAINT uq_events_keys",
    "ALTER TABLE events DROP CONSTRAINT fk_events_campaign_tenant",
    "ALTER TABLE events DROP CONSTRAINT fk_events_partner_tenant",
    "ALTER TABLE campaigns DROP CONSTRAINT uq_campaigns_tenant",
    "ALTER TABLE partners DROP CONSTRAINT uq_partners_tenant",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER events_tenant_keys BEFORE INSERT ON events \
     WHEN NOT EXISTS (SELECT 1 FROM partners WHERE id = NEW.partner_id AND tenant_id = NEW.tenant_id) \
       OR NOT EXISTS (SELECT 1 FROM campaigns WHERE id = NEW.campaign_id AND tenant_id = NEW.tenant_id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER partners_tenant_referenced BEFORE UPDATE OF id, tenant_id ON partners \
     WHEN (NEW.id IS NOT OLD.id OR NEW.tenant_id IS NOT OLD.tenant_id) \
       AND EXISTS (SELECT 1 FROM events WHERE partner_id = OLD.id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER campaigns_tenant_referenced BEFORE UPDATE OF id, tenant_id ON campaigns \
     WHEN (NEW.id IS NOT OLD.id OR NEW.tenant_id IS NOT OLD.tenant_id) \
       AND EXISTS (SELECT 1 FROM events WHERE campaign_id = OLD.id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER commissions_event_keys BEFORE INSERT ON commissions \
     WHEN NOT EXISTS (SELECT 1 FROM events WHERE id = NEW.event_id AND tenant_id = NEW.tenant_id \
       AND partner_id = NEW.partner_id AND campaign_id = NEW.campaign_id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "CREATE TRIGGER events_keys_referenced BEFORE UPDATE OF id, tenant_id, partner_id, campaign_id ON events \
     WHEN (NEW.id IS NOT OLD.id OR NEW.tenant_id IS NOT OLD.tenant_id \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id) \
       AND EXISTS (SELECT 1 FROM commissions WHERE event_id = OLD.id) \
     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER events_tenant_keys",
    "DROP TRIGGER partners_tenant_referenced",
    "DROP TRIGGER campaigns_tenant_referenced",
    "DROP TRIGGER commissions_event_keys",
    "DROP TRIGGER events_keys_referenced",
];

async fn run(manager: &SchemaManager<'_>, postgres: &[&str], sqlite: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let statements = match conn.get_database_backend() {
        DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    for statement in statements {
        conn.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}

//! What a billing connector keeps of each delivery, and what it learns
//! from the provider (SPEC §15, hardening round 4).
//!
//! - `connector_events.status` replaces `ignored`: `DONE`, `IGNORED`, or
//!   `WAITING` — a refund or dispute of a charge not linked to any invoice
//!   yet (Stripe does not order its events, and from API version
//!   2025-03-31 a charge no longer names its invoice). A waiting delivery
//!   keeps its object (`payload`) and is applied, once, when the link
//!   arrives. `reason` says why a delivery was ignored or waits, in words
//!   staff can act on.
//! - `connector_waits`: the keys (a charge's id, its payment intent's) a
//!   waiting delivery waits for.
//! - `connector_promotion_codes`: a Stripe promotion code's id (`promo_…`)
//!   and the code a customer types, learned from `promotion_code.*`
//!   events, since checkouts name only the id.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE connector_events ADD COLUMN status varchar NOT NULL DEFAULT 'DONE'",
    "ALTER TABLE connector_events ADD COLUMN reason text NULL",
    "ALTER TABLE connector_events ADD COLUMN payload text NULL",
    "UPDATE connector_events SET status = 'IGNORED' WHERE ignored",
    "ALTER TABLE connector_events DROP COLUMN ignored",
    "CREATE INDEX ix_connector_events_listing \
       ON connector_events (tenant_id, provider, received_at, event_id)",
    "CREATE TABLE connector_waits ( \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       provider varchar NOT NULL, \
       key varchar NOT NULL, \
       event_id varchar NOT NULL, \
       PRIMARY KEY (tenant_id, provider, key, event_id))",
    "CREATE TABLE connector_promotion_codes ( \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       provider varchar NOT NULL, \
       promotion_id varchar NOT NULL, \
       code varchar NOT NULL, \
       PRIMARY KEY (tenant_id, provider, promotion_id))",
];

const DOWN: &[&str] = &[
    "DROP TABLE connector_promotion_codes",
    "DROP TABLE connector_waits",
    "DROP INDEX ix_connector_events_listing",
    "ALTER TABLE connector_events ADD COLUMN ignored boolean NOT NULL DEFAULT false",
    "UPDATE connector_events SET ignored = (status = 'IGNORED')",
    "ALTER TABLE connector_events DROP COLUMN payload",
    "ALTER TABLE connector_events DROP COLUMN reason",
    "ALTER TABLE connector_events DROP COLUMN status",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in UP {
            conn.execute_unprepared(sql).await?;
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

//! What reacts to a sale — the workflows whose metric it reaches and the
//! performance bounties it wins — leaves the sale's transaction (SPEC
//! §35): it is derived after the sale commits from the
//! `COMMISSION_CREATED` events the ledger writes with every commission,
//! by a cursor per tenant (`reaction_cursors`), as the commission e-mails
//! are.
//!
//! Until now every sale ran its reactions in its own transaction, so every
//! event logged before this migration has been reacted to already: each
//! tenant's cursor starts at the end of its log. A tenant made later
//! starts at the start of its own.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE TABLE reaction_cursors (
       tenant_id varchar NOT NULL PRIMARY KEY REFERENCES tenants (id),
       cursor_xid bigint NOT NULL,
       cursor_seq bigint NOT NULL
     )",
    "INSERT INTO reaction_cursors (tenant_id, cursor_xid, cursor_seq)
     SELECT t.id,
       COALESCE((SELECT d.xid FROM domain_events d WHERE d.tenant_id = t.id
                 ORDER BY d.xid DESC, d.seq DESC LIMIT 1), 0),
       COALESCE((SELECT d.seq FROM domain_events d WHERE d.tenant_id = t.id
                 ORDER BY d.xid DESC, d.seq DESC LIMIT 1), 0)
     FROM tenants t",
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
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE reaction_cursors")
            .await?;
        Ok(())
    }
}

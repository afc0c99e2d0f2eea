//! A broadcast sends in batches (SPEC §35): the transaction that claims
//! it keeps its audience as resolved then (`broadcast_recipients`, one
//! row per partner still to be written), and each batch writes a few
//! hundred of those partners' messages, deletes their rows and advances
//! `broadcasts.sent_through` (the last partner written, by id) on the
//! condition that it is still where the batch found it — so a batch is
//! written once however many senders race, and a sender stopped midway
//! is followed by the next from where it stopped.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE TABLE broadcast_recipients ( \
       broadcast_id varchar NOT NULL REFERENCES broadcasts (id), \
       partner_id varchar NOT NULL, \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       PRIMARY KEY (broadcast_id, partner_id))",
    "ALTER TABLE broadcasts ADD COLUMN sent_through varchar NULL",
];

const DOWN: &[&str] = &[
    "ALTER TABLE broadcasts DROP COLUMN sent_through",
    "DROP TABLE broadcast_recipients",
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

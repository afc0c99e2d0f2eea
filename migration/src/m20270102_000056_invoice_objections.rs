//! A partner objects to a self-billed invoice (SPEC §33b): the document
//! stays as issued (it is corrected by a credit note and a new invoice),
//! and each objection is kept beside it — who, when and why — for the
//! staff to read in the console.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match manager.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        conn.execute_unprepared(&format!(
            "CREATE TABLE invoice_objections ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               invoice_id varchar NOT NULL REFERENCES invoices (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               reason varchar NOT NULL, \
               created_at {timestamp} NOT NULL)"
        ))
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX invoice_objections_of ON invoice_objections (tenant_id, invoice_id, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE invoice_objections")
            .await?;
        Ok(())
    }
}

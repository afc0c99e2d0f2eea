//! Talking to partners (SPEC §35).
//!
//! - `messages`: one thread per partner, every message in it, `STAFF` or
//!   `PARTNER`; `read_at` is when the other side read it, `mailed_at` when
//!   it went out by e-mail (at once or in a digest), so it never goes
//!   twice; a broadcast's or a workflow's message names it, and a
//!   broadcast reaches each partner once (`ux_broadcast_messages`);
//! - `broadcasts`: a message to an audience (`audience`, JSON), now or at
//!   `send_at`, resolved once when it sends: `recipients` then;
//! - `workflows`: a trigger (`trigger_kind`, `trigger` JSON) for the
//!   partners of `group_ids` (JSON; empty: every group) and the actions it
//!   takes (`actions`, JSON);
//! - `workflow_runs`: a workflow acted on a partner, with each action's
//!   outcome; once per workflow and partner (`ux_workflow_runs`), whatever
//!   is retried or raced;
//! - the partner's preference for messages by e-mail (`partner_mail`), and
//!   the program's for its staff (`tenants.staff_message_mail`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE broadcasts ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               subject varchar NOT NULL, \
               body varchar NOT NULL, \
               audience varchar NOT NULL, \
               status varchar NOT NULL, \
               send_at {timestamp} NULL, \
               sent_at {timestamp} NULL, \
               recipients integer NULL, \
               delivered integer NOT NULL, \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL, \
               canceled_at {timestamp} NULL)"
        ),
        "CREATE INDEX broadcasts_of ON broadcasts (tenant_id, id)".into(),
        "CREATE INDEX broadcasts_due ON broadcasts (status, send_at)".into(),
        format!(
            "CREATE TABLE workflows ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               name varchar NOT NULL, \
               group_ids varchar NOT NULL, \
               trigger_kind varchar NOT NULL, \
               trigger varchar NOT NULL, \
               actions varchar NOT NULL, \
               enabled boolean NOT NULL, \
               created_by varchar NOT NULL, \
               created_at {timestamp} NOT NULL, \
               updated_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX workflows_of ON workflows (tenant_id, trigger_kind, enabled)".into(),
        format!(
            "CREATE TABLE workflow_runs ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               workflow_id varchar NOT NULL REFERENCES workflows (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               outcomes varchar NOT NULL, \
               ran_at {timestamp} NOT NULL)"
        ),
        "CREATE UNIQUE INDEX ux_workflow_runs ON workflow_runs (workflow_id, partner_id)".into(),
        format!(
            "CREATE TABLE messages ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               sender varchar NOT NULL, \
               author varchar NOT NULL, \
               body varchar NOT NULL, \
               broadcast_id varchar NULL REFERENCES broadcasts (id), \
               workflow_id varchar NULL REFERENCES workflows (id), \
               sent_at {timestamp} NOT NULL, \
               read_at {timestamp} NULL, \
               mailed_at {timestamp} NULL)"
        ),
        "CREATE INDEX messages_of ON messages (partner_id, id)".into(),
        "CREATE INDEX messages_unread ON messages (tenant_id, sender, read_at)".into(),
        "CREATE INDEX messages_to_mail ON messages (tenant_id, mailed_at, read_at)".into(),
        "CREATE UNIQUE INDEX ux_broadcast_messages ON messages (broadcast_id, partner_id) \
         WHERE broadcast_id IS NOT NULL"
            .into(),
        "ALTER TABLE partner_mail ADD COLUMN messages varchar NOT NULL DEFAULT 'IMMEDIATE'".into(),
        "ALTER TABLE tenants ADD COLUMN staff_message_mail varchar NOT NULL DEFAULT 'IMMEDIATE'"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "ALTER TABLE tenants DROP COLUMN staff_message_mail",
    "ALTER TABLE partner_mail DROP COLUMN messages",
    "DROP TABLE messages",
    "DROP TABLE workflow_runs",
    "DROP TABLE workflows",
    "DROP TABLE broadcasts",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match manager.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up_statements(timestamp) {
            conn.execute_unprepared(&sql).await?;
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

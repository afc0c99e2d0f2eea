//! Partners who join by themselves, and the e-mail that tells them (SPEC
//! §20): the e-mail outbox, each partner's e-mail preferences, the
//! applications strangers send, and the campaign's application settings.
//!
//! - `emails`: one row a message, written in the transaction that caused
//!   it; `data` holds the values its template is drawn from (it is
//!   rendered when read or sent, in the program's current look), and
//!   `dedupe_key` makes a message that one cause sends once (a payout's,
//!   a decision's, a day's digest) unique. The indexes only some rows need
//!   are partial, so the ledger's commission e-mails (no key, no anonymous
//!   caller) do not pay for them. `in_flight` marks
//!   an attempt handed to the SMTP server and not yet recorded:
//!   `next_attempt_at` is then its lease.
//! - `partner_mail`: what a partner wants to be e-mailed, and the address
//!   that bounced permanently (notifications to it are suppressed until
//!   the partner's address differs).
//! - `partner_applications`: the stranger's form, its confirmation code's
//!   hash, the keyed hash of the address it came from (for the hourly
//!   limit), and the decision.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up(timestamp: &str) -> Vec<String> {
    let t = timestamp;
    vec![
        format!(
            "CREATE TABLE emails (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               partner_id varchar NULL REFERENCES partners (id),
               kind text NOT NULL,
               to_address text NOT NULL,
               data text NOT NULL,
               status text NOT NULL,
               attempts integer NOT NULL DEFAULT 0,
               in_flight boolean NOT NULL DEFAULT false,
               next_attempt_at {t} NULL,
               last_error text NULL,
               dedupe_key text NULL,
               unsubscribe_code text NULL,
               requested_by text NULL,
               created_at {t} NOT NULL,
               sent_at {t} NULL
             )"
        ),
        "CREATE UNIQUE INDEX emails_dedupe ON emails (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL"
            .into(),
        "CREATE INDEX emails_due ON emails (status, next_attempt_at)".into(),
        "CREATE UNIQUE INDEX emails_unsubscribe ON emails (unsubscribe_code)".into(),
        "CREATE INDEX emails_list ON emails (tenant_id, id)".into(),
        "CREATE INDEX emails_to ON emails (tenant_id, kind, created_at)".into(),
        "CREATE INDEX emails_requested_by ON emails (tenant_id, requested_by, created_at) WHERE requested_by IS NOT NULL"
            .into(),
        format!(
            "CREATE TABLE partner_mail (
               partner_id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               commission_earned text NOT NULL DEFAULT 'IMMEDIATE',
               payout_sent boolean NOT NULL DEFAULT true,
               bounced_address text NULL,
               updated_at {t} NOT NULL
             )"
        ),
        format!(
            "CREATE TABLE partner_applications (
               id varchar NOT NULL PRIMARY KEY,
               tenant_id varchar NOT NULL REFERENCES tenants (id),
               campaign_id varchar NOT NULL REFERENCES campaigns (id),
               name text NOT NULL,
               email text NOT NULL,
               email_key text NOT NULL,
               website text NULL,
               country text NULL,
               answers text NOT NULL,
               status text NOT NULL,
               token_hash text NOT NULL,
               requested_by text NULL,
               partner_id varchar NULL REFERENCES partners (id),
               reason text NULL,
               decided_by text NULL,
               created_at {t} NOT NULL,
               confirmed_at {t} NULL,
               decided_at {t} NULL
             )"
        ),
        "CREATE UNIQUE INDEX partner_applications_token ON partner_applications (token_hash)"
            .into(),
        "CREATE INDEX partner_applications_list ON partner_applications (tenant_id, status, id)"
            .into(),
        "CREATE INDEX partner_applications_email ON partner_applications (tenant_id, email_key, created_at)"
            .into(),
        "CREATE INDEX partner_applications_from ON partner_applications (tenant_id, requested_by, created_at)"
            .into(),
        "ALTER TABLE campaigns ADD COLUMN application_questions text NOT NULL DEFAULT '[]'".into(),
        "ALTER TABLE campaigns ADD COLUMN auto_approve_applications boolean NOT NULL DEFAULT false"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "ALTER TABLE campaigns DROP COLUMN auto_approve_applications",
    "ALTER TABLE campaigns DROP COLUMN application_questions",
    "DROP TABLE partner_applications",
    "DROP TABLE partner_mail",
    "DROP TABLE emails",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let timestamp = match conn.get_database_backend() {
            DbBackend::Postgres => "timestamptz",
            _ => "timestamp_with_timezone_text",
        };
        for sql in up(timestamp) {
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

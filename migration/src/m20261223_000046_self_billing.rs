//! Self-billed invoices with VAT (SPEC §33).
//!
//! - `tenant_invoicing`: a tenant's invoicing identity (legal name, address
//!   as JSON, VAT id, country), its number series, its exemption wording,
//!   whether it self-bills, and the agreement's current version;
//! - `self_billing_agreements`: every version of its agreement's text, kept;
//! - `partner_vat`: a partner's VAT details (registered, VAT id, small
//!   business, country, legal name and address);
//! - `self_billing_acceptances`: each acceptance or refusal of a version by
//!   a partner, kept (the latest is its answer); a UK one expires;
//! - `payouts.net_minor` and `vat_minor`: what its commissions sum to and
//!   the VAT on it (`amount_minor` pays both), `vat_rate` and `self_billing`
//!   (the decision and both parties as they were when it was made, JSON);
//! - `invoices`: issued documents, numbered from `invoice_counters` (one
//!   row per tenant, series and year) — never changed, never deleted: the
//!   database refuses both (`invoices_immutable`, as the ledger's rows);
//! - `partner_invoices`: a PDF a partner uploaded for a payout.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn up_statements(timestamp: &str, bytes: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE tenant_invoicing ( \
               tenant_id varchar NOT NULL PRIMARY KEY REFERENCES tenants (id), \
               self_billing boolean NOT NULL, \
               legal_name varchar NULL, \
               address varchar NULL, \
               vat_id varchar NULL, \
               country varchar NULL, \
               series varchar NOT NULL, \
               exemption_text varchar NULL, \
               agreement_version integer NOT NULL, \
               updated_at {timestamp} NOT NULL)"
        ),
        format!(
            "CREATE TABLE self_billing_agreements ( \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               version integer NOT NULL, \
               text varchar NOT NULL, \
               published_at {timestamp} NOT NULL, \
               PRIMARY KEY (tenant_id, version))"
        ),
        format!(
            "CREATE TABLE partner_vat ( \
               partner_id varchar NOT NULL PRIMARY KEY REFERENCES partners (id), \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               registered boolean NOT NULL, \
               vat_id varchar NULL, \
               legal_name varchar NULL, \
               address varchar NULL, \
               country varchar NOT NULL, \
               small_business boolean NOT NULL, \
               updated_at {timestamp} NOT NULL)"
        ),
        format!(
            "CREATE TABLE self_billing_acceptances ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               version integer NOT NULL, \
               accepted_at {timestamp} NULL, \
               expires_at {timestamp} NULL, \
               declined_at {timestamp} NULL, \
               created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX self_billing_acceptances_by ON self_billing_acceptances \
         (tenant_id, partner_id, created_at)"
            .into(),
        "ALTER TABLE payouts ADD COLUMN net_minor bigint NOT NULL DEFAULT 0".into(),
        "UPDATE payouts SET net_minor = amount_minor".into(),
        "ALTER TABLE payouts ADD COLUMN vat_minor bigint NOT NULL DEFAULT 0".into(),
        "ALTER TABLE payouts ADD COLUMN vat_rate varchar NULL".into(),
        "ALTER TABLE payouts ADD COLUMN self_billing varchar NULL".into(),
        "CREATE TABLE invoice_counters ( \
           tenant_id varchar NOT NULL REFERENCES tenants (id), \
           series varchar NOT NULL, \
           year integer NOT NULL, \
           last_number bigint NOT NULL, \
           PRIMARY KEY (tenant_id, series, year))"
            .into(),
        format!(
            "CREATE TABLE invoices ( \
               id varchar NOT NULL PRIMARY KEY, \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               payout_id varchar NOT NULL REFERENCES payouts (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               number varchar NOT NULL, \
               kind varchar NOT NULL, \
               issued_at {timestamp} NOT NULL, \
               issue_date date NOT NULL, \
               supply_from date NOT NULL, \
               supply_to date NOT NULL, \
               currency varchar NOT NULL, \
               net_minor bigint NOT NULL, \
               vat_rate varchar NULL, \
               vat_minor bigint NOT NULL, \
               gross_minor bigint NOT NULL, \
               lines varchar NOT NULL, \
               mentions varchar NOT NULL, \
               supplier varchar NOT NULL, \
               customer varchar NOT NULL, \
               corrects_id varchar NULL REFERENCES invoices (id))"
        ),
        "CREATE UNIQUE INDEX ux_invoices_number ON invoices (tenant_id, number)".into(),
        "CREATE UNIQUE INDEX ux_invoices_payout ON invoices (payout_id, kind)".into(),
        "CREATE INDEX invoices_by_issue ON invoices (tenant_id, issued_at, id)".into(),
        "CREATE INDEX invoices_by_partner ON invoices (tenant_id, partner_id, issued_at, id)"
            .into(),
        format!(
            "CREATE TABLE partner_invoices ( \
               payout_id varchar NOT NULL PRIMARY KEY REFERENCES payouts (id), \
               tenant_id varchar NOT NULL REFERENCES tenants (id), \
               partner_id varchar NOT NULL REFERENCES partners (id), \
               pdf {bytes} NOT NULL, \
               size_bytes bigint NOT NULL, \
               uploaded_at {timestamp} NOT NULL)"
        ),
    ]
}

/// An issued document is never changed nor deleted: the database refuses.
const SQLITE_IMMUTABLE: &[&str] = &[
    "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices \
     BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END",
    "CREATE TRIGGER invoices_kept BEFORE DELETE ON invoices \
     BEGIN SELECT RAISE(ABORT, 'an issued invoice is never deleted'); END",
];

const POSTGRES_IMMUTABLE: &[&str] = &[
    "CREATE FUNCTION revshare_invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'an issued invoice never changes'; END IF; \
       RAISE EXCEPTION 'an issued invoice is never deleted'; \
     END $$",
    "CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices \
     FOR EACH ROW EXECUTE FUNCTION revshare_invoices_immutable()",
    "CREATE TRIGGER invoices_kept BEFORE TRUNCATE ON invoices \
     FOR EACH STATEMENT EXECUTE FUNCTION revshare_invoices_immutable()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS invoices_kept ON invoices",
    "DROP TRIGGER IF EXISTS invoices_immutable ON invoices",
    "DROP FUNCTION IF EXISTS revshare_invoices_immutable()",
    "DROP TABLE partner_invoices",
    "DROP TABLE invoices",
    "DROP TABLE invoice_counters",
    "ALTER TABLE payouts DROP COLUMN self_billing",
    "ALTER TABLE payouts DROP COLUMN vat_rate",
    "ALTER TABLE payouts DROP COLUMN vat_minor",
    "ALTER TABLE payouts DROP COLUMN net_minor",
    "DROP TABLE self_billing_acceptances",
    "DROP TABLE partner_vat",
    "DROP TABLE self_billing_agreements",
    "DROP TABLE tenant_invoicing",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let (timestamp, bytes, immutable) = match manager.get_database_backend() {
            DbBackend::Postgres => ("timestamptz", "bytea", POSTGRES_IMMUTABLE),
            _ => ("timestamp_with_timezone_text", "blob", SQLITE_IMMUTABLE),
        };
        for sql in up_statements(timestamp, bytes) {
            conn.execute_unprepared(&sql).await?;
        }
        for sql in immutable {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for sql in DOWN {
            // SQLite drops a table's triggers with it.
            if sql.starts_with("DROP TRIGGER") || sql.starts_with("DROP FUNCTION") {
                if postgres {
                    conn.execute_unprepared(sql).await?;
                }
                continue;
            }
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

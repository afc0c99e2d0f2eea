//! One partner per address in a tenant (issue 69, item 6): e-mails that
//! differ only in case or in Unicode normalisation (NFC/NFD) are one
//! address.
//!
//! - `partners.email_key`: the address as compared — NFC, trimmed, lower
//!   case ([`email_key`]) — with a unique index per tenant.
//! - Backfilled from `email`. Partners that share a key already (made
//!   before this rule) are not merged and the migration does not fail on
//!   them: the oldest (by `created_at`, then id) holds the key, the others
//!   keep their address with no key (not indexed), so nobody can be given
//!   that address again while the holder keeps it. The guide
//!   (docs/security.md) says how to find them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use std::collections::HashSet;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An address as revshare compares it for uniqueness: NFC, trimmed,
/// lower case. What `partners.email_key` holds.
pub fn email_key(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    email.trim().nfc().collect::<String>().to_lowercase()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("ALTER TABLE partners ADD COLUMN email_key varchar NULL")
            .await?;
        let backend = manager.get_database_backend();
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, tenant_id, email FROM partners WHERE email IS NOT NULL \
                 ORDER BY tenant_id, created_at, id",
            ))
            .await?;
        let mut held: HashSet<(String, String)> = HashSet::new();
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let tenant_id: String = row.try_get("", "tenant_id")?;
            let email: String = row.try_get("", "email")?;
            let key = email_key(&email);
            // The oldest partner of an address holds it; a later one keeps
            // its address unkeyed.
            if key.is_empty() || !held.insert((tenant_id, key.clone())) {
                continue;
            }
            let update = Query::update()
                .table(Alias::new("partners"))
                .value(Alias::new("email_key"), key)
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX uq_partners_email_key ON partners (tenant_id, email_key)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX uq_partners_email_key")
            .await?;
        conn.execute_unprepared("ALTER TABLE partners DROP COLUMN email_key")
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::email_key;

    #[test]
    fn case_and_normalisation_are_one_address() {
        let nfd = "Jose\u{301}@Example.com";
        let nfc = "jos\u{e9}@example.com";
        assert_eq!(email_key(nfd), email_key(nfc));
        assert_eq!(email_key(" JANE@example.COM "), "jane@example.com");
        assert_ne!(
            email_key("jane@example.com"),
            email_key("jane2@example.com")
        );
    }
}

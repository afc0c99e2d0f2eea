//! Partner groups and campaigns kept in memory between requests.
//!
//! Nearly every list names its items' group or campaign: a page of 100
//! commissions reads a few partners, their groups and a campaign, and a
//! page of partners their groups. These two tables are small and change
//! rarely, so each process keeps the rows it read ([`Kept`]) and a page
//! needs no statement for them (docs/BENCHMARKS.md, issue 75).
//!
//! A kept row is never older than the last change this process can know of:
//!
//! - **This process's writes.** Every statement goes through
//!   [`super::Timed`], which sees its SQL: one that inserts into, updates,
//!   deletes from or alters either table ([`writes_kept`]) marks its
//!   transaction, and the transaction's commit drops every kept row (a
//!   statement outside a transaction drops them when it returns). So a
//!   client reads its own change at once, on this replica.
//! - **Other replicas and processes** (PostgreSQL): a statement-level
//!   trigger on both tables notifies [`CHANNEL`] at commit; every replica
//!   listens beside the event log ([`crate::events::notify`]) and drops its
//!   rows when notified. While that connection is down nothing is kept or
//!   served from memory ([`Kept::trust`]), and a reconnect drops everything
//!   (notifications sent meanwhile are lost). Another replica's change is
//!   seen once its notification arrives, milliseconds after its commit.
//! - **Any change this cannot see** (a second process writing the same
//!   SQLite file): a row is kept at most [`KEEP_FOR`].
//!
//! A read that raced a change does not keep what it read: a read notes the
//! generation before its statement ([`Kept::mark`]) and keeps its rows only
//! if no change came in between. Rows are kept only from the primary (a
//! lagging replica could hand back a row older than a change already seen);
//! reads from a replica still use what the primary's reads kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tables whose rows are kept.
pub const TABLES: [&str; 2] = ["partner_groups", "campaigns"];
/// The PostgreSQL channel the tables' trigger notifies.
pub const CHANNEL: &str = "revshare_kept";
/// How long a row is kept at most.
pub const KEEP_FOR: Duration = Duration::from_secs(10);
/// Rows kept per table, over every tenant, past which the table starts
/// afresh (a bound on memory, far above a program's groups and campaigns).
const MAX_ROWS: usize = 50_000;

/// What a process keeps: both tables' rows, by tenant and id.
pub struct Kept {
    /// Bumped by every change: a read that began under another
    /// generation keeps nothing.
    generation: AtomicU64,
    /// Whether changes made elsewhere are being heard (always on SQLite).
    trusted: AtomicBool,
    pub groups: Table<entity::partner_group::Model>,
    pub campaigns: Table<entity::campaign::Model>,
    /// Each tenant's click key once read as committed: a key, once set,
    /// never changes, so nothing drops it (this database's alone: a
    /// process may serve several, as the tests' does).
    pub click_keys: Mutex<HashMap<String, String>>,
}

/// One table's kept rows.
pub struct Table<T> {
    rows: Mutex<TableRows<T>>,
}

struct TableRows<T> {
    by_tenant: HashMap<String, HashMap<String, (Arc<T>, Instant)>>,
    count: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: Mutex::new(TableRows {
                by_tenant: HashMap::new(),
                count: 0,
            }),
        }
    }
}

impl Kept {
    /// Keeping nothing until [`Kept::trust`] says changes are heard.
    pub fn new(trusted: bool) -> Kept {
        Kept {
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(trusted),
            groups: Table::default(),
            campaigns: Table::default(),
            click_keys: Mutex::default(),
        }
    }

    /// The generation a read starts under, or `None` when nothing may be
    /// kept or served now (changes made elsewhere are not being heard).
    pub fn mark(&self) -> Option<u64> {
        match self.trusted.load(Ordering::Acquire) {
            true => Some(self.generation.load(Ordering::Acquire)),
            false => None,
        }
    }

    /// A change was committed (here or elsewhere): every kept row goes.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.groups.clear();
        self.campaigns.clear();
    }

    /// Whether changes made elsewhere are heard from now on (`false`: the
    /// listening connection was lost). Either way what was kept goes.
    pub fn trust(&self, heard: bool) {
        self.trusted.store(heard, Ordering::Release);
        self.changed();
    }

    fn current(&self, mark: u64) -> bool {
        self.generation.load(Ordering::Acquire) == mark
    }
}

impl<T> Table<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, TableRows<T>> {
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn clear(&self) {
        let mut rows = self.lock();
        rows.by_tenant.clear();
        rows.count = 0;
    }

    /// The kept rows of `tenant_id` among `ids`, and the ids not kept.
    pub fn get<'a>(
        &self,
        tenant_id: &str,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> (Vec<Arc<T>>, Vec<&'a str>) {
        let now = Instant::now();
        let rows = self.lock();
        let tenant = rows.by_tenant.get(tenant_id);
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for id in ids {
            match tenant.and_then(|t| t.get(id)) {
                Some((row, at)) if now.duration_since(*at) < KEEP_FOR => found.push(row.clone()),
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keeps `rows` of `tenant_id`, read under `mark`, unless a change came
    /// since.
    pub fn put<'a>(
        &self,
        kept: &Kept,
        mark: u64,
        tenant_id: &str,
        rows: impl IntoIterator<Item = (&'a str, &'a Arc<T>)>,
    ) where
        T: 'a,
    {
        let now = Instant::now();
        let mut table = self.lock();
        // Checked under the table's lock: a change bumps the generation
        // before it clears, so rows read before it are never kept after.
        if !kept.current(mark) {
            return;
        }
        if table.count >= MAX_ROWS {
            table.by_tenant.clear();
            table.count = 0;
        }
        let mut added = 0;
        let tenant = table.by_tenant.entry(tenant_id.to_owned()).or_default();
        for (id, row) in rows {
            if tenant.insert(id.to_owned(), (row.clone(), now)).is_none() {
                added += 1;
            }
        }
        table.count += added;
    }
}

/// Whether `sql` changes a kept table: inserts into, updates, deletes from,
/// or alters, drops or truncates it. A statement that only reads one never
/// does; one that mentions a table in another way than these (a
/// subquery of an `UPDATE` elsewhere) is not counted, and a false positive
/// only costs a refill.
pub fn writes_kept(sql: &str) -> bool {
    if !TABLES.iter().any(|t| sql.contains(t)) {
        return false;
    }
    let sql = sql.to_ascii_lowercase();
    const BEFORE: [&str; 5] = ["into", "update", "delete from", "table", "truncate"];
    TABLES.iter().any(|table| {
        sql.match_indices(table).any(|(at, _)| {
            let after = sql[at + table.len()..].chars().next();
            let before = sql[..at].trim_end_matches('"').trim_end();
            let word_ends = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let word_starts = !sql[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            word_ends
                && word_starts
                && BEFORE.iter().any(|keyword| {
                    before.strip_suffix(keyword).is_some_and(|rest| {
                        !rest
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_to_the_kept_tables_are_seen_in_every_form() {
        for sql in [
            r#"INSERT INTO "partner_groups" ("id", "name") VALUES ($1, $2)"#,
            r#"UPDATE "partner_groups" SET "name" = $1 WHERE "id" = $2"#,
            "update campaigns set status = 'ARCHIVED' where id = ?",
            r#"DELETE FROM "campaigns" WHERE "id" = $1"#,
            "INSERT OR IGNORE INTO campaigns (id) VALUES (?)",
            "ALTER TABLE partner_groups ADD COLUMN cap text",
            "DROP TABLE campaigns",
            "WITH moved AS (UPDATE partner_groups SET is_default = false RETURNING id) SELECT id FROM moved",
        ] {
            assert!(writes_kept(sql), "{sql}");
        }
    }

    #[test]
    fn reads_and_other_tables_are_not_changes() {
        for sql in [
            r#"SELECT "partner_groups"."id" FROM "partner_groups" WHERE "tenant_id" = $1"#,
            "SELECT * FROM campaigns WHERE id = ? FOR UPDATE",
            r#"INSERT INTO "tiered_commission_campaigns" ("tier_id") VALUES ($1)"#,
            r#"UPDATE "partners" SET "group_id" = (SELECT id FROM partner_groups WHERE is_default) WHERE id = $1"#,
            r#"INSERT INTO "commissions" ("campaign_id") SELECT id FROM campaigns WHERE tenant_id = $1"#,
            r#"DELETE FROM "enrollments" WHERE "campaign_id" = $1"#,
        ] {
            assert!(!writes_kept(sql), "{sql}");
        }
    }

    #[test]
    fn rows_read_before_a_change_are_not_kept_after_it() {
        let kept = Kept::new(true);
        let row = Arc::new(7_u32);
        let table: Table<u32> = Table::default();
        let before = kept.mark().unwrap();
        kept.changed();
        table.put(&kept, before, "t", [("a", &row)]);
        assert!(table.get("t", ["a"]).0.is_empty());
        let after = kept.mark().unwrap();
        table.put(&kept, after, "t", [("a", &row)]);
        assert_eq!(table.get("t", ["a"]).0, vec![row.clone()]);
        assert_eq!(table.get("u", ["a"]).1, vec!["a"], "another tenant's");
        kept.trust(false);
        assert_eq!(kept.mark(), None);
    }
}

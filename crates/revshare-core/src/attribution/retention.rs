//! Clicks kept bounded: raw clicks by UTC calendar month, and removed
//! whole months at a time once past `REVSHARE_CLICK_RETENTION_MONTHS`.
//!
//! - **PostgreSQL** keeps `clicks` partitioned by range on `created_at`,
//!   one partition a month, named `clicks_YYYY_MM`. The current and the
//!   next month's are made at start and by the `click-retention` job
//!   ([`make_ahead`]), so that a write never waits for one; a write to a
//!   month this process has not seen yet makes sure of it first
//!   ([`ensure`]: one look, then remembered). Removing a month is dropping
//!   its partition: no `DELETE`, no dead rows, no vacuum.
//! - **SQLite** keeps one table and deletes what is past the cutoff in
//!   batches of [`BATCH`], each its own short write transaction.
//!
//! A month of clicks goes once it is more than the retention's months
//! back **and** every click in it is older than the attribution window of
//! its own code's campaign, the longest of those the month holds
//! ([`may_go`]): a month is removed whole, on both databases alike.
//! Months are revshare's own clock's (the one it stamps clicks with),
//! never the database's. What clicks are told by
//! (links' and codes' counters, the daily rollups of
//! [`crate::links::stats`]) is kept apart from raw clicks and is never
//! removed.

use crate::db::Db;
use crate::error::ApiResult;
use crate::jobs::Step;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::click;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};

/// Months a click is kept by default (`REVSHARE_CLICK_RETENTION_MONTHS`).
pub const DEFAULT_MONTHS: u32 = 13;
/// How often the job makes months ahead and removes old ones.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
/// Clicks a SQLite statement deletes at most: a few milliseconds of the
/// writer's time.
pub const BATCH: u64 = 500;
/// Batches a step deletes before it lets the job's next step run (at once).
const BATCHES_A_STEP: u32 = 20;
/// Taken around making and dropping partitions, so that replicas doing it
/// at once do not race in the catalogue.
const PARTITIONS_LOCK: i64 = 0x7265_7673_636c_6b73; // "revsclks"

/// A UTC calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1 to 12.
    month: u32,
}

impl Month {
    /// The month `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Month {
        Month {
            year: at.year(),
            month: at.month(),
        }
    }

    /// The month `count` months after (before, when negative).
    pub fn plus(self, count: i32) -> Month {
        let index = self.year * 12 + (self.month as i32 - 1) + count;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// Its first instant.
    pub fn start(self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(self.year, self.month, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Its partition's name: `clicks_2027_01`.
    pub fn table(self) -> String {
        format!("clicks_{:04}_{:02}", self.year, self.month)
    }

    /// The month a partition's name is of.
    pub fn of_table(name: &str) -> Option<Month> {
        let rest = name.strip_prefix("clicks_")?;
        let (year, month) = rest.split_once('_')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

/// The first month kept by the retention alone: `months` before the
/// month of `now`. Earlier months are candidates for removal.
pub fn first_kept(now: DateTime<Utc>, months: u32) -> Month {
    Month::of(now).plus(-(months.min(120_000) as i32))
}

/// Whether `month`'s clicks may go at `now`: it is before the retention's
/// first month kept, and its end is at least `window_days` (the longest
/// window of the campaigns its clicks are of) back, so that no campaign
/// could still attribute by one of them.
pub fn may_go(month: Month, now: DateTime<Utc>, months: u32, window_days: i64) -> bool {
    let reached = now
        .checked_sub_signed(Duration::days(window_days.max(0)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    month < first_kept(now, months) && month.plus(1).start() <= reached
}

/// Makes the partitions of the month of `now` and of the next.
pub async fn make_ahead(db: &Db, now: DateTime<Utc>) -> ApiResult<()> {
    let month = Month::of(now);
    ensure(db, &[month, month.plus(1)]).await
}

/// Makes sure `months` have their partitions (PostgreSQL; nothing to do
/// on SQLite). A month this process has seen costs nothing.
pub async fn ensure(db: &Db, months: &[Month]) -> ApiResult<()> {
    if db.backend() != DbBackend::Postgres {
        return Ok(());
    }
    let missing: Vec<Month> = months
        .iter()
        .copied()
        .filter(|m| !db.partition_known(&m.table()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let txn = db.write().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PARTITIONS_LOCK})"))
        .await?;
    for month in &missing {
        // No parent lock is taken when the partition exists already.
        txn.execute_unprepared(&format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF clicks FOR VALUES FROM ('{}') TO ('{}')",
            month.table(),
            month.start().format("%Y-%m-%d %H:%M:%S+00"),
            month.plus(1).start().format("%Y-%m-%d %H:%M:%S+00"),
        ))
        .await?;
    }
    txn.commit().await?;
    for month in missing {
        db.partition_noted(&month.table(), true);
    }
    Ok(())
}

/// What a step removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Removed {
    /// Months dropped whole (PostgreSQL).
    pub months: u64,
    /// Clicks deleted (SQLite).
    pub clicks: u64,
}

/// The longest attribution window, in days, of the campaigns whose codes
/// have clicks in `month` (0: none). On PostgreSQL the time range reads
/// the month's partition alone.
async fn longest_window(conn: &impl ConnectionTrait, month: Month) -> ApiResult<i64> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(crate::db::statement(
            backend,
            "SELECT max(ca.attribution_window_days) AS longest FROM campaigns ca \
             WHERE ca.id IN (SELECT r.campaign_id FROM referral_codes r WHERE r.id IN \
               (SELECT c.referral_code_id FROM clicks c \
                WHERE c.created_at >= ? AND c.created_at < ?))",
            vec![month.start().into(), month.plus(1).start().into()],
        ))
        .await?;
    let longest: Option<i32> = match row {
        Some(row) => row.try_get("", "longest")?,
        None => None,
    };
    Ok(longest.map(i64::from).unwrap_or(0))
}

/// The months before the retention's first month kept that may hold
/// clicks: PostgreSQL's partitions, SQLite's months from the oldest click.
async fn candidates(db: &Db, before: Month) -> ApiResult<Vec<Month>> {
    let conn = db.conn();
    let backend = db.backend();
    if backend == DbBackend::Postgres {
        let names: Vec<String> = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT c.relname AS name FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = 'clicks' AND p.relnamespace = to_regnamespace(current_schema())",
            ))
            .await?
            .iter()
            .filter_map(|row| row.try_get::<String>("", "name").ok())
            .collect();
        let mut months: Vec<Month> = names
            .iter()
            .filter_map(|name| Month::of_table(name))
            .filter(|month| *month < before)
            .collect();
        months.sort();
        return Ok(months);
    }
    let oldest: Option<Option<DateTime<Utc>>> = click::Entity::find()
        .select_only()
        .column_as(click::Column::CreatedAt.min(), "oldest")
        .into_tuple()
        .one(conn)
        .await?;
    let Some(oldest) = oldest.flatten() else {
        return Ok(Vec::new());
    };
    let mut months = Vec::new();
    let mut month = Month::of(oldest);
    while month < before {
        months.push(month);
        month = month.plus(1);
    }
    Ok(months)
}

/// One step of the job: the months ahead made, then each month that
/// [`may_go`] removed. `More` when SQLite has more to delete.
pub async fn step(db: &Db, now: DateTime<Utc>, months: u32) -> ApiResult<(Step, Removed)> {
    make_ahead(db, now).await?;
    let mut removed = Removed::default();
    for month in candidates(db, first_kept(now, months)).await? {
        let window = longest_window(db.conn(), month).await?;
        if !may_go(month, now, months, window) {
            continue;
        }
        match db.backend() {
            DbBackend::Postgres => {
                drop_month(db, month).await?;
                removed.months += 1;
            }
            _ => {
                let (step, clicks) = delete_month(db, month).await?;
                removed.clicks += clicks;
                if step == Step::More {
                    return Ok((Step::More, removed));
                }
            }
        }
    }
    Ok((Step::Idle, removed))
}

/// Drops `month`'s partition.
async fn drop_month(db: &Db, month: Month) -> ApiResult<()> {
    let txn = db.write().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PARTITIONS_LOCK})"))
        .await?;
    txn.execute_unprepared(&format!("DROP TABLE IF EXISTS {}", month.table()))
        .await?;
    txn.commit().await?;
    db.partition_noted(&month.table(), false);
    tracing::info!(month = %month.table(), "clicks past their retention removed");
    Ok(())
}

/// Deletes `month`'s clicks, a batch a transaction; `More` when a
/// step's batches are spent and some may be left.
async fn delete_month(db: &Db, month: Month) -> ApiResult<(Step, u64)> {
    let backend = db.backend();
    let mut deleted = 0;
    for _ in 0..BATCHES_A_STEP {
        let txn = db.write().await?;
        let done = txn
            .execute_raw(crate::db::statement(
                backend,
                &format!(
                    "DELETE FROM clicks WHERE id IN (SELECT id FROM clicks \
                     WHERE created_at >= ? AND created_at < ? LIMIT {BATCH})"
                ),
                vec![month.start().into(), month.plus(1).start().into()],
            ))
            .await?;
        txn.commit().await?;
        deleted += done.rows_affected();
        if done.rows_affected() < BATCH {
            tracing::info!(month = %month.table(), count = deleted, "clicks past their retention removed");
            return Ok((Step::Idle, deleted));
        }
        // Whoever waits for the writer goes first.
        tokio::task::yield_now().await;
    }
    tracing::info!(month = %month.table(), count = deleted, "clicks past their retention removed; more to go");
    Ok((Step::More, deleted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn months_count_across_years_and_name_their_tables() {
        let january = Month::of(at("2027-01-31T23:59:59Z"));
        assert_eq!(january.table(), "clicks_2027_01");
        assert_eq!(january.plus(-1).table(), "clicks_2026_12");
        assert_eq!(january.plus(-13).table(), "clicks_2025_12");
        assert_eq!(january.plus(12).table(), "clicks_2028_01");
        assert_eq!(january.plus(1).start(), at("2027-02-01T00:00:00Z"));
        assert_eq!(Month::of_table("clicks_2026_12"), Some(january.plus(-1)));
        for name in [
            "clicks_2026_13",
            "clicks_26_12",
            "clicks_2026_1",
            "clicks",
            "links_2026_12",
        ] {
            assert_eq!(Month::of_table(name), None, "{name}");
        }
    }

    #[test]
    fn a_month_goes_past_its_months_and_its_longest_window() {
        let now = at("2027-03-10T12:00:00Z");
        let january = Month::of(at("2027-01-15T00:00:00Z"));
        // One month kept: February is the first kept, January may go...
        assert_eq!(first_kept(now, 1), january.plus(1));
        assert!(may_go(january, now, 1, 30));
        assert!(!may_go(january.plus(1), now, 1, 0));
        // ...unless a window of its clicks still reaches it (9 January).
        assert!(!may_go(january, now, 1, 60));
        // 37 days back is 1 February, exactly January's end: it goes.
        assert!(may_go(january, at("2027-03-10T00:00:00Z"), 1, 37));
        assert!(!may_go(january, at("2027-03-09T23:59:59Z"), 1, 37));
        // Thirteen months, the default: January 2026 is the last to go.
        assert!(may_go(january.plus(-12), now, 13, 90));
        assert!(!may_go(january.plus(-11), now, 13, 90));
    }
}

//! Reads from PostgreSQL streaming replicas (SPEC §28), with a client's
//! reads after its own writes kept consistent.
//!
//! [`Replicas`] holds a pool per replica and what is known of each: the
//! WAL position it has replayed, how far behind the primary it is, whether
//! it answers. One task per server polls them ([`POLL`]): the primary's
//! `pg_current_wal_lsn()`, each replica's `pg_last_wal_replay_lsn()` and
//! the age of its last replayed transaction. A read goes to a replica
//! ([`Replicas::pick`]) that answered its last poll, lags at most the
//! configured bound, and has replayed past the caller's last write — the
//! primary's WAL position read just after the caller's last mutation
//! committed, kept per principal ([`Replicas::wrote`]). Anything else reads
//! from the primary, so no request waits for, or fails because of, a
//! replica: a lagging or dead one is skipped until a poll finds it well.

use super::Db;
use crate::error::ApiResult;
use crate::observe::metrics::Metrics;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the replicas' positions are read.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a poll of one database may take before it counts as down.
const POLL_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a principal's last write is remembered (a replica has long
/// replayed it by then, or is skipped as lagging).
const WRITES_KEPT: Duration = Duration::from_secs(60);
/// The default of `REVSHARE_REPLICA_MAX_LAG_MS`.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_millis(2000);

/// Why a read went to the primary although there are replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPrimary {
    /// Every replica answering lags more than the bound.
    Lag,
    /// No replica answers.
    Down,
    /// No replica has replayed the caller's last write yet.
    OwnWrite,
}

impl OnPrimary {
    pub fn as_str(self) -> &'static str {
        match self {
            OnPrimary::Lag => "lag",
            OnPrimary::Down => "down",
            OnPrimary::OwnWrite => "own_write",
        }
    }
}

/// One replica: its pool and what its last poll found.
pub struct Replica {
    /// `replica_1`, `replica_2`, … in the order configured (a metric label).
    pub name: String,
    pub(super) db: Db,
    replayed: AtomicU64,
    lag_ms: AtomicU64,
    up: AtomicBool,
}

/// The replicas of the primary, and each principal's last write.
pub struct Replicas {
    members: Vec<Replica>,
    max_lag: Duration,
    /// Per principal (tenant and subject): the WAL position after its last
    /// write, and when.
    writes: Mutex<HashMap<String, (u64, Instant)>>,
    next: AtomicUsize,
}

impl Db {
    /// This database with `members` as its read replicas, each lagging at
    /// most `max_lag` to be read from; [`Db::replica_poll`] reads their
    /// positions while the database is in use.
    pub fn with_replicas(mut self, members: Vec<Db>, max_lag: Duration) -> Db {
        if members.is_empty() {
            return self;
        }
        let set = Arc::new(Replicas::new(members, max_lag));
        self.metrics
            .replicas_known(set.members().iter().map(|r| r.name.as_str()));
        self.replicas = Some(set);
        self
    }

    /// The loop that reads the replicas' positions every [`POLL`], for
    /// the replica's runner to serve; it ends when the replicas are no
    /// longer in use.
    pub fn replica_poll(&self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let set = self.replicas.as_ref()?;
        let (watched, primary, metrics) = (Arc::downgrade(set), self.clone(), self.metrics.clone());
        // The primary's handle must not keep the replicas alive.
        let primary = Db {
            replicas: None,
            ..primary
        };
        Some(async move {
            loop {
                let Some(set) = watched.upgrade() else { return };
                set.poll(&primary, &metrics).await;
                drop(set);
                tokio::time::sleep(POLL).await;
            }
        })
    }

    /// The read replicas, if any.
    pub fn replicas(&self) -> Option<&Replicas> {
        self.replicas.as_deref()
    }

    /// This database for the reads of one request by `principal` (its
    /// tenant and subject; none for an anonymous one): reading from a
    /// replica that answers, lags at most the bound and has replayed the
    /// principal's last write, else from the primary. Writes still go to
    /// the primary.
    pub fn for_reads(&self, principal: Option<&str>) -> Db {
        let Some(set) = &self.replicas else {
            return self.clone();
        };
        let reading = match set.pick(principal) {
            Ok(i) => {
                self.metrics.read_on(&set.members()[i].name);
                Some(i)
            }
            Err(why) => {
                self.metrics.read_on_primary(why.as_str());
                None
            }
        };
        Db {
            reading,
            ..self.clone()
        }
    }

    /// Whether this handle reads from a replica.
    pub fn reads_replica(&self) -> bool {
        self.reading.is_some()
    }

    /// The replica this handle read from failed a call: no read goes to it
    /// until a poll finds it answering again.
    pub fn replica_failed(&self) {
        if let (Some(i), Some(set)) = (self.reading, &self.replicas) {
            set.down(i);
            self.metrics.replica_lag(&set.members()[i].name, None);
        }
    }

    /// This database, every read on the primary.
    pub fn on_primary(&self) -> Db {
        Db {
            reading: None,
            ..self.clone()
        }
    }

    /// Notes that `principal` just wrote: its reads go to a replica only
    /// once the replica has replayed past the primary's position now.
    pub async fn wrote(&self, principal: &str) {
        let Some(set) = &self.replicas else { return };
        let primary = Db {
            reading: None,
            ..self.clone()
        };
        match primary_position(&primary).await {
            Ok(Some(at)) => set.wrote(principal, at),
            // Unknown: to be safe, every read of the principal goes to the
            // primary until the record ages out.
            _ => set.wrote(principal, u64::MAX),
        }
    }
}

/// What the last poll found of one replica.
#[derive(Debug, Clone, Copy)]
struct Seen {
    up: bool,
    lag_ms: u64,
    replayed: u64,
}

/// Of replicas `seen`, the `turn`th of those that answer, lag at most
/// `max_lag_ms` and have replayed `needed`; else why none may be read.
fn choose(seen: &[Seen], needed: u64, max_lag_ms: u64, turn: usize) -> Result<usize, OnPrimary> {
    let answering: Vec<usize> = (0..seen.len()).filter(|i| seen[*i].up).collect();
    if answering.is_empty() {
        return Err(OnPrimary::Down);
    }
    let fresh: Vec<usize> = answering
        .into_iter()
        .filter(|i| seen[*i].lag_ms <= max_lag_ms)
        .collect();
    if fresh.is_empty() {
        return Err(OnPrimary::Lag);
    }
    let caught_up: Vec<usize> = fresh
        .into_iter()
        .filter(|i| seen[*i].replayed >= needed)
        .collect();
    match caught_up.is_empty() {
        true => Err(OnPrimary::OwnWrite),
        false => Ok(caught_up[turn % caught_up.len()]),
    }
}

/// A WAL position (`16/B374D848`) as one number; `None` when not one.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    Some((high << 32) | low)
}

impl Replicas {
    pub fn new(members: Vec<Db>, max_lag: Duration) -> Replicas {
        let members = members
            .into_iter()
            .enumerate()
            .map(|(i, db)| Replica {
                name: format!("replica_{}", i + 1),
                db,
                replayed: AtomicU64::new(0),
                lag_ms: AtomicU64::new(u64::MAX),
                up: AtomicBool::new(false),
            })
            .collect();
        Replicas {
            members,
            max_lag,
            writes: Mutex::new(HashMap::new()),
            next: AtomicUsize::new(0),
        }
    }

    pub fn members(&self) -> &[Replica] {
        &self.members
    }

    /// The replica a read by `principal` goes to, or why it goes to the
    /// primary.
    pub fn pick(&self, principal: Option<&str>) -> Result<usize, OnPrimary> {
        let needed = principal.map_or(0, |key| self.last_write(key));
        let seen: Vec<Seen> = self
            .members
            .iter()
            .map(|r| Seen {
                up: r.up.load(Ordering::Acquire),
                lag_ms: r.lag_ms.load(Ordering::Acquire),
                replayed: r.replayed.load(Ordering::Acquire),
            })
            .collect();
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        choose(&seen, needed, self.max_lag.as_millis() as u64, turn)
    }

    /// Takes replica `i` out of reads until a poll finds it answering.
    pub fn down(&self, i: usize) {
        if let Some(replica) = self.members.get(i) {
            replica.up.store(false, Ordering::Release);
        }
    }

    fn last_write(&self, principal: &str) -> u64 {
        let writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        writes.get(principal).map_or(0, |(at, _)| *at)
    }

    /// Notes that `principal` wrote and the primary's WAL is now at `lsn`:
    /// its reads go to a replica only once it has replayed that far.
    pub fn wrote(&self, principal: &str, lsn: u64) {
        let mut writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let entry = writes
            .entry(principal.to_owned())
            .or_insert((0, Instant::now()));
        *entry = (entry.0.max(lsn), Instant::now());
    }

    /// Reads every position once: the primary's, then each replica's.
    pub async fn poll(&self, primary: &Db, metrics: &Metrics) {
        // The primary's position of this poll: one kept from an earlier
        // poll (this one's timed out) may predate writes the replica has
        // not replayed, so without it no replica counts as caught up.
        let primary_at =
            match tokio::time::timeout(POLL_TIMEOUT, position(primary, "pg_current_wal_lsn()"))
                .await
            {
                Ok(Ok(Some(at))) => at,
                _ => u64::MAX,
            };
        for replica in &self.members {
            let found = tokio::time::timeout(POLL_TIMEOUT, replay(&replica.db)).await;
            match found {
                Ok(Ok(Some((replayed, age_ms)))) => {
                    // Caught up with the primary: no lag, however long ago
                    // its last transaction was (an idle primary).
                    let lag = match replayed >= primary_at {
                        true => 0,
                        false => age_ms.unwrap_or(u64::MAX),
                    };
                    replica.replayed.store(replayed, Ordering::Release);
                    replica.lag_ms.store(lag, Ordering::Release);
                    replica.up.store(true, Ordering::Release);
                    metrics.replica_lag(&replica.name, Some(lag));
                }
                _ => {
                    replica.up.store(false, Ordering::Release);
                    metrics.replica_lag(&replica.name, None);
                }
            }
        }
        let now = Instant::now();
        let mut writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        writes.retain(|_, (_, at)| now.duration_since(*at) < WRITES_KEPT);
    }
}

/// The position `function` answers on `db` (`None`: not a standby, or no
/// position).
async fn position(db: &Db, function: &str) -> ApiResult<Option<u64>> {
    let sql = format!("SELECT {function}::text AS at");
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    let at: Option<String> = match row {
        Some(row) => row.try_get("", "at")?,
        None => None,
    };
    Ok(at.as_deref().and_then(parse_lsn))
}

/// A standby's replayed position and the age of its last replayed
/// transaction in milliseconds.
async fn replay(db: &Db) -> ApiResult<Option<(u64, Option<u64>)>> {
    let sql = "SELECT pg_last_wal_replay_lsn()::text AS at, \
               (EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000)::bigint AS age";
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let at: Option<String> = row.try_get("", "at")?;
    let age: Option<i64> = row.try_get("", "age")?;
    Ok(at
        .as_deref()
        .and_then(parse_lsn)
        .map(|at| (at, age.map(|a| a.max(0) as u64))))
}

/// The primary's WAL position now, after a write committed.
pub(super) async fn primary_position(db: &Db) -> ApiResult<Option<u64>> {
    position(db, "pg_current_wal_lsn()").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_goes_to_a_replica_that_answers_is_fresh_and_has_its_write() {
        let at = |up, lag_ms, replayed| Seen {
            up,
            lag_ms,
            replayed,
        };
        let both = [at(true, 0, 100), at(true, 50, 90)];
        assert_eq!(choose(&both, 0, 2000, 0), Ok(0));
        assert_eq!(choose(&both, 0, 2000, 1), Ok(1), "taken in turn");
        assert_eq!(choose(&both, 95, 2000, 1), Ok(0), "only one has the write");
        assert_eq!(choose(&both, 101, 2000, 0), Err(OnPrimary::OwnWrite));
        assert_eq!(choose(&both, 0, 10, 1), Ok(0), "the lagging one skipped");
        let lagging = [at(true, 5000, 100)];
        assert_eq!(choose(&lagging, 0, 2000, 0), Err(OnPrimary::Lag));
        let down = [at(false, 0, 100)];
        assert_eq!(choose(&down, 0, 2000, 0), Err(OnPrimary::Down));
        assert_eq!(choose(&[], 0, 2000, 0), Err(OnPrimary::Down));
    }

    #[test]
    fn a_wal_position_reads_as_one_number_in_order() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("1/0") > parse_lsn("0/FFFFFFFF"));
        assert_eq!(parse_lsn("nope"), None);
    }
}

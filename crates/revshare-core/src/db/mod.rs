//! Database connections and write transactions on SQLite and PostgreSQL.
//!
//! SQLite allows one writer: every write transaction here takes an in-process
//! lock and then `BEGIN IMMEDIATE` (with WAL and a busy timeout for other
//! processes), so concurrent mutations queue instead of failing with
//! "database is locked"; readers are never blocked. On PostgreSQL, writes are
//! ordinary transactions and services take row locks where an invariant spans
//! rows. A write transaction rolls back when dropped without `commit`.
//!
//! Failing fast (see [`DbSettings`]): waiting for a connection (or, on
//! SQLite, for the writer lock) is bounded by the acquire timeout and every
//! PostgreSQL statement by a statement timeout, so with the database gone a
//! request answers `UNAVAILABLE` within seconds instead of hanging for the
//! pool's 30 s default. The statement timeout is enforced by the server,
//! which cannot see a statement stuck in a network that went silent
//! (connections open, nothing forwarded): every call also gives up on its
//! own clock ([`Timed`], [`DbSettings::deadline`]), answers `UNAVAILABLE`,
//! and the connection it gave up on is closed rather than pooled again. Errors are sorted by
//! [`crate::failure::classify`]: unreachable (retry
//! later), contention (a serialization failure or deadlock, retried by
//! [`Db::retrying`]) or a bug. When the database has been seen unreachable,
//! every pooled connection that sat idle since then is pinged before it is
//! handed out, so the first requests after the database returns do not land
//! on connections it dropped — without pinging at every checkout, which cost
//! a round trip per query when measured.

use crate::error::{ApiError, ApiResult};
use crate::failure::{self, idle_since_failure, note_connection_failure};
use crate::observe::metrics::Metrics;
use kept::Kept;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tracing::Instrument;

/// How long an SQLite connection waits on another process's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How a request reaches the database.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub max_connections: u32,
    /// Longest wait for a pooled connection (or SQLite's writer lock).
    pub acquire_timeout: Duration,
    /// Longest a PostgreSQL statement may run (migrations are exempt).
    pub statement_timeout: Duration,
}

/// How much longer than the statement timeout a call waits on its own clock
/// before giving up: the server's cancellation normally comes first.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// How much of a SQLite database is memory-mapped (address space, not
/// memory: the pages live in the operating system's cache either way).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;
/// The most a SQLite connection's page cache holds, in KiB (SQLite's own
/// default is 2 MiB): the pages a write changes are copies, and an import
/// writing into indexes whose keys land anywhere (a customer's or
/// partner's id on every event) reloaded them a page at a time — 71.4 s
/// for 100,000 commissions against 59.9 s with this cache, alternated.
/// Pages read through the mapping are not copied, so a reader's cache
/// stays small; the cache fills only as far as a connection's work needs.
const SQLITE_CACHE_KIB: u64 = 128 * 1024;

/// How long a connection released within [`ABANDONED_WINDOW`] of a call
/// given up on may take to answer a ping before it is closed.
const RELEASE_PING: Duration = Duration::from_secs(1);
/// How long after a call was given up on released connections are pinged.
const ABANDONED_WINDOW: Duration = Duration::from_secs(60);

impl DbSettings {
    /// The client-side deadline of every database call: the statement
    /// timeout and [`DEADLINE_MARGIN`].
    pub fn deadline(&self) -> Duration {
        self.statement_timeout + DEADLINE_MARGIN
    }
}

impl Default for DbSettings {
    fn default() -> Self {
        DbSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

pub mod kept;
pub mod replicas;
mod statement;
pub mod statistics;
pub use statement::statement;
mod txn;
pub use txn::{BoxFuture, MAX_ATTEMPTS, Timed, Transaction, WriteTxn};
use txn::{note_abandoned, recently_abandoned, statement_span};

#[derive(Clone)]
pub struct Db {
    conn: Timed<DatabaseConnection>,
    /// PostgreSQL streaming replicas reads may go to (SPEC §28).
    replicas: Option<Arc<replicas::Replicas>>,
    /// The replica this handle's reads go to ([`Db::for_reads`]); none:
    /// the primary.
    reading: Option<usize>,
    write_lock: Option<Arc<Mutex<()>>>,
    acquire_timeout: Duration,
    /// Bumped after each write transaction commits (see [`Db::commits`]).
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    max_connections: u32,
    /// The app's figures ([`crate::observe::metrics`]).
    metrics: Arc<Metrics>,
    /// The partitions this process knows exist (PostgreSQL's monthly
    /// tables of clicks, [`crate::attribution::retention`]).
    partitions: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// The pool as services and loaders use it: every call bounded.
pub type Pool = Timed<DatabaseConnection>;
/// A write transaction (or a savepoint in one) as services use it.
pub type Txn = Timed<DatabaseTransaction>;

impl Db {
    /// Connects with the default timeouts, creating the SQLite file (and its
    /// directory) if needed.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        Self::connect_with(url, max_connections, |_| {}).await
    }

    /// Connects and lets the caller adjust the connection before use (tests
    /// install a statement counter with `set_metric_callback`).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        adjust: impl FnOnce(&mut DatabaseConnection),
    ) -> Result<Db, DbErr> {
        let settings = DbSettings {
            max_connections,
            ..DbSettings::default()
        };
        Self::open(url, &settings, adjust).await
    }

    /// Connects with explicit settings.
    pub async fn open(
        url: &str,
        settings: &DbSettings,
        adjust: impl FnOnce(&mut DatabaseConnection),
    ) -> Result<Db, DbErr> {
        Self::open_with(url, settings, false, adjust).await
    }

    /// A read replica's pool: connected on first use, so a replica down
    /// when the server starts is skipped until it answers, not fatal.
    pub async fn open_replica(
        url: &str,
        settings: &DbSettings,
        adjust: impl FnOnce(&mut DatabaseConnection),
    ) -> Result<Db, DbErr> {
        Self::open_with(url, settings, true, adjust).await
    }

    async fn open_with(
        url: &str,
        settings: &DbSettings,
        lazy: bool,
        adjust: impl FnOnce(&mut DatabaseConnection),
    ) -> Result<Db, DbErr> {
        let sqlite = url.starts_with("sqlite:");
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(settings.max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            // A connection is pinged before use only after it sat idle (when a
            // server, proxy or firewall may have dropped it) or since the
            // database was last seen unreachable; pinging at every checkout
            // cost a round trip per query and per transaction.
            .test_before_acquire_if_idle_for(Duration::from_secs(10))
            .statement_timeout(settings.statement_timeout)
            .connect_lazy(lazy)
            .sqlx_logging(false);
        options.map_sqlx_postgres_before_acquire(|conn, meta| {
            Box::pin(async move {
                if idle_since_failure(meta.idle_for) {
                    use sea_orm::sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
        // A connection released after a call was given up on may be stuck
        // mid-statement in a silent network: one that does not answer a
        // short ping is closed, never pooled (sqlx's own ping on release
        // would wait for it forever). Otherwise nothing is added.
        options.map_sqlx_postgres_pool_opts(|pool| {
            pool.after_release(|conn, _| {
                Box::pin(async move {
                    if !recently_abandoned() {
                        return Ok(true);
                    }
                    use sea_orm::sqlx::Connection;
                    let answered = tokio::time::timeout(RELEASE_PING, conn.ping()).await;
                    Ok(matches!(answered, Ok(Ok(()))))
                })
            })
        });
        if sqlite {
            // A connection is never pooled inside a transaction, whatever
            // ended it: a COMMIT that failed (a full disk) may leave SQLite's
            // transaction open, and a ROLLBACK that then fails leaves the
            // driver counting one. Pooled so, it would hold the write lock
            // (every other writer "database is locked") and run the next
            // transactions as savepoints inside one that never commits —
            // answered ok, and lost at the stop. Its queued rollback is
            // waited for (a ping goes after it), then a connection still
            // in one is closed, which rolls it back.
            options.map_sqlx_sqlite_pool_opts(|pool| {
                pool.after_release(|conn, _| {
                    Box::pin(async move {
                        use sea_orm::sqlx::Connection;
                        conn.ping().await?;
                        let inside = conn.is_in_transaction();
                        if inside {
                            tracing::warn!(
                                "a SQLite connection came back inside a transaction: closed"
                            );
                        }
                        Ok(!inside)
                    })
                })
            });
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
                    // Pages read from the operating system's cache in
                    // place, not copied a `pread` at a time into each
                    // connection's 2 MiB cache: a ledger past a few hundred
                    // MiB spent most of an import's time copying pages.
                    .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                    .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
            });
        }
        let mut conn = Database::connect(options).await?;
        adjust(&mut conn);
        let write_lock = sqlite.then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            conn: Timed {
                inner: conn,
                deadline: settings.deadline(),
                tally: None,
                span: tracing::Span::none(),
                // A replica's reads keep nothing of their own.
                kept: (!lazy).then(|| Arc::new(Kept::new(sqlite))),
            },
            replicas: None,
            reading: None,
            write_lock,
            acquire_timeout: settings.acquire_timeout,
            commits: Arc::new(tokio::sync::watch::channel(0).0),
            max_connections: settings.max_connections.max(1),
            metrics: Arc::new(Metrics::new()),
            partitions: Arc::default(),
        })
    }

    /// A receiver that changes after each write transaction of this
    /// process commits (how SQLite's readers of the event log are woken).
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// The pool, every call of which gives up at the deadline.
    /// Notes that work holding connections is being given up on (a
    /// request past its deadline), before it is dropped: the connections it
    /// releases mid-statement are then pinged and closed when they do not
    /// answer, as a call given up on by its own deadline has them.
    pub fn gave_up(&self) {
        note_abandoned();
    }

    /// How long a call may take on this database before it is given up on
    /// (the statement timeout and [`DEADLINE_MARGIN`]): a request's whole
    /// deadline too, whatever number of calls and waits it makes.
    pub fn deadline(&self) -> Duration {
        self.conn.deadline
    }

    /// The pool reads go to: the primary's, or the replica this handle
    /// reads from ([`Db::for_reads`]). Writes ([`Db::write`],
    /// [`Db::transaction`]) always go to the primary.
    pub fn conn(&self) -> &Timed<DatabaseConnection> {
        match (self.reading, &self.replicas) {
            (Some(i), Some(replicas)) => &replicas.members()[i].db.conn,
            _ => &self.conn,
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// The partner groups and campaigns this process keeps in memory
    /// ([`kept`]), and whether this handle's reads may add to them: only
    /// reads from the primary do.
    pub fn kept(&self) -> Option<(&Arc<Kept>, bool)> {
        self.conn.kept.as_ref().map(|k| (k, self.reading.is_none()))
    }

    /// Whether this process knows the partition `name` exists.
    pub fn partition_known(&self, name: &str) -> bool {
        let known = self.partitions.lock();
        known.map(|k| k.contains(name)).unwrap_or(false)
    }

    /// Notes that the partition `name` exists (`true`) or may not (`false`).
    pub fn partition_noted(&self, name: &str, exists: bool) {
        if let Ok(mut known) = self.partitions.lock() {
            match exists {
                true => known.insert(name.to_owned()),
                false => known.remove(name),
            };
        }
    }

    /// Forgets every partition noted: the next write looks again.
    pub fn partitions_forgotten(&self) {
        if let Ok(mut known) = self.partitions.lock() {
            known.clear();
        }
    }

    /// The app's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The pool's connections now: idle, in use, and its limit.
    pub fn pool_state(&self) -> (i64, i64, i64) {
        let conn = &self.conn.inner;
        let (size, idle) = match self.backend() {
            DbBackend::Postgres => {
                let pool = conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        let idle = idle as i64;
        (
            idle,
            (i64::from(size) - idle).max(0),
            i64::from(self.max_connections),
        )
    }

    /// Begins the one transaction of a mutation.
    pub async fn write(&self) -> Result<WriteTxn, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(
                tokio::time::timeout(self.acquire_timeout, lock.clone().lock_owned())
                    .await
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?,
            ),
            None => None,
        };
        // No access mode: PostgreSQL would spend a round trip on
        // `SET TRANSACTION READ WRITE`, its default anyway. On SQLite,
        // IMMEDIATE takes the write lock up front.
        let options = TransactionOptions {
            sqlite_transaction_mode: guard.as_ref().map(|_| SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        crate::activity::begun();
        let span = tracing::info_span!(target: "revshare::db", "db.transaction");
        let txn = self
            .conn
            .bounded(self.conn.inner.begin_with_options(options))
            .instrument(statement_span(&span, "BEGIN"))
            .await?;
        let txn = WriteTxn {
            txn: Timed {
                inner: txn,
                deadline: self.conn.deadline,
                tally: Some(Arc::default()),
                span,
                kept: self.conn.kept.clone(),
            },
            _guard: guard,
            commits: self.commits.clone(),
            metrics: self.metrics.clone(),
        };
        // The act's object as it was, for its entry to say what changed.
        crate::activity::look_before(&txn.txn).await?;
        Ok(txn)
    }

    /// Whether the database answers a trivial query within `within`.
    pub async fn ping(&self, within: Duration) -> bool {
        let answered = tokio::time::timeout(within, self.conn.execute_unprepared("SELECT 1")).await;
        let ok = matches!(answered, Ok(Ok(_)));
        if !ok {
            note_connection_failure();
        }
        ok
    }

    /// Runs `work` in one write transaction and commits it: the way every
    /// service writes. A transaction that loses a race (a serialization
    /// failure or deadlock) is run again from the start, as [`Db::retrying`]
    /// says, so `work` may run more than once and takes what it needs by
    /// reference; an error rolls everything back. `work` answers a boxed
    /// future holding the transaction (`|txn| Box::pin(async move { … })`),
    /// so the future is `Send` whatever it awaits, and the transaction is
    /// committed once `work` is done with it.
    pub async fn transaction<'a, T>(
        &self,
        work: impl Fn(Transaction) -> BoxFuture<'a, ApiResult<T>>,
    ) -> ApiResult<T> {
        self.retrying(|| async {
            let txn = Transaction(Arc::new(self.write().await?));
            let value = work(txn.clone()).await?;
            match Arc::try_unwrap(txn.0) {
                Ok(txn) => txn.commit().await?,
                Err(_) => {
                    return Err(ApiError::internal(
                        "transaction",
                        "still in use after its work",
                    ));
                }
            }
            Ok(value)
        })
        .await
    }

    /// Runs `attempt` (typically one transaction) again when it loses a race
    /// ([`ApiError::Contention`]: a serialization failure or deadlock), up to
    /// [`MAX_ATTEMPTS`] times with a short growing pause; then its error
    /// reaches the client as `CONFLICT`. Any other outcome is returned as is.
    pub async fn retrying<T, F, Fut>(&self, mut attempt: F) -> ApiResult<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ApiResult<T>>,
    {
        let mut tries = 1;
        loop {
            match attempt().await {
                Err(ApiError::Contention) if tries < MAX_ATTEMPTS => {
                    tracing::debug!(tries, "transaction lost a race; retrying");
                    self.metrics.retried();
                    let jitter = u64::from(failure::EPOCH.elapsed().subsec_micros() % 5);
                    tokio::time::sleep(Duration::from_millis(u64::from(tries) * 5 + jitter)).await;
                    tries += 1;
                }
                other => return other,
            }
        }
    }
}

/// The current time as both databases keep it: to the microsecond
/// (PostgreSQL's precision; SQLite would keep nanoseconds as text). Every
/// stored timestamp comes from here, so a reply and any later read of the
/// same row agree on both backends.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

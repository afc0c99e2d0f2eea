//! Database connections and write transactions on SQLite and PostgreSQL.
//!
//! SQLite allows one writer: every write transaction here takes an in-process
//! lock and then `BEGIN IMMEDIATE` (with WAL and a busy timeout for other
//! processes), so concurrent mutations queue instead of failing with
//! "database is locked"; readers are never blocked. On PostgreSQL, writes are
//! ordinary transactions and services take row locks where an invariant spans
//! rows. A write transaction rolls back when dropped without `commit`.

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long an SQLite connection waits on another process's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    write_lock: Option<Arc<Mutex<()>>>,
}

pub struct WriteTxn {
    // Dropped first: the transaction ends before the lock is released.
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Db {
    /// Connects, creating the SQLite file (and its directory) if needed.
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
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            create_sqlite_parent_dir(url)?;
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            // A connection is pinged before use only after it sat idle (when a
            // server, proxy or firewall may have dropped it); pinging at every
            // checkout cost a round trip per query and per transaction.
            .test_before_acquire_if_idle_for(Duration::from_secs(10))
            .sqlx_logging(false);
        if sqlite {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        let mut conn = Database::connect(options).await?;
        adjust(&mut conn);
        let write_lock = sqlite.then(|| Arc::new(Mutex::new(())));
        Ok(Db { conn, write_lock })
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Begins the one transaction of a mutation.
    pub async fn write(&self) -> Result<WriteTxn, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // No access mode: PostgreSQL would spend a round trip on
        // `SET TRANSACTION READ WRITE`, its default anyway. On SQLite,
        // IMMEDIATE takes the write lock up front.
        let options = TransactionOptions {
            sqlite_transaction_mode: guard.as_ref().map(|_| SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.conn.begin_with_options(options).await?;
        Ok(WriteTxn { txn, _guard: guard })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
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

fn create_sqlite_parent_dir(url: &str) -> Result<(), DbErr> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}

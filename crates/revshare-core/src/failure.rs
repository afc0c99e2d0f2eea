//! What a database error means, and when the database was last seen
//! unreachable: below both [`crate::error`] (which turns a failure into an
//! answer) and [`crate::db`] (which pings connections idle since a failure).

use sea_orm::{DbErr, RuntimeErr};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a database error means for the request that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The database is unreachable, shutting down, or did not answer in time.
    Unavailable,
    /// A serialization failure or deadlock: the transaction may be retried.
    Contention,
    /// The database's disk is full, or failed a write (SQLite's
    /// `SQLITE_FULL` and I/O errors, PostgreSQL's `53100` and `58030`):
    /// nothing was written; a retry succeeds once space is back.
    StorageFull,
    /// Anything else: a bug or corruption.
    Other,
}

/// Sorts a database error (SQLSTATE classes 08 and 57 are connection and
/// operator trouble; 40001 and 40P01 are lost races; SQLite's 5 is a write
/// lock held past the busy timeout).
pub fn classify(err: &DbErr) -> Failure {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return Failure::Unavailable,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.as_ref(),
        DbErr::Conn(_) => return Failure::Unavailable,
        _ => return Failure::Other,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => Failure::Unavailable,
        Sqlx::Database(db) => match db.code().as_deref() {
            Some("40001" | "40P01") => Failure::Contention,
            Some(code) if code.starts_with("08") || code.starts_with("57") => Failure::Unavailable,
            Some("53300" | "5" | "6" | "517") => Failure::Unavailable,
            Some("13" | "53100" | "58030") => Failure::StorageFull,
            // SQLite's I/O errors: 10, extended as 10 + (n << 8).
            Some(code) if code.parse::<u32>().is_ok_and(|c| c & 0xff == 10) => Failure::StorageFull,
            _ => Failure::Other,
        },
        _ => Failure::Other,
    }
}

/// When this process last saw the database unreachable, in milliseconds
/// since [`EPOCH`] plus one (0: never).
static LAST_FAILURE_MS: AtomicU64 = AtomicU64::new(0);
pub static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Records that the database was unreachable just now.
pub fn note_connection_failure() {
    let now = clock_ms();
    LAST_FAILURE_MS.fetch_max(now, Ordering::Relaxed);
}

/// Whether a pooled connection idle for `idle_for` may predate the last
/// failure (and so may have been dropped by the server or a proxy).
pub fn idle_since_failure(idle_for: Duration) -> bool {
    let failure = LAST_FAILURE_MS.load(Ordering::Relaxed);
    if failure == 0 {
        return false;
    }
    let now = clock_ms();
    now.saturating_sub(idle_for.as_millis() as u64) <= failure
}

/// Milliseconds since [`EPOCH`] plus one: never 0, which stands for never.
pub fn clock_ms() -> u64 {
    EPOCH.elapsed().as_millis() as u64 + 1
}

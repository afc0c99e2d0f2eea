//! Every database call bounded by its own clock ([`Timed`]), and the write
//! transaction services are handed ([`WriteTxn`], [`Transaction`]): its
//! commit writes the act's activity entry first, counts what it wrote and
//! drops the kept rows its tables' changes invalidate.

use super::kept::{self, Kept};
use super::{ABANDONED_WINDOW, now};
use crate::failure::{self, note_connection_failure};
use crate::observe::metrics::Metrics;
use crate::observe::tally::Tally;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement, TransactionTrait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tracing::Instrument;

/// A connection or transaction whose every call gives up on its own clock:
/// past its deadline a call answers a connection error (`UNAVAILABLE`). The
/// connection such a call held is then released mid-statement; a released
/// connection is pinged (within [`ABANDONED_WINDOW`] of a call given up on,
/// for at most [`RELEASE_PING`](super::RELEASE_PING)) and closed when it does not answer, so a
/// silent network costs the pool nothing it keeps.
#[derive(Clone)]
pub struct Timed<C> {
    pub(super) inner: C,
    pub(super) deadline: Duration,
    /// In a transaction: what it wrote, counted when it commits.
    pub(super) tally: Option<Arc<Tally>>,
    /// The span statements are children of: a transaction's own, or none
    /// for the pool (the caller's current span).
    pub(super) span: tracing::Span,
    /// The rows kept in memory a change to their tables drops.
    pub(super) kept: Option<Arc<Kept>>,
}

impl Timed<DatabaseTransaction> {
    /// Notes commission rows of `kind` written in this transaction.
    pub fn wrote_commissions(&self, kind: &'static str, rows: u64) {
        if let Some(tally) = &self.tally {
            tally.add(kind, rows);
        }
    }
}

impl<C> Timed<C> {
    /// After a statement that `changes` a kept table: in a transaction,
    /// noted for its commit; outside one, already committed.
    fn changed_kept(&self, changes: bool) {
        if !changes {
            return;
        }
        match (&self.tally, &self.kept) {
            (Some(tally), _) => tally.change_kept(),
            (None, Some(kept)) => kept.changed(),
            (None, None) => {}
        }
    }

    /// The rows this connection's reads may keep in memory.
    pub fn kept(&self) -> Option<&Arc<Kept>> {
        self.kept.as_ref()
    }

    /// The connection without a deadline (migrations, which may run long).
    pub fn unbounded(&self) -> &C {
        &self.inner
    }

    pub(super) async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, DbErr>>,
    ) -> Result<T, DbErr> {
        let call = std::pin::pin!(call);
        tokio::select! {
            answered = call => answered,
            _ = tokio::time::sleep(self.deadline) => {
                // Marked before the call (and the connection it holds) is
                // dropped, so its release already sees the mark.
                note_abandoned();
                Err(DbErr::Conn(RuntimeErr::Internal(format!(
                    "no answer within {} ms",
                    self.deadline.as_millis()
                ))))
            }
        }
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for Timed<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let span = statement_span(&self.span, &stmt.sql);
        let changes = kept::writes_kept(&stmt.sql);
        let answer = self
            .bounded(self.inner.execute_raw(stmt))
            .instrument(span)
            .await;
        self.changed_kept(changes);
        answer
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let span = statement_span(&self.span, sql);
        let answer = self
            .bounded(self.inner.execute_unprepared(sql))
            .instrument(span)
            .await;
        self.changed_kept(kept::writes_kept(sql));
        answer
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let span = statement_span(&self.span, &stmt.sql);
        let changes = kept::writes_kept(&stmt.sql);
        let answer = self
            .bounded(self.inner.query_one_raw(stmt))
            .instrument(span)
            .await;
        self.changed_kept(changes);
        answer
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let span = statement_span(&self.span, &stmt.sql);
        let changes = kept::writes_kept(&stmt.sql);
        let answer = self
            .bounded(self.inner.query_all_raw(stmt))
            .instrument(span)
            .await;
        self.changed_kept(changes);
        answer
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

/// A span for one statement (disabled, and free, unless traces are
/// exported), under its transaction's when it has one: the SQL as sent,
/// with placeholders for values (revshare's statements bind their values).
pub(super) fn statement_span(parent: &tracing::Span, sql: &str) -> tracing::Span {
    let span = match parent.is_disabled() {
        true => tracing::info_span!(
            target: "revshare::db",
            "db.query",
            otel.kind = "client",
            db.query.text = tracing::field::Empty,
        ),
        false => tracing::info_span!(
            target: "revshare::db",
            parent: parent,
            "db.query",
            otel.kind = "client",
            db.query.text = tracing::field::Empty,
        ),
    };
    if !span.is_disabled() {
        span.record("db.query.text", sql);
    }
    span
}

/// When this process last gave up on a call, as `failure`'s last failure is counted.
static LAST_ABANDONED_MS: AtomicU64 = AtomicU64::new(0);

pub(super) fn note_abandoned() {
    note_connection_failure();
    LAST_ABANDONED_MS.fetch_max(failure::clock_ms(), Ordering::Relaxed);
}

/// Whether a call was given up on within [`ABANDONED_WINDOW`].
pub(super) fn recently_abandoned() -> bool {
    let last = LAST_ABANDONED_MS.load(Ordering::Relaxed);
    last != 0 && failure::clock_ms() - last <= ABANDONED_WINDOW.as_millis() as u64
}

/// Attempts of a transaction that keeps losing races before it answers
/// `CONFLICT`.
pub const MAX_ATTEMPTS: u32 = 5;

/// The future of a transaction's work.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The write transaction [`Db::transaction`] hands its work: a shared
/// handle, dereferencing to the connection every statement runs on.
#[derive(Clone)]
pub struct Transaction(pub(super) Arc<WriteTxn>);

impl std::ops::Deref for Transaction {
    type Target = Timed<DatabaseTransaction>;
    fn deref(&self) -> &Timed<DatabaseTransaction> {
        &self.0
    }
}

pub struct WriteTxn {
    // Dropped first: the transaction ends before the lock is released.
    pub(super) txn: Timed<DatabaseTransaction>,
    pub(super) _guard: Option<OwnedMutexGuard<()>>,
    pub(super) commits: Arc<tokio::sync::watch::Sender<u64>>,
    pub(super) metrics: Arc<Metrics>,
}

impl std::ops::Deref for WriteTxn {
    type Target = Timed<DatabaseTransaction>;
    fn deref(&self) -> &Timed<DatabaseTransaction> {
        &self.txn
    }
}

impl<C> Timed<C> {
    /// The same bounds and span around another connection.
    fn with<D>(&self, inner: D, tally: Option<Arc<Tally>>) -> Timed<D> {
        Timed {
            inner,
            deadline: self.deadline,
            tally,
            span: self.span.clone(),
            kept: self.kept.clone(),
        }
    }
}

impl WriteTxn {
    /// Commits, writing first the activity entry of the act the task is
    /// within, if any (SPEC §34): in this transaction, so that the change
    /// and its entry commit together or not at all.
    pub async fn commit(self) -> Result<(), DbErr> {
        crate::activity::write_pending(&self.txn, now()).await?;
        let Timed {
            inner,
            deadline,
            tally,
            span,
            kept,
        } = self.txn;
        let commit = Timed {
            inner: (),
            deadline,
            tally: None,
            span: span.clone(),
            kept: None,
        };
        commit
            .bounded(inner.commit())
            .instrument(statement_span(&span, "COMMIT"))
            .await?;
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
        if let (Some(tally), Some(kept)) = (&tally, kept)
            && tally.changed_kept()
        {
            kept.changed();
        }
        if let Some(tally) = tally {
            for (kind, rows) in tally.take() {
                self.metrics.commissions_written(kind, rows);
            }
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        let Timed {
            inner,
            deadline,
            span,
            ..
        } = self.txn;
        let rollback = Timed {
            inner: (),
            deadline,
            tally: None,
            span,
            kept: None,
        };
        rollback.bounded(inner.rollback()).await
    }

    /// A savepoint inside the transaction, bounded like it.
    pub async fn savepoint(&self) -> Result<Timed<DatabaseTransaction>, DbErr> {
        let inner = self.txn.bounded(self.txn.inner.begin()).await?;
        let tally = self.txn.tally.as_ref().map(Tally::child);
        Ok(self.txn.with(inner, tally))
    }
}

impl Timed<DatabaseTransaction> {
    /// Commits a savepoint: what it wrote joins its transaction's tally.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Timed {
            inner,
            deadline,
            tally,
            span,
            ..
        } = self;
        Timed {
            inner: (),
            deadline,
            tally: None,
            span,
            kept: None,
        }
        .bounded(inner.commit())
        .await?;
        if let Some(tally) = tally {
            tally.release();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        let Timed {
            inner,
            deadline,
            span,
            ..
        } = self;
        Timed {
            inner: (),
            deadline,
            tally: None,
            span,
            kept: None,
        }
        .bounded(inner.rollback())
        .await
    }
}

//! Waking the readers of a tenant's log when it grows, on every replica.
//!
//! Readers wait on their tenant's [`tokio::sync::watch`] ([`Notifier::watch`])
//! and, woken, read the log from their own cursor: a wake-up carries no
//! event, so none is ever lost by a reader that was slow or busy, and a
//! reader holds no queue of its own.
//!
//! - **PostgreSQL**: a trigger on the log notifies `revshare_events` with
//!   the tenant at each commit that appended events; a `LISTEN` connection
//!   on every replica wakes that tenant's readers. Notifications sent while
//!   the connection was down are lost, so a reconnect wakes every reader to
//!   catch up from its cursor.
//! - **SQLite** (one replica): every write transaction's commit signals
//!   the process ([`crate::db::Db::commits`]); one task then reads which
//!   tenants' logs grew, with one query however many readers wait.
//!
//! Every [`SAFETY_WAKE`] all readers are woken anyway, so a notification
//! lost another way delays an event by that much at most.

use crate::db::{Db, kept};
use crate::jobs::Runner;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL channel the log's trigger notifies.
pub const CHANNEL: &str = "revshare_events";
/// How often every reader is woken whatever was heard.
pub const SAFETY_WAKE: Duration = Duration::from_secs(30);

/// Per tenant, a counter bumped when its log may have grown; and one
/// bumped when any tenant's may have (the webhook dispatcher's).
#[derive(Clone)]
pub struct Notifier {
    tenants: Arc<Mutex<HashMap<String, watch::Sender<u64>>>>,
    any: Arc<watch::Sender<u64>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            tenants: Arc::default(),
            any: Arc::new(watch::channel(0).0),
        }
    }
}

impl Notifier {
    /// A receiver that changes when `tenant_id`'s log may have grown.
    pub fn watch(&self, tenant_id: &str) -> watch::Receiver<u64> {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants
            .entry(tenant_id.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// A receiver that changes when any tenant's log may have grown.
    pub fn watch_any(&self) -> watch::Receiver<u64> {
        self.any.subscribe()
    }

    /// Wakes `tenant_id`'s readers.
    pub fn wake(&self, tenant_id: &str) {
        {
            let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(sender) = tenants.get(tenant_id) {
                sender.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
        self.any.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes every reader (after a lost connection, and now and then).
    pub fn wake_all(&self) {
        {
            let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            // A tenant no one listens to any more is forgotten.
            tenants.retain(|_, sender| sender.receiver_count() > 0);
            for sender in tenants.values() {
                sender.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
        self.any.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Subscriptions waiting, over every tenant (for metrics).
    pub fn readers(&self) -> usize {
        let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.values().map(|s| s.receiver_count()).sum()
    }

    /// The notifier of `db`, its listening task served by `runner` (the
    /// event log's wake-ups are what subscriptions and jobs stand on).
    pub fn start(db: &Db, runner: &Runner) -> Notifier {
        let notifier = Notifier::default();
        match db.backend() {
            DbBackend::Postgres => runner.serve(listen(db.clone(), notifier.clone())),
            _ => runner.serve(poll(db.clone(), notifier.clone())),
        }
        let periodic = notifier.clone();
        runner.serve(async move {
            let mut every = tokio::time::interval(SAFETY_WAKE);
            every.tick().await;
            loop {
                every.tick().await;
                periodic.wake_all();
            }
        });
        notifier
    }
}

/// PostgreSQL: `LISTEN` on a connection of the pool, reconnecting (and
/// waking everyone to catch up) when it is lost. The same connection hears
/// changes to the groups and campaigns kept in memory ([`crate::db::kept`]):
/// they are kept only while it listens.
async fn listen(db: Db, notifier: Notifier) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = db.conn().unbounded().get_postgres_connection_pool().clone();
    let kept = db.kept().map(|(kept, _)| kept.clone());
    let trust = |heard: bool| {
        if let Some(kept) = &kept {
            kept.trust(heard);
        }
    };
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for domain events; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen_all([CHANNEL, kept::CHANNEL]).await {
            tracing::warn!(error = %err, "cannot listen for domain events; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever was notified before this connection listened.
        notifier.wake_all();
        trust(true);
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) if notification.channel() == kept::CHANNEL => {
                    if let Some(kept) = &kept {
                        kept.changed();
                    }
                }
                Ok(Some(notification)) => notifier.wake(notification.payload()),
                // The connection was lost: listen again on a new one
                // (which wakes everyone to catch up); nothing is kept until
                // it listens.
                Ok(None) => {
                    trust(false);
                    break;
                }
                Err(err) => {
                    trust(false);
                    tracing::warn!(error = %err, "lost the domain-event listener; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

/// SQLite: after each commit, which tenants' logs grew since last looked.
async fn poll(db: Db, notifier: Notifier) {
    let mut commits = db.commits();
    let mut last: i64 = 0;
    let conn = db.conn();
    let backend = conn.get_database_backend();
    if let Ok(Some(row)) = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM domain_events",
        ))
        .await
    {
        last = row.try_get("", "seq").unwrap_or(0);
    }
    while commits.changed().await.is_ok() {
        let grown = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT tenant_id, MAX(seq) AS seq FROM domain_events WHERE seq > ? GROUP BY tenant_id",
                [Value::from(last)],
            ))
            .await;
        match grown {
            Ok(rows) => {
                for row in rows {
                    let (Ok(tenant), Ok(seq)) = (
                        row.try_get::<String>("", "tenant_id"),
                        row.try_get::<i64>("", "seq"),
                    ) else {
                        continue;
                    };
                    last = last.max(seq);
                    notifier.wake(&tenant);
                }
            }
            Err(err) => tracing::warn!(error = ?err, "cannot read the domain-event log"),
        }
    }
}

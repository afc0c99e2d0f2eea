//! The sessions open WebSockets act for. A socket whose token belongs to
//! a session — a console session (`sid`), a portal session
//! (`portal:{id}`) — closes (4403) within [`EVERY`] of that session's
//! end, on whichever replica it was ended, and runs nothing after it:
//!
//! - each replica keeps the sessions its sockets act for, with a watch per
//!   session, and while it has any, reads which of them are still open
//!   every [`EVERY`] (one statement per kind of session, whatever the
//!   number of sockets): an ended one's sockets are told, and close;
//! - each operation a socket starts checks its session first (one
//!   statement), as an HTTP request with a console token does, so a
//!   mutation sent between the sign-out and the close is refused
//!   (`UNAUTHENTICATED`).
//!
//! A signed-out session's ended row is what every replica reads, so no
//! notification between replicas is needed.

use entity::{portal_session, staff_session};
use revshare_core::auth::Principal;
use revshare_core::db::Db;
use revshare_core::error::ApiResult;
use revshare_core::jobs::Runner;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How often the sessions of open sockets are read.
pub const EVERY: Duration = Duration::from_millis(400);
/// Most ids read by one statement.
const CHUNK: usize = 500;

/// A session a token belongs to.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Session {
    /// A console session (`staff_sessions`).
    Staff { tenant: String, id: String },
    /// A portal session (`portal_sessions`).
    Portal { tenant: String, id: String },
}

impl Session {
    /// The session `principal`'s token belongs to, if any (an embed token
    /// or a service token has none).
    pub fn of(principal: &Principal) -> Option<Session> {
        let tenant = principal.tenant_id().to_owned();
        if let Some(id) = &principal.session {
            return Some(Session::Staff {
                tenant,
                id: id.clone(),
            });
        }
        // What `portal` mints for a session: a partner token whose `sub`
        // names it.
        let id = principal.subject.strip_prefix("portal:")?;
        principal.partner_id.as_ref()?;
        Some(Session::Portal {
            tenant,
            id: id.to_owned(),
        })
    }

    /// Whether the session is open.
    pub async fn is_open(&self, db: &Db) -> ApiResult<bool> {
        let conn = db.conn();
        Ok(match self {
            Session::Staff { tenant, id } => {
                revshare_core::staff::is_open(conn, tenant, id).await?
            }
            Session::Portal { tenant, id } => {
                revshare_core::sign_in::open::<portal_session::Entity>(conn, tenant, id)
                    .await?
                    .is_some()
            }
        })
    }
}

/// One session's sockets on this replica.
struct Watched {
    sockets: usize,
    ended: watch::Sender<bool>,
}

#[derive(Default)]
struct Inner {
    watched: HashMap<Session, Watched>,
    /// Whether the reader runs.
    reading: bool,
}

/// This replica's sockets' sessions.
#[derive(Clone)]
pub struct Sessions {
    db: Db,
    inner: Arc<Mutex<Inner>>,
    runner: Runner,
}

/// A socket's hold on its session: `ended` turns true when it ends; the
/// session is forgotten when its last socket lets go.
pub struct Held {
    pub ended: watch::Receiver<bool>,
    session: Session,
    sessions: Sessions,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut inner = self.sessions.lock();
        if let Some(watched) = inner.watched.get_mut(&self.session) {
            watched.sockets -= 1;
            if watched.sockets == 0 {
                inner.watched.remove(&self.session);
            }
        }
    }
}

impl Sessions {
    /// Sessions whose reader `runner` serves.
    pub fn new(db: Db, runner: Runner) -> Sessions {
        Sessions {
            db,
            inner: Arc::default(),
            runner,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches `session` for a socket, starting the reader if it is not
    /// running.
    pub fn hold(&self, session: Session) -> Held {
        let mut inner = self.lock();
        let watched = inner
            .watched
            .entry(session.clone())
            .or_insert_with(|| Watched {
                sockets: 0,
                ended: watch::channel(false).0,
            });
        watched.sockets += 1;
        let ended = watched.ended.subscribe();
        if !inner.reading {
            inner.reading = true;
            self.runner.serve(read(self.clone()));
        }
        Held {
            ended,
            session,
            sessions: self.clone(),
        }
    }
}

/// Every [`EVERY`] while any session is held: tells the sockets of each
/// that ended.
async fn read(sessions: Sessions) {
    loop {
        tokio::time::sleep(EVERY).await;
        let (staff, portal): (Vec<Session>, Vec<Session>) = {
            let mut inner = sessions.lock();
            if inner.watched.is_empty() {
                inner.reading = false;
                return;
            }
            inner
                .watched
                .keys()
                .cloned()
                .partition(|s| matches!(s, Session::Staff { .. }))
        };
        let ended = match still_open(&sessions.db, &staff, &portal).await {
            Ok(open) => staff
                .into_iter()
                .chain(portal)
                .filter(|s| !open.contains(s))
                .collect::<Vec<_>>(),
            Err(err) => {
                tracing::warn!(error = ?err, "reading the sockets' sessions failed; retrying");
                continue;
            }
        };
        let inner = sessions.lock();
        for session in ended {
            if let Some(watched) = inner.watched.get(&session) {
                watched.ended.send_replace(true);
            }
        }
    }
}

/// Which of `staff` and `portal` are open.
async fn still_open(db: &Db, staff: &[Session], portal: &[Session]) -> ApiResult<Vec<Session>> {
    let id = |s: &Session| match s {
        Session::Staff { id, .. } | Session::Portal { id, .. } => id.clone(),
    };
    let mut open = Vec::new();
    for (sessions, is_staff) in [(staff, true), (portal, false)] {
        for chunk in sessions.chunks(CHUNK) {
            let ids: Vec<String> = chunk.iter().map(id).collect();
            let found = match is_staff {
                true => {
                    revshare_core::sign_in::open_among::<staff_session::Entity>(db.conn(), &ids)
                        .await?
                }
                false => {
                    revshare_core::sign_in::open_among::<portal_session::Entity>(db.conn(), &ids)
                        .await?
                }
            };
            open.extend(chunk.iter().filter(|s| found.contains(&id(s))).cloned());
        }
    }
    Ok(open)
}

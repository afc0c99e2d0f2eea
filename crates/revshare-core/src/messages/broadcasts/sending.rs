//! Sending a broadcast (SPEC §35) in batches that never hold the writer
//! long: on SQLite every other write waits while one is open, and one
//! transaction for a whole audience of 20,000 kept a sale waiting past
//! its bound.
//!
//! - **Claim** ([`claim`]): one conditional update moves the broadcast
//!   from `SCHEDULED` to `SENDING`, so it starts once however many
//!   replicas find it due, and one canceled first never starts; in the
//!   same transaction its audience is resolved, once, into
//!   `broadcast_recipients` (one statement, `INSERT … SELECT`), and
//!   `recipients` is that count. A stored audience that does not read
//!   resolves to no one: the same conditional update moves it to
//!   `FAILED` with why ([`UNREADABLE_AUDIENCE`]) instead.
//! - **Batches** ([`send_batch`]): each transaction takes the next
//!   [`BATCH`] partners still to be written (by id), advances
//!   `sent_through` and `delivered` on the condition that `sent_through`
//!   is still where it found it — another sender that got there first
//!   leaves this one nothing to write — then writes their messages (and
//!   e-mails) and deletes their rows. The last batch (fewer than
//!   [`BATCH`], or none) moves the broadcast to `SENT`.
//!   `ux_broadcast_messages` keeps each recipient's message single
//!   whatever happens.
//! - **Who sends**: `createBroadcast` sends for up to [`INLINE`] and
//!   answers; what is left (a large audience, a request cut short, a
//!   replica stopped midway) is the `broadcasts` job's, woken at once on
//!   this replica and within [`POLL`] on any: it finishes every
//!   `SENDING` broadcast from where it stopped.

use super::audience::{audience_of, resolve};
use crate::activity::{Actor, Entry};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, Job, Worker};
use crate::messages::{NewMessage, write};
use chrono::{DateTime, Utc};
use entity::enums::{BroadcastStatus, MessageSender};
use entity::{broadcast, broadcast_recipient, partner};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often the broadcasts job looks for scheduled broadcasts due and
/// broadcasts left sending: one is sent within this of its `sendAt`.
pub const POLL: Duration = Duration::from_secs(15);
/// The recipients one transaction writes: a few hundred, so that no
/// batch holds SQLite's writer for more than a moment.
pub const BATCH: u64 = 200;
/// How long `createBroadcast` sends before it answers and leaves the rest
/// to the job: well within a request's deadline.
pub const INLINE: Duration = Duration::from_secs(2);

/// Wakes this replica's broadcasts job: a broadcast made here was left
/// sending.
#[derive(Clone, Default)]
pub struct Wake(pub Arc<Notify>);

impl Wake {
    /// Wakes the job now, or as soon as it next waits.
    pub fn poke(&self) {
        self.0.notify_one();
    }
}

/// On every replica: scheduled broadcasts due are started and every
/// broadcast sending is finished, every [`POLL`] and at once when one
/// made here was left sending.
pub fn worker(wake: &Wake) -> Worker {
    Worker::every(Job::Broadcasts, POLL).woken_by(jobs::Wake::Poke(wake.0.clone()))
}

/// What one batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Wrote a batch; more are left.
    More,
    /// Another sender wrote the batch this one found: look again.
    Raced,
    /// Wrote the last batch: the broadcast is `SENT`.
    Sent,
    /// The broadcast is not sending (sent, canceled, or none such).
    Idle,
}

/// Why a broadcast whose stored audience does not read is `FAILED`.
pub const UNREADABLE_AUDIENCE: &str =
    "its stored audience could not be read: it was sent to no one";

/// What claiming a scheduled broadcast did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Started: its audience resolved to this many recipients.
    Started(i32),
    /// Its stored audience does not read: `FAILED`, sent to no one.
    Failed,
    /// Another started, failed or canceled it first.
    Lost,
}

/// Starts a `SCHEDULED` broadcast in the caller's transaction: moves it
/// to `SENDING`, resolves its audience into the partners still to be
/// written, and keeps their count as `recipients`. An audience that does
/// not read resolves to no one: the broadcast is `FAILED` with why
/// ([`UNREADABLE_AUDIENCE`]), never sent to a default audience.
pub(super) async fn claim(conn: &impl ConnectionTrait, row: &broadcast::Model) -> ApiResult<Claim> {
    let audience = match audience_of(row) {
        Ok(audience) => audience,
        Err(_) => {
            tracing::error!(broadcast = %row.id, "a broadcast's stored audience does not read: failed, sent to no one");
            let failed = broadcast::Entity::update_many()
                .col_expr(
                    broadcast::Column::Status,
                    Expr::value(BroadcastStatus::Failed.as_str()),
                )
                .col_expr(broadcast::Column::Failure, Expr::value(UNREADABLE_AUDIENCE))
                .filter(broadcast::Column::Id.eq(row.id.as_str()))
                .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
                .exec(conn)
                .await?;
            return Ok(match failed.rows_affected {
                1 => Claim::Failed,
                _ => Claim::Lost,
            });
        }
    };
    let claimed = broadcast::Entity::update_many()
        .col_expr(
            broadcast::Column::Status,
            Expr::value(BroadcastStatus::Sending.as_str()),
        )
        .filter(broadcast::Column::Id.eq(row.id.as_str()))
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Claim::Lost);
    }
    let chosen = resolve(&row.tenant_id, &audience)
        .select_only()
        .column(partner::Column::Id)
        .column(partner::Column::TenantId)
        .column_as(Expr::val(row.id.clone()), "broadcast_id")
        .into_query();
    let mut freeze = Query::insert();
    freeze.into_table(broadcast_recipient::Entity).columns([
        broadcast_recipient::Column::PartnerId,
        broadcast_recipient::Column::TenantId,
        broadcast_recipient::Column::BroadcastId,
    ]);
    freeze
        .select_from(chosen)
        .map_err(|e| ApiError::internal("broadcast audience", e))?;
    let frozen = conn
        .execute_raw(conn.get_database_backend().build(&freeze))
        .await?
        .rows_affected();
    let recipients = i32::try_from(frozen).unwrap_or(i32::MAX);
    broadcast::Entity::update_many()
        .col_expr(broadcast::Column::Recipients, Expr::value(recipients))
        .filter(broadcast::Column::Id.eq(row.id.as_str()))
        .exec(conn)
        .await?;
    Ok(Claim::Started(recipients))
}

/// Writes the next batch of a `SENDING` broadcast's messages in a
/// transaction of its own (see the module), stamped `now`. The batch that
/// sends the last says so in the activity log, as the `broadcasts` job:
/// `SENT`, and how many it delivered in all.
pub async fn send_batch(db: &Db, id: &str, now: DateTime<Utc>) -> ApiResult<Progress> {
    db.transaction(|txn| {
        Box::pin(async move {
            // An act's entry says what it did once, not per batch.
            crate::activity::quiet();
            let conn = &*txn;
            let (progress, sent) = write_batch(conn, id, now).await?;
            if let Some((row, delivered)) = sent {
                let entry = Entry::on(
                    &row.tenant_id,
                    Actor::system("broadcasts"),
                    "sendBroadcast",
                    "Broadcast",
                    &row.id,
                )
                .changing("status", Some("SENDING".into()), Some("SENT".into()))
                .changing("delivered", None, Some(delivered.to_string()));
                crate::activity::record(conn, now, vec![entry]).await?;
            }
            Ok(progress)
        })
    })
    .await
}

/// A sent broadcast as its last batch read it, and the messages it
/// delivered in all.
type Sent = Option<(broadcast::Model, i32)>;

/// Writes the next batch of a `SENDING` broadcast's messages in the
/// caller's transaction: what it did, and — when it wrote the last — the
/// broadcast and how many it delivered in all. `createBroadcast` sends
/// an audience smaller than a batch so, in the transaction that made it.
pub(super) async fn write_batch(
    conn: &impl ConnectionTrait,
    id: &str,
    now: DateTime<Utc>,
) -> ApiResult<(Progress, Sent)> {
    let Some(row) = broadcast::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok((Progress::Idle, None));
    };
    if row.status != BroadcastStatus::Sending {
        return Ok((Progress::Idle, None));
    }
    let next: Vec<String> = broadcast_recipient::Entity::find()
        .select_only()
        .column(broadcast_recipient::Column::PartnerId)
        .filter(broadcast_recipient::Column::BroadcastId.eq(id))
        .order_by_asc(broadcast_recipient::Column::PartnerId)
        .limit(BATCH)
        .into_tuple()
        .all(conn)
        .await?;
    let partners = match next.is_empty() {
        true => Vec::new(),
        false => {
            partner::Entity::find()
                .filter(partner::Column::TenantId.eq(row.tenant_id.as_str()))
                .filter(partner::Column::Id.is_in(next.iter().map(String::as_str)))
                .order_by_asc(partner::Column::Id)
                .all(conn)
                .await?
        }
    };
    let written = i32::try_from(partners.len()).unwrap_or(i32::MAX);
    let through = next.last().cloned().or_else(|| row.sent_through.clone());
    // The batch is this sender's only if no other moved the
    // broadcast on since it was read (on PostgreSQL the row's
    // lock orders racing senders; the second finds it moved).
    let mut advance = broadcast::Entity::update_many()
        .col_expr(broadcast::Column::SentThrough, Expr::value(through))
        .col_expr(
            broadcast::Column::Delivered,
            Expr::col(broadcast::Column::Delivered).add(written),
        )
        .filter(broadcast::Column::Id.eq(id))
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Sending));
    advance = match &row.sent_through {
        Some(was) => advance.filter(broadcast::Column::SentThrough.eq(was.as_str())),
        None => advance.filter(broadcast::Column::SentThrough.is_null()),
    };
    if advance.exec(conn).await?.rows_affected != 1 {
        return Ok((Progress::Raced, None));
    }
    // Each recipient reads the broadcast in its language when its author
    // gave that translation, else as written (SPEC §38).
    // The tenant is read once a batch: each recipient's language (and
    // its e-mail's) is decided here, not asked again per message.
    let translations = crate::languages::translations::decode(row.translations.as_deref());
    let offered = match partners.is_empty() {
        true => None,
        false => entity::tenant::Entity::find_by_id(row.tenant_id.clone())
            .one(conn)
            .await?
            .map(|tenant| crate::languages::Offered::of(&tenant)),
    };
    for partner in &partners {
        let language = offered
            .as_ref()
            .map(|offered| offered.reads(partner.language.as_deref()).to_owned());
        let translated = language.as_deref().and_then(|language| {
            crate::languages::translations::for_reader(&translations, language)
        });
        let new = NewMessage {
            partner,
            sender: MessageSender::Staff,
            author: row.created_by.clone(),
            body: translated.map_or_else(|| row.body.clone(), |t| t.body.clone()),
            subject: Some(
                translated
                    .and_then(|t| t.subject.clone())
                    .unwrap_or_else(|| row.subject.clone()),
            ),
            broadcast_id: Some(row.id.clone()),
            workflow_id: None,
            language,
        };
        write(conn, new, now).await?;
    }
    if let Some(last) = next.last() {
        broadcast_recipient::Entity::delete_many()
            .filter(broadcast_recipient::Column::BroadcastId.eq(id))
            .filter(broadcast_recipient::Column::PartnerId.lte(last.as_str()))
            .exec(conn)
            .await?;
    }
    if next.len() as u64 == BATCH {
        return Ok((Progress::More, None));
    }
    broadcast::Entity::update_many()
        .col_expr(
            broadcast::Column::Status,
            Expr::value(BroadcastStatus::Sent.as_str()),
        )
        .col_expr(broadcast::Column::SentAt, Expr::value(now))
        .filter(broadcast::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let delivered = row.delivered.saturating_add(written);
    Ok((Progress::Sent, Some((row, delivered))))
}

/// Writes a `SENDING` broadcast's batches until none is left; answers
/// whether this call sent its last (another sender may have).
pub async fn finish(db: &Db, id: &str, now: DateTime<Utc>) -> ApiResult<bool> {
    loop {
        match send_batch(db, id, now).await? {
            Progress::More | Progress::Raced => continue,
            Progress::Sent => return Ok(true),
            Progress::Idle => return Ok(false),
        }
    }
}

/// Sends a broadcast `createBroadcast` just started for up to
/// [`INLINE`], then leaves what is left to the job (woken); answers the
/// broadcast as it then is — `SENT`, or `SENDING` with `recipients`
/// exact and `delivered` so far.
pub(super) async fn send_now(
    db: &Db,
    row: broadcast::Model,
    wake: &Wake,
) -> ApiResult<broadcast::Model> {
    let until = tokio::time::Instant::now() + INLINE;
    loop {
        if tokio::time::Instant::now() >= until {
            wake.poke();
            break;
        }
        match send_batch(db, &row.id, crate::db::now()).await {
            Ok(Progress::More | Progress::Raced) => continue,
            Ok(Progress::Sent | Progress::Idle) => break,
            Err(err) => {
                // The broadcast exists and has started: the job finishes
                // it, and the caller hears that it is sending.
                tracing::warn!(broadcast = %row.id, error = ?err, "a broadcast's batch failed; the job takes it up");
                wake.poke();
                break;
            }
        }
    }
    let current = super::find(db.conn(), &row.tenant_id, &row.id).await?;
    Ok(current.unwrap_or(row))
}

/// Starts every scheduled broadcast due by `now`, over every tenant, each
/// in a transaction of its own; answers the ids of those started here
/// (one whose audience does not read is `FAILED` instead, and not among
/// them).
pub async fn claim_due(db: &Db, now: DateTime<Utc>) -> ApiResult<Vec<String>> {
    let due = broadcast::Entity::find()
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
        .filter(broadcast::Column::SendAt.lte(now))
        .order_by_asc(broadcast::Column::SendAt)
        .all(db.conn())
        .await?;
    let mut started = Vec::new();
    for row in due {
        let claimed = db
            .transaction(|txn| {
                let row = row.clone();
                Box::pin(async move {
                    let claimed = claim(&*txn, &row).await?;
                    let entry = Entry::on(
                        &row.tenant_id,
                        Actor::system("broadcasts"),
                        "sendBroadcast",
                        "Broadcast",
                        &row.id,
                    );
                    let entry = match claimed {
                        Claim::Started(recipients) => entry
                            .changing("status", Some("SCHEDULED".into()), Some("SENDING".into()))
                            .changing("recipients", None, Some(recipients.to_string())),
                        Claim::Failed => entry
                            .changing("status", Some("SCHEDULED".into()), Some("FAILED".into()))
                            .changing("failure", None, Some(UNREADABLE_AUDIENCE.into())),
                        Claim::Lost => return Ok(claimed),
                    };
                    crate::activity::record(&*txn, now, vec![entry]).await?;
                    Ok(claimed)
                })
            })
            .await?;
        if let Claim::Started(_) = claimed {
            started.push(row.id);
        }
    }
    Ok(started)
}

/// Starts the scheduled broadcasts due by `now` and finishes every
/// broadcast sending (started here, by a request, or by a replica that
/// stopped midway); answers how many it sent: those it started (whichever
/// sender wrote their last batch) and those whose last batch it wrote.
pub async fn send_due(db: &Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut sent = claim_due(db, now).await?;
    let sending: Vec<String> = broadcast::Entity::find()
        .select_only()
        .column(broadcast::Column::Id)
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Sending))
        .order_by_asc(broadcast::Column::CreatedAt)
        .into_tuple()
        .all(db.conn())
        .await?;
    // One broadcast that fails keeps none behind it waiting.
    let mut failed = None;
    for id in sending {
        match finish(db, &id, now).await {
            Ok(true) if !sent.contains(&id) => sent.push(id),
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(broadcast = %id, error = ?err, "sending a broadcast failed; tried again at the next round");
                failed.get_or_insert(err);
            }
        }
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(sent.len()),
    }
}

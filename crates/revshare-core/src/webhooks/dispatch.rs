//! The webhook dispatcher: one background task per replica that turns the
//! event log into deliveries and sends them (SPEC §12).
//!
//! 1. **Fan-out.** Each enabled endpoint keeps its place in the log. Woken
//!    by the log growing ([`Notifier::watch_any`]), the dispatcher reads an
//!    endpoint's events after its place and, in one transaction with the
//!    endpoint's row locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL: a
//!    replica finding it locked leaves it to the one holding it), writes a
//!    `PENDING` delivery for each and moves the place on. The place moves
//!    only over final events ([`crate::events::log`]), so none is skipped,
//!    and a delivery is written once per event and endpoint.
//! 2. **Claiming.** Due deliveries are claimed, a batch at a time, in a
//!    statement that sets their next attempt to a lease ([`lease`]: the
//!    timeout and a margin) and counts the attempt (`SKIP LOCKED` again):
//!    another replica does not see them due until the lease ends, so an
//!    attempt is sent once, and one that a crash interrupted is sent again
//!    when its lease ends (at least once). Batches are sent by
//!    [`super::send`], up to [`MAX_IN_FLIGHT`] deliveries at once, so a slow
//!    receiver holds only its own batch.

use super::{Settings, audience_of, send, ssrf};
use crate::db::Db;
use crate::error::ApiResult;
use crate::events::log::{self, Cursor};
use crate::events::notify::Notifier;
use crate::jobs::Stop;
use chrono::{DateTime, Utc};
use entity::enums::{DeliveryStatus, WebhookStatus};
use entity::{domain_event, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Deliveries in flight at once, per replica.
pub const MAX_IN_FLIGHT: usize = 256;
/// Events turned into deliveries per endpoint and transaction.
const FAN_OUT_PAGE: u64 = 500;
/// The longest the dispatcher sleeps with nothing due.
const IDLE: Duration = Duration::from_secs(30);

/// A delivery of `event` to `endpoint`, due at once.
pub fn new_delivery(
    endpoint: &webhook_endpoint::Model,
    event: &domain_event::Model,
    now: DateTime<Utc>,
    replay: bool,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(endpoint.tenant_id.clone()),
        endpoint_id: Set(endpoint.id.clone()),
        event_seq: Set(event.seq),
        event_id: Set(Cursor::of(event).id()),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        last_response_status: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        replay: Set(replay),
        created_at: Set(now),
    }
}

/// How long a claimed attempt is kept from other replicas: its timeout
/// and a margin.
pub fn lease(settings: &Settings) -> Duration {
    settings.timeout + Duration::from_secs(5)
}

/// Wakes the dispatcher of this replica at once (an endpoint was created,
/// enabled or replayed here).
#[derive(Clone, Default)]
pub struct Poke(Arc<Notify>);

impl Poke {
    pub fn poke(&self) {
        self.0.notify_one();
    }
}

/// This replica's dispatcher, as a job: it claims and sends until the
/// stop, then sends no more and waits for the batches in flight (each
/// bounded by the delivery timeout) before it ends.
pub async fn run_until_stopped(
    db: Db,
    notifier: Notifier,
    settings: Settings,
    poke: Poke,
    stop: Stop,
) {
    let woken = notifier.watch_any();
    run(db, woken, settings, poke, stop).await
}

/// How soon a claim that found its due deliveries taken (or failed) is
/// tried again.
const RETRY_CLAIM: Duration = Duration::from_millis(100);

/// Deliveries claimed and sent together.
const BATCH: usize = 64;

async fn run(
    db: Db,
    mut woken: tokio::sync::watch::Receiver<u64>,
    settings: Settings,
    poke: Poke,
    stop: Stop,
) {
    let client = ssrf::client(settings.timeout, settings.allow_private);
    // Batches in flight, with their sizes.
    let mut sending: JoinSet<usize> = JoinSet::new();
    let mut sizes: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut in_flight = 0;
    let mut endpoints = usize::MAX;
    // Whether to fan out on this pass: not when only a batch ended, unless
    // the last fan-out left events behind.
    let mut look = true;
    let mut behind = false;
    loop {
        if stop.requested() {
            // The batches in flight finish (their attempts recorded);
            // nothing more is claimed.
            while sending.join_next().await.is_some() {}
            return;
        }
        // A wake-up that came while this pass was busy (a batch ending, say)
        // is a reason to look: marking it seen without looking would leave
        // its events for the idle timer.
        look |= woken.has_changed().unwrap_or(false);
        woken.borrow_and_update();
        let mut soon = false;
        if look || behind {
            match fan_out(&db).await {
                Ok(fanned) => {
                    behind = fanned.more;
                    endpoints = fanned.endpoints;
                }
                Err(err) => {
                    // Retried at the next wake-up (at the latest IDLE from now).
                    behind = false;
                    tracing::warn!(error = ?err, "webhook fan-out failed; retrying");
                }
            }
            soon |= behind;
        }
        let due = next_due(&db).await.unwrap_or_else(|err| {
            tracing::warn!(error = ?err, "reading the webhook outbox failed");
            None
        });
        let now = crate::db::now();
        let room = (MAX_IN_FLIGHT - in_flight).min(BATCH);
        // Due, yet nothing claimed: the rows were locked by someone else a
        // moment (another replica's claim): look again shortly, not at IDLE.
        let mut retry = false;
        if room > 0 && due.is_some_and(|due| due <= now) {
            match claim(&db, room, &settings).await {
                Ok(claimed) if claimed.is_empty() => retry = true,
                Ok(claimed) => {
                    soon |= claimed.len() == room;
                    in_flight += claimed.len();
                    let size = claimed.len();
                    let batch =
                        send::send_batch(db.clone(), client.clone(), settings.clone(), claimed);
                    sizes.insert(sending.spawn(batch).id(), size);
                }
                Err(err) => {
                    retry = true;
                    tracing::warn!(error = ?err, "claiming webhook deliveries failed");
                }
            }
        }
        let wait = match (soon, due) {
            (true, _) => Duration::from_millis(10),
            _ if retry => RETRY_CLAIM,
            (false, Some(due)) if due > now => (due - now).to_std().unwrap_or_default().min(IDLE),
            // Due, and no room: a batch ending wakes the loop.
            (false, _) => IDLE,
        };
        // With no endpoint and nothing to send, the log growing is no
        // reason to look: only a poke (or the idle timer) is.
        let idle = endpoints == 0 && due.is_none() && sending.is_empty();
        look = false;
        tokio::select! {
            changed = woken.changed(), if !idle => {
                if changed.is_err() {
                    return;
                }
                look = true;
            }
            _ = poke.0.notified() => look = true,
            Some(ended) = sending.join_next_with_id(), if !sending.is_empty() => {
                let id = match &ended {
                    Ok((id, _)) => *id,
                    Err(err) => err.id(),
                };
                in_flight -= sizes.remove(&id).unwrap_or(0);
            }
            _ = tokio::time::sleep(wait) => look = true,
            _ = stop.wait() => {}
        }
    }
}

struct FanOut {
    /// Enabled endpoints.
    endpoints: usize,
    /// Whether an endpoint has more to fan out than was taken.
    more: bool,
}

/// Turns new events into deliveries, for every enabled endpoint.
async fn fan_out(db: &Db) -> ApiResult<FanOut> {
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Status.eq(WebhookStatus::Enabled))
        .all(db.conn())
        .await?;
    let mut more = false;
    // Where each tenant's final events end, read once per pass.
    let mut ends: std::collections::HashMap<&str, Cursor> = std::collections::HashMap::new();
    for endpoint in &endpoints {
        let end = match ends.get(endpoint.tenant_id.as_str()) {
            Some(end) => *end,
            None => {
                let end = log::end(db.conn(), &endpoint.tenant_id).await?;
                ends.insert(&endpoint.tenant_id, end);
                end
            }
        };
        more |= fan_out_one(db, endpoint, end).await?;
    }
    Ok(FanOut {
        endpoints: endpoints.len(),
        more,
    })
}

/// One endpoint's new events into deliveries; answers whether more wait.
/// `end`: where the tenant's final events ended, read before the page:
/// every event up to it is final, so the place may move there even when
/// none of them is the endpoint's.
async fn fan_out_one(db: &Db, seen: &webhook_endpoint::Model, end: Cursor) -> ApiResult<bool> {
    // Types that do not read: sent nothing (never every type), its place
    // kept, and no other endpoint held up.
    let Ok(audience) = audience_of(seen) else {
        tracing::error!(endpoint = %seen.id, "a webhook endpoint's stored event types do not read: it is sent nothing");
        return Ok(false);
    };
    let place = Cursor {
        xid: seen.cursor_xid,
        seq: seen.cursor_seq,
    };
    let page = log::read(db.conn(), &audience, place, FAN_OUT_PAGE).await?;
    let to = match (page.events.last(), page.full) {
        (Some(last), true) => Cursor::of(last),
        (last, false) => last.map(Cursor::of).unwrap_or(place).max(end),
        (None, true) => place,
    };
    if to <= place {
        return Ok(!page.settled);
    }
    let txn = db.write().await?;
    let mut select = webhook_endpoint::Entity::find_by_id(seen.id.clone());
    if db.backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    // Locked by someone a moment (another replica's fan-out, or a delivery
    // recording its outcome on the endpoint), or deleted: look again soon,
    // not at the idle timer; a deleted endpoint is not listed next time.
    let Some(endpoint) = select.one(&*txn).await? else {
        return Ok(true);
    };
    // Another replica moved it meanwhile, or it was changed: look again.
    if endpoint.status != WebhookStatus::Enabled
        || (endpoint.cursor_xid, endpoint.cursor_seq) != (place.xid, place.seq)
        || endpoint.event_types != seen.event_types
    {
        return Ok(endpoint.status == WebhookStatus::Enabled);
    }
    let now = crate::db::now();
    let rows: Vec<webhook_delivery::ActiveModel> = page
        .events
        .iter()
        .map(|event| new_delivery(&endpoint, event, now, false))
        .collect();
    if !rows.is_empty() {
        webhook_delivery::Entity::insert_many(rows)
            .exec_without_returning(&*txn)
            .await?;
    }
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::CursorXid, Expr::value(to.xid))
        .col_expr(webhook_endpoint::Column::CursorSeq, Expr::value(to.seq))
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id.as_str()))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(page.full || !page.settled)
}

/// Claims up to `limit` due deliveries of enabled endpoints: counts their
/// attempt and leases them.
async fn claim(
    db: &Db,
    limit: usize,
    settings: &Settings,
) -> ApiResult<Vec<webhook_delivery::Model>> {
    let waiting = "status = 'PENDING'";
    crate::jobs::queue::claim_due(
        db,
        "webhook_deliveries",
        waiting,
        limit as u64,
        lease(settings),
    )
    .await
}

/// When the next pending delivery is due.
async fn next_due(db: &Db) -> ApiResult<Option<DateTime<Utc>>> {
    #[derive(FromQueryResult)]
    struct Due {
        due: Option<DateTime<Utc>>,
    }
    let due = webhook_delivery::Entity::find()
        .select_only()
        .column_as(webhook_delivery::Column::NextAttemptAt.min(), "due")
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .into_model::<Due>()
        .one(db.conn())
        .await?;
    Ok(due.and_then(|d| d.due))
}

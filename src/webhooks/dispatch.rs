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
//! 2. **Sending.** Due deliveries are claimed in a transaction that sets
//!    their next attempt to a lease ([`lease`]: the timeout and a margin)
//!    and counts the attempt (`SKIP LOCKED` again): another replica does not
//!    see them due until the lease ends, so an attempt is sent once, and
//!    one that a crash interrupted is sent again when its lease ends (at
//!    least once). The answer is recorded in another transaction: a 2xx
//!    succeeds; `410 Gone` disables the endpoint; anything else, a timeout
//!    or a refused connection is retried after the schedule's next pause
//!    (with ±20 % jitter) or the `Retry-After` the receiver asked for, and
//!    fails after the last; [`Settings::disable_after`] events in a row
//!    failed disable the endpoint.
//!
//! A delivery is `POST` of `{"id", "type", "timestamp", "data"}` with the
//! Standard Webhooks headers, signed with the endpoint's secret (and its
//! previous one, during a rotation).

use super::{Settings, audience_of, sign, ssrf};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::log::{self, Cursor};
use crate::events::notify::Notifier;
use chrono::{DateTime, Utc};
use entity::enums::{DeliveryStatus, WebhookStatus};
use entity::{domain_event, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Statement, Value,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Deliveries in flight at once, per replica.
pub const MAX_IN_FLIGHT: usize = 64;
/// Events turned into deliveries per endpoint and transaction.
const FAN_OUT_PAGE: u64 = 500;
/// The longest the dispatcher sleeps with nothing due.
const IDLE: Duration = Duration::from_secs(30);
/// The longest pause a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// What an attempt's `last_error` keeps.
const MAX_ERROR_CHARS: usize = 300;

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

/// The body of a delivery: the event as a receiver reads it.
pub fn body(event: &domain_event::Model) -> String {
    let mut data: serde_json::Value =
        serde_json::from_str(&event.data).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = data.as_object_mut() {
        object.insert("subjectId".into(), event.subject_id.clone().into());
        object.insert("partnerId".into(), event.partner_id.clone().into());
    }
    serde_json::json!({
        "id": Cursor::of(event).id(),
        "type": event.kind.as_str(),
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
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

/// Starts the dispatcher of this replica.
pub fn start(db: Db, notifier: &Notifier, settings: Settings, poke: Poke) {
    let woken = notifier.watch_any();
    tokio::spawn(run(db, woken, settings, poke));
}

async fn run(db: Db, mut woken: tokio::sync::watch::Receiver<u64>, settings: Settings, poke: Poke) {
    let client = ssrf::client(settings.timeout, settings.allow_private);
    let mut sending: JoinSet<()> = JoinSet::new();
    loop {
        woken.borrow_and_update();
        let mut soon = false;
        let mut endpoints = 0;
        match fan_out(&db).await {
            Ok(FanOut {
                endpoints: count,
                more,
            }) => {
                soon |= more;
                endpoints = count;
            }
            Err(err) => tracing::warn!(error = ?err, "webhook fan-out failed; retrying"),
        }
        let due = next_due(&db).await.unwrap_or_else(|err| {
            tracing::warn!(error = ?err, "reading the webhook outbox failed");
            None
        });
        let now = crate::db::now();
        let room = MAX_IN_FLIGHT - sending.len();
        if room > 0 && due.is_some_and(|due| due <= now) {
            match claim(&db, room, &settings).await {
                Ok(claimed) => {
                    soon |= claimed.len() == room;
                    for delivery in claimed {
                        let (db, client, settings) = (db.clone(), client.clone(), settings.clone());
                        sending.spawn(async move {
                            if let Err(err) = attempt(&db, &client, &settings, delivery).await {
                                tracing::warn!(error = ?err, "recording a webhook attempt failed");
                            }
                        });
                    }
                }
                Err(err) => tracing::warn!(error = ?err, "claiming webhook deliveries failed"),
            }
        }
        let wait = match (soon, due) {
            (true, _) => Duration::from_millis(20),
            (false, Some(due)) if due > now => (due - now).to_std().unwrap_or_default().min(IDLE),
            // Due, and no room: a send ending wakes the loop.
            (false, Some(_)) => IDLE,
            (false, None) => IDLE,
        };
        // With no endpoint and nothing to send, the log growing is no
        // reason to look: only a poke (or the idle timer) is.
        let idle = endpoints == 0 && due.is_none() && sending.is_empty();
        tokio::select! {
            changed = woken.changed(), if !idle => {
                if changed.is_err() {
                    return;
                }
            }
            _ = poke.0.notified() => {}
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
            _ = tokio::time::sleep(wait) => {}
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
    let audience = audience_of(seen);
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
    let Some(endpoint) = select.one(&*txn).await? else {
        return Ok(false);
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
    let now = crate::db::now();
    let until = now + chrono::Duration::from_std(lease(settings)).unwrap_or_default();
    let backend = db.backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id IN (SELECT id FROM webhook_deliveries \
               WHERE status = 'PENDING' AND next_attempt_at <= $2 \
               ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        _ => {
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? \
             WHERE id IN (SELECT id FROM webhook_deliveries \
               WHERE status = 'PENDING' AND next_attempt_at <= ? \
               ORDER BY next_attempt_at LIMIT ?) \
             RETURNING *"
        }
    };
    let txn = db.write().await?;
    let claimed = webhook_delivery::Model::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [
            Value::from(until),
            Value::from(now),
            Value::from(limit as i64),
        ],
    ))
    .all(&*txn)
    .await?;
    txn.commit().await?;
    Ok(claimed)
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

/// How an attempt went.
#[derive(Debug)]
enum Outcome {
    Delivered(u16),
    /// `410 Gone`: the receiver wants no more.
    Gone,
    /// Another status; and the pause the receiver asked for.
    Refused(u16, Option<Duration>),
    /// No answer: a timeout, a refused connection, an address not allowed.
    Unreachable(String),
}

/// Sends one claimed delivery and records how it went.
async fn attempt(
    db: &Db,
    client: &reqwest::Client,
    settings: &Settings,
    delivery: webhook_delivery::Model,
) -> ApiResult<()> {
    let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id.clone())
        .one(db.conn())
        .await?;
    let event = domain_event::Entity::find_by_id(delivery.event_seq)
        .one(db.conn())
        .await?;
    let (Some(endpoint), Some(event)) = (endpoint, event) else {
        return finish(
            db,
            &delivery,
            DeliveryStatus::Failed,
            None,
            Some("the event is no longer kept".into()),
        )
        .await;
    };
    if endpoint.status != WebhookStatus::Enabled {
        let reason = "the endpoint is disabled".to_owned();
        return finish(db, &delivery, DeliveryStatus::Failed, None, Some(reason)).await;
    }
    let outcome = send(client, &endpoint, &event).await;
    record(db, settings, &endpoint, &delivery, outcome).await
}

/// The signature header: the secret's, and the previous one's while it is
/// still honoured.
fn signatures(endpoint: &webhook_endpoint::Model, id: &str, timestamp: i64, body: &str) -> String {
    let now = crate::db::now();
    let mut signatures: Vec<String> = sign::sign(&endpoint.secret, id, timestamp, body)
        .into_iter()
        .collect();
    if let (Some(previous), Some(until)) =
        (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > now
    {
        signatures.extend(sign::sign(previous, id, timestamp, body));
    }
    signatures.join(" ")
}

async fn send(
    client: &reqwest::Client,
    endpoint: &webhook_endpoint::Model,
    event: &domain_event::Model,
) -> Outcome {
    let id = Cursor::of(event).id();
    let body = body(event);
    let timestamp = crate::db::now().timestamp();
    let request = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signatures(endpoint, &id, timestamp, &body),
        )
        .body(body);
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            // The answer's body is not read: only its status counts.
            drop(response);
            match status.as_u16() {
                code @ 200..=299 => Outcome::Delivered(code),
                410 => Outcome::Gone,
                code => Outcome::Refused(code, retry_after),
            }
        }
        Err(err) => Outcome::Unreachable(describe(&err)),
    }
}

/// Why a request got no answer, in a few words (no URL, no internals).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".into();
    }
    // The resolver's refusal names the address; keep that, and only that.
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.contains(" resolves to ") {
            return text;
        }
        source = cause.source();
    }
    if err.is_connect() {
        "could not connect".into()
    } else if err.is_redirect() {
        "redirects are not followed".into()
    } else {
        "the request failed".into()
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let pause = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value)
                .ok()?
                .with_timezone(&Utc);
            (at - crate::db::now()).to_std().unwrap_or_default()
        }
    };
    Some(pause.min(MAX_RETRY_AFTER))
}

/// The pause before retry `attempts` (1: the first retry), ±20 %.
fn backoff(settings: &Settings, attempts: i32) -> Option<Duration> {
    let base = *settings.schedule.get(usize::try_from(attempts - 1).ok()?)?;
    let mut random = [0u8; 2];
    // 800 to 1200 thousandths of the pause.
    let permille = match getrandom::fill(&mut random) {
        Ok(()) => 800 + u32::from(u16::from_le_bytes(random)) % 401,
        Err(_) => 1000,
    };
    Some(base * permille / 1000)
}

/// Records an attempt's outcome, and what it means for the endpoint.
async fn record(
    db: &Db,
    settings: &Settings,
    endpoint: &webhook_endpoint::Model,
    delivery: &webhook_delivery::Model,
    outcome: Outcome,
) -> ApiResult<()> {
    let (status, error, pause) = match &outcome {
        Outcome::Delivered(code) => {
            finish(db, delivery, DeliveryStatus::Succeeded, Some(*code), None).await?;
            return reset_failures(db, endpoint).await;
        }
        Outcome::Gone => {
            finish(
                db,
                delivery,
                DeliveryStatus::Failed,
                Some(410),
                Some("410 Gone".into()),
            )
            .await?;
            return disable(db, &endpoint.id, "the endpoint answered 410 Gone").await;
        }
        Outcome::Refused(code, retry_after) => (
            Some(*code),
            format!("answered {code}"),
            retry_after.or_else(|| backoff(settings, delivery.attempts)),
        ),
        Outcome::Unreachable(why) => (None, why.clone(), backoff(settings, delivery.attempts)),
    };
    let exhausted = delivery.attempts as usize > settings.schedule.len();
    match (exhausted, pause) {
        (false, Some(pause)) => {
            let at = crate::db::now() + chrono::Duration::from_std(pause).unwrap_or_default();
            webhook_delivery::Entity::update_many()
                .col_expr(
                    webhook_delivery::Column::NextAttemptAt,
                    Expr::value(Some(at)),
                )
                .col_expr(
                    webhook_delivery::Column::LastResponseStatus,
                    Expr::value(status.map(i32::from)),
                )
                .col_expr(
                    webhook_delivery::Column::LastError,
                    Expr::value(Some(clip(error))),
                )
                .filter(webhook_delivery::Column::Id.eq(delivery.id.as_str()))
                .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
                .exec(db.conn())
                .await?;
            Ok(())
        }
        _ => {
            finish(db, delivery, DeliveryStatus::Failed, status, Some(error)).await?;
            count_failure(db, settings, endpoint).await
        }
    }
}

fn clip(text: String) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((at, _)) => text[..at].to_owned(),
        None => text,
    }
}

/// A delivery's last word.
async fn finish(
    db: &Db,
    delivery: &webhook_delivery::Model,
    status: DeliveryStatus,
    response: Option<u16>,
    error: Option<String>,
) -> ApiResult<()> {
    let delivered_at = (status == DeliveryStatus::Succeeded).then(crate::db::now);
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            webhook_delivery::Column::LastResponseStatus,
            Expr::value(response.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(error.map(clip)),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(delivered_at),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id.as_str()))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(db.conn())
        .await?;
    Ok(())
}

async fn reset_failures(db: &Db, endpoint: &webhook_endpoint::Model) -> ApiResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::value(0),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id.as_str()))
        .filter(webhook_endpoint::Column::ConsecutiveFailures.ne(0))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// One more event failed for good: past the limit, the endpoint is disabled.
async fn count_failure(
    db: &Db,
    settings: &Settings,
    endpoint: &webhook_endpoint::Model,
) -> ApiResult<()> {
    let txn = db.write().await?;
    let counted = webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::col(webhook_endpoint::Column::ConsecutiveFailures).add(1),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id.as_str()))
        .exec_with_returning(&*txn)
        .await?;
    txn.commit().await?;
    let failures = counted.first().map_or(0, |e| e.consecutive_failures);
    if settings.disable_after > 0 && failures >= settings.disable_after as i32 {
        let reason = format!("{failures} events in a row could not be delivered");
        disable(db, &endpoint.id, &reason).await?;
    }
    Ok(())
}

/// Disables an endpoint; its pending deliveries fail with the reason.
pub async fn disable(db: &Db, endpoint_id: &str, reason: &str) -> ApiResult<()> {
    let txn = db.write().await?;
    disable_in(&*txn, endpoint_id, reason).await?;
    txn.commit().await.map_err(ApiError::from)
}

/// [`disable`], in the caller's transaction.
pub async fn disable_in(
    conn: &impl ConnectionTrait,
    endpoint_id: &str,
    reason: &str,
) -> ApiResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::Status,
            Expr::value(WebhookStatus::Disabled),
        )
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(
            webhook_endpoint::Column::UpdatedAt,
            Expr::value(crate::db::now()),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .filter(webhook_endpoint::Column::Status.eq(WebhookStatus::Enabled))
        .exec(conn)
        .await?;
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(Some(clip(format!(
                "not sent: the endpoint was disabled ({reason})"
            )))),
        )
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("999999999"), Some(MAX_RETRY_AFTER));
        let later = crate::db::now() + chrono::Duration::seconds(90);
        let pause = parse_retry_after(&later.to_rfc2822()).unwrap();
        assert!(
            pause > Duration::from_secs(80) && pause <= Duration::from_secs(90),
            "{pause:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn the_backoff_follows_the_schedule_within_its_jitter() {
        let settings = Settings::default();
        for (attempts, base) in [(1, 5), (2, 300), (7, 36_000)] {
            let pause = backoff(&settings, attempts).unwrap().as_millis();
            let base = base * 1000;
            assert!(
                pause >= base * 8 / 10 && pause <= base * 12 / 10,
                "{attempts}: {pause}"
            );
        }
        assert_eq!(backoff(&settings, 8), None, "after the last retry, none");
    }
}

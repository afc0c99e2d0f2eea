//! Sending claimed webhook deliveries and recording how each went (see
//! [`super::dispatch`] for how they are claimed).
//!
//! A batch's endpoints and events are read in one statement each, its
//! attempts made at once, and every outcome recorded in one transaction
//! (its successes in one statement), so a delivery's status and its
//! endpoint's failure count never disagree: a 2xx succeeds; `410 Gone` disables the endpoint; anything else, a
//! timeout or a refused connection is retried after the schedule's next
//! pause (±20 %) or the `Retry-After` the receiver asked for, and fails
//! after the last; [`Settings::disable_after`] events in a row failed
//! disable the endpoint. A delivery is `POST` of `{"id", "type",
//! "timestamp", "data"}` with the Standard Webhooks headers, signed with
//! the endpoint's secret (and its previous one, during a rotation).

use super::{Settings, sign};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::log::Cursor;
use chrono::{DateTime, Utc};
use entity::enums::{DeliveryStatus, WebhookStatus};
use entity::{domain_event, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// The longest pause a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// What an attempt's `last_error` keeps.
const MAX_ERROR_CHARS: usize = 300;

/// Why a delivery was not sent: its event's stored data does not read.
const UNREADABLE_EVENT: &str = "the event's stored data could not be read";

/// The body of a delivery: the event as a receiver reads it. Data that
/// does not read is an error: no receiver is sent an event made up.
pub fn body(event: &domain_event::Model) -> ApiResult<String> {
    let mut data: serde_json::Value = ApiError::stored("domain event data", &event.data)?;
    if let Some(object) = data.as_object_mut() {
        object.insert("subjectId".into(), event.subject_id.clone().into());
        object.insert("partnerId".into(), event.partner_id.clone().into());
    }
    Ok(serde_json::json!({
        "id": Cursor::of(event).id(),
        "type": event.kind.as_str(),
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string())
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
    /// Not attempted, and why.
    NotSent(&'static str),
}

impl Outcome {
    /// The outcome as `revshare_webhook_deliveries_total` labels it.
    fn label(&self) -> &'static str {
        match self {
            Outcome::Delivered(_) => "delivered",
            Outcome::Gone => "gone",
            Outcome::Refused(..) => "refused",
            Outcome::Unreachable(_) => "unreachable",
            Outcome::NotSent(_) => "not_sent",
        }
    }
}

/// Sends a batch of claimed deliveries at once and records how each went:
/// their endpoints and events read in one statement each, the successes
/// recorded in one. Answers how many were sent.
pub(super) async fn send_batch(
    db: Db,
    client: reqwest::Client,
    settings: Settings,
    claimed: Vec<webhook_delivery::Model>,
) -> usize {
    let count = claimed.len();
    if let Err(err) = send_all(&db, &client, &settings, claimed).await {
        tracing::warn!(error = ?err, "recording webhook attempts failed");
    }
    count
}

async fn send_all(
    db: &Db,
    client: &reqwest::Client,
    settings: &Settings,
    claimed: Vec<webhook_delivery::Model>,
) -> ApiResult<()> {
    let endpoint_ids: BTreeSet<&str> = claimed.iter().map(|d| d.endpoint_id.as_str()).collect();
    let endpoints: HashMap<String, webhook_endpoint::Model> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Id.is_in(endpoint_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let seqs: BTreeSet<i64> = claimed.iter().map(|d| d.event_seq).collect();
    let events: HashMap<i64, domain_event::Model> = domain_event::Entity::find()
        .filter(domain_event::Column::Seq.is_in(seqs))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|e| (e.seq, e))
        .collect();
    let (endpoints, events) = (&endpoints, &events);
    let attempts = claimed.iter().map(|delivery| async move {
        let outcome = match (
            endpoints.get(&delivery.endpoint_id),
            events.get(&delivery.event_seq),
        ) {
            (Some(endpoint), _) if endpoint.status != WebhookStatus::Enabled => {
                Outcome::NotSent("the endpoint is disabled")
            }
            (Some(endpoint), Some(event)) => send(client, endpoint, event).await,
            _ => Outcome::NotSent("the event is no longer kept"),
        };
        (delivery, outcome)
    });
    let outcomes = futures_util::future::join_all(attempts).await;
    for (_, outcome) in &outcomes {
        db.metrics().webhook_delivery(outcome.label());
    }
    // Successes, grouped by status: one statement each (nearly always one).
    let mut delivered: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    let mut succeeded_at: BTreeSet<&str> = BTreeSet::new();
    for (delivery, outcome) in &outcomes {
        if let Outcome::Delivered(code) = outcome {
            delivered
                .entry(*code)
                .or_default()
                .push(delivery.id.as_str());
            succeeded_at.insert(delivery.endpoint_id.as_str());
        }
    }
    // Every outcome of the batch in one transaction: a reader never sees a
    // delivery failed for good while its endpoint's count lags behind.
    let txn = db.write().await?;
    for (code, ids) in delivered {
        finish_all(&*txn, &ids, DeliveryStatus::Succeeded, Some(code), None).await?;
    }
    for endpoint in succeeded_at.iter().filter_map(|id| endpoints.get(*id)) {
        if endpoint.consecutive_failures != 0 {
            reset_failures(&*txn, endpoint).await?;
        }
    }
    for (delivery, outcome) in outcomes {
        match (outcome, endpoints.get(&delivery.endpoint_id)) {
            (Outcome::Delivered(_), _) => {}
            (Outcome::NotSent(why), _) => {
                finish(
                    &*txn,
                    delivery,
                    DeliveryStatus::Failed,
                    None,
                    Some(why.to_owned()),
                )
                .await?;
            }
            (outcome, Some(endpoint)) => {
                record(&*txn, settings, endpoint, delivery, outcome).await?;
            }
            (_, None) => {}
        }
    }
    txn.commit().await?;
    Ok(())
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
    let Ok(body) = body(event) else {
        return Outcome::NotSent(UNREADABLE_EVENT);
    };
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
    db: &impl ConnectionTrait,
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
        Outcome::NotSent(why) => {
            let why = (*why).to_owned();
            return finish(db, delivery, DeliveryStatus::Failed, None, Some(why)).await;
        }
        Outcome::Gone => {
            let gone = Some("410 Gone".to_owned());
            finish(db, delivery, DeliveryStatus::Failed, Some(410), gone).await?;
            return disable_in(db, &endpoint.id, "the endpoint answered 410 Gone").await;
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
                .exec(db)
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
    db: &impl ConnectionTrait,
    delivery: &webhook_delivery::Model,
    status: DeliveryStatus,
    response: Option<u16>,
    error: Option<String>,
) -> ApiResult<()> {
    finish_all(db, &[delivery.id.as_str()], status, response, error).await
}

/// The same last word for the pending deliveries `ids`, in one statement.
async fn finish_all(
    db: &impl ConnectionTrait,
    ids: &[&str],
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
        .filter(webhook_delivery::Column::Id.is_in(ids.iter().copied()))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(db)
        .await?;
    Ok(())
}

async fn reset_failures(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoint::Model,
) -> ApiResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::value(0),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id.as_str()))
        .filter(webhook_endpoint::Column::ConsecutiveFailures.ne(0))
        .exec(db)
        .await?;
    Ok(())
}

/// One more event failed for good: past the limit, the endpoint is disabled.
async fn count_failure(
    db: &impl ConnectionTrait,
    settings: &Settings,
    endpoint: &webhook_endpoint::Model,
) -> ApiResult<()> {
    let counted = webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::col(webhook_endpoint::Column::ConsecutiveFailures).add(1),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id.as_str()))
        .exec_with_returning(db)
        .await?;
    let failures = counted.first().map_or(0, |e| e.consecutive_failures);
    if settings.disable_after > 0 && failures >= settings.disable_after as i32 {
        let reason = format!("{failures} events in a row could not be delivered");
        disable_in(db, &endpoint.id, &reason).await?;
    }
    Ok(())
}

/// Disables an endpoint, in the caller's transaction; its pending
/// deliveries fail with the reason.
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

//! Billing connectors (SPEC §15): a provider's own webhooks turned into
//! attributions, sales and refunds, with no code on the brand's side.
//!
//! One connector per provider and tenant, configured by an admin
//! ([`configure`]). Its public endpoint (`POST /connectors/{provider}/{tenantId}`,
//! [`crate::http::connectors`]) verifies the provider's own signature and
//! then handles the event in one transaction: the event's effect —
//! through the one event path, exactly as `recordEvent`, `attributeCustomer`
//! and `recordRefund` record theirs — and the event's id, so a redelivery
//! does nothing again. A sale is recorded with the `recordEvent` calls
//! queued with it, the event's id marked in that batch's transaction. It
//! answers `2xx` only once that committed, so the provider retries
//! otherwise.
//!
//! - [`stripe`]: `Stripe-Signature`, checkouts, customers, invoices,
//!   refunds, disputes; both API generations.
//! - [`paddle`]: Paddle Billing's `Paddle-Signature`, customers,
//!   transactions, refund and chargeback adjustments.

mod effects;
pub mod paddle;
pub mod stripe;
mod units;
mod waits;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::enums::{BillingProvider, CommissionBase, ConnectorEventStatus};
use entity::{billing_connector, connector_event};
use hmac::{Hmac, Mac};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use sha2::Sha256;

/// Most signing secrets a connector keeps (a new one and those rolling out).
const MAX_SECRETS: usize = 5;
/// The actor a connector's refunds are recorded by.
pub const ACTOR: &str = "connector";

/// What an admin configures.
pub struct Configure {
    pub provider: BillingProvider,
    pub signing_secrets: Vec<String>,
    pub commission_base: CommissionBase,
    pub enabled: bool,
}

/// Creates or replaces a tenant's connector for a provider.
pub async fn configure(
    db: &Db,
    tenant_id: &str,
    new: Configure,
) -> ApiResult<billing_connector::Model> {
    let secrets: Vec<String> = new
        .signing_secrets
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() || secrets.len() > MAX_SECRETS {
        return Err(ApiError::bad_input(
            "input.signingSecrets",
            format!("give 1 to {MAX_SECRETS} secrets"),
        ));
    }
    if new.provider == BillingProvider::Stripe && secrets.iter().any(|s| !s.starts_with("whsec_")) {
        return Err(ApiError::bad_input(
            "input.signingSecrets",
            "a Stripe endpoint secret starts with whsec_",
        ));
    }
    let secrets = serde_json::to_string(&secrets).map_err(|e| ApiError::internal("secrets", e))?;
    let new = &new;
    let secrets = &secrets;
    db.transaction(|txn| {
        Box::pin(async move {
            let now = crate::db::now();
            let row = billing_connector::ActiveModel {
                tenant_id: Set(tenant_id.to_owned()),
                provider: Set(new.provider),
                signing_secrets: Set(secrets.clone()),
                commission_base: Set(new.commission_base),
                enabled: Set(new.enabled),
                created_at: Set(now),
                updated_at: Set(now),
            };
            billing_connector::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        billing_connector::Column::TenantId,
                        billing_connector::Column::Provider,
                    ])
                    .update_columns([
                        billing_connector::Column::SigningSecrets,
                        billing_connector::Column::CommissionBase,
                        billing_connector::Column::Enabled,
                        billing_connector::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await?;
            find(&*txn, tenant_id, new.provider)
                .await?
                .ok_or_else(|| ApiError::internal("connector", "not written"))
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
) -> ApiResult<Option<billing_connector::Model>> {
    Ok(billing_connector::Entity::find()
        .filter(billing_connector::Column::TenantId.eq(tenant_id))
        .filter(billing_connector::Column::Provider.eq(provider))
        .one(conn)
        .await?)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<billing_connector::Model>> {
    Ok(billing_connector::Entity::find()
        .filter(billing_connector::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?)
}

/// What a connector received: events handled, of which ignored, and the
/// last one's time.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub received: i64,
    pub ignored: i64,
    pub last_at: Option<DateTime<Utc>>,
}

/// Each provider's counts for a tenant, counted from the events handled.
pub async fn counts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<std::collections::HashMap<BillingProvider, Counts>> {
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Row {
        provider: BillingProvider,
        received: i64,
        ignored: i64,
        last_at: Option<DateTime<Utc>>,
    }
    let rows = connector_event::Entity::find()
        .select_only()
        .column(connector_event::Column::Provider)
        .column_as(
            Expr::col(connector_event::Column::EventId).count(),
            "received",
        )
        .column_as(
            Expr::case(
                connector_event::Column::Status.eq(ConnectorEventStatus::Ignored),
                1,
            )
            .finally(0)
            .sum(),
            "ignored",
        )
        .column_as(connector_event::Column::ReceivedAt.max(), "last_at")
        .filter(connector_event::Column::TenantId.eq(tenant_id))
        .group_by(connector_event::Column::Provider)
        .into_model::<Row>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = Counts {
                received: r.received,
                ignored: r.ignored,
                last_at: r.last_at,
            };
            (r.provider, counts)
        })
        .collect())
}

/// A connector's signing secrets.
pub fn secrets(connector: &billing_connector::Model) -> Vec<String> {
    serde_json::from_str(&connector.signing_secrets).unwrap_or_default()
}

/// What handling a provider's event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Its effect committed.
    Done,
    /// A type the connector does not take, or nothing to do (a zero
    /// invoice, a checkout naming no partner): answered `200`, counted.
    Ignored,
    /// Its id was handled before: nothing done again.
    Again,
    /// A refund or dispute of a sale not found yet: kept, and applied once
    /// when the sale's link arrives (`billingConnectorEvents` lists it).
    Waiting,
}

/// Why a request is refused before anything is recorded.
#[derive(Debug)]
pub enum Refused {
    /// No connector for the provider, or it is disabled: `404`, so the
    /// provider keeps the event and retries (enabling the connector again
    /// within the provider's retry window loses nothing).
    NoConnector,
    /// A missing, malformed, stale or unmatched signature: `400`.
    Signature(&'static str),
    /// Not an event the provider sends: `400`.
    Malformed(&'static str),
    /// What it refers to is not known yet (a refund of an invoice not
    /// delivered yet): `503`, so the provider delivers it again later.
    NotYet,
    /// An internal failure: `5xx`, retried by the provider.
    Failed(ApiError),
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Refused {
        Refused::Failed(err)
    }
}

/// A provider's signature check: a header, the raw body, the secrets,
/// now (unix seconds).
type Verify = fn(&str, &[u8], &[String], i64) -> Result<(), Refused>;

/// A delivery's enabled connector and its event, once its signature
/// (`verify`, with the connector's secrets, now) passed.
async fn opened(
    db: &Db,
    tenant_id: &str,
    provider: BillingProvider,
    signature: Option<&str>,
    body: &[u8],
    verify: Verify,
) -> Result<(billing_connector::Model, serde_json::Value), Refused> {
    let connector = find(db.conn(), tenant_id, provider)
        .await?
        .filter(|c| c.enabled)
        .ok_or(Refused::NoConnector)?;
    let header = signature.ok_or(Refused::Signature("no signature header"))?;
    verify(header, body, &secrets(&connector), Utc::now().timestamp())?;
    let event = serde_json::from_slice(body).map_err(|_| Refused::Malformed("not JSON"))?;
    Ok((connector, event))
}

/// One verified event: handled in one transaction with its id marked. A
/// sale it carries is recorded through the event path's queues after that
/// transaction, with the mark written in the sale's own batch
/// ([`Marked`]): both exactly once (the sale by its `externalId`), so a
/// retry after a failure in between records nothing twice.
async fn run<'a>(
    db: &'a Db,
    ingest: &'a crate::ingest::Ingest,
    tenant_id: &'a str,
    provider: BillingProvider,
    (id, kind): (&'a str, &'a str),
    handle: impl Fn(crate::db::Transaction) -> crate::db::BoxFuture<'a, effects::Outcome> + Sync,
) -> Result<Handled, Refused> {
    let handle = &handle;
    let step = db
        .transaction(|txn| {
            Box::pin(async move {
                if seen(&*txn, tenant_id, provider, id).await? {
                    return Ok(effects::Step::Again);
                }
                let step = handle(txn.clone()).await?;
                match &step {
                    effects::Step::Waiting(wait) => {
                        waits::keep(&*txn, tenant_id, provider, (id, kind), wait).await?
                    }
                    step => {
                        if let Some(marked) = Mark::of(step) {
                            mark(&*txn, tenant_id, provider, id, kind, marked).await?;
                        }
                    }
                }
                Ok(step)
            })
        })
        .await?;
    recorded(db, ingest, tenant_id, provider, (id, kind), step).await
}

/// One verified event whose handling only reads, or writes what is
/// idempotent on its own (a sale, the links of an invoice's payments):
/// handled on the pool, with no transaction of its own and no lookup of
/// its id — a sale is recorded once by its `externalId` (a redelivery is
/// its duplicate, answered `again`), its mark written in the sale's batch;
/// another event's mark is one statement.
async fn run_unlocked<'a, F>(
    db: &'a Db,
    ingest: &'a crate::ingest::Ingest,
    tenant_id: &'a str,
    provider: BillingProvider,
    (id, kind): (&'a str, &'a str),
    handle: impl FnOnce(&'a crate::db::Pool) -> F,
) -> Result<Handled, Refused>
where
    F: Future<Output = effects::Outcome>,
{
    let step = handle(db.conn()).await?;
    if let Some(marked) = Mark::of(&step) {
        mark(db.conn(), tenant_id, provider, id, kind, marked).await?;
    }
    recorded(db, ingest, tenant_id, provider, (id, kind), step).await
}

/// What handling came to: a sale is recorded through the event path's
/// queues, its event marked in the sale's batch.
async fn recorded(
    db: &Db,
    ingest: &crate::ingest::Ingest,
    tenant_id: &str,
    provider: BillingProvider,
    (id, kind): (&str, &str),
    step: effects::Step,
) -> Result<Handled, Refused> {
    let mut item = match step {
        effects::Step::Done => return Ok(Handled::Done),
        effects::Step::Ignored(_) => return Ok(Handled::Ignored),
        effects::Step::Again => return Ok(Handled::Again),
        effects::Step::Waiting(_) => return Ok(Handled::Waiting),
        effects::Step::NotYet => return Err(Refused::NotYet),
        effects::Step::Sale(item) => *item,
    };
    let external_id = item.event.external_id.clone();
    item.receipt = Some(std::sync::Arc::new(Marked {
        tenant_id: tenant_id.to_owned(),
        provider,
        event_id: id.to_owned(),
        kind: kind.to_owned(),
    }));
    match ingest.record(tenant_id, item).await {
        Ok(recorded) if recorded.duplicate => Ok(Handled::Again),
        Ok(_) => Ok(Handled::Done),
        Err(err) if effects::refused(&err) => {
            tracing::info!(target: "revshare::connectors", sale = %external_id, error = ?err, "connector sale ignored");
            // Marked in the batch already, unless the sale's own
            // statement failed (its savepoint, and the mark, rolled back).
            let reason = effects::refusal(&err);
            let reason = &reason;
            db.transaction(|txn| {
                Box::pin(async move {
                    let marked = Mark::ignored(reason);
                    mark(&*txn, tenant_id, provider, id, kind, marked).await
                })
            })
            .await?;
            Ok(Handled::Ignored)
        }
        Err(err) => Err(Refused::Failed(err)),
    }
}

/// The mark of a provider's event that carried a sale, written in the
/// sale's batch: handled when the sale was recorded (or held, or was
/// recorded before), ignored when its terms refused it; nothing on a
/// failure, so the provider's retry records it.
#[derive(Debug)]
struct Marked {
    tenant_id: String,
    provider: BillingProvider,
    event_id: String,
    kind: String,
}

impl crate::ledger::accrual::Receipt for Marked {
    fn write<'a>(
        &'a self,
        conn: &'a crate::db::Txn,
        answer: &'a ApiResult<crate::ledger::accrual::Recorded>,
    ) -> crate::db::BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            let reason;
            let marked = match answer {
                Ok(_) => Mark::DONE,
                Err(err) if effects::refused(err) => {
                    reason = effects::refusal(err);
                    Mark::ignored(&reason)
                }
                Err(_) => return Ok(()),
            };
            let Marked {
                tenant_id,
                provider,
                event_id,
                kind,
            } = self;
            mark(conn, tenant_id, *provider, event_id, kind, marked).await
        })
    }
}

/// How far a signature's timestamp may be from now, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// A provider's signature header, parsed: its timestamp and its
/// signatures (hex, decoded).
pub struct Signed {
    pub timestamp: Option<i64>,
    pub signatures: Vec<Vec<u8>>,
}

impl Signed {
    /// Reads `header`'s `separator`-separated `key=value` parts: the
    /// timestamp under `time`, the signatures under `signature`.
    pub fn parse(header: &str, separator: char, time: &str, signature: &str) -> Signed {
        let mut signed = Signed {
            timestamp: None,
            signatures: Vec::new(),
        };
        for part in header.split(separator) {
            match part.trim().split_once('=') {
                Some((key, value)) if key == time => signed.timestamp = value.parse().ok(),
                Some((key, value)) if key == signature => signed.signatures.extend(hex(value)),
                _ => {}
            }
        }
        signed
    }

    /// Passes when the timestamp is within the tolerance of `now` and a
    /// signature is HMAC-SHA256, keyed with any of `secrets`, of the
    /// timestamp, `joint` and `body` (compared in constant time).
    pub fn verify(
        &self,
        joint: char,
        body: &[u8],
        secrets: &[String],
        now: i64,
    ) -> Result<(), Refused> {
        let timestamp = self.timestamp.ok_or(Refused::Signature("no timestamp"))?;
        if self.signatures.is_empty() {
            return Err(Refused::Signature("no signature"));
        }
        if (now - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(Refused::Signature("timestamp outside the tolerance"));
        }
        for secret in secrets {
            for signature in &self.signatures {
                let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
                    continue;
                };
                mac.update(format!("{timestamp}{joint}").as_bytes());
                mac.update(body);
                if mac.verify_slice(signature).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(Refused::Signature("no signature matches"))
    }
}

/// Hex digits as bytes (a signature).
fn hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether the provider event `event_id` was handled before.
async fn seen(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
    event_id: &str,
) -> ApiResult<bool> {
    Ok(connector_event::Entity::find()
        .filter(connector_event::Column::TenantId.eq(tenant_id))
        .filter(connector_event::Column::Provider.eq(provider))
        .filter(connector_event::Column::EventId.eq(event_id))
        .one(conn)
        .await?
        .is_some())
}

/// What a mark says of a delivery.
#[derive(Clone, Copy)]
struct Mark<'a> {
    status: ConnectorEventStatus,
    reason: Option<&'a str>,
}

impl<'a> Mark<'a> {
    const DONE: Mark<'static> = Mark {
        status: ConnectorEventStatus::Done,
        reason: None,
    };

    fn ignored(reason: &'a str) -> Mark<'a> {
        Mark {
            status: ConnectorEventStatus::Ignored,
            reason: Some(reason),
        }
    }

    /// The mark a step writes at once (a sale's is written in its batch,
    /// a waiting delivery's with what it waits for).
    fn of(step: &'a effects::Step) -> Option<Mark<'a>> {
        match step {
            effects::Step::Done => Some(Mark::DONE),
            effects::Step::Ignored(reason) => Some(Mark::ignored(reason)),
            _ => None,
        }
    }
}

/// Marks `event_id` handled (and so counted), in the caller's
/// transaction; a mark already there (a concurrent redelivery's) stays.
async fn mark(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
    event_id: &str,
    kind: &str,
    marked: Mark<'_>,
) -> ApiResult<()> {
    insert_mark(conn, tenant_id, provider, (event_id, kind), marked, None).await
}

async fn insert_mark(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
    (event_id, kind): (&str, &str),
    marked: Mark<'_>,
    payload: Option<String>,
) -> ApiResult<()> {
    connector_event::Entity::insert(connector_event::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        provider: Set(provider),
        event_id: Set(event_id.to_owned()),
        kind: Set(kind.chars().take(100).collect()),
        status: Set(marked.status),
        reason: Set(marked.reason.map(|r| r.chars().take(500).collect())),
        payload: Set(payload),
        received_at: Set(crate::db::now()),
    })
    .on_conflict(
        OnConflict::columns([
            connector_event::Column::TenantId,
            connector_event::Column::Provider,
            connector_event::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

//! How one verified delivery is handled: in a transaction with its id
//! marked, or (for effects idempotent on their own) on the pool; a sale it
//! carries recorded through the event path's queues, and its delivery
//! marked once the sale's answer is back.

use super::config::{find, secrets};
use super::effects;
use super::marks::{Mark, insert_mark, mark, seen};
use super::signatures::Verify;
use super::{Handled, NO_CONNECTOR, Refused, waits};
use crate::db::Db;
use chrono::Utc;
use entity::billing_connector;
use entity::enums::BillingProvider;

/// A delivery's enabled connector and its event, once its signature
/// (`verify`, with the connector's secrets, now) passed.
pub(super) async fn opened(
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
        .ok_or(Refused::NotConfigured(NO_CONNECTOR))?;
    let header = signature.ok_or(Refused::Signature("no signature header"))?;
    verify(header, body, &secrets(&connector)?, Utc::now().timestamp())?;
    let event = serde_json::from_slice(body).map_err(|_| Refused::Malformed("not JSON"))?;
    Ok((connector, event))
}

/// One verified event: handled in one transaction with its id marked. A
/// sale it carries is recorded through the event path's queues after that
/// transaction, and its delivery marked once the sale's answer is back
/// ([`recorded`]): the sale is recorded once by its `externalId`, so a
/// retry after a failure in between records nothing twice — it answers
/// `duplicate`, and the delivery is marked then.
pub(super) async fn run<'a>(
    db: &'a Db,
    ingest: &'a crate::ingest::Ingest,
    tenant_id: &'a str,
    provider: BillingProvider,
    (id, kind, event): (&'a str, &'a str, &'a serde_json::Value),
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
    recorded(db, ingest, tenant_id, provider, (id, kind, event), step).await
}

/// One verified event whose handling only reads, or writes what is
/// idempotent on its own (a sale, the links of an invoice's payments):
/// handled on the pool, with no transaction of its own and no lookup of
/// its id — a sale is recorded once by its `externalId` (a redelivery is
/// its duplicate, answered `again`), its mark written once its answer is
/// back; another event's mark is one statement.
pub(super) async fn run_unlocked<'a, F>(
    db: &'a Db,
    ingest: &'a crate::ingest::Ingest,
    tenant_id: &'a str,
    provider: BillingProvider,
    (id, kind, event): (&'a str, &'a str, &'a serde_json::Value),
    handle: impl FnOnce(&'a crate::db::Pool) -> F,
) -> Result<Handled, Refused>
where
    F: Future<Output = effects::Outcome>,
{
    let step = handle(db.conn()).await?;
    if let Some(marked) = Mark::of(&step) {
        mark(db.conn(), tenant_id, provider, id, kind, marked).await?;
    }
    recorded(db, ingest, tenant_id, provider, (id, kind, event), step).await
}

/// What handling came to: a sale is recorded through the event path's
/// queues, then its delivery marked — handled when the sale was recorded
/// (or held, or was recorded before: a redelivery's `duplicate`); refused,
/// with the provider's event kept (`REFUSED`, its reason beside it) for
/// `retryConnectorEvent` once the cause is mended, when its terms refused
/// it; nothing on a failure, so the provider's retry records it. The ledger
/// knows nothing of connectors: the mark is this module's, after the
/// sale's own commit.
async fn recorded(
    db: &Db,
    ingest: &crate::ingest::Ingest,
    tenant_id: &str,
    provider: BillingProvider,
    (id, kind, event): (&str, &str, &serde_json::Value),
    step: effects::Step,
) -> Result<Handled, Refused> {
    let item = match step {
        effects::Step::Done => return Ok(Handled::Done),
        effects::Step::Ignored(_) => return Ok(Handled::Ignored),
        effects::Step::Again => return Ok(Handled::Again),
        effects::Step::Waiting(_) => return Ok(Handled::Waiting),
        effects::Step::NotYet => return Err(Refused::NotYet),
        effects::Step::Sale(item) => *item,
    };
    let external_id = item.event.external_id.clone();
    let payload = event.to_string();
    let (reason, kept, handled) = match ingest.record(tenant_id, item).await {
        Ok(recorded) if recorded.duplicate => (None, None, Handled::Again),
        Ok(_) => (None, None, Handled::Done),
        Err(err) if effects::refused(&err) => {
            tracing::info!(target: "revshare::connectors", sale = %external_id, error = ?err, "connector sale refused");
            (
                Some(effects::refusal(&err)),
                Some(payload),
                Handled::Refused,
            )
        }
        Err(err) => return Err(Refused::Failed(err)),
    };
    let marked = match &reason {
        Some(reason) => Mark::refused(reason),
        None => Mark::DONE,
    };
    insert_mark(db.conn(), tenant_id, provider, (id, kind), marked, kept).await?;
    Ok(handled)
}

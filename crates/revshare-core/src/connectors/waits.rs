//! Deliveries that wait: a refund or dispute of a sale revshare cannot
//! find yet. Stripe does not order its events, and from API version
//! 2025-03-31 a charge no longer names its invoice: the link from a
//! charge's payment intent to its invoice arrives with `invoice.paid` (its
//! `payments`) or `invoice_payment.paid`, possibly after the refund. A
//! `200` tells Stripe never to deliver again, so such a delivery is kept
//! (`WAITING`, with its object and the keys it waits for) and applied,
//! exactly once, when a link or sale for one of its keys commits.
//!
//! Exactly once without a lock between the two sides: the delivery that
//! waits looks again for its sale right after it commits, and every link
//! or sale looks for waiting deliveries right after it commits. Whichever
//! commits last sees the other, and applying claims the delivery with a
//! conditional update, so when both see it one applies it.
//!
//! A kept delivery whose object does not read is applied to nothing —
//! never as an empty event — and waits on, its reason saying why
//! ([`UNREADABLE_PAYLOAD`]).

use super::effects::{Outcome, Step, Wait};
use super::marks::{Mark, insert_mark};
use crate::db::{BoxFuture, Db, Txn};
use crate::error::ApiResult;
use entity::enums::{BillingProvider, ConnectorEventStatus};
use entity::{connector_event, connector_wait};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Why a waiting delivery was not applied: its kept object does not read.
pub const UNREADABLE_PAYLOAD: &str = "its kept event could not be read: it was not applied";

/// How a provider applies one of its waiting deliveries: the delivery's
/// type and object, in the applying transaction.
pub(super) type Resume =
    for<'a> fn(&'a Txn, &'a str, &'a str, &'a serde_json::Value) -> BoxFuture<'a, Outcome>;

/// Keeps a delivery that waits, in its transaction: its mark with its
/// object, and each key it waits for.
pub(super) async fn keep(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
    (event_id, kind): (&str, &str),
    wait: &Wait,
) -> ApiResult<()> {
    let marked = Mark {
        status: ConnectorEventStatus::Waiting,
        reason: Some(wait.reason),
    };
    let payload = Some(wait.object.to_string());
    insert_mark(conn, tenant_id, provider, (event_id, kind), marked, payload).await?;
    for key in &wait.keys {
        connector_wait::Entity::insert(connector_wait::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            provider: Set(provider),
            key: Set(key.clone()),
            event_id: Set(event_id.to_owned()),
        })
        .on_conflict(
            OnConflict::columns([
                connector_wait::Column::TenantId,
                connector_wait::Column::Provider,
                connector_wait::Column::Key,
                connector_wait::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Applies every delivery waiting for one of `keys` whose sale can be
/// found now; the others wait on. Called after what may end a wait
/// committed (a link, a sale), and by a delivery right after it was kept.
pub(super) async fn release(
    db: &Db,
    tenant_id: &str,
    provider: BillingProvider,
    keys: &[String],
    resume: Resume,
) -> ApiResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let waiting: Vec<String> = connector_wait::Entity::find()
        .select_only()
        .column(connector_wait::Column::EventId)
        .distinct()
        .filter(connector_wait::Column::TenantId.eq(tenant_id))
        .filter(connector_wait::Column::Provider.eq(provider))
        .filter(connector_wait::Column::Key.is_in(keys.iter().map(String::as_str)))
        .into_tuple()
        .all(db.conn())
        .await?;
    for event_id in &waiting {
        apply(db, tenant_id, provider, event_id, resume).await?;
    }
    Ok(())
}

/// Applies one waiting delivery if its sale can be found: claimed by a
/// conditional update first, so a concurrent applier finds it claimed
/// and does nothing; put back to waiting if its sale is still missing.
async fn apply(
    db: &Db,
    tenant_id: &str,
    provider: BillingProvider,
    event_id: &str,
    resume: Resume,
) -> ApiResult<()> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let key = || {
                sea_orm::Condition::all()
                    .add(connector_event::Column::TenantId.eq(tenant_id))
                    .add(connector_event::Column::Provider.eq(provider))
                    .add(connector_event::Column::EventId.eq(event_id))
            };
            let claimed = connector_event::Entity::update_many()
                .col_expr(
                    connector_event::Column::Status,
                    Expr::value(ConnectorEventStatus::Done.as_str()),
                )
                .filter(key())
                .filter(connector_event::Column::Status.eq(ConnectorEventStatus::Waiting))
                .exec(conn)
                .await?;
            if claimed.rows_affected == 0 {
                return Ok(());
            }
            let Some(row) = connector_event::Entity::find()
                .filter(key())
                .one(conn)
                .await?
            else {
                return Ok(());
            };
            let object = match row.payload.as_deref() {
                None => Some(serde_json::Value::Null),
                Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(object) => Some(object),
                    Err(err) => {
                        tracing::error!(event = %event_id, error = %err, "a waiting connector event's kept payload does not read: it is applied to nothing");
                        None
                    }
                },
            };
            let (status, reason) = match object {
                // Applied to nothing, never as an empty event: it waits
                // on, saying why.
                None => (
                    ConnectorEventStatus::Waiting,
                    Some(UNREADABLE_PAYLOAD.to_owned()),
                ),
                Some(object) => match resume(conn, tenant_id, &row.kind, &object).await? {
                    Step::Waiting(_) | Step::NotYet => {
                        // Still missing: as it was.
                        (ConnectorEventStatus::Waiting, row.reason)
                    }
                    Step::Ignored(reason) => (ConnectorEventStatus::Ignored, Some(reason)),
                    _ => (ConnectorEventStatus::Done, None),
                },
            };
            let ended = status != ConnectorEventStatus::Waiting;
            connector_event::Entity::update_many()
                .col_expr(
                    connector_event::Column::Status,
                    Expr::value(status.as_str()),
                )
                .col_expr(connector_event::Column::Reason, Expr::value(reason))
                .col_expr(
                    connector_event::Column::Payload,
                    Expr::value(match ended {
                        true => None,
                        false => row.payload,
                    }),
                )
                .filter(key())
                .exec(conn)
                .await?;
            if ended {
                connector_wait::Entity::delete_many()
                    .filter(connector_wait::Column::TenantId.eq(tenant_id))
                    .filter(connector_wait::Column::Provider.eq(provider))
                    .filter(connector_wait::Column::EventId.eq(event_id))
                    .exec(conn)
                    .await?;
            }
            Ok(())
        })
    })
    .await
}

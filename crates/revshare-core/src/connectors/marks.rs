//! A delivery's mark: its provider event id, kept once, with what became
//! of it (done, ignored and why, or waiting) — the record that makes a
//! redelivery do nothing again, and what `billingConnectorEvents` lists.

use super::effects;
use crate::error::ApiResult;
use entity::connector_event;
use entity::enums::{BillingProvider, ConnectorEventStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Whether the provider event `event_id` was handled before.
pub(super) async fn seen(
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
pub(super) struct Mark<'a> {
    pub(super) status: ConnectorEventStatus,
    pub(super) reason: Option<&'a str>,
}

impl<'a> Mark<'a> {
    pub(super) const DONE: Mark<'static> = Mark {
        status: ConnectorEventStatus::Done,
        reason: None,
    };

    pub(super) fn ignored(reason: &'a str) -> Mark<'a> {
        Mark {
            status: ConnectorEventStatus::Ignored,
            reason: Some(reason),
        }
    }

    /// A sale the ledger refused: kept with its event, to retry.
    pub(super) fn refused(reason: &'a str) -> Mark<'a> {
        Mark {
            status: ConnectorEventStatus::Refused,
            reason: Some(reason),
        }
    }

    /// The mark a step writes at once (a sale's once the sale's answer is
    /// back, a waiting delivery's with what it waits for).
    pub(super) fn of(step: &'a effects::Step) -> Option<Mark<'a>> {
        match step {
            effects::Step::Done => Some(Mark::DONE),
            effects::Step::Ignored(reason) => Some(Mark::ignored(reason)),
            _ => None,
        }
    }
}

/// Marks `event_id` handled (and so counted), in the caller's
/// transaction; a mark already there (a concurrent redelivery's) stays.
pub(super) async fn mark(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
    event_id: &str,
    kind: &str,
    marked: Mark<'_>,
) -> ApiResult<()> {
    insert_mark(conn, tenant_id, provider, (event_id, kind), marked, None).await
}

pub(super) async fn insert_mark(
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

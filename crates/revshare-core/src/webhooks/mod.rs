//! Webhooks (SPEC §12, Standard Webhooks 1.0): endpoints a tenant — or one
//! of its partners, for its own events — registers, and the deliveries of
//! the tenant's domain events to them, at least once, signed.
//!
//! - [`endpoints`]: create (the secret is shown once), update, delete,
//!   rotate the secret (the previous one still signs for
//!   [`ROTATION_GRACE`]), replay — each scoped to who may manage them;
//! - [`settings`]: how deliveries are made (`REVSHARE_WEBHOOK_*`) and the
//!   bounds on endpoints and replays;
//! - [`dispatch`]: the background worker that turns new events into
//!   deliveries and sends them with retries, on every replica without
//!   sending an attempt twice;
//! - [`send`]: sending a batch and recording how each attempt went;
//! - [`sign`]: the signatures; [`ssrf`]: where a delivery may go;
//! - this module: what an endpoint is sent (its audience), the backlog.

pub mod dispatch;
pub mod endpoints;
pub mod send;
pub mod settings;
pub mod sign;
pub mod ssrf;

pub use endpoints::*;
pub use settings::*;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, DomainEventType};
use entity::enums::DeliveryStatus;
use entity::{webhook_delivery, webhook_endpoint};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Event types as an endpoint stores them: names, sorted, once each;
/// an error rather than `[]`, which is every type.
pub(crate) fn types_json(types: &[DomainEventType]) -> ApiResult<String> {
    let mut names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    names.sort();
    names.dedup();
    ApiError::json("webhook event types", &names)
}

/// An endpoint's event types (empty: all); a list that does not read is
/// an error, never the empty list (which is every type).
pub fn types_of(endpoint: &webhook_endpoint::Model) -> ApiResult<Vec<DomainEventType>> {
    ApiError::stored("webhook event types", &endpoint.event_types)
}

/// The events an endpoint is sent: its tenant's (its partner's only, for a
/// partner's), of its types; an error when its types do not read.
pub fn audience_of(endpoint: &webhook_endpoint::Model) -> ApiResult<Audience> {
    let types = types_of(endpoint)?;
    Ok(Audience {
        tenant_id: endpoint.tenant_id.clone(),
        types: match types.is_empty() {
            true => crate::events::ALL_TYPES.to_vec(),
            false => types,
        },
        partner_id: endpoint.partner_id.clone(),
        nobody: false,
    })
}

/// Deliveries pending over every tenant (due now or waiting to be retried):
/// the webhook backlog `/metrics` reports.
pub async fn backlog(db: &Db) -> ApiResult<u64> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .count(db.conn())
        .await?)
}

/// A delivery's status as stored, for the delivery log.
pub fn is_final(status: DeliveryStatus) -> bool {
    status != DeliveryStatus::Pending
}

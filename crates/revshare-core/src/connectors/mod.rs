//! Billing connectors (SPEC §15): a provider's own webhooks turned into
//! attributions, sales and refunds, with no code on the brand's side.
//!
//! One connector per provider and tenant, configured by an admin
//! ([`configure`]). Its public endpoint (`POST /connectors/{provider}/{tenantId}`,
//! [`crate::http::intake`]) verifies the provider's own signature and
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

mod config;
mod effects;
pub mod intake;
mod lines;
mod marks;
pub mod paddle;
mod run;
mod signatures;
pub mod stripe;
pub mod units;
mod waits;

pub use config::{Configure, Counts, configure, counts, events, find, list, secrets};
pub use intake::{Handled, NO_CONNECTOR, Refused};
pub use signatures::{Signed, TOLERANCE_SECONDS};

/// The actor a connector's refunds are recorded by.
pub const ACTOR: &str = "connector";

/// Records again a delivery whose sale the ledger refused, once its cause
/// is mended (the partner reactivated, the campaign's terms changed): its
/// kept event handled as when it arrived, under the connector's settings
/// now. Refused again, it is kept again with the new reason. `NOT_FOUND`
/// for no refused delivery of that id.
pub async fn retry(
    db: &crate::db::Db,
    ingest: &crate::ingest::Ingest,
    tenant_id: &str,
    provider: entity::enums::BillingProvider,
    event_id: &str,
) -> crate::error::ApiResult<entity::connector_event::Model> {
    use crate::error::ApiError;
    use entity::connector_event::{Column, Entity};
    use entity::enums::{BillingProvider, ConnectorEventStatus};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let of = || {
        Entity::find()
            .filter(Column::TenantId.eq(tenant_id))
            .filter(Column::Provider.eq(provider))
            .filter(Column::EventId.eq(event_id))
    };
    let kept = of()
        .filter(Column::Status.eq(ConnectorEventStatus::Refused))
        .one(db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("refused connector event"))?;
    let connector = find(db.conn(), tenant_id, provider)
        .await?
        .filter(|c| c.enabled)
        .ok_or_else(|| ApiError::bad_input("provider", "its connector is not enabled"))?;
    let event: serde_json::Value = match kept.payload.as_deref() {
        Some(text) => ApiError::stored("refused connector event", text)?,
        None => return Err(ApiError::internal("refused connector event", event_id)),
    };
    // Its mark goes, so that it is handled as new; a concurrent retry
    // finds nothing to delete and stops here.
    let gone = Entity::delete_many()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::Provider.eq(provider))
        .filter(Column::EventId.eq(event_id))
        .filter(Column::Status.eq(ConnectorEventStatus::Refused))
        .exec(db.conn())
        .await?;
    if gone.rows_affected == 0 {
        return Err(ApiError::not_found("refused connector event"));
    }
    let handled = match provider {
        BillingProvider::Stripe => stripe::handled(db, ingest, tenant_id, &connector, &event).await,
        BillingProvider::Paddle => paddle::handled(db, ingest, tenant_id, &connector, &event).await,
    };
    if let Err(refused) = handled {
        // Not handled (an outage, a lost race): the delivery is kept as it
        // was, to retry again.
        let marked = marks::Mark {
            status: ConnectorEventStatus::Refused,
            reason: kept.reason.as_deref(),
        };
        let key = (event_id, kept.kind.as_str());
        marks::insert_mark(
            db.conn(),
            tenant_id,
            provider,
            key,
            marked,
            kept.payload.clone(),
        )
        .await?;
        return Err(match refused {
            Refused::Failed(err) => err,
            _ => ApiError::Unavailable,
        });
    }
    of().one(db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("connector event", event_id))
}

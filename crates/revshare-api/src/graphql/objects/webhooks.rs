//! Fields of webhook endpoints and their deliveries. Who manages an
//! endpoint reads it: the tenant's admins and `webhooks:read` tokens, and
//! the partner whose endpoint it is.

use super::{DomainEvent, Partner, Seen, WebhookDelivery, WebhookEndpoint};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, loader, page_args, policy};
use crate::graphql::enums::{DeliveryStatus, DomainEventType, WebhookStatus};
use crate::graphql::loaders::{DomainEventSeq, load_partner};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object};
use entity::webhook_delivery;
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::webhooks;

/// Where a tenant — or one of its partners, for its own events — is sent
/// its domain events.
#[Object]
impl WebhookEndpoint {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        Ok(row.url.clone())
    }

    /// The types sent; empty: every type.
    async fn event_types(&self) -> ApiResult<Vec<DomainEventType>> {
        let row = self.0.read(C::Row)?;
        Ok(webhooks::types_of(row)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// What it is for.
    async fn description(&self) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        Ok(row.description.clone())
    }

    /// Whether it is sent events.
    async fn status(&self) -> ApiResult<WebhookStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Why it is disabled: an update, a `410 Gone` answer, or events in a
    /// row that could not be delivered.
    async fn disabled_reason(&self) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        Ok(row.disabled_reason.clone())
    }

    /// The partner whose endpoint it is: it receives only that partner's
    /// events. None: the tenant's own.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let row = self.0.read(C::Row)?;
        match &row.partner_id {
            Some(id) => Ok(Partner::seen(
                policy(ctx)?,
                load_partner(&*loader(ctx)?, id).await?,
            )),
            None => Ok(None),
        }
    }

    /// Events in a row whose delivery failed for good (a success resets it).
    async fn consecutive_failures(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.consecutive_failures)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// Its deliveries, oldest first: the delivery log.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries in this status.")] status: Option<DeliveryStatus>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<WebhookDelivery>> {
        let row = self.0.read(C::Row)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let status = status.map(entity::enums::DeliveryStatus::from);
        let select = webhooks::deliveries_of(&row.tenant_id, &row.id, status);
        let partner = row.partner_id.clone();
        let policy = policy(ctx)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                webhook_delivery::Column::Id,
            ),
            move |row| WebhookDelivery::seen(policy, (row, partner.clone())),
        )
        .await
    }
}

/// One event sent, or to send, to an endpoint, and how its attempts went.
#[Object]
impl WebhookDelivery {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().0.id.clone())
    }

    /// The event delivered.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<DomainEvent> {
        let row = self.0.read(C::Row)?;
        loader(ctx)?
            .load_one(DomainEventSeq(row.0.event_seq))
            .await?
            .and_then(|row| DomainEvent::seen(policy(ctx).ok()?, row))
            .ok_or_else(|| ApiError::not_found("domain event"))
    }

    /// Attempts made so far.
    async fn attempts(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.attempts)
    }

    /// Pending, succeeded or failed.
    async fn status(&self) -> ApiResult<DeliveryStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.status.into())
    }

    /// The HTTP status the last attempt was answered with.
    async fn last_response_status(&self) -> ApiResult<Option<i32>> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.last_response_status)
    }

    /// Why the last attempt failed: `answered 503`, `timed out`, …
    async fn last_error(&self) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.last_error.clone())
    }

    /// When the next attempt is due (pending deliveries).
    async fn next_attempt_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.next_attempt_at.map(Into::into))
    }

    /// When it was delivered.
    async fn delivered_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.delivered_at.map(Into::into))
    }

    /// Sent again by `replayWebhookDeliveries`.
    async fn replay(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.replay)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.0.created_at.into())
    }
}

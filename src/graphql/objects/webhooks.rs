//! Fields of webhook endpoints and their deliveries. Who manages an
//! endpoint reads it: the tenant's admins and `webhooks:read` tokens, and
//! the partner whose endpoint it is.

use super::{DomainEvent, Partner, WebhookDelivery, WebhookEndpoint};
use crate::auth::Scope;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{Owner, db, guard, loader, page_args};
use crate::graphql::enums::{DeliveryStatus, DomainEventType, WebhookStatus};
use crate::graphql::loaders::{DomainEventSeq, load_partner};
use crate::graphql::scalars::DateTime;
use crate::paging::{DEFAULT_LIMITS, PageRequest};
use crate::webhooks;
use async_graphql::{Context, ID, Object};
use entity::webhook_delivery;

/// Who reads an endpoint's fields.
fn readable(ctx: &Context<'_>, partner: &Option<String>) -> ApiResult<()> {
    let owner = match partner {
        Some(partner) => Owner::Partner(partner),
        None => Owner::NoPartner,
    };
    guard(ctx, &[Scope::WebhooksRead], owner)
}

/// Where a tenant — or one of its partners, for its own events — is sent
/// its domain events.
#[Object]
impl WebhookEndpoint {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Where deliveries are POSTed.
    async fn url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.url.clone())
    }

    /// The types sent; empty: every type.
    async fn event_types(&self, ctx: &Context<'_>) -> ApiResult<Vec<DomainEventType>> {
        readable(ctx, &self.0.partner_id)?;
        Ok(webhooks::types_of(&self.0)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// What it is for.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.description.clone())
    }

    /// Whether it is sent events.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<WebhookStatus> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.status.into())
    }

    /// Why it is disabled: an update, a `410 Gone` answer, or events in a
    /// row that could not be delivered.
    async fn disabled_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.disabled_reason.clone())
    }

    /// The partner whose endpoint it is: it receives only that partner's
    /// events. None: the tenant's own.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        readable(ctx, &self.0.partner_id)?;
        match &self.0.partner_id {
            Some(id) => Ok(Some(Partner::from(load_partner(&*loader(ctx)?, id).await?))),
            None => Ok(None),
        }
    }

    /// Events in a row whose delivery failed for good (a success resets it).
    async fn consecutive_failures(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.consecutive_failures)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        readable(ctx, &self.0.partner_id)?;
        Ok(self.0.created_at.into())
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
        readable(ctx, &self.0.partner_id)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let mut select = webhooks::deliveries_of(&self.0.tenant_id, &self.0.id);
        if let Some(status) = status {
            use sea_orm::{ColumnTrait, QueryFilter};
            select = select.filter(
                webhook_delivery::Column::Status.eq(entity::enums::DeliveryStatus::from(status)),
            );
        }
        let partner = self.0.partner_id.clone();
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            webhook_delivery::Column::Id,
            move |row| WebhookDelivery(row, partner.clone()),
        )
        .await
    }
}

/// One event sent, or to send, to an endpoint, and how its attempts went.
#[Object]
impl WebhookDelivery {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The event delivered.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<DomainEvent> {
        readable(ctx, &self.1)?;
        loader(ctx)?
            .load_one(DomainEventSeq(self.0.event_seq))
            .await?
            .map(DomainEvent)
            .ok_or_else(|| ApiError::not_found("domain event"))
    }

    /// Attempts made so far.
    async fn attempts(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        readable(ctx, &self.1)?;
        Ok(self.0.attempts)
    }

    /// Pending, succeeded or failed.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<DeliveryStatus> {
        readable(ctx, &self.1)?;
        Ok(self.0.status.into())
    }

    /// The HTTP status the last attempt was answered with.
    async fn last_response_status(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        readable(ctx, &self.1)?;
        Ok(self.0.last_response_status)
    }

    /// Why the last attempt failed: `answered 503`, `timed out`, …
    async fn last_error(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        readable(ctx, &self.1)?;
        Ok(self.0.last_error.clone())
    }

    /// When the next attempt is due (pending deliveries).
    async fn next_attempt_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        readable(ctx, &self.1)?;
        Ok(self.0.next_attempt_at.map(Into::into))
    }

    /// When it was delivered.
    async fn delivered_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        readable(ctx, &self.1)?;
        Ok(self.0.delivered_at.map(Into::into))
    }

    /// Sent again by `replayWebhookDeliveries`.
    async fn replay(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        readable(ctx, &self.1)?;
        Ok(self.0.replay)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        readable(ctx, &self.1)?;
        Ok(self.0.created_at.into())
    }
}

//! Webhook endpoints (SPEC §12): registered, changed, deleted, their secret
//! rotated and their events replayed by the tenant's admins and
//! `webhooks:write` tokens (read with `webhooks:read`), and by a partner for
//! its own events, through its own token.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, forget_reads, page_args, policy};
use crate::graphql::enums::DomainEventType;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::WebhookEndpoint;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::webhook_endpoint;
use revshare_core::auth::Scope;
use revshare_core::auth::access::Policy;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::events::{self, DomainEventType as Stored, log::Cursor};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::webhooks::dispatch::Poke;
use revshare_core::webhooks::{self, Changes, Manager, NewEndpoint, Settings};

/// An endpoint events are sent to.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// Where deliveries are POSTed: `https`, resolving to a public address.
    pub url: String,
    /// The types to send; empty or omitted: every type.
    pub event_types: Option<Vec<DomainEventType>>,
    /// What it is for.
    pub description: Option<String>,
}

/// Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// A new URL.
    pub url: Option<String>,
    /// The types to send; empty: every type.
    pub event_types: Option<Vec<DomainEventType>>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `false` disables the endpoint; `true` enables it again, sending the
    /// events from then on (replay the ones missed meanwhile).
    pub enabled: Option<bool>,
}

/// An endpoint and its signing secret, which is shown only here.
#[derive(SimpleObject)]
pub struct CreatedWebhookEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: the key deliveries are signed with (Standard Webhooks).
    pub secret: String,
}

/// Whose endpoints the caller manages, holding `scope` if a service token
/// (which manages only the tenant's endpoints whose events it reads).
fn manager(policy: &Policy, scope: Scope) -> ApiResult<Manager<'_>> {
    policy.endpoints(scope).map(Manager::from)
}

/// An endpoint is sent only what its creator may read: a service token
/// naming (or, with none named, taking) a type whose subject its scopes do
/// not read is refused.
fn readable_types(policy: &Policy, types: &[DomainEventType]) -> ApiResult<Vec<Stored>> {
    let types: Vec<Stored> = types.iter().map(|t| (*t).into()).collect();
    let named: &[Stored] = match types.is_empty() {
        true => &events::ALL_TYPES,
        false => &types,
    };
    let readable = events::readable_types(policy);
    if let Some(kind) = named.iter().find(|k| !readable.contains(k)) {
        return Err(ApiError::Forbidden(format!(
            "{} events need the {} scope; name the event types this token may read",
            kind.as_str(),
            revshare_core::auth::access::event_scope(*kind).as_str()
        )));
    }
    Ok(types)
}

fn settings<'a>(ctx: &Context<'a>) -> ApiResult<&'a Settings> {
    ctx.data::<Settings>()
        .map_err(|_| ApiError::internal("schema data", "no webhook settings"))
}

/// Wakes this replica's dispatcher: the change is acted on at once.
fn poke(ctx: &Context<'_>) {
    if let Ok(poke) = ctx.data::<Poke>() {
        poke.poke();
    }
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// An endpoint the caller manages, by id.
    pub(crate) async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> ApiResult<Option<WebhookEndpoint>> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = policy.endpoints_found().map(Manager::from)?;
        Ok(
            webhooks::find(db(ctx)?.conn(), principal.tenant_id(), manager, &id)
                .await?
                .and_then(WebhookEndpoint::for_caller(policy)),
        )
    }

    /// The endpoints the caller manages (a partner: its own), oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<WebhookEndpoint>> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = policy.endpoints_found().map(Manager::from)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                webhooks::list(principal.tenant_id(), manager),
                webhook_endpoint::Column::Id,
            ),
            WebhookEndpoint::for_caller(policy),
        )
        .await
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint, sent the events from now on. A partner's
    /// endpoint receives only that partner's events. The secret is shown
    /// only in this answer (and on rotation).
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint to create.")] input: CreateWebhookEndpointInput,
    ) -> ApiResult<CreatedWebhookEndpoint> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = manager(policy, Scope::WebhooksWrite)?;
        forget_reads(ctx)?;
        let event_types = readable_types(policy, &input.event_types.unwrap_or_default())?;
        let created = webhooks::create(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            manager,
            NewEndpoint {
                url: input.url,
                event_types,
                description: input.description,
            },
            settings(ctx)?,
        )
        .await?;
        poke(ctx);
        Ok(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint::shown(ctx, created.endpoint)?,
            secret: created.secret,
        })
    }

    /// Changes an endpoint.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateWebhookEndpointInput,
    ) -> ApiResult<WebhookEndpoint> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = manager(policy, Scope::WebhooksWrite)?;
        forget_reads(ctx)?;
        let event_types = input
            .event_types
            .map(|types| readable_types(policy, &types))
            .transpose()?;
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(text) => Some(Some(text)),
        };
        let changes = Changes {
            url: input.url,
            event_types,
            description,
            enabled: input.enabled,
        };
        let endpoint = webhooks::update(
            db(ctx)?,
            principal.tenant_id(),
            manager,
            &id,
            changes,
            settings(ctx)?,
        )
        .await?;
        poke(ctx);
        Ok(WebhookEndpoint::shown(ctx, endpoint)?)
    }

    /// Deletes an endpoint and its delivery log; answers its id.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> ApiResult<ID> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = manager(policy, Scope::WebhooksWrite)?;
        forget_reads(ctx)?;
        webhooks::delete(db(ctx)?, principal.tenant_id(), manager, &id).await?;
        Ok(id)
    }

    /// A new secret. The previous one also signs deliveries for 24 hours
    /// (both signatures are sent), so a receiver switches without losing
    /// any.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> ApiResult<CreatedWebhookEndpoint> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = manager(policy, Scope::WebhooksWrite)?;
        forget_reads(ctx)?;
        let rotated = webhooks::rotate(db(ctx)?, principal.tenant_id(), manager, &id).await?;
        Ok(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint::shown(ctx, rotated.endpoint)?,
            secret: rotated.secret,
        })
    }

    /// Sends an endpoint its events after `after` (an event's id; none:
    /// every event kept) again; answers how many. An endpoint is replayed
    /// at most 10,000 events in 24 hours (`REVSHARE_WEBHOOK_REPLAY_LIMIT`):
    /// past that, `CONFLICT`. The receiver sees the same `webhook-id`s as
    /// before and can deduplicate.
    async fn replay_webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint the events are sent to again.")] endpoint_id: ID,
        #[graphql(
            desc = "Every event after this event's id is sent again (within the retention)."
        )]
        after: Option<ID>,
    ) -> ApiResult<i32> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let manager = manager(policy, Scope::WebhooksWrite)?;
        forget_reads(ctx)?;
        let after = match &after {
            Some(id) => Cursor::parse("after", id)?,
            None => Cursor::START,
        };
        let count = webhooks::replay(
            db(ctx)?,
            principal.tenant_id(),
            manager,
            &endpoint_id,
            after,
            settings(ctx)?,
        )
        .await?;
        poke(ctx);
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}

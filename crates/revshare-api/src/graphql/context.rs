//! What a resolver reads from its request: the caller ([`policy`], whose
//! decisions objects carry from when they are made), the request's loaders
//! ([`loader`]), the database and the ingest queue, and small helpers for
//! arguments.
//!
//! Forgetting what was read: a mutation replaces the request's loaders with
//! fresh ones ([`writer`]), so no field resolved after it sees rows from
//! before it — whatever loaders exist, with no list of them to keep.

use super::loaders::{self, RequestLoader};
use async_graphql::{Context, ContextBase, MaybeUndefined};
use revshare_core::auth::access::Policy;
use revshare_core::auth::{Principal, Scope, TenantCache};
use revshare_core::db::Db;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::PageArgs;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The default of how long a loader waits after its first key before it runs
/// the batch (`REVSHARE_LOADER_DELAY_MS`). Keys that arrive after it go into a
/// second batch: with the library's 1 ms, resolving a page of 50 commissions
/// with six relations each on a debug build outlasted the wait and split
/// batches; 3 ms held in repeated runs, at 3 ms of latency per nested level.
/// No delay rules out a split when the OS preempts the resolving thread, so
/// the statement-count tests run with a long delay of their own.
pub const LOADER_DELAY: Duration = Duration::from_millis(3);

/// The address of the client that sent the request, as the server
/// believes it (never an untrusted `X-Forwarded-For`): what anonymous
/// writes are limited by. Over a WebSocket, the socket's client, for each
/// of its operations; none for a GET (which runs no mutation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Client(pub Option<std::net::IpAddr>);

/// The request's id (`x-request-id`, or one revshare made; over a
/// WebSocket, one per operation), as the activity log records it.
#[derive(Clone, Debug, Default)]
pub struct RequestId(pub Option<String>);

/// The request's `Accept-Language` header, as sent (at most 256 bytes).
pub struct AcceptLanguage(pub Option<String>);

/// The request's `Accept-Language`, if any.
pub fn accept_language<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    ctx.data_opt::<AcceptLanguage>()
        .and_then(|given| given.0.as_deref())
}

/// The request's client address.
pub fn client(ctx: &Context<'_>) -> Option<std::net::IpAddr> {
    ctx.data_opt::<Client>().and_then(|c| c.0)
}

/// What a request carries: its caller's policy (none without a token) and
/// its loaders.
pub struct RequestContext {
    pub policy: Option<Policy>,
    /// The server's cache of tenants, which a change to the tenant clears.
    pub tenants: TenantCache,
    loader: Option<Arc<RwLock<Arc<RequestLoader>>>>,
    db: Db,
    delay: Duration,
}

impl RequestContext {
    /// Loaders cache within the request (a group read by two fields is
    /// loaded once), bound to the caller's tenant.
    pub fn new(
        db: &Db,
        principal: Option<Principal>,
        delay: Duration,
        tenants: TenantCache,
    ) -> RequestContext {
        let loader = principal.as_ref().map(|p| {
            Arc::new(RwLock::new(Arc::new(loaders::new_loader(
                db,
                &p.tenant.id,
                delay,
            ))))
        });
        RequestContext {
            policy: principal.map(Policy::new),
            tenants,
            loader,
            db: db.clone(),
            delay,
        }
    }
}

fn request<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| ApiError::internal("request context", "missing"))
}

/// The request's context itself, for what outlives one resolver (a
/// subscription's stream).
pub fn request_context<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
    request(ctx)
}

/// The caller's policy, read from any context (a field's or a selection's).
pub fn caller<'a, T>(ctx: &ContextBase<'a, T>) -> Option<&'a Policy> {
    ctx.data_opt::<RequestContext>()?.policy.as_ref()
}

/// What the caller may see and do: every resolver asks it.
pub fn policy<'a>(ctx: &Context<'a>) -> ApiResult<&'a Policy> {
    request(ctx)?
        .policy
        .as_ref()
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

pub fn principal<'a>(ctx: &Context<'a>) -> ApiResult<&'a Principal> {
    policy(ctx).map(Policy::principal)
}

/// The request's loaders, read from any context (a field's or a
/// selection's); `None` without a token.
pub fn loader_in<T>(ctx: &ContextBase<'_, T>) -> Option<Arc<RequestLoader>> {
    let slot = ctx.data_opt::<RequestContext>()?.loader.as_ref()?;
    Some(
        slot.read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone(),
    )
}

/// The request's loaders (the current ones, after any mutation).
pub fn loader(ctx: &Context<'_>) -> ApiResult<Arc<RequestLoader>> {
    let slot = request(ctx)?
        .loader
        .as_ref()
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))?;
    Ok(slot
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone())
}

/// The principal of a mutation, which must hold `scope`. Forgets what the
/// request read so far: it may be stale once the mutation runs.
pub fn writer<'a>(ctx: &Context<'a>, scope: Scope) -> ApiResult<&'a Principal> {
    let principal = principal(ctx)?;
    principal.require(scope)?;
    forget_reads(ctx)?;
    Ok(principal)
}

/// Replaces the request's loaders with empty ones (every mutation does,
/// before writing).
pub fn forget_reads(ctx: &Context<'_>) -> ApiResult<()> {
    request(ctx)?.forget_reads();
    Ok(())
}

impl RequestContext {
    /// Replaces the loaders with empty ones: what is read next is read
    /// afresh (after a mutation).
    pub fn forget_reads(&self) {
        if let Some(forget) = self.forgetter() {
            forget.forget();
        }
    }

    /// What a subscription keeps to read each event afresh.
    pub fn forgetter(&self) -> Option<Forgetter> {
        let (slot, policy) = (self.loader.as_ref()?, self.policy.as_ref()?);
        Some(Forgetter {
            slot: slot.clone(),
            db: self.db.clone(),
            tenant_id: policy.tenant_id().to_owned(),
            delay: self.delay,
        })
    }
}

/// Replaces a request's loaders with empty ones, from a task that outlives
/// the resolver (a subscription's stream).
pub struct Forgetter {
    slot: Arc<RwLock<Arc<RequestLoader>>>,
    db: Db,
    tenant_id: String,
    delay: Duration,
}

impl Forgetter {
    pub fn forget(&self) {
        let fresh = Arc::new(loaders::new_loader(&self.db, &self.tenant_id, self.delay));
        *self
            .slot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
    }
}

/// Forgets the cached tenant of the caller, after a change to it.
pub fn forget_tenant(ctx: &Context<'_>) -> ApiResult<()> {
    let request = request(ctx)?;
    if let Some(policy) = &request.policy {
        request.tenants.forget(policy.tenant_id());
    }
    Ok(())
}

pub fn ingest<'a>(ctx: &Context<'a>) -> ApiResult<&'a revshare_core::ingest::Ingest> {
    ctx.data::<revshare_core::ingest::Ingest>()
        .map_err(|_| ApiError::internal("schema data", "no ingest"))
}

/// The server's keys, which sign the tokens a sign-in or an application's
/// link gives.
pub fn keys<'a>(ctx: &Context<'a>) -> ApiResult<&'a revshare_core::auth::jwt::Keys> {
    ctx.data::<revshare_core::auth::jwt::Keys>()
        .map_err(|_| ApiError::internal("schema data", "no keys"))
}

pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a Db> {
    ctx.data::<Db>()
        .map_err(|_| ApiError::internal("schema data", "no database"))
}

pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}

/// A `MaybeUndefined` text as a change: absent, cleared, or a checked value.
pub fn text_change(
    value: MaybeUndefined<String>,
    check: impl Fn(Option<&str>) -> ApiResult<Option<String>>,
) -> ApiResult<Option<Option<String>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(text) => Ok(Some(check(Some(&text))?)),
    }
}

/// Ids as strings.
pub fn ids(ids: Vec<async_graphql::ID>) -> Vec<String> {
    ids.into_iter().map(|id| id.0).collect()
}

/// The language a partner's token reads in (SPEC §38): its partner's, as
/// its tenant reads it. None for staff: they read staff texts as written.
pub async fn partner_language(ctx: &Context<'_>) -> ApiResult<Option<String>> {
    let Some(partner_id) = policy(ctx)?.partner_rows(None).partner().map(str::to_owned) else {
        return Ok(None);
    };
    let loader = loader(ctx)?;
    let partner = loader
        .load_one(crate::graphql::loaders::PartnerId(partner_id))
        .await?;
    let tenant = loader
        .load_one(crate::graphql::loaders::TenantRow)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", "missing"))?;
    let offered = revshare_core::languages::Offered::of(&tenant);
    Ok(Some(
        offered
            .reads(partner.as_ref().and_then(|p| p.language.as_deref()))
            .to_owned(),
    ))
}

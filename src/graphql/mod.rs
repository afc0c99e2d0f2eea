//! The GraphQL schema: one module per domain type, the per-request loaders,
//! connections and scalars. Resolvers are thin: check the principal, call a
//! service in [`crate::directory`], map the result. Every resolver returns
//! [`ApiResult`], so no error reaches a client without a code.

pub mod campaigns;
pub mod connection;
pub mod groups;
pub mod ledger;
pub mod limits;
pub mod loaders;
pub mod partners;
pub mod rules;
pub mod scalars;
pub mod viewer;

use crate::auth::{Principal, Scope};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::paging::PageArgs;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, EmptySubscription, MaybeUndefined, MergedObject, Schema};
use loaders::DirectoryLoader;

/// Deep enough for GraphiQL's introspection query (13 levels) and real
/// nesting; shallow enough to refuse a query built to exhaust the server.
pub const MAX_DEPTH: usize = 16;
/// A list field costs 10 plus its page size times what each item selects
/// (see [`list_cost`]), so this is roughly the number of objects one query may
/// return: a page of 100 partners with their group and categories costs 710,
/// GraphiQL's introspection query about 150.
pub const MAX_COMPLEXITY: usize = 10_000;

#[derive(MergedObject, Default)]
pub struct Query(
    viewer::ViewerQuery,
    groups::GroupQuery,
    partners::PartnerQuery,
    campaigns::CampaignQuery,
    ledger::LedgerQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    groups::GroupMutation,
    partners::PartnerMutation,
    campaigns::CampaignMutation,
    ledger::LedgerMutation,
);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its limits; `db` is the only shared state.
pub fn schema(db: Option<Db>) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if let Some(db) = db {
        builder = builder
            .data(crate::ledger::ingest::Ingest::start(
                db.clone(),
                write_parallelism(&db),
            ))
            .data(db);
    }
    builder.finish()
}

/// Accrual transactions run side by side, each for its own partners: the
/// workers behind `recordEvent`, and the parts of a `recordEvents` batch.
/// SQLite has one writer, so 1; on PostgreSQL one per core here, as measured
/// (docs/BENCHMARKS.md): 2 beat 1, 3 and 4 workers, and 1, 4 and 8 parts.
pub(crate) fn write_parallelism(db: &Db) -> usize {
    match db.backend() {
        sea_orm::DbBackend::Sqlite => 1,
        _ => 2,
    }
}

/// The SDL that `revshare schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    schema(None).sdl()
}

pub type Loader = loaders::RequestLoader;

/// The default of how long a loader waits after its first key before it runs
/// the batch (`REVSHARE_LOADER_DELAY_MS`). Keys that arrive after it go into a
/// second batch: with the library's 1 ms, resolving a page of 50 commissions
/// with six relations each on a debug build outlasted the wait and split
/// batches; 3 ms held in repeated runs, at 3 ms of latency per nested level.
/// No delay rules out a split when the OS preempts the resolving thread, so
/// the statement-count tests run with a long delay of their own.
pub const LOADER_DELAY: std::time::Duration = std::time::Duration::from_millis(3);

/// What a request carries: its caller (none without a token) and its loaders.
pub struct RequestContext {
    pub principal: Option<Principal>,
    pub loader: Option<Loader>,
}

impl RequestContext {
    /// Loaders cache within the request (a group read by two fields is
    /// loaded once); [`writer`] empties the cache before every mutation, so a
    /// later mutation's fields never see rows from before an earlier one.
    pub fn new(
        db: &Db,
        principal: Option<Principal>,
        loader_delay: std::time::Duration,
    ) -> RequestContext {
        let loader = principal.as_ref().map(|p| {
            DataLoader::with_cache(
                DirectoryLoader {
                    conn: db.conn().clone(),
                    tenant_id: p.tenant.id.clone(),
                },
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(loader_delay)
        });
        RequestContext { principal, loader }
    }
}

/// The principal of a mutation, which must hold `scope`. Clears the
/// request's loader cache: what was read before this mutation may be stale.
pub fn writer<'a>(ctx: &Context<'a>, scope: Scope) -> ApiResult<&'a Principal> {
    let principal = principal(ctx)?;
    principal.require(scope)?;
    forget_reads(ctx)?;
    Ok(principal)
}

/// Empties the request's loader cache (every mutation does, before writing).
pub fn forget_reads(ctx: &Context<'_>) -> ApiResult<()> {
    if let Some(loader) = &request(ctx)?.loader {
        loaders::clear_all(loader);
    }
    Ok(())
}

fn request<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| ApiError::internal("request context", "missing"))
}

pub fn principal<'a>(ctx: &Context<'a>) -> ApiResult<&'a Principal> {
    request(ctx)?
        .principal
        .as_ref()
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

/// Besides the holders of a field's scopes, who may read it.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// The partner the data belongs to: its own token may read it.
    Partner(&'a str),
    /// Any partner token: the object is reachable only where that partner
    /// may see it (a campaign open to it, its own group).
    AnyPartner,
}

/// Field-level authorization: the caller holds one of `scopes`, or is the
/// partner `owner` allows. Every object field that exposes data calls this
/// (or a wrapper of it) with the scopes guarding that data, so what a token
/// may read does not depend on the path that reached the object.
pub fn guard(ctx: &Context<'_>, scopes: &[Scope], owner: Owner<'_>) -> ApiResult<()> {
    let principal = principal(ctx)?;
    match (principal.own_partner(), owner) {
        (Some(own), Owner::Partner(of)) if own == of => Ok(()),
        (Some(_), Owner::AnyPartner) => Ok(()),
        (Some(_), Owner::Partner(_)) => Err(ApiError::Forbidden(
            "partners see only their own data".into(),
        )),
        (None, _) if scopes.iter().any(|scope| principal.has(*scope)) => Ok(()),
        (None, _) => Err(ApiError::Forbidden(match scopes {
            [one] => format!("requires the {} scope", one.as_str()),
            many => format!(
                "requires one of the scopes {}",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })),
    }
}

pub fn loader<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loader> {
    request(ctx)?
        .loader
        .as_ref()
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

pub fn ingest<'a>(ctx: &Context<'a>) -> ApiResult<&'a crate::ledger::ingest::Ingest> {
    ctx.data::<crate::ledger::ingest::Ingest>()
        .map_err(|_| ApiError::internal("schema data", "no ingest"))
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

/// The complexity of a connection field: one statement's worth (10) plus the
/// largest page it may return times the cost of each item.
pub fn list_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(crate::paging::DEFAULT_LIMITS.default as i32);
    10 + (size.clamp(0, 500) as usize).saturating_mul(child_complexity)
}

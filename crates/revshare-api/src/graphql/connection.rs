//! Relay connections (SPEC §4) over a keyset [`Page`]: `edges`, `nodes`,
//! `pageInfo` and a `totalCount` that is counted only when asked for.

use async_graphql::connection::{Edge, EmptyFields, PageInfo};
use async_graphql::{Context, Object, ObjectType, OutputType, TypeName};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::Page;
use revshare_core::reads::lists::{self, Count, Counted, Listed};
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

/// The connection's `totalCount`: a deferred count of the same filter,
/// exact up to [`lists::EXACT_UP_TO`], or one the caller knows (from the totals
/// the ledger keeps).
#[derive(Clone)]
pub struct TotalCount(Count, Arc<tokio::sync::OnceCell<Counted>>);

impl TotalCount {
    /// A count of a list's filter ([`revshare_core::reads::lists`]).
    pub fn of(count: Count) -> TotalCount {
        TotalCount(count, Arc::default())
    }

    /// Counted once, whichever of its fields asks first.
    async fn counted(&self) -> Result<Counted, ApiError> {
        self.1.get_or_try_init(|| (self.0)()).await.copied()
    }

    /// A count known without a query.
    pub fn known(count: u64) -> TotalCount {
        TotalCount::of(lists::known(count))
    }

    /// An exact count by `count`, run only when asked for.
    pub fn exact<F>(count: impl Fn() -> F + Send + Sync + 'static) -> TotalCount
    where
        F: Future<Output = ApiResult<u64>> + Send + 'static,
    {
        TotalCount::of(lists::exact(count))
    }
}

#[Object]
impl TotalCount {
    /// The number of items matching the filter, across all pages — up to
    /// 10,000 when `totalCountIsExact` is false.
    async fn total_count(&self, _ctx: &Context<'_>) -> Result<u64, ApiError> {
        Ok(self.counted().await?.0)
    }

    /// Whether `totalCount` is exact: false when more than 10,000 items
    /// match a filter no total is kept for (counting further would read
    /// them all). The ledger's counts without dates are always exact.
    async fn total_count_is_exact(&self, _ctx: &Context<'_>) -> Result<bool, ApiError> {
        Ok(self.counted().await?.1)
    }
}

/// A page of a list (async-graphql's own connection type has no
/// description to give, so revshare has its own).
pub struct Connection<N: OutputType, F: ObjectType = TotalCount> {
    pub edges: Vec<Edge<String, N, EmptyFields>>,
    has_previous: bool,
    has_next: bool,
    /// The connection's fields beyond the page: its count.
    pub additional_fields: F,
}

impl<N: OutputType, F: ObjectType> Connection<N, F> {
    /// An empty page, with what it knows of the pages around it.
    pub fn new(has_previous: bool, has_next: bool, additional_fields: F) -> Self {
        Connection {
            edges: Vec::new(),
            has_previous,
            has_next,
            additional_fields,
        }
    }
}

impl<N: OutputType, F: ObjectType> TypeName for Connection<N, F> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// A page of a list, in the list's order: its items (`nodes`, or `edges`
/// with each item's cursor), where the page is (`pageInfo`), and — for the
/// lists that count — how many items the whole list has (`totalCount`).
#[Object(name_type)]
impl<N: OutputType, F: ObjectType> Connection<N, F> {
    /// Where this page is in the list, and the cursors to go on from it.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous,
            has_next_page: self.has_next,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.clone()),
        }
    }

    /// The page's items, each with its cursor.
    async fn edges(&self) -> &[Edge<String, N, EmptyFields>] {
        &self.edges
    }

    /// The page's items.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    #[graphql(flatten)]
    async fn additional_fields(&self) -> &F {
        &self.additional_fields
    }
}

/// A page of a list that counts its items.
pub type ListConnection<N> = Connection<N, TotalCount>;

/// Builds a connection from a page; each row's cursor is its id. `node`
/// makes each row's object as the caller sees it: a row it is refused is
/// left out (a list's filter already keeps another partner's rows out).
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    total: TotalCount,
    id: impl Fn(&M) -> String,
    node: impl Fn(M) -> Option<N>,
) -> ListConnection<N> {
    let mut connection = Connection::new(page.has_previous, page.has_next, total);
    connection.edges = page
        .rows
        .into_iter()
        .filter_map(|row| {
            let cursor = id(&row);
            node(row).map(|node| Edge::new(cursor, node))
        })
        .collect();
    connection
}

/// A list's page ([`lists::list`]) as a connection whose `totalCount`
/// counts the same filter when asked for.
pub async fn list_connection<M, N>(
    listed: impl Future<Output = ApiResult<Listed<M>>>,
    node: impl Fn(M) -> Option<N>,
) -> ApiResult<ListConnection<N>>
where
    N: OutputType,
{
    primed_connection(listed, node, |_| async { Ok(()) }).await
}

/// [`list_connection`], with `prime` run on the page's rows before the
/// connection is built (it takes from them what it needs, and its future
/// owns that): it loads, in one statement per relation, what the
/// selection will ask of every row ([`selects`]), so that the items'
/// fields find it in the request's loaders instead of each waiting for a
/// batch.
pub async fn primed_connection<M, N, F>(
    listed: impl Future<Output = ApiResult<Listed<M>>>,
    node: impl Fn(M) -> Option<N>,
    prime: impl FnOnce(&[M]) -> F,
) -> ApiResult<ListConnection<N>>
where
    N: OutputType,
    F: Future<Output = ApiResult<()>>,
{
    page_connection(listed.await?, node, prime).await
}

/// [`primed_connection`] of a page listed already.
pub async fn page_connection<M, N, F>(
    listed: Listed<M>,
    node: impl Fn(M) -> Option<N>,
    prime: impl FnOnce(&[M]) -> F,
) -> ApiResult<ListConnection<N>>
where
    N: OutputType,
    F: Future<Output = ApiResult<()>>,
{
    prime(&listed.page.rows).await?;
    let total = TotalCount::of(listed.count);
    Ok(connection(listed.page, total, listed.cursor, node))
}

/// Whether a connection's selection asks for `path` of its items, under
/// `nodes` or under `edges { node }`.
pub fn selects(ctx: &Context<'_>, path: &[&str]) -> bool {
    let look = ctx.look_ahead();
    [look.field("nodes"), look.field("edges").field("node")]
        .into_iter()
        .any(|mut at| {
            for field in path {
                at = at.field(field);
            }
            at.exists()
        })
}

/// The names of the fields a connection's selection asks of its items,
/// under `nodes` and under `edges { node }` (fragments included), once each.
pub fn item_fields<'a>(ctx: &'a Context<'_>) -> Vec<&'a str> {
    let look = ctx.look_ahead();
    let mut names: Vec<&'a str> = Vec::new();
    for at in [look.field("nodes"), look.field("edges").field("node")] {
        for field in at.selection_fields() {
            for item in field.selection_set() {
                if !names.contains(&item.name()) {
                    names.push(item.name());
                }
            }
        }
    }
    names
}

/// The complexity of a list field: one statement's worth (10) plus the
/// largest page it may return times the cost of each item.
pub fn list_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(revshare_core::paging::DEFAULT_LIMITS.default as i32);
    10 + (size.clamp(0, revshare_core::paging::COMMISSION_LIMITS.max as i32) as usize)
        .saturating_mul(child_complexity)
}

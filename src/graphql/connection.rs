//! Relay connections (SPEC §4) over a keyset [`Page`]: `edges`, `nodes`,
//! `pageInfo` and a `totalCount` that is counted only when asked for.

use crate::db::Pool;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};
use async_graphql::connection::{Edge, EmptyFields, PageInfo};
use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, Object, ObjectType, OutputType, TypeName};
use sea_orm::sea_query::ValueType;
use sea_orm::{EntityTrait, ModelTrait, PaginatorTrait, QuerySelect, Select};
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

type CountFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Counted, ApiError>> + Send + Sync>;

/// A count and whether it is exact.
type Counted = (u64, bool);

/// Counts above this are not counted: `totalCount` answers it and
/// `totalCountIsExact` false. A count keeps to this many rows whatever the
/// table's size.
pub const EXACT_UP_TO: u64 = 10_000;

/// The connection's `totalCount`: a deferred count of the same filter,
/// exact up to [`EXACT_UP_TO`], or one the caller knows (from the totals
/// the ledger keeps).
#[derive(Clone)]
pub struct TotalCount(CountFn, Arc<tokio::sync::OnceCell<Counted>>);

impl TotalCount {
    fn new(count: CountFn) -> TotalCount {
        TotalCount(count, Arc::default())
    }

    /// Counted once, whichever of its fields asks first.
    async fn counted(&self) -> Result<Counted, ApiError> {
        self.1.get_or_try_init(|| (self.0)()).await.copied()
    }

    pub fn of<E>(conn: &Pool, select: Select<E>) -> TotalCount
    where
        E: EntityTrait + Send + Sync,
        E::Model: Send + Sync,
    {
        let conn = conn.clone();
        TotalCount::new(Arc::new(move || {
            let conn = conn.clone();
            let select = select.clone();
            Box::pin(async move {
                let counted = select.limit(EXACT_UP_TO + 1).count(&conn).await?;
                Ok(match counted > EXACT_UP_TO {
                    true => (EXACT_UP_TO, false),
                    false => (counted, true),
                })
            })
        }))
    }

    /// A count known without a query.
    pub fn known(count: u64) -> TotalCount {
        TotalCount::new(Arc::new(move || Box::pin(async move { Ok((count, true)) })))
    }

    /// An exact count by `count`, run only when asked for.
    pub fn exact<F>(count: impl Fn() -> F + Send + Sync + 'static) -> TotalCount
    where
        F: Future<Output = ApiResult<u64>> + Send + 'static,
    {
        TotalCount::new(Arc::new(move || {
            let counted = count();
            Box::pin(async move { Ok((counted.await?, true)) })
        }))
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

/// One keyset page of `select` (ordered by the string id column `id`) as a
/// connection whose `totalCount` counts the same filter when asked for.
pub async fn list_connection<E, N>(
    conn: &Pool,
    request: &PageRequest,
    select: Select<E>,
    id: E::Column,
    node: impl Fn(E::Model) -> Option<N>,
) -> ApiResult<ListConnection<N>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    N: OutputType,
{
    primed_connection(conn, request, select, id, node, |_| async { Ok(()) }).await
}

/// [`list_connection`], with `prime` run on the page's rows before the
/// connection is built (it takes from them what it needs, and its future
/// owns that): it loads, in one statement per relation, what the
/// selection will ask of every row ([`selects`]), so that the items'
/// fields find it in the request's loaders instead of each waiting for a
/// batch.
pub async fn primed_connection<E, N, F>(
    conn: &Pool,
    request: &PageRequest,
    select: Select<E>,
    id: E::Column,
    node: impl Fn(E::Model) -> Option<N>,
    prime: impl FnOnce(&[E::Model]) -> F,
) -> ApiResult<ListConnection<N>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    N: OutputType,
    F: Future<Output = ApiResult<()>>,
{
    let page = request.fetch(conn, select.clone(), id).await?;
    page_connection(conn, page, select, id_cursor(id), node, prime).await
}

/// Each row's cursor in a list in id order: its id column `id`.
pub fn id_cursor<M: ModelTrait>(id: <M::Entity as EntityTrait>::Column) -> impl Fn(&M) -> String {
    move |row: &M| <String as ValueType>::try_from(row.get(id)).unwrap_or_default()
}

/// [`primed_connection`] of a page fetched already (for instance by
/// column, [`PageRequest::fetch_columns`]), each row's cursor by `cursor`.
pub async fn page_connection<E, N, F>(
    conn: &Pool,
    page: Page<E::Model>,
    select: Select<E>,
    cursor: impl Fn(&E::Model) -> String,
    node: impl Fn(E::Model) -> Option<N>,
    prime: impl FnOnce(&[E::Model]) -> F,
) -> ApiResult<ListConnection<N>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    N: OutputType,
    F: Future<Output = ApiResult<()>>,
{
    prime(&page.rows).await?;
    Ok(connection(page, TotalCount::of(conn, select), cursor, node))
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
        .unwrap_or(crate::paging::DEFAULT_LIMITS.default as i32);
    10 + (size.clamp(0, crate::paging::COMMISSION_LIMITS.max as i32) as usize)
        .saturating_mul(child_complexity)
}

/// The columns a list reads for the item fields `fields` asks: `always`,
/// then each field's own (`of`, beside the object's resolvers) once; `None`
/// when a field needs whole rows.
pub fn columns_read<'a, C: sea_orm::IdenStatic + Copy>(
    always: &[C],
    fields: impl IntoIterator<Item = &'a str>,
    of: impl Fn(&str) -> Option<&'static [C]>,
) -> Option<Vec<C>> {
    let mut columns = always.to_vec();
    for field in fields {
        for column in of(field)? {
            if !columns.iter().any(|c| c.as_str() == column.as_str()) {
                columns.push(*column);
            }
        }
    }
    Some(columns)
}

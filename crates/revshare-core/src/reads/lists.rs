//! A list's keyset page ([`crate::paging`]) with what the surface needs to
//! answer it as a connection: the count of the same filter, run only when
//! asked for, and each row's cursor.

use crate::db::{BoxFuture, Pool};
use crate::error::ApiResult;
use crate::paging::{Order, Page, PageRequest, timed_cursor};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::ValueType;
use sea_orm::{
    DbErr, EntityTrait, IdenStatic, ModelTrait, PaginatorTrait, QueryResult, QuerySelect, Select,
};
use std::future::Future;
use std::sync::Arc;

/// Counts above this are not counted: a count keeps to this many rows
/// whatever the table's size, and says it is not exact.
pub const EXACT_UP_TO: u64 = 10_000;

/// A count and whether it is exact.
pub type Counted = (u64, bool);

/// A count, run when called.
pub type Count = Arc<dyn Fn() -> BoxFuture<'static, ApiResult<Counted>> + Send + Sync>;

/// A row's cursor in its list.
pub type Cursor<M> = Box<dyn Fn(&M) -> String + Send + Sync>;

/// One page of a list, the count of its filter, and each row's cursor.
pub struct Listed<M> {
    pub page: Page<M>,
    pub count: Count,
    pub cursor: Cursor<M>,
}

/// The count of `select`'s rows, exact up to [`EXACT_UP_TO`].
pub fn count_of<E>(conn: &Pool, select: Select<E>) -> Count
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    let conn = conn.clone();
    Arc::new(move || {
        let conn = conn.clone();
        let select = select.clone();
        Box::pin(async move {
            let counted = select.limit(EXACT_UP_TO + 1).count(&conn).await?;
            Ok(match counted > EXACT_UP_TO {
                true => (EXACT_UP_TO, false),
                false => (counted, true),
            })
        })
    })
}

/// A count known without a query.
pub fn known(count: u64) -> Count {
    Arc::new(move || Box::pin(async move { Ok((count, true)) }))
}

/// An exact count by `count`, run only when asked for.
pub fn exact<F>(count: impl Fn() -> F + Send + Sync + 'static) -> Count
where
    F: Future<Output = ApiResult<u64>> + Send + 'static,
{
    Arc::new(move || {
        let counted = count();
        Box::pin(async move { Ok((counted.await?, true)) })
    })
}

/// Each row's cursor in a list in id order: its id column `id`.
pub fn id_cursor<M: ModelTrait>(
    id: <M::Entity as EntityTrait>::Column,
) -> impl Fn(&M) -> String + Send + Sync + 'static {
    move |row: &M| <String as ValueType>::try_from(row.get(id)).unwrap_or_default()
}

/// Each row's cursor in a list in `order`.
fn cursor_in<M: ModelTrait>(order: Order<<M::Entity as EntityTrait>::Column>) -> Cursor<M> {
    match order {
        Order::ById(id) => Box::new(id_cursor(id)),
        Order::ByTime { time, id, .. } => Box::new(move |row: &M| {
            let at = <DateTime<Utc> as ValueType>::try_from(row.get(time)).unwrap_or_default();
            let id = <String as ValueType>::try_from(row.get(id)).unwrap_or_default();
            timed_cursor(at, &id)
        }),
    }
}

/// One keyset page of `select` (ordered by the string id column `id`).
pub async fn list<E>(
    conn: &Pool,
    request: &PageRequest,
    select: Select<E>,
    id: E::Column,
) -> ApiResult<Listed<E::Model>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    list_in(conn, request, select, Order::ById(id), None, |_, _| {
        unreachable_decode()
    })
    .await
}

/// [`list`] in `order` (a request parsed for it), whole rows.
pub async fn list_ordered<E>(
    conn: &Pool,
    request: &PageRequest,
    select: Select<E>,
    order: Order<E::Column>,
) -> ApiResult<Listed<E::Model>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    list_in(conn, request, select, order, None, |_, _| {
        unreachable_decode()
    })
    .await
}

/// [`list`] in `order` (a request parsed for it), reading only `columns`
/// when given (in that order, each row made by `decode`): a reader that
/// asks for a few fields of wide rows does not pay for decoding the others.
pub async fn list_in<E>(
    conn: &Pool,
    request: &PageRequest,
    select: Select<E>,
    order: Order<E::Column>,
    columns: Option<&[E::Column]>,
    decode: impl Fn(&QueryResult, &[E::Column]) -> Result<E::Model, DbErr>,
) -> ApiResult<Listed<E::Model>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    let page = match columns {
        Some(columns) => {
            request
                .fetch_columns(conn, select.clone(), order, columns, decode)
                .await?
        }
        None => request.fetch_in(conn, select.clone(), order).await?,
    };
    Ok(Listed {
        page,
        count: count_of(conn, select),
        cursor: cursor_in(order),
    })
}

/// `decode` of a list that reads whole rows: never called.
fn unreachable_decode<M>() -> Result<M, DbErr> {
    Err(DbErr::Custom("whole rows are not decoded by column".into()))
}

/// The columns a list reads for the item fields `fields` asks: `always`,
/// then each field's own (`of`, beside the object's resolvers) once; `None`
/// when a field needs whole rows.
pub fn columns_read<'a, C: IdenStatic + Copy>(
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

//! What the API reads of imports: one by id, a page of the tenant's, and
//! an import's problem rows in order.

use crate::error::ApiResult;
use entity::{import, import_problem};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Import `id` of the tenant.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<import::Model>> {
    Ok(import::Entity::find_by_id(id.to_owned())
        .filter(import::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// A page of the tenant's imports, newest first: up to `limit` after
/// (older than) import `after`, and how many the tenant has.
pub async fn page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    after: Option<&str>,
    limit: u64,
) -> ApiResult<(u64, Vec<import::Model>)> {
    use sea_orm::{PaginatorTrait, QueryOrder};
    let mut select = import::Entity::find().filter(import::Column::TenantId.eq(tenant_id));
    let total = select.clone().count(conn).await?;
    if let Some(cursor) = after {
        select = select.filter(import::Column::Id.lt(cursor));
    }
    let rows = select
        .order_by_desc(import::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((total, rows))
}

/// Up to `limit` problems of import `id`, in order, from the `from`th.
pub async fn problems(
    conn: &impl ConnectionTrait,
    id: &str,
    from: i64,
    limit: u64,
) -> ApiResult<Vec<import_problem::Model>> {
    use sea_orm::QueryOrder;
    Ok(import_problem::Entity::find()
        .filter(import_problem::Column::ImportId.eq(id))
        .filter(import_problem::Column::Seq.gte(from))
        .order_by_asc(import_problem::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?)
}

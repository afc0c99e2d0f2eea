//! Cancelling a running import, in one transaction with its activity
//! entry.

use super::find;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::ImportStatus;
use entity::import;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Cancels a running import: the page being read is not written, the
/// pages written stay; `CONFLICT` once it has ended.
pub async fn cancel(db: &Db, tenant_id: &str, id: &str) -> ApiResult<import::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let found = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("import"))?;
            let now = crate::db::now();
            let moved = crate::jobs::lease::revoking(import::Entity::update_many())
                .col_expr(
                    import::Column::Status,
                    Expr::value(ImportStatus::Cancelled.as_str()),
                )
                .col_expr(import::Column::FinishedAt, Expr::value(now))
                .col_expr(
                    import::Column::Credentials,
                    Expr::value(Option::<String>::None),
                )
                .filter(import::Column::Id.eq(id))
                .filter(import::Column::Status.eq(ImportStatus::Running))
                .exec(&*txn)
                .await?;
            if moved.rows_affected == 0 {
                return Err(ApiError::Conflict(format!(
                    "the import is {} already",
                    found.status.as_str()
                )));
            }
            Ok(import::Model {
                status: ImportStatus::Cancelled,
                finished_at: Some(now),
                lease_until: None,
                credentials: None,
                ..found
            })
        })
    })
    .await
}

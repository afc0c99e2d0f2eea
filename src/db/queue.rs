//! A queue's claim of its due rows, said once for the webhook deliveries
//! and the mail outbox.

use super::Db;
use crate::error::ApiResult;
use sea_orm::DbBackend;
use std::time::Duration;

/// A queue's claim of its due rows (the webhook deliveries, the mail
/// outbox): up to `limit` rows of `table` that are `waiting` (a condition
/// on its own columns, written in the code, never from input) and whose
/// `next_attempt_at` has come, oldest due first; each claimed counts its
/// attempt and is leased — its next attempt set `lease` ahead, so no other
/// replica sees it due until the lease ends — in one statement
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL: rows another replica is
/// claiming are left to it). One interrupted before it finished is due
/// again when its lease ends.
pub async fn claim_due<M: sea_orm::FromQueryResult>(
    db: &Db,
    table: &'static str,
    waiting: &'static str,
    limit: u64,
    lease: Duration,
) -> ApiResult<Vec<M>> {
    let now = super::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let backend = db.backend();
    let (params, skip_locked) = match backend {
        DbBackend::Postgres => (["$1", "$2", "$3"], " FOR UPDATE SKIP LOCKED"),
        _ => (["?", "?", "?"], ""),
    };
    let sql = format!(
        "UPDATE {table} SET attempts = attempts + 1, next_attempt_at = {until} \
         WHERE id IN (SELECT id FROM {table} \
           WHERE {waiting} AND next_attempt_at <= {now} \
           ORDER BY next_attempt_at LIMIT {limit}{skip_locked}) \
         RETURNING *",
        until = params[0],
        now = params[1],
        limit = params[2],
    );
    let txn = db.write().await?;
    let claimed = M::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [
            sea_orm::Value::from(until),
            sea_orm::Value::from(now),
            sea_orm::Value::from(limit as i64),
        ],
    ))
    .all(&*txn)
    .await?;
    txn.commit().await?;
    Ok(claimed)
}

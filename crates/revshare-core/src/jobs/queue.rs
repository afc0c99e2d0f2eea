//! A queue's claim of its due rows, said once for the webhook deliveries
//! and the mail outbox: each claimed row is leased by its next attempt,
//! and one a stopping replica did not get to is handed back.

use crate::db::Db;
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
    let now = crate::db::now();
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

/// Hands back rows of `table` this replica claimed and did not try (it
/// is stopping): due again at once for any replica, their claim's attempt
/// uncounted. Only rows still `waiting` and still under this claim's lease
/// (their next attempt at `until`) are touched.
pub async fn hand_back(
    db: &Db,
    table: &'static str,
    waiting: &'static str,
    ids: &[String],
    until: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = db.backend();
    let placeholder = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let list: Vec<String> = (3..ids.len() + 3).map(placeholder).collect();
    let sql = format!(
        "UPDATE {table} SET attempts = attempts - 1, next_attempt_at = {now} \
         WHERE {waiting} AND next_attempt_at = {until} AND id IN ({list})",
        now = placeholder(1),
        until = placeholder(2),
        list = list.join(", "),
    );
    let mut values = vec![
        sea_orm::Value::from(crate::db::now()),
        sea_orm::Value::from(until),
    ];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(id.as_str())));
    let txn = db.write().await?;
    sea_orm::ConnectionTrait::execute_raw(
        &*txn,
        sea_orm::Statement::from_sql_and_values(backend, sql, values),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

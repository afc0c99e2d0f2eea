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
    let skip_locked = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE {table} SET attempts = attempts + 1, next_attempt_at = ? \
         WHERE id IN (SELECT id FROM {table} \
           WHERE {waiting} AND next_attempt_at <= ? \
           ORDER BY next_attempt_at LIMIT ?{skip_locked}) \
         RETURNING *",
    );
    let txn = db.write().await?;
    let claimed = M::find_by_statement(crate::db::statement(
        backend,
        &sql,
        vec![
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
    let list = vec!["?"; ids.len()].join(", ");
    let sql = format!(
        "UPDATE {table} SET attempts = attempts - 1, next_attempt_at = ? \
         WHERE {waiting} AND next_attempt_at = ? AND id IN ({list})",
    );
    let mut values = vec![
        sea_orm::Value::from(crate::db::now()),
        sea_orm::Value::from(until),
    ];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(id.as_str())));
    let txn = db.write().await?;
    sea_orm::ConnectionTrait::execute_raw(&*txn, crate::db::statement(backend, &sql, values))
        .await?;
    txn.commit().await?;
    Ok(())
}

//! The maturity job: approves `ACCRUED` commissions whose `matureAt` has
//! passed, every `REVSHARE_MATURITY_INTERVAL` seconds.
//!
//! Safe with any number of replicas: each approval is the conditional update
//! `… WHERE status = 'ACCRUED'`, so when two processes pick the same row, one
//! moves it (and writes its one history entry) and the other moves nothing.

use super::{CommissionStatus, move_status, record_transition};
use crate::db::Db;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::commission;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::time::Duration;

/// Rows approved per transaction; a backlog drains over several rounds.
pub const BATCH: u64 = 500;
/// The actor named in the history of a matured commission.
pub const ACTOR: &str = "maturity";

/// Approves up to [`BATCH`] matured commissions; returns how many this call moved.
pub async fn approve_matured(db: &Db, now: DateTime<Utc>) -> ApiResult<u64> {
    let txn = db.write().await?;
    let due = commission::Entity::find()
        .filter(commission::Column::Status.eq(CommissionStatus::Accrued.as_str()))
        .filter(commission::Column::MatureAt.lte(now))
        .order_by_asc(commission::Column::MatureAt)
        .limit(BATCH)
        .all(&*txn)
        .await?;
    let mut approved = 0;
    for row in due {
        if move_status(
            &*txn,
            &row.id,
            CommissionStatus::Accrued,
            CommissionStatus::Approved,
            now,
            &[],
        )
        .await?
        {
            record_transition(
                &*txn,
                &row,
                CommissionStatus::Accrued,
                CommissionStatus::Approved,
                None,
                None,
                ACTOR,
                now,
            )
            .await?;
            approved += 1;
        }
    }
    txn.commit().await?;
    Ok(approved)
}

/// Runs [`approve_matured`] every `interval` until the process ends.
pub fn spawn(db: Db, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            loop {
                match approve_matured(&db, crate::db::now()).await {
                    Ok(n) if n == BATCH => continue,
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(approved = n, "approved matured commissions");
                        }
                        break;
                    }
                    Err(_) => break,
                }
            }
        }
    })
}

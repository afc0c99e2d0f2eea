//! The maturity job: approves `ACCRUED` commissions whose `matureAt` has
//! passed, every `REVSHARE_MATURITY_INTERVAL` seconds.
//!
//! Safe with any number of replicas: a round claims the rows it takes
//! ([`crate::posting::locks::claim_commissions`]: `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL), so two processes take disjoint rows and neither waits
//! for the other; each row then moves once, with its
//! one history entry, through [`crate::posting::apply_move`]. SQLite's one
//! writer serializes the rounds.

use super::CommissionStatus;
use crate::db::Db;
use crate::error::ApiResult;
use crate::posting::{self, Move};
use chrono::{DateTime, Utc};
use entity::commission;
use sea_orm::{ColumnTrait, Condition};
use std::time::Duration;

/// Rows approved per transaction; a backlog drains over several rounds.
pub const BATCH: u64 = 500;
/// The actor named in the history of a matured commission.
pub const ACTOR: &str = "maturity";

/// Approves up to [`BATCH`] matured commissions; returns how many this call moved.
pub async fn approve_matured(db: &Db, now: DateTime<Utc>) -> ApiResult<u64> {
    db.retrying(|| async move {
        let txn = db.write().await?;
        let matured = Condition::all()
            .add(commission::Column::Status.eq(CommissionStatus::Accrued))
            .add(commission::Column::MatureAt.lte(now))
            // A spiff waits for its payee to be named.
            .add(commission::Column::RecipientPending.eq(false))
            // A commission a fraud flag holds waits for the flag's review.
            .add(posting::fraud::not_held());
        let order = commission::Column::MatureAt;
        let due = posting::locks::claim_commissions(&*txn, matured, order, BATCH).await?;
        let mv = Move {
            from: CommissionStatus::Accrued,
            to: CommissionStatus::Approved,
            actor: ACTOR,
            at: now,
            reason: None,
            note: None,
            payout_id: None,
        };
        let approved = posting::apply_move(&*txn, due, &mv).await?.len() as u64;
        txn.commit().await?;
        Ok(approved)
    })
    .await
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
                        db.metrics().maturity_ran();
                        break;
                    }
                    Err(_) => break,
                }
            }
        }
    })
}

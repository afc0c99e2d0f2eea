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
use crate::activity::{self, Actor, Entry};
use crate::db::Db;
use crate::error::ApiResult;
use crate::jobs::{Job, Step, Worker};
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
        let moved = posting::apply_move(&*txn, due, &mv).await?;
        let approved = moved.len() as u64;
        // One activity entry per commission approved (SPEC §34), read by
        // its partner — but a spiff to the tenant's own people, which is
        // no partner's money.
        let entries = moved
            .iter()
            .map(|row| {
                let entry = Entry::on(
                    &row.tenant_id,
                    Actor::system(ACTOR),
                    "approveMatured",
                    "Commission",
                    &row.id,
                );
                let entry = match row.staff_payee {
                    true => entry,
                    false => entry.about(&row.partner_id),
                };
                entry.changing("status", Some("ACCRUED".into()), Some("APPROVED".into()))
            })
            .collect();
        activity::record(&*txn, now, entries).await?;
        txn.commit().await?;
        Ok(approved)
    })
    .await
}

/// The job: [`approve_matured`] every `interval` (`REVSHARE_MATURITY_INTERVAL`).
pub fn worker(interval: Duration) -> Worker {
    Worker::every(Job::Maturity, interval)
}

/// One batch approved, as the job's step: again at once while batches
/// come back full.
pub async fn step(db: &Db) -> ApiResult<Step> {
    let approved = approve_matured(db, crate::db::now()).await?;
    if approved == BATCH {
        return Ok(Step::More);
    }
    if approved > 0 {
        tracing::info!(approved, "approved matured commissions");
    }
    db.metrics().maturity_ran();
    Ok(Step::Idle)
}

//! Keeping the event log to `REVSHARE_EVENT_RETENTION_DAYS` (SPEC §12).
//!
//! Every [`INTERVAL`], each replica deletes the finished webhook deliveries
//! older than the retention, then the events older than it that no
//! remaining delivery still needs, a thousand at a time in log order (an
//! event still waiting to be delivered stays until its delivery ends).
//! Replicas running it together delete the same rows: harmless.

use crate::db::Db;
use crate::error::ApiResult;
use crate::jobs::{Job, Step, Worker};
use chrono::{DateTime, Utc};
use entity::enums::DeliveryStatus;
use entity::{domain_event, webhook_delivery};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};
use std::time::Duration;

/// How often the log is pruned.
pub const INTERVAL: Duration = Duration::from_secs(3600);
/// Events examined per statement.
const CHUNK: u64 = 1000;

/// Deletes what is older than `cutoff`; answers how many events.
pub async fn prune(db: &Db, cutoff: DateTime<Utc>) -> ApiResult<u64> {
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::Status.ne(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::CreatedAt.lt(cutoff))
        .exec(db.conn())
        .await?;
    let backend = db.backend();
    let mut after: i64 = 0;
    let mut deleted = 0;
    loop {
        // Log order follows time: stop at the first chunk with nothing old.
        let chunk: Vec<(i64, DateTime<Utc>)> = domain_event::Entity::find()
            .select_only()
            .column(domain_event::Column::Seq)
            .column(domain_event::Column::RecordedAt)
            .filter(domain_event::Column::Seq.gt(after))
            .order_by_asc(domain_event::Column::Seq)
            .limit(CHUNK)
            .into_tuple()
            .all(db.conn())
            .await?;
        let Some(&(last, _)) = chunk.last() else {
            break;
        };
        let old: Vec<Value> = chunk
            .iter()
            .filter(|(_, at)| *at < cutoff)
            .map(|(seq, _)| Value::from(*seq))
            .collect();
        if old.is_empty() {
            break;
        }
        let marks = vec!["?"; old.len()];
        let sql = format!(
            "DELETE FROM domain_events WHERE seq IN ({}) AND NOT EXISTS \
             (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = domain_events.seq)",
            marks.join(", ")
        );
        let txn = db.write().await?;
        let result = txn
            .execute_raw(crate::db::statement(backend, &sql, old))
            .await?;
        txn.commit().await?;
        deleted += result.rows_affected();
        after = last;
        if (chunk.len() as u64) < CHUNK {
            break;
        }
    }
    Ok(deleted)
}

/// The job: prunes every [`INTERVAL`], the first time a minute after
/// start-up.
pub fn worker() -> Worker {
    Worker::every(Job::Retention, INTERVAL).first_after(Duration::from_secs(60))
}

/// One prune of what is past `retention_days`, as the job's step.
pub async fn step(db: &Db, retention_days: u32) -> ApiResult<Step> {
    let cutoff = crate::db::now() - chrono::Duration::days(i64::from(retention_days));
    let deleted = prune(db, cutoff).await?;
    if deleted > 0 {
        tracing::info!(deleted, "pruned the domain-event log");
    }
    Ok(Step::Idle)
}

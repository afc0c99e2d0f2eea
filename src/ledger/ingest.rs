//! Group accrual of single events (`recordEvent`).
//!
//! Calls that arrive while others are being written are accrued together.
//! Each call queues its event and waits for its own answer; a few workers
//! each take whatever is queued (up to [`MAX_BATCH`]), accrue it as one batch
//! with [`accrual::record_batch`] (one transaction, a fixed number of
//! statements) and answer every caller. There is no timer: a worker never
//! waits for more events, it takes what is there (waiting up to 1 ms for a
//! batch as large as the last one was measured and made no difference). Under
//! light load a batch is one event; under load batches grow with the queue,
//! and the database sees a handful of statements per batch instead of a dozen
//! per event.
//!
//! Each caller still gets its own result. A bad event is rejected alone,
//! before anything is written; should a batch's write fail, `record_batch`
//! redoes it one event per savepoint. A reply is sent only after commit. A
//! caller that goes away does not cancel its event: it is recorded, and a
//! redelivery gets the original result.

use super::accrual::{self, Item, MAX_BATCH, Recorded};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

struct Job {
    tenant_id: String,
    item: Item,
    reply: oneshot::Sender<ApiResult<Recorded>>,
}

/// The queue in front of the workers; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    queue: mpsc::Sender<Job>,
}

impl Ingest {
    /// Starts `workers` workers on the current Tokio runtime. They stop when
    /// the last `Ingest` is dropped.
    pub fn start(db: Db, workers: usize) -> Ingest {
        // Bounded: when the database falls behind, callers wait here.
        let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
        let jobs = Arc::new(Mutex::new(jobs));
        for _ in 0..workers.max(1) {
            tokio::spawn(work(db.clone(), jobs.clone()));
        }
        Ingest { queue }
    }

    /// Records one event with whatever else is queued, and answers for it alone.
    pub async fn record(&self, tenant_id: &str, item: Item) -> ApiResult<Recorded> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant_id: tenant_id.to_owned(),
            item,
            reply,
        };
        self.queue
            .send(job)
            .await
            .map_err(|_| ApiError::internal("ingest", "the workers have stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("ingest", "a worker dropped an event"))?
    }
}

async fn work(db: Db, jobs: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let batch = {
            // One worker at a time takes from the queue, and takes all of it.
            let mut jobs = jobs.lock().await;
            let Some(first) = jobs.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        let started = std::time::Instant::now();
        let size = batch.len();
        for (tenant_id, jobs) in by_tenant(batch) {
            let (items, replies): (Vec<Item>, Vec<_>) =
                jobs.into_iter().map(|job| (job.item, job.reply)).unzip();
            match accrual::record_batch(&db, &tenant_id, items).await {
                Ok(results) => {
                    for (reply, result) in replies.into_iter().zip(results) {
                        // The caller may have gone away; its event is recorded all the same.
                        let _ = reply.send(result);
                    }
                }
                Err(err) => {
                    for reply in replies {
                        let _ = reply.send(Err(err.clone()));
                    }
                }
            }
        }
        tracing::debug!(
            size,
            elapsed_us = started.elapsed().as_micros() as u64,
            "accrued queued recordEvent calls"
        );
    }
}

/// Jobs grouped by tenant, in order of arrival within each tenant.
fn by_tenant(batch: Vec<Job>) -> Vec<(String, Vec<Job>)> {
    let mut groups: Vec<(String, Vec<Job>)> = Vec::new();
    for job in batch {
        match groups
            .iter_mut()
            .find(|(tenant, _)| *tenant == job.tenant_id)
        {
            Some((_, jobs)) => jobs.push(job),
            None => groups.push((job.tenant_id.clone(), vec![job])),
        }
    }
    groups
}

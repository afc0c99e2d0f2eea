//! Group accrual of single events (`recordEvent`).
//!
//! Calls that arrive while others are being written are accrued together.
//! Each call queues its event and waits for its own answer. Each worker owns
//! a queue, and an event goes to the queue its partner reference hashes to,
//! so two workers' batches lock different partners and run side by side
//! instead of waiting on each other's row locks (with one shared queue, the
//! second worker mostly took a one-event batch and then waited for the
//! first's partner locks). A worker takes whatever its queue holds (up to
//! [`MAX_BATCH`]), accrues it as one batch with [`accrual::record_batch`]
//! (one transaction, a fixed number of statements) and answers every caller.
//! There is no timer: a worker never waits for more events, it takes what is
//! there (waiting up to 1 ms for a batch as large as the last one was
//! measured and made no difference). Under light load a batch is one event;
//! under load batches grow with the queue, and the database sees a handful of
//! statements per batch instead of a dozen per event.
//!
//! Each caller still gets its own result. A bad event is rejected alone,
//! before anything is written; should a batch's write fail, `record_batch`
//! redoes it one event per savepoint. A reply is sent only after commit. A
//! caller that goes away does not cancel its event: it is recorded, and a
//! redelivery gets the original result.

use super::accrual::{self, Item, MAX_BATCH, PartnerRef, Recorded};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

struct Job {
    tenant_id: String,
    item: Item,
    reply: oneshot::Sender<ApiResult<Recorded>>,
}

/// The queues in front of the workers, one per worker; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    queues: Arc<[mpsc::Sender<Job>]>,
}

impl Ingest {
    /// Starts `workers` workers on the current Tokio runtime. They stop when
    /// the last `Ingest` is dropped.
    pub fn start(db: Db, workers: usize) -> Ingest {
        let queues = (0..workers.max(1))
            .map(|_| {
                // Bounded: when the database falls behind, callers wait here.
                let (queue, jobs) = mpsc::channel(MAX_BATCH);
                tokio::spawn(work(db.clone(), jobs));
                queue
            })
            .collect();
        Ingest { queues }
    }

    /// Events waiting in the queues for a worker.
    pub fn depth(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q.max_capacity() - q.capacity())
            .sum()
    }

    /// Records one event with whatever else is queued, and answers for it alone.
    pub async fn record(&self, tenant_id: &str, item: Item) -> ApiResult<Recorded> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant_id: tenant_id.to_owned(),
            item,
            reply,
        };
        self.queues[self.worker_for(tenant_id, &job.item)]
            .send(job)
            .await
            .map_err(|_| ApiError::internal("ingest", "the workers have stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("ingest", "a worker dropped an event"))?
    }

    /// The worker for an event: always the same one for the same partner
    /// reference, so two workers' batches lock different partners and run
    /// side by side instead of queueing on each other's row locks. (A partner
    /// named by id in one call and by externalId in another may land on both;
    /// its lock still orders them.)
    fn worker_for(&self, tenant_id: &str, item: &Item) -> usize {
        worker_for(tenant_id, &item.event.partner, self.queues.len())
    }
}

async fn work(db: Db, mut jobs: mpsc::Receiver<Job>) {
    loop {
        // Everything queued, up to a batch.
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

/// The worker of a partner reference among `workers`. FNV-1a over the tenant
/// and the reference: stable and cheap, and the spread only needs to be even.
fn worker_for(tenant_id: &str, partner: &PartnerRef, workers: usize) -> usize {
    let key = match partner {
        PartnerRef::Id(id) => id,
        PartnerRef::ExternalId(id) => id,
    };
    let bytes = tenant_id.bytes().chain([0]).chain(key.bytes());
    let hash = bytes.fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % workers.max(1) as u64) as usize
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_always_has_the_same_worker_and_partners_spread() {
        let mut per_worker = [0usize; 2];
        for i in 0..1000 {
            let partner = PartnerRef::ExternalId(format!("p-{i}"));
            let worker = worker_for("acme", &partner, 2);
            assert_eq!(worker, worker_for("acme", &partner, 2));
            per_worker[worker] += 1;
        }
        assert!(per_worker.iter().all(|&n| n > 400), "{per_worker:?}");
        let id = PartnerRef::Id("01J0000000000000000000000".into());
        assert_eq!(worker_for("acme", &id, 1), 0);
    }
}

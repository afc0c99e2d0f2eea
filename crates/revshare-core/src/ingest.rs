//! Ingest: the queues in front of the event path ([`crate::ledger::path`]).
//! Every single event — a sale or lead (`recordEvent`), a deal's move
//! (`moveDeal`) or payment (`recordDealPayment`) — is queued here and
//! recorded with the others that arrived with it, as one batch. (Its queue
//! depth is the `ingest_queue_depth` metric.)
//!
//! Calls that arrive while others are being written are recorded together.
//! Each call queues its event and waits for its own answer. Each worker owns
//! a queue, and an event goes to the queue its partner is assigned to, so two
//! workers' batches lock different partners and run side by side instead of
//! waiting on each other's row locks (with one shared queue, the second
//! worker mostly took a one-event batch and then waited for the first's
//! partner locks). A deal event names a deal, not a partner: its deal's
//! partner is remembered when the deal is created here, or looked up on its
//! first event, to pick the queue. A worker
//! takes whatever its queue holds (up to [`MAX_BATCH`]) and hands each
//! tenant's events to their producer — sales and leads to the ledger's
//! accrual ([`accrual::record_batch`]), deal events to the deals'
//! ([`record::record_batch`]) — each a batch in one transaction with a fixed
//! number of statements, under the same rules: the partner's lock, then
//! exactly once per `externalId`. There is no timer: a worker never waits
//! for more events, it takes what is there (waiting up to 1 ms for a batch
//! as large as the last one was measured and made no difference). Under
//! light load a batch is one event; under load batches grow with the queue,
//! and the database sees a handful of statements per batch instead of a
//! dozen per event.
//!
//! Each caller still gets its own result. A bad event is rejected alone,
//! before anything is written; should a batch's write fail, it is redone
//! one event per savepoint ([`crate::ledger::path`]). A reply is sent only
//! after commit. A caller that goes away does not cancel its event: it is
//! recorded, and a redelivery gets the original result.

use crate::db::Db;
use crate::deals::moves::DealEvent;
use crate::deals::record::{self, DealItem};
use crate::error::{ApiError, ApiResult};
use crate::jobs::Runner;
use crate::ledger::accrual::{self, Item, MAX_BATCH, PartnerRef, Recorded};
use entity::{attribution, deal};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Deals whose partner is remembered for routing, at most; past it the
/// memory starts over.
const REMEMBERED_DEALS: usize = 100_000;

enum Queued {
    Sale(Box<Item>, oneshot::Sender<ApiResult<Recorded>>),
    Deal(Box<DealItem>, oneshot::Sender<ApiResult<DealEvent>>),
}

struct Job {
    tenant_id: String,
    event: Queued,
}

/// The queues in front of the workers, one per worker; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    db: Db,
    queues: Arc<[mpsc::Sender<Job>]>,
    /// Each deal's partner, by tenant and deal id: a routing hint only (the
    /// partner's lock orders its events whichever worker takes them).
    partners: Arc<Mutex<HashMap<(String, String), String>>>,
    /// Each attributed customer's partner, by tenant and customer: a
    /// routing hint as well.
    customers: Arc<Mutex<HashMap<(String, String), String>>>,
    /// Which worker takes each partner's events.
    workers: Arc<Mutex<Assignments>>,
}

impl Ingest {
    /// Starts `workers` workers, served by `runner` (requests wait on
    /// them: they run until the requests have ended). They also stop when
    /// the last `Ingest` is dropped.
    pub fn start(db: Db, workers: usize, runner: &Runner) -> Ingest {
        let queues = (0..workers.max(1))
            .map(|_| {
                // Bounded: when the database falls behind, callers wait here.
                let (queue, jobs) = mpsc::channel(MAX_BATCH);
                runner.serve(work(db.clone(), jobs));
                queue
            })
            .collect();
        Ingest {
            db,
            queues,
            partners: Arc::default(),
            customers: Arc::default(),
            workers: Arc::new(Mutex::new(Assignments::new(workers))),
        }
    }

    /// Events waiting in the queues for a worker.
    pub fn depth(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q.max_capacity() - q.capacity())
            .sum()
    }

    /// Records a sale or lead with whatever else is queued, and answers
    /// for it alone.
    pub async fn record(&self, tenant_id: &str, item: Item) -> ApiResult<Recorded> {
        // A routing hint only: a sale naming only its customer goes by the
        // customer's partner, as the partner's other sales do (the
        // partner's lock orders them whichever worker takes them).
        let key = match &item.event.partner {
            Some(PartnerRef::Id(id) | PartnerRef::ExternalId(id)) => id.clone(),
            None => {
                let customer = item.event.customer_external_id.as_deref().unwrap_or("");
                self.customer_partner(tenant_id, customer).await?
            }
        };
        let (reply, answer) = oneshot::channel();
        self.send(tenant_id, &key, Queued::Sale(Box::new(item), reply))
            .await?;
        answer
            .await
            .map_err(|_| ApiError::internal("ingest", "a worker dropped an event"))?
    }

    /// Records a deal's move or payment with whatever else is queued, and
    /// answers for it alone.
    pub async fn record_deal(&self, tenant_id: &str, item: DealItem) -> ApiResult<DealEvent> {
        let key = self.partner_of(tenant_id, &item.deal_id).await?;
        let (reply, answer) = oneshot::channel();
        self.send(tenant_id, &key, Queued::Deal(Box::new(item), reply))
            .await?;
        answer
            .await
            .map_err(|_| ApiError::internal("ingest", "a worker dropped an event"))?
    }

    async fn send(&self, tenant_id: &str, key: &str, event: Queued) -> ApiResult<()> {
        let job = Job {
            tenant_id: tenant_id.to_owned(),
            event,
        };
        let worker = lock(&self.workers).worker_for(tenant_id, key);
        self.queues[worker]
            .send(job)
            .await
            .map_err(|_| ApiError::internal("ingest", "the workers have stopped"))
    }

    /// The key a deal event is routed by: its deal's partner (the deal's
    /// own id for a deal not found, which the worker then rejects).
    async fn partner_of(&self, tenant_id: &str, deal_id: &str) -> ApiResult<String> {
        let key = (tenant_id.to_owned(), deal_id.to_owned());
        if let Some(partner) = lock(&self.partners).get(&key) {
            return Ok(partner.clone());
        }
        let found: Option<String> = deal::Entity::find()
            .select_only()
            .column(deal::Column::PartnerId)
            .filter(deal::Column::TenantId.eq(tenant_id))
            .filter(deal::Column::Id.eq(deal_id))
            .into_tuple()
            .one(self.db.conn())
            .await?;
        let Some(partner) = found else {
            return Ok(deal_id.to_owned());
        };
        self.remember_deal(tenant_id, deal_id, &partner);
        Ok(partner)
    }

    /// The key a sale naming only its customer is routed by: the partner it
    /// is attributed to (remembered after the first lookup; a customer
    /// reassigned since is still routed well enough), or the customer
    /// itself while nobody attributed it.
    async fn customer_partner(&self, tenant_id: &str, customer: &str) -> ApiResult<String> {
        let key = (tenant_id.to_owned(), customer.to_owned());
        if let Some(partner) = lock(&self.customers).get(&key) {
            return Ok(partner.clone());
        }
        let found: Option<String> = attribution::Entity::find()
            .select_only()
            .column(attribution::Column::PartnerId)
            .filter(attribution::Column::TenantId.eq(tenant_id))
            .filter(attribution::Column::CustomerExternalId.eq(customer))
            .into_tuple()
            .one(self.db.conn())
            .await?;
        let Some(partner) = found else {
            return Ok(format!("customer:{customer}"));
        };
        let mut remembered = lock(&self.customers);
        if remembered.len() >= REMEMBERED_DEALS {
            remembered.clear();
        }
        remembered.insert(key, partner.clone());
        Ok(partner)
    }

    /// Remembers a deal's partner (when it is created, or first routed), so
    /// its events are routed without a lookup.
    pub fn remember_deal(&self, tenant_id: &str, deal_id: &str, partner_id: &str) {
        let mut remembered = lock(&self.partners);
        if remembered.len() >= REMEMBERED_DEALS {
            remembered.clear();
        }
        let key = (tenant_id.to_owned(), deal_id.to_owned());
        remembered.insert(key, partner_id.to_owned());
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
        for (tenant_id, events) in by_tenant(batch) {
            let mut sales = (Vec::new(), Vec::new());
            let mut deals = (Vec::new(), Vec::new());
            for event in events {
                match event {
                    Queued::Sale(item, reply) => {
                        sales.0.push(*item);
                        sales.1.push(reply);
                    }
                    Queued::Deal(item, reply) => {
                        deals.0.push(*item);
                        deals.1.push(reply);
                    }
                }
            }
            if !sales.0.is_empty() {
                let results = accrual::record_batch(&db, &tenant_id, sales.0).await;
                answer(sales.1, results);
            }
            if !deals.0.is_empty() {
                let results = record::record_batch(&db, &tenant_id, deals.0).await;
                answer(deals.1, results);
            }
        }
        tracing::debug!(
            size,
            elapsed_us = started.elapsed().as_micros() as u64,
            "recorded queued events"
        );
    }
}

/// Sends each caller its result (or the batch's error). A caller may have
/// gone away; its event is recorded all the same.
fn answer<T: Clone>(
    replies: Vec<oneshot::Sender<ApiResult<T>>>,
    results: ApiResult<Vec<ApiResult<T>>>,
) {
    match results {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
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

/// Which worker takes each routing key's events (a partner's id or
/// `externalId`): the same one every time, so two workers' batches lock
/// different partners, and for a key seen first the worker with the fewest
/// keys, so the partners spread evenly (a hash of 16 partners over 2
/// workers split them 11 to 5 as often as 8 to 8, and the busier worker set
/// the pace). (A partner named by id in one call and by `externalId` in
/// another may land on both; its lock still orders them.)
struct Assignments {
    of: HashMap<(String, String), usize>,
    keys: Vec<usize>,
}

impl Assignments {
    fn new(workers: usize) -> Assignments {
        Assignments {
            of: HashMap::new(),
            keys: vec![0; workers.max(1)],
        }
    }

    fn worker_for(&mut self, tenant_id: &str, key: &str) -> usize {
        let key = (tenant_id.to_owned(), key.to_owned());
        if let Some(&worker) = self.of.get(&key) {
            return worker;
        }
        // Bounded like the deals remembered: past it, assignment starts over.
        if self.of.len() >= REMEMBERED_DEALS {
            self.of.clear();
            self.keys.fill(0);
        }
        let (worker, _) = self
            .keys
            .iter()
            .enumerate()
            .min_by_key(|(_, keys)| **keys)
            .unwrap_or((0, &0));
        self.keys[worker] += 1;
        self.of.insert(key, worker);
        worker
    }
}

/// A lock on routing hints: a panic while holding one leaves hints, still
/// usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Events grouped by tenant, in order of arrival within each tenant.
fn by_tenant(batch: Vec<Job>) -> Vec<(String, Vec<Queued>)> {
    let mut groups: Vec<(String, Vec<Queued>)> = Vec::new();
    for job in batch {
        match groups
            .iter_mut()
            .find(|(tenant, _)| *tenant == job.tenant_id)
        {
            Some((_, events)) => events.push(job.event),
            None => groups.push((job.tenant_id, vec![job.event])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_always_has_the_same_worker_and_partners_spread_evenly() {
        let mut workers = Assignments::new(2);
        let mut per_worker = [0usize; 2];
        for i in 0..16 {
            let partner = format!("p-{i}");
            let worker = workers.worker_for("acme", &partner);
            per_worker[worker] += 1;
        }
        assert_eq!(per_worker, [8, 8]);
        for i in 0..16 {
            let partner = format!("p-{i}");
            assert_eq!(workers.worker_for("acme", &partner), i % 2);
        }
        // The same key in another tenant is another partner.
        assert_eq!(workers.worker_for("globex", "p-1"), 0);
        assert_eq!(Assignments::new(1).worker_for("acme", "p-1"), 0);
    }
}

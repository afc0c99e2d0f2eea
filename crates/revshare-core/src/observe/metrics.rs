//! The process's metrics (SPEC §13), in Prometheus text format on their own
//! listener (`REVSHARE_METRICS_LISTEN`).
//!
//! One [`Metrics`] per running app, reached through its `Db`: the request
//! path, the ledger, the ingest queues, the maturity job and the webhook
//! dispatcher all hold that handle already, and two apps in one process (the
//! tests') never mix their figures. Counters and histograms are atomics
//! updated where things happen; what is a state rather than an event (the
//! pool, the queues, the webhook backlog, the open subscriptions) is read
//! when `/metrics` is scraped ([`States`]; the listener is `crate::http::metrics`).
//!
//! Every label value comes from a fixed set: an operation type, an error
//! code, a commission kind, a delivery outcome. No operation name, id or
//! tenant ever becomes a label.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// The labels of a GraphQL request's figures.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `query`, `mutation`, `subscription`, or `none` (refused before its
    /// operation was known).
    pub operation_type: &'static str,
    /// `ok`, or the code of the answer's first error ([`outcome_of`]).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DatabaseLabel {
    database: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// Request durations, in seconds: 1 ms to 10 s.
const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Events per accrual batch.
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1000.0,
];

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// The codes an answer's outcome may take: anything else counts as `INTERNAL`.
const CODES: [&str; 8] = [
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "UNAVAILABLE",
    "INTERNAL",
    "PERSISTED_QUERY_NOT_FOUND",
];

/// The outcome label of an answer: `ok` without errors, else the code of
/// its first error, from a fixed set.
pub fn outcome_of(code: Option<&str>) -> &'static str {
    match code {
        None => "ok",
        Some(code) => CODES
            .iter()
            .find(|known| **known == code)
            .copied()
            .unwrap_or("INTERNAL"),
    }
}

/// The operation types a request is counted under.
const OPERATION_TYPES: [&str; 4] = ["query", "mutation", "subscription", "none"];

/// The outcomes of a webhook attempt (`webhooks::send`'s labels).
pub const WEBHOOK_OUTCOMES: [&str; 5] = ["delivered", "refused", "gone", "unreachable", "not_sent"];

/// Every figure of one app.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pool: Family<StateLabel, Gauge>,
    commissions: Family<KindLabel, Counter>,
    ingest_depth: Gauge,
    clicks_queued: Gauge,
    clicks_dropped: Counter,
    accrual_batches: Histogram,
    retries: Counter,
    maturity_last_run: Gauge,
    webhook_deliveries: Family<OutcomeLabel, Counter>,
    webhook_backlog: Gauge,
    subscriptions: Gauge,
    reads: Family<DatabaseLabel, Counter>,
    replica_lag: Family<DatabaseLabel, Gauge>,
    reads_on_primary: Family<ReasonLabel, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("revshare");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests answered, by operation type and outcome (ok or the first error's code)",
            requests.clone(),
        );
        let durations = Family::new_with_constructor(duration_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "graphql_request_duration",
            "Time to answer a GraphQL request, by operation type and outcome",
            Unit::Seconds,
            durations.clone(),
        );
        let pool = Family::<StateLabel, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections: idle, in_use, and max (the pool's limit)",
            pool.clone(),
        );
        let commissions = Family::<KindLabel, Counter>::default();
        registry.register(
            "commissions_written",
            "Commission rows committed to the ledger, by kind",
            commissions.clone(),
        );
        let ingest_depth = Gauge::default();
        registry.register(
            "ingest_queue_depth",
            "Single events (recordEvent) waiting in the ingest queues for a worker",
            ingest_depth.clone(),
        );
        let clicks_queued = Gauge::default();
        registry.register(
            "link_clicks_queued",
            "Short links' clicks answered and waiting in this replica's queue to be written",
            clicks_queued.clone(),
        );
        let clicks_dropped = Counter::default();
        registry.register(
            "link_clicks_dropped",
            "Short links' clicks the full queue did not take: written later from this replica's journal (the visitor was still sent on)",
            clicks_dropped.clone(),
        );
        let accrual_batches = Histogram::new(BATCH_BUCKETS);
        registry.register(
            "accrual_batch_events",
            "Events per accrual batch (recordEvents, and recordEvent calls grouped by the ingest workers)",
            accrual_batches.clone(),
        );
        let retries = Counter::default();
        registry.register(
            "db_transaction_retries",
            "Transactions run again after a serialization failure or deadlock",
            retries.clone(),
        );
        let maturity_last_run = Gauge::default();
        registry.register_with_unit(
            "maturity_last_run_timestamp",
            "When the maturity job last finished a run (Unix time; 0 before the first)",
            Unit::Seconds,
            maturity_last_run.clone(),
        );
        let webhook_deliveries = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome: delivered, refused (another status, retried), gone (410), unreachable, not_sent",
            webhook_deliveries.clone(),
        );
        let webhook_backlog = Gauge::default();
        registry.register(
            "webhook_backlog",
            "Webhook deliveries pending (due now or waiting to be retried), all replicas",
            webhook_backlog.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "subscriptions_active",
            "GraphQL subscriptions open on this replica",
            subscriptions.clone(),
        );
        let reads = Family::<DatabaseLabel, Counter>::default();
        registry.register(
            "db_reads",
            "Requests' reads, by the database they went to: primary, or replica_1, replica_2, …",
            reads.clone(),
        );
        let replica_lag = Family::<DatabaseLabel, Gauge>::default();
        registry.register(
            "replica_lag_milliseconds",
            "How far each read replica is behind the primary at its last poll (-1: it did not answer)",
            replica_lag.clone(),
        );
        let reads_on_primary = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "db_reads_on_primary",
            "Reads sent to the primary although there are replicas, by why: lag, down, own_write (the caller's last write not replayed yet)",
            reads_on_primary.clone(),
        );
        let metrics = Metrics {
            registry,
            requests,
            durations,
            pool,
            commissions,
            ingest_depth,
            clicks_queued,
            clicks_dropped,
            accrual_batches,
            retries,
            maturity_last_run,
            webhook_deliveries,
            webhook_backlog,
            subscriptions,
            reads,
            replica_lag,
            reads_on_primary,
        };
        metrics.known_at_zero();
        metrics
    }

    /// Every labelled series with the label values known in advance, at
    /// zero from the start: a dashboard's `rate()` and an alert on a series
    /// read 0 before the first event, not "no data".
    fn known_at_zero(&self) {
        for operation_type in OPERATION_TYPES {
            for outcome in std::iter::once("ok").chain(CODES) {
                let labels = RequestLabels {
                    operation_type,
                    outcome,
                };
                let _ = self.requests.get_or_create(&labels);
                let _ = self.durations.get_or_create(&labels);
            }
        }
        use sea_orm::Iterable;
        for kind in entity::enums::CommissionKind::iter() {
            let _ = self.commissions.get_or_create(&KindLabel {
                kind: kind.as_str(),
            });
        }
        for outcome in WEBHOOK_OUTCOMES {
            let _ = self
                .webhook_deliveries
                .get_or_create(&OutcomeLabel { outcome });
        }
    }

    /// One answered GraphQL request.
    pub fn request(&self, labels: RequestLabels, took: Duration) {
        self.durations
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    /// Committed commission rows of one kind.
    pub fn commissions_written(&self, kind: &'static str, rows: u64) {
        self.commissions
            .get_or_create(&KindLabel { kind })
            .inc_by(rows);
    }

    /// One accrual batch of `events`.
    pub fn accrual_batch(&self, events: usize) {
        self.accrual_batches.observe(events as f64);
    }

    /// A transaction about to run again after losing a race.
    pub fn retried(&self) {
        self.retries.inc();
    }

    /// The maturity job finished a run now.
    pub fn maturity_ran(&self) {
        self.maturity_last_run.set(chrono::Utc::now().timestamp());
    }

    /// The replicas configured: their series start at zero, beside the
    /// primary's.
    pub fn replicas_known<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for database in std::iter::once("primary").chain(names) {
            let label = DatabaseLabel {
                database: database.to_owned(),
            };
            let _ = self.reads.get_or_create(&label);
        }
        for reason in ["lag", "down", "own_write"] {
            let _ = self.reads_on_primary.get_or_create(&ReasonLabel { reason });
        }
    }

    /// A request's reads went to `database`.
    pub fn read_on(&self, database: &str) {
        self.reads
            .get_or_create(&DatabaseLabel {
                database: database.to_owned(),
            })
            .inc();
    }

    /// A request's reads went to the primary because of `reason` (`lag`,
    /// `down`, `own_write`).
    pub fn read_on_primary(&self, reason: &'static str) {
        self.read_on("primary");
        self.reads_on_primary
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// A replica's lag at its last poll (`None`: it did not answer).
    pub fn replica_lag(&self, replica: &str, lag_ms: Option<u64>) {
        let lag = lag_ms.map_or(-1, |ms| ms.min(i64::MAX as u64) as i64);
        self.replica_lag
            .get_or_create(&DatabaseLabel {
                database: replica.to_owned(),
            })
            .set(lag);
    }

    /// One webhook attempt's outcome (one of [`WEBHOOK_OUTCOMES`]).
    pub fn webhook_delivery(&self, outcome: &'static str) {
        debug_assert!(WEBHOOK_OUTCOMES.contains(&outcome), "{outcome}");
        self.webhook_deliveries
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }
}

/// What is a state rather than an event, read when `/metrics` is scraped.
pub struct States {
    /// Idle, in use and most connections of the pool.
    pub pool: (i64, i64, i64),
    pub ingest_depth: i64,
    /// Clicks queued, and dropped since start.
    pub clicks: (i64, u64),
    pub subscriptions: i64,
    /// `None`: the database did not answer in time; the last figure stays.
    pub webhook_backlog: Option<i64>,
}

impl Metrics {
    /// The metrics in OpenMetrics text, with `states` read just now.
    pub fn render(&self, states: States) -> String {
        let (idle, in_use, max) = states.pool;
        for (state, value) in [("idle", idle), ("in_use", in_use), ("max", max)] {
            self.pool.get_or_create(&StateLabel { state }).set(value);
        }
        self.ingest_depth.set(states.ingest_depth);
        self.clicks_queued.set(states.clicks.0);
        let dropped = states.clicks.1.saturating_sub(self.clicks_dropped.get());
        self.clicks_dropped.inc_by(dropped);
        self.subscriptions.set(states.subscriptions);
        if let Some(backlog) = states.webhook_backlog {
            self.webhook_backlog.set(backlog);
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

//! Wiring: the database, migrations, keys, schema and router of a running
//! revshare, shared by `revshare serve` and the integration tests.

use crate::auth::jwt::Keys;
use crate::db::Db;
use crate::events::notify::Notifier;
use crate::events::retention;
use crate::graphql;
use crate::http::metrics::{self, Scrape};
use crate::http::{AppState, Options, router};
use crate::ingest::Ingest;
use crate::jobs::{Job, Runner, Shutdown, Step, Worker};
use crate::webhooks::dispatch::{self, Poke};
use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use std::future::Future;
use tokio::net::TcpListener;

/// Applies every pending migration, all in one transaction: a failure
/// leaves the schema as it was, and replicas started together migrate one
/// after the other (the second finds nothing pending). PostgreSQL orders them
/// with a transaction-scoped advisory lock; SQLite's IMMEDIATE write
/// transaction holds the database's write lock across processes.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    let txn = db.write().await?;
    // A migration may rewrite a large table, and wait for another replica's:
    // no statement timeout here, nor the client-side deadline.
    let unbounded = txn.unbounded();
    if db.backend() == DbBackend::Postgres {
        unbounded
            .execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
        unbounded
            .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await?;
    }
    Migrator::up(unbounded, None).await?;
    build_stats(unbounded).await?;
    txn.commit().await?;
    // This month's and the next month's clicks have their partitions
    // before a redirect is served.
    crate::attribution::retention::make_ahead(db, crate::db::now())
        .await
        .map_err(|err| DbErr::Custom(format!("making the clicks' months: {err:?}")))
}

/// Builds the reports' rollups of every tenant whose ledger was written
/// before they existed (once; later writes keep them).
async fn build_stats(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let unbuilt: Vec<String> = entity::tenant::Entity::find()
        .select_only()
        .column(entity::tenant::Column::Id)
        .filter(entity::tenant::Column::StatsZone.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    for tenant in unbuilt {
        crate::posting::stats::rebuild(conn, &tenant)
            .await
            .map_err(|e| DbErr::Custom(format!("building the stats of {tenant}: {e:?}")))?;
    }
    Ok(())
}

/// The advisory lock key of migrations: "revshare" in ASCII, so that other
/// applications sharing the server are unlikely to pick it.
const MIGRATION_LOCK: i64 = 0x7265_7673_6861_7265;

/// A running app's two routers, and the stop of its background work.
pub struct App {
    /// The public surface: GraphQL, GraphiQL, probes.
    pub api: Router,
    /// `GET /metrics`, for its own listener (`REVSHARE_METRICS_LISTEN`).
    pub metrics: Router,
    /// Closes the public surface's WebSockets when the server stops.
    pub closing: crate::http::ws::Closing,
    /// Stops this replica's jobs and serving tasks ([`crate::jobs`]).
    pub shutdown: Shutdown,
}

/// The HTTP application over a migrated database, with this replica's
/// background work: the tasks requests stand on (the event log's wake-ups,
/// the ingestion queues, the replicas' positions) and the jobs
/// `options.jobs` turns on, all started by one [`Runner`].
pub fn build(db: Db, keys: Keys, options: &Options) -> App {
    let shutdown = Shutdown::new();
    let runner = shutdown.runner();
    if let Some(poll) = db.replica_poll() {
        runner.serve(poll);
    }
    let notifier = Notifier::start(&db, &runner);
    let ingest = Ingest::start(db.clone(), crate::ledger::write_parallelism(&db), &runner);
    // The short links' clicks: queued by this replica's redirects, written
    // by its own job wherever they are served (so not in REVSHARE_JOBS).
    let (links, clicks) = crate::links::Links::new(
        db.clone(),
        options.geo.clone(),
        options.public_url.as_deref(),
        options.dns_resolver,
        options.click_journal.clone(),
    );
    {
        let (db, geo) = (db.clone(), links.geo());
        let journal = links.clicks().journal().cloned();
        if let Some(journal) = journal.clone() {
            // What the redirects append reaches the operating system within
            // a moment, whatever the clicks job is busy with.
            runner.start(move |stop| journal.flush_until(stop));
        }
        runner.start(move |stop| crate::links::record::run(db, geo, journal, clicks, stop));
    }
    let background = Background {
        db: db.clone(),
        keys: keys.clone(),
        notifier: notifier.clone(),
        dispatcher: Poke::default(),
        imports: crate::imports::Settings {
            data_key: options.data_key.clone(),
            allow_private: options.webhooks.allow_private,
            lease: options.import_lease,
            wake: Default::default(),
        },
        rails: crate::rails::Settings::new(
            options.data_key.clone(),
            options.webhooks.allow_private,
            options.payout_poll,
            options.public_url.clone(),
        ),
        backtests: crate::backtests::Wake::default(),
        broadcasts: crate::messages::broadcasts::Wake::default(),
        sign_ins: crate::portal::SignIns::default(),
    };
    start_jobs(&runner, &background, options);
    let scrape = Scrape {
        db: db.clone(),
        notifier: notifier.clone(),
        ingest: ingest.clone(),
        links: links.clone(),
    };
    let connectors = ingest.clone();
    let Background {
        dispatcher,
        imports,
        rails,
        backtests,
        broadcasts,
        sign_ins,
        ..
    } = background;
    let schema = graphql::schema(Some(graphql::Services {
        db: db.clone(),
        notifier,
        webhooks: options.webhooks.clone(),
        dispatcher,
        ingest,
        data_key: options.data_key.clone(),
        keys: keys.clone(),
        public_url: crate::graphql::roots::portal::PublicUrl(options.public_url.clone()),
        mail: options.mail.clone(),
        backtest_inline: options.backtest_inline,
        backtests,
        broadcasts,
        imports,
        rails: rails.clone(),
        sign_ins,
        links: links.clone(),
    }));
    let state = AppState::new(schema, db, keys, options, connectors, rails, runner, links);
    App {
        closing: state.closing(),
        api: router(state, &options.cors),
        metrics: metrics::router(scrape),
        shutdown,
    }
}

/// What the jobs share with the requests that wake them.
struct Background {
    db: Db,
    keys: Keys,
    notifier: Notifier,
    dispatcher: Poke,
    imports: crate::imports::Settings,
    rails: crate::rails::Settings,
    backtests: crate::backtests::Wake,
    broadcasts: crate::messages::broadcasts::Wake,
    sign_ins: crate::portal::SignIns,
}

/// Starts every job `options.jobs` turns on: the one place a job is
/// started (the list, and what each needs, is [`Job`]).
fn start_jobs(runner: &Runner, on: &Background, options: &Options) {
    for job in Job::ALL {
        if !options.jobs.on(job) {
            continue;
        }
        let db = on.db.clone();
        match job {
            Job::Webhooks => {
                let (notifier, settings) = (on.notifier.clone(), options.webhooks.clone());
                let poke = on.dispatcher.clone();
                runner.start(move |stop| {
                    dispatch::run_until_stopped(db, notifier, settings, poke, stop)
                });
            }
            Job::Mail => {
                let settings = options.mail.clone();
                if settings.smtp.is_none() {
                    continue;
                }
                let worker = Worker::every(job, settings.poll);
                runner.run(worker, move |stop| {
                    let (db, settings) = (db.clone(), settings.clone());
                    async move {
                        let attach = crate::payouts::invoicing::mailed::attached;
                        crate::mail::send::step(&db, &settings, attach, &stop).await
                    }
                });
            }
            Job::CommissionMail => {
                runner.run(crate::mail::earned::worker(&on.notifier), move |_| {
                    let db = db.clone();
                    async move { crate::mail::earned::step(&db).await }
                });
            }
            Job::Reactions => {
                let kept = crate::ledger::reactions::Kept::default();
                runner.run(crate::ledger::reactions::worker(&on.notifier), move |_| {
                    let (db, kept) = (db.clone(), kept.clone());
                    async move { crate::ledger::reactions::step(&db, &kept).await }
                });
            }
            Job::SignInMail => {
                let keys = on.keys.clone();
                runner.run(crate::portal::mailer(&on.sign_ins), move |_| {
                    let (db, keys) = (db.clone(), keys.clone());
                    async move {
                        crate::portal::mail_requests(&db, &keys).await?;
                        Ok(Step::Idle)
                    }
                });
            }
            Job::Housekeeping => {
                let worker = Worker::every(job, crate::mail::digest::DIGEST_EVERY);
                let resolver = options.dns_resolver;
                runner.run(worker, move |_| {
                    let db = db.clone();
                    async move { housekeeping(&db, &resolver).await }
                });
            }
            Job::Payouts => {
                let settings = on.rails.clone();
                runner.run(crate::rails::worker(&settings), move |stop| {
                    let (db, settings) = (db.clone(), settings.clone());
                    async move { crate::rails::look_until(&db, &settings, &stop).await }
                });
            }
            Job::Imports => {
                let (settings, tasks) = (on.imports.clone(), runner.clone());
                runner.run(crate::imports::worker(&settings), move |_| {
                    let (db, settings, tasks) = (db.clone(), settings.clone(), tasks.clone());
                    async move { crate::imports::take_up(&db, &settings, &tasks).await }
                });
            }
            Job::Backtests => {
                let tasks = runner.clone();
                runner.run(crate::backtests::worker(&on.backtests), move |_| {
                    let (db, tasks) = (db.clone(), tasks.clone());
                    async move { crate::backtests::take_up(&db, &tasks).await }
                });
            }
            Job::Maturity => {
                let Some(interval) = options.maturity_interval else {
                    continue;
                };
                runner.run(crate::ledger::maturity::worker(interval), move |_| {
                    let db = db.clone();
                    async move { crate::ledger::maturity::step(&db).await }
                });
            }
            Job::Rates => {
                let Some(url) = options.fx_url.clone() else {
                    continue;
                };
                runner.run(crate::ledger::exchange::worker(), move |_| {
                    let (db, url) = (db.clone(), url.clone());
                    async move { crate::ledger::exchange::step(&db, &url).await }
                });
            }
            Job::Retention => {
                let days = options.event_retention_days;
                let activity_days = options.activity_retention_days;
                runner.run(retention::worker(), move |_| {
                    let db = db.clone();
                    async move {
                        let step = retention::step(&db, days).await?;
                        if let Some(days) = activity_days {
                            crate::audit::step(&db, days).await?;
                        }
                        Ok(step)
                    }
                });
            }
            Job::Broadcasts => {
                let worker = crate::messages::broadcasts::worker(&on.broadcasts);
                runner.run(worker, move |_| {
                    let db = db.clone();
                    async move {
                        crate::messages::broadcasts::send_due(&db, crate::db::now()).await?;
                        Ok(Step::Idle)
                    }
                });
            }
            Job::ClickRetention => {
                let months = options.click_retention_months;
                let worker = Worker::every(job, crate::attribution::retention::EVERY);
                runner.run(worker, move |_| {
                    let db = db.clone();
                    async move {
                        let now = crate::db::now();
                        let (step, _) =
                            crate::attribution::retention::step(&db, now, months).await?;
                        Ok(step)
                    }
                });
            }
            Job::Retainers => {
                let worker = Worker::every(job, crate::retainers::due::EVERY);
                runner.run(worker, move |_| {
                    let db = db.clone();
                    async move { crate::retainers::due::step(&db, crate::db::now()).await }
                });
            }
        }
    }
}

/// Housekeeping's step: the daily digests that are due (commissions and
/// messages), unconfirmed
/// applications past their week deleted, portal sign-in addresses past
/// their 30 days and sign-in requests past their day forgotten, partners
/// told of W-8s expiring within 30 days, link domains' proofs looked up
/// again after a day, the fraud digests due (SPEC §37). Each is
/// idempotent, so replicas doing the same at once do it once; one that
/// fails does not keep the others from their turn.
async fn housekeeping(
    db: &Db,
    resolver: &crate::links::dns::Resolver,
) -> crate::error::ApiResult<Step> {
    if let Err(err) = crate::mail::digest::due(db, crate::db::now()).await {
        tracing::warn!(error = ?err, "writing the daily digests failed; retrying");
    }
    if let Err(err) = crate::messages::mail::digest_due(db, crate::db::now()).await {
        tracing::warn!(error = ?err, "writing the daily digests of messages failed; retrying");
    }
    if let Err(err) = crate::applications::prune(db).await {
        tracing::warn!(error = ?err, "pruning unconfirmed applications failed; retrying");
    }
    if let Err(err) = crate::fraud::prune_sign_ins(db, crate::db::now()).await {
        tracing::warn!(error = ?err, "forgetting old sign-in addresses failed; retrying");
    }
    if let Err(err) = crate::portal::prune_requests(db).await {
        tracing::warn!(error = ?err, "forgetting old sign-in requests failed; retrying");
    }
    if let Err(err) = crate::tax::expiry::remind(db, crate::db::now()).await {
        tracing::warn!(error = ?err, "telling partners of expiring W-8s failed; retrying");
    }
    if let Err(err) = crate::links::domains::recheck_due(db, resolver, crate::db::now()).await {
        tracing::warn!(error = ?err, "checking link domains' proofs failed; retrying");
    }
    if let Err(err) = crate::fraud::digest::due(db, crate::db::now()).await {
        tracing::warn!(error = ?err, "writing the fraud digests failed; retrying");
    }
    Ok(Step::Idle)
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Handlers read the peer's address (the client, unless a trusted
    // proxy names another).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

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
    txn.commit().await
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

/// A running app's two routers.
pub struct App {
    /// The public surface: GraphQL, GraphiQL, probes.
    pub api: Router,
    /// `GET /metrics`, for its own listener (`REVSHARE_METRICS_LISTEN`).
    pub metrics: Router,
    /// Closes the public surface's WebSockets when the server stops.
    pub closing: crate::http::ws::Closing,
}

/// The HTTP application over a migrated database, with this replica's
/// background work on the event log: its wake-ups, the webhook
/// dispatcher, pruning.
pub fn build(db: Db, keys: Keys, options: &Options) -> App {
    let notifier = Notifier::start(&db);
    let ingest = Ingest::start(db.clone(), crate::ledger::write_parallelism(&db));
    let dispatcher = Poke::default();
    if options.dispatch_webhooks {
        dispatch::start(
            db.clone(),
            &notifier,
            options.webhooks.clone(),
            dispatcher.clone(),
        );
    }
    retention::spawn(db.clone(), options.event_retention_days);
    crate::backtests::start_worker(db.clone());
    let imports = crate::imports::Settings {
        data_key: options.data_key.clone(),
        allow_private: options.webhooks.allow_private,
        lease: options.import_lease,
    };
    crate::imports::start_worker(db.clone(), imports.clone());
    let rails = crate::rails::Settings::new(
        options.data_key.clone(),
        options.webhooks.allow_private,
        options.payout_poll,
        options.public_url.clone(),
    );
    if options.dispatch_webhooks {
        crate::rails::start_worker(db.clone(), rails.clone());
    }
    let sign_ins = crate::portal::SignIns::default();
    if options.dispatch_webhooks {
        crate::mail::send::start(db.clone(), options.mail.clone());
        crate::mail::earned::start(db.clone(), &notifier);
        crate::portal::start_mailer(db.clone(), keys.clone(), sign_ins.clone());
        housekeeping(db.clone());
    }
    let scrape = Scrape {
        db: db.clone(),
        notifier: notifier.clone(),
        ingest: ingest.clone(),
    };
    let connectors = ingest.clone();
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
        imports,
        rails: rails.clone(),
        sign_ins,
    }));
    let state = AppState::new(schema, db, keys, options, connectors, rails);
    App {
        closing: state.closing(),
        api: router(state, &options.cors),
        metrics: metrics::router(scrape),
    }
}

/// Now and then, on every replica: the daily digests that are due,
/// unconfirmed applications past their week deleted, portal sign-in
/// addresses past their 30 days and sign-in requests past their day
/// forgotten. Each is idempotent,
/// so replicas doing the same at once do it once.
fn housekeeping(db: Db) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = crate::mail::digest::due(&db, crate::db::now()).await {
                tracing::warn!(error = ?err, "writing the daily digests failed; retrying");
            }
            if let Err(err) = crate::applications::prune(&db).await {
                tracing::warn!(error = ?err, "pruning unconfirmed applications failed; retrying");
            }
            if let Err(err) = crate::fraud::prune_sign_ins(&db, crate::db::now()).await {
                tracing::warn!(error = ?err, "forgetting old sign-in addresses failed; retrying");
            }
            if let Err(err) = crate::portal::prune_requests(&db).await {
                tracing::warn!(error = ?err, "forgetting old sign-in requests failed; retrying");
            }
            tokio::time::sleep(crate::mail::digest::DIGEST_EVERY).await;
        }
    });
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

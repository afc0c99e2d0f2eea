//! The metrics listener (`REVSHARE_METRICS_LISTEN`): `GET /metrics` and
//! nothing else, the counters of [`revshare_core::observe::metrics`] with the
//! states read at each scrape.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use revshare_core::db::Db;
use revshare_core::events::notify::Notifier;
use revshare_core::ingest::Ingest;
use revshare_core::observe::metrics::States;
use std::sync::Arc;
use std::time::Duration;

/// What `/metrics` reads when it is scraped, beyond the counters.
#[derive(Clone)]
pub struct Scrape {
    pub db: Db,
    pub notifier: Notifier,
    pub ingest: Ingest,
    pub links: revshare_core::links::Links,
}

/// How long a scrape waits for the webhook backlog's count.
const BACKLOG_TIMEOUT: Duration = Duration::from_millis(500);

impl Scrape {
    /// The metrics in OpenMetrics text, the states read now.
    pub async fn render(&self) -> String {
        // A database that does not answer leaves the last figure.
        let backlog =
            tokio::time::timeout(BACKLOG_TIMEOUT, revshare_core::webhooks::backlog(&self.db))
                .await
                .ok()
                .and_then(Result::ok);
        self.db.metrics().render(States {
            pool: self.db.pool_state(),
            ingest_depth: self.ingest.depth() as i64,
            clicks: (
                self.links.clicks().queued() as i64,
                self.links.clicks().dropped(),
            ),
            subscriptions: self.notifier.readers() as i64,
            webhook_backlog: backlog.map(|b| b as i64),
        })
    }
}

/// The metrics listener's routes: `GET /metrics`, nothing else.
pub fn router(scrape: Scrape) -> Router {
    Router::new()
        .route("/metrics", get(serve))
        .with_state(Arc::new(scrape))
}

async fn serve(State(scrape): State<Arc<Scrape>>) -> Response {
    let mut response = scrape.render().await.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        // OpenMetrics: what the encoder writes (counters typed without `_total`).
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

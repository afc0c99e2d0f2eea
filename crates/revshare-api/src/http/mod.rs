//! The HTTP surface: `/graphql` (GraphQL over HTTP by `POST` and `GET`,
//! GraphiQL for a browser's `GET`), `/assets/…` (GraphiQL's embedded
//! files), `/healthz` (the process is up) and `/readyz` (the database
//! answers).
//!
//! - [`graphql`]: GraphQL over HTTP — media types, status codes, `GET`,
//!   the order of the checks before a request runs; its bodies are read
//!   within their limits by `body`;
//! - [`apq`]: automatic persisted queries;
//! - [`graphiql`]: the page and its assets, embedded, under a strict
//!   `Content-Security-Policy`;
//! - [`cors`]: which other origins may call the API.
//!
//! Authentication happens here, before GraphQL runs and before a body is
//! read: a bad token is refused with 401 and an `UNAUTHENTICATED` error; a
//! request without a token runs anonymously, with a small body, which lets
//! GraphiQL load the schema, and every resolver then answers
//! `UNAUTHENTICATED`. Every HTTP error (an unknown path, a wrong method, a
//! body over the limit) has the GraphQL error shape ([`json_errors`]).

pub mod admin;
pub mod apq;
mod body;
pub mod bundle;
pub mod client;
pub mod cors;
mod documents;
mod entities;
pub mod exports;
mod files;
pub mod graphiql;
pub mod graphql;
pub mod intake;
pub mod join;
mod limits;
mod links;
pub mod metrics;
pub mod portal;
pub mod prepare;
pub mod referral;
pub mod request_log;
pub mod sessions;
pub mod statements;
pub mod tax_forms;
pub mod unsubscribe;
pub mod ws;

use crate::graphql::AppSchema;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use revshare_core::auth::jwt::Keys;
use revshare_core::auth::{Principal, Tenant, TenantCache};
use revshare_core::db::Db;
use revshare_core::error::ApiError;
use revshare_core::tenants;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body: a full `recordEvents` batch fits with room to spare.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The largest body of the one request allowed past [`MAX_BODY_BYTES`]: a
/// partner's own PDF invoice, base64 (SPEC §33).
pub const MAX_UPLOAD_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest body of a request without a token, which may only introspect:
/// GraphiQL's introspection query is about 2 KiB. The body is refused as
/// soon as it passes this, before anything is parsed, so anonymous clients
/// cannot make the server parse megabytes.
pub const MAX_ANONYMOUS_BODY_BYTES: usize = 8 * 1024;
/// How long `/readyz` waits for the database before answering 503.
pub const READY_TIMEOUT: Duration = Duration::from_millis(800);
/// What a 503 tells a client to wait before retrying, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// What every route shares, behind one pointer: the router hands each
/// request (and each middleware) its own clone, which is then one count
/// raised rather than a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// [`AppState`]'s fields.
pub struct Shared {
    schema: AppSchema,
    db: Db,
    keys: Arc<Keys>,
    tenants: TenantCache,
    /// Preset in GraphiQL's headers (development mode only).
    graphiql_token: Option<Arc<str>>,
    loader_delay: Duration,
    apq: Arc<apq::PersistedQueries>,
    /// Parsed documents by query text.
    documents: Arc<documents::Documents>,
    /// Stops this replica's WebSockets when the server stops.
    closing: ws::Closing,
    /// The schema's field types, to write failed fields as null.
    field_types: Arc<crate::graphql::field_errors::FieldTypes>,
    /// The event path's queues, for billing connectors' sales.
    ingest: revshare_core::ingest::Ingest,
    /// How payouts reach their rails, for the rails' webhooks.
    rails: revshare_core::rails::Settings,
    /// Whose `X-Forwarded-For` names the client.
    trusted_proxies: Arc<client::TrustedProxies>,
    /// Anonymous writes per client address.
    anonymous: Arc<client::AnonymousLimit>,
    /// The sessions this replica's WebSockets act for.
    sessions: sessions::Sessions,
    /// Payout webhooks the provider did not verify, per client address.
    unverified: Arc<client::AnonymousLimit>,
    /// Short-link keys that led nowhere, per client address: probing for
    /// keys is limited ([`links::UNKNOWN_KEYS_PER_MINUTE`]).
    unknown_keys: Arc<client::AnonymousLimit>,
    /// The short links' memory and click queue.
    links: revshare_core::links::Links,
    /// Where revshare is reached from outside (none: paths).
    public_url: Option<Arc<str>>,
}

/// How the HTTP surface is set up, beyond the database and the keys.
#[derive(Debug, Clone)]
pub struct Options {
    /// The token GraphiQL sends (development mode, on loopback, only).
    pub graphiql_token: Option<String>,
    pub loader_delay: Duration,
    pub cors: cors::Origins,
    /// Most queries the persisted-query cache keeps.
    pub apq_cache_size: usize,
    /// Days the event log keeps an event.
    pub event_retention_days: u32,
    /// Whole months a raw click is kept (`REVSHARE_CLICK_RETENTION_MONTHS`).
    pub click_retention_months: u32,
    /// Days the activity log keeps an entry; none: forever.
    pub activity_retention_days: Option<u32>,
    /// How webhooks are delivered.
    pub webhooks: revshare_core::webhooks::Settings,
    /// The jobs this replica runs (`REVSHARE_JOBS`; tests run API-only
    /// apps beside other replicas).
    pub jobs: revshare_core::jobs::Jobs,
    /// How often matured commissions are approved
    /// (`REVSHARE_MATURITY_INTERVAL`; none: never on this replica).
    pub maturity_interval: Option<Duration>,
    /// The reference-rate file fetched daily (`REVSHARE_FX_URL`).
    pub fx_url: Option<String>,
    /// What tax ids are sealed with (`REVSHARE_DATA_KEY`); none: tax
    /// profiles are refused.
    pub data_key: Option<revshare_core::payouts::seal::DataKey>,
    /// Where revshare is reached from outside (`REVSHARE_PUBLIC_URL`), for
    /// the links it answers; none: paths.
    pub public_url: Option<Arc<str>>,
    /// Proxies whose `X-Forwarded-For` is believed (`REVSHARE_TRUSTED_PROXIES`).
    pub trusted_proxies: client::TrustedProxies,
    /// Anonymous writes a client address may make to a tenant in a minute
    /// (`REVSHARE_ANONYMOUS_WRITES_PER_MINUTE`; 0: no limit).
    pub anonymous_writes_per_minute: u32,
    /// How e-mail is rendered and sent (`REVSHARE_SMTP_URL`, …).
    pub mail: revshare_core::mail::Settings,
    /// The largest backtest answered at once (SPEC §23: 10,000 events).
    pub backtest_inline: revshare_core::backtests::Inline,
    /// The first wait before a sent payout is read back
    /// (`REVSHARE_PAYOUT_POLL_SECONDS`).
    pub payout_poll: Duration,
    /// How long a replica's hold on a running import lasts unrenewed
    /// (two minutes; shorter in tests).
    pub import_lease: chrono::Duration,
    /// The country database clicks are read with (`REVSHARE_GEOIP_DB`).
    pub geo: Option<Arc<revshare_core::links::visit::Geo>>,
    /// Where link domains' DNS proofs are looked up
    /// (`REVSHARE_DNS_RESOLVER`; else the system's).
    pub dns_resolver: revshare_core::links::dns::Resolver,
    /// Where this process journals the clicks it hands ids to
    /// (`REVSHARE_DATA_DIR/clicks/`); none: the queue alone.
    pub click_journal: Option<revshare_core::links::journal::Journal>,
}

impl Options {
    /// No token, no other origin, the default cache.
    pub fn new(loader_delay: Duration) -> Options {
        Options {
            graphiql_token: None,
            loader_delay,
            cors: cors::Origins::None,
            apq_cache_size: DEFAULT_APQ_CACHE_SIZE,
            event_retention_days: 30,
            click_retention_months: revshare_core::attribution::retention::DEFAULT_MONTHS,
            activity_retention_days: None,
            webhooks: revshare_core::webhooks::Settings::default(),
            jobs: revshare_core::jobs::Jobs::all(),
            maturity_interval: None,
            fx_url: None,
            data_key: None,
            public_url: None,
            trusted_proxies: client::TrustedProxies::default(),
            anonymous_writes_per_minute: DEFAULT_ANONYMOUS_WRITES_PER_MINUTE,
            mail: revshare_core::mail::Settings::default(),
            backtest_inline: revshare_core::backtests::Inline::default(),
            payout_poll: Duration::from_secs(revshare_core::rails::DEFAULT_POLL_SECONDS),
            import_lease: revshare_core::imports::LEASE,
            geo: None,
            dns_resolver: revshare_core::links::dns::Resolver::system(),
            click_journal: None,
        }
    }
}

/// The default of `REVSHARE_ANONYMOUS_WRITES_PER_MINUTE`.
pub const DEFAULT_ANONYMOUS_WRITES_PER_MINUTE: u32 = 30;

/// The default of `REVSHARE_APQ_CACHE_SIZE`.
pub const DEFAULT_APQ_CACHE_SIZE: usize = 1000;

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        schema: AppSchema,
        db: Db,
        keys: Keys,
        options: &Options,
        ingest: revshare_core::ingest::Ingest,
        rails: revshare_core::rails::Settings,
        runner: revshare_core::jobs::Runner,
        links: revshare_core::links::Links,
    ) -> AppState {
        AppState(Arc::new(Shared {
            links,
            public_url: options.public_url.clone(),
            closing: ws::Closing::default(),
            field_types: Arc::new(crate::graphql::field_errors::FieldTypes::of(&schema.sdl())),
            ingest,
            rails,
            schema,
            sessions: sessions::Sessions::new(db.clone(), runner),
            db,
            keys: Arc::new(keys),
            tenants: TenantCache::default(),
            graphiql_token: options.graphiql_token.as_deref().map(Arc::from),
            loader_delay: options.loader_delay,
            apq: Arc::new(apq::PersistedQueries::new(options.apq_cache_size)),
            documents: Arc::default(),
            trusted_proxies: Arc::new(options.trusted_proxies.clone()),
            anonymous: Arc::new(client::AnonymousLimit::new(
                options.anonymous_writes_per_minute,
            )),
            unverified: Arc::new(client::AnonymousLimit::new(intake::UNVERIFIED_PER_MINUTE)),
            unknown_keys: Arc::new(client::AnonymousLimit::new(links::UNKNOWN_KEYS_PER_MINUTE)),
        }))
    }

    /// `path` as reached from outside.
    pub fn public_url(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }

    /// The client's address ([`client::address`]).
    pub fn client_address(
        &self,
        peer: Option<std::net::SocketAddr>,
        headers: &HeaderMap,
    ) -> Option<std::net::IpAddr> {
        client::address(peer, headers, &self.trusted_proxies)
    }

    /// Whether one more anonymous write from `address` is within its limit.
    pub fn anonymous_write(&self, tenant_id: &str, address: Option<std::net::IpAddr>) -> bool {
        self.anonymous.allow(tenant_id, address)
    }

    /// GraphiQL's page; with the development token only for a request
    /// addressed to a loopback host, so that a page of another name
    /// resolving here (DNS rebinding) cannot read it.
    /// What stops this replica's WebSockets.
    pub fn closing(&self) -> ws::Closing {
        self.closing.clone()
    }

    fn graphiql(&self, headers: &HeaderMap) -> Response {
        let token = self
            .graphiql_token
            .as_deref()
            .filter(|_| addressed_to_loopback(headers));
        graphiql::page(token)
    }

    async fn tenant(&self, id: &str) -> Result<Option<Arc<Tenant>>, ApiError> {
        if let Some(tenant) = self.tenants.get(id) {
            return Ok(Some(tenant));
        }
        let Some(tenant) = tenants::find(self.db.conn(), id).await? else {
            return Ok(None);
        };
        let tenant = Arc::new(tenant);
        self.tenants.put(tenant.clone());
        Ok(Some(tenant))
    }

    /// The principal of a request: `None` without a token; a bad one is
    /// answered here (401, or 503 when the tenant cannot be read).
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, Response> {
        self.principal(headers).await.map_err(error_response)
    }

    async fn principal(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let token = value.to_str().ok().and_then(bearer).ok_or_else(|| {
            ApiError::Unauthenticated("expected Authorization: Bearer <jwt>".into())
        })?;
        Ok(Some(self.principal_for(token).await?.0))
    }

    /// The principal a token names, and when the token expires (seconds
    /// since the epoch).
    async fn principal_for(&self, token: &str) -> Result<(Principal, u64), ApiError> {
        let identity = self.keys.verify(token).map_err(ApiError::Unauthenticated)?;
        let tenant = self
            .tenant(&identity.tenant_id)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("token names an unknown tenant".into()))?;
        // A console session's token is served while its session is open:
        // signing out ends it at once.
        if let Some(session) = &identity.session
            && !revshare_core::staff::is_open(self.db.conn(), &tenant.id, session).await?
        {
            return Err(ApiError::Unauthenticated(
                "this console session has ended: sign in again".into(),
            ));
        }
        let principal = Principal {
            subject: identity.subject,
            tenant,
            role: identity.role,
            partner_id: identity.partner_id,
            scopes: identity.scopes,
            session: identity.session,
        };
        Ok((principal, identity.expires_at))
    }
}

/// The token of an `Authorization` value: `Bearer <token>`.
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}

pub fn router(state: AppState, cors: &cors::Origins) -> Router {
    let framers = cors.clone();
    Router::new()
        .route("/", get(graphiql_page))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/assets/{hash}/{name}", get(graphiql::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/r/{tenant_id}/{code}", get(referral::follow))
        .route("/l/{tenant_id}/{key}", get(links::follow))
        .route("/qr/{file}", get(links::qr))
        .route("/exports/commissions.csv", get(exports::commissions))
        .route("/exports/payouts.csv", get(exports::payouts))
        .route("/exports/activity.csv", get(exports::activity_csv))
        .route("/exports/activity.jsonl", get(exports::activity_jsonl))
        .route("/statements/{file}", get(statements::statement))
        .route("/invoices/{file}", get(statements::invoice))
        .route("/tax/{file}", get(tax_forms::copy_b))
        .route("/resources/{id}/{filename}", get(statements::resource))
        .route("/portal", get(portal::bare))
        .route(
            "/portal/",
            get(move || async move { portal::page(&framers) }),
        )
        .route("/portal/{version}/{name}", get(portal::asset))
        .route("/admin", get(admin::bare))
        .route("/admin/", get(admin::page))
        .route("/admin/{version}/{name}", get(admin::asset))
        .route("/join/{tenant_id}/{campaign_id}", get(join::page))
        .route(
            "/mail/unsubscribe/{code}",
            get(unsubscribe::ask).post(unsubscribe::confirm),
        )
        .route(
            "/connectors/{provider}/{tenant_id}",
            axum::routing::post(intake::connector),
        )
        .route(
            "/payouts/{rail}/{tenant_id}",
            axum::routing::post(intake::rail),
        )
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // GraphQL bounds its own bodies (by the caller, and by operation,
        // as they stream: `body`): up to MAX_UPLOAD_BODY_BYTES for a
        // partner's invoice.
        .merge(
            Router::new()
                .route("/graphql", get(graphql::get).post(graphql::post))
                .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY_BYTES)),
        )
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            links::on_link_domain,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.db.clone(),
            crate::http::request_log::layer,
        ))
        .layer(cors.layer())
        .layer(axum::middleware::from_fn(cors::preflight_no_content))
        .with_state(state)
}

async fn graphiql_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state.graphiql(&headers)
}

/// Whether the request's `Host` names a loopback address (`localhost`,
/// `127.0.0.0/8`, `[::1]`), with or without a port.
fn addressed_to_loopback(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(host_is_loopback)
}

/// Whether a `Host` header names this machine's loopback, read as a URL
/// parser reads an authority (so `localhost:80@evil.example` is
/// `evil.example`); a header with anything but a host and a port is not.
fn host_is_loopback(host: &str) -> bool {
    use url::Host;
    let Ok(url) = url::Url::parse(&format!("http://{host}/")) else {
        return false;
    };
    let only_authority = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !host.contains(['/', '?', '#', '@', '\\']);
    only_authority
        && match url.host() {
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(address)) => address.is_loopback(),
            Some(Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping(READY_TIMEOUT).await {
        "ready".into_response()
    } else {
        error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "database unreachable",
        )
    }
}

async fn not_found() -> Response {
    error_body(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such path: use /graphql",
    )
}

/// A GraphQL-shaped error body with one error.
fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": code } }],
    });
    let mut response = (status, Json(body)).into_response();
    crate::http::request_log::tag(&mut response, code);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

/// The one place an API error becomes an HTTP status, for every answer
/// outside a GraphQL body (authentication, exports, statements, billing
/// connectors, referral links), so that one error answers alike
/// everywhere: an outage or a lost race is 503 with `Retry-After` (retry),
/// never a 500; a bad input 400; another partner's object 404, as an id
/// naming nothing.
pub fn status_of(err: &ApiError) -> StatusCode {
    match err {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::BadInput { .. } => StatusCode::BAD_REQUEST,
        ApiError::Conflict(_) | ApiError::Declined { .. } => StatusCode::CONFLICT,
        ApiError::Unavailable | ApiError::Away(_) | ApiError::Contention => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An API error as an answer: its status ([`status_of`]), code and message.
fn error_response(err: ApiError) -> Response {
    error_body(status_of(&err), err.code(), &err.message())
}

/// Gives an error response that is not JSON already (from the router, the
/// body limit or a method mismatch) the GraphQL error shape.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/graphql-response+json")
        });
    // A page (a short link's 404) is answered as it is.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if status.is_success()
        || is_json
        || is_page
        || status.is_redirection()
        || status.is_informational()
    {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "BAD_USER_INPUT",
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "BAD_USER_INPUT",
            "use POST or GET for GraphQL requests".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "no such path: use /graphql".to_owned()),
        StatusCode::SERVICE_UNAVAILABLE => ("UNAVAILABLE", "unavailable; retry shortly".to_owned()),
        status if status.is_client_error() => ("BAD_USER_INPUT", "bad request".to_owned()),
        _ => ("INTERNAL", "internal error".to_owned()),
    };
    error_body(status, code, &message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_api_error_has_one_status() {
        use super::{ApiError, StatusCode, status_of};
        let table = [
            (
                ApiError::Unauthenticated("x".into()),
                StatusCode::UNAUTHORIZED,
            ),
            (ApiError::Forbidden("x".into()), StatusCode::FORBIDDEN),
            (ApiError::not_found("x"), StatusCode::NOT_FOUND),
            (ApiError::bad_input("input.x", "y"), StatusCode::BAD_REQUEST),
            (ApiError::Conflict("x".into()), StatusCode::CONFLICT),
            (ApiError::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
            (ApiError::Contention, StatusCode::SERVICE_UNAVAILABLE),
            (ApiError::Internal, StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (err, status) in table {
            assert_eq!(status_of(&err), status, "{err:?}");
        }
    }

    #[test]
    fn only_a_loopback_host_and_port_is_loopback() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "LOCALHOST",
        ] {
            assert!(super::host_is_loopback(host), "{host}");
        }
        for host in [
            "localhost:80@evil.example",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost/x",
            "localhost:8080\\@evil.example",
            "",
        ] {
            assert!(!super::host_is_loopback(host), "{host}");
        }
    }
}

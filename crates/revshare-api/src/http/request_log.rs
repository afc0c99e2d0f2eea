//! One GraphQL request, observed: its span, its metrics, its log line.
//!
//! [`layer`] wraps the HTTP routes. For each request it takes or makes a
//! request id (`X-Request-Id`, echoed in the answer), opens the `request`
//! span (continuing an incoming W3C `traceparent` when traces are
//! exported), and hands the handlers a [`Slot`]. The GraphQL handler fills
//! the slot with the tenant, the operation's type and name, and its outcome,
//! and runs the operation in an [`operation_span`]. When the answer is
//! written, the layer records the request's metrics and writes its one log
//! line.
//!
//! Not an async-graphql extension: with any extension registered, the
//! executor sends every field of every answer through the extension chain
//! (a boxed future, a type lookup by name), which cost the nested ledger
//! read about 10 % (docs/BENCHMARKS.md, "Operating it").
//!
//! Operations over WebSocket have no HTTP request around them: each has a
//! request id of its own, and the socket's handler counts and logs it as
//! the request it would have been ([`over_websocket`]).

use async_graphql::parser::types::OperationType;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use revshare_core::db::Db;
use revshare_core::observe::metrics::{RequestLabels, outcome_of};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::Instrument;

/// The code of an error answer made outside the executor, kept on the
/// response for [`layer`].
#[derive(Debug, Clone, Copy)]
struct ErrorCode(&'static str);

/// Marks an error answer with its code.
pub fn tag(response: &mut Response, code: &str) {
    response
        .extensions_mut()
        .insert(ErrorCode(outcome_of(Some(code))));
}

/// The header a request id travels in.
pub const REQUEST_ID: &str = "x-request-id";

/// What one HTTP request's handlers learn about it.
#[derive(Debug, Default)]
pub struct Slot(Mutex<Seen>);

#[derive(Debug, Default, Clone)]
struct Seen {
    /// Whether the request was a GraphQL request at all (not a page, an asset
    /// or a probe).
    graphql: bool,
    tenant: Option<String>,
    operation_type: Option<&'static str>,
    operation_name: Option<String>,
    outcome: Option<&'static str>,
    /// The request's id (what the activity log records).
    id: Option<String>,
}

impl Slot {
    fn update(&self, change: impl FnOnce(&mut Seen)) {
        if let Ok(mut seen) = self.0.lock() {
            change(&mut seen);
        }
    }

    fn seen(&self) -> Seen {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// A GraphQL request by `tenant` (none without a token).
    pub fn graphql(&self, tenant: Option<&str>) {
        self.update(|seen| {
            seen.graphql = true;
            seen.tenant = tenant.map(str::to_owned);
        });
    }

    /// The operation the request selects, as the handler parsed it.
    pub fn operation(&self, operation_type: Option<OperationType>, operation_name: Option<&str>) {
        self.update(|seen| {
            seen.operation_type = operation_type.map(type_name);
            seen.operation_name = operation_name.and_then(loggable_name);
        });
    }

    /// The request's id, once the layer gave it one.
    pub fn id(&self) -> Option<String> {
        self.0.lock().ok().and_then(|seen| seen.id.clone())
    }

    /// What the answer came to: the first error's code, or none.
    pub fn answered(&self, code: Option<&str>) {
        self.update(|seen| seen.outcome = Some(outcome_of(code)));
    }
}

fn type_name(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// An operation name as the log may carry it: a GraphQL name of at most 100
/// characters, else none (a client's text is not written as it came).
fn loggable_name(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| name.to_owned())
}

/// The request id: the client's when it is a short token of safe
/// characters, else a new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        })
        .map_or_else(|| ulid::Ulid::new().to_string(), str::to_owned)
}

/// The middleware: span, request id, metrics and the log line.
pub async fn layer(State(db): State<Db>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let slot = Arc::new(Slot::default());
    slot.update(|seen| seen.id = Some(id.clone()));
    request.extensions_mut().insert(slot.clone());
    let span = tracing::info_span!(
        target: "revshare::request",
        "request",
        otel.name = %format_args!("{} {}", request.method(), request.uri().path()),
        otel.kind = "server",
        http.request.method = %request.method(),
        url.path = %request.uri().path(),
        request_id = %id,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let headers = request.headers();
    revshare_core::observe::traces::continue_trace(&span, |name| {
        headers.get(name).and_then(|value| value.to_str().ok())
    });
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
    if response.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    let seen = slot.seen();
    if !seen.graphql {
        return response;
    }
    let outcome = seen
        .outcome
        .or_else(|| response.extensions().get::<ErrorCode>().map(|c| c.0))
        .unwrap_or_else(|| outcome_of(status_code(status)));
    let operation_type = seen.operation_type.unwrap_or("none");
    db.metrics().request(
        RequestLabels {
            operation_type,
            outcome,
        },
        took,
    );
    tracing::info!(
        target: "revshare::request",
        request_id = %id,
        tenant = %seen.tenant.as_deref().unwrap_or("-"),
        operation_type = %operation_type,
        operation_name = %seen.operation_name.as_deref().unwrap_or("-"),
        status,
        duration_ms = took.as_secs_f64() * 1000.0,
        outcome = %outcome,
        "graphql request"
    );
    response
}

/// The code an HTTP refusal stands for, when nothing more was said.
fn status_code(status: u16) -> Option<&'static str> {
    match status {
        200..=299 => None,
        401 => Some("UNAUTHENTICATED"),
        403 => Some("FORBIDDEN"),
        404 => Some("NOT_FOUND"),
        503 => Some("UNAVAILABLE"),
        400..=499 => Some("BAD_USER_INPUT"),
        _ => Some("INTERNAL"),
    }
}

/// The `operation` span of an operation about to run: a child of the
/// request's, named like `mutation RecordSale` (a name that is not a
/// GraphQL name is left out, as in the log).
pub fn operation_span(ty: Option<OperationType>, name: Option<&str>) -> tracing::Span {
    let type_label = ty.map_or("none", type_name);
    let name = name.filter(|n| loggable_name(n).is_some());
    tracing::info_span!(
        target: "revshare::graphql",
        "operation",
        otel.name = %format_args!("{} {}", type_label, name.unwrap_or("anonymous")),
        graphql.operation.type = type_label,
        graphql.operation.name = name.unwrap_or(""),
        otel.status_code = tracing::field::Empty,
    )
}

/// A query or mutation answered over WebSocket.
pub struct Answered<'a> {
    /// The operation's own request id.
    pub request_id: Option<&'a str>,
    /// The id of the request that opened its socket.
    pub socket: Option<&'a str>,
    pub tenant: &'a str,
    pub operation_type: Option<OperationType>,
    pub operation_name: Option<&'a str>,
    /// Its first error's code.
    pub code: Option<&'a str>,
    pub took: std::time::Duration,
}

/// An operation over WebSocket, answered: its metrics and its log line, as
/// an HTTP request's ([`layer`]), naming its socket.
pub fn over_websocket(db: &Db, answered: Answered<'_>) {
    let labels = labels(answered.operation_type, answered.code);
    let (operation_type, outcome) = (labels.operation_type, labels.outcome);
    let name = answered.operation_name.and_then(loggable_name);
    db.metrics().request(labels, answered.took);
    tracing::info!(
        target: "revshare::request",
        request_id = %answered.request_id.unwrap_or("-"),
        socket = %answered.socket.unwrap_or("-"),
        tenant = %answered.tenant,
        operation_type = %operation_type,
        operation_name = %name.as_deref().unwrap_or("-"),
        duration_ms = answered.took.as_secs_f64() * 1000.0,
        outcome = %outcome,
        "graphql request over websocket"
    );
}

/// The labels of an operation that ran outside an HTTP request (over
/// WebSocket): its type and its first error's code.
pub fn labels(ty: Option<OperationType>, code: Option<&str>) -> RequestLabels {
    RequestLabels {
        operation_type: ty.map_or("none", type_name),
        outcome: outcome_of(code),
    }
}

//! GraphQL over HTTP (SPEC §4, §11, and the GraphQL-over-HTTP
//! specification): `POST /graphql` with a JSON body, `GET /graphql` with
//! the parameters in the URL (queries only: a mutation by GET is 405 with
//! `Allow: POST`).
//!
//! - **Media types.** The answer is `application/graphql-response+json`
//!   when `Accept` allows it, else `application/json` (also with no
//!   `Accept`, or `*/*`). A request that fails before it runs — it does not
//!   parse, does not validate, its variables do not coerce, it breaks a
//!   limit — is HTTP 400 without a `data` entry under the first, and 200
//!   under the second, as the specification asks. A POST must say
//!   `Content-Type: application/json` (UTF-8): anything else is 415.
//! - **Order.** The body is read here, not by a framework extractor, so a
//!   malformed one is answered like every other error: a GraphQL-shaped
//!   JSON body with `extensions.code` (`BAD_USER_INPUT`), never a text
//!   naming the server's types. The token is checked first; then the body is
//!   read within the limit the token allows, as it streams and unparsed
//!   ([`super::body`]: past 2 MiB only a partner's invoice upload), persisted
//!   queries are resolved
//!   ([`super::apq`]), and the operation is prepared by
//!   [`super::prepare`] (counted, parsed, checked), as over WebSocket;
//!   only then does it run.
//!   One operation per request: a JSON array (a batch) is refused.
//! - **Answers.** Errors from parsing, validation and coercion get
//!   `BAD_USER_INPUT` with the input path (`input.name`, `input[3].amount`);
//!   an `UNAVAILABLE` error makes the answer a 503 with `Retry-After`; the
//!   answer is mended as [`super::prepare`] says (failed fields `null` at
//!   their paths, keys in selection order).

use super::apq::Resolved;
use super::body::{self, Allowance};
use super::prepare::{Origin, Prepared, first_code, limit_error, refusal};
use super::{AppState, MAX_BODY_BYTES, RETRY_AFTER_SECONDS, error_body};
use crate::http::request_log::Slot;
use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use axum::Extension;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revshare_core::auth::Principal;
use revshare_core::error::ApiError;
use serde_json::{Map, Value};
use std::sync::Arc;
use tracing::Instrument;

/// The GraphQL-over-HTTP media type.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// How the answer is written, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: a request error is HTTP 400.
    GraphqlResponse,
    /// `application/json`: a request error is HTTP 200, with `data: null`.
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }

    /// The status of an answer that failed before it ran.
    fn request_error_status(self) -> StatusCode {
        match self {
            Media::GraphqlResponse => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        }
    }
}

/// The media type the client accepts: `None` when it accepts neither.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if accept.is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(f32, Media)> = None;
    for range in accept.iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let kind = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match kind.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if quality <= 0.0 {
            continue;
        }
        // The GraphQL media type wins a tie.
        let better = match best {
            None => true,
            Some((q, m)) => {
                quality > q || (quality == q && media == Media::GraphqlResponse && m == Media::Json)
            }
        };
        if better {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

/// Whether a GET asks for data rather than for the GraphiQL page.
fn wants_data(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json") || v.contains(GRAPHQL_RESPONSE_JSON))
}

/// The parameters of a GraphQL request, from a body or a URL.
#[derive(Default)]
struct Params {
    query: Option<String>,
    variables: Option<Map<String, Value>>,
    operation_name: Option<String>,
    extensions: Option<Map<String, Value>>,
}

impl Params {
    /// A JSON body: one object (a batch is refused).
    fn from_body(body: &[u8]) -> Result<Params, String> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
        let object = match value {
            Value::Object(object) => object,
            Value::Array(_) => {
                return Err(
                    "batched requests are not supported: send one operation per request".into(),
                );
            }
            _ => return Err("the body must be a JSON object with a query".into()),
        };
        let string = |name: &str, value: Option<&Value>| match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("{name} must be a string")),
        };
        let map = |name: &str, value: Option<&Value>| match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(format!("{name} must be a JSON object")),
        };
        Ok(Params {
            query: string("query", object.get("query"))?,
            variables: map("variables", object.get("variables"))?,
            operation_name: string("operationName", object.get("operationName"))?,
            extensions: map("extensions", object.get("extensions"))?,
        })
    }

    /// URL parameters: `variables` and `extensions` are JSON text.
    fn from_url(query: &str) -> Result<Params, String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| "the URL's parameters are not URL-encoded".to_owned())?;
        let mut params = Params::default();
        for (name, value) in pairs {
            let json = |value: &str| -> Result<Option<Map<String, Value>>, String> {
                match serde_json::from_str::<Value>(value) {
                    Ok(Value::Object(map)) => Ok(Some(map)),
                    Ok(Value::Null) => Ok(None),
                    _ => Err(format!("{name} must be a JSON object")),
                }
            };
            match name.as_str() {
                "query" => params.query = Some(value),
                "operationName" => params.operation_name = Some(value),
                "variables" => params.variables = json(&value)?,
                "extensions" => params.extensions = json(&value)?,
                _ => {}
            }
        }
        Ok(params)
    }
}

/// `POST /graphql`, within the request's deadline ([`within_deadline`]).
pub async fn post(
    State(state): State<AppState>,
    slot: Option<Extension<Arc<Slot>>>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let slot = slot.map(|Extension(slot)| slot).unwrap_or_default();
    // The client as the server believes it (a trusted proxy's word, or the
    // peer): what anonymous forms are limited by.
    let client = state.client_address(peer.map(|Extension(ConnectInfo(a))| a), &headers);
    let answer = post_answer(state.clone(), slot.clone(), headers, body, client);
    within_deadline(&state, &slot, answer).await
}

/// One deadline around a request's whole execution — authentication,
/// waiting for a connection (or SQLite's writer), every statement — so
/// that a request meeting a stalled database answers `UNAVAILABLE` within
/// the statement timeout and its margin, however its waits add up. A
/// mutation cut short rolls back (its transaction is dropped); one whose
/// commit raced the deadline may have committed, as after any timeout,
/// and its retry meets its idempotency key.
async fn within_deadline(
    state: &AppState,
    slot: &Slot,
    answer: impl Future<Output = Response>,
) -> Response {
    // Pinned out here, so that it (and any connection it holds) is dropped
    // only after the database heard it was given up on.
    let answer = std::pin::pin!(answer);
    tokio::select! {
        answered = answer => answered,
        _ = tokio::time::sleep(state.db.deadline()) => {
            state.db.gave_up();
            slot.answered(Some("UNAVAILABLE"));
            super::error_response(ApiError::Unavailable)
        }
    }
}

async fn post_answer(
    state: AppState,
    slot: Arc<Slot>,
    headers: HeaderMap,
    body: Body,
    client: Option<std::net::IpAddr>,
) -> Response {
    slot.graphql(None);
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let principal = match state.authenticate(&headers).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    slot.graphql(principal.as_ref().map(|p| p.tenant.id.as_str()));
    if let Err(message) = json_content(&headers) {
        return error_body(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            message,
        );
    }
    // A partner's own invoice (SPEC §33) and a resource's file (SPEC §37)
    // are the requests allowed past the body limit, up to
    // MAX_UPLOAD_BODY_BYTES: known as they stream, without parsing the body
    // ([`super::body`]).
    let allowance = match &principal {
        Some(p) if p.uploads_files() => Allowance::Uploader,
        Some(_) => Allowance::Token,
        None => Allowance::Anonymous,
    };
    let read = match body::read(&headers, body, allowance).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    match Params::from_body(&read.bytes) {
        // Past MAX_BODY_BYTES only the upload's query runs, as it was read.
        Ok(params) if read.upload.is_some() && params.query != read.upload => error_body(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes (only uploadPartnerInvoice and createResource carry more)"
            ),
        ),
        Ok(params) => {
            let origin = Origin {
                client,
                request_id: slot.id(),
                accept_language: headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| v.len() <= 256)
                    .map(str::to_owned),
            };
            run(
                &state,
                &slot,
                principal,
                params,
                media,
                Method::Post(origin),
            )
            .await
        }
        Err(message) => error_body(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message),
    }
}

/// `GET /graphql`: a WebSocket for subscriptions ([`super::ws`]), a query
/// in the URL (within the request's deadline), or (for a browser asking for
/// a page) GraphiQL.
pub async fn get(
    State(state): State<AppState>,
    slot: Option<Extension<Arc<Slot>>>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    raw: RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let slot = slot.map(|Extension(slot)| slot).unwrap_or_default();
    if let Ok(upgrade) = upgrade {
        let peer = peer.map(|Extension(ConnectInfo(a))| a);
        return super::ws::accept(state, upgrade, peer, &headers, &slot);
    }
    let answer = get_answer(state.clone(), slot.clone(), headers, raw);
    within_deadline(&state, &slot, answer).await
}

async fn get_answer(
    state: AppState,
    slot: Arc<Slot>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let has_request = serde_urlencoded::from_str::<Vec<(String, String)>>(&raw)
        .map(|pairs| {
            pairs
                .iter()
                .any(|(name, _)| name == "query" || name == "extensions")
        })
        .unwrap_or(true);
    if !has_request && !wants_data(&headers) {
        return state.graphiql(&headers);
    }
    slot.graphql(None);
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let principal = match state.authenticate(&headers).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    slot.graphql(principal.as_ref().map(|p| p.tenant.id.as_str()));
    match Params::from_url(&raw) {
        Ok(params) => run(&state, &slot, principal, params, media, Method::Get).await,
        Err(message) => error_body(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message),
    }
}

fn not_acceptable() -> Response {
    error_body(
        StatusCode::NOT_ACCEPTABLE,
        "BAD_USER_INPUT",
        "accept application/graphql-response+json or application/json",
    )
}

/// A POST's body must be JSON in UTF-8: else what to send instead.
fn json_content(headers: &HeaderMap) -> Result<(), &'static str> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err("send Content-Type: application/json");
    };
    let value = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    if parts.next() != Some("application/json") {
        return Err("the body must be application/json");
    }
    for part in parts {
        if let Some(charset) = part.strip_prefix("charset=")
            && !matches!(charset.trim_matches('"'), "utf-8" | "utf8")
        {
            return Err("the body must be UTF-8");
        }
    }
    Ok(())
}

/// An answer that failed before anything ran: one error, no `data` under
/// the GraphQL media type.
fn request_error(media: Media, error: ServerError) -> Response {
    let code = first_code(std::slice::from_ref(&error))
        .unwrap_or("INTERNAL")
        .to_owned();
    let response = async_graphql::Response::from_errors(vec![error]);
    let mut answer = write(media, media.request_error_status(), &response, true);
    crate::http::request_log::tag(&mut answer, &code);
    answer
}

/// The query a request runs: sent in full, or by its persisted hash
/// (kept only for a request with a token); else the answer to send.
fn query_of(
    state: &AppState,
    params: &mut Params,
    authenticated: bool,
    media: Media,
) -> Result<String, Box<Response>> {
    let resolved = state.apq.resolve(
        params.query.as_deref(),
        params.extensions.as_ref(),
        authenticated,
    );
    match resolved {
        Resolved::Plain => params.query.take().ok_or_else(|| {
            Box::new(error_body(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the request has no query",
            ))
        }),
        Resolved::Query(query) => Ok(query.to_string()),
        // Apollo's clients read the message; others read the code. Not an
        // HTTP error: the client sends the query next.
        Resolved::NotFound => Err(Box::new(
            request_error(
                media,
                refusal("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", None),
            )
            .with_status(StatusCode::OK),
        )),
        Resolved::Bad(field, message) => {
            let message = format!("{field}: {message}");
            Err(Box::new(request_error(
                media,
                refusal("BAD_USER_INPUT", &message, Some(field)),
            )))
        }
    }
}

/// How a request came: a POST from its client, or a GET (which runs no
/// mutation, and names no client).
enum Method {
    Post(Origin),
    Get,
}

/// Resolves, checks, parses and runs one GraphQL request.
async fn run(
    state: &AppState,
    slot: &Arc<Slot>,
    principal: Option<Principal>,
    mut params: Params,
    media: Media,
    method: Method,
) -> Response {
    let (by_get, origin) = match method {
        Method::Post(origin) => (false, origin),
        Method::Get => (
            true,
            Origin {
                client: None,
                request_id: slot.id(),
                accept_language: None,
            },
        ),
    };
    let query = match query_of(state, &mut params, principal.is_some(), media) {
        Ok(query) => query,
        Err(answer) => return *answer,
    };
    let mut prepared = match Prepared::parse(
        &state.documents,
        principal.is_some(),
        query,
        params.variables,
        params.operation_name,
    ) {
        Ok(prepared) => prepared,
        Err(violation) => return request_error(media, limit_error(&violation)),
    };
    let ty = prepared.operation_type();
    let name = prepared.operation_name().map(str::to_owned);
    slot.operation(ty, name.as_deref());
    match ty {
        Some(OperationType::Mutation) if by_get => {
            let mut refused = error_body(
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_USER_INPUT",
                "a mutation is sent by POST",
            );
            refused
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return refused;
        }
        Some(OperationType::Subscription) => {
            let message = "subscriptions run over WebSocket (graphql-transport-ws) on /graphql";
            return request_error(media, refusal("BAD_USER_INPUT", message, None));
        }
        _ => {}
    }
    if let Some(refused) = prepared.refusal_for(principal.as_ref()) {
        return request_error(media, refused);
    }
    if let Err(violation) = prepared.check() {
        return request_error(media, limit_error(&violation));
    }
    let span = crate::http::request_log::operation_span(ty, name.as_deref());
    let writer = state.db.replicas().and(principal.clone());
    let request = origin.onto(prepared.request(state, principal));
    let mut response = state.schema.execute(request).instrument(span.clone()).await;
    let mut finished = prepared.finish(state, &mut response);
    // A query its replica failed (gone mid-request) is answered from the
    // primary: a replica going away fails no request.
    if finished.unavailable
        && let Some(again) = prepared.again_on_primary(state, writer.clone())
    {
        response = state
            .schema
            .execute(origin.onto(again))
            .instrument(span.clone())
            .await;
        finished = prepared.finish(state, &mut response);
    }
    prepared.ran(state, writer.as_ref()).await;
    if finished.refused {
        prepared.name_its_cost(&mut response).await;
    }
    let code = first_code(&response.errors);
    if code.is_some() {
        span.record("otel.status_code", "ERROR");
    }
    slot.answered(code);
    let status = match (finished.unavailable, finished.refused) {
        (true, _) => StatusCode::SERVICE_UNAVAILABLE,
        (false, true) => media.request_error_status(),
        (false, false) => StatusCode::OK,
    };
    let mut answer = write(media, status, &response, finished.refused);
    if finished.unavailable {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    answer
}

/// Writes a GraphQL response: without its `data` entry when the request
/// failed before running and the client speaks the GraphQL media type.
fn write(
    media: Media,
    status: StatusCode,
    response: &async_graphql::Response,
    refused: bool,
) -> Response {
    #[derive(serde::Serialize)]
    struct ErrorsOnly<'a> {
        errors: &'a [ServerError],
    }
    let body = match (refused, media) {
        (true, Media::GraphqlResponse) => serde_json::to_vec(&ErrorsOnly {
            errors: &response.errors,
        }),
        _ => serde_json::to_vec(response),
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            let _ = ApiError::internal("serialize response", err);
            return error_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            );
        }
    };
    let mut answer = (status, body).into_response();
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    answer
}

trait WithStatus {
    fn with_status(self, status: StatusCode) -> Self;
}

impl WithStatus for Response {
    fn with_status(mut self, status: StatusCode) -> Self {
        *self.status_mut() = status;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graphql_media_type_when_accepted() {
        let with = |accept: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            }
            negotiate(&headers)
        };
        assert_eq!(with(None), Some(Media::Json));
        assert_eq!(with(Some("*/*")), Some(Media::Json));
        assert_eq!(with(Some("application/json")), Some(Media::Json));
        assert_eq!(
            with(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            with(Some("application/json, application/graphql-response+json")),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            with(Some(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(Media::Json)
        );
        assert_eq!(with(Some("text/html")), None);
    }
}

//! The HTTP surface: `POST /graphql`, GraphiQL on `GET /graphql` and `/`,
//! `/healthz` (the process is up) and `/readyz` (the database answers).
//!
//! Authentication happens here, before GraphQL runs: a bad token is refused
//! with 401 and an `UNAUTHENTICATED` error; a request without a token runs
//! anonymously, which lets GraphiQL load the schema, and every resolver then
//! answers `UNAUTHENTICATED`. The token is checked before the body is read;
//! request bodies are limited to [`MAX_BODY_BYTES`], and to
//! [`MAX_ANONYMOUS_BODY_BYTES`] without a token.
//!
//! The body is read here, not by a framework extractor, so that a malformed
//! one is answered like every other error: a GraphQL-shaped JSON body with
//! `extensions.code` (`BAD_USER_INPUT`), never a text naming the server's
//! types. One operation per request: a JSON array (a batch) is refused, so a
//! request's limits are one operation's. Before anything runs, the parsed
//! document passes [`crate::graphql::limits`]. Every other HTTP error (an
//! unknown path, a wrong method, a body over the limit) gets the same JSON
//! shape from [`json_errors`]. A request that met an unreachable database
//! answers 503 with `Retry-After`, its errors coded `UNAVAILABLE`.

use crate::auth::jwt::Keys;
use crate::auth::{Principal, Tenant, TenantCache};
use crate::db::Db;
use crate::directory::tenants;
use crate::error::ApiError;
use crate::graphql::{AppSchema, RequestContext, limits};
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body: a full `recordEvents` batch fits with room to spare.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Largest body of a request without a token, which may only introspect:
/// GraphiQL's introspection query is about 2 KiB. The body is refused as
/// soon as it passes this, before anything is parsed, so anonymous clients
/// cannot make the server parse megabytes.
pub const MAX_ANONYMOUS_BODY_BYTES: usize = 8 * 1024;
/// How long `/readyz` waits for the database before answering 503.
pub const READY_TIMEOUT: Duration = Duration::from_millis(800);
/// What a 503 tells a client to wait before retrying, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 1;

#[derive(Clone)]
pub struct AppState {
    schema: AppSchema,
    db: Db,
    keys: Arc<Keys>,
    tenants: TenantCache,
    graphiql: Arc<String>,
    loader_delay: Duration,
}

impl AppState {
    /// `graphiql_token`, when given, is preset in GraphiQL's headers
    /// (development only).
    pub fn new(
        schema: AppSchema,
        db: Db,
        keys: Keys,
        graphiql_token: Option<&str>,
        loader_delay: Duration,
    ) -> AppState {
        let bearer = graphiql_token.map(|t| format!("Bearer {t}"));
        let mut source = GraphiQLSource::build()
            .endpoint("/graphql")
            .title("revshare");
        if let Some(bearer) = &bearer {
            source = source.header("Authorization", bearer);
        }
        AppState {
            schema,
            db,
            keys: Arc::new(keys),
            tenants: TenantCache::default(),
            graphiql: Arc::new(source.finish()),
            loader_delay,
        }
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

    /// The principal of a request: `None` without a token, an error for a bad one.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthenticated("expected Authorization: Bearer <jwt>".into())
            })?;
        let identity = self.keys.verify(token).map_err(ApiError::Unauthenticated)?;
        let tenant = self
            .tenant(&identity.tenant_id)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("token names an unknown tenant".into()))?;
        Ok(Some(Principal {
            subject: identity.subject,
            tenant,
            role: identity.role,
            partner_id: identity.partner_id,
            scopes: identity.scopes,
        }))
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(state)
}

async fn graphiql(State(state): State<AppState>) -> Html<String> {
    Html(state.graphiql.as_str().to_owned())
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
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

fn error_response(status: StatusCode, err: ApiError) -> Response {
    error_body(status, err.code(), &err.message())
}

/// Gives an error response that is not JSON already (from the router, the
/// body limit or a method mismatch) the GraphQL error shape.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || is_json || status.is_redirection() {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "BAD_USER_INPUT",
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "BAD_USER_INPUT",
            "use POST for GraphQL requests (GET serves GraphiQL)".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "no such path: use /graphql".to_owned()),
        StatusCode::SERVICE_UNAVAILABLE => ("UNAVAILABLE", "unavailable; retry shortly".to_owned()),
        status if status.is_client_error() => ("BAD_USER_INPUT", "bad request".to_owned()),
        _ => ("INTERNAL", "internal error".to_owned()),
    };
    error_body(status, code, &message)
}

/// Reads one GraphQL request from a JSON body; the error says what to fix.
fn parse_request(body: &[u8]) -> Result<async_graphql::Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let mut object = match value {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Array(_) => {
            return Err(
                "batched requests are not supported: send one operation per request".into(),
            );
        }
        _ => return Err("the body must be a JSON object with a query".into()),
    };
    let query = match object.remove("query") {
        Some(serde_json::Value::String(query)) => query,
        Some(_) => return Err("query must be a string".into()),
        None => return Err("the body has no query".into()),
    };
    let mut request = async_graphql::Request::new(query);
    match object.remove("variables") {
        None | Some(serde_json::Value::Null) => {}
        Some(variables @ serde_json::Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(variables));
        }
        Some(_) => return Err("variables must be a JSON object".into()),
    }
    match object.remove("operationName") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(name)) => request = request.operation_name(name),
        Some(_) => return Err("operationName must be a string".into()),
    }
    Ok(request)
}

/// The body, read up to `limit` bytes: a longer one is refused on its
/// announced length, or as soon as it passes the limit.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        let message = match limit {
            MAX_ANONYMOUS_BODY_BYTES => format!(
                "a request without a token may carry at most {limit} bytes: send Authorization: Bearer <jwt>"
            ),
            _ => format!("the request body is larger than {limit} bytes"),
        };
        error_body(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", &message)
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let principal = match state.authenticate(&headers).await {
        Ok(principal) => principal,
        Err(err @ ApiError::Unauthenticated(_)) => {
            return error_response(StatusCode::UNAUTHORIZED, err);
        }
        Err(err @ ApiError::Unavailable) => {
            return error_response(StatusCode::SERVICE_UNAVAILABLE, err);
        }
        Err(err) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let limit = match principal {
        Some(_) => MAX_BODY_BYTES,
        None => MAX_ANONYMOUS_BODY_BYTES,
    };
    let body = match read_body(&headers, body, limit).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let mut request = match parse_request(&body) {
        Ok(request) => request,
        Err(message) => return error_body(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message),
    };
    // The query's size in tokens is bounded before the parser sees it.
    if let Err(violation) = limits::check_size(&request.query) {
        return limit_response(violation);
    }
    // Parsed once here and handed to the executor; a request that does not
    // parse goes on to be answered with the parser's error.
    if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
        if let Err(violation) = limits::check(&document, &request.variables) {
            return limit_response(violation);
        }
        request.set_parsed_query(document);
    }
    let request = request.data(RequestContext::new(
        &state.db,
        principal,
        state.loader_delay,
        state.tenants.clone(),
    ));
    let mut response = state.schema.execute(request).await;
    // Resolver errors carry their code already; what is left came from
    // parsing, validating or coercing the client's request.
    let mut unavailable = false;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        match extensions.get("code") {
            None => {
                extensions.set("code", "BAD_USER_INPUT");
                if let Some(field) = coerced_field(&error.message) {
                    extensions.set("field", field);
                }
            }
            Some(async_graphql::Value::String(code)) if code == "UNAVAILABLE" => unavailable = true,
            Some(_) => {}
        }
    }
    let mut response = GraphQLResponse::from(response).into_response();
    if unavailable {
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

/// The input path an argument-coercion error names, in the form resolver
/// errors use: `Invalid value for argument "input.entries.0.calculation"`
/// names `input.entries[0].calculation`.
fn coerced_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (path, _) = rest.split_once('"')?;
    let mut field = String::with_capacity(path.len());
    for (i, part) in path.split('.').enumerate() {
        match part.parse::<usize>() {
            Ok(index) if i > 0 => field.push_str(&format!("[{index}]")),
            _ if i > 0 => {
                field.push('.');
                field.push_str(part);
            }
            _ => field.push_str(part),
        }
    }
    Some(field)
}

fn limit_response(violation: limits::Violation) -> Response {
    let mut extensions = serde_json::json!({ "code": "BAD_USER_INPUT" });
    let message = match &violation.field {
        Some(field) => {
            extensions["field"] = serde_json::json!(field);
            format!("{field}: {}", violation.message)
        }
        None => violation.message,
    };
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": extensions }],
    });
    (StatusCode::OK, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::coerced_field;

    #[test]
    fn a_coercion_error_names_its_input_path() {
        assert_eq!(
            coerced_field("Invalid value for argument \"input.entries.0.calculation\", Oneof input objects requires have exactly one field").as_deref(),
            Some("input.entries[0].calculation")
        );
        assert_eq!(
            coerced_field("Invalid value for argument \"ids\", expected type \"ID\"").as_deref(),
            Some("ids")
        );
        assert_eq!(coerced_field("Unknown field \"x\""), None);
    }
}

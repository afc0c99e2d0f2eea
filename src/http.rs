//! The HTTP surface: `POST /graphql`, GraphiQL on `GET /graphql` and `/`,
//! `/healthz` (the process is up) and `/readyz` (the database answers).
//!
//! Authentication happens here, before GraphQL runs: a bad token is refused
//! with 401 and an `UNAUTHENTICATED` error; a request without a token runs
//! anonymously, which lets GraphiQL load the schema, and every resolver then
//! answers `UNAUTHENTICATED`. Request bodies are limited to [`MAX_BODY_BYTES`].

use crate::auth::jwt::Keys;
use crate::auth::{Principal, Tenant};
use crate::db::Db;
use crate::directory::tenants;
use crate::error::ApiError;
use crate::graphql::{AppSchema, RequestContext};
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body: a full `recordEvents` batch fits with room to spare.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    schema: AppSchema,
    db: Db,
    keys: Arc<Keys>,
    /// Tenants that tokens have named, by id. Tenants are never deleted, so a
    /// positive cache cannot go stale; unknown ids are looked up every time.
    tenants: Arc<RwLock<HashMap<String, Arc<Tenant>>>>,
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
            tenants: Arc::default(),
            graphiql: Arc::new(source.finish()),
            loader_delay,
        }
    }

    async fn tenant(&self, id: &str) -> Result<Option<Arc<Tenant>>, ApiError> {
        if let Some(tenant) = self.tenants.read().expect("tenant cache lock").get(id) {
            return Ok(Some(tenant.clone()));
        }
        let Some(tenant) = tenants::find(self.db.conn(), id).await? else {
            return Ok(None);
        };
        let tenant = Arc::new(tenant);
        self.tenants
            .write()
            .expect("tenant cache lock")
            .insert(id.to_owned(), tenant.clone());
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
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(state)
}

async fn graphiql(State(state): State<AppState>) -> Html<String> {
    Html(state.graphiql.as_str().to_owned())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

fn error_response(status: StatusCode, err: ApiError) -> Response {
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": err.message(), "extensions": { "code": err.code() } }],
    });
    (status, Json(body)).into_response()
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let principal = match state.authenticate(&headers).await {
        Ok(principal) => principal,
        Err(err @ ApiError::Unauthenticated(_)) => {
            return error_response(StatusCode::UNAUTHORIZED, err);
        }
        Err(err) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let request = request.into_inner().data(RequestContext::new(
        &state.db,
        principal,
        state.loader_delay,
    ));
    let mut response = state.schema.execute(request).await;
    // Resolver errors carry their code already; what is left came from
    // parsing, validating or coercing the client's request.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    GraphQLResponse::from(response).into_response()
}

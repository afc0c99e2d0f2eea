//! `GET /r/{tenantId}/{code}`: a partner's referral link. A live code
//! records a click and answers `302` to its campaign's landing URL with
//! `ref={code}` and `click={clickId}` added; an unknown or archived code,
//! or a campaign without a landing URL, is `404` and records nothing. No
//! cookie is set: the brand's site keeps `click` first-party.

use super::{AppState, error_body};
use crate::attribution::clicks::{self, Visit};
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn follow(
    State(state): State<AppState>,
    Path((tenant_id, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let visit = Visit {
        landing_url: None,
        user_agent: text(header::USER_AGENT),
        // The visitor as the proxy in front saw it (hashed, never stored).
        ip: text(header::HeaderName::from_static("x-forwarded-for"))
            .and_then(|hops| hops.split(',').next().map(|ip| ip.trim().to_owned()))
            .filter(|ip| !ip.is_empty()),
    };
    match clicks::record(&state.db, &tenant_id, &code, visit, true).await {
        Ok(Some(clicked)) => {
            let Some(target) = clicked
                .target
                .and_then(|url| HeaderValue::from_str(&url).ok())
            else {
                return no_link();
            };
            let mut response = StatusCode::FOUND.into_response();
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, target);
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => no_link(),
        Err(err @ ApiError::Unavailable) => {
            error_body(StatusCode::SERVICE_UNAVAILABLE, err.code(), &err.message())
        }
        Err(err) => {
            tracing::error!(target: "revshare::http", error = ?err, "referral link");
            error_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

fn no_link() -> Response {
    error_body(StatusCode::NOT_FOUND, "NOT_FOUND", "no such referral link")
}

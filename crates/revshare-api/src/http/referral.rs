//! `GET /r/{tenantId}/{code}`: a partner's referral link. A live code
//! records a click and answers `302` to its campaign's landing URL with
//! `ref={code}` and `click={clickId}` added; an unknown or archived code,
//! or a campaign without a landing URL, is `404` and records nothing. No
//! cookie is set: the brand's site keeps `click` first-party.
//!
//! A visit its program ignores (SPEC §37: a listed referrer, a search ad
//! or engine) still lands, on the landing URL as it is, and is counted as
//! ignored only.
//!
//! The visitor's address is the connection's (or what a trusted proxy
//! says, [`super::client`]); past its anonymous-write limit a visitor is
//! redirected with `ref` alone and no click is written.

use super::{AppState, error_body};
use axum::Extension;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revshare_core::attribution::clicks::{self, Visit};
use revshare_core::error::ApiError;

pub async fn follow(
    State(state): State<AppState>,
    Path((tenant_id, code)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let address = state.client_address(peer.map(|Extension(ConnectInfo(a))| a), &headers);
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let visit = Visit {
        landing_url: None,
        user_agent: text(header::USER_AGENT),
        // Hashed with the tenant's key; never stored as it is.
        ip: address.map(|ip| ip.to_string()),
        referrer: text(header::REFERER)
            .filter(|r| r.len() <= revshare_core::attribution::clicks::MAX_URL_CHARS),
        query: query.filter(|q| q.len() <= revshare_core::links::target::MAX_PASSED_QUERY),
    };
    if !state.anonymous_write(&tenant_id, address) {
        return match clicks::target(state.db.conn(), &tenant_id, &code, &visit).await {
            Ok(Some(target)) => redirect(target),
            Ok(None) => no_link(),
            Err(err) => failed(err),
        };
    }
    let (agent, referrer) = (visit.user_agent.clone(), visit.referrer.clone());
    match clicks::record(&state.db, &tenant_id, &code, visit, true).await {
        Ok(Some(recorded)) => {
            let target = match recorded {
                clicks::Recorded::Clicked(clicked) => clicked.target,
                // Past the click-spam threshold: the visitor still lands.
                clicks::Recorded::Spam { target } => target,
                // Traffic its program ignores (SPEC §37): counted as such,
                // the visitor sent on named by nothing.
                clicks::Recorded::Ignored {
                    reason,
                    code,
                    target,
                } => {
                    let ignored = revshare_core::links::Ignored {
                        reason,
                        address,
                        user_agent: agent,
                        referrer,
                        landing_url: target.clone().unwrap_or_default(),
                    };
                    if let Err(err) = state.links.queue_ignored(&code, ignored).await {
                        return failed(err);
                    }
                    target
                }
            };
            target.map_or_else(no_link, redirect)
        }
        Ok(None) => no_link(),
        Err(err) => failed(err),
    }
}

fn redirect(target: String) -> Response {
    let Ok(target) = HeaderValue::from_str(&target) else {
        return no_link();
    };
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, target);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn failed(err: ApiError) -> Response {
    if err == ApiError::Internal {
        tracing::error!(target: "revshare::http", "referral link");
    }
    super::error_response(err)
}

fn no_link() -> Response {
    error_body(StatusCode::NOT_FOUND, "NOT_FOUND", "no such referral link")
}

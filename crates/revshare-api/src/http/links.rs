//! Partner links over HTTP (SPEC §30).
//!
//! - **A link domain** (`go.acme.com`, a tenant's `linkDomains`): every
//!   request whose host is one is answered here, before any route —
//!   `GET /{key}` (or `HEAD`) is the short link, `/healthz` the probe,
//!   anything else a small 404 page. The API is never reached on a link
//!   domain, and a key is looked up only in that domain's tenant.
//! - `GET /l/{tenantId}/{key}`: the same short link on revshare's own
//!   host, for a tenant with no link domain yet.
//! - `GET /qr/{linkId}.png` and `.svg`: the link's QR code, to whoever
//!   reads the link (a partner token: its own).
//!
//! The short link answers 302 to its URL ([`target::redirect_url`]) at
//! once: the click is queued for the `clicks` job, never written on the
//! way. A `HEAD`, a bot's user agent, or a visitor past its anonymous
//! writes is sent on with no click made.

use super::AppState;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use revshare_core::error::ApiError;
use revshare_core::links::record::Seen;
use revshare_core::links::{qr, target, visit};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Short-link keys a client address may try in a minute that lead
/// nowhere; past them every key answers `429` for the rest of the minute,
/// looked up or not (a visitor who mistyped one has room to spare).
pub const UNKNOWN_KEYS_PER_MINUTE: u32 = 30;

/// The longest key looked up (an imported code may be as short as one
/// character).
const MOST_KEY_BYTES: usize = 64;

/// Answers every request to a link domain; the rest go on.
pub async fn on_link_domain(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(host) = host_of(&request) else {
        return next.run(request).await;
    };
    let tenant = match state.links.tenant_of_host(&host).await {
        Ok(Some(tenant)) => tenant,
        _ => return next.run(request).await,
    };
    let path = request.uri().path();
    if path == "/healthz" {
        return next.run(request).await;
    }
    let Some(key) = path.strip_prefix('/').filter(|k| !k.contains('/')) else {
        return no_link();
    };
    let key = key.to_owned();
    let asked = Asked::of(&state, &request);
    follow_key(&state, &tenant, &key, asked).await
}

/// `GET /l/{tenantId}/{key}`.
pub async fn follow(
    State(state): State<AppState>,
    Path((tenant_id, key)): Path<(String, String)>,
    request: Request,
) -> Response {
    let asked = Asked::of(&state, &request);
    follow_key(&state, &tenant_id, &key, asked).await
}

/// What a visit of a short link sent.
struct Asked {
    method: Method,
    query: Option<String>,
    user_agent: Option<String>,
    referer: Option<String>,
    address: Option<std::net::IpAddr>,
}

impl Asked {
    fn of(state: &AppState, request: &Request) -> Asked {
        let headers = request.headers();
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| *address);
        Asked {
            method: request.method().clone(),
            query: request.uri().query().map(str::to_owned),
            user_agent: text(header::USER_AGENT),
            referer: text(header::REFERER),
            address: state.client_address(peer, headers),
        }
    }
}

async fn follow_key(state: &AppState, tenant_id: &str, key: &str, asked: Asked) -> Response {
    let method = &asked.method;
    if method != Method::GET && method != Method::HEAD {
        return no_link();
    }
    if state.unknown_keys.spent(tenant_id, asked.address) {
        return probing();
    }
    let key = key.to_ascii_lowercase();
    let plausible = !key.is_empty()
        && key.len() <= MOST_KEY_BYTES
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !revshare_core::links::keys::reserved(&key);
    let link = match plausible {
        false => None,
        true => match state.links.live(tenant_id, &key).await {
            Ok(link) => link,
            Err(err) => return super::error_response(err),
        },
    };
    let Some(link) = link else {
        state.unknown_keys.allow(tenant_id, asked.address);
        return no_link();
    };
    let query = asked.query.as_deref();
    let user_agent = asked.user_agent.as_deref();
    let address = asked.address;
    let counted = method == Method::GET
        && !visit::agent(user_agent).is_bot()
        && state.anonymous_write(tenant_id, address);
    // Traffic its program ignores (SPEC §37) lands named by nothing, and
    // is counted as ignored only.
    let ignored = link.sources.judge(asked.referer.as_deref(), query);
    if let Some(reason) = ignored {
        let Some(landing) = target::ignored_url(&link, query) else {
            return no_link();
        };
        if counted {
            state.links.clicks().queue(Seen {
                link: link.clone(),
                click_id: revshare_core::input::new_id(),
                at: revshare_core::db::now(),
                address,
                user_agent: asked.user_agent.clone(),
                referer: asked.referer,
                qr: false,
                landing_url: landing.clone(),
                ignored: Some(reason),
            });
        }
        return redirect(landing);
    }
    if !counted {
        return target::redirect_url(&link, None, query).map_or_else(no_link, redirect);
    }
    let click_id = revshare_core::input::new_id();
    let Some(landing) = target::redirect_url(&link, Some(&click_id), query) else {
        return no_link();
    };
    let qr = query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .any(|(name, value)| name.eq_ignore_ascii_case("qr") && value == "1")
    });
    state.links.clicks().queue(Seen {
        link: link.clone(),
        click_id,
        at: revshare_core::db::now(),
        address,
        user_agent: asked.user_agent.clone(),
        referer: asked.referer,
        qr,
        landing_url: landing.clone(),
        ignored: None,
    });
    redirect(landing)
}

/// The request's host in lower case, without a port: the URI's (HTTP/2,
/// absolute form), else the `Host` header's.
fn host_of(request: &Request) -> Option<String> {
    let host = match request.uri().host() {
        Some(host) => host.to_owned(),
        None => {
            let value = request.headers().get(header::HOST)?.to_str().ok()?;
            let authority: axum::http::uri::Authority = value.parse().ok()?;
            authority.host().to_owned()
        }
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

fn redirect(target: String) -> Response {
    let Ok(target) = HeaderValue::from_str(&target) else {
        return no_link();
    };
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, target);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer-when-downgrade"),
    );
    response
}

/// The page of a key that leads nowhere: one answer for an unknown key,
/// an archived one and another tenant's.
const NO_LINK_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Link not found</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:4rem auto;\
max-width:32rem;padding:0 1rem;color:#1f2328}</style></head><body><main>\
<h1>This link leads nowhere</h1><p>It may have been mistyped, or its owner no longer uses it.</p>\
</main></body></html>\n";

/// A client past [`UNKNOWN_KEYS_PER_MINUTE`].
fn probing() -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        "Too many unknown links from this network: try again in a minute.\n",
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    super::request_log::tag(&mut response, "RATE_LIMITED");
    response
}

fn no_link() -> Response {
    let mut response = (StatusCode::NOT_FOUND, NO_LINK_PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    super::request_log::tag(&mut response, "NOT_FOUND");
    response
}

/// `GET /qr/{linkId}.png` or `.svg`: the link's short URL with `?qr=1`.
pub async fn qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let policy = match super::exports::caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let not_found = || super::error_response(ApiError::not_found("partner link"));
    let (id, svg) = match (file.strip_suffix(".png"), file.strip_suffix(".svg")) {
        (Some(id), _) => (id, false),
        (_, Some(id)) => (id, true),
        _ => return not_found(),
    };
    let look = match qr::Look::parse(&query) {
        Ok(look) => look,
        Err(err) => return super::error_response(err),
    };
    let conn = state.db.conn();
    // Whoever reads the link, by the access table (a partner token: its
    // own); to anyone else the id names nothing.
    let link = match revshare_core::links::manage::find(conn, policy.tenant_id(), id, None).await {
        Ok(link) => link,
        Err(_) => return not_found(),
    };
    let seen = revshare_core::auth::visible::Visible::new(&policy, link);
    let Some(link) = seen
        .as_ref()
        .and_then(|v| v.read(revshare_core::auth::access::Column::Row).ok())
        .cloned()
    else {
        return not_found();
    };
    let short = match (
        state.links.first_domain(policy.tenant_id()).await,
        &state.public_url,
    ) {
        (Some(host), _) => format!("https://{host}/{}", link.link_key),
        (None, Some(_)) => {
            state.public_url(&format!("/l/{}/{}", policy.tenant_id(), link.link_key))
        }
        // A bare path is no address a phone can open.
        (None, None) => {
            return super::error_response(ApiError::Conflict(
                "a QR code needs an address a phone can open: verify a link domain \
                 (verifyLinkDomain), or set REVSHARE_PUBLIC_URL"
                    .into(),
            ));
        }
    };
    let text = format!("{short}?qr=1");
    let (body, kind, name) = match svg {
        true => match qr::svg(&text, &look) {
            Ok(svg) => (svg.into_bytes(), "image/svg+xml", "svg"),
            Err(err) => return super::error_response(err),
        },
        false => match qr::png(&text, &look) {
            Ok(png) => (png, "image/png", "png"),
            Err(err) => return super::error_response(err),
        },
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("inline; filename=\"{}-qr.{name}\"", link.link_key))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

//! Cross-origin requests (SPEC §11): a frontend on its own origin calls the
//! API when its origin is allowed. `REVSHARE_CORS_ORIGINS` lists exact
//! origins (`https://portal.example.com`), or is `*` for any origin (never
//! with credentials: revshare's tokens travel in `Authorization`, not in
//! cookies); unset, no origin is allowed, except in development mode, where
//! loopback origins are (`http://localhost:*`, `http://127.0.0.1:*`,
//! `http://[::1]:*`).
//!
//! tower-http's `CorsLayer` answers preflights and adds the headers; a
//! preflight answers 204 (it has no content), and `Vary: Origin` tells
//! caches that answers differ by origin.

use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// How long a browser may keep a preflight's answer.
pub const MAX_AGE: Duration = Duration::from_secs(600);

/// Which origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    None,
    /// `http://localhost:*`, `http://127.0.0.1:*` and `http://[::1]:*`.
    Loopback,
    Any,
    List(Vec<String>),
}

impl Origins {
    /// `REVSHARE_CORS_ORIGINS`: `*`, or origins separated by commas, each
    /// `scheme://host[:port]` with nothing after it.
    pub fn parse(setting: &str) -> Result<Origins, String> {
        let setting = setting.trim();
        if setting == "*" {
            return Ok(Origins::Any);
        }
        let mut origins = Vec::new();
        for origin in setting.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (scheme, rest) = origin.split_once("://").ok_or_else(|| {
                format!("REVSHARE_CORS_ORIGINS: {origin} is not an origin such as https://portal.example.com")
            })?;
            let valid = matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if !valid {
                return Err(format!(
                    "REVSHARE_CORS_ORIGINS: {origin} is not an origin such as \
                     https://portal.example.com (a scheme and a host, no path)"
                ));
            }
            origins.push(origin.to_ascii_lowercase());
        }
        Ok(match origins.is_empty() {
            true => Origins::None,
            false => Origins::List(origins),
        })
    }

    /// The layer enforcing this policy.
    pub fn layer(&self) -> CorsLayer {
        let allow = match self {
            Origins::None => AllowOrigin::list(Vec::<HeaderValue>::new()),
            Origins::Any => AllowOrigin::any(),
            Origins::Loopback => AllowOrigin::predicate(|origin, _| is_loopback(origin)),
            Origins::List(list) => {
                AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
            }
        };
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            // Whatever the browser asks for (authorization, content-type,
            // apollo-require-preflight, …): the origin is what is checked.
            .allow_headers(AllowHeaders::mirror_request())
            .max_age(MAX_AGE)
    }
}

/// A development origin: http on a loopback host, any port.
fn is_loopback(origin: &HeaderValue) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = match rest.strip_prefix("[::1]") {
        Some(port) => return port.is_empty() || is_port(port),
        None => rest,
    };
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    matches!(name, "localhost" | "127.0.0.1") && (port.is_empty() || is_port(&format!(":{port}")))
}

fn is_port(text: &str) -> bool {
    text.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A preflight has no content: 204 rather than the layer's 200.
pub async fn preflight_no_content(request: Request<axum::body::Body>, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.run(request).await;
    if preflight && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact_or_any() {
        assert_eq!(Origins::parse("*"), Ok(Origins::Any));
        assert_eq!(Origins::parse(""), Ok(Origins::None));
        assert_eq!(
            Origins::parse("https://Portal.example.com, http://localhost:5173"),
            Ok(Origins::List(vec![
                "https://portal.example.com".into(),
                "http://localhost:5173".into()
            ]))
        );
        for refused in [
            "portal.example.com",
            "https://portal.example.com/",
            "ftp://x",
            "https://*.example.com",
            "https://a.example.com;script-src",
            "https://a.example.com\u{7f}",
        ] {
            assert!(Origins::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn loopback_means_http_on_a_loopback_host() {
        let check = |o: &str| is_loopback(&HeaderValue::from_str(o).unwrap());
        for allowed in [
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "http://localhost",
        ] {
            assert!(check(allowed), "{allowed}");
        }
        for refused in [
            "https://localhost.evil.com",
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io:80",
            "http://10.0.0.1:80",
            "http://localhost:80/x",
            "null",
        ] {
            assert!(!check(refused), "{refused}");
        }
    }
}

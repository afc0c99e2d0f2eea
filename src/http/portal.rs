//! The partner portal (SPEC §18), served whole by revshare: a small app of
//! ES modules (`assets/portal/`: the portal's own code, Preact and htm
//! vendored by `scripts/vendor-portal.sh`), embedded in the binary and
//! talking to `/graphql` with the partner's token like any other client.
//!
//! - `GET /portal/` is one document for every page (pages are addressed by
//!   the fragment, so a sign-in code in `#code=…` never reaches a log or a
//!   `Referer`). Its `Content-Security-Policy` is GraphiQL's: `'self'`
//!   only, no inline script or style; the one difference is
//!   `frame-ancestors`, which names the origins `REVSHARE_CORS_ORIGINS`
//!   lists, so a brand's own app may frame the portal with an embed token
//!   (`'none'` otherwise).
//! - Its files live under `/portal/{version}/{name}`, `version` the hash of
//!   every file together: the modules import each other by relative paths,
//!   and a new build is a new directory, cached for a year. Each file is
//!   gzipped once, when first asked for, and sent so to browsers that
//!   accept it.

use super::cors::Origins;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::io::Write;
use std::sync::LazyLock;

/// An embedded file of the portal.
pub struct Asset {
    pub name: &'static str,
    content_type: &'static str,
    pub body: &'static [u8],
    pub gzip: Bytes,
}

macro_rules! portal_file {
    ($name:literal, $type:expr) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../../assets/portal/", $name)).as_slice(),
        )
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file, modules in the order the page preloads them.
pub static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let files = [
        portal_file!("app.js", JS),
        portal_file!("lib.js", JS),
        portal_file!("preact.mjs", JS),
        portal_file!("hooks.mjs", JS),
        portal_file!("htm.mjs", JS),
        portal_file!("api.js", JS),
        portal_file!("format.js", JS),
        portal_file!("ui.js", JS),
        portal_file!("page-overview.js", JS),
        portal_file!("page-commissions.js", JS),
        portal_file!("page-payouts.js", JS),
        portal_file!("page-codes.js", JS),
        portal_file!("page-campaigns.js", JS),
        portal_file!("page-deals.js", JS),
        portal_file!("page-payment.js", JS),
        portal_file!("page-postbacks.js", JS),
        portal_file!("join.js", JS),
        portal_file!("portal.css", "text/css; charset=utf-8"),
        portal_file!("favicon.svg", "image/svg+xml"),
        portal_file!("THIRD-PARTY-LICENSES.txt", "text/plain; charset=utf-8"),
    ];
    files
        .into_iter()
        .map(|(name, content_type, body)| Asset {
            name,
            content_type,
            body,
            gzip: Bytes::from(gzip(body)),
        })
        .collect()
});

/// The version every file is served under: their names and contents hashed
/// together (FNV-1a: a cache key, not a security measure).
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for asset in ASSETS.iter() {
        for byte in asset.name.bytes().chain(asset.body.iter().copied()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
});

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

fn url(name: &str) -> String {
    format!("/portal/{}/{name}", VERSION.as_str())
}

/// Where one of the portal's files is served (the join page uses them).
pub fn asset_url(name: &str) -> String {
    url(name)
}

/// `GET /portal`: the document lives at `/portal/`.
pub async fn bare() -> Redirect {
    Redirect::permanent("/portal/")
}

/// The portal's document.
pub fn page(frame_ancestors: &Origins) -> Response {
    let preloads: String = ASSETS
        .iter()
        .filter(|a| a.content_type == JS && a.name != "app.js" && a.name != "join.js")
        .map(|a| format!("<link rel=\"modulepreload\" href=\"{}\">\n", url(a.name)))
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Partner portal</title>\n\
         <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n{preloads}\
         <script type=\"module\" src=\"{app}\"></script>\n\
         </head>\n<body>\n<div id=\"portal\"><p class=\"loading\">Loading the partner portal…</p></div>\n\
         <noscript><p>The partner portal needs JavaScript.</p></noscript>\n\
         </body>\n</html>\n",
        favicon = url("favicon.svg"),
        css = url("portal.css"),
        app = url("app.js"),
    );
    let framers = match frame_ancestors {
        Origins::List(origins) if !origins.is_empty() => origins.join(" "),
        _ => "'none'".to_owned(),
    };
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {framers}"
    );
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response();
    // Origins are checked when read (host characters only); should one
    // still not make a header, no page is framed rather than none guarded.
    let policy = HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        )
    });
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

/// `GET /portal/{version}/{name}`: a file of this build, gzipped when the
/// browser accepts it, cached for a year.
pub async fn asset(Path((version, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let found = ASSETS.iter().find(|a| a.name == name);
    let Some(asset) = found.filter(|_| version == *VERSION) else {
        return super::error_body(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such file: the portal's page names its files",
        );
    };
    super::files::immutable(
        &headers,
        asset.content_type,
        asset.body,
        Some(asset.gzip.clone()),
    )
}

/// Bytes a browser downloads for the portal: each file gzipped.
pub fn compressed_bytes() -> usize {
    ASSETS.iter().map(|a| a.gzip.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_app_imports_is_served() {
        for asset in ASSETS.iter().filter(|a| a.content_type == JS) {
            let text = std::str::from_utf8(asset.body).unwrap();
            for part in text.split("from").skip(1) {
                let quoted = part.trim_start();
                let Some(rest) = quoted.strip_prefix(['\'', '"']) else {
                    continue;
                };
                let target = rest.split(['\'', '"']).next().unwrap_or_default();
                if let Some(name) = target.strip_prefix("./") {
                    assert!(
                        ASSETS.iter().any(|a| a.name == name),
                        "{} imports {name}, which is not embedded",
                        asset.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_portal_stays_under_its_budget() {
        // SPEC §18: under 300 KiB compressed.
        assert!(compressed_bytes() < 300 * 1024, "{}", compressed_bytes());
    }
}

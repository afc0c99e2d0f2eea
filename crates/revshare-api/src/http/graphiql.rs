//! GraphiQL, served whole by revshare (SPEC §11): its assets are embedded
//! in the binary from pinned npm releases (`assets/graphiql/`,
//! `scripts/vendor-graphiql.sh`: GraphiQL 4.1's UMD build, React 18's
//! production builds, their licences), so the page works with no internet
//! and loads nothing from another origin.
//!
//! - The page is a little HTML: the stylesheet, four scripts of revshare's
//!   origin (React, ReactDOM, GraphiQL, and `graphiql-init.js`, which starts
//!   it), and a JSON data block with its settings. Its
//!   `Content-Security-Policy` allows `'self'` only: no inline script at
//!   all; styles from `'self'` and, with the page's nonce, the one `<style>`
//!   element a dialog adds; fonts and images from `'self'` and the `data:`
//!   URLs the stylesheet carries. The token is on the page only in
//!   development mode, which runs on loopback addresses only.
//! - Assets live under `/assets/{hash}/{name}`, the hash of their content, so
//!   they are cached for a year (`immutable`); each is stored once, with
//!   its gzip form beside it for browsers that accept it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

/// An embedded file.
pub struct Asset {
    pub name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    gzip: Option<&'static [u8]>,
    /// The first 16 hex digits of the content's hash: its URL's version.
    hash: String,
}

macro_rules! vendored {
    ($name:literal, $type:literal) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../../../../assets/graphiql/", $name)).as_slice(),
            Some(include_bytes!(concat!("../../../../assets/graphiql/", $name, ".gz")).as_slice()),
        )
    };
}

/// A file's name, media type, content and gzipped content.
type File = (
    &'static str,
    &'static str,
    &'static [u8],
    Option<&'static [u8]>,
);

/// Every file the page uses, in the order the page loads them.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let files: [File; 7] = [
        vendored!("graphiql.min.css", "text/css; charset=utf-8"),
        vendored!("react.production.min.js", "text/javascript; charset=utf-8"),
        vendored!(
            "react-dom.production.min.js",
            "text/javascript; charset=utf-8"
        ),
        vendored!("graphiql.min.js", "text/javascript; charset=utf-8"),
        (
            "graphiql-init.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../../../assets/graphiql/graphiql-init.js"),
            None,
        ),
        (
            "THIRD-PARTY-LICENSES.txt",
            "text/plain; charset=utf-8",
            include_bytes!("../../../../assets/graphiql/THIRD-PARTY-LICENSES.txt"),
            None,
        ),
        ("favicon.svg", "image/svg+xml", FAVICON.as_bytes(), None),
    ];
    files
        .into_iter()
        .map(|(name, content_type, body, gzip)| Asset {
            name,
            content_type,
            body,
            gzip,
            hash: hash(body),
        })
        .collect()
});

/// A mark of revshare's own, so the browser asks no one else for one.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#e10098\"/></svg>";

/// FNV-1a over the content: a version for the URL, not a security measure.
fn hash(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn url(name: &str) -> String {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .expect("an embedded asset");
    format!("/assets/{}/{}", asset.hash, asset.name)
}

/// The page's settings, read by `graphiql-init.js`.
#[derive(serde::Serialize)]
struct Settings<'a> {
    endpoint: &'a str,
    token: Option<&'a str>,
    subscriptions: bool,
    nonce: &'a str,
    /// What the editor holds the first time the page is opened.
    query: &'a str,
}

/// The editor's first query: who the token is, and a page of partners.
const FIRST_QUERY: &str = "# revshare: run with the ▶ button (Ctrl-Enter).\n\
# The token goes in the Headers tab, as an Authorization header.\n\
query Start {\n  viewer { role tenantId scopes }\n  partners(first: 10) {\n    totalCount\n    nodes { name type group { name } }\n  }\n}\n";

/// The GraphiQL page: the same HTML for everyone but the nonce (and, in
/// development mode, the token).
pub fn page(token: Option<&str>) -> Response {
    let nonce = nonce();
    let settings = Settings {
        endpoint: "/graphql",
        token,
        subscriptions: true,
        nonce: &nonce,
        query: FIRST_QUERY,
    };
    // A JSON data block is not a script: `</` is escaped so it cannot end
    // the element.
    let settings = serde_json::to_string(&settings)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>revshare · GraphiQL</title>\n\
         <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n\
         <style nonce=\"{nonce}\">html, body, #graphiql {{ height: 100%; margin: 0; }}</style>\n\
         </head>\n<body>\n<div id=\"graphiql\">Loading…</div>\n\
         <script type=\"application/json\" id=\"revshare-graphiql\">{settings}</script>\n\
         <script src=\"{react}\"></script>\n<script src=\"{react_dom}\"></script>\n\
         <script src=\"{graphiql}\"></script>\n<script src=\"{init}\"></script>\n\
         </body>\n</html>\n",
        favicon = url("favicon.svg"),
        css = url("graphiql.min.css"),
        react = url("react.production.min.js"),
        react_dom = url("react-dom.production.min.js"),
        graphiql = url("graphiql.min.js"),
        init = url("graphiql-init.js"),
    );
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
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
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A fresh nonce per page.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: a fixed value only weakens the style nonce.
        return "revshare".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /assets/{hash}/{name}`: an embedded file, gzipped when the browser
/// accepts it, cached for a year under a URL that changes with its content.
pub async fn asset(
    Path((hash, name)): Path<(String, String)>,
    headers: HeaderMap,
    _: State<super::AppState>,
) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name && a.hash == hash) else {
        return super::error_body(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such asset: the page names its assets",
        );
    };
    super::files::immutable(
        &headers,
        asset.content_type,
        asset.body,
        asset.gzip.map(Bytes::from_static),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_embedded_once() {
        let body = page(None);
        assert_eq!(body.status(), StatusCode::OK);
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        for asset in ASSETS.iter() {
            assert_eq!(asset.hash.len(), 16);
            assert!(!asset.body.is_empty());
        }
    }
}

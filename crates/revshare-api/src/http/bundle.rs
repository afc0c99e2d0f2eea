//! The web apps revshare serves whole — the partner portal (`/portal/`,
//! SPEC §18) and the brand's console (`/admin/`, SPEC §24): each a bundle
//! of ES modules embedded in the binary and one document for every page.
//!
//! - A bundle's files are its own (`assets/portal/`, `assets/admin/`) and
//!   the ones every app shares (`assets/shared/`: Preact and htm, vendored
//!   by `scripts/vendor-portal.sh`, the component set, the formats and the
//!   stylesheet). Shared files are served in each bundle's directory, so
//!   modules import each other by relative paths: `ui.js` imports
//!   `./api.js`, which is each app's own way to the server.
//! - Files live under `/{app}/{version}/{name}`, `version` the hash of the
//!   bundle's files together: a new build is a new directory, cached for a
//!   year. Each file is gzipped once, when the bundle is first asked for.
//! - The document is served for every page (pages are addressed by the
//!   fragment, so a sign-in code in `#code=…` never reaches a log or a
//!   `Referer`), under GraphiQL's `Content-Security-Policy`: `'self'`
//!   only, no inline script or style.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;

/// An embedded file.
pub struct Asset {
    pub name: &'static str,
    content_type: &'static str,
    pub body: &'static [u8],
    pub gzip: Bytes,
}

/// A file to embed: its name, type and bytes.
pub type File = (&'static str, &'static str, &'static [u8]);

/// One of `assets/{dir}/`'s files, embedded.
macro_rules! file {
    ($dir:literal, $name:literal, $type:expr) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../../../../assets/", $dir, "/", $name)).as_slice(),
        )
    };
}
pub(crate) use file;

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";
pub const SVG: &str = "image/svg+xml";
pub const TEXT: &str = "text/plain; charset=utf-8";

/// What every app shares: the libraries and their licences, the
/// component set, the formats and the stylesheet.
pub fn shared() -> Vec<File> {
    vec![
        file!("shared", "lib.js", JS),
        file!("shared", "client.js", JS),
        file!("shared", "preact.mjs", JS),
        file!("shared", "hooks.mjs", JS),
        file!("shared", "htm.mjs", JS),
        file!("shared", "format.js", JS),
        file!("shared", "ui.js", JS),
        file!("shared", "ui.css", CSS),
        file!("shared", "THIRD-PARTY-LICENSES.txt", TEXT),
    ]
}

/// An app's files and the version they are served under.
pub struct Bundle {
    /// The path the app lives under: `/portal`, `/admin`.
    pub root: &'static str,
    pub assets: Vec<Asset>,
    version: String,
}

impl Bundle {
    /// The app at `root` made of `files`, the entry module first.
    pub fn new(root: &'static str, files: Vec<File>) -> Bundle {
        let assets: Vec<Asset> = files
            .into_iter()
            .map(|(name, content_type, body)| Asset {
                name,
                content_type,
                body,
                gzip: Bytes::from(gzip(body)),
            })
            .collect();
        // The names and contents hashed together (FNV-1a: a cache key, not
        // a security measure).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for asset in &assets {
            for byte in asset.name.bytes().chain(asset.body.iter().copied()) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Bundle {
            root,
            assets,
            version: format!("{hash:016x}"),
        }
    }

    /// Where one of the files is served.
    pub fn url(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.root, self.version)
    }

    /// `GET {root}/{version}/{name}`: a file of this build, gzipped when
    /// the browser accepts it, cached for a year.
    pub fn asset(&self, version: &str, name: &str, headers: &HeaderMap) -> Response {
        let found = self.assets.iter().find(|a| a.name == name);
        let Some(asset) = found.filter(|_| version == self.version) else {
            return super::error_body(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such file: the app's page names its files",
            );
        };
        super::files::immutable(
            headers,
            asset.content_type,
            asset.body,
            Some(asset.gzip.clone()),
        )
    }

    /// Bytes a browser downloads for the app: each file gzipped.
    pub fn compressed_bytes(&self) -> usize {
        self.assets.iter().map(|a| a.gzip.len()).sum()
    }

    /// The app's document: `title` and the application's name, the
    /// stylesheets, the entry module with every other module preloaded, a
    /// placeholder until it runs, framed only by `framers` (`'none'`).
    pub fn document(&self, page: &Document<'_>) -> Response {
        let preloads: String = self
            .assets
            .iter()
            .filter(|a| {
                a.content_type == JS && a.name != page.entry && !page.skip.contains(&a.name)
            })
            .map(|a| {
                format!(
                    "<link rel=\"modulepreload\" href=\"{}\">\n",
                    self.url(a.name)
                )
            })
            .collect();
        let styles: String = page
            .styles
            .iter()
            .map(|name| format!("<link rel=\"stylesheet\" href=\"{}\">\n", self.url(name)))
            .collect();
        let html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"application-name\" content=\"{name}\">\n\
             <title>{name}</title>\n\
             <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\n\
             {styles}{preloads}\
             <script type=\"module\" src=\"{app}\"></script>\n\
             </head>\n<body>\n<div id=\"{id}\"><p class=\"loading\">Loading the {lower}…</p></div>\n\
             <noscript><p>The {lower} needs JavaScript.</p></noscript>\n\
             </body>\n</html>\n",
            name = page.name,
            lower = page.name.to_lowercase(),
            id = page.element,
            favicon = self.url("favicon.svg"),
            app = self.url(page.entry),
        );
        let policy = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors {}",
            page.framers
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
        // still not make a header, no page is framed rather than none
        // guarded.
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
}

/// What an app's document holds.
pub struct Document<'a> {
    /// The application's name: the page's title until a page names itself.
    pub name: &'a str,
    /// The element the app renders into.
    pub element: &'a str,
    /// The entry module.
    pub entry: &'a str,
    /// Modules not preloaded (another page's entry).
    pub skip: &'a [&'a str],
    /// Stylesheets, in order.
    pub styles: &'a [&'a str],
    /// `frame-ancestors`: origins, or `'none'`.
    pub framers: &'a str,
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module a bundle's module imports by a relative path is in the
    /// bundle.
    pub(crate) fn imports_are_served(bundle: &Bundle) {
        for asset in bundle.assets.iter().filter(|a| a.content_type == JS) {
            let text = std::str::from_utf8(asset.body).unwrap();
            for part in text.split("from").skip(1) {
                let quoted = part.trim_start();
                let Some(rest) = quoted.strip_prefix(['\'', '"']) else {
                    continue;
                };
                let target = rest.split(['\'', '"']).next().unwrap_or_default();
                if let Some(name) = target.strip_prefix("./") {
                    assert!(
                        bundle.assets.iter().any(|a| a.name == name),
                        "{}{} imports {name}, which is not embedded",
                        bundle.root,
                        asset.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_module_an_app_imports_is_served() {
        imports_are_served(&super::super::portal::PORTAL);
        imports_are_served(&super::super::admin::CONSOLE);
    }

    #[test]
    fn the_apps_stay_under_their_budgets() {
        // SPEC §18: the portal under 300 KiB compressed; §24: the console
        // under 150 KiB.
        let portal = super::super::portal::PORTAL.compressed_bytes();
        assert!(portal < 300 * 1024, "{portal}");
        let console = super::super::admin::CONSOLE.compressed_bytes();
        assert!(console < 150 * 1024, "{console}");
    }
}

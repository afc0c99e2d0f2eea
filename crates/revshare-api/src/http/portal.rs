//! The partner portal (SPEC §18), served whole by revshare: a small app of
//! ES modules (`assets/portal/`, beside what every app shares in
//! `assets/shared/`; see [`super::bundle`]), embedded in the binary and
//! talking to `/graphql` with the partner's token like any other client.
//!
//! `GET /portal/` is one document for every page. Its
//! `Content-Security-Policy` is GraphiQL's: `'self'` only, no inline script
//! or style; the one difference is `frame-ancestors`, which names the
//! origins `REVSHARE_CORS_ORIGINS` lists, so a brand's own app may frame
//! the portal with an embed token (`'none'` otherwise).

use super::bundle::{self, Bundle, Document, JS, SVG, file};
use super::cors::Origins;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use std::sync::LazyLock;

/// The portal's files: its own, then the shared ones.
pub static PORTAL: LazyLock<Bundle> = LazyLock::new(|| {
    let mut files = vec![
        file!("portal", "app.js", JS),
        file!("portal", "api.js", JS),
        file!("portal", "zone.js", JS),
        file!("portal", "words.js", JS),
        file!("portal", "words-en.js", JS),
        file!("portal", "words-de.js", JS),
        file!("portal", "words-fr.js", JS),
        file!("portal", "words-es.js", JS),
        file!("portal", "words-it.js", JS),
        file!("portal", "words-nl.js", JS),
        file!("portal", "page-overview.js", JS),
        file!("portal", "page-commissions.js", JS),
        file!("portal", "page-payouts.js", JS),
        file!("portal", "page-links.js", JS),
        file!("portal", "page-referrals.js", JS),
        file!("portal", "page-bounties.js", JS),
        file!("portal", "page-resources.js", JS),
        file!("portal", "page-codes.js", JS),
        file!("portal", "page-campaigns.js", JS),
        file!("portal", "page-deals.js", JS),
        file!("portal", "page-payment.js", JS),
        file!("portal", "page-invoices.js", JS),
        file!("portal", "page-postbacks.js", JS),
        file!("portal", "page-messages.js", JS),
        file!("portal", "banner.js", JS),
        file!("portal", "join.js", JS),
        file!("portal", "favicon.svg", SVG),
    ];
    files.extend(bundle::shared());
    Bundle::new("/portal", files)
});

/// Where one of the portal's files is served (the join page uses them).
pub fn asset_url(name: &str) -> String {
    PORTAL.url(name)
}

/// `GET /portal`: the document lives at `/portal/`.
pub async fn bare() -> Redirect {
    Redirect::permanent("/portal/")
}

/// The portal's document.
pub fn page(frame_ancestors: &Origins) -> Response {
    let framers = match frame_ancestors {
        Origins::List(origins) if !origins.is_empty() => origins.join(" "),
        _ => "'none'".to_owned(),
    };
    PORTAL.document(&Document {
        name: "Partner portal",
        element: "portal",
        entry: "app.js",
        skip: &["join.js"],
        styles: &["ui.css"],
        framers: &framers,
    })
}

/// `GET /portal/{version}/{name}`: a file of this build.
pub async fn asset(Path((version, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    PORTAL.asset(&version, &name, &headers)
}

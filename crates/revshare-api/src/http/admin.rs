//! The brand's console (SPEC §24) at `/admin/`: the staff's app, a client
//! of the same GraphQL API as any other, built as the portal is
//! ([`super::bundle`]: `assets/admin/` beside the shared files). Its
//! document may not be framed.

use super::bundle::{self, Bundle, CSS, Document, JS, SVG, file};
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use std::sync::LazyLock;

/// The console's files: its own, then the shared ones.
pub static CONSOLE: LazyLock<Bundle> = LazyLock::new(|| {
    let mut files = vec![
        file!("admin", "app.js", JS),
        file!("admin", "api.js", JS),
        file!("admin", "parts.js", JS),
        file!("admin", "page-overview.js", JS),
        file!("admin", "page-partners.js", JS),
        file!("admin", "page-partner.js", JS),
        file!("admin", "page-applications.js", JS),
        file!("admin", "page-fraud.js", JS),
        file!("admin", "page-bounties.js", JS),
        file!("admin", "page-retainers.js", JS),
        file!("admin", "page-announcements.js", JS),
        file!("admin", "page-resources.js", JS),
        file!("admin", "page-commissions.js", JS),
        file!("admin", "page-payouts.js", JS),
        file!("admin", "page-groups.js", JS),
        file!("admin", "conditions.js", JS),
        file!("admin", "page-campaigns.js", JS),
        file!("admin", "page-backtest.js", JS),
        file!("admin", "page-events.js", JS),
        file!("admin", "page-connectors.js", JS),
        file!("admin", "page-imports.js", JS),
        file!("admin", "page-tax.js", JS),
        file!("admin", "page-settings.js", JS),
        file!("admin", "page-activity.js", JS),
        file!("admin", "messages.js", JS),
        file!("admin", "page-inbox.js", JS),
        file!("admin", "page-broadcasts.js", JS),
        file!("admin", "broadcast-form.js", JS),
        file!("admin", "page-workflows.js", JS),
        file!("admin", "workflow-form.js", JS),
        file!("admin", "console.css", CSS),
        file!("admin", "favicon.svg", SVG),
    ];
    files.extend(bundle::shared());
    Bundle::new("/admin", files)
});

/// `GET /admin`: the document lives at `/admin/`.
pub async fn bare() -> Redirect {
    Redirect::permanent("/admin/")
}

/// The console's document (never framed).
pub async fn page() -> Response {
    CONSOLE.document(&Document {
        name: "Console",
        element: "console",
        entry: "app.js",
        skip: &[],
        styles: &["ui.css", "console.css"],
        framers: "'none'",
    })
}

/// `GET /admin/{version}/{name}`: a file of this build.
pub async fn asset(Path((version, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    CONSOLE.asset(&version, &name, &headers)
}

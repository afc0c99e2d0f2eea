//! The partner portal as the area tests enter it.

use crate::helpers::TestApp;
use revshare::http::Options;
use revshare::http::cors::Origins;
use serde_json::json;

pub(crate) const LINK: &str = "mutation($p: ID!, $ttl: Int) { createPartnerPortalLink(partnerId: $p, ttlMinutes: $ttl) { url expiresAt } }";

/// A sign-in link's code, made by staff.
pub(crate) async fn portal_code(app: &TestApp, partner: &str) -> String {
    let data = app
        .ok(
            &app.service("partners:write"),
            LINK,
            json!({ "p": partner }),
        )
        .await;
    let url = data["createPartnerPortalLink"]["url"].as_str().unwrap();
    // `/portal/#code=…&tenant=…&lang=…`: the code alone.
    url.strip_prefix("/portal/#code=")
        .expect("a portal path")
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) fn with_origins() -> Options {
    Options {
        cors: Origins::parse("https://brand.example").unwrap(),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

//! Partner links as the area tests visit them.

use crate::helpers::{TENANT, TestApp};
use crate::support::partners::partner_at;
use serde_json::json;

/// A visit of `path` on `host`: the status, `Location` and body.
pub async fn visit_on(
    app: &TestApp,
    host: &str,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method, app.url(path)).header("host", host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap_or_default())
}

/// Jane's link `jane`, to the default group's destination.
pub(crate) async fn janes_link(app: &TestApp) -> String {
    let admin = app.admin();
    let jane = partner_at(app, "Jane", 10).await;
    let groups = app
        .ok(&admin, "{ partnerGroups { nodes { id } } }", json!({}))
        .await;
    for group in groups["partnerGroups"]["nodes"].as_array().unwrap() {
        app.ok(
            &admin,
            "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { links: { destination: \"https://acme.example/\" } }) { id } }",
            json!({ "id": group["id"] }),
        )
        .await;
    }
    app.ok(
        &admin,
        CREATE,
        json!({ "input": { "partnerId": jane, "key": "jane" } }),
    )
    .await;
    jane
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Visitor `i` follows `jane` on `base`: the click id it was handed.
pub(crate) async fn visit(client: &reqwest::Client, base: &str, i: usize) -> String {
    let response = client
        .get(format!("{base}/l/{TENANT}/jane"))
        .header(
            "user-agent",
            format!("Mozilla/5.0 (X11; Linux x86_64) Firefox/{i}.0"),
        )
        .header(
            "x-forwarded-for",
            format!("198.51.{}.{}", i / 200, i % 200 + 1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "click")
        .map(|(_, value)| value.into_owned())
        .expect("a click id")
}

pub(crate) const CREATE: &str = "mutation($input: CreatePartnerLinkInput!) { createPartnerLink(input: $input) { id key shortUrl url clicks archivedAt partner { name } } }";

//! The domain event log as the area tests read it.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const EVENTS: &str = "query($types: [DomainEventType!], $partnerId: ID, $first: Int, $after: String) { \
    domainEvents(types: $types, partnerId: $partnerId, first: $first, after: $after) { \
    pageInfo { hasNextPage endCursor } nodes { id type subjectId data partner { id } } } }";

/// The events `token` lists, as `(type, subjectId, data)`.
pub(crate) async fn listed(
    app: &TestApp,
    token: &str,
    variables: Value,
) -> Vec<(String, String, Value)> {
    // A page shorter than asked for that says more follows stopped at an
    // event not final yet: a transaction older than it still runs, in any
    // database of the server (other tests'). Read again, as a client
    // following the log does, until the page is final.
    let first = variables["first"].as_u64().unwrap_or(50) as usize;
    let within = std::time::Duration::from_secs(30);
    let look = async || app.ok(token, EVENTS, variables.clone()).await;
    let data = crate::support::wait::last_of(within, look, |data: &Value| {
        let page = &data["domainEvents"];
        let short = page["nodes"].as_array().unwrap().len() < first;
        !(short && page["pageInfo"]["hasNextPage"] == true)
    })
    .await;
    data["domainEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["subjectId"].as_str().unwrap().to_owned(),
                e["data"].clone(),
            )
        })
        .collect()
}

/// The subjects of every event the admin lists, page after page.
pub(crate) async fn all_subjects(app: &TestApp) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .ok(
                &app.admin(),
                EVENTS,
                json!({ "first": 100, "after": after }),
            )
            .await;
        let page = &data["domainEvents"];
        for node in page["nodes"].as_array().unwrap() {
            seen.push(node["subjectId"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            return seen;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

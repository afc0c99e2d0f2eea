//! An import started through the API, waited for to its end.

use super::wait;
use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::time::Duration;

/// Starts an import.
pub const START: &str =
    "mutation($input: StartImportInput!) { startImport(input: $input) { id status dryRun } }";

/// An import as the tests read it.
pub const IMPORT: &str = "query($id: ID!) { import(id: $id) { status progress error dryRun
    counts { partners codes customers commissions skipped unchanged requests }
    problems(first: 50) { totalCount nodes { entity externalId reason } } } }";

/// The import `id` once it is no longer `RUNNING` (within `within`),
/// calling `meanwhile` between looks; as `query` reads it.
pub async fn ended_as(
    app: &TestApp,
    query: &str,
    id: &str,
    within: Duration,
    mut meanwhile: impl AsyncFnMut(),
) -> Value {
    let admin = app.admin();
    let what = format!("the import {id} ends");
    wait::until_some(&what, within, async || {
        let now = app.ok(&admin, query, json!({ "id": id })).await["import"].clone();
        if now["status"] != "RUNNING" {
            return Some(now);
        }
        meanwhile().await;
        None
    })
    .await
}

/// The import `id` once it ended (within a minute), read whole.
pub async fn ended(app: &TestApp, id: &str) -> Value {
    ended_as(app, IMPORT, id, Duration::from_secs(60), async || {}).await
}

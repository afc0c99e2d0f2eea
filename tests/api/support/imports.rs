//! An import started through the API, waited for to its end, and the
//! app's options for imports (a local source, credentials sealed).

use super::wait;
use crate::helpers::TestApp;
use crate::support::sources::SECRET;
use revshare::http::Options;
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

/// Imports read a local server (a private address) and seal credentials.
pub(crate) fn options() -> Options {
    let mut options = crate::support::receiver::loopback();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options
}

/// The data key the test app and a replica process share, so either opens
/// an import's sealed credentials.
pub(crate) const DATA_KEY: &str = "c2VjcmV0LWRhdGEta2V5LWZvci10aGUtdGVzdHMtMzI=";

/// [`options`] with [`DATA_KEY`].
pub(crate) fn keyed() -> Options {
    let mut options = options();
    options.data_key = Some(revshare::payouts::seal::DataKey::from_base64(DATA_KEY).unwrap());
    options
}

/// Starts an import from `base` and waits for it to end: the import.
pub(crate) async fn import(app: &TestApp, base: &str, dry_run: bool) -> Value {
    let started = app
        .ok(&app.admin(), START, json!({ "input": {
            "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base }, "dryRun": dry_run } }))
        .await;
    assert_eq!(started["startImport"]["status"], "RUNNING");
    let id = started["startImport"]["id"].as_str().unwrap().to_owned();
    crate::support::imports::ended(app, &id).await
}

/// Starts an import of `source` with `credentials` and waits for its end.
pub(crate) async fn import_from(app: &TestApp, source: &str, credentials: Value) -> Value {
    let started = app
        .ok(
            &app.admin(),
            START,
            json!({ "input": { "source": source, "credentials": credentials } }),
        )
        .await;
    let id = started["startImport"]["id"].as_str().unwrap().to_owned();
    crate::support::imports::ended(app, &id).await
}

/// Starts an import of `source` with `credentials`: its id.
pub(crate) async fn start(app: &TestApp, source: &str, credentials: Value) -> String {
    let started = app
        .ok(
            &app.admin(),
            START,
            json!({ "input": { "source": source, "credentials": credentials } }),
        )
        .await;
    started["startImport"]["id"].as_str().unwrap().to_owned()
}

/// Waits (up to 90 s) for an import to end, calling `meanwhile` between
/// looks: the import.
pub(crate) async fn ended_meanwhile(
    app: &TestApp,
    id: &str,
    meanwhile: impl AsyncFnMut(),
) -> Value {
    let within = Duration::from_secs(90);
    crate::support::imports::ended_as(app, IMPORT, id, within, meanwhile).await
}

//! What the switch tests (`switch_*`, issue 87) read the same way: an
//! import's problems, the default group and campaign, the groups it made,
//! a year's payees.

use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// An import's problems, as (entity, external id, reason).
pub fn problems(done: &Value) -> BTreeSet<(String, String, String)> {
    done["problems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (s("entity"), s("externalId"), s("reason"))
        })
        .collect()
}

/// Problems as a test writes them.
pub fn expected(rows: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

/// The id of the tenant's default of `list` (`partnerGroups`, `campaigns`).
pub async fn default_of(app: &TestApp, list: &str) -> Value {
    let read = app
        .ok(
            &app.admin(),
            &format!("{{ {list}(first: 10) {{ nodes {{ id isDefault }} }} }}"),
            json!({}),
        )
        .await;
    read[list]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isDefault"] == true)
        .unwrap()["id"]
        .clone()
}

/// The groups an import made (not the default), by name, as `fields` of
/// `partnerGroups` read them.
pub async fn imported_groups(app: &TestApp, fields: &str) -> Vec<Value> {
    let query = format!("{{ partnerGroups(first: 10) {{ nodes {{ name isDefault {fields} }} }} }}");
    let read = app.ok(&app.admin(), &query, json!({})).await;
    let mut groups: Vec<Value> = read["partnerGroups"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["isDefault"] == false)
        .cloned()
        .collect();
    groups.sort_by_key(|g| g["name"].as_str().unwrap().to_owned());
    groups
}

/// A year's payees, as `fields` of each read them.
pub async fn payees(app: &TestApp, year: i32, fields: &str) -> Value {
    let query = format!(
        "query($year: Int!) {{ taxYear(year: $year) {{ payees(first: 10) {{ nodes {{ partners {{ name }} {fields} }} }} }} }}"
    );
    app.ok(&app.admin(), &query, json!({ "year": year })).await["taxYear"]["payees"]["nodes"]
        .clone()
}

/// A list of JSON objects in the order of `key`'s text in each.
pub fn sorted_by(list: &Value, key: impl Fn(&Value) -> &Value) -> Vec<Value> {
    let mut rows = list.as_array().unwrap().clone();
    rows.sort_by_key(|r| key(r).as_str().unwrap_or_default().to_owned());
    rows
}

/// The tenant keeps its books in Los Angeles: New Year's Eve there is New
/// Year's Day in UTC, where a paid date's year is decided wrong.
pub async fn in_los_angeles(app: &TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
}

/// Today in the programs' time zone (America/Los_Angeles), as a payout
/// run's `periodEnd` is checked: UTC's date runs a day ahead of it for
/// eight hours of every day.
pub(crate) fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Los_Angeles)
        .format("%Y-%m-%d")
        .to_string()
}

//! The lists clients read most, their statements counted and their answers
//! exact, forward and backward: a page, then one statement per relation its
//! selection asks for (the same for 5 items and 50: the nested-read tests of
//! `ledger`, `partners` and `deal_ledger`; docs/BENCHMARKS.md, "Reads in one
//! statement per page", for why relations are not joined into the page's
//! statement).

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::support::ledger::ledger_of;
use serde_json::{Value, json};

on_both_databases!(
    the_partners_list_with_groups_and_balances_is_three_statements,
    a_page_with_a_list_of_children_keeps_its_size_and_order,
    the_portal_commissions_page_is_four_statements,
    a_backward_ledger_page_with_its_relations_is_five_statements,
);

/// The statements `query` ran for `token`, and its data (after a first
/// request, which warms what every request shares).
async fn counted(app: &TestApp, token: &str, query: &str, variables: Value) -> (usize, Value) {
    app.ok(token, "{ viewer { tenantId } }", json!({})).await;
    let before = app.statements();
    let data = app.ok(token, query, variables).await;
    (app.statements() - before, data)
}

const PARTNERS: &str = "query($first: Int) { partners(first: $first) { pageInfo { hasNextPage } \
    nodes { name group { name } balance { currency accrued approved paid } } } }";

fn balance(accrued: &str, approved: &str) -> Value {
    json!([{ "currency": "USD", "accrued": accrued, "approved": approved, "paid": "0.00" }])
}

async fn the_partners_list_with_groups_and_balances_is_three_statements(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&app, 6).await;
    let (statements, data) = counted(&app, &app.admin(), PARTNERS, json!({})).await;
    assert_eq!(
        data["partners"]["nodes"],
        json!([
            { "name": "P1", "group": { "name": "Default" }, "balance": balance("2.00", "0.00") },
            { "name": "P2", "group": { "name": "Default" }, "balance": balance("2.00", "0.00") },
            { "name": "P3", "group": { "name": "Paying" }, "balance": balance("1.00", "0.00") },
        ])
    );
    // The page, its groups, its balances.
    assert_eq!(statements, 3);
}

async fn a_page_with_a_list_of_children_keeps_its_size_and_order(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&app, 6).await;
    let admin = app.admin();
    // P1's first commission approved: P1 has two balance rows (accrued
    // and approved).
    let first = app
        .ok(
            &admin,
            "{ commissions(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["commissions"]["nodes"][0]["id"]
        .clone();
    app.ok(
        &admin,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [first] }),
    )
    .await;
    let (statements, data) = counted(&app, &admin, PARTNERS, json!({ "first": 1 })).await;
    assert_eq!(
        data["partners"],
        json!({ "pageInfo": { "hasNextPage": true },
                "nodes": [{ "name": "P1", "group": { "name": "Default" }, "balance": balance("1.00", "1.00") }] })
    );
    assert_eq!(statements, 3);
    let (_, data) = counted(&app, &admin, PARTNERS, json!({ "first": 2 })).await;
    let names: Vec<&str> = data["partners"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P1", "P2"]);
    assert_eq!(data["partners"]["pageInfo"]["hasNextPage"], true);
}

/// The partner portal's commissions page, as it asks for it.
const PORTAL: &str = "query($after: String) { commissions(first: 25, after: $after) { totalCount \
    pageInfo { hasNextPage endCursor } nodes { kind status amount currency campaign { name } \
    event { externalId amount currency } breakdown { type percentage amount } } } }";

async fn the_portal_commissions_page_is_four_statements(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&app, 6).await;
    let p1 = app
        .ok(
            &app.admin(),
            "{ partners(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["partners"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.partner_token(&p1);
    let (statements, data) = counted(&app, &token, PORTAL, json!({})).await;
    let line = json!([{ "type": "RECURRING", "percentage": "10", "amount": "1" }]);
    let node = |external: &str| {
        json!({ "kind": "COMMISSION", "status": "ACCRUED", "amount": "1.00", "currency": "USD",
                "campaign": { "name": "C" },
                "event": { "externalId": external, "amount": "10.00", "currency": "USD" },
                "breakdown": line })
    };
    assert_eq!(
        data["commissions"]["nodes"],
        json!([node("n0"), node("n3")])
    );
    assert_eq!(data["commissions"]["totalCount"], 2);
    assert_eq!(data["commissions"]["pageInfo"]["hasNextPage"], false);
    // The page, its campaigns, its events, its count.
    assert_eq!(statements, 4);
}

async fn a_backward_ledger_page_with_its_relations_is_five_statements(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&app, 6).await;
    let query = "{ commissions(last: 2) { pageInfo { hasPreviousPage hasNextPage } \
        nodes { amount partner { name group { name } } event { externalId } history { toStatus } } } }";
    let (statements, data) = counted(&app, &app.admin(), query, json!({})).await;
    assert_eq!(
        data["commissions"],
        json!({ "pageInfo": { "hasPreviousPage": true, "hasNextPage": false },
                "nodes": [
                    { "amount": "1.00", "partner": { "name": "P2", "group": { "name": "Default" } },
                      "event": { "externalId": "n4" }, "history": [] },
                    { "amount": "0.50", "partner": { "name": "P3", "group": { "name": "Paying" } },
                      "event": { "externalId": "n5" }, "history": [] },
                ] })
    );
    // The page, its partners, their groups, its events, its transitions.
    assert_eq!(statements, 5);
}

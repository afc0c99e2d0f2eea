//! Backtests as the area tests start and read them.

use crate::helpers::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

pub(crate) const START: &str = "mutation($input: StartBacktestInput!) { startBacktest(input: $input) { id status progress events from to \
    totals { currency before after difference } \
    partners(first: 100) { totalCount nodes { partner { id name } currency before after difference events } } } }";

pub(crate) async fn start(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), START, json!({ "input": input })).await["startBacktest"].clone()
}

/// Each partner's row: (name, currency, before, after, difference, events).
pub(crate) fn rows(backtest: &Value) -> Vec<(String, String, String, String, String, i64)> {
    backtest["partners"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["partner"]["name"].as_str().unwrap().to_owned(),
                n["currency"].as_str().unwrap().to_owned(),
                n["before"].as_str().unwrap().to_owned(),
                n["after"].as_str().unwrap().to_owned(),
                n["difference"].as_str().unwrap().to_owned(),
                n["events"].as_i64().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn row(
    name: &str,
    before: &str,
    after: &str,
    difference: &str,
    events: i64,
) -> (String, String, String, String, String, i64) {
    (
        name.to_owned(),
        "USD".to_owned(),
        before.to_owned(),
        after.to_owned(),
        difference.to_owned(),
        events,
    )
}

/// `extra`'s fields set over `base`'s, both JSON objects.
pub(crate) fn with(base: &Value, extra: Value) -> Value {
    let mut merged = base.clone();
    for (key, value) in extra.as_object().unwrap() {
        merged[key] = value.clone();
    }
    merged
}

/// The sum of the amounts of a partner's commissions on events of the
/// range that are not reversed, as the API lists them.
pub(crate) async fn ledger_sum(
    app: &TestApp,
    partner: &str,
    events: &[String],
) -> rust_decimal::Decimal {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { commissions(first: 500) { nodes { amount status event { id } } } } }",
            json!({ "id": partner }),
        )
        .await;
    data["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "REVERSED")
        .filter(|c| events.iter().any(|e| c["event"]["id"] == *e))
        .map(|c| {
            c["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum()
}

/// Counts and sums of every table a replay could have written.
pub(crate) async fn ledger_state(app: &TestApp) -> Vec<(String, i64, i64)> {
    let tables = [
        ("commissions", "amount_minor"),
        ("events", "amount_minor"),
        ("refunds", "amount_minor"),
        ("partner_balances", "amount_minor"),
        ("commission_stats", "amount_minor"),
        ("tier_progress", "payout_minor"),
        ("partner_totals", "ltv_minor"),
        ("customers", "net_minor"),
        ("domain_events", "seq"),
        ("emails", "0"),
        ("commission_transitions", "0"),
        ("deals", "payment_count"),
        ("deal_stages_reached", "payments_before"),
    ];
    let conn = app.db.conn();
    let mut state = Vec::new();
    for (table, column) in tables {
        let sql = format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS total FROM {table}"
        );
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        let total: i64 = row.try_get("", "total").unwrap();
        state.push((table.to_owned(), n, total));
    }
    state
}

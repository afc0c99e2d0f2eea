//! Payout runs as finance makes them: commissions approved, a partner's
//! PayPal address set, a run.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const RUN: &str = "mutation($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { \
    id periodEnd currency status total { amount currency } \
    payouts { id amount currency status statementNumber reference commissionCount partner { name } method { type paypalEmail iban } } \
    skipped { partner { name } reason balance { amount currency } } } }";

/// Runs a payout run as finance does (`commissions:write`).
pub(crate) async fn run(app: &TestApp, input: Value) -> Value {
    app.ok(
        &app.service("commissions:write"),
        RUN,
        json!({ "input": input }),
    )
    .await["createPayoutRun"]
        .clone()
}

pub(crate) async fn approve(app: &TestApp, ids: &[&str]) {
    app.ok(
        &app.service("commissions:write"),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": ids }),
    )
    .await;
}

pub(crate) const SET_METHOD: &str = "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type paypalEmail iban bic accountHolder } }";

pub(crate) async fn paypal(app: &TestApp, partner: &str, email: &str) {
    app.ok(
        &app.admin(),
        SET_METHOD,
        json!({ "input": { "partnerId": partner, "type": "PAYPAL", "paypalEmail": email } }),
    )
    .await;
}

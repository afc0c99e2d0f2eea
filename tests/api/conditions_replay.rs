//! Conditional rewards (SPEC §32) beside the rest of the ledger: a
//! backtest replays a change of conditions over recorded multi-line sales,
//! their line refunds included, to the cent; a spend cap cuts a multi-line
//! sale's lines in order, and a refund of a line gives back what that line
//! kept.

use crate::helpers::TestApp;
use crate::support::backtests::{row, rows, start};
use crate::support::conditions::{guide_lines, guide_rules, sale};
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
    commissions { amount lines { line { externalId } amount } } } }";
const REFUND: &str = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) {
    clawbacks { amount } } }";

async fn group_with(app: &TestApp, name: &str, cap: Option<Value>) -> String {
    let id = app.create_group(name, guide_rules()).await;
    if let Some(cap) = cap {
        app.ok(
            &app.admin(),
            "mutation($id: ID!, $input: UpdatePartnerGroupInput!) { updatePartnerGroup(id: $id, input: $input) { id } }",
            json!({ "id": id, "input": { "cap": cap } }),
        )
        .await;
    }
    id
}

async fn clawed(app: &TestApp, input: Value) -> Value {
    let data = app
        .ok(&app.admin(), REFUND, json!({ "input": input }))
        .await;
    data["recordRefund"]["clawbacks"].clone()
}

crate::on_both_databases!(a_backtest_replays_a_change_of_conditions_line_by_line);
async fn a_backtest_replays_a_change_of_conditions_line_by_line(app: TestApp) {
    let group = group_with(&app, "Resellers", None).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let mut input = sale(&ada, "s1", "1330.00", guide_lines());
    input["occurredAt"] = json!("2026-11-02T10:00:00Z");
    let recorded = app
        .ok(&app.admin(), RECORD, json!({ "input": input }))
        .await;
    assert_eq!(
        recorded["recordEvent"]["commissions"][0]["amount"],
        "486.00"
    );
    // A quarter of the yearly line (120.00 back), then 93.00 of what is
    // left of every line — 81.26, 2.71 and 9.03 — 32.50 and 0.54 back:
    // 332.96 stays.
    let refund = json!({ "eventExternalId": "s1", "lines": ["yearly"], "amount": "300.00" });
    assert_eq!(clawed(&app, refund).await, json!([{ "amount": "-120.00" }]));
    let refund = json!({ "eventExternalId": "s1", "amount": "93.00" });
    assert_eq!(clawed(&app, refund).await, json!([{ "amount": "-33.04" }]));

    let range = |rules: Value| {
        json!({ "from": "2026-11-01T00:00:00Z", "to": "2026-11-20T00:00:00Z",
                "groupId": group, "rules": rules })
    };
    // The unchanged conditions reproduce the ledger to the cent.
    let same = start(&app, range(guide_rules())).await;
    assert_eq!(same["status"], "DONE", "{same}");
    assert_eq!(rows(&same), [row("Ada", "332.96", "332.96", "0.00", 1)]);

    // Yearly plans at 30 %: 360.00 + 6.00, less 90.00 and 24.92 (24.38
    // and 0.54) for the same refunds of the same lines.
    let mut changed = guide_rules();
    changed[0]["conditional"]["then"]["percentage"] = json!("30");
    let backtest = start(&app, range(changed)).await;
    assert_eq!(
        rows(&backtest),
        [row("Ada", "332.96", "251.08", "-81.88", 1)]
    );
}

crate::on_both_databases!(a_cap_cuts_a_multi_line_sale_last_line_first);
async fn a_cap_cuts_a_multi_line_sale_last_line_first(app: TestApp) {
    let cap = json!({ "amount": "300", "currency": "USD", "period": "ALL_TIME", "per": "PARTNER" });
    let group = group_with(&app, "Capped", Some(cap)).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let input = sale(&ada, "s1", "1330.00", guide_lines());
    let data = app
        .ok(&app.admin(), RECORD, json!({ "input": input }))
        .await;
    let commission = &data["recordEvent"]["commissions"][0];
    assert_eq!(commission["amount"], "300.00");
    assert_eq!(
        commission["lines"],
        json!([
            { "line": { "externalId": "yearly" }, "amount": "300.00" },
            { "line": { "externalId": "addon" }, "amount": "0.00" },
            { "line": { "externalId": "hw" }, "amount": "0.00" }
        ])
    );
    // The add-on kept nothing under the cap: refunding it gives nothing
    // back. Half the yearly line gives back half of what it kept.
    let addon = json!({ "eventExternalId": "s1", "lines": ["addon"] });
    assert_eq!(clawed(&app, addon).await, json!([]));
    let yearly = json!({ "eventExternalId": "s1", "lines": ["yearly"], "amount": "600.00" });
    assert_eq!(clawed(&app, yearly).await, json!([{ "amount": "-150.00" }]));
}

crate::on_both_databases!(a_backtest_reads_the_customer_and_the_partner_categories);
async fn a_backtest_reads_the_customer_and_the_partner_categories(app: TestApp) {
    let group = app
        .create_group(
            "Resellers",
            json!([{ "recurring": { "percentage": "10" } }]),
        )
        .await;
    let emea = app
        .ok(
            &app.admin(),
            "mutation { createCategory(input: { name: \"EMEA\" }) { id } }",
            json!({}),
        )
        .await["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group, "categoryIds": [emea] }))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "groupId": group }))
        .await;
    let line = || json!([{ "productId": "p", "amount": "100.00" }]);
    for (partner, id, country) in [(&ada, "a1", "DE"), (&ada, "a2", "US"), (&bob, "b1", "DE")] {
        let mut input = sale(partner, id, "100.00", line());
        input["occurredAt"] = json!("2026-11-02T10:00:00Z");
        input["customer"] = json!({ "country": country, "attributes": { "segment": "smb" } });
        app.ok(&app.admin(), RECORD, json!({ "input": input }))
            .await;
    }
    // German customers of the EMEA category's partners 30 %, customers of
    // the smb segment otherwise 15 %, the rest 10 % as recorded: Ada's
    // German sale 30.00, her American one 15.00, Bob's German one 15.00.
    let rules = json!([
        { "conditional": {
            "when": { "all": [
                { "test": { "subject": "CUSTOMER_COUNTRY", "operator": "EQ", "value": "DE" } },
                { "test": { "subject": "PARTNER_CATEGORY", "operator": "EQ", "value": "EMEA" } }
            ] },
            "then": { "percentage": "30" } } },
        { "conditional": {
            "when": { "test": { "subject": "CUSTOMER_ATTRIBUTE", "key": "segment", "operator": "EQ", "value": "smb" } },
            "then": { "percentage": "15" } } },
        { "recurring": { "percentage": "10" } }
    ]);
    let backtest = start(
        &app,
        json!({ "from": "2026-11-01T00:00:00Z", "to": "2026-11-20T00:00:00Z",
                "groupId": group, "rules": rules }),
    )
    .await;
    assert_eq!(backtest["status"], "DONE", "{backtest}");
    assert_eq!(
        rows(&backtest),
        [
            row("Ada", "20.00", "45.00", "25.00", 2),
            row("Bob", "10.00", "15.00", "5.00", 1)
        ]
    );
}

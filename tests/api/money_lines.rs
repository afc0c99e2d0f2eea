//! Money on a sale's lines (SPEC §2, §15, §32), through the API as a
//! client meets it: each line rounded once — by the ledger, a simulation
//! and a backtest alike — its lines summing to the commission; a sale sent
//! without lines explained as its one line; fifty conditional rules beside
//! a base rule; metadata numbers compared as numbers, the event's metadata
//! simulated, a multi-line sale's percentage read as what its lines earned;
//! and a held sale's line refunds kept line by line until it is accrued.

use crate::helpers::{TestApp, code, field};
use crate::support::backtests::{row, rows, start};
use crate::support::conditions::{guide_lines, guide_rules, sale};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
    unattributed commissions { id amount lines {
        line { externalId productId quantity amount } rule condition percentage amount } } } }";

const SIMULATE: &str = "mutation($rules: [GroupRuleInput!]!, $simulation: SimulationInput!) {
    simulatePartnerGroupRules(rules: $rules, simulation: $simulation) {
        finalFee effectivePercentage
        lines { line { externalId productId quantity amount } rule condition percentage amount } } }";

const REFUND: &str = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) {
    event { id } unattributedEvent { externalId amount } reversed { id } clawbacks { amount } } }";

const ATTRIBUTE: &str = "mutation($input: AttributeCustomerInput!) {
    attributeCustomer(input: $input) { externalId } }";

/// A partner of a group of its own under `rules`: (partner, group).
async fn partner_under(app: &TestApp, name: &str, rules: Value) -> (String, String) {
    let group = app.create_group(&format!("{name}'s group"), rules).await;
    let partner = app
        .create_partner(json!({ "name": name, "groupId": group }))
        .await;
    (partner, group)
}

async fn simulate(app: &TestApp, rules: &Value, simulation: Value) -> Value {
    let variables = json!({ "rules": rules, "simulation": simulation });
    app.ok(&app.admin(), SIMULATE, variables).await["simulatePartnerGroupRules"].clone()
}

async fn record(app: &TestApp, input: Value) -> Value {
    let events = app.service("events:write");
    app.ok(&events, RECORD, json!({ "input": input })).await["recordEvent"].clone()
}

fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default()
}

/// The sum of the amounts of `lines` (a `lines { amount }` list).
fn lines_sum(lines: &Value) -> Decimal {
    lines
        .as_array()
        .map(|lines| lines.iter().map(|l| decimal(&l["amount"])).sum())
        .unwrap_or_default()
}

/// `n` lines of `amount` each, numbered by their position.
fn lines_of(n: usize, amount: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|_| json!({ "productId": "p", "amount": amount }))
            .collect(),
    )
}

crate::on_both_databases!(
    a_hundred_lines_of_seven_cents_book_what_the_simulation_and_the_backtest_say
);
async fn a_hundred_lines_of_seven_cents_book_what_the_simulation_and_the_backtest_say(
    app: TestApp,
) {
    // 20 % of 0.07 is 0.014, 0.01 once rounded: a hundred lines earn
    // 1.00 — not 1.40, the whole sale's 1.400 rounded once.
    let rules = json!([{ "recurring": { "percentage": "20" } }]);
    let (ada, group) = partner_under(&app, "Ada", rules.clone()).await;
    let simulated = simulate(
        &app,
        &rules,
        json!({ "chargeAmount": "7.00", "lines": lines_of(100, "0.07") }),
    )
    .await;
    assert_eq!(simulated["finalFee"], "1.00");
    assert_eq!(lines_sum(&simulated["lines"]), Decimal::new(100, 2));
    assert_eq!(simulated["effectivePercentage"], "14.29");

    let mut input = sale(&ada, "s1", "7.00", lines_of(100, "0.07"));
    input["occurredAt"] = json!("2026-11-02T10:00:00Z");
    let recorded = record(&app, input).await;
    let commission = &recorded["commissions"][0];
    assert_eq!(commission["amount"], "1.00");
    let lines = commission["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 100);
    assert!(lines.iter().all(|l| l["amount"] == "0.01"), "{lines:?}");
    assert_eq!(lines_sum(&commission["lines"]), Decimal::new(100, 2));

    // Replayed, the same rules reproduce 1.00; at 30 % each line earns
    // 0.021, 0.02 once rounded: 2.00, not 2.10.
    let range = |rules: Value| {
        json!({ "from": "2026-11-01T00:00:00Z", "to": "2026-11-20T00:00:00Z",
                "groupId": group, "rules": rules })
    };
    let same = start(&app, range(rules)).await;
    assert_eq!(same["status"], "DONE", "{same}");
    assert_eq!(rows(&same), [row("Ada", "1.00", "1.00", "0.00", 1)]);
    let higher = start(
        &app,
        range(json!([{ "recurring": { "percentage": "30" } }])),
    )
    .await;
    assert_eq!(rows(&higher), [row("Ada", "1.00", "2.00", "1.00", 1)]);
}

/// A reproducible generator of sales (a 64-bit linear congruential one).
struct Sales(u64);

impl Sales {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// Two to four lines of 1.00 to 99.99, each a `pro` or a `seats`
    /// line, and their sum.
    fn sale(&mut self) -> (Value, String) {
        let mut lines = Vec::new();
        let mut total = 0;
        for _ in 0..2 + self.next(3) {
            let product = if self.next(2) == 0 { "pro" } else { "seats" };
            let cents = 100 + self.next(9_900);
            total += cents;
            lines.push(json!({ "productId": product,
                               "amount": format!("{}.{:02}", cents / 100, cents % 100) }));
        }
        (
            Value::Array(lines),
            format!("{}.{:02}", total / 100, total % 100),
        )
    }
}

crate::on_both_databases!(forty_sales_of_random_lines_book_their_lines_to_the_cent);
async fn forty_sales_of_random_lines_book_their_lines_to_the_cent(app: TestApp) {
    // `pro` lines earn 17.5 %, the others 12.5 %: each line rounded once,
    // half away from zero. Rounded once over each whole sale instead, 13
    // of these 40 sales were a cent off.
    let rules = json!([
        { "conditional": {
            "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EQ", "value": "pro" } },
            "then": { "percentage": "17.5" } } },
        { "recurring": { "percentage": "12.5" } }
    ]);
    let (ada, _) = partner_under(&app, "Ada", rules.clone()).await;
    let mut sales = Sales(0x2545_F491_4F6C_DD1D);
    let mut booked = Decimal::ZERO;
    for i in 0..40 {
        let (lines, amount) = sales.sale();
        let simulated = simulate(
            &app,
            &rules,
            json!({ "chargeAmount": amount, "lines": lines }),
        )
        .await;
        let recorded = record(&app, sale(&ada, &format!("r{i}"), &amount, lines)).await;
        let commission = &recorded["commissions"][0];
        assert_eq!(commission["amount"], simulated["finalFee"], "sale {i}");
        assert_eq!(
            lines_sum(&commission["lines"]),
            decimal(&commission["amount"]),
            "sale {i}"
        );
        assert_eq!(commission["lines"], simulated["lines"], "sale {i}");
        booked += decimal(&commission["amount"]);
    }
    assert_eq!(booked, Decimal::new(82_085, 2));
}

crate::on_both_databases!(a_sale_sent_without_lines_is_explained_as_its_one_line);
async fn a_sale_sent_without_lines_is_explained_as_its_one_line(app: TestApp) {
    // Seed 000's example: 25 % in a customer's first 3 months, then 10 %.
    let rules = json!([
        { "newCustomerTimeTier": { "maxMonths": 3, "percentage": "25" } },
        { "recurring": { "percentage": "10" } }
    ]);
    let (ada, _) = partner_under(&app, "Ada", rules.clone()).await;
    let one = json!([{ "line": { "externalId": "1", "productId": null, "quantity": 1, "amount": "299.90" },
                       "rule": "NEW_CUSTOMER_TIME_TIER", "condition": null, "percentage": "25",
                       "amount": "74.98" }]);
    let recorded = record(
        &app,
        json!({ "externalId": "p1", "partnerId": ada, "customerExternalId": "c-p1",
                "amount": "299.90" }),
    )
    .await;
    assert_eq!(recorded["commissions"][0]["amount"], "74.98");
    assert_eq!(recorded["commissions"][0]["lines"], one);
    // Read back, and simulated, the same one line.
    let id = recorded["commissions"][0]["id"].clone();
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { commission(id: $id) { lines {
                line { externalId productId quantity amount } rule condition percentage amount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["commission"]["lines"], one);
    let simulated = simulate(&app, &rules, json!({ "chargeAmount": "299.90" })).await;
    assert_eq!(simulated["finalFee"], "74.98");
    assert_eq!(simulated["effectivePercentage"], "25");
    assert_eq!(simulated["lines"], one);
}

crate::on_both_databases!(fifty_conditional_rules_beside_a_base_rule_are_a_rule_set);
async fn fifty_conditional_rules_beside_a_base_rule_are_a_rule_set(app: TestApp) {
    let create =
        "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }";
    let rules = |n: usize| {
        let mut rules: Vec<Value> = (0..n)
            .map(|i| {
                json!({ "conditional": {
                    "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EQ",
                                        "value": format!("prod_{i}") } },
                    "then": { "percentage": "30" } } })
            })
            .collect();
        rules.push(json!({ "recurring": { "percentage": "10" } }));
        Value::Array(rules)
    };
    app.ok(
        &app.admin(),
        create,
        json!({ "input": { "name": "Fifty", "rules": rules(50) } }),
    )
    .await;
    let error = app
        .error(
            Some(&app.admin()),
            create,
            json!({ "input": { "name": "Fifty-one", "rules": rules(51) } }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
    assert_eq!(field(&error), "input.rules[50]", "{error}");
    let groups = app
        .ok(
            &app.admin(),
            "{ partnerGroups(first: 50) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert!(
        !groups.to_string().contains("Fifty-one"),
        "nothing written: {groups}"
    );
}

crate::on_both_databases!(metadata_numbers_compare_as_numbers_and_the_events_metadata_is_simulated);
async fn metadata_numbers_compare_as_numbers_and_the_events_metadata_is_simulated(app: TestApp) {
    // Ten seats or more on the sale pay 35 %; a line of tier 2, 50 %.
    let rules = json!([
        { "conditional": {
            "when": { "test": { "subject": "EVENT_METADATA", "key": "seats", "operator": "EQ", "value": "10" } },
            "then": { "percentage": "35" } } },
        { "conditional": {
            "when": { "test": { "subject": "LINE_METADATA", "key": "tier", "operator": "IN", "values": ["2", "3"] } },
            "then": { "percentage": "50" } } },
        { "recurring": { "percentage": "20" } }
    ]);
    let (ada, _) = partner_under(&app, "Ada", rules.clone()).await;
    // 10.0 is the number 10, however written; "10.0" as text is not "10".
    let mut seats = json!({ "externalId": "m1", "partnerId": ada, "customerExternalId": "c-m1",
                            "amount": "100.00", "metadata": { "seats": 10.0 } });
    assert_eq!(
        record(&app, seats.clone()).await["commissions"][0]["amount"],
        "35.00"
    );
    seats["externalId"] = json!("m2");
    seats["metadata"] = json!({ "seats": "10.0" });
    assert_eq!(
        record(&app, seats).await["commissions"][0]["amount"],
        "20.00"
    );
    let tiered = json!([{ "productId": "p", "amount": "100.00", "metadata": { "tier": 2.0 } }]);
    let recorded = record(&app, sale(&ada, "m3", "100.00", tiered.clone())).await;
    assert_eq!(recorded["commissions"][0]["amount"], "50.00");

    // The simulation reads the event's metadata as the ledger does.
    let simulated = simulate(
        &app,
        &rules,
        json!({ "chargeAmount": "100.00", "metadata": { "seats": 10 } }),
    )
    .await;
    assert_eq!(simulated["finalFee"], "35.00");
    let simulated = simulate(
        &app,
        &rules,
        json!({ "chargeAmount": "100.00", "lines": tiered }),
    )
    .await;
    assert_eq!(simulated["finalFee"], "50.00");
    let big = json!({ "note": "x".repeat(4_100) });
    let error = app
        .error(
            Some(&app.admin()),
            SIMULATE,
            json!({ "rules": rules, "simulation": { "chargeAmount": "100.00", "metadata": big } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "simulation.metadata"),
        "{error}"
    );
}

crate::on_both_databases!(a_multi_line_simulation_reads_its_percentage_as_what_its_lines_earned);
async fn a_multi_line_simulation_reads_its_percentage_as_what_its_lines_earned(app: TestApp) {
    // 30 % of 250.00, 10 % of 199.00, nothing on 76.00: 94.90 of 525.00,
    // 18.076…, rounded once to two places half away from zero — not the
    // first line's 30.
    let rules = json!([
        { "conditional": {
            "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EQ", "value": "pro" } },
            "then": { "percentage": "30" } } },
        { "conditional": {
            "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EQ", "value": "hw" } },
            "then": { "nothing": true } } },
        { "recurring": { "percentage": "10" } }
    ]);
    let lines = json!([
        { "productId": "pro", "amount": "250.00" },
        { "productId": "seats", "amount": "199.00" },
        { "productId": "hw", "amount": "76.00" }
    ]);
    let simulated = simulate(
        &app,
        &rules,
        json!({ "chargeAmount": "525.00", "lines": lines }),
    )
    .await;
    assert_eq!(simulated["finalFee"], "94.90");
    assert_eq!(simulated["effectivePercentage"], "18.08");
}

/// The guide's sale held for a customer nobody attributed yet, under
/// `external_id`, and the partner that customer will be attributed to.
async fn held_guide_sale(app: &TestApp, external_id: &str, customer: &str) -> String {
    let (ada, _) = partner_under(app, &format!("Ada {external_id}"), guide_rules()).await;
    let held = record(
        app,
        json!({ "externalId": external_id, "customerExternalId": customer,
                "amount": "1330.00", "lines": guide_lines() }),
    )
    .await;
    assert_eq!(held["unattributed"], true, "{held}");
    ada
}

async fn refund_ok(app: &TestApp, input: Value) -> Value {
    let events = app.service("events:write");
    app.ok(&events, REFUND, json!({ "input": input })).await["recordRefund"].clone()
}

async fn attribute(app: &TestApp, customer: &str, partner: &str) {
    let events = app.service("events:write");
    app.ok(
        &events,
        ATTRIBUTE,
        json!({ "input": { "customerExternalId": customer, "partnerId": partner } }),
    )
    .await;
}

/// Each of the partner's commissions (kind, amount, status), and its
/// event's refunded amount and lines' refunded parts.
async fn ledger_of(app: &TestApp, partner: &str) -> (Vec<(String, String, String)>, Value) {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { commissions(first: 20) { nodes { kind amount status
                event { refundedAmount lines { externalId refunded } } } } } }",
            json!({ "id": partner }),
        )
        .await;
    let nodes = data["partner"]["commissions"]["nodes"].clone();
    let rows = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let text = |key: &str| n[key].as_str().unwrap_or_default().to_owned();
            (text("kind"), text("amount"), text("status"))
        })
        .collect();
    (rows, nodes[0]["event"].clone())
}

fn commission(kind: &str, amount: &str, status: &str) -> (String, String, String) {
    (kind.to_owned(), amount.to_owned(), status.to_owned())
}

crate::on_both_databases!(a_held_sales_line_refunds_keep_their_lines_once_it_is_accrued);
async fn a_held_sales_line_refunds_keep_their_lines_once_it_is_accrued(app: TestApp) {
    let ada = held_guide_sale(&app, "h1", "cus_h1").await;
    let events = app.service("events:write");
    // A line the sale does not have, more than is left of a line, a line
    // named twice: refused naming the field, nothing kept.
    for (input, expected) in [
        (json!({ "lines": ["nope"] }), "input.lines[0]"),
        (
            json!({ "lines": ["hw"], "amount": "100.01" }),
            "input.amount",
        ),
        (json!({ "lines": ["hw", "hw"] }), "input.lines[1]"),
        (json!({ "lines": [] }), "input.lines"),
    ] {
        let mut input = input;
        input["eventExternalId"] = json!("h1");
        let error = app
            .error(Some(&events), REFUND, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{error}"
        );
    }
    // The hardware line whole, a quarter of the yearly line, then 93.00
    // naming no line: what is left of the yearly and add-on lines shares
    // it, 90.00 and 3.00.
    let kept = refund_ok(&app, json!({ "eventExternalId": "h1", "lines": ["hw"] })).await;
    assert_eq!(
        kept,
        json!({ "event": null, "unattributedEvent": { "externalId": "h1", "amount": "1330.00" },
                "reversed": [], "clawbacks": [] })
    );
    refund_ok(
        &app,
        json!({ "eventExternalId": "h1", "lines": ["yearly"], "amount": "300.00" }),
    )
    .await;
    refund_ok(&app, json!({ "eventExternalId": "h1", "amount": "93.00" })).await;

    // Attributed: 486.00 earned, and each line gives back its own share of
    // what it had refunded: 40 % of 390.00 and 20 % of 3.00, 156.60 — the
    // hardware line that earned nothing gives back nothing.
    attribute(&app, "cus_h1", &ada).await;
    let (rows, event) = ledger_of(&app, &ada).await;
    assert_eq!(
        rows,
        [
            commission("COMMISSION", "486.00", "ACCRUED"),
            commission("CLAWBACK", "-156.60", "APPROVED"),
        ]
    );
    assert_eq!(event["refundedAmount"], "493.00");
    assert_eq!(
        event["lines"],
        json!([{ "externalId": "yearly", "refunded": "390.00" },
               { "externalId": "addon", "refunded": "3.00" },
               { "externalId": "hw", "refunded": "100.00" }])
    );
}

crate::on_both_databases!(a_held_sales_hardware_line_refunded_takes_back_nothing_it_did_not_earn);
async fn a_held_sales_hardware_line_refunded_takes_back_nothing_it_did_not_earn(app: TestApp) {
    // The hardware line (earned nothing) refunded while held, by its
    // amount: once attributed, the 486.00 stands whole.
    let ada = held_guide_sale(&app, "h2", "cus_h2").await;
    refund_ok(
        &app,
        json!({ "eventExternalId": "h2", "lines": ["hw"], "amount": "100.00" }),
    )
    .await;
    attribute(&app, "cus_h2", &ada).await;
    let (rows, event) = ledger_of(&app, &ada).await;
    assert_eq!(rows, [commission("COMMISSION", "486.00", "ACCRUED")]);
    assert_eq!(event["refundedAmount"], "100.00");

    // Refunded whole while held, line by line: reversed once accrued.
    let bob = held_guide_sale(&app, "h3", "cus_h3").await;
    refund_ok(&app, json!({ "eventExternalId": "h3", "lines": ["hw"] })).await;
    refund_ok(
        &app,
        json!({ "eventExternalId": "h3", "lines": ["yearly", "addon"] }),
    )
    .await;
    attribute(&app, "cus_h3", &bob).await;
    let (rows, event) = ledger_of(&app, &bob).await;
    assert_eq!(rows, [commission("COMMISSION", "486.00", "REVERSED")]);
    assert_eq!(event["refundedAmount"], "1330.00");

    // A sale held without lines refuses a refund naming some.
    record(
        &app,
        json!({ "externalId": "h4", "customerExternalId": "cus_h4", "amount": "50.00" }),
    )
    .await;
    let error = app
        .error(
            Some(&app.service("events:write")),
            REFUND,
            json!({ "input": { "eventExternalId": "h4", "lines": ["1"] } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.lines"),
        "{error}"
    );
}

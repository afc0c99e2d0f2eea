//! Conditional rewards (SPEC §32), through the API as a client uses them:
//! a group's conditional rules pay each line of a sale by what was sold,
//! to whom and by whom; the commission explains every line; bad lines and
//! bad conditions are refused naming the field, with nothing written; a
//! simulation pays what the ledger pays.

use crate::helpers::{TestApp, code, field};
use crate::support::conditions::{guide_lines, guide_rules, sale};
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
    event { id lines { externalId productId planInterval quantity amount } }
    commissions { id amount lines { line { externalId } rule condition percentage amount } } } }";

async fn partner_in(app: &TestApp, name: &str, rules: Value, extra: Value) -> String {
    let group = app.create_group(&format!("{name}'s group"), rules).await;
    let mut input = json!({ "name": name, "groupId": group });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    app.create_partner(input).await
}

async fn events_recorded(app: &TestApp) -> usize {
    let data = app
        .ok(
            &app.admin(),
            "{ events(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    data["events"]["nodes"].as_array().map_or(0, Vec::len)
}

crate::on_both_databases!(the_guides_sale_pays_each_line_by_its_condition);
async fn the_guides_sale_pays_each_line_by_its_condition(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let data = app
        .ok(
            &events,
            RECORD,
            json!({ "input": sale(&alice, "s1", "1330.00", guide_lines()) }),
        )
        .await;
    let recorded = &data["recordEvent"];
    assert_eq!(recorded["commissions"][0]["amount"], "486.00");
    assert_eq!(
        recorded["commissions"][0]["lines"],
        json!([
            { "line": { "externalId": "yearly" }, "rule": "Yearly plans",
              "condition": "the plan's interval is YEAR", "percentage": "40", "amount": "480.00" },
            { "line": { "externalId": "addon" }, "rule": "RECURRING",
              "condition": null, "percentage": "20", "amount": "6.00" },
            { "line": { "externalId": "hw" }, "rule": "CONDITIONAL",
              "condition": "the product is one of prod_hw", "percentage": null, "amount": "0.00" }
        ])
    );
    assert_eq!(
        recorded["event"]["lines"][0],
        json!({ "externalId": "yearly", "productId": "prod_pro", "planInterval": "YEAR",
                "quantity": 1, "amount": "1200.00" })
    );

    // The same customer in its 13th month: the yearly line earns nothing.
    let mut later = sale(&alice, "s2", "1330.00", guide_lines());
    later["customerExternalId"] = json!("c-late");
    later["customerAcquiredAt"] = json!("2025-01-15T00:00:00Z");
    later["occurredAt"] = json!("2026-01-15T00:00:00Z");
    let data = app.ok(&events, RECORD, json!({ "input": later })).await;
    let lines = &data["recordEvent"]["commissions"][0]["lines"];
    assert_eq!(data["recordEvent"]["commissions"][0]["amount"], "6.00");
    assert_eq!(lines[0]["amount"], "0.00");
    assert_eq!(lines[1]["amount"], "6.00");

    // Read back, the commission and the event say the same.
    let id = recorded["commissions"][0]["id"].clone();
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { commission(id: $id) { amount lines { amount } event { lines { externalId } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["commission"]["lines"][0]["amount"], "480.00");
    assert_eq!(read["commission"]["event"]["lines"][2]["externalId"], "hw");
}

crate::on_both_databases!(bad_lines_are_refused_naming_the_field_with_nothing_written);
async fn bad_lines_are_refused_naming_the_field_with_nothing_written(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let line =
        |id: &str, amount: &str| json!({ "externalId": id, "productId": "p", "amount": amount });
    let many: Vec<Value> = (0..101).map(|i| line(&i.to_string(), "1")).collect();
    let cases = [
        (
            json!([line("a", "10"), line("b", "5")]),
            "20",
            "input.lines",
        ),
        (
            json!([line("a", "25"), line("b", "-5")]),
            "20",
            "input.lines[1].amount",
        ),
        (
            json!([line("a", "10"), line("a", "10")]),
            "20",
            "input.lines[1].externalId",
        ),
        (
            json!([line("a", "10.001"), line("b", "9.999")]),
            "20",
            "input.lines[0].amount",
        ),
        (json!(many), "101", "input.lines"),
        (
            json!([{ "productId": "p", "amount": "20", "quantity": 0 }]),
            "20",
            "input.lines[0].quantity",
        ),
        (
            json!([{ "productId": "p", "amount": "20", "metadata": { "nested": { "a": 1 } } }]),
            "20",
            "input.lines[0].metadata",
        ),
    ];
    for (lines, amount, expected) in cases {
        let error = app
            .error(
                Some(&events),
                RECORD,
                json!({ "input": sale(&alice, "bad", amount, lines) }),
            )
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), expected, "{error}");
    }
    let mut country = sale(&alice, "bad", "20", json!([line("a", "20")]));
    country["customer"] = json!({ "country": "XX" });
    let error = app
        .error(Some(&events), RECORD, json!({ "input": country }))
        .await;
    assert_eq!(field(&error), "input.customer.country", "{error}");
    assert_eq!(events_recorded(&app).await, 0);
    // Lines without ids are numbered by their position.
    let data = app
        .ok(
            &events,
            RECORD,
            json!({ "input": sale(&alice, "ok", "20", json!([
                { "productId": "p", "amount": "15" }, { "productId": "q", "amount": "5" }])) }),
        )
        .await;
    let ids: Vec<&str> = data["recordEvent"]["event"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["externalId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);
}

crate::on_both_databases!(conditions_out_of_bounds_are_refused_naming_the_field);
async fn conditions_out_of_bounds_are_refused_naming_the_field(app: TestApp) {
    let create =
        "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }";
    let with = |rule: Value| json!({ "input": { "name": "G", "rules": [rule, { "recurring": { "percentage": "10" } }] } });
    let test = |subject: &str, operator: &str, extra: Value| {
        let mut t = json!({ "subject": subject, "operator": operator });
        if let (Some(t), Some(extra)) = (t.as_object_mut(), extra.as_object()) {
            t.extend(extra.clone());
        }
        json!({ "conditional": { "when": { "test": t }, "then": { "percentage": "10" } } })
    };
    let cases = [
        (
            test("EVENT_METADATA", "EQ", json!({ "value": "x" })),
            "input.rules[0].conditional.when.test.key",
        ),
        (
            test("LINE_PRODUCT", "EQ", json!({ "key": "k", "value": "x" })),
            "input.rules[0].conditional.when.test.key",
        ),
        (
            test("LINE_PRODUCT", "IN", json!({ "value": "x" })),
            "input.rules[0].conditional.when.test.value",
        ),
        (
            test(
                "LINE_PRODUCT",
                "EQ",
                json!({ "value": "x", "values": ["y"] }),
            ),
            "input.rules[0].conditional.when.test.values",
        ),
        (
            json!({ "conditional": {
                "when": { "not": { "not": { "not": { "not": { "test": { "subject": "LINE_PRODUCT", "operator": "EXISTS" } } } } } },
                "then": { "nothing": true } } }),
            "input.rules[0].conditional.when.not.not.not.not",
        ),
        (
            json!({ "conditional": {
                "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EXISTS" } },
                "then": { "percentage": "10", "nothing": true } } }),
            "input.rules[0].conditional.then",
        ),
        (
            json!({ "conditional": {
                "when": { "test": { "subject": "LINE_PRODUCT", "operator": "EXISTS" } },
                "then": { "percentage": "101" } } }),
            "input.rules[0].conditional.then.percentage",
        ),
    ];
    for (rule, expected) in cases {
        let error = app.error(Some(&app.admin()), create, with(rule)).await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), expected, "{error}");
    }
    let groups = app
        .ok(
            &app.admin(),
            "{ partnerGroups(first: 50) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert!(
        !groups.to_string().contains("\"G\""),
        "nothing written: {groups}"
    );
    // Read back as written, with the rule in words.
    let id = app.create_group("Yearly", guide_rules()).await;
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partnerGroup(id: $id) { rules { type ... on ConditionalRule {
                when { test { subject operator value values } } then { percentage maxMonths nothing keepUpgrades } summary } } } }",
            json!({ "id": id }),
        )
        .await;
    let rules = &read["partnerGroup"]["rules"];
    assert_eq!(rules[0]["type"], "CONDITIONAL");
    assert_eq!(
        rules[0]["when"]["test"],
        json!({ "subject": "LINE_INTERVAL", "operator": "EQ", "value": "YEAR", "values": null })
    );
    assert_eq!(
        rules[0]["then"],
        json!({ "percentage": "40", "maxMonths": 12, "nothing": false, "keepUpgrades": true })
    );
    assert_eq!(
        rules[0]["summary"],
        "40 % for the first 12 months when the plan's interval is YEAR"
    );
    assert_eq!(
        rules[1]["summary"],
        "nothing when the product is one of prod_hw"
    );
}

/// Agencies in Germany earn 30 % on the first sale of a customer with a
/// `segment` of `smb`, paid per seat elsewhere; others the recurring 10 %.
fn partner_rules() -> Value {
    json!([
        { "conditional": {
            "when": { "all": [
                { "test": { "subject": "PARTNER_TAG", "operator": "EQ", "value": "agency" } },
                { "test": { "subject": "CUSTOMER_COUNTRY", "operator": "EQ", "value": "DE" } },
                { "test": { "subject": "CUSTOMER_ATTRIBUTE", "key": "segment", "operator": "EQ", "value": "smb" } },
                { "test": { "subject": "SALE_IS_FIRST", "operator": "EQ", "value": "true" } }
            ] },
            "then": { "percentage": "30" } } },
        { "conditional": {
            "when": { "test": { "subject": "EVENT_METADATA", "key": "channel", "operator": "EQ", "value": "seats" } },
            "then": { "amount": "2.50", "perUnit": true } } },
        { "recurring": { "percentage": "10" } }
    ])
}

crate::on_both_databases!(the_partner_the_customer_and_the_sale_are_subjects);
async fn the_partner_the_customer_and_the_sale_are_subjects(app: TestApp) {
    let agency = partner_in(
        &app,
        "Agency",
        partner_rules(),
        json!({ "tags": ["agency"] }),
    )
    .await;
    let other = partner_in(&app, "Other", partner_rules(), json!({})).await;
    let events = app.service("events:write");
    let first = |partner: &str, id: &str| {
        let mut input = sale(
            partner,
            id,
            "100.00",
            json!([{ "productId": "p", "amount": "100.00" }]),
        );
        input["customer"] = json!({ "country": "DE", "attributes": { "segment": "smb" } });
        input
    };
    let amount = async |input: Value| {
        let data = app.ok(&events, RECORD, json!({ "input": input })).await;
        data["recordEvent"]["commissions"][0]["amount"].clone()
    };
    assert_eq!(amount(first(&agency, "a1")).await, "30.00");
    assert_eq!(amount(first(&other, "o1")).await, "10.00");
    // The customer's second sale is not its first; its facts were kept.
    let mut second = sale(
        &agency,
        "a2",
        "100.00",
        json!([{ "productId": "p", "amount": "100.00" }]),
    );
    second["customerExternalId"] = json!("c-a1");
    assert_eq!(amount(second).await, "10.00");
    // Per unit, by the event's metadata.
    let mut seats = sale(
        &other,
        "o2",
        "80.00",
        json!([{ "productId": "seat", "amount": "80.00", "quantity": 4 }]),
    );
    seats["metadata"] = json!({ "channel": "seats" });
    assert_eq!(amount(seats).await, "10.00");
    // The partner's tags are its own to read back.
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { tags } }",
            json!({ "id": agency }),
        )
        .await;
    assert_eq!(read["partner"]["tags"], json!(["agency"]));
}

crate::on_both_databases!(a_simulation_pays_what_the_ledger_pays);
async fn a_simulation_pays_what_the_ledger_pays(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let group = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": alice }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    let simulated = app
        .ok(
            &app.admin(),
            "mutation($id: ID!, $lines: [EventLineInput!]) { simulatePartnerGroup(id: $id, simulation: {
                chargeAmount: \"1330.00\", lines: $lines }) { finalFee lines { line { externalId } amount condition } } }",
            json!({ "id": group, "lines": guide_lines() }),
        )
        .await;
    let recorded = app
        .ok(
            &app.service("events:write"),
            RECORD,
            json!({ "input": sale(&alice, "s1", "1330.00", guide_lines()) }),
        )
        .await;
    let commission = &recorded["recordEvent"]["commissions"][0];
    let simulation = &simulated["simulatePartnerGroup"];
    assert_eq!(simulation["finalFee"], "486.00");
    assert_eq!(simulation["finalFee"], commission["amount"]);
    for i in 0..3 {
        assert_eq!(
            simulation["lines"][i]["amount"],
            commission["lines"][i]["amount"]
        );
    }
    // A simulation's lines are checked as an event's.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { simulatePartnerGroup(id: $id, simulation: {
                chargeAmount: \"10\", lines: [{ productId: \"p\", amount: \"9\" }] }) { finalFee } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(field(&error), "simulation.lines", "{error}");
}

crate::on_both_databases!(a_partner_reads_only_its_own_lines);
async fn a_partner_reads_only_its_own_lines(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let bob = partner_in(&app, "Bob", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let recorded = app
        .ok(
            &events,
            RECORD,
            json!({ "input": sale(&alice, "s1", "1330.00", guide_lines()) }),
        )
        .await;
    let id = recorded["recordEvent"]["commissions"][0]["id"].clone();
    let query = "query($id: ID!) { commission(id: $id) { lines { amount } } }";
    let own = app
        .ok(&app.partner_token(&alice), query, json!({ "id": id }))
        .await;
    assert_eq!(own["commission"]["lines"][0]["amount"], "480.00");
    let (_, other) = app
        .post(Some(&app.partner_token(&bob)), query, json!({ "id": id }))
        .await;
    assert_eq!(other["data"]["commission"], Value::Null, "{other}");

    // Its terms, in words: a rule's description, then the rule with every
    // figure and condition (SPEC §38).
    let terms = "{ viewer { partner { termsInForce { inWords } } } }";
    let read = app.ok(&app.partner_token(&alice), terms, json!({})).await;
    assert_eq!(
        read["viewer"]["partner"]["termsInForce"]["inWords"],
        json!([
            "Yearly plans: 40 % for the first 12 months when the plan's interval is YEAR",
            "nothing when the product is one of prod_hw",
            "20 % of every payment"
        ])
    );
}

crate::on_both_databases!(a_stripe_invoice_of_three_lines_shares_its_discount_by_largest_remainder);
async fn a_stripe_invoice_of_three_lines_shares_its_discount_by_largest_remainder(app: TestApp) {
    use crate::support::connectors::{SECRET, checkout, configure, handled, invoice};
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    app.ok(
        &app.admin(),
        "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id } }",
        json!({ "input": { "partnerId": alice, "code": "alice" } }),
    )
    .await;
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_1", "cus_A", "alice"), "done").await;
    // Lines of 1,200.00 (yearly), 30.00 less a 3.00 line discount
    // (monthly) and 100.00 (hardware): 1,327.00 of nets; an invoice-level
    // discount leaves 1,000.00 paid, shared by the nets, the two minor
    // units left going to the largest remainders (hardware, then the
    // add-on).
    let mut paid = invoice("in_1", "evt_2", "cus_A", 100_000, 0, "usd", None);
    let line = |id: &str, product: &str, interval: Option<&str>, amount: i64, discount: i64| {
        json!({ "id": id, "object": "line_item", "amount": amount, "quantity": 1,
                "discount_amounts": [{ "amount": discount, "discount": "di_1" }],
                "price": { "id": format!("price_{product}"), "product": product,
                           "recurring": interval.map(|i| json!({ "interval": i })) } })
    };
    paid["data"]["object"]["lines"]["data"] = json!([
        line("il_yearly", "prod_pro", Some("year"), 120_000, 0),
        line("il_addon", "prod_seats", Some("month"), 3_000, 300),
        line("il_hw", "prod_hw", None, 10_000, 0),
    ]);
    paid["data"]["object"]["customer_address"] = json!({ "country": "de" });
    handled(&app, &paid, "done").await;
    let read = app
        .ok(
            &app.admin(),
            "{ commissions { nodes { amount lines { line { externalId productId planInterval amount } percentage amount } } } }",
            json!({}),
        )
        .await;
    let commission = &read["commissions"]["nodes"][0];
    assert_eq!(commission["amount"], "365.79");
    assert_eq!(
        commission["lines"],
        json!([
            { "line": { "externalId": "il_yearly", "productId": "prod_pro", "planInterval": "YEAR", "amount": "904.29" },
              "percentage": "40", "amount": "361.72" },
            { "line": { "externalId": "il_addon", "productId": "prod_seats", "planInterval": "MONTH", "amount": "20.35" },
              "percentage": "20", "amount": "4.07" },
            { "line": { "externalId": "il_hw", "productId": "prod_hw", "planInterval": "ONE_TIME", "amount": "75.36" },
              "percentage": null, "amount": "0.00" }
        ])
    );
}

const REFUND: &str = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) {
    event { refundedAmount lines { externalId refunded } } reversed { id } clawbacks { amount } } }";

crate::on_both_databases!(a_refund_naming_lines_gives_back_their_share_and_others_pro_rata);
async fn a_refund_naming_lines_gives_back_their_share_and_others_pro_rata(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let input = sale(&alice, "s1", "1330.00", guide_lines());
    app.ok(&events, RECORD, json!({ "input": input })).await;
    let refund = |input: Value| {
        let mut input = input;
        input["eventExternalId"] = json!("s1");
        json!({ "input": input })
    };
    let refunded = |data: &Value| {
        data["recordRefund"]["event"]["lines"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| l["refunded"].clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    // The hardware line comes back whole: it earned nothing, nothing leaves.
    let data = app
        .ok(&events, REFUND, refund(json!({ "lines": ["hw"] })))
        .await;
    assert_eq!(data["recordRefund"]["clawbacks"], json!([]));
    assert_eq!(data["recordRefund"]["event"]["refundedAmount"], "100.00");
    assert_eq!(
        refunded(&data),
        [json!("0.00"), json!("0.00"), json!("100.00")]
    );

    // A quarter of the yearly line: a quarter of its 480.00.
    let data = app
        .ok(
            &events,
            REFUND,
            refund(json!({ "lines": ["yearly"], "amount": "300.00" })),
        )
        .await;
    assert_eq!(
        data["recordRefund"]["clawbacks"],
        json!([{ "amount": "-120.00" }])
    );

    // Naming no line: what is left of each line, pro rata (900.00 and
    // 30.00 share 93.00 as 90.00 and 3.00), each line's own share leaving:
    // 36.00 of the yearly line, 0.60 of the add-on — not 486 × 93 / 1330.
    let data = app
        .ok(&events, REFUND, refund(json!({ "amount": "93.00" })))
        .await;
    assert_eq!(
        data["recordRefund"]["clawbacks"],
        json!([{ "amount": "-36.60" }])
    );
    assert_eq!(
        refunded(&data),
        [json!("390.00"), json!("3.00"), json!("100.00")]
    );

    // Beyond what is left of a line, an unknown line, a line named twice.
    for (input, field) in [
        (json!({ "lines": ["hw"], "amount": "0.01" }), "input.amount"),
        (
            json!({ "lines": ["addon"], "amount": "27.01" }),
            "input.amount",
        ),
        (json!({ "lines": ["yearly", "nope"] }), "input.lines[1]"),
        (json!({ "lines": ["addon", "addon"] }), "input.lines[1]"),
        (json!({ "lines": [] }), "input.lines"),
    ] {
        let errors = app.error(Some(&events), REFUND, refund(input)).await;
        assert_eq!(
            (code(&errors), crate::helpers::field(&errors)),
            ("BAD_USER_INPUT", field),
            "{errors}"
        );
    }
    let errors = app
        .error(Some(&events), REFUND, refund(json!({ "lines": ["hw"] })))
        .await;
    assert_eq!(code(&errors), "CONFLICT");

    // The rest: to the cent, the whole 486.00 has left.
    let data = app.ok(&events, REFUND, refund(json!({}))).await;
    assert_eq!(
        data["recordRefund"]["clawbacks"],
        json!([{ "amount": "-329.40" }])
    );
    assert_eq!(data["recordRefund"]["event"]["refundedAmount"], "1330.00");
    assert_eq!(
        refunded(&data),
        [json!("1200.00"), json!("30.00"), json!("100.00")]
    );

    // A sale recorded without lines refuses a refund naming some.
    let plain = json!({ "externalId": "p1", "partnerId": alice, "customerExternalId": "c-p",
                        "amount": "50.00" });
    app.ok(&events, RECORD, json!({ "input": plain })).await;
    let errors = app
        .error(
            Some(&events),
            REFUND,
            json!({ "input": { "eventExternalId": "p1", "lines": ["1"] } }),
        )
        .await;
    assert_eq!(
        (code(&errors), field(&errors)),
        ("BAD_USER_INPUT", "input.lines")
    );
}

crate::on_both_databases!(a_sale_no_line_earned_on_says_which_condition_paid_nothing);
async fn a_sale_no_line_earned_on_says_which_condition_paid_nothing(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let record = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
        event { nothingReason } commissions { id } } }";
    let hardware = json!([{ "externalId": "hw", "productId": "prod_hw", "amount": "100.00" }]);
    let data = app
        .ok(
            &events,
            record,
            json!({ "input": sale(&alice, "h1", "100.00", hardware) }),
        )
        .await;
    assert_eq!(data["recordEvent"]["commissions"], json!([]));
    assert_eq!(
        data["recordEvent"]["event"]["nothingReason"],
        "the partner group's rules: no line earned: line hw: nothing when the product is one of prod_hw"
    );

    // A yearly plan past its 12 months, beside the hardware.
    let lines = json!([
        { "externalId": "yearly", "productId": "prod_pro", "planInterval": "YEAR", "amount": "1200.00" },
        { "externalId": "hw", "productId": "prod_hw", "amount": "100.00" }
    ]);
    let mut late = sale(&alice, "y13", "1300.00", lines);
    late["customerAcquiredAt"] = json!("2025-01-15T00:00:00Z");
    late["occurredAt"] = json!("2026-01-15T00:00:00Z");
    let data = app.ok(&events, record, json!({ "input": late })).await;
    assert_eq!(
        data["recordEvent"]["event"]["nothingReason"],
        "the partner group's rules: no line earned: line yearly: \"Yearly plans\", 40 % for the first 12 months when the plan's interval is YEAR, whose months have passed; line hw: nothing when the product is one of prod_hw"
    );
}

crate::on_both_databases!(a_yearly_line_alone_past_its_months_says_its_rule_has_passed);
/// The guide's yearly line alone in its 13th customer month: every line of
/// the sale is past its months, and the reason names the line and its
/// rule (docs/conditions.md), not the customer's partnership in general.
async fn a_yearly_line_alone_past_its_months_says_its_rule_has_passed(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let record = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
        event { nothingReason } commissions { id } } }";
    let yearly = json!([
        { "externalId": "yearly", "productId": "prod_pro", "planInterval": "YEAR", "amount": "1200.00" }
    ]);
    let mut late = sale(&alice, "y13", "1200.00", yearly);
    late["customerAcquiredAt"] = json!("2025-01-15T00:00:00Z");
    late["occurredAt"] = json!("2026-01-15T00:00:00Z");
    let data = app.ok(&events, record, json!({ "input": late })).await;
    assert_eq!(data["recordEvent"]["commissions"], json!([]));
    assert_eq!(
        data["recordEvent"]["event"]["nothingReason"],
        "the partner group's rules: no line earned: line yearly: \"Yearly plans\", 40 % for the first 12 months when the plan's interval is YEAR, whose months have passed"
    );
}

crate::on_both_databases!(a_held_sales_lines_read_in_the_currencys_minor_digits_once_accrued);
/// The guide's sale sent naming only its customer: held until the
/// customer is attributed, then accrued from what was kept of it, its
/// lines' amounts as sent — `1200.00`, not `1200`.
async fn a_held_sales_lines_read_in_the_currencys_minor_digits_once_accrued(app: TestApp) {
    let alice = partner_in(&app, "Alice", guide_rules(), json!({})).await;
    let events = app.service("events:write");
    let mut held = sale(&alice, "h1", "1330.00", guide_lines());
    if let Some(held) = held.as_object_mut() {
        held.remove("partnerId");
    }
    let record = "mutation($input: RecordEventInput!) { recordEvent(input: $input) {
        unattributed event { id } commissions { id } } }";
    let data = app.ok(&events, record, json!({ "input": held })).await;
    assert_eq!(
        data["recordEvent"],
        json!({ "unattributed": true, "event": null, "commissions": [] })
    );
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }";
    let input = json!({ "input": { "customerExternalId": "c-h1", "partnerId": alice } });
    app.ok(&events, attribute, input).await;
    let read = "{ commissions { nodes { amount
        event { externalId lines { externalId amount refunded } }
        lines { line { externalId amount } amount } } } }";
    let line =
        |id: &str, amount: &str| json!({ "externalId": id, "amount": amount, "refunded": "0.00" });
    let earned = |id: &str, amount: &str, share: &str| json!({ "line": { "externalId": id, "amount": amount }, "amount": share });
    assert_eq!(
        app.ok(&app.admin(), read, json!({})).await["commissions"]["nodes"],
        json!([{
            "amount": "486.00",
            "event": { "externalId": "h1", "lines": [
                line("yearly", "1200.00"), line("addon", "30.00"), line("hw", "100.00")
            ] },
            "lines": [
                earned("yearly", "1200.00", "480.00"),
                earned("addon", "30.00", "6.00"),
                earned("hw", "100.00", "0.00")
            ]
        }])
    );
}

/// What a simulated 100.00 line earns when `when` holds (50 %) or does
/// not (the rest pays 10 %), with the line, customer and partner given.
async fn pays(app: &TestApp, when: Value, simulation: Value) -> String {
    let rules = json!([
        { "conditional": { "when": when, "then": { "percentage": "50" } } },
        { "recurring": { "percentage": "10" } }
    ]);
    let mut simulation = simulation;
    if simulation.get("lines").is_none() {
        simulation["lines"] = json!([{ "productId": "pro", "amount": "100.00" }]);
    }
    simulation["chargeAmount"] = json!("100.00");
    let data = app
        .ok(
            &app.admin(),
            "mutation($rules: [GroupRuleInput!]!, $simulation: SimulationInput!) {
                simulatePartnerGroupRules(rules: $rules, simulation: $simulation) { finalFee } }",
            json!({ "rules": rules, "simulation": simulation }),
        )
        .await;
    data["simulatePartnerGroupRules"]["finalFee"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn test(subject: &str, operator: &str, value: Value) -> Value {
    let mut test = json!({ "subject": subject, "operator": operator });
    match value {
        Value::Array(_) => test["values"] = value,
        Value::String(_) => test["value"] = value,
        _ => {}
    }
    json!({ "test": test })
}

crate::on_both_databases!(every_operator_holds_at_its_edges_and_a_missing_subject_holds_nothing);
async fn every_operator_holds_at_its_edges_and_a_missing_subject_holds_nothing(app: TestApp) {
    let (held, not) = ("50.00", "10.00");
    let none = json!({});
    let cases = [
        // Numbers compare as decimals; not a number compares false.
        (test("LINE_AMOUNT", "GT", json!("100")), &none, not),
        (test("LINE_AMOUNT", "GTE", json!("100")), &none, held),
        (test("LINE_AMOUNT", "LT", json!("100")), &none, not),
        (test("LINE_AMOUNT", "LTE", json!("100.000")), &none, held),
        (test("LINE_AMOUNT", "EQ", json!("100")), &none, held),
        (test("LINE_AMOUNT", "GT", json!("a lot")), &none, not),
        (test("LINE_QUANTITY", "IN", json!(["1", "2"])), &none, held),
        (test("LINE_QUANTITY", "NOT_IN", json!(["1"])), &none, not),
        // Strings compare exactly, case-sensitively.
        (test("LINE_PRODUCT", "EQ", json!("Pro")), &none, not),
        (test("LINE_PRODUCT", "NE", json!("Pro")), &none, held),
        (
            test("LINE_PRODUCT", "STARTS_WITH", json!("pr")),
            &none,
            held,
        ),
        (test("LINE_PRODUCT", "ENDS_WITH", json!("ro")), &none, held),
        (test("LINE_PRODUCT", "CONTAINS", json!("r")), &none, held),
        (test("LINE_PRODUCT", "CONTAINS", json!("x")), &none, not),
        // A missing subject: only NOT_EXISTS holds, NE and NOT_IN included.
        (test("LINE_COUPON", "NE", json!("SPRING")), &none, not),
        (test("LINE_COUPON", "NOT_IN", json!(["SPRING"])), &none, not),
        (test("LINE_COUPON", "EXISTS", Value::Null), &none, not),
        (test("LINE_COUPON", "NOT_EXISTS", Value::Null), &none, held),
        (test("PARTNER_COUNTRY", "NE", json!("DE")), &none, not),
        // The customer's month, at the edge of its bound.
        (
            test("CUSTOMER_MONTH", "LTE", json!("12")),
            &json!({ "customerMonths": 12 }),
            held,
        ),
        (
            test("CUSTOMER_MONTH", "LTE", json!("12")),
            &json!({ "customerMonths": 13 }),
            not,
        ),
    ];
    for (when, simulation, expected) in cases {
        assert_eq!(
            pays(&app, when.clone(), simulation.clone()).await,
            expected,
            "{when}"
        );
    }

    // Several tags: EQ when one is; NE only when none is.
    let tagged = |tags: Value| json!({ "partner": { "tags": tags } });
    let agency = test("PARTNER_TAG", "EQ", json!("agency"));
    let not_agency = test("PARTNER_TAG", "NE", json!("agency"));
    assert_eq!(
        pays(&app, agency.clone(), tagged(json!(["reseller", "agency"]))).await,
        held
    );
    assert_eq!(
        pays(
            &app,
            not_agency.clone(),
            tagged(json!(["reseller", "agency"]))
        )
        .await,
        not
    );
    assert_eq!(
        pays(&app, not_agency.clone(), tagged(json!(["reseller"]))).await,
        held
    );
    assert_eq!(pays(&app, not_agency, tagged(json!([]))).await, not);

    // Nesting: not (any of a coupon, or all of a yearly pro line) —
    // keyed subjects read their key.
    let nested = json!({ "not": { "any": [
        test("LINE_COUPON", "EXISTS", Value::Null),
        { "all": [
            test("LINE_INTERVAL", "EQ", json!("YEAR")),
            { "test": { "subject": "LINE_METADATA", "key": "seats", "operator": "GTE", "value": "10" } }
        ] }
    ] } });
    let line = |interval: &str, seats: i64| {
        json!({ "lines": [{ "productId": "pro", "planInterval": interval, "amount": "100.00",
                            "metadata": { "seats": seats } }] })
    };
    assert_eq!(pays(&app, nested.clone(), line("YEAR", 10)).await, not);
    assert_eq!(pays(&app, nested.clone(), line("YEAR", 9)).await, held);
    assert_eq!(pays(&app, nested, line("MONTH", 10)).await, held);
}

crate::on_both_databases!(the_first_rule_written_wins_and_upgrades_add_unless_kept_out);
async fn the_first_rule_written_wins_and_upgrades_add_unless_kept_out(app: TestApp) {
    let yearly = json!({ "conditional": {
        "when": test("LINE_INTERVAL", "EQ", json!("YEAR")), "then": { "percentage": "40" } } });
    let pro = json!({ "conditional": {
        "when": test("LINE_PRODUCT", "EQ", json!("prod_pro")), "then": { "amount": "5.00", "perUnit": true } } });
    let simulate = async |rules: Value, ltv: &str| {
        let data = app
            .ok(
                &app.admin(),
                "mutation($rules: [GroupRuleInput!]!, $lines: [EventLineInput!], $ltv: Decimal) {
                    simulatePartnerGroupRules(rules: $rules, simulation: {
                        chargeAmount: \"1200.00\", lines: $lines, partnerLtv: $ltv }) {
                        finalFee lines { rule percentage amount } } }",
                json!({ "rules": rules, "ltv": ltv, "lines": [
                    { "externalId": "y", "productId": "prod_pro", "planInterval": "YEAR",
                      "quantity": 3, "amount": "1200.00" }] }),
            )
            .await;
        data["simulatePartnerGroupRules"].clone()
    };
    // Written first, the yearly rule pays 40 % of 1200.00; swapped, the
    // product's 5.00 a unit (three units) pays first.
    let base = json!({ "recurring": { "percentage": "20" } });
    let first = simulate(json!([yearly, pro, base]), "0").await;
    assert_eq!(first["finalFee"], "480.00");
    let swapped = simulate(json!([pro, yearly, base]), "0").await;
    assert_eq!(swapped["finalFee"], "15.00");
    assert_eq!(swapped["lines"][0]["rule"], "CONDITIONAL");
    assert_eq!(swapped["lines"][0]["percentage"], Value::Null);

    // An LTV upgrade of 5 points adds to the matched 40 %, unless the
    // rule keeps upgrades out; never to a flat amount.
    let upgrade =
        json!({ "partnerLtvUpgrade": { "minLtvTotal": "1000", "upgradePercentage": "5" } });
    let upgraded = simulate(json!([yearly, base, upgrade]), "5000").await;
    assert_eq!(upgraded["finalFee"], "540.00");
    assert_eq!(upgraded["lines"][0]["percentage"], "45");
    let mut kept_out = yearly.clone();
    kept_out["conditional"]["then"]["keepUpgrades"] = json!(false);
    let kept = simulate(json!([kept_out, base, upgrade]), "5000").await;
    assert_eq!(kept["finalFee"], "480.00");
    let flat = simulate(json!([pro, base, upgrade]), "5000").await;
    assert_eq!(flat["finalFee"], "15.00");
    // Nothing: the line earns nothing, and no later rule pays it.
    let nothing = json!({ "conditional": {
        "when": test("LINE_PRODUCT", "EQ", json!("prod_pro")), "then": { "nothing": true } } });
    assert_eq!(
        simulate(json!([nothing, yearly, base]), "0").await["finalFee"],
        "0.00"
    );
}

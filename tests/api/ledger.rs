//! Events and the commission ledger (SPEC §7): accrual, exactly-once,
//! lifecycle, immutability, refunds, maturity, reading.

use crate::helpers::{Backend, OTHER_TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::ledger::{NESTED_LEDGER, assert_fields_read_alone_match_whole_rows, ledger_of};
use crate::support::partners::{approved_partner, partner_at};
use crate::support::sales::{RECORD, RECORD_MANY, commission, commission_id, record, sale_input};
use async_graphql::futures_util::future::join_all;
use revshare::db::Db;
use revshare::ledger::maturity;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

pub(crate) async fn commission_count(app: &TestApp) -> u64 {
    app.ok(&app.admin(), "{ commissions { totalCount } }", json!({}))
        .await["commissions"]["totalCount"]
        .as_u64()
        .unwrap()
}

on_both_databases!(
    an_event_accrues_a_commission_with_its_terms_and_holdback,
    the_engine_inputs_come_from_the_partners_stored_history,
    a_batch_carries_history_from_item_to_item,
    a_partner_named_both_ways_in_a_batch_keeps_its_order,
    a_batch_runs_the_same_statements_for_10_events_and_for_200,
    racing_batches_record_each_external_id_once,
    event_validations_name_the_field_and_write_nothing,
    a_batch_answers_each_item_on_its_own,
    twenty_concurrent_deliveries_accrue_one_commission,
    concurrent_single_events_are_each_answered_for_themselves,
    commissions_move_through_approval_to_payout,
    only_the_allowed_transitions_happen,
    an_approve_and_a_reverse_racing_on_one_commission_have_one_winner,
    the_database_refuses_to_change_or_delete_a_commission,
    the_database_refuses_a_commission_disagreeing_with_its_event,
    refunds_reverse_or_claw_back_pro_rata,
    refunds_lower_the_history_later_events_see,
    partner_totals_are_the_sums_of_their_customers,
    the_maturity_job_approves_matured_commissions_once_across_instances,
    two_revshare_processes_approve_each_matured_commission_once,
    the_ledger_is_read_with_filters_and_partner_scoping,
    the_nested_ledger_read_runs_the_same_statements_for_5_and_50,
);

async fn an_event_accrues_a_commission_with_its_terms_and_holdback(app: TestApp) {
    let campaign = create_campaign(
        &app,
        json!({ "name": "Launch", "holdbackDays": 30,
                "rules": [{ "newCustomerTimeTier": { "maxMonths": 3, "percentage": 25 } }, { "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partner = approved_partner(&app, "Northwind", &campaign).await;
    let recorded = record(
        &app,
        json!({ "externalId": "ch_1", "partnerId": partner, "campaignId": campaign, "customerExternalId": "cus_1",
                "amount": 299.9, "currency": "USD", "occurredAt": "2026-01-15T12:00:00Z", "metadata": { "plan": "pro" } }),
    )
    .await;
    assert_eq!(recorded["duplicate"], false);
    assert_eq!(recorded["event"]["amount"], "299.90");
    let id = recorded["commissions"][0]["id"].as_str().unwrap();
    assert_eq!(
        commission(&app, id).await,
        json!({
            "id": id, "kind": "COMMISSION", "amount": "74.98", "currency": "USD", "status": "ACCRUED",
            "accruedAt": "2026-01-15T12:00:00Z", "holdbackDays": 30, "matureAt": "2026-02-14T12:00:00Z",
            "approvedAt": null, "paidAt": null, "reversedAt": null, "reversalReason": null, "reversalNote": null,
            "rulesSource": "SNAPSHOT", "partner": { "name": "Northwind" }, "campaign": { "name": "Launch" },
            "event": { "externalId": "ch_1", "amount": "299.90" }, "snapshot": { "source": "APPROVAL" },
            "breakdown": [{ "ruleIndex": 0, "type": "NEW_CUSTOMER_TIME_TIER", "percentage": "25", "amount": "74.975" }],
            "history": [],
        })
    );
    // Without a holdback there is no matureAt; an event that earns nothing writes no commission.
    let zero = app
        .create_partner(json!({ "name": "Default group partner" }))
        .await;
    let recorded = record(&app, sale_input(&zero, "ch_2", "50")).await;
    assert_eq!(recorded["commissions"], json!([]));
    let ten = partner_at(&app, "Ten", 10).await;
    let id = commission_id(&app, sale_input(&ten, "ch_3", "50")).await;
    let row = commission(&app, &id).await;
    assert_eq!(
        (
            row["amount"].as_str(),
            row["holdbackDays"].clone(),
            row["matureAt"].clone()
        ),
        (Some("5.00"), Value::Null, Value::Null)
    );
    assert_eq!(row["rulesSource"], "GROUP");
    assert_eq!(row["snapshot"], Value::Null);
    assert_fields_read_alone_match_whole_rows(&app).await;
}

/// A partner whose group uses every rule type, and a sequence of its events
/// with the fee each must earn given the ones before it.
async fn rich_history(app: &TestApp, name: &str) -> (String, Vec<(Value, &'static str)>) {
    let group = app
        .create_group(
            name,
            json!([
                { "newCustomerTimeTier": { "maxMonths": 1, "percentage": 50 } },
                { "recurring": { "percentage": 10 } },
                { "partnerLtvUpgrade": { "minLtvTotal": 1000, "upgradePercentage": 5 } },
                { "qualifiedCustomersUpgrade": { "minCustomers": 2, "upgradePercentage": 3 } },
                { "chargeThresholdBonus": { "minChargeTotal": 500, "bonus": 20 } },
                { "firstPaidCustomerBonus": { "bonus": 100 } },
                { "flatFee": { "amount": 2, "eventKind": "LEAD" } },
            ]),
        )
        .await;
    let partner = app
        .create_partner(json!({ "name": name, "groupId": group }))
        .await;
    let event = |id: &str, customer: &str, amount: &str, at: &str| json!({ "externalId": format!("{name}-{id}"), "partnerId": partner, "customerExternalId": customer, "amount": amount, "occurredAt": at });
    let mut late = event("e6", "D", "100", "2026-03-22T00:00:00Z");
    late["customerAcquiredAt"] = json!("2026-02-22T00:00:00Z");
    let sequence = vec![
        // Month 1, first paying customer, over the threshold: 300 + 20 + 100.
        (event("e1", "A", "600", "2026-01-10T00:00:00Z"), "420.00"),
        // Month 3 of A: 10 %; LTV 600 < 1000; one paying customer; A had its bonus.
        (event("e2", "A", "600", "2026-03-15T00:00:00Z"), "60.00"),
        // B's month 1: 50 % + 5 (LTV 1200); still one paying customer before it.
        (event("e3", "B", "100", "2026-03-20T00:00:00Z"), "55.00"),
        // C: 50 + 5 + 3 (two paying customers before it).
        (event("e4", "C", "100", "2026-03-21T00:00:00Z"), "58.00"),
        // C again in its month 1, over the threshold for the first time: 58 % of 500 + 20.
        (event("e5", "C", "500", "2026-03-25T00:00:00Z"), "310.00"),
        // Acquisition can be given explicitly: acquired in February, charged in March is month 2.
        (late, "18.00"),
        // A lead earns only the lead flat fee.
        (
            json!({ "externalId": format!("{name}-l1"), "partnerId": partner, "kind": "LEAD", "amount": 0 }),
            "2.00",
        ),
    ];
    (partner, sequence)
}

async fn the_engine_inputs_come_from_the_partners_stored_history(app: TestApp) {
    let (_, sequence) = rich_history(&app, "One by one").await;
    for (input, fee) in sequence {
        let recorded = record(&app, input.clone()).await;
        assert_eq!(recorded["commissions"][0]["amount"], fee, "{input}");
    }
}

async fn record_many(app: &TestApp, batch: Value) -> Value {
    app.ok(
        &app.service("events:write"),
        RECORD_MANY,
        json!({ "input": batch }),
    )
    .await
}

async fn a_partner_named_both_ways_in_a_batch_keeps_its_order(app: TestApp) {
    // A batch may run as several transactions (PostgreSQL), but a partner
    // named by id in one item and by externalId in another is one partner:
    // its items are accrued in input order, so the first paid customer bonus
    // goes to its first sale in the batch, and an externalId sent for two
    // partners is recorded for the first and CONFLICT for the second.
    let group = app
        .create_group(
            "Bonus",
            json!([{ "firstPaidCustomerBonus": { "bonus": 50 } }, { "recurring": { "percentage": 10 } }]),
        )
        .await;
    let both = app
        .create_partner(json!({ "name": "Both", "externalId": "both", "groupId": group }))
        .await;
    let other = partner_at(&app, "Other", 20).await;
    let data = record_many(
        &app,
        json!([
            { "externalId": "o-1", "partnerId": other, "customerExternalId": "z", "amount": "10" },
            { "externalId": "b-1", "partnerExternalId": "both", "customerExternalId": "x", "amount": "100" },
            { "externalId": "b-2", "partnerId": both, "customerExternalId": "y", "amount": "100" },
            { "externalId": "o-2", "partnerId": other, "customerExternalId": "z", "amount": "10" },
            { "externalId": "b-3", "partnerExternalId": "both", "customerExternalId": "x", "amount": "100" },
        ]),
    )
    .await;
    assert_eq!(
        outcomes(&data),
        [
            json!(["2.00"]),
            json!(["60.00"]),
            json!(["10.00"]),
            json!(["2.00"]),
            json!(["10.00"])
        ]
    );
    let data = record_many(
        &app,
        json!([
            { "externalId": "shared", "partnerId": other, "customerExternalId": "z", "amount": "10" },
            { "externalId": "o-3", "partnerId": other, "customerExternalId": "z", "amount": "10" },
            { "externalId": "shared", "partnerId": both, "customerExternalId": "y", "amount": "10" },
            { "externalId": "b-4", "partnerId": both, "customerExternalId": "y", "amount": "10" },
        ]),
    )
    .await;
    assert_eq!(
        outcomes(&data),
        [
            json!(["2.00"]),
            json!(["2.00"]),
            json!("CONFLICT"),
            json!(["1.00"])
        ]
    );
}

/// Each item's commission amounts, or its error code.
fn outcomes(data: &Value) -> Vec<Value> {
    data["recordEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| match item["payload"]["commissions"].as_array() {
            Some(commissions) => json!(
                commissions
                    .iter()
                    .map(|c| c["amount"].clone())
                    .collect::<Vec<_>>()
            ),
            None => item["error"]["code"].clone(),
        })
        .collect()
}

async fn a_batch_carries_history_from_item_to_item(app: TestApp) {
    // Two partners' sequences interleaved in one batch earn what they earn
    // one event at a time: each item sees the items before it.
    let (_, first) = rich_history(&app, "First").await;
    let (_, second) = rich_history(&app, "Second").await;
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for ((a, fee_a), (b, fee_b)) in first.into_iter().zip(second) {
        for (input, fee) in [(a, fee_a), (b, fee_b)] {
            expected.push(json!({ "externalId": input["externalId"], "payload": { "duplicate": false, "commissions": [{ "amount": fee }] }, "error": null }));
            batch.push(input);
        }
    }
    let data = record_many(&app, Value::Array(batch)).await;
    assert_eq!(data["recordEvents"], Value::Array(expected));
    // A customer billed in one currency can't be charged in another later in
    // the same batch; the items around it are recorded.
    let eur = create_campaign(
        &app,
        json!({ "name": "Euro", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partner = approved_partner(&app, "Two currencies", &eur).await;
    let batch = json!([
        { "externalId": "u1", "partnerId": partner, "customerExternalId": "cus", "amount": "10" },
        { "externalId": "u2", "partnerId": partner, "customerExternalId": "cus", "amount": "10", "campaignId": eur },
        { "externalId": "u3", "partnerId": partner, "customerExternalId": "other", "amount": "10", "campaignId": eur },
    ]);
    let data = record_many(&app, batch).await;
    assert_eq!(
        data["recordEvents"],
        json!([
            { "externalId": "u1", "payload": { "duplicate": false, "commissions": [] }, "error": null },
            { "externalId": "u2", "payload": null, "error": { "code": "BAD_USER_INPUT", "field": "input[1].currency" } },
            { "externalId": "u3", "payload": { "duplicate": false, "commissions": [{ "amount": "1.00" }] }, "error": null },
        ])
    );
}

async fn a_batch_runs_the_same_statements_for_10_events_and_for_200(app: TestApp) {
    // Set-based accrual: the statements of a batch don't grow with its size.
    // Customers repeat within each batch, and partners are named both ways.
    // No job runs on the app: a commission e-mail pass woken by the first
    // batch's commit would otherwise be counted in the second's.
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    let a = partner_at(&app, "Set A", 10).await;
    app.create_partner(json!({ "name": "Set B", "externalId": "set-b" }))
        .await;
    let token = app.service("events:write");
    app.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let batch = |n: usize, tag: &str| -> Value {
        (0..n)
            .map(|i| {
                let mut item = json!({ "externalId": format!("{tag}-{i}"), "customerExternalId": format!("c-{}", i % 7), "amount": "10" });
                if i % 2 == 0 {
                    item["partnerId"] = json!(a);
                } else {
                    item["partnerExternalId"] = json!("set-b");
                }
                item
            })
            .collect()
    };
    let mut counts = Vec::new();
    for (n, tag) in [(10, "ten"), (200, "many")] {
        let before = app.statements();
        let data = app
            .ok(&token, RECORD_MANY, json!({ "input": batch(n, tag) }))
            .await;
        counts.push(app.statements() - before);
        let items = data["recordEvents"].as_array().unwrap();
        assert!(items.iter().all(|item| item["error"].is_null()), "{data}");
        assert_eq!(
            items[0]["payload"]["commissions"],
            json!([{ "amount": "1.00" }])
        );
    }
    // Read: the customers' attributions, partners, events, campaigns,
    // snapshots, groups, totals, customers (enrollments only for campaigns
    // other than the default), the tenant's active tiers (none here). Written: customers, totals, events,
    // commissions, and the partners' balances; then the reports' rollups
    // (the tenant's time zone — after a lock of its own on PostgreSQL —, the
    // ledger's totals, the day's series). What reacts to the sales — the
    // performance bounties and `metricReached` workflows (SPEC §31, §35) —
    // runs after they commit, not in these transactions. On
    // PostgreSQL the two partners' items are two transactions side by side,
    // after one read that resolves the partner named by externalId; Set B
    // (default group, no rules) earns nothing, so its transaction writes no
    // commissions, no balances and no ledger totals (its events still count
    // in the series). Each transaction writes its events' activity
    // entries in one statement more (SPEC §34).
    let expected = match app.backend {
        Backend::Sqlite => 14 + 3 + 1,
        Backend::Postgres => 1 + (14 + 4 + 1) + (12 + 3 + 1),
    };
    assert_eq!(counts, [expected, expected]);
    assert_eq!(commission_count(&app).await, 105);
}

async fn racing_batches_record_each_external_id_once(app: TestApp) {
    // Two partners' batches share half their externalIds and run at once:
    // whichever commits first owns the shared ids, the other gets CONFLICT
    // for exactly those and still records its own.
    let a = partner_at(&app, "Racer A", 10).await;
    let b = partner_at(&app, "Racer B", 10).await;
    let batch = |partner: &str, own: &str| {
        let shared = (0..20).map(|i| sale_input(partner, &format!("shared-{i}"), "10"));
        let own = (0..20).map(|i| sale_input(partner, &format!("{own}-{i}"), "10"));
        Value::Array(shared.chain(own).collect())
    };
    let token = app.service("events:write");
    let replies = join_all([
        app.post(
            Some(&token),
            RECORD_MANY,
            json!({ "input": batch(&a, "a") }),
        ),
        app.post(
            Some(&token),
            RECORD_MANY,
            json!({ "input": batch(&b, "b") }),
        ),
    ])
    .await;
    fn outcome(reply: &(u16, Value)) -> Vec<&str> {
        assert_eq!(reply.0, 200, "{}", reply.1);
        reply.1["data"]["recordEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["error"]["code"].as_str().unwrap_or("OK"))
            .collect()
    }
    let (first, second) = (outcome(&replies[0]), outcome(&replies[1]));
    let all_ok = vec!["OK"; 40];
    let loser: Vec<&str> = [vec!["CONFLICT"; 20], vec!["OK"; 20]].concat();
    assert!(
        (first == all_ok && second == loser) || (first == loser && second == all_ok),
        "{first:?} {second:?}"
    );
    assert_eq!(commission_count(&app).await, 60);
}

async fn event_validations_name_the_field_and_write_nothing(app: TestApp) {
    let partner = partner_at(&app, "P", 10).await;
    let eur = create_campaign(
        &app,
        json!({ "name": "Euro", "currency": "EUR", "visibility": "INVITE_ONLY" }),
    )
    .await;
    let cases = [
        (
            json!({ "externalId": "x", "partnerId": "01J00000000000000000000000", "customerExternalId": "c", "amount": 1 }),
            "input.partnerId",
        ),
        (
            json!({ "externalId": "x", "partnerExternalId": "nobody", "customerExternalId": "c", "amount": 1 }),
            "input.partnerExternalId",
        ),
        // Neither a partner nor a customer whose partner it would be (a
        // sale naming only its customer is held, see attribution.rs).
        (
            json!({ "externalId": "x", "kind": "LEAD", "amount": 1 }),
            "input.partnerId",
        ),
        (
            json!({ "externalId": "", "partnerId": partner, "customerExternalId": "c", "amount": 1 }),
            "input.externalId",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "customerExternalId": "c", "amount": "1.001" }),
            "input.amount",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "customerExternalId": "c", "amount": -5 }),
            "input.amount",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "customerExternalId": "c", "amount": 0 }),
            "input.amount",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "amount": 5 }),
            "input.customerExternalId",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "customerExternalId": "c", "amount": 5, "currency": "EURO" }),
            "input.currency",
        ),
        (
            json!({ "externalId": "x", "partnerId": partner, "customerExternalId": "c", "amount": 5, "campaignId": eur }),
            "input.campaignId",
        ),
    ];
    for (input, expected) in cases {
        let error = app
            .error(
                Some(&app.service("events:write")),
                RECORD,
                json!({ "input": input }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{error}"
        );
    }
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            RECORD,
            json!({ "input": sale_input(&partner, "x", "5") }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    assert_eq!(commission_count(&app).await, 0);
}

async fn a_batch_answers_each_item_on_its_own(app: TestApp) {
    let partner = partner_at(&app, "Batcher", 10).await;
    let batch = json!([
        sale_input(&partner, "b1", "10"),
        sale_input("01J00000000000000000000000", "b2", "10"),
        sale_input(&partner, "b3", "20"),
        sale_input(&partner, "b1", "10"),
        sale_input(&partner, "b1", "11"),
    ]);
    let data = record_many(&app, batch).await;
    assert_eq!(
        data["recordEvents"],
        json!([
            { "externalId": "b1", "payload": { "duplicate": false, "commissions": [{ "amount": "1.00" }] }, "error": null },
            { "externalId": "b2", "payload": null, "error": { "code": "BAD_USER_INPUT", "field": "input[1].partnerId" } },
            { "externalId": "b3", "payload": { "duplicate": false, "commissions": [{ "amount": "2.00" }] }, "error": null },
            { "externalId": "b1", "payload": { "duplicate": true, "commissions": [{ "amount": "1.00" }] }, "error": null },
            { "externalId": "b1", "payload": null, "error": { "code": "CONFLICT", "field": null } },
        ])
    );
    assert_eq!(commission_count(&app).await, 2);
    let too_many: Vec<Value> = (0..1001)
        .map(|i| sale_input(&partner, &format!("m{i}"), "1"))
        .collect();
    let error = app
        .error(
            Some(&app.service("events:write")),
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId } }",
            json!({ "input": too_many }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "input"));
}

async fn twenty_concurrent_deliveries_accrue_one_commission(app: TestApp) {
    let partner = partner_at(&app, "Once", 10).await;
    let token = app.service("events:write");
    let input = json!({ "input": { "externalId": "evt_once", "partnerId": partner, "customerExternalId": "c1", "amount": "123.45",
                                   "occurredAt": "2026-05-01T00:00:00Z" } });
    let replies = join_all((0..20).map(|_| app.post(Some(&token), RECORD, input.clone()))).await;
    let mut originals = 0;
    let mut commission_ids = Vec::new();
    for (status, body) in &replies {
        assert_eq!(*status, 200);
        assert!(body.get("errors").is_none(), "{body}");
        let payload = &body["data"]["recordEvent"];
        if payload["duplicate"] == false {
            originals += 1;
        }
        commission_ids.push(payload["commissions"].clone());
        // Every reply is the same result, apart from the duplicate flag.
        assert_eq!(
            payload["event"],
            replies[0].1["data"]["recordEvent"]["event"]
        );
    }
    assert_eq!(originals, 1);
    assert!(commission_ids.iter().all(|c| *c == commission_ids[0]));
    assert_eq!(commission_ids[0][0]["amount"], "12.35");

    // The same externalId with another amount is a conflict; the ledger is unchanged.
    let mut changed = input.clone();
    changed["input"]["amount"] = json!("999.00");
    let error = app.error(Some(&token), RECORD, changed).await;
    assert_eq!(code(&error), "CONFLICT");
    // The same payload, written differently (a number, more zeros), is a duplicate.
    let mut same = input.clone();
    same["input"]["amount"] = json!(123.450);
    let data = app.ok(&token, RECORD, same).await;
    assert_eq!(data["recordEvent"]["duplicate"], true);
    let data = app
        .ok(
            &app.admin(),
            "{ commissions { totalCount nodes { amount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["commissions"],
        json!({ "totalCount": 1, "nodes": [{ "amount": "12.35" }] })
    );
}

async fn concurrent_single_events_are_each_answered_for_themselves(app: TestApp) {
    // Calls that arrive together are accrued together; each still gets its
    // own result, and a bad one fails alone.
    let mut partners = Vec::new();
    for i in 0..4 {
        partners.push(partner_at(&app, &format!("Crowd {i}"), 10).await);
    }
    let token = app.service("events:write");
    let inputs: Vec<Value> = (0..40)
        .map(|i| {
            let amount = if i % 5 == 4 {
                "-1".to_owned()
            } else {
                format!("{}", 10 + i)
            };
            json!({ "input": sale_input(&partners[i % 4], &format!("crowd-{i}"), &amount) })
        })
        .collect();
    let replies = join_all(
        inputs
            .iter()
            .map(|input| app.post(Some(&token), RECORD, input.clone())),
    )
    .await;
    for (i, (status, body)) in replies.iter().enumerate() {
        assert_eq!(*status, 200);
        if i % 5 == 4 {
            assert_eq!(
                (code(&body["errors"][0]), field(&body["errors"][0])),
                ("BAD_USER_INPUT", "input.amount"),
                "{body}"
            );
        } else {
            let payload = &body["data"]["recordEvent"];
            assert_eq!(payload["event"]["externalId"], format!("crowd-{i}"));
            assert_eq!(payload["event"]["amount"], format!("{}.00", 10 + i));
            let fee = format!("{}.{}0", (10 + i) / 10, (10 + i) % 10);
            assert_eq!(payload["commissions"][0]["amount"], fee, "{body}");
        }
    }
    assert_eq!(commission_count(&app).await, 32);
}

async fn commissions_move_through_approval_to_payout(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 20).await;
    let a1 = commission_id(&app, sale_input(&alice, "a1", "100")).await;
    let a2 = commission_id(&app, sale_input(&alice, "a2", "50")).await;
    let b1 = commission_id(&app, sale_input(&bob, "b1", "100")).await;
    let writer = app.service("commissions:write");

    let data = app
        .ok(
            &writer,
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id status approvedAt } }",
            json!({ "ids": [a1, a2, b1] }),
        )
        .await;
    let approved = data["approveCommissions"].as_array().unwrap();
    assert_eq!(approved.len(), 3);
    assert!(
        approved
            .iter()
            .all(|c| c["status"] == "APPROVED" && c["approvedAt"].is_string())
    );

    let pay = "mutation($input: MarkCommissionsPaidInput!) { markCommissionsPaid(input: $input) { amount currency reference commissionCount partner { name } } }";
    let data = app
        .ok(
            &writer,
            pay,
            json!({ "input": { "ids": [a1, a2, b1], "reference": "wire-2026-05" } }),
        )
        .await;
    let mut payouts = data["markCommissionsPaid"].as_array().unwrap().clone();
    payouts.sort_by_key(|p| p["partner"]["name"].as_str().unwrap().to_owned());
    assert_eq!(
        payouts,
        vec![
            json!({ "amount": "15.00", "currency": "USD", "reference": "wire-2026-05", "commissionCount": 2, "partner": { "name": "Alice" } }),
            json!({ "amount": "20.00", "currency": "USD", "reference": "wire-2026-05", "commissionCount": 1, "partner": { "name": "Bob" } }),
        ]
    );
    let row = commission(&app, &a1).await;
    assert_eq!(row["status"], "PAID");
    assert!(row["paidAt"].is_string());
    assert_eq!(
        row["history"],
        json!([
            { "fromStatus": "ACCRUED", "toStatus": "APPROVED", "reason": null, "actor": "service-of-acme" },
            { "fromStatus": "APPROVED", "toStatus": "PAID", "reason": null, "actor": "service-of-acme" },
        ])
    );
    let data = app
        .ok(&app.admin(), "query($p: ID!) { partner(id: $p) { balance { currency accrued approved paid } payouts { nodes { amount reference } } } }", json!({ "p": alice }))
        .await;
    assert_eq!(
        data["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "15.00" }])
    );
    assert_eq!(
        data["partner"]["payouts"]["nodes"],
        json!([{ "amount": "15.00", "reference": "wire-2026-05" }])
    );
    assert_fields_read_alone_match_whole_rows(&app).await;
}

async fn only_the_allowed_transitions_happen(app: TestApp) {
    let partner = partner_at(&app, "Carol", 10).await;
    let accrued = commission_id(&app, sale_input(&partner, "c1", "100")).await;
    let other = commission_id(&app, sale_input(&partner, "c2", "100")).await;
    let admin = app.admin();
    let approve = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { status } }";
    let reverse = "mutation($id: ID!, $r: ReversalReason!) { reverseCommission(input: { id: $id, reason: $r, note: \"Self-referral\" }) { status reversalReason reversalNote reversedAt } }";
    let pay = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"r\" }) { amount } }";

    // ACCRUED cannot be paid.
    assert_eq!(
        code(
            &app.error(Some(&admin), pay, json!({ "ids": [accrued] }))
                .await
        ),
        "CONFLICT"
    );
    let data = app
        .ok(&admin, reverse, json!({ "id": accrued, "r": "FRAUD" }))
        .await;
    assert_eq!(data["reverseCommission"]["status"], "REVERSED");
    assert_eq!(data["reverseCommission"]["reversalReason"], "FRAUD");
    assert_eq!(data["reverseCommission"]["reversalNote"], "Self-referral");
    // REVERSED is final; and a batch with one bad id changes nothing.
    assert_eq!(
        code(
            &app.error(Some(&admin), approve, json!({ "ids": [accrued] }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.error(
                Some(&admin),
                reverse,
                json!({ "id": accrued, "r": "OTHER" })
            )
            .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.error(Some(&admin), approve, json!({ "ids": [other, accrued] }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(commission(&app, &other).await["status"], "ACCRUED");
    // APPROVED cannot be reversed or approved again.
    app.ok(&admin, approve, json!({ "ids": [other] })).await;
    assert_eq!(
        code(
            &app.error(Some(&admin), reverse, json!({ "id": other, "r": "OTHER" }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.error(Some(&admin), approve, json!({ "ids": [other] }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.error(
                Some(&admin),
                approve,
                json!({ "ids": ["01J00000000000000000000000"] })
            )
            .await
        ),
        "NOT_FOUND"
    );
    let error = app
        .error(Some(&admin), approve, json!({ "ids": [other, other] }))
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "ids[1]"));
    assert_eq!(
        code(
            &app.error(
                Some(&app.service("commissions:read")),
                approve,
                json!({ "ids": [other] })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        commission(&app, &accrued).await["history"],
        json!([{ "fromStatus": "ACCRUED", "toStatus": "REVERSED", "reason": "FRAUD", "actor": "admin-of-acme" }])
    );
    assert_fields_read_alone_match_whole_rows(&app).await;
}

async fn an_approve_and_a_reverse_racing_on_one_commission_have_one_winner(app: TestApp) {
    let partner = partner_at(&app, "Racer", 10).await;
    let admin = app.admin();
    for round in 0..5 {
        let id = commission_id(&app, sale_input(&partner, &format!("race-{round}"), "100")).await;
        let approve = app.post(
            Some(&admin),
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { status } }",
            json!({ "ids": [id] }),
        );
        let reverse = app.post(
            Some(&admin),
            "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: OTHER }) { status } }",
            json!({ "id": id }),
        );
        let (approved, reversed) = tokio::join!(approve, reverse);
        let won = [
            approved.1.get("errors").is_none(),
            reversed.1.get("errors").is_none(),
        ];
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "{approved:?} {reversed:?}"
        );
        let loser = if won[0] { &reversed.1 } else { &approved.1 };
        assert_eq!(code(&loser["errors"][0]), "CONFLICT");
        let row = commission(&app, &id).await;
        assert_eq!(row["history"].as_array().unwrap().len(), 1);
        assert_eq!(row["status"], if won[0] { "APPROVED" } else { "REVERSED" });
    }
}

async fn the_database_refuses_to_change_or_delete_a_commission(app: TestApp) {
    let partner = partner_at(&app, "Immutable", 10).await;
    let id = commission_id(&app, sale_input(&partner, "i1", "100")).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [id] }),
    )
    .await;
    let conn = app.db.conn();
    for sql in [
        format!("UPDATE commissions SET amount_minor = 1 WHERE id = '{id}'"),
        format!("UPDATE commissions SET currency = 'EUR' WHERE id = '{id}'"),
        format!("UPDATE commissions SET partner_id = tenant_id WHERE id = '{id}'"),
        format!("UPDATE commissions SET campaign_id = 'x' WHERE id = '{id}'"),
        format!("UPDATE commissions SET event_id = 'x' WHERE id = '{id}'"),
        format!("UPDATE commissions SET accrued_at = approved_at WHERE id = '{id}'"),
        format!("DELETE FROM commissions WHERE id = '{id}'"),
        format!(
            "UPDATE commission_transitions SET actor = 'someone else' WHERE commission_id = '{id}'"
        ),
        format!("DELETE FROM commission_transitions WHERE commission_id = '{id}'"),
    ] {
        let err = conn.execute_unprepared(&sql).await.expect_err(&sql);
        let text = err.to_string();
        assert!(
            text.contains("immutable")
                || text.contains("never deleted")
                || text.contains("append-only"),
            "{sql}: {text}"
        );
    }
    // Status moves are still allowed, and the row is as it was.
    let row = commission(&app, &id).await;
    assert_eq!(
        (row["amount"].as_str(), row["status"].as_str()),
        (Some("10.00"), Some("APPROVED"))
    );
    assert_eq!(row["history"].as_array().unwrap().len(), 1);
}

/// The composite keys: a commission whose partner, campaign or event is not
/// its event's, and an event whose partner is of another tenant, are refused
/// by the database itself (keys on PostgreSQL, triggers on SQLite), and so
/// is a change to an event's keys under its commissions, and a row naming
/// an event, partner, campaign or tenant that does not exist. The copies that
/// agree are accepted, so the refusals are the keys' and no other
/// constraint's.
async fn the_database_refuses_a_commission_disagreeing_with_its_event(app: TestApp) {
    let partner = partner_at(&app, "Keyed", 10).await;
    let other = partner_at(&app, "Other", 10).await;
    let recorded = record(&app, sale_input(&partner, "k1", "100")).await;
    let (id, event) = (
        recorded["commissions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        recorded["event"]["id"].as_str().unwrap().to_owned(),
    );
    let other_event = record(&app, sale_input(&other, "k2", "100")).await["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let campaign = create_campaign(&app, json!({ "name": "Elsewhere" })).await;
    let attempts = [
        (
            "commissions",
            &id,
            format!(", partner_id = '{other}'"),
            false,
        ),
        (
            "commissions",
            &id,
            format!(", event_id = '{other_event}'"),
            false,
        ),
        (
            "commissions",
            &id,
            format!(", campaign_id = '{campaign}'"),
            false,
        ),
        ("commissions", &id, String::new(), true),
        // What no row is: the keys a row's other keys imply were dropped
        // on PostgreSQL (migration 68), and still nothing dangles.
        (
            "commissions",
            &id,
            ", event_id = 'no-such-event'".to_owned(),
            false,
        ),
        (
            "commissions",
            &id,
            ", partner_id = 'no-such-partner', tenant_id = 'no-such-tenant'".to_owned(),
            false,
        ),
        (
            "events",
            &event,
            ", external_id = 'copied', partner_id = 'no-such-partner'".to_owned(),
            false,
        ),
        (
            "events",
            &event,
            ", external_id = 'copied', campaign_id = 'no-such-campaign'".to_owned(),
            false,
        ),
        (
            "events",
            &event,
            ", external_id = 'copied', tenant_id = 'no-such-tenant'".to_owned(),
            false,
        ),
        (
            "events",
            &event,
            format!(", external_id = 'copied', tenant_id = '{OTHER_TENANT}'"),
            false,
        ),
        (
            "events",
            &event,
            ", external_id = 'copied'".to_owned(),
            true,
        ),
    ];
    for (table, row, change, accepted) in attempts {
        let statements = [
            format!("CREATE TEMPORARY TABLE copied AS SELECT * FROM {table} WHERE id = '{row}'"),
            format!("UPDATE copied SET id = 'copied-row'{change}"),
            format!("INSERT INTO {table} SELECT * FROM copied"),
        ];
        let txn = sea_orm::TransactionTrait::begin(app.db.conn().unbounded())
            .await
            .unwrap();
        let mut outcome = Ok(());
        for sql in statements {
            if let Err(err) = txn.execute_unprepared(&sql).await {
                outcome = Err(err.to_string());
                break;
            }
        }
        txn.rollback().await.unwrap();
        match outcome {
            Ok(()) => assert!(accepted, "{table} with{change} was accepted"),
            Err(text) => {
                assert!(!accepted, "{table}: the agreeing copy was refused: {text}");
                assert!(
                    text.to_lowercase().contains("foreign key"),
                    "{table}{change}: {text}"
                );
            }
        }
    }
    let sql = format!("UPDATE events SET partner_id = '{other}' WHERE id = '{event}'");
    let err = app
        .db
        .conn()
        .execute_unprepared(&sql)
        .await
        .expect_err(&sql);
    assert!(
        err.to_string().to_lowercase().contains("foreign key"),
        "{err}"
    );
    assert_eq!(commission_count(&app).await, 2);
}

async fn refunds_lower_the_history_later_events_see(app: TestApp) {
    // LTV and paying customers net refunds: a customer refunded in full no
    // longer counts as paying; one refunded in part still does.
    let group = app
        .create_group(
            "Netted",
            json!([
                { "recurring": { "percentage": 10 } },
                { "partnerLtvUpgrade": { "minLtvTotal": 150, "upgradePercentage": 3 } },
                { "qualifiedCustomersUpgrade": { "minCustomers": 3, "upgradePercentage": 5 } },
            ]),
        )
        .await;
    let partner = app
        .create_partner(json!({ "name": "Netted", "groupId": group }))
        .await;
    let fee = |id: &'static str| {
        let app = &app;
        let input = json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"), "amount": "100" });
        async move { record(app, input).await["commissions"][0]["amount"].clone() }
    };
    let refund = |id: &'static str, amount: &'static str| {
        let app = &app;
        async move {
            app.ok(
                &app.service("events:write"),
                "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { refundedAmount } } }",
                json!({ "input": { "eventExternalId": id, "amount": amount } }),
            )
            .await;
        }
    };
    assert_eq!(fee("e1").await, "10.00");
    assert_eq!(fee("e2").await, "10.00");
    // LTV 200 before it: + 3.
    assert_eq!(fee("e3").await, "13.00");
    // Three paying customers before it: + 5.
    assert_eq!(fee("e4").await, "18.00");
    refund("e1", "100").await;
    refund("e2", "100").await;
    // Two paying customers are left (LTV 200): no + 5.
    assert_eq!(fee("e5").await, "13.00");
    refund("e3", "60").await;
    // The customer of e3 still pays 40: three paying, LTV 240.
    assert_eq!(fee("e6").await, "18.00");
}

/// Each partner's stored totals, and the same figures summed from its customers.
async fn totals_and_sums(db: &Db) -> (Vec<Value>, Vec<Value>) {
    let rows = |sql: &'static str| async move {
        db.conn()
            .query_all_raw(Statement::from_string(db.backend(), sql))
            .await
            .unwrap()
            .iter()
            .map(|row| {
                json!([
                    row.try_get::<String>("", "partner_id").unwrap(),
                    row.try_get::<String>("", "currency").unwrap(),
                    row.try_get::<i64>("", "ltv").unwrap(),
                    row.try_get::<i64>("", "paying").unwrap(),
                ])
            })
            .collect::<Vec<_>>()
    };
    (
        rows("SELECT partner_id, currency, ltv_minor AS ltv, paying_customers AS paying FROM partner_totals ORDER BY partner_id, currency").await,
        rows("SELECT partner_id, currency, CAST(SUM(net_minor) AS BIGINT) AS ltv, \
              CAST(SUM(CASE WHEN net_minor > 0 THEN 1 ELSE 0 END) AS BIGINT) AS paying \
              FROM customers GROUP BY partner_id, currency ORDER BY partner_id, currency").await,
    )
}

async fn partner_totals_are_the_sums_of_their_customers(app: TestApp) {
    // Kept by accrual (single events and batches) and refunds alike, and
    // rebuilt by the migration that introduced them from customers alone.
    let a = partner_at(&app, "Totals A", 10).await;
    let b = partner_at(&app, "Totals B", 10).await;
    for (i, amount) in ["10", "20", "30"].iter().enumerate() {
        record(&app, json!({ "externalId": format!("t{i}"), "partnerId": a, "customerExternalId": format!("c{i}"), "amount": amount })).await;
    }
    let batch: Vec<Value> = (0..6)
        .map(|i| json!({ "externalId": format!("tb{i}"), "partnerId": if i % 2 == 0 { &a } else { &b }, "customerExternalId": format!("c{}", i % 3), "amount": "5" }))
        .collect();
    record_many(&app, Value::Array(batch)).await;
    // A part of one of A's customers, and all of one of B's.
    for (event, amount) in [("t0", "5"), ("tb1", "5")] {
        app.ok(
            &app.service("events:write"),
            "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { id } } }",
            json!({ "input": { "eventExternalId": event, "amount": amount } }),
        )
        .await;
    }
    let (totals, sums) = totals_and_sums(&app.db).await;
    let mut expected = vec![json!([a, "USD", 7000, 3]), json!([b, "USD", 1000, 2])];
    expected.sort_by_key(|row| row[0].as_str().unwrap().to_owned());
    assert_eq!(totals, expected);
    assert_eq!(sums, totals);

    crate::helpers::remigrate_from(&app.db, "m20261121_000003_partner_totals").await;
    assert_eq!(totals_and_sums(&app.db).await.0, expected);
}

async fn refunds_reverse_or_claw_back_pro_rata(app: TestApp) {
    let campaign = create_campaign(
        &app,
        json!({ "name": "Quarter", "rules": [{ "recurring": { "percentage": 25 } }] }),
    )
    .await;
    let partner = approved_partner(&app, "Refunded", &campaign).await;
    let sale = |id: &str| json!({ "externalId": id, "partnerId": partner, "campaignId": campaign, "customerExternalId": "cust", "amount": "299.90" });
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { refundedAmount } reversed { status reversalReason } clawbacks { kind amount status original { id } } } }";
    let events = app.service("events:write");

    // A full refund of an accrued commission reverses it.
    record(&app, sale("full")).await;
    let data = app
        .ok(
            &events,
            refund,
            json!({ "input": { "eventExternalId": "full", "reason": "CHARGEBACK" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"],
        json!({ "event": { "refundedAmount": "299.90" }, "reversed": [{ "status": "REVERSED", "reversalReason": "CHARGEBACK" }], "clawbacks": [] })
    );
    let error = app
        .error(
            Some(&events),
            refund,
            json!({ "input": { "eventExternalId": "full" } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");

    // Partial refunds of an approved commission claw back pro rata, summing exactly.
    let original = commission_id(&app, sale("parts")).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [original] }),
    )
    .await;
    let mut clawed = Vec::new();
    for amount in [json!("99.96"), json!(99.97), Value::Null] {
        let data = app
            .ok(
                &events,
                refund,
                json!({ "input": { "eventExternalId": "parts", "amount": amount } }),
            )
            .await;
        let clawback = &data["recordRefund"]["clawbacks"][0];
        assert_eq!(
            (clawback["kind"].as_str(), clawback["status"].as_str()),
            (Some("CLAWBACK"), Some("APPROVED"))
        );
        assert_eq!(clawback["original"]["id"], original.as_str());
        clawed.push(clawback["amount"].as_str().unwrap().to_owned());
    }
    assert_eq!(clawed, vec!["-24.99", "-25.00", "-24.99"]);
    let error = app
        .error(
            Some(&events),
            refund,
            json!({ "input": { "eventExternalId": "parts", "amount": "0.01" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.amount")
    );

    // The balance nets the clawbacks: approved 74.98 − 74.98.
    let balance =
        "query($p: ID!) { partner(id: $p) { balance { currency accrued approved paid } } }";
    let data = app.ok(&app.admin(), balance, json!({ "p": partner })).await;
    assert_eq!(
        data["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "0.00" }])
    );

    // A partly refunded accrued commission cannot be reversed (its clawback would be stranded).
    let partial = commission_id(&app, sale("partial")).await;
    app.ok(
        &events,
        refund,
        json!({ "input": { "eventExternalId": "partial", "amount": "10.00" } }),
    )
    .await;
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD }) { id } }",
            json!({ "id": partial }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    let data = app
        .ok(
            &events,
            refund,
            json!({ "input": { "eventExternalId": "partial" } }),
        )
        .await;
    assert_eq!(data["recordRefund"]["clawbacks"][0]["amount"], "-72.48");
    assert_eq!(data["recordRefund"]["reversed"], json!([]));

    // A clawback nets against the next payout.
    let next = commission_id(&app, sale("next")).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [next] }),
    )
    .await;
    app.ok(
        &events,
        refund,
        json!({ "input": { "eventExternalId": "next", "amount": "99.96" } }),
    )
    .await;
    let data = app
        .ok(&app.admin(), "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"p1\" }) { amount commissionCount } }", json!({ "ids": [next] }))
        .await;
    assert_eq!(
        data["markCommissionsPaid"],
        json!([{ "amount": "49.99", "commissionCount": 2 }])
    );
    // "partial" is still accrued; its clawbacks wait, approved, to net against it.
    let data = app.ok(&app.admin(), balance, json!({ "p": partner })).await;
    assert_eq!(
        data["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "74.98", "approved": "-74.98", "paid": "49.99" }])
    );
    assert_fields_read_alone_match_whole_rows(&app).await;
}

/// A partner in a campaign with a 30-day holdback: 12 commissions accrued
/// long ago (matured) and one accrued now. Returns (campaign, partner,
/// matured ids, fresh id).
async fn held_commissions(app: &TestApp) -> (String, String, Vec<String>, String) {
    let campaign = create_campaign(app, json!({ "name": "Held", "holdbackDays": 30, "rules": [{ "recurring": { "percentage": 10 } }] })).await;
    let partner = approved_partner(app, "Patient", &campaign).await;
    let mut matured = Vec::new();
    for i in 0..12 {
        matured.push(
            commission_id(
                app,
                json!({ "externalId": format!("old-{i}"), "partnerId": partner, "campaignId": campaign, "customerExternalId": "c",
                        "amount": "10", "occurredAt": "2026-01-01T00:00:00Z" }),
            )
            .await,
        );
    }
    let fresh = commission_id(
        app,
        json!({ "externalId": "fresh", "partnerId": partner, "campaignId": campaign, "customerExternalId": "c", "amount": "10" }),
    )
    .await;
    (campaign, partner, matured, fresh)
}

async fn the_maturity_job_approves_matured_commissions_once_across_instances(app: TestApp) {
    let (campaign, partner, matured, fresh) = held_commissions(&app).await;

    // A second instance: its own connection pool to the same database.
    let other = Db::connect(&app.url, 4).await.unwrap();
    let now = chrono::Utc::now();
    let (first, second) = tokio::join!(
        maturity::approve_matured(&app.db, now),
        maturity::approve_matured(&other, now)
    );
    assert_eq!(first.unwrap() + second.unwrap(), 12);
    assert_eq!(maturity::approve_matured(&app.db, now).await.unwrap(), 0);
    for id in &matured {
        let row = commission(&app, id).await;
        assert_eq!(row["status"], "APPROVED");
        assert_eq!(
            row["history"],
            json!([{ "fromStatus": "ACCRUED", "toStatus": "APPROVED", "reason": null, "actor": "maturity" }])
        );
    }
    assert_eq!(commission(&app, &fresh).await["status"], "ACCRUED");

    // The background job does the same on its interval.
    let late = commission_id(
        &app,
        json!({ "externalId": "late", "partnerId": partner, "campaignId": campaign, "customerExternalId": "c",
                "amount": "10", "occurredAt": "2026-01-02T00:00:00Z" }),
    )
    .await;
    let shutdown = revshare::jobs::Shutdown::new();
    let db = app.db.clone();
    shutdown.runner().run(
        maturity::worker(std::time::Duration::from_millis(20)),
        move |_| {
            let db = db.clone();
            async move { maturity::step(&db).await }
        },
    );
    let mut status = Value::Null;
    for _ in 0..100 {
        status = commission(&app, &late).await["status"].clone();
        if status == "APPROVED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    shutdown.stop(tokio::time::Instant::now()).await;
    assert_eq!(status, "APPROVED");
}

/// A `revshare serve` process, killed when dropped (also when a test fails).
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn two_revshare_processes_approve_each_matured_commission_once(app: TestApp) {
    let (_, _, matured, fresh) = held_commissions(&app).await;

    // Two processes of the real binary on the app's database, started
    // together: their first maturity rounds run at the same moment.
    let dir = tempfile::tempdir().unwrap();
    let start = |name: &str| {
        let log = std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
            .arg("serve")
            .env("REVSHARE_DATABASE_URL", &app.url)
            .env("REVSHARE_LISTEN", "127.0.0.1:0")
            .env("REVSHARE_DATA_DIR", dir.path().join(name))
            .env(
                "REVSHARE_JWT_SECRET",
                "two-processes-secret-two-processes-secret",
            )
            .env("REVSHARE_MATURITY_INTERVAL", "1")
            .env("RUST_LOG", crate::support::wait::JOB_STEPS_LOGGED)
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Process(child)
    };
    let processes = [start("first"), start("second")];

    let count = async || {
        let mut approved = 0;
        for id in &matured {
            if commission(&app, id).await["status"] == "APPROVED" {
                approved += 1;
            }
        }
        approved
    };
    let within = std::time::Duration::from_secs(15);
    let approved =
        crate::support::wait::last_of(within, count, |approved| *approved == matured.len()).await;
    // A further round of each, which must find nothing left to approve.
    let log = |name: &'static str| {
        let path = dir.path().join(format!("{name}.log"));
        move || std::fs::read_to_string(&path).unwrap_or_default()
    };
    use crate::support::wait::{job_steps, until_a_step_after};
    let seen = ["first", "second"].map(|name| job_steps(&log(name)(), "maturity"));
    for (name, seen) in ["first", "second"].into_iter().zip(seen) {
        until_a_step_after("maturity", seen, log(name)).await;
    }
    drop(processes);
    assert_eq!(approved, matured.len());
    for id in &matured {
        assert_eq!(
            commission(&app, id).await["history"],
            json!([{ "fromStatus": "ACCRUED", "toStatus": "APPROVED", "reason": null, "actor": "maturity" }])
        );
    }
    assert_eq!(commission(&app, &fresh).await["status"], "ACCRUED");
    // What the two processes say they approved adds up to the 12, once each.
    let mut logged = 0;
    for name in ["first", "second"] {
        let log = std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap();
        assert!(!log.contains("ERROR"), "{name}: {log}");
        for line in log
            .lines()
            .filter(|l| l.contains("approved matured commissions"))
        {
            let count = line.split("approved=").nth(1).unwrap();
            logged += count.trim().parse::<usize>().unwrap();
        }
    }
    assert_eq!(logged, matured.len());
}

async fn the_ledger_is_read_with_filters_and_partner_scoping(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 10).await;
    let a1 = commission_id(&app, json!({ "externalId": "a1", "partnerId": alice, "customerExternalId": "x", "amount": "10", "occurredAt": "2026-01-01T00:00:00Z" })).await;
    let a2 = commission_id(&app, json!({ "externalId": "a2", "partnerId": alice, "customerExternalId": "x", "amount": "20", "occurredAt": "2026-02-01T00:00:00Z" })).await;
    let b1 = commission_id(&app, json!({ "externalId": "b1", "partnerId": bob, "customerExternalId": "y", "amount": "30", "occurredAt": "2026-03-01T00:00:00Z" })).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [a2] }),
    )
    .await;

    let list = "query($s: CommissionStatus, $p: ID, $from: DateTime, $to: DateTime, $first: Int) { commissions(status: $s, partnerId: $p, accruedFrom: $from, accruedTo: $to, first: $first) { totalCount nodes { id } } }";
    let ids = |data: &Value| -> Vec<String> {
        data["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let reader = app.service("commissions:read");
    assert_eq!(
        ids(&app.ok(&reader, list, json!({})).await),
        vec![a1.clone(), a2.clone(), b1.clone()]
    );
    assert_eq!(
        ids(&app.ok(&reader, list, json!({ "s": "APPROVED" })).await),
        vec![a2.clone()]
    );
    assert_eq!(
        ids(&app.ok(&reader, list, json!({ "p": alice })).await),
        vec![a1.clone(), a2.clone()]
    );
    assert_eq!(
        ids(&app
            .ok(
                &reader,
                list,
                json!({ "from": "2026-01-15T00:00:00Z", "to": "2026-03-01T00:00:00Z" })
            )
            .await),
        vec![a2.clone()]
    );
    assert_eq!(
        ids(&app.ok(&reader, list, json!({ "first": 500 })).await).len(),
        3
    );
    for first in [0, 501] {
        let error = app
            .error(Some(&reader), list, json!({ "first": first }))
            .await;
        assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "first"));
    }
    assert_eq!(
        code(
            &app.error(Some(&app.service("partners:read")), list, json!({}))
                .await
        ),
        "FORBIDDEN"
    );

    // A partner token sees only its own rows, whatever it asks for.
    let token = app.partner_token(&alice);
    assert_eq!(
        ids(&app.ok(&token, list, json!({})).await),
        vec![a1.clone(), a2.clone()]
    );
    assert_eq!(
        ids(&app.ok(&token, list, json!({ "p": bob })).await),
        Vec::<String>::new()
    );
    let one = "query($id: ID!) { commission(id: $id) { id } }";
    assert_eq!(
        app.ok(&token, one, json!({ "id": b1 })).await["commission"],
        Value::Null
    );
    assert_eq!(
        app.ok(&token, one, json!({ "id": a1 })).await["commission"]["id"],
        a1.as_str()
    );
    let data = app.ok(&token, "query($p: ID!) { partner(id: $p) { commissions { totalCount } balance { approved } } }", json!({ "p": alice })).await;
    assert_eq!(
        data["partner"],
        json!({ "commissions": { "totalCount": 2 }, "balance": [{ "approved": "2.00" }] })
    );
    let data = app
        .ok(
            &token,
            "query($p: ID!) { partner(id: $p) { commissions { totalCount } } }",
            json!({ "p": bob }),
        )
        .await;
    assert_eq!(data["partner"], Value::Null);
    // Another tenant sees none of it.
    let globex = app.admin_of(crate::helpers::OTHER_TENANT);
    assert_eq!(
        app.ok(&globex, one, json!({ "id": a1 })).await["commission"],
        Value::Null
    );
    assert_eq!(
        app.ok(&globex, list, json!({})).await["commissions"]["totalCount"],
        0
    );
}

async fn the_nested_ledger_read_runs_the_same_statements_for_5_and_50(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&app, 5).await;
    let token = app.admin();
    app.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let before = app.statements();
    let data = app.ok(&token, NESTED_LEDGER, json!({})).await;
    let few = app.statements() - before;
    assert_eq!(data["commissions"]["nodes"].as_array().unwrap().len(), 5);

    let other = TestApp::spawn_counting(app.backend).await.unwrap();
    ledger_of(&other, 50).await;
    let token = other.admin();
    other.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let before = other.statements();
    let data = other.ok(&token, NESTED_LEDGER, json!({})).await;
    let many = other.statements() - before;
    let nodes = data["commissions"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 50);
    assert_eq!(
        nodes[2],
        json!({ "amount": "0.50", "partner": { "name": "P3", "group": { "name": "Paying" } },
                                 "campaign": { "name": "Default campaign" }, "event": { "externalId": "n2" }, "snapshot": null, "history": [] })
    );
    // Page, partners, groups, campaigns, events, snapshots, histories.
    assert_eq!(few, 7);
    assert_eq!(many, few);
}

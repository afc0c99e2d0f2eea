//! Deals in the ledger (SPEC §8): stage moves and payments recorded as
//! events exactly once, entries firing once per stage reached and once per
//! payment occurrence, spiffs and their recipients, and deal commissions
//! through holdback, maturity, approval, payout, refunds and reversal.

use crate::helpers::{OTHER_TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::deals::{
    Pipeline, create_contact, create_deal, create_plan, id_of, move_deal, move_query, one_off, pay,
    pay_query, pipeline,
};
use crate::support::ledger::{assert_balances_agree, assert_fields_read_alone_match_whole_rows};
use crate::support::partners::enroll;
use async_graphql::futures_util::future::join_all;
use chrono::{TimeZone, Utc};
use revshare::ledger::maturity;
use serde_json::{Value, json};

on_both_databases!(
    deals_pay_once_per_stage_reached_and_per_payment_occurrence,
    deal_events_are_recorded_exactly_once,
    twenty_concurrent_deliveries_of_a_deal_event_record_one,
    spiffs_wait_for_their_recipient_and_are_paid_to_them,
    a_spiff_to_the_tenants_staff_is_not_the_partners_money,
    deal_commissions_follow_every_ledger_rule,
    deal_validations_name_the_field_and_write_nothing,
    a_partner_sees_its_own_deals_only,
    a_page_of_deals_runs_the_same_statements_for_5_and_50,
    deal_events_sent_together_are_answered_each_on_its_own,
    a_batch_of_deal_events_is_recorded_in_order_each_answered_on_its_own,
    deal_events_that_arrive_together_are_recorded_as_one_batch,
);

/// A deal read as the admin, with `selection`.
async fn deal_read(app: &TestApp, deal: &str, selection: &str) -> Value {
    let query = format!("query($id: ID!) {{ deal(id: $id) {{ {selection} }} }}");
    app.ok(&app.admin(), &query, json!({ "id": deal })).await["deal"].clone()
}

/// The amounts of what an event earned.
fn amounts(payload: &Value) -> Vec<&str> {
    payload["commissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["amount"].as_str().unwrap())
        .collect()
}

/// One breakdown line of a plan entry.
fn line(
    p: &Pipeline,
    entry: u32,
    stage: &str,
    occurrence: Option<u32>,
    (value, source): (&str, &str),
    base: &str,
    amount: &str,
) -> Value {
    json!({
        "vocabulary": "PLAN_ENTRY", "planLabel": "Pipeline plan", "entryIndex": entry, "stageId": p.stage(stage),
        "trigger": if occurrence.is_some() { "PAYMENT" } else { "STAGE" }, "occurrence": occurrence,
        "value": value, "valueSource": source, "base": base, "amount": amount
    })
}

/// 100 when a deal qualifies; when it is won 10 %, then 5 % of each of the
/// first 4 payments after, 8 % for the first two.
pub(crate) async fn pipeline_plan(app: &TestApp, p: &Pipeline) -> String {
    create_plan(
        app,
        json!({
            "label": "Pipeline plan",
            "partnerType": "RESELLER",
            "entries": [
                one_off(p.stage("Qualified"), "100"),
                { "paymentStageId": p.stage("Closed won"), "calculation": { "split": {
                    "oneOff": { "value": "10%" },
                    "recurring": { "value": "5%", "numberOfOccurrences": 4,
                                   "periodRates": [{ "startOccurrence": 1, "endOccurrence": 2, "value": "8%" }] } } } }
            ]
        }),
    )
    .await
}

async fn deals_pay_once_per_stage_reached_and_per_payment_occurrence(app: TestApp) {
    let p = pipeline(&app).await;
    pipeline_plan(&app, &p).await;
    let partner = app
        .create_partner(json!({ "name": "Reseller", "type": "RESELLER" }))
        .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "d-1", "partnerId": partner, "name": "Rollout", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;

    // Skipping Qualified reaches it all the same.
    let moved = move_deal(&app, &deal, p.stage("Proposal"), "m-1").await;
    assert_eq!(moved["duplicate"], false);
    assert_eq!(moved["event"]["kind"], "DEAL_STAGE", "{moved}");
    assert_eq!(moved["event"]["stage"]["name"], "Proposal");
    assert_eq!(moved["event"]["deal"]["name"], "Rollout");
    assert_eq!(moved["event"]["amount"], "1000.00");
    assert_eq!(moved["deal"]["stage"]["name"], "Proposal");
    let paid = &moved["commissions"][0];
    assert_eq!(
        (&paid["amount"], &paid["status"], &paid["plan"]["label"]),
        (&json!("100.00"), &json!("ACCRUED"), &json!("Pipeline plan"))
    );
    assert_eq!(
        paid["breakdown"],
        json!([line(
            &p,
            0,
            "Qualified",
            None,
            ("100", "BASE"),
            "1000.00",
            "100"
        )])
    );
    assert_eq!(moved["commissions"].as_array().unwrap().len(), 1);
    // Back and forth: nothing is reached for the first time.
    assert!(amounts(&move_deal(&app, &deal, p.stage("Lead"), "m-2").await).is_empty());
    assert!(amounts(&move_deal(&app, &deal, p.stage("Qualified"), "m-3").await).is_empty());
    // A payment before the deal is won: no recurring entry has its stage yet.
    let early = pay(&app, &deal, "p-0", None).await;
    assert_eq!(early["event"]["kind"], "DEAL_PAYMENT");
    assert_eq!(early["event"]["stage"], Value::Null);
    assert_eq!(early["deal"]["paymentCount"], 1);
    assert!(amounts(&early).is_empty());

    let won = move_deal(&app, &deal, p.stage("Closed won"), "m-4").await;
    assert_eq!(amounts(&won), ["100.00"]);
    assert_eq!(
        won["commissions"][0]["breakdown"],
        json!([line(
            &p,
            1,
            "Closed won",
            None,
            ("10%", "BASE"),
            "1000.00",
            "100"
        )])
    );
    // Occurrences count the payments after the stage was reached.
    let first = pay(&app, &deal, "p-1", None).await;
    assert_eq!(amounts(&first), ["80.00"]);
    assert_eq!(
        first["commissions"][0]["breakdown"],
        json!([line(
            &p,
            1,
            "Closed won",
            Some(1),
            ("8%", "PERIOD_RATE"),
            "1000.00",
            "80"
        )])
    );
    let second = pay(&app, &deal, "p-2", Some("500")).await;
    assert_eq!(second["event"]["amount"], "500.00");
    assert_eq!(
        second["commissions"][0]["breakdown"],
        json!([line(
            &p,
            1,
            "Closed won",
            Some(2),
            ("8%", "PERIOD_RATE"),
            "500.00",
            "40"
        )])
    );
    let third = pay(&app, &deal, "p-3", Some("333.33")).await;
    assert_eq!(
        third["commissions"][0]["breakdown"],
        json!([line(
            &p,
            1,
            "Closed won",
            Some(3),
            ("5%", "BASE"),
            "333.33",
            "16.6665"
        )])
    );
    assert_eq!(amounts(&third), ["16.67"]);
    assert_eq!(amounts(&pay(&app, &deal, "p-4", None).await), ["50.00"]);
    // The limit of 4 occurrences is reached.
    let fifth = pay(&app, &deal, "p-5", None).await;
    assert!(amounts(&fifth).is_empty());
    assert_eq!(fifth["deal"]["paymentCount"], 6);
    // Won again after a step back: the one-off does not fire twice.
    move_deal(&app, &deal, p.stage("Proposal"), "m-5").await;
    assert!(amounts(&move_deal(&app, &deal, p.stage("Closed won"), "m-6").await).is_empty());

    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { deal(id: $id) { stage { name } paymentCount commissions { totalCount nodes { amount } } events { totalCount nodes { kind externalId } } } }",
            json!({ "id": deal }),
        )
        .await;
    let read = &data["deal"];
    assert_eq!(read["stage"]["name"], "Closed won");
    assert_eq!(read["commissions"]["totalCount"], 6);
    assert_eq!(
        read["commissions"]["nodes"],
        json!([{ "amount": "100.00" }, { "amount": "100.00" }, { "amount": "80.00" }, { "amount": "40.00" }, { "amount": "16.67" }, { "amount": "50.00" }])
    );
    assert_eq!(read["events"]["totalCount"], 13);
    assert_eq!(
        read["events"]["nodes"][0],
        json!({ "kind": "DEAL_STAGE", "externalId": "d-1" })
    );

    // A deal created at a late stage has reached every stage before it.
    let late = create_deal(
        &app,
        json!({ "externalId": "d-2", "partnerId": partner, "name": "Late", "amount": "200", "stageId": p.stage("Closed won") }),
    )
    .await;
    let read = deal_read(
        &app,
        &late,
        "commissions { nodes { amount breakdown { entryIndex stageId } } }",
    )
    .await;
    assert_eq!(
        read["commissions"]["nodes"],
        json!([
            { "amount": "100.00", "breakdown": [{ "entryIndex": 0, "stageId": p.stage("Qualified") }] },
            { "amount": "20.00", "breakdown": [{ "entryIndex": 1, "stageId": p.stage("Closed won") }] }
        ])
    );
    assert_eq!(amounts(&pay(&app, &late, "late-1", None).await), ["16.00"]);
}

async fn deal_events_are_recorded_exactly_once(app: TestApp) {
    let p = pipeline(&app).await;
    pipeline_plan(&app, &p).await;
    let partner = app
        .create_partner(json!({ "name": "Once", "type": "RESELLER" }))
        .await;
    let input = json!({ "externalId": "once", "partnerId": partner, "name": "Once", "amount": "1000", "stageId": p.stage("Lead") });
    let deal = create_deal(&app, input.clone()).await;
    // The same creation again answers the same deal; another is refused.
    assert_eq!(create_deal(&app, input.clone()).await, deal);
    let mut changed = input.clone();
    changed["amount"] = json!("999");
    let error = app
        .error(
            Some(&app.admin()),
            crate::support::deals::CREATE_DEAL,
            json!({ "input": changed }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");

    let first = move_deal(&app, &deal, p.stage("Closed won"), "once-won").await;
    assert_eq!(amounts(&first), ["100.00", "100.00"]);
    let again = move_deal(&app, &deal, p.stage("Closed won"), "once-won").await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["event"]["id"], first["event"]["id"]);
    assert_eq!(again["commissions"], first["commissions"]);
    let error = app
        .error(
            Some(&app.admin()),
            &move_query(),
            json!({ "input": { "dealId": deal, "stageId": p.stage("Lead"), "externalId": "once-won" } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");

    let paid = pay(&app, &deal, "once-pay", None).await;
    let again = pay(&app, &deal, "once-pay", None).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["commissions"], paid["commissions"]);
    assert_eq!(again["deal"]["paymentCount"], 1);
    let error = app
        .error(
            Some(&app.admin()),
            &pay_query(),
            json!({ "input": { "dealId": deal, "externalId": "once-pay", "amount": "1" } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    // Deal events and ordinary events share the tenant's externalIds.
    let sale = json!({ "externalId": "once-pay", "partnerId": partner, "customerExternalId": "c", "amount": "10" });
    let error = app
        .error(
            Some(&app.service("events:write")),
            crate::support::sales::RECORD,
            json!({ "input": sale }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    crate::support::sales::record(
        &app,
        json!({ "externalId": "a-sale", "partnerId": partner, "customerExternalId": "c", "amount": "10" }),
    )
    .await;
    for (query, input) in [
        (
            move_query(),
            json!({ "dealId": deal, "stageId": p.stage("Lead"), "externalId": "a-sale" }),
        ),
        (
            pay_query(),
            json!({ "dealId": deal, "externalId": "a-sale" }),
        ),
    ] {
        let error = app
            .error(Some(&app.admin()), &query, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "CONFLICT");
    }
    // A move recorded for one deal is not another deal's.
    let other = create_deal(
        &app,
        json!({ "externalId": "other", "partnerId": partner, "name": "Other", "amount": "5", "stageId": p.stage("Lead") }),
    )
    .await;
    let error = app
        .error(
            Some(&app.admin()),
            &move_query(),
            json!({ "input": { "dealId": other, "stageId": p.stage("Closed won"), "externalId": "once-won" } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { deal(id: $id) { paymentCount commissions { totalCount } events { totalCount } } }",
            json!({ "id": deal }),
        )
        .await;
    assert_eq!(
        data["deal"],
        json!({ "paymentCount": 1, "commissions": { "totalCount": 3 }, "events": { "totalCount": 3 } })
    );
}

async fn twenty_concurrent_deliveries_of_a_deal_event_record_one(app: TestApp) {
    let p = pipeline(&app).await;
    pipeline_plan(&app, &p).await;
    let partner = app
        .create_partner(json!({ "name": "Raced", "type": "RESELLER" }))
        .await;
    let input = json!({ "externalId": "raced", "partnerId": partner, "name": "Raced", "amount": "1000", "stageId": p.stage("Closed won") });
    let token = app.admin();
    let creations = (0..20).map(|_| {
        app.post(
            Some(&token),
            crate::support::deals::CREATE_DEAL,
            json!({ "input": input }),
        )
    });
    let answers = join_all(creations).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(_, body)| {
            assert!(body.get("errors").is_none(), "{body}");
            id_of(&body["data"]["createDeal"])
        })
        .collect();
    assert_eq!(ids.len(), 1);
    let deal = ids.into_iter().next().unwrap();
    let query = pay_query();
    let payments = (0..20).map(|_| {
        app.post(
            Some(&token),
            &query,
            json!({ "input": { "dealId": deal, "externalId": "raced-pay" } }),
        )
    });
    let answers = join_all(payments).await;
    let mut firsts = 0;
    let mut commissions = std::collections::BTreeSet::new();
    for (_, body) in &answers {
        assert!(body.get("errors").is_none(), "{body}");
        let payload = &body["data"]["recordDealPayment"];
        if payload["duplicate"] == false {
            firsts += 1;
        }
        commissions.insert(payload["commissions"].to_string());
    }
    assert_eq!(firsts, 1);
    assert_eq!(commissions.len(), 1);
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { deals { totalCount } deal(id: $id) { paymentCount commissions { totalCount nodes { amount } } events { totalCount } } }",
            json!({ "id": deal }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "deals": { "totalCount": 1 }, "deal": { "paymentCount": 1,
                "commissions": { "totalCount": 3, "nodes": [{ "amount": "100.00" }, { "amount": "100.00" }, { "amount": "80.00" }] },
                "events": { "totalCount": 2 } } })
    );
}

const APPROVE: &str = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id status } }";
const ASSIGN: &str = "mutation($c: ID!, $to: ID!) { assignCommissionRecipient(commissionId: $c, contactId: $to) { id recipientPending recipient { name } } }";

async fn spiffs_wait_for_their_recipient_and_are_paid_to_them(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won");
    create_plan(
        &app,
        json!({ "label": "Org", "partnerType": "RESELLER", "entries": [one_off(won, "10%")] }),
    )
    .await;
    let spiff = create_plan(
        &app,
        json!({ "label": "Lead spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "LEAD_CREATOR", "entries": [one_off(won, "500")] }),
    )
    .await;
    let north = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    let south = app
        .create_partner(json!({ "name": "South", "type": "RESELLER" }))
        .await;
    let ana = create_contact(&app, Some(&north), "Ana").await;
    let bo = create_contact(&app, Some(&south), "Bo").await;
    let ours = create_contact(&app, None, "Our seller").await;

    let with_lead = create_deal(
        &app,
        json!({ "externalId": "a", "partnerId": north, "name": "A", "amount": "1000", "stageId": p.stage("Lead"), "leadCreatorId": ana }),
    )
    .await;
    let won_a = move_deal(&app, &with_lead, won, "a-won").await;
    let org_a = id_of(&won_a["commissions"][0]);
    let spiff_a = id_of(&won_a["commissions"][1]);
    assert_eq!(
        (
            &won_a["commissions"][0]["recipient"],
            &won_a["commissions"][0]["recipientPending"]
        ),
        (&Value::Null, &json!(false))
    );
    assert_eq!(
        (
            &won_a["commissions"][1]["amount"],
            &won_a["commissions"][1]["recipient"],
            &won_a["commissions"][1]["recipientPending"]
        ),
        (&json!("500.00"), &json!({ "name": "Ana" }), &json!(false))
    );

    // No lead creator: the spiff waits for a recipient.
    let without = create_deal(
        &app,
        json!({ "externalId": "b", "partnerId": north, "name": "B", "amount": "2000", "stageId": p.stage("Lead") }),
    )
    .await;
    let won_b = move_deal(&app, &without, won, "b-won").await;
    let org_b = id_of(&won_b["commissions"][0]);
    let spiff_b = id_of(&won_b["commissions"][1]);
    assert_eq!(won_b["commissions"][1]["recipientPending"], true);
    assert_eq!(won_b["commissions"][1]["recipient"], Value::Null);
    // Not approved before it has one, nor anything approved with it.
    for ids in [json!([spiff_b]), json!([org_b, spiff_b])] {
        let error = app
            .error(Some(&app.admin()), APPROVE, json!({ "ids": ids }))
            .await;
        assert_eq!(code(&error), "CONFLICT", "{error}");
    }
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { commission(id: $id) { status } }",
            json!({ "id": org_b }),
        )
        .await;
    assert_eq!(data["commission"]["status"], "ACCRUED");
    // Only the deal partner's staff or the tenant's own people.
    let error = app
        .error(
            Some(&app.admin()),
            ASSIGN,
            json!({ "c": spiff_b, "to": bo }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "contactId")
    );
    let error = app
        .error(Some(&app.admin()), ASSIGN, json!({ "c": org_b, "to": ana }))
        .await;
    assert_eq!(code(&error), "CONFLICT");
    let error = app
        .error(
            Some(&app.service("deals:write")),
            ASSIGN,
            json!({ "c": spiff_b, "to": ana }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let data = app
        .ok(&app.admin(), ASSIGN, json!({ "c": spiff_b, "to": ours }))
        .await;
    assert_eq!(
        data["assignCommissionRecipient"],
        json!({ "id": spiff_b, "recipientPending": false, "recipient": { "name": "Our seller" } })
    );
    let error = app
        .error(
            Some(&app.admin()),
            ASSIGN,
            json!({ "c": spiff_b, "to": ana }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");

    // Paid: one payout to the partner, one to each person.
    app.ok(
        &app.admin(),
        APPROVE,
        json!({ "ids": [org_a, spiff_a, org_b, spiff_b] }),
    )
    .await;
    let data = app
        .ok(
            &app.admin(),
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"june\" }) { amount commissionCount partner { name } recipient { name } } }",
            json!({ "ids": [org_a, spiff_a, org_b, spiff_b] }),
        )
        .await;
    let mut payouts: Vec<Value> = data["markCommissionsPaid"].as_array().unwrap().clone();
    payouts.sort_by_key(|p| p["amount"].as_str().unwrap().to_owned());
    assert_eq!(
        payouts,
        [
            json!({ "amount": "300.00", "commissionCount": 2, "partner": { "name": "North" }, "recipient": null }),
            json!({ "amount": "500.00", "commissionCount": 1, "partner": { "name": "North" }, "recipient": { "name": "Ana" } }),
            json!({ "amount": "500.00", "commissionCount": 1, "partner": { "name": "North" }, "recipient": { "name": "Our seller" } }),
        ]
    );

    // MANUAL: every spiff of the plan waits, lead creator or not.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCommissionPlan(id: $id, input: { autoAssignRecipient: MANUAL }) { id } }",
        json!({ "id": spiff }),
    )
    .await;
    let manual = create_deal(
        &app,
        json!({ "externalId": "c", "partnerId": north, "name": "C", "amount": "10", "stageId": won, "leadCreatorId": ana }),
    )
    .await;
    let read = deal_read(
        &app,
        &manual,
        "commissions { nodes { amount recipientPending recipient { name } } }",
    )
    .await;
    assert_eq!(
        read["commissions"]["nodes"],
        json!([
            { "amount": "1.00", "recipientPending": false, "recipient": null },
            { "amount": "500.00", "recipientPending": true, "recipient": null }
        ])
    );
    // The partner reads its spiffs and who they pay.
    let data = app
        .ok(
            &app.partner_token(&north),
            "{ commissions(first: 10) { nodes { amount recipient { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["commissions"]["nodes"][1],
        json!({ "amount": "500.00", "recipient": { "name": "Ana" } })
    );
    assert_balances_agree(&app).await;
    assert_fields_read_alone_match_whole_rows(&app).await;
}

/// A spiff to one of the tenant's own people is the tenant's expense, not
/// the partner's money: the partner's balance, commissions and payouts leave
/// it out (its own people's spiffs stay in), and the person has a balance
/// of their own — also once a waiting spiff is assigned to them.
async fn a_spiff_to_the_tenants_staff_is_not_the_partners_money(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won");
    create_plan(
        &app,
        json!({ "label": "Org", "partnerType": "RESELLER", "entries": [one_off(won, "10%")] }),
    )
    .await;
    let spiff = create_plan(
        &app,
        json!({ "label": "Lead spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "LEAD_CREATOR", "entries": [one_off(won, "500")] }),
    )
    .await;
    let north = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    let ana = create_contact(&app, Some(&north), "Ana").await;
    let ours = create_contact(&app, None, "Our seller").await;
    for (external, lead) in [("staff", &ours), ("own", &ana)] {
        let deal = create_deal(
            &app,
            json!({ "externalId": external, "partnerId": north, "name": external, "amount": "1000", "stageId": p.stage("Lead"), "leadCreatorId": lead }),
        )
        .await;
        move_deal(&app, &deal, won, &format!("{external}-won")).await;
    }
    let portal = "{ viewer { partner { balance { currency accrued approved paid } \
        commissions(first: 10) { totalCount nodes { amount recipient { name } } } payouts { nodes { amount } } } } \
        commissions(first: 10) { nodes { amount } } }";
    let token = app.partner_token(&north);
    let data = app.ok(&token, portal, json!({})).await;
    let partner = &data["viewer"]["partner"];
    assert_eq!(
        partner["balance"],
        json!([{ "currency": "USD", "accrued": "700.00", "approved": "0.00", "paid": "0.00" }])
    );
    assert_eq!(
        partner["commissions"],
        json!({ "totalCount": 3, "nodes": [
            { "amount": "100.00", "recipient": null },
            { "amount": "100.00", "recipient": null },
            { "amount": "500.00", "recipient": { "name": "Ana" } }
        ] })
    );
    assert_eq!(data["commissions"]["nodes"].as_array().unwrap().len(), 3);
    // The staff spiff, by id, is not the partner's to read.
    let data = app
        .ok(
            &app.admin(),
            "{ commissions(first: 10) { nodes { id amount recipient { name } } } }",
            json!({}),
        )
        .await;
    let staff_spiff = data["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["recipient"]["name"] == "Our seller")
        .unwrap()["id"]
        .clone();
    let by_id = "query($id: ID!) { commission(id: $id) { amount } }";
    let data = app.ok(&token, by_id, json!({ "id": staff_spiff })).await;
    assert_eq!(data["commission"], Value::Null);
    // The person's own balance.
    let balances =
        "{ contacts(first: 10) { nodes { name balance { currency accrued approved paid } } } }";
    let data = app.ok(&app.admin(), balances, json!({})).await;
    assert_eq!(
        data["contacts"]["nodes"],
        json!([
            { "name": "Ana", "balance": [{ "currency": "USD", "accrued": "500.00", "approved": "0.00", "paid": "0.00" }] },
            { "name": "Our seller", "balance": [{ "currency": "USD", "accrued": "500.00", "approved": "0.00", "paid": "0.00" }] }
        ])
    );
    // Paid: the staff payout is not among the partner's.
    let all: Vec<Value> = app
        .ok(
            &app.admin(),
            "{ commissions(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    app.ok(&app.admin(), APPROVE, json!({ "ids": all })).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"june\" }) { amount } }",
        json!({ "ids": all }),
    )
    .await;
    let data = app.ok(&token, portal, json!({})).await;
    let partner = &data["viewer"]["partner"];
    assert_eq!(
        partner["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "700.00" }])
    );
    let mut paid: Vec<&str> = partner["payouts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount"].as_str().unwrap())
        .collect();
    paid.sort();
    assert_eq!(paid, ["200.00", "500.00"]);
    // A waiting spiff assigned to the tenant's person leaves the partner's
    // balance for theirs.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCommissionPlan(id: $id, input: { autoAssignRecipient: MANUAL }) { id } }",
        json!({ "id": spiff }),
    )
    .await;
    let manual = create_deal(
        &app,
        json!({ "externalId": "manual", "partnerId": north, "name": "M", "amount": "10", "stageId": p.stage("Lead") }),
    )
    .await;
    let moved = move_deal(&app, &manual, won, "manual-won").await;
    let waiting = id_of(&moved["commissions"][1]);
    let accrued = |data: &Value| data["viewer"]["partner"]["balance"][0]["accrued"].clone();
    assert_eq!(accrued(&app.ok(&token, portal, json!({})).await), "501.00");
    app.ok(&app.admin(), ASSIGN, json!({ "c": waiting, "to": ours }))
        .await;
    assert_eq!(accrued(&app.ok(&token, portal, json!({})).await), "1.00");
    let data = app.ok(&app.admin(), balances, json!({})).await;
    assert_eq!(
        data["contacts"]["nodes"][1]["balance"],
        json!([{ "currency": "USD", "accrued": "500.00", "approved": "0.00", "paid": "500.00" }])
    );
    assert_balances_agree(&app).await;
    // The migration that moved staff spiffs out of partners' balances
    // rebuilds the same figures.
    crate::helpers::remigrate_from(&app.db, "m20261122_000008_staff_payees").await;
    assert_balances_agree(&app).await;
    assert_eq!(accrued(&app.ok(&token, portal, json!({})).await), "1.00");
}

const REFUND: &str = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { reversed { id amount } clawbacks { amount status plan { id } deal { id } } } }";

async fn deal_commissions_follow_every_ledger_rule(app: TestApp) {
    let p = pipeline(&app).await;
    let campaign = create_campaign(
        &app,
        json!({ "name": "Deals", "rules": [{ "recurring": { "percentage": 0 } }], "holdbackDays": 30 }),
    )
    .await;
    let partner = app
        .create_partner(json!({ "name": "Held", "type": "RESELLER" }))
        .await;
    enroll(&app, &partner, &campaign).await;
    let plan = create_plan(
        &app,
        json!({ "label": "Held plan", "partnerType": "RESELLER", "entries": [{ "paymentStageId": p.stage("Closed won"),
                "calculation": { "split": { "oneOff": { "value": "10%" }, "recurring": { "value": "10%" } } } }] }),
    )
    .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "held", "partnerId": partner, "campaignId": campaign, "name": "Held", "amount": "1000",
                "stageId": p.stage("Closed won"), "occurredAt": "2026-03-01T00:00:00Z" }),
    )
    .await;
    for (external, at) in [
        ("held-1", "2026-04-01T00:00:00Z"),
        ("held-2", "2026-05-01T00:00:00Z"),
        ("held-3", "2026-06-01T00:00:00Z"),
        ("held-4", "2026-06-02T00:00:00Z"),
    ] {
        app.ok(
            &app.admin(),
            &pay_query(),
            json!({ "input": { "dealId": deal, "externalId": external, "occurredAt": at } }),
        )
        .await;
    }
    let ledger = "query($id: ID!) { deal(id: $id) { commissions { nodes { id amount status holdbackDays accruedAt matureAt campaign { name } event { externalId } } } } }";
    let data = app.ok(&app.admin(), ledger, json!({ "id": deal })).await;
    let rows = data["deal"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        (
            &rows[0]["holdbackDays"],
            &rows[0]["accruedAt"],
            &rows[0]["matureAt"],
            &rows[0]["campaign"]["name"]
        ),
        (
            &json!(30),
            &json!("2026-03-01T00:00:00Z"),
            &json!("2026-03-31T00:00:00Z"),
            &json!("Deals")
        )
    );
    assert_eq!(rows[1]["matureAt"], "2026-05-01T00:00:00Z");
    let ids: Vec<String> = rows.iter().map(id_of).collect();

    // Maturity approves what has matured: the one-off and the first payment.
    let now = Utc.with_ymd_and_hms(2026, 5, 15, 0, 0, 0).unwrap();
    assert_eq!(maturity::approve_matured(&app.db, now).await.unwrap(), 2);
    let data = app.ok(&app.admin(), ledger, json!({ "id": deal })).await;
    let statuses: Vec<&str> = data["deal"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["APPROVED", "APPROVED", "ACCRUED", "ACCRUED", "ACCRUED"]
    );

    let events = app.service("events:write");
    // A partial refund of a payment claws back its share.
    let data = app
        .ok(
            &events,
            REFUND,
            json!({ "input": { "eventExternalId": "held-2", "amount": "250" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"],
        json!({ "reversed": [], "clawbacks": [{ "amount": "-25.00", "status": "APPROVED", "plan": { "id": plan }, "deal": { "id": deal } }] })
    );
    // A full refund of an accrued payment reverses its commission.
    let data = app
        .ok(
            &events,
            REFUND,
            json!({ "input": { "eventExternalId": "held-3" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"],
        json!({ "reversed": [{ "id": ids[3], "amount": "100.00" }], "clawbacks": [] })
    );
    // A full refund of an approved one claws it back.
    let data = app
        .ok(
            &events,
            REFUND,
            json!({ "input": { "eventExternalId": "held-1" } }),
        )
        .await;
    assert_eq!(data["recordRefund"]["clawbacks"][0]["amount"], "-100.00");
    // A stage move received no money.
    let error = app
        .error(
            Some(&events),
            REFUND,
            json!({ "input": { "eventExternalId": "held" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.eventExternalId")
    );
    // Reversal by hand, with a reason.
    let data = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD, note: \"duplicate deal\" }) { status reversalReason } }",
            json!({ "id": ids[4] }),
        )
        .await;
    assert_eq!(
        data["reverseCommission"],
        json!({ "status": "REVERSED", "reversalReason": "FRAUD" })
    );
    // The one-off is paid; the first payment's clawback nets into the
    // payout of its original.
    let data = app
        .ok(
            &app.admin(),
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"may\" }) { amount commissionCount } }",
            json!({ "ids": [ids[0], ids[1]] }),
        )
        .await;
    assert_eq!(
        data["markCommissionsPaid"],
        json!([{ "amount": "100.00", "commissionCount": 3 }])
    );
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { balance { currency accrued approved paid } } }",
            json!({ "id": partner }),
        )
        .await;
    // Accrued: the second payment (100); approved: its clawback (−25);
    // paid: 100 + 100 − 100.
    assert_eq!(
        data["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "100.00", "approved": "-25.00", "paid": "100.00" }])
    );
    assert_balances_agree(&app).await;
}

async fn deal_validations_name_the_field_and_write_nothing(app: TestApp) {
    let p = pipeline(&app).await;
    let partner = app
        .create_partner(json!({ "name": "Valid", "type": "RESELLER", "externalId": "valid" }))
        .await;
    let other = app
        .create_partner(json!({ "name": "Elsewhere", "type": "RESELLER" }))
        .await;
    let paused = app
        .create_partner(json!({ "name": "Paused", "type": "RESELLER", "status": "SUSPENDED" }))
        .await;
    let theirs = create_contact(&app, Some(&other), "Theirs").await;
    let campaign = create_campaign(
        &app,
        json!({ "name": "Closed door", "rules": [{ "recurring": { "percentage": 1 } }] }),
    )
    .await;
    let lead = p.stage("Lead");
    let base = json!({ "externalId": "v", "partnerId": partner, "name": "Valid deal", "amount": "100", "stageId": lead });
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                input.as_object_mut().unwrap().remove(k);
            } else {
                input[k] = v.clone();
            }
        }
        input
    };
    for (input, path) in [
        (with(json!({ "externalId": " " })), "input.externalId"),
        (with(json!({ "name": "" })), "input.name"),
        (with(json!({ "partnerId": "nope" })), "input.partnerId"),
        (with(json!({ "partnerId": null })), "input.partnerId"),
        (
            with(json!({ "partnerExternalId": "valid" })),
            "input.partnerId",
        ),
        (
            with(json!({ "partnerId": null, "partnerExternalId": "nope" })),
            "input.partnerExternalId",
        ),
        (with(json!({ "partnerId": paused })), "input.partnerId"),
        (with(json!({ "amount": "0" })), "input.amount"),
        (with(json!({ "amount": "1.001" })), "input.amount"),
        (with(json!({ "currency": "EUR" })), "input.currency"),
        (with(json!({ "stageId": "nope" })), "input.stageId"),
        (with(json!({ "campaignId": "nope" })), "input.campaignId"),
        (with(json!({ "campaignId": campaign })), "input.campaignId"),
        (
            with(json!({ "leadCreatorId": theirs })),
            "input.leadCreatorId",
        ),
        (with(json!({ "ownerId": "nope" })), "input.ownerId"),
        (
            with(json!({ "customFieldValues": [{ "customFieldId": p.size, "optionId": "nope" }] })),
            "input.customFieldValues[0].optionId",
        ),
        (
            with(json!({ "customFieldValues": [
                { "customFieldId": p.size, "optionId": p.small }, { "customFieldId": p.size, "optionId": p.large }] })),
            "input.customFieldValues[1].customFieldId",
        ),
    ] {
        let error = app
            .error(
                Some(&app.admin()),
                crate::support::deals::CREATE_DEAL,
                json!({ "input": input }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path),
            "{input}: {error}"
        );
    }
    let deal = create_deal(&app, base.clone()).await;
    for (query, input, path) in [
        (
            move_query(),
            json!({ "dealId": "nope", "stageId": lead, "externalId": "x" }),
            "input.dealId",
        ),
        (
            move_query(),
            json!({ "dealId": deal, "stageId": "nope", "externalId": "x" }),
            "input.stageId",
        ),
        (
            move_query(),
            json!({ "dealId": deal, "stageId": lead, "externalId": "" }),
            "input.externalId",
        ),
        (
            pay_query(),
            json!({ "dealId": deal, "externalId": "x", "amount": "-1" }),
            "input.amount",
        ),
        (
            pay_query(),
            json!({ "dealId": "nope", "externalId": "x" }),
            "input.dealId",
        ),
    ] {
        let error = app
            .error(Some(&app.admin()), &query, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path),
            "{input}: {error}"
        );
    }
    // Deal events come through the deal mutations only.
    let error = app
        .error(
            Some(&app.service("events:write")),
            crate::support::sales::RECORD,
            json!({ "input": { "externalId": "x", "partnerId": partner, "kind": "DEAL_PAYMENT", "amount": "1" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.kind")
    );
    // Another tenant's token finds no such deal.
    let error = app
        .error(
            Some(&app.admin_of(OTHER_TENANT)),
            &pay_query(),
            json!({ "input": { "dealId": deal, "externalId": "x" } }),
        )
        .await;
    assert_eq!(field(&error), "input.dealId");
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { deals { totalCount } deal(id: $id) { paymentCount events { totalCount } } commissions { totalCount } }",
            json!({ "id": deal }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "deals": { "totalCount": 1 }, "deal": { "paymentCount": 0, "events": { "totalCount": 1 } }, "commissions": { "totalCount": 0 } })
    );
}

async fn a_partner_sees_its_own_deals_only(app: TestApp) {
    let p = pipeline(&app).await;
    pipeline_plan(&app, &p).await;
    let north = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    let south = app
        .create_partner(json!({ "name": "South", "type": "RESELLER" }))
        .await;
    let ana = create_contact(&app, Some(&north), "Ana").await;
    let ours = create_contact(&app, None, "Our seller").await;
    let mine = create_deal(
        &app,
        json!({ "externalId": "n", "partnerId": north, "name": "Mine", "amount": "100", "stageId": p.stage("Closed won"),
                "leadCreatorId": ana, "ownerId": ours }),
    )
    .await;
    let theirs = create_deal(
        &app,
        json!({ "externalId": "s", "partnerId": south, "name": "Theirs", "amount": "100", "stageId": p.stage("Closed won") }),
    )
    .await;
    let token = app.partner_token(&north);
    let list = "query($p: ID) { deals(partnerId: $p) { totalCount nodes { name leadCreator { name } owner { name } stage { name } commissions { nodes { amount } } events { totalCount } } } }";
    let data = app.ok(&token, list, json!({})).await;
    assert_eq!(
        data["deals"],
        json!({ "totalCount": 1, "nodes": [{ "name": "Mine", "leadCreator": { "name": "Ana" }, "owner": { "name": "Our seller" },
                "stage": { "name": "Closed won" }, "commissions": { "nodes": [{ "amount": "100.00" }, { "amount": "10.00" }] }, "events": { "totalCount": 1 } }] })
    );
    let data = app.ok(&token, list, json!({ "p": south })).await;
    assert_eq!(data["deals"], json!({ "totalCount": 0, "nodes": [] }));
    let one = "query($id: ID!) { deal(id: $id) { name } }";
    assert_eq!(
        app.ok(&token, one, json!({ "id": theirs })).await["deal"],
        Value::Null
    );
    assert_eq!(
        app.ok(&token, one, json!({ "id": mine })).await["deal"],
        json!({ "name": "Mine" })
    );
    let data = app
        .ok(
            &token,
            "{ commissions { nodes { deal { name } plan { label } event { kind deal { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["commissions"]["nodes"][0],
        json!({ "deal": { "name": "Mine" }, "plan": { "label": "Pipeline plan" }, "event": { "kind": "DEAL_STAGE", "deal": { "name": "Mine" } } })
    );
    // Writing is the tenant's.
    for (query, input) in [
        (
            crate::support::deals::CREATE_DEAL.to_owned(),
            json!({ "externalId": "x", "partnerId": north, "name": "X", "amount": "1", "stageId": p.stage("Lead") }),
        ),
        (
            move_query(),
            json!({ "dealId": mine, "stageId": p.stage("Lead"), "externalId": "x" }),
        ),
        (pay_query(), json!({ "dealId": mine, "externalId": "x" })),
    ] {
        let error = app
            .error(Some(&token), &query, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "FORBIDDEN");
    }
    // Another tenant sees neither.
    let data = app.ok(&app.admin_of(OTHER_TENANT), list, json!({})).await;
    assert_eq!(data["deals"]["totalCount"], 0);
    assert_eq!(
        app.ok(&app.admin_of(OTHER_TENANT), one, json!({ "id": mine }))
            .await["deal"],
        Value::Null
    );
    // deals:read lists every partner's; without it, nothing.
    let data = app.ok(&app.service("deals:read"), list, json!({})).await;
    assert_eq!(data["deals"]["totalCount"], 2);
    let error = app
        .error(Some(&app.service("commissions:read")), list, json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // It finds a deal's commission by id, as it finds the deal's events; a
    // sale's commission is not its to find, nor is the ledger's list.
    let reader = app.service("deals:read");
    let find = "query($id: ID!) { commission(id: $id) { amount deal { name } } }";
    let ids = app
        .ok(&token, "{ commissions { nodes { id } } }", json!({}))
        .await;
    let deal_commission = ids["commissions"]["nodes"][0]["id"].clone();
    assert_eq!(
        app.ok(&reader, find, json!({ "id": deal_commission }))
            .await["commission"]["deal"],
        json!({ "name": "Mine" })
    );
    let seller = crate::support::partners::partner_at(&app, "Seller", 10).await;
    let sale = crate::support::sales::commission_of(
        &app,
        crate::support::sales::sale_input(&seller, "sale-1", "100"),
    )
    .await;
    assert_eq!(
        app.ok(
            &app.service("commissions:read"),
            find,
            json!({ "id": sale })
        )
        .await["commission"]["amount"],
        "10.00"
    );
    assert_eq!(
        app.ok(&reader, find, json!({ "id": sale })).await["commission"],
        Value::Null
    );
    let error = app
        .error(Some(&reader), "{ commissions { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

const DEAL_PAGE: &str = "{ deals(first: 50) { nodes { name partner { name } stage { name } owner { name } \
    commissions(first: 5) { nodes { amount plan { label } } } } } }";

async fn deals_of(app: &TestApp, n: usize) {
    let p = pipeline(app).await;
    pipeline_plan(app, &p).await;
    create_plan(
        app,
        json!({ "label": "Spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "DEAL_OWNER", "entries": [one_off(p.stage("Closed won"), "5")] }),
    )
    .await;
    let mut partners = Vec::new();
    for i in 0..3 {
        let partner = app
            .create_partner(json!({ "name": format!("P{i}"), "type": "RESELLER" }))
            .await;
        let owner = create_contact(app, Some(&partner), &format!("Owner {i}")).await;
        partners.push((partner, owner));
    }
    let stages = ["Lead", "Proposal", "Closed won"];
    for i in 0..n {
        let (partner, owner) = &partners[i % 3];
        create_deal(
            app,
            json!({ "externalId": format!("d{i}"), "partnerId": partner, "name": format!("D{i}"), "amount": "100",
                    "stageId": p.stage(stages[i % 3]), "ownerId": owner }),
        )
        .await;
    }
}

async fn a_page_of_deals_runs_the_same_statements_for_5_and_50(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    deals_of(&app, 5).await;
    let token = app.admin();
    app.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let before = app.statements();
    let data = app.ok(&token, DEAL_PAGE, json!({})).await;
    let few = app.statements() - before;
    assert_eq!(data["deals"]["nodes"].as_array().unwrap().len(), 5);

    let other = TestApp::spawn_counting(app.backend).await.unwrap();
    deals_of(&other, 50).await;
    let token = other.admin();
    other.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let before = other.statements();
    let data = other.ok(&token, DEAL_PAGE, json!({})).await;
    let many = other.statements() - before;
    let nodes = data["deals"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 50);
    assert_eq!(
        nodes[2],
        json!({ "name": "D2", "partner": { "name": "P2" }, "stage": { "name": "Closed won" }, "owner": { "name": "Owner 2" },
                "commissions": { "nodes": [
                    { "amount": "100.00", "plan": { "label": "Pipeline plan" } },
                    { "amount": "10.00", "plan": { "label": "Pipeline plan" } },
                    { "amount": "5.00", "plan": { "label": "Spiff" } }
                ] } })
    );
    // Page, partners, stages, owners, commissions, plans. (Recipients would
    // share the owners' loader, in that batch or the next one depending on
    // timing, so they are left out of the count.)
    assert_eq!(few, 6);
    assert_eq!(many, few);
}

/// Six won deals of 1,000 under the pipeline plan.
async fn won_deals(app: &TestApp, p: &Pipeline) -> Vec<String> {
    pipeline_plan(app, p).await;
    let mut deals = Vec::new();
    for i in 0..6 {
        let partner = app
            .create_partner(json!({ "name": format!("Together {i}"), "type": "RESELLER" }))
            .await;
        let deal = create_deal(
            app,
            json!({ "externalId": format!("together-{i}"), "partnerId": partner, "name": format!("Deal {i}"),
                    "amount": "1000", "stageId": p.stage("Lead") }),
        )
        .await;
        deals.push(deal);
    }
    deals
}

async fn deal_events_sent_together_are_answered_each_on_its_own(app: TestApp) {
    let p = pipeline(&app).await;
    let deals = won_deals(&app, &p).await;
    let token = app.admin();
    let (moves, pays) = (move_query(), pay_query());
    // Every deal to won at once: 100 at Qualified and 10 % of 1,000.
    let sent = deals.iter().enumerate().map(|(i, deal)| {
        let input = json!({ "dealId": deal, "stageId": p.stage("Closed won"), "externalId": format!("t-won-{i}") });
        app.post(Some(&token), &moves, json!({ "input": input }))
    });
    for (_, body) in join_all(sent).await {
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(amounts(&body["data"]["moveDeal"]), ["100.00", "100.00"]);
    }
    // Then a payment on each, with two bad ones among them.
    let mut inputs: Vec<Value> = deals
        .iter()
        .enumerate()
        .map(|(i, deal)| json!({ "dealId": deal, "externalId": format!("t-pay-{i}"), "amount": "500" }))
        .collect();
    inputs.push(json!({ "dealId": "01J00000000000000000000000", "externalId": "t-nowhere" }));
    inputs
        .push(json!({ "dealId": deals[0], "externalId": "t-huge", "amount": "99999999999999999" }));
    let sent = inputs
        .iter()
        .map(|input| app.post(Some(&token), &pays, json!({ "input": input })));
    let answers = join_all(sent).await;
    for (_, body) in &answers[..6] {
        assert!(body.get("errors").is_none(), "{body}");
        let payload = &body["data"]["recordDealPayment"];
        // The first payment after won: 8 % of 500.
        assert_eq!(amounts(payload), ["40.00"]);
        assert_eq!(payload["deal"]["paymentCount"], 1);
        assert_eq!(payload["duplicate"], false);
    }
    let nowhere = &answers[6].1["errors"][0];
    assert_eq!(
        (code(nowhere), field(nowhere)),
        ("BAD_USER_INPUT", "input.dealId")
    );
    let huge = &answers[7].1["errors"][0];
    assert_eq!(
        (code(huge), field(huge)),
        ("BAD_USER_INPUT", "input.amount")
    );
    let read = deal_read(&app, &deals[0], "paymentCount events { totalCount }").await;
    assert_eq!(
        read,
        json!({ "paymentCount": 1, "events": { "totalCount": 3 } })
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

async fn a_batch_of_deal_events_is_recorded_in_order_each_answered_on_its_own(app: TestApp) {
    let p = pipeline(&app).await;
    let deals = won_deals(&app, &p).await;
    let (qualified, won) = (p.stage("Qualified"), p.stage("Closed won"));
    let to = |deal: &str, stage: &str, key: &str| json!({ "move": { "dealId": deal, "stageId": stage, "externalId": key } });
    let paid = |deal: &str, key: &str, amount: &str| json!({ "payment": { "dealId": deal, "externalId": key, "amount": amount } });
    let batch = json!([
        to(&deals[0], qualified, "b-q"),
        to(&deals[0], won, "b-won"),
        paid(&deals[0], "b-pay", "500"),
        paid(&deals[0], "b-pay", "500"),
        paid(&deals[0], "b-pay", "600"),
        paid(&deals[1], "b-cents", "1.001"),
        to("01J00000000000000000000000", won, "b-nowhere"),
        to(&deals[1], "01J00000000000000000000000", "b-no-stage"),
        paid(&deals[1], "b-early", "1000"),
        to(&deals[1], won, "b-won-1"),
        paid(&deals[1], "b-late", "1000"),
        { "move": { "dealId": deals[2], "stageId": won, "externalId": "b-when", "occurredAt": "yesterday" } },
    ]);
    let query = "mutation($input: [DealEventInput!]!) { recordDealEvents(input: $input) { \
        externalId error { code field } \
        payload { duplicate deal { stage { name } paymentCount } commissions { id amount } } } }";
    let answers =
        app.ok(&app.admin(), query, json!({ "input": batch })).await["recordDealEvents"].clone();
    let summary = |answers: &Value| -> Vec<Value> {
        answers
            .as_array()
            .unwrap()
            .iter()
            .map(|a| match a["payload"].is_null() {
                true => json!([a["externalId"], a["error"]["code"], a["error"]["field"]]),
                false => json!([
                    a["externalId"],
                    a["payload"]["duplicate"],
                    a["payload"]["deal"]["stage"]["name"],
                    a["payload"]["deal"]["paymentCount"],
                    amounts(&a["payload"]),
                ]),
            })
            .collect()
    };
    // Each event sees what the ones before it did to its deal: the move to
    // won pays only won's one-off (Qualified was reached just before), the
    // payment after it is occurrence 1 (8 % of 500); a payment before a deal
    // reaches won earns nothing, and the one after is occurrence 1 too
    // (8 % of 1,000).
    let expected = vec![
        json!(["b-q", false, "Qualified", 0, ["100.00"]]),
        json!(["b-won", false, "Closed won", 0, ["100.00"]]),
        json!(["b-pay", false, "Closed won", 1, ["40.00"]]),
        json!(["b-pay", true, "Closed won", 1, ["40.00"]]),
        json!(["b-pay", "CONFLICT", null]),
        json!(["b-cents", "BAD_USER_INPUT", "input[5].payment.amount"]),
        json!(["b-nowhere", "BAD_USER_INPUT", "input[6].move.dealId"]),
        json!(["b-no-stage", "BAD_USER_INPUT", "input[7].move.stageId"]),
        json!(["b-early", false, "Lead", 1, []]),
        json!(["b-won-1", false, "Closed won", 1, ["100.00", "100.00"]]),
        json!(["b-late", false, "Closed won", 2, ["80.00"]]),
        json!(["b-when", "BAD_USER_INPUT", "input[11].move.occurredAt"]),
    ];
    assert_eq!(summary(&answers), expected);
    // The duplicate answers the very commission the first delivery wrote.
    assert_eq!(
        answers[3]["payload"]["commissions"][0]["id"],
        answers[2]["payload"]["commissions"][0]["id"]
    );
    let read = "stage { name } paymentCount events { totalCount } commissions { totalCount }";
    assert_eq!(
        deal_read(&app, &deals[0], read).await,
        json!({ "stage": { "name": "Closed won" }, "paymentCount": 1,
                "events": { "totalCount": 4 }, "commissions": { "totalCount": 3 } })
    );
    assert_eq!(
        deal_read(&app, &deals[1], read).await,
        json!({ "stage": { "name": "Closed won" }, "paymentCount": 2,
                "events": { "totalCount": 4 }, "commissions": { "totalCount": 3 } })
    );
    // The same batch again: every event recorded is a duplicate, every
    // error the same, and nothing more is written.
    let again =
        app.ok(&app.admin(), query, json!({ "input": batch })).await["recordDealEvents"].clone();
    let redelivered: Vec<Value> = expected
        .iter()
        .map(|item| match item.as_array().unwrap().len() {
            5 => {
                let mut item = item.clone();
                item[1] = json!(true);
                // A duplicate answers the deal as it is now.
                let deal = if item[0].as_str().unwrap().ends_with("-1")
                    || ["b-early", "b-late"].contains(&item[0].as_str().unwrap())
                {
                    json!(["Closed won", 2])
                } else {
                    json!(["Closed won", 1])
                };
                item[2] = deal[0].clone();
                item[3] = deal[1].clone();
                item
            }
            _ => item.clone(),
        })
        .collect();
    assert_eq!(summary(&again), redelivered);
    assert_eq!(
        deal_read(&app, &deals[1], "events { totalCount }").await,
        json!({ "events": { "totalCount": 4 } })
    );
    assert_balances_agree(&app).await;
}

/// Moves that arrive while the event path is busy wait in its queue and are
/// recorded together: the partner's row is held by another transaction (on
/// SQLite, the one writer), so the worker's first batch waits on it while
/// the other moves queue; once it is let go, those are one batch. Six moves
/// are two batches (one, had the worker not taken the first before the
/// others arrived), never six.
async fn deal_events_that_arrive_together_are_recorded_as_one_batch(app: TestApp) {
    use crate::support::metrics::{sample, scrape, scrape_until, until_sample};
    use sea_orm::ConnectionTrait;
    let p = pipeline(&app).await;
    pipeline_plan(&app, &p).await;
    let partner = app
        .create_partner(json!({ "name": "Busy", "type": "RESELLER" }))
        .await;
    let mut deals = Vec::new();
    for i in 0..6 {
        let input = json!({ "externalId": format!("busy-{i}"), "partnerId": partner,
                            "name": format!("Deal {i}"), "amount": "1000", "stageId": p.stage("Lead") });
        deals.push(create_deal(&app, input).await);
    }
    let batches = |text: &str| -> (String, String) {
        (
            sample(text, "revshare_accrual_batch_events_count").unwrap_or_default(),
            sample(text, "revshare_accrual_batch_events_sum").unwrap_or_default(),
        )
    };
    assert_eq!(batches(&scrape(&app).await), ("0".into(), "0.0".into()));
    let held = app.db.write().await.unwrap();
    held.execute_unprepared(&format!(
        "UPDATE partners SET name = name WHERE id = '{partner}'"
    ))
    .await
    .unwrap();
    let token = app.admin();
    let moves = move_query();
    let send = |i: usize| {
        let input = json!({ "dealId": deals[i], "stageId": p.stage("Closed won"), "externalId": format!("busy-won-{i}") });
        app.post(Some(&token), &moves, json!({ "input": input }))
    };
    let first = send(0);
    let rest = async {
        // The worker takes the first move (a batch of one begun) and waits
        // for the partner.
        until_sample(&app, "revshare_accrual_batch_events_count", "1").await;
        let rest = join_all((1..6).map(send));
        let release = async {
            scrape_until(&app, |text| {
                let depth = sample(text, "revshare_ingest_queue_depth");
                depth.and_then(|d| d.parse::<u32>().ok()) >= Some(5)
            })
            .await;
            held.rollback().await.unwrap();
        };
        tokio::join!(rest, release).0
    };
    let (first, rest) = tokio::join!(first, rest);
    let answers: Vec<(u16, Value)> = std::iter::once(first).chain(rest).collect();
    for (_, body) in &answers {
        assert!(body.get("errors").is_none(), "{body}");
        // 100 at Qualified and 10 % of 1,000 at won.
        assert_eq!(amounts(&body["data"]["moveDeal"]), ["100.00", "100.00"]);
    }
    let (count, events) = batches(&scrape(&app).await);
    assert_eq!(events, "6.0");
    assert!(count == "2" || count == "1", "{count} batches");
    assert_balances_agree(&app).await;
}

//! Backtesting deal plans (SPEC §23, §8): deal events replayed under the
//! terms each deal froze, as they stood at each event (amended terms,
//! field values changed later, a lost deal's payment, a refund, a tier
//! counting deal payments) — the unchanged plan reproduces the ledger to
//! the cent; an edited plan answers what the ledger would hold had it been
//! so from the start; a new plan reaches the deals it would have been
//! chosen for.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::backtests::{START, ledger_state, ledger_sum, row, rows, start, with};
use crate::support::deals::{
    Pipeline, create_contact, create_deal, create_plan, move_deal, one_off, pay, pipeline,
};
use serde_json::{Value, json};

on_both_databases!(
    the_unchanged_plan_reproduces_the_deals_ledger_to_the_cent,
    a_new_plan_reaches_the_deals_it_would_have_been_chosen_for,
    who_may_backtest_a_plan_and_what_a_bad_plan_names,
);

/// The partnership plan: at Qualified 100 (Small 150, Large 300); when
/// won, `won` of the deal and then `first` of payments 1–2 and 5 % of
/// payments 3–4.
fn partnership_plan(p: &Pipeline, won: &str, first: &str) -> Value {
    json!({
        "label": "Resellers",
        "partnerType": "RESELLER",
        "entries": [
            { "paymentStageId": p.stage("Qualified"), "calculation": { "oneOff": { "value": "100",
                "scaling": { "customFieldId": p.size, "tiers": [
                    { "optionId": p.small, "value": "150" }, { "optionId": p.large, "value": "300" }] } } } },
            { "paymentStageId": p.stage("Closed won"), "calculation": { "split": {
                "oneOff": { "value": won },
                "recurring": { "value": "5%", "numberOfOccurrences": 4,
                               "periodRates": [{ "startOccurrence": 1, "endOccurrence": 2, "value": first }] } } } }
        ]
    })
}

struct DealHistory {
    pipeline: Pipeline,
    plan_id: String,
    spiff_id: String,
    /// (name, id) of Rea and Sam.
    partners: Vec<(&'static str, String)>,
    events: Vec<String>,
}

const UPDATE: &str =
    "mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { id } }";
const EVENTS: &str = "query($id: ID!) { deal(id: $id) { events(first: 50) { nodes { id } } } }";

/// Rea's deal (Large, 1,000.00) won and paid 400.00 three times, its size
/// changed to Small before the third, the second payment refunded by
/// half, a tier adding 10 % once her deal payments reach 700.00; Sam's
/// deal created at Qualified, then amended to the spiff alone, won and
/// paid; Sam's second deal created at Qualified, lost, then paid. Each
/// deal's lead creator is paid a 50.00 spiff when it is won. Built under
/// `plan`.
async fn deal_history(app: &TestApp, plan: impl Fn(&Pipeline) -> Value) -> DealHistory {
    let p = pipeline(app).await;
    let plan_id = create_plan(app, plan(&p)).await;
    let spiff_id = create_plan(
        app,
        json!({ "label": "Spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL",
                "autoAssignRecipient": "LEAD_CREATOR", "entries": [one_off(p.stage("Closed won"), "50")] }),
    )
    .await;
    let rea = app
        .create_partner(json!({ "name": "Rea", "type": "RESELLER" }))
        .await;
    let sam = app
        .create_partner(json!({ "name": "Sam", "type": "RESELLER" }))
        .await;
    let default = crate::support::campaigns::default_campaign(app).await;
    app.ok(
        &app.admin(),
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": {
            "name": "Deal volume", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
            "period": "GLOBAL", "partnerIds": [rea], "campaignIds": [default],
            "payout": { "action": "INCREASE", "value": "10" }, "goals": { "saleAmount": "700" } } }),
    )
    .await;
    let lee = create_contact(app, Some(&rea), "Lee").await;
    let max = create_contact(app, Some(&sam), "Max").await;

    let d1 = create_deal(
        app,
        json!({ "externalId": "d-1", "partnerId": rea, "name": "Rollout", "amount": "1000", "stageId": p.stage("Lead"),
                "leadCreatorId": lee, "customFieldValues": [{ "customFieldId": p.size, "optionId": p.large }] }),
    )
    .await;
    move_deal(app, &d1, p.stage("Closed won"), "d1-won").await;
    pay(app, &d1, "d1-p1", Some("400")).await;
    pay(app, &d1, "d1-p2", Some("400")).await;
    app.ok(
        &app.admin(),
        UPDATE,
        json!({ "id": d1, "input": { "customFieldValues": [{ "customFieldId": p.size, "optionId": p.small }] } }),
    )
    .await;
    pay(app, &d1, "d1-p3", Some("400")).await;
    app.ok(
        &app.admin(),
        "mutation { recordRefund(input: { eventExternalId: \"d1-p2\", amount: \"200\" }) { event { id } } }",
        json!({}),
    )
    .await;

    let d2 = create_deal(
        app,
        json!({ "externalId": "d-2", "partnerId": sam, "name": "Pilot", "amount": "500", "stageId": p.stage("Qualified"),
                "leadCreatorId": max }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($input: AmendDealTermsInput!) { amendDealTerms(input: $input) { id } }",
        json!({ "input": { "dealId": d2, "planIds": [spiff_id], "note": "Spiff only" } }),
    )
    .await;
    move_deal(app, &d2, p.stage("Closed won"), "d2-won").await;
    pay(app, &d2, "d2-p1", None).await;

    let d3 = create_deal(
        app,
        json!({ "externalId": "d-3", "partnerId": sam, "name": "Trial", "amount": "200", "stageId": p.stage("Qualified") }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { closeDealLost(id: $id, reason: \"Budget\") { status } }",
        json!({ "id": d3 }),
    )
    .await;
    pay(app, &d3, "d3-p1", Some("50")).await;

    let mut events = Vec::new();
    for deal in [&d1, &d2, &d3] {
        let data = app.ok(&app.admin(), EVENTS, json!({ "id": deal })).await;
        for node in data["deal"]["events"]["nodes"].as_array().unwrap() {
            events.push(node["id"].as_str().unwrap().to_owned());
        }
    }
    DealHistory {
        pipeline: p,
        plan_id,
        spiff_id,
        partners: vec![("Rea", rea), ("Sam", sam)],
        events,
    }
}

/// The hour around now: every deal event of a history just built.
fn around_now() -> Value {
    let now = chrono::Utc::now();
    json!({
        "from": (now - chrono::Duration::hours(1)).to_rfc3339(),
        "to": (now + chrono::Duration::hours(1)).to_rfc3339(),
    })
}

/// Each partner's ledger sum over the history's events, as `0.00` text.
async fn sums(app: &TestApp, history: &DealHistory) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (name, id) in &history.partners {
        let sum = ledger_sum(app, id, &history.events).await;
        found.push((name.to_string(), format!("{sum:.2}")));
    }
    found
}

async fn the_unchanged_plan_reproduces_the_deals_ledger_to_the_cent(app: TestApp) {
    let ten_and_eight = |p: &Pipeline| partnership_plan(p, "10%", "8%");
    let history = deal_history(&app, ten_and_eight).await;
    let ledger = sums(&app, &history).await;
    // Rea: 300 at Qualified (Large) + 100 when won + 50 to Lee; 32 on the
    // first payment; 32 + 3.20 on the second (the tier reached), less
    // 17.60 when half of it is refunded; 20 + 2 on the third (5 %: its
    // Small size changes no recurring value). Sam: 100 at Qualified under
    // the terms his deal froze, 50 to Max under the amended ones; 100 at
    // Qualified on the lost deal, nothing on its payment.
    assert_eq!(
        ledger,
        [
            ("Rea".to_owned(), "521.60".to_owned()),
            ("Sam".to_owned(), "250.00".to_owned())
        ]
    );
    for change in [
        json!({ "planId": history.plan_id }),
        json!({ "planId": history.spiff_id }),
    ] {
        let backtest = start(&app, with(&around_now(), change.clone())).await;
        assert_eq!(
            rows(&backtest),
            [
                row("Rea", "521.60", "521.60", "0.00", 5),
                row("Sam", "250.00", "250.00", "0.00", 5)
            ],
            "{change}: {backtest}"
        );
    }

    // The plan edited is what the ledger would hold had the deals frozen
    // it: the same history built again under it. Sam's amended terms
    // never held it; the terms his deal froze before did, and pay the
    // same at Qualified.
    let twenty_and_twelve = |p: &Pipeline| partnership_plan(p, "20%", "12%");
    let edited = twenty_and_twelve(&history.pipeline);
    let untouched = ledger_state(&app).await;
    let backtest = start(
        &app,
        with(
            &around_now(),
            json!({ "planId": history.plan_id, "plan": edited }),
        ),
    )
    .await;
    // Replaying the plan wrote nothing to the ledger, balances, rollups
    // or events.
    assert_eq!(ledger_state(&app).await, untouched);
    let other = TestApp::spawn(app.backend).await.unwrap();
    let built = deal_history(&other, twenty_and_twelve).await;
    let rebuilt = sums(&other, &built).await;
    // 300 + 200 + 50; 48; 48 + 4.80, less 26.40 refunded; 20 + 2.
    assert_eq!(
        rebuilt,
        [
            ("Rea".to_owned(), "646.40".to_owned()),
            ("Sam".to_owned(), "250.00".to_owned())
        ]
    );
    assert_eq!(
        rows(&backtest),
        [
            row("Rea", "521.60", "646.40", "124.80", 5),
            row("Sam", "250.00", "250.00", "0.00", 5)
        ],
        "{backtest}"
    );
}

async fn a_new_plan_reaches_the_deals_it_would_have_been_chosen_for(app: TestApp) {
    let history = deal_history(&app, |p| partnership_plan(p, "10%", "8%")).await;
    let p = &history.pipeline;
    let sam = &history.partners[1].1;
    // Naming Sam, it beats the unrestricted plan his deals froze (75 at
    // Qualified in place of 100, twice); his amended terms stay as
    // chosen; Rea is not named.
    let for_sam = json!({ "label": "Sam's", "partnerType": "RESELLER", "partnerIds": [sam],
                          "entries": [one_off(p.stage("Qualified"), "75")] });
    let backtest = start(&app, with(&around_now(), json!({ "plan": for_sam }))).await;
    assert_eq!(
        rows(&backtest),
        [
            row("Rea", "521.60", "521.60", "0.00", 5),
            row("Sam", "250.00", "200.00", "-50.00", 5)
        ],
        "{backtest}"
    );
    // Unrestricted, it is as specific as the plan the deals froze, and
    // newer: it takes their partnership commissions — Rea's Qualified
    // one-off (75 in place of 300) and everything her won deal and its
    // payments paid (with the tier's 10 %, less the refund's share).
    let for_all = with(&for_sam, json!({ "partnerIds": [] }));
    let backtest = start(&app, with(&around_now(), json!({ "plan": for_all }))).await;
    assert_eq!(
        rows(&backtest),
        [
            row("Sam", "250.00", "200.00", "-50.00", 5),
            row("Rea", "521.60", "125.00", "-396.60", 5)
        ],
        "{backtest}"
    );
    // For another partner type, it reaches nobody.
    let distributors = with(&for_all, json!({ "partnerType": "DISTRIBUTOR" }));
    let backtest = start(&app, with(&around_now(), json!({ "plan": distributors }))).await;
    assert_eq!(backtest["totals"][0]["difference"], "0.00", "{backtest}");
}

async fn who_may_backtest_a_plan_and_what_a_bad_plan_names(app: TestApp) {
    let history = deal_history(&app, |p| partnership_plan(p, "10%", "8%")).await;
    let p = &history.pipeline;
    let input = with(&around_now(), json!({ "planId": history.plan_id }));
    // Staff need the ledger's and the plans' read scopes.
    let ledger_only = app.service("commissions:read");
    let refused = app
        .error(Some(&ledger_only), START, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let reader = app.service("commissions:read commission_plans:read");
    let started = app.ok(&reader, START, json!({ "input": input })).await["startBacktest"].clone();
    assert_eq!(started["totals"][0]["difference"], "0.00", "{started}");
    let partner = app.partner_token(&history.partners[0].1);
    let refused = app
        .error(Some(&partner), START, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");

    let good = partnership_plan(p, "10%", "8%");
    let cases = [
        (json!({ "planId": "nope" }), "input.planId"),
        (
            json!({ "planId": history.plan_id, "groupId": "x" }),
            "input.plan",
        ),
        (
            json!({ "plan": with(&good, json!({ "label": "" })) }),
            "input.plan.label",
        ),
        (
            json!({ "plan": with(&good, json!({ "entries": [one_off("nope", "5")] })) }),
            "input.plan.entries[0].paymentStageId",
        ),
        (
            json!({ "plan": with(&good, json!({ "groupIds": ["nope"] })) }),
            "input.plan.groupIds[0]",
        ),
        (
            json!({ "plan": with(&good, json!({ "paymentTarget": "INDIVIDUAL" })) }),
            "input.plan.autoAssignRecipient",
        ),
    ];
    for (change, named) in cases {
        let error = app
            .error(
                Some(&app.admin()),
                START,
                json!({ "input": with(&around_now(), change.clone()) }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", named),
            "{change}: {error}"
        );
    }
}

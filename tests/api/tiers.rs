//! Tiered performance commissions (SPEC §9, seed 004): the tenant's time
//! zone, tiers and their validation, progress, the modifier of the best
//! reached tier at accrual (single events, batches, deal events),
//! retroactive adjustments exactly once, refunds and reversals taking them
//! down, and what a partner sees.

use crate::helpers::{Backend, OTHER_TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::{create_campaign, default_campaign};
use crate::support::ledger::assert_fields_read_alone_match_whole_rows;
use crate::support::partners::partner_at;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

on_both_databases!(
    the_tenant_time_zone_is_an_iana_name,
    seed_004s_silver_commission_is_created_read_updated_and_listed,
    every_tier_rule_names_its_field_and_writes_nothing,
    a_reached_tier_modifies_later_commissions_and_adjusts_earlier_ones,
    a_batch_crossing_a_tier_midway_modifies_the_items_after_it,
    twenty_concurrent_events_cross_a_tier_once,
    the_best_reached_tier_wins_and_a_capped_tier_stops,
    periods_follow_the_tenant_time_zone_across_a_dst_change,
    deal_events_count_toward_tiers_and_are_modified,
    refunds_and_reversals_take_adjustments_and_progress_down,
    refunds_of_events_from_before_a_tier_leave_its_progress_alone,
    adjustments_count_in_every_tier_in_scope,
    a_refund_answers_every_row_it_reversed_or_clawed_back,
    a_tier_neither_counts_nor_adjusts_what_was_recorded_before_it,
    a_partner_sees_its_own_progress_only,
    progress_names_no_campaign_hidden_from_the_partner,
    exact_and_revenue_adjustments_and_inactive_or_future_tiers,
    a_batch_runs_the_same_statements_with_tiers_for_10_events_and_for_200,
    a_tier_bonus_is_paid_once_per_period_whatever_the_concurrency,
    a_tier_promotes_a_partner_once_and_never_down,
);

const CREATE: &str =
    "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }";
const TIER_FIELDS: &str = "id name notes status startDate endDate period applyToAllPartners partners { id } campaigns { id } \
    payout { action value } revenue { action value } retroactivePayout { action value } retroactiveRevenue { action value } \
    goals { payout revenue saleAmount conversions events } maxima { payout revenue saleAmount conversions events }";
const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } commissions { id amount revenue tier { id } \
    breakdown { vocabulary tierId action value amount } } } }";
const PROGRESS: &str = "query($id: ID!) { partner(id: $id) { tierProgress { tier { name } campaign { name } periodStart periodEnd \
    totals { payout revenue saleAmount conversions events } goals { conversions revenue } maxima { revenue conversions } reached capped } } }";
const ADJUSTMENTS: &str = "query($id: ID!) { partner(id: $id) { commissions(first: 100) { nodes { kind amount status original { id } event { id } \
    tier { name } breakdown { vocabulary action value amount } } } } }";

async fn create_tier(app: &TestApp, input: Value) -> String {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createTieredCommission"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Seed 004's SilverCommission, on `partners` in `campaigns`, over every
/// day of the tests (GLOBAL) unless `period` says otherwise.
fn silver(partners: &[&str], campaigns: &[&str], period: &str) -> Value {
    json!({
        "name": "SilverCommission",
        "notes": "Monthly payement",
        "status": "ACTIVE",
        "startDate": "2020-01-01",
        "endDate": "2099-12-31",
        "period": period,
        "partnerIds": partners,
        "campaignIds": campaigns,
        "payout": { "action": "INCREASE", "value": "10" },
        "revenue": { "action": "DECREASE", "value": "6" },
        "goals": { "revenue": "121", "conversions": 10 },
        "maxima": { "revenue": "1000" },
        "retroactivePayout": { "action": "FLAT_INCREASE", "value": "5" }
    })
}

/// A sale of 100 with revenue 15 (10.00 at the partner's 10 %).
fn sale(partner: &str, n: usize) -> Value {
    json!({ "externalId": format!("s{n}"), "partnerId": partner, "customerExternalId": format!("c{n}"), "amount": "100", "revenue": "15" })
}

const REFUND: &str =
    "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { reversed { amount } } }";

/// The partner's progress totals, by tier name.
async fn totals_by_tier(app: &TestApp, partner: &str) -> Vec<(String, Value)> {
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    let mut rows: Vec<(String, Value)> = data["partner"]["tierProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["tier"]["name"].as_str().unwrap().to_owned();
            (name, p["totals"].clone())
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

async fn record(app: &TestApp, input: Value) -> Value {
    app.ok(
        &app.service("events:write"),
        RECORD,
        json!({ "input": input }),
    )
    .await["recordEvent"]
        .clone()
}

async fn the_tenant_time_zone_is_an_iana_name(app: TestApp) {
    let update = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { id name currency timeZone } }";
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "input": { "timeZone": "America/New_York" } }),
        )
        .await;
    assert_eq!(
        data["updateTenant"],
        json!({ "id": "acme", "name": "acme", "currency": "USD", "timeZone": "America/New_York" })
    );
    let data = app
        .ok(
            &app.admin(),
            "{ viewer { tenant { timeZone } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["tenant"]["timeZone"], "America/New_York");
    for zone in ["Mars/Olympus_Mons", "Eastern Time", "", "Europe/Berlin/x"] {
        let error = app
            .error(
                Some(&app.admin()),
                update,
                json!({ "input": { "timeZone": zone } }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.timeZone"),
            "{zone}"
        );
    }
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "input": { "name": "Acme Networks" } }),
        )
        .await;
    assert_eq!(data["updateTenant"]["timeZone"], "America/New_York");
    assert_eq!(data["updateTenant"]["name"], "Acme Networks");
    let error = app
        .error(
            Some(&app.service("tiered_commissions:write")),
            update,
            json!({ "input": { "timeZone": "UTC" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // The other tenant is untouched.
    let data = app
        .ok(
            &app.admin_of(OTHER_TENANT),
            "{ viewer { tenant { timeZone } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["tenant"]["timeZone"], "UTC");
}

async fn seed_004s_silver_commission_is_created_read_updated_and_listed(app: TestApp) {
    let partners = [
        app.create_partner(json!({ "name": "Aff 21" })).await,
        app.create_partner(json!({ "name": "Aff 35" })).await,
        app.create_partner(json!({ "name": "Aff 28" })).await,
    ];
    let mut campaigns = Vec::new();
    for name in ["Offer 1", "Offer 15", "Offer 12"] {
        campaigns.push(
            crate::support::campaigns::create_campaign(
                &app,
                json!({ "name": name, "rules": [{ "recurring": { "percentage": 10 } }] }),
            )
            .await,
        );
    }
    let p: Vec<&str> = partners.iter().map(String::as_str).collect();
    let c: Vec<&str> = campaigns.iter().map(String::as_str).collect();
    let mut input = silver(&p, &c, "MONTHLY");
    input["startDate"] = json!("2020-07-23");
    input["endDate"] = json!("2020-08-22");
    let id = create_tier(&app, input).await;
    let query = format!("query($id: ID!) {{ tieredCommission(id: $id) {{ {TIER_FIELDS} }} }}");
    let data = app.ok(&app.admin(), &query, json!({ "id": id })).await;
    let zero = |money: bool| if money { json!("0") } else { json!(0) };
    assert_eq!(
        data["tieredCommission"],
        json!({
            "id": id, "name": "SilverCommission", "notes": "Monthly payement", "status": "ACTIVE",
            "startDate": "2020-07-23", "endDate": "2020-08-22", "period": "MONTHLY", "applyToAllPartners": false,
            "partners": partners.iter().map(|p| json!({ "id": p })).collect::<Vec<_>>(),
            "campaigns": campaigns.iter().map(|c| json!({ "id": c })).collect::<Vec<_>>(),
            "payout": { "action": "INCREASE", "value": "10" },
            "revenue": { "action": "DECREASE", "value": "6" },
            "retroactivePayout": { "action": "FLAT_INCREASE", "value": "5" },
            "retroactiveRevenue": null,
            "goals": { "payout": zero(true), "revenue": "121", "saleAmount": zero(true), "conversions": 10, "events": 0 },
            "maxima": { "payout": zero(true), "revenue": "1000", "saleAmount": zero(true), "conversions": 0, "events": 0 }
        })
    );
    // An update replaces every field.
    let update = format!(
        "mutation($id: ID!, $input: TieredCommissionInput!) {{ updateTieredCommission(id: $id, input: $input) {{ {TIER_FIELDS} }} }}"
    );
    let replacement = json!({
        "name": "Gold", "status": "INACTIVE", "startDate": "2026-01-01", "endDate": "2026-12-31", "period": "QUARTERLY",
        "applyToAllPartners": true, "campaignIds": [campaigns[0]],
        "goals": { "saleAmount": "5000.50" }
    });
    let data = app
        .ok(
            &app.admin(),
            &update,
            json!({ "id": id, "input": replacement }),
        )
        .await;
    let read = &data["updateTieredCommission"];
    assert_eq!(
        (
            &read["name"],
            &read["status"],
            &read["period"],
            &read["notes"]
        ),
        (
            &json!("Gold"),
            &json!("INACTIVE"),
            &json!("QUARTERLY"),
            &Value::Null
        )
    );
    assert_eq!(
        (
            &read["applyToAllPartners"],
            &read["partners"],
            &read["campaigns"]
        ),
        (&json!(true), &json!([]), &json!([{ "id": campaigns[0] }]))
    );
    assert_eq!(
        (
            &read["payout"],
            &read["retroactivePayout"],
            &read["goals"]["saleAmount"]
        ),
        (&Value::Null, &Value::Null, &json!("5000.50"))
    );
    let second = create_tier(&app, silver(&p, &c, "DAILY")).await;
    let list = "query($status: TierStatus, $after: String) { tieredCommissions(status: $status, first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
    let data = app.ok(&app.admin(), list, json!({})).await;
    assert_eq!(data["tieredCommissions"]["totalCount"], 2);
    assert_eq!(data["tieredCommissions"]["nodes"], json!([{ "id": id }]));
    let cursor = data["tieredCommissions"]["pageInfo"]["endCursor"].clone();
    let data = app.ok(&app.admin(), list, json!({ "after": cursor })).await;
    assert_eq!(
        data["tieredCommissions"]["nodes"],
        json!([{ "id": second }])
    );
    assert_eq!(data["tieredCommissions"]["pageInfo"]["hasNextPage"], false);
    let data = app
        .ok(&app.admin(), list, json!({ "status": "ACTIVE" }))
        .await;
    assert_eq!(data["tieredCommissions"]["totalCount"], 1);
    for token in [
        app.partner_token(&partners[0]),
        app.service("commissions:read"),
    ] {
        let error = app.error(Some(&token), list, json!({})).await;
        assert_eq!(code(&error), "FORBIDDEN");
    }
    let data = app
        .ok(&app.service("tiered_commissions:read"), list, json!({}))
        .await;
    assert_eq!(data["tieredCommissions"]["totalCount"], 2);
    let data = app
        .ok(&app.admin_of(OTHER_TENANT), &query, json!({ "id": id }))
        .await;
    assert_eq!(data["tieredCommission"], Value::Null);
    let error = app
        .error(
            Some(&app.service("tiered_commissions:read")),
            CREATE,
            json!({ "input": silver(&p, &c, "DAILY") }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

async fn every_tier_rule_names_its_field_and_writes_nothing(app: TestApp) {
    let partner = app.create_partner(json!({ "name": "Checked" })).await;
    let campaign = default_campaign(&app).await;
    let theirs = app
        .ok(
            &app.admin_of(OTHER_TENANT),
            "{ campaigns { nodes { id } } }",
            json!({}),
        )
        .await["campaigns"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = silver(&[&partner], &[&campaign], "MONTHLY");
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (input, path) in [
        (with(json!({ "goals": {} })), "input.goals"),
        (
            with(json!({ "goals": { "revenue": "0", "conversions": 0 } })),
            "input.goals",
        ),
        (
            with(json!({ "maxima": { "revenue": "121" } })),
            "input.maxima.revenue",
        ),
        (
            with(json!({ "maxima": { "conversions": 5 } })),
            "input.maxima.conversions",
        ),
        (
            with(json!({ "payout": { "action": "EXACT", "value": "5" } })),
            "input.payout.action",
        ),
        (
            with(json!({ "revenue": { "action": "EXACT", "value": "5" } })),
            "input.revenue.action",
        ),
        (
            with(json!({ "payout": { "action": "INCREASE", "value": "0" } })),
            "input.payout.value",
        ),
        (
            with(json!({ "retroactiveRevenue": { "action": "FLAT_DECREASE", "value": "-1" } })),
            "input.retroactiveRevenue.value",
        ),
        (
            with(json!({ "goals": { "conversions": -1, "revenue": "1" } })),
            "input.goals.conversions",
        ),
        (
            with(json!({ "startDate": "2026-05-02", "endDate": "2026-05-01" })),
            "input.endDate",
        ),
        (with(json!({ "partnerIds": [] })), "input.partnerIds"),
        (
            with(json!({ "applyToAllPartners": true })),
            "input.partnerIds",
        ),
        (with(json!({ "campaignIds": [] })), "input.campaignIds"),
        (
            with(json!({ "campaignIds": [theirs] })),
            "input.campaignIds[0]",
        ),
        (
            with(json!({ "campaignIds": [campaign, campaign] })),
            "input.campaignIds[1]",
        ),
        (
            with(json!({ "partnerIds": ["nope"] })),
            "input.partnerIds[0]",
        ),
        (with(json!({ "name": " " })), "input.name"),
        (
            with(json!({ "startDate": "2026-02-30" })),
            "input.startDate",
        ),
    ] {
        let error = app
            .error(Some(&app.admin()), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path),
            "{input}: {error}"
        );
    }
    // EXACT is for retroactive modifiers, where it is accepted.
    create_tier(
        &app,
        with(json!({ "retroactivePayout": { "action": "EXACT", "value": "12" } })),
    )
    .await;
    let data = app
        .ok(
            &app.admin(),
            "{ tieredCommissions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["tieredCommissions"]["totalCount"], 1);
}

async fn a_reached_tier_modifies_later_commissions_and_adjusts_earlier_ones(app: TestApp) {
    let partner = partner_at(&app, "Performer", 10).await;
    let campaign = default_campaign(&app).await;
    let tier = create_tier(&app, silver(&[&partner], &[&campaign], "GLOBAL")).await;
    let mut events = Vec::new();
    for n in 1..=9 {
        let recorded = record(&app, sale(&partner, n)).await;
        let commission = &recorded["commissions"][0];
        assert_eq!(
            (
                &commission["amount"],
                &commission["revenue"],
                &commission["tier"]
            ),
            (&json!("10.00"), &json!("15.00"), &Value::Null)
        );
        events.push(recorded);
    }
    // The tenth sale reaches the tier: 10 conversions, revenue 150 ≥ 121.
    let tenth = record(&app, sale(&partner, 10)).await;
    let commission = &tenth["commissions"][0];
    assert_eq!(commission["amount"], "11.00");
    assert_eq!(commission["revenue"], "14.10");
    assert_eq!(commission["tier"]["id"], tier);
    assert_eq!(
        commission["breakdown"][1],
        json!({ "vocabulary": "TIER_MODIFIER", "tierId": tier, "action": "INCREASE", "value": "10", "amount": "1" })
    );
    let eleventh = record(&app, sale(&partner, 11)).await;
    assert_eq!(eleventh["commissions"][0]["amount"], "11.00");

    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let rows = data["partner"]["commissions"]["nodes"].as_array().unwrap();
    let adjustments: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "ADJUSTMENT").collect();
    assert_eq!(adjustments.len(), 9);
    for (adjustment, event) in adjustments.iter().zip(&events) {
        assert_eq!(
            **adjustment,
            json!({ "kind": "ADJUSTMENT", "amount": "5.00", "status": "ACCRUED",
                    "original": { "id": event["commissions"][0]["id"] }, "event": { "id": tenth["event"]["id"] },
                    "tier": { "name": "SilverCommission" },
                    "breakdown": [{ "vocabulary": "ADJUSTMENT", "action": "FLAT_INCREASE", "value": "5", "amount": "5" }] })
        );
    }
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    assert_eq!(
        data["partner"]["tierProgress"],
        json!([{ "tier": { "name": "SilverCommission" }, "campaign": { "name": "Default campaign" },
                 "periodStart": "2020-01-01T00:00:00Z", "periodEnd": "2100-01-01T00:00:00Z",
                 "totals": { "payout": "157.00", "revenue": "163.20", "saleAmount": "1100.00", "conversions": 11, "events": 11 },
                 "goals": { "conversions": 10, "revenue": "121" }, "maxima": { "revenue": "1000", "conversions": 0 },
                 "reached": true, "capped": false }])
    );
    crate::support::ledger::assert_balances_agree(&app).await;
    assert_fields_read_alone_match_whole_rows(&app).await;
}

async fn a_batch_crossing_a_tier_midway_modifies_the_items_after_it(app: TestApp) {
    let partner = partner_at(&app, "Batched", 10).await;
    let campaign = default_campaign(&app).await;
    create_tier(&app, silver(&[&partner], &[&campaign], "GLOBAL")).await;
    record(&app, sale(&partner, 0)).await;
    let batch: Vec<Value> = (1..=14).map(|n| sale(&partner, n)).collect();
    let data = app
        .ok(
            &app.service("events:write"),
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { payload { commissions { amount } } } }",
            json!({ "input": batch }),
        )
        .await;
    let amounts: Vec<&str> = data["recordEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            item["payload"]["commissions"][0]["amount"]
                .as_str()
                .unwrap()
        })
        .collect();
    // Sale 0 before the batch, sales 1–8 in it: unmodified; sale 9 (the
    // tenth) reaches the tier.
    let mut expected = vec!["10.00"; 8];
    expected.extend(["11.00"; 6]);
    assert_eq!(amounts, expected);
    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let rows = data["partner"]["commissions"]["nodes"].as_array().unwrap();
    let adjusted: Vec<&Value> = rows
        .iter()
        .filter(|r| r["kind"] == "ADJUSTMENT")
        .map(|r| &r["original"]["id"])
        .collect();
    // One adjustment each for sale 0 (before the batch) and sales 1–8.
    let originals: Vec<&Value> = rows
        .iter()
        .filter(|r| r["kind"] == "COMMISSION" && r["amount"] == "10.00")
        .map(|r| &r["original"])
        .collect();
    assert_eq!(originals.len(), 9);
    assert_eq!(adjusted.len(), 9);
    let ids: std::collections::BTreeSet<String> =
        adjusted.iter().map(|id| id.to_string()).collect();
    assert_eq!(ids.len(), 9);
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    assert_eq!(
        data["partner"]["tierProgress"][0]["totals"],
        json!({ "payout": "201.00", "revenue": "219.60", "saleAmount": "1500.00", "conversions": 15, "events": 15 })
    );
}

async fn twenty_concurrent_events_cross_a_tier_once(app: TestApp) {
    let partner = partner_at(&app, "Raced", 10).await;
    let campaign = default_campaign(&app).await;
    create_tier(&app, silver(&[&partner], &[&campaign], "GLOBAL")).await;
    for n in 1..=9 {
        record(&app, sale(&partner, n)).await;
    }
    let token = app.service("events:write");
    let replies = join_all(
        (10..30).map(|n| app.post(Some(&token), RECORD, json!({ "input": sale(&partner, n) }))),
    )
    .await;
    let mut modified = 0;
    for (_, body) in &replies {
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["recordEvent"]["commissions"][0]["amount"],
            "11.00"
        );
        modified += 1;
    }
    assert_eq!(modified, 20);
    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let rows = data["partner"]["commissions"]["nodes"].as_array().unwrap();
    let adjustments: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "ADJUSTMENT").collect();
    assert_eq!(adjustments.len(), 9);
    let originals: std::collections::BTreeSet<String> = adjustments
        .iter()
        .map(|r| r["original"]["id"].to_string())
        .collect();
    assert_eq!(originals.len(), 9);
    let crossing: std::collections::BTreeSet<String> = adjustments
        .iter()
        .map(|r| r["event"]["id"].to_string())
        .collect();
    assert_eq!(crossing.len(), 1);
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    assert_eq!(
        data["partner"]["tierProgress"][0]["totals"]["conversions"],
        29
    );
}

async fn the_best_reached_tier_wins_and_a_capped_tier_stops(app: TestApp) {
    let partner = partner_at(&app, "Best", 10).await;
    let campaign = default_campaign(&app).await;
    let tier = |name: &str, goal: i64, max: i64, payout: Value| {
        json!({ "name": name, "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31", "period": "GLOBAL",
                "applyToAllPartners": true, "campaignIds": [campaign], "payout": payout,
                "goals": { "conversions": goal }, "maxima": { "conversions": max } })
    };
    let mut names = std::collections::HashMap::new();
    for (name, goal, max, payout) in [
        (
            "Silver",
            2,
            0,
            json!({ "action": "INCREASE", "value": "10" }),
        ),
        ("Gold", 4, 0, json!({ "action": "INCREASE", "value": "25" })),
        // Generous until it is capped at the third conversion.
        (
            "Starter",
            1,
            3,
            json!({ "action": "FLAT_INCREASE", "value": "100" }),
        ),
    ] {
        let id = create_tier(&app, tier(name, goal, max, payout)).await;
        names.insert(json!(id), name);
    }
    let mut paid = Vec::new();
    for n in 1..=5 {
        let recorded = record(&app, sale(&partner, n)).await;
        let commission = &recorded["commissions"][0];
        paid.push((
            commission["amount"].as_str().unwrap().to_owned(),
            names[&commission["tier"]["id"]].to_owned(),
        ));
    }
    let pair = |amount: &str, tier: &str| (amount.to_owned(), tier.to_owned());
    assert_eq!(
        paid,
        [
            pair("110.00", "Starter"),
            pair("110.00", "Starter"),
            pair("11.00", "Silver"),
            pair("12.50", "Gold"),
            pair("12.50", "Gold"),
        ]
    );
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    let capped: Vec<(Value, Value, Value)> = data["partner"]["tierProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["tier"]["name"].clone(),
                p["reached"].clone(),
                p["capped"].clone(),
            )
        })
        .collect();
    assert_eq!(
        capped,
        [
            (json!("Silver"), json!(true), json!(false)),
            (json!("Gold"), json!(true), json!(false)),
            (json!("Starter"), json!(true), json!(true)),
        ]
    );
}

async fn periods_follow_the_tenant_time_zone_across_a_dst_change(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/New_York\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let partner = partner_at(&app, "Eastern", 10).await;
    let campaign = default_campaign(&app).await;
    create_tier(
        &app,
        json!({ "name": "Two a day", "status": "ACTIVE", "startDate": "2026-03-01", "endDate": "2026-03-31", "period": "DAILY",
                "partnerIds": [partner], "campaignIds": [campaign], "payout": { "action": "INCREASE", "value": "100" },
                "goals": { "conversions": 2 } }),
    )
    .await;
    let at = |n: usize, when: &str| {
        let mut input = sale(&partner, n);
        input["occurredAt"] = json!(when);
        input
    };
    let amount = |recorded: Value| recorded["commissions"][0]["amount"].clone();
    // 23:30 on 7 March in New York, then 00:30 on 8 March: two days.
    assert_eq!(
        amount(record(&app, at(1, "2026-03-08T04:30:00Z")).await),
        "10.00"
    );
    assert_eq!(
        amount(record(&app, at(2, "2026-03-08T05:30:00Z")).await),
        "10.00"
    );
    // 8 March has 23 hours: 03:30Z on the 9th is still 23:30 on the 8th
    // (EDT), the day's second sale.
    assert_eq!(
        amount(record(&app, at(3, "2026-03-09T03:30:00Z")).await),
        "20.00"
    );
    // 04:00Z on the 9th is midnight: a new day.
    assert_eq!(
        amount(record(&app, at(4, "2026-03-09T04:00:00Z")).await),
        "10.00"
    );
    // Outside the tier's dates in New York (1 April, 00:30 EDT).
    assert_eq!(
        amount(record(&app, at(5, "2026-04-01T04:30:00Z")).await),
        "10.00"
    );
    assert_eq!(
        amount(record(&app, at(6, "2026-04-01T04:40:00Z")).await),
        "10.00"
    );
    // In UTC the same instants fall otherwise: the 8 March 05:30Z and the
    // 9 March 03:30Z sales are on different days.
    let other = TestApp::spawn(app.backend).await.unwrap();
    let partner = partner_at(&other, "Western", 10).await;
    let campaign = default_campaign(&other).await;
    create_tier(
        &other,
        json!({ "name": "Two a day", "status": "ACTIVE", "startDate": "2026-03-01", "endDate": "2026-03-31", "period": "DAILY",
                "partnerIds": [partner], "campaignIds": [campaign], "payout": { "action": "INCREASE", "value": "100" },
                "goals": { "conversions": 2 } }),
    )
    .await;
    let at = |n: usize, when: &str| {
        let mut input = sale(&partner, n);
        input["occurredAt"] = json!(when);
        input
    };
    assert_eq!(
        amount(record(&other, at(1, "2026-03-08T04:30:00Z")).await),
        "10.00"
    );
    assert_eq!(
        amount(record(&other, at(2, "2026-03-08T05:30:00Z")).await),
        "20.00"
    );
    assert_eq!(
        amount(record(&other, at(3, "2026-03-09T03:30:00Z")).await),
        "10.00"
    );
}

async fn deal_events_count_toward_tiers_and_are_modified(app: TestApp) {
    let p = crate::support::deals::pipeline(&app).await;
    let won = p.stage("Closed won");
    let partner = app
        .create_partner(json!({ "name": "Dealer", "type": "RESELLER" }))
        .await;
    let campaign = default_campaign(&app).await;
    crate::support::deals::create_plan(
        &app,
        json!({ "label": "Payments", "partnerType": "RESELLER", "entries": [{ "paymentStageId": won,
                "calculation": { "split": { "oneOff": { "value": "5%" }, "recurring": { "value": "10%" } } } }] }),
    )
    .await;
    create_tier(
        &app,
        json!({ "name": "Closer", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31", "period": "GLOBAL",
                "partnerIds": [partner], "campaignIds": [campaign], "payout": { "action": "INCREASE", "value": "50" },
                "retroactivePayout": { "action": "FLAT_INCREASE", "value": "1" },
                "goals": { "conversions": 2 } }),
    )
    .await;
    let deal = crate::support::deals::create_deal(
        &app,
        json!({ "externalId": "d", "partnerId": partner, "name": "D", "amount": "1000", "stageId": won }),
    )
    .await;
    let pay = "mutation($input: DealPaymentInput!) { recordDealPayment(input: $input) { event { id } commissions { amount tier { name } } } }";
    let first = app
        .ok(
            &app.admin(),
            pay,
            json!({ "input": { "dealId": deal, "externalId": "p1" } }),
        )
        .await;
    assert_eq!(
        first["recordDealPayment"]["commissions"],
        json!([{ "amount": "100.00", "tier": null }])
    );
    let second = app
        .ok(
            &app.admin(),
            pay,
            json!({ "input": { "dealId": deal, "externalId": "p2" } }),
        )
        .await;
    assert_eq!(
        second["recordDealPayment"]["commissions"],
        json!([{ "amount": "150.00", "tier": { "name": "Closer" } }])
    );
    // The one-off of the won stage and the first payment are adjusted.
    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let adjustments: Vec<(Value, Value)> = data["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "ADJUSTMENT")
        .map(|r| (r["amount"].clone(), r["event"]["id"].clone()))
        .collect();
    let crossing = second["recordDealPayment"]["event"]["id"].clone();
    assert_eq!(
        adjustments,
        [(json!("1.00"), crossing.clone()), (json!("1.00"), crossing)]
    );
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    assert_eq!(
        data["partner"]["tierProgress"][0]["totals"],
        json!({ "payout": "302.00", "revenue": "0.00", "saleAmount": "2000.00", "conversions": 2, "events": 3 })
    );
}

async fn refunds_and_reversals_take_adjustments_and_progress_down(app: TestApp) {
    let partner = partner_at(&app, "Refunded", 10).await;
    let campaign = default_campaign(&app).await;
    create_tier(&app, silver(&[&partner], &[&campaign], "GLOBAL")).await;
    let mut commissions = Vec::new();
    for n in 1..=10 {
        let recorded = record(&app, sale(&partner, n)).await;
        commissions.push(
            recorded["commissions"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { reversed { kind amount status } clawbacks { kind amount original { id } } } }";
    let events = app.service("events:write");
    // A full refund reverses the accrued commission and its adjustment.
    let data = app
        .ok(
            &events,
            refund,
            json!({ "input": { "eventExternalId": "s1" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"]["reversed"],
        json!([{ "kind": "COMMISSION", "amount": "10.00", "status": "REVERSED" },
               { "kind": "ADJUSTMENT", "amount": "5.00", "status": "REVERSED" }])
    );
    // A half refund claws back half of each.
    let data = app
        .ok(
            &events,
            refund,
            json!({ "input": { "eventExternalId": "s2", "amount": "50" } }),
        )
        .await;
    let clawbacks = data["recordRefund"]["clawbacks"].as_array().unwrap();
    assert_eq!(clawbacks.len(), 2);
    assert_eq!(
        (&clawbacks[0]["amount"], &clawbacks[0]["original"]["id"]),
        (&json!("-5.00"), &json!(commissions[1]))
    );
    assert_eq!(clawbacks[1]["amount"], "-2.50");
    // A reversal takes the adjustment with it.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD }) { status } }",
        json!({ "id": commissions[2] }),
    )
    .await;
    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let statuses: Vec<(Value, Value)> = data["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "ADJUSTMENT")
        .map(|r| (r["original"]["id"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(statuses[0], (json!(commissions[0]), json!("REVERSED")));
    assert_eq!(statuses[1], (json!(commissions[1]), json!("ACCRUED")));
    assert_eq!(statuses[2], (json!(commissions[2]), json!("REVERSED")));
    // Progress: payout 9 × 10 + 11 + 9 × 5 = 146, less 10 + 5 (sale 1),
    // 5 + 2.50 (half of sale 2), 10 + 5 (sale 3) = 108.50; sale amount
    // 1000 less 100 and 50; revenue 135 + 14.10 less 15 and 7.50 (the
    // refunded shares) and 15 (the reversed commission's). Still reached.
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    let progress = &data["partner"]["tierProgress"][0];
    assert_eq!(
        progress["totals"],
        json!({ "payout": "108.50", "revenue": "111.60", "saleAmount": "850.00", "conversions": 10, "events": 10 })
    );
    assert_eq!(progress["reached"], true);
    crate::support::ledger::assert_balances_agree(&app).await;
}

/// A tier created mid-period starts its progress at zero: refunding or
/// reversing what was recorded before it lowers nothing of it.
async fn refunds_of_events_from_before_a_tier_leave_its_progress_alone(app: TestApp) {
    let partner = partner_at(&app, "Early", 10).await;
    let campaign = default_campaign(&app).await;
    record(&app, sale(&partner, 1)).await;
    let before = record(&app, sale(&partner, 2)).await["commissions"][0]["id"].clone();
    create_tier(&app, silver(&[&partner], &[&campaign], "GLOBAL")).await;
    record(&app, sale(&partner, 3)).await;
    let silver_at = |totals: Value| vec![("SilverCommission".to_owned(), totals)];
    let counted = silver_at(
        json!({ "payout": "10.00", "revenue": "15.00", "saleAmount": "100.00", "conversions": 1, "events": 1 }),
    );
    assert_eq!(totals_by_tier(&app, &partner).await, counted);
    let events = app.service("events:write");
    let data = app
        .ok(
            &events,
            REFUND,
            json!({ "input": { "eventExternalId": "s1" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"]["reversed"],
        json!([{ "amount": "10.00" }])
    );
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD }) { status } }",
        json!({ "id": before }),
    )
    .await;
    assert_eq!(totals_by_tier(&app, &partner).await, counted);
    // A refund of what the tier counted still lowers it.
    app.ok(
        &events,
        REFUND,
        json!({ "input": { "eventExternalId": "s3", "amount": "40" } }),
    )
    .await;
    assert_eq!(
        totals_by_tier(&app, &partner).await,
        silver_at(
            json!({ "payout": "6.00", "revenue": "9.00", "saleAmount": "60.00", "conversions": 1, "events": 1 })
        )
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

/// Adjustments are commissions of the period: they count in the progress
/// of every tier in scope of the crossing event, not only the crossed
/// one's, and leave all of it when their original is refunded.
async fn adjustments_count_in_every_tier_in_scope(app: TestApp) {
    let partner = partner_at(&app, "Both", 10).await;
    let campaign = default_campaign(&app).await;
    let mut near = silver(&[&partner], &[&campaign], "GLOBAL");
    near["name"] = json!("Near");
    near["goals"] = json!({ "conversions": 2 });
    let mut far = silver(&[&partner], &[&campaign], "GLOBAL");
    far["name"] = json!("Far");
    far["goals"] = json!({ "conversions": 100 });
    create_tier(&app, near).await;
    create_tier(&app, far).await;
    // Sale 1 pays 10; sale 2 reaches Near (11, revenue 14.10) and adjusts
    // sale 1 by 5.
    for n in 1..=2 {
        record(&app, sale(&partner, n)).await;
    }
    let both = |totals: Value| {
        vec![
            ("Far".to_owned(), totals.clone()),
            ("Near".to_owned(), totals),
        ]
    };
    assert_eq!(
        totals_by_tier(&app, &partner).await,
        both(
            json!({ "payout": "26.00", "revenue": "29.10", "saleAmount": "200.00", "conversions": 2, "events": 2 })
        )
    );
    // A full refund of sale 1 reverses it and its adjustment: 15 leaves
    // both tiers' payout, its 15 of revenue and 100 of sale amount too.
    app.ok(
        &app.service("events:write"),
        REFUND,
        json!({ "input": { "eventExternalId": "s1" } }),
    )
    .await;
    assert_eq!(
        totals_by_tier(&app, &partner).await,
        both(
            json!({ "payout": "11.00", "revenue": "14.10", "saleAmount": "100.00", "conversions": 2, "events": 2 })
        )
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

/// A full refund of a commission whose approved adjustment cannot be
/// reversed: the answer lists the reversed commission and the adjustment's
/// clawback, every row the refund wrote or moved.
async fn a_refund_answers_every_row_it_reversed_or_clawed_back(app: TestApp) {
    let partner = partner_at(&app, "Answered", 10).await;
    let campaign = default_campaign(&app).await;
    let mut near = silver(&[&partner], &[&campaign], "GLOBAL");
    near["goals"] = json!({ "conversions": 2 });
    create_tier(&app, near).await;
    for n in 1..=2 {
        record(&app, sale(&partner, n)).await;
    }
    let ids = "query($id: ID!) { partner(id: $id) { commissions(first: 10) { nodes { id kind amount } } } }";
    let data = app.ok(&app.admin(), ids, json!({ "id": partner })).await;
    let adjustment = data["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ADJUSTMENT")
        .unwrap()
        .clone();
    assert_eq!(adjustment["amount"], "5.00");
    let adjustment_id = adjustment["id"].clone();
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [adjustment_id] }),
    )
    .await;
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { reversed { kind amount status } clawbacks { kind amount original { id } } } }";
    let data = app
        .ok(
            &app.service("events:write"),
            refund,
            json!({ "input": { "eventExternalId": "s1" } }),
        )
        .await;
    assert_eq!(
        data["recordRefund"],
        json!({ "reversed": [{ "kind": "COMMISSION", "amount": "10.00", "status": "REVERSED" }],
                "clawbacks": [{ "kind": "CLAWBACK", "amount": "-5.00", "original": { "id": adjustment_id } }] })
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

/// A tier created after sales of its period were recorded (its start date
/// lies before them) counts only what is recorded from its creation on, and
/// when reached adjusts only those: progress and adjustments agree.
async fn a_tier_neither_counts_nor_adjusts_what_was_recorded_before_it(app: TestApp) {
    let partner = partner_at(&app, "Backdated", 10).await;
    let campaign = default_campaign(&app).await;
    for n in 1..=2 {
        record(&app, sale(&partner, n)).await;
    }
    let mut near = silver(&[&partner], &[&campaign], "GLOBAL");
    near["goals"] = json!({ "conversions": 2 });
    create_tier(&app, near).await;
    // Sale 3 is the first the tier counts; sale 4 reaches it (11.00) and
    // adjusts sale 3 alone by 5.
    for n in 3..=4 {
        record(&app, sale(&partner, n)).await;
    }
    let data = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "id": partner }))
        .await;
    let adjusted: Vec<Value> = data["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "ADJUSTMENT")
        .map(|r| r["amount"].clone())
        .collect();
    assert_eq!(adjusted, [json!("5.00")]);
    assert_eq!(
        totals_by_tier(&app, &partner).await,
        vec![(
            "SilverCommission".to_owned(),
            json!({ "payout": "26.00", "revenue": "29.10", "saleAmount": "200.00", "conversions": 2, "events": 2 })
        )]
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

async fn a_partner_sees_its_own_progress_only(app: TestApp) {
    let partner = partner_at(&app, "Portal", 10).await;
    let other = partner_at(&app, "Elsewhere", 10).await;
    let campaign = default_campaign(&app).await;
    create_tier(&app, silver(&[&partner, &other], &[&campaign], "GLOBAL")).await;
    for n in 1..=3 {
        record(&app, sale(&partner, n)).await;
    }
    let token = app.partner_token(&partner);
    let data = app
        .ok(
            &token,
            "{ viewer { partner { tierProgress { tier { name goals { conversions } payout { action value } } totals { conversions } reached } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"]["partner"]["tierProgress"],
        json!([{ "tier": { "name": "SilverCommission", "goals": { "conversions": 10 }, "payout": { "action": "INCREASE", "value": "10" } },
                 "totals": { "conversions": 3 }, "reached": false }])
    );
    let data = app.ok(&token, PROGRESS, json!({ "id": other })).await;
    assert_eq!(data["partner"], Value::Null);
    let error = app
        .error(
            Some(&token),
            "{ tieredCommissions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // Progress is read with tiered_commissions:read (and partners:read to
    // reach the partner).
    let error = app
        .error(
            Some(&app.service("partners:read")),
            PROGRESS,
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let data = app
        .ok(
            &app.service("partners:read tiered_commissions:read"),
            "query($id: ID!) { partner(id: $id) { tierProgress { totals { conversions } } } }",
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(
        data["partner"]["tierProgress"],
        json!([{ "totals": { "conversions": 3 } }])
    );
}

/// A tier for every partner, scoped to an invite-only campaign and a public
/// one: a partner outside the invite-only campaign, which `campaign(id)`
/// hides from it, finds neither the tier's terms nor the campaign's name
/// through its progress there — nor does an admin reading that partner's
/// progress — until it is enrolled.
async fn progress_names_no_campaign_hidden_from_the_partner(app: TestApp) {
    let partner = partner_at(&app, "Outsider", 10).await;
    let hidden = create_campaign(
        &app,
        json!({ "name": "Private offer", "visibility": "INVITE_ONLY" }),
    )
    .await;
    let public = create_campaign(&app, json!({ "name": "Open offer" })).await;
    let mut tier = silver(&[], &[&hidden, &public], "GLOBAL");
    tier["partnerIds"] = json!([]);
    tier["applyToAllPartners"] = json!(true);
    tier["name"] = json!("Platinum");
    create_tier(&app, tier).await;
    let token = app.partner_token(&partner);
    let portal = "{ viewer { partner { tierProgress { tier { name payout { action value } } campaign { name } } } } }";
    let data = app.ok(&token, portal, json!({})).await;
    assert_eq!(
        data["viewer"]["partner"]["tierProgress"],
        json!([{ "tier": { "name": "Platinum", "payout": { "action": "INCREASE", "value": "10" } },
                 "campaign": { "name": "Open offer" } }])
    );
    let data = app
        .ok(
            &token,
            "query($id: ID!) { campaign(id: $id) { name } }",
            json!({ "id": hidden }),
        )
        .await;
    assert_eq!(data["campaign"], Value::Null);
    // Asked for that campaign by id: nothing.
    let data = app
        .ok(
            &token,
            "query($c: ID!) { viewer { partner { tierProgress(campaignId: $c) { tier { name } } } } }",
            json!({ "c": hidden }),
        )
        .await;
    assert_eq!(data["viewer"]["partner"]["tierProgress"], json!([]));
    // An admin reading the partner's progress sees the same list.
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { tierProgress { campaign { name } } } }",
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(
        data["partner"]["tierProgress"],
        json!([{ "campaign": { "name": "Open offer" } }])
    );
    // A partner invited into it sees the campaign and its progress there.
    let data = app
        .ok(
            &app.admin(),
            "mutation($c: ID!) { invitePartner(input: { name: \"Insider\", campaignId: $c }) { partner { id } } }",
            json!({ "c": hidden }),
        )
        .await;
    let insider = data["invitePartner"]["partner"]["id"].as_str().unwrap();
    let data = app.ok(&app.partner_token(insider), portal, json!({})).await;
    let names: Vec<&Value> = data["viewer"]["partner"]["tierProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["campaign"]["name"])
        .collect();
    assert_eq!(names, [&json!("Private offer"), &json!("Open offer")]);
}

async fn a_batch_runs_the_same_statements_with_tiers_for_10_events_and_for_200(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    let partner = partner_at(&app, "Counted", 10).await;
    let campaign = default_campaign(&app).await;
    for name in ["First", "Second"] {
        let mut input = silver(&[&partner], &[&campaign], "MONTHLY");
        input["name"] = json!(name);
        create_tier(&app, input).await;
    }
    let token = app.service("events:write");
    let mut counts = Vec::new();
    for (tag, n) in [("a", 10), ("b", 200)] {
        let batch: Vec<Value> = (0..n)
            .map(|i| json!({ "externalId": format!("{tag}{i}"), "partnerId": partner, "customerExternalId": format!("{tag}{i}"),
                             "amount": "100", "occurredAt": "2026-06-15T00:00:00Z" }))
            .collect();
        let before = app.statements();
        app.ok(
            &token,
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { error { code } } }",
            json!({ "input": batch }),
        )
        .await;
        counts.push(app.statements() - before);
    }
    // Without tiers a batch runs 18 statements on SQLite, 19 on PostgreSQL
    // (see the ledger's test: its events' activity entries written; what
    // reacts to the sales runs after them); the
    // tiers add the tenant, their partners and campaigns, and the progress
    // read and written. Neither batch reaches a tier (no revenue): no
    // adjustments are looked for.
    let expected = match app.backend {
        Backend::Sqlite => 18 + 5,
        Backend::Postgres => 19 + 5,
    };
    assert_eq!(counts, [expected, expected]);
}

async fn exact_and_revenue_adjustments_and_inactive_or_future_tiers(app: TestApp) {
    let partner = partner_at(&app, "Exact", 10).await;
    let campaign = default_campaign(&app).await;
    let tier = |name: &str, status: &str, start: &str, retro: Value| {
        let mut input = json!({ "name": name, "status": status, "startDate": start, "endDate": "2099-12-31", "period": "GLOBAL",
                "partnerIds": [partner], "campaignIds": [campaign], "goals": { "conversions": 2 } });
        input
            .as_object_mut()
            .unwrap()
            .extend(retro.as_object().unwrap().clone());
        input
    };
    create_tier(
        &app,
        tier(
            "Exact",
            "ACTIVE",
            "2020-01-01",
            json!({ "retroactivePayout": { "action": "EXACT", "value": "12" },
                    "retroactiveRevenue": { "action": "DECREASE", "value": "10" } }),
        ),
    )
    .await;
    // Neither an inactive tier nor one starting in the future applies.
    create_tier(
        &app,
        tier(
            "Paused",
            "INACTIVE",
            "2020-01-01",
            json!({ "payout": { "action": "FLAT_INCREASE", "value": "1000" } }),
        ),
    )
    .await;
    create_tier(
        &app,
        tier(
            "Later",
            "ACTIVE",
            "2098-01-01",
            json!({ "payout": { "action": "FLAT_INCREASE", "value": "1000" } }),
        ),
    )
    .await;
    let first = record(&app, sale(&partner, 1)).await;
    let second = record(&app, sale(&partner, 2)).await;
    // Reached, but with no regular modifiers: the crossing sale is as is.
    assert_eq!(
        (
            &first["commissions"][0]["amount"],
            &second["commissions"][0]["amount"]
        ),
        (&json!("10.00"), &json!("10.00"))
    );
    let query = "query($id: ID!) { partner(id: $id) { commissions { nodes { kind amount revenue original { id } breakdown { vocabulary action value amount } } } } }";
    let data = app.ok(&app.admin(), query, json!({ "id": partner })).await;
    let rows = data["partner"]["commissions"]["nodes"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[2],
        json!({ "kind": "ADJUSTMENT", "amount": "2.00", "revenue": "-1.50", "original": { "id": first["commissions"][0]["id"] },
                "breakdown": [{ "vocabulary": "ADJUSTMENT", "action": "EXACT", "value": "12", "amount": "2" }] })
    );
    let data = app
        .ok(&app.admin(), PROGRESS, json!({ "id": partner }))
        .await;
    let progress = data["partner"]["tierProgress"].as_array().unwrap();
    // The paused tier is not listed; the future one not yet in effect.
    assert_eq!(progress.len(), 1);
    assert_eq!(
        progress[0]["totals"],
        json!({ "payout": "22.00", "revenue": "28.50", "saleAmount": "200.00", "conversions": 2, "events": 2 })
    );
}

async fn a_tier_bonus_is_paid_once_per_period_whatever_the_concurrency(app: TestApp) {
    let partner = partner_at(&app, "Bonused", 10).await;
    let campaign = default_campaign(&app).await;
    let tier = json!({
        "name": "Three a month", "status": "ACTIVE", "startDate": "2026-01-01", "endDate": "2026-12-31",
        "period": "MONTHLY", "partnerIds": [partner], "campaignIds": [campaign],
        "goals": { "conversions": 3 }, "bonus": "250"
    });
    let admin = app.admin();
    for (bonus, problem) in [
        ("0", "must be greater than 0"),
        ("-5", "must be greater than 0"),
    ] {
        let mut bad = tier.clone();
        bad["bonus"] = json!(bonus);
        let error = app
            .error(Some(&admin), CREATE, json!({ "input": bad }))
            .await;
        assert_eq!(field(&error), "input.bonus", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(problem),
            "{error}"
        );
    }
    let id = create_tier(&app, tier).await;
    let read = "query($id: ID!) { tieredCommission(id: $id) { bonus } }";
    assert_eq!(
        app.ok(&admin, read, json!({ "id": id })).await["tieredCommission"]["bonus"],
        "250"
    );
    let dated = |n: usize, at: &str| {
        let mut input = sale(&partner, n);
        input["occurredAt"] = json!(at);
        input
    };
    for n in 1..=2 {
        record(&app, dated(n, "2026-01-05T12:00:00Z")).await;
    }
    // Twenty sales race for the third place of January: one bonus.
    let token = app.service("events:write");
    let replies = join_all((3..23).map(|n| {
        app.post(
            Some(&token),
            RECORD,
            json!({ "input": dated(n, "2026-01-10T12:00:00Z") }),
        )
    }))
    .await;
    for (_, body) in &replies {
        assert!(body.get("errors").is_none(), "{body}");
    }
    let bonuses = || {
        let (app, admin, partner) = (&app, &admin, partner.clone());
        async move {
            let query = "query($id: ID!) { partner(id: $id) { commissions(first: 100) { nodes { kind amount currency status \
                accruedAt tier { name } event { id } breakdown { vocabulary tierId amount } } } } }";
            let data = app.ok(admin, query, json!({ "id": partner })).await;
            data["partner"]["commissions"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["kind"] == "BONUS")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let january = bonuses().await;
    assert_eq!(january.len(), 1, "{january:?}");
    assert_eq!(
        (
            &january[0]["amount"],
            &january[0]["currency"],
            &january[0]["status"],
            &january[0]["tier"]["name"]
        ),
        (
            &json!("250.00"),
            &json!("USD"),
            &json!("ACCRUED"),
            &json!("Three a month")
        )
    );
    assert_eq!(
        january[0]["breakdown"],
        json!([{ "vocabulary": "TIER_BONUS", "tierId": id, "amount": "250.00" }])
    );
    // The bonus is on the event that reached the tier: one of the racers.
    let crossing = january[0]["event"]["id"].clone();
    let racers: Vec<Value> = replies
        .iter()
        .map(|(_, body)| body["data"]["recordEvent"]["event"]["id"].clone())
        .collect();
    assert!(racers.contains(&crossing));

    // February pays again, once.
    for n in 30..34 {
        record(&app, dated(n, "2026-02-03T12:00:00Z")).await;
    }
    let both = bonuses().await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[1]["accruedAt"], "2026-02-03T12:00:00Z");
    // A refund of the sale that reached it leaves the bonus: a period
    // reached stays reached.
    let crossing_sale = replies
        .iter()
        .position(|(_, body)| body["data"]["recordEvent"]["event"]["id"] == crossing)
        .unwrap()
        + 3;
    app.ok(
        &app.service("events:write"),
        REFUND,
        json!({ "input": { "eventExternalId": format!("s{crossing_sale}") } }),
    )
    .await;
    let after = bonuses().await;
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|b| b["status"] == "ACCRUED"), "{after:?}");
    // The partner's balance counts both.
    let balance = "query($id: ID!) { partner(id: $id) { balance { currency accrued } } }";
    let data = app.ok(&admin, balance, json!({ "id": partner })).await;
    // 26 sales at 10.00, one refunded (reversed): 25 × 10 + 2 × 250.
    assert_eq!(
        data["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "750.00" }])
    );
}

async fn a_tier_promotes_a_partner_once_and_never_down(app: TestApp) {
    let admin = app.admin();
    let campaign = default_campaign(&app).await;
    let silver_group = app
        .create_group(
            "Silver partners",
            json!([{ "recurring": { "percentage": 15 } }]),
        )
        .await;
    let gold_group = app
        .create_group(
            "Gold partners",
            json!([{ "recurring": { "percentage": 20 } }]),
        )
        .await;
    let tier = |name: &str, goals: Value, group: &str| {
        json!({ "name": name, "status": "ACTIVE", "startDate": "2026-01-01", "endDate": "2026-12-31",
            "period": "MONTHLY", "applyToAllPartners": true, "campaignIds": [campaign],
            "goals": goals, "promoteToGroupId": group })
    };
    let bad = tier("Bad", json!({ "conversions": 1 }), "nope");
    let error = app
        .error(Some(&admin), CREATE, json!({ "input": bad }))
        .await;
    assert_eq!(field(&error), "input.promoteToGroupId", "{error}");
    // Gold first: when one event reaches both, Gold's promotion comes first
    // and Silver's would be a move down.
    let gold = create_tier(
        &app,
        tier(
            "Gold",
            json!({ "conversions": 2, "revenue": "30" }),
            &gold_group,
        ),
    )
    .await;
    let silver = create_tier(
        &app,
        tier("Silver", json!({ "conversions": 2 }), &silver_group),
    )
    .await;
    let read = "query($id: ID!) { tieredCommission(id: $id) { promoteToGroup { name } } }";
    assert_eq!(
        app.ok(&admin, read, json!({ "id": gold })).await["tieredCommission"]["promoteToGroup"],
        json!({ "name": "Gold partners" })
    );
    let sale_of = |partner: &str, key: &str, revenue: &str, at: &str| {
        json!({ "externalId": key, "partnerId": partner, "customerExternalId": key,
            "amount": "100", "revenue": revenue, "occurredAt": at })
    };
    let state = |partner: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let query = "query($id: ID!) { partner(id: $id) { group { name } history { field from to actor } } }";
            app.ok(admin, query, json!({ "id": partner })).await["partner"].clone()
        }
    };

    // One event reaches both: Gold's group, and no move down to Silver's.
    let first = partner_at(&app, "First", 10).await;
    record(&app, sale_of(&first, "f1", "15", "2026-01-05T00:00:00Z")).await;
    record(&app, sale_of(&first, "f2", "15", "2026-01-06T00:00:00Z")).await;
    let after = state(first.clone()).await;
    assert_eq!(after["group"]["name"], "Gold partners");
    let first_group = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { history { from } } }",
            json!({ "id": first }),
        )
        .await["partner"]["history"][0]["from"]
        .clone();
    assert_eq!(
        after["history"],
        json!([{ "field": "group", "from": first_group, "to": gold_group, "actor": format!("tier:{gold}") }])
    );
    // The group's rules pay from then on: 20 %.
    let paid = record(&app, sale_of(&first, "f3", "15", "2026-01-07T00:00:00Z")).await;
    assert_eq!(paid["commissions"][0]["amount"], "20.00");

    // Silver, then Gold in the same month: up twice.
    let second = partner_at(&app, "Second", 10).await;
    record(&app, sale_of(&second, "s1", "5", "2026-01-05T00:00:00Z")).await;
    record(&app, sale_of(&second, "s2", "5", "2026-01-06T00:00:00Z")).await;
    assert_eq!(
        state(second.clone()).await["group"]["name"],
        "Silver partners"
    );
    record(&app, sale_of(&second, "s3", "15", "2026-01-07T00:00:00Z")).await;
    record(&app, sale_of(&second, "s4", "15", "2026-01-08T00:00:00Z")).await;
    let after = state(second.clone()).await;
    assert_eq!(after["group"]["name"], "Gold partners");
    let actors: Vec<&Value> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["actor"])
        .collect();
    assert_eq!(
        actors,
        [
            &json!(format!("tier:{silver}")),
            &json!(format!("tier:{gold}"))
        ]
    );
    assert_eq!(after["history"][1]["from"], json!(silver_group));

    // Moved back by the tenant, reaching both again next month: a tier
    // promotes a partner once.
    let second_group = app
        .create_group(
            "Second's own",
            json!([{ "recurring": { "percentage": 10 } }]),
        )
        .await;
    app.ok(
        &admin,
        "mutation($id: ID!, $g: ID!) { updatePartner(id: $id, input: { groupId: $g }) { id } }",
        json!({ "id": second, "g": second_group }),
    )
    .await;
    for (n, day) in [(5, "05"), (6, "06"), (7, "07")] {
        record(
            &app,
            sale_of(
                &second,
                &format!("s{n}"),
                "15",
                &format!("2026-02-{day}T00:00:00Z"),
            ),
        )
        .await;
    }
    let after = state(second.clone()).await;
    assert_eq!(after["group"]["name"], "Second's own");
    // The tenant's move is history too, by the admin's token.
    assert_eq!(
        after["history"][2],
        json!({ "field": "group", "from": gold_group, "to": second_group, "actor": "admin-of-acme" })
    );
    assert_eq!(after["history"].as_array().unwrap().len(), 3);
    // A partner reads its own history.
    let mine = app
        .ok(
            &app.partner_token(&second),
            "{ viewer { partner { history { actor } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["viewer"]["partner"]["history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A group a tier promotes into is not deleted from under it.
    let deleting = app
        .error(
            Some(&admin),
            "mutation($id: ID!) { deletePartnerGroup(id: $id) { id } }",
            json!({ "id": gold_group }),
        )
        .await;
    assert_eq!(code(&deleting), "CONFLICT", "{deleting}");
}

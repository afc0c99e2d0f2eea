//! Partners who bring partners and spend caps (SPEC §31): a referrer's
//! rewards on its recruits' commissions, following them through refunds,
//! approval and reversal, once whatever is retried; the triggers and
//! `maxMonths`; one level; no self-referral and no cycle; caps cut to what
//! is left in their period, in the tenant's zone, exactly under
//! concurrent sales.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

on_both_databases!(
    a_referrer_earns_on_its_recruits_commissions_and_its_rewards_follow_them,
    a_reward_exists_once_whatever_is_retried_or_raced,
    sale_and_threshold_triggers_and_max_months,
    a_recruits_recruits_never_pay_its_referrer,
    self_referrals_and_cycles_are_refused,
    a_cap_cuts_commissions_to_what_is_left_in_its_period,
    a_refund_frees_what_it_takes_back,
    a_cap_per_partner_and_customer_counts_each_customer,
    ten_concurrent_sales_under_a_cap_sum_to_the_cap,
    bad_rules_and_caps_name_their_field,
    a_backtest_cuts_under_a_cap_as_the_ledger_does,
);

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate event { id nothingReason } commissions { id amount } } }";
const SET_REFERRER: &str = "mutation($p: ID!, $r: ID) { setReferrer(input: { partnerId: $p, referrerId: $r }) { id referredBy { id } } }";
const LEDGER: &str = "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { id kind amount status original { id } breakdown { vocabulary amount percentage base commissionId description value } } } }";
const UPDATE_GROUP: &str = "mutation($id: ID!, $input: UpdatePartnerGroupInput!) { updatePartnerGroup(id: $id, input: $input) { id referral { trigger percentage amount threshold maxMonths } cap { amount currency period per } } }";

/// A group paying `percentage` on every sale, with `input` changed on it.
async fn group(app: &TestApp, name: &str, percentage: u32, input: Value) -> String {
    let id = app
        .create_group(name, json!([{ "recurring": { "percentage": percentage } }]))
        .await;
    if input != json!({}) {
        app.ok(
            &app.admin(),
            UPDATE_GROUP,
            json!({ "id": id, "input": input }),
        )
        .await;
    }
    id
}

async fn partner(app: &TestApp, name: &str, group: &str) -> String {
    app.create_partner(
        json!({ "name": name, "groupId": group, "email": format!("{name}@example.com") }),
    )
    .await
}

async fn refer(app: &TestApp, recruit: &str, referrer: &str) {
    let set = app
        .ok(
            &app.admin(),
            SET_REFERRER,
            json!({ "p": recruit, "r": referrer }),
        )
        .await;
    assert_eq!(set["setReferrer"]["referredBy"]["id"], referrer);
}

async fn sale(app: &TestApp, partner: &str, external_id: &str, amount: &str) -> Value {
    sale_at(app, partner, external_id, amount, None).await
}

async fn sale_at(
    app: &TestApp,
    partner: &str,
    external_id: &str,
    amount: &str,
    at: Option<&str>,
) -> Value {
    let mut input = json!({ "externalId": external_id, "partnerId": partner, "customerExternalId": format!("c-{external_id}"), "amount": amount });
    if let Some(at) = at {
        input["occurredAt"] = json!(at);
    }
    app.ok(&app.admin(), RECORD, json!({ "input": input }))
        .await["recordEvent"]
        .clone()
}

async fn ledger(app: &TestApp, partner: &str) -> Vec<Value> {
    let mut rows =
        app.ok(&app.admin(), LEDGER, json!({ "p": partner })).await["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
    rows.sort_by_key(|r| r["id"].as_str().unwrap().to_owned());
    rows
}

/// (kind, amount, status) of each row, oldest first.
fn summary(rows: &[Value]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["amount"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(kind: &str, amount: &str, status: &str) -> (String, String, String) {
    (kind.to_owned(), amount.to_owned(), status.to_owned())
}

async fn a_referrer_earns_on_its_recruits_commissions_and_its_rewards_follow_them(app: TestApp) {
    let admin = app.admin();
    let referrers = group(
        &app,
        "Ambassadors",
        20,
        json!({ "referral": { "trigger": "COMMISSION", "percentage": "10" } }),
    )
    .await;
    let recruits = group(&app, "Affiliates", 30, json!({})).await;
    let ann = partner(&app, "ann", &referrers).await;
    let bob = partner(&app, "bob", &recruits).await;
    refer(&app, &bob, &ann).await;

    // 30 % of 100.00 is bob's 30.00; 10 % of that is ann's 3.00.
    let first = sale(&app, &bob, "s1", "100.00").await;
    let bobs = first["commissions"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["commissions"][0]["amount"], "30.00");
    assert_eq!(first["commissions"].as_array().unwrap().len(), 1);
    let rows = ledger(&app, &ann).await;
    assert_eq!(summary(&rows), vec![row("REFERRAL", "3.00", "ACCRUED")]);
    assert_eq!(rows[0]["original"]["id"], bobs.as_str());
    let line = &rows[0]["breakdown"][0];
    assert_eq!(line["vocabulary"], "REFERRAL");
    assert_eq!(line["commissionId"], bobs.as_str());
    assert_eq!(line["percentage"], "10");
    assert_eq!(line["base"], "30");
    assert_eq!(line["amount"], "3");

    // A refund of half the sale claws back half of each, exactly.
    app.ok(
        &admin,
        "mutation { recordRefund(input: { eventExternalId: \"s1\", amount: \"50.00\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        summary(&ledger(&app, &ann).await),
        vec![
            row("REFERRAL", "3.00", "ACCRUED"),
            row("CLAWBACK", "-1.50", "APPROVED")
        ]
    );
    // The reward is approved with bob's commission, never on its own.
    let referral = rows[0]["id"].as_str().unwrap().to_owned();
    let refused = app
        .error(
            Some(&admin),
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
            json!({ "ids": [referral] }),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT");
    app.ok(
        &admin,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id status } }",
        json!({ "ids": [bobs] }),
    )
    .await;
    assert_eq!(
        summary(&ledger(&app, &ann).await)[0],
        row("REFERRAL", "3.00", "APPROVED")
    );

    // A second sale, fully refunded: the reward is reversed with it.
    sale(&app, &bob, "s2", "200.00").await;
    app.ok(
        &admin,
        "mutation { recordRefund(input: { eventExternalId: \"s2\" }) { reversed { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        summary(&ledger(&app, &ann).await),
        vec![
            row("REFERRAL", "3.00", "APPROVED"),
            row("CLAWBACK", "-1.50", "APPROVED"),
            row("REFERRAL", "6.00", "REVERSED"),
        ]
    );
    // A third, reversed by staff: so is its reward.
    let third = sale(&app, &bob, "s3", "10.00").await;
    let id = third["commissions"][0]["id"].as_str().unwrap();
    app.ok(
        &admin,
        "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD }) { status } }",
        json!({ "id": id }),
    )
    .await;
    let rows = ledger(&app, &ann).await;
    assert_eq!(summary(&rows)[3], row("REFERRAL", "0.30", "REVERSED"));

    // Ann sees her recruit and what it earned her: 3.00 − 1.50.
    let portal = app
        .ok(
            &app.partner_token(&ann),
            "query($id: ID!) { partner(id: $id) { recruits { name earned { amount currency } } } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        portal["partner"]["recruits"],
        json!([{ "name": "bob", "earned": [{ "amount": "1.50", "currency": "USD" }] }])
    );
    // Bob's token never sees ann's rows, nor ann through bob.
    let bobs_view = app
        .ok(
            &app.partner_token(&bob),
            "query($id: ID!) { partner(id: $id) { referredBy { id } } commissions(first: 100) { nodes { kind } } }",
            json!({ "id": bob }),
        )
        .await;
    assert_eq!(bobs_view["partner"]["referredBy"], Value::Null);
    let kinds: Vec<&str> = bobs_view["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"REFERRAL"), "{kinds:?}");
}

async fn a_reward_exists_once_whatever_is_retried_or_raced(app: TestApp) {
    let referrers = group(
        &app,
        "Ambassadors",
        20,
        json!({ "referral": { "trigger": "SALE", "percentage": "5" } }),
    )
    .await;
    let recruits = group(&app, "Affiliates", 30, json!({})).await;
    let ann = partner(&app, "ann", &referrers).await;
    let bob = partner(&app, "bob", &recruits).await;
    refer(&app, &bob, &ann).await;
    let input = json!({ "input": { "externalId": "raced", "partnerId": bob, "customerExternalId": "c", "amount": "80.00" } });
    let admin = app.admin();
    let replies = join_all((0..10).map(|_| app.post(Some(&admin), RECORD, input.clone()))).await;
    let duplicates = replies
        .iter()
        .filter(|(_, body)| body["data"]["recordEvent"]["duplicate"] == true)
        .count();
    assert_eq!(duplicates, 9);
    // Redelivered later: still one reward of 5 % of 80.00.
    let again = app.ok(&admin, RECORD, input).await;
    assert_eq!(again["recordEvent"]["duplicate"], true);
    assert_eq!(
        summary(&ledger(&app, &ann).await),
        vec![row("REFERRAL", "4.00", "ACCRUED")]
    );
}

async fn sale_and_threshold_triggers_and_max_months(app: TestApp) {
    let on_threshold = group(
        &app,
        "Threshold",
        20,
        json!({ "referral": { "trigger": "THRESHOLD", "amount": "25", "threshold": "50" } }),
    )
    .await;
    let on_sales = group(
        &app,
        "Sales for a month",
        20,
        json!({ "referral": { "trigger": "SALE", "percentage": "5", "maxMonths": 1 } }),
    )
    .await;
    let recruits = group(&app, "Affiliates", 30, json!({})).await;
    let ann = partner(&app, "ann", &on_threshold).await;
    let cid = partner(&app, "cid", &on_sales).await;
    let bob = partner(&app, "bob", &recruits).await;
    let dan = partner(&app, "dan", &recruits).await;
    refer(&app, &bob, &ann).await;
    refer(&app, &dan, &cid).await;

    // Bob's commissions: 30.00, then 60.00 — the threshold, paid once.
    sale(&app, &bob, "b1", "100").await;
    assert!(ledger(&app, &ann).await.is_empty());
    sale(&app, &bob, "b2", "100").await;
    sale(&app, &bob, "b3", "100").await;
    let rows = ledger(&app, &ann).await;
    assert_eq!(summary(&rows), vec![row("REFERRAL", "25.00", "ACCRUED")]);
    assert_eq!(rows[0]["breakdown"][0]["base"], "60");

    // Dan's first commission at noon on 31 January: its month ends at noon
    // on 28 February (the month's last day), and pays until then.
    sale_at(&app, &dan, "d1", "40", Some("2026-01-31T12:00:00Z")).await;
    sale_at(&app, &dan, "d2", "60", Some("2026-02-28T11:59:59Z")).await;
    sale_at(&app, &dan, "d3", "80", Some("2026-02-28T12:00:00Z")).await;
    assert_eq!(
        summary(&ledger(&app, &cid).await),
        vec![
            row("REFERRAL", "2.00", "ACCRUED"),
            row("REFERRAL", "3.00", "ACCRUED")
        ]
    );
}

async fn a_recruits_recruits_never_pay_its_referrer(app: TestApp) {
    let referrers = group(
        &app,
        "Ambassadors",
        20,
        json!({ "referral": { "trigger": "COMMISSION", "percentage": "50" } }),
    )
    .await;
    let ann = partner(&app, "ann", &referrers).await;
    let bob = partner(&app, "bob", &referrers).await;
    let cid = partner(&app, "cid", &referrers).await;
    refer(&app, &bob, &ann).await;
    refer(&app, &cid, &bob).await;
    // Cid's 20.00 earns bob 10.00; bob's reward earns ann nothing.
    sale(&app, &cid, "c1", "100").await;
    assert_eq!(
        summary(&ledger(&app, &bob).await),
        vec![row("REFERRAL", "10.00", "ACCRUED")]
    );
    assert!(ledger(&app, &ann).await.is_empty());
}

async fn self_referrals_and_cycles_are_refused(app: TestApp) {
    let admin = app.admin();
    let group = group(&app, "Affiliates", 30, json!({})).await;
    let ann = partner(&app, "ann", &group).await;
    let bob = partner(&app, "bob", &group).await;
    let cid = partner(&app, "cid", &group).await;
    let itself = app
        .error(Some(&admin), SET_REFERRER, json!({ "p": ann, "r": ann }))
        .await;
    assert_eq!(
        (code(&itself), field(&itself)),
        ("BAD_USER_INPUT", "input.referrerId")
    );
    refer(&app, &bob, &ann).await;
    refer(&app, &cid, &bob).await;
    let cycle = app
        .error(Some(&admin), SET_REFERRER, json!({ "p": ann, "r": cid }))
        .await;
    assert_eq!(field(&cycle), "input.referrerId");
    assert!(
        cycle["message"].as_str().unwrap().contains("cycle"),
        "{cycle}"
    );
    // Cleared, then set again.
    let cleared = app
        .ok(&admin, SET_REFERRER, json!({ "p": cid, "r": null }))
        .await;
    assert_eq!(cleared["setReferrer"]["referredBy"], Value::Null);
    refer(&app, &ann, &cid).await;
}

async fn a_cap_cuts_commissions_to_what_is_left_in_its_period(app: TestApp) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { timeZone: \"America/New_York\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let capped = group(
        &app,
        "Capped",
        10,
        json!({ "cap": { "amount": "100", "currency": "USD", "period": "MONTH", "per": "PARTNER" } }),
    )
    .await;
    let shown = app
        .ok(
            &admin,
            "query($id: ID!) { partnerGroup(id: $id) { cap { amount currency period per } } }",
            json!({ "id": capped }),
        )
        .await;
    assert_eq!(
        shown["partnerGroup"]["cap"],
        json!({ "amount": "100", "currency": "USD", "period": "MONTH", "per": "PARTNER" })
    );
    let ann = partner(&app, "ann", &capped).await;
    // September in New York: 60.00, then 40.00 of 60.00, then nothing.
    let first = sale_at(&app, &ann, "s1", "600", Some("2026-09-10T12:00:00Z")).await;
    assert_eq!(first["commissions"][0]["amount"], "60.00");
    let cut = sale_at(&app, &ann, "s2", "600", Some("2026-09-20T12:00:00Z")).await;
    assert_eq!(cut["commissions"][0]["amount"], "40.00");
    // 03:00 UTC on 1 October is still 30 September in New York.
    let none = sale_at(&app, &ann, "s3", "600", Some("2026-10-01T03:00:00Z")).await;
    assert_eq!(none["commissions"], json!([]));
    let reason = none["event"]["nothingReason"].as_str().unwrap();
    assert!(
        reason.contains("spend cap of 100 USD") && reason.contains("month"),
        "{reason}"
    );
    // 05:00 UTC is October there: a new month.
    let october = sale_at(&app, &ann, "s4", "600", Some("2026-10-01T05:00:00Z")).await;
    assert_eq!(october["commissions"][0]["amount"], "60.00");
    let rows = ledger(&app, &ann).await;
    let cut_row = rows
        .iter()
        .find(|r| r["amount"] == "40.00")
        .expect("the cut row");
    let line = &cut_row["breakdown"][1];
    assert_eq!(line["vocabulary"], "CAP_CUT");
    assert_eq!(line["amount"], "-20");
    assert_eq!(line["value"], "40");
    // Reversing September's first commission frees its 60.00.
    let id = first["commissions"][0]["id"].as_str().unwrap();
    app.ok(
        &admin,
        "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: OTHER }) { status } }",
        json!({ "id": id }),
    )
    .await;
    let freed = sale_at(&app, &ann, "s5", "1000", Some("2026-09-25T12:00:00Z")).await;
    assert_eq!(freed["commissions"][0]["amount"], "60.00");
}

async fn a_refund_frees_what_it_takes_back(app: TestApp) {
    let capped = group(
        &app,
        "Capped",
        10,
        json!({ "cap": { "amount": "50", "currency": "USD", "period": "ALL_TIME", "per": "PARTNER" } }),
    )
    .await;
    let ann = partner(&app, "ann", &capped).await;
    assert_eq!(
        sale(&app, &ann, "s1", "300").await["commissions"][0]["amount"],
        "30.00"
    );
    assert_eq!(
        sale(&app, &ann, "s2", "300").await["commissions"][0]["amount"],
        "20.00"
    );
    assert_eq!(
        sale(&app, &ann, "s3", "300").await["commissions"],
        json!([])
    );
    // Half of s1 refunded: its clawback of 15.00 is room again.
    app.ok(
        &app.admin(),
        "mutation { recordRefund(input: { eventExternalId: \"s1\", amount: \"150\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        sale(&app, &ann, "s4", "300").await["commissions"][0]["amount"],
        "15.00"
    );
    assert_eq!(
        sale(&app, &ann, "s5", "300").await["commissions"],
        json!([])
    );
}

async fn a_cap_per_partner_and_customer_counts_each_customer(app: TestApp) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { timeZone: \"Asia/Tokyo\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let capped = group(
        &app,
        "Capped",
        10,
        json!({ "cap": { "amount": "50", "currency": "USD", "period": "WEEK", "per": "PARTNER_AND_CUSTOMER" } }),
    )
    .await;
    let ann = partner(&app, "ann", &capped).await;
    let buy = |external: &'static str, customer: &'static str, at: &'static str| {
        let ann = ann.clone();
        let app = &app;
        async move {
            let input = json!({ "externalId": external, "partnerId": ann, "customerExternalId": customer, "amount": "300", "occurredAt": at });
            app.ok(&app.admin(), RECORD, json!({ "input": input }))
                .await["recordEvent"]["commissions"]
                .clone()
        }
    };
    // Monday 2026-11-23 in Tokyo starts at 15:00 UTC on the 22nd.
    assert_eq!(
        buy("x1", "x", "2026-11-22T15:00:00Z").await[0]["amount"],
        "30.00"
    );
    assert_eq!(
        buy("x2", "x", "2026-11-29T14:59:59Z").await[0]["amount"],
        "20.00"
    );
    assert_eq!(
        buy("y1", "y", "2026-11-25T00:00:00Z").await[0]["amount"],
        "30.00"
    );
    // The Sunday before, in Tokyo: last week.
    assert_eq!(
        buy("x0", "x", "2026-11-22T14:59:59Z").await[0]["amount"],
        "30.00"
    );
    // The next Monday: a new week.
    assert_eq!(
        buy("x3", "x", "2026-11-29T15:00:00Z").await[0]["amount"],
        "30.00"
    );
}

async fn ten_concurrent_sales_under_a_cap_sum_to_the_cap(app: TestApp) {
    let capped = group(
        &app,
        "Capped",
        10,
        json!({ "cap": { "amount": "100.00", "currency": "USD", "period": "ALL_TIME", "per": "PARTNER" } }),
    )
    .await;
    let ann = partner(&app, "ann", &capped).await;
    let admin = app.admin();
    let replies = join_all((0..10).map(|i| {
        let input = json!({ "input": { "externalId": format!("s{i}"), "partnerId": ann, "customerExternalId": format!("c{i}"), "amount": "130.00" } });
        let admin = admin.clone();
        let app = &app;
        async move { app.post(Some(&admin), RECORD, input).await }
    }))
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, 200);
        assert!(body.get("errors").is_none(), "{body}");
    }
    let total: rust_decimal::Decimal = ledger(&app, &ann)
        .await
        .iter()
        .map(|r| {
            r["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(total.to_string(), "100.00");
}

async fn bad_rules_and_caps_name_their_field(app: TestApp) {
    let admin = app.admin();
    let id = group(&app, "Any", 10, json!({})).await;
    for (input, expected) in [
        (
            json!({ "referral": { "trigger": "COMMISSION" } }),
            "input.referral.percentage",
        ),
        (
            json!({ "referral": { "trigger": "THRESHOLD", "amount": "10" } }),
            "input.referral.threshold",
        ),
        (
            json!({ "referral": { "trigger": "SALE", "percentage": "5", "amount": "1" } }),
            "input.referral.amount",
        ),
        (
            json!({ "referral": { "trigger": "SALE", "percentage": "5", "maxMonths": 0 } }),
            "input.referral.maxMonths",
        ),
        (
            json!({ "cap": { "amount": "0", "currency": "USD", "period": "DAY", "per": "PARTNER" } }),
            "input.cap.amount",
        ),
        (
            json!({ "cap": { "amount": "1.001", "currency": "USD", "period": "DAY", "per": "PARTNER" } }),
            "input.cap.amount",
        ),
        (
            json!({ "cap": { "amount": "10", "currency": "XYZ", "period": "DAY", "per": "PARTNER" } }),
            "input.cap.currency",
        ),
    ] {
        let error = app
            .error(
                Some(&admin),
                UPDATE_GROUP,
                json!({ "id": id, "input": input }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{input}"
        );
    }
    // Nothing was kept; null clears a kept rule.
    let set = app
        .ok(
            &admin,
            UPDATE_GROUP,
            json!({ "id": id, "input": { "referral": { "trigger": "APPROVED", "amount": "20" } } }),
        )
        .await;
    assert_eq!(set["updatePartnerGroup"]["referral"]["amount"], "20");
    assert_eq!(set["updatePartnerGroup"]["cap"], Value::Null);
    let cleared = app
        .ok(
            &admin,
            UPDATE_GROUP,
            json!({ "id": id, "input": { "referral": null } }),
        )
        .await;
    assert_eq!(cleared["updatePartnerGroup"]["referral"], Value::Null);
}

async fn a_backtest_cuts_under_a_cap_as_the_ledger_does(app: TestApp) {
    let capped = group(
        &app,
        "Capped",
        10,
        json!({ "cap": { "amount": "100", "currency": "USD", "period": "MONTH", "per": "PARTNER" } }),
    )
    .await;
    let ann = partner(&app, "ann", &capped).await;
    // Before the range, in its month: 60.00 of the cap is spent.
    sale_at(&app, &ann, "s1", "600", Some("2026-10-02T12:00:00Z")).await;
    // In the range: 30.00, then 10.00 (cut).
    sale_at(&app, &ann, "s2", "300", Some("2026-10-12T12:00:00Z")).await;
    let cut = sale_at(&app, &ann, "s3", "300", Some("2026-10-20T12:00:00Z")).await;
    assert_eq!(cut["commissions"][0]["amount"], "10.00");
    let totals = |rules: Value| {
        let app = &app;
        let capped = capped.clone();
        async move {
            let input = json!({ "from": "2026-10-10T00:00:00Z", "to": "2026-11-01T00:00:00Z", "groupId": capped, "rules": rules });
            let run = crate::support::backtests::start(app, input).await;
            assert_eq!(run["status"], "DONE", "{run}");
            run["totals"][0].clone()
        }
    };
    // A simulation cuts as the ledger does: 60.00 with 70.00 spent of 100.
    let simulate = "mutation($id: ID!, $spent: Decimal) { simulatePartnerGroup(id: $id, simulation: { chargeAmount: \"600\", capSpent: $spent }) { finalFee capCut } }";
    let simulated = app
        .ok(
            &app.admin(),
            simulate,
            json!({ "id": capped, "spent": "70" }),
        )
        .await;
    assert_eq!(
        simulated["simulatePartnerGroup"],
        json!({ "finalFee": "30.00", "capCut": "-30.00" })
    );
    let uncut = app
        .ok(
            &app.admin(),
            simulate,
            json!({ "id": capped, "spent": null }),
        )
        .await;
    assert_eq!(
        uncut["simulatePartnerGroup"],
        json!({ "finalFee": "60.00", "capCut": null })
    );
    // The terms as they are reproduce the ledger, cut included.
    assert_eq!(
        totals(json!([{ "recurring": { "percentage": "10" } }])).await,
        json!({ "currency": "USD", "before": "40.00", "after": "40.00", "difference": "0.00" })
    );
    // Twice the rate: the cap still holds what is left of it, 40.00.
    assert_eq!(
        totals(json!([{ "recurring": { "percentage": "20" } }])).await,
        json!({ "currency": "USD", "before": "40.00", "after": "40.00", "difference": "0.00" })
    );
    // Half the rate: under the cap, 15.00 and 15.00.
    assert_eq!(
        totals(json!([{ "recurring": { "percentage": "5" } }])).await,
        json!({ "currency": "USD", "before": "40.00", "after": "30.00", "difference": "-10.00" })
    );
}

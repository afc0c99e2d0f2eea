//! Payouts that can be run (SPEC §16): minimums, runs, pending payouts paid
//! or failed, racing runs, statement numbers, payment files checked by
//! independent tools, statements read back from their PDF, tax profiles.

use crate::helpers::{Backend, Replica, SECRET, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::partners::enroll;
use crate::support::payouts::{RUN, SET_METHOD, approve, paypal, run};
use crate::support::sales::sale_at;
use crate::support::tools::{payments_tool, poppler};
use async_graphql::futures_util::future::join_all;
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::path::PathBuf;

on_both_databases!(
    a_run_pays_partners_that_reach_their_minimum_and_carries_the_rest_over,
    a_failed_payouts_commissions_are_paid_by_the_next_run,
    racing_runs_never_pay_a_commission_twice,
    statement_numbers_have_no_gaps_under_twenty_concurrent_runs,
    the_sepa_file_validates_and_the_paypal_file_matches_its_golden_copy,
    ibans_are_judged_as_an_independent_validator_judges_them,
    a_statement_pdf_holds_each_line_and_the_total,
    a_statement_reads_back_in_any_script,
    a_tax_id_is_never_answered_logged_or_stored_in_clear,
    an_expired_w8_is_no_profile,
    payout_methods_and_payouts_are_each_partners_own,
    the_monthly_path_in_the_docs_runs_as_written,
    payouts_made_before_runs_are_numbered_in_the_order_they_were_made,
);

const JANUARY: &str = "2026-01-10T12:00:00Z";

async fn bank(app: &TestApp, partner: &str, iban: &str, bic: Option<&str>, holder: &str) {
    app.ok(
        &app.admin(),
        SET_METHOD,
        json!({ "input": { "partnerId": partner, "type": "BANK_TRANSFER", "iban": iban, "bic": bic, "accountHolder": holder } }),
    )
    .await;
}

async fn group_with_minimum(app: &TestApp, name: &str, minimum: Option<Value>) -> String {
    let group = app
        .create_group(name, json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    if let Some(minimum) = minimum {
        app.ok(
            &app.admin(),
            "mutation($id: ID!, $m: [MoneyInput!]) { updatePartnerGroup(id: $id, input: { minimumPayout: $m }) { id } }",
            json!({ "id": group, "m": minimum }),
        )
        .await;
    }
    group
}

async fn set_tenant(app: &TestApp, input: Value) -> Value {
    app.ok(
        &app.admin(),
        "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { minimumPayout { amount currency } payoutAccount { iban bic name } requireTaxProfile } }",
        json!({ "input": input }),
    )
    .await["updateTenant"]
        .clone()
}

const COMMISSION_STATE: &str = "query($id: ID!) { commission(id: $id) { status payoutId amount } }";

async fn commission_state(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), COMMISSION_STATE, json!({ "id": id }))
        .await["commission"]
        .clone()
}

/// The ids of the commissions a payout holds.
async fn payout_commissions(app: &TestApp, payout: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { commissions(first: 500) { totalCount nodes { id } } } }",
            json!({ "id": payout }),
        )
        .await;
    let list = &data["payout"]["commissions"];
    let ids: Vec<String> = list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(list["totalCount"], ids.len());
    ids
}

fn year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now())
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

async fn a_run_pays_partners_that_reach_their_minimum_and_carries_the_rest_over(app: TestApp) {
    let tenant = set_tenant(
        &app,
        json!({ "minimumPayout": [{ "amount": "50", "currency": "USD" }] }),
    )
    .await;
    assert_eq!(
        tenant["minimumPayout"],
        json!([{ "amount": "50.00", "currency": "USD" }])
    );
    let plain = group_with_minimum(&app, "Plain", None).await;
    let gold = group_with_minimum(
        &app,
        "Gold",
        Some(json!([{ "amount": "20", "currency": "USD" }])),
    )
    .await;
    let partner = |name: &'static str, group: &str| {
        let group = group.to_owned();
        let app = &app;
        async move {
            app.create_partner(json!({ "name": name, "groupId": group }))
                .await
        }
    };
    let ann = partner("Ann", &plain).await;
    let ben = partner("Ben", &plain).await;
    let cat = partner("Cat", &gold).await;
    let dan = partner("Dan", &gold).await;
    let eve = partner("Eve", &plain).await;
    let own_minimum = "mutation($id: ID!, $m: [MoneyInput!]) { updatePartner(id: $id, input: { minimumPayout: $m }) { minimumPayout { amount currency } } }";
    let data = app
        .ok(
            &app.admin(),
            own_minimum,
            json!({ "id": dan, "m": [{ "amount": "100", "currency": "USD" }] }),
        )
        .await;
    assert_eq!(
        data["updatePartner"]["minimumPayout"],
        json!([{ "amount": "100.00", "currency": "USD" }])
    );
    app.ok(
        &app.admin(),
        own_minimum,
        json!({ "id": eve, "m": [{ "amount": "10", "currency": "USD" }] }),
    )
    .await;

    let a1 = sale_at(&app, &ann, "a-1", "600", JANUARY).await;
    let a2 = sale_at(&app, &ann, "a-2", "200", JANUARY).await;
    let a3 = sale_at(&app, &ann, "a-3", "100", &chrono::Utc::now().to_rfc3339()).await;
    let b1 = sale_at(&app, &ben, "b-1", "300", JANUARY).await;
    let c1 = sale_at(&app, &cat, "c-1", "300", JANUARY).await;
    let d1 = sale_at(&app, &dan, "d-1", "900", JANUARY).await;
    let e1 = sale_at(&app, &eve, "e-1", "150", JANUARY).await;
    approve(&app, &[&a1, &a2, &a3, &b1, &c1, &d1, &e1]).await;
    // A partial refund of an approved commission: a clawback, approved at once.
    app.ok(
        &app.service("events:write"),
        "mutation { recordRefund(input: { eventExternalId: \"a-1\", amount: \"100\" }) { clawbacks { amount status } } }",
        json!({}),
    )
    .await;
    paypal(&app, &ann, "ann@example.com").await;
    paypal(&app, &ben, "ben@example.com").await;
    bank(
        &app,
        &cat,
        "DE89 3704 0044 0532 0130 00",
        Some("COBADEFFXXX"),
        "Cat Example",
    )
    .await;
    paypal(&app, &dan, "dan@example.com").await;

    let minimums = app
        .ok(
            &app.partner_token(&dan),
            "query($id: ID!) { partner(id: $id) { payoutMinimums { amount currency source } } }",
            json!({ "id": dan }),
        )
        .await;
    assert_eq!(
        minimums["partner"]["payoutMinimums"],
        json!([{ "amount": "100.00", "currency": "USD", "source": "PARTNER" }])
    );
    let of = |id: &str| {
        let app = &app;
        let id = id.to_owned();
        async move {
            app.ok(
                &app.admin(),
                "query($id: ID!) { partner(id: $id) { payoutMinimums { amount source } } }",
                json!({ "id": id }),
            )
            .await["partner"]["payoutMinimums"]
                .clone()
        }
    };
    assert_eq!(
        of(&cat).await,
        json!([{ "amount": "20.00", "source": "GROUP" }])
    );
    assert_eq!(
        of(&ben).await,
        json!([{ "amount": "50.00", "source": "TENANT" }])
    );

    let first = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let y = year();
    assert_eq!(first["periodEnd"], "2026-01-31");
    assert_eq!(first["currency"], Value::Null);
    assert_eq!(first["status"], "OPEN");
    assert_eq!(
        first["total"],
        json!([{ "amount": "100.00", "currency": "USD" }])
    );
    let payouts = first["payouts"].as_array().unwrap();
    let strip = |p: &Value| {
        let mut p = p.clone();
        p.as_object_mut().unwrap().remove("id");
        p
    };
    assert_eq!(
        payouts.iter().map(strip).collect::<Vec<_>>(),
        vec![
            json!({ "amount": "70.00", "currency": "USD", "status": "PENDING", "statementNumber": format!("{y}-000001"),
                    "reference": null, "commissionCount": 3, "partner": { "name": "Ann" },
                    "method": { "type": "PAYPAL", "paypalEmail": "ann@example.com", "iban": null } }),
            json!({ "amount": "30.00", "currency": "USD", "status": "PENDING", "statementNumber": format!("{y}-000002"),
                    "reference": null, "commissionCount": 1, "partner": { "name": "Cat" },
                    "method": { "type": "BANK_TRANSFER", "paypalEmail": null, "iban": "****3000" } }),
        ]
    );
    assert_eq!(
        first["skipped"],
        json!([
            { "partner": { "name": "Ben" }, "reason": "BELOW_MINIMUM", "balance": { "amount": "30.00", "currency": "USD" } },
            { "partner": { "name": "Dan" }, "reason": "BELOW_MINIMUM", "balance": { "amount": "90.00", "currency": "USD" } },
            { "partner": { "name": "Eve" }, "reason": "NO_PAYOUT_METHOD", "balance": { "amount": "15.00", "currency": "USD" } },
        ])
    );
    let ann_payout = payouts[0]["id"].as_str().unwrap().to_owned();
    let cat_payout = payouts[1]["id"].as_str().unwrap().to_owned();
    // Held, not paid: still approved, and the payout's.
    let held = commission_state(&app, &a1).await;
    assert_eq!(
        held,
        json!({ "status": "APPROVED", "payoutId": ann_payout, "amount": "60.00" })
    );
    let mut ann_rows = payout_commissions(&app, &ann_payout).await;
    ann_rows.retain(|id| *id != a1 && *id != a2);
    assert_eq!(ann_rows.len(), 1, "the clawback is the third line");
    assert_eq!(
        commission_state(&app, &ann_rows[0]).await["amount"],
        "-10.00"
    );
    assert_eq!(commission_state(&app, &a3).await["payoutId"], Value::Null);
    // Held commissions are not paid by hand.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"x\" }) { id } }",
            json!({ "ids": [a2] }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    assert!(
        error["message"].as_str().unwrap().contains(&ann_payout),
        "{error}"
    );

    // A second run pays none of what the first holds; the rest is carried again.
    let second = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(second["payouts"], json!([]));
    assert_eq!(second["status"], "CLOSED");
    assert_eq!(second["total"], json!([]));
    assert_eq!(second["skipped"], first["skipped"]);

    // Paid: the commissions are PAID by that payout, the run stays open
    // while Cat's is pending.
    let pay = "mutation($id: ID!, $r: String!) { markPayoutPaid(id: $id, reference: $r) { status reference paidAt run { status } } }";
    let paid = app
        .ok(
            &app.service("commissions:write"),
            pay,
            json!({ "id": ann_payout, "r": "PP-2026-01" }),
        )
        .await["markPayoutPaid"]
        .clone();
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["reference"], "PP-2026-01");
    assert!(paid["paidAt"].is_string());
    assert_eq!(paid["run"]["status"], "OPEN");
    assert_eq!(
        commission_state(&app, &a1).await,
        json!({ "status": "PAID", "payoutId": ann_payout, "amount": "60.00" })
    );
    let again = app
        .error(
            Some(&app.admin()),
            pay,
            json!({ "id": ann_payout, "r": "twice" }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
    let paid = app
        .ok(
            &app.admin(),
            pay,
            json!({ "id": cat_payout, "r": "SEPA-1" }),
        )
        .await;
    assert_eq!(paid["markPayoutPaid"]["run"]["status"], "CLOSED");
    let balance = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { balance { approved paid } } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        balance["partner"]["balance"],
        json!([{ "approved": "10.00", "paid": "70.00" }])
    );
    // What is left for later: Ann's sale of today is under the tenant's minimum.
    let later = run(&app, json!({ "periodEnd": today(), "currency": "USD" })).await;
    assert_eq!(later["currency"], "USD");
    assert_eq!(later["payouts"], json!([]));
    assert_eq!(
        later["skipped"][0],
        json!({ "partner": { "name": "Ann" }, "reason": "BELOW_MINIMUM", "balance": { "amount": "10.00", "currency": "USD" } })
    );
    // Runs are listed, open and closed.
    let runs = app
        .ok(&app.admin(), "{ open: payoutRuns(status: OPEN) { totalCount } closed: payoutRuns(status: CLOSED) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        runs,
        json!({ "open": { "totalCount": 0 }, "closed": { "totalCount": 3 } })
    );
    // A day after today is refused, naming the field.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let error = app
        .error(
            Some(&app.admin()),
            RUN,
            json!({ "input": { "periodEnd": tomorrow } }),
        )
        .await;
    assert_eq!(field(&error), "input.periodEnd");
}

/// How the database finds the rows a payout holds (marking it paid or
/// failed): by the payout's index, not through the tenant's ledger. On
/// PostgreSQL with sequential scans off, as a table this small would
/// otherwise be read whole, and with its statistics taken (autovacuum
/// is off here): without them any index that starts with the tenant
/// looks as good as the payout's.
async fn held_plan(app: &TestApp, payout_id: &str) -> String {
    use sea_orm::TransactionTrait;
    let sql = format!(
        "SELECT id FROM commissions WHERE tenant_id = '{}' AND payout_id = '{payout_id}' \
         AND status = 'APPROVED'",
        crate::helpers::TENANT
    );
    let txn = app.db.conn().unbounded().begin().await.unwrap();
    let (explain, column) = match app.backend {
        Backend::Postgres => {
            txn.execute_unprepared("ANALYZE commissions").await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            ("EXPLAIN", "QUERY PLAN")
        }
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", "detail"),
    };
    let rows = txn
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            format!("{explain} {sql}"),
        ))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn a_failed_payouts_commissions_are_paid_by_the_next_run(app: TestApp) {
    let fay = crate::support::partners::partner_at(&app, "Fay", 10).await;
    paypal(&app, &fay, "fay@example.com").await;
    let f1 = sale_at(&app, &fay, "f-1", "100", JANUARY).await;
    let f2 = sale_at(&app, &fay, "f-2", "200", JANUARY).await;
    approve(&app, &[&f1, &f2]).await;
    let first = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let p1 = first["payouts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["payouts"][0]["amount"], "30.00");
    // The tenant's ledger holds more than the payout: another partner's
    // 40 sales, pending.
    let gus = crate::support::partners::partner_at(&app, "Gus", 10).await;
    for n in 0..40 {
        sale_at(&app, &gus, &format!("g-{n}"), "10", JANUARY).await;
    }
    // By the payout's rows (or, as selective here, the approved ones):
    // never the tenant's whole ledger.
    let plan = held_plan(&app, &p1).await;
    assert!(
        ["ix_commissions_payout", "ix_commissions_maturity"]
            .iter()
            .any(|index| plan.contains(index)),
        "{plan}"
    );
    assert!(!plan.contains("ix_commissions_accrued"), "{plan}");
    let failed = app
        .ok(
            &app.service("commissions:write"),
            "mutation($id: ID!) { markPayoutFailed(id: $id, reason: \"PayPal account closed\") { status failureReason failedAt statementNumber run { status total { amount } } } }",
            json!({ "id": p1 }),
        )
        .await["markPayoutFailed"]
        .clone();
    let y = year();
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["failureReason"], "PayPal account closed");
    assert!(failed["failedAt"].is_string());
    assert_eq!(failed["statementNumber"], format!("{y}-000001"));
    assert_eq!(failed["run"]["status"], "CLOSED");
    assert_eq!(
        failed["run"]["total"],
        json!([]),
        "a failed payout pays nothing"
    );
    // Released, still approved; the failed payout keeps its list.
    assert_eq!(
        commission_state(&app, &f1).await,
        json!({ "status": "APPROVED", "payoutId": null, "amount": "10.00" })
    );
    let mut held_before = payout_commissions(&app, &p1).await;
    held_before.sort();
    let mut expected = vec![f1.clone(), f2.clone()];
    expected.sort();
    assert_eq!(held_before, expected);
    for mutation in [
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"r\") { id } }",
        "mutation($id: ID!) { markPayoutFailed(id: $id, reason: \"again\") { id } }",
    ] {
        let error = app
            .error(Some(&app.admin()), mutation, json!({ "id": p1 }))
            .await;
        assert_eq!(code(&error), "CONFLICT", "{error}");
    }

    // The next run pays them, under the next statement number.
    let second = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let p2 = second["payouts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(second["payouts"][0]["amount"], "30.00");
    assert_eq!(
        second["payouts"][0]["statementNumber"],
        format!("{y}-000002")
    );
    let mut held = payout_commissions(&app, &p2).await;
    held.sort();
    assert_eq!(held, expected);
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"PP-9\") { id } }",
        json!({ "id": p2 }),
    )
    .await;
    assert_eq!(
        commission_state(&app, &f2).await,
        json!({ "status": "PAID", "payoutId": p2, "amount": "20.00" })
    );

    // A refund of what was paid: a clawback that alone is not paid…
    app.ok(
        &app.service("events:write"),
        "mutation { recordRefund(input: { eventExternalId: \"f-2\", amount: \"100\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    let third = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(third["payouts"], json!([]));
    assert_eq!(
        third["skipped"],
        json!([{ "partner": { "name": "Fay" }, "reason": "NEGATIVE_BALANCE", "balance": { "amount": "-10.00", "currency": "USD" } }])
    );
    // …and nets against what is earned next.
    let f3 = sale_at(&app, &fay, "f-3", "300", JANUARY).await;
    approve(&app, &[&f3]).await;
    let fourth = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(fourth["payouts"][0]["amount"], "20.00");
    assert_eq!(fourth["payouts"][0]["commissionCount"], 2);
    assert_eq!(
        fourth["payouts"][0]["statementNumber"],
        format!("{y}-000003")
    );
    let p3 = fourth["payouts"][0]["id"].as_str().unwrap().to_owned();
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"PP-10\") { id } }",
        json!({ "id": p3 }),
    )
    .await;
    let balance = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { balance { accrued approved paid } } }",
            json!({ "id": fay }),
        )
        .await;
    assert_eq!(
        balance["partner"]["balance"],
        json!([{ "accrued": "0.00", "approved": "0.00", "paid": "50.00" }])
    );
    // Each change was announced.
    let events = crate::support::events::listed(
        &app,
        &app.admin(),
        json!({ "types": ["PAYOUT_CREATED", "PAYOUT_PAID", "PAYOUT_FAILED"] }),
    )
    .await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|(kind, subject, _)| (kind.as_str(), subject.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("PAYOUT_CREATED", p1.as_str()),
            ("PAYOUT_FAILED", p1.as_str()),
            ("PAYOUT_CREATED", p2.as_str()),
            ("PAYOUT_PAID", p2.as_str()),
            ("PAYOUT_CREATED", p3.as_str()),
            ("PAYOUT_PAID", p3.as_str()),
        ]
    );
    assert_eq!(events[3].2["reference"], "PP-9");
    assert_eq!(events[1].2["failureReason"], "PayPal account closed");
}

async fn racing_runs_never_pay_a_commission_twice(app: TestApp) {
    let mut partners = Vec::new();
    let mut commissions = Vec::new();
    for i in 0..8 {
        let partner = crate::support::partners::partner_at(&app, &format!("Racer {i}"), 10).await;
        paypal(&app, &partner, &format!("racer{i}@example.com")).await;
        for j in 0..3 {
            commissions.push(sale_at(&app, &partner, &format!("r-{i}-{j}"), "100", JANUARY).await);
        }
        partners.push(partner);
    }
    let ids: Vec<&str> = commissions.iter().map(String::as_str).collect();
    approve(&app, &ids).await;
    let runs = join_all((0..6).map(|_| run(&app, json!({ "periodEnd": "2026-01-31" })))).await;
    let payouts: Vec<&Value> = runs
        .iter()
        .flat_map(|r| r["payouts"].as_array().unwrap())
        .collect();
    assert_eq!(payouts.len(), 8, "one payout per partner across all runs");
    let mut names: Vec<&str> = payouts
        .iter()
        .map(|p| p["partner"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 8);
    assert!(payouts.iter().all(|p| p["amount"] == "30.00"));
    let mut paid = Vec::new();
    for payout in &payouts {
        paid.extend(payout_commissions(&app, payout["id"].as_str().unwrap()).await);
    }
    paid.sort();
    let mut expected = commissions.clone();
    expected.sort();
    assert_eq!(paid, expected, "every commission in exactly one payout");
}

async fn statement_numbers_have_no_gaps_under_twenty_concurrent_runs(app: TestApp) {
    const CURRENCIES: [&str; 20] = [
        "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
        "NZD", "SGD", "HKD", "MXN", "BRL", "ZAR", "INR",
    ];
    let ivy = app.create_partner(json!({ "name": "Ivy" })).await;
    let jon = app.create_partner(json!({ "name": "Jon" })).await;
    paypal(&app, &ivy, "ivy@example.com").await;
    paypal(&app, &jon, "jon@example.com").await;
    let mut events = Vec::new();
    for currency in CURRENCIES {
        let campaign = create_campaign(
            &app,
            json!({ "name": format!("In {currency}"), "currency": currency, "rules": [{ "recurring": { "percentage": 10 } }] }),
        )
        .await;
        for partner in [&ivy, &jon] {
            enroll(&app, partner, &campaign).await;
            events.push(json!({ "externalId": format!("{currency}-{partner}"), "partnerId": partner, "campaignId": campaign,
                                 "customerExternalId": format!("c-{currency}-{partner}"), "amount": "100", "currency": currency,
                                 "occurredAt": JANUARY }));
        }
    }
    let recorded = app
        .ok(
            &app.service("events:write"),
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { error { message } payload { commissions { id } } } }",
            json!({ "input": events }),
        )
        .await;
    let ids: Vec<String> = recorded["recordEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["error"].is_null(), "{r}");
            r["payload"]["commissions"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    approve(&app, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let runs = join_all(
        CURRENCIES
            .iter()
            .map(|c| run(&app, json!({ "periodEnd": "2026-01-31", "currency": c }))),
    )
    .await;
    let mut numbers: Vec<String> = runs
        .iter()
        .flat_map(|r| r["payouts"].as_array().unwrap())
        .map(|p| p["statementNumber"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let y = year();
    let expected: Vec<String> = (1..=40).map(|n| format!("{y}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

const FILE: &str = "query($run: ID!, $format: PayoutFileFormat!, $currency: String) { payoutRunFile(runId: $run, format: $format, currency: $currency) { filename contentType content leftOut { payout { id partner { name } } reason } } }";

fn decoded(file: &Value) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file["content"].as_str().unwrap())
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

async fn the_sepa_file_validates_and_the_paypal_file_matches_its_golden_copy(app: TestApp) {
    let euro = create_campaign(
        &app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let in_euro = |name: &'static str| {
        let (app, euro) = (&app, euro.clone());
        async move {
            let partner = app.create_partner(json!({ "name": name })).await;
            enroll(app, &partner, &euro).await;
            partner
        }
    };
    let jorg = in_euro("Jörg Müller & Söhne").await;
    let lea = in_euro("Léa Dupont").await;
    let pat = in_euro("Pat").await;
    let vic = in_euro("Vic").await;
    let sam = crate::support::partners::partner_at(&app, "Sam", 10).await;
    let tia = crate::support::partners::partner_at(&app, "Tia", 10).await;
    let uma = crate::support::partners::partner_at(&app, "Uma", 10).await;
    let euro_sale = |partner: &str, id: &str, amount: &str| {
        json!({ "externalId": id, "partnerId": partner, "campaignId": euro, "customerExternalId": format!("c-{id}"),
                "amount": amount, "currency": "EUR", "occurredAt": JANUARY })
    };
    let mut ids = Vec::new();
    for input in [
        euro_sale(&jorg, "j-1", "1234.50"),
        euro_sale(&lea, "l-1", "99.90"),
        euro_sale(&pat, "p-1", "500"),
        euro_sale(&vic, "v-1", "200"),
    ] {
        ids.push(crate::support::sales::commission_id(&app, input).await);
    }
    ids.push(sale_at(&app, &sam, "s-1", "125", JANUARY).await);
    ids.push(sale_at(&app, &tia, "t-1", "80.10", JANUARY).await);
    ids.push(sale_at(&app, &uma, "u-1", "300", JANUARY).await);
    approve(&app, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await;
    bank(
        &app,
        &jorg,
        "DE89 3704 0044 0532 0130 00",
        Some("COBADEFFXXX"),
        "Jörg Müller",
    )
    .await;
    bank(
        &app,
        &lea,
        "FR14 2004 1010 0505 0001 3M02 606",
        None,
        "Léa Dupont",
    )
    .await;
    paypal(&app, &pat, "pat@example.com").await;
    // A valid IBAN (the registry's example for the Emirates) outside SEPA.
    bank(&app, &vic, "AE07 0331 2345 6789 0123 456", None, "Vic").await;
    paypal(&app, &sam, "sam@example.com").await;
    paypal(&app, &tia, "tia@example.com").await;
    bank(
        &app,
        &uma,
        "GB82 WEST 1234 5698 7654 32",
        None,
        "Uma Example",
    )
    .await;
    let the_run = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let run_id = the_run["id"].as_str().unwrap().to_owned();
    let payout_of = |name: &str| {
        the_run["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["partner"]["name"] == name)
            .unwrap()
            .clone()
    };
    let writer = app.service("commissions:write");

    // No payout account yet: no SEPA file, and why.
    let error = app
        .error(
            Some(&writer),
            FILE,
            json!({ "run": run_id, "format": "SEPA_PAIN_001" }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    assert!(error["message"].as_str().unwrap().contains("payoutAccount"));
    set_tenant(
        &app,
        json!({ "payoutAccount": { "iban": "DE02 1203 0000 0000 2020 51", "bic": "BYLADEM1001", "name": "Acme GmbH" } }),
    )
    .await;
    let sepa = app
        .ok(
            &writer,
            FILE,
            json!({ "run": run_id, "format": "SEPA_PAIN_001" }),
        )
        .await["payoutRunFile"]
        .clone();
    assert_eq!(sepa["contentType"], "application/xml");
    assert_eq!(sepa["filename"], format!("payouts-{run_id}-sepa.xml"));
    let mut left_out: Vec<(String, String)> = sepa["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["payout"]["partner"]["name"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    left_out.sort();
    assert_eq!(
        left_out,
        [
            ("Pat".to_owned(), "not paid by bank transfer".to_owned()),
            ("Sam".to_owned(), "not paid by bank transfer".to_owned()),
            ("Tia".to_owned(), "not paid by bank transfer".to_owned()),
            (
                "Uma".to_owned(),
                "in USD: SEPA transfers are in EUR".to_owned()
            ),
            (
                "Vic".to_owned(),
                "the account is in AE: SEPA transfers reach accounts in SEPA countries".to_owned()
            ),
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sepa.xml");
    std::fs::write(&path, decoded(&sepa)).unwrap();
    let checked = payments_tool(&["sepa", path.to_str().unwrap()]).await;
    assert_eq!(checked["errors"], json!([]), "{}", decoded(&sepa));
    assert_eq!(checked["valid"], true);
    let (jorg_payout, lea_payout) = (payout_of("Jörg Müller & Söhne"), payout_of("Léa Dupont"));
    assert_eq!(jorg_payout["amount"], "123.45");
    assert_eq!(lea_payout["amount"], "9.99");
    assert_eq!(checked["messageId"], run_id);
    assert_eq!(checked["numberOfTransactions"], "2");
    assert_eq!(checked["controlSum"], "133.44");
    assert_eq!(checked["blockNumberOfTransactions"], "2");
    assert_eq!(checked["blockControlSum"], "133.44");
    assert_eq!(checked["debtorIban"], "DE02120300000000202051");
    assert_eq!(
        checked["transactions"],
        json!([
            { "endToEndId": jorg_payout["id"], "amount": "123.45", "currency": "EUR", "creditor": "Jorg Muller",
              "iban": "DE89370400440532013000", "remittance": format!("Commission statement {}, payout {}", jorg_payout["statementNumber"].as_str().unwrap(), jorg_payout["id"].as_str().unwrap()) },
            { "endToEndId": lea_payout["id"], "amount": "9.99", "currency": "EUR", "creditor": "Lea Dupont",
              "iban": "FR1420041010050500013M02606", "remittance": format!("Commission statement {}, payout {}", lea_payout["statementNumber"].as_str().unwrap(), lea_payout["id"].as_str().unwrap()) },
        ])
    );

    // PayPal: one currency per file.
    let error = app
        .error(
            Some(&writer),
            FILE,
            json!({ "run": run_id, "format": "PAYPAL_PAYOUTS_CSV" }),
        )
        .await;
    assert_eq!(field(&error), "currency");
    assert!(
        error["message"].as_str().unwrap().contains("EUR, USD"),
        "{error}"
    );
    let csv = app
        .ok(
            &writer,
            FILE,
            json!({ "run": run_id, "format": "PAYPAL_PAYOUTS_CSV", "currency": "USD" }),
        )
        .await["payoutRunFile"]
        .clone();
    assert_eq!(csv["contentType"], "text/csv; charset=utf-8");
    assert_eq!(csv["filename"], format!("payouts-{run_id}-paypal-USD.csv"));
    let text = decoded(&csv);
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let golden = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/golden/paypal-payouts.csv"),
    )
    .unwrap();
    let mut expected = golden;
    for name in ["Sam", "Tia"] {
        let payout = payout_of(name);
        expected = expected
            .replace(&format!("{{{name}.id}}"), payout["id"].as_str().unwrap())
            .replace(
                &format!("{{{name}.statementNumber}}"),
                payout["statementNumber"].as_str().unwrap(),
            );
    }
    assert_eq!(text.replace("\r\n", "\n"), expected);

    // A payout marked paid is not in the next file.
    app.ok(
        &writer,
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"SEPA-2026-01\") { id } }",
        json!({ "id": jorg_payout["id"] }),
    )
    .await;
    let sepa = app
        .ok(
            &writer,
            FILE,
            json!({ "run": run_id, "format": "SEPA_PAIN_001" }),
        )
        .await["payoutRunFile"]
        .clone();
    std::fs::write(&path, decoded(&sepa)).unwrap();
    let checked = payments_tool(&["sepa", path.to_str().unwrap()]).await;
    assert_eq!(checked["valid"], true);
    assert_eq!(checked["numberOfTransactions"], "1");
    assert_eq!(checked["controlSum"], "9.99");
    // The file holds whole account numbers: commissions:write only.
    let error = app
        .error(
            Some(&app.service("commissions:read")),
            FILE,
            json!({ "run": run_id, "format": "SEPA_PAIN_001" }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

async fn ibans_are_judged_as_an_independent_validator_judges_them(app: TestApp) {
    let partner = app.create_partner(json!({ "name": "Kim" })).await;
    let ibans = [
        // Valid, in fourteen countries.
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "AT611904300234573201",
        "CH9300762011623852957",
        "NO9386011117947",
        "PL61109010140000071219812874",
        "SE4550000000058398257466",
        "FI2112345600000785",
        "IE29AIBK93115212345678",
        // A digit wrong: the check digits catch it.
        "DE89370400440532013001",
        "GB82WEST12345698765433",
        "FR1420041010050500013M02607",
        "NL91ABNA0417164301",
        // A character short or long for the country.
        "DE8937040044053201300",
        "NL91ABNA041716430",
        "BE685390075470345",
        // No country with IBANs.
        "XX89370400440532013000",
    ];
    let verdicts = payments_tool(&[&["iban"][..], &ibans[..]].concat()).await;
    let mut valid = 0;
    for (verdict, iban) in verdicts["verdicts"].as_array().unwrap().iter().zip(ibans) {
        let (status, body) = app
            .post(
                Some(&app.admin()),
                SET_METHOD,
                json!({ "input": { "partnerId": partner, "type": "BANK_TRANSFER", "iban": iban, "accountHolder": "Kim" } }),
            )
            .await;
        assert_eq!(status, 200);
        let accepted = body["errors"].is_null();
        if !accepted {
            assert_eq!(field(&body["errors"][0]), "input.iban", "{body}");
        } else {
            assert_eq!(
                body["data"]["setPayoutMethod"]["iban"],
                "****".to_owned() + &iban[iban.len() - 4..]
            );
        }
        assert_eq!(
            verdict["valid"].as_bool().unwrap(),
            accepted,
            "{iban}: the validator and revshare disagree ({body})"
        );
        valid += usize::from(accepted);
    }
    assert_eq!(valid, 14);
}

async fn a_statement_pdf_holds_each_line_and_the_total(app: TestApp) {
    let gus = crate::support::partners::partner_at(&app, "Gus", 10).await;
    let other = crate::support::partners::partner_at(&app, "Hank", 10).await;
    paypal(&app, &gus, "gus@example.com").await;
    paypal(&app, &other, "hank@example.com").await;
    let g1 = sale_at(&app, &gus, "order-g-1", "600", JANUARY).await;
    let g2 = sale_at(&app, &gus, "order-g-2", "200", "2026-01-20T09:00:00Z").await;
    let h1 = sale_at(&app, &other, "order-h-1", "100", JANUARY).await;
    approve(&app, &[&g1, &g2, &h1]).await;
    app.ok(
        &app.service("events:write"),
        "mutation { recordRefund(input: { eventExternalId: \"order-g-1\", amount: \"150\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    let the_run = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let payout = the_run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["name"] == "Gus")
        .unwrap()
        .clone();
    assert_eq!(payout["amount"], "65.00");
    let id = payout["id"].as_str().unwrap();
    let number = payout["statementNumber"].as_str().unwrap();
    let url = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { statementUrl } }",
            json!({ "id": id }),
        )
        .await["payout"]["statementUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(url, format!("/statements/{id}.pdf"));
    let get = |token: Option<String>, path: String| {
        let app = &app;
        async move {
            let mut request = app.client.get(app.url(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, kind, response.bytes().await.unwrap().to_vec())
        }
    };
    let (status, kind, pdf) = get(Some(app.partner_token(&gus)), url.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("application/pdf"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let output = tokio::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .await
        .expect("pdftotext runs (scripts/test installs poppler-utils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let has = |wanted: &str| lines.iter().any(|l| l.contains(wanted));
    assert!(has(&format!("Commission statement {number}")), "{text}");
    assert!(has("acme"), "{text}");
    assert!(has("Gus"), "{text}");
    assert!(has("PayPal g***@example.com"), "{text}");
    let line = |wanted: &[&str]| lines.iter().any(|l| wanted.iter().all(|w| l.contains(w)));
    assert!(
        line(&["1/10/2026", "Commission", "order-g-1", "60.00"]),
        "{text}"
    );
    assert!(
        line(&["1/20/2026", "Commission", "order-g-2", "20.00"]),
        "{text}"
    );
    assert!(line(&["Clawback", "order-g-1", "-15.00"]), "{text}");
    assert!(has("2 commission lines, 1 clawback (-$15.00)"), "{text}");
    assert!(has("Total $65.00"), "{text}");
    assert!(!has("order-h-1"), "another partner's line");
    // Staff read it; another partner, a token without the scope and no
    // token do not; an unknown payout is not found. A token without the
    // scope is told what an unknown payout is told (issue 69), where it
    // was told 403.
    assert_eq!(get(Some(app.admin()), url.clone()).await.0, 200);
    assert_eq!(
        get(Some(app.partner_token(&other)), url.clone()).await.0,
        404
    );
    assert_eq!(
        get(Some(app.service("events:write")), url.clone()).await.0,
        404
    );
    assert_eq!(get(None, url.clone()).await.0, 401);
    assert_eq!(
        get(
            Some(app.admin()),
            "/statements/01ARZ3NDEKTSV4RRFFQ69G5FAV.pdf".into()
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(Some(app.admin()), format!("/statements/{id}")).await.0,
        404
    );
}

/// A W-8 is valid from the day it was signed to the last day of the third
/// calendar year after; past it, a run that requires profiles skips its
/// partner as if it had none.
async fn an_expired_w8_is_no_profile(app: TestApp) {
    set_tenant(&app, json!({ "requireTaxProfile": true })).await;
    let ines = crate::support::partners::partner_at(&app, "Ines", 10).await;
    paypal(&app, &ines, "ines@example.com").await;
    let sale = sale_at(&app, &ines, "i-1", "100", JANUARY).await;
    approve(&app, &[&sale]).await;
    let submit = "mutation($input: SubmitTaxProfileInput!) { submitTaxProfile(input: $input) { form signedOn validUntil expired tinType } }";
    let token = app.partner_token(&ines);
    let needs = app
        .error(
            Some(&token),
            submit,
            json!({ "input": { "form": "W8BEN", "country": "DE", "taxId": "DE 123 456 789" } }),
        )
        .await;
    assert_eq!(field(&needs), "input.signedOn");
    let signed = app
        .ok(&token, submit, json!({ "input": { "form": "W8BEN", "country": "DE", "taxId": "DE 123 456 789", "signedOn": "2026-03-10" } }))
        .await;
    assert_eq!(
        signed["submitTaxProfile"],
        json!({ "form": "W8BEN", "signedOn": "2026-03-10", "validUntil": "2029-12-31", "expired": false, "tinType": null })
    );
    app.ok(
        &app.admin(),
        "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }",
        json!({ "p": ines }),
    )
    .await;
    // Signed in 2022, as a W-8 on file since then would be: valid to
    // 2025-12-31, expired now.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::tax_profile::Entity::update_many()
            .col_expr(
                entity::tax_profile::Column::SignedOn,
                Expr::value(chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap()),
            )
            .filter(entity::tax_profile::Column::PartnerId.eq(ines.as_str()))
            .exec(app.db.conn())
            .await
            .unwrap();
    }
    let read = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { taxProfile { status validUntil expired } } }",
            json!({ "p": ines }),
        )
        .await;
    assert_eq!(
        read["partner"]["taxProfile"],
        json!({ "status": "APPROVED", "validUntil": "2025-12-31", "expired": true })
    );
    let skipped = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(skipped["skipped"][0]["reason"], "TAX_PROFILE_NOT_APPROVED");
    assert_eq!(skipped["payouts"], json!([]));
    // A W-8 signed too long ago is refused, naming the day.
    let old = app
        .error(Some(&token), submit, json!({ "input": { "form": "W8BEN", "country": "DE", "taxId": "DE 123 456 789", "signedOn": "2022-06-01" } }))
        .await;
    assert_eq!(field(&old), "input.signedOn");
}

async fn a_tax_id_is_never_answered_logged_or_stored_in_clear(app: TestApp) {
    set_tenant(&app, json!({ "requireTaxProfile": true })).await;
    let hal = crate::support::partners::partner_at(&app, "Hal", 10).await;
    paypal(&app, &hal, "hal@example.com").await;
    let h1 = sale_at(&app, &hal, "h-1", "100", JANUARY).await;
    approve(&app, &[&h1]).await;
    let first = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(first["skipped"][0]["reason"], "TAX_PROFILE_NOT_APPROVED");

    let submit = "mutation($input: SubmitTaxProfileInput!) { submitTaxProfile(input: $input) { form status country taxIdLast4 tinType submittedAt decidedAt reason } }";
    // A W-9's number is checked by the rules of its kind, each named.
    for (tin_type, tax_id, message) in [
        (
            None,
            "123-45-6789",
            ("input.tinType", "is needed with a W-9: SSN, EIN or ITIN"),
        ),
        (
            Some("SSN"),
            "666-45-6789",
            (
                "input.taxId",
                "is no SSN: the SSA issues no number starting 666 (never 000, 666 or 900–999; a number starting with 9 is an ITIN)",
            ),
        ),
        (
            Some("SSN"),
            "123-00-6789",
            (
                "input.taxId",
                "is no SSN: its fourth and fifth digits are never 00",
            ),
        ),
        (
            Some("ITIN"),
            "912-34-5678",
            (
                "input.taxId",
                "is no ITIN: its fourth and fifth digits (34) are not 50–65, 70–88, 90–92 or 94–99",
            ),
        ),
        (
            Some("EIN"),
            "07-1234567",
            (
                "input.taxId",
                "is no EIN: the IRS assigns no EIN starting 07",
            ),
        ),
        (
            Some("EIN"),
            "123-45-6789",
            (
                "input.taxId",
                "must be 9 digits, as 12-3456789 or without dashes",
            ),
        ),
    ] {
        let error = app
            .error(
                Some(&app.partner_token(&hal)),
                submit,
                json!({ "input": { "form": "W9", "country": "US", "taxId": tax_id, "tinType": tin_type, "legalName": "Hal Jordan", "classification": "INDIVIDUAL", "address": { "line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62704" } } }),
            )
            .await;
        assert_eq!(
            (
                code(&error),
                field(&error),
                error["message"].as_str().unwrap()
            ),
            (
                "BAD_USER_INPUT",
                message.0,
                format!("{}: {}", message.0, message.1).as_str()
            ),
            "{tax_id}"
        );
    }
    let (status, body) = app
        .post(
            Some(&app.partner_token(&hal)),
            submit,
            json!({ "input": { "form": "W9", "country": "us", "taxId": "123-45-6789", "tinType": "SSN", "legalName": "Hal Jordan", "classification": "INDIVIDUAL", "address": { "line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62704" } } }),
        )
        .await;
    assert_eq!(status, 200);
    let answer = body.to_string();
    assert!(
        !answer.contains("123-45") && !answer.contains("12345"),
        "{answer}"
    );
    let profile = &body["data"]["submitTaxProfile"];
    assert_eq!(profile["form"], "W9");
    assert_eq!(profile["status"], "SUBMITTED");
    assert_eq!(profile["country"], "US");
    assert_eq!(profile["taxIdLast4"], "6789");
    assert_eq!(profile["tinType"], "SSN");

    // The row holds it sealed; only the key opens it.
    let row = app
        .db
        .conn()
        .query_one_raw(Statement::from_string(
            app.db.backend(),
            "SELECT * FROM tax_profiles",
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = row.try_get("", "tax_id_sealed").unwrap();
    for column in [
        "partner_id",
        "tenant_id",
        "form",
        "status",
        "country",
        "tax_id_sealed",
        "tax_id_last4",
    ] {
        let value: String = row.try_get("", column).unwrap();
        assert!(
            !value.contains("123-45") && !value.contains("12345"),
            "{column}: {value}"
        );
    }
    let stored = revshare::payouts::tax::tax_id(
        app.data_key.as_ref().unwrap(),
        &entity::tax_profile::Model {
            partner_id: hal.clone(),
            tenant_id: crate::helpers::TENANT.into(),
            form: entity::enums::TaxForm::W9,
            status: entity::enums::TaxProfileStatus::Submitted,
            country: "US".into(),
            tax_id_sealed: sealed,
            tax_id_last4: "6789".into(),
            tin_type: Some(entity::enums::TinType::Ssn),
            signed_on: None,
            submitted_at: chrono::Utc::now(),
            decided_at: None,
            decided_by: None,
            reason: None,
            legal_name: None,
            business_name: None,
            classification: None,
            address: None,
            tin_key: None,
            services_outside_us: None,
            electronic_delivery_at: None,
            expiry_noticed_for: None,
            submission_id: None,
        },
    )
    .unwrap();
    // A W-9's number is kept as its nine digits.
    assert_eq!(stored, "123456789");

    // Submitted is not approved; a rejection needs a reason.
    assert_eq!(
        run(&app, json!({ "periodEnd": "2026-01-31" })).await["skipped"][0]["reason"],
        "TAX_PROFILE_NOT_APPROVED"
    );
    let decide = "mutation($input: DecideTaxProfileInput!) { decideTaxProfile(input: $input) { status reason decidedAt } }";
    let error = app
        .error(
            Some(&app.admin()),
            decide,
            json!({ "input": { "partnerId": hal, "approve": false } }),
        )
        .await;
    assert_eq!(field(&error), "input.reason");
    let error = app
        .error(
            Some(&app.partner_token(&hal)),
            decide,
            json!({ "input": { "partnerId": hal, "approve": true } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let decided = app
        .ok(
            &app.admin(),
            decide,
            json!({ "input": { "partnerId": hal, "approve": true } }),
        )
        .await;
    assert_eq!(decided["decideTaxProfile"]["status"], "APPROVED");
    let paid = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(paid["payouts"][0]["amount"], "10.00");
    assert_eq!(paid["skipped"], json!([]));
    // Another partner cannot file for Hal: as if Hal did not exist.
    let other = app.create_partner(json!({ "name": "Ida" })).await;
    let error = app
        .error(
            Some(&app.partner_token(&other)),
            submit,
            json!({ "input": { "partnerId": hal, "form": "W9", "country": "US", "taxId": "987-65-4321", "tinType": "ITIN", "legalName": "Hal Jordan", "classification": "INDIVIDUAL", "address": { "line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62704" } } }),
        )
        .await;
    assert_eq!(field(&error), "input.partnerId");
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { taxProfile { status taxIdLast4 } } }",
            json!({ "id": hal }),
        )
        .await;
    assert_eq!(
        read["partner"]["taxProfile"],
        json!({ "status": "APPROVED", "taxIdLast4": "6789" })
    );

    // Nor is it in any line a server writes, at its most talkative.
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    let replica = Replica::start(
        &app.url,
        &[
            ("REVSHARE_LOG_FORMAT", "json"),
            ("REVSHARE_DATA_KEY", &key),
            ("RUST_LOG", "debug"),
        ],
    )
    .await;
    let answer = reqwest::Client::new()
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(app.partner_token(&other))
        .json(&json!({ "query": submit, "variables": { "input": { "form": "W8BEN", "country": "DE", "taxId": "DE 9988-7766-55", "signedOn": "2026-01-15" } } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        answer["data"]["submitTaxProfile"]["taxIdLast4"], "6655",
        "{answer}"
    );
    // Its log line may come after its answer: wait for it.
    let within = std::time::Duration::from_secs(10);
    let log = crate::support::wait::last_of(
        within,
        async || replica.log(),
        |log| log.contains("graphql request"),
    )
    .await;
    assert!(
        log.contains("graphql request"),
        "the request was logged: {log}"
    );
    assert!(!log.contains("9988-7766"), "{log}");
}

/// Without a data key, tax profiles are refused rather than stored in clear.
#[tokio::test]
async fn without_a_data_key_tax_profiles_are_refused() {
    let app = TestApp::spawn_with_options(
        Backend::Sqlite,
        Keys::hs256(SECRET),
        Options::new(revshare::graphql::LOADER_DELAY),
    )
    .await
    .unwrap();
    let partner = app.create_partner(json!({ "name": "Jay" })).await;
    let error = app
        .error(
            Some(&app.partner_token(&partner)),
            "mutation { submitTaxProfile(input: { form: W9, country: \"US\", taxId: \"123-45-6789\", tinType: SSN, legalName: \"Hal\", classification: INDIVIDUAL, address: { line1: \"1 Main St\", city: \"Springfield\", state: \"IL\", zip: \"62704\" } }) { status } }",
            json!({}),
        )
        .await;
    // Told why, in the product's words: a partner is not told the server's settings.
    assert_eq!(code(&error), "CONFLICT");
    assert_eq!(
        error["message"],
        "tax profiles are off on this server: it has no key to encrypt tax ids with"
    );
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            "SELECT * FROM tax_profiles",
        ))
        .await
        .unwrap();
    assert!(rows.is_empty());
}

async fn payout_methods_and_payouts_are_each_partners_own(app: TestApp) {
    let lou = crate::support::partners::partner_at(&app, "Lou", 10).await;
    let max = crate::support::partners::partner_at(&app, "Max", 10).await;
    let own = app.partner_token(&lou);
    let set = app
        .ok(
            &own,
            SET_METHOD,
            json!({ "input": { "type": "BANK_TRANSFER", "iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx", "accountHolder": "Lou Example" } }),
        )
        .await;
    assert_eq!(
        set["setPayoutMethod"],
        json!({ "type": "BANK_TRANSFER", "paypalEmail": null, "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "accountHolder": "Lou Example" })
    );
    let read = "query($id: ID!) { partner(id: $id) { payoutMethod { type iban updatedAt } } }";
    let whole = app.ok(&own, read, json!({ "id": lou })).await;
    assert_eq!(
        whole["partner"]["payoutMethod"]["iban"],
        "DE89370400440532013000"
    );
    for token in [app.admin(), app.service("partners:read")] {
        let masked = app.ok(&token, read, json!({ "id": lou })).await;
        assert_eq!(masked["partner"]["payoutMethod"]["iban"], "****3000");
    }
    let error = app
        .error(
            Some(&app.service("commissions:read")),
            read,
            json!({ "id": lou }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // Naming another partner, or none as staff: the input is refused.
    let error = app
        .error(
            Some(&own),
            SET_METHOD,
            json!({ "input": { "partnerId": max, "type": "PAYPAL", "paypalEmail": "lou@example.com" } }),
        )
        .await;
    assert_eq!(field(&error), "input.partnerId");
    let error = app
        .error(
            Some(&app.admin()),
            SET_METHOD,
            json!({ "input": { "type": "PAYPAL", "paypalEmail": "lou@example.com" } }),
        )
        .await;
    assert_eq!(field(&error), "input.partnerId");
    let error = app
        .error(
            Some(&own),
            SET_METHOD,
            json!({ "input": { "type": "PAYPAL", "paypalEmail": "lou@example.com", "iban": "DE89370400440532013000" } }),
        )
        .await;
    assert_eq!(field(&error), "input.iban");
    let error = app
        .error(
            Some(&own),
            SET_METHOD,
            json!({ "input": { "type": "PAYPAL", "paypalEmail": "=cmd|'/c calc'!A1@example.com" } }),
        )
        .await;
    assert_eq!(field(&error), "input.paypalEmail");
    let error = app
        .error(
            Some(&app.admin()),
            "mutation { updateTenant(input: { minimumPayout: [{ amount: \"1.5\", currency: \"JPY\" }] }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&error), "input.minimumPayout[0].amount");

    // Payouts: a partner reads its own, never a run.
    paypal(&app, &max, "max@example.com").await;
    let l1 = sale_at(&app, &lou, "lou-1", "100", JANUARY).await;
    let m1 = sale_at(&app, &max, "max-1", "100", JANUARY).await;
    approve(&app, &[&l1, &m1]).await;
    let the_run = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let max_payout = the_run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["name"] == "Max")
        .unwrap()["id"]
        .clone();
    let listed = app
        .ok(
            &own,
            "{ payouts { totalCount nodes { partner { name } method { iban } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["payouts"],
        json!({ "totalCount": 1, "nodes": [{ "partner": { "name": "Lou" }, "method": { "iban": "DE89370400440532013000" } }] })
    );
    let filtered = app
        .ok(
            &own,
            "query($p: ID!) { payouts(partnerId: $p) { totalCount } }",
            json!({ "p": max }),
        )
        .await;
    assert_eq!(filtered["payouts"]["totalCount"], 0);
    let other = app
        .ok(
            &own,
            "query($id: ID!) { payout(id: $id) { id } }",
            json!({ "id": max_payout }),
        )
        .await;
    assert_eq!(other["payout"], Value::Null);
    for query in [
        "query($id: ID!) { payoutRun(id: $id) { id } }",
        "mutation { createPayoutRun(input: { periodEnd: \"2026-01-31\" }) { id } }",
    ] {
        let error = app
            .error(Some(&own), query, json!({ "id": the_run["id"] }))
            .await;
        assert_eq!(code(&error), "FORBIDDEN", "{query}");
    }
    let staff = app
        .ok(
            &app.service("commissions:read"),
            "query($r: ID!) { payouts(runId: $r, status: PENDING) { totalCount } }",
            json!({ "r": the_run["id"] }),
        )
        .await;
    assert_eq!(staff["payouts"]["totalCount"], 2);
    // Where a payout went is read with the payout, the IBAN masked.
    let went = app
        .ok(
            &app.service("commissions:read"),
            "query($r: ID!, $p: ID!) { payouts(runId: $r, partnerId: $p) { nodes { method { type iban } } } }",
            json!({ "r": the_run["id"], "p": lou }),
        )
        .await;
    assert_eq!(
        went["payouts"]["nodes"],
        json!([{ "method": { "type": "BANK_TRANSFER", "iban": "****3000" } }])
    );
}

async fn the_monthly_path_in_the_docs_runs_as_written(app: TestApp) {
    // What the guide assumes: a partner with approved commissions.
    let partner = crate::support::partners::partner_at(&app, "Nia", 10).await;
    let c1 = sale_at(&app, &partner, "n-1", "400", JANUARY).await;
    approve(&app, &[&c1]).await;
    let operations = crate::support::guides::operations("docs/payouts.md");
    assert_eq!(
        operations.len(),
        10,
        "the guide's five steps, the rails' three and Wise's two"
    );
    let token = app.admin();
    // Step by step, each with the variables the guide names.
    let partner_token = app.partner_token(&partner);
    let method = app.ok(&partner_token, &operations[0], json!({})).await;
    assert_eq!(method["setPayoutMethod"]["type"], "PAYPAL");
    let settings = app.ok(&token, &operations[1], json!({})).await;
    assert_eq!(
        settings["updateTenant"]["minimumPayout"],
        json!([{ "amount": "25.00", "currency": "USD" }])
    );
    let the_run = app
        .ok(&token, &operations[2], json!({ "periodEnd": "2026-01-31" }))
        .await["createPayoutRun"]
        .clone();
    assert_eq!(the_run["payouts"][0]["amount"], "40.00");
    let run_id = the_run["id"].clone();
    let file = app
        .ok(
            &token,
            &operations[3],
            json!({ "runId": run_id, "currency": "USD" }),
        )
        .await;
    assert!(decoded(&file["payoutRunFile"]).starts_with("nia@example.com,40.00,USD,"));
    let paid = app
        .ok(
            &token,
            &operations[4],
            json!({ "id": the_run["payouts"][0]["id"], "reference": "PAYPAL-BATCH-2026-01" }),
        )
        .await;
    assert_eq!(paid["markPayoutPaid"]["status"], "PAID");
    assert_eq!(commission_state(&app, &c1).await["status"], "PAID");
}

async fn payouts_made_before_runs_are_numbered_in_the_order_they_were_made(app: TestApp) {
    let pay = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"wire\" }) { id statementNumber status } }";
    let mut made = Vec::new();
    for name in ["Oda", "Per", "Quinn"] {
        let partner = crate::support::partners::partner_at(&app, name, 10).await;
        let c = sale_at(&app, &partner, &format!("{name}-1"), "100", JANUARY).await;
        approve(&app, &[&c]).await;
        let paid = app.ok(&app.admin(), pay, json!({ "ids": [c] })).await;
        made.push((
            paid["markCommissionsPaid"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            c,
        ));
    }
    // Rolled back to before payouts had numbers, and forward again.
    crate::helpers::remigrate_from(&app.db, "m20261124_000015_payouts").await;
    let y = year();
    for (i, (payout, commission)) in made.iter().enumerate() {
        let read = app
            .ok(
                &app.admin(),
                "query($id: ID!) { payout(id: $id) { statementNumber status reference commissions { nodes { id } } } }",
                json!({ "id": payout }),
            )
            .await;
        assert_eq!(
            read["payout"],
            json!({ "statementNumber": format!("{y}-{:06}", i + 1), "status": "PAID", "reference": "wire",
                    "commissions": { "nodes": [{ "id": commission }] } })
        );
    }
    // The counter goes on from them.
    let partner = crate::support::partners::partner_at(&app, "Rae", 10).await;
    let c = sale_at(&app, &partner, "rae-1", "100", JANUARY).await;
    approve(&app, &[&c]).await;
    let paid = app.ok(&app.admin(), pay, json!({ "ids": [c] })).await;
    assert_eq!(
        paid["markCommissionsPaid"][0]["statementNumber"],
        format!("{y}-000004")
    );
}

async fn a_statement_reads_back_in_any_script(app: TestApp) {
    let names = ["Иван Петров", "山田太郎", "Ελληνικά Λτδ", "Łukasz Żółć"];
    let mut partners = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let partner = crate::support::partners::partner_at(&app, name, 10).await;
        paypal(&app, &partner, &format!("p{i}@example.com")).await;
        let c = sale_at(&app, &partner, &format!("order-{i}"), "100", JANUARY).await;
        approve(&app, &[&c]).await;
        partners.push(partner);
    }
    let the_run = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    for (name, partner) in names.iter().zip(&partners) {
        let payout = the_run["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["partner"]["name"] == *name)
            .unwrap()
            .clone();
        let response = app
            .client
            .get(app.url(&format!(
                "/statements/{}.pdf",
                payout["id"].as_str().unwrap()
            )))
            .bearer_auth(app.partner_token(partner))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let pdf = response.bytes().await.unwrap().to_vec();
        let (text, fonts) = poppler(&pdf).await;
        // The name as written, never as question marks.
        assert!(text.contains(name), "{name}: {text}");
        assert!(!text.contains("????"), "{name}: {text}");
        assert!(text.contains("Total $10.00"), "{text}");
        // Set in the embedded font, subset to the glyphs used.
        let embedded = fonts
            .lines()
            .find(|l| l.contains("WenQuanYiMicroHei"))
            .unwrap_or_else(|| panic!("{fonts}"));
        assert!(embedded.contains("CID TrueType"), "{embedded}");
        let flags: Vec<&str> = embedded.split_whitespace().rev().skip(2).take(3).collect();
        assert_eq!(flags, ["yes", "yes", "yes"], "emb sub uni: {embedded}");
        // A few glyphs, not the 5 MB face.
        assert!(pdf.len() < 60_000, "{name}: {} bytes", pdf.len());
    }
}

//! Reports (SPEC §17): series by day, week and month in the tenant's time
//! zone, the leaderboard, a partner's rank, the program's totals and the
//! ledger's counts — each from the rollups the writes keep, equal to what
//! the ledger lists.

use crate::helpers::{TestApp, code, field};
use crate::support::partners::partner_at;
use crate::support::sales::{commission_id, record};
use crate::{on_both_databases, on_both_databases_with};
use serde_json::{Value, json};

on_both_databases_with!(
    no_jobs;
    a_series_sums_each_status_as_the_ledger_lists_it,
);

on_both_databases!(
    a_berlin_day_is_23_or_25_hours_across_the_changes,
    a_partner_reads_its_own_series_and_rank_only,
    the_ledger_counts_from_its_totals_and_says_when_a_count_is_capped,
    exports_stream_the_ledger_and_payouts_as_csv_within_their_scopes,
);

const STATS: &str = "query($interval: StatInterval!, $from: DateTime!, $to: DateTime!, $partner: ID, $group: ID, $currency: String) { commissionStats(interval: $interval, from: $from, to: $to, partnerId: $partner, groupId: $group, currency: $currency) { start currency accrued approved paid reversed clawedBack revenue commissions events } }";

fn sale(partner: &str, id: &str, amount: &str, at: &str) -> Value {
    json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"), "amount": amount, "occurredAt": at })
}

async fn stats(app: &TestApp, token: &str, vars: Value) -> Value {
    app.ok(token, STATS, vars).await["commissionStats"].clone()
}

/// A zero interval of the series.
fn empty(start: &str) -> Value {
    json!({ "start": start, "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "0.00", "reversed": "0.00", "clawedBack": "0.00", "revenue": "0.00", "commissions": 0, "events": 0 })
}

/// No job runs: the statements a read is counted by are its own, not a
/// job's look at the log the setup's events woke.
fn no_jobs() -> revshare::http::Options {
    revshare::http::Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        jobs: revshare::jobs::Jobs::none(),
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

async fn a_series_sums_each_status_as_the_ledger_lists_it(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 20).await;
    let writer = app.service("commissions:write");
    let events = app.service("events:write");
    // March 1st: one sale approved, then paid; March 2nd: one approved and
    // refunded in part (a clawback, on the day of the refund), one
    // reversed, one of Bob's left accrued.
    let paid = commission_id(&app, sale(&alice, "a1", "100.00", "2026-03-01T10:00:00Z")).await;
    let clawed = commission_id(&app, sale(&alice, "a2", "200.00", "2026-03-02T10:00:00Z")).await;
    let reversed = commission_id(&app, sale(&alice, "a3", "30.00", "2026-03-02T11:00:00Z")).await;
    record(&app, sale(&bob, "b1", "50.00", "2026-03-02T12:00:00Z")).await;
    let approve = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }";
    app.ok(&writer, approve, json!({ "ids": [paid, clawed] }))
        .await;
    let pay = "mutation($input: MarkCommissionsPaidInput!) { markCommissionsPaid(input: $input) { amount } }";
    app.ok(
        &writer,
        pay,
        json!({ "input": { "ids": [paid], "reference": "wire" } }),
    )
    .await;
    let reverse =
        "mutation($input: ReverseCommissionInput!) { reverseCommission(input: $input) { id } }";
    app.ok(
        &writer,
        reverse,
        json!({ "input": { "id": reversed, "reason": "FRAUD" } }),
    )
    .await;
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { clawbacks { amount accruedAt } } }";
    let data = app
        .ok(
            &events,
            refund,
            json!({ "input": { "eventExternalId": "a2", "amount": "50.00" } }),
        )
        .await;
    let clawback = &data["recordRefund"]["clawbacks"][0];
    assert_eq!(clawback["amount"], "-5.00");

    let admin = app.admin();
    let days = stats(
        &app,
        &admin,
        json!({ "interval": "DAY", "from": "2026-03-01T00:00:00Z", "to": "2026-03-04T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        days,
        json!([
            { "start": "2026-03-01T00:00:00Z", "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "10.00", "reversed": "0.00", "clawedBack": "0.00", "revenue": "100.00", "commissions": 1, "events": 1 },
            { "start": "2026-03-02T00:00:00Z", "currency": "USD", "accrued": "10.00", "approved": "20.00", "paid": "0.00", "reversed": "3.00", "clawedBack": "0.00", "revenue": "280.00", "commissions": 3, "events": 3 },
            empty("2026-03-03T00:00:00Z"),
        ])
    );
    // Bob's alone; Alice's group alone.
    let bobs = stats(
        &app,
        &admin,
        json!({ "interval": "MONTH", "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z", "partner": bob }),
    )
    .await;
    assert_eq!(
        bobs,
        json!([{ "start": "2026-03-01T00:00:00Z", "currency": "USD", "accrued": "10.00", "approved": "0.00", "paid": "0.00", "reversed": "0.00", "clawedBack": "0.00", "revenue": "50.00", "commissions": 1, "events": 1 }])
    );

    // Over a range holding the clawback too, every column is what the
    // ledger lists for the same range, row by row.
    let from = "2026-01-01T00:00:00Z";
    let to = "2100-01-01T00:00:00Z";
    let months = stats(
        &app,
        &admin,
        json!({ "interval": "MONTH", "from": from, "to": to, "currency": "USD" }),
    )
    .await;
    let listed = app
        .ok(
            &admin,
            "query($from: DateTime!, $to: DateTime!) { commissions(accruedFrom: $from, accruedTo: $to, first: 100) { nodes { kind status amount } } }",
            json!({ "from": from, "to": to }),
        )
        .await["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let column = |row: &Value| match (row["kind"].as_str(), row["status"].as_str()) {
        (Some("CLAWBACK"), _) => "clawedBack",
        (_, Some("ACCRUED")) => "accrued",
        (_, Some("APPROVED")) => "approved",
        (_, Some("PAID")) => "paid",
        _ => "reversed",
    };
    let cents = |text: &Value| -> i64 {
        let text = text.as_str().unwrap();
        let (units, fraction) = text.split_once('.').unwrap();
        let negative = units.starts_with('-');
        let value = units.trim_start_matches('-').parse::<i64>().unwrap() * 100
            + fraction.parse::<i64>().unwrap();
        if negative { -value } else { value }
    };
    for name in ["accrued", "approved", "paid", "reversed", "clawedBack"] {
        let series: i64 = months
            .as_array()
            .unwrap()
            .iter()
            .map(|m| cents(&m[name]))
            .sum();
        let ledger: i64 = listed
            .iter()
            .filter(|row| column(row) == name)
            .map(|row| cents(&row["amount"]))
            .sum();
        assert_eq!(series, ledger, "{name}");
    }
    let counted: i64 = months
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["commissions"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, listed.len() as i64);
    assert_eq!(listed.len(), 5);
    let clawed_back: i64 = months
        .as_array()
        .unwrap()
        .iter()
        .map(|m| cents(&m["clawedBack"]))
        .sum();
    assert_eq!(clawed_back, -500);

    // The leaderboard (the tenant's zone, the sums, the partners: three
    // statements whatever its length), a rank, the program's totals.
    let before = app.statements();
    let top = app
        .ok(
            &admin,
            "{ topPartners(from: \"2026-03-01T00:00:00Z\", to: \"2026-03-03T00:00:00Z\", currency: \"USD\") { partner { name } amount currency } }",
            json!({}),
        )
        .await;
    assert_eq!(
        top["topPartners"],
        json!([
            { "partner": { "name": "Alice" }, "amount": "30.00", "currency": "USD" },
            { "partner": { "name": "Bob" }, "amount": "10.00", "currency": "USD" },
        ])
    );
    assert_eq!(app.statements() - before, 3);
    let rank = app
        .ok(
            &admin,
            "query($p: ID!) { partner(id: $p) { rank(from: \"2026-03-01T00:00:00Z\", to: \"2026-03-03T00:00:00Z\", currency: \"USD\") { rank amount partners } } }",
            json!({ "p": bob }),
        )
        .await;
    assert_eq!(
        rank["partner"]["rank"],
        json!({ "rank": 2, "amount": "10.00", "partners": 2 })
    );
    let totals = app
        .ok(
            &admin,
            "{ programTotals { currency accrued approved paid } }",
            json!({}),
        )
        .await;
    assert_eq!(
        totals["programTotals"],
        json!([{ "currency": "USD", "accrued": "10.00", "approved": "15.00", "paid": "10.00" }])
    );

    // A ledger written before the rollups existed is built once, when the
    // migration that adds them runs: the same series and totals.
    crate::helpers::remigrate_from(&app.db, "m20261123_000014_reports").await;
    revshare::app::migrate(&app.db).await.unwrap();
    let again = stats(
        &app,
        &admin,
        json!({ "interval": "MONTH", "from": from, "to": to, "currency": "USD" }),
    )
    .await;
    assert_eq!(again, months);
    let rebuilt = app
        .ok(
            &admin,
            "{ programTotals { currency accrued approved paid } }",
            json!({}),
        )
        .await;
    assert_eq!(rebuilt, totals);

    // Bad input names its field.
    let error = app
        .error(
            Some(&admin),
            STATS,
            json!({ "interval": "DAY", "from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z" }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "to"));
    let error = app
        .error(
            Some(&admin),
            STATS,
            json!({ "interval": "DAY", "from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "to"));
    let error = app
        .error(
            Some(&admin),
            "{ topPartners(from: \"2026-03-01T00:00:00Z\", to: \"2026-03-03T00:00:00Z\", currency: \"usd!\") { amount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "currency")
    );
}

async fn a_berlin_day_is_23_or_25_hours_across_the_changes(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    // Recorded while the tenant is in UTC…
    for (id, at) in [
        ("m1", "2026-03-28T23:30:00Z"), // 00:30 CET, March 29
        ("m2", "2026-03-29T21:30:00Z"), // 23:30 CEST, March 29
        ("m3", "2026-03-29T22:30:00Z"), // 00:30 CEST, March 30
        ("o1", "2026-10-24T22:30:00Z"), // 00:30 CEST, October 25
        ("o2", "2026-10-25T22:30:00Z"), // 23:30 CET, October 25
    ] {
        record(&app, sale(&alice, id, "10.00", at)).await;
    }
    let admin = app.admin();
    let march =
        json!({ "interval": "DAY", "from": "2026-03-28T23:00:00Z", "to": "2026-03-30T22:00:00Z" });
    let utc = stats(&app, &admin, march.clone()).await;
    let starts: Vec<&str> = utc
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-28T00:00:00Z",
            "2026-03-29T00:00:00Z",
            "2026-03-30T00:00:00Z"
        ]
    );
    // …then moved to Berlin: the days are rebuilt in its zone.
    app.ok(
        &admin,
        "mutation { updateTenant(input: { timeZone: \"Europe/Berlin\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let day = |start: &str, events: i64| {
        let amount = format!("{}.00", events);
        let revenue = format!("{}.00", events * 10);
        json!({ "start": start, "currency": "USD", "accrued": amount, "approved": "0.00", "paid": "0.00", "reversed": "0.00", "clawedBack": "0.00", "revenue": revenue, "commissions": events, "events": events })
    };
    assert_eq!(
        stats(&app, &admin, march).await,
        json!([
            day("2026-03-28T23:00:00Z", 2),
            day("2026-03-29T22:00:00Z", 1)
        ])
    );
    // March 29 is 23 hours, October 25 is 25.
    let october = stats(
        &app,
        &admin,
        json!({ "interval": "DAY", "from": "2026-10-24T22:00:00Z", "to": "2026-10-26T23:00:00Z" }),
    )
    .await;
    assert_eq!(
        october,
        json!([
            day("2026-10-24T22:00:00Z", 2),
            empty("2026-10-25T23:00:00Z")
        ])
    );
    // Weeks start on Monday at midnight in Berlin; a sale recorded now
    // lands in Berlin's day too.
    let weeks = stats(
        &app,
        &admin,
        json!({ "interval": "WEEK", "from": "2026-10-19T00:00:00Z", "to": "2026-10-25T23:00:00Z" }),
    )
    .await;
    assert_eq!(weeks, json!([day("2026-10-18T22:00:00Z", 2)]));
    record(&app, sale(&alice, "o3", "10.00", "2026-10-25T22:59:00Z")).await;
    let october = stats(
        &app,
        &admin,
        json!({ "interval": "DAY", "from": "2026-10-25T00:00:00Z", "to": "2026-10-25T12:00:00Z" }),
    )
    .await;
    assert_eq!(october, json!([day("2026-10-24T22:00:00Z", 3)]));
}

async fn a_partner_reads_its_own_series_and_rank_only(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 20).await;
    record(&app, sale(&alice, "a1", "100.00", "2026-03-01T10:00:00Z")).await;
    record(&app, sale(&bob, "b1", "100.00", "2026-03-01T11:00:00Z")).await;
    let token = app.partner_token(&alice);
    let range = json!({ "interval": "MONTH", "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z" });
    let own = stats(&app, &token, range.clone()).await;
    assert_eq!(own[0]["accrued"], "10.00");
    assert_eq!(own[0]["revenue"], "100.00");
    // Another partner's series: as if it had nothing, a zero series — the
    // same answer as for an id naming no partner.
    let mut others = range.clone();
    others["partner"] = json!(bob);
    let mut nobody = range.clone();
    nobody["partner"] = json!("no-such-partner");
    assert_eq!(
        stats(&app, &token, others).await,
        json!([empty("2026-03-01T00:00:00Z")])
    );
    assert_eq!(
        stats(&app, &token, nobody.clone()).await,
        stats(&app, &app.admin(), nobody).await
    );
    let error = app
        .error(
            Some(&token),
            "{ topPartners(from: \"2026-03-01T00:00:00Z\", to: \"2026-04-01T00:00:00Z\", currency: \"USD\") { amount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(Some(&token), "{ programTotals { paid } }", json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let rank = app
        .ok(
            &token,
            "{ viewer { partner { rank(from: \"2026-03-01T00:00:00Z\", to: \"2026-04-01T00:00:00Z\", currency: \"USD\") { rank amount partners } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        rank["viewer"]["partner"]["rank"],
        json!({ "rank": 2, "amount": "10.00", "partners": 2 })
    );
    // Another partner's rank is not its to read.
    let data = app
        .ok(
            &token,
            "query($p: ID!) { partner(id: $p) { rank(from: \"2026-03-01T00:00:00Z\", to: \"2026-04-01T00:00:00Z\", currency: \"USD\") { rank } } }",
            json!({ "p": bob }),
        )
        .await;
    assert_eq!(data["partner"], Value::Null);
}

async fn the_ledger_counts_from_its_totals_and_says_when_a_count_is_capped(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 20).await;
    for i in 0..3 {
        record(
            &app,
            sale(&alice, &format!("a{i}"), "10.00", "2026-03-01T10:00:00Z"),
        )
        .await;
    }
    let first = commission_id(&app, sale(&bob, "b1", "10.00", "2026-03-02T10:00:00Z")).await;
    app.ok(
        &app.service("commissions:write"),
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [first] }),
    )
    .await;
    let admin = app.admin();
    let count = |filter: &str| {
        let query = match filter {
            "" => "{ commissions { totalCount totalCountIsExact } }".to_owned(),
            _ => format!("{{ commissions({filter}) {{ totalCount totalCountIsExact }} }}"),
        };
        let app = &app;
        let admin = admin.clone();
        async move { app.ok(&admin, &query, json!({})).await["commissions"].clone() }
    };
    assert_eq!(
        count("first: 1").await,
        json!({ "totalCount": 4, "totalCountIsExact": true })
    );
    assert_eq!(
        count("status: APPROVED").await,
        json!({ "totalCount": 1, "totalCountIsExact": true })
    );
    assert_eq!(
        count(&format!("partnerId: \"{alice}\", status: ACCRUED")).await,
        json!({ "totalCount": 3, "totalCountIsExact": true })
    );
    assert_eq!(
        count("accruedFrom: \"2026-03-02T00:00:00Z\"").await,
        json!({ "totalCount": 1, "totalCountIsExact": true })
    );
    // A partner's own count, from its balances.
    let token = app.partner_token(&alice);
    let own = app
        .ok(
            &token,
            "{ commissions { totalCount totalCountIsExact } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own["commissions"],
        json!({ "totalCount": 3, "totalCountIsExact": true })
    );
}

/// `GET path` with `token`: status, content type and body.
async fn export(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String, String) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

async fn exports_stream_the_ledger_and_payouts_as_csv_within_their_scopes(app: TestApp) {
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let evil = app
        .create_partner(json!({ "name": "=HYPERLINK(\"http://evil.example\",\"Acme, Inc.\")", "groupId": group }))
        .await;
    let bob = partner_at(&app, "Bob", 20).await;
    let first = commission_id(&app, sale(&evil, "+e1", "100.00", "2026-03-01T10:00:00Z")).await;
    let writer = app.service("commissions:write");
    app.ok(
        &writer,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [first] }),
    )
    .await;
    let payout = app
        .ok(
            &writer,
            "mutation($input: MarkCommissionsPaidInput!) { markCommissionsPaid(input: $input) { id } }",
            json!({ "input": { "ids": [first], "reference": "@wire-7" } }),
        )
        .await["markCommissionsPaid"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..3 {
        record(
            &app,
            sale(&bob, &format!("b{i}"), "10.00", "2026-03-02T10:00:00Z"),
        )
        .await;
    }
    let admin = app.admin();
    let (status, kind, body) = export(&app, Some(&admin), "/exports/commissions.csv").await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,partner_id,partner_name,campaign_id,campaign_name,event_external_id,kind,status,amount,currency,accrued_at,approved_at,paid_at,payout_id"
    );
    assert_eq!(lines.len(), 5);
    // Each row is the query's, in the same order.
    let listed = app
        .ok(
            &admin,
            "{ commissions { nodes { id amount status accruedAt partner { id } campaign { id name } event { externalId } } } }",
            json!({}),
        )
        .await["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let evil_row = listed
        .iter()
        .position(|c| c["id"] == first.as_str())
        .unwrap();
    let row = &listed[evil_row];
    let line = lines[evil_row + 1];
    assert!(
        line.starts_with(&format!(
            "{first},{evil},\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Acme, Inc.\"\")\",{},Default campaign,'+e1,COMMISSION,PAID,10.00,USD,",
            row["campaign"]["id"].as_str().unwrap()
        )),
        "{line}"
    );
    assert!(line.ends_with(&format!(",{payout}")), "{line}");
    for (i, row) in listed.iter().enumerate() {
        let cells: Vec<&str> = lines[i + 1].split(',').collect();
        assert_eq!(cells[0], row["id"].as_str().unwrap());
    }
    // Filters as the query's.
    let (_, _, body) = export(
        &app,
        Some(&admin),
        &format!("/exports/commissions.csv?partnerId={bob}&status=ACCRUED"),
    )
    .await;
    assert_eq!(body.split_terminator("\r\n").count(), 4);
    let (_, _, body) = export(
        &app,
        Some(&admin),
        "/exports/commissions.csv?accruedFrom=2026-03-02T00:00:00Z",
    )
    .await;
    assert_eq!(body.split_terminator("\r\n").count(), 4);
    // A partner exports its own rows; another's id exports as if that
    // partner had nothing: the header alone.
    let token = app.partner_token(&bob);
    let (status, _, body) = export(&app, Some(&token), "/exports/commissions.csv").await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = body.split_terminator("\r\n").skip(1).collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.split(',').nth(1) == Some(bob.as_str()))
    );
    let (status, _, body) = export(
        &app,
        Some(&token),
        &format!("/exports/commissions.csv?partnerId={evil}"),
    )
    .await;
    assert_eq!(
        (status, body.split_terminator("\r\n").count()),
        (200, 1),
        "{body}"
    );
    let (_, _, nothing) = export(
        &app,
        Some(&token),
        "/exports/commissions.csv?partnerId=no-such-partner",
    )
    .await;
    assert_eq!(body, nothing);
    let (status, _, body) = export(&app, Some(&token), "/exports/payouts.csv").await;
    assert_eq!((status, body.split_terminator("\r\n").count()), (200, 1));
    // Bad input names its parameter; no token is 401; a token without the
    // scope is 403.
    let (status, _, body) = export(
        &app,
        Some(&admin),
        "/exports/commissions.csv?accruedFrom=yesterday",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("accruedFrom"), "{body}");
    let (status, _, body) = export(&app, Some(&admin), "/exports/commissions.csv?colour=red").await;
    assert_eq!(status, 400);
    assert!(body.contains("colour"), "{body}");
    assert_eq!(export(&app, None, "/exports/commissions.csv").await.0, 401);
    let events = app.service("events:write");
    assert_eq!(
        export(&app, Some(&events), "/exports/payouts.csv").await.0,
        403
    );
    // Payouts, the reference neutralised.
    let (status, _, body) = export(&app, Some(&admin), "/exports/payouts.csv?currency=usd").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,partner_id,partner_name,amount,currency,status,statement_number,run_id,reference,commission_count,created_at,paid_at"
    );
    assert_eq!(lines.len(), 2);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    assert!(
        lines[1].starts_with(&format!(
            "{payout},{evil},\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Acme, Inc.\"\")\",10.00,USD,PAID,{year}-000001,,'@wire-7,1,"
        )),
        "{}",
        lines[1]
    );
}

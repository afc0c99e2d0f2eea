//! Backtesting a change on the events already recorded (SPEC §23): before
//! and after per partner and currency, a replay of the unchanged terms
//! that reproduces the ledger to the cent over every rule type, a tier, a
//! campaign's rules, refunds, a reversal and a converted sale (deal events:
//! `backtest_deals`); nothing written; who may; the background runs.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::backtests::{START, ledger_state, ledger_sum, row, rows, start, with};
use crate::support::campaigns::{create_campaign, default_campaign};
use crate::support::partners::enroll;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    a_change_answers_before_and_after_for_every_partner,
    the_unchanged_terms_reproduce_the_ledger_to_the_cent,
    a_backtest_writes_nothing_to_the_ledger,
    who_may_backtest_and_what_a_bad_input_names,
);

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } commissions { id amount } } }";
const REFUND: &str =
    "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { id } } }";

async fn record(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), RECORD, json!({ "input": input }))
        .await["recordEvent"]
        .clone()
}

async fn refund(app: &TestApp, external_id: &str, amount: Option<&str>) {
    app.ok(
        &app.admin(),
        REFUND,
        json!({ "input": { "eventExternalId": external_id, "amount": amount } }),
    )
    .await;
}

fn sale(id: &str, partner: &str, customer: &str, amount: &str, at: &str) -> Value {
    json!({ "externalId": id, "partnerId": partner, "customerExternalId": customer, "amount": amount, "occurredAt": at })
}

async fn a_change_answers_before_and_after_for_every_partner(app: TestApp) {
    let ten = json!([{ "recurring": { "percentage": "10" } }]);
    let gold = app.create_group("Gold", ten.clone()).await;
    let silver = app.create_group("Silver", ten).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": gold }))
        .await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": gold }))
        .await;
    let cy = app
        .create_partner(json!({ "name": "Cy", "groupId": silver }))
        .await;
    record(&app, sale("a1", &ada, "ca1", "100", "2026-10-05T10:00:00Z")).await;
    record(&app, sale("a2", &ada, "ca2", "200", "2026-10-20T10:00:00Z")).await;
    // Outside the range: neither before nor after.
    record(&app, sale("a3", &ada, "ca3", "100", "2026-11-02T10:00:00Z")).await;
    record(&app, sale("b1", &bo, "cb1", "50", "2026-10-10T10:00:00Z")).await;
    // 20 of 50 refunded: a clawback of 2.00 now, of 3.00 at 15 %.
    refund(&app, "b1", Some("20")).await;
    record(&app, sale("c1", &cy, "cc1", "80", "2026-10-11T10:00:00Z")).await;

    let input = json!({
        "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z",
        "groupId": gold, "rules": [{ "recurring": { "percentage": "15" } }]
    });
    let backtest = start(&app, input.clone()).await;
    assert_eq!(backtest["status"], "DONE", "{backtest}");
    assert_eq!(backtest["progress"], 1.0);
    assert_eq!(backtest["events"], 4);
    assert_eq!(
        backtest["totals"],
        json!([{ "currency": "USD", "before": "41.00", "after": "57.50", "difference": "16.50" }])
    );
    assert_eq!(
        rows(&backtest),
        [
            row("Ada", "30.00", "45.00", "15.00", 2),
            row("Bo", "3.00", "4.50", "1.50", 1),
            row("Cy", "8.00", "8.00", "0.00", 1),
        ]
    );
    assert_eq!(backtest["partners"]["totalCount"], 3);

    // Ordered within the currency, and paged by the list's cursors.
    let id = backtest["id"].as_str().unwrap();
    let page = "query($id: ID!, $after: String, $order: BacktestPartnerOrder!) { backtest(id: $id) { \
        partners(first: 2, after: $after, orderBy: $order) { pageInfo { hasNextPage endCursor } nodes { partner { name } difference } } } }";
    let first = app
        .ok(
            &app.admin(),
            page,
            json!({ "id": id, "order": "DIFFERENCE_ASC" }),
        )
        .await["backtest"]["partners"]
        .clone();
    assert_eq!(
        first["nodes"],
        json!([{ "partner": { "name": "Cy" }, "difference": "0.00" }, { "partner": { "name": "Bo" }, "difference": "1.50" }])
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(
            &app.admin(),
            page,
            json!({ "id": id, "order": "DIFFERENCE_ASC", "after": first["pageInfo"]["endCursor"] }),
        )
        .await["backtest"]["partners"]
        .clone();
    assert_eq!(
        next["nodes"],
        json!([{ "partner": { "name": "Ada" }, "difference": "15.00" }])
    );
    assert_eq!(next["pageInfo"]["hasNextPage"], false);

    // The same by node(id:); limited to some partners.
    let node = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on Backtest { id status totals { difference } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["node"]["status"], "DONE");
    assert_eq!(node["node"]["totals"], json!([{ "difference": "16.50" }]));
    let only = start(&app, with(&input, json!({ "partnerIds": [bo] }))).await;
    assert_eq!(rows(&only), [row("Bo", "3.00", "4.50", "1.50", 1)]);
}

/// What [`history`] built: the ids a backtest names, and each partner's
/// events of June 2025.
struct History {
    group: String,
    rules: Value,
    pro: String,
    tier: Value,
    tier_id: String,
    partners: Vec<(&'static str, String)>,
    in_range: Vec<String>,
}

/// A history over every rule type of §5, a campaign's own rules, a
/// monthly tier (reached with `goal` sales) with a bonus and retroactive
/// adjustments, a partial and a full refund, a reversal, a sale in EUR and
/// a lead — June 2025, with May before it and July after.
async fn history(app: &TestApp, goal: i64) -> History {
    // Every rule type of §5.
    let rules = json!([
        { "recurring": { "percentage": "10", "maxMonths": 6 } },
        { "newCustomerTimeTier": { "maxMonths": 1, "percentage": "5" } },
        { "partnerLtvUpgrade": { "minLtvTotal": "250", "upgradePercentage": "2" } },
        { "chargeThresholdBonus": { "minChargeTotal": "150", "bonus": "7" } },
        { "qualifiedCustomersUpgrade": { "minCustomers": 2, "upgradePercentage": "1" } },
        { "firstPaidCustomerBonus": { "bonus": "4" } },
        { "flatFee": { "amount": "3", "eventKind": "LEAD" } }
    ]);
    let group = app.create_group("Every rule", rules.clone()).await;
    let p1 = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let p2 = app
        .create_partner(json!({ "name": "Bo", "groupId": group }))
        .await;
    let p3 = app.create_partner(json!({ "name": "Cy" })).await;
    let default = default_campaign(app).await;
    // A campaign with rules of its own.
    let pro = create_campaign(
        app,
        json!({ "name": "Pro", "currency": "USD", "rules": [{ "recurring": { "percentage": "20" } }] }),
    )
    .await;
    enroll(app, &p2, &pro).await;
    // A tier on the default campaign: +10 % once 3 sales in a month, 5.00
    // more on each earlier commission of the month, a bonus of 20.
    let tier = json!({
        "name": "Monthly", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
        "period": "MONTHLY", "partnerIds": [p1], "campaignIds": [default],
        "payout": { "action": "INCREASE", "value": "10" },
        "retroactivePayout": { "action": "FLAT_INCREASE", "value": "5" },
        "goals": { "conversions": goal }, "bonus": "20"
    });
    let tier_id = app
        .ok(
            &app.admin(),
            "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
            json!({ "input": tier }),
        )
        .await["createTieredCommission"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Rates for a sale in EUR.
    let csv = std::fs::read_to_string("tests/fixtures/ecb/eurofxref-hist.csv").unwrap();
    app.ok(
        &app.admin(),
        "mutation($input: ImportExchangeRatesInput!) { importExchangeRates(input: $input) { imported } }",
        json!({ "input": { "source": "ECB", "csv": csv } }),
    )
    .await;

    let mut in_range = Vec::new();
    let mut keep = |recorded: Value| {
        in_range.push(recorded["event"]["id"].as_str().unwrap().to_owned());
    };
    // History from before the range: month 1 of c1, LTV 100.
    let e0 = sale("e0", &p1, "c1", "100", "2025-05-10T10:00:00Z");
    record(
        app,
        with(&e0, json!({ "customerAcquiredAt": "2025-05-10T00:00:00Z" })),
    )
    .await;
    keep(record(app, sale("e1", &p1, "c1", "100", "2025-06-02T10:00:00Z")).await);
    keep(record(app, sale("e2", &p1, "c2", "120", "2025-06-03T10:00:00Z")).await);
    keep(record(app, json!({ "externalId": "e3", "partnerId": p1, "customerExternalId": "c3", "kind": "LEAD", "amount": "0", "occurredAt": "2025-06-04T10:00:00Z" })).await);
    keep(record(app, sale("e4", &p1, "c3", "60", "2025-06-05T10:00:00Z")).await);
    // c2 reaches 150: the threshold bonus.
    keep(record(app, sale("e5", &p1, "c2", "90", "2025-06-06T10:00:00Z")).await);
    refund(app, "e2", Some("20")).await;
    let e6 = record(app, sale("e6", &p1, "c4", "50", "2025-06-07T10:00:00Z")).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: OTHER }) { status } }",
        json!({ "id": e6["commissions"][0]["id"] }),
    )
    .await;
    keep(e6);
    let e7 = sale("e7", &p1, "c5", "80", "2025-06-27T10:00:00Z");
    keep(record(app, with(&e7, json!({ "currency": "EUR" }))).await);
    keep(record(app, sale("e8", &p1, "c1", "100", "2025-06-08T10:00:00Z")).await);
    keep(record(app, sale("e9", &p1, "c2", "30", "2025-06-20T10:00:00Z")).await);
    refund(app, "e9", None).await;
    let in_pro = json!({ "campaignId": pro });
    keep(
        record(
            app,
            with(
                &sale("f1", &p2, "d1", "100", "2025-06-10T10:00:00Z"),
                in_pro.clone(),
            ),
        )
        .await,
    );
    keep(
        record(
            app,
            with(&sale("f2", &p2, "d1", "50", "2025-06-11T10:00:00Z"), in_pro),
        )
        .await,
    );
    keep(record(app, sale("f3", &p2, "d2", "40", "2025-06-12T10:00:00Z")).await);
    keep(record(app, sale("g1", &p3, "x1", "70", "2025-06-12T10:00:00Z")).await);
    // After the range: left out.
    record(app, sale("h1", &p1, "c1", "100", "2025-07-02T10:00:00Z")).await;
    History {
        group,
        rules,
        pro,
        tier,
        tier_id,
        partners: vec![("Ada", p1), ("Bo", p2), ("Cy", p3)],
        in_range,
    }
}

async fn the_unchanged_terms_reproduce_the_ledger_to_the_cent(app: TestApp) {
    let History {
        group,
        rules,
        pro,
        tier,
        tier_id,
        partners,
        in_range,
    } = history(&app, 3).await;
    let mut expected = Vec::new();
    for (name, id) in &partners {
        expected.push((*name, ledger_sum(&app, id, &in_range).await, 0));
    }
    expected[0].2 = 9;
    expected[1].2 = 3;
    expected[2].2 = 1;
    let range = json!({ "from": "2025-06-01T00:00:00Z", "to": "2025-07-01T00:00:00Z" });
    // The ledger earned something of every kind here.
    assert!(
        expected[0].1 > rust_decimal::Decimal::from(50),
        "{expected:?}"
    );
    assert!(expected[1].1 > rust_decimal::Decimal::ZERO, "{expected:?}");
    let changes = [
        json!({ "groupId": group }),
        json!({ "groupId": group, "rules": rules }),
        json!({ "campaignId": pro }),
        json!({ "tieredCommissionId": tier_id }),
        json!({ "tieredCommissionId": tier_id, "tier": tier }),
    ];
    for change in changes {
        let input = with(&range, change.clone());
        let backtest = start(&app, input).await;
        assert_eq!(backtest["status"], "DONE", "{change}: {backtest}");
        let found: Vec<(String, String, String)> = rows(&backtest)
            .into_iter()
            .map(|(name, _, before, after, difference, events)| {
                assert_eq!(before, after, "{change}: {name}");
                assert_eq!(difference, "0.00", "{change}: {name}");
                (name, before, events.to_string())
            })
            .collect();
        let wanted: Vec<(String, String, String)> = expected
            .iter()
            .map(|(name, sum, events)| (name.to_string(), format!("{sum:.2}"), events.to_string()))
            .collect();
        assert_eq!(found, wanted, "{change}");
    }

    // A change replayed is what the ledger would hold had the terms been
    // so: the same history built again under the changed tier, reached
    // with 2 sales instead of 3.
    let sooner = with(&tier, json!({ "goals": { "conversions": 2 } }));
    let backtest = start(
        &app,
        with(
            &range,
            json!({ "tieredCommissionId": tier_id, "tier": sooner }),
        ),
    )
    .await;
    let other = TestApp::spawn(app.backend).await.unwrap();
    let built = history(&other, 2).await;
    let mut changed = Vec::new();
    for (name, id) in &built.partners {
        changed.push((
            name.to_string(),
            format!("{:.2}", ledger_sum(&other, id, &built.in_range).await),
        ));
    }
    let after: Vec<(String, String)> = rows(&backtest)
        .into_iter()
        .map(|(name, _, _, after, ..)| (name, after))
        .collect();
    let mut after = after;
    after.sort();
    assert_eq!(after, changed, "{backtest}");
    assert_ne!(backtest["totals"][0]["difference"], "0.00", "{backtest}");
}

/// A 10 % Gold group whose partner Ada sold 100.00 on each of the first
/// `days` days of October 2026; the group's id.
async fn gold_sales(app: &TestApp, days: usize) -> String {
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": "10" } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    for n in 0..days {
        let at = format!("2026-10-0{}T10:00:00Z", n + 1);
        let id = format!("s{n}");
        record(app, sale(&id, &ada, &format!("c{n}"), "100", &at)).await;
    }
    group
}

async fn a_backtest_writes_nothing_to_the_ledger(app: TestApp) {
    let group = gold_sales(&app, 5).await;
    refund(&app, "s1", Some("30")).await;
    let before = ledger_state(&app).await;
    let backtest = start(
        &app,
        json!({ "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z", "groupId": group,
                "rules": [{ "recurring": { "percentage": "30" } }, { "firstPaidCustomerBonus": { "bonus": "9" } }] }),
    )
    .await;
    // 5 × 30.00 + 9.00, less 30 % of 30 refunded.
    assert_eq!(
        backtest["totals"],
        json!([{ "currency": "USD", "before": "47.00", "after": "150.00", "difference": "103.00" }])
    );
    assert_eq!(ledger_state(&app).await, before);
}

fn backtests_allowed_in_background() -> revshare::http::Options {
    revshare::http::Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        backtest_inline: revshare::backtests::Inline(2),
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

async fn who_may_backtest_and_what_a_bad_input_names(app: TestApp) {
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": "10" } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    record(&app, sale("s1", &ada, "c1", "100", "2026-10-05T10:00:00Z")).await;
    let range = json!({ "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z" });
    let input = with(&range, json!({ "groupId": group }));

    // A partner never backtests; staff need the ledger's and the group's read scopes.
    let partner = app
        .error(
            Some(&app.partner_token(&ada)),
            START,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(code(&partner), "FORBIDDEN", "{partner}");
    let ledger_only = app.service("commissions:read");
    let refused = app
        .error(Some(&ledger_only), START, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let reader = app.service("commissions:read partner_groups:read");
    let started = app.ok(&reader, START, json!({ "input": input })).await["startBacktest"].clone();
    assert_eq!(started["totals"][0]["before"], "10.00");
    // Reading it asks the same; another program never sees it.
    let read = "query($id: ID!) { backtest(id: $id) { id } }";
    let id = json!({ "id": started["id"] });
    let campaigns_reader = app.service("commissions:read campaigns:read");
    assert_eq!(
        app.ok(&campaigns_reader, read, id.clone()).await["backtest"],
        Value::Null
    );
    assert_eq!(
        app.ok(&reader, read, id.clone()).await["backtest"]["id"],
        started["id"]
    );
    let other = app.admin_of(crate::helpers::OTHER_TENANT);
    assert_eq!(
        app.ok(&other, read, id.clone()).await["backtest"],
        Value::Null
    );

    // Bad input names its field, and nothing is kept.
    let cases = [
        (range.clone(), "input"),
        (
            with(&range, json!({ "groupId": group, "campaignId": group })),
            "input.campaignId",
        ),
        (
            with(
                &range,
                json!({ "groupId": group, "to": "2026-09-01T00:00:00Z" }),
            ),
            "input.to",
        ),
        (
            with(&range, json!({ "groupId": "01JNOSUCHGROUP000000000000" })),
            "input.groupId",
        ),
        (
            with(
                &range,
                json!({ "rules": [{ "recurring": { "percentage": "5" } }] }),
            ),
            "input.rules",
        ),
        (
            with(
                &range,
                json!({ "groupId": group, "rules": [{ "recurring": { "percentage": "101" } }] }),
            ),
            "input.rules[0].recurring.percentage",
        ),
        (
            with(
                &range,
                json!({ "tieredCommissionId": "01JNOSUCHTIER0000000000000" }),
            ),
            "input.tieredCommissionId",
        ),
        (
            with(
                &range,
                json!({ "groupId": group, "partnerIds": ["01JNOSUCHPARTNER0000000000"] }),
            ),
            "input.partnerIds[0]",
        ),
    ];
    for (input, named) in cases {
        let error = app
            .error(Some(&app.admin()), START, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{input}: {error}");
        assert_eq!(field(&error), named, "{input}: {error}");
    }

    // An event recorded before revshare kept its history cannot be
    // replayed: the range is refused, naming when it was recorded.
    app.db
        .conn()
        .execute_unprepared("UPDATE events SET history_month = NULL")
        .await
        .unwrap();
    let error = app
        .error(Some(&app.admin()), START, json!({ "input": input }))
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
    assert_eq!(field(&error), "input.from", "{error}");
}

/// A backtest's status, waited for until it is no longer `RUNNING`.
async fn settled(app: &TestApp, id: &Value) -> Value {
    let query = "query($id: ID!) { backtest(id: $id) { status progress events totals { currency before after difference } } }";
    // A loaded machine runs a thousand tests beside this one: the wait is
    // for the condition, bounded generously.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let found = app.ok(&app.admin(), query, json!({ "id": id })).await["backtest"].clone();
        if found["status"] != "RUNNING" {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the backtest is still running: {found}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn large_ranges_run_in_the_background_once_per_program(app: TestApp) {
    let group = gold_sales(&app, 3).await;
    let input = json!({ "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z", "groupId": group,
                        "rules": [{ "recurring": { "percentage": "20" } }] });
    let started = start(&app, input.clone()).await;
    assert_eq!(started["status"], "RUNNING", "{started}");
    assert_eq!(started["events"], 3);
    assert_eq!(started["totals"], json!([]));
    let done = settled(&app, &started["id"]).await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(
        done["totals"],
        json!([{ "currency": "USD", "before": "30.00", "after": "60.00", "difference": "30.00" }])
    );
    let events = app
        .ok(
            &app.admin(),
            "{ domainEvents(first: 100) { nodes { type subjectId data } } }",
            json!({}),
        )
        .await;
    let finished: Vec<&Value> = events["domainEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "BACKTEST_FINISHED")
        .collect();
    assert_eq!(finished.len(), 1, "{events}");
    assert_eq!(finished[0]["subjectId"], started["id"]);
    assert_eq!(finished[0]["data"]["status"], "DONE");

    // One at a time: while one runs (held by another replica), another is
    // refused; cancelled, it ends with its event and frees the program.
    // Its own run is let finish first, so that it cannot overwrite the hold.
    let second = start(&app, input.clone()).await;
    settled(&app, &second["id"]).await;
    hold_as_another_replica(&app, second["id"].as_str().unwrap(), 3600).await;
    let refused = app
        .error(Some(&app.admin()), START, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    let cancel = "mutation($id: ID!) { cancelBacktest(id: $id) { status } }";
    let cancelled = app
        .ok(&app.admin(), cancel, json!({ "id": second["id"] }))
        .await;
    assert_eq!(cancelled["cancelBacktest"]["status"], "CANCELLED");
    let again = app
        .error(Some(&app.admin()), cancel, json!({ "id": second["id"] }))
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again}");

    // A run whose replica stopped (its lease ran out) is taken up again.
    let third = start(&app, input.clone()).await;
    settled(&app, &third["id"]).await;
    hold_as_another_replica(&app, third["id"].as_str().unwrap(), -1).await;
    let jobs = revshare::jobs::Shutdown::new();
    revshare::backtests::take_up(&app.db, &jobs.runner())
        .await
        .unwrap();
    let resumed = settled(&app, &third["id"]).await;
    assert_eq!(resumed["status"], "DONE");
    assert_eq!(resumed["totals"], done["totals"]);
}

/// Puts a backtest back to `RUNNING`, its results gone, held by a lease
/// that ends in `seconds` — as if a replica were (or had been) replaying it.
async fn hold_as_another_replica(app: &TestApp, id: &str, seconds: i64) {
    use entity::backtest;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let lease = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    entity::backtest_result::Entity::delete_many()
        .filter(entity::backtest_result::Column::BacktestId.eq(id))
        .exec(app.db.conn())
        .await
        .unwrap();
    backtest::Entity::update_many()
        .col_expr(backtest::Column::Status, Expr::value("RUNNING"))
        .col_expr(backtest::Column::LeaseUntil, Expr::value(lease))
        .col_expr(backtest::Column::Replayed, Expr::value(0))
        .filter(backtest::Column::Id.eq(id))
        .exec(app.db.conn())
        .await
        .unwrap();
}

crate::on_both_databases_with!(backtests_allowed_in_background; large_ranges_run_in_the_background_once_per_program);

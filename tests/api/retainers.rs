//! Retainers (SPEC §37): a fixed amount on a cadence, whatever the
//! partner sold — each period one `RETAINER` commission per partner paid,
//! accrued at 00:00 of its first day in the tenant's zone, written once
//! whatever restarts or replicas come between; paused, resumed and ended.

use crate::helpers::{Replica, TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_retainer_starting_today_pays_its_first_period_at_once,
    a_group_retainer_pays_each_active_partner_of_the_group_and_partners_read_their_own,
    pausing_resuming_and_ending_follow_their_states,
    bad_retainers_name_their_field_and_write_nothing,
    periods_are_paid_once_across_a_month_end_and_a_clock_change_on_two_replicas,
);

const CREATE: &str = "mutation($input: CreateRetainerInput!) { createRetainer(input: $input) { id name status cadence startsOn periods nextDueAt summary amount { amount currency } partner { id } group { id } campaign { id } } }";
const ROWS: &str = "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { id kind amount currency status accruedAt breakdown { vocabulary amount description value occurrence } retainerPeriod { retainer { id name } number startsOn endsOn } } } }";
const YORK: &str = "America/New_York";

async fn in_new_york(app: &TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/New_York\" }) { timeZone } }",
        json!({}),
    )
    .await;
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createRetainer"]
        .clone()
}

/// The partner's `RETAINER` rows, by accrual then id.
async fn retained(app: &TestApp, partner: &str) -> Vec<Value> {
    let found = app.ok(&app.admin(), ROWS, json!({ "p": partner })).await;
    let mut rows: Vec<Value> = found["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "RETAINER")
        .cloned()
        .collect();
    rows.sort_by_key(|r| {
        (
            r["accruedAt"].as_str().unwrap().to_owned(),
            r["amount"].as_str().unwrap().to_owned(),
        )
    });
    rows
}

/// (amount, accruedAt, period number) of each row.
fn periods(rows: &[Value]) -> Vec<(String, String, i64)> {
    rows.iter()
        .map(|r| {
            (
                r["amount"].as_str().unwrap().to_owned(),
                r["accruedAt"].as_str().unwrap().to_owned(),
                r["retainerPeriod"]["number"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn period(amount: &str, at: &str, number: i64) -> (String, String, i64) {
    (amount.to_owned(), at.to_owned(), number)
}

/// Today in New York, and its midnight as an instant.
fn today_in_new_york() -> (chrono::NaiveDate, String) {
    use chrono::TimeZone;
    let zone: chrono_tz::Tz = YORK.parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let midnight = zone
        .from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc);
    (
        today,
        midnight.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

fn midnight_in_new_york(day: chrono::NaiveDate) -> String {
    use chrono::TimeZone;
    let zone: chrono_tz::Tz = YORK.parse().unwrap();
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

async fn a_retainer_starting_today_pays_its_first_period_at_once(app: TestApp) {
    in_new_york(&app).await;
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let (today, midnight) = today_in_new_york();
    let made = create(
        &app,
        json!({ "name": "Content retainer", "partnerId": ada, "cadence": "MONTHLY",
                "amount": { "amount": "500", "currency": "EUR" },
                "startsOn": today.to_string(), "periods": 3 }),
    )
    .await;
    assert_eq!(made["status"], "ACTIVE");
    assert_eq!(made["partner"]["id"], ada);
    assert_eq!(made["group"], Value::Null);
    assert_eq!(
        made["amount"],
        json!({ "amount": "500.00", "currency": "EUR" })
    );
    assert_eq!(
        made["summary"],
        format!("500.00 EUR monthly from {today}, 3 periods")
    );
    let second = today.checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(made["nextDueAt"], midnight_in_new_york(second));

    let rows = retained(&app, &ada).await;
    assert_eq!(periods(&rows), vec![period("500.00", &midnight, 1)]);
    let row = &rows[0];
    assert_eq!(row["currency"], "EUR");
    assert_eq!(row["status"], "ACCRUED");
    let ends = second.pred_opt().unwrap();
    assert_eq!(
        row["retainerPeriod"],
        json!({ "retainer": { "id": made["id"], "name": "Content retainer" }, "number": 1,
                "startsOn": today.to_string(), "endsOn": ends.to_string() })
    );
    assert_eq!(
        row["breakdown"],
        json!([{ "vocabulary": "RETAINER", "amount": "500", "occurrence": 1, "value": made["id"],
                 "description": format!("retainer \"Content retainer\": period 1, {today} to {ends}") }])
    );
    // No sale: the partner's totals count it as any commission.
    let balance = app
        .ok(
            &app.partner_token(&ada),
            "{ viewer { partner { retainers { id status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        balance["viewer"]["partner"]["retainers"],
        json!([{ "id": made["id"], "status": "ACTIVE" }])
    );
}

async fn a_group_retainer_pays_each_active_partner_of_the_group_and_partners_read_their_own(
    app: TestApp,
) {
    in_new_york(&app).await;
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let others = app
        .create_group("Others", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "groupId": group }))
        .await;
    let cy = app
        .create_partner(json!({ "name": "Cy", "groupId": group, "status": "SUSPENDED" }))
        .await;
    let dee = app
        .create_partner(json!({ "name": "Dee", "groupId": others }))
        .await;
    let (today, midnight) = today_in_new_york();
    let weekly = create(
        &app,
        json!({ "name": "Creator stipend", "groupId": group, "cadence": "WEEKLY",
                "amount": { "amount": "100", "currency": "USD" }, "startsOn": today.to_string() }),
    )
    .await;
    assert_eq!(weekly["group"]["id"], group);
    assert_eq!(
        weekly["summary"],
        format!("100.00 USD weekly from {today}, until ended")
    );
    let own = create(
        &app,
        json!({ "name": "Ada's own", "partnerId": ada, "cadence": "YEARLY",
                "amount": { "amount": "1200", "currency": "USD" }, "startsOn": today.to_string(), "periods": 2 }),
    )
    .await;
    // A group's period pays the partners who joined by its first instant:
    // these joined after midnight, so today's pays none of them (the
    // replicas' test below pays a group); Ada's own pays her at once.
    for (partner, expected) in [(&ada, 1), (&bob, 0), (&cy, 0), (&dee, 0)] {
        assert_eq!(retained(&app, partner).await.len(), expected, "{partner}");
    }
    assert_eq!(
        periods(&retained(&app, &ada).await),
        vec![period("1200.00", &midnight, 1)]
    );

    // A partner reads the retainers paying it, and no other.
    let list = "{ retainers { totalCount nodes { id name } } }";
    let read = async |p: &str| app.ok(&app.partner_token(p), list, json!({})).await;
    assert_eq!(read(&ada).await["retainers"]["totalCount"], 2);
    assert_eq!(
        read(&bob).await["retainers"]["nodes"],
        json!([{ "id": weekly["id"], "name": "Creator stipend" }])
    );
    assert_eq!(read(&dee).await["retainers"]["totalCount"], 0);
    let by_id = "query($id: ID!) { retainer(id: $id) { id } node(id: $id) { id } }";
    let asked = app
        .ok(&app.partner_token(&bob), by_id, json!({ "id": own["id"] }))
        .await;
    assert_eq!(asked, json!({ "retainer": null, "node": null }));
    let asked = app
        .ok(
            &app.partner_token(&dee),
            by_id,
            json!({ "id": weekly["id"] }),
        )
        .await;
    assert_eq!(asked, json!({ "retainer": null, "node": null }));
    let asked = app
        .ok(
            &app.partner_token(&bob),
            by_id,
            json!({ "id": weekly["id"] }),
        )
        .await;
    assert_eq!(asked["retainer"]["id"], weekly["id"]);

    // Staff filter by partner, group and state; reading needs
    // `commissions:read`, writing `commissions:write`.
    let filtered = app
        .ok(
            &app.service("commissions:read"),
            "query($g: ID!) { retainers(groupId: $g, status: ACTIVE) { totalCount } }",
            json!({ "g": group }),
        )
        .await;
    assert_eq!(filtered["retainers"]["totalCount"], 1);
    let (_, refused) = app
        .post(
            Some(&app.service("partners:read")),
            "{ retainers { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "FORBIDDEN");
    let input = json!({ "name": "Mine", "partnerId": ada, "cadence": "WEEKLY",
                        "amount": { "amount": "1", "currency": "USD" }, "startsOn": today.to_string() });
    for token in [app.partner_token(&ada), app.service("commissions:read")] {
        let (_, refused) = app
            .post(Some(&token), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code(&refused["errors"][0]), "FORBIDDEN", "{refused}");
    }
}

async fn pausing_resuming_and_ending_follow_their_states(app: TestApp) {
    in_new_york(&app).await;
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let (today, _) = today_in_new_york();
    let tomorrow = today.succ_opt().unwrap();
    let made = create(
        &app,
        json!({ "name": "Weekly", "partnerId": ada, "cadence": "WEEKLY",
                "amount": { "amount": "25.50", "currency": "USD" }, "startsOn": tomorrow.to_string() }),
    )
    .await;
    assert!(retained(&app, &ada).await.is_empty());
    assert_eq!(made["nextDueAt"], midnight_in_new_york(tomorrow));
    let change = |verb: &str| {
        format!(
            "mutation($id: ID!) {{ {verb}Retainer(id: $id) {{ id status nextDueAt endedAt }} }}"
        )
    };
    let id = json!({ "id": made["id"] });
    let paused = app.ok(&app.admin(), &change("pause"), id.clone()).await;
    assert_eq!(paused["pauseRetainer"]["status"], "PAUSED");
    assert_eq!(paused["pauseRetainer"]["nextDueAt"], Value::Null);
    let (_, again) = app
        .post(Some(&app.admin()), &change("pause"), id.clone())
        .await;
    assert_eq!(code(&again["errors"][0]), "CONFLICT");
    assert_eq!(
        again["errors"][0]["message"],
        "the retainer is PAUSED: it cannot be paused"
    );
    let resumed = app.ok(&app.admin(), &change("resume"), id.clone()).await;
    assert_eq!(resumed["resumeRetainer"]["status"], "ACTIVE");
    assert_eq!(
        resumed["resumeRetainer"]["nextDueAt"],
        midnight_in_new_york(tomorrow)
    );
    let (_, again) = app
        .post(Some(&app.admin()), &change("resume"), id.clone())
        .await;
    assert_eq!(code(&again["errors"][0]), "CONFLICT");
    let ended = app.ok(&app.admin(), &change("end"), id.clone()).await;
    assert_eq!(ended["endRetainer"]["status"], "ENDED");
    assert_eq!(ended["endRetainer"]["nextDueAt"], Value::Null);
    assert!(ended["endRetainer"]["endedAt"].is_string());
    for verb in ["end", "pause", "resume"] {
        let (_, again) = app
            .post(Some(&app.admin()), &change(verb), id.clone())
            .await;
        assert_eq!(code(&again["errors"][0]), "CONFLICT", "{verb}");
    }
    assert!(retained(&app, &ada).await.is_empty());

    // Each change is in the activity log, by its mutation.
    let log = app
        .ok(
            &app.admin(),
            "query($id: ID!) { activity(filter: { objectId: $id }, first: 10) { nodes { action } } }",
            id.clone(),
        )
        .await;
    let mut actions: Vec<&str> = log["activity"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            "createRetainer",
            "endRetainer",
            "pauseRetainer",
            "resumeRetainer"
        ]
    );
}

async fn bad_retainers_name_their_field_and_write_nothing(app: TestApp) {
    in_new_york(&app).await;
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let (today, _) = today_in_new_york();
    let yesterday = today.pred_opt().unwrap();
    let good = json!({ "name": "Stipend", "partnerId": ada, "cadence": "MONTHLY",
                       "amount": { "amount": "10", "currency": "USD" }, "startsOn": today.to_string() });
    let with = |change: Value| {
        let mut input = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                input.as_object_mut().unwrap().remove(k);
            } else {
                input[k] = v.clone();
            }
        }
        input
    };
    let cases = [
        (with(json!({ "name": " " })), "input.name"),
        (with(json!({ "partnerId": null })), "input.partnerId"),
        (with(json!({ "groupId": group })), "input.groupId"),
        (
            with(json!({ "partnerId": "01HZZZZZZZZZZZZZZZZZZZZZZZ" })),
            "input.partnerId",
        ),
        (
            with(json!({ "partnerId": null, "groupId": "01HZZZZZZZZZZZZZZZZZZZZZZZ" })),
            "input.groupId",
        ),
        (
            with(json!({ "amount": { "amount": "0", "currency": "USD" } })),
            "input.amount.amount",
        ),
        (
            with(json!({ "amount": { "amount": "1.001", "currency": "USD" } })),
            "input.amount.amount",
        ),
        (
            with(json!({ "amount": { "amount": "1", "currency": "XYZ" } })),
            "input.amount.currency",
        ),
        (
            with(json!({ "startsOn": yesterday.to_string() })),
            "input.startsOn",
        ),
        (with(json!({ "periods": 0 })), "input.periods"),
        (with(json!({ "periods": 1001 })), "input.periods"),
        (
            with(json!({ "campaignId": "01HZZZZZZZZZZZZZZZZZZZZZZZ" })),
            "input.campaignId",
        ),
    ];
    for (input, expected) in cases {
        let (_, answer) = app
            .post(Some(&app.admin()), CREATE, json!({ "input": input }))
            .await;
        let error = &answer["errors"][0];
        assert_eq!(code(error), "BAD_USER_INPUT", "{input} {answer}");
        assert_eq!(field(error), expected, "{input} {answer}");
    }
    let count = app
        .ok(&app.admin(), "{ retainers { totalCount } }", json!({}))
        .await;
    assert_eq!(count["retainers"]["totalCount"], 0);
    assert!(retained(&app, &ada).await.is_empty());
}

/// Two replicas under a moved clock, with the `retainers` job alone:
/// answers once each has ended its first step.
async fn two_replicas_at(app: &TestApp, at: &str) -> (Replica, Replica) {
    let env = [
        ("REVSHARE_JOBS", "retainers"),
        ("RUST_LOG", crate::support::wait::JOB_STEPS_LOGGED),
    ];
    let (first, second) = tokio::join!(
        Replica::start_at(&app.url, &env, at),
        Replica::start_at(&app.url, &env, at)
    );
    for replica in [&first, &second] {
        crate::support::wait::until(
            "a step of the retainers job",
            std::time::Duration::from_secs(30),
            async || crate::support::wait::job_steps(&replica.log(), "retainers") >= 1,
        )
        .await;
    }
    (first, second)
}

async fn periods_are_paid_once_across_a_month_end_and_a_clock_change_on_two_replicas(app: TestApp) {
    in_new_york(&app).await;
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "groupId": group }))
        .await;
    let cy = app
        .create_partner(json!({ "name": "Cy", "groupId": group, "status": "SUSPENDED" }))
        .await;
    let others = app
        .create_group("Others", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let dee = app
        .create_partner(json!({ "name": "Dee", "groupId": others }))
        .await;
    // From 31 January 2027: then 28 February, then 31 March, after New
    // York moved its clocks on 14 March (midnight is 05:00Z, then 04:00Z).
    let own = create(
        &app,
        json!({ "name": "Launch", "partnerId": ada, "cadence": "MONTHLY",
                "amount": { "amount": "500", "currency": "EUR" }, "startsOn": "2027-01-31", "periods": 3 }),
    )
    .await;
    let stipend = create(
        &app,
        json!({ "name": "Stipend", "groupId": group, "cadence": "MONTHLY",
                "amount": { "amount": "100", "currency": "EUR" }, "startsOn": "2027-01-31" }),
    )
    .await;
    assert_eq!(own["nextDueAt"], "2027-01-31T05:00:00Z");
    assert!(retained(&app, &ada).await.is_empty());

    // A month later, two replicas write the two periods due, once.
    let (first, second) = two_replicas_at(&app, "2027-03-01 12:00:00").await;
    first.kill();
    second.kill();
    assert_eq!(
        periods(&retained(&app, &ada).await),
        vec![
            period("100.00", "2027-01-31T05:00:00Z", 1),
            period("500.00", "2027-01-31T05:00:00Z", 1),
            period("100.00", "2027-02-28T05:00:00Z", 2),
            period("500.00", "2027-02-28T05:00:00Z", 2),
        ]
    );
    assert_eq!(
        periods(&retained(&app, &bob).await),
        vec![
            period("100.00", "2027-01-31T05:00:00Z", 1),
            period("100.00", "2027-02-28T05:00:00Z", 2),
        ]
    );

    // A minute before midnight in New York on 31 March: nothing more.
    let (first, second) = two_replicas_at(&app, "2027-03-31 03:59:00").await;
    first.kill();
    second.kill();
    assert_eq!(retained(&app, &ada).await.len(), 4);
    let read = "query($id: ID!) { retainer(id: $id) { status nextDueAt } }";
    let now = app.ok(&app.admin(), read, json!({ "id": own["id"] })).await;
    assert_eq!(
        now["retainer"],
        json!({ "status": "ACTIVE", "nextDueAt": "2027-03-31T04:00:00Z" })
    );

    // Past it: the third, the last of the launch retainer, which ends.
    let (first, second) = two_replicas_at(&app, "2027-03-31 04:00:30").await;
    first.kill();
    second.kill();
    assert_eq!(
        periods(&retained(&app, &ada).await)[4..],
        [
            period("100.00", "2027-03-31T04:00:00Z", 3),
            period("500.00", "2027-03-31T04:00:00Z", 3),
        ]
    );
    assert_eq!(retained(&app, &bob).await.len(), 3);
    assert!(retained(&app, &cy).await.is_empty());
    assert!(retained(&app, &dee).await.is_empty());
    let ended = app.ok(&app.admin(), read, json!({ "id": own["id"] })).await;
    assert_eq!(
        ended["retainer"],
        json!({ "status": "ENDED", "nextDueAt": null })
    );
    let going = app
        .ok(&app.admin(), read, json!({ "id": stipend["id"] }))
        .await;
    assert_eq!(
        going["retainer"],
        json!({ "status": "ACTIVE", "nextDueAt": "2027-04-30T04:00:00Z" })
    );
    let third = &retained(&app, &ada).await[5];
    assert_eq!(
        third["retainerPeriod"],
        json!({ "retainer": { "id": own["id"], "name": "Launch" }, "number": 3,
                "startsOn": "2027-03-31", "endsOn": "2027-04-29" })
    );
}

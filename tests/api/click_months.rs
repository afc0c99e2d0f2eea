//! Clicks kept bounded: raw clicks by month, removed whole months at a
//! time past `REVSHARE_CLICK_RETENTION_MONTHS` and every campaign's
//! attribution window, while what links and codes tell stays the same.
//! The clicks are made by servers whose clocks libfaketime moves.

use crate::helpers::{Backend, Replica, TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::links::{client, janes_link, visit};
use crate::support::wait;
use revshare::auth::jwt::Claims;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases!(months_past_retention_go_whole_and_what_links_tell_stays);

const RECORD_CLICK: &str = "mutation { recordClick(input: { code: \"jane\" }) { id } }";
const ATTRIBUTE: &str = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId partner { name } } }";

/// What Jane's link and code tell, by every dimension, over the months.
const TOLD: &str = "query($id: ID!) { partner(id: $id) { \
    referralCodes { code clicks customers } \
    links { nodes { key clicks ignoredClicks \
      day: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: DAY) { value clicks } \
      country: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: COUNTRY) { value clicks } \
      device: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: DEVICE) { value clicks } \
      browser: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: BROWSER) { value clicks } \
      os: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: OS) { value clicks } \
      referrer: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: REFERRER) { value clicks } \
      qr: stats(from: \"2027-01-01\", to: \"2027-03-31\", by: QR) { value clicks } } } \
    days: linkStats(from: \"2027-01-01\", to: \"2027-03-31\", by: DAY) { value clicks } \
    countries: linkStats(from: \"2027-01-01\", to: \"2027-03-31\", by: COUNTRY) { value clicks } } }";

/// A token valid on a server whose clock reads `at` (UTC).
fn token_at(app: &TestApp, at: &str, role: &str, scope: Option<&str>) -> String {
    let seconds = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
        .timestamp() as u64;
    app.mint(&Claims {
        scope: scope.map(str::to_owned),
        exp: seconds + 3600,
        iat: Some(seconds),
        ..TestApp::claims(TENANT, role)
    })
}

/// A GraphQL request to `replica` expected to succeed: its `data`.
async fn on(replica: &Replica, token: &str, query: &str, variables: Value) -> Value {
    let body: Value = reqwest::Client::new()
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body}\n{}", replica.log());
    body["data"].clone()
}

/// A server at `at` serving Jane's link: `clicks` recorded by
/// `recordClick`, then `visits` of the short link by visitors `first..`,
/// waited for until the link counts them (`counted` in all).
async fn clicks_at(
    app: &TestApp,
    at: &str,
    clicks: usize,
    (first, visits): (usize, usize),
    (jane, counted): (&str, i64),
) -> (Replica, Vec<String>) {
    let env = [
        ("REVSHARE_JOBS", "none"),
        ("REVSHARE_ANONYMOUS_WRITES_PER_MINUTE", "0"),
        ("REVSHARE_TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let replica = Replica::start_at(&app.url, &env, at).await;
    let service = token_at(app, at, "service", Some("events:write partners:read"));
    let mut ids = Vec::new();
    for _ in 0..clicks {
        let data = on(&replica, &service, RECORD_CLICK, json!({})).await;
        ids.push(data["recordClick"]["id"].as_str().unwrap().to_owned());
    }
    let (client, base) = (client(), format!("http://{}", replica.addr));
    for i in first..first + visits {
        ids.push(visit(&client, &base, i).await);
    }
    let admin = app.admin();
    let told = wait::last_of(
        Duration::from_secs(30),
        async || app.ok(&admin, TOLD, json!({ "id": jane })).await,
        |told| told["partner"]["links"]["nodes"][0]["clicks"] == json!(counted),
    )
    .await;
    assert_eq!(
        told["partner"]["links"]["nodes"][0]["clicks"],
        json!(counted),
        "{}",
        replica.log()
    );
    (replica, ids)
}

/// A server at `at` running the `click-retention` job alone, keeping
/// clicks one month: answers once a step of it has ended.
async fn retention_at(app: &TestApp, at: &str) -> Replica {
    let env = [
        ("REVSHARE_JOBS", "click-retention"),
        ("REVSHARE_CLICK_RETENTION_MONTHS", "1"),
        ("RUST_LOG", wait::JOB_STEPS_LOGGED),
    ];
    let replica = Replica::start_at(&app.url, &env, at).await;
    wait::until(
        "a step of the click-retention job",
        Duration::from_secs(30),
        async || wait::job_steps(&replica.log(), "click-retention") >= 1,
    )
    .await;
    replica
}

/// The months of the clicks stored, each with its count, in order.
async fn stored_months(app: &TestApp) -> Vec<(String, usize)> {
    let clicks = entity::click::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap();
    let mut months = std::collections::BTreeMap::new();
    for click in clicks {
        *months
            .entry(click.created_at.format("%Y-%m").to_string())
            .or_insert(0) += 1;
    }
    months.into_iter().collect()
}

/// `count` clicks of Jane's code at `at`, written straight to the table.
async fn bulk_clicks(app: &TestApp, at: &str, count: u32) {
    let conn = app.db.conn();
    let backend = conn.get_database_backend();
    let code = entity::click::Entity::find()
        .one(conn)
        .await
        .unwrap()
        .unwrap()
        .referral_code_id;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let (tenant, code_mark, at_mark, count_mark) = match backend {
        sea_orm::DbBackend::Postgres => ("$1", "$2", "$3", "$4"),
        _ => ("?1", "?2", "?3", "?4"),
    };
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count_mark}) \
         INSERT INTO clicks (id, tenant_id, referral_code_id, landing_url, user_agent, ip_hash, created_at) \
         SELECT 'BULK' || CAST(i AS varchar), {tenant}, {code_mark}, NULL, NULL, NULL, {at_mark} FROM n"
    );
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        &sql,
        [
            TENANT.into(),
            code.into(),
            at.into(),
            i64::from(count).into(),
        ],
    ))
    .await
    .unwrap();
}

/// PostgreSQL's partitions of `clicks`, by name; SQLite: none.
async fn partitions(app: &TestApp) -> Vec<String> {
    if app.backend != Backend::Postgres {
        return Vec::new();
    }
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'clicks' ORDER BY 1",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

async fn set_window(app: &TestApp, days: i64) {
    let campaigns = app
        .ok(&app.admin(), "{ campaigns { nodes { id } } }", json!({}))
        .await;
    for campaign in campaigns["campaigns"]["nodes"].as_array().unwrap() {
        app.ok(
            &app.admin(),
            "mutation($id: ID!, $days: Int!) { updateCampaign(id: $id, input: { attributionWindowDays: $days }) { id } }",
            json!({ "id": campaign["id"], "days": days }),
        )
        .await;
    }
}

/// Clicks in January and February 2027; on 10 March, kept one month:
/// January stays while a 60-day window reaches into it, and goes whole
/// once the windows are 30 days — its partition dropped on PostgreSQL,
/// its rows deleted on SQLite. Every figure of the link and the code is
/// the same after; a January customer keeps its partner and commission;
/// a removed click is `input.clickId` "no such click" and `node` null; a
/// February click still attributes. The upgrade, run again over what is
/// left, keeps every click and customer.
async fn months_past_retention_go_whole_and_what_links_tell_stays(app: TestApp) {
    let admin = app.admin();
    let jane = janes_link(&app).await;
    set_window(&app, 60).await;

    let january = "2027-01-20 10:00:00";
    let (replica, jan) = clicks_at(&app, january, 2, (0, 3), (&jane, 3)).await;
    let service = token_at(&app, january, "service", Some("events:write partners:read"));
    let attributed = on(
        &replica,
        &service,
        ATTRIBUTE,
        json!({ "input": { "customerExternalId": "cus_jan", "clickId": jan[0] } }),
    )
    .await;
    assert_eq!(
        attributed["attributeCustomer"],
        json!({ "externalId": "cus_jan", "partner": { "name": "Jane" } })
    );
    let sold = on(
        &replica,
        &service,
        "mutation { recordEvent(input: { externalId: \"sale_jan\", kind: SALE, customerExternalId: \"cus_jan\", amount: \"200.00\", currency: \"USD\" }) { unattributed commissions { amount } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        sold["recordEvent"],
        json!({ "unattributed": false, "commissions": [{ "amount": "20.00" }] })
    );
    drop(replica);

    let february = "2027-02-25 10:00:00";
    let (replica, feb) = clicks_at(&app, february, 1, (3, 2), (&jane, 5)).await;
    drop(replica);
    assert_eq!(
        stored_months(&app).await,
        [("2027-01".to_owned(), 5), ("2027-02".to_owned(), 3)]
    );
    let told = app.ok(&admin, TOLD, json!({ "id": jane })).await;
    assert_eq!(
        told["partner"]["referralCodes"][0],
        json!({ "code": "jane", "clicks": 8, "customers": 1 })
    );
    let days: Vec<&Value> = told["partner"]["links"]["nodes"][0]["day"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|day| day["clicks"] != json!(0))
        .collect();
    assert_eq!(
        days,
        [
            &json!({ "value": "2027-01-20", "clicks": 3 }),
            &json!({ "value": "2027-02-25", "clicks": 2 })
        ]
    );
    const EARNED: &str = "{ commissions { nodes { amount partner { name } } } }";
    let earned = app.ok(&admin, EARNED, json!({})).await;
    assert_eq!(
        earned["commissions"]["nodes"],
        json!([{ "amount": "20.00", "partner": { "name": "Jane" } }])
    );

    // More January clicks than a step of SQLite's deletes (20 batches
    // of 500), written straight to the table: no figure counts them.
    bulk_clicks(&app, "2027-01-21T00:00:00Z", 10_600).await;

    // 10 March, one month kept: a 60-day window still reaches 9 January.
    let march = "2027-03-10 12:00:00";
    drop(retention_at(&app, march).await);
    assert_eq!(
        stored_months(&app).await,
        [("2027-01".to_owned(), 10_605), ("2027-02".to_owned(), 3)]
    );
    if app.backend == Backend::Postgres {
        // This month and the next made ahead; months before the cutoff
        // with nothing in them dropped as well (the app's own, of 2026).
        assert_eq!(
            partitions(&app).await,
            [
                "clicks_2027_01",
                "clicks_2027_02",
                "clicks_2027_03",
                "clicks_2027_04"
            ]
        );
    }

    // Windows of 30 days: January is past both.
    set_window(&app, 30).await;
    let replica = retention_at(&app, march).await;
    let left = wait::last_of(
        Duration::from_secs(30),
        async || stored_months(&app).await,
        |months| months.len() == 1,
    )
    .await;
    assert_eq!(left, [("2027-02".to_owned(), 3)], "{}", replica.log());
    if app.backend == Backend::Postgres {
        assert_eq!(
            partitions(&app).await,
            ["clicks_2027_02", "clicks_2027_03", "clicks_2027_04"]
        );
    }
    assert_eq!(app.ok(&admin, TOLD, json!({ "id": jane })).await, told);
    assert_eq!(app.ok(&admin, EARNED, json!({})).await, earned);

    let service = token_at(&app, march, "service", Some("events:write partners:read"));
    let error = {
        let body: Value = reqwest::Client::new()
            .post(format!("http://{}/graphql", replica.addr))
            .bearer_auth(&service)
            .json(&json!({ "query": ATTRIBUTE, "variables": { "input": { "customerExternalId": "cus_gone", "clickId": jan[1] } } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["errors"][0].clone()
    };
    assert_eq!(
        (code(&error), field(&error), error["message"].as_str()),
        (
            "BAD_USER_INPUT",
            "input.clickId",
            Some("input.clickId: no such click")
        ),
        "{error}"
    );
    let node = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": jan[1] }),
        )
        .await;
    assert_eq!(node, json!({ "node": null }));
    let attributed = on(
        &replica,
        &service,
        ATTRIBUTE,
        json!({ "input": { "customerExternalId": "cus_feb", "clickId": feb[0] } }),
    )
    .await;
    assert_eq!(
        attributed["attributeCustomer"],
        json!({ "externalId": "cus_feb", "partner": { "name": "Jane" } })
    );
    let customers = app
        .ok(
            &admin,
            "{ customers { nodes { externalId partner { name } } } }",
            json!({}),
        )
        .await;
    let mut names: Vec<String> = customers["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["externalId"], c["partner"]["name"]))
        .collect();
    names.sort();
    assert_eq!(names, ["\"cus_feb\" \"Jane\"", "\"cus_jan\" \"Jane\""]);
    let told = app.ok(&admin, TOLD, json!({ "id": jane })).await;
    assert_eq!(
        told["partner"]["referralCodes"][0],
        json!({ "code": "jane", "clicks": 8, "customers": 2 })
    );

    // The upgrade run again over these rows (back to one table, then
    // partitioned anew): every click and customer is where it was.
    drop(replica);
    crate::helpers::remigrate_from(&app.db, "m20270113_000067_click_months").await;
    assert_eq!(stored_months(&app).await, [("2027-02".to_owned(), 3)]);
    if app.backend == Backend::Postgres {
        let months = partitions(&app).await;
        assert!(months.contains(&"clicks_2027_02".to_owned()), "{months:?}");
    }
    assert_eq!(app.ok(&admin, TOLD, json!({ "id": jane })).await, told);
    assert_eq!(
        app.ok(
            &admin,
            "{ customers { nodes { externalId partner { name } } } }",
            json!({}),
        )
        .await,
        customers
    );
}

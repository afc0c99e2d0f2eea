//! Background work in one place: a stop (SIGTERM) is not a crash. Each
//! job finishes the step it is in, hands back or releases what it holds,
//! and the process exits 0 within its grace period — so another replica
//! takes the work up at once, not when a lease runs out.

use crate::helpers::{Replica, TestApp};
use crate::support::imports::{DATA_KEY, IMPORT, START};
use crate::support::partners::partner_at;
use crate::support::receiver::{Answer, Receiver, register};
use crate::support::sales::{commission_of, sale_input};
use entity::enums::{DeliveryStatus, EmailStatus};
use entity::{email, import, webhook_delivery};
use revshare::http::Options;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

crate::on_both_databases_with!(
    quiet;
    every_job_stops_at_shutdown_and_holds_no_lease,
    a_deploy_under_load_answers_every_request_it_took_and_hands_its_work_over,
    every_job_killed_midway_is_taken_up_once,
    a_backtest_killed_midway_is_replayed_once,
);

/// The test's own app runs no job: the replica process alone does, until
/// the test takes its place.
fn quiet() -> Options {
    let mut options = crate::support::imports::keyed();
    options.jobs = revshare::jobs::Jobs::none();
    options
}

/// Waits (up to 30 s) until `done` holds.
async fn until(what: &str, done: impl AsyncFnMut() -> bool) {
    crate::support::wait::until(what, Duration::from_secs(30), done).await
}

async fn every_job_stops_at_shutdown_and_holds_no_lease(app: TestApp) {
    // An import whose pages of commissions take 4 s to read.
    let mut fixture = crate::support::sources::rewardful();
    fixture.faults.clear();
    fixture.slow_commissions = Duration::from_secs(4);
    let (base, source) = crate::support::sources::serve(fixture).await;
    // A webhook receiver that answers after 3 s.
    let receiver = Receiver::start().await;
    receiver.script(&[], Answer::Hang(Duration::from_secs(3)));
    register(
        &app,
        &app.admin(),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    // An SMTP server that takes 3 s to accept each message.
    let smtpd = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smtp_url = format!(
        "smtp://127.0.0.1:{}?tls=none",
        smtpd.local_addr().unwrap().port()
    );
    let (greeted, mut connected) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = smtpd.accept().await {
            let _ = greeted.send(());
            tokio::spawn(slow_smtp(socket, Duration::from_secs(3)));
        }
    });
    let mut replica = Replica::start(
        &app.url,
        &[
            ("REVSHARE_DATA_KEY", DATA_KEY),
            ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("REVSHARE_SMTP_URL", &smtp_url),
            ("REVSHARE_MAIL_FROM", "partners@example.com"),
            ("REVSHARE_MATURITY_INTERVAL", "1"),
            ("REVSHARE_SHUTDOWN_GRACE", "10"),
        ],
    )
    .await;

    // Work for each: an import, a delivery, six e-mails.
    let graphql = format!("http://{}/graphql", replica.addr);
    let id = import_on(&app, &graphql, &base).await;
    let alice = partner_at(&app, "Alice", 10).await;
    commission_of(&app, sale_input(&alice, "s1", "100")).await;
    {
        let txn = app.db.write().await.unwrap();
        for name in ["ada", "bea", "cy", "dee", "eve", "fay"] {
            revshare::mail::queue(
                &*txn,
                revshare::mail::Mail {
                    tenant_id: crate::helpers::TENANT.into(),
                    partner_id: None,
                    to: format!("{name}@example.com"),
                    content: revshare::mail::Content::ApplicationOpen {
                        name: name.into(),
                        campaign: "Spring".into(),
                    },
                    dedupe_key: Some(name.into()),
                    requested_by: None,
                    suppressed: false,
                    language: None,
                },
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    // Each job in a step: a page of commissions being read, a delivery
    // waiting for its answer, a message waiting to be accepted.
    until("a page of commissions asked for", async || {
        source
            .lock()
            .unwrap()
            .asked
            .keys()
            .any(|path| path.starts_with("/v1/commissions"))
    })
    .await;
    until("a delivery sent", async || !receiver.received().is_empty()).await;
    tokio::time::timeout(Duration::from_secs(30), connected.recv())
        .await
        .expect("the sender connected");

    replica.terminate();
    let asked = Instant::now();
    let code = replica.exit_code(Duration::from_secs(12)).await;
    let took = asked.elapsed();
    assert_eq!(code, Some(0), "{}", replica.log());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let log = replica.log();
    assert!(log.contains("background work stopped"), "{log}");
    assert!(!log.contains("cut off"), "{log}");

    // The import: still running, its place after the last page kept, and
    // held by nobody.
    let row = import::Entity::find_by_id(id.clone())
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, entity::enums::ImportStatus::Running);
    assert_eq!(row.lease_until, None);
    // The delivery in flight was answered and recorded, once.
    let deliveries = webhook_delivery::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        (deliveries[0].status, deliveries[0].attempts),
        (DeliveryStatus::Succeeded, 1)
    );
    assert_eq!(receiver.received().len(), 1);
    // The message in flight was sent (and those before it); those of its
    // batch not begun are handed back untried, due now.
    let now = chrono::Utc::now();
    let emails = email::Entity::find().all(app.db.conn()).await.unwrap();
    let sent: Vec<&email::Model> = emails
        .iter()
        .filter(|e| e.status == EmailStatus::Sent)
        .collect();
    assert!(!sent.is_empty(), "{emails:?}");
    assert!(sent.iter().all(|e| e.attempts == 1), "{emails:?}");
    let untried: Vec<&email::Model> = emails
        .iter()
        .filter(|e| e.status != EmailStatus::Sent)
        .collect();
    assert!(!untried.is_empty(), "{emails:?}");
    assert!(
        untried.iter().all(|e| e.status == EmailStatus::Queued
            && e.attempts == 0
            && !e.in_flight
            && e.next_attempt_at.is_some_and(|at| at <= now)),
        "{emails:?}"
    );

    // Another replica takes the import up at once and finishes it, each
    // row once.
    source.lock().unwrap().slow_commissions = Duration::ZERO;
    let settings = revshare::imports::Settings {
        data_key: app.data_key.clone(),
        allow_private: true,
        lease: revshare::imports::LEASE,
        wake: Default::default(),
    };
    let jobs = revshare::jobs::Shutdown::new();
    revshare::imports::take_up(&app.db, &settings, &jobs.runner())
        .await
        .unwrap();
    let mut done = Value::Null;
    until("the import taken up and done", async || {
        done = app.ok(&app.admin(), IMPORT, json!({ "id": id })).await["import"].clone();
        done["status"] != "RUNNING"
    })
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    // Each of the source's six commissions once: written, or found written
    // by the page the stopped replica finished.
    let counts = &done["counts"];
    assert_eq!(
        counts["commissions"].as_i64().unwrap() + counts["unchanged"].as_i64().unwrap(),
        6,
        "{done}"
    );
    assert_eq!(counts["skipped"], 0, "{done}");
}

/// `kill -9` with a step of every job that holds work in flight: an
/// import's page being read, a run's payouts at PayPal (the money left,
/// the answer never came), a webhook delivery waiting for its answer, an
/// e-mail handed to the server. When their leases run out another replica
/// takes each up once: the import finishes with each row once, the batch
/// is asked for again under its idempotency key and made once, the
/// delivery goes again under its id (at least once, as documented), and
/// the e-mail that may have left is sent again with the same
/// `Message-ID` (at least once), never given up as failed.
async fn every_job_killed_midway_is_taken_up_once(app: TestApp) {
    use crate::support::paypal::Hold;
    let mut fixture = crate::support::sources::rewardful();
    fixture.faults.clear();
    fixture.slow_commissions = Duration::from_secs(60);
    let (base, source) = crate::support::sources::serve(fixture).await;
    let (paypal_base, paypal) = crate::support::paypal::serve_paypal().await;
    paypal.lock().unwrap().hold = Hold::Batch;
    crate::support::rails::configure_paypal(&app, &paypal_base).await;
    let receiver = Receiver::start().await;
    receiver.script(&[], Answer::Hang(Duration::from_secs(60)));
    let smtpd = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smtp_url = format!(
        "smtp://127.0.0.1:{}?tls=none",
        smtpd.local_addr().unwrap().port()
    );
    let (greeted, mut connected) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = smtpd.accept().await {
            let _ = greeted.send(());
            tokio::spawn(slow_smtp(socket, Duration::from_secs(60)));
        }
    });
    let env = [
        ("REVSHARE_DATA_KEY", DATA_KEY),
        ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("REVSHARE_WEBHOOK_TIMEOUT_MS", "30000"),
        ("REVSHARE_SMTP_URL", smtp_url.as_str()),
        ("REVSHARE_MAIL_FROM", "partners@example.com"),
        ("REVSHARE_PAYOUT_POLL_SECONDS", "1"),
        ("REVSHARE_JOBS", "imports,payouts,webhooks,mail"),
    ];
    let first = Replica::start(&app.url, &env).await;
    let on_first = format!("http://{}/graphql", first.addr);

    // The import, started on the first replica.
    let import_id = import_on(&app, &on_first, &base).await;
    // A payout to PayPal, sent from the first replica.
    let kim = crate::support::rails::partner(&app, "Kim").await;
    crate::support::payouts::paypal(&app, &kim, "kim@example.com").await;
    crate::support::rails::earned(&app, &kim, "Kim", &[("100", None)]).await;
    let run = crate::support::rails::run(&app).await;
    let payout_id = crate::support::rails::payout_of(&run, &kim).to_owned();
    crate::support::rails::send_on(&app, first.addr, &run, "PAYPAL_PAYOUTS").await;
    // A delivery of the commission a sale earned.
    register(
        &app,
        &app.admin(),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    let alice = partner_at(&app, "Alice", 10).await;
    commission_of(&app, sale_input(&alice, "s1", "100")).await;
    // One e-mail.
    {
        let txn = app.db.write().await.unwrap();
        revshare::mail::queue(
            &*txn,
            revshare::mail::Mail {
                tenant_id: crate::helpers::TENANT.into(),
                partner_id: None,
                to: "ada@example.com".into(),
                content: revshare::mail::Content::ApplicationOpen {
                    name: "Ada".into(),
                    campaign: "Spring".into(),
                },
                dedupe_key: Some("ada".into()),
                requested_by: None,
                suppressed: false,
                language: None,
            },
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }

    // Every job in its step, then killed.
    until("a page of commissions asked for", async || {
        source.lock().unwrap().commissions_arrived > 0
    })
    .await;
    until("the batch made at PayPal", async || {
        paypal.lock().unwrap().posts >= 1
    })
    .await;
    until("a delivery sent", async || !receiver.received().is_empty()).await;
    tokio::time::timeout(Duration::from_secs(30), connected.recv())
        .await
        .expect("the sender connected");
    let mut handed = Vec::new();
    until("an e-mail handed over", async || {
        handed = email::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.in_flight)
            .map(|e| e.id)
            .collect();
        !handed.is_empty()
    })
    .await;
    first.kill();

    // Their leases run out, as their lengths would; the world answers.
    leases_run_out(&app).await;
    source.lock().unwrap().slow_commissions = Duration::ZERO;
    paypal.lock().unwrap().hold = Hold::None;
    receiver.script(&[], Answer::Status(200));
    let second = Replica::start(&app.url, &env).await;

    // The import: finished, each of the source's six commissions once.
    let mut done = Value::Null;
    until("the import taken up and done", async || {
        done = app
            .ok(&app.admin(), IMPORT, json!({ "id": import_id }))
            .await["import"]
            .clone();
        done["status"] != "RUNNING"
    })
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    let counts = &done["counts"];
    assert_eq!(
        counts["commissions"].as_i64().unwrap() + counts["unchanged"].as_i64().unwrap(),
        6,
        "{done}"
    );
    // The payout: asked for again under the same key, made once.
    let taken = crate::support::rails::until(&app, &payout_id, "SENT").await;
    assert_eq!(taken["status"], "PENDING");
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!(
            (paypal.posts, paypal.batches.len(), paypal.items_made()),
            (2, 1, 1)
        );
        assert_eq!(paypal.violations, Vec::<String>::new());
    }
    // The delivery: answered, once recorded, the same id both times.
    until("the delivery answered", async || {
        webhook_delivery::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap()
            .iter()
            .all(|d| d.status == DeliveryStatus::Succeeded)
    })
    .await;
    // Sent, and sent again by the other replica: the same delivery each
    // time (the first replica may itself have tried again after its 30 s
    // timeout, when the machine is slow enough that the kill comes later).
    let received = receiver.received();
    assert!(
        received.len() >= 2,
        "sent, and sent again: {}",
        received.len()
    );
    assert!(received.iter().all(|r| r.id == received[0].id));
    assert_eq!(
        webhook_delivery::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap()
            .len(),
        1
    );
    // The e-mail that may have left: taken up again by the other replica
    // once its lease ran out, to be sent again with the same Message-ID
    // (round 6), never given up as failed.
    let mut emails = Vec::new();
    until("the e-mail taken up again", async || {
        emails = email::Entity::find().all(app.db.conn()).await.unwrap();
        emails
            .iter()
            .filter(|e| handed.contains(&e.id))
            .all(|e| e.attempts >= 2)
    })
    .await;
    for e in emails.iter().filter(|e| handed.contains(&e.id)) {
        assert_ne!(e.status, EmailStatus::Failed, "{e:?}");
    }
    drop(second);
}

/// A backtest of 6,000 events (three pages) on a replica killed once it
/// holds it: when its lease runs out another replica replays it from the
/// start, and it ends once — its figures whole, one `BACKTEST_FINISHED`.
async fn a_backtest_killed_midway_is_replayed_once(app: TestApp) {
    use entity::backtest;
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let partner = app
        .create_partner(json!({ "name": "Gold", "groupId": group }))
        .await;
    let record =
        "mutation($e: [RecordEventInput!]!) { recordEvents(input: $e) { error { code } } }";
    for batch in 0..6 {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                json!({ "externalId": format!("bt-{batch}-{i}"), "partnerId": partner,
                        "customerExternalId": format!("c-{}", i % 50), "amount": "10.00",
                        "occurredAt": "2026-10-10T12:00:00Z" })
            })
            .collect();
        let answered = app
            .ok(&app.service("events:write"), record, json!({ "e": items }))
            .await;
        let failed = answered["recordEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| !item["error"].is_null())
            .count();
        assert_eq!(failed, 0, "batch {batch}");
    }
    let env = [
        ("REVSHARE_JOBS", "backtests"),
        ("REVSHARE_BACKTEST_INLINE_EVENTS", "1"),
    ];
    let first = Replica::start(&app.url, &env).await;
    let input = json!({ "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z", "groupId": group,
                        "rules": [{ "recurring": { "percentage": "20" } }] });
    let started: Value = app
        .client
        .post(format!("http://{}/graphql", first.addr))
        .bearer_auth(app.admin())
        .json(
            &json!({ "query": crate::support::backtests::START, "variables": { "input": input } }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["data"]["startBacktest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("started: {started}"))
        .to_owned();
    assert_eq!(started["data"]["startBacktest"]["events"], 6000);
    // Killed as soon as it holds the backtest, its replay begun.
    let mut held = None;
    for _ in 0..3000 {
        let row = backtest::Entity::find_by_id(id.clone())
            .one(app.db.conn())
            .await
            .unwrap()
            .unwrap();
        if row.lease_until.is_some() {
            held = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let held = held.expect("the replica never took the backtest");
    assert_eq!(held.status, entity::enums::BacktestStatus::Running);

    // Its lease runs out; another replica replays it whole.
    {
        use sea_orm::sea_query::Expr;
        backtest::Entity::update_many()
            .col_expr(
                backtest::Column::LeaseUntil,
                Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
            )
            .exec(app.db.conn())
            .await
            .unwrap();
    }
    let _second = Replica::start(&app.url, &env).await;
    let query = "query($id: ID!) { backtest(id: $id) { status progress totals { currency before after difference } } }";
    let mut done = Value::Null;
    until("the backtest taken up and done", async || {
        done = app.ok(&app.admin(), query, json!({ "id": id })).await["backtest"].clone();
        done["status"] != "RUNNING"
    })
    .await;
    assert_eq!(
        done,
        json!({ "status": "DONE", "progress": 1.0, "totals": [
            { "currency": "USD", "before": "6000.00", "after": "12000.00", "difference": "6000.00" }] })
    );
    let events = app
        .ok(
            &app.admin(),
            "{ domainEvents(first: 100, types: [BACKTEST_FINISHED]) { nodes { subjectId data } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        events["domainEvents"]["nodes"],
        json!([{ "subjectId": id, "data": { "status": "DONE", "events": 6000 } }]),
        "one BACKTEST_FINISHED"
    );
}

/// Starts a Rewardful import of `base` through the GraphQL endpoint at
/// `url` (a replica's): its id.
async fn import_on(app: &TestApp, url: &str, base: &str) -> String {
    let started: Value = app
        .client
        .post(url)
        .bearer_auth(app.admin())
        .json(&json!({ "query": START, "variables": { "input": {
            "source": "REWARDFUL", "credentials": { "apiKey": "rwf_secret_test", "baseUrl": base } } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    started["data"]["startImport"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("started: {started}"))
        .to_owned()
}

/// What a dead replica held is free again, as when its leases end.
async fn leases_run_out(app: &TestApp) {
    use sea_orm::sea_query::Expr;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let conn = app.db.conn();
    import::Entity::update_many()
        .col_expr(import::Column::LeaseUntil, Expr::value(past))
        .exec(conn)
        .await
        .unwrap();
    entity::payout::Entity::update_many()
        .col_expr(entity::payout::Column::RailLeaseUntil, Expr::value(past))
        .exec(conn)
        .await
        .unwrap();
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(past))
        .exec(conn)
        .await
        .unwrap();
    email::Entity::update_many()
        .col_expr(email::Column::NextAttemptAt, Expr::value(past))
        .exec(conn)
        .await
        .unwrap();
}

/// What one client of the load saw.
#[derive(Default)]
struct Load {
    /// External ids answered, by the replica that answered them.
    first: Vec<String>,
    second: Vec<String>,
    /// Requests the stopping replica never took (refused, or closed on
    /// an idle connection): none of them was recorded.
    not_taken: usize,
}

const RECORD: &str =
    "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount } } }";

/// A client of a deploy: records sales, one after another, on `first`
/// until it stops taking requests, then on `second` — sending again
/// there what `first` did not take, as a load balancer would — until
/// `enough` says so and it has been answered by `second` three times.
async fn client_of_a_deploy(
    db: revshare::db::Db,
    urls: (String, String),
    partner: String,
    worker: usize,
    token: String,
    enough: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Load {
    use std::sync::atomic::Ordering;
    let client = reqwest::Client::new();
    let mut load = Load::default();
    let mut on_second = false;
    let mut n = 0;
    loop {
        if on_second && load.second.len() >= 3 && enough.load(Ordering::SeqCst) {
            return load;
        }
        let external_id = format!("load-{worker}-{n}");
        let url = if on_second { &urls.1 } else { &urls.0 };
        let sent = client
            .post(url)
            .bearer_auth(&token)
            .json(&json!({ "query": RECORD, "variables": {
                "input": sale_input(&partner, &external_id, "10.00") } }))
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status();
                let body: Value = response.json().await.unwrap_or_else(|err| {
                    panic!("{external_id}: an answer cut off ({status}): {err}")
                });
                assert_eq!(status, 200, "{external_id}: {body}");
                body
            }
            Err(err) if !on_second => {
                // The stopping replica did not take it: nothing of it may
                // have been written.
                assert_eq!(
                    events_like(&db, &external_id).await,
                    0,
                    "{external_id} was recorded but never answered: {err}"
                );
                load.not_taken += 1;
                on_second = true;
                continue;
            }
            Err(err) => panic!("{external_id}: the second replica failed: {err}"),
        };
        let commissions = &answer["data"]["recordEvent"]["commissions"];
        assert_eq!(
            commissions,
            &json!([{ "amount": "1.00" }]),
            "{external_id}: {answer}"
        );
        match on_second {
            false => load.first.push(external_id),
            true => load.second.push(external_id),
        }
        n += 1;
    }
}

/// `SIGTERM` to one of two replicas while clients write to it and it runs
/// an import: every request it took is answered, none is lost or
/// recorded twice, it exits 0, and the other replica takes the import up
/// at its next look — not when the two-minute lease would have run out.
async fn a_deploy_under_load_answers_every_request_it_took_and_hands_its_work_over(app: TestApp) {
    let mut fixture = crate::support::sources::rewardful();
    fixture.faults.clear();
    fixture.slow_commissions = Duration::from_secs(3);
    let (base, source) = crate::support::sources::serve(fixture).await;
    let env = [
        ("REVSHARE_DATA_KEY", DATA_KEY),
        ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("REVSHARE_SHUTDOWN_GRACE", "10"),
    ];
    let mut first = Replica::start(&app.url, &env).await;
    let second = Replica::start(&app.url, &env).await;
    let graphql = |replica: &Replica| format!("http://{}/graphql", replica.addr);

    // The import runs on the first (started there, its job woken there).
    let id = import_on(&app, &graphql(&first), &base).await;
    until("a page of commissions asked for", async || {
        source
            .lock()
            .unwrap()
            .asked
            .keys()
            .any(|path| path.starts_with("/v1/commissions"))
    })
    .await;

    // Four clients, each its own partner's sales (10 %).
    let db = app.db.clone();
    let enough = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for worker in 0..4 {
        let partner = partner_at(&app, &format!("Load {worker}"), 10).await;
        clients.push(tokio::spawn(client_of_a_deploy(
            db.clone(),
            (graphql(&first), graphql(&second)),
            partner,
            worker,
            app.service("events:write"),
            enough.clone(),
        )));
    }
    until("each client answered by the first replica", async || {
        let mut each = true;
        for worker in 0..4 {
            each &= events_like(&db, &format!("load-{worker}-%")).await >= 3;
        }
        each
    })
    .await;

    first.terminate();
    let code = first.exit_code(Duration::from_secs(12)).await;
    let exited = Instant::now();
    assert_eq!(code, Some(0), "{}", first.log());
    let log = first.log();
    assert!(log.contains("background work stopped"), "{log}");
    assert!(!log.contains("cut off"), "{log}");
    source.lock().unwrap().slow_commissions = Duration::ZERO;
    enough.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut answered = Vec::new();
    let mut not_taken = 0;
    for client in clients {
        let load = client.await.expect("a client ended cleanly");
        assert!(!load.first.is_empty() && load.second.len() >= 3);
        not_taken += load.not_taken;
        answered.extend(load.first);
        answered.extend(load.second);
    }
    assert_eq!(not_taken, 4, "each client moved over once");

    // Each answered sale recorded once, with its one commission; nothing
    // recorded that was not answered.
    answered.sort();
    let before = answered.len();
    answered.dedup();
    assert_eq!(answered.len(), before, "an external id answered twice");
    assert_eq!(events_like(&db, "load-%").await, answered.len() as u64);
    assert_eq!(commissions_like(&db, "load-%").await, answered.len() as u64);

    // The second replica takes the import up at its next look (5 s) and
    // finishes it, each of the source's six commissions once.
    let mut done = Value::Null;
    until("the import taken up and done", async || {
        done = app.ok(&app.admin(), IMPORT, json!({ "id": id })).await["import"].clone();
        done["status"] != "RUNNING"
    })
    .await;
    let took = exited.elapsed();
    assert_eq!(done["status"], "DONE", "{done}");
    assert!(
        took < Duration::from_secs(30),
        "taken up after {took:?}: as late as a lease's end"
    );
    let counts = &done["counts"];
    assert_eq!(
        counts["commissions"].as_i64().unwrap() + counts["unchanged"].as_i64().unwrap(),
        6,
        "{done}"
    );
    drop(second);
}

/// How many events' external ids are like `pattern`.
async fn events_like(db: &revshare::db::Db, pattern: &str) -> u64 {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    entity::event::Entity::find()
        .filter(entity::event::Column::ExternalId.like(pattern))
        .count(db.conn())
        .await
        .unwrap()
}

/// How many commissions those events earned.
async fn commissions_like(db: &revshare::db::Db, pattern: &str) -> u64 {
    use sea_orm::sea_query::Query;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let events = Query::select()
        .column(entity::event::Column::Id)
        .from(entity::event::Entity)
        .and_where(entity::event::Column::ExternalId.like(pattern))
        .to_owned();
    entity::commission::Entity::find()
        .filter(entity::commission::Column::EventId.in_subquery(events))
        .count(db.conn())
        .await
        .unwrap()
}

/// A minimal SMTP server that answers every step at once but waits
/// `accepting` before it accepts a message.
async fn slow_smtp(socket: tokio::net::TcpStream, accepting: Duration) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 slow ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    let mut in_data = false;
    loop {
        line.clear();
        if !matches!(lines.read_line(&mut line).await, Ok(n) if n > 0) {
            return;
        }
        let answer: &[u8] = if in_data {
            if line != ".\r\n" {
                continue;
            }
            in_data = false;
            tokio::time::sleep(accepting).await;
            b"250 accepted\r\n"
        } else {
            let verb = line.trim_end().to_ascii_uppercase();
            if verb.starts_with("EHLO") {
                b"250-slow\r\n250 8BITMIME\r\n"
            } else if verb.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if verb.starts_with("QUIT") {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 ok\r\n"
            }
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}

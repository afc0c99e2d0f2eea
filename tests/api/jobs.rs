//! Background work in one place: a stop (SIGTERM) is not a crash. Each
//! job finishes the step it is in, hands back or releases what it holds,
//! and the process exits 0 within its grace period — so another replica
//! takes the work up at once, not when a lease runs out.

use crate::events::commission_of;
use crate::helpers::{Replica, TestApp};
use crate::imports::{DATA_KEY, IMPORT, START};
use crate::ledger::{partner_at, sale_input};
use crate::webhooks::{Answer, Receiver, register};
use entity::enums::{DeliveryStatus, EmailStatus};
use entity::{email, import, webhook_delivery};
use revshare::http::Options;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

crate::on_both_databases_with!(quiet; every_job_stops_at_shutdown_and_holds_no_lease);

/// The test's own app runs no job: the replica process alone does, until
/// the test takes its place.
fn quiet() -> Options {
    let mut options = crate::imports::keyed();
    options.jobs = revshare::jobs::Jobs::none();
    options
}

/// Waits (up to 30 s) until `done` holds.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never came to pass: {what}");
}

async fn every_job_stops_at_shutdown_and_holds_no_lease(app: TestApp) {
    // An import whose pages of commissions take 4 s to read.
    let mut fixture = crate::imports::rewardful();
    fixture.faults.clear();
    fixture.slow_commissions = Duration::from_secs(4);
    let (base, source) = crate::imports::serve(fixture).await;
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
    let started: Value = app
        .client
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(app.admin())
        .json(&json!({ "query": START, "variables": { "input": {
            "source": "REWARDFUL", "credentials": { "apiKey": "rwf_secret_test", "baseUrl": base } } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["data"]["startImport"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("started: {started}"))
        .to_owned();
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

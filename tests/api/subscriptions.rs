//! Subscriptions over `graphql-transport-ws` (SPEC §12), with a real
//! WebSocket client: the handshake and its close codes, who hears what,
//! resuming from a cursor with nothing lost or twice, a slow subscriber
//! caught up from the log, and a replica hearing another's events.

use crate::helpers::{Backend, OTHER_TENANT, Replica, TestApp};
use crate::on_both_databases;
use crate::support::events::EVENTS;
use crate::support::partners::partner_at;
use crate::support::sales::sale_input;
use crate::support::ws::{Received, SUBSCRIBE, Ws};
use revshare::auth::jwt::{Claims, now_seconds};
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases!(
    a_bad_or_missing_token_closes_with_4403,
    a_token_that_expires_ends_the_connection,
    the_protocol_rules_close_with_their_codes,
    a_partner_hears_its_own_events_only,
    a_subscription_resumes_after_a_cursor_with_none_lost_or_twice,
    a_slow_subscriber_is_caught_up_from_the_log,
);

/// Records a sale; answers its commission's id.
async fn sale(app: &TestApp, partner: &str, external_id: &str) -> String {
    crate::support::sales::commission_of(app, sale_input(partner, external_id, "100")).await
}

async fn a_bad_or_missing_token_closes_with_4403(app: TestApp) {
    for payload in [
        json!(null),
        json!({}),
        json!({ "Authorization": "Bearer not-a-token" }),
        json!({ "Authorization": app.admin() }),
    ] {
        let mut ws = Ws::open(app.addr, "/graphql").await;
        ws.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match ws.recv().await {
            Received::Closed(4403, _) => {}
            other => panic!("{payload}: {other:?}"),
        }
    }
    // Expired, and signed with another key.
    let expired = app.mint(&Claims {
        exp: now_seconds() - 10,
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    });
    let foreign = revshare::auth::jwt::Keys::hs256(b"another-secret-another-secret-another!")
        .mint(&TestApp::claims(crate::helpers::TENANT, "admin"))
        .unwrap();
    for token in [expired, foreign] {
        let mut ws = Ws::open(app.addr, "/graphql/ws").await;
        ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        assert!(matches!(ws.recv().await, Received::Closed(4403, _)));
    }
}

async fn a_token_that_expires_ends_the_connection(app: TestApp) {
    let short = app.mint(&Claims {
        exp: now_seconds() + 2,
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    });
    let mut ws = Ws::connect(app.addr, &short).await;
    ws.subscribe("1", SUBSCRIBE, json!({})).await;
    match ws.recv().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, 4403);
            assert!(reason.contains("expired"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

async fn the_protocol_rules_close_with_their_codes(app: TestApp) {
    // A subscribe before the acknowledgement.
    let mut ws = Ws::open(app.addr, "/graphql").await;
    ws.subscribe("1", SUBSCRIBE, json!({})).await;
    assert!(matches!(ws.recv().await, Received::Closed(4401, _)));
    // A second connection_init.
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert!(matches!(ws.recv().await, Received::Closed(4429, _)));
    // Something that is not the protocol's.
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.send(json!({ "type": "hello" })).await;
    assert!(matches!(ws.recv().await, Received::Closed(4400, _)));

    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    // Ping, pong.
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(
        ws.recv().await,
        Received::Message(json!({ "type": "pong" }))
    );
    // A query runs once: next, then complete, in selection order.
    ws.subscribe("q", "{ viewer { role tenant { id } } }", json!({}))
        .await;
    match ws.recv().await {
        Received::Message(message) => {
            assert_eq!(message["type"], "next");
            assert_eq!(
                serde_json::to_string(&message["payload"]["data"]).unwrap(),
                r#"{"viewer":{"role":"ADMIN","tenant":{"id":"acme"}}}"#
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ws.recv().await,
        Received::Message(json!({ "type": "complete", "id": "q" }))
    );
    // An operation that does not validate: one error, nothing runs.
    ws.subscribe("bad", "subscription { domainEvents { nope } }", json!({}))
        .await;
    match ws.recv().await {
        Received::Message(message) => {
            assert_eq!(message["type"], "error");
            assert_eq!(message["id"], "bad");
            assert_eq!(
                message["payload"][0]["extensions"]["code"],
                "BAD_USER_INPUT"
            );
        }
        other => panic!("{other:?}"),
    }
    // A type the token may not read: one error naming the scope.
    let mut narrow = Ws::connect(app.addr, &app.service("commissions:read")).await;
    narrow
        .subscribe(
            "deals",
            SUBSCRIBE,
            json!({ "types": ["DEAL_STAGE_CHANGED"] }),
        )
        .await;
    match narrow.recv().await {
        Received::Message(message) => {
            assert_eq!(message["type"], "next", "{message}");
            assert_eq!(
                message["payload"]["errors"][0]["extensions"]["code"],
                "FORBIDDEN"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        narrow.recv().await,
        Received::Message(json!({ "type": "complete", "id": "deals" }))
    );
    // A subscription runs until completed; its id may not be taken twice.
    ws.subscribe("live", SUBSCRIBE, json!({})).await;
    ws.subscribe("live", SUBSCRIBE, json!({})).await;
    assert!(matches!(ws.recv().await, Received::Closed(4409, _)));
}

async fn a_partner_hears_its_own_events_only(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 10).await;
    let mut alices = Ws::connect(app.addr, &app.partner_token(&alice)).await;
    alices.subscribe("a", SUBSCRIBE, json!({})).await;
    let mut admins = Ws::connect(app.addr, &app.admin()).await;
    admins.subscribe("all", SUBSCRIBE, json!({})).await;
    let mut others = Ws::connect(app.addr, &app.admin_of(OTHER_TENANT)).await;
    others.subscribe("o", SUBSCRIBE, json!({})).await;
    // The subscriptions start listening before the first sale.
    crate::support::metrics::until_sample(&app, "revshare_subscriptions_active", "3").await;

    let b1 = sale(&app, &bob, "b1").await;
    let a1 = sale(&app, &alice, "a1").await;
    let b2 = sale(&app, &bob, "b2").await;
    let a2 = sale(&app, &alice, "a2").await;
    for expected in [&a1, &a2] {
        let data = alices.next_data("a").await;
        let event = &data["domainEvents"];
        assert_eq!(event["subjectId"], json!(expected));
        assert_eq!(event["type"], "COMMISSION_CREATED");
        assert_eq!(event["partner"]["name"], "Alice");
        assert_eq!(
            event["commission"],
            json!({ "amount": "10.00", "status": "ACCRUED" })
        );
    }
    for expected in [&b1, &a1, &b2, &a2] {
        assert_eq!(
            admins.next_data("all").await["domainEvents"]["subjectId"],
            json!(expected)
        );
    }
    alices.quiet().await;
    others.quiet().await;
    // A partner asking for another's events: as if it did not exist, a
    // stream that stays quiet while either partner's events are recorded.
    let mut asking = Ws::connect(app.addr, &app.partner_token(&alice)).await;
    asking
        .subscribe(
            "b",
            "subscription($p: ID) { domainEvents(partnerId: $p) { id } }",
            json!({ "p": bob }),
        )
        .await;
    // Open beside the other three before the sales.
    crate::support::metrics::until_sample(&app, "revshare_subscriptions_active", "4").await;
    sale(&app, &bob, "b3").await;
    sale(&app, &alice, "a3").await;
    asking.quiet().await;
}

async fn a_subscription_resumes_after_a_cursor_with_none_lost_or_twice(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let mut sold = Vec::new();
    for n in 0..3 {
        sold.push(sale(&app, &alice, &format!("s{n}")).await);
    }
    let listed = app.ok(&app.admin(), EVENTS, json!({})).await;
    let first = listed["domainEvents"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.subscribe("r", SUBSCRIBE, json!({ "after": first }))
        .await;
    // The stored events after the cursor, then a live one.
    let mut heard = Vec::new();
    for _ in 0..2 {
        heard.push(ws.next_data("r").await["domainEvents"]["subjectId"].clone());
    }
    sold.push(sale(&app, &alice, "s3").await);
    heard.push(ws.next_data("r").await["domainEvents"]["subjectId"].clone());
    assert_eq!(heard, json!(sold[1..]).as_array().unwrap().clone());
    ws.quiet().await;

    // Resuming from the last id heard: exactly what came since.
    let last_id = {
        let listed = app.ok(&app.admin(), EVENTS, json!({})).await;
        listed["domainEvents"]["nodes"][3]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    drop(ws);
    sold.push(sale(&app, &alice, "s4").await);
    sold.push(sale(&app, &alice, "s5").await);
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.subscribe("r2", SUBSCRIBE, json!({ "after": last_id }))
        .await;
    for expected in &sold[4..] {
        assert_eq!(
            ws.next_data("r2").await["domainEvents"]["subjectId"],
            json!(expected)
        );
    }
    ws.quiet().await;
    // Without a cursor: from now on only.
    let mut fresh = Ws::connect(app.addr, &app.admin()).await;
    fresh.subscribe("n", SUBSCRIBE, json!({})).await;
    fresh.quiet().await;
    let s6 = sale(&app, &alice, "s6").await;
    assert_eq!(
        fresh.next_data("n").await["domainEvents"]["subjectId"],
        json!(s6)
    );
}

async fn a_slow_subscriber_is_caught_up_from_the_log(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.subscribe("slow", SUBSCRIBE, json!({})).await;
    crate::support::metrics::until_sample(&app, "revshare_subscriptions_active", "1").await;
    // 600 events while the client reads nothing.
    for batch in 0..3 {
        let input: Vec<Value> = (0..200)
            .map(|n| sale_input(&alice, &format!("b{batch}-{n}"), "100"))
            .collect();
        app.ok(
            &app.service("events:write"),
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId error { message } } }",
            json!({ "input": input }),
        )
        .await;
    }
    let listed = crate::support::events::all_subjects(&app).await;
    assert_eq!(listed.len(), 600);
    let mut heard = Vec::new();
    for _ in 0..600 {
        heard.push(
            ws.next_data("slow").await["domainEvents"]["subjectId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(heard, listed, "every event, in order, once");
    ws.quiet().await;
}

/// Two `revshare serve` processes on one PostgreSQL database: an event
/// recorded through one reaches a subscriber of the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_of_one_replica_hears_an_event_recorded_on_another() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let first = Replica::start(&app.url, &[]).await;
    let metrics = [("REVSHARE_METRICS_LISTEN", "127.0.0.1:0")];
    let second = Replica::start(&app.url, &metrics).await;
    let alice = partner_at(&app, "Alice", 10).await;
    let mut ws = Ws::connect(second.addr, &app.partner_token(&alice)).await;
    ws.subscribe("x", SUBSCRIBE, json!({})).await;
    // Listening on the second before the sale on the first.
    let url = second.metrics_url();
    let client = reqwest::Client::new();
    crate::support::wait::until(
        "the subscription is open on the second replica",
        Duration::from_secs(10),
        async || {
            let text = crate::support::metrics::scrape_url(&client, &url).await;
            crate::support::metrics::sample(&text, "revshare_subscriptions_active").as_deref()
                == Some("1")
        },
    )
    .await;
    let data = reqwest::Client::new()
        .post(format!("http://{}/graphql", first.addr))
        .bearer_auth(app.service("events:write"))
        .json(&json!({
            "query": "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { id } } }",
            "variables": { "input": sale_input(&alice, "across", "250") }
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let commission = &data["data"]["recordEvent"]["commissions"][0]["id"];
    assert!(commission.is_string(), "{data}");
    let heard = ws.next_data("x").await;
    assert_eq!(&heard["domainEvents"]["subjectId"], commission);
    assert_eq!(heard["domainEvents"]["commission"]["amount"], "25.00");
    drop(first);
    drop(second);
}

/// No `connection_init` within 10 s: closed with 4408.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_initialises_closes_with_4408() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut ws = Ws::open(app.addr, "/graphql").await;
    let started = std::time::Instant::now();
    match ws.recv().await {
        Received::Closed(code, _) => assert_eq!(code, 4408),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
}

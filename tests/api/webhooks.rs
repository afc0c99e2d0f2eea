//! Webhooks (SPEC §12) delivered to a real loopback receiver: endpoint
//! management and who may do it, signatures verified as a receiver does,
//! retries, `Retry-After`, disabling, replay, rotation, the SSRF rules,
//! several replicas sending each event once, and a replica killed with
//! deliveries in flight.

use crate::helpers::{Backend, Replica, SECRET, TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::partners::partner_at;
use crate::support::receiver::{Answer, CREATE, Receiver, loopback, register, verifies};
use crate::support::sales::{commission_of, sale_input};
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use revshare::webhooks::parse_schedule;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases_with!(
    loopback;
    endpoints_are_registered_read_updated_rotated_and_deleted,
    who_manages_an_endpoint_and_what_it_is_sent,
    a_receiver_failing_twice_gets_the_third_attempt_signed,
    gone_and_failures_in_a_row_disable_an_endpoint,
    a_replay_sends_the_events_again_with_their_ids,
    a_rotated_secret_signs_beside_the_new_one,
    a_webhooks_scope_alone_manages_no_endpoint_whose_events_it_cannot_read,
    partners_have_an_endpoint_quota_of_their_own,
    replays_are_bounded_per_endpoint,
);

on_both_databases_with!(loopback_retried_in_an_hour; pruning_keeps_what_a_delivery_still_needs);

crate::on_both_databases!(endpoint_urls_follow_the_ssrf_rules);

/// Webhooks to loopback whose first failure waits an hour for its retry:
/// a failed delivery stays pending however slow the machine.
fn loopback_retried_in_an_hour() -> Options {
    let mut options = loopback();
    options.webhooks.schedule = parse_schedule("1h").unwrap();
    options
}

const ENDPOINT: &str = "query($id: ID!) { webhookEndpoint(id: $id) { id url eventTypes description status disabledReason \
    consecutiveFailures deliveries(first: 100) { nodes { attempts status lastResponseStatus lastError deliveredAt replay \
    event { id type subjectId } } } } }";

async fn endpoint(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), ENDPOINT, json!({ "id": id })).await["webhookEndpoint"].clone()
}

/// The endpoint once `done` says so of it (within 30 s).
async fn endpoint_when(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let read = endpoint(app, id).await;
        if done(&read) {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never came to pass: {}", endpoint(app, id).await);
}

async fn endpoints_are_registered_read_updated_rotated_and_deleted(app: TestApp) {
    let admin = app.admin();
    let data = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "url": "http://127.0.0.1:9/hook", "eventTypes": ["COMMISSION_CREATED", "PAYOUT_CREATED"], "description": "Back office" } }),
        )
        .await;
    let created = &data["createWebhookEndpoint"];
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    let id = created["endpoint"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["endpoint"],
        json!({ "id": id, "url": "http://127.0.0.1:9/hook", "eventTypes": ["COMMISSION_CREATED", "PAYOUT_CREATED"],
                "description": "Back office", "status": "ENABLED", "disabledReason": null, "partner": null })
    );
    let listed = app
        .ok(
            &admin,
            "{ webhookEndpoints { nodes { id } totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["webhookEndpoints"],
        json!({ "nodes": [{ "id": id }], "totalCount": 1 })
    );

    let update = "mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { \
        url eventTypes description status disabledReason } }";
    let data = app
        .ok(&admin, update, json!({ "id": id, "input": { "url": "http://127.0.0.1:10/hook", "eventTypes": [], "description": null, "enabled": false } }))
        .await;
    assert_eq!(
        data["updateWebhookEndpoint"],
        json!({ "url": "http://127.0.0.1:10/hook", "eventTypes": [], "description": null, "status": "DISABLED", "disabledReason": "disabled by an update" })
    );
    let data = app
        .ok(
            &admin,
            update,
            json!({ "id": id, "input": { "enabled": true } }),
        )
        .await;
    assert_eq!(data["updateWebhookEndpoint"]["status"], "ENABLED");
    assert_eq!(data["updateWebhookEndpoint"]["disabledReason"], Value::Null);

    let data = app
        .ok(
            &admin,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }",
            json!({ "id": id }),
        )
        .await;
    let rotated = data["rotateWebhookSecret"]["secret"].as_str().unwrap();
    assert!(rotated.starts_with("whsec_") && rotated != secret);

    // Bad input names its field and writes nothing.
    for (input, path) in [
        (json!({ "url": "ftp://example.com/hook" }), "input.url"),
        (json!({ "url": "" }), "input.url"),
        (
            json!({ "url": format!("https://example.com/{}", "a".repeat(2000)) }),
            "input.url",
        ),
        (
            json!({ "url": "https://example.com/", "description": "d".repeat(3000) }),
            "input.description",
        ),
    ] {
        let error = app
            .error(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path),
            "{error}"
        );
    }
    let error = app
        .error(
            Some(&admin),
            update,
            json!({ "id": "nope", "input": { "enabled": false } }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");

    let data = app
        .ok(
            &admin,
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["deleteWebhookEndpoint"], json!(id));
    assert_eq!(endpoint(&app, &id).await, Value::Null);
}

async fn who_manages_an_endpoint_and_what_it_is_sent(app: TestApp) {
    let receiver = Receiver::start().await;
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 10).await;
    // Alice's own endpoint: her events only.
    let alices_token = app.partner_token(&alice);
    let (alices, _) = register(
        &app,
        &alices_token,
        json!({ "url": format!("{}?alice", receiver.url()) }),
    )
    .await;
    // The tenant's, for tier events only.
    let (tiers_only, _) = register(
        &app,
        &app.admin(),
        json!({ "url": receiver.url(), "eventTypes": ["TIER_REACHED"] }),
    )
    .await;
    // A service token reads and writes endpoints with its scopes, and
    // registers only the types it may read.
    let reader = app.service("webhooks:read");
    let listed = app
        .ok(&reader, "{ webhookEndpoints { totalCount } }", json!({}))
        .await;
    assert_eq!(
        listed["webhookEndpoints"]["totalCount"], 0,
        "neither Alice's nor one of events it cannot read"
    );
    let tier_reader = app.service("webhooks:read tiered_commissions:read");
    let listed = app
        .ok(
            &tier_reader,
            "{ webhookEndpoints { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["webhookEndpoints"]["nodes"],
        json!([{ "id": tiers_only }])
    );
    let error = app
        .error(
            Some(&reader),
            CREATE,
            json!({ "input": { "url": receiver.url() } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let writer = app.mint(&revshare::auth::jwt::Claims {
        scope: Some("webhooks:write commissions:read".into()),
        ..TestApp::claims(crate::helpers::TENANT, "service")
    });
    let error = app
        .error(
            Some(&writer),
            CREATE,
            json!({ "input": { "url": receiver.url() } }),
        )
        .await;
    assert_eq!(
        code(&error),
        "FORBIDDEN",
        "all types need every read scope: {error}"
    );
    register(&app, &writer, json!({ "url": format!("{}?commissions", receiver.url()), "eventTypes": ["COMMISSION_CREATED"] }))
        .await;
    let error = app
        .error(
            Some(&app.service("commissions:read")),
            "{ webhookEndpoints { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // A partner sees and changes its own endpoints only.
    let listed = app
        .ok(
            &alices_token,
            "{ webhookEndpoints { nodes { id partner { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["webhookEndpoints"]["nodes"],
        json!([{ "id": alices, "partner": { "name": "Alice" } }])
    );
    let bobs_token = app.partner_token(&bob);
    let read = app
        .ok(
            &bobs_token,
            "query($id: ID!) { webhookEndpoint(id: $id) { id } }",
            json!({ "id": alices }),
        )
        .await;
    assert_eq!(read["webhookEndpoint"], Value::Null);
    for mutation in [
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
        "mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id) }",
    ] {
        let error = app
            .error(Some(&bobs_token), mutation, json!({ "id": alices }))
            .await;
        assert_eq!(code(&error), "NOT_FOUND", "{mutation}");
    }
    let error = app
        .error(
            Some(&bobs_token),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({ "id": tiers_only }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");

    let b = commission_of(&app, sale_input(&bob, "b1", "100")).await;
    let a = commission_of(&app, sale_input(&alice, "a1", "100")).await;
    // Alice's endpoint hears a1; the commissions endpoint hears both.
    let received = receiver.wait_for(3).await;
    // Both events were fanned out (the three came): once no delivery is
    // pending, nothing more is sent.
    let settled = async || revshare::webhooks::backlog(&app.db).await.unwrap() == 0;
    crate::support::wait::until("every delivery sent", Duration::from_secs(30), settled).await;
    let received = {
        let later = receiver.received();
        assert_eq!(later.len(), received.len(), "nothing more: {later:?}");
        later
    };
    let mut heard: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r.json()["data"]["subjectId"].as_str().unwrap().to_owned(),
                r.json()["data"]["partnerId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    heard.sort();
    let mut expected = vec![(a.clone(), alice.clone()), (a, alice.clone()), (b, bob)];
    expected.sort();
    assert_eq!(heard, expected);
    let alices_deliveries = endpoint_when(&app, &alices, |e| {
        e["deliveries"]["nodes"][0]["status"] == "SUCCEEDED"
    })
    .await;
    assert_eq!(
        alices_deliveries["deliveries"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        endpoint(&app, &tiers_only).await["deliveries"]["nodes"],
        json!([])
    );
}

const UPDATE_URL: &str = "mutation($id: ID!, $url: String!) { updateWebhookEndpoint(id: $id, input: { url: $url }) { url } }";
const ROTATE: &str = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }";
const REPLAY: &str = "mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id) }";
const DELETE: &str = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }";
const READ: &str = "query($id: ID!) { webhookEndpoint(id: $id) { id } }";

/// Every operation on an endpoint `token` may not manage: it is not found.
async fn out_of_reach(app: &TestApp, token: &str, id: &str, why: &str) {
    let read = app.ok(token, READ, json!({ "id": id })).await;
    assert_eq!(read["webhookEndpoint"], Value::Null, "{why}");
    for mutation in [UPDATE_URL, ROTATE, REPLAY, DELETE] {
        let error = app
            .error(
                Some(token),
                mutation,
                json!({ "id": id, "url": "https://attacker.example/hook" }),
            )
            .await;
        assert_eq!(code(&error), "NOT_FOUND", "{why}: {mutation}");
    }
}

/// An endpoint is a way to read events: `webhooks:write` alone moves,
/// rotates, replays or deletes none whose events the token cannot read,
/// and no service token touches a partner's.
async fn a_webhooks_scope_alone_manages_no_endpoint_whose_events_it_cannot_read(app: TestApp) {
    let receiver = Receiver::start().await;
    let alice = partner_at(&app, "Alice", 10).await;
    let (every_type, _) = register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let (commissions, _) = register(
        &app,
        &app.admin(),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED", "PAYOUT_CREATED"] }),
    )
    .await;
    let (alices, _) = register(
        &app,
        &app.partner_token(&alice),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    commission_of(&app, sale_input(&alice, "a1", "100")).await;
    receiver.wait_for(3).await;

    let write_only = app.service("webhooks:write");
    for id in [&every_type, &commissions, &alices] {
        out_of_reach(&app, &write_only, id, "webhooks:write alone").await;
    }
    let listed = app
        .ok(
            &write_only,
            "{ webhookEndpoints { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 0);

    // Reading commissions: the commissions endpoint, not the one of every
    // type, and never the partner's.
    let commissions_writer = app.service("webhooks:write commissions:read");
    out_of_reach(&app, &commissions_writer, &every_type, "all types").await;
    out_of_reach(&app, &commissions_writer, &alices, "a partner's").await;
    let moved = app
        .ok(
            &commissions_writer,
            UPDATE_URL,
            json!({ "id": commissions, "url": format!("{}?moved", receiver.url()) }),
        )
        .await;
    assert_eq!(
        moved["updateWebhookEndpoint"]["url"],
        json!(format!("{}?moved", receiver.url()))
    );
    // Nor can it widen one it manages to types it does not read.
    let error = app
        .error(
            Some(&commissions_writer),
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { eventTypes: [] }) { id } }",
            json!({ "id": commissions }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");

    // Every read scope: every endpoint of the tenant's own, still not the
    // partner's, which is Alice's and the admins' alone.
    let every_scope = app.service(
        "webhooks:write commissions:read campaigns:read deals:read tiered_commissions:read partners:read",
    );
    let listed = app
        .ok(
            &every_scope,
            "{ webhookEndpoints { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["webhookEndpoints"]["nodes"],
        json!([{ "id": every_type }, { "id": commissions }])
    );
    out_of_reach(&app, &every_scope, &alices, "a partner's, to every scope").await;
    let rotated = app
        .ok(&every_scope, ROTATE, json!({ "id": every_type }))
        .await;
    assert!(
        rotated["rotateWebhookSecret"]["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    let admin_reads = app
        .ok(
            &app.admin(),
            "{ webhookEndpoints { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(admin_reads["webhookEndpoints"]["totalCount"], 3);
}

/// One partner's endpoints count against its own quota: filling it keeps
/// neither the tenant nor another partner from registering one.
async fn partners_have_an_endpoint_quota_of_their_own(app: TestApp) {
    let receiver = Receiver::start().await;
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 10).await;
    let alices_token = app.partner_token(&alice);
    for n in 0..revshare::webhooks::MAX_PARTNER_ENDPOINTS {
        register(
            &app,
            &alices_token,
            json!({ "url": format!("{}?{n}", receiver.url()) }),
        )
        .await;
    }
    let error = app
        .error(
            Some(&alices_token),
            CREATE,
            json!({ "input": { "url": receiver.url() } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    assert_eq!(
        error["message"],
        "a partner may have at most 10 webhook endpoints of its own"
    );
    register(
        &app,
        &app.partner_token(&bob),
        json!({ "url": receiver.url() }),
    )
    .await;
    register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let listed = app
        .ok(
            &app.admin(),
            "{ webhookEndpoints { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 12);
}

/// Replays send at most the endpoint's budget in 24 hours (5 in these
/// tests, 10,000 by default), then `CONFLICT`.
async fn replays_are_bounded_per_endpoint(app: TestApp) {
    let receiver = Receiver::start().await;
    let alice = partner_at(&app, "Alice", 10).await;
    let (id, _) = register(
        &app,
        &app.partner_token(&alice),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    for n in 0..3 {
        commission_of(&app, sale_input(&alice, &format!("s{n}"), "100")).await;
    }
    receiver.wait_for(3).await;
    let token = app.partner_token(&alice);
    let first = app.ok(&token, REPLAY, json!({ "id": id })).await;
    assert_eq!(first["replayWebhookDeliveries"], 3);
    let second = app.ok(&token, REPLAY, json!({ "id": id })).await;
    assert_eq!(second["replayWebhookDeliveries"], 2, "what is left of 5");
    let error = app.error(Some(&token), REPLAY, json!({ "id": id })).await;
    assert_eq!(code(&error), "CONFLICT");
    assert_eq!(
        error["message"],
        "an endpoint is replayed at most 5 events in 24 hours: try again later"
    );
    receiver.wait_for(8).await;
}

async fn a_receiver_failing_twice_gets_the_third_attempt_signed(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.script(
        &[Answer::Status(500), Answer::RetryAfter(503, 0)],
        Answer::Status(200),
    );
    let (id, secret) = register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let alice = partner_at(&app, "Alice", 10).await;
    let commission = commission_of(&app, sale_input(&alice, "s1", "250")).await;

    let received = receiver.wait_for(3).await;
    assert_eq!(received.len(), 3);
    // The same message each time: one id, a fresh signature.
    assert!(received.iter().all(|r| r.id == received[0].id));
    let third = &received[2];
    assert!(verifies(&secret, third), "{third:?}");
    assert!(!verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", third));
    let now = chrono::Utc::now().timestamp();
    let stamped: i64 = third.timestamp.parse().unwrap();
    assert!((now - stamped).abs() < 60, "{stamped}");
    let body = third.json();
    assert_eq!(body["id"], json!(third.id));
    assert_eq!(body["type"], "COMMISSION_CREATED");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["data"]["subjectId"], json!(commission));
    assert_eq!(body["data"]["partnerId"], json!(alice));
    assert_eq!(body["data"]["amount"], "25.00");
    assert_eq!(body["data"]["currency"], "USD");
    assert_eq!(body["data"]["status"], "ACCRUED");
    // The webhook id is the event's id.
    let listed = app
        .ok(&app.admin(), crate::support::events::EVENTS, json!({}))
        .await;
    assert_eq!(listed["domainEvents"]["nodes"][0]["id"], json!(third.id));

    let read = endpoint_when(&app, &id, |e| {
        e["deliveries"]["nodes"][0]["status"] == "SUCCEEDED"
    })
    .await;
    let delivery = &read["deliveries"]["nodes"][0];
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["lastResponseStatus"], 200);
    assert_eq!(delivery["lastError"], Value::Null);
    assert!(delivery["deliveredAt"].is_string());
    assert_eq!(delivery["event"]["subjectId"], json!(commission));
    assert_eq!(read["consecutiveFailures"], 0);
}

async fn gone_and_failures_in_a_row_disable_an_endpoint(app: TestApp) {
    let gone = Receiver::start().await;
    gone.script(&[], Answer::Status(410));
    let failing = Receiver::start().await;
    failing.script(&[], Answer::Status(500));
    let (gone_id, _) = register(&app, &app.admin(), json!({ "url": gone.url() })).await;
    let (failing_id, _) = register(&app, &app.admin(), json!({ "url": failing.url() })).await;
    let alice = partner_at(&app, "Alice", 10).await;
    commission_of(&app, sale_input(&alice, "s1", "100")).await;

    let read = endpoint_when(&app, &gone_id, |e| e["status"] == "DISABLED").await;
    assert_eq!(read["disabledReason"], "the endpoint answered 410 Gone");
    assert_eq!(read["deliveries"]["nodes"][0]["status"], "FAILED");
    assert_eq!(read["deliveries"]["nodes"][0]["attempts"], 1);
    assert_eq!(gone.received().len(), 1);

    // The first event fails after 1 + 3 attempts; one failed event is not
    // enough to disable (the limit is 2). The delivery's failure and the
    // endpoint's count commit together, but a request reads the endpoint
    // and its deliveries in statements of their own: the wait is for both.
    let read = endpoint_when(&app, &failing_id, |e| {
        e["deliveries"]["nodes"][0]["status"] == "FAILED" && e["consecutiveFailures"] != 0
    })
    .await;
    assert_eq!(read["status"], "ENABLED");
    assert_eq!(read["consecutiveFailures"], 1);
    let delivery = &read["deliveries"]["nodes"][0];
    assert_eq!(delivery["attempts"], 4);
    assert_eq!(delivery["lastResponseStatus"], 500);
    assert_eq!(delivery["lastError"], "answered 500");
    commission_of(&app, sale_input(&alice, "s2", "100")).await;
    let read = endpoint_when(&app, &failing_id, |e| e["status"] == "DISABLED").await;
    assert_eq!(
        read["disabledReason"],
        "2 events in a row could not be delivered"
    );
    assert_eq!(failing.received().len(), 8);
    // Disabled: later events are not sent, and a replay is refused. An
    // endpoint enabled beside them is sent the next event: the dispatcher
    // has been past it.
    let witness = Receiver::start().await;
    register(&app, &app.admin(), json!({ "url": witness.url() })).await;
    let s3 = commission_of(&app, sale_input(&alice, "s3", "100")).await;
    crate::support::wait::until(
        "an enabled endpoint is sent the event after the disabling",
        Duration::from_secs(30),
        async || {
            witness
                .received()
                .iter()
                .any(|r| r.json()["data"]["subjectId"] == json!(s3))
        },
    )
    .await;
    assert_eq!(failing.received().len(), 8);
    assert_eq!(gone.received().len(), 1);
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id) }",
            json!({ "id": failing_id }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
}

async fn a_replay_sends_the_events_again_with_their_ids(app: TestApp) {
    let receiver = Receiver::start().await;
    let (id, _) = register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let alice = partner_at(&app, "Alice", 10).await;
    for n in 0..3 {
        commission_of(&app, sale_input(&alice, &format!("s{n}"), "100")).await;
    }
    let first = receiver.wait_for(3).await;
    // Sent side by side, they may arrive in any order; their ids sort as
    // the events happened.
    let mut ids: Vec<String> = first.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    // After the first: the other two again.
    let data = app
        .ok(
            &app.admin(),
            "mutation($id: ID!, $after: ID) { replayWebhookDeliveries(endpointId: $id, after: $after) }",
            json!({ "id": id, "after": ids[0] }),
        )
        .await;
    assert_eq!(data["replayWebhookDeliveries"], 2);
    let all = receiver.wait_for(5).await;
    let mut again: Vec<String> = all[3..].iter().map(|r| r.id.clone()).collect();
    again.sort();
    let mut expected = ids[1..].to_vec();
    expected.sort();
    assert_eq!(again, expected);
    let read = endpoint_when(&app, &id, |e| {
        e["deliveries"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "SUCCEEDED")
    })
    .await;
    let replays: Vec<bool> = read["deliveries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["replay"].as_bool().unwrap())
        .collect();
    assert_eq!(replays, [false, false, false, true, true]);
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id, after: \"x\") }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "after"));
}

async fn a_rotated_secret_signs_beside_the_new_one(app: TestApp) {
    let receiver = Receiver::start().await;
    let (id, old) = register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let data = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({ "id": id }),
        )
        .await;
    let new = data["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice = partner_at(&app, "Alice", 10).await;
    commission_of(&app, sale_input(&alice, "s1", "100")).await;
    let received = &receiver.wait_for(1).await[0];
    assert_eq!(
        received.signature.split(' ').count(),
        2,
        "{}",
        received.signature
    );
    assert!(verifies(&old, received));
    assert!(verifies(&new, received));
}

async fn pruning_keeps_what_a_delivery_still_needs(app: TestApp) {
    let receiver = Receiver::start().await;
    // Every attempt hangs past the timeout; the retry is an hour away: the
    // delivery stays pending.
    receiver.script(&[], Answer::Hang(Duration::from_secs(3)));
    let alice = partner_at(&app, "Alice", 10).await;
    commission_of(&app, sale_input(&alice, "s1", "100")).await;
    register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    commission_of(&app, sale_input(&alice, "s2", "100")).await;
    receiver.wait_for(1).await;
    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    let pruned = revshare::events::retention::prune(&app.db, later)
        .await
        .unwrap();
    assert_eq!(
        pruned, 1,
        "the first event; the second waits for its delivery"
    );
    let left = crate::support::events::all_subjects(&app).await;
    assert_eq!(left.len(), 1);
}

async fn endpoint_urls_follow_the_ssrf_rules(app: TestApp) {
    for url in [
        "http://hooks.example.com/",
        "https://127.0.0.1/hook",
        "https://127.1/hook",
        "https://localhost/hook",
        "https://localhost./hook",
        "https://10.0.0.8/hook",
        "https://172.20.1.1/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://[::1]/hook",
        "https://[::]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://user:secret@hooks.example.com/",
    ] {
        let error = app
            .error(
                Some(&app.admin()),
                CREATE,
                json!({ "input": { "url": url } }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.url"),
            "{url}: {error}"
        );
    }
    let listed = app
        .ok(
            &app.admin(),
            "{ webhookEndpoints { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 0);
    // A public https host is accepted (nothing is sent until an event).
    register(
        &app,
        &app.admin(),
        json!({ "url": "https://hooks.example.com/revshare" }),
    )
    .await;
}

/// Two `revshare serve` processes (and the test's own app) on one
/// PostgreSQL database: 40 events reach one receiver exactly once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_send_each_event_once() {
    let Some(app) =
        TestApp::spawn_with_options(Backend::Postgres, Keys::hs256(SECRET), loopback()).await
    else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let env = [("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true")];
    let replicas = [
        Replica::start(&app.url, &env).await,
        Replica::start(&app.url, &env).await,
    ];
    let receiver = Receiver::start().await;
    let (id, secret) = register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let alice = partner_at(&app, "Alice", 10).await;
    let client = reqwest::Client::new();
    let token = app.service("events:write");
    // Recorded through both replicas, four batches of five and twenty singles.
    for n in 0..20 {
        let replica = &replicas[n % 2];
        let body = json!({
            "query": "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { id } } }",
            "variables": { "input": sale_input(&alice, &format!("single-{n}"), "100") }
        });
        let response = client
            .post(format!("http://{}/graphql", replica.addr))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    for batch in 0..4 {
        let input: Vec<Value> = (0..5)
            .map(|n| sale_input(&alice, &format!("batch-{batch}-{n}"), "100"))
            .collect();
        app.ok(
            &token,
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId } }",
            json!({ "input": input }),
        )
        .await;
    }
    receiver.wait_for(40).await;
    // A second sending must not come: once every delivery is final none is
    // claimed again, and each attempt was counted when it was claimed.
    let read = endpoint_when(&app, &id, |e| {
        let deliveries = e["deliveries"]["nodes"].as_array().unwrap();
        deliveries.len() >= 40 && deliveries.iter().all(|d| d["status"] == "SUCCEEDED")
    })
    .await;
    let deliveries = read["deliveries"]["nodes"].as_array().unwrap();
    let attempts: i64 = deliveries
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .sum();
    assert_eq!((deliveries.len(), attempts), (40, 40));
    let received = receiver.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(received.len(), 40);
    assert!(received.iter().all(|r| verifies(&secret, r)));
    drop(replicas);
}

/// A replica killed (`kill -9`) with deliveries in flight and pending:
/// restarted, it delivers every event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_delivery_delivers_everything_after_a_restart() {
    // The test's app only writes: the replica alone delivers.
    let options = Options {
        jobs: revshare::jobs::Jobs::none(),
        ..loopback()
    };
    let Some(app) =
        TestApp::spawn_with_options(Backend::Postgres, Keys::hs256(SECRET), options).await
    else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let env = [
        ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("REVSHARE_WEBHOOK_TIMEOUT_MS", "1000"),
        (
            "REVSHARE_WEBHOOK_RETRY_SCHEDULE",
            "200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms",
        ),
    ];
    let replica = Replica::start(&app.url, &env).await;
    let receiver = Receiver::start().await;
    // The receiver hangs: attempts are in flight when the replica dies.
    receiver.script(&[], Answer::Hang(Duration::from_secs(60)));
    register(&app, &app.admin(), json!({ "url": receiver.url() })).await;
    let alice = partner_at(&app, "Alice", 10).await;
    for n in 0..5 {
        commission_of(&app, sale_input(&alice, &format!("s{n}"), "100")).await;
    }
    receiver.wait_for(1).await;
    replica.kill();
    receiver.script(&[], Answer::Status(200));
    let before = receiver.received().len();
    let _restarted = Replica::start(&app.url, &env).await;
    let mut delivered: Vec<String> = Vec::new();
    for _ in 0..600 {
        delivered = receiver.received()[before..]
            .iter()
            .map(|r| r.id.clone())
            .collect();
        delivered.sort();
        delivered.dedup();
        if delivered.len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 5, "{:?}", receiver.received());
}

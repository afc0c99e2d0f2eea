//! What an outside probe of the landed build found (hardening, round 3),
//! each as the test that failed before its fix: values nested past any
//! stack, subscriptions that outlived their socket, errored fields that
//! vanished from `data`, and what anonymous or partner callers could learn
//! or spoil. The webhook endpoint rules are in `webhooks`.

use crate::helpers::{Backend, TestApp, code};
use crate::support::ws::{Received, Ws};
use serde_json::{Value, json};

/// The probe's bodies: an argument value 1,750 lists deep and one 1,500
/// objects deep, each a few KiB, sent without a token.
fn nested_values() -> [String; 2] {
    [
        format!(
            "{{ partner(id: {}1{}) {{ id }} }}",
            "[".repeat(1750),
            "]".repeat(1750)
        ),
        format!(
            "{{ partner(id: {}1{}) {{ id }} }}",
            "{a: ".repeat(1500),
            "}".repeat(1500)
        ),
    ]
}

crate::on_both_databases!(
    an_id_reused_at_once_never_leaks_a_subscription,
    development_replicas_starting_together_provision_the_demo_once,
    websockets_close_with_a_frame_that_says_why,
    a_refused_field_is_null_at_its_path,
    partners_read_staff_as_a_role_not_a_person,
    refusals_to_a_partner_tell_nothing_of_what_exists,
);

const TOO_DEEP: &str = "a query may nest selections, arguments, lists and objects at most 48 deep";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_nested_past_the_bound_are_refused_before_anything_recurses() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    for query in nested_values() {
        let (status, body) = app.post(None, &query, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["message"], TOO_DEEP);

        let answer = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 400);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["errors"][0]["message"], TOO_DEEP);

        let mut ws = Ws::connect(app.addr, &app.admin()).await;
        ws.subscribe("1", &query, json!({})).await;
        match ws.recv().await {
            Received::Message(message) => {
                assert_eq!(message["type"], "error", "{message}");
                assert_eq!(message["payload"][0]["message"], TOO_DEEP);
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
    // Variables nest no deeper than literals do.
    let mut value = json!("x");
    for _ in 0..100 {
        value = json!([value]);
    }
    let (_, body) = app
        .post(
            Some(&app.admin()),
            "query($v: ID!) { partner(id: $v) { id } }",
            json!({ "v": value }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "variables may nest lists and objects at most 48 deep"
    );
    // The server is still there.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

/// Reads what the server sends until its `pong`; answers the rest.
async fn until_pong(ws: &mut Ws) -> Vec<Value> {
    ws.send(json!({ "type": "ping" })).await;
    let mut received = Vec::new();
    loop {
        match ws.recv().await {
            Received::Message(message) if message["type"] == "pong" => return received,
            Received::Message(message) => received.push(message),
            Received::Closed(code, reason) => panic!("closed: {code} {reason}"),
        }
    }
}

async fn subscriptions_active(app: &TestApp) -> String {
    let text = crate::support::metrics::scrape(app).await;
    crate::support::metrics::sample(&text, "revshare_subscriptions_active").unwrap_or_default()
}

/// Completing an id and subscribing under it again, pipelined, while the
/// finished run's clean-up is still queued: every run stays tracked, so
/// each `complete` stops its own, nothing is sent after it, and nothing
/// outlives the socket.
async fn an_id_reused_at_once_never_leaks_a_subscription(app: TestApp) {
    let partner = crate::support::partners::partner_at(&app, "Alice", 10).await;
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    for _ in 0..20 {
        for _ in 0..100 {
            ws.subscribe("x", "{ __typename }", json!({})).await;
            ws.send(json!({ "type": "complete", "id": "x" })).await;
            ws.subscribe("x", crate::support::ws::SUBSCRIBE, json!({}))
                .await;
            ws.send(json!({ "type": "complete", "id": "x" })).await;
        }
        until_pong(&mut ws).await;
    }
    // Every subscription was completed: an event reaches none of them.
    crate::support::sales::commission_of(
        &app,
        crate::support::sales::sale_input(&partner, "s1", "100"),
    )
    .await;
    let late = ws.recv_within(std::time::Duration::from_secs(2)).await;
    assert_eq!(late, None, "a message after every complete");
    assert_eq!(subscriptions_active(&app).await, "0");
    // And the limit counts what runs: 100 operations still fit.
    for n in 0..100 {
        ws.subscribe(&n.to_string(), crate::support::ws::SUBSCRIBE, json!({}))
            .await;
    }
    let refused = until_pong(&mut ws).await;
    assert_eq!(refused, Vec::<Value>::new());
    crate::support::metrics::scrape_until(&app, |text| {
        crate::support::metrics::sample(text, "revshare_subscriptions_active").as_deref()
            == Some("100")
    })
    .await;
    drop(ws);
    crate::support::metrics::scrape_until(&app, |text| {
        crate::support::metrics::sample(text, "revshare_subscriptions_active").as_deref()
            == Some("0")
    })
    .await;
}

/// Two replicas in development mode starting together on an empty
/// database: both come up, and the demo tenant is provisioned once.
async fn development_replicas_starting_together_provision_the_demo_once(app: TestApp) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    for _ in 0..3 {
        let txn = app.db.write().await.unwrap();
        Migrator::down(txn.unbounded(), None).await.unwrap();
        txn.commit().await.unwrap();
        let (first, second) = tokio::join!(
            crate::helpers::Replica::start_development(&app.url),
            crate::helpers::Replica::start_development(&app.url)
        );
        // Both answered /readyz: neither died provisioning.
        let row = app
            .db
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.backend(),
                "SELECT COUNT(*) AS n FROM partner_groups WHERE tenant_id = 'demo' AND is_default",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
        first.kill();
        second.kill();
    }
}

/// The development page's token goes only to a request addressed to a
/// loopback host: a page of another name resolving here (DNS rebinding)
/// gets GraphiQL without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_token_is_served_to_loopback_hosts_only() {
    let app = TestApp::spawn_with_options(
        Backend::Sqlite,
        revshare::auth::jwt::Keys::hs256(crate::helpers::SECRET),
        revshare::http::Options {
            graphiql_token: Some("dev-token".into()),
            ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
        },
    )
    .await
    .unwrap();
    let port = app.addr.port();
    for (host, served) in [
        (format!("127.0.0.1:{port}"), true),
        (format!("localhost:{port}"), true),
        ("[::1]".to_owned(), true),
        ("evil.example".to_owned(), false),
        (format!("evil.example:{port}"), false),
        ("localhost.evil.example".to_owned(), false),
        ("10.0.0.8".to_owned(), false),
    ] {
        for path in ["/", "/graphql"] {
            let head = format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
            );
            let answer = crate::support::http::raw_exchange(app.addr, head, Vec::new()).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{host}{path}: {answer}");
            assert!(answer.contains("revshare · GraphiQL"), "{host}{path}");
            assert_eq!(
                answer.contains("dev-token"),
                served,
                "{host}{path}: the token served?"
            );
        }
    }
}

/// A socket is closed with a close frame that says why: 1009 for a message
/// past 64 KiB, 1001 when the server stops (clients saw 1006 for both).
async fn websockets_close_with_a_frame_that_says_why(app: TestApp) {
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.subscribe(
        "big",
        &format!("{{ __typename }} # {}", "x".repeat(70 * 1024)),
        json!({}),
    )
    .await;
    assert!(
        matches!(ws.recv().await, Received::Closed(1009, _)),
        "an oversized message"
    );

    let replica = crate::helpers::Replica::start(&app.url, &[]).await;
    let mut ws = Ws::connect(replica.addr, &app.admin()).await;
    ws.subscribe("events", crate::support::ws::SUBSCRIBE, json!({}))
        .await;
    until_pong(&mut ws).await;
    replica.terminate();
    match ws.recv().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, 1001, "{reason}");
            assert_eq!(reason, "the server is going away: reconnect and resume");
        }
        other => panic!("expected the close, got {other:?}"),
    }
}

/// The errors of `body` at `path` (a JSON array), by message.
fn errors_at(body: &Value, path: Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|error| error["path"] == path)
        .map(|error| error["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A field the token may not read is `null` in `data` with its error at
/// its path, on every path (a list's items answered in place, a single
/// read, over WebSocket); one that cannot be null takes its parent with
/// it, up to the nearest field that can (GraphQL spec, "Handling Field
/// Errors").
async fn a_refused_field_is_null_at_its_path(app: TestApp) {
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Launch", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partner = crate::support::partners::approved_partner(&app, "Alice", &campaign).await;
    app.ok(
        &app.admin(),
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": { "name": "Gold", "notes": "internal", "status": "ACTIVE", "startDate": "2020-01-01",
                "endDate": "2099-12-31", "period": "GLOBAL", "applyToAllPartners": true, "campaignIds": [campaign],
                "payout": { "action": "INCREASE", "value": "10" }, "goals": { "conversions": 100 } } }),
    )
    .await;
    let commission = crate::support::sales::commission_id(
        &app,
        json!({ "externalId": "s1", "partnerId": partner, "campaignId": campaign,
                "customerExternalId": "c1", "amount": "100" }),
    )
    .await;
    let ledger = app.service("commissions:read");
    let refused = "requires the partners:read scope";

    // A list's items, answered in place.
    let list = "{ commissions { nodes { id partner { name email } } } }";
    let (_, body) = app.post(Some(&ledger), list, json!({})).await;
    assert_eq!(
        body["data"],
        json!({ "commissions": { "nodes": [{ "id": commission, "partner": { "name": "Alice", "email": null } }] } })
    );
    assert_eq!(
        errors_at(
            &body,
            json!(["commissions", "nodes", 0, "partner", "email"])
        ),
        [refused]
    );

    // A single read, where the refused field is all that was asked.
    let single = "query($id: ID!) { commission(id: $id) { partner { email } } }";
    let (_, body) = app
        .post(Some(&ledger), single, json!({ "id": commission }))
        .await;
    assert_eq!(
        body["data"],
        json!({ "commission": { "partner": { "email": null } } })
    );
    assert_eq!(
        errors_at(&body, json!(["commission", "partner", "email"])),
        [refused]
    );

    // A tier's notes, to the partner it applies to.
    let progress = "{ viewer { partner { tierProgress { tier { name notes } } } } }";
    let (_, body) = app
        .post(Some(&app.partner_token(&partner)), progress, json!({}))
        .await;
    assert_eq!(
        body["data"]["viewer"]["partner"]["tierProgress"],
        json!([{ "tier": { "name": "Gold", "notes": null } }]),
        "{body}"
    );
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");

    // A field that cannot be null: the null moves up to the commission.
    let non_null = "query($id: ID!) { commission(id: $id) { id campaign { name currency } } }";
    let (_, body) = app
        .post(Some(&ledger), non_null, json!({ "id": commission }))
        .await;
    assert_eq!(body["data"], json!({ "commission": null }));
    assert_eq!(
        errors_at(&body, json!(["commission", "campaign", "currency"])),
        ["requires the campaigns:read scope"]
    );

    // Over WebSocket, the same answer as over HTTP.
    let mut ws = Ws::connect(app.addr, &ledger).await;
    ws.subscribe("q", list, json!({})).await;
    match ws.recv().await {
        Received::Message(message) => {
            assert_eq!(message["type"], "next", "{message}");
            assert_eq!(
                message["payload"]["data"]["commissions"]["nodes"][0]["partner"],
                json!({ "name": "Alice", "email": null })
            );
        }
        other => panic!("expected the answer, got {other:?}"),
    }
}

/// A partner reads who changed its deals and commissions as `staff`, not
/// as the staff token's `sub` (often an e-mail); its own changes and the
/// system's (`maturity`, `tier:<id>`) keep their names. Staff read them all.
async fn partners_read_staff_as_a_role_not_a_person(app: TestApp) {
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Launch", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partner = crate::support::partners::approved_partner(&app, "Alice", &campaign).await;
    let commission = crate::support::sales::commission_id(
        &app,
        json!({ "externalId": "s1", "partnerId": partner, "campaignId": campaign,
                "customerExternalId": "c1", "amount": "100" }),
    )
    .await;
    let staff = app.mint(&revshare::auth::jwt::Claims {
        sub: "ops@brand.example".into(),
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    });
    app.ok(
        &staff,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [commission] }),
    )
    .await;
    let history = "query($id: ID!) { commission(id: $id) { history { toStatus actor } } }";
    let partners = app.partner_token(&partner);
    let read = app
        .ok(&partners, history, json!({ "id": commission }))
        .await;
    assert_eq!(
        read["commission"]["history"],
        json!([{ "toStatus": "APPROVED", "actor": "staff" }])
    );
    let read = app.ok(&staff, history, json!({ "id": commission })).await;
    assert_eq!(
        read["commission"]["history"],
        json!([{ "toStatus": "APPROVED", "actor": "ops@brand.example" }])
    );

    crate::support::deals::pipeline(&app).await;
    let registered = app
        .ok(
            &partners,
            "mutation { registerDeal(input: { name: \"Globex\", amount: \"1000\", companyName: \"Globex\", companyDomain: \"globex.example\" }) { id } }",
            json!({}),
        )
        .await;
    let deal = registered["registerDeal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &staff,
        "mutation($id: ID!) { updateDeal(id: $id, input: { name: \"Globex expansion\" }) { id } }",
        json!({ "id": deal }),
    )
    .await;
    let history = "query($id: ID!) { deal(id: $id) { history { field actor } } }";
    let read = app.ok(&partners, history, json!({ "id": deal })).await;
    assert_eq!(
        read["deal"]["history"],
        json!([
            { "field": "registration", "actor": "partner-of-acme" },
            { "field": "name", "actor": "staff" },
        ])
    );
    let read = app.ok(&staff, history, json!({ "id": deal })).await;
    assert_eq!(read["deal"]["history"][1]["actor"], "ops@brand.example");
}

/// What a partner is refused answers as if the thing did not exist when
/// it may not see it: applying to a paused public campaign it is not in is
/// `NOT_FOUND` (as `campaign(id)` is null), and a deal's lead creator that
/// is the tenant's contact, another partner's or nobody's gets one answer.
async fn refusals_to_a_partner_tell_nothing_of_what_exists(app: TestApp) {
    let paused =
        crate::support::campaigns::create_campaign(&app, json!({ "name": "Paused" })).await;
    let alice = crate::support::partners::partner_at(&app, "Alice", 10).await;
    let bob = crate::support::partners::partner_at(&app, "Bob", 10).await;
    let alices = app.partner_token(&alice);
    // Carol is in it before it pauses; Alice is not.
    let carol = crate::support::partners::approved_partner(&app, "Carol", &paused).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { status: PAUSED }) { status } }",
        json!({ "id": paused }),
    )
    .await;
    let seen = app
        .ok(
            &alices,
            "query($id: ID!) { campaign(id: $id) { id } }",
            json!({ "id": paused }),
        )
        .await;
    assert_eq!(seen["campaign"], Value::Null);
    let apply = "mutation($id: ID!) { applyToCampaign(campaignId: $id) { id } }";
    let error = app
        .error(Some(&alices), apply, json!({ "id": paused }))
        .await;
    assert_eq!(code(&error), "NOT_FOUND", "{error}");
    let missing = app
        .error(
            Some(&alices),
            apply,
            json!({ "id": "01J00000000000000000000000" }),
        )
        .await;
    assert_eq!(error["message"], missing["message"]);
    // Carol sees it, and hears why she cannot apply again.
    let error = app
        .error(
            Some(&app.partner_token(&carol)),
            apply,
            json!({ "id": paused }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");

    crate::support::deals::pipeline(&app).await;
    let tenants = crate::support::deals::create_contact(&app, None, "Tenant seller").await;
    let bobs = crate::support::deals::create_contact(&app, Some(&bob), "Bob's seller").await;
    let register = "mutation($lead: ID!, $domain: String!) { registerDeal(input: { name: \"Deal\", amount: \"1000\", \
        companyName: \"Co\", companyDomain: $domain, leadCreatorId: $lead }) { id } }";
    let mut answers = Vec::new();
    for (n, lead) in [
        tenants.as_str(),
        bobs.as_str(),
        "01J00000000000000000000000",
    ]
    .into_iter()
    .enumerate()
    {
        let error = app
            .error(
                Some(&alices),
                register,
                json!({ "lead": lead, "domain": format!("co{n}.example") }),
            )
            .await;
        answers.push((
            code(&error).to_owned(),
            error["extensions"]["field"].clone(),
            error["message"].clone(),
        ));
    }
    assert_eq!(
        answers,
        vec![
            (
                "BAD_USER_INPUT".to_owned(),
                json!("input.leadCreatorId"),
                json!("input.leadCreatorId: no such contact of the partner")
            );
            3
        ]
    );
}

/// Anonymous clients run persisted queries but keep none: a flood of
/// anonymous registrations evicts nothing an authenticated client stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_clients_cannot_flush_the_persisted_query_cache() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn_with_options(
        Backend::Sqlite,
        revshare::auth::jwt::Keys::hs256(crate::helpers::SECRET),
        revshare::http::Options {
            apq_cache_size: 4,
            ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
        },
    )
    .await
    .unwrap();
    let persisted = |query: &str| {
        let hash: String = Sha256::digest(query.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    };
    let send = |token: Option<String>, body: Value| {
        let request = app.client.post(app.url("/graphql")).json(&body);
        async move {
            let request = match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let admins = "{ viewer { role } }";
    let stored = send(
        Some(app.admin()),
        json!({ "query": admins, "extensions": persisted(admins) }),
    )
    .await;
    assert_eq!(stored["data"]["viewer"]["role"], "ADMIN");
    for n in 0..50 {
        let query = format!("{{ a{n}: __typename }}");
        let answer = send(
            None,
            json!({ "query": query, "extensions": persisted(&query) }),
        )
        .await;
        assert_eq!(answer["data"][format!("a{n}")], "Query", "{answer}");
    }
    let by_hash = send(
        Some(app.admin()),
        json!({ "extensions": persisted(admins) }),
    )
    .await;
    assert_eq!(by_hash["data"]["viewer"]["role"], "ADMIN", "{by_hash}");
    // What an anonymous client sent was run, not kept.
    let query = "{ a0: __typename }";
    let again = send(None, json!({ "extensions": persisted(query) })).await;
    assert_eq!(code(&again["errors"][0]), "PERSISTED_QUERY_NOT_FOUND");
}

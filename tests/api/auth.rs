//! Authentication and authorization (SPEC §3): every rejection, scopes,
//! partner tokens, tenant isolation.

use crate::helpers::{Backend, TENANT, TestApp, code};
use crate::on_both_databases;
use crate::support::receiver::loopback;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use revshare::auth::jwt::{Claims, Keys, now_seconds};
use serde_json::{Value, json};

const PARTNERS: &str = "{ partners(first: 5) { nodes { id } } }";
const RS256_PUBLIC: &[u8] = include_bytes!("keys/rs256-public.pem");
const RS256_PRIVATE: &[u8] = include_bytes!("keys/rs256-private.pem");

/// Sends `token` and expects a 401 with `UNAUTHENTICATED` and `message`.
async fn refused(app: &TestApp, token: &str, message: &str) {
    let (status, body) = app.post(Some(token), PARTNERS, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED", "{body}");
    assert_eq!(body["errors"][0]["message"], message);
    assert_eq!(body["data"], Value::Null);
}

fn sign(claims: &Value, algorithm: Algorithm, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, key).unwrap()
}

fn admin_claims() -> Value {
    json!({ "sub": "x", "tenant_id": TENANT, "role": "admin", "exp": now_seconds() + 600 })
}

on_both_databases!(
    no_token_is_unauthenticated,
    rejections_of_bad_hs256_tokens,
    a_token_naming_an_unknown_tenant_is_unauthenticated,
    a_service_without_the_write_scope_is_forbidden_on_group_mutations,
    a_partner_token_sees_only_its_own_partner,
    an_admin_of_another_tenant_never_sees_a_group,
    viewer_describes_the_caller,
    a_lookup_by_id_without_the_scope_is_forbidden_whether_or_not_the_id_exists,
);

crate::on_both_databases_with!(loopback; another_partners_object_answers_as_if_it_did_not_exist);

async fn a_lookup_by_id_without_the_scope_is_forbidden_whether_or_not_the_id_exists(app: TestApp) {
    let partner = crate::support::partners::partner_at(&app, "Jane", 10).await;
    let sale = crate::support::sales::sale_input(&partner, "s1", "100");
    let commission = crate::support::sales::commission_id(&app, sale).await;
    // A token that records events but reads nothing learns nothing from
    // an id: an existing one and an unknown one answer alike.
    let writer = app.service("events:write");
    for (query, id) in [
        (
            "query($id: ID!) { commission(id: $id) { id } }",
            commission.as_str(),
        ),
        (
            "query($id: ID!) { commission(id: $id) { id } }",
            "01JNOSUCHCOMMISSION000000",
        ),
        (
            "query($id: ID!) { payout(id: $id) { id } }",
            "01JNOSUCHPAYOUT00000000000",
        ),
        (
            "query($id: ID!) { deal(id: $id) { id } }",
            "01JNOSUCHDEAL0000000000000",
        ),
        (
            "query($id: String!) { customer(externalId: $id) { id } }",
            "c-s1",
        ),
        (
            "query($id: String!) { customer(externalId: $id) { id } }",
            "c-nobody",
        ),
    ] {
        let error = app.error(Some(&writer), query, json!({ "id": id })).await;
        assert_eq!(code(&error), "FORBIDDEN", "{query} {id}: {error}");
    }
    // With the scope, the commission is there.
    let reader = app.service("commissions:read");
    let found = app
        .ok(
            &reader,
            "query($id: ID!) { commission(id: $id) { id } }",
            json!({ "id": commission }),
        )
        .await;
    assert_eq!(found["commission"]["id"], commission.as_str());
}

async fn no_token_is_unauthenticated(app: TestApp) {
    let (status, body) = app.post(None, PARTNERS, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body["errors"][0]), "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["message"], "a bearer token is required");
    let (status, body) = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": PARTNERS }))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 401);
    let body: Value = body.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "expected Authorization: Bearer <jwt>"
    );
}

async fn rejections_of_bad_hs256_tokens(app: TestApp) {
    // A valid token passes, so the refusals below are about the token alone.
    app.ok(&app.admin(), PARTNERS, json!({})).await;

    let wrong_key = EncodingKey::from_secret(b"another-secret-another-secret-12345");
    refused(
        &app,
        &sign(&admin_claims(), Algorithm::HS256, &wrong_key),
        "token signature is invalid",
    )
    .await;

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(admin_claims().to_string());
    refused(&app, &format!("{header}.{payload}."), "token is malformed").await;

    let expired = Claims {
        exp: now_seconds() - 3600,
        ..TestApp::claims(TENANT, "admin")
    };
    refused(&app, &app.mint(&expired), "token has expired").await;

    let key = EncodingKey::from_secret(crate::helpers::SECRET);
    let mut textual_exp = admin_claims();
    textual_exp["exp"] = json!((now_seconds() + 600).to_string());
    refused(
        &app,
        &sign(&textual_exp, Algorithm::HS256, &key),
        "token is malformed",
    )
    .await;

    let mut no_exp = admin_claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    refused(
        &app,
        &sign(&no_exp, Algorithm::HS256, &key),
        "token is malformed",
    )
    .await;

    let not_yet = Claims {
        nbf: Some(now_seconds() + 3600),
        ..TestApp::claims(TENANT, "admin")
    };
    refused(&app, &app.mint(&not_yet), "token is not valid yet").await;

    refused(
        &app,
        &app.mint(&TestApp::claims(TENANT, "superuser")),
        "token role must be admin, viewer, partner or service",
    )
    .await;
}

async fn a_token_naming_an_unknown_tenant_is_unauthenticated(app: TestApp) {
    refused(
        &app,
        &app.admin_of("initech"),
        "token names an unknown tenant",
    )
    .await;
}

async fn a_service_without_the_write_scope_is_forbidden_on_group_mutations(app: TestApp) {
    let mutation = r#"mutation { createPartnerGroup(input: { name: "Gold", rules: [{ recurring: { percentage: "10" } }] }) { name } }"#;
    let reader = app.service("partner_groups:read partners:write");
    let error = app.error(Some(&reader), mutation, json!({})).await;
    assert_eq!(code(&error), "FORBIDDEN");
    assert_eq!(error["message"], "requires the partner_groups:write scope");

    let simulate = r#"mutation { simulatePartnerGroupRules(rules: [{ recurring: { percentage: 10 } }], simulation: { chargeAmount: 10 }) { finalFee } }"#;
    assert_eq!(
        code(&app.error(Some(&reader), simulate, json!({})).await),
        "FORBIDDEN"
    );

    let writer = app.service("partner_groups:write");
    let data = app.ok(&writer, mutation, json!({})).await;
    assert_eq!(data["createPartnerGroup"]["name"], "Gold");
    // Nothing was written by the forbidden attempt: Default and Gold only.
    let data = app
        .ok(&writer, "{ partnerGroups { totalCount } }", json!({}))
        .await;
    assert_eq!(data["partnerGroups"]["totalCount"], 2);

    let none = app.service("");
    assert_eq!(
        code(
            &app.error(Some(&none), "{ partnerGroups { totalCount } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
}

async fn a_partner_token_sees_only_its_own_partner(app: TestApp) {
    let mine = app
        .create_partner(json!({ "name": "Mine", "email": "me@mine.example" }))
        .await;
    let theirs = app.create_partner(json!({ "name": "Theirs" })).await;
    let token = app.partner_token(&mine);
    let query = "query($id: ID!) { partner(id: $id) { id name email group { name } } }";

    let data = app.ok(&token, query, json!({ "id": mine })).await;
    assert_eq!(data["partner"]["name"], "Mine");
    assert_eq!(data["partner"]["group"]["name"], "Default");
    let data = app.ok(&token, query, json!({ "id": theirs })).await;
    assert_eq!(data["partner"], Value::Null);

    let data = app
        .ok(
            &token,
            "{ partners { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["partners"]["totalCount"], 1);
    assert_eq!(data["partners"]["nodes"], json!([{ "id": mine }]));

    // Its group's name only; the rules are not for partners.
    let error = app
        .error(
            Some(&token),
            "{ viewer { partner { group { rules { type } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(
            Some(&token),
            r#"mutation { createPartner(input: { name: "Sneaky" }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

async fn an_admin_of_another_tenant_never_sees_a_group(app: TestApp) {
    let group = app
        .create_group(
            "Acme Gold",
            json!([{ "recurring": { "percentage": "10" } }]),
        )
        .await;
    let partner = app
        .create_partner(json!({ "name": "Acme Partner", "groupId": group }))
        .await;
    let globex = app.admin_of(crate::helpers::OTHER_TENANT);

    let data = app
        .ok(
            &globex,
            "query($id: ID!) { partnerGroup(id: $id) { name } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(data["partnerGroup"], Value::Null);
    let data = app
        .ok(
            &globex,
            "query($id: ID!) { partner(id: $id) { name } }",
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(data["partner"], Value::Null);
    let data = app
        .ok(
            &globex,
            "{ partners { totalCount } partnerGroups { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["partners"]["totalCount"], 0);
    assert_eq!(
        data["partnerGroups"]["nodes"],
        json!([{ "name": "Default" }])
    );

    let error = app
        .error(
            Some(&globex),
            r#"mutation($id: ID!) { updatePartnerGroup(id: $id, input: { name: "Mine now" }) { name } }"#,
            json!({ "id": group }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
    let error = app
        .error(
            Some(&globex),
            "mutation($id: ID!) { deletePartnerGroup(id: $id) { deleted } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
    let error = app
        .error(
            Some(&globex),
            r#"mutation($g: ID!) { createPartner(input: { name: "X", groupId: $g }) { id } }"#,
            json!({ "g": group }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partnerGroup(id: $id) { name } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(data["partnerGroup"]["name"], "Acme Gold");
}

async fn viewer_describes_the_caller(app: TestApp) {
    let token = app.service("partners:read partner_groups:write");
    let data = app
        .ok(
            &token,
            "{ viewer { role tenantId currency scopes partner { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"],
        json!({
            "role": "SERVICE",
            "tenantId": TENANT,
            "currency": "USD",
            "scopes": ["partners:read", "partner_groups:read", "partner_groups:write"],
            "partner": null,
        })
    );
}

/// RS256: the configured algorithm is the only one accepted, so an HS256
/// token "signed" with the public key (the key-confusion attack) is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_refuses_an_hs256_token_signed_with_the_public_key() {
    let keys = Keys::asymmetric(Algorithm::RS256, RS256_PUBLIC, Some(RS256_PRIVATE)).unwrap();
    let app = TestApp::spawn_with_keys(Backend::Sqlite, keys)
        .await
        .unwrap();
    app.ok(&app.admin(), PARTNERS, json!({})).await;

    let confused = sign(
        &admin_claims(),
        Algorithm::HS256,
        &EncodingKey::from_secret(RS256_PUBLIC),
    );
    refused(&app, &confused, "token algorithm is not accepted").await;
    let hs = sign(
        &admin_claims(),
        Algorithm::HS256,
        &EncodingKey::from_secret(crate::helpers::SECRET),
    );
    refused(&app, &hs, "token algorithm is not accepted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_issuer_and_audience_are_required() {
    let keys = Keys::hs256(crate::helpers::SECRET)
        .with_issuer(Some("https://id.acme.example".into()))
        .with_audience(Some("revshare".into()));
    let app = TestApp::spawn_with_keys(Backend::Sqlite, keys)
        .await
        .unwrap();
    // Minting fills in the configured issuer and audience.
    app.ok(&app.admin(), PARTNERS, json!({})).await;

    let key = EncodingKey::from_secret(crate::helpers::SECRET);
    let mut claims = admin_claims();
    claims["aud"] = json!("revshare");
    claims["iss"] = json!("https://evil.example");
    refused(
        &app,
        &sign(&claims, Algorithm::HS256, &key),
        "token issuer is not accepted",
    )
    .await;
    claims["iss"] = json!("https://id.acme.example");
    claims["aud"] = json!("another-api");
    refused(
        &app,
        &sign(&claims, Algorithm::HS256, &key),
        "token audience is not accepted",
    )
    .await;
    claims.as_object_mut().unwrap().remove("aud");
    refused(
        &app,
        &sign(&claims, Algorithm::HS256, &key),
        "token lacks a required claim",
    )
    .await;
}

/// SPEC §3, one rule: another partner's object answers a partner token as
/// if it did not exist — exactly what an id that names nothing answers on
/// the same path: a single read is null, a list filtered by that partner
/// is empty, a mutation on it is `NOT_FOUND`, an input naming it is
/// refused by that field.
async fn another_partners_object_answers_as_if_it_did_not_exist(app: TestApp) {
    use crate::support::deals::{CREATE_DEAL, create_contact, id_of, pipeline};
    let admin = app.admin();
    let p = pipeline(&app).await;
    let alice = app
        .create_partner(json!({ "name": "Alice", "type": "RESELLER" }))
        .await;
    let paying = app
        .create_group("Paying", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "type": "RESELLER", "groupId": paying }))
        .await;
    let mine = app.partner_token(&alice);
    // Bob's objects, one of each kind a partner owns.
    let commission = crate::support::sales::commission_id(
        &app,
        crate::support::sales::sale_input(&bob, "b1", "100"),
    )
    .await;
    let deal_input = json!({ "input": { "externalId": "d1", "partnerId": bob, "name": "Bob's", "amount": "100", "stageId": p.stage("Lead") } });
    let deal = id_of(&app.ok(&admin, CREATE_DEAL, deal_input).await["createDeal"]);
    let contact = create_contact(&app, Some(&bob), "Fay").await;
    let (endpoint, _) = crate::support::receiver::register(
        &app,
        &app.partner_token(&bob),
        json!({ "url": "http://127.0.0.1:9/hook" }),
    )
    .await;
    let nothing = "no-such-id";

    /// What a path answers: its data at `at`, or its error's code and field.
    enum Answer {
        Data(&'static str),
        Error,
    }
    use Answer::{Data, Error};
    let table: [(&str, &str, &str, Answer); 16] = [
        (
            "partner",
            "query($id: ID!) { partner(id: $id) { id } }",
            bob.as_str(),
            Data("partner"),
        ),
        (
            "commission",
            "query($id: ID!) { commission(id: $id) { id } }",
            commission.as_str(),
            Data("commission"),
        ),
        (
            "deal",
            "query($id: ID!) { deal(id: $id) { id } }",
            deal.as_str(),
            Data("deal"),
        ),
        (
            "webhookEndpoint",
            "query($id: ID!) { webhookEndpoint(id: $id) { id } }",
            endpoint.as_str(),
            Data("webhookEndpoint"),
        ),
        (
            "commissions",
            "query($id: ID!) { commissions(partnerId: $id) { totalCount nodes { id } } }",
            bob.as_str(),
            Data("commissions"),
        ),
        (
            "deals",
            "query($id: ID!) { deals(partnerId: $id) { nodes { id } } }",
            bob.as_str(),
            Data("deals"),
        ),
        (
            "contacts",
            "query($id: ID!) { contacts(partnerId: $id) { nodes { id } } }",
            bob.as_str(),
            Data("contacts"),
        ),
        (
            "domainEvents",
            "query($id: ID!) { domainEvents(partnerId: $id) { nodes { id } } }",
            bob.as_str(),
            Data("domainEvents"),
        ),
        (
            "customers",
            "query($id: ID!) { customers(partnerId: $id) { nodes { externalId } } }",
            bob.as_str(),
            Data("customers"),
        ),
        (
            "events",
            "query($id: ID!) { events(partnerId: $id) { totalCount nodes { id } } }",
            bob.as_str(),
            Data("events"),
        ),
        (
            "payouts",
            "query($id: ID!) { payouts(partnerId: $id) { totalCount nodes { id } } }",
            bob.as_str(),
            Data("payouts"),
        ),
        (
            "updateWebhookEndpoint",
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: \"x\" }) { id } }",
            endpoint.as_str(),
            Error,
        ),
        (
            "deleteWebhookEndpoint",
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            endpoint.as_str(),
            Error,
        ),
        (
            "rotateWebhookSecret",
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            endpoint.as_str(),
            Error,
        ),
        (
            "replayWebhookDeliveries",
            "mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id) }",
            endpoint.as_str(),
            Error,
        ),
        (
            "registerDeal",
            "mutation($id: ID!) { registerDeal(input: { name: \"D\", amount: \"10\", companyName: \"Globex\", companyDomain: \"globex.com\", leadCreatorId: $id }) { id } }",
            contact.as_str(),
            Error,
        ),
    ];
    for (path, query, theirs, answer) in table {
        let (_, for_theirs) = app.post(Some(&mine), query, json!({ "id": theirs })).await;
        let (_, for_nothing) = app.post(Some(&mine), query, json!({ "id": nothing })).await;
        match answer {
            Data(at) => {
                assert_eq!(for_theirs["errors"], Value::Null, "{path}: {for_theirs}");
                let found = &for_theirs["data"][at];
                let empty = found.is_null()
                    || found["nodes"] == json!([])
                        && found["totalCount"].as_u64().unwrap_or(0) == 0;
                assert!(empty, "{path} shows another partner's object: {for_theirs}");
            }
            Error => {
                let error = &for_theirs["errors"][0];
                let expected = match path {
                    "registerDeal" => "BAD_USER_INPUT",
                    _ => "NOT_FOUND",
                };
                assert_eq!(code(error), expected, "{path}: {for_theirs}");
                if path == "registerDeal" {
                    assert_eq!(crate::helpers::field(error), "input.leadCreatorId");
                }
            }
        }
        assert_eq!(for_theirs, for_nothing, "{path}: theirs and nothing differ");
    }
    // A series and the exports: another partner's answer is the one for an
    // id naming nothing — a zero series, a CSV of its header alone.
    let series = "query($id: ID!) { commissionStats(interval: MONTH, from: \"2020-01-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\", partnerId: $id, currency: \"USD\") { accrued commissions } }";
    let (_, for_theirs) = app.post(Some(&mine), series, json!({ "id": bob })).await;
    let (_, for_nothing) = app
        .post(Some(&mine), series, json!({ "id": nothing }))
        .await;
    assert_eq!(for_theirs, for_nothing, "commissionStats");
    let months = for_theirs["data"]["commissionStats"].as_array().unwrap();
    assert_eq!(months.len(), 120, "{for_theirs}");
    assert!(
        months
            .iter()
            .all(|m| m["accrued"] == "0.00" && m["commissions"] == 0)
    );
    for export in ["commissions", "payouts"] {
        let csv = |id: String| {
            let (app, mine) = (&app, &mine);
            async move {
                let response = app
                    .client
                    .get(app.url(&format!("/exports/{export}.csv?partnerId={id}")))
                    .bearer_auth(mine)
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let theirs = csv(bob.clone()).await;
        assert_eq!(theirs, csv(nothing.to_owned()).await, "{export}.csv");
        assert_eq!(
            (theirs.0, theirs.1.split_terminator("\r\n").count()),
            (200, 1),
            "{export}.csv"
        );
    }
    // And Bob's own token sees each of them (the table is not vacuous).
    let theirs = app.partner_token(&bob);
    for (query, id, at) in [
        (
            "query($id: ID!) { commission(id: $id) { id } }",
            &commission,
            "commission",
        ),
        ("query($id: ID!) { deal(id: $id) { id } }", &deal, "deal"),
        (
            "query($id: ID!) { webhookEndpoint(id: $id) { id } }",
            &endpoint,
            "webhookEndpoint",
        ),
    ] {
        assert_eq!(
            app.ok(&theirs, query, json!({ "id": id })).await[at]["id"],
            json!(id)
        );
    }
}

//! The console's sign-in (SPEC §24) through the API: one-time staff links,
//! the sessions they open (renewed, ended, and refused once ended), the
//! e-mail as the tokens' `sub` in the history, and a viewer who reads
//! what an admin reads and is refused every mutation, over HTTP and
//! WebSocket alike.

use crate::helpers::{Backend, TestApp, code, field};
use crate::on_both_databases;
use crate::support::staff::{LINK, REDEEM, staff_code, staff_token};
use crate::support::ws::{Received, Ws};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

on_both_databases!(
    a_staff_link_signs_a_person_in_once_for_a_session_that_ends,
    a_viewer_reads_what_an_admin_reads_and_runs_no_mutation,
    only_an_admin_makes_staff_links_and_bad_input_is_named,
);

const RENEW: &str = "mutation { renewStaffSession { token expiresAt email role } }";
const END: &str = "mutation { endStaffSession }";

fn minutes_until(at: &Value) -> i64 {
    let at: chrono::DateTime<chrono::Utc> = at.as_str().unwrap().parse().unwrap();
    (at - chrono::Utc::now()).num_minutes()
}

async fn a_staff_link_signs_a_person_in_once_for_a_session_that_ends(app: TestApp) {
    let made = app
        .ok(
            &app.admin(),
            LINK,
            json!({ "input": { "email": " Ana@Acme.Example ", "ttlMinutes": 30 } }),
        )
        .await["createStaffSignInLink"]
        .clone();
    let secret = made["url"]
        .as_str()
        .unwrap()
        .strip_prefix("/admin/#code=")
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert!((29..=30).contains(&minutes_until(&made["expiresAt"])));
    // The code is kept only as its hash.
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            "SELECT code_hash, email, role FROM staff_links",
        ))
        .await
        .unwrap();
    let stored: String = rows[0].try_get("", "code_hash").unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&secret));
    let email: String = rows[0].try_get("", "email").unwrap();
    assert_eq!(email, "ana@acme.example");

    // Spent with no token: an admin session named by the e-mail.
    let (_, body) = app.post(None, REDEEM, json!({ "code": secret })).await;
    let session = body["data"]["redeemStaffSignInLink"].clone();
    assert_eq!(session["email"], "ana@acme.example", "{body}");
    assert_eq!(session["role"], "ADMIN");
    assert!((14..=15).contains(&minutes_until(&session["expiresAt"])));
    let token = session["token"].as_str().unwrap().to_owned();
    let viewer = app
        .ok(&token, "{ viewer { subject role } }", json!({}))
        .await;
    assert_eq!(
        viewer["viewer"],
        json!({ "subject": "ana@acme.example", "role": "ADMIN" })
    );

    // What the person does is theirs in the history.
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let changed = app
        .ok(
            &token,
            "mutation($id: ID!) { updatePartner(id: $id, input: { status: SUSPENDED }) { history { field to actor } } }",
            json!({ "id": ada }),
        )
        .await;
    let history = changed["updatePartner"]["history"].as_array().unwrap();
    let suspended = history
        .iter()
        .find(|c| c["field"] == "status")
        .unwrap_or_else(|| panic!("{changed}"));
    assert_eq!(suspended["to"], "SUSPENDED");
    assert_eq!(suspended["actor"], "ana@acme.example");

    // Once only; an unknown code and an expired one say why.
    let again = app.error(None, REDEEM, json!({ "code": secret })).await;
    assert_eq!(code(&again), "CONFLICT");
    assert!(again["message"].as_str().unwrap().contains("already used"));
    let unknown = app
        .error(None, REDEEM, json!({ "code": "not-a-code" }))
        .await;
    assert_eq!(code(&unknown), "NOT_FOUND");
    let late = staff_code(&app, json!({ "email": "bo@acme.example" })).await;
    let past = match app.backend {
        Backend::Postgres => {
            "UPDATE staff_links SET expires_at = now() - interval '1 minute' WHERE redeemed_at IS NULL"
        }
        Backend::Sqlite => {
            "UPDATE staff_links SET expires_at = '2020-01-01 00:00:00+00:00' WHERE redeemed_at IS NULL"
        }
    };
    app.db
        .conn()
        .execute_raw(Statement::from_string(app.db.backend(), past))
        .await
        .unwrap();
    let expired = app.error(None, REDEEM, json!({ "code": late })).await;
    assert_eq!(code(&expired), "CONFLICT");
    assert!(expired["message"].as_str().unwrap().contains("expired"));

    // Renewed: a new token of the same session.
    let renewed = app.ok(&token, RENEW, json!({})).await["renewStaffSession"].clone();
    assert_eq!(renewed["email"], "ana@acme.example");
    assert_eq!(renewed["role"], "ADMIN");
    let second = renewed["token"].as_str().unwrap().to_owned();
    // Another token is not a session's: nothing to renew, nothing to end.
    let refused = app.error(Some(&app.admin()), RENEW, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN");
    assert_eq!(
        app.ok(&app.admin(), END, json!({})).await["endStaffSession"],
        false
    );

    // Signed out: the session's every token is refused from then on, and
    // it is not renewed.
    assert_eq!(
        app.ok(&second, END, json!({})).await["endStaffSession"],
        true
    );
    for ended in [&token, &second] {
        let (status, body) = app
            .post(Some(ended), "{ viewer { role } }", json!({}))
            .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("session has ended"),
            "{body}"
        );
    }
    let (status, _) = app.post(Some(&token), RENEW, json!({})).await;
    assert_eq!(status, 401);
}

async fn a_viewer_reads_what_an_admin_reads_and_runs_no_mutation(app: TestApp) {
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let viewer = staff_token(&app, "vi@acme.example", "VIEWER").await;
    let me = app
        .ok(&viewer, "{ viewer { subject role scopes } }", json!({}))
        .await;
    assert_eq!(me["viewer"]["subject"], "vi@acme.example");
    assert_eq!(me["viewer"]["role"], "VIEWER");
    let scopes: Vec<&str> = me["viewer"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(scopes.iter().all(|s| s.ends_with(":read")), "{scopes:?}");
    assert_eq!(scopes.len(), 9, "every read scope: {scopes:?}");
    assert!(scopes.contains(&"activity:read"), "{scopes:?}");

    // The same reads answer the same, the admins' own (e-mails) included.
    let reads = "{ partners { nodes { id name } } emails { nodes { id } } partnerGroups { nodes { name } } }";
    assert_eq!(
        app.ok(&viewer, reads, json!({})).await,
        app.ok(&app.admin(), reads, json!({})).await
    );

    // Every mutation of the schema is refused before it runs, whatever its
    // arguments, but renewing and ending the viewer's own session.
    let fields = app
        .ok(
            &app.admin(),
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let names: Vec<String> = fields["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.len() > 60, "{}", names.len());
    for name in names
        .iter()
        .filter(|n| !matches!(n.as_str(), "renewStaffSession" | "endStaffSession"))
    {
        let (_, body) = app
            .post(Some(&viewer), &format!("mutation {{ {name} }}"), json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{name}: {body}"
        );
        assert!(body["data"].is_null(), "{name}: {body}");
    }
    // Hidden beside its own session's renewal, in an alias or a fragment:
    // refused all the same.
    for document in [
        format!(
            "mutation {{ renewStaffSession {{ token }} archivePartner(id: \"{ada}\") {{ id }} }}"
        ),
        format!("mutation {{ renew: archivePartner(id: \"{ada}\") {{ id }} }}"),
        format!(
            "mutation {{ ...F }} fragment F on Mutation {{ archivePartner(id: \"{ada}\") {{ id }} }}"
        ),
    ] {
        let refused = app.error(Some(&viewer), &document, json!({})).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{document}");
    }
    // Over WebSocket too.
    let mut ws = Ws::connect(app.addr, &viewer).await;
    ws.subscribe(
        "1",
        "mutation($id: ID!) { archivePartner(id: $id) { id } }",
        json!({ "id": ada }),
    )
    .await;
    match ws.recv().await {
        Received::Message(message) => {
            assert_eq!(message["type"], "error", "{message}");
            assert_eq!(message["payload"][0]["extensions"]["code"], "FORBIDDEN");
        }
        other => panic!("{other:?}"),
    }
    // Nothing was written: Ada is as she was.
    let ada_now = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { status } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(ada_now["partner"]["status"], "ACTIVE");

    // Its own session it renews (as a viewer still) and ends.
    let renewed = app.ok(&viewer, RENEW, json!({})).await;
    assert_eq!(renewed["renewStaffSession"]["role"], "VIEWER");
    assert_eq!(
        app.ok(&viewer, END, json!({})).await["endStaffSession"],
        true
    );
}

async fn only_an_admin_makes_staff_links_and_bad_input_is_named(app: TestApp) {
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let every_scope = app.service(
        "partners:write partner_groups:write campaigns:write commissions:write events:write \
         commission_plans:write deals:write tiered_commissions:write webhooks:write",
    );
    let viewer = staff_token(&app, "vi@acme.example", "VIEWER").await;
    for token in [every_scope, app.partner_token(&ada), viewer] {
        let refused = app
            .error(
                Some(&token),
                LINK,
                json!({ "input": { "email": "x@acme.example" } }),
            )
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    for (input, named) in [
        (json!({ "email": "not an address" }), "input.email"),
        (json!({ "email": "" }), "input.email"),
        (
            json!({ "email": "x@acme.example", "ttlMinutes": 0 }),
            "input.ttlMinutes",
        ),
        (
            json!({ "email": "x@acme.example", "ttlMinutes": 10_081 }),
            "input.ttlMinutes",
        ),
    ] {
        let refused = app
            .error(Some(&app.admin()), LINK, json!({ "input": input }))
            .await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(field(&refused), named, "{refused}");
    }
    // Nothing was written by the refusals.
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            "SELECT code_hash FROM staff_links",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the viewer's own link only");
    // A token naming a session that does not exist is refused.
    let forged = app.mint(&revshare::auth::jwt::Claims {
        sid: Some("no-such-session".into()),
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    });
    let (status, _) = app
        .post(Some(&forged), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(status, 401);
}

//! One activity log for every actor (SPEC §34): an entry per act in the
//! transaction of its change — staff, service tokens, partners and jobs —
//! with each field before and after, secrets masked, none for a refused
//! mutation; append-only in the database itself; read by filter and page,
//! exported as CSV and JSON lines; read by each role as it may.

use crate::helpers::{OTHER_TENANT, TENANT, TestApp, code};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::deals::{
    create_deal, create_plan, move_deal, pay_query, pipeline, reseller_plan,
};
use crate::support::partners::approved_partner;
use crate::support::sales::{commission_id, sale_input};
use crate::support::staff::staff_token;
use async_graphql::futures_util::future::join_all;
use revshare::ledger::maturity;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    each_actor_kind_writes_its_entry_with_exact_changes,
    secrets_are_masked_or_left_out,
    a_refused_mutation_writes_none,
    twenty_concurrent_mutations_write_exactly_twenty,
    the_database_refuses_to_change_or_delete_an_entry,
    retention_removes_whole_days_and_says_so,
    filters_and_pages,
    both_exports_stream_the_filtered_log,
    each_role_reads_what_it_may,
    compared_rows_say_each_field_before_and_after,
    deal_events_write_an_entry_each,
);

const ENTRY: &str = "id at actor { kind id name } action object { kind id node { id } } \
    changes { field before after } requestId ip reason";

fn activity_query() -> String {
    format!(
        "query($filter: ActivityFilter, $first: Int, $after: String, $last: Int) {{ \
         activity(filter: $filter, first: $first, after: $after, last: $last) {{ \
         totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENTRY} }} }} }}"
    )
}

async fn activity(app: &TestApp, token: &str, filter: Value) -> Value {
    app.ok(token, &activity_query(), json!({ "filter": filter }))
        .await["activity"]
        .clone()
}

/// The entries of `action`, oldest first.
async fn entries_of(app: &TestApp, action: &str) -> Vec<Value> {
    activity(app, &app.admin(), json!({ "action": action })).await["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

const UPDATE: &str = "mutation($id: ID!, $input: UpdatePartnerInput!) { updatePartner(id: $id, input: $input) { id } }";
const SET_METHOD: &str =
    "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type } }";

async fn each_actor_kind_writes_its_entry_with_exact_changes(app: TestApp) {
    // Staff (an admin's token): the changed fields, before and after.
    let partner = app
        .create_partner(json!({ "name": "Ada", "email": "ada@p.example" }))
        .await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin())
        .header("x-request-id", "req-update-1")
        .json(&json!({ "query": UPDATE, "variables": { "id": partner,
            "input": { "name": "Ada Lovelace", "status": "SUSPENDED" } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let updated = entries_of(&app, "updatePartner").await;
    assert_eq!(updated.len(), 1, "{updated:?}");
    let entry = &updated[0];
    assert_eq!(
        entry["actor"],
        json!({ "kind": "STAFF", "id": "admin-of-acme", "name": "admin-of-acme" })
    );
    assert_eq!(
        entry["object"],
        json!({ "kind": "Partner", "id": partner, "node": { "id": partner } })
    );
    assert_eq!(
        entry["changes"],
        json!([
            { "field": "status", "before": "ACTIVE", "after": "SUSPENDED" },
            { "field": "name", "before": "Ada", "after": "Ada Lovelace" },
        ])
    );
    assert_eq!(entry["requestId"], "req-update-1");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["reason"], Value::Null);

    // A service token: the partner it created is the object.
    let data = app
        .ok(
            &app.service("partners:write"),
            "mutation { createPartner(input: { name: \"Bea\" }) { id } }",
            json!({}),
        )
        .await;
    let bea = data["createPartner"]["id"].as_str().unwrap().to_owned();
    let created = entries_of(&app, "createPartner").await;
    let last = created.last().unwrap();
    assert_eq!(
        last["actor"],
        json!({ "kind": "API_KEY", "id": "service-of-acme", "name": "service-of-acme" })
    );
    assert_eq!(last["object"]["id"], bea.as_str());
    assert_eq!(last["object"]["kind"], "Partner");

    // The partner itself, named by its name.
    app.ok(
        &app.partner_token(&bea),
        SET_METHOD,
        json!({ "input": { "type": "PAYPAL", "paypalEmail": "bea@p.example" } }),
    )
    .await;
    let set = entries_of(&app, "setPayoutMethod").await;
    assert_eq!(
        set[0]["actor"],
        json!({ "kind": "PARTNER", "id": bea, "name": "Bea" })
    );
    assert_eq!(set[0]["object"]["id"], bea.as_str());
    assert_eq!(
        set[0]["changes"],
        json!([
            { "field": "type", "before": null, "after": "PAYPAL" },
            { "field": "paypalEmail", "before": null, "after": "bea@p.example" },
        ])
    );

    // A staff member signing in and out of the console.
    let token = staff_token(&app, "finance@acme.example", "VIEWER").await;
    let signed_in = entries_of(&app, "redeemStaffSignInLink").await;
    assert_eq!(
        signed_in[0]["actor"],
        json!({ "kind": "STAFF", "id": "finance@acme.example", "name": "finance@acme.example" })
    );
    app.ok(&token, "mutation { endStaffSession }", json!({}))
        .await;
    let signed_out = entries_of(&app, "endStaffSession").await;
    assert_eq!(signed_out[0]["actor"]["id"], "finance@acme.example");

    // A job: maturity approving a commission, one entry per commission.
    let held = create_campaign(
        &app,
        json!({ "name": "Held", "holdbackDays": 30, "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let paid = approved_partner(&app, "Cyd", &held).await;
    let mut sale = sale_input(&paid, "s-1", "100.00");
    sale["campaignId"] = json!(held);
    let commission = commission_id(&app, sale).await;
    // The sale, written by its batch, names who sent it.
    let sold = entries_of(&app, "recordEvent").await;
    assert_eq!(sold.len(), 1, "{sold:?}");
    assert_eq!(sold[0]["actor"]["kind"], "API_KEY");
    assert_eq!(sold[0]["object"]["kind"], "Event");
    assert_eq!(sold[0]["ip"], "127.0.0.1");
    assert_eq!(
        sold[0]["changes"],
        json!([
            { "field": "externalId", "before": null, "after": "s-1" },
            { "field": "commissions", "before": null, "after": "10.00 USD" },
        ])
    );
    let later = revshare::db::now() + chrono::Duration::days(400);
    assert_eq!(maturity::approve_matured(&app.db, later).await.unwrap(), 1);
    let matured = entries_of(&app, "approveMatured").await;
    assert_eq!(matured.len(), 1);
    assert_eq!(
        matured[0]["actor"],
        json!({ "kind": "SYSTEM", "id": "maturity", "name": "maturity" })
    );
    assert_eq!(matured[0]["object"]["kind"], "Commission");
    assert_eq!(matured[0]["object"]["id"], commission.as_str());
    assert_eq!(
        matured[0]["changes"],
        json!([{ "field": "status", "before": "ACCRUED", "after": "APPROVED" }])
    );
    assert_eq!(matured[0]["requestId"], Value::Null);
    assert_eq!(matured[0]["ip"], Value::Null);
}

async fn secrets_are_masked_or_left_out(app: TestApp) {
    let partner = app.create_partner(json!({ "name": "Dee" })).await;
    let iban = "DE89370400440532013000";
    app.ok(
        &app.admin(),
        SET_METHOD,
        json!({ "input": { "partnerId": partner, "type": "BANK_TRANSFER", "iban": iban,
            "accountHolder": "Dee Media" } }),
    )
    .await;
    app.ok(
        &app.admin(),
        SET_METHOD,
        json!({ "input": { "partnerId": partner, "type": "BANK_TRANSFER", "iban": "GB33BUKB20201555555555",
            "accountHolder": "Dee Media" } }),
    )
    .await;
    let set = entries_of(&app, "setPayoutMethod").await;
    assert_eq!(set.len(), 2);
    assert_eq!(
        set[1]["changes"],
        json!([{ "field": "iban", "before": "…3000", "after": "…5555" }])
    );
    // A tax id keeps its last 4.
    crate::support::partners::submit_w9(&app, &partner, "Dee Payee").await;
    assert_eq!(
        changes_of(&app, "submitTaxProfile").await,
        json!([
            { "field": "form", "before": null, "after": "W9" },
            { "field": "country", "before": null, "after": "US" },
            { "field": "taxId", "before": null, "after": "…6789" },
            { "field": "legalName", "before": null, "after": "Dee Payee" },
        ])
    );
    // A staff link's sign-in code is never written.
    let code = crate::support::staff::staff_code(
        &app,
        json!({ "email": "ops@acme.example", "role": "ADMIN" }),
    )
    .await;
    let (_, body) = app
        .post(None, crate::support::staff::REDEEM, json!({ "code": code }))
        .await;
    assert!(
        body["data"]["redeemStaffSignInLink"]["token"].is_string(),
        "{body}"
    );
    let token = body["data"]["redeemStaffSignInLink"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let everything = export(&app, &app.admin(), "activity.jsonl", "").await;
    assert!(everything.contains("redeemStaffSignInLink"));
    for secret in [
        iban,
        "GB33BUKB20201555555555",
        "123-45-6789",
        "123456789",
        &code,
        &token,
    ] {
        assert!(!everything.contains(secret), "{secret} is in the log");
    }
}

async fn a_refused_mutation_writes_none(app: TestApp) {
    let partner = app.create_partner(json!({ "name": "Eve" })).await;
    let before = activity(&app, &app.admin(), json!({})).await["totalCount"].clone();
    let error = app
        .error(
            Some(&app.admin()),
            UPDATE,
            json!({ "id": partner, "input": { "name": "Eve 2", "groupId": "01JNOGROUP0000000000000000" } }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    let refused = app
        .error(
            Some(&app.service("partners:read")),
            UPDATE,
            json!({ "id": partner, "input": { "name": "Eve 3" } }),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let after = activity(&app, &app.admin(), json!({})).await["totalCount"].clone();
    assert_eq!(before, after);
    assert!(entries_of(&app, "updatePartner").await.is_empty());
}

async fn twenty_concurrent_mutations_write_exactly_twenty(app: TestApp) {
    let token = app.admin();
    let creates = (0..20).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            app.ok(
                token,
                "mutation($name: String!) { createPartner(input: { name: $name }) { id } }",
                json!({ "name": format!("P{i}") }),
            )
            .await["createPartner"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    });
    let mut ids = join_all(creates).await;
    let page = activity(&app, &app.admin(), json!({ "action": "createPartner" })).await;
    assert_eq!(page["totalCount"], 20);
    let mut objects: Vec<String> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["object"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    objects.sort();
    assert_eq!(ids, objects);
}

async fn the_database_refuses_to_change_or_delete_an_entry(app: TestApp) {
    app.create_partner(json!({ "name": "Fay" })).await;
    let conn = app.db.conn();
    let update = conn
        .execute_unprepared("UPDATE activity SET action = 'nothing'")
        .await;
    assert!(update.is_err(), "an entry was changed");
    let delete = conn.execute_unprepared("DELETE FROM activity").await;
    assert!(delete.is_err(), "an entry was deleted");
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let truncate = conn.execute_unprepared("TRUNCATE activity").await;
        assert!(truncate.is_err(), "the log was truncated");
    }
    // A cutoff is retention's (a forged one: `activity_holes`).
    assert_eq!(
        revshare::audit::trim(&app.db, TENANT, 1, revshare::db::now())
            .await
            .unwrap(),
        0
    );
    let earlier = conn
        .execute_unprepared("UPDATE activity_cutoffs SET keeps_from = '2019-01-01T00:00:00Z'")
        .await;
    assert!(earlier.is_err(), "the cutoff moved back");
    let delete = conn.execute_unprepared("DELETE FROM activity").await;
    assert!(delete.is_err(), "an entry after the cutoff was deleted");
    assert_eq!(entries_of(&app, "createPartner").await.len(), 1);
}

/// An entry written at `at`, as it would have been then.
async fn old_entry(app: &TestApp, id: &str, at: &str) {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
    entity::activity::Entity::insert(entity::activity::ActiveModel {
        id: Set(id.to_owned()),
        tenant_id: Set(TENANT.to_owned()),
        at: Set(at),
        actor_kind: Set(entity::enums::ActorKind::Staff),
        actor_id: Set("a".into()),
        actor_name: Set("a".into()),
        action: Set("updatePartner".into()),
        object_kind: Set(None),
        object_id: Set(None),
        partner_id: Set(None),
        changes: Set("[]".into()),
        request_id: Set(None),
        ip: Set(None),
        reason: Set(None),
    })
    .exec_without_returning(app.db.conn())
    .await
    .unwrap();
}

async fn retention_removes_whole_days_and_says_so(app: TestApp) {
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-31T15:00:00Z")
        .unwrap()
        .to_utc();
    old_entry(&app, "01HZZZZZZZZZZZZZZZZZZZZZZ1", "2026-02-28T23:59:59Z").await;
    old_entry(&app, "01HZZZZZZZZZZZZZZZZZZZZZZ2", "2026-03-01T00:00:00Z").await;
    old_entry(&app, "01HZZZZZZZZZZZZZZZZZZZZZZ3", "2026-03-01T12:00:00Z").await;
    // 30 days from the 31st keep the whole of March 1st.
    let removed = revshare::audit::trim(&app.db, TENANT, 30, now)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let said = entries_of(&app, "activityRetention").await;
    assert_eq!(said.len(), 1);
    assert_eq!(said[0]["actor"]["kind"], "SYSTEM");
    assert_eq!(
        said[0]["changes"],
        json!([
            { "field": "keepsFrom", "before": null, "after": "2026-03-01T00:00:00.000000Z" },
            { "field": "removed", "before": null, "after": "1" },
        ])
    );
    let left = activity(&app, &app.admin(), json!({ "action": "updatePartner" })).await;
    assert_eq!(left["totalCount"], 2);
    // The same day again removes nothing and says nothing.
    assert_eq!(
        revshare::audit::trim(&app.db, TENANT, 30, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(entries_of(&app, "activityRetention").await.len(), 1);
}

async fn filters_and_pages(app: TestApp) {
    let a = app.create_partner(json!({ "name": "Gus" })).await;
    let b = app.create_partner(json!({ "name": "Hal" })).await;
    for (partner, name) in [(&a, "Gus 2"), (&b, "Hal 2"), (&a, "Gus 3")] {
        app.ok(
            &app.admin(),
            UPDATE,
            json!({ "id": partner, "input": { "name": name } }),
        )
        .await;
    }
    let trail = activity(&app, &app.admin(), json!({ "objectId": a })).await;
    let actions: Vec<&str> = trail["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["createPartner", "updatePartner", "updatePartner"]);
    let by_kind = activity(
        &app,
        &app.admin(),
        json!({ "actorKind": "STAFF", "objectKind": "Partner" }),
    )
    .await;
    assert_eq!(by_kind["totalCount"], 5);
    assert_eq!(
        activity(&app, &app.admin(), json!({ "actorKind": "PARTNER" })).await["totalCount"],
        0
    );
    assert_eq!(
        activity(
            &app,
            &app.admin(),
            json!({ "actorId": "admin-of-acme", "action": "updatePartner" })
        )
        .await["totalCount"],
        3
    );
    let first = &trail["nodes"][0]["at"];
    let last = &trail["nodes"][2]["at"];
    let window = activity(
        &app,
        &app.admin(),
        json!({ "objectId": a, "from": first, "to": last }),
    )
    .await;
    assert_eq!(window["totalCount"], 2);
    let error = app
        .error(
            Some(&app.admin()),
            &activity_query(),
            json!({ "filter": { "from": last, "to": first } }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    // Pages of two, in the order written.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .ok(
                &app.admin(),
                &activity_query(),
                json!({ "first": 2, "after": after }),
            )
            .await["activity"]
            .clone();
        for entry in page["nodes"].as_array().unwrap() {
            seen.push(entry["id"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    let newest = app
        .ok(&app.admin(), &activity_query(), json!({ "last": 1 }))
        .await;
    assert_eq!(newest["activity"]["nodes"][0]["id"], seen[4].as_str());
    // An entry is a node.
    let node = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on ActivityEntry { action } } }",
            json!({ "id": seen[0] }),
        )
        .await;
    assert_eq!(node["node"]["action"], "createPartner");
}

async fn export(app: &TestApp, token: &str, file: &str, query: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/exports/{file}{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{file}{query}");
    response.text().await.unwrap()
}

async fn both_exports_stream_the_filtered_log(app: TestApp) {
    let a = app.create_partner(json!({ "name": "=Ivy" })).await;
    app.create_partner(json!({ "name": "Jon" })).await;
    app.ok(
        &app.admin(),
        UPDATE,
        json!({ "id": a, "input": { "name": "Ivy, Ltd" } }),
    )
    .await;
    let entries = activity(&app, &app.admin(), json!({ "objectId": a })).await["nodes"].clone();
    let csv = export(
        &app,
        &app.admin(),
        "activity.csv",
        &format!("?objectId={a}"),
    )
    .await;
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,at,actor_kind,actor_id,actor_name,action,object_kind,object_id,partner_id,changes,request_id,ip,reason"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with(&format!("{},", entries[0]["id"].as_str().unwrap())));
    assert!(
        lines[1].contains(&format!(
            ",STAFF,admin-of-acme,admin-of-acme,createPartner,Partner,{a},{a},\"[{{"
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(r#"{""field"":""name"",""before"":null,""after"":""=Ivy""}"#),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]
            .contains(r#","[{""field"":""name"",""before"":""=Ivy"",""after"":""Ivy, Ltd""}]","#)
    );
    assert!(lines[2].contains(",127.0.0.1,"));
    let jsonl = export(
        &app,
        &app.admin(),
        "activity.jsonl",
        "?action=updatePartner",
    )
    .await;
    let parsed: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0]["id"], entries[1]["id"]);
    assert_eq!(
        parsed[0]["actor"],
        json!({ "kind": "STAFF", "id": "admin-of-acme", "name": "admin-of-acme" })
    );
    assert_eq!(parsed[0]["object"], json!({ "kind": "Partner", "id": a }));
    assert_eq!(
        parsed[0]["changes"],
        json!([{ "field": "name", "before": "=Ivy", "after": "Ivy, Ltd" }])
    );
    assert_eq!(parsed[0]["ip"], "127.0.0.1");
    // A bad filter names itself before anything is sent.
    let response = app
        .client
        .get(app.url("/exports/activity.csv?actorKind=ROBOT"))
        .bearer_auth(app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body.to_string().contains("actorKind"), "{body}");
    // A partner's own export: its entries, without IPs.
    let own = export(&app, &app.partner_token(&a), "activity.jsonl", "").await;
    let own: Vec<Value> = own
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(own.len(), 2);
    assert!(
        own.iter()
            .all(|e| e["ip"].is_null() && e["partnerId"] == a.as_str())
    );
    assert!(own.iter().all(|e| e["actor"]["id"] == "staff"), "{own:?}");
}

async fn each_role_reads_what_it_may(app: TestApp) {
    let a = app.create_partner(json!({ "name": "Kit" })).await;
    let b = app.create_partner(json!({ "name": "Lou" })).await;
    app.ok(
        &app.admin(),
        UPDATE,
        json!({ "id": a, "input": { "name": "Kit 2" } }),
    )
    .await;
    app.ok(
        &app.partner_token(&a),
        SET_METHOD,
        json!({ "input": { "type": "PAYPAL", "paypalEmail": "kit@p.example" } }),
    )
    .await;
    let all = activity(&app, &app.admin(), json!({})).await["totalCount"].clone();
    assert_eq!(all, 4);
    let viewer = app.mint(&TestApp::claims(TENANT, "viewer"));
    assert_eq!(activity(&app, &viewer, json!({})).await["totalCount"], 4);
    assert_eq!(
        activity(&app, &app.service("activity:read"), json!({})).await["totalCount"],
        4
    );
    let refused = app
        .error(
            Some(&app.service("partners:read")),
            &activity_query(),
            json!({}),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let response = app
        .client
        .get(app.url("/exports/activity.csv"))
        .bearer_auth(app.service("partners:read"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // A partner: what is about itself (staff's change to its record and
    // its own), without IPs; naming another's object answers nothing.
    let own = activity(&app, &app.partner_token(&a), json!({})).await;
    assert_eq!(own["totalCount"], 3);
    let actions: Vec<&str> = own["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["createPartner", "updatePartner", "setPayoutMethod"]
    );
    assert!(
        own["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["ip"].is_null())
    );
    // Staff are `staff` to it, as in a history; itself by name.
    let actors: Vec<Value> = own["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].clone())
        .collect();
    assert_eq!(
        actors,
        [
            json!({ "kind": "STAFF", "id": "staff", "name": "staff" }),
            json!({ "kind": "STAFF", "id": "staff", "name": "staff" }),
            json!({ "kind": "PARTNER", "id": a, "name": "Kit 2" }),
        ]
    );
    let other = activity(&app, &app.partner_token(&a), json!({ "objectId": b })).await;
    assert_eq!(other["totalCount"], 0);
    let by_id = app
        .ok(
            &app.partner_token(&b),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": own["nodes"][2]["id"] }),
        )
        .await;
    assert_eq!(by_id["node"], Value::Null);
    // Another tenant reads none of it.
    assert_eq!(
        activity(&app, &app.admin_of(OTHER_TENANT), json!({})).await["totalCount"],
        0
    );
}

/// The changes of the one entry of `action`.
async fn changes_of(app: &TestApp, action: &str) -> Value {
    let entries = entries_of(app, action).await;
    assert_eq!(entries.len(), 1, "{action}: {entries:?}");
    entries[0]["changes"].clone()
}

/// The change of `field` among `changes`, if any.
fn change<'a>(changes: &'a Value, field: &str) -> Option<&'a Value> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
}

async fn compared_rows_say_each_field_before_and_after(app: TestApp) {
    // A row created: each of its fields, from nothing.
    let campaign = create_campaign(&app, json!({ "name": "Spring", "holdbackDays": 14 })).await;
    let created = changes_of(&app, "createCampaign").await;
    assert_eq!(
        change(&created, "name"),
        Some(&json!({ "field": "name", "before": null, "after": "Spring" }))
    );
    assert_eq!(
        change(&created, "holdbackDays"),
        Some(&json!({ "field": "holdbackDays", "before": null, "after": "14" }))
    );
    for hidden in ["id", "tenantId", "createdAt", "updatedAt"] {
        assert_eq!(change(&created, hidden), None, "{hidden}: {created}");
    }

    // A row changed: exactly the fields that changed.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { name: \"Summer\", holdbackDays: 30 }) { id } }",
        json!({ "id": campaign }),
    )
    .await;
    assert_eq!(
        changes_of(&app, "updateCampaign").await,
        json!([
            { "field": "holdbackDays", "before": "14", "after": "30" },
            { "field": "name", "before": "Spring", "after": "Summer" },
        ])
    );

    // An IBAN keeps its last 4, before and after.
    let account =
        |iban: &str| json!({ "input": { "payoutAccount": { "iban": iban, "name": "Acme GmbH" } } });
    let update = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { name } }";
    app.ok(&app.admin(), update, account("DE02 1203 0000 0000 2020 51"))
        .await;
    app.ok(&app.admin(), update, account("DE89 3704 0044 0532 0130 00"))
        .await;
    let entries = entries_of(&app, "updateTenant").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1]["object"],
        json!({ "kind": "Tenant", "id": TENANT, "node": { "id": TENANT } })
    );
    assert_eq!(
        entries[1]["changes"],
        json!([{ "field": "payoutAccountIban", "before": "…2051", "after": "…3000" }])
    );
    assert!(
        !entries[0]["changes"].to_string().contains("DE02"),
        "{}",
        entries[0]["changes"]
    );
    // A document's secrets are scrubbed too: the payer's sealed EIN.
    app.ok(
        &app.admin(),
        update,
        json!({ "input": { "taxPayer": { "legalName": "Acme Inc", "tin": "12-3456789", "phone": "5125550100",
            "address": { "line1": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701" } } } }),
    )
    .await;
    let payer = entries_of(&app, "updateTenant").await[2]["changes"].clone();
    let payer = change(&payer, "taxPayer")
        .expect("the payer changed")
        .to_string();
    assert!(payer.contains("Acme Inc"), "{payer}");
    assert!(payer.contains(r#"\"tinLast4\":\"6789\""#), "{payer}");
    assert!(
        !payer.contains("tinSealed") && !payer.contains("3456789"),
        "{payer}"
    );

    // A change to nothing says so: no fields.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { name: \"Summer\" }) { id } }",
        json!({ "id": campaign }),
    )
    .await;
    let updates = entries_of(&app, "updateCampaign").await;
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["changes"], json!([]));
}

async fn deal_events_write_an_entry_each(app: TestApp) {
    let p = pipeline(&app).await;
    create_plan(&app, reseller_plan(&p)).await;
    let partner = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "deal-1", "partnerId": partner, "name": "Big", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;

    // A move, queued for its batch: the batch writes the staff's entry.
    move_deal(&app, &deal, p.stage("Closed won"), "won-1").await;
    let moved = entries_of(&app, "moveDeal").await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0]["actor"]["kind"], "STAFF");
    assert_eq!(
        moved[0]["object"],
        json!({ "kind": "Deal", "id": deal, "node": { "id": deal } })
    );
    assert_eq!(moved[0]["ip"], "127.0.0.1");
    assert_eq!(
        moved[0]["changes"],
        json!([
            { "field": "externalId", "before": null, "after": "won-1" },
            { "field": "stageId", "before": null, "after": p.stage("Closed won") },
            { "field": "commissions", "before": null, "after": "100.00 USD" },
        ])
    );

    // A payment by a service token; its redelivery writes none.
    let pay = json!({ "input": { "dealId": deal, "amount": "200", "externalId": "pay-1" } });
    let service = app.service("deals:write");
    app.ok(&service, &pay_query(), pay.clone()).await;
    app.ok(&service, &pay_query(), pay).await;
    let paid = entries_of(&app, "recordDealPayment").await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["actor"]["kind"], "API_KEY");
    assert_eq!(
        paid[0]["changes"],
        json!([
            { "field": "externalId", "before": null, "after": "pay-1" },
            { "field": "payment", "before": null, "after": "200.00 USD" },
            { "field": "commissions", "before": null, "after": "16.00 USD" },
        ])
    );
    // The partner reads the entries about its deal.
    let own = activity(
        &app,
        &app.partner_token(&partner),
        json!({ "objectId": deal }),
    )
    .await;
    let actions: Vec<&str> = own["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["createDeal", "moveDeal", "recordDealPayment"]);
}

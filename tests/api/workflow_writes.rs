//! Workflows change partners through the writes staff use (SPEC §34,
//! §35): a workflow's move and tag keep the partner's history and write
//! an activity entry whose actor is the workflow (`WORKFLOW`, its id and
//! name), as its message and its bonus do; staff's `updatePartner` keeps
//! the same fields the same way. Changing a workflow needs what making it
//! needs: a `partners:write` key cannot turn on a workflow that pays.

use crate::helpers::{TestApp, code};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_workflows_move_and_tag_are_kept_as_staffs_are_with_the_workflow_as_actor,
    staffs_update_keeps_group_and_tags_in_history_and_the_log_alike,
    changing_a_workflow_needs_the_scopes_making_it_needs,
);

const WORKFLOW: &str =
    "mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id enabled } }";
const ENABLED: &str = "mutation($id: ID!, $on: Boolean!) { setWorkflowEnabled(id: $id, enabled: $on) { id enabled } }";
const ACTIVITY: &str = "query($filter: ActivityFilter) { activity(filter: $filter, first: 50) { \
    totalCount nodes { actor { kind id name } action object { kind id } \
    changes { field before after } requestId ip } } }";
const PARTNER: &str = "query($p: ID!) { partner(id: $p) { group { name } tags \
    history { field from to actor } commissions { nodes { id kind } } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdatePartnerInput!) { updatePartner(id: $id, input: $input) { id } }";

async fn activity(app: &TestApp, token: &str, filter: Value) -> Value {
    app.ok(token, ACTIVITY, json!({ "filter": filter })).await["activity"].clone()
}

fn rules() -> Value {
    json!([{ "recurring": { "percentage": 10 } }])
}

/// A `partnerApproved` workflow named `name` taking `action`.
fn made(name: &str, action: Value) -> Value {
    let trigger = json!({ "partnerApproved": true });
    json!({ "input": { "name": name, "trigger": trigger, "actions": [action] } })
}

async fn a_workflows_move_and_tag_are_kept_as_staffs_are_with_the_workflow_as_actor(app: TestApp) {
    let admin = app.admin();
    let starters = app.create_group("Starters", rules()).await;
    let stars = app.create_group("Stars", rules()).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": starters, "tags": ["early"] }))
        .await;
    let created = app
        .ok(
            &admin,
            WORKFLOW,
            json!({ "input": {
                "name": "First sale",
                "groupIds": [starters],
                "trigger": { "metricReached": { "metric": "SALES", "value": "1" } },
                "actions": [
                    { "moveToGroup": stars },
                    { "addTag": "star" },
                    { "sendMessage": "Welcome to the stars!" },
                    { "payBonus": { "amount": "25.00", "currency": "USD" } },
                ],
            } }),
        )
        .await["createWorkflow"]
        .clone();
    let workflow = created["id"].as_str().unwrap().to_owned();
    crate::support::sales::record(
        &app,
        json!({ "externalId": "s-1", "partnerId": ada, "customerExternalId": "c-1", "amount": "10.00" }),
    )
    .await;
    crate::support::sales::reacted(&app).await;

    // The partner as the workflow left it, its history naming the workflow.
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(read["group"]["name"], "Stars");
    assert_eq!(read["tags"], json!(["early", "star"]));
    let by = format!("workflow:{workflow}");
    assert_eq!(
        read["history"],
        json!([
            { "field": "group", "from": starters, "to": stars, "actor": by },
            { "field": "tags", "from": "early", "to": "early, star", "actor": by },
        ])
    );
    let bonus = read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "BONUS")
        .map(|c| c["id"].clone())
        .expect("the workflow's bonus");

    // One entry per action, the workflow the actor, found by its kind.
    let found = activity(&app, &admin, json!({ "actorKind": "WORKFLOW" })).await;
    assert_eq!(found["totalCount"], 4, "{found}");
    let entries = found["nodes"].as_array().unwrap();
    let actor = json!({ "kind": "WORKFLOW", "id": workflow, "name": "First sale" });
    for entry in entries {
        assert_eq!(entry["actor"], actor, "{entry}");
        assert_eq!(entry["requestId"], Value::Null);
        assert_eq!(entry["ip"], Value::Null);
    }
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["moveToGroup", "addTag", "sendMessage", "payBonus"]
    );
    assert_eq!(
        entries[0]["object"],
        json!({ "kind": "Partner", "id": ada })
    );
    assert_eq!(
        entries[0]["changes"],
        json!([{ "field": "group", "before": starters, "after": stars }])
    );
    assert_eq!(
        entries[1]["object"],
        json!({ "kind": "Partner", "id": ada })
    );
    assert_eq!(
        entries[1]["changes"],
        json!([{ "field": "tags", "before": "early", "after": "early, star" }])
    );
    assert_eq!(entries[2]["object"]["kind"], "Message");
    assert!(
        entries[2]["changes"].as_array().unwrap().contains(
            &json!({ "field": "body", "before": null, "after": "Welcome to the stars!" })
        ),
        "{}",
        entries[2]
    );
    assert_eq!(
        entries[3]["object"],
        json!({ "kind": "Commission", "id": bonus })
    );
    assert_eq!(
        entries[3]["changes"],
        json!([{ "field": "amount", "before": null, "after": "25.00 USD" }])
    );
    // By its id too.
    let by_id = activity(
        &app,
        &admin,
        json!({ "actorKind": "WORKFLOW", "actorId": workflow }),
    )
    .await;
    assert_eq!(by_id["totalCount"], 4);
    // The partner reads the entries about itself, the workflow by name.
    let own = activity(
        &app,
        &app.partner_token(&ada),
        json!({ "actorKind": "WORKFLOW" }),
    )
    .await;
    assert_eq!(own["totalCount"], 4);
    assert_eq!(own["nodes"][0]["actor"], actor);
}

async fn staffs_update_keeps_group_and_tags_in_history_and_the_log_alike(app: TestApp) {
    let admin = app.admin();
    let starters = app.create_group("Starters", rules()).await;
    let stars = app.create_group("Stars", rules()).await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": starters, "tags": ["early"] }))
        .await;
    app.ok(
        &admin,
        UPDATE,
        json!({ "id": bo, "input": { "groupId": stars, "tags": ["early", "star"] } }),
    )
    .await;
    let read = app.ok(&admin, PARTNER, json!({ "p": bo })).await["partner"].clone();
    assert_eq!(
        read["history"],
        json!([
            { "field": "group", "from": starters, "to": stars, "actor": "admin-of-acme" },
            { "field": "tags", "from": "early", "to": "early, star", "actor": "admin-of-acme" },
        ])
    );
    let updated = activity(&app, &admin, json!({ "action": "updatePartner" })).await;
    assert_eq!(updated["totalCount"], 1);
    assert_eq!(
        updated["nodes"][0]["actor"],
        json!({ "kind": "STAFF", "id": "admin-of-acme", "name": "admin-of-acme" })
    );
    assert_eq!(
        updated["nodes"][0]["changes"],
        json!([
            { "field": "group", "before": starters, "after": stars },
            { "field": "tags", "before": "early", "after": "early, star" },
        ])
    );
    // Every tag taken away: none after.
    app.ok(&admin, UPDATE, json!({ "id": bo, "input": { "tags": [] } }))
        .await;
    let updated = activity(&app, &admin, json!({ "action": "updatePartner" })).await;
    assert_eq!(
        updated["nodes"][1]["changes"],
        json!([{ "field": "tags", "before": "early, star", "after": null }])
    );
}

async fn changing_a_workflow_needs_the_scopes_making_it_needs(app: TestApp) {
    let admin = app.admin();
    let stars = app.create_group("Stars", rules()).await;
    let pays = app
        .ok(
            &admin,
            WORKFLOW,
            made(
                "Pays",
                json!({ "payBonus": { "amount": "1000.00", "currency": "EUR" } }),
            ),
        )
        .await["createWorkflow"]["id"]
        .clone();
    let moves = app
        .ok(
            &admin,
            WORKFLOW,
            made("Moves", json!({ "moveToGroup": stars })),
        )
        .await["createWorkflow"]["id"]
        .clone();
    let tags = app
        .ok(&admin, WORKFLOW, made("Tags", json!({ "addTag": "new" })))
        .await["createWorkflow"]["id"]
        .clone();
    for id in [&pays, &moves, &tags] {
        app.ok(&admin, ENABLED, json!({ "id": id, "on": false }))
            .await;
    }
    let enabled = async |id: &Value| {
        app.ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Workflow { enabled } } }",
            json!({ "id": id }),
        )
        .await["node"]["enabled"]
            .clone()
    };

    // A `partners:write` key makes neither, so it turns neither on nor off.
    let writer = app.service("partners:write");
    let refused = app
        .error(
            Some(&writer),
            WORKFLOW,
            made(
                "Pays too",
                json!({ "payBonus": { "amount": "1000.00", "currency": "EUR" } }),
            ),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    for on in [true, false] {
        let refused = app
            .error(Some(&writer), ENABLED, json!({ "id": pays, "on": on }))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
        assert_eq!(
            refused["message"], "requires the commissions:write scope",
            "{refused}"
        );
        let refused = app
            .error(Some(&writer), ENABLED, json!({ "id": moves, "on": on }))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
        assert_eq!(
            refused["message"], "requires the partner_groups:write scope",
            "{refused}"
        );
    }
    assert_eq!(enabled(&pays).await, false);
    assert_eq!(enabled(&moves).await, false);
    let refusals = activity(
        &app,
        &admin,
        json!({ "action": "setWorkflowEnabled", "actorKind": "API_KEY" }),
    )
    .await;
    assert_eq!(
        refusals["totalCount"], 0,
        "a refused change writes no entry"
    );
    // What it may make, it turns on.
    let on = app
        .ok(&writer, ENABLED, json!({ "id": tags, "on": true }))
        .await;
    assert_eq!(on["setWorkflowEnabled"]["enabled"], true);

    // The scopes that make one turn it on.
    let payer = app.service("partners:write commissions:write");
    app.ok(
        &payer,
        WORKFLOW,
        made(
            "Pays too",
            json!({ "payBonus": { "amount": "1000.00", "currency": "EUR" } }),
        ),
    )
    .await;
    let on = app
        .ok(&payer, ENABLED, json!({ "id": pays, "on": true }))
        .await;
    assert_eq!(on["setWorkflowEnabled"]["enabled"], true);
    let mover = app.service("partners:write partner_groups:write");
    let on = app
        .ok(&mover, ENABLED, json!({ "id": moves, "on": true }))
        .await;
    assert_eq!(on["setWorkflowEnabled"]["enabled"], true);
    assert_eq!(enabled(&pays).await, true);
    assert_eq!(enabled(&moves).await, true);
}

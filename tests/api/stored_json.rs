//! What is kept as JSON reads to its type or fails closed (SPEC §35, §31):
//! a broadcast whose stored audience does not read is sent to no one and
//! ends `FAILED` with why (the default audience is every active partner);
//! a workflow whose stored groups do not read acts on no one (the empty
//! list is every group); one whose stored actions do not read records its
//! run failed with why, having done nothing, and runs once repaired; a
//! performance bounty whose stored groups do not read awards no one. Each
//! field showing such a value answers `INTERNAL` rather than a default.

use crate::helpers::{TestApp, code};
use crate::on_both_databases;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    a_scheduled_broadcast_whose_audience_does_not_read_fails_and_reaches_no_one,
    a_workflow_whose_groups_do_not_read_acts_on_no_one,
    a_workflow_whose_actions_do_not_read_records_a_failed_run_and_runs_once_repaired,
    a_bounty_whose_groups_do_not_read_awards_no_one,
);

const BROADCAST: &str =
    "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id status } }";
const WORKFLOW: &str =
    "mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }";
const RUNS: &str = "query($id: ID!) { node(id: $id) { ... on Workflow { runs { edges { node { partner { id } failure outcomes { action done detail } } } } } } }";
const PARTNER: &str =
    "query($p: ID!) { partner(id: $p) { tags messages { edges { node { body } } } } }";
const BOUNTY: &str = "mutation($input: CreateBountyInput!) { createBounty(input: $input) { id } }";
const LEDGER: &str =
    "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { kind amount status } } }";
/// What corrupts a stored JSON value.
const UNREADABLE: &str = "not json";

/// Overwrites `column` of `table`'s row `id` with `value`, as corruption
/// would (ids are ULIDs: nothing to escape).
async fn overwrite(app: &TestApp, table: &str, column: &str, id: &str, value: &str) {
    let value = value.replace('\'', "''");
    app.db
        .conn()
        .execute_unprepared(&format!(
            "UPDATE {table} SET {column} = '{value}' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
}

/// The text of `column` of `table`'s row `id`.
async fn stored(app: &TestApp, table: &str, column: &str, id: &str) -> String {
    let sql = format!("SELECT {column} AS kept FROM {table} WHERE id = ?");
    let row = app
        .db
        .conn()
        .query_one_raw(revshare::db::statement(
            app.db.backend(),
            &sql,
            vec![id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "kept").unwrap()
}

fn id_of(data: &Value, root: &str) -> String {
    data[root]["id"].as_str().unwrap().to_owned()
}

async fn group_and_partner(app: &TestApp, name: &str) -> (String, String) {
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let partner = app
        .create_partner(json!({ "name": name, "groupId": group }))
        .await;
    (group, partner)
}

async fn sale(app: &TestApp, partner: &str, external_id: &str) {
    crate::support::sales::record(
        app,
        crate::support::sales::sale_input(partner, external_id, "100.00"),
    )
    .await;
    crate::support::sales::reacted(app).await;
}

async fn runs(app: &TestApp, workflow: &str) -> Value {
    app.ok(&app.admin(), RUNS, json!({ "id": workflow })).await["node"]["runs"]["edges"].clone()
}

async fn a_scheduled_broadcast_whose_audience_does_not_read_fails_and_reaches_no_one(app: TestApp) {
    let admin = app.admin();
    let (group, ann) = group_and_partner(&app, "Ann").await;
    let ben = app.create_partner(json!({ "name": "Ben" })).await;
    let now = revshare::db::now();
    let at = (now + chrono::Duration::hours(1)).to_rfc3339();
    let input = json!({ "input": { "subject": "Later", "body": "For the creators", "audience": { "groupIds": [group] }, "sendAt": at } });
    let made = app.ok(&admin, BROADCAST, input).await;
    assert_eq!(made["createBroadcast"]["status"], "SCHEDULED");
    let id = id_of(&made, "createBroadcast");
    overwrite(&app, "broadcasts", "audience", &id, UNREADABLE).await;

    // Due: read as no audience, never as the default (every active
    // partner, Ben too): sent to no one, and failed with why.
    let due = now + chrono::Duration::hours(2);
    let send_due = |at| revshare::messages::broadcasts::send_due(&app.db, at);
    assert_eq!(send_due(due).await.unwrap(), 0);
    let state = "query($id: ID!) { node(id: $id) { ... on Broadcast { status failure recipients delivered sentAt } } }";
    assert_eq!(
        app.ok(&admin, state, json!({ "id": id })).await["node"],
        json!({
            "status": "FAILED",
            "failure": "its stored audience could not be read: it was sent to no one",
            "recipients": null,
            "delivered": 0,
            "sentAt": null,
        })
    );
    for who in [&ann, &ben] {
        let read = app.ok(&admin, PARTNER, json!({ "p": who })).await;
        assert_eq!(read["partner"]["messages"]["edges"], json!([]), "{who}");
    }
    // Failed for good: not taken up again, not cancelable.
    assert_eq!(send_due(due).await.unwrap(), 0);
    let cancel = "mutation($id: ID!) { cancelBroadcast(id: $id) { status } }";
    let refused = app.error(Some(&admin), cancel, json!({ "id": id })).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    // Its audience is not made up when it is read either.
    let audience =
        "query($id: ID!) { node(id: $id) { ... on Broadcast { audience { groupIds } } } }";
    let unread = app.error(Some(&admin), audience, json!({ "id": id })).await;
    assert_eq!(code(&unread), "INTERNAL", "{unread}");
}

async fn a_workflow_whose_groups_do_not_read_acts_on_no_one(app: TestApp) {
    let admin = app.admin();
    let (group, ada) = group_and_partner(&app, "Ada").await;
    let workflow = |name: &str, tag: &str| {
        json!({ "input": {
            "name": name,
            "groupIds": [group],
            "trigger": { "metricReached": { "metric": "SALES", "value": "1" } },
            "actions": [{ "addTag": tag }, { "sendMessage": format!("{name} acted") }],
        } })
    };
    let broken = id_of(
        &app.ok(&admin, WORKFLOW, workflow("Broken", "broken")).await,
        "createWorkflow",
    );
    let whole = id_of(
        &app.ok(&admin, WORKFLOW, workflow("Whole", "whole")).await,
        "createWorkflow",
    );
    overwrite(&app, "workflows", "group_ids", &broken, UNREADABLE).await;

    // The sale reaches both metrics: the workflow that cannot say whom it
    // is for acts on no one (the empty list would be every group); the
    // other acts as ever.
    sale(&app, &ada, "s-1").await;
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await;
    assert_eq!(read["partner"]["tags"], json!(["whole"]));
    assert_eq!(
        read["partner"]["messages"]["edges"],
        json!([{ "node": { "body": "Whole acted" } }])
    );
    assert_eq!(runs(&app, &broken).await, json!([]));
    let message = read_detail(&app, &ada).await;
    assert_eq!(
        runs(&app, &whole).await,
        json!([{ "node": { "partner": { "id": ada }, "failure": null, "outcomes": [
            { "action": "ADD_TAG", "done": true, "detail": "tagged \"whole\"" },
            { "action": "SEND_MESSAGE", "done": true, "detail": message },
        ] } }])
    );
    // Read, its groups are an error, never "every group".
    let groups = "query($id: ID!) { node(id: $id) { ... on Workflow { groupIds } } }";
    let unread = app
        .error(Some(&admin), groups, json!({ "id": broken }))
        .await;
    assert_eq!(code(&unread), "INTERNAL", "{unread}");
}

/// The detail of a `sendMessage` outcome: the id of the partner's one
/// message.
async fn read_detail(app: &TestApp, partner: &str) -> String {
    let query = "query($p: ID!) { partner(id: $p) { messages { edges { node { id } } } } }";
    let read = app.ok(&app.admin(), query, json!({ "p": partner })).await;
    let id = read["partner"]["messages"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    format!("message {id}")
}

async fn a_workflow_whose_actions_do_not_read_records_a_failed_run_and_runs_once_repaired(
    app: TestApp,
) {
    let admin = app.admin();
    let (_, ada) = group_and_partner(&app, "Ada").await;
    let input = json!({ "input": {
        "name": "First sale",
        "trigger": { "metricReached": { "metric": "SALES", "value": "1" } },
        "actions": [{ "addTag": "first" }],
    } });
    let workflow = id_of(&app.ok(&admin, WORKFLOW, input).await, "createWorkflow");
    let kept = stored(&app, "workflows", "actions", &workflow).await;
    overwrite(
        &app,
        "workflows",
        "actions",
        &workflow,
        r#"[{"action":"pay"#,
    )
    .await;

    // Its actions cannot be read: none is taken, and the run says why.
    let failed = json!([{ "node": {
        "partner": { "id": ada },
        "failure": "the workflow's stored actions could not be read: none was taken",
        "outcomes": [],
    } }]);
    sale(&app, &ada, "s-1").await;
    assert_eq!(runs(&app, &workflow).await, failed);
    let tags = |read: Value| read["partner"]["tags"].clone();
    assert_eq!(
        tags(app.ok(&admin, PARTNER, json!({ "p": ada })).await),
        json!([])
    );
    // Still unreadable at the next sale: tried again, failed again, one run.
    sale(&app, &ada, "s-2").await;
    assert_eq!(runs(&app, &workflow).await, failed);

    // Repaired: the failed run kept the partner from nothing.
    overwrite(&app, "workflows", "actions", &workflow, &kept).await;
    sale(&app, &ada, "s-3").await;
    let ran = json!([{ "node": {
        "partner": { "id": ada },
        "failure": null,
        "outcomes": [{ "action": "ADD_TAG", "done": true, "detail": "tagged \"first\"" }],
    } }]);
    assert_eq!(runs(&app, &workflow).await, ran);
    assert_eq!(
        tags(app.ok(&admin, PARTNER, json!({ "p": ada })).await),
        json!(["first"])
    );
    // Once per partner still.
    sale(&app, &ada, "s-4").await;
    assert_eq!(runs(&app, &workflow).await, ran);
}

async fn a_bounty_whose_groups_do_not_read_awards_no_one(app: TestApp) {
    let admin = app.admin();
    let (group, ada) = group_and_partner(&app, "Ada").await;
    let bounty = |name: &str, reward: &str| {
        json!({ "input": {
            "name": name,
            "groupIds": [group],
            "type": "PERFORMANCE",
            "reward": { "amount": reward, "currency": "USD" },
            "startsAt": "2020-01-01T00:00:00Z",
            "goal": { "metric": "COMMISSION_AMOUNT", "value": "10" },
        } })
    };
    let broken = id_of(
        &app.ok(&admin, BOUNTY, bounty("Broken", "50.00")).await,
        "createBounty",
    );
    app.ok(&admin, BOUNTY, bounty("Whole", "20.00")).await;
    overwrite(&app, "bounties", "group_ids", &broken, UNREADABLE).await;

    // 10.00 earned reaches both goals: only the bounty whose groups read
    // pays.
    sale(&app, &ada, "s-1").await;
    let ledger = app.ok(&admin, LEDGER, json!({ "p": ada })).await;
    let bounties: Vec<&Value> = ledger["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == "BOUNTY")
        .collect();
    assert_eq!(
        bounties,
        [&json!({ "kind": "BOUNTY", "amount": "20.00", "status": "ACCRUED" })]
    );
    // Read, its groups are an error, never "no group" made up.
    let groups = "query($id: ID!) { bounty(id: $id) { groupIds } }";
    let unread = app
        .error(Some(&admin), groups, json!({ "id": broken }))
        .await;
    assert_eq!(code(&unread), "INTERNAL", "{unread}");
}

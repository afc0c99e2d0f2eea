//! What reacts to a sale runs after it (SPEC §35): a `metricReached`
//! workflow and a performance bounty act from the sale's events once it
//! has committed, exactly once per (workflow or bounty, partner) whatever
//! crashes between; a reaction that cannot act leaves the sale recorded
//! and its run failed with why; a workflow counts from when it begins
//! unless its maker says otherwise.

use crate::helpers::{Backend, Replica, TestApp};
use crate::{on_both_databases, on_both_databases_with};
use revshare::http::Options;
use serde_json::{Value, json};

on_both_databases!(
    a_workflow_counts_what_happens_after_it_begins_unless_its_maker_says_otherwise,
    a_run_that_cannot_act_leaves_the_sale_recorded_and_fails_with_why,
);

on_both_databases_with!(
    no_reactions;
    a_kill_right_after_the_sale_leaves_one_bonus_move_tag_and_message,
);

const WORKFLOW: &str = "mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id trigger { metricReached { from } } } }";
const RUNS: &str = "query($id: ID!) { node(id: $id) { ... on Workflow { runs { edges { node { partner { id } failure outcomes { action done } } } } } } }";
const PARTNER: &str = "query($p: ID!) { partner(id: $p) { group { name } tags \
    messages { edges { node { body } } } commissions { nodes { kind amount } } } }";

/// The app's options with every job on but the reactions: another
/// process reacts.
fn no_reactions() -> Options {
    Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        jobs: revshare::jobs::Jobs::all().without(&[revshare::jobs::Job::Reactions]),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

fn rules() -> Value {
    json!([{ "recurring": { "percentage": 10 } }])
}

async fn sale(app: &TestApp, partner: &str, id: &str) {
    crate::support::sales::record(
        app,
        crate::support::sales::sale_input(partner, id, "100.00"),
    )
    .await;
}

async fn runs(app: &TestApp, workflow: &str) -> Value {
    app.ok(&app.admin(), RUNS, json!({ "id": workflow })).await["node"]["runs"]["edges"].clone()
}

fn tagging(name: &str, from: Option<&str>, tag: &str) -> Value {
    let mut metric = json!({ "metric": "SALES", "value": "2" });
    if let Some(from) = from {
        metric["from"] = json!(from);
    }
    json!({ "input": { "name": name, "trigger": { "metricReached": metric }, "actions": [{ "addTag": tag }] } })
}

async fn a_workflow_counts_what_happens_after_it_begins_unless_its_maker_says_otherwise(
    app: TestApp,
) {
    let admin = app.admin();
    let group = app.create_group("Starters", rules()).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    // Two sales before any workflow.
    sale(&app, &ada, "s-1").await;
    sale(&app, &ada, "s-2").await;
    let before = chrono::Utc::now();
    let new = app
        .ok(&admin, WORKFLOW, tagging("From now", None, "new"))
        .await["createWorkflow"]
        .clone();
    let made_at = new["trigger"]["metricReached"]["from"].as_str().unwrap();
    let made_at = chrono::DateTime::parse_from_rfc3339(made_at).unwrap();
    assert!(
        made_at >= before,
        "it counts from when it was made: {made_at}"
    );
    let history = app
        .ok(
            &admin,
            WORKFLOW,
            tagging("With history", Some("2020-01-01T00:00:00Z"), "all"),
        )
        .await["createWorkflow"]
        .clone();
    assert_eq!(
        history["trigger"]["metricReached"]["from"],
        "2020-01-01T00:00:00Z"
    );
    // The third sale: three since 2020, one since the first workflow.
    sale(&app, &ada, "s-3").await;
    crate::support::sales::reacted(&app).await;
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await;
    assert_eq!(read["partner"]["tags"], json!(["all"]));
    assert_eq!(runs(&app, new["id"].as_str().unwrap()).await, json!([]));
    // The fourth: two since it began.
    sale(&app, &ada, "s-4").await;
    crate::support::sales::reacted(&app).await;
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await;
    assert_eq!(read["partner"]["tags"], json!(["all", "new"]));
}

/// Makes the database refuse every new message, as a full disk or a
/// broken constraint would refuse a write.
async fn refuse_messages(app: &TestApp, refuse: bool) {
    use sea_orm::ConnectionTrait;
    let statements: &[&str] = match (app.backend, refuse) {
        (Backend::Sqlite, true) => &[
            "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        (Backend::Sqlite, false) => &["DROP TRIGGER refuse_messages"],
        (Backend::Postgres, true) => &[
            "CREATE FUNCTION refuse_messages() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_messages()",
        ],
        (Backend::Postgres, false) => &["DROP TRIGGER refuse_messages ON messages"],
    };
    for sql in statements {
        app.db.conn().execute_unprepared(sql).await.unwrap();
    }
}

/// Ada, in a group "Starters", and the group "Stars" a workflow moves
/// her to: (stars, ada).
async fn ada_and_the_stars(app: &TestApp) -> (String, String) {
    let starters = app.create_group("Starters", rules()).await;
    let stars = app.create_group("Stars", rules()).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": starters }))
        .await;
    (stars, ada)
}

async fn a_run_that_cannot_act_leaves_the_sale_recorded_and_fails_with_why(app: TestApp) {
    let admin = app.admin();
    let (stars, ada) = ada_and_the_stars(&app).await;
    let input = json!({ "input": {
        "name": "First sale",
        "trigger": { "metricReached": { "metric": "SALES", "value": "1" } },
        "actions": [
            { "moveToGroup": stars },
            { "payBonus": { "amount": "25.00", "currency": "USD" } },
            { "sendMessage": "Welcome to the stars!" },
        ],
    } });
    let workflow = app.ok(&admin, WORKFLOW, input).await["createWorkflow"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    refuse_messages(&app, true).await;
    // The sale is recorded and earns its commission; the run cannot send
    // its message, so it keeps neither the move nor the bonus.
    let recorded = crate::support::sales::record(
        &app,
        crate::support::sales::sale_input(&ada, "s-1", "100.00"),
    )
    .await;
    assert_eq!(recorded["commissions"][0]["amount"], "10.00");
    crate::support::sales::reacted(&app).await;
    assert_eq!(
        runs(&app, &workflow).await,
        json!([{ "node": { "partner": { "id": ada }, "outcomes": [],
            "failure": "an action could not be taken, so none was: the run is tried again the next time the workflow is due for the partner" } }])
    );
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(read["group"]["name"], "Starters");
    assert_eq!(read["messages"]["edges"], json!([]));
    assert_eq!(
        read["commissions"]["nodes"],
        json!([{ "kind": "COMMISSION", "amount": "10.00" }])
    );
    let log = app
        .ok(
            &admin,
            "query { activity(filter: { actorKind: WORKFLOW }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(log["activity"]["totalCount"], 0);

    // The database takes messages again: the next sale runs it, whole.
    refuse_messages(&app, false).await;
    sale(&app, &ada, "s-2").await;
    crate::support::sales::reacted(&app).await;
    let ran = runs(&app, &workflow).await;
    assert_eq!(ran[0]["node"]["failure"], Value::Null, "{ran}");
    assert_eq!(
        ran[0]["node"]["outcomes"],
        json!([
            { "action": "MOVE_TO_GROUP", "done": true },
            { "action": "PAY_BONUS", "done": true },
            { "action": "SEND_MESSAGE", "done": true },
        ])
    );
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(read["group"]["name"], "Stars");
}

async fn a_kill_right_after_the_sale_leaves_one_bonus_move_tag_and_message(app: TestApp) {
    let admin = app.admin();
    let (stars, ada) = ada_and_the_stars(&app).await;
    let input = json!({ "input": {
        "name": "Three sales",
        "trigger": { "metricReached": { "metric": "SALES", "value": "3" } },
        "actions": [
            { "moveToGroup": stars },
            { "addTag": "star" },
            { "sendMessage": "Three sales!" },
            { "payBonus": { "amount": "25.00", "currency": "USD" } },
        ],
    } });
    app.ok(&admin, WORKFLOW, input).await;
    let replica = Replica::start(&app.url, &[]).await;
    let record =
        "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { error { code } } }";
    let sales: Vec<Value> = (1..=3)
        .map(|i| crate::support::sales::sale_input(&ada, &format!("s-{i}"), "100.00"))
        .collect();
    let answer: Value = app
        .client
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(&admin)
        .json(&json!({ "query": record, "variables": { "input": sales } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    // Killed (as `kill -9` does) the moment the sale that crosses the
    // metric is answered: its reaction done, under way or not begun.
    drop(replica);

    let next = Replica::start(&app.url, &[]).await;
    crate::support::sales::reacted(&app).await;
    let read = app.ok(&admin, PARTNER, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(read["group"]["name"], "Stars");
    assert_eq!(read["tags"], json!(["star"]));
    assert_eq!(
        read["messages"]["edges"],
        json!([{ "node": { "body": "Three sales!" } }])
    );
    let mut kinds: Vec<String> = read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["kind"].as_str().unwrap(),
                c["amount"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "BONUS 25.00",
            "COMMISSION 10.00",
            "COMMISSION 10.00",
            "COMMISSION 10.00"
        ]
    );
    drop(next);
}

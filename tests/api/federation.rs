//! revshare as a subgraph of a supergraph (SPEC §27): the Federation 2 SDL
//! at `_service { sdl }` and `revshare schema --federation`, entities
//! resolved by key in one statement per type and shown exactly as
//! `node(id:)` shows them, and Apollo's own composition and gateway over
//! revshare and a second subgraph that extends `Partner`.

use crate::helpers::{TestApp, code};
use crate::on_both_databases_with;
use revshare::http::Options;
use serde_json::{Value, json};

on_both_databases_with!(
    counting;
    entities_resolve_in_one_statement_per_type_as_node_shows_them,
);

on_both_databases_with!(
    counting;
    the_subgraph_sdl_is_federation_2_with_its_entities_keys,
    the_entities_query_in_the_docs_runs_as_written,
);

/// Loaders wait long enough that a batch is never split by the OS
/// preempting a resolver: statements are counted.
/// Loaders that wait long enough never to split a batch, and no job: the
/// statements counted are the request's alone (the jobs woken by the
/// setup's sales would read the log meanwhile).
fn counting() -> Options {
    let mut options = Options::new(std::time::Duration::from_millis(250));
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.jobs = revshare::jobs::Jobs::none();
    options
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { \
    __typename \
    ... on Partner { id name externalId } \
    ... on Commission { id amount } \
    ... on Customer { externalId } \
    ... on Campaign { id name } } }";

async fn the_subgraph_sdl_is_federation_2_with_its_entities_keys(app: TestApp) {
    let sdl = app
        .ok(&app.admin(), "{ _service { sdl } }", json!({}))
        .await["_service"]["sdl"]
        .as_str()
        .unwrap()
        .to_owned();
    // What `revshare schema --federation` prints, for rover to publish.
    assert_eq!(sdl, revshare::graphql::federation_sdl());
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
        .args(["schema", "--federation"])
        .env_remove("REVSHARE_DATABASE_URL")
        .output()
        .expect("revshare schema --federation");
    assert!(printed.status.success());
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), sdl);
    assert!(
        sdl.contains("@link(\n\turl: \"https://specs.apollo.dev/federation/v2.5\""),
        "{}",
        &sdl[sdl.len() - 600..]
    );
    for key in [
        "type Partner implements Node @key(fields: \"id\") @key(fields: \"externalId\") {",
        "type Customer implements Node @key(fields: \"externalId\") {",
        "type Commission implements Node @key(fields: \"id\") {",
        "type Campaign implements Node @key(fields: \"id\") {",
    ] {
        assert!(sdl.contains(key), "{key}");
    }
    // The directly used schema keeps its fields; a subgraph adds only the
    // federation's own two.
    let plain = revshare::graphql::sdl();
    assert!(plain.contains("_entities(representations: [_Any!]!): [_Entity]!"));
    assert!(
        !sdl.contains("_entities("),
        "the subgraph SDL leaves the federation's fields out"
    );
}

async fn entities_resolve_in_one_statement_per_type_as_node_shows_them(app: TestApp) {
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let mut partners = Vec::new();
    for n in 1..=6 {
        let id = app
            .create_partner(json!({ "name": format!("P{n}"), "externalId": format!("crm-{n}"), "groupId": group }))
            .await;
        partners.push(id);
    }
    let mut commissions = Vec::new();
    for (n, partner) in partners.iter().enumerate() {
        let input = crate::support::sales::sale_input(partner, &format!("s-{n}"), "100");
        commissions.push(crate::support::sales::commission_id(&app, input).await);
    }
    for (n, partner) in partners.iter().enumerate() {
        app.ok(
            &app.service("events:write"),
            "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }",
            json!({ "input": { "customerExternalId": format!("cust-{n}"), "partnerId": partner } }),
        )
        .await;
    }
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Spring", "visibility": "INVITE_ONLY" }),
    )
    .await;
    let representations = |count: usize| -> Vec<Value> {
        let mut r = Vec::new();
        for n in 0..count {
            r.push(json!({ "__typename": "Partner", "id": partners[n] }));
            r.push(json!({ "__typename": "Partner", "externalId": format!("crm-{}", n + 1) }));
            r.push(json!({ "__typename": "Commission", "id": commissions[n] }));
            r.push(json!({ "__typename": "Customer", "externalId": format!("cust-{n}") }));
        }
        r.push(json!({ "__typename": "Campaign", "id": campaign }));
        r
    };
    // Two of each, then six of each: the same statements (the entities'
    // own fields: a relation of theirs is its own loader's, counted where
    // that loader is).
    let admin = app.admin();
    let before = app.statements();
    let few = app
        .ok(&admin, ENTITIES, json!({ "r": representations(2) }))
        .await;
    let few_statements = app.statements() - before;
    let before = app.statements();
    let many = app
        .ok(&admin, ENTITIES, json!({ "r": representations(6) }))
        .await;
    let many_statements = app.statements() - before;
    assert_eq!(
        few_statements, many_statements,
        "one statement per type, whatever the count"
    );
    assert_eq!(few["_entities"].as_array().unwrap().len(), 9);
    let all = many["_entities"].as_array().unwrap();
    assert_eq!(all.len(), 25);
    assert_eq!(
        all[0],
        json!({ "__typename": "Partner", "id": partners[0], "name": "P1", "externalId": "crm-1" })
    );
    assert_eq!(all[1], all[0], "by id and by externalId, one partner");
    assert_eq!(
        all[2],
        json!({ "__typename": "Commission", "id": commissions[0], "amount": "10.00" })
    );
    assert_eq!(
        all[3],
        json!({ "__typename": "Customer", "externalId": "cust-0" })
    );
    assert_eq!(
        all[24],
        json!({ "__typename": "Campaign", "id": campaign, "name": "Spring" })
    );

    // A partner token resolves its own rows only: another's is null, as
    // node(id:) answers it.
    let own = app.partner_token(&partners[0]);
    let seen = app
        .ok(&own, ENTITIES, json!({ "r": representations(2) }))
        .await["_entities"]
        .clone();
    let typename = |v: &Value| v["__typename"].as_str().map(str::to_owned);
    let shown: Vec<Option<String>> = seen.as_array().unwrap().iter().map(typename).collect();
    let expected: Vec<Option<String>> = [
        Some("Partner"),
        Some("Partner"),
        Some("Commission"),
        Some("Customer"),
        None,
        None,
        None,
        None,
        None,
    ]
    .iter()
    .map(|t| t.map(str::to_owned))
    .collect();
    // The campaign: invite only, and the partner is not in it.
    assert_eq!(shown, expected, "{seen}");
    for (n, id) in [&partners[1], &commissions[1]].iter().enumerate() {
        let node = app
            .ok(
                &own,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"], Value::Null, "node {n} agrees");
    }
    // `deals:read` finds a deal's commissions alone: a sale's resolves to
    // null, as `commission(id:)` and `node(id:)` answer it.
    let deals = app.service("deals:read");
    let sale = json!([{ "__typename": "Commission", "id": commissions[0] }]);
    let seen = app.ok(&deals, ENTITIES, json!({ "r": sale })).await;
    assert_eq!(seen["_entities"], json!([null]));
    let by_id = "query($id: ID!) { commission(id: $id) { id } node(id: $id) { id } }";
    let seen = app.ok(&deals, by_id, json!({ "id": commissions[0] })).await;
    assert_eq!(seen, json!({ "commission": null, "node": null }));
    // A token of another tenant resolves nothing of this one.
    let stranger = app.admin_of(crate::helpers::OTHER_TENANT);
    let seen = app
        .ok(&stranger, ENTITIES, json!({ "r": representations(1) }))
        .await["_entities"]
        .clone();
    assert!(
        seen.as_array().unwrap().iter().all(Value::is_null),
        "{seen}"
    );
    let error = app
        .error(None, ENTITIES, json!({ "r": representations(1) }))
        .await;
    assert_eq!(code(&error), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_composes_revshare_with_another_subgraph_and_keeps_its_rules() {
    let app = TestApp::spawn_with_options(
        crate::helpers::Backend::Sqlite,
        revshare::auth::jwt::Keys::hs256(crate::helpers::SECRET),
        counting(),
    )
    .await
    .unwrap();
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ann = app
        .create_partner(json!({ "name": "Ann", "externalId": "crm-ann", "groupId": group }))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "externalId": "crm-bob", "groupId": group }))
        .await;
    crate::support::sales::commission_id(
        &app,
        crate::support::sales::sale_input(&ann, "a-1", "250"),
    )
    .await;
    crate::support::sales::commission_id(
        &app,
        crate::support::sales::sale_input(&bob, "b-1", "100"),
    )
    .await;
    let crossing = "{ partners(first: 10) { nodes { name externalId crmOwner commissions(first: 5) { nodes { amount status } } } } }";
    let plan = json!({
        "base": format!("http://{}", app.addr),
        "admin": app.admin(),
        "owners": { "crm-ann": "Dana Whitfield", "crm-bob": "Eli Brandt" },
        "queries": {
            "admin": { "query": crossing, "token": app.admin() },
            "partner": { "query": crossing, "token": app.partner_token(&ann) },
            "anonymous": { "query": crossing },
            "refused": { "query": "mutation { createPartner(input: { name: \"\" }) { id } }", "token": app.admin() },
        },
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    std::fs::write(&file, plan.to_string()).unwrap();
    let report = crate::support::browser::node("federation.mjs", &[file.to_str().unwrap()]).await;
    assert_eq!(report["composition"], json!([]), "{report}");
    assert_eq!(report["supergraphHasCrmOwner"], true);
    let answers = &report["answers"];
    // Crossing both subgraphs, exactly.
    assert_eq!(
        answers["admin"],
        json!({ "data": { "partners": { "nodes": [
            { "name": "Ann", "externalId": "crm-ann", "crmOwner": "Dana Whitfield",
              "commissions": { "nodes": [{ "amount": "25.00", "status": "ACCRUED" }] } },
            { "name": "Bob", "externalId": "crm-bob", "crmOwner": "Eli Brandt",
              "commissions": { "nodes": [{ "amount": "10.00", "status": "ACCRUED" }] } },
        ] } } })
    );
    // The caller's token went through: a partner sees its own rows only.
    assert_eq!(
        answers["partner"],
        json!({ "data": { "partners": { "nodes": [
            { "name": "Ann", "externalId": "crm-ann", "crmOwner": "Dana Whitfield",
              "commissions": { "nodes": [{ "amount": "25.00", "status": "ACCRUED" }] } },
        ] } } })
    );
    // Errors keep their codes through the gateway.
    assert_eq!(
        answers["anonymous"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{}",
        answers["anonymous"]
    );
    assert_eq!(
        answers["refused"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{}",
        answers["refused"]
    );
    assert_eq!(
        answers["refused"]["errors"][0]["extensions"]["field"], "input.name",
        "{}",
        answers["refused"]
    );
}

async fn the_entities_query_in_the_docs_runs_as_written(app: TestApp) {
    let operations = crate::support::guides::operations("docs/federation.md");
    assert_eq!(operations.len(), 1, "the guide's one query");
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ann = app
        .create_partner(json!({ "name": "Ann", "externalId": "crm-ann", "groupId": group }))
        .await;
    let commission = crate::support::sales::commission_id(
        &app,
        crate::support::sales::sale_input(&ann, "a-1", "250"),
    )
    .await;
    let representations = json!([
        { "__typename": "Partner", "externalId": "crm-ann" },
        { "__typename": "Commission", "id": commission },
    ]);
    let answer = app
        .ok(
            &app.admin(),
            &operations[0],
            json!({ "representations": representations }),
        )
        .await;
    assert_eq!(
        answer["_entities"],
        json!([
            { "id": ann, "name": "Ann", "externalId": "crm-ann" },
            { "id": commission, "amount": "25.00", "status": "ACCRUED" },
        ])
    );
}

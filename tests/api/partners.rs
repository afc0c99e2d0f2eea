//! Partners and categories, their filters, and the DataLoaders behind
//! `Partner.group`, `Partner.categories` and `PartnerGroup.partners`.

use crate::helpers::{Backend, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::partners::enroll;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

const NESTED: &str =
    "{ partners(first: 50) { nodes { group { name rules { type } } categories { name } } } }";

on_both_databases!(
    a_partner_without_a_group_is_in_the_default_group,
    a_partner_is_updated_and_its_fields_cleared,
    partner_validations_name_the_field_and_write_nothing,
    partners_are_filtered_by_group_status_type_and_search,
    categories_are_created_listed_and_attached,
    the_nested_partners_query_runs_the_same_statements_for_5_and_50,
    terms_in_force_for_a_page_of_partners_runs_the_same_statements_for_5_and_50,
    group_partners_and_counts_resolve_in_batches,
    concurrent_mutations_all_succeed,
    a_page_read_by_column_answers_as_whole_rows_do,
    a_changed_group_is_read_changed_at_once_and_after_another_process_changes_it,
);

async fn a_partner_without_a_group_is_in_the_default_group(app: TestApp) {
    let data = app
        .ok(
            &app.admin(),
            r#"mutation { createPartner(input: { name: "Northwind", email: "hi@northwind.example", externalId: "NW-1" }) { name email externalId type status group { name isDefault } categories { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["createPartner"],
        json!({ "name": "Northwind", "email": "hi@northwind.example", "externalId": "NW-1", "type": "REFERRAL",
                "status": "ACTIVE", "group": { "name": "Default", "isDefault": true }, "categories": [] })
    );
}

async fn a_partner_is_updated_and_its_fields_cleared(app: TestApp) {
    let gold = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 20 } }]))
        .await;
    let id = app
        .create_partner(
            json!({ "name": "P", "email": "p@p.example", "groupId": gold, "type": "RESELLER" }),
        )
        .await;
    let update = "mutation($id: ID!, $input: UpdatePartnerInput!) { updatePartner(id: $id, input: $input) { name email type status group { name } } }";
    let data = app
        .ok(&app.admin(), update, json!({ "id": id, "input": { "name": "P2", "status": "SUSPENDED", "type": "DISTRIBUTOR" } }))
        .await;
    assert_eq!(
        data["updatePartner"],
        json!({ "name": "P2", "email": "p@p.example", "type": "DISTRIBUTOR", "status": "SUSPENDED", "group": { "name": "Gold" } })
    );
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "id": id, "input": { "email": null, "groupId": null } }),
        )
        .await;
    assert_eq!(
        data["updatePartner"],
        json!({ "name": "P2", "email": null, "type": "DISTRIBUTOR", "status": "SUSPENDED", "group": { "name": "Default" } })
    );
    let error = app
        .error(
            Some(&app.admin()),
            update,
            json!({ "id": "01J00000000000000000000000", "input": { "name": "X" } }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
}

async fn partner_validations_name_the_field_and_write_nothing(app: TestApp) {
    app.create_partner(json!({ "name": "Taken", "externalId": "EXT-1" }))
        .await;
    let mutation = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }";
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (
            json!({ "name": "A", "email": "not-an-email" }),
            "input.email",
        ),
        (
            json!({ "name": "A", "email": "a b@c.example" }),
            "input.email",
        ),
        (
            json!({ "name": "A", "externalId": "EXT-1" }),
            "input.externalId",
        ),
        (
            json!({ "name": "A", "groupId": "01J00000000000000000000000" }),
            "input.groupId",
        ),
        (
            json!({ "name": "A", "categoryIds": ["01J00000000000000000000000"] }),
            "input.categoryIds[0]",
        ),
    ];
    for (input, expected) in cases {
        let error = app
            .error(Some(&app.admin()), mutation, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{error}"
        );
    }
    let error = app
        .error(
            Some(&app.admin()),
            mutation,
            json!({ "input": { "name": "A", "type": "AFFILIATE" } }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    let data = app
        .ok(&app.admin(), "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(data["partners"]["totalCount"], 1);
}

async fn partners_are_filtered_by_group_status_type_and_search(app: TestApp) {
    let gold = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 20 } }]))
        .await;
    app.create_partner(json!({ "name": "Alpha Agency", "groupId": gold, "type": "RESELLER" }))
        .await;
    app.create_partner(json!({ "name": "Beta", "email": "sales@alpha.example" }))
        .await;
    app.create_partner(
        json!({ "name": "Gamma", "status": "ARCHIVED", "groupId": gold, "externalId": "G_1" }),
    )
    .await;
    app.create_partner(json!({ "name": "Delta 100%", "type": "RESELLER" }))
        .await;
    let names = |data: &Value| -> Vec<String> {
        data["partners"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let query = "query($g: ID, $s: PartnerStatus, $t: PartnerType, $q: String) { partners(groupId: $g, status: $s, type: $t, search: $q) { totalCount nodes { name } } }";
    let admin = app.admin();
    let run = |vars: Value| app.ok(&admin, query, vars);
    let data = run(json!({ "g": gold })).await;
    assert_eq!(names(&data), vec!["Alpha Agency", "Gamma"]);
    assert_eq!(data["partners"]["totalCount"], 2);
    assert_eq!(names(&run(json!({ "s": "ARCHIVED" })).await), vec!["Gamma"]);
    assert_eq!(
        names(&run(json!({ "t": "RESELLER" })).await),
        vec!["Alpha Agency", "Delta 100%"]
    );
    assert_eq!(
        names(&run(json!({ "g": gold, "t": "RESELLER" })).await),
        vec!["Alpha Agency"]
    );
    assert_eq!(
        names(&run(json!({ "q": "ALPHA" })).await),
        vec!["Alpha Agency", "Beta"]
    );
    assert_eq!(names(&run(json!({ "q": "g_1" })).await), vec!["Gamma"]);
    assert_eq!(names(&run(json!({ "q": "0%" })).await), vec!["Delta 100%"]);
    assert!(names(&run(json!({ "q": "_" })).await).contains(&"Gamma".to_owned()));
    let error = app
        .error(Some(&app.admin()), query, json!({ "q": "x".repeat(201) }))
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "search"));
}

async fn categories_are_created_listed_and_attached(app: TestApp) {
    let create = "mutation($n: String!) { createCategory(input: { name: $n }) { id name } }";
    let saas = app.ok(&app.admin(), create, json!({ "n": "SaaS" })).await["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agency =
        app.ok(&app.admin(), create, json!({ "n": "Agency" })).await["createCategory"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let error = app
        .error(Some(&app.admin()), create, json!({ "n": "SaaS" }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.name")
    );

    let data = app
        .ok(
            &app.admin(),
            "{ categories { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["categories"],
        json!({ "totalCount": 2, "nodes": [{ "name": "SaaS" }, { "name": "Agency" }] })
    );

    let id = app
        .create_partner(json!({ "name": "P", "categoryIds": [saas, agency, saas] }))
        .await;
    let query = "query($id: ID!) { partner(id: $id) { categories { name } } }";
    let data = app.ok(&app.admin(), query, json!({ "id": id })).await;
    assert_eq!(
        data["partner"]["categories"],
        json!([{ "name": "Agency" }, { "name": "SaaS" }])
    );
    app.ok(
        &app.admin(),
        "mutation($id: ID!, $c: [ID!]) { updatePartner(id: $id, input: { categoryIds: $c }) { id } }",
        json!({ "id": id, "c": [saas] }),
    )
    .await;
    let data = app.ok(&app.admin(), query, json!({ "id": id })).await;
    assert_eq!(data["partner"]["categories"], json!([{ "name": "SaaS" }]));
}

async fn terms_in_force_for_a_page_of_partners_runs_the_same_statements_for_5_and_50(app: TestApp) {
    let mut counts = Vec::new();
    for n in [5, 50] {
        let app = TestApp::spawn_counting(app.backend).await.unwrap();
        populate(&app, n).await;
        let campaign = create_campaign(&app, json!({ "name": "Held", "holdbackDays": 7, "rules": [{ "recurring": { "percentage": 9 } }] })).await;
        let data = app
            .ok(
                &app.admin(),
                "{ partners(first: 50) { nodes { id } } }",
                json!({}),
            )
            .await;
        // Every other partner joins, and so holds a snapshot of the terms.
        for node in data["partners"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .step_by(2)
        {
            enroll(&app, node["id"].as_str().unwrap(), &campaign).await;
        }
        let query = format!(
            "{{ partners(first: 50) {{ nodes {{ name default: termsInForce {{ rulesSource rules {{ type }} }} held: termsInForce(campaignId: \"{campaign}\") {{ rulesSource holdbackDays holdbackSource }} }} }} }}"
        );
        let (statements, data) = statements_of(&app, &query).await;
        let nodes = data["partners"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        assert_eq!(
            nodes[1]["default"],
            json!({ "rulesSource": "GROUP", "rules": [{ "type": "RECURRING" }, { "type": "FLAT_FEE" }] })
        );
        assert_eq!(
            nodes[0]["held"],
            json!({ "rulesSource": "SNAPSHOT", "holdbackDays": 7, "holdbackSource": "SNAPSHOT" })
        );
        assert_eq!(
            nodes[1]["held"],
            json!({ "rulesSource": "CAMPAIGN", "holdbackDays": 7, "holdbackSource": "CAMPAIGN" })
        );
        counts.push(statements);
    }
    // The page, the default campaign, the campaign, the snapshots, the groups.
    assert_eq!(counts, [5, 5]);
}

/// Creates `n` partners spread over three groups, each with two categories.
async fn populate(app: &TestApp, n: usize) {
    let groups = [
        app.create_group("G1", json!([{ "recurring": { "percentage": 1 } }]))
            .await,
        app.create_group(
            "G2",
            json!([{ "recurring": { "percentage": 2 } }, { "flatFee": { "amount": 1 } }]),
        )
        .await,
        app.create_group("G3", json!([{ "recurring": { "percentage": 3 } }]))
            .await,
    ];
    let create = "mutation($n: String!) { createCategory(input: { name: $n }) { id } }";
    let mut categories = Vec::new();
    for name in ["A", "B", "C"] {
        categories.push(
            app.ok(&app.admin(), create, json!({ "n": name })).await["createCategory"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for i in 0..n {
        app.create_partner(json!({
            "name": format!("Partner {i}"),
            "groupId": groups[i % 3],
            "categoryIds": [categories[i % 3], categories[(i + 1) % 3]],
        }))
        .await;
    }
}

/// Statements of one run of `query` (after a warm-up that caches the tenant).
async fn statements_of(app: &TestApp, query: &str) -> (usize, Value) {
    let token = app.admin();
    app.ok(&token, "{ viewer { tenantId } }", json!({})).await;
    let before = app.statements();
    let data = app.ok(&token, query, json!({})).await;
    (app.statements() - before, data)
}

async fn the_nested_partners_query_runs_the_same_statements_for_5_and_50(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    populate(&app, 5).await;
    let (few, data) = statements_of(&app, NESTED).await;
    assert_eq!(data["partners"]["nodes"].as_array().unwrap().len(), 5);

    let other = TestApp::spawn_counting(app.backend).await.unwrap();
    populate(&other, 50).await;
    let (many, data) = statements_of(&other, NESTED).await;
    let nodes = data["partners"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 50);
    assert_eq!(
        nodes[1]["group"]["rules"],
        json!([{ "type": "RECURRING" }, { "type": "FLAT_FEE" }])
    );
    assert_eq!(
        nodes[1]["categories"],
        json!([{ "name": "B" }, { "name": "C" }])
    );
    // One page query, one batch of groups, one batch of categories.
    assert_eq!(few, 3);
    assert_eq!(many, few);
}

async fn group_partners_and_counts_resolve_in_batches(app: TestApp) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    populate(&app, 12).await;
    let query = "{ partnerGroups { nodes { name partnerCount partners(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } } } }";
    let (statements, data) = statements_of(&app, query).await;
    let groups = data["partnerGroups"]["nodes"].as_array().unwrap();
    assert_eq!(groups[0]["name"], "Default");
    assert_eq!(groups[0]["partnerCount"], 0);
    assert_eq!(groups[0]["partners"]["nodes"], json!([]));
    assert_eq!(groups[1]["partnerCount"], 4);
    assert_eq!(groups[1]["partners"]["totalCount"], 4);
    assert_eq!(
        groups[1]["partners"]["nodes"],
        json!([{ "name": "Partner 0" }, { "name": "Partner 3" }])
    );
    assert_eq!(groups[1]["partners"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        groups[3]["partners"]["nodes"],
        json!([{ "name": "Partner 2" }, { "name": "Partner 5" }])
    );
    // Page of groups, one batch of partner pages, one batch of counts.
    assert_eq!(statements, 3);

    // The next page of one group's partners.
    let cursor = groups[1]["partners"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap();
    let data = app
        .ok(
            &app.admin(),
            "query($after: String) { partnerGroups(search: \"G1\") { nodes { partners(first: 2, after: $after) { pageInfo { hasNextPage } nodes { name } } } } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        data["partnerGroups"]["nodes"][0]["partners"],
        json!({ "pageInfo": { "hasNextPage": false }, "nodes": [{ "name": "Partner 6" }, { "name": "Partner 9" }] })
    );
}

/// SQLite has one writer: concurrent mutations queue instead of failing with
/// "database is locked".
async fn concurrent_mutations_all_succeed(app: TestApp) {
    let token = app.admin();
    let mutation = "mutation($n: String!) { createPartner(input: { name: $n }) { id } }";
    let replies = join_all(
        (0..40).map(|i| app.post(Some(&token), mutation, json!({ "n": format!("P{i}") }))),
    )
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, 200);
        assert!(body.get("errors").is_none(), "{body}");
    }
    let data = app
        .ok(&token, "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(data["partners"]["totalCount"], 40);
}

/// The partners list reads only the columns its selection names: every
/// field it reads that way answers as the partner read whole does.
async fn a_page_read_by_column_answers_as_whole_rows_do(app: TestApp) {
    let group = app
        .create_group("Resellers", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    app.create_partner(json!({ "name": "Ada", "email": "ada@example.com", "externalId": "A-1", "type": "RESELLER", "groupId": group })).await;
    app.create_partner(json!({ "name": "Bo" })).await;
    let fields = "id name email externalId type status createdAt updatedAt group { id name }";
    let admin = app.admin();
    let listed = app
        .ok(
            &admin,
            &format!("{{ partners {{ nodes {{ {fields} }} }} }}"),
            json!({}),
        )
        .await;
    let nodes = listed["partners"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["email"], "ada@example.com");
    assert_eq!(nodes[0]["externalId"], "A-1");
    assert_eq!(nodes[0]["type"], "RESELLER");
    assert_eq!(nodes[0]["group"]["name"], "Resellers");
    assert_eq!(nodes[1]["email"], Value::Null);
    for node in nodes {
        let whole = app
            .ok(
                &admin,
                &format!("query($id: ID!) {{ partner(id: $id) {{ {fields} }} }}"),
                json!({ "id": node["id"] }),
            )
            .await;
        assert_eq!(&whole["partner"], node);
    }
}

/// Groups are kept in memory between requests (src/db/kept.rs): a change
/// made through the API is read at the next request, and on PostgreSQL one
/// made by another process (here a statement on a connection of its own)
/// as soon as its notification arrives.
async fn a_changed_group_is_read_changed_at_once_and_after_another_process_changes_it(
    app: TestApp,
) {
    let admin = app.admin();
    let group = app
        .create_group("Before", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    app.create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let query = "query($g: ID!) { partners(groupId: $g) { nodes { group { name } } } }";
    let name = |data: Value| data["partners"]["nodes"][0]["group"]["name"].clone();
    for _ in 0..2 {
        assert_eq!(
            name(app.ok(&admin, query, json!({ "g": group })).await),
            "Before"
        );
    }
    app.ok(
        &admin,
        r#"mutation($id: ID!) { updatePartnerGroup(id: $id, input: { name: "After" }) { name } }"#,
        json!({ "id": group }),
    )
    .await;
    assert_eq!(
        name(app.ok(&admin, query, json!({ "g": group })).await),
        "After"
    );
    assert_eq!(
        name(app.ok(&admin, query, json!({ "g": group })).await),
        "After"
    );
    if app.backend != Backend::Postgres {
        return;
    }
    use sea_orm::ConnectionTrait;
    app.db
        .conn()
        .unbounded()
        .execute_unprepared(&format!(
            "UPDATE partner_groups SET name = 'Elsewhere' WHERE id = '{group}'"
        ))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if name(app.ok(&admin, query, json!({ "g": group })).await) == "Elsewhere" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "another process's change was never read"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

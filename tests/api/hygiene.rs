//! GraphQL hygiene (SPEC §3–4): error codes without internals, exact
//! decimals, connections, limits, health endpoints, the checked-in schema.

use crate::helpers::{Backend, TestApp, code, field};
use crate::on_both_databases;
use crate::support::schema::INTROSPECTION;
use migration::{Migrator, MigratorTrait};
use revshare::db::Db;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    every_unique_key_the_services_map_is_the_schemas,
    a_database_failure_reaches_the_client_as_internal_without_its_text,
    a_json_number_is_read_exactly_as_written,
    paging_with_after_visits_every_row_once,
    paging_backwards_with_before_visits_every_row_once,
    out_of_range_page_sizes_are_bad_user_input,
    readyz_reports_the_database,
    replicas_starting_together_migrate_once,
    a_timestamp_in_a_reply_is_what_a_later_read_returns,
);

async fn a_database_failure_reaches_the_client_as_internal_without_its_text(app: TestApp) {
    app.create_partner(json!({ "name": "P" })).await;
    app.db
        .conn()
        .execute_unprepared("DROP TABLE partner_categories")
        .await
        .unwrap();
    app.db
        .conn()
        .execute_unprepared("ALTER TABLE categories RENAME TO categories_gone")
        .await
        .unwrap();
    let (status, body) = app
        .post(
            Some(&app.admin()),
            "{ categories { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let error = &body["errors"][0];
    assert_eq!(code(error), "INTERNAL");
    assert_eq!(error["message"], "internal error");
    let text = format!("{} {}", error["message"], error["extensions"]).to_lowercase();
    for leak in [
        "categor", "table", "relation", "sqlite", "postgres", "select", "exist",
    ] {
        assert!(!text.contains(leak), "{leak:?} leaked: {body}");
    }
    // A loader failure is hidden the same way.
    let (_, body) = app
        .post(
            Some(&app.admin()),
            "{ partners { nodes { categories { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "INTERNAL");
    assert_eq!(body["errors"][0]["message"], "internal error");
}

async fn a_json_number_is_read_exactly_as_written(app: TestApp) {
    // 299.9 and 12.3 have no exact binary form; both arrive as JSON numbers.
    let rules = json!([{ "recurring": { "percentage": 12.3 } }, { "flatFee": { "amount": 0.1 } }]);
    let id = app.create_group("Exact", rules).await;
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partnerGroup(id: $id) { rules { ... on RecurringRule { percentage } ... on FlatFeeRule { amount } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["partnerGroup"]["rules"],
        json!([{ "percentage": "12.3" }, { "amount": "0.1" }])
    );
    let data = app
        .ok(
            &app.admin(),
            "mutation($id: ID!, $sim: SimulationInput!) { simulatePartnerGroup(id: $id, simulation: $sim) { unroundedFee finalFee } }",
            json!({ "id": id, "sim": { "chargeAmount": 299.9 } }),
        )
        .await;
    // 299.9 × 12.3 % = 36.8877, + 0.1 = 36.9877 exactly.
    assert_eq!(
        data["simulatePartnerGroup"],
        json!({ "unroundedFee": "36.9877", "finalFee": "36.99" })
    );
    // Inline literals too.
    let data = app
        .ok(
            &app.admin(),
            "mutation { simulatePartnerGroupRules(rules: [{ recurring: { percentage: 33.3 } }], simulation: { chargeAmount: 0.3 }) { unroundedFee } }",
            json!({}),
        )
        .await;
    assert_eq!(data["simulatePartnerGroupRules"]["unroundedFee"], "0.0999");
    let error = app
        .error(Some(&app.admin()), "mutation { simulatePartnerGroupRules(rules: [{ recurring: { percentage: \"ten\" } }], simulation: {}) { finalFee } }", json!({}))
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
}

async fn create_partners(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.create_partner(json!({ "name": format!("P{i}") })).await);
    }
    ids
}

async fn paging_with_after_visits_every_row_once(app: TestApp) {
    let created = create_partners(&app, 7).await;
    let query = "query($after: String) { partners(first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app.ok(&app.admin(), query, json!({ "after": after })).await;
        let connection = &data["partners"];
        assert_eq!(connection["totalCount"], 7);
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], pages > 0);
        for edge in connection["edges"].as_array().unwrap() {
            assert_eq!(edge["cursor"], edge["node"]["id"]);
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
}

async fn paging_backwards_with_before_visits_every_row_once(app: TestApp) {
    let created = create_partners(&app, 5).await;
    let query = "query($before: String) { partners(last: 2, before: $before) { pageInfo { hasPreviousPage startCursor } nodes { id } } }";
    let mut seen = Vec::new();
    let mut before = Value::Null;
    loop {
        let data = app
            .ok(&app.admin(), query, json!({ "before": before }))
            .await;
        let connection = &data["partners"];
        let mut page: Vec<String> = connection["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        page.extend(seen);
        seen = page;
        if connection["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen, created);
}

async fn out_of_range_page_sizes_are_bad_user_input(app: TestApp) {
    for (query, expected) in [
        ("{ partners(first: 0) { totalCount } }", "first"),
        ("{ partners(first: 101) { totalCount } }", "first"),
        ("{ partnerGroups(first: -1) { totalCount } }", "first"),
        ("{ partners(last: 101) { totalCount } }", "last"),
        ("{ partners(first: 1, last: 1) { totalCount } }", "last"),
        (
            "{ partners(after: \"not-a-cursor\") { totalCount } }",
            "after",
        ),
        ("{ categories(first: 500) { totalCount } }", "first"),
    ] {
        let error = app.error(Some(&app.admin()), query, json!({})).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{query}"
        );
    }
    let data = app
        .ok(
            &app.admin(),
            "{ partners(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["partners"]["totalCount"], 0);
}

async fn readyz_reports_the_database(app: TestApp) {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_graphiql_are_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    for path in ["/", "/graphql"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("graphiql"), "{path}");
        assert!(html.contains("/graphql"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_introspection_passes_the_depth_and_complexity_limits() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Without a token, as GraphiQL does before a header is set.
    let (status, body) = app.post(None, INTROSPECTION, json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "PartnerGroup"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_the_depth_limit_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut query = String::from("{ partners(first: 1) { nodes { id } } }");
    for _ in 0..5 {
        query = query.replace(
            "nodes { id }",
            "nodes { group { partners(first: 1) { nodes { id } } } }",
        );
    }
    let error = app.error(Some(&app.admin()), &query, json!({})).await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    assert_eq!(error["message"], "Query is nested too deep.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_the_complexity_limit_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let fields: Vec<String> = (0..400)
        .map(|i| format!("p{i}: partners {{ totalCount nodes {{ id name }} }}"))
        .collect();
    let query = format!("{{ {} }}", fields.join(" "));
    let error = app.error(Some(&app.admin()), &query, json!({})).await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    assert_eq!(
        error["message"],
        "Query is too complex: it costs 84000, over the 10000 an operation may cost (a field \
         costs 1 and what it selects; a list 10 and its page size times what each item \
         selects): ask for fewer fields or smaller pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_costs_each_id_it_may_fetch() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { \
                 ... on Partner { commissions(first: 50) { nodes { id } } } } }";
    // One id's selection is well within the limit; a hundred times it is not.
    let one = app
        .ok(
            &app.admin(),
            query,
            json!({ "ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"] }),
        )
        .await;
    assert_eq!(one["nodes"], json!([null]));
    let ids: Vec<String> = (0..100).map(|i| format!("id-{i}")).collect();
    let error = app
        .error(Some(&app.admin()), query, json!({ "ids": ids }))
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    assert_eq!(
        error["message"],
        "Query is too complex: it costs 11010, over the 10000 an operation may cost (a field \
         costs 1 and what it selects; a list 10 and its page size times what each item \
         selects): ask for fewer fields or smaller pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Announce 3 MiB and send only the start: the server must refuse on the
    // announced length, without reading (or buffering) the body.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"query\":\"",
        app.addr,
        3 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = vec![0u8; 256];
    let read = stream.read(&mut response).await.unwrap();
    let head = String::from_utf8_lossy(&response[..read]).to_string();
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");

    // A body within the limit is served.
    let data = app
        .ok(
            &app.admin(),
            &format!("{{ viewer {{ role }} {} }}", " ".repeat(1024 * 1024)),
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["role"], "ADMIN");
}

#[test]
fn schema_graphql_is_what_revshare_schema_prints() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let generated = revshare::graphql::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

/// Replicas started together on an empty database: each runs the migrations
/// at start, one after the other, and every migration is applied once.
async fn replicas_starting_together_migrate_once(app: TestApp) {
    // In one transaction, as the server migrates: on SQLite the pool's
    // other connections would otherwise run some of the statements.
    let txn = app.db.write().await.unwrap();
    Migrator::down(txn.unbounded(), None).await.unwrap();
    txn.commit().await.unwrap();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Db::connect(&app.url, 4).await.unwrap());
    }
    let results =
        async_graphql::futures_util::future::join_all(replicas.iter().map(revshare::app::migrate))
            .await;
    for result in results {
        result.expect("each replica migrates");
    }
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let db = app.db.clone();
        async move {
            let row = db
                .conn()
                .query_one_raw(sea_orm::Statement::from_string(db.backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    assert_eq!(
        count("seaql_migrations").await,
        Migrator::migrations().len() as i64
    );
    assert_eq!(count("partner_totals").await, 0);
}

/// Timestamps are kept to the microsecond on both backends (PostgreSQL's
/// precision), so what a mutation answers is what a later read returns.
async fn a_timestamp_in_a_reply_is_what_a_later_read_returns(app: TestApp) {
    let admin = app.admin();
    let created = app
        .ok(
            &admin,
            "mutation { createPartner(input: { name: \"Clock\" }) { id createdAt } }",
            json!({}),
        )
        .await;
    let partner = &created["createPartner"];
    let read = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { createdAt } }",
            json!({ "id": partner["id"] }),
        )
        .await;
    assert_eq!(read["partner"]["createdAt"], partner["createdAt"]);

    let recorded = app
        .ok(
            &app.service("events:write"),
            "mutation($p: ID!) { recordEvent(input: { externalId: \"tick\", partnerId: $p, kind: LEAD, amount: 0 }) { event { recordedAt } } }",
            json!({ "p": partner["id"] }),
        )
        .await;
    let stamp = recorded["recordEvent"]["event"]["recordedAt"]
        .as_str()
        .unwrap();
    let fraction = stamp.rsplit('.').next().unwrap().trim_end_matches('Z');
    assert!(fraction.len() <= 6, "{stamp}");
    let created_at = partner["createdAt"].as_str().unwrap();
    let fraction = created_at.rsplit('.').next().unwrap().trim_end_matches('Z');
    assert!(fraction.len() <= 6, "{created_at}");
}

/// The unique keys services map to clients' errors (`error::keys`) are
/// the schema's, by the names each database reports; and a violation is
/// told apart by its key: a duplicate tenant is `TENANT` and no other.
async fn every_unique_key_the_services_map_is_the_schemas(app: TestApp) {
    use revshare::error::{keys, violates};
    let query = |sql: String| {
        let db = app.db.clone();
        async move {
            db.conn()
                .query_all_raw(sea_orm::Statement::from_string(db.backend(), sql))
                .await
                .unwrap()
        }
    };
    for key in keys::ALL {
        match app.backend {
            Backend::Postgres => {
                let rows = query(format!(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = '{}'",
                    key.postgres()
                ))
                .await;
                assert_eq!(rows.len(), 1, "{key:?}");
                let definition: String = rows[0].try_get("", "indexdef").unwrap();
                assert!(
                    definition.starts_with("CREATE UNIQUE INDEX"),
                    "{definition}"
                );
            }
            Backend::Sqlite => {
                let table = key.sqlite().split('.').next().unwrap();
                let indexes = query(format!("PRAGMA index_list('{table}')")).await;
                let mut found = false;
                for index in indexes {
                    let unique: i64 = index.try_get("", "unique").unwrap();
                    let name: String = index.try_get("", "name").unwrap();
                    let columns = query(format!("PRAGMA index_info('{name}')")).await;
                    let columns: Vec<String> = columns
                        .iter()
                        .map(|c| format!("{table}.{}", c.try_get::<String>("", "name").unwrap()))
                        .collect();
                    found |= unique == 1 && columns.join(", ") == key.sqlite();
                }
                assert!(found, "no unique index on {}", key.sqlite());
            }
        }
    }
    // A duplicate tenant, as the database reports it.
    let duplicate = app
        .db
        .conn()
        .execute_unprepared(&format!(
            "INSERT INTO tenants (id, name, currency, time_zone, created_at) \
             SELECT id, name, currency, time_zone, created_at FROM tenants WHERE id = '{}'",
            crate::helpers::TENANT
        ))
        .await
        .unwrap_err();
    let matched: Vec<_> = keys::ALL
        .into_iter()
        .filter(|key| violates(&duplicate, *key))
        .collect();
    assert_eq!(matched, [keys::TENANT], "{duplicate:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_partners_with_their_codes_and_balances_are_one_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let partner = app.create_partner(json!({ "name": "Coded" })).await;
    for code in ["first-code", "second-code", "third-code"] {
        app.ok(
            &app.admin(),
            "mutation($p: ID!, $c: String!) { createReferralCode(input: { partnerId: $p, code: $c }) { id } }",
            json!({ "p": partner, "c": code }),
        )
        .await;
    }
    // What a console's partner list asks: seven fields of each code and
    // the balances, for a page of fifty.
    let query = "query($codes: Int) { partners(first: 50) { nodes { id name email status \
                 referralCodes(first: $codes) { id code couponCode clicks customers createdAt archivedAt } \
                 balance { currency accrued approved paid } } } }";
    let page = app.ok(&app.admin(), query, json!({})).await;
    let codes: Vec<&Value> = page["partners"]["nodes"][0]["referralCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["code"])
        .collect();
    assert_eq!(codes, ["first-code", "second-code", "third-code"]);
    let two = app.ok(&app.admin(), query, json!({ "codes": 2 })).await;
    let codes: Vec<&Value> = two["partners"]["nodes"][0]["referralCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["code"])
        .collect();
    assert_eq!(codes, ["first-code", "second-code"], "the oldest first");
    let error = app
        .error(
            Some(&app.admin()),
            "query($p: ID!) { partner(id: $p) { referralCodes(first: 101) { id } } }",
            json!({ "p": partner }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "first"));
}

/// What the console's group editor shows beside a rule's figure: the API's
/// words for a value of the wrong kind, never the executor's ("Invalid
/// value for argument …, expected type …").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_of_the_wrong_kind_is_named_in_words_a_form_can_show() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let simulate = "mutation($rules: [GroupRuleInput!]!, $simulation: SimulationInput!) { \
                    simulatePartnerGroupRules(rules: $rules, simulation: $simulation) { finalFee } }";
    let cases = [
        (
            json!([{ "recurring": { "percentage": true } }]),
            json!({ "chargeAmount": "100" }),
            "rules[0].recurring.percentage",
            "rules[0].recurring.percentage: must be a number, such as \"12.5\"",
        ),
        (
            json!([{ "recurring": { "percentage": "10" } }]),
            json!({ "chargeAmount": "100", "customerMonths": "two" }),
            "simulation.customerMonths",
            "simulation.customerMonths: must be a whole number",
        ),
        (
            json!([{ "recurring": { "percentage": "10" } }]),
            json!({ "chargeAmount": "100", "eventKind": "SOLD" }),
            "simulation.eventKind",
            "simulation.eventKind: \"SOLD\" is not a value of EventKind",
        ),
        (
            json!([{ "recurring": {} }]),
            json!({}),
            "rules[0].recurring.percentage",
            "rules[0].recurring.percentage: is required",
        ),
        (
            json!([{ "recurring": { "percentage": "10" }, "newCustomerTimeTier": null }]),
            json!({}),
            "rules[0]",
            "rules[0]: give exactly one of its fields",
        ),
    ];
    for (rules, simulation, named, message) in cases {
        let error = app
            .error(
                Some(&app.admin()),
                simulate,
                json!({ "rules": rules, "simulation": simulation }),
            )
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), named, "{error}");
        assert_eq!(error["message"], message, "{error}");
    }
}

//! The HTTP surface a frontend team expects (SPEC §11): GET for queries,
//! media types and status codes, automatic persisted queries, CORS,
//! selection order, scalar descriptions, input errors naming their field,
//! and start-up messages that say what to set. The browser's side of
//! GraphiQL and CORS, and the GraphQL-over-HTTP audit, are in
//! `browser.rs`.

use crate::helpers::{Backend, SECRET, TestApp, code, field};
use crate::support::http::run_binary;
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use revshare::http::cors::Origins;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await.unwrap()
}

async fn app_with(options: Options) -> TestApp {
    TestApp::spawn_with_options(Backend::Sqlite, Keys::hs256(SECRET), options)
        .await
        .unwrap()
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_runs_queries_and_a_browser_gets_graphiql() {
    let app = app().await;
    let get = |params: &[(&str, &str)], accept: &str| {
        app.client
            .get(app.url("/graphql"))
            .query(params)
            .bearer_auth(app.admin())
            .header("accept", accept)
            .send()
    };
    let response = get(
        &[("query", "{ viewer { role tenantId } }")],
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["data"]["viewer"],
        json!({ "role": "ADMIN", "tenantId": "acme" })
    );
    // Variables and the operation's name, as JSON text in the URL.
    let response = get(
        &[
            ("query", "query A($n: Int) { partners(first: $n) { totalCount } } query B { viewer { role } }"),
            ("variables", "{\"n\": 1}"),
            ("operationName", "A"),
        ],
        GRAPHQL_RESPONSE,
    )
    .await
    .unwrap();
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["partners"]["totalCount"], 0);
    // Never a mutation.
    let response = get(
        &[(
            "query",
            "mutation { createPartner(input: { name: \"by get\" }) { id } }",
        )],
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
    let data = app
        .ok(&app.admin(), "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(data["partners"]["totalCount"], 0);
    // A browser asking for a page gets GraphiQL, under a strict policy.
    for path in ["/graphql", "/"] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(content_type(&response).starts_with("text/html"));
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        let page = response.text().await.unwrap();
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "{page}"
        );
        assert!(
            !page.contains("Bearer"),
            "no token outside development mode"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiqls_assets_are_cached_compressed_and_stored_once() {
    let app = app_with(Options {
        graphiql_token: Some("dev-token".into()),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    })
    .await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Development mode: the token is preset.
    assert!(page.contains("\"token\":\"dev-token\""));
    let assets: Vec<&str> = page
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert_eq!(assets.len(), 6, "{assets:?}");
    let mut weight = 0;
    for asset in &assets {
        let response = app
            .client
            .get(app.url(asset))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{asset}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let vendored = asset.ends_with(".min.js") || asset.ends_with(".min.css");
        assert_eq!(
            response.headers().get("content-encoding").is_some(),
            vendored,
            "{asset}"
        );
        weight += response.bytes().await.unwrap().len();
    }
    // What the browser downloads: GraphiQL, its stylesheet and React, gzipped.
    assert!(weight < 700 * 1024, "{weight} bytes");
    let response = app
        .client
        .get(app.url("/assets/0000000000000000/graphiql.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_types_and_status_codes_follow_graphql_over_http() {
    let app = app().await;
    let post = |body: Value, accept: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.admin())
            .json(&body);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send()
    };
    let cases: [(Value, u16, u16); 4] = [
        // (request, status with graphql-response+json, with json)
        (json!({ "query": "{ viewer { role } }" }), 200, 200),
        (json!({ "query": "{ viewer { role }" }), 400, 200),
        (json!({ "query": "{ nosuchfield }" }), 400, 200),
        (
            json!({ "query": "query($n: Int!) { partners(first: $n) { totalCount } }", "variables": { "n": "ten" } }),
            400,
            200,
        ),
    ];
    for (request, strict, plain) in cases {
        let response = post(request.clone(), Some(GRAPHQL_RESPONSE)).await.unwrap();
        assert_eq!(response.status().as_u16(), strict, "{request}");
        assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
        let body: Value = response.json().await.unwrap();
        if strict == 400 {
            assert!(body.get("data").is_none(), "{body}");
            assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
        }
        for accept in [Some("application/json"), Some("*/*"), None] {
            let response = post(request.clone(), accept).await.unwrap();
            assert_eq!(response.status().as_u16(), plain, "{request} {accept:?}");
            assert!(content_type(&response).starts_with("application/json"));
        }
    }
    // A POST says what its body is.
    for content in [
        None,
        Some("text/plain"),
        Some("application/json; charset=latin1"),
    ] {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.admin())
            .body("{\"query\":\"{ viewer { role } }\"}");
        if let Some(content) = content {
            request = request.header("content-type", content);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content:?}");
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json; charset=utf-8")
        .header("accept", "text/html")
        .body("{\"query\":\"{ viewer { role } }\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 406);
}

fn sha256(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persisted_queries_run_by_hash_after_one_full_request() {
    let app = app().await;
    let query = "query Role { viewer { role } }";
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } });
    let post = |body: Value| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(app.admin())
            .json(&body)
            .send()
    };
    let get = || {
        app.client
            .get(app.url("/graphql"))
            .query(&[("extensions", extensions.to_string().as_str())])
            .bearer_auth(app.admin())
            .header("accept", "application/json")
            .send()
    };
    // Unknown by hash, by POST and by GET: the code and Apollo's message.
    for response in [post(json!({ "extensions": extensions })).await, get().await] {
        let response = response.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0],
            json!({ "message": "PersistedQueryNotFound", "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } })
        );
    }
    // Sent once with its hash, …
    let body: Value = post(json!({ "query": query, "extensions": extensions }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN");
    // … the hash alone runs it.
    for response in [post(json!({ "extensions": extensions })).await, get().await] {
        let body: Value = response.unwrap().json().await.unwrap();
        assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    }
    // A hash that is not the query's.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ other }") } });
    let body: Value = post(json!({ "query": query, "extensions": wrong }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (code(&body["errors"][0]), field(&body["errors"][0])),
        ("BAD_USER_INPUT", "extensions.persistedQuery.sha256Hash")
    );
    // A mutation by hash still needs POST.
    let mutation = "mutation { createPartner(input: { name: \"persisted\" }) { name } }";
    let mutation_ext =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(mutation) } });
    let body: Value = post(json!({ "query": mutation, "extensions": mutation_ext }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["createPartner"]["name"], "persisted");
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("extensions", mutation_ext.to_string().as_str())])
        .bearer_auth(app.admin())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_allowed_origins_only() {
    let allowed = "http://portal.example.com";
    let app = app_with(Options {
        cors: Origins::List(vec![allowed.into()]),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    })
    .await;
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, apollo-require-preflight",
            )
            .send()
    };
    let response = preflight(allowed).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], allowed);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("GET") && methods.contains("POST"),
        "{methods}"
    );
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for wanted in ["authorization", "content-type", "apollo-require-preflight"] {
        assert!(allowed_headers.contains(wanted), "{allowed_headers}");
    }
    assert_eq!(headers["access-control-max-age"], "600");
    let vary: Vec<String> = headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(vary.iter().any(|v| v.contains("origin")), "{vary:?}");
    let post = |origin: &str| {
        app.client
            .post(app.url("/graphql"))
            .header("origin", origin)
            .bearer_auth(app.admin())
            .json(&json!({ "query": "{ viewer { role } }" }))
            .send()
    };
    let response = post(allowed).await.unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], allowed);
    for other in ["http://evil.example.com", "http://portal.example.com:8080"] {
        let response = preflight(other).await.unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{other}"
        );
        let response = post(other).await.unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
    // Development mode's default: loopback origins.
    let dev = app_with(Options {
        cors: Origins::Loopback,
        ..Options::new(revshare::graphql::LOADER_DELAY)
    })
    .await;
    for (origin, allowed) in [
        ("http://localhost:5173", true),
        ("http://127.0.0.1:3000", true),
        ("http://example.com", false),
    ] {
        let response = dev
            .client
            .request(reqwest::Method::OPTIONS, dev.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_some(),
            allowed,
            "{origin}"
        );
    }
}

/// The byte offset of each `"key":` in a raw JSON text.
fn position(text: &str, key: &str) -> usize {
    text.find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_keys_follow_the_selection_every_time() {
    let app = app().await;
    for name in ["One", "Two", "Three"] {
        app.create_partner(json!({ "name": name })).await;
    }
    let query = "{ partners(first: 2) { nodes { name id createdAt } pageInfo { hasNextPage } totalCount } \
                 viewer { tenantId role } groups: partnerGroups { totalCount nodes { name isDefault } } }";
    for _ in 0..50 {
        let text = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.admin())
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let order = |keys: &[&str]| {
            let at: Vec<usize> = keys.iter().map(|k| position(&text, k)).collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{keys:?} in {text}");
        };
        order(&["partners", "viewer", "groups"]);
        order(&["nodes", "pageInfo", "totalCount"]);
        order(&["name", "id", "createdAt"]);
        order(&["tenantId", "role"]);
        order(&["isDefault"]);
        // Every node in the order asked, not the order fields resolved.
        let nodes = &text[position(&text, "nodes")..position(&text, "pageInfo")];
        let names: Vec<usize> = nodes.match_indices("\"name\":").map(|(i, _)| i).collect();
        let ids: Vec<usize> = nodes.match_indices("\"id\":").map(|(i, _)| i).collect();
        assert_eq!(names.len(), 2);
        assert!(names.iter().zip(&ids).all(|(n, i)| n < i), "{nodes}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_scalars_say_their_wire_format() {
    let app = app().await;
    let query = "{ dateTime: __type(name: \"DateTime\") { specifiedByURL description } \
                 date: __type(name: \"Date\") { specifiedByURL description } \
                 decimal: __type(name: \"Decimal\") { description } json: __type(name: \"JSON\") { description } }";
    let (_, body) = app.post(None, query, json!({})).await;
    let data = &body["data"];
    assert_eq!(
        data["dateTime"]["specifiedByURL"],
        "https://datatracker.ietf.org/doc/html/rfc3339"
    );
    assert_eq!(
        data["date"]["specifiedByURL"],
        "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
    );
    for scalar in ["dateTime", "date", "decimal", "json"] {
        assert!(
            data[scalar]["description"]
                .as_str()
                .is_some_and(|d| d.len() > 20),
            "{scalar}: {body}"
        );
    }
    assert!(
        data["decimal"]["description"]
            .as_str()
            .unwrap()
            .contains("\"12.50\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_input_error_names_its_field() {
    let app = app().await;
    let admin = app.admin();
    // A required field missing, written in the query and as a variable.
    let error = app
        .error(
            Some(&admin),
            "mutation { createPartner(input: { email: \"a@b.example\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.name")
    );
    let error = app
        .error(
            Some(&admin),
            "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }",
            json!({ "input": { "email": "a@b.example" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.name")
    );
    // A field the input does not have, in a batch item.
    let error = app
        .error(
            Some(&app.service("events:write")),
            "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId } }",
            json!({ "input": [
                { "externalId": "a", "partnerId": "p", "amount": "1" },
                { "externalId": "b", "partnerId": "p", "amount": "1", "amont": "1" }
            ] }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input[1].amont")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_errors_say_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing answers on port 9 of loopback.
    let (ok, text) = run_binary(
        dir.path(),
        &["migrate"],
        &[
            (
                "REVSHARE_DATABASE_URL",
                "postgres://nobody:secret@127.0.0.1:9/db",
            ),
            ("REVSHARE_DATABASE_ACQUIRE_TIMEOUT_MS", "1000"),
        ],
    )
    .await;
    assert!(!ok);
    assert!(text.contains("127.0.0.1:9"), "{text}");
    assert!(text.contains("REVSHARE_DATABASE_URL"), "{text}");
    assert!(
        !text.contains("secret"),
        "the password is not printed: {text}"
    );
    let (ok, text) = run_binary(
        dir.path(),
        &["migrate"],
        &[("REVSHARE_DATABASE_URL", "mysql://root@127.0.0.1/db")],
    )
    .await;
    assert!(!ok);
    for named in ["sqlite://", "postgres://", "REVSHARE_DATABASE_URL"] {
        assert!(text.contains(named), "{named}: {text}");
    }
    // A port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (ok, text) = run_binary(
        dir.path(),
        &["serve"],
        &[
            ("REVSHARE_LISTEN", &address),
            ("REVSHARE_MATURITY_INTERVAL", "0"),
        ],
    )
    .await;
    assert!(!ok);
    for named in [address.as_str(), "REVSHARE_LISTEN", "--listen"] {
        assert!(text.contains(named), "{named}: {text}");
    }
    // Logs into a pipe carry no colour codes.
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_minted_only_with_a_secret_the_server_uses() {
    let elsewhere = tempfile::tempdir().unwrap();
    let (ok, text) = run_binary(elsewhere.path(), &["token", "--tenant", "demo"], &[]).await;
    assert!(!ok, "{text}");
    for named in [
        "data/jwt-secret",
        "REVSHARE_DATA_DIR",
        "REVSHARE_JWT_SECRET",
    ] {
        assert!(text.contains(named), "{named}: {text}");
    }
    assert!(
        !elsewhere.path().join("data/jwt-secret").exists(),
        "no new secret is made"
    );
    // Where the server keeps its secret, the token is signed with it and the
    // command says so.
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("data")).unwrap();
    let secret = "a-development-secret-of-32-bytes-at-least";
    std::fs::write(project.path().join("data/jwt-secret"), secret).unwrap();
    let (ok, text) = run_binary(project.path(), &["token", "--tenant", "demo"], &[]).await;
    assert!(ok, "{text}");
    assert!(
        text.contains("signed with the development secret in data/jwt-secret"),
        "{text}"
    );
    let token = text.lines().find(|l| l.split('.').count() == 3).unwrap();
    assert!(Keys::hs256(secret.as_bytes()).verify(token).is_ok());
}

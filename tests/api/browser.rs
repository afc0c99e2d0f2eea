//! What a browser and the GraphQL tool chain see (SPEC §11), with the real
//! tools: GraphiQL in headless Chromium with no network but loopback, a
//! frontend page on another origin calling the API through CORS, and
//! graphql-http's GraphQL-over-HTTP audit. They drive the Node scripts in
//! `tests/browser/`, whose packages (and Debian's Chromium) `scripts/test`
//! installs.

use crate::helpers::{Backend, SECRET, TestApp};
use crate::support::browser::{node, tools};
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use revshare::http::cors::Origins;
use serde_json::Value;

async fn app_with(options: Options) -> TestApp {
    TestApp::spawn_with_options(Backend::Sqlite, Keys::hs256(SECRET), options)
        .await
        .unwrap()
}

/// An app whose GraphiQL sends an admin token, as development mode serves
/// it with the token it prints.
async fn graphiql_app() -> TestApp {
    let token = Keys::hs256(SECRET)
        .mint(&TestApp::claims(crate::helpers::TENANT, "admin"))
        .unwrap();
    app_with(Options {
        graphiql_token: Some(token),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_offline_and_loads_only_from_its_origin() {
    let app = graphiql_app().await;
    let origin = format!("http://{}", app.addr);
    let answer = node(
        "browser.mjs",
        &[
            "graphiql",
            &format!("{origin}/graphql"),
            "{ viewer { role tenantId } }",
            "ADMIN",
        ],
    )
    .await;
    let result: Value = serde_json::from_str(answer["result"].as_str().unwrap()).unwrap();
    assert_eq!(
        result,
        serde_json::json!({ "data": { "viewer": { "role": "ADMIN", "tenantId": "acme" } } })
    );
    let requests: Vec<&str> = answer["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    // The page, its stylesheet, React, ReactDOM, GraphiQL and its starter,
    // the icon, the introspection and the query: all from revshare.
    assert!(requests.len() >= 8, "{requests:?}");
    for request in &requests {
        assert!(request.starts_with(&origin), "{request} left the origin");
    }
    assert_eq!(answer["violations"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_subscription_over_its_websocket() {
    use tokio::io::AsyncBufReadExt;
    let app = graphiql_app().await;
    let partner = crate::support::partners::partner_at(&app, "Alice", 10).await;
    let origin = format!("http://{}", app.addr);
    let mut child = tokio::process::Command::new("node")
        .arg("browser.mjs")
        .args([
            "graphiql-subscribe",
            &format!("{origin}/graphql"),
            "subscription { domainEvents { type commission { amount } } }",
            "COMMISSION_CREATED",
        ])
        .current_dir(tools())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (scripts/test installs it)");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("a line from the browser");
    assert_eq!(first, r#"{"subscribed":true}"#);
    // Once the page's subscription listens on the server, one sale: the
    // page shows it.
    crate::support::metrics::until_sample(&app, "revshare_subscriptions_active", "1").await;
    crate::support::sales::commission_of(
        &app,
        crate::support::sales::sale_input(&partner, "live", "120"),
    )
    .await;
    let answer = lines
        .next_line()
        .await
        .unwrap()
        .expect("the browser's answer");
    assert!(child.wait().await.unwrap().success());
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let result: Value = serde_json::from_str(answer["result"].as_str().unwrap()).unwrap();
    assert_eq!(
        result,
        serde_json::json!({ "data": { "domainEvents": { "type": "COMMISSION_CREATED", "commission": { "amount": "12.00" } } } })
    );
    // The token went in connection_init, as the page's Headers tab has it.
    let sent = answer["sent"].as_array().unwrap();
    let init: Value = serde_json::from_str(sent[0].as_str().unwrap()).unwrap();
    assert_eq!(init["type"], "connection_init");
    assert_eq!(init["payload"]["Authorization"], "Bearer …");
    assert_eq!(answer["violations"], serde_json::json!([]));
    for request in answer["requests"].as_array().unwrap() {
        let request = request.as_str().unwrap();
        assert!(
            request.starts_with(&origin) || request.starts_with(&format!("ws://{}", app.addr)),
            "{request} left the origin"
        );
    }
}

/// Serves, on `listener`, a page whose script asks `api` for the viewer's
/// role with `token` and shows the answer (or the browser's refusal) in
/// `#result`; answers the page's URL.
fn frontend(listener: tokio::net::TcpListener, api: &str, token: &str) -> String {
    use axum::routing::get;
    let script = format!(
        "fetch('{api}/graphql', {{ method: 'POST', headers: {{ 'content-type': 'application/json', \
         authorization: 'Bearer {token}' }}, body: JSON.stringify({{ query: '{{ viewer {{ role }} }}' }}) }})\
         .then((r) => r.json())\
         .then((json) => {{ document.querySelector('#result').textContent = 'answer ' + json.data.viewer.role; }})\
         .catch((e) => {{ document.querySelector('#result').textContent = 'refused ' + e.name; }});"
    );
    let page = "<!doctype html><html><body><div id=\"result\"></div><script src=\"/app.js\"></script></body></html>";
    let router = axum::Router::new()
        .route("/", get(move || async move { axum::response::Html(page) }))
        .route(
            "/app.js",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/javascript")],
                    script,
                )
            }),
        );
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frontend_on_an_allowed_origin_calls_the_api_and_another_is_refused() {
    let page = || tokio::net::TcpListener::bind("127.0.0.1:0");
    let (allowed, denied) = (page().await.unwrap(), page().await.unwrap());
    let origin = format!("http://{}", allowed.local_addr().unwrap());
    let app = app_with(Options {
        cors: Origins::List(vec![origin]),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    })
    .await;
    let (api, token) = (format!("http://{}", app.addr), app.admin());
    let answer = node("browser.mjs", &["page", &frontend(allowed, &api, &token)]).await;
    assert_eq!(answer["result"], "answer ADMIN", "{answer}");
    let answer = node("browser.mjs", &["page", &frontend(denied, &api, &token)]).await;
    assert_eq!(answer["result"], "refused TypeError", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_over_http_audit_passes_every_audit() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let results = node(
        "audit.mjs",
        &[&format!("http://{}/graphql", app.addr), &app.admin()],
    )
    .await;
    let results = results.as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] != "ok").collect();
    assert!(
        failed.is_empty(),
        "{} of {} audits not ok: {failed:#?}",
        failed.len(),
        results.len()
    );
    assert!(results.len() >= 61, "{} audits", results.len());
}

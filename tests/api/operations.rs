//! Operating revshare (SPEC §13): `/metrics` on its own listener with every
//! listed metric and no client-chosen label; a request's span exported over
//! OTLP/HTTP to a loopback collector, continuing the caller's `traceparent`;
//! one log line per request, as JSON or text, never with a token.

use crate::helpers::{Replica, SECRET, TENANT, TestApp};
use crate::support::metrics::{sample, scrape, scrape_until};
use crate::support::partners::partner_at;
use crate::support::receiver::{Receiver, register};
use crate::support::sales::{commission_of, sale_input};
use crate::support::ws::{SUBSCRIBE, Ws};
use axum::body::Bytes;
use axum::extract::State;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

crate::on_both_databases_with!(webhooks_to_loopback; metrics_count_requests_commissions_deliveries_and_subscriptions);
crate::on_both_databases!(
    a_request_is_traced_from_its_traceparent_and_logged_as_one_json_line,
    the_text_log_has_a_line_per_request_and_no_colour,
);

fn webhooks_to_loopback() -> revshare::http::Options {
    crate::support::receiver::loopback()
}

async fn metrics_count_requests_commissions_deliveries_and_subscriptions(app: TestApp) {
    let receiver = Receiver::start().await;
    register(
        &app,
        &app.admin(),
        json!({ "url": receiver.url(), "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    let partner = partner_at(&app, "Ada", 10).await;
    commission_of(&app, sale_input(&partner, "s-1", "100")).await;
    // A named query: its name is the client's, never a label.
    let named = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin())
        .json(&json!({ "query": "query ClientChosenName { partners { totalCount } }", "operationName": "ClientChosenName" }))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 200);
    let (status, _) = app
        .post(
            Some("not-a-token"),
            "{ partners { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post(Some(&app.admin()), "{ noSuchField }", json!({}))
        .await;
    assert_eq!(status, 200);
    receiver.wait_for(1).await;
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    ws.subscribe("all", SUBSCRIBE, json!({})).await;

    let text = scrape_until(&app, |text| {
        sample(
            text,
            "revshare_webhook_deliveries_total{outcome=\"delivered\"}",
        )
        .as_deref()
            == Some("1")
            && sample(text, "revshare_webhook_backlog").as_deref() == Some("0")
            && sample(text, "revshare_subscriptions_active").as_deref() == Some("1")
    })
    .await;
    let expected = [
        // createWebhookEndpoint, createPartnerGroup, createPartner, recordEvent
        (
            "revshare_graphql_requests_total{operation_type=\"mutation\",outcome=\"ok\"}",
            "4",
        ),
        (
            "revshare_graphql_requests_total{operation_type=\"query\",outcome=\"ok\"}",
            "1",
        ),
        (
            "revshare_graphql_requests_total{operation_type=\"none\",outcome=\"UNAUTHENTICATED\"}",
            "1",
        ),
        (
            "revshare_graphql_requests_total{operation_type=\"query\",outcome=\"BAD_USER_INPUT\"}",
            "1",
        ),
        (
            "revshare_graphql_request_duration_seconds_count{operation_type=\"mutation\",outcome=\"ok\"}",
            "4",
        ),
        (
            "revshare_commissions_written_total{kind=\"COMMISSION\"}",
            "1",
        ),
        ("revshare_accrual_batch_events_count", "1"),
        ("revshare_accrual_batch_events_sum", "1.0"),
        ("revshare_db_transaction_retries_total", "0"),
        ("revshare_db_pool_connections{state=\"max\"}", "8"),
        ("revshare_ingest_queue_depth", "0"),
        ("revshare_maturity_last_run_timestamp_seconds", "0"),
        (
            "revshare_webhook_deliveries_total{outcome=\"delivered\"}",
            "1",
        ),
        ("revshare_webhook_backlog", "0"),
        ("revshare_subscriptions_active", "1"),
    ];
    for (series, value) in expected {
        assert_eq!(
            sample(&text, series).as_deref(),
            Some(value),
            "{series} in\n{text}"
        );
    }
    let idle: i64 = sample(&text, "revshare_db_pool_connections{state=\"idle\"}")
        .unwrap()
        .parse()
        .unwrap();
    let in_use: i64 = sample(&text, "revshare_db_pool_connections{state=\"in_use\"}")
        .unwrap()
        .parse()
        .unwrap();
    assert!(idle + in_use <= 8 && idle + in_use >= 1);
    assert!(!text.contains("ClientChosenName"));
    assert!(!text.contains(TENANT));
    // Every series is one of the listed names.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("revshare_"), "{line}");
    }

    // The dashboard in docs/ charts series the server exports.
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/grafana-dashboard.json"),
    )
    .unwrap();
    let dashboard: Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let mut charted = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for name in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if name.starts_with("revshare_") {
                    charted += 1;
                    assert!(
                        text.lines().any(|l| l.starts_with(name)
                            && l[name.len()..].starts_with(['{', ' '])),
                        "the dashboard charts {name}, which /metrics does not answer"
                    );
                }
            }
        }
    }
    assert!(charted >= 13);

    // Closed, the subscription is no longer counted.
    drop(ws);
    scrape_until(&app, |text| {
        sample(text, "revshare_subscriptions_active").as_deref() == Some("0")
    })
    .await;
    // Never on the GraphQL port.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
}

/// An OTLP/HTTP collector on loopback: keeps every export request.
struct Collector {
    url: String,
    exports: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

impl Collector {
    async fn start() -> Collector {
        let exports: Arc<Mutex<Vec<ExportTraceServiceRequest>>> = Arc::default();
        let router = axum::Router::new()
            .route("/v1/traces", axum::routing::post(collect))
            .with_state(exports.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Collector { url, exports }
    }

    /// Every span received, with its resource's `service.name`.
    fn spans(&self) -> Vec<(String, Span)> {
        let exports = self.exports.lock().unwrap();
        let mut spans = Vec::new();
        for export in exports.iter() {
            for resource in &export.resource_spans {
                let service = resource
                    .resource
                    .iter()
                    .flat_map(|r| &r.attributes)
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        Any::StringValue(name) => Some(name.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                for scope in &resource.scope_spans {
                    for span in &scope.spans {
                        spans.push((service.clone(), span.clone()));
                    }
                }
            }
        }
        spans
    }
}

async fn collect(
    State(exports): State<Arc<Mutex<Vec<ExportTraceServiceRequest>>>>,
    body: Bytes,
) -> &'static str {
    let export = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
    exports.lock().unwrap().push(export);
    ""
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(text) => Some(text.clone()),
            Any::IntValue(n) => Some(n.to_string()),
            _ => None,
        })
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";
const BATCH_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn a_request_is_traced_from_its_traceparent_and_logged_as_one_json_line(app: TestApp) {
    let collector = Collector::start().await;
    let replica = Replica::start(
        &app.url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("REVSHARE_LOG_FORMAT", "json"),
        ],
    )
    .await;
    let token = app.admin();
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .header("x-request-id", "req-traced-1")
        .json(&json!({
            "query": "mutation NewGroup($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }",
            "operationName": "NewGroup",
            "variables": { "input": { "name": "Traced", "rules": [{ "recurring": { "percentage": 10 } }] } },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-request-id"], "req-traced-1");
    let body: Value = answer.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");

    // The spans of the trace: the request, its operation, its transaction
    // and statements.
    let mut traced = Vec::new();
    for _ in 0..200 {
        traced = collector
            .spans()
            .into_iter()
            .filter(|(_, span)| hex(&span.trace_id) == TRACE_ID)
            .collect();
        if traced.iter().any(|(_, s)| s.name == "db.transaction")
            && traced.iter().any(|(_, s)| s.name == "POST /graphql")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let find = |name: &str| {
        traced
            .iter()
            .find(|(_, s)| s.name == name)
            .unwrap_or_else(|| panic!("no {name} span in {traced:?}"))
            .clone()
    };
    let (service, request) = find("POST /graphql");
    assert_eq!(service, "revshare");
    assert_eq!(hex(&request.parent_span_id), PARENT_ID);
    assert_eq!(request.kind, 2, "a server span");
    assert_eq!(
        attribute(&request, "request_id").as_deref(),
        Some("req-traced-1")
    );
    assert_eq!(
        attribute(&request, "http.response.status_code").as_deref(),
        Some("200")
    );
    let (_, operation) = find("mutation NewGroup");
    assert_eq!(operation.parent_span_id, request.span_id);
    assert_eq!(
        attribute(&operation, "graphql.operation.type").as_deref(),
        Some("mutation")
    );
    let (_, transaction) = find("db.transaction");
    let statements: Vec<&Span> = traced
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name == "db.query" && s.parent_span_id == transaction.span_id)
        .collect();
    assert!(
        statements.iter().any(|s| attribute(s, "db.query.text")
            .is_some_and(|sql| sql.contains("INSERT INTO \"partner_groups\""))),
        "{statements:?}"
    );

    // A batch of events: its accrual is a span of the batch's request, with
    // the batch's transaction under it.
    let partner = partner_at(&app, "Traced partner", 10).await;
    let batch = client
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{BATCH_TRACE_ID}-{PARENT_ID}-01"))
        .json(&json!({
            "query": "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { error { code } } }",
            "variables": { "input": [sale_input(&partner, "t-1", "100"), sale_input(&partner, "t-2", "50")] },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 200);
    let mut accrual = None;
    for _ in 0..200 {
        let spans: Vec<Span> = collector
            .spans()
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| hex(&s.trace_id) == BATCH_TRACE_ID)
            .collect();
        if let Some(span) = spans.iter().find(|s| s.name == "accrual.batch")
            && spans
                .iter()
                .any(|s| s.name == "db.transaction" && s.parent_span_id == span.span_id)
        {
            accrual = Some(span.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let accrual = accrual.expect("an accrual.batch span with its transaction");
    assert_eq!(attribute(&accrual, "events").as_deref(), Some("2"));

    // One JSON line for the request, with its fields; no token anywhere.
    let log = replica.log();
    let lines: Vec<Value> = log
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["request_id"] == "req-traced-1")
        .collect();
    assert_eq!(requests.len(), 1, "{log}");
    let line = requests[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["tenant"], TENANT);
    assert_eq!(line["operation_type"], "mutation");
    assert_eq!(line["operation_name"], "NewGroup");
    assert_eq!(line["status"], 200);
    assert_eq!(line["outcome"], "ok");
    assert!(line["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(line["timestamp"].is_string());
    assert!(!log.contains(&token));
    assert!(!log.contains(std::str::from_utf8(SECRET).unwrap()));
}

async fn the_text_log_has_a_line_per_request_and_no_colour(app: TestApp) {
    let replica = Replica::start(&app.url, &[]).await;
    let token = app.admin();
    let client = reqwest::Client::new();
    let requests = [
        ("req-text-1", token.as_str(), "{ partners { totalCount } }"),
        ("req-text-2", "wrong", "{ partners { totalCount } }"),
        // Named in the document only: the log names it.
        (
            "req-text-3",
            token.as_str(),
            "query PartnerCount { partners { totalCount } }",
        ),
    ];
    for (id, auth, query) in requests {
        client
            .post(format!("http://{}/graphql", replica.addr))
            .bearer_auth(auth)
            .header("x-request-id", id)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
    }
    // Written as the answer goes out: wait for the last line.
    let mut log = String::new();
    for _ in 0..100 {
        log = replica.log();
        if log.contains("request_id=req-text-3") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let named = log
        .lines()
        .find(|l| l.contains("request_id=req-text-3"))
        .unwrap();
    assert!(named.contains("operation_name=PartnerCount"), "{named}");
    let first: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("request_id=req-text-1"))
        .collect();
    assert_eq!(first.len(), 1, "{log}");
    for field in [
        "tenant=acme",
        "operation_type=query",
        "operation_name=-",
        "status=200",
        "outcome=ok",
    ] {
        assert!(first[0].contains(field), "{field} in {}", first[0]);
    }
    let refused = log
        .lines()
        .find(|l| l.contains("request_id=req-text-2"))
        .unwrap();
    assert!(refused.contains("status=401"), "{refused}");
    assert!(refused.contains("outcome=UNAUTHENTICATED"), "{refused}");
    assert!(!log.contains('\u{1b}'), "no ANSI escapes in a file");
    assert!(!log.contains(&token));
}

/// Every family SPEC §13 lists, each line of the first scrape of a fresh
/// app, before anything happened: a dashboard's `rate()` and an alert read
/// 0, not "no data".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_family_is_in_the_first_scrape_at_zero() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let text = scrape(&app).await;
    for family in [
        "revshare_graphql_requests_total",
        "revshare_graphql_request_duration_seconds",
        "revshare_db_pool_connections",
        "revshare_commissions_written_total",
        "revshare_ingest_queue_depth",
        "revshare_link_clicks_queued",
        "revshare_link_clicks_dropped_total",
        "revshare_maturity_last_run_timestamp_seconds",
        "revshare_webhook_deliveries_total",
        "revshare_webhook_backlog",
        "revshare_subscriptions_active",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(family)),
            "{family} is missing:\n{text}"
        );
    }
    for outcome in ["delivered", "refused", "gone", "unreachable", "not_sent"] {
        let series = format!("revshare_webhook_deliveries_total{{outcome=\"{outcome}\"}}");
        assert_eq!(sample(&text, &series).as_deref(), Some("0"), "{series}");
    }
    for kind in ["COMMISSION", "CLAWBACK", "ADJUSTMENT", "BONUS"] {
        let series = format!("revshare_commissions_written_total{{kind=\"{kind}\"}}");
        assert_eq!(sample(&text, &series).as_deref(), Some("0"), "{series}");
    }
    let series =
        "revshare_graphql_requests_total{operation_type=\"mutation\",outcome=\"CONFLICT\"}";
    assert_eq!(sample(&text, series).as_deref(), Some("0"));
    assert_eq!(
        sample(&text, "revshare_webhook_backlog").as_deref(),
        Some("0")
    );
}

/// With `REVSHARE_LOG_FORMAT=json`, every line a development server writes
/// — its banner, token and portal link, its request lines, its shutdown —
/// is a JSON object; so is the error a server that cannot start prints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_json_logs_every_line_from_start_to_shutdown_is_json() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let mut replica = Replica::start_development_with(
        &app.url,
        &[
            ("REVSHARE_LOG_FORMAT", "json"),
            ("REVSHARE_METRICS_LISTEN", "127.0.0.1:0"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/graphql", replica.addr);
    client
        .post(&url)
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    client
        .post(&url)
        .bearer_auth("not.a.token")
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    replica.terminate();
    assert!(replica.ended().await, "the server stopped on SIGTERM");
    let log = replica.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    for line in &lines {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            parsed.is_object() && parsed["timestamp"].is_string() && parsed["message"].is_string(),
            "{line}"
        );
    }
    let said = |text: &str| lines.iter().any(|l| l.contains(text));
    assert!(said("revshare is serving GraphQL"), "{log}");
    assert!(said("\"portal\":\"http://"), "{log}");
    assert!(said("\"developmentToken\":true"), "{log}");
    assert!(said("metrics at"), "{log}");
    assert!(said("graphql request"), "{log}");
    assert!(said("shutting down"), "{log}");

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
        .arg("serve")
        .env("REVSHARE_LOG_FORMAT", "json")
        .env("REVSHARE_DATABASE_URL", "mysql://nowhere/db")
        .env("REVSHARE_JWT_SECRET", std::str::from_utf8(SECRET).unwrap())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in lines {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(parsed["level"], "ERROR", "{line}");
        assert!(
            parsed["message"]
                .as_str()
                .unwrap()
                .contains("REVSHARE_DATABASE_URL"),
            "{line}"
        );
    }
}

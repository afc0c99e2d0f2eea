//! A local server answering as Stripe's Connect API does, held to its
//! published document (`support::contract`), and its signed webhooks.

use crate::helpers::TestApp;
use crate::support::contract::Document;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub(crate) const SECRET_KEY: &str = "sk_test_51Hx0revshareKEY9876";

pub(crate) const WEBHOOK_SECRET: &str = "whsec_revshare_connect_test";

/// What the local Stripe server keeps and was asked.
pub(crate) struct Stripe {
    pub(crate) document: Document,
    pub(crate) fixtures: Value,
    /// Answers by `Idempotency-Key` (and path): the first, again.
    pub(crate) answers: HashMap<(String, String), Value>,
    pub(crate) accounts: Vec<Value>,
    pub(crate) links: usize,
    pub(crate) transfers: Vec<Value>,
    /// `POST /v1/transfers` received.
    pub(crate) transfer_posts: usize,
    pub(crate) faults: VecDeque<u16>,
    pub(crate) violations: Vec<String>,
}

pub(crate) type SharedStripe = Arc<Mutex<Stripe>>;

impl Stripe {
    /// A transfer as Stripe's fixtures show one.
    pub(crate) fn fixtures_transfer(&self) -> Value {
        self.fixtures["transfer"].clone()
    }
}

pub(crate) async fn serve_stripe() -> (String, SharedStripe) {
    let fixtures: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/contracts/stripe-fixtures.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let state = Arc::new(Mutex::new(Stripe {
        document: Document::load("stripe-connect.json"),
        fixtures,
        answers: HashMap::new(),
        accounts: Vec::new(),
        links: 0,
        transfers: Vec::new(),
        transfer_posts: 0,
        faults: VecDeque::new(),
        violations: Vec::new(),
    }));
    let app = axum::Router::new()
        .route("/v1/{*path}", axum::routing::post(stripe_post))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (base, state)
}

async fn stripe_post(
    State(state): State<SharedStripe>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut stripe = state.lock().unwrap();
    let stripe = &mut *stripe;
    let template = format!("/v1/{path}");
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(format!("Bearer {SECRET_KEY}").as_str())
    {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key provided" } }))).into_response();
    }
    let violations = stripe.document.check_form("POST", &template, &body);
    if !violations.is_empty() {
        stripe
            .violations
            .extend(violations.iter().map(|v| format!("POST {template}: {v}")));
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": { "type": "invalid_request_error", "message": violations.join("; ") } }))).into_response();
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        stripe
            .violations
            .push(format!("POST {template}: no Idempotency-Key"));
        return StatusCode::BAD_REQUEST.into_response();
    };
    if template == "/v1/transfers" {
        stripe.transfer_posts += 1;
        // Refused before it ran: Stripe saves no result for the key.
        if let Some(status) = stripe.faults.pop_front() {
            let error =
                json!({ "error": { "type": "api_error", "message": "An unknown error occurred" } });
            return (StatusCode::from_u16(status).unwrap(), axum::Json(error)).into_response();
        }
    }
    if let Some(first) = stripe.answers.get(&(template.clone(), key.clone())) {
        return axum::Json(first.clone()).into_response();
    }
    let form = crate::support::contract::form_to_json(&body);
    let answer = match template.as_str() {
        "/v1/accounts" => {
            let mut account = stripe.fixtures["account"].clone();
            account["id"] = json!(format!("acct_1Revshare{:0>6}", stripe.accounts.len() + 1));
            account["type"] = form["type"].clone();
            account["email"] = form["email"].clone();
            account["metadata"] = form["metadata"].clone();
            account["payouts_enabled"] = json!(false);
            account["charges_enabled"] = json!(false);
            account["details_submitted"] = json!(false);
            stripe.accounts.push(account.clone());
            account
        }
        "/v1/account_links" => {
            stripe.links += 1;
            let mut link = stripe.fixtures["account_link"].clone();
            link["url"] = json!(format!(
                "https://connect.stripe.com/setup/e/{}/{}",
                form["account"].as_str().unwrap(),
                stripe.links
            ));
            link
        }
        "/v1/transfers" => {
            let mut transfer = stripe.fixtures["transfer"].clone();
            transfer["id"] = json!(format!("tr_1Revshare{:0>8}", stripe.transfers.len() + 1));
            transfer["amount"] = json!(form["amount"].as_str().unwrap().parse::<i64>().unwrap());
            transfer["currency"] = form["currency"].clone();
            transfer["destination"] = form["destination"].clone();
            transfer["transfer_group"] = form["transfer_group"].clone();
            transfer["description"] = form["description"].clone();
            transfer["metadata"] = form["metadata"].clone();
            stripe.transfers.push(transfer.clone());
            transfer
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    for violation in stripe
        .document
        .check_answer("POST", &template, 200, &answer)
    {
        stripe
            .violations
            .push(format!("answer to POST {template}: {violation}"));
    }
    stripe.answers.insert((template, key), answer.clone());
    axum::Json(answer).into_response()
}

/// Stripe delivers `event` to the tenant's Connect webhook, signed.
pub(crate) async fn deliver_stripe(app: &TestApp, event: &Value, secret: &str) -> (u16, Value) {
    let body = event.to_string();
    let signature =
        crate::support::connectors::signature(&body, secret, chrono::Utc::now().timestamp()).await;
    let answer = app
        .client
        .post(format!(
            "http://{}/payouts/stripe/{}",
            app.addr,
            crate::helpers::TENANT
        ))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

pub(crate) fn stripe_event(id: &str, kind: &str, object: Value) -> Value {
    json!({ "id": id, "object": "event", "api_version": "2020-08-27", "created": 1_764_064_800,
        "type": kind, "livemode": false, "pending_webhooks": 1, "data": { "object": object } })
}

//! A local server answering as PayPal's Payouts API does, held to its
//! published document (`support::contract`): batches by
//! `sender_batch_id`, answers by `PayPal-Request-Id`, webhooks signed and
//! verified, faults on demand, and a count of what it was sent.

use crate::helpers::TestApp;
use crate::support::contract::Document;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub(crate) const CLIENT_ID: &str = "AeCLIENT-test-1234";
pub(crate) const CLIENT_SECRET: &str = "EO-secret-never-answered";
pub(crate) const WEBHOOK_ID: &str = "1JE4291016473214C";

// ---------------------------------------------------------------- PayPal

/// Where the local PayPal server holds a request, never answering it (a
/// replica is killed meanwhile).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    None,
    /// `POST /v1/oauth2/token`: before anything is sent.
    Token,
    /// `POST /v1/payments/payouts`, after the batch is made: the money
    /// left, the answer never arrives.
    Batch,
}

/// An item as the test expects it sent: payout, receiver, value, currency.
pub(crate) type SentItem = (String, String, String, String);

pub(crate) struct Item {
    pub(crate) payout_item_id: String,
    pub(crate) sender_item_id: String,
    pub(crate) receiver: String,
    pub(crate) value: String,
    pub(crate) currency: String,
    pub(crate) status: &'static str,
}

pub(crate) struct Batch {
    pub(crate) id: String,
    pub(crate) sender_batch_id: String,
    pub(crate) email_subject: String,
    pub(crate) items: Vec<Item>,
}

/// What the local PayPal server keeps and was asked.
pub(crate) struct Paypal {
    pub(crate) payouts: Document,
    pub(crate) webhooks: Document,
    pub(crate) token: String,
    pub(crate) tokens: usize,
    /// `POST /v1/payments/payouts` received, answered or not.
    pub(crate) posts: usize,
    pub(crate) answers: HashMap<String, Value>,
    pub(crate) batches: Vec<Batch>,
    pub(crate) faults: VecDeque<u16>,
    pub(crate) hold: Hold,
    /// Events PayPal delivered, by transmission id: what it verifies.
    pub(crate) delivered: HashMap<String, Value>,
    pub(crate) verified: usize,
    pub(crate) violations: Vec<String>,
}

pub(crate) type SharedPaypal = Arc<Mutex<Paypal>>;

impl Paypal {
    fn new() -> Paypal {
        Paypal {
            payouts: Document::load("paypal-payments_payouts_batch_v1.json"),
            webhooks: Document::load("paypal-notifications_webhooks_v1.json"),
            token: "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg".into(),
            tokens: 0,
            posts: 0,
            answers: HashMap::new(),
            batches: Vec::new(),
            faults: VecDeque::new(),
            hold: Hold::None,
            delivered: HashMap::new(),
            verified: 0,
            violations: Vec::new(),
        }
    }

    /// Items made across every batch: payouts money left for.
    pub(crate) fn items_made(&self) -> usize {
        self.batches.iter().map(|b| b.items.len()).sum()
    }

    pub(crate) fn item_of(&mut self, payout: &str) -> &mut Item {
        self.batches
            .iter_mut()
            .flat_map(|b| b.items.iter_mut())
            .find(|i| i.sender_item_id == payout)
            .expect("an item for the payout")
    }

    fn answer(&mut self, method: &str, template: &str, status: u16, body: Value) -> Response {
        let document = match template {
            "/v1/notifications/verify-webhook-signature" => &self.webhooks,
            _ => &self.payouts,
        };
        if template != "/v1/oauth2/token" {
            for violation in document.check_answer(method, template, status, &body) {
                self.violations
                    .push(format!("answer to {method} {template}: {violation}"));
            }
        }
        (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
    }

    /// A page of a batch, as PayPal pages it (`page`, `page_size`); the
    /// batch is `SUCCESS` once no item waits.
    fn batch_json(&self, batch: &Batch, page: usize, page_size: usize) -> Value {
        let page_size = page_size.clamp(1, 1000);
        let total_pages = batch.items.len().div_ceil(page_size).max(1);
        let waiting = batch
            .items
            .iter()
            .any(|item| matches!(item.status, "PENDING" | "NEW" | "ONHOLD"));
        let items: Vec<Value> = batch
            .items
            .iter()
            .skip((page.max(1) - 1) * page_size)
            .take(page_size)
            .map(|item| {
                let mut json = json!({
                    "payout_item_id": item.payout_item_id,
                    "transaction_status": item.status,
                    "payout_batch_id": batch.id,
                    "payout_item_fee": { "currency": item.currency, "value": "0.00" },
                    "payout_item": {
                        "recipient_type": "EMAIL",
                        "amount": { "currency": item.currency, "value": item.value },
                        "receiver": item.receiver,
                        "sender_item_id": item.sender_item_id,
                    },
                    "time_processed": "2026-11-25T10:00:00Z",
                    "links": [{ "href": format!("https://api-m.paypal.com/v1/payments/payouts-item/{}", item.payout_item_id), "rel": "item", "method": "GET" }],
                });
                if item.status == "SUCCESS" {
                    json["transaction_id"] = json!(format!("TX{}", &item.payout_item_id[..8]));
                }
                if matches!(item.status, "FAILED" | "RETURNED" | "UNCLAIMED") {
                    json["errors"] = json!({ "name": "RECEIVER_UNREGISTERED",
                        "message": "Receiver is unregistered", "debug_id": "a1b2c3", "information_link": "https://developer.paypal.com/docs/api/payments.payouts-batch/#errors" });
                }
                json
            })
            .collect();
        json!({
            "batch_header": {
                "payout_batch_id": batch.id,
                "batch_status": if waiting { "PROCESSING" } else { "SUCCESS" },
                "sender_batch_header": { "sender_batch_id": batch.sender_batch_id, "email_subject": batch.email_subject },
                "time_created": "2026-11-25T10:00:00Z",
            },
            "items": items,
            "total_items": batch.items.len(),
            "total_pages": total_pages,
            "links": [{ "href": format!("https://api-m.paypal.com/v1/payments/payouts/{}", batch.id), "rel": "self", "method": "GET" }],
        })
    }
}

/// Letters and digits as PayPal's ids are made of, one per `n`.
fn paypal_id(n: usize, prefix: &str) -> String {
    format!("{prefix}{n:0>5}")
}

pub(crate) async fn serve_paypal() -> (String, SharedPaypal) {
    let state = Arc::new(Mutex::new(Paypal::new()));
    let app = axum::Router::new()
        .route("/v1/oauth2/token", axum::routing::post(paypal_token))
        .route("/v1/payments/payouts", axum::routing::post(paypal_create))
        .route(
            "/v1/payments/payouts/{id}",
            axum::routing::get(paypal_batch),
        )
        .route(
            "/v1/notifications/verify-webhook-signature",
            axum::routing::post(paypal_verify),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (base, state)
}

/// Hangs: the request is never answered.
async fn never() -> Response {
    std::future::pending().await
}

async fn paypal_token(
    State(state): State<SharedPaypal>,
    headers: HeaderMap,
    body: String,
) -> Response {
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let hold = {
        let mut paypal = state.lock().unwrap();
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": "invalid_client", "error_description": "Client Authentication failed" }))).into_response();
        }
        if body != "grant_type=client_credentials" {
            paypal
                .violations
                .push(format!("token request body {body:?}"));
        }
        paypal.tokens += 1;
        paypal.hold
    };
    if hold == Hold::Token {
        return never().await;
    }
    let token = state.lock().unwrap().token.clone();
    axum::Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payouts",
        "access_token": token, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
        "expires_in": 32400, "nonce": "2026-11-25T10:00:00ZdJlSCj0uTAOdbkh8p2p5rKS0gcf-b6VZF5X-SfY2j3w",
    }))
    .into_response()
}

fn bearer_ok(paypal: &Paypal, headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {}", paypal.token).as_str())
}

async fn paypal_create(
    State(state): State<SharedPaypal>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let hold = {
        let mut paypal = state.lock().unwrap();
        let paypal = &mut *paypal;
        if !bearer_ok(paypal, &headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        paypal.posts += 1;
        let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let mut violations =
            paypal
                .payouts
                .check_json("POST", "/v1/payments/payouts", &request, &[]);
        violations.extend(
            paypal
                .payouts
                .check_headers("POST", "/v1/payments/payouts", &headers),
        );
        if !violations.is_empty() {
            paypal.violations.extend(
                violations
                    .iter()
                    .map(|v| format!("POST /v1/payments/payouts: {v}")),
            );
            let error = json!({ "name": "VALIDATION_ERROR", "message": "Invalid request - see details", "debug_id": "b1c2d3", "details": [{ "field": "body", "issue": violations.join("; ") }] });
            return paypal.answer("POST", "/v1/payments/payouts", 400, error);
        }
        if let Some(status) = paypal.faults.pop_front() {
            let error = json!({ "name": if status == 429 { "RATE_LIMIT_REACHED" } else { "INTERNAL_SERVER_ERROR" },
                "message": "Try again later", "debug_id": format!("f{}", paypal.posts) });
            let mut response =
                (StatusCode::from_u16(status).unwrap(), axum::Json(error)).into_response();
            if status == 429 {
                response
                    .headers_mut()
                    .insert("retry-after", "1".parse().unwrap());
            }
            return response;
        }
        let request_id = headers
            .get("paypal-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // The server stores PayPal-Request-Id keys: the first answer again.
        if let Some(first) = paypal.answers.get(&request_id).cloned() {
            return paypal.answer("POST", "/v1/payments/payouts", 201, first);
        }
        let header = &request["sender_batch_header"];
        let sender_batch_id = header["sender_batch_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let Some(original) = paypal
            .batches
            .iter()
            .find(|b| b.sender_batch_id == sender_batch_id)
        {
            let error = json!({ "name": "USER_BUSINESS_ERROR", "message": "User business error.", "debug_id": "d1e2f3",
                "details": [{ "field": "SENDER_BATCH_ID", "issue": format!("Batch with given sender_batch_id already exists: {sender_batch_id}") }],
                "links": [{ "href": format!("https://api-m.paypal.com/v1/payments/payouts/{}", original.id), "rel": "self", "method": "GET" }] });
            return paypal.answer("POST", "/v1/payments/payouts", 400, error);
        }
        let number = paypal.batches.len() + 1;
        let items = request["items"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, item)| Item {
                payout_item_id: paypal_id(number * 100 + i, "8AELMXH8UB"),
                sender_item_id: item["sender_item_id"].as_str().unwrap().to_owned(),
                receiver: item["receiver"].as_str().unwrap().to_owned(),
                value: item["amount"]["value"].as_str().unwrap().to_owned(),
                currency: item["amount"]["currency"].as_str().unwrap().to_owned(),
                status: "PENDING",
            })
            .collect();
        let batch = Batch {
            id: paypal_id(number, "5UXD2E8A"),
            sender_batch_id: sender_batch_id.clone(),
            email_subject: header["email_subject"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            items,
        };
        let answer = json!({
            "batch_header": { "payout_batch_id": batch.id, "batch_status": "PENDING",
                "sender_batch_header": { "sender_batch_id": sender_batch_id, "email_subject": batch.email_subject } },
            "links": [{ "href": format!("https://api-m.paypal.com/v1/payments/payouts/{}", batch.id), "rel": "self", "method": "GET" }],
        });
        paypal.batches.push(batch);
        paypal.answers.insert(request_id, answer.clone());
        match paypal.hold {
            Hold::Batch => Err(()),
            _ => Ok(paypal.answer("POST", "/v1/payments/payouts", 201, answer)),
        }
    };
    match hold {
        Ok(response) => response,
        Err(()) => never().await,
    }
}

async fn paypal_batch(
    State(state): State<SharedPaypal>,
    Path(id): Path<String>,
    axum::extract::Query(paging): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut paypal = state.lock().unwrap();
    if !bearer_ok(&paypal, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(batch) = paypal.batches.iter().find(|b| b.id == id) else {
        let error = json!({ "name": "INVALID_RESOURCE_ID", "message": "Requested resource ID was not found.", "debug_id": "e1" });
        return paypal.answer("GET", "/v1/payments/payouts/{id}", 404, error);
    };
    let number = |name: &str, default: usize| {
        paging
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let json = paypal.batch_json(batch, number("page", 1), number("page_size", 1000));
    paypal.answer("GET", "/v1/payments/payouts/{id}", 200, json)
}

async fn paypal_verify(
    State(state): State<SharedPaypal>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut paypal = state.lock().unwrap();
    if !bearer_ok(&paypal, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let template = "/v1/notifications/verify-webhook-signature";
    let violations = paypal
        .webhooks
        .check_json("POST", template, &request, &["webhook_event"]);
    paypal.violations.extend(
        violations
            .into_iter()
            .map(|v| format!("POST {template}: {v}")),
    );
    paypal.verified += 1;
    let id = request["transmission_id"].as_str().unwrap_or_default();
    // PayPal verifies what it sent, for the webhook it was sent to.
    let genuine = request["webhook_id"] == WEBHOOK_ID
        && request["transmission_sig"] == format!("sig-{id}")
        && paypal.delivered.get(id) == Some(&request["webhook_event"]);
    let status = if genuine { "SUCCESS" } else { "FAILURE" };
    paypal.answer(
        "POST",
        template,
        200,
        json!({ "verification_status": status }),
    )
}

/// PayPal delivers `event` to the tenant's webhook URL, signed (or not).
pub(crate) async fn deliver_paypal(
    app: &TestApp,
    paypal: &SharedPaypal,
    transmission: &str,
    event: &Value,
    genuine: bool,
) -> (u16, Value) {
    paypal
        .lock()
        .unwrap()
        .delivered
        .insert(transmission.to_owned(), event.clone());
    let signature = match genuine {
        true => format!("sig-{transmission}"),
        false => "forged".to_owned(),
    };
    let answer = app
        .client
        .post(format!(
            "http://{}/payouts/paypal/{}",
            app.addr,
            crate::helpers::TENANT
        ))
        .header("paypal-auth-algo", "SHA256withRSA")
        .header(
            "paypal-cert-url",
            "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
        )
        .header("paypal-transmission-id", transmission)
        .header("paypal-transmission-sig", signature)
        .header("paypal-transmission-time", "2026-11-25T10:00:00Z")
        .header("content-type", "application/json")
        .body(serde_json::to_string_pretty(event).unwrap())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// A `PAYMENT.PAYOUTS-ITEM.*` event for a payout's item.
pub(crate) fn item_event(paypal: &SharedPaypal, id: &str, kind: &str, payout: &str) -> Value {
    let paypal = paypal.lock().unwrap();
    let batch = paypal
        .batches
        .iter()
        .find(|b| b.items.iter().any(|i| i.sender_item_id == payout))
        .expect("the payout's batch");
    let item = batch
        .items
        .iter()
        .find(|i| i.sender_item_id == payout)
        .unwrap();
    let status = match kind {
        "SUCCEEDED" => "SUCCESS",
        other => other,
    };
    let resource = json!({
        "payout_item_id": item.payout_item_id,
        "transaction_status": status,
        "payout_batch_id": batch.id,
        "payout_item": { "recipient_type": "EMAIL", "amount": { "currency": item.currency, "value": item.value },
            "receiver": item.receiver, "sender_item_id": payout },
        "errors": { "name": "RECEIVER_UNREGISTERED", "message": "Receiver is unregistered" },
    });
    json!({
        "id": id,
        "create_time": "2026-11-25T10:05:00.000Z",
        "resource_type": "payouts_item",
        "event_type": format!("PAYMENT.PAYOUTS-ITEM.{kind}"),
        "summary": "Payout item status changed",
        "resource": resource,
        "links": [],
        "event_version": "1.0",
    })
}

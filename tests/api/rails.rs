//! Paying partners by API (SPEC §26), against local servers that answer
//! as PayPal's and Stripe's published OpenAPI documents describe
//! ([`crate::contract`]): every request revshare sends is checked against
//! the document, strictly, and every answer the servers give as well. The
//! servers keep what a provider keeps — batches by `sender_batch_id`,
//! answers by `PayPal-Request-Id` and `Idempotency-Key` — and count what
//! they were sent, so that "money leaves once" is counted where money
//! would leave. Faults are cases: a `500` and a `429`, a webhook twice
//! and out of order, a replica killed between marking and sending and
//! while the provider holds its request, two replicas on one run.

use crate::contract::Document;
use crate::helpers::{Replica, TestApp, code, field};
use crate::on_both_databases_with;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use revshare::http::Options;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_databases_with!(
    options;
    paypal_pays_a_run_once_and_follows_each_payout_to_its_end,
    a_500_and_a_429_are_tried_again_and_the_batch_leaves_once,
    rails_are_admins_and_their_secrets_never_come_back,
    stripe_connect_onboards_a_partner_and_pays_it_by_transfer,
    the_rails_in_the_docs_run_as_written,
);

on_both_databases_with!(
    keyed;
    a_replica_killed_while_sending_leaves_each_payout_sent_once,
);

/// Rails reach local servers (private addresses), seal with a data key,
/// read back every second.
pub(crate) fn options() -> Options {
    let mut options = crate::webhooks::loopback();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.payout_poll = Duration::from_secs(1);
    options.public_url = Some(Arc::from("https://partners.example.com"));
    options
}

/// The data key the test app and replica processes share.
const DATA_KEY: &str = "c2VjcmV0LWRhdGEta2V5LWZvci10aGUtdGVzdHMtMzI=";

/// [`options`] with [`DATA_KEY`], and no worker of the test's own: the
/// replicas send.
fn keyed() -> Options {
    let mut options = options();
    options.data_key = Some(revshare::payouts::seal::DataKey::from_base64(DATA_KEY).unwrap());
    options.jobs = revshare::jobs::Jobs::all().without(&[
        revshare::jobs::Job::Webhooks,
        revshare::jobs::Job::Payouts,
        revshare::jobs::Job::Mail,
        revshare::jobs::Job::CommissionMail,
        revshare::jobs::Job::SignInMail,
        revshare::jobs::Job::Housekeeping,
    ]);
    options
}

const CLIENT_ID: &str = "AeCLIENT-test-1234";
const CLIENT_SECRET: &str = "EO-secret-never-answered";
const WEBHOOK_ID: &str = "1JE4291016473214C";

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
type SentItem = (String, String, String, String);

pub(crate) struct Item {
    payout_item_id: String,
    sender_item_id: String,
    receiver: String,
    value: String,
    currency: String,
    pub(crate) status: &'static str,
}

pub(crate) struct Batch {
    pub(crate) id: String,
    pub(crate) sender_batch_id: String,
    email_subject: String,
    pub(crate) items: Vec<Item>,
}

/// What the local PayPal server keeps and was asked.
pub(crate) struct Paypal {
    payouts: Document,
    webhooks: Document,
    token: String,
    tokens: usize,
    /// `POST /v1/payments/payouts` received, answered or not.
    pub(crate) posts: usize,
    answers: HashMap<String, Value>,
    pub(crate) batches: Vec<Batch>,
    pub(crate) faults: VecDeque<u16>,
    pub(crate) hold: Hold,
    /// Events PayPal delivered, by transmission id: what it verifies.
    delivered: HashMap<String, Value>,
    verified: usize,
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
async fn deliver_paypal(
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
fn item_event(paypal: &SharedPaypal, id: &str, kind: &str, payout: &str) -> Value {
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

// ------------------------------------------------------------ the program

pub(crate) const CONFIGURE: &str = "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { rail mode baseUrl credentialHint webhookUrl configuredBy } }";
pub(crate) const SEND: &str = "mutation($input: SendPayoutsInput!) { sendPayouts(input: $input) { id status payouts { id status railStatus } } }";
pub(crate) const PAYOUT: &str = "query($id: ID!) { node(id: $id) { ... on Payout { id status amount currency reference rail railStatus railReference railError paidAt failureReason commissions { nodes { id status payoutId } } } } }";

pub(crate) async fn configure_paypal(app: &TestApp, base: &str) -> Value {
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID } } }),
    )
    .await["configurePayoutRail"]
        .clone()
}

/// A partner with an address, at 10 %.
pub(crate) async fn partner(app: &TestApp, name: &str) -> String {
    let group = app
        .create_group(
            &format!("{name} group"),
            json!([{ "recurring": { "percentage": 10 } }]),
        )
        .await;
    app.create_partner(json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase()), "groupId": group }))
        .await
}

/// The program's campaign in euros, at 10 %; `partners` enrolled.
async fn in_euros(app: &TestApp, partners: &[&str]) -> String {
    let euro = crate::campaigns::create_campaign(
        app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    for partner in partners {
        crate::campaigns::enroll(app, partner, &euro).await;
    }
    euro
}

/// Approved commissions of a tenth of each sale (`(amount, campaign)`: a
/// campaign in euros, or the default one in dollars).
pub(crate) async fn earned(
    app: &TestApp,
    partner: &str,
    key: &str,
    sales: &[(&str, Option<&str>)],
) -> Vec<String> {
    let mut ids = Vec::new();
    for (n, (amount, campaign)) in sales.iter().enumerate() {
        let mut input = crate::ledger::sale_input(partner, &format!("{key}-{n}"), amount);
        input["occurredAt"] = json!("2026-01-10T12:00:00Z");
        if let Some(campaign) = campaign {
            input["campaignId"] = json!(campaign);
            input["currency"] = json!("EUR");
        }
        ids.push(crate::ledger::commission_id(app, input).await);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    crate::payouts::approve(app, &refs).await;
    ids
}

pub(crate) async fn payout(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), PAYOUT, json!({ "id": id })).await["node"].clone()
}

/// Waits (up to 30 s) until the payout's rail status is `status`.
pub(crate) async fn until(app: &TestApp, id: &str, status: &str) -> Value {
    let within = Duration::from_secs(30);
    let now = crate::support::wait::last_of(
        within,
        async || payout(app, id).await,
        |now| now["railStatus"] == status,
    )
    .await;
    if now["railStatus"] == status {
        return now;
    }
    let row = {
        use sea_orm::EntityTrait;
        entity::payout::Entity::find_by_id(id.to_owned())
            .one(app.db.conn())
            .await
            .unwrap()
    };
    panic!("payout {id} never became {status}: {now}\n{row:?}");
}

pub(crate) fn payout_of<'a>(run: &'a Value, partner: &str) -> &'a str {
    run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == partner)
        .and_then(|p| p["id"].as_str())
        .expect("the partner's payout")
}

const RUN: &str = "mutation($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { id payouts { id amount currency partner { id name } method { type } } } }";

pub(crate) async fn run(app: &TestApp) -> Value {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    app.ok(
        &app.service("commissions:write"),
        RUN,
        json!({ "input": { "periodEnd": today } }),
    )
    .await["createPayoutRun"]
        .clone()
}

async fn emails_of(app: &TestApp, partner: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($p: ID!) { emails(partnerId: $p, kind: PAYOUT_SENT) { nodes { subject text } } }",
            json!({ "p": partner }),
        )
        .await;
    data["emails"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn rail_events(app: &TestApp, payout: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "{ domainEvents(types: [PAYOUT_RAIL_CHANGED, PAYOUT_PAID, PAYOUT_FAILED], first: 100) { nodes { type subjectId data } } }",
            json!({}),
        )
        .await;
    data["domainEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subjectId"] == payout)
        .map(|e| match e["type"].as_str().unwrap() {
            "PAYOUT_RAIL_CHANGED" => {
                format!("RAIL {}", e["data"]["railStatus"].as_str().unwrap_or("-"))
            }
            other => other.to_owned(),
        })
        .collect()
}

async fn paypal_pays_a_run_once_and_follows_each_payout_to_its_end(app: TestApp) {
    let (base, paypal) = serve_paypal().await;
    let config = configure_paypal(&app, &base).await;
    assert_eq!(config["credentialHint"], "…1234");
    assert_eq!(
        config["webhookUrl"],
        format!(
            "https://partners.example.com/payouts/paypal/{}",
            crate::helpers::TENANT
        )
    );
    let nia = partner(&app, "Nia").await;
    let ona = partner(&app, "Ona").await;
    let eve = partner(&app, "Eve").await;
    crate::payouts::paypal(&app, &nia, "nia@example.com").await;
    crate::payouts::paypal(&app, &ona, "ona@example.com").await;
    crate::payouts::paypal(&app, &eve, "eve@example.com").await;
    let euro = in_euros(&app, &[&nia, &eve]).await;
    earned(
        &app,
        &nia,
        "n",
        &[("100", None), ("23.40", None), ("50", Some(&euro))],
    )
    .await;
    let ona_rows = earned(&app, &ona, "o", &[("300", None)]).await;
    earned(&app, &eve, "e", &[("80", Some(&euro))]).await;
    let run = run(&app).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let nia_usd = run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == nia.as_str() && p["currency"] == "USD")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nia_eur = run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == nia.as_str() && p["currency"] == "EUR")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ona_usd = payout_of(&run, &ona).to_owned();
    let eve_eur = payout_of(&run, &eve).to_owned();

    // Queued in the run's transaction, answered at once.
    let sent = app
        .ok(
            &app.service("commissions:write"),
            SEND,
            json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await["sendPayouts"]
        .clone();
    assert_eq!(sent["status"], "OPEN");
    for p in sent["payouts"].as_array().unwrap() {
        assert!(
            ["QUEUED", "SENT"].contains(&p["railStatus"].as_str().unwrap()),
            "{p}"
        );
    }
    // One batch per currency, each item the payout, its amount exact.
    let nia_sent = until(&app, &nia_usd, "SENT").await;
    assert_eq!(
        (nia_sent["status"].as_str(), nia_sent["rail"].as_str()),
        (Some("PENDING"), Some("PAYPAL_PAYOUTS"))
    );
    for id in [&nia_eur, &ona_usd, &eve_eur] {
        until(&app, id, "SENT").await;
    }
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!(paypal.posts, 2);
        let mut batches: Vec<(String, Vec<SentItem>)> = paypal
            .batches
            .iter()
            .map(|b| {
                let mut items: Vec<_> = b
                    .items
                    .iter()
                    .map(|i| {
                        (
                            i.sender_item_id.clone(),
                            i.receiver.clone(),
                            i.value.clone(),
                            i.currency.clone(),
                        )
                    })
                    .collect();
                items.sort();
                (b.sender_batch_id.clone(), items)
            })
            .collect();
        batches.sort();
        let mut usd = vec![
            (
                nia_usd.clone(),
                "nia@example.com".to_owned(),
                "12.34".to_owned(),
                "USD".to_owned(),
            ),
            (
                ona_usd.clone(),
                "ona@example.com".to_owned(),
                "30.00".to_owned(),
                "USD".to_owned(),
            ),
        ];
        usd.sort();
        let mut eur = vec![
            (
                nia_eur.clone(),
                "nia@example.com".to_owned(),
                "5.00".to_owned(),
                "EUR".to_owned(),
            ),
            (
                eve_eur.clone(),
                "eve@example.com".to_owned(),
                "8.00".to_owned(),
                "EUR".to_owned(),
            ),
        ];
        eur.sort();
        assert_eq!(
            batches,
            vec![
                (format!("{run_id}-EUR"), eur),
                (format!("{run_id}-USD"), usd)
            ]
        );
    }
    // Not in any file, and not markable by hand: the rail ends it.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"x\") { id } }",
            json!({ "id": nia_usd }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    // Sending the run again sends nothing twice.
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;

    // PayPal pays Nia's USD, holds Ona's unclaimed: read back by polling.
    {
        let mut paypal = paypal.lock().unwrap();
        paypal.item_of(&nia_usd).status = "SUCCESS";
        paypal.item_of(&ona_usd).status = "UNCLAIMED";
    }
    let paid = until(&app, &nia_usd, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
    let item = paypal
        .lock()
        .unwrap()
        .item_of(&nia_usd)
        .payout_item_id
        .clone();
    assert_eq!(paid["railReference"], item);
    assert_eq!(paid["reference"], item);
    for row in paid["commissions"]["nodes"].as_array().unwrap() {
        assert_eq!(row["status"], "PAID", "{row}");
    }
    let unclaimed = until(&app, &ona_usd, "UNCLAIMED").await;
    assert_eq!(unclaimed["status"], "PENDING");
    assert_eq!(unclaimed["railError"], "PayPal: Receiver is unregistered");

    // Webhooks: Eve's EUR succeeded (delivered twice), Ona's returned, and
    // an older UNCLAIMED of Ona's arriving after it; a forged one refused.
    let succeeded = item_event(&paypal, "WH-1", "SUCCEEDED", &eve_eur);
    for transmission in ["t-1", "t-1-again"] {
        let (status, body) = deliver_paypal(&app, &paypal, transmission, &succeeded, true).await;
        assert_eq!(status, 200, "{body}");
    }
    let forged = item_event(&paypal, "WH-9", "FAILED", &nia_eur);
    let (status, body) = deliver_paypal(&app, &paypal, "t-9", &forged, false).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_SIGNATURE"))
    );
    let returned = item_event(&paypal, "WH-2", "RETURNED", &ona_usd);
    assert_eq!(
        deliver_paypal(&app, &paypal, "t-2", &returned, true)
            .await
            .0,
        200
    );
    let late = item_event(&paypal, "WH-3", "UNCLAIMED", &ona_usd);
    assert_eq!(
        deliver_paypal(&app, &paypal, "t-3", &late, true).await.0,
        200
    );

    let eve_paid = payout(&app, &eve_eur).await;
    assert_eq!(
        (eve_paid["status"].as_str(), eve_paid["railStatus"].as_str()),
        (Some("PAID"), Some("SUCCEEDED"))
    );
    let ona_failed = payout(&app, &ona_usd).await;
    assert_eq!(
        (
            ona_failed["status"].as_str(),
            ona_failed["railStatus"].as_str()
        ),
        (Some("FAILED"), Some("RETURNED"))
    );
    assert_eq!(
        ona_failed["failureReason"],
        "PayPal: Receiver is unregistered"
    );
    // Ona's commission is back for the next run, and no longer held.
    let row = app
        .ok(
            &app.admin(),
            "query($id: ID!) { commission(id: $id) { status payoutId } }",
            json!({ "id": ona_rows[0] }),
        )
        .await;
    assert_eq!(
        row["commission"],
        json!({ "status": "APPROVED", "payoutId": null })
    );
    // Nia's EUR is still with PayPal: a late poll changes nothing of the ends.
    assert_eq!(payout(&app, &nia_eur).await["railStatus"], "SENT");

    // Each status change an event; PAYOUT_SENT mail only on success, once.
    assert_eq!(
        rail_events(&app, &ona_usd).await,
        vec![
            "RAIL QUEUED",
            "RAIL SENT",
            "RAIL UNCLAIMED",
            "PAYOUT_FAILED",
            "RAIL RETURNED"
        ]
    );
    assert_eq!(
        rail_events(&app, &eve_eur).await,
        vec!["RAIL QUEUED", "RAIL SENT", "PAYOUT_PAID", "RAIL SUCCEEDED"]
    );
    assert_eq!(emails_of(&app, &nia).await.len(), 1);
    assert_eq!(emails_of(&app, &eve).await.len(), 1);
    assert_eq!(emails_of(&app, &ona).await.len(), 0);
    // Money left once per payout, and every request was as documented.
    let paypal = paypal.lock().unwrap();
    assert_eq!((paypal.posts, paypal.items_made()), (2, 4));
    assert_eq!(paypal.violations, Vec::<String>::new());
}

async fn a_500_and_a_429_are_tried_again_and_the_batch_leaves_once(app: TestApp) {
    let (base, paypal) = serve_paypal().await;
    paypal.lock().unwrap().faults.extend([500, 429]);
    configure_paypal(&app, &base).await;
    let nia = partner(&app, "Nia").await;
    crate::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia).to_owned();
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;
    // The 500 is shown while it waits.
    let mut seen = Vec::new();
    for _ in 0..300 {
        let now = payout(&app, &id).await;
        if let Some(error) = now["railError"].as_str()
            && !seen.iter().any(|s: &String| s == error)
        {
            seen.push(error.to_owned());
        }
        if now["railStatus"] == "SENT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen.iter()
            .any(|e| e.starts_with("PayPal answered 500; tried again at ")),
        "{seen:?}"
    );
    let sent = payout(&app, &id).await;
    assert_eq!(
        (sent["railStatus"].as_str(), sent["railError"].as_str()),
        (Some("SENT"), None)
    );
    paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
    until(&app, &id, "SUCCEEDED").await;
    let paypal = paypal.lock().unwrap();
    assert_eq!((paypal.posts, paypal.items_made()), (3, 1));
    assert_eq!(paypal.violations, Vec::<String>::new());
}

async fn rails_are_admins_and_their_secrets_never_come_back(app: TestApp) {
    let nia = partner(&app, "Nia").await;
    let input = |credentials: Value| json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "credentials": credentials } });
    // Staff who are not admins, and partners, are refused.
    for token in [app.service("commissions:write"), app.partner_token(&nia)] {
        let error = app
            .error(
                Some(&token),
                CONFIGURE,
                input(json!({ "clientId": "a", "clientSecret": "b", "webhookId": "c" })),
            )
            .await;
        assert_eq!(code(&error), "FORBIDDEN", "{error}");
    }
    // Each missing or foreign credential is named.
    let error = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            input(json!({ "clientId": "a", "webhookId": "c" })),
        )
        .await;
    assert_eq!(field(&error), "input.credentials.clientSecret");
    let error = app.error(Some(&app.admin()), CONFIGURE, input(json!({ "clientId": "a", "clientSecret": "b", "webhookId": "c", "secretKey": "sk_live_x" }))).await;
    assert_eq!(field(&error), "input.credentials.secretKey");
    let stripe = |key: &str| {
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "LIVE",
        "credentials": { "secretKey": key, "webhookSecret": "whsec_abc" } } })
    };
    let error = app
        .error(Some(&app.admin()), CONFIGURE, stripe("sk_test_abc"))
        .await;
    assert_eq!(field(&error), "input.credentials.secretKey");
    let error = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "baseUrl": "ftp://x",
            "credentials": { "clientId": "a", "clientSecret": "b", "webhookId": "c" } } }),
        )
        .await;
    assert_eq!(field(&error), "input.baseUrl");
    // A rail not configured is named when a run is sent through it.
    crate::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            SEND,
            json!({ "input": { "runId": run["id"], "rail": "STRIPE_CONNECT" } }),
        )
        .await;
    assert_eq!(field(&error), "input.rail");
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            SEND,
            json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
    // Stored sealed: the secret is nowhere in the row, and never answered.
    app.ok(&app.admin(), CONFIGURE, input(json!({ "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID }))).await;
    let listed = app
        .ok(
            &app.admin(),
            "{ payoutRails { rail mode baseUrl credentialHint } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["payoutRails"],
        json!([{ "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "baseUrl": "https://api-m.paypal.com", "credentialHint": "…1234" }])
    );
    let stored: Vec<String> = {
        use sea_orm::{EntityTrait, QuerySelect};
        entity::payout_rail::Entity::find()
            .select_only()
            .column(entity::payout_rail::Column::Credentials)
            .into_tuple()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(CLIENT_SECRET) && !stored[0].contains(CLIENT_ID),
        "{}",
        stored[0]
    );
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            "{ payoutRails { rail } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
}

/// A replica process sending payouts (`REVSHARE_PAYOUT_POLL_SECONDS=1`).
async fn sender(app: &TestApp) -> Replica {
    Replica::start(
        &app.url,
        &[
            ("REVSHARE_DATA_KEY", DATA_KEY),
            ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("REVSHARE_PAYOUT_POLL_SECONDS", "1"),
        ],
    )
    .await
}

/// The lease of a killed replica runs out (as thirty seconds would).
async fn lease_runs_out(app: &TestApp) {
    use sea_orm::{EntityTrait, sea_query::Expr};
    entity::payout::Entity::update_many()
        .col_expr(
            entity::payout::Column::RailLeaseUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db.conn())
        .await
        .unwrap();
}

async fn a_replica_killed_while_sending_leaves_each_payout_sent_once(app: TestApp) {
    for hold in [Hold::Token, Hold::Batch] {
        let (base, paypal) = serve_paypal().await;
        paypal.lock().unwrap().hold = hold;
        configure_paypal(&app, &base).await;
        let name = match hold {
            Hold::Token => "Kim",
            _ => "Lou",
        };
        let kim = partner(&app, name).await;
        crate::payouts::paypal(&app, &kim, &format!("{}@example.com", name.to_lowercase())).await;
        earned(&app, &kim, name, &[("100", None)]).await;
        let run = run(&app).await;
        let id = payout_of(&run, &kim).to_owned();

        // Two replicas; the first is sent the run and is killed while the
        // provider holds its request — before anything left (the token),
        // or after the batch was made (its answer never comes).
        let first = sender(&app).await;
        let second = sender(&app).await;
        let answer: Value = app
            .client
            .post(format!("http://{}/graphql", first.addr))
            .bearer_auth(app.service("commissions:write"))
            .json(&json!({ "query": SEND, "variables": { "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer["errors"].is_null(), "{answer}");
        let held = |paypal: &Paypal| match hold {
            Hold::Token => paypal.tokens >= 1,
            _ => paypal.posts >= 1,
        };
        for _ in 0..200 {
            if held(&paypal.lock().unwrap()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            held(&paypal.lock().unwrap()),
            "the request never reached the provider"
        );
        // While the first holds the lease, the second sends nothing.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        {
            let paypal = paypal.lock().unwrap();
            let expected = match hold {
                Hold::Token => (1, 0),
                _ => (1, 1),
            };
            assert_eq!((paypal.tokens, paypal.posts), expected);
        }
        assert_eq!(payout(&app, &id).await["railStatus"], "QUEUED");
        first.kill();
        paypal.lock().unwrap().hold = Hold::None;
        lease_runs_out(&app).await;
        let sent = until(&app, &id, "SENT").await;
        assert_eq!(sent["status"], "PENDING");
        paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
        let paid = until(&app, &id, "SUCCEEDED").await;
        assert_eq!(paid["status"], "PAID");
        // Sent once: one batch, one item; after the kill mid-send the same
        // PayPal-Request-Id went again and was answered the first batch.
        let paypal = paypal.lock().unwrap();
        let posts = match hold {
            Hold::Token => 1,
            _ => 2,
        };
        assert_eq!(
            (paypal.posts, paypal.batches.len(), paypal.items_made()),
            (posts, 1, 1)
        );
        assert_eq!(paypal.violations, Vec::<String>::new());
        drop(second);
    }
}

// ---------------------------------------------------------------- Stripe

pub(crate) const SECRET_KEY: &str = "sk_test_51Hx0revshareKEY9876";
pub(crate) const WEBHOOK_SECRET: &str = "whsec_revshare_connect_test";

/// What the local Stripe server keeps and was asked.
pub(crate) struct Stripe {
    document: Document,
    fixtures: Value,
    /// Answers by `Idempotency-Key` (and path): the first, again.
    answers: HashMap<(String, String), Value>,
    pub(crate) accounts: Vec<Value>,
    links: usize,
    pub(crate) transfers: Vec<Value>,
    /// `POST /v1/transfers` received.
    pub(crate) transfer_posts: usize,
    pub(crate) faults: VecDeque<u16>,
    violations: Vec<String>,
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
    let form = crate::contract::form_to_json(&body);
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
        crate::connectors::signature(&body, secret, chrono::Utc::now().timestamp()).await;
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

pub(crate) const CONNECT: &str = "mutation($p: ID) { createConnectOnboardingLink(partnerId: $p) }";
const CONNECTED: &str = "query($id: ID!) { partner(id: $id) { stripeConnect { available accountId payoutsEnabled } payoutMethod { type stripeAccountId } } }";

async fn stripe_connect_onboards_a_partner_and_pays_it_by_transfer(app: TestApp) {
    let (base, stripe) = serve_stripe().await;
    let nia = partner(&app, "Nia").await;
    let ona = partner(&app, "Ona").await;
    // Not offered before the program pays through Stripe.
    let before = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        before["partner"]["stripeConnect"],
        json!({ "available": false, "accountId": null, "payoutsEnabled": false })
    );
    let error = app
        .error(Some(&app.partner_token(&nia)), CONNECT, json!({}))
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;

    // The partner connects from the portal: one account, a link each time.
    let first =
        app.ok(&app.partner_token(&nia), CONNECT, json!({})).await["createConnectOnboardingLink"]
            .clone();
    assert_eq!(
        first,
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/1"
    );
    let again =
        app.ok(&app.partner_token(&nia), CONNECT, json!({})).await["createConnectOnboardingLink"]
            .clone();
    assert_eq!(
        again,
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/2"
    );
    // Another partner naming Nia is answered as naming none.
    let error = app
        .error(Some(&app.partner_token(&ona)), CONNECT, json!({ "p": nia }))
        .await;
    assert_eq!(field(&error), "partnerId");
    {
        let stripe = stripe.lock().unwrap();
        assert_eq!(stripe.accounts.len(), 1);
        assert_eq!(stripe.accounts[0]["type"], "express");
        assert_eq!(stripe.accounts[0]["email"], "nia@example.com");
        assert_eq!(stripe.accounts[0]["metadata"], json!({ "partner": nia }));
    }
    let pending = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        pending["partner"],
        json!({ "stripeConnect": { "available": true, "accountId": "acct_1Revshare000001", "payoutsEnabled": false }, "payoutMethod": null })
    );
    // A partner cannot pick Stripe before Stripe enables the account.
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            "mutation { setPayoutMethod(input: { type: STRIPE_CONNECT }) { type } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&error), "input.type");

    // Stripe says the account's payouts are enabled: it is Nia's method.
    let mut account = stripe.lock().unwrap().accounts[0].clone();
    account["payouts_enabled"] = json!(true);
    let updated = stripe_event("evt_1", "account.updated", account);
    assert_eq!(deliver_stripe(&app, &updated, "whsec_forged").await.0, 400);
    let (status, body) = deliver_stripe(&app, &updated, WEBHOOK_SECRET).await;
    assert_eq!((status, body["handled"].as_str()), (200, Some("done")));
    let ready = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        ready["partner"],
        json!({ "stripeConnect": { "available": true, "accountId": "acct_1Revshare000001", "payoutsEnabled": true },
            "payoutMethod": { "type": "STRIPE_CONNECT", "stripeAccountId": "acct_1Revshare000001" } })
    );

    // A run pays Nia by transfer; Stripe fails the first try before it ran.
    earned(&app, &nia, "n", &[("100", None), ("23.40", None)]).await;
    let run = run(&app).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let id = payout_of(&run, &nia).to_owned();
    assert_eq!(run["payouts"][0]["method"]["type"], "STRIPE_CONNECT");
    stripe.lock().unwrap().faults.push_back(500);
    // PayPal's rail takes none of them.
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            SEND,
            json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await;
    assert_eq!(field(&error), "input.rail");
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run_id, "rail": "STRIPE_CONNECT" } }),
    )
    .await;
    let paid = until(&app, &id, "SUCCEEDED").await;
    assert_eq!(
        (paid["status"].as_str(), paid["railReference"].as_str()),
        (Some("PAID"), Some("tr_1Revshare00000001"))
    );
    {
        let stripe = stripe.lock().unwrap();
        assert_eq!((stripe.transfer_posts, stripe.transfers.len()), (2, 1));
        let transfer = &stripe.transfers[0];
        assert_eq!(
            (
                transfer["amount"].clone(),
                transfer["currency"].clone(),
                transfer["destination"].clone(),
                transfer["transfer_group"].clone()
            ),
            (
                json!(1234),
                json!("usd"),
                json!("acct_1Revshare000001"),
                json!(run_id)
            )
        );
        assert_eq!(transfer["metadata"], json!({ "payout": id }));
    }
    assert_eq!(emails_of(&app, &nia).await.len(), 1);

    // The transfer answered twice (created, then reversed in full later):
    // the money is back with the brand, so the payout failed and its
    // commissions go to the next run, the reason shown for finance.
    let transfer = stripe.lock().unwrap().transfers[0].clone();
    assert_eq!(
        deliver_stripe(
            &app,
            &stripe_event("evt_2", "transfer.created", transfer.clone()),
            WEBHOOK_SECRET
        )
        .await
        .0,
        200
    );
    let mut reversed = transfer;
    reversed["reversed"] = json!(true);
    reversed["amount_reversed"] = json!(1234);
    assert_eq!(
        deliver_stripe(
            &app,
            &stripe_event("evt_3", "transfer.reversed", reversed),
            WEBHOOK_SECRET
        )
        .await
        .0,
        200
    );
    let after = payout(&app, &id).await;
    assert_eq!(
        (after["status"].as_str(), after["railStatus"].as_str()),
        (Some("FAILED"), Some("FAILED"))
    );
    let reason = "Stripe reversed transfer tr_1Revshare00000001 in full (12.34 USD): its commissions go to the next run";
    assert_eq!(after["railError"], reason);
    assert_eq!(after["failureReason"], reason);
    assert_eq!(
        after["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["status"].as_str(), c["payoutId"].as_str()))
            .collect::<Vec<_>>(),
        vec![(Some("APPROVED"), None), (Some("APPROVED"), None)]
    );
    assert_eq!(emails_of(&app, &nia).await.len(), 1);
    assert_eq!(stripe.lock().unwrap().violations, Vec::<String>::new());
}

async fn the_rails_in_the_docs_run_as_written(app: TestApp) {
    let operations = crate::guides::operations("docs/payouts.md");
    let (configure, connect, send) = (&operations[5], &operations[6], &operations[7]);
    let (base, paypal) = serve_paypal().await;
    let (stripe_base, _stripe) = serve_stripe().await;
    let connected = app
        .ok(
            &app.admin(),
            configure,
            json!({ "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID, "baseUrl": base }),
        )
        .await;
    assert_eq!(
        connected["configurePayoutRail"],
        json!({ "rail": "PAYPAL_PAYOUTS", "mode": "SANDBOX", "credentialHint": "…1234",
            "webhookUrl": format!("https://partners.example.com/payouts/paypal/{}", crate::helpers::TENANT) })
    );
    // Step 2 is Stripe's: the partner's link, once the program has it.
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": stripe_base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;
    let nia = partner(&app, "Nia").await;
    let link = app.ok(&app.partner_token(&nia), connect, json!({})).await;
    assert_eq!(
        link["createConnectOnboardingLink"],
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/1"
    );
    crate::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia).to_owned();
    let sent = app
        .ok(
            &app.service("commissions:write"),
            send,
            json!({ "runId": run["id"] }),
        )
        .await["sendPayouts"]
        .clone();
    assert_eq!(sent["payouts"][0]["rail"], "PAYPAL_PAYOUTS");
    paypal.lock().unwrap().faults.clear();
    until(&app, &id, "SENT").await;
    paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
    let paid = until(&app, &id, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
}

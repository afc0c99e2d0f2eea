//! A local server answering as Wise's API does, built from its reference
//! (docs.wise.com: recipient accounts, quotes, batch groups and their
//! transfers, completion, funding, transfers and their states), holding
//! every request to what the reference says a request is, and keeping
//! what Wise keeps: recipients, quotes (one transfer each), transfers by
//! `customerTransactionId` (a repeat is answered with the first), batch
//! groups with their `version`, funded once. Faults on demand: a `500`
//! after a transfer was made, a `429` with `Retry-After`, an answer held
//! forever (a replica is killed meanwhile), funding that asks for SCA.
//! Webhooks are signed as Wise signs them (RSA-SHA256 of the body,
//! base64, `X-Signature-SHA256`), with the test's key pair.

use crate::helpers::TestApp;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub(crate) const API_TOKEN: &str = "1f4b5a2c-7e0d-4c1a-9b8e-wise0000a1b2";
pub(crate) const PROFILE: &str = "30000000";

/// The key the local server signs webhooks with, and its public half the
/// rail is given (`webhookPublicKey`); the same pair stands for the SCA
/// key finance registered with Wise.
pub(crate) fn private_pem() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/keys/rs256-private.pem"
    ))
    .unwrap()
}

pub(crate) fn public_pem() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/keys/rs256-public.pem"
    ))
    .unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .unwrap()
}

/// RSA-SHA256 of `data` with the test's private key, base64.
pub(crate) fn sign(data: &[u8]) -> String {
    let key = ring::rsa::KeyPair::from_pkcs8(&pem_der(&private_pem())).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        data,
        &mut signature,
    )
    .unwrap();
    base64::engine::general_purpose::STANDARD.encode(signature)
}

/// Whether `signature` is the test key's RSA-SHA256 of `data`.
fn verify(data: &[u8], signature: &str) -> bool {
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    // A 2048-bit key's SubjectPublicKeyInfo: 24 bytes before its PKCS#1 key.
    let spki = pem_der(&public_pem());
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &spki[24..],
    )
    .verify(data, &signature)
    .is_ok()
}

/// Where a fault is met.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum At {
    Recipient,
    Quote,
    Group,
    /// Adding a transfer: the transfer is made first, then the fault
    /// answers instead of it.
    TransferMade,
    Complete,
    Fund,
    Read,
}

pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) currency: String,
    pub(crate) version: i64,
    pub(crate) status: &'static str,
    pub(crate) transfer_ids: Vec<u64>,
    pub(crate) funded: bool,
}

/// What the local Wise server keeps and was asked.
#[derive(Default)]
pub(crate) struct Wise {
    pub(crate) recipients: Vec<Value>,
    pub(crate) quotes: HashMap<String, Value>,
    pub(crate) groups: Vec<Group>,
    pub(crate) transfers: Vec<Value>,
    /// Transfer posts received, answered or not.
    pub(crate) transfer_posts: usize,
    /// Fund posts received, and fundings done.
    pub(crate) fund_posts: usize,
    pub(crate) fundings: usize,
    /// Faults to answer, in order, each where it is met: its status and
    /// `Retry-After`.
    pub(crate) faults: VecDeque<(At, u16, Option<u64>)>,
    /// Adding a transfer: made, then never answered.
    pub(crate) hold_transfer: bool,
    /// Funding asks for SCA (UK/EEA profiles): a `403` with a one-time
    /// token, taken once signed.
    pub(crate) sca: bool,
    pub(crate) tokens: Vec<String>,
    pub(crate) signed: usize,
    pub(crate) violations: Vec<String>,
}

pub(crate) type SharedWise = Arc<Mutex<Wise>>;

impl Wise {
    pub(crate) fn transfer_of(&self, payout_id: &str) -> &Value {
        let ctid = transaction_id(payout_id);
        self.transfers
            .iter()
            .find(|t| t["customerTransactionId"] == ctid)
            .unwrap_or_else(|| panic!("no transfer for payout {payout_id}"))
    }

    /// Moves a transfer to a state, as Wise does (the webhook is the
    /// test's to deliver).
    pub(crate) fn set_state(&mut self, transfer_id: u64, state: &str) {
        let transfer = self
            .transfers
            .iter_mut()
            .find(|t| t["id"] == transfer_id)
            .unwrap();
        transfer["status"] = json!(state);
    }

    fn fault(&mut self, at: At) -> Option<Response> {
        if self.faults.front().is_some_and(|(f, ..)| *f == at) {
            let (_, status, retry_after) = self.faults.pop_front().unwrap();
            let mut response = (
                StatusCode::from_u16(status).unwrap(),
                axum::Json(json!({ "errors": [{ "code": "error", "message": "Something went wrong", "arguments": [] }] })),
            )
                .into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.to_string().parse().unwrap());
            }
            return Some(response);
        }
        None
    }

    fn violation(&mut self, what: String) -> Response {
        self.violations.push(what.clone());
        refusal(400, "NOT_VALID", &what, "")
    }
}

/// The UUID of a payout's 128-bit id, as revshare sends it.
pub(crate) fn transaction_id(payout_id: &str) -> String {
    let n = ulid::Ulid::from_string(payout_id).unwrap().0;
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn refusal(status: u16, code: &str, message: &str, path: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({ "errors": [{ "code": code, "message": message, "path": path, "arguments": [] }] })),
    )
        .into_response()
}

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
}

fn uuid(n: usize, kind: u16) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

pub(crate) async fn serve_wise() -> (String, SharedWise) {
    let state: SharedWise = Arc::default();
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route("/v1/accounts", post(recipient))
        .route("/v3/profiles/{profile}/quotes", post(quote))
        .route("/v3/profiles/{profile}/batch-groups", post(create_group))
        .route(
            "/v3/profiles/{profile}/batch-groups/{id}",
            get(read_group).patch(complete_group),
        )
        .route(
            "/v3/profiles/{profile}/batch-groups/{id}/transfers",
            post(add_transfer),
        )
        .route(
            "/v3/profiles/{profile}/batch-payments/{id}/payments",
            post(fund),
        )
        .route("/v1/transfers/{id}", get(read_transfer))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (base, state)
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {API_TOKEN}").as_str())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({ "error": "invalid_token", "error_description": "token" })),
    )
        .into_response()
}

/// What a field of `body` must be, by the reference.
fn text<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Value::as_str)
}

async fn recipient(State(state): State<SharedWise>, headers: HeaderMap, body: String) -> Response {
    let mut wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(fault) = wise.fault(At::Recipient) {
        return fault;
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if body["profile"] != json!(PROFILE.parse::<u64>().unwrap()) {
        return wise.violation(format!("POST /v1/accounts: profile {}", body["profile"]));
    }
    let holder = text(&body, "/accountHolderName").unwrap_or_default();
    if holder.split_whitespace().count() < 2 && text(&body, "/details/legalType") == Some("PRIVATE")
    {
        return refusal(
            422,
            "NOT_VALID",
            "Please enter the recipients first and last name.",
            "accountHolderName",
        );
    }
    let currency = text(&body, "/currency").unwrap_or_default();
    let expected: &[&str] = match (text(&body, "/type"), currency) {
        (Some("iban"), "EUR" | "CHF" | "DKK" | "NOK" | "PLN" | "SEK") => &["legalType", "iban"],
        (Some("sort_code"), "GBP") => &["legalType", "sortCode", "accountNumber"],
        (Some("aba"), "USD") => &[
            "legalType",
            "abartn",
            "accountNumber",
            "accountType",
            "address",
        ],
        (kind, currency) => {
            return wise.violation(format!("POST /v1/accounts: type {kind:?} for {currency}"));
        }
    };
    let details = body["details"].as_object().cloned().unwrap_or_default();
    let mut keys: Vec<&str> = details.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut wanted = expected.to_vec();
    wanted.sort_unstable();
    if keys != wanted || details.values().any(Value::is_null) {
        return wise.violation(format!(
            "POST /v1/accounts: details {keys:?}, not {wanted:?}"
        ));
    }
    if let Some(address) = details.get("address") {
        for field in ["country", "city", "postCode", "firstLine", "state"] {
            if !address[field].is_string() {
                return wise.violation(format!("POST /v1/accounts: address.{field}"));
            }
        }
    }
    let id = 40_000_000 + wise.recipients.len() as u64 + 1;
    let account = json!({
        "id": id, "business": null, "profile": body["profile"], "accountHolderName": holder,
        "currency": currency, "country": null, "type": body["type"], "details": body["details"],
        "user": 4_342_275, "active": true, "ownedByCustomer": false,
    });
    wise.recipients.push(account.clone());
    axum::Json(account).into_response()
}

async fn quote(
    State(state): State<SharedWise>,
    Path(profile): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(fault) = wise.fault(At::Quote) {
        return fault;
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let fields = [
        "sourceCurrency",
        "targetCurrency",
        "targetAmount",
        "targetAccount",
        "payOut",
        "preferredPayIn",
    ];
    let keys: Vec<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if profile != PROFILE || keys.len() != fields.len() || fields.iter().any(|f| !keys.contains(f))
    {
        return wise.violation(format!("POST quotes: {keys:?} for profile {profile}"));
    }
    if body["payOut"] != "BANK_TRANSFER" || body["preferredPayIn"] != "BALANCE" {
        return wise.violation(format!(
            "POST quotes: payOut {} preferredPayIn {}",
            body["payOut"], body["preferredPayIn"]
        ));
    }
    let Some(amount) = body["targetAmount"].as_f64().filter(|a| *a > 0.0) else {
        return refusal(
            400,
            "error.greaterThanZero",
            "Amount must be greater than zero",
            "targetAmount",
        );
    };
    let id = uuid(wise.quotes.len() + 1, 0x9);
    let quote = json!({
        "id": id, "sourceCurrency": body["sourceCurrency"], "targetCurrency": body["targetCurrency"],
        "sourceAmount": amount, "targetAmount": body["targetAmount"], "targetAccount": body["targetAccount"],
        "payOut": "BANK_TRANSFER", "preferredPayIn": "BALANCE", "rate": 1, "rateType": "FIXED",
        "status": "PENDING", "profile": PROFILE.parse::<u64>().unwrap(), "used": false,
        "paymentOptions": [{ "disabled": false, "payIn": "BALANCE", "payOut": "BANK_TRANSFER",
            "fee": { "transferwise": 0.41, "payIn": 0, "discount": 0, "partner": 0, "total": 0.41 } }],
    });
    wise.quotes.insert(id, quote.clone());
    axum::Json(quote).into_response()
}

fn group_json(group: &Group) -> Value {
    json!({ "id": group.id, "version": group.version, "name": group.name,
        "sourceCurrency": group.currency, "status": group.status,
        "transferIds": group.transfer_ids, "payInDetails": [] })
}

async fn create_group(
    State(state): State<SharedWise>,
    Path(profile): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(fault) = wise.fault(At::Group) {
        return fault;
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let name = text(&body, "/name").unwrap_or_default().to_owned();
    let currency = text(&body, "/sourceCurrency")
        .unwrap_or_default()
        .to_owned();
    if profile != PROFILE || name.is_empty() || name.len() > 100 || currency.len() != 3 {
        return wise.violation(format!("POST batch-groups: {body}"));
    }
    let group = Group {
        id: uuid(wise.groups.len() + 1, 0xb),
        name,
        currency,
        version: 0,
        status: "NEW",
        transfer_ids: Vec::new(),
        funded: false,
    };
    let answer = group_json(&group);
    wise.groups.push(group);
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

async fn read_group(
    State(state): State<SharedWise>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    match wise.groups.iter().find(|g| g.id == id) {
        Some(group) => axum::Json(group_json(group)).into_response(),
        None => refusal(404, "NOT_FOUND", "Batch group not found", ""),
    }
}

async fn complete_group(
    State(state): State<SharedWise>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(fault) = wise.fault(At::Complete) {
        return fault;
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let Some(group) = wise.groups.iter_mut().find(|g| g.id == id) else {
        return refusal(404, "NOT_FOUND", "Batch group not found", "");
    };
    if body["status"] != "COMPLETED" || body["version"].as_i64() != Some(group.version) {
        return refusal(
            409,
            "batch.version.mismatch",
            "The version does not match",
            "version",
        );
    }
    if group.status != "NEW" {
        return refusal(409, "batch.not.new", "The batch group is not NEW", "status");
    }
    group.status = "COMPLETED";
    group.version += 7;
    axum::Json(group_json(group)).into_response()
}

async fn add_transfer(
    State(state): State<SharedWise>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let answer = {
        let mut wise = state.lock().unwrap();
        let wise = &mut *wise;
        if !authorized(&headers) {
            return unauthorized();
        }
        wise.transfer_posts += 1;
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let ctid = text(&body, "/customerTransactionId")
            .unwrap_or_default()
            .to_owned();
        if !is_uuid(&ctid) {
            return wise.violation(format!("POST transfers: customerTransactionId {ctid:?}"));
        }
        // A repeat is answered with the first transfer.
        if let Some(first) = wise
            .transfers
            .iter()
            .find(|t| t["customerTransactionId"] == ctid)
        {
            let first = first.clone();
            if let Some(fault) = wise.fault(At::TransferMade) {
                return fault;
            }
            return axum::Json(first).into_response();
        }
        let quote_id = text(&body, "/quoteUuid").unwrap_or_default().to_owned();
        let Some(quote) = wise.quotes.get_mut(&quote_id) else {
            return refusal(422, "NOT_VALID", "Quote not found", "quoteUuid");
        };
        if quote["used"] == true {
            return refusal(
                422,
                "NOT_VALID",
                "You can only create one transfer per one quote",
                "quoteUuid",
            );
        }
        if quote["targetAccount"] != body["targetAccount"] {
            return refusal(
                422,
                "NOT_VALID",
                "The quote is for another recipient",
                "targetAccount",
            );
        }
        quote["used"] = json!(true);
        let quote = quote.clone();
        let reference = text(&body, "/details/reference")
            .unwrap_or_default()
            .to_owned();
        if reference.is_empty() || reference.len() > 18 {
            return wise.violation(format!("POST transfers: details.reference {reference:?}"));
        }
        let Some(group) = wise.groups.iter_mut().find(|g| g.id == id) else {
            return refusal(404, "NOT_FOUND", "Batch group not found", "");
        };
        if group.status != "NEW" || group.transfer_ids.len() >= 1000 {
            return refusal(
                422,
                "batch.closed",
                "The batch group takes no more transfers",
                "",
            );
        }
        if quote["sourceCurrency"] != json!(group.currency) {
            return refusal(
                422,
                "NOT_VALID",
                "The quote's currency is not the group's",
                "quoteUuid",
            );
        }
        let transfer_id = 50_000_000 + wise.transfers.len() as u64 + 1;
        group.transfer_ids.push(transfer_id);
        group.version += 1;
        let transfer = json!({
            "id": transfer_id, "user": 4_342_275, "targetAccount": body["targetAccount"],
            "sourceAccount": null, "quote": null, "quoteUuid": quote_id, "status": "incoming_payment_waiting",
            "reference": "", "rate": 1, "created": "2026-11-29 12:00:00", "business": PROFILE.parse::<u64>().unwrap(),
            "transferRequest": null, "details": { "reference": reference }, "hasActiveIssues": false,
            "sourceCurrency": quote["sourceCurrency"], "sourceValue": quote["targetAmount"],
            "targetCurrency": quote["targetCurrency"], "targetValue": quote["targetAmount"],
            "customerTransactionId": ctid,
        });
        wise.transfers.push(transfer.clone());
        if let Some(fault) = wise.fault(At::TransferMade) {
            return fault;
        }
        if wise.hold_transfer {
            None
        } else {
            Some(transfer)
        }
    };
    match answer {
        Some(transfer) => axum::Json(transfer).into_response(),
        None => std::future::pending().await,
    }
}

async fn fund(
    State(state): State<SharedWise>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut wise = state.lock().unwrap();
    let wise = &mut *wise;
    if !authorized(&headers) {
        return unauthorized();
    }
    wise.fund_posts += 1;
    if let Some(fault) = wise.fault(At::Fund) {
        return fault;
    }
    if serde_json::from_str::<Value>(&body).ok() != Some(json!({ "type": "BALANCE" })) {
        return wise.violation(format!("POST batch-payments: {body}"));
    }
    if wise.sca {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        match (header("x-2fa-approval"), header("x-signature")) {
            (Some(token), Some(signature))
                if wise.tokens.contains(&token) && verify(token.as_bytes(), &signature) =>
            {
                // A token is taken once.
                wise.tokens.retain(|t| *t != token);
                wise.signed += 1;
            }
            _ => {
                let token = uuid(wise.tokens.len() + wise.signed + 1, 0x2fa);
                wise.tokens.push(token.clone());
                let mut response = (
                    StatusCode::FORBIDDEN,
                    axum::Json(json!({ "timestamp": "2026-11-29T12:00:00.000+0000", "status": 403,
                        "error": "Forbidden", "message": "You are forbidden to send this request", "path": "" })),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert("x-2fa-approval", token.parse().unwrap());
                response
                    .headers_mut()
                    .insert("x-2fa-approval-result", "REJECTED".parse().unwrap());
                return response;
            }
        }
    }
    let Some(group) = wise.groups.iter_mut().find(|g| g.id == id) else {
        return refusal(404, "NOT_FOUND", "Batch group not found", "");
    };
    if group.status != "COMPLETED" {
        return refusal(
            422,
            "batch.not.completed",
            "The batch group is not COMPLETED",
            "",
        );
    }
    if group.funded {
        return refusal(
            422,
            "batch.already.paid",
            "The batch group was paid already",
            "",
        );
    }
    group.funded = true;
    let ids = group.transfer_ids.clone();
    let answer = json!({ "id": group.id, "name": group.name, "alreadyPaid": true, "shortId": 12345,
        "userId": 4_342_275, "profileId": PROFILE.parse::<u64>().unwrap(), "sourceCurrency": group.currency,
        "status": "COMPLETED", "groupType": "API", "transferIds": ids });
    wise.fundings += 1;
    for transfer in wise.transfers.iter_mut() {
        if ids.contains(&transfer["id"].as_u64().unwrap()) {
            transfer["status"] = json!("processing");
        }
    }
    axum::Json(answer).into_response()
}

async fn read_transfer(
    State(state): State<SharedWise>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut wise = state.lock().unwrap();
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(fault) = wise.fault(At::Read) {
        return fault;
    }
    let id: u64 = id.parse().unwrap_or_default();
    match wise.transfers.iter().find(|t| t["id"] == id) {
        Some(transfer) => axum::Json(transfer.clone()).into_response(),
        None => refusal(404, "NOT_FOUND", "Transfer not found", ""),
    }
}

/// A `transfers#state-change` event, as Wise sends it.
pub(crate) fn state_change(
    transfer: u64,
    recipient: u64,
    previous: &str,
    current: &str,
    at: &str,
) -> String {
    json!({
        "data": {
            "resource": { "type": "transfer", "id": transfer, "profile_id": PROFILE.parse::<u64>().unwrap(), "account_id": recipient },
            "current_state": current,
            "previous_state": previous,
            "occurred_at": at,
        },
        "subscription_id": "01234567-89ab-cdef-0123-456789abcdef",
        "event_type": "transfers#state-change",
        "schema_version": "2.0.0",
        "sent_at": at,
    })
    .to_string()
}

/// Wise delivers `body` to the tenant's webhook, signed with `signature`
/// (none: the test key's).
pub(crate) async fn deliver_wise(
    app: &TestApp,
    body: &str,
    signature: Option<&str>,
) -> (u16, Value) {
    let signature = signature
        .map(str::to_owned)
        .unwrap_or_else(|| sign(body.as_bytes()));
    let answer = app
        .client
        .post(format!(
            "http://{}/payouts/wise/{}",
            app.addr,
            crate::helpers::TENANT
        ))
        .header("x-signature-sha256", signature)
        .header("x-delivery-id", "f3b2b7a4-0000-4000-8000-000000000001")
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

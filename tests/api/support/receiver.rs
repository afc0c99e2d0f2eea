//! A webhook receiver on loopback: the app's options to reach it, what it
//! received, the answers it is scripted to give, and an endpoint
//! registered to it.

use crate::helpers::TestApp;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use revshare::http::Options;
use revshare::webhooks::{Settings, parse_schedule};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Webhooks to loopback, retried after 100 ms three times.
pub(crate) fn loopback() -> Options {
    Options {
        webhooks: Settings {
            timeout: Duration::from_secs(2),
            schedule: parse_schedule("100ms,100ms,100ms").unwrap(),
            disable_after: 2,
            allow_private: true,
            replay_limit: 5,
        },
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

/// A request the receiver was sent.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// How the receiver answers: the scripted answers first, then `then`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Answer {
    Status(u16),
    /// A status with `Retry-After: <seconds>`.
    RetryAfter(u16, u64),
    /// Holds the request for this long, then answers 200.
    Hang(Duration),
}

#[derive(Default)]
struct Script {
    next: VecDeque<Answer>,
    then: Option<Answer>,
}

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Script>>,
}

/// A webhook receiver on loopback.
pub(crate) struct Receiver {
    pub addr: SocketAddr,
    shared: Shared,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Shared {
            received: Arc::default(),
            script: Arc::default(),
        };
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { addr, shared }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers `answers` to the next requests, then `then`.
    pub fn script(&self, answers: &[Answer], then: Answer) {
        let mut script = self.shared.script.lock().unwrap();
        script.next = answers.iter().copied().collect();
        script.then = Some(then);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The requests received, once there are at least `count` (within 30 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..600 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} requests, got {:?}", self.received());
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    shared.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let answer = {
        let mut script = shared.script.lock().unwrap();
        let then = script.then.unwrap_or(Answer::Status(200));
        script.next.pop_front().unwrap_or(then)
    };
    match answer {
        Answer::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
        Answer::RetryAfter(code, seconds) => (
            StatusCode::from_u16(code).unwrap(),
            [("retry-after", seconds.to_string())],
        )
            .into_response(),
        Answer::Hang(time) => {
            tokio::time::sleep(time).await;
            StatusCode::OK.into_response()
        }
    }
}

/// Whether one of `signature`'s `v1,` signatures is `secret`'s over the
/// request, as a receiver checks it (Standard Webhooks).
pub(crate) fn verifies(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.signature.split(' ').any(|s| s == expected)
}

pub(crate) const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { \
    secret endpoint { id url eventTypes description status disabledReason partner { name } } } }";

/// Registers an endpoint as `token`; answers its id and secret.
pub(crate) async fn register(app: &TestApp, token: &str, input: Value) -> (String, String) {
    let data = app.ok(token, CREATE, json!({ "input": input })).await;
    let created = &data["createWebhookEndpoint"];
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

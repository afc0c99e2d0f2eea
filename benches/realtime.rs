//! The real-time side of `benches/realtime.sh`: a webhook receiver, a
//! subscriber, and many idle subscriptions.
//!
//! ```text
//! realtime sink ADDR STATE            receive webhooks on ADDR (POST /hook, 200)
//! realtime subscribe WS_URL TOKEN STATE   one subscription to every event
//! realtime idle WS_URL TOKEN N        N connections, each with a subscription, held open
//! ```
//!
//! `sink` and `subscribe` keep `{"count", "distinct", "first_ms", "last_ms"}`
//! (milliseconds since the epoch of the first and last event received) in
//! the file STATE, rewritten every 100 ms. `idle` prints `open N` once every
//! subscription is acknowledged and sent, then holds them until killed.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Default)]
struct Tally {
    count: u64,
    ids: HashSet<String>,
    first_ms: u128,
    last_ms: u128,
}

impl Tally {
    fn add(&mut self, id: String) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        if self.count == 0 {
            self.first_ms = now;
        }
        self.count += 1;
        self.last_ms = now;
        self.ids.insert(id);
    }
}

/// Rewrites `path` with the tally every 100 ms.
fn keep_state(tally: Arc<Mutex<Tally>>, path: String) {
    tokio::spawn(async move {
        loop {
            let text = {
                let t = tally.lock().unwrap();
                json!({ "count": t.count, "distinct": t.ids.len(), "first_ms": t.first_ms as u64, "last_ms": t.last_ms as u64 })
                    .to_string()
            };
            let temporary = format!("{path}.tmp");
            if std::fs::write(&temporary, text).is_ok() {
                let _ = std::fs::rename(&temporary, &path);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A connection acknowledged for `token`, with one subscription to every
/// event sent.
async fn subscribed(url: &str, token: &str) -> Socket {
    let mut request = url.into_client_request().expect("a ws:// URL");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket upgrade");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
            Some(Ok(Message::Text(text))) => panic!("expected connection_ack, got {text}"),
            Some(Ok(_)) => continue,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }
    let subscribe = json!({ "type": "subscribe", "id": "1", "payload": { "query": "subscription { domainEvents { id } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}

async fn subscribe(url: &str, token: &str, state: String) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    keep_state(tally.clone(), state);
    let mut socket = subscribed(url, token).await;
    while let Some(message) = socket.next().await {
        match message {
            Ok(Message::Text(text)) => {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if value["type"] == "next" {
                    let id = value["payload"]["data"]["domainEvents"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    tally.lock().unwrap().add(id);
                } else if value["type"] != "pong" {
                    eprintln!("subscriber: {text}");
                }
            }
            Ok(Message::Close(frame)) => {
                eprintln!("subscriber: closed {frame:?}");
                break;
            }
            Ok(_) => {}
            Err(err) => {
                eprintln!("subscriber: {err}");
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn idle(url: &str, token: &str, n: usize) {
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        sockets.push(subscribed(url, token).await);
    }
    println!("open {}", sockets.len());
    // Hold them (answering pings) until killed.
    let mut streams = futures_util::stream::select_all(sockets.into_iter().map(|s| s.boxed()));
    while streams.next().await.is_some() {}
}

async fn sink(addr: &str, state: String) {
    use axum::http::HeaderMap;
    let tally = Arc::new(Mutex::new(Tally::default()));
    keep_state(tally.clone(), state);
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, _body: String| {
            let tally = tally.clone();
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                tally.lock().unwrap().add(id);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    axum::serve(listener, router).await.unwrap();
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["sink", addr, state] => sink(addr, state.to_string()).await,
        ["subscribe", url, token, state] => subscribe(url, token, state.to_string()).await,
        ["idle", url, token, n] => idle(url, token, n.parse().expect("a number")).await,
        _ => {
            eprintln!(
                "usage: realtime sink ADDR STATE | subscribe WS_URL TOKEN STATE | idle WS_URL TOKEN N"
            );
            std::process::exit(2);
        }
    }
}

//! A GraphQL-over-WebSocket client, and the subscription to the event
//! log.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent.
#[derive(Debug, PartialEq)]
pub(crate) enum Received {
    Message(Value),
    Closed(u16, String),
}

/// A `graphql-transport-ws` client.
pub(crate) struct Ws {
    socket: Socket,
}

impl Ws {
    /// A socket on `path` of `addr`, speaking the protocol.
    pub(crate) async fn open(addr: SocketAddr, path: &str) -> Ws {
        Ws::open_with(addr, path, &[]).await
    }

    /// A socket on `path` of `addr`, its upgrade request carrying `headers`.
    pub(crate) async fn open_with(
        addr: SocketAddr,
        path: &str,
        headers: &[(&'static str, &str)],
    ) -> Ws {
        let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        for (name, value) in headers {
            request.headers_mut().append(*name, value.parse().unwrap());
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the upgrade");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        Ws { socket }
    }

    /// A connection acknowledged for `token`.
    pub(crate) async fn connect(addr: SocketAddr, token: &str) -> Ws {
        Ws::connect_with(addr, token, &[]).await
    }

    /// A connection acknowledged for `token`, its upgrade request carrying
    /// `headers` (`X-Forwarded-For` from a trusted proxy).
    pub(crate) async fn connect_with(
        addr: SocketAddr,
        token: &str,
        headers: &[(&'static str, &str)],
    ) -> Ws {
        let mut ws = Ws::open_with(addr, "/graphql", headers).await;
        ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        assert_eq!(
            ws.recv().await,
            Received::Message(json!({ "type": "connection_ack" }))
        );
        ws
    }

    pub(crate) async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// The next message or the close, within 20 s.
    pub(crate) async fn recv(&mut self) -> Received {
        self.recv_within(Duration::from_secs(20))
            .await
            .expect("a message within 20 s")
    }

    /// The next message or the close, if one comes within `wait`.
    pub(crate) async fn recv_within(&mut self, wait: Duration) -> Option<Received> {
        loop {
            let next = tokio::time::timeout(wait, self.socket.next()).await.ok()?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Some(Received::Message(serde_json::from_str(&text).unwrap()));
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Some(Received::Closed(code, reason));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Received::Closed(1006, String::new())),
            }
        }
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The data of the next `next` message, which must be `id`'s.
    pub(crate) async fn next_data(&mut self, id: &str) -> Value {
        match self.recv().await {
            Received::Message(message) if message["type"] == "next" && message["id"] == id => {
                assert!(message["payload"]["errors"].is_null(), "{message}");
                message["payload"]["data"].clone()
            }
            other => panic!("expected the next answer of {id}, got {other:?}"),
        }
    }

    /// Asserts nothing arrives for a moment.
    pub(crate) async fn quiet(&mut self) {
        if let Some(received) = self.recv_within(Duration::from_millis(300)).await {
            panic!("expected nothing, got {received:?}");
        }
    }
}

pub(crate) const SUBSCRIBE: &str = "subscription($after: ID, $types: [DomainEventType!]) { \
    domainEvents(after: $after, types: $types) { id type subjectId partner { name } commission { amount status } } }";

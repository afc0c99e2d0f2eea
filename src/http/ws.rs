//! Subscriptions over WebSocket (SPEC §12): the `graphql-transport-ws`
//! protocol on `GET /graphql` (and `/graphql/ws`), as Apollo Client, urql
//! and GraphiQL speak it.
//!
//! The protocol is small and implemented here rather than with
//! async-graphql's, to keep its rules and revshare's own:
//!
//! - the token travels in `connection_init`'s payload as
//!   `{"Authorization": "Bearer <jwt>"}` (browsers set no headers on a
//!   WebSocket); a bad or missing one closes with 4403, and nothing runs;
//!   no `connection_init` within [`INIT_TIMEOUT`] closes with 4408; a
//!   subscribe before the acknowledgement, 4401; a second
//!   `connection_init`, 4429; an id already running, 4409; a message that
//!   is not the protocol's, 4400;
//! - the connection ends (4403) when its token expires;
//! - each operation passes the checks an HTTP request does (size, limits,
//!   the NUL check) and runs with a request context of its own; answers
//!   keep selection order;
//! - memory is bounded: an operation's events reach the socket through a
//!   small bounded channel, so a slow client makes its subscriptions wait
//!   — they read the log from their own cursor when it drains, and hold
//!   nothing but it — and the socket's buffers are small
//!   ([`BUFFER_BYTES`]).

use super::AppState;
use super::graphql::{code_errors, first_code};
use crate::auth::Principal;
use crate::graphql::{RequestContext, limits, order};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, Variables};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// How long a connection may wait before `connection_init` (the protocol's
/// rule; async-graphql does not enforce it).
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// The socket's read and write buffers: small, so a thousand idle
/// connections cost little.
pub const BUFFER_BYTES: usize = 4 * 1024;
/// The largest message a client may send (an operation with its variables).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Operations one connection may run at once.
pub const MAX_OPERATIONS: usize = 100;
/// Messages waiting for the socket, over all of a connection's operations.
const OUTGOING: usize = 16;

/// `GET /graphql/ws` (and `GET /graphql` with an upgrade).
pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    accept(state, ws)
}

pub(super) fn accept(state: AppState, ws: WebSocketUpgrade) -> Response {
    ws.protocols([PROTOCOL])
        .read_buffer_size(BUFFER_BYTES)
        .write_buffer_size(BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(state, socket))
}

/// What a client sends.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: Operation,
    },
    Complete {
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    operation_name: Option<String>,
}

/// What the server sends.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage<'a> {
    ConnectionAck,
    Pong,
    Next {
        id: &'a str,
        payload: &'a async_graphql::Response,
    },
    Error {
        id: &'a str,
        payload: &'a [ServerError],
    },
    Complete {
        id: &'a str,
    },
}

fn text(message: &ServerMessage<'_>) -> Message {
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(message).unwrap_or_default(),
    ))
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    }))
}

/// What an operation's task hands the connection.
enum Outgoing {
    Message(Message),
    /// The operation ended (its last message was sent before this).
    Done(String),
}

async fn serve(state: AppState, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let principal = match handshake(&state, &mut stream).await {
        Ok((principal, expires_at)) => {
            if sink
                .send(text(&ServerMessage::ConnectionAck))
                .await
                .is_err()
            {
                return;
            }
            (principal, expires_at)
        }
        Err(closing) => {
            let _ = sink.send(closing).await;
            return;
        }
    };
    let (principal, expires_at) = principal;
    let (tx, mut rx) = mpsc::channel::<Outgoing>(OUTGOING);
    let mut running: HashMap<String, JoinHandle<()>> = HashMap::new();
    let now = crate::auth::jwt::now_seconds();
    let expiry = tokio::time::sleep(Duration::from_secs(expires_at.saturating_sub(now)));
    tokio::pin!(expiry);
    let closing = loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break None };
                let received = match message {
                    Message::Text(received) => received,
                    Message::Binary(_) => break Some(close(4400, "binary messages are not the protocol's")),
                    Message::Close(_) => break None,
                    _ => continue,
                };
                let message = match serde_json::from_str::<ClientMessage>(received.as_str()) {
                    Ok(message) => message,
                    Err(_) => break Some(close(4400, "not a graphql-transport-ws message")),
                };
                match message {
                    ClientMessage::ConnectionInit { .. } => {
                        break Some(close(4429, "Too many initialisation requests"));
                    }
                    ClientMessage::Ping {} => {
                        if sink.send(text_pong()).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Pong {} => {}
                    ClientMessage::Subscribe { id, payload } => {
                        if running.contains_key(&id) {
                            break Some(close(4409, &format!("Subscriber for {id} already exists")));
                        }
                        if running.len() >= MAX_OPERATIONS {
                            let error = ServerError::new(
                                format!("a connection may run at most {MAX_OPERATIONS} operations"),
                                None,
                            );
                            let message = text(&ServerMessage::Error { id: &id, payload: &[error] });
                            if sink.send(message).await.is_err() {
                                break None;
                            }
                            continue;
                        }
                        let task = tokio::spawn(run(
                            state.clone(),
                            principal.clone(),
                            id.clone(),
                            payload,
                            tx.clone(),
                        ));
                        running.insert(id, task);
                    }
                    ClientMessage::Complete { id } => {
                        if let Some(task) = running.remove(&id) {
                            task.abort();
                        }
                    }
                }
            }
            outgoing = rx.recv() => {
                match outgoing {
                    Some(Outgoing::Message(message)) => {
                        if sink.send(message).await.is_err() {
                            break None;
                        }
                    }
                    Some(Outgoing::Done(id)) => {
                        running.remove(&id);
                    }
                    None => break None,
                }
            }
            _ = &mut expiry => break Some(close(4403, "the token has expired")),
        }
    };
    for task in running.into_values() {
        task.abort();
    }
    if let Some(closing) = closing {
        let _ = sink.send(closing).await;
    }
}

fn text_pong() -> Message {
    text(&ServerMessage::Pong)
}

/// The first message: `connection_init` with a token, within
/// [`INIT_TIMEOUT`]. Else the close frame to send.
async fn handshake(
    state: &AppState,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
) -> Result<(Principal, u64), Message> {
    let first = tokio::time::timeout(INIT_TIMEOUT, async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(text))) => return Some(text),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await
    .map_err(|_| close(4408, "Connection initialisation timeout"))?
    .ok_or_else(|| close(1000, "closed before connection_init"))?;
    let payload = match serde_json::from_str::<ClientMessage>(first.as_str()) {
        Ok(ClientMessage::ConnectionInit { payload }) => payload.unwrap_or_default(),
        Ok(ClientMessage::Subscribe { .. }) => return Err(close(4401, "Unauthorized")),
        _ => return Err(close(4400, "expected connection_init")),
    };
    let token = payload
        .as_object()
        .and_then(|p| {
            p.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .and_then(|(_, v)| v.as_str())
        })
        .and_then(super::bearer)
        .ok_or_else(|| {
            close(
                4403,
                "Forbidden: connection_init needs {\"Authorization\": \"Bearer <jwt>\"}",
            )
        })?;
    state
        .principal_for(token)
        .await
        .map_err(|_| close(4403, "Forbidden"))
}

/// One operation: checked as an HTTP request is, run, its answers sent in
/// selection order; then `complete` (or one `error` if it never ran).
async fn run(
    state: AppState,
    principal: Principal,
    id: String,
    operation: Operation,
    tx: mpsc::Sender<Outgoing>,
) {
    let send = |message: ServerMessage<'_>| {
        let message = text(&message);
        let tx = tx.clone();
        async move { tx.send(Outgoing::Message(message)).await.is_ok() }
    };
    let refused = |message: String| ServerError::new(message, None);
    let mut request = async_graphql::Request::new(operation.query);
    if let Some(variables) = operation.variables {
        request = request.variables(Variables::from_json(serde_json::Value::Object(variables)));
    }
    if let Some(name) = &operation.operation_name {
        request = request.operation_name(name.clone());
    }
    let mut document: Option<ExecutableDocument> = None;
    let checked = match limits::check_size(&request.query) {
        Err(violation) => Err(violation),
        Ok(()) => match async_graphql::parser::parse_query(&request.query) {
            Ok(parsed) => match limits::check(&parsed, &request.variables) {
                Err(violation) => Err(violation),
                Ok(()) => {
                    request.set_parsed_query(parsed.clone());
                    document = Some(parsed);
                    Ok(())
                }
            },
            Err(_) => Ok(()),
        },
    };
    if let Err(violation) = checked {
        let mut error = refused(violation.message);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", "BAD_USER_INPUT");
        error.extensions = Some(extensions);
        send(ServerMessage::Error {
            id: &id,
            payload: &[error],
        })
        .await;
        let _ = tx.send(Outgoing::Done(id)).await;
        return;
    }
    let request = request.data(RequestContext::new(
        &state.db,
        Some(principal),
        state.loader_delay,
        state.tenants.clone(),
    ));
    let ty = document
        .as_ref()
        .and_then(|d| super::graphql::operation_type(d, operation.operation_name.as_deref()));
    let started = std::time::Instant::now();
    let mut answers = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut answer) = answers.next().await {
        code_errors(&mut answer.errors);
        // A query or mutation is one answer: counted as an HTTP request is
        // (a subscription is counted open, in `subscriptions_active`).
        if first && ty != Some(OperationType::Subscription) {
            state.db.metrics().request(
                crate::http::request_log::labels(ty, first_code(&answer.errors)),
                started.elapsed(),
            );
        }
        // An operation that did not validate never ran: one `error`.
        let refused = first
            && answer.data == async_graphql::Value::Null
            && !answer.errors.is_empty()
            && answer.errors.iter().all(|e| e.path.is_empty());
        if refused {
            send(ServerMessage::Error {
                id: &id,
                payload: &answer.errors,
            })
            .await;
            let _ = tx.send(Outgoing::Done(id)).await;
            return;
        }
        first = false;
        if let Some(document) = &document {
            order::in_selection_order(
                document,
                operation.operation_name.as_deref(),
                &mut answer.data,
            );
        }
        if !send(ServerMessage::Next {
            id: &id,
            payload: &answer,
        })
        .await
        {
            return;
        }
    }
    send(ServerMessage::Complete { id: &id }).await;
    let _ = tx.send(Outgoing::Done(id)).await;
}

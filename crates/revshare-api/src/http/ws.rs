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
//! - the connection ends (4403) when its token expires, and when the
//!   session its token belongs to ends (signing out, on any replica):
//!   within [`super::sessions::EVERY`], each operation refused meanwhile
//!   ([`super::sessions`]);
//! - each operation is prepared, run and its answers mended by
//!   [`super::prepare`], as over HTTP, with a request context of its own;
//! - each operation is the HTTP request it would have been to every limit
//!   and log: it carries the socket's client address (the peer, or what a
//!   trusted proxy said when the socket opened, [`super::client::address`])
//!   and a request id of its own ([`Origin`]), so the anonymous forms'
//!   limits count it, the activity log records its `ip` and `requestId`,
//!   and the request log writes its line;
//! - memory is bounded: an operation's events reach the socket through a
//!   small bounded channel, so a slow client makes its subscriptions wait
//!   — they read the log from their own cursor when it drains, and hold
//!   nothing but it — and the socket's buffers are small
//!   ([`BUFFER_BYTES`]).

use super::AppState;
use super::prepare::{Origin, Prepared, first_code, limit_error};
use super::request_log::Slot;
use super::sessions::Session;
use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use revshare_core::auth::Principal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
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

/// Tells this replica's WebSockets that the server is stopping: each
/// closes with 1001 (going away) so that its client reconnects — to
/// another replica — and resumes from its cursor, rather than seeing the
/// connection drop (1006).
#[derive(Clone, Debug)]
pub struct Closing(tokio::sync::watch::Sender<bool>);

impl Default for Closing {
    fn default() -> Self {
        Closing(tokio::sync::watch::channel(false).0)
    }
}

impl Closing {
    fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.subscribe()
    }

    /// Closes every open socket, and waits until they have sent their
    /// close frames (at most `within`).
    pub async fn close(&self, within: Duration) {
        self.0.send_replace(true);
        let deadline = tokio::time::Instant::now() + within;
        while self.0.receiver_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// `GET /graphql/ws` (and `GET /graphql` with an upgrade).
pub async fn upgrade(
    State(state): State<AppState>,
    slot: Option<Extension<Arc<Slot>>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let slot = slot.map(|Extension(slot)| slot).unwrap_or_default();
    let peer = peer.map(|Extension(ConnectInfo(a))| a);
    accept(state, ws, peer, &headers, &slot)
}

/// Accepts the upgrade; the client is read from the upgrade's request, as
/// HTTP reads it from each request.
pub(super) fn accept(
    state: AppState,
    ws: WebSocketUpgrade,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    slot: &Slot,
) -> Response {
    let socket = Socket {
        client: state.client_address(peer, headers),
        id: slot.id(),
    };
    ws.protocols([PROTOCOL])
        .read_buffer_size(BUFFER_BYTES)
        .write_buffer_size(BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |ws| serve(state, ws, socket))
}

/// What a socket learnt from the request that opened it.
#[derive(Debug)]
struct Socket {
    /// The client's address, as the server believes it.
    client: Option<IpAddr>,
    /// The upgrade request's id, named in each operation's log line.
    id: Option<String>,
}

impl Socket {
    /// The origin of one operation: the socket's client, a new request id.
    fn operation(&self) -> Origin {
        Origin {
            client: self.client,
            request_id: Some(ulid::Ulid::new().to_string()),
            accept_language: None,
        }
    }
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

/// What an operation's task hands the connection, tagged with the run it
/// comes from: a client may complete an id and subscribe under it again
/// while the finished run's last words are still queued, and those must
/// neither reach the client nor untrack the new run.
enum Outgoing {
    Message(Run, Message),
    /// The run ended (its last message was sent before this).
    Done(Run),
}

/// One operation's run on a connection, numbered from 0.
type Run = u64;

/// The operations running on a connection, by the client's id.
#[derive(Default)]
struct Running {
    by_id: HashMap<String, (Run, JoinHandle<()>)>,
    next: Run,
}

impl Running {
    fn is_current(&self, run: Run) -> bool {
        self.by_id.values().any(|(current, _)| *current == run)
    }

    /// Forgets a run that ended by itself.
    fn ended(&mut self, run: Run) {
        self.by_id.retain(|_, (current, _)| *current != run);
    }

    /// Stops the operation `id` (a client's `complete`).
    fn stop(&mut self, id: &str) {
        if let Some((_, task)) = self.by_id.remove(id) {
            task.abort();
        }
    }

    fn stop_all(&mut self) {
        for (_, (_, task)) in self.by_id.drain() {
            task.abort();
        }
    }
}

async fn serve(state: AppState, ws: WebSocket, socket: Socket) {
    // Held while the socket is open: a stopping server waits for it.
    let mut stopping = state.closing.subscribe();
    let (mut sink, mut stream) = ws.split();
    let principal = match handshake(&state, &mut stream).await {
        Ok((principal, expires_at)) => {
            // A session's token: the socket lives while the session is
            // open (an ended one is refused as a console token is).
            if let Some(session) = Session::of(&principal)
                && !session.is_open(&state.db).await.unwrap_or(false)
            {
                let _ = sink.send(session_ended()).await;
                return;
            }
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
    let mut held = Session::of(&principal).map(|session| state.sessions.hold(session));
    let (tx, mut rx) = mpsc::channel::<Outgoing>(OUTGOING);
    let mut connection = Connection {
        state,
        principal,
        socket,
        tx,
        running: Running::default(),
    };
    let now = revshare_core::auth::jwt::now_seconds();
    let expiry = tokio::time::sleep(Duration::from_secs(expires_at.saturating_sub(now)));
    tokio::pin!(expiry);
    let closing = loop {
        tokio::select! {
            incoming = stream.next() => {
                let message = match read(incoming) {
                    Ok(Some(message)) => message,
                    Ok(None) => continue,
                    Err(closing) => break closing,
                };
                match connection.on_message(message) {
                    Next::Continue => {}
                    Next::Send(reply) => {
                        if sink.send(reply).await.is_err() {
                            break None;
                        }
                    }
                    Next::Close(closing) => break closing,
                }
            }
            outgoing = rx.recv() => {
                let running = &mut connection.running;
                match outgoing {
                    Some(Outgoing::Message(number, message)) => {
                        if running.is_current(number) && sink.send(message).await.is_err() {
                            break None;
                        }
                    }
                    Some(Outgoing::Done(number)) => running.ended(number),
                    None => break None,
                }
            }
            _ = &mut expiry => break Some(close(4403, "the token has expired")),
            _ = ended(&mut held) => break Some(session_ended()),
            _ = stopped(&mut stopping) => {
                break Some(close(1001, "the server is going away: reconnect and resume"));
            }
        }
    };
    connection.running.stop_all();
    if let Some(closing) = closing {
        let _ = sink.send(closing).await;
    }
}

/// What the connection does after a client's message.
enum Next {
    Continue,
    Send(Message),
    /// Ends the connection, with this close frame if any.
    Close(Option<Message>),
}

/// The protocol message a read carries (`None`: nothing to act on), or
/// how the connection ends.
fn read(
    incoming: Option<Result<Message, axum::Error>>,
) -> Result<Option<ClientMessage>, Option<Message>> {
    let message = match incoming {
        Some(Ok(message)) => message,
        Some(Err(error)) => {
            let limit = format!("a message may be at most {MAX_MESSAGE_BYTES} bytes");
            return Err(too_large(error).then(|| close(1009, &limit)));
        }
        None => return Err(None),
    };
    let received = match message {
        Message::Text(received) => received,
        Message::Binary(_) => {
            return Err(Some(close(4400, "binary messages are not the protocol's")));
        }
        Message::Close(_) => return Err(None),
        _ => return Ok(None),
    };
    serde_json::from_str::<ClientMessage>(received.as_str())
        .map(Some)
        .map_err(|_| Some(close(4400, "not a graphql-transport-ws message")))
}

/// An acknowledged connection: who it acts as and what it runs.
struct Connection {
    state: AppState,
    principal: Principal,
    socket: Socket,
    tx: mpsc::Sender<Outgoing>,
    running: Running,
}

impl Connection {
    fn on_message(&mut self, message: ClientMessage) -> Next {
        match message {
            ClientMessage::ConnectionInit { .. } => {
                Next::Close(Some(close(4429, "Too many initialisation requests")))
            }
            ClientMessage::Ping {} => Next::Send(text_pong()),
            ClientMessage::Pong {} => Next::Continue,
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload),
            ClientMessage::Complete { id } => {
                self.running.stop(&id);
                Next::Continue
            }
        }
    }

    /// Starts an operation under `id`, numbered as a new run.
    fn subscribe(&mut self, id: String, payload: Operation) -> Next {
        if self.running.by_id.contains_key(&id) {
            let reason = format!("Subscriber for {id} already exists");
            return Next::Close(Some(close(4409, &reason)));
        }
        if self.running.by_id.len() >= MAX_OPERATIONS {
            let error = ServerError::new(
                format!("a connection may run at most {MAX_OPERATIONS} operations"),
                None,
            );
            return Next::Send(text(&ServerMessage::Error {
                id: &id,
                payload: &[error],
            }));
        }
        let number = self.running.next;
        self.running.next += 1;
        let sender = Sender {
            run: number,
            tx: self.tx.clone(),
        };
        let task = tokio::spawn(run(
            self.state.clone(),
            self.principal.clone(),
            self.socket.operation(),
            self.socket.id.clone(),
            id.clone(),
            payload,
            sender,
        ));
        self.running.by_id.insert(id, (number, task));
        Next::Continue
    }
}

/// How one run reaches its connection.
struct Sender {
    run: Run,
    tx: mpsc::Sender<Outgoing>,
}

impl Sender {
    /// Queues a message; `false` once the connection is gone.
    async fn send(&self, message: Message) -> bool {
        self.tx
            .send(Outgoing::Message(self.run, message))
            .await
            .is_ok()
    }

    async fn done(&self) {
        let _ = self.tx.send(Outgoing::Done(self.run)).await;
    }
}

/// The close frame of a socket whose session ended.
fn session_ended() -> Message {
    close(4403, "the session has ended: sign in again")
}

/// Completes once the held session has ended (never without one).
async fn ended(held: &mut Option<super::sessions::Held>) {
    let Some(held) = held else {
        return std::future::pending().await;
    };
    if held.ended.wait_for(|ended| *ended).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Completes once the server is stopping.
async fn stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stopping.borrow_and_update() {
            return;
        }
        if stopping.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// Whether a read failed on a message past [`MAX_MESSAGE_BYTES`].
fn too_large(error: axum::Error) -> bool {
    matches!(
        error.into_inner().downcast_ref::<tungstenite::Error>(),
        Some(tungstenite::Error::Capacity(_))
    )
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

/// One operation: checked as an HTTP request is, run as one (its
/// `origin` in its data), its answers sent in selection order; then
/// `complete` (or one `error` if it never ran).
async fn run(
    state: AppState,
    principal: Principal,
    origin: Origin,
    // The socket's own id (its upgrade request's).
    socket: Option<String>,
    id: String,
    operation: Operation,
    tx: Sender,
) {
    let send = |message: ServerMessage<'_>| tx.send(text(&message));
    let mut prepared = match Prepared::parse(
        &state.documents,
        true,
        operation.query,
        operation.variables,
        operation.operation_name,
    )
    .and_then(|mut prepared| prepared.check().map(|()| prepared))
    {
        Ok(prepared) => prepared,
        Err(violation) => {
            send(ServerMessage::Error {
                id: &id,
                payload: &[limit_error(&violation)],
            })
            .await;
            tx.done().await;
            return;
        }
    };
    // Signed out since the socket opened: nothing more runs for it.
    if let Some(session) = Session::of(&principal)
        && !session.is_open(&state.db).await.unwrap_or(false)
    {
        let refused = super::prepare::refusal(
            "UNAUTHENTICATED",
            "the session has ended: sign in again",
            None,
        );
        send(ServerMessage::Error {
            id: &id,
            payload: &[refused],
        })
        .await;
        tx.done().await;
        return;
    }
    if let Some(refused) = prepared.refusal_for(Some(&principal)) {
        send(ServerMessage::Error {
            id: &id,
            payload: &[refused],
        })
        .await;
        tx.done().await;
        return;
    }
    let ty = prepared.operation_type();
    let name = prepared.operation_name().map(str::to_owned);
    let tenant = principal.tenant_id().to_owned();
    let started = std::time::Instant::now();
    let writer = state.db.replicas().map(|_| principal.clone());
    let mut answers = state
        .schema
        .execute_stream(origin.onto(prepared.request(&state, Some(principal))));
    let mut first = true;
    while let Some(mut answer) = answers.next().await {
        if first {
            prepared.ran(&state, writer.as_ref()).await;
        }
        let finished = prepared.finish(&state, &mut answer);
        // A query or mutation is one answer: counted and logged as an
        // HTTP request is (a subscription is counted open, in
        // `subscriptions_active`).
        if first && ty != Some(OperationType::Subscription) {
            super::request_log::over_websocket(
                &state.db,
                super::request_log::Answered {
                    request_id: origin.request_id.as_deref(),
                    socket: socket.as_deref(),
                    tenant: &tenant,
                    operation_type: ty,
                    operation_name: name.as_deref(),
                    code: first_code(&answer.errors),
                    took: started.elapsed(),
                },
            );
        }
        // An operation that did not validate never ran: one `error`.
        if first && finished.refused {
            send(ServerMessage::Error {
                id: &id,
                payload: &answer.errors,
            })
            .await;
            tx.done().await;
            return;
        }
        first = false;
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
    tx.done().await;
}

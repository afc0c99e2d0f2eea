//! Reading a source's REST API: its own authentication, JSON answers,
//! and retries — a `429` or a `5xx` (or a connection that failed) is tried
//! again after the `Retry-After` the source sent, else after a backoff that
//! doubles from 1 s, up to [`ATTEMPTS`] times; a `401` or `403` is the
//! credentials' fault and is not retried. Every request made counts.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Tries of one request before the import fails.
pub const ATTEMPTS: u32 = 6;
/// The longest pause between two tries, whatever `Retry-After` says.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// The longest one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read (a page of the source's maximum size).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How the source wants to be told who is asking.
#[derive(Clone)]
pub enum Auth {
    /// HTTP Basic, `user:password`.
    Basic(String, String),
    /// `Authorization: Bearer …`, and headers of the source's own.
    Bearer(String, Vec<(&'static str, String)>),
}

/// Why a read failed.
#[derive(Debug)]
pub enum ReadError {
    /// `401`/`403`: the credentials were refused.
    Refused,
    /// The source's host could not be reached at all (a name that does not
    /// resolve, a refused connection…): where, and why.
    Unreachable { base: String, why: String },
    /// Anything else after the last try, in words for the operator.
    Failed(String),
}

/// A source's API at `base` (its documented host, or a test's).
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    requests: AtomicI64,
    /// How long one `get` may take, its retries included (none: as many
    /// tries as [`ATTEMPTS`]); what an answer the brand waits for needs.
    budget: Option<Duration>,
}

impl Client {
    pub fn new(base: &str, auth: Auth, allow_private: bool) -> Client {
        Client {
            http: crate::webhooks::ssrf::client(TIMEOUT, allow_private),
            base: base.trim_end_matches('/').to_owned(),
            auth,
            requests: AtomicI64::new(0),
            budget: None,
        }
    }

    /// This client, each `get` of it given up after `budget`.
    pub fn within(mut self, budget: Duration) -> Client {
        self.budget = Some(budget);
        self
    }

    /// Requests made so far, retries included.
    pub fn requests(&self) -> i64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `GET {base}{path}?{query}`, as JSON.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<serde_json::Value, ReadError> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_secs(1);
        let mut last = ReadError::Failed(String::new());
        for attempt in 1..=ATTEMPTS {
            let left = self.budget.map(|b| b.saturating_sub(started.elapsed()));
            self.requests.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .http
                .get(format!("{}{path}", self.base))
                .query(query)
                .header("accept", "application/json");
            if let Some(left) = left {
                request = request.timeout(left.min(TIMEOUT));
            }
            request = match &self.auth {
                Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
                Auth::Bearer(token, headers) => {
                    let mut request = request.bearer_auth(token);
                    for (name, value) in headers {
                        request = request.header(*name, value);
                    }
                    request
                }
            };
            let wait = match request.send().await {
                Ok(answer) => {
                    let status = answer.status();
                    if status == 401 || status == 403 {
                        return Err(ReadError::Refused);
                    }
                    if status.is_success() {
                        return read_json(answer).await;
                    }
                    let said = format!("{path} answered {}", status.as_u16());
                    if status != 429 && !status.is_server_error() {
                        return Err(ReadError::Failed(said));
                    }
                    last = ReadError::Failed(said);
                    retry_after(answer.headers()).unwrap_or(pause)
                }
                Err(err) if err.is_connect() => {
                    last = ReadError::Unreachable {
                        base: self.base.clone(),
                        why: network_error(&err),
                    };
                    pause
                }
                Err(err) => {
                    last = ReadError::Failed(format!(
                        "{path} could not be read ({})",
                        network_error(&err)
                    ));
                    pause
                }
            };
            let wait = wait.min(LONGEST_PAUSE);
            let out_of_time = self
                .budget
                .is_some_and(|budget| started.elapsed() + wait >= budget);
            if attempt == ATTEMPTS || out_of_time {
                return Err(match last {
                    ReadError::Failed(said) => {
                        ReadError::Failed(format!("{said}, {attempt} times"))
                    }
                    ReadError::Unreachable { base, why } => ReadError::Unreachable {
                        base,
                        why: format!("{why}, {attempt} times"),
                    },
                    refused => refused,
                });
            }
            tokio::time::sleep(wait).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
        Err(last)
    }
}

/// The answer's JSON, read no further than [`MAX_BODY_BYTES`].
async fn read_json(answer: reqwest::Response) -> Result<serde_json::Value, ReadError> {
    use crate::webhooks::ssrf::{BodyError, body_within};
    let url = answer.url().path().to_owned();
    let body = match body_within(answer, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Err(ReadError::Failed(format!(
                "{url} answered more than 16 MiB: reading stopped there"
            )));
        }
        Err(BodyError::Broken(why)) => {
            return Err(ReadError::Failed(format!("{url} broke off ({why})")));
        }
    };
    serde_json::from_slice(&body)
        .map_err(|_| ReadError::Failed(format!("{url} answered something other than JSON")))
}

/// `Retry-After` in seconds (the HTTP-date form is read as no hint).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

use crate::webhooks::ssrf::network_error;

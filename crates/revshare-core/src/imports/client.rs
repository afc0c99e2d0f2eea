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
    /// A header of the source's own alone (`X-Api-Key: …`).
    Header(&'static str, String),
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
        Ok(self.get_linked(path, query).await?.0)
    }

    /// [`Client::get`], and the `page` of the `Link` header's `rel="next"`
    /// (RFC 8288), for a source that pages that way. Only the number is
    /// kept: the source's own URL is never followed.
    pub async fn get_linked(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(serde_json::Value, Option<String>), ReadError> {
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
                Auth::Header(name, value) => request.header(*name, value),
            };
            let wait = match request.send().await {
                Ok(answer) => {
                    let status = answer.status();
                    if status == 401 || status == 403 {
                        return Err(ReadError::Refused);
                    }
                    if status.is_success() {
                        let next = next_page(answer.headers());
                        return Ok((read_json(answer).await?, next));
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

/// The `page` query parameter of a `Link` header's `rel="next"` target.
fn next_page(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let next = params.split(';').any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            let query = target.split_once('?')?.1;
            let page = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("page="))?;
            (next && !page.is_empty() && page.bytes().all(|b| b.is_ascii_digit()))
                .then(|| page.to_owned())
        })
}

/// How long the source asks to be left alone: `Retry-After` in seconds
/// (the HTTP-date form is read as no hint), else, when
/// `X-Ratelimit-Remaining` is 0, until `X-Ratelimit-Reset` (seconds since
/// the epoch), as Tapfiliate signals its limit.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    if number("x-ratelimit-remaining")? != 0 {
        return None;
    }
    let reset = number("x-ratelimit-reset")?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).ok()?;
    Some(Duration::from_secs(reset.saturating_sub(now).max(1)))
}

use crate::webhooks::ssrf::network_error;

#[cfg(test)]
mod tests {
    use super::next_page;
    use reqwest::header::{HeaderMap, HeaderValue, LINK};

    fn link(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, HeaderValue::from_str(value).unwrap());
        next_page(&headers)
    }

    #[test]
    fn the_next_page_is_read_from_a_link_header() {
        let both = "<https://api.tapfiliate.com/1.6/conversions/?page=3>; rel=\"next\", \
                    <https://api.tapfiliate.com/1.6/conversions/?page=51>; rel=\"last\"";
        assert_eq!(link(both).as_deref(), Some("3"));
        let first = "<https://x.test/a/?program_id=p&page=2>; rel=\"next\"";
        assert_eq!(link(first).as_deref(), Some("2"));
        assert_eq!(link("<https://x.test/a/?page=1>; rel=\"prev\""), None);
        assert_eq!(link("<https://x.test/a/?page=x>; rel=\"next\""), None);
        assert_eq!(link("garbage"), None);
        assert_eq!(next_page(&HeaderMap::new()), None);
    }
}

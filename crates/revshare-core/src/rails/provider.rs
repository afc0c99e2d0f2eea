//! One exchange with a payout provider: a request as the provider's
//! document describes it, and its answer read as what it means for the
//! money — taken (2xx), refused for good (a 4xx the provider gives for the
//! request itself), or not known yet (a `429`, a `409` for a request still
//! in progress, a `5xx`, a broken connection): tried again later with the
//! same idempotency key, never failed, since the money may have left.
//! Never retried here: the worker's backoff, kept in the row, retries.

use std::time::Duration;

/// The longest one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What a provider answered.
#[derive(Debug)]
pub enum Answer {
    /// 2xx, with its JSON.
    Taken(serde_json::Value),
    /// A refusal of the request itself (400, 402, 404, 422…), with the
    /// provider's JSON: the status and its error.
    Refused(u16, serde_json::Value),
    /// `401`/`403`: the credentials.
    Unauthorized,
    /// A `403` asking for Strong Customer Authentication (Wise's
    /// `x-2fa-approval`): the one-time token to sign and send again with.
    Approval(String),
    /// Not known yet: in words for finance, and when to try again if the
    /// provider said (`Retry-After`).
    Later(String, Option<Duration>),
}

/// A request to send.
pub struct Request<'a> {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    /// `Content-Type` and the body, if any.
    pub body: Option<(&'static str, String)>,
    /// The provider's name, for the words of [`Answer::Later`].
    pub provider: &'a str,
}

/// Sends `request` with `http` and reads the answer.
pub async fn exchange(http: &reqwest::Client, request: Request<'_>) -> Answer {
    let mut builder = http
        .request(request.method, &request.url)
        .header("accept", "application/json");
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    if let Some((content_type, body)) = request.body {
        builder = builder.header("content-type", content_type).body(body);
    }
    let answer = match builder.send().await {
        Ok(answer) => answer,
        Err(err) => {
            return Answer::Later(
                format!(
                    "{} could not be reached ({})",
                    request.provider,
                    kind_of(&err)
                ),
                None,
            );
        }
    };
    let status = answer.status().as_u16();
    let retry_after = answer
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let headers = answer.headers().clone();
    // Read no further than the limit: an endless answer costs 4 MiB.
    let body = match crate::webhooks::ssrf::body_within(answer, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(crate::webhooks::ssrf::BodyError::TooLarge) => {
            return Answer::Later(
                format!(
                    "{} answered more than 4 MiB: reading stopped there",
                    request.provider
                ),
                None,
            );
        }
        Err(crate::webhooks::ssrf::BodyError::Broken(why)) => {
            return Answer::Later(format!("{} broke off ({why})", request.provider), None);
        }
    };
    let approval = answer_approval(status, &headers);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    match status {
        200..=299 if json.is_object() => Answer::Taken(json),
        200..=299 => Answer::Later(
            format!("{} answered {status} without JSON", request.provider),
            None,
        ),
        403 if approval.is_some() => Answer::Approval(approval.unwrap_or_default()),
        401 | 403 => Answer::Unauthorized,
        409 | 429 | 500..=599 => Answer::Later(
            format!("{} answered {status}", request.provider),
            retry_after,
        ),
        400..=499 => Answer::Refused(status, json),
        _ => Answer::Later(
            format!("{} answered {status}", request.provider),
            retry_after,
        ),
    }
}

/// The one-time token of a `403` that asks for it to be signed.
fn answer_approval(status: u16, headers: &reqwest::header::HeaderMap) -> Option<String> {
    if status != 403 {
        return None;
    }
    let token = headers.get("x-2fa-approval")?.to_str().ok()?.trim();
    (!token.is_empty() && token.len() <= 200).then(|| token.to_owned())
}

/// `key=value&…`, as `application/x-www-form-urlencoded`.
pub fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// What kind of failure, without the library's text.
fn kind_of(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "no connection"
    } else {
        "a broken exchange"
    }
}

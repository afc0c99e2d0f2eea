//! PayPal Payouts (REST v1), as `payments_payouts_batch_v1` describes it:
//! an OAuth2 token by client credentials, one batch per run and currency
//! (`sender_batch_id` the run and currency, each item's `sender_item_id`
//! the payout, `PayPal-Request-Id` the batch: a repeat is answered with
//! the first result), the batch read back page by page, and a webhook's
//! signature checked by PayPal's own `verify-webhook-signature`.

use super::config::{Credentials, Rail};
use super::provider::{self, Answer, Request};
use super::record::Said;
use base64::Engine;
use entity::enums::RailStatus;
use entity::payout;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Items read per page of a batch (PayPal's largest).
pub const PAGE_SIZE: usize = 1000;
/// How long before PayPal's `expires_in` a kept token is no longer used.
pub const TOKEN_MARGIN: std::time::Duration = std::time::Duration::from_secs(300);
/// Most tokens a replica keeps (one a rail).
const MAX_TOKENS_KEPT: usize = 10_000;

/// The tokens kept: by rail, the token and until when it is used.
type Kept = std::collections::HashMap<String, (String, std::time::Instant)>;

fn tokens() -> std::sync::MutexGuard<'static, Kept> {
    static TOKENS: std::sync::LazyLock<std::sync::Mutex<Kept>> =
        std::sync::LazyLock::new(Default::default);
    TOKENS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A tenant's PayPal account.
pub struct Paypal<'a> {
    pub http: &'a reqwest::Client,
    pub rail: &'a Rail,
}

impl Paypal<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.rail.base_url)
    }

    /// An access token: `Ok(token)`, or what the answer was.
    pub async fn token(&self) -> Result<String, Answer> {
        self.token_with_life().await.map(|(token, _)| token)
    }

    /// An access token and how long PayPal says it lives.
    async fn token_with_life(&self) -> Result<(String, Option<std::time::Duration>), Answer> {
        let Credentials::Paypal {
            client_id,
            client_secret,
            ..
        } = &self.rail.credentials
        else {
            return Err(Answer::Unauthorized);
        };
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{client_secret}"));
        let answer = provider::exchange(
            self.http,
            Request {
                method: reqwest::Method::POST,
                url: self.url("/v1/oauth2/token"),
                headers: vec![("authorization", format!("Basic {basic}"))],
                body: Some((
                    "application/x-www-form-urlencoded",
                    provider::form(&[("grant_type", "client_credentials")]),
                )),
                provider: "PayPal",
            },
        )
        .await;
        match answer {
            Answer::Taken(json) => match json["access_token"].as_str() {
                Some(token) if !token.is_empty() => Ok((
                    token.to_owned(),
                    json["expires_in"]
                        .as_u64()
                        .map(std::time::Duration::from_secs),
                )),
                _ => Err(Answer::Later(
                    "PayPal answered a token request without a token".into(),
                    None,
                )),
            },
            // A refused token request is the credentials' fault.
            Answer::Refused(..) => Err(Answer::Unauthorized),
            other => Err(other),
        }
    }

    /// An access token, kept for the rail until shortly before PayPal
    /// says it expires (`expires_in`, less [`TOKEN_MARGIN`]): what an
    /// anonymous webhook post costs is no credentialed call of its own.
    /// Kept per replica, by the rail's host and credentials.
    pub async fn cached_token(&self) -> Result<String, Answer> {
        let key = self.token_key();
        let now = std::time::Instant::now();
        if let Some((token, until)) = tokens().get(&key)
            && *until > now
        {
            return Ok(token.clone());
        }
        let (token, lives) = self.token_with_life().await?;
        if let Some(lives) = lives.and_then(|l| l.checked_sub(TOKEN_MARGIN)) {
            let mut kept = tokens();
            kept.retain(|_, (_, until)| *until > now);
            if kept.len() < MAX_TOKENS_KEPT {
                kept.insert(key, (token.clone(), now + lives));
            }
        }
        Ok(token)
    }

    /// Forgets the kept token (PayPal refused it).
    pub fn forget_token(&self) {
        tokens().remove(&self.token_key());
    }

    /// The rail's host and credentials, as a token is kept by them (the
    /// secret hashed: never a key in memory).
    fn token_key(&self) -> String {
        use sha2::Digest;
        let credentials = match &self.rail.credentials {
            Credentials::Paypal {
                client_id,
                client_secret,
                ..
            } => format!("{client_id}:{client_secret}"),
            _ => String::new(),
        };
        let digest = sha2::Sha256::digest(credentials.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}|{}|{hex}", self.rail.tenant_id, self.rail.base_url)
    }

    fn bearer(token: &str) -> (&'static str, String) {
        ("authorization", format!("Bearer {token}"))
    }

    /// `POST /v1/payments/payouts`: the batch of `payouts` (one currency).
    pub async fn create_batch(
        &self,
        token: &str,
        batch_id: &str,
        payouts: &[payout::Model],
    ) -> Answer {
        let items: Vec<Value> = payouts.iter().map(item).collect();
        let body = json!({
            "sender_batch_header": {
                "sender_batch_id": batch_id,
                "email_subject": "You have a payout",
                "email_message": "Your commissions were paid. Your statement is in the partner portal.",
            },
            "items": items,
        });
        provider::exchange(
            self.http,
            Request {
                method: reqwest::Method::POST,
                url: self.url("/v1/payments/payouts"),
                headers: vec![
                    Self::bearer(token),
                    ("paypal-request-id", batch_id.to_owned()),
                ],
                body: Some(("application/json", body.to_string())),
                provider: "PayPal",
            },
        )
        .await
    }

    /// `GET /v1/payments/payouts/{payout_batch_id}`, one page.
    pub async fn batch(&self, token: &str, batch_id: &str, page: usize) -> Answer {
        let path = format!(
            "/v1/payments/payouts/{}?page={page}&page_size={PAGE_SIZE}",
            url::form_urlencoded::byte_serialize(batch_id.as_bytes()).collect::<String>()
        );
        provider::exchange(
            self.http,
            Request {
                method: reqwest::Method::GET,
                url: self.url(&path),
                headers: vec![Self::bearer(token)],
                body: None,
                provider: "PayPal",
            },
        )
        .await
    }

    /// `POST /v1/notifications/verify-webhook-signature`: whether PayPal
    /// signed `event` (the raw body, passed on byte for byte) for the
    /// rail's webhook, by the transmission's headers.
    pub async fn verify(&self, token: &str, headers: &Transmission, event: &str) -> Answer {
        let Credentials::Paypal { webhook_id, .. } = &self.rail.credentials else {
            return Answer::Unauthorized;
        };
        let quote = |s: &str| Value::String(s.to_owned()).to_string();
        // The event is embedded as sent: re-serialising it would change
        // the bytes PayPal signed.
        let body = format!(
            "{{\"auth_algo\":{},\"cert_url\":{},\"transmission_id\":{},\"transmission_sig\":{},\"transmission_time\":{},\"webhook_id\":{},\"webhook_event\":{event}}}",
            quote(&headers.auth_algo),
            quote(&headers.cert_url),
            quote(&headers.transmission_id),
            quote(&headers.transmission_sig),
            quote(&headers.transmission_time),
            quote(webhook_id),
        );
        provider::exchange(
            self.http,
            Request {
                method: reqwest::Method::POST,
                url: self.url("/v1/notifications/verify-webhook-signature"),
                headers: vec![Self::bearer(token)],
                body: Some(("application/json", body)),
                provider: "PayPal",
            },
        )
        .await
    }
}

/// A payout as a batch item: to its PayPal address, its amount in its
/// currency's decimals, its statement in the note.
fn item(payout: &payout::Model) -> Value {
    use crate::payouts::withholding;
    let value = crate::engine::Currency::parse(&payout.currency)
        .map(|unit| unit.from_minor(withholding::sent_minor(payout)).to_string())
        .unwrap_or_else(|_| withholding::sent_minor(payout).to_string());
    json!({
        "recipient_type": "EMAIL",
        "amount": { "value": value, "currency": payout.currency },
        "receiver": payout.method_paypal_email.as_deref().unwrap_or_default(),
        "sender_item_id": payout.id,
        "note": format!("Statement {}", payout.statement_number),
    })
}

/// The batch id of a run's payouts in one currency.
pub fn batch_id(run_id: &str, currency: &str) -> String {
    format!("{run_id}-{currency}")
}

/// Most items PayPal takes in one `POST /v1/payments/payouts`.
pub const MOST_ITEMS: usize = 15_000;

/// The part (`sender_batch_id`) each of a run's payouts being queued is
/// sent in: by currency, in id order, at most [`MOST_ITEMS`] a part. A
/// currency's payouts that fit one part, queued first, are sent as
/// `{run}-{CUR}`; otherwise each part is `{run}-{CUR}-{n}`, numbered past
/// every part `taken` before — a part id is never used for two sets of
/// payouts, so PayPal never answers one with another's batch.
pub fn parts<'a>(
    run_id: &str,
    queueing: impl IntoIterator<Item = (&'a str, &'a str)>,
    taken: &BTreeSet<String>,
) -> HashMap<String, String> {
    let mut by_currency: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, currency) in queueing {
        by_currency.entry(currency).or_default().push(id);
    }
    let mut parts = HashMap::new();
    for (currency, mut ids) in by_currency {
        ids.sort_unstable();
        let whole = batch_id(run_id, currency);
        if ids.len() <= MOST_ITEMS && !taken.contains(&whole) {
            parts.extend(ids.into_iter().map(|id| (id.to_owned(), whole.clone())));
            continue;
        }
        let mut numbers = (1..)
            .map(|n| format!("{whole}-{n}"))
            .filter(|p| !taken.contains(p));
        for chunk in ids.chunks(MOST_ITEMS) {
            let part = numbers.next().unwrap_or_default();
            parts.extend(chunk.iter().map(|id| ((*id).to_owned(), part.clone())));
        }
    }
    parts
}

/// The headers PayPal signs a webhook with.
pub struct Transmission {
    pub auth_algo: String,
    pub cert_url: String,
    pub transmission_id: String,
    pub transmission_sig: String,
    pub transmission_time: String,
}

/// An item's `transaction_status` as a rail status (`None`: one PayPal
/// may add; the payout stays as it is).
pub fn item_status(transaction_status: &str) -> Option<RailStatus> {
    Some(match transaction_status {
        "SUCCESS" => RailStatus::Succeeded,
        "FAILED" | "BLOCKED" | "DENIED" | "REFUNDED" | "REVERSED" | "CANCELED" => {
            RailStatus::Failed
        }
        "RETURNED" => RailStatus::Returned,
        "UNCLAIMED" => RailStatus::Unclaimed,
        "PENDING" | "ONHOLD" | "NEW" => RailStatus::Sent,
        _ => return None,
    })
}

/// Whether a batch's `batch_status` says PayPal is done with it: every
/// item it will ever hold is listed.
pub fn batch_ended(batch_status: &str) -> bool {
    matches!(batch_status, "SUCCESS" | "DENIED" | "CANCELED")
}

/// A webhook's `event_type` for one item, as a rail status.
pub fn event_status(event_type: &str) -> Option<RailStatus> {
    Some(match event_type.strip_prefix("PAYMENT.PAYOUTS-ITEM.")? {
        "SUCCEEDED" => RailStatus::Succeeded,
        "FAILED" | "BLOCKED" | "DENIED" | "REFUNDED" | "CANCELED" => RailStatus::Failed,
        "RETURNED" => RailStatus::Returned,
        "UNCLAIMED" => RailStatus::Unclaimed,
        "HELD" => RailStatus::Sent,
        _ => return None,
    })
}

/// What an item (of a batch, or a webhook's resource) says of its payout:
/// the payout's id and the word.
pub fn said_of_item(item: &Value, status: Option<RailStatus>) -> Option<(String, Said)> {
    let payout_id = item["payout_item"]["sender_item_id"].as_str()?.to_owned();
    let status = status.or_else(|| item_status(item["transaction_status"].as_str()?))?;
    let error = item["errors"]["message"]
        .as_str()
        .or_else(|| item["errors"]["name"].as_str())
        .map(|message| format!("PayPal: {message}"));
    Some((
        payout_id,
        Said {
            status,
            reference: item["payout_item_id"].as_str().map(str::to_owned),
            batch: item["payout_batch_id"].as_str().map(str::to_owned),
            error,
        },
    ))
}

/// PayPal's error, in its words: `name: message` (and the first detail's
/// issue).
pub fn error_words(status: u16, json: &Value) -> String {
    let name = json["name"].as_str().unwrap_or("an error");
    let message = json["message"].as_str().unwrap_or_default();
    let issue = json["details"][0]["issue"].as_str();
    match issue {
        Some(issue) => format!("PayPal refused the batch ({status} {name}: {message}; {issue})"),
        None => format!("PayPal refused the batch ({status} {name}: {message})"),
    }
}

/// The batch a refusal names as the original when a `sender_batch_id`
/// was used already: its id, from the refusal's links.
pub fn original_batch(json: &Value) -> Option<String> {
    let duplicate = json["name"].as_str() == Some("USER_BUSINESS_ERROR")
        || json["details"][0]["issue"]
            .as_str()
            .is_some_and(|issue| issue.contains("DUPLICATE") || issue.contains("ALREADY"));
    if !duplicate {
        return None;
    }
    json["links"].as_array()?.iter().find_map(|link| {
        let href = link["href"].as_str()?;
        let (_, id) = href.split_once("/v1/payments/payouts/")?;
        let id = id.split(['?', '/']).next()?;
        (!id.is_empty()).then(|| id.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_webhooks_read_as_rail_statuses() {
        assert_eq!(item_status("SUCCESS"), Some(RailStatus::Succeeded));
        assert_eq!(item_status("UNCLAIMED"), Some(RailStatus::Unclaimed));
        assert_eq!(item_status("RETURNED"), Some(RailStatus::Returned));
        assert_eq!(item_status("BLOCKED"), Some(RailStatus::Failed));
        assert_eq!(item_status("ONHOLD"), Some(RailStatus::Sent));
        assert_eq!(item_status("SOMETHING_NEW"), None);
        assert_eq!(
            event_status("PAYMENT.PAYOUTS-ITEM.SUCCEEDED"),
            Some(RailStatus::Succeeded)
        );
        assert_eq!(
            event_status("PAYMENT.PAYOUTS-ITEM.BLOCKED"),
            Some(RailStatus::Failed)
        );
        assert_eq!(event_status("PAYMENT.PAYOUTSBATCH.SUCCESS"), None);
    }

    #[test]
    fn a_run_is_sent_in_parts_of_its_own_that_never_reuse_an_id() {
        let none = BTreeSet::new();
        // A currency that fits one part is the run's and currency's.
        let small = [("p2", "USD"), ("p1", "USD"), ("p3", "EUR")];
        let got = parts("RUN", small, &none);
        assert_eq!(got["p1"], "RUN-USD");
        assert_eq!(got["p2"], "RUN-USD");
        assert_eq!(got["p3"], "RUN-EUR");
        // Past PayPal's 15,000 items, numbered parts in id order.
        let many: Vec<String> = (0..MOST_ITEMS + 1).map(|i| format!("p{i:05}")).collect();
        let got = parts("RUN", many.iter().map(|id| (id.as_str(), "USD")), &none);
        assert_eq!(got["p00000"], "RUN-USD-1");
        assert_eq!(got[&format!("p{:05}", MOST_ITEMS - 1)], "RUN-USD-1");
        assert_eq!(got[&format!("p{MOST_ITEMS:05}")], "RUN-USD-2");
        // Payouts queued again later never take a part already sent.
        let taken: BTreeSet<String> = ["RUN-USD".to_owned(), "RUN-USD-1".to_owned()].into();
        let got = parts("RUN", [("p9", "USD")], &taken);
        assert_eq!(got["p9"], "RUN-USD-2");
    }

    #[test]
    fn a_reused_batch_id_names_the_original() {
        let refusal = json!({
            "name": "USER_BUSINESS_ERROR",
            "message": "User business error.",
            "details": [{"field": "SENDER_BATCH_ID", "issue": "Batch with given sender_batch_id already exists"}],
            "links": [{"href": "https://api-m.paypal.com/v1/payments/payouts/FYXMPQTX4JC9N", "rel": "self", "method": "GET"}]
        });
        assert_eq!(original_batch(&refusal).as_deref(), Some("FYXMPQTX4JC9N"));
        assert_eq!(original_batch(&json!({"name": "VALIDATION_ERROR"})), None);
    }
}

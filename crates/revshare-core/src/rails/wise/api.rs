//! Wise's API, as docs.wise.com describes it: a recipient account per
//! partner's method (`POST /v1/accounts`), and per payout a quote
//! (`POST /v3/profiles/{profileId}/quotes`, source and target the payout's
//! currency, the target amount the payout to the cent) and a transfer in
//! the run's batch group (`POST …/batch-groups/{id}/transfers`, its
//! `customerTransactionId` derived from the payout: Wise answers a repeat
//! with the first transfer); the group made, read, completed
//! (`PATCH {status: COMPLETED, version}`) and funded from the balance
//! (`POST …/batch-payments/{id}/payments`, signed when Wise asks for SCA);
//! a transfer read back (`GET /v1/transfers/{id}`).

use super::super::config::{Credentials, Rail};
use super::super::provider::{self, Answer, Request};
use crate::payouts::address::Address;
use entity::payout;
use serde_json::{Value, json};

/// A tenant's Wise profile.
pub struct Wise<'a> {
    pub http: &'a reqwest::Client,
    pub rail: &'a Rail,
}

impl Wise<'_> {
    fn token(&self) -> &str {
        match &self.rail.credentials {
            Credentials::Wise { api_token, .. } => api_token,
            _ => "",
        }
    }

    /// The profile payouts are sent from.
    pub fn profile(&self) -> &str {
        match &self.rail.credentials {
            Credentials::Wise { profile_id, .. } => profile_id,
            _ => "",
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        extra: Vec<(&'static str, String)>,
    ) -> Answer {
        let mut headers = vec![("authorization", format!("Bearer {}", self.token()))];
        headers.extend(extra);
        provider::exchange(
            self.http,
            Request {
                method,
                url: format!("{}{path}", self.rail.base_url),
                headers,
                body: body.map(|b| ("application/json", b.to_string())),
                provider: "Wise",
            },
        )
        .await
    }

    fn profile_path(&self, rest: &str) -> String {
        format!("/v3/profiles/{}{rest}", self.profile())
    }

    /// `POST /v1/accounts`: the payout's account as a Wise recipient.
    pub async fn create_recipient(&self, payout: &payout::Model) -> Answer {
        let body = recipient(self.profile(), payout);
        self.call(reqwest::Method::POST, "/v1/accounts", Some(body), vec![])
            .await
    }

    /// A quote for the payout, in its currency both ways, to the cent.
    pub async fn quote(&self, payout: &payout::Model, recipient: &str) -> Answer {
        let body = json!({
            "sourceCurrency": payout.currency,
            "targetCurrency": payout.currency,
            "targetAmount": amount(payout),
            "targetAccount": number(recipient),
            "payOut": "BANK_TRANSFER",
            "preferredPayIn": "BALANCE",
        });
        let path = self.profile_path("/quotes");
        self.call(reqwest::Method::POST, &path, Some(body), vec![])
            .await
    }

    /// A batch group for a run's payouts in one currency.
    pub async fn create_group(&self, name: &str, currency: &str) -> Answer {
        let body = json!({ "sourceCurrency": currency, "name": name });
        let path = self.profile_path("/batch-groups");
        self.call(reqwest::Method::POST, &path, Some(body), vec![])
            .await
    }

    /// A batch group as Wise holds it (its `status` and `version`).
    pub async fn group(&self, id: &str) -> Answer {
        let path = self.profile_path(&format!("/batch-groups/{}", segment(id)));
        self.call(reqwest::Method::GET, &path, None, vec![]).await
    }

    /// The payout's transfer, joining the group.
    pub async fn add_transfer(
        &self,
        group: &str,
        payout: &payout::Model,
        recipient: &str,
        quote: &str,
    ) -> Answer {
        let body = json!({
            "targetAccount": number(recipient),
            "quoteUuid": quote,
            "customerTransactionId": transaction_id(&payout.id),
            "details": { "reference": reference(&payout.statement_number) },
        });
        let path = self.profile_path(&format!("/batch-groups/{}/transfers", segment(group)));
        self.call(reqwest::Method::POST, &path, Some(body), vec![])
            .await
    }

    /// Closes the group to changes: it may be funded.
    pub async fn complete(&self, group: &str, version: i64) -> Answer {
        let body = json!({ "status": "COMPLETED", "version": version });
        let path = self.profile_path(&format!("/batch-groups/{}", segment(group)));
        self.call(reqwest::Method::PATCH, &path, Some(body), vec![])
            .await
    }

    /// Funds the completed group from the profile's balance; `approval`:
    /// Wise's one-time token and its signature, when it asked for them.
    pub async fn fund(&self, group: &str, approval: Option<(String, String)>) -> Answer {
        let path = format!(
            "/v3/profiles/{}/batch-payments/{}/payments",
            self.profile(),
            segment(group)
        );
        let headers = match approval {
            Some((token, signature)) => vec![("x-2fa-approval", token), ("x-signature", signature)],
            None => vec![],
        };
        self.call(
            reqwest::Method::POST,
            &path,
            Some(json!({ "type": "BALANCE" })),
            headers,
        )
        .await
    }

    /// `GET /v1/transfers/{id}`.
    pub async fn transfer(&self, id: &str) -> Answer {
        let path = format!("/v1/transfers/{}", segment(id));
        self.call(reqwest::Method::GET, &path, None, vec![]).await
    }
}

/// A path segment, escaped.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// Wise's ids are numbers: sent as one when it is one.
fn number(id: &str) -> Value {
    id.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(id))
}

/// What the payout sends, as a JSON number in its currency's decimals
/// (`1234.5`): exact, since a payout's minor units are an integer.
fn amount(payout: &payout::Model) -> Value {
    let minor = crate::payouts::withholding::sent_minor(payout);
    let text = crate::engine::Currency::parse(&payout.currency)
        .map(|unit| unit.from_minor(minor).normalize().to_string())
        .unwrap_or_else(|_| minor.to_string());
    serde_json::from_str(&text).unwrap_or(Value::from(minor))
}

/// A payout's `customerTransactionId`: the 128 bits of its id (a ULID)
/// as a UUID, lower case, 8-4-4-4-12 — the same for every try. An id of
/// another form is hashed to one (SHA-256's first 128 bits, as a
/// version 8 UUID).
pub fn transaction_id(payout_id: &str) -> String {
    let bits: u128 = match ulid::Ulid::from_string(payout_id) {
        Ok(id) => id.0,
        Err(_) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(payout_id.as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            bytes[6] = (bytes[6] & 0x0f) | 0x80;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            u128::from_be_bytes(bytes)
        }
    };
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The transfer's reference (`details.reference`): the statement number,
/// in the characters and length banks carry.
fn reference(statement: &str) -> String {
    statement
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ' '))
        .take(18)
        .collect()
}

/// The recipient account Wise is asked to make for a payout's method.
pub fn recipient(profile: &str, payout: &payout::Model) -> Value {
    let holder = payout.method_account_holder.clone().unwrap_or_default();
    let legal_type = payout
        .method_legal_type
        .clone()
        .unwrap_or_else(|| "PRIVATE".into());
    let (kind, details) = match payout.method_currency.as_deref() {
        Some("GBP") => (
            "sort_code",
            json!({
                "legalType": legal_type,
                "sortCode": payout.method_sort_code,
                "accountNumber": payout.method_account_number,
            }),
        ),
        Some("USD") => {
            let address = payout
                .method_address
                .as_deref()
                .and_then(|a| serde_json::from_str::<Address>(a).ok())
                .map(|a| {
                    let first_line = match &a.line2 {
                        Some(line2) => format!("{}, {line2}", a.line1),
                        None => a.line1.clone(),
                    };
                    json!({
                        "country": a.country,
                        "city": a.city,
                        "postCode": a.zip,
                        "firstLine": first_line,
                        "state": a.state,
                    })
                })
                .unwrap_or(Value::Null);
            (
                "aba",
                json!({
                    "legalType": legal_type,
                    "abartn": payout.method_routing_number,
                    "accountNumber": payout.method_account_number,
                    "accountType": payout.method_account_type.map(|t| t.as_str()),
                    "address": address,
                }),
            )
        }
        _ => (
            "iban",
            json!({ "legalType": legal_type, "iban": payout.method_iban }),
        ),
    };
    json!({
        "profile": number(profile),
        "accountHolderName": holder,
        "currency": payout.method_currency.as_deref().unwrap_or(&payout.currency),
        "type": kind,
        "details": details,
    })
}

/// Wise's refusal, in its words: the first error's message and path.
pub fn error_words(what: &str, status: u16, json: &Value) -> String {
    let first = &json["errors"][0];
    let message = first["message"]
        .as_str()
        .or_else(|| json["message"].as_str())
        .or_else(|| json["errorMessage"].as_str())
        .unwrap_or("no message");
    match first["path"].as_str().filter(|p| !p.is_empty()) {
        Some(path) => format!("Wise refused the {what} ({status} on {path}: {message})"),
        None => format!("Wise refused the {what} ({status}: {message})"),
    }
}

/// An id in Wise's answer (a number or a text).
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payout_id_is_its_own_transaction_id() {
        // A ULID's 128 bits, as a UUID.
        assert_eq!(
            transaction_id("01ARZ3NDEKTSV4RRFFQ69G5FAV"),
            "01563e3a-b5d3-d676-4c61-efb99302bd5b"
        );
        // Another id: always the same UUID, of the right form.
        let other = transaction_id("po_1");
        assert_eq!(other, transaction_id("po_1"));
        assert_ne!(other, transaction_id("po_2"));
        assert_eq!(other.len(), 36);
        assert_eq!(&other[14..15], "8");
    }

    #[test]
    fn references_keep_to_what_banks_carry() {
        assert_eq!(reference("2026-000042"), "2026-000042");
        assert_eq!(reference("RS_2026_0001_überlang"), "RS20260001berlang");
    }
}

//! Stripe Connect with Express accounts, as `stripe/openapi` describes
//! it: an account per partner (`POST /v1/accounts`, made once: its
//! `Idempotency-Key` is the partner), an onboarding link
//! (`POST /v1/account_links`), and each payout a transfer
//! (`POST /v1/transfers`, `Idempotency-Key` the payout, `transfer_group`
//! the run). Stripe answers a repeated key with the first result.

use super::config::{Credentials, Rail};
use super::provider::{self, Answer, Request};
use entity::payout;

/// A tenant's Stripe account.
pub struct Stripe<'a> {
    pub http: &'a reqwest::Client,
    pub rail: &'a Rail,
}

impl Stripe<'_> {
    async fn post(&self, path: &str, key: &str, fields: &[(&str, &str)]) -> Answer {
        let Credentials::Stripe { secret_key, .. } = &self.rail.credentials else {
            return Answer::Unauthorized;
        };
        provider::exchange(
            self.http,
            Request {
                method: reqwest::Method::POST,
                url: format!("{}{path}", self.rail.base_url),
                headers: vec![
                    ("authorization", format!("Bearer {secret_key}")),
                    ("idempotency-key", key.to_owned()),
                ],
                body: Some(("application/x-www-form-urlencoded", provider::form(fields))),
                provider: "Stripe",
            },
        )
        .await
    }

    /// An Express account for the partner (made once per partner).
    pub async fn create_account(&self, partner_id: &str, email: Option<&str>) -> Answer {
        let mut fields = vec![
            ("type", "express"),
            ("capabilities[transfers][requested]", "true"),
            ("metadata[partner]", partner_id),
        ];
        if let Some(email) = email {
            fields.push(("email", email));
        }
        let key = format!("revshare-account-{}-{partner_id}", self.rail.tenant_id);
        self.post("/v1/accounts", &key, &fields).await
    }

    /// An onboarding link for the account.
    pub async fn account_link(
        &self,
        account: &str,
        refresh: &str,
        back: &str,
        key: &str,
    ) -> Answer {
        self.post(
            "/v1/account_links",
            key,
            &[
                ("account", account),
                ("refresh_url", refresh),
                ("return_url", back),
                ("type", "account_onboarding"),
            ],
        )
        .await
    }

    /// The payout as a transfer to its partner's account.
    pub async fn transfer(&self, payout: &payout::Model) -> Answer {
        let amount = crate::payouts::withholding::sent_minor(payout).to_string();
        let currency = payout.currency.to_lowercase();
        let destination = payout.method_stripe_account.as_deref().unwrap_or_default();
        let group = payout.run_id.as_deref().unwrap_or(&payout.id);
        let description = format!("Statement {}", payout.statement_number);
        self.post(
            "/v1/transfers",
            &payout.id,
            &[
                ("amount", &amount),
                ("currency", &currency),
                ("destination", destination),
                ("transfer_group", group),
                ("description", &description),
                ("metadata[payout]", &payout.id),
            ],
        )
        .await
    }
}

/// Stripe's error, in its words.
pub fn error_words(status: u16, json: &serde_json::Value) -> String {
    let error = &json["error"];
    let message = error["message"].as_str().unwrap_or("no message");
    match error["code"].as_str() {
        Some(code) => format!("Stripe refused the transfer ({status} {code}: {message})"),
        None => format!("Stripe refused the transfer ({status}: {message})"),
    }
}

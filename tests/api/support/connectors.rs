//! Billing connectors as the area tests drive them: configured, and sent
//! signed events (an invoice paid) that must be handled.

use crate::helpers::{TENANT, TestApp};
use serde_json::{Value, json};

pub(crate) const SECRET: &str = "whsec_test_secret_for_revshare";

pub(crate) const CONFIGURE: &str = "mutation($input: ConfigureBillingConnectorInput!) { configureBillingConnector(input: $input) { provider endpointUrl enabled } }";

pub(crate) async fn configure(app: &TestApp, secrets: &[&str], enabled: bool) {
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "provider": "STRIPE", "signingSecrets": secrets, "enabled": enabled } }),
    )
    .await;
}

/// `Stripe-Signature` for `body`, as Stripe's library makes it.
pub(crate) async fn signature(body: &str, secret: &str, timestamp: i64) -> String {
    use tokio::io::AsyncWriteExt;
    let tools = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
    let mut child = tokio::process::Command::new("node")
        .args(["stripe-sign.mjs", secret, &timestamp.to_string()])
        .current_dir(tools)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (scripts/test installs it and the stripe package)");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(body.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(output.status.success(), "stripe-sign.mjs failed");
    String::from_utf8(output.stdout).unwrap()
}

/// An event as Stripe sends it.
pub(crate) fn event(id: &str, kind: &str, object: Value) -> Value {
    json!({
        "id": id, "object": "event", "api_version": "2025-03-31.basil", "created": chrono::Utc::now().timestamp(),
        "data": { "object": object }, "livemode": false, "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
}

/// Delivers `event` signed with `secret` at `timestamp`: the status and
/// the body.
pub(crate) async fn deliver_signed(
    app: &TestApp,
    event: &Value,
    secret: &str,
    timestamp: i64,
    tamper: bool,
) -> (u16, Value) {
    let body = event.to_string();
    let header = signature(&body, secret, timestamp).await;
    let sent = match tamper {
        true => body.replace("\"livemode\":false", "\"livemode\":true"),
        false => body,
    };
    post(app, "stripe", ("stripe-signature", header), sent).await
}

/// POSTs a signed body to a provider's endpoint: the status and the body.
pub(crate) async fn post(
    app: &TestApp,
    provider: &str,
    signature: (&str, String),
    body: String,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/connectors/{provider}/{TENANT}")))
        .header(signature.0, signature.1)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn deliver(app: &TestApp, event: &Value) -> (u16, Value) {
    deliver_signed(app, event, SECRET, chrono::Utc::now().timestamp(), false).await
}

/// Delivers and expects `200` with `handled`.
pub(crate) async fn handled(app: &TestApp, event: &Value, expected: &str) {
    let (status, body) = deliver(app, event).await;
    assert_eq!(
        (status, body["handled"].as_str()),
        (200, Some(expected)),
        "{body}"
    );
}

/// When the test invoices were paid: an hour before the tests ran (one
/// time, as an invoice's is).
pub(crate) static PAID_AT: std::sync::LazyLock<i64> =
    std::sync::LazyLock::new(|| chrono::Utc::now().timestamp() - 3600);

/// A paid invoice of the 2025-03-31 generation (no `charge` on it);
/// `older` adds the fields older API versions send.
pub(crate) fn invoice(
    id: &str,
    event_id: &str,
    customer: &str,
    paid: i64,
    tax: i64,
    currency: &str,
    older: Option<&str>,
) -> Value {
    let mut invoice = json!({
        "id": id, "object": "invoice", "customer": customer, "currency": currency, "amount_paid": paid,
        "amount_due": paid, "total": paid, "status": "paid",
        "status_transitions": { "paid_at": *PAID_AT, "finalized_at": *PAID_AT - 600 },
        "total_taxes": [{ "amount": tax, "tax_behavior": "exclusive", "taxability_reason": "standard_rated" }],
        "lines": { "object": "list", "data": [] },
    });
    if let Some(charge) = older {
        invoice.as_object_mut().unwrap().remove("total_taxes");
        invoice["tax"] = json!(tax);
        invoice["charge"] = json!(charge);
        invoice["payment_intent"] = json!(format!("pi_{charge}"));
    }
    event(event_id, "invoice.paid", invoice)
}

/// A checkout completed for `customer`, its `client_reference_id` a
/// partner's code or click.
pub(crate) fn checkout(id: &str, customer: &str, reference: &str) -> Value {
    event(
        id,
        "checkout.session.completed",
        json!({
            "id": format!("cs_{id}"), "object": "checkout.session", "client_reference_id": reference,
            "customer": customer, "customer_details": { "email": "buyer@example.com" }, "mode": "subscription",
            "created": chrono::Utc::now().timestamp(), "metadata": {}, "discounts": [], "status": "complete",
        }),
    )
}

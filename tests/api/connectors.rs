//! Billing connectors (SPEC §15): Stripe's webhooks, signed the way
//! Stripe's own library signs them (`stripe` on npm,
//! `webhooks.generateTestHeaderString`), and Paddle Billing's, signed as
//! its signature-verification documentation describes, shaped as the
//! providers' API references document their events, delivered to the
//! public endpoints.

use crate::helpers::{TENANT, TestApp};
use crate::ledger::partner_at;
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_checkout_then_a_paid_invoice_earn_the_partner_its_commission,
    an_invoice_paid_before_its_checkout_is_held_then_accrued_once,
    signatures_are_stripes_and_a_disabled_connector_records_nothing,
    cumulative_refunds_in_both_api_generations_and_a_dispute,
    paddle_transactions_and_refund_adjustments,
);

const SECRET: &str = "whsec_test_secret_for_revshare";
const CONNECTORS: &str = "{ billingConnectors { provider endpointUrl enabled commissionBase eventsReceived eventsIgnored } }";
const CONFIGURE: &str = "mutation($input: ConfigureBillingConnectorInput!) { configureBillingConnector(input: $input) { provider endpointUrl enabled } }";

async fn configure(app: &TestApp, secrets: &[&str], enabled: bool) {
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "provider": "STRIPE", "signingSecrets": secrets, "enabled": enabled } }),
    )
    .await;
}

/// `Stripe-Signature` for `body`, as Stripe's library makes it.
async fn signature(body: &str, secret: &str, timestamp: i64) -> String {
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
fn event(id: &str, kind: &str, object: Value) -> Value {
    json!({
        "id": id, "object": "event", "api_version": "2025-03-31.basil", "created": chrono::Utc::now().timestamp(),
        "data": { "object": object }, "livemode": false, "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
}

/// Delivers `event` signed with `secret` at `timestamp`: the status and
/// the body.
async fn deliver_signed(
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
async fn post(
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

async fn deliver(app: &TestApp, event: &Value) -> (u16, Value) {
    deliver_signed(app, event, SECRET, chrono::Utc::now().timestamp(), false).await
}

/// Delivers and expects `200` with `handled`.
async fn handled(app: &TestApp, event: &Value, expected: &str) {
    let (status, body) = deliver(app, event).await;
    assert_eq!(
        (status, body["handled"].as_str()),
        (200, Some(expected)),
        "{body}"
    );
}

fn checkout(id: &str, customer: &str, reference: &str) -> Value {
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

/// When the test invoices were paid: an hour before the tests ran (one
/// time, as an invoice's is).
static PAID_AT: std::sync::LazyLock<i64> =
    std::sync::LazyLock::new(|| chrono::Utc::now().timestamp() - 3600);

/// A paid invoice of the 2025-03-31 generation (no `charge` on it);
/// `older` adds the fields older API versions send.
fn invoice(
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

async fn ledger(app: &TestApp) -> Value {
    let query = "{ commissions { nodes { kind amount status reversalReason event { externalId amount currency refundedAmount } } } }";
    app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"].clone()
}

async fn code_for(app: &TestApp, partner: &str, code: &str, campaign: Option<&str>) {
    let query =
        "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id } }";
    app.ok(
        &app.admin(),
        query,
        json!({ "input": { "partnerId": partner, "code": code, "campaignId": campaign } }),
    )
    .await;
}

async fn a_checkout_then_a_paid_invoice_earn_the_partner_its_commission(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;

    handled(&app, &checkout("evt_1", "cus_A", "jane"), "done").await;
    // 119.00 paid, 19.00 of it tax: the commission is on 100.00.
    let paid = invoice("in_1", "evt_2", "cus_A", 11_900, 1_900, "usd", None);
    handled(&app, &paid, "done").await;
    handled(&app, &paid, "again").await;
    assert_eq!(
        ledger(&app).await,
        json!([{ "kind": "COMMISSION", "amount": "10.00", "status": "ACCRUED", "reversalReason": null,
                 "event": { "externalId": "stripe:in_1", "amount": "100.00", "currency": "USD", "refundedAmount": "0.00" } }])
    );
    // A zero invoice and a type not taken: answered, counted, nothing done.
    handled(
        &app,
        &invoice("in_0", "evt_3", "cus_A", 0, 0, "usd", None),
        "ignored",
    )
    .await;
    handled(
        &app,
        &event(
            "evt_4",
            "customer.subscription.updated",
            json!({ "id": "sub_1" }),
        ),
        "ignored",
    )
    .await;
    assert_eq!(
        app.ok(&app.admin(), CONNECTORS, json!({})).await["billingConnectors"],
        json!([{ "provider": "STRIPE", "endpointUrl": format!("/connectors/stripe/{TENANT}"), "enabled": true,
                 "commissionBase": "AMOUNT_EXCLUDING_TAX", "eventsReceived": 4, "eventsIgnored": 2 }])
    );
    let customer = "{ customer(externalId: \"cus_A\") { attributedBy email partner { name } } }";
    assert_eq!(
        app.ok(&app.admin(), customer, json!({})).await["customer"],
        json!({ "attributedBy": "CODE", "email": "buyer@example.com", "partner": { "name": "Jane" } })
    );
}

async fn an_invoice_paid_before_its_checkout_is_held_then_accrued_once(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;
    // Out of order: the invoice first.
    handled(
        &app,
        &invoice("in_9", "evt_10", "cus_B", 5_000, 0, "usd", None),
        "done",
    )
    .await;
    assert_eq!(ledger(&app).await, json!([]));
    let held = "{ unattributedEvents { nodes { externalId customerExternalId amount source } } }";
    assert_eq!(
        app.ok(&app.admin(), held, json!({})).await["unattributedEvents"]["nodes"],
        json!([{ "externalId": "stripe:in_9", "customerExternalId": "cus_B", "amount": "50.00", "source": "STRIPE" }])
    );
    // The checkout attributes cus_B: the held sale is accrued, once.
    handled(&app, &checkout("evt_11", "cus_B", "jane"), "done").await;
    handled(&app, &checkout("evt_12", "cus_B", "jane"), "done").await;
    // Another event for the same invoice: its sale was recorded already.
    handled(
        &app,
        &invoice("in_9", "evt_13", "cus_B", 5_000, 0, "usd", None),
        "again",
    )
    .await;
    let rows = ledger(&app).await;
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["amount"], "5.00");
    assert_eq!(rows[0]["event"]["externalId"], "stripe:in_9");

    // A JPY invoice, in a JPY campaign: Stripe's amount is in yen.
    let create = "mutation { createCampaign(input: { name: \"Japan\", currency: \"JPY\", rules: [{ recurring: { percentage: 10 } }] }) { id } }";
    let campaign = app.ok(&app.admin(), create, json!({})).await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = "mutation($c: ID!) { invitePartner(input: { name: \"Kenji\", campaignId: $c }) { partner { id } } }";
    let kenji = app.ok(&app.admin(), invite, json!({ "c": campaign })).await["invitePartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    code_for(&app, &kenji, "kenji", Some(&campaign)).await;
    handled(&app, &checkout("evt_20", "cus_JP", "kenji"), "done").await;
    handled(
        &app,
        &invoice("in_jp", "evt_21", "cus_JP", 5_000, 0, "jpy", None),
        "done",
    )
    .await;
    let jp = "{ commissions(partnerId: \"KENJI\") { nodes { amount currency event { amount } } } }"
        .replace("KENJI", &kenji);
    assert_eq!(
        app.ok(&app.admin(), &jp, json!({})).await["commissions"]["nodes"],
        json!([{ "amount": "500", "currency": "JPY", "event": { "amount": "5000" } }])
    );
}

async fn signatures_are_stripes_and_a_disabled_connector_records_nothing(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    let now = chrono::Utc::now().timestamp();
    let paid = invoice("in_s", "evt_s", "cus_S", 1_000, 0, "usd", None);
    // No connector yet: 404, nothing recorded.
    assert_eq!(deliver(&app, &paid).await.0, 404);
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_c", "cus_S", "jane"), "done").await;
    // A tampered body, a stale timestamp, another secret: 400.
    for (secret, at, tamper) in [
        (SECRET, now, true),
        (SECRET, now - 600, false),
        ("whsec_other", now, false),
    ] {
        let (status, body) = deliver_signed(&app, &paid, secret, at, tamper).await;
        assert_eq!(
            (status, body["errors"][0]["extensions"]["code"].as_str()),
            (400, Some("BAD_SIGNATURE")),
            "{body}"
        );
    }
    assert_eq!(ledger(&app).await, json!([]));
    // A rolled secret: the old one passes while both are configured.
    configure(&app, &["whsec_new_secret", SECRET], true).await;
    assert_eq!(deliver_signed(&app, &paid, SECRET, now, false).await.0, 200);
    configure(&app, &["whsec_new_secret"], true).await;
    let next = invoice("in_t", "evt_t", "cus_S", 1_000, 0, "usd", None);
    assert_eq!(deliver_signed(&app, &next, SECRET, now, false).await.0, 400);
    assert_eq!(
        deliver_signed(&app, &next, "whsec_new_secret", now, false)
            .await
            .0,
        200
    );
    // Disabled: 404 and nothing recorded; enabled again, the provider's
    // retry is recorded.
    configure(&app, &[SECRET], false).await;
    let later = invoice("in_u", "evt_u", "cus_S", 1_000, 0, "usd", None);
    assert_eq!(deliver(&app, &later).await.0, 404);
    assert_eq!(ledger(&app).await.as_array().unwrap().len(), 2);
    configure(&app, &[SECRET], true).await;
    handled(&app, &later, "done").await;
    assert_eq!(ledger(&app).await.as_array().unwrap().len(), 3);
    // Not an admin: no connector to configure or read.
    let service = app.service("commissions:read");
    let error = app.error(Some(&service), CONNECTORS, json!({})).await;
    assert_eq!(crate::helpers::code(&error), "FORBIDDEN");
}

async fn cumulative_refunds_in_both_api_generations_and_a_dispute(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_c", "cus_R", "jane"), "done").await;

    // Older generation: the charge names its invoice.
    handled(
        &app,
        &invoice("in_old", "evt_1", "cus_R", 10_000, 0, "usd", Some("ch_old")),
        "done",
    )
    .await;
    let refund = |id: &str, charge: &str, invoice: Option<&str>, pi: &str, refunded: i64| {
        let mut charge = json!({ "id": charge, "object": "charge", "amount": 10_000, "amount_refunded": refunded,
                                 "currency": "usd", "payment_intent": pi, "refunded": refunded == 10_000 });
        if let Some(invoice) = invoice {
            charge["invoice"] = json!(invoice);
        }
        event(id, "charge.refunded", charge)
    };
    // 30.00 refunded, then 50.00 in all; the 30.00 state again, later, is
    // older news, and a redelivery does nothing again.
    handled(
        &app,
        &refund("evt_r1", "ch_old", Some("in_old"), "pi_ch_old", 3_000),
        "done",
    )
    .await;
    handled(
        &app,
        &refund("evt_r2", "ch_old", Some("in_old"), "pi_ch_old", 5_000),
        "done",
    )
    .await;
    handled(
        &app,
        &refund("evt_r3", "ch_old", Some("in_old"), "pi_ch_old", 3_000),
        "done",
    )
    .await;
    handled(
        &app,
        &refund("evt_r2", "ch_old", Some("in_old"), "pi_ch_old", 5_000),
        "again",
    )
    .await;
    let rows = ledger(&app).await;
    let amounts: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["10.00", "-3.00", "-2.00"], "{rows}");
    assert_eq!(rows[0]["event"]["refundedAmount"], "50.00");

    // The 2025-03-31 generation: the charge names no invoice; the
    // invoice's payment links its payment intent.
    handled(
        &app,
        &invoice("in_new", "evt_2", "cus_R", 10_000, 0, "usd", None),
        "done",
    )
    .await;
    let payment = event(
        "evt_p",
        "invoice_payment.paid",
        json!({
            "id": "inpay_1", "object": "invoice_payment", "invoice": "in_new", "status": "paid",
            "payment": { "type": "payment_intent", "payment_intent": "pi_new" }, "amount_paid": 10_000,
        }),
    );
    handled(&app, &payment, "done").await;
    handled(
        &app,
        &refund("evt_r4", "ch_new", None, "pi_new", 10_000),
        "done",
    )
    .await;
    let rows = ledger(&app).await;
    assert_eq!(rows[3]["event"]["externalId"], "stripe:in_new");
    assert_eq!(rows[3]["status"], "REVERSED", "{rows}");
    assert_eq!(rows[3]["reversalReason"], "REFUND");

    // A dispute on an approved commission: clawed back as a chargeback.
    handled(
        &app,
        &invoice("in_d", "evt_3", "cus_R", 10_000, 0, "usd", Some("ch_d")),
        "done",
    )
    .await;
    let rows = ledger(&app).await;
    let id = {
        let query = "{ commissions(status: ACCRUED) { nodes { id event { externalId } } } }";
        let found = app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"].clone();
        found
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["event"]["externalId"] == "stripe:in_d")
            .unwrap()["id"]
            .clone()
    };
    assert_eq!(rows.as_array().unwrap().len(), 5);
    let approve = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { status } }";
    app.ok(&app.admin(), approve, json!({ "ids": [id] })).await;
    let dispute = event(
        "evt_d",
        "charge.dispute.created",
        json!({
            "id": "du_1", "object": "dispute", "amount": 10_000, "charge": "ch_d", "payment_intent": "pi_ch_d",
            "currency": "usd", "reason": "fraudulent", "status": "needs_response",
        }),
    );
    handled(&app, &dispute, "done").await;
    let rows = ledger(&app).await;
    let last = &rows[rows.as_array().unwrap().len() - 1];
    assert_eq!(last["kind"], "CLAWBACK", "{rows}");
    assert_eq!(last["amount"], "-10.00");
    assert_eq!(last["event"]["externalId"], "stripe:in_d");
    assert_eq!(last["event"]["refundedAmount"], "100.00");
}

const PADDLE_SECRET: &str = "pdl_ntfset_01test_secret";

/// Delivers a Paddle event signed as Paddle's signature-verification
/// documentation describes: `Paddle-Signature: ts=…;h1=…`, HMAC-SHA256
/// over `"{ts}:{raw body}"`, hex.
async fn paddle(app: &TestApp, event: &Value, secret: &str, ts: i64, tamper: bool) -> (u16, Value) {
    use hmac::{Hmac, Mac};
    let body = event.to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}:{body}").as_bytes());
    let h1: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sent = match tamper {
        true => body.replace("\"USD\"", "\"EUR\""),
        false => body,
    };
    post(
        app,
        "paddle",
        ("paddle-signature", format!("ts={ts};h1={h1}")),
        sent,
    )
    .await
}

/// A Paddle event, as its API reference shapes one.
fn paddle_event(id: &str, kind: &str, data: Value) -> Value {
    json!({ "event_id": id, "event_type": kind, "occurred_at": chrono::Utc::now().to_rfc3339(),
            "notification_id": format!("ntf_{id}"), "data": data })
}

async fn paddle_transactions_and_refund_adjustments(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "provider": "PADDLE", "signingSecrets": [PADDLE_SECRET] } }),
    )
    .await;
    let now = chrono::Utc::now().timestamp();
    let send = |event: Value| {
        let app = &app;
        async move { paddle(app, &event, PADDLE_SECRET, now, false).await }
    };
    let customer = paddle_event(
        "evt_01",
        "customer.created",
        json!({
            "id": "ctm_01", "email": "buyer@example.com", "status": "active",
            "custom_data": { "revshare_code": "jane" }, "created_at": chrono::Utc::now().to_rfc3339(),
        }),
    );
    assert_eq!(send(customer).await.1["handled"], "done");
    let completed = paddle_event(
        "evt_02",
        "transaction.completed",
        json!({
            "id": "txn_01", "status": "completed", "customer_id": "ctm_01", "currency_code": "USD",
            "billed_at": chrono::Utc::now().to_rfc3339(), "custom_data": null,
            "details": { "totals": { "subtotal": "10000", "discount": "0", "tax": "1900", "total": "11900",
                                     "grand_total": "11900", "currency_code": "USD" } },
        }),
    );
    // Tampered or stale: 400, nothing recorded.
    assert_eq!(
        paddle(&app, &completed, PADDLE_SECRET, now, true).await.0,
        400
    );
    assert_eq!(
        paddle(&app, &completed, PADDLE_SECRET, now - 600, false)
            .await
            .0,
        400
    );
    assert_eq!(send(completed.clone()).await.1["handled"], "done");
    assert_eq!(send(completed).await.1["handled"], "again");
    let adjustment = |id: &str, status: &str| {
        paddle_event(
            id,
            "adjustment.updated",
            json!({
                "id": "adj_01", "action": "refund", "status": status, "transaction_id": "txn_01", "currency_code": "USD",
                "totals": { "subtotal": "3000", "tax": "570", "total": "3570", "fee": "0", "earnings": "0", "currency_code": "USD" },
            }),
        )
    };
    assert_eq!(
        send(adjustment("evt_03", "pending_approval")).await.1["handled"],
        "ignored"
    );
    assert_eq!(
        send(adjustment("evt_04", "approved")).await.1["handled"],
        "done"
    );
    assert_eq!(
        send(adjustment("evt_05", "approved")).await.1["handled"],
        "done"
    );
    let rows = ledger(&app).await;
    let amounts: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["10.00", "-3.00"], "{rows}");
    assert_eq!(rows[0]["event"]["externalId"], "paddle:txn_01");
    assert_eq!(rows[0]["event"]["amount"], "100.00");
    assert_eq!(rows[0]["event"]["refundedAmount"], "30.00");
}

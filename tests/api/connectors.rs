//! Billing connectors (SPEC §15): Stripe's webhooks, signed the way
//! Stripe's own library signs them (`stripe` on npm,
//! `webhooks.generateTestHeaderString`), and Paddle Billing's, signed as
//! its signature-verification documentation describes, shaped as the
//! providers' API references document their events, delivered to the
//! public endpoints.

use crate::helpers::{TENANT, TestApp};
use crate::on_both_databases;
use crate::support::connectors::{
    CONFIGURE, SECRET, checkout, configure, deliver, deliver_signed, event, handled, invoice, post,
    signature,
};
use crate::support::partners::partner_at;
use serde_json::{Value, json};

on_both_databases!(
    a_checkout_then_a_paid_invoice_earn_the_partner_its_commission,
    an_invoice_paid_before_its_checkout_is_held_then_accrued_once,
    signatures_are_stripes_and_a_disabled_connector_records_nothing,
    cumulative_refunds_in_both_api_generations_and_a_dispute,
    paddle_transactions_and_refund_adjustments,
    a_refund_and_a_dispute_before_their_invoice_wait_and_apply_once,
    concurrent_refunds_of_one_charge_refund_what_stripe_refunded,
    concurrent_paddle_adjustments_refund_each_once_and_never_answer_500,
    stripe_amounts_are_read_in_stripes_units,
    a_promotion_code_attributes_by_its_id_or_its_code,
    a_stripe_invoice_in_another_currency_is_converted_and_refunded_in_its_own,
    a_paddle_transaction_in_another_currency_is_converted_and_refunded_in_its_own,
    billing_and_payout_providers_hear_one_answer_for_one_reason,
    a_sale_the_ledger_refuses_is_kept_and_recorded_once_mended,
);

const CONNECTORS: &str = "{ billingConnectors { provider endpointUrl enabled commissionBase eventsReceived eventsIgnored } }";

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

async fn configure_paddle(app: &TestApp) {
    let input = json!({ "input": { "provider": "PADDLE", "signingSecrets": [PADDLE_SECRET] } });
    app.ok(&app.admin(), CONFIGURE, input).await;
}

/// A Paddle event, as its API reference shapes one.
fn paddle_event(id: &str, kind: &str, data: Value) -> Value {
    json!({ "event_id": id, "event_type": kind, "occurred_at": chrono::Utc::now().to_rfc3339(),
            "notification_id": format!("ntf_{id}"), "data": data })
}

async fn paddle_transactions_and_refund_adjustments(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure_paddle(&app).await;
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

const DELIVERIES: &str = "query($s: ConnectorEventStatus) { billingConnectorEvents(provider: STRIPE, status: $s) { nodes { id type status reason } } }";

async fn deliveries(app: &TestApp, status: Option<&str>) -> Value {
    app.ok(&app.admin(), DELIVERIES, json!({ "s": status }))
        .await["billingConnectorEvents"]["nodes"]
        .clone()
}

/// A charge of 100.00 with `refunded` refunded so far, of the 2025-03-31
/// generation (it names no invoice).
fn charge_refunded(event_id: &str, charge: &str, intent: &str, refunded: i64) -> Value {
    event(
        event_id,
        "charge.refunded",
        json!({ "id": charge, "object": "charge", "amount": 10_000, "amount_refunded": refunded,
                "currency": "usd", "payment_intent": intent, "refunded": refunded == 10_000 }),
    )
}

/// A paid invoice of the 2025-03-31 generation whose `payments` name the
/// payment intent that paid it.
fn invoice_paid_by(id: &str, event_id: &str, customer: &str, intent: &str) -> Value {
    let mut paid = invoice(id, event_id, customer, 10_000, 0, "usd", None);
    paid["data"]["object"]["payments"] = json!({ "object": "list", "data": [
        { "id": format!("inpay_{id}"), "object": "invoice_payment", "status": "paid",
          "payment": { "type": "payment_intent", "payment_intent": intent } }
    ] });
    paid
}

async fn a_refund_and_a_dispute_before_their_invoice_wait_and_apply_once(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_c", "cus_W", "jane"), "done").await;

    // Stripe sends the refund first: kept, not lost, not applied twice.
    let refund = charge_refunded("evt_r", "ch_w1", "pi_w1", 3_000);
    handled(&app, &refund, "waiting").await;
    handled(&app, &refund, "again").await;
    let dispute = event(
        "evt_d",
        "charge.dispute.created",
        json!({ "id": "du_w2", "object": "dispute", "amount": 10_000, "charge": "ch_w2",
                "payment_intent": "pi_w2", "currency": "usd", "reason": "fraudulent" }),
    );
    handled(&app, &dispute, "waiting").await;
    let never = charge_refunded("evt_n", "ch_never", "pi_never", 10_000);
    handled(&app, &never, "waiting").await;
    let reason =
        "the charge is not linked to a sale yet: applied when its invoice's payment arrives";
    assert_eq!(
        deliveries(&app, Some("WAITING")).await,
        json!([
            { "id": "evt_d", "type": "charge.dispute.created", "status": "WAITING", "reason": reason },
            { "id": "evt_n", "type": "charge.refunded", "status": "WAITING", "reason": reason },
            { "id": "evt_r", "type": "charge.refunded", "status": "WAITING", "reason": reason },
        ])
    );
    assert_eq!(ledger(&app).await, json!([]));

    // The invoice arrives naming its payment intent: the refund applies.
    handled(
        &app,
        &invoice_paid_by("in_w1", "evt_i1", "cus_W", "pi_w1"),
        "done",
    )
    .await;
    handled(
        &app,
        &invoice_paid_by("in_w1", "evt_i1b", "cus_W", "pi_w1"),
        "again",
    )
    .await;
    let rows = ledger(&app).await;
    assert_eq!(
        rows,
        json!([
            { "kind": "COMMISSION", "amount": "10.00", "status": "ACCRUED", "reversalReason": null,
              "event": { "externalId": "stripe:in_w1", "amount": "100.00", "currency": "USD", "refundedAmount": "30.00" } },
            { "kind": "CLAWBACK", "amount": "-3.00", "status": "APPROVED", "reversalReason": "REFUND",
              "event": { "externalId": "stripe:in_w1", "amount": "100.00", "currency": "USD", "refundedAmount": "30.00" } },
        ])
    );
    // The same refund later, as Stripe would send a newer state: 30.00
    // was seen, 50.00 in all now refunds 20.00 more.
    handled(
        &app,
        &charge_refunded("evt_r2", "ch_w1", "pi_w1", 5_000),
        "done",
    )
    .await;
    let rows = ledger(&app).await;
    assert_eq!(rows[0]["event"]["refundedAmount"], "50.00", "{rows}");
    assert_eq!(rows.as_array().unwrap().len(), 3);

    // The second invoice, then (as its own event) the payment linking it:
    // the dispute reverses its commission as a chargeback.
    handled(
        &app,
        &invoice("in_w2", "evt_i2", "cus_W", 10_000, 0, "usd", None),
        "done",
    )
    .await;
    let payment = event(
        "evt_p2",
        "invoice_payment.paid",
        json!({ "id": "inpay_2", "object": "invoice_payment", "invoice": "in_w2", "status": "paid",
                "payment": { "type": "payment_intent", "payment_intent": "pi_w2" }, "amount_paid": 10_000 }),
    );
    handled(&app, &payment, "done").await;
    let rows = ledger(&app).await;
    let disputed: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"]["externalId"] == "stripe:in_w2")
        .collect();
    assert_eq!(disputed.len(), 1, "{rows}");
    assert_eq!(disputed[0]["status"], "REVERSED");
    assert_eq!(disputed[0]["reversalReason"], "CHARGEBACK");

    // Applied once each; the charge that never links stays listed.
    assert_eq!(
        deliveries(&app, Some("WAITING")).await,
        json!([{ "id": "evt_n", "type": "charge.refunded", "status": "WAITING", "reason": reason }])
    );
    let done = deliveries(&app, Some("DONE")).await;
    let ids: Vec<&str> = done
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "evt_c", "evt_d", "evt_i1", "evt_i1b", "evt_i2", "evt_p2", "evt_r", "evt_r2"
        ]
    );
    // Another delivery of the link does nothing again.
    handled(
        &app,
        &invoice_paid_by("in_w1", "evt_i1c", "cus_W", "pi_w1"),
        "again",
    )
    .await;
    assert_eq!(ledger(&app).await.as_array().unwrap().len(), 4);
}

async fn concurrent_refunds_of_one_charge_refund_what_stripe_refunded(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_c", "cus_C", "jane"), "done").await;
    const SALES: usize = 8;
    for i in 0..SALES {
        let charge = format!("ch_{i}");
        let paid = invoice(
            &format!("in_{i}"),
            &format!("evt_i{i}"),
            "cus_C",
            10_000,
            0,
            "usd",
            Some(&charge),
        );
        handled(&app, &paid, "done").await;
    }
    // Three states of each charge (30, 50, then 70 of 100 refunded),
    // signed first, then all delivered at once.
    let now = chrono::Utc::now().timestamp();
    let mut signed = Vec::new();
    for i in 0..SALES {
        for (n, refunded) in [3_000, 5_000, 7_000].into_iter().enumerate() {
            let charge = json!({ "id": format!("ch_{i}"), "object": "charge", "amount": 10_000,
                                 "amount_refunded": refunded, "currency": "usd", "invoice": format!("in_{i}"),
                                 "payment_intent": format!("pi_ch_{i}"), "refunded": false });
            let body = event(&format!("evt_r{i}_{n}"), "charge.refunded", charge).to_string();
            signed.push((signature(&body, SECRET, now).await, body));
        }
    }
    let answers =
        async_graphql::futures_util::future::join_all(signed.iter().map(|(header, body)| {
            post(
                &app,
                "stripe",
                ("stripe-signature", header.clone()),
                body.clone(),
            )
        }))
        .await;
    // A lost race is the provider's to retry (503), never a 500; retried
    // as Stripe would, each state applies once.
    for ((header, body), (status, answer)) in signed.iter().zip(answers) {
        assert!(status == 200 || status == 503, "{status} {answer}");
        if status == 503 {
            let (status, answer) = post(
                &app,
                "stripe",
                ("stripe-signature", header.clone()),
                body.clone(),
            )
            .await;
            assert_eq!(status, 200, "{answer}");
        }
    }
    let rows = ledger(&app).await;
    for i in 0..SALES {
        let of_sale: Vec<&Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["event"]["externalId"] == json!(format!("stripe:in_{i}")))
            .collect();
        assert_eq!(
            of_sale[0]["event"]["refundedAmount"], "70.00",
            "sale {i}: {rows}"
        );
        let clawed: rust_decimal::Decimal = of_sale
            .iter()
            .filter(|r| r["kind"] == "CLAWBACK")
            .map(|r| {
                r["amount"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(clawed.to_string(), "-7.00", "sale {i}: {rows}");
    }
}

async fn concurrent_paddle_adjustments_refund_each_once_and_never_answer_500(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure_paddle(&app).await;
    let now = chrono::Utc::now().timestamp();
    let customer = paddle_event(
        "evt_c",
        "customer.created",
        json!({ "id": "ctm_1", "email": "buyer@example.com", "custom_data": { "revshare_code": "jane" } }),
    );
    assert_eq!(
        paddle(&app, &customer, PADDLE_SECRET, now, false).await.1["handled"],
        "done"
    );
    const SALES: usize = 5;
    for t in 0..SALES {
        let completed = paddle_event(
            &format!("evt_t{t}"),
            "transaction.completed",
            json!({ "id": format!("txn_{t}"), "status": "completed", "customer_id": "ctm_1", "currency_code": "USD",
                    "billed_at": chrono::Utc::now().to_rfc3339(),
                    "details": { "totals": { "subtotal": "10000", "discount": "0", "tax": "0", "total": "10000",
                                             "grand_total": "10000", "currency_code": "USD" } } }),
        );
        assert_eq!(
            paddle(&app, &completed, PADDLE_SECRET, now, false).await.1["handled"],
            "done"
        );
    }
    // Per transaction three refunds of 10.00, each sent as created and as
    // updated: 30 deliveries at once.
    let mut events = Vec::new();
    for t in 0..SALES {
        for a in 0..3 {
            for kind in ["adjustment.created", "adjustment.updated"] {
                events.push(paddle_event(
                    &format!("evt_{t}_{a}_{kind}"),
                    kind,
                    json!({ "id": format!("adj_{t}_{a}"), "action": "refund", "status": "approved",
                            "transaction_id": format!("txn_{t}"), "currency_code": "USD",
                            "totals": { "subtotal": "1000", "tax": "0", "total": "1000", "currency_code": "USD" } }),
                ));
            }
        }
    }
    let answers = async_graphql::futures_util::future::join_all(
        events
            .iter()
            .map(|e| paddle(&app, e, PADDLE_SECRET, now, false)),
    )
    .await;
    for (event, (status, answer)) in events.iter().zip(answers) {
        assert!(status == 200 || status == 503, "{status} {answer}");
        if status == 503 {
            assert_eq!(paddle(&app, event, PADDLE_SECRET, now, false).await.0, 200);
        }
    }
    let rows = ledger(&app).await;
    for t in 0..SALES {
        let of_sale: Vec<&Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["event"]["externalId"] == json!(format!("paddle:txn_{t}")))
            .collect();
        assert_eq!(of_sale[0]["event"]["refundedAmount"], "30.00", "{rows}");
        assert_eq!(of_sale.len(), 4, "a commission and three clawbacks: {rows}");
    }
}

async fn stripe_amounts_are_read_in_stripes_units(app: TestApp) {
    configure(&app, &[SECRET], true).await;
    // One campaign and partner per currency whose units differ: ISK is
    // two-decimal in Stripe's API (50000 is 500 krónur), MGA zero-decimal
    // (ISO: two), HUF two-decimal in charges, UGX zero-decimal.
    let cases = [
        ("ISK", 50_000, "500", "50"),
        ("MGA", 1_000, "1000.00", "100.00"),
        ("HUF", 150_000, "1500.00", "150.00"),
        ("UGX", 50_000, "50000", "5000"),
    ];
    for (n, (currency, stripe_amount, sale, commission)) in cases.into_iter().enumerate() {
        let create = "mutation($c: String!) { createCampaign(input: { name: $c, currency: $c, rules: [{ recurring: { percentage: 10 } }] }) { id } }";
        let campaign =
            app.ok(&app.admin(), create, json!({ "c": currency })).await["createCampaign"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
        let invite = "mutation($c: ID!, $n: String!) { invitePartner(input: { name: $n, campaignId: $c }) { partner { id } } }";
        let partner = app
            .ok(
                &app.admin(),
                invite,
                json!({ "c": campaign, "n": format!("Partner {currency}") }),
            )
            .await["invitePartner"]["partner"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let code = format!("code-{}", currency.to_lowercase());
        code_for(&app, &partner, &code, Some(&campaign)).await;
        let customer = format!("cus_{currency}");
        handled(
            &app,
            &checkout(&format!("evt_c{n}"), &customer, &code),
            "done",
        )
        .await;
        let paid = invoice(
            &format!("in_{n}"),
            &format!("evt_i{n}"),
            &customer,
            stripe_amount,
            0,
            &currency.to_lowercase(),
            None,
        );
        handled(&app, &paid, "done").await;
        let query = "query($p: ID) { commissions(partnerId: $p) { nodes { amount currency event { amount } } } }";
        assert_eq!(
            app.ok(&app.admin(), query, json!({ "p": partner })).await["commissions"]["nodes"],
            json!([{ "amount": commission, "currency": currency, "event": { "amount": sale } }]),
            "{currency}"
        );
    }
}

async fn a_promotion_code_attributes_by_its_id_or_its_code(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    let create =
        "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id } }";
    // Jane's coupon is the code customers type; John's, the promotion
    // code's id as Stripe names it.
    app.ok(
        &app.admin(),
        create,
        json!({ "input": { "partnerId": jane, "code": "jane", "couponCode": "JANE20" } }),
    )
    .await;
    app.ok(
        &app.admin(),
        create,
        json!({ "input": { "partnerId": john, "code": "john", "couponCode": "promo_JOHN" } }),
    )
    .await;
    configure(&app, &[SECRET], true).await;
    let promotion = event(
        "evt_pc",
        "promotion_code.created",
        json!({ "id": "promo_JANE", "object": "promotion_code", "code": "JANE20", "active": true,
                "coupon": { "id": "cpn_1", "percent_off": 20 } }),
    );
    handled(&app, &promotion, "done").await;
    let session = |id: &str, customer: &str, promo: &str| {
        let mut session = checkout(id, customer, "");
        let object = &mut session["data"]["object"];
        object["client_reference_id"] = Value::Null;
        object["discounts"] = json!([{ "coupon": null, "promotion_code": promo }]);
        session
    };
    handled(&app, &session("evt_1", "cus_J1", "promo_JANE"), "done").await;
    handled(&app, &session("evt_2", "cus_J2", "promo_JOHN"), "done").await;
    handled(
        &app,
        &session("evt_3", "cus_J3", "promo_UNKNOWN"),
        "ignored",
    )
    .await;
    let customer =
        "query($c: String!) { customer(externalId: $c) { attributedBy partner { name } } }";
    for (customer_id, name) in [("cus_J1", "Jane"), ("cus_J2", "John")] {
        assert_eq!(
            app.ok(&app.admin(), customer, json!({ "c": customer_id }))
                .await["customer"],
            json!({ "attributedBy": "COUPON", "partner": { "name": name } })
        );
    }
    let ignored = deliveries(&app, Some("IGNORED")).await;
    assert_eq!(
        ignored,
        json!([{ "id": "evt_3", "type": "checkout.session.completed", "status": "IGNORED",
                 "reason": "names no click, referral code or coupon of the program" }])
    );
}

/// A GBP invoice for a USD campaign (Stripe multi-currency prices): earned
/// on at the day's rate, and refunded by Stripe in pounds — in two parts
/// that take back exactly what it earned.
async fn a_stripe_invoice_in_another_currency_is_converted_and_refunded_in_its_own(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure(&app, &[SECRET], true).await;
    rates_for_today(&app).await;

    handled(&app, &checkout("evt_1", "cus_G", "jane"), "done").await;
    let mut paid = invoice_paid_by("in_g", "evt_2", "cus_G", "pi_g");
    paid["data"]["object"]["currency"] = json!("gbp");
    handled(&app, &paid, "done").await;
    // 100.00 GBP is 136.9959… USD: 137.00 recorded, 13.70 earned.
    assert_eq!(
        ledger(&app).await,
        json!([{ "kind": "COMMISSION", "amount": "13.70", "status": "ACCRUED", "reversalReason": null,
                 "event": { "externalId": "stripe:in_g", "amount": "137.00", "currency": "USD", "refundedAmount": "0.00" } }])
    );
    let mut part = charge_refunded("evt_3", "ch_g", "pi_g", 4_000);
    part["data"]["object"]["currency"] = json!("gbp");
    handled(&app, &part, "done").await;
    let rows = ledger(&app).await;
    assert_eq!(rows[0]["event"]["refundedAmount"], "54.80");
    let mut rest = charge_refunded("evt_4", "ch_g", "pi_g", 10_000);
    rest["data"]["object"]["currency"] = json!("gbp");
    handled(&app, &rest, "done").await;
    let rows = ledger(&app).await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["event"]["refundedAmount"], "137.00");
    let cents = |v: &Value| -> i64 {
        let text = v.as_str().unwrap();
        let negative = text.starts_with('-');
        let digits: i64 = text
            .trim_start_matches('-')
            .replace('.', "")
            .parse()
            .unwrap();
        if negative { -digits } else { digits }
    };
    let total: i64 = rows.iter().map(|row| cents(&row["amount"])).sum();
    assert_eq!(total, 0, "{rows:?}");
}

/// A Paddle transaction in pounds for a USD campaign: converted at the
/// day's rate, and a refund adjustment in pounds takes back its share.
async fn a_paddle_transaction_in_another_currency_is_converted_and_refunded_in_its_own(
    app: TestApp,
) {
    let jane = partner_at(&app, "Jane", 10).await;
    code_for(&app, &jane, "jane", None).await;
    configure_paddle(&app).await;
    rates_for_today(&app).await;
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
            "id": "txn_01", "status": "completed", "customer_id": "ctm_01", "currency_code": "GBP",
            "billed_at": chrono::Utc::now().to_rfc3339(), "custom_data": null,
            "details": { "totals": { "subtotal": "10000", "discount": "0", "tax": "1900", "total": "11900",
                                     "grand_total": "11900", "currency_code": "GBP" } },
        }),
    );
    assert_eq!(send(completed).await.1["handled"], "done");
    let refund = paddle_event(
        "evt_03",
        "adjustment.updated",
        json!({
            "id": "adj_01", "action": "refund", "status": "approved", "transaction_id": "txn_01", "currency_code": "GBP",
            "totals": { "subtotal": "4000", "tax": "760", "total": "4760", "fee": "0", "earnings": "0", "currency_code": "GBP" },
        }),
    );
    assert_eq!(send(refund).await.1["handled"], "done");
    // 100.00 GBP is 137.00 USD recorded, 13.70 earned; 40.00 GBP back is
    // 40 % of it: 54.80 refunded, 5.48 clawed back.
    let rows = ledger(&app).await;
    let amounts: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["13.70", "-5.48"], "{rows}");
    assert_eq!(
        rows[0]["event"],
        json!({ "externalId": "paddle:txn_01", "amount": "137.00", "currency": "USD", "refundedAmount": "54.80" })
    );
}

/// Rates for today (and yesterday, should a test run just after midnight),
/// when the test's payments are made: 1 EUR = 1.172 USD = 0.8555 GBP.
async fn rates_for_today(app: &TestApp) {
    let today = chrono::Utc::now().date_naive();
    let csv = format!(
        "Date,USD,GBP,\n{today},1.172,0.8555,\n{},1.172,0.8555,\n",
        today.pred_opt().unwrap()
    );
    crate::support::rates::import(app, "ECB", &csv).await;
}

/// One intake for every provider: a billing connector's and a payout
/// rail's posts are answered alike for the same reason — none configured,
/// a bad signature, and "deliver it again later" (an adjustment of a sale
/// not arrived yet) as `503 UNAVAILABLE` with `Retry-After: 60`.
async fn billing_and_payout_providers_hear_one_answer_for_one_reason(app: TestApp) {
    let raw = |path: String, headers: Vec<(&'static str, String)>, body: String| {
        let app = &app;
        async move {
            let mut request = app.client.post(app.url(&path)).body(body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            (
                status,
                retry,
                body["errors"][0]["extensions"]["code"].clone(),
            )
        }
    };
    let event =
        json!({ "id": "evt_1", "type": "transfer.created", "data": { "object": {} } }).to_string();
    let signature = || vec![("stripe-signature", "t=1,v1=00".to_owned())];
    // Nothing configured: 404 from either.
    let billing = raw(
        format!("/connectors/stripe/{TENANT}"),
        signature(),
        event.clone(),
    )
    .await;
    let payouts = raw(
        format!("/payouts/stripe/{TENANT}"),
        signature(),
        event.clone(),
    )
    .await;
    assert_eq!(billing, (404, None, json!("NOT_FOUND")));
    assert_eq!(payouts, billing);
    // A signature that does not match: 400 BAD_SIGNATURE from either.
    configure(&app, &[SECRET], true).await;
    let billing = raw(
        format!("/connectors/stripe/{TENANT}"),
        signature(),
        event.clone(),
    )
    .await;
    let payouts = raw(format!("/payouts/paypal/{TENANT}"), vec![], event).await;
    assert_eq!(billing, (400, None, json!("BAD_SIGNATURE")));
    assert_eq!(payouts, billing);
    // Not yet: an approved refund of a Paddle transaction not delivered.
    configure_paddle(&app).await;
    let adjustment = paddle_event(
        "evt_01",
        "adjustment.created",
        json!({ "id": "adj_01", "action": "refund", "status": "approved", "transaction_id": "txn_unknown",
                "currency_code": "USD", "totals": { "subtotal": "100", "tax": "0", "total": "100", "currency_code": "USD" } }),
    );
    let ts = chrono::Utc::now().timestamp();
    let body = adjustment.to_string();
    let h1 = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(PADDLE_SECRET.as_bytes()).unwrap();
        mac.update(format!("{ts}:{body}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let later = raw(
        format!("/connectors/paddle/{TENANT}"),
        vec![("paddle-signature", format!("ts={ts};h1={h1}"))],
        body,
    )
    .await;
    assert_eq!(later, (503, Some("60".to_owned()), json!("UNAVAILABLE")));
}

/// A sale refused by the ledger (its campaign paused) is neither lost nor
/// passed over as ignored: answered `refused`, kept with its event and
/// its reason, counted apart, and recorded by `retryConnectorEvent` once
/// the campaign runs again — once, however often it is retried.
async fn a_sale_the_ledger_refuses_is_kept_and_recorded_once_mended(app: TestApp) {
    let create = "mutation { createCampaign(input: { name: \"Spring\", currency: \"USD\", rules: [{ recurring: { percentage: 10 } }] }) { id } }";
    let campaign = app.ok(&app.admin(), create, json!({})).await["createCampaign"]["id"].clone();
    let invite = "mutation($c: ID!) { invitePartner(input: { name: \"Jane\", campaignId: $c }) { partner { id } } }";
    let jane = app.ok(&app.admin(), invite, json!({ "c": campaign })).await["invitePartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    code_for(&app, &jane, "jane", campaign.as_str()).await;
    configure(&app, &[SECRET], true).await;
    handled(&app, &checkout("evt_1", "cus_A", "jane"), "done").await;
    let status = "mutation($id: ID!, $s: CampaignStatus!) { updateCampaign(id: $id, input: { status: $s }) { status } }";
    app.ok(
        &app.admin(),
        status,
        json!({ "id": campaign, "s": "PAUSED" }),
    )
    .await;
    let paid = invoice("in_1", "evt_2", "cus_A", 10_000, 0, "usd", None);
    handled(&app, &paid, "refused").await;
    // Delivered again by Stripe: the same answer, nothing recorded.
    handled(&app, &paid, "refused").await;
    assert_eq!(ledger(&app).await, json!([]));
    assert_eq!(
        deliveries(&app, Some("REFUSED")).await,
        json!([{ "id": "evt_2", "type": "invoice.paid", "status": "REFUSED",
                 "reason": "the sale was refused (campaignId): the campaign is not active" }])
    );
    let counted = app
        .ok(
            &app.admin(),
            "{ billingConnectors { eventsReceived eventsIgnored eventsRefused } }",
            json!({}),
        )
        .await;
    assert_eq!(
        counted["billingConnectors"],
        json!([{ "eventsReceived": 2, "eventsIgnored": 0, "eventsRefused": 1 }])
    );
    const RETRY: &str = "mutation($id: String!) { retryConnectorEvent(provider: STRIPE, id: $id) { id status reason } }";
    // Still paused: refused again, kept again.
    assert_eq!(
        app.ok(&app.admin(), RETRY, json!({ "id": "evt_2" })).await["retryConnectorEvent"],
        json!({ "id": "evt_2", "status": "REFUSED", "reason": "the sale was refused (campaignId): the campaign is not active" })
    );
    app.ok(
        &app.admin(),
        status,
        json!({ "id": campaign, "s": "ACTIVE" }),
    )
    .await;
    assert_eq!(
        app.ok(&app.admin(), RETRY, json!({ "id": "evt_2" })).await["retryConnectorEvent"],
        json!({ "id": "evt_2", "status": "DONE", "reason": null })
    );
    assert_eq!(
        ledger(&app).await,
        json!([{ "kind": "COMMISSION", "amount": "10.00", "status": "ACCRUED", "reversalReason": null,
                 "event": { "externalId": "stripe:in_1", "amount": "100.00", "currency": "USD", "refundedAmount": "0.00" } }])
    );
    // Done is not retried; only admins retry.
    let again = app
        .error(Some(&app.admin()), RETRY, json!({ "id": "evt_2" }))
        .await;
    assert_eq!(again["extensions"]["code"], "NOT_FOUND", "{again}");
    let viewer = app
        .error(
            Some(&app.service("events:write")),
            RETRY,
            json!({ "id": "evt_2" }),
        )
        .await;
    assert_eq!(viewer["extensions"]["code"], "FORBIDDEN", "{viewer}");
    handled(&app, &paid, "again").await;
    assert_eq!(ledger(&app).await.as_array().unwrap().len(), 1);
}

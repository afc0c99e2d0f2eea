//! Money said right: a self-billed invoice only while the partner
//! agrees, a customer's first sale counted once whatever was refunded, a
//! run that names why it carried a balance over, and a recorded sale that
//! says it was recorded whatever the selection asks.

use crate::helpers::{TestApp, code};
use crate::on_both_databases;
use crate::support::backtests::{row, rows, start};
use crate::support::campaigns::create_campaign;
use crate::support::partners::{enroll, partner_at};
use crate::support::payouts::{approve, paypal, run};
use crate::support::sales::{sale_at, sale_input};
use chrono::Datelike;
use serde_json::{Value, json};

on_both_databases!(
    a_partner_that_declines_before_its_payout_is_paid_is_issued_no_invoice,
    a_customer_refunded_in_full_has_had_its_first_sale,
    a_run_names_a_negative_balance_and_nothing_owed_as_such,
    a_recorded_event_says_so_when_its_selection_asks_what_the_token_may_not_read,
);

const JANUARY: &str = "2026-01-10T12:00:00Z";

const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate event { id externalId } commissions { id amount } } }";

/// A self-billing brand in Germany and its campaign in euros, paying 10 %.
async fn german_brand(app: &TestApp) -> String {
    let euro = create_campaign(
        app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { invoicing { selfBilling } } }",
        json!({ "input": { "timeZone": "Europe/Berlin", "invoicing": {
            "selfBilling": true, "legalName": "Acme GmbH", "vatId": "DE811907980", "country": "DE",
            "address": { "line1": "Friedrichstraße 100", "city": "Berlin", "zip": "10117", "country": "DE" },
            "agreement": "Acme issues your invoices in your name; you issue none for what it pays."
        } } }),
    )
    .await;
    euro
}

/// A partner of `campaign` registered for VAT in Germany that accepted
/// version 1 of the agreement, paid by PayPal, with an approved sale of
/// 1,234.50 EUR on 10 January: 123.45 owed, 19 % VAT on it 23.46.
async fn billed_partner_with_a_sale(app: &TestApp, campaign: &str, name: &str) -> String {
    let id = app.create_partner(json!({ "name": name })).await;
    enroll(app, &id, campaign).await;
    let token = app.partner_token(&id);
    app.ok(
        &token,
        "mutation($input: SetPartnerVatInput!) { setPartnerVat(input: $input) { vatId } }",
        json!({ "input": { "registered": true, "vatId": "DE136695976", "country": "DE",
            "legalName": format!("{name} Media UG"),
            "address": { "line1": "Domstraße 1", "city": "Köln", "zip": "50667", "country": "DE" } } }),
    )
    .await;
    app.ok(
        &token,
        "mutation { acceptSelfBillingAgreement(input: { version: 1 }) { version } }",
        json!({}),
    )
    .await;
    paypal(app, &id, &format!("{}@example.com", name.to_lowercase())).await;
    let recorded = app
        .ok(
            &app.service("events:write"),
            RECORD,
            json!({ "input": { "externalId": format!("{name}-1"), "partnerId": id, "campaignId": campaign,
                "customerExternalId": format!("c-{name}"), "amount": "1234.50", "currency": "EUR",
                "occurredAt": JANUARY } }),
        )
        .await;
    let commission = &recorded["recordEvent"]["commissions"][0];
    assert_eq!(commission["amount"], "123.45");
    approve(app, &[commission["id"].as_str().unwrap()]).await;
    id
}

/// A run's payout ids by partner name.
fn payouts_of(run: &Value) -> std::collections::BTreeMap<String, String> {
    run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partner"]["name"].as_str().unwrap().to_owned(),
                p["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn payout(app: &TestApp, id: &str) -> Value {
    app.ok(
        &app.admin(),
        "query($id: ID!) { payout(id: $id) { status amount net { amount } vat { amount } invoice { number } } }",
        json!({ "id": id }),
    )
    .await["payout"]
        .clone()
}

/// A self-billed invoice is issued in the partner's name when its
/// payout is paid, so the partner must still agree then. Dora declines
/// while her payout is pending and has not left: it is made plain at once
/// (123.45, no VAT) and paid with no invoice. Emil's payout was handed to
/// finance in a PayPal file with its VAT (146.91) before he declined: it
/// is paid as sent, with no invoice either. Fritz, who never declined, is
/// invoiced as before, and his invoice takes the first number.
async fn a_partner_that_declines_before_its_payout_is_paid_is_issued_no_invoice(app: TestApp) {
    let euro = german_brand(&app).await;
    let emil = billed_partner_with_a_sale(&app, &euro, "Emil").await;
    let first = run(
        &app,
        json!({ "periodEnd": "2026-01-31", "currency": "EUR" }),
    )
    .await;
    let filed = payouts_of(&first)["Emil"].clone();
    app.ok(
        &app.service("commissions:write"),
        "query($run: ID!) { payoutRunFile(runId: $run, format: PAYPAL_PAYOUTS_CSV, currency: \"EUR\") { filename } }",
        json!({ "run": first["id"] }),
    )
    .await;
    let dora = billed_partner_with_a_sale(&app, &euro, "Dora").await;
    billed_partner_with_a_sale(&app, &euro, "Fritz").await;
    let second = run(
        &app,
        json!({ "periodEnd": "2026-01-31", "currency": "EUR" }),
    )
    .await;
    let made = payouts_of(&second);
    assert_eq!(made.len(), 2, "{second}");
    let (pending, kept) = (made["Dora"].clone(), made["Fritz"].clone());
    let self_billed = json!({ "status": "PENDING", "amount": "146.91", "net": { "amount": "123.45" },
        "vat": { "amount": "23.46" }, "invoice": null });
    assert_eq!(payout(&app, &pending).await, self_billed);

    for partner in [&dora, &emil] {
        let declined = app
            .ok(
                &app.partner_token(partner),
                "mutation { declineSelfBilling { acceptedAt declinedAt } }",
                json!({}),
            )
            .await;
        assert!(declined["declineSelfBilling"]["declinedAt"].is_string());
    }
    // Dora's payout has not left: plain from now on.
    assert_eq!(
        payout(&app, &pending).await,
        json!({ "status": "PENDING", "amount": "123.45", "net": { "amount": "123.45" },
            "vat": { "amount": "0.00" }, "invoice": null })
    );
    // Emil's left in the file with its VAT: it stays as it was sent.
    assert_eq!(payout(&app, &filed).await, self_billed);

    let pay = "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"BANK-1\") { status amount vat { amount } invoice { number } } }";
    let token = app.service("commissions:write");
    let paid = |id: String| {
        let (app, token) = (&app, token.clone());
        async move { app.ok(&token, pay, json!({ "id": id })).await["markPayoutPaid"].clone() }
    };
    assert_eq!(
        paid(pending).await,
        json!({ "status": "PAID", "amount": "123.45", "vat": { "amount": "0.00" }, "invoice": null })
    );
    assert_eq!(
        paid(filed).await,
        json!({ "status": "PAID", "amount": "146.91", "vat": { "amount": "23.46" }, "invoice": null })
    );
    let year = chrono::Utc::now().year();
    assert_eq!(
        paid(kept).await,
        json!({ "status": "PAID", "amount": "146.91", "vat": { "amount": "23.46" },
            "invoice": { "number": format!("SB-{year}-000001") } })
    );
    let invoices = app
        .ok(
            &app.admin(),
            "{ invoices(first: 20) { totalCount nodes { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(invoices["invoices"]["totalCount"], 1, "{invoices}");
}

/// 50 % on a customer's first sale, 20 % on the others. A
/// customer that bought, was refunded in full and buys again has had its
/// first sale: the second pays 20.00 of 100.00, not 50.00 (a net of 0 is
/// no "first" again). Another customer's first sale still pays
/// 50.00, and a backtest of the unchanged rules replays the ledger to the
/// cent (the replay reads "first" the way accrual does).
async fn a_customer_refunded_in_full_has_had_its_first_sale(app: TestApp) {
    let rules = json!([
        { "conditional": {
            "when": { "test": { "subject": "SALE_IS_FIRST", "operator": "EQ", "value": "true" } },
            "then": { "percentage": "50" } } },
        { "recurring": { "percentage": "20" } }
    ]);
    let group = app.create_group("First sales", rules.clone()).await;
    let bea = app
        .create_partner(json!({ "name": "Bea", "groupId": group }))
        .await;
    let events = app.service("events:write");
    let sale = |id: &str, customer: &str, day: &str| {
        json!({ "externalId": id, "partnerId": bea, "customerExternalId": customer,
            "amount": "100.00", "occurredAt": format!("2026-11-{day}T10:00:00Z") })
    };
    let earned = async |input: Value| {
        let data = app.ok(&events, RECORD, json!({ "input": input })).await;
        data["recordEvent"]["commissions"][0]["amount"].clone()
    };
    assert_eq!(earned(sale("b-1", "cus-1", "02")).await, "50.00");
    app.ok(
        &events,
        "mutation { recordRefund(input: { eventExternalId: \"b-1\" }) { event { refundedAmount } } }",
        json!({}),
    )
    .await;
    assert_eq!(earned(sale("b-2", "cus-1", "03")).await, "20.00");
    assert_eq!(earned(sale("b-3", "cus-2", "04")).await, "50.00");

    let same = start(
        &app,
        json!({ "from": "2026-11-01T00:00:00Z", "to": "2026-11-20T00:00:00Z",
            "groupId": group, "rules": rules }),
    )
    .await;
    assert_eq!(same["status"], "DONE", "{same}");
    assert_eq!(rows(&same), [row("Bea", "70.00", "70.00", "0.00", 3)]);
}

/// No minimum is set. A partner owed only a clawback (a refund
/// of a sale paid before) owes money: `NEGATIVE_BALANCE` at -10.00, not
/// `BELOW_MINIMUM`. Once a sale earns the 10.00 back it is owed exactly
/// nothing: `NOTHING_OWED` at 0.00. With a minimum of 50 set, 0.00 is
/// below it.
async fn a_run_names_a_negative_balance_and_nothing_owed_as_such(app: TestApp) {
    let fay = partner_at(&app, "Fay", 10).await;
    paypal(&app, &fay, "fay@example.com").await;
    let f1 = sale_at(&app, &fay, "f-1", "100", JANUARY).await;
    approve(&app, &[&f1]).await;
    let first = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(first["payouts"][0]["amount"], "10.00");
    app.ok(
        &app.service("commissions:write"),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"PP-1\") { id } }",
        json!({ "id": first["payouts"][0]["id"] }),
    )
    .await;
    app.ok(
        &app.service("events:write"),
        "mutation { recordRefund(input: { eventExternalId: \"f-1\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    let skipped = |reason: &str, amount: &str| json!([{ "partner": { "name": "Fay" }, "reason": reason, "balance": { "amount": amount, "currency": "USD" } }]);
    let owing = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(owing["payouts"], json!([]));
    assert_eq!(owing["skipped"], skipped("NEGATIVE_BALANCE", "-10.00"));

    let f2 = sale_at(&app, &fay, "f-2", "100", JANUARY).await;
    approve(&app, &[&f2]).await;
    let even = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(even["payouts"], json!([]));
    assert_eq!(even["skipped"], skipped("NOTHING_OWED", "0.00"));

    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { minimumPayout: [{ amount: \"50\", currency: \"USD\" }] }) { id } }",
        json!({}),
    )
    .await;
    let under = run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    assert_eq!(under["skipped"], skipped("BELOW_MINIMUM", "0.00"));
}

/// An `events:write` token reads a recorded sale's commissions
/// but not their history. Asking for it anyway records the sale, and the
/// answer says so: `data.recordEvent` with the event, `commissions: null`
/// and one `FORBIDDEN` error at the history's path. Sent again with what
/// the token reads, it is the same event, a duplicate, recorded once: an
/// answer of `data: null` would say "nothing happened" of a sale that was
/// recorded.
async fn a_recorded_event_says_so_when_its_selection_asks_what_the_token_may_not_read(
    app: TestApp,
) {
    let ida = partner_at(&app, "Ida", 10).await;
    let events = app.service("events:write");
    let input = sale_input(&ida, "i-1", "100");
    let (_, body) = app
        .post(
            Some(&events),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate event { id externalId } commissions { amount history { actor } } } }",
            json!({ "input": input }),
        )
        .await;
    let answer = &body["data"]["recordEvent"];
    assert_eq!(answer["event"]["externalId"], "i-1", "{body}");
    assert_eq!(answer["duplicate"], false, "{body}");
    assert_eq!(answer["commissions"], Value::Null, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(code(&errors[0]), "FORBIDDEN");
    assert_eq!(
        errors[0]["path"],
        json!(["recordEvent", "commissions", 0, "history"])
    );

    let again = app.ok(&events, RECORD, json!({ "input": input })).await;
    assert_eq!(again["recordEvent"]["duplicate"], true);
    assert_eq!(again["recordEvent"]["event"]["id"], answer["event"]["id"]);
    assert_eq!(again["recordEvent"]["commissions"][0]["amount"], "10.00");
    let listed = app
        .ok(
            &app.admin(),
            "{ events(first: 100) { nodes { externalId } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["events"]["nodes"], json!([{ "externalId": "i-1" }]));
}

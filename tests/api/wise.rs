//! Wise (SPEC §36), against a local server built from Wise's API
//! reference ([`crate::support::wise`]): a run with EUR, GBP and USD
//! partners paid through Wise and followed to its end by signed webhooks
//! and by reading transfers back; faults — a `500` after a transfer was
//! made, a `429` with `Retry-After`, a funding Wise wants approved, a
//! replica killed while Wise holds its answer, webhooks forged, repeated
//! and out of order — each survived with every payout paid once.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::rails::{
    CONFIGURE, SEND, keyed, lease_runs_out, options, partner, payout, run, sender, until,
};
use crate::support::wise::{
    API_TOKEN, At, PROFILE, SharedWise, deliver_wise, public_pem, serve_wise, state_change,
    transaction_id,
};
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases_with!(
    options;
    wise_pays_euros_pounds_and_dollars_once_and_follows_each_to_its_end,
    faults_at_every_step_leave_each_payout_paid_once,
    a_funding_wise_wants_approved_is_signed_or_left_to_finance,
    accounts_and_credentials_are_checked_by_form_before_anything_is_written,
    the_wise_steps_in_the_docs_run_as_written,
);

on_both_databases_with!(
    keyed;
    a_replica_killed_while_wise_holds_its_answer_leaves_one_transfer,
);

const METHOD: &str = "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type currency iban sortCode accountNumber routingNumber accountType legalType accountHolder address { line1 city state zip country } wiseRecipientId } }";

async fn configure_wise(app: &TestApp, base: &str, sca: bool) -> Value {
    let mut credentials =
        json!({ "apiToken": API_TOKEN, "profileId": PROFILE, "webhookPublicKey": public_pem() });
    if sca {
        credentials["scaPrivateKey"] = json!(crate::support::wise::private_pem());
    }
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "WISE", "mode": "SANDBOX", "baseUrl": base, "credentials": credentials } }),
    )
    .await["configurePayoutRail"]
        .clone()
}

/// A campaign in `currency` at 10 %, `partner` enrolled.
async fn campaign_in(app: &TestApp, currency: &str, partner: &str) -> String {
    let id = crate::support::campaigns::create_campaign(
        app,
        json!({ "name": format!("In {currency}"), "currency": currency, "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    crate::support::partners::enroll(app, partner, &id).await;
    id
}

/// An approved commission of a tenth of a sale of `amount` in `currency`
/// (on `campaign`; none: the default campaign, in dollars).
async fn earned_in(
    app: &TestApp,
    partner: &str,
    key: &str,
    amount: &str,
    campaign: Option<&str>,
    currency: &str,
) {
    let mut input = crate::support::sales::sale_input(partner, key, amount);
    input["occurredAt"] = json!("2026-01-10T12:00:00Z");
    if let Some(campaign) = campaign {
        input["campaignId"] = json!(campaign);
        input["currency"] = json!(currency);
    }
    let id = crate::support::sales::commission_id(app, input).await;
    crate::support::payouts::approve(app, &[&id]).await;
}

struct Partners {
    ana: String,
    nia: String,
    sam: String,
}

/// Ana paid in euros by IBAN (she sets it herself), Nia in pounds by sort
/// code and Sam in dollars by routing number (set by staff), each owed.
async fn three_partners(app: &TestApp, tag: &str) -> Partners {
    let ana = partner(app, &format!("Ana{tag}")).await;
    let nia = partner(app, &format!("Nia{tag}")).await;
    let sam = partner(app, &format!("Sam{tag}")).await;
    app.ok(
        &app.partner_token(&ana),
        METHOD,
        json!({ "input": { "type": "WISE", "currency": "EUR", "iban": "DE89 3704 0044 0532 0130 00", "accountHolder": "Ana Example" } }),
    )
    .await;
    app.ok(
        &app.admin(),
        METHOD,
        json!({ "input": { "partnerId": nia, "type": "WISE", "currency": "GBP", "sortCode": "04-00-75", "accountNumber": "3777 8842", "accountHolder": "Nia Example" } }),
    )
    .await;
    app.ok(
        &app.admin(),
        METHOD,
        json!({ "input": { "partnerId": sam, "type": "WISE", "currency": "USD", "routingNumber": "021000021", "accountNumber": "12345678",
            "accountHolder": "Sam Example", "address": { "line1": "45 Sunflower Ave", "city": "New York", "state": "NY", "zip": "10025", "country": "US" } } }),
    )
    .await;
    let euro = campaign_in(app, "EUR", &ana).await;
    let pound = campaign_in(app, "GBP", &nia).await;
    earned_in(
        app,
        &ana,
        &format!("ana{tag}"),
        "1234.50",
        Some(&euro),
        "EUR",
    )
    .await;
    earned_in(app, &nia, &format!("nia{tag}"), "500", Some(&pound), "GBP").await;
    earned_in(app, &sam, &format!("sam{tag}"), "75.50", None, "USD").await;
    Partners { ana, nia, sam }
}

fn payout_of(run: &Value, partner: &str) -> String {
    crate::support::rails::payout_of(run, partner).to_owned()
}

async fn send(app: &TestApp, run: &Value) -> Value {
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run["id"], "rail": "WISE" } }),
    )
    .await["sendPayouts"]
        .clone()
}

fn transfer_id(wise: &SharedWise, payout: &str) -> u64 {
    wise.lock().unwrap().transfer_of(payout)["id"]
        .as_u64()
        .unwrap()
}

fn recipient_of(wise: &SharedWise, payout: &str) -> u64 {
    wise.lock().unwrap().transfer_of(payout)["targetAccount"]
        .as_u64()
        .unwrap()
}

async fn statement_text(app: &TestApp, partner: &str, payout: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/statements/{payout}.pdf")))
        .bearer_auth(app.partner_token(partner))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response.bytes().await.unwrap().to_vec();
    crate::support::tools::poppler(&pdf).await.0
}

async fn wise_pays_euros_pounds_and_dollars_once_and_follows_each_to_its_end(app: TestApp) {
    let (base, wise) = serve_wise().await;
    let config = configure_wise(&app, &base, false).await;
    assert_eq!(config["rail"], "WISE");
    assert_eq!(config["credentialHint"], "…a1b2");
    assert_eq!(
        config["webhookUrl"],
        format!("https://partners.example.com/payouts/wise/{TENANT}")
    );
    let p = three_partners(&app, "").await;
    let run = run(&app).await;
    let (ana, nia, sam) = (
        payout_of(&run, &p.ana),
        payout_of(&run, &p.nia),
        payout_of(&run, &p.sam),
    );
    let sent = send(&app, &run).await;
    assert!(
        sent["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["railStatus"] == "QUEUED"),
        "{sent}"
    );
    for id in [&ana, &nia, &sam] {
        let now = until(&app, id, "SENT").await;
        assert_eq!(now["status"], "PENDING");
        assert_eq!(now["rail"], "WISE");
        assert_eq!(
            now["railReference"],
            json!(transfer_id(&wise, id).to_string())
        );
    }
    {
        let wise = wise.lock().unwrap();
        assert_eq!(wise.violations, Vec::<String>::new());
        // A recipient for each account, as Wise's reference asks for it.
        let bodies: Vec<(Value, Value, Value, Value)> = wise
            .recipients
            .iter()
            .map(|r| {
                (
                    r["accountHolderName"].clone(),
                    r["currency"].clone(),
                    r["type"].clone(),
                    r["details"].clone(),
                )
            })
            .collect();
        assert!(
            bodies.contains(&(
                json!("Ana Example"),
                json!("EUR"),
                json!("iban"),
                json!({ "legalType": "PRIVATE", "iban": "DE89370400440532013000" })
            )),
            "{bodies:?}"
        );
        assert!(
            bodies.contains(&(
                json!("Nia Example"),
                json!("GBP"),
                json!("sort_code"),
                json!({ "legalType": "PRIVATE", "sortCode": "040075", "accountNumber": "37778842" })
            )),
            "{bodies:?}"
        );
        assert!(bodies.contains(&(json!("Sam Example"), json!("USD"), json!("aba"),
            json!({ "legalType": "PRIVATE", "abartn": "021000021", "accountNumber": "12345678", "accountType": "CHECKING",
                "address": { "country": "US", "city": "New York", "postCode": "10025", "firstLine": "45 Sunflower Ave", "state": "NY" } }))), "{bodies:?}");
        // One group per currency, named by the run, completed and funded once.
        let mut groups: Vec<(String, String, &str, bool, usize)> = wise
            .groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.currency.clone(),
                    g.status,
                    g.funded,
                    g.transfer_ids.len(),
                )
            })
            .collect();
        groups.sort();
        let run_id = run["id"].as_str().unwrap();
        assert_eq!(
            groups,
            vec![
                (
                    format!("{run_id}-EUR"),
                    "EUR".to_owned(),
                    "COMPLETED",
                    true,
                    1
                ),
                (
                    format!("{run_id}-GBP"),
                    "GBP".to_owned(),
                    "COMPLETED",
                    true,
                    1
                ),
                (
                    format!("{run_id}-USD"),
                    "USD".to_owned(),
                    "COMPLETED",
                    true,
                    1
                ),
            ]
        );
        assert_eq!((wise.fund_posts, wise.fundings), (3, 3));
        // A transfer per payout, to the cent, in its account's currency,
        // keyed by the payout and referenced by its statement.
        assert_eq!(wise.transfers.len(), 3);
        for (id, value, currency) in [
            (&ana, json!(123.45), "EUR"),
            (&nia, json!(50), "GBP"),
            (&sam, json!(7.55), "USD"),
        ] {
            let transfer = wise.transfer_of(id);
            assert_eq!(transfer["customerTransactionId"], transaction_id(id));
            assert_eq!(transfer["targetValue"], value, "{transfer}");
            assert_eq!(transfer["targetCurrency"], currency);
            assert_eq!(transfer["sourceCurrency"], currency);
        }
    }
    // The recipient is kept on each method: made once.
    let method = app
        .ok(&app.partner_token(&p.nia), "query($id: ID!) { partner(id: $id) { payoutMethod { type currency sortCode accountNumber legalType wiseRecipientId } } }", json!({ "id": p.nia }))
        .await;
    assert_eq!(
        method["partner"]["payoutMethod"],
        json!({ "type": "WISE", "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842", "legalType": "PRIVATE",
            "wiseRecipientId": recipient_of(&wise, &nia).to_string() })
    );

    // Ana's transfer is sent, by a signed webhook: paid at once.
    let ana_transfer = transfer_id(&wise, &ana);
    wise.lock()
        .unwrap()
        .set_state(ana_transfer, "outgoing_payment_sent");
    let body = state_change(
        ana_transfer,
        recipient_of(&wise, &ana),
        "funds_converted",
        "outgoing_payment_sent",
        "2026-11-29T12:00:05Z",
    );
    assert_eq!(
        deliver_wise(&app, &body, None).await,
        (200, json!({ "received": true, "handled": "done" }))
    );
    let paid = payout(&app, &ana).await;
    assert_eq!(
        (paid["status"].as_str(), paid["railStatus"].as_str()),
        (Some("PAID"), Some("SUCCEEDED"))
    );
    // Again, and an older word after it: nothing moves.
    assert_eq!(deliver_wise(&app, &body, None).await.0, 200);
    let older = state_change(
        ana_transfer,
        recipient_of(&wise, &ana),
        "incoming_payment_waiting",
        "processing",
        "2026-11-29T12:00:01Z",
    );
    assert_eq!(deliver_wise(&app, &older, None).await.0, 200);
    assert_eq!(payout(&app, &ana).await["status"], "PAID");
    // Forged: signed by another key, or altered after signing.
    let forged = body.replace("outgoing_payment_sent", "bounced_back");
    let signature = crate::support::wise::sign(body.as_bytes());
    let (status, answer) = deliver_wise(&app, &forged, Some(&signature)).await;
    assert_eq!(
        (status, answer["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_SIGNATURE")),
        "{answer}"
    );
    let sandbox_signed = "wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ==";
    assert_eq!(
        deliver_wise(&app, &forged, Some(sandbox_signed)).await.0,
        400
    );
    assert_eq!(payout(&app, &ana).await["status"], "PAID");
    // Wise's test, about a transfer that is no payout's: 200, ignored.
    let test = state_change(
        49_983_981,
        14_124_090,
        "",
        "incoming_payment_waiting",
        "2026-11-29T12:00:00Z",
    );
    assert_eq!(
        deliver_wise(&app, &test, None).await,
        (200, json!({ "received": true, "handled": "ignored" }))
    );

    // Nia's is sent with no webhook at all: reading it back pays it.
    let nia_transfer = transfer_id(&wise, &nia);
    wise.lock()
        .unwrap()
        .set_state(nia_transfer, "outgoing_payment_sent");
    let paid = until(&app, &nia, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
    let text = statement_text(&app, &p.nia, &nia).await;
    assert!(
        text.contains("Wise GBP account ****8842 (Nia Example)"),
        "{text}"
    );

    // Sam's is sent, then bounces back from his bank: taken back whole,
    // his commission owed again for the next run.
    let sam_transfer = transfer_id(&wise, &sam);
    let sent = state_change(
        sam_transfer,
        recipient_of(&wise, &sam),
        "funds_converted",
        "outgoing_payment_sent",
        "2026-11-29T12:01:00Z",
    );
    assert_eq!(deliver_wise(&app, &sent, None).await.0, 200);
    assert_eq!(payout(&app, &sam).await["status"], "PAID");
    let bounced = state_change(
        sam_transfer,
        recipient_of(&wise, &sam),
        "outgoing_payment_sent",
        "bounced_back",
        "2026-11-30T09:00:00Z",
    );
    assert_eq!(deliver_wise(&app, &bounced, None).await.0, 200);
    let back = payout(&app, &sam).await;
    assert_eq!(
        (back["status"].as_str(), back["railStatus"].as_str()),
        (Some("FAILED"), Some("RETURNED")),
        "{back}"
    );
    let commissions = back["commissions"]["nodes"].as_array().unwrap();
    assert!(
        commissions
            .iter()
            .all(|c| c["status"] == "APPROVED" && c["payoutId"].is_null()),
        "{back}"
    );
    // Whatever comes after, it never ends paid again.
    assert_eq!(deliver_wise(&app, &sent, None).await.0, 200);
    assert_eq!(payout(&app, &sam).await["status"], "FAILED");
    // Each move is the rail's, in the activity log, with no secret or
    // whole account number.
    let log = app
        .ok(
            &app.admin(),
            "query($id: ID!) { activity(filter: { objectId: $id }) { nodes { action actor { kind id } changes { field before after } } } }",
            json!({ "id": nia }),
        )
        .await;
    let entries = log["activity"]["nodes"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "payoutRailChanged" && e["actor"]["id"] == "rail:WISE"),
        "{log}"
    );
    let everything = app
        .ok(
            &app.admin(),
            "{ activity(last: 100) { nodes { action changes { field before after } } } }",
            json!({}),
        )
        .await
        .to_string();
    assert!(everything.contains("…8842"), "{everything}");
    assert!(
        !everything.contains("37778842") && !everything.contains(API_TOKEN),
        "{everything}"
    );
    assert_eq!(wise.lock().unwrap().transfers.len(), 3);
}

async fn faults_at_every_step_leave_each_payout_paid_once(app: TestApp) {
    let (base, wise) = serve_wise().await;
    configure_wise(&app, &base, false).await;
    let p = three_partners(&app, "").await;
    let run = run(&app).await;
    // Every step meets a fault once: a 429 (with Retry-After) making the
    // recipient, a 503 quoting, a 500 after Wise made the transfer, a 500
    // completing, a 500 funding, a 429 reading back.
    wise.lock().unwrap().faults.extend([
        (At::Recipient, 429, Some(1)),
        (At::Quote, 503, None),
        (At::TransferMade, 500, None),
        (At::Complete, 500, None),
        (At::Fund, 500, None),
    ]);
    send(&app, &run).await;
    let ids: Vec<String> = [&p.ana, &p.nia, &p.sam]
        .iter()
        .map(|partner| payout_of(&run, partner))
        .collect();
    for id in &ids {
        until(&app, id, "SENT").await;
    }
    wise.lock()
        .unwrap()
        .faults
        .push_back((At::Read, 429, Some(1)));
    for id in &ids {
        let transfer = transfer_id(&wise, id);
        wise.lock()
            .unwrap()
            .set_state(transfer, "outgoing_payment_sent");
    }
    for id in &ids {
        assert_eq!(until(&app, id, "SUCCEEDED").await["status"], "PAID");
    }
    let wise = wise.lock().unwrap();
    assert_eq!(wise.violations, Vec::<String>::new());
    assert!(wise.faults.is_empty(), "every fault was met");
    // One transfer a payout (one was asked for twice: Wise answered the
    // first), one recipient an account, each group funded once.
    assert_eq!(wise.transfers.len(), 3);
    assert_eq!(wise.transfer_posts, 4);
    assert_eq!(wise.recipients.len(), 3);
    assert_eq!((wise.fund_posts, wise.fundings), (4, 3));
    assert!(
        wise.groups
            .iter()
            .all(|g| g.funded && g.transfer_ids.len() == 1)
    );
}

async fn a_funding_wise_wants_approved_is_signed_or_left_to_finance(app: TestApp) {
    let (base, wise) = serve_wise().await;
    wise.lock().unwrap().sca = true;
    // No SCA key: the group waits for finance to fund it in Wise.
    configure_wise(&app, &base, false).await;
    let ana = partner(&app, "Ana").await;
    app.ok(
        &app.partner_token(&ana),
        METHOD,
        json!({ "input": { "type": "WISE", "currency": "EUR", "iban": "DE89370400440532013000", "accountHolder": "Ana Example" } }),
    )
    .await;
    let euro = campaign_in(&app, "EUR", &ana).await;
    earned_in(&app, &ana, "a1", "200", Some(&euro), "EUR").await;
    let first = run(&app).await;
    let id = payout_of(&first, &ana);
    send(&app, &first).await;
    let waiting = crate::support::wait::last_of(
        Duration::from_secs(30),
        async || payout(&app, &id).await,
        |p| {
            p["railError"]
                .as_str()
                .is_some_and(|e| e.contains("approved (SCA)"))
        },
    )
    .await;
    assert_eq!(waiting["railStatus"], "QUEUED", "{waiting}");
    assert!(
        waiting["railError"].as_str().unwrap().contains(&format!(
            "batch group {}-EUR",
            first["id"].as_str().unwrap()
        )),
        "{waiting}"
    );
    // Finance funds it in Wise: its transfer moves, and is followed.
    {
        let mut wise = wise.lock().unwrap();
        assert_eq!((wise.fund_posts, wise.fundings, wise.signed), (1, 0, 0));
        let transfer = wise.transfer_of(&id)["id"].as_u64().unwrap();
        wise.groups[0].funded = true;
        wise.set_state(transfer, "processing");
    }
    until(&app, &id, "SENT").await;
    // With the key, the next run's funding is signed and taken.
    configure_wise(&app, &base, true).await;
    earned_in(&app, &ana, "a2", "300", Some(&euro), "EUR").await;
    let second = run(&app).await;
    let next = payout_of(&second, &ana);
    send(&app, &second).await;
    until(&app, &next, "SENT").await;
    let wise = wise.lock().unwrap();
    assert_eq!((wise.fundings, wise.signed), (1, 1));
    assert_eq!(wise.fund_posts, 3, "asked, refused for SCA, signed once");
    assert_eq!(wise.violations, Vec::<String>::new());
}

async fn accounts_and_credentials_are_checked_by_form_before_anything_is_written(app: TestApp) {
    let nia = partner(&app, "Nia").await;
    let refused = async |input: Value| {
        let mut input = input;
        input["partnerId"] = json!(nia);
        input["type"] = json!("WISE");
        app.error(Some(&app.admin()), METHOD, json!({ "input": input }))
            .await
    };
    for (input, named) in [
        (
            json!({ "iban": "DE89370400440532013000", "accountHolder": "Nia Example" }),
            "input.currency",
        ),
        (
            json!({ "currency": "JPY", "accountHolder": "Nia Example" }),
            "input.currency",
        ),
        (
            json!({ "currency": "GBP", "sortCode": "04007", "accountNumber": "37778842", "accountHolder": "Nia Example" }),
            "input.sortCode",
        ),
        (
            json!({ "currency": "GBP", "sortCode": "040075", "accountNumber": "3777884", "accountHolder": "Nia Example" }),
            "input.accountNumber",
        ),
        (
            json!({ "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842", "accountHolder": "Nia" }),
            "input.accountHolder",
        ),
        (
            json!({ "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842", "accountHolder": "Nia Ex4mple" }),
            "input.accountHolder",
        ),
        (
            json!({ "currency": "EUR", "iban": "DE89370400440532013001", "accountHolder": "Nia Example" }),
            "input.iban",
        ),
        (
            json!({ "currency": "SEK", "iban": "DE89370400440532013000", "accountHolder": "Nia Example" }),
            "input.iban",
        ),
        (
            json!({ "currency": "USD", "routingNumber": "021000021", "accountNumber": "12345678", "accountHolder": "Nia Example" }),
            "input.address",
        ),
        (
            json!({ "currency": "USD", "routingNumber": "021000012", "accountNumber": "12345678", "accountHolder": "Nia Example",
            "address": { "line1": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701" } }),
            "input.routingNumber",
        ),
        (
            json!({ "currency": "EUR", "iban": "DE89370400440532013000", "accountHolder": "Nia Example", "paypalEmail": "nia@example.com" }),
            "input.paypalEmail",
        ),
    ] {
        let error = refused(input.clone()).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", named),
            "{input}: {error}"
        );
    }
    // Nothing was written.
    let none = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { payoutMethod { type } } }",
            json!({ "id": nia }),
        )
        .await;
    assert_eq!(none["partner"]["payoutMethod"], Value::Null);
    // A business, and its account as staff see it: masked.
    app.ok(
        &app.admin(),
        METHOD,
        json!({ "input": { "partnerId": nia, "type": "WISE", "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842", "accountHolder": "Example Ltd", "legalType": "BUSINESS" } }),
    )
    .await;
    let seen = app.ok(&app.admin(), "query($id: ID!) { partner(id: $id) { payoutMethod { type currency sortCode accountNumber legalType accountHolder } } }", json!({ "id": nia })).await;
    assert_eq!(
        seen["partner"]["payoutMethod"],
        json!({ "type": "WISE", "currency": "GBP", "sortCode": "040075", "accountNumber": "****8842", "legalType": "BUSINESS", "accountHolder": "Example Ltd" })
    );
    // The rail's credentials, each named.
    let configure = async |credentials: Value| {
        app.error(
            Some(&app.admin()),
            CONFIGURE,
            json!({ "input": { "rail": "WISE", "mode": "LIVE", "credentials": credentials } }),
        )
        .await
    };
    for (credentials, named) in [
        (
            json!({ "profileId": PROFILE }),
            "input.credentials.apiToken",
        ),
        (
            json!({ "apiToken": API_TOKEN }),
            "input.credentials.profileId",
        ),
        (
            json!({ "apiToken": API_TOKEN, "profileId": "P-1" }),
            "input.credentials.profileId",
        ),
        (
            json!({ "apiToken": API_TOKEN, "profileId": PROFILE, "secretKey": "sk_live_x" }),
            "input.credentials.secretKey",
        ),
        (
            json!({ "apiToken": API_TOKEN, "profileId": PROFILE, "webhookPublicKey": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }),
            "input.credentials.webhookPublicKey",
        ),
        (
            json!({ "apiToken": API_TOKEN, "profileId": PROFILE, "scaPrivateKey": public_pem() }),
            "input.credentials.scaPrivateKey",
        ),
    ] {
        let error = configure(credentials.clone()).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", named),
            "{credentials}: {error}"
        );
    }
    // Wise's credentials are not PayPal's.
    let error = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "credentials": { "clientId": "a", "clientSecret": "b", "webhookId": "c", "apiToken": API_TOKEN } } }),
        )
        .await;
    assert_eq!(field(&error), "input.credentials.apiToken");
    // Live, at Wise's own host; the token never read back.
    let live = app
        .ok(
            &app.admin(),
            CONFIGURE,
            json!({ "input": { "rail": "WISE", "mode": "LIVE", "credentials": { "apiToken": API_TOKEN, "profileId": PROFILE } } }),
        )
        .await;
    assert_eq!(
        live["configurePayoutRail"]["baseUrl"],
        "https://api.wise.com"
    );
    let rails = app
        .ok(
            &app.admin(),
            "{ payoutRails { rail credentialHint } }",
            json!({}),
        )
        .await;
    assert!(!rails.to_string().contains(API_TOKEN), "{rails}");
    // Nia's account is in pounds; a payout in euros is not sent through
    // Wise: it stays pending, named, for finance to pay another way.
    let euro = campaign_in(&app, "EUR", &nia).await;
    earned_in(&app, &nia, "nia-eur", "400", Some(&euro), "EUR").await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia);
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            SEND,
            json!({ "input": { "runId": run["id"], "rail": "WISE" } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{id} in EUR, account in GBP")),
        "{error}"
    );
    let still = payout(&app, &id).await;
    assert_eq!(
        (still["status"].as_str(), still["rail"].as_str()),
        (Some("PENDING"), None)
    );
    // A tenant without a forged key's webhook: BAD_SIGNATURE, as any.
    let (status, answer) = deliver_wise(&app, "{}", Some("AAAA")).await;
    assert_eq!(
        (status, answer["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_SIGNATURE"))
    );
}

async fn a_replica_killed_while_wise_holds_its_answer_leaves_one_transfer(app: TestApp) {
    let (base, wise) = serve_wise().await;
    wise.lock().unwrap().hold_transfer = true;
    configure_wise(&app, &base, false).await;
    let nia = partner(&app, "Nia").await;
    app.ok(
        &app.admin(),
        METHOD,
        json!({ "input": { "partnerId": nia, "type": "WISE", "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842", "accountHolder": "Nia Example" } }),
    )
    .await;
    let pound = campaign_in(&app, "GBP", &nia).await;
    earned_in(&app, &nia, "n1", "500", Some(&pound), "GBP").await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia);
    let first = sender(&app).await;
    crate::support::rails::send_on(&app, first.addr, &run, "WISE").await;
    // Wise made the transfer and holds its answer; the replica is killed.
    let made = async || wise.lock().unwrap().transfers.len() == 1;
    crate::support::wait::until("the transfer made", Duration::from_secs(30), made).await;
    let second = sender(&app).await;
    first.kill();
    wise.lock().unwrap().hold_transfer = false;
    lease_runs_out(&app).await;
    let sent = until(&app, &id, "SENT").await;
    assert_eq!(
        sent["railReference"],
        json!(transfer_id(&wise, &id).to_string())
    );
    {
        let wise = wise.lock().unwrap();
        // Asked twice, made once; one group, funded once.
        assert_eq!((wise.transfer_posts, wise.transfers.len()), (2, 1));
        assert_eq!((wise.groups.len(), wise.fundings), (1, 1));
        assert_eq!(wise.violations, Vec::<String>::new());
    }
    let transfer = transfer_id(&wise, &id);
    wise.lock()
        .unwrap()
        .set_state(transfer, "outgoing_payment_sent");
    assert_eq!(until(&app, &id, "SUCCEEDED").await["status"], "PAID");
    drop(second);
}

async fn the_wise_steps_in_the_docs_run_as_written(app: TestApp) {
    let operations = crate::support::guides::operations("docs/payouts.md");
    let (connect, account) = (&operations[8], &operations[9]);
    let connected = app
        .ok(
            &app.admin(),
            connect,
            json!({ "token": API_TOKEN, "profile": PROFILE }),
        )
        .await;
    assert_eq!(
        connected["configurePayoutRail"],
        json!({ "rail": "WISE", "mode": "LIVE", "credentialHint": "…a1b2",
            "webhookUrl": format!("https://partners.example.com/payouts/wise/{TENANT}") })
    );
    let nia = partner(&app, "Nia").await;
    let offered = app
        .ok(
            &app.partner_token(&nia),
            "query($id: ID!) { partner(id: $id) { wiseAvailable } }",
            json!({ "id": nia }),
        )
        .await;
    assert_eq!(offered["partner"]["wiseAvailable"], true);
    let set = app.ok(&app.partner_token(&nia), account, json!({})).await;
    assert_eq!(
        set["setPayoutMethod"],
        json!({ "type": "WISE", "currency": "GBP", "sortCode": "040075", "accountNumber": "37778842" })
    );
}

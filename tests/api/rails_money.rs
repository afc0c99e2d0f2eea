//! Money sent by API that must not strand, double or overpay (hardening
//! round 5): a PayPal run larger than one look, Stripe transfers reversed
//! in part and in full, and a run handed to finance in a file and sent by
//! API too. Against the same local providers as the rails tests
//! ([`crate::support::paypal`], [`crate::support::stripe`]), held to their
//! published documents.

use crate::helpers::{TestApp, code};
use crate::on_both_databases_with;
use crate::support::paypal::serve_paypal;
use crate::support::rails::{
    CONFIGURE, PAYOUT, SEND, configure_paypal, connected, earned, options, partner, payout,
    payout_of, run, send_stalled, transfer_for, until,
};
use crate::support::stripe::{
    SECRET_KEY, WEBHOOK_SECRET, deliver_stripe, serve_stripe, stripe_event,
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases_with!(
    options;
    a_paypal_run_of_2001_payouts_pays_every_one,
    a_transfer_reversed_in_part_is_owed_again_and_in_full_fails_the_payout,
    a_refund_takes_back_what_the_sale_earned_whatever_transfers_carried_it,
    a_payout_handed_over_in_a_file_is_not_sent_by_api_until_the_file_is_withdrawn,
);

/// Runs `work` for each of `items`, 16 at a time.
async fn each<T, F>(items: Vec<T>, work: impl Fn(T) -> F) -> Vec<F::Output>
where
    F: std::future::Future,
{
    futures_util::stream::iter(items.into_iter().map(work))
        .buffered(16)
        .collect()
        .await
}

const COUNT: &str = "query($status: PayoutStatus) { payouts(status: $status) { totalCount } }";

async fn payouts_in(app: &TestApp, status: &str) -> u64 {
    app.ok(&app.admin(), COUNT, json!({ "status": status }))
        .await["payouts"]["totalCount"]
        .as_u64()
        .unwrap()
}

/// Waits (up to 180 s: 2,001 payouts on a busy 2-core machine) until
/// `count` payouts are `status`.
async fn until_count(app: &TestApp, status: &str, count: u64) {
    let within = Duration::from_secs(180);
    let seen = crate::support::wait::last_of(
        within,
        async || payouts_in(app, status).await,
        |seen| *seen == count,
    )
    .await;
    assert_eq!(seen, count, "payouts {status}");
}

/// More payouts than one look took before: every one is in a batch,
/// sent once, and paid when PayPal says so — none stranded `SENT`.
async fn a_paypal_run_of_2001_payouts_pays_every_one(app: TestApp) {
    const N: usize = 2001;
    let (base, paypal) = serve_paypal().await;
    configure_paypal(&app, &base).await;
    let group = app
        .create_group("Many", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let partners = each((0..N).collect(), |n| {
        let (app, group) = (&app, &group);
        async move {
            let id = app
                .create_partner(json!({ "name": format!("P{n:04}"), "groupId": group }))
                .await;
            crate::support::payouts::paypal(app, &id, &format!("p{n:04}@example.com")).await;
            id
        }
    })
    .await;
    for (chunk_no, chunk) in partners.chunks(500).enumerate() {
        let input: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut sale =
                    crate::support::sales::sale_input(p, &format!("s{chunk_no}-{i}"), "10");
                sale["occurredAt"] = json!("2026-01-10T12:00:00Z");
                sale
            })
            .collect();
        let answers = app
            .ok(
                &app.service("events:write"),
                "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { payload { commissions { id } } } }",
                json!({ "input": input }),
            )
            .await;
        let ids: Vec<String> = answers["recordEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                a["payload"]["commissions"][0]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        crate::support::payouts::approve(&app, &refs).await;
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let run = app
        .ok(
            &app.service("commissions:write"),
            "mutation($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { id payouts { id } } }",
            json!({ "input": { "periodEnd": today } }),
        )
        .await["createPayoutRun"]
        .clone();
    assert_eq!(run["payouts"].as_array().unwrap().len(), N);
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;
    until_count(&app, "PENDING", N as u64).await;
    // Every payout is sent, each in the one batch that holds it.
    let within = Duration::from_secs(60);
    let made = async || paypal.lock().unwrap().items_made();
    let sent = crate::support::wait::last_of(within, made, |sent| *sent == N).await;
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!(sent, N);
        assert_eq!(paypal.batches.len(), 1, "one run and currency, one batch");
        assert_eq!(paypal.posts, 1);
        assert_eq!(
            paypal.batches[0].sender_batch_id,
            format!("{}-USD", run["id"].as_str().unwrap())
        );
    }
    // PayPal pays them all: every one is paid, none left `SENT`.
    {
        let mut paypal = paypal.lock().unwrap();
        for item in paypal.batches.iter_mut().flat_map(|b| b.items.iter_mut()) {
            item.status = "SUCCESS";
        }
    }
    until_count(&app, "PAID", N as u64).await;
    assert_eq!(payouts_in(&app, "PENDING").await, 0);
    assert_eq!(paypal.lock().unwrap().violations, Vec::<String>::new());
}

const REVERSED: &str = "query($id: ID!) { node(id: $id) { ... on Payout { status railStatus reversedAmount railError failureReason } } }";
const ADJUSTMENTS: &str = "query($p: ID!) { commissions(partnerId: $p) { nodes { amount status kind payoutId breakdown { vocabulary amount value description } } } }";

async fn adjustments(app: &TestApp, partner: &str) -> Vec<Value> {
    let rows = app
        .ok(&app.admin(), ADJUSTMENTS, json!({ "p": partner }))
        .await;
    rows["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "ADJUSTMENT")
        .cloned()
        .collect()
}

async fn reversal(app: &TestApp, event: &str, transfer: &Value, reversed: i64) -> (u16, Value) {
    let mut object = transfer.clone();
    object["amount_reversed"] = json!(reversed);
    object["reversed"] = json!(reversed == object["amount"].as_i64().unwrap());
    deliver_stripe(
        app,
        &stripe_event(event, "transfer.reversed", object),
        WEBHOOK_SECRET,
    )
    .await
}

/// Stripe reverses 100.00 of a 1,500.00 transfer before revshare heard
/// the transfer was made: the transfer settles the payout, the 100.00 is
/// owed again and paid by the next run, whatever order or how often the
/// events come; then the rest is reversed, and the payout fails with
/// exactly its 1,500.00 going to the next run, the 100.00 taken back.
async fn a_transfer_reversed_in_part_is_owed_again_and_in_full_fails_the_payout(app: TestApp) {
    let (base, stripe) = serve_stripe().await;
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;
    let nia = connected(&app, &stripe, "Nia").await;
    earned(&app, &nia, "n", &[("15000", None)]).await;
    let first = run(&app).await;
    let id = payout_of(&first, &nia).to_owned();
    assert_eq!(first["payouts"][0]["amount"], "1500.00");
    // Stripe fails every try before it runs: the payout waits, pending.
    send_stalled(&app, &stripe, &first, &id).await;
    assert_eq!(payout(&app, &id).await["status"], "PENDING");
    let transfer = transfer_for(&stripe, &id, "tr_1RevshareREV00001", 150_000);
    let (status, body) = reversal(&app, "evt_r1", &transfer, 10_000).await;
    assert_eq!((status, body["handled"].as_str()), (200, Some("done")));
    let part = "Stripe reversed 100.00 of 1500.00 USD (transfer tr_1RevshareREV00001): 100.00 is owed again and paid by the next run";
    let reversed = app.ok(&app.admin(), REVERSED, json!({ "id": id })).await["node"].clone();
    assert_eq!(
        reversed,
        json!({ "status": "PAID", "railStatus": "SUCCEEDED", "reversedAmount": "100.00",
            "railError": part, "failureReason": null })
    );
    // The same reversal again, and the transfer's creation after it:
    // nothing more is owed, the payout stays paid.
    reversal(&app, "evt_r1-again", &transfer, 10_000).await;
    deliver_stripe(
        &app,
        &stripe_event("evt_c1", "transfer.created", transfer.clone()),
        WEBHOOK_SECRET,
    )
    .await;
    assert_eq!(
        app.ok(&app.admin(), REVERSED, json!({ "id": id })).await["node"],
        reversed
    );
    assert_eq!(
        json!(adjustments(&app, &nia).await),
        json!([{ "amount": "100.00", "status": "APPROVED", "kind": "ADJUSTMENT", "payoutId": null,
            "breakdown": [{ "vocabulary": "TRANSFER_REVERSED", "amount": "100.00", "value": "tr_1RevshareREV00001",
                "description": format!("transfer of payout {id} reversed by the provider") }] }])
    );
    // The sender never sends the settled payout again.
    stripe.lock().unwrap().faults.clear();
    assert_eq!(stripe.lock().unwrap().transfers.len(), 0);

    // The next run pays what came back, to the cent.
    let second = run(&app).await;
    assert_eq!(
        second["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (
                p["partner"]["id"].as_str().unwrap(),
                p["amount"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![(nia.as_str(), "100.00")]
    );

    // Then Stripe reverses the rest: the payout failed, its 1,500.00 of
    // commissions go to the next run, and the 100.00 owed again is taken
    // back (the second run's payout holds it).
    reversal(&app, "evt_r2", &transfer, 150_000).await;
    let full = "Stripe reversed transfer tr_1RevshareREV00001 in full (1500.00 USD): its commissions go to the next run";
    assert_eq!(
        app.ok(&app.admin(), REVERSED, json!({ "id": id })).await["node"],
        json!({ "status": "FAILED", "railStatus": "FAILED", "reversedAmount": "1500.00",
            "railError": full, "failureReason": full })
    );
    let back =
        app.ok(&app.admin(), PAYOUT, json!({ "id": id })).await["node"]["commissions"]["nodes"]
            .clone();
    assert_eq!(back[0]["status"], "APPROVED");
    assert_eq!(back[0]["payoutId"], Value::Null);
    // Old news changes nothing.
    reversal(&app, "evt_r1-late", &transfer, 10_000).await;
    let third = run(&app).await;
    assert_eq!(
        third["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["amount"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["1400.00"],
        "1,500.00 again, less the 100.00 the second run already pays"
    );
    let balance = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { balance { currency approved paid } } }",
            json!({ "id": nia }),
        )
        .await;
    assert_eq!(
        balance["partner"]["balance"],
        json!([{ "currency": "USD", "approved": "1500.00", "paid": "0.00" }])
    );
}

/// A 1,000.00 commission paid by a transfer Stripe reverses 300.00 of:
/// the 300.00 is owed again and paid by the next run, so the partner
/// received 1,000.00 in all. When the customer then refunds the sale, the
/// partner gives back what the sale earned, 1,000.00 — never the 300.00
/// owed again a second time, which is money that moved, not earned.
async fn a_refund_takes_back_what_the_sale_earned_whatever_transfers_carried_it(app: TestApp) {
    let (base, stripe) = serve_stripe().await;
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;
    let ana = connected(&app, &stripe, "Ana").await;
    earned(&app, &ana, "a", &[("10000", None)]).await;
    let first = run(&app).await;
    let id = payout_of(&first, &ana).to_owned();
    assert_eq!(first["payouts"][0]["amount"], "1000.00");
    send_stalled(&app, &stripe, &first, &id).await;
    let transfer = transfer_for(&stripe, &id, "tr_1RevshareREF00001", 100_000);
    let (status, _) = reversal(&app, "evt_ref1", &transfer, 30_000).await;
    assert_eq!(status, 200);
    stripe.lock().unwrap().faults.clear();
    // The next run pays the 300.00 owed again, by hand: 1,000.00 in all.
    let second = run(&app).await;
    assert_eq!(second["payouts"][0]["amount"], "300.00");
    let again = payout_of(&second, &ana).to_owned();
    app.ok(
        &app.service("commissions:write"),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"BANK-1\") { id status } }",
        json!({ "id": again }),
    )
    .await;
    let refunded = app
        .ok(
            &app.service("events:write"),
            "mutation { recordRefund(input: { eventExternalId: \"a-0\" }) { clawbacks { amount kind } reversed { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refunded["recordRefund"],
        json!({ "clawbacks": [{ "amount": "-1000.00", "kind": "CLAWBACK" }], "reversed": [] })
    );
    let balance = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { balance { currency approved paid } } }",
            json!({ "id": ana }),
        )
        .await;
    assert_eq!(
        balance["partner"]["balance"],
        json!([{ "currency": "USD", "approved": "-1000.00", "paid": "1300.00" }]),
        "paid 700.00 + 300.00 by transfers (1,300.00 of payouts less the 300.00 that came back), owes back 1,000.00"
    );
}

const FILE: &str = "query($run: ID!) { payoutRunFile(runId: $run, format: PAYPAL_PAYOUTS_CSV) { filename leftOut { reason } } }";
const FILED: &str = "query($id: ID!) { node(id: $id) { ... on Payout { filedAt filedAs rail } } }";
const WITHDRAW: &str = "mutation($run: ID!) { withdrawPayoutRunFile(input: { runId: $run, format: PAYPAL_PAYOUTS_CSV }) { id } }";

/// Finance downloads the PayPal file, then presses "Send with PayPal":
/// refused, naming the file, until finance says the file was not used;
/// once sent by API, the payouts are in no file.
async fn a_payout_handed_over_in_a_file_is_not_sent_by_api_until_the_file_is_withdrawn(
    app: TestApp,
) {
    let (base, paypal) = serve_paypal().await;
    configure_paypal(&app, &base).await;
    let nia = partner(&app, "Nia").await;
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let id = payout_of(&run, &nia).to_owned();
    let writer = app.service("commissions:write");
    app.ok(&writer, FILE, json!({ "run": run_id })).await;
    let filed = app.ok(&app.admin(), FILED, json!({ "id": id })).await["node"].clone();
    assert_eq!(filed["filedAs"], "PAYPAL_PAYOUTS_CSV");
    assert!(filed["filedAt"].is_string());
    let send = json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } });
    let error = app.error(Some(&writer), SEND, send.clone()).await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(
        error["message"],
        format!(
            "the run's PAYPAL payouts were handed to finance in a file ({id}): withdrawPayoutRunFile first if that file was not used"
        )
    );
    assert_eq!(
        app.ok(&app.admin(), FILED, json!({ "id": id })).await["node"]["rail"],
        Value::Null
    );
    // A viewer of the console cannot withdraw a file.
    let viewer = app.service("commissions:read");
    let refused = app
        .error(Some(&viewer), WITHDRAW, json!({ "run": run_id }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    // Finance says the file was not used: the run is sent by API.
    app.ok(&writer, WITHDRAW, json!({ "run": run_id })).await;
    assert_eq!(
        app.ok(&app.admin(), FILED, json!({ "id": id })).await["node"],
        json!({ "filedAt": null, "filedAs": null, "rail": null })
    );
    app.ok(&writer, SEND, send).await;
    until(&app, &id, "SENT").await;
    assert_eq!(paypal.lock().unwrap().items_made(), 1);
    // And the reverse: a payout sent by API is in no file.
    let error = app
        .error(Some(&writer), FILE, json!({ "run": run_id }))
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
}

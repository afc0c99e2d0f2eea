//! Paying partners by API (SPEC §26), against local servers that answer
//! as PayPal's and Stripe's published OpenAPI documents describe
//! ([`crate::support::contract`]): every request revshare sends is checked against
//! the document, strictly, and every answer the servers give as well. The
//! servers keep what a provider keeps — batches by `sender_batch_id`,
//! answers by `PayPal-Request-Id` and `Idempotency-Key` — and count what
//! they were sent, so that "money leaves once" is counted where money
//! would leave. Faults are cases: a `500` and a `429`, a webhook twice
//! and out of order, a replica killed between marking and sending and
//! while the provider holds its request, two replicas on one run.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::paypal::{
    CLIENT_ID, CLIENT_SECRET, Hold, Paypal, SentItem, WEBHOOK_ID, deliver_paypal, item_event,
    serve_paypal,
};
use crate::support::rails::{
    CONFIGURE, CONNECT, SEND, configure_paypal, earned, keyed, lease_runs_out, options, partner,
    payout, payout_of, run, sender, until,
};
use crate::support::stripe::{
    SECRET_KEY, WEBHOOK_SECRET, deliver_stripe, serve_stripe, stripe_event,
};
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases_with!(
    options;
    paypal_pays_a_run_once_and_follows_each_payout_to_its_end,
    a_500_and_a_429_are_tried_again_and_the_batch_leaves_once,
    rails_are_admins_and_their_secrets_never_come_back,
    stripe_connect_onboards_a_partner_and_pays_it_by_transfer,
    the_rails_in_the_docs_run_as_written,
);

on_both_databases_with!(
    keyed;
    a_replica_killed_while_sending_leaves_each_payout_sent_once,
);

// ------------------------------------------------------------ the program

/// The program's campaign in euros, at 10 %; `partners` enrolled.
async fn in_euros(app: &TestApp, partners: &[&str]) -> String {
    let euro = crate::support::campaigns::create_campaign(
        app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    for partner in partners {
        crate::support::partners::enroll(app, partner, &euro).await;
    }
    euro
}

async fn emails_of(app: &TestApp, partner: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($p: ID!) { emails(partnerId: $p, kind: PAYOUT_SENT) { nodes { subject text } } }",
            json!({ "p": partner }),
        )
        .await;
    data["emails"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn rail_events(app: &TestApp, payout: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "{ domainEvents(types: [PAYOUT_RAIL_CHANGED, PAYOUT_PAID, PAYOUT_FAILED], first: 100) { nodes { type subjectId data } } }",
            json!({}),
        )
        .await;
    data["domainEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subjectId"] == payout)
        .map(|e| match e["type"].as_str().unwrap() {
            "PAYOUT_RAIL_CHANGED" => {
                format!("RAIL {}", e["data"]["railStatus"].as_str().unwrap_or("-"))
            }
            other => other.to_owned(),
        })
        .collect()
}

async fn paypal_pays_a_run_once_and_follows_each_payout_to_its_end(app: TestApp) {
    let (base, paypal) = serve_paypal().await;
    let config = configure_paypal(&app, &base).await;
    assert_eq!(config["credentialHint"], "…1234");
    assert_eq!(
        config["webhookUrl"],
        format!(
            "https://partners.example.com/payouts/paypal/{}",
            crate::helpers::TENANT
        )
    );
    let nia = partner(&app, "Nia").await;
    let ona = partner(&app, "Ona").await;
    let eve = partner(&app, "Eve").await;
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    crate::support::payouts::paypal(&app, &ona, "ona@example.com").await;
    crate::support::payouts::paypal(&app, &eve, "eve@example.com").await;
    let euro = in_euros(&app, &[&nia, &eve]).await;
    earned(
        &app,
        &nia,
        "n",
        &[("100", None), ("23.40", None), ("50", Some(&euro))],
    )
    .await;
    let ona_rows = earned(&app, &ona, "o", &[("300", None)]).await;
    earned(&app, &eve, "e", &[("80", Some(&euro))]).await;
    let run = run(&app).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let nia_usd = run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == nia.as_str() && p["currency"] == "USD")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nia_eur = run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == nia.as_str() && p["currency"] == "EUR")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ona_usd = payout_of(&run, &ona).to_owned();
    let eve_eur = payout_of(&run, &eve).to_owned();

    // Queued in the run's transaction, answered at once.
    let sent = app
        .ok(
            &app.service("commissions:write"),
            SEND,
            json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await["sendPayouts"]
        .clone();
    assert_eq!(sent["status"], "OPEN");
    for p in sent["payouts"].as_array().unwrap() {
        assert!(
            ["QUEUED", "SENT"].contains(&p["railStatus"].as_str().unwrap()),
            "{p}"
        );
    }
    // One batch per currency, each item the payout, its amount exact.
    let nia_sent = until(&app, &nia_usd, "SENT").await;
    assert_eq!(
        (nia_sent["status"].as_str(), nia_sent["rail"].as_str()),
        (Some("PENDING"), Some("PAYPAL_PAYOUTS"))
    );
    for id in [&nia_eur, &ona_usd, &eve_eur] {
        until(&app, id, "SENT").await;
    }
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!(paypal.posts, 2);
        let mut batches: Vec<(String, Vec<SentItem>)> = paypal
            .batches
            .iter()
            .map(|b| {
                let mut items: Vec<_> = b
                    .items
                    .iter()
                    .map(|i| {
                        (
                            i.sender_item_id.clone(),
                            i.receiver.clone(),
                            i.value.clone(),
                            i.currency.clone(),
                        )
                    })
                    .collect();
                items.sort();
                (b.sender_batch_id.clone(), items)
            })
            .collect();
        batches.sort();
        let mut usd = vec![
            (
                nia_usd.clone(),
                "nia@example.com".to_owned(),
                "12.34".to_owned(),
                "USD".to_owned(),
            ),
            (
                ona_usd.clone(),
                "ona@example.com".to_owned(),
                "30.00".to_owned(),
                "USD".to_owned(),
            ),
        ];
        usd.sort();
        let mut eur = vec![
            (
                nia_eur.clone(),
                "nia@example.com".to_owned(),
                "5.00".to_owned(),
                "EUR".to_owned(),
            ),
            (
                eve_eur.clone(),
                "eve@example.com".to_owned(),
                "8.00".to_owned(),
                "EUR".to_owned(),
            ),
        ];
        eur.sort();
        assert_eq!(
            batches,
            vec![
                (format!("{run_id}-EUR"), eur),
                (format!("{run_id}-USD"), usd)
            ]
        );
    }
    // Not in any file, and not markable by hand: the rail ends it.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"x\") { id } }",
            json!({ "id": nia_usd }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    // Sending the run again sends nothing twice.
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;

    // PayPal pays Nia's USD, holds Ona's unclaimed: read back by polling.
    {
        let mut paypal = paypal.lock().unwrap();
        paypal.item_of(&nia_usd).status = "SUCCESS";
        paypal.item_of(&ona_usd).status = "UNCLAIMED";
    }
    let paid = until(&app, &nia_usd, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
    let item = paypal
        .lock()
        .unwrap()
        .item_of(&nia_usd)
        .payout_item_id
        .clone();
    assert_eq!(paid["railReference"], item);
    assert_eq!(paid["reference"], item);
    for row in paid["commissions"]["nodes"].as_array().unwrap() {
        assert_eq!(row["status"], "PAID", "{row}");
    }
    let unclaimed = until(&app, &ona_usd, "UNCLAIMED").await;
    assert_eq!(unclaimed["status"], "PENDING");
    assert_eq!(unclaimed["railError"], "PayPal: Receiver is unregistered");

    // Webhooks: Eve's EUR succeeded (delivered twice), Ona's returned, and
    // an older UNCLAIMED of Ona's arriving after it; a forged one refused.
    let succeeded = item_event(&paypal, "WH-1", "SUCCEEDED", &eve_eur);
    for transmission in ["t-1", "t-1-again"] {
        let (status, body) = deliver_paypal(&app, &paypal, transmission, &succeeded, true).await;
        assert_eq!(status, 200, "{body}");
    }
    let forged = item_event(&paypal, "WH-9", "FAILED", &nia_eur);
    let (status, body) = deliver_paypal(&app, &paypal, "t-9", &forged, false).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_SIGNATURE"))
    );
    let returned = item_event(&paypal, "WH-2", "RETURNED", &ona_usd);
    assert_eq!(
        deliver_paypal(&app, &paypal, "t-2", &returned, true)
            .await
            .0,
        200
    );
    let late = item_event(&paypal, "WH-3", "UNCLAIMED", &ona_usd);
    assert_eq!(
        deliver_paypal(&app, &paypal, "t-3", &late, true).await.0,
        200
    );

    let eve_paid = payout(&app, &eve_eur).await;
    assert_eq!(
        (eve_paid["status"].as_str(), eve_paid["railStatus"].as_str()),
        (Some("PAID"), Some("SUCCEEDED"))
    );
    let ona_failed = payout(&app, &ona_usd).await;
    assert_eq!(
        (
            ona_failed["status"].as_str(),
            ona_failed["railStatus"].as_str()
        ),
        (Some("FAILED"), Some("RETURNED"))
    );
    assert_eq!(
        ona_failed["failureReason"],
        "PayPal: Receiver is unregistered"
    );
    // Ona's commission is back for the next run, and no longer held.
    let row = app
        .ok(
            &app.admin(),
            "query($id: ID!) { commission(id: $id) { status payoutId } }",
            json!({ "id": ona_rows[0] }),
        )
        .await;
    assert_eq!(
        row["commission"],
        json!({ "status": "APPROVED", "payoutId": null })
    );
    // Nia's EUR is still with PayPal: a late poll changes nothing of the ends.
    assert_eq!(payout(&app, &nia_eur).await["railStatus"], "SENT");

    // Each status change an event; PAYOUT_SENT mail only on success, once.
    assert_eq!(
        rail_events(&app, &ona_usd).await,
        vec![
            "RAIL QUEUED",
            "RAIL SENT",
            "RAIL UNCLAIMED",
            "PAYOUT_FAILED",
            "RAIL RETURNED"
        ]
    );
    assert_eq!(
        rail_events(&app, &eve_eur).await,
        vec!["RAIL QUEUED", "RAIL SENT", "PAYOUT_PAID", "RAIL SUCCEEDED"]
    );
    assert_eq!(emails_of(&app, &nia).await.len(), 1);
    assert_eq!(emails_of(&app, &eve).await.len(), 1);
    assert_eq!(emails_of(&app, &ona).await.len(), 0);
    // Money left once per payout, and every request was as documented.
    let paypal = paypal.lock().unwrap();
    assert_eq!((paypal.posts, paypal.items_made()), (2, 4));
    assert_eq!(paypal.violations, Vec::<String>::new());
}

async fn a_500_and_a_429_are_tried_again_and_the_batch_leaves_once(app: TestApp) {
    let (base, paypal) = serve_paypal().await;
    paypal.lock().unwrap().faults.extend([500, 429]);
    configure_paypal(&app, &base).await;
    let nia = partner(&app, "Nia").await;
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia).to_owned();
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;
    // The 500 is shown while it waits.
    let mut seen = Vec::new();
    for _ in 0..300 {
        let now = payout(&app, &id).await;
        if let Some(error) = now["railError"].as_str()
            && !seen.iter().any(|s: &String| s == error)
        {
            seen.push(error.to_owned());
        }
        if now["railStatus"] == "SENT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen.iter()
            .any(|e| e.starts_with("PayPal answered 500; tried again at ")),
        "{seen:?}"
    );
    let sent = payout(&app, &id).await;
    assert_eq!(
        (sent["railStatus"].as_str(), sent["railError"].as_str()),
        (Some("SENT"), None)
    );
    paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
    until(&app, &id, "SUCCEEDED").await;
    let paypal = paypal.lock().unwrap();
    assert_eq!((paypal.posts, paypal.items_made()), (3, 1));
    assert_eq!(paypal.violations, Vec::<String>::new());
}

async fn rails_are_admins_and_their_secrets_never_come_back(app: TestApp) {
    let nia = partner(&app, "Nia").await;
    let input = |credentials: Value| json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "credentials": credentials } });
    // Staff who are not admins, and partners, are refused.
    for token in [app.service("commissions:write"), app.partner_token(&nia)] {
        let error = app
            .error(
                Some(&token),
                CONFIGURE,
                input(json!({ "clientId": "a", "clientSecret": "b", "webhookId": "c" })),
            )
            .await;
        assert_eq!(code(&error), "FORBIDDEN", "{error}");
    }
    // Each missing or foreign credential is named.
    let error = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            input(json!({ "clientId": "a", "webhookId": "c" })),
        )
        .await;
    assert_eq!(field(&error), "input.credentials.clientSecret");
    let error = app.error(Some(&app.admin()), CONFIGURE, input(json!({ "clientId": "a", "clientSecret": "b", "webhookId": "c", "secretKey": "sk_live_x" }))).await;
    assert_eq!(field(&error), "input.credentials.secretKey");
    let stripe = |key: &str| {
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "LIVE",
        "credentials": { "secretKey": key, "webhookSecret": "whsec_abc" } } })
    };
    let error = app
        .error(Some(&app.admin()), CONFIGURE, stripe("sk_test_abc"))
        .await;
    assert_eq!(field(&error), "input.credentials.secretKey");
    let error = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "baseUrl": "ftp://x",
            "credentials": { "clientId": "a", "clientSecret": "b", "webhookId": "c" } } }),
        )
        .await;
    assert_eq!(field(&error), "input.baseUrl");
    // A rail not configured is named when a run is sent through it.
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            SEND,
            json!({ "input": { "runId": run["id"], "rail": "STRIPE_CONNECT" } }),
        )
        .await;
    assert_eq!(field(&error), "input.rail");
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            SEND,
            json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
    // Stored sealed: the secret is nowhere in the row, and never answered.
    app.ok(&app.admin(), CONFIGURE, input(json!({ "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID }))).await;
    let listed = app
        .ok(
            &app.admin(),
            "{ payoutRails { rail mode baseUrl credentialHint } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["payoutRails"],
        json!([{ "rail": "PAYPAL_PAYOUTS", "mode": "LIVE", "baseUrl": "https://api-m.paypal.com", "credentialHint": "…1234" }])
    );
    let stored: Vec<String> = {
        use sea_orm::{EntityTrait, QuerySelect};
        entity::payout_rail::Entity::find()
            .select_only()
            .column(entity::payout_rail::Column::Credentials)
            .into_tuple()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(CLIENT_SECRET) && !stored[0].contains(CLIENT_ID),
        "{}",
        stored[0]
    );
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            "{ payoutRails { rail } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
}

async fn a_replica_killed_while_sending_leaves_each_payout_sent_once(app: TestApp) {
    for hold in [Hold::Token, Hold::Batch] {
        let (base, paypal) = serve_paypal().await;
        paypal.lock().unwrap().hold = hold;
        configure_paypal(&app, &base).await;
        let name = match hold {
            Hold::Token => "Kim",
            _ => "Lou",
        };
        let kim = partner(&app, name).await;
        crate::support::payouts::paypal(
            &app,
            &kim,
            &format!("{}@example.com", name.to_lowercase()),
        )
        .await;
        earned(&app, &kim, name, &[("100", None)]).await;
        let run = run(&app).await;
        let id = payout_of(&run, &kim).to_owned();

        // Two replicas; the first is sent the run and is killed while the
        // provider holds its request — before anything left (the token),
        // or after the batch was made (its answer never comes).
        let first = sender(&app).await;
        let second = sender(&app).await;
        crate::support::rails::send_on(&app, first.addr, &run, "PAYPAL_PAYOUTS").await;
        let held = |paypal: &Paypal| match hold {
            Hold::Token => paypal.tokens >= 1,
            _ => paypal.posts >= 1,
        };
        for _ in 0..200 {
            if held(&paypal.lock().unwrap()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            held(&paypal.lock().unwrap()),
            "the request never reached the provider"
        );
        // While the first holds the lease, the second sends nothing: a
        // whole look of the second's begun since.
        let seen = crate::support::wait::job_steps(&second.log(), "payouts");
        crate::support::wait::until_a_step_after("payouts", seen, || second.log()).await;
        {
            let paypal = paypal.lock().unwrap();
            let expected = match hold {
                Hold::Token => (1, 0),
                _ => (1, 1),
            };
            assert_eq!((paypal.tokens, paypal.posts), expected);
        }
        assert_eq!(payout(&app, &id).await["railStatus"], "QUEUED");
        first.kill();
        paypal.lock().unwrap().hold = Hold::None;
        lease_runs_out(&app).await;
        let sent = until(&app, &id, "SENT").await;
        assert_eq!(sent["status"], "PENDING");
        paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
        let paid = until(&app, &id, "SUCCEEDED").await;
        assert_eq!(paid["status"], "PAID");
        // Sent once: one batch, one item; after the kill mid-send the same
        // PayPal-Request-Id went again and was answered the first batch.
        let paypal = paypal.lock().unwrap();
        let posts = match hold {
            Hold::Token => 1,
            _ => 2,
        };
        assert_eq!(
            (paypal.posts, paypal.batches.len(), paypal.items_made()),
            (posts, 1, 1)
        );
        assert_eq!(paypal.violations, Vec::<String>::new());
        drop(second);
    }
}

// ---------------------------------------------------------------- Stripe

const CONNECTED: &str = "query($id: ID!) { partner(id: $id) { stripeConnect { available accountId payoutsEnabled } payoutMethod { type stripeAccountId } } }";

async fn stripe_connect_onboards_a_partner_and_pays_it_by_transfer(app: TestApp) {
    let (base, stripe) = serve_stripe().await;
    let nia = partner(&app, "Nia").await;
    let ona = partner(&app, "Ona").await;
    // Not offered before the program pays through Stripe.
    let before = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        before["partner"]["stripeConnect"],
        json!({ "available": false, "accountId": null, "payoutsEnabled": false })
    );
    let error = app
        .error(Some(&app.partner_token(&nia)), CONNECT, json!({}))
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;

    // The partner connects from the portal: one account, a link each time.
    let first =
        app.ok(&app.partner_token(&nia), CONNECT, json!({})).await["createConnectOnboardingLink"]
            .clone();
    assert_eq!(
        first,
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/1"
    );
    let again =
        app.ok(&app.partner_token(&nia), CONNECT, json!({})).await["createConnectOnboardingLink"]
            .clone();
    assert_eq!(
        again,
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/2"
    );
    // Another partner naming Nia is answered as naming none.
    let error = app
        .error(Some(&app.partner_token(&ona)), CONNECT, json!({ "p": nia }))
        .await;
    assert_eq!(field(&error), "partnerId");
    {
        let stripe = stripe.lock().unwrap();
        assert_eq!(stripe.accounts.len(), 1);
        assert_eq!(stripe.accounts[0]["type"], "express");
        assert_eq!(stripe.accounts[0]["email"], "nia@example.com");
        assert_eq!(stripe.accounts[0]["metadata"], json!({ "partner": nia }));
    }
    let pending = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        pending["partner"],
        json!({ "stripeConnect": { "available": true, "accountId": "acct_1Revshare000001", "payoutsEnabled": false }, "payoutMethod": null })
    );
    // A partner cannot pick Stripe before Stripe enables the account.
    let error = app
        .error(
            Some(&app.partner_token(&nia)),
            "mutation { setPayoutMethod(input: { type: STRIPE_CONNECT }) { type } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&error), "input.type");

    // Stripe says the account's payouts are enabled: it is Nia's method.
    let mut account = stripe.lock().unwrap().accounts[0].clone();
    account["payouts_enabled"] = json!(true);
    let updated = stripe_event("evt_1", "account.updated", account);
    assert_eq!(deliver_stripe(&app, &updated, "whsec_forged").await.0, 400);
    let (status, body) = deliver_stripe(&app, &updated, WEBHOOK_SECRET).await;
    assert_eq!((status, body["handled"].as_str()), (200, Some("done")));
    let ready = app
        .ok(&app.partner_token(&nia), CONNECTED, json!({ "id": nia }))
        .await;
    assert_eq!(
        ready["partner"],
        json!({ "stripeConnect": { "available": true, "accountId": "acct_1Revshare000001", "payoutsEnabled": true },
            "payoutMethod": { "type": "STRIPE_CONNECT", "stripeAccountId": "acct_1Revshare000001" } })
    );

    // A run pays Nia by transfer; Stripe fails the first try before it ran.
    earned(&app, &nia, "n", &[("100", None), ("23.40", None)]).await;
    let run = run(&app).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let id = payout_of(&run, &nia).to_owned();
    assert_eq!(run["payouts"][0]["method"]["type"], "STRIPE_CONNECT");
    stripe.lock().unwrap().faults.push_back(500);
    // PayPal's rail takes none of them.
    let error = app
        .error(
            Some(&app.service("commissions:write")),
            SEND,
            json!({ "input": { "runId": run_id, "rail": "PAYPAL_PAYOUTS" } }),
        )
        .await;
    assert_eq!(field(&error), "input.rail");
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run_id, "rail": "STRIPE_CONNECT" } }),
    )
    .await;
    let paid = until(&app, &id, "SUCCEEDED").await;
    assert_eq!(
        (paid["status"].as_str(), paid["railReference"].as_str()),
        (Some("PAID"), Some("tr_1Revshare00000001"))
    );
    {
        let stripe = stripe.lock().unwrap();
        assert_eq!((stripe.transfer_posts, stripe.transfers.len()), (2, 1));
        let transfer = &stripe.transfers[0];
        assert_eq!(
            (
                transfer["amount"].clone(),
                transfer["currency"].clone(),
                transfer["destination"].clone(),
                transfer["transfer_group"].clone()
            ),
            (
                json!(1234),
                json!("usd"),
                json!("acct_1Revshare000001"),
                json!(run_id)
            )
        );
        assert_eq!(transfer["metadata"], json!({ "payout": id }));
    }
    assert_eq!(emails_of(&app, &nia).await.len(), 1);

    // The transfer answered twice (created, then reversed in full later):
    // the money is back with the brand, so the payout failed and its
    // commissions go to the next run, the reason shown for finance.
    let transfer = stripe.lock().unwrap().transfers[0].clone();
    assert_eq!(
        deliver_stripe(
            &app,
            &stripe_event("evt_2", "transfer.created", transfer.clone()),
            WEBHOOK_SECRET
        )
        .await
        .0,
        200
    );
    let mut reversed = transfer;
    reversed["reversed"] = json!(true);
    reversed["amount_reversed"] = json!(1234);
    assert_eq!(
        deliver_stripe(
            &app,
            &stripe_event("evt_3", "transfer.reversed", reversed),
            WEBHOOK_SECRET
        )
        .await
        .0,
        200
    );
    let after = payout(&app, &id).await;
    assert_eq!(
        (after["status"].as_str(), after["railStatus"].as_str()),
        (Some("FAILED"), Some("FAILED"))
    );
    let reason = "Stripe reversed transfer tr_1Revshare00000001 in full (12.34 USD): its commissions go to the next run";
    assert_eq!(after["railError"], reason);
    assert_eq!(after["failureReason"], reason);
    assert_eq!(
        after["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["status"].as_str(), c["payoutId"].as_str()))
            .collect::<Vec<_>>(),
        vec![(Some("APPROVED"), None), (Some("APPROVED"), None)]
    );
    assert_eq!(emails_of(&app, &nia).await.len(), 1);
    assert_eq!(stripe.lock().unwrap().violations, Vec::<String>::new());
}

async fn the_rails_in_the_docs_run_as_written(app: TestApp) {
    let operations = crate::support::guides::operations("docs/payouts.md");
    let (configure, connect, send) = (&operations[5], &operations[6], &operations[7]);
    let (base, paypal) = serve_paypal().await;
    let (stripe_base, _stripe) = serve_stripe().await;
    let connected = app
        .ok(
            &app.admin(),
            configure,
            json!({ "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID, "baseUrl": base }),
        )
        .await;
    assert_eq!(
        connected["configurePayoutRail"],
        json!({ "rail": "PAYPAL_PAYOUTS", "mode": "SANDBOX", "credentialHint": "…1234",
            "webhookUrl": format!("https://partners.example.com/payouts/paypal/{}", crate::helpers::TENANT) })
    );
    // Step 2 is Stripe's: the partner's link, once the program has it.
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": stripe_base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;
    let nia = partner(&app, "Nia").await;
    let link = app.ok(&app.partner_token(&nia), connect, json!({})).await;
    assert_eq!(
        link["createConnectOnboardingLink"],
        "https://connect.stripe.com/setup/e/acct_1Revshare000001/1"
    );
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    earned(&app, &nia, "n", &[("100", None)]).await;
    let run = run(&app).await;
    let id = payout_of(&run, &nia).to_owned();
    let sent = app
        .ok(
            &app.service("commissions:write"),
            send,
            json!({ "runId": run["id"] }),
        )
        .await["sendPayouts"]
        .clone();
    assert_eq!(sent["payouts"][0]["rail"], "PAYPAL_PAYOUTS");
    paypal.lock().unwrap().faults.clear();
    until(&app, &id, "SENT").await;
    paypal.lock().unwrap().item_of(&id).status = "SUCCESS";
    let paid = until(&app, &id, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
}

//! Fraud (SPEC §21): each signal where its evidence arrives, holds that
//! neither maturity, approval nor a payout run passes, reviews that move
//! the money exactly, and a policy per tenant.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::partners::partner_at;
use serde_json::{Value, json};

on_both_databases!(
    the_policy_has_defaults_and_checks_what_it_is_given,
    attribution_evidence_flags_and_a_hold_waits_for_review,
    a_confirmed_flag_takes_the_money_back_and_suspends,
    clicks_past_the_threshold_count_nowhere_and_paid_or_own_clicks_are_flagged,
    a_high_refund_rate_is_flagged_with_its_counts,
    partners_never_see_flags_holds_or_their_events,
    a_payout_run_and_a_hold_at_once_never_both_take_a_row,
    a_trusted_partners_flags_hold_nothing_and_untrusting_holds_again,
    the_fraud_digest_goes_once_a_day_from_its_hour_and_not_without_flags,
);

const FLAGS: &str = "query($s: FraudSignal) { fraudFlags(signal: $s) { totalCount nodes { id signal action status details partner { name } customer { externalId } commissions { id status } } } }";
const RESOLVE: &str = "mutation($input: ResolveFraudFlagInput!) { resolveFraudFlag(input: $input) { id status note decidedBy decidedAt } }";
const HOLD: &str = "query($id: ID!) { node(id: $id) { ... on Commission { status onHold holds { signal } breakdown { vocabulary description amount } payoutId reversalReason } } }";
const POLICY: &str = "mutation($rules: [FraudRuleInput!]!) { setFraudPolicy(input: { rules: $rules }) { signal action threshold } }";
const ATTRIBUTE: &str =
    "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }";
const CLICK: &str = "mutation($input: RecordClickInput!) { recordClick(input: $input) { id } }";
const SET_METHOD: &str =
    "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type } }";

async fn flags(app: &TestApp, signal: Option<&str>) -> Vec<Value> {
    app.ok(&app.admin(), FLAGS, json!({ "s": signal })).await["fraudFlags"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn commission(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), HOLD, json!({ "id": id })).await["node"].clone()
}

/// A sale of `customer` for `partner`: its commission's id.
async fn sale(app: &TestApp, partner: &str, customer: &str, external_id: &str) -> String {
    crate::support::sales::commission_id(
        app,
        json!({ "externalId": external_id, "partnerId": partner, "customerExternalId": customer, "amount": "100.00" }),
    )
    .await
}

async fn attribute(app: &TestApp, input: Value) {
    app.ok(
        &app.service("events:write"),
        ATTRIBUTE,
        json!({ "input": input }),
    )
    .await;
}

async fn set_method(app: &TestApp, input: Value) {
    app.ok(&app.admin(), SET_METHOD, json!({ "input": input }))
        .await;
}

async fn resolve(app: &TestApp, id: &str, decision: &str, extra: Value) -> Value {
    let mut input = json!({ "id": id, "decision": decision, "note": "checked the evidence" });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.ok(&app.admin(), RESOLVE, json!({ "input": input }))
        .await["resolveFraudFlag"]
        .clone()
}

async fn the_policy_has_defaults_and_checks_what_it_is_given(app: TestApp) {
    let read = "{ fraudPolicy { signal action threshold } }";
    assert_eq!(
        app.ok(&app.admin(), read, json!({})).await["fraudPolicy"],
        json!([
            { "signal": "SELF_REFERRAL_IP", "action": "HOLD", "threshold": null },
            { "signal": "SELF_REFERRAL_EMAIL", "action": "HOLD", "threshold": null },
            { "signal": "DISPOSABLE_EMAIL", "action": "FLAG", "threshold": null },
            { "signal": "CLICK_SPAM", "action": "HOLD", "threshold": "20" },
            { "signal": "PAID_AD_CLICK", "action": "FLAG", "threshold": null },
            { "signal": "SHARED_PAYOUT_ACCOUNT", "action": "HOLD", "threshold": null },
            { "signal": "HIGH_REFUND_RATE", "action": "FLAG", "threshold": "0.3" },
        ])
    );
    let set = app
        .ok(
            &app.admin(),
            POLICY,
            json!({ "rules": [
                { "signal": "HIGH_REFUND_RATE", "action": "HOLD", "threshold": "0.25" },
                { "signal": "DISPOSABLE_EMAIL", "action": "OFF" },
            ] }),
        )
        .await["setFraudPolicy"]
        .clone();
    assert_eq!(
        set[2],
        json!({ "signal": "DISPOSABLE_EMAIL", "action": "OFF", "threshold": null })
    );
    assert_eq!(
        set[6],
        json!({ "signal": "HIGH_REFUND_RATE", "action": "HOLD", "threshold": "0.25" })
    );
    assert_eq!(set[3]["threshold"], "20", "the others keep theirs");
    for (rules, bad_field) in [
        (
            json!([{ "signal": "PAID_AD_CLICK", "action": "FLAG", "threshold": "3" }]),
            "input.rules[0].threshold",
        ),
        (
            json!([{ "signal": "CLICK_SPAM", "action": "HOLD", "threshold": "2.5" }]),
            "input.rules[0].threshold",
        ),
        (
            json!([
                { "signal": "CLICK_SPAM", "action": "FLAG" },
                { "signal": "HIGH_REFUND_RATE", "action": "FLAG", "threshold": "1.5" },
            ]),
            "input.rules[1].threshold",
        ),
        (
            json!([
                { "signal": "CLICK_SPAM", "action": "FLAG" },
                { "signal": "CLICK_SPAM", "action": "OFF" },
            ]),
            "input.rules[1].signal",
        ),
    ] {
        let err = app
            .error(Some(&app.admin()), POLICY, json!({ "rules": rules }))
            .await;
        assert_eq!((code(&err), field(&err)), ("BAD_USER_INPUT", bad_field));
    }
    // Nothing of a refused call was kept.
    assert_eq!(
        app.ok(&app.admin(), read, json!({})).await["fraudPolicy"][6]["threshold"],
        "0.25"
    );
    let err = app
        .error(
            Some(&app.service("commissions:write")),
            POLICY,
            json!({ "rules": [] }),
        )
        .await;
    assert_eq!(code(&err), "FORBIDDEN");
}

/// The default campaign holds commissions 30 days before they mature.
async fn with_holdback(app: &TestApp) {
    let campaign = app
        .ok(&app.admin(), "{ campaigns { nodes { id } } }", json!({}))
        .await["campaigns"]["nodes"][0]["id"]
        .clone();
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { holdbackDays: 30 }) { id } }",
        json!({ "id": campaign }),
    )
    .await;
}

async fn attribution_evidence_flags_and_a_hold_waits_for_review(app: TestApp) {
    with_holdback(&app).await;
    let ann = partner_at(&app, "Ann", 10).await;
    set_method(
        &app,
        json!({ "partnerId": ann, "type": "PAYPAL", "paypalEmail": "ann.pay@example.com" }),
    )
    .await;
    // A disposable address: flagged (FLAG by default), nothing held.
    attribute(
        &app,
        json!({ "customerExternalId": "cus-1", "partnerId": ann, "email": "x@mailinator.com" }),
    )
    .await;
    // Attributed again (a redelivery): nothing new.
    attribute(
        &app,
        json!({ "customerExternalId": "cus-1", "partnerId": ann, "email": "x@mailinator.com" }),
    )
    .await;
    // The partner's own PayPal address, as a look-alike: held.
    attribute(
        &app,
        json!({ "customerExternalId": "cus-2", "partnerId": ann, "email": "Ann.Pay+shop@example.com" }),
    )
    .await;
    let all = flags(&app, None).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["signal"], "DISPOSABLE_EMAIL");
    assert_eq!(all[0]["action"], "FLAG");
    assert_eq!(
        all[0]["details"],
        "Customer cus-1 signed up with an address at mailinator.com, a disposable e-mail domain."
    );
    assert_eq!(all[0]["customer"]["externalId"], "cus-1");
    assert_eq!(all[1]["signal"], "SELF_REFERRAL_EMAIL");
    assert_eq!(all[1]["action"], "HOLD");
    assert_eq!(
        all[1]["details"],
        "Customer cus-2's e-mail address is the one Ann is paid at through PayPal."
    );

    let free = sale(&app, &ann, "cus-1", "s-1").await;
    let held = sale(&app, &ann, "cus-2", "s-2").await;
    let seen = commission(&app, &held).await;
    assert_eq!(seen["onHold"], true);
    assert_eq!(seen["holds"], json!([{ "signal": "SELF_REFERRAL_EMAIL" }]));
    assert_eq!(
        seen["breakdown"].as_array().unwrap().last().unwrap(),
        &json!({ "vocabulary": "FRAUD_HOLD", "description": "held: SELF_REFERRAL_EMAIL", "amount": "0" })
    );
    assert_eq!(commission(&app, &free).await["onHold"], false);
    // The open flag lists what it holds.
    let open = &flags(&app, Some("SELF_REFERRAL_EMAIL")).await[0];
    assert_eq!(
        open["commissions"],
        json!([{ "id": held, "status": "ACCRUED" }])
    );

    // Not approved by hand, nor by maturity.
    let err = app
        .error(
            Some(&app.service("commissions:write")),
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
            json!({ "ids": [held] }),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let approved = revshare::ledger::maturity::approve_matured(&app.db, later)
        .await
        .unwrap();
    assert_eq!(approved, 1);
    assert_eq!(commission(&app, &free).await["status"], "APPROVED");
    assert_eq!(commission(&app, &held).await["status"], "ACCRUED");

    // Dismissed: released, and maturity takes it.
    let id = open["id"].as_str().unwrap();
    let dismissed = resolve(&app, id, "DISMISS", json!({})).await;
    assert_eq!(dismissed["status"], "DISMISSED");
    assert_eq!(dismissed["note"], "checked the evidence");
    assert_eq!(commission(&app, &held).await["onHold"], false);
    assert_eq!(
        revshare::ledger::maturity::approve_matured(&app.db, later)
            .await
            .unwrap(),
        1
    );
    // Decided once.
    let again = app
        .error(
            Some(&app.admin()),
            RESOLVE,
            json!({ "input": { "id": id, "decision": "CONFIRM", "note": "x" } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
}

async fn a_confirmed_flag_takes_the_money_back_and_suspends(app: TestApp) {
    let bo = partner_at(&app, "Bo", 10).await;
    let cy = partner_at(&app, "Cy", 10).await;
    attribute(
        &app,
        json!({ "customerExternalId": "cus-b1", "partnerId": bo, "email": "bo.buyer@example.com" }),
    )
    .await;
    let earlier = sale(&app, &bo, "cus-b1", "b-1").await;
    let other = sale(&app, &bo, "cus-b3", "b-3").await;
    crate::support::payouts::approve(&app, &[&earlier, &other]).await;
    let iban = "DE89 3704 0044 0532 0130 00";
    for partner in [&bo, &cy] {
        set_method(
            &app,
            json!({ "partnerId": partner, "type": "BANK_TRANSFER", "iban": iban, "accountHolder": "Bo Cy" }),
        )
        .await;
    }
    // One flag on each, each naming the other; the first partner's method
    // found no other, so the second's raised both.
    let shared = flags(&app, Some("SHARED_PAYOUT_ACCOUNT")).await;
    assert_eq!(shared.len(), 2);
    let on_bo = shared
        .iter()
        .find(|f| f["partner"]["name"] == "Bo")
        .unwrap();
    assert_eq!(
        on_bo["details"],
        "Bo and Cy are paid to the same bank account DE** **** 3000."
    );
    // Setting the same method again raises nothing new.
    set_method(
        &app,
        json!({ "partnerId": cy, "type": "BANK_TRANSFER", "iban": iban, "accountHolder": "Bo Cy" }),
    )
    .await;
    assert_eq!(flags(&app, Some("SHARED_PAYOUT_ACCOUNT")).await.len(), 2);

    // A partner-wide hold covers what is not approved yet: money approved
    // before stays free; what Bo earns now is held.
    let later = sale(&app, &bo, "cus-b2", "b-2").await;
    assert_eq!(commission(&app, &other).await["onHold"], false);
    assert_eq!(commission(&app, &later).await["onHold"], true);
    // Bo's PayPal address becomes its customer's: that customer's
    // approved commission is named and held.
    set_method(
        &app,
        json!({ "partnerId": bo, "type": "PAYPAL", "paypalEmail": "bo.buyer@example.com" }),
    )
    .await;
    let own = flags(&app, Some("SELF_REFERRAL_EMAIL")).await;
    assert_eq!(
        own[0]["commissions"],
        json!([{ "id": earlier, "status": "APPROVED" }])
    );
    assert_eq!(commission(&app, &earlier).await["onHold"], true);

    // Confirmed: the approved one is clawed back in full, the accrued one
    // reversed; and Bo is suspended.
    resolve(&app, own[0]["id"].as_str().unwrap(), "CONFIRM", json!({})).await;
    let id = on_bo["id"].as_str().unwrap();
    let confirmed = resolve(&app, id, "CONFIRM", json!({ "suspendPartner": true })).await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(confirmed["decidedBy"], "admin-of-acme");
    let reversed = commission(&app, &later).await;
    assert_eq!(
        (&reversed["status"], &reversed["reversalReason"]),
        (&json!("REVERSED"), &json!("FRAUD"))
    );
    let rows = app
        .ok(
            &app.admin(),
            "query($p: ID!) { commissions(partnerId: $p) { nodes { kind amount status reversalReason } } }",
            json!({ "p": bo }),
        )
        .await["commissions"]["nodes"]
        .clone();
    let mut rows: Vec<Value> = rows.as_array().unwrap().clone();
    rows.sort_by_key(|r| r.to_string());
    assert_eq!(
        rows,
        vec![
            json!({ "kind": "CLAWBACK", "amount": "-10.00", "status": "APPROVED", "reversalReason": "FRAUD" }),
            json!({ "kind": "COMMISSION", "amount": "10.00", "status": "REVERSED", "reversalReason": "FRAUD" }),
            json!({ "kind": "COMMISSION", "amount": "10.00", "status": "APPROVED", "reversalReason": null }),
            json!({ "kind": "COMMISSION", "amount": "10.00", "status": "APPROVED", "reversalReason": null }),
        ]
    );
    // The balances moved with it: what is left approved is the commission
    // no flag touched, 10.00 (20.00 approved, less the 10.00 clawed back).
    let partner = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { status balance { currency accrued approved paid } } }",
            json!({ "p": bo }),
        )
        .await["partner"]
        .clone();
    assert_eq!(partner["status"], "SUSPENDED");
    assert_eq!(
        partner["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "10.00", "paid": "0.00" }])
    );
    // Cy's flag is its own, still open; a dismissal cannot suspend.
    let shared = flags(&app, Some("SHARED_PAYOUT_ACCOUNT")).await;
    let on_cy = shared
        .iter()
        .find(|f| f["partner"]["name"] == "Cy")
        .unwrap();
    assert_eq!(on_cy["status"], "OPEN");
    let err = app
        .error(
            Some(&app.admin()),
            RESOLVE,
            json!({ "input": { "id": on_cy["id"], "decision": "DISMISS", "note": "ok", "suspendPartner": true } }),
        )
        .await;
    assert_eq!(
        (code(&err), field(&err)),
        ("BAD_USER_INPUT", "input.suspendPartner")
    );
}

async fn clicks_past_the_threshold_count_nowhere_and_paid_or_own_clicks_are_flagged(app: TestApp) {
    let dee = partner_at(&app, "Dee", 10).await;
    app.ok(
        &app.admin(),
        POLICY,
        json!({ "rules": [{ "signal": "CLICK_SPAM", "action": "HOLD", "threshold": "3" }] }),
    )
    .await;
    let code_of = app
        .ok(
            &app.admin(),
            "mutation($p: ID!) { createReferralCode(input: { partnerId: $p, code: \"DEE\" }) { id } }",
            json!({ "p": dee }),
        )
        .await["createReferralCode"]["id"]
        .clone();
    let token = app.service("events:write");
    let click = |ip: &str, url: Option<&str>| json!({ "input": { "code": "DEE", "ip": ip, "landingUrl": url } });
    for _ in 0..3 {
        app.ok(&token, CLICK, click("203.0.113.9", None)).await;
    }
    for _ in 0..2 {
        let err = app
            .error(Some(&token), CLICK, click("203.0.113.9", None))
            .await;
        assert_eq!(code(&err), "CONFLICT");
    }
    let counted = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on ReferralCode { clicks } } }",
            json!({ "id": code_of }),
        )
        .await["node"]["clicks"]
        .clone();
    assert_eq!(counted, 3, "the clicks past the threshold count nowhere");
    let spam = flags(&app, Some("CLICK_SPAM")).await;
    assert_eq!(spam.len(), 1, "one flag, whatever the repeats");
    assert_eq!(
        spam[0]["details"],
        "More than 3 clicks from one address on Dee's links within 24 hours; the clicks past 3 were not counted."
    );
    // Another address is not this one's spam.
    app.ok(&token, CLICK, click("198.51.100.7", None)).await;

    // Paid ads, on a campaign that allows none.
    let campaign = app
        .ok(
            &app.admin(),
            "{ campaigns { nodes { id isDefault allowPaidAds } } }",
            json!({}),
        )
        .await["campaigns"]["nodes"][0]
        .clone();
    assert_eq!(campaign["allowPaidAds"], true);
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { allowPaidAds: false }) { allowPaidAds } }",
        json!({ "id": campaign["id"] }),
    )
    .await;
    app.ok(
        &token,
        CLICK,
        click("198.51.100.8", Some("https://shop.example/?gclid=Cj0K")),
    )
    .await;
    let paid = flags(&app, Some("PAID_AD_CLICK")).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["action"], "FLAG");
    assert_eq!(
        paid[0]["details"],
        "A click on Dee's link came from a paid ad (its landing URL carries `gclid`), and campaign Default campaign does not allow paid ads."
    );

    // The partner's own address: it signed in to the portal from it.
    let secret = crate::support::portal::portal_code(&app, &dee).await;
    app.post(
        None,
        "mutation($c: String!) { redeemPortalLink(code: $c) { token } }",
        json!({ "c": secret }),
    )
    .await;
    let own = app.ok(&token, CLICK, click("127.0.0.1", None)).await["recordClick"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    attribute(
        &app,
        json!({ "customerExternalId": "cus-own", "clickId": own }),
    )
    .await;
    let selfish = flags(&app, Some("SELF_REFERRAL_IP")).await;
    assert_eq!(
        selfish
            .iter()
            .map(|f| (
                f["action"].as_str().unwrap(),
                f["customer"]["externalId"].as_str()
            ))
            .collect::<Vec<_>>(),
        vec![("HOLD", None), ("HOLD", Some("cus-own"))]
    );
    let held = sale(&app, &dee, "cus-own", "own-1").await;
    assert_eq!(commission(&app, &held).await["onHold"], true);
    // Sign-in addresses are forgotten after 30 days.
    let month = chrono::Utc::now() + chrono::Duration::days(31);
    assert_eq!(
        revshare::fraud::prune_sign_ins(&app.db, month)
            .await
            .unwrap(),
        1
    );
}

async fn a_high_refund_rate_is_flagged_with_its_counts(app: TestApp) {
    let eve = partner_at(&app, "Eve", 10).await;
    for i in 0..10 {
        sale(&app, &eve, &format!("cus-e{i}"), &format!("e-{i}")).await;
    }
    let refund = "mutation($e: String!) { recordRefund(input: { eventExternalId: $e, reason: REFUND }) { reversed { id } } }";
    for i in 0..3 {
        assert_eq!(flags(&app, Some("HIGH_REFUND_RATE")).await.len(), 0);
        app.ok(
            &app.service("events:write"),
            refund,
            json!({ "e": format!("e-{i}") }),
        )
        .await;
    }
    let rate = flags(&app, Some("HIGH_REFUND_RATE")).await;
    assert_eq!(rate.len(), 1);
    assert_eq!(
        rate[0]["details"],
        "3 of 10 sales of Eve in the last 30 days were refunded or charged back (the threshold is 0.3)."
    );
    assert_eq!(rate[0]["action"], "FLAG");
    app.ok(&app.service("events:write"), refund, json!({ "e": "e-3" }))
        .await;
    assert_eq!(flags(&app, Some("HIGH_REFUND_RATE")).await.len(), 1);
}

async fn partners_never_see_flags_holds_or_their_events(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { supportEmail: \"team@acme.test\" }) { supportEmail } }",
        json!({}),
    )
    .await;
    let fay = partner_at(&app, "Fay", 10).await;
    attribute(
        &app,
        json!({ "customerExternalId": "cus-f", "partnerId": fay, "email": "f@mailinator.com" }),
    )
    .await;
    // The staff are e-mailed the flag, with its evidence.
    let mail = app
        .ok(
            &app.admin(),
            "{ emails { nodes { kind to subject text } } }",
            json!({}),
        )
        .await["emails"]["nodes"][0]
        .clone();
    assert_eq!(
        (&mail["kind"], &mail["to"], &mail["subject"]),
        (
            &json!("STAFF_FRAUD_FLAG"),
            &json!("team@acme.test"),
            &json!("Fraud flag on Fay: DISPOSABLE_EMAIL")
        )
    );
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("Evidence: Customer cus-f signed up with an address at mailinator.com, a disposable e-mail domain.\n"),
        "{text}"
    );
    let held_sale = sale(&app, &fay, "cus-f", "f-1").await;
    let own = app.partner_token(&fay);
    let err = app.error(Some(&own), FLAGS, json!({ "s": null })).await;
    assert_eq!(code(&err), "FORBIDDEN");
    let err = app
        .error(
            Some(&own),
            "query($id: ID!) { node(id: $id) { ... on Commission { onHold } } }",
            json!({ "id": held_sale }),
        )
        .await;
    assert_eq!(code(&err), "FORBIDDEN");
    // Its breakdown says nothing of holds.
    let seen = app
        .ok(
            &own,
            "query($id: ID!) { node(id: $id) { ... on Commission { status breakdown { vocabulary } } } }",
            json!({ "id": held_sale }),
        )
        .await["node"]
        .clone();
    assert_eq!(seen["status"], "ACCRUED");
    assert!(
        seen["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["vocabulary"] != "FRAUD_HOLD")
    );
    let events = "{ domainEvents(first: 100) { nodes { type } } }";
    let kinds = |data: Value| -> Vec<String> {
        data["domainEvents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!kinds(app.ok(&own, events, json!({})).await).contains(&"FRAUD_FLAGGED".to_owned()));
    let staff = kinds(app.ok(&app.admin(), events, json!({})).await);
    assert_eq!(staff.iter().filter(|k| *k == "FRAUD_FLAGGED").count(), 1);
    let flag = &flags(&app, None).await[0];
    resolve(&app, flag["id"].as_str().unwrap(), "DISMISS", json!({})).await;
    let staff = kinds(app.ok(&app.admin(), events, json!({})).await);
    assert_eq!(
        staff.iter().filter(|k| *k == "FRAUD_FLAG_RESOLVED").count(),
        1
    );
}

/// A payout run and a hold on the same approved commission, at once,
/// round after round: the row ends in the payout (the hold came second and
/// names it unheld) or held (the run came second and left it), never
/// both.
async fn a_payout_run_and_a_hold_at_once_never_both_take_a_row(app: TestApp) {
    let mut rounds = Vec::new();
    for i in 0..6 {
        let partner = partner_at(&app, &format!("Gil {i}"), 10).await;
        set_method(
            &app,
            json!({ "partnerId": partner, "type": "PAYPAL", "paypalEmail": format!("gil{i}@example.com") }),
        )
        .await;
        let customer = format!("cus-g{i}");
        attribute(
            &app,
            json!({ "customerExternalId": customer, "partnerId": partner, "email": format!("buyer{i}@example.com") }),
        )
        .await;
        let sold = sale(&app, &partner, &customer, &format!("g-{i}")).await;
        rounds.push((partner, sold, i));
    }
    let today = chrono::Utc::now().date_naive().to_string();
    for (partner, sold, i) in &rounds {
        // Approved now, so that this round's run is the first to see it.
        crate::support::payouts::approve(&app, &[sold]).await;
        let run = crate::support::payouts::run(&app, json!({ "periodEnd": today }));
        let hold = set_method(
            &app,
            json!({ "partnerId": partner, "type": "PAYPAL", "paypalEmail": format!("buyer{i}@example.com") }),
        );
        tokio::join!(run, hold);
        let row = commission(&app, sold).await;
        let paid = !row["payoutId"].is_null();
        let held = row["onHold"] == true;
        assert!(paid != held, "round {i}: {row}");
    }
    assert_eq!(flags(&app, Some("SELF_REFERRAL_EMAIL")).await.len(), 6);
}

const TRUST: &str =
    "mutation($input: SetPartnerTrustedInput!) { setPartnerTrusted(input: $input) { id trusted } }";

async fn trust(app: &TestApp, partner: &str, trusted: bool, note: &str) -> Value {
    app.ok(
        &app.admin(),
        TRUST,
        json!({ "input": { "partnerId": partner, "trusted": trusted, "note": note } }),
    )
    .await["setPartnerTrusted"]
        .clone()
}

async fn a_trusted_partners_flags_hold_nothing_and_untrusting_holds_again(app: TestApp) {
    with_holdback(&app).await;
    let ann = partner_at(&app, "Ann", 10).await;
    set_method(
        &app,
        json!({ "partnerId": ann, "type": "PAYPAL", "paypalEmail": "ann.pay@example.com" }),
    )
    .await;
    let trusted = trust(&app, &ann, true, "Agency verified by hand").await;
    assert_eq!(trusted, json!({ "id": ann, "trusted": true }));

    // Her own PayPal address as a customer's: flagged as the policy says
    // (HOLD), recorded as not acted on, and her sale is not held.
    attribute(
        &app,
        json!({ "customerExternalId": "cus-2", "partnerId": ann, "email": "Ann.Pay+shop@example.com" }),
    )
    .await;
    let flagged = app
        .ok(
            &app.admin(),
            "{ fraudFlags { nodes { signal action actedOn status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        flagged["fraudFlags"]["nodes"],
        json!([{ "signal": "SELF_REFERRAL_EMAIL", "action": "HOLD", "actedOn": false, "status": "OPEN" }])
    );
    let free = sale(&app, &ann, "cus-2", "s-2").await;
    let seen = commission(&app, &free).await;
    assert_eq!(seen["onHold"], false);
    assert_eq!(seen["holds"], json!([]));

    // Untrusted: the next flag holds; the first still holds nothing.
    let untrusted = trust(&app, &ann, false, "Contract ended").await;
    assert_eq!(untrusted["trusted"], false);
    attribute(
        &app,
        json!({ "customerExternalId": "cus-3", "partnerId": ann, "email": "ann.pay+two@example.com" }),
    )
    .await;
    let held = sale(&app, &ann, "cus-3", "s-3").await;
    assert_eq!(commission(&app, &held).await["onHold"], true);
    assert_eq!(commission(&app, &free).await["onHold"], false);
    let acted: Vec<Value> = app
        .ok(
            &app.admin(),
            "{ fraudFlags { nodes { actedOn customer { externalId } } } }",
            json!({}),
        )
        .await["fraudFlags"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        acted,
        vec![
            json!({ "actedOn": false, "customer": { "externalId": "cus-2" } }),
            json!({ "actedOn": true, "customer": { "externalId": "cus-3" } })
        ]
    );

    // Each change is in the activity log with its note as the reason.
    let log = app
        .ok(
            &app.admin(),
            "query($id: ID!) { activity(filter: { objectId: $id, action: \"setPartnerTrusted\" }) { nodes { reason changes { field before after } } } }",
            json!({ "id": ann }),
        )
        .await;
    let mut entries = log["activity"]["nodes"].as_array().unwrap().clone();
    entries.sort_by_key(|e| e["reason"].as_str().unwrap().to_owned());
    assert_eq!(
        entries,
        vec![
            json!({ "reason": "Agency verified by hand", "changes": [{ "field": "trusted", "before": "false", "after": "true" }] }),
            json!({ "reason": "Contract ended", "changes": [{ "field": "trusted", "before": "true", "after": "false" }] })
        ]
    );

    // A partner never reads it; only staff who write commissions set it.
    let own = app
        .ok(
            &app.partner_token(&ann),
            "{ viewer { partner { trusted } } }",
            json!({}),
        )
        .await;
    assert_eq!(own["viewer"]["partner"]["trusted"], Value::Null);
    let input = json!({ "partnerId": ann, "trusted": true, "note": "Me" });
    for token in [app.partner_token(&ann), app.service("commissions:read")] {
        let (_, refused) = app
            .post(Some(&token), TRUST, json!({ "input": input }))
            .await;
        assert_eq!(code(&refused["errors"][0]), "FORBIDDEN", "{refused}");
    }
    for (input, expected) in [
        (
            json!({ "partnerId": ann, "trusted": true, "note": " " }),
            "input.note",
        ),
        (
            json!({ "partnerId": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "trusted": true, "note": "x" }),
            "input.partnerId",
        ),
    ] {
        let (_, refused) = app
            .post(Some(&app.admin()), TRUST, json!({ "input": input }))
            .await;
        assert_eq!(code(&refused["errors"][0]), "BAD_USER_INPUT", "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], expected);
    }
}

const DIGEST: &str = "mutation($d: FraudDigestInput!) { updateTenant(input: { fraudDigest: $d }) { fraudDigest { recipients hour } } }";
const DIGESTS: &str =
    "{ emails(kind: STAFF_FRAUD_DIGEST, first: 50) { nodes { to subject text } } }";

async fn digests(app: &TestApp) -> Vec<Value> {
    let mut found = app.ok(&app.admin(), DIGESTS, json!({})).await["emails"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    found.sort_by_key(|e| (e["subject"].to_string(), e["to"].to_string()));
    found
}

async fn the_fraud_digest_goes_once_a_day_from_its_hour_and_not_without_flags(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"Europe/Berlin\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let set = app
        .ok(
            &app.admin(),
            DIGEST,
            json!({ "d": { "recipients": ["risk@acme.example", "RISK@acme.example", "ops@acme.example"], "hour": 9 } }),
        )
        .await;
    assert_eq!(
        set["updateTenant"]["fraudDigest"],
        json!({ "recipients": ["risk@acme.example", "ops@acme.example"], "hour": 9 })
    );
    let many: Vec<String> = (0..21).map(|i| format!("r{i}@acme.example")).collect();
    for (digest, expected) in [
        (
            json!({ "recipients": ["risk@acme.example"], "hour": 24 }),
            "input.fraudDigest.hour",
        ),
        (
            json!({ "recipients": ["risk@acme.example", "nope"] }),
            "input.fraudDigest.recipients[1]",
        ),
        (
            json!({ "recipients": many }),
            "input.fraudDigest.recipients",
        ),
    ] {
        let (_, refused) = app
            .post(Some(&app.admin()), DIGEST, json!({ "d": digest }))
            .await;
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], expected,
            "{refused}"
        );
    }
    let (_, refused) = app
        .post(
            Some(&app.service("commissions:write")),
            DIGEST,
            json!({ "d": { "recipients": [] } }),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "FORBIDDEN");

    // Tomorrow, in Berlin (UTC+1): 08:30 is before its hour, 09:30 after.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let at = |h: u32, m: u32| tomorrow.and_hms_opt(h, m, 0).unwrap().and_utc();
    assert_eq!(
        revshare::fraud::digest::due(&app.db, at(8, 30))
            .await
            .unwrap(),
        0
    );
    assert!(digests(&app).await.is_empty(), "no flag, no digest");

    let ann = partner_at(&app, "Ann", 10).await;
    attribute(
        &app,
        json!({ "customerExternalId": "cus-1", "partnerId": ann, "email": "x@mailinator.com" }),
    )
    .await;
    assert_eq!(
        revshare::fraud::digest::due(&app.db, at(7, 30))
            .await
            .unwrap(),
        0
    );
    // Two replicas' passes at once: one digest, to each address.
    let (a, b) = tokio::join!(
        revshare::fraud::digest::due(&app.db, at(8, 30)),
        revshare::fraud::digest::due(&app.db, at(8, 31))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(
        revshare::fraud::digest::due(&app.db, at(20, 0))
            .await
            .unwrap(),
        0
    );
    let sent = digests(&app).await;
    let subject = format!("Fraud digest for {tomorrow}: 1 open flag");
    assert_eq!(
        sent.iter()
            .map(|e| (e["to"].as_str().unwrap(), e["subject"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        vec![
            ("ops@acme.example", subject.as_str()),
            ("risk@acme.example", subject.as_str())
        ]
    );
    let text = sent[0]["text"].as_str().unwrap();
    assert!(text.contains("1 fraud flag waits for review"), "{text}");
    assert!(
        text.contains("DISPOSABLE_EMAIL") && text.contains("Ann"),
        "{text}"
    );
    assert!(text.contains("/admin/#/fraud"), "{text}");

    // The next day, still open: another.
    let next = |h: u32| {
        (tomorrow + chrono::Days::new(1))
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    };
    assert_eq!(
        revshare::fraud::digest::due(&app.db, next(9))
            .await
            .unwrap(),
        1
    );
    assert_eq!(digests(&app).await.len(), 4);
}

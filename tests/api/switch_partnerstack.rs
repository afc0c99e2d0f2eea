//! The switch from PartnerStack (issue 87), against a local server built
//! from PartnerStack's vendor API v2 documents: `{"data": {"items",
//! "has_more"}}` pages over `starting_after` keys, times in milliseconds,
//! amounts in cents of each reward's own currency, scheduled rewards only
//! in their own list, and no terms, payout methods, coupons or tax forms
//! in the vendor API.
//!
//! A Los Angeles program in two groups: partners in Brazil and Japan, one
//! pending, one archived, one whose country is a name; USD and EUR
//! rewards in every state (a fraud hold, a scheduled one, a manual
//! bonus); payouts on New Year's Eve in Los Angeles and on 2 January:
//! imported, a pre-switch invoice refunded at Stripe, then its first
//! month-end and its years' tax totals.

mod account;

use crate::helpers::TestApp;
use crate::on_both_databases_with;
use crate::support::imports::import_from;
use crate::support::partners::partner_by_external;
use crate::support::switching;
use account::{account, all_scheduled, serve, with_clawbacks};
use serde_json::{Value, json};

on_both_databases_with!(options;
    a_partnerstack_program_arrives_whole_and_right,
    negative_rewards_claw_back_their_sales_and_tags_come_over,
    a_program_whose_rewards_are_all_scheduled_arrives_whole,
);

fn options() -> revshare::http::Options {
    crate::support::imports::options()
}

async fn a_partnerstack_program_arrives_whole_and_right(app: TestApp) {
    switching::in_los_angeles(&app).await;
    // The default group pays 20 %; the campaign holds commissions 30 days.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { rules: [{ recurring: { percentage: 20 } }] }) { id } }",
        json!({ "id": switching::default_of(&app, "partnerGroups").await }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { holdbackDays: 30 }) { holdbackDays } }",
        json!({ "id": switching::default_of(&app, "campaigns").await }),
    )
    .await;

    let (base, served) = serve(account()).await;
    let credentials = json!({ "publicKey": "pk_live", "secretKey": "sk_live", "baseUrl": base });
    let done = import_from(&app, "PARTNERSTACK", credentials).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "partners": 5, "codes": 6, "customers": 2, "commissions": 8, "skipped": 0,
            "unchanged": 0, "requests": done["counts"]["requests"] }),
        "{done}"
    );
    let expected = switching::expected(&[
        (
            "group",
            "grup_res",
            "PartnerStack's API does not publish a group's terms in a form revshare reads: \"Resellers\" is made with the default group's rules, to be set to its own before its partners' next sale",
        ),
        (
            "group",
            "grup_aff",
            "PartnerStack's API does not publish a group's terms in a form revshare reads: \"Affiliates\" is made with the default group's rules, to be set to its own before its partners' next sale",
        ),
        (
            "partnership",
            "part_uma",
            "its country \"United States\" is not an ISO 3166-1 code: none kept (set it on the partner)",
        ),
        (
            "customer",
            "cust_test",
            "a test customer at PartnerStack: not imported",
        ),
        (
            "customer",
            "cust_none",
            "has no Stripe customer: nothing it pays can be tied to its partner",
        ),
    ]);
    assert_eq!(switching::problems(&done), expected, "{done}");
    let asked = served.lock().unwrap().asked.clone();
    for path in [
        "groups",
        "links/partnership/part_ana",
        "rewards",
        "rewards?status=scheduled",
    ] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} was not read: {asked:?}"
        );
    }

    // Each group is there, paying the default group's rules for now.
    let groups = switching::imported_groups(
        &app,
        "rules { type ... on RecurringRule { percentage maxMonths } }",
    )
    .await;
    let rules = json!([{ "type": "RECURRING", "percentage": "20", "maxMonths": null }]);
    assert_eq!(
        groups,
        vec![
            json!({ "name": "Affiliates", "isDefault": false, "rules": rules }),
            json!({ "name": "Resellers", "isDefault": false, "rules": rules }),
        ]
    );

    // Each partnership: its state, group, join date, country, codes and
    // balance in the currency PartnerStack stated.
    const PARTNER: &str = "query($p: ID!) { partner(id: $p) { name status createdAt country group { name } \
        payoutMethod { type } referralCodes(first: 10) { code } balance { currency accrued approved paid } } }";
    let read = async |external: &str| {
        let id = partner_by_external(&app, external).await["id"].clone();
        app.ok(&app.admin(), PARTNER, json!({ "p": id })).await["partner"].clone()
    };
    let mut ana = read("partnerstack:part_ana").await;
    let mut codes: Vec<String> = ana["referralCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    assert_eq!(codes, ["ana", "ana-vip"]);
    ana.as_object_mut().unwrap().remove("referralCodes");
    assert_eq!(
        ana,
        json!({ "name": "Ana Lima", "status": "ACTIVE", "createdAt": "2025-03-01T10:00:00Z", "country": "BR",
            "group": { "name": "Resellers" }, "payoutMethod": null,
            "balance": [{ "currency": "USD", "accrued": "15.00", "approved": "15.00", "paid": "30.00" }] })
    );
    let kenji = read("partnerstack:part_ken").await;
    assert_eq!(
        kenji,
        json!({ "name": "健二 山田", "status": "ACTIVE", "createdAt": "2025-04-01T10:00:00Z", "country": "JP",
            "group": { "name": "Affiliates" }, "payoutMethod": null, "referralCodes": [{ "code": "kenji" }],
            "balance": [{ "currency": "EUR", "accrued": "7.00", "approved": "20.00", "paid": "50.00" }] })
    );
    for (external, status, country) in [
        ("partnerstack:part_sue", "SUSPENDED", Value::Null),
        ("partnerstack:part_uma", "ACTIVE", Value::Null),
        ("partnerstack:part_old", "ARCHIVED", json!("DE")),
    ] {
        let partner = read(external).await;
        assert_eq!(
            (&partner["status"], &partner["country"]),
            (&json!(status), &country),
            "{external}"
        );
    }
    // A pending reward matures by the campaign's holdback; the one held
    // at PartnerStack for review never matures by itself.
    const PENDING: &str = "query($p: ID!) { commissions(partnerId: $p, status: ACCRUED, orderBy: ACCRUED_AT) { nodes { amount accruedAt matureAt } } }";
    let pending = async |external: &str| {
        let id = partner_by_external(&app, external).await["id"].clone();
        app.ok(&app.admin(), PENDING, json!({ "p": id })).await["commissions"]["nodes"].clone()
    };
    assert_eq!(
        pending("partnerstack:part_ana").await,
        json!([{ "amount": "9.00", "accruedAt": "2026-11-10T10:00:00Z", "matureAt": "2026-12-10T10:00:00Z" },
               { "amount": "6.00", "accruedAt": "2026-11-20T10:00:00Z", "matureAt": "2026-12-20T10:00:00Z" }])
    );
    assert_eq!(
        pending("partnerstack:part_ken").await,
        json!([{ "amount": "7.00", "accruedAt": "2026-11-12T10:00:00Z", "matureAt": null }])
    );

    // Stripe refunds a sale made before the switch: the reward names its
    // invoice as its transaction, and the pending commission is reversed.
    crate::support::connectors::configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    let refund = crate::support::connectors::event(
        "evt_refund_ana_3",
        "charge.refunded",
        json!({ "id": "ch_ana_3", "object": "charge", "amount": 3_000, "amount_refunded": 3_000,
            "currency": "usd", "customer": "cus_ana_1", "invoice": "in_ana_3", "payment_intent": "pi_ana_3",
            "refunded": true }),
    );
    crate::support::connectors::handled(&app, &refund, "done").await;
    assert_eq!(
        read("partnerstack:part_ana").await["balance"],
        json!([{ "currency": "USD", "accrued": "6.00", "approved": "15.00", "paid": "30.00" }])
    );

    // PartnerStack publishes no payout method: the partners give theirs
    // in the portal — Ana a US bank account, Kenji PayPal.
    let set = "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type accountNumber } }";
    let ana_id = partner_by_external(&app, "partnerstack:part_ana").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = app
        .ok(
            &app.partner_token(&ana_id),
            set,
            json!({ "input": { "type": "ACH", "routingNumber": "021000021", "accountNumber": "0001-2345-6789",
                "accountHolder": "Ana Lima" } }),
        )
        .await;
    assert_eq!(
        own["setPayoutMethod"],
        json!({ "type": "ACH", "accountNumber": "000123456789" })
    );
    let kenji_id = partner_by_external(&app, "partnerstack:part_ken").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &app.partner_token(&kenji_id),
        set,
        json!({ "input": { "type": "PAYPAL", "paypalEmail": "kenji@paypal.example" } }),
    )
    .await;

    // The first month-end: what PartnerStack showed as approved.
    let today = crate::support::switching::today();
    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { \
               payouts { id amount currency partner { externalId } method { type accountNumber } } \
               skipped { partner { externalId } reason } } }",
            json!({ "end": today }),
        )
        .await;
    let mut payouts = switching::sorted_by(
        &run["createPayoutRun"]["payouts"],
        |p| &p["partner"]["externalId"],
    );
    let ana_payout = payouts[0]["id"].clone();
    for p in &mut payouts {
        p.as_object_mut().unwrap().remove("id");
    }
    assert_eq!(
        payouts,
        vec![
            json!({ "amount": "15.00", "currency": "USD", "partner": { "externalId": "partnerstack:part_ana" },
                "method": { "type": "ACH", "accountNumber": "****6789" } }),
            json!({ "amount": "20.00", "currency": "EUR", "partner": { "externalId": "partnerstack:part_ken" },
                "method": { "type": "PAYPAL", "accountNumber": null } }),
        ]
    );
    assert_eq!(run["createPayoutRun"]["skipped"], json!([]));

    // The years: PartnerStack paid its partners and files their forms, so
    // what it paid (on New Year's Eve in Los Angeles, on 2 January) is in
    // neither of the brand's years; the brand's own ACH payment to Ana is
    // 2026's, and Ana, in Brazil, is asked for a W-8.
    let year = |y: i32| switching::payees(&app, y, "paid excluded counted status");
    assert_eq!(year(2025).await, json!([]));
    assert_eq!(year(2026).await, json!([]));
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"ACH-2026-11\") { status } }",
        json!({ "id": ana_payout }),
    )
    .await;
    assert_eq!(
        year(2026).await,
        json!([{ "partners": [{ "name": "Ana Lima" }], "paid": "15.00", "excluded": "0.00", "counted": "15.00", "status": "MISSING_W8" }])
    );
}

/// A partner's balances and its clawbacks (each with the event it was
/// booked on and the sale's commission it takes back), by `externalId`.
async fn balance_and_clawbacks(app: &TestApp, external: &str) -> (Value, Vec<Value>) {
    let id = partner_by_external(app, external).await["id"].clone();
    let read = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { tags balance { currency accrued approved paid } } \
               commissions(partnerId: $p, orderBy: ACCRUED_AT) { nodes { kind amount status accruedAt paidAt \
                 event { externalId } original { event { externalId } } } } }",
            json!({ "p": id }),
        )
        .await;
    let clawbacks = read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "CLAWBACK")
        .cloned()
        .map(|mut c| {
            c.as_object_mut().unwrap().remove("kind");
            c
        })
        .collect();
    (read["partner"].clone(), clawbacks)
}

/// Negative rewards are clawbacks PartnerStack booked on refunds, listed
/// before the sales they take back: each comes over as a clawback of its
/// sale's commission, dated when PartnerStack booked it, so what each
/// partner is owed is what PartnerStack owed it — and the first
/// month-end pays that, not the rewards without their clawbacks. (Before,
/// each was a problem row: the run paid Ana 15.00 and Kenji 20.00.)
async fn negative_rewards_claw_back_their_sales_and_tags_come_over(app: TestApp) {
    switching::in_los_angeles(&app).await;
    let (base, _) = serve(with_clawbacks()).await;
    let credentials = json!({ "publicKey": "pk_live", "secretKey": "sk_live", "baseUrl": base });
    let done = import_from(&app, "PARTNERSTACK", credentials).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "partners": 5, "codes": 6, "customers": 2, "commissions": 12, "skipped": 0,
            "unchanged": 0, "requests": done["counts"]["requests"] }),
        "{done}"
    );
    let declined = switching::problems(&done)
        .into_iter()
        .filter(|(entity, _, _)| entity == "clawback" || entity == "reward")
        .collect::<Vec<_>>();
    assert_eq!(
        declined,
        [(
            "clawback".to_owned(),
            "rwrd_13".to_owned(),
            "PartnerStack declined it: nothing is clawed back".to_owned()
        )],
        "{done}"
    );

    // Ana: 15.00 due, less 10.00 taken back of it (the refund names no
    // sale: her customer's latest due commission) and 3.00 of her first
    // invoice's, paid already (the sale the refund names).
    let (ana, clawbacks) = balance_and_clawbacks(&app, "partnerstack:part_ana").await;
    assert_eq!(
        ana,
        json!({ "tags": ["reseller", "emea"],
            "balance": [{ "currency": "USD", "accrued": "15.00", "approved": "2.00", "paid": "30.00" }] })
    );
    assert_eq!(
        clawbacks,
        vec![
            json!({ "amount": "-3.00", "status": "APPROVED", "accruedAt": "2026-11-24T10:00:00Z", "paidAt": null,
                "event": { "externalId": "partnerstack:clawback:rwrd_10" },
                "original": { "event": { "externalId": "partnerstack:commission:rwrd_1" } } }),
            json!({ "amount": "-10.00", "status": "APPROVED", "accruedAt": "2026-11-25T10:00:00Z", "paidAt": null,
                "event": { "externalId": "partnerstack:clawback:rwrd_9" },
                "original": { "event": { "externalId": "partnerstack:commission:rwrd_2" } } }),
        ]
    );
    // Kenji: 20.00 due less 15.00 (no customer: his latest due
    // commission); 50.00 paid less the 5.00 PartnerStack took off that
    // payout already.
    let (kenji, clawbacks) = balance_and_clawbacks(&app, "partnerstack:part_ken").await;
    assert_eq!(
        kenji,
        json!({ "tags": ["vip"],
            "balance": [{ "currency": "EUR", "accrued": "7.00", "approved": "5.00", "paid": "45.00" }] })
    );
    assert_eq!(
        clawbacks,
        vec![
            json!({ "amount": "-5.00", "status": "PAID", "accruedAt": "2025-12-22T10:00:00Z",
                "paidAt": "2026-01-02T18:00:00Z", "event": { "externalId": "partnerstack:clawback:rwrd_12" },
                "original": { "event": { "externalId": "partnerstack:commission:rwrd_7" } } }),
            json!({ "amount": "-15.00", "status": "APPROVED", "accruedAt": "2026-11-26T10:00:00Z", "paidAt": null,
                "event": { "externalId": "partnerstack:clawback:rwrd_11" },
                "original": { "event": { "externalId": "partnerstack:commission:rwrd_4" } } }),
        ]
    );

    // A second import books nothing again.
    let (base, _) = serve(with_clawbacks()).await;
    let credentials = json!({ "publicKey": "pk_live", "secretKey": "sk_live", "baseUrl": base });
    let again = import_from(&app, "PARTNERSTACK", credentials).await;
    assert_eq!(again["status"], "DONE", "{again}");
    assert_eq!(again["counts"]["commissions"], 0, "{again}");
    assert_eq!(
        balance_and_clawbacks(&app, "partnerstack:part_ana").await.0["balance"],
        json!([{ "currency": "USD", "accrued": "15.00", "approved": "2.00", "paid": "30.00" }])
    );

    // The first month-end pays what PartnerStack owed.
    let set = "mutation($input: SetPayoutMethodInput!) { setPayoutMethod(input: $input) { type } }";
    for (external, method) in [
        (
            "partnerstack:part_ana",
            json!({ "type": "ACH", "routingNumber": "021000021", "accountNumber": "0001-2345-6789", "accountHolder": "Ana Lima" }),
        ),
        (
            "partnerstack:part_ken",
            json!({ "type": "PAYPAL", "paypalEmail": "kenji@paypal.example" }),
        ),
    ] {
        let id = partner_by_external(&app, external).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.ok(&app.partner_token(&id), set, json!({ "input": method }))
            .await;
    }
    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { \
               payouts { amount currency partner { externalId } } } }",
            json!({ "end": switching::today() }),
        )
        .await;
    assert_eq!(
        switching::sorted_by(
            &run["createPayoutRun"]["payouts"],
            |p| &p["partner"]["externalId"]
        ),
        vec![
            json!({ "amount": "2.00", "currency": "USD", "partner": { "externalId": "partnerstack:part_ana" } }),
            json!({ "amount": "5.00", "currency": "EUR", "partner": { "externalId": "partnerstack:part_ken" } }),
        ]
    );
}

/// A program whose rewards are all scheduled answers an empty default
/// list of rewards: its scheduled list is read at once, over its pages.
/// (Before, the move to it was an empty page naming a next one, which the
/// paging guard took for an endless loop: the import failed.)
async fn a_program_whose_rewards_are_all_scheduled_arrives_whole(app: TestApp) {
    let (base, served) = serve(all_scheduled()).await;
    let credentials = json!({ "publicKey": "pk_live", "secretKey": "sk_live", "baseUrl": base });
    let done = import_from(&app, "PARTNERSTACK", credentials).await;
    assert_eq!(
        (&done["status"], &done["error"]),
        (&json!("DONE"), &Value::Null),
        "{done}"
    );
    assert_eq!(done["counts"]["commissions"], 3, "{done}");
    let asked = served.lock().unwrap().asked.clone();
    for path in ["rewards", "rewards?status=scheduled"] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} was not read: {asked:?}"
        );
    }
    for (external, balance) in [
        (
            "partnerstack:part_ana",
            json!([{ "currency": "USD", "accrued": "10.50", "approved": "0.00", "paid": "0.00" }]),
        ),
        (
            "partnerstack:part_ken",
            json!([{ "currency": "EUR", "accrued": "8.00", "approved": "0.00", "paid": "0.00" }]),
        ),
    ] {
        let (partner, _) = balance_and_clawbacks(&app, external).await;
        assert_eq!(partner["balance"], balance, "{external}");
    }
}

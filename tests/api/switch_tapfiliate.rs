//! The switch from Tapfiliate (issue 87), against a local server built
//! from Tapfiliate's REST API v1.6 documents: bare arrays paged by the
//! `Link` header, the program's affiliates with their approval, referral
//! link object and coupon, payout methods per affiliate, commissions
//! nested in conversions, amounts as decimal numbers or text in major
//! units, a payout named by a payment's id alone.
//!
//! A Los Angeles program counted in EUR paying 25 %: affiliates in France
//! and the US paid by PayPal and ACH, one pending review, one disapproved
//! and paid by Venmo, one with no address; commissions in every state,
//! one in USD; payments on New Year's Eve in Los Angeles and on 2
//! January: imported, a pre-switch invoice refunded at Stripe, then its
//! first month-end and its years' tax totals.

mod account;

use crate::helpers::TestApp;
use crate::on_both_databases_with;
use crate::support::imports::import_from;
use crate::support::partners::partner_by_external;
use crate::support::switching;
use account::{account, serve};
use serde_json::{Value, json};

on_both_databases_with!(options;
    a_tapfiliate_program_arrives_whole_and_right,
);

fn options() -> revshare::http::Options {
    crate::support::imports::options()
}

async fn a_tapfiliate_program_arrives_whole_and_right(app: TestApp) {
    switching::in_los_angeles(&app).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { holdbackDays: 30 }) { holdbackDays } }",
        json!({ "id": switching::default_of(&app, "campaigns").await }),
    )
    .await;

    let (base, served) = serve(account()).await;
    let credentials = json!({ "apiKey": "tap_live_key", "accountId": "acme", "baseUrl": base });
    let done = import_from(&app, "TAPFILIATE", credentials).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "partners": 5, "codes": 6, "customers": 3, "commissions": 7, "skipped": 0,
            "unchanged": 0, "requests": done["counts"]["requests"] }),
        "{done}"
    );
    let expected = switching::expected(&[(
        "partner",
        "dan",
        "it is paid by Venmo payouts at Tapfiliate, which revshare has no payout method for: imported without one (finance sets one from the console)",
    )]);
    assert_eq!(switching::problems(&done), expected, "{done}");
    let asked = served.lock().unwrap().asked.clone();
    for path in [
        "programs/acme/affiliates/",
        "affiliates/joe/payout-methods/",
        "payments/pay_1/",
    ] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} was not read: {asked:?}"
        );
    }

    // The program and its affiliate group, each paying its 25 %.
    let groups =
        switching::imported_groups(&app, "rules { type ... on RecurringRule { percentage } }")
            .await;
    let rules = json!([{ "type": "RECURRING", "percentage": "25" }]);
    assert_eq!(
        groups,
        vec![
            json!({ "name": "Acme Partners", "isDefault": false, "rules": rules }),
            json!({ "name": "Gold", "isDefault": false, "rules": rules }),
        ]
    );

    const PARTNER: &str = "query($p: ID!) { partner(id: $p) { name status createdAt country group { name } \
        payoutMethod { type paypalEmail routingNumber accountNumber } referralCodes(first: 10) { code couponCode } \
        balance { currency accrued approved paid } } }";
    let read = async |external: &str| {
        let id = partner_by_external(&app, external).await["id"].clone();
        app.ok(&app.admin(), PARTNER, json!({ "p": id })).await["partner"].clone()
    };
    let mut marie = read("tapfiliate:marie").await;
    let mut codes: Vec<Value> = marie["referralCodes"].as_array().unwrap().clone();
    codes.sort_by_key(|c| c["code"].as_str().unwrap().to_owned());
    marie.as_object_mut().unwrap().remove("referralCodes");
    assert_eq!(
        codes,
        vec![
            json!({ "code": "marie1", "couponCode": null }),
            json!({ "code": "marie10", "couponCode": "MARIE10" })
        ]
    );
    assert_eq!(
        marie,
        json!({ "name": "Marie Curie", "status": "ACTIVE", "createdAt": "2025-02-01T10:00:00Z", "country": "FR",
            "group": { "name": "Gold" },
            "payoutMethod": { "type": "PAYPAL", "paypalEmail": "marie@paypal.example", "routingNumber": null, "accountNumber": null },
            "balance": [{ "currency": "EUR", "accrued": "9.90", "approved": "12.25", "paid": "25.50" }] })
    );
    let joe = read("tapfiliate:joe").await;
    assert_eq!(
        (&joe["group"], &joe["payoutMethod"], &joe["balance"]),
        (
            &json!({ "name": "Acme Partners" }),
            &json!({ "type": "ACH", "paypalEmail": null, "routingNumber": "021000021", "accountNumber": "****6789" }),
            &json!([{ "currency": "USD", "accrued": "8.00", "approved": "30.00", "paid": "60.00" }])
        )
    );
    for (external, status, country) in [
        ("tapfiliate:pia", "SUSPENDED", json!("DE")),
        ("tapfiliate:dan", "SUSPENDED", json!("CA")),
        ("tapfiliate:kai", "ACTIVE", Value::Null),
    ] {
        let partner = read(external).await;
        assert_eq!(
            (&partner["status"], &partner["country"]),
            (&json!(status), &country),
            "{external}"
        );
    }
    // A pending commission matures by the campaign's holdback from its
    // conversion.
    let pending = app
        .ok(
            &app.admin(),
            "query($p: ID!) { commissions(partnerId: $p, status: ACCRUED) { nodes { amount accruedAt matureAt } } }",
            json!({ "p": partner_by_external(&app, "tapfiliate:marie").await["id"] }),
        )
        .await;
    assert_eq!(
        pending["commissions"]["nodes"],
        json!([{ "amount": "9.90", "accruedAt": "2026-11-10T10:00:00Z", "matureAt": "2026-12-10T10:00:00Z" }])
    );

    // A refund at Stripe of Joe's invoice from before the switch: the
    // conversion's external id is the invoice.
    crate::support::connectors::configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    let refund = crate::support::connectors::event(
        "evt_refund_joe_3",
        "charge.refunded",
        json!({ "id": "ch_joe_3", "object": "charge", "amount": 3_200, "amount_refunded": 3_200,
            "currency": "usd", "customer": "cus_joe_1", "invoice": "in_joe_3", "payment_intent": "pi_joe_3",
            "refunded": true }),
    );
    crate::support::connectors::handled(&app, &refund, "done").await;
    assert_eq!(
        read("tapfiliate:joe").await["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "30.00", "paid": "60.00" }])
    );

    // The first month-end: what Tapfiliate showed as approved and unpaid.
    let today = crate::support::switching::today();
    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { \
               payouts { amount currency partner { externalId } method { type } } skipped { partner { externalId } reason } } }",
            json!({ "end": today }),
        )
        .await;
    let payouts = switching::sorted_by(
        &run["createPayoutRun"]["payouts"],
        |p| &p["partner"]["externalId"],
    );
    assert_eq!(
        payouts,
        vec![
            json!({ "amount": "30.00", "currency": "USD", "partner": { "externalId": "tapfiliate:joe" }, "method": { "type": "ACH" } }),
            json!({ "amount": "12.25", "currency": "EUR", "partner": { "externalId": "tapfiliate:marie" }, "method": { "type": "PAYPAL" } }),
        ]
    );
    assert_eq!(run["createPayoutRun"]["skipped"], json!([]));

    // The years: Marie's EUR payment of New Year's Eve in Los Angeles is
    // 2025's (no 1099's currency; she is in France: a W-8); Joe's USD of
    // 2 January is 2026's and counts (he is in the US: a W-9).
    let year = |y: i32| {
        switching::payees(
            &app,
            y,
            "paid counted otherCurrencies { amount currency } status",
        )
    };
    assert_eq!(
        year(2025).await,
        json!([{ "partners": [{ "name": "Marie Curie" }], "paid": "0.00", "counted": "0.00",
            "otherCurrencies": [{ "amount": "25.50", "currency": "EUR" }], "status": "MISSING_W8" }])
    );
    assert_eq!(
        year(2026).await,
        json!([{ "partners": [{ "name": "Joe Doe" }], "paid": "60.00", "counted": "60.00",
            "otherCurrencies": [], "status": "MISSING_TIN" }])
    );
}

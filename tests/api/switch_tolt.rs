//! The switch from Tolt (issue 87), against a local server built from
//! Tolt's documents: API v1 for partners, links, promotion codes,
//! customers and commissions (amounts as strings of cents, customers
//! nested in `data.data`, `program_id` required), API v2 for the program
//! and its groups (their minimums; their terms, as flows, are not
//! published in a form revshare reads). Tolt's API has no payouts: a
//! paid commission is dated by its last change.
//!
//! A Los Angeles program counted in EUR, imported into a USD campaign:
//! partners in China, Germany and the US paid by PayPal, IBAN and a US
//! bank account, one pending, one rejected and paid in crypto;
//! commissions in every state, one stated in USD, a clawback, one zeroed
//! by a refund; paid on New Year's Eve in Los Angeles and on 2 January:
//! imported, a pre-switch charge refunded at Stripe, then its first
//! month-end and its years' tax totals.

mod account;

use crate::helpers::TestApp;
use crate::on_both_databases_with;
use crate::support::imports::import_from;
use crate::support::partners::partner_by_external;
use crate::support::switching;
use account::{account, serve};
use serde_json::{Value, json};

on_both_databases_with!(options;
    a_tolt_program_arrives_whole_and_right,
);

fn options() -> revshare::http::Options {
    crate::support::imports::options()
}

async fn a_tolt_program_arrives_whole_and_right(app: TestApp) {
    switching::in_los_angeles(&app).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { rules: [{ recurring: { percentage: 20 } }] }) { id } }",
        json!({ "id": switching::default_of(&app, "partnerGroups").await }),
    )
    .await;

    let (base, served) = serve(account()).await;
    let credentials = json!({ "apiKey": "tlt_live_key", "accountId": "prg_acme", "baseUrl": base });
    let done = import_from(&app, "TOLT", credentials).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "partners": 5, "codes": 6, "customers": 3, "commissions": 8, "skipped": 0,
            "unchanged": 0, "requests": done["counts"]["requests"] }),
        "{done}"
    );
    let expected = switching::expected(&[
        (
            "group",
            "grp_std",
            "Tolt's API does not publish a group's terms in a form revshare reads: \"Standard\" is made with the default group's rules, to be set to its own before its partners' next sale",
        ),
        (
            "group",
            "grp_vip",
            "Tolt's API does not publish a group's terms in a form revshare reads: \"VIP\" is made with the default group's rules, to be set to its own before its partners' next sale",
        ),
        (
            "partner",
            "part_rex",
            "it is paid by crypto payouts at Tolt, which revshare has no payout method for: imported without one (finance sets one from the console)",
        ),
        (
            "coupon",
            "prc_2",
            "\"ANNOLD\" is archived at the source: it attributes nothing there, nor here",
        ),
        (
            "customer",
            "cust_lead",
            "has no Stripe customer: nothing it pays can be tied to its partner",
        ),
        (
            "commission",
            "comm_9",
            "its amount is negative (-14.70 EUR): a negative commission is not imported (a clawback owed is recorded in revshare)",
        ),
    ]);
    assert_eq!(switching::problems(&done), expected, "{done}");
    let asked = served.lock().unwrap().asked.clone();
    for path in [
        "v2/programs/prg_acme",
        "v2/groups",
        "v1/promotion-codes",
        "v1/commissions",
    ] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} was not read: {asked:?}"
        );
    }

    // Each group with its minimum in the program's currency (the
    // program's where the group has none); old links land on its site.
    let groups = switching::imported_groups(&app, "minimumPayout { amount currency }").await;
    let read = app
        .ok(
            &app.admin(),
            "{ campaigns(first: 5) { nodes { isDefault landingUrl } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        groups,
        vec![
            json!({ "name": "Standard", "isDefault": false, "minimumPayout": [{ "amount": "50.00", "currency": "EUR" }] }),
            json!({ "name": "VIP", "isDefault": false, "minimumPayout": [{ "amount": "20.00", "currency": "EUR" }] }),
        ]
    );
    assert!(
        read["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "isDefault": true, "landingUrl": "https://acme.example/" })),
        "{read}"
    );

    const PARTNER: &str = "query($p: ID!) { partner(id: $p) { name status createdAt country group { name } \
        payoutMethod { type paypalEmail iban routingNumber accountNumber } referralCodes(first: 10) { code couponCode } \
        balance { currency accrued approved paid } } }";
    let read = async |external: &str| {
        let id = partner_by_external(&app, external).await["id"].clone();
        app.ok(&app.admin(), PARTNER, json!({ "p": id })).await["partner"].clone()
    };
    let mut li = read("tolt:part_li").await;
    let mut codes: Vec<Value> = li["referralCodes"].as_array().unwrap().clone();
    codes.sort_by_key(|c| c["code"].as_str().unwrap().to_owned());
    li.as_object_mut().unwrap().remove("referralCodes");
    assert_eq!(
        codes,
        vec![
            json!({ "code": "li-vip", "couponCode": null }),
            json!({ "code": "li10", "couponCode": "LI10" }),
            json!({ "code": "liwei", "couponCode": null }),
        ]
    );
    assert_eq!(
        li,
        json!({ "name": "伟 李", "status": "ACTIVE", "createdAt": "2025-02-01T10:00:00Z", "country": "CN",
            "group": { "name": "VIP" },
            "payoutMethod": { "type": "PAYPAL", "paypalEmail": "li@paypal.example", "iban": null, "routingNumber": null, "accountNumber": null },
            "balance": [{ "currency": "EUR", "accrued": "9.00", "approved": "25.00", "paid": "30.00" }] })
    );
    let ann = read("tolt:part_ann").await;
    assert_eq!(
        (
            &ann["group"],
            &ann["payoutMethod"]["type"],
            &ann["payoutMethod"]["iban"],
            &ann["balance"]
        ),
        (
            &json!({ "name": "Standard" }),
            &json!("BANK_TRANSFER"),
            &json!("****3000"),
            &json!([{ "currency": "EUR", "accrued": "0.00", "approved": "40.00", "paid": "0.00" }])
        )
    );
    let sam = read("tolt:part_sam").await;
    assert_eq!(
        (&sam["payoutMethod"], &sam["balance"]),
        (
            &json!({ "type": "ACH", "paypalEmail": null, "iban": null, "routingNumber": "021000021", "accountNumber": "****6789" }),
            &json!([{ "currency": "EUR", "accrued": "0.00", "approved": "25.00", "paid": "0.00" },
                    { "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "60.00" }])
        )
    );
    // The partner list reads each country by its column alone.
    let listed = app
        .ok(
            &app.admin(),
            "{ partners(first: 10) { nodes { externalId country } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        switching::sorted_by(&listed["partners"]["nodes"], |p| &p["externalId"]),
        vec![
            json!({ "externalId": "tolt:part_ann", "country": "DE" }),
            json!({ "externalId": "tolt:part_li", "country": "CN" }),
            json!({ "externalId": "tolt:part_pen", "country": null }),
            json!({ "externalId": "tolt:part_rex", "country": "FR" }),
            json!({ "externalId": "tolt:part_sam", "country": "US" }),
        ]
    );
    for (external, status) in [
        ("tolt:part_pen", "SUSPENDED"),
        ("tolt:part_rex", "SUSPENDED"),
    ] {
        assert_eq!(read(external).await["status"], status, "{external}");
    }
    // The pending commission matures on the day Tolt would approve it.
    let pending = app
        .ok(
            &app.admin(),
            "query($p: ID!) { commissions(partnerId: $p, status: ACCRUED) { nodes { amount currency matureAt } } }",
            json!({ "p": partner_by_external(&app, "tolt:part_li").await["id"] }),
        )
        .await;
    assert_eq!(
        pending["commissions"]["nodes"],
        json!([{ "amount": "9.00", "currency": "EUR", "matureAt": "2026-12-10T10:00:00Z" }])
    );

    // Stripe refunds a charge from before the switch: Tolt kept its id.
    crate::support::connectors::configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    let refund = crate::support::connectors::event(
        "evt_refund_li_3",
        "charge.refunded",
        json!({ "id": "ch_li_3", "object": "charge", "amount": 3_000, "amount_refunded": 3_000,
            "currency": "eur", "customer": "cus_li_1", "payment_intent": "pi_li_3", "refunded": true }),
    );
    crate::support::connectors::handled(&app, &refund, "done").await;
    assert_eq!(
        read("tolt:part_li").await["balance"],
        json!([{ "currency": "EUR", "accrued": "0.00", "approved": "25.00", "paid": "30.00" }])
    );

    // The first month-end: each minimum holds in the program's currency.
    let today = crate::support::switching::today();
    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { \
               payouts { amount currency partner { externalId } method { type } } \
               skipped { partner { externalId } reason balance { amount currency } } } }",
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
            json!({ "amount": "25.00", "currency": "EUR", "partner": { "externalId": "tolt:part_li" }, "method": { "type": "PAYPAL" } }),
            json!({ "amount": "25.00", "currency": "EUR", "partner": { "externalId": "tolt:part_sam" }, "method": { "type": "ACH" } }),
        ]
    );
    assert_eq!(
        run["createPayoutRun"]["skipped"],
        json!([{ "partner": { "externalId": "tolt:part_ann" }, "reason": "BELOW_MINIMUM", "balance": { "amount": "40.00", "currency": "EUR" } }])
    );

    // The years: Li's EUR paid on New Year's Eve in Los Angeles is 2025's
    // and in no 1099's currency, and Li, in China, is asked for a W-8;
    // Sam's USD of 2 January is 2026's and counts.
    let year = |y: i32| {
        switching::payees(
            &app,
            y,
            "paid counted otherCurrencies { amount currency } status",
        )
    };
    assert_eq!(
        year(2025).await,
        json!([{ "partners": [{ "name": "伟 李" }], "paid": "0.00", "counted": "0.00",
            "otherCurrencies": [{ "amount": "30.00", "currency": "EUR" }], "status": "MISSING_W8" }])
    );
    assert_eq!(
        year(2026).await,
        json!([{ "partners": [{ "name": "Sam Sixty" }], "paid": "60.00", "counted": "60.00",
            "otherCurrencies": [], "status": "MISSING_TIN" }])
    );

    // Li's customer buys again after the switch, in dollars: accepted, at
    // the VIP group's rules (the default group's, until staff set them).
    let sale = app
        .ok(
            &app.service("events:write"),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount currency } } }",
            json!({ "input": { "externalId": "after-switch-li", "kind": "SALE", "amount": "100.00", "currency": "USD",
                "customerExternalId": "cus_li_1" } }),
        )
        .await;
    assert_eq!(
        sale["recordEvent"]["commissions"],
        json!([{ "amount": "20.00", "currency": "USD" }])
    );
}

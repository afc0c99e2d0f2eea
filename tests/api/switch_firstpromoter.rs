//! The switch from FirstPromoter (issue 87), against a local server built
//! from FirstPromoter's published v2 documents: bare arrays (`/promoters`
//! alone under `data`, with `meta.pending_count`), `page`/`per_page`,
//! states per campaign, rewards apart from campaigns, payout methods and
//! promo codes behind their required filters, payouts apart from their
//! commissions, every amount in cents of the account's currency.
//!
//! A Los Angeles program in three campaigns (a percentage for 12 months,
//! a flat amount a sale, a customer's first payment only), seven promoters
//! in every state, non-Latin names, sales the customers paid in EUR, a
//! payout paid on New Year's Eve in Los Angeles (New Year's Day in UTC):
//! imported, then its first month-end and its years' tax totals.

mod account;

use crate::helpers::TestApp;
use crate::on_both_databases_with;
use crate::support::imports::import_from;
use crate::support::partners::partner_by_external;
use crate::support::switching;
use account::{account, serve, with_refund, with_three_campaigns};
use serde_json::{Value, json};

on_both_databases_with!(options;
    a_firstpromoter_program_arrives_whole_and_right,
    a_payout_list_that_ignores_its_filter_dates_only_its_own,
    each_code_earns_by_the_campaign_it_came_from,
    a_refund_firstpromoter_booked_claws_back_its_sale,
);

fn options() -> revshare::http::Options {
    crate::support::imports::options()
}

/// Imports the account at `base` and waits for the end.
async fn imported(app: &TestApp, base: &str) -> Value {
    let credentials = json!({ "apiKey": "fp_key", "accountId": "acc_1", "baseUrl": base });
    import_from(app, "FIRSTPROMOTER", credentials).await
}

async fn a_firstpromoter_program_arrives_whole_and_right(app: TestApp) {
    switching::in_los_angeles(&app).await;
    // The campaign imported into holds commissions 30 days.
    let default = switching::default_of(&app, "campaigns").await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { holdbackDays: 30 }) { holdbackDays } }",
        json!({ "id": default }),
    )
    .await;
    let (base, served) = serve(account()).await;
    let done = imported(&app, &base).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "partners": 7, "codes": 9, "customers": 3, "commissions": 9, "skipped": 0,
            "unchanged": 4, "requests": done["counts"]["requests"] }),
        "{done}"
    );
    let expected = switching::expected(&[
        (
            "campaign",
            "3",
            "pays a customer's first payment only at the source: its group pays the customer's first month (the one payment of a monthly or yearly plan)",
        ),
        (
            "promoter",
            "12",
            "sent FirstPromoter a W-8, which its API gives as a document, not its data: ask the partner to submit its tax form in the portal",
        ),
        (
            "coupon",
            "502",
            "\"YARO5\" is archived at the source: it attributes nothing there, nor here",
        ),
    ]);
    assert_eq!(switching::problems(&done), expected, "{done}");
    // Nothing but reads, each behind the filters the documents require.
    let asked = served.lock().unwrap().asked.clone();
    for path in [
        "rewards",
        "campaigns",
        "payouts/stats",
        "payout_methods",
        "promo_codes",
        "payouts",
    ] {
        assert!(
            asked.iter().any(|p| p == path),
            "{path} was not read: {asked:?}"
        );
    }

    // Each campaign a group with its terms and the account's minimum.
    let groups = switching::imported_groups(
        &app,
        "minimumPayout { amount currency } \
         rules { type ... on RecurringRule { percentage maxMonths } ... on FlatFeeRule { amount } }",
    )
    .await;
    let minimum = json!([{ "amount": "25.00", "currency": "USD" }]);
    assert_eq!(
        groups,
        vec![
            json!({ "name": "Flat", "isDefault": false, "minimumPayout": minimum, "rules": [
                { "type": "RECURRING", "percentage": "0", "maxMonths": null }, { "type": "FLAT_FEE", "amount": "20.00" }] }),
            json!({ "name": "Launch", "isDefault": false, "minimumPayout": minimum, "rules": [
                { "type": "RECURRING", "percentage": "50", "maxMonths": 1 }] }),
            json!({ "name": "Pro", "isDefault": false, "minimumPayout": minimum, "rules": [
                { "type": "RECURRING", "percentage": "30", "maxMonths": 12 }] }),
        ]
    );
    // Old links land on the first campaign's page.
    let landing = app
        .ok(
            &app.admin(),
            "{ campaigns(first: 5) { nodes { isDefault landingUrl } } }",
            json!({}),
        )
        .await;
    assert!(
        landing["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "isDefault": true, "landingUrl": "https://acme.example/pro" })),
        "{landing}"
    );

    // Each promoter: its state, group, join date, method, codes; its
    // balance in dollars, as FirstPromoter stated it.
    const PARTNER: &str = "query($p: ID!) { partner(id: $p) { name status createdAt country group { name } \
        payoutMethod { type paypalEmail iban accountHolder } referralCodes(first: 10) { code couponCode } \
        balance { currency accrued approved paid } } }";
    let read = async |external: &str| {
        let id = partner_by_external(&app, external).await["id"].clone();
        app.ok(&app.admin(), PARTNER, json!({ "p": id })).await["partner"].clone()
    };
    let yaro = read("firstpromoter:11").await;
    assert_eq!(
        yaro,
        json!({ "name": "Ярослава Ковальчук", "status": "ACTIVE", "createdAt": "2025-03-01T10:00:00Z", "country": "US",
            "group": { "name": "Pro" },
            "payoutMethod": { "type": "PAYPAL", "paypalEmail": "yaro@paypal.example", "iban": null, "accountHolder": null },
            "referralCodes": [{ "code": "yaro", "couponCode": "YARO" }, { "code": "yaro20", "couponCode": "YARO20" }],
            "balance": [{ "currency": "USD", "accrued": "30.00", "approved": "30.00", "paid": "60.00" }] })
    );
    // Its pending commission matures by the campaign's holdback.
    let pending = app
        .ok(
            &app.admin(),
            "query($p: ID!) { commissions(partnerId: $p, status: ACCRUED) { nodes { accruedAt matureAt } } }",
            json!({ "p": partner_by_external(&app, "firstpromoter:11").await["id"] }),
        )
        .await;
    assert_eq!(
        pending["commissions"]["nodes"],
        json!([{ "accruedAt": "2026-02-10T10:00:00Z", "matureAt": "2026-03-12T10:00:00Z" }])
    );
    let lee = read("firstpromoter:12").await;
    assert_eq!(lee["name"], "李小龙");
    assert_eq!(lee["country"], "CN");
    assert_eq!(lee["group"]["name"], "Flat");
    assert_eq!(
        lee["payoutMethod"],
        json!({ "type": "BANK_TRANSFER", "paypalEmail": null, "iban": "****3000", "accountHolder": "Li Xiaolong" })
    );
    assert_eq!(
        lee["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "20.00", "paid": "20.00" }])
    );
    for (external, status) in [
        ("firstpromoter:13", "SUSPENDED"),
        ("firstpromoter:14", "SUSPENDED"),
        ("firstpromoter:15", "SUSPENDED"),
        ("firstpromoter:16", "ACTIVE"),
        ("firstpromoter:17", "ARCHIVED"),
    ] {
        assert_eq!(read(external).await["status"], status, "{external}");
    }
    assert_eq!(read("firstpromoter:16").await["group"]["name"], "Launch");
    // Dee's US bank account is its method, paid by ACH, its number masked.
    let dee = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { payoutMethod { type routingNumber accountNumber accountType accountHolder } } }",
            json!({ "p": partner_by_external(&app, "firstpromoter:16").await["id"] }),
        )
        .await;
    assert_eq!(
        dee["partner"]["payoutMethod"],
        json!({ "type": "ACH", "routingNumber": "011000015", "accountNumber": "****6789", "accountType": "CHECKING", "accountHolder": "Dee Two" })
    );
    {
        use sea_orm::EntityTrait;
        let learnt: Vec<(String, String)> = entity::connector_promotion_code::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.promotion_id, p.code))
            .collect();
        assert_eq!(learnt, [("promo_yaro20".to_owned(), "YARO20".to_owned())]);
    }

    // A refund at Stripe of a sale paid before the switch: the charge
    // names the invoice FirstPromoter kept as the commission's event, and
    // the pending commission is reversed.
    crate::support::connectors::configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    let refund = crate::support::connectors::event(
        "evt_refund_4",
        "charge.refunded",
        json!({ "id": "ch_4", "object": "charge", "amount": 10_000, "amount_refunded": 10_000,
            "currency": "usd", "customer": "cus_yaro_1", "invoice": "in_4", "payment_intent": "pi_4",
            "refunded": true }),
    );
    crate::support::connectors::handled(&app, &refund, "done").await;
    assert_eq!(
        read("firstpromoter:11").await["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "30.00", "paid": "60.00" }])
    );

    // The customers paid in EUR at FirstPromoter are billed in dollars
    // here: their next sale is accepted, in the program's terms.
    let sale = app
        .ok(
            &app.service("events:write"),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount currency } } }",
            json!({ "input": { "externalId": "after-switch-1", "kind": "SALE", "amount": "50.00", "currency": "USD",
                "customerExternalId": "cus_lee_1" } }),
        )
        .await;
    assert_eq!(
        sale["recordEvent"]["commissions"],
        json!([{ "amount": "20.00", "currency": "USD" }])
    );

    // The first month-end: the due money of each promoter, as
    // FirstPromoter would have paid it — the blocked one's waits.
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
    assert_eq!(
        run["createPayoutRun"]["payouts"],
        json!([
            { "amount": "30.00", "currency": "USD", "partner": { "externalId": "firstpromoter:11" }, "method": { "type": "PAYPAL" } },
            { "amount": "40.00", "currency": "USD", "partner": { "externalId": "firstpromoter:16" }, "method": { "type": "ACH" } },
        ])
    );
    let mut skipped: Vec<Value> = run["createPayoutRun"]["skipped"]
        .as_array()
        .unwrap()
        .clone();
    skipped.sort_by_key(|s| s["partner"]["externalId"].as_str().unwrap().to_owned());
    assert_eq!(
        skipped,
        vec![
            json!({ "partner": { "externalId": "firstpromoter:12" }, "reason": "BELOW_MINIMUM", "balance": { "amount": "20.00", "currency": "USD" } }),
            json!({ "partner": { "externalId": "firstpromoter:13" }, "reason": "PARTNER_SUSPENDED", "balance": { "amount": "15.00", "currency": "USD" } }),
        ]
    );

    // The years: what was paid on New Year's Eve in Los Angeles is 2025's,
    // by PayPal (excluded, as revshare's own PayPal payouts); the bank
    // transfer of 2 January is 2026's, and counts.
    // Yaro lives in the US and is asked for a W-9; Lee, in China, for a W-8.
    let year = |y: i32| switching::payees(&app, y, "paid excluded counted status");
    assert_eq!(
        year(2025).await,
        json!([{ "partners": [{ "name": "Ярослава Ковальчук" }], "paid": "60.00", "excluded": "60.00", "counted": "0.00", "status": "MISSING_TIN" }])
    );
    assert_eq!(
        year(2026).await,
        json!([{ "partners": [{ "name": "李小龙" }], "paid": "20.00", "excluded": "0.00", "counted": "20.00", "status": "MISSING_W8" }])
    );
}

/// A commission names no payout, so a payout's commissions are read by
/// `filters[payout_id]`; a server that answered every commission instead
/// still dates only the payout's promoter's paid ones by it.
async fn a_payout_list_that_ignores_its_filter_dates_only_its_own(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let mut loose = account();
    loose.filters_by_payout = false;
    let (base, _) = serve(loose).await;
    let done = imported(&app, &base).await;
    assert_eq!(done["status"], "DONE", "{done}");
    const BALANCE: &str =
        "query($p: ID!) { partner(id: $p) { balance { accrued approved paid } } }";
    for (external, balance) in [
        (
            "firstpromoter:11",
            json!([{ "accrued": "30.00", "approved": "30.00", "paid": "60.00" }]),
        ),
        (
            "firstpromoter:12",
            json!([{ "accrued": "0.00", "approved": "20.00", "paid": "20.00" }]),
        ),
        (
            "firstpromoter:16",
            json!([{ "accrued": "0.00", "approved": "40.00", "paid": "0.00" }]),
        ),
    ] {
        let id = partner_by_external(&app, external).await["id"].clone();
        let read = app.ok(&app.admin(), BALANCE, json!({ "p": id })).await;
        assert_eq!(read["partner"]["balance"], balance, "{external}");
    }
    let year = app
        .ok(
            &app.admin(),
            "{ taxYear(year: 2025) { payees(first: 10) { nodes { paid excluded counted } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        year["taxYear"]["payees"]["nodes"],
        json!([{ "paid": "60.00", "excluded": "60.00", "counted": "0.00" }])
    );
}

/// A promoter in several campaigns: each of its codes earns by the
/// campaign it came from — its own campaign's through its group, each
/// other one's through a campaign of that campaign's terms it is enrolled
/// in. A new sale of 100.00 through Tess's codes pays 30.00 (Pro, hers),
/// 20.00 (Flat) and 50.00 (Launch); through Dee's, 50.00 (Launch, hers)
/// and 20.00 (Flat). (Before, every code earned its partner's first
/// campaign's terms: 30.00, 30.00, 30.00, 50.00, 50.00.)
async fn each_code_earns_by_the_campaign_it_came_from(app: TestApp) {
    switching::in_los_angeles(&app).await;
    let (base, _) = serve(with_three_campaigns()).await;
    let done = imported(&app, &base).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["codes"], 12, "{done}");
    let promoters: Vec<_> = switching::problems(&done)
        .into_iter()
        .filter(|(entity, _, _)| entity == "promoter")
        .map(|(_, id, _)| id)
        .collect();
    assert_eq!(promoters, ["12"], "{done}");

    // The campaigns of Flat's and Launch's terms, for the codes held in
    // them besides their partners' own campaigns.
    const CAMPAIGNS: &str = "{ campaigns(first: 10) { nodes { name isDefault visibility landingUrl \
        rules { type ... on RecurringRule { percentage maxMonths } ... on FlatFeeRule { amount } } } } }";
    let made = async || {
        let read = app.ok(&app.admin(), CAMPAIGNS, json!({})).await;
        let mut made: Vec<Value> = read["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["isDefault"] == false)
            .cloned()
            .collect();
        made.sort_by_key(|c| c["name"].as_str().unwrap().to_owned());
        made
    };
    let campaigns = vec![
        json!({ "name": "Flat", "isDefault": false, "visibility": "INVITE_ONLY", "landingUrl": "https://acme.example/flat",
            "rules": [{ "type": "RECURRING", "percentage": "0", "maxMonths": null }, { "type": "FLAT_FEE", "amount": "20.00" }] }),
        json!({ "name": "Launch", "isDefault": false, "visibility": "INVITE_ONLY", "landingUrl": "https://acme.example/launch",
            "rules": [{ "type": "RECURRING", "percentage": "50", "maxMonths": 1 }] }),
    ];
    assert_eq!(made().await, campaigns);

    // A new customer through each code, and its first sale.
    const SALE: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount } } }";
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }";
    for (code, customer) in [
        ("tess", "cus_new_1"),
        ("tess2", "cus_new_2"),
        ("tess3", "cus_new_3"),
        ("dee", "cus_new_4"),
        ("dee2", "cus_new_5"),
    ] {
        app.ok(
            &app.admin(),
            attribute,
            json!({ "input": { "customerExternalId": customer, "code": code } }),
        )
        .await;
        app.ok(
            &app.service("events:write"),
            SALE,
            json!({ "input": { "externalId": format!("after-{code}"), "kind": "SALE", "amount": "100.00",
                "customerExternalId": customer } }),
        )
        .await;
    }
    let read = app
        .ok(
            &app.admin(),
            "{ commissions(first: 100) { nodes { amount currency campaign { name isDefault } event { externalId } } } }",
            json!({}),
        )
        .await;
    let mut paid: Vec<Value> = read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["event"]["externalId"].as_str().unwrap().starts_with("after-"))
        .map(|c| {
            // The import's own campaign by what it is, the others by name.
            let campaign = match c["campaign"]["isDefault"] == true {
                true => json!("the import's"),
                false => c["campaign"]["name"].clone(),
            };
            json!({ "sale": c["event"]["externalId"], "amount": c["amount"], "currency": c["currency"], "campaign": campaign })
        })
        .collect();
    paid.sort_by_key(|p| p["sale"].as_str().unwrap().to_owned());
    let earned = |sale: &str, amount: &str, campaign: &str| json!({ "sale": sale, "amount": amount, "currency": "USD", "campaign": campaign });
    assert_eq!(
        paid,
        vec![
            earned("after-dee", "50.00", "the import's"),
            earned("after-dee2", "20.00", "Flat"),
            earned("after-tess", "30.00", "the import's"),
            earned("after-tess2", "20.00", "Flat"),
            earned("after-tess3", "50.00", "Launch"),
        ]
    );

    // A second import makes no campaign again.
    let again = imported(&app, &base).await;
    assert_eq!(again["status"], "DONE", "{again}");
    assert_eq!(made().await, campaigns);
}

/// A negative commission is a refund FirstPromoter booked: it comes over
/// as a clawback of the sale's commission (its customer's latest due one
/// by then), dated when FirstPromoter booked it, and Yaro's first
/// month-end pays 27.00 — what FirstPromoter owes — not 30.00. (Before,
/// it was a problem row and the run paid 30.00.)
async fn a_refund_firstpromoter_booked_claws_back_its_sale(app: TestApp) {
    switching::in_los_angeles(&app).await;
    let (base, _) = serve(with_refund()).await;
    let done = imported(&app, &base).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        (&done["counts"]["commissions"], &done["counts"]["skipped"]),
        (&json!(10), &json!(0)),
        "{done}"
    );
    assert!(
        !switching::problems(&done)
            .iter()
            .any(|(_, id, _)| id == "20"),
        "{done}"
    );
    let yaro = partner_by_external(&app, "firstpromoter:11").await["id"].clone();
    let read = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { balance { currency accrued approved paid } } \
               commissions(partnerId: $p, orderBy: ACCRUED_AT) { nodes { kind amount status accruedAt \
                 event { externalId } original { event { externalId } } } } }",
            json!({ "p": yaro }),
        )
        .await;
    assert_eq!(
        read["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "30.00", "approved": "27.00", "paid": "60.00" }])
    );
    let clawbacks: Vec<&Value> = read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "CLAWBACK")
        .collect();
    assert_eq!(
        clawbacks,
        [
            &json!({ "kind": "CLAWBACK", "amount": "-3.00", "status": "APPROVED", "accruedAt": "2026-02-15T10:00:00Z",
            "event": { "externalId": "firstpromoter:clawback:20" },
            "original": { "event": { "externalId": "firstpromoter:commission:3" } } })
        ]
    );

    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { \
               payouts { amount currency partner { externalId } } } }",
            json!({ "end": switching::today() }),
        )
        .await;
    assert_eq!(
        run["createPayoutRun"]["payouts"],
        json!([
            { "amount": "27.00", "currency": "USD", "partner": { "externalId": "firstpromoter:11" } },
            { "amount": "40.00", "currency": "USD", "partner": { "externalId": "firstpromoter:16" } },
        ])
    );
}

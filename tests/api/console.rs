//! The brand's console (SPEC §24) in headless Chromium
//! (`tests/browser/console.mjs`): signed in by a staff link, every page
//! opened and checked, its figures compared with the API's for the same
//! session, finance's monthly path clicked through, and then the ledger,
//! the files and the statement checked here through the API and the
//! field's own tools. The console's page and files as served are checked
//! with the portal's in `http_surface`/`portal`.

use crate::helpers::{Backend, TENANT, TestApp};
use crate::support::campaigns::create_campaign;
use crate::support::partners::enroll;
use crate::support::payouts::paypal;
use crate::support::sales::sale_at;
use crate::support::tools::{payments_tool, poppler};
use serde_json::{Value, json};
use std::path::PathBuf;

const LINK: &str = "mutation($input: CreateStaffSignInLinkInput!) { createStaffSignInLink(input: $input) { url } }";

async fn staff_link(app: &TestApp, email: &str, role: &str) -> String {
    app.ok(
        &app.admin(),
        LINK,
        json!({ "input": { "email": email, "role": role, "ttlMinutes": 60 } }),
    )
    .await["createStaffSignInLink"]["url"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A program with a EUR campaign paid by SEPA and a USD partner paid by
/// PayPal, each with a pending commission; and the links to sign in with.
async fn seed(app: &TestApp) -> Value {
    app.ok(
        &app.admin(),
        "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { timeZone } }",
        json!({ "input": { "timeZone": "Europe/Berlin", "programName": "Acme Partners", "languages": ["en", "de"],
                "payoutAccount": { "iban": "DE02 1203 0000 0000 2020 51", "bic": "BYLADEM1001", "name": "Acme GmbH" } } }),
    )
    .await;
    let euro = create_campaign(
        app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let jorg = app
        .create_partner(json!({ "name": "Jörg Müller & Söhne", "email": "jorg@example.com" }))
        .await;
    enroll(app, &jorg, &euro).await;
    // Jörg's bank account is set in the console, from his page.
    crate::support::sales::commission_id(
        app,
        json!({ "externalId": "j-1", "partnerId": jorg, "campaignId": euro, "customerExternalId": "c-j-1",
                "amount": "1234.50", "currency": "EUR", "occurredAt": "2026-01-10T12:00:00Z" }),
    )
    .await;
    let sam = crate::support::partners::partner_at(app, "Sam", 10).await;
    paypal(app, &sam, "sam@example.com").await;
    sale_at(app, &sam, "s-1", "125", "2026-01-12T12:00:00Z").await;
    // A bounty of Sam's group, and his work waiting for review (SPEC §31).
    let sams_group = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { group { id } } }",
            json!({ "p": sam }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    let bounty = app
        .ok(
            &app.admin(),
            "mutation($g: ID!) { createBounty(input: { name: \"Review us\", groupIds: [$g], type: SUBMISSION, \
             reward: { amount: \"40.00\", currency: \"USD\" }, startsAt: \"2026-01-01T00:00:00Z\" }) { id } }",
            json!({ "g": sams_group }),
        )
        .await["createBounty"]["id"]
        .clone();
    app.ok(
        &app.partner_token(&sam),
        "mutation($b: ID!) { submitBounty(input: { bountyId: $b, urls: [\"https://sam.example/review\"], description: \"Two pages\" }) { id } }",
        json!({ "b": bounty }),
    )
    .await;
    // The queues: a sale naming a customer nobody referred (held), and a
    // customer attributed to Sam with a disposable address (a flag).
    let writer = app.service("events:write");
    app.ok(
        &writer,
        "mutation($input: RecordEventInput!) { recordEvent(input: $input) { unattributed } }",
        json!({ "input": { "externalId": "u-1", "customerExternalId": "cus_unknown", "amount": "80",
                           "occurredAt": "2026-01-14T12:00:00Z" } }),
    )
    .await;
    app.ok(
        &writer,
        "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }",
        json!({ "input": { "customerExternalId": "cus-x", "partnerId": sam, "email": "x@mailinator.com" } }),
    )
    .await;
    let seed_group = app
        .create_group(
            "Seed 000",
            json!([{ "newCustomerTimeTier": { "maxMonths": 3, "percentage": 25 } },
                   { "recurring": { "percentage": 10 } }]),
        )
        .await;
    let sam_group = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": sam }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    // Year-end: Tess's W-9 is approved and she was paid 700.00 in 2025;
    // Uma gave no W-9.
    let tess = app
        .create_partner(json!({ "name": "Tess", "email": "tess@example.com" }))
        .await;
    let uma = app
        .create_partner(json!({ "name": "Uma", "email": "uma@example.com" }))
        .await;
    crate::support::partners::submit_w9(app, &tess, "Tess Payee").await;
    app.ok(
        &app.admin(),
        "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }",
        json!({ "p": tess }),
    )
    .await;
    for (partner, amount) in [(&tess, "700.00"), (&uma, "900.00")] {
        app.ok(
            &app.admin(),
            "mutation($p: ID!, $a: Decimal!) { addTaxPayment(input: { partnerId: $p, amount: $a, paidOn: \"2025-06-01\", note: \"cheque\" }) { amount } }",
            json!({ "p": partner, "a": amount }),
        )
        .await;
    }
    let spent = staff_link(app, "ana@acme.example", "ADMIN").await;
    let code = spent.strip_prefix("/admin/#code=").unwrap();
    let (_, body) = app
        .post(
            None,
            "mutation($c: String!) { redeemStaffSignInLink(code: $c) { email } }",
            json!({ "c": code }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    json!({
        "base": format!("http://{}", app.addr),
        "link": staff_link(app, "ana@acme.example", "ADMIN").await,
        "spent": spent,
        "viewer": staff_link(app, "vi@acme.example", "VIEWER").await,
        "email": "ana@acme.example",
        "partner": jorg,
        "partnerName": "Jörg Müller & Söhne",
        "bank": { "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "holder": "Jörg Müller" },
        "group": seed_group,
        "groupName": "Seed 000",
        "seedGroup": seed_group,
        "samGroup": sam_group,
        "periodEnd": "2026-01-31",
        "tenant": TENANT,
        // docs/importing.md's files.
        "csv": "partner_id,name,email,status,codes,coupons\naff-1,Jane Doe,jane@example.com,active,jane,JANE20\naff-2,Bob Roe,bob@example.com,archived,bob,\n\ncustomer_id,partner_id,stripe_customer_id,converted_at\nref-1,aff-1,cus_A,2026-03-10\nref-2,aff-2,,2026-03-11\n\ncommission_id,partner_id,customer_id,amount,currency,sale_amount,status,earned_at,paid_at\ncom-1,aff-1,ref-1,30.00,USD,100.00,paid,2026-04-10,2026-05-01\ncom-2,aff-1,ref-1,30.00,USD,100.00,due,2026-05-10,\ncom-3,aff-2,,15.00,USD,50.00,voided,2026-05-02,\n",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_runs_the_month_in_the_console_and_the_ledger_agrees() {
    // Payouts by API reach a local PayPal (a private address).
    let mut options = crate::support::receiver::loopback();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.payout_poll = std::time::Duration::from_secs(1);
    let app = TestApp::spawn_with_options(
        Backend::Sqlite,
        revshare::auth::jwt::Keys::hs256(crate::helpers::SECRET),
        options,
    )
    .await
    .unwrap();
    let mut plan = seed(&app).await;
    let (paypal_base, paypal) = crate::support::paypal::serve_paypal().await;
    crate::support::rails::configure_paypal(&app, &paypal_base).await;
    let dir = tempfile::tempdir().unwrap();
    // REVSHARE_SCREENSHOTS=docs/console keeps them (they are the docs' pictures).
    let shots = std::env::var("REVSHARE_SCREENSHOTS")
        .map(|d| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(d))
        .unwrap_or_else(|_| dir.path().join("shots"));
    std::fs::create_dir_all(&shots).unwrap();
    plan["screenshots"] = json!(shots.to_str().unwrap());
    plan["downloads"] = json!(dir.path().to_str().unwrap());
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let report = crate::support::browser::node("console.mjs", &[plan_file.to_str().unwrap()]).await;
    // What docs/BENCHMARKS.md quotes (no timed assertion).
    eprintln!(
        "console: first page interactive in {} ms",
        report["firstPageMs"]
    );

    assert_eq!(
        report["path"],
        json!([
            "approved",
            "previewed",
            "run",
            "files",
            "file withdrawn",
            "sent",
            "paid",
            "statement",
            "imported",
            "year issued"
        ])
    );
    // "Send with PayPal" sent Sam's payout, once, as PayPal documents it
    // (the others were marked paid by hand); PayPal pays it, and the
    // ledger below agrees.
    let sam_payout = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payoutRun(id: $id) { payouts { id method { type } rail } } }",
            json!({ "id": report["runId"] }),
        )
        .await["payoutRun"]["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["method"]["type"] == "PAYPAL")
        .cloned()
        .unwrap();
    assert_eq!(sam_payout["rail"], "PAYPAL_PAYOUTS");
    let sam_id = sam_payout["id"].as_str().unwrap();
    crate::support::rails::until(&app, sam_id, "SENT").await;
    paypal.lock().unwrap().item_of(sam_id).status = "SUCCESS";
    let paid = crate::support::rails::until(&app, sam_id, "SUCCEEDED").await;
    assert_eq!(paid["status"], "PAID");
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!((paypal.posts, paypal.items_made()), (1, 1));
        assert_eq!(paypal.violations, Vec::<String>::new());
    }
    // The dry run counts what the import then writes.
    let counted = json!({ "partners": 2, "codes": 3, "customers": 1, "commissions": 3, "skipped": 0, "unchanged": 0 });
    assert_eq!(report["import"], json!([counted, counted]));
    let pages = [
        "overview",
        "partners",
        "partner",
        "applications",
        "inbox",
        "broadcasts",
        "workflows",
        "fraud",
        "bounties",
        "retainers",
        "announcements",
        "resources",
        "commissions",
        "payouts",
        "year-end",
        "groups",
        "group",
        "campaigns",
        "backtest",
        "events",
        "connectors",
        "import",
        "activity",
        "settings",
    ];
    // The condition form and the simulation on a campaign's page.
    assert_eq!(report["axe"]["campaign rules"]["serious"], 0, "{report}");
    for page in pages {
        assert_eq!(report["pages"][page], "checked", "{report}");
        assert_eq!(report["axe"][page]["serious"], 0);
        assert_eq!(report["axe"][format!("{page} at 375")]["serious"], 0);
        assert!(report["narrow"][page].as_u64().unwrap() <= 375);
    }
    assert_eq!(report["pages"]["viewer"], "checked");
    // Seed 000's simulation, live: SPEC §5's 74.98, then 20 % for the first
    // months; then with yearly plans at 40 %, a sale of three lines in the
    // customer's first month: 480.00, 7.50 and 25.00 (SPEC §32).
    assert_eq!(report["simulation"], json!(["74.98", "59.98", "512.50"]));
    // A group's referral rule and spend cap, set on its page (SPEC §31).
    assert!(
        report["writes"]
            .as_array()
            .is_some_and(|w| w.contains(&json!("referral rule and cap"))
                && w.contains(&json!("traffic sources"))
                && w.contains(&json!("conditional rule"))
                && w.contains(&json!("campaign rules"))
                && w.contains(&json!("invoicing"))
                && w.contains(&json!("bounty decision"))
                && w.contains(&json!("bounty edited and ended"))
                && w.contains(&json!("retainer"))
                && w.contains(&json!("announcement"))
                && w.contains(&json!("resource"))
                && w.contains(&json!("trust and digest"))
                && w.contains(&json!("message"))),
        "{report}"
    );
    // Sam's rate doubled: his 12.50 would have been 25.00; Jörg, paid by
    // his campaign's terms, stays as he was (by currency, then difference).
    assert_eq!(
        report["backtest"],
        json!(["123.45 123.45 EUR", "12.50 25.00 USD"])
    );
    // The queues' counts, as the API answered them for the same session.
    assert_eq!(
        report["counts"],
        json!({ "applications": 0, "fraud": 1, "events": 1, "ignored": 0 })
    );
    // Every page but the two reached from a list (a partner, a group).
    assert_eq!(report["keyboard"].as_array().unwrap().len(), 22);
    // Overview totals (3 states × 2 currencies), the partner's balance (3),
    // each payout's amount (2).
    assert!(report["figures"].as_u64().unwrap() >= 11, "{report}");

    // The ledger, through the API: both commissions approved and paid by
    // the person, in payouts paid with the references typed.
    let ledger = app
        .ok(
            &app.admin(),
            "{ commissions { nodes { amount currency status history { toStatus actor } partner { externalId } } } \
               payouts { nodes { amount currency status reference } } }",
            json!({}),
        )
        .await;
    let mut commissions: Vec<(String, String, String)> = ledger["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        // The imported ones are the import's (checked above).
        .filter(|c| {
            !c["partner"]["externalId"]
                .as_str()
                .is_some_and(|e| e.starts_with("csv:"))
        })
        .map(|c| {
            let approved = c["history"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["toStatus"] == "APPROVED")
                .unwrap();
            assert_eq!(approved["actor"], "ana@acme.example");
            (
                c["amount"].as_str().unwrap().to_owned(),
                c["currency"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    commissions.sort();
    assert_eq!(
        commissions,
        [
            ("12.50".into(), "USD".into(), "PAID".into()),
            ("123.45".into(), "EUR".into(), "PAID".into()),
        ]
    );
    let mut payouts: Vec<Value> = ledger["payouts"]["nodes"].as_array().unwrap().clone();
    payouts.sort_by_key(|p| p["currency"].as_str().unwrap().to_owned());
    assert_eq!(
        payouts,
        [
            json!({ "amount": "123.45", "currency": "EUR", "status": "PAID", "reference": "BANK-EUR" }),
            // Sent by API: its reference is PayPal's payout_item_id.
            json!({ "amount": "12.50", "currency": "USD", "status": "PAID", "reference": "8AELMXH8UB00100" }),
        ]
    );

    // The files the browser saved: the SEPA file valid against ISO 20022's
    // schema, paying Jörg; the PayPal file paying Sam; a statement.
    let sepa = report["files"]["sepa.xml"]["path"].as_str().unwrap();
    let checked = payments_tool(&["sepa", sepa]).await;
    assert_eq!(checked["errors"], json!([]), "{checked}");
    assert_eq!(checked["transactions"][0]["iban"], "DE89370400440532013000");
    assert_eq!(checked["transactions"][0]["amount"], "123.45");
    let csv =
        std::fs::read_to_string(report["files"]["paypal.csv"]["path"].as_str().unwrap()).unwrap();
    assert!(csv.contains("sam@example.com,12.50,USD"), "{csv}");
    let pdf = std::fs::read(report["files"]["statement.pdf"]["path"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let (text, _) = poppler(&pdf).await;
    assert!(text.contains("Jörg Müller & Söhne"), "{text}");
    // Staff set Jörg's language to German: the statement is his.
    assert!(
        text.contains("Provisionsabrechnung")
            && text.contains("Ausgezahlt am")
            && text.contains("Referenz BANK-EUR"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_whole_never_framed_and_shares_the_portals_files() {
    // Origins a brand lists may frame the portal, never the console.
    let app = TestApp::spawn_with_options(
        Backend::Sqlite,
        revshare::auth::jwt::Keys::hs256(crate::helpers::SECRET),
        crate::support::portal::with_origins(),
    )
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bare = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/admin/");
    let page = client.get(app.url("/admin/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["content-security-policy"],
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>") && !html.contains("style="));
    assert!(html.contains("<meta name=\"application-name\" content=\"Console\">"));
    let files: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/admin/") && s.len() > 8)
        .collect();
    assert!(files.len() >= 25, "{files:?}");
    let mut compressed = 0;
    for file in &files {
        let zipped = client
            .get(app.url(file))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.status(), 200, "{file}");
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        compressed += zipped.bytes().await.unwrap().len();
    }
    // SPEC §24: under 150 KiB gzipped.
    assert!(compressed < 150 * 1024, "{compressed} bytes compressed");
    // The component set is the portal's own file, not a copy.
    let portal = client.get(app.url("/portal/")).send().await.unwrap();
    let portal_html = portal.text().await.unwrap();
    let shared = |html: &str, root: &str| {
        html.split('"')
            .find(|s| s.starts_with(root) && s.ends_with("/ui.js"))
            .unwrap()
            .to_owned()
    };
    let from_console = client
        .get(app.url(&shared(&html, "/admin/")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let from_portal = client
        .get(app.url(&shared(&portal_html, "/portal/")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(from_console, from_portal);
    let stale = client
        .get(app.url("/admin/0000000000000000/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 404);
}

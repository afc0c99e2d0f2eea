//! Year-end tax forms (SPEC §29) through the API as finance uses it: the
//! payer, W-9s in full, a year's payees and their status at the
//! threshold's edges, the tenant's day, excluded methods, shared TINs,
//! issuing and correcting, Copy B read back from its PDF, the IRIS CSV,
//! and who may read what.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_years_payees_are_judged_at_the_thresholds_edges,
    a_payment_counts_in_the_year_of_its_day_in_the_tenants_zone,
    an_imported_date_alone_is_that_day_in_the_tenants_zone,
    issuing_freezes_and_a_change_makes_a_corrected_form,
    the_iris_csv_fills_a_shuffled_starred_header_a_hundred_records_a_file,
    only_admins_finance_and_the_payee_read_tax_forms,
    a_w8_partner_is_told_once_thirty_days_before_it_expires,
    backup_withholding_keeps_back_24_percent_to_the_cent,
    a_payout_left_to_a_settlement_entity_withholds_nothing,
    a_resubmitted_w9_changes_nothing_until_staff_approve_it,
    a_copied_tin_is_approved_only_when_confirmed_and_its_form_read_by_its_own,
);

const SUBMIT: &str = "mutation($input: SubmitTaxProfileInput!) { submitTaxProfile(input: $input) { status tinType legalName classification address { line1 city state zip country } electronicDeliveryAt } }";
const DECIDE: &str =
    "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }";
const ADD: &str = "mutation($input: AddTaxPaymentInput!) { addTaxPayment(input: $input) { amount paidOn note partner { id } } }";
const YEAR: &str = "query($year: Int!, $status: TaxPayeeStatus) { taxYear(year: $year) { year threshold status issuedAt \
    totals { payees reportable amount withheld } \
    payees(first: 100, status: $status) { totalCount nodes { key name tinType tinLast4 paid excluded counted withheld status \
      otherCurrencies { amount currency } partners { name } forms { id box1 corrected } } } } }";
const ISSUE: &str = "mutation($year: Int!) { issueTaxForms(year: $year) { status issuedAt forms { id year payee name tinLast4 box1 box4 corrected correctsId electronic pdfUrl } } }";

fn w9(name: &str, tin: &str, tin_type: &str, classification: &str) -> Value {
    json!({ "form": "W9", "country": "US", "taxId": tin, "tinType": tin_type, "legalName": name,
        "classification": classification,
        "address": { "line1": "1 Main St", "line2": "Apt 2", "city": "Springfield", "state": "il", "zip": "62704" } })
}

/// A partner with an approved profile `input`; its id.
async fn with_profile(app: &TestApp, name: &str, input: Option<Value>) -> String {
    let id = app
        .create_partner(json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase().replace(' ', ".")) }))
        .await;
    if let Some(mut input) = input {
        input["partnerId"] = json!(id);
        app.ok(&app.admin(), SUBMIT, json!({ "input": input }))
            .await;
        app.ok(&app.admin(), DECIDE, json!({ "p": id })).await;
    }
    id
}

async fn pay(app: &TestApp, partner: &str, amount: &str, day: &str) {
    app.ok(
        &app.service("commissions:write"),
        ADD,
        json!({ "input": { "partnerId": partner, "amount": amount, "paidOn": day, "note": "cheque" } }),
    )
    .await;
}

async fn year(app: &TestApp, year: i32) -> Value {
    app.ok(
        &app.service("commissions:write"),
        YEAR,
        json!({ "year": year }),
    )
    .await["taxYear"]
        .clone()
}

/// Each payee of the year by name: (status, paid, excluded, counted).
fn by_name(year: &Value) -> Vec<(String, String, String, String, String)> {
    let mut rows: Vec<_> = year["payees"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (
                s("name"),
                s("status"),
                s("paid"),
                s("excluded"),
                s("counted"),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(
    name: &str,
    status: &str,
    paid: &str,
    excluded: &str,
    counted: &str,
) -> (String, String, String, String, String) {
    (
        name.into(),
        status.into(),
        paid.into(),
        excluded.into(),
        counted.into(),
    )
}

async fn set_payer(app: &TestApp) {
    app.ok(
        &app.admin(),
        "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { taxPayer { legalName tinLast4 } } }",
        json!({ "input": { "taxPayer": { "legalName": "Acme Partners Inc.", "tin": "12-3456789",
            "address": { "line1": "500 Market St", "city": "San Francisco", "state": "CA", "zip": "94105-1234" },
            "phone": "(415) 555-0100", "email": "tax@acme.example" } } }),
    )
    .await;
}

async fn a_years_payees_are_judged_at_the_thresholds_edges(app: TestApp) {
    // 2026: 2,000.00 is reportable, 1,999.99 is not.
    let ada = with_profile(
        &app,
        "Ada",
        Some(w9("Ada Lovelace", "123-45-6789", "SSN", "INDIVIDUAL")),
    )
    .await;
    let bea = with_profile(
        &app,
        "Bea",
        Some(w9("Bea Arthur", "234-56-7890", "SSN", "INDIVIDUAL")),
    )
    .await;
    pay(&app, &ada, "2000.00", "2026-03-01").await;
    pay(&app, &bea, "1999.99", "2026-03-01").await;
    // A corporation is exempt; a partner without a W-9 is missing its TIN;
    // one with a W-8 is foreign.
    let corp = with_profile(
        &app,
        "Corp",
        Some(w9("Corp Inc", "12-3456789", "EIN", "C_CORPORATION")),
    )
    .await;
    pay(&app, &corp, "5000.00", "2026-04-01").await;
    let dan = with_profile(&app, "Dan", None).await;
    pay(&app, &dan, "2500.00", "2026-04-01").await;
    let eve = with_profile(
        &app,
        "Eve",
        Some(json!({ "form": "W8BEN", "country": "DE", "taxId": "DE123456789", "signedOn": "2026-02-01", "legalName": "Eve Example" })),
    )
    .await;
    pay(&app, &eve, "3000.00", "2026-04-01").await;
    // Two partners sharing a TIN are one payee: 1,000.00 each reach 2,000.00.
    let fay = with_profile(
        &app,
        "Fay",
        Some(w9("Fay Wray", "345-67-8901", "SSN", "INDIVIDUAL")),
    )
    .await;
    let fay_llc = with_profile(
        &app,
        "Fay LLC",
        Some(w9("Fay Wray", "345-67-8901", "SSN", "INDIVIDUAL")),
    )
    .await;
    pay(&app, &fay, "1000.00", "2026-05-01").await;
    pay(&app, &fay_llc, "1000.00", "2026-06-01").await;
    // A payout to a PayPal account is on PayPal's 1099-K: excluded.
    let gus = crate::support::partners::partner_at(&app, "Gus", 100).await;
    let mut input = w9("Gus Grissom", "456-78-9012", "SSN", "INDIVIDUAL");
    input["partnerId"] = json!(gus);
    app.ok(&app.admin(), SUBMIT, json!({ "input": input }))
        .await;
    app.ok(&app.admin(), DECIDE, json!({ "p": gus })).await;
    crate::support::payouts::paypal(&app, &gus, "gus@example.com").await;
    let c =
        crate::support::sales::sale_at(&app, &gus, "gus-1", "2500", "2026-01-10T12:00:00Z").await;
    crate::support::payouts::approve(&app, &[&c]).await;
    app.ok(
        &app.admin(),
        "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"pp\" }) { id } }",
        json!({ "ids": [c] }),
    )
    .await;

    let now = year(&app, 2026).await;
    assert_eq!(now["threshold"], "2000.00");
    assert_eq!(now["status"], "OPEN");
    assert_eq!(
        by_name(&now),
        vec![
            row("Ada Lovelace", "REPORTABLE", "2000.00", "0.00", "2000.00"),
            row(
                "Bea Arthur",
                "BELOW_THRESHOLD",
                "1999.99",
                "0.00",
                "1999.99"
            ),
            row(
                "Corp Inc",
                "EXEMPT_CORPORATION",
                "5000.00",
                "0.00",
                "5000.00"
            ),
            row("Dan", "MISSING_TIN", "2500.00", "0.00", "2500.00"),
            row("Eve Example", "FOREIGN", "3000.00", "0.00", "3000.00"),
            row("Fay Wray", "REPORTABLE", "2000.00", "0.00", "2000.00"),
            row(
                "Gus Grissom",
                "BELOW_THRESHOLD",
                "2500.00",
                "2500.00",
                "0.00"
            ),
        ]
    );
    let fay_payee = now["payees"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Fay Wray")
        .unwrap();
    assert_eq!(
        fay_payee["partners"],
        json!([{ "name": "Fay" }, { "name": "Fay LLC" }])
    );
    assert_eq!(fay_payee["tinLast4"], "8901");
    assert_eq!(fay_payee["key"].as_str().unwrap().len(), 20);
    assert_eq!(
        now["totals"],
        json!({ "payees": 7, "reportable": 2, "amount": "4000.00", "withheld": "0.00" })
    );
    let reportable = app
        .ok(
            &app.service("commissions:write"),
            YEAR,
            json!({ "year": 2026, "status": "REPORTABLE" }),
        )
        .await;
    assert_eq!(reportable["taxYear"]["payees"]["totalCount"], 2);

    // The tenant stops excluding PayPal: Gus's payout counts.
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { taxReporting: { excludedMethods: [], thresholds: [{ year: 2027, amount: \"2500.00\" }] } }) { taxReporting { excludedMethods thresholds { year amount } } } }",
        json!({}),
    )
    .await;
    let now = year(&app, 2026).await;
    assert!(by_name(&now).contains(&row(
        "Gus Grissom",
        "REPORTABLE",
        "2500.00",
        "0.00",
        "2500.00"
    )));
    let settings = app
        .ok(
            &app.admin(),
            "{ viewer { tenant { taxReporting { excludedMethods thresholds { year amount } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["viewer"]["tenant"]["taxReporting"],
        json!({ "excludedMethods": [], "thresholds": [
            { "year": 2025, "amount": "600.00" }, { "year": 2026, "amount": "2000.00" }, { "year": 2027, "amount": "2500.00" }] })
    );
    // The law's years are not the tenant's.
    let refused = app
        .error(Some(&app.admin()), "mutation { updateTenant(input: { taxReporting: { thresholds: [{ year: 2026, amount: \"1.00\" }] } }) { name } }", json!({}))
        .await;
    assert_eq!(field(&refused), "input.taxReporting.thresholds");

    // 2025: the threshold is 600.00.
    pay(&app, &ada, "600.00", "2025-12-01").await;
    pay(&app, &bea, "599.99", "2025-12-01").await;
    let then = year(&app, 2025).await;
    assert_eq!(then["threshold"], "600.00");
    assert_eq!(
        by_name(&then),
        vec![
            row("Ada Lovelace", "REPORTABLE", "600.00", "0.00", "600.00"),
            row("Bea Arthur", "BELOW_THRESHOLD", "599.99", "0.00", "599.99"),
        ]
    );
}

async fn a_payment_counts_in_the_year_of_its_day_in_the_tenants_zone(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
    // Paid on the source at 07:30 UTC on 1 January 2026: 23:30 on
    // 31 December 2025 in Los Angeles.
    let csv = "partner_id,name,email,status\n\
        p1,Ann Able,ann@example.com,active\n\
        \n\
        commission_id,partner_id,amount,currency,sale_amount,status,earned_at,due_at,paid_at\n\
        c-1,p1,700.00,USD,1400.00,paid,2025-11-01,,2026-01-01T07:30:00Z\n\
        c-2,p1,50.00,USD,100.00,paid,2025-11-02,,2026-01-01T08:30:00Z\n\
        c-3,p1,25.00,EUR,50.00,paid,2025-11-03,,2025-06-01T12:00:00Z\n";
    let id = crate::support::imports::start(&app, "CSV", json!({ "csv": csv })).await;
    let done = crate::support::imports::ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(done["status"], "DONE", "{done}");
    let ann = crate::support::partners::partner_by_external(&app, "csv:p1").await;
    let ann_id = ann["id"].as_str().unwrap().to_owned();
    let mut input = w9("Ann Able", "567-89-0123", "SSN", "INDIVIDUAL");
    input["partnerId"] = json!(ann_id);
    app.ok(&app.admin(), SUBMIT, json!({ "input": input }))
        .await;
    app.ok(&app.admin(), DECIDE, json!({ "p": ann_id })).await;

    let last_year = year(&app, 2025).await;
    assert_eq!(
        by_name(&last_year),
        vec![row("Ann Able", "REPORTABLE", "700.00", "0.00", "700.00")]
    );
    // What was paid in euros is listed apart: no 1099 reports it.
    assert_eq!(
        last_year["payees"]["nodes"][0]["otherCurrencies"],
        json!([{ "amount": "25.00", "currency": "EUR" }])
    );
    assert_eq!(
        by_name(&year(&app, 2026).await),
        vec![row("Ann Able", "BELOW_THRESHOLD", "50.00", "0.00", "50.00")]
    );
}

/// Round 6, item 8: a source that gives a date alone (`2026-01-01`) means
/// that day in the tenant's zone — not midnight UTC, which is the evening
/// before in Los Angeles.
async fn an_imported_date_alone_is_that_day_in_the_tenants_zone(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let csv = "partner_id,name,email,status\n\
        p1,Ann Able,ann@example.com,active\n\
        \n\
        commission_id,partner_id,amount,currency,sale_amount,status,earned_at,due_at,paid_at\n\
        c-1,p1,700.00,USD,1400.00,paid,2025-11-01,,2026-01-01\n\
        c-2,p1,50.00,USD,100.00,paid,2025-11-02,,2025-12-31\n\
        c-3,p1,10.00,USD,20.00,pending,2026-03-01,,\n";
    let id = crate::support::imports::start(&app, "CSV", json!({ "csv": csv })).await;
    let done = crate::support::imports::ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(done["status"], "DONE", "{done}");
    let ann = crate::support::partners::partner_by_external(&app, "csv:p1").await;
    let ann_id = ann["id"].as_str().unwrap().to_owned();
    let mut input = w9("Ann Able", "567-89-0123", "SSN", "INDIVIDUAL");
    input["partnerId"] = json!(ann_id);
    app.ok(&app.admin(), SUBMIT, json!({ "input": input }))
        .await;
    app.ok(&app.admin(), DECIDE, json!({ "p": ann_id })).await;
    // 2026's threshold is 2,000.00.
    assert_eq!(
        by_name(&year(&app, 2026).await),
        vec![row(
            "Ann Able",
            "BELOW_THRESHOLD",
            "700.00",
            "0.00",
            "700.00"
        )]
    );
    assert_eq!(
        by_name(&year(&app, 2025).await),
        vec![row("Ann Able", "BELOW_THRESHOLD", "50.00", "0.00", "50.00")]
    );
    // Earned on 1 March: the day's first instant in Los Angeles (PST).
    let earned = app
        .ok(
            &app.admin(),
            "query($p: ID!) { commissions(partnerId: $p, status: ACCRUED) { nodes { amount accruedAt } } }",
            json!({ "p": ann_id }),
        )
        .await;
    assert_eq!(
        earned["commissions"]["nodes"],
        json!([{ "amount": "10.00", "accruedAt": "2026-03-01T08:00:00Z" }])
    );
}

/// Round 6, item 2: after its 1099 was issued, a partner resubmitted its
/// W-9 with a new TIN. The approved profile stays in force — its TIN, its
/// payee, the issued form — until staff decide that submission by its
/// id; every submission is kept.
async fn a_resubmitted_w9_changes_nothing_until_staff_approve_it(app: TestApp) {
    let token = app.service("commissions:write");
    let ada = with_profile(
        &app,
        "Ada",
        Some(w9("Ada Lovelace", "123-45-6789", "SSN", "INDIVIDUAL")),
    )
    .await;
    pay(&app, &ada, "700.00", "2025-05-01").await;
    set_payer(&app).await;
    let issued = app.ok(&token, ISSUE, json!({ "year": 2025 })).await["issueTaxForms"].clone();
    assert_eq!(issued["forms"][0]["box1"], "700.00");
    let first_form = issued["forms"][0]["id"].clone();

    // The partner's own token sends a new W-9 with another TIN.
    let mut input = w9("Ada Lovelace", "234-56-4321", "SSN", "INDIVIDUAL");
    input["partnerId"] = json!(ada);
    let sent = app
        .ok(
            &app.partner_token(&ada),
            "mutation($input: SubmitTaxProfileInput!) { submitTaxProfile(input: $input) { submissionId status taxIdLast4 } }",
            json!({ "input": input }),
        )
        .await["submitTaxProfile"]
        .clone();
    assert_eq!(sent["status"], "SUBMITTED");
    assert_eq!(sent["taxIdLast4"], "4321");
    let profiles = "query($p: ID!) { partner(id: $p) { taxProfile { submissionId status taxIdLast4 } taxProfileSubmissions { submissionId status taxIdLast4 } } }";
    let seen = app.ok(&app.admin(), profiles, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(seen["taxProfile"]["status"], "APPROVED");
    assert_eq!(seen["taxProfile"]["taxIdLast4"], "6789");
    let kept = seen["taxProfileSubmissions"].as_array().unwrap();
    assert_eq!(kept.len(), 2, "every submission is kept: {seen}");
    assert_eq!(kept[0]["submissionId"], sent["submissionId"]);
    assert_eq!(
        (&kept[1]["status"], &kept[1]["taxIdLast4"]),
        (&json!("APPROVED"), &json!("6789"))
    );
    // The payee and its form are as issued: issuing again corrects nothing.
    let year = year(&app, 2025).await;
    assert_eq!(
        by_name(&year),
        vec![row(
            "Ada Lovelace",
            "REPORTABLE",
            "700.00",
            "0.00",
            "700.00"
        )]
    );
    let again = app.ok(&token, ISSUE, json!({ "year": 2025 })).await["issueTaxForms"].clone();
    let forms = again["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 1, "no correction: {again}");
    assert_eq!(forms[0]["id"], first_form);

    // Deciding without naming it does not replace the approved profile.
    let unnamed = app
        .error(Some(&app.admin()), DECIDE, json!({ "p": ada }))
        .await;
    assert_eq!(field(&unnamed), "input.submissionId", "{unnamed}");
    // Named, rejected: the approved one stays; named, approved: it replaces it.
    let decide = "mutation($p: ID!, $s: ID!, $ok: Boolean!, $r: String) { decideTaxProfile(input: { partnerId: $p, submissionId: $s, approve: $ok, reason: $r }) { submissionId status taxIdLast4 } }";
    let rejected = app
        .ok(
            &app.admin(),
            decide,
            json!({ "p": ada, "s": sent["submissionId"], "ok": false, "r": "TIN does not match" }),
        )
        .await;
    assert_eq!(rejected["decideTaxProfile"]["status"], "REJECTED");
    let seen = app.ok(&app.admin(), profiles, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(
        (
            &seen["taxProfile"]["status"],
            &seen["taxProfile"]["taxIdLast4"]
        ),
        (&json!("APPROVED"), &json!("6789"))
    );
    let approved = app
        .ok(
            &app.admin(),
            decide,
            json!({ "p": ada, "s": sent["submissionId"], "ok": true }),
        )
        .await;
    assert_eq!(
        (
            &approved["decideTaxProfile"]["status"],
            &approved["decideTaxProfile"]["taxIdLast4"]
        ),
        (&json!("APPROVED"), &json!("4321"))
    );
    let seen = app.ok(&app.admin(), profiles, json!({ "p": ada })).await["partner"].clone();
    assert_eq!(seen["taxProfile"]["submissionId"], sent["submissionId"]);
    // A submission of another partner is not this one's.
    let other = with_profile(&app, "Bea", None).await;
    let wrong = app
        .error(
            Some(&app.admin()),
            decide,
            json!({ "p": other, "s": sent["submissionId"], "ok": true }),
        )
        .await;
    assert_eq!(field(&wrong), "input.submissionId", "{wrong}");
}

/// Round 6, item 4: a W-9 carrying another partner's SSN under another
/// name. Approving it needs a confirmation naming the other partner; once
/// confirmed the two are one payee, issued in the first holder's name —
/// and the copier never reads, nor is e-mailed, a form naming that person.
async fn a_copied_tin_is_approved_only_when_confirmed_and_its_form_read_by_its_own(app: TestApp) {
    let token = app.service("commissions:write");
    let mut consenting = w9("Ada Lovelace", "123-45-6789", "SSN", "INDIVIDUAL");
    consenting["electronicDelivery"] = json!(true);
    let ada = with_profile(&app, "Ada", Some(consenting)).await;
    pay(&app, &ada, "2500.00", "2025-05-01").await;
    let mal = with_profile(&app, "Mal", None).await;
    let mut copied = w9("Mal Content", "123-45-6789", "SSN", "INDIVIDUAL");
    copied["partnerId"] = json!(mal);
    copied["electronicDelivery"] = json!(true);
    app.ok(&app.partner_token(&mal), SUBMIT, json!({ "input": copied }))
        .await;
    let decide = "mutation($p: ID!, $c: ID) { decideTaxProfile(input: { partnerId: $p, approve: true, confirmSharedTin: $c }) { status } }";
    let refused = app
        .error(Some(&app.admin()), decide, json!({ "p": mal, "c": null }))
        .await;
    assert_eq!(field(&refused), "input.confirmSharedTin", "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&ada) && message.contains("6789"),
        "{message}"
    );
    // Another partner named is no confirmation.
    let wrong = app
        .error(Some(&app.admin()), decide, json!({ "p": mal, "c": mal }))
        .await;
    assert_eq!(field(&wrong), "input.confirmSharedTin", "{wrong}");
    let confirmed = app
        .ok(&app.admin(), decide, json!({ "p": mal, "c": ada }))
        .await;
    assert_eq!(confirmed["decideTaxProfile"]["status"], "APPROVED");
    pay(&app, &mal, "100.00", "2025-06-01").await;
    set_payer(&app).await;
    let issued = app.ok(&token, ISSUE, json!({ "year": 2025 })).await["issueTaxForms"].clone();
    let forms = issued["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 1, "one payee: {issued}");
    assert_eq!(
        (&forms[0]["name"], &forms[0]["box1"]),
        (&json!("Ada Lovelace"), &json!("2600.00"))
    );
    let forms_of = "query($p: ID!) { partner(id: $p) { taxForms { id pdfUrl } } }";
    let of_mal = app
        .ok(&app.partner_token(&mal), forms_of, json!({ "p": mal }))
        .await;
    assert_eq!(of_mal["partner"]["taxForms"], json!([]));
    let of_ada = app
        .ok(&app.partner_token(&ada), forms_of, json!({ "p": ada }))
        .await;
    let url = of_ada["partner"]["taxForms"][0]["pdfUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let copy_b = |token: String| {
        let url = app.url(&url);
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(copy_b(app.partner_token(&ada)).await, 200);
    assert_eq!(copy_b(app.partner_token(&mal)).await, 404);
    let node = app
        .ok(
            &app.partner_token(&mal),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": forms[0]["id"] }),
        )
        .await;
    assert_eq!(node["node"], Value::Null);
    // Its e-mail went to Ada alone.
    let emails = app
        .ok(
            &app.admin(),
            "{ emails(kind: TAX_FORM_AVAILABLE) { nodes { to } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        emails["emails"]["nodes"],
        json!([{ "to": "ada@example.com" }])
    );
}

async fn issuing_freezes_and_a_change_makes_a_corrected_form(app: TestApp) {
    let token = app.service("commissions:write");
    // No payer yet: nothing is issued.
    let mut consenting = w9("Ada Lovelace", "123-45-6789", "SSN", "INDIVIDUAL");
    consenting["electronicDelivery"] = json!(true);
    consenting["businessName"] = json!("Ada Consulting");
    let ada = with_profile(&app, "Ada", Some(consenting)).await;
    let bea = with_profile(
        &app,
        "Bea",
        Some(w9("Bea Arthur", "912-70-7890", "ITIN", "INDIVIDUAL")),
    )
    .await;
    pay(&app, &ada, "700.00", "2025-05-01").await;
    pay(&app, &bea, "650.00", "2025-05-01").await;
    let missing = app
        .error(Some(&token), ISSUE, json!({ "year": 2025 }))
        .await;
    assert_eq!(code(&missing), "CONFLICT", "{missing}");
    set_payer(&app).await;
    // A year that has not ended is not issued.
    let early = app
        .error(Some(&token), ISSUE, json!({ "year": 2026 }))
        .await;
    assert_eq!((code(&early), field(&early)), ("BAD_USER_INPUT", "year"));

    let issued = app.ok(&token, ISSUE, json!({ "year": 2025 })).await["issueTaxForms"].clone();
    assert_eq!(issued["status"], "ISSUED");
    let forms = issued["forms"].as_array().unwrap().clone();
    assert_eq!(forms.len(), 2);
    let first = forms
        .iter()
        .find(|f| f["name"] == "Ada Lovelace")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &first["box1"],
            &first["box4"],
            &first["corrected"],
            &first["electronic"],
            &first["tinLast4"]
        ),
        (
            &json!("700.00"),
            &json!("0.00"),
            &json!(false),
            &json!(true),
            &json!("6789")
        )
    );
    // Issuing again changes nothing that has not changed.
    let again = app.ok(&token, ISSUE, json!({ "year": 2025 })).await;
    assert_eq!(again["issueTaxForms"]["forms"].as_array().unwrap().len(), 2);

    // Ada consented: she is e-mailed once, Bea is not.
    let mails = app
        .ok(
            &app.admin(),
            "{ emails { nodes { to kind subject } } }",
            json!({}),
        )
        .await;
    let tax_mails: Vec<&Value> = mails["emails"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "TAX_FORM_AVAILABLE")
        .collect();
    assert_eq!(
        tax_mails,
        vec![
            &json!({ "to": "ada@example.com", "kind": "TAX_FORM_AVAILABLE", "subject": "IMPORTANT TAX RETURN DOCUMENT AVAILABLE" })
        ]
    );

    // A payment of 2025 entered after issue: a corrected form beside the first.
    pay(&app, &ada, "100.50", "2025-12-31").await;
    let corrected = app.ok(&token, ISSUE, json!({ "year": 2025 })).await["issueTaxForms"].clone();
    let ada_forms: Vec<Value> = corrected["forms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "Ada Lovelace")
        .cloned()
        .collect();
    assert_eq!(ada_forms.len(), 2);
    assert_eq!(ada_forms[0], first, "the first form is never edited");
    assert_eq!(
        (
            &ada_forms[1]["box1"],
            &ada_forms[1]["corrected"],
            &ada_forms[1]["correctsId"]
        ),
        (&json!("800.50"), &json!(true), &first["id"])
    );
    let payees = year(&app, 2025).await;
    let ada_payee = payees["payees"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Ada Lovelace")
        .unwrap()
        .clone();
    assert_eq!(ada_payee["forms"].as_array().unwrap().len(), 2);

    // Copy B of the correction, read back as its payee reads it.
    let pdf_url = ada_forms[1]["pdfUrl"].as_str().unwrap();
    let response = reqwest::Client::new()
        .get(app.url(pdf_url))
        .bearer_auth(app.partner_token(&ada))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy-b.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let text = pdftotext(&path).await;
    for expected in [
        "CORRECTED",
        "Form 1099-NEC",
        "Copy B For Recipient",
        "OMB No. 1545-0116",
        "Calendar year 2025",
        "Acme Partners Inc.",
        "500 Market St",
        "San Francisco, CA 94105-1234",
        "(415) 555-0100",
        "PAYER'S TIN: 12-3456789",
        "RECIPIENT'S TIN: ***-**-6789",
        "RECIPIENT'S name: Ada Lovelace",
        "Ada Consulting",
        "1 Main St",
        "Apt 2",
        "Springfield, IL 62704",
        "$800.50",
        "$0.00",
        "Instructions for Recipient",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert!(
        !text.contains("123-45-6789") && !text.contains("123456789"),
        "the recipient's TIN is masked"
    );
    let account = &ada_payee["key"].as_str().unwrap();
    assert!(text.contains(&format!("Account number (see instructions): {account}")));
    // And looked at: it renders to a page with ink on it.
    let image = first_page_png(&path, dir.path()).await;
    assert!(
        image.starts_with(b"\x89PNG") && image.len() > 1000,
        "a rendered page"
    );

    // The paper payees' Copy Bs, one file to print: Bea's alone.
    let paper = app
        .ok(
            &token,
            "query { taxPaperForms(year: 2025) { filename contentType content } }",
            json!({}),
        )
        .await;
    assert_eq!(paper["taxPaperForms"]["filename"], "1099nec-2025-paper.pdf");
    use base64::Engine;
    let paper_pdf = base64::engine::general_purpose::STANDARD
        .decode(paper["taxPaperForms"]["content"].as_str().unwrap())
        .unwrap();
    let paper_path = dir.path().join("paper.pdf");
    std::fs::write(&paper_path, paper_pdf).unwrap();
    let paper_text = pdftotext(&paper_path).await;
    assert!(
        paper_text.contains("Bea Arthur") && !paper_text.contains("Ada Lovelace"),
        "{paper_text}"
    );
    assert!(paper_text.contains("RECIPIENT'S TIN: ***-**-7890"));
    let _ = bea;
}

async fn the_iris_csv_fills_a_shuffled_starred_header_a_hundred_records_a_file(app: TestApp) {
    set_payer(&app).await;
    let token = app.service("commissions:write");
    for n in 0..101 {
        // 101 payees, each with an SSN of its own.
        let tin = format!("{:03}-45-{:04}", 100 + n, 1000 + n);
        let partner = with_profile(
            &app,
            &format!("Payee {n:03}"),
            Some(w9(&format!("Pat Payee{n:03}"), &tin, "SSN", "INDIVIDUAL")),
        )
        .await;
        pay(&app, &partner, &format!("{}.25", 600 + n), "2025-07-01").await;
    }
    app.ok(&token, ISSUE, json!({ "year": 2025 })).await;
    let header = "Box 1 Nonemployee Compensation*,recipient last name,Form Type*,Recipient Taxpayer ID Number*,\
        Tax Year*,Payer TIN*,Recipient TIN Type*,Recipient First Name,ZIP Code,State,City,Address Line 1*,\
        Corrected,Box 4 Federal Income Tax Withheld,Recipient Name Type*,Account Number,Office Notes";
    let query = "query($h: String!) { taxFormsCsv(year: 2025, header: $h) { filename contentType content } }";
    let files = app.ok(&token, query, json!({ "h": header })).await["taxFormsCsv"].clone();
    let files = files.as_array().unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| f["filename"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["1099nec-2025-1.csv", "1099nec-2025-2.csv"]
    );
    use base64::Engine;
    let text = |f: &Value| {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(f["content"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    let first = text(&files[0]);
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 101, "the header and 100 records");
    assert_eq!(lines[0], header);
    assert_eq!(text(&files[1]).lines().count(), 2);
    let all: Vec<String> = files
        .iter()
        .flat_map(|f| {
            text(f)
                .lines()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let payee_7 = all
        .iter()
        .find(|l| l.contains(",Payee007,"))
        .unwrap_or_else(|| panic!("no record of Payee007: {all:?}"));
    let cells: Vec<&str> = payee_7.split(',').collect();
    assert_eq!(
        cells[..16],
        [
            "607.25",
            "Payee007",
            "NEC",
            "107451007",
            "2025",
            "123456789",
            "SSN",
            "Pat",
            "62704",
            "IL",
            "Springfield",
            "1 Main St",
            "N",
            "0.00",
            "I",
            cells[15]
        ]
    );
    assert_eq!(cells[15].len(), 20, "the payee's key");
    assert_eq!(
        cells[16], "",
        "a column revshare does not know is left empty"
    );

    // A required column revshare does not fill is refused, by name.
    let refused = app
        .error(
            Some(&token),
            query,
            json!({ "h": "Form Type*,Office Code*" }),
        )
        .await;
    assert_eq!(field(&refused), "header");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("\"Office Code*\"")
    );
}

async fn only_admins_finance_and_the_payee_read_tax_forms(app: TestApp) {
    set_payer(&app).await;
    let ada = with_profile(
        &app,
        "Ada",
        Some(w9("Ada Lovelace", "123-45-6789", "SSN", "INDIVIDUAL")),
    )
    .await;
    let bea = with_profile(&app, "Bea", None).await;
    pay(&app, &ada, "900.00", "2025-05-01").await;
    let issued = app.ok(&app.admin(), ISSUE, json!({ "year": 2025 })).await;
    let form = issued["issueTaxForms"]["forms"][0].clone();

    // The partner reads its own forms, in the portal's way.
    let own = app
        .ok(
            &app.partner_token(&ada),
            "{ viewer { partner { taxForms { id box1 pdfUrl } } } }",
            json!({}),
        )
        .await;
    assert_eq!(own["viewer"]["partner"]["taxForms"][0]["id"], form["id"]);
    let none = app
        .ok(
            &app.partner_token(&bea),
            "{ viewer { partner { taxForms { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(none["viewer"]["partner"]["taxForms"], json!([]));

    // The files with whole TINs, issuing and payments are admins' and
    // finance's: another partner, a viewer and a token of another scope
    // are refused each; the year and the forms (TINs masked) are read by
    // viewers too, and by no partner but the payee's.
    let viewer = app.mint(&crate::helpers::TestApp::claims(
        crate::helpers::TENANT,
        "viewer",
    ));
    let acts = [
        (
            "query { taxFormsCsv(year: 2025, header: \"Form Type\") { filename } }",
            json!({}),
        ),
        (
            "query { taxPaperForms(year: 2025) { filename } }",
            json!({}),
        ),
        ("mutation { issueTaxForms(year: 2025) { year } }", json!({})),
        (
            "mutation($p: ID!) { addTaxPayment(input: { partnerId: $p, amount: \"1.00\", paidOn: \"2025-01-01\", note: \"x\" }) { amount } }",
            json!({ "p": ada }),
        ),
    ];
    let reads = [
        ("query { taxYear(year: 2025) { year } }", json!({})),
        (
            "query { viewer { tenant { taxPayer { legalName } } } }",
            json!({}),
        ),
    ];
    let pdf_status = async |token: &str| {
        reqwest::Client::new()
            .get(app.url(form["pdfUrl"].as_str().unwrap()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    };
    for token in [app.partner_token(&bea), app.service("commissions:read")] {
        for (query, variables) in acts.iter().chain(&reads) {
            let refused = app.error(Some(&token), query, variables.clone()).await;
            assert_eq!(code(&refused), "FORBIDDEN", "{query}: {refused}");
        }
        assert_eq!(pdf_status(&token).await, 404);
    }
    for (query, variables) in &acts {
        let refused = app.error(Some(&viewer), query, variables.clone()).await;
        assert_eq!(code(&refused), "FORBIDDEN", "a viewer: {query}: {refused}");
    }
    for (query, variables) in &reads {
        app.ok(&viewer, query, variables.clone()).await;
    }
    let by_id = app
        .post(
            Some(&app.partner_token(&bea)),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": form["id"] }),
        )
        .await
        .1;
    assert_eq!(
        by_id["data"]["node"],
        Value::Null,
        "another partner: {by_id}"
    );
    for token in [
        app.admin(),
        app.service("commissions:write"),
        app.partner_token(&ada),
        viewer.clone(),
    ] {
        assert_eq!(pdf_status(&token).await, 200);
        let found = app
            .ok(
                &token,
                "query($id: ID!) { node(id: $id) { ... on TaxForm1099 { id box1 } } }",
                json!({ "id": form["id"] }),
            )
            .await;
        assert_eq!(found["node"]["box1"], "900.00");
    }
    // A W-9 without its name, classification or address is refused by field.
    for (missing, named) in [
        ("legalName", "input.legalName"),
        ("classification", "input.classification"),
        ("address", "input.address"),
    ] {
        let mut input = w9("Cy", "345-67-8901", "SSN", "INDIVIDUAL");
        input.as_object_mut().unwrap().remove(missing);
        let refused = app
            .error(
                Some(&app.partner_token(&bea)),
                SUBMIT,
                json!({ "input": input }),
            )
            .await;
        assert_eq!(field(&refused), named);
    }
    let mut bad_zip = w9("Cy", "345-67-8901", "SSN", "INDIVIDUAL");
    bad_zip["address"]["zip"] = json!("6270");
    let refused = app
        .error(
            Some(&app.partner_token(&bea)),
            SUBMIT,
            json!({ "input": bad_zip }),
        )
        .await;
    assert_eq!(field(&refused), "input.address.zip");
}

async fn a_w8_partner_is_told_once_thirty_days_before_it_expires(app: TestApp) {
    let w8 = |signed: &str| json!({ "form": "W8BEN", "country": "DE", "taxId": "DE123456789", "signedOn": signed, "legalName": "Eve Example" });
    // Signed in 2023: valid until 2026-12-31. Signed in 2024: until 2027.
    let eve = with_profile(&app, "Eve", Some(w8("2023-06-01"))).await;
    with_profile(&app, "Ida", Some(w8("2024-02-01"))).await;
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let remind = |text: &'static str| {
        let db = app.db.clone();
        async move { revshare::tax::expiry::remind(&db, at(text)).await.unwrap() }
    };
    // 30 November is 31 days before: nothing yet.
    assert_eq!(remind("2026-11-30T12:00:00Z").await, 0);
    // 1 December is 30 days before: Eve is told, once.
    assert_eq!(remind("2026-12-01T12:00:00Z").await, 1);
    assert_eq!(remind("2026-12-02T12:00:00Z").await, 0);
    let mails = app
        .ok(
            &app.admin(),
            "{ emails { nodes { to kind subject partner { id } } } }",
            json!({}),
        )
        .await;
    let expiring: Vec<&Value> = mails["emails"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "TAX_PROFILE_EXPIRING")
        .collect();
    assert_eq!(expiring.len(), 1, "{mails}");
    assert_eq!(expiring[0]["to"], "eve@example.com");
    assert_eq!(expiring[0]["partner"]["id"], json!(eve));
    assert!(
        expiring[0]["subject"]
            .as_str()
            .unwrap()
            .ends_with("expires on December 31, 2026")
    );
}

async fn backup_withholding_keeps_back_24_percent_to_the_cent(app: TestApp) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { taxReporting: { backupWithholding: true } }) { taxReporting { backupWithholding } } }",
        json!({}),
    )
    .await;
    // Kai gave no tax form; Lea's W-9 is approved.
    let kai = crate::support::partners::partner_at(&app, "Kai", 100).await;
    let lea = crate::support::partners::partner_at(&app, "Lea", 100).await;
    let mut input = w9("Lea Lane", "456-78-9012", "SSN", "INDIVIDUAL");
    input["partnerId"] = json!(lea);
    app.ok(&admin, SUBMIT, json!({ "input": input })).await;
    app.ok(&admin, DECIDE, json!({ "p": lea })).await;
    let by_hand = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"wire\" }) { id amount withheld sent statementUrl } }";
    let mut paid = Vec::new();
    for (partner, order) in [(&kai, "kai-1"), (&lea, "lea-1")] {
        // 10.45 × 24 % = 2.508: 2.51 kept back, 7.94 sent.
        let c =
            crate::support::sales::sale_at(&app, partner, order, "10.45", "2026-01-10T12:00:00Z")
                .await;
        crate::support::payouts::approve(&app, &[&c]).await;
        paid.push(
            app.ok(&admin, by_hand, json!({ "ids": [c] })).await["markCommissionsPaid"][0].clone(),
        );
    }
    assert_eq!(
        (&paid[0]["amount"], &paid[0]["withheld"], &paid[0]["sent"]),
        (&json!("10.45"), &json!("2.51"), &json!("7.94"))
    );
    assert_eq!(
        (&paid[1]["withheld"], &paid[1]["sent"]),
        (&json!("0.00"), &json!("10.45"))
    );

    // The statement says it on a line of its own.
    let pdf = reqwest::Client::new()
        .get(app.url(paid[0]["statementUrl"].as_str().unwrap()))
        .bearer_auth(app.partner_token(&kai))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdftotext(&path).await;
    for expected in [
        "Total $10.45",
        "Backup withholding (24 %",
        "-$2.51",
        "Sent $7.94",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }

    // A tenant that reports what it pays by PayPal itself (no method
    // left to a settlement entity's 1099-K) withholds on it too: a run's
    // PayPal file sends the rest, and says why.
    app.ok(
        &admin,
        "mutation { updateTenant(input: { taxReporting: { excludedMethods: [] } }) { id } }",
        json!({}),
    )
    .await;
    let nia = crate::support::partners::partner_at(&app, "Nia", 100).await;
    crate::support::payouts::paypal(&app, &nia, "nia@example.com").await;
    let c =
        crate::support::sales::sale_at(&app, &nia, "nia-1", "52.10", "2026-01-10T12:00:00Z").await;
    crate::support::payouts::approve(&app, &[&c]).await;
    let run = crate::support::payouts::run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let payout = &run["payouts"][0];
    let file = app
        .ok(
            &app.service("commissions:write"),
            "query($run: ID!) { payoutRunFile(runId: $run, format: PAYPAL_PAYOUTS_CSV) { content } }",
            json!({ "run": run["id"] }),
        )
        .await;
    use base64::Engine;
    let csv = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(file["payoutRunFile"]["content"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        csv,
        format!(
            "nia@example.com,39.60,USD,{},\"Commission statement {}, payout {}, backup withholding 12.50 USD\",PayPal\r\n",
            payout["id"].as_str().unwrap(),
            payout["statementNumber"].as_str().unwrap(),
            payout["id"].as_str().unwrap()
        )
    );

    // Box 4: Kai is reportable for what was withheld, whatever his total.
    let now = year(&app, 2026).await;
    let kai_payee = now["payees"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Kai")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &kai_payee["status"],
            &kai_payee["counted"],
            &kai_payee["withheld"]
        ),
        (&json!("REPORTABLE"), &json!("10.45"), &json!("2.51"))
    );
    assert_eq!(now["totals"]["withheld"], "2.51");
}

/// Round 6, item 12: PayPal is a payment settlement entity. What a brand
/// pays through it is reported on the entity's 1099-K, and backup
/// withholding on it is the entity's (26 CFR 31.3406(g)-1(f)): a payout
/// by a method the year leaves out withholds nothing, so no 1099 ever
/// shows a Box 4 without its Box 1.
async fn a_payout_left_to_a_settlement_entity_withholds_nothing(app: TestApp) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { taxReporting: { backupWithholding: true } }) { taxReporting { backupWithholding excludedMethods } } }",
        json!({}),
    )
    .await;
    let omar = crate::support::partners::partner_at(&app, "Omar", 100).await;
    crate::support::payouts::paypal(&app, &omar, "omar@example.com").await;
    let c = crate::support::sales::sale_at(&app, &omar, "omar-1", "333.33", "2026-01-10T12:00:00Z")
        .await;
    crate::support::payouts::approve(&app, &[&c]).await;
    let run = crate::support::payouts::run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let payout = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Payout { amount withheld sent } } }",
            json!({ "id": run["payouts"][0]["id"] }),
        )
        .await;
    assert_eq!(
        payout["node"],
        json!({ "amount": "333.33", "withheld": "0.00", "sent": "333.33" })
    );
    app.ok(
        &admin,
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"pp-1\") { status } }",
        json!({ "id": run["payouts"][0]["id"] }),
    )
    .await;
    let now = year(&app, 2026).await;
    let omar_payee = now["payees"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Omar")
        .unwrap_or_else(|| panic!("{now}"))
        .clone();
    assert_eq!(
        (
            &omar_payee["counted"],
            &omar_payee["excluded"],
            &omar_payee["withheld"]
        ),
        (&json!("0.00"), &json!("333.33"), &json!("0.00"))
    );
    assert_eq!(now["totals"]["withheld"], "0.00");
}

/// A tool of poppler's, run to its end: its standard output.
async fn poppler(tool: &str, args: &[&str]) -> Vec<u8> {
    let output = tokio::process::Command::new(tool)
        .args(args)
        .output()
        .await
        .expect("poppler's tools run (scripts/test installs poppler-utils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// What `pdftotext` reads of a PDF.
async fn pdftotext(path: &std::path::Path) -> String {
    String::from_utf8(poppler("pdftotext", &[path.to_str().unwrap(), "-"]).await).unwrap()
}

/// The PDF's first page as `pdftoppm` renders it, as PNG.
async fn first_page_png(path: &std::path::Path, dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("page");
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    )
    .await;
    std::fs::read(dir.join("page.png")).unwrap()
}

//! Self-billed invoices with VAT (SPEC §33): the tenant's invoicing, each
//! partner's VAT details and agreement, the VAT decided when a payout is
//! made and paid with it, invoices numbered without a gap when payouts are
//! paid, credit notes for reversed ones, the PDF and the UBL read back by
//! independent tools, the partner's own upload, and who reads what.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::partners::enroll;
use crate::support::payouts::{approve, paypal, run};
use crate::support::tools::{pdf_layout_text, ubl_verdict};
use async_graphql::futures_util::future::join_all;
use chrono::Datelike;
use serde_json::{Value, json};

on_both_databases!(
    a_german_brand_bills_each_row_of_the_vat_table,
    a_uk_brand_adds_20_percent_and_hmrcs_sentence_for_12_months,
    a_run_pays_net_and_vat_and_ten_payouts_paid_at_once_take_ten_numbers,
    a_clawback_is_a_negative_line_and_an_invoice_never_changes,
    a_payout_in_dollars_states_its_vat_in_euros_too,
    the_pdf_and_the_ubl_read_back,
    malformed_vat_ids_are_refused_by_country,
    a_partner_without_an_agreement_uploads_its_own_pdf,
    each_role_reads_the_invoices_it_may,
    the_guide_runs_as_written,
    each_partner_reads_its_documents_in_its_own_language,
);

const INVOICE_FIELDS: &str = "id number type issueDate supplyFrom supplyTo net { amount currency } vatRate vat { amount } gross { amount } \
    mentions lines { description amount { amount } } supplier { name vatId taxNumber country address { line1 city zip country } } \
    customer { name vatId country } corrects { number } pdfUrl xmlUrl";

fn paid_query() -> String {
    format!(
        "mutation($input: MarkCommissionsPaidInput!) {{ markCommissionsPaid(input: $input) {{ id amount statementNumber \
         partner {{ id name }} net {{ amount }} vat {{ amount }} invoice {{ {INVOICE_FIELDS} }} }} }}"
    )
}

const SET_TENANT: &str = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { invoicing { selfBilling legalName vatId country series exemptionText agreement { version text } } } }";
const SET_VAT: &str = "mutation($input: SetPartnerVatInput!) { setPartnerVat(input: $input) { registered vatId legalName country smallBusiness checkedBy address { line1 city zip country } } }";
const ACCEPT: &str = "mutation($v: Int!) { acceptSelfBillingAgreement(input: { version: $v }) { version acceptedAt expiresAt declinedAt } }";

/// The brand's invoicing: a self-billing program in `country`.
async fn self_billing(app: &TestApp, country: &str, vat_id: &str, zone: &str) -> Value {
    app.ok(
        &app.admin(),
        SET_TENANT,
        json!({ "input": { "timeZone": zone, "supportEmail": "billing@acme.example", "invoicing": {
            "selfBilling": true, "legalName": format!("Acme {country} Ltd"), "vatId": vat_id, "country": country,
            "address": { "line1": "Friedrichstraße 100", "city": "Berlin", "zip": "10117", "country": country },
            "exemptionText": "Kein Ausweis der Umsatzsteuer: Kleinunternehmer nach § 19 UStG",
            "agreement": "Acme issues your invoices in your name; you issue none for what it pays.",
            "contact": { "name": "Grete Buchhaltung", "email": "buchhaltung@acme.example", "phone": "+49 30 1234567" }
        } } }),
    )
    .await["updateTenant"]["invoicing"]
        .clone()
}

/// A partner of `campaign` with VAT details (`vat`: registered, VAT id,
/// small business, country) that accepted the agreement's `version`.
async fn billed_partner(
    app: &TestApp,
    campaign: &str,
    name: &str,
    vat: (bool, Option<&str>, bool, &str),
    version: Option<i64>,
) -> String {
    let (registered, vat_id, small_business, country) = vat;
    partner_with_vat(
        app,
        campaign,
        name,
        json!({ "registered": registered, "vatId": vat_id, "smallBusiness": small_business, "country": country }),
        version,
    )
    .await
}

/// A partner of `campaign` whose VAT details are `vat` (`setPartnerVat`'s
/// input, its legal name and address added), that accepted `version`.
async fn partner_with_vat(
    app: &TestApp,
    campaign: &str,
    name: &str,
    mut vat: Value,
    version: Option<i64>,
) -> String {
    let email = format!("{}@partners.example", name.to_lowercase());
    let id = app
        .create_partner(json!({ "name": name, "email": email }))
        .await;
    enroll(app, &id, campaign).await;
    let country = vat["country"].as_str().unwrap().to_owned();
    vat["legalName"] = json!(format!("{name} Media"));
    vat["address"] = address_in(name, &country);
    app.ok(&app.partner_token(&id), SET_VAT, json!({ "input": vat }))
        .await;
    if let Some(version) = version {
        app.ok(&app.partner_token(&id), ACCEPT, json!({ "v": version }))
            .await;
    }
    id
}

/// A partner registered for VAT in `country` under `vat_id`, that
/// accepted version 1 of the agreement.
async fn registered(
    app: &TestApp,
    campaign: &str,
    name: &str,
    vat_id: &str,
    country: &str,
) -> String {
    billed_partner(
        app,
        campaign,
        name,
        (true, Some(vat_id), false, country),
        Some(1),
    )
    .await
}

/// A brand in Germany that self-bills, and its campaign in euros.
async fn german_brand(app: &TestApp) -> String {
    let euro = euro_campaign(app).await;
    self_billing(app, "DE", "DE811907980", "Europe/Berlin").await;
    euro
}

/// An address in `country`: Köln, or New York for the US.
fn address_in(name: &str, country: &str) -> Value {
    match country {
        "US" => {
            json!({ "line1": format!("{name} St 1"), "city": "New York", "state": "NY", "zip": "10001", "country": "US" })
        }
        _ => {
            json!({ "line1": format!("{name}weg 1"), "city": "Köln", "zip": "50667", "country": country })
        }
    }
}

/// A sale of `amount` EUR in `campaign` on `day`; answers its commission.
async fn sale(
    app: &TestApp,
    partner: &str,
    campaign: &str,
    id: &str,
    amount: &str,
    day: &str,
) -> String {
    crate::support::sales::commission_id(
        app,
        json!({ "externalId": id, "partnerId": partner, "campaignId": campaign, "customerExternalId": format!("c-{id}"),
            "amount": amount, "currency": "EUR", "occurredAt": format!("{day}T12:00:00Z") }),
    )
    .await
}

async fn euro_campaign(app: &TestApp) -> String {
    create_campaign(
        app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await
}

/// Pays the commissions by hand; answers the payouts by partner name.
async fn pay_by_hand(app: &TestApp, ids: &[&str]) -> std::collections::BTreeMap<String, Value> {
    approve(app, ids).await;
    mark_paid(app, ids).await
}

/// Marks approved commissions paid; answers the payouts by partner name.
async fn mark_paid(app: &TestApp, ids: &[&str]) -> std::collections::BTreeMap<String, Value> {
    let paid = app
        .ok(
            &app.service("commissions:write"),
            &paid_query(),
            json!({ "input": { "ids": ids, "reference": "BANK-2026-01" } }),
        )
        .await;
    paid["markCommissionsPaid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["partner"]["name"].as_str().unwrap().to_owned(), p.clone()))
        .collect()
}

fn year() -> i32 {
    chrono::Utc::now().year()
}

/// Every row of SPEC §33's table for a brand in Germany, paid by hand:
/// domestic and registered (19 % of 123.45 is 23.4555: 23.46, rounded
/// once), EU and UK cross-border (reverse charge, both VAT ids), a small
/// business with a VAT id or its tax number only (exempt, the § 19
/// wording), not registered, a US business (reverse charge, § 13b) and a
/// US private person (outside the scope); a partner that declined and one
/// that accepted a version since replaced are paid as before, with no
/// invoice. The nine invoices take numbers 1 to 9 and each meets every
/// official rule set (SPEC §33b).
async fn a_german_brand_bills_each_row_of_the_vat_table(app: TestApp) {
    let euro = euro_campaign(&app).await;
    let invoicing = self_billing(&app, "DE", "DE 811 907 980", "Europe/Berlin").await;
    assert_eq!(
        invoicing,
        json!({ "selfBilling": true, "legalName": "Acme DE Ltd", "vatId": "DE811907980", "country": "DE",
            "series": "SB-", "exemptionText": "Kein Ausweis der Umsatzsteuer: Kleinunternehmer nach § 19 UStG",
            "agreement": { "version": 1, "text": "Acme issues your invoices in your name; you issue none for what it pays." } })
    );
    // Vera accepts version 1; the tenant then publishes version 2.
    let vera = registered(&app, &euro, "Vera", "DE136695976", "DE").await;
    let v2 = app
        .ok(
            &app.admin(),
            SET_TENANT,
            json!({ "input": { "invoicing": { "agreement": "Version two of the agreement." } } }),
        )
        .await;
    assert_eq!(v2["updateTenant"]["invoicing"]["agreement"]["version"], 2);
    let stale = app
        .error(Some(&app.partner_token(&vera)), ACCEPT, json!({ "v": 1 }))
        .await;
    assert_eq!(
        (code(&stale), field(&stale)),
        ("BAD_USER_INPUT", "input.version")
    );
    let dora = billed_partner(
        &app,
        &euro,
        "Dora",
        (true, Some("DE136695976"), false, "DE"),
        Some(2),
    )
    .await;
    let fleur = billed_partner(
        &app,
        &euro,
        "Fleur",
        (true, Some("FR40303265045"), false, "FR"),
        Some(2),
    )
    .await;
    let kai = billed_partner(
        &app,
        &euro,
        "Kai",
        (true, Some("DE129273398"), true, "DE"),
        Some(2),
    )
    .await;
    let uli = billed_partner(&app, &euro, "Uli", (false, None, false, "DE"), Some(2)).await;
    // A US business: the brand owes the VAT (§ 13b UStG); a US private
    // person supplies outside the scope of VAT.
    let sam = partner_with_vat(
        &app,
        &euro,
        "Sam",
        json!({ "registered": false, "vatId": "98-7654321", "business": true, "country": "US" }),
        Some(2),
    )
    .await;
    let pia = billed_partner(&app, &euro, "Pia", (false, None, false, "US"), Some(2)).await;
    // A Kleinunternehmer with its tax number only, an Austrian and a
    // British business registered for VAT.
    let kim = partner_with_vat(
        &app,
        &euro,
        "Kim",
        json!({ "registered": false, "smallBusiness": true, "taxNumber": "21/815/08150",
            "phone": "+49 221 555", "country": "DE" }),
        Some(2),
    )
    .await;
    let anton = billed_partner(
        &app,
        &euro,
        "Anton",
        (true, Some("ATU13585627"), false, "AT"),
        Some(2),
    )
    .await;
    let gabe = billed_partner(
        &app,
        &euro,
        "Gabe",
        (true, Some("GB434031494"), false, "GB"),
        Some(2),
    )
    .await;
    let nora = billed_partner(
        &app,
        &euro,
        "Nora",
        (true, Some("DE136695976"), false, "DE"),
        None,
    )
    .await;
    let declined = app
        .ok(
            &app.partner_token(&nora),
            "mutation { declineSelfBilling { version acceptedAt declinedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(declined["declineSelfBilling"]["version"], 2);
    assert!(declined["declineSelfBilling"]["declinedAt"].is_string());
    let mut ids = Vec::new();
    for (partner, amount) in [
        (&dora, "1234.50"),
        (&fleur, "500"),
        (&kai, "300"),
        (&uli, "200"),
        (&sam, "100"),
        (&nora, "100"),
        (&vera, "100"),
        (&pia, "100"),
        (&kim, "150"),
        (&anton, "100"),
        (&gabe, "100"),
    ] {
        ids.push(
            sale(
                &app,
                partner,
                &euro,
                &format!("o-{partner}"),
                amount,
                "2026-01-10",
            )
            .await,
        );
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let paid = pay_by_hand(&app, &ids).await;
    let money = |p: &Value| {
        (
            p["net"]["amount"].as_str().unwrap().to_owned(),
            p["vat"]["amount"].as_str().unwrap().to_owned(),
            p["amount"].as_str().unwrap().to_owned(),
        )
    };
    let owned = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(money(&paid["Dora"]), owned("123.45", "23.46", "146.91"));
    assert_eq!(money(&paid["Fleur"]), owned("50.00", "0.00", "50.00"));
    assert_eq!(money(&paid["Kai"]), owned("30.00", "0.00", "30.00"));
    assert_eq!(money(&paid["Uli"]), owned("20.00", "0.00", "20.00"));
    assert_eq!(money(&paid["Sam"]), owned("10.00", "0.00", "10.00"));
    assert_eq!(money(&paid["Nora"]), owned("10.00", "0.00", "10.00"));
    assert_eq!(money(&paid["Vera"]), owned("10.00", "0.00", "10.00"));
    assert_eq!(paid["Nora"]["invoice"], Value::Null);
    assert_eq!(paid["Vera"]["invoice"], Value::Null);
    let dora_invoice = &paid["Dora"]["invoice"];
    assert_eq!(dora_invoice["type"], "INVOICE");
    assert_eq!(dora_invoice["vatRate"], "19");
    assert_eq!(dora_invoice["vat"]["amount"], "23.46");
    assert_eq!(dora_invoice["gross"]["amount"], "146.91");
    assert_eq!(
        dora_invoice["net"],
        json!({ "amount": "123.45", "currency": "EUR" })
    );
    assert_eq!(
        dora_invoice["mentions"],
        json!(["Self-billing", "Gutschrift"])
    );
    assert_eq!(
        (
            dora_invoice["supplyFrom"].as_str(),
            dora_invoice["supplyTo"].as_str()
        ),
        (Some("2026-01-10"), Some("2026-01-10"))
    );
    assert_eq!(
        dora_invoice["supplier"],
        json!({ "name": "Dora Media", "vatId": "DE136695976", "taxNumber": null, "country": "DE",
            "address": { "line1": "Doraweg 1", "city": "Köln", "zip": "50667", "country": "DE" } })
    );
    assert_eq!(
        dora_invoice["customer"],
        json!({ "name": "Acme DE Ltd", "vatId": "DE811907980", "country": "DE" })
    );
    assert_eq!(
        dora_invoice["lines"],
        json!([{ "description": "Commissions, Europe", "amount": { "amount": "123.45" } }])
    );
    let fleur_invoice = &paid["Fleur"]["invoice"];
    assert_eq!(fleur_invoice["vatRate"], Value::Null);
    assert_eq!(
        fleur_invoice["mentions"],
        json!(["Self-billing", "Gutschrift", "Reverse charge"])
    );
    assert_eq!(fleur_invoice["supplier"]["vatId"], "FR40303265045");
    assert_eq!(fleur_invoice["customer"]["vatId"], "DE811907980");
    assert_eq!(
        paid["Kai"]["invoice"]["mentions"],
        json!([
            "Self-billing",
            "Gutschrift",
            "Kein Ausweis der Umsatzsteuer: Kleinunternehmer nach § 19 UStG"
        ])
    );
    // Without a VAT id, its tax number names it; its invoice is exempt
    // (E) with the § 19 text, never "not subject to VAT".
    let kim_invoice = &paid["Kim"]["invoice"];
    assert_eq!(kim_invoice["mentions"], paid["Kai"]["invoice"]["mentions"]);
    assert_eq!(
        (
            kim_invoice["supplier"]["vatId"].clone(),
            kim_invoice["supplier"]["taxNumber"].clone()
        ),
        (Value::Null, json!("21/815/08150"))
    );
    assert_eq!(
        paid["Uli"]["invoice"]["mentions"],
        json!(["Self-billing", "Gutschrift"])
    );
    assert_eq!(
        paid["Pia"]["invoice"]["mentions"],
        json!(["Self-billing", "Gutschrift"])
    );
    // The US business: reverse charge, its EIN its tax number.
    let sam_invoice = &paid["Sam"]["invoice"];
    assert_eq!(
        sam_invoice["mentions"],
        json!([
            "Self-billing",
            "Gutschrift",
            "Reverse charge",
            "Steuerschuldnerschaft des Leistungsempfängers"
        ])
    );
    assert_eq!(sam_invoice["vatRate"], Value::Null);
    assert_eq!(
        (
            sam_invoice["supplier"]["vatId"].clone(),
            sam_invoice["supplier"]["taxNumber"].clone()
        ),
        (Value::Null, json!("98-7654321"))
    );
    for name in ["Anton", "Gabe"] {
        assert_eq!(
            paid[name]["invoice"]["mentions"],
            json!(["Self-billing", "Gutschrift", "Reverse charge"]),
            "{name}"
        );
    }
    // Each document meets EN 16931 (1.3.16 and 1.3.15), PEPPOL BIS
    // Self-Billing and XRechnung; its category is what the table says.
    let everyone = [
        "Dora", "Fleur", "Kai", "Uli", "Sam", "Pia", "Kim", "Anton", "Gabe",
    ];
    for (name, category) in everyone
        .iter()
        .zip(["S", "AE", "E", "O", "AE", "O", "E", "AE", "AE"])
    {
        let (xml, _) = checked_document(&app, &paid[*name]["invoice"]).await;
        assert!(
            xml.contains(&format!("<cac:TaxCategory><cbc:ID>{category}</cbc:ID>")),
            "{name}: {xml}"
        );
    }
    // Nine invoices, numbered 1 to 9 of the year, in the order paid.
    let mut numbers: Vec<String> = everyone
        .iter()
        .map(|name| {
            paid[*name]["invoice"]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    numbers.sort();
    let year = year();
    assert_eq!(
        numbers,
        (1..=9)
            .map(|n| format!("SB-{year}-{n:06}"))
            .collect::<Vec<_>>()
    );
    // The partner reads its own answer; the list has the nine invoices.
    let answer = app
        .ok(
            &app.partner_token(&vera),
            "query($p: ID!) { partner(id: $p) { selfBilling { version inForce } vat { vatId checkedBy } } }",
            json!({ "p": vera }),
        )
        .await;
    assert_eq!(
        answer["partner"],
        json!({ "selfBilling": { "version": 1, "inForce": false }, "vat": { "vatId": "DE136695976", "checkedBy": "FORMAT" } })
    );
    let listed = app
        .ok(
            &app.admin(),
            "{ invoices { totalCount nodes { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["invoices"]["totalCount"], 9);
}

/// A UK brand: a registered UK partner's invoice adds 20 % and HMRC's
/// sentence; its agreement expires 12 months after acceptance; an EU
/// partner's is a reverse charge.
async fn a_uk_brand_adds_20_percent_and_hmrcs_sentence_for_12_months(app: TestApp) {
    let euro = euro_campaign(&app).await;
    self_billing(&app, "GB", "GB980780684", "Europe/London").await;
    // Its lines say what it buys, beside the campaign's name; a contact
    // given is cleared by null (a UK brand's documents need none).
    let changed = app
        .ok(
            &app.admin(),
            "mutation { updateTenant(input: { invoicing: { serviceDescription: \"Referral commissions\", contact: null } }) { invoicing { serviceDescription contact { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["updateTenant"]["invoicing"],
        json!({ "serviceDescription": "Referral commissions", "contact": null })
    );
    let gina = registered(&app, &euro, "Gina", "GB434031494", "GB").await;
    let dirk = registered(&app, &euro, "Dirk", "DE136695976", "DE").await;
    let agreement = app
        .ok(
            &app.partner_token(&gina),
            "query($p: ID!) { partner(id: $p) { selfBilling { version acceptedAt expiresAt inForce } } }",
            json!({ "p": gina }),
        )
        .await["partner"]["selfBilling"]
        .clone();
    let accepted =
        chrono::DateTime::parse_from_rfc3339(agreement["acceptedAt"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(agreement["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires, accepted + chrono::Months::new(12));
    assert_eq!(agreement["inForce"], true);
    // 0.05 of VAT on 0.25: 20 % of an odd-cent net, rounded once.
    let g = sale(&app, &gina, &euro, "g-1", "2.55", "2026-02-03").await;
    let g2 = sale(&app, &gina, &euro, "g-2", "1000", "2026-02-20").await;
    let d = sale(&app, &dirk, &euro, "d-1", "1000", "2026-02-03").await;
    let paid = pay_by_hand(&app, &[&g, &g2, &d]).await;
    // 10 % of 2.55 is 0.26 (0.255 away from zero); the net 100.26 at 20 %
    // is 20.052: VAT 20.05.
    assert_eq!(paid["Gina"]["net"]["amount"], "100.26");
    assert_eq!(paid["Gina"]["vat"]["amount"], "20.05");
    assert_eq!(paid["Gina"]["amount"], "120.31");
    let invoice = &paid["Gina"]["invoice"];
    assert_eq!(invoice["vatRate"], "20");
    assert_eq!(
        invoice["lines"],
        json!([{ "description": "Referral commissions, Europe", "amount": { "amount": "100.26" } }])
    );
    assert_eq!(
        invoice["mentions"],
        json!([
            "Self-billing",
            "The VAT shown is your output tax due to HMRC"
        ])
    );
    assert_eq!(
        (invoice["supplyFrom"].as_str(), invoice["supplyTo"].as_str()),
        (Some("2026-02-03"), Some("2026-02-20"))
    );
    assert_eq!(invoice["issueDate"].as_str().unwrap().len(), 10);
    assert_eq!(paid["Dirk"]["vat"]["amount"], "0.00");
    assert_eq!(
        paid["Dirk"]["invoice"]["mentions"],
        json!(["Self-billing", "Reverse charge"])
    );
    // A UK brand's documents meet EN 16931 and PEPPOL BIS Self-Billing.
    for name in ["Gina", "Dirk"] {
        checked_document(&app, &paid[name]["invoice"]).await;
    }
}

/// A run decides the VAT when it makes the payouts: its PayPal file pays
/// net + VAT. Ten payouts marked paid at once take ten numbers with no
/// gap; a payout that failed takes none, and the next paid takes 11.
async fn a_run_pays_net_and_vat_and_ten_payouts_paid_at_once_take_ten_numbers(app: TestApp) {
    let euro = german_brand(&app).await;
    let mut partners = Vec::new();
    for n in 0..12 {
        let name = format!("P{n:02}");
        let id = billed_partner(
            &app,
            &euro,
            &name,
            (true, Some("DE136695976"), false, "DE"),
            Some(1),
        )
        .await;
        paypal(&app, &id, &format!("p{n}@example.com")).await;
        let c = sale(&app, &id, &euro, &format!("r-{n}"), "100.05", "2026-01-10").await;
        approve(&app, &[&c]).await;
        partners.push(id);
    }
    let the_run = run(
        &app,
        json!({ "periodEnd": "2026-01-31", "currency": "EUR" }),
    )
    .await;
    let payouts: Vec<(String, String)> = the_run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(payouts.len(), 12);
    // 10.01 (10.005 away from zero) and 19 % of it, 1.9019: 1.90.
    assert!(
        payouts.iter().all(|(_, amount)| amount == "11.91"),
        "{payouts:?}"
    );
    let file = app
        .ok(
            &app.service("commissions:write"),
            "query($run: ID!) { payoutRunFile(runId: $run, format: PAYPAL_PAYOUTS_CSV, currency: \"EUR\") { content } }",
            json!({ "run": the_run["id"] }),
        )
        .await;
    use base64::Engine;
    let csv = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(file["payoutRunFile"]["content"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(csv.matches(",11.91,").count(), 12, "{csv}");
    // Its statement says the net, the VAT and what is paid.
    let (status, pdf) = get(
        &app,
        &app.admin(),
        &format!("/statements/{}.pdf", payouts[0].0),
    )
    .await;
    assert_eq!(status, 200);
    let text = pdf_layout_text(&pdf).await;
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for wanted in ["Net €10.01", "VAT €1.90 (19 %)", "Total €11.91"] {
        assert!(lines.iter().any(|l| l == wanted), "{wanted:?} in {text}");
    }
    // Pending: no invoice yet.
    let one = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { invoice { number } net { amount } vat { amount } } }",
            json!({ "id": payouts[0].0 }),
        )
        .await;
    assert_eq!(
        one["payout"],
        json!({ "invoice": null, "net": { "amount": "10.01" }, "vat": { "amount": "1.90" } })
    );
    // The eleventh fails: it takes no number.
    app.ok(
        &app.service("commissions:write"),
        "mutation($id: ID!) { markPayoutFailed(id: $id, reason: \"bounced\") { status invoice { number } } }",
        json!({ "id": payouts[10].0 }),
    )
    .await;
    let pay = "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"r\") { invoice { number gross { amount } } } }";
    let token = app.service("commissions:write");
    let answers = join_all(
        payouts[..10]
            .iter()
            .map(|(id, _)| app.ok(&token, pay, json!({ "id": id }))),
    )
    .await;
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a["markPayoutPaid"]["invoice"]["gross"]["amount"], "11.91");
            a["markPayoutPaid"]["invoice"]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    numbers.sort();
    let year = year();
    assert_eq!(
        numbers,
        (1..=10)
            .map(|n| format!("SB-{year}-{n:06}"))
            .collect::<Vec<_>>()
    );
    let last = app.ok(&token, pay, json!({ "id": payouts[11].0 })).await;
    assert_eq!(
        last["markPayoutPaid"]["invoice"]["number"],
        format!("SB-{year}-000011")
    );
    // Paid by PayPal: its payment means say so (68, the e-mail paid), and
    // the payout is the remittance the buyer reference names.
    let xml = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { invoice { xmlUrl } } }",
            json!({ "id": payouts[11].0 }),
        )
        .await["payout"]["invoice"]["xmlUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let xml = String::from_utf8(get(&app, &app.admin(), &xml).await.1).unwrap();
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    let payout = &payouts[11].0;
    for wanted in [
        format!("<cbc:BuyerReference>{payout}</cbc:BuyerReference>"),
        format!(
            "<cac:PaymentMeans><cbc:PaymentMeansCode>68</cbc:PaymentMeansCode><cbc:PaymentID>{payout}</cbc:PaymentID>\
             <cac:PayeeFinancialAccount><cbc:ID>p11@example.com</cbc:ID>"
        ),
    ] {
        assert!(xml.contains(&wanted), "{wanted} in {xml}");
    }
}

/// A refund's clawback nets into the payout as a negative line of its
/// campaign; the invoice issued stays as it was when the partner's
/// details (and the tenant's) change after, and the database refuses to
/// change or delete it.
async fn a_clawback_is_a_negative_line_and_an_invoice_never_changes(app: TestApp) {
    let euro = german_brand(&app).await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let first = sale(&app, &dora, &euro, "c-1", "600", "2026-01-10").await;
    let second = sale(&app, &dora, &euro, "c-2", "200", "2026-01-20").await;
    approve(&app, &[&first, &second]).await;
    let refund = app
        .ok(
            &app.service("events:write"),
            "mutation { recordRefund(input: { eventExternalId: \"c-1\", amount: \"150\" }) { clawbacks { id } } }",
            json!({}),
        )
        .await;
    assert!(refund["recordRefund"]["clawbacks"][0]["id"].is_string());
    let paid = mark_paid(&app, &[&first, &second]).await;
    let invoice = paid["Dora"]["invoice"].clone();
    assert_eq!(
        invoice["lines"],
        json!([{ "description": "Commissions, Europe", "amount": { "amount": "80.00" } },
               { "description": "Clawbacks, Europe", "amount": { "amount": "-15.00" } }])
    );
    assert_eq!(invoice["net"]["amount"], "65.00");
    assert_eq!(invoice["vat"]["amount"], "12.35");
    assert_eq!(invoice["gross"]["amount"], "77.35");
    let xml_url = invoice["xmlUrl"].as_str().unwrap().to_owned();
    let before = get(&app, &app.admin(), &xml_url).await;
    assert_eq!(before.0, 200);
    // The partner moves and renames itself; the tenant changes its name.
    app.ok(
        &app.partner_token(&dora),
        SET_VAT,
        json!({ "input": { "registered": true, "vatId": "DE129273398", "country": "DE", "legalName": "Dora Neu GmbH",
            "address": { "line1": "Neue Str. 2", "city": "Bonn", "zip": "53111", "country": "DE" } } }),
    )
    .await;
    app.ok(
        &app.admin(),
        SET_TENANT,
        json!({ "input": { "invoicing": { "legalName": "Acme Renamed GmbH" } } }),
    )
    .await;
    let again = app
        .ok(
            &app.admin(),
            &format!("query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"),
            json!({ "id": invoice["id"] }),
        )
        .await;
    assert_eq!(again["invoice"], invoice);
    assert_eq!(get(&app, &app.admin(), &xml_url).await, before);
    // The database itself refuses to change or delete an issued document.
    use sea_orm::ConnectionTrait;
    let id = invoice["id"].as_str().unwrap();
    for sql in [
        format!("UPDATE invoices SET net_minor = 1 WHERE id = '{id}'"),
        format!("UPDATE invoices SET supplier = '{{}}' WHERE id = '{id}'"),
        format!("DELETE FROM invoices WHERE id = '{id}'"),
    ] {
        let err = app
            .db
            .conn()
            .execute_unprepared(&sql)
            .await
            .expect_err(&sql);
        let text = err.to_string();
        assert!(
            text.contains("never changes") || text.contains("never deleted"),
            "{sql}: {text}"
        );
    }
}

/// `GET` with a token: the status and the body.
/// A German brand pays a partner in US dollars: 1,800.00 USD and 19 %,
/// 342.00 USD of VAT — which the invoice also states in euros, the
/// brand's national currency, at the reference rate of its day (1 EUR =
/// 1.172 USD: 1 USD = 0.8532423208 EUR, 291.81 EUR), in its XML (BT-6,
/// BT-111) and its PDF; a brand paying in its own currency states none.
async fn a_payout_in_dollars_states_its_vat_in_euros_too(app: TestApp) {
    let dollars = create_campaign(
        &app,
        json!({ "name": "Americas", "currency": "USD", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let euro = german_brand(&app).await;
    let today = chrono::Utc::now().date_naive();
    crate::support::rates::import(
        &app,
        "ECB",
        &format!(
            "Date,USD,\n{today},1.172,\n{},1.172,\n",
            today.pred_opt().unwrap()
        ),
    )
    .await;
    let lea = registered(&app, &dollars, "Lea", "DE136695976", "DE").await;
    enroll(&app, &lea, &euro).await;
    let usd = crate::support::sales::commission_id(
        &app,
        json!({ "externalId": "usd-1", "partnerId": lea, "campaignId": dollars, "customerExternalId": "c-usd-1",
            "amount": "18000", "currency": "USD", "occurredAt": "2026-01-10T12:00:00Z" }),
    )
    .await;
    let eur = sale(&app, &lea, &euro, "eur-1", "1000", "2026-01-11").await;
    let paid = pay_by_hand(&app, &[&usd]).await;
    let invoice = paid["Lea"]["invoice"]["id"].as_str().unwrap().to_owned();
    let stated = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on Invoice { vat { amount currency } vatInTaxCurrency { amount currency } exchangeRate { from to rate day } } } }",
            json!({ "id": invoice }),
        )
        .await["node"]
        .clone();
    assert_eq!(
        stated,
        json!({ "vat": { "amount": "342.00", "currency": "USD" },
            "vatInTaxCurrency": { "amount": "291.81", "currency": "EUR" },
            "exchangeRate": { "from": "USD", "to": "EUR", "rate": "0.8532423208", "day": today.to_string() } })
    );
    let (_, xml) = get(&app, &app.admin(), &format!("/invoices/{invoice}.xml")).await;
    let xml = String::from_utf8(xml).unwrap();
    assert!(
        xml.contains("<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">291.81</cbc:TaxAmount></cac:TaxTotal>"
        ),
        "{xml}"
    );
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    checked_document(
        &app,
        &json!({ "xmlUrl": format!("/invoices/{invoice}.xml"), "pdfUrl": format!("/invoices/{invoice}.pdf") }),
    )
    .await;
    let (_, pdf) = get(&app, &app.admin(), &format!("/invoices/{invoice}.pdf")).await;
    let text = pdf_layout_text(&pdf).await;
    let stated = text.lines().find(|l| l.starts_with("VAT in EUR"));
    assert_eq!(
        stated.map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["VAT", "in", "EUR", "€291.81"]),
        "{text}"
    );
    // The rate's day as the document's language writes a day.
    let day = revshare::languages::formats::day("en", today);
    assert!(
        text.contains(&format!(
            "1 USD = 0.8532423208 EUR, reference rate of {day}"
        )),
        "{text}"
    );
    // In euros, the brand's own currency: nothing more to state.
    let paid = pay_by_hand(&app, &[&eur]).await;
    let invoice = paid["Lea"]["invoice"]["id"].as_str().unwrap().to_owned();
    let stated = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on Invoice { vat { amount } vatInTaxCurrency { amount } exchangeRate { rate } } } }",
            json!({ "id": invoice }),
        )
        .await["node"]
        .clone();
    assert_eq!(
        stated,
        json!({ "vat": { "amount": "19.00" }, "vatInTaxCurrency": null, "exchangeRate": null })
    );
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.bytes().await.unwrap().to_vec(),
    )
}

/// The PDF reads back with `pdftotext`, every field and mention in full;
/// the XML validates against the OASIS UBL 2.1 schemas, its `TaxAmount`
/// the VAT, a reverse charge in category `AE`.
async fn the_pdf_and_the_ubl_read_back(app: TestApp) {
    let euro = german_brand(&app).await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let fleur = registered(&app, &euro, "Fleur", "FR40303265045", "FR").await;
    let d = sale(&app, &dora, &euro, "x-1", "1234.50", "2026-01-10").await;
    let f = sale(&app, &fleur, &euro, "x-2", "500", "2026-01-11").await;
    let uli = billed_partner(&app, &euro, "Uli", (false, None, false, "DE"), Some(1)).await;
    let kai = billed_partner(
        &app,
        &euro,
        "Kai",
        (true, Some("DE129273398"), true, "DE"),
        Some(1),
    )
    .await;
    let u = sale(&app, &uli, &euro, "x-3", "100", "2026-01-12").await;
    let k = sale(&app, &kai, &euro, "x-4", "100", "2026-01-12").await;
    let paid = pay_by_hand(&app, &[&d, &f, &u, &k]).await;
    // Outside the scope of VAT (O): no VAT id named; a small business (E):
    // the exemption's wording.
    for (name, category, reason) in [
        ("Uli", "<cbc:ID>O</cbc:ID>", "Not subject to VAT"),
        (
            "Kai",
            "<cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>",
            "Kleinunternehmer",
        ),
    ] {
        let url = paid[name]["invoice"]["xmlUrl"].as_str().unwrap().to_owned();
        let xml = String::from_utf8(get(&app, &app.admin(), &url).await.1).unwrap();
        assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
        assert!(xml.contains(category) && xml.contains(reason), "{xml}");
        assert_eq!(xml.contains("<cbc:CompanyID>"), name == "Kai", "{xml}");
    }
    let invoice = &paid["Dora"]["invoice"];
    let number = invoice["number"].as_str().unwrap();
    let (status, pdf) = get(
        &app,
        &app.partner_token(&dora),
        invoice["pdfUrl"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let text = pdf_layout_text(&pdf).await;
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    // Days and amounts as CLDR writes them in English (SPEC §38).
    let issued = revshare::languages::formats::day("en", chrono::Utc::now().date_naive());
    for wanted in [
        format!("Self-billed invoice {number}"),
        format!("Issue date {issued}"),
        "Supply period January 10, 2026 to January 10, 2026".to_owned(),
        "Dora Media".to_owned(),
        "Doraweg 1".to_owned(),
        "50667 Köln, DE".to_owned(),
        "VAT id DE136695976".to_owned(),
        "Acme DE Ltd".to_owned(),
        "VAT id DE811907980".to_owned(),
        "Commissions, Europe 123.45".to_owned(),
        "Net €123.45".to_owned(),
        "VAT rate 19 %".to_owned(),
        "VAT €23.46".to_owned(),
        "Gross €146.91".to_owned(),
        "Self-billing".to_owned(),
    ] {
        assert!(lines.contains(&wanted), "{wanted:?} in {text}");
    }
    let (status, xml) = get(
        &app,
        &app.partner_token(&dora),
        invoice["xmlUrl"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    assert!(
        xml.contains("<cbc:InvoiceTypeCode>389</cbc:InvoiceTypeCode>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("<cbc:ID>{number}</cbc:ID>")), "{xml}");
    assert!(
        xml.contains("<cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">23.46</cbc:TaxAmount>"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:PayableAmount currencyID=\"EUR\">146.91</cbc:PayableAmount>"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>"),
        "{xml}"
    );
    let reverse = &paid["Fleur"]["invoice"];
    let (_, xml) = get(&app, &app.admin(), reverse["xmlUrl"].as_str().unwrap()).await;
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    assert!(xml.contains("<cbc:ID>AE</cbc:ID>"), "{xml}");
    assert!(
        xml.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:TaxAmount currencyID=\"EUR\">0.00</cbc:TaxAmount>"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:CompanyID>FR40303265045</cbc:CompanyID>"),
        "{xml}"
    );
    let (_, pdf) = get(&app, &app.admin(), reverse["pdfUrl"].as_str().unwrap()).await;
    let text = pdf_layout_text(&pdf).await;
    assert!(text.contains("Reverse charge"), "{text}");
    assert!(text.contains("VAT id FR40303265045"), "{text}");
    // A document the schemas refuse is told apart: the check can fail.
    let broken = xml.replacen("<cbc:IssueDate>", "<cbc:IssueDateX>", 1);
    assert_ne!(ubl_verdict(&broken).await, "valid");
}

/// A malformed VAT id is `BAD_USER_INPUT` on `input.vatId`, by form and by
/// check digit, for each state whose algorithm is published, and the
/// tenant's own on `input.invoicing.vatId`.
async fn malformed_vat_ids_are_refused_by_country(app: TestApp) {
    let partner = app.create_partner(json!({ "name": "Malte" })).await;
    for (country, id, why) in [
        ("DE", "DE136695977", "has check digits that do not match"),
        ("DE", "DE13669597", "must be 9 digits"),
        ("FR", "FR41303265045", "has check digits that do not match"),
        ("IT", "IT00743110158", "has check digits that do not match"),
        ("HR", "HR69435151531", "has check digits that do not match"),
        ("NL", "NL004495446B01", "has check digits that do not match"),
        ("BE", "BE0477472702", "has check digits that do not match"),
        ("AT", "ATU13585628", "has check digits that do not match"),
        ("PL", "PL5260250275", "has check digits that do not match"),
        ("ES", "ESA28015866", "has check digits that do not match"),
        ("GB", "GB980780685", "has check digits that do not match"),
        ("DE", "FR40303265045", "starts with another state's prefix"),
    ] {
        let error = app
            .error(
                Some(&app.admin()),
                SET_VAT,
                json!({ "input": { "partnerId": partner, "registered": true, "vatId": id, "country": country } }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.vatId"),
            "{country} {id}: {error}"
        );
        assert!(
            error["message"].as_str().unwrap().contains(why),
            "{country} {id}: {error}"
        );
    }
    let missing = app
        .error(
            Some(&app.admin()),
            SET_VAT,
            json!({ "input": { "partnerId": partner, "registered": true, "country": "DE" } }),
        )
        .await;
    assert_eq!(field(&missing), "input.vatId");
    let tenant = app
        .error(
            Some(&app.admin()),
            SET_TENANT,
            json!({ "input": { "invoicing": { "country": "DE", "vatId": "DE811907981" } } }),
        )
        .await;
    assert_eq!(
        (code(&tenant), field(&tenant)),
        ("BAD_USER_INPUT", "input.invoicing.vatId")
    );
    let incomplete = app
        .error(
            Some(&app.admin()),
            SET_TENANT,
            json!({ "input": { "invoicing": { "selfBilling": true, "country": "DE", "vatId": "DE811907980" } } }),
        )
        .await;
    assert_eq!(field(&incomplete), "input.invoicing.legalName");
    // Nothing was half written.
    let now = app
        .ok(
            &app.admin(),
            "{ viewer { tenant { invoicing { selfBilling country vatId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        now["viewer"]["tenant"]["invoicing"],
        json!({ "selfBilling": false, "country": null, "vatId": null })
    );
}

const UPLOAD: &str = "mutation($input: UploadPartnerInvoiceInput!) { uploadPartnerInvoice(input: $input) { id partnerInvoice { filename contentType content } } }";

/// A PDF of `size` bytes: a header, filler, and the end-of-file marker.
fn pdf_of(size: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(size - 6, b' ');
    pdf.extend_from_slice(b"%%EOF\n");
    pdf
}

/// A partner without an agreement uploads its own invoice while its
/// payout is pending: a PDF of at most 5 MiB, the one body allowed past
/// 2 MiB; anything else is refused, and a self-billed payout takes none.
async fn a_partner_without_an_agreement_uploads_its_own_pdf(app: TestApp) {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let euro = german_brand(&app).await;
    let olga = billed_partner(
        &app,
        &euro,
        "Olga",
        (true, Some("DE136695976"), false, "DE"),
        None,
    )
    .await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let o = sale(&app, &olga, &euro, "u-1", "100", "2026-01-10").await;
    let d = sale(&app, &dora, &euro, "u-2", "100", "2026-01-10").await;
    // Olga's payout waits in a run; Dora's is paid by hand.
    approve(&app, &[&o]).await;
    paypal(&app, &olga, "olga@example.com").await;
    let the_run = run(
        &app,
        json!({ "periodEnd": "2026-01-31", "currency": "EUR" }),
    )
    .await;
    let payout = the_run["payouts"][0]["id"].as_str().unwrap().to_owned();
    let paid = pay_by_hand(&app, &[&d]).await;
    let token = app.partner_token(&olga);
    // Nearly 5 MiB: 6.7 MiB of base64, past the 2 MiB body limit.
    let big = pdf_of(5 * 1024 * 1024);
    let uploaded = app
        .ok(
            &token,
            UPLOAD,
            json!({ "input": { "payoutId": payout, "pdf": b64(&big) } }),
        )
        .await;
    let file = &uploaded["uploadPartnerInvoice"]["partnerInvoice"];
    assert_eq!(file["contentType"], "application/pdf");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(file["content"].as_str().unwrap())
            .unwrap(),
        big
    );
    // Paid against it: it stays.
    app.ok(
        &app.service("commissions:write"),
        "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"r\") { status } }",
        json!({ "id": payout }),
    )
    .await;
    let again = app
        .error(
            Some(&token),
            UPLOAD,
            json!({ "input": { "payoutId": payout, "pdf": b64(&pdf_of(1000)) } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
    for (bytes, why) in [
        (pdf_of(5 * 1024 * 1024 + 1), "at most 5 MiB"),
        (b"<html>not a pdf</html>".to_vec(), "must be a PDF"),
    ] {
        let error = app
            .error(
                Some(&token),
                UPLOAD,
                json!({ "input": { "payoutId": payout, "pdf": b64(&bytes) } }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.pdf"),
            "{error}"
        );
        assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    }
    // Dora's payout is self-billed; staff upload nothing; another
    // partner's payout is not found.
    let billed = app
        .error(
            Some(&app.partner_token(&dora)),
            UPLOAD,
            json!({ "input": { "payoutId": paid["Dora"]["id"], "pdf": b64(&pdf_of(1000)) } }),
        )
        .await;
    assert_eq!(code(&billed), "CONFLICT");
    let staff = app
        .error(
            Some(&app.admin()),
            UPLOAD,
            json!({ "input": { "payoutId": payout, "pdf": b64(&pdf_of(1000)) } }),
        )
        .await;
    assert_eq!(code(&staff), "FORBIDDEN");
    let other = app
        .error(
            Some(&app.partner_token(&dora)),
            UPLOAD,
            json!({ "input": { "payoutId": payout, "pdf": b64(&pdf_of(1000)) } }),
        )
        .await;
    assert_eq!(code(&other), "NOT_FOUND");
    // Only the upload may be that large: any other 3 MiB body is refused.
    let (status, _) = app
        .post(
            Some(&token),
            "query($pad: String) { viewer { __typename } }",
            json!({ "pad": "x".repeat(3 * 1024 * 1024) }),
        )
        .await;
    assert_eq!(status, 413);
    // Staff read it.
    let read = app
        .ok(
            &app.service("commissions:read"),
            "query($id: ID!) { payout(id: $id) { partnerInvoice { filename } } }",
            json!({ "id": payout }),
        )
        .await;
    assert!(read["payout"]["partnerInvoice"]["filename"].is_string());
}

/// Admins, the ledger's readers (`commissions:read`) and viewers read
/// every invoice; a partner its own; another partner, a token without the
/// scope and none read nothing — `404` for the files, as an id naming
/// nothing. Only the partner answers the agreement.
async fn each_role_reads_the_invoices_it_may(app: TestApp) {
    let euro = german_brand(&app).await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let eve = registered(&app, &euro, "Eve", "DE129273398", "DE").await;
    let d = sale(&app, &dora, &euro, "a-1", "100", "2026-01-10").await;
    let e = sale(&app, &eve, &euro, "a-2", "100", "2026-01-10").await;
    let paid = pay_by_hand(&app, &[&d, &e]).await;
    let invoice = paid["Dora"]["invoice"]["id"].as_str().unwrap().to_owned();
    let viewer = crate::support::staff::staff_token(&app, "vi@acme.example", "VIEWER").await;
    let by_id = "query($id: ID!) { invoice(id: $id) { number } node(id: $id) { ... on Invoice { number } } }";
    let list = "{ invoices { totalCount } }";
    for token in [app.admin(), app.service("commissions:read"), viewer.clone()] {
        let read = app.ok(&token, by_id, json!({ "id": invoice })).await;
        assert!(read["invoice"]["number"].is_string(), "{read}");
        assert_eq!(read["node"], read["invoice"]);
        assert_eq!(
            app.ok(&token, list, json!({})).await["invoices"]["totalCount"],
            2
        );
        assert_eq!(
            get(&app, &token, &format!("/invoices/{invoice}.pdf"))
                .await
                .0,
            200
        );
    }
    let own = app
        .ok(&app.partner_token(&dora), by_id, json!({ "id": invoice }))
        .await;
    assert!(own["invoice"]["number"].is_string());
    assert_eq!(
        app.ok(&app.partner_token(&dora), list, json!({})).await["invoices"]["totalCount"],
        1
    );
    let others = app
        .ok(&app.partner_token(&eve), by_id, json!({ "id": invoice }))
        .await;
    assert_eq!(others, json!({ "invoice": null, "node": null }));
    for path in [
        format!("/invoices/{invoice}.pdf"),
        format!("/invoices/{invoice}.xml"),
    ] {
        assert_eq!(get(&app, &app.partner_token(&eve), &path).await.0, 404);
        assert_eq!(get(&app, &app.service("events:write"), &path).await.0, 404);
    }
    assert_eq!(
        get(&app, &app.admin(), &format!("/invoices/{invoice}.txt"))
            .await
            .0,
        404
    );
    let refused = app
        .error(Some(&app.service("events:write")), list, json!({}))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    // Staff answer no agreement; a partner sets no other's VAT details.
    let staff = app
        .error(Some(&app.admin()), ACCEPT, json!({ "v": 1 }))
        .await;
    assert_eq!(code(&staff), "FORBIDDEN");
    let set = app
        .error(
            Some(&app.partner_token(&eve)),
            SET_VAT,
            json!({ "input": { "partnerId": dora, "registered": false, "country": "DE" } }),
        )
        .await;
    assert_eq!(
        (code(&set), field(&set)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
    let vat = "query($p: ID!) { partner(id: $p) { vat { vatId } } }";
    let seen = app.ok(&viewer, vat, json!({ "p": dora })).await;
    assert_eq!(seen["partner"]["vat"]["vatId"], "DE136695976");
}

use crate::support::rails::options;

crate::on_both_databases_with!(options; a_payout_reversed_in_full_gets_a_credit_note);

/// A self-billed payout sent through Stripe Connect, whose transfer Stripe
/// reverses in part, then in full: the transfer paid it (its invoice
/// issued); the part came back is owed again by its net share and
/// credited by a first credit note (its net and VAT); the rest failed it,
/// and a second credit note takes back what the first did not — each as
/// UBL's `CreditNote` 261 with the invoice in `BillingReference`,
/// validated by the schemas. At every step the invoice and its credit
/// notes add up to what the partner holds.
async fn a_payout_reversed_in_full_gets_a_credit_note(app: TestApp) {
    use crate::support::rails::{
        CONFIGURE, connected, earned, payout_of, run, send_stalled, transfer_for,
    };
    use crate::support::stripe::{
        SECRET_KEY, WEBHOOK_SECRET, deliver_stripe, serve_stripe, stripe_event,
    };
    let (base, stripe) = serve_stripe().await;
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
    )
    .await;
    self_billing(&app, "DE", "DE811907980", "Europe/Berlin").await;
    // Paid in dollars by a German brand: each document states its VAT in
    // euros too (1 EUR = 1.172 USD).
    let today = chrono::Utc::now().date_naive();
    crate::support::rates::import(
        &app,
        "ECB",
        &format!(
            "Date,USD,\n{today},1.172,\n{},1.172,\n",
            today.pred_opt().unwrap()
        ),
    )
    .await;
    let nia = connected(&app, &stripe, "Nia").await;
    app.ok(
        &app.partner_token(&nia),
        SET_VAT,
        json!({ "input": { "registered": true, "vatId": "DE136695976", "country": "DE", "legalName": "Nia Media",
            "address": address_in("Nia", "DE") } }),
    )
    .await;
    app.ok(&app.partner_token(&nia), ACCEPT, json!({ "v": 1 }))
        .await;
    earned(&app, &nia, "n", &[("18000", None)]).await;
    let first = run(&app).await;
    let id = payout_of(&first, &nia).to_owned();
    // 1,800.00 and 19 % of it: the transfer sends 2,142.00.
    assert_eq!(first["payouts"][0]["amount"], "2142.00");
    send_stalled(&app, &stripe, &first, &id).await;
    let mut transfer = transfer_for(&stripe, &id, "tr_1RevshareINV00001", 214_200);
    // A sixth comes back first: its net share, 300.00 of the 357.00, is
    // owed again (the next payout adds its VAT again); then the rest.
    let adjustments = async || {
        let rows = app
            .ok(
                &app.admin(),
                "query($p: ID!) { commissions(partnerId: $p) { nodes { kind amount } } }",
                json!({ "p": nia }),
            )
            .await;
        rows["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "ADJUSTMENT")
            .map(|c| c["amount"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for (event, back) in [("evt_inv_r1", 35_700), ("evt_inv_r2", 214_200)] {
        transfer["amount_reversed"] = json!(back);
        transfer["reversed"] = json!(back == 214_200);
        let reversed = stripe_event(event, "transfer.reversed", transfer.clone());
        assert_eq!(deliver_stripe(&app, &reversed, WEBHOOK_SECRET).await.0, 200);
        if back == 35_700 {
            assert_eq!(adjustments().await, vec!["300.00"]);
            // Received 1,785.00 of 2,142.00: the invoice less a credit
            // note of the 357.00 that came back.
            let notes = app
                .ok(
                    &app.admin(),
                    "query($id: ID!) { payout(id: $id) { creditNotes { number net { amount } vat { amount } gross { amount } lines { amount { amount } } } } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                notes["payout"]["creditNotes"],
                json!([{ "number": format!("SB-{}-000002", year()), "net": { "amount": "-300.00" },
                    "vat": { "amount": "-57.00" }, "gross": { "amount": "-357.00" },
                    "lines": [{ "amount": { "amount": "-300.00" } }] }])
            );
        }
    }
    let mut owed = adjustments().await;
    owed.sort();
    assert_eq!(owed, vec!["-300.00", "300.00"]);
    let documents = app
        .ok(
            &app.admin(),
            &format!(
                "query($id: ID!) {{ payout(id: $id) {{ status invoice {{ {INVOICE_FIELDS} }} creditNote {{ number }} creditNotes {{ {INVOICE_FIELDS} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await["payout"]
        .clone();
    assert_eq!(documents["status"], "FAILED");
    // In euros the notes take back the invoice's 291.81 to the cent: the
    // first its share (57.00 USD: 48.63), the second the rest (243.18,
    // where 285.00 USD alone would round to 243.17).
    let in_euros = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { invoice { vatInTaxCurrency { amount } } creditNotes { vatInTaxCurrency { amount } } } }",
            json!({ "id": id }),
        )
        .await["payout"]
        .clone();
    assert_eq!(
        in_euros,
        json!({ "invoice": { "vatInTaxCurrency": { "amount": "291.81" } },
            "creditNotes": [{ "vatInTaxCurrency": { "amount": "-48.63" } }, { "vatInTaxCurrency": { "amount": "-243.18" } }] })
    );
    let invoice = &documents["invoice"];
    let note = &documents["creditNotes"][1];
    assert_eq!(documents["creditNotes"].as_array().unwrap().len(), 2);
    assert_eq!(
        documents["creditNote"]["number"],
        documents["creditNotes"][0]["number"]
    );
    assert_eq!(invoice["gross"]["amount"], "2142.00");
    assert_eq!(note["type"], "CREDIT_NOTE");
    assert_eq!(note["corrects"]["number"], invoice["number"]);
    assert_eq!(
        (
            note["net"]["amount"].as_str(),
            note["vat"]["amount"].as_str(),
            note["gross"]["amount"].as_str()
        ),
        (Some("-1500.00"), Some("-285.00"), Some("-1785.00")),
        "what the first credit note did not take back"
    );
    let year = year();
    assert_eq!(invoice["number"], format!("SB-{year}-000001"));
    assert_eq!(note["number"], format!("SB-{year}-000003"));
    assert_eq!(note["supplier"], invoice["supplier"]);
    let (status, xml) = get(
        &app,
        &app.partner_token(&nia),
        note["xmlUrl"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    // The PDFs say what the XML says, the partial credit note's too.
    for document in [invoice, &documents["creditNotes"][0], note] {
        checked_document(&app, document).await;
    }
    assert!(
        xml.contains("<cbc:CreditNoteTypeCode>261</cbc:CreditNoteTypeCode>"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID>",
            invoice["number"].as_str().unwrap()
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<cac:TaxTotal><cbc:TaxAmount currencyID=\"USD\">285.00</cbc:TaxAmount>"),
        "{xml}"
    );
    let (_, pdf) = get(&app, &app.admin(), note["pdfUrl"].as_str().unwrap()).await;
    let text = pdf_layout_text(&pdf).await;
    assert!(
        text.contains(&format!("Self-billed credit note SB-{year}-000003")),
        "{text}"
    );
    assert!(
        text.contains(&format!("invoice SB-{year}-000001 of")),
        "{text}"
    );
    assert!(text.contains("Gross -$1,785.00"), "{text}");
}

/// `docs/invoices.md`'s path, block by block, with the values it states.
async fn the_guide_runs_as_written(app: TestApp) {
    use crate::support::guides::{filled, operations};
    let ops = operations("docs/invoices.md");
    assert_eq!(ops.len(), 7);
    let set = app.ok(&app.admin(), &ops[0], json!({})).await;
    assert_eq!(
        set["updateTenant"]["invoicing"],
        json!({ "selfBilling": true, "vatId": "DE811907980", "agreement": { "version": 1 } })
    );
    let euro = euro_campaign(&app).await;
    let dora = app.create_partner(json!({ "name": "Dora" })).await;
    enroll(&app, &dora, &euro).await;
    let own = app.partner_token(&dora);
    let vat = app.ok(&own, &ops[1], json!({})).await;
    assert_eq!(
        vat["setPartnerVat"],
        json!({ "vatId": "DE136695976", "checkedBy": "FORMAT" })
    );
    let accepted = app.ok(&own, &ops[2], json!({})).await;
    assert_eq!(accepted["acceptSelfBillingAgreement"]["version"], 1);
    assert_eq!(
        accepted["acceptSelfBillingAgreement"]["expiresAt"],
        Value::Null
    );
    let ids = [
        ("PARTNER_ID", dora.as_str()),
        ("CAMPAIGN_ID", euro.as_str()),
    ];
    let sale = app
        .ok(
            &app.service("events:write"),
            &filled(&ops[3], &ids),
            json!({}),
        )
        .await;
    let commission = sale["recordEvent"]["commissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(sale["recordEvent"]["commissions"][0]["amount"], "123.45");
    let ids = [("COMMISSION_ID", commission.as_str())];
    let finance = app.service("commissions:write");
    app.ok(&finance, &filled(&ops[4], &ids), json!({})).await;
    let paid = app.ok(&finance, &filled(&ops[5], &ids), json!({})).await;
    let payout = &paid["markCommissionsPaid"][0];
    assert_eq!(
        (
            payout["amount"].as_str(),
            payout["net"]["amount"].as_str(),
            payout["vat"]["amount"].as_str()
        ),
        (Some("146.91"), Some("123.45"), Some("23.46"))
    );
    let invoice = &payout["invoice"];
    assert_eq!(invoice["number"], format!("SB-{}-000001", year()));
    assert_eq!(invoice["vatRate"], "19");
    assert_eq!(invoice["gross"]["amount"], "146.91");
    assert_eq!(invoice["mentions"], json!(["Self-billing", "Gutschrift"]));
    assert_eq!(
        invoice["lines"],
        json!([{ "description": "Commissions, Europe", "amount": { "amount": "123.45" } }])
    );
    let listed = app.ok(&own, &ops[6], json!({})).await;
    assert_eq!(listed["invoices"]["totalCount"], 1);
    assert_eq!(
        listed["invoices"]["nodes"][0]["gross"],
        json!({ "amount": "146.91", "currency": "EUR" })
    );
    assert_eq!(
        get(&app, &own, invoice["pdfUrl"].as_str().unwrap()).await.0,
        200
    );
}

/// A document checked as its readers check it: its XML meets every
/// official rule set (`ubl_verdict`), and its PDF says what the XML says
/// (SPEC §33b) — number, dates, supply period, both parties and their tax
/// ids, each line, net, rate, VAT, gross, what is set off and paid,
/// currency and every mention. Answers the XML and the PDF's text.
pub(crate) async fn checked_document(app: &TestApp, invoice: &Value) -> (String, String) {
    checked_in(app, invoice, "en").await
}

/// [`checked_document`] for a document in the language of `said`.
async fn checked_in(app: &TestApp, invoice: &Value, language: &str) -> (String, String) {
    use revshare::languages::formats;
    use revshare::payouts::invoicing::words::fill;
    let words = revshare::payouts::invoicing::words::of(language);
    // The XML's exact values as the PDF writes them in its language:
    // `1.234,56 €`, `6. März 2026`.
    let day = |iso: &str| formats::day(language, iso.parse().unwrap());
    let (status, xml) = get(app, &app.admin(), invoice["xmlUrl"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{invoice}");
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(ubl_verdict(&xml).await, "valid", "{xml}");
    let (status, pdf) = get(app, &app.admin(), invoice["pdfUrl"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{invoice}");
    let text = pdf_layout_text(&pdf).await;
    let flat = collapsed(&text);
    let said = |wanted: String| {
        assert!(
            flat.contains(&collapsed(&wanted)),
            "the PDF says {wanted:?} as the XML does:\n{text}\n{xml}"
        )
    };
    let credit = xml.contains("<CreditNote ");
    // The PDF prints a credit note's amounts negative; UBL as credited.
    let printed = |amount: &str| match (credit, amount.strip_prefix('-')) {
        (false, _) => amount.to_owned(),
        (true, Some(positive)) => positive.to_owned(),
        (true, None) => format!("-{amount}"),
    };
    let currency = values(&xml, "cbc:DocumentCurrencyCode").remove(0);
    let money = |tag: &str| {
        formats::money(
            language,
            printed(&values(&xml, tag)[0]).parse().unwrap(),
            &currency,
        )
    };
    said(format!("{} {}", words.number, values(&xml, "cbc:ID")[0]));
    said(format!(
        "{} {}",
        words.issue_date,
        day(&values(&xml, "cbc:IssueDate")[0])
    ));
    said(format!(
        "{} {}",
        words.supply_period,
        fill(
            words.period,
            &[
                ("from", &day(&values(&xml, "cbc:StartDate")[0])),
                ("to", &day(&values(&xml, "cbc:EndDate")[0]))
            ]
        )
    ));
    if !credit {
        said(format!(
            "{} {}",
            words.due_date,
            day(&values(&xml, "cbc:DueDate")[0])
        ));
    }
    for name in values(&xml, "cbc:RegistrationName") {
        said(name);
    }
    for scheme in blocks(&xml, "cac:PartyTaxScheme") {
        let id = values(&scheme, "cbc:CompanyID").remove(0);
        match scheme.contains("<cbc:ID>FC</cbc:ID>") {
            true => said(fill(words.tax_number, &[("number", &id)])),
            false => said(fill(words.vat_id, &[("id", &id)])),
        }
    }
    let line_tag = if credit {
        "cac:CreditNoteLine"
    } else {
        "cac:InvoiceLine"
    };
    for line in blocks(&xml, line_tag) {
        said(format!(
            "{} {}",
            values(&line, "cbc:Name")[0],
            formats::figure(
                language,
                printed(&values(&line, "cbc:LineExtensionAmount")[0])
                    .parse()
                    .unwrap(),
                &currency
            )
        ));
    }
    said(format!("{} {}", words.net, money("cbc:TaxExclusiveAmount")));
    said(format!("{} {}", words.vat, money("cbc:TaxAmount")));
    if let Some(percent) = values(&blocks(&xml, "cac:TaxSubtotal")[0], "cbc:Percent").first()
        && percent != "0"
    {
        said(format!(
            "{} {} %",
            words.vat_rate,
            formats::number(language, percent.parse().unwrap())
        ));
    }
    if let Some(code) = values(&xml, "cbc:TaxCurrencyCode").first() {
        let national = &values(&blocks(&xml, "cac:TaxTotal")[1], "cbc:TaxAmount")[0];
        said(format!(
            "{} {}",
            fill(words.vat_in, &[("code", code)]),
            formats::money(language, printed(national).parse().unwrap(), code)
        ));
    }
    said(format!(
        "{} {}",
        words.gross,
        money("cbc:TaxInclusiveAmount")
    ));
    match values(&xml, "cbc:PrepaidAmount").first() {
        Some(_) => said(format!("{} {}", words.paid, money("cbc:PayableAmount"))),
        None => assert_eq!(
            values(&xml, "cbc:PayableAmount"),
            values(&xml, "cbc:TaxInclusiveAmount")
        ),
    }
    for note in values(&xml, "cbc:Note") {
        for mention in note.lines() {
            said(mention.to_owned());
        }
    }
    (xml, text)
}

/// Text with every run of whitespace one space.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of each `<tag>` (with or without attributes), unescaped.
fn values(xml: &str, tag: &str) -> Vec<String> {
    blocks(xml, tag)
        .into_iter()
        .map(|inner| {
            inner
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// What each `<tag>` element holds, in document order.
fn blocks(xml: &str, tag: &str) -> Vec<String> {
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&format!("<{tag}")) {
        let after = &rest[at + tag.len() + 1..];
        // `<cbc:ID>` is not `<cbc:IDX>`: the name ends at `>` or a space.
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let open_end = after.find('>').unwrap() + 1;
        let end = after.find(&close).unwrap();
        found.push(after[open_end..end].to_owned());
        rest = &after[end + close.len()..];
    }
    found
}

fn import_options() -> revshare::http::Options {
    crate::support::imports::options()
}

crate::on_both_databases_with!(import_options; what_was_never_invoiced_is_set_off_outside_the_vat_base);

const PAYOUT_DOCUMENTS: &str = "query($id: ID!) { payout(id: $id) { amount net { amount } vat { amount } invoice { number net { amount } vat { amount } gross { amount } setOff { amount } payable { amount } lines { description amount { amount } setOff sale } pdfUrl xmlUrl } } }";

/// Takes back `amount` of the sale `external`: its clawbacks.
async fn refund(app: &TestApp, external: &str, amount: &str) -> Value {
    app.ok(
        &app.service("events:write"),
        "mutation($e: String!, $a: Decimal!) { recordRefund(input: { eventExternalId: $e, amount: $a }) { clawbacks { id amount status } } }",
        json!({ "e": external, "a": amount }),
    )
    .await["recordRefund"]["clawbacks"]
        .clone()
}

/// A German brand's clawbacks of commissions never invoiced with VAT (SPEC
/// §33b): Ida's 50.00 came over from the old platform as paid, Bert's
/// 30.00 was paid before he self-billed. Each is taken back with a new
/// month's commission, and set off against the invoice outside its VAT
/// base: 19 % of 100.00, not of 50.00 — the payout pays 119.00 less the
/// 50.00 set off. Cora's clawback of a commission her first invoice
/// billed stays in the base of the next: 19 % of 10.00.
async fn what_was_never_invoiced_is_set_off_outside_the_vat_base(app: TestApp) {
    let euro = german_brand(&app).await;
    let csv = "partner_id,name,email,status\n\
               p1,Ida,ida@partners.example,active\n\n\
               commission_id,partner_id,customer_id,amount,currency,sale_amount,status,earned_at,paid_at\n\
               old-1,p1,,50.00,EUR,500.00,paid,2026-03-10,2026-04-01\n";
    let started = app
        .ok(
            &app.admin(),
            crate::support::imports::START,
            json!({ "input": { "source": "CSV", "credentials": { "csv": csv }, "campaignId": euro } }),
        )
        .await;
    let done =
        crate::support::imports::ended(&app, started["startImport"]["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "DONE", "{done}");
    let ida = crate::support::partners::partner_by_external(&app, "csv:p1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let old_sale = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::event::Entity::find()
            .filter(entity::event::Column::PartnerId.eq(ida.as_str()))
            .one(app.db.conn())
            .await
            .unwrap()
            .unwrap()
            .external_id
    };
    let vat = json!({ "registered": true, "vatId": "DE136695976", "country": "DE", "legalName": "Ida Media",
        "address": address_in("Ida", "DE") });
    app.ok(&app.partner_token(&ida), SET_VAT, json!({ "input": vat }))
        .await;
    app.ok(&app.partner_token(&ida), ACCEPT, json!({ "v": 1 }))
        .await;
    // Bert is paid 30.00 before he accepts the agreement: no invoice.
    let bert = billed_partner(
        &app,
        &euro,
        "Bert",
        (true, Some("DE129273398"), false, "DE"),
        None,
    )
    .await;
    let b1 = sale(&app, &bert, &euro, "b-1", "300", "2026-05-04").await;
    let before = pay_by_hand(&app, &[&b1]).await;
    assert!(before["Bert"]["invoice"].is_null(), "{before:?}");
    app.ok(&app.partner_token(&bert), ACCEPT, json!({ "v": 1 }))
        .await;
    // Cora's first invoice bills her 40.00.
    let cora = registered(&app, &euro, "Cora", "DE136695976", "DE").await;
    let c1 = sale(&app, &cora, &euro, "c-1", "400", "2026-05-04").await;
    let first = pay_by_hand(&app, &[&c1]).await;
    assert_eq!(first["Cora"]["invoice"]["net"]["amount"], "40.00");

    // A month later: a refund of each, and a new sale each.
    for (external, amount, taken) in [
        (old_sale.as_str(), "500", "-50.00"),
        ("b-1", "100", "-10.00"),
        ("c-1", "100", "-10.00"),
    ] {
        let clawbacks = refund(&app, external, amount).await;
        assert_eq!(
            clawbacks,
            json!([{ "id": clawbacks[0]["id"], "amount": taken, "status": "APPROVED" }])
        );
    }
    let i2 = sale(&app, &ida, &euro, "i-2", "1000", "2026-06-02").await;
    let b2 = sale(&app, &bert, &euro, "b-2", "200", "2026-06-02").await;
    let c2 = sale(&app, &cora, &euro, "c-2", "200", "2026-06-02").await;
    let paid = pay_by_hand(&app, &[&i2, &b2, &c2]).await;
    let documents = |name: &str| {
        let id = paid[name]["id"].clone();
        let app = &app;
        async move {
            app.ok(&app.admin(), PAYOUT_DOCUMENTS, json!({ "id": id }))
                .await["payout"]
                .clone()
        }
    };
    let ida_paid = documents("Ida").await;
    assert_eq!(
        (&ida_paid["amount"], &ida_paid["net"], &ida_paid["vat"]),
        (
            &json!("69.00"),
            &json!({ "amount": "50.00" }),
            &json!({ "amount": "19.00" })
        )
    );
    let invoice = &ida_paid["invoice"];
    assert_eq!(
        [
            &invoice["net"],
            &invoice["vat"],
            &invoice["gross"],
            &invoice["setOff"],
            &invoice["payable"]
        ],
        [
            &json!({ "amount": "100.00" }),
            &json!({ "amount": "19.00" }),
            &json!({ "amount": "119.00" }),
            &json!({ "amount": "-50.00" }),
            &json!({ "amount": "69.00" })
        ]
    );
    assert_eq!(
        invoice["lines"],
        json!([
            { "description": "Commissions, Europe", "amount": { "amount": "100.00" }, "setOff": false, "sale": null },
            { "description": format!("Commission paid before self-billing, taken back (sale {old_sale})"),
              "amount": { "amount": "-50.00" }, "setOff": true, "sale": old_sale },
        ])
    );
    let (xml, text) = checked_document(&app, invoice).await;
    for wanted in [
        "<cbc:TaxableAmount currencyID=\"EUR\">100.00</cbc:TaxableAmount>",
        "<cbc:PrepaidAmount currencyID=\"EUR\">50.00</cbc:PrepaidAmount>",
        "<cbc:PayableAmount currencyID=\"EUR\">69.00</cbc:PayableAmount>",
        "<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>",
    ] {
        assert!(xml.contains(wanted), "{wanted} in {xml}");
    }
    assert!(!xml.contains("<cbc:ID>O</cbc:ID>"), "{xml}");
    assert!(
        collapsed(&text).contains(&format!(
            "Set off: 50.00 EUR of commissions paid before self-billing and taken back, outside the VAT base (sales {old_sale})"
        )),
        "{text}"
    );
    // Bert: 19 % of 20.00, 10.00 set off.
    let bert_paid = documents("Bert").await;
    assert_eq!(bert_paid["amount"], "13.80");
    assert_eq!(
        [
            &bert_paid["invoice"]["net"],
            &bert_paid["invoice"]["vat"],
            &bert_paid["invoice"]["setOff"],
            &bert_paid["invoice"]["payable"]
        ],
        [
            &json!({ "amount": "20.00" }),
            &json!({ "amount": "3.80" }),
            &json!({ "amount": "-10.00" }),
            &json!({ "amount": "13.80" })
        ]
    );
    assert_eq!(bert_paid["invoice"]["lines"][1]["sale"], "b-1");
    checked_document(&app, &bert_paid["invoice"]).await;
    // Cora's clawback is of an invoiced commission: in the base.
    let cora_paid = documents("Cora").await;
    assert_eq!(cora_paid["amount"], "11.90");
    assert_eq!(
        cora_paid["invoice"]["lines"],
        json!([
            { "description": "Commissions, Europe", "amount": { "amount": "20.00" }, "setOff": false, "sale": null },
            { "description": "Clawbacks, Europe", "amount": { "amount": "-10.00" }, "setOff": false, "sale": null },
        ])
    );
    assert_eq!(
        [
            &cora_paid["invoice"]["net"],
            &cora_paid["invoice"]["vat"],
            &cora_paid["invoice"]["setOff"]
        ],
        [
            &json!({ "amount": "10.00" }),
            &json!({ "amount": "1.90" }),
            &json!({ "amount": "0.00" })
        ]
    );
    checked_document(&app, &cora_paid["invoice"]).await;
}

crate::with_smtp!(
    the_payout_email_carries_the_invoice_the_partner_may_object_to,
    each_partner_reads_its_payout_in_its_language_by_email_statement_and_invoice,
);

/// The payout e-mail carries its invoice, issued when it was paid, as a PDF
/// and as the same UBL the API serves; its statement names the invoice,
/// and the bank's remittance names the payout the invoice names (SPEC
/// §33b). Dora objects to the invoice in her own name: her reason is kept
/// beside the unchanged document for the staff, and written to the log.
async fn the_payout_email_carries_the_invoice_the_partner_may_object_to(
    app: TestApp,
    smtp: crate::support::smtp::SmtpServer,
) {
    use base64::Engine;
    let euro = german_brand(&app).await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let fleur = registered(&app, &euro, "Fleur", "FR40303265045", "FR").await;
    let d = sale(&app, &dora, &euro, "e-1", "1000", "2026-02-02").await;
    let paid = pay_by_hand(&app, &[&d]).await;
    let invoice = paid["Dora"]["invoice"].clone();
    let number = invoice["number"].as_str().unwrap().to_owned();
    let message = crate::support::wait::until_some(
        "the payout's e-mail",
        std::time::Duration::from_secs(30),
        async || {
            let count = smtp.count();
            if count == 0 {
                return None;
            }
            smtp.wait_for(count)
                .await
                .into_iter()
                .map(|(_, read)| read)
                .find(|read| read["subject"].as_str().unwrap().contains("paid you"))
        },
    )
    .await;
    assert_eq!(message["to"], "dora@partners.example");
    assert_eq!(message["content_type"], "multipart/mixed");
    let text = message["text"].as_str().unwrap();
    assert!(text.contains(&format!("Invoice: {number}\n")), "{text}");
    assert!(
        text.contains(&format!(
            "Statement: {}\n",
            paid["Dora"]["statementNumber"].as_str().unwrap()
        )),
        "{text}"
    );
    let attached = |name: &str| {
        let part = message["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["filename"] == name)
            .unwrap_or_else(|| panic!("{name} attached: {message}"));
        assert_eq!(part["disposition"], "attachment");
        let content = part["content"].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content)
            .unwrap_or_else(|_| content.as_bytes().to_vec());
        (part["content_type"].as_str().unwrap().to_owned(), bytes)
    };
    let (kind, xml) = attached(&format!("invoice-{number}.xml"));
    assert_eq!(kind, "application/xml");
    let served = get(&app, &app.admin(), invoice["xmlUrl"].as_str().unwrap()).await;
    assert_eq!(xml, served.1, "the same document the API serves");
    let (kind, pdf) = attached(&format!("invoice-{number}.pdf"));
    assert_eq!(kind, "application/pdf");
    let read = pdf_layout_text(&pdf).await;
    assert!(
        collapsed(&read).contains(&format!("Number {number}")),
        "{read}"
    );
    let (xml, text) = checked_document(&app, &invoice).await;
    // The invoice names its statement and payout; the statement its invoice.
    let statement = paid["Dora"]["statementNumber"].as_str().unwrap();
    let payout = paid["Dora"]["id"].as_str().unwrap();
    assert!(
        xml.contains(&format!("<cac:AdditionalDocumentReference><cbc:ID>{statement}</cbc:ID><cbc:DocumentDescription>Commission statement</cbc:DocumentDescription>")),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<cbc:BuyerReference>{payout}</cbc:BuyerReference>"
        )),
        "{xml}"
    );
    assert!(
        collapsed(&text).contains(&format!("Statement {statement}")),
        "{text}"
    );
    assert!(
        collapsed(&text).contains(&format!("Payout {payout}")),
        "{text}"
    );
    let (status, statement_pdf) =
        get(&app, &app.admin(), &format!("/statements/{payout}.pdf")).await;
    assert_eq!(status, 200);
    let statement_text = collapsed(&pdf_layout_text(&statement_pdf).await);
    assert!(
        statement_text.contains(&format!("Document Self-billed invoice {number}")),
        "{statement_text}"
    );

    // Dora objects; the document stays as issued.
    const OBJECT: &str = "mutation($id: ID!, $reason: String!) { objectToInvoice(id: $id, reason: $reason) { number objections { reason } } }";
    let id = invoice["id"].clone();
    let objected = app
        .ok(
            &app.partner_token(&dora),
            OBJECT,
            json!({ "id": id, "reason": "  My VAT id changed in January.  " }),
        )
        .await;
    assert_eq!(
        objected["objectToInvoice"],
        json!({ "number": number, "objections": [{ "reason": "My VAT id changed in January." }] })
    );
    let empty = app
        .error(
            Some(&app.partner_token(&dora)),
            OBJECT,
            json!({ "id": id, "reason": " " }),
        )
        .await;
    assert_eq!((code(&empty), field(&empty)), ("BAD_USER_INPUT", "reason"));
    let long = app
        .error(
            Some(&app.partner_token(&dora)),
            OBJECT,
            json!({ "id": id, "reason": "x".repeat(2_001) }),
        )
        .await;
    assert_eq!((code(&long), field(&long)), ("BAD_USER_INPUT", "reason"));
    let other = app
        .error(
            Some(&app.partner_token(&fleur)),
            OBJECT,
            json!({ "id": id, "reason": "Not mine" }),
        )
        .await;
    assert_eq!(code(&other), "NOT_FOUND", "{other}");
    let staff = app
        .error(
            Some(&app.admin()),
            OBJECT,
            json!({ "id": id, "reason": "Staff" }),
        )
        .await;
    assert_eq!(code(&staff), "FORBIDDEN", "{staff}");
    let seen = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { invoice { objections { reason } } } }",
            json!({ "id": payout }),
        )
        .await;
    assert_eq!(
        seen["payout"]["invoice"]["objections"],
        json!([{ "reason": "My VAT id changed in January." }])
    );
    assert_eq!(
        get(&app, &app.admin(), invoice["xmlUrl"].as_str().unwrap())
            .await
            .1,
        served.1
    );
    let logged = app
        .ok(
            &app.admin(),
            "{ activity(filter: { action: \"objectToInvoice\" }) { nodes { action reason object { kind id } changes { field before after } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        logged["activity"]["nodes"],
        json!([{ "action": "objectToInvoice", "reason": "My VAT id changed in January.",
                 "object": { "kind": "Invoice", "id": id },
                 "changes": [{ "field": "objections", "before": "0", "after": "1" }] }])
    );
}

/// A German brand offering German, French and English (SPEC §38): Dora,
/// in the default, reads "Gutschrift" and German labels; Fleur, who chose
/// French, "Autofacturation" and "Autoliquidation" beside the brand's
/// "Gutschrift", and French labels; Kai, in English, as before. Each
/// document still meets every rule set, and its PDF says what its XML
/// says, in its language.
async fn each_partner_reads_its_documents_in_its_own_language(app: TestApp) {
    use revshare::payouts::invoicing::words;
    let euro = german_brand(&app).await;
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { languages: [\"de\", \"fr\", \"en\"], defaultLanguage: \"de\" }) { languages } }",
        json!({}),
    )
    .await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let fleur = registered(&app, &euro, "Fleur", "FR40303265045", "FR").await;
    let kai = registered(&app, &euro, "Kai", "DE129273398", "DE").await;
    let choose =
        "mutation($l: String!) { setPartnerLanguage(input: { language: $l }) { language } }";
    app.ok(&app.partner_token(&fleur), choose, json!({ "l": "fr" }))
        .await;
    app.ok(&app.partner_token(&kai), choose, json!({ "l": "en" }))
        .await;
    let d = sale(&app, &dora, &euro, "l-1", "1234.50", "2026-03-06").await;
    let f = sale(&app, &fleur, &euro, "l-2", "500", "2026-03-06").await;
    let k = sale(&app, &kai, &euro, "l-3", "100", "2026-03-06").await;
    let paid = pay_by_hand(&app, &[&d, &f, &k]).await;
    let language = "query($id: ID!) { invoice(id: $id) { language } }";
    for (name, expected, mentions, line, said) in [
        (
            "Dora",
            "de",
            json!(["Gutschrift"]),
            "Provisionen, Europe",
            "de",
        ),
        (
            "Fleur",
            "fr",
            json!(["Autofacturation", "Gutschrift", "Autoliquidation"]),
            "Commissions, Europe",
            "fr",
        ),
        (
            "Kai",
            "en",
            json!(["Self-billing", "Gutschrift"]),
            "Commissions, Europe",
            "en",
        ),
    ] {
        let invoice = &paid[name]["invoice"];
        let read = app
            .ok(&app.admin(), language, json!({ "id": invoice["id"] }))
            .await;
        assert_eq!(read["invoice"]["language"], expected, "{name}");
        assert_eq!(invoice["mentions"], mentions, "{name}");
        assert_eq!(invoice["lines"][0]["description"], line, "{name}");
        let (xml, text) = checked_in(&app, invoice, said).await;
        let said = words::of(said);
        let number = invoice["number"].as_str().unwrap();
        assert!(
            collapsed(&text).contains(&format!("{} {number}", said.invoice)),
            "{name}: {text}"
        );
        let note = values(&xml, "cbc:Note").remove(0);
        assert_eq!(
            note.lines().collect::<Vec<_>>(),
            mentions
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect::<Vec<_>>(),
            "{name}"
        );
    }
    // The words themselves, pinned: what a German and a French reader see.
    let (_, dora_text) = checked_in(&app, &paid["Dora"]["invoice"], "de").await;
    let dora_text = collapsed(&dora_text);
    for wanted in [
        "Ausstellungsdatum",
        "Leistungszeitraum 6. März 2026 bis 6. März 2026",
        "Leistender (der Partner)",
        "USt-IdNr. DE136695976",
        "USt-Satz 19 %",
        "Brutto 146,91 €",
    ] {
        assert!(dora_text.contains(wanted), "{wanted} in {dora_text}");
    }
    let (fleur_xml, fleur_text) = checked_in(&app, &paid["Fleur"]["invoice"], "fr").await;
    let fleur_text = collapsed(&fleur_text);
    for wanted in [
        "Période de prestation du 6 mars 2026 au 6 mars 2026",
        "N° TVA FR40303265045",
        "Montant HT 50,00 €",
        "Taux de TVA aucun",
    ] {
        assert!(fleur_text.contains(wanted), "{wanted} in {fleur_text}");
    }
    assert!(
        fleur_xml.contains("<cbc:TaxExemptionReason>Autoliquidation</cbc:TaxExemptionReason>"),
        "{fleur_xml}"
    );
}

/// The payout, read as its partner reads it (SPEC §38): a German brand
/// offering German, French and English; Dora, in the default, is e-mailed
/// in German ("hat Ihnen 1.469,13 € ausgezahlt"), her statement and her
/// "Gutschrift" in German with CLDR's amounts; Fleur, who chose French, in
/// French ("1 234,56 €", "Autofacture", "Relevé de commissions"). Over a
/// real SMTP server, the PDFs read back by pdftotext.
async fn each_partner_reads_its_payout_in_its_language_by_email_statement_and_invoice(
    app: TestApp,
    smtp: crate::support::smtp::SmtpServer,
) {
    use base64::Engine;
    let euro = german_brand(&app).await;
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { languages: [\"de\", \"fr\", \"en\"], defaultLanguage: \"de\" }) { languages } }",
        json!({}),
    )
    .await;
    let dora = registered(&app, &euro, "Dora", "DE136695976", "DE").await;
    let fleur = registered(&app, &euro, "Fleur", "FR40303265045", "FR").await;
    app.ok(
        &app.partner_token(&fleur),
        "mutation { setPartnerLanguage(input: { language: \"fr\" }) { language } }",
        json!({}),
    )
    .await;
    // 10 % of 12,345.60: 1,234.56 each; Dora's with 19 % VAT, 1,469.13.
    let d = sale(&app, &dora, &euro, "d-1", "12345.60", "2026-03-06").await;
    let f = sale(&app, &fleur, &euro, "f-1", "12345.60", "2026-03-06").await;
    let paid = pay_by_hand(&app, &[&d, &f]).await;
    let payout_mail = |to: &'static str| {
        let smtp = &smtp;
        async move {
            crate::support::wait::until_some(
                "the payout's e-mail",
                std::time::Duration::from_secs(30),
                async || {
                    let count = smtp.count();
                    if count == 0 {
                        return None;
                    }
                    smtp.wait_for(count)
                        .await
                        .into_iter()
                        .map(|(_, read)| read)
                        .find(|read| {
                            read["to"] == to
                                && read["parts"].as_array().is_some_and(|parts| {
                                    parts.iter().any(|p| p["content_type"] == "application/pdf")
                                })
                        })
                },
            )
            .await
        }
    };
    let attached_pdf = |message: &Value| {
        let part = message["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["content_type"] == "application/pdf")
            .unwrap_or_else(|| panic!("a PDF attached: {message}"))
            .clone();
        let content = part["content"].as_str().unwrap().to_owned();
        base64::engine::general_purpose::STANDARD
            .decode(&content)
            .unwrap_or_else(|_| content.into_bytes())
    };
    for (name, to, language, subject, invoice_words, statement_words) in [
        (
            "Dora",
            "dora@partners.example",
            "de",
            "hat Ihnen 1.469,13\u{a0}€ ausgezahlt",
            vec![
                "Gutschrift",
                "Brutto 1.469,13 €",
                "Netto 1.234,56 €",
                "Leistungszeitraum 6. März 2026 bis 6. März 2026",
            ],
            vec!["Provisionsabrechnung", "Gesamt 1.469,13 €", "06.03.2026"],
        ),
        (
            "Fleur",
            "fleur@partners.example",
            "fr",
            "vous a versé 1\u{202f}234,56\u{a0}€",
            vec![
                "Autofacture",
                "Montant HT 1 234,56 €",
                "Autoliquidation",
                "Période de prestation du 6 mars 2026 au 6 mars 2026",
            ],
            vec!["Relevé de commissions", "1 234,56 €", "06/03/2026"],
        ),
    ] {
        let message = payout_mail(to).await;
        assert!(
            message["subject"].as_str().unwrap().ends_with(subject),
            "{name}: {}",
            message["subject"]
        );
        assert_eq!(message["headers"]["Content-Language"], language, "{name}");
        assert!(
            message["html"]
                .as_str()
                .unwrap()
                .contains(&format!("<html lang=\"{language}\">")),
            "{name}"
        );
        let pdf = collapsed(&pdf_layout_text(&attached_pdf(&message)).await);
        for wanted in invoice_words {
            assert!(
                pdf.contains(&collapsed(wanted)),
                "{name}: {wanted} in {pdf}"
            );
        }
        let payout = paid[name]["id"].as_str().unwrap();
        let (status, statement) =
            get(&app, &app.admin(), &format!("/statements/{payout}.pdf")).await;
        assert_eq!(status, 200);
        let statement = collapsed(&pdf_layout_text(&statement).await);
        for wanted in statement_words {
            assert!(
                statement.contains(&collapsed(wanted)),
                "{name}: {wanted} in {statement}"
            );
        }
        checked_in(&app, &paid[name]["invoice"], language).await;
    }
}

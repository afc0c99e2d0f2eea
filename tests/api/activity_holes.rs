//! The activity log's holes (hardening round 7, items 10 and 11): acts
//! that wrote no entry, or one naming no object or change — a rail
//! configured, a transfer reversed and the credit notes it issued, an
//! import started, commissions approved and paid, a refund, an agreement
//! accepted, a tenant's invoicing, a broadcast sent at once — each now
//! with its exact entry; a cutoff only retention can set; every mutation
//! of the schema in the table the log is keyed by.

use crate::helpers::{TENANT, TestApp, code};
use crate::on_both_databases_with;
use crate::support::rails::options;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_databases_with!(
    options;
    configuring_a_rail_says_what_changed_and_never_its_credentials,
    a_reversal_names_the_payout_and_each_credit_note,
    starting_an_import_names_the_import,
    approving_and_paying_name_each_commission,
    a_refund_names_the_sale_and_what_it_took,
    a_tenants_invoicing_and_an_agreement_say_what_changed,
    a_broadcast_sent_at_once_says_what_it_became,
    a_forged_cutoff_deletes_nothing,
);

const ENTRY: &str = "id actor { kind id name } action object { kind id } \
    changes { field before after } requestId ip reason";

/// The entries `filter` finds, oldest first (as an admin reads them).
async fn entries(app: &TestApp, filter: Value) -> Vec<Value> {
    let query = format!(
        "query($filter: ActivityFilter) {{ activity(filter: $filter, first: 100) {{ nodes {{ {ENTRY} }} }} }}"
    );
    app.ok(&app.admin(), &query, json!({ "filter": filter }))
        .await["activity"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// The entries of `action`, oldest first.
async fn entries_of(app: &TestApp, action: &str) -> Vec<Value> {
    entries(app, json!({ "action": action })).await
}

/// The one entry of `action` about object `id`.
async fn entry_on(app: &TestApp, action: &str, id: &str) -> Value {
    let found = entries(app, json!({ "action": action, "objectId": id })).await;
    assert_eq!(found.len(), 1, "{action} on {id}: {found:?}");
    found[0].clone()
}

fn change(field: &str, before: Option<&str>, after: Option<&str>) -> Value {
    json!({ "field": field, "before": before, "after": after })
}

/// The change of `field` among an entry's changes, if any.
fn change_of<'a>(entry: &'a Value, field: &str) -> Option<&'a Value> {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
}

/// An entry's changes but those of `fields`.
fn changes_but(entry: &Value, fields: &[&str]) -> Value {
    Value::Array(
        entry["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !fields.contains(&c["field"].as_str().unwrap_or_default()))
            .cloned()
            .collect(),
    )
}

/// The whole log, as an admin exports it.
async fn everything(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/exports/activity.jsonl"))
        .bearer_auth(app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

fn staff() -> Value {
    json!({ "kind": "STAFF", "id": "admin-of-acme", "name": "admin-of-acme" })
}

const CONFIGURE: &str = "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { baseUrl credentialHint } }";

/// Switching a rail to live with new credentials and a new base URL: one
/// entry for each configuration, naming the rail, each setting that
/// changed before and after — the credentials by their hint, never
/// themselves. Today it writes none at all (outside a transaction).
async fn configuring_a_rail_says_what_changed_and_never_its_credentials(app: TestApp) {
    use crate::support::stripe::{SECRET_KEY, WEBHOOK_SECRET};
    const LIVE_KEY: &str = "sk_live_51Hx0revshareLIVE4321";
    const LIVE_SECRET: &str = "whsec_revshare_connect_live";
    let sandbox = "http://127.0.0.1:9/sandbox";
    let live = "http://127.0.0.1:9/live";
    let configured = app
        .ok(
            &app.admin(),
            CONFIGURE,
            json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX", "baseUrl": sandbox,
                "credentials": { "secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET } } }),
        )
        .await;
    assert_eq!(
        configured["configurePayoutRail"],
        json!({ "baseUrl": sandbox, "credentialHint": "…9876" })
    );
    // Refused: a test key for LIVE. Nothing changes, nothing is said.
    let refused = app
        .error(
            Some(&app.admin()),
            CONFIGURE,
            json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "LIVE", "baseUrl": live,
                "credentials": { "secretKey": SECRET_KEY, "webhookSecret": LIVE_SECRET } } }),
        )
        .await;
    assert_eq!(code(&refused), "BAD_USER_INPUT");
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "LIVE", "baseUrl": live,
            "credentials": { "secretKey": LIVE_KEY, "webhookSecret": LIVE_SECRET } } }),
    )
    .await;

    let said = entries_of(&app, "configurePayoutRail").await;
    assert_eq!(said.len(), 2, "{said:?}");
    for entry in &said {
        assert_eq!(entry["actor"], staff());
        assert_eq!(
            entry["object"],
            json!({ "kind": "PayoutRailConfig", "id": "STRIPE_CONNECT" })
        );
        assert_eq!(entry["ip"], "127.0.0.1");
    }
    // Configured: each setting from nothing.
    assert_eq!(
        changes_but(&said[0], &["configuredAt"]),
        json!([
            change("baseUrl", None, Some(sandbox)),
            change("configuredBy", None, Some("admin-of-acme")),
            change("credentialHint", None, Some("…9876")),
            change("mode", None, Some("SANDBOX")),
            change("rail", None, Some("STRIPE_CONNECT")),
        ])
    );
    // Switched to live: what changed, the credentials by their hint.
    assert_eq!(
        changes_but(&said[1], &["configuredAt"]),
        json!([
            change("baseUrl", Some(sandbox), Some(live)),
            change("credentialHint", Some("…9876"), Some("…4321")),
            change("mode", Some("SANDBOX"), Some("LIVE")),
        ])
    );
    let moved = change_of(&said[1], "configuredAt").expect("configuredAt changed");
    assert!(moved["before"].is_string() && moved["after"].is_string());
    assert_ne!(moved["before"], moved["after"]);
    let log = everything(&app).await;
    for secret in [SECRET_KEY, WEBHOOK_SECRET, LIVE_KEY, LIVE_SECRET] {
        assert!(!log.contains(secret), "{secret} is in the log");
    }
    assert!(!log.contains("\"credentials\""), "{log}");
}

/// A self-billed payout sent through Stripe whose transfer Stripe
/// reverses, a sixth and then the rest: the rail writes an entry naming
/// the payout with what changed of it (paid by the transfer first, then
/// failed; `reversedAmount` each time), and one naming each credit note
/// it issued. Today a reversal writes none.
async fn a_reversal_names_the_payout_and_each_credit_note(app: TestApp) {
    use crate::support::rails::{
        connected, earned, payout, payout_of, run, send_stalled, transfer_for,
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
    self_billing(&app).await;
    let nia = connected(&app, &stripe, "Nia").await;
    billed(&app, &nia, 1).await;
    earned(&app, &nia, "n", &[("18000", None)]).await;
    let first = run(&app).await;
    let id = payout_of(&first, &nia).to_owned();
    assert_eq!(first["payouts"][0]["amount"], "2142.00");
    send_stalled(&app, &stripe, &first, &id).await;
    let rail_before = payout(&app, &id).await["railStatus"].clone();
    let mut transfer = transfer_for(&stripe, &id, "tr_1RevshareLOG00001", 214_200);
    let documents =
        "query($id: ID!) { payout(id: $id) { invoice { id number } creditNotes { id number } } }";
    let year = chrono::Utc::now().format("%Y").to_string();
    let rail =
        json!({ "kind": "SYSTEM", "id": "rail:STRIPE_CONNECT", "name": "rail:STRIPE_CONNECT" });

    // A sixth comes back: the transfer paid the pending payout first.
    transfer["amount_reversed"] = json!(35_700);
    let reversed = stripe_event("evt_log_r1", "transfer.reversed", transfer.clone());
    assert_eq!(deliver_stripe(&app, &reversed, WEBHOOK_SECRET).await.0, 200);
    let issued = app.ok(&app.admin(), documents, json!({ "id": id })).await["payout"].clone();
    let invoice = issued["invoice"]["id"].as_str().unwrap().to_owned();
    let note = issued["creditNotes"][0]["id"].as_str().unwrap().to_owned();
    let paid = entry_on(&app, "transferReversed", &id).await;
    assert_eq!(paid["actor"], rail);
    assert_eq!(paid["object"], json!({ "kind": "Payout", "id": id }));
    assert_eq!(
        (&paid["requestId"], &paid["ip"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        paid["changes"],
        json!([
            change("status", Some("PENDING"), Some("PAID")),
            { "field": "railStatus", "before": rail_before, "after": "SUCCEEDED" },
            change("reversedAmount", Some("0.00"), Some("357.00")),
        ])
    );
    let credited = entry_on(&app, "transferReversed", &note).await;
    assert_eq!(credited["actor"], rail);
    assert_eq!(credited["object"], json!({ "kind": "Invoice", "id": note }));
    let number = format!("SB-{year}-000002");
    assert_eq!(
        credited["changes"],
        json!([
            change("type", None, Some("CREDIT_NOTE")),
            change("number", None, Some(number.as_str())),
            change("correctsId", None, Some(invoice.as_str())),
            change("net", None, Some("-300.00")),
            change("vat", None, Some("-57.00")),
            change("gross", None, Some("-357.00")),
        ])
    );
    // The same news again changes nothing and says nothing.
    let again = stripe_event("evt_log_r1-again", "transfer.reversed", transfer.clone());
    assert_eq!(deliver_stripe(&app, &again, WEBHOOK_SECRET).await.0, 200);
    assert_eq!(entries_of(&app, "transferReversed").await.len(), 2);

    // Then the rest: the payout failed, a second credit note.
    transfer["amount_reversed"] = json!(214_200);
    transfer["reversed"] = json!(true);
    let whole = stripe_event("evt_log_r2", "transfer.reversed", transfer.clone());
    assert_eq!(deliver_stripe(&app, &whole, WEBHOOK_SECRET).await.0, 200);
    let notes =
        app.ok(&app.admin(), documents, json!({ "id": id })).await["payout"]["creditNotes"].clone();
    let last = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] != note.as_str())
        .and_then(|n| n["id"].as_str())
        .unwrap()
        .to_owned();
    let on_payout = entries(
        &app,
        json!({ "action": "transferReversed", "objectId": id }),
    )
    .await;
    assert_eq!(on_payout.len(), 2, "{on_payout:?}");
    assert_eq!(
        on_payout[1]["changes"],
        json!([
            change("status", Some("PAID"), Some("FAILED")),
            change("railStatus", Some("SUCCEEDED"), Some("FAILED")),
            change("reversedAmount", Some("357.00"), Some("2142.00")),
        ])
    );
    let number = format!("SB-{year}-000003");
    assert_eq!(
        entry_on(&app, "transferReversed", &last).await["changes"],
        json!([
            change("type", None, Some("CREDIT_NOTE")),
            change("number", None, Some(number.as_str())),
            change("correctsId", None, Some(invoice.as_str())),
            change("net", None, Some("-1500.00")),
            change("vat", None, Some("-285.00")),
            change("gross", None, Some("-1785.00")),
        ])
    );
    assert_eq!(entries_of(&app, "transferReversed").await.len(), 4);
}

const SET_TENANT: &str = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { invoicing { selfBilling series agreement { version } } } }";
const SET_VAT: &str =
    "mutation($input: SetPartnerVatInput!) { setPartnerVat(input: $input) { vatId } }";
const ACCEPT: &str = "mutation($v: Int!) { acceptSelfBillingAgreement(input: { version: $v }) { version acceptedAt } }";

/// The brand self-bills, in Germany.
async fn self_billing(app: &TestApp) -> Value {
    app.ok(
        &app.admin(),
        SET_TENANT,
        json!({ "input": { "invoicing": {
            "selfBilling": true, "legalName": "Acme DE Ltd", "vatId": "DE811907980", "country": "DE",
            "address": { "line1": "Friedrichstraße 100", "city": "Berlin", "zip": "10117", "country": "DE" },
            "agreement": "Acme issues your invoices in your name."
        } } }),
    )
    .await["updateTenant"]["invoicing"]
        .clone()
}

/// The partner's VAT details, German and registered, and its acceptance
/// of the agreement's `version`: the acceptance as answered.
async fn billed(app: &TestApp, partner: &str, version: i64) -> Value {
    app.ok(
        &app.partner_token(partner),
        SET_VAT,
        json!({ "input": { "registered": true, "vatId": "DE136695976", "country": "DE", "legalName": "Nia Media",
            "address": { "line1": "Niaweg 1", "city": "Köln", "zip": "50667", "country": "DE" } } }),
    )
    .await;
    app.ok(&app.partner_token(partner), ACCEPT, json!({ "v": version }))
        .await["acceptSelfBillingAgreement"]
        .clone()
}

/// `startImport` names the import it started and each of its fields —
/// never its credentials. Today it writes none (outside a transaction).
async fn starting_an_import_names_the_import(app: TestApp) {
    use crate::support::imports::START;
    use crate::support::sources::{SECRET, rewardful, serve};
    let (base, _) = serve(rewardful()).await;
    let started = app
        .ok(
            &app.admin(),
            START,
            json!({ "input": { "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base } } }),
        )
        .await;
    let id = started["startImport"]["id"].as_str().unwrap().to_owned();
    let said = entries_of(&app, "startImport").await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["actor"], staff());
    assert_eq!(said[0]["object"], json!({ "kind": "Import", "id": id }));
    for (field, value) in [
        ("source", "REWARDFUL"),
        ("status", "RUNNING"),
        ("dryRun", "false"),
        ("phase", "GROUPS"),
        ("partners", "0"),
        ("commissions", "0"),
        ("startedBy", "admin-of-acme"),
    ] {
        assert_eq!(
            change_of(&said[0], field),
            Some(&change(field, None, Some(value))),
            "{field}: {}",
            said[0]["changes"]
        );
    }
    assert!(change_of(&said[0], "campaignId").is_some_and(|c| c["after"].is_string()));
    assert_eq!(change_of(&said[0], "credentials"), None);
    assert!(!everything(&app).await.contains(SECRET));
}

const APPROVE: &str = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }";
const PAY: &str = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"BANK-7\" }) { id partner { id } } }";

/// Commissions approved or paid together: one entry for each, naming it,
/// its partner's to read. Today one entry names none of them.
async fn approving_and_paying_name_each_commission(app: TestApp) {
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": group }))
        .await;
    let sale = crate::support::sales::sale_input;
    let first = crate::support::sales::commission_id(&app, sale(&ada, "a-1", "100.00")).await;
    let second = crate::support::sales::commission_id(&app, sale(&bo, "b-1", "200.00")).await;
    let service = app.service("commissions:write");
    app.ok(&service, APPROVE, json!({ "ids": [first, second] }))
        .await;
    let approved = entries_of(&app, "approveCommissions").await;
    assert_eq!(approved.len(), 2, "{approved:?}");
    let key = json!({ "kind": "API_KEY", "id": "service-of-acme", "name": "service-of-acme" });
    for commission in [&first, &second] {
        let entry = entry_on(&app, "approveCommissions", commission).await;
        assert_eq!(entry["actor"], key);
        assert_eq!(
            entry["object"],
            json!({ "kind": "Commission", "id": commission })
        );
        assert_eq!(
            entry["changes"],
            json!([change("status", Some("ACCRUED"), Some("APPROVED"))])
        );
        assert_eq!(entry["ip"], "127.0.0.1");
    }
    let paid = app
        .ok(&service, PAY, json!({ "ids": [first, second] }))
        .await["markCommissionsPaid"]
        .clone();
    let payout_of = |partner: &str| {
        paid.as_array()
            .unwrap()
            .iter()
            .find(|p| p["partner"]["id"] == partner)
            .and_then(|p| p["id"].as_str())
            .unwrap()
            .to_owned()
    };
    assert_eq!(entries_of(&app, "markCommissionsPaid").await.len(), 2);
    for (commission, partner) in [(&first, &ada), (&second, &bo)] {
        let entry = entry_on(&app, "markCommissionsPaid", commission).await;
        assert_eq!(entry["actor"], key);
        assert_eq!(
            entry["object"],
            json!({ "kind": "Commission", "id": commission })
        );
        assert_eq!(
            entry["changes"],
            json!([
                change("status", Some("APPROVED"), Some("PAID")),
                change("payoutId", None, Some(payout_of(partner).as_str())),
            ])
        );
    }
}

const REFUND: &str = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { id refundedAmount } clawbacks { amount } reversed { id } } }";

/// A refund named by the sale's `externalId`: the entry names the event
/// refunded and says what it took. Today it names nothing and says
/// nothing.
async fn a_refund_names_the_sale_and_what_it_took(app: TestApp) {
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let cyd = app
        .create_partner(json!({ "name": "Cyd", "groupId": group }))
        .await;
    let input = crate::support::sales::sale_input(&cyd, "r-1", "100.00");
    let sold = crate::support::sales::record(&app, input).await;
    let event = sold["event"]["id"].as_str().unwrap().to_owned();
    let refunded = app
        .ok(
            &app.service("events:write"),
            REFUND,
            json!({ "input": { "eventExternalId": "r-1", "amount": "40.00" } }),
        )
        .await["recordRefund"]
        .clone();
    assert_eq!(
        refunded,
        json!({ "event": { "id": event, "refundedAmount": "40.00" },
            "clawbacks": [{ "amount": "-4.00" }], "reversed": [] })
    );
    let said = entries_of(&app, "recordRefund").await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["object"], json!({ "kind": "Event", "id": event }));
    assert_eq!(said[0]["actor"]["kind"], "API_KEY");
    assert_eq!(
        said[0]["changes"],
        json!([
            change("refundedAmount", Some("0.00"), Some("40.00")),
            change("clawbacks", None, Some("-4.00 USD")),
        ])
    );
}

/// The tenant's invoicing lies beside its row: `updateTenant` said
/// nothing of the switch, the identity, the series or the agreement. A
/// partner's acceptance named no version. Now each says what changed.
async fn a_tenants_invoicing_and_an_agreement_say_what_changed(app: TestApp) {
    let set = self_billing(&app).await;
    assert_eq!(
        set,
        json!({ "selfBilling": true, "series": "SB-", "agreement": { "version": 1 } })
    );
    let said = entries_of(&app, "updateTenant").await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["object"], json!({ "kind": "Tenant", "id": TENANT }));
    assert_eq!(
        changes_but(&said[0], &["invoicing.address"]),
        json!([
            change("invoicing.selfBilling", Some("false"), Some("true")),
            change("invoicing.legalName", None, Some("Acme DE Ltd")),
            change("invoicing.vatId", None, Some("…7980")),
            change("invoicing.country", None, Some("DE")),
            change("invoicing.agreementVersion", None, Some("1")),
        ])
    );
    let address = change_of(&said[0], "invoicing.address").expect("the address is said");
    assert_eq!(address["before"], Value::Null);
    let address: Value = serde_json::from_str(address["after"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            &address["line1"],
            &address["city"],
            &address["zip"],
            &address["country"]
        ),
        (
            &json!("Friedrichstraße 100"),
            &json!("Berlin"),
            &json!("10117"),
            &json!("DE")
        )
    );
    // A new series and a new agreement: those two, and the tenant's own
    // field beside them.
    app.ok(
        &app.admin(),
        SET_TENANT,
        json!({ "input": { "name": "Acme Europe", "invoicing": { "series": "ACME-", "agreement": "Version two." } } }),
    )
    .await;
    let said = entries_of(&app, "updateTenant").await;
    assert_eq!(
        said[1]["changes"],
        json!([
            change("name", Some("acme"), Some("Acme Europe")),
            change("invoicing.series", Some("SB-"), Some("ACME-")),
            change("invoicing.agreementVersion", Some("1"), Some("2")),
        ])
    );
    // The partner accepts version 2: the version, and when.
    let nia = app.create_partner(json!({ "name": "Nia" })).await;
    let accepted = billed(&app, &nia, 2).await;
    let said = entries_of(&app, "acceptSelfBillingAgreement").await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(
        said[0]["actor"],
        json!({ "kind": "PARTNER", "id": nia, "name": "Nia" })
    );
    assert_eq!(said[0]["object"], json!({ "kind": "Partner", "id": nia }));
    assert_eq!(
        changes_but(&said[0], &["acceptedAt"]),
        json!([change("agreementVersion", None, Some("2"))])
    );
    let at = change_of(&said[0], "acceptedAt").expect("acceptedAt is said");
    assert_eq!(at["before"], Value::Null);
    let moment = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(moment(&at["after"]), moment(&accepted["acceptedAt"]));
    // Declining: no longer accepted, declined now.
    app.ok(
        &app.partner_token(&nia),
        "mutation { declineSelfBilling { declinedAt } }",
        json!({}),
    )
    .await;
    let declined = entries_of(&app, "declineSelfBilling").await;
    assert_eq!(declined.len(), 1, "{declined:?}");
    let fields: Vec<&str> = declined[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["acceptedAt", "declinedAt"]);
    assert_eq!(
        change_of(&declined[0], "acceptedAt").unwrap()["after"],
        Value::Null
    );
}

const BROADCAST: &str = "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id status recipients delivered } }";

/// A broadcast sent at once to 7 partners: its entry says what it
/// became — `SENT`, 7 recipients, 7 delivered — not `SENDING` with none
/// delivered.
async fn a_broadcast_sent_at_once_says_what_it_became(app: TestApp) {
    for n in 0..7 {
        app.create_partner(json!({ "name": format!("P{n}") })).await;
    }
    let made = app
        .ok(
            &app.admin(),
            BROADCAST,
            json!({ "input": { "subject": "News", "body": "Hello, partner.", "audience": {} } }),
        )
        .await["createBroadcast"]
        .clone();
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        made,
        json!({ "id": id, "status": "SENT", "recipients": 7, "delivered": 7 })
    );
    let said = entries_of(&app, "createBroadcast").await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["object"], json!({ "kind": "Broadcast", "id": id }));
    for (field, value) in [
        ("status", "SENT"),
        ("recipients", "7"),
        ("delivered", "7"),
        ("subject", "News"),
        ("body", "Hello, partner."),
    ] {
        assert_eq!(
            change_of(&said[0], field),
            Some(&change(field, None, Some(value))),
            "{field}: {}",
            said[0]["changes"]
        );
    }
    assert!(change_of(&said[0], "sentAt").is_some_and(|c| c["after"].is_string()));
    // A cursor of the sender's is no field of the broadcast.
    assert_eq!(change_of(&said[0], "sentThrough"), None);
    // Sent in the transaction that made it: no other entry says so.
    assert!(entries_of(&app, "sendBroadcast").await.is_empty());
}

/// A midnight UTC, `days` from today, as SQL takes it.
fn midnight(days: i64) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{day}T00:00:00Z")
}

/// One `INSERT INTO activity_cutoffs` let every entry go. A cutoff is now
/// retention's: a past midnight that an entry of retention's, kept past
/// it, names first — one forged alone is refused, and none reaches
/// today's entries.
async fn a_forged_cutoff_deletes_nothing(app: TestApp) {
    use sea_orm::ConnectionTrait;
    app.create_partner(json!({ "name": "Fay" })).await;
    let conn = app.db.conn();
    let cutoff = |keeps_from: String| {
        format!(
            "INSERT INTO activity_cutoffs (tenant_id, keeps_from) VALUES ('{TENANT}', '{keeps_from}')"
        )
    };
    for keeps_from in [
        midnight(1),
        midnight(0),
        midnight(-400),
        "2020-01-01T00:00:00Z".to_owned(),
        "2020-01-01T12:00:00Z".to_owned(),
    ] {
        let forged = conn.execute_unprepared(&cutoff(keeps_from.clone())).await;
        assert!(forged.is_err(), "a cutoff at {keeps_from} was taken");
    }
    assert!(
        conn.execute_unprepared("DELETE FROM activity")
            .await
            .is_err()
    );
    assert_eq!(entries_of(&app, "createPartner").await.len(), 1);
    // An entry naming a day to come does not make it a cutoff.
    let tomorrow = midnight(1);
    let forged_entry = format!(
        "INSERT INTO activity (id, tenant_id, at, actor_kind, actor_id, actor_name, action, changes) \
         VALUES ('01HZZZZZZZZZZZZZZZZZZZZZZ9', '{TENANT}', '{}', 'SYSTEM', 'activity retention', \
         'activity retention', 'activityRetention', \
         '[{{\"field\":\"keepsFrom\",\"before\":null,\"after\":\"{}\"}}]')",
        midnight(2),
        tomorrow.replace("Z", ".000000Z"),
    );
    conn.execute_unprepared(&forged_entry).await.unwrap();
    assert!(conn.execute_unprepared(&cutoff(tomorrow)).await.is_err());
    // Retention sets one, saying so first; moved on by hand, refused.
    let removed = revshare::audit::trim(&app.db, TENANT, 1, revshare::db::now())
        .await
        .unwrap();
    assert_eq!(removed, 0);
    let said = entries_of(&app, "activityRetention").await;
    let kept: Vec<&Value> = said
        .iter()
        .filter(|e| e["id"] != "01HZZZZZZZZZZZZZZZZZZZZZZ9")
        .collect();
    assert_eq!(kept.len(), 1, "{said:?}");
    assert_eq!(
        kept[0]["changes"],
        json!([
            change(
                "keepsFrom",
                None,
                Some(midnight(-1).replace("Z", ".000000Z").as_str())
            ),
            change("removed", None, Some("0")),
        ])
    );
    let moved_on = conn
        .execute_unprepared(&format!(
            "UPDATE activity_cutoffs SET keeps_from = '{}'",
            midnight(0)
        ))
        .await;
    assert!(moved_on.is_err(), "the cutoff moved on without retention");
    assert!(
        conn.execute_unprepared("DELETE FROM activity")
            .await
            .is_err()
    );
    assert_eq!(entries_of(&app, "createPartner").await.len(), 1);
}

/// Every mutation of the schema has its row in the table the activity
/// log is keyed by (`acting::OBJECTS`): its object's kind, and an argument
/// of the mutation naming it, when one does. A mutation added without
/// one fails here.
#[tokio::test]
async fn every_mutation_of_the_schema_has_its_row() {
    let schema = revshare::graphql::schema(None);
    let response = schema
        .execute("{ __schema { mutationType { fields(includeDeprecated: true) { name args { name } } } } }")
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    let fields = data["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .clone();
    assert!(fields.len() >= 112, "{} mutations", fields.len());
    let table = revshare::graphql::acting::OBJECTS;
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for field in &fields {
        let name = field["name"].as_str().unwrap();
        let args: BTreeSet<&str> = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        match table.iter().find(|(mutation, ..)| *mutation == name) {
            None => missing.push(name.to_owned()),
            Some((_, kind, path)) => {
                let first = path.split('.').next().unwrap_or_default();
                if kind.is_empty() || (!path.is_empty() && !args.contains(first)) {
                    wrong.push(format!("{name}: {kind} by {path:?}"));
                }
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new(), "mutations with no row");
    assert_eq!(wrong, Vec::<String>::new(), "rows naming no argument");
    let names: BTreeSet<&str> = fields.iter().filter_map(|f| f["name"].as_str()).collect();
    let mut rows = BTreeSet::new();
    for (mutation, ..) in table {
        assert!(names.contains(mutation), "{mutation} is no mutation");
        assert!(rows.insert(*mutation), "{mutation} has two rows");
    }
}

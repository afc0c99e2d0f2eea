//! What a partner reads of the activity log and of its thread (SPEC §34,
//! §35): the entries about itself, each as its own — no spiff the program
//! pays its own people, no staff member's address or sign-in (and none
//! found by one), no other partner's id and no note the staff keep — and
//! the program's side of its thread by the program's name. Staff read
//! every entry as it was written.

use crate::helpers::{TENANT, TestApp};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::deals::{
    create_contact, create_deal, create_plan, move_deal, one_off, pipeline,
};
use crate::support::partners::{enroll, partner_at};
use crate::support::staff::staff_token;
use revshare::ledger::maturity;
use serde_json::{Value, json};

on_both_databases!(
    a_partner_reads_no_spiff_paid_to_the_programs_own_people,
    a_partner_reads_no_staff_address_or_sign_in_and_finds_none_by_one,
    a_reassigned_customers_entry_names_it_and_shows_the_new_partner_only_its_own,
);

const ENTRY: &str =
    "id actor { kind id name } action object { kind id } changes { field before after } ip reason";

async fn activity(app: &TestApp, token: &str, filter: Value) -> Value {
    let query = format!(
        "query($filter: ActivityFilter) {{ activity(filter: $filter, first: 100) {{ \
         totalCount nodes {{ {ENTRY} }} }} }}"
    );
    app.ok(token, &query, json!({ "filter": filter })).await["activity"].clone()
}

fn actions(page: &Value) -> Vec<&str> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// Both exports of the log (CSV, then JSON lines) as `token` reads them,
/// with `query` (`?actorId=…`, or empty).
async fn exports(app: &TestApp, token: &str, query: &str) -> String {
    let mut text = String::new();
    for file in ["activity.csv", "activity.jsonl"] {
        let response = app
            .client
            .get(app.url(&format!("/exports/{file}{query}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{file}{query}");
        text.push_str(&response.text().await.unwrap());
    }
    text
}

/// A deal of the partner's pays it 100.00 USD and the program's own seller
/// a 777.00 USD spiff: the staff read both in the move's entry (apart),
/// the partner its own alone — in GraphQL, in both exports, and in the
/// maturity job's entries, which name the spiff to staff only.
async fn a_partner_reads_no_spiff_paid_to_the_programs_own_people(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won");
    let campaign = create_campaign(
        &app,
        json!({ "name": "Deals", "rules": [{ "recurring": { "percentage": 0 } }], "holdbackDays": 30 }),
    )
    .await;
    create_plan(
        &app,
        json!({ "label": "Org", "partnerType": "RESELLER", "entries": [one_off(won, "10%")] }),
    )
    .await;
    create_plan(
        &app,
        json!({ "label": "Lead spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL",
                "autoAssignRecipient": "LEAD_CREATOR", "entries": [one_off(won, "777")] }),
    )
    .await;
    let north = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    enroll(&app, &north, &campaign).await;
    let ours = create_contact(&app, None, "Our seller").await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "big", "partnerId": north, "campaignId": campaign, "name": "Big",
                "amount": "1000", "stageId": p.stage("Lead"), "leadCreatorId": ours }),
    )
    .await;
    let moved = move_deal(&app, &deal, won, "big-won").await;
    let rows = moved["commissions"].as_array().unwrap();
    let own = rows.iter().find(|c| c["recipient"].is_null()).unwrap();
    let spiff = rows
        .iter()
        .find(|c| c["recipient"]["name"] == "Our seller")
        .unwrap();
    assert_eq!(
        (&own["amount"], &spiff["amount"]),
        (&json!("100.00"), &json!("777.00"))
    );

    // Staff: the partner's commissions and the staff's spiffs, apart.
    let staff = activity(&app, &app.admin(), json!({ "action": "moveDeal" })).await;
    assert_eq!(staff["totalCount"], 1);
    assert_eq!(
        staff["nodes"][0]["changes"],
        json!([
            { "field": "externalId", "before": null, "after": "big-won" },
            { "field": "stageId", "before": null, "after": won },
            { "field": "commissions", "before": null, "after": "100.00 USD" },
            { "field": "staffSpiffs", "before": null, "after": "777.00 USD" },
        ])
    );
    assert!(exports(&app, &app.admin(), "").await.contains("777.00 USD"));

    // The partner: its own commission, no spiff amount anywhere.
    let token = app.partner_token(&north);
    let trail = activity(&app, &token, json!({ "objectId": deal })).await;
    assert_eq!(actions(&trail), ["createDeal", "moveDeal"]);
    assert_eq!(
        trail["nodes"][1]["changes"],
        json!([
            { "field": "externalId", "before": null, "after": "big-won" },
            { "field": "stageId", "before": null, "after": won },
            { "field": "commissions", "before": null, "after": "100.00 USD" },
        ])
    );
    let everything = activity(&app, &token, json!({})).await.to_string();
    assert!(!everything.contains("777.00"), "{everything}");
    assert!(!everything.contains("staffSpiffs"), "{everything}");
    let exported = exports(&app, &token, "").await;
    assert!(exported.contains("100.00 USD"), "{exported}");
    assert!(!exported.contains("777.00"), "{exported}");

    // Maturity approves both; the partner reads the approval of its own.
    let later = revshare::db::now() + chrono::Duration::days(400);
    assert_eq!(maturity::approve_matured(&app.db, later).await.unwrap(), 2);
    let approved = activity(&app, &app.admin(), json!({ "action": "approveMatured" })).await;
    assert_eq!(approved["totalCount"], 2);
    let approved = activity(&app, &token, json!({ "action": "approveMatured" })).await;
    let objects: Vec<&Value> = approved["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["object"]["id"])
        .collect();
    assert_eq!(objects, [&own["id"]]);
    assert!(
        !exports(&app, &token, "")
            .await
            .contains(spiff["id"].as_str().unwrap())
    );
}

/// A staff member signed in as `ops@acme.example` renames the partner and
/// writes to it, and a CLI token (`sub` "cli") writes too: the partner
/// reads them as `staff` in every entry and export, finds nothing by
/// their ids (and everything by `staff`), and reads the program's name as
/// their messages' author; staff read both as written.
async fn a_partner_reads_no_staff_address_or_sign_in_and_finds_none_by_one(app: TestApp) {
    const OPS: &str = "ops@acme.example";
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { programName: \"Acme Partners\" }) { name } }",
        json!({}),
    )
    .await;
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let ops = staff_token(&app, OPS, "ADMIN").await;
    app.ok(
        &ops,
        "mutation($id: ID!) { updatePartner(id: $id, input: { name: \"Ada Lovelace\" }) { id } }",
        json!({ "id": ada }),
    )
    .await;
    let send = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { author } }";
    let sent = app
        .ok(
            &ops,
            send,
            json!({ "input": { "partnerId": ada, "body": "Welcome aboard." } }),
        )
        .await;
    assert_eq!(sent["sendMessage"]["author"], OPS);
    let mut claims = TestApp::claims(TENANT, "admin");
    claims.sub = "cli".into();
    let cli = app.mint(&claims);
    let sent = app
        .ok(
            &cli,
            send,
            json!({ "input": { "partnerId": ada, "body": "Your payout is on its way." } }),
        )
        .await;
    assert_eq!(sent["sendMessage"]["author"], "cli");

    // Staff read who wrote, as written.
    let staff = activity(
        &app,
        &app.admin(),
        json!({ "actorId": OPS, "action": "sendMessage" }),
    )
    .await;
    assert_eq!(staff["totalCount"], 1);
    assert!(
        staff["nodes"][0]["changes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "field": "author", "before": null, "after": OPS })),
        "{staff}"
    );
    assert!(exports(&app, &app.admin(), "").await.contains(OPS));

    // The partner: every staff actor and author is `staff`.
    let token = app.partner_token(&ada);
    let log = activity(&app, &token, json!({})).await;
    assert_eq!(
        actions(&log),
        [
            "createPartner",
            "updatePartner",
            "sendMessage",
            "sendMessage"
        ]
    );
    let text = log.to_string();
    assert!(!text.contains(OPS), "{text}");
    assert!(!text.contains("\"cli\""), "{text}");
    for entry in log["nodes"].as_array().unwrap() {
        assert_eq!(
            entry["actor"],
            json!({ "kind": "STAFF", "id": "staff", "name": "staff" })
        );
    }
    for entry in log["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sendMessage")
    {
        assert!(
            entry["changes"]
                .as_array()
                .unwrap()
                .contains(&json!({ "field": "author", "before": null, "after": "staff" })),
            "{entry}"
        );
    }
    let exported = exports(&app, &token, "").await;
    assert!(exported.contains("sendMessage"), "{exported}");
    assert!(!exported.contains(OPS), "{exported}");

    // Found by nothing but what it reads.
    for (actor, found) in [(OPS, 0), ("cli", 0), ("admin-of-acme", 0), ("staff", 4)] {
        assert_eq!(
            activity(&app, &token, json!({ "actorId": actor })).await["totalCount"],
            found,
            "{actor}"
        );
    }
    let by_address = exports(&app, &token, "?actorId=ops%40acme.example").await;
    assert!(!by_address.contains("sendMessage"), "{by_address}");

    // Its thread: the program's name, never an address or a sign-in.
    let mine =
        "{ viewer { partner { messages(first: 10) { edges { node { from author body } } } } } }";
    assert_eq!(
        app.ok(&token, mine, json!({})).await["viewer"]["partner"]["messages"]["edges"],
        json!([
            { "node": { "from": "STAFF", "author": "Acme Partners", "body": "Your payout is on its way." } },
            { "node": { "from": "STAFF", "author": "Acme Partners", "body": "Welcome aboard." } },
        ])
    );
    let thread =
        "query($p: ID!) { partner(id: $p) { messages(first: 10) { edges { node { author } } } } }";
    assert_eq!(
        app.ok(&app.admin(), thread, json!({ "p": ada })).await["partner"]["messages"]["edges"],
        json!([{ "node": { "author": "cli" } }, { "node": { "author": OPS } }])
    );
}

/// `reassignCustomer` names the customer it moved; staff read the whole
/// move with its note, the partner it moved to only that the customer is
/// now its own — not who had it, not the note.
async fn a_reassigned_customers_entry_names_it_and_shows_the_new_partner_only_its_own(
    app: TestApp,
) {
    const NOTE: &str = "Jane left the agency";
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    app.ok(
        &app.admin(),
        "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { id } }",
        json!({ "input": { "customerExternalId": "cus_1", "partnerId": jane } }),
    )
    .await;
    let moved = app
        .ok(
            &app.admin(),
            "mutation($input: ReassignCustomerInput!) { reassignCustomer(input: $input) { id } }",
            json!({ "input": { "customerExternalId": "cus_1", "partnerId": john, "note": NOTE } }),
        )
        .await;
    let customer = moved["reassignCustomer"]["id"].as_str().unwrap().to_owned();

    // Staff: the customer, the move and its note.
    let staff = activity(&app, &app.admin(), json!({ "action": "reassignCustomer" })).await;
    assert_eq!(staff["totalCount"], 1);
    let entry = &staff["nodes"][0];
    assert_eq!(
        entry["object"],
        json!({ "kind": "Customer", "id": customer })
    );
    assert_eq!(
        entry["changes"],
        json!([
            { "field": "partnerId", "before": jane, "after": john },
            { "field": "note", "before": null, "after": NOTE },
        ])
    );
    assert_eq!(entry["reason"], NOTE);
    let trail = activity(&app, &app.admin(), json!({ "objectId": customer })).await;
    assert!(actions(&trail).contains(&"reassignCustomer"), "{trail}");

    // The new partner: the customer is its own; nothing of the old one.
    let token = app.partner_token(&john);
    let own = activity(&app, &token, json!({ "objectId": customer })).await;
    assert_eq!(own["totalCount"], 1);
    assert_eq!(
        own["nodes"][0],
        json!({
            "id": entry["id"],
            "actor": { "kind": "STAFF", "id": "staff", "name": "staff" },
            "action": "reassignCustomer",
            "object": { "kind": "Customer", "id": customer },
            "changes": [{ "field": "partnerId", "before": null, "after": john }],
            "ip": null,
            "reason": null,
        })
    );
    let text = activity(&app, &token, json!({})).await.to_string();
    assert!(!text.contains(jane.as_str()), "{text}");
    assert!(!text.contains(NOTE), "{text}");
    let exported = exports(&app, &token, "").await;
    assert!(exported.contains("reassignCustomer"), "{exported}");
    assert!(!exported.contains(jane.as_str()), "{exported}");
    assert!(!exported.contains(NOTE), "{exported}");
    // The partner it left reads nothing of the move.
    assert_eq!(
        activity(
            &app,
            &app.partner_token(&jane),
            json!({ "action": "reassignCustomer" })
        )
        .await["totalCount"],
        0
    );
}

//! What each recorded event came to (hardening round 4): `events` lists
//! them with `outcome` and, where nothing was earned, a reason support can
//! forward.

use crate::helpers::{TestApp, code};
use crate::on_both_databases;
use crate::support::partners::partner_at;
use serde_json::json;

on_both_databases!(each_event_says_whether_it_earned_and_why_not);

const RECORD: &str =
    "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount } } }";
const EVENTS: &str = "query($p: ID, $c: String, $o: EventOutcome) { events(partnerId: $p, customerExternalId: $c, outcome: $o) { totalCount nodes { externalId outcome nothingReason } } }";

async fn each_event_says_whether_it_earned_and_why_not(app: TestApp) {
    let admin = app.admin();
    // A newcomer's partner: the default group, which pays 0 %.
    let newcomer = app.create_partner(json!({ "name": "New" })).await;
    let jane = partner_at(&app, "Jane", 10).await;
    let record = |input: serde_json::Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.ok(&admin, RECORD, json!({ "input": input })).await["recordEvent"].clone() }
    };
    let zero = record(json!({ "externalId": "s0", "partnerId": newcomer, "customerExternalId": "c0", "amount": "100" })).await;
    assert_eq!(zero["commissions"], json!([]));
    record(json!({ "externalId": "s1", "partnerId": jane, "customerExternalId": "c1", "amount": "100" })).await;
    record(json!({ "externalId": "l1", "partnerId": jane, "customerExternalId": "c1", "kind": "LEAD", "amount": "0" })).await;

    let nothing = app.ok(&admin, EVENTS, json!({ "o": "NOTHING" })).await["events"].clone();
    assert_eq!(
        nothing,
        json!({ "totalCount": 2, "nodes": [
            { "externalId": "s0", "outcome": "NOTHING",
              "nothingReason": "the partner group's rules pay 0 % (a default campaign and group pay nothing until given rules)" },
            { "externalId": "l1", "outcome": "NOTHING", "nothingReason": "the partner group's rules pay no flat fee for a lead" },
        ] })
    );
    let earned = app.ok(&admin, EVENTS, json!({ "o": "EARNED" })).await["events"].clone();
    assert_eq!(
        earned,
        json!({ "totalCount": 1, "nodes": [{ "externalId": "s1", "outcome": "EARNED", "nothingReason": null }] })
    );
    let of_customer = app.ok(&admin, EVENTS, json!({ "c": "c1" })).await["events"]["nodes"].clone();
    assert_eq!(of_customer.as_array().unwrap().len(), 2);

    // A partner reads its own; another partner's id is an empty page.
    let token = app.partner_token(&jane);
    let own = app.ok(&token, EVENTS, json!({})).await["events"]["totalCount"].clone();
    assert_eq!(own, 2);
    let other = app.ok(&token, EVENTS, json!({ "p": newcomer })).await["events"].clone();
    assert_eq!(other, json!({ "totalCount": 0, "nodes": [] }));
    // Staff need commissions:read.
    let denied = app
        .error(Some(&app.service("partners:read")), EVENTS, json!({}))
        .await;
    assert_eq!(code(&denied), "FORBIDDEN");
    assert_eq!(
        app.ok(
            &app.service("commissions:read"),
            EVENTS,
            json!({ "p": newcomer })
        )
        .await["events"]["totalCount"],
        1
    );
}

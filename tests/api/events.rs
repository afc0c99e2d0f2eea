//! Domain events (SPEC §12): each type written by its mutation in the
//! mutation's transaction (none when it fails), listed from a cursor, and
//! read only by who may read its subject.

use crate::helpers::{OTHER_TENANT, TestApp, code};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::deals::{create_deal, create_plan, one_off, pipeline};
use crate::support::events::{EVENTS, listed};
use crate::support::partners::partner_at;
use crate::support::sales::{commission_of, sale_input};
use serde_json::{Value, json};

on_both_databases!(
    every_type_is_written_by_its_mutation,
    a_failed_mutation_writes_no_event,
    a_token_lists_the_events_it_may_read,
    the_list_pages_by_cursor,
);

/// The types of the events the admin lists.
async fn types(app: &TestApp) -> Vec<String> {
    listed(app, &app.admin(), json!({ "first": 100 }))
        .await
        .into_iter()
        .map(|(kind, _, _)| kind)
        .collect()
}

async fn every_type_is_written_by_its_mutation(app: TestApp) {
    let admin = app.admin();
    let alice = app.create_partner(json!({ "name": "Alice" })).await;
    let spring = create_campaign(
        &app,
        json!({ "name": "Spring", "holdbackDays": 0, "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    assert_eq!(
        types(&app).await,
        Vec::<String>::new(),
        "creating a partner or campaign is no event"
    );

    // Applying, and the decision: the request, then the enrollment.
    let data = app
        .ok(
            &app.partner_token(&alice),
            "mutation($c: ID!) { applyToCampaign(campaignId: $c) { id } }",
            json!({ "c": spring }),
        )
        .await;
    let request = data["applyToCampaign"]["id"].as_str().unwrap().to_owned();
    let data = app
        .ok(
            &admin,
            "mutation($id: ID!) { approvePartnershipRequest(id: $id) { id snapshot { id } } }",
            json!({ "id": request }),
        )
        .await;
    let enrollment = data["approvePartnershipRequest"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let snapshot = data["approvePartnershipRequest"]["snapshot"]["id"].clone();
    assert_eq!(
        listed(&app, &admin, json!({})).await,
        vec![
            (
                "PARTNERSHIP_REQUEST_CREATED".into(),
                request.clone(),
                json!({ "campaignId": spring, "status": "PENDING", "reason": null })
            ),
            (
                "PARTNERSHIP_REQUEST_DECIDED".into(),
                request.clone(),
                json!({ "campaignId": spring, "status": "APPROVED", "reason": null })
            ),
            (
                "PARTNER_ENROLLED".into(),
                enrollment.clone(),
                json!({ "campaignId": spring, "source": "APPROVAL", "snapshotId": snapshot })
            ),
        ]
    );

    // A tier reached by the first sale.
    app.ok(
        &admin,
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": {
            "name": "Gold", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
            "period": "GLOBAL", "partnerIds": [alice], "campaignIds": [spring],
            "payout": { "action": "INCREASE", "value": "10" }, "goals": { "conversions": 1 }
        } }),
    )
    .await;
    let mut sale = sale_input(&alice, "s1", "200");
    sale["campaignId"] = json!(spring);
    let commission = commission_of(&app, sale).await;
    let after_enrolled = &listed(
        &app,
        &admin,
        json!({ "types": ["COMMISSION_CREATED", "TIER_REACHED"] }),
    )
    .await;
    assert_eq!(after_enrolled.len(), 2, "{after_enrolled:?}");
    let (kind, subject, data) = &after_enrolled[0];
    assert_eq!(
        (kind.as_str(), subject),
        ("COMMISSION_CREATED", &commission)
    );
    assert_eq!(
        data["amount"], "22.00",
        "10 % of 200, raised 10 % by the tier it reached"
    );
    assert_eq!(data["currency"], "USD");
    assert_eq!(data["status"], "ACCRUED");
    assert_eq!(data["kind"], "COMMISSION");
    assert!(data["eventId"].is_string());
    let (kind, _, data) = &after_enrolled[1];
    assert_eq!(kind, "TIER_REACHED");
    assert_eq!(data["tierName"], "Gold");
    assert_eq!(data["campaignId"], json!(spring));

    // Approval and payment.
    let writer = app.service("commissions:write");
    app.ok(
        &writer,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": [commission] }),
    )
    .await;
    let data = app
        .ok(
            &writer,
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"wire-1\" }) { id } }",
            json!({ "ids": [commission] }),
        )
        .await;
    let payout = data["markCommissionsPaid"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = listed(
        &app,
        &admin,
        json!({ "types": ["COMMISSION_STATUS_CHANGED", "PAYOUT_CREATED"] }),
    )
    .await;
    assert_eq!(moved.len(), 3, "{moved:?}");
    assert_eq!(moved[0].0, "COMMISSION_STATUS_CHANGED");
    assert_eq!(moved[0].1, commission);
    assert_eq!(
        (&moved[0].2["fromStatus"], &moved[0].2["status"]),
        (&json!("ACCRUED"), &json!("APPROVED"))
    );
    // The payout, then the commissions it paid.
    assert_eq!(moved[1].0, "PAYOUT_CREATED");
    assert_eq!(moved[1].1, payout);
    assert_eq!(moved[1].2["amount"], "22.00");
    assert_eq!(moved[1].2["reference"], "wire-1");
    assert_eq!(moved[1].2["commissionCount"], 1);
    assert_eq!(moved[2].0, "COMMISSION_STATUS_CHANGED");
    assert_eq!(
        (&moved[2].2["fromStatus"], &moved[2].2["status"]),
        (&json!("APPROVED"), &json!("PAID"))
    );

    // A deal created at a stage, moved, and paid.
    let reseller = app
        .create_partner(json!({ "name": "Reseller", "type": "RESELLER" }))
        .await;
    let p = pipeline(&app).await;
    create_plan(
        &app,
        json!({ "label": "Won", "partnerType": "RESELLER",
                "entries": [one_off(p.stage("Closed won"), "50")] }),
    )
    .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "d1", "partnerId": reseller, "name": "Big", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($input: MoveDealInput!) { moveDeal(input: $input) { duplicate } }",
        json!({ "input": { "dealId": deal, "stageId": p.stage("Closed won"), "externalId": "m1" } }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($input: DealPaymentInput!) { recordDealPayment(input: $input) { duplicate } }",
        json!({ "input": { "dealId": deal, "externalId": "pay1", "amount": "300" } }),
    )
    .await;
    let deals = listed(&app, &admin, json!({ "partnerId": reseller })).await;
    let kinds: Vec<&str> = deals.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "DEAL_STAGE_CHANGED",
            "DEAL_STAGE_CHANGED",
            "COMMISSION_CREATED",
            "DEAL_PAYMENT_RECORDED"
        ],
        "each move, then what it earned: {deals:?}"
    );
    assert!(
        deals
            .iter()
            .filter(|(k, _, _)| k.starts_with("DEAL_"))
            .all(|(_, s, _)| *s == deal)
    );
    assert_eq!(deals[0].2["stageName"], "Lead");
    assert_eq!(deals[1].2["stageName"], "Closed won");
    assert_eq!(deals[2].2["amount"], "50.00");
    assert_eq!(deals[3].2["amount"], "300.00");
    assert_eq!(deals[3].2["paymentCount"], 1);

    // Every type, each from its own mutation above.
    let mut all = types(&app).await;
    all.sort();
    all.dedup();
    assert_eq!(
        all,
        [
            "COMMISSION_CREATED",
            "COMMISSION_STATUS_CHANGED",
            "DEAL_PAYMENT_RECORDED",
            "DEAL_STAGE_CHANGED",
            "PARTNERSHIP_REQUEST_CREATED",
            "PARTNERSHIP_REQUEST_DECIDED",
            "PARTNER_ENROLLED",
            "PAYOUT_CREATED",
            "TIER_REACHED"
        ]
    );
}

async fn a_failed_mutation_writes_no_event(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let commission = commission_of(&app, sale_input(&alice, "s1", "100")).await;
    let before = types(&app).await;
    assert_eq!(before, ["COMMISSION_CREATED"]);
    let writer = app.service("commissions:write");

    // All or nothing: one id unknown, nothing approved, no event.
    let error = app
        .error(
            Some(&writer),
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
            json!({ "ids": [commission, "no-such-commission"] }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
    // Not approved: cannot be paid, no event.
    let error = app
        .error(
            Some(&writer),
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"r\" }) { id } }",
            json!({ "ids": [commission] }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    // A sale refused by validation.
    let error = app
        .error(
            Some(&app.service("events:write")),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }",
            json!({ "input": sale_input(&alice, "s2", "-5") }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    // A duplicate delivery of the same sale writes nothing new.
    commission_of(&app, sale_input(&alice, "s1", "100")).await;
    assert_eq!(types(&app).await, before);
}

async fn a_token_lists_the_events_it_may_read(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let bob = partner_at(&app, "Bob", 10).await;
    let a = commission_of(&app, sale_input(&alice, "a1", "100")).await;
    let b = commission_of(&app, sale_input(&bob, "b1", "100")).await;
    // Another tenant's partner and sale.
    let other_admin = app.admin_of(OTHER_TENANT);
    let data = app
        .ok(
            &other_admin,
            "mutation { createPartnerGroup(input: { name: \"G\", rules: [{ recurring: { percentage: 10 } }] }) { id } }",
            json!({}),
        )
        .await;
    let group = data["createPartnerGroup"]["id"].clone();
    let data = app
        .ok(
            &other_admin,
            "mutation($g: ID!) { createPartner(input: { name: \"Carol\", groupId: $g }) { id } }",
            json!({ "g": group }),
        )
        .await;
    let carol = data["createPartner"]["id"].as_str().unwrap().to_owned();
    let token = app.mint(&revshare::auth::jwt::Claims {
        scope: Some("events:write".into()),
        ..TestApp::claims(OTHER_TENANT, "service")
    });
    app.ok(
        &token,
        "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }",
        json!({ "input": sale_input(&carol, "c1", "100") }),
    )
    .await;

    let subjects = |events: Vec<(String, String, Value)>| -> Vec<String> {
        events.into_iter().map(|(_, subject, _)| subject).collect()
    };
    assert_eq!(
        subjects(listed(&app, &app.admin(), json!({})).await),
        [a.clone(), b.clone()]
    );
    assert_eq!(
        subjects(listed(&app, &app.partner_token(&alice), json!({})).await),
        std::slice::from_ref(&a)
    );
    assert_eq!(
        subjects(listed(&app, &app.admin(), json!({ "partnerId": bob })).await),
        std::slice::from_ref(&b)
    );
    assert_eq!(listed(&app, &other_admin, json!({})).await.len(), 1);
    // A partner naming another partner: as if it did not exist, the
    // empty page an administrator reads for a partner that does not.
    assert!(
        listed(
            &app,
            &app.partner_token(&alice),
            json!({ "partnerId": bob })
        )
        .await
        .is_empty()
    );
    assert!(
        listed(&app, &app.admin(), json!({ "partnerId": "nobody" }))
            .await
            .is_empty()
    );
    // A service token reads the types its scopes read.
    let reader = app.service("commissions:read");
    assert_eq!(
        subjects(listed(&app, &reader, json!({})).await),
        [a.clone(), b]
    );
    let error = app
        .error(
            Some(&reader),
            EVENTS,
            json!({ "types": ["DEAL_STAGE_CHANGED"] }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    assert!(
        error["message"].as_str().unwrap().contains("deals:read"),
        "{error}"
    );
    assert_eq!(
        listed(&app, &app.service("deals:read"), json!({})).await,
        vec![]
    );
    let error = app
        .error(Some(&app.service("events:write")), EVENTS, json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app.error(None, EVENTS, json!({})).await;
    assert_eq!(code(&error), "UNAUTHENTICATED");
}

async fn the_list_pages_by_cursor(app: TestApp) {
    let alice = partner_at(&app, "Alice", 10).await;
    let mut commissions = Vec::new();
    for n in 0..5 {
        commissions.push(commission_of(&app, sale_input(&alice, &format!("s{n}"), "100")).await);
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .ok(&app.admin(), EVENTS, json!({ "first": 2, "after": after }))
            .await;
        let page = &data["domainEvents"];
        for node in page["nodes"].as_array().unwrap() {
            seen.push(node["subjectId"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, commissions);
    let error = app
        .error(Some(&app.admin()), EVENTS, json!({ "after": "not-an-id" }))
        .await;
    assert_eq!(
        (code(&error), crate::helpers::field(&error)),
        ("BAD_USER_INPUT", "after")
    );
}

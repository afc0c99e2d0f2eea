//! Partner workflows on deals (SPEC §14): registration from a partner
//! token and the tenant's decision; one deal per company domain; deals that
//! change, with their history; lost and reopened deals; won stages.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::deals::{
    Pipeline, create_contact, create_deal, create_plan, id_of, one_off, pipeline,
};
use crate::support::events::listed;
use crate::support::partners::enroll;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

on_both_databases!(
    a_partner_registers_a_deal_and_the_tenant_approves_it,
    a_company_is_worked_by_one_deal_at_a_time,
    a_registration_is_decided_by_the_tenant_and_read_by_its_partner_only,
    a_change_to_a_deal_applies_to_what_it_earns_afterwards,
    a_lost_deal_earns_nothing_until_it_is_reopened,
    stages_are_renamed_moved_and_marked_won,
    the_demo_tenant_has_a_registration_waiting,
    a_plans_fixed_values_pay_deals_in_its_currency_only,
    a_pipeline_in_use_changes_without_losing_what_deals_hold,
    a_registration_needs_a_stage_to_arrive_at,
);

pub(crate) const REGISTER: &str = "mutation($input: RegisterDealInput!) { registerDeal(input: $input) { \
    id registration status stage { name } terms { version } companyName companyDomain notes amount currency } }";
const APPROVE: &str = "mutation($id: ID!, $stageId: ID) { approveDealRegistration(id: $id, stageId: $stageId) { \
    registration status stage { name } terms { version plans { label } } commissions { nodes { amount } } } }";
const REJECT: &str = "mutation($id: ID!, $reason: String!) { rejectDealRegistration(id: $id, reason: $reason) { \
    registration registrationReason stage { name } } }";
const MOVE: &str = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { deal { status stage { name } } commissions { amount } } }";
const PAY: &str = "mutation($input: DealPaymentInput!) { recordDealPayment(input: $input) { deal { paymentCount } commissions { amount } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { \
    name amount owner { name } leadCreator { name } expectedCloseDate customFieldValues { option { label } } } }";
const LOST: &str = "mutation($id: ID!, $reason: String!) { closeDealLost(id: $id, reason: $reason) { status lostReason } }";
const REOPEN: &str = "mutation($id: ID!) { reopenDeal(id: $id) { status lostReason } }";
const HISTORY: &str = "query($id: ID!) { deal(id: $id) { history { field from to actor } } }";
const WIN: &str =
    "mutation($id: ID!) { updateDealStage(id: $id, input: { isWon: true }) { name isWon } }";

fn admin_actor() -> String {
    format!("admin-of-{TENANT}")
}

fn partner_actor() -> String {
    format!("partner-of-{TENANT}")
}

/// A registration of `domain` by the partner `token` holds.
fn registration(name: &str, domain: &str) -> Value {
    json!({ "input": { "name": name, "amount": "1000", "companyName": "Acme Corp", "companyDomain": domain } })
}

async fn register(app: &TestApp, token: &str, name: &str, domain: &str) -> String {
    id_of(&app.ok(token, REGISTER, registration(name, domain)).await["registerDeal"])
}

async fn move_to(app: &TestApp, p: &Pipeline, deal: &str, stage: &str, key: &str) -> Value {
    let input = json!({ "dealId": deal, "stageId": p.stage(stage), "externalId": key });
    app.ok(&app.admin(), MOVE, json!({ "input": input })).await["moveDeal"].clone()
}

async fn pay(app: &TestApp, deal: &str, key: &str) -> Value {
    let input = json!({ "dealId": deal, "externalId": key });
    app.ok(&app.admin(), PAY, json!({ "input": input })).await["recordDealPayment"].clone()
}

async fn history(app: &TestApp, deal: &str) -> Value {
    app.ok(&app.admin(), HISTORY, json!({ "id": deal })).await["deal"]["history"].clone()
}

/// What the deal's events and commissions count, as the admin reads them.
async fn written(app: &TestApp, deal: &str) -> Value {
    let query = "query($id: ID!) { deal(id: $id) { paymentCount events { totalCount } commissions { totalCount } } }";
    app.ok(&app.admin(), query, json!({ "id": deal })).await["deal"].clone()
}

async fn reseller(app: &TestApp, name: &str) -> String {
    app.create_partner(json!({ "name": name, "type": "RESELLER" }))
        .await
}

async fn a_partner_registers_a_deal_and_the_tenant_approves_it(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    let won = app
        .ok(&admin, WIN, json!({ "id": p.stage("Closed won") }))
        .await;
    assert_eq!(
        won["updateDealStage"],
        json!({ "name": "Closed won", "isWon": true })
    );
    let partner = reseller(&app, "Reseller").await;
    let token = app.partner_token(&partner);
    let registered = app
        .ok(
            &token,
            REGISTER,
            json!({ "input": { "name": "Rollout", "amount": "1000", "currency": "USD",
                "companyName": "Acme Corp", "companyDomain": " WWW.Acme.COM. ", "notes": "Met at the fair" } }),
        )
        .await["registerDeal"]
        .clone();
    let deal = id_of(&registered);
    assert_eq!(
        registered,
        json!({ "id": deal, "registration": "PENDING", "status": "OPEN", "stage": null, "terms": null,
            "companyName": "Acme Corp", "companyDomain": "acme.com", "notes": "Met at the fair",
            "amount": "1000.00", "currency": "USD" })
    );

    // Pending: its events are refused and write nothing.
    let input = json!({ "dealId": deal, "stageId": p.stage("Qualified"), "externalId": "early" });
    let refused = app
        .error(Some(&admin), MOVE, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(refused["message"], "the deal's registration is PENDING");
    let input = json!({ "dealId": deal, "externalId": "early-pay" });
    let refused = app
        .error(Some(&admin), PAY, json!({ "input": input }))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(
        written(&app, &deal).await,
        json!({ "paymentCount": 0, "events": { "totalCount": 0 }, "commissions": { "totalCount": 0 } })
    );

    // The tenant's queue, and a plan created while the deal waits.
    let queue = app
        .ok(
            &admin,
            "{ deals(registration: PENDING) { nodes { id companyDomain partner { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        queue["deals"]["nodes"],
        json!([{ "id": deal, "companyDomain": "acme.com", "partner": { "name": "Reseller" } }])
    );
    create_plan(
        &app,
        json!({ "label": "Registered deals", "partnerType": "RESELLER", "entries": [
            one_off(p.stage("Lead"), "25"),
            { "paymentStageId": p.stage("Closed won"), "calculation": { "split": {
                "oneOff": { "value": "10%" }, "recurring": { "value": "5%", "numberOfOccurrences": 12 } } } }
        ] }),
    )
    .await;

    // A partner token cannot decide.
    let denied = app
        .error(Some(&token), APPROVE, json!({ "id": deal }))
        .await;
    assert_eq!(code(&denied), "FORBIDDEN", "{denied}");

    // Approved without a stage: the first stage, the terms of now.
    let approved = app.ok(&admin, APPROVE, json!({ "id": deal })).await;
    assert_eq!(
        approved["approveDealRegistration"],
        json!({ "registration": "APPROVED", "status": "OPEN", "stage": { "name": "Lead" },
            "terms": { "version": 1, "plans": [{ "label": "Registered deals" }] },
            "commissions": { "nodes": [{ "amount": "25.00" }] } })
    );
    let again = app
        .error(Some(&admin), APPROVE, json!({ "id": deal }))
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(
        again["message"],
        "the deal's registration is APPROVED, not PENDING"
    );

    // Won, paid, and still won when it moves on.
    let moved = move_to(&app, &p, &deal, "Closed won", "won").await;
    assert_eq!(
        moved,
        json!({ "deal": { "status": "WON", "stage": { "name": "Closed won" } },
            "commissions": [{ "amount": "100.00" }] })
    );
    assert_eq!(
        pay(&app, &deal, "pay-1").await["commissions"],
        json!([{ "amount": "50.00" }])
    );
    let back = move_to(&app, &p, &deal, "Proposal", "back").await;
    assert_eq!(
        back["deal"],
        json!({ "status": "WON", "stage": { "name": "Proposal" } })
    );

    // Paid, as the README's path does it: the won commission approved and
    // paid.
    let earned = "query($id: ID!) { deal(id: $id) { commissions { nodes { id amount } } } }";
    let rows =
        app.ok(&admin, earned, json!({ "id": deal })).await["deal"]["commissions"]["nodes"].clone();
    let won_row = rows[1]["id"].clone();
    assert_eq!(rows[1]["amount"], "100.00");
    let approve = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { status } }";
    let approved = app.ok(&admin, approve, json!({ "ids": [won_row] })).await;
    assert_eq!(
        approved["approveCommissions"],
        json!([{ "status": "APPROVED" }])
    );
    let pay = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"2026-12\" }) { amount } }";
    let paid = app.ok(&admin, pay, json!({ "ids": [won_row] })).await;
    assert_eq!(paid["markCommissionsPaid"], json!([{ "amount": "100.00" }]));

    // The partner's side of the same path.
    let mine = app
        .ok(
            &token,
            "{ deals { nodes { registration status commissions { nodes { amount status } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["deals"]["nodes"],
        json!([{ "registration": "APPROVED", "status": "WON", "commissions": { "nodes": [
            { "amount": "25.00", "status": "ACCRUED" }, { "amount": "100.00", "status": "PAID" },
            { "amount": "50.00", "status": "ACCRUED" }] } }])
    );
    assert_eq!(
        history(&app, &deal).await,
        json!([
            { "field": "registration", "from": null, "to": "PENDING", "actor": partner_actor() },
            { "field": "registration", "from": "PENDING", "to": "APPROVED", "actor": admin_actor() },
        ])
    );
    let events = listed(&app, &admin, json!({ "first": 100 })).await;
    let kinds: Vec<&str> = events
        .iter()
        .filter(|(kind, _, _)| kind.starts_with("DEAL_REG"))
        .map(|(kind, _, _)| kind.as_str())
        .collect();
    assert_eq!(kinds, ["DEAL_REGISTERED", "DEAL_REGISTRATION_DECIDED"]);
    let registered = &events.iter().find(|e| e.0 == "DEAL_REGISTERED").unwrap().2;
    assert_eq!(
        *registered,
        json!({ "name": "Rollout", "companyName": "Acme Corp", "companyDomain": "acme.com",
            "amount": "1000.00", "currency": "USD" })
    );
    // The partner hears of its own registration too.
    let heard = listed(
        &app,
        &token,
        json!({ "types": ["DEAL_REGISTRATION_DECIDED"] }),
    )
    .await;
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].2["registration"], "APPROVED");
}

async fn a_company_is_worked_by_one_deal_at_a_time(app: TestApp) {
    pipeline(&app).await;
    let admin = app.admin();
    let (first, second) = (
        reseller(&app, "First").await,
        reseller(&app, "Second").await,
    );
    let (one, two) = (app.partner_token(&first), app.partner_token(&second));
    let deal = register(&app, &one, "Acme", "acme.com").await;

    let taken = app
        .error(Some(&two), REGISTER, registration("Acme too", "ACME.com"))
        .await;
    assert_eq!(code(&taken), "CONFLICT", "{taken}");
    assert_eq!(
        taken["message"],
        "acme.com is already being worked by another deal"
    );
    let twice = app
        .error(
            Some(&one),
            REGISTER,
            registration("Acme again", "www.acme.com"),
        )
        .await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    assert_eq!(
        twice["message"],
        format!("acme.com is already registered by this partner (deal {deal})")
    );
    for bad in ["acme", "https://acme.com", "acme..com", "-acme.com", ""] {
        let error = app
            .error(Some(&one), REGISTER, registration("Bad", bad))
            .await;
        assert_eq!(field(&error), "input.companyDomain", "{bad}: {error}");
    }
    let partners_deals = "{ deals { totalCount } }";
    assert_eq!(
        app.ok(&two, partners_deals, json!({})).await["deals"]["totalCount"],
        0
    );

    // Rejected: the domain is free; the winner of the next race holds it.
    app.ok(
        &admin,
        REJECT,
        json!({ "id": deal, "reason": "Existing customer" }),
    )
    .await;
    let racers = join_all((0..8).map(|i| {
        let token = if i % 2 == 0 { &one } else { &two };
        app.post(
            Some(token),
            REGISTER,
            registration(&format!("Race {i}"), "acme.com"),
        )
    }))
    .await;
    let won: Vec<&Value> = racers
        .iter()
        .filter(|(_, body)| body.get("errors").is_none())
        .map(|(_, body)| body)
        .collect();
    assert_eq!(won.len(), 1, "{racers:?}");
    for (_, body) in racers.iter().filter(|(_, b)| b.get("errors").is_some()) {
        assert_eq!(code(&body["errors"][0]), "CONFLICT", "{body}");
    }
    let holder = id_of(&won[0]["data"]["registerDeal"]);
    app.ok(&admin, APPROVE, json!({ "id": holder })).await;

    // Lost: free again; the lost deal cannot come back while it is taken.
    app.ok(
        &admin,
        LOST,
        json!({ "id": holder, "reason": "Chose a rival" }),
    )
    .await;
    let next = register(&app, &two, "Acme, once more", "acme.com").await;
    let reopened = app
        .error(Some(&admin), REOPEN, json!({ "id": holder }))
        .await;
    assert_eq!(code(&reopened), "CONFLICT", "{reopened}");
    assert_eq!(
        reopened["message"],
        "acme.com is already being worked by another deal"
    );
    let count = "{ deals(registration: PENDING) { nodes { id } } }";
    assert_eq!(
        app.ok(&admin, count, json!({})).await["deals"]["nodes"],
        json!([{ "id": next }])
    );
}

async fn a_registration_is_decided_by_the_tenant_and_read_by_its_partner_only(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    let (mine, theirs) = (reseller(&app, "Mine").await, reseller(&app, "Theirs").await);
    let (token, other) = (app.partner_token(&mine), app.partner_token(&theirs));
    let lead = create_contact(&app, Some(&mine), "Lee").await;
    let foreign = create_contact(&app, Some(&theirs), "Fay").await;
    let staff = create_contact(&app, None, "Sam").await;

    // What a registration may name, each refusal naming its field.
    let mut input = registration("Deal", "globex.com");
    input["input"]["leadCreatorId"] = json!(foreign);
    let error = app.error(Some(&token), REGISTER, input.clone()).await;
    assert_eq!(field(&error), "input.leadCreatorId", "{error}");
    input["input"]["leadCreatorId"] = json!(staff);
    let error = app.error(Some(&token), REGISTER, input.clone()).await;
    assert_eq!(field(&error), "input.leadCreatorId", "{error}");
    input["input"]["leadCreatorId"] = json!(lead);
    input["input"]["amount"] = json!("0");
    let error = app.error(Some(&token), REGISTER, input.clone()).await;
    assert_eq!(field(&error), "input.amount", "{error}");
    input["input"]["amount"] = json!("500");
    input["input"]["currency"] = json!("EUR");
    let error = app.error(Some(&token), REGISTER, input.clone()).await;
    assert_eq!(field(&error), "input.currency", "{error}");
    input["input"]["currency"] = json!(null);
    input["input"]["customFieldValues"] = json!([{ "customFieldId": p.size, "optionId": p.large }]);
    let query = "mutation($input: RegisterDealInput!) { registerDeal(input: $input) { id leadCreator { name } customFieldValues { option { label } } } }";
    let registered = app.ok(&token, query, input).await["registerDeal"].clone();
    let deal = id_of(&registered);
    assert_eq!(registered["leadCreator"]["name"], "Lee");
    assert_eq!(
        registered["customFieldValues"],
        json!([{ "option": { "label": "Large" } }])
    );

    // Staff register nothing; partners decide nothing.
    let staff_error = app
        .error(Some(&admin), REGISTER, registration("Staff", "initech.com"))
        .await;
    assert_eq!(code(&staff_error), "FORBIDDEN", "{staff_error}");
    let rejecting = app
        .error(
            Some(&token),
            REJECT,
            json!({ "id": deal, "reason": "mine" }),
        )
        .await;
    assert_eq!(code(&rejecting), "FORBIDDEN", "{rejecting}");

    // Another partner never sees it, by id or in a list.
    let read = "query($id: ID!) { deal(id: $id) { id registration } }";
    assert_eq!(
        app.ok(&other, read, json!({ "id": deal })).await["deal"],
        json!(null)
    );
    let listed = "{ deals(registration: PENDING) { nodes { id } } }";
    assert_eq!(
        app.ok(&other, listed, json!({})).await["deals"]["nodes"],
        json!([])
    );

    // A blank reason is refused; a rejection is read by its partner.
    let blank = app
        .error(Some(&admin), REJECT, json!({ "id": deal, "reason": "  " }))
        .await;
    assert_eq!(field(&blank), "reason", "{blank}");
    let rejected = app
        .ok(
            &admin,
            REJECT,
            json!({ "id": deal, "reason": "Already a customer" }),
        )
        .await;
    assert_eq!(
        rejected["rejectDealRegistration"],
        json!({ "registration": "REJECTED", "registrationReason": "Already a customer", "stage": null })
    );
    let own =
        "query($id: ID!) { deal(id: $id) { registration registrationReason terms { version } } }";
    assert_eq!(
        app.ok(&token, own, json!({ "id": deal })).await["deal"],
        json!({ "registration": "REJECTED", "registrationReason": "Already a customer", "terms": null })
    );
    // Rejected: nothing moves it, nothing approves it.
    let approve = app
        .error(Some(&admin), APPROVE, json!({ "id": deal }))
        .await;
    assert_eq!(code(&approve), "CONFLICT", "{approve}");
    let input = json!({ "dealId": deal, "stageId": p.stage("Lead"), "externalId": "m" });
    let moved = app
        .error(Some(&admin), MOVE, json!({ "input": input }))
        .await;
    assert_eq!(code(&moved), "CONFLICT", "{moved}");
    let lost = app
        .error(Some(&admin), LOST, json!({ "id": deal, "reason": "x" }))
        .await;
    assert_eq!(code(&lost), "CONFLICT", "{lost}");
    assert_eq!(
        written(&app, &deal).await,
        json!({ "paymentCount": 0, "events": { "totalCount": 0 }, "commissions": { "totalCount": 0 } })
    );
    // Approval at a named stage reaches it and every earlier one.
    let second = register(&app, &token, "Second", "hooli.com").await;
    create_plan(
        &app,
        json!({ "label": "Stages", "partnerType": "RESELLER", "entries": [
            one_off(p.stage("Lead"), "10"), one_off(p.stage("Qualified"), "20"), one_off(p.stage("Proposal"), "30")] }),
    )
    .await;
    let approved = app
        .ok(
            &admin,
            APPROVE,
            json!({ "id": second, "stageId": p.stage("Qualified") }),
        )
        .await["approveDealRegistration"]
        .clone();
    assert_eq!(approved["stage"], json!({ "name": "Qualified" }));
    assert_eq!(
        approved["commissions"]["nodes"],
        json!([{ "amount": "10.00" }, { "amount": "20.00" }])
    );
}

async fn a_change_to_a_deal_applies_to_what_it_earns_afterwards(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    create_plan(
        &app,
        json!({ "label": "Recurring", "partnerType": "RESELLER", "entries": [
            { "paymentStageId": p.stage("Lead"), "calculation": { "recurring": { "value": "5%", "numberOfOccurrences": 12 } } }] }),
    )
    .await;
    let partner = reseller(&app, "Reseller").await;
    let owner = create_contact(&app, None, "Olive").await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "d-1", "partnerId": partner, "name": "Rollout", "amount": "1000", "stageId": p.stage("Lead"),
            "customFieldValues": [{ "customFieldId": p.size, "optionId": p.small }] }),
    )
    .await;
    assert_eq!(
        pay(&app, &deal, "p-1").await["commissions"],
        json!([{ "amount": "50.00" }])
    );

    let updated = app
        .ok(
            &admin,
            UPDATE,
            json!({ "id": deal, "input": { "name": "Rollout, phase 2", "amount": "2000", "ownerId": owner,
                "expectedCloseDate": "2026-12-31", "customFieldValues": [{ "customFieldId": p.size, "optionId": p.large }] } }),
        )
        .await;
    assert_eq!(
        updated["updateDeal"],
        json!({ "name": "Rollout, phase 2", "amount": "2000.00", "owner": { "name": "Olive" }, "leadCreator": null,
            "expectedCloseDate": "2026-12-31", "customFieldValues": [{ "option": { "label": "Large" } }] })
    );
    assert_eq!(
        pay(&app, &deal, "p-2").await["commissions"],
        json!([{ "amount": "100.00" }])
    );
    let earned = "query($id: ID!) { deal(id: $id) { commissions { nodes { amount } } } }";
    assert_eq!(
        app.ok(&admin, earned, json!({ "id": deal })).await["deal"]["commissions"]["nodes"],
        json!([{ "amount": "50.00" }, { "amount": "100.00" }])
    );

    // Cleared; an update that changes nothing writes nothing.
    app.ok(
        &admin,
        UPDATE,
        json!({ "id": deal, "input": { "ownerId": null, "expectedCloseDate": null } }),
    )
    .await;
    app.ok(
        &admin,
        UPDATE,
        json!({ "id": deal, "input": { "amount": "2000.00", "name": "Rollout, phase 2" } }),
    )
    .await;
    let size = |option: &str| format!("{}:{option}", p.size);
    let actor = admin_actor();
    assert_eq!(
        history(&app, &deal).await,
        json!([
            { "field": "name", "from": "Rollout", "to": "Rollout, phase 2", "actor": actor },
            { "field": "amount", "from": "1000.00", "to": "2000.00", "actor": actor },
            { "field": "ownerId", "from": null, "to": owner, "actor": actor },
            { "field": "expectedCloseDate", "from": null, "to": "2026-12-31", "actor": actor },
            { "field": "customFieldValues", "from": size(&p.small), "to": size(&p.large), "actor": actor },
            { "field": "ownerId", "from": owner, "to": null, "actor": actor },
            { "field": "expectedCloseDate", "from": "2026-12-31", "to": null, "actor": actor },
        ])
    );
    let updates = listed(&app, &admin, json!({ "types": ["DEAL_UPDATED"] })).await;
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_eq!(
        updates[0].2["changes"][1],
        json!({ "field": "amount", "from": "1000.00", "to": "2000.00" })
    );

    // Refusals name their field and change nothing.
    let other = reseller(&app, "Other").await;
    let foreign = create_contact(&app, Some(&other), "Fay").await;
    for (input, named) in [
        (json!({ "amount": "-5" }), "input.amount"),
        (json!({ "name": " " }), "input.name"),
        (
            json!({ "ownerId": foreign, "amount": "3000" }),
            "input.ownerId",
        ),
        (
            json!({ "customFieldValues": [{ "customFieldId": p.size, "optionId": "nope" }] }),
            "input.customFieldValues[0].optionId",
        ),
    ] {
        let error = app
            .error(Some(&admin), UPDATE, json!({ "id": deal, "input": input }))
            .await;
        assert_eq!(field(&error), named, "{error}");
    }
    let missing = app
        .error(
            Some(&admin),
            UPDATE,
            json!({ "id": "nope", "input": { "name": "x" } }),
        )
        .await;
    assert_eq!(field(&missing), "id", "{missing}");
    let read = "query($id: ID!) { deal(id: $id) { amount owner { name } history { field } } }";
    let after = app.ok(&admin, read, json!({ "id": deal })).await["deal"].clone();
    assert_eq!(
        (&after["amount"], &after["owner"]),
        (&json!("2000.00"), &json!(null))
    );
    assert_eq!(after["history"].as_array().unwrap().len(), 7);
    // A partner token changes nothing.
    let denied = app
        .error(
            Some(&app.partner_token(&partner)),
            UPDATE,
            json!({ "id": deal, "input": { "name": "x" } }),
        )
        .await;
    assert_eq!(code(&denied), "FORBIDDEN", "{denied}");
}

async fn a_lost_deal_earns_nothing_until_it_is_reopened(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    app.ok(&admin, WIN, json!({ "id": p.stage("Proposal") }))
        .await;
    create_plan(
        &app,
        json!({ "label": "Recurring", "partnerType": "RESELLER", "entries": [
            { "paymentStageId": p.stage("Lead"), "calculation": { "recurring": { "value": "5%", "numberOfOccurrences": 12 } } }] }),
    )
    .await;
    let partner = reseller(&app, "Reseller").await;
    // A tier counting every event of the default campaign.
    let campaign = crate::support::campaigns::default_campaign(&app).await;
    app.ok(
        &admin,
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": { "name": "Counter", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
            "period": "GLOBAL", "applyToAllPartners": true, "campaignIds": [campaign], "goals": { "conversions": 100 } } }),
    )
    .await;
    let counted = || {
        let (app, admin, partner) = (&app, &admin, partner.clone());
        async move {
            let query = "query($id: ID!) { partner(id: $id) { tierProgress { totals { events conversions } } } }";
            app.ok(admin, query, json!({ "id": partner })).await["partner"]["tierProgress"][0]["totals"]
                .clone()
        }
    };
    let deal = create_deal(
        &app,
        json!({ "externalId": "d-1", "partnerId": partner, "name": "Rollout", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;
    assert_eq!(counted().await, json!({ "events": 1, "conversions": 0 }));
    let reopen_open = app.error(Some(&admin), REOPEN, json!({ "id": deal })).await;
    assert_eq!(code(&reopen_open), "CONFLICT", "{reopen_open}");
    assert_eq!(reopen_open["message"], "the deal is OPEN, not LOST");

    let lost = app
        .ok(&admin, LOST, json!({ "id": deal, "reason": "Budget cut" }))
        .await;
    assert_eq!(
        lost["closeDealLost"],
        json!({ "status": "LOST", "lostReason": "Budget cut" })
    );
    let twice = app
        .error(Some(&admin), LOST, json!({ "id": deal, "reason": "again" }))
        .await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    let input = json!({ "dealId": deal, "stageId": p.stage("Proposal"), "externalId": "m-lost" });
    let moved = app
        .error(Some(&admin), MOVE, json!({ "input": input }))
        .await;
    assert_eq!(code(&moved), "CONFLICT", "{moved}");
    assert_eq!(moved["message"], "the deal is LOST: reopen it to move it");
    // Recorded, earning nothing.
    let paid = pay(&app, &deal, "p-lost").await;
    assert_eq!(
        paid,
        json!({ "deal": { "paymentCount": 1 }, "commissions": [] })
    );
    assert_eq!(
        written(&app, &deal).await,
        json!({ "paymentCount": 1, "events": { "totalCount": 2 }, "commissions": { "totalCount": 0 } })
    );
    // Nor does it count toward a tier.
    assert_eq!(counted().await, json!({ "events": 1, "conversions": 0 }));
    let lost_list = "{ deals(status: LOST) { nodes { id } } }";
    assert_eq!(
        app.ok(&admin, lost_list, json!({})).await["deals"]["nodes"],
        json!([{ "id": deal }])
    );

    let reopened = app.ok(&admin, REOPEN, json!({ "id": deal })).await;
    assert_eq!(
        reopened["reopenDeal"],
        json!({ "status": "OPEN", "lostReason": null })
    );
    assert_eq!(
        pay(&app, &deal, "p-2").await["commissions"],
        json!([{ "amount": "50.00" }])
    );
    let won = move_to(&app, &p, &deal, "Proposal", "m-won").await;
    assert_eq!(won["deal"]["status"], "WON");
    // Lost when won, reopened: won again.
    app.ok(&admin, LOST, json!({ "id": deal, "reason": "Churned" }))
        .await;
    let again = app.ok(&admin, REOPEN, json!({ "id": deal })).await;
    assert_eq!(again["reopenDeal"]["status"], "WON");
    let actor = admin_actor();
    assert_eq!(
        history(&app, &deal).await,
        json!([
            { "field": "status", "from": "OPEN", "to": "LOST", "actor": actor },
            { "field": "lostReason", "from": null, "to": "Budget cut", "actor": actor },
            { "field": "status", "from": "LOST", "to": "OPEN", "actor": actor },
            { "field": "lostReason", "from": "Budget cut", "to": null, "actor": actor },
            { "field": "status", "from": "WON", "to": "LOST", "actor": actor },
            { "field": "lostReason", "from": null, "to": "Churned", "actor": actor },
            { "field": "status", "from": "LOST", "to": "WON", "actor": actor },
            { "field": "lostReason", "from": "Churned", "to": null, "actor": actor },
        ])
    );
}

async fn stages_are_renamed_moved_and_marked_won(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    let update = "mutation($id: ID!, $input: UpdateDealStageInput!) { updateDealStage(id: $id, input: $input) { name position isWon } }";
    let renamed = app
        .ok(
            &admin,
            update,
            json!({ "id": p.stage("Proposal"), "input": { "name": "Quote", "position": 35 } }),
        )
        .await;
    assert_eq!(
        renamed["updateDealStage"],
        json!({ "name": "Quote", "position": 35, "isWon": false })
    );
    for (input, named) in [
        (json!({ "position": 10 }), "input.position"),
        (json!({ "name": "Lead" }), "input.name"),
        (json!({ "position": 10_001 }), "input.position"),
        (json!({ "name": "" }), "input.name"),
    ] {
        let error = app
            .error(
                Some(&admin),
                update,
                json!({ "id": p.stage("Qualified"), "input": input }),
            )
            .await;
        assert_eq!(field(&error), named, "{error}");
    }
    let missing = app
        .error(Some(&admin), update, json!({ "id": "nope", "input": {} }))
        .await;
    assert_eq!(field(&missing), "id", "{missing}");
    let stages = app
        .ok(&admin, "{ dealStages { name position isWon } }", json!({}))
        .await;
    assert_eq!(
        stages["dealStages"],
        json!([
            { "name": "Lead", "position": 10, "isWon": false },
            { "name": "Qualified", "position": 20, "isWon": false },
            { "name": "Quote", "position": 35, "isWon": false },
            { "name": "Closed won", "position": 50, "isWon": false },
        ])
    );
    let created = app
        .ok(
            &admin,
            crate::support::deals::CREATE_STAGE
                .replace("position }", "position isWon }")
                .as_str(),
            json!({ "input": { "name": "Live", "position": 60, "isWon": true } }),
        )
        .await;
    assert_eq!(created["createDealStage"]["isWon"], true);
    let partner = app.partner_token(&reseller(&app, "R").await);
    let denied = app
        .error(
            Some(&partner),
            update,
            json!({ "id": p.stage("Lead"), "input": { "name": "x" } }),
        )
        .await;
    assert_eq!(code(&denied), "FORBIDDEN", "{denied}");
}

async fn the_demo_tenant_has_a_registration_waiting(app: TestApp) {
    assert!(revshare::demo::provision(&app.db).await.unwrap());
    let admin = app.admin_of(revshare::demo::DEMO_TENANT);
    let query = "{ dealStages { name isWon } deals { nodes { name registration status stage { name } companyDomain } } }";
    let data = app.ok(&admin, query, json!({})).await;
    let won: Vec<&Value> = data["dealStages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["isWon"] == true)
        .collect();
    assert_eq!(won, [&json!({ "name": "Closed won", "isWon": true })]);
    assert_eq!(
        data["deals"]["nodes"],
        json!([
            { "name": "Acme rollout", "registration": "NOT_REQUIRED", "status": "OPEN",
              "stage": { "name": "Proposal" }, "companyDomain": null },
            { "name": "Globex expansion", "registration": "PENDING", "status": "OPEN",
              "stage": null, "companyDomain": "globex.example" },
        ])
    );
}

async fn a_plans_fixed_values_pay_deals_in_its_currency_only(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    let europe = create_campaign(
        &app,
        json!({ "name": "Europe", "currency": "EUR", "rules": [{ "recurring": { "percentage": 0 } }] }),
    )
    .await;
    let partner = reseller(&app, "Reseller").await;
    enroll(&app, &partner, &europe).await;
    let entries = json!([
        one_off(p.stage("Lead"), "500"),
        one_off(p.stage("Qualified"), "10%")
    ]);
    let plan_query = "mutation($input: CommissionPlanInput!) { createCommissionPlan(input: $input) { id currency } }";
    let usd = app
        .ok(&admin, plan_query, json!({ "input": { "label": "Dollars", "partnerType": "RESELLER", "entries": entries } }))
        .await["createCommissionPlan"]
        .clone();
    assert_eq!(usd["currency"], "USD", "the tenant's by default");
    let earned = |deal: &str| {
        let query = "query($id: ID!) { deal(id: $id) { currency commissions { nodes { amount currency } } \
            terms { plans { label currency inapplicableEntries { entryIndex reason } } } } }";
        let (app, admin, deal) = (&app, &admin, deal.to_owned());
        async move { app.ok(admin, query, json!({ "id": deal })).await["deal"].clone() }
    };
    let deal = |key: &str, campaign: Option<&str>| {
        json!({ "externalId": key, "partnerId": partner, "campaignId": campaign, "name": key,
            "amount": "1000", "stageId": p.stage("Qualified") })
    };
    let dollars = create_deal(&app, deal("usd-1", None)).await;
    let euros = create_deal(&app, deal("eur-1", Some(&europe))).await;
    assert_eq!(
        earned(&dollars).await,
        json!({ "currency": "USD", "commissions": { "nodes": [
            { "amount": "500.00", "currency": "USD" }, { "amount": "100.00", "currency": "USD" }] },
            "terms": { "plans": [{ "label": "Dollars", "currency": "USD", "inapplicableEntries": [] }] } })
    );
    assert_eq!(
        earned(&euros).await,
        json!({ "currency": "EUR", "commissions": { "nodes": [{ "amount": "100.00", "currency": "EUR" }] },
            "terms": { "plans": [{ "label": "Dollars", "currency": "USD", "inapplicableEntries": [{ "entryIndex": 0,
                "reason": "its fixed values are in USD and pay EUR deals nothing; its percentages apply" }] }] } })
    );

    // A plan in euros, newer, applies to both: its 500 pays euro deals only.
    let eur = app
        .ok(&admin, plan_query, json!({ "input": { "label": "Euros", "partnerType": "RESELLER", "currency": "EUR", "entries": entries } }))
        .await["createCommissionPlan"]
        .clone();
    assert_eq!(eur["currency"], "EUR");
    let euros = create_deal(&app, deal("eur-2", Some(&europe))).await;
    let dollars = create_deal(&app, deal("usd-2", None)).await;
    let amounts = |deal: Value| deal["commissions"]["nodes"].clone();
    assert_eq!(
        amounts(earned(&euros).await),
        json!([{ "amount": "500.00", "currency": "EUR" }, { "amount": "100.00", "currency": "EUR" }])
    );
    assert_eq!(
        amounts(earned(&dollars).await),
        json!([{ "amount": "100.00", "currency": "USD" }])
    );

    // A simulation follows the same rule.
    let simulate = "mutation($id: ID, $deal: DealSimulationInput!) { simulateCommissionPlan(planId: $id, deal: $deal) { total currency lines { value amount } } }";
    let simulated = app
        .ok(
            &admin,
            simulate,
            json!({ "id": id_of(&usd), "deal": { "amount": "1000", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(
        simulated["simulateCommissionPlan"],
        json!({ "total": "100.00", "currency": "EUR", "lines": [{ "value": "10%", "amount": "100.00" }] })
    );

    // The currency is checked, and bounds a fixed value's decimals.
    let bad = |currency: &str, value: &str| {
        json!({ "input": { "label": "Bad", "partnerType": "RESELLER", "currency": currency,
            "entries": [one_off(p.stage("Lead"), value)] } })
    };
    let error = app.error(Some(&admin), plan_query, bad("XYZ", "5")).await;
    assert_eq!(field(&error), "input.currency", "{error}");
    let error = app
        .error(Some(&admin), plan_query, bad("JPY", "5.12345"))
        .await;
    assert_eq!(
        field(&error),
        "input.entries[0].calculation.oneOff.value",
        "{error}"
    );
    let fine = app.ok(&admin, plan_query, bad("USD", "5.12345")).await;
    assert_eq!(fine["createCommissionPlan"]["currency"], "USD");
    let update = "mutation($id: ID!) { updateCommissionPlan(id: $id, input: { currency: \"JPY\" }) { currency } }";
    let updated = app.ok(&admin, update, json!({ "id": id_of(&usd) })).await;
    assert_eq!(updated["updateCommissionPlan"]["currency"], "JPY");
}

async fn a_pipeline_in_use_changes_without_losing_what_deals_hold(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    create_plan(
        &app,
        json!({ "label": "Scaled", "partnerType": "RESELLER", "entries": [
            one_off(p.stage("Qualified"), "20"), one_off(p.stage("Proposal"), "30"),
            { "paymentStageId": p.stage("Closed won"), "calculation": { "oneOff": { "value": "10%",
              "scaling": { "customFieldId": p.size, "tiers": [{ "optionId": p.large, "value": "12%" }] } } } }] }),
    )
    .await;
    let partner = reseller(&app, "Reseller").await;
    let lee = create_contact(&app, Some(&partner), "Lee").await;
    let held = create_deal(
        &app,
        json!({ "externalId": "held", "partnerId": partner, "name": "Held", "amount": "1000", "stageId": p.stage("Qualified"),
            "leadCreatorId": lee, "customFieldValues": [{ "customFieldId": p.size, "optionId": p.small }] }),
    )
    .await;

    // Options renamed, added, reordered; removed only when unused.
    let update = "mutation($id: ID!, $input: UpdateCustomFieldInput!) { updateCustomField(id: $id, input: $input) { name options { id label } } }";
    let options = |list: Value| json!({ "id": p.size, "input": { "options": list } });
    let renamed = app
        .ok(&admin, update, json!({ "id": p.size, "input": { "name": "Deal size", "options": [
            { "id": p.large, "label": "Small" }, { "id": p.small, "label": "Large" }, { "label": "Medium" }] } }))
        .await["updateCustomField"]
        .clone();
    let medium = renamed["options"][2]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        renamed,
        json!({ "name": "Deal size", "options": [
            { "id": p.large, "label": "Small" }, { "id": p.small, "label": "Large" }, { "id": medium, "label": "Medium" }] })
    );
    let without_small = app
        .error(
            Some(&admin),
            update,
            options(json!([{ "id": p.large, "label": "L" }, { "id": medium, "label": "M" }])),
        )
        .await;
    assert_eq!(code(&without_small), "CONFLICT", "{without_small}");
    assert_eq!(
        without_small["message"],
        "option \"Large\" is held by a deal"
    );
    let without_large = app
        .error(
            Some(&admin),
            update,
            options(json!([{ "id": p.small, "label": "S" }, { "id": medium, "label": "M" }])),
        )
        .await;
    assert_eq!(code(&without_large), "CONFLICT", "{without_large}");
    assert_eq!(
        without_large["message"],
        "option \"Small\" scales plan \"Scaled\""
    );
    let back = app
        .ok(
            &admin,
            update,
            options(
                json!([{ "id": p.small, "label": "Small" }, { "id": p.large, "label": "Large" }]),
            ),
        )
        .await;
    assert_eq!(
        back["updateCustomField"]["options"],
        json!([{ "id": p.small, "label": "Small" }, { "id": p.large, "label": "Large" }])
    );
    for (list, named) in [
        (
            json!([{ "id": "nope", "label": "X" }]),
            "input.options[0].id",
        ),
        (
            json!([{ "id": p.small, "label": "A" }, { "id": p.large, "label": "a" }]),
            "input.options[1].label",
        ),
        (json!([]), "input.options"),
    ] {
        let error = app.error(Some(&admin), update, options(list)).await;
        assert_eq!(field(&error), named, "{error}");
    }

    // A stage with an open deal stays; once empty it is archived, and
    // moves neither land on it nor reach it.
    let archive = "mutation($id: ID!) { archiveDealStage(id: $id) { name archivedAt } }";
    let occupied = app
        .error(Some(&admin), archive, json!({ "id": p.stage("Qualified") }))
        .await;
    assert_eq!(code(&occupied), "CONFLICT", "{occupied}");
    let fresh = create_deal(
        &app,
        json!({ "externalId": "fresh", "partnerId": partner, "name": "Fresh", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;
    move_to(&app, &p, &held, "Proposal", "held-on").await;
    let occupied = app
        .error(Some(&admin), archive, json!({ "id": p.stage("Proposal") }))
        .await;
    assert_eq!(code(&occupied), "CONFLICT", "{occupied}");
    assert_eq!(
        occupied["message"],
        "1 open deal(s) sit in this stage: move or close them first"
    );
    app.ok(&admin, LOST, json!({ "id": held, "reason": "Gone quiet" }))
        .await;
    let archived = app
        .ok(&admin, archive, json!({ "id": p.stage("Proposal") }))
        .await;
    assert_eq!(archived["archiveDealStage"]["name"], "Proposal");
    assert!(archived["archiveDealStage"]["archivedAt"].is_string());
    let stages = |archived: bool| {
        let (app, admin) = (&app, &admin);
        async move {
            let query = "query($a: Boolean) { dealStages(includeArchived: $a) { name } }";
            app.ok(admin, query, json!({ "a": archived })).await["dealStages"].clone()
        }
    };
    assert_eq!(
        stages(false).await,
        json!([{ "name": "Lead" }, { "name": "Qualified" }, { "name": "Closed won" }])
    );
    assert_eq!(stages(true).await.as_array().unwrap().len(), 4);
    let input =
        json!({ "dealId": fresh, "stageId": p.stage("Proposal"), "externalId": "to-archived" });
    let refused = app
        .error(Some(&admin), MOVE, json!({ "input": input }))
        .await;
    assert_eq!(field(&refused), "input.stageId", "{refused}");
    let passing = move_to(&app, &p, &fresh, "Closed won", "past-archived").await;
    assert_eq!(
        passing["commissions"],
        json!([{ "amount": "20.00" }, { "amount": "100.00" }]),
        "Qualified and Closed won pay; the archived Proposal does not"
    );

    // Contacts change; an archived one is named by nothing new.
    let change = "mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { name email } }";
    let changed = app
        .ok(
            &admin,
            change,
            json!({ "id": lee, "input": { "name": "Lee Park", "email": "lee@northwind.example" } }),
        )
        .await;
    assert_eq!(
        changed["updateContact"],
        json!({ "name": "Lee Park", "email": "lee@northwind.example" })
    );
    let bad_email = app
        .error(
            Some(&admin),
            change,
            json!({ "id": lee, "input": { "email": "nope" } }),
        )
        .await;
    assert_eq!(field(&bad_email), "input.email", "{bad_email}");
    let retire = "mutation($id: ID!) { archiveContact(id: $id) { name archivedAt } }";
    let retired = app.ok(&admin, retire, json!({ "id": lee })).await;
    assert!(retired["archiveContact"]["archivedAt"].is_string());
    let again = app.error(Some(&admin), retire, json!({ "id": lee })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let naming = app
        .error(
            Some(&admin),
            crate::support::deals::CREATE_DEAL,
            json!({ "input": { "externalId": "named", "partnerId": partner, "name": "Named", "amount": "10",
                "stageId": p.stage("Lead"), "leadCreatorId": lee } }),
        )
        .await;
    assert_eq!(field(&naming), "input.leadCreatorId", "{naming}");
    let listed = "query($a: Boolean) { contacts(includeArchived: $a) { nodes { name } } }";
    assert_eq!(
        app.ok(&admin, listed, json!({})).await["contacts"]["nodes"],
        json!([])
    );
    assert_eq!(
        app.ok(&admin, listed, json!({ "a": true })).await["contacts"]["nodes"],
        json!([{ "name": "Lee Park" }])
    );
    let read = "query($id: ID!) { deal(id: $id) { leadCreator { name archivedAt } } }";
    let kept = app.ok(&admin, read, json!({ "id": held })).await;
    assert_eq!(kept["deal"]["leadCreator"]["name"], "Lee Park");
}

async fn a_registration_needs_a_stage_to_arrive_at(app: TestApp) {
    let admin = app.admin();
    let token = app.partner_token(&reseller(&app, "Early").await);
    let refused = app
        .error(Some(&token), REGISTER, registration("Early", "early.com"))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(
        refused["message"],
        "the tenant's pipeline has no stages (none, or all archived)"
    );
    let stage = app
        .ok(
            &admin,
            crate::support::deals::CREATE_STAGE,
            json!({ "input": { "name": "Lead", "position": 10 } }),
        )
        .await["createDealStage"]["id"]
        .clone();
    let deal = register(&app, &token, "Early", "early.com").await;
    // A pending registration sits in no stage: the stage may be archived.
    app.ok(
        &admin,
        "mutation($id: ID!) { archiveDealStage(id: $id) { id } }",
        json!({ "id": stage }),
    )
    .await;
    let approve = app
        .error(Some(&admin), APPROVE, json!({ "id": deal }))
        .await;
    assert_eq!(code(&approve), "CONFLICT", "{approve}");
    let at_archived = app
        .error(
            Some(&admin),
            APPROVE,
            json!({ "id": deal, "stageId": stage }),
        )
        .await;
    assert_eq!(field(&at_archived), "stageId", "{at_archived}");
    let read = "query($id: ID!) { deal(id: $id) { registration terms { version } } }";
    assert_eq!(
        app.ok(&admin, read, json!({ "id": deal })).await["deal"],
        json!({ "registration": "PENDING", "terms": null })
    );
}

//! An API frontend tools can read whole (SPEC §19): Relay's `node` and
//! `nodes` over every object with an id, found by introspection, with the
//! visibility of each type's own query; and every item of the schema
//! described, as graphql-schema-linter checks it.

use crate::helpers::{OTHER_TENANT, TestApp};
use crate::on_both_databases_with;
use crate::support::payouts::{approve, paypal, run};
use crate::support::sales::sale_at;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

on_both_databases_with!(loopback_webhooks; every_object_with_an_id_is_a_node_that_refetches);

fn loopback_webhooks() -> revshare::http::Options {
    // With a data key: a 1099 seals its TINs.
    revshare::http::Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        ..crate::support::receiver::loopback()
    }
}

/// The object types with an `id: ID!`, and the interfaces each implements.
async fn types_with_ids(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let data = app
        .ok(
            &app.admin(),
            "{ __schema { types { name kind interfaces { name } fields { name type { kind ofType { name } } } } } }",
            json!({}),
        )
        .await;
    let mut found = BTreeMap::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let has_id = t["kind"] == "OBJECT"
            && !t["name"].as_str().unwrap().starts_with("__")
            && t["fields"].as_array().unwrap().iter().any(|f| {
                f["name"] == "id"
                    && f["type"]["kind"] == "NON_NULL"
                    && f["type"]["ofType"]["name"] == "ID"
            });
        if has_id {
            let interfaces = t["interfaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_owned())
                .collect();
            found.insert(t["name"].as_str().unwrap().to_owned(), interfaces);
        }
    }
    found
}

/// Types whose `id` names no object to fetch again: a payload's.
const NOT_NODES: &[(&str, &str)] = &[(
    "DeletedPartnerGroup",
    "the id of a group just deleted: it names nothing any more",
)];

/// One object of each type with an id, made through the API; its id by type.
async fn one_of_each(app: &TestApp) -> (BTreeMap<&'static str, String>, String) {
    let admin = app.admin();
    let mut ids: BTreeMap<&'static str, String> = BTreeMap::new();
    let ok = |token: &str, query: &str, variables: Value| {
        let (app, token, query) = (app, token.to_owned(), query.to_owned());
        async move { app.ok(&token, &query, variables).await }
    };
    let id = |v: &Value| v.as_str().unwrap().to_owned();
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    ids.insert("PartnerGroup", group.clone());
    let partner = app
        .create_partner(json!({ "name": "Ada", "groupId": group, "type": "RESELLER" }))
        .await;
    ids.insert("Partner", partner.clone());
    let category = ok(
        &admin,
        "mutation { createCategory(input: { name: \"SaaS\" }) { id } }",
        json!({}),
    )
    .await;
    ids.insert("Category", id(&category["createCategory"]["id"]));
    let campaign = crate::support::campaigns::create_campaign(
        app,
        json!({ "name": "Spring", "landingUrl": "https://brand.example/spring", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    ids.insert("Campaign", campaign.clone());
    let request = ok(
        &app.partner_token(&partner),
        "mutation($c: ID!) { applyToCampaign(campaignId: $c) { id } }",
        json!({ "c": campaign }),
    )
    .await;
    let request = id(&request["applyToCampaign"]["id"]);
    ids.insert("PartnershipRequest", request.clone());
    let enrolled = ok(
        &admin,
        "mutation($id: ID!) { approvePartnershipRequest(id: $id) { id snapshot { id } } }",
        json!({ "id": request }),
    )
    .await;
    ids.insert(
        "Enrollment",
        id(&enrolled["approvePartnershipRequest"]["id"]),
    );
    ids.insert(
        "PartnerCommission",
        id(&enrolled["approvePartnershipRequest"]["snapshot"]["id"]),
    );
    let code = ok(
        &app.partner_token(&partner),
        "mutation($c: ID!) { createReferralCode(input: { campaignId: $c, code: \"ada-spring\" }) { id } }",
        json!({ "c": campaign }),
    )
    .await;
    ids.insert("ReferralCode", id(&code["createReferralCode"]["id"]));
    // Every code is a short link too (SPEC §30).
    let links = ok(
        &app.partner_token(&partner),
        "query($p: ID!) { partner(id: $p) { links { nodes { id } } } }",
        json!({ "p": partner }),
    )
    .await;
    ids.insert(
        "PartnerLink",
        id(&links["partner"]["links"]["nodes"][0]["id"]),
    );
    // A bounty of Ada's group, and her work for it (SPEC §31).
    let bounty = ok(
        &admin,
        "mutation($g: ID!) { createBounty(input: { name: \"Review\", groupIds: [$g], type: SUBMISSION, reward: { amount: \"10.00\", currency: \"USD\" }, startsAt: \"2026-01-01T00:00:00Z\" }) { id } }",
        json!({ "g": group }),
    )
    .await;
    let bounty = id(&bounty["createBounty"]["id"]);
    ids.insert("Bounty", bounty.clone());
    let submission = ok(
        &app.partner_token(&partner),
        "mutation($b: ID!) { submitBounty(input: { bountyId: $b, urls: [\"https://ada.example/review\"] }) { id } }",
        json!({ "b": bounty }),
    )
    .await;
    ids.insert("BountySubmission", id(&submission["submitBounty"]["id"]));
    // A retainer of Ada's own (SPEC §37), from a day to come.
    let starts = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
    let retainer = ok(
        &admin,
        "mutation($p: ID!, $s: Date!) { createRetainer(input: { name: \"Stipend\", partnerId: $p, cadence: MONTHLY, amount: { amount: \"10.00\", currency: \"USD\" }, startsOn: $s }) { id } }",
        json!({ "p": partner, "s": starts }),
    )
    .await;
    ids.insert("Retainer", id(&retainer["createRetainer"]["id"]));
    // An announcement for every partner (SPEC §37).
    let announcement = ok(
        &admin,
        "mutation { createAnnouncement(input: { title: \"Spring launch\", body: \"New plans are live.\" }) { id } }",
        json!({}),
    )
    .await;
    ids.insert(
        "Announcement",
        id(&announcement["createAnnouncement"]["id"]),
    );
    // A text for every partner to copy (SPEC §37).
    let resource = ok(
        &admin,
        "mutation { createResource(input: { kind: TEXT, title: \"Tagline\", text: \"Grow with Acme.\" }) { id } }",
        json!({}),
    )
    .await;
    ids.insert("Resource", id(&resource["createResource"]["id"]));
    // A message of Ada's thread, a broadcast, a workflow (SPEC §35).
    let message = ok(
        &admin,
        "mutation($p: ID!) { sendMessage(input: { partnerId: $p, body: \"Welcome\" }) { id } }",
        json!({ "p": partner }),
    )
    .await;
    ids.insert("Message", id(&message["sendMessage"]["id"]));
    let broadcast = ok(
        &admin,
        "mutation { createBroadcast(input: { subject: \"News\", body: \"Hello\", audience: { tags: [\"none-has-it\"] } }) { id } }",
        json!({}),
    )
    .await;
    ids.insert("Broadcast", id(&broadcast["createBroadcast"]["id"]));
    let workflow = ok(
        &admin,
        "mutation { createWorkflow(input: { name: \"Welcome\", trigger: { partnerApproved: true }, actions: [{ addTag: \"new\" }] }) { id } }",
        json!({}),
    )
    .await;
    ids.insert("Workflow", id(&workflow["createWorkflow"]["id"]));
    let click = ok(
        &app.service("events:write"),
        "mutation { recordClick(input: { code: \"ada-spring\" }) { id } }",
        json!({}),
    )
    .await;
    ids.insert("Click", id(&click["recordClick"]["id"]));
    let customer = ok(
        &admin,
        "mutation($p: ID!) { attributeCustomer(input: { customerExternalId: \"cus_1\", partnerId: $p }) { id } }",
        json!({ "p": partner }),
    )
    .await;
    ids.insert("Customer", id(&customer["attributeCustomer"]["id"]));
    let commission = sale_at(app, &partner, "sale-1", "100", "2026-01-10T12:00:00Z").await;
    ids.insert("Commission", commission.clone());
    let event = ok(
        &admin,
        "query($id: ID!) { commission(id: $id) { event { id } } }",
        json!({ "id": commission }),
    )
    .await;
    ids.insert("Event", id(&event["commission"]["event"]["id"]));
    ok(
        &app.service("events:write"),
        "mutation { recordEvent(input: { externalId: \"held-1\", customerExternalId: \"cus_unknown\", amount: \"10\" }) { unattributed } }",
        json!({}),
    )
    .await;
    let held = ok(
        &admin,
        "{ unattributedEvents(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    ids.insert(
        "UnattributedEvent",
        id(&held["unattributedEvents"]["nodes"][0]["id"]),
    );
    approve(app, &[&commission]).await;
    paypal(app, &partner, "ada@example.com").await;
    let the_run = run(app, json!({ "periodEnd": "2026-01-31" })).await;
    ids.insert("PayoutRun", id(&the_run["id"]));
    ids.insert("Payout", id(&the_run["payouts"][0]["id"]));
    let pipeline = crate::support::deals::pipeline(app).await;
    ids.insert("DealStage", pipeline.stage("Lead").to_owned());
    ids.insert("CustomField", pipeline.size.clone());
    ids.insert("CustomFieldOption", pipeline.small.clone());
    let contact = crate::support::deals::create_contact(app, Some(&partner), "Bo").await;
    ids.insert("Contact", contact);
    let plan =
        crate::support::deals::create_plan(app, crate::support::deals::reseller_plan(&pipeline))
            .await;
    ids.insert("CommissionPlan", plan);
    let deal = crate::support::deals::create_deal(
        app,
        json!({ "externalId": "D-1", "partnerId": partner, "name": "Rollout", "amount": "1000", "stageId": pipeline.stage("Lead") }),
    )
    .await;
    ids.insert("Deal", deal);
    let tier = ok(
        &admin,
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": { "name": "Silver", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31", "period": "MONTHLY",
                           "applyToAllPartners": true, "partnerIds": [], "campaignIds": [campaign], "goals": { "conversions": 5 } } }),
    )
    .await;
    ids.insert(
        "TieredCommission",
        id(&tier["createTieredCommission"]["id"]),
    );
    let (endpoint, _) = crate::support::receiver::register(
        app,
        &admin,
        json!({ "url": "http://127.0.0.1:9/unreachable", "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    ids.insert("WebhookEndpoint", endpoint.clone());
    sale_at(app, &partner, "sale-2", "50", "2026-01-11T12:00:00Z").await;
    let mut delivery = None;
    for _ in 0..100 {
        let read = ok(
            &admin,
            "query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 1) { nodes { id } } } }",
            json!({ "id": endpoint }),
        )
        .await;
        if let Some(found) = read["webhookEndpoint"]["deliveries"]["nodes"][0]["id"].as_str() {
            delivery = Some(found.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    ids.insert("WebhookDelivery", delivery.expect("a delivery was made"));
    let events = ok(
        &admin,
        "{ domainEvents(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    ids.insert("DomainEvent", id(&events["domainEvents"]["nodes"][0]["id"]));
    ids.insert("Tenant", crate::helpers::TENANT.to_owned());
    // A stranger's application to the public campaign, and its e-mail.
    let (status, _) = app
        .post(
            None,
            "mutation($c: ID!) { submitPartnerApplication(input: { tenantId: \"acme\", campaignId: $c, name: \"Cy\", email: \"cy@example.com\" }) { accepted } }",
            json!({ "c": campaign }),
        )
        .await;
    assert_eq!(status, 200);
    let applied = ok(
        &admin,
        "{ partnerApplications(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    ids.insert(
        "PartnerApplication",
        id(&applied["partnerApplications"]["nodes"][0]["id"]),
    );
    let mail = ok(&admin, "{ emails(first: 1) { nodes { id } } }", json!({})).await;
    ids.insert("Email", id(&mail["emails"]["nodes"][0]["id"]));
    // A customer at a disposable address: a fraud flag.
    ok(
        &admin,
        "mutation($p: ID!) { attributeCustomer(input: { customerExternalId: \"cus-flagged\", partnerId: $p, email: \"z@mailinator.com\" }) { externalId } }",
        json!({ "p": partner }),
    )
    .await;
    let flagged = ok(
        &admin,
        "{ fraudFlags(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    ids.insert("FraudFlag", id(&flagged["fraudFlags"]["nodes"][0]["id"]));
    let backtest = ok(
        &admin,
        "mutation($g: ID!) { startBacktest(input: { from: \"2020-01-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\", groupId: $g }) { id } }",
        json!({ "g": ids["PartnerGroup"] }),
    )
    .await;
    ids.insert("Backtest", id(&backtest["startBacktest"]["id"]));
    ids.insert("Import", finished_import(app).await);
    // A 1099 of 2025: the payer, a W-9, a payment, issued.
    ok(
        &admin,
        "mutation { updateTenant(input: { taxPayer: { legalName: \"Acme\", tin: \"12-3456789\", \
           address: { line1: \"1 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" }, phone: \"512 555 0100\" } }) { name } }",
        json!({}),
    )
    .await;
    let payee = app
        .create_partner(json!({ "name": "Tess", "email": "tess@example.com" }))
        .await;
    ok(
        &admin,
        "mutation($p: ID!) { submitTaxProfile(input: { partnerId: $p, form: W9, country: \"US\", taxId: \"123-45-6789\", \
           tinType: SSN, legalName: \"Tess Payee\", classification: INDIVIDUAL, \
           address: { line1: \"2 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { status } }",
        json!({ "p": payee }),
    )
    .await;
    ok(
        &admin,
        "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }",
        json!({ "p": payee }),
    )
    .await;
    ok(
        &admin,
        "mutation($p: ID!) { addTaxPayment(input: { partnerId: $p, amount: \"700.00\", paidOn: \"2025-06-01\", note: \"cheque\" }) { amount } }",
        json!({ "p": payee }),
    )
    .await;
    let issued = ok(
        &admin,
        "mutation { issueTaxForms(year: 2025) { forms { id } } }",
        json!({}),
    )
    .await;
    ids.insert(
        "TaxForm1099",
        id(&issued["issueTaxForms"]["forms"][0]["id"]),
    );
    // A self-billed invoice (SPEC §33): a program that self-bills, a
    // partner that accepted, a commission paid by hand.
    ok(
        &admin,
        "mutation { updateTenant(input: { invoicing: { selfBilling: true, legalName: \"Acme GmbH\", country: \"DE\", \
           vatId: \"DE811907980\", agreement: \"Acme issues your invoices.\", \
           address: { line1: \"Friedrichstraße 100\", city: \"Berlin\", zip: \"10117\", country: \"DE\" } } }) { name } }",
        json!({}),
    )
    .await;
    let ivo = crate::support::partners::partner_at(app, "Ivo", 10).await;
    ok(
        &app.partner_token(&ivo),
        "mutation { setPartnerVat(input: { registered: true, vatId: \"DE136695976\", country: \"DE\", legalName: \"Ivo UG\", \
           address: { line1: \"Domstraße 1\", city: \"Köln\", zip: \"50667\", country: \"DE\" } }) { vatId } }",
        json!({}),
    )
    .await;
    ok(
        &app.partner_token(&ivo),
        "mutation { acceptSelfBillingAgreement(input: { version: 1 }) { version } }",
        json!({}),
    )
    .await;
    let earned = crate::support::sales::commission_id(
        app,
        crate::support::sales::sale_input(&ivo, "ivo-1", "100"),
    )
    .await;
    approve(app, &[&earned]).await;
    let paid = ok(
        &app.service("commissions:write"),
        "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"BANK-1\" }) { invoice { id } } }",
        json!({ "ids": [earned] }),
    )
    .await;
    ids.insert(
        "Invoice",
        id(&paid["markCommissionsPaid"][0]["invoice"]["id"]),
    );
    // What the last mutation wrote in the activity log.
    let logged = ok(&admin, "{ activity(last: 1) { nodes { id } } }", json!({})).await;
    ids.insert("ActivityEntry", id(&logged["activity"]["nodes"][0]["id"]));
    (ids, partner)
}

/// An import as one that ended leaves it (a real one needs a source:
/// `imports::` runs those).
async fn finished_import(app: &TestApp) -> String {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let id = ulid::Ulid::new().to_string();
    let now = chrono::Utc::now();
    let campaign: String = {
        use sea_orm::{ColumnTrait, QueryFilter};
        entity::campaign::Entity::find()
            .filter(entity::campaign::Column::TenantId.eq(crate::helpers::TENANT))
            .one(app.db.conn())
            .await
            .unwrap()
            .unwrap()
            .id
    };
    entity::import::Entity::insert(entity::import::ActiveModel {
        id: Set(id.clone()),
        tenant_id: Set(crate::helpers::TENANT.into()),
        source: Set(entity::enums::ImportSource::Csv),
        status: Set(entity::enums::ImportStatus::Done),
        dry_run: Set(true),
        campaign_id: Set(campaign),
        group_id: Set(None),
        credentials: Set(None),
        phase: Set(entity::enums::ImportPhase::Commissions),
        cursor: Set(None),
        phase_done: Set(0),
        phase_total: Set(None),
        partners: Set(0),
        codes: Set(0),
        customers: Set(0),
        commissions: Set(0),
        skipped: Set(0),
        unchanged: Set(0),
        problems: Set(0),
        requests: Set(0),
        started_by: Set("admin".into()),
        started_at: Set(now),
        finished_at: Set(Some(now)),
        lease_until: Set(None),
        error: Set(None),
    })
    .exec_without_returning(app.db.conn())
    .await
    .unwrap();
    id
}

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

async fn every_object_with_an_id_is_a_node_that_refetches(app: TestApp) {
    let types = types_with_ids(&app).await;
    let (ids, ada) = one_of_each(&app).await;
    let admin = app.admin();
    for (name, interfaces) in &types {
        if let Some((_, why)) = NOT_NODES.iter().find(|(t, _)| t == name) {
            assert!(interfaces.is_empty(), "{name} is no node: {why}");
            continue;
        }
        assert_eq!(interfaces, &["Node"], "{name} implements Node");
        let id = ids.get(name.as_str()).unwrap_or_else(|| {
            panic!("no sample of {name}: make one in one_of_each so node(id:) is checked for it")
        });
        let found = app.ok(&admin, NODE, json!({ "id": id })).await;
        assert_eq!(
            found["node"],
            json!({ "__typename": name, "id": id }),
            "{name}"
        );
    }
    assert_eq!(
        ids.len(),
        types.len() - NOT_NODES.len(),
        "a sample for each node type, no more"
    );

    // `nodes`: in the order given, null for what is not there.
    let many = app
        .ok(
            &admin,
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Partner { name } } }",
            json!({ "ids": [ids["Partner"], "01ARZ3NDEKTSV4RRFFQ69G5FAV", ids["Payout"], "nothing"] }),
        )
        .await;
    assert_eq!(
        many["nodes"],
        json!([{ "__typename": "Partner", "name": "Ada" }, null, { "__typename": "Payout" }, null])
    );

    // A Relay-style refetch: the fragment a component declared, run again
    // through `node` with the object's id.
    let refetch = "query PartnerRefetchQuery($id: ID!) { node(id: $id) { ...PartnerCard } } \
                   fragment PartnerCard on Partner { id name group { name } commissions(first: 1) { totalCount } }";
    let again = app.ok(&admin, refetch, json!({ "id": ada })).await;
    assert_eq!(
        again["node"],
        json!({ "id": ada, "name": "Ada", "group": { "name": "Gold" }, "commissions": { "totalCount": 2 } })
    );

    // Another partner's commission, deal, payout and customer are null to a
    // partner token, as nothing would be; its own are found.
    let bea = app.create_partner(json!({ "name": "Bea" })).await;
    let theirs = app.partner_token(&bea);
    let mine = app.partner_token(&ada);
    for kind in [
        "Commission",
        "Deal",
        "Payout",
        "Customer",
        "Event",
        "ReferralCode",
        "PartnerLink",
        "Bounty",
        "BountySubmission",
        "Retainer",
        "Message",
        "Broadcast",
        "Workflow",
        "PartnershipRequest",
        "Enrollment",
        "WebhookEndpoint",
        "PayoutRun",
        "Partner",
        "Contact",
    ] {
        let other = app.ok(&theirs, NODE, json!({ "id": ids[kind] })).await;
        assert_eq!(other["node"], Value::Null, "{kind} of another partner");
    }
    for kind in [
        "Commission",
        "Deal",
        "Payout",
        "Customer",
        "Partner",
        "Campaign",
        "DealStage",
        "Contact",
        "Bounty",
        "BountySubmission",
        "Message",
    ] {
        let own = app.ok(&mine, NODE, json!({ "id": ids[kind] })).await;
        assert_eq!(own["node"]["id"], ids[kind], "{kind} of its own");
    }
    // The tenant's own people are not a partner's to look up, as in `contacts`.
    let staff = crate::support::deals::create_contact(&app, None, "Tess").await;
    let found = app.ok(&mine, NODE, json!({ "id": staff })).await;
    assert_eq!(found["node"], Value::Null, "the tenant's staff");
    let found = app.ok(&admin, NODE, json!({ "id": staff })).await;
    assert_eq!(found["node"]["id"], json!(staff));
    // Another tenant's admin reads none of them; a token without the scope
    // reads null, not an error that tells the id exists.
    let stranger = app.admin_of(OTHER_TENANT);
    for (kind, id) in &ids {
        let found = app.ok(&stranger, NODE, json!({ "id": id })).await;
        assert_eq!(found["node"], Value::Null, "{kind} of another tenant");
    }
    let narrow = app.service("events:write");
    let found = app.ok(&narrow, NODE, json!({ "id": ids["Payout"] })).await;
    assert_eq!(found["node"], Value::Null);
    let error = app.error(None, NODE, json!({ "id": ids["Partner"] })).await;
    assert_eq!(crate::helpers::code(&error), "UNAUTHENTICATED");
}

/// graphql-schema-linter 3's five description rules on `schema.graphql`
/// (installed by scripts/test from tests/browser's lock file).
#[test]
fn every_item_of_the_schema_is_described() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let linter = root.join("tests/browser/node_modules/.bin/graphql-schema-linter");
    assert!(
        linter.exists(),
        "tests/browser has no packages: run scripts/test"
    );
    // The Federation spec's own items (`_service`, `_entities`, `_Any`,
    // `_Entity`, `_Service`) are Apollo's to describe: left out.
    let schema = std::fs::read_to_string(root.join("schema.graphql")).unwrap();
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in schema.lines() {
        if line.starts_with("\t_service:") || line.starts_with("\t_entities(") {
            continue;
        }
        if line.starts_with("union _Entity") || line.starts_with("type _Service") {
            skipping = !line.starts_with("union");
            continue;
        }
        if skipping {
            skipping = line != "}";
            continue;
        }
        kept.push(line);
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("schema.graphql");
    std::fs::write(&ours, kept.join("\n")).unwrap();
    let output = std::process::Command::new(linter)
        .args([
            "--rules",
            "types-have-descriptions,fields-have-descriptions,arguments-have-descriptions,\
             input-object-values-have-descriptions,enum-values-have-descriptions",
            "--format",
            "compact",
        ])
        .arg(&ours)
        .output()
        .expect("node runs the linter");
    assert!(
        output.status.success(),
        "undescribed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

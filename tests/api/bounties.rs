//! Bounties (SPEC §31): a performance bounty pays once when its goal is
//! reached within its dates — exactly once under concurrent sales, taken
//! back when refunds bring the partner under the goal before it matures;
//! a submission bounty takes work up to its limit, decided once by staff,
//! and the partner is e-mailed the decision.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

on_both_databases!(
    a_performance_bounty_pays_once_when_its_goal_is_reached_and_refunds_take_it_back,
    concurrent_sales_reach_a_bounty_exactly_once,
    each_metric_counts_what_the_partner_earned_between_the_dates,
    a_submission_bounty_takes_work_up_to_its_limit_and_is_decided_once,
    bad_bounties_and_submissions_name_their_field,
);

const CREATE: &str = "mutation($input: CreateBountyInput!) { createBounty(input: $input) { id name type groupIds reward { amount currency } goal { metric value } maxSubmissions open } }";
const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } commissions { id amount } } }";
const LEDGER: &str = "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { id kind amount status breakdown { vocabulary amount description value } } } }";
const PROGRESS: &str = "query($b: ID!, $p: ID) { bounty(id: $b) { progress(partnerId: $p) { value reached commissionId } } }";
const SUBMIT: &str = "mutation($input: SubmitBountyInput!) { submitBounty(input: $input) { id status urls description submittedAt } }";
const DECIDE: &str = "mutation($input: DecideBountySubmissionInput!) { decideBountySubmission(input: $input) { id status amount { amount currency } reason note commissionId decidedAt } }";

async fn setup(app: &TestApp) -> (String, String) {
    let group = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let partner = app
        .create_partner(json!({ "name": "Ada", "groupId": group, "email": "ada@example.com" }))
        .await;
    (group, partner)
}

async fn bounty(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createBounty"]
        .clone()
}

/// Records a sale, and waits for what reacts to it (the bounties it
/// reaches are paid after it commits).
async fn sale(app: &TestApp, partner: &str, id: &str, amount: &str, customer: &str) -> Value {
    let input = json!({ "externalId": id, "partnerId": partner, "customerExternalId": customer, "amount": amount });
    let recorded = app
        .ok(&app.admin(), RECORD, json!({ "input": input }))
        .await["recordEvent"]
        .clone();
    crate::support::sales::reacted(app).await;
    recorded
}

async fn refund(app: &TestApp, id: &str, amount: &str) {
    app.ok(
        &app.admin(),
        "mutation($e: String!, $a: Decimal!) { recordRefund(input: { eventExternalId: $e, amount: $a }) { event { id } } }",
        json!({ "e": id, "a": amount }),
    )
    .await;
}

/// (kind, amount, status) of the partner's rows of `kind`, oldest first.
async fn rows(app: &TestApp, partner: &str, kind: &str) -> Vec<(String, String, String)> {
    let found = app.ok(&app.admin(), LEDGER, json!({ "p": partner })).await;
    let mut nodes: Vec<Value> = found["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == kind)
        .cloned()
        .collect();
    nodes.sort_by_key(|r| r["id"].as_str().unwrap().to_owned());
    nodes
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["amount"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(kind: &str, amount: &str, status: &str) -> (String, String, String) {
    (kind.to_owned(), amount.to_owned(), status.to_owned())
}

async fn progress(app: &TestApp, bounty: &str, partner: &str) -> Value {
    app.ok(
        &app.partner_token(partner),
        PROGRESS,
        json!({ "b": bounty, "p": null }),
    )
    .await["bounty"]["progress"]
        .clone()
}

async fn a_performance_bounty_pays_once_when_its_goal_is_reached_and_refunds_take_it_back(
    app: TestApp,
) {
    let (group, ada) = setup(&app).await;
    let other_group = app
        .create_group("Others", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let bob = app
        .create_partner(json!({ "name": "Bob", "groupId": other_group }))
        .await;
    let made = bounty(
        &app,
        json!({ "name": "First 20", "groupIds": [group], "type": "PERFORMANCE",
                "reward": { "amount": "50.00", "currency": "USD" },
                "startsAt": "2026-01-01T00:00:00Z",
                "goal": { "metric": "COMMISSION_AMOUNT", "value": "20" } }),
    )
    .await;
    assert_eq!(
        made["goal"],
        json!({ "metric": "COMMISSION_AMOUNT", "value": "20.00" })
    );
    assert_eq!(made["maxSubmissions"], Value::Null);
    assert_eq!(made["open"], true);
    let id = made["id"].as_str().unwrap().to_owned();

    sale(&app, &ada, "s1", "100.00", "c1").await;
    assert_eq!(
        progress(&app, &id, &ada).await,
        json!({ "value": "10.00", "reached": false, "commissionId": null })
    );
    assert!(rows(&app, &ada, "BOUNTY").await.is_empty());
    // 10.00 + 15.00 reaches 20.00: the reward, once.
    sale(&app, &ada, "s2", "150.00", "c2").await;
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [row("BOUNTY", "50.00", "ACCRUED")]
    );
    let reached = progress(&app, &id, &ada).await;
    assert_eq!(reached["value"], "25.00");
    assert_eq!(reached["reached"], true);
    let found = app.ok(&app.admin(), LEDGER, json!({ "p": ada })).await;
    let paid = found["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "BOUNTY")
        .unwrap()
        .clone();
    assert_eq!(reached["commissionId"], paid["id"]);
    assert_eq!(
        paid["breakdown"],
        json!([{ "vocabulary": "BOUNTY", "amount": "50", "description": "bounty \"First 20\": goal reached", "value": id }])
    );
    sale(&app, &ada, "s3", "100.00", "c3").await;
    assert_eq!(rows(&app, &ada, "BOUNTY").await.len(), 1);
    // Another group's partner is not offered it.
    sale(&app, &bob, "b1", "500.00", "c9").await;
    assert!(rows(&app, &bob, "BOUNTY").await.is_empty());
    let bobs = app
        .ok(&app.partner_token(&bob), PROGRESS, json!({ "b": id }))
        .await;
    assert_eq!(bobs["bounty"], Value::Null);

    // Refunds: 35.00 earned; s2 refunded whole leaves 20.00 (still
    // reached); half of s3 leaves 15.00, under the goal before the reward
    // matured: it is reversed.
    refund(&app, "s2", "150.00").await;
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [row("BOUNTY", "50.00", "ACCRUED")]
    );
    refund(&app, "s3", "50.00").await;
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [row("BOUNTY", "50.00", "REVERSED")]
    );
    assert_eq!(
        progress(&app, &id, &ada).await,
        json!({ "value": "15.00", "reached": false, "commissionId": null })
    );
    // Reached again: paid again, so that one reward stands.
    sale(&app, &ada, "s4", "50.00", "c4").await;
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [
            row("BOUNTY", "50.00", "REVERSED"),
            row("BOUNTY", "50.00", "ACCRUED")
        ]
    );
}

async fn concurrent_sales_reach_a_bounty_exactly_once(app: TestApp) {
    let (group, ada) = setup(&app).await;
    bounty(
        &app,
        json!({ "name": "Three sales", "groupIds": [group], "type": "PERFORMANCE",
                "reward": { "amount": "25.00", "currency": "USD" },
                "startsAt": "2026-01-01T00:00:00Z",
                "goal": { "metric": "SALES", "value": "3" } }),
    )
    .await;
    let admin = app.admin();
    let replies = join_all((0..10).map(|i| {
        let input = json!({ "input": { "externalId": format!("r{i}"), "partnerId": ada, "customerExternalId": format!("c{i}"), "amount": "10.00" } });
        let admin = admin.clone();
        let app = &app;
        async move { app.post(Some(&admin), RECORD, input).await }
    }))
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
    crate::support::sales::reacted(&app).await;
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [row("BOUNTY", "25.00", "ACCRUED")]
    );
    assert_eq!(rows(&app, &ada, "COMMISSION").await.len(), 10);
}

async fn each_metric_counts_what_the_partner_earned_between_the_dates(app: TestApp) {
    let (group, ada) = setup(&app).await;
    let make = |name: &str, metric: &str, value: &str| {
        json!({ "name": name, "groupIds": [group], "type": "PERFORMANCE",
                "reward": { "amount": "1.00", "currency": "USD" },
                "startsAt": "2026-03-01T00:00:00Z", "endsAt": "2026-04-01T00:00:00Z",
                "goal": { "metric": metric, "value": value } })
    };
    let sales = bounty(&app, make("Sales", "SALES", "100")).await;
    let amount = bounty(&app, make("Amount", "SALE_AMOUNT", "10000")).await;
    let customers = bounty(&app, make("Customers", "CUSTOMERS", "100")).await;
    let record = |id: &str, at: &str, amount: &str, customer: &str| json!({ "input": { "externalId": id, "partnerId": ada, "customerExternalId": customer, "amount": amount, "occurredAt": at } });
    let admin = app.admin();
    for input in [
        // Before the dates, and at the end (excluded): not counted.
        record("e0", "2026-02-28T23:59:59Z", "500.00", "x"),
        record("e4", "2026-04-01T00:00:00Z", "500.00", "y"),
        record("e1", "2026-03-01T00:00:00Z", "100.00", "a"),
        record("e2", "2026-03-10T00:00:00Z", "40.00", "a"),
        record("e3", "2026-03-31T23:59:59Z", "60.00", "b"),
    ] {
        app.ok(&admin, RECORD, input).await;
    }
    // Half of e1 refunded; e3 whole: no longer a sale nor a customer.
    refund(&app, "e1", "50.00").await;
    refund(&app, "e3", "60.00").await;
    let value = |b: &Value| {
        let id = b["id"].as_str().unwrap().to_owned();
        let app = &app;
        let ada = ada.clone();
        async move { progress(app, &id, &ada).await["value"].clone() }
    };
    assert_eq!(value(&sales).await, "2");
    assert_eq!(value(&amount).await, "90.00");
    assert_eq!(value(&customers).await, "1");
    // Staff name the partner; without one they are told to.
    let staff = app
        .ok(&admin, PROGRESS, json!({ "b": sales["id"], "p": ada }))
        .await;
    assert_eq!(staff["bounty"]["progress"]["value"], "2");
    let error = app
        .error(
            Some(&admin),
            PROGRESS,
            json!({ "b": sales["id"], "p": null }),
        )
        .await;
    assert_eq!(field(&error), "partnerId");
}

async fn a_submission_bounty_takes_work_up_to_its_limit_and_is_decided_once(app: TestApp) {
    let (group, ada) = setup(&app).await;
    let made = bounty(
        &app,
        json!({ "name": "Write a review", "groupIds": [group], "type": "SUBMISSION",
                "reward": { "amount": "40.00", "currency": "USD" },
                "startsAt": "2026-01-01T00:00:00Z", "maxSubmissions": 2 }),
    )
    .await;
    assert_eq!(made["maxSubmissions"], 2);
    let id = made["id"].as_str().unwrap().to_owned();
    let token = app.partner_token(&ada);
    let submit = |input: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            app.post(Some(&token), SUBMIT, json!({ "input": input }))
                .await
                .1
        }
    };
    // A draft, kept and then submitted: one submission.
    let draft = submit(json!({ "bountyId": id, "urls": [], "draft": true })).await;
    let draft = &draft["data"]["submitBounty"];
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["submittedAt"], Value::Null);
    // A draft is its partner's alone: staff find no such id, nor list it;
    // its partner reads it.
    let looked = "query($b: ID!, $s: ID!) { bounty(id: $b) { submissions { totalCount } } node(id: $s) { ... on BountySubmission { status } } }";
    let vars = json!({ "b": id, "s": draft["id"] });
    let staff = app.ok(&app.admin(), looked, vars.clone()).await;
    assert_eq!(staff["node"], Value::Null);
    assert_eq!(staff["bounty"]["submissions"]["totalCount"], 0);
    let own = app.ok(&token, looked, vars).await;
    assert_eq!(own["node"]["status"], "DRAFT");
    assert_eq!(own["bounty"]["submissions"]["totalCount"], 1);
    let first = submit(json!({ "bountyId": id, "urls": ["https://blog.example/review"], "description": "My review" })).await;
    let first = first["data"]["submitBounty"].clone();
    assert_eq!(first["id"], draft["id"]);
    assert_eq!(first["status"], "SUBMITTED");
    assert_eq!(first["urls"], json!(["https://blog.example/review"]));
    let second = submit(json!({ "bountyId": id, "urls": ["https://video.example/v"] })).await;
    let second = second["data"]["submitBounty"].clone();
    assert_eq!(second["status"], "SUBMITTED");
    // Two made: a third is refused.
    let third = submit(json!({ "bountyId": id, "urls": ["https://x.example/3"] })).await;
    assert_eq!(code(&third["errors"][0]), "BAD_USER_INPUT");
    assert_eq!(field(&third["errors"][0]), "input.bountyId");

    let admin = app.admin();
    // A rejection needs a reason; then it frees its place.
    let error = app
        .error(
            Some(&admin),
            DECIDE,
            json!({ "input": { "id": second["id"], "approve": false } }),
        )
        .await;
    assert_eq!(field(&error), "input.reason");
    let rejected = app
        .ok(
            &admin,
            DECIDE,
            json!({ "input": { "id": second["id"], "approve": false, "reason": "LOW_QUALITY", "note": "Too short." } }),
        )
        .await;
    let rejected = &rejected["decideBountySubmission"];
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["reason"], "LOW_QUALITY");
    assert_eq!(rejected["commissionId"], Value::Null);
    let again = submit(json!({ "bountyId": id, "urls": ["https://x.example/3"] })).await;
    assert_eq!(again["data"]["submitBounty"]["status"], "SUBMITTED");

    // Approved for another amount: a BOUNTY commission of it.
    let approved = app
        .ok(
            &admin,
            DECIDE,
            json!({ "input": { "id": first["id"], "approve": true, "amount": "75" } }),
        )
        .await;
    let approved = &approved["decideBountySubmission"];
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(
        approved["amount"],
        json!({ "amount": "75.00", "currency": "USD" })
    );
    assert_eq!(
        rows(&app, &ada, "BOUNTY").await,
        [row("BOUNTY", "75.00", "ACCRUED")]
    );
    // Decided: never again, nor a draft.
    for decided in [&first, &second] {
        let error = app
            .error(
                Some(&admin),
                DECIDE,
                json!({ "input": { "id": decided["id"], "approve": true } }),
            )
            .await;
        assert_eq!(code(&error), "CONFLICT");
    }
    assert_eq!(rows(&app, &ada, "BOUNTY").await.len(), 1);

    // The partner was e-mailed each decision, once.
    let emails = app
        .ok(
            &admin,
            "{ emails { edges { node { kind to subject } } } }",
            json!({}),
        )
        .await;
    let decided: Vec<&Value> = emails["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|e| e["kind"] == "BOUNTY_DECIDED")
        .collect();
    assert_eq!(decided.len(), 2, "{emails}");
    assert!(decided.iter().all(|e| e["to"] == "ada@example.com"));
    let subjects: Vec<&str> = decided
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.iter().any(|s| s.ends_with("was approved")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with("was not approved")),
        "{subjects:?}"
    );

    // The queue: staff read every partner's, drafts left out; a partner
    // its own; another partner finds none of it.
    let queue = app
        .ok(
            &admin,
            "query($b: ID!) { bounty(id: $b) { submissions(status: SUBMITTED) { totalCount nodes { partner { id } urls } } } }",
            json!({ "b": id }),
        )
        .await;
    assert_eq!(queue["bounty"]["submissions"]["totalCount"], 1);
    let other = app
        .create_partner(json!({ "name": "Eve", "groupId": group }))
        .await;
    let eves = app
        .ok(
            &app.partner_token(&other),
            "query($b: ID!, $s: ID!) { bounty(id: $b) { submissions { totalCount } } node(id: $s) { id } }",
            json!({ "b": id, "s": first["id"] }),
        )
        .await;
    assert_eq!(eves["bounty"]["submissions"]["totalCount"], 0);
    assert_eq!(eves["node"], Value::Null);
    // Staff do not submit, and a partner's token does not decide.
    let error = app
        .error(
            Some(&admin),
            SUBMIT,
            json!({ "input": { "bountyId": id, "urls": ["https://a.example"] } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(
            Some(&token),
            DECIDE,
            json!({ "input": { "id": again["data"]["submitBounty"]["id"], "approve": true } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

async fn bad_bounties_and_submissions_name_their_field(app: TestApp) {
    let (group, ada) = setup(&app).await;
    let admin = app.admin();
    let base = json!({ "name": "B", "groupIds": [group], "type": "PERFORMANCE",
                       "reward": { "amount": "10.00", "currency": "USD" },
                       "startsAt": "2026-01-01T00:00:00Z",
                       "goal": { "metric": "SALES", "value": "3" } });
    let with = |change: Value| {
        let mut input = base.clone();
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (change, expected) in [
        (json!({ "goal": null }), "input.goal"),
        (
            json!({ "goal": { "metric": "SALES", "value": "2.5" } }),
            "input.goal.value",
        ),
        (
            json!({ "goal": { "metric": "SALE_AMOUNT", "value": "1.234" } }),
            "input.goal.value",
        ),
        (
            json!({ "reward": { "amount": "0", "currency": "USD" } }),
            "input.reward.amount",
        ),
        (
            json!({ "reward": { "amount": "1", "currency": "XXQ" } }),
            "input.reward.currency",
        ),
        (json!({ "groupIds": [] }), "input.groupIds"),
        (json!({ "groupIds": ["nope"] }), "input.groupIds[0]"),
        (json!({ "endsAt": "2025-12-31T00:00:00Z" }), "input.endsAt"),
        (json!({ "maxSubmissions": 2 }), "input.maxSubmissions"),
        (json!({ "type": "SUBMISSION" }), "input.goal"),
        (
            json!({ "type": "SUBMISSION", "goal": null, "maxSubmissions": 0 }),
            "input.maxSubmissions",
        ),
        (json!({ "name": " " }), "input.name"),
    ] {
        let error = app
            .error(
                Some(&admin),
                CREATE,
                json!({ "input": with(change.clone()) }),
            )
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{change}");
        assert_eq!(field(&error), expected, "{change}");
    }
    // A partner token makes no bounty.
    let error = app
        .error(
            Some(&app.partner_token(&ada)),
            CREATE,
            json!({ "input": base }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");

    let performance = bounty(&app, base.clone()).await;
    let submission = bounty(
        &app,
        with(json!({ "type": "SUBMISSION", "goal": null, "name": "Work" })),
    )
    .await;
    let ended = bounty(
        &app,
        with(json!({ "type": "SUBMISSION", "goal": null, "name": "Old", "endsAt": "2026-02-01T00:00:00Z" })),
    )
    .await;
    let token = app.partner_token(&ada);
    let long = "x".repeat(1001);
    let many: Vec<String> = (0..11).map(|i| format!("https://a.example/{i}")).collect();
    for (input, expected) in [
        (
            json!({ "bountyId": submission["id"], "urls": ["ftp://a.example/x"] }),
            "input.urls[0]",
        ),
        (
            json!({ "bountyId": submission["id"], "urls": ["https://a.example", "not a url"] }),
            "input.urls[1]",
        ),
        (
            json!({ "bountyId": submission["id"], "urls": many }),
            "input.urls",
        ),
        (
            json!({ "bountyId": submission["id"], "urls": [] }),
            "input.urls",
        ),
        (
            json!({ "bountyId": submission["id"], "urls": ["https://a.example"], "description": long }),
            "input.description",
        ),
        (
            json!({ "bountyId": performance["id"], "urls": ["https://a.example"] }),
            "input.bountyId",
        ),
        (
            json!({ "bountyId": ended["id"], "urls": ["https://a.example"] }),
            "input.bountyId",
        ),
        (
            json!({ "bountyId": "nope", "urls": ["https://a.example"] }),
            "input.bountyId",
        ),
    ] {
        let error = app
            .error(Some(&token), SUBMIT, json!({ "input": input.clone() }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{input}");
        assert_eq!(field(&error), expected, "{input}");
    }
    // Nothing was written.
    let queue = app
        .ok(
            &admin,
            "query($b: ID!) { bounty(id: $b) { submissions { totalCount } } }",
            json!({ "b": submission["id"] }),
        )
        .await;
    assert_eq!(queue["bounty"]["submissions"]["totalCount"], 0);
}

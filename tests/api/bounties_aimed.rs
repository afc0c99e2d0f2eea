//! Bounties aimed and timed (SPEC §37): eligible by partner tags as well
//! as groups, with a window of each partner's own from its join; edited
//! for what comes next and ended early, keeping what was earned.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_bounty_aimed_at_a_tag_counts_each_partners_own_window,
    an_edited_bounty_pays_its_new_reward_from_then_and_an_ended_one_keeps_what_was_earned,
);

const CREATE: &str = "mutation($input: CreateBountyInput!) { createBounty(input: $input) { id startsAt endsAt windowDays partnerTags groupIds open } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateBountyInput!) { updateBounty(id: $id, input: $input) { name reward { amount currency } goal { metric value } endsAt windowDays endedAt open } }";
const END: &str = "mutation($id: ID!) { endBounty(id: $id) { endedAt open } }";
const PROGRESS: &str = "query($b: ID!) { bounty(id: $b) { groupIds partnerTags progress { value reached startsAt endsAt open } } }";
const RECORD: &str =
    "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }";
const LEDGER: &str =
    "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { kind amount status } } }";

async fn sale(app: &TestApp, partner: &str, id: &str, amount: &str) {
    let input = json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"), "amount": amount });
    app.ok(&app.admin(), RECORD, json!({ "input": input }))
        .await;
    crate::support::sales::reacted(app).await;
}

/// The partner's `BOUNTY` rows: amount and status.
async fn bounties_won(app: &TestApp, partner: &str) -> Value {
    let read = app.ok(&app.admin(), LEDGER, json!({ "p": partner })).await;
    read["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "BOUNTY")
        .map(|r| json!({ "amount": r["amount"], "status": r["status"] }))
        .collect()
}

async fn created_at(app: &TestApp, partner: &str) -> chrono::DateTime<chrono::Utc> {
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { createdAt } }",
            json!({ "id": partner }),
        )
        .await;
    read["partner"]["createdAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn a_bounty_aimed_at_a_tag_counts_each_partners_own_window(app: TestApp) {
    let admin = app.admin();
    let creators = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let others = app
        .create_group("Others", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": creators }))
        .await;
    let bea = app
        .create_partner(json!({ "name": "Bea", "groupId": others, "tags": ["vip"] }))
        .await;
    let cy = app
        .create_partner(json!({ "name": "Cy", "groupId": others, "tags": ["vipx"] }))
        .await;
    // For the tag alone: no group named, a window of 30 days from now.
    let made = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "name": "VIP sprint", "partnerTags": ["vip"], "windowDays": 30,
                               "type": "PERFORMANCE", "reward": { "amount": "50.00", "currency": "USD" },
                               "goal": { "metric": "SALES", "value": "2" } } }),
        )
        .await["createBounty"]
        .clone();
    assert_eq!(made["groupIds"], json!([]));
    assert_eq!(made["partnerTags"], json!(["vip"]));
    assert_eq!(made["windowDays"], 30);
    assert_eq!(made["endsAt"], Value::Null);
    assert_eq!(made["open"], true);
    let id = made["id"].as_str().unwrap().to_owned();
    let starts = instant(&made["startsAt"]);
    // Dan joins after it started: his window starts when he joined.
    let dan = app
        .create_partner(json!({ "name": "Dan", "groupId": creators, "tags": ["vip", "early"] }))
        .await;
    let dan_joined = created_at(&app, &dan).await;
    assert!(dan_joined >= starts);

    // Bea joined before it: hers runs from its start, 30 days (the
    // program's zone is UTC). She reads neither groups nor tags.
    let read = app
        .ok(&app.partner_token(&bea), PROGRESS, json!({ "b": id }))
        .await["bounty"]
        .clone();
    assert_eq!(read["groupIds"], json!([]));
    assert_eq!(read["partnerTags"], json!([]));
    let progress = &read["progress"];
    assert_eq!(instant(&progress["startsAt"]), starts);
    assert_eq!(
        instant(&progress["endsAt"]),
        starts + chrono::Duration::days(30)
    );
    assert_eq!(progress["open"], true);
    let read = app
        .ok(&app.partner_token(&dan), PROGRESS, json!({ "b": id }))
        .await;
    let progress = &read["bounty"]["progress"];
    assert_eq!(instant(&progress["startsAt"]), dan_joined);
    assert_eq!(
        instant(&progress["endsAt"]),
        dan_joined + chrono::Duration::days(30)
    );
    // Not for Ada's group nor Cy's near-miss tag: not found, not listed.
    for partner in [&ada, &cy] {
        let token = app.partner_token(partner);
        let read = app
            .ok(
                &token,
                "query($b: ID!) { bounty(id: $b) { id } bounties { totalCount } }",
                json!({ "b": id }),
            )
            .await;
        assert_eq!(
            read,
            json!({ "bounty": null, "bounties": { "totalCount": 0 } })
        );
    }
    let listed = app
        .ok(
            &app.partner_token(&bea),
            "{ bounties { nodes { id } } viewer { partner { bounties { nodes { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["bounties"]["nodes"], json!([{ "id": id }]));
    assert_eq!(
        listed["viewer"]["partner"]["bounties"]["nodes"],
        json!([{ "id": id }])
    );

    // Two sales win it, once; Cy's sales count for nothing.
    sale(&app, &bea, "b1", "100.00").await;
    assert_eq!(bounties_won(&app, &bea).await, json!([]));
    sale(&app, &bea, "b2", "100.00").await;
    sale(&app, &cy, "c1", "100.00").await;
    sale(&app, &cy, "c2", "100.00").await;
    assert_eq!(
        bounties_won(&app, &bea).await,
        json!([{ "amount": "50.00", "status": "ACCRUED" }])
    );
    assert_eq!(bounties_won(&app, &cy).await, json!([]));
    // A refund inside her window takes the reward back: the recheck
    // counts her own window, as the award did.
    app.ok(
        &admin,
        "mutation { recordRefund(input: { eventExternalId: \"b2\", amount: \"100.00\" }) { event { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        bounties_won(&app, &bea).await,
        json!([{ "amount": "50.00", "status": "REVERSED" }])
    );
    let read = app
        .ok(&app.partner_token(&bea), PROGRESS, json!({ "b": id }))
        .await;
    assert_eq!(read["bounty"]["progress"]["value"], "1");
    assert_eq!(read["bounty"]["progress"]["reached"], false);

    // A window that has not begun: from a start two days on, 7 days.
    let later = (starts + chrono::Duration::days(2)).to_rfc3339();
    let soon = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "name": "Next week", "partnerTags": ["vip"], "groupIds": [creators],
                               "windowDays": 7, "startsAt": later, "type": "SUBMISSION",
                               "reward": { "amount": "10.00", "currency": "USD" } } }),
        )
        .await["createBounty"]["id"]
        .clone();
    let submitted = app
        .error(
            Some(&app.partner_token(&ada)),
            "mutation($b: ID!) { submitBounty(input: { bountyId: $b, urls: [\"https://ada.example/post\"] }) { id } }",
            json!({ "b": soon }),
        )
        .await;
    assert_eq!(field(&submitted), "input.bountyId", "{submitted}");
    assert!(submitted["message"].as_str().unwrap().contains("not open"));

    // Neither a group nor a tag; a window out of range; no start.
    for (input, wanted) in [
        (
            json!({ "groupIds": [], "partnerTags": [] , "startsAt": later }),
            "input.groupIds",
        ),
        (
            json!({ "partnerTags": ["vip"], "windowDays": 0 }),
            "input.windowDays",
        ),
        (json!({ "partnerTags": ["vip"] }), "input.startsAt"),
        (
            json!({ "partnerTags": ["a,b"], "windowDays": 3 }),
            "input.partnerTags[0]",
        ),
    ] {
        let mut input = input;
        input["name"] = json!("Bad");
        input["type"] = json!("SUBMISSION");
        input["reward"] = json!({ "amount": "10.00", "currency": "USD" });
        let error = app
            .error(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), wanted, "{error}");
    }
    let count = app
        .ok(&admin, "{ bounties { totalCount } }", json!({}))
        .await;
    assert_eq!(count["bounties"]["totalCount"], 2);
}

async fn an_edited_bounty_pays_its_new_reward_from_then_and_an_ended_one_keeps_what_was_earned(
    app: TestApp,
) {
    let admin = app.admin();
    let creators = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": creators }))
        .await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": creators }))
        .await;
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let id = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "name": "First sale", "groupIds": [creators], "startsAt": hour_ago,
                               "type": "PERFORMANCE", "reward": { "amount": "20.00", "currency": "USD" },
                               "goal": { "metric": "SALES", "value": "1" } } }),
        )
        .await["createBounty"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = |input: Value| {
        let (app, admin, id) = (&app, admin.clone(), id.clone());
        async move {
            app.post(Some(&admin), UPDATE, json!({ "id": id, "input": input }))
                .await
                .1
        }
    };
    // Its currency stays; a new reward pays from now.
    let refused = update(json!({ "reward": { "amount": "30.00", "currency": "EUR" } })).await;
    assert_eq!(
        field(&refused["errors"][0]),
        "input.reward.currency",
        "{refused}"
    );
    let raised = update(json!({ "name": "First sale, raised", "reward": { "amount": "30.00", "currency": "USD" }, "windowDays": 14 })).await;
    assert_eq!(
        raised["data"]["updateBounty"],
        json!({ "name": "First sale, raised", "reward": { "amount": "30.00", "currency": "USD" },
                "goal": { "metric": "SALES", "value": "1" }, "endsAt": null, "windowDays": 14,
                "endedAt": null, "open": true })
    );
    sale(&app, &ada, "a1", "100.00").await;
    assert_eq!(
        bounties_won(&app, &ada).await,
        json!([{ "amount": "30.00", "status": "ACCRUED" }])
    );
    // Won once: its goal no longer moves; nor may it be for no one.
    let moved = update(json!({ "goal": { "metric": "SALES", "value": "2" } })).await;
    assert_eq!(code(&moved["errors"][0]), "CONFLICT", "{moved}");
    let nobody = update(json!({ "groupIds": [] })).await;
    assert_eq!(field(&nobody["errors"][0]), "input.groupIds", "{nobody}");

    // A submission bounty with work in, ended: the work is still decided.
    let review = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "name": "Review", "groupIds": [creators], "startsAt": hour_ago,
                               "type": "SUBMISSION", "reward": { "amount": "15.00", "currency": "USD" },
                               "maxSubmissions": 2 } }),
        )
        .await["createBounty"]["id"]
        .clone();
    let submit = "mutation($b: ID!) { submitBounty(input: { bountyId: $b, urls: [\"https://bo.example/review\"] }) { id } }";
    let work = app
        .ok(&app.partner_token(&bo), submit, json!({ "b": review }))
        .await["submitBounty"]["id"]
        .clone();

    // Ended now: nothing later counts or is submitted; what was earned stays.
    for bounty in [json!(id), review.clone()] {
        let ended = app.ok(&admin, END, json!({ "id": bounty })).await["endBounty"].clone();
        assert!(ended["endedAt"].is_string());
        assert_eq!(ended["open"], false);
        let again = app.error(Some(&admin), END, json!({ "id": bounty })).await;
        assert_eq!(code(&again), "CONFLICT", "{again}");
    }
    let after = update(json!({ "name": "Too late" })).await;
    assert_eq!(code(&after["errors"][0]), "CONFLICT", "{after}");
    sale(&app, &bo, "b1", "100.00").await;
    assert_eq!(bounties_won(&app, &bo).await, json!([]));
    assert_eq!(
        bounties_won(&app, &ada).await,
        json!([{ "amount": "30.00", "status": "ACCRUED" }])
    );
    let late = app
        .error(
            Some(&app.partner_token(&bo)),
            submit,
            json!({ "b": review }),
        )
        .await;
    assert_eq!(field(&late), "input.bountyId", "{late}");
    let decided = app
        .ok(
            &admin,
            "mutation($s: ID!) { decideBountySubmission(input: { id: $s, approve: true }) { status amount { amount currency } } }",
            json!({ "s": work }),
        )
        .await;
    assert_eq!(
        decided["decideBountySubmission"],
        json!({ "status": "APPROVED", "amount": { "amount": "15.00", "currency": "USD" } })
    );
    assert_eq!(
        bounties_won(&app, &bo).await,
        json!([{ "amount": "15.00", "status": "ACCRUED" }])
    );
}

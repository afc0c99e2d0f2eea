//! Talking to partners (SPEC §35): one thread per partner, written both
//! ways with unread counts and read receipts; bodies kept as plain text,
//! limited in length and, for a partner, to 30 an hour; each message
//! e-mailed once as its reader prefers; broadcasts to an exact audience,
//! now or at a time, cancelable until sent; workflows that act once per
//! partner however many sales cross their metric at once; and what each
//! role may do.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

on_both_databases!(
    a_thread_goes_both_ways_with_unread_counts_and_read_receipts,
    bodies_are_plain_text_within_their_length_and_a_partner_sends_30_an_hour,
    each_message_is_emailed_once_as_its_reader_prefers,
    a_broadcast_reaches_its_exact_audience_once_each,
    a_scheduled_broadcast_sends_when_due_and_a_canceled_one_never,
    a_workflow_crossed_by_ten_concurrent_sales_acts_once,
    pages_of_broadcasts_and_threads_read_in_as_many_statements_whatever_their_length,
    each_role_does_what_its_scopes_allow_and_bad_input_names_its_field,
);

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id from author body readAt broadcast { id } partner { id } } }";
const READ: &str = "mutation($input: MarkMessagesReadInput!) { markMessagesRead(input: $input) }";
const THREAD: &str = "query($p: ID!) { partner(id: $p) { unreadMessages messages(first: 50) { edges { node { id from author body readAt } } } } }";
const MINE: &str = "{ viewer { unreadMessages partner { unreadMessages messages(first: 50) { edges { node { id from body readAt broadcast { id } } } } } } }";
const INBOX: &str = "query($unread: Boolean) { messageThreads(unread: $unread) { totalCount edges { node { partner { name } unread lastMessage { body from } } } } }";
const BROADCAST: &str = "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id status sendAt sentAt recipients delivered read audience { groupIds tags statuses countries earnedAtLeast { amount currency } } } }";
const WORKFLOW: &str = "mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id name enabled groupIds trigger { partnerApproved metricReached { metric value currency } } actions { kind moveToGroup sendMessage addTag payBonus { amount currency } } } }";
const RUNS: &str = "query($id: ID!) { node(id: $id) { ... on Workflow { runs { edges { node { partner { id } outcomes { action done detail } } } } } } }";
const EMAILS: &str = "query($kind: EmailKind) { emails(kind: $kind, first: 100) { edges { node { to subject text partner { id } } } } }";

fn bodies(thread: &Value) -> Vec<(String, String)> {
    thread["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["from"].as_str().unwrap().to_owned(),
                e["node"]["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(from: &str, body: &str) -> (String, String) {
    (from.to_owned(), body.to_owned())
}

async fn send(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, SEND, json!({ "input": input })).await["sendMessage"].clone()
}

async fn emails(app: &TestApp, kind: &str) -> Vec<Value> {
    let found = app.ok(&app.admin(), EMAILS, json!({ "kind": kind })).await;
    found["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The partner's `BONUS` rows.
async fn bonuses(app: &TestApp, partner: &str) -> Vec<Value> {
    let query = "query($p: ID!) { commissions(partnerId: $p, first: 100) { nodes { kind amount status breakdown { vocabulary description value } } } }";
    let found = app.ok(&app.admin(), query, json!({ "p": partner })).await;
    found["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == "BONUS")
        .cloned()
        .collect()
}

async fn a_thread_goes_both_ways_with_unread_counts_and_read_receipts(app: TestApp) {
    let admin = app.admin();
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let bob = app.create_partner(json!({ "name": "Bob" })).await;
    let (own, other) = (app.partner_token(&ada), app.partner_token(&bob));

    let first = send(
        &app,
        &admin,
        json!({ "partnerId": ada, "body": "Your payout is on its way." }),
    )
    .await;
    assert_eq!(first["from"], "STAFF");
    assert_eq!(first["author"], format!("admin-of-{TENANT}"));
    assert_eq!(first["partner"]["id"], json!(ada));
    assert_eq!(first["readAt"], Value::Null);
    let mine = app.ok(&own, MINE, json!({})).await;
    assert_eq!(mine["viewer"]["unreadMessages"], 1);
    assert_eq!(mine["viewer"]["partner"]["unreadMessages"], 1);
    assert_eq!(
        bodies(&mine["viewer"]["partner"]),
        [pair("STAFF", "Your payout is on its way.")]
    );
    // The reply: staff's unread count, the inbox, the partner's own none.
    let reply = send(&app, &own, json!({ "body": "Thanks! When exactly?" })).await;
    assert_eq!(reply["from"], "PARTNER");
    assert_eq!(reply["author"], "Ada");
    let thread = app.ok(&admin, THREAD, json!({ "p": ada })).await;
    assert_eq!(thread["partner"]["unreadMessages"], 1);
    assert_eq!(
        bodies(&thread["partner"]),
        [
            pair("PARTNER", "Thanks! When exactly?"),
            pair("STAFF", "Your payout is on its way.")
        ],
        "newest first"
    );
    let staff_viewer = app
        .ok(&admin, "{ viewer { unreadMessages } }", json!({}))
        .await;
    assert_eq!(staff_viewer["viewer"]["unreadMessages"], 1);
    send(
        &app,
        &admin,
        json!({ "partnerId": bob, "body": "Welcome, Bob." }),
    )
    .await;
    let inbox = app.ok(&admin, INBOX, json!({ "unread": null })).await;
    assert_eq!(inbox["messageThreads"]["totalCount"], 2);
    assert_eq!(
        inbox["messageThreads"]["edges"],
        json!([
            { "node": { "partner": { "name": "Bob" }, "unread": 0, "lastMessage": { "body": "Welcome, Bob.", "from": "STAFF" } } },
            { "node": { "partner": { "name": "Ada" }, "unread": 1, "lastMessage": { "body": "Thanks! When exactly?", "from": "PARTNER" } } },
        ])
    );
    let waiting = app.ok(&admin, INBOX, json!({ "unread": true })).await;
    assert_eq!(waiting["messageThreads"]["totalCount"], 1);
    assert_eq!(
        waiting["messageThreads"]["edges"][0]["node"]["partner"]["name"],
        "Ada"
    );

    // Read receipts: each side marks the other's, up to a message.
    let first_id = first["id"].as_str().unwrap();
    let marked = app
        .ok(&own, READ, json!({ "input": { "upTo": first_id } }))
        .await;
    assert_eq!(marked["markMessagesRead"], 1);
    let again = app
        .ok(&own, READ, json!({ "input": { "upTo": first_id } }))
        .await;
    assert_eq!(again["markMessagesRead"], 0, "read once");
    let marked = app
        .ok(
            &admin,
            READ,
            json!({ "input": { "partnerId": ada, "upTo": reply["id"] } }),
        )
        .await;
    assert_eq!(marked["markMessagesRead"], 1);
    let thread = app.ok(&admin, THREAD, json!({ "p": ada })).await;
    assert_eq!(thread["partner"]["unreadMessages"], 0);
    let edges = thread["partner"]["messages"]["edges"].as_array().unwrap();
    assert!(
        edges.iter().all(|e| e["node"]["readAt"].is_string()),
        "{edges:?}"
    );
    assert_eq!(
        app.ok(&own, MINE, json!({})).await["viewer"]["unreadMessages"],
        0
    );
    let waiting = app.ok(&admin, INBOX, json!({ "unread": true })).await;
    assert_eq!(waiting["messageThreads"]["totalCount"], 0);

    // Another partner reaches none of it.
    let theirs = app.ok(&other, THREAD, json!({ "p": ada })).await;
    assert_eq!(theirs["partner"], Value::Null, "as if there were none");
    let node = app
        .ok(
            &other,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": first_id }),
        )
        .await;
    assert_eq!(node["node"], Value::Null);
    let write = app
        .error(
            Some(&other),
            SEND,
            json!({ "input": { "partnerId": ada, "body": "hi" } }),
        )
        .await;
    assert_eq!(
        (code(&write), field(&write)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
    let read = app
        .error(Some(&other), READ, json!({ "input": { "upTo": first_id } }))
        .await;
    assert_eq!(
        (code(&read), field(&read)),
        ("BAD_USER_INPUT", "input.upTo")
    );
    let inbox = app.error(Some(&own), INBOX, json!({})).await;
    assert_eq!(code(&inbox), "FORBIDDEN");
    assert_eq!(
        app.ok(&other, MINE, json!({})).await["viewer"]["unreadMessages"],
        1
    );
}

async fn bodies_are_plain_text_within_their_length_and_a_partner_sends_30_an_hour(app: TestApp) {
    let admin = app.admin();
    let ada = app
        .create_partner(json!({ "name": "Ada", "email": "ada@example.com" }))
        .await;
    let own = app.partner_token(&ada);
    // HTML is kept as the text it is, and escaped in the e-mail's HTML.
    let html = "<b>Hi</b> <script>alert(1)</script> & see https://acme.example/terms";
    let sent = send(&app, &admin, json!({ "partnerId": ada, "body": html })).await;
    assert_eq!(sent["body"], html);
    let mail = emails(&app, "MESSAGE").await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0]["text"].as_str().unwrap().contains(html),
        "{}",
        mail[0]["text"]
    );
    let shown = app
        .ok(
            &admin,
            "{ emails(kind: MESSAGE) { edges { node { html } } } }",
            json!({}),
        )
        .await;
    let shown = shown["emails"]["edges"][0]["node"]["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        shown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{shown}"
    );
    assert!(!shown.contains("<script>"));

    for (body, why) in [("", "must not be empty"), ("   \n ", "must not be empty")] {
        let error = app
            .error(Some(&own), SEND, json!({ "input": { "body": body } }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.body")
        );
        assert!(error["message"].as_str().unwrap().contains(why));
    }
    let long = "a".repeat(10_001);
    let error = app
        .error(
            Some(&admin),
            SEND,
            json!({ "input": { "partnerId": ada, "body": long } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.body")
    );
    assert_eq!(
        error["message"],
        "input.body: must be at most 10000 characters"
    );
    let longest = "é".repeat(10_000);
    assert_eq!(
        send(&app, &own, json!({ "body": longest })).await["body"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        10_000
    );

    // 30 an hour: the first one above, 29 more, then refused with when.
    for i in 1..30 {
        send(&app, &own, json!({ "body": format!("question {i}") })).await;
    }
    let (status, body) = app
        .post(Some(&own), SEND, json!({ "input": { "body": "one more" } }))
        .await;
    assert_eq!(status, 200, "{body}");
    let error = &body["errors"][0];
    assert_eq!(code(error), "TOO_MANY_REQUESTS");
    let retry = error["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((3_500..=3_600).contains(&retry), "{retry}");
    let thread = app.ok(&admin, THREAD, json!({ "p": ada })).await;
    let edges = thread["partner"]["messages"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 31, "the refused one is not written");
    // Staff are not limited.
    send(
        &app,
        &admin,
        json!({ "partnerId": ada, "body": "no limit here" }),
    )
    .await;
}

async fn each_message_is_emailed_once_as_its_reader_prefers(app: TestApp) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { programName: \"Acme\", supportEmail: \"team@acme.test\" }) { name } }",
        json!({}),
    )
    .await;
    let partner = |name: &str| json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase()) });
    let ada = app.create_partner(partner("Ada")).await;
    let bea = app.create_partner(partner("Bea")).await;
    let cy = app.create_partner(partner("Cy")).await;
    let dee = app.create_partner(json!({ "name": "Dee" })).await;
    let prefer = "mutation($p: ID!, $m: MailPreference!) { updateEmailPreferences(input: { partnerId: $p, messages: $m }) { messages } }";
    let set = app
        .ok(&admin, prefer, json!({ "p": bea, "m": "DAILY" }))
        .await;
    assert_eq!(set["updateEmailPreferences"]["messages"], "DAILY");
    app.ok(&admin, prefer, json!({ "p": cy, "m": "OFF" })).await;
    for (p, body) in [
        (&ada, "a1"),
        (&bea, "b1"),
        (&bea, "b2"),
        (&cy, "c1"),
        (&dee, "d1"),
    ] {
        send(&app, &admin, json!({ "partnerId": p, "body": body })).await;
    }
    // At once to Ada alone; none to Cy (off) or Dee (no address).
    let sent = emails(&app, "MESSAGE").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["to"], "ada@example.com");
    assert_eq!(sent[0]["subject"], "A message from Acme");
    assert!(sent[0]["text"].as_str().unwrap().contains("a1"));
    // A partner's reply reaches staff at the support address.
    send(&app, &app.partner_token(&ada), json!({ "body": "thanks" })).await;
    let staff = emails(&app, "STAFF_MESSAGE").await;
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0]["to"], "team@acme.test");
    assert_eq!(staff[0]["subject"], "A message from Ada");

    // The day's digest, once its day has ended: Bea's two in one.
    let now = revshare::db::now();
    assert_eq!(
        revshare::messages::mail::digest_due(&app.db, now)
            .await
            .unwrap(),
        0
    );
    let tomorrow = now + chrono::Duration::days(2);
    assert_eq!(
        revshare::messages::mail::digest_due(&app.db, tomorrow)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        revshare::messages::mail::digest_due(&app.db, tomorrow)
            .await
            .unwrap(),
        0
    );
    let sent = emails(&app, "MESSAGE").await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["to"], "bea@example.com");
    assert_eq!(sent[1]["subject"], "2 messages from Acme");
    let text = sent[1]["text"].as_str().unwrap();
    assert!(text.contains("b1") && text.contains("b2"), "{text}");
    // A new message to Ada: one more e-mail, never the first again.
    send(&app, &admin, json!({ "partnerId": ada, "body": "a2" })).await;
    let to_ada: Vec<Value> = emails(&app, "MESSAGE")
        .await
        .into_iter()
        .filter(|e| e["to"] == "ada@example.com")
        .collect();
    assert_eq!(to_ada.len(), 2);
}

async fn a_broadcast_reaches_its_exact_audience_once_each(app: TestApp) {
    let admin = app.admin();
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    let gold = app.create_group("Gold", rules.clone()).await;
    let silver = app.create_group("Silver", rules).await;
    let partner = |name: &str, group: &str, tags: &[&str], country: &str| json!({ "name": name, "groupId": group, "tags": tags, "country": country });
    let ann = app
        .create_partner(partner("Ann", &gold, &["vip"], "DE"))
        .await;
    let ben = app.create_partner(partner("Ben", &gold, &[], "DE")).await;
    let cat = app
        .create_partner(partner("Cat", &silver, &["vip"], "DE"))
        .await;
    let dan = app
        .create_partner(partner("Dan", &gold, &["vip"], "US"))
        .await;
    let eve = app
        .create_partner(partner("Eve", &gold, &["vip", "new"], "DE"))
        .await;
    let fay = app
        .create_partner(partner("Fay", &gold, &["vip"], "DE"))
        .await;
    app.ok(
        &admin,
        "mutation($p: ID!) { updatePartner(id: $p, input: { status: SUSPENDED }) { status } }",
        json!({ "p": fay }),
    )
    .await;
    // Eve earned 20.00 USD (a 10 % commission on a 200.00 sale).
    crate::support::sales::record(
        &app,
        json!({ "externalId": "s-1", "partnerId": eve, "customerExternalId": "c-1", "amount": "200.00" }),
    )
    .await;

    let audience = json!({ "groupIds": [gold], "tags": ["vip"], "countries": ["de"] });
    let made = app
        .ok(
            &admin,
            BROADCAST,
            json!({ "input": { "subject": "Spring", "body": "New rates", "audience": audience } }),
        )
        .await["createBroadcast"]
        .clone();
    assert_eq!(made["status"], "SENT");
    assert_eq!(
        (
            made["recipients"].clone(),
            made["delivered"].clone(),
            made["read"].clone()
        ),
        (json!(2), json!(2), json!(0))
    );
    assert_eq!(made["audience"]["countries"], json!(["DE"]));
    assert_eq!(made["audience"]["statuses"], json!([]));
    for (who, got) in [
        (&ann, 1),
        (&ben, 0),
        (&cat, 0),
        (&dan, 0),
        (&eve, 1),
        (&fay, 0),
    ] {
        let mine = app.ok(&app.partner_token(who), MINE, json!({})).await;
        let thread = bodies(&mine["viewer"]["partner"]);
        assert_eq!(thread.len(), got, "{who}");
        if got == 1 {
            assert_eq!(thread[0], pair("STAFF", "New rates"));
            let edge = &mine["viewer"]["partner"]["messages"]["edges"][0]["node"];
            assert_eq!(
                edge["broadcast"],
                Value::Null,
                "a partner never sees the broadcast"
            );
        }
    }
    // Read by one of its two.
    let ann_token = app.partner_token(&ann);
    let mine = app.ok(&ann_token, MINE, json!({})).await;
    let message = mine["viewer"]["partner"]["messages"]["edges"][0]["node"]["id"].clone();
    app.ok(&ann_token, READ, json!({ "input": { "upTo": message } }))
        .await;
    let seen = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Broadcast { recipients delivered read } } }",
            json!({ "id": made["id"] }),
        )
        .await;
    assert_eq!(
        seen["node"],
        json!({ "recipients": 2, "delivered": 2, "read": 1 })
    );
    let thread = app.ok(&admin, "query($p: ID!) { partner(id: $p) { messages { edges { node { broadcast { id } } } } } }", json!({ "p": ann })).await;
    assert_eq!(
        thread["partner"]["messages"]["edges"][0]["node"]["broadcast"]["id"],
        made["id"]
    );

    // Earnings between dates, statuses, and none at all.
    let cases = [
        (
            json!({ "earnedAtLeast": { "amount": "20.00", "currency": "USD" } }),
            1,
        ),
        (
            json!({ "earnedAtLeast": { "amount": "20.01", "currency": "USD" } }),
            0,
        ),
        (
            json!({ "earnedAtLeast": { "amount": "1.00", "currency": "USD" }, "earnedFrom": "2000-01-01T00:00:00Z", "earnedTo": "2001-01-01T00:00:00Z" }),
            0,
        ),
        (json!({ "statuses": ["SUSPENDED"] }), 1),
        (
            json!({ "statuses": ["ACTIVE", "SUSPENDED"], "tags": ["new", "vip"] }),
            5,
        ),
        (json!({ "groupIds": [silver] }), 1),
        (json!({}), 5),
    ];
    for (audience, reached) in cases {
        let made = app
            .ok(
                &admin,
                BROADCAST,
                json!({ "input": { "subject": "s", "body": "b", "audience": audience.clone() } }),
            )
            .await["createBroadcast"]
            .clone();
        assert_eq!(made["recipients"], reached, "{audience}");
        assert_eq!(made["delivered"], reached, "{audience}");
    }
}

async fn a_scheduled_broadcast_sends_when_due_and_a_canceled_one_never(app: TestApp) {
    let admin = app.admin();
    let ann = app.create_partner(json!({ "name": "Ann" })).await;
    app.create_partner(json!({ "name": "Ben" })).await;
    let now = revshare::db::now();
    let at = (now + chrono::Duration::hours(1)).to_rfc3339();
    let input = |subject: &str| json!({ "input": { "subject": subject, "body": "Soon", "audience": {}, "sendAt": at } });
    let later = app.ok(&admin, BROADCAST, input("Later")).await["createBroadcast"].clone();
    assert_eq!(later["status"], "SCHEDULED");
    assert_eq!(
        (later["recipients"].clone(), later["delivered"].clone()),
        (Value::Null, json!(0))
    );
    let dropped = app.ok(&admin, BROADCAST, input("Dropped")).await["createBroadcast"].clone();
    let cancel = "mutation($id: ID!) { cancelBroadcast(id: $id) { status recipients } }";
    let canceled = app.ok(&admin, cancel, json!({ "id": dropped["id"] })).await;
    assert_eq!(
        canceled["cancelBroadcast"],
        json!({ "status": "CANCELED", "recipients": null })
    );
    let again = app
        .error(Some(&admin), cancel, json!({ "id": dropped["id"] }))
        .await;
    assert_eq!(code(&again), "CONFLICT");

    let send_due = |at| revshare::messages::broadcasts::send_due(&app.db, at);
    assert_eq!(send_due(now).await.unwrap(), 0, "not due yet");
    let due = now + chrono::Duration::hours(2);
    assert_eq!(
        send_due(due).await.unwrap(),
        1,
        "the scheduled one, not the canceled"
    );
    assert_eq!(send_due(due).await.unwrap(), 0, "once");
    let state = "query($id: ID!) { node(id: $id) { ... on Broadcast { status recipients delivered sentAt } } }";
    let sent = app.ok(&admin, state, json!({ "id": later["id"] })).await;
    assert_eq!(sent["node"]["status"], "SENT");
    assert_eq!(
        (
            sent["node"]["recipients"].clone(),
            sent["node"]["delivered"].clone()
        ),
        (json!(2), json!(2))
    );
    let dropped = app.ok(&admin, state, json!({ "id": dropped["id"] })).await;
    assert_eq!(dropped["node"]["status"], "CANCELED");
    let mine = app.ok(&app.partner_token(&ann), MINE, json!({})).await;
    assert_eq!(bodies(&mine["viewer"]["partner"]), [pair("STAFF", "Soon")]);
    let late = app
        .error(Some(&admin), cancel, json!({ "id": later["id"] }))
        .await;
    assert_eq!(code(&late), "CONFLICT");
    assert!(late["message"].as_str().unwrap().contains("SENT"), "{late}");
    let list = app
        .ok(
            &admin,
            "{ broadcasts { totalCount edges { node { status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["broadcasts"]["edges"],
        json!([{ "node": { "status": "CANCELED" } }, { "node": { "status": "SENT" } }])
    );
}

async fn a_workflow_crossed_by_ten_concurrent_sales_acts_once(app: TestApp) {
    let admin = app.admin();
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    let starters = app.create_group("Starters", rules.clone()).await;
    let stars = app.create_group("Stars", rules).await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": starters, "tags": ["early"] }))
        .await;
    let made = app
        .ok(
            &admin,
            WORKFLOW,
            json!({ "input": {
            "name": "Three sales",
            "groupIds": [starters],
            "trigger": { "metricReached": { "metric": "SALES", "value": "3" } },
            "actions": [
                { "moveToGroup": stars },
                { "sendMessage": "You made three sales!" },
                { "addTag": "star" },
                { "payBonus": { "amount": "25.00", "currency": "USD" } },
            ],
        } }),
        )
        .await["createWorkflow"]
        .clone();
    assert_eq!(made["enabled"], true);
    assert_eq!(
        made["trigger"],
        json!({ "partnerApproved": false, "metricReached": { "metric": "SALES", "value": "3", "currency": "USD" } })
    );
    assert_eq!(
        made["actions"][3],
        json!({ "kind": "PAY_BONUS", "moveToGroup": null, "sendMessage": null, "addTag": null, "payBonus": { "amount": "25.00", "currency": "USD" } })
    );
    let record =
        "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }";
    let replies = join_all((0..10).map(|i| {
        let input = json!({ "input": { "externalId": format!("r{i}"), "partnerId": ada, "customerExternalId": format!("c{i}"), "amount": "10.00" } });
        let (admin, app) = (admin.clone(), &app);
        async move { app.post(Some(&admin), record, input).await }
    }))
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
    // The workflow runs after the sales commit, once.
    crate::support::sales::reacted(&app).await;
    assert_eq!(
        bonuses(&app, &ada).await,
        [
            json!({ "kind": "BONUS", "amount": "25.00", "status": "ACCRUED", "breakdown": [
            { "vocabulary": "WORKFLOW", "description": "workflow \"Three sales\"", "value": made["id"] }
        ] })
        ]
    );
    let partner = app
        .ok(&admin, "query($p: ID!) { partner(id: $p) { group { name } tags messages { edges { node { from author body } } } } }", json!({ "p": ada }))
        .await;
    assert_eq!(partner["partner"]["group"]["name"], "Stars");
    assert_eq!(partner["partner"]["tags"], json!(["early", "star"]));
    assert_eq!(
        partner["partner"]["messages"]["edges"],
        json!([{ "node": { "from": "STAFF", "author": "workflow: Three sales", "body": "You made three sales!" } }])
    );
    let runs = app.ok(&admin, RUNS, json!({ "id": made["id"] })).await;
    let runs = runs["node"]["runs"]["edges"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["node"]["partner"]["id"], json!(ada));
    let outcomes = runs[0]["node"]["outcomes"].as_array().unwrap();
    let actions: Vec<(&str, bool)> = outcomes
        .iter()
        .map(|o| (o["action"].as_str().unwrap(), o["done"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("MOVE_TO_GROUP", true),
            ("SEND_MESSAGE", true),
            ("ADD_TAG", true),
            ("PAY_BONUS", true)
        ]
    );
    assert_eq!(outcomes[0]["detail"], "moved to \"Stars\"");
    // More sales, and a workflow off, do nothing more.
    let off = "mutation($id: ID!) { setWorkflowEnabled(id: $id, enabled: false) { enabled } }";
    assert_eq!(
        app.ok(&admin, off, json!({ "id": made["id"] })).await["setWorkflowEnabled"]["enabled"],
        false
    );
    let input = json!({ "input": { "externalId": "r10", "partnerId": ada, "customerExternalId": "c10", "amount": "10.00" } });
    app.ok(&admin, record, input).await;
    crate::support::sales::reacted(&app).await;
    assert_eq!(bonuses(&app, &ada).await.len(), 1);
}

async fn pages_of_broadcasts_and_threads_read_in_as_many_statements_whatever_their_length(
    app: TestApp,
) {
    let app = TestApp::spawn_counting(app.backend).await.unwrap();
    let admin = app.admin();
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    let gold = app.create_group("Gold", rules).await;
    let ann = app
        .create_partner(json!({ "name": "Ann", "groupId": gold }))
        .await;
    app.create_partner(json!({ "name": "Ben", "groupId": gold }))
        .await;
    // Two workflows message Ann when her first sale is recorded.
    for name in ["First sale", "Welcome aboard"] {
        let input = json!({ "input": {
            "name": name,
            "trigger": { "metricReached": { "metric": "SALES", "value": "1" } },
            "actions": [{ "sendMessage": format!("{name}!") }],
        } });
        app.ok(&admin, WORKFLOW, input).await;
    }
    crate::support::sales::record(
        &app,
        json!({ "externalId": "s-1", "partnerId": ann, "customerExternalId": "c-1", "amount": "10.00" }),
    )
    .await;
    // No job runs on this app: the reactions' step, run here.
    let kept = revshare::ledger::reactions::Kept::default();
    while revshare::ledger::reactions::step(&app.db, &kept)
        .await
        .unwrap()
        == revshare::jobs::Step::More
    {}
    // Four broadcasts to both; Ann reads all she has, Ben none.
    for i in 0..4 {
        let input = json!({ "input": { "subject": format!("News {i}"), "body": format!("Issue {i}"), "audience": {} } });
        app.ok(&admin, BROADCAST, input).await;
    }
    let ann_token = app.partner_token(&ann);
    let mine = app.ok(&ann_token, MINE, json!({})).await;
    let newest = mine["viewer"]["partner"]["messages"]["edges"][0]["node"]["id"].clone();
    app.ok(&ann_token, READ, json!({ "input": { "upTo": newest } }))
        .await;

    let counted = |query: &'static str, first: i64| {
        let (app, admin, ann) = (&app, admin.clone(), ann.clone());
        async move {
            let before = app.statements();
            let page = app
                .ok(&admin, query, json!({ "first": first, "p": ann }))
                .await;
            (app.statements() - before, page)
        }
    };
    let list = "query($first: Int) { broadcasts(first: $first) { edges { node { subject recipients delivered read } } } }";
    let (one, page) = counted(list, 1).await;
    assert_eq!(
        page["broadcasts"]["edges"][0]["node"],
        json!({ "subject": "News 3", "recipients": 2, "delivered": 2, "read": 1 })
    );
    let (all, page) = counted(list, 50).await;
    let read: Vec<&Value> = page["broadcasts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["read"])
        .collect();
    assert_eq!(read, [&json!(1); 4]);
    assert_eq!(
        one, all,
        "a page of broadcasts and their reads: {one} and {all}"
    );

    let thread = "query($p: ID!, $first: Int) { partner(id: $p) { messages(first: $first) { edges { node { author body broadcast { subject read } } } } } }";
    // Five: the broadcasts' four and a workflow's; then all six.
    let (one, _) = counted(thread, 5).await;
    let (all, page) = counted(thread, 50).await;
    let authors: Vec<(Value, Value)> = page["partner"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["author"].clone(),
                e["node"]["broadcast"]["subject"].clone(),
            )
        })
        .collect();
    assert_eq!(authors.len(), 6);
    let mut workflows: Vec<&Value> = authors[4..].iter().map(|(a, _)| a).collect();
    workflows.sort_by_key(|a| a.as_str().map(str::to_owned));
    assert_eq!(
        workflows,
        [
            &json!("workflow: First sale"),
            &json!("workflow: Welcome aboard")
        ]
    );
    assert_eq!(authors[0].1, json!("News 3"));
    assert_eq!(
        one, all,
        "a thread, its broadcasts and authors: {one} and {all}"
    );
}

async fn each_role_does_what_its_scopes_allow_and_bad_input_names_its_field(app: TestApp) {
    let admin = app.admin();
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    let own = app.partner_token(&ada);
    let viewer = app.mint(&TestApp::claims(TENANT, "viewer"));
    let reader = app.service("partners:read");
    let writer = app.service("partners:write");
    let broadcast = json!({ "input": { "subject": "s", "body": "b", "audience": {} } });
    let tag = json!({ "input": { "name": "Tag", "trigger": { "partnerApproved": true }, "actions": [{ "addTag": "t" }] } });
    let r#move = json!({ "input": { "name": "Move", "trigger": { "partnerApproved": true }, "actions": [{ "moveToGroup": group }] } });
    let bonus = json!({ "input": { "name": "Pay", "trigger": { "partnerApproved": true }, "actions": [{ "payBonus": { "amount": "5", "currency": "USD" } }] } });
    send(
        &app,
        &writer,
        json!({ "partnerId": ada, "body": "from a key" }),
    )
    .await;
    app.ok(&writer, BROADCAST, broadcast.clone()).await;
    app.ok(&writer, WORKFLOW, tag.clone()).await;
    for (token, input) in [(&writer, &r#move), (&writer, &bonus)] {
        let refused = app.error(Some(token), WORKFLOW, input.clone()).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    let both = app.service("partners:write partner_groups:write commissions:write");
    app.ok(&both, WORKFLOW, r#move.clone()).await;
    app.ok(&both, WORKFLOW, bonus.clone()).await;
    // Readers read; they write nothing.
    let lists =
        "{ messageThreads { totalCount } broadcasts { totalCount } workflows { totalCount } }";
    for token in [&viewer, &reader, &admin] {
        let read = app.ok(token, lists, json!({})).await;
        assert_eq!(
            read,
            json!({ "messageThreads": { "totalCount": 1 }, "broadcasts": { "totalCount": 1 }, "workflows": { "totalCount": 3 } })
        );
        let thread = app.ok(token, THREAD, json!({ "p": ada })).await;
        assert_eq!(bodies(&thread["partner"]).len(), 2);
    }
    for token in [&viewer, &reader] {
        let refused = app
            .error(
                Some(token),
                SEND,
                json!({ "input": { "partnerId": ada, "body": "x" } }),
            )
            .await;
        assert_eq!(code(&refused), "FORBIDDEN");
        assert_eq!(
            code(&app.error(Some(token), BROADCAST, broadcast.clone()).await),
            "FORBIDDEN"
        );
        assert_eq!(
            code(&app.error(Some(token), WORKFLOW, tag.clone()).await),
            "FORBIDDEN"
        );
    }
    // A partner: its own thread, never an audience or a workflow.
    for query in [
        "{ broadcasts { totalCount } }",
        "{ workflows { totalCount } }",
        "{ messageThreads { totalCount } }",
    ] {
        assert_eq!(
            code(&app.error(Some(&own), query, json!({})).await),
            "FORBIDDEN",
            "{query}"
        );
    }
    assert_eq!(
        code(&app.error(Some(&own), BROADCAST, broadcast.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.error(Some(&own), WORKFLOW, tag.clone()).await),
        "FORBIDDEN"
    );
    let other_tenant = app
        .ok(&app.admin_of("globex"), THREAD, json!({ "p": ada }))
        .await;
    assert_eq!(other_tenant["partner"], Value::Null);

    // Bad input names its field; nothing is written.
    let cases = [
        (SEND, json!({ "input": { "body": "x" } }), "input.partnerId"),
        (
            SEND,
            json!({ "input": { "partnerId": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "body": "x" } }),
            "input.partnerId",
        ),
        (
            BROADCAST,
            json!({ "input": { "subject": "", "body": "b", "audience": {} } }),
            "input.subject",
        ),
        (
            BROADCAST,
            json!({ "input": { "subject": "s", "body": "b", "audience": { "groupIds": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"] } } }),
            "input.audience.groupIds[0]",
        ),
        (
            BROADCAST,
            json!({ "input": { "subject": "s", "body": "b", "audience": { "countries": ["XX"] } } }),
            "input.audience.countries[0]",
        ),
        (
            BROADCAST,
            json!({ "input": { "subject": "s", "body": "b", "audience": { "earnedFrom": "2026-01-01T00:00:00Z" } } }),
            "input.audience.earnedAtLeast",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "partnerApproved": true }, "actions": [] } }),
            "input.actions",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "metricReached": { "metric": "SALES", "value": "0" } }, "actions": [{ "addTag": "t" }] } }),
            "input.trigger.metricReached.value",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "metricReached": { "metric": "SALES", "value": "2.5" } }, "actions": [{ "addTag": "t" }] } }),
            "input.trigger.metricReached.value",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "partnerApproved": true }, "actions": [{ "addTag": "t" }, { "moveToGroup": "01ARZ3NDEKTSV4RRFFQ69G5FAV" }] } }),
            "input.actions[1].moveToGroup",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "partnerApproved": true }, "actions": [{ "payBonus": { "amount": "0", "currency": "USD" } }] } }),
            "input.actions[0].payBonus.amount",
        ),
        (
            WORKFLOW,
            json!({ "input": { "name": "w", "trigger": { "partnerApproved": true }, "actions": [{ "sendMessage": "" }] } }),
            "input.actions[0].sendMessage",
        ),
    ];
    for (query, input, named) in cases {
        let error = app.error(Some(&admin), query, input.clone()).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", named),
            "{input}: {error}"
        );
    }
    let read = app.ok(&admin, lists, json!({})).await;
    assert_eq!(read["broadcasts"]["totalCount"], 1);
    assert_eq!(read["workflows"]["totalCount"], 3);
}

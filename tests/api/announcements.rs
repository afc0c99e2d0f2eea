//! Announcements (SPEC §37): a banner in the portal from its start to its
//! end, for every partner or some groups', shown to each partner until it
//! dismisses it; staff read how many did, partners never whom it is for.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    an_announcement_shows_to_its_partners_until_each_dismisses_it,
    bad_announcements_are_refused_by_their_field_and_write_nothing,
);

const CREATE: &str = "mutation($input: CreateAnnouncementInput!) { createAnnouncement(input: $input) { id title groupIds dismissals } }";
const SHOWING: &str =
    "{ viewer { partner { announcements { id title body link dismissed groupIds dismissals } } } }";
const DISMISS: &str = "mutation($id: ID!) { dismissAnnouncement(id: $id) { id dismissed } }";

async fn create(app: &TestApp, input: Value) -> String {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createAnnouncement"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The ids of what `partner` is shown now, in order.
async fn showing(app: &TestApp, partner: &str) -> Vec<String> {
    let read = app
        .ok(&app.partner_token(partner), SHOWING, json!({}))
        .await;
    read["viewer"]["partner"]["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_announcement_shows_to_its_partners_until_each_dismisses_it(app: TestApp) {
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
    let cy = app
        .create_partner(json!({ "name": "Cy", "groupId": creators }))
        .await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": others }))
        .await;
    let now = chrono::Utc::now();
    let at = |days: i64| (now + chrono::Duration::days(days)).to_rfc3339();
    let everyone = create(
        &app,
        json!({ "title": "Spring launch", "body": "New plans are live.\nTell your audience.", "startsAt": at(-1) }),
    )
    .await;
    let for_creators = create(
        &app,
        json!({ "title": "Creator kit", "body": "Fresh banners.", "link": "https://acme.example/kit",
                "groupIds": [creators] }),
    )
    .await;
    let coming = create(
        &app,
        json!({ "title": "Next month", "body": "Soon.", "startsAt": at(1) }),
    )
    .await;
    let over = create(
        &app,
        json!({ "title": "Last week", "body": "Over.", "startsAt": at(-3), "endsAt": at(-2) }),
    )
    .await;

    // Newest first; whom it is for and how many dismissed it are staff's.
    let read = app.ok(&app.partner_token(&ada), SHOWING, json!({})).await;
    assert_eq!(
        read["viewer"]["partner"]["announcements"],
        json!([
            { "id": for_creators, "title": "Creator kit", "body": "Fresh banners.",
              "link": "https://acme.example/kit", "dismissed": false, "groupIds": [], "dismissals": null },
            { "id": everyone, "title": "Spring launch", "body": "New plans are live.\nTell your audience.",
              "link": null, "dismissed": false, "groupIds": [], "dismissals": null }
        ])
    );
    assert_eq!(showing(&app, &bo).await, vec![everyone.clone()]);

    // Dismissed (twice: as it is), it shows no more to Ada alone.
    for _ in 0..2 {
        let dismissed = app
            .ok(&app.partner_token(&ada), DISMISS, json!({ "id": everyone }))
            .await;
        assert_eq!(
            dismissed["dismissAnnouncement"],
            json!({ "id": everyone, "dismissed": true })
        );
    }
    assert_eq!(showing(&app, &ada).await, vec![for_creators.clone()]);
    assert_eq!(
        showing(&app, &cy).await,
        vec![for_creators.clone(), everyone.clone()]
    );
    let staff = "query($id: ID!) { announcement(id: $id) { dismissals dismissed groupIds } }";
    assert_eq!(
        app.ok(&admin, staff, json!({ "id": everyone })).await["announcement"],
        json!({ "dismissals": 1, "dismissed": null, "groupIds": [] })
    );
    assert_eq!(
        app.ok(&admin, staff, json!({ "id": for_creators })).await["announcement"],
        json!({ "dismissals": 0, "dismissed": null, "groupIds": [creators] })
    );

    // Bo finds neither another group's nor one to come; its list holds
    // what has started for it, ended or not.
    let bo_token = app.partner_token(&bo);
    for id in [&for_creators, &coming] {
        let found = app
            .ok(
                &bo_token,
                "query($id: ID!) { announcement(id: $id) { id } node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(found, json!({ "announcement": null, "node": null }));
        let refused = app
            .error(Some(&bo_token), DISMISS, json!({ "id": id }))
            .await;
        assert_eq!(code(&refused), "NOT_FOUND", "{refused}");
    }
    let listed = app
        .ok(
            &bo_token,
            "{ announcements { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["announcements"],
        json!({ "totalCount": 2, "nodes": [{ "id": everyone }, { "id": over }] })
    );
    let all = app
        .ok(&admin, "{ announcements { totalCount } }", json!({}))
        .await;
    assert_eq!(all["announcements"]["totalCount"], 4);

    // Ended now, it shows to no one; deleted, it is gone.
    let ended = app
        .ok(
            &admin,
            "mutation($id: ID!, $at: DateTime!) { updateAnnouncement(id: $id, input: { endsAt: $at, title: \"Creator kit (over)\" }) { title endsAt } }",
            json!({ "id": for_creators, "at": chrono::Utc::now().to_rfc3339() }),
        )
        .await;
    assert_eq!(ended["updateAnnouncement"]["title"], "Creator kit (over)");
    assert!(showing(&app, &ada).await.is_empty());
    assert_eq!(showing(&app, &cy).await, vec![everyone.clone()]);
    let deleted = app
        .ok(
            &admin,
            "mutation($id: ID!) { deleteAnnouncement(id: $id) }",
            json!({ "id": everyone }),
        )
        .await;
    assert_eq!(deleted["deleteAnnouncement"], everyone.as_str());
    assert!(showing(&app, &cy).await.is_empty());
    assert_eq!(
        app.ok(&admin, staff, json!({ "id": everyone })).await["announcement"],
        Value::Null
    );
}

async fn bad_announcements_are_refused_by_their_field_and_write_nothing(app: TestApp) {
    let admin = app.admin();
    let long = "x".repeat(121);
    let body = "y".repeat(2_001);
    for (input, wanted) in [
        (json!({ "title": " ", "body": "b" }), "input.title"),
        (json!({ "title": long, "body": "b" }), "input.title"),
        (json!({ "title": "t", "body": body }), "input.body"),
        (
            json!({ "title": "t", "body": "b", "link": "http://acme.example/" }),
            "input.link",
        ),
        (
            json!({ "title": "t", "body": "b", "link": "javascript:alert(1)" }),
            "input.link",
        ),
        (
            json!({ "title": "t", "body": "b", "startsAt": "2026-05-02T00:00:00Z", "endsAt": "2026-05-01T00:00:00Z" }),
            "input.endsAt",
        ),
        (
            json!({ "title": "t", "body": "b", "groupIds": ["01NOSUCHGROUP"] }),
            "input.groupIds",
        ),
    ] {
        let error = app
            .error(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert!(field(&error).starts_with(wanted), "{error}");
    }
    let count = app
        .ok(&admin, "{ announcements { totalCount } }", json!({}))
        .await;
    assert_eq!(count["announcements"]["totalCount"], 0);
    // A partner writes only its dismissals; staff dismiss nothing.
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let error = app
        .error(
            Some(&app.partner_token(&ada)),
            CREATE,
            json!({ "input": { "title": "t", "body": "b" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
    let id = create(&app, json!({ "title": "t", "body": "b" })).await;
    let error = app.error(Some(&admin), DISMISS, json!({ "id": id })).await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
    let edit = "mutation($id: ID!, $input: UpdateAnnouncementInput!) { updateAnnouncement(id: $id, input: $input) { id } }";
    let error = app
        .error(
            Some(&admin),
            edit,
            json!({ "id": id, "input": { "link": "ftp://x.example/" } }),
        )
        .await;
    assert_eq!(field(&error), "input.link", "{error}");
    let read = app
        .ok(
            &admin,
            "query($id: ID!) { announcement(id: $id) { link } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["announcement"]["link"], Value::Null);
}

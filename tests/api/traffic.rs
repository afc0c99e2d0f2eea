//! Traffic that earns nothing (SPEC §37): a campaign or a group ignores
//! referrers on listed domains and search engines, organic and paid. An
//! ignored click still lands, names nobody, attributes no one and is
//! counted as ignored only — on short links, `/r/` links, `recordClick`
//! and `attributeCustomer` alike; attributions made already stand; and
//! a paid ad's click it ignores raises no fraud flag.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::support::links::{CREATE, client};
use crate::support::partners::partner_at;
use serde_json::{Value, json};
use std::time::Duration;

crate::on_both_databases_with!(
    behind_a_proxy;
    a_group_ignoring_a_domain_sends_its_clicks_on_naming_nobody,
    a_campaign_ignoring_search_engines_ignores_them_on_every_path,
    traffic_sources_are_refused_by_their_field_and_change_nothing,
);

/// An app behind a proxy on loopback it trusts (each visitor its own
/// address), with no limit on anonymous writes.
fn behind_a_proxy() -> revshare::http::Options {
    revshare::http::Options {
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        anonymous_writes_per_minute: 0,
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

const CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                      (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SOURCES: &str = "trafficSources { ignoreSearchEngines ignoredDomains }";
const LINK: &str =
    "query($id: ID!) { node(id: $id) { ... on PartnerLink { clicks ignoredClicks } } }";
const STATS: &str = "query($id: ID!, $from: Date!, $to: Date!, $by: LinkDimension!) { node(id: $id) { ... on PartnerLink { stats(from: $from, to: $to, by: $by) { value clicks } } } }";

/// A visit of `path` from `from` with `referrer`: the status and where it
/// sends the visitor.
async fn follow(app: &TestApp, path: &str, from: &str, referrer: Option<&str>) -> (u16, String) {
    let mut request = client()
        .get(app.url(path))
        .header("user-agent", CHROME)
        .header("x-forwarded-for", from);
    if let Some(referrer) = referrer {
        request = request.header("referer", referrer);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location)
}

/// Waits until the link has counted `clicks` and ignored `ignored` (both
/// are written after the answer); then they must be exact.
async fn link_reaches(app: &TestApp, link: &str, clicks: i64, ignored: i64) {
    let admin = app.admin();
    for _ in 0..400 {
        let read = app.ok(&admin, LINK, json!({ "id": link })).await["node"].clone();
        let (c, i) = (
            read["clicks"].as_i64().unwrap(),
            read["ignoredClicks"].as_i64().unwrap(),
        );
        if c >= clicks && i >= ignored {
            assert_eq!((c, i), (clicks, ignored), "{read}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the link never counted {clicks} clicks and {ignored} ignored");
}

async fn stats(app: &TestApp, token: &str, link: &str, by: &str) -> Value {
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(1);
    let to = today + chrono::Duration::days(1);
    app.ok(
        token,
        STATS,
        json!({ "id": link, "from": from.to_string(), "to": to.to_string(), "by": by }),
    )
    .await["node"]["stats"]
        .clone()
}

/// The partner's group's id.
async fn group_of(app: &TestApp, partner: &str) -> String {
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": partner }),
        )
        .await;
    read["partner"]["group"]["id"].as_str().unwrap().to_owned()
}

/// The default campaign's id.
async fn default_campaign(app: &TestApp) -> String {
    let campaigns = app
        .ok(
            &app.admin(),
            "{ campaigns { nodes { id isDefault } } }",
            json!({}),
        )
        .await;
    campaigns["campaigns"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["isDefault"] == json!(true))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_group_ignoring_a_domain_sends_its_clicks_on_naming_nobody(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let group = group_of(&app, &jane).await;
    let set = app
        .ok(
            &admin,
            &format!(
                "mutation($id: ID!) {{ updatePartnerGroup(id: $id, input: {{
                    links: {{ destination: \"https://acme.example/\",
                              utm: {{ source: \"partners\", campaign: \"{{partner}}-fall\" }} }}
                    trafficSources: {{ ignoredDomains: [\"ChatGPT.com\", \"https://perplexity.ai/search\"] }}
                }}) {{ {SOURCES} }} }}"
            ),
            json!({ "id": group }),
        )
        .await;
    assert_eq!(
        set["updatePartnerGroup"]["trafficSources"],
        json!({ "ignoreSearchEngines": false, "ignoredDomains": ["chatgpt.com", "perplexity.ai"] })
    );
    let link = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "partnerId": jane, "key": "jane" } }),
        )
        .await["createPartnerLink"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/l/{TENANT}/jane?plan=pro");

    // From a listed domain, or under one: sent on with the visitor's own
    // parameters and the UTM values that name nobody.
    for (from, referrer) in [
        ("203.0.113.1", "https://www.chatgpt.com/c/1"),
        ("203.0.113.1", "https://chatgpt.com/"),
        ("203.0.113.2", "https://chatgpt.com/c/2"),
        ("203.0.113.3", "https://www.perplexity.ai/"),
    ] {
        let (status, location) = follow(&app, &path, from, Some(referrer)).await;
        assert_eq!(status, 302);
        assert_eq!(
            location,
            "https://acme.example/?plan=pro&utm_source=partners"
        );
    }
    // Not a listed domain: counted, named by its key and click.
    let (status, location) =
        follow(&app, &path, "203.0.113.4", Some("https://notchatgpt.com/")).await;
    assert_eq!(status, 302);
    assert!(
        location.starts_with("https://acme.example/?via=jane&click="),
        "{location}"
    );
    assert!(location.ends_with("&plan=pro&utm_source=partners&utm_campaign=jane-fall"));

    // Three visitors ignored this hour (the first came twice); one counted.
    link_reaches(&app, &link, 1, 3).await;
    let token = app.partner_token(&jane);
    assert_eq!(
        stats(&app, &token, &link, "IGNORED").await,
        json!([{ "value": "LISTED_DOMAIN", "clicks": 3 }])
    );
    assert_eq!(
        stats(&app, &token, &link, "REFERRER").await,
        json!([{ "value": "notchatgpt.com", "clicks": 1 }])
    );
    let days = stats(&app, &admin, &link, "DAY").await;
    let counted: i64 = days
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["clicks"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, 1, "{days}");
    // The partner reads its own link's ignored clicks, and its code's.
    let own = app
        .ok(
            &token,
            "query($id: ID!) { partner(id: $id) { links { nodes { clicks ignoredClicks } } referralCodes { code ignoredClicks } } }",
            json!({ "id": jane }),
        )
        .await;
    assert_eq!(
        own["partner"]["links"]["nodes"],
        json!([{ "clicks": 1, "ignoredClicks": 3 }])
    );
    assert_eq!(
        own["partner"]["referralCodes"],
        json!([{ "code": "jane", "ignoredClicks": 3 }])
    );

    // Cleared, the domain counts again.
    app.ok(
        &admin,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { trafficSources: {} }) { id } }",
        json!({ "id": group }),
    )
    .await;
    let (_, location) = follow(&app, &path, "203.0.113.5", Some("https://chatgpt.com/")).await;
    assert!(location.contains("via=jane&click="), "{location}");
    link_reaches(&app, &link, 2, 3).await;
}

async fn a_campaign_ignoring_search_engines_ignores_them_on_every_path(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let campaign = default_campaign(&app).await;
    let set = app
        .ok(
            &admin,
            &format!(
                "mutation($id: ID!) {{ updateCampaign(id: $id, input: {{
                    landingUrl: \"https://acme.example/pricing\"
                    trafficSources: {{ ignoreSearchEngines: true }}
                    allowPaidAds: false
                }}) {{ {SOURCES} }} }}"
            ),
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        set["updateCampaign"]["trafficSources"],
        json!({ "ignoreSearchEngines": true, "ignoredDomains": [] })
    );
    let made = app
        .ok(
            &admin,
            "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id code } }",
            json!({ "input": { "partnerId": jane, "code": "JANE" } }),
        )
        .await["createReferralCode"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(made, "jane");
    let link = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { links { nodes { id key } } } }",
            json!({ "id": jane }),
        )
        .await["partner"]["links"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = format!("/r/{TENANT}/jane");

    // A search ad's click id, or a search engine's referrer: the landing
    // URL as it is.
    let (status, location) = follow(&app, &format!("{r}?gclid=abc"), "198.51.100.1", None).await;
    assert_eq!(
        (status, location.as_str()),
        (302, "https://acme.example/pricing")
    );
    let (_, location) = follow(
        &app,
        &r,
        "198.51.100.2",
        Some("https://www.google.co.uk/search?q=acme"),
    )
    .await;
    assert_eq!(location, "https://acme.example/pricing");
    // Google's mail is no search engine; an empty click id is none.
    let (_, location) = follow(&app, &r, "198.51.100.3", Some("https://mail.google.com/")).await;
    assert!(
        location.starts_with("https://acme.example/pricing?ref=jane&click="),
        "{location}"
    );
    let (_, location) = follow(&app, &format!("{r}?gclid="), "198.51.100.4", None).await;
    assert!(location.contains("ref=jane&click="), "{location}");

    // A brand's own redirect is told why, with nothing recorded.
    let service = app.service("events:write");
    let record = "mutation($input: RecordClickInput!) { recordClick(input: $input) { id } }";
    for (input, reason) in [
        (
            json!({ "code": "jane", "ip": "198.51.100.5", "referrer": "https://www.bing.com/search?q=acme" }),
            "SEARCH_ENGINE",
        ),
        (
            json!({ "code": "jane", "ip": "198.51.100.6", "landingUrl": "https://acme.example/?MSCLKID=9" }),
            "SEARCH_AD",
        ),
        (
            json!({ "code": "jane", "ip": "198.51.100.6", "referrer": "duckduckgo.com" }),
            "SEARCH_ENGINE",
        ),
    ] {
        let error = app
            .error(Some(&service), record, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "CONFLICT", "{error}");
        assert_eq!(error["extensions"]["reason"], reason, "{error}");
    }
    let counted = app
        .ok(
            &service,
            record,
            json!({ "input": { "code": "jane", "ip": "198.51.100.7", "referrer": "https://news.example/" } }),
        )
        .await;
    assert!(counted["recordClick"]["id"].is_string());

    // Two of /r/ and three of recordClick ignored, from four visitors;
    // three counted.
    link_reaches(&app, &link, 0, 4).await;
    let codes = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { referralCodes { clicks ignoredClicks } } }",
            json!({ "id": jane }),
        )
        .await;
    assert_eq!(
        codes["partner"]["referralCodes"],
        json!([{ "clicks": 3, "ignoredClicks": 4 }])
    );
    assert_eq!(
        stats(&app, &admin, &link, "IGNORED").await,
        json!([
            { "value": "SEARCH_AD", "clicks": 2 },
            { "value": "SEARCH_ENGINE", "clicks": 2 }
        ])
    );

    // By code with a search engine's referrer, a customer is attributed
    // to no one; with another, it is — and then it stands.
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId partner { id } } }";
    let refused = app
        .error(
            Some(&service),
            attribute,
            json!({ "input": { "customerExternalId": "cus_1", "code": "jane", "referrer": "https://www.google.de/" } }),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT");
    assert_eq!(refused["extensions"]["reason"], "SEARCH_ENGINE");
    let customer = "query { customer(externalId: \"cus_1\") { externalId } }";
    assert_eq!(
        app.ok(&admin, customer, json!({})).await["customer"],
        Value::Null
    );
    let made = app
        .ok(
            &service,
            attribute,
            json!({ "input": { "customerExternalId": "cus_1", "code": "jane", "referrer": "https://mail.google.com/" } }),
        )
        .await;
    assert_eq!(made["attributeCustomer"]["partner"]["id"], jane.as_str());
    let again = app
        .ok(
            &service,
            attribute,
            json!({ "input": { "customerExternalId": "cus_1", "code": "jane", "referrer": "https://www.google.de/" } }),
        )
        .await;
    assert_eq!(again["attributeCustomer"]["partner"]["id"], jane.as_str());

    // The campaign allows no paid ads: a search ad it ignores raised no
    // flag; the same click once search engines count is flagged.
    let flags = "{ fraudFlags { nodes { signal } } }";
    assert_eq!(
        app.ok(&admin, flags, json!({})).await["fraudFlags"]["nodes"],
        json!([])
    );
    app.ok(
        &admin,
        "mutation($id: ID!) { updateCampaign(id: $id, input: { trafficSources: { ignoreSearchEngines: false } }) { id } }",
        json!({ "id": campaign }),
    )
    .await;
    let (_, location) = follow(&app, &format!("{r}?gclid=abc"), "198.51.100.9", None).await;
    assert!(location.contains("ref=jane&click="), "{location}");
    assert_eq!(
        app.ok(&admin, flags, json!({})).await["fraudFlags"]["nodes"],
        json!([{ "signal": "PAID_AD_CLICK" }])
    );
}

async fn traffic_sources_are_refused_by_their_field_and_change_nothing(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let group = group_of(&app, &jane).await;
    let campaign = default_campaign(&app).await;
    let update_group = format!(
        "mutation($id: ID!, $sources: TrafficSourcesInput!) {{ updatePartnerGroup(id: $id, input: {{ trafficSources: $sources }}) {{ {SOURCES} }} }}"
    );
    app.ok(
        &admin,
        &update_group,
        json!({ "id": group, "sources": { "ignoredDomains": ["chatgpt.com"] } }),
    )
    .await;
    let many: Vec<String> = (0..101).map(|i| format!("d{i}.example")).collect();
    for (sources, wanted) in [
        (
            json!({ "ignoredDomains": many }),
            "input.trafficSources.ignoredDomains",
        ),
        (
            json!({ "ignoredDomains": ["ok.example", "not a domain"] }),
            "input.trafficSources.ignoredDomains[1]",
        ),
        (
            json!({ "ignoredDomains": ["localhost"] }),
            "input.trafficSources.ignoredDomains[0]",
        ),
    ] {
        let error = app
            .error(
                Some(&admin),
                &update_group,
                json!({ "id": group, "sources": sources }),
            )
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), wanted, "{error}");
        let create = app
            .error(
                Some(&admin),
                "mutation($sources: TrafficSourcesInput!) { createCampaign(input: { name: \"Fall\", trafficSources: $sources }) { id } }",
                json!({ "sources": sources }),
            )
            .await;
        assert_eq!(field(&create), wanted, "{create}");
    }
    let read = app
        .ok(
            &admin,
            &format!(
                "query($g: ID!, $c: ID!) {{ partnerGroup(id: $g) {{ {SOURCES} }} campaign(id: $c) {{ {SOURCES} }} campaigns {{ totalCount }} }}"
            ),
            json!({ "g": group, "c": campaign }),
        )
        .await;
    assert_eq!(
        read["partnerGroup"]["trafficSources"],
        json!({ "ignoreSearchEngines": false, "ignoredDomains": ["chatgpt.com"] })
    );
    assert_eq!(
        read["campaign"]["trafficSources"],
        json!({ "ignoreSearchEngines": false, "ignoredDomains": [] })
    );
    assert_eq!(read["campaigns"]["totalCount"], 1);
    // A referrer is judged with a code only.
    let error = app
        .error(
            Some(&app.service("events:write")),
            "mutation { attributeCustomer(input: { customerExternalId: \"c\", partnerId: \"x\", referrer: \"https://google.com/\" }) { externalId } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&error), "input.referrer", "{error}");
    // A partner sets none.
    let error = app
        .error(
            Some(&app.partner_token(&jane)),
            &update_group,
            json!({ "id": group, "sources": { "ignoreSearchEngines": true } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN", "{error}");
}

//! Access, round 6 (issue 86, items 1, 3, 5, 6 and 11), each shown by a
//! test that failed before its fix: a tenant that took revshare's own
//! host as its link domain, or another brand's before that brand; a
//! link keyed as a path revshare routes; reserved redirect parameters
//! passed through in capitals; link keys probed without limit.

use crate::helpers::{OTHER_TENANT, TestApp, code, field};
use crate::support::dns::{Dns, PROOFS, VERIFY, proof_of, prove, prove_as};
use crate::support::links::visit_on;
use serde_json::{Value, json};
use std::time::Duration;

crate::on_both_databases_with!(
    public;
    revshares_own_host_loopback_and_addresses_are_no_link_domain,
    a_link_domain_answers_only_once_proved_and_stops_when_its_record_goes,
    naming_a_host_first_claims_nothing,
    no_link_stands_where_revshare_answers,
    link_keys_are_not_probed_without_limit,
    a_resolver_that_fails_changes_nothing,
    an_archived_links_clicks_attribute_nothing,
);

const PUBLIC: &str = "https://partners.acme.test";
const CREATE_LINK: &str = "mutation($input: CreatePartnerLinkInput!) { createPartnerLink(input: $input) { id key shortUrl } }";
const DOMAINS: &str =
    "mutation($hosts: [String!]!) { updateTenant(input: { linkDomains: $hosts }) { linkDomains } }";

/// Served at [`PUBLIC`], behind a proxy on loopback, with room for
/// anonymous clicks.
fn public() -> revshare::http::Options {
    revshare::http::Options {
        public_url: Some(PUBLIC.into()),
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        anonymous_writes_per_minute: 0,
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

/// A partner with a short link keyed `key`, its group leading to the
/// brand's site.
async fn linked(app: &TestApp, key: &str) -> String {
    let partner = app.create_partner(json!({ "name": "Jane Doe" })).await;
    let group = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": partner }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { links: { destination: \"https://acme.example/\" } }) { id } }",
        json!({ "id": group }),
    )
    .await;
    app.ok(
        &app.admin(),
        CREATE_LINK,
        json!({ "input": { "partnerId": partner, "key": key } }),
    )
    .await;
    partner
}

async fn status_on(app: &TestApp, host: &str, path: &str) -> u16 {
    visit_on(app, host, reqwest::Method::GET, path, &[]).await.0
}

async fn revshares_own_host_loopback_and_addresses_are_no_link_domain(app: TestApp) {
    let admin = app.admin();
    for host in [
        "partners.acme.test",
        "PARTNERS.acme.test.",
        "127.0.0.1",
        "10.0.0.7",
        "app.localhost",
        "localhost.localdomain",
    ] {
        let error = app
            .error(Some(&admin), DOMAINS, json!({ "hosts": [host] }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{host}: {error}");
        assert_eq!(field(&error), "input.linkDomains", "{host}: {error}");
    }
    let proofs = app.ok(&admin, PROOFS, json!({})).await;
    assert_eq!(proofs["viewer"]["tenant"]["linkDomainProofs"], json!([]));
    // revshare's own host still answers the API and the probes.
    assert_eq!(status_on(&app, "partners.acme.test", "/readyz").await, 200);
    let answer = reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("host", "partners.acme.test")
        .bearer_auth(&admin)
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN");
}

async fn a_link_domain_answers_only_once_proved_and_stops_when_its_record_goes(app: TestApp) {
    let admin = app.admin();
    let host = "go.acme.test";
    linked(&app, "jane-doe").await;
    let named = app
        .ok(&admin, DOMAINS, json!({ "hosts": ["GO.acme.test"] }))
        .await;
    assert_eq!(named["updateTenant"]["linkDomains"], json!([host]));
    let proof = proof_of(&app, &admin, host).await;
    assert_eq!(proof["status"], "PENDING");
    assert_eq!(proof["recordName"], "_revshare-challenge.go.acme.test");
    assert_eq!(proof["recordType"], "TXT");
    let value = proof["recordValue"].as_str().unwrap().to_owned();
    assert!(value.starts_with("revshare-verification="), "{value}");
    assert_eq!(value.len(), "revshare-verification=".len() + 32);
    assert_eq!(proof["verifiedAt"], Value::Null);

    // Pending: the host is not the tenant's, its links are shared on
    // revshare's own host.
    assert_ne!(status_on(&app, host, "/jane-doe").await, 302);
    let links = app
        .ok(
            &admin,
            "{ partners { nodes { links { nodes { shortUrl } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        links["partners"]["nodes"][0]["links"]["nodes"][0]["shortUrl"],
        format!("{PUBLIC}/l/{}/jane-doe", crate::helpers::TENANT)
    );
    // Asked before its record exists: still pending, looked up.
    let early = app.ok(&admin, VERIFY, json!({ "host": host })).await;
    assert_eq!(early["verifyLinkDomain"]["status"], "PENDING");
    assert!(
        early["verifyLinkDomain"]["checkedAt"].is_string(),
        "{early}"
    );
    // Another record at the name proves nothing.
    let dns = Dns::get();
    dns.publish(
        "_revshare-challenge.go.acme.test",
        "revshare-verification=0000",
    );
    let wrong = app.ok(&admin, VERIFY, json!({ "host": host })).await;
    assert_eq!(wrong["verifyLinkDomain"]["status"], "PENDING");

    dns.publish("_revshare-challenge.go.acme.test", &value);
    let verified = app
        .ok(&admin, VERIFY, json!({ "host": "Go.Acme.Test." }))
        .await;
    assert_eq!(
        verified["verifyLinkDomain"]["status"], "VERIFIED",
        "{verified}"
    );
    assert!(verified["verifyLinkDomain"]["verifiedAt"].is_string());
    assert_eq!(status_on(&app, host, "/jane-doe").await, 302);
    let links = app
        .ok(
            &admin,
            "{ partners { nodes { links { nodes { shortUrl } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        links["partners"]["nodes"][0]["links"]["nodes"][0]["shortUrl"],
        "https://go.acme.test/jane-doe"
    );
    // A partner does not see the proofs.
    let partner = app
        .ok(&admin, "{ partners { nodes { id } } }", json!({}))
        .await["partners"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .error(Some(&app.partner_token(&partner)), PROOFS, json!({}))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");

    // The daily look-up: a record gone sends the host back to pending.
    dns.withdraw("_revshare-challenge.go.acme.test", &value);
    let resolver = crate::support::dns::resolver();
    let soon = revshare::db::now() + chrono::Duration::hours(1);
    revshare::links::domains::recheck_due(&app.db, &resolver, soon)
        .await
        .unwrap();
    assert_eq!(
        proof_of(&app, &admin, host).await["status"],
        "VERIFIED",
        "checked today"
    );
    let tomorrow = revshare::db::now() + chrono::Duration::hours(25);
    revshare::links::domains::recheck_due(&app.db, &resolver, tomorrow)
        .await
        .unwrap();
    assert_eq!(proof_of(&app, &admin, host).await["status"], "PENDING");
    // The redirect's memory of the host lasts at most its 10 s.
    crate::support::wait::until(
        "the host stops answering its links",
        Duration::from_secs(20),
        async || status_on(&app, host, "/jane-doe").await != 302,
    )
    .await;
    // Put back and asked again: it answers again.
    dns.publish("_revshare-challenge.go.acme.test", &value);
    let again = app.ok(&admin, VERIFY, json!({ "host": host })).await;
    assert_eq!(again["verifyLinkDomain"]["status"], "VERIFIED");
    assert_eq!(status_on(&app, host, "/jane-doe").await, 302);
    // Not one of the tenant's hosts: refused, named.
    let unknown = app
        .error(Some(&admin), VERIFY, json!({ "host": "go.other.test" }))
        .await;
    assert_eq!(field(&unknown), "host", "{unknown}");
}

async fn naming_a_host_first_claims_nothing(app: TestApp) {
    let host = "go.brand.test";
    let (ours, squatter) = (app.admin(), app.admin_of(OTHER_TENANT));
    // Another tenant names the brand's host first: accepted, pending.
    app.ok(&squatter, DOMAINS, json!({ "hosts": [host] })).await;
    app.ok(&ours, DOMAINS, json!({ "hosts": [host] })).await;
    linked(&app, "jane-doe").await;
    let first = proof_of(&app, &squatter, host).await;
    let second = proof_of(&app, &ours, host).await;
    assert_ne!(first["recordValue"], second["recordValue"], "a token each");
    // The brand, whose DNS it is, proves it.
    prove_as(&app, &ours, host).await;
    assert_eq!(status_on(&app, host, "/jane-doe").await, 302);
    let lost = app.ok(&squatter, VERIFY, json!({ "host": host })).await;
    assert_eq!(lost["verifyLinkDomain"]["status"], "PENDING");
    // Held verified: a third naming it now is refused, named.
    let error = app
        .error(
            Some(&squatter),
            DOMAINS,
            json!({ "hosts": ["go.brand.test", "go.squat.test"] }),
        )
        .await;
    assert_eq!(field(&error), "input.linkDomains", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("go.brand.test"),
        "{error}"
    );
    // Both records at once: the holder keeps it until its record goes.
    let dns = Dns::get();
    let name = first["recordName"].as_str().unwrap();
    dns.publish(name, first["recordValue"].as_str().unwrap());
    let refused = app
        .error(Some(&squatter), VERIFY, json!({ "host": host }))
        .await;
    assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
    assert_eq!(proof_of(&app, &ours, host).await["status"], "VERIFIED");
    // The DNS owner hands it over: the holder's record gone.
    dns.withdraw(name, second["recordValue"].as_str().unwrap());
    let taken = app.ok(&squatter, VERIFY, json!({ "host": host })).await;
    assert_eq!(taken["verifyLinkDomain"]["status"], "VERIFIED");
    assert_eq!(proof_of(&app, &ours, host).await["status"], "PENDING");
    dns.withdraw(name, first["recordValue"].as_str().unwrap());
}

async fn no_link_stands_where_revshare_answers(app: TestApp) {
    let admin = app.admin();
    let partner = linked(&app, "jane-doe").await;
    for key in [
        "portal",
        "Admin",
        "graphql",
        "tax",
        "readyz",
        "statements",
        "join",
    ] {
        let error = app
            .error(
                Some(&admin),
                CREATE_LINK,
                json!({ "input": { "partnerId": partner, "key": key } }),
            )
            .await;
        assert_eq!(field(&error), "input.key", "{key}: {error}");
        let error = app
            .error(
                Some(&admin),
                "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id } }",
                json!({ "input": { "partnerId": partner, "code": key } }),
            )
            .await;
        assert_eq!(field(&error), "input.code", "{key}: {error}");
    }
    app.ok(&admin, DOMAINS, json!({ "hosts": ["go.acme.test"] }))
        .await;
    prove(&app, "go.acme.test").await;
    // On the link domain the platform's paths are no links, and the API
    // is never reached.
    for path in ["/portal", "/admin", "/graphql", "/readyz"] {
        let (status, location, _) =
            visit_on(&app, "go.acme.test", reqwest::Method::GET, path, &[]).await;
        assert_eq!((status, location), (404, None), "{path}");
    }
    assert_eq!(status_on(&app, "go.acme.test", "/healthz").await, 200);
    // Reserved names are reserved in capitals too.
    let (status, location, _) = visit_on(
        &app,
        "go.acme.test",
        reqwest::Method::GET,
        "/jane-doe?VIA=bob&CLICK=forged&Qr=1&plan=team",
        &[
            ("x-forwarded-for", "203.0.113.20"),
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            ),
        ],
    )
    .await;
    assert_eq!(status, 302);
    let location = url::Url::parse(&location.unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["via", "click", "plan"], "{location}");
    assert_eq!(pairs[0].1, "jane-doe");
    assert_ne!(pairs[1].1, "forged");
}

async fn link_keys_are_not_probed_without_limit(app: TestApp) {
    let admin = app.admin();
    linked(&app, "jane-doe").await;
    app.ok(&admin, DOMAINS, json!({ "hosts": ["go.acme.test"] }))
        .await;
    prove(&app, "go.acme.test").await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    for n in 0..30 {
        let (status, _, _) = visit_on(
            &app,
            "go.acme.test",
            reqwest::Method::GET,
            &format!("/guess-{n}"),
            &from("198.51.100.7"),
        )
        .await;
        assert_eq!(status, 404, "guess {n}");
    }
    // Past 30 keys that led nowhere: every key waits, the real one too.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let limited = client
        .get(app.url("/jane-doe"))
        .header("host", "go.acme.test")
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["retry-after"], "60");
    // Another visitor is not held back.
    let (status, _, _) = visit_on(
        &app,
        "go.acme.test",
        reqwest::Method::GET,
        "/jane-doe",
        &from("198.51.100.8"),
    )
    .await;
    assert_eq!(status, 302);
    // Nor a visitor of real links, however many.
    for _ in 0..40 {
        let (status, _, _) = visit_on(
            &app,
            "go.acme.test",
            reqwest::Method::GET,
            "/jane-doe",
            &from("198.51.100.9"),
        )
        .await;
        assert_eq!(status, 302);
    }
}

async fn a_resolver_that_fails_changes_nothing(app: TestApp) {
    let admin = app.admin();
    // A host of this run's own: the DNS server is shared by the tests
    // running at once, and a name it fails fails for all of them.
    let host = format!(
        "go.flaky-{}.test",
        revshare::input::new_id().to_ascii_lowercase()
    );
    let host = host.as_str();
    app.ok(&admin, DOMAINS, json!({ "hosts": [host] })).await;
    let proof = prove(&app, host).await;
    let name = proof["recordName"].as_str().unwrap();
    let dns = Dns::get();
    dns.failing(name, true);
    let error = app
        .error(Some(&admin), VERIFY, json!({ "host": host }))
        .await;
    assert_eq!(code(&error), "UNAVAILABLE", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains(name),
        "names the record: {error}"
    );
    let tomorrow = revshare::db::now() + chrono::Duration::hours(25);
    revshare::links::domains::recheck_due(&app.db, &crate::support::dns::resolver(), tomorrow)
        .await
        .unwrap();
    assert_eq!(proof_of(&app, &admin, host).await["status"], "VERIFIED");
    dns.failing(name, false);
}

crate::on_both_databases_with!(
    quiet;
    a_partners_mailbox_is_not_flooded_from_many_networks,
    a_qr_code_is_never_of_a_bare_path,
);

/// Behind a proxy on loopback, the sign-in e-mails written when a test
/// hands the requests to the mailer itself, no mail sent.
fn quiet() -> revshare::http::Options {
    use revshare::jobs::{Job, Jobs};
    revshare::http::Options {
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        jobs: Jobs::all().without(&[Job::Mail, Job::SignInMail]),
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

/// A GraphQL request from `client` (through the trusted proxy).
async fn post_from(app: &TestApp, client: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn sign_in_emails(app: &TestApp) -> u64 {
    revshare::portal::mail_requests(&app.db, &app.keys)
        .await
        .unwrap();
    app.ok(
        &app.admin(),
        "{ emails(kind: PORTAL_SIGN_IN) { totalCount } }",
        json!({}),
    )
    .await["emails"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn a_partners_mailbox_is_not_flooded_from_many_networks(app: TestApp) {
    let flo = app
        .create_partner(json!({ "name": "Flo", "email": "flo@example.com" }))
        .await;
    const SIGN_IN: &str =
        "mutation($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }";
    // 100 requests, each from a /64 of its own in one /48.
    for n in 0..100 {
        let answer = post_from(
            &app,
            &format!("2001:db8:7:{n:x}::1"),
            SIGN_IN,
            json!({ "t": crate::helpers::TENANT, "e": "Flo@Example.com" }),
        )
        .await;
        assert_eq!(answer["data"]["requestPortalSignIn"], true, "{answer}");
    }
    assert_eq!(
        sign_in_emails(&app).await,
        revshare::portal::SIGN_INS_PER_ADDRESS_PER_HOUR
    );
    // A network Flo signed in from before still brings her link.
    let made = app
        .ok(
            &app.admin(),
            "mutation($p: ID!) { createPartnerPortalLink(partnerId: $p) { url } }",
            json!({ "p": flo }),
        )
        .await;
    let url = made["createPartnerPortalLink"]["url"].as_str().unwrap();
    let code = url
        .split_once("#code=")
        .unwrap()
        .1
        .split('&')
        .next()
        .unwrap();
    let redeemed = post_from(
        &app,
        "192.0.2.77",
        "mutation($code: String!) { redeemPortalLink(code: $code) { token } }",
        json!({ "code": code }),
    )
    .await;
    assert!(
        redeemed["data"]["redeemPortalLink"]["token"].is_string(),
        "{redeemed}"
    );
    post_from(
        &app,
        "192.0.2.77",
        SIGN_IN,
        json!({ "t": crate::helpers::TENANT, "e": "flo@example.com" }),
    )
    .await;
    assert_eq!(
        sign_in_emails(&app).await,
        revshare::portal::SIGN_INS_PER_ADDRESS_PER_HOUR + 1
    );
}

async fn an_archived_links_clicks_attribute_nothing(app: TestApp) {
    let admin = app.admin();
    let jane = app.create_partner(json!({ "name": "Jane" })).await;
    let made = app
        .ok(
            &admin,
            "mutation($p: ID!) { createReferralCode(input: { partnerId: $p, code: \"jane-old\" }) { id } }",
            json!({ "p": jane }),
        )
        .await;
    let service = app.service("events:write");
    let record = "mutation { recordClick(input: { code: \"jane-old\" }) { id } }";
    let before = app.ok(&service, record, json!({})).await["recordClick"]["id"].clone();
    let archived = app
        .ok(
            &admin,
            "mutation($id: ID!) { archiveReferralCode(id: $id) { archivedAt } }",
            json!({ "id": made["createReferralCode"]["id"] }),
        )
        .await;
    assert!(archived["archiveReferralCode"]["archivedAt"].is_string());
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { partner { id } } }";
    let error = app
        .error(
            Some(&service),
            attribute,
            json!({ "input": { "customerExternalId": "cus_after_archive", "clickId": before } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.clickId"),
        "{error}"
    );
    assert!(
        error["message"].as_str().unwrap().contains("archived"),
        "{error}"
    );
    let by_code = app
        .error(
            Some(&service),
            attribute,
            json!({ "input": { "customerExternalId": "cus_by_code", "code": "jane-old" } }),
        )
        .await;
    assert_eq!(field(&by_code), "input.code", "{by_code}");
}

/// Item 15: with no verified link domain and no public URL, a QR code
/// would encode `/l/{tenant}/{key}`, which no phone can open: refused,
/// saying what to set.
async fn a_qr_code_is_never_of_a_bare_path(app: TestApp) {
    linked(&app, "jane-doe").await;
    let link = app
        .ok(
            &app.admin(),
            "{ partners { nodes { links { nodes { id } } } } }",
            json!({}),
        )
        .await["partners"]["nodes"][0]["links"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = reqwest::Client::new()
        .get(app.url(&format!("/qr/{link}.png")))
        .bearer_auth(app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("REVSHARE_PUBLIC_URL") && body.contains("verifyLinkDomain"),
        "{body}"
    );
}

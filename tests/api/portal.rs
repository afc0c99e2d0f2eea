//! The partner portal (SPEC §18): signing in by one-time links, sessions
//! and embed tokens through the API; the page and its files as served; and
//! a partner using every page in headless Chromium (`tests/browser/portal.mjs`).

use crate::helpers::{Backend, SECRET, TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::payouts::{approve, paypal, run};
use crate::support::portal::{LINK, portal_code, with_origins};
use crate::support::sales::sale_at;
use revshare::auth::jwt::Keys;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::path::PathBuf;

on_both_databases!(a_portal_link_signs_a_partner_in_once);

const REDEEM: &str = "mutation($code: String!) { redeemPortalLink(code: $code) { token expiresAt partnerId partnerName } }";
const RENEW: &str = "mutation { renewPortalSession { token expiresAt partnerId } }";

async fn a_portal_link_signs_a_partner_in_once(app: TestApp) {
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let made = app
        .ok(&app.admin(), LINK, json!({ "p": ada, "ttl": 30 }))
        .await["createPartnerPortalLink"]
        .clone();
    let url = made["url"].as_str().unwrap();
    // The code, then the tenant and the partner's language (SPEC §38).
    let (secret, named) = url
        .strip_prefix("/portal/#code=")
        .unwrap()
        .split_once('&')
        .unwrap();
    assert_eq!(named, format!("tenant={}&lang=en", crate::helpers::TENANT));
    let secret = secret.to_owned();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    let expires: chrono::DateTime<chrono::Utc> =
        made["expiresAt"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes}");
    // The code is kept only as its hash.
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            "SELECT code_hash FROM portal_links",
        ))
        .await
        .unwrap();
    let stored: String = rows[0].try_get("", "code_hash").unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&secret));

    // Spent with no token: a session and its token, which reads as Ada.
    let (_, body) = app.post(None, REDEEM, json!({ "code": secret })).await;
    let session = body["data"]["redeemPortalLink"].clone();
    assert_eq!(session["partnerId"], ada, "{body}");
    assert_eq!(session["partnerName"], "Ada");
    let token = session["token"].as_str().unwrap().to_owned();
    let expires: chrono::DateTime<chrono::Utc> =
        session["expiresAt"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    assert!(
        (14..=15).contains(&minutes),
        "session tokens live 15 minutes: {minutes}"
    );
    let viewer = app
        .ok(&token, "{ viewer { role partner { id } } }", json!({}))
        .await;
    assert_eq!(
        viewer["viewer"],
        json!({ "role": "PARTNER", "partner": { "id": ada } })
    );

    // Once only; an unknown code and an expired one say why.
    let again = app.error(None, REDEEM, json!({ "code": secret })).await;
    assert_eq!(code(&again), "CONFLICT");
    assert!(
        again["message"].as_str().unwrap().contains("already used"),
        "{again}"
    );
    let unknown = app
        .error(None, REDEEM, json!({ "code": "not-a-code" }))
        .await;
    assert_eq!(code(&unknown), "NOT_FOUND");
    let late = portal_code(&app, &ada).await;
    let past = match app.backend {
        Backend::Postgres => {
            "UPDATE portal_links SET expires_at = now() - interval '1 minute' WHERE redeemed_at IS NULL"
        }
        Backend::Sqlite => {
            "UPDATE portal_links SET expires_at = '2020-01-01 00:00:00+00:00' WHERE redeemed_at IS NULL"
        }
    };
    app.db
        .conn()
        .execute_raw(Statement::from_string(app.db.backend(), past))
        .await
        .unwrap();
    let expired = app.error(None, REDEEM, json!({ "code": late })).await;
    assert_eq!(code(&expired), "CONFLICT");
    assert!(
        expired["message"].as_str().unwrap().contains("expired"),
        "{expired}"
    );

    // A partner archived since its link was made is told so, and the link
    // stays unspent.
    let bo = app.create_partner(json!({ "name": "Bo" })).await;
    let waiting = portal_code(&app, &bo).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { status: ARCHIVED }) { id } }",
        json!({ "id": bo }),
    )
    .await;
    let archived = app.error(None, REDEEM, json!({ "code": waiting })).await;
    assert_eq!(code(&archived), "CONFLICT");
    assert!(
        archived["message"].as_str().unwrap().contains("archived"),
        "{archived}"
    );
    let unspent = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.backend(),
            format!(
                "SELECT count(*) AS n FROM portal_links WHERE partner_id = '{bo}' AND redeemed_at IS NULL"
            ),
        ))
        .await
        .unwrap();
    assert_eq!(unspent[0].try_get::<i64>("", "n").unwrap(), 1);

    // A session's token renews itself; other tokens do not.
    let renewed = app.ok(&token, RENEW, json!({})).await["renewPortalSession"].clone();
    assert_eq!(renewed["partnerId"], ada);
    let fresh = renewed["token"].as_str().unwrap().to_owned();
    app.ok(&fresh, "{ viewer { role } }", json!({})).await;
    for other in [app.partner_token(&ada), app.admin()] {
        let refused = app.error(Some(&other), RENEW, json!({})).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    // Signing out ends the session: its tokens are renewed no more.
    let ended = app
        .ok(&fresh, "mutation { endPortalSession }", json!({}))
        .await;
    assert_eq!(ended["endPortalSession"], true);
    let refused = app.error(Some(&fresh), RENEW, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN");

    // Who may make links and embed tokens, and for whom.
    let error = app
        .error(Some(&app.partner_token(&ada)), LINK, json!({ "p": ada }))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let stranger = app
        .ok(
            &app.admin_of(crate::helpers::OTHER_TENANT),
            "mutation { createPartner(input: { name: \"Elsewhere\" }) { id } }",
            json!({}),
        )
        .await["createPartner"]["id"]
        .clone();
    let error = app
        .error(Some(&app.admin()), LINK, json!({ "p": stranger }))
        .await;
    assert_eq!(field(&error), "partnerId");
    let error = app
        .error(Some(&app.admin()), LINK, json!({ "p": ada, "ttl": 0 }))
        .await;
    assert_eq!(field(&error), "ttlMinutes");
    let embed = "mutation($p: ID!, $ttl: Int) { createPartnerEmbedToken(partnerId: $p, ttlMinutes: $ttl) { token expiresAt partnerId } }";
    let error = app
        .error(Some(&app.admin()), embed, json!({ "p": ada, "ttl": 181 }))
        .await;
    assert_eq!(field(&error), "ttlMinutes");
    let embedded = app
        .ok(
            &app.service("partners:write"),
            embed,
            json!({ "p": ada, "ttl": 180 }),
        )
        .await["createPartnerEmbedToken"]
        .clone();
    let partner = app
        .ok(
            embedded["token"].as_str().unwrap(),
            "{ viewer { partner { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(partner["viewer"]["partner"]["name"], "Ada");
    let refused = app
        .error(embedded["token"].as_str(), RENEW, json!({}))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "an embed token is not renewed");
    // Redeeming is the one thing a request without a token may do.
    let error = app.error(None, LINK, json!({ "p": ada })).await;
    assert_eq!(code(&error), "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_portal_is_served_whole_under_graphiqls_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bare = client.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/portal/");
    let page = client.get(app.url("/portal/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        policy,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    let files: Vec<&str> = html
        .split(['"'])
        .filter(|s| s.starts_with("/portal/") && s.len() > 9)
        .collect();
    assert!(files.len() >= 15, "{files:?}");
    let mut compressed = 0;
    for file in &files {
        let zipped = client
            .get(app.url(file))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.status(), 200, "{file}");
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert!(
            zipped.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        compressed += zipped.bytes().await.unwrap().len();
    }
    assert!(compressed < 300 * 1024, "{compressed} bytes compressed");
    let stale = client
        .get(app.url("/portal/0000000000000000/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 404);
    // A brand's listed origins may frame it (with an embed token).
    let framed = TestApp::spawn_with_options(Backend::Sqlite, Keys::hs256(SECRET), with_origins())
        .await
        .unwrap();
    let page = client.get(framed.url("/portal/")).send().await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.ends_with("frame-ancestors https://brand.example"),
        "{policy}"
    );
}

/// What the browser test's partner has: sales in three months, approved
/// and paid ones, a clawback, a payout paid with its statement, a code, a
/// registered deal, a tier it is working toward; and another partner with
/// a deal and a payout of its own.
/// The program's message to Ada: markup and a link, shown as text.
const MESSAGE: &str =
    "Welcome! <b>Not bold</b> <img src=x onerror=alert(1)> See https://acme.example/terms";

async fn seed(app: &TestApp) -> Value {
    // East of UTC: each month of the tenant's starts the evening before in
    // UTC, so the page must count and name months in the tenant's zone.
    let zone = "Europe/Berlin";
    app.ok(
        &app.admin(),
        "mutation($z: String!) { updateTenant(input: { timeZone: $z, programName: \"Acme Partners\", languages: [\"en\", \"fr\", \"de\"] }) { timeZone } }",
        json!({ "z": zone }),
    )
    .await;
    let ada = crate::support::partners::partner_at(app, "Ada Lovelace Ltd", 10).await;
    let bea = crate::support::partners::partner_at(app, "Bea", 10).await;
    paypal(app, &ada, "ada@example.com").await;
    paypal(app, &bea, "bea@example.com").await;
    // Ada's short links lead to the brand's site, on its own domain.
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation { updateTenant(input: { linkDomains: [\"go.acme.test\"] }) { id } }",
        json!({}),
    )
    .await;
    crate::support::dns::prove(app, "go.acme.test").await;
    let group = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": ada }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    // Her terms read in words in the portal, a condition among them; her
    // sales carry no lines, so it pays none of them.
    app.ok(
        &admin,
        "mutation($id: ID!, $rules: [GroupRuleInput!]!) { updatePartnerGroup(id: $id, input: { rules: $rules }) { id } }",
        json!({ "id": group, "rules": [
            { "conditional": { "when": { "test": { "subject": "LINE_PRODUCT", "operator": "IN", "values": ["hardware"] } },
                               "then": { "nothing": true } } },
            { "recurring": { "percentage": 10 } }
        ] }),
    )
    .await;
    // Her group does not pay for visits from chatgpt.com (SPEC §37).
    app.ok(
        &admin,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { links: { destination: \"https://acme.example/\" }, trafficSources: { ignoredDomains: [\"chatgpt.com\"] } }) { id } }",
        json!({ "id": group }),
    )
    .await;
    let link = app
        .ok(
            &admin,
            "mutation($p: ID!) { createPartnerLink(input: { partnerId: $p, key: \"ada\" }) { id } }",
            json!({ "p": ada }),
        )
        .await["createPartnerLink"]["id"]
        .clone();
    let (status, _, _) = crate::support::links::visit_on(
        app,
        "go.acme.test",
        reqwest::Method::GET,
        "/ada",
        &[
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            ),
            ("referer", "https://chatgpt.com/c/1"),
        ],
    )
    .await;
    assert_eq!(status, 302);
    for attempt in 0.. {
        let read = app
            .ok(
                &admin,
                "query($id: ID!) { node(id: $id) { ... on PartnerLink { ignoredClicks } } }",
                json!({ "id": link }),
            )
            .await;
        if read["node"]["ignoredClicks"] == 1 {
            break;
        }
        assert!(attempt < 400, "the ignored click was never counted");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let now = chrono::Utc::now();
    let month_ago = (now - chrono::Duration::days(35)).to_rfc3339();
    let months_ago = (now - chrono::Duration::days(70)).to_rfc3339();
    let a1 = sale_at(app, &ada, "ada-1", "1200", &months_ago).await;
    let a2 = sale_at(app, &ada, "ada-2", "450", &month_ago).await;
    let a3 = sale_at(app, &ada, "ada-3", "99.90", &now.to_rfc3339()).await;
    let b1 = sale_at(app, &bea, "bea-1", "300", &months_ago).await;
    approve(app, &[&a1, &a2, &b1]).await;
    app.ok(
        &app.service("events:write"),
        "mutation { recordRefund(input: { eventExternalId: \"ada-2\", amount: \"150\" }) { clawbacks { amount } } }",
        json!({}),
    )
    .await;
    let period_end = (now - chrono::Duration::days(50))
        .format("%Y-%m-%d")
        .to_string();
    let paid = run(app, json!({ "periodEnd": period_end })).await;
    for payout in paid["payouts"].as_array().unwrap() {
        app.ok(
            &app.admin(),
            "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"PP-1\") { id } }",
            json!({ "id": payout["id"] }),
        )
        .await;
    }
    let bea_payout = paid["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["name"] == "Bea")
        .unwrap()["id"]
        .clone();
    let _ = a3;
    app.ok(
        &app.partner_token(&ada),
        "mutation { createReferralCode(input: { code: \"ada-link\" }) { code } }",
        json!({}),
    )
    .await;
    // Ada recruited Cy, and earns 10 % of Cy's commissions (SPEC §31).
    let group = app
        .ok(
            &admin,
            "query($p: ID!) { partner(id: $p) { group { id } } }",
            json!({ "p": ada }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    app.ok(
        &admin,
        "mutation($g: ID!) { updatePartnerGroup(id: $g, input: { referral: { trigger: COMMISSION, percentage: \"10\" } }) { id } }",
        json!({ "g": group }),
    )
    .await;
    let cy = crate::support::partners::partner_at(app, "Cy", 10).await;
    app.ok(
        &admin,
        "mutation($p: ID!, $r: ID!) { setReferrer(input: { partnerId: $p, referrerId: $r }) { id } }",
        json!({ "p": cy, "r": ada }),
    )
    .await;
    crate::support::sales::record(
        app,
        crate::support::sales::sale_input(&cy, "cy-1", "200.00"),
    )
    .await;
    // Bounties of Ada's group (SPEC §31): a goal, work to submit, and one
    // that ended.
    let bounty = "mutation($input: CreateBountyInput!) { createBounty(input: $input) { id } }";
    for input in [
        json!({ "name": "Ten sales", "groupIds": [group], "type": "PERFORMANCE", "description": "Ten sales this year.",
                "reward": { "amount": "100.00", "currency": "USD" }, "startsAt": "2026-01-01T00:00:00Z",
                "goal": { "metric": "SALES", "value": "10" } }),
        json!({ "name": "Review us", "groupIds": [group], "type": "SUBMISSION", "description": "Write a review of the product.",
                "reward": { "amount": "40.00", "currency": "USD" }, "startsAt": "2026-01-01T00:00:00Z", "maxSubmissions": 2 }),
        json!({ "name": "Launch week", "groupIds": [group], "type": "SUBMISSION",
                "reward": { "amount": "20.00", "currency": "USD" }, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2026-02-01T00:00:00Z" }),
        // Each partner's own 30 days from its join (SPEC §37).
        json!({ "name": "First month", "groupIds": [group], "type": "PERFORMANCE", "windowDays": 30,
                "reward": { "amount": "25.00", "currency": "USD" }, "startsAt": "2026-01-01T00:00:00Z",
                "goal": { "metric": "SALES", "value": "3" } }),
    ] {
        app.ok(&admin, bounty, json!({ "input": input })).await;
    }
    // An announcement for Ada's group (SPEC §37), dismissed in the portal.
    app.ok(
        &admin,
        "mutation($g: ID!) { createAnnouncement(input: { title: \"Spring launch\", body: \"New plans are live.\\nTell your audience.\", \
         link: \"https://acme.example/spring\", groupIds: [$g] }) { id } }",
        json!({ "g": group }),
    )
    .await;
    // Resources (SPEC §37): a guide and a banner for Ada's group, a text
    // for every partner, a logo for another group that Ada never sees.
    let other = app
        .create_group("Agencies", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    use crate::support::files::{PNG, b64, pdf};
    let guide = pdf(2_100);
    let resource =
        "mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }";
    for input in [
        json!({ "kind": "PDF", "title": "Brand guide", "section": "Guides", "groupIds": [group],
                "file": { "filename": "brand-guide.pdf", "content": b64(&guide) } }),
        json!({ "kind": "TEXT", "title": "Tagline", "text": "Acme: pay once, grow forever." }),
        json!({ "kind": "IMAGE", "title": "Banner", "section": "Banners", "groupIds": [group],
                "file": { "filename": "banner.png", "content": b64(&PNG) } }),
        json!({ "kind": "LOGO", "title": "Other logo", "groupIds": [other],
                "file": { "filename": "logo.svg", "content": b64(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>") } }),
    ] {
        app.ok(&admin, resource, json!({ "input": input })).await;
    }
    // A retainer of Ada's group, from a day to come (SPEC §37).
    let starts = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
    app.ok(
        &admin,
        "mutation($g: ID!, $s: Date!) { createRetainer(input: { name: \"Creator stipend\", groupId: $g, cadence: MONTHLY, \
         amount: { amount: \"150.00\", currency: \"USD\" }, startsOn: $s }) { id } }",
        json!({ "g": group, "s": starts }),
    )
    .await;
    for (name, position) in [("Qualified", 1), ("Proposal", 2)] {
        app.ok(
            &app.admin(),
            "mutation($input: CreateDealStageInput!) { createDealStage(input: $input) { id } }",
            json!({ "input": { "name": name, "position": position } }),
        )
        .await;
    }
    let register = "mutation($input: RegisterDealInput!) { registerDeal(input: $input) { id } }";
    app.ok(
        &app.partner_token(&ada),
        register,
        json!({ "input": { "name": "Globex rollout", "companyName": "Globex", "companyDomain": "globex.example", "amount": "24000", "notes": "Met at the fair." } }),
    )
    .await;
    let bea_deal = app
        .ok(
            &app.partner_token(&bea),
            register,
            json!({ "input": { "name": "Umbrella", "companyName": "Umbrella", "companyDomain": "umbrella.example", "amount": "5000" } }),
        )
        .await["registerDeal"]["id"]
        .clone();
    let default_campaign = crate::support::campaigns::default_campaign(app).await;
    app.ok(
        &app.admin(),
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": { "name": "Gold", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
                           "period": "MONTHLY", "applyToAllPartners": true, "partnerIds": [], "campaignIds": [default_campaign],
                           "payout": { "action": "INCREASE", "value": "5" }, "goals": { "conversions": 5 } } }),
    )
    .await;
    let spring = create_campaign(
        app,
        json!({ "name": "Spring launch", "description": "Our spring range, 15 % on every sale.", "currency": "USD",
                "rules": [{ "recurring": { "percentage": 15 } }] }),
    )
    .await;
    // A link spent already, one that expired, and one to sign in with.
    let spent = portal_code(app, &ada).await;
    let (_, redeemed) = app.post(None, REDEEM, json!({ "code": spent })).await;
    assert!(redeemed["errors"].is_null(), "{redeemed}");
    let expired = portal_code(app, &ada).await;
    let past = match app.backend {
        Backend::Postgres => {
            "UPDATE portal_links SET expires_at = now() - interval '1 minute' WHERE redeemed_at IS NULL"
        }
        Backend::Sqlite => {
            "UPDATE portal_links SET expires_at = '2020-01-01 00:00:00+00:00' WHERE redeemed_at IS NULL"
        }
    };
    app.db
        .conn()
        .execute_raw(Statement::from_string(app.db.backend(), past))
        .await
        .unwrap();
    let link = portal_code(app, &ada).await;
    // A message from the program, with markup that must stay text.
    app.ok(
        &app.admin(),
        "mutation($p: ID!, $b: String!) { sendMessage(input: { partnerId: $p, body: $b }) { id } }",
        json!({ "p": ada, "b": MESSAGE }),
    )
    .await;
    // The program pays through Wise too: an account in the partner's
    // currency is offered (no call reaches Wise here).
    app.ok(
        &app.admin(),
        "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { rail } }",
        json!({ "input": { "rail": "WISE", "mode": "SANDBOX",
            "credentials": { "apiToken": "portal-wise-token", "profileId": "30000000" } } }),
    )
    .await;
    let embed = app
        .ok(
            &app.admin(),
            "mutation($p: ID!) { createPartnerEmbedToken(partnerId: $p) { token } }",
            json!({ "p": ada }),
        )
        .await["createPartnerEmbedToken"]["token"]
        .clone();
    json!({
        "embedToken": embed,
        "partnerName": "Ada Lovelace Ltd",
        "base": format!("http://{}", app.addr),
        "link": format!("/portal/#code={link}"),
        "spent": format!("/portal/#code={spent}"),
        "expired": format!("/portal/#code={expired}"),
        "otherDeal": bea_deal,
        "otherPayout": bea_payout,
        "applyTo": spring,
        "newCode": "ada-summer",
        "newLink": "ada-blog",
        "keyboardCode": "ada-keys",
        "message": MESSAGE,
        "tenant": TENANT,
        "timeZone": zone,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_uses_every_page_of_the_portal_in_a_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut plan = seed(&app).await;
    let dir = tempfile::tempdir().unwrap();
    // REVSHARE_SCREENSHOTS=docs/portal keeps them (they are the docs' pictures).
    let shots = std::env::var("REVSHARE_SCREENSHOTS")
        .map(|d| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(d))
        .unwrap_or_else(|_| dir.path().to_owned());
    std::fs::create_dir_all(&shots).unwrap();
    plan["screenshots"] = json!(shots.to_str().unwrap());
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let report = crate::support::browser::node("portal.mjs", &[plan_file.to_str().unwrap()]).await;
    assert_eq!(
        report["writes"],
        json!([
            "announcement dismissed",
            "language",
            "message",
            "partner link",
            "referral code",
            "application",
            "bounty submission",
            "deal registration",
            "payout method",
            "Wise account",
            "tax profile",
            "VAT details",
            "postback",
            "referral code by keyboard"
        ])
    );
    let pages = [
        "overview",
        "messages",
        "commissions",
        "payouts",
        "links",
        "codes",
        "campaigns",
        "referrals",
        "bounties",
        "resources",
        "deals",
        "payment",
        "invoices",
        "postbacks",
    ];
    for page in pages {
        assert_eq!(report["pages"][page], "checked", "{report}");
        assert_eq!(report["axe"][page]["serious"], 0);
        assert!(report["narrow"][page].as_u64().unwrap() <= 375);
    }
    assert_eq!(report["keyboard"], json!(pages));
    assert!(report["figures"].as_u64().unwrap() >= 15, "{report}");
    assert_eq!(report["screenshots"].as_array().unwrap().len(), 28);
    assert!(
        report["pages"]["sign-in-spent"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    assert!(
        report["pages"]["sign-in-expired"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(report["pages"]["other Deal"], "not found");
    assert_eq!(report["pages"]["other Payout"], "not found");
    assert_eq!(report["pages"]["embedded"], "checked");
    eprintln!(
        "portal: first page interactive in {} ms; {}; axe: {}",
        report["firstPageMs"], report["statement"], report["axe"]
    );
}

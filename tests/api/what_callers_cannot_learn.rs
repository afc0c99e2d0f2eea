//! Access, round 5 (issue 69, items 7 and 9–12), each shown by a test
//! that failed before its fix: a viewer who read a partner's sign-in code
//! from `emails { text }`, a socket that outlived its session's sign-out,
//! an IPv6 /64 counted as 2^64 clients, a sign-in request that told who is
//! a partner and let anyone spend a partner's links, and smaller leaks
//! (`termsInForce`, `nodes(ids:)` to an `events:write` key, a statement's
//! 403, PayPal webhook posts that each cost a credentialed call).

use crate::helpers::{OTHER_TENANT, TENANT, TestApp, code};
use crate::support::smtp::SmtpServer;
use crate::support::ws::{Received, Ws};
use revshare::http::Options;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

crate::on_both_databases_with!(
    proxied;
    an_ipv6_64_is_one_client_to_every_limit,
    a_sign_in_request_costs_the_same_for_anyone_and_nobody_spends_a_partners_links,
    signing_out_closes_the_sessions_sockets_within_a_second,
    a_partner_reads_no_terms_of_an_invite_only_campaign_it_is_not_in,
    an_events_write_key_reads_no_event_by_id,
    a_statement_a_token_may_not_read_is_not_found_as_an_unknown_one,
    paypal_posts_share_a_kept_token_are_limited_and_answer_alike_without_a_rail,
);

/// Behind a proxy on loopback (`X-Forwarded-For` names the client), with
/// no background mail nor reactions: a test hands the sign-in requests to the mailer
/// itself, so that what a request runs is all it counts. Rails reach
/// loopback and seal with a data key.
fn proxied() -> Options {
    let mut options = crate::support::receiver::loopback();
    options.trusted_proxies = revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.jobs = revshare::jobs::Jobs::all().without(&[
        revshare::jobs::Job::Webhooks,
        revshare::jobs::Job::Payouts,
        revshare::jobs::Job::Mail,
        revshare::jobs::Job::CommissionMail,
        revshare::jobs::Job::Reactions,
        revshare::jobs::Job::SignInMail,
        revshare::jobs::Job::Housekeeping,
    ]);
    options
}

use crate::with_smtp;

with_smtp!(no_stored_email_holds_a_code_and_a_viewer_cannot_become_a_partner);

const SIGN_IN: &str =
    "mutation($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }";
const SUBMIT: &str = "mutation($input: SubmitPartnerApplicationInput!) { submitPartnerApplication(input: $input) { accepted } }";
const REDEEM: &str =
    "mutation($code: String!) { redeemPortalLink(code: $code) { token partnerId } }";
const EMAILS: &str = "{ emails { nodes { id kind status text html } } }";

/// A GraphQL request from `client` (through the trusted proxy), without a
/// token.
async fn post_from(app: &TestApp, client: &str, query: &str, variables: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// What follows `marker` in `text`, to the end of its line.
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    let rest = text
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        .1;
    rest.split(['\n', '"', '>', ' ', '&'])
        .next()
        .unwrap_or_default()
}

/// Every stored e-mail as the tenant's viewer reads it.
async fn stored(app: &TestApp, viewer: &str) -> Vec<Value> {
    app.ok(viewer, EMAILS, json!({})).await["emails"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// Whether any column of the outbox, the sign-in links or the
/// applications holds `secret` as it is.
async fn stored_anywhere(app: &TestApp, secret: &str) -> bool {
    for sql in [
        "SELECT data AS v FROM emails",
        "SELECT COALESCE(unsubscribe_code, '') AS v FROM emails",
        "SELECT code_hash AS v FROM portal_links",
        "SELECT token_hash AS v FROM partner_applications",
    ] {
        let rows = app
            .db
            .conn()
            .query_all_raw(Statement::from_string(app.db.backend(), sql))
            .await
            .unwrap();
        for row in rows {
            let value: String = row.try_get("", "v").unwrap();
            if value.contains(secret) {
                return true;
            }
        }
    }
    false
}

/// Item 7: a portal sign-in, an application's confirmation, an address
/// already a partner's, an approval and a commission's unsubscribe link —
/// each code reaches its recipient and works; the stored e-mail, read by
/// the console's viewer (or anyone), holds none, and what it shows in its
/// place opens nothing.
async fn no_stored_email_holds_a_code_and_a_viewer_cannot_become_a_partner(
    app: TestApp,
    smtp: SmtpServer,
) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { programName: \"Acme\" }) { programName } }",
        json!({}),
    )
    .await;
    let viewer = crate::support::staff::staff_token(&app, "vi@acme.example", "VIEWER").await;
    let group = app
        .create_group("Paid", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let flo = app
        .create_partner(json!({ "name": "Flo", "email": "flo@example.com", "groupId": group }))
        .await;
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Open", "visibility": "PUBLIC", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;

    // An anonymous request for Flo's link; the viewer reads the outbox.
    let (status, _) = app
        .post(
            None,
            SIGN_IN,
            json!({ "t": TENANT, "e": "flo@example.com" }),
        )
        .await;
    assert_eq!(status, 200);
    let sent = smtp.wait_for(1).await[0].1.clone();
    let link = sent["links"][0].as_str().unwrap().to_owned();
    let secret = after(&link, "#code=").to_owned();
    let mail = stored(&app, &viewer).await[0].clone();
    assert_eq!(mail["kind"], "PORTAL_SIGN_IN");
    for part in ["text", "html"] {
        let shown = mail[part].as_str().unwrap();
        assert!(
            !shown.contains(&secret),
            "the {part} holds the code: {shown}"
        );
        assert!(shown.contains("/portal/#code=…"), "{shown}");
    }
    assert!(
        !stored_anywhere(&app, &secret).await,
        "a column holds the code"
    );
    // What the viewer sees in the code's place opens nothing.
    let shown = after(mail["text"].as_str().unwrap(), "#code=").to_owned();
    let refused = app.error(None, REDEEM, json!({ "code": shown })).await;
    assert_eq!(code(&refused), "NOT_FOUND");
    // The recipient's code signs Flo in.
    let (_, redeemed) = app.post(None, REDEEM, json!({ "code": secret })).await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"]["partnerId"],
        flo.as_str()
    );

    // A stranger's application: the confirmation code is the recipient's.
    let form = |name: &str, email: &str| json!({ "input": { "tenantId": TENANT, "campaignId": campaign, "name": name, "email": email } });
    app.post(None, SUBMIT, form("Ann", "ann@example.com")).await;
    let confirm = smtp.wait_for(2).await[1].1.clone();
    let token = after(confirm["links"][0].as_str().unwrap(), "#confirm=").to_owned();
    assert!(!stored_anywhere(&app, &token).await);
    let mails = stored(&app, &viewer).await;
    let shown = mails
        .iter()
        .find(|m| m["kind"] == "APPLICATION_CONFIRM")
        .unwrap();
    assert!(!shown["text"].as_str().unwrap().contains(&token));
    assert!(shown["text"].as_str().unwrap().contains("#confirm=…\n"));
    let confirmed = app
        .post(
            None,
            "mutation($token: String!) { confirmPartnerApplication(token: $token) { id status } }",
            json!({ "token": token }),
        )
        .await
        .1;
    let application = confirmed["data"]["confirmPartnerApplication"].clone();
    assert_eq!(application["status"], "PENDING", "{confirmed}");

    // An address already a partner's, then an approval: each a way in,
    // the recipient's alone.
    app.post(None, SUBMIT, form("Flo again", "flo@example.com"))
        .await;
    let known = smtp.wait_for(3).await[2].1.clone();
    assert_eq!(known["subject"], "You are already a Acme partner");
    let again = after(known["links"][0].as_str().unwrap(), "#code=").to_owned();
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { decidePartnerApplication(input: { id: $id, approve: true }) { status } }",
        json!({ "id": application["id"] }),
    )
    .await;
    let welcome = smtp.wait_for(4).await[3].1.clone();
    assert_eq!(welcome["subject"], "Welcome to Acme");
    let welcomed = after(welcome["links"][0].as_str().unwrap(), "#code=").to_owned();
    for secret in [&again, &welcomed] {
        assert!(!stored_anywhere(&app, secret).await);
        for mail in stored(&app, &viewer).await {
            assert!(!mail["text"].as_str().unwrap().contains(secret.as_str()));
            assert!(!mail["html"].as_str().unwrap().contains(secret.as_str()));
        }
        let (_, redeemed) = app.post(None, REDEEM, json!({ "code": secret })).await;
        assert!(
            redeemed["data"]["redeemPortalLink"]["token"].is_string(),
            "{redeemed}"
        );
    }

    // A commission's one-click unsubscribe: the recipient's link works;
    // the stored one shows none.
    crate::support::sales::record(
        &app,
        crate::support::sales::sale_input(&flo, "s-1", "100.00"),
    )
    .await;
    while revshare::mail::earned::pass(&app.db).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let earned = smtp.wait_for(5).await[4].1.clone();
    let unsubscribe = earned["headers"]["List-Unsubscribe"].as_str().unwrap();
    let unsubscribe = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    let secret = unsubscribe.rsplit('/').next().unwrap().to_owned();
    assert!(!stored_anywhere(&app, &secret).await);
    let mails = stored(&app, &viewer).await;
    let shown = mails
        .iter()
        .find(|m| m["kind"] == "COMMISSION_EARNED")
        .unwrap();
    let text = shown["text"].as_str().unwrap();
    assert!(!text.contains(&secret), "{text}");
    assert!(text.contains("/mail/unsubscribe/…\n"), "{text}");
    let path = unsubscribe.split_once("acme.test").unwrap().1;
    let posted = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let preferences = app
        .ok(
            &app.partner_token(&flo),
            "{ viewer { partner { emailPreferences { commissionEarned } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        preferences["viewer"]["partner"]["emailPreferences"]["commissionEarned"],
        "OFF"
    );
}

/// The tenant's e-mails of `kind`, counted.
async fn emails_of(app: &TestApp, kind: &str) -> u64 {
    app.ok(
        &app.admin(),
        "query($k: EmailKind) { emails(kind: $k) { totalCount } }",
        json!({ "k": kind }),
    )
    .await["emails"]["totalCount"]
        .as_u64()
        .unwrap()
}

/// The waiting sign-in requests turned into e-mails, as this replica's
/// mailer does when woken.
async fn mail_sign_ins(app: &TestApp) {
    revshare::portal::mail_requests(&app.db, &app.keys)
        .await
        .unwrap();
}

/// An address in the /64 2001:db8:1:2::/64.
fn in_64(n: usize) -> String {
    format!("2001:db8:1:2::{:x}", n + 1)
}

/// Item 10: twelve applications, six sign-in requests and five clicks
/// from addresses of one /64 are counted as one client's.
async fn an_ipv6_64_is_one_client_to_every_limit(app: TestApp) {
    let admin = app.admin();
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Open", "visibility": "PUBLIC", "landingUrl": "https://brand.example/",
                "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    for n in 0..12 {
        let input = json!({ "input": { "tenantId": TENANT, "campaignId": campaign, "name": "P",
                                       "email": format!("p{n}@example.com") } });
        let (status, body) = post_from(&app, &in_64(n), SUBMIT, input).await;
        assert_eq!(
            (
                status,
                &body["data"]["submitPartnerApplication"]["accepted"]
            ),
            (200, &json!(true))
        );
    }
    let stored = app
        .ok(&admin, "{ partnerApplications { totalCount } }", json!({}))
        .await;
    assert_eq!(
        stored["partnerApplications"]["totalCount"],
        revshare::applications::PER_ADDRESS_PER_HOUR,
        "one /64: five an hour"
    );

    // Six partners, each asked for once from another address of the /64:
    // five an hour from one client.
    for n in 0..6 {
        let email = format!("six{n}@example.com");
        app.create_partner(json!({ "name": format!("Six {n}"), "email": email }))
            .await;
        post_from(
            &app,
            &in_64(100 + n),
            SIGN_IN,
            json!({ "t": TENANT, "e": email }),
        )
        .await;
    }
    mail_sign_ins(&app).await;
    assert_eq!(
        emails_of(&app, "PORTAL_SIGN_IN").await,
        revshare::portal::SIGN_INS_PER_HOUR
    );

    // Clicks: the click-spam threshold counts the /64 as one visitor.
    let partner = app.create_partner(json!({ "name": "Cy" })).await;
    crate::support::partners::enroll(&app, &partner, &campaign).await;
    app.ok(
        &app.partner_token(&partner),
        "mutation($c: ID!) { createReferralCode(input: { campaignId: $c, code: \"cyc\" }) { id } }",
        json!({ "c": campaign }),
    )
    .await;
    app.ok(
        &admin,
        "mutation { setFraudPolicy(input: { rules: [{ signal: CLICK_SPAM, action: FLAG, threshold: \"3\" }] }) { signal } }",
        json!({}),
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for n in 0..5 {
        let response = client
            .get(app.url(&format!("/r/{TENANT}/cyc")))
            .header("x-forwarded-for", in_64(200 + n))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 302);
    }
    let clicks = app
        .ok(
            &admin,
            "query($p: ID!) { partner(id: $p) { referralCodes { code clicks } } }",
            json!({ "p": partner }),
        )
        .await;
    assert_eq!(
        clicks["partner"]["referralCodes"],
        json!([{ "code": "cyc", "clicks": 3 }]),
        "past the threshold, the /64's clicks are spam"
    );
}

/// The statements a request runs, the fewest of three tries (another
/// task's statement may land in one).
async fn statements_of(app: &TestApp, clients: [&str; 3], email: &str) -> (usize, Value) {
    let mut fewest = usize::MAX;
    let mut answer = Value::Null;
    for client in clients {
        let before = app.statements();
        let (status, body) =
            post_from(app, client, SIGN_IN, json!({ "t": TENANT, "e": email })).await;
        fewest = fewest.min(app.statements() - before);
        assert_eq!(status, 200);
        answer = body;
    }
    (fewest, answer)
}

/// Item 11: a partner's address and an unknown one run the same
/// statements and are answered alike; a network spends its own budget,
/// known addresses or not; and requests from other networks do not stop
/// the partner's own from bringing a link.
async fn a_sign_in_request_costs_the_same_for_anyone_and_nobody_spends_a_partners_links(
    app: TestApp,
) {
    let flo = app
        .create_partner(json!({ "name": "Flo", "email": "flo@example.com" }))
        .await;
    // Warm: the tenant's click key and the caches exist.
    post_from(
        &app,
        "203.0.113.200",
        SIGN_IN,
        json!({ "t": TENANT, "e": "x@example.com" }),
    )
    .await;
    let (known, answer_known) = statements_of(
        &app,
        ["203.0.113.1", "203.0.113.2", "203.0.113.3"],
        "flo@example.com",
    )
    .await;
    let (unknown, answer_unknown) = statements_of(
        &app,
        ["203.0.113.4", "203.0.113.5", "203.0.113.6"],
        "nobody@example.com",
    )
    .await;
    assert_eq!(
        answer_known,
        json!({ "data": { "requestPortalSignIn": true } })
    );
    assert_eq!(answer_known, answer_unknown);
    assert_eq!(
        known, unknown,
        "the same statements for a partner's address and an unknown one"
    );
    mail_sign_ins(&app).await;
    assert_eq!(emails_of(&app, "PORTAL_SIGN_IN").await, 3);

    // Unknown addresses spend the asking network's hour as known ones do.
    for n in 0..5 {
        post_from(
            &app,
            "198.51.100.50",
            SIGN_IN,
            json!({ "t": TENANT, "e": format!("no{n}@example.com") }),
        )
        .await;
    }
    post_from(
        &app,
        "198.51.100.50",
        SIGN_IN,
        json!({ "t": TENANT, "e": "flo@example.com" }),
    )
    .await;
    mail_sign_ins(&app).await;
    assert_eq!(
        emails_of(&app, "PORTAL_SIGN_IN").await,
        3,
        "the network's hour is spent"
    );

    // Flo signed in before from her own network.
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
    let (_, redeemed) = post_from(&app, "192.0.2.77", REDEEM, json!({ "code": code })).await;
    assert!(
        redeemed["data"]["redeemPortalLink"]["token"].is_string(),
        "{redeemed}"
    );

    // Four other networks ask for Flo's link over and over: each is sent
    // at most three, all of them together at most the address's hourly
    // budget (round 6), and Flo's own request still brings hers.
    for attacker in [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ] {
        for _ in 0..5 {
            post_from(
                &app,
                attacker,
                SIGN_IN,
                json!({ "t": TENANT, "e": "flo@example.com" }),
            )
            .await;
        }
    }
    mail_sign_ins(&app).await;
    let sent = emails_of(&app, "PORTAL_SIGN_IN").await;
    assert_eq!(sent, revshare::portal::SIGN_INS_PER_ADDRESS_PER_HOUR);
    post_from(
        &app,
        "192.0.2.77",
        SIGN_IN,
        json!({ "t": TENANT, "e": "flo@example.com" }),
    )
    .await;
    mail_sign_ins(&app).await;
    assert_eq!(
        emails_of(&app, "PORTAL_SIGN_IN").await,
        sent + 1,
        "Flo's own request is sent"
    );
    let to_flo = app
        .ok(
            &app.admin(),
            "query($p: ID!) { emails(partnerId: $p, kind: PORTAL_SIGN_IN) { totalCount nodes { to status } } }",
            json!({ "p": flo }),
        )
        .await;
    assert_eq!(to_flo["emails"]["totalCount"], sent + 1);
    assert_eq!(
        to_flo["emails"]["nodes"][sent as usize],
        json!({ "to": "flo@example.com", "status": "QUEUED" })
    );
}

/// A person of the staff signed in by a link, as `role`.
async fn staff_session(app: &TestApp, role: &str) -> String {
    crate::support::staff::staff_token(app, &format!("{}@acme.example", role.to_lowercase()), role)
        .await
}

/// A partner signed in to the portal by a link: its session's token.
async fn portal_session(app: &TestApp, partner: &str) -> String {
    let made = app
        .ok(
            &app.admin(),
            "mutation($p: ID!) { createPartnerPortalLink(partnerId: $p) { url } }",
            json!({ "p": partner }),
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
    let (_, body) = app.post(None, REDEEM, json!({ "code": code })).await;
    body["data"]["redeemPortalLink"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// Waits for the socket's close (skipping what else arrives) at most
/// `within`: its code and when it came.
async fn closed_within(ws: &mut Ws, within: Duration) -> Option<(u16, String)> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match ws.recv_within(left).await? {
            Received::Closed(code, reason) => return Some((code, reason)),
            Received::Message(_) => continue,
        }
    }
}

/// Item 9: a console session's and a portal session's sockets close
/// within a second of signing out, and an operation sent after the
/// sign-out runs nothing.
async fn signing_out_closes_the_sessions_sockets_within_a_second(app: TestApp) {
    let partner = app
        .create_partner(json!({ "name": "Flo", "email": "flo@example.com" }))
        .await;
    let cases = [
        (
            staff_session(&app, "ADMIN").await,
            "mutation { endStaffSession }",
        ),
        (
            portal_session(&app, &partner).await,
            "mutation { endPortalSession }",
        ),
    ];
    for (token, end) in cases {
        let mut ws = Ws::connect(app.addr, &token).await;
        ws.subscribe("q", "{ viewer { tenantId } }", json!({}))
            .await;
        assert_eq!(
            ws.next_data("q").await,
            json!({ "viewer": { "tenantId": TENANT } })
        );
        assert!(matches!(ws.recv().await, Received::Message(m) if m["type"] == "complete"));
        let signed_out = app.ok(&token, end, json!({})).await;
        assert_eq!(
            signed_out.as_object().unwrap().values().next(),
            Some(&json!(true))
        );
        let ended = Instant::now();
        // An operation after the sign-out runs nothing: it is refused, or
        // the socket has closed already.
        ws.subscribe(
            "m",
            "mutation { createCategory(input: { name: \"Late\" }) { id } }",
            json!({}),
        )
        .await;
        let mut refused = false;
        let closed = loop {
            match ws.recv_within(Duration::from_secs(1)).await {
                Some(Received::Message(m)) if m["type"] == "error" => {
                    assert_eq!(
                        m["payload"][0]["extensions"]["code"], "UNAUTHENTICATED",
                        "{m}"
                    );
                    refused = true;
                }
                Some(Received::Message(m)) => panic!("the operation ran: {m}"),
                Some(Received::Closed(code, reason)) => break Some((code, reason)),
                None => break None,
            }
        };
        let closed = match closed {
            Some(closed) => Some(closed),
            None => {
                closed_within(
                    &mut ws,
                    Duration::from_secs(1).saturating_sub(ended.elapsed()),
                )
                .await
            }
        };
        assert_eq!(
            closed,
            Some((4403, "the session has ended: sign in again".to_owned())),
            "closed within a second of signing out ({end}; refused first: {refused})"
        );
        assert!(
            ended.elapsed() < Duration::from_secs(1),
            "{:?}",
            ended.elapsed()
        );
        // A socket opened with the ended session's token closes at once.
        let mut late = Ws::open(app.addr, "/graphql").await;
        late.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        assert!(matches!(late.recv().await, Received::Closed(4403, _)));
    }
    let categories = app
        .ok(&app.admin(), "{ categories { totalCount } }", json!({}))
        .await;
    assert_eq!(
        categories["categories"]["totalCount"], 0,
        "nothing ran after the sign-out"
    );
}

const TERMS: &str = "query($c: ID) { viewer { partner { termsInForce(campaignId: $c) { campaign { name } rulesSource } } } }";

/// Item 12: `termsInForce` of an invite-only campaign answers a partner
/// outside it as an id naming nothing; its member and the staff read it.
async fn a_partner_reads_no_terms_of_an_invite_only_campaign_it_is_not_in(app: TestApp) {
    let vip = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "VIP", "visibility": "INVITE_ONLY", "rules": [{ "recurring": { "percentage": 30 } }] }),
    )
    .await;
    let invited = app
        .ok(
            &app.admin(),
            "mutation($input: InvitePartnerInput!) { invitePartner(input: $input) { partner { id } } }",
            json!({ "input": { "name": "Vi", "email": "vi@example.com", "campaignId": vip } }),
        )
        .await["invitePartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outsider = app.create_partner(json!({ "name": "Al" })).await;
    let nothing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let own = app
        .ok(&app.partner_token(&outsider), TERMS, json!({ "c": vip }))
        .await;
    let unknown = app
        .ok(
            &app.partner_token(&outsider),
            TERMS,
            json!({ "c": nothing }),
        )
        .await;
    assert_eq!(
        own,
        json!({ "viewer": { "partner": { "termsInForce": null } } })
    );
    assert_eq!(own, unknown);
    let member = app
        .ok(&app.partner_token(&invited), TERMS, json!({ "c": vip }))
        .await;
    assert_eq!(
        member["viewer"]["partner"]["termsInForce"]["campaign"]["name"],
        "VIP"
    );
    // The default campaign stays every partner's.
    let default = app
        .ok(&app.partner_token(&outsider), TERMS, json!({}))
        .await;
    assert!(default["viewer"]["partner"]["termsInForce"]["rulesSource"].is_string());
    let staff = app
        .ok(
            &app.admin(),
            "query($p: ID!, $c: ID) { partner(id: $p) { termsInForce(campaignId: $c) { campaign { name } } } }",
            json!({ "p": outsider, "c": vip }),
        )
        .await;
    assert_eq!(staff["partner"]["termsInForce"]["campaign"]["name"], "VIP");
}

/// Item 12: an `events:write` key reads what its calls answered, never an
/// event by id — `node(id:)` and `nodes(ids:)` answer as for an id naming
/// nothing; `deals:read` reads no sale's; `commissions:read` reads it.
async fn an_events_write_key_reads_no_event_by_id(app: TestApp) {
    let partner = crate::support::partners::partner_at(&app, "Ed", 10).await;
    let recorded =
        "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }";
    let event = app
        .ok(
            &app.service("events:write"),
            recorded,
            json!({ "input": crate::support::sales::sale_input(&partner, "e-1", "10") }),
        )
        .await["recordEvent"]["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nothing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let query =
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Event { id amount } } }";
    let key = app.service("events:write");
    let read = app
        .ok(&key, query, json!({ "ids": [event, nothing] }))
        .await;
    assert_eq!(read, json!({ "nodes": [null, null] }));
    let one = "query($id: ID!) { node(id: $id) { __typename } }";
    assert_eq!(
        app.ok(&key, one, json!({ "id": event })).await,
        json!({ "node": null })
    );
    // `deals:read` reads a deal's events alone: not a sale's.
    let deals = app.service("deals:read");
    let read = app.ok(&deals, query, json!({ "ids": [event] })).await;
    assert_eq!(read, json!({ "nodes": [null] }));
    let reader = app.service("commissions:read");
    let read = app.ok(&reader, query, json!({ "ids": [event] })).await;
    assert_eq!(
        read,
        json!({ "nodes": [{ "__typename": "Event", "id": event, "amount": "10.00" }] })
    );
}

/// Item 12: a payout's statement to a token that may not read statements
/// is `404` with the body an unknown id gets.
async fn a_statement_a_token_may_not_read_is_not_found_as_an_unknown_one(app: TestApp) {
    let partner = crate::support::partners::partner_at(&app, "Pia", 10).await;
    let mut sale = crate::support::sales::sale_input(&partner, "p-1", "100");
    sale["occurredAt"] = json!("2026-01-10T12:00:00Z");
    let commission = crate::support::sales::commission_id(&app, sale).await;
    crate::support::payouts::approve(&app, &[&commission]).await;
    crate::support::payouts::paypal(&app, &partner, "pia@example.com").await;
    crate::support::payouts::run(&app, json!({ "periodEnd": "2026-01-31" })).await;
    let payout = app
        .ok(&app.admin(), "{ payouts { nodes { id } } }", json!({}))
        .await["payouts"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |id: String, token: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/statements/{id}.pdf")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    assert_eq!(get(payout.clone(), app.admin()).await.0, 200);
    for scope in ["partners:read", "events:write"] {
        let existing = get(payout.clone(), app.service(scope)).await;
        let unknown = get("01ARZ3NDEKTSV4RRFFQ69G5FAV".into(), app.service(scope)).await;
        assert_eq!(existing.0, 404, "{scope}: {}", existing.1);
        assert_eq!(existing, unknown, "{scope}");
    }
}

/// A PayPal that answers tokens and verifications, counting them: it
/// verifies nothing.
#[derive(Default)]
struct Paypal {
    tokens: usize,
    verifications: usize,
}

async fn serve_paypal() -> (String, Arc<Mutex<Paypal>>) {
    use axum::extract::State;
    let state = Arc::new(Mutex::new(Paypal::default()));
    let app = axum::Router::new()
        .route(
            "/v1/oauth2/token",
            axum::routing::post(|State(s): State<Arc<Mutex<Paypal>>>| async move {
                s.lock().unwrap().tokens += 1;
                axum::Json(json!({ "access_token": "A21-token", "token_type": "Bearer", "expires_in": 32400 }))
            }),
        )
        .route(
            "/v1/notifications/verify-webhook-signature",
            axum::routing::post(|State(s): State<Arc<Mutex<Paypal>>>| async move {
                s.lock().unwrap().verifications += 1;
                axum::Json(json!({ "verification_status": "FAILURE" }))
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (base, state)
}

/// A forged PayPal webhook post to `tenant`'s URL from `client`.
async fn forged(app: &TestApp, tenant: &str, client: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/payouts/paypal/{tenant}")))
        .header("x-forwarded-for", client)
        .header("paypal-auth-algo", "SHA256withRSA")
        .header(
            "paypal-cert-url",
            "https://api.paypal.com/v1/notifications/certs/CERT-1",
        )
        .header("paypal-transmission-id", "t-1")
        .header("paypal-transmission-sig", "forged")
        .header("paypal-transmission-time", "2026-11-25T10:00:00Z")
        .header("content-type", "application/json")
        .body(r#"{"id":"WH-1","event_type":"PAYMENT.PAYOUTS-ITEM.SUCCEEDED","resource":{}}"#)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Item 12: anonymous PayPal webhook posts share one kept token; past
/// ten unverified a minute from one address none is verified with PayPal;
/// a tenant without the rail answers exactly as one with it.
async fn paypal_posts_share_a_kept_token_are_limited_and_answer_alike_without_a_rail(app: TestApp) {
    let (base, paypal) = serve_paypal().await;
    app.ok(
        &app.admin(),
        "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { rail } }",
        json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "clientId": "client-1", "clientSecret": "secret-1", "webhookId": "WH-ID" } } }),
    )
    .await;
    let refused = json!({ "data": null, "errors": [{ "message": "PayPal did not verify the signature",
        "extensions": { "code": "BAD_SIGNATURE" } }] });
    for _ in 0..12 {
        let answer = forged(&app, TENANT, "203.0.113.9").await;
        assert_eq!(answer, (400, refused.clone()));
    }
    {
        let paypal = paypal.lock().unwrap();
        assert_eq!(paypal.tokens, 1, "one token, kept");
        assert_eq!(paypal.verifications, 10, "ten a minute from one address");
    }
    // Another address is asked about; a tenant without the rail answers
    // the same, and asks PayPal nothing.
    assert_eq!(
        forged(&app, TENANT, "203.0.113.10").await,
        (400, refused.clone())
    );
    assert_eq!(
        forged(&app, OTHER_TENANT, "203.0.113.11").await,
        (400, refused)
    );
    let paypal = paypal.lock().unwrap();
    assert_eq!((paypal.tokens, paypal.verifications), (1, 11));
}

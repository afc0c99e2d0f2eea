//! E-mail and applications (SPEC §20), against a real SMTP server
//! (`tests/tools/smtp.py`, Python's aiosmtpd) whose messages are read back
//! as a mail client reads them (`tests/tools/mail.py`, Python's `email`
//! package) and whose DKIM signatures are verified with dkimpy.

use crate::helpers::{Backend, TENANT, TestApp, code, field};
use crate::support::partners::partner_at;
use crate::support::sales::sale_input;
use crate::support::smtp::{PUBLIC, SmtpServer, run_tool, settings, spawn};
use revshare::mail::settings::{Dkim, Settings};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use crate::with_smtp;

with_smtp!(
    a_stranger_applies_confirms_is_approved_and_signs_in,
    a_rejection_is_emailed_with_its_reason_and_decisions_are_checked,
    anonymous_applications_past_a_limit_or_from_a_bot_store_nothing,
    an_address_already_known_is_told_so_by_email,
    a_partner_not_active_is_told_so_and_no_application_opens,
    a_partner_signs_in_by_email,
    commissions_and_payouts_are_emailed_as_the_partner_wants,
    temporary_refusals_are_retried_and_permanent_ones_fail_and_suppress,
    a_daily_digest_is_written_once_when_the_day_has_ended,
    an_auto_approving_campaign_approves_at_confirmation_and_stale_ones_are_deleted,
    an_attempt_interrupted_after_it_was_handed_over_is_sent_again_with_its_message_id,
    commission_emails_are_written_once_however_many_replicas_read_the_log,
    an_applicant_sent_by_a_partner_is_its_recruit_once_approved,
    a_partner_applying_again_through_its_own_code_recruits_no_one,
    an_approval_workflow_acts_once_on_each_partner_approved,
);

const SUBMIT: &str = "mutation($input: SubmitPartnerApplicationInput!) { submitPartnerApplication(input: $input) { accepted } }";
const CONFIRM: &str = "mutation($token: String!) { confirmPartnerApplication(token: $token) { id name email status confirmedAt answers { question answer } campaign { id } partner { id } } }";
const DECIDE: &str = "mutation($input: DecidePartnerApplicationInput!) { decidePartnerApplication(input: $input) { id status reason decidedAt partner { id name email type } } }";
const APPLICATIONS: &str = "query($status: ApplicationStatus) { partnerApplications(status: $status) { totalCount edges { node { id name email website country status answers { question answer } campaign { name } } } } }";
const EMAILS: &str = "{ emails { totalCount edges { node { id to kind subject status attempts lastError partner { id } sentAt text } } } }";

/// Names the program and its support address; a public campaign with a
/// question. Answers the campaign's id.
async fn program(app: &TestApp) -> String {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { programName: \"Acme <Partners>\", supportEmail: \"team@acme.test\", brandColor: \"#112233\" }) { programName } }",
        json!({}),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id applicationQuestions autoApproveApplications } }",
        json!({ "input": {
            "name": "Spring & Co",
            "visibility": "PUBLIC",
            "rules": [{ "recurring": { "percentage": 20 } }],
            "applicationQuestions": ["Where will you promote us?"],
        } }),
    )
    .await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn form(_app: &TestApp, campaign: &str, name: &str, email: &str) -> Value {
    json!({
        "tenantId": TENANT,
        "campaignId": campaign,
        "name": name,
        "email": email,
        "website": "https://blog.example",
        "country": "de",
        "answers": [{ "question": "Where will you promote us?", "answer": "My <b>blog</b>" }],
    })
}

/// Records a sale, then has the commission e-mails written up to the end
/// of the log (as the background task does a moment later): whatever
/// the sale earns is in the outbox when this returns.
async fn record(app: &TestApp, input: Value) -> Value {
    let recorded = crate::support::sales::record(app, input).await;
    // `true` while another pass holds the cursor, or an event is not final.
    while revshare::mail::earned::pass(&app.db).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    recorded
}

async fn submit(app: &TestApp, input: Value) -> Value {
    let (status, body) = app.post(None, SUBMIT, json!({ "input": input })).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn emails(app: &TestApp) -> Vec<Value> {
    let found = app.ok(&app.admin(), EMAILS, json!({})).await;
    found["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The e-mails, once every one has left `QUEUED` (up to 20 s).
async fn settled(app: &TestApp) -> Vec<Value> {
    for _ in 0..400 {
        let all = emails(app).await;
        if all.iter().all(|e| e["status"] != "QUEUED") {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("e-mails still queued: {:?}", emails(app).await);
}

/// Every portal sign-in request handled, each once whoever handles it
/// (the job, or this): the e-mails they write are in the outbox.
async fn sign_ins_handled(app: &TestApp) {
    revshare::portal::mail_requests(&app.db, &app.keys)
        .await
        .unwrap();
}

/// What follows `marker` in `url`.
/// What follows `marker` in `url`, to the next parameter (`&tenant=…`).
fn after<'a>(url: &'a str, marker: &str) -> &'a str {
    let rest = url
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker} in {url}"))
        .1;
    rest.split('&').next().unwrap_or_default()
}

async fn a_stranger_applies_confirms_is_approved_and_signs_in(app: TestApp, smtp: SmtpServer) {
    let campaign = program(&app).await;
    let tenant = TENANT;
    let answer = submit(
        &app,
        form(&app, &campaign, "Ann O'Neil <ann>", "Ann@Example.com"),
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": { "submitPartnerApplication": { "accepted": true } } })
    );

    // The confirmation: from the program, to the applicant, both parts.
    let received = smtp.wait_for(1).await;
    let (file, confirm) = &received[0];
    assert_eq!(confirm["from"], "\"Acme <Partners>\" <partners@acme.test>");
    assert_eq!(confirm["to"], "Ann@Example.com");
    assert_eq!(
        confirm["subject"],
        "Confirm your application to Acme <Partners>"
    );
    assert_eq!(confirm["content_type"], "multipart/alternative");
    let types: Vec<&str> = confirm["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    assert!(
        confirm["headers"]["List-Unsubscribe"].is_null(),
        "not a notification"
    );
    assert_eq!(confirm["headers"]["Reply-To"], "team@acme.test");
    let html = confirm["html"].as_str().unwrap();
    assert!(html.contains("Hello Ann O&#39;Neil &lt;ann&gt;,"), "{html}");
    assert!(html.contains("Acme &lt;Partners&gt;"));
    assert!(html.contains("background:#112233"));
    assert!(!html.contains("<ann>"));
    assert!(
        confirm["text"]
            .as_str()
            .unwrap()
            .starts_with("Hello Ann O'Neil <ann>,\n")
    );
    let links = confirm["links"].as_array().unwrap();
    let link = links[0].as_str().unwrap();
    assert!(
        link.starts_with(&format!(
            "{PUBLIC}/join/{tenant}/{campaign}?lang=en#confirm="
        )),
        "{link}"
    );
    assert_eq!(confirm["text_links"][0], link);
    let envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(file.with_extension("json")).unwrap())
            .unwrap();
    assert_eq!(envelope["mail_from"], "partners@acme.test");
    assert_eq!(envelope["rcpt_tos"], json!(["Ann@Example.com"]));

    // Nothing is pending until the address is confirmed.
    let staff = app.admin();
    let unconfirmed = app
        .ok(&staff, APPLICATIONS, json!({ "status": "UNCONFIRMED" }))
        .await;
    assert_eq!(unconfirmed["partnerApplications"]["totalCount"], 1);
    let pending = app
        .ok(&staff, APPLICATIONS, json!({ "status": "PENDING" }))
        .await;
    assert_eq!(pending["partnerApplications"]["totalCount"], 0);

    // The link confirms, once; the applicant reads its own application.
    let token = after(link, "#confirm=");
    let (_, confirmed) = app.post(None, CONFIRM, json!({ "token": token })).await;
    let confirmed = &confirmed["data"]["confirmPartnerApplication"];
    assert_eq!(confirmed["status"], "PENDING");
    assert_eq!(confirmed["name"], "Ann O'Neil <ann>");
    assert_eq!(confirmed["email"], "Ann@Example.com");
    assert_eq!(
        confirmed["answers"],
        json!([{ "question": "Where will you promote us?", "answer": "My <b>blog</b>" }])
    );
    assert_eq!(
        confirmed["campaign"],
        Value::Null,
        "an applicant reads its own fields alone"
    );
    let id = confirmed["id"].as_str().unwrap().to_owned();
    let again = app.post(None, CONFIRM, json!({ "token": token })).await.1;
    assert_eq!(
        again["data"]["confirmPartnerApplication"]["status"],
        "PENDING"
    );
    let bad = app
        .error(None, CONFIRM, json!({ "token": "not-a-code" }))
        .await;
    assert_eq!(code(&bad), "NOT_FOUND");

    // The staff hear of it at the support address.
    let received = smtp.wait_for(2).await;
    let staff_mail = &received[1].1;
    assert_eq!(staff_mail["to"], "team@acme.test");
    assert_eq!(
        staff_mail["subject"],
        "New application to Spring & Co: Ann O'Neil <ann>"
    );
    let text = staff_mail["text"].as_str().unwrap();
    assert!(text.contains("E-mail: Ann@Example.com\n"), "{text}");
    assert!(text.contains("Country: DE\n"));
    assert!(text.contains("Where will you promote us?: My <b>blog</b>\n"));
    assert!(
        staff_mail["html"]
            .as_str()
            .unwrap()
            .contains("My &lt;b&gt;blog&lt;/b&gt;")
    );

    let listed = app
        .ok(&staff, APPLICATIONS, json!({ "status": "PENDING" }))
        .await;
    assert_eq!(
        listed["partnerApplications"]["edges"][0]["node"],
        json!({
            "id": id, "name": "Ann O'Neil <ann>", "email": "Ann@Example.com",
            "website": "https://blog.example", "country": "DE", "status": "PENDING",
            "answers": [{ "question": "Where will you promote us?", "answer": "My <b>blog</b>" }],
            "campaign": { "name": "Spring & Co" },
        })
    );

    // Approved: a REFERRAL partner, enrolled, e-mailed a way in.
    let decided = app
        .ok(
            &staff,
            DECIDE,
            json!({ "input": { "id": id, "approve": true } }),
        )
        .await["decidePartnerApplication"]
        .clone();
    assert_eq!(decided["status"], "APPROVED");
    let partner = decided["partner"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        decided["partner"],
        json!({ "id": partner, "name": "Ann O'Neil <ann>", "email": "Ann@Example.com", "type": "REFERRAL" })
    );
    let enrolled = app
        .ok(
            &app.partner_token(&partner),
            "{ viewer { partner { enrollments { campaign { id } snapshot { source rules { type ... on RecurringRule { percentage } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        enrolled["viewer"]["partner"]["enrollments"],
        json!([{ "campaign": { "id": campaign }, "snapshot": { "source": "APPROVAL", "rules": [{ "type": "RECURRING", "percentage": "20" }] } }])
    );
    let received = smtp.wait_for(3).await;
    let welcome = &received[2].1;
    assert_eq!(welcome["subject"], "Welcome to Acme <Partners>");
    assert_eq!(welcome["to"], "Ann@Example.com");
    let portal = welcome["links"][0].as_str().unwrap();
    assert!(
        portal.starts_with(&format!("{PUBLIC}/portal/#code=")),
        "{portal}"
    );
    assert!(
        welcome["text"]
            .as_str()
            .unwrap()
            .contains("within 60 minutes")
    );

    // The link signs the new partner in.
    let (_, redeemed) = app
        .post(
            None,
            "mutation($code: String!) { redeemPortalLink(code: $code) { partnerId partnerName } }",
            json!({ "code": after(portal, "#code=") }),
        )
        .await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"],
        json!({ "partnerId": partner, "partnerName": "Ann O'Neil <ann>" })
    );

    // Every e-mail is in the outbox, sent once, with a stable id.
    let all = settled(&app).await;
    let kinds: Vec<(&str, &str, i64)> = all
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("APPLICATION_CONFIRM", "SENT", 1),
            ("STAFF_NEW_APPLICATION", "SENT", 1),
            ("APPLICATION_APPROVED", "SENT", 1)
        ]
    );
    assert_eq!(all[2]["partner"]["id"], partner.as_str());
    let first_id = all[0]["id"].as_str().unwrap().to_lowercase();
    assert_eq!(
        received[0].1["message_id"],
        format!("<{first_id}@acme.test>")
    );
    // The events staff hear.
    let events = app
        .ok(
            &staff,
            "{ domainEvents(types: [PARTNER_APPLIED, PARTNER_APPLICATION_DECIDED]) { edges { node { type subjectId data } } } }",
            json!({}),
        )
        .await;
    let events = events["domainEvents"]["edges"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["node"]["type"], "PARTNER_APPLIED");
    assert_eq!(events[1]["node"]["data"]["status"], "APPROVED");
    assert_eq!(events[1]["node"]["data"]["partnerId"], partner.as_str());
    // A partner reads neither applications nor e-mails.
    let own = app.partner_token(&partner);
    assert_eq!(
        code(&app.error(Some(&own), APPLICATIONS, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.error(Some(&own), EMAILS, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &app.error(Some(&app.service("partners:read")), EMAILS, json!({}))
                .await
        ),
        "FORBIDDEN",
        "e-mails are the admins'"
    );
}

async fn a_rejection_is_emailed_with_its_reason_and_decisions_are_checked(
    app: TestApp,
    smtp: SmtpServer,
) {
    let campaign = program(&app).await;
    submit(&app, form(&app, &campaign, "Bo", "bo@example.com")).await;
    let link = smtp.wait_for(1).await[0].1["links"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let staff = app.admin();
    let id = app.ok(&staff, APPLICATIONS, json!({})).await["partnerApplications"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not confirmed yet: not decided.
    let early = app
        .error(
            Some(&staff),
            DECIDE,
            json!({ "input": { "id": id, "approve": true } }),
        )
        .await;
    assert_eq!(code(&early), "CONFLICT");
    app.post(None, CONFIRM, json!({ "token": after(&link, "#confirm=") }))
        .await;
    // Only staff with partners:write decide; a long reason names its field.
    let reader = app.service("partners:read");
    let refused = app
        .error(
            Some(&reader),
            DECIDE,
            json!({ "input": { "id": id, "approve": false } }),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let long = app
        .error(
            Some(&staff),
            DECIDE,
            json!({ "input": { "id": id, "approve": false, "reason": "x".repeat(1001) } }),
        )
        .await;
    assert_eq!(
        (code(&long), field(&long)),
        ("BAD_USER_INPUT", "input.reason")
    );
    let unknown_group = app
        .error(
            Some(&staff),
            DECIDE,
            json!({ "input": { "id": id, "approve": true, "groupId": "01J00000000000000000000000" } }),
        )
        .await;
    assert_eq!(
        (code(&unknown_group), field(&unknown_group)),
        ("BAD_USER_INPUT", "input.groupId")
    );
    assert_eq!(
        app.ok(&staff, "{ partners { totalCount } }", json!({}))
            .await["partners"]["totalCount"],
        0,
        "a refused approval made no partner"
    );

    let rejected = app
        .ok(
            &staff,
            DECIDE,
            json!({ "input": { "id": id, "approve": false, "reason": "We look for <newsletters> & blogs" } }),
        )
        .await["decidePartnerApplication"]
        .clone();
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["reason"], "We look for <newsletters> & blogs");
    assert_eq!(rejected["partner"], Value::Null);
    let again = app
        .error(
            Some(&staff),
            DECIDE,
            json!({ "input": { "id": id, "approve": true } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");

    let received = smtp.wait_for(3).await;
    let rejection = &received[2].1;
    assert_eq!(rejection["subject"], "Your application to Acme <Partners>");
    assert_eq!(rejection["to"], "bo@example.com");
    assert!(
        rejection["text"]
            .as_str()
            .unwrap()
            .contains("Reason: We look for <newsletters> & blogs\n")
    );
    assert!(
        rejection["html"]
            .as_str()
            .unwrap()
            .contains("We look for &lt;newsletters&gt; &amp; blogs")
    );
}

async fn application_rows(app: &TestApp) -> u64 {
    app.ok(
        &app.admin(),
        "{ partnerApplications { totalCount } }",
        json!({}),
    )
    .await["partnerApplications"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn anonymous_applications_past_a_limit_or_from_a_bot_store_nothing(
    app: TestApp,
    smtp: SmtpServer,
) {
    let campaign = program(&app).await;
    let accepted = json!({ "data": { "submitPartnerApplication": { "accepted": true } } });

    // A bot fills the hidden field: the same answer, nothing stored or sent.
    let mut bot = form(&app, &campaign, "Bot", "bot@example.com");
    bot["website2"] = json!("http://spam.example");
    assert_eq!(submit(&app, bot).await, accepted);
    // Nothing to apply to: an unknown tenant, an invite-only campaign, an
    // unknown one — the same answer.
    let mut elsewhere = form(&app, &campaign, "Eve", "eve@example.com");
    elsewhere["tenantId"] = json!("no-such-tenant");
    assert_eq!(submit(&app, elsewhere).await, accepted);
    let default_campaign = app
        .ok(
            &app.admin(),
            "{ campaigns { edges { node { id isDefault } } } }",
            json!({}),
        )
        .await["campaigns"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["isDefault"] == true)
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        submit(
            &app,
            form(&app, &default_campaign, "Eve", "eve@example.com")
        )
        .await,
        accepted
    );
    assert_eq!(application_rows(&app).await, 0);
    assert!(emails(&app).await.is_empty());

    // Bounded strings, each error naming its field; nothing stored.
    let cases = [
        ("name", json!("n".repeat(201)), "input.name"),
        ("email", json!("not an address"), "input.email"),
        ("website", json!("w".repeat(501)), "input.website"),
        ("country", json!("Germany"), "input.country"),
    ];
    for (key, value, named) in cases {
        let mut bad = form(&app, &campaign, "Al", "al@example.com");
        bad[key] = value;
        let error = app.error(None, SUBMIT, json!({ "input": bad })).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", named),
            "{key}"
        );
    }
    let mut long_answer = form(&app, &campaign, "Al", "al@example.com");
    long_answer["answers"][0]["answer"] = json!("a".repeat(501));
    let error = app
        .error(None, SUBMIT, json!({ "input": long_answer }))
        .await;
    assert_eq!(field(&error), "input.answers[0].answer");
    let mut stranger = form(&app, &campaign, "Al", "al@example.com");
    stranger["answers"][0]["question"] = json!("Not asked?");
    let error = app.error(None, SUBMIT, json!({ "input": stranger })).await;
    assert_eq!(field(&error), "input.answers[0].question");
    let mut many = form(&app, &campaign, "Al", "al@example.com");
    many["answers"] = json!(vec![json!({ "question": "q", "answer": "a" }); 11]);
    let error = app.error(None, SUBMIT, json!({ "input": many })).await;
    assert_eq!(field(&error), "input.answers");
    assert_eq!(application_rows(&app).await, 0);

    // Five an hour from one address (every test client is 127.0.0.1);
    // the sixth is answered alike and stores nothing.
    for n in 0..5 {
        let email = format!("p{n}@example.com");
        assert_eq!(
            submit(&app, form(&app, &campaign, "P", &email)).await,
            accepted
        );
    }
    assert_eq!(application_rows(&app).await, 5);
    assert_eq!(
        submit(&app, form(&app, &campaign, "P", "p5@example.com")).await,
        accepted
    );
    assert_eq!(application_rows(&app).await, 5);
    smtp.wait_for(5).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 5, "nothing sent past the limit");
    assert_eq!(emails(&app).await.len(), 5);
}

async fn an_address_already_known_is_told_so_by_email(app: TestApp, smtp: SmtpServer) {
    let campaign = program(&app).await;
    let partner = app
        .create_partner(json!({ "name": "Cy", "email": "cy@example.com" }))
        .await;
    // A partner's address: a sign-in link instead, nothing stored.
    submit(&app, form(&app, &campaign, "Cy again", "CY@example.com")).await;
    let known = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(
        known["subject"],
        "You are already a Acme <Partners> partner"
    );
    let link = known["links"][0].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{PUBLIC}/portal/#code=")),
        "{link}"
    );
    let (_, redeemed) = app
        .post(
            None,
            "mutation($code: String!) { redeemPortalLink(code: $code) { partnerId } }",
            json!({ "code": after(link, "#code=") }),
        )
        .await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"]["partnerId"],
        partner.as_str()
    );
    assert_eq!(application_rows(&app).await, 0);

    // An open application: told so, nothing stored; three a day to one
    // address, then nothing is sent.
    submit(&app, form(&app, &campaign, "Di", "di@example.com")).await;
    submit(&app, form(&app, &campaign, "Di", "Di@Example.com")).await;
    let received = smtp.wait_for(3).await;
    assert_eq!(
        received[2].1["subject"],
        "Your application to Acme <Partners>"
    );
    assert!(
        received[2].1["text"]
            .as_str()
            .unwrap()
            .contains("The one you sent before is still open")
    );
    assert_eq!(
        received[2].1["links"],
        json!(["mailto:team@acme.test"]),
        "no way in: only the support address"
    );
    assert_eq!(application_rows(&app).await, 1);
    submit(&app, form(&app, &campaign, "Di", "di@example.com")).await;
    smtp.wait_for(4).await;
    submit(&app, form(&app, &campaign, "Di", "di@example.com")).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 4, "three a day to one address");
    assert_eq!(application_rows(&app).await, 1);
}

/// A suspended or archived partner's address: told the partnership is not
/// active, with no way in and no application opened.
async fn a_partner_not_active_is_told_so_and_no_application_opens(app: TestApp, smtp: SmtpServer) {
    let campaign = program(&app).await;
    app.create_partner(json!({ "name": "Ed", "email": "ed@example.com", "status": "SUSPENDED" }))
        .await;
    submit(&app, form(&app, &campaign, "Ed", "ed@example.com")).await;
    let paused = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(paused["subject"], "Your application to Acme <Partners>");
    assert!(
        paused["text"]
            .as_str()
            .unwrap()
            .contains("that partnership is not active at the moment"),
        "{paused}"
    );
    assert_eq!(paused["links"], json!(["mailto:team@acme.test"]));
    assert_eq!(application_rows(&app).await, 0);
}

const SIGN_IN: &str =
    "mutation($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }";

async fn a_partner_signs_in_by_email(app: TestApp, smtp: SmtpServer) {
    program(&app).await;
    let partner = app
        .create_partner(json!({ "name": "Flo", "email": "flo@example.com" }))
        .await;
    let tenant = TENANT;
    let yes = json!({ "data": { "requestPortalSignIn": true } });
    // Unknown addresses and tenants: the same answer, nothing sent.
    for (t, e) in [
        (tenant, "nobody@example.com"),
        ("no-such-tenant", "flo@example.com"),
    ] {
        let (_, body) = app.post(None, SIGN_IN, json!({ "t": t, "e": e })).await;
        assert_eq!(body, yes);
    }
    let (_, body) = app
        .post(
            None,
            SIGN_IN,
            json!({ "t": tenant, "e": " Flo@Example.com " }),
        )
        .await;
    assert_eq!(body, yes);
    let mail = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(smtp.count(), 1);
    assert_eq!(mail["to"], "flo@example.com");
    assert_eq!(mail["subject"], "Sign in to Acme <Partners>");
    assert!(mail["text"].as_str().unwrap().contains("within 15 minutes"));
    let link = mail["links"][0].as_str().unwrap();
    let code_of = after(link, "#code=");
    let redeem = "mutation($code: String!) { redeemPortalLink(code: $code) { partnerId } }";
    let (_, redeemed) = app.post(None, redeem, json!({ "code": code_of })).await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"]["partnerId"],
        partner.as_str()
    );
    let spent = app.error(None, redeem, json!({ "code": code_of })).await;
    assert_eq!(code(&spent), "CONFLICT", "a link signs in once");
    // A malformed address is named; three links a day to one address.
    let bad = app
        .error(None, SIGN_IN, json!({ "t": tenant, "e": "not-an-address" }))
        .await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "email"));
    for _ in 0..3 {
        app.post(
            None,
            SIGN_IN,
            json!({ "t": tenant, "e": "flo@example.com" }),
        )
        .await;
    }
    smtp.wait_for(3).await;
    sign_ins_handled(&app).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 3);
    // An archived partner is sent nothing (asked from a network of its
    // own: 127.0.0.1 has asked five times this hour).
    let archived = app
        .create_partner(json!({ "name": "Gus", "email": "gus@example.com" }))
        .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { status: ARCHIVED }) { status } }",
        json!({ "id": archived }),
    )
    .await;
    let asked = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({ "query": SIGN_IN, "variables": { "t": tenant, "e": "gus@example.com" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    sign_ins_handled(&app).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 3);
}

const PREFERENCES: &str = "mutation($input: UpdateEmailPreferencesInput!) { updateEmailPreferences(input: $input) { commissionEarned payoutSent suppressed } }";

async fn commissions_and_payouts_are_emailed_as_the_partner_wants(app: TestApp, smtp: SmtpServer) {
    program(&app).await;
    let partner = partner_at(&app, "Hal", 10).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"hal@example.com\" }) { email } }",
        json!({ "id": partner }),
    )
    .await;
    let silent = partner_at(&app, "Ida", 10).await; // no address: no e-mail
    let own = app.partner_token(&partner);
    let read =
        "{ viewer { partner { emailPreferences { commissionEarned payoutSent suppressed } } } }";
    assert_eq!(
        app.ok(&own, read, json!({})).await["viewer"]["partner"]["emailPreferences"],
        json!({ "commissionEarned": "IMMEDIATE", "payoutSent": true, "suppressed": false })
    );

    let sale = record(&app, sale_input(&partner, "s-1", "123.45")).await;
    record(&app, sale_input(&silent, "s-2", "50.00")).await;
    let earned = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(earned["subject"], "You earned $12.35");
    assert_eq!(earned["to"], "hal@example.com");
    let text = earned["text"].as_str().unwrap();
    assert!(text.starts_with("Hello Hal,\n"), "{text}");
    assert!(
        text.contains("Commission: $12.35\nCampaign: Default campaign\n"),
        "{text}"
    );
    // A notification: one-click unsubscribe, in the header and the footer.
    let unsubscribe = earned["headers"]["List-Unsubscribe"].as_str().unwrap();
    assert_eq!(
        earned["headers"]["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    assert!(
        url.starts_with(&format!("{PUBLIC}/mail/unsubscribe/")),
        "{url}"
    );
    assert!(text.contains(&format!("Stop these e-mails: {url}\n")));
    settled(&app).await;
    assert_eq!(
        smtp.count(),
        1,
        "a partner without an address is not written to"
    );

    // A link scanner's GET changes nothing; the one-click POST does.
    let path = after(url, PUBLIC);
    let page = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<form method=\"post\">")
    );
    assert_eq!(
        app.ok(&own, read, json!({})).await["viewer"]["partner"]["emailPreferences"]["commissionEarned"],
        "IMMEDIATE"
    );
    let posted = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let unknown = app
        .client
        .post(app.url("/mail/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        app.ok(&own, read, json!({})).await["viewer"]["partner"]["emailPreferences"],
        json!({ "commissionEarned": "OFF", "payoutSent": true, "suppressed": false })
    );
    record(&app, sale_input(&partner, "s-3", "10.00")).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 1, "turned off: no e-mail");

    // The partner turns it on again itself; staff need partners:write.
    let on = app
        .ok(
            &own,
            PREFERENCES,
            json!({ "input": { "commissionEarned": "IMMEDIATE" } }),
        )
        .await;
    assert_eq!(
        on["updateEmailPreferences"]["commissionEarned"],
        "IMMEDIATE"
    );
    let other = app
        .error(
            Some(&own),
            PREFERENCES,
            json!({ "input": { "partnerId": silent, "payoutSent": false } }),
        )
        .await;
    assert_eq!(
        (code(&other), field(&other)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
    let reader = app
        .error(
            Some(&app.service("partners:read")),
            PREFERENCES,
            json!({ "input": { "partnerId": partner, "payoutSent": true } }),
        )
        .await;
    assert_eq!(code(&reader), "FORBIDDEN");

    // Paid by hand: the partner hears of it, its method masked.
    let ids: Vec<Value> = app
        .ok(
            &app.admin(),
            "{ commissions(status: ACCRUED) { edges { node { id partner { id } } } } }",
            json!({}),
        )
        .await["commissions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["partner"]["id"] == partner.as_str())
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 2);
    let _ = sale;
    let writer = app.service("commissions:write");
    app.ok(
        &writer,
        "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }",
        json!({ "ids": ids }),
    )
    .await;
    let paid = app
        .ok(
            &writer,
            "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"june\" }) { id statementNumber } }",
            json!({ "ids": ids }),
        )
        .await["markCommissionsPaid"][0]
        .clone();
    let payout = smtp.wait_for(2).await[1].1.clone();
    assert_eq!(payout["subject"], "Acme <Partners> paid you $13.35");
    let text = payout["text"].as_str().unwrap();
    assert!(text.contains("Amount: $13.35\n"), "{text}");
    assert!(
        text.contains(&format!(
            "Statement: {}\n",
            paid["statementNumber"].as_str().unwrap()
        )),
        "{text}"
    );
    // The payout's page, naming the tenant, the language and the address.
    let statement = format!(
        "{PUBLIC}/portal/#/payouts/{}?tenant={TENANT}&lang=en&email=hal%40example.com",
        paid["id"].as_str().unwrap()
    );
    assert!(
        payout["links"]
            .as_array()
            .unwrap()
            .contains(&json!(statement))
    );
    assert!(payout["headers"]["List-Unsubscribe"].is_string());
}

async fn temporary_refusals_are_retried_and_permanent_ones_fail_and_suppress(
    app: TestApp,
    smtp: SmtpServer,
) {
    program(&app).await;
    let flaky = app
        .create_partner(json!({ "name": "Flaky", "email": "flaky@example.com" }))
        .await;
    let bounce = app
        .create_partner(json!({ "name": "Bounce", "email": "bounce@example.com" }))
        .await;
    let tenant = TENANT;
    app.create_partner(json!({ "name": "T", "email": "tempfail@example.com" }))
        .await;
    for email in [
        "flaky@example.com",
        "bounce@example.com",
        "tempfail@example.com",
    ] {
        app.post(None, SIGN_IN, json!({ "t": tenant, "e": email }))
            .await;
    }
    // Flaky: refused for now (451), sent on the retry a second later.
    // Bounce: refused for good (550): FAILED, never retried.
    // Tempfail: refused for now each time: still QUEUED, its error kept.
    smtp.wait_for(1).await;
    // Until the flaky one went on its retry, the bounce failed and the
    // temporary failure was tried again.
    let of = |all: &[Value], to: &str| all.iter().find(|e| e["to"] == to).cloned();
    let retried = |all: &Vec<Value>| {
        let attempts = |to| {
            of(all, to)
                .and_then(|e| e["attempts"].as_i64())
                .unwrap_or(0)
        };
        of(all, "flaky@example.com").is_some_and(|e| e["status"] == "SENT")
            && of(all, "bounce@example.com").is_some_and(|e| e["status"] == "FAILED")
            && attempts("tempfail@example.com") >= 2
    };
    let within = Duration::from_secs(30);
    let all = crate::support::wait::last_of(within, async || emails(&app).await, retried).await;
    let by_to = |to: &str| of(&all, to).unwrap();
    let f = by_to("flaky@example.com");
    assert_eq!(
        (f["status"].as_str(), f["attempts"].as_i64()),
        (Some("SENT"), Some(2))
    );
    let b = by_to("bounce@example.com");
    assert_eq!(
        (b["status"].as_str(), b["attempts"].as_i64()),
        (Some("FAILED"), Some(1))
    );
    assert!(b["lastError"].as_str().unwrap().starts_with("550"), "{b}");
    assert_eq!(b["sentAt"], Value::Null);
    let t = by_to("tempfail@example.com");
    assert_eq!(t["status"], "QUEUED");
    assert!(t["attempts"].as_i64().unwrap() >= 2, "{t}");
    assert!(t["lastError"].as_str().unwrap().starts_with("451"), "{t}");
    assert_eq!(smtp.count(), 1, "only the flaky one was accepted, once");
    let _ = flaky;

    // The bounced address is suppressed for notifications, until it changes.
    let own = app.partner_token(&bounce);
    let read = "{ viewer { partner { emailPreferences { suppressed } } } }";
    assert_eq!(
        app.ok(&own, read, json!({})).await["viewer"]["partner"]["emailPreferences"]["suppressed"],
        true
    );
    let group = app
        .create_group("Pays", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!, $g: ID!) { updatePartner(id: $id, input: { groupId: $g }) { id } }",
        json!({ "id": bounce, "g": group }),
    )
    .await;
    record(&app, sale_input(&bounce, "b-1", "10.00")).await;
    let suppressed = app
        .ok(
            &app.admin(),
            "{ emails(status: SUPPRESSED) { edges { node { kind to } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        suppressed["emails"]["edges"],
        json!([{ "node": { "kind": "COMMISSION_EARNED", "to": "bounce@example.com" } }])
    );
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"new@example.com\" }) { id } }",
        json!({ "id": bounce }),
    )
    .await;
    record(&app, sale_input(&bounce, "b-2", "10.00")).await;
    let received = smtp.wait_for(2).await;
    assert_eq!(received[1].1["to"], "new@example.com");
}

/// Without an SMTP server every e-mail waits `QUEUED`, readable but for
/// the codes it will carry, which only its recipient reads (they are made
/// as it is sent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_mail_waits_queued_its_codes_withheld() {
    let app = spawn(
        Backend::Sqlite,
        Settings {
            public_url: PUBLIC.into(),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    let partner = app
        .create_partner(json!({ "name": "Jo", "email": "jo@example.com" }))
        .await;
    app.post(None, SIGN_IN, json!({ "t": TENANT, "e": "jo@example.com" }))
        .await;
    // The e-mail is written off the request's path: every request handled
    // (by the job or here, each once), it is there.
    sign_ins_handled(&app).await;
    let all = emails(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["status"], "QUEUED");
    assert_eq!(all[0]["attempts"], 0);
    assert_eq!(all[0]["partner"]["id"], partner.as_str());
    let text = all[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("Sign in:\n{PUBLIC}/portal/#code=…\n")),
        "{text}"
    );
}

/// Signed with DKIM (RSA and Ed25519), verified by dkimpy against the
/// public key as DNS would publish it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dkim_signatures_verify_against_the_published_key() {
    let keys = tempfile::tempdir().unwrap();
    for (algorithm, record_type) in [("RSA", "rsa"), ("ED25519", "ed25519")] {
        let private = keys.path().join(format!("{record_type}.pem"));
        let mut generate = std::process::Command::new("openssl");
        generate.arg("genpkey").arg("-algorithm").arg(algorithm);
        if algorithm == "RSA" {
            generate.arg("-pkeyopt").arg("rsa_keygen_bits:2048");
        }
        let made = generate.arg("-out").arg(&private).output().unwrap();
        assert!(made.status.success(), "{made:?}");
        let public = std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-outform", "DER", "-in"])
            .arg(&private)
            .output()
            .unwrap();
        use base64::Engine;
        let der = public.stdout;
        // DKIM publishes an RSA key as its SubjectPublicKeyInfo, an Ed25519
        // key as its 32 raw bytes (RFC 8463).
        let key = match record_type {
            "rsa" => der.clone(),
            _ => der[der.len() - 32..].to_vec(),
        };
        let dns_record = format!(
            "v=DKIM1; k={record_type}; p={}",
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        let record_file = keys.path().join(format!("{record_type}.txt"));
        std::fs::write(&record_file, dns_record).unwrap();

        let smtp = SmtpServer::start().await;
        let pem = std::fs::read_to_string(&private).unwrap();
        let mut mail = settings(&smtp);
        mail.dkim = Some(Arc::new(Dkim::new("s2026", "acme.test", &pem).unwrap()));
        let app = spawn(Backend::Sqlite, mail).await.unwrap();
        program(&app).await;
        let partner = partner_at(&app, "Kit", 10).await;
        app.ok(
            &app.admin(),
            "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"kit@example.com\" }) { id } }",
            json!({ "id": partner }),
        )
        .await;
        record(&app, sale_input(&partner, "k-1", "10.00")).await;
        let (file, _) = smtp.wait_for(1).await.remove(0);
        let verdict = run_tool(&[
            "dkim",
            file.to_str().unwrap(),
            record_file.to_str().unwrap(),
        ]);
        assert_eq!(verdict["valid"], true, "{record_type}: {verdict}");
        assert_eq!(verdict["selector"], "s2026");
        assert_eq!(verdict["domain"], "acme.test");
        let signed: Vec<String> = verdict["signed_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_ascii_lowercase())
            .collect();
        for header in [
            "from",
            "to",
            "subject",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(
                signed.contains(&header.to_owned()),
                "{header} in {signed:?}"
            );
        }
    }
}

async fn a_daily_digest_is_written_once_when_the_day_has_ended(app: TestApp, smtp: SmtpServer) {
    program(&app).await;
    let partner = partner_at(&app, "Lou", 10).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"lou@example.com\" }) { id } }",
        json!({ "id": partner }),
    )
    .await;
    let daily = app
        .ok(
            &app.partner_token(&partner),
            PREFERENCES,
            json!({ "input": { "commissionEarned": "DAILY" } }),
        )
        .await;
    assert_eq!(daily["updateEmailPreferences"]["commissionEarned"], "DAILY");
    record(&app, sale_input(&partner, "d-1", "10.00")).await;
    record(&app, sale_input(&partner, "d-2", "25.50")).await;
    settled(&app).await;
    assert_eq!(smtp.count(), 0, "no single e-mails for a digest's partner");

    // Before the day has ended (the tenant's zone is UTC): nothing.
    let now = chrono::Utc::now();
    assert_eq!(revshare::mail::digest::due(&app.db, now).await.unwrap(), 0);
    // Once it has: one digest, however often (and by however many
    // replicas) it is looked for.
    let next_day = (now + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_utc();
    for _ in 0..2 {
        assert_eq!(
            revshare::mail::digest::due(&app.db, next_day)
                .await
                .unwrap(),
            1
        );
    }
    let digest = smtp.wait_for(1).await[0].1.clone();
    // The day and the total as the partner's language writes them.
    let day = now.format("%B %-d, %Y").to_string();
    assert_eq!(
        digest["subject"],
        format!("Your commissions of {day}: $3.55")
    );
    assert!(
        digest["text"]
            .as_str()
            .unwrap()
            .contains("Commissions: 2\nEarned: $3.55\n")
    );
    assert!(digest["headers"]["List-Unsubscribe"].is_string());
    settled(&app).await;
    assert_eq!(smtp.count(), 1);
}

/// The join page and the portal's e-mail sign-in, in Chromium: a stranger
/// applies on the page, follows the e-mailed link, is approved, opens the
/// portal from the welcome e-mail; later signs in by e-mail. The e-mails'
/// links point at the public URL, which here is the test server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_page_and_the_email_sign_in_work_in_chromium() {
    let smtp = SmtpServer::start().await;
    let app = spawn(Backend::Sqlite, settings(&smtp)).await.unwrap();
    let campaign = program(&app).await;
    let local = |link: &str| link.replace(PUBLIC, &app.url(""));
    let node = crate::support::browser::node;

    // Not public: 404, as an unknown campaign.
    let default = app
        .client
        .get(app.url(&format!("/join/{TENANT}/nope")))
        .send()
        .await
        .unwrap();
    assert_eq!(default.status(), 404);
    let page = app
        .client
        .get(app.url(&format!("/join/{TENANT}/{campaign}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<p class=\"brand\">Acme &lt;Partners&gt;</p>"),
        "{html}"
    );
    assert!(html.contains("<h1 id=\"page-title\" tabindex=\"-1\">Join Spring &amp; Co</h1>"));

    let join = app.url(&format!("/join/{TENANT}/{campaign}"));
    let applied = node("join.mjs", &["apply", &join, "Ann <Example>"]).await;
    assert_eq!(applied["title"], "Join Spring & Co");
    assert_eq!(applied["terms"], json!(["20 % of every payment"]));
    assert_eq!(applied["fieldError"], "Must not be empty");
    assert!(
        applied["applied"]
            .as_str()
            .unwrap()
            .contains("ann@example.com")
    );

    let confirm = smtp.wait_for(1).await[0].1["links"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let confirmed = node("join.mjs", &["confirm", &local(&confirm)]).await;
    assert_eq!(confirmed["state"], "confirmed", "{confirmed}");
    assert_eq!(confirmed["fragment"], "", "the code leaves the address bar");

    let staff = app.admin();
    let id = app
        .ok(&staff, APPLICATIONS, json!({ "status": "PENDING" }))
        .await["partnerApplications"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &staff,
        DECIDE,
        json!({ "input": { "id": id, "approve": true } }),
    )
    .await;
    // The staff's notice, then the welcome.
    let welcome = smtp.wait_for(3).await[2].1.clone();
    assert_eq!(welcome["subject"], "Welcome to Acme <Partners>");
    let portal = welcome["links"][0].as_str().unwrap().to_owned();
    let opened = node("join.mjs", &["portal", &local(&portal), "Acme <Partners>"]).await;
    assert_eq!(opened["program"], "Acme <Partners>");

    let sign_in = app.url(&format!("/portal/#tenant={TENANT}"));
    let asked = node("join.mjs", &["sign-in", &sign_in, "ann@example.com"]).await;
    assert!(asked["sent"].as_str().unwrap().contains("ann@example.com"));
    let link = smtp.wait_for(4).await[3].1["links"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let again = node("join.mjs", &["portal", &local(&link), "Acme <Partners>"]).await;
    assert_eq!(again["program"], "Acme <Partners>");
}

async fn an_auto_approving_campaign_approves_at_confirmation_and_stale_ones_are_deleted(
    app: TestApp,
    smtp: SmtpServer,
) {
    let campaign = program(&app).await;
    let updated = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { updateCampaign(id: $id, input: { autoApproveApplications: true, applicationQuestions: [] }) { autoApproveApplications applicationQuestions } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        updated["updateCampaign"],
        json!({ "autoApproveApplications": true, "applicationQuestions": [] })
    );
    let mut input = form(&app, &campaign, "Mo", "mo@example.com");
    input["answers"] = json!([]);
    submit(&app, input).await;
    let link = smtp.wait_for(1).await[0].1["links"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, confirmed) = app
        .post(None, CONFIRM, json!({ "token": after(&link, "#confirm=") }))
        .await;
    assert_eq!(
        confirmed["data"]["confirmPartnerApplication"]["status"],
        "APPROVED"
    );
    // The staff's notice, then the welcome with its way in.
    let received = smtp.wait_for(3).await;
    assert_eq!(
        received[1].1["subject"],
        "New application to Spring & Co: Mo"
    );
    assert_eq!(received[2].1["subject"], "Welcome to Acme <Partners>");
    let listed = app
        .ok(
            &app.admin(),
            "{ partners { nodes { name email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["partners"]["nodes"],
        json!([{ "name": "Mo", "email": "mo@example.com" }])
    );

    // An application nobody confirms is deleted after seven days.
    let mut stale = form(&app, &campaign, "Ned", "ned@example.com");
    stale["answers"] = json!([]);
    submit(&app, stale).await;
    assert_eq!(application_rows(&app).await, 2);
    assert_eq!(revshare::applications::prune(&app.db).await.unwrap(), 0);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::partner_application::Entity::update_many()
        .col_expr(
            entity::partner_application::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(8)),
        )
        .filter(entity::partner_application::Column::Email.eq("ned@example.com"))
        .exec(app.db.conn())
        .await
        .unwrap();
    assert_eq!(revshare::applications::prune(&app.db).await.unwrap(), 1);
    assert_eq!(application_rows(&app).await, 1, "the approved one stays");
}

/// Round 6, item 13: a message handed to the server whose answer was never
/// recorded (a replica that crashed after `DATA`) may or may not have
/// arrived. It is sent again with the same `Message-ID`, as a mail server
/// retries; one interrupted more than a day after it was written is given
/// up.
async fn an_attempt_interrupted_after_it_was_handed_over_is_sent_again_with_its_message_id(
    app: TestApp,
    smtp: SmtpServer,
) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    program(&app).await;
    app.create_partner(json!({ "name": "Pat", "email": "pat@example.com" }))
        .await;
    // Written and, as a crashed replica leaves it, in flight with its
    // lease over — in the transaction that writes it, before any sender
    // can claim it. The second was written two days ago.
    let txn = app.db.write().await.unwrap();
    for (key, to) in [
        ("interrupted", "pat@example.com"),
        ("old", "old@example.com"),
    ] {
        revshare::mail::queue(
            &*txn,
            revshare::mail::Mail {
                tenant_id: TENANT.into(),
                partner_id: None,
                to: to.into(),
                content: revshare::mail::Content::ApplicationOpen {
                    name: "Pat".into(),
                    campaign: "Spring".into(),
                },
                dedupe_key: Some(key.into()),
                requested_by: None,
                suppressed: false,
                language: None,
            },
        )
        .await
        .unwrap();
    }
    entity::email::Entity::update_many()
        .col_expr(entity::email::Column::InFlight, Expr::value(true))
        .col_expr(entity::email::Column::Attempts, Expr::value(1))
        .col_expr(
            entity::email::Column::NextAttemptAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(entity::email::Column::DedupeKey.is_in(["interrupted", "old"]))
        .exec(&*txn)
        .await
        .unwrap();
    entity::email::Entity::update_many()
        .col_expr(
            entity::email::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(2)),
        )
        .filter(entity::email::Column::DedupeKey.eq("old"))
        .exec(&*txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let all = settled(&app).await;
    assert_eq!(all.len(), 2);
    let by_to = |to: &str| all.iter().find(|e| e["to"] == to).unwrap().clone();
    let pat = by_to("pat@example.com");
    assert_eq!(pat["status"], "SENT", "{pat}");
    assert_eq!(pat["attempts"], 2);
    let old = by_to("old@example.com");
    assert_eq!(old["status"], "FAILED", "{old}");
    assert!(
        old["lastError"].as_str().unwrap().contains("given up"),
        "{old}"
    );
    let received = smtp.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1["to"], "pat@example.com");
    let id = pat["id"].as_str().unwrap().to_ascii_lowercase();
    let message_id = received[0].1["message_id"].as_str().unwrap();
    assert!(
        message_id.starts_with(&format!("<{id}@")),
        "the row's own Message-ID: {message_id}"
    );
}

/// Commission e-mails come from the event log, by a cursor: four readers
/// at once (the app's own task among them, as replicas would be) write
/// each commission's e-mail once — a batch's as one — and none for what
/// earns nothing.
async fn commission_emails_are_written_once_however_many_replicas_read_the_log(
    app: TestApp,
    _smtp: SmtpServer,
) {
    let partner = partner_at(&app, "Noor", 10).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"noor@example.com\" }) { id } }",
        json!({ "id": partner }),
    )
    .await;
    let batch: Vec<Value> = (0..30)
        .map(|i| sale_input(&partner, &format!("r-{i}"), &format!("{}.00", 10 + i)))
        .chain([sale_input(&partner, "zero", "0.00")])
        .collect();
    let token = app.service("events:write");
    let recorded = app
        .ok(
            &token,
            crate::support::sales::RECORD_MANY,
            json!({ "input": batch }),
        )
        .await;
    assert_eq!(recorded["recordEvents"].as_array().unwrap().len(), 31);
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move {
                while revshare::mail::earned::pass(&db).await.unwrap() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    for reader in readers {
        reader.await.unwrap();
    }
    // The app's own task may still hold the cursor: wait for it too.
    while revshare::mail::earned::pass(&app.db).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The batch's 30 earning commissions, found together, are one e-mail
    // that counts and totals them (10 % of 10.00 … 39.00 is 73.50); the
    // zero sale earned nothing.
    let earned: Vec<Value> = emails(&app)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "COMMISSION_EARNED")
        .collect();
    assert_eq!(earned.len(), 1, "{earned:?}");
    assert_eq!(earned[0]["to"], "noor@example.com");
    assert_eq!(earned[0]["subject"], "You earned 30 commissions: $73.50");
    let text = earned[0]["text"].as_str().unwrap();
    assert!(text.contains("Commissions: 30\nEarned: $73.50\n"), "{text}");
    // Recorded one by one, each is its own.
    for (i, amount) in ["20.00", "30.00"].iter().enumerate() {
        record(&app, sale_input(&partner, &format!("one-{i}"), amount)).await;
    }
    let subjects: Vec<String> = emails(&app)
        .await
        .iter()
        .filter(|e| e["kind"] == "COMMISSION_EARNED")
        .map(|e| e["subject"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        subjects,
        [
            "You earned 30 commissions: $73.50",
            "You earned $2.00",
            "You earned $3.00"
        ]
    );
}

/// Every template, rendered with values that need escaping, reads well in
/// Chromium: axe-core finds nothing serious and nothing scrolls sideways
/// at 375 px. With `REVSHARE_SCREENSHOTS=DIR` it leaves a screenshot of
/// each there (the guides' pictures: `docs/images`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_template_reads_well_in_chromium() {
    use revshare::mail::content::{Content, DEFAULT_COLOR, Program, render};
    let program = Program {
        name: "Acme <Partners>".into(),
        color: DEFAULT_COLOR.into(),
        support_email: Some("partners@acme.example".into()),
        base_url: PUBLIC.into(),
        tenant_id: TENANT.into(),
        language: "en".into(),
        to: "ann@example.com".into(),
    };
    let name = || "Ann & Co".to_owned();
    let campaign = || "Spring \"launch\"".to_owned();
    let link = || "/portal/#code=abc".to_owned();
    let totals = || {
        vec![
            ("73.50".into(), "USD".into()),
            ("12.00".into(), "EUR".into()),
        ]
    };
    let templates = [
        ("application-confirm", Content::ApplicationConfirm { name: name(), campaign: campaign(), link: "/join/confirm#code=abc".into() }),
        ("application-open", Content::ApplicationOpen { name: name(), campaign: campaign() }),
        ("already-partner", Content::AlreadyPartner { name: name(), link: link().into(), minutes: 60 }),
        ("partner-not-active", Content::PartnerNotActive { name: name() }),
        ("application-approved", Content::ApplicationApproved { name: name(), campaign: campaign(), link: link().into(), minutes: 60 }),
        ("application-rejected", Content::ApplicationRejected { name: name(), campaign: campaign(), reason: Some("We work with cycling sites <only>.".into()) }),
        ("portal-sign-in", Content::PortalSignIn { name: name(), link: link().into(), minutes: 60 }),
        ("commission-earned", Content::CommissionEarned { name: name(), amount: "29.99".into(), currency: "USD".into(), campaign: campaign() }),
        ("commissions-earned", Content::CommissionsEarned { name: name(), count: 30, totals: totals() }),
        ("commission-digest", Content::CommissionDigest { name: name(), day: "2026-11-23".into(), count: 4, totals: totals() }),
        ("payout-sent", Content::PayoutSent { name: name(), amount: "412.30".into(), currency: "EUR".into(), method: "SEPA ····4321".into(), statement: Some("ACME PARTNERS 2026-11".into()), link: Some("/portal/#/payouts".into()), payout_id: None, invoice: Some("SB-2026-000001".into()) }),
        ("staff-new-application", Content::StaffNewApplication { name: name(), email: "ann@example.com".into(), campaign: campaign(), website: Some("https://ann.example/?a=1&b=2".into()), country: Some("DE".into()), answers: vec![("Where do you write?".into(), "A cycling <blog>".into())], id: "app_1".into() }),
        ("staff-fraud-flag", Content::StaffFraudFlag { signal: "SELF_REFERRAL_IP".into(), action: "HOLD".into(), partner: name(), details: "the customer's first click came from the address the partner signed in from on 2026-11-20".into(), id: "flag_1".into() }),
    ];
    let dir = tempfile::tempdir().unwrap();
    // Each in English, and each a partner reads in German and French too
    // (SPEC §38): longer words, the same layout.
    let mut rendered_all = Vec::new();
    for (file, content) in &templates {
        rendered_all.push((file.to_string(), content, program.clone()));
        if !revshare::mail::content::is_to_staff(content.kind()) {
            for language in ["de", "fr"] {
                let program = Program {
                    language: language.into(),
                    ..program.clone()
                };
                rendered_all.push((format!("{file}-{language}"), content, program));
            }
        }
    }
    for (file, content, program) in &rendered_all {
        let notification = revshare::mail::content::is_notification(content.kind());
        let unsubscribe =
            notification.then_some("https://partners.acme.example/mail/unsubscribe/abc");
        let rendered = render(content, program, unsubscribe);
        // Escaped wherever a value appears, never raw.
        assert!(
            !rendered.html.contains("Ann & Co"),
            "{file}: {}",
            rendered.html
        );
        assert!(!rendered.html.contains("<Partners>"), "{file}");
        std::fs::write(dir.path().join(format!("{file}.html")), rendered.html).unwrap();
    }
    let shots = std::env::var("REVSHARE_SCREENSHOTS").unwrap_or_default();
    let dir_arg = dir.path().to_str().unwrap();
    let report = crate::support::browser::node("join.mjs", &["mail", dir_arg, &shots]).await;
    let mut seen: Vec<&str> = report["mails"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = rendered_all
        .iter()
        .map(|(file, ..)| file.as_str())
        .collect();
    seen.sort_unstable();
    expected.sort_unstable();
    assert_eq!(seen, expected, "{report}");
    assert_eq!(
        report["mails"]["application-confirm"]["title"],
        "Confirm your application to Acme <Partners>"
    );
    assert_eq!(
        report["mails"]["commission-earned-de"]["title"],
        "Sie haben 29,99\u{a0}$ verdient"
    );
}

/// SPEC §31: the join page's `?via=` names the partner whose code sent the
/// applicant; approved, the applicant is its recruit, and a referrer whose
/// group pays on approval earns its reward — maturing after the campaign's
/// holdback, approvable by staff.
async fn an_applicant_sent_by_a_partner_is_its_recruit_once_approved(
    app: TestApp,
    smtp: SmtpServer,
) {
    let campaign = program(&app).await;
    let staff = app.admin();
    let ambassadors = app
        .create_group(
            "Ambassadors",
            json!([{ "recurring": { "percentage": 20 } }]),
        )
        .await;
    app.ok(
        &staff,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { referral: { trigger: APPROVED, amount: \"25\" } }) { id } }",
        json!({ "id": ambassadors }),
    )
    .await;
    let jane = app
        .create_partner(json!({ "name": "Jane", "groupId": ambassadors }))
        .await;
    app.ok(
        &staff,
        "mutation($p: ID!) { createReferralCode(input: { partnerId: $p, code: \"jane-blog\" }) { code } }",
        json!({ "p": jane }),
    )
    .await;
    let mut input = form(&app, &campaign, "Sam", "sam@example.com");
    input["via"] = json!("JANE-BLOG");
    submit(&app, input).await;
    // Another applicant with a code nobody has: applies all the same.
    let mut stray = form(&app, &campaign, "Lee", "lee@example.com");
    stray["via"] = json!("nobody-here");
    submit(&app, stray).await;
    let received = smtp.wait_for(2).await;
    for (_, message) in &received {
        let link = message["links"][0].as_str().unwrap().to_owned();
        let token = after(&link, "#confirm=");
        let (_, confirmed) = app.post(None, CONFIRM, json!({ "token": token })).await;
        assert_eq!(
            confirmed["data"]["confirmPartnerApplication"]["status"], "PENDING",
            "{confirmed}"
        );
    }
    let pending = app
        .ok(&staff, APPLICATIONS, json!({ "status": "PENDING" }))
        .await;
    let mut recruits = Vec::new();
    for edge in pending["partnerApplications"]["edges"].as_array().unwrap() {
        let id = edge["node"]["id"].as_str().unwrap();
        let decided = app
            .ok(
                &staff,
                DECIDE,
                json!({ "input": { "id": id, "approve": true } }),
            )
            .await;
        let partner = decided["decidePartnerApplication"]["partner"].clone();
        recruits.push((
            partner["name"].as_str().unwrap().to_owned(),
            partner["id"].as_str().unwrap().to_owned(),
        ));
    }
    recruits.sort();
    let referrer = |id: &str| {
        let id = id.to_owned();
        let app = &app;
        let staff = staff.clone();
        async move {
            app.ok(
                &staff,
                "query($id: ID!) { partner(id: $id) { referredBy { id } } }",
                json!({ "id": id }),
            )
            .await["partner"]["referredBy"]["id"]
                .clone()
        }
    };
    assert_eq!(
        referrer(&recruits[0].1).await,
        Value::Null,
        "Lee came through no one"
    );
    assert_eq!(
        referrer(&recruits[1].1).await,
        json!(jane),
        "Sam came through Jane"
    );
    let rewards = app
        .ok(
            &staff,
            "query($p: ID!) { commissions(partnerId: $p) { nodes { id kind amount status matureAt event { kind externalId } breakdown { vocabulary description amount } } } }",
            json!({ "p": jane }),
        )
        .await;
    let rows = rewards["commissions"]["nodes"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "REFERRAL");
    assert_eq!(rows[0]["amount"], "25.00");
    assert_eq!(rows[0]["status"], "ACCRUED");
    assert_eq!(rows[0]["event"]["kind"], "REWARD");
    assert_eq!(
        rows[0]["event"]["externalId"],
        format!("revshare:referral:approved:{}", recruits[1].1)
    );
    assert_eq!(
        rows[0]["breakdown"][0]["description"],
        "a partner you referred was approved"
    );
    // Staff may approve it: it follows no commission.
    let approved = app
        .ok(
            &staff,
            "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { status } }",
            json!({ "ids": [rows[0]["id"]] }),
        )
        .await;
    assert_eq!(approved["approveCommissions"][0]["status"], "APPROVED");
}

/// Round 6, item 3: Alice applies again as `alice+recruit@…` through her
/// own code. Staff see who sent the application and that it is Alice's
/// own mailbox; approved, the new partner has no referrer and Alice
/// earns nothing.
async fn a_partner_applying_again_through_its_own_code_recruits_no_one(
    app: TestApp,
    smtp: SmtpServer,
) {
    let campaign = program(&app).await;
    let staff = app.admin();
    let ambassadors = app
        .create_group(
            "Ambassadors",
            json!([{ "recurring": { "percentage": 20 } }]),
        )
        .await;
    app.ok(
        &staff,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { referral: { trigger: APPROVED, amount: \"25\" } }) { id } }",
        json!({ "id": ambassadors }),
    )
    .await;
    let alice = app
        .create_partner(
            json!({ "name": "Alice", "email": "alice.smith@gmail.com", "groupId": ambassadors }),
        )
        .await;
    app.ok(
        &staff,
        "mutation($p: ID!) { createReferralCode(input: { partnerId: $p, code: \"alice-blog\" }) { code } }",
        json!({ "p": alice }),
    )
    .await;
    // Her second address: a plus-tag, no dots, capitals — Gmail's same
    // mailbox.
    let mut input = form(&app, &campaign, "Alice Two", "AliceSmith+recruit@gmail.com");
    input["via"] = json!("alice-blog");
    submit(&app, input).await;
    let received = smtp.wait_for(1).await;
    let link = received[0].1["links"][0].as_str().unwrap().to_owned();
    let (_, confirmed) = app
        .post(None, CONFIRM, json!({ "token": after(&link, "#confirm=") }))
        .await;
    let id = confirmed["data"]["confirmPartnerApplication"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{confirmed}"))
        .to_owned();
    let seen = app
        .ok(
            &staff,
            "{ partnerApplications(status: PENDING) { nodes { id referredBy { id name } referrerSharesMailbox } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        seen["partnerApplications"]["nodes"],
        json!([{ "id": id, "referredBy": { "id": alice, "name": "Alice" }, "referrerSharesMailbox": true }])
    );
    let decided = app
        .ok(
            &staff,
            DECIDE,
            json!({ "input": { "id": id, "approve": true } }),
        )
        .await;
    let second = decided["decidePartnerApplication"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referrer = app
        .ok(
            &staff,
            "query($id: ID!) { partner(id: $id) { referredBy { id } } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(referrer["partner"]["referredBy"], Value::Null);
    let rewards = app
        .ok(
            &staff,
            "query($p: ID!) { commissions(partnerId: $p) { totalCount } }",
            json!({ "p": alice }),
        )
        .await;
    assert_eq!(rewards["commissions"]["totalCount"], 0);
    // Nor does the API let her name herself by a look-alike address.
    let refused = app
        .error(
            Some(&staff),
            "mutation($p: ID!, $r: ID) { setReferrer(input: { partnerId: $p, referrerId: $r }) { id } }",
            json!({ "p": second, "r": alice }),
        )
        .await;
    assert_eq!(field(&refused), "input.referrerId", "{refused}");
}

/// A `partnerApproved` workflow (SPEC §35) acts on the partner an
/// application's approval makes, in the approval's transaction, once; a
/// workflow turned off acts on no one.
async fn an_approval_workflow_acts_once_on_each_partner_approved(app: TestApp, smtp: SmtpServer) {
    let campaign = program(&app).await;
    let staff = app.admin();
    let workflow = app
        .ok(
            &staff,
            "mutation { createWorkflow(input: { name: \"Welcome\", trigger: { partnerApproved: true }, \
             actions: [{ sendMessage: \"Welcome aboard!\" }, { addTag: \"new\" }, { payBonus: { amount: \"5.00\", currency: \"USD\" } }] }) { id } }",
            json!({}),
        )
        .await["createWorkflow"]["id"]
        .clone();
    let approve = async |name: &str, email: &str| {
        let before = smtp.count();
        submit(&app, form(&app, &campaign, name, email)).await;
        // The applicant's confirmation, among what the program sends.
        let mut link = None;
        for more in 1..=20 {
            let received = smtp.wait_for(before + more).await;
            link = received
                .iter()
                .filter(|(_, read)| read["to"] == email)
                .flat_map(|(_, read)| read["links"].as_array().cloned().unwrap_or_default())
                .filter_map(|l| l.as_str().map(str::to_owned))
                .find(|l| l.contains("#confirm="));
            if link.is_some() {
                break;
            }
        }
        let link = link.expect("a confirmation link");
        let token = after(&link, "#confirm=").to_owned();
        let (_, confirmed) = app.post(None, CONFIRM, json!({ "token": token })).await;
        let id = confirmed["data"]["confirmPartnerApplication"]["id"].clone();
        app.ok(
            &staff,
            DECIDE,
            json!({ "input": { "id": id, "approve": true } }),
        )
        .await["decidePartnerApplication"]["partner"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ann = approve("Ann", "ann@example.com").await;
    let found = "query($p: ID!) { partner(id: $p) { tags messages { edges { node { author body } } } \
                 commissions { nodes { kind amount breakdown { description } } } } }";
    let read = app.ok(&staff, found, json!({ "p": ann })).await;
    assert_eq!(read["partner"]["tags"], json!(["new"]));
    assert_eq!(
        read["partner"]["messages"]["edges"],
        json!([{ "node": { "author": "workflow: Welcome", "body": "Welcome aboard!" } }])
    );
    assert_eq!(
        read["partner"]["commissions"]["nodes"],
        json!([{ "kind": "BONUS", "amount": "5.00", "breakdown": [{ "description": "workflow \"Welcome\"" }] }])
    );
    let runs = "query($id: ID!) { node(id: $id) { ... on Workflow { runs { edges { node { partner { id } outcomes { action done } } } } } } }";
    let listed = app.ok(&staff, runs, json!({ "id": workflow })).await;
    assert_eq!(
        listed["node"]["runs"]["edges"],
        json!([{ "node": { "partner": { "id": ann }, "outcomes": [
            { "action": "SEND_MESSAGE", "done": true },
            { "action": "ADD_TAG", "done": true },
            { "action": "PAY_BONUS", "done": true },
        ] } }])
    );
    // Off: the next partner approved is left alone.
    let off = "mutation($id: ID!) { setWorkflowEnabled(id: $id, enabled: false) { enabled } }";
    app.ok(&staff, off, json!({ "id": workflow })).await;
    let bo = approve("Bo", "bo@example.com").await;
    let read = app.ok(&staff, found, json!({ "p": bo })).await;
    assert_eq!(read["partner"]["tags"], json!([]));
    assert_eq!(read["partner"]["messages"]["edges"], json!([]));
    let listed = app.ok(&staff, runs, json!({ "id": workflow })).await;
    assert_eq!(listed["node"]["runs"]["edges"].as_array().unwrap().len(), 1);
}

//! Access, round 7 (issue "Hardening round 7 (access)", items 3, 8 and
//! 9), each shown by a test that failed before its fix: a program name
//! with a line break that panicked the mail job and held back every
//! tenant's mail claimed with it; characters XML cannot hold made into an
//! invoice forever; a webhook's token kept whole in the activity log; an
//! invoice uploaded to a payout already paid; `invoices` free as a link
//! key; mapped IPv4 and Teredo webhook hosts; a domain proved by a record
//! on another name; an anonymous form logged in its token's tenant;
//! another partner's thread answered `FORBIDDEN`; API names told to a
//! partner.

use crate::helpers::{Backend, OTHER_TENANT, SECRET, TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::dns::{Dns, VERIFY, proof_of};
use crate::support::partners::partner_at;
use crate::support::payouts::approve;
use crate::support::receiver::CREATE as CREATE_ENDPOINT;
use crate::support::sales::{commission_id, sale_input};
use crate::support::smtp::{SmtpServer, settings};
use revshare::auth::jwt::Keys;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

on_both_databases!(
    names_subjects_and_addresses_are_one_line_and_hold_nothing_a_document_cannot,
    a_webhooks_query_and_user_information_are_masked_in_the_activity_log,
    an_invoice_is_uploaded_while_its_payout_is_pending_alone,
    invoices_is_no_link_key_nor_code,
    mapped_ipv4_and_teredo_hosts_are_no_webhook_endpoint,
    a_link_domain_is_proved_by_a_record_on_its_own_name_alone,
    an_anonymous_form_sent_with_a_token_is_no_act_of_the_tokens_tenant,
    naming_another_partners_thread_is_bad_input_on_the_field,
    a_partner_is_told_what_to_do_in_the_portals_words,
);

/// Each test on both databases with a fresh SMTP server of its own, and
/// no job running: the test runs the mail job's pass itself.
macro_rules! with_smtp_and_no_jobs {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let smtp = SmtpServer::start().await;
                let app = no_jobs(Backend::Sqlite, &smtp).await.expect("sqlite app");
                super::$test(app, smtp).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let smtp = SmtpServer::start().await;
                match no_jobs(Backend::Postgres, &smtp).await {
                    Some(app) => super::$test(app, smtp).await,
                    None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
                }
            }
        }
    )*};
}

with_smtp_and_no_jobs!(a_program_name_with_a_line_break_stops_no_tenants_mail);

/// An app sending mail to `smtp` with no job of its own.
async fn no_jobs(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let options = revshare::http::Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        jobs: revshare::jobs::Jobs::none(),
        mail: settings(smtp),
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    };
    TestApp::spawn_with_options(backend, Keys::hs256(SECRET), options).await
}

const UPDATE_TENANT: &str =
    "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { programName } }";
const CREATE_PARTNER: &str =
    "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }";
const SET_VAT: &str =
    "mutation($input: SetPartnerVatInput!) { setPartnerVat(input: $input) { legalName } }";
const ACCEPT: &str =
    "mutation($v: Int!) { acceptSelfBillingAgreement(input: { version: $v }) { version } }";
const SIGN_IN: &str =
    "mutation($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }";
const EMAILS: &str = "{ emails { edges { node { to status lastError } } } }";
const CREATE_LINK: &str =
    "mutation($input: CreatePartnerLinkInput!) { createPartnerLink(input: $input) { id key } }";
const SUBMIT: &str = "mutation($input: SubmitPartnerApplicationInput!) { submitPartnerApplication(input: $input) { accepted } }";

/// `(code, field, message)` of a request's first error.
async fn refusal(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (String, String, String) {
    let error = app.error(Some(token), query, variables).await;
    (
        code(&error).to_owned(),
        field(&error).to_owned(),
        error["message"].as_str().unwrap_or("<none>").to_owned(),
    )
}

/// The refusal `BAD_USER_INPUT` naming `field`, with `message` after it.
fn bad(field: &str, message: &str) -> (String, String, String) {
    (
        "BAD_USER_INPUT".to_owned(),
        field.to_owned(),
        format!("{field}: {message}"),
    )
}

const LINE_BREAK: &str = "must be one line of printable text: it holds U+000A";

/// Item 3's inputs and item 8's: a line break, a tab or any control
/// character is refused where the text is one line (a name, a subject, an
/// address line — what reaches a header or a document), and what XML 1.0
/// cannot hold is refused in any text, each naming its field. Nothing is
/// written.
async fn names_subjects_and_addresses_are_one_line_and_hold_nothing_a_document_cannot(
    app: TestApp,
) {
    let admin = app.admin();
    let before = app
        .ok(
            &admin,
            "{ viewer { tenant { name programName } } }",
            json!({}),
        )
        .await;
    for (input, field, message) in [
        (
            json!({ "programName": "Acme\nPartners" }),
            "input.programName",
            LINE_BREAK,
        ),
        (
            json!({ "name": "Ac\rme" }),
            "input.name",
            "must be one line of printable text: it holds U+000D",
        ),
        (
            json!({ "supportEmail": "te\u{1b}am@acme.test" }),
            "input.supportEmail",
            "must not hold U+001B, which no document can carry",
        ),
        (
            json!({ "invoicing": { "legalName": "Acme\u{FFFF} GmbH" } }),
            "input.invoicing.legalName",
            "must not hold U+FFFF, which no document can carry",
        ),
        (
            json!({ "invoicing": { "legalName": "Acme\tGmbH" } }),
            "input.invoicing.legalName",
            "must be one line of printable text: it holds U+0009",
        ),
        (
            json!({ "invoicing": { "address": { "line1": "Friedrichstraße 100", "city": "Ber\u{1}lin", "zip": "10117", "country": "DE" } } }),
            "input.invoicing.address.city",
            "must not hold U+0001, which no document can carry",
        ),
        (
            json!({ "invoicing": { "exemptionText": "Kleinunternehmer\u{FFFE}" } }),
            "input.invoicing.exemptionText",
            "must not hold U+FFFE, which no document can carry",
        ),
        (
            json!({ "invoicing": { "agreement": "Acme issues\u{b}your invoices." } }),
            "input.invoicing.agreement",
            "must not hold U+000B, which no document can carry",
        ),
    ] {
        assert_eq!(
            refusal(&app, &admin, UPDATE_TENANT, json!({ "input": input })).await,
            bad(field, message),
            "{input}"
        );
    }
    let after = app
        .ok(
            &admin,
            "{ viewer { tenant { name programName } } }",
            json!({}),
        )
        .await;
    assert_eq!(after, before);
    // A partner's name, and its VAT details as a partner gives them.
    for name in ["Jane\nDoe", "Jane\u{2028}Doe"] {
        let (refused, named, _) = refusal(
            &app,
            &admin,
            CREATE_PARTNER,
            json!({ "input": { "name": name } }),
        )
        .await;
        assert_eq!(
            (refused.as_str(), named.as_str()),
            ("BAD_USER_INPUT", "input.name"),
            "{name:?}"
        );
    }
    assert_eq!(
        refusal(
            &app,
            &admin,
            CREATE_PARTNER,
            json!({ "input": { "name": "Jane\u{FFFF}" } })
        )
        .await,
        bad(
            "input.name",
            "must not hold U+FFFF, which no document can carry"
        )
    );
    let jane = app.create_partner(json!({ "name": "Jane" })).await;
    let vat = |legal_name: &str, line1: &str| {
        json!({ "input": { "registered": true, "vatId": "DE136695976", "country": "DE",
            "legalName": legal_name,
            "address": { "line1": line1, "city": "Köln", "zip": "50667", "country": "DE" } } })
    };
    let own = app.partner_token(&jane);
    assert_eq!(
        refusal(&app, &own, SET_VAT, vat("Jane Media\u{FFFF}", "Janeweg 1")).await,
        bad(
            "input.legalName",
            "must not hold U+FFFF, which no document can carry"
        )
    );
    assert_eq!(
        refusal(&app, &own, SET_VAT, vat("Jane Media", "Janeweg 1\nBlock B")).await,
        bad("input.address.line1", LINE_BREAK)
    );
    let data = app
        .ok(
            &own,
            "{ viewer { partner { vat { legalName } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["partner"]["vat"], Value::Null);
    // Given whole, the same details are kept.
    let data = app.ok(&own, SET_VAT, vat("Jane Media", "Janeweg 1")).await;
    assert_eq!(data["setPartnerVat"]["legalName"], "Jane Media");
    // A broadcast's subject becomes an e-mail's.
    let broadcast =
        "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id } }";
    assert_eq!(
        refusal(
            &app,
            &admin,
            broadcast,
            json!({ "input": { "subject": "Spring\r\nBcc: x@evil.test", "body": "b", "audience": {} } })
        )
        .await,
        bad("input.subject", "must be one line of printable text: it holds U+000D")
    );
}

/// Item 3: a program name with a line break (kept from before the check,
/// written here straight to its row) panicked the mail job on every pass,
/// and the other tenant's mail claimed in the same batch was held with
/// it. Now the name is one line in the header (no header is injected) and
/// every message of the batch is sent.
async fn a_program_name_with_a_line_break_stops_no_tenants_mail(app: TestApp, smtp: SmtpServer) {
    let refused = app
        .error(
            Some(&app.admin()),
            UPDATE_TENANT,
            json!({ "input": { "programName": "Acme\nPartners" } }),
        )
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.programName")
    );
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::tenant::Entity::update_many()
            .col_expr(
                entity::tenant::Column::ProgramName,
                Expr::value("Acme\r\nBcc: victim@evil.test"),
            )
            .filter(entity::tenant::Column::Id.eq(TENANT))
            .exec(app.db.conn())
            .await
            .unwrap();
    }
    app.create_partner(json!({ "name": "Ann", "email": "ann@example.com" }))
        .await;
    app.ok(
        &app.admin_of(OTHER_TENANT),
        CREATE_PARTNER,
        json!({ "input": { "name": "Gus", "email": "gus@example.com" } }),
    )
    .await;
    for (tenant, email) in [
        (TENANT, "ann@example.com"),
        (OTHER_TENANT, "gus@example.com"),
    ] {
        app.post(None, SIGN_IN, json!({ "t": tenant, "e": email }))
            .await;
    }
    revshare::portal::mail_requests(&app.db, &app.keys)
        .await
        .unwrap();
    // One pass takes both, in one batch.
    let claimed =
        revshare::mail::send::pass(&app.db, &settings(&smtp), revshare::mail::send::nothing)
            .await
            .unwrap();
    assert_eq!(claimed, 2);
    for (token, to) in [
        (app.admin(), "ann@example.com"),
        (app.admin_of(OTHER_TENANT), "gus@example.com"),
    ] {
        let emails = app.ok(&token, EMAILS, json!({})).await;
        assert_eq!(
            emails["emails"]["edges"],
            json!([{ "node": { "to": to, "status": "SENT", "lastError": null } }])
        );
    }
    let received = smtp.wait_for(2).await;
    let of = |to: &str| {
        received
            .iter()
            .map(|(_, read)| read)
            .find(|read| read["to"] == to)
            .cloned()
            .unwrap_or_else(|| panic!("no message to {to}"))
    };
    let ann = of("ann@example.com");
    assert_eq!(
        ann["from"],
        "\"Acme Bcc: victim@evil.test\" <partners@acme.test>"
    );
    assert_eq!(ann["subject"], "Sign in to Acme  Bcc: victim@evil.test");
    assert_eq!(ann["headers"]["Bcc"], Value::Null);
    assert_eq!(of("gus@example.com")["to"], "gus@example.com");
}

/// The activity entries of `action` as the admin reads them, oldest first.
async fn entries(app: &TestApp, action: &str) -> Vec<Value> {
    let query = "query($filter: ActivityFilter) { activity(filter: $filter, first: 50) { nodes { changes { field before after } } } }";
    app.ok(
        &app.admin(),
        query,
        json!({ "filter": { "action": action } }),
    )
    .await["activity"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// The change of `field` in an entry.
fn change_of(entry: &Value, field: &str) -> Value {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
        .cloned()
        .unwrap_or_else(|| panic!("no {field} in {entry}"))
}

/// Item 9a: a webhook's URL is kept in the log without its query (where
/// tokens travel), fragment or user information.
async fn a_webhooks_query_and_user_information_are_masked_in_the_activity_log(app: TestApp) {
    let admin = app.admin();
    let created = app
        .ok(
            &admin,
            CREATE_ENDPOINT,
            json!({ "input": { "url": "https://hooks.example.com/in?token=s3cret" } }),
        )
        .await;
    let id = created["createWebhookEndpoint"]["endpoint"]["id"].clone();
    app.ok(
        &admin,
        "mutation($id: ID!, $url: String!) { updateWebhookEndpoint(id: $id, input: { url: $url }) { url } }",
        json!({ "id": id, "url": "https://hooks.example.com/v2?key=abc#frag" }),
    )
    .await;
    let made = entries(&app, "createWebhookEndpoint").await;
    assert_eq!(
        change_of(&made[0], "url"),
        json!({ "field": "url", "before": null, "after": "https://hooks.example.com/in?…" })
    );
    let moved = entries(&app, "updateWebhookEndpoint").await;
    assert_eq!(
        change_of(&moved[0], "url"),
        json!({ "field": "url", "before": "https://hooks.example.com/in?…",
            "after": "https://hooks.example.com/v2?…#…" })
    );
    let log = serde_json::to_string(&[made, moved]).unwrap();
    assert!(!log.contains("s3cret") && !log.contains("abc"), "{log}");
}

/// Item 9b: a payout paid with no invoice uploaded took one afterwards,
/// frozen there for ever. An upload is for a pending payout alone.
async fn an_invoice_is_uploaded_while_its_payout_is_pending_alone(app: TestApp) {
    use base64::Engine;
    let olga = partner_at(&app, "Olga", 10).await;
    let commission = commission_id(&app, sale_input(&olga, "r7-upload", "100")).await;
    approve(&app, &[&commission]).await;
    let paid = app
        .ok(
            &app.service("commissions:write"),
            "mutation($input: MarkCommissionsPaidInput!) { markCommissionsPaid(input: $input) { id status } }",
            json!({ "input": { "ids": [commission], "reference": "BANK-1" } }),
        )
        .await;
    let payout = paid["markCommissionsPaid"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(paid["markCommissionsPaid"][0]["status"], "PAID");
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(994, b' ');
    pdf.extend_from_slice(b"%%EOF\n");
    let error = app
        .error(
            Some(&app.partner_token(&olga)),
            "mutation($input: UploadPartnerInvoiceInput!) { uploadPartnerInvoice(input: $input) { id } }",
            json!({ "input": { "payoutId": payout,
                "pdf": base64::engine::general_purpose::STANDARD.encode(&pdf) } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(
        error["message"],
        format!(
            "payout {payout} is paid: an invoice is uploaded while its payout is pending, and the \
             one it was paid against stays"
        )
    );
    let read = app
        .ok(
            &app.admin(),
            "query($id: ID!) { payout(id: $id) { partnerInvoice { filename } } }",
            json!({ "id": payout }),
        )
        .await;
    assert_eq!(read["payout"]["partnerInvoice"], Value::Null);
}

/// Item 9c: `invoices` (the issued invoices' files) was free as a link key
/// and a code.
async fn invoices_is_no_link_key_nor_code(app: TestApp) {
    let admin = app.admin();
    let partner = app.create_partner(json!({ "name": "Ivy" })).await;
    let group = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": partner }),
        )
        .await["partner"]["group"]["id"]
        .clone();
    app.ok(
        &admin,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { links: { destination: \"https://acme.example/\" } }) { id } }",
        json!({ "id": group }),
    )
    .await;
    for key in ["invoices", "Invoices"] {
        assert_eq!(
            refusal(
                &app,
                &admin,
                CREATE_LINK,
                json!({ "input": { "partnerId": partner, "key": key } })
            )
            .await,
            bad(
                "input.key",
                "\"invoices\" is reserved: revshare answers that path"
            ),
            "{key}"
        );
        assert_eq!(
            refusal(
                &app,
                &admin,
                "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id } }",
                json!({ "input": { "partnerId": partner, "code": key } })
            )
            .await,
            bad("input.code", "\"invoices\" is reserved: revshare answers that path"),
            "{key}"
        );
    }
}

/// Every first path segment a `.route(…)` of the server's routers names
/// (`crates/revshare-api/src/http/`), read from their source.
fn routed_first_segments() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/revshare-api/src/http");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let code = std::fs::read_to_string(&file).unwrap();
        for (at, call) in code.match_indices(".route(") {
            let rest = code[at + call.len()..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else {
                continue;
            };
            let path = &literal[..literal.find('"').unwrap()];
            if let Some(first) = path.trim_start_matches('/').split('/').next()
                && !first.is_empty()
            {
                found.insert(first.to_owned());
            }
        }
    }
    found
}

/// Item 9c, for every path to come: a first segment the server routes
/// that no link key is reserved from fails here.
#[test]
fn every_first_segment_the_server_routes_is_reserved_from_links() {
    let routed = routed_first_segments();
    for known in [
        "graphql",
        "invoices",
        "statements",
        "tax",
        "portal",
        "metrics",
    ] {
        assert!(
            routed.contains(known),
            "{known} not read from the routers: {routed:?}"
        );
    }
    let free: Vec<&String> = routed
        .iter()
        .filter(|segment| !revshare::input::reserved_path(segment))
        .collect();
    assert!(
        free.is_empty(),
        "routed, yet free as a link key or code: {free:?}"
    );
}

/// Item 9d: an IPv4 address mapped into IPv6, translated, or tunnelled
/// by Teredo is no endpoint's host.
async fn mapped_ipv4_and_teredo_hosts_are_no_webhook_endpoint(app: TestApp) {
    let admin = app.admin();
    for (url, why) in [
        ("https://[::ffff:93.184.216.34]/hook", "mapped IPv4"),
        ("https://[::ffff:0:5db8:d822]/hook", "translated IPv4"),
        (
            "https://[2001:0:4136:e378:8000:63bf:a247:2bcb]/hook",
            "Teredo",
        ),
        // The address inside names why where it is itself forbidden.
        ("https://[::ffff:0:a00:1]/hook", "private"),
        (
            "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
            "loopback",
        ),
    ] {
        assert_eq!(
            refusal(
                &app,
                &admin,
                CREATE_ENDPOINT,
                json!({ "input": { "url": url } })
            )
            .await,
            bad("input.url", &format!("must not be a {why} address")),
            "{url}"
        );
    }
    let listed = app
        .ok(&admin, "{ webhookEndpoints { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 0);
}

/// Item 9e: a resolver answering the question for the proof's name with
/// a record of another name (one the tenant's rival, or an attacker,
/// holds) proved the host. Only a record on the very name asked counts.
async fn a_link_domain_is_proved_by_a_record_on_its_own_name_alone(app: TestApp) {
    let admin = app.admin();
    let (host, elsewhere) = match app.backend {
        Backend::Sqlite => ("r7-sqlite.acme.test", "proof.r7-sqlite.elsewhere.test"),
        Backend::Postgres => ("r7-postgres.acme.test", "proof.r7-postgres.elsewhere.test"),
    };
    app.ok(
        &admin,
        "mutation($hosts: [String!]!) { updateTenant(input: { linkDomains: $hosts }) { linkDomains } }",
        json!({ "hosts": [host] }),
    )
    .await;
    let proof = proof_of(&app, &admin, host).await;
    let name = proof["recordName"].as_str().unwrap().to_owned();
    let value = proof["recordValue"].as_str().unwrap().to_owned();
    assert_eq!(name, format!("_revshare-challenge.{host}"));
    let dns = Dns::get();
    dns.publish(elsewhere, &value);
    dns.answer_as(&name, Some(elsewhere));
    let verified = app.ok(&admin, VERIFY, json!({ "host": host })).await;
    assert_eq!(verified["verifyLinkDomain"]["status"], "PENDING");
    // The record on its own name proves it.
    dns.answer_as(&name, None);
    dns.publish(&name, &value);
    let verified = app.ok(&admin, VERIFY, json!({ "host": host })).await;
    assert_eq!(verified["verifyLinkDomain"]["status"], "VERIFIED");
    dns.withdraw(&name, &value);
    dns.withdraw(elsewhere, &value);
}

/// Item 9f: another tenant's token sent with an anonymous form wrote the
/// form into the token's tenant's log. A form is the tenant's it names.
async fn an_anonymous_form_sent_with_a_token_is_no_act_of_the_tokens_tenant(app: TestApp) {
    let campaign = app
        .ok(
            &app.admin(),
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
            json!({ "input": { "name": "Open", "visibility": "PUBLIC", "rules": [{ "recurring": { "percentage": 20 } }] } }),
        )
        .await["createCampaign"]["id"]
        .clone();
    app.create_partner(json!({ "name": "Flo", "email": "flo@example.com" }))
        .await;
    let globex = app.admin_of(OTHER_TENANT);
    let submitted = app
        .ok(
            &globex,
            SUBMIT,
            json!({ "input": { "tenantId": TENANT, "campaignId": campaign, "name": "Ann",
                "email": "ann@example.com" } }),
        )
        .await;
    assert_eq!(submitted["submitPartnerApplication"]["accepted"], true);
    let asked = app
        .ok(
            &globex,
            SIGN_IN,
            json!({ "t": TENANT, "e": "flo@example.com" }),
        )
        .await;
    assert_eq!(asked["requestPortalSignIn"], true);
    let count = "query($filter: ActivityFilter) { activity(filter: $filter) { totalCount } }";
    for action in ["submitPartnerApplication", "requestPortalSignIn"] {
        let logged = app
            .ok(&globex, count, json!({ "filter": { "action": action } }))
            .await;
        assert_eq!(logged["activity"]["totalCount"], 0, "{action}");
    }
    // The form itself was taken, in its own tenant.
    let applications = app
        .ok(
            &app.admin(),
            "{ partnerApplications { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(applications["partnerApplications"]["totalCount"], 1);
}

/// Item 9g: docs/messages.md says an input naming another partner is
/// `BAD_USER_INPUT` by its field, as an id naming nothing; a partner's
/// `sendMessage` and `markMessagesRead` answered `FORBIDDEN`.
async fn naming_another_partners_thread_is_bad_input_on_the_field(app: TestApp) {
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let bob = app.create_partner(json!({ "name": "Bob" })).await;
    let bobs = app.partner_token(&bob);
    let names_none = bad("input.partnerId", "names no partner of the tenant");
    assert_eq!(
        refusal(
            &app,
            &bobs,
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({ "input": { "partnerId": ada, "body": "hi" } })
        )
        .await,
        names_none
    );
    assert_eq!(
        refusal(
            &app,
            &bobs,
            "mutation($input: MarkMessagesReadInput!) { markMessagesRead(input: $input) }",
            json!({ "input": { "partnerId": ada, "upTo": "01J0000000000000000000000" } })
        )
        .await,
        names_none
    );
    // An id naming nothing answers alike.
    assert_eq!(
        refusal(
            &app,
            &bobs,
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({ "input": { "partnerId": "01J0000000000000000000000", "body": "hi" } })
        )
        .await,
        names_none
    );
}

/// Item 9h: accepting the agreement told a partner in the portal to
/// "set the partner's VAT details (setPartnerVat)". It is told in the
/// portal's words, with no API name.
async fn a_partner_is_told_what_to_do_in_the_portals_words(app: TestApp) {
    app.ok(
        &app.admin(),
        UPDATE_TENANT,
        json!({ "input": { "invoicing": {
            "selfBilling": true, "legalName": "Acme DE Ltd", "vatId": "DE811907980", "country": "DE",
            "address": { "line1": "Friedrichstraße 100", "city": "Berlin", "zip": "10117", "country": "DE" },
            "agreement": "Acme issues your invoices in your name; you issue none for what it pays."
        } } }),
    )
    .await;
    let kim = app.create_partner(json!({ "name": "Kim" })).await;
    let own = app.partner_token(&kim);
    let refused = app.error(Some(&own), ACCEPT, json!({ "v": 1 })).await;
    assert_eq!(
        (code(&refused), refused["message"].as_str()),
        (
            "CONFLICT",
            Some("give your VAT details before you accept: your invoices carry them")
        )
    );
    app.ok(
        &own,
        SET_VAT,
        json!({ "input": { "registered": false, "country": "DE" } }),
    )
    .await;
    let refused = app.error(Some(&own), ACCEPT, json!({ "v": 1 })).await;
    assert_eq!(
        (code(&refused), refused["message"].as_str()),
        (
            "CONFLICT",
            Some(
                "your VAT details need your legal name and address before you accept: your \
                 invoices carry them"
            )
        )
    );
}

//! Hardening, round 5: bounds on `_entities`, deadlines on every SMTP
//! step, dates in the tenant's zone in the portal, and a Stripe Connect
//! onboarding link that says what it needs. Each test failed before its
//! fix.

use crate::helpers::{Backend, SECRET, TENANT, TestApp, code};
use crate::support::smtp::SmtpServer;
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use revshare::mail::settings::{Settings, Smtp};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------
// Item 15: a hung SMTP server.

/// How the stand-in SMTP server treats the next connection.
#[derive(Clone, Copy, Debug)]
enum Smtpd {
    /// Accepts the connection and never says a word.
    SilentGreeting,
    /// Speaks until `DATA`, then never answers it.
    SilentData,
    /// Takes the whole message, then never answers it.
    SilentReply,
    /// Passes the connection to a real SMTP server at this port.
    Forward(u16),
}

/// A stand-in SMTP server on loopback whose behaviour the test switches,
/// counting the connections it took.
struct Stalling {
    port: u16,
    mode: Arc<Mutex<Smtpd>>,
    connections: Arc<AtomicUsize>,
}

impl Stalling {
    async fn start(mode: Smtpd) -> Stalling {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(mode));
        let connections = Arc::new(AtomicUsize::new(0));
        let (shared, counted) = (mode.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let mode = *shared.lock().unwrap();
                tokio::spawn(serve(socket, mode));
            }
        });
        Stalling {
            port,
            mode,
            connections,
        }
    }

    fn set(&self, mode: Smtpd) {
        *self.mode.lock().unwrap() = mode;
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads (and drops) whatever comes until the client goes away.
async fn hang(mut socket: impl tokio::io::AsyncRead + Unpin) {
    let mut sink = [0u8; 1024];
    while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
}

async fn serve(socket: TcpStream, mode: Smtpd) {
    let port = match mode {
        Smtpd::SilentGreeting => return hang(socket).await,
        Smtpd::Forward(port) => port,
        Smtpd::SilentData | Smtpd::SilentReply => {
            return script(socket, matches!(mode, Smtpd::SilentReply)).await;
        }
    };
    let mut socket = socket;
    if let Ok(mut real) = TcpStream::connect(("127.0.0.1", port)).await {
        let _ = tokio::io::copy_bidirectional(&mut socket, &mut real).await;
    }
}

/// A minimal SMTP server that stops answering at `DATA` or, with
/// `take_message`, after the message.
async fn script(socket: TcpStream, take_message: bool) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 stalling ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if !matches!(lines.read_line(&mut line).await, Ok(n) if n > 0) {
            return;
        }
        let verb = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if verb.starts_with("EHLO") {
            b"250-stalling\r\n250 8BITMIME\r\n"
        } else if verb.starts_with("DATA") {
            if !take_message {
                return hang(lines).await;
            }
            if write.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            loop {
                line.clear();
                if !matches!(lines.read_line(&mut line).await, Ok(n) if n > 0) {
                    return;
                }
                if line == ".\r\n" {
                    return hang(lines).await;
                }
            }
        } else if verb.starts_with("QUIT") {
            b"221 bye\r\n"
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// The step deadline the mail tests run with.
const SMTP_TIMEOUT: Duration = Duration::from_millis(400);

async fn mail_app(backend: Backend, port: u16) -> Option<TestApp> {
    let mut smtp = Smtp::parse(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap();
    smtp.timeout = SMTP_TIMEOUT;
    let options = Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        mail: Settings {
            smtp: Some(smtp),
            from: "partners@acme.test".parse().unwrap(),
            retry_schedule: vec![Duration::from_secs(1)],
            poll: Duration::from_millis(50),
            dkim: None,
            public_url: "https://partners.acme.test".into(),
        },
        ..Options::new(revshare::graphql::LOADER_DELAY)
    };
    TestApp::spawn_with_options(backend, Keys::hs256(SECRET), options).await
}

const SIGN_IN: &str =
    "mutation($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }";
const EMAILS: &str = "{ emails { edges { node { id to status attempts lastError sentAt } } } }";

async fn emails(app: &TestApp) -> Vec<Value> {
    let found = app.ok(&app.admin(), EMAILS, json!({})).await;
    let mut all: Vec<Value> = found["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    all.sort_by_key(|e| e["to"].as_str().unwrap_or_default().to_owned());
    all
}

/// The e-mails once `done` holds of them all (up to 20 s).
async fn emails_when(app: &TestApp, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    for _ in 0..400 {
        let all = emails(app).await;
        if !all.is_empty() && all.iter().all(&done) {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("e-mails not as expected: {:?}", emails(app).await);
}

/// Asks for a sign-in e-mail to each of `names` (partners made first).
async fn sign_ins(app: &TestApp, names: &[&str]) {
    for name in names {
        let email = format!("{name}@example.com");
        app.create_partner(json!({ "name": name, "email": email }))
            .await;
        let (status, body) = app
            .post(None, SIGN_IN, json!({ "t": TENANT, "e": email }))
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

fn waiting_after(e: &Value, step: &str) -> bool {
    e["status"] == "QUEUED"
        && e["attempts"].as_i64() >= Some(1)
        && e["lastError"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("did not answer {step} within 400 ms")))
}

/// Three e-mails written in one transaction, as one batch is: each
/// opening an application (`ApplicationOpen`).
async fn three_in_one_batch(app: &TestApp) {
    let txn = app.db.write().await.unwrap();
    for name in ["ada", "bea", "cy"] {
        revshare::mail::queue(
            &*txn,
            revshare::mail::Mail {
                tenant_id: TENANT.into(),
                partner_id: None,
                to: format!("{name}@example.com"),
                content: revshare::mail::Content::ApplicationOpen {
                    name: name.into(),
                    campaign: "Spring".into(),
                },
                dedupe_key: Some(name.into()),
                requested_by: None,
                suppressed: false,
                language: None,
            },
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

/// A server that takes the connection and never greets: each message's
/// attempt ends at the deadline, back in the queue (not failed), and the
/// rest of the batch does not wait out the silence again; a working
/// server then gets each message exactly once.
async fn a_silent_smtp_greeting_costs_one_deadline_and_the_mail_is_sent_later(backend: Backend) {
    let smtpd = Stalling::start(Smtpd::SilentGreeting).await;
    let Some(app) = mail_app(backend, smtpd.port).await else {
        return eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
    };
    let before = std::time::Instant::now();
    three_in_one_batch(&app).await;
    let mut attempted = Vec::new();
    for _ in 0..400 {
        // Read first: connections only grow, and each is made after its
        // pass counted the attempts read next.
        let connections = smtpd.connections();
        let all = emails(&app).await;
        if all.len() == 3
            && all
                .iter()
                .all(|e| waiting_after(e, "the connection and greeting"))
        {
            let passes = all.iter().filter_map(|e| e["attempts"].as_i64()).max();
            assert!(
                connections as i64 <= passes.unwrap_or_default(),
                "one silent connection a pass, not one a message: {connections} for {all:?}"
            );
            attempted = all;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(attempted.len(), 3, "{:?}", emails(&app).await);
    assert!(
        before.elapsed() < Duration::from_secs(10),
        "back in the queue within a deadline, not a lease"
    );
    for e in &attempted {
        assert_eq!(e["sentAt"], Value::Null);
    }

    let real = SmtpServer::start().await;
    smtpd.set(Smtpd::Forward(port_of(&real)));
    let sent = emails_when(&app, |e| e["status"] == "SENT").await;
    assert_eq!(sent.len(), 3);
    let received = real.wait_for(3).await;
    assert_eq!(received.len(), 3, "each message sent once");
}

fn port_of(server: &SmtpServer) -> u16 {
    let url = server.url();
    let port = url.rsplit(':').next().unwrap().split('?').next().unwrap();
    port.parse().unwrap()
}

/// A server that goes silent after `DATA`, before the message is written:
/// the server cannot have it, so it is tried again and sent once.
async fn a_server_silent_at_data_has_the_message_retried_and_sent_once(backend: Backend) {
    let smtpd = Stalling::start(Smtpd::SilentData).await;
    let Some(app) = mail_app(backend, smtpd.port).await else {
        return eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
    };
    sign_ins(&app, &["dee"]).await;
    let waiting = emails_when(&app, |e| waiting_after(e, "DATA")).await;
    assert_eq!(waiting[0]["sentAt"], Value::Null);

    let real = SmtpServer::start().await;
    smtpd.set(Smtpd::Forward(port_of(&real)));
    let sent = emails_when(&app, |e| e["status"] == "SENT").await;
    assert!(sent[0]["attempts"].as_i64() >= Some(2), "{}", sent[0]);
    assert_eq!(real.wait_for(1).await.len(), 1, "sent once");
}

/// A server that goes silent once it has the whole message: it may have
/// it, and may not. Round 6 (item 13): the message is sent again with the
/// same `Message-ID`, as a mail server retries, until a server says it
/// took it.
async fn a_server_silent_after_the_message_gets_it_again_with_its_message_id(backend: Backend) {
    let smtpd = Stalling::start(Smtpd::SilentReply).await;
    let Some(app) = mail_app(backend, smtpd.port).await else {
        return eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
    };
    sign_ins(&app, &["eve"]).await;
    let waiting = emails_when(&app, |e| {
        e["lastError"]
            .as_str()
            .is_some_and(|error| error.contains("may have been sent"))
    })
    .await;
    let error = waiting[0]["lastError"].as_str().unwrap();
    assert!(
        error.contains("did not answer the message within 400 ms")
            && error.contains("sent again with the same Message-ID"),
        "{error}"
    );
    assert_eq!(waiting[0]["status"], "QUEUED");
    assert_eq!(waiting[0]["sentAt"], Value::Null);

    let real = SmtpServer::start().await;
    smtpd.set(Smtpd::Forward(port_of(&real)));
    let sent = emails_when(&app, |e| e["status"] == "SENT").await;
    assert!(sent[0]["attempts"].as_i64().unwrap() >= 2, "{sent:?}");
    let received = real.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1["to"], "eve@example.com");
    let message_id = received[0].1["message_id"].as_str().unwrap();
    assert!(
        message_id.starts_with(&format!(
            "<{}@",
            sent[0]["id"].as_str().unwrap().to_ascii_lowercase()
        )),
        "the row's own Message-ID: {message_id}"
    );
}

macro_rules! on_both {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            use crate::helpers::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$test(Backend::Postgres).await;
            }
        }
    )*};
}

on_both!(
    a_silent_smtp_greeting_costs_one_deadline_and_the_mail_is_sent_later,
    a_server_silent_at_data_has_the_message_retried_and_sent_once,
    a_server_silent_after_the_message_gets_it_again_with_its_message_id,
);

// ---------------------------------------------------------------------------
// Item 19: Stripe Connect's onboarding link needs REVSHARE_PUBLIC_URL.

/// Rails sealed with a data key, and no public URL.
fn without_public_url() -> Options {
    Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        public_url: None,
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

crate::on_both_databases_with!(
    without_public_url;
    an_onboarding_link_without_a_public_url_says_what_to_set,
);

async fn an_onboarding_link_without_a_public_url_says_what_to_set(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { rail } }",
        json!({ "input": { "rail": "STRIPE_CONNECT", "mode": "SANDBOX",
            "credentials": { "secretKey": "sk_test_51Hx0revshareKEY9876", "webhookSecret": "whsec_round5" } } }),
    )
    .await;
    let partner = app
        .create_partner(json!({ "name": "Nia", "email": "nia@example.com" }))
        .await;
    let error = app
        .error(
            Some(&app.partner_token(&partner)),
            "mutation { createConnectOnboardingLink }",
            json!({}),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(
        error["message"],
        "REVSHARE_PUBLIC_URL is not set: set it to where revshare is reached from outside \
         (such as https://partners.example.com), the address Stripe sends the partner back to \
         after onboarding"
    );
}

// ---------------------------------------------------------------------------
// Item 8: `_entities` bounded like `nodes(ids:)`, priced by its count, and
// its fields batched.

/// Loaders wait long enough that a batch is never split by the OS
/// preempting a resolver: statements are counted.
/// Loaders that never split a batch, and no job: the statements counted
/// are the request's alone (a job woken by the setup's sales would read
/// the log meanwhile).
fn counting() -> Options {
    let mut options = Options::new(Duration::from_millis(250));
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.jobs = revshare::jobs::Jobs::none();
    options
}

crate::on_both_databases_with!(
    counting;
    entities_past_the_cap_of_nodes_are_refused_naming_representations,
    entities_priced_past_the_complexity_limit_are_refused_before_any_work,
    entities_rank_exactly_in_a_bounded_number_of_statements,
);

/// `rank` over every day from 2020 to 2100 in USD, under `alias`.
fn rank_field(alias: &str) -> String {
    format!(
        "{alias}: rank(from: \"2020-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\", currency: \"USD\") {{ rank amount partners }}"
    )
}

/// `_entities` over `$r`, each partner with `aliases` aliases of `rank`.
fn ranks_query(aliases: usize) -> String {
    let fields: Vec<String> = (0..aliases).map(|n| rank_field(&format!("r{n}"))).collect();
    format!(
        "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on Partner {{ id {} }} }} }}",
        fields.join(" ")
    )
}

async fn entities_past_the_cap_of_nodes_are_refused_naming_representations(app: TestApp) {
    let own = app
        .create_partner(json!({ "name": "Pia", "email": "pia@example.com" }))
        .await;
    let token = app.partner_token(&own);
    let representations = |count: usize| -> Value {
        (0..count)
            .map(|_| json!({ "__typename": "Partner", "id": own }))
            .collect()
    };
    // At the cap (`nodes(ids:)`'s, 100): answered, one entity each.
    let at_cap = app
        .ok(
            &token,
            &ranks_query(1),
            json!({ "r": representations(100) }),
        )
        .await;
    assert_eq!(at_cap["_entities"].as_array().unwrap().len(), 100);
    // Past it, inline or by a variable: refused, naming the argument.
    let before = app.statements();
    let (status, body) = app
        .post(
            Some(&token),
            &ranks_query(1),
            json!({ "r": representations(101) }),
        )
        .await;
    assert_eq!(app.statements(), before, "refused before any statement");
    assert_eq!(status, 200, "{body}");
    let error = &body["errors"][0];
    assert_eq!(crate::helpers::code(error), "BAD_USER_INPUT", "{body}");
    assert_eq!(crate::helpers::field(error), "representations", "{body}");
    assert_eq!(
        error["message"],
        "representations: must have at most 100 representations"
    );
    assert_eq!(body["data"], Value::Null);
    let inline: Vec<String> = (0..101)
        .map(|_| format!("{{ __typename: \"Partner\", id: \"{own}\" }}"))
        .collect();
    let query = format!(
        "{{ _entities(representations: [{}]) {{ ... on Partner {{ id }} }} }}",
        inline.join(", ")
    );
    let error = app.error(Some(&token), &query, json!({})).await;
    assert_eq!(crate::helpers::field(&error), "representations", "{error}");
}

async fn entities_priced_past_the_complexity_limit_are_refused_before_any_work(app: TestApp) {
    let own = app
        .create_partner(json!({ "name": "Pia", "email": "pia@example.com" }))
        .await;
    let token = app.partner_token(&own);
    let representations = |count: usize| -> Value {
        (0..count)
            .map(|_| json!({ "__typename": "Partner", "id": own }))
            .collect()
    };
    // 30 aliases of `rank { rank amount partners }` (4 each) and the id:
    // 121 a representation. 50 of them: 6,060 with the list's 10; 100:
    // 12,110, over the 10,000 the whole query may cost.
    let query = ranks_query(30);
    let fifty = app
        .ok(&token, &query, json!({ "r": representations(50) }))
        .await;
    assert_eq!(
        fifty["_entities"][49]["r29"],
        json!({ "rank": 1, "amount": "0.00", "partners": 0 })
    );
    let before = app.statements();
    let (status, body) = app
        .post(Some(&token), &query, json!({ "r": representations(100) }))
        .await;
    assert_eq!(app.statements(), before, "refused before any statement");
    assert_eq!(status, 200, "{body}");
    let error = &body["errors"][0];
    assert_eq!(crate::helpers::code(error), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        error["message"],
        "_entities costs 12110 (100 representations × 121 for what each selects, and 10), \
         over the 10000 a query may cost: ask for fewer representations or fewer fields"
    );
    assert_eq!(body["data"], Value::Null);
}

async fn entities_rank_exactly_in_a_bounded_number_of_statements(app: TestApp) {
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let mut partners = Vec::new();
    for n in 1..=12 {
        let id = app
            .create_partner(json!({ "name": format!("P{n}"), "externalId": format!("crm-{n}"), "groupId": group }))
            .await;
        partners.push(id);
    }
    // P1 earns 3.00, P2 2.00, P3 1.00 (10 % of 30, 20, 10); the rest nothing.
    for (n, amount) in [(0, "30.00"), (1, "20.00"), (2, "10.00")] {
        crate::support::sales::commission_id(
            &app,
            crate::support::sales::sale_input(&partners[n], &format!("s-{n}"), amount),
        )
        .await;
    }
    let admin = app.admin();
    let query = format!(
        "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on Partner {{ name {} {} }} }} }}",
        rank_field("a"),
        rank_field("b")
    );
    let exact = app
        .ok(
            &admin,
            &query,
            json!({ "r": [
                { "__typename": "Partner", "id": partners[1] },
                { "__typename": "Partner", "externalId": "crm-1" },
                { "__typename": "Partner", "id": partners[2] },
                { "__typename": "Partner", "id": partners[7] },
            ] }),
        )
        .await;
    let ranked = |name: &str, rank: i64, amount: &str| {
        let rank = json!({ "rank": rank, "amount": amount, "partners": 3 });
        json!({ "name": name, "a": rank, "b": rank })
    };
    assert_eq!(
        exact["_entities"],
        json!([
            ranked("P2", 2, "2.00"),
            ranked("P1", 1, "3.00"),
            ranked("P3", 3, "1.00"),
            ranked("P8", 4, "0.00"),
        ])
    );

    // Five aliases of `rank` over 2 partners, then over 12: the same
    // statements (the tenant's zone and one sum for the window, whatever
    // the count).
    let query = ranks_query(5);
    let representations = |count: usize| -> Value {
        partners[..count]
            .iter()
            .map(|id| json!({ "__typename": "Partner", "id": id }))
            .collect()
    };
    let before = app.statements();
    let few = app
        .ok(&admin, &query, json!({ "r": representations(2) }))
        .await;
    let few_statements = app.statements() - before;
    let before = app.statements();
    let many = app
        .ok(&admin, &query, json!({ "r": representations(12) }))
        .await;
    let many_statements = app.statements() - before;
    assert_eq!(few["_entities"].as_array().unwrap().len(), 2);
    assert_eq!(many["_entities"][11]["r4"]["rank"], 4);
    assert_eq!(
        few_statements, many_statements,
        "rank in a bounded number of statements, whatever the count"
    );
    assert!(many_statements <= 4, "{many_statements} statements");
}

// ---------------------------------------------------------------------------
// Item 18: the portal shows dates in the tenant's time zone, and says so.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_shows_days_in_the_tenants_zone_whatever_the_browsers() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let group = app
        .create_group("Ten", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": group }))
        .await;
    // 05:00 UTC on 11 March is 22:00 on the 10th in Los Angeles, and
    // 19:00 on the 11th in Kiritimati, where the browser runs.
    let mut sale = crate::support::sales::sale_input(&ada, "late", "100.00");
    sale["occurredAt"] = json!("2026-03-11T05:00:00Z");
    let late = crate::support::sales::commission_id(&app, sale).await;
    let mut other = crate::support::sales::sale_input(&ada, "later", "50.00");
    other["occurredAt"] = json!("2026-03-12T20:00:00Z");
    crate::support::sales::commission_id(&app, other).await;
    let code = crate::support::portal::portal_code(&app, &ada).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let plan_json = json!({
        "base": format!("http://{}", app.addr),
        "link": format!("/portal/#code={code}"),
        "browserZone": "Pacific/Kiritimati",
        "commission": late,
        "day": "2026-03-10",
    });
    std::fs::write(&plan, plan_json.to_string()).unwrap();
    let report = crate::support::browser::node("portal-zone.mjs", &[plan.to_str().unwrap()]).await;
    assert_eq!(
        report,
        json!({
            "browserZone": "Pacific/Kiritimati",
            "note": "Times in America/Los_Angeles",
            "shown": "Mar 10, 2026",
            "unfiltered": "2 commissions",
            "filtered": "1 commission",
        })
    );
}

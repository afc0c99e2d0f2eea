//! Broadcasts to large audiences (SPEC §35): written a batch of
//! recipients per transaction, so that on SQLite — where writes take
//! turns — sales recorded meanwhile never wait past their bound; each
//! recipient still gets the broadcast exactly once, `recipients` and
//! `delivered` are exact, and a sender stopped midway is followed from
//! where it stopped, however many senders take it up at once.

use crate::helpers::{Backend, SECRET, TENANT, TestApp, code};
use async_graphql::futures_util::future::join_all;
use revshare::auth::jwt::Keys;
use revshare::db::DbSettings;
use revshare::http::Options;
use revshare::messages::broadcasts::{BATCH, Progress, claim_due, send_batch, send_due};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

crate::on_both_databases_with!(
    no_jobs;
    a_broadcast_larger_than_a_batch_reaches_each_partner_once_and_resumes_where_it_stopped,
);

const BROADCAST: &str = "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id status recipients delivered } }";
const STATE: &str =
    "query($id: ID!) { node(id: $id) { ... on Broadcast { status recipients delivered sentAt } } }";
const MINE: &str =
    "{ viewer { partner { messages(first: 50) { edges { node { from body } } } } } }";
/// Six batches, the last one short.
const MANY: usize = 1_150;
const _: () = assert!(MANY as u64 > 5 * BATCH && !(MANY as u64).is_multiple_of(BATCH));

/// An app on which no job runs: the test is every sender there is.
fn no_jobs() -> Options {
    Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        jobs: revshare::jobs::Jobs::none(),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

/// `n` active partners of `group`, each with an address (so each message
/// is e-mailed at once), written in one transaction: their ids, sorted.
async fn partners(app: &TestApp, group: &str, n: usize) -> Vec<String> {
    use revshare::directory::partners::{NewPartner, PartnerStatus, PartnerType, insert};
    let txn = app.db.write().await.unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let new = NewPartner {
            name: format!("Partner {i}"),
            email: Some(format!("partner-{i}@example.com")),
            external_id: None,
            partner_type: PartnerType::Referral,
            status: PartnerStatus::Active,
            group_id: Some(group.to_owned()),
            category_ids: Vec::new(),
            country: None,
            tags: Vec::new(),
            language: None,
        };
        ids.push(insert(&*txn, TENANT, new).await.unwrap().id);
    }
    txn.commit().await.unwrap();
    ids.sort();
    ids
}

/// A count `sql` answers as `n` (and `d`, when it names one), with `id`
/// for its one placeholder (if any).
async fn counted(app: &TestApp, sql: &str, id: &str) -> (i64, i64) {
    let values = match sql.contains('?') {
        true => vec![id.into()],
        false => Vec::new(),
    };
    let row = app
        .db
        .conn()
        .query_one_raw(revshare::db::statement(app.db.backend(), sql, values))
        .await
        .unwrap()
        .unwrap();
    let n = row.try_get::<i64>("", "n").unwrap();
    (n, row.try_get::<i64>("", "d").unwrap_or(n))
}

/// The messages broadcast `id` wrote, and the partners they went to.
async fn written(app: &TestApp, id: &str) -> (i64, i64) {
    let sql = "SELECT COUNT(*) AS n, COUNT(DISTINCT partner_id) AS d FROM messages WHERE broadcast_id = ?";
    counted(app, sql, id).await
}

/// The e-mails of staff messages to partners, and the partners they went to.
async fn mailed(app: &TestApp) -> (i64, i64) {
    let sql = "SELECT COUNT(*) AS n, COUNT(DISTINCT partner_id) AS d FROM emails \
               WHERE dedupe_key LIKE 'message:%'";
    counted(app, sql, "").await
}

/// The partners broadcast `id` has still to write to.
async fn left(app: &TestApp, id: &str) -> i64 {
    let sql = "SELECT COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ?";
    counted(app, sql, id).await.0
}

async fn state(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), STATE, json!({ "id": id })).await["node"].clone()
}

async fn a_broadcast_larger_than_a_batch_reaches_each_partner_once_and_resumes_where_it_stopped(
    app: TestApp,
) {
    let admin = app.admin();
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    let group = app.create_group("All", rules).await;
    let ids = partners(&app, &group, MANY).await;
    let now = revshare::db::now();
    let at = (now + chrono::Duration::hours(1)).to_rfc3339();
    let input =
        json!({ "input": { "subject": "Later", "body": "Soon", "audience": {}, "sendAt": at } });
    let later = app.ok(&admin, BROADCAST, input).await["createBroadcast"].clone();
    assert_eq!(later["status"], "SCHEDULED");
    let id = later["id"].as_str().unwrap().to_owned();
    let due = now + chrono::Duration::hours(2);

    // Started once: its audience resolved and counted, nothing written.
    assert_eq!(
        claim_due(&app.db, due).await.unwrap(),
        std::slice::from_ref(&id)
    );
    assert!(claim_due(&app.db, due).await.unwrap().is_empty());
    assert_eq!(
        state(&app, &id).await,
        json!({ "status": "SENDING", "recipients": 1150, "delivered": 0, "sentAt": null })
    );
    assert_eq!(left(&app, &id).await, 1150);
    // One batch, then its sender stops, as a replica killed midway would.
    assert_eq!(send_batch(&app.db, &id, due).await.unwrap(), Progress::More);
    assert_eq!(
        state(&app, &id).await,
        json!({ "status": "SENDING", "recipients": 1150, "delivered": 200, "sentAt": null })
    );
    assert_eq!(written(&app, &id).await, (200, 200));
    assert_eq!(left(&app, &id).await, 950);
    let cancel = "mutation($id: ID!) { cancelBroadcast(id: $id) { status } }";
    let refused = app.error(Some(&admin), cancel, json!({ "id": id })).await;
    assert_eq!(code(&refused), "CONFLICT");

    // Two senders take it up at once: each batch is written by one.
    let (a, b) = tokio::join!(send_due(&app.db, due), send_due(&app.db, due));
    assert_eq!(a.unwrap() + b.unwrap(), 1, "sent to its end once");
    assert_eq!(send_due(&app.db, due).await.unwrap(), 0);
    let sent = state(&app, &id).await;
    assert_eq!(
        (&sent["status"], &sent["recipients"], &sent["delivered"]),
        (&json!("SENT"), &json!(1150), &json!(1150))
    );
    assert!(sent["sentAt"].is_string(), "{sent}");
    assert_eq!(written(&app, &id).await, (1150, 1150));
    assert_eq!(mailed(&app).await, (1150, 1150));
    assert_eq!(left(&app, &id).await, 0);

    // Sent now: answered with its recipients exact, sent or still
    // sending (no job runs here: what the request left is finished by
    // hand, as the job would).
    let input = json!({ "input": { "subject": "Now", "body": "Today", "audience": {} } });
    let made = app.ok(&admin, BROADCAST, input).await["createBroadcast"].clone();
    assert_eq!(made["recipients"], 1150, "{made}");
    match made["status"].as_str() {
        Some("SENT") => assert_eq!(made["delivered"], 1150, "{made}"),
        Some("SENDING") => assert!(made["delivered"].as_i64() < Some(1150), "{made}"),
        _ => panic!("{made}"),
    }
    send_due(&app.db, revshare::db::now()).await.unwrap();
    let now_id = made["id"].as_str().unwrap();
    let sent = state(&app, now_id).await;
    assert_eq!(
        (&sent["status"], &sent["recipients"], &sent["delivered"]),
        (&json!("SENT"), &json!(1150), &json!(1150))
    );
    assert_eq!(written(&app, now_id).await, (1150, 1150));
    assert_eq!(mailed(&app).await, (2300, 1150));
    // The first partner, one of the last batch's and the last: each once.
    for who in [&ids[0], &ids[1_100], &ids[MANY - 1]] {
        let mine = app.ok(&app.partner_token(who), MINE, json!({})).await;
        assert_eq!(
            mine["viewer"]["partner"]["messages"]["edges"],
            json!([
                { "node": { "from": "STAFF", "body": "Soon" } },
                { "node": { "from": "STAFF", "body": "Today" } }
            ]),
            "{who}"
        );
    }
}

/// Partners in the large broadcast: on SQLite, one transaction writing
/// all their messages and e-mails held the writer for longer than a sale
/// waits for it.
const LARGE: usize = 6_000;
/// How long a write waits for SQLite's writer (the acquire timeout) in
/// the test below: a batch of a broadcast is well within it, a whole
/// audience of [`LARGE`] is not.
const WRITER_WAIT: Duration = Duration::from_millis(300);
/// Clients recording sales, one at a time each, while the broadcast sends.
const CLIENTS: usize = 4;
/// The sales each client records at least.
const AT_LEAST: usize = 5;

/// An app whose writes wait at most [`WRITER_WAIT`] for the writer.
async fn waiting_briefly(backend: Backend) -> Option<TestApp> {
    let options = Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    };
    let settings = DbSettings {
        max_connections: 8,
        acquire_timeout: WRITER_WAIT,
        ..DbSettings::default()
    };
    TestApp::spawn_connecting(
        backend,
        Keys::hs256(SECRET),
        options,
        |url| url.to_owned(),
        settings,
    )
    .await
}

mod sales_recorded_while_a_large_broadcast_sends_all_succeed {
    use crate::helpers::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = super::waiting_briefly(Backend::Sqlite).await;
        super::sales_recorded_while_a_large_broadcast_sends_all_succeed(app.expect("sqlite app"))
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match super::waiting_briefly(Backend::Postgres).await {
            Some(app) => super::sales_recorded_while_a_large_broadcast_sends_all_succeed(app).await,
            None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
        }
    }
}

async fn sales_recorded_while_a_large_broadcast_sends_all_succeed(app: TestApp) {
    let admin = app.admin();
    let events = app.service("events:write");
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    let group = app.create_group("All", rules).await;
    let ids = partners(&app, &group, LARGE).await;
    let sent = AtomicBool::new(false);
    let broadcast = async {
        let input =
            json!({ "input": { "subject": "News", "body": "Hello, partner.", "audience": {} } });
        let made = app.ok(&admin, BROADCAST, input).await["createBroadcast"].clone();
        let id = made["id"].as_str().unwrap().to_owned();
        crate::support::wait::until(
            "the large broadcast sent",
            Duration::from_secs(120),
            async || state(&app, &id).await["status"] == "SENT",
        )
        .await;
        sent.store(true, Ordering::SeqCst);
        made
    };
    // Each client records sales one after another, each for a partner of
    // its own, until the broadcast is sent (and at least a few).
    let client = |c: usize| {
        let (app, events, ids, sent) = (&app, &events, &ids, &sent);
        async move {
            let mut refused = Vec::new();
            let mut n = 0;
            while n < AT_LEAST || !sent.load(Ordering::SeqCst) {
                let external = format!("s-{c}-{n}");
                let partner = &ids[(c * 700 + n) % ids.len()];
                let input = crate::support::sales::sale_input(partner, &external, "100.00");
                let (status, body) = app
                    .post(
                        Some(events),
                        crate::support::sales::RECORD,
                        json!({ "input": input }),
                    )
                    .await;
                let amount = &body["data"]["recordEvent"]["commissions"][0]["amount"];
                if status != 200 || body.get("errors").is_some() || *amount != "10.00" {
                    refused.push(body);
                }
                n += 1;
            }
            (n, refused)
        }
    };
    let (made, clients) = tokio::join!(broadcast, join_all((0..CLIENTS).map(client)));
    let recorded: usize = clients.iter().map(|(n, _)| n).sum();
    let refused: Vec<&Value> = clients.iter().flat_map(|(_, r)| r).collect();
    assert!(
        refused.is_empty(),
        "{} of {recorded} sales refused while the broadcast sent; the first: {}",
        refused.len(),
        refused[0]
    );
    assert!(recorded >= CLIENTS * AT_LEAST);
    let id = made["id"].as_str().unwrap();
    assert_eq!(made["recipients"], 6000, "{made}");
    let sent = state(&app, id).await;
    assert_eq!(
        (&sent["status"], &sent["recipients"], &sent["delivered"]),
        (&json!("SENT"), &json!(6000), &json!(6000))
    );
    assert_eq!(written(&app, id).await, (6000, 6000));
    assert_eq!(mailed(&app).await, (6000, 6000));
}

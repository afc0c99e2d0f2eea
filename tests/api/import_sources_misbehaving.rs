//! Hardening, round 5 (issue 69) — imports and what meets them: a sale the
//! Stripe connector delivers after an import brought it over (item 2),
//! negative amounts at a source (5), one address per partner (6), a
//! source whose paging never ends (13), a page slower than the lease (14),
//! answers past the body limits of imports and payout rails (16), and a
//! source that cannot be reached (17).
//!
//! The sources are local servers written here at the socket (so that an
//! answer can stream past a limit and then hang), or the Rewardful
//! fixture of `imports.rs`.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::connectors::{configure, handled, invoice};
use crate::support::imports::{START, ended_meanwhile, import, start};
use crate::support::partners::partner_by_external;
use crate::support::sources::{rewardful, serve};
use revshare::http::Options;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_databases_with!(
    options;
    an_invoice_paid_after_an_import_is_not_accrued_again,
    negative_commissions_from_a_source_are_problems_never_commissions,
    one_address_is_one_partner_whatever_its_case_or_normalisation,
    addresses_shared_before_the_rule_survive_its_migration,
    a_source_whose_paging_never_ends_fails_naming_it,
    an_answer_past_the_import_limit_is_read_no_further,
    a_rail_answer_past_its_limit_is_read_no_further,
    an_unreachable_source_is_named_with_its_network_error,
);

on_both_databases_with!(short_lease; a_page_slower_than_the_lease_is_read_once);

fn options() -> Options {
    crate::support::imports::options()
}

/// The lease of a running import lasts a second: a page read slower than
/// it shows whether the lease is renewed meanwhile.
fn short_lease() -> Options {
    let mut options = options();
    options.import_lease = chrono::Duration::seconds(1);
    options
}

// ------------------------------------------------------- a local source

/// What the local source answers a request.
#[derive(Clone)]
enum Reply {
    Json(Value),
    /// JSON, after a pause.
    Slow(Duration, Value),
    /// `bytes` of a JSON array's start, then nothing more, ever: an answer
    /// past any limit that never ends.
    Endless(usize),
}

type Route = Arc<dyn Fn(&str, &HashMap<String, String>) -> Reply + Send + Sync>;

/// A source at the socket: each request answered by `route(path, query)`,
/// on a connection of its own; what it was asked, by `path?page=`-like
/// key (`path` and its `page` or `starting_after`).
#[derive(Clone)]
struct Local {
    base: String,
    asked: Arc<Mutex<HashMap<String, usize>>>,
}

impl Local {
    async fn start(route: Route) -> Local {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let asked: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counted = asked.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (route, counted) = (route.clone(), counted.clone());
                tokio::spawn(async move { answer(socket, route, counted).await });
            }
        });
        Local { base, asked }
    }

    fn asked(&self, key: &str) -> usize {
        self.asked.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

async fn answer(
    mut socket: tokio::net::TcpStream,
    route: Route,
    asked: Arc<Mutex<HashMap<String, usize>>>,
) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = socket.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_string();
    // The body, if any (a token request's form), read whole.
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            (name.eq_ignore_ascii_case("content-length")).then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let url = url::Url::parse(&format!("http://local{target}")).unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let key = match query.get("page").or(query.get("starting_after")) {
        Some(at) => format!("{}?{at}", url.path()),
        None => url.path().to_owned(),
    };
    *asked.lock().unwrap().entry(key).or_default() += 1;
    let reply = route(url.path(), &query);
    let body = match reply {
        Reply::Json(body) => body.to_string(),
        Reply::Slow(pause, body) => {
            tokio::time::sleep(pause).await;
            body.to_string()
        }
        Reply::Endless(bytes) => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let _ = socket.write_all(b"[").await;
            let mut sent = 0;
            while sent < bytes {
                if socket.write_all(&chunk).await.is_err() {
                    return;
                }
                sent += chunk.len();
            }
            // Then nothing more, until the reader gives up.
            let _ = socket.read(&mut buffer).await;
            return;
        }
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// A Rewardful list answer: `data`, and `next_page`.
fn rewardful_page(data: Value, next: Option<u64>) -> Value {
    let count = data.as_array().map_or(0, Vec::len);
    json!({ "pagination": { "next_page": next, "total_count": count }, "data": data })
}

/// A small Rewardful program: one affiliate, one paid commission of 12.00
/// on a sale of 40.00; `commissions` answers its pages.
fn small_program(
    commissions: impl Fn(u64) -> Reply + Send + Sync + 'static,
) -> impl Fn(&str, &HashMap<String, String>) -> Reply + Send + Sync {
    move |path, query| {
        let page: u64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        match path {
            "/v1/campaigns" | "/v1/referrals" | "/v1/affiliate_coupons" => {
                Reply::Json(rewardful_page(json!([]), None))
            }
            "/v1/affiliates" => Reply::Json(rewardful_page(
                json!([{ "id": "aff-ann", "first_name": "Ann", "last_name": "Able",
                    "email": "ann@example.com", "paypal_email": null, "state": "active", "links": [] }]),
                None,
            )),
            "/v1/commissions" => commissions(page),
            _ => Reply::Json(json!({ "error": "not found" })),
        }
    }
}

fn paid_commission(id: &str, cents: i64) -> Value {
    json!({ "id": id, "amount": cents, "currency": "USD", "state": "paid",
        "paid_at": "2026-06-15T12:00:00.000Z", "created_at": "2026-05-01T10:00:00.000Z",
        "sale": { "id": format!("sale-{id}"), "currency": "USD", "charged_at": "2026-05-01T10:00:00.000Z",
            "sale_amount_cents": 4000, "affiliate": { "id": "aff-ann" } } })
}

async fn totals(app: &TestApp) -> Value {
    app.ok(
        &app.admin(),
        "{ programTotals { currency accrued approved paid } }",
        json!({}),
    )
    .await["programTotals"]
        .clone()
}

// ------------------------------------------------------------- item 2

/// An import brings Carl's sale of 33.30 over (its 9.99, pending); then
/// Stripe delivers the same invoice — same customer, same amount, within
/// the hour: recorded, earning nothing, naming the imported sale. A second
/// invoice of the same amount within the hour is another sale, and earns.
async fn an_invoice_paid_after_an_import_is_not_accrued_again(app: TestApp) {
    let (base, _) = serve(rewardful()).await;
    let done = import(&app, &base, false).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["commissions"], 6);
    let before = totals(&app).await;
    assert_eq!(
        before,
        json!([
            { "currency": "EUR", "accrued": "0.00", "approved": "0.00", "paid": "20.00" },
            { "currency": "USD", "accrued": "39.99", "approved": "30.00", "paid": "30.00" },
        ])
    );

    configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    handled(
        &app,
        &invoice("in_after", "evt_after", "cus_C", 3330, 0, "usd", None),
        "done",
    )
    .await;
    let carl = partner_by_external(&app, "rewardful:aff-carl").await;
    assert_eq!(
        carl["balance"],
        json!([{ "currency": "USD", "accrued": "9.99", "approved": "0.00", "paid": "0.00" }])
    );
    assert_eq!(totals(&app).await, before);
    let nothing = app
        .ok(
            &app.admin(),
            "{ events(outcome: NOTHING, first: 10) { nodes { externalId amount nothingReason } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nothing["events"]["nodes"],
        json!([{ "externalId": "stripe:in_after", "amount": "33.30",
            "nothingReason": "the same sale was imported already as rewardful:commission:com-6 (same customer, same sale): not accrued again" }])
    );

    // The imported sale answers one invoice: a second one is a sale.
    handled(
        &app,
        &invoice("in_second", "evt_second", "cus_C", 3330, 0, "usd", None),
        "done",
    )
    .await;
    let carl = partner_by_external(&app, "rewardful:aff-carl").await;
    assert_eq!(
        carl["balance"],
        json!([{ "currency": "USD", "accrued": "19.98", "approved": "0.00", "paid": "0.00" }])
    );
}

// ------------------------------------------------------------- item 5

const CSV_NEGATIVE: &str = "partner_id,name,email,status
p1,Ann Able,ann@example.com,active

commission_id,partner_id,amount,currency,sale_amount,status,earned_at,due_at,paid_at
c-ok,p1,12.00,USD,40.00,paid,2026-05-01,,2026-06-01
c-neg,p1,-7.50,USD,25.00,paid,2026-05-02,,2026-06-01
c-neg-sale,p1,3.00,USD,-10.00,due,2026-05-03,,
";

async fn negative_commissions_from_a_source_are_problems_never_commissions(app: TestApp) {
    // A CSV's −7.50 paid commission, and a sale of −10.00.
    let id = start(&app, "CSV", json!({ "csv": CSV_NEGATIVE })).await;
    let done = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["commissions"], 1);
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "commission", "externalId": "c-neg",
              "reason": "its amount is negative (-7.50 USD): a negative commission is not imported (a clawback owed is recorded in revshare)" },
            { "entity": "commission", "externalId": "c-neg-sale",
              "reason": "its sale_amount is negative (-10.00 USD): a negative commission is not imported (a clawback owed is recorded in revshare)" },
        ])
    );
    let ann = partner_by_external(&app, "csv:p1").await;
    assert_eq!(
        ann["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "12.00" }])
    );

    // Rewardful's commission of −500 marked due.
    let mut fixture = rewardful();
    fixture.faults.clear();
    let mut negative = fixture.lists["commissions"][1].clone();
    negative["id"] = json!("com-neg");
    negative["amount"] = json!(-500);
    fixture.lists.get_mut("commissions").unwrap().push(negative);
    let (base, _) = serve(fixture).await;
    let done = import(&app, &base, false).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["commissions"], 6);
    let problems = done["problems"]["nodes"].as_array().unwrap();
    assert!(
        problems.contains(&json!({ "entity": "commission", "externalId": "com-neg",
            "reason": "its amount is negative (-5.00 USD): a negative commission is not imported (a clawback owed is recorded in revshare)" })),
        "{problems:?}"
    );
    // Jane's due commission is 30.00, not 25.00.
    let jane = partner_by_external(&app, "rewardful:aff-jane").await;
    assert_eq!(
        jane["balance"],
        json!([{ "currency": "USD", "accrued": "30.00", "approved": "30.00", "paid": "30.00" }])
    );
    let negatives = app
        .ok(
            &app.admin(),
            "{ commissions(first: 100) { nodes { amount } } }",
            json!({}),
        )
        .await;
    assert!(
        negatives["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["amount"].as_str().unwrap().starts_with('-')),
        "{negatives}"
    );
}

// ------------------------------------------------------------- item 6

const CREATE: &str =
    "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdatePartnerInput!) { updatePartner(id: $id, input: $input) { id email } }";

async fn one_address_is_one_partner_whatever_its_case_or_normalisation(app: TestApp) {
    // "José" composed (NFC).
    let jose = app
        .create_partner(json!({ "name": "José", "email": "Jos\u{e9}@Example.com" }))
        .await;
    let named = format!(
        "input.email: is already the address of partner \"José\" ({jose}): one address, one partner"
    );
    // Decomposed (NFD), and in capitals.
    for address in ["jose\u{301}@example.com", "JOS\u{c9}@EXAMPLE.COM"] {
        let refused = app
            .error(
                Some(&app.admin()),
                CREATE,
                json!({ "input": { "name": "Another", "email": address } }),
            )
            .await;
        assert_eq!(
            (code(&refused), field(&refused)),
            ("BAD_USER_INPUT", "input.email"),
            "{refused}"
        );
        assert_eq!(refused["message"], named.as_str());
    }
    let other = app
        .create_partner(json!({ "name": "Other", "email": "other@example.com" }))
        .await;
    let refused = app
        .error(
            Some(&app.admin()),
            UPDATE,
            json!({ "id": other, "input": { "email": "JOSE\u{301}@example.com" } }),
        )
        .await;
    assert_eq!(field(&refused), "input.email");
    assert_eq!(refused["message"], named.as_str());
    // A partner keeps its own address in another case.
    let own = app
        .ok(
            &app.admin(),
            UPDATE,
            json!({ "id": jose, "input": { "email": "JOS\u{c9}@example.com" } }),
        )
        .await;
    assert_eq!(own["updatePartner"]["email"], "JOS\u{c9}@example.com");

    // An import: a partner whose address another holds (the program's,
    // or an earlier one of the import's) comes without it, as a problem.
    let csv = "partner_id,name,email,status
p1,Jo Import,jose\u{301}@EXAMPLE.com,active
p2,Zed,zed@example.com,active
p3,Zed Again,ZED@example.com,active
";
    for dry in [true, false] {
        let started = app
            .ok(
                &app.admin(),
                START,
                json!({ "input": { "source": "CSV", "credentials": { "csv": csv }, "dryRun": dry } }),
            )
            .await;
        let id = started["startImport"]["id"].as_str().unwrap().to_owned();
        let done = ended_meanwhile(&app, &id, async || {}).await;
        assert_eq!(done["status"], "DONE", "{done}");
        assert_eq!(done["counts"]["partners"], 3);
        let zed = match dry {
            true => "another partner of this import".to_owned(),
            false => {
                let zed = partner_by_external(&app, "csv:p2").await;
                format!(
                    "partner \"Zed\" ({}) of the program",
                    zed["id"].as_str().unwrap()
                )
            }
        };
        assert_eq!(
            done["problems"]["nodes"],
            json!([
                { "entity": "partner", "externalId": "p1",
                  "reason": format!("its e-mail jose\u{301}@EXAMPLE.com is the address of partner \"José\" ({jose}) of the program already: imported without it") },
                { "entity": "partner", "externalId": "p3",
                  "reason": format!("its e-mail ZED@example.com is the address of {zed} already: imported without it") },
            ]),
            "dry run: {dry}"
        );
    }
    let p1 = partner_by_external(&app, "csv:p1").await;
    assert_eq!(p1["email"], Value::Null);
    let p3 = partner_by_external(&app, "csv:p3").await;
    assert_eq!(p3["email"], Value::Null);
}

/// Partners made before the rule may share an address: the migration
/// keeps them all, the oldest holds the address, and nobody can be given
/// it again.
async fn addresses_shared_before_the_rule_survive_its_migration(app: TestApp) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let first = app
        .create_partner(json!({ "name": "First", "email": "kim@example.com" }))
        .await;
    let second = app
        .create_partner(json!({ "name": "Second", "email": "second@example.com" }))
        .await;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|n| n == "m20261208_000031_partner_email_keys")
        .unwrap();
    let txn = app.db.write().await.unwrap();
    Migrator::down(txn.unbounded(), Some((names.len() - position) as u32))
        .await
        .unwrap();
    // As before the rule: the second partner takes the first's address in
    // capitals.
    txn.unbounded()
        .execute_unprepared(&format!(
            "UPDATE partners SET email = 'KIM@Example.com' WHERE id = '{second}'"
        ))
        .await
        .unwrap();
    Migrator::up(txn.unbounded(), None).await.unwrap();
    txn.commit().await.unwrap();

    let keys: Vec<(String, Option<String>)> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
        entity::partner::Entity::find()
            .select_only()
            .columns([
                entity::partner::Column::Id,
                entity::partner::Column::EmailKey,
            ])
            .filter(entity::partner::Column::Id.is_in([first.as_str(), second.as_str()]))
            .into_tuple()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    let keys: HashMap<String, Option<String>> = keys.into_iter().collect();
    assert_eq!(keys[&first].as_deref(), Some("kim@example.com"));
    assert_eq!(keys[&second], None);
    let refused = app
        .error(
            Some(&app.admin()),
            CREATE,
            json!({ "input": { "name": "Third", "email": "Kim@example.com" } }),
        )
        .await;
    assert_eq!(
        refused["message"],
        format!(
            "input.email: is already the address of partner \"First\" ({first}): one address, one partner"
        )
    );
}

// ------------------------------------------------------------ item 13

async fn a_source_whose_paging_never_ends_fails_naming_it(app: TestApp) {
    // Rewardful: a `next_page` that never ends, the same commissions on
    // every page.
    let endless = Local::start(Arc::new(small_program(|page| {
        Reply::Json(rewardful_page(
            json!([paid_commission("com-1", 1200)]),
            Some(page + 1),
        ))
    })))
    .await;
    let id = start(
        &app,
        "REWARDFUL",
        json!({ "apiKey": "key", "baseUrl": endless.base }),
    )
    .await;
    let failed = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(
        failed["error"],
        "Rewardful answered the same page of commissions twice (before 3): its paging loops"
    );
    assert_eq!(endless.asked("/v1/commissions?3"), 0);

    // PartnerStack: `has_more` naming the same last key again.
    let looping = Local::start(Arc::new(|path: &str, query: &HashMap<String, String>| {
        let list = |items: Value, more: bool| {
            Reply::Json(json!({ "data": { "items": items, "has_more": more } }))
        };
        match (path, query.get("starting_after").map(String::as_str)) {
            ("/api/v2/partnerships", None) => list(
                json!([{ "key": "part_a", "first_name": "A" }, { "key": "part_b", "first_name": "B" }]),
                true,
            ),
            ("/api/v2/partnerships", Some(_)) => list(
                json!([{ "key": "part_c", "first_name": "C" }, { "key": "part_b", "first_name": "B" }]),
                true,
            ),
            _ => list(json!([]), false),
        }
    }))
    .await;
    let id = start(
        &app,
        "PARTNERSTACK",
        json!({ "publicKey": "pk", "secretKey": "sk", "baseUrl": looping.base }),
    )
    .await;
    let failed = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(
        failed["error"],
        "PartnerStack named the page part_b of partners again: its paging loops"
    );
    // The tenant's next import is not held up.
    let csv = "partner_id,name\np1,Pat\n";
    let next = start(&app, "CSV", json!({ "csv": csv })).await;
    assert_eq!(
        ended_meanwhile(&app, &next, async || {}).await["status"],
        "DONE"
    );
}

// ------------------------------------------------------------ item 14

/// The first page of commissions takes 3.5 s, the lease a second: other
/// replicas look for imports nobody holds all the while, and none takes
/// this one up — the page is read once and written.
async fn a_page_slower_than_the_lease_is_read_once(app: TestApp) {
    let slow = Local::start(Arc::new(small_program(|_| {
        Reply::Slow(
            Duration::from_millis(3500),
            rewardful_page(json!([paid_commission("com-1", 1200)]), None),
        )
    })))
    .await;
    let id = start(
        &app,
        "REWARDFUL",
        json!({ "apiKey": "key", "baseUrl": slow.base }),
    )
    .await;
    let settings = revshare::imports::Settings {
        data_key: app.data_key.clone(),
        allow_private: true,
        lease: chrono::Duration::seconds(1),
        wake: Default::default(),
    };
    let jobs = revshare::jobs::Shutdown::new();
    let done = ended_meanwhile(&app, &id, async || {
        revshare::imports::take_up(&app.db, &settings, &jobs.runner())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        slow.asked("/v1/commissions?1"),
        1,
        "the page was read again"
    );
    assert_eq!(done["counts"]["commissions"], 1);
    let ann = partner_by_external(&app, "rewardful:aff-ann").await;
    assert_eq!(
        ann["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "12.00" }])
    );
}

// ------------------------------------------------------------ item 16

/// A page of affiliates that streams past 16 MiB and never ends: the
/// import fails at the limit, naming the page.
async fn an_answer_past_the_import_limit_is_read_no_further(app: TestApp) {
    let oversized = Local::start(Arc::new(
        |path: &str, _: &HashMap<String, String>| match path {
            "/v1/affiliates" => Reply::Endless(17 * 1024 * 1024),
            _ => Reply::Json(rewardful_page(json!([]), None)),
        },
    ))
    .await;
    let id = start(
        &app,
        "REWARDFUL",
        json!({ "apiKey": "key", "baseUrl": oversized.base }),
    )
    .await;
    let failed = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(
        failed["error"],
        "Rewardful: /v1/affiliates answered more than 16 MiB: reading stopped there"
    );
}

/// PayPal's token answer streams past 4 MiB and never ends: the payout
/// stays queued, tried again later, with the rail's words.
async fn a_rail_answer_past_its_limit_is_read_no_further(app: TestApp) {
    let paypal = Local::start(Arc::new(
        |path: &str, _: &HashMap<String, String>| match path {
            "/v1/oauth2/token" => Reply::Endless(5 * 1024 * 1024),
            _ => Reply::Json(json!({})),
        },
    ))
    .await;
    crate::support::rails::configure_paypal(&app, &paypal.base).await;
    let partner = crate::support::partners::partner_at(&app, "Nia", 10).await;
    crate::support::payouts::paypal(&app, &partner, "nia@example.com").await;
    let mut sale = crate::support::sales::sale_input(&partner, "n-1", "100");
    sale["occurredAt"] = json!("2026-01-10T12:00:00Z");
    let commission = crate::support::sales::commission_id(&app, sale).await;
    crate::support::payouts::approve(&app, &[&commission]).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let run = app
        .ok(
            &app.service("commissions:write"),
            "mutation($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { id payouts { id } } }",
            json!({ "input": { "periodEnd": today } }),
        )
        .await["createPayoutRun"]
        .clone();
    let payout = run["payouts"][0]["id"].as_str().unwrap().to_owned();
    app.ok(
        &app.service("commissions:write"),
        "mutation($input: SendPayoutsInput!) { sendPayouts(input: $input) { id } }",
        json!({ "input": { "runId": run["id"], "rail": "PAYPAL_PAYOUTS" } }),
    )
    .await;
    let query =
        "query($id: ID!) { node(id: $id) { ... on Payout { status railStatus railError } } }";
    let mut now = Value::Null;
    for _ in 0..600 {
        now = app.ok(&app.admin(), query, json!({ "id": payout })).await["node"].clone();
        if !now["railError"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        (now["status"].as_str(), now["railStatus"].as_str()),
        (Some("PENDING"), Some("QUEUED")),
        "{now}"
    );
    let said = now["railError"].as_str().unwrap();
    assert!(
        said.starts_with("PayPal answered more than 4 MiB: reading stopped there; tried again at "),
        "{said}"
    );
}

// ------------------------------------------------------------ item 17

async fn an_unreachable_source_is_named_with_its_network_error(app: TestApp) {
    let unresolved = app
        .error(
            Some(&app.admin()),
            START,
            json!({ "input": { "source": "REWARDFUL",
                "credentials": { "apiKey": "rwf_live_never_answered", "baseUrl": "https://nonexistent.invalid" } } }),
        )
        .await;
    assert_eq!(
        (code(&unresolved), field(&unresolved)),
        ("BAD_USER_INPUT", "input.credentials.baseUrl"),
        "{unresolved}"
    );
    let message = unresolved["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "input.credentials.baseUrl: could not reach Rewardful at https://nonexistent.invalid: dns error"
        ),
        "{message}"
    );
    assert!(!message.contains("rwf_live"), "{message}");

    // Nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let refused = app
        .error(
            Some(&app.admin()),
            START,
            json!({ "input": { "source": "REWARDFUL",
                "credentials": { "apiKey": "key", "baseUrl": format!("http://{closed}") } } }),
        )
        .await;
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "input.credentials.baseUrl: could not reach Rewardful at http://{closed}: connection refused"
        )),
        "{message}"
    );
}

//! The PartnerStack account the switch test reads: a local server that
//! answers as PartnerStack's vendor API v2 documents describe (HTTP Basic
//! public:secret; `{"data": {"items", "has_more"}, "message", "status"}`;
//! `limit` and `starting_after` over keys, newest first; times in
//! milliseconds; amounts in cents of each object's `currency`), and the
//! program it holds.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct Account {
    /// Each list by its path (`rewards?status=scheduled` apart).
    lists: HashMap<String, Vec<Value>>,
    /// The requests made, by path and query.
    pub(super) asked: Vec<String>,
}

type Shared = Arc<Mutex<Account>>;

pub(super) async fn serve(account: Account) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(account));
    let router = axum::Router::new()
        .route("/api/v2/{*path}", axum::routing::get(answer))
        .with_state(shared.clone());
    (crate::helpers::serve_local(router).await, shared)
}

async fn answer(
    State(shared): State<Shared>,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let basic = base64::engine::general_purpose::STANDARD.encode("pk_live:sk_live");
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {basic}"));
    if !authorized {
        let refused = json!({ "message": "Unauthorized", "status": 401 });
        return (StatusCode::UNAUTHORIZED, axum::Json(refused)).into_response();
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut account = shared.lock().unwrap();
    let key = match param("status") {
        Some(status) => format!("{path}?status={status}"),
        None => path.clone(),
    };
    account.asked.push(key.clone());
    let Some(rows) = account.lists.get(&key).cloned() else {
        let missing = json!({ "message": "Not found", "status": 404 });
        return (StatusCode::NOT_FOUND, axum::Json(missing)).into_response();
    };
    // `limit` is 1 to 250, 10 by default; this server answers at most 2
    // a page, so that every list spans pages.
    let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
    if !(1..=250).contains(&limit) {
        let bad = json!({ "message": "limit must be between 1 and 250", "status": 400 });
        return (StatusCode::BAD_REQUEST, axum::Json(bad)).into_response();
    }
    let size = limit.min(2);
    let from = match param("starting_after") {
        Some(after) => match rows.iter().position(|r| r["key"] == after.as_str()) {
            Some(at) => at + 1,
            None => {
                let bad = json!({ "message": "starting_after names no object", "status": 400 });
                return (StatusCode::BAD_REQUEST, axum::Json(bad)).into_response();
            }
        },
        None => 0,
    };
    let items: Vec<Value> = rows.iter().skip(from).take(size).cloned().collect();
    let has_more = from + size < rows.len();
    axum::Json(json!({ "data": { "items": items, "has_more": has_more },
        "message": "Page returned successfully", "status": 200 }))
    .into_response()
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn ms(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .timestamp_millis()
}

fn group(key: &str, name: &str, slug: &str, default: bool) -> Value {
    json!({ "key": key, "created_at": ms("2024-01-01T00:00:00Z"), "updated_at": ms("2024-01-01T00:00:00Z"),
        "name": name, "slug": slug, "default": default, "archived": false, "features": {} })
}

#[allow(clippy::too_many_arguments)]
fn partnership(
    key: &str,
    first: &str,
    last: &str,
    partner_key: &str,
    group: &Value,
    joined: &str,
    country: Option<&str>,
    approved: &str,
) -> Value {
    json!({ "key": key, "created_at": ms(joined), "updated_at": ms(joined), "joined_at": ms(joined),
        "partner_key": partner_key, "email": format!("{partner_key}@partners.example"),
        "first_name": first, "last_name": last, "group": group,
        "address": { "country": country }, "stats": { "CUSTOMER_COUNT": 1 }, "m_data": {},
        "manager": null, "team": null, "tags": [], "approved_status": approved, "archived": false })
}

fn customer(
    key: &str,
    partnership: &str,
    provider: Option<&str>,
    own: Option<&str>,
    at: &str,
) -> Value {
    json!({ "key": key, "created_at": ms(at), "updated_at": ms(at), "customer_key": own,
        "email": format!("{key}@buyer.example"), "name": null, "provider_key": provider,
        "partnership_key": partnership, "partner_key": null, "test": false,
        "source_key": null, "source_type": "link", "meta": null, "fields": [] })
}

/// A reward: `cents` in `currency`; the sale it came of (`sale`: its
/// key, cents and currency), none for a manual bonus.
#[allow(clippy::too_many_arguments)]
fn reward(
    key: &str,
    partnership: &str,
    customer: Option<&str>,
    cents: i64,
    currency: &str,
    status: &str,
    created: &str,
    sale: Option<(&str, i64)>,
    paid_on: Option<&str>,
) -> Value {
    json!({ "key": key, "created_at": ms(created), "updated_at": ms(created), "amount": cents,
        "currency": currency, "description": "Revenue share", "reward_status": status,
        "customer": customer.map(|c| json!({ "key": c, "email": format!("{c}@buyer.example"), "name": null, "external_key": null })),
        "transaction": sale.map(|(k, amount)| json!({ "key": k, "amount": amount, "currency": currency })),
        "partnership": { "key": partnership, "name": "x", "email": null, "group": null },
        "invoice": paid_on.map(|at| json!({ "key": format!("invo_{key}"), "payment_date": ms(at), "status": "charge_succeeded" })),
        "offer": { "key": "offr_1", "description": "20% of revenue" }, "trigger": { "key": "trig_1" }, "action": null })
}

/// A Los Angeles program: two groups; five partnerships (approved in
/// Brazil and Japan, a country by name, one pending, one archived); USD
/// and EUR rewards in every state, one only in the scheduled list, a
/// manual bonus, payouts on New Year's Eve in Los Angeles and on 2
/// January.
pub(super) fn account() -> Account {
    let affiliates = group("grup_aff", "Affiliates", "affiliates", true);
    let resellers = group("grup_res", "Resellers", "resellers", false);
    let mut archived = partnership(
        "part_old",
        "Olga",
        "Old",
        "olga",
        &affiliates,
        "2024-02-01T10:00:00Z",
        Some("DE"),
        "approved",
    );
    archived["archived"] = json!("true");
    // Newest first, as PartnerStack lists.
    let partnerships = vec![
        partnership(
            "part_uma",
            "Uma",
            "States",
            "uma",
            &affiliates,
            "2025-06-01T10:00:00Z",
            Some("United States"),
            "approved",
        ),
        partnership(
            "part_sue",
            "Sue",
            "Pending",
            "sue",
            &affiliates,
            "2025-05-01T10:00:00Z",
            None,
            "pending",
        ),
        partnership(
            "part_ken",
            "健二",
            "山田",
            "kenji",
            &affiliates,
            "2025-04-01T10:00:00Z",
            Some("JP"),
            "approved",
        ),
        partnership(
            "part_ana",
            "Ana",
            "Lima",
            "ana",
            &resellers,
            "2025-03-01T10:00:00Z",
            Some("BR"),
            "approved",
        ),
        archived,
    ];
    let mut test_customer = customer(
        "cust_test",
        "part_ana",
        Some("cus_test"),
        None,
        "2025-03-05T10:00:00Z",
    );
    test_customer["test"] = json!(true);
    let customers = vec![
        customer(
            "cust_ana1",
            "part_ana",
            Some("cus_ana_1"),
            Some("user-1"),
            "2025-03-10T10:00:00Z",
        ),
        customer(
            "cust_ken1",
            "part_ken",
            Some("cus_ken_1"),
            None,
            "2025-04-10T10:00:00Z",
        ),
        test_customer,
        customer("cust_none", "part_ken", None, None, "2025-04-11T10:00:00Z"),
    ];
    let rewards = vec![
        // Paid out on New Year's Eve in Los Angeles (1 January in UTC).
        reward(
            "rwrd_1",
            "part_ana",
            Some("cust_ana1"),
            3000,
            "USD",
            "paid",
            "2025-11-10T10:00:00Z",
            Some(("in_ana_1", 10_000)),
            Some("2026-01-01T04:00:00Z"),
        ),
        reward(
            "rwrd_2",
            "part_ana",
            Some("cust_ana1"),
            1500,
            "USD",
            "approved",
            "2026-10-10T10:00:00Z",
            Some(("in_ana_2", 5_000)),
            None,
        ),
        reward(
            "rwrd_3",
            "part_ana",
            Some("cust_ana1"),
            900,
            "USD",
            "pending",
            "2026-11-10T10:00:00Z",
            Some(("in_ana_3", 3_000)),
            None,
        ),
        reward(
            "rwrd_4",
            "part_ken",
            Some("cust_ken1"),
            2000,
            "EUR",
            "approved",
            "2026-10-12T10:00:00Z",
            Some(("in_ken_1", 10_000)),
            None,
        ),
        reward(
            "rwrd_5",
            "part_ken",
            Some("cust_ken1"),
            700,
            "EUR",
            "hold",
            "2026-11-12T10:00:00Z",
            Some(("in_ken_2", 3_500)),
            None,
        ),
        reward(
            "rwrd_6",
            "part_sue",
            None,
            400,
            "USD",
            "declined",
            "2026-09-01T10:00:00Z",
            None,
            None,
        ),
        // A manual bonus: no customer, no sale; paid on 2 January.
        reward(
            "rwrd_7",
            "part_ken",
            None,
            5000,
            "EUR",
            "paid",
            "2025-12-20T10:00:00Z",
            None,
            Some("2026-01-02T18:00:00Z"),
        ),
    ];
    let scheduled = vec![reward(
        "rwrd_8",
        "part_ana",
        Some("cust_ana1"),
        600,
        "USD",
        "scheduled",
        "2026-11-20T10:00:00Z",
        Some(("in_ana_4", 2_000)),
        None,
    )];
    let links = |url: &str| {
        vec![
            json!({ "key": format!("lnk_{url}"), "dest": "https://acme.example/pricing", "url": url }),
        ]
    };
    let lists = HashMap::from([
        (
            "groups".to_owned(),
            vec![resellers.clone(), affiliates.clone()],
        ),
        ("partnerships".to_owned(), partnerships),
        (
            "links/partnership/part_ana".to_owned(),
            links("https://acme.partnerlinks.io/ana-vip"),
        ),
        (
            "links/partnership/part_ken".to_owned(),
            links("https://acme.example/?ps_partner_key=kenji&ps_xid=x1"),
        ),
        ("links/partnership/part_sue".to_owned(), Vec::new()),
        ("links/partnership/part_uma".to_owned(), Vec::new()),
        ("links/partnership/part_old".to_owned(), Vec::new()),
        ("customers".to_owned(), customers),
        ("rewards".to_owned(), rewards),
        ("rewards?status=scheduled".to_owned(), scheduled),
    ]);
    Account {
        lists,
        asked: Vec::new(),
    }
}

/// The program with the clawbacks PartnerStack booked on refunds, listed
/// before the rewards they take back: Ana's of a refund naming no sale of
/// hers and of one naming her first invoice, Kenji's on no customer (one
/// of them settled in a payout already), a declined one of Sue's; and the
/// partnerships' tags, as words and as objects.
pub(super) fn with_clawbacks() -> Account {
    let mut account = account();
    let taken_back = vec![
        reward(
            "rwrd_11",
            "part_ken",
            None,
            -1500,
            "EUR",
            "approved",
            "2026-11-26T10:00:00Z",
            None,
            None,
        ),
        // The refund's own transaction: it names no sale of Ana's.
        reward(
            "rwrd_9",
            "part_ana",
            Some("cust_ana1"),
            -1000,
            "USD",
            "approved",
            "2026-11-25T10:00:00Z",
            Some(("re_ana_1", -3_333)),
            None,
        ),
        // A part of her first invoice refunded: the transaction is its.
        reward(
            "rwrd_10",
            "part_ana",
            Some("cust_ana1"),
            -300,
            "USD",
            "approved",
            "2026-11-24T10:00:00Z",
            Some(("in_ana_1", -1_000)),
            None,
        ),
        reward(
            "rwrd_13",
            "part_sue",
            None,
            -200,
            "USD",
            "declined",
            "2026-09-05T10:00:00Z",
            None,
            None,
        ),
        // Taken off Kenji's payout of 2 January already.
        reward(
            "rwrd_12",
            "part_ken",
            None,
            -500,
            "EUR",
            "paid",
            "2025-12-22T10:00:00Z",
            None,
            Some("2026-01-02T18:00:00Z"),
        ),
    ];
    let rewards = account.lists.remove("rewards").unwrap_or_default();
    let listed = taken_back.into_iter().chain(rewards).collect();
    account.lists.insert("rewards".to_owned(), listed);
    let partnerships = account.lists.entry("partnerships".to_owned()).or_default();
    for partnership in partnerships.iter_mut() {
        match partnership["key"].as_str() {
            Some("part_ana") => partnership["tags"] = json!(["reseller", " emea "]),
            Some("part_ken") => partnership["tags"] = json!([{ "key": "tag_1", "name": "vip" }]),
            _ => {}
        }
    }
    account
}

/// The program with every reward scheduled: its default list of rewards
/// is empty, its scheduled list spans two pages.
pub(super) fn all_scheduled() -> Account {
    let mut account = account();
    account.lists.insert("rewards".to_owned(), Vec::new());
    let scheduled = account
        .lists
        .entry("rewards?status=scheduled".to_owned())
        .or_default();
    scheduled.push(reward(
        "rwrd_20",
        "part_ana",
        Some("cust_ana1"),
        450,
        "USD",
        "scheduled",
        "2026-11-21T10:00:00Z",
        Some(("in_ana_5", 1_500)),
        None,
    ));
    scheduled.push(reward(
        "rwrd_21",
        "part_ken",
        Some("cust_ken1"),
        800,
        "EUR",
        "scheduled",
        "2026-11-22T10:00:00Z",
        Some(("in_ken_3", 4_000)),
        None,
    ));
    account
}

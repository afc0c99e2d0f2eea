//! The Tapfiliate account the switch test reads: a local server that
//! answers as Tapfiliate's REST API v1.6 documents describe — `X-Api-Key`,
//! bare objects and arrays, `?page` from 1 with the next page only in the
//! `Link` header (Tapfiliate's own URLs), amounts as decimal numbers (or
//! numeric text) in major units, times with `+0000` or `+00:00` offsets —
//! and the program it holds.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct Account {
    /// Lists by path; objects by path as a list of one.
    lists: HashMap<String, Vec<Value>>,
    objects: HashMap<String, Value>,
    pub(super) asked: Vec<String>,
}

type Shared = Arc<Mutex<Account>>;

pub(super) async fn serve(account: Account) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(account));
    let router = axum::Router::new()
        .route("/1.6/{*path}", axum::routing::get(answer))
        .with_state(shared.clone());
    (crate::helpers::serve_local(router).await, shared)
}

async fn answer(
    State(shared): State<Shared>,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some("tap_live_key") {
        let refused = json!({ "message": "Authentication Failed.", "code": 401 });
        return (StatusCode::UNAUTHORIZED, axum::Json(refused)).into_response();
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut account = shared.lock().unwrap();
    account.asked.push(path.clone());
    if let Some(object) = account.objects.get(&path) {
        return axum::Json(object.clone()).into_response();
    }
    let Some(rows) = account.lists.get(&path).cloned() else {
        return (StatusCode::NOT_FOUND, "<html><body>Not found</body></html>").into_response();
    };
    // The lists filtered by program keep to it, as Tapfiliate's do.
    let rows: Vec<Value> = match param("program_id") {
        Some(program) => rows
            .into_iter()
            .filter(|r| r["program"]["id"] == program.as_str())
            .collect(),
        None => rows,
    };
    // 25 a page at Tapfiliate; 2 here, so that every list spans pages.
    let size = 2;
    let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let data: Vec<Value> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let last = rows.len().div_ceil(size).max(1);
    let own = |n: usize| {
        let mut q: Vec<String> = query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        q.push(format!("page={n}"));
        format!("<https://api.tapfiliate.com/1.6/{path}?{}>", q.join("&"))
    };
    let mut links = vec![
        format!("{}; rel=\"first\"", own(1)),
        format!("{}; rel=\"last\"", own(last)),
    ];
    if page < last {
        links.insert(0, format!("{}; rel=\"next\"", own(page + 1)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", own(page - 1)));
    }
    let mut response = axum::Json(json!(data)).into_response();
    response
        .headers_mut()
        .insert("link", links.join(", ").parse().unwrap());
    response
}

#[allow(clippy::too_many_arguments)]
fn affiliate(
    id: &str,
    first: &str,
    last: &str,
    approved: Value,
    group: Option<&str>,
    country: Option<(&str, &str)>,
    coupon: Option<&str>,
    applied: &str,
) -> Value {
    json!({ "id": id, "firstname": first, "lastname": last, "email": format!("{id}@partners.example"),
        "company": { "name": null, "description": null },
        "address": country.map(|(code, name)| json!({ "address": "1 Main St", "address_two": null, "postal_code": "1000",
            "city": "City", "state": null, "country": { "code": code, "name": name } })),
        "meta_data": {}, "parent_id": null,
        "referral_link": { "link": format!("https://acme.example/?ref={id}1"), "asset_id": "1-aaaaaa", "source_id": "1-ssssss" },
        "coupon": coupon, "approved": approved, "affiliate_group_id": group, "created_at": null,
        "applied_at": applied, "promoted_at": null, "promotion_method": null, "custom_fields": {} })
}

fn customer(id: &str, customer_id: &str, affiliate: &str, program: &str) -> Value {
    json!({ "id": id, "customer_id": customer_id, "status": "paying", "created_at": "2025-03-02T09:55:20+00:00",
        "click": { "created_at": "2025-03-01T12:39:19+0000", "referrer": null, "landing_page": "https://acme.example/" },
        "program": { "id": program, "title": "Acme", "currency": "EUR" },
        "affiliate": { "id": affiliate, "firstname": "x", "lastname": "y" },
        "affiliate_meta_data": [], "meta_data": {}, "warnings": [] })
}

/// A commission of a conversion: `amount` as Tapfiliate gives it (a
/// number or numeric text), its currency (none: the program's).
fn commission(
    id: i64,
    affiliate: &str,
    amount: Value,
    currency: Option<&str>,
    approved: Value,
    payout: Value,
) -> Value {
    json!({ "id": id, "conversion_sub_amount": 100, "amount": amount, "commission_type": "standard",
        "approved": approved, "affiliate": { "id": affiliate, "firstname": "x", "lastname": "y" },
        "kind": "regular", "currency": currency, "created_at": null, "payout": payout, "comment": null,
        "final": null, "commission_name": "Standard" })
}

fn conversion(
    id: i64,
    external: &str,
    affiliate: &str,
    customer: (&str, &str),
    at: &str,
    commissions: Vec<Value>,
) -> Value {
    json!({ "id": id, "external_id": external, "amount": 100, "click": null, "commissions": commissions,
        "program": { "id": "acme", "title": "Acme", "currency": "EUR" },
        "affiliate": { "id": affiliate, "firstname": "x", "lastname": "y" },
        "customer": { "id": customer.0, "customer_id": customer.1, "status": "paying" },
        "meta_data": {}, "created_at": at, "warnings": null, "affiliate_meta_data": { "subid1": "baz" } })
}

/// A Los Angeles program counted in EUR: a percentage, an affiliate group,
/// affiliates in France and the US (PayPal, ACH), one pending review, one
/// disapproved and paid by Venmo, one with no address; commissions in
/// every state, one in USD, amounts as numbers and as text; payments on
/// New Year's Eve in Los Angeles (named by its id) and on 2 January.
pub(super) fn account() -> Account {
    let program = json!({ "id": "acme", "title": "Acme Partners", "currency": "EUR", "cookie_time": 45,
        "default_landing_page_url": "https://acme.example/start", "recurring": true, "recurring_cap": null,
        "recurring_period_days": null, "program_category": null });
    let types = json!([{ "id": "default", "identifier": "standard", "name": "Standard", "title": "Standard",
        "type": "percentage", "percentage": 25, "amount": null, "is_default": true }]);
    let affiliates = vec![
        affiliate(
            "marie",
            "Marie",
            "Curie",
            json!(true),
            Some("gold"),
            Some(("FR", "France")),
            Some("MARIE10"),
            "2025-02-01T10:00:00+00:00",
        ),
        affiliate(
            "joe",
            "Joe",
            "Doe",
            json!(true),
            None,
            Some(("US", "United States")),
            None,
            "2025-03-01T10:00:00+00:00",
        ),
        affiliate(
            "pia",
            "Pia",
            "Wait",
            Value::Null,
            None,
            Some(("DE", "Germany")),
            None,
            "2025-04-01T10:00:00+00:00",
        ),
        affiliate(
            "dan",
            "Dan",
            "No",
            json!(false),
            None,
            Some(("CA", "Canada")),
            None,
            "2025-05-01T10:00:00+00:00",
        ),
        affiliate(
            "kai",
            "Kai",
            "Nowhere",
            json!(true),
            Some("gold"),
            None,
            None,
            "2025-06-01T10:00:00+00:00",
        ),
    ];
    let methods = |id: &str, title: &str, details: Value| {
        vec![json!({ "id": id, "title": title, "primary": true, "details": details })]
    };
    let conversions = vec![
        // Paid by the payment pay_1, made on New Year's Eve in Los Angeles.
        conversion(
            1,
            "in_marie_1",
            "marie",
            ("cu_1", "cus_marie_1"),
            "2025-11-10T10:00:00+0000",
            vec![commission(
                11,
                "marie",
                json!(25.5),
                None,
                json!(true),
                json!("pay_1"),
            )],
        ),
        conversion(
            2,
            "in_marie_2",
            "marie",
            ("cu_1", "cus_marie_1"),
            "2026-10-10T10:00:00+0000",
            vec![commission(
                12,
                "marie",
                json!("12.25"),
                None,
                json!(true),
                Value::Null,
            )],
        ),
        conversion(
            3,
            "in_marie_3",
            "marie",
            ("cu_1", "cus_marie_1"),
            "2026-11-10T10:00:00+0000",
            vec![commission(
                13,
                "marie",
                json!(9.9),
                None,
                Value::Null,
                Value::Null,
            )],
        ),
        // In USD, paid on 2 January.
        conversion(
            4,
            "in_joe_1",
            "joe",
            ("cu_2", "cus_joe_1"),
            "2025-12-01T10:00:00+0000",
            vec![commission(
                14,
                "joe",
                json!(60),
                Some("USD"),
                json!(true),
                json!({ "id": "pay_2", "amount": 60, "currency": "USD", "created_at": "2026-01-02T18:00:00+00:00" }),
            )],
        ),
        conversion(
            5,
            "in_joe_2",
            "joe",
            ("cu_2", "cus_joe_1"),
            "2026-10-12T10:00:00+0000",
            vec![commission(
                15,
                "joe",
                json!(30),
                Some("USD"),
                json!(true),
                Value::Null,
            )],
        ),
        conversion(
            6,
            "in_joe_3",
            "joe",
            ("cu_2", "cus_joe_1"),
            "2026-11-12T10:00:00+0000",
            vec![commission(
                16,
                "joe",
                json!(8),
                Some("USD"),
                Value::Null,
                Value::Null,
            )],
        ),
        conversion(
            7,
            "in_dan_1",
            "dan",
            ("cu_4", "cus_dan_1"),
            "2026-09-01T10:00:00+0000",
            vec![commission(
                17,
                "dan",
                json!(5),
                None,
                json!(false),
                Value::Null,
            )],
        ),
    ];
    let lists = HashMap::from([
        (
            "programs/acme/commission-types/".to_owned(),
            types.as_array().unwrap().clone(),
        ),
        (
            "affiliate-groups/".to_owned(),
            vec![json!({ "id": "gold", "title": "Gold", "affiliate_count": 2 })],
        ),
        ("programs/acme/affiliates/".to_owned(), affiliates),
        (
            "affiliates/marie/payout-methods/".to_owned(),
            methods(
                "paypal",
                "PayPal",
                json!({ "paypal_email": "marie@paypal.example" }),
            ),
        ),
        (
            "affiliates/joe/payout-methods/".to_owned(),
            methods(
                "ach",
                "ACH",
                json!({ "account_holder": "Joe Doe",
            "routing_number": "021000021", "account_number": "123456789", "account_type": "checking" }),
            ),
        ),
        ("affiliates/pia/payout-methods/".to_owned(), Vec::new()),
        (
            "affiliates/dan/payout-methods/".to_owned(),
            methods(
                "venmo",
                "Venmo",
                json!({ "username": "@dan", "phone": "555" }),
            ),
        ),
        ("affiliates/kai/payout-methods/".to_owned(), Vec::new()),
        (
            "customers/".to_owned(),
            vec![
                customer("cu_1", "cus_marie_1", "marie", "acme"),
                customer("cu_2", "cus_joe_1", "joe", "acme"),
                customer("cu_3", "cus_other_1", "joe", "acme-eu"),
                customer("cu_4", "cus_dan_1", "dan", "acme"),
            ],
        ),
        ("conversions/".to_owned(), conversions),
    ]);
    let objects = HashMap::from([
        ("programs/acme/".to_owned(), program),
        (
            "payments/pay_1/".to_owned(),
            json!({ "id": "pay_1", "affiliate": { "id": "marie", "firstname": "Marie", "lastname": "Curie" },
            "amount": 25.5, "currency": "EUR", "created_at": "2026-01-01T04:00:00+0000" }),
        ),
    ]);
    Account {
        lists,
        objects,
        asked: Vec::new(),
    }
}

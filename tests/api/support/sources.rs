//! A local server answering as Rewardful's API documents, for imports:
//! its fixture program, paging, `expand[]`, authentication and faults.

use crate::support::connectors::PAID_AT;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) const SECRET: &str = "rwf_secret_test";

/// Rows per page the fixture server answers (Rewardful's is `limit`, at
/// most 100): small, so every list spans pages.
const PAGE: usize = 2;

/// The fixture server's state: its objects and what it was asked.
#[derive(Default)]
pub(crate) struct Fixture {
    pub(crate) lists: HashMap<&'static str, Vec<Value>>,
    /// Requests per path, and the faults still to answer.
    pub(crate) asked: HashMap<String, usize>,
    pub(crate) faults: Vec<(String, u16)>,
    pub(crate) expands: Vec<(String, Vec<String>)>,
    /// How long each page of commissions takes to answer.
    pub(crate) slow_commissions: std::time::Duration,
    /// Pages of commissions asked for, counted as they arrive (before
    /// they are answered).
    pub(crate) commissions_arrived: usize,
}

pub(crate) type Shared = Arc<Mutex<Fixture>>;

fn time(offset_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(*PAID_AT + offset_seconds, 0)
        .unwrap()
        .to_rfc3339()
}

/// Rewardful's objects as its API reference documents them.
pub(crate) fn rewardful() -> Fixture {
    let campaign = |id: &str, name: &str, percent: &str, months: Option<i64>| {
        json!({ "id": id, "name": name, "url": "https://acme.example", "private": false,
            "private_tokens": false, "commission_amount_cents": null, "commission_amount_currency": null,
            "reward_type": "percent", "commission_percent": percent,
            "minimum_payout_cents": 0, "minimum_payout_currency": "USD",
            "max_commission_period_months": months, "max_commissions": null,
            "days_before_referrals_expire": 30, "days_until_commissions_are_due": 30,
            "stripe_coupon_id": null, "default": id == "c1",
            "created_at": "2025-01-01T00:00:00.000Z", "updated_at": "2025-01-01T00:00:00.000Z" })
    };
    let affiliate = |id: &str,
                     first: &str,
                     last: &str,
                     email: &str,
                     state: &str,
                     campaign: &str,
                     tokens: &[&str]| {
        // As the affiliate object documents it; its coupons are listed
        // apart (`/v1/affiliate_coupons`), below.
        json!({ "id": id, "first_name": first, "last_name": last, "email": email, "paypal_email": null,
            "state": state, "stripe_customer_id": null, "stripe_account_id": null,
            "visitors": 3, "leads": 1, "conversions": 1,
            "created_at": "2025-02-01T00:00:00.000Z", "updated_at": "2025-02-01T00:00:00.000Z",
            "campaign": { "id": campaign, "name": campaign },
            "links": tokens.iter().map(|t| json!({ "id": format!("link-{t}"), "url": format!("https://acme.example?via={t}"), "token": t, "visitors": 3, "leads": 1, "conversions": 1 })).collect::<Vec<_>>() })
    };
    let coupon = |code: &str, affiliate: &str| {
        json!({ "id": format!("coupon-{code}"), "external_id": format!("promo_{}", code.to_lowercase()),
            "token": code, "leads": 0, "conversions": 0, "archived": false, "affiliate_id": affiliate })
    };
    // The link it came through: the affiliate's first token, when it has
    // one (`aff-jane` → `jane`).
    let referral = |id: &str, affiliate: &str, state: &str, customer: Option<&str>, at: &str| {
        let token = match affiliate {
            "aff-jane" | "aff-bob" | "aff-eva" => Some(affiliate.trim_start_matches("aff-")),
            _ => None,
        };
        let link = token.map(|t| json!({ "id": format!("link-{t}"), "url": format!("https://acme.example?via={t}"), "token": t }));
        json!({ "id": id, "conversion_state": state, "stripe_customer_id": customer,
            "customer": customer.map(|c| json!({ "platform": "stripe", "id": c, "email": format!("{c}@buyer.example") })),
            "affiliate": { "id": affiliate }, "link": link, "coupon": null,
            "created_at": at, "became_lead_at": at, "became_conversion_at": if state == "conversion" { Some(at) } else { None } })
    };
    let commission = |id: &str,
                      affiliate: &str,
                      referral: &str,
                      customer: &str,
                      cents: i64,
                      currency: &str,
                      sale: i64,
                      state: &str,
                      charged: String| {
        json!({ "id": id, "amount": cents, "currency": currency, "state": state,
            "due_at": if state == "pending" { Some("2027-01-01T00:00:00.000Z") } else { None },
            "paid_at": if state == "paid" { Some("2026-06-15T12:00:00.000Z") } else { None },
            "voided_at": if state == "voided" { Some("2026-07-01T00:00:00.000Z") } else { None },
            "created_at": charged, "updated_at": charged, "campaign": { "id": "c1" },
            "sale": { "id": format!("sale-{id}"), "currency": currency, "charged_at": charged,
                "sale_amount_cents": sale, "tax_amount_cents": 0, "refund_amount_cents": 0,
                "referral": { "id": referral, "stripe_customer_id": customer }, "affiliate": { "id": affiliate } } })
    };
    let mut fixture = Fixture::default();
    fixture.lists.insert(
        "campaigns",
        vec![
            campaign("c1", "Standard", "30.0", Some(12)),
            campaign("c2", "Partners", "20.0", None),
        ],
    );
    fixture.lists.insert(
        "affiliates",
        vec![
            affiliate(
                "aff-jane",
                "Jane",
                "Doe",
                "jane@example.com",
                "active",
                "c1",
                &["jane"],
            ),
            affiliate(
                "aff-bob",
                "Bob",
                "Roe",
                "bob@example.com",
                "active",
                "c1",
                &["bob"],
            ),
            affiliate(
                "aff-old",
                "Olga",
                "Old",
                "olga@example.com",
                "archived",
                "c2",
                &["old-partner"],
            ),
            affiliate(
                "aff-carl",
                "Carl",
                "Coupon",
                "carl@example.com",
                "active",
                "c1",
                &[],
            ),
            affiliate(
                "aff-eva",
                "Eva",
                "Euro",
                "eva@example.com",
                "active",
                "c2",
                &["eva"],
            ),
        ],
    );
    fixture.lists.insert(
        "affiliate_coupons",
        vec![coupon("JANE20", "aff-jane"), coupon("CARL10", "aff-carl")],
    );
    fixture.lists.insert(
        "referrals",
        vec![
            referral(
                "ref-1",
                "aff-jane",
                "conversion",
                Some("cus_A"),
                "2026-03-10T09:00:00.000Z",
            ),
            referral(
                "ref-2",
                "aff-jane",
                "lead",
                None,
                "2026-03-11T09:00:00.000Z",
            ),
            // Coupon-only: no link, the coupon at checkout.
            referral(
                "ref-3",
                "aff-carl",
                "conversion",
                Some("cus_C"),
                "2026-04-01T09:00:00.000Z",
            ),
            referral(
                "ref-4",
                "aff-bob",
                "conversion",
                Some("cus_B"),
                "2026-04-02T09:00:00.000Z",
            ),
            referral(
                "ref-5",
                "aff-bob",
                "visitor",
                None,
                "2026-04-03T09:00:00.000Z",
            ),
            referral(
                "ref-6",
                "aff-eva",
                "conversion",
                Some("cus_E"),
                "2026-05-01T09:00:00.000Z",
            ),
        ],
    );
    let at = |day: &str| format!("{day}T10:00:00.000Z");
    fixture.lists.insert(
        "commissions",
        vec![
            commission(
                "com-1",
                "aff-jane",
                "ref-1",
                "cus_A",
                3000,
                "USD",
                10000,
                "paid",
                at("2026-04-10"),
            ),
            commission(
                "com-2",
                "aff-jane",
                "ref-1",
                "cus_A",
                3000,
                "USD",
                10000,
                "due",
                at("2026-05-10"),
            ),
            commission(
                "com-3",
                "aff-jane",
                "ref-1",
                "cus_A",
                3000,
                "USD",
                10000,
                "pending",
                at("2026-06-10"),
            ),
            commission(
                "com-4",
                "aff-bob",
                "ref-4",
                "cus_B",
                1500,
                "USD",
                5000,
                "voided",
                at("2026-05-02"),
            ),
            commission(
                "com-5",
                "aff-eva",
                "ref-6",
                "cus_E",
                2000,
                "EUR",
                10000,
                "paid",
                at("2026-05-20"),
            ),
            // The sale the Stripe connector recorded during the switch.
            commission(
                "com-6",
                "aff-carl",
                "ref-3",
                "cus_C",
                999,
                "USD",
                3330,
                "pending",
                time(300),
            ),
        ],
    );
    fixture.faults = vec![
        ("/v1/affiliates?page=2".into(), 429),
        ("/v1/commissions?page=1".into(), 500),
    ];
    fixture
}

/// Serves `fixture` on a port of its own: its address.
pub(crate) async fn serve(fixture: Fixture) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(fixture));
    let app = axum::Router::new()
        .route("/v1/{list}", axum::routing::get(list))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), shared)
}

async fn list(
    State(shared): State<Shared>,
    axum::extract::Path(name): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    use base64::Engine;
    if name == "commissions" {
        let slow = {
            let mut fixture = shared.lock().unwrap();
            fixture.commissions_arrived += 1;
            fixture.slow_commissions
        };
        tokio::time::sleep(slow).await;
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SECRET}:"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "Invalid API Secret." })),
        )
            .into_response();
    }
    let page: usize = query
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    let limit: usize = query
        .iter()
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(25);
    let mut fixture = shared.lock().unwrap();
    let key = format!("/v1/{name}?page={page}");
    *fixture.asked.entry(key.clone()).or_default() += 1;
    let expands = query
        .iter()
        .filter(|(k, _)| k == "expand[]")
        .map(|(_, v)| v.clone())
        .collect();
    fixture.expands.push((name.clone(), expands));
    if let Some(at) = fixture.faults.iter().position(|(path, _)| *path == key) {
        let (_, status) = fixture.faults.remove(at);
        let mut response = (StatusCode::from_u16(status).unwrap(), "try again").into_response();
        if status == 429 {
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
        }
        return response;
    }
    let Some(rows) = fixture.lists.get(name.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let size = limit.min(PAGE);
    let pages = rows.len().div_ceil(size).max(1);
    let data: Vec<Value> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect();
    axum::Json(json!({
        "pagination": {
            "previous_page": if page > 1 { Some(page - 1) } else { None },
            "current_page": page,
            "next_page": if page < pages { Some(page + 1) } else { None },
            "count": data.len(), "limit": size, "total_pages": pages, "total_count": rows.len(),
        },
        "data": data,
    }))
    .into_response()
}

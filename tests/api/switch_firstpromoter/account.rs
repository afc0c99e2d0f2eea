//! The FirstPromoter account the switch test reads: a local server that
//! answers as FirstPromoter's v2 documents describe, and the program it
//! holds.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The account's objects, and the payout each paid commission is in.
pub(super) struct Account {
    lists: HashMap<&'static str, Vec<Value>>,
    payout_of: HashMap<i64, i64>,
    pub(super) asked: Vec<String>,
    /// Whether `/commissions` honours `filters[payout_id]` (a server that
    /// does not answers every commission).
    pub(super) filters_by_payout: bool,
}

type Shared = Arc<Mutex<Account>>;

pub(super) async fn serve(account: Account) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(account));
    let router = axum::Router::new()
        .route("/api/v2/company/{*path}", axum::routing::get(answer))
        .with_state(shared.clone());
    (crate::helpers::serve_local(router).await, shared)
}

async fn answer(
    State(shared): State<Shared>,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("authorization") != Some("Bearer fp_key") || header("account-id") != Some("acc_1") {
        let refused = json!({ "message": "Unauthorized", "code": 401 });
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
    if path == "payouts/stats" {
        return axum::Json(json!({ "data": { "cash": { "amounts": {} } },
            "meta": { "net_payout_days": 30, "payout_cycle": "monthly", "min_payment": 2500,
                "min_paying_customers": 0, "terms_description": null } }))
        .into_response();
    }
    let Some(rows) = account.lists.get(path.as_str()).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let filtered: Vec<Value> = match path.as_str() {
        // Its filter is required.
        "payout_methods" => {
            let Some(promoter) = param("filters[promoter_id]") else {
                let said = json!({ "message": "filters[promoter_id] is required", "code": 400 });
                return (StatusCode::BAD_REQUEST, axum::Json(said)).into_response();
            };
            rows.into_iter()
                .filter(|m| {
                    m["promoter_id"].as_i64().map(|n| n.to_string()) == Some(promoter.clone())
                })
                .collect()
        }
        "promo_codes" => match param("promoter_campaign_id") {
            Some(id) => rows
                .into_iter()
                .filter(|c| {
                    c["promoter_campaign_id"].as_i64().map(|n| n.to_string()) == Some(id.clone())
                })
                .collect(),
            None => rows,
        },
        "commissions" => match param("filters[payout_id]").filter(|_| account.filters_by_payout) {
            Some(payout) => rows
                .into_iter()
                .filter(|c| {
                    let id = c["id"].as_i64().unwrap();
                    account.payout_of.get(&id).map(i64::to_string) == Some(payout.clone())
                })
                .collect(),
            None => rows,
        },
        "rewards" => rows
            .into_iter()
            .filter(|r| {
                param("scope").as_deref() != Some("promoters") || r["is_promoter_reward"] == true
            })
            .collect(),
        _ => rows,
    };
    // `per_page` rows (20 by default, 100 at most); a short page is the last.
    let size: usize = param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .min(100);
    let page: usize = param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let data: Vec<Value> = filtered
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect();
    match path.as_str() {
        "promoters" => {
            let pending = filtered
                .iter()
                .filter(|p| p["promoter_campaigns"][0]["state"] == "pending")
                .count();
            axum::Json(json!({ "data": data, "meta": { "pending_count": pending } }))
                .into_response()
        }
        _ => axum::Json(json!(data)).into_response(),
    }
}

fn reward(id: i64, amount: Value, flat: bool, rules: Value) -> Value {
    json!({ "id": id, "name": format!("Reward {id}"), "is_promoter_reward": true, "promoter_reward_type": "sale",
        "coupon": null, "provider_coupon_id": null, "duration": null, "duration_in_months": null,
        "max_redemptions": null, "new_customers_only": false, "hide_reward": false, "editable": true,
        "provider": "stripe", "tier_reward_mode": null, "tier_level": null,
        "created_at": "2025-01-01T00:00:00.000Z", "updated_at": "2025-01-01T00:00:00.000Z",
        "schemas": [{ "unit": "cash", "amount": amount, "flat_amount": flat, "rules": rules }] })
}

fn campaign(id: i64, name: &str, landing: &str, reward: i64) -> Value {
    json!({ "id": id, "name": name, "color": "blue", "landing_url": landing, "signup_url": null,
        "visitor_cookie_life": 60, "ref_token_param": "?fpr", "auto_approve_leads": true,
        "auto_approve_promoters": false, "is_private": false, "is_default": id == 1,
        "track_ad_traffic": "allow", "upgrade_details": null, "links": [],
        "rewards_for_promoters": [{ "apply_on": "all", "product_ids": [], "products": [], "reward_id": reward,
            "reward": { "name": format!("Reward {reward}"), "promoter_reward_type": "sale", "hide_reward": false, "tier_level": null, "coupon": null } }],
        "rewards_for_referrals": [] })
}

/// A promoter's membership of a campaign.
fn member(
    id: i64,
    campaign: i64,
    state: &str,
    token: &str,
    coupon: Option<&str>,
    codes: &[&str],
) -> Value {
    json!({ "id": id, "campaign_id": campaign, "state": state, "created_at": "2025-03-01T10:00:00.000Z",
        "campaign": { "id": campaign, "name": format!("Campaign {campaign}"), "color": "blue" },
        "coupon": coupon, "ref_token": token, "ref_link": format!("https://acme.example/?fpr={token}"),
        "promo_codes": codes })
}

fn promoter(
    id: i64,
    name: &str,
    email: &str,
    joined: &str,
    campaigns: Vec<Value>,
    method: Option<&str>,
) -> Value {
    json!({ "id": id, "email": email, "name": name, "cust_id": null, "note": null, "is_confirmed": true,
        "is_customized": false, "fraud_suspicions": [], "invoice_details_status": null,
        "joined_at": joined, "last_login_at": null, "archived_at": null, "first_event_at": joined,
        "custom_fields": null, "password_setup_url": null, "track_ad_traffic": null, "auth_provider": null,
        "selected_payout_method": method.map(|m| json!({ "id": id * 10, "method": m, "date_added": joined, "is_disabled": false })),
        "stats": { "clicks_count": 0, "referrals_count": 0, "sales_count": 0, "customers_count": 0, "active_customers_count": 0, "revenue_amount": 0 },
        "balances": { "cash": null, "credits": null, "points": null, "free_months": null, "discount": null },
        "promoter_campaigns": campaigns,
        "profile": { "id": id, "first_name": null, "last_name": null, "website": null, "company_name": null,
            "company_number": null, "phone_number": null, "vat_id": null, "country": "US", "address": null,
            "avatar": null, "description": null, "w8_form_url": null, "w9_form_url": null } })
}

fn referral(id: i64, uid: &str, promoter: i64, member: i64, since: &str) -> Value {
    json!({ "id": id, "email": format!("{uid}@buyer.example"), "uid": uid, "username": null, "state": "active",
        "metadata": {}, "entry_source": "cookie", "created_at": since, "customer_since": since,
        "promoter_campaign": { "id": member, "campaign_id": 1, "promoter_id": promoter, "created_at": since,
            "promoter": { "id": promoter, "email": "x@example.com", "name": "x" }, "campaign": { "id": 1, "name": "Pro", "color": null } },
        "fraud_check": "no_suspicion", "created_by_user_email": null, "split_details": null,
        "first_name": null, "last_name": null, "website": null, "comment": null, "is_expired": false })
}

/// A commission: amounts in cents of the account's currency (USD), the
/// customer's own currency only in `original_sale_*`.
#[allow(clippy::too_many_arguments)]
fn commission(
    id: i64,
    promoter: i64,
    status: &str,
    paid: bool,
    cents: i64,
    sale: i64,
    uid: &str,
    created: &str,
) -> Value {
    let eur = id % 2 == 1;
    json!({ "id": id, "status": status, "commission_type": "sale", "amount": cents, "unit": "cash",
        "sale_amount": sale, "original_sale_amount": if eur { sale * 92 / 100 } else { sale },
        "original_sale_currency": if eur { json!("eur") } else { Value::Null },
        "event_id": format!("in_{id}"), "plan_id": null, "tier": 1, "is_self_referral": false,
        "fraud_check": "no_suspicion", "is_paid": paid, "is_split": false, "split_details": null,
        "created_at": created, "status_updated_at": created, "created_by_user_email": null,
        "created_by_user_at": null, "internal_note": null, "external_note": null, "metadata": {},
        "promoter_campaign": { "id": promoter * 10 + 1, "campaign_id": 1, "promoter_id": promoter,
            "created_at": created, "promoter": { "id": promoter, "email": "x@example.com", "name": "x" },
            "campaign": { "id": 1, "name": "Pro", "color": null } },
        "referral": { "id": 0, "email": format!("{uid}@buyer.example"), "uid": uid },
        "reward": { "id": 7, "name": "Reward 7" } })
}

fn payout(
    id: i64,
    promoter: i64,
    status: &str,
    cents: f64,
    paid_at: Option<&str>,
    method: &str,
) -> Value {
    json!({ "id": id, "status": status, "amount": cents, "total_incl_tax": cents, "tax_rate": 0.0, "unit": "cash",
        "period_start": "2025-11-01T00:00:00.000Z", "period_end": "2025-12-31T00:00:00.000Z",
        "paid_at": paid_at, "processing_started_at": null, "failed_at": null, "error": null,
        "created_at": "2025-12-31T00:00:00.000Z", "payments_batch_id": 1,
        "payout_method": { "id": 1, "method": method, "date_added": "2025-01-01T00:00:00.000Z", "is_disabled": false,
            "meta": {}, "is_selected": true, "details": {}, "managed_payouts": false },
        "promoter": { "id": promoter, "email": "x@example.com", "name": "x" },
        "campaign": { "id": 1, "name": "Pro", "color": "blue" } })
}

pub(super) fn account() -> Account {
    let months = json!([{ "type": "customer_age_in_months", "condition": "less than or equal to", "value": 12, "operator": "and" }]);
    let first = json!([{ "type": "customer_sales_count", "condition": "equal to", "value": 1, "operator": "and" }]);
    let mut referral_reward = reward(10, json!(10), false, json!([]));
    referral_reward["is_promoter_reward"] = json!(false);
    let rewards = vec![
        reward(7, json!(30), false, months),
        reward(8, json!(20), true, json!([])),
        reward(9, json!(50), false, first),
        referral_reward,
    ];
    let campaigns = vec![
        campaign(1, "Pro", "https://acme.example/pro", 7),
        campaign(2, "Flat", "https://acme.example/flat", 8),
        campaign(3, "Launch", "https://acme.example/launch", 9),
    ];
    let mut old = promoter(
        17,
        "Olga Old",
        "olga@example.com",
        "2024-01-01T00:00:00.000Z",
        vec![member(171, 1, "accepted", "olga", None, &[])],
        None,
    );
    old["archived_at"] = json!("2025-06-01T00:00:00.000Z");
    // Lee lives in China and sent FirstPromoter a W-8BEN.
    let mut lee = promoter(
        12,
        "李小龙",
        "lee@example.com",
        "2025-04-01T10:00:00.000Z",
        vec![member(121, 2, "accepted", "lee", None, &[])],
        Some("bank"),
    );
    lee["profile"]["country"] = json!("CN");
    lee["profile"]["w8_form_url"] = json!("https://cdn.firstpromoter.example/w8/12.pdf");
    let promoters = vec![
        // The coupon YARO is the text of the token yaro.
        promoter(
            11,
            "Ярослава Ковальчук",
            "yaro@example.com",
            "2025-03-01T10:00:00.000Z",
            vec![member(
                111,
                1,
                "accepted",
                "yaro",
                Some("YARO"),
                &["YARO20"],
            )],
            Some("paypal"),
        ),
        lee,
        promoter(
            13,
            "Sam Blocked",
            "sam@example.com",
            "2025-04-02T10:00:00.000Z",
            vec![member(131, 1, "blocked", "sam", None, &[])],
            None,
        ),
        promoter(
            14,
            "Pat Pending",
            "pat@example.com",
            "2025-04-03T10:00:00.000Z",
            vec![member(141, 3, "pending", "pat", None, &[])],
            None,
        ),
        promoter(
            15,
            "Rex Rejected",
            "rex@example.com",
            "2025-04-04T10:00:00.000Z",
            vec![member(151, 3, "rejected", "rex", None, &[])],
            None,
        ),
        // In two campaigns; paid into a US bank account.
        promoter(
            16,
            "Dee Two",
            "dee@example.com",
            "2025-04-05T10:00:00.000Z",
            vec![
                member(161, 3, "accepted", "dee", None, &[]),
                member(162, 2, "accepted", "dee2", None, &[]),
            ],
            Some("bank"),
        ),
        old,
    ];
    let payout_methods = vec![
        json!({ "id": 110, "promoter_id": 11, "method": "paypal", "date_added": "2025-03-01T10:00:00.000Z", "is_disabled": false,
            "is_selected": true, "meta": {}, "managed_payouts": false, "details": { "paypal_email": "yaro@paypal.example" } }),
        json!({ "id": 120, "promoter_id": 12, "method": "bank", "date_added": "2025-04-01T10:00:00.000Z", "is_disabled": false,
            "is_selected": true, "meta": {}, "managed_payouts": false,
            "details": { "bank_country": "DE", "account_holder_name": "Li Xiaolong", "iban": "DE89370400440532013000",
                "swift_bic_code": "COBADEFFXXX", "account_number": null, "routing_aba_number": null } }),
        json!({ "id": 160, "promoter_id": 16, "method": "bank", "date_added": "2025-04-05T10:00:00.000Z", "is_disabled": false,
            "is_selected": true, "meta": {}, "managed_payouts": false,
            "details": { "bank_country": "US", "account_holder_name": "Dee Two", "iban": null,
                "swift_bic_code": null, "account_number": "000123456789", "routing_aba_number": "011000015" } }),
    ];
    let promo_codes = vec![
        json!({ "id": 501, "code": "YARO20", "ext_id": "promo_yaro20", "reward": { "id": 10, "name": "Reward 10" },
            "description": null, "company_id": 1, "promoter_campaign_id": 111, "metadata": {}, "details": {}, "archived_at": null }),
        json!({ "id": 502, "code": "YARO5", "ext_id": "promo_yaro5", "reward": { "id": 10, "name": "Reward 10" },
            "description": null, "company_id": 1, "promoter_campaign_id": 111, "metadata": {}, "details": {},
            "archived_at": "2025-10-01T00:00:00.000Z" }),
    ];
    let referrals = vec![
        referral(201, "cus_yaro_1", 11, 111, "2025-06-01T10:00:00.000Z"),
        referral(202, "cus_lee_1", 12, 121, "2025-06-02T10:00:00.000Z"),
        referral(203, "cus_dee_1", 16, 161, "2025-06-03T10:00:00.000Z"),
    ];
    let commissions = vec![
        commission(
            1,
            11,
            "approved",
            true,
            3000,
            10000,
            "cus_yaro_1",
            "2025-11-10T10:00:00.000Z",
        ),
        commission(
            2,
            11,
            "approved",
            true,
            3000,
            10000,
            "cus_yaro_1",
            "2025-12-10T10:00:00.000Z",
        ),
        commission(
            3,
            11,
            "approved",
            false,
            3000,
            10000,
            "cus_yaro_1",
            "2026-01-10T10:00:00.000Z",
        ),
        commission(
            4,
            11,
            "pending",
            false,
            3000,
            10000,
            "cus_yaro_1",
            "2026-02-10T10:00:00.000Z",
        ),
        commission(
            5,
            12,
            "approved",
            true,
            2000,
            5000,
            "cus_lee_1",
            "2025-12-20T10:00:00.000Z",
        ),
        commission(
            6,
            12,
            "approved",
            false,
            2000,
            5000,
            "cus_lee_1",
            "2026-01-20T10:00:00.000Z",
        ),
        commission(
            7,
            13,
            "approved",
            false,
            1500,
            5000,
            "cus_sam_1",
            "2026-01-21T10:00:00.000Z",
        ),
        commission(
            9,
            16,
            "approved",
            false,
            4000,
            8000,
            "cus_dee_1",
            "2026-01-22T10:00:00.000Z",
        ),
        commission(
            11,
            12,
            "denied",
            false,
            2000,
            5000,
            "cus_lee_1",
            "2026-01-23T10:00:00.000Z",
        ),
    ];
    let payouts = vec![
        // 21:00 on New Year's Eve in Los Angeles.
        payout(
            901,
            11,
            "completed",
            6000.0,
            Some("2026-01-01T05:00:00.000Z"),
            "paypal",
        ),
        payout(
            902,
            12,
            "completed",
            2000.0,
            Some("2026-01-02T18:00:00.000Z"),
            "bank",
        ),
        payout(903, 11, "pending", 3000.0, None, "paypal"),
    ];
    Account {
        lists: HashMap::from([
            ("rewards", rewards),
            ("campaigns", campaigns),
            ("promoters", promoters),
            ("payout_methods", payout_methods),
            ("promo_codes", promo_codes),
            ("referrals", referrals),
            ("commissions", commissions),
            ("payouts", payouts),
        ]),
        payout_of: HashMap::from([(1, 901), (2, 901), (5, 902), (3, 903)]),
        asked: Vec::new(),
        filters_by_payout: true,
    }
}

/// The program with Tess in all three campaigns, a token in each: her
/// own Pro (30 % for 12 months), then Flat (20.00 a sale) and Launch
/// (50 % of a first month).
pub(super) fn with_three_campaigns() -> Account {
    let mut account = account();
    let tess = promoter(
        18,
        "Tess Three",
        "tess@example.com",
        "2025-05-01T10:00:00.000Z",
        vec![
            member(181, 1, "accepted", "tess", None, &[]),
            member(182, 2, "accepted", "tess2", None, &[]),
            member(183, 3, "accepted", "tess3", None, &[]),
        ],
        None,
    );
    account.lists.entry("promoters").or_default().push(tess);
    account
}

/// The program with a refund FirstPromoter booked as a negative
/// commission of Yaro's (its tracking API's `refund`): 3.00 of a 10.00
/// refund, due off Yaro's next payout.
pub(super) fn with_refund() -> Account {
    let mut account = account();
    let mut refund = commission(
        20,
        11,
        "approved",
        false,
        -300,
        -1000,
        "cus_yaro_1",
        "2026-02-15T10:00:00.000Z",
    );
    refund["commission_type"] = json!("refund");
    refund["event_id"] = json!("re_20");
    // Listed first, newest first: before the sales it may take back.
    account
        .lists
        .entry("commissions")
        .or_default()
        .insert(0, refund);
    account
}

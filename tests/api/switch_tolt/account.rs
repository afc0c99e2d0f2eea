//! The Tolt account the switch test reads: a local server that answers
//! as Tolt's documents describe — API v1 (`Authorization: Bearer`, every
//! list scoped by a required `program_id`, `limit` at most 100 and
//! `starting_after` an object's id, `{"success", "has_more",
//! "total_count", "data"}`, customers nested in `data.data`, amounts as
//! strings of cents, `expand[]=program` on commissions) and API v2 for
//! the program and its groups (`{"success", "message", "data",
//! "has_more", "next_cursor"}`).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct Account {
    lists: HashMap<String, Vec<Value>>,
    program: Value,
    pub(super) asked: Vec<String>,
}

type Shared = Arc<Mutex<Account>>;

pub(super) async fn serve(account: Account) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(account));
    let router = axum::Router::new()
        .route("/{*path}", axum::routing::get(answer))
        .with_state(shared.clone());
    (crate::helpers::serve_local(router).await, shared)
}

fn refused(status: StatusCode, message: &str, kind: &str) -> Response {
    let body = json!({ "success": false, "error": { "message": message, "type": kind } });
    (status, axum::Json(body)).into_response()
}

async fn answer(
    State(shared): State<Shared>,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some("Bearer tlt_live_key") {
        return refused(
            StatusCode::UNAUTHORIZED,
            "Invalid API key provided",
            "authentication_error",
        );
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut account = shared.lock().unwrap();
    account.asked.push(path.clone());
    if path == "v2/programs/prg_acme" {
        return axum::Json(json!({ "success": true, "message": "ok", "data": account.program }))
            .into_response();
    }
    let v2 = path.starts_with("v2/");
    if !v2 && param("program_id").as_deref() != Some("prg_acme") {
        return refused(
            StatusCode::BAD_REQUEST,
            "program_id is required",
            "invalid_request_error",
        );
    }
    let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return refused(
            StatusCode::BAD_REQUEST,
            "limit must be between 1 and 100",
            "invalid_request_error",
        );
    }
    let list = match (path.as_str(), param("partner_id")) {
        ("v1/links", Some(partner)) => format!("v1/links?{partner}"),
        _ => path.clone(),
    };
    let Some(mut rows) = account.lists.get(&list).cloned() else {
        return refused(StatusCode::NOT_FOUND, "Not found", "invalid_request_error");
    };
    let expanded: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "expand[]")
        .map(|(_, v)| v.clone())
        .collect();
    if path == "v1/commissions" && expanded.iter().any(|e| e == "program") {
        let short = json!({ "id": "prg_acme", "status": "active", "name": "Acme Partners", "product_name": "Acme",
            "subdomain": "acme", "type": "public", "currency_code": account.program["currency_code"],
            "created_at": "2024-03-05T10:28:08.984+00:00" });
        for row in &mut rows {
            row["program"] = short.clone();
        }
    }
    // At most 2 a page, whatever the limit: every list spans pages.
    let size = limit.min(2);
    let from = match param("starting_after") {
        Some(after) => match rows.iter().position(|r| r["id"] == after.as_str()) {
            Some(at) => at + 1,
            None => {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "No such object",
                    "invalid_request_error",
                );
            }
        },
        None => 0,
    };
    let data: Vec<Value> = rows.iter().skip(from).take(size).cloned().collect();
    let has_more = from + size < rows.len();
    if v2 {
        let next = has_more.then(|| data.last().unwrap()["id"].clone());
        return axum::Json(
            json!({ "success": true, "message": "ok", "data": data, "has_more": has_more,
            "next_cursor": next, "prev_cursor": null }),
        )
        .into_response();
    }
    let data = match path.as_str() {
        "v1/customers" => json!({ "data": data }),
        _ => json!(data),
    };
    axum::Json(
        json!({ "success": true, "has_more": has_more, "total_count": rows.len(), "data": data }),
    )
    .into_response()
}

fn group(id: &str, name: &str, minimum: Option<i64>, site: Option<&str>) -> Value {
    json!({ "id": id, "name": name, "description": null, "program_id": "prg_acme", "is_default": minimum.is_none(),
        "public_key": name.to_lowercase(), "website_url": site, "is_private": false,
        "allow_manual_lead_submission": false, "minimum_payout": minimum,
        "created_at": "2024-03-05T10:28:08.984Z", "updated_at": "2024-03-05T10:28:08.984Z" })
}

#[allow(clippy::too_many_arguments)]
fn partner(
    id: &str,
    first: &str,
    last: &str,
    group: &str,
    status: &str,
    country: Option<&str>,
    method: &str,
    details: Value,
    joined: &str,
) -> Value {
    json!({ "id": id, "first_name": first, "last_name": last, "email": format!("{id}@partners.example"),
        "company_name": null, "program_id": "prg_acme", "organization_id": "org_1", "group_id": group,
        "payout_method": method, "payout_details": details, "country_code": country, "status": status,
        "completed_onboarding": true, "created_at": joined, "updated_at": joined })
}

fn link(id: &str, partner: &str, value: &str) -> Value {
    json!({ "id": id, "param": "ref", "value": value, "partner_id": partner,
        "created_at": "2025-01-15T14:30:00.000Z", "updated_at": "2025-01-15T14:30:00.000Z",
        "program_id": "prg_acme", "organization_id": "org_1" })
}

fn customer(id: &str, partner: &str, customer_id: Option<&str>, at: &str) -> Value {
    json!({ "id": id, "email": format!("{id}@buyer.example"), "partner_id": partner, "name": null,
        "customer_id": customer_id, "created_at": at, "updated_at": at, "status": "active",
        "program_id": "prg_acme", "organization_id": "org_1" })
}

/// A commission: amounts as strings of cents, `currency` null unless
/// given (the program's then).
#[allow(clippy::too_many_arguments)]
fn commission(
    id: &str,
    partner: &str,
    customer: &str,
    cents: &str,
    revenue: Option<&str>,
    currency: Option<&str>,
    status: &str,
    created: &str,
    updated: &str,
    charge: Option<&str>,
) -> Value {
    json!({ "id": id, "amount": cents, "revenue": revenue, "currency": currency, "status": status,
        "type": "sale", "source": "stripe", "charge_id": charge, "charge_status": "paid",
        "partner_id": partner, "customer_id": customer, "program_id": "prg_acme", "organization_id": "org_1",
        "transaction_id": charge.map(|c| format!("txn_{c}")),
        "payout_id": (status == "paid").then(|| format!("po_{id}")),
        "scheduled_approval_date": null, "approval_type": "immediate", "flow_id": "flw_1",
        "created_at": created, "updated_at": updated })
}

/// A Los Angeles program counted in EUR (the import's campaign in USD):
/// two groups with their minimums, partners in China, Germany and the US
/// paid by PayPal, IBAN and a US bank account, one pending, one rejected
/// and paid in crypto; commissions in every state, one stated in USD,
/// paid on New Year's Eve in Los Angeles and on 2 January.
pub(super) fn account() -> Account {
    let program = json!({ "id": "prg_acme", "name": "Acme Partners", "product_name": "Acme", "type": "public",
        "status": "active", "currency_code": "EUR", "cookie_duration": 60, "payout_term": "NET-15",
        "minimum_payout": 5000, "website_url": "https://acme.example", "subdomain": "acme",
        "created_at": "2024-03-05T10:28:08.984Z", "updated_at": "2024-03-05T10:28:08.984Z" });
    let groups = vec![
        group("grp_std", "Standard", None, None),
        group(
            "grp_vip",
            "VIP",
            Some(2000),
            Some("https://acme.example/vip"),
        ),
    ];
    let partners = vec![
        partner(
            "part_li",
            "伟",
            "李",
            "grp_vip",
            "active",
            Some("CN"),
            "paypal",
            json!({ "email": "li@paypal.example" }),
            "2025-02-01T10:00:00.000Z",
        ),
        partner(
            "part_ann",
            "Ann",
            "Bank",
            "grp_std",
            "active",
            Some("DE"),
            "bank_transfer",
            json!({ "account_holder_name": "Ann Bank", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX" }),
            "2025-03-01T10:00:00.000Z",
        ),
        partner(
            "part_sam",
            "Sam",
            "Sixty",
            "grp_vip",
            "active",
            Some("US"),
            "bank_transfer",
            json!({ "account_holder_name": "Sam Sixty", "routing_number": "021000021", "account_number": "000123456789" }),
            "2025-04-01T10:00:00.000Z",
        ),
        partner(
            "part_pen",
            "Pen",
            "Ding",
            "grp_std",
            "pending",
            None,
            "none",
            json!({}),
            "2025-05-01T10:00:00.000Z",
        ),
        partner(
            "part_rex",
            "Rex",
            "Jected",
            "grp_std",
            "rejected",
            Some("FR"),
            "crypto",
            json!({ "wallet": "0xabc" }),
            "2025-06-01T10:00:00.000Z",
        ),
    ];
    let customers = vec![
        customer(
            "cust_li1",
            "part_li",
            Some("cus_li_1"),
            "2025-02-10T10:00:00.000Z",
        ),
        customer(
            "cust_ann1",
            "part_ann",
            Some("cus_ann_1"),
            "2025-03-10T10:00:00.000Z",
        ),
        customer(
            "cust_sam1",
            "part_sam",
            Some("cus_sam_1"),
            "2025-04-10T10:00:00.000Z",
        ),
        customer("cust_lead", "part_pen", None, "2025-05-10T10:00:00.000Z"),
    ];
    let mut pending = commission(
        "comm_3",
        "part_li",
        "cust_li1",
        "900",
        Some("3000"),
        None,
        "pending",
        "2026-11-10T10:00:00.000Z",
        "2026-11-10T10:00:00.000Z",
        Some("ch_li_3"),
    );
    pending["scheduled_approval_date"] = json!("2026-12-10T10:00:00.000Z");
    pending["approval_type"] = json!("delay");
    let mut clawback = commission(
        "comm_9",
        "part_li",
        "cust_li1",
        "-1470",
        Some("-4900"),
        None,
        "approved",
        "2026-02-01T10:00:00.000Z",
        "2026-02-01T10:00:00.000Z",
        Some("ch_li_0"),
    );
    clawback["type"] = json!("refund");
    let commissions = vec![
        // Paid on New Year's Eve in Los Angeles (1 January in UTC).
        commission(
            "comm_1",
            "part_li",
            "cust_li1",
            "3000",
            Some("10000"),
            None,
            "paid",
            "2025-11-10T10:00:00.000Z",
            "2026-01-01T04:00:00.000Z",
            Some("ch_li_1"),
        ),
        commission(
            "comm_2",
            "part_li",
            "cust_li1",
            "2500",
            Some("8000"),
            None,
            "approved",
            "2026-10-10T10:00:00.000Z",
            "2026-10-10T10:00:00.000Z",
            Some("ch_li_2"),
        ),
        pending,
        commission(
            "comm_4",
            "part_ann",
            "cust_ann1",
            "4000",
            None,
            None,
            "approved",
            "2026-10-11T10:00:00.000Z",
            "2026-10-11T10:00:00.000Z",
            None,
        ),
        // Stated in USD; paid on 2 January.
        commission(
            "comm_5",
            "part_sam",
            "cust_sam1",
            "6000",
            Some("20000"),
            Some("USD"),
            "paid",
            "2025-12-01T10:00:00.000Z",
            "2026-01-02T18:00:00.000Z",
            Some("ch_sam_1"),
        ),
        commission(
            "comm_6",
            "part_sam",
            "cust_sam1",
            "2500",
            Some("8000"),
            None,
            "approved",
            "2026-10-12T10:00:00.000Z",
            "2026-10-12T10:00:00.000Z",
            Some("ch_sam_2"),
        ),
        commission(
            "comm_7",
            "part_pen",
            "cust_lead",
            "500",
            None,
            None,
            "rejected",
            "2026-09-01T10:00:00.000Z",
            "2026-09-02T10:00:00.000Z",
            None,
        ),
        // Refunded before its payout: Tolt zeroes it.
        commission(
            "comm_8",
            "part_ann",
            "cust_ann1",
            "0",
            Some("0"),
            None,
            "refunded",
            "2026-08-01T10:00:00.000Z",
            "2026-08-05T10:00:00.000Z",
            Some("ch_ann_0"),
        ),
        clawback,
    ];
    let lists = HashMap::from([
        ("v2/groups".to_owned(), groups),
        ("v1/partners".to_owned(), partners),
        (
            "v1/links?part_li".to_owned(),
            vec![
                link("lnk_1", "part_li", "liwei"),
                link("lnk_2", "part_li", "li-vip"),
            ],
        ),
        (
            "v1/links?part_ann".to_owned(),
            vec![link("lnk_3", "part_ann", "ann")],
        ),
        (
            "v1/links?part_sam".to_owned(),
            vec![link("lnk_4", "part_sam", "sam")],
        ),
        (
            "v1/links?part_pen".to_owned(),
            vec![link("lnk_5", "part_pen", "pen")],
        ),
        ("v1/links?part_rex".to_owned(), Vec::new()),
        (
            "v1/promotion-codes".to_owned(),
            vec![
                json!({ "id": "prc_1", "code": "LI10", "type": "percentage", "value": 10, "partner_id": "part_li",
                "active": true, "created_at": "2025-02-01T10:00:00.000Z", "updated_at": "2025-02-01T10:00:00.000Z",
                "program_id": "prg_acme", "organization_id": "org_1" }),
                json!({ "id": "prc_2", "code": "ANNOLD", "type": "fixed", "value": 500, "partner_id": "part_ann",
                "active": false, "created_at": "2025-03-01T10:00:00.000Z", "updated_at": "2025-03-01T10:00:00.000Z",
                "program_id": "prg_acme", "organization_id": "org_1" }),
            ],
        ),
        ("v1/customers".to_owned(), customers),
        ("v1/commissions".to_owned(), commissions),
    ]);
    Account {
        lists,
        program,
        asked: Vec::new(),
    }
}

//! `GET /exports/commissions.csv` and `GET /exports/payouts.csv` (SPEC §17),
//! and the activity log's `GET /exports/activity.csv` and `.jsonl` (§34):
//! the ledger and the payouts as CSV, streamed a page at a time
//! ([`revshare_core::ledger::exports`]), with the queries' filters as query
//! parameters and the bearer token's scopes: staff need
//! `commissions:read`; a partner token exports its own rows only (another
//! partner's id is `403`).
//!
//! Commissions: `status`, `partnerId`, `campaignId`, `accruedFrom`,
//! `accruedTo` (exclusive). Payouts: `status`, `partnerId`, `runId`,
//! `currency`, `createdFrom`, `createdTo` (exclusive). A bad parameter is `400`
//! naming it, before anything is sent. Should reading fail mid-way, the
//! stream stops with an error, so the client sees a broken download
//! rather than a short file.

use super::{AppState, error_response};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use revshare_core::audit;
use revshare_core::auth::access::Policy;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::CommissionFilter;
use revshare_core::ledger::exports;
use revshare_core::payouts::PayoutFilter;
use revshare_core::payouts::export::{self as payout_export, ExportFilter};
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

pub async fn commissions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let policy = match caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let filter = match commission_filter(&policy, &params) {
        Ok(filter) => filter,
        Err(err) => return error_response(err),
    };
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    let tenant = policy.tenant_id().to_owned();
    let page = move |after: String| {
        let (db, tenant, filter) = (db.clone(), tenant.clone(), filter.clone());
        async move { exports::commission_page(db.conn(), &tenant, &filter, &after).await }
    };
    csv("commissions.csv", exports::COMMISSION_HEADER, page)
}

pub async fn payouts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let policy = match caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let filter = match payout_filter(&policy, &params) {
        Ok(filter) => filter,
        Err(err) => return error_response(err),
    };
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    let tenant = policy.tenant_id().to_owned();
    let page = move |after: String| {
        let (db, tenant, filter) = (db.clone(), tenant.clone(), filter.clone());
        async move { payout_export::payout_page(db.conn(), &tenant, &filter, &after).await }
    };
    csv("payouts.csv", payout_export::PAYOUT_HEADER, page)
}

/// `GET /exports/activity.csv` (SPEC §34): the activity log, with
/// `activity(filter:)`'s filters as parameters.
pub async fn activity_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    activity(state, headers, params, false).await
}

/// `GET /exports/activity.jsonl`: the same, one JSON object a line.
pub async fn activity_jsonl(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    activity(state, headers, params, true).await
}

async fn activity(
    state: AppState,
    headers: HeaderMap,
    params: HashMap<String, String>,
    lines: bool,
) -> Response {
    let policy = match caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let filter = match activity_filter(&policy, &params) {
        Ok(filter) => filter,
        Err(err) => return error_response(err),
    };
    // A partner's export (its own entries) leaves out where acts came
    // from, and who of the staff did them.
    let staff = filter.partner_id.is_none();
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    let tenant = policy.tenant_id().to_owned();
    let page = move |after: String| {
        let (db, tenant, filter) = (db.clone(), tenant.clone(), filter.clone());
        async move {
            match lines {
                true => audit::jsonl_page(db.conn(), &tenant, &filter, &after, staff).await,
                false => audit::csv_page(db.conn(), &tenant, &filter, &after, staff).await,
            }
        }
    };
    match lines {
        true => download("activity.jsonl", "application/x-ndjson", "", page),
        false => csv("activity.csv", audit::CSV_HEADER, page),
    }
}

/// The caller's policy; the caller must have a token.
pub(super) async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Policy, Response> {
    match state.authenticate(headers).await? {
        Some(principal) => Ok(Policy::new(principal)),
        None => Err(error_response(ApiError::Unauthenticated(
            "expected Authorization: Bearer <jwt>".into(),
        ))),
    }
}

/// A CSV download: `columns` (the header row), then each page `page`
/// answers after the last id written, until none is left. Should a page fail, the stream stops
/// with an error, so the client sees a broken download.
fn csv<F, P>(name: &str, columns: &'static str, page: P) -> Response
where
    P: Fn(String) -> F + Send + 'static,
    F: std::future::Future<Output = ApiResult<Option<(String, String)>>> + Send,
{
    download(name, "text/csv; charset=utf-8", columns, page)
}

/// A download of `content_type`: `first` (a header row, or nothing), then
/// each page as [`csv`] says.
fn download<F, P>(name: &str, content_type: &'static str, first: &'static str, page: P) -> Response
where
    P: Fn(String) -> F + Send + 'static,
    F: std::future::Future<Output = ApiResult<Option<(String, String)>>> + Send,
{
    let columns = first;
    let name = name.to_owned();
    let log_name = name.clone();
    let body = async_stream::stream! {
        if !columns.is_empty() {
            yield Ok::<_, std::io::Error>(columns.to_owned());
        }
        let mut after = String::new();
        loop {
            match page(after.clone()).await {
                Ok(Some((lines, last))) => {
                    after = last;
                    yield Ok(lines);
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::error!(target: "revshare::http", error = ?err, export = %log_name, "export failed");
                    yield Err(std::io::Error::other("export failed"));
                    break;
                }
            }
        }
    };
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn at(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    params
        .get(name)
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| ApiError::bad_input(name, "must be an RFC 3339 date-time"))
        })
        .transpose()
}

const COMMISSION_PARAMS: &[&str] = &[
    "status",
    "partnerId",
    "campaignId",
    "accruedFrom",
    "accruedTo",
];
const PAYOUT_PARAMS: &[&str] = &[
    "status",
    "partnerId",
    "runId",
    "currency",
    "createdFrom",
    "createdTo",
];

fn known(params: &HashMap<String, String>, names: &[&str]) -> ApiResult<()> {
    match params.keys().find(|k| !names.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::bad_input(
            unknown,
            format!("is not a filter: use {}", names.join(", ")),
        )),
        None => Ok(()),
    }
}

fn commission_filter(
    policy: &Policy,
    params: &HashMap<String, String>,
) -> ApiResult<CommissionFilter> {
    known(params, COMMISSION_PARAMS)?;
    let status = params
        .get("status")
        .map(|s| {
            entity::enums::CommissionStatus::parse(s).ok_or_else(|| {
                ApiError::bad_input("status", "must be ACCRUED, APPROVED, PAID or REVERSED")
            })
        })
        .transpose()?;
    let named = params.get("partnerId").map(String::as_str);
    Ok(CommissionFilter {
        status,
        campaign_id: params.get("campaignId").cloned(),
        accrued_from: at(params, "accruedFrom")?,
        accrued_to: at(params, "accruedTo")?,
        ..CommissionFilter::readable(policy, named)?
    })
}

fn payout_filter(policy: &Policy, params: &HashMap<String, String>) -> ApiResult<ExportFilter> {
    known(params, PAYOUT_PARAMS)?;
    let currency = params
        .get("currency")
        .map(|code| {
            revshare_engine::Currency::parse(&code.to_uppercase())
                .map(|c| c.code().to_owned())
                .map_err(|e| ApiError::bad_input("currency", e.to_string()))
        })
        .transpose()?;
    let status = params
        .get("status")
        .map(|s| {
            entity::enums::PayoutStatus::parse(s)
                .ok_or_else(|| ApiError::bad_input("status", "must be PENDING, PAID or FAILED"))
        })
        .transpose()?;
    // What a partner's export leaves out (payouts to the tenant's staff) is
    // the export's own rule (`payouts::export`).
    let named = params.get("partnerId").map(String::as_str);
    Ok(ExportFilter {
        partner_id: PayoutFilter::readable(policy, named)?.partner_id,
        status,
        run_id: params.get("runId").cloned(),
        currency,
        created_from: at(params, "createdFrom")?,
        created_to: at(params, "createdTo")?,
    })
}

const ACTIVITY_PARAMS: &[&str] = &[
    "actorKind",
    "actorId",
    "objectId",
    "objectKind",
    "action",
    "from",
    "to",
];

fn activity_filter(policy: &Policy, params: &HashMap<String, String>) -> ApiResult<audit::Filter> {
    known(params, ACTIVITY_PARAMS)?;
    let actor_kind = params
        .get("actorKind")
        .map(|s| {
            entity::enums::ActorKind::parse(s).ok_or_else(|| {
                ApiError::bad_input(
                    "actorKind",
                    "must be STAFF, API_KEY, PARTNER, SYSTEM or WORKFLOW",
                )
            })
        })
        .transpose()?;
    let (from, to) = (at(params, "from")?, at(params, "to")?);
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(ApiError::bad_input("to", "must be after from"));
    }
    Ok(audit::Filter {
        actor_kind,
        actor_id: params.get("actorId").cloned(),
        object_id: params.get("objectId").cloned(),
        object_kind: params.get("objectKind").cloned(),
        action: params.get("action").cloned(),
        from,
        to,
        ..audit::Filter::readable(policy)?
    })
}

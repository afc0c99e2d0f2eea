//! `GET /statements/{payoutId}.pdf` (SPEC §16): a payout's statement,
//! rendered for each request from what the ledger holds. With the bearer
//! token of the payout's partner, or of staff with `commissions:read`;
//! another partner's payout, and any payout to a token without
//! `commissions:read`, is `404`, exactly as an id naming nothing is.

use super::{AppState, error_response};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use revshare_core::auth::access::Column;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiError;

pub async fn statement(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let policy = match super::exports::caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let not_found = || error_response(ApiError::not_found("statement"));
    let Some(id) = file.strip_suffix(".pdf") else {
        return not_found();
    };
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    let conn = db.conn();
    let payout = match revshare_core::payouts::find(conn, policy.tenant_id(), id).await {
        Ok(Some(payout)) => payout,
        Ok(None) => return not_found(),
        Err(err) => return error_response(err),
    };
    // Another partner's statement, and any to a token that may not read
    // statements, is not found, as an unknown id: whether a payout exists
    // is never the difference.
    if policy
        .looks_up(revshare_core::auth::access::Kind::Payout)
        .is_err()
    {
        return not_found();
    }
    let Some(payout) = Visible::new(&policy, payout).filter(Visible::readable) else {
        return not_found();
    };
    let Ok(payout) = payout.read(Column::Row) else {
        return not_found();
    };
    let pdf = match revshare_core::payouts::statement::pdf(conn, policy.tenant_id(), payout).await {
        Ok(pdf) => pdf,
        Err(err) => return error_response(err),
    };
    pdf_response(pdf, &format!("statement-{}.pdf", payout.statement_number))
}

/// A PDF answered inline under `filename`, never cached by anyone but
/// its reader: a statement, a tax form.
pub(super) fn pdf_response(pdf: Vec<u8>, filename: &str) -> Response {
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

//! `GET /statements/{payoutId}.pdf` (SPEC §16): a payout's statement,
//! rendered for each request from what the ledger holds. With the bearer
//! token of the payout's partner, or of staff with `commissions:read`;
//! another partner's payout, and any payout to a token without
//! `commissions:read`, is `404`, exactly as an id naming nothing is.
//! `GET /invoices/{id}.pdf` and `.xml` (SPEC §33), a payout's self-billed
//! documents, are read as their payout is.

use super::{AppState, error_response};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use revshare_core::auth::access::Column;
use revshare_core::auth::visible::{Exposed, Visible};
use revshare_core::error::ApiError;

pub async fn statement(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let (policy, db) = match reader(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let not_found = || error_response(ApiError::not_found("statement"));
    let Some(id) = file.strip_suffix(".pdf") else {
        return not_found();
    };
    let conn = db.conn();
    let payout = match revshare_core::payouts::find(conn, policy.tenant_id(), id).await {
        Ok(found) => found,
        Err(err) => return error_response(err),
    };
    let Some(payout) = payout.and_then(|row| as_payout(&policy, row)) else {
        return not_found();
    };
    let pdf = match revshare_core::payouts::statement::pdf(conn, policy.tenant_id(), &payout).await
    {
        Ok(pdf) => pdf,
        Err(err) => return error_response(err),
    };
    pdf_response(pdf, &format!("statement-{}.pdf", payout.statement_number))
}

/// The caller of a file request, and where it reads (its own writes
/// seen).
async fn reader(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(revshare_core::auth::access::Policy, revshare_core::db::Db), Response> {
    let policy = super::exports::caller(state, headers).await?;
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    Ok((policy, db))
}

/// A row read as its payout is: the payout's partner, or staff who read
/// payouts. Another partner's, and any to a token that may not read
/// payouts, is none, as an unknown id: whether it exists is never the
/// difference.
fn as_payout<T: Exposed + Clone>(
    policy: &revshare_core::auth::access::Policy,
    row: T,
) -> Option<T> {
    policy
        .looks_up(revshare_core::auth::access::Kind::Payout)
        .ok()?;
    let row = Visible::new(policy, row).filter(Visible::readable)?;
    row.read(Column::Row).ok().cloned()
}

/// A PDF answered inline under `filename`, never cached by anyone but
/// its reader: a statement, a tax form.
pub(super) fn pdf_response(pdf: Vec<u8>, filename: &str) -> Response {
    file_response(
        pdf,
        "application/pdf",
        &format!("inline; filename=\"{filename}\""),
    )
}

/// A file answered as `disposition` says, never cached by anyone but its
/// reader.
fn file_response(body: Vec<u8>, content_type: &'static str, disposition: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `GET /invoices/{id}.pdf` and `/invoices/{id}.xml` (SPEC §33): an issued
/// self-billed invoice or credit note, as a PDF or as UBL 2.1. Read as its
/// payout is: the partner's own, staff with `commissions:read`; any other
/// is `404`, as an id naming nothing.
pub async fn invoice(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    use revshare_core::payouts::invoicing::{document, read, ubl};
    let (policy, db) = match reader(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let not_found = || error_response(ApiError::not_found("invoice"));
    let (id, xml) = match (file.strip_suffix(".pdf"), file.strip_suffix(".xml")) {
        (Some(id), _) => (id, false),
        (_, Some(id)) => (id, true),
        _ => return not_found(),
    };
    let conn = db.conn();
    let row = match read::find(conn, policy.tenant_id(), id).await {
        Ok(found) => found,
        Err(err) => return error_response(err),
    };
    let Some(row) = row.and_then(|row| as_payout(&policy, row)) else {
        return not_found();
    };
    let name = format!("invoice-{}", row.number);
    let issued = match read::Issued::of(conn, row).await {
        Ok(issued) => issued,
        Err(err) => return error_response(err),
    };
    let answer = match xml {
        false => document::pdf(&issued).map(|pdf| pdf_response(pdf, &format!("{name}.pdf"))),
        true => ubl::xml(&issued).map(|text| {
            file_response(
                text.into_bytes(),
                "application/xml; charset=utf-8",
                &format!("attachment; filename=\"{name}.xml\""),
            )
        }),
    };
    answer.unwrap_or_else(error_response)
}

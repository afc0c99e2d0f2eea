//! `GET /statements/{payoutId}.pdf` (SPEC §16): a payout's statement,
//! rendered for each request from what the ledger holds. With the bearer
//! token of the payout's partner, or of staff with `commissions:read`;
//! another partner's payout, and any payout to a token without
//! `commissions:read`, is `404`, exactly as an id naming nothing is.
//! `GET /invoices/{id}.pdf` and `.xml` (SPEC §33), a payout's self-billed
//! documents, are read as their payout is.
//! `GET /resources/{id}/{filename}` (SPEC §37), a resource's file, with a
//! token that may read the resource.

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
fn file_response(body: Vec<u8>, content_type: &str, disposition: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
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

/// `GET /resources/{id}/{filename}` (SPEC §37): a resource's file, as an
/// attachment under its name, to a token that may read the resource
/// (staff with `campaigns:read`, a partner it is for). Any other, a name
/// that is not the file's, and a text resource are `404`, as an id naming
/// nothing. An SVG is sent with a policy that runs nothing in it, should
/// it be opened rather than saved.
pub async fn resource(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, filename)): Path<(String, String)>,
) -> Response {
    use revshare_core::auth::access::Kind;
    use revshare_core::messages::resources as rules;
    let (policy, db) = match reader(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let not_found = || error_response(ApiError::not_found("resource"));
    if policy.finds(Kind::Resource).is_err() {
        return not_found();
    }
    let conn = db.conn();
    let row = match rules::find(conn, policy.tenant_id(), &id).await {
        Ok(Some(row)) if row.filename.as_deref() == Some(filename.as_str()) => row,
        Ok(_) => return not_found(),
        Err(err) => return error_response(err),
    };
    if let Some(own) = policy.partner_rows(None).partner() {
        let group = match revshare_core::reads::partners(conn, policy.tenant_id(), [own]).await {
            Ok(found) => found.into_iter().next().map(|p| p.group_id),
            Err(err) => return error_response(err),
        };
        match group.map(|group| rules::is_for(&row, &group)) {
            Some(Ok(true)) => {}
            Some(Err(err)) => return error_response(err),
            _ => return not_found(),
        }
    }
    let Some(row) = Visible::new(&policy, row).filter(Visible::readable) else {
        return not_found();
    };
    let Ok(row) = row.read(Column::Row).cloned() else {
        return not_found();
    };
    let bytes = match rules::bytes_of(conn, &row).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return not_found(),
        Err(err) => return error_response(err),
    };
    let content_type = row
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    let mut response = file_response(bytes, content_type, &attachment(&filename));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    response
}

/// `Content-Disposition` of a download named `filename`: an ASCII name for
/// every client, and the name itself (RFC 6266, RFC 5987) for those that
/// read it.
fn attachment(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let encoded = revshare_core::messages::resources::percent_encoded(filename);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

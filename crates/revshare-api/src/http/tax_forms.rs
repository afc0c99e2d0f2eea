//! `GET /tax/{formId}.pdf` (SPEC §29): a 1099-NEC's Copy B, rendered for
//! each request from the form as issued. With the bearer token of one of
//! its payee's partners, or of the tenant's admins, finance and viewers
//! (`docs/tax.md`); to anyone else — another partner, a token of another
//! tenant — it is `404`, exactly as an id naming nothing is.

use super::{AppState, error_response};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use revshare_core::error::ApiError;

pub async fn copy_b(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let policy = match super::exports::caller(&state, &headers).await {
        Ok(policy) => policy,
        Err(response) => return response,
    };
    let not_found = || error_response(ApiError::not_found("tax form"));
    let Some(id) = file.strip_suffix(".pdf") else {
        return not_found();
    };
    let Some(key) = state.rails.data_key.as_ref() else {
        return not_found();
    };
    let db = state
        .db
        .for_reads(Some(&super::prepare::writer_key(policy.principal())));
    let form = match revshare_core::tax::forms::find(db.conn(), policy.tenant_id(), id).await {
        Ok(Some(form)) => form,
        Ok(None) => return not_found(),
        Err(err) => return error_response(err),
    };
    let form = match revshare_core::tax::PayeeForm::visible(db.conn(), &policy, form).await {
        Ok(Some(visible)) => visible,
        Ok(None) => return not_found(),
        Err(err) => return error_response(err),
    };
    let Ok(form) = form
        .read(revshare_core::auth::access::Column::Row)
        .map(|f| &f.form)
    else {
        return not_found();
    };
    let pdf = match revshare_core::tax::copy_b::pdf(key, form) {
        Ok(pdf) => pdf,
        Err(err) => return error_response(err),
    };
    let corrected = match form.corrected {
        true => "-corrected",
        false => "",
    };
    super::statements::pdf_response(pdf, &format!("1099nec-{}-copy-b{corrected}.pdf", form.year))
}

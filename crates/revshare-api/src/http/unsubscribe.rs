//! `/mail/unsubscribe/{code}`: a notification's one-click unsubscribe
//! (RFC 8058). A mail client's one-click `POST` (`List-Unsubscribe=One-Click`)
//! turns that kind of e-mail off for the partner at once; a person who
//! follows the link gets a page with one button that posts the same, so a
//! link scanner's `GET` changes nothing. An unknown code is `404`.

use super::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::enums::EmailKind;
use revshare_core::mail::preferences;

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n<body style=\"font-family:system-ui,sans-serif;\
         max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5\">\n<main>\n\
         <h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn unknown() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link not found",
        "<p>This unsubscribe link is not valid.</p>",
    )
}

fn plausible(code: &str) -> bool {
    (16..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET`: a page that asks, with one button.
pub async fn ask(Path(code): Path<String>) -> Response {
    if !plausible(&code) {
        return unknown();
    }
    page(
        StatusCode::OK,
        "Stop these e-mails?",
        "<form method=\"post\">\n<input type=\"hidden\" name=\"List-Unsubscribe\" \
         value=\"One-Click\">\n<p>You will no longer be e-mailed this kind of notification. \
         You can turn it on again in your portal.</p>\n\
         <button type=\"submit\">Unsubscribe</button>\n</form>",
    )
}

/// `POST`: unsubscribes.
pub async fn confirm(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    if !plausible(&code) {
        return unknown();
    }
    let result = state
        .db
        .transaction(|txn| {
            let code = code.clone();
            Box::pin(async move { preferences::unsubscribe(&*txn, &code).await })
        })
        .await;
    match result {
        Ok(Some(done)) => {
            let what = match done.kind {
                EmailKind::CommissionEarned => "commission e-mails",
                EmailKind::Message => "e-mails of messages (they stay in the portal)",
                EmailKind::StaffFraudDigest => "the daily fraud digest",
                _ => "payout e-mails",
            };
            page(
                StatusCode::OK,
                "Unsubscribed",
                &format!("<p>You will no longer receive {what}.</p>"),
            )
        }
        Ok(None) => unknown(),
        Err(err) => super::error_response(err),
    }
}

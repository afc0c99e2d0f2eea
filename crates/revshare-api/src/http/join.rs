//! `GET /join/{tenantId}/{campaignId}`: a public campaign's application
//! page (SPEC §20), served beside the portal with its files and its
//! `Content-Security-Policy`. The page is written here, every value
//! escaped: the program's name, the campaign's name, description and terms
//! in words, and the form, whose questions are the campaign's. Its script
//! (`join.js`) posts the form to `submitPartnerApplication` and, opened
//! from the e-mailed link (`#confirm=…`), confirms the application. Any
//! campaign that is not public and active is `404`, as an unknown one is.

use super::AppState;
use super::portal::asset_url;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revshare_core::mail::content::escape;

/// The page's policy: the portal's, posting to nothing but `/graphql`.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn document(status: StatusCode, title: &str, brand: Option<&str>, body: &str) -> Response {
    let brand = brand
        .map(|c| format!("<meta name=\"brand-color\" content=\"{}\">\n", escape(c)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n{brand}\
         <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n\
         <script type=\"module\" src=\"{script}\"></script>\n\
         </head>\n<body>\n{body}</body>\n</html>\n",
        title = escape(title),
        favicon = asset_url("favicon.svg"),
        css = asset_url("ui.css"),
        script = asset_url("join.js"),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    response
}

fn missing() -> Response {
    document(
        StatusCode::NOT_FOUND,
        "Not found",
        None,
        "<main id=\"main\" class=\"join\">\n<h1>This page does not exist</h1>\n\
         <p>The program may have closed this campaign to applications.</p>\n</main>\n",
    )
}

pub async fn page(
    State(state): State<AppState>,
    Path((tenant_id, campaign_id)): Path<(String, String)>,
) -> Response {
    let conn = state.db.conn();
    let tenant = match revshare_core::reads::tenant_named(conn, &tenant_id).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return missing(),
        Err(err) => return super::error_response(err),
    };
    let campaign =
        match revshare_core::applications::open_campaign(conn, &tenant_id, &campaign_id).await {
            Ok(Some(campaign)) => campaign,
            Ok(None) => return missing(),
            Err(err) => return super::error_response(err),
        };
    let program = revshare_core::tenants::program_name(&tenant).to_owned();
    let terms: Vec<String> = match revshare_core::campaigns::rules_of(&campaign) {
        Ok(Some(rules)) => rules.in_words(&campaign.currency),
        _ => Vec::new(),
    };
    let terms = match terms.is_empty() {
        true => "<p>Commissions as the program sets them for new partners.</p>\n".to_owned(),
        false => format!(
            "<ul>\n{}</ul>\n",
            terms
                .iter()
                .map(|t| format!("<li>{}</li>\n", escape(t)))
                .collect::<String>()
        ),
    };
    let holdback = campaign
        .holdback_days
        .map(|days| {
            format!(
                "<p class=\"muted\">A commission is approved {days} days after it is earned.</p>\n"
            )
        })
        .unwrap_or_default();
    let description = campaign
        .description
        .as_deref()
        .map(|d| format!("<p>{}</p>\n", escape(d)))
        .unwrap_or_default();
    // Questions that do not read are no form to show: an error, never a
    // form asking nothing.
    let asked = match revshare_core::campaigns::questions_of(&campaign) {
        Ok(asked) => asked,
        Err(err) => return super::error_response(err),
    };
    let questions: String = asked
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(
                "<div class=\"field\" data-field=\"input.answers[{i}].answer\">\n\
                 <label for=\"answer-{i}\">{q}</label>\n\
                 <textarea id=\"answer-{i}\" name=\"answer-{i}\" data-question=\"{q}\" maxlength=\"500\" rows=\"3\"></textarea>\n\
                 </div>\n",
                q = escape(q)
            )
        })
        .collect();
    let body = format!(
        "<header class=\"top\"><p class=\"brand\">{program}</p></header>\n\
         <main id=\"main\" class=\"join\" tabindex=\"-1\">\n\
         <h1 id=\"page-title\" tabindex=\"-1\">Join {campaign}</h1>\n\
         {description}\
         <section aria-labelledby=\"terms-title\" class=\"card\">\n\
         <h2 id=\"terms-title\">What you earn</h2>\n{terms}{holdback}</section>\n\
         <form id=\"apply\" class=\"card\" novalidate data-tenant=\"{tenant}\" data-campaign=\"{campaign_id}\" aria-labelledby=\"form-title\">\n\
         <h2 id=\"form-title\">Apply</h2>\n\
         <div class=\"field\" data-field=\"input.name\">\n<label for=\"name\">Your name</label>\n\
         <input id=\"name\" name=\"name\" autocomplete=\"name\" required maxlength=\"200\"></div>\n\
         <div class=\"field\" data-field=\"input.email\">\n<label for=\"email\">E-mail address</label>\n\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required maxlength=\"254\"></div>\n\
         <div class=\"field\" data-field=\"input.website\">\n<label for=\"website\">Website (optional)</label>\n\
         <input id=\"website\" name=\"website\" type=\"url\" autocomplete=\"url\" maxlength=\"500\"></div>\n\
         <div class=\"field\" data-field=\"input.country\">\n<label for=\"country\">Country (optional, two letters: DE, US)</label>\n\
         <input id=\"country\" name=\"country\" autocomplete=\"country\" maxlength=\"2\"></div>\n\
         {questions}\
         <div class=\"hp\" aria-hidden=\"true\"><label for=\"website2\">Leave this field empty</label>\n\
         <input id=\"website2\" name=\"website2\" tabindex=\"-1\" autocomplete=\"off\"></div>\n\
         <p><button type=\"submit\">Apply</button></p>\n\
         <p id=\"form-status\" role=\"status\" aria-live=\"polite\"></p>\n\
         </form>\n\
         <p class=\"muted\">Already a partner? <a href=\"/portal/#tenant={tenant}\">Sign in by e-mail</a>.</p>\n\
         </main>\n",
        program = escape(&program),
        campaign = escape(&campaign.name),
        tenant = escape(&tenant_id),
        campaign_id = escape(&campaign.id),
    );
    document(
        StatusCode::OK,
        &format!("Join {} · {program}", campaign.name),
        tenant.brand_color.as_deref(),
        &body,
    )
}

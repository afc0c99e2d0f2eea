//! `GET /join/{tenantId}/{campaignId}`: a public campaign's application
//! page (SPEC §20), served beside the portal with its files and its
//! `Content-Security-Policy`. The page is written here, every value
//! escaped: the program's name, the campaign's name, description and terms
//! in words, and the form, whose questions are the campaign's. Its script
//! (`join.js`) posts the form to `submitPartnerApplication` and, opened
//! from the e-mailed link (`#confirm=…`), confirms the application. Any
//! campaign that is not public and active is `404`, as an unknown one is.

mod words;

use super::AppState;
use super::portal::asset_url;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revshare_core::languages::{self, Offered, fill, formats};
use revshare_core::mail::content::escape;
use words::Words;

/// The page's policy: the portal's, posting to nothing but `/graphql`.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn document(
    status: StatusCode,
    language: &str,
    title: &str,
    brand: Option<&str>,
    body: &str,
) -> Response {
    let brand = brand
        .map(|c| format!("<meta name=\"brand-color\" content=\"{}\">\n", escape(c)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"{language}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n{brand}\
         <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n\
         <script type=\"module\" src=\"{script}\"></script>\n\
         </head>\n<body>\n{body}</body>\n</html>\n",
        title = escape(title),
        language = escape(language),
        favicon = asset_url("favicon.svg"),
        css = asset_url("ui.css"),
        script = asset_url("join.js"),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(language) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
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

fn missing(language: &str) -> Response {
    let w = words::of(language);
    document(
        StatusCode::NOT_FOUND,
        language,
        w.not_found,
        None,
        &format!(
            "<main id=\"main\" class=\"join\">\n<h1>{}</h1>\n<p>{}</p>\n</main>\n",
            escape(w.missing),
            escape(w.missing_why)
        ),
    )
}

/// `?lang=` on the page's address.
#[derive(serde::Deserialize)]
pub struct Asked {
    lang: Option<String>,
}

/// The page's language (SPEC §38): the address's `?lang=` while the
/// program offers it (the language menu's links, the confirmation
/// e-mail's), else the browser's best offered one, else the default.
fn language_of(offered: &Offered, asked: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(code) = asked.filter(|code| offered.languages.iter().any(|l| l == code)) {
        return code.to_owned();
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|header| languages::best_of(header, &offered.languages))
        .unwrap_or_else(|| offered.default.clone())
}

/// The offered languages as links to the page in each, each named in
/// itself, the one read marked: shown when the program offers more than
/// one.
fn language_menu(offered: &Offered, language: &str, w: &Words) -> String {
    if offered.languages.len() < 2 {
        return String::new();
    }
    let links: String = offered
        .languages
        .iter()
        .map(|code| {
            let current = match code == language {
                true => " aria-current=\"true\"",
                false => "",
            };
            format!(
                "<li><a href=\"?lang={code}\" lang=\"{code}\" hreflang=\"{code}\"{current}>{}</a></li>",
                escape(languages::own_name(code)),
                code = escape(code)
            )
        })
        .collect();
    format!(
        "<nav class=\"languages\" aria-label=\"{}\"><ul>{links}</ul></nav>\n",
        escape(w.language)
    )
}

pub async fn page(
    State(state): State<AppState>,
    Path((tenant_id, campaign_id)): Path<(String, String)>,
    Query(asked): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let conn = state.db.conn();
    let tenant = match revshare_core::reads::tenant_named(conn, &tenant_id).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return missing(&language_of(&Offered::default(), None, &headers)),
        Err(err) => return super::error_response(err),
    };
    let offered = Offered::of(&tenant);
    let language = language_of(&offered, asked.lang.as_deref(), &headers);
    let w = words::of(&language);
    let campaign =
        match revshare_core::applications::open_campaign(conn, &tenant_id, &campaign_id).await {
            Ok(Some(campaign)) => campaign,
            Ok(None) => return missing(&language),
            Err(err) => return super::error_response(err),
        };
    let program = revshare_core::tenants::program_name(&tenant).to_owned();
    let terms: Vec<String> = match revshare_core::campaigns::rules_of(&campaign) {
        Ok(Some(rules)) => languages::terms::in_words(&rules, &language, &campaign.currency),
        _ => Vec::new(),
    };
    let terms = match terms.is_empty() {
        true => format!("<p>{}</p>\n", escape(w.default_terms)),
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
            let form = match formats::plural(&language, days.unsigned_abs().into()) {
                formats::PluralCategory::One => w.holdback_one,
                _ => w.holdback_other,
            };
            let said = fill(form, &[("days", &days.to_string())]);
            format!("<p class=\"muted\">{}</p>\n", escape(&said))
        })
        .unwrap_or_default();
    // The staff's words as written, or as translated for the page's
    // language (SPEC §38).
    let description = revshare_core::campaigns::description_in(&campaign, &language)
        .map(|d| format!("<p>{}</p>\n", escape(&d)))
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
    // What the script says, in the page's language.
    let said: String = [
        ("sending", w.sending),
        ("check-inbox", w.check_inbox),
        ("sent", w.sent),
        ("correct", w.correct),
        ("confirming", w.confirming),
        ("confirm-refused", w.confirm_refused),
        ("confirmed-approved", w.confirmed_approved),
        ("confirmed", w.confirmed),
        ("unreachable", w.unreachable),
        ("unexpected", w.unexpected),
    ]
    .iter()
    .map(|(name, text)| format!(" data-say-{name}=\"{}\"", escape(text)))
    .collect();
    let body = format!(
        "<header class=\"top\"><p class=\"brand\">{program}</p>{menu}</header>\n\
         <main id=\"main\" class=\"join\" tabindex=\"-1\">\n\
         <h1 id=\"page-title\" tabindex=\"-1\">{heading}</h1>\n\
         {description}\
         <section aria-labelledby=\"terms-title\" class=\"card\">\n\
         <h2 id=\"terms-title\">{earn}</h2>\n{terms}{holdback}</section>\n\
         <form id=\"apply\" class=\"card\" novalidate data-tenant=\"{tenant}\" data-campaign=\"{campaign_id}\" data-language=\"{language}\"{said} aria-labelledby=\"form-title\">\n\
         <h2 id=\"form-title\">{apply}</h2>\n\
         <div class=\"field\" data-field=\"input.name\">\n<label for=\"name\">{your_name}</label>\n\
         <input id=\"name\" name=\"name\" autocomplete=\"name\" required maxlength=\"200\"></div>\n\
         <div class=\"field\" data-field=\"input.email\">\n<label for=\"email\">{email}</label>\n\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required maxlength=\"254\"></div>\n\
         <div class=\"field\" data-field=\"input.website\">\n<label for=\"website\">{website}</label>\n\
         <input id=\"website\" name=\"website\" type=\"url\" autocomplete=\"url\" maxlength=\"500\"></div>\n\
         <div class=\"field\" data-field=\"input.country\">\n<label for=\"country\">{country}</label>\n\
         <input id=\"country\" name=\"country\" autocomplete=\"country\" maxlength=\"2\"></div>\n\
         {questions}\
         <div class=\"hp\" aria-hidden=\"true\"><label for=\"website2\">{leave_empty}</label>\n\
         <input id=\"website2\" name=\"website2\" tabindex=\"-1\" autocomplete=\"off\"></div>\n\
         <p><button type=\"submit\">{apply}</button></p>\n\
         <p id=\"form-status\" role=\"status\" aria-live=\"polite\"></p>\n\
         </form>\n\
         <p class=\"muted\">{already} <a href=\"/portal/#tenant={tenant}&amp;lang={language}\">{sign_in}</a>.</p>\n\
         </main>\n",
        program = escape(&program),
        menu = language_menu(&offered, &language, w),
        heading = escape(&fill(w.join, &[("campaign", &campaign.name)])),
        earn = escape(w.what_you_earn),
        apply = escape(w.apply),
        your_name = escape(w.your_name),
        email = escape(w.email),
        website = escape(w.website),
        country = escape(w.country),
        leave_empty = escape(w.leave_empty),
        already = escape(w.already),
        sign_in = escape(w.sign_in),
        tenant = escape(&tenant_id),
        campaign_id = escape(&campaign.id),
        language = escape(&language),
    );
    document(
        StatusCode::OK,
        &language,
        &fill(
            w.title,
            &[("campaign", &campaign.name), ("program", &program)],
        ),
        tenant.brand_color.as_deref(),
        &body,
    )
}

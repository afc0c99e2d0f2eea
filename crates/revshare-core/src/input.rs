//! Parsing of free-text inputs into trimmed, bounded values. Each helper names
//! the input field in its error, so a client learns exactly what to fix.

use crate::error::{ApiError, ApiResult};

/// A name: a partner's, a group's, a campaign's.
pub const MAX_NAME_CHARS: usize = 200;
/// A longer free text: a group's or a campaign's description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// An identifier of the client's own: `externalId`s of partners, groups,
/// events and customers.
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;
/// A `search` argument.
pub const MAX_SEARCH_CHARS: usize = 200;
/// An e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Notes kept with a status change, an amendment or a rejection.
pub const MAX_NOTE_CHARS: usize = 2000;
/// A payment's reference in the system that sent it.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// An account holder's name on a payment: SEPA's `Nm` holds 70 characters.
pub const MAX_ACCOUNT_HOLDER_CHARS: usize = 70;

/// A required, trimmed, non-empty text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: blank means absent.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max).map(Some),
    }
}

/// An optional e-mail address, checked for shape only (one `@`, no spaces).
pub fn optional_email(field: &str, value: Option<&str>) -> ApiResult<Option<String>> {
    let Some(email) = optional_text(field, value, MAX_EMAIL_CHARS)? else {
        return Ok(None);
    };
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(ApiError::bad_input(field, "must be an e-mail address"));
    }
    Ok(Some(email))
}

/// An optional search string, bounded.
pub fn search(value: Option<&str>) -> ApiResult<Option<String>> {
    optional_text("search", value, MAX_SEARCH_CHARS)
}

/// A list of ids as a mutation takes it: `min` to `max` of them, none
/// repeated. Errors name `field`, or `field[i]` for a repeat.
pub fn check_id_list(field: &str, ids: &[String], min: usize, max: usize) -> ApiResult<()> {
    if ids.len() < min || ids.len() > max {
        let message = match min {
            0 => format!("must have at most {max} ids"),
            _ => format!("must have {min} to {max} ids"),
        };
        return Err(ApiError::bad_input(field, message));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    match ids.iter().position(|id| !seen.insert(id.as_str())) {
        Some(i) => Err(ApiError::bad_input(
            format!("{field}[{i}]"),
            "repeats an id",
        )),
        None => Ok(()),
    }
}

/// The first of `ids` that is not `found`, as the error naming `field[i]`.
pub fn check_found(
    field: &str,
    ids: &[String],
    found: impl Fn(&str) -> bool,
    message: &str,
) -> ApiResult<()> {
    match ids.iter().position(|id| !found(id)) {
        Some(i) => Err(ApiError::bad_input(format!("{field}[{i}]"), message)),
        None => Ok(()),
    }
}

/// An id no row has: a list, series or export filtered by it answers
/// what one filtered by an id naming nothing answers — how a partner
/// token's filter naming another partner is answered (SPEC §3: as if the
/// other partner had nothing), without reading that partner's rows.
pub const NO_ROW_ID: &str = "";

/// Every first path segment revshare routes, the probes among them: no
/// link stands where the platform answers.
const RESERVED_PATHS: &[&str] = &[
    "admin",
    "assets",
    "connectors",
    "exports",
    "graphql",
    "healthz",
    "join",
    "l",
    "mail",
    "metrics",
    "payouts",
    "portal",
    "qr",
    "r",
    "readyz",
    "statements",
    "tax",
];

/// Whether `segment` (lower case) is a first path segment revshare
/// routes: no link's key or referral code (a code is its link's key).
pub fn reserved_path(segment: &str) -> bool {
    RESERVED_PATHS.contains(&segment)
}

/// A new ULID, the id of every row. Ids made by one process increase
/// strictly, so lists ordered by id follow creation order.
pub fn new_id() -> String {
    static GENERATOR: std::sync::Mutex<ulid::Generator> =
        std::sync::Mutex::new(ulid::Generator::new());
    let mut generator = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    generator
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new())
        .to_string()
}
/// A host name as kept: lower case, letters, digits, `-` and dots, with
/// at least one dot, no port.
pub fn host_name(field: &str, given: &str) -> crate::error::ApiResult<String> {
    let host = given.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = host.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    match host.len() <= 253 && host.contains('.') && labels_ok {
        true => Ok(host),
        false => Err(crate::error::ApiError::bad_input(
            field,
            format!("{:?} is not a host name (go.example.com)", given.trim()),
        )),
    }
}

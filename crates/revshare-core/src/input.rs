//! Parsing of free-text inputs into trimmed, bounded values. Each helper names
//! the input field in its error, so a client learns exactly what to fix.

use crate::engine::Currency;
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

/// Whether XML 1.0 cannot hold `c` (its `Char` production): a C0 control
/// but tab, line feed and carriage return, or U+FFFE and U+FFFF. A
/// document holding one is malformed, and an invoice never changes.
pub fn outside_xml(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'
    )
}

/// Whether `c` cannot stand in one line of text: a control character (a
/// line break, a tab, an escape), a line or paragraph separator, or a
/// character XML cannot hold.
pub fn outside_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || outside_xml(c)
}

/// `c` as a client names it: `U+000A`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// A required, trimmed, non-empty text of at most `max` characters, with
/// no character a document cannot carry (line breaks and tabs may be in
/// it: a note, a description, a message).
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
    if let Some(c) = trimmed.chars().find(|c| outside_xml(*c)) {
        return Err(ApiError::bad_input(
            field,
            format!(
                "must not hold {}, which no document can carry",
                code_point(c)
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An amount of money as given (`{field}.amount` in the currency
/// `{field}.currency`): more than 0, in the currency's minor units, each
/// refusal naming its part. Answers the minor units and the currency.
pub fn money_above_zero(
    field: &str,
    amount: rust_decimal::Decimal,
    code: &str,
) -> ApiResult<(i64, Currency)> {
    let currency = Currency::parse(&code.trim().to_uppercase())
        .map_err(|e| ApiError::bad_input(format!("{field}.currency"), e.to_string()))?;
    if amount <= rust_decimal::Decimal::ZERO {
        return Err(ApiError::bad_input(
            format!("{field}.amount"),
            "must be more than 0",
        ));
    }
    let minor = currency
        .to_minor(amount)
        .map_err(|e| ApiError::bad_input(format!("{field}.amount"), e.to_string()))?;
    Ok((minor, currency))
}

/// An optional text: blank means absent.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max).map(Some),
    }
}

/// A required single line: [`required_text`] with no line break, tab or
/// other control character — what a name, a subject, an address line or
/// anything else that may reach an e-mail's header or a document is.
pub fn required_line(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let text = required_text(field, value, max)?;
    check_line(field, &text)?;
    Ok(text)
}

/// An optional single line: blank means absent.
pub fn optional_line(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_line(field, text, max).map(Some),
    }
}

/// Refuses `text` where it holds a character no single line may.
pub fn check_line(field: &str, text: &str) -> ApiResult<()> {
    match text.chars().find(|c| outside_line(*c)) {
        Some(c) => Err(ApiError::bad_input(
            field,
            format!(
                "must be one line of printable text: it holds {}",
                code_point(c)
            ),
        )),
        None => Ok(()),
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
                && !email.chars().any(|c| c.is_whitespace() || outside_line(c))
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
    "invoices",
    "join",
    "l",
    "mail",
    "metrics",
    "payouts",
    "portal",
    "qr",
    "r",
    "readyz",
    "resources",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: ApiResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(err) => err.message(),
            Ok(value) => format!("accepted {value:?}"),
        }
    }

    #[test]
    fn a_line_holds_no_control_character_and_no_text_what_xml_forbids() {
        assert_eq!(
            required_line("input.name", "  Acme Partners ", 200),
            Ok("Acme Partners".to_owned())
        );
        // Trailing line breaks are trimmed away; one inside is refused.
        assert_eq!(
            required_line("input.name", "Acme\n", 200),
            Ok("Acme".to_owned())
        );
        for (given, held) in [
            ("Acme\nBcc: x@evil.test", "U+000A"),
            ("Ac\rme", "U+000D"),
            ("Ac\tme", "U+0009"),
            ("Ac\u{9b}31mme", "U+009B"),
            ("Ac\u{85}me", "U+0085"),
            ("Ac\u{2028}me", "U+2028"),
            ("Ac\u{7f}me", "U+007F"),
        ] {
            assert_eq!(
                message(required_line("input.programName", given, 200)),
                format!("input.programName: must be one line of printable text: it holds {held}"),
                "{given:?}"
            );
        }
        // What XML 1.0 cannot hold is refused in any text, with its name.
        for (given, held) in [
            ("Acme\u{FFFF}", "U+FFFF"),
            ("Acme\u{FFFE} GmbH", "U+FFFE"),
            ("A\u{1}cme", "U+0001"),
            ("A\u{b}cme", "U+000B"),
            ("A\u{c}cme", "U+000C"),
            ("A\u{1f}cme", "U+001F"),
        ] {
            for checked in [
                required_text("input.legalName", given, 200),
                required_line("input.legalName", given, 200),
            ] {
                assert_eq!(
                    message(checked),
                    format!("input.legalName: must not hold {held}, which no document can carry"),
                    "{given:?}"
                );
            }
        }
        // A multi-line text keeps its line breaks and tabs, and what XML
        // holds beyond the BMP's last characters.
        assert_eq!(
            required_text("input.note", "one\r\ntwo\tthree \u{FFFD}\u{10000}", 2000),
            Ok("one\r\ntwo\tthree \u{FFFD}\u{10000}".to_owned())
        );
        assert_eq!(optional_line("input.name", Some("  "), 200), Ok(None));
        assert_eq!(
            message(optional_line("input.name", Some("a\nb"), 200)),
            "input.name: must be one line of printable text: it holds U+000A"
        );
        assert_eq!(
            message(optional_email(
                "input.supportEmail",
                Some("a@b.example\u{7}")
            )),
            "input.supportEmail: must not hold U+0007, which no document can carry"
        );
        assert_eq!(
            message(optional_email(
                "input.supportEmail",
                Some("a\u{85}b@b.example")
            )),
            "input.supportEmail: must be an e-mail address"
        );
    }

    #[test]
    fn the_documents_paths_are_reserved() {
        for segment in [
            "invoices",
            "statements",
            "tax",
            "mail",
            "connectors",
            "payouts",
            "resources",
        ] {
            assert!(reserved_path(segment), "{segment}");
        }
        assert!(!reserved_path("jane-doe"));
    }
}

/// What a file is, as its bytes show (never as its name or a client
/// says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    Pdf,
}

impl FileType {
    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Svg => "image/svg+xml",
            FileType::Pdf => "application/pdf",
        }
    }

    /// Its name as a client reads it.
    pub fn name(self) -> &'static str {
        match self {
            FileType::Png => "PNG",
            FileType::Jpeg => "JPEG",
            FileType::Gif => "GIF",
            FileType::Webp => "WebP",
            FileType::Svg => "SVG",
            FileType::Pdf => "PDF",
        }
    }
}

/// What `bytes` are, by their signature: PNG, JPEG, GIF and WebP by their
/// first bytes, a PDF by its header and its end-of-file marker, an SVG by
/// its first element (after an XML declaration, comments and a doctype)
/// being `<svg`.
pub fn file_type(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileType::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileType::Jpeg);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(FileType::Gif);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some(FileType::Webp);
    }
    if is_pdf(bytes) {
        return Some(FileType::Pdf);
    }
    is_svg(bytes).then_some(FileType::Svg)
}

/// Whether `bytes` are a PDF: its header first, its end-of-file marker in
/// its last kilobyte (where readers look for it).
pub fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Whether `bytes` are UTF-8 text whose first element is `<svg`.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        let skipped = [("<?", "?>"), ("<!--", "-->"), ("<!DOCTYPE", ">")]
            .iter()
            .find(|(open, _)| rest.starts_with(open))
            .map(|(open, close)| {
                rest[open.len()..]
                    .find(close)
                    .map(|at| open.len() + at + close.len())
            });
        match skipped {
            Some(Some(end)) => rest = &rest[end..],
            Some(None) => return false,
            None => break,
        }
    }
    rest.strip_prefix("<svg")
        .and_then(|after| after.chars().next())
        .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/')
}

#[cfg(test)]
mod file_tests {
    use super::{FileType, file_type};

    #[test]
    fn files_are_known_by_their_bytes() {
        assert_eq!(file_type(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(file_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileType::Jpeg));
        assert_eq!(file_type(b"GIF89a..."), Some(FileType::Gif));
        assert_eq!(file_type(b"RIFF\x10\0\0\0WEBPVP8 "), Some(FileType::Webp));
        assert_eq!(file_type(b"%PDF-1.4\n...\n%%EOF\n"), Some(FileType::Pdf));
        assert_eq!(file_type(b"%PDF-1.4 cut short"), None);
        let svg = "\u{feff}<?xml version=\"1.0\"?>\n<!-- logo -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(file_type(svg.as_bytes()), Some(FileType::Svg));
        assert_eq!(file_type(b"<svg>"), Some(FileType::Svg));
        assert_eq!(file_type(b"<svgx>"), None);
        assert_eq!(file_type(b"<html><svg></svg></html>"), None);
        assert_eq!(file_type(b"<!-- never closed <svg>"), None);
        assert_eq!(file_type(b"logo.png"), None);
        assert_eq!(file_type(b""), None);
    }
}

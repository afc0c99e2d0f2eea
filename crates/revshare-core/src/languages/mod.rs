//! The languages a program speaks to its partners in (SPEC §38).
//!
//! - [`BUILT_IN`]: the languages revshare writes in, each named in itself
//!   (the portal's menu says "Deutsch", "Français");
//! - [`Offered`]: the ones a tenant offers, in its order, and its default
//!   among them — what a partner's own language reads as (one no longer
//!   offered reads as the default);
//! - [`best_of`]: an `Accept-Language` header's best offered language,
//!   by q-value, a region matching its language (`fr-CH` is `fr`).
//!
//! A code is a lower-case ISO 639-1 code, taken exactly as written: `DE`
//! and ` de` are refused, as every text with a fixed form is.

use crate::error::{ApiError, ApiResult};

pub mod formats;
pub mod terms;
pub mod translations;

/// `text` with each `{name}` replaced by its value, in one pass: a value
/// that holds braces is written as it is.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after
            .find('}')
            .and_then(|close| Some((values.iter().find(|(n, _)| *n == &after[..close])?, close)));
        match named {
            Some(((_, value), close)) => {
                filled.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// The `{name}`s a text holds, sorted: each language's text has the
/// English one's (the catalogues' tests hold them to it).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect();
    found.sort();
    found
}

/// The languages revshare writes in, each as it names itself.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("de", "Deutsch"),
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
];

/// What a tenant offers until it says otherwise.
pub const DEFAULT: &str = "en";

/// A built-in language's code as given, else `BAD_USER_INPUT` on `field`.
pub fn check(field: &str, code: &str) -> ApiResult<String> {
    match BUILT_IN.iter().any(|(known, _)| *known == code) {
        true => Ok(code.to_owned()),
        false => Err(ApiError::bad_input(
            field,
            format!(
                "must be one of the languages revshare writes in: {}",
                BUILT_IN
                    .iter()
                    .map(|(code, _)| *code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// A language as it names itself (`Deutsch`); the code for one unknown.
pub fn own_name(code: &str) -> &str {
    BUILT_IN
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(code, |(_, name)| name)
}

/// The languages a tenant offers, in its order, and its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub languages: Vec<String>,
    pub default: String,
}

impl Default for Offered {
    /// What a tenant offers until it says otherwise.
    fn default() -> Offered {
        Offered {
            languages: vec![DEFAULT.to_owned()],
            default: DEFAULT.to_owned(),
        }
    }
}

impl Offered {
    /// A tenant's, as stored (JSON list); what it has always offered
    /// when unreadable.
    pub fn of(tenant: &entity::tenant::Model) -> Offered {
        let languages: Vec<String> = serde_json::from_str(&tenant.languages)
            .ok()
            .filter(|l: &Vec<String>| !l.is_empty())
            .unwrap_or_else(|| vec![DEFAULT.to_owned()]);
        let default = match languages.contains(&tenant.default_language) {
            true => tenant.default_language.clone(),
            false => languages[0].clone(),
        };
        Offered { languages, default }
    }

    /// `languages` offered with `default`, checked: each built in and
    /// given once (`input.languages[2]`), at least one, the default among
    /// them (`input.defaultLanguage`).
    pub fn checked(languages: Vec<String>, default: String) -> ApiResult<Offered> {
        if languages.is_empty() {
            return Err(ApiError::bad_input(
                "input.languages",
                "must name at least one language",
            ));
        }
        for (i, code) in languages.iter().enumerate() {
            let field = format!("input.languages[{i}]");
            check(&field, code)?;
            if languages[..i].contains(code) {
                return Err(ApiError::bad_input(&field, format!("names {code} twice")));
            }
        }
        if !languages.contains(&default) {
            return Err(ApiError::bad_input(
                "input.defaultLanguage",
                format!(
                    "must be one of the languages offered ({})",
                    languages.join(", ")
                ),
            ));
        }
        Ok(Offered { languages, default })
    }

    /// The list as stored.
    pub fn encode(&self) -> String {
        serde_json::to_string(&self.languages).unwrap_or_else(|_| format!("[\"{DEFAULT}\"]"))
    }

    /// What `chosen` (a partner's own) reads as: itself while offered,
    /// else the default.
    pub fn reads<'a>(&'a self, chosen: Option<&'a str>) -> &'a str {
        match chosen {
            Some(code) if self.languages.iter().any(|l| l == code) => code,
            _ => &self.default,
        }
    }
}

/// The language `partner` is written to: its own while its tenant offers
/// it, else the tenant's default.
pub async fn of_partner(
    conn: &impl sea_orm::ConnectionTrait,
    partner: &entity::partner::Model,
) -> ApiResult<String> {
    use sea_orm::EntityTrait;
    let tenant = entity::tenant::Entity::find_by_id(partner.tenant_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", &partner.tenant_id))?;
    Ok(Offered::of(&tenant)
        .reads(partner.language.as_deref())
        .to_owned())
}

/// The best offered language of an `Accept-Language` header (RFC 9110):
/// the highest q-value first, then the order written; a tag matches its
/// language (`fr-CH` is `fr`), `*` and q=0 match nothing. None when none
/// is offered.
pub fn best_of(header: &str, offered: &[String]) -> Option<String> {
    let mut ranked: Vec<(u32, usize, String)> = Vec::new();
    for (order, item) in header.split(',').enumerate().take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut weight = 1000;
        for parameter in parts {
            let parameter = parameter.trim();
            if let Some(q) = parameter.strip_prefix("q=") {
                weight = q_value(q).unwrap_or(0);
            }
        }
        let language = tag.split('-').next().unwrap_or("").to_owned();
        if weight == 0 || language.is_empty() || language == "*" {
            continue;
        }
        if offered.contains(&language) {
            ranked.push((weight, order, language));
        }
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().next().map(|(_, _, language)| language)
}

/// A q-value in thousandths (`0.8` is 800); none when malformed.
fn q_value(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u32>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn the_best_offered_language_of_a_header_by_q_value_and_region() {
        let de_fr_en = offered(&["de", "fr", "en"]);
        assert_eq!(
            best_of("fr-CH, fr;q=0.9, en;q=0.8", &de_fr_en),
            Some("fr".into())
        );
        assert_eq!(
            best_of("it, en;q=0.5, de;q=0.7", &de_fr_en),
            Some("de".into())
        );
        assert_eq!(best_of("en;q=0.5, de;q=0.5", &de_fr_en), Some("en".into()));
        assert_eq!(best_of("DE-AT", &de_fr_en), Some("de".into()));
        assert_eq!(best_of("de;q=0, *", &de_fr_en), None);
        assert_eq!(best_of("es, it", &de_fr_en), None);
        assert_eq!(best_of("fr;q=1.5, en;q=0.1", &de_fr_en), Some("en".into()));
        assert_eq!(best_of("", &de_fr_en), None);
    }

    #[test]
    fn a_tenants_languages_are_built_in_once_with_the_default_among_them() {
        let ok = Offered::checked(offered(&["de", "fr", "en"]), "de".into()).unwrap();
        assert_eq!(ok.reads(Some("fr")), "fr");
        assert_eq!(ok.reads(Some("it")), "de");
        assert_eq!(ok.reads(None), "de");
        let field = |result: ApiResult<Offered>| match result {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(Offered::checked(offered(&["de", "xx"]), "de".into())),
            "input.languages[1]"
        );
        assert_eq!(
            field(Offered::checked(offered(&["de", "DE"]), "de".into())),
            "input.languages[1]"
        );
        assert_eq!(
            field(Offered::checked(offered(&["de", "de"]), "de".into())),
            "input.languages[1]"
        );
        assert_eq!(
            field(Offered::checked(offered(&["de"]), "fr".into())),
            "input.defaultLanguage"
        );
        assert_eq!(
            field(Offered::checked(vec![], "en".into())),
            "input.languages"
        );
    }
}

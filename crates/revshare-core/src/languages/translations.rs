//! Staff texts in the reader's language (SPEC §38): a message, a
//! broadcast or a description stays as its author wrote it, or is read in
//! the translation its author gave for the reader's language. revshare
//! translates nothing itself.
//!
//! A translation names a built-in language once (`input.translations[1]
//! .language`); its texts are checked as the original's are. Stored as a
//! JSON list beside the original; a list that does not read gives no
//! translation, and the original is read.

use super::check;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};

/// The most translations one text has: one a built-in language.
pub const MAX: usize = super::BUILT_IN.len();

/// A staff text in one language: a broadcast's subject and body, a
/// message's body, or a description (`body` alone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
}

/// `given` checked under `field` (`input.translations`): each language
/// built in and named once; each subject by `subject` and each body by
/// `body` (the original's checks), given the field they are at.
pub fn checked(
    field: &str,
    given: Vec<Translation>,
    subject: &dyn Fn(&str, &str) -> ApiResult<String>,
    body: &dyn Fn(&str, &str) -> ApiResult<String>,
) -> ApiResult<Vec<Translation>> {
    if given.len() > MAX {
        return Err(ApiError::bad_input(
            field,
            format!("gives at most {MAX} translations, one a language"),
        ));
    }
    let mut checked: Vec<Translation> = Vec::with_capacity(given.len());
    for (i, translation) in given.into_iter().enumerate() {
        let at = format!("{field}[{i}]");
        let language = check(&format!("{at}.language"), &translation.language)?;
        if checked.iter().any(|t| t.language == language) {
            return Err(ApiError::bad_input(
                format!("{at}.language"),
                format!("names {language} twice"),
            ));
        }
        let subject = translation
            .subject
            .map(|text| subject(&format!("{at}.subject"), &text))
            .transpose()?;
        let body = body(&format!("{at}.body"), &translation.body)?;
        checked.push(Translation {
            language,
            subject,
            body,
        });
    }
    Ok(checked)
}

/// The list as stored; none for an empty one.
pub fn encode(list: &[Translation]) -> ApiResult<Option<String>> {
    match list.is_empty() {
        true => Ok(None),
        false => ApiError::json("translations", list).map(Some),
    }
}

/// A stored list; none when there is none or it does not read (the
/// original is read).
pub fn decode(stored: Option<&str>) -> Vec<Translation> {
    stored
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// The translation for a reader of `language`, if its author gave one.
pub fn for_reader<'a>(list: &'a [Translation], language: &str) -> Option<&'a Translation> {
    list.iter().find(|t| t.language == language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(_: &str, text: &str) -> ApiResult<String> {
        Ok(text.trim().to_owned())
    }

    fn given(language: &str, body: &str) -> Translation {
        Translation {
            language: language.into(),
            subject: None,
            body: body.into(),
        }
    }

    #[test]
    fn each_language_is_built_in_and_named_once() {
        let list = checked(
            "input.translations",
            vec![given("de", " Hallo "), given("fr", "Bonjour")],
            &plain,
            &plain,
        )
        .unwrap();
        assert_eq!(list[0].body, "Hallo");
        assert_eq!(for_reader(&list, "fr").unwrap().body, "Bonjour");
        assert!(for_reader(&list, "it").is_none());
        let field = |list| match checked("input.translations", list, &plain, &plain) {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(vec![given("de", "a"), given("xx", "b")]),
            "input.translations[1].language"
        );
        assert_eq!(
            field(vec![given("de", "a"), given("de", "b")]),
            "input.translations[1].language"
        );
        assert_eq!(decode(Some("not json")), Vec::new());
        let stored = encode(&list).unwrap();
        assert_eq!(decode(stored.as_deref()), list);
        assert_eq!(encode(&[]).unwrap(), None);
    }
}

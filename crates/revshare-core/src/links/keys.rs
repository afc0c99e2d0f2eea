//! A link's key: the text after the link domain (`go.acme.com/jane-doe`),
//! unique in the tenant — the text of its referral code.

use crate::error::{ApiError, ApiResult};

/// Whether `key` (lower case) is a path revshare routes
/// ([`crate::input::reserved_path`]), which no link answers, even one
/// imported with that text.
pub fn reserved(key: &str) -> bool {
    crate::input::reserved_path(key)
}

/// A key as given: 3 to 64 letters, digits, `-` or `_`, starting with a
/// letter or digit, compared in lower case.
pub fn check(field: &str, given: &str) -> ApiResult<String> {
    let key = given.trim().to_ascii_lowercase();
    let valid = (3..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(ApiError::bad_input(
            field,
            "must be 3 to 64 letters, digits, '-' or '_', starting with a letter or digit",
        ));
    }
    if reserved(&key) {
        return Err(ApiError::bad_input(
            field,
            format!("{key:?} is reserved: revshare answers that path"),
        ));
    }
    Ok(key)
}

/// A name as a key: `Jane Doe` → `jane-doe`, accents dropped (`Zoë` →
/// `zoe`), anything else a single `-`, at most 48 characters (room for a
/// suffix); `None` when fewer than 3 letters or digits are left.
pub fn slug(name: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    for c in name.nfkd() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && unicode_normalization::char::is_combining_mark(c) {
            // An accent of the letter before it.
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    (slug.len() >= 3 && !reserved(&slug)).then_some(slug)
}

/// `-` and four random letters or digits, for a slug that is taken.
pub fn suffix() -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("randomness", e))?;
    Ok(std::iter::once('-')
        .chain(
            bytes
                .iter()
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_are_letters_digits_dashes_and_underscores() {
        assert_eq!(check("k", " Jane_Doe-2 ").unwrap(), "jane_doe-2");
        for bad in [
            "ab", "-abc", "_abc", "a b c", "café", "a/b", "a.b.c", "HealthZ",
        ] {
            assert!(check("k", bad).is_err(), "{bad}");
        }
        assert!(check("k", &"a".repeat(64)).is_ok());
        assert!(check("k", &"a".repeat(65)).is_err());
    }

    #[test]
    fn a_name_becomes_its_slug() {
        assert_eq!(slug("Jane Doe").as_deref(), Some("jane-doe"));
        assert_eq!(slug("  Zoë  O'Brien!! ").as_deref(), Some("zoe-o-brien"));
        assert_eq!(slug("Ångström AB").as_deref(), Some("angstrom-ab"));
        assert_eq!(slug("李"), None);
        assert_eq!(slug("Al"), None);
        let long = slug(&"x".repeat(100)).unwrap();
        assert_eq!(long.len(), 48);
        let suffix = suffix().unwrap();
        assert_eq!(suffix.len(), 5);
        assert!(check("k", &format!("{long}{suffix}")).is_ok());
    }

    proptest! {
        #[test]
        fn a_slug_is_always_a_key(name in "\\PC{0,80}") {
            if let Some(slug) = slug(&name) {
                prop_assert_eq!(check("k", &slug).unwrap(), slug);
            }
        }
    }
}

//! What an entry may say of a field's value, decided by the field's name
//! against the lists of what may be shown ([`super::shown`]): in clear,
//! by its last 4 characters, or — for any name not listed — not at all.
//! And amounts as clients read them.

use super::FieldChange;
use super::shown::{LAST_FOUR, PLAIN};

/// What may be said of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// As it is: the field is listed as shown in clear.
    Plain,
    /// Its last 4 characters (tax ids, IBANs, account numbers).
    LastFour,
    /// Nothing: the field is left out, name and value — credentials,
    /// codes, tokens and keys, and every field not listed as shown.
    Secret,
    /// A listed URL without what may carry a secret: its user
    /// information, query and fragment shown as `…` (a webhook's
    /// `?token=`).
    Url,
}

/// `field` as the lists name it: its letters and digits, lowercase
/// (`minimum_payout`, `minimumPayout`: `minimumpayout`).
fn listed_name(field: &str) -> String {
    field
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// How much of a field named `field` the log may hold: what the lists of
/// [`super::shown`] allow, and nothing of a field they do not name.
pub fn exposure(field: &str) -> Exposure {
    let name = listed_name(field);
    if name.is_empty() {
        Exposure::Secret
    } else if LAST_FOUR.binary_search(&name.as_str()).is_ok() {
        Exposure::LastFour
    } else if PLAIN.binary_search(&name.as_str()).is_ok() {
        match name.ends_with("url") {
            true => Exposure::Url,
            false => Exposure::Plain,
        }
    } else {
        Exposure::Secret
    }
}

/// `value`'s last 4 characters after `…` (the whole of a shorter one is
/// still hidden: `…` alone).
pub fn last_four(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 4 {
        return "…".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

/// An amount in minor units of `currency` as clients read it (`12.50 USD`;
/// minor units as they are for a code revshare does not know).
pub fn amount(minor: i64, currency: &str) -> String {
    match revshare_engine::money::Currency::parse(currency) {
        Ok(known) => format!("{} {currency}", known.from_minor(minor)),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// An amount in minor units of `currency` as a field of its object reads
/// it, without the currency its object names (`12.50`; minor units as
/// they are for a code revshare does not know).
pub fn decimal(minor: i64, currency: &str) -> String {
    match revshare_engine::money::Currency::parse(currency) {
        Ok(known) => known.from_minor(minor).to_string(),
        Err(_) => minor.to_string(),
    }
}

/// Amounts as one text (`10.00 USD, 2.00 USD`); none when there are none.
pub fn amounts<'a>(each: impl IntoIterator<Item = (i64, &'a str)>) -> Option<String> {
    let all: Vec<String> = each.into_iter().map(|(m, c)| amount(m, c)).collect();
    (!all.is_empty()).then(|| all.join(", "))
}

/// `change` as the log may hold it: masked, or none when the field may
/// not be shown.
pub fn safe(field: &str, before: Option<String>, after: Option<String>) -> Option<FieldChange> {
    let shown = |value: Option<String>, exposure: Exposure| match exposure {
        Exposure::Plain => value,
        Exposure::LastFour => value.map(|v| last_four(&v)),
        Exposure::Url => value.map(|v| super::rows::masked_url(&v)),
        Exposure::Secret => None,
    };
    let exposure = exposure(field);
    if exposure == Exposure::Secret {
        return None;
    }
    Some(FieldChange {
        field: field.to_owned(),
        before: shown(before, exposure),
        after: shown(after, exposure),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_or_left_out_by_their_name() {
        assert_eq!(exposure("name"), Exposure::Plain);
        assert_eq!(exposure("countryCode"), Exposure::Plain);
        assert_eq!(exposure("minimum_payout"), Exposure::Plain);
        assert_eq!(exposure("taxId"), Exposure::LastFour);
        assert_eq!(exposure("tin"), Exposure::LastFour);
        assert_eq!(exposure("iban"), Exposure::LastFour);
        assert_eq!(exposure("account_number"), Exposure::LastFour);
        assert_eq!(exposure("vatId"), Exposure::LastFour);
        assert_eq!(exposure("invoicing.vatId"), Exposure::LastFour);
        assert_eq!(exposure("secret"), Exposure::Secret);
        assert_eq!(exposure("signingSecret"), Exposure::Secret);
        assert_eq!(exposure("apiKey"), Exposure::Secret);
        assert_eq!(exposure("code"), Exposure::Secret);
        assert_eq!(exposure("refreshToken"), Exposure::Secret);
        assert_eq!(exposure("credentials"), Exposure::Secret);
        assert_eq!(exposure("tin_sealed"), Exposure::Secret);
        assert_eq!(exposure(""), Exposure::Secret);
        // A name that merely contains another's is not that name: a
        // business name is shown whole.
        assert_eq!(exposure("businessName"), Exposure::Plain);
        assert_eq!(last_four("DE89 3704 0044 0532 0130 00"), "…3000");
        assert_eq!(last_four("1234"), "…");
        assert_eq!(
            safe("iban", None, Some("GB33BUKB20201555555555".into())),
            Some(FieldChange {
                field: "iban".into(),
                before: None,
                after: Some("…5555".into())
            })
        );
        assert_eq!(safe("secret", Some("a".into()), Some("b".into())), None);
    }

    #[test]
    fn a_field_nobody_listed_is_left_out() {
        // Made up: no column or field is called so today, and a deny-list
        // of secret-sounding words would have shown each in clear.
        for field in [
            "pin",
            "passphrase",
            "PIN",
            "payout_pin",
            "recoveryPhrase",
            "otp",
        ] {
            assert_eq!(exposure(field), Exposure::Secret, "{field}");
            assert_eq!(
                safe(field, Some("1234".into()), Some("correct horse".into())),
                None,
                "{field}"
            );
        }
    }

    #[test]
    fn the_lists_are_sorted_names_on_one_list_only() {
        for list in [LAST_FOUR, PLAIN] {
            for pair in list.windows(2) {
                assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
            }
            for name in list {
                assert_eq!(listed_name(name), *name, "{name} is not as compared");
            }
        }
        for name in LAST_FOUR {
            assert!(
                PLAIN.binary_search(name).is_err(),
                "{name} is on both lists"
            );
        }
        assert_eq!(decimal(1250, "USD"), "12.50");
        assert_eq!(decimal(-35_700, "EUR"), "-357.00");
        assert_eq!(amount(1000, "USD"), "10.00 USD");
    }

    #[test]
    fn a_urls_query_and_user_information_are_masked() {
        assert_eq!(exposure("url"), Exposure::Url);
        assert_eq!(exposure("landingUrl"), Exposure::Url);
        assert_eq!(exposure("landing_url"), Exposure::Url);
        assert_eq!(
            safe(
                "url",
                Some("https://hooks.example.com/in".into()),
                Some("https://bob:pw@hooks.example.com:8443/in/x?token=s3cret&a=1#frag".into())
            ),
            Some(FieldChange {
                field: "url".into(),
                before: Some("https://hooks.example.com/in".into()),
                after: Some("https://…@hooks.example.com:8443/in/x?…#…".into()),
            })
        );
        for (given, shown) in [
            (
                "https://hooks.example.com/?",
                "https://hooks.example.com/?…",
            ),
            (
                "https://hooks.example.com?t=1",
                "https://hooks.example.com?…",
            ),
            (
                "https://a@b@hooks.example.com/p",
                "https://…@hooks.example.com/p",
            ),
            ("hooks.example.com/in?key=1", "hooks.example.com/in?…"),
            (
                "https://hooks.example.com/a@b",
                "https://hooks.example.com/a@b",
            ),
        ] {
            assert_eq!(super::super::rows::masked_url(given), shown, "{given}");
        }
    }
}

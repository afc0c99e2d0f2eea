//! A bank account Wise pays (SPEC §36), checked by its form before
//! anything is written — spaces and dashes dropped, each refusal naming
//! its field:
//!
//! - EUR, CHF, DKK, NOK, PLN, SEK: an IBAN (its country's length and
//!   check digits; CHF, DKK, NOK, PLN and SEK an IBAN of their country);
//! - GBP: a sort code (6 digits) and an account number (8);
//! - USD: an ABA routing number (its check digit), an account number
//!   (4–17 digits), its kind (`CHECKING` unless given) and the holder's
//!   address;
//! - the holder as Wise takes it: Latin letters, digits, spaces and
//!   `-_()'*,.`; a `PRIVATE` holder a first and a last name.

use super::address::Address;
use crate::engine::accounts::Iban;
use crate::engine::us_accounts::{AccountNumber, RoutingNumber};
use crate::error::{ApiError, ApiResult};
use entity::enums::UsAccountType;

/// The currencies Wise pays to an IBAN, and the countries whose IBANs
/// hold each (none: any country's).
const BY_IBAN: &[(&str, &[&str])] = &[
    ("EUR", &[]),
    ("CHF", &["CH", "LI"]),
    ("DKK", &["DK", "FO", "GL"]),
    ("NOK", &["NO"]),
    ("PLN", &["PL"]),
    ("SEK", &["SE"]),
];

/// The currencies an account may be in.
pub const CURRENCIES: &[&str] = &["EUR", "CHF", "DKK", "NOK", "PLN", "SEK", "GBP", "USD"];

/// Whom Wise pays: a person or a business.
pub const LEGAL_TYPES: &[&str] = &["PRIVATE", "BUSINESS"];

/// A checked account.
#[derive(Debug, Clone)]
pub struct WiseAccount {
    pub currency: String,
    pub holder: String,
    /// `PRIVATE` or `BUSINESS`.
    pub legal_type: String,
    pub details: Details,
}

/// Where in the currency's banking the account is.
#[derive(Debug, Clone)]
pub enum Details {
    Iban(Iban),
    SortCode {
        sort_code: String,
        account: String,
    },
    Aba {
        routing: RoutingNumber,
        account: AccountNumber,
        account_type: UsAccountType,
        address: Address,
    },
}

/// What a client gives for a `WISE` method.
pub struct Given<'a> {
    pub currency: Option<&'a str>,
    pub account_holder: Option<&'a str>,
    pub legal_type: Option<&'a str>,
    pub iban: Option<&'a str>,
    pub sort_code: Option<&'a str>,
    pub routing_number: Option<&'a str>,
    pub account_number: Option<&'a str>,
    pub account_type: Option<UsAccountType>,
    pub address: Option<Address>,
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Digits only, once spaces and dashes are dropped; `len` of them.
fn digits(field: &str, value: Option<&str>, len: usize, what: &str) -> ApiResult<String> {
    let name = format!("input.{field}");
    let value = present(value)
        .ok_or_else(|| ApiError::bad_input(&name, format!("is required for a {what} account")))?;
    let kept: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if kept.len() != len || !kept.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_input(name, format!("must be {len} digits")));
    }
    Ok(kept)
}

fn not_for(field: &str, value: Option<&str>, what: &str) -> ApiResult<()> {
    match present(value) {
        Some(_) => Err(ApiError::bad_input(
            format!("input.{field}"),
            format!("is not for a {what} account"),
        )),
        None => Ok(()),
    }
}

/// Checks an account as given.
pub fn check(given: &Given<'_>) -> ApiResult<WiseAccount> {
    let currency = present(given.currency)
        .ok_or_else(|| ApiError::bad_input("input.currency", "is required for WISE"))?
        .to_ascii_uppercase();
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(ApiError::bad_input(
            "input.currency",
            format!(
                "is not a currency revshare pays through Wise (it pays {})",
                CURRENCIES.join(", ")
            ),
        ));
    }
    let legal_type = present(given.legal_type)
        .unwrap_or("PRIVATE")
        .to_ascii_uppercase();
    if !LEGAL_TYPES.contains(&legal_type.as_str()) {
        return Err(ApiError::bad_input(
            "input.legalType",
            "must be PRIVATE or BUSINESS",
        ));
    }
    let holder = holder(given.account_holder, &legal_type)?;
    let details = match currency.as_str() {
        "GBP" => {
            not_for("iban", given.iban, "GBP")?;
            not_for("routingNumber", given.routing_number, "GBP")?;
            if given.account_type.is_some() {
                return Err(ApiError::bad_input(
                    "input.accountType",
                    "is not for a GBP account",
                ));
            }
            if given.address.is_some() {
                return Err(ApiError::bad_input(
                    "input.address",
                    "is not for a GBP account",
                ));
            }
            Details::SortCode {
                sort_code: digits("sortCode", given.sort_code, 6, "GBP")?,
                account: digits("accountNumber", given.account_number, 8, "GBP")?,
            }
        }
        "USD" => {
            not_for("iban", given.iban, "USD")?;
            not_for("sortCode", given.sort_code, "USD")?;
            let needed = |field: &str, value: Option<&'_ str>| {
                present(value).map(str::to_owned).ok_or_else(|| {
                    ApiError::bad_input(format!("input.{field}"), "is required for a USD account")
                })
            };
            let routing = RoutingNumber::parse(&needed("routingNumber", given.routing_number)?)
                .map_err(|e| ApiError::bad_input("input.routingNumber", e.to_string()))?;
            let account = AccountNumber::parse(&needed("accountNumber", given.account_number)?)
                .map_err(|e| ApiError::bad_input("input.accountNumber", e.to_string()))?;
            let address = given.address.clone().ok_or_else(|| {
                ApiError::bad_input("input.address", "is required for a USD account")
            })?;
            Details::Aba {
                routing,
                account,
                account_type: given.account_type.unwrap_or(UsAccountType::Checking),
                address,
            }
        }
        _ => {
            let what = currency.as_str();
            for (field, value) in [
                ("sortCode", given.sort_code),
                ("routingNumber", given.routing_number),
                ("accountNumber", given.account_number),
            ] {
                not_for(field, value, what)?;
            }
            if given.account_type.is_some() || given.address.is_some() {
                let field = match given.account_type {
                    Some(_) => "input.accountType",
                    None => "input.address",
                };
                return Err(ApiError::bad_input(
                    field,
                    format!("is not for a {what} account"),
                ));
            }
            let iban = present(given.iban).ok_or_else(|| {
                ApiError::bad_input("input.iban", format!("is required for a {what} account"))
            })?;
            let iban: String = iban.chars().filter(|c| *c != '-').collect();
            let iban =
                Iban::parse(&iban).map_err(|e| ApiError::bad_input("input.iban", e.to_string()))?;
            let countries = BY_IBAN
                .iter()
                .find(|(c, _)| *c == what)
                .map(|(_, countries)| *countries)
                .unwrap_or_default();
            if !countries.is_empty() && !countries.contains(&&iban.as_str()[..2]) {
                return Err(ApiError::bad_input(
                    "input.iban",
                    format!(
                        "must be an IBAN of {} for a {what} account",
                        countries.join(" or ")
                    ),
                ));
            }
            Details::Iban(iban)
        }
    };
    Ok(WiseAccount {
        currency,
        holder,
        legal_type,
        details,
    })
}

/// The holder's name as Wise takes it.
fn holder(given: Option<&str>, legal_type: &str) -> ApiResult<String> {
    const FIELD: &str = "input.accountHolder";
    let name = crate::input::optional_line(FIELD, given, crate::input::MAX_ACCOUNT_HOLDER_CHARS)?
        .ok_or_else(|| ApiError::bad_input(FIELD, "is required for WISE"))?;
    let latin = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, 'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ')
            || matches!(c, ' ' | '-' | '_' | '(' | ')' | '\'' | '*' | ',' | '.')
    };
    if let Some(bad) = name.chars().find(|c| !latin(*c)) {
        return Err(ApiError::bad_input(
            FIELD,
            format!(
                "may hold Latin letters, digits, spaces and -_()'*,. only (not {bad:?}), as Wise takes it"
            ),
        ));
    }
    match legal_type {
        "PRIVATE" => {
            let words: Vec<&str> = name.split_whitespace().collect();
            if words.len() < 2
                || words.iter().any(|w| w.chars().count() < 2)
                || name.chars().any(|c| c.is_ascii_digit())
            {
                return Err(ApiError::bad_input(
                    FIELD,
                    "must be a person's first and last name (each of two letters or more, no digits), as Wise takes it",
                ));
            }
        }
        _ if name.chars().filter(|c| !c.is_whitespace()).count() < 2 => {
            return Err(ApiError::bad_input(FIELD, "must be the business's name"));
        }
        _ => {}
    }
    Ok(name)
}

impl WiseAccount {
    /// The account as compared across partners.
    pub fn account_key(&self) -> String {
        match &self.details {
            Details::Iban(iban) => iban.as_str().to_lowercase(),
            Details::SortCode { sort_code, account } => format!("gb:{sort_code}:{account}"),
            Details::Aba {
                routing, account, ..
            } => format!("ach:{}:{}", routing.as_str(), account.as_str()),
        }
    }

    /// Its number's last four, as statements show it (`****8842`).
    pub fn masked(number: &str) -> String {
        Iban::masked(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given() -> Given<'static> {
        Given {
            currency: Some("GBP"),
            account_holder: Some("Nia Example"),
            legal_type: None,
            iban: None,
            sort_code: Some("04-00-75"),
            routing_number: None,
            account_number: Some("3777 8842"),
            account_type: None,
            address: None,
        }
    }

    fn field(given: &Given<'_>) -> String {
        match check(given) {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_gbp_account_is_a_sort_code_and_eight_digits() {
        let account = check(&given()).unwrap();
        assert_eq!(account.currency, "GBP");
        assert_eq!(account.legal_type, "PRIVATE");
        match account.details {
            Details::SortCode { sort_code, account } => {
                assert_eq!(sort_code, "040075");
                assert_eq!(account, "37778842");
            }
            other => panic!("{other:?}"),
        }
        let short = Given {
            account_number: Some("3777884"),
            ..given()
        };
        assert_eq!(field(&short), "input.accountNumber");
        let letters = Given {
            sort_code: Some("04OO75"),
            ..given()
        };
        assert_eq!(field(&letters), "input.sortCode");
        let iban = Given {
            iban: Some("GB29NWBK60161331926819"),
            ..given()
        };
        assert_eq!(field(&iban), "input.iban");
    }

    #[test]
    fn currencies_holders_and_ibans_are_checked_by_form() {
        let yen = Given {
            currency: Some("JPY"),
            ..given()
        };
        assert_eq!(field(&yen), "input.currency");
        let none = Given {
            currency: None,
            ..given()
        };
        assert_eq!(field(&none), "input.currency");
        for holder in ["Nia", "N Example", "Nia Ex4mple", "Nia 例子"] {
            let bad = Given {
                account_holder: Some(holder),
                ..given()
            };
            assert_eq!(field(&bad), "input.accountHolder", "{holder}");
        }
        let business = Given {
            account_holder: Some("Example Ltd (UK)"),
            legal_type: Some("business"),
            ..given()
        };
        assert_eq!(check(&business).unwrap().legal_type, "BUSINESS");
        let accented = Given {
            account_holder: Some("Zoë O'Brien-Müller"),
            ..given()
        };
        assert!(check(&accented).is_ok());
        let euro = Given {
            currency: Some("eur"),
            iban: Some("de89 3704-0044 0532 0130 00"),
            sort_code: None,
            account_number: None,
            ..given()
        };
        match check(&euro).unwrap().details {
            Details::Iban(iban) => assert_eq!(iban.as_str(), "DE89370400440532013000"),
            other => panic!("{other:?}"),
        }
        let kroner_in_germany = Given {
            currency: Some("DKK"),
            ..euro
        };
        assert_eq!(field(&kroner_in_germany), "input.iban");
    }

    #[test]
    fn a_usd_account_needs_its_routing_number_and_address() {
        let dollars = Given {
            currency: Some("USD"),
            sort_code: None,
            routing_number: Some("021000021"),
            account_number: Some("12345678"),
            ..given()
        };
        assert_eq!(field(&dollars), "input.address");
        let address = Address {
            line1: "45 Sunflower Ave".into(),
            line2: None,
            city: "New York".into(),
            state: "NY".into(),
            zip: "10025".into(),
            country: "US".into(),
        };
        let whole = Given {
            address: Some(address),
            ..dollars
        };
        match check(&whole).unwrap().details {
            Details::Aba { account_type, .. } => assert_eq!(account_type, UsAccountType::Checking),
            other => panic!("{other:?}"),
        }
        let mistyped = Given {
            routing_number: Some("021000012"),
            ..whole
        };
        assert_eq!(field(&mistyped), "input.routingNumber");
    }
}

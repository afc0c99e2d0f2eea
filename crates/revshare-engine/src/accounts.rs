//! Where money is sent: IBANs (ISO 13616) and BICs (ISO 9362), checked
//! once when a payout method or the tenant's own account is set, so that a
//! payment file never carries an account a bank would refuse for its form.
//!
//! An IBAN is checked for its country's length (the SWIFT IBAN registry)
//! and its mod-97 check digits; the structure of the national part (which
//! positions are digits) is the bank's to judge and is not checked here.
//! A BIC is checked for its form alone: 4 letters or digits of the
//! institution, 2 letters of the country, 2 of the location, and an
//! optional 3 of the branch.

use std::fmt;

/// An IBAN as stored: upper case, no spaces, its length and check digits
/// verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iban(String);

/// A BIC as stored: upper case, 8 or 11 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bic(String);

/// Why an account number was refused; each says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    /// Characters other than letters and digits (spaces are allowed and dropped).
    Characters,
    /// The first two characters name no country that has IBANs.
    Country,
    /// The country's IBANs have `expected` characters.
    Length { country: String, expected: usize },
    /// The mod-97 check fails: a digit is mistyped or swapped.
    Checksum,
    /// Not 8 or 11 characters of a BIC's form.
    BicForm,
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::Characters => f.write_str("may hold only letters, digits and spaces"),
            AccountError::Country => {
                f.write_str("must begin with the code of a country that has IBANs")
            }
            AccountError::Length { country, expected } => {
                write!(f, "must have {expected} characters for {country}")
            }
            AccountError::Checksum => {
                f.write_str("fails the IBAN check digits: a character is mistyped or swapped")
            }
            AccountError::BicForm => f.write_str(
                "must be a BIC: 8 or 11 characters, bank and country in letters, then location and branch (DEUTDEFF, DEUTDEFF500)",
            ),
        }
    }
}

/// IBAN lengths by country (the SWIFT IBAN registry), in code order.
const IBAN_LENGTHS: [(&str, usize); 89] = [
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

impl Iban {
    /// Parses an IBAN as people write it (`de89 3704 0044 0532 0130 00`).
    pub fn parse(text: &str) -> Result<Iban, AccountError> {
        let compact: String = text
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AccountError::Characters);
        }
        let country = compact.get(..2).unwrap_or_default();
        let expected = IBAN_LENGTHS
            .binary_search_by(|(code, _)| (*code).cmp(country))
            .map(|i| IBAN_LENGTHS[i].1)
            .map_err(|_| AccountError::Country)?;
        if compact.len() != expected {
            return Err(AccountError::Length {
                country: country.to_owned(),
                expected,
            });
        }
        if !compact[2..4].chars().all(|c| c.is_ascii_digit()) || mod97(&compact) != 1 {
            return Err(AccountError::Checksum);
        }
        Ok(Iban(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country the account is held in (`DE`).
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// Whether a SEPA credit transfer reaches the account: its IBAN's
    /// country is in the SEPA scheme ([`SEPA_COUNTRIES`]).
    pub fn in_sepa(&self) -> bool {
        SEPA_COUNTRIES.contains(&self.country())
    }

    /// What anyone but the account's owner is shown: its last 4 characters.
    pub fn masked(text: &str) -> String {
        let tail: String = text
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("****{tail}")
    }
}

/// The IBAN country codes of the SEPA scheme's countries and territories
/// (the European Payments Council's list: the EU, the EEA, Switzerland,
/// the United Kingdom, Andorra, Monaco, San Marino, the Vatican, Gibraltar,
/// and since 2025 Albania, Moldova, Montenegro and North Macedonia).
/// Territories with IBANs of their own country's code (Åland, the Canaries,
/// the French overseas departments, Jersey, Guernsey, Man) are in by it.
pub const SEPA_COUNTRIES: [&str; 41] = [
    "AD", "AL", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GI",
    "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD", "ME", "MK", "MT", "NL",
    "NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM", "VA",
];

/// ISO 7064 mod 97-10 of an IBAN: its first four characters moved to the
/// end, letters as 10–35, the number's remainder computed digit by digit.
fn mod97(iban: &str) -> u32 {
    let rotated = iban[4..].chars().chain(iban[..4].chars());
    rotated.fold(0u32, |remainder, c| {
        let value = c.to_digit(36).unwrap_or(0);
        match value {
            0..=9 => (remainder * 10 + value) % 97,
            _ => (remainder * 100 + value) % 97,
        }
    })
}

impl Bic {
    /// Parses a BIC (`DEUTDEFF`, `deutdeff500`) in the form SEPA files take
    /// (pain.001.001.03's `BICIdentifier`): bank and country in letters, a
    /// location whose first character is no 0 or 1 (test BICs) and whose
    /// second is no O, and an optional branch of letters and digits.
    pub fn parse(text: &str) -> Result<Bic, AccountError> {
        let bic = text.trim().to_ascii_uppercase();
        let bytes = bic.as_bytes();
        let form = matches!(bytes.len(), 8 | 11)
            && bytes[..6].iter().all(u8::is_ascii_uppercase)
            && matches!(bytes[6], b'A'..=b'Z' | b'2'..=b'9')
            && matches!(bytes[7], b'A'..=b'N' | b'P'..=b'Z' | b'0'..=b'9')
            && bytes[8..].iter().all(u8::is_ascii_alphanumeric);
        match form {
            true => Ok(Bic(bic)),
            false => Err(AccountError::BicForm),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_registry_is_in_code_order() {
        assert!(IBAN_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn iso_13616s_example_is_valid_as_people_write_it() {
        let iban = Iban::parse("gb82 west 1234 5698 7654 32").unwrap();
        assert_eq!(iban.as_str(), "GB82WEST12345698765432");
        assert_eq!(iban.country(), "GB");
        assert!(iban.in_sepa());
        assert_eq!(Iban::masked(iban.as_str()), "****5432");
    }

    #[test]
    fn each_refusal_says_why() {
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 00").map(|_| ()),
            Ok(())
        );
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 01"),
            Err(AccountError::Checksum)
        );
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130"),
            Err(AccountError::Length {
                country: "DE".into(),
                expected: 22
            })
        );
        assert_eq!(Iban::parse("ZZ89 3704"), Err(AccountError::Country));
        assert_eq!(Iban::parse("DE89-3704"), Err(AccountError::Characters));
        assert_eq!(Iban::parse(""), Err(AccountError::Characters));
    }

    #[test]
    fn bics_are_checked_for_their_form() {
        assert_eq!(Bic::parse("deutdeff").unwrap().as_str(), "DEUTDEFF");
        assert_eq!(Bic::parse("DEUTDEFF500").unwrap().as_str(), "DEUTDEFF500");
        for bad in [
            "DEUTDEF",
            "DEUTDEFF50",
            "DEUT1EFF",
            "DEUTDEFF5000",
            "DEUT DEFF",
            "1234DEFF",
            "DEUTDE01",
            "DEUTDEFO",
            "DEUTDEFF5_0",
        ] {
            assert_eq!(Bic::parse(bad), Err(AccountError::BicForm), "{bad}");
        }
    }

    proptest! {
        /// Changing any one character of a valid IBAN to another digit is
        /// caught (mod 97 detects every single substitution).
        #[test]
        fn one_mistyped_digit_is_always_caught(position in 4usize..22, digit in 0u32..10) {
            let valid = "DE89370400440532013000";
            let mut chars: Vec<char> = valid.chars().collect();
            let replacement = char::from_digit(digit, 10).unwrap();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let typo: String = chars.into_iter().collect();
            prop_assert_eq!(Iban::parse(&typo), Err(AccountError::Checksum));
        }
    }
}

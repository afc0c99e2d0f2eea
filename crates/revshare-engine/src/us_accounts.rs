//! US bank accounts paid by ACH: an ABA routing number (9 digits, the
//! Federal Reserve's prefixes, and its 3-7-1 check digit) and an account
//! number (4 to 17 digits, as NACHA's DFI account number field holds),
//! checked once when a payout method is set so that no payment carries a
//! number the bank would refuse for its form. Whether the account exists
//! is the bank's to say.

use std::fmt;

/// A routing number as stored: 9 digits, its prefix and check digit
/// verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingNumber(String);

/// A US account number as stored: its digits alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountNumber(String);

/// Why a US account was refused; each says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsAccountError {
    /// A routing number is 9 digits.
    RoutingForm,
    /// Its first two digits are no Federal Reserve routing symbol.
    RoutingPrefix,
    /// Its ninth digit is not the check digit of the other eight.
    RoutingChecksum,
    /// An account number is 4 to 17 digits.
    AccountForm,
}

impl fmt::Display for UsAccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsAccountError::RoutingForm => "must be an ABA routing number: 9 digits",
            UsAccountError::RoutingPrefix => {
                "must begin with 00 to 12, 21 to 32, 61 to 72 or 80 (an ABA routing number's prefix)"
            }
            UsAccountError::RoutingChecksum => {
                "fails the routing number's check digit: a digit is mistyped or swapped"
            }
            UsAccountError::AccountForm => "must be 4 to 17 digits",
        })
    }
}

/// The digits of `text`, people's spaces and dashes dropped; `None` when
/// anything else is in it.
fn digits(text: &str) -> Option<String> {
    let kept: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    kept.chars().all(|c| c.is_ascii_digit()).then_some(kept)
}

impl RoutingNumber {
    pub fn parse(text: &str) -> Result<RoutingNumber, UsAccountError> {
        let number = digits(text)
            .filter(|d| d.len() == 9)
            .ok_or(UsAccountError::RoutingForm)?;
        let d: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
        let prefix = d[0] * 10 + d[1];
        if !matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) {
            return Err(UsAccountError::RoutingPrefix);
        }
        let sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
        if !sum.is_multiple_of(10) {
            return Err(UsAccountError::RoutingChecksum);
        }
        Ok(RoutingNumber(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AccountNumber {
    pub fn parse(text: &str) -> Result<AccountNumber, UsAccountError> {
        digits(text)
            .filter(|d| (4..=17).contains(&d.len()))
            .map(AccountNumber)
            .ok_or(UsAccountError::AccountForm)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routing_number_is_checked_by_its_prefix_and_check_digit() {
        // Published routing numbers of the Federal Reserve and two banks.
        for good in [
            "011000015",
            "021000021",
            "026009593",
            "111000025",
            "322271627",
        ] {
            assert_eq!(RoutingNumber::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(
            RoutingNumber::parse("0210-0002-1").unwrap().as_str(),
            "021000021"
        );
        assert_eq!(
            RoutingNumber::parse("021000012"),
            Err(UsAccountError::RoutingChecksum)
        );
        assert_eq!(
            RoutingNumber::parse("02100002"),
            Err(UsAccountError::RoutingForm)
        );
        assert_eq!(
            RoutingNumber::parse("02100002a"),
            Err(UsAccountError::RoutingForm)
        );
        // 5 + 3·(1+0+0) … a valid check digit, but 50 is no Fed prefix.
        assert_eq!(
            RoutingNumber::parse("500000005"),
            Err(UsAccountError::RoutingPrefix)
        );
    }

    #[test]
    fn an_account_number_is_4_to_17_digits() {
        assert_eq!(
            AccountNumber::parse("0001 2345 6789").unwrap().as_str(),
            "000123456789"
        );
        assert_eq!(
            AccountNumber::parse("123"),
            Err(UsAccountError::AccountForm)
        );
        assert_eq!(
            AccountNumber::parse("123456789012345678"),
            Err(UsAccountError::AccountForm)
        );
        assert_eq!(
            AccountNumber::parse("12AB56"),
            Err(UsAccountError::AccountForm)
        );
    }
}

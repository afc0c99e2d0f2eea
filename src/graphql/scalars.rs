//! The `Decimal`, `DateTime` and `Date` scalars (SPEC §2, §4).
//!
//! `Decimal` serializes as a string and reads a string or a JSON number. A
//! number arrives as the shortest text that round-trips its binary value, so
//! `299.9` is read from the text "299.9" and is exactly 299.9, never
//! 299.899999…; async-graphql's own decimal scalar goes through `f64` arithmetic
//! and is not used. A string follows one strict grammar, `-?digits(.digits)?`:
//! no exponent, sign `+`, spaces, separators or bare points (`"1e2"`,
//! `" 10 "`, `"+10"`, `"10."` are refused), so a money string means one
//! thing to every client.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{SecondsFormat, Utc};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(pub rust_decimal::Decimal);

/// A decimal string in the one grammar `-?[0-9]+(\.[0-9]+)?`.
fn parse_decimal_string(text: &str) -> Option<rust_decimal::Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return None;
    }
    rust_decimal::Decimal::from_str(text).ok()
}

/// A JSON number, from the shortest text of its value (which may use an
/// exponent: `1e-7`).
fn parse_number(text: &str) -> Option<rust_decimal::Decimal> {
    rust_decimal::Decimal::from_str(text)
        .ok()
        .or_else(|| rust_decimal::Decimal::from_scientific(text).ok())
}

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(s) => parse_decimal_string(s),
            Value::Number(n) => parse_number(&n.to_string()),
            _ => return Err(InputValueError::expected_type(value)),
        };
        parsed.map(Decimal).ok_or_else(|| {
            InputValueError::custom("expected a decimal number such as \"12.50\" or \"-3\"")
        })
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_) | Value::Number(_))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(value: rust_decimal::Decimal) -> Self {
        Decimal(value)
    }
}

/// An instant, as RFC 3339 in UTC (`2026-11-21T12:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<Utc>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(t.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(
                        "expected an RFC 3339 timestamp such as 2026-11-21T12:00:00Z",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(value: chrono::DateTime<Utc>) -> Self {
        DateTime(value)
    }
}

/// A calendar date, `YYYY-MM-DD` (a tier's dates, in the tenant's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

impl Date {
    /// `YYYY-MM-DD`, and nothing else.
    pub fn from_text(text: &str) -> Option<Date> {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .map(Date)
    }
}

#[Scalar]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Date::from_text(text)
                .ok_or_else(|| InputValueError::custom("expected a date such as 2026-11-21")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_year_month_day() {
        let parse = |text: &str| Date::parse(Value::String(text.into())).map(|d| d.to_value());
        assert_eq!(
            parse("2020-07-23").unwrap(),
            Value::String("2020-07-23".into())
        );
        for refused in [
            "2020-7-23",
            "2020-02-30",
            "23/07/2020",
            "2020-07-23T00:00:00Z",
            "",
        ] {
            assert!(parse(refused).is_err(), "{refused:?} was accepted");
        }
    }

    #[test]
    fn a_json_number_is_read_exactly_as_written() {
        let number = serde_json::from_str::<serde_json::Number>("299.9").unwrap();
        let value = Value::Number(number);
        assert_eq!(Decimal::parse(value).unwrap().0.to_string(), "299.9");
        let value = Value::Number(serde_json::from_str("0.1").unwrap());
        assert_eq!(Decimal::parse(value).unwrap().0.to_string(), "0.1");
        let value = Value::Number(serde_json::from_str("1e-7").unwrap());
        assert_eq!(Decimal::parse(value).unwrap().0.to_string(), "0.0000001");
        assert_eq!(
            Decimal::parse(Value::String("12.50".into()))
                .unwrap()
                .0
                .to_string(),
            "12.50"
        );
        assert!(Decimal::parse(Value::String("12,50".into())).is_err());
        assert!(Decimal::parse(Value::Boolean(true)).is_err());
    }

    #[test]
    fn a_decimal_string_has_one_grammar() {
        let parse =
            |text: &str| Decimal::parse(Value::String(text.into())).map(|d| d.0.to_string());
        assert_eq!(parse("10").unwrap(), "10");
        assert_eq!(parse("-0.50").unwrap(), "-0.50");
        assert_eq!(parse("007.1").unwrap(), "7.1");
        for refused in [
            "1e2", " 10 ", "+10", "10.", ".5", "", "-", "1_000", "0x10", "1.2.3", "NaN",
        ] {
            assert!(parse(refused).is_err(), "{refused:?} was accepted");
        }
    }
}

//! The `Decimal`, `DateTime` and `Date` scalars (SPEC §2, §4, §11).
//!
//! `Decimal` serializes as a string and reads a string or a JSON number. A
//! number arrives as the shortest text that round-trips its binary value, so
//! `299.9` is read from the text "299.9" and is exactly 299.9, never
//! 299.899999…; async-graphql's own decimal scalar goes through `f64` arithmetic
//! and is not used. A string follows the one money grammar
//! ([`revshare_engine::parse_decimal`]): `"1e2"`, `" 10 "`, `"+10"`, `"10."`
//! are refused, so a money string means one thing to every client.
//!
//! **Malformed values reach the resolver.** `Decimal` and `DateTime` accept
//! any string (or number) when a request is coerced, and keep what did not
//! parse; the resolver reads the value with [`Decimal::value`] (or
//! [`DateTime::value`]) under its input path, so the error names
//! `input.amount`, and one malformed item of `recordEvents` is that item's
//! error (`input[3].amount`) instead of failing the whole request. A value
//! of the wrong JSON type (`true`, an object) is still refused before
//! anything runs, with its path.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{SecondsFormat, Utc};
use revshare_core::error::{ApiError, ApiResult};

/// What a malformed input is answered with.
type Malformed = &'static str;

const DECIMAL_EXPECTED: Malformed = "expected a decimal number such as \"12.50\" or \"-3\"";
const DATE_TIME_EXPECTED: Malformed = "expected an RFC 3339 timestamp such as 2026-11-21T12:00:00Z";

/// An exact decimal; as input, possibly malformed until read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(Result<rust_decimal::Decimal, Malformed>);

impl Decimal {
    /// The value the client sent, or `BAD_USER_INPUT` naming `field`.
    pub fn value(&self, field: &str) -> ApiResult<rust_decimal::Decimal> {
        self.parsed()
            .map_err(|message| ApiError::bad_input(field, message))
    }

    /// The value the client sent, or what was wrong with it.
    pub fn parsed(&self) -> Result<rust_decimal::Decimal, &'static str> {
        self.0
    }
}

/// A JSON number, from the shortest text of its value (which may use an
/// exponent: `1e-7`).
fn parse_number(text: &str) -> Option<rust_decimal::Decimal> {
    rust_decimal::Decimal::from_str_exact(text)
        .ok()
        .or_else(|| rust_decimal::Decimal::from_scientific(text).ok())
}

// What does not parse is kept as malformed, for the resolver to name.
/// An exact decimal number, written as a string: `-?digits(.digits)?`
/// (`"12.50"`, `"-3"`; no exponent, sign `+` or spaces). Input also accepts
/// a JSON number, read exactly as written (`299.9` is 299.9). Money
/// amounts carry their currency's decimals (`"12.00"` USD, `"1200"` JPY).
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(s) => revshare_engine::parse_decimal(s),
            Value::Number(n) => parse_number(&n.to_string()),
            _ => return Err(InputValueError::expected_type(value)),
        };
        Ok(Decimal(parsed.ok_or(DECIMAL_EXPECTED)))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_) | Value::Number(_))
    }

    fn to_value(&self) -> Value {
        match self.0 {
            Ok(value) => Value::String(value.to_string()),
            Err(_) => Value::Null,
        }
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(value: rust_decimal::Decimal) -> Self {
        Decimal(Ok(value))
    }
}

/// An instant, as RFC 3339 in UTC (`2026-11-21T12:00:00Z`); as input,
/// possibly malformed until read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(Result<chrono::DateTime<Utc>, Malformed>);

impl DateTime {
    /// The instant the client sent, or `BAD_USER_INPUT` naming `field`.
    pub fn value(&self, field: &str) -> ApiResult<chrono::DateTime<Utc>> {
        self.0
            .map_err(|message| ApiError::bad_input(field, message))
    }
}

/// An instant, as an RFC 3339 timestamp (`2026-11-21T12:00:00Z`); answers
/// are in UTC, to the microsecond at most.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Ok(DateTime(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| DATE_TIME_EXPECTED),
            )),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_))
    }

    fn to_value(&self) -> Value {
        match self.0 {
            Ok(at) => Value::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Err(_) => Value::Null,
        }
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(value: chrono::DateTime<Utc>) -> Self {
        DateTime(Ok(value))
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

/// A calendar date, `YYYY-MM-DD` (RFC 3339's `full-date`, `2026-11-21`),
/// with no time or zone: where a date has one, the field says which.
#[Scalar(
    name = "Date",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
)]
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

    fn read(value: Value) -> Option<String> {
        Decimal::parse(value)
            .unwrap()
            .value("input.amount")
            .ok()
            .map(|d| d.to_string())
    }

    #[test]
    fn a_json_number_is_read_exactly_as_written() {
        let number = |text: &str| Value::Number(serde_json::from_str(text).unwrap());
        assert_eq!(read(number("299.9")).as_deref(), Some("299.9"));
        assert_eq!(read(number("0.1")).as_deref(), Some("0.1"));
        assert_eq!(read(number("1e-7")).as_deref(), Some("0.0000001"));
        assert_eq!(
            read(Value::String("12.50".into())).as_deref(),
            Some("12.50")
        );
        assert!(Decimal::parse(Value::Boolean(true)).is_err());
    }

    #[test]
    fn a_malformed_decimal_is_answered_under_its_field() {
        for refused in [
            "1e5", "0x10", " 10", "10.", "+10", "NaN", "", "12,50", "1.2.3",
        ] {
            let parsed =
                Decimal::parse(Value::String(refused.into())).expect("coerced, kept malformed");
            let error = parsed.value("input[3].amount").unwrap_err();
            assert_eq!(
                error,
                ApiError::bad_input("input[3].amount", DECIMAL_EXPECTED),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn a_malformed_timestamp_is_answered_under_its_field() {
        let parsed = DateTime::parse(Value::String("yesterday".into())).unwrap();
        assert_eq!(
            parsed.value("input.occurredAt").unwrap_err(),
            ApiError::bad_input("input.occurredAt", DATE_TIME_EXPECTED)
        );
        let parsed = DateTime::parse(Value::String("2026-11-21T12:00:00+01:00".into())).unwrap();
        assert_eq!(
            parsed.to_value(),
            Value::String("2026-11-21T11:00:00Z".into())
        );
    }
}

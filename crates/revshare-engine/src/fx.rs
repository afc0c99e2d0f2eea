//! Money in another currency (SPEC §22): one conversion rule, exact, and
//! the reference-rate files it reads.
//!
//! Rates are published per 1 EUR (the European Central Bank's reference
//! rates) and kept as written. The rate between two currencies is the
//! fraction of their rates per EUR, never a rounded quotient: an amount
//! converts as `amount × quote ÷ base` — one multiplication, exact, and one
//! division at `Decimal`'s 28 significant digits — so the result does not
//! depend on which currency the rates are quoted against. Money is rounded
//! once, at the end (the commission), as SPEC §2 says; what a conversion
//! stores is rounded by [`Currency::round`] only where a ledger column
//! needs minor units.
//!
//! A refund of a converted sale converts at the sale's rate, by share:
//! the refunds of a sale, however many, take the shares of its converted
//! amount that their running total covers ([`refund_share`]), so refunding
//! it in full takes back exactly what it converted to.

use super::money::{Currency, share_minor};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

/// The currency the reference rates are quoted against.
pub const EUR: &str = "EUR";
/// Significant digits a rate may have (the ECB publishes at most 6).
pub const MAX_SIGNIFICANT_DIGITS: u32 = 10;
/// How far back a rate is looked for: the last published day on or
/// before the sale's, at most this many days before it.
pub const LOOKBACK_DAYS: i64 = 7;

/// A currency's rate per 1 EUR, as published: above 0, at most
/// [`MAX_SIGNIFICANT_DIGITS`] significant digits, its scale as written
/// (`1.1720` stays `1.1720`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerEur(Decimal);

impl PerEur {
    /// EUR's own rate.
    pub const ONE: PerEur = PerEur(Decimal::ONE);

    /// A rate from its text, in the one decimal grammar
    /// ([`super::parse_decimal`]).
    pub fn parse(text: &str) -> Result<PerEur, &'static str> {
        let value = super::parse_decimal(text).ok_or("is not a decimal number")?;
        PerEur::new(value)
    }

    pub fn new(value: Decimal) -> Result<PerEur, &'static str> {
        if value <= Decimal::ZERO {
            return Err("must be greater than 0");
        }
        if significant_digits(value) > MAX_SIGNIFICANT_DIGITS {
            return Err("has more than 10 significant digits");
        }
        Ok(PerEur(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for PerEur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn significant_digits(value: Decimal) -> u32 {
    let digits = value.normalize().mantissa().unsigned_abs().to_string();
    digits.trim_start_matches('0').len() as u32
}

/// The rate from `base` to `quote`: 1 `base` is `quote ÷ base` `quote`,
/// both per EUR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cross {
    pub base: PerEur,
    pub quote: PerEur,
}

impl Cross {
    /// `amount` of the base currency in the quote currency, unrounded.
    /// `None` past `Decimal`'s range.
    pub fn convert(self, amount: Decimal) -> Option<Decimal> {
        amount.checked_mul(self.quote.0)?.checked_div(self.base.0)
    }

    /// The rate as one number, for people to read: `quote ÷ base` to
    /// [`MAX_SIGNIFICANT_DIGITS`] significant digits (exact when the base
    /// is EUR). Conversions never use it: they use the fraction.
    pub fn rate(self) -> Decimal {
        if self.base.0 == Decimal::ONE {
            return self.quote.0;
        }
        let quotient = self.quote.0 / self.base.0;
        round_significant(quotient, MAX_SIGNIFICANT_DIGITS)
    }

    /// The way back.
    pub fn inverse(self) -> Cross {
        Cross {
            base: self.quote,
            quote: self.base,
        }
    }
}

fn round_significant(value: Decimal, digits: u32) -> Decimal {
    if value.is_zero() {
        return value;
    }
    // Digits left of the point: 10^(whole - 1) <= |value| < 10^whole.
    let whole = {
        let truncated = value.abs().trunc();
        match truncated.is_zero() {
            true => {
                // 0.00123: negative "whole digits" (leading zeros after the point).
                let mut leading = 0i64;
                let mut v = value.abs();
                while v < Decimal::ONE / Decimal::TEN {
                    v *= Decimal::TEN;
                    leading += 1;
                }
                -leading
            }
            false => truncated.normalize().mantissa().to_string().len() as i64,
        }
    };
    let places = (digits as i64 - whole).clamp(0, 28) as u32;
    value
        .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// A converted amount as a ledger column stores it: rounded once to the
/// target currency's minor unit. `None` out of range.
pub fn converted_minor(cross: Cross, amount: Decimal, to: Currency) -> Option<i64> {
    to.to_minor(to.round(cross.convert(amount)?)).ok()
}

/// The part of a converted sale a refund takes back, in the converted
/// currency's minor units: the share of `converted_minor` that the refunds
/// so far plus this one cover of the sale's own amount, less the share the
/// refunds before it covered. Refunds of one sale therefore sum exactly to
/// `converted_minor` when they sum to `sale_minor`. All in minor units;
/// `refunded_before + refund <= sale_minor`, `sale_minor > 0`.
pub fn refund_share(
    converted_minor: i64,
    sale_minor: i64,
    refunded_before: i64,
    refund: i64,
) -> i64 {
    let after = share_minor(converted_minor, refunded_before + refund, sale_minor);
    let before = share_minor(converted_minor, refunded_before, sale_minor);
    after - before
}

/// One day of a reference-rate file: its rates per EUR, by currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    pub day: NaiveDate,
    pub rates: BTreeMap<String, PerEur>,
}

/// A file that is not a reference-rate file, where it is not: 1-based
/// row (the header is row 1) and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub row: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {}: {}",
            self.row, self.column, self.message
        )
    }
}

/// Reads a reference-rate file as the ECB publishes it: a header
/// `Date,USD,JPY,…` (the history file) or `Date, USD, JPY, …` (the daily
/// file), each line ending in a comma; one row a day, its day written
/// `2025-06-30` or `30 June 2025`; a rate per EUR in each currency's
/// column, or `N/A` where it was not quoted that day. Blank lines are
/// skipped. The whole file, or the first cell that is not so.
pub fn parse_file(text: &str) -> Result<Vec<Day>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());
    let bad = |row: usize, column: usize, message: &str| FileError {
        row,
        column,
        message: message.to_owned(),
    };
    let (header_row, header) = lines.next().ok_or_else(|| bad(1, 1, "the file is empty"))?;
    let header = cells(header);
    if header.first().map(|c| c.as_str()) != Some("Date") {
        return Err(bad(header_row, 1, "the header must start with Date"));
    }
    let mut currencies = Vec::new();
    for (i, code) in header.iter().enumerate().skip(1) {
        // Currencies no longer in use (CYP, ROL…) keep their columns in
        // the history file: any three capital letters but EUR's.
        let letters = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
        if !letters || code == EUR {
            return Err(bad(
                header_row,
                i + 1,
                "must be a currency code (three capital letters) other than EUR",
            ));
        }
        if currencies.contains(code) {
            return Err(bad(
                header_row,
                i + 1,
                "is a second column of this currency",
            ));
        }
        currencies.push(code.clone());
    }
    if currencies.is_empty() {
        return Err(bad(header_row, 2, "the header names no currency"));
    }
    let mut days: Vec<Day> = Vec::new();
    for (row, line) in lines {
        let row_cells = cells(line);
        if row_cells.len() != header.len() {
            return Err(bad(
                row,
                row_cells.len().min(header.len()) + 1,
                &format!(
                    "the row has {} cells and the header {}",
                    row_cells.len(),
                    header.len()
                ),
            ));
        }
        let day = parse_day(&row_cells[0])
            .ok_or_else(|| bad(row, 1, "must be a day, written 2025-06-30 or 30 June 2025"))?;
        if days.iter().any(|d| d.day == day) {
            return Err(bad(row, 1, "is a second row of this day"));
        }
        let mut rates = BTreeMap::new();
        for (i, cell) in row_cells.iter().enumerate().skip(1) {
            if cell == "N/A" || cell.is_empty() {
                continue;
            }
            let rate = PerEur::parse(cell).map_err(|message| bad(row, i + 1, message))?;
            rates.insert(currencies[i - 1].clone(), rate);
        }
        days.push(Day { day, rates });
    }
    Ok(days)
}

/// A line's cells, each trimmed; the trailing comma every line of the
/// ECB's files ends with closes the last cell and opens none.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim_end();
    let line = line.strip_suffix(',').unwrap_or(line);
    line.split(',').map(|c| c.trim().to_owned()).collect()
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d %B %Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn rate(text: &str) -> PerEur {
        PerEur::parse(text).unwrap()
    }

    #[test]
    fn rates_are_kept_as_written_and_checked() {
        assert_eq!(rate("1.1720").to_string(), "1.1720");
        assert_eq!(rate("19021.03").value(), d("19021.03"));
        assert_eq!(PerEur::parse("0"), Err("must be greater than 0"));
        assert_eq!(PerEur::parse("1e3"), Err("is not a decimal number"));
        assert_eq!(
            PerEur::parse("1.23456789012"),
            Err("has more than 10 significant digits")
        );
        assert!(PerEur::parse("0.0000123456789").is_ok());
    }

    #[test]
    fn a_cross_rate_is_the_fraction_of_two_rates_per_eur() {
        // 30 June 2025: 1 EUR = 1.172 USD = 0.8555 GBP.
        let usd_to_gbp = Cross {
            base: rate("1.172"),
            quote: rate("0.8555"),
        };
        assert_eq!(usd_to_gbp.rate(), d("0.7299488055"));
        // 100 USD is 72.99488… GBP; stored as 72.99.
        assert_eq!(
            converted_minor(usd_to_gbp, d("100.00"), Currency::parse("GBP").unwrap()),
            Some(7299)
        );
        let eur_to_jpy = Cross {
            base: PerEur::ONE,
            quote: rate("169.17"),
        };
        assert_eq!(eur_to_jpy.rate(), d("169.17"));
        assert_eq!(
            converted_minor(eur_to_jpy, d("12.34"), Currency::parse("JPY").unwrap()),
            Some(2088)
        );
    }

    #[test]
    fn refunds_take_back_exactly_what_the_sale_converted_to() {
        // A sale of 100.00 converted to 72.99: three refunds of 33.33,
        // 33.33 and 33.34 take 24.33, 24.33 and 24.33.
        let parts: Vec<i64> = [(0, 3333), (3333, 3333), (6666, 3334)]
            .iter()
            .map(|(before, r)| refund_share(7299, 10000, *before, *r))
            .collect();
        assert_eq!(parts, vec![2433, 2433, 2433]);
        assert_eq!(parts.iter().sum::<i64>(), 7299);
    }

    #[test]
    fn the_history_file_and_the_daily_file_are_read_as_published() {
        let history = include_str!("../../../tests/fixtures/ecb/eurofxref-hist.csv");
        let days = parse_file(history).unwrap();
        assert_eq!(days.len(), 11);
        assert_eq!(days[0].day, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        assert_eq!(days[0].rates["USD"], rate("1.172"));
        assert_eq!(days[0].rates["GBP"], rate("0.8555"));
        assert_eq!(days[10].rates["JPY"], rate("166.89"));
        // Currencies no longer quoted are N/A: no rate.
        assert!(!days[0].rates.contains_key("CYP"));
        assert_eq!(days[0].rates.len(), 30);

        let daily = include_str!("../../../tests/fixtures/ecb/eurofxref.csv");
        let day = parse_file(daily).unwrap();
        assert_eq!(day.len(), 1);
        assert_eq!(day[0].day, days[0].day);
        // Written 1.1720 in the daily file: kept so, equal in value.
        assert_eq!(day[0].rates["USD"].to_string(), "1.1720");
        assert_eq!(day[0].rates["USD"].value(), days[0].rates["USD"].value());
        assert_eq!(day[0].rates.len(), 30);
    }

    #[test]
    fn a_malformed_file_names_the_row_and_column() {
        let err = |text: &str| parse_file(text).unwrap_err().to_string();
        assert_eq!(err(""), "row 1, column 1: the file is empty");
        assert_eq!(
            err("Day,USD,\n2025-06-30,1.1,\n"),
            "row 1, column 1: the header must start with Date"
        );
        assert_eq!(
            err("Date,USD,usd,\n"),
            "row 1, column 3: must be a currency code (three capital letters) other than EUR"
        );
        assert_eq!(
            err("Date,USD,JPY,\n2025-06-30,1.172,169.17,\n2025-06-27,1.1704,abc,\n"),
            "row 3, column 3: is not a decimal number"
        );
        assert_eq!(
            err("Date,USD,JPY,\n2025-06-30,1.172,\n"),
            "row 2, column 3: the row has 2 cells and the header 3"
        );
        assert_eq!(
            err("Date,USD,\n2025-13-30,1.172,\n"),
            "row 2, column 1: must be a day, written 2025-06-30 or 30 June 2025"
        );
        assert_eq!(
            err("Date,USD,\n2025-06-30,-1,\n"),
            "row 2, column 2: must be greater than 0"
        );
        assert_eq!(
            err("Date,USD,\n2025-06-30,1,\n2025-06-30,1,\n"),
            "row 3, column 1: is a second row of this day"
        );
    }

    /// The exact value of `amount × quote ÷ base` rounded to `places`,
    /// midpoint away from zero, in integers: what the rule must give.
    fn exact_minor(amount: Decimal, base: Decimal, quote: Decimal, places: u32) -> i128 {
        // amount = a / 10^sa, base = b / 10^sb, quote = q / 10^sq.
        let (a, sa) = (amount.mantissa(), amount.scale());
        let (b, sb) = (base.mantissa(), base.scale());
        let (q, sq) = (quote.mantissa(), quote.scale());
        // result × 10^places = a·q·10^(sb + places) / (b·10^(sa + sq))
        let pow = |e: u32| 10i128.pow(e);
        let num = a * q * pow(sb + places);
        let den = b * pow(sa + sq);
        let (quotient, remainder) = (num / den, num % den);
        match 2 * remainder.abs() >= den {
            true => quotient + num.signum(),
            false => quotient,
        }
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (1i64..10_000_000_000, 0u32..=2).prop_map(|(m, s)| Decimal::new(m, s))
    }

    /// From 0.0001 to about a million per EUR (every ECB rate is).
    fn per_eur() -> impl Strategy<Value = PerEur> {
        (10_000i64..9_999_999_999, 4u32..=8)
            .prop_map(|(m, s)| PerEur::new(Decimal::new(m, s)).unwrap())
    }

    proptest! {
        /// Converting and refunding in full returns exactly zero, however
        /// the refund is split.
        #[test]
        fn a_full_refund_returns_exactly_what_was_converted(
            sale in 1i64..1_000_000_000,
            base in per_eur(),
            quote in per_eur(),
            cuts in prop::collection::vec(1i64..1_000_000_000, 0..5),
        ) {
            let to = Currency::parse("USD").unwrap();
            let cross = Cross { base, quote };
            let Some(converted) = converted_minor(cross, Decimal::new(sale, 2), to) else {
                return Ok(());
            };
            let mut points: Vec<i64> = cuts.iter().map(|c| c % sale).collect();
            points.push(0);
            points.push(sale);
            points.sort_unstable();
            points.dedup();
            let taken: i64 = points
                .windows(2)
                .map(|w| refund_share(converted, sale, w[0], w[1] - w[0]))
                .sum();
            prop_assert_eq!(taken, converted);
        }

        /// The rule gives the exact fraction's rounding: the same whichever
        /// currency the rates are quoted against (rebasing them changes
        /// the fraction's terms, not its value).
        #[test]
        fn a_conversion_is_the_exact_fractions_whichever_the_base(
            amount in amount(),
            base in per_eur(),
            quote in per_eur(),
        ) {
            let cross = Cross { base, quote };
            let got = cross.convert(amount).unwrap();
            let rounded = got.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let mut scaled = rounded;
            scaled.rescale(2);
            prop_assert_eq!(
                scaled.mantissa(),
                exact_minor(amount, base.value(), quote.value(), 2)
            );
        }

        /// Through EUR and back: the cross rate of A to B and of B to A are
        /// the same fraction turned over.
        #[test]
        fn a_cross_rate_turned_over_is_the_way_back(
            amount in amount(),
            base in per_eur(),
            quote in per_eur(),
        ) {
            let cross = Cross { base, quote };
            prop_assert_eq!(cross.inverse().inverse(), cross);
            let there = cross.convert(amount).unwrap();
            let back = cross.inverse().convert(there).unwrap();
            // At 28 significant digits: within one unit of the 20th.
            prop_assert!((back - amount).abs() <= amount * Decimal::new(1, 20));
        }
    }
}

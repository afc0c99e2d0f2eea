//! Currencies and the one rounding rule (SPEC §2): a computed amount is rounded
//! once, at the end, to the currency's minor unit, midpoint away from zero.

use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;

/// ISO 4217 codes in circulation whose minor unit is not 2 decimal places.
const NON_TWO_DECIMAL: &[(&str, u32)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLF", 4),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("UYW", 4),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

/// ISO 4217 codes in circulation with 2 decimal places.
const TWO_DECIMAL: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "XCG", "YER",
    "ZAR", "ZMW", "ZWG",
];

/// The largest amount revshare accepts anywhere: one trillion major units.
/// With percentages capped at 100 every product stays far inside `Decimal`'s
/// range and every rounded amount fits an `i64` of minor units.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// The one grammar of decimal strings — amounts, percentages, goals, plan
/// values — wherever a client writes one: `-?digits(.digits)?`. No
/// exponent, `+`, white space of any kind, separators or bare points, so a
/// money string means one thing to every client (`"1e2"`, `" 10"`, `"+10"`,
/// `"10."`, `".5"` are refused). `None` when `text` is not in it or its
/// value is beyond `Decimal`'s range.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// Decimal places written (`"10.50"` has 2), whatever the value.
pub fn decimals(amount: Decimal) -> u32 {
    amount.normalize().scale()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    UnknownCurrency,
    TooPrecise { minor_units: u32 },
    OutOfRange,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::UnknownCurrency => {
                f.write_str("must be an ISO 4217 currency code such as USD")
            }
            MoneyError::TooPrecise { minor_units } => {
                write!(
                    f,
                    "has more than {minor_units} decimal places for its currency"
                )
            }
            MoneyError::OutOfRange => f.write_str("is out of range"),
        }
    }
}

/// An ISO 4217 currency and its minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u32,
}

impl Currency {
    pub const USD: Currency = Currency {
        code: *b"USD",
        minor_units: 2,
    };

    /// Parses an upper-case ISO 4217 code.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let bytes: [u8; 3] = code
            .as_bytes()
            .try_into()
            .map_err(|_| MoneyError::UnknownCurrency)?;
        // Both tables are in code order (a unit test holds them to it).
        if let Ok(i) = NON_TWO_DECIMAL.binary_search_by(|(c, _)| (*c).cmp(code)) {
            return Ok(Currency {
                code: bytes,
                minor_units: NON_TWO_DECIMAL[i].1,
            });
        }
        if TWO_DECIMAL.binary_search(&code).is_ok() {
            return Ok(Currency {
                code: bytes,
                minor_units: 2,
            });
        }
        Err(MoneyError::UnknownCurrency)
    }

    pub fn code(&self) -> &str {
        // The bytes came from a validated &str of ASCII letters.
        std::str::from_utf8(&self.code).expect("currency codes are ASCII")
    }

    /// Decimal places of the minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// The single rounding of SPEC §2.
    /// The result always carries exactly the currency's scale (`20.00`).
    pub fn round(&self, amount: Decimal) -> Decimal {
        let mut rounded =
            amount.round_dp_with_strategy(self.minor_units, RoundingStrategy::MidpointAwayFromZero);
        rounded.rescale(self.minor_units);
        rounded
    }

    /// An amount as integer minor units, for storage. Refuses an amount with
    /// more precision than the currency has (it would have to be rounded, and
    /// the caller must decide that) or one beyond [`MAX_AMOUNT`].
    pub fn to_minor(&self, amount: Decimal) -> Result<i64, MoneyError> {
        if amount.abs() > MAX_AMOUNT {
            return Err(MoneyError::OutOfRange);
        }
        let normalized = amount.normalize();
        if normalized.scale() > self.minor_units {
            return Err(MoneyError::TooPrecise {
                minor_units: self.minor_units,
            });
        }
        let mut scaled = normalized;
        scaled.rescale(self.minor_units);
        i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::OutOfRange)
    }

    /// Minor units back to an amount, with exactly the currency's scale
    /// (`1200` USD is `12.00`).
    pub fn from_minor(&self, minor: i64) -> Decimal {
        Decimal::new(minor, self.minor_units)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// `whole × part / total` in minor units, rounded once (midpoint away from
/// zero). `total` must be positive and `part` within `0..=total`.
pub fn share_minor(whole: i64, part: i64, total: i64) -> i64 {
    assert!(
        total > 0 && (0..=total).contains(&part),
        "a share is a part of a positive total"
    );
    let numerator = whole as i128 * part as i128;
    let total = total as i128;
    let (quotient, remainder) = (numerator / total, numerator % total);
    let rounded = if 2 * remainder.abs() >= total {
        quotient + numerator.signum()
    } else {
        quotient
    };
    rounded as i64
}

/// `whole` (≥ 0) shared in proportion to `weights` (each ≥ 0, not all 0)
/// by largest remainder: each part is its floor share, and the minor units
/// left go one each to the largest remainders (the first of equal ones), so
/// the parts sum exactly to `whole`. `None` for weights that cannot share.
pub fn largest_remainder(whole: i64, weights: &[i64]) -> Option<Vec<i64>> {
    let total: i128 = weights.iter().map(|w| *w as i128).sum();
    if whole < 0 || total <= 0 || weights.iter().any(|w| *w < 0) {
        return None;
    }
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let n = whole as i128 * *w as i128;
            (n / total, n % total)
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|(q, _)| *q as i64).collect();
    let left = whole - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for i in order.into_iter().take(usize::try_from(left).ok()?) {
        parts[i] += 1;
    }
    Some(parts)
}

/// The clawback of a commission for one refund of its event, pro rata at the
/// commission's rate. It is the cumulative share after the refund minus the
/// cumulative share before it, so however a refund is split, the clawbacks
/// sum exactly to the commission's share of the refunded total (and to the
/// whole commission once the event is fully refunded).
pub fn clawback_minor(
    commission: i64,
    event_amount: i64,
    refunded_before: i64,
    refund: i64,
) -> i64 {
    share_minor(commission, refunded_before + refund, event_amount)
        - share_minor(commission, refunded_before, event_amount)
}

#[cfg(test)]
mod tests {
    #[test]
    fn largest_remainder_shares_exactly() {
        assert_eq!(largest_remainder(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
        assert_eq!(
            largest_remainder(90, &[120000, 3000, 10000]).map(|p| p.iter().sum::<i64>()),
            Some(90)
        );
        assert_eq!(largest_remainder(1000, &[0, 5]), Some(vec![0, 1000]));
        assert_eq!(largest_remainder(10, &[0, 0]), None);
        assert_eq!(largest_remainder(10, &[3, -1]), None);
    }

    proptest::proptest! {
        #[test]
        fn largest_remainder_parts_sum_to_the_whole_and_stay_within_a_unit(
            whole in 0i64..10_000_000,
            weights in proptest::collection::vec(0i64..1_000_000, 1..20),
        ) {
            if let Some(parts) = largest_remainder(whole, &weights) {
                proptest::prop_assert_eq!(parts.iter().sum::<i64>(), whole);
                let total: i128 = weights.iter().map(|w| *w as i128).sum();
                for (part, weight) in parts.iter().zip(&weights) {
                    let exact = whole as i128 * *weight as i128;
                    let scaled = *part as i128 * total;
                    proptest::prop_assert!((scaled - exact).abs() < total);
                }
            }
        }
    }

    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn the_currency_tables_are_in_code_order_and_every_code_parses() {
        assert!(TWO_DECIMAL.windows(2).all(|w| w[0] < w[1]));
        assert!(NON_TWO_DECIMAL.windows(2).all(|w| w[0].0 < w[1].0));
        for code in TWO_DECIMAL {
            assert_eq!(Currency::parse(code).unwrap().minor_units(), 2, "{code}");
        }
        for (code, units) in NON_TWO_DECIMAL {
            assert_eq!(
                Currency::parse(code).unwrap().minor_units(),
                *units,
                "{code}"
            );
        }
        assert_eq!(Currency::parse("XXQ"), Err(MoneyError::UnknownCurrency));
    }

    #[test]
    fn shares_round_half_away_from_zero() {
        assert_eq!(share_minor(1000, 1, 3), 333);
        assert_eq!(share_minor(1000, 2, 3), 667);
        assert_eq!(share_minor(5, 1, 2), 3);
        assert_eq!(share_minor(-5, 1, 2), -3);
        assert_eq!(share_minor(7498, 29990, 29990), 7498);
    }

    #[test]
    fn three_equal_refunds_claw_back_the_whole_commission() {
        // 74.98 on a 299.90 charge, refunded in three parts of 99.96/99.97/99.97.
        let parts = [
            clawback_minor(7498, 29990, 0, 9996),
            clawback_minor(7498, 29990, 9996, 9997),
            clawback_minor(7498, 29990, 19993, 9997),
        ];
        assert_eq!(parts, [2499, 2500, 2499]);
        assert_eq!(parts.iter().sum::<i64>(), 7498);
    }

    proptest! {
        #[test]
        fn pro_rata_parts_sum_exactly_to_the_whole(
            commission in 0i64..100_000_000,
            cuts in proptest::collection::vec(1i64..1_000_000, 1..12),
        ) {
            let event_amount: i64 = cuts.iter().sum();
            let mut refunded = 0;
            let mut clawed = 0;
            for refund in cuts {
                let part = clawback_minor(commission, event_amount, refunded, refund);
                prop_assert!(part >= 0);
                refunded += refund;
                clawed += part;
                prop_assert!(clawed <= commission);
            }
            prop_assert_eq!(clawed, commission);
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_decimal_string_has_one_grammar() {
        let parse = |text: &str| parse_decimal(text).map(|d| d.to_string());
        assert_eq!(parse("10").as_deref(), Some("10"));
        assert_eq!(parse("-0.50").as_deref(), Some("-0.50"));
        assert_eq!(parse("007.1").as_deref(), Some("7.1"));
        for refused in [
            "1e2",
            "1e5",
            " 10",
            "10 ",
            "\t5",
            "\u{a0}10",
            "+10",
            "10.",
            ".5",
            "",
            "-",
            "1_000",
            "0x10",
            "1.2.3",
            "NaN",
            "Infinity",
            "1,5",
            "99999999999999999999999999999999",
        ] {
            assert_eq!(parse(refused), None, "{refused:?} was accepted");
        }
    }

    #[test]
    fn max_amount_is_one_trillion() {
        assert_eq!(MAX_AMOUNT, d("1000000000000"));
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(Currency::parse("USD").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("EUR").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::parse("usd"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::parse("XXX"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::parse("USDT"), Err(MoneyError::UnknownCurrency));
    }

    #[test]
    fn rounding_is_midpoint_away_from_zero_at_the_minor_unit() {
        let usd = Currency::USD;
        assert_eq!(usd.round(d("74.975")).to_string(), "74.98");
        assert_eq!(usd.round(d("-74.975")).to_string(), "-74.98");
        assert_eq!(usd.round(d("74.974999")).to_string(), "74.97");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.round(d("100.5")).to_string(), "101");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.round(d("1.2345")).to_string(), "1.235");
    }

    #[test]
    fn minor_units_round_trip_with_the_currency_scale() {
        let usd = Currency::USD;
        assert_eq!(usd.to_minor(d("12")), Ok(1200));
        assert_eq!(usd.to_minor(d("12.340")), Ok(1234));
        assert_eq!(usd.from_minor(1200).to_string(), "12.00");
        assert_eq!(usd.from_minor(-5).to_string(), "-0.05");
        assert_eq!(
            usd.to_minor(d("0.001")),
            Err(MoneyError::TooPrecise { minor_units: 2 })
        );
        assert_eq!(
            usd.to_minor(d("1000000000000.01")),
            Err(MoneyError::OutOfRange)
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.to_minor(d("300")), Ok(300));
        assert_eq!(jpy.from_minor(300).to_string(), "300");
    }
}

//! Amounts, numbers, days and plural forms as CLDR writes them in each
//! language revshare writes in (SPEC §38): `1.234,56 €` and `6. März
//! 2026` (de), `1 234,56 €` with a narrow no-break space (fr), `€1,234.56`
//! and `March 6, 2026` (en).
//!
//! The formats are ICU4X's — the Unicode Consortium's own library, its
//! CLDR data compiled into the binary (nothing is read at run time) —
//! made once a language and kept. Amounts are formatted from their exact
//! decimal, never through a float; the API's amounts stay decimal strings.

use chrono::{Datelike, NaiveDate};
use fixed_decimal::Decimal as Fixed;
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::CurrencyCode;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::Locale;
pub use icu_plurals::PluralCategory;
use icu_plurals::PluralRules;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::OnceLock;
use writeable::Writeable;

/// The formatters of one language.
struct Formats {
    numbers: DecimalFormatter,
    money: CurrencyFormatter,
    days: FixedCalendarDateTimeFormatter<icu_calendar::Gregorian, YMD>,
    short_days: FixedCalendarDateTimeFormatter<icu_calendar::Gregorian, YMD>,
    plurals: PluralRules,
}

/// Each built-in language's formatters, made on first use.
fn formats(language: &str) -> Option<&'static Formats> {
    static ALL: OnceLock<HashMap<&'static str, Formats>> = OnceLock::new();
    ALL.get_or_init(|| {
        super::BUILT_IN
            .iter()
            .filter_map(|(code, _)| Some((*code, made(code)?)))
            .collect()
    })
    .get(language)
    .or_else(|| ALL.get()?.get(super::DEFAULT))
}

fn made(code: &str) -> Option<Formats> {
    let locale: Locale = code.parse().ok()?;
    Some(Formats {
        numbers: DecimalFormatter::try_new((&locale).into(), Default::default()).ok()?,
        money: CurrencyFormatter::try_new((&locale).into(), Default::default()).ok()?,
        days: FixedCalendarDateTimeFormatter::try_new((&locale).into(), YMD::long()).ok()?,
        short_days: FixedCalendarDateTimeFormatter::try_new(
            (&locale).into(),
            YMD::short().with_year_style(icu_datetime::options::YearStyle::Full),
        )
        .ok()?,
        plurals: PluralRules::try_new_cardinal((&locale).into()).ok()?,
    })
}

/// An exact decimal as ICU4X takes it: its digits as written.
fn fixed(value: Decimal) -> Option<Fixed> {
    value.to_string().parse().ok()
}

/// `amount` of `currency` as `language` writes it, with the currency's
/// minor digits: `1.234,56 €` (de). A currency ICU4X cannot name reads
/// `1.234,56 XYZ`.
pub fn money(language: &str, amount: Decimal, currency: &str) -> String {
    let digits = crate::engine::Currency::parse(currency).map_or(2, |c| c.minor_units());
    let mut exact = amount.round_dp(digits);
    exact.rescale(digits);
    let code = tinystr::TinyAsciiStr::<3>::try_from_str(currency).ok();
    // ICU4X's currency formatter (still experimental) writes the sign
    // inside the symbol (`$-12.50`); CLDR's patterns put it before the
    // whole amount (`-$12.50`, `-12,50 €`), except Dutch's own negative
    // pattern, `€ -12,50`, which is what it writes.
    let signed = exact.is_sign_negative() && !exact.is_zero() && language != "nl";
    let shown = match signed {
        true => exact.abs(),
        false => exact,
    };
    match (formats(language), fixed(shown), code) {
        (Some(f), Some(value), Some(code)) => {
            let written = f.money.format_fixed_decimal(&value, CurrencyCode(code));
            match signed {
                true => format!("-{}", written.write_to_string()),
                false => written.write_to_string().into_owned(),
            }
        }
        _ => format!("{exact} {currency}"),
    }
}

/// An amount of `currency` without its symbol, with the currency's minor
/// digits, as `language` writes it: `1.234,50` (de) — a column headed by
/// its currency.
pub fn figure(language: &str, amount: Decimal, currency: &str) -> String {
    let digits = crate::engine::Currency::parse(currency).map_or(2, |c| c.minor_units());
    let mut exact = amount.round_dp(digits);
    exact.rescale(digits);
    match (formats(language), fixed(exact)) {
        (Some(f), Some(value)) => f.numbers.format(&value).write_to_string().into_owned(),
        _ => exact.to_string(),
    }
}

/// A number as `language` writes it: `1.234,5` (de), `1,234.5` (en),
/// with the digits it has.
pub fn number(language: &str, value: Decimal) -> String {
    let value = value.normalize();
    match (formats(language), fixed(value)) {
        (Some(f), Some(fixed)) => f.numbers.format(&fixed).write_to_string().into_owned(),
        _ => value.to_string(),
    }
}

/// A day in `language`'s long form: `6. März 2026` (de), `6 mars 2026`
/// (fr), `March 6, 2026` (en).
pub fn day(language: &str, date: NaiveDate) -> String {
    written(language, date, |f| &f.days)
}

/// A day in `language`'s short numeric form, for a column: `06.03.2026`
/// (de), `06/03/2026` (fr), `3/6/2026` (en).
pub fn short_day(language: &str, date: NaiveDate) -> String {
    written(language, date, |f| &f.short_days)
}

fn written(
    language: &str,
    date: NaiveDate,
    formatter: fn(&Formats) -> &FixedCalendarDateTimeFormatter<icu_calendar::Gregorian, YMD>,
) -> String {
    let iso = icu_calendar::Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8)
        .ok()
        .map(|d| d.to_calendar(icu_calendar::Gregorian));
    match (formats(language), iso) {
        (Some(f), Some(gregorian)) => formatter(f)
            .format(&gregorian)
            .write_to_string()
            .into_owned(),
        _ => date.to_string(),
    }
}

/// The plural form a count takes in `language`.
pub fn plural(language: &str, count: u64) -> PluralCategory {
    formats(language).map_or(
        match count {
            1 => PluralCategory::One,
            _ => PluralCategory::Other,
        },
        |f| f.plurals.category_for(count),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn amounts_read_as_cldr_writes_them() {
        let amount = dec("1234.56");
        assert_eq!(money("de", amount, "EUR"), "1.234,56\u{a0}€");
        assert_eq!(money("fr", amount, "EUR"), "1\u{202f}234,56\u{a0}€");
        assert_eq!(money("en", amount, "EUR"), "€1,234.56");
        assert_eq!(money("nl", amount, "EUR"), "€\u{a0}1.234,56");
        assert_eq!(money("de", dec("5"), "EUR"), "5,00\u{a0}€");
        assert_eq!(money("en", dec("-12.5"), "USD"), "-$12.50");
        assert_eq!(money("de", dec("1500"), "JPY"), "1.500\u{a0}¥");
        assert_eq!(money("de", dec("-2"), "EUR"), "-2,00\u{a0}€");
        assert_eq!(money("nl", dec("-2"), "EUR"), "€\u{a0}-2,00");
    }

    #[test]
    fn days_and_numbers_read_in_the_language() {
        let day6 = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        assert_eq!(day("de", day6), "6. März 2026");
        assert_eq!(day("fr", day6), "6 mars 2026");
        assert_eq!(day("en", day6), "March 6, 2026");
        assert_eq!(short_day("de", day6), "06.03.2026");
        assert_eq!(short_day("fr", day6), "06/03/2026");
        assert_eq!(short_day("en", day6), "3/6/2026");
        assert_eq!(number("de", dec("2.50")), "2,5");
        assert_eq!(figure("de", dec("1234.5"), "EUR"), "1.234,50");
        assert_eq!(figure("en", dec("-3"), "EUR"), "-3.00");
        assert_eq!(number("en", dec("12000")), "12,000");
        assert_eq!(plural("fr", 0), PluralCategory::One);
        assert_eq!(plural("de", 0), PluralCategory::Other);
        assert_eq!(plural("xx", 1), PluralCategory::One);
    }
}

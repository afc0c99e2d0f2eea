//! Stripe's integer amounts in Stripe's own units, which are not always
//! ISO 4217's. Stripe reads an amount in a currency's smallest unit *as
//! Stripe defines it*: its zero-decimal list (BIF CLP DJF GNF JPY KMF KRW
//! MGA PYG RWF UGX VND VUV XAF XOF XPF — MGA is two-decimal in ISO), its
//! three-decimal ones (BHD JOD KWD OMR TND), and two decimals for every
//! other, ISK included: "an ISK amount of 100 will continue to represent
//! 1 króna", though ISO gives ISK no minor unit. HUF and TWD are
//! two-decimal in charges (zero-decimal only in Stripe's payouts), as in
//! ISO. Reading by ISO's exponents would read ISK at 100× and MGA at a
//! hundredth.

use crate::engine::Currency;
use rust_decimal::Decimal;

/// Stripe's zero-decimal currencies, in code order.
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
/// Stripe's three-decimal currencies, in code order.
const THREE_DECIMAL: [&str; 5] = ["BHD", "JOD", "KWD", "OMR", "TND"];

/// Decimal places of one unit of `currency` in Stripe's API.
pub fn stripe_decimals(currency: Currency) -> u32 {
    let code = currency.code();
    if ZERO_DECIMAL.binary_search(&code).is_ok() {
        0
    } else if THREE_DECIMAL.binary_search(&code).is_ok() {
        3
    } else {
        2
    }
}

/// A Stripe amount as revshare's minor units of the same currency (the
/// currency's ISO minor unit), rounded once where Stripe's unit is finer
/// (an ISK amount always ends in 00); `None` beyond revshare's range.
pub fn minor(currency: Currency, stripe_amount: i64) -> Option<i64> {
    let amount = Decimal::new(stripe_amount, stripe_decimals(currency));
    currency.to_minor(currency.round(amount)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(code: &str, stripe_amount: i64) -> String {
        let currency = Currency::parse(code).unwrap();
        currency
            .from_minor(minor(currency, stripe_amount).unwrap())
            .to_string()
    }

    #[test]
    fn the_tables_are_in_code_order() {
        assert!(ZERO_DECIMAL.is_sorted());
        assert!(THREE_DECIMAL.is_sorted());
        for code in ZERO_DECIMAL.iter().chain(&THREE_DECIMAL) {
            assert!(Currency::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn isk_is_two_decimal_in_stripe_and_whole_kronur_in_revshare() {
        // 500 krónur: Stripe sends 50000.
        assert_eq!(read("ISK", 50_000), "500");
        assert_eq!(read("ISK", 100), "1");
    }

    #[test]
    fn huf_and_twd_are_two_decimal_in_charges() {
        assert_eq!(read("HUF", 150_000), "1500.00");
        assert_eq!(read("TWD", 30_050), "300.50");
    }

    #[test]
    fn ugx_and_jpy_are_zero_decimal() {
        assert_eq!(read("UGX", 50_000), "50000");
        assert_eq!(read("JPY", 1_200), "1200");
    }

    #[test]
    fn mga_is_zero_decimal_in_stripe_and_two_decimal_in_iso() {
        assert_eq!(read("MGA", 1_000), "1000.00");
    }

    #[test]
    fn three_decimal_and_two_decimal_currencies_read_as_iso() {
        assert_eq!(read("KWD", 5_120), "5.120");
        assert_eq!(read("USD", 1_999), "19.99");
        assert_eq!(read("EUR", 1), "0.01");
    }
}

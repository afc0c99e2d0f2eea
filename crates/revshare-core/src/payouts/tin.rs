//! US taxpayer identification numbers (SPEC §29), checked as the IRS and
//! the SSA issue them before a W-9 is taken: nine digits, with dashes only
//! where the form puts them (`123-45-6789` for an SSN or ITIN,
//! `12-3456789` for an EIN).
//!
//! - SSN: never area 000, 666 or 900–999, group 00 or serial 0000;
//! - ITIN: starts with 9, its fourth and fifth digits in 50–65, 70–88,
//!   90–92 or 94–99;
//! - EIN: never a prefix the IRS does not assign (00, 07–09, 17–19, 28,
//!   29, 49, 69, 70, 78, 79, 89, 96, 97).
//!
//! Each refusal says which rule, for the partner to see what to correct.

use entity::enums::TinType;

/// EIN prefixes the IRS does not assign.
const UNASSIGNED_EIN_PREFIXES: &[u32] = &[
    0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97,
];

/// The ITIN's fourth and fifth digits the IRS issues.
fn itin_group(group: u32) -> bool {
    matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// A TIN of `kind`, its nine digits (dashes dropped), or why it is none.
pub fn check(kind: TinType, text: &str) -> Result<String, String> {
    let text = text.trim();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let dashes = match kind {
        TinType::Ein => "12-3456789",
        TinType::Ssn | TinType::Itin => "123-45-6789",
    };
    // Nine digits, and dashes only where the form has them.
    let shaped = text.len() == dashes.len()
        && text
            .chars()
            .zip(dashes.chars())
            .all(|(c, d)| (d == '-') == (c == '-') && (c == '-' || c.is_ascii_digit()));
    if digits.len() != 9 || !(shaped || text == digits) {
        return Err(format!("must be 9 digits, as {dashes} or without dashes"));
    }
    let number = |from: usize, to: usize| -> u32 { digits[from..to].parse().unwrap_or(0) };
    match kind {
        TinType::Ssn => {
            let (area, group, serial) = (number(0, 3), number(3, 5), number(5, 9));
            if area == 0 || area == 666 || area >= 900 {
                return Err(format!(
                    "is no SSN: the SSA issues no number starting {:03} (never 000, 666 or 900–999; \
                     a number starting with 9 is an ITIN)",
                    area
                ));
            }
            if group == 0 {
                return Err("is no SSN: its fourth and fifth digits are never 00".into());
            }
            if serial == 0 {
                return Err("is no SSN: its last four digits are never 0000".into());
            }
        }
        TinType::Itin => {
            if !digits.starts_with('9') {
                return Err("is no ITIN: an ITIN starts with 9".into());
            }
            let group = number(3, 5);
            if !itin_group(group) {
                return Err(format!(
                    "is no ITIN: its fourth and fifth digits ({group:02}) are not 50–65, 70–88, \
                     90–92 or 94–99"
                ));
            }
        }
        TinType::Ein => {
            let prefix = number(0, 2);
            if UNASSIGNED_EIN_PREFIXES.contains(&prefix) {
                return Err(format!(
                    "is no EIN: the IRS assigns no EIN starting {prefix:02}"
                ));
            }
        }
    }
    Ok(digits)
}

/// The TIN as Copy B shows it: `***-**-6789` for an SSN or ITIN,
/// `**-***6789` for an EIN.
pub fn masked(kind: TinType, digits: &str) -> String {
    let last4 = &digits[digits.len().saturating_sub(4)..];
    match kind {
        TinType::Ein => format!("**-***{last4}"),
        TinType::Ssn | TinType::Itin => format!("***-**-{last4}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(kind: TinType, text: &str) -> String {
        check(kind, text).expect_err(text)
    }

    #[test]
    fn an_ssn_follows_the_ssas_rules() {
        assert_eq!(check(TinType::Ssn, "123-45-6789").unwrap(), "123456789");
        assert_eq!(check(TinType::Ssn, " 123456789 ").unwrap(), "123456789");
        for area in ["000", "666", "900", "999"] {
            let said = refused(TinType::Ssn, &format!("{area}-45-6789"));
            assert!(said.contains(&format!("starting {area}")), "{said}");
        }
        assert!(check(TinType::Ssn, "899-45-6789").is_ok());
        assert!(check(TinType::Ssn, "665-45-6789").is_ok());
        assert!(refused(TinType::Ssn, "123-00-6789").contains("never 00"));
        assert!(refused(TinType::Ssn, "123-45-0000").contains("never 0000"));
        for shape in [
            "12-3456789",
            "1234-5-6789",
            "123-45-678",
            "123 45 6789",
            "12345678a",
            "1234567890",
        ] {
            assert_eq!(
                refused(TinType::Ssn, shape),
                "must be 9 digits, as 123-45-6789 or without dashes",
                "{shape}"
            );
        }
    }

    #[test]
    fn an_itin_starts_with_9_and_its_group_is_issued() {
        for good in [
            "900-50-1234",
            "912-65-1234",
            "970-70-1234",
            "988-88-1234",
            "990-90-1234",
            "992-92-1234",
            "994-94-1234",
            "999-99-1234",
        ] {
            assert!(check(TinType::Itin, good).is_ok(), "{good}");
        }
        for bad in [
            "900-49-1234",
            "900-66-1234",
            "900-69-1234",
            "900-89-1234",
            "900-93-1234",
            "900-00-1234",
        ] {
            assert!(
                refused(TinType::Itin, bad).contains("fourth and fifth"),
                "{bad}"
            );
        }
        assert_eq!(
            refused(TinType::Itin, "812-70-1234"),
            "is no ITIN: an ITIN starts with 9"
        );
    }

    #[test]
    fn an_ein_has_an_assigned_prefix() {
        assert_eq!(check(TinType::Ein, "12-3456789").unwrap(), "123456789");
        assert!(check(TinType::Ein, "123456789").is_ok());
        for prefix in [
            "00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79",
            "89", "96", "97",
        ] {
            assert_eq!(
                refused(TinType::Ein, &format!("{prefix}-3456789")),
                format!("is no EIN: the IRS assigns no EIN starting {prefix}")
            );
        }
        for prefix in [
            "01", "06", "10", "16", "20", "27", "30", "48", "50", "68", "71", "77", "80", "88",
            "90", "95", "98", "99",
        ] {
            assert!(
                check(TinType::Ein, &format!("{prefix}-3456789")).is_ok(),
                "{prefix}"
            );
        }
        assert_eq!(
            refused(TinType::Ein, "123-45-6789"),
            "must be 9 digits, as 12-3456789 or without dashes"
        );
    }

    #[test]
    fn copy_b_masks_all_but_the_last_four() {
        assert_eq!(masked(TinType::Ssn, "123456789"), "***-**-6789");
        assert_eq!(masked(TinType::Itin, "912701234"), "***-**-1234");
        assert_eq!(masked(TinType::Ein, "123456789"), "**-***6789");
    }

    proptest! {
        /// Whatever is typed, a check answers (never panics), and what it
        /// takes is nine digits that pass again.
        #[test]
        fn a_check_never_panics_and_what_it_takes_is_stable(text in "[0-9 -]{0,14}", kind in 0..3u8) {
            let kind = [TinType::Ssn, TinType::Itin, TinType::Ein][kind as usize];
            if let Ok(digits) = check(kind, &text) {
                prop_assert_eq!(digits.len(), 9);
                prop_assert_eq!(check(kind, &digits), Ok(digits.clone()));
            }
        }
    }
}

//! The identifiers SPEC §33b adds to both parties, checked as given: a
//! PEPPOL participant id, a tax number and a phone number.

use crate::error::{ApiError, ApiResult};

/// PEPPOL's electronic address schemes (EAS; PEPPOL-EN16931-CL008, the
/// code list of PEPPOL BIS 3.0.19). `EM` (e-mail) is not one.
const EAS: &[&str] = &[
    "0002", "0007", "0009", "0037", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142",
    "0147", "0151", "0170", "0177", "0183", "0184", "0188", "0190", "0191", "0192", "0193", "0195",
    "0196", "0198", "0199", "0200", "0201", "0202", "0204", "0208", "0209", "0210", "0211", "0212",
    "0213", "0215", "0216", "0218", "0221", "0230", "0235", "9901", "9906", "9907", "9910", "9913",
    "9914", "9915", "9918", "9919", "9920", "9922", "9923", "9924", "9925", "9926", "9927", "9928",
    "9929", "9930", "9931", "9932", "9933", "9934", "9935", "9936", "9937", "9938", "9939", "9940",
    "9941", "9942", "9943", "9944", "9945", "9946", "9947", "9948", "9949", "9950", "9951", "9952",
    "9953", "9957", "9959",
];

/// A PEPPOL participant id, `{EAS}:{id}` (`0088:4012345000009`): its scheme
/// on PEPPOL's list, its id 1 to 50 printable characters without spaces.
pub fn checked_peppol_id(field: &str, value: Option<&str>) -> ApiResult<Option<String>> {
    let Some(text) = crate::input::optional_line(field, value, 60)? else {
        return Ok(None);
    };
    let refused = || {
        ApiError::bad_input(
            field,
            "must be a PEPPOL participant id, {scheme}:{id} with a scheme on PEPPOL's list (0088:4012345000009, 9930:DE811907980)",
        )
    };
    let (scheme, id) = text.split_once(':').ok_or_else(refused)?;
    if !EAS.contains(&scheme) || id.is_empty() || id.len() > 50 || id.contains(char::is_whitespace)
    {
        return Err(refused());
    }
    Ok(Some(text))
}

/// Split a PEPPOL id into its scheme and id, as written into a document.
pub fn peppol_parts(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
}

/// A tax number as written (`21/815/08150`). A German one holds 10, 11 or
/// 13 digits (the local form, with or without its separators, or the
/// 13-digit federal form); any other state's is kept as given, one line of
/// at most 40 characters.
pub fn checked_tax_number(
    field: &str,
    country: &str,
    value: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(text) = crate::input::optional_line(field, value, 40)? else {
        return Ok(None);
    };
    if country == "DE" {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let shape = text.chars().all(|c| c.is_ascii_digit() || " /".contains(c));
        if !shape || ![10, 11, 13].contains(&digits) {
            return Err(ApiError::bad_input(
                field,
                "must be a German tax number: 10, 11 or 13 digits (21/815/08150)",
            ));
        }
    }
    Ok(Some(text))
}

/// A phone number: digits, spaces and `+ - / ( )`, at least 5 digits, at
/// most 30 characters.
pub fn checked_phone(field: &str, value: Option<&str>) -> ApiResult<Option<String>> {
    let Some(text) = crate::input::optional_line(field, value, 30)? else {
        return Ok(None);
    };
    let shape = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-/()".contains(c));
    if !shape || text.chars().filter(char::is_ascii_digit).count() < 5 {
        return Err(ApiError::bad_input(
            field,
            "must be a phone number: digits, spaces and + - / ( ) (+49 30 1234567)",
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_by_their_form() {
        assert_eq!(
            checked_peppol_id("f", Some(" 0088:4012345000009 ")).unwrap(),
            Some("0088:4012345000009".into())
        );
        for bad in ["EM:a@b.example", "0088", "1234:5", "0088:", "0088:a b"] {
            assert!(checked_peppol_id("f", Some(bad)).is_err(), "{bad}");
        }
        for good in ["21/815/08150", "2181508150", "9181081508155"] {
            assert!(checked_tax_number("f", "DE", Some(good)).is_ok(), "{good}");
        }
        for bad in ["21/815/0815", "DE136695976", "12-3456789"] {
            assert!(checked_tax_number("f", "DE", Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            checked_tax_number("f", "US", Some("12-3456789")).unwrap(),
            Some("12-3456789".into())
        );
        assert!(checked_phone("f", Some("+49 30 1234567")).is_ok());
        assert!(checked_phone("f", Some("call me")).is_err());
        assert_eq!(checked_phone("f", Some(" ")).unwrap(), None);
    }
}

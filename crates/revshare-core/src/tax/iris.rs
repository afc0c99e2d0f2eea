//! The IRIS Taxpayer Portal's CSV of 1099-NEC records (SPEC §29).
//!
//! The IRS hands its template out only inside the portal and changes it by
//! year, so the brand pastes the template's header row and revshare fills
//! the columns it knows, by name: compared without case, spaces,
//! punctuation or the `*` that marks a required column. A column it does
//! not know is left empty; a required one it does not know is an error
//! naming it, since the IRS would refuse the file. At most 100 records a
//! file (the portal's limit for one upload), named `1099nec-{year}-{n}.csv`.

use super::settings::Payer;
use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use crate::payouts::seal::DataKey;
use entity::enums::TinType;
use entity::tax_form;

/// Records a file holds at most.
pub const RECORDS_A_FILE: usize = 100;

/// The characters a pasted header may have.
const MAX_HEADER_CHARS: usize = 20_000;

/// What revshare fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    FormType,
    TaxYear,
    PayerTin,
    PayerTinType,
    PayerName,
    PayerAddress1,
    PayerAddress2,
    PayerCity,
    PayerState,
    PayerZip,
    PayerCountry,
    PayerPhone,
    RecipientTinType,
    RecipientTin,
    RecipientNameType,
    RecipientFirstName,
    RecipientLastName,
    BusinessName1,
    BusinessName2,
    Address1,
    Address2,
    City,
    State,
    Zip,
    Country,
    AccountNumber,
    Corrected,
    Box1,
    Box4,
    /// A column the form leaves empty for revshare's payees: the second
    /// TIN notice, FATCA, direct sales, golden parachutes, state boxes.
    Empty,
}

/// The names each field goes by, normalised ([`normal`]).
const NAMES: &[(Field, &[&str])] = &[
    (Field::FormType, &["formtype"]),
    (Field::TaxYear, &["taxyear"]),
    (
        Field::PayerTin,
        &[
            "payertin",
            "payertaxpayeridnumber",
            "payertaxpayeridentificationnumber",
        ],
    ),
    (Field::PayerTinType, &["payertintype"]),
    (
        Field::PayerName,
        &[
            "payername",
            "payernameline1",
            "payerbusinessname",
            "payerbusinessnameline1",
        ],
    ),
    (Field::PayerAddress1, &["payeraddressline1", "payeraddress"]),
    (Field::PayerAddress2, &["payeraddressline2"]),
    (Field::PayerCity, &["payercity", "payercitytown"]),
    (Field::PayerState, &["payerstate", "payerstateprovince"]),
    (
        Field::PayerZip,
        &["payerzipcode", "payerzip", "payerzippostalcode"],
    ),
    (Field::PayerCountry, &["payercountry"]),
    (
        Field::PayerPhone,
        &["payerphone", "payerphonenumber", "payertelephonenumber"],
    ),
    (Field::RecipientTinType, &["recipienttintype"]),
    (
        Field::RecipientTin,
        &[
            "recipienttaxpayeridnumber",
            "recipienttin",
            "recipienttaxpayeridentificationnumber",
        ],
    ),
    (Field::RecipientNameType, &["recipientnametype"]),
    (Field::RecipientFirstName, &["recipientfirstname"]),
    (Field::RecipientLastName, &["recipientlastname"]),
    (
        Field::BusinessName1,
        &[
            "businessnameline1",
            "recipientbusinessname",
            "recipientbusinessnameline1",
        ],
    ),
    (
        Field::BusinessName2,
        &["businessnameline2", "recipientbusinessnameline2"],
    ),
    (Field::Address1, &["addressline1", "recipientaddressline1"]),
    (Field::Address2, &["addressline2", "recipientaddressline2"]),
    (Field::City, &["city", "recipientcity", "citytown"]),
    (Field::State, &["state", "recipientstate", "stateprovince"]),
    (
        Field::Zip,
        &["zipcode", "zip", "recipientzipcode", "zippostalcode"],
    ),
    (Field::Country, &["country", "recipientcountry"]),
    (Field::AccountNumber, &["accountnumber"]),
    (
        Field::Corrected,
        &["corrected", "correctedreturn", "correctedindicator"],
    ),
    (
        Field::Box1,
        &[
            "box1nonemployeecompensation",
            "nonemployeecompensation",
            "box1",
        ],
    ),
    (
        Field::Box4,
        &[
            "box4federalincometaxwithheld",
            "federalincometaxwithheld",
            "box4",
        ],
    ),
    (
        Field::Empty,
        &[
            "secondtinnotice",
            "2ndtinnotice",
            "fatcafilingrequirement",
            "directsales",
            "box2directsales",
            "box2",
            "box3excessgoldenparachutepayments",
            "box3",
            "excessgoldenparachutepayments",
            "box5statetaxwithheld",
            "box6statepayersstateno",
            "box7stateincome",
            "recipientmiddlename",
            "recipientsuffix",
            "recipientemail",
        ],
    ),
];

/// A header's name as compared: lower case, letters and digits alone.
fn normal(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The header's columns: each the field revshare fills in it, if any.
fn columns(header: &str) -> ApiResult<Vec<(String, Option<Field>)>> {
    let header = header
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    if header.trim().is_empty() || header.len() > MAX_HEADER_CHARS {
        return Err(ApiError::bad_input(
            "header",
            "must be the header row of the IRIS template (its first line, column names separated by commas)",
        ));
    }
    let names = split(header);
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let normalised = normal(&name);
        let field = NAMES
            .iter()
            .find(|(_, names)| names.contains(&normalised.as_str()))
            .map(|(field, _)| *field);
        if field.is_none() && name.contains('*') {
            return Err(ApiError::bad_input(
                "header",
                format!(
                    "the required column \"{}\" is not one revshare fills: fill it in the file \
                     before uploading, or ask for it to be added",
                    name.trim()
                ),
            ));
        }
        columns.push((name, field));
    }
    Ok(columns)
}

/// One CSV line's cells, quotes undone.
fn split(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A cell as CSV writes it: quoted when it must be, and never read by a
/// spreadsheet as a formula.
fn cell(text: &str) -> String {
    let text = match text.starts_with(['=', '+', '-', '@']) {
        true => format!("'{text}"),
        false => text.to_owned(),
    };
    match text.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", text.replace('"', "\"\"")),
        false => text,
    }
}

fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// A record's value of one field.
fn value(
    field: Field,
    form: &tax_form::Model,
    address: Option<&Address>,
    payer: &Payer,
    payer_tin: &str,
    tin: &str,
) -> String {
    let (first, last) = match form.name.trim().rsplit_once(' ') {
        Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
        None => (String::new(), form.name.trim().to_owned()),
    };
    match field {
        Field::FormType => "NEC".into(),
        Field::TaxYear => form.year.to_string(),
        Field::PayerTin => payer_tin.to_owned(),
        Field::PayerTinType => "EIN".into(),
        Field::PayerName => payer.legal_name.clone(),
        Field::PayerAddress1 => payer.address.line1.clone(),
        Field::PayerAddress2 => payer.address.line2.clone().unwrap_or_default(),
        Field::PayerCity => payer.address.city.clone(),
        Field::PayerState => payer.address.state.clone(),
        Field::PayerZip => payer.address.zip.replace('-', ""),
        Field::PayerCountry => payer.address.country.clone(),
        Field::PayerPhone => payer.phone.chars().filter(char::is_ascii_digit).collect(),
        Field::RecipientTinType => form
            .tin_type
            .map(|kind| match kind {
                TinType::Ssn => "SSN",
                TinType::Ein => "EIN",
                TinType::Itin => "ITIN",
            })
            .unwrap_or("")
            .into(),
        Field::RecipientTin => tin.to_owned(),
        Field::RecipientNameType => match form.individual {
            true => "I".into(),
            false => "B".into(),
        },
        Field::RecipientFirstName if form.individual => first,
        Field::RecipientLastName if form.individual => last,
        Field::RecipientFirstName | Field::RecipientLastName => String::new(),
        Field::BusinessName1 => match form.individual {
            true => form.business_name.clone().unwrap_or_default(),
            false => form.name.clone(),
        },
        Field::BusinessName2 => match form.individual {
            true => String::new(),
            false => form.business_name.clone().unwrap_or_default(),
        },
        Field::Address1 => address.map(|a| a.line1.clone()).unwrap_or_default(),
        Field::Address2 => address.and_then(|a| a.line2.clone()).unwrap_or_default(),
        Field::City => address.map(|a| a.city.clone()).unwrap_or_default(),
        Field::State => address.map(|a| a.state.clone()).unwrap_or_default(),
        Field::Zip => address.map(|a| a.zip.replace('-', "")).unwrap_or_default(),
        Field::Country => address.map(|a| a.country.clone()).unwrap_or_default(),
        Field::AccountNumber => form.payee_key.clone(),
        Field::Corrected => match form.corrected {
            true => "Y".into(),
            false => "N".into(),
        },
        Field::Box1 => amount(form.box1_minor),
        Field::Box4 => amount(form.box4_minor),
        Field::Empty => String::new(),
    }
}

/// A named file.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub filename: String,
    pub content: Vec<u8>,
}

/// The forms as the header's CSV, 100 records a file.
pub fn files(
    key: &DataKey,
    year: i32,
    header: &str,
    forms: &[tax_form::Model],
) -> ApiResult<Vec<CsvFile>> {
    let columns = columns(header)?;
    let header_line = columns
        .iter()
        .map(|(name, _)| cell(name))
        .collect::<Vec<_>>()
        .join(",");
    let mut files = Vec::new();
    for (n, chunk) in forms.chunks(RECORDS_A_FILE).enumerate() {
        let mut text = format!("{header_line}\r\n");
        for form in chunk {
            let payer = Payer::decode(Some(&form.payer))?
                .ok_or_else(|| ApiError::internal("a form's payer", &form.id))?;
            let payer_tin = payer.tin(key, &form.tenant_id)?;
            let tin = super::forms::recipient_tin(key, form)?.unwrap_or_default();
            let address = super::forms::address_of(form)?;
            let record = columns
                .iter()
                .map(|(_, field)| match field {
                    Some(field) => cell(&value(
                        *field,
                        form,
                        address.as_ref(),
                        &payer,
                        &payer_tin,
                        &tin,
                    )),
                    None => String::new(),
                })
                .collect::<Vec<_>>()
                .join(",");
            text.push_str(&record);
            text.push_str("\r\n");
        }
        files.push(CsvFile {
            filename: format!("1099nec-{year}-{}.csv", n + 1),
            content: text.into_bytes(),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_matched_by_name_whatever_their_case_spaces_and_marks() {
        let named = columns("\u{feff}Form Type*,TAX YEAR,recipient_taxpayer id number *,Box 1 - Nonemployee Compensation*,Notes").unwrap();
        let fields: Vec<Option<Field>> = named.iter().map(|(_, f)| *f).collect();
        assert_eq!(
            fields,
            vec![
                Some(Field::FormType),
                Some(Field::TaxYear),
                Some(Field::RecipientTin),
                Some(Field::Box1),
                None
            ]
        );
        assert!(
            columns("Form Type*,2nd TIN Notice*").is_ok(),
            "known, left empty"
        );
        match columns("Form Type*,Office Code*") {
            Err(ApiError::BadInput { field, message }) => {
                assert_eq!(field, "header");
                assert!(message.contains("\"Office Code*\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            split("a,\"b, c\",\"d \"\"e\"\"\""),
            vec!["a", "b, c", "d \"e\""]
        );
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(amount(200_000), "2000.00");
        assert_eq!(amount(5), "0.05");
    }
}

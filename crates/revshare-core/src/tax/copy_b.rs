//! Copy B of a 1099-NEC, for the recipient, as a substitute statement
//! (IRS Publication 1179): what the official form says, in the order it
//! says it — the form's name and year, "CORRECTED" when it is, the OMB
//! number, the payer whole (its name, address, phone and TIN), the
//! recipient (its TIN masked: `***-**-6789`, `**-***6789`), the account
//! number (the payee's key), Box 1 and Box 4, and the recipient's
//! instructions in short. `GET /tax/{formId}.pdf` answers it; the paper
//! file is every paper payee's Copy B, one to a page.

use super::settings::Payer;
use crate::error::ApiResult;
use crate::payouts::address::Address;
use crate::payouts::pdf::{self, Font, Line};
use crate::payouts::seal::DataKey;
use entity::enums::TinType;
use entity::tax_form;

/// `$2,000.00`.
pub fn dollars(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let cents = minor.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// A payer's TIN as the form prints it: `12-3456789`.
fn ein(digits: &str) -> String {
    match digits.len() {
        9 => format!("{}-{}", &digits[..2], &digits[2..]),
        _ => digits.to_owned(),
    }
}

/// The lines of one form's Copy B.
pub fn lines(key: &DataKey, form: &tax_form::Model) -> ApiResult<Vec<Line>> {
    let payer = Payer::decode(Some(&form.payer))?
        .ok_or_else(|| crate::error::ApiError::internal("a form's payer", &form.id))?;
    let payer_tin = payer.tin(key, &form.tenant_id)?;
    let recipient_tin = match (form.tin_type, &form.tin_last4) {
        (Some(kind), Some(last4)) => crate::payouts::tin::masked(kind, last4),
        (None, Some(last4)) => crate::payouts::tin::masked(TinType::Ssn, last4),
        _ => "(none given)".to_owned(),
    };
    let heading = |text: &str| Line::new(Font::Bold, 10, text);
    let text = |text: String| Line::new(Font::Regular, 10, text);
    let blank = || Line::new(Font::Regular, 6, "");
    let mut lines = Vec::new();
    if form.corrected {
        lines.push(Line::new(Font::Bold, 14, "CORRECTED"));
    }
    lines.push(Line::new(
        Font::Bold,
        16,
        format!("Form 1099-NEC  Nonemployee Compensation  {}", form.year),
    ));
    lines.push(Line::new(Font::Bold, 11, "Copy B For Recipient"));
    lines.push(text(
        "OMB No. 1545-0116    Department of the Treasury - Internal Revenue Service".into(),
    ));
    lines.push(text(format!("Calendar year {}", form.year)));
    lines.push(blank());
    lines.push(heading("PAYER'S name, street address, city or town, state or province, country, ZIP or foreign postal code, and telephone no."));
    lines.push(text(payer.legal_name.clone()));
    lines.extend(address_lines(&payer.address).into_iter().map(text));
    lines.push(text(format!("Telephone: {}", payer.phone)));
    lines.push(text(format!("PAYER'S TIN: {}", ein(&payer_tin))));
    lines.push(blank());
    lines.push(heading("RECIPIENT"));
    lines.push(text(format!("RECIPIENT'S TIN: {recipient_tin}")));
    lines.push(text(format!("RECIPIENT'S name: {}", form.name)));
    if let Some(business) = &form.business_name {
        lines.push(text(business.clone()));
    }
    if let Some(address) = super::forms::address_of(form)? {
        lines.extend(address_lines(&address).into_iter().map(text));
    }
    lines.push(text(format!(
        "Account number (see instructions): {}",
        form.payee_key
    )));
    lines.push(blank());
    lines.push(heading(&format!(
        "1  Nonemployee compensation           {}",
        dollars(form.box1_minor)
    )));
    lines.push(text("2  Payer made direct sales totaling $5,000 or more of consumer products to recipient for resale: no".into()));
    lines.push(text("3  Excess golden parachute payments: none".into()));
    lines.push(heading(&format!(
        "4  Federal income tax withheld        {}",
        dollars(form.box4_minor)
    )));
    lines.push(text("5-7  State tax withheld, state/Payer's state no., state income: not reported by this payer".into()));
    lines.push(blank());
    lines.push(heading("Instructions for Recipient"));
    for paragraph in [
        "This is important tax information and is being furnished to the IRS. If you are required to file a return, a negligence penalty or other sanction may be imposed on you if this income is taxable and the IRS determines that it has not been reported.",
        "Recipient's taxpayer identification number (TIN). For your protection, this form may show only the last four digits of your TIN. However, the issuer has reported your complete TIN to the IRS.",
        "Account number. May show an account or other unique number the payer assigned to distinguish your account.",
        "Box 1. Shows nonemployee compensation. If you are not an employee, report it as self-employment income on Schedule C or F (Form 1040) and figure your self-employment tax on Schedule SE. If you believe you are an employee and cannot get the payer to correct this form, report the amount on Form 1040, line 8, and complete Form 8919.",
        "Box 4. Shows backup withholding. A payer must backup withhold on certain payments if you did not give your TIN to the payer. See Form W-9. Include this amount on your income tax return as tax withheld.",
        "If this form is incorrect or has been issued in error, contact the payer. Future developments: go to www.irs.gov/Form1099NEC.",
    ] {
        lines.extend(
            wrap(paragraph, 100)
                .into_iter()
                .map(|l| Line::new(Font::Regular, 8, l)),
        );
    }
    // The payer's heading, a long name or address: broken, never cut at
    // the page's right edge.
    Ok(lines.into_iter().flat_map(Line::fitted).collect())
}

fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = vec![address.line1.clone()];
    lines.extend(address.line2.clone());
    lines.push(address.city_line());
    lines
}

/// `text` broken at spaces into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One form's Copy B as a PDF.
pub fn pdf(key: &DataKey, form: &tax_form::Model) -> ApiResult<Vec<u8>> {
    let title = format!("Form 1099-NEC {} Copy B", form.year);
    Ok(pdf::render(&title, &lines(key, form)?))
}

/// Several forms' Copy Bs, one to a page or more, for printing.
pub fn paper(key: &DataKey, year: i32, forms: &[tax_form::Model]) -> ApiResult<Vec<u8>> {
    let documents = forms
        .iter()
        .map(|form| lines(key, form))
        .collect::<ApiResult<Vec<_>>>()?;
    let title = format!("Forms 1099-NEC {year} Copy B, to print and post");
    Ok(pdf::render_documents(&title, &documents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_grouped_by_thousands() {
        assert_eq!(dollars(200_000), "$2,000.00");
        assert_eq!(dollars(199_999), "$1,999.99");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-1_00), "-$1.00");
    }
}

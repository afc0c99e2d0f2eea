//! An issued document as a PDF (`GET /invoices/{id}.pdf`): its title and
//! number, the dates, both parties with their addresses and VAT ids, one
//! line per campaign, the net, the rate, the VAT, the gross and every
//! mention in full — what `pdftotext` reads back, field by field — in
//! the language it was issued in ([`super::words`]).

use super::Party;
use super::issue::{decoded, lines_of, set_off_of};
use super::read::{Issued, title};
use super::words::{self, Words, fill};
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::languages::formats;
use crate::payouts::pdf::{self, Font, Line};

/// The PDF of an issued document, naming the invoice a credit note
/// corrects and its payout's statement.
pub fn pdf(issued: &Issued) -> ApiResult<Vec<u8>> {
    Ok(pdf::render(&title(&issued.row), &layout(issued)?))
}

fn layout(issued: &Issued) -> ApiResult<Vec<Line>> {
    let row = &issued.row;
    let corrects = issued.corrects.as_ref();
    let currency =
        Currency::parse(&row.currency).map_err(|e| ApiError::internal("invoice currency", e))?;
    let language = row.language.as_deref().unwrap_or(crate::languages::DEFAULT);
    let said = words::of(language);
    // Amounts and days as CLDR writes them in the document's language:
    // `1.234,56 €`, `6. März 2026`.
    let money = |minor: i64| formats::money(language, currency.from_minor(minor), &row.currency);
    let figure = |minor: i64| formats::figure(language, currency.from_minor(minor), &row.currency);
    let day = |date: chrono::NaiveDate| formats::day(language, date);
    let fact =
        |label: &str, value: String| Line::new(Font::Regular, 10, format!("{label:<17} {value}"));
    let supplier: Party = decoded("invoice supplier", &row.supplier)?;
    let customer: Party = decoded("invoice customer", &row.customer)?;
    let mentions: Vec<String> = decoded("invoice mentions", &row.mentions)?;
    let payment: Option<super::Payment> = row
        .payment
        .as_deref()
        .map(|text| decoded("invoice payment", text))
        .transpose()?;
    let mut lines = vec![
        Line::new(Font::Bold, 16, title(row)),
        Line::new(Font::Regular, 10, ""),
        fact(said.number, row.number.clone()),
        fact(said.issue_date, day(row.issue_date)),
        fact(
            said.supply_period,
            fill(
                said.period,
                &[("from", &day(row.supply_from)), ("to", &day(row.supply_to))],
            ),
        ),
    ];
    if row.kind == entity::enums::InvoiceKind::Invoice {
        lines.push(fact(said.due_date, day(row.issue_date)));
    }
    lines.push(fact(said.payout, row.payout_id.clone()));
    if let Some(statement) = &issued.statement {
        lines.push(fact(said.statement, statement.clone()));
    }
    if let Some(original) = corrects {
        lines.push(fact(
            said.corrects,
            fill(
                said.corrected,
                &[
                    ("number", &original.number),
                    ("day", &day(original.issue_date)),
                ],
            ),
        ));
    }
    lines.push(Line::new(Font::Regular, 10, ""));
    for (role, party) in [(said.supplier, &supplier), (said.customer, &customer)] {
        lines.push(Line::new(Font::Bold, 10, role));
        lines.extend(party_lines(party, said));
        lines.push(Line::new(Font::Regular, 10, ""));
    }
    let columns = pdf::fixed_columns(9);
    let amount_width = 18;
    let description_width = columns - amount_width - 2;
    let row_line = |description: &str, amount: &str| {
        let description: String = description.chars().take(description_width).collect();
        Line::new(
            Font::Fixed,
            9,
            format!("{description:<description_width$}  {amount:>amount_width$}"),
        )
    };
    lines.push(row_line(
        said.description,
        &format!("{} {}", said.amount, row.currency),
    ));
    lines.push(Line::new(Font::Fixed, 9, "-".repeat(columns)));
    let items = lines_of(row)?;
    let set_off = set_off_of(&items);
    for line in items.iter().filter(|l| !l.set_off) {
        lines.push(row_line(&line.description, &figure(line.amount_minor)));
    }
    lines.push(Line::new(Font::Fixed, 9, "-".repeat(columns)));
    lines.push(fact(said.net, money(row.net_minor)));
    lines.push(fact(
        said.vat_rate,
        match &row.vat_rate {
            Some(rate) => match rate.parse() {
                Ok(exact) => format!("{} %", formats::number(language, exact)),
                Err(_) => format!("{rate} %"),
            },
            None => said.no_rate.into(),
        },
    ));
    lines.push(fact(said.vat, money(row.vat_minor)));
    if let (Some(code), Some(minor), Some(rate), Some(day)) = (
        &row.tax_currency,
        row.tax_vat_minor,
        &row.tax_rate,
        row.tax_rate_day,
    ) {
        let national =
            Currency::parse(code).map_err(|e| ApiError::internal("invoice tax currency", e))?;
        lines.push(fact(
            &fill(said.vat_in, &[("code", code)]),
            formats::money(language, national.from_minor(minor), code),
        ));
        lines.push(fact(
            said.exchange_rate,
            fill(
                said.rate_of,
                &[
                    ("from", &row.currency),
                    ("rate", rate),
                    ("to", code),
                    ("day", &formats::day(language, day)),
                ],
            ),
        ));
    }
    lines.push(Line::new(
        Font::Bold,
        12,
        format!("{} {}", said.gross, money(row.gross_minor)),
    ));
    if set_off != 0 {
        // Outside the VAT base: set off against what is paid.
        lines.push(Line::new(Font::Regular, 10, ""));
        for line in items.iter().filter(|l| l.set_off) {
            lines.push(row_line(&line.description, &figure(line.amount_minor)));
        }
        lines.push(fact(said.set_off, money(set_off)));
        lines.push(Line::new(
            Font::Bold,
            12,
            format!("{} {}", said.paid, money(row.gross_minor + set_off)),
        ));
    }
    if let Some(payment) = &payment {
        lines.push(fact(said.paid_by, paid_by(payment, said)));
    }
    lines.push(Line::new(Font::Regular, 10, ""));
    for mention in mentions {
        lines.extend(Line::new(Font::Bold, 10, mention).fitted());
    }
    if let Some(set) = super::ubl::set_off_said(&items, &row.currency, currency, said) {
        lines.extend(Line::new(Font::Regular, 10, set).fitted());
    }
    if let Some(details) = &customer.legal_details {
        lines.push(Line::new(Font::Regular, 10, ""));
        for line in details.lines() {
            lines.extend(Line::new(Font::Regular, 8, line.to_owned()).fitted());
        }
    }
    Ok(lines)
}

/// How the payout was paid, as the XML's payment means says it.
fn paid_by(payment: &super::Payment, said: &Words) -> String {
    let means = match payment.code.as_str() {
        "58" => said.sepa_transfer,
        "30" => said.transfer,
        "68" => said.online,
        _ => said.other_means,
    };
    let mut text = means.to_owned();
    if let Some(account) = &payment.account {
        text.push_str(&fill(said.to_account, &[("account", account)]));
    }
    if let Some(bank) = &payment.bank {
        text.push_str(&format!(" ({bank})"));
    }
    text
}

fn party_lines(party: &Party, said: &Words) -> Vec<Line> {
    let mut lines = vec![Line::new(Font::Regular, 10, party.name.clone())];
    if let Some(address) = &party.address {
        lines.push(Line::new(Font::Regular, 10, address.line1.clone()));
        if let Some(line2) = &address.line2 {
            lines.push(Line::new(Font::Regular, 10, line2.clone()));
        }
        lines.push(Line::new(
            Font::Regular,
            10,
            format!("{}, {}", place(address), address.country),
        ));
    }
    if let Some(number) = &party.tax_number {
        lines.push(Line::new(
            Font::Regular,
            10,
            fill(said.tax_number, &[("number", number)]),
        ));
    }
    lines.push(Line::new(
        Font::Regular,
        10,
        match &party.vat_id {
            Some(id) => fill(said.vat_id, &[("id", id)]),
            None => said.no_vat_id.into(),
        },
    ));
    if let Some(contact) = &party.contact {
        let reach: Vec<&str> = [contact.name.as_str(), &contact.email, &contact.phone]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        lines.push(Line::new(
            Font::Regular,
            10,
            fill(said.contact, &[("who", &reach.join(", "))]),
        ));
    }
    lines
}

/// The town line of an address in its country's order: `New York, NY
/// 10001` in the US, Canada and Australia, `London SW1A 1AA` in the UK and
/// Ireland, `50667 Köln` elsewhere.
fn place(address: &crate::payouts::address::Address) -> String {
    let joined = |parts: &[&str], separator: &str| {
        parts
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(separator)
    };
    match address.country.as_str() {
        "US" | "CA" | "AU" => joined(
            &[&address.city, &joined(&[&address.state, &address.zip], " ")],
            ", ",
        ),
        "GB" | "IE" => joined(&[&address.city, &address.zip], " "),
        _ => joined(&[&address.zip, &address.city], " "),
    }
}

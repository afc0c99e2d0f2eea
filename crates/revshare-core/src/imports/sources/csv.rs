//! CSV files, for a platform revshare has no reader for: one section per
//! entity in one text, sections apart by a blank line, each opened by its
//! documented header (docs/importing.md) — columns in any order, unknown
//! ones ignored, RFC 4180 quoting:
//!
//! - `group_id,name,percentage,max_months,flat_amount`
//! - `partner_id,name,email,status,group_id,codes,coupons` (codes and
//!   coupons separated by spaces; status `active`, `suspended`, `archived`)
//! - `customer_id,partner_id,stripe_customer_id,email,converted_at`
//! - `commission_id,partner_id,customer_id,amount,currency,sale_amount,status,earned_at,due_at,paid_at,voided_at`
//!   (amounts as decimals in the currency — `30.00`; status `pending`,
//!   `due`, `paid`, `voided`; times RFC 3339 or `YYYY-MM-DD`), and
//!   optionally `sale_tax` (the sale's tax) and `invoice_id` (the billing
//!   system's invoice, charge or payment id of the sale)

use super::super::source::json;
use super::super::source::{Commission, Group, Page, PageError, Partner, Problem, Referral, Rows};
use super::currency_of;
use crate::ledger::imported::SourceState;
use entity::enums::{ImportPhase, PartnerStatus};
use serde_json::Value;
use std::collections::HashMap;

/// Rows per page: each page is one transaction.
const PAGE: usize = 500;

/// The sections of the text, by their first column.
pub struct Tables {
    sections: HashMap<&'static str, Vec<HashMap<String, String>>>,
}

/// What each section's header starts with, and its entity.
const SECTIONS: [(&str, &str); 4] = [
    ("group_id", "group"),
    ("partner_id", "partner"),
    ("customer_id", "customer"),
    ("commission_id", "commission"),
];

impl Tables {
    /// The sections of `text`; a section of no known header is refused
    /// naming its line.
    pub fn parse(text: &str) -> Result<Tables, String> {
        let mut sections: HashMap<&'static str, Vec<HashMap<String, String>>> = HashMap::new();
        let mut header: Option<(&'static str, Vec<String>)> = None;
        for (number, record) in records(text)?.into_iter() {
            if record.iter().all(|c| c.trim().is_empty()) {
                header = None;
                continue;
            }
            match &header {
                None => {
                    let first = record[0].trim().to_lowercase();
                    let Some((key, _)) = SECTIONS.iter().find(|(k, _)| *k == first) else {
                        return Err(format!(
                            "line {number} opens no known section: a header starts with group_id, partner_id, customer_id or commission_id"
                        ));
                    };
                    let columns = record.iter().map(|c| c.trim().to_lowercase()).collect();
                    header = Some((key, columns));
                    sections.entry(key).or_default();
                }
                Some((key, columns)) => {
                    let row = columns
                        .iter()
                        .cloned()
                        .zip(record.into_iter().map(|c| c.trim().to_owned()))
                        .collect();
                    sections.entry(key).or_default().push(row);
                }
            }
        }
        Ok(Tables { sections })
    }

    /// The page of `phase` at `cursor`; a date alone is that day's start
    /// in `zone`, the tenant's.
    pub fn page(
        &self,
        phase: ImportPhase,
        cursor: Option<&str>,
        zone: chrono_tz::Tz,
    ) -> Result<Page, PageError> {
        let key = match phase {
            ImportPhase::Groups => "group_id",
            ImportPhase::Partners => "partner_id",
            ImportPhase::Customers => "customer_id",
            ImportPhase::Commissions => "commission_id",
        };
        let rows = self
            .sections
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let from: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let slice = rows.iter().skip(from).take(PAGE);
        let next = (from + PAGE < rows.len()).then(|| (from + PAGE).to_string());
        let mut problems = Vec::new();
        let rows = match phase {
            ImportPhase::Groups => Rows::Groups(slice.map(group).collect::<Result<_, _>>()?),
            ImportPhase::Partners => Rows::Partners(slice.map(partner).collect::<Result<_, _>>()?),
            ImportPhase::Customers => Rows::Customers(
                slice
                    .filter_map(|r| referral(r, zone, &mut problems).transpose())
                    .collect::<Result<_, _>>()?,
            ),
            ImportPhase::Commissions => Rows::Commissions(
                slice
                    .filter_map(|r| commission(r, zone, &mut problems).transpose())
                    .collect::<Result<_, _>>()?,
            ),
        };
        let read = self.sections.get(key).map_or(0, Vec::len);
        Ok(Page {
            // Rows by position: a page is where it starts.
            fingerprint: (from < read).then_some(from as u64),
            total: Some(read as i64),
            rows,
            problems,
            next,
        })
    }
}

/// The records of a CSV text with their line numbers (RFC 4180: quoted
/// cells may hold commas, quotes doubled, and line breaks).
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let (mut quoted, mut line, mut start) = (false, 1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                out.push((start, std::mem::take(&mut record)));
                line += 1;
                start = line;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start} opens a quote it never closes"));
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        out.push((start, record));
    }
    Ok(out)
}

type Row = HashMap<String, String>;

fn get<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn unexpected(entity: &'static str, row: &Row, key: &str) -> PageError {
    PageError::Unexpected {
        entity,
        id: get(row, key).unwrap_or("without an id").to_owned(),
    }
}

fn time(row: &Row, column: &str, zone: chrono_tz::Tz) -> Option<chrono::DateTime<chrono::Utc>> {
    let value = Value::String(get(row, column)?.to_owned());
    json::time(&serde_json::json!({ "t": value }), "t", zone)
}

fn decimal(row: &Row, column: &str) -> Option<rust_decimal::Decimal> {
    crate::engine::parse_decimal(get(row, column)?).map(|d| d.normalize())
}

fn group(row: &Row) -> Result<Group, PageError> {
    let key = get(row, "group_id").ok_or_else(|| unexpected("group", row, "group_id"))?;
    Ok(Group {
        key: key.to_owned(),
        name: get(row, "name").unwrap_or(key).to_owned(),
        percentage: decimal(row, "percentage"),
        max_months: get(row, "max_months").and_then(|m| m.parse().ok()),
        flat: decimal(row, "flat_amount"),
        minimum: None,
        url: None,
        unpublished_terms: false,
    })
}

fn partner(row: &Row) -> Result<Partner, PageError> {
    let key = get(row, "partner_id").ok_or_else(|| unexpected("partner", row, "partner_id"))?;
    let words = |column| {
        get(row, column)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    Ok(Partner {
        key: key.to_owned(),
        name: get(row, "name").unwrap_or_default().to_owned(),
        email: get(row, "email").map(str::to_owned),
        status: match get(row, "status").map(str::to_lowercase).as_deref() {
            None | Some("active") => PartnerStatus::Active,
            Some("suspended") => PartnerStatus::Suspended,
            Some("archived") => PartnerStatus::Archived,
            Some(_) => return Err(unexpected("partner", row, "partner_id")),
        },
        group_key: get(row, "group_id").map(str::to_owned),
        codes: words("codes"),
        coupons: words("coupons"),
        paypal_email: None,
        bank: None,
        since: None,
        country: None,
        tags: Vec::new(),
        elsewhere: Vec::new(),
    })
}

fn referral(
    row: &Row,
    zone: chrono_tz::Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = get(row, "customer_id").ok_or_else(|| unexpected("customer", row, "customer_id"))?;
    let partner_key =
        get(row, "partner_id").ok_or_else(|| unexpected("customer", row, "customer_id"))?;
    let Some(customer) = get(row, "stripe_customer_id") else {
        problems.push(Problem::new(
            "customer",
            key,
            "has no Stripe customer: nothing it pays can be tied to its partner",
        ));
        return Ok(None);
    };
    Ok(Some(Referral {
        key: key.to_owned(),
        partner_key: partner_key.to_owned(),
        customer: Some(customer.to_owned()),
        email: get(row, "email").map(str::to_owned),
        at: time(row, "converted_at", zone)
            .ok_or_else(|| unexpected("customer", row, "customer_id"))?,
        code: None,
    }))
}

fn commission(
    row: &Row,
    zone: chrono_tz::Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Commission>, PageError> {
    let bad = || unexpected("commission", row, "commission_id");
    let key = get(row, "commission_id").ok_or_else(bad)?;
    let currency = get(row, "currency").and_then(currency_of).ok_or_else(bad)?;
    let minor = |column| {
        decimal(row, column).and_then(|amount| {
            // Exact in the currency's minor unit, or refused: no rounding here.
            (currency.round(amount) == amount)
                .then(|| currency.to_minor(amount).ok())
                .flatten()
        })
    };
    let amount_minor = minor("amount").ok_or_else(bad)?;
    let sale_minor = minor("sale_amount");
    let sale_tax_minor = minor("sale_tax");
    if let Some(problem) = super::any_negative(
        "commission",
        key,
        currency,
        &[
            ("amount", Some(amount_minor)),
            ("sale_amount", sale_minor),
            ("sale_tax", sale_tax_minor),
        ],
    ) {
        problems.push(problem);
        return Ok(None);
    }
    let earned_at = time(row, "earned_at", zone).ok_or_else(bad)?;
    let state = match get(row, "status").map(str::to_lowercase).as_deref() {
        Some("pending") => SourceState::Pending {
            due_at: time(row, "due_at", zone),
        },
        Some("due") => SourceState::Due,
        Some("paid") => SourceState::Paid {
            at: time(row, "paid_at", zone).ok_or_else(bad)?,
        },
        Some("voided") => SourceState::Voided {
            at: time(row, "voided_at", zone).unwrap_or(earned_at),
        },
        _ => return Err(bad()),
    };
    Ok(Some(Commission {
        key: key.to_owned(),
        partner_key: get(row, "partner_id").map(str::to_owned),
        customer: None,
        referral_key: get(row, "customer_id").map(str::to_owned),
        currency,
        amount_minor,
        sale_minor,
        sale_tax_minor,
        sale_reference: get(row, "invoice_id").map(str::to_owned),
        earned_at,
        state,
        paid_by: None,
    }))
}

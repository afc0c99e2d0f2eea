//! A sale's lines (SPEC §32): what an event carries of what was sold and to
//! whom, checked before anything is written; the facts the engine's
//! conditions read; and how each line earned, kept on the commission.
//!
//! Stored as JSON text: an event's `lines` as sent (amounts as decimal
//! strings), a commission's `lines` as [`Earned`] rows naming the event's
//! lines by id. An event sent without lines stores none: the engine reads
//! it as one line with no product, the whole amount, and its commission
//! explains that one line, [`WHOLE_LINE`].

use crate::error::{ApiError, ApiResult};
use revshare_engine::{Currency, Facts, FieldValue, Line};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Most lines one event carries.
pub const MAX_LINES: usize = 100;
/// Largest line or attribute metadata, as JSON text.
pub const MAX_FLAT_BYTES: usize = 2048;
/// Longest id, code or product of a line, in characters.
const MAX_TEXT: usize = 200;
/// The id of the one line of a sale sent without lines (the engine's
/// [`Line::whole`]), as its commission explains it.
pub const WHOLE_LINE: &str = "1";

/// One line of a sale, as sent and as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleLine {
    pub external_id: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_interval: Option<String>,
    pub quantity: u32,
    /// Net of the line's discounts, in the event's currency.
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// What an event says of its customer: kept on the customer, newest wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFacts {
    pub country: Option<String>,
    pub attributes: Option<serde_json::Value>,
}

/// How one line earned, kept on the commission (`Commission.lines`): the
/// line by its `externalId`, read whole on the event's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Earned {
    #[serde(deserialize_with = "line_id")]
    pub line: String,
    /// The matched rule's description, or its type.
    pub rule: String,
    /// The condition in words; none when no conditional rule matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Decimal>,
    /// The line's share of the commission, in minor units.
    pub amount_minor: i64,
}

/// A line as an [`Earned`] names it: its id, or (as the first commissions
/// of lines kept it) the whole line.
#[derive(Deserialize)]
#[serde(untagged)]
enum LineRef {
    Id(String),
    Line {
        #[serde(rename = "externalId")]
        external_id: String,
    },
}

fn line_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match LineRef::deserialize(d)? {
        LineRef::Id(id) => id,
        LineRef::Line { external_id } => external_id,
    })
}

fn bad(field: String, message: impl Into<String>) -> ApiError {
    ApiError::bad_input(field, message)
}

/// Checks an event's lines against its `amount` in `currency`: at most
/// [`MAX_LINES`], ids unique (a line sent without one is numbered by its
/// position, "1", "2", …, where it is read), none negative, each within
/// the currency's decimals, and their sum exactly the amount. Errors name
/// `{prefix}.lines[i].field`.
pub fn check(
    prefix: &str,
    lines: &[SaleLine],
    amount: Decimal,
    currency: Option<Currency>,
) -> ApiResult<()> {
    if lines.len() > MAX_LINES {
        return Err(bad(
            format!("{prefix}.lines"),
            format!("must hold at most {MAX_LINES} lines"),
        ));
    }
    let mut seen = HashSet::new();
    let mut sum = Decimal::ZERO;
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("{prefix}.lines[{i}].{field}");
        for (field, text) in [
            ("externalId", Some(&line.external_id)),
            ("productId", Some(&line.product_id)),
            ("priceId", line.price_id.as_ref()),
            ("couponCode", line.coupon_code.as_ref()),
        ] {
            if let Some(text) = text
                && (text.trim().is_empty() || text.chars().count() > MAX_TEXT)
            {
                return Err(bad(
                    at(field),
                    format!("must be 1 to {MAX_TEXT} characters"),
                ));
            }
        }
        if !seen.insert(line.external_id.clone()) {
            return Err(bad(at("externalId"), "repeats another line's externalId"));
        }
        if line.quantity == 0 {
            return Err(bad(at("quantity"), "must be at least 1"));
        }
        if line.amount.is_sign_negative() && !line.amount.is_zero() {
            return Err(bad(at("amount"), "must not be negative"));
        }
        if let Some(currency) = currency {
            currency
                .to_minor(line.amount)
                .map_err(|e| bad(at("amount"), e.to_string()))?;
        }
        if let Some(metadata) = &line.metadata {
            flat(&at("metadata"), metadata)?;
        }
        sum += line.amount;
    }
    if !lines.is_empty() && sum != amount {
        return Err(bad(
            format!("{prefix}.lines"),
            format!("sum to {sum}, not the amount {amount}"),
        ));
    }
    Ok(())
}

/// Checks a customer's country and attributes (`{prefix}.customer`).
pub fn check_customer(prefix: &str, customer: &CustomerFacts) -> ApiResult<()> {
    if let Some(country) = &customer.country
        && !revshare_engine::countries::is_country(country)
    {
        return Err(bad(
            format!("{prefix}.customer.country"),
            "must be an ISO 3166-1 alpha-2 code (DE, US, …)",
        ));
    }
    if let Some(attributes) = &customer.attributes {
        flat(&format!("{prefix}.customer.attributes"), attributes)?;
    }
    Ok(())
}

/// A flat JSON object of strings, numbers and booleans, at most
/// [`MAX_FLAT_BYTES`].
fn flat(field: &str, value: &serde_json::Value) -> ApiResult<()> {
    let Some(object) = value.as_object() else {
        return Err(bad(field.to_owned(), "must be a JSON object"));
    };
    if let Some((key, _)) = object
        .iter()
        .find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean()))
    {
        return Err(bad(
            field.to_owned(),
            format!("`{key}` must be a string, a number or a boolean"),
        ));
    }
    if value.to_string().len() > MAX_FLAT_BYTES {
        return Err(bad(
            field.to_owned(),
            format!("must be at most {MAX_FLAT_BYTES} bytes of JSON"),
        ));
    }
    Ok(())
}

/// A flat object's fields as conditions read them: a string as itself, a
/// number as a decimal (so `10.0` equals `"10"`), a boolean as
/// `true`/`false`; anything else (a nested value in an event's free
/// metadata) is left out.
pub fn fields(value: Option<&serde_json::Value>) -> BTreeMap<String, FieldValue> {
    let Some(object) = value.and_then(|v| v.as_object()) else {
        return BTreeMap::new();
    };
    object
        .iter()
        .filter_map(|(key, value)| {
            let field = match value {
                serde_json::Value::String(s) => FieldValue::Text(s.clone()),
                serde_json::Value::Number(n) => number(n),
                serde_json::Value::Bool(b) => FieldValue::Text(b.to_string()),
                _ => return None,
            };
            Some((key.clone(), field))
        })
        .collect()
}

/// A JSON number as a decimal, written plainly (`10.0`) or in exponent
/// form (`1e3`); one no decimal holds stays its text.
fn number(n: &serde_json::Number) -> FieldValue {
    let text = n.to_string();
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_or(FieldValue::Text(text), FieldValue::Number)
}

/// The engine's lines of a sale, their amounts in the campaign's currency:
/// a sale converted from another currency shares the converted `exact`
/// amount among its lines in proportion, as they sum to it.
pub fn engine_lines(lines: &[SaleLine], sent: Decimal, exact: Decimal) -> Vec<Line> {
    let converted = sent != exact && !sent.is_zero();
    lines
        .iter()
        .map(|line| Line {
            external_id: line.external_id.clone(),
            product: Some(line.product_id.clone()),
            price: line.price_id.clone(),
            interval: line.plan_interval.clone(),
            quantity: line.quantity,
            amount: match converted {
                true => line.amount * exact / sent,
                false => line.amount,
            },
            coupon: line.coupon_code.clone(),
            metadata: fields(line.metadata.as_ref()),
        })
        .collect()
}

/// The facts of a sale beside its lines, for the engine's conditions.
pub struct Sale<'a> {
    pub amount: Decimal,
    pub customer_month: u32,
    pub is_first: bool,
    pub customer: Option<&'a entity::customer::Model>,
    pub partner: &'a entity::partner::Model,
    /// The partner's categories, by id and name.
    pub categories: Vec<(String, String)>,
    pub metadata: Option<&'a serde_json::Value>,
}

impl Sale<'_> {
    /// The facts; a customer's stored attributes that do not read are an
    /// error, never none (a condition on them would be decided on nothing).
    pub fn facts(self) -> ApiResult<Facts> {
        let attributes: Option<serde_json::Value> = self
            .customer
            .and_then(|c| c.attributes.as_deref())
            .map(|a| ApiError::stored("customer attributes", a))
            .transpose()?;
        Ok(Facts {
            sale_amount: self.amount,
            is_first: self.is_first,
            customer_month: self.customer_month,
            customer_country: self.customer.and_then(|c| c.country.clone()),
            customer_attributes: fields(attributes.as_ref()),
            partner_country: self.partner.country.clone(),
            partner_tags: crate::directory::tags::decode(&self.partner.tags),
            partner_type: Some(self.partner.r#type.as_str().to_owned()),
            partner_categories: self.categories,
            metadata: fields(self.metadata),
        })
    }
}

/// `lines` as an event keeps them: each amount carries at least the
/// minor digits of `currency`, the currency they were sold in (`1200.00`
/// USD however it was sent or kept — a held sale's payload keeps amounts
/// normalized, `1200`).
pub fn in_minor_digits(lines: &[SaleLine], currency: Currency) -> Vec<SaleLine> {
    lines
        .iter()
        .map(|line| {
            let mut amount = line.amount;
            if amount.scale() < currency.minor_units() {
                amount.rescale(currency.minor_units());
            }
            SaleLine {
                amount,
                ..line.clone()
            }
        })
        .collect()
}

/// How each line earned, its shares cut to the commission's `amount_minor`
/// in the lines' order (a cap or a tier that cut the commission cuts the
/// last lines first). A sale sent without `lines` is its one line,
/// [`WHOLE_LINE`].
pub fn earned(
    rules: &revshare_engine::RuleSet,
    evaluation: &revshare_engine::Evaluation,
    lines: &[SaleLine],
    currency: Currency,
    amount_minor: i64,
) -> Vec<Earned> {
    let mut left = amount_minor;
    evaluation
        .lines
        .iter()
        .filter_map(|line| match lines.get(line.line) {
            Some(sent) => Some((line, sent.external_id.as_str())),
            None if lines.is_empty() => Some((line, WHOLE_LINE)),
            None => None,
        })
        .map(|(line, id)| {
            let entry = &rules.entries()[line.rule_index];
            let share = currency.to_minor(line.amount).unwrap_or(0).min(left.max(0));
            left -= share;
            Earned {
                line: id.to_owned(),
                rule: entry.description.clone().unwrap_or_else(|| {
                    serde_json::to_value(line.rule_type)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                }),
                condition: match (&entry.rule, line.conditional) {
                    (revshare_engine::Rule::Conditional { when, .. }, true) => {
                        Some(when.in_words())
                    }
                    _ => None,
                },
                percentage: line.percentage.map(|p| p.normalize()),
                amount_minor: share,
            }
        })
        .collect()
}

/// Why a sale earned nothing, line by line, when a conditional rule
/// decided one of its lines: each line with the rule that paid it, in
/// words (`Event.nothingReason`). `None` when no conditional rule matched.
pub fn nothing_in_words(
    rules: &revshare_engine::RuleSet,
    evaluation: &revshare_engine::Evaluation,
    lines: &[SaleLine],
    currency: &str,
) -> Option<String> {
    if !evaluation.lines.iter().any(|l| l.conditional) {
        return None;
    }
    let each: Vec<String> = evaluation
        .lines
        .iter()
        .map(|line| {
            let entry = &rules.entries()[line.rule_index];
            let which = match lines.get(line.line) {
                Some(sent) => format!("line {}", sent.external_id),
                None => "the sale".to_owned(),
            };
            let named = match &entry.description {
                Some(text) => format!("\"{text}\", "),
                None => String::new(),
            };
            let ended = if line.ended {
                ", whose months have passed"
            } else {
                ""
            };
            format!("{which}: {named}{}{ended}", entry.rule.in_words(currency))
        })
        .collect();
    Some(format!("no line earned: {}", each.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_read_as_a_decimal_and_a_string_as_text() {
        let metadata: serde_json::Value = serde_json::from_str(
            r#"{ "seats": 10.0, "big": 1e21, "code": "10.0", "on": true, "nested": { "a": 1 } }"#,
        )
        .unwrap();
        let read = fields(Some(&metadata));
        assert_eq!(read["seats"], FieldValue::Number(Decimal::new(10, 0)));
        assert_eq!(
            read["big"],
            FieldValue::Number(Decimal::from_scientific("1e21").unwrap())
        );
        assert_eq!(read["code"], FieldValue::Text("10.0".into()));
        assert_eq!(read["on"], FieldValue::Text("true".into()));
        assert!(!read.contains_key("nested"));
    }

    #[test]
    fn a_line_is_kept_by_its_id_and_read_either_way() {
        let earned = Earned {
            line: "yearly".into(),
            rule: "Yearly plans".into(),
            condition: Some("the plan's interval is YEAR".into()),
            percentage: Some(Decimal::new(40, 0)),
            amount_minor: 48000,
        };
        let kept = serde_json::to_string(&earned).unwrap();
        assert_eq!(
            kept,
            r#"{"line":"yearly","rule":"Yearly plans","condition":"the plan's interval is YEAR","percentage":"40","amountMinor":48000}"#
        );
        assert_eq!(serde_json::from_str::<Earned>(&kept).unwrap(), earned);
        // The first commissions of lines kept the whole line.
        let whole = r#"{"line":{"externalId":"yearly","productId":"prod_pro","planInterval":"YEAR",
            "quantity":1,"amount":"1200.00"},"rule":"Yearly plans",
            "condition":"the plan's interval is YEAR","percentage":"40","amountMinor":48000}"#;
        assert_eq!(serde_json::from_str::<Earned>(whole).unwrap(), earned);
    }
}

//! Conditional rewards (SPEC §32): the conditions a rule tests on a sale's
//! line, the sale, its customer, its partner and the event's metadata, the
//! reward a matching rule sets, their bounds and their words.
//!
//! A condition is checked once, when its rule set is built
//! ([`Condition::check`]); a test on a value that is missing or not a number
//! where a number is wanted is false, never an error, and a missing subject
//! makes every operator false but `NOT_EXISTS` — `NE` and `NOT_IN` included.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Deepest nesting of `all`/`any`/`not` around a test (a test alone: 1).
pub const MAX_DEPTH: usize = 4;
/// Most tests in one rule's condition.
pub const MAX_TESTS: usize = 50;
/// Most `values` of one test.
pub const MAX_VALUES: usize = 100;
/// Longest string of a test (`key`, `value`, each of `values`).
pub const MAX_CHARS: usize = 200;

/// What a test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Subject {
    LineProduct,
    LinePrice,
    LineInterval,
    LineAmount,
    LineQuantity,
    LineCoupon,
    LineMetadata,
    SaleAmount,
    SaleIsFirst,
    CustomerMonth,
    CustomerCountry,
    CustomerAttribute,
    PartnerCountry,
    PartnerTag,
    PartnerType,
    PartnerCategory,
    EventMetadata,
}

impl Subject {
    /// Whether the subject names a field by `key` (the metadata and the
    /// customer's attributes).
    pub fn keyed(self) -> bool {
        matches!(
            self,
            Subject::LineMetadata | Subject::CustomerAttribute | Subject::EventMetadata
        )
    }

    fn in_words(self, key: Option<&str>) -> String {
        let key = key.unwrap_or_default();
        match self {
            Subject::LineProduct => "the product".into(),
            Subject::LinePrice => "the price".into(),
            Subject::LineInterval => "the plan's interval".into(),
            Subject::LineAmount => "the line's amount".into(),
            Subject::LineQuantity => "the quantity".into(),
            Subject::LineCoupon => "the line's coupon".into(),
            Subject::LineMetadata => format!("the line's {key}"),
            Subject::SaleAmount => "the sale's amount".into(),
            Subject::SaleIsFirst => "the customer's first sale".into(),
            Subject::CustomerMonth => "the customer month".into(),
            Subject::CustomerCountry => "the customer's country".into(),
            Subject::CustomerAttribute => format!("the customer's {key}"),
            Subject::PartnerCountry => "the partner's country".into(),
            Subject::PartnerTag => "a tag of the partner".into(),
            Subject::PartnerType => "the partner's type".into(),
            Subject::PartnerCategory => "a category of the partner".into(),
            Subject::EventMetadata => format!("the sale's {key}"),
        }
    }
}

/// How a test compares its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operator {
    Eq,
    Ne,
    In,
    NotIn,
    Gt,
    Gte,
    Lt,
    Lte,
    StartsWith,
    EndsWith,
    Contains,
    Exists,
    NotExists,
}

/// What an operator takes: `value`, `values` or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    One,
    Many,
    Neither,
}

impl Operator {
    fn operand(self) -> Operand {
        match self {
            Operator::In | Operator::NotIn => Operand::Many,
            Operator::Exists | Operator::NotExists => Operand::Neither,
            _ => Operand::One,
        }
    }
}

/// One test of a subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub operator: Operator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A condition: tests combined with `all`, `any` and `not`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

/// Why a condition or a reward is refused: the path of the field within
/// the rule (`when.all[1].test.value`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub field: String,
    pub message: String,
}

fn refused(field: impl Into<String>, message: impl Into<String>) -> ConditionError {
    ConditionError {
        field: field.into(),
        message: message.into(),
    }
}

impl Condition {
    /// Checks the bounds of §32 at `path` (`when`): depth, tests, values,
    /// strings, and the operands each subject and operator needs.
    pub fn check(&self, path: &str) -> Result<(), ConditionError> {
        let mut tests = 0;
        self.check_at(path, 1, &mut tests)
    }

    fn check_at(&self, path: &str, depth: usize, tests: &mut usize) -> Result<(), ConditionError> {
        if depth > MAX_DEPTH {
            return Err(refused(
                path,
                format!("nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let (name, parts) = match self {
            Condition::All(parts) => ("all", parts),
            Condition::Any(parts) => ("any", parts),
            Condition::Not(inner) => {
                return inner.check_at(&format!("{path}.not"), depth + 1, tests);
            }
            Condition::Test(test) => {
                *tests += 1;
                if *tests > MAX_TESTS {
                    return Err(refused(
                        format!("{path}.test"),
                        format!("a rule has at most {MAX_TESTS} tests"),
                    ));
                }
                return test.check(&format!("{path}.test"));
            }
        };
        if parts.is_empty() {
            return Err(refused(format!("{path}.{name}"), "must not be empty"));
        }
        for (i, part) in parts.iter().enumerate() {
            part.check_at(&format!("{path}.{name}[{i}]"), depth + 1, tests)?;
        }
        Ok(())
    }

    /// Whether the condition holds of `line` of a sale with `facts`.
    pub fn holds(&self, facts: &Facts, line: &Line) -> bool {
        match self {
            Condition::All(parts) => parts.iter().all(|part| part.holds(facts, line)),
            Condition::Any(parts) => parts.iter().any(|part| part.holds(facts, line)),
            Condition::Not(inner) => !inner.holds(facts, line),
            Condition::Test(test) => test.holds(facts, line),
        }
    }

    /// The condition in words: "the plan's interval is YEAR and the
    /// product is not one of prod_hw".
    pub fn in_words(&self) -> String {
        match self {
            Condition::All(parts) => joined(parts, " and "),
            Condition::Any(parts) => joined(parts, " or "),
            Condition::Not(inner) => format!("not ({})", inner.in_words()),
            Condition::Test(test) => test.in_words(),
        }
    }
}

fn joined(parts: &[Condition], with: &str) -> String {
    let words: Vec<String> = parts
        .iter()
        .map(|part| match part {
            Condition::All(more) | Condition::Any(more) if more.len() > 1 => {
                format!("({})", part.in_words())
            }
            _ => part.in_words(),
        })
        .collect();
    words.join(with)
}

impl Test {
    fn check(&self, path: &str) -> Result<(), ConditionError> {
        let too_long = |s: &str| s.chars().count() > MAX_CHARS;
        match (&self.key, self.subject.keyed()) {
            (None, true) => {
                return Err(refused(
                    format!("{path}.key"),
                    "is required for this subject",
                ));
            }
            (Some(_), false) => {
                return Err(refused(
                    format!("{path}.key"),
                    "is only for the metadata and attribute subjects",
                ));
            }
            (Some(key), true) if key.is_empty() || too_long(key) => {
                return Err(refused(
                    format!("{path}.key"),
                    format!("must be 1 to {MAX_CHARS} characters"),
                ));
            }
            _ => {}
        }
        let field = |name: &str| format!("{path}.{name}");
        match (self.operator.operand(), &self.value, &self.values) {
            (_, Some(_), Some(_)) => {
                Err(refused(field("values"), "give value or values, not both"))
            }
            (Operand::One, None, None) => {
                Err(refused(field("value"), "is required for this operator"))
            }
            (Operand::One | Operand::Neither, None, Some(_)) => {
                Err(refused(field("values"), "only IN and NOT_IN take values"))
            }
            (Operand::Many, Some(_), None) => {
                Err(refused(field("value"), "IN and NOT_IN take values"))
            }
            (Operand::Many, None, None) => {
                Err(refused(field("values"), "is required for IN and NOT_IN"))
            }
            (Operand::Neither, Some(_), None) => Err(refused(
                field("value"),
                "EXISTS and NOT_EXISTS take no value",
            )),
            (_, Some(value), None) if too_long(value) => Err(refused(
                field("value"),
                format!("must be at most {MAX_CHARS} characters"),
            )),
            (_, None, Some(values)) if values.is_empty() || values.len() > MAX_VALUES => {
                Err(refused(
                    field("values"),
                    format!("must hold 1 to {MAX_VALUES} values"),
                ))
            }
            (_, None, Some(values)) => match values.iter().position(|v| too_long(v)) {
                Some(i) => Err(refused(
                    format!("{path}.values[{i}]"),
                    format!("must be at most {MAX_CHARS} characters"),
                )),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn holds(&self, facts: &Facts, line: &Line) -> bool {
        let key = self.key.as_deref().unwrap_or_default();
        let found: Found = match self.subject {
            Subject::LineProduct => line.product.as_deref().into(),
            Subject::LinePrice => line.price.as_deref().into(),
            Subject::LineInterval => line.interval.as_deref().into(),
            Subject::LineAmount => Found::Number(line.amount),
            Subject::LineQuantity => Found::Number(Decimal::from(line.quantity)),
            Subject::LineCoupon => line.coupon.as_deref().into(),
            Subject::LineMetadata => line.metadata.get(key).into(),
            Subject::SaleAmount => Found::Number(facts.sale_amount),
            Subject::SaleIsFirst => Found::One(if facts.is_first { "true" } else { "false" }),
            Subject::CustomerMonth => Found::Number(Decimal::from(facts.customer_month)),
            Subject::CustomerCountry => facts.customer_country.as_deref().into(),
            Subject::CustomerAttribute => facts.customer_attributes.get(key).into(),
            Subject::PartnerCountry => facts.partner_country.as_deref().into(),
            Subject::PartnerTag => {
                Found::Many(facts.partner_tags.iter().map(String::as_str).collect())
            }
            Subject::PartnerType => facts.partner_type.as_deref().into(),
            Subject::PartnerCategory => Found::Many(
                facts
                    .partner_categories
                    .iter()
                    .flat_map(|(id, name)| [id.as_str(), name.as_str()])
                    .collect(),
            ),
            Subject::EventMetadata => facts.metadata.get(key).into(),
        };
        let values: Vec<&str> = match (&self.value, &self.values) {
            (Some(value), _) => vec![value.as_str()],
            (None, Some(values)) => values.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        };
        found.satisfies(self.operator, &values)
    }

    fn in_words(&self) -> String {
        let subject = self.subject.in_words(self.key.as_deref());
        let value = self.value.as_deref().unwrap_or_default();
        let values = self.values.as_deref().unwrap_or_default().join(", ");
        match self.operator {
            Operator::Eq => format!("{subject} is {value}"),
            Operator::Ne => format!("{subject} is not {value}"),
            Operator::In => format!("{subject} is one of {values}"),
            Operator::NotIn => format!("{subject} is none of {values}"),
            Operator::Gt => format!("{subject} is over {value}"),
            Operator::Gte => format!("{subject} is at least {value}"),
            Operator::Lt => format!("{subject} is under {value}"),
            Operator::Lte => format!("{subject} is at most {value}"),
            Operator::StartsWith => format!("{subject} starts with {value}"),
            Operator::EndsWith => format!("{subject} ends with {value}"),
            Operator::Contains => format!("{subject} contains {value}"),
            Operator::Exists => format!("{subject} is given"),
            Operator::NotExists => format!("{subject} is not given"),
        }
    }
}

/// A subject's value on one line: missing, one string, a number, or the
/// several a partner has (tags, categories by id and name).
enum Found<'a> {
    Missing,
    One(&'a str),
    Number(Decimal),
    Many(Vec<&'a str>),
}

impl<'a> From<Option<&'a str>> for Found<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(Found::Missing, Found::One)
    }
}

impl<'a> From<Option<&'a FieldValue>> for Found<'a> {
    fn from(value: Option<&'a FieldValue>) -> Self {
        match value {
            None => Found::Missing,
            Some(FieldValue::Text(text)) => Found::One(text.as_str()),
            Some(FieldValue::Number(number)) => Found::Number(*number),
        }
    }
}

impl Found<'_> {
    fn satisfies(&self, operator: Operator, values: &[&str]) -> bool {
        let texts: Vec<String> = match self {
            Found::Missing => return operator == Operator::NotExists,
            Found::Many(many) if many.is_empty() => return operator == Operator::NotExists,
            Found::One(one) => vec![(*one).to_owned()],
            Found::Number(n) => vec![n.normalize().to_string()],
            Found::Many(many) => many.iter().map(|s| (*s).to_owned()).collect(),
        };
        let number = |s: &str| Decimal::from_str(s.trim()).ok();
        let compare = |text: &str, wanted: &str| -> Option<std::cmp::Ordering> {
            let mine = match self {
                Found::Number(n) => Some(*n),
                _ => number(text),
            };
            Some(mine?.cmp(&number(wanted)?))
        };
        let equal = |text: &str, wanted: &str| match self {
            Found::Number(n) => number(wanted) == Some(*n),
            _ => text == wanted,
        };
        let any = |test: &dyn Fn(&str) -> bool| texts.iter().any(|t| test(t));
        let wanted = values.first().copied().unwrap_or_default();
        use std::cmp::Ordering::{Equal, Greater, Less};
        match operator {
            Operator::Exists => true,
            Operator::NotExists => false,
            Operator::Eq => any(&|t| equal(t, wanted)),
            Operator::Ne => !any(&|t| equal(t, wanted)),
            Operator::In => any(&|t| values.iter().any(|v| equal(t, v))),
            Operator::NotIn => !any(&|t| values.iter().any(|v| equal(t, v))),
            Operator::Gt => any(&|t| compare(t, wanted) == Some(Greater)),
            Operator::Gte => any(&|t| matches!(compare(t, wanted), Some(Greater | Equal))),
            Operator::Lt => any(&|t| compare(t, wanted) == Some(Less)),
            Operator::Lte => any(&|t| matches!(compare(t, wanted), Some(Less | Equal))),
            Operator::StartsWith => any(&|t| t.starts_with(wanted)),
            Operator::EndsWith => any(&|t| t.ends_with(wanted)),
            Operator::Contains => any(&|t| t.contains(wanted)),
        }
    }
}

/// What a matching rule sets a line's base to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A percentage of the line's amount.
    Percentage(Decimal),
    /// A flat amount, × the quantity `per_unit`.
    Amount { amount: Decimal, per_unit: bool },
    /// Nothing.
    Nothing,
}

/// A conditional rule's reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reward {
    pub outcome: Outcome,
    /// After this customer month, a matched line earns nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_months: Option<u32>,
    /// The LTV and customer-count upgrades add to a matched percentage.
    #[serde(default = "yes")]
    pub keep_upgrades: bool,
}

fn yes() -> bool {
    true
}

impl Reward {
    /// Checks the reward's values at `path` (`then`).
    pub fn check(&self, path: &str) -> Result<(), ConditionError> {
        match &self.outcome {
            Outcome::Percentage(p) if *p < Decimal::ZERO || *p > Decimal::ONE_HUNDRED => Err(
                refused(format!("{path}.percentage"), "must be between 0 and 100"),
            ),
            Outcome::Amount { amount, .. }
                if *amount <= Decimal::ZERO || *amount > crate::money::MAX_AMOUNT =>
            {
                Err(refused(
                    format!("{path}.amount"),
                    "must be greater than 0 and at most 1000000000000",
                ))
            }
            _ if self.max_months == Some(0) => {
                Err(refused(format!("{path}.maxMonths"), "must be at least 1"))
            }
            _ => Ok(()),
        }
    }

    /// The reward in words, amounts in `currency` (none: bare): "40 % for
    /// the first 12 months".
    pub fn in_words(&self, currency: &str) -> String {
        let money = |amount: &Decimal| match currency {
            "" => amount.normalize().to_string(),
            code => format!("{} {code}", amount.normalize()),
        };
        let base = match &self.outcome {
            Outcome::Percentage(p) => format!("{} %", p.normalize()),
            Outcome::Amount {
                amount,
                per_unit: true,
            } => format!("{} per unit", money(amount)),
            Outcome::Amount { amount, .. } => money(amount),
            Outcome::Nothing => return "nothing".into(),
        };
        match self.max_months {
            Some(1) => format!("{base} in the first month"),
            Some(n) => format!("{base} for the first {n} months"),
            None => base,
        }
    }
}

/// One field of flat metadata or attributes, as a condition reads it: a
/// number sent as a number compares as a decimal (`10.0` equals `"10"`,
/// under `EQ` and `IN` as under `GT`); anything else is text (a boolean
/// as `true`/`false`), compared exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    Number(Decimal),
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        FieldValue::Text(text.to_owned())
    }
}

/// What a condition reads of a sale beside its line. Metadata and
/// attributes are flat: each field a [`FieldValue`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub sale_amount: Decimal,
    /// The customer's first paid event.
    pub is_first: bool,
    /// §5's customer month.
    pub customer_month: u32,
    pub customer_country: Option<String>,
    pub customer_attributes: BTreeMap<String, FieldValue>,
    pub partner_country: Option<String>,
    pub partner_tags: Vec<String>,
    /// `AFFILIATE`, `RESELLER`, …
    pub partner_type: Option<String>,
    /// Each category's id and name.
    pub partner_categories: Vec<(String, String)>,
    pub metadata: BTreeMap<String, FieldValue>,
}

/// One line of a sale, as a condition reads it. An event without lines is
/// one line with no product: the whole amount.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub external_id: String,
    pub product: Option<String>,
    pub price: Option<String>,
    /// `DAY`, `WEEK`, `MONTH`, `YEAR`, `ONE_TIME`.
    pub interval: Option<String>,
    pub quantity: u32,
    /// Net of the line's discounts, ≥ 0.
    pub amount: Decimal,
    pub coupon: Option<String>,
    pub metadata: BTreeMap<String, FieldValue>,
}

impl Line {
    /// The one line of an event that gave none: the whole `amount`.
    pub fn whole(amount: Decimal) -> Line {
        Line {
            external_id: "1".into(),
            quantity: 1,
            amount,
            ..Line::default()
        }
    }
}

#[cfg(test)]
#[path = "conditions_tests.rs"]
mod tests;

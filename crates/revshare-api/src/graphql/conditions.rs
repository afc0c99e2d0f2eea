//! Conditional rules in GraphQL (SPEC §32): the `@oneOf` input
//! `ConditionInput` and its tests, the reward, and the same shapes out
//! (`ConditionalRule.when`, `.then`) with the rule in words.

use super::enums::RuleType;
use super::scalars::Decimal;
use async_graphql::{Enum, InputObject, InputType, Json, OneofObject, SimpleObject};
use revshare_engine::conditions::{self as engine, MAX_DEPTH, Outcome};
use revshare_engine::{Reward as EngineReward, RuleError};

/// What a test reads: the line, the sale, the customer, the partner or
/// the event's metadata.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::conditions::Subject")]
pub enum ConditionSubject {
    /// The line's product id.
    LineProduct,
    /// The line's price id.
    LinePrice,
    /// The line's plan interval: DAY, WEEK, MONTH, YEAR or ONE_TIME.
    LineInterval,
    /// The line's amount, net of its discounts.
    LineAmount,
    /// The line's quantity.
    LineQuantity,
    /// The line's coupon or promotion code.
    LineCoupon,
    /// A field of the line's metadata, named by `key`.
    LineMetadata,
    /// The sale's amount.
    SaleAmount,
    /// "true" on the customer's first paid event, "false" after.
    SaleIsFirst,
    /// The customer month: 1 in the month the customer was acquired.
    CustomerMonth,
    /// The customer's country (ISO 3166-1 alpha-2).
    CustomerCountry,
    /// A customer attribute, named by `key`.
    CustomerAttribute,
    /// The partner's country.
    PartnerCountry,
    /// A tag of the partner.
    PartnerTag,
    /// The partner's type.
    PartnerType,
    /// A category of the partner, by id or name.
    PartnerCategory,
    /// A field of the event's metadata, named by `key`.
    EventMetadata,
}

/// How a test compares its subject: numbers as decimals, strings exactly.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::conditions::Operator")]
pub enum ConditionOperator {
    /// Equal to `value`.
    Eq,
    /// Given, and not equal to `value`.
    Ne,
    /// One of `values`.
    In,
    /// Given, and none of `values`.
    NotIn,
    /// Greater than `value`.
    Gt,
    /// At least `value`.
    Gte,
    /// Less than `value`.
    Lt,
    /// At most `value`.
    Lte,
    /// Starts with `value`.
    StartsWith,
    /// Ends with `value`.
    EndsWith,
    /// Contains `value`.
    Contains,
    /// Given.
    Exists,
    /// Not given.
    NotExists,
}

/// One test of a subject. `IN` and `NOT_IN` take `values`, `EXISTS` and
/// `NOT_EXISTS` neither, the others `value`; a missing subject makes every
/// operator false but `NOT_EXISTS`.
#[derive(InputObject)]
pub struct ConditionTestInput {
    /// What it reads.
    pub subject: ConditionSubject,
    /// The field of the metadata and attribute subjects (only those).
    pub key: Option<String>,
    /// How it compares.
    pub operator: ConditionOperator,
    /// The value compared with (at most 200 characters).
    pub value: Option<String>,
    /// The values of `IN` and `NOT_IN` (at most 100).
    pub values: Option<Vec<String>>,
}

/// A condition: set exactly one field. At most 4 levels deep and 50 tests.
#[derive(OneofObject)]
pub enum ConditionInput {
    /// Every one holds.
    All(Vec<ConditionInput>),
    /// At least one holds.
    Any(Vec<ConditionInput>),
    /// It does not hold.
    Not(Box<ConditionInput>),
    /// One test.
    Test(ConditionTestInput),
}

impl ConditionInput {
    /// The engine's condition; nesting beyond the bound is refused before
    /// it is followed, naming where.
    pub fn into_condition(self, path: &str, depth: usize) -> Result<engine::Condition, RuleError> {
        if depth > MAX_DEPTH {
            return Err(error(path, format!("nests deeper than {MAX_DEPTH} levels")));
        }
        let many = |parts: Vec<ConditionInput>, name: &str| {
            parts
                .into_iter()
                .enumerate()
                .map(|(i, part)| part.into_condition(&format!("{path}.{name}[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match self {
            ConditionInput::All(parts) => engine::Condition::All(many(parts, "all")?),
            ConditionInput::Any(parts) => engine::Condition::Any(many(parts, "any")?),
            ConditionInput::Not(inner) => engine::Condition::Not(Box::new(
                inner.into_condition(&format!("{path}.not"), depth + 1)?,
            )),
            ConditionInput::Test(test) => engine::Condition::Test(engine::Test {
                subject: test.subject.into(),
                key: test.key,
                operator: test.operator.into(),
                value: test.value,
                values: test.values,
            }),
        })
    }
}

fn error(field: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        index: None,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// What a matching rule pays a line: exactly one of `percentage`,
/// `amount` and `nothing: true`.
#[derive(InputObject)]
pub struct RewardInput {
    /// Of the line's amount, 0 to 100.
    pub percentage: Option<Decimal>,
    /// A flat amount, in the campaign's currency …
    pub amount: Option<Decimal>,
    /// … times the line's quantity.
    #[graphql(default)]
    pub per_unit: bool,
    /// After this customer month, a matched line earns nothing.
    pub max_months: Option<i32>,
    /// The line earns nothing.
    pub nothing: Option<bool>,
    /// The LTV and customer-count upgrades add to a matched percentage.
    #[graphql(default = true)]
    pub keep_upgrades: bool,
}

impl RewardInput {
    pub fn into_reward(self) -> Result<EngineReward, RuleError> {
        let parse = |field: &str, value: Decimal| {
            value
                .parsed()
                .map_err(|message| error(&format!("then.{field}"), message))
        };
        let outcome = match (self.percentage, self.amount, self.nothing == Some(true)) {
            (Some(p), None, false) => Outcome::Percentage(parse("percentage", p)?),
            (None, Some(a), false) => Outcome::Amount {
                amount: parse("amount", a)?,
                per_unit: self.per_unit,
            },
            (None, None, true) => Outcome::Nothing,
            _ => {
                return Err(error(
                    "then",
                    "give exactly one of percentage, amount and nothing: true",
                ));
            }
        };
        if self.per_unit && !matches!(outcome, Outcome::Amount { .. }) {
            return Err(error("then.perUnit", "is only for an amount"));
        }
        let max_months = self
            .max_months
            .map(|m| u32::try_from(m).ok().filter(|m| *m >= 1))
            .map(|m| m.ok_or_else(|| error("then.maxMonths", "must be at least 1")))
            .transpose()?;
        Ok(EngineReward {
            outcome,
            max_months,
            keep_upgrades: self.keep_upgrades,
        })
    }
}

/// One test, as written.
#[derive(SimpleObject)]
pub struct ConditionTest {
    /// What it reads.
    pub subject: ConditionSubject,
    /// The field of the metadata and attribute subjects.
    pub key: Option<String>,
    /// How it compares.
    pub operator: ConditionOperator,
    /// The value compared with.
    pub value: Option<String>,
    /// The values of `IN` and `NOT_IN`.
    pub values: Option<Vec<String>>,
}

/// A condition, as written: exactly one field is set.
#[derive(SimpleObject)]
pub struct Condition {
    /// Every one holds.
    pub all: Option<Vec<Condition>>,
    /// At least one holds.
    pub any: Option<Vec<Condition>>,
    /// It does not hold.
    pub not: Option<Box<Condition>>,
    /// One test.
    pub test: Option<ConditionTest>,
}

impl From<&engine::Condition> for Condition {
    fn from(condition: &engine::Condition) -> Self {
        let none = Condition {
            all: None,
            any: None,
            not: None,
            test: None,
        };
        match condition {
            engine::Condition::All(parts) => Condition {
                all: Some(parts.iter().map(Condition::from).collect()),
                ..none
            },
            engine::Condition::Any(parts) => Condition {
                any: Some(parts.iter().map(Condition::from).collect()),
                ..none
            },
            engine::Condition::Not(inner) => Condition {
                not: Some(Box::new(Condition::from(&**inner))),
                ..none
            },
            engine::Condition::Test(test) => Condition {
                test: Some(ConditionTest {
                    subject: test.subject.into(),
                    key: test.key.clone(),
                    operator: test.operator.into(),
                    value: test.value.clone(),
                    values: test.values.clone(),
                }),
                ..none
            },
        }
    }
}

/// What a matching rule pays a line.
#[derive(SimpleObject)]
pub struct Reward {
    /// Of the line's amount.
    pub percentage: Option<Decimal>,
    /// A flat amount …
    pub amount: Option<Decimal>,
    /// … times the line's quantity.
    pub per_unit: bool,
    /// After this customer month, a matched line earns nothing.
    pub max_months: Option<u32>,
    /// The line earns nothing.
    pub nothing: bool,
    /// The LTV and customer-count upgrades add to a matched percentage.
    pub keep_upgrades: bool,
}

impl From<&EngineReward> for Reward {
    fn from(reward: &EngineReward) -> Self {
        let (percentage, amount, per_unit) = match &reward.outcome {
            Outcome::Percentage(p) => (Some((*p).into()), None, false),
            Outcome::Amount { amount, per_unit } => (None, Some((*amount).into()), *per_unit),
            Outcome::Nothing => (None, None, false),
        };
        Reward {
            percentage,
            amount,
            per_unit,
            max_months: reward.max_months,
            nothing: matches!(reward.outcome, Outcome::Nothing),
            keep_upgrades: reward.keep_upgrades,
        }
    }
}

/// A rule that pays the lines its condition holds of (SPEC §32).
#[derive(SimpleObject)]
pub struct ConditionalRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<super::described::RuleDescriptionTranslation>,
    /// The lines it pays.
    pub when: Condition,
    /// `when` as a `ConditionInput`, whole, to edit and send back: a
    /// client need not select the condition's every level.
    pub when_input: Json<serde_json::Value>,
    /// What it pays them.
    pub then: Reward,
    /// The condition and the reward in words (amounts in the campaign's
    /// currency).
    pub summary: String,
}

/// A condition as the `ConditionInput` that writes it, in JSON.
pub fn condition_input(condition: &engine::Condition) -> serde_json::Value {
    use serde_json::{Value, json};
    let name = |value: async_graphql::Value| value.into_json().unwrap_or(Value::Null);
    match condition {
        engine::Condition::All(parts) => {
            json!({ "all": parts.iter().map(condition_input).collect::<Vec<_>>() })
        }
        engine::Condition::Any(parts) => {
            json!({ "any": parts.iter().map(condition_input).collect::<Vec<_>>() })
        }
        engine::Condition::Not(inner) => json!({ "not": condition_input(inner) }),
        engine::Condition::Test(test) => {
            let mut written = serde_json::Map::new();
            written.insert(
                "subject".into(),
                name(ConditionSubject::from(test.subject).to_value()),
            );
            written.insert(
                "operator".into(),
                name(ConditionOperator::from(test.operator).to_value()),
            );
            if let Some(key) = &test.key {
                written.insert("key".into(), json!(key));
            }
            if let Some(value) = &test.value {
                written.insert("value".into(), json!(value));
            }
            if let Some(values) = &test.values {
                written.insert("values".into(), json!(values));
            }
            json!({ "test": written })
        }
    }
}

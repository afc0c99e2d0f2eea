//! Partner-group rules (SPEC §5): the vocabulary and its validation; their
//! evaluation is [`crate::evaluation`]'s.
//!
//! A [`RuleSet`] can only be built through [`RuleSet::new`], which enforces
//! every constraint of SPEC §5, so evaluation never re-checks its terms. The
//! serde form of [`RuleEntry`] is the persisted form (snake_case `type` tag,
//! decimals as strings); change it only with a migration.

use super::conditions::{Condition, Reward};
use super::money::MAX_AMOUNT;
use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest rule set accepted, a limit on everything: [`MAX_CONDITIONAL_RULES`]
/// conditional rules beside as many others.
pub const MAX_RULES: usize = 2 * MAX_CONDITIONAL_RULES;
/// Most conditional rules in one rule set (SPEC §32).
pub const MAX_CONDITIONAL_RULES: usize = 50;
/// Longest rule description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

pub(crate) const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    /// A charge: percentages, bonuses and sale flat fees apply.
    #[default]
    Sale,
    /// A conversion without a charge: only lead flat fees apply.
    Lead,
}

impl Rule {
    /// One sentence: "20 % of every payment for 12 months".
    pub fn in_words(&self, currency: &str) -> String {
        let months = |n: u32| match n {
            1 => "1 month".to_owned(),
            n => format!("{n} months"),
        };
        match self {
            Rule::Recurring {
                percentage,
                max_months: None,
            } => format!("{} % of every payment", percentage.normalize()),
            Rule::Recurring {
                percentage,
                max_months: Some(n),
            } => format!(
                "{} % of every payment for {}",
                percentage.normalize(),
                months(*n)
            ),
            Rule::NewCustomerTimeTier {
                max_months,
                percentage,
            } => format!(
                "{} % of a new customer's payments in its first {}",
                percentage.normalize(),
                months(*max_months)
            ),
            Rule::PartnerLtvUpgrade {
                min_ltv_total,
                upgrade_percentage,
            } => format!(
                "{} % once your customers have paid {} {currency} in all",
                upgrade_percentage.normalize(),
                min_ltv_total.normalize()
            ),
            Rule::ChargeThresholdBonus {
                min_charge_total,
                bonus,
            } => format!(
                "a bonus of {} {currency} once a customer has paid {} {currency}",
                bonus.normalize(),
                min_charge_total.normalize()
            ),
            Rule::QualifiedCustomersUpgrade {
                min_customers,
                upgrade_percentage,
            } => format!(
                "{} % once you have brought {min_customers} paying customers",
                upgrade_percentage.normalize()
            ),
            Rule::FirstPaidCustomerBonus { bonus } => format!(
                "a bonus of {} {currency} for your first paying customer",
                bonus.normalize()
            ),
            Rule::FlatFee {
                amount,
                event_kind: EventKind::Sale,
            } => format!("{} {currency} for every sale", amount.normalize()),
            Rule::FlatFee {
                amount,
                event_kind: EventKind::Lead,
            } => format!("{} {currency} for every lead", amount.normalize()),
            Rule::Conditional { when, then } => {
                format!("{} when {}", then.in_words(currency), when.in_words())
            }
        }
    }
}

/// The kind of a rule; its serde form (`NEW_CUSTOMER_TIME_TIER`) is the one
/// commission breakdowns store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleType {
    Recurring,
    NewCustomerTimeTier,
    PartnerLtvUpgrade,
    ChargeThresholdBonus,
    QualifiedCustomersUpgrade,
    FirstPaidCustomerBonus,
    FlatFee,
    Conditional,
}

/// One rule and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    Recurring {
        percentage: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_months: Option<u32>,
    },
    NewCustomerTimeTier {
        max_months: u32,
        percentage: Decimal,
    },
    PartnerLtvUpgrade {
        min_ltv_total: Decimal,
        upgrade_percentage: Decimal,
    },
    ChargeThresholdBonus {
        min_charge_total: Decimal,
        bonus: Decimal,
    },
    QualifiedCustomersUpgrade {
        min_customers: u32,
        upgrade_percentage: Decimal,
    },
    FirstPaidCustomerBonus {
        bonus: Decimal,
    },
    FlatFee {
        amount: Decimal,
        #[serde(default)]
        event_kind: EventKind,
    },
    /// SPEC §32: the first of a set's conditional rules, in the order
    /// written, whose `when` holds of a line sets that line's base.
    Conditional {
        when: Condition,
        then: Reward,
    },
}

impl Rule {
    pub fn rule_type(&self) -> RuleType {
        match self {
            Rule::Recurring { .. } => RuleType::Recurring,
            Rule::NewCustomerTimeTier { .. } => RuleType::NewCustomerTimeTier,
            Rule::PartnerLtvUpgrade { .. } => RuleType::PartnerLtvUpgrade,
            Rule::ChargeThresholdBonus { .. } => RuleType::ChargeThresholdBonus,
            Rule::QualifiedCustomersUpgrade { .. } => RuleType::QualifiedCustomersUpgrade,
            Rule::FirstPaidCustomerBonus { .. } => RuleType::FirstPaidCustomerBonus,
            Rule::FlatFee { .. } => RuleType::FlatFee,
            Rule::Conditional { .. } => RuleType::Conditional,
        }
    }
}

/// A rule with its optional human description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEntry {
    #[serde(flatten)]
    pub rule: Rule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its description in other languages, as its author gave them: a
    /// partner reading one of them reads it so (SPEC §38).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description_translations: Vec<DescriptionTranslation>,
}

/// A rule's description in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescriptionTranslation {
    /// A lower-case ISO 639-1 code (`de`).
    pub language: String,
    pub text: String,
}

/// Why a list of rules is not a rule set. `index` is the offending rule's
/// position (`None` for the set as a whole); `field` its camelCase parameter
/// name (empty for the rule as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub index: Option<usize>,
    pub field: String,
    pub message: String,
}

impl RuleError {
    fn at(index: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        RuleError {
            index: Some(index),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A threshold step (time tier, upgrade, bonus), sorted by `threshold`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<T> {
    pub(crate) threshold: T,
    pub(crate) value: Decimal,
    pub(crate) index: usize,
}

/// A validated rule set, with its steps pre-sorted for evaluation.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) entries: Vec<RuleEntry>,
    pub(crate) recurring: usize,
    pub(crate) recurring_percentage: Decimal,
    pub(crate) recurring_max_months: Option<u32>,
    pub(crate) time_tiers: Vec<Step<u32>>,
    pub(crate) ltv_upgrades: Vec<Step<Decimal>>,
    pub(crate) customer_upgrades: Vec<Step<u32>>,
    pub(crate) threshold_bonuses: Vec<Step<Decimal>>,
    pub(crate) first_paid_bonus: Option<Step<()>>,
    pub(crate) flat_fees: Vec<(usize, Decimal, EventKind)>,
    /// The conditional rules' positions, in the order written.
    pub(crate) conditionals: Vec<usize>,
}

/// The charge being evaluated and the partner's history before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Charge {
    pub kind: EventKind,
    /// The charge; ignored for [`EventKind::Lead`].
    pub amount: Decimal,
    /// 1 in the month the customer was acquired, 2 in the next, …
    pub customer_month: u32,
    /// Net charges of all the partner's customers before this one.
    pub partner_ltv: Decimal,
    /// The partner's customers with a net-positive charge before this one.
    pub paying_customers: u32,
    /// This is the first charge of the partner's first paying customer.
    pub first_paid_customer: bool,
    /// This customer has already earned a charge-threshold bonus.
    pub customer_had_threshold_bonus: bool,
}

/// One rule's contribution to a fee.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownLine {
    /// Position of the rule in the set.
    pub rule_index: usize,
    pub rule_type: RuleType,
    /// Percentage points this rule applied, for percentage rules.
    pub percentage: Option<Decimal>,
    /// Unrounded contribution to the fee.
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The fee, rounded once to the currency's minor unit.
    pub fee: Decimal,
    /// The sum of the breakdown before rounding.
    pub unrounded_fee: Decimal,
    /// The percentage applied to the charge (base plus upgrades, at most
    /// 100): for a sale of several lines, the first line's that has one
    /// ([`Evaluation::effective_percentage`] says what the lines earned).
    pub percentage: Decimal,
    /// The recurring rule's `maxMonths` has passed and no tier covers the
    /// month: nothing is earned.
    pub partnership_ended: bool,
    /// A charge-threshold bonus is part of the fee (the customer has had it now).
    pub threshold_bonus_paid: bool,
    pub breakdown: Vec<BreakdownLine>,
    /// What each line of the sale earned, in the order given.
    pub lines: Vec<LineEvaluation>,
}

/// What one line of a sale earned (SPEC §32).
#[derive(Debug, Clone, PartialEq)]
pub struct LineEvaluation {
    /// Its position among the sale's lines.
    pub line: usize,
    /// The rule that set its base: the conditional rule matched, else the
    /// time tier or the recurring rule.
    pub rule_index: usize,
    pub rule_type: RuleType,
    /// A conditional rule matched it.
    pub conditional: bool,
    /// The percentage applied to it (base and upgrades), for a percentage.
    pub percentage: Option<Decimal>,
    /// Its share before rounding.
    pub unrounded: Decimal,
    /// Its share, rounded once.
    pub amount: Decimal,
    /// Its rule's months have passed: it earned nothing.
    pub ended: bool,
}

fn check_percentage(index: usize, field: &'static str, value: Decimal) -> Result<(), RuleError> {
    if value < Decimal::ZERO || value > HUNDRED {
        return Err(RuleError::at(index, field, "must be between 0 and 100"));
    }
    Ok(())
}

fn check_positive_amount(
    index: usize,
    field: &'static str,
    value: Decimal,
) -> Result<(), RuleError> {
    if value <= Decimal::ZERO {
        return Err(RuleError::at(index, field, "must be greater than 0"));
    }
    if value > MAX_AMOUNT {
        return Err(RuleError::at(index, field, "must be at most 1000000000000"));
    }
    Ok(())
}

/// Sorts steps by threshold and refuses a repeated threshold. With
/// `monotonic`, a higher threshold must not give less than a lower one, which
/// is what makes "more LTV never lowers the fee" hold.
fn sort_steps<T: PartialOrd + Copy>(
    steps: &mut [Step<T>],
    threshold_field: &'static str,
    value_field: Option<&'static str>,
) -> Result<(), RuleError> {
    steps.sort_by(|a, b| {
        a.threshold
            .partial_cmp(&b.threshold)
            .expect("thresholds are ordered")
    });
    for pair in steps.windows(2) {
        let (lower, higher) = (pair[0], pair[1]);
        let later = lower.index.max(higher.index);
        if lower.threshold == higher.threshold {
            return Err(RuleError::at(
                later,
                threshold_field,
                format!(
                    "repeats the {threshold_field} of rule {}",
                    lower.index.min(higher.index)
                ),
            ));
        }
        if let Some(field) = value_field
            && higher.value < lower.value
        {
            return Err(RuleError::at(
                higher.index,
                field,
                format!(
                    "must not be lower than that of a smaller {threshold_field} (rule {})",
                    lower.index
                ),
            ));
        }
    }
    Ok(())
}

impl RuleSet {
    /// Validates a list of rules (SPEC §5).
    pub fn new(entries: Vec<RuleEntry>) -> Result<RuleSet, RuleError> {
        if entries.len() > MAX_RULES {
            return Err(RuleError {
                index: None,
                field: String::new(),
                message: format!("must have at most {MAX_RULES} rules"),
            });
        }
        let mut recurring: Option<(usize, Decimal, Option<u32>)> = None;
        let mut time_tiers = Vec::new();
        let mut ltv_upgrades = Vec::new();
        let mut customer_upgrades = Vec::new();
        let mut threshold_bonuses = Vec::new();
        let mut first_paid_bonus = None;
        let mut flat_fees = Vec::new();
        let mut conditionals = Vec::new();

        for (index, entry) in entries.iter().enumerate() {
            if let Some(description) = &entry.description
                && description.chars().count() > MAX_DESCRIPTION_CHARS
            {
                return Err(RuleError::at(
                    index,
                    "description",
                    format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
                ));
            }
            match entry.rule {
                Rule::Recurring {
                    percentage,
                    max_months,
                } => {
                    if let Some((first, _, _)) = recurring {
                        return Err(RuleError::at(
                            index,
                            "",
                            format!(
                                "a rule set has exactly one recurring rule (rule {first} is one)"
                            ),
                        ));
                    }
                    check_percentage(index, "percentage", percentage)?;
                    if max_months == Some(0) {
                        return Err(RuleError::at(index, "maxMonths", "must be at least 1"));
                    }
                    recurring = Some((index, percentage, max_months));
                }
                Rule::NewCustomerTimeTier {
                    max_months,
                    percentage,
                } => {
                    if max_months < 1 {
                        return Err(RuleError::at(index, "maxMonths", "must be at least 1"));
                    }
                    check_percentage(index, "percentage", percentage)?;
                    time_tiers.push(Step {
                        threshold: max_months,
                        value: percentage,
                        index,
                    });
                }
                Rule::PartnerLtvUpgrade {
                    min_ltv_total,
                    upgrade_percentage,
                } => {
                    check_positive_amount(index, "minLtvTotal", min_ltv_total)?;
                    check_percentage(index, "upgradePercentage", upgrade_percentage)?;
                    ltv_upgrades.push(Step {
                        threshold: min_ltv_total,
                        value: upgrade_percentage,
                        index,
                    });
                }
                Rule::ChargeThresholdBonus {
                    min_charge_total,
                    bonus,
                } => {
                    check_positive_amount(index, "minChargeTotal", min_charge_total)?;
                    check_positive_amount(index, "bonus", bonus)?;
                    threshold_bonuses.push(Step {
                        threshold: min_charge_total,
                        value: bonus,
                        index,
                    });
                }
                Rule::QualifiedCustomersUpgrade {
                    min_customers,
                    upgrade_percentage,
                } => {
                    if min_customers < 1 {
                        return Err(RuleError::at(index, "minCustomers", "must be at least 1"));
                    }
                    check_percentage(index, "upgradePercentage", upgrade_percentage)?;
                    customer_upgrades.push(Step {
                        threshold: min_customers,
                        value: upgrade_percentage,
                        index,
                    });
                }
                Rule::FirstPaidCustomerBonus { bonus } => {
                    check_positive_amount(index, "bonus", bonus)?;
                    if let Some(Step { index: first, .. }) = first_paid_bonus {
                        return Err(RuleError::at(
                            index,
                            "",
                            format!(
                                "a rule set has at most one first-paid-customer bonus (rule {first} is one)"
                            ),
                        ));
                    }
                    first_paid_bonus = Some(Step {
                        threshold: (),
                        value: bonus,
                        index,
                    });
                }
                Rule::FlatFee { amount, event_kind } => {
                    check_positive_amount(index, "amount", amount)?;
                    flat_fees.push((index, amount, event_kind));
                }
                Rule::Conditional { ref when, ref then } => {
                    if conditionals.len() == MAX_CONDITIONAL_RULES {
                        return Err(RuleError::at(
                            index,
                            "",
                            format!(
                                "a rule set has at most {MAX_CONDITIONAL_RULES} conditional rules"
                            ),
                        ));
                    }
                    when.check("when")
                        .and_then(|()| then.check("then"))
                        .map_err(|e| RuleError::at(index, e.field, e.message))?;
                    conditionals.push(index);
                }
            }
        }

        let Some((recurring, recurring_percentage, recurring_max_months)) = recurring else {
            return Err(RuleError {
                index: None,
                field: String::new(),
                message: "must contain exactly one recurring rule".into(),
            });
        };
        sort_steps(&mut time_tiers, "maxMonths", None)?;
        sort_steps(&mut ltv_upgrades, "minLtvTotal", Some("upgradePercentage"))?;
        sort_steps(
            &mut customer_upgrades,
            "minCustomers",
            Some("upgradePercentage"),
        )?;
        sort_steps(&mut threshold_bonuses, "minChargeTotal", None)?;

        Ok(RuleSet {
            entries,
            recurring,
            recurring_percentage,
            recurring_max_months,
            time_tiers,
            ltv_upgrades,
            customer_upgrades,
            threshold_bonuses,
            first_paid_bonus,
            flat_fees,
            conditionals,
        })
    }

    /// The default group's terms: one recurring rule at 0 %.
    pub fn zero() -> RuleSet {
        RuleSet::new(vec![RuleEntry {
            rule: Rule::Recurring {
                percentage: Decimal::ZERO,
                max_months: None,
            },
            description: None,
            description_translations: Vec::new(),
        }])
        .expect("a single recurring rule is a valid rule set")
    }

    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    /// The rules as a person reads them on a join page: one sentence a
    /// rule, amounts in `currency` (its description when it has one).
    pub fn in_words(&self, currency: &str) -> Vec<String> {
        self.entries
            .iter()
            .map(|entry| match &entry.description {
                Some(text) if !text.trim().is_empty() => text.trim().to_owned(),
                _ => entry.rule.in_words(currency),
            })
            .collect()
    }

    /// Whether the set holds a conditional rule (SPEC §32).
    pub fn has_conditions(&self) -> bool {
        !self.conditionals.is_empty()
    }
}

/// The customer month of a charge: 1 + the whole calendar months from the
/// customer's acquisition to the charge. A month is whole when the same day of
/// month and time of day is reached (clamped to the month's last day, so Jan 31
/// to Feb 28 is one month). A charge before the acquisition is in month 1.
pub fn customer_month(acquired_at: DateTime<Utc>, charged_at: DateTime<Utc>) -> u32 {
    use chrono::Datelike;
    if charged_at <= acquired_at {
        return 1;
    }
    let span = (charged_at.year() - acquired_at.year()) * 12 + charged_at.month() as i32
        - acquired_at.month() as i32;
    let mut whole = span.max(0) as u32;
    while whole > 0
        && acquired_at
            .checked_add_months(Months::new(whole))
            .is_none_or(|reached| reached > charged_at)
    {
        whole -= 1;
    }
    whole + 1
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

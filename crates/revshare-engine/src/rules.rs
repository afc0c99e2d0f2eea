//! Partner-group rules (SPEC §5): the vocabulary, its validation, and the
//! evaluation of one charge.
//!
//! A [`RuleSet`] can only be built through [`RuleSet::new`], which enforces
//! every constraint of SPEC §5, so evaluation never re-checks its terms. The
//! serde form of [`RuleEntry`] is the persisted form (snake_case `type` tag,
//! decimals as strings); change it only with a migration.

use super::conditions::{Condition, Facts, Line, Outcome, Reward};
use super::money::{Currency, MAX_AMOUNT};
use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest rule set accepted: a limit on everything.
pub const MAX_RULES: usize = 50;
/// Longest rule description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

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
struct Step<T> {
    threshold: T,
    value: Decimal,
    index: usize,
}

/// A validated rule set, with its steps pre-sorted for evaluation.
#[derive(Debug, Clone)]
pub struct RuleSet {
    entries: Vec<RuleEntry>,
    recurring: usize,
    recurring_percentage: Decimal,
    recurring_max_months: Option<u32>,
    time_tiers: Vec<Step<u32>>,
    ltv_upgrades: Vec<Step<Decimal>>,
    customer_upgrades: Vec<Step<u32>>,
    threshold_bonuses: Vec<Step<Decimal>>,
    first_paid_bonus: Option<Step<()>>,
    flat_fees: Vec<(usize, Decimal, EventKind)>,
    /// The conditional rules' positions, in the order written.
    conditionals: Vec<usize>,
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
    /// The percentage applied to the charge (base plus upgrades, at most 100).
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

    /// Evaluates one charge (SPEC §5, "Evaluation of one charge"): one line,
    /// the whole amount, with no product; a condition reads of it only what
    /// the charge says (its amount and customer month).
    pub fn evaluate(&self, charge: &Charge, currency: Currency) -> Evaluation {
        let facts = Facts {
            sale_amount: charge.amount,
            customer_month: charge.customer_month.max(1),
            ..Facts::default()
        };
        self.evaluate_sale(charge, &facts, &[Line::whole(charge.amount)], currency)
    }

    /// Evaluates a sale of `lines` (SPEC §32): each line's base is set by
    /// the first conditional rule whose condition holds of it, else by
    /// the time tiers and the recurring rule as §5 says; the upgrades add
    /// to a line's percentage; every line is rounded once, and the bonuses
    /// and flat fees are paid once per event. `lines` must sum to the
    /// charge's amount (the caller checks it); none: the whole amount.
    pub fn evaluate_sale(
        &self,
        charge: &Charge,
        facts: &Facts,
        lines: &[Line],
        currency: Currency,
    ) -> Evaluation {
        let whole = [Line::whole(charge.amount)];
        let lines = match lines {
            [] => &whole[..],
            some => some,
        };
        let month = charge.customer_month.max(1);
        let tier = self.time_tiers.iter().find(|tier| tier.threshold >= month);
        let base_ended = tier.is_none() && self.recurring_max_months.is_some_and(|max| max < month);
        let base = match tier {
            Some(tier) => (tier.index, RuleType::NewCustomerTimeTier, tier.value),
            None => (
                self.recurring,
                RuleType::Recurring,
                self.recurring_percentage,
            ),
        };
        let ltv = self
            .ltv_upgrades
            .iter()
            .rev()
            .find(|s| charge.partner_ltv >= s.threshold);
        let customers = self
            .customer_upgrades
            .iter()
            .rev()
            .find(|s| charge.paying_customers >= s.threshold);
        let upgrades = [
            ltv.map(|s| (s.index, RuleType::PartnerLtvUpgrade, s.value)),
            customers.map(|s| (s.index, RuleType::QualifiedCustomersUpgrade, s.value)),
        ];

        let mut parts = Parts::default();
        let mut evaluated = Vec::with_capacity(lines.len());
        for (position, line) in lines.iter().enumerate() {
            let matched = match charge.kind {
                EventKind::Sale => self.conditionals.iter().copied().find(|&i| {
                    matches!(&self.entries[i].rule, Rule::Conditional { when, .. } if when.holds(facts, line))
                }),
                EventKind::Lead => None,
            };
            let mut earned = LineEvaluation {
                line: position,
                rule_index: matched.unwrap_or(base.0),
                rule_type: matched.map_or(base.1, |_| RuleType::Conditional),
                conditional: matched.is_some(),
                percentage: None,
                unrounded: Decimal::ZERO,
                amount: currency.round(Decimal::ZERO),
                ended: false,
            };
            let reward = matched.and_then(|i| match &self.entries[i].rule {
                Rule::Conditional { then, .. } => Some(then),
                _ => None,
            });
            earned.ended = match reward {
                Some(reward) => reward.max_months.is_some_and(|max| max < month),
                None => base_ended,
            };
            if earned.ended || charge.kind == EventKind::Lead {
                evaluated.push(earned);
                continue;
            }
            let mut line_parts: Vec<BreakdownLine> = Vec::with_capacity(3);
            let percentage_base = match reward.map(|r| (&r.outcome, r.keep_upgrades)) {
                None => Some(((base.0, base.1), base.2, true)),
                Some((Outcome::Percentage(p), keep)) => {
                    Some(((earned.rule_index, RuleType::Conditional), *p, keep))
                }
                Some((Outcome::Amount { amount, per_unit }, _)) => {
                    let units = match per_unit {
                        true => Decimal::from(line.quantity),
                        false => Decimal::ONE,
                    };
                    line_parts.push(BreakdownLine {
                        rule_index: earned.rule_index,
                        rule_type: RuleType::Conditional,
                        percentage: None,
                        amount: amount * units,
                    });
                    None
                }
                Some((Outcome::Nothing, _)) => None,
            };
            if let Some(((rule_index, rule_type), points, keep_upgrades)) = percentage_base {
                let mut percentage = Decimal::ZERO;
                let with = upgrades.iter().flatten().filter(|_| keep_upgrades);
                for &(rule_index, rule_type, points) in
                    std::iter::once(&(rule_index, rule_type, points)).chain(with)
                {
                    let points = points.min(HUNDRED - percentage);
                    percentage += points;
                    line_parts.push(BreakdownLine {
                        rule_index,
                        rule_type,
                        percentage: Some(points),
                        amount: line.amount * points / HUNDRED,
                    });
                }
                earned.percentage = Some(percentage);
            }
            earned.unrounded = line_parts.iter().map(|part| part.amount).sum();
            earned.amount = currency.round(earned.unrounded);
            parts.add(line_parts);
            evaluated.push(earned);
        }

        let every_line_ended = evaluated.iter().all(|line| line.ended);
        if every_line_ended {
            return Evaluation {
                fee: currency.round(Decimal::ZERO),
                unrounded_fee: Decimal::ZERO,
                percentage: Decimal::ZERO,
                partnership_ended: true,
                threshold_bonus_paid: false,
                breakdown: Vec::new(),
                lines: evaluated,
            };
        }

        // Once per event: the bonuses (on a sale) and the flat fees.
        let mut once = Vec::new();
        let mut threshold_bonus_paid = false;
        if charge.kind == EventKind::Sale {
            if !charge.customer_had_threshold_bonus
                && let Some(bonus) = self
                    .threshold_bonuses
                    .iter()
                    .rev()
                    .find(|s| charge.amount >= s.threshold)
            {
                threshold_bonus_paid = true;
                once.push(BreakdownLine {
                    rule_index: bonus.index,
                    rule_type: RuleType::ChargeThresholdBonus,
                    percentage: None,
                    amount: bonus.value,
                });
            }
            if charge.first_paid_customer
                && let Some(bonus) = self.first_paid_bonus
            {
                once.push(BreakdownLine {
                    rule_index: bonus.index,
                    rule_type: RuleType::FirstPaidCustomerBonus,
                    percentage: None,
                    amount: bonus.value,
                });
            }
        }
        for &(rule_index, amount, kind) in &self.flat_fees {
            if kind == charge.kind {
                once.push(BreakdownLine {
                    rule_index,
                    rule_type: RuleType::FlatFee,
                    percentage: None,
                    amount,
                });
            }
        }
        let once_total: Decimal = once.iter().map(|part| part.amount).sum();
        parts.add(once);

        // Each line is rounded once, and the once-per-event parts together;
        // a sale of one line is rounded once as a whole, as §5 says.
        let fee = match &evaluated[..] {
            [one] => currency.round(one.unrounded + once_total),
            many => {
                let lines: Decimal = many.iter().map(|line| line.amount).sum();
                currency.round(lines + currency.round(once_total))
            }
        };
        let breakdown = parts.lines;
        Evaluation {
            fee,
            unrounded_fee: breakdown.iter().map(|line| line.amount).sum(),
            percentage: evaluated
                .iter()
                .find_map(|line| line.percentage)
                .unwrap_or(Decimal::ZERO),
            partnership_ended: false,
            threshold_bonus_paid,
            breakdown,
            lines: evaluated,
        }
    }

    /// Whether the set holds a conditional rule (SPEC §32).
    pub fn has_conditions(&self) -> bool {
        !self.conditionals.is_empty()
    }
}

/// The breakdown being summed: one line per rule that contributed, in
/// the order first met, its amount over every line of the sale.
#[derive(Default)]
struct Parts {
    lines: Vec<BreakdownLine>,
}

impl Parts {
    fn add(&mut self, parts: Vec<BreakdownLine>) {
        for part in parts {
            match self
                .lines
                .iter_mut()
                .find(|line| line.rule_index == part.rule_index && line.rule_type == part.rule_type)
            {
                Some(line) => {
                    line.amount += part.amount;
                    if line.percentage != part.percentage {
                        line.percentage = None;
                    }
                }
                None => self.lines.push(part),
            }
        }
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
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn entry(rule: Rule) -> RuleEntry {
        RuleEntry {
            rule,
            description: None,
        }
    }

    fn recurring(percentage: &str) -> RuleEntry {
        entry(Rule::Recurring {
            percentage: d(percentage),
            max_months: None,
        })
    }

    fn sale(amount: &str, customer_month: u32) -> Charge {
        Charge {
            kind: EventKind::Sale,
            amount: d(amount),
            customer_month,
            partner_ltv: Decimal::ZERO,
            paying_customers: 0,
            first_paid_customer: false,
            customer_had_threshold_bonus: false,
        }
    }

    fn seed_000_rules() -> RuleSet {
        RuleSet::new(vec![
            entry(Rule::NewCustomerTimeTier {
                max_months: 3,
                percentage: d("25"),
            }),
            recurring("10"),
        ])
        .unwrap()
    }

    #[test]
    fn seed_000_example_gives_74_98() {
        let charge = Charge {
            partner_ltv: d("4500"),
            paying_customers: 12,
            ..sale("299.9", 2)
        };
        let evaluation = seed_000_rules().evaluate(&charge, Currency::USD);
        assert_eq!(evaluation.fee.to_string(), "74.98");
        assert_eq!(evaluation.unrounded_fee.to_string(), "74.975");
        assert_eq!(evaluation.percentage.to_string(), "25");
        assert_eq!(evaluation.breakdown.len(), 1);
        assert_eq!(evaluation.breakdown[0].rule_index, 0);
        assert_eq!(
            evaluation.breakdown[0].rule_type,
            RuleType::NewCustomerTimeTier
        );
    }

    #[test]
    fn after_the_time_tier_the_recurring_rate_applies() {
        let evaluation = seed_000_rules().evaluate(&sale("299.9", 4), Currency::USD);
        assert_eq!(evaluation.fee.to_string(), "29.99");
        assert_eq!(evaluation.percentage.to_string(), "10");
        assert_eq!(evaluation.breakdown[0].rule_type, RuleType::Recurring);
    }

    #[test]
    fn the_tightest_time_tier_wins() {
        let rules = RuleSet::new(vec![
            entry(Rule::NewCustomerTimeTier {
                max_months: 12,
                percentage: d("20"),
            }),
            entry(Rule::NewCustomerTimeTier {
                max_months: 3,
                percentage: d("40"),
            }),
            recurring("5"),
        ])
        .unwrap();
        assert_eq!(
            rules
                .evaluate(&sale("100", 3), Currency::USD)
                .fee
                .to_string(),
            "40.00"
        );
        assert_eq!(
            rules
                .evaluate(&sale("100", 4), Currency::USD)
                .fee
                .to_string(),
            "20.00"
        );
        assert_eq!(
            rules
                .evaluate(&sale("100", 13), Currency::USD)
                .fee
                .to_string(),
            "5.00"
        );
    }

    #[test]
    fn recurring_max_months_ends_the_partnership_unless_a_tier_covers_the_month() {
        let rules = RuleSet::new(vec![
            entry(Rule::Recurring {
                percentage: d("10"),
                max_months: Some(12),
            }),
            entry(Rule::NewCustomerTimeTier {
                max_months: 24,
                percentage: d("2"),
            }),
            entry(Rule::FlatFee {
                amount: d("5"),
                event_kind: EventKind::Sale,
            }),
        ])
        .unwrap();
        // Month 13 is still covered by the 24-month tier.
        assert_eq!(
            rules
                .evaluate(&sale("100", 13), Currency::USD)
                .fee
                .to_string(),
            "7.00"
        );
        let after = rules.evaluate(&sale("100", 25), Currency::USD);
        assert!(after.partnership_ended);
        assert_eq!(after.fee.to_string(), "0.00");
        assert!(after.breakdown.is_empty());

        let plain = RuleSet::new(vec![entry(Rule::Recurring {
            percentage: d("10"),
            max_months: Some(12),
        })])
        .unwrap();
        assert_eq!(
            plain
                .evaluate(&sale("100", 12), Currency::USD)
                .fee
                .to_string(),
            "10.00"
        );
        assert_eq!(
            plain
                .evaluate(&sale("100", 13), Currency::USD)
                .fee
                .to_string(),
            "0.00"
        );
    }

    #[test]
    fn upgrades_add_the_highest_threshold_reached_and_cap_at_100() {
        let rules = RuleSet::new(vec![
            recurring("10"),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("1000"),
                upgrade_percentage: d("2"),
            }),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("10000"),
                upgrade_percentage: d("5"),
            }),
            entry(Rule::QualifiedCustomersUpgrade {
                min_customers: 10,
                upgrade_percentage: d("3"),
            }),
        ])
        .unwrap();
        let charge = Charge {
            partner_ltv: d("10000"),
            paying_customers: 10,
            ..sale("200", 1)
        };
        let evaluation = rules.evaluate(&charge, Currency::USD);
        assert_eq!(evaluation.percentage.to_string(), "18");
        assert_eq!(evaluation.fee.to_string(), "36.00");
        let lines: Vec<_> = evaluation
            .breakdown
            .iter()
            .map(|l| (l.rule_index, l.amount.to_string()))
            .collect();
        assert_eq!(
            lines,
            vec![(0, "20".into()), (2, "10".into()), (3, "6".into())]
        );

        let below = Charge {
            partner_ltv: d("999.99"),
            paying_customers: 9,
            ..sale("200", 1)
        };
        assert_eq!(
            rules.evaluate(&below, Currency::USD).fee.to_string(),
            "20.00"
        );

        let capped = RuleSet::new(vec![
            recurring("90"),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("1"),
                upgrade_percentage: d("8"),
            }),
            entry(Rule::QualifiedCustomersUpgrade {
                min_customers: 1,
                upgrade_percentage: d("8"),
            }),
        ])
        .unwrap();
        let charge = Charge {
            partner_ltv: d("5"),
            paying_customers: 1,
            ..sale("50", 1)
        };
        let evaluation = capped.evaluate(&charge, Currency::USD);
        assert_eq!(evaluation.percentage.to_string(), "100");
        assert_eq!(evaluation.fee.to_string(), "50.00");
        assert_eq!(evaluation.breakdown[2].percentage, Some(d("2")));
    }

    #[test]
    fn bonuses_and_flat_fees_are_added_then_rounded_once() {
        let rules = RuleSet::new(vec![
            recurring("12.5"),
            entry(Rule::ChargeThresholdBonus {
                min_charge_total: d("100"),
                bonus: d("10"),
            }),
            entry(Rule::ChargeThresholdBonus {
                min_charge_total: d("500"),
                bonus: d("25"),
            }),
            entry(Rule::FirstPaidCustomerBonus { bonus: d("50") }),
            entry(Rule::FlatFee {
                amount: d("1.5"),
                event_kind: EventKind::Sale,
            }),
            entry(Rule::FlatFee {
                amount: d("3"),
                event_kind: EventKind::Lead,
            }),
        ])
        .unwrap();
        let first = Charge {
            first_paid_customer: true,
            ..sale("600.1", 1)
        };
        let evaluation = rules.evaluate(&first, Currency::USD);
        // 600.1 × 12.5 % = 75.0125; + 25 + 50 + 1.5 = 151.5125
        assert_eq!(evaluation.unrounded_fee.to_string(), "151.5125");
        assert_eq!(evaluation.fee.to_string(), "151.51");
        assert!(evaluation.threshold_bonus_paid);

        let again = Charge {
            customer_had_threshold_bonus: true,
            ..sale("600.1", 2)
        };
        let evaluation = rules.evaluate(&again, Currency::USD);
        assert_eq!(evaluation.fee.to_string(), "76.51");
        assert!(!evaluation.threshold_bonus_paid);

        let lead = Charge {
            kind: EventKind::Lead,
            first_paid_customer: true,
            ..sale("600.1", 1)
        };
        let evaluation = rules.evaluate(&lead, Currency::USD);
        assert_eq!(evaluation.fee.to_string(), "3.00");
        assert_eq!(evaluation.percentage, Decimal::ZERO);
    }

    #[test]
    fn the_fee_is_rounded_to_the_currency_minor_unit() {
        let rules = RuleSet::new(vec![recurring("33.3")]).unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(rules.evaluate(&sale("1000", 1), jpy).fee.to_string(), "333");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(
            rules.evaluate(&sale("10.005", 1), kwd).fee.to_string(),
            "3.332"
        );
    }

    #[test]
    fn validation_names_the_rule_and_the_field() {
        let err = |rules: Vec<RuleEntry>| RuleSet::new(rules).unwrap_err();
        assert_eq!(
            err(vec![]).message,
            "must contain exactly one recurring rule"
        );
        assert_eq!(err(vec![recurring("10"), recurring("5")]).index, Some(1));
        let e = err(vec![recurring("100.01")]);
        assert_eq!((e.index, e.field.as_str()), (Some(0), "percentage"));
        let e = err(vec![recurring("-1")]);
        assert_eq!((e.index, e.field.as_str()), (Some(0), "percentage"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::NewCustomerTimeTier {
                max_months: 0,
                percentage: d("5"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "maxMonths"));
        let e = err(vec![
            entry(Rule::NewCustomerTimeTier {
                max_months: 3,
                percentage: d("5"),
            }),
            recurring("1"),
            entry(Rule::NewCustomerTimeTier {
                max_months: 3,
                percentage: d("6"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(2), "maxMonths"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("100"),
                upgrade_percentage: d("1"),
            }),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("100.0"),
                upgrade_percentage: d("2"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(2), "minLtvTotal"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::PartnerLtvUpgrade {
                min_ltv_total: d("0"),
                upgrade_percentage: d("1"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "minLtvTotal"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::QualifiedCustomersUpgrade {
                min_customers: 5,
                upgrade_percentage: d("3"),
            }),
            entry(Rule::QualifiedCustomersUpgrade {
                min_customers: 10,
                upgrade_percentage: d("2"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(2), "upgradePercentage"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::QualifiedCustomersUpgrade {
                min_customers: 0,
                upgrade_percentage: d("3"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "minCustomers"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::ChargeThresholdBonus {
                min_charge_total: d("10"),
                bonus: d("0"),
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "bonus"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::FirstPaidCustomerBonus { bonus: d("-5") }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "bonus"));
        let e = err(vec![
            recurring("1"),
            entry(Rule::FlatFee {
                amount: d("0"),
                event_kind: EventKind::Lead,
            }),
        ]);
        assert_eq!((e.index, e.field.as_str()), (Some(1), "amount"));
    }

    #[test]
    fn the_persisted_form_is_snake_case_with_decimal_strings() {
        let rules = seed_000_rules();
        let json = serde_json::to_string(rules.entries()).unwrap();
        assert_eq!(
            json,
            r#"[{"type":"new_customer_time_tier","max_months":3,"percentage":"25"},{"type":"recurring","percentage":"10"}]"#
        );
        let back: Vec<RuleEntry> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules.entries());
    }

    #[test]
    fn customer_months_count_whole_calendar_months() {
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        assert_eq!(customer_month(at(2026, 1, 15, 12), at(2026, 1, 15, 12)), 1);
        assert_eq!(customer_month(at(2026, 1, 15, 12), at(2026, 2, 15, 11)), 1);
        assert_eq!(customer_month(at(2026, 1, 15, 12), at(2026, 2, 15, 12)), 2);
        assert_eq!(customer_month(at(2026, 1, 31, 0), at(2026, 2, 28, 0)), 2);
        assert_eq!(customer_month(at(2025, 12, 1, 0), at(2026, 12, 1, 0)), 13);
        assert_eq!(customer_month(at(2026, 3, 1, 0), at(2026, 2, 1, 0)), 1);
    }

    fn arb_cents(max: i64) -> impl Strategy<Value = Decimal> {
        (0..=max).prop_map(|cents| Decimal::new(cents, 2))
    }

    fn arb_percentage() -> impl Strategy<Value = Decimal> {
        (0..=10_000i64).prop_map(|hundredths| Decimal::new(hundredths, 2))
    }

    prop_compose! {
        fn arb_rule_set()(
            base in arb_percentage(),
            tier in proptest::option::of((1u32..24, arb_percentage())),
            ltv in proptest::collection::btree_map(1i64..1_000_000, 0i64..5_000, 0..4),
            customers in proptest::collection::btree_map(1u32..100, 0i64..5_000, 0..3),
            threshold_bonus in proptest::option::of((1i64..100_000, 1i64..10_000)),
            first_bonus in proptest::option::of(1i64..10_000),
        ) -> RuleSet {
            let mut rules = vec![entry(Rule::Recurring { percentage: base, max_months: None })];
            if let Some((max_months, percentage)) = tier {
                rules.push(entry(Rule::NewCustomerTimeTier { max_months, percentage }));
            }
            // Upgrade points grow with their thresholds (validation demands it).
            let mut points = 0;
            for (threshold, step) in ltv {
                points = (points + step).min(10_000);
                rules.push(entry(Rule::PartnerLtvUpgrade {
                    min_ltv_total: Decimal::new(threshold, 0),
                    upgrade_percentage: Decimal::new(points, 2),
                }));
            }
            let mut points = 0;
            for (threshold, step) in customers {
                points = (points + step).min(10_000);
                rules.push(entry(Rule::QualifiedCustomersUpgrade {
                    min_customers: threshold,
                    upgrade_percentage: Decimal::new(points, 2),
                }));
            }
            if let Some((threshold, bonus)) = threshold_bonus {
                rules.push(entry(Rule::ChargeThresholdBonus {
                    min_charge_total: Decimal::new(threshold, 2),
                    bonus: Decimal::new(bonus, 2),
                }));
            }
            if let Some(bonus) = first_bonus {
                rules.push(entry(Rule::FirstPaidCustomerBonus { bonus: Decimal::new(bonus, 2) }));
            }
            RuleSet::new(rules).expect("generated rules are valid")
        }
    }

    prop_compose! {
        fn arb_charge()(
            amount in arb_cents(10_000_000),
            customer_month in 1u32..60,
            partner_ltv in arb_cents(200_000_000),
            paying_customers in 0u32..200,
            first_paid_customer in any::<bool>(),
            customer_had_threshold_bonus in any::<bool>(),
        ) -> Charge {
            Charge {
                kind: EventKind::Sale,
                amount,
                customer_month,
                partner_ltv,
                paying_customers,
                first_paid_customer,
                customer_had_threshold_bonus,
            }
        }
    }

    fn bonuses(rules: &RuleSet) -> Decimal {
        rules
            .entries()
            .iter()
            .map(|e| match e.rule {
                Rule::ChargeThresholdBonus { bonus, .. }
                | Rule::FirstPaidCustomerBonus { bonus } => bonus,
                Rule::FlatFee { amount, .. } => amount,
                _ => Decimal::ZERO,
            })
            .sum()
    }

    proptest! {
        #[test]
        fn the_fee_never_exceeds_the_charge_plus_bonuses(rules in arb_rule_set(), charge in arb_charge()) {
            let evaluation = rules.evaluate(&charge, Currency::USD);
            prop_assert!(evaluation.fee >= Decimal::ZERO);
            prop_assert!(evaluation.fee <= charge.amount + bonuses(&rules));
            prop_assert!(evaluation.percentage <= Decimal::ONE_HUNDRED);
        }

        #[test]
        fn more_ltv_never_lowers_the_fee(
            rules in arb_rule_set(),
            charge in arb_charge(),
            extra in arb_cents(100_000_000),
        ) {
            let before = rules.evaluate(&charge, Currency::USD).fee;
            let richer = Charge { partner_ltv: charge.partner_ltv + extra, ..charge };
            prop_assert!(rules.evaluate(&richer, Currency::USD).fee >= before);
        }

        #[test]
        fn more_paying_customers_never_lower_the_fee(
            rules in arb_rule_set(),
            charge in arb_charge(),
            extra in 0u32..100,
        ) {
            let before = rules.evaluate(&charge, Currency::USD).fee;
            let more = Charge { paying_customers: charge.paying_customers + extra, ..charge };
            prop_assert!(rules.evaluate(&more, Currency::USD).fee >= before);
        }

        #[test]
        fn the_fee_is_the_unrounded_sum_rounded_once_to_the_minor_unit(
            rules in arb_rule_set(),
            charge in arb_charge(),
            code in prop::sample::select(vec!["USD", "JPY", "KWD", "CLF"]),
        ) {
            let currency = Currency::parse(code).unwrap();
            let evaluation = rules.evaluate(&charge, currency);
            prop_assert!(evaluation.fee.scale() == currency.minor_units());
            let sum: Decimal = evaluation.breakdown.iter().map(|l| l.amount).sum();
            prop_assert_eq!(sum, evaluation.unrounded_fee);
            prop_assert_eq!(evaluation.fee, currency.round(evaluation.unrounded_fee));
            let half_unit = Decimal::new(5, currency.minor_units() + 1);
            prop_assert!((evaluation.fee - evaluation.unrounded_fee).abs() <= half_unit);
        }
    }

    #[test]
    fn rules_read_as_sentences() {
        use rust_decimal::Decimal;
        let d = |t: &str| t.parse::<Decimal>().unwrap();
        let cases = [
            (
                Rule::Recurring {
                    percentage: d("20"),
                    max_months: Some(12),
                },
                "20 % of every payment for 12 months",
            ),
            (
                Rule::Recurring {
                    percentage: d("12.50"),
                    max_months: None,
                },
                "12.5 % of every payment",
            ),
            (
                Rule::NewCustomerTimeTier {
                    max_months: 1,
                    percentage: d("30"),
                },
                "30 % of a new customer's payments in its first 1 month",
            ),
            (
                Rule::FirstPaidCustomerBonus { bonus: d("50.00") },
                "a bonus of 50 EUR for your first paying customer",
            ),
            (
                Rule::FlatFee {
                    amount: d("2"),
                    event_kind: EventKind::Lead,
                },
                "2 EUR for every lead",
            ),
        ];
        for (rule, words) in cases {
            assert_eq!(rule.in_words("EUR"), words);
        }
    }
}

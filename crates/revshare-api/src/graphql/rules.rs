//! The rule vocabulary in GraphQL (SPEC §5): the `@oneOf` input
//! `GroupRuleInput`, the output interface `GroupRule` with one type per rule
//! ([`super::rule_outputs`]), and the simulation types. Conversion to the engine's [`RuleSet`] is where
//! validation errors get their input path (`input.rules[1].percentage`).

use super::conditions::{ConditionInput, RewardInput};
pub use super::described::DescriptionTranslationInput;
use super::enums::{EventKind, RuleType};
pub use super::rule_outputs::{GroupRule, group_rules};
use super::scalars::Decimal;
use async_graphql::{InputObject, OneofObject, SimpleObject};
use revshare_core::error::{ApiError, ApiResult};
use revshare_engine::{self as engine, Currency, Evaluation, Rule, RuleEntry, RuleError, RuleSet};

/// The baseline percentage; exactly one per rule set.
#[derive(InputObject)]
pub struct RecurringRuleInput {
    /// Of each charge, 0 to 100.
    pub percentage: Decimal,
    /// No commission after this customer month.
    pub max_months: Option<i32>,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// Replaces the baseline while the customer month is at most `maxMonths`.
#[derive(InputObject)]
pub struct NewCustomerTimeTierRuleInput {
    /// The customer's first months it applies in (1 or more).
    pub max_months: i32,
    /// Of each charge in those months, 0 to 100.
    pub percentage: Decimal,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// Adds points once the partner's LTV reaches `minLtvTotal`.
#[derive(InputObject)]
pub struct PartnerLtvUpgradeRuleInput {
    /// What the partner's customers must have paid.
    pub min_ltv_total: Decimal,
    /// Percentage points added then.
    pub upgrade_percentage: Decimal,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// A flat bonus, once per customer, on a charge of at least `minChargeTotal`.
#[derive(InputObject)]
pub struct ChargeThresholdBonusRuleInput {
    /// What the customer's charges must total.
    pub min_charge_total: Decimal,
    /// The bonus, in the campaign's currency.
    pub bonus: Decimal,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// Adds points once the partner has `minCustomers` paying customers.
#[derive(InputObject)]
pub struct QualifiedCustomersUpgradeRuleInput {
    /// How many paying customers it takes.
    pub min_customers: i32,
    /// Percentage points added then.
    pub upgrade_percentage: Decimal,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// A flat bonus on the partner's first paying customer's first charge.
#[derive(InputObject)]
pub struct FirstPaidCustomerBonusRuleInput {
    /// The bonus, in the campaign's currency.
    pub bonus: Decimal,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// A fixed amount for every event of `eventKind`.
#[derive(InputObject)]
pub struct FlatFeeRuleInput {
    /// The amount, in the campaign's currency.
    pub amount: Decimal,
    /// The kind of event it pays on.
    #[graphql(default)]
    pub event_kind: EventKind,
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
}

/// One rule: set exactly one field.
#[derive(OneofObject)]
pub enum GroupRuleInput {
    /// A percentage of every charge.
    Recurring(RecurringRuleInput),
    /// A percentage of a customer's charges in its first months.
    NewCustomerTimeTier(NewCustomerTimeTierRuleInput),
    /// More percentage points once the partner's customers paid a total.
    PartnerLtvUpgrade(PartnerLtvUpgradeRuleInput),
    /// A bonus once a customer's charges reach a total.
    ChargeThresholdBonus(ChargeThresholdBonusRuleInput),
    /// More percentage points once the partner has enough paying customers.
    QualifiedCustomersUpgrade(QualifiedCustomersUpgradeRuleInput),
    /// A bonus on a customer's first paid charge.
    FirstPaidCustomerBonus(FirstPaidCustomerBonusRuleInput),
    /// A fixed amount per event of a kind.
    FlatFee(FlatFeeRuleInput),
    /// Pays a line by what was sold, to whom, by whom (SPEC §32): the
    /// first conditional rule, in the order written, whose `when` holds
    /// of a line sets its base.
    Conditional(ConditionalRuleInput),
}

/// A rule that pays the lines its condition holds of.
#[derive(InputObject)]
pub struct ConditionalRuleInput {
    /// What the rule is for, kept with it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
    /// The lines it pays.
    pub when: ConditionInput,
    /// What it pays them.
    pub then: RewardInput,
}

impl GroupRuleInput {
    fn variant(&self) -> &'static str {
        match self {
            GroupRuleInput::Recurring(_) => "recurring",
            GroupRuleInput::NewCustomerTimeTier(_) => "newCustomerTimeTier",
            GroupRuleInput::PartnerLtvUpgrade(_) => "partnerLtvUpgrade",
            GroupRuleInput::ChargeThresholdBonus(_) => "chargeThresholdBonus",
            GroupRuleInput::QualifiedCustomersUpgrade(_) => "qualifiedCustomersUpgrade",
            GroupRuleInput::FirstPaidCustomerBonus(_) => "firstPaidCustomerBonus",
            GroupRuleInput::FlatFee(_) => "flatFee",
            GroupRuleInput::Conditional(_) => "conditional",
        }
    }

    fn into_entry(self, index: usize) -> Result<RuleEntry, RuleError> {
        let (rule, (description, translations)) = self.into_rule(&Check { index })?;
        let description = description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        let mut description_translations: Vec<engine::DescriptionTranslation> = Vec::new();
        for (i, given) in translations.into_iter().enumerate() {
            let at = |field: &str, message: String| RuleError {
                index: Some(index),
                field: format!("descriptionTranslations[{i}].{field}"),
                message,
            };
            let language = revshare_core::languages::check("language", &given.language)
                .map_err(|e| at("language", e.message().replace("language: ", "")))?;
            if description_translations
                .iter()
                .any(|t| t.language == language)
            {
                return Err(at("language", format!("names {language} twice")));
            }
            let text = given.text.trim().to_owned();
            if text.is_empty() || text.chars().count() > engine::rules::MAX_DESCRIPTION_CHARS {
                return Err(at(
                    "text",
                    format!(
                        "must be 1 to {} characters",
                        engine::rules::MAX_DESCRIPTION_CHARS
                    ),
                ));
            }
            description_translations.push(engine::DescriptionTranslation { language, text });
        }
        Ok(RuleEntry {
            rule,
            description,
            description_translations,
        })
    }

    /// The rule this input gives, each value checked, with its description
    /// and the description's translations.
    fn into_rule(self, check: &Check) -> Result<(Rule, Described), RuleError> {
        Ok(match self {
            GroupRuleInput::Recurring(r) => (
                Rule::Recurring {
                    percentage: check.decimal("percentage", r.percentage)?,
                    max_months: r
                        .max_months
                        .map(|m| check.count("maxMonths", m))
                        .transpose()?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::NewCustomerTimeTier(r) => (
                Rule::NewCustomerTimeTier {
                    max_months: check.count("maxMonths", r.max_months)?,
                    percentage: check.decimal("percentage", r.percentage)?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::PartnerLtvUpgrade(r) => (
                Rule::PartnerLtvUpgrade {
                    min_ltv_total: check.decimal("minLtvTotal", r.min_ltv_total)?,
                    upgrade_percentage: check.decimal("upgradePercentage", r.upgrade_percentage)?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::ChargeThresholdBonus(r) => (
                Rule::ChargeThresholdBonus {
                    min_charge_total: check.decimal("minChargeTotal", r.min_charge_total)?,
                    bonus: check.decimal("bonus", r.bonus)?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::QualifiedCustomersUpgrade(r) => (
                Rule::QualifiedCustomersUpgrade {
                    min_customers: check.count("minCustomers", r.min_customers)?,
                    upgrade_percentage: check.decimal("upgradePercentage", r.upgrade_percentage)?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::FirstPaidCustomerBonus(r) => (
                Rule::FirstPaidCustomerBonus {
                    bonus: check.decimal("bonus", r.bonus)?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::FlatFee(r) => (
                Rule::FlatFee {
                    amount: check.decimal("amount", r.amount)?,
                    event_kind: r
                        .event_kind
                        .for_rules("")
                        .map_err(|_| check.error("eventKind", "must be SALE or LEAD"))?,
                },
                (r.description, r.description_translations),
            ),
            GroupRuleInput::Conditional(r) => {
                let at = |mut e: RuleError| {
                    e.index = Some(check.index);
                    e
                };
                (
                    Rule::Conditional {
                        when: r.when.into_condition("when", 1).map_err(at)?,
                        then: r.then.into_reward().map_err(at)?,
                    },
                    (r.description, r.description_translations),
                )
            }
        })
    }
}

/// A rule input's description and its translations.
type Described = (Option<String>, Vec<DescriptionTranslationInput>);

/// The checks of the values of the rule at `index`, each error naming the
/// rule and the field.
struct Check {
    index: usize,
}

impl Check {
    fn error(&self, field: &'static str, message: &str) -> RuleError {
        RuleError {
            index: Some(self.index),
            field: field.into(),
            message: message.into(),
        }
    }

    fn decimal(
        &self,
        field: &'static str,
        value: Decimal,
    ) -> Result<rust_decimal::Decimal, RuleError> {
        value.parsed().map_err(|message| self.error(field, message))
    }

    fn count(&self, field: &'static str, value: i32) -> Result<u32, RuleError> {
        u32::try_from(value)
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| self.error(field, "must be at least 1"))
    }
}

/// Validates rules from an input; errors name `{field}[i].{variant}.{param}`.
pub fn rule_set(field: &str, rules: Vec<GroupRuleInput>) -> ApiResult<RuleSet> {
    let variants: Vec<&'static str> = rules.iter().map(GroupRuleInput::variant).collect();
    let path = |err: RuleError| {
        let mut path = field.to_owned();
        if let Some(index) = err.index {
            path.push_str(&format!("[{index}]"));
            if !err.field.is_empty() {
                path.push_str(&format!(".{}.{}", variants[index], err.field));
            }
        }
        ApiError::bad_input(path, err.message)
    };
    let entries = rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| rule.into_entry(index))
        .collect::<Result<Vec<_>, _>>()
        .map_err(path)?;
    RuleSet::new(entries).map_err(path)
}

/// A hypothetical charge and partner history to evaluate rules against.
#[derive(InputObject)]
pub struct SimulationInput {
    /// The charge (ignored for `LEAD` events).
    #[graphql(default)]
    pub charge_amount: Option<Decimal>,
    /// The customer month of the charge: 1 in the month of acquisition.
    #[graphql(default = 1)]
    pub customer_months: i32,
    /// The partner's LTV before this charge.
    pub partner_ltv: Option<Decimal>,
    /// The partner's paying customers before this charge.
    #[graphql(default)]
    pub qualified_customers: i32,
    /// This is the partner's first paying customer's first charge.
    #[graphql(default)]
    pub first_paid_customer_bootstrap: bool,
    /// The customer has already earned a charge-threshold bonus.
    #[graphql(default)]
    pub customer_had_threshold_bonus: bool,
    /// Defaults to the tenant's currency.
    pub currency: Option<String>,
    /// The kind of event simulated (a sale by default).
    #[graphql(default)]
    pub event_kind: EventKind,
    /// `simulatePartnerGroup`: what the partner has earned already in the
    /// period of the group's spend cap (SPEC §31; 0 by default). The fee is
    /// cut to what is left of the cap, as the ledger cuts it.
    pub cap_spent: Option<Decimal>,
    /// The sale's lines (SPEC §32), summing exactly to `chargeAmount`;
    /// none: one line, the whole amount.
    pub lines: Option<Vec<super::lines::EventLineInput>>,
    /// The customer, as conditions read it.
    pub customer: Option<super::lines::EventCustomerInput>,
    /// The partner, as conditions read it.
    pub partner: Option<super::lines::SimulationPartnerInput>,
    /// The customer's first paid event (`SALE_IS_FIRST`).
    #[graphql(default)]
    pub sale_is_first: bool,
    /// The event's metadata, as `recordEvent` takes it (`EVENT_METADATA`).
    pub metadata: Option<async_graphql::Json<serde_json::Value>>,
}

impl SimulationInput {
    pub fn charge(&self, default_currency: Currency) -> ApiResult<(engine::Charge, Currency)> {
        let currency = match &self.currency {
            Some(code) => Currency::parse(code)
                .map_err(|e| ApiError::bad_input("simulation.currency", e.to_string()))?,
            None => default_currency,
        };
        // Amounts in the simulation's currency: its decimals at most, as an
        // event's amount.
        let amount = |field: &str, value: Option<Decimal>| -> ApiResult<rust_decimal::Decimal> {
            let value = value
                .map(|d| d.value(field))
                .transpose()?
                .unwrap_or_default();
            if value.is_sign_negative() && !value.is_zero() {
                return Err(ApiError::bad_input(field, "must not be negative"));
            }
            currency
                .to_minor(value)
                .map_err(|e| ApiError::bad_input(field, e.to_string()))?;
            Ok(value)
        };
        let charge_amount = amount("simulation.chargeAmount", self.charge_amount)?;
        let partner_ltv = amount("simulation.partnerLtv", self.partner_ltv)?;
        let customer_month = u32::try_from(self.customer_months)
            .ok()
            .filter(|m| *m >= 1)
            .ok_or_else(|| {
                ApiError::bad_input("simulation.customerMonths", "must be at least 1")
            })?;
        let paying_customers = u32::try_from(self.qualified_customers).map_err(|_| {
            ApiError::bad_input("simulation.qualifiedCustomers", "must not be negative")
        })?;
        Ok((
            engine::Charge {
                kind: self.event_kind.for_rules("simulation.eventKind")?,
                amount: charge_amount,
                customer_month,
                partner_ltv,
                paying_customers,
                first_paid_customer: self.first_paid_customer_bootstrap,
                customer_had_threshold_bonus: self.customer_had_threshold_bonus,
            },
            currency,
        ))
    }
}

/// What one rule contributed to a fee.
#[derive(SimpleObject)]
pub struct RuleContribution {
    /// Position of the rule in the rule set.
    pub rule_index: u32,
    /// The rule that contributed.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about the rule.
    pub description: Option<String>,
    /// Percentage points applied, for percentage rules.
    pub percentage: Option<Decimal>,
    /// The contribution before the fee is rounded.
    pub amount: Decimal,
}

/// What the rules would pay on a simulated charge, rule by rule.
#[derive(SimpleObject)]
pub struct SimulationResult {
    /// The fee, rounded once to the currency's minor unit.
    pub final_fee: Decimal,
    /// The currency simulated in (the tenant's).
    pub currency: String,
    /// The percentage applied to the charge: the base rate plus upgrades, at most 100.
    /// A sale of several lines: what they earned of it, rounded once to two places.
    pub effective_percentage: Decimal,
    /// The sum of the breakdown before rounding.
    pub unrounded_fee: Decimal,
    /// The recurring rule's `maxMonths` has passed: nothing is earned.
    pub partnership_ended: bool,
    /// What each rule contributed.
    pub breakdown: Vec<RuleContribution>,
    /// What the group's spend cap cut from the fee (negative; SPEC §31):
    /// null when no cap cut it.
    pub cap_cut: Option<Decimal>,
    /// How each line earned (SPEC §32); a sale given without lines is one line.
    pub lines: Vec<super::lines::CommissionLine>,
}

pub fn contributions(rules: &RuleSet, evaluation: &Evaluation) -> Vec<RuleContribution> {
    evaluation
        .breakdown
        .iter()
        .map(|line| RuleContribution {
            rule_index: line.rule_index as u32,
            rule_type: line.rule_type.into(),
            description: rules.entries()[line.rule_index].description.clone(),
            percentage: line.percentage.map(Decimal::from),
            amount: line.amount.into(),
        })
        .collect()
}

pub fn simulate(
    rules: &RuleSet,
    simulation: &SimulationInput,
    default_currency: Currency,
) -> ApiResult<SimulationResult> {
    let (charge, currency) = simulation.charge(default_currency)?;
    let sale = super::lines::Simulated {
        lines: simulation.lines.as_deref(),
        customer: simulation.customer.as_ref(),
        partner: simulation.partner.as_ref(),
        sale_is_first: simulation.sale_is_first,
        metadata: simulation.metadata.as_ref().map(|m| &m.0),
    };
    let (evaluation, lines) = super::lines::simulated(rules, sale, &charge, currency)?;
    Ok(SimulationResult {
        final_fee: evaluation.fee.into(),
        currency: currency.code().to_owned(),
        effective_percentage: evaluation.effective_percentage(charge.amount).into(),
        unrounded_fee: evaluation.unrounded_fee.into(),
        partnership_ended: evaluation.partnership_ended,
        breakdown: contributions(rules, &evaluation),
        cap_cut: None,
        lines,
    })
}

/// A simulation's fee cut by a group's spend cap, of which `spent`
/// (`simulation.capSpent`) is spent: as the ledger cuts a commission. A
/// cap in another currency than the simulation's does not apply.
pub fn capped(
    mut result: SimulationResult,
    cap: Option<revshare_engine::engagement::Cap>,
    spent: Option<&Decimal>,
) -> ApiResult<SimulationResult> {
    let spent = spent
        .map(|d| d.value("simulation.capSpent"))
        .transpose()?
        .unwrap_or_default();
    if spent.is_sign_negative() && !spent.is_zero() {
        return Err(ApiError::bad_input(
            "simulation.capSpent",
            "must not be negative",
        ));
    }
    let Some(cap) = cap.filter(|c| c.currency == result.currency) else {
        return Ok(result);
    };
    let currency =
        Currency::parse(&cap.currency).map_err(|e| ApiError::internal("cap currency", e))?;
    let minor = |d: rust_decimal::Decimal, field: &str| {
        currency
            .to_minor(d)
            .map_err(|e| ApiError::bad_input(field, e.to_string()))
    };
    let fee = minor(
        result.final_fee.value("finalFee")?,
        "simulation.chargeAmount",
    )?;
    let paid = revshare_engine::engagement::cut(
        fee,
        minor(spent, "simulation.capSpent")?,
        minor(cap.amount, "cap")?,
    );
    if paid < fee {
        result.final_fee = currency.from_minor(paid).into();
        result.cap_cut = Some(currency.from_minor(paid - fee).into());
    }
    Ok(result)
}

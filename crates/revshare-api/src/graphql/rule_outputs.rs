//! The rule vocabulary as read (SPEC §5): the output interface
//! `GroupRule`, with one type per rule, made from the engine's rule set.

use super::conditions::ConditionalRule;
use super::described::RuleDescriptionTranslation;
use super::enums::{EventKind, RuleType};
use super::scalars::Decimal;
use async_graphql::{Interface, SimpleObject};
use revshare_engine::{Rule, RuleEntry, RuleSet};

/// A percentage of every charge, for as many months as set (always, when none).
#[derive(SimpleObject)]
pub struct RecurringRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// Of each charge.
    pub percentage: Decimal,
    /// For a customer's first months only (none: always).
    pub max_months: Option<u32>,
}

/// A percentage of a customer's charges in its first months (seed 000's time
/// tier).
#[derive(SimpleObject)]
pub struct NewCustomerTimeTierRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// The customer's first months it applies in.
    pub max_months: u32,
    /// Of each charge in those months.
    pub percentage: Decimal,
}

/// More percentage points once the partner's customers have paid a total.
#[derive(SimpleObject)]
pub struct PartnerLtvUpgradeRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// What the partner's customers must have paid.
    pub min_ltv_total: Decimal,
    /// Percentage points added then.
    pub upgrade_percentage: Decimal,
}

/// A one-time bonus once a customer's charges reach a total.
#[derive(SimpleObject)]
pub struct ChargeThresholdBonusRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// What the customer's charges must total.
    pub min_charge_total: Decimal,
    /// The bonus, in the campaign's currency.
    pub bonus: Decimal,
}

/// More percentage points once the partner has enough paying customers.
#[derive(SimpleObject)]
pub struct QualifiedCustomersUpgradeRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// How many paying customers it takes.
    pub min_customers: u32,
    /// Percentage points added then.
    pub upgrade_percentage: Decimal,
}

/// A bonus on each customer's first paid charge.
#[derive(SimpleObject)]
pub struct FirstPaidCustomerBonusRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// The bonus, in the campaign's currency.
    pub bonus: Decimal,
}

/// A fixed amount per event of a kind.
#[derive(SimpleObject)]
pub struct FlatFeeRule {
    /// Which rule it is.
    #[graphql(name = "type")]
    pub rule_type: RuleType,
    /// What the tenant wrote about it.
    pub description: Option<String>,
    /// The description in other languages, as the tenant gave them.
    pub description_translations: Vec<RuleDescriptionTranslation>,
    /// The amount, in the campaign's currency.
    pub amount: Decimal,
    /// The kind of event it pays on.
    pub event_kind: EventKind,
}

/// One rule of a rule set.
#[derive(Interface)]
#[graphql(
    field(
        name = "type",
        method = "rule_type",
        ty = "&RuleType",
        desc = "Which rule it is."
    ),
    field(
        name = "description",
        ty = "&Option<String>",
        desc = "What the tenant wrote about it."
    )
)]
pub enum GroupRule {
    Recurring(RecurringRule),
    NewCustomerTimeTier(NewCustomerTimeTierRule),
    PartnerLtvUpgrade(PartnerLtvUpgradeRule),
    ChargeThresholdBonus(ChargeThresholdBonusRule),
    QualifiedCustomersUpgrade(QualifiedCustomersUpgradeRule),
    FirstPaidCustomerBonus(FirstPaidCustomerBonusRule),
    FlatFee(FlatFeeRule),
    Conditional(Box<ConditionalRule>),
}

impl From<&RuleEntry> for GroupRule {
    fn from(entry: &RuleEntry) -> Self {
        let description = entry.description.clone();
        let translations: Vec<RuleDescriptionTranslation> = entry
            .description_translations
            .iter()
            .map(|t| RuleDescriptionTranslation {
                language: t.language.clone(),
                text: t.text.clone(),
            })
            .collect();
        let rule_type = entry.rule.rule_type().into();
        match entry.rule {
            Rule::Recurring {
                percentage,
                max_months,
            } => GroupRule::Recurring(RecurringRule {
                rule_type,
                description,
                description_translations: translations.clone(),
                percentage: percentage.into(),
                max_months,
            }),
            Rule::NewCustomerTimeTier {
                max_months,
                percentage,
            } => GroupRule::NewCustomerTimeTier(NewCustomerTimeTierRule {
                rule_type,
                description,
                description_translations: translations.clone(),
                max_months,
                percentage: percentage.into(),
            }),
            Rule::PartnerLtvUpgrade {
                min_ltv_total,
                upgrade_percentage,
            } => GroupRule::PartnerLtvUpgrade(PartnerLtvUpgradeRule {
                rule_type,
                description,
                description_translations: translations.clone(),
                min_ltv_total: min_ltv_total.into(),
                upgrade_percentage: upgrade_percentage.into(),
            }),
            Rule::QualifiedCustomersUpgrade {
                min_customers,
                upgrade_percentage,
            } => GroupRule::QualifiedCustomersUpgrade(QualifiedCustomersUpgradeRule {
                rule_type,
                description,
                description_translations: translations.clone(),
                min_customers,
                upgrade_percentage: upgrade_percentage.into(),
            }),
            Rule::ChargeThresholdBonus { .. }
            | Rule::FirstPaidCustomerBonus { .. }
            | Rule::FlatFee { .. } => bonus(&entry.rule, rule_type, description, translations),
            Rule::Conditional { ref when, ref then } => {
                GroupRule::Conditional(Box::new(ConditionalRule {
                    rule_type,
                    description,
                    description_translations: translations.clone(),
                    when: when.into(),
                    when_input: async_graphql::Json(super::conditions::condition_input(when)),
                    then: then.into(),
                    summary: entry.rule.in_words(""),
                }))
            }
        }
    }
}

/// The rules that pay an amount rather than a percentage.
fn bonus(
    rule: &Rule,
    rule_type: RuleType,
    description: Option<String>,
    translations: Vec<RuleDescriptionTranslation>,
) -> GroupRule {
    match *rule {
        Rule::ChargeThresholdBonus {
            min_charge_total,
            bonus,
        } => GroupRule::ChargeThresholdBonus(ChargeThresholdBonusRule {
            rule_type,
            description,
            description_translations: translations.clone(),
            min_charge_total: min_charge_total.into(),
            bonus: bonus.into(),
        }),
        Rule::FirstPaidCustomerBonus { bonus } => {
            GroupRule::FirstPaidCustomerBonus(FirstPaidCustomerBonusRule {
                rule_type,
                description,
                description_translations: translations.clone(),
                bonus: bonus.into(),
            })
        }
        Rule::FlatFee { amount, event_kind } => GroupRule::FlatFee(FlatFeeRule {
            rule_type,
            description,
            description_translations: translations.clone(),
            amount: amount.into(),
            event_kind: event_kind.into(),
        }),
        _ => unreachable!("a percentage rule is mapped by GroupRule::from"),
    }
}

pub fn group_rules(rules: &RuleSet) -> Vec<GroupRule> {
    rules.entries().iter().map(GroupRule::from).collect()
}

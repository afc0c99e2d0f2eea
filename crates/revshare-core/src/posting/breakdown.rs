//! A commission's breakdown: what contributed to its amount, line by line,
//! each line saying which vocabulary it came from — a partner group's rule,
//! a deal plan's entry, a performance tier's modifier, or an adjustment —
//! so a row written by any producer reads back, and a reader never guesses.
//!
//! Stored as JSON in `commissions.breakdown`, internally tagged
//! (`{"vocabulary": "group_rule", …}`), decimals as strings. Rows written
//! before the tag existed are group-rule lines without it, and still read.

use crate::engine::RuleType;
use crate::engine::engagement::{CapPer, CapPeriod, ReferralTrigger};
use crate::engine::plans::{Trigger, ValueSource};
use crate::engine::tiers::Action;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One line of a breakdown. `amount` is always the line's unrounded
/// contribution; the commission's amount is their sum, rounded once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "vocabulary", rename_all = "snake_case")]
pub enum BreakdownLine {
    GroupRule(GroupRuleLine),
    PlanEntry(PlanEntryLine),
    TierModifier(TierModifierLine),
    Adjustment(AdjustmentLine),
    TierBonus(TierBonusLine),
    Imported(ImportedLine),
    TransferReversed(TransferReversedLine),
    Referral(ReferralLine),
    CapCut(CapCutLine),
    Bounty(BountyLine),
    Workflow(WorkflowLine),
    Retainer(RetainerLine),
}

/// A partner-group rule (SPEC §5) that contributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRuleLine {
    /// Position of the rule in its rule set.
    pub rule_index: u32,
    pub rule_type: RuleType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Percentage points applied, for percentage rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Decimal>,
    pub amount: Decimal,
}

/// An entry of a deal-stage commission plan (SPEC §8) that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEntryLine {
    pub plan_id: String,
    /// The plan's label as the deal froze it.
    pub plan_label: String,
    /// Position of the entry in the plan.
    pub entry_index: u32,
    /// The entry's payment stage.
    pub stage_id: String,
    /// `stage` (the one-off part) or `payment` (a recurring occurrence).
    pub trigger: Trigger,
    /// 1-based, for recurring occurrences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<u32>,
    /// The value used, as written in the plan: `"10%"` or `"500"`.
    pub value: String,
    /// Where that value came from: `base`, `period_rate` or `scaling_tier`.
    pub value_source: ValueSource,
    /// What a percentage was taken of (the deal's or the payment's amount).
    pub base: Decimal,
    pub amount: Decimal,
}

/// A performance tier's modifier (SPEC §9) applied to a new commission:
/// `amount` is the difference it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierModifierLine {
    pub tier_id: String,
    /// `INCREASE`, `DECREASE`, `FLAT_INCREASE` or `FLAT_DECREASE`.
    pub action: Action,
    pub value: Decimal,
    pub amount: Decimal,
}

/// A correction appended for an earlier commission (a tier's retroactive
/// modifier, say); `amount` is the difference it makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_id: Option<String>,
    /// A tier's retroactive action, `EXACT` included.
    pub action: Action,
    pub value: Decimal,
    pub amount: Decimal,
}

/// A tier's one-time bonus (SPEC §14), paid when it was first reached in
/// its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierBonusLine {
    pub tier_id: String,
    pub amount: Decimal,
}

/// A commission brought over from another platform (SPEC §25): its
/// amount as the source recorded it, never evaluated by revshare's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedLine {
    /// The platform's name: `Rewardful`, `FirstPromoter`, …
    pub platform: String,
    /// The commission's id there.
    pub source_id: String,
    pub amount: Decimal,
}

/// Money a payout's provider took back after it was paid (a Stripe
/// transfer reversed in part, or the part owed again already, taken back
/// when the rest followed): owed again, or no longer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferReversedLine {
    /// The payout whose transfer it was.
    pub payout_id: String,
    /// The provider's transfer id.
    pub transfer: String,
    pub amount: Decimal,
}

/// A referrer's reward (SPEC §31) on a commission of a partner it
/// recruited: the commission it follows, and what it was taken of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralLine {
    /// The recruit's commission it came from (and follows); none for a
    /// reward on the recruit's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_id: Option<String>,
    /// The recruit.
    pub partner_id: String,
    pub trigger: ReferralTrigger,
    /// `COMMISSION`, `SALE`: the percentage taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Decimal>,
    /// What the percentage was taken of (the commission, or the sale); a
    /// threshold: the recruit's commissions once it was reached.
    pub base: Decimal,
    pub amount: Decimal,
}

/// A bounty's reward (SPEC §31): its goal reached, or a submission
/// approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BountyLine {
    pub bounty_id: String,
    /// The bounty's name when it paid.
    pub name: String,
    /// The approved submission; none for a goal reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    pub amount: Decimal,
}

/// A retainer's period (SPEC §37): its fixed amount, whatever was sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetainerLine {
    pub retainer_id: String,
    /// The retainer's name when it paid.
    pub name: String,
    /// The period's number, from 1.
    pub period: u32,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub amount: Decimal,
}

/// Where a spend cap is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapSetOn {
    PartnerGroup,
    Campaign,
}

/// A spend cap (SPEC §31) cut the commission to what was left of it:
/// `amount` is the (negative) difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapCutLine {
    pub scope: CapSetOn,
    /// The group or the campaign.
    pub owner_id: String,
    pub cap: Decimal,
    pub period: CapPeriod,
    pub per: CapPer,
    /// What was left of the cap before this commission.
    pub left: Decimal,
    pub amount: Decimal,
}

/// A workflow's bonus (SPEC §35): the workflow that paid it, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowLine {
    pub workflow_id: String,
    pub name: String,
    pub amount: Decimal,
}

impl BreakdownLine {
    pub fn amount(&self) -> Decimal {
        match self {
            BreakdownLine::GroupRule(line) => line.amount,
            BreakdownLine::PlanEntry(line) => line.amount,
            BreakdownLine::TierModifier(line) => line.amount,
            BreakdownLine::Adjustment(line) => line.amount,
            BreakdownLine::TierBonus(line) => line.amount,
            BreakdownLine::Imported(line) => line.amount,
            BreakdownLine::TransferReversed(line) => line.amount,
            BreakdownLine::Referral(line) => line.amount,
            BreakdownLine::CapCut(line) => line.amount,
            BreakdownLine::Bounty(line) => line.amount,
            BreakdownLine::Workflow(line) => line.amount,
            BreakdownLine::Retainer(line) => line.amount,
        }
    }
}

/// A stored line: tagged, or a group-rule line from before the tag.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Tagged(BreakdownLine),
    Untagged(GroupRuleLine),
}

/// The lines of a stored breakdown.
pub fn decode(json: &serde_json::Value) -> Result<Vec<BreakdownLine>, serde_json::Error> {
    let stored: Vec<Stored> = serde_json::from_value(json.clone())?;
    Ok(stored
        .into_iter()
        .map(|line| match line {
            Stored::Tagged(line) => line,
            Stored::Untagged(line) => BreakdownLine::GroupRule(line),
        })
        .collect())
}

/// The stored form of a breakdown.
pub fn encode(lines: &[BreakdownLine]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_line_stored_before_the_vocabulary_tag_reads_as_a_group_rule() {
        let stored = serde_json::json!([
            { "rule_index": 0, "rule_type": "NEW_CUSTOMER_TIME_TIER", "percentage": "25", "amount": "74.975" },
            { "rule_index": 3, "rule_type": "FLAT_FEE", "description": "Per lead", "amount": "2" },
        ]);
        let lines = decode(&stored).unwrap();
        assert_eq!(
            lines[0],
            BreakdownLine::GroupRule(GroupRuleLine {
                rule_index: 0,
                rule_type: RuleType::NewCustomerTimeTier,
                description: None,
                percentage: Some(Decimal::from_str("25").unwrap()),
                amount: Decimal::from_str("74.975").unwrap(),
            })
        );
        assert_eq!(lines[1].amount(), Decimal::from(2));
    }

    #[test]
    fn every_vocabulary_round_trips_with_its_tag() {
        let lines = vec![
            BreakdownLine::PlanEntry(PlanEntryLine {
                plan_id: "p".into(),
                plan_label: "Resellers".into(),
                entry_index: 1,
                stage_id: "s".into(),
                trigger: Trigger::Payment,
                occurrence: Some(2),
                value: "5%".into(),
                value_source: ValueSource::PeriodRate,
                base: Decimal::from(100),
                amount: Decimal::from(5),
            }),
            BreakdownLine::TierModifier(TierModifierLine {
                tier_id: "t".into(),
                action: Action::Increase,
                value: Decimal::from(10),
                amount: Decimal::from_str("0.5").unwrap(),
            }),
            BreakdownLine::Adjustment(AdjustmentLine {
                tier_id: Some("t".into()),
                action: Action::FlatIncrease,
                value: Decimal::from(5),
                amount: Decimal::from(5),
            }),
        ];
        let json = encode(&lines).unwrap();
        assert_eq!(json[0]["vocabulary"], "plan_entry");
        assert_eq!(json[0]["trigger"], "payment");
        assert_eq!(json[0]["value_source"], "period_rate");
        assert_eq!(json[2]["vocabulary"], "adjustment");
        assert_eq!(decode(&json).unwrap(), lines);
    }
}

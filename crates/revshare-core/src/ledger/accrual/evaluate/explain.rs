//! What the ledger says of an evaluation: its breakdown in the ledger's
//! vocabulary, and why an event earned nothing.

use crate::campaigns::enrollment::Terms;
use crate::engine::{self, Evaluation, RuleSet};
use crate::posting::breakdown::{BreakdownLine, GroupRuleLine};
use entity::enums::EventKind;

/// Why an event that earned nothing did, in words support can forward
/// (`Event.nothingReason`). When a conditional rule decided one of its
/// lines, the lines say why, each by its rule — a line past its rule's
/// `maxMonths` says that rule's months have passed, even when every line
/// of the sale is past them (docs/conditions.md) — and the customer's
/// partnership is said to be over only when no conditional rule decided
/// a line.
pub(super) fn nothing_earned(
    terms: &Terms,
    evaluation: &Evaluation,
    sale: bool,
    lines: Option<String>,
) -> String {
    use entity::enums::TermsSource;
    let rules = match terms.rules_source {
        TermsSource::Snapshot => "the partner's own terms for this campaign",
        TermsSource::Campaign => "the campaign's rules",
        _ => "the partner group's rules",
    };
    if let Some(lines) = lines.filter(|_| sale) {
        format!("{rules}: {lines}")
    } else if evaluation.partnership_ended {
        format!(
            "the customer's partnership is over: {rules} pay for a limited number of months, and this came after them"
        )
    } else if !sale {
        format!("{rules} pay no flat fee for a lead")
    } else if evaluation.percentage.is_zero() {
        format!("{rules} pay 0 % (a default campaign and group pay nothing until given rules)")
    } else {
        format!("the commission at {rules}' rate rounds to zero")
    }
}

pub(super) fn stored_kind(kind: engine::EventKind) -> EventKind {
    match kind {
        engine::EventKind::Sale => EventKind::Sale,
        engine::EventKind::Lead => EventKind::Lead,
    }
}

/// The evaluation's lines in the ledger's breakdown vocabulary.
pub(super) fn breakdown(rules: &RuleSet, evaluation: &Evaluation) -> Vec<BreakdownLine> {
    evaluation
        .breakdown
        .iter()
        .map(|line| {
            BreakdownLine::GroupRule(GroupRuleLine {
                rule_index: line.rule_index as u32,
                rule_type: line.rule_type,
                description: rules.entries()[line.rule_index].description.clone(),
                // Normalized: the charge's scale (299.90) is not part of the result.
                percentage: line.percentage.map(|p| p.normalize()),
                amount: line.amount.normalize(),
            })
        })
        .collect()
}

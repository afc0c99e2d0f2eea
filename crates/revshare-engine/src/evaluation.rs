//! The evaluation of a sale or lead under a [`RuleSet`] (SPEC §5, §32):
//! each line's base by the first conditional rule that holds of it, else
//! by the time tiers and the recurring rule; the upgrades; every line
//! rounded once; the bonuses and flat fees once per event.

use crate::conditions::{Facts, Line, Outcome};
use crate::money::Currency;
use crate::rules::{
    BreakdownLine, Charge, Evaluation, EventKind, HUNDRED, LineEvaluation, Rule, RuleSet, RuleType,
};
use rust_decimal::{Decimal, RoundingStrategy};

/// The places a sale of several lines' `effectivePercentage` is rounded
/// to, once, half away from zero (SPEC §2's midpoint).
pub const PERCENTAGE_PLACES: u32 = 2;

impl Evaluation {
    /// What a commission is posted from before a tier's modifier — by the
    /// ledger, a backtest and a simulation alike. A sale of one line: the
    /// fee unrounded, rounded once after the modifier (SPEC §2). A sale of
    /// several: the fee as its lines were rounded, each once, and the
    /// once-per-event parts together (§32), so that the lines sum to it.
    pub fn to_post(&self) -> Decimal {
        match self.lines.len() {
            0 | 1 => self.unrounded_fee,
            _ => self.fee,
        }
    }

    /// The percentage of `charge` its lines earned (`effectivePercentage`).
    /// A sale of one line: the percentage applied to it (base and
    /// upgrades, at most 100). A sale of several: what the lines earned,
    /// each rounded once, × 100 / `charge`, rounded once to
    /// [`PERCENTAGE_PLACES`] half away from zero (94.90 of 525.00:
    /// 18.08). The once-per-event bonuses and fees are in neither.
    pub fn effective_percentage(&self, charge: Decimal) -> Decimal {
        if self.lines.len() <= 1 {
            return self.percentage;
        }
        if charge <= Decimal::ZERO {
            return Decimal::ZERO;
        }
        let earned: Decimal = self.lines.iter().map(|line| line.amount).sum();
        earned
            .checked_mul(HUNDRED)
            .and_then(|points| points.checked_div(charge))
            .map_or(Decimal::ZERO, |share| {
                share
                    .round_dp_with_strategy(
                        PERCENTAGE_PLACES,
                        RoundingStrategy::MidpointAwayFromZero,
                    )
                    .normalize()
            })
    }
}

impl RuleSet {
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

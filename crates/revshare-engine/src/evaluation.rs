//! The evaluation of a sale or lead under a [`RuleSet`] (SPEC §5, §32):
//! each line's base by the first conditional rule that holds of it, else
//! by the time tiers and the recurring rule; the upgrades; every line
//! rounded once; the bonuses and flat fees once per event.

use crate::conditions::{Facts, Line, Outcome, Reward};
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
        let basis = self.basis(charge);

        let mut parts = Parts::default();
        let mut evaluated = Vec::with_capacity(lines.len());
        for (position, line) in lines.iter().enumerate() {
            let (earned, line_parts) =
                self.evaluate_line(charge, facts, &basis, position, line, currency);
            if let Some(line_parts) = line_parts {
                parts.add(line_parts);
            }
            evaluated.push(earned);
        }

        let every_line_ended = evaluated.iter().all(|line| line.ended);
        if every_line_ended {
            return nothing_earned(evaluated, currency);
        }

        let (once, threshold_bonus_paid) = self.once_per_event(charge);
        let once_total: Decimal = once.iter().map(|part| part.amount).sum();
        parts.add(once);

        let fee = sale_fee(&evaluated, once_total, currency);
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

    /// What every line of a sale is evaluated against (SPEC §5): the
    /// customer month, the base the time tier or else the recurring rule
    /// sets and whether its months have passed, and the upgrades the
    /// partner's LTV and paying customers reached.
    fn basis(&self, charge: &Charge) -> Basis {
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
        Basis {
            month,
            base,
            base_ended,
            upgrades,
        }
    }

    /// What one line of a sale earned (SPEC §32), and its parts for the
    /// breakdown: its rule; nothing if that rule's months have passed or
    /// the event is a lead (no parts); else its parts, rounded once.
    fn evaluate_line(
        &self,
        charge: &Charge,
        facts: &Facts,
        basis: &Basis,
        position: usize,
        line: &Line,
        currency: Currency,
    ) -> (LineEvaluation, Option<Vec<BreakdownLine>>) {
        let (mut earned, reward) = self.line_rule(charge, facts, basis, position, line, currency);
        if earned.ended || charge.kind == EventKind::Lead {
            return (earned, None);
        }
        let line_parts = line_breakdown(basis, &mut earned, reward, line);
        earned.unrounded = line_parts.iter().map(|part| part.amount).sum();
        earned.amount = currency.round(earned.unrounded);
        (earned, Some(line_parts))
    }

    /// The rule that sets a line's base: on a sale, the first conditional
    /// rule whose condition holds of it (with its reward), else the time
    /// tier or the recurring rule; and whether that rule's months have
    /// passed. The line as yet earns nothing.
    fn line_rule(
        &self,
        charge: &Charge,
        facts: &Facts,
        basis: &Basis,
        position: usize,
        line: &Line,
        currency: Currency,
    ) -> (LineEvaluation, Option<&Reward>) {
        let base = basis.base;
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
            Some(reward) => reward.max_months.is_some_and(|max| max < basis.month),
            None => basis.base_ended,
        };
        (earned, reward)
    }

    /// Once per event: the bonuses (on a sale) and the flat fees; and
    /// whether a charge-threshold bonus is among them.
    fn once_per_event(&self, charge: &Charge) -> (Vec<BreakdownLine>, bool) {
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
        (once, threshold_bonus_paid)
    }
}

/// What every line of a sale is evaluated against (`RuleSet::basis`).
struct Basis {
    /// §5's customer month, at least 1.
    month: u32,
    /// The time tier or the recurring rule: its position, type and
    /// percentage.
    base: (usize, RuleType, Decimal),
    /// No time tier covers the month and the recurring rule's months
    /// have passed.
    base_ended: bool,
    /// The LTV and the customer-count upgrades reached, if any.
    upgrades: [Option<(usize, RuleType, Decimal)>; 2],
}

/// A line's parts before rounding, rule by rule, and the percentage
/// applied to it (`earned.percentage`) for a percentage: its reward's
/// flat amount (× its quantity per unit), or nothing; else its base
/// percentage — the reward's, or the time tier's or recurring rule's —
/// and, unless the reward drops them, the upgrades, the whole at most 100.
fn line_breakdown(
    basis: &Basis,
    earned: &mut LineEvaluation,
    reward: Option<&Reward>,
    line: &Line,
) -> Vec<BreakdownLine> {
    let (base, upgrades) = (basis.base, &basis.upgrades);
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
    line_parts
}

/// The evaluation of a sale every line of which has ended: nothing
/// earned, the partnership ended.
fn nothing_earned(evaluated: Vec<LineEvaluation>, currency: Currency) -> Evaluation {
    Evaluation {
        fee: currency.round(Decimal::ZERO),
        unrounded_fee: Decimal::ZERO,
        percentage: Decimal::ZERO,
        partnership_ended: true,
        threshold_bonus_paid: false,
        breakdown: Vec::new(),
        lines: evaluated,
    }
}

/// The fee of the `evaluated` lines and the once-per-event parts, which
/// come to `once_total` before rounding.
fn sale_fee(evaluated: &[LineEvaluation], once_total: Decimal, currency: Currency) -> Decimal {
    // Each line is rounded once, and the once-per-event parts together;
    // a sale of one line is rounded once as a whole, as §5 says.
    match evaluated {
        [one] => currency.round(one.unrounded + once_total),
        many => {
            let lines: Decimal = many.iter().map(|line| line.amount).sum();
            currency.round(lines + currency.round(once_total))
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

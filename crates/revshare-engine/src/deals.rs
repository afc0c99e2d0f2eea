//! The decisions of a deal, as values: which plans apply to a partner and
//! why ([`applicable`]), and which entries of a deal's plans fire for a
//! stage move or a payment ([`fired`]). The services load the facts and
//! write the rows; what happens in between is decided here.

use super::plans::{Applied, DealOptions, Entries};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Why a plan applies to a partner: the most specific restriction it has,
/// which the partner meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Match {
    /// The plan lists the partner.
    Partner,
    /// The plan lists a category of the partner.
    Category,
    /// The plan lists the partner's group.
    Group,
    /// The plan has no restriction.
    Any,
}

impl Match {
    /// How specific the match is: a partner list beats categories, which
    /// beat groups, which beat none.
    pub fn specificity(self) -> u8 {
        match self {
            Match::Partner => 3,
            Match::Category => 2,
            Match::Group => 1,
            Match::Any => 0,
        }
    }
}

/// A plan as matching sees it: its payment target and its restrictions
/// (an empty set restricts nothing).
#[derive(Debug, Clone)]
pub struct Candidate<'a, T> {
    pub target: T,
    pub groups: &'a BTreeSet<String>,
    pub categories: &'a BTreeSet<String>,
    pub partners: &'a BTreeSet<String>,
}

/// What matching knows of a partner.
#[derive(Debug, Clone)]
pub struct PartnerFacts<'a> {
    pub id: &'a str,
    pub group_id: &'a str,
    pub categories: &'a BTreeSet<String>,
}

/// Why `partner` meets every non-empty restriction of `plan`, if it does.
pub fn matches<T>(plan: &Candidate<'_, T>, partner: &PartnerFacts<'_>) -> Option<Match> {
    let meets = (plan.groups.is_empty() || plan.groups.contains(partner.group_id))
        && (plan.categories.is_empty() || !plan.categories.is_disjoint(partner.categories))
        && (plan.partners.is_empty() || plan.partners.contains(partner.id));
    let why = match (
        plan.partners.is_empty(),
        plan.categories.is_empty(),
        plan.groups.is_empty(),
    ) {
        (false, _, _) => Match::Partner,
        (true, false, _) => Match::Category,
        (true, true, false) => Match::Group,
        (true, true, true) => Match::Any,
    };
    meets.then_some(why)
}

/// The plans that apply to `partner` (SPEC §8), as indices into `plans`
/// (which come oldest first) with why: per payment target, of the plans
/// whose every restriction it meets, the most specific, and among equals
/// the newest. In payment-target order.
pub fn applicable<T: Ord + Copy>(
    plans: &[Candidate<'_, T>],
    partner: &PartnerFacts<'_>,
) -> Vec<(usize, Match)> {
    let mut best: BTreeMap<T, (usize, Match)> = BTreeMap::new();
    for (i, plan) in plans.iter().enumerate() {
        let Some(matched) = matches(plan, partner) else {
            continue;
        };
        // Plans come oldest first: this one is newer than the one held.
        let replace = best
            .get(&plan.target)
            .is_none_or(|(_, current)| takes_over(matched, true, *current));
        if replace {
            best.insert(plan.target, (i, matched));
        }
    }
    best.into_values().collect()
}

/// Whether a plan matched as `challenger` takes a payment target from
/// the plan matched as `holder`: it is more specific, or as specific and
/// `newer`.
pub fn takes_over(challenger: Match, newer: bool, holder: Match) -> bool {
    match challenger.specificity().cmp(&holder.specificity()) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => newer,
        std::cmp::Ordering::Less => false,
    }
}

/// What happened to a deal.
#[derive(Debug, Clone, Copy)]
pub enum DealTrigger<'a> {
    /// The deal reached these stages for the first time.
    Stages(&'a [String]),
    /// The deal's `count`-th payment; `reached` maps each stage reached so
    /// far to the payments recorded before it was.
    Payment {
        count: i32,
        reached: &'a HashMap<String, i32>,
    },
}

/// An entry that pays for a trigger, with the value that applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The entry's position in its plan.
    pub entry: usize,
    pub applied: Applied,
    /// The occurrence of a recurring part; `None` for a one-off.
    pub occurrence: Option<u32>,
}

/// The entries of `entries` that `trigger` fires, in entry order: on
/// reaching stages, the one-off part of each entry of those stages; on a
/// payment, the recurring part of each entry whose stage was reached, at
/// the occurrence counted from the payments after it was reached, within
/// its occurrence limit.
pub fn fired(entries: &Entries, trigger: DealTrigger<'_>, options: &DealOptions) -> Vec<Fired> {
    let mut found = Vec::new();
    for (i, entry) in entries.entries().iter().enumerate() {
        let fire = match trigger {
            DealTrigger::Stages(stages) => stages
                .contains(&entry.payment_stage_id)
                .then(|| entry.calculation.one_off())
                .flatten()
                .map(|one_off| (one_off.value_for(options), None)),
            DealTrigger::Payment { count, reached } => {
                match (
                    entry.calculation.recurring(),
                    reached.get(&entry.payment_stage_id),
                ) {
                    (Some(recurring), Some(before)) => {
                        let occurrence = u32::try_from(count - before).unwrap_or(0);
                        recurring
                            .value_for(occurrence, options)
                            .map(|applied| (applied, Some(occurrence)))
                    }
                    _ => None,
                }
            }
        };
        if let Some((applied, occurrence)) = fire {
            found.push(Fired {
                entry: i,
                applied,
                occurrence,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::{Calculation, Entry, OneOff, PlanValue, Recurring, ValueSource};
    use proptest::prelude::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn value(text: &str) -> PlanValue {
        PlanValue::parse(text, 6).unwrap()
    }

    #[test]
    fn the_most_specific_plan_applies_per_target_and_the_newest_among_equals() {
        let none = set(&[]);
        let (gold, retail, alice) = (set(&["gold"]), set(&["retail"]), set(&["alice"]));
        let silver = set(&["silver"]);
        let plan = |target, groups, categories, partners| Candidate {
            target,
            groups,
            categories,
            partners,
        };
        let plans = [
            plan(1, &none, &none, &none),   // 0: any, target 1
            plan(1, &gold, &none, &none),   // 1: group
            plan(1, &none, &retail, &none), // 2: category
            plan(2, &none, &none, &none),   // 3: any, target 2
            plan(2, &none, &none, &none),   // 4: a newer any
            plan(1, &silver, &none, &none), // 5: another group
        ];
        let categories = set(&["retail", "eu"]);
        let partner = PartnerFacts {
            id: "alice",
            group_id: "gold",
            categories: &categories,
        };
        assert_eq!(
            applicable(&plans, &partner),
            [(2, Match::Category), (4, Match::Any)]
        );
        let listed = [
            plan(1, &gold, &none, &alice),
            plan(1, &none, &retail, &none),
        ];
        assert_eq!(applicable(&listed, &partner), [(0, Match::Partner)]);
        let other = PartnerFacts {
            id: "bob",
            group_id: "silver",
            categories: &none,
        };
        assert_eq!(applicable(&listed, &other), []);
        assert_eq!(
            applicable(&plans, &other),
            [(5, Match::Group), (4, Match::Any)]
        );
    }

    fn entries() -> Entries {
        let entry = |stage: &str, calculation| Entry {
            payment_stage_id: stage.into(),
            calculation,
        };
        let one_off = |v: &str| OneOff {
            value: value(v),
            scaling: None,
        };
        let recurring = |v: &str, limit| Recurring {
            value: value(v),
            scaling: None,
            number_of_occurrences: limit,
            period_rates: Vec::new(),
        };
        Entries::new(vec![
            entry("won", Calculation::OneOff(one_off("500"))),
            entry("won", Calculation::Recurring(recurring("10%", Some(2)))),
            entry(
                "demo",
                Calculation::Split {
                    one_off: one_off("50"),
                    recurring: recurring("1%", None),
                },
            ),
        ])
        .unwrap()
    }

    #[test]
    fn stages_fire_one_offs_and_payments_fire_occurrences() {
        let options = DealOptions::new();
        let base = |v: &str| Applied {
            value: value(v),
            source: ValueSource::Base,
        };
        let stages = ["demo".to_owned(), "won".to_owned()];
        assert_eq!(
            fired(&entries(), DealTrigger::Stages(&stages), &options),
            [
                Fired {
                    entry: 0,
                    applied: base("500"),
                    occurrence: None
                },
                Fired {
                    entry: 2,
                    applied: base("50"),
                    occurrence: None
                },
            ]
        );
        // Demo reached before the first payment, won after the second.
        let reached: HashMap<String, i32> = [("demo".to_owned(), 0), ("won".to_owned(), 2)].into();
        let payment = |count| DealTrigger::Payment {
            count,
            reached: &reached,
        };
        assert_eq!(
            fired(&entries(), payment(3), &options),
            [
                Fired {
                    entry: 1,
                    applied: base("10%"),
                    occurrence: Some(1)
                },
                Fired {
                    entry: 2,
                    applied: base("1%"),
                    occurrence: Some(3)
                },
            ]
        );
        // Won's recurring part stops after its second occurrence.
        let fifth: Vec<usize> = fired(&entries(), payment(5), &options)
            .iter()
            .map(|f| f.entry)
            .collect();
        assert_eq!(fifth, [2]);
        assert_eq!(fired(&entries(), DealTrigger::Stages(&[]), &options), []);
    }

    proptest! {
        /// Reaching stages fires exactly the entries of those stages that
        /// have a one-off part, once each, in entry order.
        #[test]
        fn a_stage_fires_its_one_offs(reached in proptest::sample::subsequence(vec!["won", "demo", "lost"], 0..=3)) {
            let stages: Vec<String> = reached.iter().map(|s| s.to_string()).collect();
            let found = fired(&entries(), DealTrigger::Stages(&stages), &DealOptions::new());
            let expected: Vec<usize> = entries().entries().iter().enumerate()
                .filter(|(_, e)| stages.contains(&e.payment_stage_id) && e.calculation.one_off().is_some())
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(found.iter().map(|f| f.entry).collect::<Vec<_>>(), expected);
            prop_assert!(found.iter().all(|f| f.occurrence.is_none()));
        }

        /// A payment fires only recurring parts of reached stages, at the
        /// occurrence counted since the stage was reached, never past a
        /// limit and never before the first.
        #[test]
        fn a_payment_fires_counted_occurrences(
            won in proptest::option::of(0i32..6),
            demo in proptest::option::of(0i32..6),
            count in 1i32..12,
        ) {
            let mut reached = HashMap::new();
            if let Some(before) = won { reached.insert("won".to_owned(), before); }
            if let Some(before) = demo { reached.insert("demo".to_owned(), before); }
            let all = entries();
            let found = fired(&all, DealTrigger::Payment { count, reached: &reached }, &DealOptions::new());
            for f in &found {
                let entry = &all.entries()[f.entry];
                let before = reached[&entry.payment_stage_id];
                let recurring = entry.calculation.recurring().unwrap();
                let n = f.occurrence.unwrap();
                prop_assert_eq!(i64::from(n), i64::from(count - before));
                prop_assert!(n >= 1);
                prop_assert!(recurring.number_of_occurrences.is_none_or(|limit| n <= limit));
            }
            let won_fires = won.is_some_and(|b| (1..=2).contains(&(count - b)));
            let demo_fires = demo.is_some_and(|b| count - b >= 1);
            prop_assert_eq!(found.iter().any(|f| f.entry == 1), won_fires);
            prop_assert_eq!(found.iter().any(|f| f.entry == 2), demo_fires);
            prop_assert!(found.iter().all(|f| f.entry != 0));
        }

        /// Matching is a choice among the plans the partner meets: at most
        /// one per target, none more specific left out, and no plan
        /// applies whose restrictions the partner does not meet.
        #[test]
        fn matching_picks_the_most_specific_plan_met(
            shapes in proptest::collection::vec((0u8..2, 0u8..3, 0u8..3, 0u8..3), 0..8),
        ) {
            let sets = [set(&[]), set(&["a"]), set(&["b"])];
            let plans: Vec<Candidate<'_, u8>> = shapes.iter().map(|&(target, g, c, p)| Candidate {
                target,
                groups: &sets[g as usize],
                categories: &sets[c as usize],
                partners: &sets[p as usize],
            }).collect();
            let categories = set(&["a"]);
            let partner = PartnerFacts { id: "a", group_id: "a", categories: &categories };
            let chosen = applicable(&plans, &partner);
            let targets: BTreeSet<u8> = chosen.iter().map(|(i, _)| plans[*i].target).collect();
            prop_assert_eq!(targets.len(), chosen.len());
            for (i, plan) in plans.iter().enumerate() {
                let Some(matched) = matches(plan, &partner) else {
                    prop_assert!(chosen.iter().all(|(c, _)| *c != i));
                    continue;
                };
                let (winner, why) = chosen.iter().find(|(c, _)| plans[*c].target == plan.target).copied().unwrap();
                prop_assert!(why.specificity() >= matched.specificity());
                if why.specificity() == matched.specificity() {
                    prop_assert!(winner >= i);
                }
            }
        }
    }
}

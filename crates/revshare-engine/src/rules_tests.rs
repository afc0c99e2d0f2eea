//! The rules' validation and evaluation, by the spec's examples and by
//! property: §5's rules as written and read back, every constraint named.

use super::*;
use crate::money::Currency;
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
        description_translations: Vec::new(),
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
            Rule::ChargeThresholdBonus { bonus, .. } | Rule::FirstPaidCustomerBonus { bonus } => {
                bonus
            }
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

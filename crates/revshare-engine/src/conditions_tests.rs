//! Conditional rewards (SPEC §32), evaluated: the guide's example, the
//! order of precedence, every operator at its edges, missing subjects,
//! nesting, each subject, flat amounts, `nothing`, `keepUpgrades`, the
//! bounds.

use super::*;
use crate::money::Currency;
use crate::rules::{Charge, EventKind, Rule, RuleEntry, RuleSet, RuleType};
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn test(subject: Subject, operator: Operator, value: Option<&str>) -> Condition {
    Condition::Test(Test {
        subject,
        key: None,
        operator,
        value: value.map(str::to_owned),
        values: None,
    })
}

fn among(subject: Subject, operator: Operator, values: &[&str]) -> Condition {
    Condition::Test(Test {
        subject,
        key: None,
        operator,
        value: None,
        values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
    })
}

fn keyed(subject: Subject, key: &str, operator: Operator, value: &str) -> Condition {
    Condition::Test(Test {
        subject,
        key: Some(key.into()),
        operator,
        value: Some(value.into()),
        values: None,
    })
}

fn conditional(when: Condition, outcome: Outcome, max_months: Option<u32>) -> RuleEntry {
    RuleEntry {
        rule: Rule::Conditional {
            when,
            then: Reward {
                outcome,
                max_months,
                keep_upgrades: true,
            },
        },
        description: None,
        description_translations: Vec::new(),
    }
}

fn recurring(percentage: &str) -> RuleEntry {
    RuleEntry {
        rule: Rule::Recurring {
            percentage: d(percentage),
            max_months: None,
        },
        description: None,
        description_translations: Vec::new(),
    }
}

fn line(id: &str, product: &str, interval: &str, amount: &str) -> Line {
    Line {
        external_id: id.into(),
        product: Some(product.into()),
        interval: Some(interval.into()),
        quantity: 1,
        amount: d(amount),
        ..Line::default()
    }
}

fn sale(amount: &str, month: u32) -> Charge {
    Charge {
        kind: EventKind::Sale,
        amount: d(amount),
        customer_month: month,
        partner_ltv: Decimal::ZERO,
        paying_customers: 0,
        first_paid_customer: false,
        customer_had_threshold_bonus: false,
    }
}

fn facts(amount: &str, month: u32) -> Facts {
    Facts {
        sale_amount: d(amount),
        customer_month: month,
        ..Facts::default()
    }
}

/// §32's example: yearly plans 40 % for 12 months, hardware nothing, the
/// rest 20 %.
fn guide_rules() -> RuleSet {
    RuleSet::new(vec![
        conditional(
            test(Subject::LineInterval, Operator::Eq, Some("YEAR")),
            Outcome::Percentage(d("40")),
            Some(12),
        ),
        conditional(
            among(Subject::LineProduct, Operator::In, &["prod_hw"]),
            Outcome::Nothing,
            None,
        ),
        recurring("20"),
    ])
    .unwrap()
}

fn guide_lines() -> Vec<Line> {
    vec![
        line("1", "prod_yearly", "YEAR", "1200.00"),
        line("2", "prod_addon", "MONTH", "30.00"),
        line("3", "prod_hw", "ONE_TIME", "100.00"),
    ]
}

#[test]
fn the_guides_sale_earns_486_and_its_yearly_line_nothing_in_month_13() {
    let rules = guide_rules();
    let first = rules.evaluate_sale(
        &sale("1330.00", 1),
        &facts("1330.00", 1),
        &guide_lines(),
        Currency::USD,
    );
    let amounts: Vec<String> = first.lines.iter().map(|l| l.amount.to_string()).collect();
    assert_eq!(amounts, ["480.00", "6.00", "0.00"]);
    assert_eq!(first.fee.to_string(), "486.00");
    assert_eq!(
        first.lines.iter().map(|l| l.rule_index).collect::<Vec<_>>(),
        [0, 2, 1]
    );
    assert_eq!(first.lines[1].rule_type, RuleType::Recurring);
    assert!(first.lines[2].conditional && first.lines[2].percentage.is_none());

    let later = rules.evaluate_sale(
        &sale("1330.00", 13),
        &facts("1330.00", 13),
        &guide_lines(),
        Currency::USD,
    );
    assert_eq!(later.lines[0].amount.to_string(), "0.00");
    assert!(later.lines[0].ended);
    assert_eq!(later.fee.to_string(), "6.00");
    assert!(!later.partnership_ended);
}

#[test]
fn the_first_rule_written_wins_not_the_highest_number() {
    let yearly = (
        test(Subject::LineInterval, Operator::Eq, Some("YEAR")),
        "10",
    );
    let big = (test(Subject::LineAmount, Operator::Gte, Some("1000")), "50");
    let rules = |first: &(Condition, &str), second: &(Condition, &str)| {
        RuleSet::new(vec![
            conditional(first.0.clone(), Outcome::Percentage(d(first.1)), None),
            conditional(second.0.clone(), Outcome::Percentage(d(second.1)), None),
            recurring("20"),
        ])
        .unwrap()
    };
    let lines = [line("1", "p", "YEAR", "1200.00")];
    let charge = sale("1200.00", 1);
    let facts = facts("1200.00", 1);
    let one = rules(&yearly, &big).evaluate_sale(&charge, &facts, &lines, Currency::USD);
    assert_eq!(one.fee.to_string(), "120.00");
    let swapped = rules(&big, &yearly).evaluate_sale(&charge, &facts, &lines, Currency::USD);
    assert_eq!(swapped.fee.to_string(), "600.00");
}

/// One test of `subject` against one line and sale.
fn holds(condition: Condition, facts: &Facts, line: &Line) -> bool {
    condition.check("when").unwrap();
    condition.holds(facts, line)
}

#[test]
fn every_operator_at_its_edges() {
    let facts = facts("100", 3);
    let l = line("1", "prod_pro", "YEAR", "100.00");
    let amount = |op, v| holds(test(Subject::LineAmount, op, Some(v)), &facts, &l);
    assert!(amount(Operator::Eq, "100"));
    assert!(amount(Operator::Eq, "100.000"));
    assert!(!amount(Operator::Ne, "100.0"));
    assert!(amount(Operator::Gte, "100") && !amount(Operator::Gt, "100"));
    assert!(amount(Operator::Lte, "100") && !amount(Operator::Lt, "100"));
    assert!(amount(Operator::Gt, "99.99") && amount(Operator::Lt, "100.01"));
    // A value that is not a number makes a comparison false, never an error.
    assert!(!amount(Operator::Gt, "many") && !amount(Operator::Lte, "many"));
    let product = |op, v| holds(test(Subject::LineProduct, op, Some(v)), &facts, &l);
    assert!(product(Operator::StartsWith, "prod_") && !product(Operator::StartsWith, "Prod_"));
    assert!(product(Operator::EndsWith, "_pro") && product(Operator::Contains, "d_p"));
    assert!(
        !product(Operator::Eq, "PROD_PRO"),
        "strings compare case-sensitively"
    );
    assert!(holds(
        among(Subject::LineProduct, Operator::In, &["a", "prod_pro"]),
        &facts,
        &l
    ));
    assert!(!holds(
        among(Subject::LineProduct, Operator::NotIn, &["prod_pro"]),
        &facts,
        &l
    ));
    assert!(holds(
        test(Subject::LineCoupon, Operator::NotExists, None),
        &facts,
        &l
    ));
    assert!(holds(
        test(Subject::LineProduct, Operator::Exists, None),
        &facts,
        &l
    ));
    let month = |op, v| holds(test(Subject::CustomerMonth, op, Some(v)), &facts, &l);
    assert!(month(Operator::Lte, "3") && !month(Operator::Lt, "3"));
}

#[test]
fn a_missing_subject_matches_nothing_but_not_exists() {
    let facts = facts("100", 1);
    let l = Line::whole(d("100"));
    for operator in [
        Operator::Eq,
        Operator::Ne,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::Contains,
        Operator::Gt,
        Operator::Lt,
    ] {
        assert!(
            !holds(test(Subject::LineProduct, operator, Some("x")), &facts, &l),
            "{operator:?}"
        );
        assert!(!holds(
            test(Subject::PartnerTag, operator, Some("x")),
            &facts,
            &l
        ));
    }
    assert!(!holds(
        among(Subject::CustomerCountry, Operator::NotIn, &["DE"]),
        &facts,
        &l
    ));
    assert!(!holds(
        test(Subject::LineProduct, Operator::Exists, None),
        &facts,
        &l
    ));
    assert!(holds(
        test(Subject::LineProduct, Operator::NotExists, None),
        &facts,
        &l
    ));
    assert!(!holds(
        keyed(Subject::EventMetadata, "plan", Operator::Ne, "x"),
        &facts,
        &l
    ));
}

#[test]
fn each_subject_reads_its_own_field() {
    let mut metadata = BTreeMap::new();
    metadata.insert("seats".to_owned(), FieldValue::from("12"));
    let facts = Facts {
        sale_amount: d("250"),
        is_first: true,
        customer_month: 2,
        customer_country: Some("DE".into()),
        customer_attributes: [("segment".to_owned(), FieldValue::from("smb"))].into(),
        partner_country: Some("FR".into()),
        partner_tags: vec!["agency".into(), "gold".into()],
        partner_type: Some("RESELLER".into()),
        partner_categories: vec![("cat_1".into(), "Agencies".into())],
        metadata: [("channel".to_owned(), FieldValue::from("web"))].into(),
    };
    let l = Line {
        price: Some("price_9".into()),
        quantity: 3,
        coupon: Some("SPRING".into()),
        metadata,
        ..line("1", "prod", "MONTH", "250")
    };
    let yes = |c: Condition| assert!(holds(c.clone(), &facts, &l), "{}", c.in_words());
    yes(test(Subject::LinePrice, Operator::Eq, Some("price_9")));
    yes(test(Subject::LineQuantity, Operator::Gte, Some("3")));
    yes(test(Subject::LineCoupon, Operator::Eq, Some("SPRING")));
    yes(keyed(Subject::LineMetadata, "seats", Operator::Gt, "10"));
    yes(test(Subject::SaleAmount, Operator::Eq, Some("250")));
    yes(test(Subject::SaleIsFirst, Operator::Eq, Some("true")));
    yes(test(Subject::CustomerCountry, Operator::Eq, Some("DE")));
    yes(keyed(
        Subject::CustomerAttribute,
        "segment",
        Operator::Eq,
        "smb",
    ));
    yes(test(Subject::PartnerCountry, Operator::Ne, Some("DE")));
    yes(test(Subject::PartnerTag, Operator::Eq, Some("gold")));
    yes(test(Subject::PartnerType, Operator::Eq, Some("RESELLER")));
    yes(test(Subject::PartnerCategory, Operator::Eq, Some("cat_1")));
    yes(test(
        Subject::PartnerCategory,
        Operator::Eq,
        Some("Agencies"),
    ));
    yes(keyed(
        Subject::EventMetadata,
        "channel",
        Operator::Eq,
        "web",
    ));
    assert!(!holds(
        test(Subject::PartnerTag, Operator::Ne, Some("gold")),
        &facts,
        &l
    ));
}

#[test]
fn conditions_nest_with_all_any_and_not() {
    let facts = Facts {
        customer_country: Some("DE".into()),
        ..facts("100", 1)
    };
    let l = line("1", "prod_pro", "YEAR", "100");
    let nested = Condition::All(vec![
        test(Subject::LineInterval, Operator::Eq, Some("YEAR")),
        Condition::Any(vec![
            test(Subject::CustomerCountry, Operator::Eq, Some("FR")),
            Condition::Not(Box::new(test(
                Subject::LineProduct,
                Operator::Eq,
                Some("prod_hw"),
            ))),
        ]),
    ]);
    assert!(holds(nested.clone(), &facts, &l));
    assert_eq!(
        nested.in_words(),
        "the plan's interval is YEAR and (the customer's country is FR or not (the product is prod_hw))"
    );
    assert!(!Condition::Not(Box::new(nested)).holds(&facts, &l));
}

#[test]
fn flat_per_unit_nothing_and_upgrades_kept_or_not() {
    let seat = test(Subject::LineProduct, Operator::Eq, Some("seat"));
    let yearly = test(Subject::LineInterval, Operator::Eq, Some("YEAR"));
    let build = |keep: bool| {
        RuleSet::new(vec![
            conditional(
                seat.clone(),
                Outcome::Amount {
                    amount: d("5"),
                    per_unit: true,
                },
                None,
            ),
            RuleEntry {
                rule: Rule::Conditional {
                    when: yearly.clone(),
                    then: Reward {
                        outcome: Outcome::Percentage(d("30")),
                        max_months: None,
                        keep_upgrades: keep,
                    },
                },
                description: None,
                description_translations: Vec::new(),
            },
            recurring("10"),
            RuleEntry {
                rule: Rule::QualifiedCustomersUpgrade {
                    min_customers: 1,
                    upgrade_percentage: d("5"),
                },
                description: None,
                description_translations: Vec::new(),
            },
        ])
        .unwrap()
    };
    let lines = [
        Line {
            quantity: 4,
            ..line("1", "seat", "MONTH", "80.00")
        },
        line("2", "pro", "YEAR", "100.00"),
        line("3", "pro", "MONTH", "100.00"),
    ];
    let charge = Charge {
        paying_customers: 3,
        ..sale("280.00", 1)
    };
    let kept = build(true).evaluate_sale(&charge, &facts("280", 1), &lines, Currency::USD);
    let amounts: Vec<String> = kept.lines.iter().map(|l| l.amount.to_string()).collect();
    // 4 seats × 5.00 (never upgraded), 35 % of 100, 15 % of 100.
    assert_eq!(amounts, ["20.00", "35.00", "15.00"]);
    assert_eq!(kept.fee.to_string(), "70.00");
    let dropped = build(false).evaluate_sale(&charge, &facts("280", 1), &lines, Currency::USD);
    assert_eq!(dropped.lines[1].amount.to_string(), "30.00");
    assert_eq!(dropped.fee.to_string(), "65.00");
}

#[test]
fn every_line_is_rounded_once() {
    let rules = RuleSet::new(vec![recurring("10")]).unwrap();
    let lines = [
        line("1", "a", "MONTH", "0.05"),
        line("2", "b", "MONTH", "0.05"),
    ];
    let evaluation =
        rules.evaluate_sale(&sale("0.10", 1), &facts("0.10", 1), &lines, Currency::USD);
    // 0.005 + 0.005: each rounds to 0.01 (half away from zero).
    assert_eq!(evaluation.fee.to_string(), "0.02");
}

#[test]
fn a_sale_of_many_lines_posts_its_lines_each_rounded_once() {
    // 100 lines of 0.07 at 20 %: 0.014 each, 0.01 once rounded — 1.00,
    // not 1.40 rounded once over the whole sale.
    let rules = RuleSet::new(vec![recurring("20")]).unwrap();
    let lines: Vec<Line> = (1..=100)
        .map(|i| line(&i.to_string(), "p", "MONTH", "0.07"))
        .collect();
    let evaluation =
        rules.evaluate_sale(&sale("7.00", 1), &facts("7.00", 1), &lines, Currency::USD);
    assert_eq!(evaluation.fee.to_string(), "1.00");
    assert_eq!(evaluation.to_post().to_string(), "1.00");
    assert_eq!(evaluation.unrounded_fee, d("1.4"));
    assert_eq!(
        evaluation.effective_percentage(d("7.00")).to_string(),
        "14.29"
    );
    // One line of 7.00 is rounded once as a whole, after any tier.
    let one = rules.evaluate(&sale("7.00", 1), Currency::USD);
    assert_eq!(one.to_post(), d("1.4"));
    assert_eq!(one.effective_percentage(d("7.00")).to_string(), "20");
}

#[test]
fn a_sale_of_many_lines_reads_its_percentage_as_what_the_lines_earned() {
    // 30 % of 250.00, 10 % of 199.00, nothing on 76.00: 94.90 of 525.00,
    // 18.076…, rounded once to two places half away from zero.
    let rules = RuleSet::new(vec![
        conditional(
            test(Subject::LineProduct, Operator::Eq, Some("pro")),
            Outcome::Percentage(d("30")),
            None,
        ),
        conditional(
            test(Subject::LineProduct, Operator::Eq, Some("hw")),
            Outcome::Nothing,
            None,
        ),
        recurring("10"),
    ])
    .unwrap();
    let lines = [
        line("1", "pro", "YEAR", "250.00"),
        line("2", "seats", "MONTH", "199.00"),
        line("3", "hw", "ONE_TIME", "76.00"),
    ];
    let evaluation = rules.evaluate_sale(
        &sale("525.00", 1),
        &facts("525.00", 1),
        &lines,
        Currency::USD,
    );
    assert_eq!(evaluation.fee.to_string(), "94.90");
    assert_eq!(evaluation.percentage.to_string(), "30");
    assert_eq!(
        evaluation.effective_percentage(d("525.00")).to_string(),
        "18.08"
    );
}

#[test]
fn a_number_in_metadata_equals_the_same_number_however_written() {
    let mut facts = facts("100", 1);
    facts
        .metadata
        .insert("seats".into(), FieldValue::Number(d("10.0")));
    facts
        .metadata
        .insert("code".into(), FieldValue::from("10.0"));
    let l = line("1", "p", "MONTH", "100");
    let seats = |operator, value: &str| keyed(Subject::EventMetadata, "seats", operator, value);
    assert!(holds(seats(Operator::Eq, "10"), &facts, &l));
    assert!(holds(seats(Operator::Eq, "10.00"), &facts, &l));
    assert!(!holds(seats(Operator::Ne, "10"), &facts, &l));
    assert!(!holds(seats(Operator::Eq, "ten"), &facts, &l));
    let among_seats = |operator, values: &[&str]| {
        Condition::Test(Test {
            subject: Subject::EventMetadata,
            key: Some("seats".into()),
            operator,
            value: None,
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        })
    };
    assert!(holds(
        among_seats(Operator::In, &["5", "10"][..]),
        &facts,
        &l
    ));
    assert!(!holds(
        among_seats(Operator::NotIn, &["10"][..]),
        &facts,
        &l
    ));
    // Text stays text: compared exactly.
    assert!(!holds(
        keyed(Subject::EventMetadata, "code", Operator::Eq, "10"),
        &facts,
        &l
    ));
    assert!(holds(
        keyed(Subject::EventMetadata, "code", Operator::Eq, "10.0"),
        &facts,
        &l
    ));
}

#[test]
fn fifty_conditional_rules_beside_a_base_rule_are_a_rule_set_and_51_are_not() {
    let rule = |i: usize| {
        conditional(
            test(Subject::LineProduct, Operator::Eq, Some(&format!("p{i}"))),
            Outcome::Percentage(d("10")),
            None,
        )
    };
    let mut fifty: Vec<RuleEntry> = (0..50).map(rule).collect();
    fifty.push(recurring("20"));
    assert!(RuleSet::new(fifty).is_ok());
    let mut more: Vec<RuleEntry> = (0..51).map(rule).collect();
    more.push(recurring("20"));
    let e = RuleSet::new(more).unwrap_err();
    assert_eq!((e.index, e.field.as_str()), (Some(50), ""));
}

#[test]
fn bounds_are_refused_naming_the_field() {
    let refused = |entry: RuleEntry| RuleSet::new(vec![entry, recurring("10")]).unwrap_err();
    let deep = (0..4).fold(
        test(Subject::LineProduct, Operator::Eq, Some("x")),
        |inner, _| Condition::Not(Box::new(inner)),
    );
    let e = refused(conditional(deep, Outcome::Nothing, None));
    assert_eq!(e.field, "when.not.not.not.not");
    let e = refused(conditional(
        keyed(Subject::LineProduct, "k", Operator::Eq, "x"),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.key");
    let e = refused(conditional(
        test(Subject::EventMetadata, Operator::Eq, Some("x")),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.key");
    let e = refused(conditional(
        test(Subject::LineProduct, Operator::In, Some("x")),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.value");
    let e = refused(conditional(
        test(Subject::LineProduct, Operator::Exists, Some("x")),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.value");
    let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let e = refused(conditional(
        among(Subject::LineProduct, Operator::In, &refs),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.values");
    let long = "x".repeat(201);
    let e = refused(conditional(
        test(Subject::LineProduct, Operator::Eq, Some(&long)),
        Outcome::Nothing,
        None,
    ));
    assert_eq!(e.field, "when.test.value");
    let tests = (0..51)
        .map(|_| test(Subject::LineProduct, Operator::Eq, Some("x")))
        .collect();
    let e = refused(conditional(Condition::Any(tests), Outcome::Nothing, None));
    assert_eq!(e.field, "when.any[50].test");
    let e = refused(conditional(Condition::All(vec![]), Outcome::Nothing, None));
    assert_eq!(e.field, "when.all");
    let e = refused(conditional(
        test(Subject::LineProduct, Operator::Eq, Some("x")),
        Outcome::Percentage(d("100.01")),
        None,
    ));
    assert_eq!((e.index, e.field.as_str()), (Some(0), "then.percentage"));
    let e = refused(conditional(
        test(Subject::LineProduct, Operator::Eq, Some("x")),
        Outcome::Nothing,
        Some(0),
    ));
    assert_eq!(e.field, "then.maxMonths");
}

#[test]
fn a_conditional_rule_reads_in_words() {
    let rules = guide_rules();
    assert_eq!(
        rules.in_words("USD"),
        [
            "40 % for the first 12 months when the plan's interval is YEAR",
            "nothing when the product is one of prod_hw",
            "20 % of every payment",
        ]
    );
}

fn arb_lines() -> impl Strategy<Value = Vec<Line>> {
    prop::collection::vec(
        (
            0i64..1_000_000,
            prop::sample::select(vec!["YEAR", "MONTH"]),
            1u32..5,
        ),
        1..6,
    )
    .prop_map(|lines| {
        lines
            .into_iter()
            .enumerate()
            .map(|(i, (cents, interval, quantity))| Line {
                quantity,
                ..line(
                    &(i + 1).to_string(),
                    "p",
                    interval,
                    &Decimal::new(cents, 2).to_string(),
                )
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn the_fee_is_its_lines_and_a_line_never_earns_above_its_percentage(lines in arb_lines()) {
        let rules = guide_rules();
        let total: Decimal = lines.iter().map(|l| l.amount).sum();
        let charge = sale(&total.to_string(), 1);
        let evaluation = rules.evaluate_sale(&charge, &facts(&total.to_string(), 1), &lines, Currency::USD);
        prop_assert_eq!(evaluation.lines.len(), lines.len());
        let sum: Decimal = evaluation.lines.iter().map(|l| l.amount).sum();
        if lines.len() > 1 {
            prop_assert_eq!(sum, evaluation.fee);
        }
        for (line, earned) in lines.iter().zip(&evaluation.lines) {
            let rate = if line.interval.as_deref() == Some("YEAR") { d("0.4") } else { d("0.2") };
            prop_assert_eq!(earned.amount, Currency::USD.round(line.amount * rate));
        }
        // What is posted is rounded once more to the same fee, and for
        // several lines is their sum (SPEC §32).
        prop_assert_eq!(Currency::USD.round(evaluation.to_post()), evaluation.fee);
        if lines.len() > 1 {
            prop_assert_eq!(evaluation.to_post(), sum);
        }
    }
}

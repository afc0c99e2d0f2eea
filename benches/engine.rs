//! Rule evaluation throughput: one `RuleSet::evaluate` per iteration.
//! Run with `cargo bench --bench engine`; figures are in docs/BENCHMARKS.md.

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use revshare::engine::{Charge, Currency, EventKind, Rule, RuleEntry, RuleSet};
use rust_decimal::Decimal;

fn entry(rule: Rule) -> RuleEntry {
    RuleEntry {
        rule,
        description: None,
        description_translations: Vec::new(),
    }
}

fn charge(amount: Decimal, customer_month: u32) -> Charge {
    Charge {
        kind: EventKind::Sale,
        amount,
        customer_month,
        partner_ltv: Decimal::new(4500, 0),
        paying_customers: 12,
        first_paid_customer: false,
        customer_had_threshold_bonus: false,
    }
}

fn evaluation(c: &mut Criterion) {
    // Seed 000's simulation: a time tier and the recurring rate.
    let seed = RuleSet::new(vec![
        entry(Rule::NewCustomerTimeTier {
            max_months: 3,
            percentage: Decimal::new(25, 0),
        }),
        entry(Rule::Recurring {
            percentage: Decimal::new(10, 0),
            max_months: None,
        }),
    ])
    .unwrap();
    // Every rule type, several thresholds each.
    let full = RuleSet::new(vec![
        entry(Rule::NewCustomerTimeTier {
            max_months: 3,
            percentage: Decimal::new(30, 0),
        }),
        entry(Rule::NewCustomerTimeTier {
            max_months: 12,
            percentage: Decimal::new(20, 0),
        }),
        entry(Rule::Recurring {
            percentage: Decimal::new(125, 1),
            max_months: Some(36),
        }),
        entry(Rule::PartnerLtvUpgrade {
            min_ltv_total: Decimal::new(1_000, 0),
            upgrade_percentage: Decimal::new(1, 0),
        }),
        entry(Rule::PartnerLtvUpgrade {
            min_ltv_total: Decimal::new(4_000, 0),
            upgrade_percentage: Decimal::new(3, 0),
        }),
        entry(Rule::PartnerLtvUpgrade {
            min_ltv_total: Decimal::new(10_000, 0),
            upgrade_percentage: Decimal::new(5, 0),
        }),
        entry(Rule::QualifiedCustomersUpgrade {
            min_customers: 10,
            upgrade_percentage: Decimal::new(2, 0),
        }),
        entry(Rule::ChargeThresholdBonus {
            min_charge_total: Decimal::new(100, 0),
            bonus: Decimal::new(10, 0),
        }),
        entry(Rule::FirstPaidCustomerBonus {
            bonus: Decimal::new(50, 0),
        }),
        entry(Rule::FlatFee {
            amount: Decimal::new(150, 2),
            event_kind: EventKind::Sale,
        }),
    ])
    .unwrap();
    let usd = Currency::USD;
    let amount = Decimal::new(2999, 1);

    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed_000_rules", |b| {
        b.iter(|| black_box(&seed).evaluate(black_box(&charge(amount, 2)), usd))
    });
    group.bench_function("all_rule_types", |b| {
        b.iter(|| black_box(&full).evaluate(black_box(&charge(amount, 5)), usd))
    });
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);

//! Deal-stage commission plans (SPEC §8, seeds 001 and 003): the calculation
//! vocabulary, its validation, and which value applies to what.
//!
//! A plan's entries each fire at a pipeline stage. An entry's calculation is
//! a one-off (paid once, when the deal first reaches the stage), a recurring
//! share (one occurrence per deal payment after that, up to a limit, with
//! period rates overriding the value for ranges of occurrences), or both
//! (`split`). A value is a percentage of a base (`"10%"`: of the deal's
//! amount for a one-off, of the payment for an occurrence) or a fixed amount
//! (`"500"`); a scaling replaces it by the tier of the option the deal holds
//! for a custom field.
//!
//! [`Entries::new`] enforces every rule, so evaluation never re-checks; its
//! errors name the offending part by its path in the plan
//! (`entries[1].calculation.recurring.periodRates[0].endOccurrence`). The
//! serde form of these types is the stored form (values as their text).

use super::money::{Currency, MAX_AMOUNT};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Most entries a plan has.
pub const MAX_ENTRIES: usize = 20;
/// Most period rates a recurring calculation has.
pub const MAX_PERIOD_RATES: usize = 50;
/// Most tiers a scaling has.
pub const MAX_SCALING_TIERS: usize = 100;
/// Decimal places a value may have beyond its currency's.
pub const EXTRA_DECIMALS: u32 = 4;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// A value as written (`"10%"`, `"500"`), kept as written so a plan reads
/// back as it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanValue {
    text: String,
    kind: ValueKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Percentage points of a base.
    Percent(Decimal),
    /// An amount in the deal's currency.
    Fixed(Decimal),
}

impl PlanValue {
    /// Parses `"10%"` or `"500"`: digits with an optional fraction, then an
    /// optional `%`; at least 0, a percentage at most 100, at most
    /// `max_decimals` decimal places.
    pub fn parse(text: &str, max_decimals: u32) -> Result<PlanValue, String> {
        let (number, percent) = match text.strip_suffix('%') {
            Some(number) => (number, true),
            None => (text, false),
        };
        // The money grammar, without a sign: no spaces or other characters
        // around the number.
        let value = super::money::parse_decimal(number)
            .filter(|_| !number.starts_with('-'))
            .ok_or_else(|| {
                "must be a percentage such as \"10%\" or an amount such as \"500\"".to_owned()
            })?;
        let written = number.split_once('.').map_or(0, |(_, f)| f.len());
        if written as u32 > max_decimals {
            return Err(format!("must have at most {max_decimals} decimal places"));
        }
        let kind = if percent {
            if value > HUNDRED {
                return Err("a percentage must be at most 100%".into());
            }
            ValueKind::Percent(value)
        } else {
            if value > MAX_AMOUNT {
                return Err("must be at most 1000000000000".into());
            }
            ValueKind::Fixed(value)
        };
        Ok(PlanValue {
            text: text.to_owned(),
            kind,
        })
    }

    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value applied to `base`, unrounded.
    pub fn apply(&self, base: Decimal) -> Decimal {
        match self.kind {
            ValueKind::Percent(points) => base * points / HUNDRED,
            ValueKind::Fixed(amount) => amount,
        }
    }
}

impl TryFrom<String> for PlanValue {
    type Error = String;

    /// The stored form: valid when written, so any number of decimals reads.
    fn try_from(text: String) -> Result<Self, String> {
        PlanValue::parse(&text, 28)
    }
}

impl From<PlanValue> for String {
    fn from(value: PlanValue) -> String {
        value.text
    }
}

/// Replaces a value by the tier whose option the deal holds for a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scaling {
    pub custom_field_id: String,
    pub tiers: Vec<ScalingTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingTier {
    pub option_id: String,
    pub value: PlanValue,
}

/// A value for occurrences `start_occurrence..=end_occurrence` (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRate {
    /// A label the plan's author may give the period (seed 001's
    /// `periodNumber`); evaluation does not use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_number: Option<u32>,
    pub start_occurrence: u32,
    pub end_occurrence: u32,
    pub value: PlanValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
}

/// Paid once, when the deal first reaches the entry's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneOff {
    pub value: PlanValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
}

/// One occurrence per deal payment after the entry's stage is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurring {
    pub value: PlanValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
    /// No occurrence past this one; `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_occurrences: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub period_rates: Vec<PeriodRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calculation {
    OneOff(OneOff),
    Recurring(Recurring),
    Split {
        one_off: OneOff,
        recurring: Recurring,
    },
}

impl Calculation {
    pub fn one_off(&self) -> Option<&OneOff> {
        match self {
            Calculation::OneOff(one_off) | Calculation::Split { one_off, .. } => Some(one_off),
            Calculation::Recurring(_) => None,
        }
    }

    pub fn recurring(&self) -> Option<&Recurring> {
        match self {
            Calculation::Recurring(recurring) | Calculation::Split { recurring, .. } => {
                Some(recurring)
            }
            Calculation::OneOff(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub payment_stage_id: String,
    pub calculation: Calculation,
}

impl Entries {
    /// The custom-field options its scalings name, each once.
    pub fn option_ids(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut add = |scaling: &Option<Scaling>| {
            for tier in scaling.iter().flat_map(|s| &s.tiers) {
                if !found.contains(&tier.option_id) {
                    found.push(tier.option_id.clone());
                }
            }
        };
        for entry in self.entries() {
            if let Some(one_off) = entry.calculation.one_off() {
                add(&one_off.scaling);
            }
            if let Some(recurring) = entry.calculation.recurring() {
                add(&recurring.scaling);
                for rate in &recurring.period_rates {
                    add(&rate.scaling);
                }
            }
        }
        found
    }
}

impl Entry {
    /// Whether any of its values (base, period rate or scaling tier) is a
    /// fixed amount rather than a percentage.
    pub fn has_fixed_value(&self) -> bool {
        let fixed = |v: &PlanValue| matches!(v.kind(), ValueKind::Fixed(_));
        let scaled = |s: &Option<Scaling>| s.iter().flat_map(|s| &s.tiers).any(|t| fixed(&t.value));
        let one_off = self
            .calculation
            .one_off()
            .is_some_and(|o| fixed(&o.value) || scaled(&o.scaling));
        let recurring = self.calculation.recurring().is_some_and(|r| {
            fixed(&r.value)
                || scaled(&r.scaling)
                || r.period_rates
                    .iter()
                    .any(|p| fixed(&p.value) || scaled(&p.scaling))
        });
        one_off || recurring
    }
}

/// Why a plan's entries are not valid, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// The path in the plan, `entries[1].calculation.recurring.periodRates[0].endOccurrence`.
    pub path: String,
    pub message: String,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> PlanError {
    PlanError {
        path: path.into(),
        message: message.into(),
    }
}

/// A plan's entries, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Entries(Vec<Entry>);

impl Entries {
    /// Validates entries (SPEC §8): at least one and at most
    /// [`MAX_ENTRIES`]; occurrence limits of at least 1; period rates
    /// within `1..=numberOfOccurrences`, `start ≤ end`, not overlapping;
    /// scalings with tiers, each option once.
    pub fn new(entries: Vec<Entry>) -> Result<Entries, PlanError> {
        if entries.is_empty() {
            return Err(error("entries", "must have at least one entry"));
        }
        if entries.len() > MAX_ENTRIES {
            return Err(error(
                "entries",
                format!("must have at most {MAX_ENTRIES} entries"),
            ));
        }
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("entries[{i}].calculation");
            match &entry.calculation {
                Calculation::OneOff(one_off) => check_one_off(&format!("{path}.oneOff"), one_off)?,
                Calculation::Recurring(recurring) => {
                    check_recurring(&format!("{path}.recurring"), recurring)?
                }
                Calculation::Split { one_off, recurring } => {
                    check_one_off(&format!("{path}.split.oneOff"), one_off)?;
                    check_recurring(&format!("{path}.split.recurring"), recurring)?;
                }
            }
        }
        Ok(Entries(entries))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.0
    }
}

fn check_one_off(path: &str, one_off: &OneOff) -> Result<(), PlanError> {
    check_scaling(path, one_off.scaling.as_ref())
}

fn check_recurring(path: &str, recurring: &Recurring) -> Result<(), PlanError> {
    check_scaling(path, recurring.scaling.as_ref())?;
    if recurring.number_of_occurrences == Some(0) {
        return Err(error(
            format!("{path}.numberOfOccurrences"),
            "must be at least 1",
        ));
    }
    if recurring.period_rates.len() > MAX_PERIOD_RATES {
        return Err(error(
            format!("{path}.periodRates"),
            format!("must have at most {MAX_PERIOD_RATES} period rates"),
        ));
    }
    for (i, rate) in recurring.period_rates.iter().enumerate() {
        let at = format!("{path}.periodRates[{i}]");
        if rate.start_occurrence < 1 {
            return Err(error(format!("{at}.startOccurrence"), "must be at least 1"));
        }
        if rate.end_occurrence < rate.start_occurrence {
            return Err(error(
                format!("{at}.endOccurrence"),
                "must be at least startOccurrence",
            ));
        }
        if let Some(limit) = recurring.number_of_occurrences
            && rate.end_occurrence > limit
        {
            return Err(error(
                format!("{at}.endOccurrence"),
                format!("must be at most numberOfOccurrences ({limit})"),
            ));
        }
        if let Some(j) = recurring.period_rates[..i].iter().position(|other| {
            other.start_occurrence <= rate.end_occurrence
                && rate.start_occurrence <= other.end_occurrence
        }) {
            return Err(error(
                format!("{at}.startOccurrence"),
                format!("overlaps periodRates[{j}]"),
            ));
        }
        check_scaling(&at, rate.scaling.as_ref())?;
    }
    Ok(())
}

fn check_scaling(path: &str, scaling: Option<&Scaling>) -> Result<(), PlanError> {
    let Some(scaling) = scaling else {
        return Ok(());
    };
    let at = format!("{path}.scaling.tiers");
    if scaling.tiers.is_empty() {
        return Err(error(at, "must have at least one tier"));
    }
    if scaling.tiers.len() > MAX_SCALING_TIERS {
        return Err(error(
            at,
            format!("must have at most {MAX_SCALING_TIERS} tiers"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, tier) in scaling.tiers.iter().enumerate() {
        if !seen.insert(tier.option_id.as_str()) {
            return Err(error(
                format!("{at}[{i}].optionId"),
                "repeats an option of another tier",
            ));
        }
    }
    Ok(())
}

/// The options a deal holds: custom field id → option id.
pub type DealOptions = BTreeMap<String, String>;

/// Where the value used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// The calculation's own value.
    Base,
    /// A period rate covering the occurrence.
    PeriodRate,
    /// A scaling tier of the deal's option (of the base or of a period rate).
    ScalingTier,
}

/// The value that applies, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub value: PlanValue,
    pub source: ValueSource,
}

/// The scaling tier of the option the deal holds for the scaling's field,
/// if it holds one that has a tier.
fn scaled(scaling: Option<&Scaling>, options: &DealOptions) -> Option<PlanValue> {
    let scaling = scaling?;
    let held = options.get(&scaling.custom_field_id)?;
    scaling
        .tiers
        .iter()
        .find(|tier| &tier.option_id == held)
        .map(|tier| tier.value.clone())
}

impl OneOff {
    /// The value a one-off pays for a deal holding `options`.
    pub fn value_for(&self, options: &DealOptions) -> Applied {
        match scaled(self.scaling.as_ref(), options) {
            Some(value) => Applied {
                value,
                source: ValueSource::ScalingTier,
            },
            None => Applied {
                value: self.value.clone(),
                source: ValueSource::Base,
            },
        }
    }
}

impl Recurring {
    /// The value of occurrence `n` (1-based) for a deal holding `options`;
    /// `None` past the occurrence limit.
    pub fn value_for(&self, n: u32, options: &DealOptions) -> Option<Applied> {
        if n < 1 || self.number_of_occurrences.is_some_and(|limit| n > limit) {
            return None;
        }
        let period = self
            .period_rates
            .iter()
            .find(|rate| (rate.start_occurrence..=rate.end_occurrence).contains(&n));
        let applied = match period {
            Some(rate) => match scaled(rate.scaling.as_ref(), options) {
                Some(value) => Applied {
                    value,
                    source: ValueSource::ScalingTier,
                },
                None => Applied {
                    value: rate.value.clone(),
                    source: ValueSource::PeriodRate,
                },
            },
            None => match scaled(self.scaling.as_ref(), options) {
                Some(value) => Applied {
                    value,
                    source: ValueSource::ScalingTier,
                },
                None => Applied {
                    value: self.value.clone(),
                    source: ValueSource::Base,
                },
            },
        };
        Some(applied)
    }
}

/// What a value pays on `base`: the unrounded amount and the amount rounded
/// once to the currency (SPEC §2).
pub fn pays(applied: &Applied, base: Decimal, currency: Currency) -> (Decimal, Decimal) {
    let unrounded = applied.value.apply(base);
    (unrounded, currency.round(unrounded))
}

/// What triggers a line of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The deal first reached the entry's stage (the one-off part).
    Stage,
    /// A deal payment (an occurrence of the recurring part).
    Payment,
}

/// One line of what a deal would earn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleLine {
    pub entry_index: usize,
    pub trigger: Trigger,
    pub stage_id: String,
    /// The occurrence, for payments.
    pub occurrence: Option<u32>,
    pub applied: Applied,
    pub base: Decimal,
    /// Rounded once.
    pub amount: Decimal,
}

/// The schedule of a deal of `amount` holding `options` that moves through
/// every stage of `stages` (ids in pipeline order) and then receives
/// `payments` payments of its amount: first each entry's one-off, in stage
/// order, then, payment by payment, each recurring occurrence. Entries whose
/// stage is not in `stages` never fire.
pub fn schedule(
    entries: &Entries,
    stages: &[String],
    amount: Decimal,
    currency: Currency,
    options: &DealOptions,
    payments: u32,
) -> Vec<ScheduleLine> {
    let position = |stage: &str| stages.iter().position(|s| s == stage);
    let mut ordered: Vec<(usize, usize, &Entry)> = entries
        .entries()
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| Some((position(&entry.payment_stage_id)?, i, entry)))
        .collect();
    ordered.sort_by_key(|(stage, i, _)| (*stage, *i));
    let mut lines = Vec::new();
    for (_, i, entry) in &ordered {
        if let Some(one_off) = entry.calculation.one_off() {
            let applied = one_off.value_for(options);
            let (_, paid) = pays(&applied, amount, currency);
            lines.push(ScheduleLine {
                entry_index: *i,
                trigger: Trigger::Stage,
                stage_id: entry.payment_stage_id.clone(),
                occurrence: None,
                applied,
                base: amount,
                amount: paid,
            });
        }
    }
    for n in 1..=payments {
        for (_, i, entry) in &ordered {
            let Some(applied) = entry
                .calculation
                .recurring()
                .and_then(|recurring| recurring.value_for(n, options))
            else {
                continue;
            };
            let (_, paid) = pays(&applied, amount, currency);
            lines.push(ScheduleLine {
                entry_index: *i,
                trigger: Trigger::Payment,
                stage_id: entry.payment_stage_id.clone(),
                occurrence: Some(n),
                applied,
                base: amount,
                amount: paid,
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn v(text: &str) -> PlanValue {
        PlanValue::parse(text, 6).unwrap()
    }

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn an_entry_has_a_fixed_value_wherever_one_is_written() {
        let entry = |calculation: serde_json::Value| -> Entry {
            serde_json::from_value(serde_json::json!({
                "payment_stage_id": "s", "calculation": calculation
            }))
            .unwrap()
        };
        let percent = entry(serde_json::json!({ "split": {
            "one_off": { "value": "10%" },
            "recurring": { "value": "5%", "period_rates": [{ "start_occurrence": 1, "end_occurrence": 2, "value": "8%" }] } } }));
        assert!(!percent.has_fixed_value());
        for fixed in [
            serde_json::json!({ "one_off": { "value": "500" } }),
            serde_json::json!({ "recurring": { "value": "5%", "period_rates": [{ "start_occurrence": 1, "end_occurrence": 2, "value": "50" }] } }),
            serde_json::json!({ "one_off": { "value": "10%", "scaling": { "custom_field_id": "f", "tiers": [{ "option_id": "o", "value": "700" }] } } }),
        ] {
            assert!(entry(fixed.clone()).has_fixed_value(), "{fixed}");
        }
    }

    fn recurring(value: &str, limit: Option<u32>, periods: &[(u32, u32, &str)]) -> Recurring {
        Recurring {
            value: v(value),
            scaling: None,
            number_of_occurrences: limit,
            period_rates: periods
                .iter()
                .map(|&(start, end, value)| PeriodRate {
                    period_number: None,
                    start_occurrence: start,
                    end_occurrence: end,
                    value: v(value),
                    scaling: None,
                })
                .collect(),
        }
    }

    #[test]
    fn values_are_percentages_or_amounts_as_written() {
        assert_eq!(v("10%").kind(), ValueKind::Percent(d("10")));
        assert_eq!(v("12.5%").as_str(), "12.5%");
        assert_eq!(v("500").kind(), ValueKind::Fixed(d("500")));
        assert_eq!(v("0").apply(d("99")), d("0"));
        for refused in [
            "-5", "-0", "10 %", "%", "", "1e3", "abc", "100.5%", "5.", ".5", "+5", " 10", "10 ",
            "\t5%", "\u{a0}10", "5%%",
        ] {
            assert!(PlanValue::parse(refused, 6).is_err(), "{refused:?}");
        }
        assert_eq!(
            PlanValue::parse("1.1234567", 6).unwrap_err(),
            "must have at most 6 decimal places"
        );
        assert!(PlanValue::parse("100%", 6).is_ok());
    }

    #[test]
    fn the_recurring_value_follows_period_rates_and_stops_at_the_limit() {
        // 5 % of each of the first 12 payments, 8 % for payments 1–3.
        let plan = recurring("5%", Some(12), &[(1, 3, "8%")]);
        let none = DealOptions::new();
        let source = |n| {
            plan.value_for(n, &none)
                .map(|a| (a.value.as_str().to_owned(), a.source))
        };
        assert_eq!(source(1), Some(("8%".into(), ValueSource::PeriodRate)));
        assert_eq!(source(3), Some(("8%".into(), ValueSource::PeriodRate)));
        assert_eq!(source(4), Some(("5%".into(), ValueSource::Base)));
        assert_eq!(source(12), Some(("5%".into(), ValueSource::Base)));
        assert_eq!(source(13), None);
        assert_eq!(source(0), None);
    }

    #[test]
    fn a_scaling_tier_replaces_the_value_for_the_option_the_deal_holds() {
        let scaling = Scaling {
            custom_field_id: "size".into(),
            tiers: vec![
                ScalingTier {
                    option_id: "small".into(),
                    value: v("5%"),
                },
                ScalingTier {
                    option_id: "large".into(),
                    value: v("15%"),
                },
            ],
        };
        let one_off = OneOff {
            value: v("10%"),
            scaling: Some(scaling),
        };
        let large = DealOptions::from([("size".to_owned(), "large".to_owned())]);
        let other = DealOptions::from([("region".to_owned(), "eu".to_owned())]);
        assert_eq!(one_off.value_for(&large).value.as_str(), "15%");
        assert_eq!(one_off.value_for(&large).source, ValueSource::ScalingTier);
        assert_eq!(one_off.value_for(&other).value.as_str(), "10%");
        assert_eq!(one_off.value_for(&other).source, ValueSource::Base);
    }

    #[test]
    fn entries_are_validated_with_the_path_of_the_bad_part() {
        let entry = |calculation| Entry {
            payment_stage_id: "won".into(),
            calculation,
        };
        let bad = |calculation| {
            Entries::new(vec![
                entry(Calculation::OneOff(OneOff {
                    value: v("1"),
                    scaling: None,
                })),
                entry(calculation),
            ])
            .unwrap_err()
        };
        assert_eq!(
            bad(Calculation::Recurring(recurring(
                "5%",
                Some(12),
                &[(1, 3, "8%"), (3, 5, "6%")]
            ))),
            error(
                "entries[1].calculation.recurring.periodRates[1].startOccurrence",
                "overlaps periodRates[0]"
            )
        );
        assert_eq!(
            bad(Calculation::Recurring(recurring(
                "5%",
                Some(2),
                &[(1, 3, "8%")]
            )))
            .path,
            "entries[1].calculation.recurring.periodRates[0].endOccurrence"
        );
        assert_eq!(
            bad(Calculation::Recurring(recurring(
                "5%",
                None,
                &[(4, 3, "8%")]
            )))
            .path,
            "entries[1].calculation.recurring.periodRates[0].endOccurrence"
        );
        assert_eq!(
            bad(Calculation::Split {
                one_off: OneOff {
                    value: v("1"),
                    scaling: None
                },
                recurring: recurring("5%", Some(0), &[]),
            })
            .path,
            "entries[1].calculation.split.recurring.numberOfOccurrences"
        );
        let twice = Scaling {
            custom_field_id: "f".into(),
            tiers: vec![
                ScalingTier {
                    option_id: "o".into(),
                    value: v("1"),
                },
                ScalingTier {
                    option_id: "o".into(),
                    value: v("2"),
                },
            ],
        };
        assert_eq!(
            bad(Calculation::OneOff(OneOff {
                value: v("1"),
                scaling: Some(twice)
            }))
            .path,
            "entries[1].calculation.oneOff.scaling.tiers[1].optionId"
        );
        assert_eq!(Entries::new(vec![]).unwrap_err().path, "entries");
    }

    #[test]
    fn the_stored_form_reads_back_as_written() {
        let entries = Entries::new(vec![Entry {
            payment_stage_id: "won".into(),
            calculation: Calculation::Split {
                one_off: OneOff {
                    value: v("10%"),
                    scaling: None,
                },
                recurring: recurring("5.00%", Some(12), &[(1, 3, "8%")]),
            },
        }])
        .unwrap();
        let json = serde_json::to_value(&entries).unwrap();
        assert_eq!(
            json[0]["calculation"]["split"]["recurring"]["value"],
            "5.00%"
        );
        let back: Entries = serde_json::from_value(json).unwrap();
        assert_eq!(back, entries);
    }

    #[test]
    fn a_schedule_pays_one_offs_in_stage_order_then_occurrences() {
        let stages = ["lead".to_owned(), "won".to_owned()];
        let entries = Entries::new(vec![
            Entry {
                payment_stage_id: "won".into(),
                calculation: Calculation::Split {
                    one_off: OneOff {
                        value: v("10%"),
                        scaling: None,
                    },
                    recurring: recurring("5%", Some(2), &[(1, 1, "8%")]),
                },
            },
            Entry {
                payment_stage_id: "lead".into(),
                calculation: Calculation::OneOff(OneOff {
                    value: v("500"),
                    scaling: None,
                }),
            },
        ])
        .unwrap();
        let lines = schedule(
            &entries,
            &stages,
            d("10000"),
            Currency::USD,
            &DealOptions::new(),
            3,
        );
        let summary: Vec<(usize, Trigger, Option<u32>, String)> = lines
            .iter()
            .map(|l| (l.entry_index, l.trigger, l.occurrence, l.amount.to_string()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, Trigger::Stage, None, "500.00".to_owned()),
                (0, Trigger::Stage, None, "1000.00".to_owned()),
                (0, Trigger::Payment, Some(1), "800.00".to_owned()),
                (0, Trigger::Payment, Some(2), "500.00".to_owned()),
            ]
        );
    }

    proptest! {
        /// With non-overlapping period rates, occurrence n gets a value
        /// exactly when it is within the limit, and it comes from a period
        /// rate exactly when one covers n.
        #[test]
        fn each_occurrence_has_one_value_source(
            limit in proptest::option::of(1u32..40),
            cuts in proptest::collection::btree_set(1u32..40, 0..8),
            n in 0u32..50,
        ) {
            let cuts: Vec<u32> = cuts.into_iter().filter(|c| limit.is_none_or(|l| *c <= l)).collect();
            let periods: Vec<(u32, u32, &str)> = cuts.chunks(2).filter(|c| c.len() == 2).map(|c| (c[0], c[1], "7%")).collect();
            let plan = recurring("3%", limit, &periods);
            Entries::new(vec![Entry { payment_stage_id: "s".into(), calculation: Calculation::Recurring(plan.clone()) }]).unwrap();
            let applied = plan.value_for(n, &DealOptions::new());
            prop_assert_eq!(applied.is_some(), n >= 1 && limit.is_none_or(|l| n <= l));
            if let Some(applied) = applied {
                let covered = periods.iter().any(|(s, e, _)| (*s..=*e).contains(&n));
                prop_assert_eq!(applied.source == ValueSource::PeriodRate, covered);
            }
        }

        /// A percentage pays at most its base, rounded once.
        #[test]
        fn a_percentage_pays_its_share_rounded_once(
            points in 0u32..=10_000,
            base_minor in 0i64..1_000_000_000,
        ) {
            let value = PlanValue::parse(&format!("{}%", Decimal::new(points.into(), 2)), 6).unwrap();
            let base = Currency::USD.from_minor(base_minor);
            let applied = Applied { value, source: ValueSource::Base };
            let (unrounded, paid) = pays(&applied, base, Currency::USD);
            prop_assert!(paid <= base);
            prop_assert_eq!(paid, Currency::USD.round(unrounded));
            prop_assert!((paid - unrounded).abs() <= Decimal::new(5, 3));
        }
    }
}

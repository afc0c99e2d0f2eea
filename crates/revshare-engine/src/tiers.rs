//! Tiered performance commissions (SPEC §9, seed 004): the terms of a tier,
//! their validation, the period an instant falls in (in the tenant's time
//! zone), whether a tier is reached or capped, and the modifier arithmetic.
//!
//! A tier's goals and maxima are [`Metrics`]: payout, revenue and sale
//! amount (in the campaign's currency), conversions and events (counts). A
//! tier is *reached* when every goal above 0 is met, *capped* when any
//! maximum above 0 is met. Its modifiers change a new commission (payout)
//! and its event's revenue (revenue) while it is reached and not capped, and
//! its retroactive modifiers adjust the period's earlier commissions when it
//! is first reached.
//!
//! Periods start at 00:00 in the time zone: days, ISO weeks from Monday,
//! months, quarters from January, April, July and October 1; a `GLOBAL`
//! period spans the tier's start date to its end date. On the rare day whose
//! midnight a DST change skips, the day starts at its first valid instant.

use super::money::MAX_AMOUNT;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The largest `INCREASE`, in percent: a modifier at most multiplies an
/// amount by 11, so a commission the ledger can hold stays far inside
/// `Decimal`'s range once modified (an increase beyond it is refused at
/// creation rather than met as an overflow at accrual).
pub const MAX_INCREASE_PERCENT: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// The dates a tier may name: no calendar arithmetic near the edges of
/// what dates can represent, and no year 0.
pub const EARLIEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
pub const LATEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2999, 12, 31).expect("a date");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// By `value` percent.
    Increase,
    /// By `value` percent, never below 0.
    Decrease,
    /// By `value` in the currency.
    FlatIncrease,
    /// By `value` in the currency, never below 0.
    FlatDecrease,
    /// To exactly `value` (retroactive modifiers only).
    Exact,
}

impl Action {
    /// The name clients write.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Increase => "INCREASE",
            Action::Decrease => "DECREASE",
            Action::FlatIncrease => "FLAT_INCREASE",
            Action::FlatDecrease => "FLAT_DECREASE",
            Action::Exact => "EXACT",
        }
    }

    /// Its value is an amount in the currency (else a percentage).
    pub fn is_amount(&self) -> bool {
        matches!(
            self,
            Action::FlatIncrease | Action::FlatDecrease | Action::Exact
        )
    }
}

/// An action and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifier {
    pub action: Action,
    pub value: Decimal,
}

impl Modifier {
    /// `amount` as the modifier changes it, unrounded; decreases floor at 0.
    pub fn apply(&self, amount: Decimal) -> Decimal {
        let changed = match self.action {
            Action::Increase => amount + amount * self.value / HUNDRED,
            Action::Decrease => amount - amount * self.value / HUNDRED,
            Action::FlatIncrease => amount + self.value,
            Action::FlatDecrease => amount - self.value,
            Action::Exact => self.value,
        };
        match self.action {
            Action::Decrease | Action::FlatDecrease => changed.max(Decimal::ZERO.min(amount)),
            _ => changed,
        }
    }

    /// What an earlier amount must be adjusted by, unrounded.
    pub fn delta(&self, amount: Decimal) -> Decimal {
        self.apply(amount) - amount
    }
}

/// The five measures of a period's performance, and of goals and maxima.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    pub payout: Decimal,
    pub revenue: Decimal,
    pub sale_amount: Decimal,
    pub conversions: i64,
    pub events: i64,
}

impl Metrics {
    /// Each measure at or above its threshold, for the thresholds above 0,
    /// as (measure name, met).
    fn against(&self, thresholds: &Metrics) -> [(bool, bool); 5] {
        [
            (
                thresholds.payout > Decimal::ZERO,
                self.payout >= thresholds.payout,
            ),
            (
                thresholds.revenue > Decimal::ZERO,
                self.revenue >= thresholds.revenue,
            ),
            (
                thresholds.sale_amount > Decimal::ZERO,
                self.sale_amount >= thresholds.sale_amount,
            ),
            (
                thresholds.conversions > 0,
                self.conversions >= thresholds.conversions,
            ),
            (thresholds.events > 0, self.events >= thresholds.events),
        ]
    }

    fn any_positive(&self) -> bool {
        self.against(self).iter().any(|(set, _)| *set)
    }
}

/// Why a tier's terms are not valid, and which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierError {
    /// The field, relative to the input: `goals`, `maxima.revenue`, `payout.action`.
    pub field: String,
    pub message: String,
}

fn error(field: impl Into<String>, message: impl Into<String>) -> TierError {
    TierError {
        field: field.into(),
        message: message.into(),
    }
}

/// A tier's modifiers, goals and maxima, validated. The serde form is the
/// stored form (decimals as strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierTerms {
    pub payout: Option<Modifier>,
    pub revenue: Option<Modifier>,
    pub retroactive_payout: Option<Modifier>,
    pub retroactive_revenue: Option<Modifier>,
    pub goals: Metrics,
    pub maxima: Metrics,
}

const METRIC_NAMES: [&str; 5] = ["payout", "revenue", "saleAmount", "conversions", "events"];

impl TierTerms {
    /// Checks seed 004's rules: an enabled modifier has a value above 0 (and
    /// at most [`MAX_AMOUNT`]); `EXACT` only on retroactive modifiers; goals
    /// and maxima at least 0, at least one goal above 0; a maximum above 0
    /// above its goal.
    pub fn new(terms: TierTerms) -> Result<TierTerms, TierError> {
        for (name, modifier, retroactive) in [
            ("payout", &terms.payout, false),
            ("revenue", &terms.revenue, false),
            ("retroactivePayout", &terms.retroactive_payout, true),
            ("retroactiveRevenue", &terms.retroactive_revenue, true),
        ] {
            let Some(modifier) = modifier else { continue };
            if modifier.action == Action::Exact && !retroactive {
                return Err(error(
                    format!("{name}.action"),
                    "EXACT is for retroactive modifiers only",
                ));
            }
            let most = match modifier.action {
                Action::Increase => MAX_INCREASE_PERCENT,
                Action::Decrease => HUNDRED,
                Action::FlatIncrease | Action::FlatDecrease | Action::Exact => MAX_AMOUNT,
            };
            if modifier.value <= Decimal::ZERO || modifier.value > most {
                return Err(error(
                    format!("{name}.value"),
                    format!(
                        "must be greater than 0 and at most {most} for {}",
                        modifier.action.name()
                    ),
                ));
            }
        }
        for (group, metrics) in [("goals", &terms.goals), ("maxima", &terms.maxima)] {
            let values = [
                metrics.payout,
                metrics.revenue,
                metrics.sale_amount,
                Decimal::from(metrics.conversions),
                Decimal::from(metrics.events),
            ];
            for (name, value) in METRIC_NAMES.iter().zip(values) {
                if value < Decimal::ZERO || value > MAX_AMOUNT {
                    return Err(error(
                        format!("{group}.{name}"),
                        "must be at least 0 and at most 1000000000000",
                    ));
                }
            }
        }
        if !terms.goals.any_positive() {
            return Err(error("goals", "at least one goal must be greater than 0"));
        }
        let maxima = terms.maxima.against(&terms.maxima);
        let goals = [
            terms.goals.payout < terms.maxima.payout,
            terms.goals.revenue < terms.maxima.revenue,
            terms.goals.sale_amount < terms.maxima.sale_amount,
            terms.goals.conversions < terms.maxima.conversions,
            terms.goals.events < terms.maxima.events,
        ];
        for ((name, (set, _)), above) in METRIC_NAMES.iter().zip(maxima).zip(goals) {
            if set && !above {
                return Err(error(
                    format!("maxima.{name}"),
                    format!("must be greater than goals.{name}, or 0 for no maximum"),
                ));
            }
        }
        Ok(terms)
    }

    /// Every goal above 0 is met by `totals`.
    pub fn reached(&self, totals: &Metrics) -> bool {
        totals
            .against(&self.goals)
            .iter()
            .all(|(set, met)| !set || *met)
    }

    /// A maximum above 0 is met by `totals`: the tier modifies nothing more
    /// in the period.
    pub fn capped(&self, totals: &Metrics) -> bool {
        totals
            .against(&self.maxima)
            .iter()
            .any(|(set, met)| *set && *met)
    }
}

/// The first instant of `date` in `tz`: its midnight, or when a DST change
/// skips midnight, the first valid instant after it.
pub fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut local = date.and_time(NaiveTime::MIN);
    loop {
        if let Some(start) = tz.from_local_datetime(&local).earliest() {
            return start.with_timezone(&Utc);
        }
        local += Duration::minutes(15);
    }
}

/// The period of a tier that `at` falls in, as `[start, end)` instants, or
/// `None` when `at`'s date in `tz` is outside `start_date..=end_date`.
pub fn period_of(
    period: Period,
    tz: Tz,
    (start_date, end_date): (NaiveDate, NaiveDate),
    at: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let date = at.with_timezone(&tz).date_naive();
    if date < start_date || date > end_date {
        return None;
    }
    let (first, next) = match period {
        Period::Daily => (date, date.succ_opt()?),
        Period::Weekly => {
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (monday, monday + Duration::days(7))
        }
        Period::Monthly => {
            let first = date.with_day(1)?;
            (first, add_months(first, 1)?)
        }
        Period::Quarterly => {
            let month = (date.month0() / 3) * 3 + 1;
            let first = NaiveDate::from_ymd_opt(date.year(), month, 1)?;
            (first, add_months(first, 3)?)
        }
        Period::Global => (start_date, end_date.succ_opt()?),
    };
    Some((day_start(tz, first), day_start(tz, next)))
}

/// A period as `[start, end)` instants.
pub type Bounds = (DateTime<Utc>, DateTime<Utc>);

/// [`period_of`] for one tier, remembering the last period it found: an
/// instant inside that period and inside the tier's dates gets the same
/// answer without converting to local time again. A batch's events mostly
/// share one period, so most lookups are two comparisons.
#[derive(Debug, Clone)]
pub struct PeriodFinder {
    period: Period,
    tz: Tz,
    dates: (NaiveDate, NaiveDate),
    /// The instants `[from, until)` whose period is `bounds`: the last
    /// period found, cut to the tier's dates.
    last: Option<(DateTime<Utc>, DateTime<Utc>, Bounds)>,
}

impl PeriodFinder {
    pub fn new(period: Period, tz: Tz, dates: (NaiveDate, NaiveDate)) -> PeriodFinder {
        PeriodFinder {
            period,
            tz,
            dates,
            last: None,
        }
    }

    /// What [`period_of`] answers for `at`.
    pub fn of(&mut self, at: DateTime<Utc>) -> Option<Bounds> {
        if let Some((from, until, bounds)) = self.last
            && from <= at
            && at < until
        {
            return Some(bounds);
        }
        let bounds = period_of(self.period, self.tz, self.dates, at)?;
        // A local date is within the tier's dates exactly from the start of
        // its first day to the start of the day after its last.
        let (first, last) = self.dates;
        let from = Ord::max(bounds.0, day_start(self.tz, first));
        let until = last.succ_opt().map_or(bounds.1, |after| {
            Ord::min(bounds.1, day_start(self.tz, after))
        });
        self.last = Some((from, until, bounds));
        Some(bounds)
    }
}

fn add_months(first: NaiveDate, months: u32) -> Option<NaiveDate> {
    first.checked_add_months(chrono::Months::new(months))
}

/// A tier in scope of an event, as the choice of tier sees it.
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    pub terms: &'a TierTerms,
    /// Reached in the event's period, by it or before it.
    pub reached: bool,
    /// Past a maximum in the period.
    pub capped: bool,
}

/// Which tier's modifiers apply to an event's commissions, of `unrounded`
/// in total: of the reached, uncapped tiers that modify the payout or the
/// revenue, the one paying most, the first of them on a tie. `None`: the
/// commissions and revenue stay as they are.
pub fn choose(standings: &[Standing<'_>], unrounded: Decimal) -> Option<usize> {
    let mut best: Option<(usize, Decimal)> = None;
    for (i, standing) in standings.iter().enumerate() {
        let terms = standing.terms;
        let modifies = terms.payout.is_some() || terms.revenue.is_some();
        if !standing.reached || standing.capped || !modifies {
            continue;
        }
        let paid = terms.payout.map_or(unrounded, |m| m.apply(unrounded));
        if best.is_none_or(|(_, most)| paid > most) {
            best = Some((i, paid));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    const ALWAYS: (NaiveDate, NaiveDate) = (
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
    );

    fn bounds(period: Period, tz: Tz, at: &str) -> (String, String) {
        let (start, end) = period_of(period, tz, ALWAYS, utc(at)).unwrap();
        (start.to_rfc3339(), end.to_rfc3339())
    }

    fn pair(start: &str, end: &str) -> (String, String) {
        (start.to_owned(), end.to_owned())
    }

    #[test]
    fn days_have_23_and_25_hours_across_dst_changes() {
        let ny = chrono_tz::America::New_York;
        // 2026-03-08: clocks go forward at 02:00 (EST -5 → EDT -4).
        assert_eq!(
            bounds(Period::Daily, ny, "2026-03-08T12:00:00Z"),
            pair("2026-03-08T05:00:00+00:00", "2026-03-09T04:00:00+00:00")
        );
        // 2026-11-01: clocks go back at 02:00 (EDT → EST): 25 hours.
        assert_eq!(
            bounds(Period::Daily, ny, "2026-11-01T12:00:00Z"),
            pair("2026-11-01T04:00:00+00:00", "2026-11-02T05:00:00+00:00")
        );
        // An instant late in the local day belongs to it, not to the next.
        assert_eq!(
            bounds(Period::Daily, ny, "2026-11-02T04:30:00Z"),
            pair("2026-11-01T04:00:00+00:00", "2026-11-02T05:00:00+00:00")
        );
    }

    #[test]
    fn a_midnight_skipped_by_dst_starts_the_day_at_its_first_instant() {
        // Chile skips 00:00–01:00 when summer time begins (2026-09-06).
        let santiago = chrono_tz::America::Santiago;
        let start = day_start(santiago, date(2026, 9, 6));
        assert_eq!(start.to_rfc3339(), "2026-09-06T04:00:00+00:00");
        assert_eq!(
            start.with_timezone(&santiago).to_rfc3339(),
            "2026-09-06T01:00:00-03:00"
        );
    }

    #[test]
    fn iso_weeks_start_on_monday_across_a_year_end() {
        let kolkata = chrono_tz::Asia::Kolkata;
        // Friday 2027-01-01 is in the week of Monday 2026-12-28.
        assert_eq!(
            bounds(Period::Weekly, kolkata, "2027-01-01T10:00:00Z"),
            pair("2026-12-27T18:30:00+00:00", "2027-01-03T18:30:00+00:00")
        );
        // Sunday 23:59 local is still that week; Monday 00:00 is the next.
        assert_eq!(
            bounds(Period::Weekly, kolkata, "2027-01-03T18:29:59Z").0,
            "2026-12-27T18:30:00+00:00"
        );
        assert_eq!(
            bounds(Period::Weekly, kolkata, "2027-01-03T18:30:00Z").0,
            "2027-01-03T18:30:00+00:00"
        );
    }

    #[test]
    fn months_and_quarters_follow_the_calendar_in_the_time_zone() {
        let auckland = chrono_tz::Pacific::Auckland;
        // 2026-03-31T12:00Z is already 1 April in Auckland (NZDT, +13).
        assert_eq!(
            bounds(Period::Monthly, auckland, "2026-03-31T12:00:00Z"),
            pair("2026-03-31T11:00:00+00:00", "2026-04-30T12:00:00+00:00")
        );
        // Q2 starts on 1 April (NZDT) and ends on 1 July (NZST, +12).
        assert_eq!(
            bounds(Period::Quarterly, auckland, "2026-05-15T00:00:00Z"),
            pair("2026-03-31T11:00:00+00:00", "2026-06-30T12:00:00+00:00")
        );
        assert_eq!(
            bounds(Period::Quarterly, Tz::UTC, "2026-12-31T23:59:59Z"),
            pair("2026-10-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
        );
    }

    #[test]
    fn a_global_period_spans_the_tiers_dates_and_nothing_outside_them() {
        let dates = (date(2020, 7, 23), date(2020, 8, 22));
        let ny = chrono_tz::America::New_York;
        let (start, end) =
            period_of(Period::Global, ny, dates, utc("2020-08-01T00:00:00Z")).unwrap();
        assert_eq!(start.to_rfc3339(), "2020-07-23T04:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2020-08-23T04:00:00+00:00");
        // 2020-07-23T03:59Z is still the 22nd in New York: before the start.
        assert_eq!(
            period_of(Period::Monthly, ny, dates, utc("2020-07-23T03:59:00Z")),
            None
        );
        assert_eq!(
            period_of(Period::Monthly, ny, dates, utc("2020-08-23T04:00:00Z")),
            None
        );
        // A monthly period keeps its calendar bounds inside the dates.
        let (start, _) =
            period_of(Period::Monthly, ny, dates, utc("2020-07-24T00:00:00Z")).unwrap();
        assert_eq!(start.to_rfc3339(), "2020-07-01T04:00:00+00:00");
    }

    fn modifier(action: Action, value: &str) -> Modifier {
        Modifier {
            action,
            value: d(value),
        }
    }

    #[test]
    fn modifiers_change_an_amount_and_decreases_floor_at_zero() {
        assert_eq!(
            modifier(Action::Increase, "10").apply(d("12.35")),
            d("13.585")
        );
        assert_eq!(modifier(Action::Decrease, "6").apply(d("100")), d("94"));
        assert_eq!(modifier(Action::Decrease, "150").apply(d("100")), d("0"));
        assert_eq!(
            modifier(Action::FlatIncrease, "5").apply(d("2.50")),
            d("7.50")
        );
        assert_eq!(modifier(Action::FlatDecrease, "5").apply(d("2.50")), d("0"));
        assert_eq!(modifier(Action::Exact, "7").apply(d("2.50")), d("7"));
        assert_eq!(modifier(Action::Exact, "7").delta(d("2.50")), d("4.50"));
        assert_eq!(
            modifier(Action::FlatDecrease, "5").delta(d("2.50")),
            d("-2.50")
        );
        // A negative amount (a clawback) is never pushed further down.
        assert_eq!(modifier(Action::FlatDecrease, "5").apply(d("-2")), d("-2"));
    }

    fn metrics(payout: &str, revenue: &str, sale: &str, conversions: i64, events: i64) -> Metrics {
        Metrics {
            payout: d(payout),
            revenue: d(revenue),
            sale_amount: d(sale),
            conversions,
            events,
        }
    }

    /// Seed 004's SilverCommission.
    fn silver() -> TierTerms {
        TierTerms {
            payout: Some(modifier(Action::Increase, "10")),
            revenue: Some(modifier(Action::Decrease, "6")),
            retroactive_payout: Some(modifier(Action::FlatIncrease, "5")),
            retroactive_revenue: None,
            goals: metrics("0", "121", "0", 10, 0),
            maxima: metrics("0", "1000", "0", 0, 0),
        }
    }

    #[test]
    fn seed_004s_rules_are_enforced_with_the_field() {
        assert_eq!(TierTerms::new(silver()), Ok(silver()));
        let refused = |terms: TierTerms| TierTerms::new(terms).unwrap_err().field;
        assert_eq!(
            refused(TierTerms {
                goals: Metrics::default(),
                ..silver()
            }),
            "goals"
        );
        assert_eq!(
            refused(TierTerms {
                maxima: metrics("0", "121", "0", 0, 0),
                ..silver()
            }),
            "maxima.revenue"
        );
        assert_eq!(
            refused(TierTerms {
                maxima: metrics("0", "0", "0", 5, 0),
                ..silver()
            }),
            "maxima.conversions"
        );
        assert_eq!(
            refused(TierTerms {
                payout: Some(modifier(Action::Exact, "5")),
                ..silver()
            }),
            "payout.action"
        );
        assert_eq!(
            refused(TierTerms {
                revenue: Some(modifier(Action::Decrease, "0")),
                ..silver()
            }),
            "revenue.value"
        );
        assert_eq!(
            refused(TierTerms {
                goals: metrics("-1", "121", "0", 10, 0),
                ..silver()
            }),
            "goals.payout"
        );
        assert!(
            TierTerms::new(TierTerms {
                retroactive_payout: Some(modifier(Action::Exact, "5")),
                ..silver()
            })
            .is_ok()
        );
    }

    /// A poison event was a tier whose modifier took a commission beyond
    /// the ledger: each modifier is bounded where it is set.
    #[test]
    fn every_modifier_is_bounded_by_its_action() {
        let with = |action, value| TierTerms {
            payout: Some(modifier(action, value)),
            ..silver()
        };
        let error = |action, value| TierTerms::new(with(action, value)).unwrap_err();
        for (action, most, over) in [
            (Action::Increase, "1000", "1000.01"),
            (Action::Decrease, "100", "100.5"),
            (Action::FlatIncrease, "1000000000000", "1000000000000.01"),
            (Action::FlatDecrease, "1000000000000", "1000000000001"),
        ] {
            assert!(
                TierTerms::new(with(action, most)).is_ok(),
                "{action:?} {most}"
            );
            assert_eq!(
                error(action, over),
                TierError {
                    field: "payout.value".into(),
                    message: format!(
                        "must be greater than 0 and at most {most} for {}",
                        action.name()
                    ),
                }
            );
        }
        assert_eq!(
            error(Action::Increase, "1000000000000").message,
            "must be greater than 0 and at most 1000 for INCREASE"
        );
        let retroactive = TierTerms {
            retroactive_payout: Some(modifier(Action::Exact, "1000000000000.01")),
            ..silver()
        };
        assert_eq!(
            TierTerms::new(retroactive).unwrap_err().field,
            "retroactivePayout.value"
        );
    }

    #[test]
    fn the_reached_uncapped_tier_paying_most_is_chosen() {
        let with = |payout: Option<(Action, &str)>, revenue: Option<(Action, &str)>| TierTerms {
            payout: payout.map(|(a, v)| modifier(a, v)),
            revenue: revenue.map(|(a, v)| modifier(a, v)),
            ..silver()
        };
        let (ten, five, flat) = (
            with(Some((Action::Increase, "10")), None),
            with(Some((Action::Increase, "5")), None),
            with(Some((Action::FlatIncrease, "20")), None),
        );
        let revenue_only = with(None, Some((Action::Decrease, "6")));
        let stand = |terms, reached, capped| Standing {
            terms,
            reached,
            capped,
        };
        let standings = [
            stand(&five, true, false),
            stand(&ten, true, false),
            stand(&flat, true, true),
            stand(&flat, false, false),
        ];
        // On 100: +10 % pays 110, +5 % 105; the flat tier is capped or not reached.
        assert_eq!(choose(&standings, d("100")), Some(1));
        // On 500: +20 flat would pay 520 < 550, but it is capped anyway.
        assert_eq!(choose(&standings[..1], d("500")), Some(0));
        // A tier that modifies only revenue is chosen at its payout: unchanged.
        assert_eq!(
            choose(&[stand(&revenue_only, true, false)], d("100")),
            Some(0)
        );
        assert_eq!(choose(&[stand(&ten, false, false)], d("100")), None);
        assert_eq!(choose(&[], d("100")), None);
        // A tie goes to the first.
        assert_eq!(
            choose(
                &[stand(&ten, true, false), stand(&ten, true, false)],
                d("1")
            ),
            Some(0)
        );
    }

    proptest! {
        /// The chosen tier is reached, uncapped and modifies something,
        /// and no such tier pays more, nor as much before it.
        #[test]
        fn no_eligible_tier_pays_more_than_the_chosen(
            tiers in proptest::collection::vec((0u8..5, 1u32..300, any::<bool>(), any::<bool>(), any::<bool>()), 0..6),
            cents in 0i64..1_000_000,
        ) {
            let actions = [Action::Increase, Action::Decrease, Action::FlatIncrease, Action::FlatDecrease, Action::Exact];
            let terms: Vec<TierTerms> = tiers.iter().map(|&(a, v, pays, _, _)| TierTerms {
                payout: pays.then(|| Modifier { action: actions[a as usize], value: Decimal::new(v.into(), 1) }),
                ..silver()
            }).collect();
            let standings: Vec<Standing> = tiers.iter().zip(&terms).map(|(&(_, _, _, reached, capped), terms)| Standing { terms, reached, capped }).collect();
            let unrounded = Decimal::new(cents, 2);
            let eligible = |s: &Standing| s.reached && !s.capped && (s.terms.payout.is_some() || s.terms.revenue.is_some());
            let paid = |s: &Standing| s.terms.payout.map_or(unrounded, |m| m.apply(unrounded));
            match choose(&standings, unrounded) {
                None => prop_assert!(!standings.iter().any(eligible)),
                Some(c) => {
                    prop_assert!(eligible(&standings[c]));
                    for (i, s) in standings.iter().enumerate().filter(|(_, s)| eligible(s)) {
                        prop_assert!(paid(s) <= paid(&standings[c]));
                        if i < c { prop_assert!(paid(s) < paid(&standings[c])); }
                    }
                }
            }
        }

        /// However a bounded modifier meets an amount the ledger holds, the
        /// result stays within eleven times that amount: no overflow.
        #[test]
        fn a_bounded_modifier_keeps_amounts_in_range(
            minor in 0i64..=100_000_000_000_000,
            value in 1u32..=100_000,
            action in prop::sample::select(vec![Action::Increase, Action::Decrease, Action::FlatIncrease, Action::FlatDecrease]),
        ) {
            let amount = Decimal::new(minor, 2);
            let value = match action {
                Action::Decrease => Decimal::new(i64::from(value % 10_000), 2),
                _ => Decimal::new(i64::from(value), 2),
            };
            let modified = Modifier { action, value }.apply(amount);
            prop_assert!(modified >= Decimal::ZERO);
            prop_assert!(modified <= amount * Decimal::from(11) + MAX_AMOUNT);
        }
    }

    #[test]
    fn reached_needs_every_goal_and_capped_any_maximum() {
        let tier = silver();
        assert!(!tier.reached(&metrics("0", "200", "0", 9, 9)));
        assert!(!tier.reached(&metrics("0", "120.99", "0", 10, 10)));
        assert!(tier.reached(&metrics("0", "121", "0", 10, 10)));
        assert!(!tier.capped(&metrics("0", "999.99", "0", 100, 100)));
        assert!(tier.capped(&metrics("0", "1000", "0", 10, 10)));
        let stored = serde_json::to_value(&tier).unwrap();
        assert_eq!(stored["goals"]["revenue"], "121");
        assert_eq!(stored["payout"]["action"], "INCREASE");
        assert_eq!(serde_json::from_value::<TierTerms>(stored).unwrap(), tier);
    }

    fn zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            Tz::UTC,
            chrono_tz::America::New_York,
            chrono_tz::Europe::London,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Pacific::Auckland,
            chrono_tz::America::Santiago,
            chrono_tz::Australia::Lord_Howe,
        ])
    }

    fn period() -> impl Strategy<Value = Period> {
        prop::sample::select(vec![
            Period::Daily,
            Period::Weekly,
            Period::Monthly,
            Period::Quarterly,
        ])
    }

    proptest! {
        #[test]
        fn an_instant_lies_in_its_period_and_periods_tile_time(
            tz in zone(),
            period in period(),
            seconds in 978_307_200i64..4_070_908_800,
        ) {
            let at = DateTime::from_timestamp(seconds, 0).unwrap();
            let (start, end) = period_of(period, tz, ALWAYS, at).unwrap();
            prop_assert!(start <= at && at < end);
            // The next period starts where this one ends, and the instant
            // before the start belongs to the period before.
            let (next, _) = period_of(period, tz, ALWAYS, end).unwrap();
            prop_assert_eq!(next, end);
            let (_, previous_end) =
                period_of(period, tz, ALWAYS, start - Duration::seconds(1)).unwrap();
            prop_assert_eq!(previous_end, start);
            let hours = (end - start).num_hours();
            let bounds = match period {
                Period::Daily => 22..=26,
                Period::Weekly => 166..=170,
                Period::Monthly => 670..=746,
                _ => 2158..=2210,
            };
            prop_assert!(bounds.contains(&hours), "{hours} h");
        }

        #[test]
        fn the_period_finder_answers_as_period_of_does(
            tz in zone(),
            period in prop::sample::select(vec![
                Period::Daily, Period::Weekly, Period::Monthly, Period::Quarterly, Period::Global,
            ]),
            first in 0u32..3_000,
            days in 0u32..400,
            offset in -864_000i64..36_000_000,
            steps in prop::collection::vec(-400_000i64..400_000, 1..60),
        ) {
            let first_date = NaiveDate::from_ymd_opt(2001, 1, 1).unwrap() + Duration::days(first.into());
            let dates = (first_date, first_date + Duration::days(days.into()));
            let mut finder = PeriodFinder::new(period, tz, dates);
            // Near the tier's dates, in steps of up to a few days either way,
            // so that most lookups fall in the period found before.
            let mut at = first_date.and_time(NaiveTime::MIN).and_utc() + Duration::seconds(offset);
            for step in steps {
                prop_assert_eq!(finder.of(at), period_of(period, tz, dates, at), "at {}", at);
                at += Duration::seconds(step);
            }
        }

        #[test]
        fn a_modifier_never_takes_a_positive_amount_below_zero(
            cents in 0i64..10_000_000,
            value in 1i64..100_000,
            action in prop::sample::select(vec![
                Action::Increase, Action::Decrease, Action::FlatIncrease,
                Action::FlatDecrease, Action::Exact,
            ]),
        ) {
            let amount = Decimal::new(cents, 2);
            let modifier = Modifier { action, value: Decimal::new(value, 2) };
            let changed = modifier.apply(amount);
            prop_assert!(changed >= Decimal::ZERO);
            prop_assert_eq!(amount + modifier.delta(amount), changed);
            match action {
                Action::Increase | Action::FlatIncrease => prop_assert!(changed >= amount),
                Action::Decrease | Action::FlatDecrease => prop_assert!(changed <= amount),
                Action::Exact => prop_assert_eq!(changed, modifier.value),
            }
        }
    }
}

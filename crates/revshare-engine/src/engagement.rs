//! Partners who bring partners, and spend caps (SPEC §31): the arithmetic
//! of a referral rule and of a cap, with no I/O.
//!
//! A referral rule is the referrer's group's: what it earns on a commission
//! of a partner it recruited — a percentage of that commission or of the
//! sale that earned it, or a flat amount once the recruit's commissions
//! reach a threshold — for `maxMonths` from the recruit's first commission.
//!
//! A cap bounds what a partner (or a partner on one customer) earns in a
//! period — a day, a week from Monday, a calendar month, or all time, in
//! the tenant's time zone: a commission is cut to what is left of it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What earns a referrer its reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralTrigger {
    /// A percentage of each commission the recruit earns.
    Commission,
    /// A percentage of the sale that earned the recruit's commission.
    Sale,
    /// A flat amount once, when the recruit is approved.
    Approved,
    /// A flat amount once, when the recruit's commissions reach a total.
    Threshold,
}

/// A group's referral rule, as kept (JSON in `partner_groups.referral`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralRule {
    pub trigger: ReferralTrigger,
    /// `COMMISSION`, `SALE`: the percentage (0 to 100).
    pub percentage: Option<Decimal>,
    /// `APPROVED`, `THRESHOLD`: the flat amount, in the recruit's
    /// commission's currency.
    pub amount: Option<Decimal>,
    /// `THRESHOLD`: the recruit's commissions that earn it.
    pub threshold: Option<Decimal>,
    /// Months from the recruit's first commission in which it pays; none:
    /// for as long as both are partners.
    pub max_months: Option<u32>,
}

/// A rule that cannot be kept: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> RuleProblem {
    RuleProblem {
        field,
        message: message.into(),
    }
}

/// The most months a rule may name (50 years).
pub const MAX_MONTHS: u32 = 600;

impl ReferralRule {
    /// The rule's fields are the ones its trigger reads, each in range.
    pub fn check(&self) -> Result<(), RuleProblem> {
        let positive = |field: &'static str, value: Option<Decimal>| match value {
            Some(v) if v > Decimal::ZERO => Ok(()),
            Some(_) => Err(problem(field, "must be greater than 0")),
            None => Err(problem(field, "is required for this trigger")),
        };
        let absent = |field: &'static str, value: Option<Decimal>| match value {
            Some(_) => Err(problem(field, "is not read by this trigger")),
            None => Ok(()),
        };
        match self.trigger {
            ReferralTrigger::Commission | ReferralTrigger::Sale => {
                positive("percentage", self.percentage)?;
                if self.percentage > Some(Decimal::ONE_HUNDRED) {
                    return Err(problem("percentage", "must be at most 100"));
                }
                absent("amount", self.amount)?;
                absent("threshold", self.threshold)?;
            }
            ReferralTrigger::Approved => {
                positive("amount", self.amount)?;
                absent("percentage", self.percentage)?;
                absent("threshold", self.threshold)?;
            }
            ReferralTrigger::Threshold => {
                positive("amount", self.amount)?;
                positive("threshold", self.threshold)?;
                absent("percentage", self.percentage)?;
            }
        }
        match self.max_months {
            Some(0) => Err(problem("maxMonths", "must be at least 1")),
            Some(m) if m > MAX_MONTHS => Err(problem(
                "maxMonths",
                format!("must be at most {MAX_MONTHS}"),
            )),
            _ => Ok(()),
        }
    }

    /// Whether a commission accrued `at` is within `maxMonths` of the
    /// recruit's first commission (`first`; none: this is the first).
    pub fn pays_at(&self, first: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
        match (self.max_months, first) {
            (None, _) | (Some(_), None) => true,
            (Some(months), Some(first)) => super::customer_month(first, at) <= months,
        }
    }

    /// What a commission of `commission` on a sale of `sale` earns the
    /// referrer, unrounded: a percentage of either. `None` for the flat
    /// triggers (see [`ReferralRule::crosses`]).
    pub fn on_commission(&self, commission: Decimal, sale: Decimal) -> Option<Decimal> {
        let base = match self.trigger {
            ReferralTrigger::Commission => commission,
            ReferralTrigger::Sale => sale,
            ReferralTrigger::Approved | ReferralTrigger::Threshold => return None,
        };
        Some(base * self.percentage? / Decimal::ONE_HUNDRED)
    }

    /// `THRESHOLD`: the flat amount, when the recruit's commissions go from
    /// `before` to `after` across the threshold.
    pub fn crosses(&self, before: Decimal, after: Decimal) -> Option<Decimal> {
        match self.trigger {
            ReferralTrigger::Threshold => {
                let threshold = self.threshold?;
                (before < threshold && after >= threshold).then_some(self.amount?)
            }
            _ => None,
        }
    }
}

/// How long a cap's period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CapPeriod {
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    AllTime,
}

/// What a cap bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CapPer {
    /// What a partner earns in the period.
    Partner,
    /// What a partner earns on one customer in the period.
    PartnerAndCustomer,
}

/// A spend cap, as kept (JSON in `partner_groups.cap`, `campaigns.cap`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cap {
    pub amount: Decimal,
    pub currency: String,
    pub period: CapPeriod,
    pub per: CapPer,
}

/// The period holding an instant: `[start, end)`; all time is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Window {
    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| s <= at) && self.end.is_none_or(|e| at < e)
    }
}

/// The instant a local day starts in `zone` (its first valid instant, so
/// a day whose midnight a clock change skips starts when it begins).
fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut local = day.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(at) = zone.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        local += Duration::minutes(30);
    }
    // No zone skips two hours at midnight; as a last resort, UTC's midnight.
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

impl CapPeriod {
    /// The period holding `at`, in the tenant's `zone`.
    pub fn window(self, at: DateTime<Utc>, zone: Tz) -> Window {
        let day = at.with_timezone(&zone).date_naive();
        let (first, next) = match self {
            CapPeriod::AllTime => {
                return Window {
                    start: None,
                    end: None,
                };
            }
            CapPeriod::Day => (day, day.succ_opt()),
            CapPeriod::Week => {
                let monday = day - Duration::days(day.weekday().num_days_from_monday().into());
                (monday, monday.checked_add_signed(Duration::days(7)))
            }
            CapPeriod::Month => {
                let first = day.with_day(1).unwrap_or(day);
                (first, first.checked_add_months(chrono::Months::new(1)))
            }
        };
        Window {
            start: Some(day_start(first, zone)),
            end: next.map(|next| day_start(next, zone)),
        }
    }
}

/// What a commission of `amount` is cut to under a cap of `cap` of which
/// `used` is spent (all in minor units): what is left of the cap at most,
/// never below zero. A negative or zero amount is not cut.
pub fn cut(amount: i64, used: i64, cap: i64) -> i64 {
    if amount <= 0 {
        return amount;
    }
    amount.min(cap.saturating_sub(used).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rule(trigger: ReferralTrigger) -> ReferralRule {
        ReferralRule {
            trigger,
            percentage: None,
            amount: None,
            threshold: None,
            max_months: None,
        }
    }

    #[test]
    fn a_rule_reads_only_its_triggers_fields() {
        let mut commission = rule(ReferralTrigger::Commission);
        assert_eq!(commission.check().unwrap_err().field, "percentage");
        commission.percentage = Some(d("10"));
        assert_eq!(commission.check(), Ok(()));
        commission.amount = Some(d("5"));
        assert_eq!(commission.check().unwrap_err().field, "amount");
        commission.amount = None;
        commission.percentage = Some(d("100.01"));
        assert_eq!(commission.check().unwrap_err().field, "percentage");
        let mut threshold = rule(ReferralTrigger::Threshold);
        threshold.amount = Some(d("50"));
        assert_eq!(threshold.check().unwrap_err().field, "threshold");
        threshold.threshold = Some(d("0"));
        assert_eq!(threshold.check().unwrap_err().field, "threshold");
        threshold.threshold = Some(d("500"));
        threshold.max_months = Some(0);
        assert_eq!(threshold.check().unwrap_err().field, "maxMonths");
        threshold.max_months = Some(12);
        assert_eq!(threshold.check(), Ok(()));
    }

    #[test]
    fn a_percentage_is_of_the_commission_or_of_the_sale() {
        let mut on_commission = rule(ReferralTrigger::Commission);
        on_commission.percentage = Some(d("10"));
        assert_eq!(
            on_commission.on_commission(d("30.00"), d("300.00")),
            Some(d("3.0000"))
        );
        let mut on_sale = on_commission.clone();
        on_sale.trigger = ReferralTrigger::Sale;
        assert_eq!(
            on_sale.on_commission(d("30.00"), d("300.00")),
            Some(d("30.0000"))
        );
    }

    #[test]
    fn a_threshold_pays_once_it_is_crossed() {
        let mut threshold = rule(ReferralTrigger::Threshold);
        threshold.amount = Some(d("50"));
        threshold.threshold = Some(d("100"));
        assert_eq!(threshold.crosses(d("60"), d("99.99")), None);
        assert_eq!(threshold.crosses(d("60"), d("100")), Some(d("50")));
        assert_eq!(threshold.crosses(d("100"), d("150")), None);
    }

    #[test]
    fn max_months_count_from_the_first_commission() {
        let mut months = rule(ReferralTrigger::Commission);
        months.max_months = Some(2);
        let first = at("2026-01-31T10:00:00Z");
        assert!(months.pays_at(None, first));
        assert!(months.pays_at(Some(first), at("2026-03-30T23:59:59Z")));
        assert!(!months.pays_at(Some(first), at("2026-03-31T10:00:00Z")));
    }

    #[test]
    fn periods_run_in_the_tenants_zone_and_weeks_from_monday() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-11-25 23:30 UTC is Thursday 26 November 00:30 in Berlin.
        let instant = at("2026-11-25T23:30:00Z");
        let day = CapPeriod::Day.window(instant, berlin);
        assert_eq!(day.start, Some(at("2026-11-25T23:00:00Z")));
        assert_eq!(day.end, Some(at("2026-11-26T23:00:00Z")));
        let week = CapPeriod::Week.window(instant, berlin);
        assert_eq!(week.start, Some(at("2026-11-22T23:00:00Z")));
        assert_eq!(week.end, Some(at("2026-11-29T23:00:00Z")));
        // March's month changes its offset at the end of the month.
        let month = CapPeriod::Month.window(at("2026-03-15T12:00:00Z"), berlin);
        assert_eq!(month.start, Some(at("2026-02-28T23:00:00Z")));
        assert_eq!(month.end, Some(at("2026-03-31T22:00:00Z")));
        assert!(CapPeriod::AllTime.window(instant, berlin).holds(instant));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_it_begins() {
        // Santiago moves from 00:00 to 01:00 on 2026-09-06.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let day = CapPeriod::Day.window(at("2026-09-06T12:00:00Z"), santiago);
        assert_eq!(day.start, Some(at("2026-09-06T04:00:00Z")));
    }

    #[test]
    fn a_commission_is_cut_to_what_is_left() {
        assert_eq!(cut(3000, 0, 10000), 3000);
        assert_eq!(cut(3000, 8500, 10000), 1500);
        assert_eq!(cut(3000, 10000, 10000), 0);
        assert_eq!(cut(3000, 12000, 10000), 0);
        assert_eq!(cut(-500, 12000, 10000), -500);
    }

    proptest! {
        #[test]
        fn commissions_cut_in_sequence_never_pass_the_cap(
            cap in 0i64..1_000_000,
            amounts in proptest::collection::vec(0i64..100_000, 0..40),
        ) {
            let mut used = 0;
            for amount in amounts {
                let paid = cut(amount, used, cap);
                prop_assert!(paid >= 0 && paid <= amount);
                used += paid;
                prop_assert!(used <= cap);
                // Cut only when the cap is reached.
                prop_assert!(paid == amount || used == cap);
            }
        }

        #[test]
        fn every_instant_is_in_its_own_period(
            seconds in 0i64..4_000_000_000,
            period in prop_oneof![Just(CapPeriod::Day), Just(CapPeriod::Week), Just(CapPeriod::Month)],
            zone in prop_oneof![Just("UTC"), Just("Europe/Berlin"), Just("America/Santiago"), Just("Asia/Kolkata"), Just("Pacific/Chatham")],
        ) {
            let zone: Tz = zone.parse().unwrap();
            let instant = Utc.timestamp_opt(seconds, 0).unwrap();
            let window = period.window(instant, zone);
            prop_assert!(window.holds(instant));
            // The next period starts where this one ends.
            let end = window.end.unwrap();
            prop_assert_eq!(period.window(end, zone).start, Some(end));
        }
    }
}

//! A retainer's calendar (SPEC §37): a fixed amount on a cadence from a
//! start date, whatever the partner's performance — which day each period
//! starts and ends, and the instant it falls due in the tenant's zone.
//!
//! Period `n` (from 1) starts `n − 1` cadences after the start date,
//! counted from that date each time (never from the period before), so a
//! monthly retainer from 31 January starts on 28 February, then 31 March:
//! a day the month lacks is its last. A period ends the day before the
//! next starts, and falls due at the first instant of its first day in
//! the zone: 00:00, or the first instant after a gap when a change of
//! clocks skips midnight.

use chrono::{DateTime, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// How far apart a retainer's periods start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Every so many weeks.
    Weeks(u32),
    /// Every so many calendar months.
    Months(u32),
}

/// One period of a retainer: its number (from 1) and its days, both
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub number: u32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The day period `number` (from 1) starts; `None` for 0 or past the
/// calendar.
pub fn start_of(starts_on: NaiveDate, step: Step, number: u32) -> Option<NaiveDate> {
    let past = number.checked_sub(1)?;
    match step {
        Step::Weeks(weeks) => {
            starts_on.checked_add_days(Days::new(u64::from(past) * 7 * u64::from(weeks)))
        }
        Step::Months(months) => {
            starts_on.checked_add_months(Months::new(past.checked_mul(months)?))
        }
    }
}

/// Period `number` (from 1) of a retainer from `starts_on`.
pub fn period(starts_on: NaiveDate, step: Step, number: u32) -> Option<Period> {
    let start = start_of(starts_on, step, number)?;
    let next = start_of(starts_on, step, number.checked_add(1)?)?;
    Some(Period {
        number,
        starts_on: start,
        ends_on: next.pred_opt()?,
    })
}

/// The first instant of `day` in `zone`: its midnight, or when clocks
/// skip midnight that day, the first instant after the gap.
pub fn first_instant(zone: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    // A gap is at most a few hours: the first quarter hour that exists.
    (0..=24 * 4).find_map(|quarter| {
        let local = midnight + chrono::Duration::minutes(15 * quarter);
        zone.from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    })
}

/// When period `number` falls due in `zone`.
pub fn due_at(zone: Tz, starts_on: NaiveDate, step: Step, number: u32) -> Option<DateTime<Utc>> {
    first_instant(zone, start_of(starts_on, step, number)?)
}

/// The periods from `from` (a number from 1) due by `now`, in order: at
/// most `limit`, none past `last` (the retainer's number of periods, if it
/// has one).
pub fn due_by(
    zone: Tz,
    starts_on: NaiveDate,
    step: Step,
    from: u32,
    last: Option<u32>,
    now: DateTime<Utc>,
    limit: usize,
) -> Vec<u32> {
    let mut due = Vec::new();
    let mut number = from.max(1);
    while due.len() < limit && last.is_none_or(|last| number <= last) {
        match due_at(zone, starts_on, step, number) {
            Some(at) if at <= now => due.push(number),
            _ => break,
        }
        number += 1;
    }
    due
}

/// The first period (from `from`) not yet due at `now`: what a retainer
/// resumed at `now` pays first. `None` past `last` or the calendar.
pub fn next_after(
    zone: Tz,
    starts_on: NaiveDate,
    step: Step,
    from: u32,
    last: Option<u32>,
    now: DateTime<Utc>,
) -> Option<u32> {
    let mut number = from.max(1);
    loop {
        if last.is_some_and(|last| number > last) {
            return None;
        }
        if due_at(zone, starts_on, step, number)? > now {
            return Some(number);
        }
        number = number.checked_add(1)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_monthly_retainer_from_the_31st_takes_the_last_day_of_shorter_months() {
        let starts = day("2026-01-31");
        let days: Vec<NaiveDate> = (1..=4)
            .map(|n| start_of(starts, Step::Months(1), n).unwrap())
            .collect();
        assert_eq!(
            days,
            vec![
                day("2026-01-31"),
                day("2026-02-28"),
                day("2026-03-31"),
                day("2026-04-30")
            ]
        );
        let second = period(starts, Step::Months(1), 2).unwrap();
        assert_eq!(second.starts_on, day("2026-02-28"));
        assert_eq!(second.ends_on, day("2026-03-30"));
        assert_eq!(start_of(starts, Step::Months(1), 0), None);
    }

    #[test]
    fn weeks_quarters_and_years_count_from_the_start() {
        let starts = day("2028-02-29");
        assert_eq!(start_of(starts, Step::Weeks(1), 3), Some(day("2028-03-14")));
        assert_eq!(
            start_of(starts, Step::Months(3), 2),
            Some(day("2028-05-29"))
        );
        assert_eq!(
            start_of(starts, Step::Months(12), 2),
            Some(day("2029-02-28"))
        );
        assert_eq!(
            start_of(starts, Step::Months(12), 5),
            Some(day("2032-02-29"))
        );
    }

    #[test]
    fn a_period_is_due_at_midnight_in_the_zone_as_daylight_saving_has_it() {
        let york: Tz = "America/New_York".parse().unwrap();
        let starts = day("2026-01-31");
        assert_eq!(
            due_at(york, starts, Step::Months(1), 1),
            Some(at("2026-01-31T05:00:00Z"))
        );
        assert_eq!(
            due_at(york, starts, Step::Months(1), 3),
            Some(at("2026-03-31T04:00:00Z"))
        );
        // Santiago skipped midnight on 6 September 2026: 00:00 was 01:00.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        assert_eq!(
            first_instant(santiago, day("2026-09-06")),
            Some(at("2026-09-06T04:00:00Z"))
        );
    }

    #[test]
    fn what_is_due_stops_at_now_and_at_the_last_period() {
        let york: Tz = "America/New_York".parse().unwrap();
        let starts = day("2026-01-31");
        let step = Step::Months(1);
        let now = at("2026-03-31T03:59:59Z");
        assert_eq!(due_by(york, starts, step, 1, None, now, 100), vec![1, 2]);
        let now = at("2026-03-31T04:00:00Z");
        assert_eq!(due_by(york, starts, step, 2, None, now, 100), vec![2, 3]);
        assert_eq!(due_by(york, starts, step, 1, Some(2), now, 100), vec![1, 2]);
        assert_eq!(due_by(york, starts, step, 1, None, now, 1), vec![1]);
        assert_eq!(next_after(york, starts, step, 1, None, now), Some(4));
        assert_eq!(next_after(york, starts, step, 1, Some(3), now), None);
    }

    proptest! {
        #[test]
        fn periods_follow_one_another_without_gap_or_overlap(
            offset in 0u32..20_000,
            weeks in prop::bool::ANY,
            every in prop::sample::select(vec![1u32, 3, 12]),
            number in 1u32..200,
        ) {
            let starts = day("2000-01-01") + Days::new(u64::from(offset));
            let step = if weeks { Step::Weeks(1) } else { Step::Months(every) };
            let this = period(starts, step, number).unwrap();
            let next = period(starts, step, number + 1).unwrap();
            prop_assert_eq!(this.ends_on.succ_opt().unwrap(), next.starts_on);
            prop_assert!(this.starts_on <= this.ends_on);
            if let Step::Months(_) = step {
                // The start's day of month, or the month's last.
                use chrono::Datelike;
                let day_of = starts.day();
                prop_assert!(this.starts_on.day() == day_of || this.starts_on.day() < day_of
                    && this.starts_on.succ_opt().unwrap().day() == 1);
            }
        }

        #[test]
        fn what_is_due_is_every_period_whose_instant_has_come(
            offset in 0u32..3_000,
            hours in 0i64..30_000,
        ) {
            let york: Tz = "America/New_York".parse().unwrap();
            let starts = day("2025-01-01") + Days::new(u64::from(offset));
            let now = at("2025-01-01T00:00:00Z") + chrono::Duration::hours(hours);
            let due = due_by(york, starts, Step::Months(1), 1, None, now, 10_000);
            for n in &due {
                prop_assert!(due_at(york, starts, Step::Months(1), *n).unwrap() <= now);
            }
            let next = due.len() as u32 + 1;
            prop_assert!(due_at(york, starts, Step::Months(1), next).unwrap() > now);
            prop_assert_eq!(next_after(york, starts, Step::Months(1), 1, None, now), Some(next));
        }
    }
}

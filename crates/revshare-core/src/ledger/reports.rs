//! Reports (SPEC §17): series, the leaderboard, a partner's rank and the
//! program's totals, each a sum of the rollups the writes keep
//! ([`crate::posting::stats`]) — rows per day, partner, campaign and
//! currency, never the ledger's — so each costs the same at any size.

use crate::auth::access::Policy;
use crate::engine::tiers::day_start;
use crate::error::{ApiError, ApiResult};
use crate::posting::stats::{Measure, zone};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::enums::CommissionStatus;
use entity::{commission_stat, ledger_total, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};

/// `SUM(column)` as a 64-bit integer on both backends (PostgreSQL sums
/// `bigint`s as `numeric`).
fn sum(column: &str) -> Expr {
    Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"))
}

/// Most intervals one series answers.
pub const MAX_INTERVALS: usize = 1_000;
/// Most partners a leaderboard answers.
pub const MAX_TOP: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    /// The first day of the interval `date` falls in.
    pub fn first_day(self, date: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => date,
            Interval::Week => {
                date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
            }
            Interval::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day of the next interval.
    fn next(self, first: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => first + Duration::days(1),
            Interval::Week => first + Duration::days(7),
            Interval::Month => first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first),
        }
    }
}

/// What a series is filtered by (all optional).
#[derive(Debug, Default, Clone)]
pub struct StatFilter {
    pub partner_id: Option<String>,
    pub campaign_id: Option<String>,
    pub group_id: Option<String>,
    pub currency: Option<String>,
}

impl StatFilter {
    /// The figures `policy`'s caller reads, of the partner it names (none:
    /// the tenant's): a partner token its own (another partner's: a zero
    /// series), staff with `commissions:read` what they name.
    pub fn readable(policy: &Policy, named: Option<&str>) -> ApiResult<StatFilter> {
        let rows = policy.list(crate::auth::access::Kind::Commission, named)?;
        Ok(StatFilter {
            partner_id: rows.partner_filter(),
            ..StatFilter::default()
        })
    }
}

/// One interval of a series in one currency: each measure's sum (minor
/// units) and count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub start: DateTime<Utc>,
    pub currency: String,
    pub sums: BTreeMap<Measure, (i64, i64)>,
}

impl Stat {
    pub fn amount(&self, measure: Measure) -> i64 {
        self.sums.get(&measure).map_or(0, |s| s.0)
    }

    pub fn count(&self, measure: Measure) -> i64 {
        self.sums.get(&measure).map_or(0, |s| s.1)
    }
}

/// The days `[from, to)` covers in `tz`, checked: the first and the last.
fn days(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<(NaiveDate, NaiveDate)> {
    if to <= from {
        return Err(ApiError::bad_input("to", "must be after `from`"));
    }
    let first = from.with_timezone(&tz).date_naive();
    let last = (to - Duration::microseconds(1))
        .with_timezone(&tz)
        .date_naive();
    Ok((first, last))
}

/// The intervals `[from, to)` touches, each whole: their first days.
pub fn intervals(
    interval: Interval,
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<NaiveDate>> {
    let (first, last) = days(tz, from, to)?;
    let mut starts = Vec::new();
    let mut day = interval.first_day(first);
    while day <= last {
        if starts.len() == MAX_INTERVALS {
            return Err(ApiError::bad_input(
                "to",
                format!(
                    "spans more than {MAX_INTERVALS} intervals: ask for a longer interval or a shorter range"
                ),
            ));
        }
        starts.push(day);
        day = interval.next(day);
    }
    Ok(starts)
}

/// The rollup rows of the tenant's days `first..=last`, filtered.
fn stat_rows(
    tenant_id: &str,
    (first, last): (NaiveDate, NaiveDate),
    filter: &StatFilter,
) -> sea_orm::Select<commission_stat::Entity> {
    use commission_stat::Column as S;
    let mut select = commission_stat::Entity::find()
        .filter(S::TenantId.eq(tenant_id))
        .filter(S::Day.gte(first.format("%Y-%m-%d").to_string()))
        .filter(S::Day.lte(last.format("%Y-%m-%d").to_string()));
    if let Some(partner) = &filter.partner_id {
        select = select.filter(S::PartnerId.eq(partner.as_str()));
    }
    if let Some(campaign) = &filter.campaign_id {
        select = select.filter(S::CampaignId.eq(campaign.as_str()));
    }
    if let Some(currency) = &filter.currency {
        select = select.filter(S::Currency.eq(currency.as_str()));
    }
    if let Some(group) = &filter.group_id {
        select = select.filter(
            S::PartnerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(partner::Column::Id)
                    .from(partner::Entity)
                    .and_where(partner::Column::TenantId.eq(tenant_id))
                    .and_where(partner::Column::GroupId.eq(group.as_str()))
                    .to_owned(),
            ),
        );
    }
    select
}

/// The series of `[from, to)` by `interval` in the tenant's zone `zone_name`:
/// every interval it touches, whole, for each currency with any row (or the
/// one asked for; else `fallback`), zeros included.
pub async fn series(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    zone_name: &str,
    interval: Interval,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    filter: &StatFilter,
    fallback: &str,
) -> ApiResult<Vec<Stat>> {
    use commission_stat::Column as S;
    let tz = zone(zone_name)?;
    let starts = intervals(interval, tz, from, to)?;
    let (Some(first), Some(last_start)) = (starts.first().copied(), starts.last().copied()) else {
        return Ok(Vec::new());
    };
    let last = interval.next(last_start) - Duration::days(1);
    let rows: Vec<(String, String, String, i64, i64)> = stat_rows(tenant_id, (first, last), filter)
        .select_only()
        .column(S::Day)
        .column(S::Currency)
        .column(S::Measure)
        .column_as(sum("amount_minor"), "amount")
        .column_as(sum("row_count"), "count")
        .group_by(S::Day)
        .group_by(S::Currency)
        .group_by(S::Measure)
        .into_tuple()
        .all(conn)
        .await?;
    let mut by: BTreeMap<(NaiveDate, String), BTreeMap<Measure, (i64, i64)>> = BTreeMap::new();
    let mut currencies: Vec<String> = filter.currency.iter().cloned().collect();
    for (day, currency, measure, amount, count) in rows {
        let (Ok(day), Some(measure)) = (
            NaiveDate::parse_from_str(&day, "%Y-%m-%d"),
            Measure::parse(&measure),
        ) else {
            continue;
        };
        if !currencies.contains(&currency) {
            currencies.push(currency.clone());
        }
        let sums = by.entry((interval.first_day(day), currency)).or_default();
        let sum = sums.entry(measure).or_default();
        sum.0 += amount;
        sum.1 += count;
    }
    if currencies.is_empty() {
        currencies.push(fallback.to_owned());
    }
    currencies.sort();
    let mut series = Vec::with_capacity(starts.len() * currencies.len());
    for start in starts {
        for currency in &currencies {
            series.push(Stat {
                start: day_start(tz, start),
                currency: currency.clone(),
                sums: by.remove(&(start, currency.clone())).unwrap_or_default(),
            });
        }
    }
    Ok(series)
}

/// What each partner earned in `[from, to)`'s days in `currency`: accrued,
/// approved and paid, net of clawbacks (reversed rows earn nothing).
async fn earnings(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    zone_name: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    currency: &str,
) -> ApiResult<Vec<(String, i64)>> {
    use commission_stat::Column as S;
    let tz = zone(zone_name)?;
    let range = days(tz, from, to)?;
    let filter = StatFilter {
        currency: Some(currency.to_owned()),
        ..StatFilter::default()
    };
    let earned = [
        Measure::Accrued,
        Measure::Approved,
        Measure::Paid,
        Measure::ClawedBack,
    ]
    .map(Measure::name);
    let mut rows: Vec<(String, i64)> = stat_rows(tenant_id, range, &filter)
        .filter(S::Measure.is_in(earned))
        .select_only()
        .column(S::PartnerId)
        .column_as(sum("amount_minor"), "amount")
        .group_by(S::PartnerId)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// The partners who earned most in `[from, to)` in `currency`, most first
/// (ties by id), at most `first`.
pub async fn top_partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    zone_name: &str,
    range: (DateTime<Utc>, DateTime<Utc>),
    currency: &str,
    first: u64,
) -> ApiResult<Vec<(String, i64)>> {
    let mut rows = earnings(conn, tenant_id, zone_name, range, currency).await?;
    rows.truncate(first as usize);
    Ok(rows)
}

/// Each of `partner_ids`' rank in `[from, to)` in `currency`: 1 + the
/// partners who earned more (ties share a rank), with what it earned and
/// how many partners earned anything — from one read of the window's
/// earnings, however many partners are ranked.
pub async fn ranks(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    zone_name: &str,
    range: (DateTime<Utc>, DateTime<Utc>),
    currency: &str,
    partner_ids: &[&str],
) -> ApiResult<HashMap<String, (u64, i64, u64)>> {
    let rows = earnings(conn, tenant_id, zone_name, range, currency).await?;
    Ok(partner_ids
        .iter()
        .map(|id| ((*id).to_owned(), ranked(&rows, id)))
        .collect())
}

/// A partner's place among `rows` (most first).
fn ranked(rows: &[(String, i64)], partner_id: &str) -> (u64, i64, u64) {
    let own = rows
        .iter()
        .find(|(p, _)| p == partner_id)
        .map_or(0, |(_, amount)| *amount);
    let above = rows.iter().filter(|(_, amount)| *amount > own).count() as u64;
    (above + 1, own, rows.len() as u64)
}

/// The whole program's sums per currency and status.
pub async fn program_totals(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<(String, CommissionStatus, i64, i64)>> {
    use ledger_total::Column as T;
    Ok(ledger_total::Entity::find()
        .filter(T::TenantId.eq(tenant_id))
        .select_only()
        .column(T::Currency)
        .column(T::Status)
        .column_as(sum("amount_minor"), "amount")
        .column_as(sum("commission_count"), "count")
        .group_by(T::Currency)
        .group_by(T::Status)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Whether the kept totals count what `filter` selects exactly: no date
/// bounds it, and it is not a partner's own money by campaign
/// ([`ledger_count`] answers it then; otherwise a count reads rows, up to
/// its cap).
pub fn counted_by_totals(filter: &super::CommissionFilter) -> bool {
    filter.accrued_from.is_none()
        && filter.accrued_to.is_none()
        && !(filter.partners_money && filter.campaign_id.is_some())
}

/// How many commissions match a ledger filter without dates, from the
/// totals: `None` when the filter has dates (or is a partner's own money
/// by campaign), which the totals cannot answer.
pub async fn ledger_count(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &super::CommissionFilter,
) -> ApiResult<Option<u64>> {
    use ledger_total::Column as T;
    if filter.accrued_from.is_some() || filter.accrued_to.is_some() {
        return Ok(None);
    }
    if filter.partners_money {
        // A partner's own money: its balances count it (no spiff to one
        // of the tenant's staff), by campaign they cannot.
        let (Some(partner), None) = (&filter.partner_id, &filter.campaign_id) else {
            return Ok(None);
        };
        use entity::partner_balance::Column as B;
        let mut select =
            entity::partner_balance::Entity::find().filter(B::PartnerId.eq(partner.as_str()));
        if let Some(status) = filter.status {
            select = select.filter(B::Status.eq(status));
        }
        let count: Option<i64> = select
            .select_only()
            .column_as(sum("commission_count"), "count")
            .into_tuple()
            .one(conn)
            .await?
            .flatten();
        return Ok(Some(count.unwrap_or(0).max(0) as u64));
    }
    let mut select = ledger_total::Entity::find().filter(T::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(T::Status.eq(status));
    }
    if let Some(partner) = &filter.partner_id {
        select = select.filter(T::PartnerId.eq(partner.as_str()));
    }
    if let Some(campaign) = &filter.campaign_id {
        select = select.filter(T::CampaignId.eq(campaign.as_str()));
    }
    let count: Option<i64> = select
        .select_only()
        .column_as(sum("commission_count"), "count")
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    Ok(Some(count.unwrap_or(0).max(0) as u64))
}

/// The time zone the tenant's rollups are kept in: its own, or until they
/// are built, the one it had.
pub async fn zone_of(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<String> {
    use entity::tenant;
    let row: Option<(String, Option<String>)> = tenant::Entity::find_by_id(tenant_id.to_owned())
        .select_only()
        .column(tenant::Column::TimeZone)
        .column(tenant::Column::StatsZone)
        .into_tuple()
        .one(conn)
        .await?;
    let (zone, built) = row.ok_or_else(|| ApiError::not_found("tenant"))?;
    Ok(built.unwrap_or(zone))
}

/// Program totals converted into one currency (`programTotals(currency:)`).
pub struct Converted {
    /// `(currency, status, amount_minor)`, in the target currency.
    pub totals: Vec<(String, CommissionStatus, i64)>,
    /// The oldest day of the rates used; `None` when nothing was converted.
    pub day: Option<chrono::NaiveDate>,
}

/// Converts totals per currency and status into `target` at the latest
/// rates on or within 7 days before today: each status's converted sums
/// added unrounded and rounded once.
pub async fn converted_totals(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    target: &str,
    rows: &[(String, CommissionStatus, i64)],
) -> ApiResult<Converted> {
    use crate::engine::Currency;
    use rust_decimal::Decimal;
    let to = Currency::parse(target).map_err(|e| ApiError::bad_input("currency", e.to_string()))?;
    let today = crate::fx::day_of(crate::db::now());
    let codes: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|(c, _, _)| c.as_str())
        .chain([target])
        .collect();
    let book = crate::fx::book(conn, tenant_id, codes.iter().copied(), today, today).await?;
    let mut sums: Vec<(CommissionStatus, Decimal)> = Vec::new();
    let mut day: Option<chrono::NaiveDate> = None;
    for (code, status, minor) in rows {
        let from = Currency::parse(code).map_err(|e| ApiError::internal("stored currency", e))?;
        let amount = from.from_minor(*minor);
        let exact = match code == target {
            true => amount,
            false => {
                let found = book.cross(code, target, today).ok_or_else(|| {
                    ApiError::Conflict(format!(
                        "no exchange rate from {code} to {target} on or within 7 days before {today}: import one"
                    ))
                })?;
                day = Some(day.map_or(found.day, |d| d.min(found.day)));
                found
                    .cross
                    .convert(amount)
                    .ok_or_else(|| ApiError::internal("converting totals", code))?
            }
        };
        match sums.iter_mut().find(|(s, _)| s == status) {
            Some((_, sum)) => *sum += exact,
            None => sums.push((*status, exact)),
        }
    }
    let mut totals = Vec::new();
    for (status, sum) in sums {
        let minor = to
            .to_minor(to.round(sum))
            .map_err(|e| ApiError::internal("converted total", e))?;
        totals.push((target.to_owned(), status, minor));
    }
    Ok(Converted { totals, day })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn berlin_days_across_the_changes_are_23_and_25_hours() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let starts = intervals(
            Interval::Day,
            berlin,
            at("2026-03-28T23:00:00Z"),
            at("2026-03-30T22:00:00Z"),
        )
        .unwrap();
        let instants: Vec<_> = starts.iter().map(|d| day_start(berlin, *d)).collect();
        assert_eq!(
            instants,
            [at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")]
        );
        assert_eq!(instants[1] - instants[0], Duration::hours(23));
        let october = intervals(
            Interval::Day,
            berlin,
            at("2026-10-24T22:00:00Z"),
            at("2026-10-26T23:00:00Z"),
        )
        .unwrap();
        let instants: Vec<_> = october.iter().map(|d| day_start(berlin, *d)).collect();
        assert_eq!(instants[1] - instants[0], Duration::hours(25));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let utc: Tz = "UTC".parse().unwrap();
        let weeks = intervals(
            Interval::Week,
            utc,
            at("2026-01-01T00:00:00Z"),
            at("2026-01-13T00:00:00Z"),
        )
        .unwrap();
        // 2026-01-01 is a Thursday: its ISO week starts on 2025-12-29.
        let first = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            weeks,
            [first(2025, 12, 29), first(2026, 1, 5), first(2026, 1, 12)]
        );
        let months = intervals(
            Interval::Month,
            utc,
            at("2026-01-31T00:00:00Z"),
            at("2026-03-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(months, [first(2026, 1, 1), first(2026, 2, 1)]);
    }

    #[test]
    fn a_range_is_checked() {
        let utc: Tz = "UTC".parse().unwrap();
        let t = at("2026-01-01T00:00:00Z");
        assert!(intervals(Interval::Day, utc, t, t).is_err());
        let long = intervals(Interval::Day, utc, t, t + Duration::days(2000));
        assert!(matches!(long, Err(ApiError::BadInput { field, .. }) if field == "to"));
    }
}

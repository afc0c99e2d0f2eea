//! What a link's clicks tell, or a partner's: counted clicks by day,
//! country, device, browser, OS, referrer or QR, and ignored clicks by
//! reason (SPEC §37), over a range of the
//! tenant's days, read from the rollups (`link_stats`) — a range costs the
//! same with a thousand clicks or a million.

use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use entity::link_stat;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The longest range read at once, in days.
pub const MAX_DAYS: i64 = 366;

/// What clicks are told by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Day,
    Country,
    Device,
    Browser,
    Os,
    Referrer,
    Qr,
    /// Clicks ignored as traffic that earns nothing (SPEC §37), by reason.
    Ignored,
}

impl Dimension {
    /// Its rows' name (a day reads the QR rows: every counted click has
    /// one).
    fn stored(self) -> &'static str {
        match self {
            Dimension::Day | Dimension::Qr => "QR",
            Dimension::Country => "COUNTRY",
            Dimension::Device => "DEVICE",
            Dimension::Browser => "BROWSER",
            Dimension::Os => "OS",
            Dimension::Referrer => "REFERRER",
            Dimension::Ignored => "IGNORED",
        }
    }
}

/// Whose clicks.
pub enum Of<'a> {
    Link(&'a str),
    Partner(&'a str),
}

/// A value and its clicks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub value: String,
    pub clicks: i64,
}

/// Checks a range of days: `from` not after `to`, at most [`MAX_DAYS`].
pub fn check_range(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if from > to {
        return Err(ApiError::bad_input("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_input(
            "to",
            format!("a range is at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// Clicks by `by` from `from` to `to` (both included): by day, every day
/// of the range in order (none: 0); otherwise each value seen, most
/// clicks first (then by value).
pub async fn read(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    of: Of<'_>,
    from: NaiveDate,
    to: NaiveDate,
    by: Dimension,
) -> ApiResult<Vec<Stat>> {
    check_range(from, to)?;
    let mut select = link_stat::Entity::find()
        .select_only()
        .filter(link_stat::Column::TenantId.eq(tenant_id))
        .filter(link_stat::Column::Dimension.eq(by.stored()))
        .filter(link_stat::Column::Day.between(from, to));
    select = match of {
        Of::Link(id) => select.filter(link_stat::Column::LinkId.eq(id)),
        Of::Partner(id) => select.filter(link_stat::Column::PartnerId.eq(id)),
    };
    let sum = || Expr::cust("CAST(SUM(clicks) AS BIGINT)");
    if by == Dimension::Day {
        let rows: Vec<(NaiveDate, Option<i64>)> = select
            .column(link_stat::Column::Day)
            .column_as(sum(), "clicks")
            .group_by(link_stat::Column::Day)
            .into_tuple()
            .all(conn)
            .await?;
        let by_day: std::collections::HashMap<NaiveDate, i64> = rows
            .into_iter()
            .map(|(day, clicks)| (day, clicks.unwrap_or(0)))
            .collect();
        return Ok(from
            .iter_days()
            .take_while(|day| *day <= to)
            .map(|day| Stat {
                value: day.to_string(),
                clicks: by_day.get(&day).copied().unwrap_or(0),
            })
            .collect());
    }
    let rows: Vec<(String, Option<i64>)> = select
        .column(link_stat::Column::Value)
        .column_as(sum(), "clicks")
        .group_by(link_stat::Column::Value)
        .into_tuple()
        .all(conn)
        .await?;
    let mut stats: Vec<Stat> = rows
        .into_iter()
        .map(|(value, clicks)| Stat {
            value,
            clicks: clicks.unwrap_or(0),
        })
        .collect();
    stats.sort_by(|a, b| b.clicks.cmp(&a.clicks).then_with(|| a.value.cmp(&b.value)));
    Ok(stats)
}

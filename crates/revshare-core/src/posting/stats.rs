//! The rollups reports read (SPEC §17), kept in the writing transaction by
//! the same deltas as the balances ([`super::Deltas`]), the events of the
//! transaction included ([`super::Posting::recorded`]):
//!
//! - `commission_stats`: per tenant-local day, partner, campaign and
//!   currency, each [`Measure`]'s sum and count — a commission on the day
//!   of its `accruedAt` in the column of its current status (a clawback in
//!   `CLAWED_BACK`), an event on the day of its `occurredAt`;
//! - `ledger_totals`: per partner, campaign, currency and status, every
//!   commission's sum and count, whatever its payee.
//!
//! Both are upserts adding deltas, taken after the balances (the lock
//! order of [`super`]), under the tenant's stats lock
//! ([`super::locks::stats_zone`]), shared by writers and exclusive while
//! [`rebuild`] rebuilds them in a new time zone.

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::enums::{CommissionKind, CommissionStatus};
use entity::{commission, commission_stat, event, ledger_total};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;

/// A column of the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    Accrued,
    Approved,
    Paid,
    Reversed,
    ClawedBack,
    /// Events: their amounts (revenue) and their number.
    Events,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Measure::Accrued,
        Measure::Approved,
        Measure::Paid,
        Measure::Reversed,
        Measure::ClawedBack,
        Measure::Events,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Measure::Accrued => "ACCRUED",
            Measure::Approved => "APPROVED",
            Measure::Paid => "PAID",
            Measure::Reversed => "REVERSED",
            Measure::ClawedBack => "CLAWED_BACK",
            Measure::Events => "EVENTS",
        }
    }

    pub fn parse(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The column a commission of `kind` in `status` counts in.
    pub fn of(kind: CommissionKind, status: CommissionStatus) -> Measure {
        if kind == CommissionKind::Clawback {
            return Measure::ClawedBack;
        }
        match status {
            CommissionStatus::Accrued => Measure::Accrued,
            CommissionStatus::Approved => Measure::Approved,
            CommissionStatus::Paid => Measure::Paid,
            CommissionStatus::Reversed => Measure::Reversed,
        }
    }
}

/// Tenant, partner, campaign, currency, when, column.
type DayKey = (String, String, String, String, DateTime<Utc>, Measure);
/// Tenant, partner, campaign, currency, status.
type TotalKey = (String, String, String, String, CommissionStatus);
/// A sum (minor units) and a count.
type Sum = (i64, i64);

/// What one transaction adds to the rollups.
#[derive(Default)]
pub(crate) struct StatDeltas {
    days: BTreeMap<DayKey, Sum>,
    totals: BTreeMap<TotalKey, Sum>,
}

impl StatDeltas {
    /// A commission enters (`count` 1) or leaves (-1) `status`.
    pub(crate) fn commission(
        &mut self,
        row: &commission::Model,
        status: CommissionStatus,
        amount: i64,
        count: i64,
    ) {
        let measure = Measure::of(row.kind, status);
        let day = (
            row.tenant_id.clone(),
            row.partner_id.clone(),
            row.campaign_id.clone(),
            row.currency.clone(),
            row.accrued_at,
            measure,
        );
        let entry = self.days.entry(day).or_default();
        entry.0 += amount;
        entry.1 += count;
        let total = (
            row.tenant_id.clone(),
            row.partner_id.clone(),
            row.campaign_id.clone(),
            row.currency.clone(),
            status,
        );
        let entry = self.totals.entry(total).or_default();
        entry.0 += amount;
        entry.1 += count;
    }

    /// An event recorded.
    pub(crate) fn event(&mut self, row: &event::Model) {
        // A referrer's reward is no event of the program's (SPEC §31).
        if row.kind == entity::enums::EventKind::Reward {
            return;
        }
        let key = (
            row.tenant_id.clone(),
            row.partner_id.clone(),
            row.campaign_id.clone(),
            row.currency.clone(),
            row.occurred_at,
            Measure::Events,
        );
        let entry = self.days.entry(key).or_default();
        entry.0 += row.amount_minor;
        entry.1 += 1;
    }

    fn is_empty(&self) -> bool {
        self.days.is_empty() && self.totals.is_empty()
    }
}

/// The day `at` falls on in `zone`, as stored.
pub fn day_of(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The tenant's time zone, parsed.
pub fn zone(name: &str) -> ApiResult<Tz> {
    name.parse()
        .map_err(|_| ApiError::internal("tenant time zone", name))
}

/// Adds the deltas to both rollups: one upsert per table and chunk.
pub(crate) async fn add(conn: &impl ConnectionTrait, deltas: StatDeltas) -> ApiResult<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut zones: BTreeMap<String, Tz> = BTreeMap::new();
    let tenants = deltas
        .days
        .keys()
        .map(|k| &k.0)
        .chain(deltas.totals.keys().map(|k| &k.0));
    for tenant in tenants {
        if !zones.contains_key(tenant) {
            let name = super::locks::stats_zone(conn, tenant, false).await?;
            zones.insert(tenant.clone(), zone(&name)?);
        }
    }
    let mut days: Days = BTreeMap::new();
    fold(&mut days, deltas.days, |tenant| zones[tenant]);
    let totals = deltas
        .totals
        .into_iter()
        .filter(|(_, (amount, count))| *amount != 0 || *count != 0)
        .map(
            |((tenant, partner, campaign, currency, status), (amount, count))| {
                ledger_total::ActiveModel {
                    tenant_id: Set(tenant),
                    partner_id: Set(partner),
                    campaign_id: Set(campaign),
                    currency: Set(currency),
                    status: Set(status),
                    amount_minor: Set(amount),
                    commission_count: Set(count),
                }
            },
        );
    use ledger_total::Column as T;
    let key = [
        T::TenantId,
        T::PartnerId,
        T::CampaignId,
        T::Currency,
        T::Status,
    ];
    super::add_totals::<ledger_total::Entity>(conn, totals, &key, "commission_count").await?;
    write_days(conn, days).await
}

/// Adds `entries` to `days`, each on its day in its tenant's zone.
fn fold(days: &mut Days, entries: BTreeMap<DayKey, Sum>, zone_of: impl Fn(&str) -> Tz) {
    for ((tenant, partner, campaign, currency, at, measure), (amount, count)) in entries {
        let day = day_of(at, zone_of(&tenant));
        let entry = days
            .entry((tenant, day, partner, campaign, currency, measure))
            .or_default();
        entry.0 += amount;
        entry.1 += count;
    }
}

/// Tenant, day, partner, campaign, currency, column → sum.
type Days = BTreeMap<(String, String, String, String, String, Measure), Sum>;

async fn write_days(conn: &impl ConnectionTrait, days: Days) -> ApiResult<()> {
    let rows = days
        .into_iter()
        .filter(|(_, (amount, count))| *amount != 0 || *count != 0)
        .map(
            |((tenant, day, partner, campaign, currency, measure), (amount, count))| {
                commission_stat::ActiveModel {
                    tenant_id: Set(tenant),
                    day: Set(day),
                    partner_id: Set(partner),
                    campaign_id: Set(campaign),
                    currency: Set(currency),
                    measure: Set(measure.name().to_owned()),
                    amount_minor: Set(amount),
                    row_count: Set(count),
                }
            },
        );
    use commission_stat::Column as S;
    let key = [
        S::TenantId,
        S::Day,
        S::PartnerId,
        S::CampaignId,
        S::Currency,
        S::Measure,
    ];
    super::add_totals::<commission_stat::Entity>(conn, rows, &key, "row_count").await
}

/// Rows read at once while rebuilding.
const REBUILD_PAGE: u64 = 5_000;

/// Rebuilds a tenant's rollups from its ledger, in the caller's
/// transaction, with its stats locked against every writer: its time zone
/// changed, or its ledger was written before the rollups existed. Reads
/// the ledger once, a page at a time; holds one entry per day, partner,
/// campaign, currency and measure.
pub async fn rebuild(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<()> {
    use sea_orm::{QueryOrder, QuerySelect};
    let zone_name = super::locks::stats_zone(conn, tenant_id, true).await?;
    let tz = zone(&zone_name)?;
    commission_stat::Entity::delete_many()
        .filter(commission_stat::Column::TenantId.eq(tenant_id))
        .exec(conn)
        .await?;
    ledger_total::Entity::delete_many()
        .filter(ledger_total::Column::TenantId.eq(tenant_id))
        .exec(conn)
        .await?;
    // The days as each page is read (one entry per day, partner, campaign,
    // currency and column, never one per row); the totals as they are.
    let mut days: Days = BTreeMap::new();
    let mut deltas = StatDeltas::default();
    let mut after = String::new();
    loop {
        let page = commission::Entity::find()
            .filter(commission::Column::TenantId.eq(tenant_id))
            .filter(commission::Column::Id.gt(after.as_str()))
            .order_by_asc(commission::Column::Id)
            .limit(REBUILD_PAGE)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for row in &page {
            deltas.commission(row, row.status, row.amount_minor, 1);
        }
        fold(&mut days, std::mem::take(&mut deltas.days), |_| tz);
    }
    let mut after = String::new();
    loop {
        let page = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant_id))
            .filter(event::Column::Id.gt(after.as_str()))
            .order_by_asc(event::Column::Id)
            .limit(REBUILD_PAGE)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for row in &page {
            deltas.event(row);
        }
        fold(&mut days, std::mem::take(&mut deltas.days), |_| tz);
    }
    write_days(conn, days).await?;
    add(conn, deltas).await?;
    entity::tenant::Entity::update_many()
        .col_expr(entity::tenant::Column::StatsZone, Expr::value(zone_name))
        .filter(entity::tenant::Column::Id.eq(tenant_id))
        .exec(conn)
        .await?;
    Ok(())
}

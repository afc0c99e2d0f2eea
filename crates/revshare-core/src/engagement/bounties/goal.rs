//! A partner's progress toward a performance bounty's goal (SPEC §31),
//! read from the ledger in one statement: what it earned in its window of
//! the bounty (its `startsAt` to its end, or the partner's own with
//! `windowDays`: [`super::window`]) — its `COMMISSION` rows accrued then,
//! in the bounty's currency, not reversed — counted by the goal's metric:
//!
//! - `COMMISSION_AMOUNT`: their amounts less their clawbacks;
//! - `SALES`: the sales that earned them, less those refunded in full;
//! - `SALE_AMOUNT`: those sales' amounts less what was refunded of them;
//! - `CUSTOMERS`: the distinct customers of those sales and leads.
//!
//! A refund lowers it, so that a bounty not yet matured can be taken back
//! ([`super::awards::recheck`]).

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, TimeZone, Utc};
use entity::bounty;
use entity::enums::BountyMetric;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

/// The end of a bounty without one.
fn never() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[derive(FromQueryResult)]
struct Counted {
    value: Option<i64>,
}

/// What a goal counts: a metric over a partner's commissions of one
/// currency accrued between two instants (a bounty's, or a workflow's
/// `metricReached`).
pub struct Goal<'a> {
    pub tenant_id: &'a str,
    pub metric: BountyMetric,
    pub currency: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// What `bounty`'s goal counts in a partner's `window` (none for a
/// submission bounty).
pub fn of(bounty: &bounty::Model, window: super::Window) -> Option<Goal<'_>> {
    Some(Goal {
        tenant_id: &bounty.tenant_id,
        metric: bounty.goal_metric?,
        currency: &bounty.currency,
        starts_at: window.starts_at,
        ends_at: window.ends_at,
    })
}

/// The partner's progress toward `bounty`'s goal in its `window`: minor
/// units of its currency for an amount, a count otherwise.
pub async fn progress(
    conn: &impl ConnectionTrait,
    bounty: &bounty::Model,
    window: super::Window,
    partner_id: &str,
) -> ApiResult<i64> {
    match of(bounty, window) {
        Some(goal) => counted(conn, &goal, partner_id).await,
        None => Ok(0),
    }
}

/// The partner's value of `goal`'s metric (see the module).
pub async fn counted(
    conn: &impl ConnectionTrait,
    goal: &Goal<'_>,
    partner_id: &str,
) -> ApiResult<i64> {
    let metric = goal.metric;
    // The partner's commissions the goal counts.
    let counted = "SELECT c.id, c.event_id, c.amount_minor FROM commissions c \
         WHERE c.tenant_id = ? AND c.partner_id = ? AND c.kind = 'COMMISSION' \
         AND c.status <> 'REVERSED' AND c.currency = ? AND c.accrued_at >= ? AND c.accrued_at < ?";
    let window = || -> Vec<Value> {
        vec![
            goal.tenant_id.to_owned().into(),
            partner_id.to_owned().into(),
            goal.currency.to_owned().into(),
            goal.starts_at.into(),
            goal.ends_at.unwrap_or_else(never).into(),
        ]
    };
    let (sql, values) = match metric {
        BountyMetric::CommissionAmount => (
            format!(
                "SELECT CAST(COALESCE((SELECT SUM(w.amount_minor) FROM ({counted}) w), 0) \
                 + COALESCE((SELECT SUM(k.amount_minor) FROM commissions k \
                   WHERE k.kind = 'CLAWBACK' AND k.original_id IN (SELECT w.id FROM ({counted}) w)), 0) \
                 AS BIGINT) AS value"
            ),
            [window(), window()].concat(),
        ),
        BountyMetric::Sales | BountyMetric::SaleAmount => {
            let what = match metric {
                BountyMetric::Sales => "COUNT(*)",
                _ => "COALESCE(SUM(e.amount_minor - e.refunded_minor), 0)",
            };
            (
                format!(
                    "SELECT CAST({what} AS BIGINT) AS value FROM events e \
                     WHERE e.id IN (SELECT w.event_id FROM ({counted}) w) \
                     AND e.kind = 'SALE' AND e.amount_minor > e.refunded_minor"
                ),
                window(),
            )
        }
        BountyMetric::Customers => (
            format!(
                "SELECT CAST(COUNT(DISTINCT e.customer_id) AS BIGINT) AS value FROM events e \
                 WHERE e.id IN (SELECT w.event_id FROM ({counted}) w) \
                 AND e.customer_id IS NOT NULL \
                 AND (e.kind <> 'SALE' OR e.amount_minor > e.refunded_minor)"
            ),
            window(),
        ),
    };
    let statement = crate::db::statement(conn.get_database_backend(), &sql, values);
    let counted = Counted::find_by_statement(statement)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("goal progress", "no row"))?;
    Ok(counted.value.unwrap_or(0))
}

/// Whether `value` reaches the bounty's goal.
pub fn reaches(bounty: &bounty::Model, value: i64) -> bool {
    bounty.goal_value.is_some_and(|goal| value >= goal)
}

/// Most (goal, partner) bounds kept at once; past it they are forgotten
/// and counted again.
const MAX_BOUNDS: usize = 100_000;

/// What a goal counts, without its partner: equal goals (a bounty's and
/// a workflow's alike) share their count.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Counts {
    metric: BountyMetric,
    currency: String,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
}

impl Counts {
    fn of(goal: &Goal<'_>) -> Counts {
        Counts {
            metric: goal.metric,
            currency: goal.currency.to_owned(),
            starts_at: goal.starts_at,
            ends_at: goal.ends_at,
        }
    }

    fn covers(&self, currency: &str, at: DateTime<Utc>) -> bool {
        self.currency == currency && at >= self.starts_at && self.ends_at.is_none_or(|end| at < end)
    }
}

/// A commission written since a partner's goals were counted, as far as
/// it can raise them.
pub struct Grown<'a> {
    pub partner_id: &'a str,
    pub currency: &'a str,
    pub accrued_at: DateTime<Utc>,
    /// The commission's amount, in minor units.
    pub commission_minor: i64,
    /// Its sale's amount (0 for a lead), in minor units.
    pub sale_minor: i64,
}

/// Upper bounds of partners' progress toward goals, so that a goal a
/// partner is far from is not counted from its history again on every
/// commission (what reacts to sales, [`crate::ledger::reactions`]).
///
/// A bound is the partner's exact value when it was last counted, raised
/// by every commission written since ([`Bounds::grow`]) as much as that
/// commission can raise it — one sale, its amount, its commission, one
/// customer — and never lowered: a refund or a reversal only lowers the
/// true value, under the bound. So a bound below the goal proves the goal
/// not reached, and [`Bounds::reaches`] counts only when the bound
/// reaches the goal; the count then sets the bound anew. Only as good as
/// the commissions it is told of: its keeper forgets it when it may have
/// missed some.
#[derive(Default)]
pub struct Bounds {
    /// Whether bounds are kept at all: a lookup under the partners' locks
    /// counts every time.
    keep: bool,
    known: std::collections::HashMap<String, Vec<(Counts, i64)>>,
    len: usize,
}

impl Bounds {
    /// Bounds that count every time (none is kept).
    pub fn exact() -> Bounds {
        Bounds::default()
    }

    /// Bounds kept from one lookup to the next.
    pub fn kept() -> Bounds {
        Bounds {
            keep: true,
            ..Bounds::default()
        }
    }

    /// Whether `partner_id` reaches `target` of `goal`: counted from its
    /// history unless a kept bound shows it cannot.
    pub async fn reaches(
        &mut self,
        conn: &impl ConnectionTrait,
        goal: &Goal<'_>,
        partner_id: &str,
        target: i64,
    ) -> ApiResult<bool> {
        let counts = Counts::of(goal);
        if self.keep
            && let Some((_, bound)) = self
                .known
                .get(partner_id)
                .and_then(|kept| kept.iter().find(|(c, _)| *c == counts))
            && *bound < target
        {
            return Ok(false);
        }
        let value = counted(conn, goal, partner_id).await?;
        if self.keep {
            if self.len >= MAX_BOUNDS {
                self.known.clear();
                self.len = 0;
            }
            let kept = self.known.entry(partner_id.to_owned()).or_default();
            match kept.iter_mut().find(|(c, _)| *c == counts) {
                Some((_, bound)) => *bound = value,
                None => {
                    kept.push((counts, value));
                    self.len += 1;
                }
            }
        }
        Ok(value >= target)
    }

    /// Raises the bounds `commission` can raise.
    pub fn grow(&mut self, commission: &Grown<'_>) {
        let Some(kept) = self.known.get_mut(commission.partner_id) else {
            return;
        };
        for (counts, bound) in kept.iter_mut() {
            if counts.covers(commission.currency, commission.accrued_at) {
                *bound += match counts.metric {
                    BountyMetric::CommissionAmount => commission.commission_minor.max(0),
                    BountyMetric::SaleAmount => commission.sale_minor.max(0),
                    BountyMetric::Sales | BountyMetric::Customers => 1,
                };
            }
        }
    }
}

//! A partner's progress toward a performance bounty's goal (SPEC §31),
//! read from the ledger in one statement: what it earned between the
//! bounty's `startsAt` and `endsAt` — its `COMMISSION` rows accrued then,
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

/// The partner's progress toward `bounty`'s goal: minor units of its
/// currency for an amount, a count otherwise.
pub async fn progress(
    conn: &impl ConnectionTrait,
    bounty: &bounty::Model,
    partner_id: &str,
) -> ApiResult<i64> {
    let Some(metric) = bounty.goal_metric else {
        return Ok(0);
    };
    let goal = Goal {
        tenant_id: &bounty.tenant_id,
        metric,
        currency: &bounty.currency,
        starts_at: bounty.starts_at,
        ends_at: bounty.ends_at,
    };
    counted(conn, &goal, partner_id).await
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

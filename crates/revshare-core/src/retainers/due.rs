//! A retainer's periods written as they fall due (SPEC §37), exactly once.
//!
//! The `retainers` job runs on every replica, at start and every minute
//! ([`step`]): by the replica's clock — never the database's — it writes
//! each active retainer's periods due and not yet written, what fell due
//! while nothing ran included. Each period is one `RETAINER` commission
//! per partner paid, accrued at the period's due instant however late it
//! is written, on a `REWARD` event of the partner's own keyed
//! `revshare:retainer:{id}:{partner}:{n}`.
//!
//! Once: [`write`] first moves the retainer's `next_period` on from the
//! number it read, and only if it still reads so — of two replicas
//! writing the same periods, the second finds the row moved (PostgreSQL
//! waits for the first to commit, then matches nothing; SQLite's writer
//! is alone) and writes nothing. A crash between is a rollback of both.

use super::{last_of, next_of, step_of};
use crate::db::{Db, Txn};
use crate::engine::Currency;
use crate::engine::retainers as calendar;
use crate::error::{ApiError, ApiResult};
use crate::jobs::Step;
use crate::ledger::path::Payload;
use crate::ledger::rewards::{RewardEvent, book};
use crate::posting::breakdown::{BreakdownLine, RetainerLine};
use crate::posting::{NewCommission, TermsRef};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::enums::{CommissionKind, CommissionStatus, PartnerStatus, RetainerStatus, TermsSource};
use entity::{campaign, partner, retainer};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// How often the job looks (and once at start).
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The most periods one transaction writes for a retainer; more waiting
/// are the next step's.
const PERIODS_A_STEP: usize = 50;

/// Writes `row`'s periods due by `now` in `zone` and not yet written, in
/// the caller's transaction; answers how many periods were written (0
/// when another transaction wrote them first). After its last period the
/// retainer is `ENDED`.
pub async fn write(
    conn: &Txn,
    row: &retainer::Model,
    zone: Tz,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    if row.status != RetainerStatus::Active {
        return Ok(0);
    }
    let step = step_of(row.cadence);
    let due = calendar::due_by(
        zone,
        row.starts_on,
        step,
        next_of(row),
        last_of(row),
        now,
        PERIODS_A_STEP,
    );
    let Some(&latest) = due.last() else {
        return Ok(0);
    };
    let next = latest + 1;
    let ended = last_of(row).is_some_and(|last| next > last);
    let mut moved = retainer::Entity::update_many()
        .col_expr(
            retainer::Column::NextPeriod,
            Expr::value(i32::try_from(next).unwrap_or(i32::MAX)),
        )
        .filter(retainer::Column::Id.eq(row.id.as_str()))
        .filter(retainer::Column::NextPeriod.eq(row.next_period))
        .filter(retainer::Column::Status.eq(RetainerStatus::Active));
    if ended {
        moved = moved
            .col_expr(retainer::Column::Status, Expr::value(RetainerStatus::Ended))
            .col_expr(retainer::Column::EndedAt, Expr::value(now));
    }
    if moved.exec(conn).await?.rows_affected == 0 {
        return Ok(0);
    }
    let campaign = campaign::Entity::find_by_id(row.campaign_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("retainer campaign", &row.campaign_id))?;
    for number in &due {
        let (Some(period), Some(at)) = (
            calendar::period(row.starts_on, step, *number),
            calendar::due_at(zone, row.starts_on, step, *number),
        ) else {
            continue;
        };
        for partner in paid(conn, row, at).await? {
            let event = RewardEvent {
                tenant_id: &row.tenant_id,
                partner_id: &partner.id,
                campaign_id: &row.campaign_id,
                currency: &row.currency,
                key: format!("retainer:{}:{}:{}", row.id, partner.id, number),
                payload: Payload::new()
                    .field("retainerId", row.id.clone())
                    .field("period", i64::from(*number)),
                at,
            };
            book(
                conn,
                event,
                commission_of(row, &campaign, &partner, period, at)?,
            )
            .await?;
        }
    }
    Ok(due.len())
}

/// The partners a period due `at` pays, locked: the retainer's partner,
/// or each partner of its group who joined by then — active ones alone.
async fn paid(
    conn: &Txn,
    row: &retainer::Model,
    at: DateTime<Utc>,
) -> ApiResult<Vec<partner::Model>> {
    let which = Condition::all().add(partner::Column::Status.eq(PartnerStatus::Active));
    let which = match (&row.partner_id, &row.group_id) {
        (Some(partner_id), _) => which.add(partner::Column::Id.eq(partner_id.as_str())),
        (None, Some(group_id)) => which
            .add(partner::Column::GroupId.eq(group_id.as_str()))
            .add(partner::Column::CreatedAt.lte(at)),
        (None, None) => return Ok(Vec::new()),
    };
    crate::posting::locks::partners(conn, &row.tenant_id, which).await
}

/// A period's `RETAINER` commission to `partner`.
fn commission_of(
    row: &retainer::Model,
    campaign: &campaign::Model,
    partner: &partner::Model,
    period: calendar::Period,
    at: DateTime<Utc>,
) -> ApiResult<NewCommission> {
    let currency =
        Currency::parse(&row.currency).map_err(|e| ApiError::internal("retainer currency", e))?;
    Ok(NewCommission {
        kind: CommissionKind::Retainer,
        status: CommissionStatus::Accrued,
        tenant_id: row.tenant_id.clone(),
        partner_id: partner.id.clone(),
        campaign_id: row.campaign_id.clone(),
        event_id: String::new(),
        amount_minor: row.amount_minor,
        currency: row.currency.clone(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::Group,
        },
        breakdown: vec![BreakdownLine::Retainer(RetainerLine {
            retainer_id: row.id.clone(),
            name: row.name.clone(),
            period: period.number,
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            amount: currency.from_minor(row.amount_minor).normalize(),
        })],
        accrued_at: at,
        holdback_days: Some(campaign.holdback_days.unwrap_or(0)),
        original_id: None,
        reason: None,
        note: None,
        deal: None,
        tier_id: None,
        revenue_minor: None,
    })
}

/// The `retainers` job's step: every active retainer's due periods, each
/// retainer in a transaction of its own (one that fails is logged and
/// left for the next step). `More` when a retainer had more due than one
/// transaction writes.
pub async fn step(db: &Db, now: DateTime<Utc>) -> ApiResult<Step> {
    let active: Vec<(String, String)> = retainer::Entity::find()
        .select_only()
        .column(retainer::Column::Id)
        .column(retainer::Column::TenantId)
        .filter(retainer::Column::Status.eq(RetainerStatus::Active))
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut zones: HashMap<String, Tz> = HashMap::new();
    let mut more = false;
    for (id, tenant_id) in active {
        let zone = match zones.get(&tenant_id) {
            Some(zone) => *zone,
            None => {
                let zone = crate::tenants::tenant_zone(db.conn(), &tenant_id).await?;
                zones.insert(tenant_id.clone(), zone);
                zone
            }
        };
        let written = db
            .transaction(|txn| {
                let id = id.clone();
                Box::pin(async move {
                    let Some(row) = retainer::Entity::find_by_id(id).one(&*txn).await? else {
                        return Ok(0);
                    };
                    write(&txn, &row, zone, now).await
                })
            })
            .await;
        match written {
            Ok(n) => more |= n >= PERIODS_A_STEP,
            Err(err) => {
                tracing::warn!(retainer = %id, error = ?err, "writing a retainer's periods failed; the next step tries again");
            }
        }
    }
    Ok(if more { Step::More } else { Step::Idle })
}

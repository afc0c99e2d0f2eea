//! Backtesting a change on the events already recorded (SPEC §23): what a
//! range's events hold in the ledger now (`before`) beside what they would
//! have earned under one proposed change (`after`), per partner and
//! currency — replayed in memory by the accrual's own steps
//! ([`replay`]), with nothing written to the ledger.
//!
//! Up to [`INLINE_EVENTS`] events, a backtest is answered at once. Beyond,
//! it is kept `RUNNING` and replayed in the background — one at a time per
//! tenant (a partial unique index), by the replica holding its lease
//! (renewed page by page; a replica that stops hands it to another, which
//! starts it again), with its progress written as it goes and a
//! cancellation seen at the next page. Finishing, failing or being
//! cancelled appends `BACKTEST_FINISHED`. A backtest is kept
//! [`KEPT_DAYS`] days. Why: [docs/backtesting.md].

pub mod change;
pub mod replay;
pub mod results;

use crate::db::Db;
use crate::deals::plans::{self, NewPlan};
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::jobs::{self, Job, Lease, Runner, Step, Stop, Worker};
use crate::tiers::NewTier;
use change::Change;
use chrono::{DateTime, Duration, Utc};
use entity::enums::BacktestStatus;
use entity::{backtest, backtest_result, campaign, event, partner, partner_group};
use replay::{Figures, Replay};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::collections::HashSet;

/// Largest range answered at once; a larger one runs in the background.
pub const INLINE_EVENTS: i64 = 10_000;

/// The largest range answered at once ([`INLINE_EVENTS`]; tests lower it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inline(pub i64);

impl Default for Inline {
    fn default() -> Inline {
        Inline(INLINE_EVENTS)
    }
}
/// How long a backtest is kept.
pub const KEPT_DAYS: i64 = 7;
/// How long a replica holds a running backtest without renewing.
const LEASE: Duration = Duration::seconds(60);
/// How often each replica looks for a running backtest nobody holds, and
/// for expired ones.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Largest `partnerIds`.
pub const MAX_PARTNERS: usize = 1000;

impl Proposal {
    /// The kind of the object it changes: who finds it may try changes to
    /// it.
    pub fn changed(&self) -> crate::auth::access::Kind {
        use crate::auth::access::Kind;
        match self {
            Proposal::GroupRules { .. } => Kind::PartnerGroup,
            Proposal::CampaignRules { .. } => Kind::Campaign,
            Proposal::Tier { .. } => Kind::TieredCommission,
            Proposal::Plan { .. } => Kind::CommissionPlan,
        }
    }
}

/// The one change, as the API gives it.
/// Without rules or a tier, the object's terms as they are: a replay that
/// must reproduce the ledger.
pub enum Proposal {
    GroupRules {
        group_id: String,
        rules: Option<crate::engine::RuleSet>,
    },
    CampaignRules {
        campaign_id: String,
        rules: Option<crate::engine::RuleSet>,
    },
    /// A tier in place of tier `id`, or a new one; tier `id` as it is.
    Tier {
        id: Option<String>,
        tier: Option<NewTier>,
    },
    /// A deal plan in place of plan `id`, or a new one; plan `id` as it is.
    Plan {
        id: Option<String>,
        plan: Option<NewPlan>,
    },
}

pub struct NewBacktest {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub proposal: Proposal,
    /// Only these partners' figures (all partners' when `None`).
    pub partner_ids: Option<Vec<String>>,
}

/// Starts a backtest: answered at once when the range is small, else
/// running in the background.
pub async fn start(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    new: NewBacktest,
    inline: Inline,
    wake: &Wake,
) -> ApiResult<backtest::Model> {
    if new.to <= new.from {
        return Err(ApiError::bad_input("input.to", "must be after from"));
    }
    let conn = db.conn();
    let change = checked_change(conn, tenant_id, new.proposal).await?;
    let only = match new.partner_ids {
        Some(ids) => Some(checked_partners(conn, tenant_id, ids).await?),
        None => None,
    };
    let range = (new.from, new.to);
    let events = count(conn, tenant_id, range).await?;
    let now = crate::db::now();
    let mut row = backtest::Model {
        id: crate::input::new_id(),
        tenant_id: tenant_id.to_owned(),
        status: BacktestStatus::Running,
        change: stored(&change, only.as_ref())?,
        range_from: new.from,
        range_to: new.to,
        events,
        replayed: 0,
        window_events: 0,
        started_by: actor.to_owned(),
        started_at: now,
        finished_at: None,
        lease_until: None,
        error: None,
        expires_at: now + Duration::days(KEPT_DAYS),
    };
    if events <= inline.0 {
        let mut replay = Replay::prepare(conn, tenant_id, change, range, only).await?;
        if let Some(replay) = &mut replay {
            while replay.next_page(conn).await? {}
            row.window_events = replay.replayed() as i64;
            row.replayed = row.window_events;
        }
        let figures = replay.map(Replay::finish).transpose()?.unwrap_or_default();
        row.status = BacktestStatus::Done;
        row.finished_at = Some(crate::db::now());
        let row = &row;
        let figures = &figures;
        return db
            .transaction(|txn| {
                Box::pin(async move {
                    backtest::Entity::insert(backtest::ActiveModel::from(row.clone()))
                        .exec_without_returning(&*txn)
                        .await?;
                    write_results(&*txn, &row.id, figures).await?;
                    Ok(row.clone())
                })
            })
            .await;
    }
    // Checked now, so a range with unreplayable events is refused at once.
    row.window_events = Replay::prepare(conn, tenant_id, change, range, only)
        .await?
        .map_or(0, |r| r.window_events());
    let inserted = backtest::Entity::insert(backtest::ActiveModel::from(row.clone()))
        .exec_without_returning(conn)
        .await;
    match inserted {
        Err(err) if violates(&err, keys::BACKTEST_RUNNING) => Err(ApiError::Conflict(
            "a backtest is already running for this program: wait for it, or cancel it".into(),
        )),
        Err(err) => Err(err.into()),
        Ok(_) => {
            // This replica's backtests job takes it up now (or another's,
            // where backtests are off here).
            wake.0.notify_one();
            Ok(row)
        }
    }
}

/// The change checked against what exists, as the mutations that would
/// make it check it.
async fn checked_change(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    proposal: Proposal,
) -> ApiResult<Change> {
    match proposal {
        Proposal::GroupRules { group_id, rules } => {
            let found = partner_group::Entity::find_by_id(group_id.clone())
                .filter(partner_group::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?;
            if found.is_none() {
                return Err(ApiError::bad_input("input.groupId", "no such group"));
            }
            match rules {
                Some(rules) => Change::group_rules(group_id, &rules),
                None => Ok(Change::Unchanged {
                    of: change::Object::Group(group_id),
                }),
            }
        }
        Proposal::CampaignRules { campaign_id, rules } => {
            let found = campaign::Entity::find_by_id(campaign_id.clone())
                .filter(campaign::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?;
            if found.is_none() {
                return Err(ApiError::bad_input("input.campaignId", "no such campaign"));
            }
            match rules {
                Some(rules) => Change::campaign_rules(campaign_id, &rules),
                None => Ok(Change::Unchanged {
                    of: change::Object::Campaign(campaign_id),
                }),
            }
        }
        Proposal::Tier {
            id: Some(id),
            tier: None,
        } => {
            crate::tiers::find(conn, tenant_id, &id)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input("input.tieredCommissionId", "no such tiered commission")
                })?;
            Ok(Change::Unchanged {
                of: change::Object::Tier(id),
            })
        }
        Proposal::Tier { id: _, tier: None } => Err(ApiError::bad_input(
            "input.tier",
            "is required without tieredCommissionId",
        )),
        Proposal::Tier {
            id,
            tier: Some(tier),
        } => {
            let model = crate::tiers::proposed(conn, tenant_id, id.as_deref(), &tier)
                .await
                .map_err(|err| match err {
                    ApiError::NotFound(_) => {
                        ApiError::bad_input("input.tieredCommissionId", "no such tiered commission")
                    }
                    err => under(err, "input.tier."),
                })?;
            Ok(Change::tier(model, tier.partner_ids, tier.campaign_ids))
        }
        Proposal::Plan { id, plan } => {
            if let Some(id) = &id {
                plans::find(conn, tenant_id, id).await?.ok_or_else(|| {
                    ApiError::bad_input("input.planId", "no such commission plan")
                })?;
            }
            match (id, plan) {
                (Some(id), None) => Ok(Change::Unchanged {
                    of: change::Object::Plan(id),
                }),
                (id, Some(plan)) => {
                    plans::check(conn, tenant_id, &plan)
                        .await
                        .map_err(|err| under(err, "input.plan."))?;
                    Ok(Change::plan(id, plan))
                }
                (None, None) => Err(ApiError::bad_input(
                    "input.plan",
                    "is required without planId",
                )),
            }
        }
    }
}

/// A tier's or a plan's field errors name the field under `input.tier`
/// or `input.plan`.
pub fn under(err: ApiError, prefix: &str) -> ApiError {
    match err {
        ApiError::BadInput { field, message } if !field.starts_with(prefix) => ApiError::BadInput {
            field: field.replacen("input.", prefix, 1),
            message,
        },
        err => err,
    }
}

async fn checked_partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: Vec<String>,
) -> ApiResult<HashSet<String>> {
    crate::input::check_id_list("input.partnerIds", &ids, 1, MAX_PARTNERS)?;
    let found: Vec<String> = partner::Entity::find()
        .select_only()
        .column(partner::Column::Id)
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Id.is_in(ids.iter().map(String::as_str)))
        .into_tuple()
        .all(conn)
        .await?;
    let found: HashSet<String> = found.into_iter().collect();
    crate::input::check_found(
        "input.partnerIds",
        &ids,
        |id| found.contains(id),
        "no such partner",
    )?;
    Ok(found)
}

/// The change a kept backtest replays.
pub fn change_of(row: &backtest::Model) -> ApiResult<Change> {
    read_stored(&row.change).map(|(change, _)| change)
}

/// The change and the partners it is limited to, as kept.
fn stored(change: &Change, only: Option<&HashSet<String>>) -> ApiResult<String> {
    let mut partners: Option<Vec<&String>> = only.map(|o| o.iter().collect());
    if let Some(p) = &mut partners {
        p.sort();
    }
    serde_json::to_string(&serde_json::json!({ "change": change, "partnerIds": partners }))
        .map_err(|e| ApiError::internal("backtest change", e))
}

fn read_stored(text: &str) -> ApiResult<(Change, Option<HashSet<String>>)> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Kept {
        change: Change,
        partner_ids: Option<HashSet<String>>,
    }
    let kept: Kept =
        serde_json::from_str(text).map_err(|e| ApiError::internal("stored backtest change", e))?;
    Ok((kept.change, kept.partner_ids))
}

/// The range's events.
async fn count(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> ApiResult<i64> {
    let n = event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::OccurredAt.gte(from))
        .filter(event::Column::OccurredAt.lt(to))
        .count(conn)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

async fn write_results(conn: &impl ConnectionTrait, id: &str, figures: &Figures) -> ApiResult<()> {
    let rows: Vec<backtest_result::ActiveModel> = figures
        .iter()
        .map(|((currency, partner_id), line)| {
            backtest_result::Model {
                backtest_id: id.to_owned(),
                currency: currency.clone(),
                partner_id: partner_id.clone(),
                before_minor: line.before,
                after_minor: line.after,
                difference_minor: line.after - line.before,
                events: line.events,
            }
            .into()
        })
        .collect();
    for chunk in rows.chunks(crate::posting::WRITE_CHUNK) {
        backtest_result::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A backtest of the tenant.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<backtest::Model>> {
    Ok(backtest::Entity::find_by_id(id.to_owned())
        .filter(backtest::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// Cancels a running backtest; `CONFLICT` once it has finished.
pub async fn cancel(db: &Db, tenant_id: &str, id: &str) -> ApiResult<backtest::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let found = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("backtest"))?;
            let now = crate::db::now();
            let moved = jobs::lease::revoking(backtest::Entity::update_many())
                .col_expr(
                    backtest::Column::Status,
                    Expr::value(BacktestStatus::Cancelled.as_str()),
                )
                .col_expr(backtest::Column::FinishedAt, Expr::value(now))
                .filter(backtest::Column::Id.eq(id))
                .filter(backtest::Column::Status.eq(BacktestStatus::Running))
                .exec(&*txn)
                .await?;
            if moved.rows_affected == 0 {
                return Err(ApiError::Conflict(format!(
                    "the backtest is {} already",
                    found.status.as_str()
                )));
            }
            let row = backtest::Model {
                status: BacktestStatus::Cancelled,
                finished_at: Some(now),
                lease_until: None,
                ..found
            };
            announce(&*txn, &row).await?;
            Ok(row)
        })
    })
    .await
}

/// `BACKTEST_FINISHED`, for a backtest that ran in the background.
async fn announce(conn: &impl ConnectionTrait, row: &backtest::Model) -> ApiResult<()> {
    let now = crate::db::now();
    crate::events::append(
        conn,
        &row.tenant_id,
        now,
        vec![NewDomainEvent {
            kind: DomainEventType::BacktestFinished,
            occurred_at: now,
            partner_id: None,
            subject_id: row.id.clone(),
            data: serde_json::json!({
                "status": row.status.as_str(),
                "events": row.events,
            }),
        }],
    )
    .await
}

/// Wakes this replica's backtests job: one was started here.
#[derive(Clone, Default)]
pub struct Wake(pub std::sync::Arc<tokio::sync::Notify>);

/// On every replica: running backtests nobody holds are taken up, and
/// those past their days deleted, every [`LOOK_EVERY`] and at once when
/// one is started here.
pub fn worker(wake: &Wake) -> Worker {
    Worker::every(Job::Backtests, LOOK_EVERY).woken_by(jobs::Wake::Poke(wake.0.clone()))
}

/// Takes up the running backtests nobody holds (their replica stopped),
/// and deletes those past their days.
/// Each runs as a job of its own on `runner`.
pub async fn take_up(db: &Db, runner: &Runner) -> ApiResult<Step> {
    let now = crate::db::now();
    let orphans: Vec<String> = backtest::Entity::find()
        .select_only()
        .column(backtest::Column::Id)
        .filter(backtest::Column::Status.eq(BacktestStatus::Running))
        .filter(jobs::lease::free::<backtest::Entity>(now))
        .into_tuple()
        .all(db.conn())
        .await?;
    for id in orphans {
        let db = db.clone();
        runner.start(move |stop| async move {
            let run = run(&db, &id, stop);
            jobs::run_row("backtest", &id, run, || fail_on_defect(&db, &id)).await
        });
    }
    backtest::Entity::delete_many()
        .filter(backtest::Column::ExpiresAt.lt(now))
        .exec(db.conn())
        .await?;
    Ok(Step::Idle)
}

/// Fails a running backtest whose replay met a defect, taking it from
/// whoever holds it (taken up again, it would meet the same defect for
/// ever), and says so with `BACKTEST_FINISHED` as any end does.
async fn fail_on_defect(db: &Db, id: &str) -> ApiResult<()> {
    let txn = db.write().await?;
    let failed = jobs::lease::revoking(backtest::Entity::update_many())
        .col_expr(
            backtest::Column::Status,
            Expr::value(BacktestStatus::Failed.as_str()),
        )
        .col_expr(backtest::Column::FinishedAt, Expr::value(crate::db::now()))
        .col_expr(
            backtest::Column::Error,
            Expr::value("the replay failed: ask the operator to read the server's log"),
        )
        .filter(backtest::Column::Id.eq(id))
        .filter(backtest::Column::Status.eq(BacktestStatus::Running))
        .exec(&*txn)
        .await?;
    if failed.rows_affected == 1
        && let Some(row) = backtest::Entity::find_by_id(id.to_owned())
            .one(&*txn)
            .await?
    {
        announce(&*txn, &row).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Replays a running backtest page by page while this replica holds it,
/// then writes its figures and `DONE` (or `FAILED`) — only if it still
/// holds it, so a cancelled or taken-over run writes nothing.
async fn run(db: &Db, id: &str, stop: Stop) -> ApiResult<()> {
    let conn = db.conn();
    let running = Condition::all().add(backtest::Column::Status.eq(BacktestStatus::Running));
    let Some(mut lease) = Lease::take_one(conn, id, running, LEASE).await? else {
        return Ok(());
    };
    let row = backtest::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("claimed backtest", id))?;
    let replayed = replay_all(db, &row, &mut lease, &stop).await;
    let (status, figures, error) = match replayed {
        Ok(Some(figures)) => (BacktestStatus::Done, figures, None),
        // Stopping: let go, for another replica to take up at once.
        Ok(None) if stop.requested() => return lease.release(conn).await,
        // Cancelled, or taken over: nothing to write.
        Ok(None) => return Ok(()),
        Err(err) => {
            tracing::warn!(error = ?err, backtest = %id, "a backtest failed");
            let said = "the replay failed: ask the operator to read the server's log".to_owned();
            (BacktestStatus::Failed, Figures::new(), Some(said))
        }
    };
    let (row, figures, error, lease) = (&row, &figures, &error, &lease);
    db.transaction(|txn| {
        Box::pin(async move {
            let now = crate::db::now();
            let moved = lease
                .ending(backtest::Entity::update_many())
                .col_expr(backtest::Column::Status, Expr::value(status.as_str()))
                .col_expr(backtest::Column::FinishedAt, Expr::value(now))
                .col_expr(backtest::Column::Replayed, Expr::value(row.window_events))
                .col_expr(backtest::Column::Error, Expr::value(error.clone()))
                .filter(backtest::Column::Status.eq(BacktestStatus::Running))
                .exec(&*txn)
                .await?;
            if moved.rows_affected == 0 {
                return Ok(());
            }
            write_results(&*txn, &row.id, figures).await?;
            let done = backtest::Model {
                status,
                ..row.clone()
            };
            announce(&*txn, &done).await
        })
    })
    .await
}

/// The replay, renewing the lease after every page; `None` when the lease
/// was lost (cancelled, or another replica took it).
/// The figures, or `None` when the lease was lost (cancelled, taken over)
/// or the replica is stopping — checked between pages.
async fn replay_all(
    db: &Db,
    row: &backtest::Model,
    lease: &mut Lease<backtest::Entity>,
    stop: &Stop,
) -> ApiResult<Option<Figures>> {
    let conn = db.conn();
    let (change, only) = read_stored(&row.change)?;
    let range = (row.range_from, row.range_to);
    let Some(mut replay) = Replay::prepare(conn, &row.tenant_id, change, range, only).await? else {
        return Ok(Some(Figures::new()));
    };
    while replay.next_page(conn).await? {
        let done = replay.replayed() as i64;
        let (update, renewed) = lease.renewing(backtest::Entity::update_many());
        let held = update
            .col_expr(backtest::Column::Replayed, Expr::value(done))
            .filter(backtest::Column::Status.eq(BacktestStatus::Running))
            .exec(conn)
            .await?
            .rows_affected
            > 0;
        if !held {
            return Ok(None);
        }
        lease.renewed(renewed);
        if stop.requested() {
            return Ok(None);
        }
    }
    replay.finish().map(Some)
}

/// How far a backtest is, 0 to 1.
pub fn progress(row: &backtest::Model) -> f64 {
    match row.status {
        BacktestStatus::Running if row.window_events > 0 => {
            (row.replayed as f64 / row.window_events as f64).min(1.0)
        }
        BacktestStatus::Running => 0.0,
        _ => 1.0,
    }
}

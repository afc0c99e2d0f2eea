//! Which workflows an approval or a batch's commissions set off, the run
//! claimed once per workflow and partner, and the actions that move no
//! money (the ledger books `payBonus`: [`crate::ledger::rewards`]). A
//! workflow moves and tags a partner through the directory's own writes
//! ([`crate::directory::partners::change`]), and every action writes an
//! activity entry whose actor is the workflow (`WORKFLOW`, its id and
//! name) in the transaction that runs it.
//!
//! A workflow whose stored trigger or groups do not read is set off by
//! nothing (logged): it cannot say whom it is for, and never acts on
//! everyone. One whose actions do not read has its run recorded failed,
//! with why ([`UNREADABLE_ACTIONS`]), having taken none; a failed run is
//! claimed again the next time the workflow is due for its partner, so it
//! never keeps the partner from the workflow.

use super::{Action, Trigger, groups_of, trigger_of};
use crate::activity::{Actor, Entry};
use crate::directory::groups;
use crate::directory::partners::{self, Tagged};
use crate::directory::recorded::By;
use crate::engagement::bounties::awards::Earned;
use crate::engagement::bounties::goal::{self, Goal};
use crate::error::{ApiError, ApiResult};
use crate::messages::{NewMessage, write};
use chrono::{DateTime, Utc};
use entity::enums::{MessageSender, WorkflowTriggerKind};
use entity::{partner, workflow, workflow_run};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// What an action is, as its outcome names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionKind {
    MoveToGroup,
    SendMessage,
    AddTag,
    PayBonus,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::MoveToGroup { .. } => ActionKind::MoveToGroup,
            Action::SendMessage { .. } => ActionKind::SendMessage,
            Action::AddTag { .. } => ActionKind::AddTag,
            Action::PayBonus { .. } => ActionKind::PayBonus,
        }
    }
}

/// How one action of a run went: done, or not and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub action: ActionKind,
    pub done: bool,
    #[serde(default)]
    pub detail: Option<String>,
}

impl Outcome {
    pub fn done(action: ActionKind, detail: impl Into<String>) -> Outcome {
        Outcome {
            action,
            done: true,
            detail: Some(detail.into()),
        }
    }

    fn not_done(action: ActionKind, detail: impl Into<String>) -> Outcome {
        Outcome {
            action,
            done: false,
            detail: Some(detail.into()),
        }
    }
}

/// The outcomes kept on a run; ones that do not read are an error.
pub fn outcomes_of(row: &workflow_run::Model) -> ApiResult<Vec<Outcome>> {
    ApiError::stored("workflow run outcomes", &row.outcomes)
}

/// Why a run took no action: its workflow's stored actions do not read.
pub const UNREADABLE_ACTIONS: &str =
    "the workflow's stored actions could not be read: none was taken";

/// A workflow set off on a partner: in which campaign a bonus is booked
/// (the approval's, or the commission's that reached the metric), and
/// when.
pub struct Due {
    pub workflow: workflow::Model,
    pub partner_id: String,
    pub campaign_id: String,
    pub at: DateTime<Utc>,
}

/// An enabled workflow with its trigger and groups read.
struct Readable {
    row: workflow::Model,
    trigger: Trigger,
    /// Empty: every group.
    groups: Vec<String>,
}

impl Readable {
    fn acts_on(&self, group_id: &str) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|g| g == group_id)
    }
}

/// The tenant's enabled workflows of `kind` whose trigger and groups
/// read; the others are left out, logged: they act on no one.
async fn enabled(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    kind: WorkflowTriggerKind,
) -> ApiResult<Vec<Readable>> {
    let rows = workflow::Entity::find()
        .filter(workflow::Column::TenantId.eq(tenant_id))
        .filter(workflow::Column::TriggerKind.eq(kind))
        .filter(workflow::Column::Enabled.eq(true))
        .all(conn)
        .await?;
    let mut readable = Vec::with_capacity(rows.len());
    for row in rows {
        match (trigger_of(&row), groups_of(&row)) {
            (Ok(trigger), Ok(groups)) => readable.push(Readable {
                row,
                trigger,
                groups,
            }),
            _ => tracing::error!(
                workflow = %row.id,
                "a workflow's stored trigger or groups do not read: it acts on no one"
            ),
        }
    }
    Ok(readable)
}

/// The enabled `partnerApproved` workflows for `partner`'s group, just
/// approved into `campaign_id`.
pub async fn on_approval(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    campaign_id: &str,
    at: DateTime<Utc>,
) -> ApiResult<Vec<Due>> {
    Ok(
        enabled(conn, &partner.tenant_id, WorkflowTriggerKind::Approved)
            .await?
            .into_iter()
            .filter(|flow| flow.acts_on(&partner.group_id))
            .map(|flow| Due {
                workflow: flow.row,
                partner_id: partner.id.clone(),
                campaign_id: campaign_id.to_owned(),
                at,
            })
            .collect(),
    )
}

/// The enabled `metricReached` workflows new commissions make their
/// partners reach, not run on them yet; whether a partner reaches a goal
/// is asked of `bounds`. What reacts to sales asks once outside any lock
/// and again, before acting, under the partners' locks.
pub async fn reached(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    earned: &[Earned<'_>],
    bounds: &mut goal::Bounds,
) -> ApiResult<Vec<Due>> {
    if earned.is_empty() {
        return Ok(Vec::new());
    }
    let workflows = enabled(conn, tenant_id, WorkflowTriggerKind::Metric).await?;
    if workflows.is_empty() {
        return Ok(Vec::new());
    }
    // Each (workflow, partner) a commission of the batch counts toward,
    // with the campaign and moment of its latest such commission.
    let mut candidates: BTreeMap<(usize, &str), (&str, DateTime<Utc>)> = BTreeMap::new();
    for (i, flow) in workflows.iter().enumerate() {
        let Trigger::MetricReached(metric) = &flow.trigger else {
            continue;
        };
        for e in earned {
            if e.currency == metric.currency
                && metric.covers(e.accrued_at)
                && flow.acts_on(e.group_id)
            {
                let at = candidates
                    .entry((i, e.partner_id))
                    .or_insert((e.campaign_id, e.accrued_at));
                if e.accrued_at >= at.1 {
                    *at = (e.campaign_id, e.accrued_at);
                }
            }
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // A failed run is no run: the workflow is due again.
    let ran: HashSet<(String, String)> = workflow_run::Entity::find()
        .filter(workflow_run::Column::TenantId.eq(tenant_id))
        .filter(
            workflow_run::Column::WorkflowId.is_in(
                candidates
                    .keys()
                    .map(|(i, _)| workflows[*i].row.id.as_str()),
            ),
        )
        .filter(workflow_run::Column::PartnerId.is_in(candidates.keys().map(|(_, p)| *p)))
        .filter(workflow_run::Column::Failure.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|run| (run.workflow_id, run.partner_id))
        .collect();
    let mut due = Vec::new();
    for ((i, partner_id), (campaign_id, at)) in candidates {
        let flow = &workflows[i];
        let row = &flow.row;
        if ran.contains(&(row.id.clone(), partner_id.to_owned())) {
            continue;
        }
        let Trigger::MetricReached(metric) = &flow.trigger else {
            continue;
        };
        let goal = Goal {
            tenant_id,
            metric: metric.metric,
            currency: &metric.currency,
            starts_at: metric.from.unwrap_or(DateTime::UNIX_EPOCH),
            ends_at: metric.to,
        };
        if bounds
            .reaches(conn, &goal, partner_id, metric.value)
            .await?
        {
            due.push(Due {
                workflow: row.clone(),
                partner_id: partner_id.to_owned(),
                campaign_id: campaign_id.to_owned(),
                at,
            });
        }
    }
    Ok(due)
}

/// Claims the run of `due`: its id, or `None` when the workflow ran on
/// the partner already (`ux_workflow_runs` decides a race). A run that
/// failed is no run: it gives way to this one.
pub async fn claim(
    conn: &impl ConnectionTrait,
    due: &Due,
    now: DateTime<Utc>,
) -> ApiResult<Option<String>> {
    workflow_run::Entity::delete_many()
        .filter(workflow_run::Column::WorkflowId.eq(due.workflow.id.as_str()))
        .filter(workflow_run::Column::PartnerId.eq(due.partner_id.as_str()))
        .filter(workflow_run::Column::Failure.is_not_null())
        .exec(conn)
        .await?;
    let id = crate::input::new_id();
    let inserted = workflow_run::Entity::insert(workflow_run::ActiveModel {
        id: Set(id.clone()),
        tenant_id: Set(due.workflow.tenant_id.clone()),
        workflow_id: Set(due.workflow.id.clone()),
        partner_id: Set(due.partner_id.clone()),
        outcomes: Set("[]".into()),
        ran_at: Set(now),
        failure: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            workflow_run::Column::WorkflowId,
            workflow_run::Column::PartnerId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// Records that a run took no action, and why: it is claimed again the
/// next time its workflow is due for the partner.
pub async fn fail(conn: &impl ConnectionTrait, run_id: &str, why: &str) -> ApiResult<()> {
    workflow_run::Entity::update_many()
        .col_expr(workflow_run::Column::Failure, Expr::value(why))
        .filter(workflow_run::Column::Id.eq(run_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a run's outcomes.
pub async fn finish(
    conn: &impl ConnectionTrait,
    run_id: &str,
    outcomes: &[Outcome],
) -> ApiResult<()> {
    let kept = ApiError::json("workflow run", outcomes)?;
    workflow_run::Entity::update_many()
        .col_expr(workflow_run::Column::Outcomes, Expr::value(kept))
        .filter(workflow_run::Column::Id.eq(run_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Who a workflow acts as, in a partner's history and its messages.
pub fn actor_of(row: &workflow::Model) -> String {
    format!("workflow:{}", row.id)
}

/// Who a workflow acts as in the activity log: itself, by id and name.
pub fn acting(row: &workflow::Model) -> Actor {
    Actor::workflow(&row.id, &row.name)
}

/// Takes an action that moves no money (`payBonus` is the ledger's),
/// through the writes staff use: each writes the partner's history where
/// it keeps one, and an activity entry whose actor is the workflow.
pub async fn act(
    conn: &impl ConnectionTrait,
    due: &Due,
    action: &Action,
    now: DateTime<Utc>,
) -> ApiResult<Outcome> {
    let kind = action.kind();
    let tenant_id = due.workflow.tenant_id.as_str();
    let Some(partner) = partners::find(conn, tenant_id, &due.partner_id).await? else {
        return Ok(Outcome::not_done(kind, "the partner is gone"));
    };
    let history = actor_of(&due.workflow);
    Ok(match action {
        Action::MoveToGroup { group_id } => {
            let Some(group) = groups::find(conn, tenant_id, group_id).await? else {
                return Ok(Outcome::not_done(kind, "the group no longer exists"));
            };
            if partner.group_id == group.id {
                return Ok(Outcome::done(
                    kind,
                    format!("already in \"{}\"", group.name),
                ));
            }
            let by = By::own(&history, acting(&due.workflow), "moveToGroup");
            partners::move_to_group(conn, tenant_id, &by, &partner.id, &group.id).await?;
            Outcome::done(kind, format!("moved to \"{}\"", group.name))
        }
        Action::AddTag { tag } => {
            let by = By::own(&history, acting(&due.workflow), "addTag");
            match partners::add_tag(conn, tenant_id, &by, &partner.id, tag).await? {
                Tagged::Added => Outcome::done(kind, format!("tagged \"{tag}\"")),
                Tagged::Already => Outcome::done(kind, format!("already tagged \"{tag}\"")),
                Tagged::Full => Outcome::not_done(kind, "the partner has the most tags it may"),
            }
        }
        Action::SendMessage { body } => {
            let new = NewMessage {
                partner: &partner,
                sender: MessageSender::Staff,
                author: history.clone(),
                body: body.clone(),
                subject: None,
                broadcast_id: None,
                workflow_id: Some(due.workflow.id.clone()),
                language: None,
            };
            let message = write(conn, new, now).await?;
            let entry = Entry::on(
                tenant_id,
                acting(&due.workflow),
                "sendMessage",
                "Message",
                &message.id,
            )
            .about(&partner.id)
            .creating(&message);
            crate::activity::record(conn, now, vec![entry]).await?;
            Outcome::done(kind, format!("message {}", message.id))
        }
        Action::PayBonus { .. } => Outcome::not_done(kind, "booked by the ledger"),
    })
}

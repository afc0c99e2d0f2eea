//! Workflows run (SPEC §35): a `partnerApproved` one in the transaction
//! of the approval; a `metricReached` one after the sale that reached it
//! committed, by what reacts to sales ([`super::reactions`]). Each run is
//! claimed once per workflow and partner ([`run::claim`]); its actions
//! are taken in order, `payBonus` booked here as a `BONUS` row on a
//! `REWARD` event of the partner's own, keyed
//! `workflow:{workflow}:{partner}` and explained by the workflow's name,
//! with an activity entry whose actor is the workflow (`payBonus`, the
//! commission, its amount); each action's outcome is kept on the run.
//! Actions that do not read are no actions: the run is recorded failed
//! with why, and is claimed again the next time the workflow is due for
//! the partner.

use super::path::Payload;
use super::rewards::{RewardEvent, book};
use crate::activity::Entry;
use crate::engagement::workflows::run::{self, ActionKind, Due, Outcome};
use crate::engagement::workflows::{Action, actions_of};
use crate::error::{ApiError, ApiResult};
use crate::posting::breakdown::{BreakdownLine, WorkflowLine};
use crate::posting::{NewCommission, TermsRef};
use entity::enums::{CommissionKind, CommissionStatus, TermsSource};
use entity::{campaign, partner};
use sea_orm::EntityTrait;

/// Runs the `partnerApproved` workflows of a partner just approved into
/// `campaign_id`.
pub async fn approved(
    conn: &crate::db::Txn,
    partner: &partner::Model,
    campaign_id: &str,
) -> ApiResult<()> {
    let now = crate::db::now();
    for due in run::on_approval(conn, partner, campaign_id, now).await? {
        take(conn, &due, now).await?;
    }
    Ok(())
}

/// Runs `due` unless the workflow ran on the partner already: claims the
/// run, takes its actions in order and keeps their outcomes.
pub(crate) async fn take(
    conn: &crate::db::Txn,
    due: &Due,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let Some(run_id) = run::claim(conn, due, now).await? else {
        return Ok(());
    };
    let Ok(actions) = actions_of(&due.workflow) else {
        tracing::error!(
            workflow = %due.workflow.id,
            partner = %due.partner_id,
            "a workflow's stored actions do not read: its run failed, taking none"
        );
        return run::fail(conn, &run_id, run::UNREADABLE_ACTIONS).await;
    };
    let mut outcomes = Vec::new();
    for action in actions {
        outcomes.push(match &action {
            Action::PayBonus {
                amount_minor,
                currency,
            } => pay(conn, due, *amount_minor, currency).await?,
            other => run::act(conn, due, other, now).await?,
        });
    }
    run::finish(conn, &run_id, &outcomes).await
}

/// The workflow's bonus, booked in the campaign of what set it off.
async fn pay(
    conn: &crate::db::Txn,
    due: &Due,
    amount_minor: i64,
    code: &str,
) -> ApiResult<Outcome> {
    let workflow = &due.workflow;
    let campaign = campaign::Entity::find_by_id(due.campaign_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("workflow campaign", &due.campaign_id))?;
    let currency = crate::engine::Currency::parse(code)
        .map_err(|e| ApiError::internal("workflow currency", e))?;
    let amount = currency.from_minor(amount_minor).normalize();
    let row = NewCommission {
        kind: CommissionKind::Bonus,
        status: CommissionStatus::Accrued,
        tenant_id: workflow.tenant_id.clone(),
        partner_id: due.partner_id.clone(),
        campaign_id: campaign.id.clone(),
        event_id: String::new(),
        amount_minor,
        currency: currency.code().to_owned(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::Group,
        },
        breakdown: vec![BreakdownLine::Workflow(WorkflowLine {
            workflow_id: workflow.id.clone(),
            name: workflow.name.clone(),
            amount,
        })],
        accrued_at: due.at,
        holdback_days: Some(campaign.holdback_days.unwrap_or(0)),
        original_id: None,
        reason: None,
        note: Some(format!("workflow \"{}\"", workflow.name)),
        deal: None,
        tier_id: None,
        revenue_minor: None,
    };
    let event = RewardEvent {
        tenant_id: &workflow.tenant_id,
        partner_id: &due.partner_id,
        campaign_id: &campaign.id,
        currency: currency.code(),
        key: format!("workflow:{}:{}", workflow.id, due.partner_id),
        payload: Payload::new().field("workflowId", workflow.id.clone()),
        at: due.at,
    };
    let written = book(conn, event, row).await?;
    let entry = Entry::on(
        &workflow.tenant_id,
        run::acting(workflow),
        "payBonus",
        "Commission",
        &written.id,
    )
    .about(&due.partner_id)
    .changing(
        "amount",
        None,
        Some(crate::activity::amount(amount_minor, currency.code())),
    );
    crate::activity::record(conn, crate::db::now(), vec![entry]).await?;
    Ok(Outcome::done(
        ActionKind::PayBonus,
        format!("{amount} {} (commission {})", currency.code(), written.id),
    ))
}

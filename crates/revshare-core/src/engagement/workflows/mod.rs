//! Workflows (SPEC §35): when a partner is approved, or reaches a metric,
//! move it to a group, send it a message, tag it, or pay it a bonus —
//! once per partner.
//!
//! - here: a workflow as made, checked and kept (its trigger and actions
//!   as JSON), enabled or not;
//! - [`run`]: which workflows an approval, or new commissions once their
//!   sale has committed ([`crate::ledger::reactions`]), set off, the run
//!   claimed once per workflow and partner (`ux_workflow_runs`, under
//!   the partner's lock), and the actions that
//!   move no money. The ledger books `payBonus` (a `BONUS` row on an event
//!   of the partner's own, [`crate::ledger::rewards`]) in the same
//!   transaction, and records each action's outcome on the run.
//!
//! `metricReached` counts as a performance bounty's goal does
//! ([`super::bounties::goal`]): the partner's commissions in the
//! workflow's currency (the program's unless named), accrued within its
//! `from`–`to`, not reversed. `from` is the moment the workflow is made
//! unless its maker names another: what partners did before a workflow
//! began does not set it off (a workflow kept without one counts from
//! always, as it was made to). `to` omitted: no end.

pub mod run;

use crate::auth::{Principal, Scope};
use crate::db::Db;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::{BountyMetric, WorkflowTriggerKind};
use entity::{partner_group, workflow, workflow_run};
use run::ActionKind;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Select,
};
use serde::{Deserialize, Serialize};

/// Groups a workflow may name.
const MAX_GROUPS: usize = 100;
/// Actions a workflow may take.
const MAX_ACTIONS: usize = 10;

/// A `metricReached` trigger as kept: `value` in minor units of
/// `currency` for an amount, a count otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub metric: BountyMetric,
    pub value: i64,
    pub currency: String,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

impl Metric {
    /// The kept value as the API reads it.
    pub fn decimal(&self) -> Decimal {
        super::bounties::value_decimal(self.metric, self.value, &self.currency)
    }

    /// Whether a commission accrued `at` falls in its window.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// What sets a workflow off, as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "on")]
pub enum Trigger {
    PartnerApproved,
    MetricReached(Metric),
}

/// One action, as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum Action {
    #[serde(rename_all = "camelCase")]
    MoveToGroup {
        group_id: String,
    },
    SendMessage {
        body: String,
    },
    AddTag {
        tag: String,
    },
    #[serde(rename_all = "camelCase")]
    PayBonus {
        amount_minor: i64,
        currency: String,
    },
}

/// A trigger as a client gives it.
pub enum TriggerInput {
    PartnerApproved,
    MetricReached {
        metric: BountyMetric,
        value: Decimal,
        currency: Option<String>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    },
}

/// An action as a client gives it.
pub enum ActionInput {
    MoveToGroup(String),
    SendMessage(String),
    AddTag(String),
    PayBonus(Decimal, String),
}

/// A workflow as a client asks for it.
pub struct NewWorkflow {
    pub name: String,
    pub group_ids: Vec<String>,
    pub trigger: TriggerInput,
    pub actions: Vec<ActionInput>,
}

/// The scope an action needs beside `partners:write`, of whoever makes,
/// enables or changes a workflow taking it (SPEC §35): moving partners
/// is `partner_groups:write`'s, paying them `commissions:write`'s.
pub fn needs(kind: ActionKind) -> Option<Scope> {
    match kind {
        ActionKind::MoveToGroup => Some(Scope::PartnerGroupsWrite),
        ActionKind::PayBonus => Some(Scope::CommissionsWrite),
        ActionKind::SendMessage | ActionKind::AddTag => None,
    }
}

/// Refuses `principal` (`FORBIDDEN`) unless it may make, enable or change
/// a workflow taking actions of these kinds: what creating one needs,
/// changing it needs too — a key that could not make a workflow that
/// pays cannot turn one on either.
pub fn may_write(
    principal: &Principal,
    kinds: impl IntoIterator<Item = ActionKind>,
) -> ApiResult<()> {
    principal.require(Scope::PartnersWrite)?;
    for kind in kinds {
        if let Some(scope) = needs(kind) {
            principal.require(scope)?;
        }
    }
    Ok(())
}

/// The kinds of a row's actions; a list that cannot be read is taken as
/// every kind, so that it needs every scope.
fn kinds_of(row: &workflow::Model) -> Vec<ActionKind> {
    match serde_json::from_str::<Vec<Action>>(&row.actions) {
        Ok(actions) => actions.iter().map(Action::kind).collect(),
        Err(_) => vec![
            ActionKind::MoveToGroup,
            ActionKind::SendMessage,
            ActionKind::AddTag,
            ActionKind::PayBonus,
        ],
    }
}

/// The kept trigger of a row; one that does not read is an error.
pub fn trigger_of(row: &workflow::Model) -> ApiResult<Trigger> {
    ApiError::stored("workflow trigger", &row.trigger)
}

/// The kept actions of a row; ones that do not read are an error, never
/// none (a run that took none would look done).
pub fn actions_of(row: &workflow::Model) -> ApiResult<Vec<Action>> {
    ApiError::stored("workflow actions", &row.actions)
}

/// The groups a row names (empty: every group); a list that does not
/// read is an error, never the empty list — which is every group.
pub fn groups_of(row: &workflow::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("workflow groups", &row.group_ids)
}

async fn check_groups(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    field: &str,
    ids: &[String],
) -> ApiResult<()> {
    let found: Vec<String> = partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    input::check_found(
        field,
        ids,
        |id| found.iter().any(|g| g == id),
        "no such partner group",
    )
}

fn money(field: &str, amount: Decimal, code: &str) -> ApiResult<(i64, String)> {
    let (minor, currency) = crate::input::money_above_zero(field, amount, code)?;
    Ok((minor, currency.code().to_owned()))
}

async fn check_trigger(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    given: TriggerInput,
    now: DateTime<Utc>,
) -> ApiResult<Trigger> {
    let field = "input.trigger.metricReached";
    Ok(match given {
        TriggerInput::PartnerApproved => Trigger::PartnerApproved,
        TriggerInput::MetricReached {
            metric,
            value,
            currency,
            from,
            to,
        } => {
            let code = match currency {
                Some(code) => code.trim().to_uppercase(),
                None => {
                    entity::tenant::Entity::find_by_id(tenant_id.to_owned())
                        .one(conn)
                        .await?
                        .ok_or_else(|| ApiError::internal("workflow", "no tenant"))?
                        .currency
                }
            };
            let unit = Currency::parse(&code)
                .map_err(|e| ApiError::bad_input(format!("{field}.currency"), e.to_string()))?;
            let value =
                super::bounties::goal_value(&format!("{field}.value"), metric, value, unit)?;
            // Counted from when it begins unless the maker says otherwise.
            let from = from.unwrap_or(now);
            if let Some(to) = to
                && to <= from
            {
                return Err(ApiError::bad_input(
                    format!("{field}.to"),
                    "must be after from",
                ));
            }
            Trigger::MetricReached(Metric {
                metric,
                value,
                currency: unit.code().to_owned(),
                from: Some(from),
                to,
            })
        }
    })
}

async fn check_actions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    given: Vec<ActionInput>,
) -> ApiResult<Vec<Action>> {
    if given.is_empty() || given.len() > MAX_ACTIONS {
        return Err(ApiError::bad_input(
            "input.actions",
            format!("must list from 1 to {MAX_ACTIONS} actions"),
        ));
    }
    let mut actions = Vec::with_capacity(given.len());
    for (i, action) in given.into_iter().enumerate() {
        let field = format!("input.actions[{i}]");
        actions.push(match action {
            ActionInput::MoveToGroup(group_id) => {
                let field = format!("{field}.moveToGroup");
                check_groups(conn, tenant_id, &field, std::slice::from_ref(&group_id))
                    .await
                    .map_err(|_| ApiError::bad_input(&field, "no such partner group"))?;
                Action::MoveToGroup { group_id }
            }
            ActionInput::SendMessage(body) => Action::SendMessage {
                body: crate::messages::check_body(&format!("{field}.sendMessage"), &body)?,
            },
            ActionInput::AddTag(tag) => {
                let tags = crate::directory::groups::check_tags(
                    &format!("{field}.addTag"),
                    std::slice::from_ref(&tag),
                )
                .map_err(|e| match e {
                    ApiError::BadInput { message, .. } => {
                        ApiError::bad_input(format!("{field}.addTag"), message)
                    }
                    other => other,
                })?;
                Action::AddTag {
                    tag: tags.into_iter().next().unwrap_or(tag),
                }
            }
            ActionInput::PayBonus(amount, currency) => {
                let (amount_minor, currency) =
                    money(&format!("{field}.payBonus"), amount, &currency)?;
                Action::PayBonus {
                    amount_minor,
                    currency,
                }
            }
        });
    }
    Ok(actions)
}

fn json<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal("workflow", e))
}

/// Makes a workflow, enabled, checked whole before anything is written.
pub async fn create(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    new: NewWorkflow,
) -> ApiResult<workflow::Model> {
    let name = input::required_line("input.name", &new.name, input::MAX_NAME_CHARS)?;
    if new.group_ids.len() > MAX_GROUPS {
        return Err(ApiError::bad_input(
            "input.groupIds",
            format!("must list at most {MAX_GROUPS} groups"),
        ));
    }
    let NewWorkflow {
        group_ids,
        trigger,
        actions,
        ..
    } = new;
    let txn = db.write().await?;
    let conn = &*txn;
    check_groups(conn, tenant_id, "input.groupIds", &group_ids).await?;
    let now = crate::db::now();
    let trigger = check_trigger(conn, tenant_id, trigger, now).await?;
    let actions = check_actions(conn, tenant_id, actions).await?;
    let row = workflow::Model {
        id: input::new_id(),
        tenant_id: tenant_id.to_owned(),
        name,
        group_ids: json(&group_ids)?,
        trigger_kind: match trigger {
            Trigger::PartnerApproved => WorkflowTriggerKind::Approved,
            Trigger::MetricReached(_) => WorkflowTriggerKind::Metric,
        },
        trigger: json(&trigger)?,
        actions: json(&actions)?,
        enabled: true,
        created_by: actor.to_owned(),
        created_at: now,
        updated_at: now,
    };
    workflow::Entity::insert(workflow::ActiveModel::from(row.clone()).reset_all())
        .exec_without_returning(conn)
        .await?;
    crate::activity::created("Workflow", &row.id, &row);
    txn.commit().await?;
    Ok(row)
}

/// Turns a workflow on or off, for `principal` if it may change it
/// ([`may_write`]: what making it needs); a workflow off sets nothing off.
pub async fn set_enabled(
    db: &Db,
    principal: &Principal,
    id: &str,
    enabled: bool,
) -> ApiResult<workflow::Model> {
    let txn = db.write().await?;
    let conn = &*txn;
    let before = find(conn, principal.tenant_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("workflow"))?;
    may_write(principal, kinds_of(&before))?;
    let after = workflow::Model {
        enabled,
        updated_at: crate::db::now(),
        ..before.clone()
    };
    workflow::Entity::update(workflow::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(after.id.clone()),
        enabled: Set(enabled),
        updated_at: Set(after.updated_at),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    crate::activity::compared(Some(&before), Some(&after));
    txn.commit().await?;
    Ok(after)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<workflow::Model>> {
    Ok(workflow::Entity::find_by_id(id.to_owned())
        .filter(workflow::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The tenant's workflows.
pub fn list(tenant_id: &str) -> Select<workflow::Entity> {
    workflow::Entity::find().filter(workflow::Column::TenantId.eq(tenant_id))
}

/// A workflow's runs.
pub fn runs(tenant_id: &str, workflow_id: &str) -> Select<workflow_run::Entity> {
    workflow_run::Entity::find()
        .filter(workflow_run::Column::TenantId.eq(tenant_id))
        .filter(workflow_run::Column::WorkflowId.eq(workflow_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_metric_covers_its_from_and_not_its_to() {
        let metric = Metric {
            metric: BountyMetric::Sales,
            value: 3,
            currency: "USD".into(),
            from: Some(at(2)),
            to: Some(at(5)),
        };
        assert!(!metric.covers(at(1)));
        assert!(metric.covers(at(2)));
        assert!(metric.covers(at(4)));
        assert!(!metric.covers(at(5)));
        let open = Metric {
            from: None,
            to: None,
            ..metric
        };
        assert!(open.covers(at(1)) && open.covers(at(31)));
    }

    #[test]
    fn a_metric_reads_money_in_its_currency_and_counts_whole() {
        let money = Metric {
            metric: BountyMetric::SaleAmount,
            value: 12_345,
            currency: "USD".into(),
            from: None,
            to: None,
        };
        assert_eq!(money.decimal().to_string(), "123.45");
        let yen = Metric {
            currency: "JPY".into(),
            ..money.clone()
        };
        assert_eq!(yen.decimal().to_string(), "12345");
        let count = Metric {
            metric: BountyMetric::Customers,
            ..money
        };
        assert_eq!(count.decimal().to_string(), "12345");
    }

    #[test]
    fn triggers_and_actions_keep_their_stored_shape() {
        let trigger = Trigger::MetricReached(Metric {
            metric: BountyMetric::CommissionAmount,
            value: 5_000,
            currency: "EUR".into(),
            from: None,
            to: None,
        });
        assert_eq!(
            serde_json::to_value(&trigger).unwrap(),
            serde_json::json!({ "on": "metricReached", "metric": "COMMISSION_AMOUNT", "value": 5000, "currency": "EUR", "from": null, "to": null })
        );
        let actions = vec![
            Action::MoveToGroup {
                group_id: "g".into(),
            },
            Action::PayBonus {
                amount_minor: 2_500,
                currency: "USD".into(),
            },
        ];
        let kept = serde_json::to_string(&actions).unwrap();
        assert_eq!(
            kept,
            r#"[{"action":"moveToGroup","groupId":"g"},{"action":"payBonus","amountMinor":2500,"currency":"USD"}]"#
        );
        let row = workflow::Model {
            id: "w".into(),
            tenant_id: "t".into(),
            name: "n".into(),
            group_ids: "[]".into(),
            trigger_kind: WorkflowTriggerKind::Approved,
            trigger: r#"{"on":"partnerApproved"}"#.into(),
            actions: kept,
            enabled: true,
            created_by: "a".into(),
            created_at: at(1),
            updated_at: at(1),
        };
        assert_eq!(trigger_of(&row), Ok(Trigger::PartnerApproved));
        assert_eq!(actions_of(&row), Ok(actions));
        assert_eq!(groups_of(&row), Ok(Vec::new()));
    }

    #[test]
    fn what_does_not_read_is_an_error_never_a_default() {
        let row = workflow::Model {
            id: "w".into(),
            tenant_id: "t".into(),
            name: "n".into(),
            group_ids: "not json".into(),
            trigger_kind: WorkflowTriggerKind::Approved,
            trigger: r#"{"on":"somethingElse"}"#.into(),
            actions: r#"{"action":"addTag"}"#.into(),
            enabled: true,
            created_by: "a".into(),
            created_at: at(1),
            updated_at: at(1),
        };
        assert_eq!(groups_of(&row), Err(ApiError::Internal));
        assert_eq!(trigger_of(&row), Err(ApiError::Internal));
        assert_eq!(actions_of(&row), Err(ApiError::Internal));
    }
}

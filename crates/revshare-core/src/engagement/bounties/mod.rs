//! Bounties (SPEC §31): a reward for reaching a goal within dates
//! (`PERFORMANCE`) or for a piece of work staff approve (`SUBMISSION`),
//! to the partners of the groups it names.
//!
//! - here: a bounty as made and checked, and the bounties a partner's
//!   group is offered (a bounty whose stored groups do not read is for
//!   no group: an error where it is read, and it awards no one);
//! - [`goal`]: a partner's progress toward a performance bounty's goal,
//!   read from the ledger;
//! - [`awards`]: the performance bounties a batch's commissions reach,
//!   exactly once, and those refunds take back before they mature;
//! - [`submissions`]: a partner's work, its limits, and its decision.
//!
//! A bounty's reward is a `BOUNTY` commission in the bounty's currency,
//! booked in its campaign (the tenant's default unless named) and
//! maturing after that campaign's holdback. It is written by the ledger
//! on an event of the partner's own ([`crate::ledger::rewards`]); a cap
//! never cuts it.

pub mod awards;
pub mod goal;
pub mod submissions;

use crate::db::Db;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::{BountyKind, BountyMetric};
use entity::{bounty, campaign, partner_group};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// The longest description of a bounty (its name: the project's names').
const MAX_DESCRIPTION: usize = 5_000;
/// Groups a bounty may name.
const MAX_GROUPS: usize = 100;
/// The most submissions a bounty may take per partner.
const MAX_SUBMISSIONS: i32 = 100;

/// A bounty as a client asks for it.
pub struct NewBounty {
    pub name: String,
    pub description: Option<String>,
    pub group_ids: Vec<String>,
    pub campaign_id: Option<String>,
    pub reward: Decimal,
    pub currency: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub kind: BountyKind,
    pub goal: Option<(BountyMetric, Decimal)>,
    pub max_submissions: Option<i32>,
}

/// Whether a metric counts money (in the bounty's currency) or things.
pub fn counts_money(metric: BountyMetric) -> bool {
    matches!(
        metric,
        BountyMetric::SaleAmount | BountyMetric::CommissionAmount
    )
}

/// A goal's value as kept — a bounty's or a workflow's `metricReached`:
/// minor units of `currency` for an amount, a whole count otherwise; more
/// than zero. A bad value is `BAD_USER_INPUT` naming `field`.
pub fn goal_value(
    field: &str,
    metric: BountyMetric,
    value: Decimal,
    currency: Currency,
) -> ApiResult<i64> {
    if value <= Decimal::ZERO {
        return Err(ApiError::bad_input(field, "must be more than 0"));
    }
    if counts_money(metric) {
        return currency
            .to_minor(value)
            .map_err(|e| ApiError::bad_input(field, e.to_string()));
    }
    if value.fract() != Decimal::ZERO {
        return Err(ApiError::bad_input(field, "must be a whole number"));
    }
    i64::try_from(value.trunc().mantissa() / 10i128.pow(value.scale()))
        .map_err(|_| ApiError::bad_input(field, "is too large"))
}

/// A kept goal value as the API reads it: an amount of `currency`, or a
/// count.
pub fn value_decimal(metric: BountyMetric, value: i64, currency: &str) -> Decimal {
    match counts_money(metric) {
        true => Currency::parse(currency)
            .map(|c| c.from_minor(value))
            .unwrap_or_else(|_| Decimal::from(value)),
        false => Decimal::from(value),
    }
}

/// A bounty's kept goal value as the API reads it.
pub fn goal_decimal(row: &bounty::Model, value: i64) -> Decimal {
    match row.goal_metric {
        Some(metric) => value_decimal(metric, value, &row.currency),
        None => Decimal::from(value),
    }
}

/// Makes a bounty (`campaigns:write`), checked whole before anything is
/// written.
pub async fn create(db: &Db, tenant_id: &str, new: NewBounty) -> ApiResult<bounty::Model> {
    let name = input::required_line("input.name", &new.name, input::MAX_NAME_CHARS)?;
    let description = input::optional_text(
        "input.description",
        new.description.as_deref(),
        MAX_DESCRIPTION,
    )?;
    input::check_id_list("input.groupIds", &new.group_ids, 1, MAX_GROUPS)?;
    let (reward_minor, currency) =
        input::money_above_zero("input.reward", new.reward, &new.currency)?;
    if new.ends_at.is_some_and(|end| end <= new.starts_at) {
        return Err(ApiError::bad_input(
            "input.endsAt",
            "must be after startsAt",
        ));
    }
    let (goal_metric, goal, max_submissions) = match new.kind {
        BountyKind::Performance => {
            let Some((metric, value)) = new.goal else {
                return Err(ApiError::bad_input(
                    "input.goal",
                    "a PERFORMANCE bounty needs a goal",
                ));
            };
            if new.max_submissions.is_some() {
                return Err(ApiError::bad_input(
                    "input.maxSubmissions",
                    "only a SUBMISSION bounty takes submissions",
                ));
            }
            (
                Some(metric),
                Some(goal_value("input.goal.value", metric, value, currency)?),
                0,
            )
        }
        BountyKind::Submission => {
            if new.goal.is_some() {
                return Err(ApiError::bad_input(
                    "input.goal",
                    "only a PERFORMANCE bounty has a goal",
                ));
            }
            let max = new.max_submissions.unwrap_or(1);
            if !(1..=MAX_SUBMISSIONS).contains(&max) {
                return Err(ApiError::bad_input(
                    "input.maxSubmissions",
                    format!("must be 1 to {MAX_SUBMISSIONS}"),
                ));
            }
            (None, None, max)
        }
    };
    let conn = db.conn();
    let groups = partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(new.group_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    input::check_found(
        "input.groupIds",
        &new.group_ids,
        |id| groups.iter().any(|g| g.id == id),
        "no such partner group",
    )?;
    let campaign = match &new.campaign_id {
        Some(id) => campaign::Entity::find_by_id(id.clone())
            .filter(campaign::Column::TenantId.eq(tenant_id))
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?,
        None => crate::campaigns::default_campaign(conn, tenant_id).await?,
    };
    let row = bounty::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        name: Set(name),
        description: Set(description),
        kind: Set(new.kind),
        group_ids: Set(serde_json::Value::from(new.group_ids).to_string()),
        campaign_id: Set(campaign.id),
        reward_minor: Set(reward_minor),
        currency: Set(currency.code().to_owned()),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        goal_metric: Set(goal_metric),
        goal_value: Set(goal),
        max_submissions: Set(max_submissions),
        created_at: Set(crate::db::now()),
    };
    db.transaction(|txn| {
        let row = row.clone();
        Box::pin(async move {
            let bounty = bounty::Entity::insert(row)
                .exec_with_returning(&*txn)
                .await?;
            crate::activity::created("Bounty", &bounty.id, &bounty);
            Ok(bounty)
        })
    })
    .await
}

/// The groups a bounty is for; a list that does not read is an error.
pub fn groups_of(row: &bounty::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("bounty groups", &row.group_ids)
}

/// Whether a bounty is for the partners of `group_id`; an error when its
/// groups do not read.
pub fn is_for(row: &bounty::Model, group_id: &str) -> ApiResult<bool> {
    Ok(groups_of(row)?.iter().any(|g| g == group_id))
}

/// Whether a bounty counts (or takes submissions) at `at`.
pub fn is_open(row: &bounty::Model, at: DateTime<Utc>) -> bool {
    row.starts_at <= at && row.ends_at.is_none_or(|end| at < end)
}

/// A bounty of the tenant by id.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<bounty::Model>> {
    Ok(bounty::Entity::find_by_id(id.to_owned())
        .filter(bounty::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The tenant's bounties, optionally only those open to `group` and of
/// `kind`: a list's filter.
pub fn list(
    tenant_id: &str,
    group: Option<&str>,
    kind: Option<BountyKind>,
) -> Select<bounty::Entity> {
    let mut select = bounty::Entity::find().filter(bounty::Column::TenantId.eq(tenant_id));
    if let Some(group) = group {
        // Ids are ULIDs: one found in the list's text is in the list.
        select = select.filter(bounty::Column::GroupIds.contains(group));
    }
    if let Some(kind) = kind {
        select = select.filter(bounty::Column::Kind.eq(kind));
    }
    select
}

/// The submissions to a bounty among `rows` (the access policy's list of
/// them), optionally of one `status`: a partner's own, drafts included;
/// staff every partner's but drafts — the table's rule (a draft is its
/// partner's alone), kept in the statement so that pages and counts hold
/// what the caller reads.
pub fn submissions_of(
    row: &bounty::Model,
    rows: &crate::auth::access::Rows,
    status: Option<entity::enums::BountySubmissionStatus>,
) -> Select<entity::bounty_submission::Entity> {
    use entity::bounty_submission;
    use entity::enums::BountySubmissionStatus;
    let mut select = bounty_submission::Entity::find()
        .filter(bounty_submission::Column::TenantId.eq(row.tenant_id.as_str()))
        .filter(bounty_submission::Column::BountyId.eq(row.id.as_str()));
    select = match rows.partner_filter() {
        Some(own) => select.filter(bounty_submission::Column::PartnerId.eq(own)),
        None => select.filter(bounty_submission::Column::Status.ne(BountySubmissionStatus::Draft)),
    };
    if let Some(status) = status {
        select = select.filter(bounty_submission::Column::Status.eq(status));
    }
    select
}

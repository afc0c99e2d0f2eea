//! Bounties (SPEC §31): a reward for reaching a goal within dates
//! (`PERFORMANCE`) or for a piece of work staff approve (`SUBMISSION`),
//! to the partners of the groups it names or carrying one of its tags
//! (SPEC §37).
//!
//! A bounty's dates are `startsAt` to the earlier of `endsAt` and when
//! `endBounty` ended it. With `windowDays`, each partner has a window of
//! its own ([`window`]): from the later of its join and `startsAt`, that
//! many days in the tenant's zone, never past the bounty's end; its goal
//! counts what it earned in it, and its work is taken while it is open.
//! [`update`] changes what comes next — a reward written before keeps its
//! amount — and [`end`] ends it now, keeping what was earned.
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
    pub partner_tags: Vec<String>,
    pub window_days: Option<i32>,
    pub campaign_id: Option<String>,
    pub reward: Decimal,
    pub currency: String,
    /// Omitted with `window_days`: now.
    pub starts_at: Option<DateTime<Utc>>,
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
    let (group_ids, tags) = audience(&new.group_ids, &new.partner_tags)?;
    let window_days = check_window(new.window_days)?;
    let starts_at = match (new.starts_at, window_days) {
        (Some(at), _) => at,
        (None, Some(_)) => crate::db::now(),
        (None, None) => {
            return Err(ApiError::bad_input(
                "input.startsAt",
                "is required without windowDays",
            ));
        }
    };
    let (reward_minor, currency) =
        input::money_above_zero("input.reward", new.reward, &new.currency)?;
    if new.ends_at.is_some_and(|end| end <= starts_at) {
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
    check_groups_exist(conn, tenant_id, &group_ids).await?;
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
        group_ids: Set(serde_json::Value::from(group_ids).to_string()),
        partner_tags: Set(crate::directory::tags::encode(&tags)),
        window_days: Set(window_days),
        ended_at: Set(None),
        campaign_id: Set(campaign.id),
        reward_minor: Set(reward_minor),
        currency: Set(currency.code().to_owned()),
        starts_at: Set(starts_at),
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

/// The longest window a partner may have.
const MAX_WINDOW_DAYS: i32 = 3_650;

/// Groups and tags checked: at most [`MAX_GROUPS`] of each, at least one
/// of either (errors name `input.groupIds`, `input.partnerTags`).
fn audience(groups: &[String], tags: &[String]) -> ApiResult<(Vec<String>, Vec<String>)> {
    input::check_id_list("input.groupIds", groups, 0, MAX_GROUPS)?;
    let tags = crate::directory::groups::check_tags("input.partnerTags", tags)?;
    if groups.is_empty() && tags.is_empty() {
        return Err(ApiError::bad_input(
            "input.groupIds",
            "name a group or a partner tag (partnerTags) it is for",
        ));
    }
    Ok((groups.to_vec(), tags))
}

fn check_window(days: Option<i32>) -> ApiResult<Option<i32>> {
    match days {
        Some(days) if !(1..=MAX_WINDOW_DAYS).contains(&days) => Err(ApiError::bad_input(
            "input.windowDays",
            format!("must be 1 to {MAX_WINDOW_DAYS}"),
        )),
        days => Ok(days),
    }
}

async fn check_groups_exist(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    group_ids: &[String],
) -> ApiResult<()> {
    if group_ids.is_empty() {
        return Ok(());
    }
    let groups = partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(group_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    input::check_found(
        "input.groupIds",
        group_ids,
        |id| groups.iter().any(|g| g.id == id),
        "no such partner group",
    )
}

/// The groups a bounty is for; a list that does not read is an error.
pub fn groups_of(row: &bounty::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("bounty groups", &row.group_ids)
}

/// The tags a bounty is for.
pub fn tags_of(row: &bounty::Model) -> Vec<String> {
    crate::directory::tags::decode(&row.partner_tags)
}

/// A partner as a bounty asks who it is for and when.
#[derive(Clone, Copy)]
pub struct Member<'a> {
    pub group_id: &'a str,
    /// Its tags as stored (`,a,b,`).
    pub tags: &'a str,
    pub joined_at: DateTime<Utc>,
}

impl<'a> Member<'a> {
    pub fn of(partner: &'a entity::partner::Model) -> Member<'a> {
        Member {
            group_id: &partner.group_id,
            tags: &partner.tags,
            joined_at: partner.created_at,
        }
    }
}

/// Whether a bounty is for `member`: in one of its groups, or carrying
/// one of its tags; an error when its groups do not read.
pub fn is_for(row: &bounty::Model, member: Member<'_>) -> ApiResult<bool> {
    Ok(groups_of(row)?.iter().any(|g| g == member.group_id)
        || tags_of(row)
            .iter()
            .any(|t| member.tags.contains(&crate::directory::tags::needle(t))))
}

/// When a bounty ends: the earlier of its `endsAt` and its end by
/// `endBounty`.
pub fn end_of(row: &bounty::Model) -> Option<DateTime<Utc>> {
    match (row.ends_at, row.ended_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether a bounty counts (or takes submissions) at `at`, by its own
/// dates.
pub fn is_open(row: &bounty::Model, at: DateTime<Utc>) -> bool {
    row.starts_at <= at && end_of(row).is_none_or(|end| at < end)
}

/// A partner's own dates of a bounty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Window {
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && self.ends_at.is_none_or(|end| at < end)
    }
}

/// A partner's window of a bounty: its dates, or with `windowDays` from
/// the later of the partner's join and `startsAt`, that many days on in
/// the tenant's zone (the same wall-clock time; one a clock change skips
/// is the first after it), never past the bounty's end.
pub fn window(row: &bounty::Model, joined_at: DateTime<Utc>, zone: chrono_tz::Tz) -> Window {
    let end = end_of(row);
    let Some(days) = row.window_days else {
        return Window {
            starts_at: row.starts_at,
            ends_at: end,
        };
    };
    let starts_at = row.starts_at.max(joined_at);
    let own_end = days_later(starts_at, days, zone);
    Window {
        starts_at,
        ends_at: Some(match end {
            Some(end) => end.min(own_end),
            None => own_end,
        }),
    }
}

/// `days` days after `at` on the tenant's clock.
fn days_later(at: DateTime<Utc>, days: i32, zone: chrono_tz::Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    let local = at.with_timezone(&zone).naive_local() + chrono::Duration::days(i64::from(days));
    [local, local + chrono::Duration::hours(1)]
        .into_iter()
        .find_map(|l| zone.from_local_datetime(&l).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| at + chrono::Duration::days(i64::from(days)))
}

/// The tenant's time zone, which windows are counted in.
pub async fn zone(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<chrono_tz::Tz> {
    crate::tenants::tenant_zone(conn, tenant_id).await
}

/// What `updateBounty` changes: `None` leaves a field as it is,
/// `Some(None)` clears a nullable one.
#[derive(Default)]
pub struct BountyChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    /// An amount and its currency, which must stay the bounty's.
    pub reward: Option<(Decimal, String)>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub window_days: Option<Option<i32>>,
    pub group_ids: Option<Vec<String>>,
    pub partner_tags: Option<Vec<String>>,
    pub max_submissions: Option<i32>,
    pub goal: Option<(BountyMetric, Decimal)>,
}

/// Changes what a bounty does next (`campaigns:write`): a reward written
/// keeps its amount. Its currency, type and campaign never change; its
/// goal only until a reward of it is written (`CONFLICT`); an ended
/// bounty changes no more (`CONFLICT`).
pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: BountyChanges,
) -> ApiResult<bounty::Model> {
    let changes = &changes;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("bounty"))?;
            if row.ended_at.is_some() {
                return Err(ApiError::Conflict(
                    "the bounty was ended: it changes no more".into(),
                ));
            }
            let mut changed = row.clone();
            if let Some(name) = &changes.name {
                changed.name = input::required_line("input.name", name, input::MAX_NAME_CHARS)?;
            }
            if let Some(description) = &changes.description {
                changed.description = input::optional_text(
                    "input.description",
                    description.as_deref(),
                    MAX_DESCRIPTION,
                )?;
            }
            if let Some((amount, currency)) = &changes.reward {
                if !currency.eq_ignore_ascii_case(&row.currency) {
                    return Err(ApiError::bad_input(
                        "input.reward.currency",
                        format!("must stay {}: its goal and rewards are in it", row.currency),
                    ));
                }
                changed.reward_minor =
                    input::money_above_zero("input.reward", *amount, &row.currency)?.0;
            }
            if let Some(at) = changes.starts_at {
                changed.starts_at = at;
            }
            if let Some(end) = changes.ends_at {
                changed.ends_at = end;
            }
            if changed.ends_at.is_some_and(|end| end <= changed.starts_at) {
                return Err(ApiError::bad_input(
                    "input.endsAt",
                    "must be after startsAt",
                ));
            }
            if let Some(days) = changes.window_days {
                changed.window_days = check_window(days)?;
            }
            if changes.group_ids.is_some() || changes.partner_tags.is_some() {
                let groups = match &changes.group_ids {
                    Some(groups) => groups.clone(),
                    None => groups_of(&row)?,
                };
                let tags = match &changes.partner_tags {
                    Some(tags) => tags.clone(),
                    None => tags_of(&row),
                };
                let (groups, tags) = audience(&groups, &tags)?;
                check_groups_exist(conn, tenant_id, &groups).await?;
                changed.group_ids = serde_json::Value::from(groups).to_string();
                changed.partner_tags = crate::directory::tags::encode(&tags);
            }
            if let Some(max) = changes.max_submissions {
                if row.kind != BountyKind::Submission {
                    return Err(ApiError::bad_input(
                        "input.maxSubmissions",
                        "only a SUBMISSION bounty takes submissions",
                    ));
                }
                if !(1..=MAX_SUBMISSIONS).contains(&max) {
                    return Err(ApiError::bad_input(
                        "input.maxSubmissions",
                        format!("must be 1 to {MAX_SUBMISSIONS}"),
                    ));
                }
                changed.max_submissions = max;
            }
            if let Some((metric, value)) = changes.goal {
                if row.kind != BountyKind::Performance {
                    return Err(ApiError::bad_input(
                        "input.goal",
                        "only a PERFORMANCE bounty has a goal",
                    ));
                }
                let currency = Currency::parse(&row.currency)
                    .map_err(|e| ApiError::internal("bounty currency", e))?;
                let value = goal_value("input.goal.value", metric, value, currency)?;
                let moved =
                    changed.goal_metric != Some(metric) || changed.goal_value != Some(value);
                if moved && rewarded(conn, &row).await? {
                    return Err(ApiError::Conflict(
                        "a reward of this bounty is written: its goal no longer changes".into(),
                    ));
                }
                changed.goal_metric = Some(metric);
                changed.goal_value = Some(value);
            }
            let saved = bounty::Entity::update(sea_orm::ActiveModelTrait::reset_all(
                sea_orm::IntoActiveModel::into_active_model(changed),
            ))
            .exec(conn)
            .await?;
            crate::activity::compared(Some(&row), Some(&saved));
            Ok(saved)
        })
    })
    .await
}

/// Whether a reward of `row` has been written (reversed or not).
async fn rewarded(conn: &impl ConnectionTrait, row: &bounty::Model) -> ApiResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(entity::bounty_award::Entity::find()
        .filter(entity::bounty_award::Column::BountyId.eq(row.id.as_str()))
        .count(conn)
        .await?
        > 0)
}

/// Ends a bounty now (`campaigns:write`): nothing later counts or is
/// submitted; work in may still be decided, and what was earned is kept.
/// One ended already, or past its end, is `CONFLICT`.
pub async fn end(db: &Db, tenant_id: &str, id: &str) -> ApiResult<bounty::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("bounty"))?;
            let now = crate::db::now();
            if end_of(&row).is_some_and(|end| end <= now) {
                return Err(ApiError::Conflict("the bounty has ended already".into()));
            }
            let update = bounty::ActiveModel {
                id: Set(row.id.clone()),
                ended_at: Set(Some(now)),
                ..Default::default()
            };
            let saved = bounty::Entity::update(update).exec(conn).await?;
            crate::activity::compared(Some(&row), Some(&saved));
            Ok(saved)
        })
    })
    .await
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

/// The tenant's bounties, optionally only those for `member` and of
/// `kind`: a list's filter.
pub fn list(
    tenant_id: &str,
    member: Option<Member<'_>>,
    kind: Option<BountyKind>,
) -> Select<bounty::Entity> {
    let mut select = bounty::Entity::find().filter(bounty::Column::TenantId.eq(tenant_id));
    if let Some(member) = member {
        // Ids are ULIDs: one found in the list's text is in the list; a
        // tag is found whole between its commas.
        let mut any =
            sea_orm::Condition::any().add(bounty::Column::GroupIds.contains(member.group_id));
        for tag in crate::directory::tags::decode(member.tags) {
            any =
                any.add(bounty::Column::PartnerTags.contains(crate::directory::tags::needle(&tag)));
        }
        select = select.filter(any);
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn bounty(starts: &str, ends: Option<&str>, days: Option<i32>) -> bounty::Model {
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        bounty::Model {
            id: "b".into(),
            tenant_id: "t".into(),
            name: "n".into(),
            description: None,
            kind: BountyKind::Performance,
            group_ids: "[]".into(),
            campaign_id: "c".into(),
            reward_minor: 100,
            currency: "USD".into(),
            starts_at: at(starts),
            ends_at: ends.map(at),
            goal_metric: Some(BountyMetric::Sales),
            goal_value: Some(1),
            max_submissions: 0,
            created_at: at(starts),
            partner_tags: String::new(),
            window_days: days,
            ended_at: None,
        }
    }

    #[test]
    fn a_partners_window_starts_at_the_later_of_its_join_and_the_start_and_keeps_the_clock() {
        let berlin = chrono_tz::Europe::Berlin;
        let utc = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        // Joined before: from the start; 10 days across the clock change
        // of 25 Oct 2026 end at the same wall-clock time, an hour later in
        // UTC.
        let row = bounty("2026-10-20T08:00:00Z", None, Some(10));
        let w = window(&row, utc(2026, 1, 1, 0), berlin);
        assert_eq!(w.starts_at, utc(2026, 10, 20, 8));
        assert_eq!(w.ends_at, Some(utc(2026, 10, 30, 9)));
        // Joined after: from the join.
        let w = window(&row, utc(2026, 10, 22, 12), berlin);
        assert_eq!(w.starts_at, utc(2026, 10, 22, 12));
        assert_eq!(w.ends_at, Some(utc(2026, 11, 1, 13)));
        // Never past the bounty's end, nor its end by endBounty.
        let mut row = bounty(
            "2026-10-20T08:00:00Z",
            Some("2026-10-25T00:00:00Z"),
            Some(10),
        );
        assert_eq!(
            window(&row, utc(2026, 1, 1, 0), berlin).ends_at,
            Some(utc(2026, 10, 25, 0))
        );
        row.ended_at = Some(utc(2026, 10, 21, 0));
        let w = window(&row, utc(2026, 1, 1, 0), berlin);
        assert_eq!(w.ends_at, Some(utc(2026, 10, 21, 0)));
        assert!(w.is_open(utc(2026, 10, 20, 23)));
        assert!(!w.is_open(utc(2026, 10, 21, 0)));
        assert!(!is_open(&row, utc(2026, 10, 22, 0)));
        // Without windowDays: the bounty's own dates.
        let row = bounty("2026-10-20T08:00:00Z", None, None);
        assert_eq!(
            window(&row, utc(2026, 12, 1, 0), berlin),
            Window {
                starts_at: utc(2026, 10, 20, 8),
                ends_at: None
            }
        );
    }

    #[test]
    fn a_bounty_is_for_its_groups_and_whole_tags() {
        let mut row = bounty("2026-10-20T08:00:00Z", None, None);
        row.group_ids = r#"["g1"]"#.into();
        row.partner_tags = crate::directory::tags::encode(&["vip".into()]);
        let joined = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let member = |group_id, tags| Member {
            group_id,
            tags,
            joined_at: joined,
        };
        assert!(is_for(&row, member("g1", "")).unwrap());
        assert!(is_for(&row, member("g2", ",early,vip,")).unwrap());
        assert!(!is_for(&row, member("g2", ",vipx,")).unwrap());
        assert!(!is_for(&row, member("g2", "")).unwrap());
    }
}

//! Retainers (SPEC §37): a fixed amount paid on a cadence — weekly to
//! yearly from a start date, for a number of periods or until ended —
//! to one partner or to each active partner of a group, whatever they
//! sold.
//!
//! - here: a retainer as made and checked, paused, resumed and ended, and
//!   the retainers a partner is paid by;
//! - [`due`]: the periods that have fallen due, each written once as a
//!   `RETAINER` commission per partner paid, by the `retainers` job on
//!   every replica (and by a pause or an end, for what fell due before).
//!
//! The calendar (which day a period starts, when it falls due in the
//! tenant's zone) is the engine's ([`crate::engine::retainers`]).

pub mod due;

use crate::db::Db;
use crate::engine::Currency;
use crate::engine::retainers::{self as calendar, Step};
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{RetainerCadence, RetainerStatus};
use entity::{campaign, partner, partner_group, retainer};
use rust_decimal::Decimal;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// The longest description of a retainer.
const MAX_DESCRIPTION: usize = 5_000;
/// The most periods a retainer may have (none: until ended).
pub const MAX_PERIODS: i32 = 1_000;

/// A retainer as a client asks for it.
pub struct NewRetainer {
    pub name: String,
    pub description: Option<String>,
    pub partner_id: Option<String>,
    pub group_id: Option<String>,
    pub amount: Decimal,
    pub currency: String,
    pub cadence: RetainerCadence,
    pub starts_on: NaiveDate,
    pub periods: Option<i32>,
    pub campaign_id: Option<String>,
}

/// How far apart a cadence's periods start.
pub fn step_of(cadence: RetainerCadence) -> Step {
    match cadence {
        RetainerCadence::Weekly => Step::Weeks(1),
        RetainerCadence::Monthly => Step::Months(1),
        RetainerCadence::Quarterly => Step::Months(3),
        RetainerCadence::Yearly => Step::Months(12),
    }
}

/// The number of periods a retainer has, if it has a number.
fn last_of(row: &retainer::Model) -> Option<u32> {
    row.periods.and_then(|p| u32::try_from(p).ok())
}

/// The first period not yet written or skipped.
fn next_of(row: &retainer::Model) -> u32 {
    u32::try_from(row.next_period).unwrap_or(1).max(1)
}

/// Period `number` of a retainer.
pub fn period(row: &retainer::Model, number: u32) -> Option<calendar::Period> {
    calendar::period(row.starts_on, step_of(row.cadence), number)
}

/// When a retainer pays next: its next period's instant in the zone
/// named `zone` (the tenant's), while it is active and has one.
pub fn next_due_at(row: &retainer::Model, zone: &str) -> ApiResult<Option<DateTime<Utc>>> {
    let zone: chrono_tz::Tz = zone
        .parse()
        .map_err(|e| ApiError::internal("tenant time zone", e))?;
    Ok(next_in(row, zone))
}

fn next_in(row: &retainer::Model, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    if row.status != RetainerStatus::Active {
        return None;
    }
    let next = next_of(row);
    if last_of(row).is_some_and(|last| next > last) {
        return None;
    }
    calendar::due_at(zone, row.starts_on, step_of(row.cadence), next)
}

/// A retainer in a sentence: `500 EUR monthly from 2027-01-31, 3
/// periods`.
pub fn summary(row: &retainer::Model) -> String {
    let amount = Currency::parse(&row.currency)
        .map(|c| c.from_minor(row.amount_minor).to_string())
        .unwrap_or_else(|_| row.amount_minor.to_string());
    let cadence = match row.cadence {
        RetainerCadence::Weekly => "weekly",
        RetainerCadence::Monthly => "monthly",
        RetainerCadence::Quarterly => "quarterly",
        RetainerCadence::Yearly => "yearly",
    };
    let length = match row.periods {
        Some(1) => ", 1 period".to_owned(),
        Some(n) => format!(", {n} periods"),
        None => ", until ended".to_owned(),
    };
    format!(
        "{amount} {} {cadence} from {}{length}",
        row.currency, row.starts_on
    )
}

/// Makes a retainer (`commissions:write`), checked whole before anything
/// is written; a period due at once (one starting today) is written in
/// the same transaction.
pub async fn create(db: &Db, tenant_id: &str, new: NewRetainer) -> ApiResult<retainer::Model> {
    let name = input::required_line("input.name", &new.name, input::MAX_NAME_CHARS)?;
    let description = input::optional_text(
        "input.description",
        new.description.as_deref(),
        MAX_DESCRIPTION,
    )?;
    let (amount_minor, currency) =
        input::money_above_zero("input.amount", new.amount, &new.currency)?;
    if let Some(periods) = new.periods
        && !(1..=MAX_PERIODS).contains(&periods)
    {
        return Err(ApiError::bad_input(
            "input.periods",
            format!("must be 1 to {MAX_PERIODS}, or null for until ended"),
        ));
    }
    let conn = db.conn();
    match (&new.partner_id, &new.group_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_input(
                "input.groupId",
                "a retainer pays a partner or a group, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::bad_input(
                "input.partnerId",
                "name the partner (partnerId) or the group (groupId) it pays",
            ));
        }
        (Some(id), None) => {
            partner::Entity::find_by_id(id.clone())
                .filter(partner::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
        }
        (None, Some(id)) => {
            partner_group::Entity::find_by_id(id.clone())
                .filter(partner_group::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.groupId", "no such partner group"))?;
        }
    }
    let campaign = match &new.campaign_id {
        Some(id) => campaign::Entity::find_by_id(id.clone())
            .filter(campaign::Column::TenantId.eq(tenant_id))
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?,
        None => crate::campaigns::default_campaign(conn, tenant_id).await?,
    };
    let zone = crate::tenants::tenant_zone(conn, tenant_id).await?;
    let now = crate::db::now();
    let today = now.with_timezone(&zone).date_naive();
    if new.starts_on < today {
        return Err(ApiError::bad_input(
            "input.startsOn",
            format!("must be today ({today} in {zone}) or later"),
        ));
    }
    let row = retainer::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        name: Set(name),
        description: Set(description),
        partner_id: Set(new.partner_id),
        group_id: Set(new.group_id),
        amount_minor: Set(amount_minor),
        currency: Set(currency.code().to_owned()),
        cadence: Set(new.cadence),
        starts_on: Set(new.starts_on),
        periods: Set(new.periods),
        campaign_id: Set(campaign.id),
        status: Set(RetainerStatus::Active),
        next_period: Set(1),
        created_at: Set(now),
        paused_at: Set(None),
        ended_at: Set(None),
    };
    db.transaction(|txn| {
        let row = row.clone();
        Box::pin(async move {
            let made = retainer::Entity::insert(row)
                .exec_with_returning(&*txn)
                .await?;
            crate::activity::created("Retainer", &made.id, &made);
            due::write(&txn, &made, zone, now).await?;
            reread(&*txn, &made.id).await
        })
    })
    .await
}

/// What a state change asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Pause,
    Resume,
    End,
}

/// Pauses, resumes or ends a retainer (`commissions:write`), in one
/// transaction: what fell due before a pause or an end is written first;
/// a resume pays from the next period to fall due; a state the change
/// does not start from is `CONFLICT`.
pub async fn change(
    db: &Db,
    tenant_id: &str,
    id: &str,
    change: Change,
) -> ApiResult<retainer::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("retainer"))?;
            let allowed = match change {
                Change::Pause => row.status == RetainerStatus::Active,
                Change::Resume => row.status == RetainerStatus::Paused,
                Change::End => row.status != RetainerStatus::Ended,
            };
            if !allowed {
                let verb = match change {
                    Change::Pause => "paused",
                    Change::Resume => "resumed",
                    Change::End => "ended",
                };
                return Err(ApiError::Conflict(format!(
                    "the retainer is {}: it cannot be {verb}",
                    row.status.as_str()
                )));
            }
            let zone = crate::tenants::tenant_zone(conn, tenant_id).await?;
            let now = crate::db::now();
            if row.status == RetainerStatus::Active {
                due::write(&txn, &row, zone, now).await?;
            }
            let row = reread(conn, id).await?;
            if row.status == RetainerStatus::Ended {
                // Its last period was just written.
                return Ok(row);
            }
            let mut update = retainer::ActiveModel {
                id: Set(row.id.clone()),
                ..Default::default()
            };
            match change {
                Change::Pause => {
                    update.status = Set(RetainerStatus::Paused);
                    update.paused_at = Set(Some(now));
                }
                Change::Resume => {
                    let step = step_of(row.cadence);
                    match calendar::next_after(
                        zone,
                        row.starts_on,
                        step,
                        next_of(&row),
                        last_of(&row),
                        now,
                    ) {
                        Some(next) => {
                            update.status = Set(RetainerStatus::Active);
                            update.next_period = Set(i32::try_from(next).unwrap_or(i32::MAX));
                            update.paused_at = Set(None);
                        }
                        // Its last period fell due while it was paused.
                        None => {
                            update.status = Set(RetainerStatus::Ended);
                            update.ended_at = Set(Some(now));
                        }
                    }
                }
                Change::End => {
                    update.status = Set(RetainerStatus::Ended);
                    update.ended_at = Set(Some(now));
                }
            }
            let changed = retainer::Entity::update(update).exec(conn).await?;
            crate::activity::compared(Some(&row), Some(&changed));
            Ok(changed)
        })
    })
    .await
}

async fn reread(conn: &impl ConnectionTrait, id: &str) -> ApiResult<retainer::Model> {
    retainer::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("retainer", id))
}

/// A retainer of the tenant by id.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<retainer::Model>> {
    Ok(retainer::Entity::find_by_id(id.to_owned())
        .filter(retainer::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// Whether a retainer pays `partner` (its own, or its group's).
pub fn pays(row: &retainer::Model, partner: &partner::Model) -> bool {
    row.partner_id.as_deref() == Some(partner.id.as_str())
        || row.group_id.as_deref() == Some(partner.group_id.as_str())
}

/// The tenant's retainers, filtered: a list's statement. `paying` (a
/// partner and its group) keeps those that pay it.
pub fn list(
    tenant_id: &str,
    partner_id: Option<&str>,
    group_id: Option<&str>,
    status: Option<RetainerStatus>,
    paying: Option<(&str, &str)>,
) -> Select<retainer::Entity> {
    let mut select = retainer::Entity::find().filter(retainer::Column::TenantId.eq(tenant_id));
    if let Some(partner) = partner_id {
        select = select.filter(retainer::Column::PartnerId.eq(partner));
    }
    if let Some(group) = group_id {
        select = select.filter(retainer::Column::GroupId.eq(group));
    }
    if let Some(status) = status {
        select = select.filter(retainer::Column::Status.eq(status));
    }
    if let Some((partner, group)) = paying {
        select = select.filter(
            Condition::any()
                .add(retainer::Column::PartnerId.eq(partner))
                .add(retainer::Column::GroupId.eq(group)),
        );
    }
    select
}

/// The retainers paying a partner — its own and its group's — oldest
/// first, at most 100.
pub async fn paying(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    group_id: &str,
) -> ApiResult<Vec<retainer::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(
        list(tenant_id, None, None, None, Some((partner_id, group_id)))
            .order_by_asc(retainer::Column::Id)
            .limit(100)
            .all(conn)
            .await?,
    )
}

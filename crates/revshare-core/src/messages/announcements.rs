//! Announcements (SPEC §37): a banner in the partner portal, from its
//! start (now unless given) to its end (none: until dismissed), for every
//! partner or the partners of some groups. Each partner sees it until it
//! dismisses it; a dismissal is kept once per partner.
//!
//! Its title (1–120 characters) and body (1–2,000) are plain text, shown
//! as text; its link, if any, an absolute `https` URL.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::{announcement, announcement_dismissal, partner, partner_group};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Select,
};

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest body.
pub const MAX_BODY_CHARS: usize = 2_000;
/// Groups one may name.
const MAX_GROUPS: usize = 100;
/// The most a partner is shown at once.
pub const MOST_SHOWN: u64 = 20;

/// What `createAnnouncement` asks for.
pub struct NewAnnouncement {
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub group_ids: Vec<String>,
}

/// What `updateAnnouncement` changes: `None` leaves a field, `Some(None)`
/// clears a nullable one.
#[derive(Default)]
pub struct AnnouncementChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub link: Option<Option<String>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub group_ids: Option<Vec<String>>,
}

fn check_title(title: &str) -> ApiResult<String> {
    input::required_line("input.title", title, MAX_TITLE_CHARS)
}

fn check_body(body: &str) -> ApiResult<String> {
    input::required_text("input.body", body, MAX_BODY_CHARS)
}

/// A link as kept: an absolute `https` URL of at most 2,048 characters.
fn check_link(link: Option<&str>) -> ApiResult<Option<String>> {
    let Some(link) = input::optional_text("input.link", link, 2_048)? else {
        return Ok(None);
    };
    match url::Url::parse(&link) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some() => Ok(Some(link)),
        _ => Err(ApiError::bad_input(
            "input.link",
            "must be an absolute https URL",
        )),
    }
}

fn check_dates(starts_at: DateTime<Utc>, ends_at: Option<DateTime<Utc>>) -> ApiResult<()> {
    if ends_at.is_some_and(|end| end <= starts_at) {
        return Err(ApiError::bad_input(
            "input.endsAt",
            "must be after startsAt",
        ));
    }
    Ok(())
}

/// `input.groupIds` checked (at most 100 of the tenant's groups), as the
/// JSON array kept; resources take them as announcements do.
pub(crate) async fn check_groups(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    group_ids: &[String],
) -> ApiResult<String> {
    input::check_id_list("input.groupIds", group_ids, 0, MAX_GROUPS)?;
    if !group_ids.is_empty() {
        let found = partner_group::Entity::find()
            .filter(partner_group::Column::TenantId.eq(tenant_id))
            .filter(partner_group::Column::Id.is_in(group_ids.iter().map(String::as_str)))
            .all(conn)
            .await?;
        input::check_found(
            "input.groupIds",
            group_ids,
            |id| found.iter().any(|g| g.id == id),
            "no such partner group",
        )?;
    }
    ApiError::json("groups", group_ids)
}

/// The groups an announcement is for (empty: every partner).
pub fn groups_of(row: &announcement::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("announcement groups", &row.group_ids)
}

/// Makes an announcement (`campaigns:write`), checked whole first.
pub async fn create(
    db: &Db,
    tenant_id: &str,
    new: NewAnnouncement,
) -> ApiResult<announcement::Model> {
    let title = check_title(&new.title)?;
    let body = check_body(&new.body)?;
    let link = check_link(new.link.as_deref())?;
    let now = crate::db::now();
    let starts_at = new.starts_at.unwrap_or(now);
    check_dates(starts_at, new.ends_at)?;
    let new = &new;
    let (title, body, link) = (&title, &body, &link);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let group_ids = check_groups(conn, tenant_id, &new.group_ids).await?;
            let row = announcement::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                title: Set(title.clone()),
                body: Set(body.clone()),
                link: Set(link.clone()),
                starts_at: Set(starts_at),
                ends_at: Set(new.ends_at),
                group_ids: Set(group_ids),
                created_at: Set(now),
                updated_at: Set(now),
            };
            let made = announcement::Entity::insert(row)
                .exec_with_returning(conn)
                .await?;
            crate::activity::created("Announcement", &made.id, &made);
            Ok(made)
        })
    })
    .await
}

/// Changes an announcement (`campaigns:write`); setting `endsAt` to now
/// ends it.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: AnnouncementChanges,
) -> ApiResult<announcement::Model> {
    let changes = &changes;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("announcement"))?;
            let mut changed = row.clone();
            if let Some(title) = &changes.title {
                changed.title = check_title(title)?;
            }
            if let Some(body) = &changes.body {
                changed.body = check_body(body)?;
            }
            if let Some(link) = &changes.link {
                changed.link = check_link(link.as_deref())?;
            }
            if let Some(at) = changes.starts_at {
                changed.starts_at = at;
            }
            if let Some(end) = changes.ends_at {
                changed.ends_at = end;
            }
            check_dates(changed.starts_at, changed.ends_at)?;
            if let Some(groups) = &changes.group_ids {
                changed.group_ids = check_groups(conn, tenant_id, groups).await?;
            }
            changed.updated_at = crate::db::now();
            let saved = announcement::Entity::update(sea_orm::ActiveModelTrait::reset_all(
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

/// Deletes an announcement and its dismissals (`campaigns:write`).
pub async fn delete(db: &Db, tenant_id: &str, id: &str) -> ApiResult<String> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("announcement"))?;
            announcement_dismissal::Entity::delete_many()
                .filter(announcement_dismissal::Column::AnnouncementId.eq(row.id.as_str()))
                .exec(conn)
                .await?;
            announcement::Entity::delete_by_id(row.id.clone())
                .exec(conn)
                .await?;
            crate::activity::compared(Some(&row), None);
            Ok(row.id)
        })
    })
    .await
}

/// An announcement of the tenant by id.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<announcement::Model>> {
    Ok(announcement::Entity::find_by_id(id.to_owned())
        .filter(announcement::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// Whether an announcement is for the partners of `group_id`.
pub fn is_for(row: &announcement::Model, group_id: &str) -> ApiResult<bool> {
    let groups = groups_of(row)?;
    Ok(groups.is_empty() || groups.iter().any(|g| g == group_id))
}

/// Whether it shows at `at` (dismissals aside).
pub fn is_showing(row: &announcement::Model, at: DateTime<Utc>) -> bool {
    row.starts_at <= at && row.ends_at.is_none_or(|end| at < end)
}

/// The tenant's announcements (a list's filter, paged oldest first); for
/// a partner's group only those for it that have started.
pub fn list(
    tenant_id: &str,
    group_id: Option<&str>,
    at: DateTime<Utc>,
) -> Select<announcement::Entity> {
    let mut select =
        announcement::Entity::find().filter(announcement::Column::TenantId.eq(tenant_id));
    if let Some(group) = group_id {
        select = select
            .filter(for_group(group))
            .filter(announcement::Column::StartsAt.lte(at));
    }
    select
}

/// Rows for every partner (`[]`) or naming `group` (ids are ULIDs: one
/// found in the list's text is in it).
fn for_group(group: &str) -> Condition {
    Condition::any()
        .add(announcement::Column::GroupIds.eq("[]"))
        .add(announcement::Column::GroupIds.contains(group))
}

/// What `partner` is shown now: for it, started, not ended, not dismissed
/// by it; newest first, at most [`MOST_SHOWN`].
pub async fn showing(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    at: DateTime<Utc>,
) -> ApiResult<Vec<announcement::Model>> {
    use sea_orm::{QuerySelect, QueryTrait};
    let dismissed = announcement_dismissal::Entity::find()
        .select_only()
        .column(announcement_dismissal::Column::AnnouncementId)
        .filter(announcement_dismissal::Column::PartnerId.eq(partner.id.as_str()))
        .into_query();
    Ok(announcement::Entity::find()
        .filter(announcement::Column::TenantId.eq(partner.tenant_id.as_str()))
        .filter(for_group(&partner.group_id))
        .filter(announcement::Column::StartsAt.lte(at))
        .filter(
            Condition::any()
                .add(announcement::Column::EndsAt.is_null())
                .add(announcement::Column::EndsAt.gt(at)),
        )
        .filter(announcement::Column::Id.not_in_subquery(dismissed))
        .order_by_desc(announcement::Column::StartsAt)
        .order_by_desc(announcement::Column::Id)
        .paginate(conn, MOST_SHOWN)
        .fetch_page(0)
        .await?)
}

/// Whether `partner_id` dismissed the announcement.
pub async fn dismissed(
    conn: &impl ConnectionTrait,
    announcement_id: &str,
    partner_id: &str,
) -> ApiResult<bool> {
    Ok(announcement_dismissal::Entity::find_by_id((
        announcement_id.to_owned(),
        partner_id.to_owned(),
    ))
    .one(conn)
    .await?
    .is_some())
}

/// How many partners dismissed it.
pub async fn dismissals(conn: &impl ConnectionTrait, announcement_id: &str) -> ApiResult<u64> {
    Ok(announcement_dismissal::Entity::find()
        .filter(announcement_dismissal::Column::AnnouncementId.eq(announcement_id))
        .count(conn)
        .await?)
}

/// A partner dismisses an announcement meant for it (again: as it is);
/// one not for it, or not started, is not found.
pub async fn dismiss(
    db: &Db,
    partner: &partner::Model,
    id: &str,
) -> ApiResult<announcement::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = match find(conn, &partner.tenant_id, id).await? {
                Some(row)
                    if is_for(&row, &partner.group_id)? && row.starts_at <= crate::db::now() =>
                {
                    row
                }
                _ => return Err(ApiError::not_found("announcement")),
            };
            let mark = announcement_dismissal::ActiveModel {
                announcement_id: Set(row.id.clone()),
                partner_id: Set(partner.id.clone()),
                tenant_id: Set(partner.tenant_id.clone()),
                dismissed_at: Set(crate::db::now()),
            };
            announcement_dismissal::Entity::insert(mark)
                .on_conflict(
                    OnConflict::columns([
                        announcement_dismissal::Column::AnnouncementId,
                        announcement_dismissal::Column::PartnerId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            Ok(row)
        })
    })
    .await
}

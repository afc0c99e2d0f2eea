//! The activity log read (SPEC §34): its filters, a page of entries, its
//! exports a page at a time (CSV and JSON lines, so an export of any size
//! holds one page in memory), and retention — whole days only, said in an
//! entry of its own. Entries are written by [`crate::activity`] as their
//! changes commit.

use crate::activity::{self, Actor, ActorKind, FieldChange};
use crate::auth::access::{Kind, Policy, Rows};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ledger::exports::{cell, input_cell};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use entity::{activity as entry, activity_cutoff};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

/// Entries read and written at once by an export.
pub const PAGE: u64 = 1_000;

/// What `activity(filter:)` and the exports narrow the log to; `to` is
/// exclusive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_kind: Option<ActorKind>,
    pub actor_id: Option<String>,
    pub object_id: Option<String>,
    pub object_kind: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The partner the entries are about: a partner token's own (set only
    /// for a partner, whose `actor_id` then matches only the actors it
    /// reads: itself, the jobs, and `staff` for every staff member and
    /// service token).
    pub partner_id: Option<String>,
}

impl Filter {
    /// The entries `policy`'s caller reads: its readers (admins, viewers,
    /// `activity:read`) all; a partner those about itself.
    pub fn readable(policy: &Policy) -> ApiResult<Filter> {
        let rows = policy.list(Kind::ActivityEntry, None)?;
        Ok(Filter {
            partner_id: match rows {
                Rows::Tenant => None,
                other => other.partner_filter(),
            },
            ..Filter::default()
        })
    }
}

/// The tenant's entries `filter` keeps.
pub fn select(tenant_id: &str, filter: &Filter) -> Select<entry::Entity> {
    let mut select = entry::Entity::find().filter(entry::Column::TenantId.eq(tenant_id));
    if let Some(kind) = filter.actor_kind {
        select = select.filter(entry::Column::ActorKind.eq(kind));
    }
    if let Some(id) = &filter.actor_id {
        select = match &filter.partner_id {
            // A partner reads staff and service tokens as `staff`: that is
            // what it finds them by, and their own ids find nothing.
            Some(_) if id == STAFF => select.filter(entry::Column::ActorKind.is_in(UNNAMED)),
            Some(_) => select
                .filter(entry::Column::ActorId.eq(id.as_str()))
                .filter(entry::Column::ActorKind.is_not_in(UNNAMED)),
            None => select.filter(entry::Column::ActorId.eq(id.as_str())),
        };
    }
    if let Some(id) = &filter.object_id {
        select = select.filter(entry::Column::ObjectId.eq(id.as_str()));
    }
    if let Some(kind) = &filter.object_kind {
        select = select.filter(entry::Column::ObjectKind.eq(kind.as_str()));
    }
    if let Some(action) = &filter.action {
        select = select.filter(entry::Column::Action.eq(action.as_str()));
    }
    if let Some(from) = filter.from {
        select = select.filter(entry::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(entry::Column::At.lt(to));
    }
    if let Some(partner) = &filter.partner_id {
        select = select.filter(entry::Column::PartnerId.eq(partner.as_str()));
    }
    select
}

/// What a partner reads in place of a staff member or a service token.
pub const STAFF: &str = "staff";

/// The actors a partner reads as [`STAFF`], never by their ids.
const UNNAMED: [ActorKind; 2] = [ActorKind::Staff, ActorKind::ApiKey];

/// Fields of an entry's changes no partner reads: a note the staff keep
/// (a customer's reassignment), and the spiffs a deal pays the tenant's
/// own people.
const STAFF_FIELDS: &[&str] = &["note", activity::STAFF_SPIFFS];

/// Fields naming who did or wrote something: a partner reads itself there,
/// anyone else as [`STAFF`].
const WHO_FIELDS: &[&str] = &[
    "author",
    "actor",
    "createdBy",
    "updatedBy",
    "decidedBy",
    "requestedBy",
    "issuedBy",
    "startedBy",
    "configuredBy",
];

/// Fields naming a partner: a partner reads its own id there, no other.
const PARTNER_FIELDS: &[&str] = &["partnerId"];

/// Acts whose reason is a note the staff keep for themselves (a
/// customer's history is the staff's): no partner reads it.
const STAFF_REASONS: &[&str] = &["reassignCustomer"];

/// The actor's id and name as the caller reads them: everyone's to staff
/// (`staff_reader`); to a partner, itself and the jobs, and none for staff
/// or a service token (shown as `staff`, as a history shows them).
pub fn actor_shown(row: &entry::Model, staff_reader: bool) -> Option<(&str, &str)> {
    match row.actor_kind {
        ActorKind::Staff | ActorKind::ApiKey if !staff_reader => None,
        _ => Some((&row.actor_id, &row.actor_name)),
    }
}

/// An entry's changes as stored; a list that does not read is an error,
/// never none.
pub fn changes_of(row: &entry::Model) -> ApiResult<Vec<FieldChange>> {
    ApiError::stored("activity changes", &row.changes)
}

/// An entry's changes as the caller reads them: as stored to staff
/// (`staff_reader`); to the partner the entry is about, what is its own —
/// no staff note and no spiff to the tenant's people, no other partner's
/// id, and staff as [`STAFF`], never by address or sign-in.
pub fn changes_shown(row: &entry::Model, staff_reader: bool) -> ApiResult<Vec<FieldChange>> {
    let changes = changes_of(row)?;
    if staff_reader {
        return Ok(changes);
    }
    Ok(changes
        .into_iter()
        .filter(|change| !STAFF_FIELDS.contains(&change.field.as_str()))
        .map(|change| change_to_partner(row, change))
        .filter(|change| change.before.is_some() || change.after.is_some())
        .collect())
}

/// `change` of an entry about a partner, as that partner reads it.
fn change_to_partner(row: &entry::Model, change: FieldChange) -> FieldChange {
    let FieldChange {
        field,
        before,
        after,
    } = change;
    let before = before.and_then(|value| to_partner(row, &field, value));
    let after = after.and_then(|value| to_partner(row, &field, value));
    FieldChange {
        field,
        before,
        after,
    }
}

/// The reason an entry gives as the caller reads it: to a partner, none
/// that is a staff note, and staff as [`STAFF`].
pub fn reason_shown(row: &entry::Model, staff_reader: bool) -> Option<String> {
    let reason = row.reason.clone()?;
    match staff_reader {
        true => Some(reason),
        false if STAFF_REASONS.contains(&row.action.as_str()) => None,
        false => Some(unnamed(row, reason)),
    }
}

/// `value` of `field` in an entry about a partner, as that partner reads
/// it; none when it is not the partner's to read.
fn to_partner(row: &entry::Model, field: &str, value: String) -> Option<String> {
    let own = row.partner_id.as_deref().unwrap_or_default();
    if PARTNER_FIELDS.contains(&field) {
        return (value == own).then_some(value);
    }
    if WHO_FIELDS.contains(&field) && value != own {
        return Some(STAFF.to_owned());
    }
    Some(unnamed(row, value))
}

/// `text` with the staff member or service token that acted, if one did,
/// named as [`STAFF`]: its id whole, or an address within the text.
fn unnamed(row: &entry::Model, text: String) -> String {
    let actor = row.actor_id.as_str();
    if !UNNAMED.contains(&row.actor_kind) || actor.is_empty() {
        return text;
    }
    if text == actor {
        STAFF.to_owned()
    } else if actor.contains('@') && text.contains(actor) {
        text.replace(actor, STAFF)
    } else {
        text
    }
}

/// The changes as the caller reads them, as the exports write them.
fn changes_text(row: &entry::Model, staff: bool) -> ApiResult<String> {
    match staff {
        true => Ok(row.changes.clone()),
        false => ApiError::json("activity changes", &changes_shown(row, false)?),
    }
}

/// The next page of entries after `after` (an id; empty: the first).
async fn page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &Filter,
    after: &str,
) -> ApiResult<Vec<entry::Model>> {
    Ok(select(tenant_id, filter)
        .filter(entry::Column::Id.gt(after))
        .order_by_asc(entry::Column::Id)
        .limit(PAGE)
        .all(conn)
        .await?)
}

pub const CSV_HEADER: &str = "id,at,actor_kind,actor_id,actor_name,action,object_kind,object_id,partner_id,changes,request_id,ip,reason\r\n";

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The next page as CSV lines and the last id written; `staff`: whether the
/// caller is staff, who read where each act came from and who did it (a
/// partner reads each entry as [`changes_shown`] and [`reason_shown`] say).
pub async fn csv_page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &Filter,
    after: &str,
    staff: bool,
) -> ApiResult<Option<(String, String)>> {
    let rows = page(conn, tenant_id, filter, after).await?;
    let Some(last) = rows.last().map(|r| r.id.clone()) else {
        return Ok(None);
    };
    let mut out = String::with_capacity(rows.len() * 256);
    for row in &rows {
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        cell(&mut out, &row.id);
        out.push(',');
        cell(&mut out, &stamp(row.at));
        out.push(',');
        let (actor_id, actor_name) = actor_shown(row, staff).unwrap_or((STAFF, STAFF));
        cell(&mut out, row.actor_kind.as_str());
        out.push(',');
        input_cell(&mut out, actor_id);
        out.push(',');
        input_cell(&mut out, actor_name);
        out.push(',');
        cell(&mut out, &row.action);
        out.push(',');
        cell(&mut out, &optional(&row.object_kind));
        out.push(',');
        input_cell(&mut out, &optional(&row.object_id));
        out.push(',');
        cell(&mut out, &optional(&row.partner_id));
        out.push(',');
        input_cell(&mut out, &changes_text(row, staff)?);
        out.push(',');
        input_cell(&mut out, &optional(&row.request_id));
        out.push(',');
        if staff {
            cell(&mut out, &optional(&row.ip));
        }
        out.push(',');
        input_cell(&mut out, &reason_shown(row, staff).unwrap_or_default());
        out.push_str("\r\n");
    }
    Ok(Some((out, last)))
}

/// The next page as JSON lines (one entry an object, `changes` a list)
/// and the last id written.
pub async fn jsonl_page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &Filter,
    after: &str,
    staff: bool,
) -> ApiResult<Option<(String, String)>> {
    let rows = page(conn, tenant_id, filter, after).await?;
    let Some(last) = rows.last().map(|r| r.id.clone()) else {
        return Ok(None);
    };
    let mut out = String::with_capacity(rows.len() * 320);
    for row in &rows {
        let (actor_id, actor_name) = actor_shown(row, staff).unwrap_or((STAFF, STAFF));
        let line = serde_json::json!({
            "id": row.id,
            "at": stamp(row.at),
            "actor": { "kind": row.actor_kind.as_str(), "id": actor_id, "name": actor_name },
            "action": row.action,
            "object": { "kind": row.object_kind, "id": row.object_id },
            "partnerId": row.partner_id,
            "changes": changes_shown(row, staff)?,
            "requestId": row.request_id,
            "ip": if staff { row.ip.clone() } else { None },
            "reason": reason_shown(row, staff),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok(Some((out, last)))
}

/// Removes the tenant's entries of the days before `days` days ago
/// (whole days, UTC): an entry of its own says how many and from when the
/// log keeps entries, the cutoff moves to that midnight, and the entries
/// before it go — all in one transaction, the entry first (the database
/// takes no cutoff that an entry of retention's does not name). With
/// nothing to remove past a cutoff already set, nothing moves. Answers
/// how many were removed.
pub async fn trim(db: &Db, tenant_id: &str, days: u32, now: DateTime<Utc>) -> ApiResult<u64> {
    let midnight = (now - Duration::days(i64::from(days)))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| ApiError::internal("activity retention", "no midnight"))?;
    db.transaction(|txn| {
        Box::pin(async move {
            let kept = activity_cutoff::Entity::find_by_id(tenant_id)
                .one(&*txn)
                .await?
                .map(|c| c.keeps_from);
            if kept.is_some_and(|kept| kept >= midnight) {
                return Ok(0);
            }
            // Nothing to remove past a cutoff already set: nothing moves,
            // nothing is said.
            let removing = entry::Entity::find()
                .filter(entry::Column::TenantId.eq(tenant_id))
                .filter(entry::Column::At.lt(midnight))
                .count(&*txn)
                .await?;
            if removing == 0 && kept.is_some() {
                return Ok(0);
            }
            // The entry first: the database takes a cutoff only when an
            // entry of retention's, kept past it, names its day.
            let said = activity::Entry {
                tenant_id: tenant_id.to_owned(),
                actor: Actor::system("activity retention"),
                action: "activityRetention".to_owned(),
                object: None,
                partner_id: None,
                changes: Vec::new(),
                request_id: None,
                ip: None,
            }
            .changing("keepsFrom", kept.map(stamp), Some(stamp(midnight)))
            .changing("removed", None, Some(removing.to_string()));
            activity::record(&*txn, crate::db::now(), vec![said]).await?;
            activity_cutoff::Entity::insert(activity_cutoff::ActiveModel {
                tenant_id: Set(tenant_id.to_owned()),
                keeps_from: Set(midnight),
            })
            .on_conflict(
                OnConflict::column(activity_cutoff::Column::TenantId)
                    .update_column(activity_cutoff::Column::KeepsFrom)
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
            let removed = entry::Entity::delete_many()
                .filter(entry::Column::TenantId.eq(tenant_id))
                .filter(entry::Column::At.lt(midnight))
                .exec(&*txn)
                .await?
                .rows_affected;
            Ok(removed)
        })
    })
    .await
}

/// The retention job's part for the log: every tenant trimmed to `days`.
pub async fn step(db: &Db, days: u32) -> ApiResult<()> {
    let tenants: Vec<String> = entity::tenant::Entity::find()
        .select_only()
        .column(entity::tenant::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await?;
    let now = crate::db::now();
    for tenant in tenants {
        let removed = trim(db, &tenant, days, now).await?;
        if removed > 0 {
            tracing::info!(tenant = %tenant, removed, "trimmed the activity log");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(action: &str, actor: (ActorKind, &str), changes: &[FieldChange]) -> entry::Model {
        entry::Model {
            id: "e1".into(),
            tenant_id: "t".into(),
            at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            actor_kind: actor.0,
            actor_id: actor.1.into(),
            actor_name: actor.1.into(),
            action: action.into(),
            object_kind: None,
            object_id: None,
            partner_id: Some("own".into()),
            changes: serde_json::to_string(changes).unwrap(),
            request_id: None,
            ip: Some("127.0.0.1".into()),
            reason: Some("moved by ops@brand.example".into()),
        }
    }

    fn change(field: &str, before: Option<&str>, after: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            before: before.map(Into::into),
            after: after.map(Into::into),
        }
    }

    #[test]
    fn a_partner_reads_of_an_entry_what_is_its_own() {
        let staff = (ActorKind::Staff, "ops@brand.example");
        let row = logged(
            "reassignCustomer",
            staff,
            &[
                change("partnerId", Some("other"), Some("own")),
                change("note", None, Some("private")),
                change("commissions", None, Some("100.00 USD")),
                change(activity::STAFF_SPIFFS, None, Some("777.00 USD")),
                change("author", None, Some("ops@brand.example")),
                change("body", None, Some("write to ops@brand.example")),
            ],
        );
        assert_eq!(
            changes_shown(&row, true).unwrap(),
            changes_of(&row).unwrap()
        );
        assert_eq!(
            changes_shown(&row, false).unwrap(),
            [
                change("partnerId", None, Some("own")),
                change("commissions", None, Some("100.00 USD")),
                change("author", None, Some("staff")),
                change("body", None, Some("write to staff")),
            ]
        );
        assert_eq!(reason_shown(&row, false), None);
        assert_eq!(
            reason_shown(&row, true).as_deref(),
            Some("moved by ops@brand.example")
        );
        let sent = logged("sendMessage", staff, &[]);
        assert_eq!(
            reason_shown(&sent, false).as_deref(),
            Some("moved by staff")
        );
        // The partner's own acts and a job's keep their names.
        let own = logged(
            "sendMessage",
            (ActorKind::Partner, "own"),
            &[change("author", None, Some("own"))],
        );
        assert_eq!(
            changes_shown(&own, false).unwrap(),
            changes_of(&own).unwrap()
        );
        let cli = logged(
            "sendMessage",
            (ActorKind::Staff, "cli"),
            &[change("body", None, Some("a client"))],
        );
        assert_eq!(
            changes_shown(&cli, false).unwrap(),
            changes_of(&cli).unwrap()
        );
    }
}

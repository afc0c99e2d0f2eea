//! Exactly once: the lookup of what was recorded under a batch's
//! `externalId`s, and the rule every event kind answers a redelivery by.

use crate::error::{ApiError, ApiResult};
use entity::enums::CommissionKind;
use entity::{commission, event};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashMap};

/// Events already recorded, by `externalId`, with what they earned (the
/// one exactly-once lookup, [`recorded`]).
pub type Existing = std::collections::HashMap<String, (event::Model, Vec<commission::Model>)>;

/// The exactly-once rule of every event kind: an `externalId` recorded
/// before — by an earlier call (`existing`) or earlier in this batch
/// (`in_batch`) — answers the first result when `same` says its payload is
/// this one's, else `CONFLICT`; `None`: not recorded yet.
pub fn exactly_once<'a>(
    external_id: &str,
    existing: &'a Existing,
    in_batch: Option<(&'a event::Model, &'a [commission::Model])>,
    same: impl Fn(&event::Model) -> bool,
) -> ApiResult<Option<(&'a event::Model, &'a [commission::Model])>> {
    let first = existing
        .get(external_id)
        .map(|(event, commissions)| (event, commissions.as_slice()))
        .or(in_batch);
    match first {
        Some((event, _)) if !same(event) => Err(ApiError::other_payload()),
        first => Ok(first),
    }
}

/// The events of the tenant recorded under `external_ids`, each with the
/// commissions it earned (not the adjustments that came later), by
/// `externalId`: what the exactly-once rule of every event kind answers a
/// redelivery with.
pub async fn recorded<'a>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_ids: impl Iterator<Item = &'a str>,
) -> ApiResult<Existing> {
    let external_ids: BTreeSet<&str> = external_ids.collect();
    let mut found = HashMap::new();
    if external_ids.is_empty() {
        return Ok(found);
    }
    let existing = event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.is_in(external_ids))
        .all(conn)
        .await?;
    if existing.is_empty() {
        return Ok(found);
    }
    let mut earned: HashMap<String, Vec<commission::Model>> = HashMap::new();
    for row in commission::Entity::find()
        .filter(commission::Column::EventId.is_in(existing.iter().map(|e| e.id.as_str())))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission))
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?
    {
        earned.entry(row.event_id.clone()).or_default().push(row);
    }
    for event in existing {
        let rows = earned.remove(&event.id).unwrap_or_default();
        found.insert(event.external_id.clone(), (event, rows));
    }
    Ok(found)
}

//! Webhook endpoints: created (the secret shown once), updated, deleted,
//! their secret rotated, their deliveries replayed — each scoped to who
//! may manage it (the tenant's staff, or a partner its own).

use super::settings::*;
use super::{audience_of, dispatch, send, sign, ssrf, types_json};
use crate::auth::access::{Endpoints, Policy};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::DomainEventType;
use crate::events::log::{self, Cursor};
use crate::input;
use entity::enums::WebhookStatus;
use entity::{webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Select,
};

/// Whose endpoints a caller manages. An endpoint is a way to read events,
/// so every operation on one — reading it, changing its URL, rotating its
/// secret, replaying — needs what reading its events needs:
#[derive(Debug, Clone, Copy)]
pub enum Manager<'a> {
    /// An admin: every endpoint of the tenant, partners' included.
    Admin,
    /// A service token (holding `webhooks:*`): the tenant's own endpoints
    /// whose every event type its scopes read. Partners' endpoints are the
    /// partner's and the admins' alone.
    Service(&'a Policy),
    /// A partner: its own endpoints.
    Partner(&'a str),
}

impl<'a> From<Endpoints<'a>> for Manager<'a> {
    fn from(endpoints: Endpoints<'a>) -> Manager<'a> {
        match endpoints {
            Endpoints::Every => Manager::Admin,
            Endpoints::Tenants(policy) => Manager::Service(policy),
            Endpoints::Partner(partner) => Manager::Partner(partner),
        }
    }
}

impl Manager<'_> {
    /// Whether this caller manages `endpoint` (of its tenant).
    pub fn manages(&self, endpoint: &webhook_endpoint::Model) -> bool {
        match self {
            Manager::Admin => true,
            Manager::Service(policy) => {
                // Types that do not read are no service's to manage.
                endpoint.partner_id.is_none()
                    && audience_of(endpoint).is_ok_and(|audience| {
                        audience.types.iter().all(|kind| policy.reads_event(*kind))
                    })
            }
            Manager::Partner(partner) => endpoint.partner_id.as_deref() == Some(*partner),
        }
    }

    /// The partner whose endpoints these are (`None`: the tenant's).
    fn partner(&self) -> Option<&str> {
        match self {
            Manager::Partner(partner) => Some(partner),
            Manager::Admin | Manager::Service(_) => None,
        }
    }
}

#[derive(Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<DomainEventType>,
    pub description: Option<String>,
}

/// What an update changes (`None`: unchanged).
#[derive(Default)]
pub struct Changes {
    pub url: Option<String>,
    pub event_types: Option<Vec<DomainEventType>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// An endpoint and its secret, shown when created or rotated.
pub struct WithSecret {
    pub endpoint: webhook_endpoint::Model,
    pub secret: String,
}

fn check_url(url: &str, settings: &Settings) -> ApiResult<String> {
    let url = input::required_line("input.url", url, MAX_URL_CHARS)?;
    ssrf::check_url(&url, settings.allow_private)
        .map_err(|message| ApiError::bad_input("input.url", message))?;
    Ok(url)
}

fn secret() -> ApiResult<String> {
    sign::new_secret().map_err(|e| ApiError::internal("webhook secret", e))
}

/// Registers an endpoint; it is sent the events from now on.
pub async fn create(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    manager: Manager<'_>,
    new: NewEndpoint,
    settings: &Settings,
) -> ApiResult<WithSecret> {
    let url = check_url(&new.url, settings)?;
    let description = input::optional_text(
        "input.description",
        new.description.as_deref(),
        input::MAX_DESCRIPTION_CHARS,
    )?;
    db.transaction(|txn| {
        let url = url.clone();
        let new = new.clone();
        let description = description.clone();
        Box::pin(async move {
            // Counted under the tenant's lock, so concurrent creations cannot pass
            // the quota together.
            crate::directory::groups::lock_tenant(&*txn, tenant_id).await?;
            let existing = webhook_endpoint::Entity::find()
                .filter(webhook_endpoint::Column::TenantId.eq(tenant_id));
            let (existing, quota, whose) = match manager.partner() {
                Some(partner) => (
                    existing.filter(webhook_endpoint::Column::PartnerId.eq(partner)),
                    MAX_PARTNER_ENDPOINTS,
                    "a partner",
                ),
                None => (
                    existing.filter(webhook_endpoint::Column::PartnerId.is_null()),
                    MAX_ENDPOINTS,
                    "a tenant",
                ),
            };
            if sea_orm::PaginatorTrait::count(existing, &*txn).await? >= quota {
                return Err(ApiError::Conflict(format!(
                    "{whose} may have at most {quota} webhook endpoints of its own"
                )));
            }
            let start = log::end(&*txn, tenant_id).await?;
            let secret = secret()?;
            let now = crate::db::now();
            let endpoint = webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                partner_id: Set(manager.partner().map(str::to_owned)),
                url: Set(url),
                event_types: Set(types_json(&new.event_types)?),
                description: Set(description),
                secret: Set(secret.clone()),
                previous_secret: Set(None),
                previous_secret_until: Set(None),
                status: Set(WebhookStatus::Enabled),
                disabled_reason: Set(None),
                consecutive_failures: Set(0),
                cursor_xid: Set(start.xid),
                cursor_seq: Set(start.seq),
                created_by: Set(actor.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(&*txn)
            .await?;
            crate::activity::created("WebhookEndpoint", &endpoint.id, &endpoint);
            Ok(WithSecret { endpoint, secret })
        })
    })
    .await
}

/// The endpoint `id`, if `manager` manages it.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    manager: Manager<'_>,
    id: &str,
) -> ApiResult<Option<webhook_endpoint::Model>> {
    let found = webhook_endpoint::Entity::find_by_id(id.to_owned())
        .filter(webhook_endpoint::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?;
    Ok(found.filter(|e| manager.manages(e)))
}

/// The endpoint `id`, if `manager` manages it, locked for the caller's
/// transaction (the dispatcher skips it meanwhile).
async fn managed(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    manager: Manager<'_>,
    id: &str,
) -> ApiResult<webhook_endpoint::Model> {
    let found = webhook_endpoint::Entity::find_by_id(id.to_owned())
        .filter(webhook_endpoint::Column::TenantId.eq(tenant_id))
        .lock_exclusive()
        .one(conn)
        .await?;
    found
        .filter(|e| manager.manages(e))
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))
}

/// The endpoints `manager` manages (the same as [`Manager::manages`], in
/// SQL: a service token's are the tenant's own that name no type it does
/// not read, and do not take every type unless it reads them all).
pub fn list(tenant_id: &str, manager: Manager<'_>) -> Select<webhook_endpoint::Entity> {
    let select =
        webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::TenantId.eq(tenant_id));
    match manager {
        Manager::Admin => select,
        Manager::Service(policy) => {
            let mut select = select.filter(webhook_endpoint::Column::PartnerId.is_null());
            let unread: Vec<DomainEventType> = crate::events::ALL_TYPES
                .into_iter()
                .filter(|kind| !policy.reads_event(*kind))
                .collect();
            if !unread.is_empty() {
                // `[]` takes every type, this token's unread ones too.
                select = select.filter(webhook_endpoint::Column::EventTypes.ne("[]"));
            }
            for kind in unread {
                // `event_types` is a JSON array of quoted names (`types_json`).
                select = select.filter(
                    webhook_endpoint::Column::EventTypes
                        .not_like(format!("%\"{}\"%", kind.as_str())),
                );
            }
            select
        }
        Manager::Partner(partner) => select.filter(webhook_endpoint::Column::PartnerId.eq(partner)),
    }
}

/// An endpoint's deliveries, optionally only those in `status`.
pub fn deliveries_of(
    tenant_id: &str,
    endpoint_id: &str,
    status: Option<entity::enums::DeliveryStatus>,
) -> Select<webhook_delivery::Entity> {
    let select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::TenantId.eq(tenant_id))
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    match status {
        Some(status) => select.filter(webhook_delivery::Column::Status.eq(status)),
        None => select,
    }
}

/// Changes an endpoint. Enabled again, it is sent the events from now on
/// (those it missed can be replayed).
pub async fn update(
    db: &Db,
    tenant_id: &str,
    manager: Manager<'_>,
    id: &str,
    changes: Changes,
    settings: &Settings,
) -> ApiResult<webhook_endpoint::Model> {
    let url = changes
        .url
        .as_deref()
        .map(|u| check_url(u, settings))
        .transpose()?;
    let description = match &changes.description {
        Some(text) => Some(input::optional_text(
            "input.description",
            text.as_deref(),
            input::MAX_DESCRIPTION_CHARS,
        )?),
        None => None,
    };
    db.transaction(|txn| {
        let url = url.clone();
        let description = description.clone();
        let event_types = changes.event_types.clone();
        let enabled = changes.enabled;
        Box::pin(async move {
            let mut endpoint = managed(&*txn, tenant_id, manager, id).await?;
            if let Some(url) = url {
                endpoint.url = url;
            }
            if let Some(types) = event_types {
                endpoint.event_types = types_json(&types)?;
            }
            if let Some(description) = description {
                endpoint.description = description;
            }
            match enabled {
                Some(true) if endpoint.status == WebhookStatus::Disabled => {
                    let start = log::end(&*txn, tenant_id).await?;
                    endpoint.status = WebhookStatus::Enabled;
                    endpoint.disabled_reason = None;
                    endpoint.consecutive_failures = 0;
                    endpoint.cursor_xid = start.xid;
                    endpoint.cursor_seq = start.seq;
                }
                Some(false) if endpoint.status == WebhookStatus::Enabled => {
                    let reason = "disabled by an update";
                    send::disable_in(&*txn, &endpoint.id, reason).await?;
                    endpoint.status = WebhookStatus::Disabled;
                    endpoint.disabled_reason = Some(reason.into());
                }
                _ => {}
            }
            endpoint.updated_at = crate::db::now();
            let active: webhook_endpoint::ActiveModel = endpoint.clone().into();
            webhook_endpoint::Entity::update(sea_orm::ActiveModelTrait::reset_all(active))
                .exec(&*txn)
                .await?;
            Ok(endpoint)
        })
    })
    .await
}

/// Deletes an endpoint and its delivery log.
pub async fn delete(db: &Db, tenant_id: &str, manager: Manager<'_>, id: &str) -> ApiResult<()> {
    db.transaction(|txn| {
        Box::pin(async move {
            let endpoint = managed(&*txn, tenant_id, manager, id).await?;
            webhook_delivery::Entity::delete_many()
                .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id.as_str()))
                .exec(&*txn)
                .await?;
            webhook_endpoint::Entity::delete_by_id(endpoint.id)
                .exec(&*txn)
                .await?;
            Ok(())
        })
    })
    .await
}

/// A new secret for an endpoint; the previous one still signs (beside it)
/// for [`ROTATION_GRACE`], so a receiver can switch without losing events.
pub async fn rotate(
    db: &Db,
    tenant_id: &str,
    manager: Manager<'_>,
    id: &str,
) -> ApiResult<WithSecret> {
    db.transaction(|txn| {
        Box::pin(async move {
            let mut endpoint = managed(&*txn, tenant_id, manager, id).await?;
            let secret = secret()?;
            let now = crate::db::now();
            endpoint.previous_secret =
                Some(std::mem::replace(&mut endpoint.secret, secret.clone()));
            endpoint.previous_secret_until = Some(
                now + chrono::Duration::from_std(ROTATION_GRACE)
                    .unwrap_or(chrono::Duration::zero()),
            );
            endpoint.updated_at = now;
            let active: webhook_endpoint::ActiveModel = endpoint.clone().into();
            webhook_endpoint::Entity::update(sea_orm::ActiveModelTrait::reset_all(active))
                .exec(&*txn)
                .await?;
            Ok(WithSecret { endpoint, secret })
        })
    })
    .await
}

/// Sends an endpoint its events after `after` again, as many as its
/// replay budget allows ([`Settings::replay_limit`] in every
/// [`REPLAY_WINDOW`]); answers how many. With the budget spent, `CONFLICT`.
pub async fn replay(
    db: &Db,
    tenant_id: &str,
    manager: Manager<'_>,
    id: &str,
    after: Cursor,
    settings: &Settings,
) -> ApiResult<u64> {
    db.transaction(|txn| {
        Box::pin(async move {
            let endpoint = managed(&*txn, tenant_id, manager, id).await?;
            if endpoint.status != WebhookStatus::Enabled {
                return Err(ApiError::Conflict(
                    "the endpoint is disabled: enable it before replaying".into(),
                ));
            }
            let now = crate::db::now();
            let window_start =
                now - chrono::Duration::from_std(REPLAY_WINDOW).unwrap_or(chrono::Duration::zero());
            let replayed = deliveries_of(tenant_id, &endpoint.id, None)
                .filter(webhook_delivery::Column::Replay.eq(true))
                .filter(webhook_delivery::Column::CreatedAt.gt(window_start))
                .count(&*txn)
                .await?;
            let budget = settings.replay_limit.saturating_sub(replayed);
            if budget == 0 {
                return Err(ApiError::Conflict(format!(
                    "an endpoint is replayed at most {} events in 24 hours: try again later",
                    settings.replay_limit
                )));
            }
            let audience = audience_of(&endpoint)?;
            let mut cursor = after;
            let mut count = 0u64;
            loop {
                let page = log::read(&*txn, &audience, cursor, 500).await?;
                let rows: Vec<webhook_delivery::ActiveModel> = page
                    .events
                    .iter()
                    .take((budget - count) as usize)
                    .map(|event| dispatch::new_delivery(&endpoint, event, now, true))
                    .collect();
                count += rows.len() as u64;
                if let Some(last) = page.events.last() {
                    cursor = Cursor::of(last);
                }
                if !rows.is_empty() {
                    webhook_delivery::Entity::insert_many(rows)
                        .exec_without_returning(&*txn)
                        .await?;
                }
                if !page.full || count >= budget {
                    break;
                }
            }
            Ok(count)
        })
    })
    .await
}

//! Partner groups (SPEC §5): each tenant has exactly one default group. The
//! database's partial unique index holds "at most one"; this service holds
//! "at least one" by never un-defaulting a group except by defaulting
//! another, in the same transaction. Every group mutation first locks the
//! tenant row (PostgreSQL; SQLite writes are serialized already), so two
//! concurrent "make this default" updates run one after the other.

use super::{Keyed, tags};
use crate::db::Db;
use crate::engine::{RuleSet, decode_rules, encode_rules};
use crate::error::{ApiError, ApiResult};
use crate::input::{self, MAX_DESCRIPTION_CHARS, MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS};
use crate::paging::like_pattern;
use entity::{partner, partner_group, tenant};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Select,
};

pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

#[derive(Clone)]
pub struct NewGroup {
    pub name: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    pub is_default: bool,
    pub rules: RuleSet,
}

/// A partial update: `None` leaves a field as it is; for nullable fields
/// `Some(None)` clears it.
#[derive(Clone, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub is_default: Option<bool>,
    pub rules: Option<RuleSet>,
    /// Replaces its minimum payouts (`Some(None)`: none of its own).
    pub minimum_payout: Option<Option<Vec<super::minimums::Minimum>>>,
    /// Its link settings, checked and encoded (SPEC §30).
    pub link_settings: Option<String>,
    /// Its referral rule and spend cap, checked and encoded (SPEC §31;
    /// `Some(None)`: none).
    pub referral: Option<Option<String>>,
    pub cap: Option<Option<String>>,
    /// What its partners' clicks earn nothing from, checked and encoded
    /// (SPEC §37).
    pub traffic_sources: Option<String>,
}

pub struct DeletedGroup {
    pub id: String,
    pub reassigned_to: Option<String>,
    pub reassigned_partners: u64,
}

pub fn check_name(field: &str, name: &str) -> ApiResult<String> {
    input::required_line(field, name, MAX_NAME_CHARS)
}

pub fn check_description(field: &str, description: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_text(field, description, MAX_DESCRIPTION_CHARS)
}

pub fn check_external_id(field: &str, external_id: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_text(field, external_id, MAX_EXTERNAL_ID_CHARS)
}

/// Tags: trimmed, non-empty, without commas (the storage separator), at most
/// [`MAX_TAGS`] distinct ones, in the order given.
pub fn check_tags(field: &str, tags: &[String]) -> ApiResult<Vec<String>> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::bad_input(
            field,
            format!("must have at most {MAX_TAGS} tags"),
        ));
    }
    let mut clean: Vec<String> = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        let tag_field = format!("{field}[{i}]");
        let tag = input::required_line(&tag_field, tag, MAX_TAG_CHARS)?;
        if tag.contains(',') {
            return Err(ApiError::bad_input(tag_field, "must not contain a comma"));
        }
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    Ok(clean)
}

/// The validated rules stored on a group.
pub fn rules_of(group: &partner_group::Model) -> ApiResult<RuleSet> {
    Ok(decode_rules(&group.rules)?)
}

/// Serializes group mutations of one tenant (a no-op on SQLite, whose writes
/// are serialized by the connection layer).
pub(crate) async fn lock_tenant(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<()> {
    tenant::Entity::find_by_id(tenant_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    Ok(())
}

/// A group's `externalId` key.
const KEYED: Keyed<partner_group::Entity> = Keyed {
    tenant_id: partner_group::Column::TenantId,
    external_id: partner_group::Column::ExternalId,
    id: partner_group::Column::Id,
    what: "group",
    key: crate::error::keys::GROUP_EXTERNAL_ID,
};

async fn clear_default(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<()> {
    partner_group::Entity::update_many()
        .col_expr(partner_group::Column::IsDefault, Expr::value(false))
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::IsDefault.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}

/// Inserts a group inside a caller's transaction (tenant provisioning).
pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    new: NewGroup,
) -> ApiResult<partner_group::Model> {
    if let Some(external_id) = &new.external_id {
        KEYED.check_free(conn, tenant_id, external_id, None).await?;
    }
    if new.is_default {
        clear_default(conn, tenant_id).await?;
    }
    let now = crate::db::now();
    let model = partner_group::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        name: Set(new.name),
        description: Set(new.description),
        external_id: Set(new.external_id),
        tags: Set(tags::encode(&new.tags)),
        is_default: Set(new.is_default),
        rules: Set(encode_rules(&new.rules)?),
        created_at: Set(now),
        updated_at: Set(now),
        minimum_payout: Set(None),
        link_settings: Set(None),
        referral: Set(None),
        cap: Set(None),
        traffic_sources: Set(None),
    };
    partner_group::Entity::insert(model)
        .exec_with_returning(conn)
        .await
        .map_err(|e| KEYED.unique(e))
}

pub async fn create(db: &Db, tenant_id: &str, new: NewGroup) -> ApiResult<partner_group::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            lock_tenant(&*txn, tenant_id).await?;
            let group = insert(&*txn, tenant_id, new).await?;
            crate::activity::created("PartnerGroup", &group.id, &group);
            Ok(group)
        })
    })
    .await
}

pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: GroupChanges,
) -> ApiResult<partner_group::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        Box::pin(async move {
            lock_tenant(&*txn, tenant_id).await?;
            let group = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("partner group"))?;
            let was_default = group.is_default;
            let before = group.clone();
            let mut active = group.into_active_model();
            if let Some(name) = changes.name {
                active.name = Set(name);
            }
            if let Some(description) = changes.description {
                active.description = Set(description);
            }
            if let Some(external_id) = changes.external_id {
                if let Some(external_id) = &external_id {
                    KEYED
                        .check_free(&*txn, tenant_id, external_id, Some(id))
                        .await?;
                }
                active.external_id = Set(external_id);
            }
            if let Some(given) = changes.tags {
                active.tags = Set(tags::encode(&given));
            }
            if let Some(rules) = changes.rules {
                active.rules = Set(encode_rules(&rules)?);
            }
            if let Some(settings) = changes.link_settings {
                active.link_settings = Set(Some(settings));
            }
            if let Some(referral) = changes.referral {
                active.referral = Set(referral);
            }
            if let Some(cap) = changes.cap {
                active.cap = Set(cap);
            }
            if let Some(sources) = changes.traffic_sources {
                active.traffic_sources = Set(Some(sources));
            }
            if let Some(minimums) = changes.minimum_payout {
                active.minimum_payout = Set(super::minimums::encode(minimums.as_deref()));
            }
            match changes.is_default {
                Some(true) if !was_default => {
                    clear_default(&*txn, tenant_id).await?;
                    active.is_default = Set(true);
                }
                Some(false) if was_default => {
                    return Err(ApiError::bad_input(
                        "input.isDefault",
                        "a tenant always has one default group: make another group the default instead",
                    ));
                }
                _ => {}
            }
            active.updated_at = Set(crate::db::now());
            let updated = active.update(&*txn).await.map_err(|e| KEYED.unique(e))?;
            crate::activity::compared(Some(&before), Some(&updated));
            Ok(updated)
        })
    })
    .await
}

/// Deletes a group, moving its partners to `reassign_to` or the default group.
pub async fn delete(
    db: &Db,
    tenant_id: &str,
    id: &str,
    reassign_to: Option<&str>,
) -> ApiResult<DeletedGroup> {
    db.transaction(|txn| {
        Box::pin(async move {
            lock_tenant(&*txn, tenant_id).await?;
            let group = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("partner group"))?;
            if group.is_default {
                return Err(ApiError::bad_input(
                    "id",
                    "the default group cannot be deleted: make another group the default first",
                ));
            }
            // Removing the group from a plan's restriction would widen the plan to
            // partners it never named (an emptied list restricts nothing).
            let restricting = entity::commission_plan_group::Entity::find()
                .filter(entity::commission_plan_group::Column::GroupId.eq(id))
                .all(&*txn)
                .await?;
            if !restricting.is_empty() {
                let plans: Vec<&str> = restricting.iter().map(|r| r.plan_id.as_str()).collect();
                return Err(ApiError::Conflict(format!(
                    "commission plans are restricted to this group ({}): update their groupIds first",
                    plans.join(", ")
                )));
            }
            // A tier promoting into it would have nowhere to move partners.
            let promoting = entity::tiered_commission::Entity::find()
                .filter(entity::tiered_commission::Column::PromoteToGroupId.eq(id))
                .all(&*txn)
                .await?;
            if !promoting.is_empty() {
                let tiers: Vec<&str> = promoting.iter().map(|t| t.id.as_str()).collect();
                return Err(ApiError::Conflict(format!(
                    "tiered commissions promote into this group ({}): update their promoteToGroupId first",
                    tiers.join(", ")
                )));
            }
            let target = match reassign_to {
                Some(target) if target == id => {
                    return Err(ApiError::bad_input(
                        "reassignTo",
                        "must be another group than the one deleted",
                    ));
                }
                Some(target) => find(&*txn, tenant_id, target)
                    .await?
                    .ok_or_else(|| ApiError::bad_input("reassignTo", "no such partner group"))?,
                None => default_group(&*txn, tenant_id).await?,
            };
            let moved = partner::Entity::update_many()
                .col_expr(partner::Column::GroupId, Expr::value(target.id.clone()))
                .col_expr(partner::Column::UpdatedAt, Expr::value(crate::db::now()))
                .filter(partner::Column::TenantId.eq(tenant_id))
                .filter(partner::Column::GroupId.eq(id))
                .exec(&*txn)
                .await?
                .rows_affected;
            partner_group::Entity::delete_by_id(id.to_owned())
                .exec(&*txn)
                .await?;
            Ok(DeletedGroup {
                id: id.to_owned(),
                reassigned_to: (moved > 0).then_some(target.id),
                reassigned_partners: moved,
            })
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<partner_group::Model>> {
    Ok(partner_group::Entity::find_by_id(id.to_owned())
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

pub async fn default_group(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<partner_group::Model> {
    partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::IsDefault.eq(true))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("default group", tenant_id))
}

/// The groups of a tenant, filtered by a name search and a tag.
pub fn list(
    tenant_id: &str,
    search: Option<&str>,
    tag: Option<&str>,
) -> Select<partner_group::Entity> {
    let mut select =
        partner_group::Entity::find().filter(partner_group::Column::TenantId.eq(tenant_id));
    if let Some(search) = search {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(partner_group::Column::Name)))
                .like(LikeExpr::new(like_pattern(search)).escape('\\')),
        );
    }
    if let Some(tag) = tag {
        let mut pattern = String::from("%");
        for c in tags::needle(&tag.to_lowercase()).chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(partner_group::Column::Tags)))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    select
}

//! Partners: create, update, read and list. A partner always belongs to a
//! group; one created without a group is placed in the tenant's default group.

use super::recorded::{self, By};
use super::{Keyed, categories, groups, tags};
use crate::auth::access::Rows;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::history::{self, Change, Stamp};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS};
use crate::paging::like_pattern;
use entity::partner;
use sea_orm::sea_query::{Condition, Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, Select,
};

pub use entity::enums::{PartnerStatus, PartnerType};

#[derive(Clone)]
pub struct NewPartner {
    pub name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub partner_type: PartnerType,
    pub status: PartnerStatus,
    pub group_id: Option<String>,
    pub category_ids: Vec<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    /// Labels conditional rules read (SPEC §32), checked
    /// ([`super::groups::check_tags`]).
    pub tags: Vec<String>,
    /// Its language (SPEC §38), one the tenant offers (none: the
    /// tenant's default).
    pub language: Option<String>,
}

/// A partial update; `Some(None)` clears a nullable field, and a cleared
/// `group_id` moves the partner to the default group.
#[derive(Clone, Default)]
pub struct PartnerChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub partner_type: Option<PartnerType>,
    pub status: Option<PartnerStatus>,
    pub group_id: Option<Option<String>>,
    pub category_ids: Option<Vec<String>>,
    pub country: Option<Option<String>>,
    /// Replaces every tag (checked).
    pub tags: Option<Vec<String>>,
    /// Replaces its minimum payouts (`Some(None)`: none of its own).
    pub minimum_payout: Option<Option<Vec<super::minimums::Minimum>>>,
}

#[derive(Clone)]
pub struct PartnerFilter {
    pub group_id: Option<String>,
    pub status: Option<PartnerStatus>,
    pub partner_type: Option<PartnerType>,
    pub search: Option<String>,
    /// Whose: the tenant's, or one partner alone (a partner token sees
    /// itself alone).
    pub rows: Rows,
}

pub fn check_name(name: &str) -> ApiResult<String> {
    input::required_line("input.name", name, MAX_NAME_CHARS)
}

pub fn check_email(email: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_email("input.email", email)
}

/// An address as compared for uniqueness among a tenant's partners: NFC,
/// trimmed, lower case — `Jane@Example.com` and `jane@example.com`, or an
/// `é` composed and decomposed, are one address.
pub fn email_key(email: &str) -> String {
    migration::partner_email_key(email)
}

/// The partner of the tenant holding `email`'s address, if any (other
/// than `except`).
pub async fn holder_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    email: &str,
    except: Option<&str>,
) -> ApiResult<Option<partner::Model>> {
    let mut query = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::EmailKey.eq(email_key(email)));
    if let Some(id) = except {
        query = query.filter(partner::Column::Id.ne(id));
    }
    Ok(query.one(conn).await?)
}

/// `input.email` is `holder`'s address already.
fn email_taken(holder: Option<&partner::Model>) -> ApiError {
    let message = match holder {
        Some(holder) => format!(
            "is already the address of partner {:?} ({}): one address, one partner",
            holder.name, holder.id
        ),
        None => "is already another partner's address: one address, one partner".into(),
    };
    ApiError::bad_input("input.email", message)
}

/// Refuses an address another partner of the tenant holds.
async fn check_email_free(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    email: Option<&str>,
    except: Option<&str>,
) -> ApiResult<()> {
    let Some(email) = email else {
        return Ok(());
    };
    match holder_of(conn, tenant_id, email, except).await? {
        Some(holder) => Err(email_taken(Some(&holder))),
        None => Ok(()),
    }
}

/// A write that met the unique key of the address (a concurrent writer
/// took it after the check), or of `externalId`, as the client's error.
fn unique(err: sea_orm::DbErr) -> ApiError {
    match crate::error::violates(&err, crate::error::keys::PARTNER_EMAIL) {
        true => email_taken(None),
        false => KEYED.unique(err),
    }
}

pub fn check_external_id(external_id: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_text("input.externalId", external_id, MAX_EXTERNAL_ID_CHARS)
}

/// A partner's country: an ISO 3166-1 alpha-2 code (any case), kept upper
/// case; empty is none.
pub fn check_country(country: Option<&str>) -> ApiResult<Option<String>> {
    let Some(code) = country.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let code = code.to_uppercase();
    match crate::engine::countries::is_country(&code) {
        true => Ok(Some(code)),
        false => Err(ApiError::bad_input(
            "input.country",
            "must be an ISO 3166-1 alpha-2 country code (US, DE, JP)",
        )),
    }
}

/// A partner's `externalId` key.
const KEYED: Keyed<partner::Entity> = Keyed {
    tenant_id: partner::Column::TenantId,
    external_id: partner::Column::ExternalId,
    id: partner::Column::Id,
    what: "partner",
    key: crate::error::keys::PARTNER_EXTERNAL_ID,
};

/// The group a partner goes into: the named one (which must exist) or the default.
async fn resolve_group(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    group_id: Option<&str>,
) -> ApiResult<String> {
    match group_id {
        Some(id) => Ok(groups::find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.groupId", "no such partner group"))?
            .id),
        None => Ok(groups::default_group(conn, tenant_id).await?.id),
    }
}

/// `code` if it is a language the tenant offers (SPEC §38), else
/// `BAD_USER_INPUT` on `field`.
pub async fn offered_language(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    field: &str,
    code: &str,
) -> ApiResult<String> {
    let code = crate::languages::check(field, code)?;
    let tenant = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let offered = crate::languages::Offered::of(&tenant);
    match offered.languages.contains(&code) {
        true => Ok(code),
        false => Err(ApiError::bad_input(
            field,
            format!(
                "is not a language the program offers ({})",
                offered.languages.join(", ")
            ),
        )),
    }
}

/// Sets a partner's language (SPEC §38): one the tenant offers.
pub async fn set_language(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    language: &str,
) -> ApiResult<partner::Model> {
    db.transaction(|txn| {
        let language = language.to_owned();
        Box::pin(async move {
            let language = offered_language(&*txn, tenant_id, "input.language", &language).await?;
            let mut row = partner::Entity::find_by_id(partner_id.to_owned())
                .filter(partner::Column::TenantId.eq(tenant_id))
                .one(&*txn)
                .await?
                .ok_or_else(|| ApiError::not_found("partner"))?;
            let before = row.language.clone();
            row.language = Some(language);
            let mut active: partner::ActiveModel = row.clone().into();
            active.language = Set(row.language.clone());
            active.updated_at = Set(crate::db::now());
            let row = sea_orm::ActiveModelTrait::update(active, &*txn).await?;
            crate::activity::about(partner_id);
            crate::activity::changed([("language", before, row.language.clone())]);
            Ok(row)
        })
    })
    .await
}

/// Inserts a partner inside a caller's transaction (also used by invitations).
pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    new: NewPartner,
) -> ApiResult<partner::Model> {
    if let Some(external_id) = &new.external_id {
        KEYED.check_free(conn, tenant_id, external_id, None).await?;
    }
    check_email_free(conn, tenant_id, new.email.as_deref(), None).await?;
    let group_id = resolve_group(conn, tenant_id, new.group_id.as_deref()).await?;
    let category_ids =
        categories::check_ids(conn, tenant_id, "input.categoryIds", &new.category_ids).await?;
    let language = match &new.language {
        Some(code) => Some(offered_language(conn, tenant_id, "input.language", code).await?),
        None => None,
    };
    let now = crate::db::now();
    let model = partner::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        group_id: Set(group_id),
        name: Set(new.name),
        email_key: Set(new.email.as_deref().map(email_key)),
        email: Set(new.email),
        external_id: Set(new.external_id),
        r#type: Set(new.partner_type),
        status: Set(new.status),
        created_at: Set(now),
        updated_at: Set(now),
        minimum_payout: Set(None),
        referred_by: Set(None),
        referral_started_at: Set(None),
        referral_threshold_at: Set(None),
        country: Set(new.country),
        tags: Set(tags::encode(&new.tags)),
        language: Set(language),
        trusted: Set(false),
    };
    let partner = partner::Entity::insert(model)
        .exec_with_returning(conn)
        .await
        .map_err(unique)?;
    categories::set_for_partner(conn, tenant_id, &partner.id, &category_ids).await?;
    Ok(partner)
}

/// A partner whose caller checked its external id and address free and
/// its group the tenant's, in this transaction (an import's page, which
/// reads them a page at a time): inserted as it is, with no category.
pub async fn insert_checked(
    conn: &impl ConnectionTrait,
    model: partner::ActiveModel,
) -> ApiResult<partner::Model> {
    partner::Entity::insert(model)
        .exec_with_returning(conn)
        .await
        .map_err(unique)
}

pub async fn create(db: &Db, tenant_id: &str, new: NewPartner) -> ApiResult<partner::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            let partner = insert(&*txn, tenant_id, new).await?;
            crate::activity::created("Partner", &partner.id, &partner);
            Ok(partner)
        })
    })
    .await
}

/// Changes a partner in its own transaction (`updatePartner`), by
/// `actor` as its history names it ([`change`]).
pub async fn update(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    changes: PartnerChanges,
) -> ApiResult<partner::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        Box::pin(async move { change(&*txn, tenant_id, &By::act(actor), id, changes).await })
    })
    .await
}

/// Changes a partner in the caller's transaction, kept as `by` made it
/// ([`super::recorded`]): its group, status, type and tags in its
/// history, every field in the activity log.
pub async fn change(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    by: &By<'_>,
    id: &str,
    changes: PartnerChanges,
) -> ApiResult<partner::Model> {
    let current = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let before = current.clone();
    let mut active = current.into_active_model();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(email) = changes.email {
        check_email_free(conn, tenant_id, email.as_deref(), Some(id)).await?;
        active.email_key = Set(email.as_deref().map(email_key));
        active.email = Set(email);
    }
    if let Some(external_id) = changes.external_id {
        if let Some(external_id) = &external_id {
            KEYED
                .check_free(conn, tenant_id, external_id, Some(id))
                .await?;
        }
        active.external_id = Set(external_id);
    }
    if let Some(partner_type) = changes.partner_type {
        active.r#type = Set(partner_type);
    }
    if let Some(status) = changes.status {
        active.status = Set(status);
    }
    if let Some(given) = changes.tags {
        active.tags = Set(tags::encode(&given));
    }
    if let Some(country) = changes.country {
        active.country = Set(country);
    }
    if let Some(group_id) = changes.group_id {
        active.group_id = Set(resolve_group(conn, tenant_id, group_id.as_deref()).await?);
    }
    if let Some(category_ids) = changes.category_ids {
        let ids =
            categories::check_ids(conn, tenant_id, "input.categoryIds", &category_ids).await?;
        categories::set_for_partner(conn, tenant_id, id, &ids).await?;
    }
    if let Some(minimums) = changes.minimum_payout {
        active.minimum_payout = Set(super::minimums::encode(minimums.as_deref()));
    }
    active.updated_at = Set(crate::db::now());
    let updated = active.update(conn).await.map_err(unique)?;
    recorded::record(conn, by, &before, &updated).await?;
    Ok(updated)
}

/// Moves partner `id` to the tenant's group `group_id`, in the caller's
/// transaction ([`change`]).
pub async fn move_to_group(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    by: &By<'_>,
    id: &str,
    group_id: &str,
) -> ApiResult<partner::Model> {
    let changes = PartnerChanges {
        group_id: Some(Some(group_id.to_owned())),
        ..PartnerChanges::default()
    };
    change(conn, tenant_id, by, id, changes).await
}

/// What adding a tag did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    /// The partner has it now.
    Added,
    /// The partner had it already: nothing changed.
    Already,
    /// The partner has [`groups::MAX_TAGS`] tags: nothing changed.
    Full,
}

/// Adds `tag` (checked by the caller, [`groups::check_tags`]) after
/// partner `id`'s tags, in the caller's transaction ([`change`]).
pub async fn add_tag(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    by: &By<'_>,
    id: &str,
    tag: &str,
) -> ApiResult<Tagged> {
    let current = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let mut given = tags::decode(&current.tags);
    if given.iter().any(|t| t == tag) {
        return Ok(Tagged::Already);
    }
    if given.len() >= groups::MAX_TAGS {
        return Ok(Tagged::Full);
    }
    given.push(tag.to_owned());
    let changes = PartnerChanges {
        tags: Some(given),
        ..PartnerChanges::default()
    };
    change(conn, tenant_id, by, id, changes).await?;
    Ok(Tagged::Added)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<partner::Model>> {
    Ok(partner::Entity::find_by_id(id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

pub fn list(tenant_id: &str, filter: &PartnerFilter) -> Select<partner::Entity> {
    let mut select = partner::Entity::find().filter(partner::Column::TenantId.eq(tenant_id));
    if let Some(only) = filter.rows.partner_filter() {
        select = select.filter(partner::Column::Id.eq(only));
    }
    if let Some(group_id) = &filter.group_id {
        select = select.filter(partner::Column::GroupId.eq(group_id.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(partner::Column::Status.eq(status));
    }
    if let Some(partner_type) = filter.partner_type {
        select = select.filter(partner::Column::Type.eq(partner_type));
    }
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        let matches = |column: partner::Column| {
            Expr::expr(Func::lower(Expr::col(column)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            Condition::any()
                .add(matches(partner::Column::Name))
                .add(matches(partner::Column::Email))
                .add(matches(partner::Column::ExternalId)),
        );
    }
    select
}

/// Suspends a partner in the caller's transaction (a confirmed fraud
/// flag's), kept in its history by `actor`. A partner suspended or
/// archived already is left as it is.
pub async fn suspend_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    id: &str,
) -> ApiResult<()> {
    let current = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    if current.status != PartnerStatus::Active {
        return Ok(());
    }
    let now = crate::db::now();
    partner::Entity::update_many()
        .col_expr(
            partner::Column::Status,
            sea_orm::sea_query::Expr::value(PartnerStatus::Suspended.as_str()),
        )
        .col_expr(
            partner::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(partner::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let stamp = Stamp {
        tenant_id,
        actor,
        at: now,
    };
    let change = Change::new(
        "status",
        Some(current.status.as_str().to_owned()),
        Some(PartnerStatus::Suspended.as_str().to_owned()),
    );
    history::record(conn, &stamp, id, vec![change]).await?;
    Ok(())
}

/// The tenant's partners among `ids`, in id order.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: &[String],
) -> ApiResult<Vec<partner::Model>> {
    use sea_orm::QueryOrder;
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::posting::WRITE_CHUNK) {
        rows.extend(
            partner::Entity::find()
                .filter(partner::Column::TenantId.eq(tenant_id))
                .filter(partner::Column::Id.is_in(chunk.to_vec()))
                .order_by_asc(partner::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(rows)
}

//! Making a partner's links, changing where one leads, archiving one, and
//! a group's settings.

use super::keys;
use super::settings::{LinkSettings, check_url};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::PartnerStatus;
use entity::{partner, partner_group, partner_link, referral_code};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};

/// Slugs drawn again with a suffix before giving up.
const DRAWS: usize = 5;

/// What `createPartnerLink` asks for, its partner resolved.
pub struct NewLink {
    pub partner_id: String,
    pub key: Option<String>,
    pub url: Option<String>,
}

/// A partner's group's link settings.
pub async fn settings_of(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
) -> ApiResult<LinkSettings> {
    let group = partner_group::Entity::find_by_id(partner.group_id.clone())
        .one(conn)
        .await?;
    LinkSettings::of(group.as_ref().and_then(|g| g.link_settings.as_deref()))
}

/// A URL as a link of this partner may lead: on the group's allowed
/// domains or its destination's.
fn allowed_url(settings: &LinkSettings, given: &str) -> ApiResult<String> {
    let url = check_url("input.url", given)?;
    let parsed = url::Url::parse(&url).map_err(|_| ApiError::bad_input("input.url", "bad URL"))?;
    if !settings.allows(&parsed) {
        return Err(ApiError::bad_input(
            "input.url",
            "must be on the group's allowed domains (or its destination's)",
        ));
    }
    Ok(url)
}

/// Makes a link: a referral code in the default campaign with the key as
/// its text, and the link beside it.
pub async fn create(db: &Db, tenant_id: &str, new: NewLink) -> ApiResult<partner_link::Model> {
    let key = new
        .key
        .as_deref()
        .map(|k| keys::check("input.key", k))
        .transpose()?;
    let (new, key) = (&new, &key);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let partner = partner::Entity::find_by_id(new.partner_id.clone())
                .filter(partner::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
            if partner.status != PartnerStatus::Active {
                return Err(ApiError::bad_input(
                    "input.partnerId",
                    "the partner is not active",
                ));
            }
            let settings = settings_of(conn, &partner).await?;
            let url = new
                .url
                .as_deref()
                .map(|u| allowed_url(&settings, u))
                .transpose()?;
            let campaign = crate::campaigns::default_campaign(conn, tenant_id).await?;
            if url.is_none() && settings.destination.is_none() && campaign.landing_url.is_none() {
                return Err(ApiError::bad_input(
                    "input.url",
                    "is required: the partner's group has no destination",
                ));
            }
            let active = partner_link::Entity::find()
                .filter(partner_link::Column::TenantId.eq(tenant_id))
                .filter(partner_link::Column::PartnerId.eq(partner.id.as_str()))
                .filter(partner_link::Column::ArchivedAt.is_null())
                .count(conn)
                .await?;
            if active >= u64::from(settings.max_partner_links) {
                return Err(ApiError::bad_input(
                    "input.partnerId",
                    format!(
                        "the partner has its group's most active links ({}): archive one first",
                        settings.max_partner_links
                    ),
                ));
            }
            let key = match key {
                Some(key) if taken(conn, tenant_id, key).await? => {
                    return Err(ApiError::bad_input("input.key", "is taken"));
                }
                Some(key) => key.clone(),
                None => free_slug(conn, tenant_id, &partner.name).await?,
            };
            let code = crate::attribution::codes::insert(
                conn,
                tenant_id,
                &partner.id,
                &campaign.id,
                &key,
                None,
                url,
            )
            .await
            .map_err(|e| {
                match crate::error::violates(&e, crate::error::keys::REFERRAL_CODE) {
                    true => ApiError::bad_input("input.key", "is taken"),
                    false => e.into(),
                }
            })?;
            link_of_code(conn, &code.id).await
        })
    })
    .await
}

/// Whether a key is some code's text (and so some link's key).
async fn taken(conn: &impl ConnectionTrait, tenant_id: &str, key: &str) -> ApiResult<bool> {
    Ok(referral_code::Entity::find()
        .filter(referral_code::Column::TenantId.eq(tenant_id))
        .filter(referral_code::Column::Code.eq(key))
        .count(conn)
        .await?
        > 0)
}

/// The partner's name as a key, with a suffix when taken; a generated
/// key when the name makes none.
async fn free_slug(conn: &impl ConnectionTrait, tenant_id: &str, name: &str) -> ApiResult<String> {
    let base = keys::slug(name);
    if let Some(base) = &base
        && !taken(conn, tenant_id, base).await?
    {
        return Ok(base.clone());
    }
    let base = base.unwrap_or_else(|| "link".to_owned());
    for _ in 0..DRAWS {
        let drawn = format!("{base}{}", keys::suffix()?);
        if !taken(conn, tenant_id, &drawn).await? {
            return Ok(drawn);
        }
    }
    Err(ApiError::internal("link key", "five drawn keys taken"))
}

async fn link_of_code(
    conn: &impl ConnectionTrait,
    code_id: &str,
) -> ApiResult<partner_link::Model> {
    partner_link::Entity::find()
        .filter(partner_link::Column::ReferralCodeId.eq(code_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("partner link", "a code without its link"))
}

/// A link of the tenant (of `partner` alone, when given).
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    partner: Option<&str>,
) -> ApiResult<partner_link::Model> {
    partner_link::Entity::find_by_id(id.to_owned())
        .filter(partner_link::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .filter(|l| partner.is_none_or(|p| p == l.partner_id))
        .ok_or_else(|| ApiError::not_found("partner link"))
}

/// Changes where a link leads (`None`: back to its group's destination).
pub async fn update_url(
    db: &Db,
    tenant_id: &str,
    id: &str,
    partner: Option<&str>,
    url: Option<String>,
) -> ApiResult<partner_link::Model> {
    let url = &url;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let link = find(conn, tenant_id, id, partner).await?;
            let owner = partner::Entity::find_by_id(link.partner_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("partner link", "no partner"))?;
            let settings = settings_of(conn, &owner).await?;
            let url = url
                .as_deref()
                .map(|u| allowed_url(&settings, u))
                .transpose()?;
            let mut active = link.into_active_model();
            active.url = Set(url);
            Ok(active.update(conn).await?)
        })
    })
    .await
}

/// Archives a link and its code: it leads nowhere and attributes nothing
/// new; its clicks and customers stay.
pub async fn archive(
    db: &Db,
    tenant_id: &str,
    id: &str,
    partner: Option<&str>,
) -> ApiResult<partner_link::Model> {
    let link = find(db.conn(), tenant_id, id, partner).await?;
    crate::attribution::codes::archive(db, tenant_id, &link.referral_code_id, partner).await?;
    find(db.conn(), tenant_id, id, partner).await
}

/// A partner's links: a list's filter.
pub fn of_partner(
    tenant_id: &str,
    partner_id: &str,
) -> sea_orm::Select<entity::partner_link::Entity> {
    use entity::partner_link;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    partner_link::Entity::find()
        .filter(partner_link::Column::TenantId.eq(tenant_id))
        .filter(partner_link::Column::PartnerId.eq(partner_id))
}

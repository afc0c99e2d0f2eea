//! What the surface reads, and nothing it writes: the batches behind its
//! loaders (rows by id, children by parent, one statement per kind of
//! relation whatever the number of parents), a list's keyset page and its
//! count ([`lists`]), the pages of a parent's children ([`pages`]) and the
//! few reads one field makes of its own.
//!
//! The surface (`revshare-api`) names no SeaORM type and builds no query:
//! it says which rows — an entity's column and the values it must hold —
//! and these functions read them, always within the caller's tenant.

pub mod lists;
pub mod pages;

use crate::db::Pool;
use crate::error::{ApiError, ApiResult};
use entity::{
    attribution, bounty_award, campaign, category, partner, partner_category, payout_rail,
    payout_run_skip, tax_profile_submission, tenant, tier_progress, tiered_commission,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Value,
};

/// The rows of `E` in the tenant (`tenant`: its tenant column and id) whose
/// `column` holds one of `values`, ordered by `order`: one statement
/// whatever the number of values.
pub async fn rows_in<E, V>(
    conn: &Pool,
    tenant: (E::Column, &str),
    column: E::Column,
    values: impl IntoIterator<Item = V>,
    order: &[E::Column],
) -> ApiResult<Vec<E::Model>>
where
    E: EntityTrait,
    V: Into<Value>,
{
    let mut select = E::find()
        .filter(tenant.0.eq(tenant.1))
        .filter(column.is_in(values));
    for column in order {
        select = select.order_by_asc(*column);
    }
    Ok(select.all(conn).await?)
}

/// The tenant's row as stored: its settings beyond what a token carries.
pub async fn tenant(conn: &Pool, tenant_id: &str) -> ApiResult<tenant::Model> {
    tenant_named(conn, tenant_id)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", tenant_id))
}

/// The tenant's row, if `tenant_id` names one (an id from outside: a
/// join page's address).
pub async fn tenant_named(conn: &Pool, tenant_id: &str) -> ApiResult<Option<tenant::Model>> {
    Ok(tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?)
}

/// Partners by id, whole rows each read column by column by its position
/// ([`crate::directory::columns::decode`]) rather than looked up by name:
/// the ledger's page reads them on every request.
pub async fn partners(
    conn: &Pool,
    tenant_id: &str,
    ids: impl IntoIterator<Item = &str>,
) -> ApiResult<Vec<partner::Model>> {
    let columns: Vec<partner::Column> = partner::Column::iter().collect();
    let select = partner::Entity::find()
        .select_only()
        .columns(columns.iter().copied())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Id.is_in(ids));
    let rows = conn
        .query_all_raw(select.build(conn.get_database_backend()))
        .await?;
    rows.iter()
        .map(|row| Ok(crate::directory::columns::decode(row, &columns)?))
        .collect()
}

#[derive(FromQueryResult)]
struct GroupCount {
    group_id: String,
    partners: i64,
}

/// How many partners each of `groups` has (a group with none is absent).
pub async fn partner_counts(
    conn: &Pool,
    tenant_id: &str,
    groups: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<(String, u64)>> {
    let counts = partner::Entity::find()
        .select_only()
        .column(partner::Column::GroupId)
        .column_as(
            Expr::from(Func::count(Expr::col(partner::Column::Id))),
            "partners",
        )
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::GroupId.is_in(groups))
        .group_by(partner::Column::GroupId)
        .into_model::<GroupCount>()
        .all(conn)
        .await?;
    Ok(counts
        .into_iter()
        .map(|count| (count.group_id, count.partners.max(0) as u64))
        .collect())
}

/// The categories of each of `partners`, by name: `(partner id, category)`.
pub async fn categories_of(
    conn: &Pool,
    tenant_id: &str,
    partners: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<(String, category::Model)>> {
    let links = partner_category::Entity::find()
        .filter(partner_category::Column::TenantId.eq(tenant_id))
        .filter(partner_category::Column::PartnerId.is_in(partners))
        .find_also_related(category::Entity)
        .order_by_asc(category::Column::Name)
        .all(conn)
        .await?;
    Ok(links
        .into_iter()
        .filter_map(|(link, category)| Some((link.partner_id, category?)))
        .collect())
}

/// Campaigns by id as `viewer` may see them (public and active, the
/// default, or one it is enrolled in), or as staff do (`None`).
pub async fn campaigns_seen_by(
    conn: &Pool,
    tenant_id: &str,
    ids: impl IntoIterator<Item = String>,
    viewer: Option<&str>,
) -> ApiResult<Vec<campaign::Model>> {
    let mut select = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::Id.is_in(ids));
    if let Some(partner) = viewer {
        select = select.filter(crate::campaigns::enrollment::visible_to(partner));
    }
    Ok(select.all(conn).await?)
}

/// The partners `runs` carried over, by partner and currency (the runs'
/// own tenant was checked when they were read).
pub async fn skips_of_runs(
    conn: &Pool,
    runs: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<payout_run_skip::Model>> {
    Ok(payout_run_skip::Entity::find()
        .filter(payout_run_skip::Column::RunId.is_in(runs))
        .order_by_asc(payout_run_skip::Column::PartnerId)
        .order_by_asc(payout_run_skip::Column::Currency)
        .all(conn)
        .await?)
}

/// The tenant's active tiers, oldest first.
pub async fn active_tiers(
    conn: &Pool,
    tenant_id: &str,
) -> ApiResult<Vec<tiered_commission::Model>> {
    Ok(
        crate::tiers::list(tenant_id, Some(entity::enums::TierStatus::Active))
            .order_by_asc(tiered_commission::Column::Id)
            .all(conn)
            .await?,
    )
}

/// `partners`' progress rows of periods not over yet.
pub async fn current_progress(
    conn: &Pool,
    tenant_id: &str,
    partners: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<tier_progress::Model>> {
    Ok(tier_progress::Entity::find()
        .filter(tier_progress::Column::TenantId.eq(tenant_id))
        .filter(tier_progress::Column::PartnerId.is_in(partners))
        .filter(tier_progress::Column::PeriodEnd.gt(crate::db::now()))
        .all(conn)
        .await?)
}

/// Customers (their attributions) by their `externalId`.
pub async fn customers_named(
    conn: &Pool,
    tenant_id: &str,
    external_ids: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<attribution::Model>> {
    rows_in::<attribution::Entity, _>(
        conn,
        (attribution::Column::TenantId, tenant_id),
        attribution::Column::CustomerExternalId,
        external_ids,
        &[],
    )
    .await
}

/// The award of `bounty` to `partner` that stands (not reversed), if any.
pub async fn standing_award(
    conn: &Pool,
    bounty_id: &str,
    partner_id: &str,
) -> ApiResult<Option<bounty_award::Model>> {
    Ok(bounty_award::Entity::find()
        .filter(bounty_award::Column::BountyId.eq(bounty_id))
        .filter(bounty_award::Column::PartnerId.eq(partner_id))
        .filter(bounty_award::Column::ReversedAt.is_null())
        .one(conn)
        .await?)
}

/// A partner's tax profile submissions, newest first.
pub async fn tax_profile_submissions(
    conn: &Pool,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Vec<tax_profile_submission::Model>> {
    use tax_profile_submission as submission;
    Ok(submission::Entity::find()
        .filter(submission::Column::TenantId.eq(tenant_id))
        .filter(submission::Column::PartnerId.eq(partner_id))
        .order_by_desc(submission::Column::SubmittedAt)
        .order_by_desc(submission::Column::Id)
        .all(conn)
        .await?)
}

/// The tenant's configured rail of `kind`, if any.
pub async fn payout_rail(
    conn: &Pool,
    tenant_id: &str,
    kind: entity::enums::PayoutRail,
) -> ApiResult<Option<payout_rail::Model>> {
    Ok(
        payout_rail::Entity::find_by_id((tenant_id.to_owned(), kind))
            .one(conn)
            .await?,
    )
}

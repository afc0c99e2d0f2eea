//! Categories: a tenant's labels for partners (a partner has any number).

use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::input::{self, MAX_NAME_CHARS};
use crate::paging::like_pattern;
use entity::{category, partner_category};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Select,
};

/// Most categories one partner can carry.
pub const MAX_CATEGORIES_PER_PARTNER: usize = 50;

pub async fn create(db: &Db, tenant_id: &str, name: &str) -> ApiResult<category::Model> {
    let name = input::required_line("input.name", name, MAX_NAME_CHARS)?;
    db.transaction(|txn| {
        let name = name.clone();
        Box::pin(async move {
            let taken = category::Entity::find()
                .filter(category::Column::TenantId.eq(tenant_id))
                .filter(category::Column::Name.eq(name.as_str()))
                .one(&*txn)
                .await?;
            if taken.is_some() {
                return Err(ApiError::bad_input(
                    "input.name",
                    "a category with this name exists",
                ));
            }
            let model = category::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                name: Set(name),
                created_at: Set(crate::db::now()),
            };
            let created = category::Entity::insert(model)
                .exec_with_returning(&*txn)
                .await
                .map_err(|e| {
                    if violates(&e, keys::CATEGORY_NAME) {
                        ApiError::bad_input("input.name", "a category with this name exists")
                    } else {
                        e.into()
                    }
                })?;
            crate::activity::created("Category", &created.id, &created);
            Ok(created)
        })
    })
    .await
}

pub fn list(tenant_id: &str, search: Option<&str>) -> Select<category::Entity> {
    let mut select = category::Entity::find().filter(category::Column::TenantId.eq(tenant_id));
    if let Some(search) = search {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(category::Column::Name)))
                .like(LikeExpr::new(like_pattern(search)).escape('\\')),
        );
    }
    select
}

/// Checks that every id names a category of the tenant; returns them deduplicated.
pub async fn check_ids(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    field: &str,
    ids: &[String],
) -> ApiResult<Vec<String>> {
    if ids.len() > MAX_CATEGORIES_PER_PARTNER {
        return Err(ApiError::bad_input(
            field,
            format!("must have at most {MAX_CATEGORIES_PER_PARTNER} categories"),
        ));
    }
    let found: Vec<String> = category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant_id))
        .filter(category::Column::Id.is_in(ids.iter().cloned()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    input::check_found(
        field,
        ids,
        |id| found.iter().any(|f| f == id),
        "no such category",
    )?;
    let mut unique: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(id.clone());
        }
    }
    Ok(unique)
}

/// Replaces a partner's categories with `ids` (already checked).
pub async fn set_for_partner(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    ids: &[String],
) -> ApiResult<()> {
    partner_category::Entity::delete_many()
        .filter(partner_category::Column::PartnerId.eq(partner_id))
        .exec(conn)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids.iter().map(|id| partner_category::ActiveModel {
        partner_id: Set(partner_id.to_owned()),
        category_id: Set(id.clone()),
        tenant_id: Set(tenant_id.to_owned()),
    });
    partner_category::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    Ok(())
}

//! Per-request DataLoaders (SPEC §4): every relation field resolves through
//! one batched statement per kind of relation, whatever the number of parent
//! rows. A loader is created for each request, bound to the caller's tenant,
//! so a batch can never read across tenants and nothing is cached between
//! requests.

use crate::error::ApiError;
use crate::paging::Page;
use async_graphql::dataloader::Loader;
use entity::{category, partner, partner_category, partner_group};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use std::collections::HashMap;

pub struct DirectoryLoader {
    pub conn: DatabaseConnection,
    pub tenant_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupId(pub String);

/// The number of partners in a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerCountOf(pub String);

/// The categories of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategoriesOf(pub String);

/// One page of a group's partners.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupPartners {
    pub group_id: String,
    pub size: u64,
    pub after: Option<String>,
}

impl Loader<GroupId> for DirectoryLoader {
    type Value = partner_group::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[GroupId]) -> Result<HashMap<GroupId, Self::Value>, ApiError> {
        let rows = partner_group::Entity::find()
            .filter(partner_group::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(partner_group::Column::Id.is_in(keys.iter().map(|k| k.0.clone())))
            .all(&self.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|g| (GroupId(g.id.clone()), g))
            .collect())
    }
}

#[derive(FromQueryResult)]
struct GroupCount {
    group_id: String,
    partners: i64,
}

impl Loader<PartnerCountOf> for DirectoryLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PartnerCountOf],
    ) -> Result<HashMap<PartnerCountOf, u64>, ApiError> {
        let counts = partner::Entity::find()
            .select_only()
            .column(partner::Column::GroupId)
            .column_as(
                Expr::from(Func::count(Expr::col(partner::Column::Id))),
                "partners",
            )
            .filter(partner::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(partner::Column::GroupId.is_in(keys.iter().map(|k| k.0.clone())))
            .group_by(partner::Column::GroupId)
            .into_model::<GroupCount>()
            .all(&self.conn)
            .await?;
        let mut found: HashMap<PartnerCountOf, u64> = keys.iter().map(|k| (k.clone(), 0)).collect();
        for count in counts {
            found.insert(PartnerCountOf(count.group_id), count.partners.max(0) as u64);
        }
        Ok(found)
    }
}

impl Loader<CategoriesOf> for DirectoryLoader {
    type Value = Vec<category::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CategoriesOf],
    ) -> Result<HashMap<CategoriesOf, Self::Value>, ApiError> {
        let links = partner_category::Entity::find()
            .filter(partner_category::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(partner_category::Column::PartnerId.is_in(keys.iter().map(|k| k.0.clone())))
            .find_also_related(category::Entity)
            .order_by_asc(category::Column::Name)
            .all(&self.conn)
            .await?;
        let mut found: HashMap<CategoriesOf, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (link, category) in links {
            if let Some(category) = category {
                found
                    .entry(CategoriesOf(link.partner_id))
                    .or_default()
                    .push(category);
            }
        }
        Ok(found)
    }
}

impl Loader<GroupPartners> for DirectoryLoader {
    type Value = Page<partner::Model>;
    type Error = ApiError;

    /// One statement per distinct page shape: `ROW_NUMBER()` over each group
    /// keeps `size + 1` partners of every group in the batch.
    async fn load(
        &self,
        keys: &[GroupPartners],
    ) -> Result<HashMap<GroupPartners, Self::Value>, ApiError> {
        let mut shapes: HashMap<(u64, Option<String>), Vec<String>> = HashMap::new();
        for key in keys {
            shapes
                .entry((key.size, key.after.clone()))
                .or_default()
                .push(key.group_id.clone());
        }
        let backend = self.conn.get_database_backend();
        let mut found = HashMap::new();
        for ((size, after), group_ids) in shapes {
            let mut values: Vec<Value> = vec![self.tenant_id.clone().into()];
            let placeholder = |value: Value, values: &mut Vec<Value>| {
                values.push(value);
                match backend {
                    sea_orm::DbBackend::Postgres => format!("${}", values.len()),
                    _ => "?".to_owned(),
                }
            };
            let tenant = match backend {
                sea_orm::DbBackend::Postgres => "$1".to_owned(),
                _ => "?".to_owned(),
            };
            let groups: Vec<String> = group_ids
                .iter()
                .map(|id| placeholder(id.clone().into(), &mut values))
                .collect();
            let after_clause = match &after {
                Some(after) => format!(
                    " AND p.id > {}",
                    placeholder(after.clone().into(), &mut values)
                ),
                None => String::new(),
            };
            let limit = placeholder(((size + 1) as i64).into(), &mut values);
            let sql = format!(
                "SELECT * FROM (SELECT p.*, ROW_NUMBER() OVER (PARTITION BY p.group_id ORDER BY p.id) AS rn \
                 FROM partners p WHERE p.tenant_id = {tenant} AND p.group_id IN ({}){after_clause}) ranked \
                 WHERE rn <= {limit} ORDER BY group_id, id",
                groups.join(", ")
            );
            let rows = partner::Entity::find()
                .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
                .all(&self.conn)
                .await?;
            let mut by_group: HashMap<String, Vec<partner::Model>> = HashMap::new();
            for row in rows {
                by_group.entry(row.group_id.clone()).or_default().push(row);
            }
            for group_id in group_ids {
                let mut rows = by_group.remove(&group_id).unwrap_or_default();
                let has_next = rows.len() as u64 > size;
                rows.truncate(size as usize);
                let key = GroupPartners {
                    group_id,
                    size,
                    after: after.clone(),
                };
                found.insert(
                    key,
                    Page {
                        rows,
                        has_previous: after.is_some(),
                        has_next,
                    },
                );
            }
        }
        Ok(found)
    }
}

//! Pages of a parent's children (a group's partners, a partner's
//! commissions and payouts, a deal's commissions and events): every such
//! relation is a [`PageKey`] (its shape, its parent, its statement), and
//! one generic function ([`load_pages`]), behind each relation's loader in
//! the surface, reads all the pages of one shape in one statement.

use crate::db::Pool;
use crate::error::ApiError;
use crate::paging::Page;
use entity::{commission, event, partner, payout, payout_item};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};
use std::collections::HashMap;
use std::hash::Hash;

/// One page of a deal's commissions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealCommissions {
    pub deal_id: String,
    pub size: u64,
    pub after: Option<String>,
    /// The partner's money only: no spiff to one of the tenant's staff (what
    /// a partner token reads).
    pub partners_money: bool,
}

/// One page of a deal's events.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealEvents {
    pub deal_id: String,
    pub size: u64,
    pub after: Option<String>,
}

/// One page of a group's partners.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupPartners {
    pub group_id: String,
    pub size: u64,
    pub after: Option<String>,
}

/// One page of a partner's commissions, optionally of one status: its own
/// and its people's, not spiffs to the tenant's staff.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerCommissions {
    pub partner_id: String,
    pub status: Option<entity::enums::CommissionStatus>,
    pub size: u64,
    pub after: Option<String>,
}

/// One page of a partner's payouts (not those to the tenant's staff).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerPayouts {
    pub partner_id: String,
    pub size: u64,
    pub after: Option<String>,
}

/// One page of the commissions a payout holds (or held: a failed
/// payout's list is kept), by commission id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayoutCommissions {
    pub payout_id: String,
    pub size: u64,
    pub after: Option<String>,
}

/// The first `size + 1` rows after `after` of each parent, in one statement:
/// a `UNION ALL` of one `… ORDER BY id LIMIT n` per parent, each walking
/// the `(tenant, parent, [conditions,] id)` index from the cursor. Its cost is
/// the page, whatever the parent's history: a window function over each
/// parent's rows (the way this was first written) sorted every row of a
/// partner with 200,000 commissions to return 20; and indexes whose
/// equality columns are exactly these make the ordered scan the plan with
/// or without fresh statistics (migration `m20261122_000009`).
pub struct PageQuery<'a> {
    pub table: &'a str,
    pub parent_column: &'a str,
    pub tenant_id: &'a str,
    pub parents: &'a [String],
    pub size: u64,
    pub after: Option<&'a str>,
    /// Columns that must equal a value (`status`, `staff_payee`).
    pub conditions: Vec<(&'static str, Value)>,
    /// The column pages are ordered and cut by (`id`, or the child's id in
    /// a table that joins two: `commission_id`).
    pub key: &'a str,
}

impl PageQuery<'_> {
    pub fn statement(&self, backend: DbBackend) -> Statement {
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |value: Value| {
            values.push(value);
            "?"
        };
        let (table, parent_column, key) = (self.table, self.parent_column, self.key);
        let mut parts = Vec::with_capacity(self.parents.len());
        for (i, parent) in self.parents.iter().enumerate() {
            let mut sql = format!(
                "SELECT * FROM (SELECT t.* FROM {table} t WHERE t.tenant_id = {} AND t.{parent_column} = {}",
                bind(self.tenant_id.to_owned().into()),
                bind(parent.clone().into()),
            );
            if let Some(after) = self.after {
                sql.push_str(&format!(" AND t.{key} > {}", bind(after.to_owned().into())));
            }
            for (column, value) in &self.conditions {
                sql.push_str(&format!(" AND t.{column} = {}", bind(value.clone())));
            }
            sql.push_str(&format!(
                " ORDER BY t.{key} LIMIT {}) p{i}",
                bind(((self.size + 1) as i64).into())
            ));
            parts.push(sql);
        }
        crate::db::statement(backend, &parts.join(" UNION ALL "), values)
    }
}

/// The page statement of partners' commissions: their own and their
/// people's (never a spiff to the tenant's staff), optionally of a status.
pub fn partner_commissions_page<'a>(
    tenant_id: &'a str,
    partners: &'a [String],
    size: u64,
    after: Option<&'a str>,
    status: Option<entity::enums::CommissionStatus>,
) -> PageQuery<'a> {
    let mut conditions = vec![("staff_payee", Value::from(false))];
    conditions.extend(status.map(|s| ("status", Value::from(s.as_str()))));
    PageQuery {
        table: "commissions",
        parent_column: "partner_id",
        tenant_id,
        parents: partners,
        size,
        after,
        conditions,
        key: "id",
    }
}

async fn pages_per_parent<E>(
    conn: &Pool,
    query: PageQuery<'_>,
    parent_of: impl Fn(&E::Model) -> &str,
) -> Result<HashMap<String, Page<E::Model>>, ApiError>
where
    E: EntityTrait,
    E::Model: HasId,
{
    let (parents, size, after) = (query.parents, query.size, query.after);
    let statement = query.statement(conn.get_database_backend());
    let rows = E::find().from_raw_sql(statement).all(conn).await?;
    let mut by_parent: HashMap<String, Vec<E::Model>> = HashMap::new();
    for row in rows {
        by_parent
            .entry(parent_of(&row).to_owned())
            .or_default()
            .push(row);
    }
    Ok(parents
        .iter()
        .map(|parent| {
            let mut rows = by_parent.remove(parent).unwrap_or_default();
            // A union keeps no order of its own.
            rows.sort_by(|a, b| a.id().cmp(b.id()));
            let has_next = rows.len() as u64 > size;
            rows.truncate(size as usize);
            (
                parent.clone(),
                Page {
                    rows,
                    has_previous: after.is_some(),
                    has_next,
                },
            )
        })
        .collect())
}

/// Rows keyed by a string id.
pub trait HasId {
    fn id(&self) -> &str;
}

macro_rules! has_id {
    ($($entity:ident),*) => {$(
        impl HasId for $entity::Model {
            fn id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

has_id!(partner, commission, payout, event);

impl HasId for payout_item::Model {
    fn id(&self) -> &str {
        &self.commission_id
    }
}

/// Groups keys by their page shape, so each shape is one statement.
fn by_shape<K: Clone, S: std::hash::Hash + Eq>(
    keys: &[K],
    shape: impl Fn(&K) -> (S, String),
) -> HashMap<S, Vec<(K, String)>> {
    let mut shapes: HashMap<S, Vec<(K, String)>> = HashMap::new();
    for key in keys {
        let (s, parent) = shape(key);
        shapes.entry(s).or_default().push((key.clone(), parent));
    }
    shapes
}

/// A key for one page of one parent's children.
pub trait PageKey: Clone + Eq + Hash + Send + Sync + 'static {
    type Entity: EntityTrait<Model: HasId + Clone + Send + Sync>;
    /// What the keys read by one statement share: the page's size and
    /// cursor, and any filter.
    type Shape: Clone + Eq + Hash;
    /// The key's shape and its parent's id.
    fn split(&self) -> (Self::Shape, String);
    /// The statement of one shape's pages, for `parents`.
    fn query<'a>(
        tenant_id: &'a str,
        parents: &'a [String],
        shape: &'a Self::Shape,
    ) -> PageQuery<'a>;
    /// The parent a row belongs to.
    fn parent_of(row: &<Self::Entity as EntityTrait>::Model) -> &str;
}

/// The rows a page of `K` holds.
pub type Rows<K> = Page<<<K as PageKey>::Entity as EntityTrait>::Model>;

/// Every page `keys` ask for, of `tenant_id`: one statement per shape.
pub async fn load_pages<K: PageKey>(
    conn: &Pool,
    tenant_id: &str,
    keys: &[K],
) -> Result<HashMap<K, Rows<K>>, ApiError> {
    let mut found = HashMap::new();
    for (shape, keys) in by_shape(keys, K::split) {
        let parents: Vec<String> = keys.iter().map(|(_, p)| p.clone()).collect();
        let query = K::query(tenant_id, &parents, &shape);
        let mut pages = pages_per_parent::<K::Entity>(conn, query, K::parent_of).await?;
        for (key, parent) in keys {
            found.insert(key, pages.remove(&parent).unwrap_or_else(Page::empty));
        }
    }
    Ok(found)
}

/// A page of `table`'s rows under `parent_column`, filtered by `conditions`.
fn simple<'a>(
    table: &'a str,
    parent_column: &'a str,
    tenant_id: &'a str,
    parents: &'a [String],
    (size, after): &'a (u64, Option<String>),
    conditions: Vec<(&'static str, Value)>,
) -> PageQuery<'a> {
    PageQuery {
        table,
        parent_column,
        tenant_id,
        parents,
        size: *size,
        after: after.as_deref(),
        conditions,
        key: "id",
    }
}

impl PageKey for GroupPartners {
    type Entity = partner::Entity;
    type Shape = (u64, Option<String>);
    fn split(&self) -> (Self::Shape, String) {
        ((self.size, self.after.clone()), self.group_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        simple("partners", "group_id", tenant, parents, shape, Vec::new())
    }
    fn parent_of(row: &partner::Model) -> &str {
        &row.group_id
    }
}

impl PageKey for PartnerCommissions {
    type Entity = commission::Entity;
    type Shape = (u64, Option<String>, Option<entity::enums::CommissionStatus>);
    fn split(&self) -> (Self::Shape, String) {
        let shape = (self.size, self.after.clone(), self.status);
        (shape, self.partner_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        let (size, after, status) = shape;
        partner_commissions_page(tenant, parents, *size, after.as_deref(), *status)
    }
    fn parent_of(row: &commission::Model) -> &str {
        &row.partner_id
    }
}

impl PageKey for PartnerPayouts {
    type Entity = payout::Entity;
    type Shape = (u64, Option<String>);
    fn split(&self) -> (Self::Shape, String) {
        ((self.size, self.after.clone()), self.partner_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        let staff = vec![("staff_payee", Value::from(false))];
        simple("payouts", "partner_id", tenant, parents, shape, staff)
    }
    fn parent_of(row: &payout::Model) -> &str {
        &row.partner_id
    }
}

impl PageKey for DealCommissions {
    type Entity = commission::Entity;
    type Shape = ((u64, Option<String>), bool);
    fn split(&self) -> (Self::Shape, String) {
        let shape = ((self.size, self.after.clone()), self.partners_money);
        (shape, self.deal_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        let (page, partners_money) = shape;
        let conditions = match partners_money {
            true => vec![("staff_payee", Value::from(false))],
            false => Vec::new(),
        };
        simple("commissions", "deal_id", tenant, parents, page, conditions)
    }
    fn parent_of(row: &commission::Model) -> &str {
        row.deal_id.as_deref().unwrap_or_default()
    }
}

impl PageKey for DealEvents {
    type Entity = event::Entity;
    type Shape = (u64, Option<String>);
    fn split(&self) -> (Self::Shape, String) {
        ((self.size, self.after.clone()), self.deal_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        simple("events", "deal_id", tenant, parents, shape, Vec::new())
    }
    fn parent_of(row: &event::Model) -> &str {
        row.deal_id.as_deref().unwrap_or_default()
    }
}

impl PageKey for PayoutCommissions {
    type Entity = payout_item::Entity;
    type Shape = (u64, Option<String>);
    fn split(&self) -> (Self::Shape, String) {
        ((self.size, self.after.clone()), self.payout_id.clone())
    }
    fn query<'a>(tenant: &'a str, parents: &'a [String], shape: &'a Self::Shape) -> PageQuery<'a> {
        PageQuery {
            key: "commission_id",
            ..simple(
                "payout_items",
                "payout_id",
                tenant,
                parents,
                shape,
                Vec::new(),
            )
        }
    }
    fn parent_of(row: &payout_item::Model) -> &str {
        &row.payout_id
    }
}

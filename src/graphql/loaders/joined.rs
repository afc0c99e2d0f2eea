//! A page and the relations its selection asks for, in one statement.
//!
//! A list whose items ask for their partner, its group, their campaign…
//! would otherwise run the page and then one batch per relation, each a
//! round trip and a statement for the database to plan and run. [`Joins`]
//! wraps the page's own statement (its filter, keyset and limit untouched,
//! so its plan is the one it always had) in a statement that left-joins
//! each relation asked for:
//!
//! ```sql
//! SELECT "page".*, "partner"."id" AS "partner__id", …
//! FROM (SELECT … FROM commissions WHERE … ORDER BY id LIMIT 101) AS "page"
//! LEFT JOIN partners AS "partner"
//!   ON "partner"."tenant_id" = $1 AND "partner"."id" = "page"."partner_id"
//! LEFT JOIN partner_groups AS "partner_group"
//!   ON "partner_group"."tenant_id" = $2 AND "partner_group"."id" = "partner"."group_id"
//! ORDER BY "page"."id"
//! ```
//!
//! The same SQL runs on SQLite and PostgreSQL. The joined rows are fed to
//! the request's loader cache under the keys the items' fields load them
//! by, so every field resolves exactly as before: through its loader, made
//! into an object by the access policy; only the loader finds the row
//! cached instead of asking the database. What a page does not join (a
//! relation it does not reach, a second list of children) is loaded by its
//! loader as always.
//!
//! At most one relation may be a list of children ([`Joins::many`]): the
//! page's rows then repeat once per child, and a second list would
//! multiply the first.

use super::{DirectoryLoader, RequestLoader};
use crate::db::Pool;
use crate::error::ApiError;
use crate::paging::{Page, PageRequest};
use async_graphql::dataloader::Loader;
use async_graphql::futures_util::future::BoxFuture;
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    QueryResult, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;
use std::hash::Hash;

/// The alias of the page's own rows: a relation of the page's items hangs
/// from `(PAGE, their column)`.
pub const PAGE: &str = "page";

/// Where a joined row's id is found: an alias (the page's, or a relation
/// joined before) and its column.
pub type Parent = (&'static str, &'static str);

/// The relations to join into a page's statement, in the order given (a
/// relation may hang from one joined before it).
pub struct Joins {
    tenant_id: String,
    relations: Vec<Box<dyn Relation>>,
    has_many: bool,
}

/// How the page's rows are read.
pub enum Read<'a, E: EntityTrait, M> {
    /// Whole rows.
    Rows(fn(E::Model) -> M),
    /// Only these columns, in this order, made into a row by the function
    /// (by index: the page's columns come first in the joined statement).
    Columns(
        &'a [E::Column],
        fn(&QueryResult, &[E::Column]) -> Result<M, DbErr>,
    ),
}

impl Joins {
    /// No relation yet; every join is bound to `tenant_id`.
    pub fn new(tenant_id: &str) -> Joins {
        Joins {
            tenant_id: tenant_id.to_owned(),
            relations: Vec::new(),
            has_many: false,
        }
    }

    /// `E`'s row whose id is `from`, under `alias`, fed to the loader as
    /// `key(id)`.
    pub fn one<E, K>(
        &mut self,
        alias: &'static str,
        from: Parent,
        key: fn(String) -> K,
    ) -> &mut Self
    where
        E: EntityTrait,
        K: Send + Sync + Hash + Eq + Clone + 'static,
        DirectoryLoader: Loader<K, Error = ApiError, Value: From<E::Model>>,
    {
        self.relations.push(Box::new(One::<E, K> {
            alias,
            from,
            key,
            found: HashMap::new(),
        }));
        self
    }

    /// The page's items' children: `E`'s rows whose `parent` column is the
    /// item's id, in `order`, under `alias`, fed to the loader as
    /// `key(item id)` (an item with none gets an empty list). Only the
    /// first list asked for is joined; a later one is left to its loader.
    pub fn many<E, K>(
        &mut self,
        alias: &'static str,
        parent: E::Column,
        order: &'static [E::Column],
        key: fn(String) -> K,
    ) -> &mut Self
    where
        E: EntityTrait,
        K: Send + Sync + Hash + Eq + Clone + 'static,
        DirectoryLoader: Loader<K, Error = ApiError, Value = Vec<E::Model>>,
    {
        if !self.has_many {
            self.has_many = true;
            self.relations.push(Box::new(Many::<E, K> {
                alias,
                parent,
                order,
                key,
                found: HashMap::new(),
            }));
        }
        self
    }

    /// One page of `select` (ordered and cut by its string id column `id`)
    /// with the relations joined, in one statement; the relations' rows
    /// are in the request's loader cache when this returns.
    pub async fn fetch<E, M>(
        self,
        conn: &Pool,
        loader: &RequestLoader,
        request: &PageRequest,
        (select, id): (Select<E>, E::Column),
        read: Read<'_, E, M>,
    ) -> Result<Page<M>, ApiError>
    where
        E: EntityTrait,
    {
        let mut page = request.keyset(select, id);
        if let Read::Columns(columns, _) = &read {
            page = page.select_only().columns(columns.iter().copied());
        }
        let backend = conn.get_database_backend();
        let statement = match self.relations.is_empty() {
            true => page.build(backend),
            false => backend.build(&self.statement(page.into_query(), id, request.backward)),
        };
        let rows = conn.query_all_raw(statement).await?;
        let Joins { mut relations, .. } = self;
        let mut items = Vec::with_capacity(rows.len());
        let mut last: Option<String> = None;
        for row in &rows {
            let item: String = row.try_get("", id.as_str())?;
            if last.as_deref() != Some(item.as_str()) {
                items.push(match &read {
                    Read::Rows(make) => make(E::Model::from_query_result(row, "")?),
                    Read::Columns(columns, decode) => decode(row, columns)?,
                });
            }
            for relation in &mut relations {
                relation.take(row, &item)?;
            }
            last = Some(item);
        }
        drop(rows);
        for relation in relations {
            relation.feed(loader).await;
        }
        Ok(request.page(items))
    }

    /// The page's statement, wrapped: its rows and each relation's, in the
    /// page's order (then each child list's).
    fn statement<C: IdenStatic>(
        &self,
        page: SelectStatement,
        id: C,
        backward: bool,
    ) -> SelectStatement {
        let mut query = Query::select();
        query
            .column((Alias::new(PAGE), Asterisk))
            .from_subquery(page, Alias::new(PAGE));
        for relation in &self.relations {
            relation.join(&mut query, &self.tenant_id);
        }
        let order = match backward {
            true => Order::Desc,
            false => Order::Asc,
        };
        query.order_by((Alias::new(PAGE), Alias::new(id.as_str())), order);
        for relation in &self.relations {
            relation.order(&mut query);
        }
        query
    }
}

/// A relation joined into a page's statement.
trait Relation: Send {
    /// Adds the join and its columns.
    fn join(&self, query: &mut SelectStatement, tenant_id: &str);
    /// Adds its order, after the page's (a list of children's).
    fn order(&self, _query: &mut SelectStatement) {}
    /// Takes its row from one row of the statement, of the page's item `item`.
    fn take(&mut self, row: &QueryResult, item: &str) -> Result<(), DbErr>;
    /// Puts what it took in the request's loader cache.
    fn feed<'a>(self: Box<Self>, loader: &'a RequestLoader) -> BoxFuture<'a, ()>;
}

/// The prefix of a relation's columns in the joined statement (`__`: no
/// column of any table has it).
fn prefix(alias: &str) -> String {
    format!("{alias}__")
}

/// `LEFT JOIN` `E` as `alias` on its tenant and `on`, selecting every
/// column of it under [`prefix`].
fn join_all<E: EntityTrait>(query: &mut SelectStatement, alias: &str, tenant_id: &str, on: Expr) {
    let at = Alias::new(alias);
    let tenant = Expr::col((at.clone(), Alias::new("tenant_id"))).eq(tenant_id);
    query.join_as(
        JoinType::LeftJoin,
        E::default().table_ref(),
        at.clone(),
        Condition::all().add(tenant).add(on),
    );
    let prefix = prefix(alias);
    for column in E::Column::iter() {
        let name = Alias::new(format!("{prefix}{}", column.as_str()));
        query.expr_as(column.select_as(Expr::col((at.clone(), column))), name);
    }
}

/// One row of `E` per item (or none: a null or dangling reference).
struct One<E: EntityTrait, K> {
    alias: &'static str,
    from: Parent,
    key: fn(String) -> K,
    found: HashMap<String, E::Model>,
}

impl<E, K> Relation for One<E, K>
where
    E: EntityTrait,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Error = ApiError, Value: From<E::Model>>,
{
    fn join(&self, query: &mut SelectStatement, tenant_id: &str) {
        let (parent, column) = self.from;
        let id = Expr::col((Alias::new(self.alias), Alias::new("id")));
        let on = id.equals((Alias::new(parent), Alias::new(column)));
        join_all::<E>(query, self.alias, tenant_id, on);
    }

    fn take(&mut self, row: &QueryResult, _item: &str) -> Result<(), DbErr> {
        let prefix = prefix(self.alias);
        let id: Option<String> = row.try_get(&prefix, "id")?;
        if let Some(id) = id
            && !self.found.contains_key(&id)
        {
            let model = E::Model::from_query_result(row, &prefix)?;
            self.found.insert(id, model);
        }
        Ok(())
    }

    fn feed<'a>(self: Box<Self>, loader: &'a RequestLoader) -> BoxFuture<'a, ()> {
        let key = self.key;
        let values = self
            .found
            .into_iter()
            .map(move |(id, row)| (key(id), row.into()));
        Box::pin(loader.feed_many(values))
    }
}

/// Every row of `E` whose `parent` is the item.
struct Many<E: EntityTrait, K> {
    alias: &'static str,
    parent: E::Column,
    order: &'static [E::Column],
    key: fn(String) -> K,
    found: HashMap<String, Vec<E::Model>>,
}

impl<E, K> Relation for Many<E, K>
where
    E: EntityTrait,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Error = ApiError, Value = Vec<E::Model>>,
{
    fn join(&self, query: &mut SelectStatement, tenant_id: &str) {
        let parent = Expr::col((Alias::new(self.alias), self.parent));
        // The page's id column is `id` for every list that joins children.
        let on = parent.equals((Alias::new(PAGE), Alias::new("id")));
        join_all::<E>(query, self.alias, tenant_id, on);
    }

    fn order(&self, query: &mut SelectStatement) {
        for column in self.order {
            query.order_by((Alias::new(self.alias), *column), Order::Asc);
        }
    }

    fn take(&mut self, row: &QueryResult, item: &str) -> Result<(), DbErr> {
        let prefix = prefix(self.alias);
        let children = self.found.entry(item.to_owned()).or_default();
        let parent: Option<String> = row.try_get(&prefix, self.parent.as_str())?;
        if parent.is_some() {
            children.push(E::Model::from_query_result(row, &prefix)?);
        }
        Ok(())
    }

    fn feed<'a>(self: Box<Self>, loader: &'a RequestLoader) -> BoxFuture<'a, ()> {
        let key = self.key;
        let values = self
            .found
            .into_iter()
            .map(move |(id, rows)| (key(id), rows));
        Box::pin(loader.feed_many(values))
    }
}

//! A finished backtest's figures as they are read back: each currency's
//! totals, and its partners a page at a time (by currency, then by
//! difference, then by partner).

use crate::error::{ApiError, ApiResult};
use entity::{backtest_result, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;

/// One currency's totals, in minor units.
pub struct Total {
    pub currency: String,
    pub before: i64,
    pub after: i64,
}

/// Each currency's totals of backtest `id`, by currency.
pub async fn totals(conn: &impl ConnectionTrait, id: &str) -> ApiResult<Vec<Total>> {
    let rows: Vec<(String, i64, i64)> = backtest_result::Entity::find()
        .select_only()
        .column(backtest_result::Column::Currency)
        // Cast, so both databases answer an integer.
        .column_as(Expr::cust("CAST(SUM(before_minor) AS BIGINT)"), "before")
        .column_as(Expr::cust("CAST(SUM(after_minor) AS BIGINT)"), "after")
        .filter(backtest_result::Column::BacktestId.eq(id))
        .group_by(backtest_result::Column::Currency)
        .order_by_asc(backtest_result::Column::Currency)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(currency, before, after)| Total {
            currency,
            before,
            after,
        })
        .collect())
}

/// A page of a backtest's partners.
pub struct Page {
    /// Every row of the backtest.
    pub total: u64,
    pub rows: Vec<backtest_result::Model>,
    pub has_next: bool,
    /// The partners the rows name, by id.
    pub partners: HashMap<String, Arc<partner::Model>>,
}

/// The rows of backtest `id` (of `tenant_id`) after `after` (a row's
/// [`cursor`]), `size` of them, a currency's largest difference first
/// when `desc`.
pub async fn partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    size: u64,
    after: Option<&str>,
    desc: bool,
) -> ApiResult<Page> {
    use backtest_result::Column as C;
    let mut select = backtest_result::Entity::find().filter(C::BacktestId.eq(id));
    let total = select.clone().count(conn).await?;
    if let Some(cursor) = after {
        select = select.filter(past(cursor, desc)?);
    }
    select = select.order_by_asc(C::Currency);
    select = match desc {
        true => select.order_by_desc(C::DifferenceMinor),
        false => select.order_by_asc(C::DifferenceMinor),
    };
    let mut rows = select
        .order_by_asc(C::PartnerId)
        .limit(size + 1)
        .all(conn)
        .await?;
    let has_next = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let partners = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Id.is_in(rows.iter().map(|r| r.partner_id.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), Arc::new(p)))
        .collect();
    Ok(Page {
        total,
        rows,
        has_next,
        partners,
    })
}

/// A row's cursor: `currency:difference:partner`.
pub fn cursor(row: &backtest_result::Model) -> String {
    format!(
        "{}:{}:{}",
        row.currency, row.difference_minor, row.partner_id
    )
}

/// The rows after a cursor `currency:difference:partner`.
fn past(cursor: &str, desc: bool) -> ApiResult<Condition> {
    use backtest_result::Column as C;
    let bad = || ApiError::bad_input("after", "is not a cursor of this list");
    let mut parts = cursor.splitn(3, ':');
    let (Some(currency), Some(difference), Some(partner)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let difference: i64 = difference.parse().map_err(|_| bad())?;
    let beyond = match desc {
        true => C::DifferenceMinor.lt(difference),
        false => C::DifferenceMinor.gt(difference),
    };
    Ok(Condition::any().add(C::Currency.gt(currency)).add(
        Condition::all().add(C::Currency.eq(currency)).add(
            Condition::any().add(beyond).add(
                Condition::all()
                    .add(C::DifferenceMinor.eq(difference))
                    .add(C::PartnerId.gt(partner)),
            ),
        ),
    ))
}

//! The events a tenant recorded, as staff and partners list them: each
//! with whether it earned and, when it did not, why (kept on the event
//! when it was recorded).

use crate::auth::access::Rows;
use entity::{customer, event};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

/// The tenant's events (ordered and paged by the caller): of one partner,
/// of one customer (under any partner it was attributed to), that earned
/// (`Some(true)`) or earned nothing (`Some(false)`).
pub fn list(
    tenant_id: &str,
    rows: &Rows,
    customer_external_id: Option<&str>,
    earned: Option<bool>,
) -> Select<event::Entity> {
    let mut select = event::Entity::find().filter(event::Column::TenantId.eq(tenant_id));
    if let Some(partner) = rows.partner_filter() {
        select = select.filter(event::Column::PartnerId.eq(partner));
    }
    if let Some(external_id) = customer_external_id {
        let customers = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .and_where(customer::Column::TenantId.eq(tenant_id))
            .and_where(customer::Column::ExternalId.eq(external_id))
            .to_owned();
        select = select.filter(event::Column::CustomerId.in_subquery(customers));
    }
    match earned {
        Some(true) => select.filter(event::Column::NothingReason.is_null()),
        Some(false) => select.filter(event::Column::NothingReason.is_not_null()),
        None => select,
    }
}

//! Issued documents found by id, by payout, and listed (oldest first, by
//! id: ids grow with issue).

use crate::error::ApiResult;
use chrono::NaiveDate;
use entity::invoice;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};

/// A document of the tenant.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<invoice::Model>> {
    Ok(invoice::Entity::find_by_id(id.to_owned())
        .filter(invoice::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// What `invoices` lists: a partner's (none: every partner's the caller
/// reads), issued from and to a day (in the tenant's zone, inclusive).
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub partner_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The tenant's documents, by the filter.
pub fn list(tenant_id: &str, filter: &InvoiceFilter) -> Select<invoice::Entity> {
    let mut select = invoice::Entity::find().filter(invoice::Column::TenantId.eq(tenant_id));
    if let Some(partner) = &filter.partner_id {
        select = select.filter(invoice::Column::PartnerId.eq(partner.as_str()));
    }
    if let Some(from) = filter.from {
        select = select.filter(invoice::Column::IssueDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(invoice::Column::IssueDate.lte(to));
    }
    select
}

/// A payout's documents: its invoice, then its credit note.
pub async fn of_payouts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_ids: Vec<String>,
) -> ApiResult<Vec<invoice::Model>> {
    let mut rows = Vec::new();
    for chunk in payout_ids.chunks(crate::posting::WRITE_CHUNK) {
        rows.extend(
            invoice::Entity::find()
                .filter(invoice::Column::TenantId.eq(tenant_id))
                .filter(invoice::Column::PayoutId.is_in(chunk.to_vec()))
                .order_by_asc(invoice::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(rows)
}

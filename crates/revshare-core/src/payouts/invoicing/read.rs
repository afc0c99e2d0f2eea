//! Issued documents found by id and listed (oldest first, by id: ids grow
//! with issue); a payout's are read by the surface's loader.

use crate::error::ApiResult;
use chrono::NaiveDate;
use entity::enums::InvoiceKind;
use entity::invoice;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

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

/// The title a document is printed under, and named by its statement, in
/// its language.
pub fn title(row: &invoice::Model) -> String {
    let said = super::words::of(row.language.as_deref().unwrap_or_default());
    match row.kind {
        InvoiceKind::Invoice => format!("{} {}", said.invoice, row.number),
        InvoiceKind::CreditNote => format!("{} {}", said.credit_note, row.number),
    }
}

/// A document with what it names besides itself: the invoice a credit
/// note corrects, and its payout's statement number.
#[derive(Debug, Clone)]
pub struct Issued {
    pub row: invoice::Model,
    pub corrects: Option<invoice::Model>,
    pub statement: Option<String>,
}

impl Issued {
    /// `row` with what it names, read.
    pub async fn of(conn: &impl ConnectionTrait, row: invoice::Model) -> ApiResult<Issued> {
        let corrects = match &row.corrects_id {
            Some(original) => find(conn, &row.tenant_id, original).await?,
            None => None,
        };
        let statement = entity::payout::Entity::find_by_id(row.payout_id.clone())
            .filter(entity::payout::Column::TenantId.eq(row.tenant_id.as_str()))
            .one(conn)
            .await?
            .map(|p| p.statement_number)
            .filter(|n| !n.is_empty());
        Ok(Issued {
            row,
            corrects,
            statement,
        })
    }
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

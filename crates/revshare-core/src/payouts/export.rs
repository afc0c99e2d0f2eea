//! The payouts' CSV export (SPEC §17): payouts read a page at a time in
//! id order, written with the ledger export's cells
//! ([`crate::ledger::exports`]: formulas neutralised in what clients sent).

use crate::error::ApiResult;
use crate::ledger::exports::{PAGE, amount, cell, input_cell, names, time};
use chrono::{DateTime, Utc};
use entity::{partner, payout};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The export's header row.
pub const PAYOUT_HEADER: &str = "id,partner_id,partner_name,amount,currency,status,statement_number,run_id,reference,commission_count,created_at,paid_at\r\n";

/// What a payout export is filtered by.
#[derive(Debug, Default, Clone)]
pub struct ExportFilter {
    pub partner_id: Option<String>,
    pub status: Option<entity::enums::PayoutStatus>,
    pub run_id: Option<String>,
    pub currency: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub created_to: Option<DateTime<Utc>>,
}

/// The next page of payouts after `after`, as CSV lines, and the last id
/// written. Payouts to the tenant's staff are not a partner's: a partner's
/// export leaves them out, as its `payouts` do.
pub async fn payout_page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &ExportFilter,
    after: &str,
) -> ApiResult<Option<(String, String)>> {
    let mut select = payout::Entity::find()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::Id.gt(after));
    if let Some(partner) = &filter.partner_id {
        select = select
            .filter(payout::Column::PartnerId.eq(partner.as_str()))
            .filter(payout::Column::StaffPayee.eq(false));
    }
    if let Some(currency) = &filter.currency {
        select = select.filter(payout::Column::Currency.eq(currency.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(payout::Column::Status.eq(status));
    }
    if let Some(run) = &filter.run_id {
        select = select.filter(payout::Column::RunId.eq(run.as_str()));
    }
    if let Some(from) = filter.created_from {
        select = select.filter(payout::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(payout::Column::CreatedAt.lt(to));
    }
    let rows = select
        .order_by_asc(payout::Column::Id)
        .limit(PAGE)
        .all(conn)
        .await?;
    let Some(last) = rows.last().map(|r| r.id.clone()) else {
        return Ok(None);
    };
    let partners = names::<partner::Entity, _>(
        conn,
        rows.iter().map(|r| r.partner_id.as_str()),
        partner::Column::Id,
        partner::Column::Name,
    )
    .await?;
    let mut out = String::with_capacity(rows.len() * 160);
    for row in &rows {
        cell(&mut out, &row.id);
        out.push(',');
        cell(&mut out, &row.partner_id);
        out.push(',');
        input_cell(
            &mut out,
            &partners.get(&row.partner_id).cloned().unwrap_or_default(),
        );
        out.push(',');
        cell(&mut out, &amount(row.amount_minor, &row.currency)?);
        out.push(',');
        cell(&mut out, &row.currency);
        out.push(',');
        cell(&mut out, row.status.as_str());
        out.push(',');
        cell(&mut out, &row.statement_number);
        out.push(',');
        cell(&mut out, row.run_id.as_deref().unwrap_or_default());
        out.push(',');
        input_cell(&mut out, &row.reference);
        out.push(',');
        cell(&mut out, &row.commission_count.to_string());
        out.push(',');
        cell(&mut out, &time(Some(row.created_at)));
        out.push(',');
        cell(&mut out, &time(row.paid_at));
        out.push_str("\r\n");
    }
    Ok(Some((out, last)))
}

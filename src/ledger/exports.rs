//! CSV exports of the ledger and of payouts (SPEC §17): rows read a page
//! at a time in id order (so an export of any size holds one page in
//! memory), written as RFC 4180 lines.
//!
//! A cell taken from what a client sent — a name, an `externalId`, a
//! reference — that begins with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is written with a `'` before it, so a spreadsheet opens it as
//! text, never as a formula (CSV injection). Amounts, ids, statuses and
//! times are written by revshare itself and kept as they are: a negative
//! amount stays a number.

use super::CommissionFilter;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{campaign, commission, event, partner, payout};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Rows read and written at once.
pub const PAGE: u64 = 1_000;

pub const COMMISSION_HEADER: &str = "id,partner_id,partner_name,campaign_id,campaign_name,event_external_id,kind,status,amount,currency,accrued_at,approved_at,paid_at,payout_id\r\n";
pub const PAYOUT_HEADER: &str = "id,partner_id,partner_name,amount,currency,status,statement_number,run_id,reference,commission_count,created_at,paid_at\r\n";

/// A cell revshare wrote itself, quoted when it must be.
fn cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A cell from a client's input: neutralised, then quoted when it must be.
fn input_cell(out: &mut String, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell(out, &format!("'{text}"));
    } else {
        cell(out, text);
    }
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        .unwrap_or_default()
}

fn amount(minor: i64, currency: &str) -> ApiResult<String> {
    let currency =
        Currency::parse(currency).map_err(|e| ApiError::internal("stored currency", e))?;
    Ok(currency.from_minor(minor).to_string())
}

/// The next page of commissions after `after` (an id; empty: the first),
/// as CSV lines, and the last id written.
pub async fn commission_page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    filter: &CommissionFilter,
    after: &str,
) -> ApiResult<Option<(String, String)>> {
    let rows = super::list(tenant_id, filter)
        .filter(commission::Column::Id.gt(after))
        .order_by_asc(commission::Column::Id)
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
    let campaigns = names::<campaign::Entity, _>(
        conn,
        rows.iter().map(|r| r.campaign_id.as_str()),
        campaign::Column::Id,
        campaign::Column::Name,
    )
    .await?;
    let events = names::<event::Entity, _>(
        conn,
        rows.iter().map(|r| r.event_id.as_str()),
        event::Column::Id,
        event::Column::ExternalId,
    )
    .await?;
    let mut out = String::with_capacity(rows.len() * 256);
    for row in &rows {
        let looked_up =
            |map: &HashMap<String, String>, id: &str| map.get(id).cloned().unwrap_or_default();
        cell(&mut out, &row.id);
        out.push(',');
        cell(&mut out, &row.partner_id);
        out.push(',');
        input_cell(&mut out, &looked_up(&partners, &row.partner_id));
        out.push(',');
        cell(&mut out, &row.campaign_id);
        out.push(',');
        input_cell(&mut out, &looked_up(&campaigns, &row.campaign_id));
        out.push(',');
        input_cell(&mut out, &looked_up(&events, &row.event_id));
        out.push(',');
        cell(&mut out, row.kind.to_value().as_str());
        out.push(',');
        cell(&mut out, row.status.to_value().as_str());
        out.push(',');
        cell(&mut out, &amount(row.amount_minor, &row.currency)?);
        out.push(',');
        cell(&mut out, &row.currency);
        out.push(',');
        cell(&mut out, &time(Some(row.accrued_at)));
        out.push(',');
        cell(&mut out, &time(row.approved_at));
        out.push(',');
        cell(&mut out, &time(row.paid_at));
        out.push(',');
        cell(&mut out, row.payout_id.as_deref().unwrap_or_default());
        out.push_str("\r\n");
    }
    Ok(Some((out, last)))
}

/// What a payout export is filtered by.
#[derive(Debug, Default, Clone)]
pub struct PayoutFilter {
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
    filter: &PayoutFilter,
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

/// `label` of each row whose `id` is among `ids`, in one statement.
async fn names<'a, E, I>(
    conn: &impl ConnectionTrait,
    ids: I,
    id: E::Column,
    label: E::Column,
) -> ApiResult<HashMap<String, String>>
where
    E: EntityTrait,
    I: Iterator<Item = &'a str>,
{
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(String, String)> = E::find()
        .select_only()
        .column(id)
        .column(label)
        .filter(id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

use sea_orm::ActiveEnum;

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> String {
        let mut out = String::new();
        input_cell(&mut out, text);
        out
    }

    #[test]
    fn formulas_are_neutralised_and_cells_quoted() {
        assert_eq!(
            input("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(input("+1"), "'+1");
        assert_eq!(input("-2"), "'-2");
        assert_eq!(input("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(input("\tx"), "'\tx");
        assert_eq!(input("\rx"), "\"'\rx\"");
        assert_eq!(input("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(input("plain"), "plain");
        let mut out = String::new();
        cell(&mut out, "-12.50");
        assert_eq!(out, "-12.50");
    }
}

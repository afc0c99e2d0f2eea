//! CSV exports of the ledger (SPEC §17), and the cells every export writes
//! (the payouts' export is `payouts::export`): rows read a page
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
use entity::{campaign, commission, event, partner};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Rows read and written at once.
pub const PAGE: u64 = 1_000;

pub const COMMISSION_HEADER: &str = "id,partner_id,partner_name,campaign_id,campaign_name,event_external_id,kind,status,amount,currency,accrued_at,approved_at,paid_at,payout_id\r\n";

/// A cell revshare wrote itself, quoted when it must be.
pub(crate) fn cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A cell from a client's input: neutralised, then quoted when it must be.
pub(crate) fn input_cell(out: &mut String, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell(out, &format!("'{text}"));
    } else {
        cell(out, text);
    }
}

pub(crate) fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        .unwrap_or_default()
}

pub(crate) fn amount(minor: i64, currency: &str) -> ApiResult<String> {
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

/// `label` of each row whose `id` is among `ids`, in one statement.
pub(crate) async fn names<'a, E, I>(
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

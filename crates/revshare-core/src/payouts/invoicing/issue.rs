//! Issuing self-billed documents (SPEC §33).
//!
//! - An **invoice** for each self-billed payout when it is paid: numbered
//!   `{series}{year}-{000001}` from the tenant's counter for its series and
//!   the year of issue (in the tenant's zone), by one upsert in the
//!   payout's own transaction — a transaction that rolls back gives its
//!   numbers back, concurrent payments queue on the counter row, so no
//!   number is used twice or skipped, and a payout that fails took none.
//!   Its lines are one per campaign (what its commissions sum to), and one
//!   per campaign for what was taken back (clawbacks, negative
//!   adjustments), as a negative line; they sum to the payout's net.
//! - A **credit note** (UNTDID 261) for the whole of a paid invoice whose
//!   payout was reversed, naming it: every amount negated.
//!
//! An issued document is written once and never changed: its parties are
//! those the payout was made with, whatever the partner or the tenant
//! changes after.

use super::{SelfBilled, settings};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::InvoiceKind;
use entity::{campaign, commission, invoice, invoice_counter, payout};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A line of an issued document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    pub campaign_id: String,
    pub description: String,
    pub amount_minor: i64,
}

/// A document's lines, as stored.
pub fn lines_of(row: &invoice::Model) -> ApiResult<Vec<InvoiceLine>> {
    serde_json::from_str(&row.lines).map_err(|e| ApiError::internal("invoice lines", e))
}

/// A document's party or mentions, as stored.
pub fn decoded<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> ApiResult<T> {
    serde_json::from_str(text).map_err(|e| ApiError::internal(what, e))
}

/// The invoices of the self-billed among `paid` (payouts just paid),
/// numbered in the order given.
pub(crate) async fn invoices(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    paid: &[payout::Model],
    at: DateTime<Utc>,
) -> ApiResult<Vec<invoice::Model>> {
    let billed: Vec<(&payout::Model, SelfBilled)> = paid
        .iter()
        .filter_map(|p| p.self_billing.as_deref().map(|text| (p, text)))
        .map(|(p, text)| SelfBilled::decode(text).map(|b| (p, b)))
        .collect::<ApiResult<_>>()?;
    if billed.is_empty() {
        return Ok(Vec::new());
    }
    let zone = crate::payouts::tenant_zone(conn, tenant_id).await?;
    let day = at.with_timezone(&zone).date_naive();
    let series = settings::read(conn, tenant_id).await?.series;
    let mut drafts = Vec::with_capacity(billed.len());
    for (payout, billed) in &billed {
        let rows = crate::payouts::statement::held(conn, tenant_id, &payout.id).await?;
        let lines = lines(conn, tenant_id, &rows).await?;
        let sum: i64 = lines.iter().map(|l| l.amount_minor).sum();
        if sum != payout.net_minor {
            return Err(ApiError::internal(
                "invoice lines",
                format!(
                    "payout {} nets {}, its lines {sum}",
                    payout.id, payout.net_minor
                ),
            ));
        }
        let days = |at: DateTime<Utc>| at.with_timezone(&zone).date_naive();
        let supply_from = rows.iter().map(|r| days(r.accrued_at)).min().unwrap_or(day);
        let supply_to = rows.iter().map(|r| days(r.accrued_at)).max().unwrap_or(day);
        drafts.push(invoice::Model {
            id: crate::input::new_id(),
            tenant_id: tenant_id.to_owned(),
            payout_id: payout.id.clone(),
            partner_id: payout.partner_id.clone(),
            number: String::new(),
            kind: InvoiceKind::Invoice,
            issued_at: at,
            issue_date: day,
            supply_from,
            supply_to,
            currency: payout.currency.clone(),
            net_minor: payout.net_minor,
            vat_rate: payout.vat_rate.clone(),
            vat_minor: payout.vat_minor,
            gross_minor: payout.net_minor + payout.vat_minor,
            lines: serde_json::to_string(&lines).unwrap_or_default(),
            mentions: serde_json::to_string(&billed.mentions).unwrap_or_default(),
            supplier: serde_json::to_string(&billed.supplier).unwrap_or_default(),
            customer: serde_json::to_string(&billed.customer).unwrap_or_default(),
            corrects_id: None,
        });
    }
    let numbers = take_numbers(conn, tenant_id, &series, day, drafts.len() as i64).await?;
    for (draft, number) in drafts.iter_mut().zip(numbers) {
        draft.number = number;
    }
    for chunk in drafts.chunks(crate::posting::WRITE_CHUNK / 4) {
        invoice::Entity::insert_many(chunk.iter().cloned().map(invoice::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(drafts)
}

/// The credit note for the invoice of a paid payout now reversed in full;
/// none when the payout had no invoice, or has its credit note already.
pub(crate) async fn credit_note(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
    at: DateTime<Utc>,
) -> ApiResult<Option<invoice::Model>> {
    let issued = invoice::Entity::find()
        .filter(invoice::Column::TenantId.eq(tenant_id))
        .filter(invoice::Column::PayoutId.eq(payout_id))
        .all(conn)
        .await?;
    let Some(original) = issued.iter().find(|i| i.kind == InvoiceKind::Invoice) else {
        return Ok(None);
    };
    if issued.iter().any(|i| i.kind == InvoiceKind::CreditNote) {
        return Ok(None);
    }
    let zone = crate::payouts::tenant_zone(conn, tenant_id).await?;
    let day = at.with_timezone(&zone).date_naive();
    let series = settings::read(conn, tenant_id).await?.series;
    let number = take_numbers(conn, tenant_id, &series, day, 1)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("credit note", "no number"))?;
    let lines: Vec<InvoiceLine> = lines_of(original)?
        .into_iter()
        .map(|l| InvoiceLine {
            amount_minor: -l.amount_minor,
            ..l
        })
        .collect();
    let note = invoice::Model {
        id: crate::input::new_id(),
        number,
        kind: InvoiceKind::CreditNote,
        issued_at: at,
        issue_date: day,
        net_minor: -original.net_minor,
        vat_minor: -original.vat_minor,
        gross_minor: -original.gross_minor,
        lines: serde_json::to_string(&lines).unwrap_or_default(),
        corrects_id: Some(original.id.clone()),
        ..original.clone()
    };
    invoice::Entity::insert(invoice::ActiveModel::from(note.clone()))
        .exec_without_returning(conn)
        .await?;
    Ok(Some(note))
}

/// One line per campaign for what its rows earned, and one per campaign,
/// negative, for what they took back; by campaign name.
async fn lines(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    rows: &[commission::Model],
) -> ApiResult<Vec<InvoiceLine>> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.campaign_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<String, String> = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // (name, id) → (earned, taken back)
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for row in rows {
        let name = names.get(&row.campaign_id).cloned().unwrap_or_default();
        let entry = sums.entry((name, row.campaign_id.clone())).or_default();
        match row.amount_minor < 0 {
            true => entry.1 += row.amount_minor,
            false => entry.0 += row.amount_minor,
        }
    }
    let mut lines = Vec::new();
    for ((name, id), (earned, taken)) in sums {
        if earned != 0 {
            lines.push(InvoiceLine {
                campaign_id: id.clone(),
                description: format!("Commissions, {name}"),
                amount_minor: earned,
            });
        }
        if taken != 0 {
            lines.push(InvoiceLine {
                campaign_id: id,
                description: format!("Clawbacks, {name}"),
                amount_minor: taken,
            });
        }
    }
    Ok(lines)
}

/// The next `count` numbers of the tenant's series in the year of `day`.
async fn take_numbers(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    series: &str,
    day: NaiveDate,
    count: i64,
) -> ApiResult<Vec<String>> {
    use invoice_counter::Column as C;
    let year = day.year();
    let excluded = Alias::new("excluded");
    let last = invoice_counter::Entity::insert(invoice_counter::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        series: Set(series.to_owned()),
        year: Set(year),
        last_number: Set(count),
    })
    .on_conflict(
        OnConflict::columns([C::TenantId, C::Series, C::Year])
            .value(
                C::LastNumber,
                Expr::col((invoice_counter::Entity, C::LastNumber))
                    .add(Expr::col((excluded, C::LastNumber))),
            )
            .to_owned(),
    )
    .exec_with_returning(conn)
    .await?
    .last_number;
    if last > MAX_A_YEAR {
        return Err(ApiError::Conflict(format!(
            "invoice numbers of {series}{year} are used up (at most {MAX_A_YEAR})"
        )));
    }
    Ok((last - count + 1..=last)
        .map(|n| format!("{series}{year}-{n:06}"))
        .collect())
}

/// The numbers six digits hold.
const MAX_A_YEAR: i64 = 999_999;

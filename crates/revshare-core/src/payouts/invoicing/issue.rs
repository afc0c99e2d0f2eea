//! Issuing self-billed documents (SPEC §33).
//!
//! - An **invoice** for each self-billed payout when it is paid, if its
//!   partner still agrees then (a decline since the payout was made, or a
//!   UK agreement run out, issues none in its name): numbered
//!   `{series}{year}-{000001}` from the tenant's counter for its series and
//!   the year of issue (in the tenant's zone), by one upsert in the
//!   payout's own transaction — a transaction that rolls back gives its
//!   numbers back, concurrent payments queue on the counter row, so no
//!   number is used twice or skipped, and a payout that fails took none.
//!   Its lines are one per campaign (what its commissions sum to), and one
//!   per campaign for what was taken back (clawbacks, negative
//!   adjustments), as a negative line; they sum to the payout's net.
//! - A **credit note** (UNTDID 261) naming the invoice, for what of a
//!   paid payout came back: a transfer reversed in part is credited by its
//!   share (net and VAT, lines in proportion, rounded once), reversed in
//!   full by what no earlier note credited — so a payout's invoice and
//!   credit notes always add up to what the partner finally received.
//!
//! An issued document is written once and never changed: its parties are
//! those the payout was made with, whatever the partner or the tenant
//! changes after.

use super::{SelfBilled, partners, settings};
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
    /// A clawback of a commission never invoiced with VAT: set off against
    /// the document, outside its net and its VAT (SPEC §33b).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set_off: bool,
    /// The sale a set-off corrects (its id at the source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<String>,
}

/// What a document sets off: the sum of its set-off lines (negative on an
/// invoice).
pub fn set_off_of(lines: &[InvoiceLine]) -> i64 {
    lines
        .iter()
        .filter(|l| l.set_off)
        .map(|l| l.amount_minor)
        .sum()
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
/// numbered in the order given: of those whose partner still agrees when
/// they are paid (an invoice is issued in its name then), none for a
/// partner that declined since its payout was made.
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
    let mut partner_ids: Vec<String> = billed.iter().map(|(p, _)| p.partner_id.clone()).collect();
    partner_ids.sort();
    partner_ids.dedup();
    let answers = partners::answers_of(conn, tenant_id, &partner_ids).await?;
    let billed: Vec<(&payout::Model, SelfBilled)> = billed
        .into_iter()
        .filter(|(p, b)| {
            answers
                .get(&p.partner_id)
                .is_some_and(|a| partners::still_agreed(a, b.agreement_version, at))
        })
        .collect();
    if billed.is_empty() {
        return Ok(Vec::new());
    }
    let zone = crate::payouts::tenant_zone(conn, tenant_id).await?;
    let day = at.with_timezone(&zone).date_naive();
    let invoicing = settings::read(conn, tenant_id).await?;
    let series = invoicing.series;
    let service = invoicing.service_description;
    let mut drafts = Vec::with_capacity(billed.len());
    for (payout, billed) in &billed {
        let rows = crate::payouts::statement::held(conn, tenant_id, &payout.id).await?;
        let (set_off, supplied): (Vec<commission::Model>, Vec<commission::Model>) = rows
            .iter()
            .cloned()
            .partition(|r| billed.set_off.contains(&r.id));
        let said = super::words::of(billed.language.as_deref().unwrap_or_default());
        let mut lines = lines(conn, tenant_id, &supplied, service.as_deref(), said).await?;
        let net = billed.base(payout.net_minor);
        let sum: i64 = lines.iter().map(|l| l.amount_minor).sum();
        lines.extend(set_off_lines(conn, tenant_id, &set_off, service.as_deref(), said).await?);
        let set_off_sum = set_off_of(&lines);
        if sum != net || set_off_sum != billed.set_off_minor {
            return Err(ApiError::internal(
                "invoice lines",
                format!(
                    "payout {} nets {net} and sets off {}, its lines {sum} and {set_off_sum}",
                    payout.id, billed.set_off_minor
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
            net_minor: net,
            vat_rate: payout.vat_rate.clone(),
            vat_minor: payout.vat_minor,
            gross_minor: net + payout.vat_minor,
            // A document never changes once issued: what it says is
            // written whole, or it is not issued.
            lines: ApiError::json("invoice lines", &lines)?,
            mentions: ApiError::json("invoice mentions", &billed.mentions)?,
            supplier: ApiError::json("invoice supplier", &billed.supplier)?,
            customer: ApiError::json("invoice customer", &billed.customer)?,
            corrects_id: None,
            tax_currency: None,
            tax_vat_minor: None,
            tax_rate: None,
            tax_rate_day: None,
            vat_category: billed.category.clone(),
            payment: Some(ApiError::json(
                "invoice payment",
                &super::Payment::of(payout),
            )?),
            language: billed.language.clone(),
        });
    }
    for draft in &mut drafts {
        in_national_currency(conn, tenant_id, draft, &billed_country(draft)?).await?;
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

/// How much of a payout's invoice its credit notes take back in all.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Credited {
    /// What came back of its transfer so far: `gross_minor` as sent, of
    /// which `net_minor` is the net share (the rest its VAT).
    UpTo { gross_minor: i64, net_minor: i64 },
    /// All of it: the payout failed.
    Whole,
}

/// The credit note for what of a paid payout's invoice came back since its
/// last credit note: the notes of a payout together take back `credited`,
/// each its net, VAT and lines. None when the payout had no invoice, or
/// nothing new came back.
pub(crate) async fn credit_note(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
    credited: Credited,
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
    let notes: Vec<&invoice::Model> = issued
        .iter()
        .filter(|i| i.kind == InvoiceKind::CreditNote)
        .collect();
    let (net_in_all, gross_in_all) = match credited {
        Credited::Whole => (original.net_minor, original.gross_minor),
        Credited::UpTo {
            gross_minor,
            net_minor,
        } => (
            Ord::max(Ord::min(net_minor, original.net_minor), 0),
            Ord::max(Ord::min(gross_minor, original.gross_minor), 0),
        ),
    };
    let net = net_in_all + notes.iter().map(|n| n.net_minor).sum::<i64>();
    let gross = gross_in_all + notes.iter().map(|n| n.gross_minor).sum::<i64>();
    if net <= 0 && gross <= 0 {
        return Ok(None);
    }
    let mut lines = Vec::new();
    let earlier: Vec<Vec<InvoiceLine>> = notes
        .iter()
        .map(|n| lines_of(n))
        .collect::<ApiResult<_>>()?;
    let (set_off, invoiced): (Vec<InvoiceLine>, Vec<InvoiceLine>) =
        lines_of(original)?.into_iter().partition(|l| l.set_off);
    for (line, in_all) in invoiced.iter().zip(spread(&invoiced, net_in_all)) {
        let before: i64 = earlier
            .iter()
            .flatten()
            .filter(|l| {
                !l.set_off && l.campaign_id == line.campaign_id && l.description == line.description
            })
            .map(|l| -l.amount_minor)
            .sum();
        if in_all != before {
            lines.push(InvoiceLine {
                amount_minor: before - in_all,
                ..line.clone()
            });
        }
    }
    // What the invoice set off comes back whole with the payout that
    // failed (its clawbacks owed again), never with part of a transfer.
    if matches!(credited, Credited::Whole) {
        let before = earlier.iter().flatten().any(|l| l.set_off);
        if !before {
            lines.extend(set_off.into_iter().map(|l| InvoiceLine {
                amount_minor: -l.amount_minor,
                ..l
            }));
        }
    }
    let zone = crate::payouts::tenant_zone(conn, tenant_id).await?;
    let day = at.with_timezone(&zone).date_naive();
    let series = settings::read(conn, tenant_id).await?.series;
    let number = take_numbers(conn, tenant_id, &series, day, 1)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("credit note", "no number"))?;
    let note = invoice::Model {
        id: crate::input::new_id(),
        number,
        kind: InvoiceKind::CreditNote,
        issued_at: at,
        issue_date: day,
        net_minor: -net,
        vat_minor: -(gross - net),
        gross_minor: -gross,
        lines: serde_json::to_string(&lines).map_err(|e| ApiError::internal("credit note", e))?,
        corrects_id: Some(original.id.clone()),
        // At its invoice's rate: the correction of what was stated.
        // At its invoice's rate, of what the notes take back in all, less
        // what earlier notes stated: the notes of a payout add up to its
        // invoice's VAT in that currency too, to the cent.
        tax_vat_minor: match (
            &original.tax_currency,
            &original.tax_rate,
            original.tax_vat_minor,
        ) {
            (Some(code), Some(rate), Some(invoiced)) => {
                let in_all = match credited {
                    Credited::Whole => invoiced,
                    Credited::UpTo { .. } => {
                        stated_in(&original.currency, code, rate, gross_in_all - net_in_all)?
                    }
                };
                let before: i64 = notes.iter().filter_map(|n| n.tax_vat_minor).sum();
                Some(-(in_all + before))
            }
            _ => None,
        },
        ..original.clone()
    };
    invoice::Entity::insert(invoice::ActiveModel::from(note.clone()))
        .exec_without_returning(conn)
        .await?;
    Ok(Some(note))
}

/// The brand's country, as the document names it.
fn billed_country(draft: &invoice::Model) -> ApiResult<String> {
    let customer: super::Party = decoded("invoice customer", &draft.customer)?;
    Ok(customer.country)
}

/// States a document's VAT in the brand's national currency when it is in
/// another (VAT Directive art. 230): at the tenant's reference rate of the
/// issue day (the last published on or before it, a week back at most, as
/// sales convert), the rate and its day kept with it. Without such a rate
/// the document states its own currency only, and the log says so.
async fn in_national_currency(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    draft: &mut invoice::Model,
    country: &str,
) -> ApiResult<()> {
    let Some(national) = crate::engine::vat::national_currency(country) else {
        return Ok(());
    };
    if national == draft.currency || draft.vat_minor == 0 {
        return Ok(());
    }
    let day = draft.issue_date;
    let book = crate::fx::book(
        conn,
        tenant_id,
        [draft.currency.as_str(), national],
        day,
        day,
    )
    .await?;
    let Some(found) = book.cross(&draft.currency, national, day) else {
        tracing::warn!(
            tenant = tenant_id,
            payout = draft.payout_id,
            "no {}/{national} rate on or a week before {day}: the invoice states its VAT in {} only",
            draft.currency,
            draft.currency
        );
        return Ok(());
    };
    let rate = found.cross.rate().normalize().to_string();
    draft.tax_vat_minor = Some(stated_in(
        &draft.currency,
        national,
        &rate,
        draft.vat_minor,
    )?);
    draft.tax_currency = Some(national.to_owned());
    draft.tax_rate = Some(rate);
    draft.tax_rate_day = Some(found.day);
    Ok(())
}

/// `vat_minor` of `from` at `rate` in `to`'s minor units, rounded once
/// (SPEC §2): the stated rate reproduces the stated amount.
fn stated_in(from: &str, to: &str, rate: &str, vat_minor: i64) -> ApiResult<i64> {
    use rust_decimal::prelude::*;
    let (from, to) = (
        crate::engine::Currency::parse(from).map_err(|e| ApiError::internal("currency", e))?,
        crate::engine::Currency::parse(to).map_err(|e| ApiError::internal("currency", e))?,
    );
    let rate = Decimal::from_str(rate).map_err(|e| ApiError::internal("tax rate", e))?;
    let converted = from
        .from_minor(vat_minor)
        .checked_mul(rate)
        .ok_or_else(|| ApiError::internal("tax rate", "out of range"))?;
    to.to_minor(to.round(converted))
        .map_err(|e| ApiError::internal("tax amount", e))
}

/// `total` spread over the lines by their shares, each rounded once (SPEC
/// §2) and what rounding leaves on the largest: the shares sum to `total`
/// exactly, and equal the lines when `total` is their sum.
fn spread(lines: &[InvoiceLine], total: i64) -> Vec<i64> {
    use rust_decimal::prelude::*;
    let sum: i64 = lines.iter().map(|l| l.amount_minor).sum();
    if sum == 0 {
        let mut shares = vec![0; lines.len()];
        if let Some(first) = shares.first_mut() {
            *first = total;
        }
        return shares;
    }
    let mut shares: Vec<i64> = lines
        .iter()
        .map(|l| {
            (Decimal::from(total) * Decimal::from(l.amount_minor) / Decimal::from(sum))
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_i64()
                .unwrap_or(0)
        })
        .collect();
    let left = total - shares.iter().sum::<i64>();
    let largest = (0..lines.len()).max_by_key(|&i| lines[i].amount_minor.abs());
    if let Some(i) = largest {
        shares[i] += left;
    }
    shares
}

/// A payout's lines: per campaign, what its commissions earned and, apart,
/// what its clawbacks took back. A line says what is billed — the brand's
/// `service` (`Vermittlungsprovisionen`, and `…, taken back`), else
/// "Commissions" and "Clawbacks", in the document's language (`said`) —
/// and the campaign it was earned in,
/// unless that is the tenant's default campaign, whose name is revshare's
/// own and no partner's concern.
async fn lines(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    rows: &[commission::Model],
    service: Option<&str>,
    said: &super::words::Words,
) -> ApiResult<Vec<InvoiceLine>> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.campaign_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<String, (String, String)> = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| {
            let (earned, taken) = match service {
                Some(service) => (
                    service.to_owned(),
                    super::words::fill(said.taken_back, &[("what", service)]),
                ),
                None => (said.commissions.to_owned(), said.clawbacks.to_owned()),
            };
            let named = match c.is_default {
                true => (earned, taken),
                false => (
                    format!("{earned}, {}", c.name),
                    format!("{taken}, {}", c.name),
                ),
            };
            (c.id, named)
        })
        .collect();
    // ((earned's, taken's description), id) → (earned, taken back)
    let mut sums: BTreeMap<((String, String), String), (i64, i64)> = BTreeMap::new();
    for row in rows {
        let name = names.get(&row.campaign_id).cloned().unwrap_or_default();
        let entry = sums.entry((name, row.campaign_id.clone())).or_default();
        match row.amount_minor < 0 {
            true => entry.1 += row.amount_minor,
            false => entry.0 += row.amount_minor,
        }
    }
    let mut lines = Vec::new();
    for (((earned_as, taken_as), id), (earned, taken)) in sums {
        if earned != 0 {
            lines.push(InvoiceLine {
                campaign_id: id.clone(),
                description: earned_as,
                amount_minor: earned,
                set_off: false,
                sale: None,
            });
        }
        if taken != 0 {
            lines.push(InvoiceLine {
                campaign_id: id,
                description: taken_as,
                amount_minor: taken,
                set_off: false,
                sale: None,
            });
        }
    }
    Ok(lines)
}

/// A line for each clawback set off: what it took back, of which
/// campaign, and the sale it corrects (its id at the source).
async fn set_off_lines(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    rows: &[commission::Model],
    service: Option<&str>,
    said: &super::words::Words,
) -> ApiResult<Vec<InvoiceLine>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let originals: Vec<String> = rows.iter().filter_map(|r| r.original_id.clone()).collect();
    let events: HashMap<String, String> = commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::Id.is_in(originals))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.event_id))
        .collect();
    let mut event_ids: Vec<String> = events.values().cloned().collect();
    event_ids.sort();
    event_ids.dedup();
    let sales: HashMap<String, String> = entity::event::Entity::find()
        .filter(entity::event::Column::TenantId.eq(tenant_id))
        .filter(entity::event::Column::Id.is_in(event_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.external_id))
        .collect();
    let what = service.unwrap_or(said.commission);
    let mut lines: Vec<InvoiceLine> = rows
        .iter()
        .map(|row| {
            let sale = row
                .original_id
                .as_ref()
                .and_then(|o| events.get(o))
                .map(|event| sales.get(event).cloned().unwrap_or_else(|| event.clone()));
            InvoiceLine {
                campaign_id: row.campaign_id.clone(),
                description: super::words::fill(
                    said.set_off_line,
                    &[("what", what), ("sale", sale.as_deref().unwrap_or("?"))],
                ),
                amount_minor: row.amount_minor,
                set_off: true,
                sale,
            }
        })
        .collect();
    lines.sort_by(|a, b| (&a.sale, a.amount_minor).cmp(&(&b.sale, b.amount_minor)));
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

#[cfg(test)]
mod tests {
    use super::{InvoiceLine, spread};

    fn line(campaign: &str, amount_minor: i64) -> InvoiceLine {
        InvoiceLine {
            campaign_id: campaign.into(),
            description: format!("Commissions, {campaign}"),
            amount_minor,
            set_off: false,
            sale: None,
        }
    }

    #[test]
    fn a_share_of_the_lines_sums_to_it_and_the_whole_is_the_lines() {
        let lines = [line("a", 100_000), line("b", 80_000), line("c", -10_000)];
        assert_eq!(spread(&lines, 30_000), vec![17_647, 14_118, -1_765]);
        assert_eq!(spread(&lines, 30_000).iter().sum::<i64>(), 30_000);
        assert_eq!(spread(&lines, 170_000), vec![100_000, 80_000, -10_000]);
        assert_eq!(spread(&lines, 1), vec![1, 0, 0]);
        assert_eq!(spread(&[], 0), Vec::<i64>::new());
    }
}

//! A transfer taken back — Stripe's reversed (`transfer.reversed`), in
//! part or in full, or Wise's bounced back after it was sent (in full):
//! exactly
//! `amount_reversed` comes back, to the cent, in one transaction with the
//! payout's partner locked.
//!
//! - The transfer, once known to exist, settles the payout: a pending one
//!   is paid first (its commissions `PAID`), whichever of
//!   `transfer.created` and `transfer.reversed` arrives first.
//! - In part: the payout stays paid for the rest, and what came back is
//!   owed again — a `TRANSFER_REVERSED` adjustment, `APPROVED`, that the
//!   next run pays (netted with whatever else the partner is owed). Of a
//!   self-billed payout with VAT, the adjustment is the net share of what
//!   came back: the next payout adds its VAT again, and a credit note
//!   takes back that share and its VAT from the invoice (SPEC §33).
//! - In full: the payout is `FAILED` and its commissions go back to
//!   `APPROVED` for the next run; a part owed again by an earlier partial
//!   reversal is taken back, so nothing is owed twice; its self-billed
//!   invoice, if it had one, gets a credit note for what no earlier one
//!   credited.
//! - The adjustment is money that moved, not money earned: a refund of the
//!   sale later takes back what the sale earned, never the adjustment
//!   (only a tier's adjustments follow their commission).
//!
//! Stripe's `amount_reversed` is the transfer's running total, so an event
//! returns only what no earlier one did: twice, or out of order, the
//! payout ends the same.
//!
//! Each reversal that changes something says so in the activity log, in
//! its transaction, as the rail (SPEC §34): the payout with what changed
//! of it (`reversedAmount`, and `status` and `railStatus` when it moved),
//! and the credit note it issued.

use super::record::announce_rail;
use crate::activity::{self, Actor, Entry};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::DomainEventType;
use crate::payouts::invoicing::issue::{Credited, credit_note};
use crate::payouts::issue::announce;
use crate::payouts::{settle, tax_payments};
use crate::posting::breakdown::{BreakdownLine, TransferReversedLine};
use crate::posting::{NewCommission, Posting, TermsRef};
use entity::enums::{CommissionKind, CommissionStatus, PayoutStatus, RailStatus, TaxPaymentSource};
use entity::{commission, invoice, payout};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

/// Who acts for a reversal: the payout's rail.
fn actor(payout: &payout::Model) -> String {
    format!(
        "rail:{}",
        payout.rail.map(|r| r.as_str()).unwrap_or("STRIPE_CONNECT")
    )
}

/// The provider that took the transfer back, by name.
fn provider(payout: &payout::Model) -> &'static str {
    match payout.rail {
        Some(entity::enums::PayoutRail::Wise) => "Wise",
        Some(entity::enums::PayoutRail::PaypalPayouts) => "PayPal",
        _ => "Stripe",
    }
}

/// The act's name in the activity log.
const ACTION: &str = "transferReversed";

/// What Stripe said of a transfer it reversed.
#[derive(Debug, Clone)]
pub struct Reversed {
    pub transfer: String,
    /// The transfer's `amount_reversed`: every reversal of it so far, in
    /// its currency's minor units.
    pub amount_reversed_minor: i64,
}

/// Records the reversal of the tenant's payout's transfer; the payout as
/// it is after (`None`: not a payout of a rail of the tenant).
pub async fn record(
    db: &Db,
    tenant_id: &str,
    payout_id: &str,
    reversed: &Reversed,
) -> ApiResult<Option<payout::Model>> {
    db.transaction(|txn| {
        let reversed = reversed.clone();
        Box::pin(async move {
            let payout = match settle::lock(&*txn, tenant_id, payout_id).await {
                Ok(payout) => payout,
                Err(ApiError::NotFound(_)) => return Ok(None),
                Err(err) => return Err(err),
            };
            if payout.rail.is_none() {
                return Ok(None);
            }
            let was = Was::of(&payout);
            let now = crate::db::now();
            let payout = match payout.status {
                // The transfer exists: it paid the payout.
                PayoutStatus::Pending => {
                    let actor = actor(&payout);
                    let transfer = reversed.transfer.clone();
                    let paid = settle::pay_locked(
                        &*txn,
                        tenant_id,
                        &actor,
                        payout,
                        &reversed.transfer,
                        |active| {
                            active.rail_status = Set(Some(RailStatus::Succeeded));
                            active.rail_reference = Set(Some(transfer));
                            active.rail_error = Set(None);
                            active.rail_next_at = Set(None);
                            active.rail_updated_at = Set(Some(now));
                        },
                    )
                    .await?;
                    announce_rail(&*txn, &paid, now).await?;
                    paid
                }
                PayoutStatus::Paid => payout,
                // Reversed in full already, or failed before it left.
                PayoutStatus::Failed => return Ok(Some(payout)),
            };
            // What the transfer sent: the payout less backup withholding.
            let whole = crate::payouts::withholding::sent_minor(&payout);
            let total = reversed.amount_reversed_minor.clamp(0, whole);
            if total <= payout.reversed_minor {
                // Old news; but a pending payout the transfer paid moved.
                said(&*txn, was, &payout, None, now).await?;
                return Ok(Some(payout));
            }
            // What came back was not paid after all: a negative payment
            // on the day it came back, for the year-end forms. Reversed
            // whole, the payout was never made: what it withheld goes too.
            let zone = crate::payouts::tenant_zone(&*txn, tenant_id).await?;
            let mut returned = tax_payments::of_payout(&payout, zone);
            if let Some(payment) = returned.as_mut() {
                let whole_back = total == whole;
                let withheld = payout.withheld_minor * i64::from(whole_back);
                payment.amount_minor =
                    net_of(&payout, payout.reversed_minor)? - net_of(&payout, total)? - withheld;
                payment.withheld_minor = -withheld;
                payment.paid_on = tax_payments::day_in(zone, now);
                payment.source = TaxPaymentSource::Reversal;
            }
            let by = actor(&payout);
            tax_payments::record(&*txn, tenant_id, &by, returned.into_iter().collect()).await?;
            let (after, note) = match total == whole {
                true => in_full(&txn, payout, &reversed.transfer, now).await?,
                false => in_part(&txn, payout, &reversed.transfer, total, now).await?,
            };
            said(&*txn, was, &after, note.as_ref(), now).await?;
            Ok(Some(after))
        })
    })
    .await
}

/// What the payout was when the reversal arrived.
#[derive(Debug, Clone, Copy)]
struct Was {
    status: PayoutStatus,
    rail_status: Option<RailStatus>,
    reversed_minor: i64,
}

impl Was {
    fn of(payout: &payout::Model) -> Was {
        Was {
            status: payout.status,
            rail_status: payout.rail_status,
            reversed_minor: payout.reversed_minor,
        }
    }
}

/// The rail's entries of a reversal, in its transaction: the payout with
/// each field that changed (none when nothing did), and the credit note
/// it issued, each field from nothing.
async fn said(
    conn: &impl ConnectionTrait,
    was: Was,
    payout: &payout::Model,
    note: Option<&invoice::Model>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let rail = |s: Option<RailStatus>| s.map(|s| s.as_str().to_owned());
    let sent = |minor| Some(activity::decimal(minor, &payout.currency));
    let moved = Entry::on(
        &payout.tenant_id,
        Actor::system(&actor(payout)),
        ACTION,
        "Payout",
        &payout.id,
    )
    .about(&payout.partner_id)
    .changing(
        "status",
        Some(was.status.as_str().to_owned()),
        Some(payout.status.as_str().to_owned()),
    )
    .changing(
        "railStatus",
        rail(was.rail_status),
        rail(payout.rail_status),
    )
    .changing(
        "reversedAmount",
        sent(was.reversed_minor),
        sent(payout.reversed_minor),
    );
    let mut entries = Vec::new();
    if !moved.changes.is_empty() {
        entries.push(moved);
    }
    if let Some(note) = note {
        let amount = |minor| Some(activity::decimal(minor, &note.currency));
        entries.push(
            Entry::on(
                &note.tenant_id,
                Actor::system(&actor(payout)),
                ACTION,
                "Invoice",
                &note.id,
            )
            .about(&note.partner_id)
            .changing("type", None, Some(note.kind.as_str().to_owned()))
            .changing("number", None, Some(note.number.clone()))
            .changing("correctsId", None, note.corrects_id.clone())
            .changing("net", None, amount(note.net_minor))
            .changing("vat", None, amount(note.vat_minor))
            .changing("gross", None, amount(note.gross_minor)),
        );
    }
    activity::record(conn, now, entries).await?;
    Ok(())
}

/// Part of a paid payout's transfer came back: what no earlier reversal
/// returned is owed again. Answers the payout and the credit note issued.
async fn in_part(
    txn: &crate::db::Txn,
    payout: payout::Model,
    transfer: &str,
    total: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<(payout::Model, Option<invoice::Model>)> {
    let owed = total - payout.reversed_minor;
    // Owed again as commission: its net share, which the next payout
    // pays with its VAT again.
    let owed_net = net_of(&payout, total)? - net_of(&payout, payout.reversed_minor)?;
    owe(txn, &payout, transfer, owed_net, now).await?;
    // Its self-billed invoice is credited by what came back (SPEC §33).
    let credited = Credited::UpTo {
        gross_minor: total,
        net_minor: net_of(&payout, total)?,
    };
    let credit = credit_note(txn, &payout.tenant_id, &payout.id, credited, now).await?;
    let note = format!(
        "{} reversed {} of {} {} (transfer {transfer}): {} is owed again and paid by the next run",
        provider(&payout),
        amount(&payout, total)?,
        amount(&payout, crate::payouts::withholding::sent_minor(&payout))?,
        payout.currency,
        amount(&payout, owed)?,
    );
    let mut active = payout.into_active_model();
    active.reversed_minor = Set(total);
    active.rail_error = Set(Some(note));
    active.rail_updated_at = Set(Some(now));
    let noted = active.update(txn).await?;
    announce_rail(txn, &noted, now).await?;
    Ok((noted, credit))
}

/// A paid payout's transfer came back whole: it failed, and its
/// commissions go to the next run. Answers the payout and the credit note
/// issued.
async fn in_full(
    txn: &crate::db::Txn,
    payout: payout::Model,
    transfer: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<(payout::Model, Option<invoice::Model>)> {
    let reason = format!(
        "{} reversed transfer {transfer} in full ({} {}): its commissions go to the next run",
        provider(&payout),
        amount(&payout, crate::payouts::withholding::sent_minor(&payout))?,
        payout.currency,
    );
    // What an earlier partial reversal made owed again is in the
    // commissions now going back.
    if payout.reversed_minor > 0 {
        let owed_net = net_of(&payout, payout.reversed_minor)?;
        owe(txn, &payout, transfer, -owed_net, now).await?;
    }
    let by = actor(&payout);
    crate::posting::unpay(txn, &payout.tenant_id, &payout.id, &by, now, &reason).await?;
    let tenant_id = payout.tenant_id.clone();
    let whole = crate::payouts::withholding::sent_minor(&payout);
    let payout_rail = payout.rail;
    let mut active = payout.into_active_model();
    active.status = Set(PayoutStatus::Failed);
    active.failed_at = Set(Some(now));
    active.failure_reason = Set(Some(reason.clone()));
    active.reversed_minor = Set(whole);
    // Wise's bounce is its own word: `RETURNED`.
    active.rail_status = Set(Some(match payout_rail {
        Some(entity::enums::PayoutRail::Wise) => RailStatus::Returned,
        _ => RailStatus::Failed,
    }));
    active.rail_error = Set(Some(reason));
    active.rail_updated_at = Set(Some(now));
    let failed = active.update(txn).await?;
    // Its self-billed invoice is credited by what no earlier note took
    // back (SPEC §33).
    let credit = credit_note(txn, &tenant_id, &failed.id, Credited::Whole, now).await?;
    let event = announce(DomainEventType::PayoutFailed, &failed, now)?;
    crate::events::append(txn, &tenant_id, now, vec![event]).await?;
    announce_rail(txn, &failed, now).await?;
    Ok((failed, credit))
}

/// The net share of `sent_minor` of a payout's transfer: all of it for a
/// payout without VAT; for a self-billed one with VAT (SPEC §33), the part
/// its net is of net + VAT, rounded once (SPEC §2). Taken of running totals
/// (what came back so far), so the shares of several reversals add up to
/// the net exactly.
fn net_of(payout: &payout::Model, sent_minor: i64) -> ApiResult<i64> {
    use rust_decimal::prelude::*;
    if payout.vat_minor == 0 || payout.amount_minor == 0 {
        return Ok(sent_minor);
    }
    // In the proportion of its invoice's net to its gross: what it set
    // off (SPEC §33b) is outside both.
    let base = crate::payouts::invoicing::vat_base(payout)?;
    (Decimal::from(sent_minor) * Decimal::from(base) / Decimal::from(base + payout.vat_minor))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .ok_or_else(|| ApiError::internal("reversal", "out of range"))
}

/// An adjustment of `minor` (owed again, or taken back when negative) to
/// the payout's partner, on the payout's first commission.
async fn owe(
    txn: &crate::db::Txn,
    payout: &payout::Model,
    transfer: &str,
    minor: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let first = first_commission(txn, payout).await?;
    let mut posting = Posting::new(now);
    posting.add(NewCommission {
        kind: CommissionKind::Adjustment,
        status: CommissionStatus::Approved,
        tenant_id: payout.tenant_id.clone(),
        partner_id: payout.partner_id.clone(),
        campaign_id: first.campaign_id.clone(),
        event_id: first.event_id.clone(),
        amount_minor: minor,
        currency: payout.currency.clone(),
        terms: TermsRef {
            snapshot_id: first.snapshot_id.clone(),
            rules_source: first.rules_source,
        },
        breakdown: vec![BreakdownLine::TransferReversed(TransferReversedLine {
            payout_id: payout.id.clone(),
            transfer: transfer.to_owned(),
            amount: amount(payout, minor)?,
        })],
        accrued_at: now,
        holdback_days: None,
        original_id: Some(first.id.clone()),
        reason: None,
        note: Some(format!(
            "transfer {transfer} of payout {} reversed by {}",
            payout.id,
            provider(payout)
        )),
        deal: crate::posting::DealRef::of(&first),
        tier_id: None,
        revenue_minor: None,
    })?;
    posting.write(txn).await
}

/// The payout's first commission (by id), whose event and terms an
/// adjustment of the payout hangs from.
async fn first_commission(
    conn: &impl ConnectionTrait,
    payout: &payout::Model,
) -> ApiResult<commission::Model> {
    commission::Entity::find()
        .filter(commission::Column::TenantId.eq(payout.tenant_id.as_str()))
        .filter(commission::Column::PayoutId.eq(payout.id.as_str()))
        .order_by_asc(commission::Column::Id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("reversed payout", "holds no commission"))
}

fn amount(payout: &payout::Model, minor: i64) -> ApiResult<rust_decimal::Decimal> {
    let currency = crate::engine::Currency::parse(&payout.currency)
        .map_err(|e| ApiError::internal("payout currency", e))?;
    Ok(currency.from_minor(minor))
}

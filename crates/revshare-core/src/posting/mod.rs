//! How the ledger's rows are written and changed: new rows, status moves,
//! and the balances they keep. Every commission row — accrued on an event,
//! clawed back by a refund, appended as an adjustment, earned on a deal — is
//! built here from a typed [`NewCommission`] and written by [`Posting`];
//! no other module spells out a commission row.
//!
//! **New rows.** A producer adds its rows to a [`Posting`] (which answers
//! with each row as it will be stored, ids and timestamps set) and writes
//! them at once: one multi-row insert per 500 rows and one balance upsert,
//! whatever the number of rows.
//!
//! **One mover per commission.** A mutation that moves commissions first
//! locks them with [`locks::commissions`] (`SELECT … FOR UPDATE`, in id order, so two
//! mutations naming the same rows in different orders queue instead of
//! deadlocking), checks what it needs against the locked rows, and then
//! moves them with [`apply_move`]: one conditional `UPDATE` for the set, one
//! multi-row insert of history, one upsert of balances — three statements
//! whatever the number of rows. A refund and a reversal (or an approval) of
//! the same commission therefore run one after the other, and each sees what
//! the other did: the answer is the one they would give in sequence.
//!
//! **Lock order** ([`locks`] takes every lock but the balances'). Partners, then commissions (by id), then balances
//! (partners' by partner, currency, status; then contacts' alike). Accrual and refunds lock a partner first;
//! approvals and reversals start at the commissions; every transaction
//! touches balances last. No transaction waits for a lock earlier in the
//! order while holding a later one, so none can deadlock with another;
//! should the database still report one, [`crate::db::Db::retrying`] runs
//! the transaction again.
//!
//! **Balances.** `partner_balances` holds each partner's sum and count of
//! commissions per currency and status — its own commissions and its own
//! people's spiffs, never a spiff to one of the tenant's staff — and
//! `contact_balances` each payee contact's. Every insert of a ledger row,
//! every move and every naming of a recipient adds its deltas there
//! ([`add_to_balances`]), in the same transaction, so a balance is read by
//! key, whatever its history.

mod balances;
pub mod breakdown;
pub mod fraud;
mod holds;
pub mod locks;
mod moves;
mod recipients;
mod rows;
pub mod stats;

pub(crate) use balances::{Deltas, add_to_balances, add_totals};
pub(crate) use holds::{hold_for_payout, release_from_payout, unpay};
pub(crate) use moves::{Move, apply_move, conflict, in_request_order};
pub(crate) use recipients::name_recipient;
pub use rows::{DealRef, ImportedTimes, NewCommission, Posting, TermsRef};

use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use chrono::{DateTime, Utc};
use entity::commission;

/// An amount earned, rounded once, in minor units — or, when it is beyond
/// what one ledger row holds ([`crate::engine::money::MAX_AMOUNT`]),
/// `BAD_USER_INPUT` naming `field`, the input that made it so large. Every
/// producer converts what it computed through here, so no event's terms can
/// turn it into an internal error on every redelivery.
pub fn earned_minor(
    currency: crate::engine::Currency,
    amount: rust_decimal::Decimal,
    field: &str,
) -> ApiResult<i64> {
    currency.to_minor(currency.round(amount)).map_err(|_| {
        ApiError::bad_input(
            field,
            format!(
                "earns {} {currency}, more than one commission may be (at most {})",
                currency.round(amount),
                crate::engine::money::MAX_AMOUNT
            ),
        )
    })
}

/// A running total kept in minor units (a partner's LTV, a tier's
/// progress) plus `amount`, or `BAD_USER_INPUT` naming `field` when the sum
/// would leave the range the ledger stores.
pub fn added_minor(total: i64, amount: i64, field: &str) -> ApiResult<i64> {
    total.checked_add(amount).ok_or_else(|| {
        ApiError::bad_input(
            field,
            "takes a running total beyond the range the ledger stores",
        )
    })
}

/// Rows per multi-row statement: 500 commissions bind 11,500 values, well
/// under both backends' limits.
pub(crate) const WRITE_CHUNK: usize = 500;

/// The domain event of a row written (`mv`: none) or moved. A spiff to one
/// of the tenant's staff concerns no partner: its partner does not hear of it.
fn event(
    row: &commission::Model,
    kind: DomainEventType,
    mv: Option<&Move<'_>>,
    at: DateTime<Utc>,
) -> ApiResult<NewDomainEvent> {
    let currency = crate::engine::Currency::parse(&row.currency)
        .map_err(|e| ApiError::internal("commission currency", e))?;
    let mut data = serde_json::json!({
        "kind": row.kind.as_str(),
        "amount": currency.from_minor(row.amount_minor).to_string(),
        "currency": row.currency,
        "status": mv.map_or(row.status, |mv| mv.to).as_str(),
        "eventId": row.event_id,
    });
    if let Some(mv) = mv {
        data["fromStatus"] = mv.from.as_str().into();
    }
    if let Some(original) = &row.original_id {
        data["originalId"] = original.as_str().into();
    }
    Ok(NewDomainEvent {
        kind,
        occurred_at: at,
        partner_id: (!row.staff_payee).then(|| row.partner_id.clone()),
        subject_id: row.id.clone(),
        data,
    })
}

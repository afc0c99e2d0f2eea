//! Refunds (SPEC §7): a full refund of an event reverses its `ACCRUED`
//! commission; any other refund appends a negative `CLAWBACK` row, pro rata at
//! the original commission's rate, linked to it. Clawbacks are approved at
//! once and net against the partner's next payout. The customer's net
//! charges drop by the refund, so later events see the lower LTV.
//!
//! A refund locks the event's partner, then the event's commissions (see
//! [`super::posting`]) and decides on the locked rows: a reversal or an
//! approval racing it waits, or is waited for, and each answers what it
//! would have answered in sequence.

use super::posting::{self, Deltas};
use super::transitions::reverse_locked;
use super::{CommissionKind, CommissionStatus, ReversalReason};
use crate::db::Db;
use crate::engine::{Currency, clawback_minor};
use crate::error::{ApiError, ApiResult};
use crate::input;
use entity::{commission, customer, event, partner_total, refund};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub enum EventRef {
    Id(String),
    ExternalId(String),
}

pub struct NewRefund {
    pub event: EventRef,
    /// Omitted: everything not refunded yet.
    pub amount: Option<Decimal>,
    pub reason: ReversalReason,
    pub note: Option<String>,
}

pub struct Refunded {
    pub event: event::Model,
    pub reversed: Vec<commission::Model>,
    pub clawbacks: Vec<commission::Model>,
}

pub async fn record(db: &Db, tenant_id: &str, actor: &str, new: NewRefund) -> ApiResult<Refunded> {
    let note = input::optional_text("input.note", new.note.as_deref(), input::MAX_NOTE_CHARS)?;
    let (new, note) = (&new, &note);
    db.retrying(|| async move {
        let txn = db.write().await?;
        let refunded = refund(&*txn, tenant_id, actor, new, note.clone()).await?;
        txn.commit().await?;
        Ok(refunded)
    })
    .await
}

async fn refund(
    txn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    new: &NewRefund,
    note: Option<String>,
) -> ApiResult<Refunded> {
    let found = match &new.event {
        EventRef::Id(id) => {
            event::Entity::find_by_id(id.clone())
                .filter(event::Column::TenantId.eq(tenant_id))
                .one(txn)
                .await?
        }
        EventRef::ExternalId(external) => {
            super::accrual::find_event(txn, tenant_id, external).await?
        }
    };
    let event = found.ok_or_else(|| ApiError::not_found("event"))?;
    // The partner lock orders refunds with accruals and payouts of the same
    // partner.
    super::transitions::lock_partners(txn, [event.partner_id.clone()]).await?;
    let event = event::Entity::find_by_id(event.id.clone())
        .one(txn)
        .await?
        .unwrap_or(event);

    let currency =
        Currency::parse(&event.currency).map_err(|e| ApiError::internal("event currency", e))?;
    let remaining = event.amount_minor - event.refunded_minor;
    let refund_minor = match new.amount {
        Some(amount) => {
            let minor = currency
                .to_minor(amount)
                .map_err(|e| ApiError::bad_input("input.amount", e.to_string()))?;
            if minor <= 0 {
                return Err(ApiError::bad_input(
                    "input.amount",
                    "must be greater than 0",
                ));
            }
            if minor > remaining {
                return Err(ApiError::bad_input(
                    "input.amount",
                    format!(
                        "must be at most the unrefunded {}",
                        currency.from_minor(remaining)
                    ),
                ));
            }
            minor
        }
        None if remaining > 0 => remaining,
        None => {
            return Err(ApiError::Conflict(
                "the event is already fully refunded".into(),
            ));
        }
    };
    let full_refund = event.refunded_minor == 0 && refund_minor == event.amount_minor;
    let now = crate::db::now();

    // Locked, in id order: a reversal or approval of these rows waits for
    // this refund (or this refund for it), and what is read is current.
    let originals = commission::Entity::find()
        .filter(commission::Column::EventId.eq(event.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission.as_str()))
        .order_by_asc(commission::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    let mut reversed = Vec::new();
    let mut clawbacks = Vec::new();
    let mut deltas = Deltas::default();
    for original in originals {
        let status = CommissionStatus::parse(&original.status)?;
        if status == CommissionStatus::Reversed {
            continue;
        }
        if full_refund && status == CommissionStatus::Accrued {
            reversed.push(reverse_locked(txn, original, actor, new.reason, note.clone()).await?);
            continue;
        }
        let amount = clawback_minor(
            original.amount_minor,
            event.amount_minor,
            event.refunded_minor,
            refund_minor,
        );
        if amount == 0 {
            continue;
        }
        let row = commission::ActiveModel {
            id: Set(input::new_id()),
            tenant_id: Set(tenant_id.to_owned()),
            partner_id: Set(original.partner_id.clone()),
            campaign_id: Set(original.campaign_id.clone()),
            event_id: Set(original.event_id.clone()),
            snapshot_id: Set(original.snapshot_id.clone()),
            kind: Set(CommissionKind::Clawback.as_str().to_owned()),
            amount_minor: Set(-amount),
            currency: Set(original.currency.clone()),
            status: Set(CommissionStatus::Approved.as_str().to_owned()),
            breakdown: Set(serde_json::json!([])),
            rules_source: Set(original.rules_source.clone()),
            original_id: Set(Some(original.id.clone())),
            accrued_at: Set(now),
            recorded_at: Set(now),
            holdback_days: Set(None),
            mature_at: Set(Some(now)),
            approved_at: Set(Some(now)),
            paid_at: Set(None),
            reversed_at: Set(None),
            reversal_reason: Set(Some(new.reason.as_str().to_owned())),
            reversal_note: Set(note.clone()),
            payout_id: Set(None),
        };
        let clawback = commission::Entity::insert(row)
            .exec_with_returning(txn)
            .await?;
        deltas.add(&clawback, CommissionStatus::Approved);
        clawbacks.push(clawback);
    }
    posting::add_to_balances(txn, deltas).await?;

    refund::Entity::insert(refund::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        event_id: Set(event.id.clone()),
        amount_minor: Set(refund_minor),
        currency: Set(event.currency.clone()),
        reason: Set(new.reason.as_str().to_owned()),
        note: Set(note),
        created_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;
    event::Entity::update_many()
        .col_expr(
            event::Column::RefundedMinor,
            Expr::col(event::Column::RefundedMinor).add(refund_minor),
        )
        .filter(event::Column::Id.eq(event.id.as_str()))
        .exec(txn)
        .await?;
    if let Some(customer_id) = &event.customer_id {
        // The partner lock keeps the customer's net as read until commit.
        let customer = customer::Entity::find_by_id(customer_id.clone())
            .one(txn)
            .await?
            .ok_or_else(|| ApiError::internal("refunded customer", customer_id))?;
        let after = customer.net_minor - refund_minor;
        customer::Entity::update_many()
            .col_expr(customer::Column::NetMinor, Expr::value(after))
            .filter(customer::Column::Id.eq(customer_id.as_str()))
            .exec(txn)
            .await?;
        // The partner's totals follow: its LTV drops by the refund, and a
        // customer no longer net-positive no longer counts as paying.
        let stopped_paying = i64::from(customer.net_minor > 0 && after <= 0);
        partner_total::Entity::update_many()
            .col_expr(
                partner_total::Column::LtvMinor,
                Expr::col(partner_total::Column::LtvMinor).sub(refund_minor),
            )
            .col_expr(
                partner_total::Column::PayingCustomers,
                Expr::col(partner_total::Column::PayingCustomers).sub(stopped_paying),
            )
            .filter(partner_total::Column::PartnerId.eq(customer.partner_id.as_str()))
            .filter(partner_total::Column::Currency.eq(customer.currency.as_str()))
            .exec(txn)
            .await?;
    }
    let event = event::Entity::find_by_id(event.id.clone())
        .one(txn)
        .await?
        .unwrap_or(event);
    Ok(Refunded {
        event,
        reversed,
        clawbacks,
    })
}

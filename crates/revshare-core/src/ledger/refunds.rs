//! Refunds (SPEC §7): a full refund of an event reverses its `ACCRUED`
//! commission; any other refund appends a negative `CLAWBACK` row, pro rata at
//! the original commission's rate, linked to it. A sale recorded with lines
//! is refunded line by line: the named lines, or every line pro rata, each
//! line's share of the commission given back ([`super::line_refunds`]) —
//! a sale held unattributed too: what each of its lines had refunded while
//! held is kept on it, and taken off those lines of the event it becomes
//! (SPEC §15, §32). Clawbacks are approved at
//! once and net against the partner's next payout. The customer's net
//! charges drop by the refund, so later events see the lower LTV; a
//! commission's tier adjustments follow it, and the partner's progress
//! toward tiers drops ([`crate::tiers::progress`]).
//!
//! A refund locks the event's partner, then the event's commissions (see
//! [`crate::posting::locks`]) and decides on the locked rows: a reversal or an
//! approval racing it waits, or is waited for, and each answers what it
//! would have answered in sequence.

use super::line_refunds::Split;
use super::transitions::reverse_locked;
use super::{CommissionKind, CommissionStatus, ReversalReason};
use crate::db::Db;
use crate::engagement::bounties::awards;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::posting::{Move, Posting};
use crate::tiers::progress::{self, Lowering, Share, clawback};
use chrono::{DateTime, Utc};
use entity::enums::EventKind;
use entity::{
    commission, customer, event, event_conversion, partner_total, refund, unattributed_event,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
};
use std::collections::BTreeMap;

pub enum EventRef {
    Id(String),
    ExternalId(String),
}

pub struct NewRefund {
    pub event: EventRef,
    /// Omitted: everything not refunded yet.
    pub amount: Option<Decimal>,
    /// The lines it comes off (SPEC §32), by their ids; omitted: every
    /// line pro rata.
    pub lines: Option<Vec<String>>,
    /// Exactly what it takes off each line, by id, in the sale's own
    /// currency: what was refunded of a sale while it was held, as kept
    /// on it. When given, `lines` and `amount` are not read.
    pub taken: Option<BTreeMap<String, Decimal>>,
    pub reason: ReversalReason,
    pub note: Option<String>,
}

/// What a refund did, every row of it.
pub struct Refunded {
    pub event: event::Model,
    /// What this refund took off the event, in its currency's minor units.
    pub refund_minor: i64,
    /// Each commission it reversed, followed by the tier adjustments
    /// reversed with it.
    pub reversed: Vec<commission::Model>,
    /// Each clawback it appended: of commissions, and of their adjustments.
    pub clawbacks: Vec<commission::Model>,
}

/// What `recordRefund` did: refunded an event, or an event held
/// unattributed (kept on it until it is accrued).
pub enum Recorded {
    Event(Box<Refunded>),
    Held(Box<unattributed_event::Model>),
}

pub async fn record(db: &Db, tenant_id: &str, actor: &str, new: NewRefund) -> ApiResult<Recorded> {
    let new = &checked(new)?;
    db.transaction(|txn| Box::pin(async move { record_txn(&txn, tenant_id, actor, new).await }))
        .await
}

/// A refund with its note checked (`input.note`).
pub fn checked(mut new: NewRefund) -> ApiResult<NewRefund> {
    new.note = input::optional_text("input.note", new.note.as_deref(), input::MAX_NOTE_CHARS)?;
    Ok(new)
}

/// [`record`] in the caller's transaction, its refund [`checked`]. Its
/// activity entry names the sale refunded (the event, or the event held
/// unattributed) and says what it refunded (SPEC §34).
pub async fn record_txn(
    txn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    new: &NewRefund,
) -> ApiResult<Recorded> {
    if let EventRef::ExternalId(external) = &new.event
        && super::accrual::find_event(txn, tenant_id, external)
            .await?
            .is_none()
        && let Some((before, held)) =
            refund_held_from(txn, tenant_id, external, new.amount, new.lines.as_deref()).await?
    {
        let shown = |minor| Some(crate::activity::decimal(minor, &held.currency));
        crate::activity::on("UnattributedEvent", &held.id);
        crate::activity::changed([("refundedAmount", shown(before), shown(held.refunded_minor))]);
        return Ok(Recorded::Held(Box::new(held)));
    }
    let refunded = refund(txn, tenant_id, actor, new, new.note.clone()).await?;
    let event = &refunded.event;
    let shown = |minor| Some(crate::activity::decimal(minor, &event.currency));
    let amounts = |rows: &[commission::Model]| {
        crate::activity::amounts(rows.iter().map(|c| (c.amount_minor, c.currency.as_str())))
    };
    crate::activity::on("Event", &event.id);
    crate::activity::about(&event.partner_id);
    crate::activity::changed([
        (
            "refundedAmount",
            shown(event.refunded_minor - refunded.refund_minor),
            shown(event.refunded_minor),
        ),
        ("reversed", None, amounts(refunded.reversed.as_slice())),
        ("clawbacks", None, amounts(refunded.clawbacks.as_slice())),
    ]);
    Ok(Recorded::Event(Box::new(refunded)))
}

/// What was refunded of an event while it was held, refunded on the event
/// it became, as any refund (a reversal or a clawback of what it earned):
/// each line by what it had refunded while held, as kept on the held row
/// (one refunded while held before that was kept: every line pro rata).
pub async fn refund_what_was_held(
    txn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    held: &unattributed_event::Model,
    event: &event::Model,
    note: &str,
) -> ApiResult<()> {
    if held.refunded_minor <= 0 {
        return Ok(());
    }
    let currency =
        Currency::parse(&held.currency).map_err(|e| ApiError::internal("held currency", e))?;
    let taken = super::line_refunds::refunded(held.refunded_lines.as_deref())?;
    let refund = NewRefund {
        event: EventRef::Id(event.id.clone()),
        amount: Some(currency.from_minor(held.refunded_minor)),
        lines: None,
        taken: (!taken.is_empty()).then_some(taken),
        reason: ReversalReason::Refund,
        note: Some(note.to_owned()),
    };
    record_in(txn, tenant_id, actor, &refund).await?;
    Ok(())
}

/// Records a refund inside the caller's transaction (a billing
/// connector's, in the transaction that marks its provider event handled).
pub async fn record_in(
    txn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    new: &NewRefund,
) -> ApiResult<Refunded> {
    refund(txn, tenant_id, actor, new, new.note.clone()).await
}

/// A refund of an event held unattributed (SPEC §15): kept on it, and
/// refunded on the event it becomes when its customer is attributed. Under
/// the customer's lock, as an attribution takes it. A sale held with lines
/// is refunded line by line as an event is — the `lines` named, or every
/// line pro rata — and what each line had refunded is kept on it; a line it
/// does not have, or more than is left, is refused naming the field, with
/// nothing written. `None`: no event is held under `external_id`.
pub async fn refund_held(
    txn: &crate::db::Txn,
    tenant_id: &str,
    external_id: &str,
    amount: Option<Decimal>,
    lines: Option<&[String]>,
) -> ApiResult<Option<unattributed_event::Model>> {
    let refunded = refund_held_from(txn, tenant_id, external_id, amount, lines).await?;
    Ok(refunded.map(|(_, held)| held))
}

/// [`refund_held`], with what the held event had refunded before (its
/// currency's minor units).
async fn refund_held_from(
    txn: &crate::db::Txn,
    tenant_id: &str,
    external_id: &str,
    amount: Option<Decimal>,
    lines: Option<&[String]>,
) -> ApiResult<Option<(i64, unattributed_event::Model)>> {
    let find = || {
        unattributed_event::Entity::find()
            .filter(unattributed_event::Column::TenantId.eq(tenant_id))
            .filter(unattributed_event::Column::ExternalId.eq(external_id))
            .filter(unattributed_event::Column::AccruedAt.is_null())
    };
    let Some(held) = find().one(txn).await? else {
        return Ok(None);
    };
    let customer = std::collections::BTreeSet::from([held.customer_external_id.as_str()]);
    crate::posting::locks::customers(txn, tenant_id, &customer).await?;
    let Some(held) = find().one(txn).await? else {
        return Ok(None);
    };
    let currency =
        Currency::parse(&held.currency).map_err(|e| ApiError::internal("held currency", e))?;
    let sold = super::line_refunds::held_lines(&held.payload)?;
    let kept = (held.refunded_lines.as_deref(), held.refunded_minor);
    let split = Split::of_lines(sold, kept, currency, lines, amount)?;
    let amount = split.as_ref().map(Split::total).or(amount);
    let remaining = held.amount_minor - held.refunded_minor;
    let refund_minor = checked_minor(currency, remaining, amount)?;
    let mut update = unattributed_event::Entity::update_many().col_expr(
        unattributed_event::Column::RefundedMinor,
        Expr::col(unattributed_event::Column::RefundedMinor).add(refund_minor),
    );
    if let Some(split) = &split {
        update = update.col_expr(
            unattributed_event::Column::RefundedLines,
            Expr::value(split.refunded_after()?),
        );
    }
    update
        .filter(unattributed_event::Column::Id.eq(held.id.as_str()))
        .exec(txn)
        .await?;
    let before = held.refunded_minor;
    Ok(find().one(txn).await?.map(|after| (before, after)))
}

/// Refunds an event (SPEC §7): the refund split among its lines and
/// taken off it, in the sale's own currency and the event's; its
/// commissions settled; the refund's row, the event's refunded amount and
/// the partner's history written; a bounty's goal rechecked.
async fn refund(
    txn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    new: &NewRefund,
    note: Option<String>,
) -> ApiResult<Refunded> {
    let event = locked_event(txn, tenant_id, &new.event).await?;
    // A sale converted from another currency is refunded in its own: the
    // refund takes its share of what the sale converted to (SPEC §22).
    let conversion = event_conversion::Entity::find_by_id(event.id.clone())
        .one(txn)
        .await?;
    let (own, lines) = split_among_lines(&event, conversion.as_ref(), new)?;
    let amount = lines.as_ref().map(Split::total).or(new.amount);
    let (refund_minor, sale_refund) = minor_refunds(&event, conversion.as_ref(), own, amount)?;
    if let Some(sale_refund) = sale_refund {
        add_sale_refund(txn, &event, sale_refund).await?;
    }
    let now = crate::db::now();
    let refund = Refund {
        event: &event,
        refund_minor,
        reason: new.reason,
        note,
        at: now,
    };
    let (mut reversed, clawbacks) = settle(txn, actor, &refund, lines.as_ref()).await?;
    insert_refund(txn, tenant_id, &refund, lines.as_ref()).await?;
    add_refund(txn, &event, refund_minor, lines.as_ref()).await?;
    lower_history(txn, &event, refund_minor).await?;
    // A performance bounty not matured yet is taken back with its goal.
    let (partner, reason) = (event.partner_id.as_str(), new.reason);
    reversed.extend(awards::recheck(txn, tenant_id, partner, actor, reason, now).await?);
    let event = event::Entity::find_by_id(event.id.clone())
        .one(txn)
        .await?
        .unwrap_or(event);
    Ok(Refunded {
        event,
        refund_minor,
        reversed,
        clawbacks,
    })
}

/// The sale's own currency, and the refund split among its lines in it
/// (`None`: a sale recorded without lines): what a held sale's lines had
/// refunded, exactly, else the lines named or every line pro rata.
fn split_among_lines(
    event: &event::Model,
    conversion: Option<&event_conversion::Model>,
    new: &NewRefund,
) -> ApiResult<(Currency, Option<Split>)> {
    // A sale's lines are in its own currency: a refund is split among them
    // first, and is what they give up (SPEC §32).
    let own = conversion.map_or(&event.currency, |c| &c.sale_currency);
    let own = Currency::parse(own).map_err(|e| ApiError::internal("sale currency", e))?;
    let refunded_so_far = conversion.map_or(event.refunded_minor, |c| c.refunded_sale_minor);
    // What a held sale's lines had refunded is taken off them exactly;
    // should the event hold none of it, its amount is refunded pro rata.
    let exact = match &new.taken {
        Some(taken) => Split::exact(event, own, refunded_so_far, taken)?,
        None => None,
    };
    let lines = match exact.filter(|split| !split.total().is_zero()) {
        Some(split) => Some(split),
        None => Split::of(
            event,
            own,
            refunded_so_far,
            new.lines.as_deref(),
            new.amount,
        )?,
    };
    Ok((own, lines))
}

/// The refund of `amount` (`None`: all that is left) in the event's
/// minor units, and for a sale converted from another currency in its own
/// (SPEC §22): the event's refund is then its share of what the sale
/// converted to.
fn minor_refunds(
    event: &event::Model,
    conversion: Option<&event_conversion::Model>,
    own: Currency,
    amount: Option<Decimal>,
) -> ApiResult<(i64, Option<i64>)> {
    let (refund_minor, sale_refund) = match conversion {
        Some(converted) => {
            let remaining = converted.sale_amount_minor - converted.refunded_sale_minor;
            let sale_refund = checked_minor(own, remaining, amount)?;
            let share = crate::engine::fx::refund_share(
                event.amount_minor,
                converted.sale_amount_minor,
                converted.refunded_sale_minor,
                sale_refund,
            );
            (share, Some(sale_refund))
        }
        None => (refund_minor(event, amount)?, None),
    };
    Ok((refund_minor, sale_refund))
}

/// What a converted sale had refunded in its own currency grows by
/// `sale_refund`.
async fn add_sale_refund(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    sale_refund: i64,
) -> ApiResult<()> {
    event_conversion::Entity::update_many()
        .col_expr(
            event_conversion::Column::RefundedSaleMinor,
            Expr::col(event_conversion::Column::RefundedSaleMinor).add(sale_refund),
        )
        .filter(event_conversion::Column::EventId.eq(event.id.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// The refund's row: what it took off the event, in the event's
/// currency, and what it took off each line.
async fn insert_refund(
    txn: &impl ConnectionTrait,
    tenant_id: &str,
    refund: &Refund<'_>,
    lines: Option<&Split>,
) -> ApiResult<()> {
    refund::Entity::insert(refund::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        event_id: Set(refund.event.id.clone()),
        amount_minor: Set(refund.refund_minor),
        currency: Set(refund.event.currency.clone()),
        reason: Set(refund.reason),
        note: Set(refund.note.clone()),
        lines: Set(lines.map(Split::this_refund).transpose()?),
        created_at: Set(refund.at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// What the event had refunded grows by `refund_minor`, and what each of
/// its lines had by what the refund took off it.
async fn add_refund(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    refund_minor: i64,
    lines: Option<&Split>,
) -> ApiResult<()> {
    let mut update = event::Entity::update_many().col_expr(
        event::Column::RefundedMinor,
        Expr::col(event::Column::RefundedMinor).add(refund_minor),
    );
    if let Some(lines) = lines {
        let after = lines.refunded_after()?;
        update = update.col_expr(event::Column::RefundedLines, Expr::value(after));
    }
    update
        .filter(event::Column::Id.eq(event.id.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// The refunded event, read again under its partner's lock (which orders
/// refunds with accruals and payouts of the same partner).
async fn locked_event(
    txn: &impl ConnectionTrait,
    tenant_id: &str,
    event_ref: &EventRef,
) -> ApiResult<event::Model> {
    let found = match event_ref {
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
    if event.kind == EventKind::Reward {
        let field = match event_ref {
            EventRef::Id(_) => "input.eventId",
            EventRef::ExternalId(_) => "input.eventExternalId",
        };
        return Err(ApiError::bad_input(
            field,
            "a referral reward received no money: it follows the commission it came from",
        ));
    }
    if event.kind == EventKind::DealStage {
        let field = match event_ref {
            EventRef::Id(_) => "input.eventId",
            EventRef::ExternalId(_) => "input.eventExternalId",
        };
        return Err(ApiError::bad_input(
            field,
            "a deal's stage move received no money: refund its payments, or reverse its commissions",
        ));
    }
    crate::posting::locks::partners_by_id(txn, tenant_id, [event.partner_id.as_str()]).await?;
    Ok(event::Entity::find_by_id(event.id.clone())
        .one(txn)
        .await?
        .unwrap_or(event))
}

/// The refund in minor units: the amount asked for (positive, at most what
/// is not refunded yet), or all of what is left.
fn refund_minor(event: &event::Model, amount: Option<Decimal>) -> ApiResult<i64> {
    let currency =
        Currency::parse(&event.currency).map_err(|e| ApiError::internal("event currency", e))?;
    checked_minor(currency, event.amount_minor - event.refunded_minor, amount)
}

/// An amount to refund of what is `remaining`: the amount asked for
/// (positive, at most that), or all of it.
fn checked_minor(currency: Currency, remaining: i64, amount: Option<Decimal>) -> ApiResult<i64> {
    match amount {
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
            Ok(minor)
        }
        None if remaining > 0 => Ok(remaining),
        None => Err(ApiError::Conflict(
            "the event is already fully refunded".into(),
        )),
    }
}

/// One refund of one event, as settled against its commissions.
struct Refund<'e> {
    event: &'e event::Model,
    refund_minor: i64,
    reason: ReversalReason,
    note: Option<String>,
    at: DateTime<Utc>,
}

/// Reverses or claws back each of the event's commissions, locked in id
/// order: a full refund in one go reverses what is still `ACCRUED`; every
/// other case appends a clawback of the commission's pro-rata share. A
/// commission's tier adjustments follow it, and the partner's progress
/// toward tiers is lowered by what left and by the refunded sale amount.
async fn settle(
    txn: &crate::db::Txn,
    actor: &str,
    refund: &Refund<'_>,
    lines: Option<&Split>,
) -> ApiResult<(Vec<commission::Model>, Vec<commission::Model>)> {
    let event = refund.event;
    let full_refund = event.refunded_minor == 0 && refund.refund_minor == event.amount_minor;
    let originals = crate::posting::locks::commissions_where(
        txn,
        sea_orm::Condition::all()
            .add(commission::Column::EventId.eq(event.id.as_str()))
            .add(commission::Column::Kind.eq(CommissionKind::Commission)),
    )
    .await?;
    let share = Share::Refund {
        event_amount: event.amount_minor,
        refunded_before: event.refunded_minor,
        refund: refund.refund_minor,
    };
    let mv = Move {
        from: CommissionStatus::Accrued,
        to: CommissionStatus::Reversed,
        actor,
        at: refund.at,
        reason: Some(refund.reason),
        note: refund.note.clone(),
        payout_id: None,
    };
    let sale = matches!(event.kind, EventKind::Sale | EventKind::DealPayment);
    let mut lowering = Lowering {
        sale_amount: if sale { refund.refund_minor } else { 0 },
        ..Lowering::default()
    };
    let mut reversed = Vec::new();
    let mut posting = Posting::new(refund.at);
    let mut clawbacks = Vec::new();
    for original in originals {
        match original.status {
            CommissionStatus::Reversed => continue,
            CommissionStatus::Accrued if full_refund => {
                let note = refund.note.clone();
                let reversal = reverse_locked(txn, original, actor, refund.reason, note).await?;
                reversed.push(reversal.commission);
                reversed.extend(reversal.adjustments);
                clawbacks.extend(reversal.clawbacks);
                continue;
            }
            _ => {}
        }
        // A commission that explains its lines gives back each line's own
        // share; any other, its share of the whole sale (SPEC §32, §7).
        let own = match lines {
            Some(lines) => lines.share_of(&original)?.unwrap_or(share),
            None => share,
        };
        let amount = own.of(original.amount_minor);
        lowering.payout += amount;
        lowering.revenue += share.of(original.revenue_minor.unwrap_or(0));
        if amount != 0 {
            let new = clawback(&original, -amount, refund.at, mv.reason, mv.note.clone());
            clawbacks.push(posting.add(new)?);
        }
        let followed = progress::follow(txn, &original, own, &mv, &mut posting).await?;
        clawbacks.extend(followed.clawbacks);
        lowering.payout += followed.lowering.payout;
        lowering.revenue += followed.lowering.revenue;
    }
    posting.write(txn).await?;
    let (partner, campaign) = (&event.partner_id, &event.campaign_id);
    let when = (event.occurred_at, event.recorded_at);
    progress::lower(txn, partner, campaign, when, lowering).await?;
    Ok((reversed, clawbacks))
}

/// The customer's net charges drop by the refund; the partner's LTV
/// follows, and a customer no longer net-positive no longer counts as
/// paying. The partner lock keeps the customer's net as read until commit.
async fn lower_history(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    refund_minor: i64,
) -> ApiResult<()> {
    let Some(customer_id) = &event.customer_id else {
        return Ok(());
    };
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
    Ok(())
}

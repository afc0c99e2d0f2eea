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

pub mod breakdown;
mod holds;
pub mod locks;
pub mod stats;

pub(crate) use holds::{hold_for_payout, release_from_payout};

use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input;
use breakdown::BreakdownLine;
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, ReversalReason, TermsSource};
use entity::{commission, commission_transition, contact_balance, partner_balance};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
};
use std::collections::BTreeMap;

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

/// The terms a row was computed under.
#[derive(Debug, Clone)]
pub struct TermsRef {
    /// The snapshot in force, if the partner had one.
    pub snapshot_id: Option<String>,
    /// Where the rules came from.
    pub rules_source: TermsSource,
}

/// A commission row to write, as its producer knows it.
#[derive(Debug, Clone)]
pub struct NewCommission {
    pub kind: CommissionKind,
    /// `ACCRUED` for what is earned; `APPROVED` for what takes effect at
    /// once (a clawback nets against the next payout).
    pub status: CommissionStatus,
    pub tenant_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    pub event_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub terms: TermsRef,
    pub breakdown: Vec<BreakdownLine>,
    /// When it was earned (the event's `occurredAt`; a refund's time).
    pub accrued_at: DateTime<Utc>,
    /// Days before it matures; `matureAt` follows from it.
    pub holdback_days: Option<i32>,
    /// The commission a clawback or an adjustment corrects.
    pub original_id: Option<String>,
    /// Why a clawback's event was refunded, with the refund's note.
    pub reason: Option<ReversalReason>,
    pub note: Option<String>,
    /// What a deal's commission (or its clawback) came from.
    pub deal: Option<DealRef>,
    /// The tier that modified it, or whose retroactive modifier an
    /// adjustment applies.
    pub tier_id: Option<String>,
    /// Its event's revenue after any tier's revenue modifier (an
    /// adjustment: the change to its original's).
    pub revenue_minor: Option<i64>,
}

/// A commission earned on a deal: its plan and deal, and for a spiff the
/// contact it pays (`None` with `recipient_pending` until one is named).
#[derive(Debug, Clone)]
pub struct DealRef {
    pub deal_id: String,
    pub plan_id: String,
    pub recipient_id: Option<String>,
    pub recipient_pending: bool,
    /// The recipient is one of the tenant's own people, not the partner's.
    pub staff: bool,
}

impl DealRef {
    /// The deal links of an existing row (a clawback copies its original's).
    pub fn of(row: &commission::Model) -> Option<DealRef> {
        Some(DealRef {
            deal_id: row.deal_id.clone()?,
            plan_id: row.plan_id.clone()?,
            recipient_id: row.recipient_id.clone(),
            recipient_pending: row.recipient_pending,
            staff: row.staff_payee,
        })
    }
}

/// Rows being written together, in one transaction.
pub struct Posting {
    at: DateTime<Utc>,
    rows: Vec<commission::Model>,
    /// Events of a tenant to append before the rows' own (what earned
    /// them: a deal's move or payment).
    first: Vec<(String, NewDomainEvent)>,
    /// Events of the tenant to append after the rows' own (a tier reached).
    then: Vec<(String, NewDomainEvent)>,
    /// The events (sales, leads, deal events) recorded beside the rows, for
    /// the reports' series.
    recorded: stats::StatDeltas,
}

impl Posting {
    /// Rows recorded at `at`.
    pub fn new(at: DateTime<Utc>) -> Posting {
        Posting {
            at,
            rows: Vec::new(),
            first: Vec::new(),
            then: Vec::new(),
            recorded: stats::StatDeltas::default(),
        }
    }

    /// Queues an event of `tenant_id` that precedes the rows' own: what
    /// earned them is heard of before what it earned. It is written in the
    /// same statement.
    pub fn announce_first(&mut self, tenant_id: &str, event: NewDomainEvent) {
        self.first.push((tenant_id.to_owned(), event));
    }

    /// Queues an event of `tenant_id` that follows the rows' own: a tier
    /// reached is heard of after the commission that reached it.
    pub fn then_announce(&mut self, tenant_id: &str, event: NewDomainEvent) {
        self.then.push((tenant_id.to_owned(), event));
    }

    /// The rows queued so far, in order.
    pub fn rows(&self) -> &[commission::Model] {
        &self.rows
    }

    /// Queues a row and answers it as it will be stored.
    pub fn add(&mut self, new: NewCommission) -> ApiResult<commission::Model> {
        let breakdown = breakdown::encode(&new.breakdown)
            .map_err(|e| ApiError::internal("encode breakdown", e))?;
        let approved_at = (new.status == CommissionStatus::Approved).then_some(self.at);
        let mature_at = match approved_at {
            Some(at) => Some(at),
            None => new
                .holdback_days
                .map(|days| new.accrued_at + chrono::Duration::days(days.into())),
        };
        let row = commission::Model {
            id: input::new_id(),
            tenant_id: new.tenant_id,
            partner_id: new.partner_id,
            campaign_id: new.campaign_id,
            event_id: new.event_id,
            snapshot_id: new.terms.snapshot_id,
            kind: new.kind,
            amount_minor: new.amount_minor,
            currency: new.currency,
            status: new.status,
            breakdown,
            rules_source: new.terms.rules_source,
            original_id: new.original_id,
            accrued_at: new.accrued_at,
            recorded_at: self.at,
            holdback_days: new.holdback_days,
            mature_at,
            approved_at,
            paid_at: None,
            reversed_at: None,
            reversal_reason: new.reason,
            reversal_note: new.note,
            payout_id: None,
            plan_id: new.deal.as_ref().map(|d| d.plan_id.clone()),
            recipient_id: new.deal.as_ref().and_then(|d| d.recipient_id.clone()),
            deal_id: new.deal.as_ref().map(|d| d.deal_id.clone()),
            recipient_pending: new.deal.as_ref().is_some_and(|d| d.recipient_pending),
            tier_id: new.tier_id,
            revenue_minor: new.revenue_minor,
            staff_payee: new.deal.as_ref().is_some_and(|d| d.staff),
        };
        self.rows.push(row.clone());
        Ok(row)
    }

    /// Writes the queued rows, their balances, and a `COMMISSION_CREATED`
    /// event for each.
    /// Counts events inserted in this transaction in the reports' series,
    /// written with the rows.
    pub fn recorded(&mut self, events: &[entity::event::Model]) {
        for row in events {
            self.recorded.event(row);
        }
    }

    pub async fn write(self, conn: &crate::db::Txn) -> ApiResult<()> {
        let mut deltas = Deltas {
            stats: self.recorded,
            ..Deltas::default()
        };
        let mut kinds: Vec<(&'static str, u64)> = Vec::new();
        for row in &self.rows {
            match kinds.iter_mut().find(|(k, _)| *k == row.kind.as_str()) {
                Some((_, n)) => *n += 1,
                None => kinds.push((row.kind.as_str(), 1)),
            }
        }
        for (kind, rows) in kinds {
            conn.wrote_commissions(kind, rows);
        }
        let mut events: BTreeMap<String, Vec<NewDomainEvent>> = BTreeMap::new();
        for (tenant_id, event) in self.first {
            events.entry(tenant_id).or_default().push(event);
        }
        for row in &self.rows {
            deltas.add(row, row.status);
            events.entry(row.tenant_id.clone()).or_default().push(event(
                row,
                DomainEventType::CommissionCreated,
                None,
                self.at,
            )?);
        }
        // The rows move into the statements: the producers hold their own
        // copies (what `add` answered).
        let mut rows = self.rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk = rows.by_ref().take(WRITE_CHUNK);
            commission::Entity::insert_many(chunk.map(commission::ActiveModel::from))
                .exec_without_returning(conn)
                .await?;
        }
        add_to_balances(conn, deltas).await?;
        for (tenant_id, event) in self.then {
            events.entry(tenant_id).or_default().push(event);
        }
        for (tenant_id, events) in events {
            crate::events::append(conn, &tenant_id, self.at, events).await?;
        }
        Ok(())
    }
}

/// The locked rows in the order `ids` names them: `NOT_FOUND` for the
/// first id without a row.
pub(crate) fn in_request_order(
    ids: &[String],
    rows: Vec<commission::Model>,
) -> ApiResult<Vec<commission::Model>> {
    let mut by_id: BTreeMap<String, commission::Model> =
        rows.into_iter().map(|row| (row.id.clone(), row)).collect();
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| ApiError::not_found("commission"))
        })
        .collect()
}

/// A status change and what it records.
pub(crate) struct Move<'a> {
    pub from: CommissionStatus,
    pub to: CommissionStatus,
    /// The `sub` of the token, or the job's name.
    pub actor: &'a str,
    pub at: DateTime<Utc>,
    pub reason: Option<ReversalReason>,
    pub note: Option<String>,
    /// For `PAID`: the payout that settles the rows.
    pub payout_id: Option<String>,
}

pub(crate) fn conflict(row: &commission::Model, to: CommissionStatus) -> ApiError {
    ApiError::Conflict(format!(
        "commission {} is {} and cannot become {}",
        row.id,
        row.status.as_str(),
        to.as_str()
    ))
}

/// Moves locked rows from `mv.from` to `mv.to`, all or nothing: a row in
/// another status is `CONFLICT` and nothing moves. Returns the rows as they
/// now are, in the order given.
pub(crate) async fn apply_move(
    conn: &impl ConnectionTrait,
    rows: Vec<commission::Model>,
    mv: &Move<'_>,
) -> ApiResult<Vec<commission::Model>> {
    if let Some(row) = rows.iter().find(|r| r.status != mv.from) {
        return Err(conflict(row, mv.to));
    }
    if rows.is_empty() {
        return Ok(rows);
    }
    for chunk in rows.chunks(WRITE_CHUNK) {
        update_status(conn, chunk, mv).await?;
    }
    append_history(conn, &rows, mv).await?;
    let mut deltas = Deltas::default();
    let mut events: BTreeMap<String, Vec<NewDomainEvent>> = BTreeMap::new();
    for row in &rows {
        deltas.remove(row, mv.from);
        deltas.add(row, mv.to);
        let kind = DomainEventType::CommissionStatusChanged;
        events
            .entry(row.tenant_id.clone())
            .or_default()
            .push(event(row, kind, Some(mv), mv.at)?);
    }
    add_to_balances(conn, deltas).await?;
    for (tenant_id, events) in events {
        crate::events::append(conn, &tenant_id, mv.at, events).await?;
    }
    Ok(rows.into_iter().map(|row| moved(row, mv)).collect())
}

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

/// One conditional `UPDATE` of locked rows: status, its timestamp, and what
/// the move records on the row.
async fn update_status(
    conn: &impl ConnectionTrait,
    rows: &[commission::Model],
    mv: &Move<'_>,
) -> ApiResult<()> {
    let mut update = commission::Entity::update_many()
        .col_expr(commission::Column::Status, Expr::value(mv.to))
        .filter(commission::Column::Id.is_in(rows.iter().map(|r| r.id.as_str())))
        .filter(commission::Column::Status.eq(mv.from));
    if let Some(column) = stamp_of(mv.to) {
        update = update.col_expr(column, Expr::value(mv.at));
    }
    if mv.to == CommissionStatus::Reversed {
        update = update
            .col_expr(commission::Column::ReversalReason, Expr::value(mv.reason))
            .col_expr(
                commission::Column::ReversalNote,
                Expr::value(mv.note.clone()),
            );
    }
    if let Some(payout_id) = &mv.payout_id {
        update = update.col_expr(commission::Column::PayoutId, Expr::value(payout_id));
    }
    // The rows are locked: all of them match, or the lock was not taken.
    let moved = update.exec(conn).await?.rows_affected;
    if moved != rows.len() as u64 {
        return Err(ApiError::internal(
            "status move",
            format!("moved {moved} of {} locked rows", rows.len()),
        ));
    }
    Ok(())
}

/// The column a move into `status` stamps.
fn stamp_of(status: CommissionStatus) -> Option<commission::Column> {
    match status {
        CommissionStatus::Approved => Some(commission::Column::ApprovedAt),
        CommissionStatus::Paid => Some(commission::Column::PaidAt),
        CommissionStatus::Reversed => Some(commission::Column::ReversedAt),
        CommissionStatus::Accrued => None,
    }
}

/// One history row per moved commission.
async fn append_history(
    conn: &impl ConnectionTrait,
    rows: &[commission::Model],
    mv: &Move<'_>,
) -> ApiResult<()> {
    let history: Vec<commission_transition::ActiveModel> = rows
        .iter()
        .map(|row| commission_transition::ActiveModel {
            id: Set(input::new_id()),
            tenant_id: Set(row.tenant_id.clone()),
            commission_id: Set(row.id.clone()),
            from_status: Set(Some(mv.from)),
            to_status: Set(mv.to),
            reason: Set(mv.reason),
            note: Set(mv.note.clone()),
            actor: Set(mv.actor.to_owned()),
            at: Set(mv.at),
        })
        .collect();
    for chunk in history.chunks(WRITE_CHUNK) {
        commission_transition::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A row as the move left it.
fn moved(mut row: commission::Model, mv: &Move<'_>) -> commission::Model {
    row.status = mv.to;
    match mv.to {
        CommissionStatus::Approved => row.approved_at = Some(mv.at),
        CommissionStatus::Paid => row.paid_at = Some(mv.at),
        CommissionStatus::Reversed => {
            row.reversed_at = Some(mv.at);
            row.reversal_reason = mv.reason;
            row.reversal_note = mv.note.clone();
        }
        CommissionStatus::Accrued => {}
    }
    if mv.payout_id.is_some() {
        row.payout_id = mv.payout_id.clone();
    }
    row
}

/// Whose balance a row counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    Partner(String),
    Contact(String),
}

/// Changes to balances, by (holder, currency, status), kept in that order
/// so that balance rows are always locked in one order: partners' before
/// contacts'.
#[derive(Default)]
pub(crate) struct Deltas {
    by_key: BTreeMap<(Holder, String, CommissionStatus), Delta>,
    /// The reports' rollups, moved by the same changes.
    stats: stats::StatDeltas,
}

#[derive(Default)]
struct Delta {
    tenant_id: String,
    amount_minor: i64,
    count: i64,
}

impl Deltas {
    /// A row enters `status` (it was inserted, or moved there).
    pub(crate) fn add(&mut self, row: &commission::Model, status: CommissionStatus) {
        self.change(row, status, row.amount_minor, 1);
    }

    /// A row leaves `status`.
    fn remove(&mut self, row: &commission::Model, status: CommissionStatus) {
        self.change(row, status, -row.amount_minor, -1);
    }

    /// The row counts in its partner's balance unless it pays one of the
    /// tenant's staff, and in its recipient's when it has one.
    fn change(
        &mut self,
        row: &commission::Model,
        status: CommissionStatus,
        amount: i64,
        count: i64,
    ) {
        self.stats.commission(row, status, amount, count);
        let partner = (!row.staff_payee).then(|| Holder::Partner(row.partner_id.clone()));
        let contact = row.recipient_id.clone().map(Holder::Contact);
        for holder in partner.into_iter().chain(contact) {
            let delta = self
                .by_key
                .entry((holder, row.currency.clone(), status))
                .or_default();
            delta.tenant_id.clone_from(&row.tenant_id);
            delta.amount_minor += amount;
            delta.count += count;
        }
    }
}

/// Adds deltas to `partner_balances`, then `contact_balances`: one upsert
/// per table and chunk, rows in key order.
pub(crate) async fn add_to_balances(conn: &impl ConnectionTrait, deltas: Deltas) -> ApiResult<()> {
    let mut partners = Vec::new();
    let mut contacts = Vec::new();
    let deltas_by_key = deltas.by_key;
    for ((holder, currency, status), d) in deltas_by_key {
        if d.amount_minor == 0 && d.count == 0 {
            continue;
        }
        match holder {
            Holder::Partner(partner_id) => partners.push(partner_balance::ActiveModel {
                partner_id: Set(partner_id),
                currency: Set(currency),
                status: Set(status),
                tenant_id: Set(d.tenant_id),
                amount_minor: Set(d.amount_minor),
                commission_count: Set(d.count),
            }),
            Holder::Contact(contact_id) => contacts.push(contact_balance::ActiveModel {
                contact_id: Set(contact_id),
                currency: Set(currency),
                status: Set(status),
                tenant_id: Set(d.tenant_id),
                amount_minor: Set(d.amount_minor),
                commission_count: Set(d.count),
            }),
        }
    }
    use contact_balance::Column as C;
    use partner_balance::Column as P;
    add_totals::<partner_balance::Entity>(conn, partners, [P::PartnerId, P::Currency, P::Status])
        .await?;
    add_totals::<contact_balance::Entity>(conn, contacts, [C::ContactId, C::Currency, C::Status])
        .await?;
    stats::add(conn, deltas.stats).await
}

/// Inserts balance rows, or adds their amount and count to the rows of the
/// same key: both balance tables have this shape.
async fn add_totals<E>(
    conn: &impl ConnectionTrait,
    rows: Vec<E::ActiveModel>,
    key: [E::Column; 3],
) -> ApiResult<()>
where
    E: EntityTrait,
    E::ActiveModel: Send,
{
    let excluded = Alias::new("excluded");
    let sum = |column: &str| {
        let column = Alias::new(column);
        Expr::col((E::default(), column.clone())).add(Expr::col((excluded.clone(), column)))
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows.by_ref().take(WRITE_CHUNK).collect();
        E::insert_many(chunk)
            .on_conflict(
                OnConflict::columns(key)
                    .value(Alias::new("amount_minor"), sum("amount_minor"))
                    .value(Alias::new("commission_count"), sum("commission_count"))
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Names the contact a spiff waiting for one pays (`staff`: one of the
/// tenant's own people), on the locked spiff and its clawbacks; their
/// amounts move to the payee's balance (and out of the partner's, for a
/// staff payee).
pub(crate) async fn name_recipient(
    conn: &impl ConnectionTrait,
    spiff: commission::Model,
    contact_id: &str,
    staff: bool,
) -> ApiResult<commission::Model> {
    let rows = locks::commissions_where(
        conn,
        Condition::any()
            .add(commission::Column::Id.eq(spiff.id.as_str()))
            .add(commission::Column::OriginalId.eq(spiff.id.as_str())),
    )
    .await?;
    commission::Entity::update_many()
        .col_expr(commission::Column::RecipientId, Expr::value(contact_id))
        .col_expr(commission::Column::RecipientPending, Expr::value(false))
        .col_expr(commission::Column::StaffPayee, Expr::value(staff))
        .filter(commission::Column::Id.is_in(rows.iter().map(|r| r.id.as_str())))
        .exec(conn)
        .await?;
    let mut deltas = Deltas::default();
    for row in rows {
        deltas.remove(&row, row.status);
        let named = commission::Model {
            recipient_id: Some(contact_id.to_owned()),
            recipient_pending: false,
            staff_payee: staff,
            ..row
        };
        deltas.add(&named, named.status);
    }
    add_to_balances(conn, deltas).await?;
    Ok(commission::Model {
        recipient_id: Some(contact_id.to_owned()),
        recipient_pending: false,
        staff_payee: staff,
        ..spiff
    })
}

//! New ledger rows: what a producer asks for ([`NewCommission`]) and the
//! [`Posting`] that builds each row and writes them all at once, with the
//! events they announce and the balances they add to.

use super::breakdown::BreakdownLine;
use super::{Deltas, WRITE_CHUNK, add_to_balances, breakdown, event, stats};
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input;
use chrono::{DateTime, Utc};
use entity::commission;
use entity::enums::{CommissionKind, CommissionStatus, ReversalReason, TermsSource};
use sea_orm::EntityTrait;
use std::collections::BTreeMap;

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
    /// A replay's rows ([`Posting::unwritten`]): never written, so their
    /// breakdowns are not encoded.
    unwritten: bool,
    /// Imported rows ([`Posting::imported`]): history, not news — no
    /// `COMMISSION_CREATED` for them, so nothing is e-mailed or pushed.
    silent: bool,
}

/// What an imported row went through at the platform it came from
/// (SPEC §25): its times as the source recorded them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportedTimes {
    pub mature_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub reversed_at: Option<DateTime<Utc>>,
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
            unwritten: false,
            silent: false,
        }
    }

    /// Rows brought over from another platform: written with their
    /// source's statuses and times ([`Posting::add_imported`]), announcing
    /// nothing.
    pub fn imported(at: DateTime<Utc>) -> Posting {
        Posting {
            silent: true,
            ..Posting::new(at)
        }
    }

    /// Queues an imported row in its source's status (`new.status`), with
    /// the times the source gave.
    pub fn add_imported(
        &mut self,
        new: NewCommission,
        times: ImportedTimes,
    ) -> ApiResult<commission::Model> {
        self.add(new)?;
        let row = self
            .rows
            .last_mut()
            .ok_or_else(|| ApiError::internal("posting", "the row just added"))?;
        // An approved row the source gave no date for was approved now.
        row.mature_at = times.mature_at.or(row.mature_at);
        row.approved_at = times.approved_at.or(row.approved_at);
        row.paid_at = times.paid_at;
        row.reversed_at = times.reversed_at;
        Ok(row.clone())
    }

    /// Rows a replay decides and never writes (SPEC §23): answered as
    /// [`Posting::add`] answers them, without their breakdowns.
    pub fn unwritten(at: DateTime<Utc>) -> Posting {
        Posting {
            unwritten: true,
            ..Posting::new(at)
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

    /// Sets how each line of its sale earned (SPEC §32) on the rows queued
    /// since `from` that are `event_id`'s commission, as `explain` words
    /// each for its amount.
    pub fn explain_lines(
        &mut self,
        from: usize,
        event_id: &str,
        mut explain: impl FnMut(i64) -> Option<String>,
    ) {
        for row in &mut self.rows[from..] {
            if row.event_id == event_id && row.kind == CommissionKind::Commission {
                row.lines = explain(row.amount_minor);
            }
        }
    }

    /// Keeps only the rows at `indices` (ascending), in order, and drops
    /// the rest: a replay that writes nothing keeps in memory only the rows
    /// something may still look back at.
    pub fn keep_rows(&mut self, indices: &[usize]) {
        let mut kept = indices.iter().copied().peekable();
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows
            .into_iter()
            .enumerate()
            .filter(|(i, _)| kept.next_if_eq(i).is_some())
            .map(|(_, row)| row)
            .collect();
    }

    /// Queues a row and answers it as it will be stored.
    pub fn add(&mut self, new: NewCommission) -> ApiResult<commission::Model> {
        let breakdown = match self.unwritten {
            true => serde_json::Value::Null,
            false => breakdown::encode(&new.breakdown)
                .map_err(|e| ApiError::internal("encode breakdown", e))?,
        };
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
            lines: None,
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
        if self.unwritten {
            return Err(ApiError::internal(
                "posting",
                "a replay's rows are never written",
            ));
        }
        let mut deltas = Deltas::with_stats(self.recorded);
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
            if self.silent {
                continue;
            }
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

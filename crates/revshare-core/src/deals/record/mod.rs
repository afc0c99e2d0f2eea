//! Recording a deal's events: a stage reached (by creation or a move) and a
//! payment, each under its `externalId` exactly once — the same payload
//! again answers the first result, another payload is `CONFLICT`.
//!
//! Set-based, as the accrual of sales and leads is: the `moveDeal` and
//! `recordDealPayment` calls that arrive together (and a `recordDealEvents`
//! call) are recorded as one batch in one transaction
//! ([`crate::ledger::path::run`]) with a fixed number of statements,
//! whatever its size:
//!
//! 1. lock the batch's deals' partners (in id order, the lock every accrual
//!    of a partner takes, in one statement) and then the deals, and read what
//!    the events refer to — the events already recorded under their
//!    `externalId`s (the ledger's exactly-once lookup,
//!    [`crate::ledger::path::recorded`]), stages, campaigns, the terms in
//!    force, field values, snapshots, stages reached, the tenant's staff —
//!    [`load`];
//! 2. decide each event in order, in memory, carrying each deal from event
//!    to event: what it earns is the engine's
//!    ([`crate::engine::deals::fired`] through [`super::accrue`]), with the
//!    tiers' effect — [`decide`];
//! 3. write the events (through the ledger's event path), stages reached,
//!    deals, and the commissions with the domain events through the posting
//!    layer, with multi-row statements — [`write`].
//!
//! A bad event is rejected alone and leaves no trace.

mod decide;
mod load;
mod write;

use super::moves::{DealEvent, NewPayment, StageMove};
use crate::db::{Db, Txn};
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS};
use crate::ledger::path::{self, Answers, Payload};
use chrono::{DateTime, Utc};
use entity::enums::CommissionKind;
use entity::{commission, deal, event};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

pub use crate::ledger::path::MAX_BATCH;

/// A deal event, checked as far as it can be without the database.
#[derive(Debug, Clone)]
pub struct DealItem {
    /// The path its errors name: `input`, `input[3]`.
    pub prefix: String,
    pub external_id: String,
    /// The canonical text a redelivery is compared with.
    pub payload: String,
    pub deal_id: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub what: What,
    /// Who sent it, for its activity entry (SPEC §34): the batch writes
    /// one per event it records. None for the arrival a deal's own
    /// creation or approval records, whose act has its entry.
    pub by: Option<crate::activity::Acting>,
}

#[derive(Debug, Clone)]
pub enum What {
    /// The deal reaches a stage: moved there, or created at it.
    Stage { stage_id: String, created: bool },
    /// A payment on the deal; without an amount, the deal's.
    Payment {
        amount: Option<Decimal>,
        /// Another currency than the deal's, converted into it.
        currency: Option<String>,
    },
}

impl DealItem {
    fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    /// The input blamed for what the event earns when that is beyond the
    /// ledger's range: the amount given (or the deal's, at its creation),
    /// or for a move the deal it names.
    fn amount_field(&self) -> String {
        match self.what {
            What::Stage { created: false, .. } => self.field("dealId"),
            _ => self.field("amount"),
        }
    }
}

/// Checks a move before it is recorded; errors name `{prefix}.…`.
pub fn prepare_move(prefix: &str, new: StageMove) -> ApiResult<DealItem> {
    let external_id = external_id(prefix, &new.external_id)?;
    let payload = Payload::new()
        .field("dealId", new.deal_id.as_str())
        .field("stageId", new.stage_id.as_str())
        .at("occurredAt", new.occurred_at)
        .text();
    Ok(DealItem {
        prefix: prefix.to_owned(),
        external_id,
        payload,
        deal_id: new.deal_id,
        occurred_at: new.occurred_at,
        what: What::Stage {
            stage_id: new.stage_id,
            created: false,
        },
        by: crate::activity::acting(),
    })
}

/// Checks a payment before it is recorded; errors name `{prefix}.…`.
pub fn prepare_payment(prefix: &str, new: NewPayment) -> ApiResult<DealItem> {
    let external_id = external_id(prefix, &new.external_id)?;
    let mut payload = Payload::new()
        .field("dealId", new.deal_id.as_str())
        .amount("amount", new.amount)
        .at("occurredAt", new.occurred_at);
    // Named only when given, so payments recorded before currencies keep
    // their payload (and their redeliveries match).
    if let Some(currency) = &new.currency {
        payload = payload.field("currency", currency.as_str());
    }
    let payload = payload.text();
    Ok(DealItem {
        prefix: prefix.to_owned(),
        external_id,
        payload,
        deal_id: new.deal_id,
        occurred_at: new.occurred_at,
        what: What::Payment {
            amount: new.amount,
            currency: new.currency,
        },
        by: crate::activity::acting(),
    })
}

fn external_id(prefix: &str, given: &str) -> ApiResult<String> {
    let field = format!("{prefix}.externalId");
    input::required_text(&field, given, MAX_EXTERNAL_ID_CHARS)
}

/// Records a batch of deal events in one transaction; each is answered on
/// its own.
pub async fn record_batch(db: &Db, tenant_id: &str, items: Vec<DealItem>) -> Answers<DealEvent> {
    let span = tracing::info_span!(target: "revshare::deals", "deals.batch", events = items.len());
    use tracing::Instrument;
    let deals = Deals { tenant_id };
    path::run(db, &items, &deals).instrument(span).await
}

/// The recording of deal events, as a batch producer.
struct Deals<'t> {
    tenant_id: &'t str,
}

impl path::Record for Deals<'_> {
    type Item = DealItem;
    type Answer = DealEvent;
    fn record<'a>(
        &'a self,
        conn: &'a Txn,
        items: &'a [DealItem],
    ) -> impl Future<Output = Answers<DealEvent>> + Send + 'a {
        record_in(conn, self.tenant_id, items)
    }
}

/// Records a batch of deal events inside the caller's transaction. The
/// outer error is a failed statement (the caller rolls back); the inner
/// ones are the events'.
pub async fn record_in(conn: &Txn, tenant_id: &str, items: &[DealItem]) -> Answers<DealEvent> {
    let now = crate::db::now();
    let loaded = load::load(conn, tenant_id, items).await?;
    let counted = items.iter().filter_map(|item| {
        let deal = loaded.deals.get(&item.deal_id)?;
        let at = path::occurred_at(item.occurred_at, now);
        Some((deal.partner_id.as_str(), deal.campaign_id.as_str(), at))
    });
    let tiers = crate::tiers::book::TierBook::load(conn, tenant_id, now, counted).await?;
    let mut batch = decide::Batch::new(loaded, tiers, now);
    for item in items {
        batch.push(item);
    }
    let answers = write::write(conn, tenant_id, batch.finish()).await?;
    // Each event's own entry stands for the act's (`recordDealEvents`
    // writes one per event, not one more).
    if items.iter().any(|item| item.by.is_some()) {
        crate::activity::quiet();
    }
    crate::activity::record(conn, now, entries(items, &answers)).await?;
    Ok(answers)
}

/// An activity entry for each event a caller sent that the batch
/// recorded anew (a redelivery changes nothing and writes none), on its
/// deal: the stage it reached or the payment, and what it earned — the
/// partner's commissions (its people's spiffs among them) apart from the
/// spiffs paid to the tenant's own people, which no partner reads.
fn entries(items: &[DealItem], answers: &[ApiResult<DealEvent>]) -> Vec<crate::activity::Entry> {
    items
        .iter()
        .zip(answers)
        .filter_map(|(item, answer)| {
            let (by, recorded) = (item.by.as_ref()?, answer.as_ref().ok()?);
            if recorded.duplicate {
                return None;
            }
            let event = &recorded.event;
            let entry = by
                .entry("Deal", &recorded.deal.id)
                .about(&recorded.deal.partner_id)
                .changing("externalId", None, Some(event.external_id.clone()));
            let entry = match &item.what {
                What::Stage { stage_id, .. } => {
                    entry.changing("stageId", None, Some(stage_id.clone()))
                }
                What::Payment { .. } => entry.changing(
                    "payment",
                    None,
                    Some(crate::activity::amount(event.amount_minor, &event.currency)),
                ),
            };
            let (staff, partners): (Vec<&commission::Model>, Vec<&commission::Model>) =
                recorded.commissions.iter().partition(|c| c.staff_payee);
            Some(
                entry
                    .changing("commissions", None, listed(&partners))
                    .changing(crate::activity::STAFF_SPIFFS, None, listed(&staff)),
            )
        })
        .collect()
}

/// The amounts of `rows` as one text; none when there are none.
fn listed(rows: &[&commission::Model]) -> Option<String> {
    crate::activity::amounts(rows.iter().map(|c| (c.amount_minor, c.currency.as_str())))
}

/// The answer to a redelivery: the event as first recorded, with what it
/// earned, and the deal as it is now.
pub(super) async fn duplicate(
    conn: &impl ConnectionTrait,
    event: event::Model,
    deal: deal::Model,
) -> ApiResult<DealEvent> {
    let commissions = commission::Entity::find()
        .filter(commission::Column::EventId.eq(event.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission))
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?;
    Ok(DealEvent {
        event,
        deal,
        commissions,
        duplicate: true,
    })
}

/// An insert under an `externalId`: one taken already is `CONFLICT`.
pub(super) fn keyed<T>(inserted: Result<T, sea_orm::DbErr>) -> ApiResult<T> {
    inserted.map_err(|e| {
        match violates(&e, keys::DEAL_EXTERNAL_ID) || violates(&e, keys::EVENT_EXTERNAL_ID) {
            true => ApiError::other_payload(),
            false => e.into(),
        }
    })
}

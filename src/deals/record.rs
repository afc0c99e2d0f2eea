//! Recording a deal's events inside the caller's transaction: a stage
//! reached (by creation or a move) and a payment, each under its
//! `externalId` exactly once — the same payload again answers the first
//! result, another payload is `CONFLICT` — with the partner's lock taken
//! first, then the deal's. What the event earns is decided by the engine
//! ([`crate::engine::deals::fired`] through [`super::accrue`]) and written
//! by the posting layer, with the tiers' effect.

use super::accrue::{self, Context, Trigger};
use super::deal::{
    DealEvent, NewPayment, StageMove, conflict, find, frozen_plans, positive_minor, stage_of,
};
use super::pipeline;
use crate::campaigns;
use crate::db::Db;
use crate::engine::Currency;
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::events::{self, DomainEventType, NewEvent};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS};
use crate::ledger::transitions::lock_partners;
use crate::posting::{self, Posting};
use crate::tiers::book::{Accrued, TierBook};
use chrono::{DateTime, Utc};
use entity::enums::{CampaignStatus, CommissionKind, EventKind, PartnerStatus};
use entity::{
    campaign, commission, deal, deal_field_value, deal_stage, deal_stage_reached, deal_term, event,
    partner, partner_commission,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// A deal event being recorded: its key, payload and time.
pub(super) struct Arrival<'a> {
    pub(super) external_id: &'a str,
    pub(super) payload: &'a str,
    pub(super) occurred_at: DateTime<Utc>,
    /// The input blamed for what it earns when that is beyond the ledger's
    /// range: the amount given, or for a move the deal it names.
    pub(super) amount_field: &'static str,
}

/// A deal event checked as far as it can be without the database: its
/// `externalId` and the payload a redelivery is compared with.
pub struct Prepared {
    pub external_id: String,
    pub payload: String,
}

/// Checks a move before it is recorded.
pub fn prepare_move(new: &StageMove) -> ApiResult<Prepared> {
    let external_id =
        input::required_text("input.externalId", &new.external_id, MAX_EXTERNAL_ID_CHARS)?;
    let payload = serde_json::json!({
        "dealId": new.deal_id,
        "stageId": new.stage_id,
        "occurredAt": new.occurred_at.map(|t| t.to_rfc3339()),
    })
    .to_string();
    Ok(Prepared {
        external_id,
        payload,
    })
}

/// Moves a deal to a stage, in a transaction of its own.
pub async fn move_to(db: &Db, tenant_id: &str, new: StageMove) -> ApiResult<DealEvent> {
    let prepared = prepare_move(&new)?;
    let (new, prepared) = (&new, &prepared);
    db.retrying(|| async move {
        let txn = db.write().await?;
        let moved = move_in(&txn, tenant_id, new, prepared).await?;
        txn.commit().await?;
        Ok(moved)
    })
    .await
}

/// Moves a deal to a stage inside the caller's transaction.
pub async fn move_in(
    conn: &crate::db::Txn,
    tenant_id: &str,
    new: &StageMove,
    prepared: &Prepared,
) -> ApiResult<DealEvent> {
    let (external_id, payload) = (prepared.external_id.as_str(), prepared.payload.as_str());
    let deal = locked_deal(conn, tenant_id, &new.deal_id).await?;
    if let Some(found) = recorded(conn, tenant_id, external_id, payload, &deal).await? {
        return Ok(found);
    }
    let stage = stage_of(conn, tenant_id, &new.stage_id, "input.stageId").await?;
    let campaign = active_campaign(conn, tenant_id, &deal).await?;
    let arrival = Arrival {
        external_id,
        payload,
        occurred_at: accrue::occurred(new.occurred_at),
        amount_field: "input.dealId",
    };
    reach_stage(conn, deal, &stage, arrival, &campaign).await
}

/// The deal reaches `stage` (created at it, or moved to it): records the
/// event, the stages reached for the first time, and their one-offs.
pub(super) async fn reach_stage(
    conn: &crate::db::Txn,
    mut deal: deal::Model,
    stage: &deal_stage::Model,
    arrival: Arrival<'_>,
    campaign: &campaign::Model,
) -> ApiResult<DealEvent> {
    let event = insert_event(
        conn,
        &deal,
        EventKind::DealStage,
        Some(&stage.id),
        deal.amount_minor,
        &arrival,
    )
    .await?;
    let newly: Vec<String> = deal_stage::Entity::find()
        .filter(deal_stage::Column::TenantId.eq(deal.tenant_id.as_str()))
        .filter(deal_stage::Column::Position.gt(deal.reached_position))
        .filter(deal_stage::Column::Position.lte(stage.position))
        .order_by_asc(deal_stage::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let reached = newly
        .iter()
        .map(|stage_id| deal_stage_reached::ActiveModel {
            deal_id: Set(deal.id.clone()),
            stage_id: Set(stage_id.clone()),
            tenant_id: Set(deal.tenant_id.clone()),
            payments_before: Set(deal.payment_count),
            event_id: Set(event.id.clone()),
            reached_at: Set(event.occurred_at),
        });
    deal_stage_reached::Entity::insert_many(reached)
        .exec_without_returning(conn)
        .await?;
    deal.stage_id = stage.id.clone();
    deal.reached_position = Ord::max(deal.reached_position, stage.position);
    deal.updated_at = event.recorded_at;
    deal::Entity::update_many()
        .col_expr(deal::Column::StageId, Expr::value(deal.stage_id.clone()))
        .col_expr(
            deal::Column::ReachedPosition,
            Expr::value(deal.reached_position),
        )
        .col_expr(deal::Column::UpdatedAt, Expr::value(deal.updated_at))
        .filter(deal::Column::Id.eq(deal.id.as_str()))
        .exec(conn)
        .await?;
    // The deal's move is heard of before what it earned.
    let data = serde_json::json!({
        "eventId": event.id,
        "stageId": stage.id,
        "stageName": stage.name,
        "stagesReached": newly,
    });
    let kind = DomainEventType::DealStageChanged;
    append_deal_event(conn, &deal, &event, kind, data).await?;
    let trigger = Trigger::Stages(&newly);
    let field = arrival.amount_field;
    let commissions = post(conn, &deal, &event, campaign, &trigger, field).await?;
    Ok(DealEvent {
        event,
        deal,
        commissions,
        duplicate: false,
    })
}

/// The domain event of a deal event.
async fn append_deal_event(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    event: &event::Model,
    kind: DomainEventType,
    data: serde_json::Value,
) -> ApiResult<()> {
    let new = NewEvent {
        kind,
        occurred_at: event.occurred_at,
        partner_id: Some(deal.partner_id.clone()),
        subject_id: deal.id.clone(),
        data,
    };
    events::append(conn, &deal.tenant_id, event.recorded_at, vec![new]).await
}

/// Checks a payment before it is recorded.
pub fn prepare_payment(new: &NewPayment) -> ApiResult<Prepared> {
    let external_id =
        input::required_text("input.externalId", &new.external_id, MAX_EXTERNAL_ID_CHARS)?;
    let payload = serde_json::json!({
        "dealId": new.deal_id,
        "amount": new.amount.map(|a| a.normalize().to_string()),
        "occurredAt": new.occurred_at.map(|t| t.to_rfc3339()),
    })
    .to_string();
    Ok(Prepared {
        external_id,
        payload,
    })
}

/// Records a payment on a deal, in a transaction of its own.
pub async fn record_payment(db: &Db, tenant_id: &str, new: NewPayment) -> ApiResult<DealEvent> {
    let prepared = prepare_payment(&new)?;
    let (new, prepared) = (&new, &prepared);
    db.retrying(|| async move {
        let txn = db.write().await?;
        let paid = payment_in(&txn, tenant_id, new, prepared).await?;
        txn.commit().await?;
        Ok(paid)
    })
    .await
}

/// Records a payment on a deal inside the caller's transaction.
pub async fn payment_in(
    conn: &crate::db::Txn,
    tenant_id: &str,
    new: &NewPayment,
    prepared: &Prepared,
) -> ApiResult<DealEvent> {
    let (external_id, payload) = (prepared.external_id.as_str(), prepared.payload.as_str());
    let mut deal = locked_deal(conn, tenant_id, &new.deal_id).await?;
    if let Some(found) = recorded(conn, tenant_id, external_id, payload, &deal).await? {
        return Ok(found);
    }
    let currency = campaigns::check_currency("input.amount", &deal.currency)?;
    let amount_minor = match new.amount {
        Some(amount) => positive_minor("input.amount", amount, currency)?,
        None => deal.amount_minor,
    };
    let campaign = active_campaign(conn, tenant_id, &deal).await?;
    let arrival = Arrival {
        external_id,
        payload,
        occurred_at: accrue::occurred(new.occurred_at),
        amount_field: "input.amount",
    };
    let event = insert_event(
        conn,
        &deal,
        EventKind::DealPayment,
        None,
        amount_minor,
        &arrival,
    )
    .await?;
    deal.payment_count += 1;
    deal.updated_at = event.recorded_at;
    deal::Entity::update_many()
        .col_expr(deal::Column::PaymentCount, Expr::value(deal.payment_count))
        .col_expr(deal::Column::UpdatedAt, Expr::value(deal.updated_at))
        .filter(deal::Column::Id.eq(deal.id.as_str()))
        .exec(conn)
        .await?;
    let reached: HashMap<String, i32> = deal_stage_reached::Entity::find()
        .filter(deal_stage_reached::Column::DealId.eq(deal.id.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.stage_id, r.payments_before))
        .collect();
    let trigger = Trigger::Payment {
        count: deal.payment_count,
        reached: &reached,
    };
    let data = serde_json::json!({
        "eventId": event.id,
        "amount": campaigns::check_currency("currency", &event.currency)?
            .from_minor(event.amount_minor)
            .to_string(),
        "currency": event.currency,
        "paymentCount": deal.payment_count,
    });
    let kind = DomainEventType::DealPaymentRecorded;
    append_deal_event(conn, &deal, &event, kind, data).await?;
    let field = arrival.amount_field;
    let commissions = post(conn, &deal, &event, &campaign, &trigger, field).await?;
    Ok(DealEvent {
        event,
        deal,
        commissions,
        duplicate: false,
    })
}

/// A deal of the tenant, after its partner's lock, itself locked.
pub(super) async fn locked_deal(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<deal::Model> {
    let found = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.dealId", "no such deal"))?;
    lock_partners(conn, [found.partner_id.clone()]).await?;
    deal::Entity::find_by_id(found.id.clone())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("locked deal", id))
}

/// The deal's campaign, which must still accept events, as must its partner.
async fn active_campaign(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    deal: &deal::Model,
) -> ApiResult<campaign::Model> {
    let partner = partner::Entity::find_by_id(deal.partner_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("deal partner", &deal.partner_id))?;
    if partner.status != PartnerStatus::Active {
        return Err(ApiError::bad_input(
            "input.dealId",
            "the deal's partner is not active",
        ));
    }
    let campaign = campaigns::find(conn, tenant_id, &deal.campaign_id)
        .await?
        .ok_or_else(|| ApiError::internal("deal campaign", &deal.campaign_id))?;
    if campaign.status != CampaignStatus::Active {
        return Err(ApiError::bad_input(
            "input.dealId",
            "the deal's campaign is not active",
        ));
    }
    Ok(campaign)
}

/// An event already recorded under `external_id`: the same payload for this
/// deal answers its first result; anything else is `CONFLICT`.
async fn recorded(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_id: &str,
    payload: &str,
    deal: &deal::Model,
) -> ApiResult<Option<DealEvent>> {
    let Some(event) = crate::ledger::accrual::find_event(conn, tenant_id, external_id).await?
    else {
        return Ok(None);
    };
    if event.payload != payload || event.deal_id.as_deref() != Some(deal.id.as_str()) {
        return Err(conflict());
    }
    duplicate(conn, event, deal.clone()).await.map(Some)
}

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

async fn insert_event(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    kind: EventKind,
    stage_id: Option<&str>,
    amount_minor: i64,
    arrival: &Arrival<'_>,
) -> ApiResult<event::Model> {
    let event = event::Model {
        id: input::new_id(),
        tenant_id: deal.tenant_id.clone(),
        external_id: arrival.external_id.to_owned(),
        partner_id: deal.partner_id.clone(),
        campaign_id: deal.campaign_id.clone(),
        customer_id: None,
        kind,
        amount_minor,
        currency: deal.currency.clone(),
        occurred_at: arrival.occurred_at,
        revenue_minor: None,
        metadata: None,
        payload: arrival.payload.to_owned(),
        refunded_minor: 0,
        recorded_at: crate::db::now(),
        deal_id: Some(deal.id.clone()),
        stage_id: stage_id.map(str::to_owned),
    };
    // A delivery for another partner may have taken this externalId first.
    keyed(crate::ledger::accrual::insert_event(conn, &event).await)?;
    Ok(event)
}

/// An insert under an `externalId`: one taken already is `CONFLICT`.
pub(super) fn keyed<T>(inserted: Result<T, sea_orm::DbErr>) -> ApiResult<T> {
    inserted.map_err(|e| match is_unique_violation(&e) {
        true => conflict(),
        false => e.into(),
    })
}

/// The commissions the deal's terms in force pay for `trigger`, as the
/// tenant's tiers leave them (the event counts toward the tiers whatever it
/// earns), written with any adjustments a tier it reached appends.
async fn post(
    conn: &crate::db::Txn,
    deal: &deal::Model,
    event: &event::Model,
    campaign: &campaign::Model,
    trigger: &Trigger<'_>,
    amount_field: &str,
) -> ApiResult<Vec<commission::Model>> {
    let terms = deal_term::Entity::find()
        .filter(deal_term::Column::DealId.eq(deal.id.as_str()))
        .filter(deal_term::Column::Version.eq(deal.terms_version))
        .order_by_asc(deal_term::Column::Id)
        .all(conn)
        .await?;
    let currency = campaigns::check_currency("currency", &deal.currency)?;
    let mut earned = match terms.is_empty() {
        true => Vec::new(),
        false => {
            let context = context(conn, deal, campaign, currency).await?;
            accrue::commissions(
                &context.borrowed(deal, event),
                &frozen_plans(&terms)?,
                trigger,
            )?
        }
    };
    pipeline::mark_staff_payees(conn, &mut earned).await?;
    let unrounded: Vec<Decimal> = earned
        .iter()
        .map(|new| new.breakdown.iter().map(|line| line.amount()).sum())
        .collect();
    let counted = std::iter::once((
        deal.partner_id.as_str(),
        campaign.id.as_str(),
        event.occurred_at,
    ));
    let mut tiers = TierBook::load(conn, &deal.tenant_id, event.recorded_at, counted).await?;
    let effect = tiers.apply(
        &Accrued {
            partner_id: &deal.partner_id,
            campaign_id: &campaign.id,
            event_id: &event.id,
            currency,
            at: event.occurred_at,
            sale: event.kind == EventKind::DealPayment,
            amount_minor: event.amount_minor,
            revenue_minor: None,
            commissions: &unrounded,
            amount_field,
        },
        &[],
    )?;
    let mut posting = Posting::new(event.recorded_at);
    let mut rows = Vec::new();
    for ((mut new, amount), line) in earned.into_iter().zip(effect.amounts).zip(effect.lines) {
        new.amount_minor = posting::earned_minor(currency, amount, amount_field)?;
        // A tier that took it down to 0 leaves no row.
        if new.amount_minor == 0 {
            continue;
        }
        new.breakdown.extend(line);
        new.tier_id = effect.tier_id.clone();
        let row = posting.add(new)?;
        tiers.record(posting.rows().len() - 1);
        rows.push(row);
    }
    for adjustment in effect.adjustments {
        posting.add(adjustment)?;
    }
    tiers.settle(conn, &deal.tenant_id, &mut posting).await?;
    posting.write(conn).await?;
    Ok(rows)
}

/// What a deal event's commissions depend on beyond the deal and event.
struct Loaded {
    options: DealOptions,
    currency: Currency,
    holdback_days: Option<i32>,
    snapshot_id: Option<String>,
}

impl Loaded {
    fn borrowed<'a>(&'a self, deal: &'a deal::Model, event: &'a event::Model) -> Context<'a> {
        Context {
            deal,
            event,
            currency: self.currency,
            options: &self.options,
            holdback_days: self.holdback_days,
            snapshot_id: self.snapshot_id.clone(),
        }
    }
}

/// The deal's options and the holdback in force for its partner in its
/// campaign (as for any event of the partner there).
async fn context(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    campaign: &campaign::Model,
    currency: Currency,
) -> ApiResult<Loaded> {
    let options: DealOptions = deal_field_value::Entity::find()
        .filter(deal_field_value::Column::DealId.eq(deal.id.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.custom_field_id, v.option_id))
        .collect();
    let snapshot = partner_commission::Entity::find()
        .filter(partner_commission::Column::PartnerId.eq(deal.partner_id.as_str()))
        .filter(partner_commission::Column::CampaignId.eq(campaign.id.as_str()))
        .order_by_desc(partner_commission::Column::Id)
        .one(conn)
        .await?;
    Ok(Loaded {
        options,
        currency,
        holdback_days: snapshot
            .as_ref()
            .and_then(|s| s.holdback_days)
            .or(campaign.holdback_days),
        snapshot_id: snapshot.map(|s| s.id),
    })
}

//! Deals (SPEC §8): created with the plans that apply to their partner
//! frozen as their terms, moved through the pipeline, paid. Creating,
//! moving and paying are recorded as events (`DEAL_STAGE`, `DEAL_PAYMENT`)
//! under the caller's `externalId`, exactly once: the same payload again
//! answers the first result, another payload is `CONFLICT`. Each takes the
//! partner's lock first (as accrual does), then the deal's, so concurrent
//! deliveries of one event queue and one of them writes.
//!
//! Reaching a stage means moving to it or past it, by position, for the
//! first time: its entries' one-off parts fire then, once per deal, never
//! again on moves back and forth; a deal created at a stage has reached it
//! and every earlier one. A recurring part counts the deal's payments
//! recorded after its stage was reached.

use super::accrue::{self, Context, FrozenPlan, Trigger};
use super::pipeline;
use super::plans;
use crate::campaigns::{self, enrollment};
use crate::db::Db;
use crate::engine::Currency;
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::events::{self, DomainEventType, NewEvent};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use crate::ledger::accrual::PartnerRef;
use crate::ledger::transitions::lock_partners;
use crate::posting::{self, Posting};
use crate::tiers::book::{Accrued, TierBook};
use chrono::{DateTime, Utc};
use entity::enums::{CampaignStatus, CommissionKind, EventKind, PartnerStatus, PlanMatch};
use entity::{
    campaign, commission, custom_field_option, deal, deal_field_value, deal_stage,
    deal_stage_reached, deal_term, deal_term_version, event, partner, partner_commission,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::{HashMap, HashSet};

pub struct NewDeal {
    pub external_id: String,
    pub partner: PartnerRef,
    /// Omitted: the default campaign.
    pub campaign_id: Option<String>,
    pub name: String,
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    pub stage_id: String,
    /// (custom field id, option id), each field at most once.
    pub field_values: Vec<(String, String)>,
    pub lead_creator_id: Option<String>,
    pub owner_id: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
}

pub struct StageMove {
    pub deal_id: String,
    pub stage_id: String,
    pub external_id: String,
    pub occurred_at: Option<DateTime<Utc>>,
}

pub struct NewPayment {
    pub deal_id: String,
    pub external_id: String,
    /// Omitted: the deal's amount.
    pub amount: Option<Decimal>,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// What a deal event did.
pub struct DealEvent {
    pub event: event::Model,
    pub deal: deal::Model,
    pub commissions: Vec<commission::Model>,
    /// The event had been recorded before with this payload.
    pub duplicate: bool,
}

fn conflict() -> ApiError {
    ApiError::Conflict("an event with this externalId was recorded with another payload".into())
}

/// Creates a deal, freezes the plans that apply to its partner now, and
/// records its arrival at its first stage under its `externalId`.
pub async fn create(db: &Db, tenant_id: &str, actor: &str, new: NewDeal) -> ApiResult<DealEvent> {
    let external_id =
        input::required_text("input.externalId", &new.external_id, MAX_EXTERNAL_ID_CHARS)?;
    let name = input::required_text("input.name", &new.name, MAX_NAME_CHARS)?;
    let payload = creation_payload(&new);
    let (new, external_id, name, payload) = (&new, &external_id, &name, &payload);
    db.retrying(|| async move {
        let txn = db.write().await?;
        let created = create_in(&txn, tenant_id, actor, new, external_id, name, payload).await?;
        txn.commit().await?;
        Ok(created)
    })
    .await
}

fn creation_payload(new: &NewDeal) -> String {
    let partner = match &new.partner {
        PartnerRef::Id(id) => serde_json::json!({ "id": id }),
        PartnerRef::ExternalId(id) => serde_json::json!({ "externalId": id }),
    };
    let mut values = new.field_values.clone();
    values.sort();
    serde_json::json!({
        "partner": partner,
        "campaignId": new.campaign_id,
        "name": new.name.trim(),
        "amount": new.amount.normalize().to_string(),
        "currency": new.currency,
        "stageId": new.stage_id,
        "customFieldValues": values,
        "leadCreatorId": new.lead_creator_id,
        "ownerId": new.owner_id,
        "occurredAt": new.occurred_at.map(|t| t.to_rfc3339()),
    })
    .to_string()
}

#[allow(clippy::too_many_arguments)]
async fn create_in(
    conn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    new: &NewDeal,
    external_id: &str,
    name: &str,
    payload: &str,
) -> ApiResult<DealEvent> {
    let partner = locked_partner(conn, tenant_id, &new.partner).await?;
    if let Some(found) = created_before(conn, tenant_id, external_id, payload).await? {
        return Ok(found);
    }
    let campaign = deal_campaign(conn, tenant_id, &partner, new.campaign_id.as_deref()).await?;
    let stage = stage_of(conn, tenant_id, &new.stage_id, "input.stageId").await?;
    let fields = DealFields {
        external_id,
        name,
        payload,
    };
    let deal = insert_deal(conn, &partner, &campaign, &stage, new, fields).await?;
    let frozen: Vec<(FrozenPlan, PlanMatch)> = plans::applicable(conn, tenant_id, &partner)
        .await?
        .into_iter()
        .map(|a| Ok((freeze(&a.plan)?, a.matched_by)))
        .collect::<ApiResult<_>>()?;
    write_terms(conn, &deal, 1, &frozen, None, actor).await?;
    let arrival = Arrival {
        external_id,
        payload,
        occurred_at: accrue::occurred(new.occurred_at),
        amount_field: "input.amount",
    };
    reach_stage(conn, deal, &stage, arrival, &campaign).await
}

/// A deal created before under `external_id`: the same payload answers its
/// first result; another payload, or an event that is not a deal's
/// creation under that key, is `CONFLICT`.
async fn created_before(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_id: &str,
    payload: &str,
) -> ApiResult<Option<DealEvent>> {
    let event = crate::ledger::accrual::find_event(conn, tenant_id, external_id).await?;
    let existing = deal::Entity::find()
        .filter(deal::Column::TenantId.eq(tenant_id))
        .filter(deal::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?;
    match (existing, event) {
        (None, None) => Ok(None),
        (Some(existing), Some(event)) if existing.payload == payload => {
            duplicate(conn, event, existing).await.map(Some)
        }
        (Some(_), _) => Err(ApiError::Conflict(
            "a deal with this externalId was created with another payload".into(),
        )),
        (None, Some(_)) => Err(conflict()),
    }
}

/// The keys and text of a new deal, checked.
struct DealFields<'a> {
    external_id: &'a str,
    name: &'a str,
    payload: &'a str,
}

/// Checks a new deal's amount, currency, field values and contacts, and
/// writes it with its field values.
async fn insert_deal(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    campaign: &campaign::Model,
    stage: &deal_stage::Model,
    new: &NewDeal,
    fields: DealFields<'_>,
) -> ApiResult<deal::Model> {
    let tenant_id = partner.tenant_id.as_str();
    let currency = campaigns::check_currency("input.currency", &campaign.currency)?;
    if let Some(code) = &new.currency
        && code != currency.code()
    {
        return Err(ApiError::bad_input(
            "input.currency",
            format!("must be the campaign's currency, {}", campaign.currency),
        ));
    }
    let amount_minor = positive_minor("input.amount", new.amount, currency)?;
    let options = check_field_values(conn, tenant_id, &new.field_values, "input").await?;
    for (id, field) in [
        (&new.lead_creator_id, "input.leadCreatorId"),
        (&new.owner_id, "input.ownerId"),
    ] {
        if let Some(id) = id {
            pipeline::contact_for(conn, tenant_id, &partner.id, id, field).await?;
        }
    }
    let now = crate::db::now();
    let deal = deal::Model {
        id: input::new_id(),
        tenant_id: tenant_id.to_owned(),
        external_id: fields.external_id.to_owned(),
        partner_id: partner.id.clone(),
        campaign_id: campaign.id.clone(),
        name: fields.name.to_owned(),
        amount_minor,
        currency: currency.code().to_owned(),
        stage_id: stage.id.clone(),
        lead_creator_id: new.lead_creator_id.clone(),
        owner_id: new.owner_id.clone(),
        reached_position: -1,
        payment_count: 0,
        terms_version: 1,
        payload: fields.payload.to_owned(),
        created_at: now,
        updated_at: now,
    };
    let insert = deal::Entity::insert(deal::ActiveModel::from(deal.clone()));
    keyed(insert.exec_without_returning(conn).await)?;
    let values = options
        .iter()
        .map(|(field, option)| deal_field_value::ActiveModel {
            deal_id: Set(deal.id.clone()),
            custom_field_id: Set(field.clone()),
            option_id: Set(option.clone()),
            tenant_id: Set(tenant_id.to_owned()),
        });
    deal_field_value::Entity::insert_many(values)
        .exec_without_returning(conn)
        .await?;
    Ok(deal)
}

/// The partner an event names, locked.
async fn locked_partner(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    reference: &PartnerRef,
) -> ApiResult<partner::Model> {
    let (column, value, field) = match reference {
        PartnerRef::Id(id) => (partner::Column::Id, id, "input.partnerId"),
        PartnerRef::ExternalId(id) => (partner::Column::ExternalId, id, "input.partnerExternalId"),
    };
    let found = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(column.eq(value.as_str()))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such partner"))?;
    if found.status != PartnerStatus::Active {
        return Err(ApiError::bad_input(field, "the partner is not active"));
    }
    Ok(found)
}

/// The campaign a deal is in: named or the default; active, and the partner
/// enrolled unless it is the default.
async fn deal_campaign(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner: &partner::Model,
    campaign_id: Option<&str>,
) -> ApiResult<campaign::Model> {
    let campaign = match campaign_id {
        Some(id) => campaigns::find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?,
        None => campaigns::default_campaign(conn, tenant_id).await?,
    };
    if campaign.status != CampaignStatus::Active {
        return Err(ApiError::bad_input(
            "input.campaignId",
            "the campaign is not active",
        ));
    }
    if !campaign.is_default && !enrollment::is_enrolled(conn, &partner.id, &campaign.id).await? {
        return Err(ApiError::bad_input(
            "input.campaignId",
            "the partner is not enrolled in this campaign",
        ));
    }
    Ok(campaign)
}

pub(super) fn positive_minor(field: &str, amount: Decimal, currency: Currency) -> ApiResult<i64> {
    let minor = currency
        .to_minor(amount)
        .map_err(|e| ApiError::bad_input(field, e.to_string()))?;
    if minor <= 0 {
        return Err(ApiError::bad_input(field, "must be greater than 0"));
    }
    Ok(minor)
}

async fn stage_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    field: &str,
) -> ApiResult<deal_stage::Model> {
    deal_stage::Entity::find_by_id(id.to_owned())
        .filter(deal_stage::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such deal stage"))
}

/// The field values as the deal's options: each field of the tenant once,
/// each option one of its field's; errors name `{prefix}.customFieldValues[i]`.
pub(super) async fn check_field_values(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    values: &[(String, String)],
    prefix: &str,
) -> ApiResult<DealOptions> {
    let options: HashMap<String, String> = custom_field_option::Entity::find()
        .filter(custom_field_option::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.custom_field_id))
        .collect();
    let mut chosen = DealOptions::new();
    for (i, (field, option)) in values.iter().enumerate() {
        let at = format!("{prefix}.customFieldValues[{i}]");
        if options.get(option) != Some(field) {
            return Err(ApiError::bad_input(
                format!("{at}.optionId"),
                "is not an option of that custom field",
            ));
        }
        if chosen.insert(field.clone(), option.clone()).is_some() {
            return Err(ApiError::bad_input(
                format!("{at}.customFieldId"),
                "repeats a field",
            ));
        }
    }
    Ok(chosen)
}

/// A plan as a deal freezes it.
fn freeze(plan: &entity::commission_plan::Model) -> ApiResult<FrozenPlan> {
    Ok(FrozenPlan {
        plan_id: plan.id.clone(),
        label: plan.label.clone(),
        payment_target: plan.payment_target,
        auto_assign_recipient: plan.auto_assign_recipient,
        entries: plans::entries_of(plan)?,
    })
}

async fn write_terms(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    version: i32,
    frozen: &[(FrozenPlan, PlanMatch)],
    note: Option<&str>,
    actor: &str,
) -> ApiResult<()> {
    deal_term_version::Entity::insert(deal_term_version::ActiveModel {
        deal_id: Set(deal.id.clone()),
        version: Set(version),
        tenant_id: Set(deal.tenant_id.clone()),
        note: Set(note.map(str::to_owned)),
        created_by: Set(actor.to_owned()),
        created_at: Set(crate::db::now()),
    })
    .exec_without_returning(conn)
    .await?;
    let mut rows = Vec::with_capacity(frozen.len());
    for (plan, matched_by) in frozen {
        rows.push(deal_term::ActiveModel {
            id: Set(input::new_id()),
            tenant_id: Set(deal.tenant_id.clone()),
            deal_id: Set(deal.id.clone()),
            version: Set(version),
            plan_id: Set(plan.plan_id.clone()),
            plan: Set(serde_json::to_value(plan).map_err(|e| ApiError::internal("freeze plan", e))?),
            matched_by: Set(*matched_by),
        });
    }
    deal_term::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The plans of a deal's terms in force.
pub fn frozen_plans(rows: &[deal_term::Model]) -> ApiResult<Vec<FrozenPlan>> {
    rows.iter()
        .map(|row| {
            serde_json::from_value(row.plan.clone())
                .map_err(|e| ApiError::internal("stored deal terms", e))
        })
        .collect()
}

/// A deal event being recorded: its key, payload and time.
struct Arrival<'a> {
    external_id: &'a str,
    payload: &'a str,
    occurred_at: DateTime<Utc>,
    /// The input blamed for what it earns when that is beyond the ledger's
    /// range: the amount given, or for a move the deal it names.
    amount_field: &'static str,
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

/// Moves a deal to a stage inside the caller's transaction (batches of
/// moves and payments: [`super::batch`]).
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
async fn reach_stage(
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
async fn locked_deal(
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

async fn duplicate(
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
fn keyed<T>(inserted: Result<T, sea_orm::DbErr>) -> ApiResult<T> {
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

/// Replaces a deal's terms with `plan_ids` (each of the tenant, not
/// archived, for the partner's type, at most one per payment target), as a
/// new version kept beside the old ones. Events after it use the new terms;
/// commissions already earned stay as they are.
pub async fn amend_terms(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    deal_id: &str,
    plan_ids: &[String],
    note: &str,
) -> ApiResult<deal::Model> {
    let note = input::required_text("input.note", note, MAX_NOTE_CHARS)?;
    let note = &note;
    db.retrying(|| async move {
        let txn = db.write().await?;
        let conn = &*txn;
        let mut deal = locked_deal(conn, tenant_id, deal_id).await?;
        let partner = partner::Entity::find_by_id(deal.partner_id.clone())
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::internal("deal partner", &deal.partner_id))?;
        let mut frozen = Vec::with_capacity(plan_ids.len());
        let mut targets = HashSet::new();
        for (i, id) in plan_ids.iter().enumerate() {
            let field = format!("input.planIds[{i}]");
            let plan = plans::find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::bad_input(&field, "no such commission plan"))?;
            if plan.archived_at.is_some() {
                return Err(ApiError::bad_input(field, "the plan is archived"));
            }
            if plan.partner_type != partner.r#type {
                return Err(ApiError::bad_input(
                    field,
                    "the plan is for another partner type",
                ));
            }
            if !targets.insert(plan.payment_target) {
                return Err(ApiError::bad_input(
                    field,
                    "another plan of the list has the same payment target",
                ));
            }
            frozen.push((freeze(&plan)?, PlanMatch::Amendment));
        }
        deal.terms_version += 1;
        write_terms(conn, &deal, deal.terms_version, &frozen, Some(note), actor).await?;
        deal.updated_at = crate::db::now();
        deal::Entity::update_many()
            .col_expr(deal::Column::TermsVersion, Expr::value(deal.terms_version))
            .col_expr(deal::Column::UpdatedAt, Expr::value(deal.updated_at))
            .filter(deal::Column::Id.eq(deal.id.as_str()))
            .exec(conn)
            .await?;
        txn.commit().await?;
        Ok(deal)
    })
    .await
}

/// Names the contact a spiff pays, once, while it waits for one; its
/// clawbacks (of refunds before it was named) follow it.
pub async fn assign_recipient(
    db: &Db,
    tenant_id: &str,
    commission_id: &str,
    contact_id: &str,
) -> ApiResult<commission::Model> {
    let ids = &[commission_id.to_owned()];
    db.retrying(|| async move {
        let txn = db.write().await?;
        let conn = &*txn;
        let locked = posting::lock(conn, tenant_id, ids).await?;
        let row = posting::in_request_order(ids, locked)?
            .pop()
            .ok_or(ApiError::Internal)?;
        if !row.recipient_pending {
            return Err(ApiError::Conflict(format!(
                "commission {} does not wait for a recipient",
                row.id
            )));
        }
        let contact =
            pipeline::contact_for(conn, tenant_id, &row.partner_id, contact_id, "contactId")
                .await?;
        let staff = contact.partner_id.is_none();
        let named = posting::name_recipient(conn, row, &contact.id, staff).await?;
        txn.commit().await?;
        Ok(named)
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<deal::Model>> {
    Ok(deal::Entity::find_by_id(id.to_owned())
        .filter(deal::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

#[derive(Default, Clone)]
pub struct DealFilter {
    pub partner_id: Option<String>,
    pub stage_id: Option<String>,
}

pub fn list(tenant_id: &str, filter: &DealFilter) -> Select<deal::Entity> {
    let mut select = deal::Entity::find().filter(deal::Column::TenantId.eq(tenant_id));
    if let Some(partner_id) = &filter.partner_id {
        select = select.filter(deal::Column::PartnerId.eq(partner_id.as_str()));
    }
    if let Some(stage_id) = &filter.stage_id {
        select = select.filter(deal::Column::StageId.eq(stage_id.as_str()));
    }
    select
}

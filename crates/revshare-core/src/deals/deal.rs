//! Deals (SPEC §8): created with the plans that apply to their partner
//! frozen as their terms, moved through the pipeline, paid. Creating,
//! moving and paying are recorded as events (`DEAL_STAGE`, `DEAL_PAYMENT`)
//! under the caller's `externalId`, exactly once: the same payload again
//! answers the first result, another payload is `CONFLICT`. Each takes the
//! partner's lock first (as accrual does), then the deal's, so concurrent
//! deliveries of one event queue and one of them writes. This module
//! creates deals and keeps their terms; moves and payments are
//! [`super::record`]'s.
//!
//! Reaching a stage means moving to it or past it, by position, for the
//! first time: its entries' one-off parts fire then, once per deal, never
//! again on moves back and forth; a deal created at a stage has reached it
//! and every earlier one. A recurring part counts the deal's payments
//! recorded after its stage was reached.

use super::accrue::FrozenPlan;
use super::moves::{DealEvent, positive_minor};
use super::pipeline;
use super::plans;
use super::record::{self, DealItem, What, duplicate, keyed};
use crate::auth::access::Rows;
use crate::campaigns::{self, enrollment};
use crate::db::Db;
use crate::engine::Currency;
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use crate::ledger::accrual::PartnerRef;
use crate::ledger::path::Payload;
use crate::posting::{self};
use chrono::{DateTime, Utc};
use entity::enums::{CampaignStatus, DealRegistration, DealStatus, PartnerStatus, PlanMatch};
use entity::{
    campaign, commission, custom_field_option, deal, deal_field_value, deal_stage, deal_term,
    deal_term_version, partner,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select,
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

/// Creates a deal, freezes the plans that apply to its partner now, and
/// records its arrival at its first stage under its `externalId`.
pub async fn create(db: &Db, tenant_id: &str, actor: &str, new: NewDeal) -> ApiResult<DealEvent> {
    let external_id =
        input::required_text("input.externalId", &new.external_id, MAX_EXTERNAL_ID_CHARS)?;
    let name = input::required_line("input.name", &new.name, MAX_NAME_CHARS)?;
    let payload = creation_payload(&new);
    let (new, external_id, name, payload) = (&new, &external_id, &name, &payload);
    db.transaction(|txn| {
        Box::pin(async move {
            let created =
                create_in(&txn, tenant_id, actor, new, external_id, name, payload).await?;
            Ok(created)
        })
    })
    .await
}

fn creation_payload(new: &NewDeal) -> String {
    let mut values = new.field_values.clone();
    values.sort();
    Payload::new()
        .field("partner", new.partner.payload())
        .field("campaignId", new.campaign_id.clone())
        .field("name", new.name.trim())
        .amount("amount", Some(new.amount))
        .field("currency", new.currency.clone())
        .field("stageId", new.stage_id.clone())
        .field("customFieldValues", serde_json::json!(values))
        .field("leadCreatorId", new.lead_creator_id.clone())
        .field("ownerId", new.owner_id.clone())
        .at("occurredAt", new.occurred_at)
        .text()
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
    crate::activity::created("Deal", &deal.id, &deal);
    let frozen = applicable_now(conn, tenant_id, &partner).await?;
    write_terms(conn, &deal, 1, &frozen, None, actor).await?;
    let arrival = DealItem {
        prefix: "input".into(),
        external_id: external_id.to_owned(),
        payload: payload.to_owned(),
        deal_id: deal.id,
        occurred_at: new.occurred_at,
        what: What::Stage {
            stage_id: stage.id,
            created: true,
        },
        by: None,
    };
    let mut recorded = record::record_in(conn, tenant_id, std::slice::from_ref(&arrival)).await?;
    recorded
        .pop()
        .ok_or_else(|| ApiError::internal("deal creation", "no answer"))?
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
        (None, Some(_)) => Err(ApiError::other_payload()),
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
    let currency = deal_currency(campaign, new.currency.as_deref())?;
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
        registration: DealRegistration::NotRequired,
        registration_reason: None,
        company_name: None,
        company_domain: None,
        notes: None,
        status: DealStatus::Open,
        lost_reason: None,
        expected_close_date: None,
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
    let found = posting::locks::partners(
        conn,
        tenant_id,
        sea_orm::Condition::all().add(column.eq(value.as_str())),
    )
    .await?
    .pop()
    .ok_or_else(|| ApiError::bad_input(field, "no such partner"))?;
    if found.status != PartnerStatus::Active {
        return Err(ApiError::bad_input(field, "the partner is not active"));
    }
    Ok(found)
}

/// The campaign a deal is in: named or the default; active, and the partner
/// enrolled unless it is the default.
pub(super) async fn deal_campaign(
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

pub(super) async fn stage_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    field: &str,
) -> ApiResult<deal_stage::Model> {
    let stage = deal_stage::Entity::find_by_id(id.to_owned())
        .filter(deal_stage::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such deal stage"))?;
    if stage.archived_at.is_some() {
        return Err(ApiError::bad_input(field, "the stage is archived"));
    }
    Ok(stage)
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

/// The plans that apply to `partner` now, frozen as a deal's terms.
pub(super) async fn applicable_now(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner: &partner::Model,
) -> ApiResult<Vec<(FrozenPlan, PlanMatch)>> {
    plans::applicable(conn, tenant_id, partner)
        .await?
        .into_iter()
        .map(|a| Ok((freeze(&a.plan)?, a.matched_by)))
        .collect()
}

/// A new deal's currency: its campaign's, which `given` must be if given.
pub(super) fn deal_currency(
    campaign: &campaign::Model,
    given: Option<&str>,
) -> ApiResult<Currency> {
    let currency = campaigns::check_currency("input.currency", &campaign.currency)?;
    if given.is_some_and(|code| code != currency.code()) {
        return Err(ApiError::bad_input(
            "input.currency",
            format!("must be the campaign's currency, {}", campaign.currency),
        ));
    }
    Ok(currency)
}

/// A plan as a deal freezes it.
fn freeze(plan: &entity::commission_plan::Model) -> ApiResult<FrozenPlan> {
    Ok(FrozenPlan {
        plan_id: plan.id.clone(),
        label: plan.label.clone(),
        payment_target: plan.payment_target,
        auto_assign_recipient: plan.auto_assign_recipient,
        currency: Some(plan.currency.clone()),
        entries: plans::entries_of(plan)?,
    })
}

pub(super) async fn write_terms(
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
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = locked_deal(conn, tenant_id, deal_id, "input.dealId").await?;
            super::moves::decided(&deal)?;
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
            Ok(deal)
        })
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
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let locked = posting::locks::commissions(conn, tenant_id, ids).await?;
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
            Ok(named)
        })
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

#[derive(Clone)]
pub struct DealFilter {
    /// Whose deals: the tenant's, one partner's, or none.
    pub rows: Rows,
    pub stage_id: Option<String>,
    pub registration: Option<DealRegistration>,
    pub status: Option<DealStatus>,
}

pub fn list(tenant_id: &str, filter: &DealFilter) -> Select<deal::Entity> {
    let mut select = deal::Entity::find().filter(deal::Column::TenantId.eq(tenant_id));
    if let Some(partner_id) = filter.rows.partner_filter() {
        select = select.filter(deal::Column::PartnerId.eq(partner_id));
    }
    if let Some(stage_id) = &filter.stage_id {
        // A deal outside the pipeline is at no stage.
        select = select
            .filter(deal::Column::StageId.eq(stage_id.as_str()))
            .filter(
                deal::Column::Registration
                    .is_in([DealRegistration::NotRequired, DealRegistration::Approved]),
            );
    }
    if let Some(registration) = filter.registration {
        select = select.filter(deal::Column::Registration.eq(registration));
    }
    if let Some(status) = filter.status {
        select = select.filter(deal::Column::Status.eq(status));
    }
    select
}

/// A deal of the tenant, after its partner's lock, itself locked; `field`
/// names the id in the error when there is none.
pub(super) async fn locked_deal(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    field: &str,
) -> ApiResult<deal::Model> {
    let found = find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such deal"))?;
    posting::locks::partners_by_id(conn, tenant_id, [found.partner_id.as_str()]).await?;
    deal::Entity::find_by_id(found.id.clone())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("locked deal", id))
}

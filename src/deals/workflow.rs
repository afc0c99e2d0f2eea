//! What happens to a deal besides its events (SPEC §14): a partner
//! registers it and the tenant approves or rejects the registration; the
//! tenant changes its fields, closes it as lost and reopens it. Each is one
//! transaction that takes the partner's lock and then the deal's (as the
//! deal's events do), writes the deal's history, and announces a domain
//! event.
//!
//! - A registration is `PENDING`: stored at the pipeline's first stage
//!   without having reached it, with no terms, earning nothing, its events
//!   refused. Approval freezes the plans that apply then, as `createDeal`
//!   does, and records the deal's arrival at the stage chosen (or the
//!   first), which earns what reaching it earns. A rejection keeps the
//!   deal, with its reason, for the partner to read.
//! - A company domain is worked by one deal at a time: while a deal that
//!   names it is neither lost nor rejected, registering it again is
//!   `CONFLICT`, by any partner. A partial unique index keeps this under
//!   concurrency; the check before it words the answer.
//! - A change applies to what is earned afterwards: commissions already
//!   written stay as they are.

use super::deal::{self as deals, locked_deal};
use super::moves::{DealEvent, decided, positive_minor};
use super::pipeline;
use super::record::{self, DealItem, What};
use crate::campaigns;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::{self, DomainEventType, NewDomainEvent};
use crate::history::{self, Change, Stamp};
use crate::input::{self, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use crate::ledger::path::Payload;
use chrono::NaiveDate;
use entity::enums::{DealRegistration, DealStatus, PartnerStatus};
use entity::{deal, deal_field_value, deal_stage, partner};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

/// Longest company domain (DNS's limit).
const MAX_DOMAIN_CHARS: usize = 253;

/// A deal as a partner registers it.
pub struct Registration {
    pub name: String,
    pub amount: Decimal,
    /// Omitted: the default campaign's currency; given, it must be it.
    pub currency: Option<String>,
    pub company_name: String,
    pub company_domain: String,
    pub field_values: Vec<(String, String)>,
    /// One of the partner's own contacts.
    pub lead_creator_id: Option<String>,
    pub notes: Option<String>,
}

/// A company domain as it is compared: trimmed, lower-cased, without a
/// trailing dot or a leading `www.`; letters, digits and hyphens in two or
/// more labels.
pub fn company_domain(field: &str, text: &str) -> ApiResult<String> {
    let domain = text.trim().trim_end_matches('.').to_lowercase();
    let domain = domain.strip_prefix("www.").unwrap_or(&domain).to_owned();
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = domain.len() <= MAX_DOMAIN_CHARS
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if !valid {
        return Err(ApiError::bad_input(
            field,
            "must be a domain name such as acme.com",
        ));
    }
    Ok(domain)
}

/// Registers a deal for `partner_id`: `PENDING`, in the default campaign.
pub async fn register(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    actor: &str,
    new: Registration,
) -> ApiResult<deal::Model> {
    let checked = Checked {
        name: input::required_text("input.name", &new.name, MAX_NAME_CHARS)?,
        company: input::required_text("input.companyName", &new.company_name, MAX_NAME_CHARS)?,
        domain: company_domain("input.companyDomain", &new.company_domain)?,
        notes: input::optional_text("input.notes", new.notes.as_deref(), MAX_NOTE_CHARS)?,
        new: &new,
    };
    let checked = &checked;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let partner = crate::posting::locks::partners_by_id(conn, tenant_id, [partner_id])
                .await?
                .pop()
                .ok_or_else(|| ApiError::not_found("partner"))?;
            if partner.status != PartnerStatus::Active {
                // The one answer to a partner that is not active, here
                // the caller's own: its input is refused.
                return Err(ApiError::bad_input("input", "the partner is not active"));
            }
            domain_free(conn, tenant_id, partner_id, &checked.domain).await?;
            let campaign = deals::deal_campaign(conn, tenant_id, &partner, None).await?;
            let currency = deals::deal_currency(&campaign, checked.new.currency.as_deref())?;
            let amount_minor = positive_minor("input.amount", checked.new.amount, currency)?;
            let options =
                deals::check_field_values(conn, tenant_id, &checked.new.field_values, "input")
                    .await?;
            if let Some(id) = &checked.new.lead_creator_id {
                own_contact(conn, tenant_id, partner_id, id).await?;
            }
            let first = first_stage(conn, tenant_id).await?.ok_or_else(no_stages)?;
            let deal = checked.pending_deal(
                tenant_id,
                partner_id,
                &campaign.id,
                first.id,
                currency,
                amount_minor,
                &options,
            );
            let insert = deal::Entity::insert(deal::ActiveModel::from(deal.clone()));
            if let Err(e) = insert.exec_without_returning(conn).await {
                return Err(match violates(&e, keys::COMPANY_DOMAIN) {
                    true => worked_by_another(&checked.domain),
                    false => e.into(),
                });
            }
            write_values(conn, &deal, options.into_iter().collect()).await?;
            let stamp = Stamp {
                tenant_id,
                actor,
                at: deal.created_at,
            };
            let registered = Some(DealRegistration::Pending.as_str().to_owned());
            let log = vec![Change::new("registration", None, registered)];
            history::record(conn, &stamp, &deal.id, log).await?;
            let data = serde_json::json!({
                "name": deal.name, "companyName": checked.company, "companyDomain": checked.domain,
                "amount": currency.from_minor(amount_minor).to_string(), "currency": deal.currency,
            });
            announce(conn, &deal, DomainEventType::DealRegistered, data).await?;
            Ok(deal)
        })
    })
    .await
}

/// A registration's texts, checked before its transaction.
struct Checked<'a> {
    name: String,
    company: String,
    domain: String,
    notes: Option<String>,
    new: &'a Registration,
}

impl Checked<'_> {
    /// The pending deal a registration makes: outside the pipeline (at its
    /// first stage, not reached), no terms, its id as its key.
    #[allow(clippy::too_many_arguments)]
    fn pending_deal(
        &self,
        tenant_id: &str,
        partner_id: &str,
        campaign_id: &str,
        first_stage_id: String,
        currency: crate::engine::Currency,
        amount_minor: i64,
        options: &std::collections::BTreeMap<String, String>,
    ) -> deal::Model {
        let now = crate::db::now();
        let id = input::new_id();
        let mut values: Vec<_> = options.iter().collect();
        values.sort();
        let payload = Payload::new()
            .field("name", self.name.as_str())
            .amount("amount", Some(self.new.amount))
            .field("currency", currency.code())
            .field("companyName", self.company.as_str())
            .field("companyDomain", self.domain.as_str())
            .field("customFieldValues", serde_json::json!(values))
            .field("leadCreatorId", self.new.lead_creator_id.clone())
            .field("notes", self.notes.clone())
            .text();
        deal::Model {
            id: id.clone(),
            tenant_id: tenant_id.to_owned(),
            external_id: id,
            partner_id: partner_id.to_owned(),
            campaign_id: campaign_id.to_owned(),
            name: self.name.clone(),
            amount_minor,
            currency: currency.code().to_owned(),
            stage_id: first_stage_id,
            lead_creator_id: self.new.lead_creator_id.clone(),
            owner_id: None,
            reached_position: -1,
            payment_count: 0,
            terms_version: 0,
            payload,
            registration: DealRegistration::Pending,
            registration_reason: None,
            company_name: Some(self.company.clone()),
            company_domain: Some(self.domain.clone()),
            notes: self.notes.clone(),
            status: DealStatus::Open,
            lost_reason: None,
            expected_close_date: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Refuses a lead creator that is not one of the partner's own contacts:
/// one answer for the tenant's contact, another partner's and none at all,
/// so the refusal tells nothing of what exists.
async fn own_contact(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    id: &str,
) -> ApiResult<()> {
    let field = "input.leadCreatorId";
    match pipeline::contact_for(conn, tenant_id, partner_id, id, field).await {
        Ok(contact) if contact.partner_id.as_deref() == Some(partner_id) => Ok(()),
        Ok(_) | Err(ApiError::BadInput { .. }) => {
            Err(ApiError::bad_input(field, "no such contact of the partner"))
        }
        Err(err) => Err(err),
    }
}

/// Refuses a domain an open deal of any partner holds, worded for the
/// partner asking.
async fn domain_free(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    domain: &str,
) -> ApiResult<()> {
    let holder = deal::Entity::find()
        .filter(deal::Column::TenantId.eq(tenant_id))
        .filter(deal::Column::CompanyDomain.eq(domain))
        .filter(deal::Column::Status.ne(DealStatus::Lost))
        .filter(deal::Column::Registration.ne(DealRegistration::Rejected))
        .one(conn)
        .await?;
    match holder {
        None => Ok(()),
        Some(holder) if holder.partner_id == partner_id => Err(ApiError::Conflict(format!(
            "{domain} is already registered by this partner (deal {})",
            holder.id
        ))),
        Some(_) => Err(worked_by_another(domain)),
    }
}

fn worked_by_another(domain: &str) -> ApiError {
    ApiError::Conflict(format!("{domain} is already being worked by another deal"))
}

fn no_stages() -> ApiError {
    ApiError::Conflict("the tenant's pipeline has no stages (none, or all archived)".into())
}

/// The pipeline's first stage that is not archived.
async fn first_stage(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Option<deal_stage::Model>> {
    Ok(deal_stage::Entity::find()
        .filter(deal_stage::Column::TenantId.eq(tenant_id))
        .filter(deal_stage::Column::ArchivedAt.is_null())
        .order_by_asc(deal_stage::Column::Position)
        .one(conn)
        .await?)
}

/// Replaces a deal's field values.
async fn write_values(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    values: Vec<(String, String)>,
) -> ApiResult<()> {
    deal_field_value::Entity::delete_many()
        .filter(deal_field_value::Column::DealId.eq(deal.id.as_str()))
        .exec(conn)
        .await?;
    let rows = values
        .into_iter()
        .map(|(field, option)| deal_field_value::ActiveModel {
            deal_id: Set(deal.id.clone()),
            custom_field_id: Set(field),
            option_id: Set(option),
            tenant_id: Set(deal.tenant_id.clone()),
        });
    deal_field_value::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

async fn announce(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    kind: DomainEventType,
    data: serde_json::Value,
) -> ApiResult<()> {
    let event = NewDomainEvent {
        kind,
        occurred_at: deal.updated_at,
        partner_id: Some(deal.partner_id.clone()),
        subject_id: deal.id.clone(),
        data,
    };
    events::append(conn, &deal.tenant_id, deal.updated_at, vec![event]).await
}

/// A deal locked for a decision, refused unless its registration is
/// `PENDING`.
async fn pending(conn: &impl ConnectionTrait, tenant_id: &str, id: &str) -> ApiResult<deal::Model> {
    let deal = locked_deal(conn, tenant_id, id, "id").await?;
    if deal.registration != DealRegistration::Pending {
        return Err(ApiError::Conflict(format!(
            "the deal's registration is {}, not PENDING",
            deal.registration.as_str()
        )));
    }
    Ok(deal)
}

/// Approves a registration: the plans that apply to the partner now are
/// frozen as the deal's terms, and it arrives at `stage_id` (or the first
/// stage), earning what reaching it earns.
pub async fn approve(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    stage_id: Option<&str>,
) -> ApiResult<DealEvent> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = pending(conn, tenant_id, id).await?;
            let stage = match stage_id {
                Some(stage_id) => deals::stage_of(conn, tenant_id, stage_id, "stageId").await?,
                // Every stage may have been archived since the registration.
                None => first_stage(conn, tenant_id).await?.ok_or_else(no_stages)?,
            };
            let partner = partner::Entity::find_by_id(deal.partner_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("deal partner", &deal.partner_id))?;
            if partner.status != PartnerStatus::Active {
                return Err(ApiError::bad_input(
                    "id",
                    "the deal's partner is not active",
                ));
            }
            let frozen = deals::applicable_now(conn, tenant_id, &partner).await?;
            deals::write_terms(conn, &deal, 1, &frozen, None, actor).await?;
            deal.terms_version = 1;
            deal.stage_id = stage.id.clone();
            let data = serde_json::json!({ "registration": "APPROVED", "stageId": stage.id });
            decide(conn, &mut deal, actor, DealRegistration::Approved, data).await?;
            let arrival = DealItem {
                prefix: "input".into(),
                external_id: deal.external_id.clone(),
                payload: serde_json::json!({ "approval": deal.id, "stageId": stage.id })
                    .to_string(),
                deal_id: deal.id.clone(),
                occurred_at: None,
                what: What::Stage {
                    stage_id: stage.id,
                    created: true,
                },
            };
            let mut recorded =
                record::record_in(&txn, tenant_id, std::slice::from_ref(&arrival)).await?;
            let arrived = recorded
                .pop()
                .ok_or_else(|| ApiError::internal("deal approval", "no answer"))??;
            Ok(arrived)
        })
    })
    .await
}

/// Rejects a registration with its reason; its company domain is free again.
pub async fn reject(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: &str,
) -> ApiResult<deal::Model> {
    let reason = &input::required_text("reason", reason, MAX_NOTE_CHARS)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = pending(conn, tenant_id, id).await?;
            deal.registration_reason = Some(reason.clone());
            let data = serde_json::json!({ "registration": "REJECTED", "reason": reason });
            decide(conn, &mut deal, actor, DealRegistration::Rejected, data).await?;
            Ok(deal)
        })
    })
    .await
}

/// Records the decision on a pending registration: the deal saved with it,
/// its history, and `DEAL_REGISTRATION_DECIDED` with `data`.
async fn decide(
    conn: &impl ConnectionTrait,
    deal: &mut deal::Model,
    actor: &str,
    to: DealRegistration,
    data: serde_json::Value,
) -> ApiResult<()> {
    deal.registration = to;
    deal.updated_at = crate::db::now();
    save(conn, deal).await?;
    let stamp = Stamp {
        tenant_id: &deal.tenant_id,
        actor,
        at: deal.updated_at,
    };
    let pending = Some(DealRegistration::Pending.as_str().to_owned());
    let change = Change::new("registration", pending, Some(to.as_str().to_owned()));
    history::record(conn, &stamp, &deal.id, vec![change]).await?;
    announce(conn, deal, DomainEventType::DealRegistrationDecided, data).await
}

/// Writes a deal's own columns (not its field values).
async fn save(conn: &impl ConnectionTrait, deal: &deal::Model) -> ApiResult<()> {
    // Every column but the key marked changed: `From<Model>` marks none.
    let mut active = deal::ActiveModel::from(deal.clone()).reset_all();
    active.id = sea_orm::ActiveValue::Unchanged(deal.id.clone());
    deal::Entity::update(active).exec(conn).await.map_err(|e| {
        match (violates(&e, keys::COMPANY_DOMAIN), &deal.company_domain) {
            (true, Some(domain)) => worked_by_another(domain),
            _ => e.into(),
        }
    })?;
    Ok(())
}

/// What `updateDeal` changes: `None` keeps; `Some(None)` clears.
#[derive(Default)]
pub struct DealChanges {
    pub name: Option<String>,
    pub amount: Option<Decimal>,
    pub owner_id: Option<Option<String>>,
    pub lead_creator_id: Option<Option<String>>,
    /// The deal's whole set of values.
    pub field_values: Option<Vec<(String, String)>>,
    pub expected_close_date: Option<Option<NaiveDate>>,
}

/// Changes a deal's fields, keeping each change in its history. What it
/// earns from now on follows the new amount and values. An update that
/// changes nothing writes nothing.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    changes: DealChanges,
) -> ApiResult<deal::Model> {
    let name = changes
        .name
        .as_deref()
        .map(|n| input::required_text("input.name", n, MAX_NAME_CHARS))
        .transpose()?;
    let (name, changes) = (&name, &changes);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = locked_deal(conn, tenant_id, id, "id").await?;
            let before = deal.clone();
            let mut log = apply(conn, tenant_id, &mut deal, name.as_deref(), changes).await?;
            if let Some(values) = &changes.field_values {
                log.extend(set_field_values(conn, tenant_id, &deal, values).await?);
            }
            log.retain(|c| c.from != c.to);
            if log.is_empty() {
                return Ok(before);
            }
            deal.updated_at = crate::db::now();
            save(conn, &deal).await?;
            changed(conn, &deal, actor, log).await?;
            Ok(deal)
        })
    })
    .await
}

/// Applies `changes` (but the field values) to `deal`: what each changed
/// from and to, the contacts named checked.
async fn apply(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    deal: &mut deal::Model,
    name: Option<&str>,
    changes: &DealChanges,
) -> ApiResult<Vec<Change>> {
    let before = deal.clone();
    let mut log = Vec::new();
    if let Some(name) = name {
        deal.name = name.to_owned();
        log.push(Change::new(
            "name",
            Some(before.name.clone()),
            Some(name.to_owned()),
        ));
    }
    if let Some(amount) = changes.amount {
        let currency = campaigns::check_currency("input.amount", &deal.currency)?;
        deal.amount_minor = positive_minor("input.amount", amount, currency)?;
        let text = |minor| Some(currency.from_minor(minor).to_string());
        log.push(Change::new(
            "amount",
            text(before.amount_minor),
            text(deal.amount_minor),
        ));
    }
    for (wanted, name, slot) in [
        (&changes.owner_id, "ownerId", &mut deal.owner_id),
        (
            &changes.lead_creator_id,
            "leadCreatorId",
            &mut deal.lead_creator_id,
        ),
    ] {
        let Some(wanted) = wanted else { continue };
        if let Some(contact) = wanted {
            let field = format!("input.{name}");
            pipeline::contact_for(conn, tenant_id, &before.partner_id, contact, &field).await?;
        }
        log.push(Change::new(name, slot.clone(), wanted.clone()));
        *slot = wanted.clone();
    }
    if let Some(date) = changes.expected_close_date {
        let text = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        log.push(Change::new(
            "expectedCloseDate",
            text(before.expected_close_date),
            text(date),
        ));
        deal.expected_close_date = date;
    }
    Ok(log)
}

/// Sets a deal's custom field values to `values` (checked), when they
/// differ from what it holds: each field that changed.
async fn set_field_values(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    deal: &deal::Model,
    values: &[(String, String)],
) -> ApiResult<Vec<Change>> {
    let options = deals::check_field_values(conn, tenant_id, values, "input").await?;
    let held: std::collections::BTreeMap<String, String> = deal_field_value::Entity::find()
        .filter(deal_field_value::Column::DealId.eq(deal.id.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.custom_field_id, v.option_id))
        .collect();
    let fields: std::collections::BTreeSet<&String> = held.keys().chain(options.keys()).collect();
    let log: Vec<Change> = fields
        .into_iter()
        .filter(|field| held.get(*field) != options.get(*field))
        .map(|field| Change {
            field: "customFieldValues",
            from: held.get(field).map(|o| format!("{field}:{o}")),
            to: options.get(field).map(|o| format!("{field}:{o}")),
        })
        .collect();
    if !log.is_empty() {
        write_values(conn, deal, options.into_iter().collect()).await?;
    }
    Ok(log)
}

/// Keeps `log` in the deal's history and announces it as `DEAL_UPDATED`.
async fn changed(
    conn: &impl ConnectionTrait,
    deal: &deal::Model,
    actor: &str,
    log: Vec<Change>,
) -> ApiResult<()> {
    let data = serde_json::json!({
        "status": deal.status.as_str(),
        "changes": log.iter().map(|c| serde_json::json!({
            "field": c.field, "from": c.from, "to": c.to,
        })).collect::<Vec<_>>(),
    });
    let stamp = Stamp {
        tenant_id: &deal.tenant_id,
        actor,
        at: deal.updated_at,
    };
    history::record(conn, &stamp, &deal.id, log).await?;
    announce(conn, deal, DomainEventType::DealUpdated, data).await
}

/// Closes a deal as lost: its moves are refused and its payments earn
/// nothing until it is reopened. Its company domain is free again.
pub async fn close_lost(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: &str,
) -> ApiResult<deal::Model> {
    let reason = &input::required_text("reason", reason, MAX_NOTE_CHARS)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = locked_deal(conn, tenant_id, id, "id").await?;
            decided(&deal)?;
            if deal.status == DealStatus::Lost {
                return Err(ApiError::Conflict("the deal is already LOST".into()));
            }
            let log = vec![
                Change::new(
                    "status",
                    Some(deal.status.as_str().into()),
                    Some("LOST".into()),
                ),
                Change::new("lostReason", None, Some(reason.clone())),
            ];
            deal.status = DealStatus::Lost;
            deal.lost_reason = Some(reason.clone());
            deal.updated_at = crate::db::now();
            save(conn, &deal).await?;
            changed(conn, &deal, actor, log).await?;
            Ok(deal)
        })
    })
    .await
}

/// Reopens a lost deal: `WON` again if it had reached a winning stage, else
/// `OPEN`. Refused while another deal works its company domain.
pub async fn reopen(db: &Db, tenant_id: &str, actor: &str, id: &str) -> ApiResult<deal::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let mut deal = locked_deal(conn, tenant_id, id, "id").await?;
            if deal.status != DealStatus::Lost {
                return Err(ApiError::Conflict(format!(
                    "the deal is {}, not LOST",
                    deal.status.as_str()
                )));
            }
            let won = deal_stage::Entity::find()
                .filter(deal_stage::Column::TenantId.eq(tenant_id))
                .filter(deal_stage::Column::IsWon.eq(true))
                .filter(deal_stage::Column::Position.lte(deal.reached_position))
                .one(conn)
                .await?
                .is_some();
            let status = if won {
                DealStatus::Won
            } else {
                DealStatus::Open
            };
            let log = vec![
                Change::new("status", Some("LOST".into()), Some(status.as_str().into())),
                Change::new("lostReason", deal.lost_reason.clone(), None),
            ];
            deal.status = status;
            deal.lost_reason = None;
            deal.updated_at = crate::db::now();
            save(conn, &deal).await?;
            changed(conn, &deal, actor, log).await?;
            Ok(deal)
        })
    })
    .await
}

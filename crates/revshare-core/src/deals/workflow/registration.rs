//! A partner registers a deal; the tenant approves or rejects it.

use super::{announce, company_domain, save, worked_by_another, write_values};
use crate::db::Db;
use crate::deals::deal::{self as deals, locked_deal};
use crate::deals::moves::{DealEvent, positive_minor};
use crate::deals::pipeline;
use crate::deals::record::{self, DealItem, What};
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::DomainEventType;
use crate::history::{self, Change, Stamp};
use crate::input::{self, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use crate::ledger::path::Payload;
use entity::enums::{DealRegistration, DealStatus, PartnerStatus};
use entity::{deal, deal_stage, partner};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

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

/// Registers a deal for `partner_id`: `PENDING`, in the default campaign.
pub async fn register(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    actor: &str,
    new: Registration,
) -> ApiResult<deal::Model> {
    let checked = Checked {
        name: input::required_line("input.name", &new.name, MAX_NAME_CHARS)?,
        company: input::required_line("input.companyName", &new.company_name, MAX_NAME_CHARS)?,
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
            crate::activity::on("Deal", &deal.id);
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
                by: None,
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

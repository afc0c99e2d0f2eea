//! The tenant changes a deal's fields (each change in its history), closes
//! it as lost and reopens it.

use super::{announce, save, write_values};
use crate::campaigns;
use crate::db::Db;
use crate::deals::deal::{self as deals, locked_deal};
use crate::deals::moves::{decided, positive_minor};
use crate::deals::pipeline;
use crate::error::{ApiError, ApiResult};
use crate::events::DomainEventType;
use crate::history::{self, Change, Stamp};
use crate::input::{self, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use chrono::NaiveDate;
use entity::enums::DealStatus;
use entity::{deal, deal_field_value, deal_stage};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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
        .map(|n| input::required_line("input.name", n, MAX_NAME_CHARS))
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

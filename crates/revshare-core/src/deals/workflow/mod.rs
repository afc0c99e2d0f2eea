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
//!
//! - [`registration`]: a partner registers a deal; the tenant approves or
//!   rejects it.
//! - [`edits`]: the tenant changes a deal's fields, closes it as lost and
//!   reopens it.
//! - this module: what both write — field values, the deal row, the domain
//!   event they announce.

mod edits;
mod registration;

pub use edits::{DealChanges, close_lost, reopen, update};
pub use registration::{Registration, approve, register, reject};

use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::{self, DomainEventType, NewDomainEvent};
use entity::{deal, deal_field_value};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

/// Longest company domain (DNS's limit).
const MAX_DOMAIN_CHARS: usize = 253;

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

fn worked_by_another(domain: &str) -> ApiError {
    ApiError::Conflict(format!("{domain} is already being worked by another deal"))
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

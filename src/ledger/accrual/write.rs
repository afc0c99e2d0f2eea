//! Writing an evaluated batch: customers, partner totals and events with
//! multi-row statements, then the commissions through the ledger's posting
//! layer — a fixed number of statements whatever the batch's size.

use super::Recorded;
use super::evaluate::Batch;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::posting::WRITE_CHUNK;
use entity::{customer, event, partner_total};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait};

/// Writes what the batch recorded and answers each item.
pub(super) async fn write(
    conn: &crate::db::Txn,
    batch: Batch<'_>,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    let Batch {
        state,
        results,
        recorded_new,
        posting,
        ..
    } = batch;
    let customers: Vec<customer::ActiveModel> = state
        .touched
        .iter()
        .filter_map(|key| state.customers.get(key))
        .map(|c| c.clone().into())
        .collect();
    for chunk in customers.chunks(WRITE_CHUNK) {
        customer::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(customer::Column::Id)
                    .update_columns([
                        customer::Column::NetMinor,
                        customer::Column::ThresholdBonusPaid,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let totals: Vec<partner_total::ActiveModel> = state
        .touched_totals
        .iter()
        .filter_map(|key| state.totals.get(key))
        .map(|t| t.clone().into())
        .collect();
    for chunk in totals.chunks(WRITE_CHUNK) {
        partner_total::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    partner_total::Column::PartnerId,
                    partner_total::Column::Currency,
                ])
                .update_columns([
                    partner_total::Column::LtvMinor,
                    partner_total::Column::PayingCustomers,
                ])
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let events: Vec<event::Model> = recorded_new
        .iter()
        .filter_map(|&i| results[i].as_ref().ok())
        .map(|r| r.event.clone())
        .collect();
    insert_events(conn, events).await?;
    posting.write(conn).await?;
    Ok(results)
}

/// Events of any kind, under their `externalId`s, with multi-row
/// statements: the unique key refuses one taken already (by a delivery for
/// another partner at that moment), as `CONFLICT`. Every row of `events` is
/// written here, by the ledger's event path.
pub async fn insert_events(
    conn: &impl ConnectionTrait,
    events: Vec<event::Model>,
) -> ApiResult<()> {
    let mut rows = events.into_iter().map(event::ActiveModel::from).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<event::ActiveModel> = rows.by_ref().take(WRITE_CHUNK).collect();
        event::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await
            .map_err(|e| match violates(&e, keys::EVENT_EXTERNAL_ID) {
                true => ApiError::other_payload(),
                false => ApiError::from(e),
            })?;
    }
    Ok(())
}

//! Writing an evaluated batch: customers, partner totals and events with
//! multi-row statements, then the commissions through the ledger's posting
//! layer — a fixed number of statements whatever the batch's size.

use super::Recorded;
use super::evaluate::Batch;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::posting::WRITE_CHUNK;
use entity::{customer, event, partner_total};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

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
    let events: Vec<event::ActiveModel> = recorded_new
        .iter()
        .filter_map(|&i| results[i].as_ref().ok())
        .map(|r| r.event.clone().into())
        .collect();
    for chunk in events.chunks(WRITE_CHUNK) {
        event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    // A delivery for another partner took this externalId first.
                    ApiError::Conflict(
                        "an event with this externalId was recorded with another payload".into(),
                    )
                } else {
                    e.into()
                }
            })?;
    }
    posting.write(conn).await?;
    Ok(results)
}

/// One event a deal produced (a stage move or a payment), under its
/// `externalId`: the unique key refuses one taken already. Every row of
/// `events` is written here, by the ledger's event path.
pub async fn insert_event(conn: &impl ConnectionTrait, event: &event::Model) -> Result<(), DbErr> {
    event::Entity::insert(event::ActiveModel::from(event.clone()))
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

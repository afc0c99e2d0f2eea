//! Writing an evaluated batch: customers, partner totals and events with
//! multi-row statements, then the commissions through the ledger's posting
//! layer — a fixed number of statements whatever the batch's size.

use super::Recorded;
use super::evaluate::Batch;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::ledger::path::insert_events;
use crate::posting::WRITE_CHUNK;
use entity::{customer, event_conversion, partner_total, unattributed_event};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{EntityTrait, ExprTrait};

/// Writes what the batch recorded and answers each item.
pub(super) async fn write(
    conn: &crate::db::Txn,
    batch: Batch<'_>,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    let Batch {
        state,
        results,
        recorded_new,
        mut posting,
        ..
    } = batch;
    let customers = state
        .touched
        .iter()
        .filter_map(|key| state.customers.get(key));
    write_customers(conn, customers.map(|c| c.clone().into()).collect()).await?;
    let totals = state
        .touched_totals
        .iter()
        .filter_map(|key| state.totals.get(key));
    write_totals(conn, totals.map(|t| t.clone().into()).collect()).await?;
    let new = |i: &usize| results[*i].as_ref().ok();
    let events = recorded_new.iter().filter_map(|i| new(i)?.event.clone());
    let rewards = state.rewards.iter().cloned();
    insert_events(conn, events.chain(rewards).collect(), &mut posting).await?;
    let held = recorded_new.iter().filter_map(|i| new(i)?.held.clone());
    write_held(conn, held.map(Into::into).collect()).await?;
    for chunk in state.conversions.chunks(WRITE_CHUNK) {
        let rows = chunk
            .iter()
            .cloned()
            .map(event_conversion::ActiveModel::from);
        event_conversion::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    posting.write(conn).await?;
    Ok(results)
}

/// The customers the batch touched: new ones, and their net and bonus.
async fn write_customers(
    conn: &crate::db::Txn,
    customers: Vec<customer::ActiveModel>,
) -> ApiResult<()> {
    for chunk in customers.chunks(WRITE_CHUNK) {
        customer::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(customer::Column::Id)
                    .update_columns([
                        customer::Column::NetMinor,
                        customer::Column::ThresholdBonusPaid,
                        customer::Column::Country,
                        customer::Column::Attributes,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The partners' totals the batch moved (lifetime value, paying customers).
async fn write_totals(
    conn: &crate::db::Txn,
    totals: Vec<partner_total::ActiveModel>,
) -> ApiResult<()> {
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
    Ok(())
}

/// The sales held for their customer or their rate.
async fn write_held(
    conn: &crate::db::Txn,
    held: Vec<unattributed_event::ActiveModel>,
) -> ApiResult<()> {
    for chunk in held.chunks(WRITE_CHUNK) {
        // A row this transaction took to accrue and that is held again (an
        // attributed customer's sale in a currency with no rate yet) is
        // held anew, for its new reason; any other row with its
        // `externalId` is another payload's.
        let written = unattributed_event::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    unattributed_event::Column::TenantId,
                    unattributed_event::Column::ExternalId,
                ])
                .update_columns([
                    unattributed_event::Column::Reason,
                    unattributed_event::Column::AccruedAt,
                ])
                .action_and_where(
                    Expr::col((
                        unattributed_event::Entity,
                        unattributed_event::Column::AccruedAt,
                    ))
                    .is_not_null(),
                )
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await
            .map_err(|e| match violates(&e, keys::UNATTRIBUTED_EXTERNAL_ID) {
                true => ApiError::other_payload(),
                false => e.into(),
            })?;
        if written < chunk.len() as u64 {
            return Err(ApiError::other_payload());
        }
    }
    Ok(())
}

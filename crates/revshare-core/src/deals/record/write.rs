//! Writing what a batch of deal events decided ([`super::decide`]), with
//! multi-row statements.

use super::decide::Decisions;
use crate::db::Txn;
use crate::deals::moves::DealEvent;
use crate::ledger::path::{Answers, insert_events};
use crate::posting::WRITE_CHUNK;
use entity::{deal, deal_stage_reached, event_conversion};
use sea_orm::EntityTrait;
use sea_orm::sea_query::OnConflict;

/// Writes the events, the stages reached, the deals, the tiers' progress,
/// and through the posting layer the commissions and the domain events (a
/// move is heard of before what it earned, in the same statement); answers
/// each event.
pub async fn write(conn: &Txn, tenant_id: &str, decided: Decisions) -> Answers<DealEvent> {
    let Decisions {
        results,
        events,
        stages_reached,
        deals,
        mut posting,
        tiers,
        conversions,
    } = decided;
    insert_events(conn, events, &mut posting).await?;
    for chunk in conversions.chunks(WRITE_CHUNK) {
        let rows = chunk
            .iter()
            .cloned()
            .map(event_conversion::ActiveModel::from);
        event_conversion::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    for chunk in stages_reached.chunks(WRITE_CHUNK) {
        deal_stage_reached::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    for chunk in deals.chunks(WRITE_CHUNK) {
        deal::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(deal::Column::Id)
                    .update_columns([
                        deal::Column::StageId,
                        deal::Column::ReachedPosition,
                        deal::Column::PaymentCount,
                        deal::Column::Status,
                        deal::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    tiers.settle(conn, tenant_id, &mut posting).await?;
    posting.write(conn).await?;
    Ok(results)
}

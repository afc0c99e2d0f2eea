//! Deal events recorded together: moves and payments that arrive at once
//! share one transaction — the partners of their deals locked once, in id
//! order, and one commit — and each is answered on its own, as a batch of
//! `recordEvent` calls is.
//!
//! The batch runs whole first. Should an item fail (a deal that is not
//! there, an amount beyond the ledger's range, an `externalId` taken by
//! another payload), the batch is rolled back and redone one item per
//! savepoint, so the failure stays with its item and the others are
//! recorded; a lost race reruns the batch.

use super::deal::{DealEvent, NewPayment, StageMove};
use super::record::{self as deal, Prepared};
use crate::db::{Db, Txn};
use crate::error::{ApiError, ApiResult};
use entity::deal as deal_row;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

/// A deal event as a client sent it.
pub enum DealWork {
    Move(StageMove),
    Payment(NewPayment),
}

impl DealWork {
    /// The deal it names.
    pub fn deal_id(&self) -> &str {
        match self {
            DealWork::Move(new) => &new.deal_id,
            DealWork::Payment(new) => &new.deal_id,
        }
    }

    fn prepare(&self) -> ApiResult<Prepared> {
        match self {
            DealWork::Move(new) => deal::prepare_move(new),
            DealWork::Payment(new) => deal::prepare_payment(new),
        }
    }

    async fn record(
        &self,
        conn: &Txn,
        tenant_id: &str,
        prepared: &Prepared,
    ) -> ApiResult<DealEvent> {
        match self {
            DealWork::Move(new) => deal::move_in(conn, tenant_id, new, prepared).await,
            DealWork::Payment(new) => deal::payment_in(conn, tenant_id, new, prepared).await,
        }
    }
}

/// Records `items` of `tenant_id` in one transaction, each answered on its
/// own.
pub async fn record_batch(
    db: &Db,
    tenant_id: &str,
    items: &[DealWork],
) -> Vec<ApiResult<DealEvent>> {
    let prepared: Vec<ApiResult<Prepared>> = items.iter().map(DealWork::prepare).collect();
    let (items, prepared) = (items, &prepared);
    let whole = db
        .retrying(|| async move {
            let txn = db.write().await?;
            lock_partners_of(&txn, tenant_id, items).await?;
            let mut results = Vec::with_capacity(items.len());
            for (item, prepared) in items.iter().zip(prepared) {
                let Ok(prepared) = prepared else {
                    results.push(None);
                    continue;
                };
                match item.record(&txn, tenant_id, prepared).await {
                    Ok(recorded) => results.push(Some(recorded)),
                    Err(ApiError::Contention) => return Err(ApiError::Contention),
                    // Rolled back: the items go one by one.
                    Err(_) => return Ok(None),
                }
            }
            txn.commit().await?;
            Ok(Some(results))
        })
        .await;
    match whole {
        Ok(Some(results)) => results
            .into_iter()
            .zip(prepared)
            .map(|(recorded, prepared)| match (recorded, prepared) {
                (Some(recorded), _) => Ok(recorded),
                (None, Err(err)) => Err(err.clone()),
                (None, Ok(_)) => Err(ApiError::Internal),
            })
            .collect(),
        Err(err @ (ApiError::Unavailable | ApiError::Contention)) => {
            items.iter().map(|_| Err(err.clone())).collect()
        }
        Ok(None) | Err(_) => match one_by_one(db, tenant_id, items, prepared).await {
            Ok(results) => results,
            Err(err) => items.iter().map(|_| Err(err.clone())).collect(),
        },
    }
}

/// Each item in a savepoint of its own, so a failure stays with its item.
async fn one_by_one(
    db: &Db,
    tenant_id: &str,
    items: &[DealWork],
    prepared: &[ApiResult<Prepared>],
) -> ApiResult<Vec<ApiResult<DealEvent>>> {
    let txn = db.write().await?;
    lock_partners_of(&txn, tenant_id, items).await?;
    let mut results = Vec::with_capacity(items.len());
    for (item, prepared) in items.iter().zip(prepared) {
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(err) => {
                results.push(Err(err.clone()));
                continue;
            }
        };
        let savepoint = txn.savepoint().await?;
        let recorded = item.record(&savepoint, tenant_id, prepared).await;
        match recorded {
            Ok(_) => savepoint.commit().await?,
            Err(_) => savepoint.rollback().await?,
        }
        results.push(recorded);
    }
    txn.commit().await?;
    Ok(results)
}

/// Locks the partners of the deals `items` name, once and in id order (as
/// accrual does), before any deal: two batches never wait on each other in
/// a cycle.
async fn lock_partners_of(conn: &Txn, tenant_id: &str, items: &[DealWork]) -> ApiResult<()> {
    let ids: Vec<&str> = items.iter().map(DealWork::deal_id).collect();
    let partners: Vec<String> = deal_row::Entity::find()
        .select_only()
        .column(deal_row::Column::PartnerId)
        .filter(deal_row::Column::TenantId.eq(tenant_id))
        .filter(deal_row::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    crate::ledger::transitions::lock_partners(conn, partners).await
}

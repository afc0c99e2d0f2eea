//! The event path: what every producer of events — sales and leads
//! ([`super::accrual`]), deal moves and payments
//! ([`crate::deals::record`]) — records through, so that a producer only
//! *decides* what an event earns:
//!
//! - a batch in one transaction, each item answered on its own ([`run`]);
//! - the partners locked first, in id order ([`crate::posting::locks`]);
//! - exactly once per `externalId`: one lookup and one rule
//!   ([`once::recorded`], [`once::exactly_once`]), compared on a canonical
//!   payload ([`row::Payload`]);
//! - one event row and one insert ([`row::EventRow`], [`row::insert_events`]);
//! - one hand-off to the tiers and the posting layer
//!   ([`crate::tiers::book::TierBook::post`]).
//!

//! A batch that loses a race (two batches inserting the same `externalId`s
//! in opposite orders wait on each other in the unique index) is run again
//! as a whole; should a statement fail otherwise (an `externalId` taken at
//! that moment by a delivery for another partner, say), the batch is redone
//! one item per savepoint, so the failure stays with its item.

mod once;
mod row;

pub use once::{Existing, exactly_once, recorded};
pub use row::{EventRow, Payload, insert_events, occurred_at};

use crate::db::{Db, Txn};
use crate::error::{ApiError, ApiResult};

/// Most events one batch takes (`recordEvents`, `recordDealEvents`, and
/// what a worker of the event path takes at once).
pub const MAX_BATCH: usize = 1000;

/// Items' answers: the outer error is a failed statement (the caller rolls
/// back), the inner ones are the items'.
pub type Answers<R> = ApiResult<Vec<ApiResult<R>>>;

/// A producer's recording of a batch inside the caller's transaction.
pub trait Record: Sync {
    type Item: Sync;
    type Answer: Send;
    fn record<'a>(
        &'a self,
        conn: &'a Txn,
        items: &'a [Self::Item],
    ) -> impl Future<Output = Answers<Self::Answer>> + Send + 'a;
}

/// Runs `record` over `items` in one transaction, as the module says.
pub async fn run<R: Record>(db: &Db, items: &[R::Item], record: &R) -> Answers<R::Answer> {
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad_input(
            "input",
            format!("must have at most {MAX_BATCH} events"),
        ));
    }
    db.metrics().accrual_batch(items.len());
    let whole = db
        .retrying(|| async move {
            let txn = db.write().await?;
            match record.record(&txn, items).await {
                Ok(results) => {
                    txn.commit().await?;
                    Ok(Some(results))
                }
                Err(ApiError::Contention) => Err(ApiError::Contention),
                Err(err) if items.len() == 1 => Ok(Some(vec![Err(err)])),
                Err(_) => Ok(None),
            }
        })
        .await;
    match whole {
        Ok(Some(results)) => Ok(results),
        Err(err) if items.len() == 1 => Ok(vec![Err(err)]),
        Err(err @ ApiError::Unavailable) => Err(err),
        Ok(None) | Err(_) => one_by_one(db, items, record).await,
    }
}

/// Each item in a savepoint of its own, so a failed statement stays with
/// its item.
async fn one_by_one<R: Record>(db: &Db, items: &[R::Item], record: &R) -> Answers<R::Answer> {
    let txn = db.write().await?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let savepoint = txn.savepoint().await?;
        match record.record(&savepoint, std::slice::from_ref(item)).await {
            Ok(mut one) => {
                savepoint.commit().await?;
                results.push(one.pop().unwrap_or(Err(ApiError::Internal)));
            }
            Err(err) => {
                savepoint.rollback().await?;
                results.push(Err(err));
            }
        }
    }
    txn.commit().await?;
    Ok(results)
}

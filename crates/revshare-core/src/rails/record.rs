//! What a rail's word does to a payout, in one transaction with its
//! partner locked: `SUCCEEDED` pays it (its commissions `PAID`, its
//! `PAYOUT_SENT` e-mail), `FAILED` and `RETURNED` fail it (its commissions
//! back to the next run), `SENT` and `UNCLAIMED` say where it stands.
//!
//! Words arrive twice and out of order (an answer and a webhook, a poll
//! and a late webhook): a final status never changes, and a status never
//! goes back (`QUEUED → SENT → UNCLAIMED`), so whatever order they come in
//! the payout ends in one final status, once.

use super::Settings;
use crate::activity::{Actor, Entry};
use crate::db::Db;
use crate::error::ApiResult;
use crate::events::DomainEventType;
use crate::payouts::issue::announce;
use crate::payouts::settle;
use entity::enums::{PayoutStatus, RailStatus};
use entity::payout;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

/// What a provider said of a payout.
#[derive(Debug, Clone)]
pub struct Said {
    pub status: RailStatus,
    /// PayPal's `payout_item_id`, Stripe's transfer id.
    pub reference: Option<String>,
    /// PayPal's `payout_batch_id`.
    pub batch: Option<String>,
    /// The provider's reason, in its words.
    pub error: Option<String>,
}

impl Said {
    pub fn status(status: RailStatus) -> Said {
        Said {
            status,
            reference: None,
            batch: None,
            error: None,
        }
    }
}

/// Whether a rail status ends the payout.
pub fn is_final(status: RailStatus) -> bool {
    matches!(
        status,
        RailStatus::Succeeded | RailStatus::Failed | RailStatus::Returned
    )
}

fn rank(status: RailStatus) -> u8 {
    match status {
        RailStatus::Queued => 0,
        RailStatus::Sent => 1,
        RailStatus::Unclaimed => 2,
        RailStatus::Succeeded | RailStatus::Failed | RailStatus::Returned => 3,
    }
}

/// Where a payout at `current` goes when the provider says `said`; `None`:
/// it stays (the news is old, or the payout ended already).
pub fn next(current: Option<RailStatus>, said: RailStatus) -> Option<RailStatus> {
    let current = current.unwrap_or(RailStatus::Queued);
    if is_final(current) || rank(said) <= rank(current) {
        return None;
    }
    Some(said)
}

/// Records what the provider said of the tenant's payout; the payout as
/// it is after (`None`: not a payout of a rail of the tenant).
pub async fn record(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    payout_id: &str,
    said: &Said,
) -> ApiResult<Option<payout::Model>> {
    let poll = settings.poll;
    db.transaction(|txn| {
        let said = said.clone();
        Box::pin(async move {
            let payout = match settle::lock(&*txn, tenant_id, payout_id).await {
                Ok(payout) => payout,
                Err(crate::error::ApiError::NotFound(_)) => return Ok(None),
                Err(err) => return Err(err),
            };
            let Some(rail) = payout.rail else {
                return Ok(None);
            };
            let now = crate::db::now();
            if payout.status == PayoutStatus::Paid
                && matches!(said.status, RailStatus::Failed | RailStatus::Returned)
            {
                // Paid is final: money taken back afterwards is finance's
                // to settle with the partner, shown where they look.
                let note = format!(
                    "{} after it was paid: {}",
                    match said.status {
                        RailStatus::Returned => "returned",
                        _ => "reversed",
                    },
                    said.error.as_deref().unwrap_or("the provider took the money back")
                );
                if payout.rail_error.as_deref() == Some(note.as_str()) {
                    return Ok(Some(payout));
                }
                let mut active = payout.into_active_model();
                active.rail_error = Set(Some(note));
                active.rail_updated_at = Set(Some(now));
                let noted = active.update(&*txn).await?;
                announce_rail(&*txn, &noted, now).await?;
                return Ok(Some(noted));
            }
            if payout.status != PayoutStatus::Pending {
                return Ok(Some(payout));
            }
            let Some(to) = next(payout.rail_status, said.status) else {
                return Ok(Some(payout));
            };
            let (rail_before, status_before) = (payout.rail_status, payout.status);
            let reference = said.reference.clone().or(payout.rail_reference.clone());
            let batch = said.batch.clone().or(payout.rail_batch.clone());
            let edit = |active: &mut payout::ActiveModel, error: Option<String>| {
                active.rail_status = Set(Some(to));
                active.rail_reference = Set(reference.clone());
                active.rail_batch = Set(batch.clone());
                active.rail_error = Set(error);
                active.rail_updated_at = Set(Some(now));
                if is_final(to) {
                    active.rail_next_at = Set(None);
                }
            };
            let changed = match to {
                RailStatus::Succeeded => {
                    let paid_with = reference.clone().unwrap_or_else(|| payout.id.clone());
                    let actor = format!("rail:{}", rail.as_str());
                    settle::pay_locked(&*txn, tenant_id, &actor, payout, &paid_with, |a| {
                        edit(a, None)
                    })
                    .await?
                }
                RailStatus::Failed | RailStatus::Returned => {
                    let reason = said.error.clone().unwrap_or_else(|| match to {
                        RailStatus::Returned => "returned unclaimed by the provider".to_owned(),
                        _ => "the provider failed it".to_owned(),
                    });
                    let stored = reason.clone();
                    settle::fail_locked(&*txn, tenant_id, payout, &reason, |a| {
                        edit(a, Some(stored))
                    })
                    .await?
                }
                RailStatus::Sent | RailStatus::Unclaimed | RailStatus::Queued => {
                    let polls = payout.rail_polls;
                    let mut active = payout.into_active_model();
                    let error = match to {
                        RailStatus::Unclaimed => Some(said.error.clone().unwrap_or_else(|| {
                            "unclaimed: the receiver has no PayPal account yet; PayPal returns it after 30 days"
                                .to_owned()
                        })),
                        _ => None,
                    };
                    edit(&mut active, error);
                    active.rail_next_at = Set(Some(now + super::backoff(poll, polls)));
                    active.update(&*txn).await?
                }
            };
            announce_rail(&*txn, &changed, now).await?;
            // The payout's rail moved (sent, settled, failed): an entry
            // of the payouts job's (SPEC §34), read by its partner — but a
            // payout to the tenant's own people, which is no partner's.
            let name = |s: Option<RailStatus>| s.map(|s| s.as_str().to_owned());
            let entry = Entry::on(
                tenant_id,
                Actor::system(&format!("rail:{}", rail.as_str())),
                "payoutRailChanged",
                "Payout",
                &changed.id,
            );
            let entry = match changed.staff_payee {
                true => entry,
                false => entry.about(&changed.partner_id),
            };
            let entry = entry
                .changing("railStatus", name(rail_before), name(changed.rail_status))
                .changing(
                    "status",
                    Some(status_before.as_str().to_owned()),
                    Some(changed.status.as_str().to_owned()),
                );
            crate::activity::record(&*txn, now, vec![entry]).await?;
            Ok(Some(changed))
        })
    })
    .await
}

/// The payout's `PAYOUT_RAIL_CHANGED` event.
pub(crate) async fn announce_rail(
    conn: &impl sea_orm::ConnectionTrait,
    payout: &payout::Model,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let event = announce(DomainEventType::PayoutRailChanged, payout, at)?;
    crate::events::append(conn, &payout.tenant_id, at, vec![event]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use RailStatus::*;

    #[test]
    fn a_final_status_never_changes_and_news_never_goes_back() {
        assert_eq!(next(Some(Queued), Sent), Some(Sent));
        assert_eq!(next(Some(Queued), Succeeded), Some(Succeeded));
        assert_eq!(next(Some(Sent), Unclaimed), Some(Unclaimed));
        assert_eq!(next(Some(Unclaimed), Returned), Some(Returned));
        assert_eq!(next(Some(Unclaimed), Succeeded), Some(Succeeded));
        // Old news, and a second word on an end.
        assert_eq!(next(Some(Unclaimed), Sent), None);
        assert_eq!(next(Some(Sent), Sent), None);
        assert_eq!(next(Some(Succeeded), Failed), None);
        assert_eq!(next(Some(Failed), Succeeded), None);
        assert_eq!(next(Some(Returned), Unclaimed), None);
    }

    #[test]
    fn any_order_of_the_same_words_ends_the_same() {
        let words = [Sent, Unclaimed, Succeeded, Sent];
        let mut ends = std::collections::BTreeSet::new();
        // Every order of four words (4! = 24).
        let mut order = [0usize, 1, 2, 3];
        loop {
            let mut at = Some(Queued);
            for &i in &order {
                if let Some(to) = next(at, words[i]) {
                    at = Some(to);
                }
            }
            ends.insert(at);
            if !next_permutation(&mut order) {
                break;
            }
        }
        assert_eq!(ends.into_iter().collect::<Vec<_>>(), vec![Some(Succeeded)]);
    }

    fn next_permutation(order: &mut [usize]) -> bool {
        let Some(i) = (1..order.len()).rev().find(|&i| order[i - 1] < order[i]) else {
            return false;
        };
        let j = (i..order.len())
            .rev()
            .find(|&j| order[j] > order[i - 1])
            .unwrap();
        order.swap(i - 1, j);
        order[i..].reverse();
        true
    }
}

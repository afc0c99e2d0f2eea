//! `sendPayouts` and the sends themselves.
//!
//! Queuing is one transaction: the run's pending payouts of the rail's
//! method, none handed to a rail before, their partners locked (so no
//! `markPayoutPaid` or other `sendPayouts` runs beside it), become
//! `QUEUED` on the rail and due now. A payout already on a rail is left as
//! it is: sending a run again sends nothing twice.

use super::config;
use super::paypal::{self, Paypal};
use super::provider::Answer;
use super::record::{Said, announce_rail};
use super::stripe::{self, Stripe};
use super::{Claim, Settings, record_all};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::{PayoutMethodType, PayoutRail, PayoutStatus, RailStatus};
use entity::{payout, payout_run};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

/// The method a rail pays to.
pub fn method_of(rail: PayoutRail) -> PayoutMethodType {
    match rail {
        PayoutRail::PaypalPayouts => PayoutMethodType::Paypal,
        PayoutRail::StripeConnect => PayoutMethodType::StripeConnect,
        PayoutRail::Wise => PayoutMethodType::Wise,
    }
}

/// Hands the run's pending payouts of the rail's method to the rail.
pub async fn send(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    run_id: &str,
    rail: PayoutRail,
) -> ApiResult<payout_run::Model> {
    let run = crate::payouts::find_run(db.conn(), tenant_id, run_id)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.runId", "names no payout run of the tenant"))?;
    if config::open(db.conn(), settings, tenant_id, rail)
        .await?
        .is_none()
    {
        return Err(ApiError::bad_input(
            "input.rail",
            format!(
                "{} is not configured for the program: configurePayoutRail first",
                rail.as_str()
            ),
        ));
    }
    let method = method_of(rail);
    db.transaction(|txn| {
        Box::pin(async move {
            let of_method = || {
                payout::Entity::find()
                    .filter(payout::Column::TenantId.eq(tenant_id))
                    .filter(payout::Column::RunId.eq(run_id))
                    .filter(payout::Column::Status.eq(PayoutStatus::Pending))
                    .filter(payout::Column::MethodType.eq(method))
                    .order_by_asc(payout::Column::Id)
            };
            let found = of_method().all(&*txn).await?;
            let partners: Vec<&str> = found.iter().map(|p| p.partner_id.as_str()).collect();
            crate::posting::locks::partners_by_id(&*txn, tenant_id, partners).await?;
            let pending = of_method().all(&*txn).await?;
            if pending.is_empty() {
                return Err(ApiError::bad_input(
                    "input.runId",
                    format!(
                        "the run has no pending payout to a {} method",
                        method.as_str()
                    ),
                ));
            }
            let filed: Vec<&payout::Model> =
                pending.iter().filter(|p| p.filed_at.is_some()).collect();
            // Wise pays an account in its own currency: a payout in
            // another stays pending, for finance to pay another way.
            let (queueing, other_currency): (Vec<payout::Model>, Vec<payout::Model>) = pending
                .iter()
                .filter(|p| p.rail.is_none() && p.filed_at.is_none())
                .cloned()
                .partition(|p| {
                    rail != PayoutRail::Wise || p.method_currency.as_deref() == Some(&p.currency)
                });
            if queueing.is_empty() && !other_currency.is_empty() {
                return Err(ApiError::Conflict(format!(
                    "the run's WISE payouts are not in their accounts' currencies ({}): each stays pending, to be paid another way or once the partner has an account in it",
                    other_currency
                        .iter()
                        .map(|p| format!(
                            "{} in {}, account in {}",
                            p.id,
                            p.currency,
                            p.method_currency.as_deref().unwrap_or("none")
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                )));
            }
            if queueing.is_empty() && !filed.is_empty() {
                return Err(ApiError::Conflict(format!(
                    "the run's {} payouts were handed to finance in a file ({}): \
                     withdrawPayoutRunFile first if that file was not used",
                    method.as_str(),
                    filed
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let parts = match rail {
                PayoutRail::PaypalPayouts => {
                    let taken = parts_taken(&*txn, tenant_id, run_id).await?;
                    paypal::parts(
                        run_id,
                        queueing
                            .iter()
                            .map(|p| (p.id.as_str(), p.currency.as_str())),
                        &taken,
                    )
                }
                PayoutRail::StripeConnect | PayoutRail::Wise => Default::default(),
            };
            let now = crate::db::now();
            for payout in queueing {
                let part = parts.get(&payout.id).cloned();
                let mut active = payout.into_active_model();
                active.rail_sender_batch = Set(part);
                active.rail = Set(Some(rail));
                active.rail_status = Set(Some(RailStatus::Queued));
                active.rail_next_at = Set(Some(now));
                active.rail_updated_at = Set(Some(now));
                active.rail_error = Set(None);
                let queued = active.update(&*txn).await?;
                announce_rail(&*txn, &queued, now).await?;
            }
            Ok(())
        })
    })
    .await?;
    settings.wake.notify_one();
    Ok(run)
}

/// The `sender_batch_id`s the run's payouts were queued under before.
async fn parts_taken(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
    run_id: &str,
) -> ApiResult<std::collections::BTreeSet<String>> {
    let taken: Vec<Option<String>> = payout::Entity::find()
        .select_only()
        .column(payout::Column::RailSenderBatch)
        .distinct()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::RunId.eq(run_id))
        .filter(payout::Column::Rail.eq(PayoutRail::PaypalPayouts))
        .into_tuple()
        .all(conn)
        .await?;
    let mut parts: std::collections::BTreeSet<String> = taken.into_iter().flatten().collect();
    // Queued before parts had ids: their part was the run and currency.
    let legacy: Vec<String> = payout::Entity::find()
        .select_only()
        .column(payout::Column::Currency)
        .distinct()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::RunId.eq(run_id))
        .filter(payout::Column::Rail.eq(PayoutRail::PaypalPayouts))
        .filter(payout::Column::RailSenderBatch.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    parts.extend(legacy.iter().map(|c| paypal::batch_id(run_id, c)));
    Ok(parts)
}

/// Why a claimed payout cannot be sent at all, before anything leaves.
pub(crate) async fn unsendable(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
    why: &str,
) -> ApiResult<()> {
    let said = claim.payouts.iter().filter(|p| p.rail_sends == 0).map(|p| {
        let mut said = Said::status(RailStatus::Failed);
        said.error = Some(why.to_owned());
        (p.id.clone(), said)
    });
    record_all(db, settings, tenant_id, said.collect::<Vec<_>>()).await?;
    // Those a send may have reached wait for an answer.
    let sent: Vec<&str> = claim
        .payouts
        .iter()
        .filter(|p| p.rail_sends > 0)
        .map(|p| p.id.as_str())
        .collect();
    let tries = claim.most_sends();
    claim.later(db, settings, &sent, why, None, tries).await
}

/// Why a PayPal token could not be had: in words for finance, when to try
/// again if PayPal said, and whether it is the rail's fault (no rail, or
/// credentials refused) rather than PayPal's for now.
struct NoToken {
    words: String,
    after: Option<std::time::Duration>,
    rails_fault: bool,
}

/// The tenant's PayPal rail, opened, and an access token for it.
async fn paypal_token(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
) -> ApiResult<Result<(config::Rail, String), NoToken>> {
    let Some(rail) =
        config::open(db.conn(), settings, tenant_id, PayoutRail::PaypalPayouts).await?
    else {
        return Ok(Err(NoToken {
            words: "PAYPAL_PAYOUTS is no longer configured".into(),
            after: None,
            rails_fault: true,
        }));
    };
    let paypal = Paypal {
        http: &settings.http,
        rail: &rail,
    };
    let token = match paypal.token().await {
        Ok(token) => token,
        Err(Answer::Later(words, after)) => {
            return Ok(Err(NoToken {
                words,
                after,
                rails_fault: false,
            }));
        }
        Err(_) => {
            return Ok(Err(NoToken {
                words: "PayPal refused the rail's credentials".into(),
                after: None,
                rails_fault: true,
            }));
        }
    };
    Ok(Ok((rail, token)))
}

/// Sends a claimed PayPal batch: a token, the send counted, the batch.
pub async fn send_paypal(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
    batch_id: &str,
) -> ApiResult<()> {
    let ids: Vec<&str> = claim.payouts.iter().map(|p| p.id.as_str()).collect();
    let tries = claim.most_sends();
    let (rail, token) = match paypal_token(db, settings, tenant_id).await? {
        Ok(found) => found,
        // Nothing left: a rail gone or refused fails what no send reached.
        Err(no) if no.rails_fault => {
            return unsendable(db, settings, tenant_id, claim, &no.words).await;
        }
        Err(no) => {
            return claim
                .later(db, settings, &ids, &no.words, no.after, tries)
                .await;
        }
    };
    let paypal = Paypal {
        http: &settings.http,
        rail: &rail,
    };
    claim.count_send(db, &ids).await?;
    match paypal.create_batch(&token, batch_id, &claim.payouts).await {
        Answer::Taken(json) => {
            let Some(batch) = json["batch_header"]["payout_batch_id"].as_str() else {
                return claim
                    .later(
                        db,
                        settings,
                        &ids,
                        "PayPal answered without a payout_batch_id",
                        None,
                        tries + 1,
                    )
                    .await;
            };
            sent_in(db, settings, tenant_id, claim, batch).await
        }
        Answer::Refused(status, json) => match paypal::original_batch(&json) {
            Some(batch) => sent_in(db, settings, tenant_id, claim, &batch).await,
            None => {
                let words = paypal::error_words(status, &json);
                let said = claim.payouts.iter().map(|p| {
                    let mut said = Said::status(RailStatus::Failed);
                    said.error = Some(words.clone());
                    (p.id.clone(), said)
                });
                record_all(db, settings, tenant_id, said.collect::<Vec<_>>()).await
            }
        },
        Answer::Unauthorized | Answer::Approval(_) => {
            claim
                .later(
                    db,
                    settings,
                    &ids,
                    "PayPal refused the rail's credentials",
                    None,
                    tries + 1,
                )
                .await
        }
        Answer::Later(words, after) => {
            claim
                .later(db, settings, &ids, &words, after, tries + 1)
                .await
        }
    }
}

/// The claimed payouts are in PayPal's batch `batch`.
async fn sent_in(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
    batch: &str,
) -> ApiResult<()> {
    let said = claim.payouts.iter().map(|p| {
        let mut said = Said::status(RailStatus::Sent);
        said.batch = Some(batch.to_owned());
        (p.id.clone(), said)
    });
    record_all(db, settings, tenant_id, said.collect::<Vec<_>>()).await
}

/// Reads a PayPal batch back, page by page, and records each item.
pub async fn read_paypal(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
    batch_id: &str,
) -> ApiResult<()> {
    let ids: Vec<&str> = claim.payouts.iter().map(|p| p.id.as_str()).collect();
    let tries = claim
        .payouts
        .iter()
        .map(|p| p.rail_polls)
        .max()
        .unwrap_or(0);
    // Sent already: whatever stands in the way, it is read again later.
    let (rail, token) = match paypal_token(db, settings, tenant_id).await? {
        Ok(found) => found,
        Err(no) => {
            return claim
                .later(db, settings, &ids, &no.words, no.after, tries + 1)
                .await;
        }
    };
    let paypal = Paypal {
        http: &settings.http,
        rail: &rail,
    };
    let mut said = Vec::new();
    let mut ended = false;
    // A batch holds at most MOST_ITEMS items: its pages are bounded.
    let last_page = paypal::MOST_ITEMS.div_ceil(paypal::PAGE_SIZE);
    for page in 1..=last_page {
        match paypal.batch(&token, batch_id, page).await {
            Answer::Taken(json) => {
                let items = json["items"].as_array().cloned().unwrap_or_default();
                said.extend(
                    items
                        .iter()
                        .filter_map(|item| paypal::said_of_item(item, None)),
                );
                let status = json["batch_header"]["batch_status"].as_str();
                let pages = json["total_pages"].as_u64().map(|n| n as usize);
                if items.len() < paypal::PAGE_SIZE || pages.is_some_and(|n| page >= n) {
                    ended = status.is_some_and(paypal::batch_ended);
                    break;
                }
            }
            Answer::Later(words, after) => {
                return claim
                    .later(db, settings, &ids, &words, after, tries + 1)
                    .await;
            }
            Answer::Refused(..) | Answer::Unauthorized | Answer::Approval(_) => {
                let words = format!("PayPal would not show batch {batch_id}");
                return claim
                    .later(db, settings, &ids, &words, None, tries + 1)
                    .await;
            }
        }
    }
    // A batch PayPal finished, read whole, that does not hold a payout:
    // no money left for it, so it fails and its commissions go to the
    // next run (a payout no batch holds is never left SENT).
    if ended {
        let held: std::collections::HashSet<&str> =
            said.iter().map(|(id, _)| id.as_str()).collect();
        let missing: Vec<(String, Said)> = ids
            .iter()
            .filter(|id| !held.contains(*id))
            .map(|id| {
                let mut said = Said::status(RailStatus::Failed);
                said.error = Some(format!(
                    "PayPal's batch {batch_id} does not hold it: nothing was sent, its commissions go to the next run"
                ));
                ((*id).to_owned(), said)
            })
            .collect();
        said.extend(missing);
    }
    // Only this claim's payouts: a batch's item names its payout.
    said.retain(|(id, _)| ids.contains(&id.as_str()));
    record_all(db, settings, tenant_id, said).await?;
    claim.looked(db, settings, &ids).await
}

/// Sends each claimed payout as a Stripe transfer.
pub async fn send_stripe(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
) -> ApiResult<()> {
    let Some(rail) =
        config::open(db.conn(), settings, tenant_id, PayoutRail::StripeConnect).await?
    else {
        return unsendable(
            db,
            settings,
            tenant_id,
            claim,
            "STRIPE_CONNECT is no longer configured",
        )
        .await;
    };
    let stripe = Stripe {
        http: &settings.http,
        rail: &rail,
    };
    for payout in &claim.payouts {
        let one = [payout.id.as_str()];
        if payout.method_stripe_account.is_none() {
            let mut said = Said::status(RailStatus::Failed);
            said.error = Some("the payout names no Stripe account".into());
            record_all(db, settings, tenant_id, [(payout.id.clone(), said)]).await?;
            continue;
        }
        claim.count_send(db, &one).await?;
        let tries = payout.rail_sends + 1;
        match stripe.transfer(payout).await {
            Answer::Taken(json) => {
                let mut said = Said::status(RailStatus::Succeeded);
                said.reference = json["id"].as_str().map(str::to_owned);
                record_all(db, settings, tenant_id, [(payout.id.clone(), said)]).await?;
            }
            Answer::Refused(status, json) => {
                let mut said = Said::status(RailStatus::Failed);
                said.error = Some(stripe::error_words(status, &json));
                record_all(db, settings, tenant_id, [(payout.id.clone(), said)]).await?;
            }
            Answer::Unauthorized | Answer::Approval(_) if payout.rail_sends == 0 => {
                let mut said = Said::status(RailStatus::Failed);
                said.error = Some("Stripe refused the rail's key".into());
                record_all(db, settings, tenant_id, [(payout.id.clone(), said)]).await?;
            }
            Answer::Unauthorized | Answer::Approval(_) => {
                claim
                    .later(
                        db,
                        settings,
                        &one,
                        "Stripe refused the rail's key",
                        None,
                        tries,
                    )
                    .await?;
            }
            Answer::Later(words, after) => {
                claim
                    .later(db, settings, &one, &words, after, tries)
                    .await?;
            }
        }
    }
    Ok(())
}

//! The providers' webhooks: `POST /payouts/paypal/{tenantId}` and
//! `POST /payouts/stripe/{tenantId}`. PayPal's are verified by PayPal's
//! own `verify-webhook-signature` (with the rail's webhook id, the event
//! passed on byte for byte); Stripe's by their `Stripe-Signature`, as the
//! billing connectors' are (SPEC §15). A provider hears `200` only once
//! the event's effect committed, and retries anything else.

use super::config::{self, Credentials};
use super::paypal::{self, Paypal, Transmission};
use super::provider::Answer;
use super::record::{self, Said};
use super::{Settings, connect, reversal};
use crate::connectors::intake::{Handled, NO_RAIL, Refused, Taken};
use crate::db::Db;
use crate::error::ApiResult;
use entity::enums::{PayoutRail, PayoutStatus, RailStatus};
use entity::payout;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// What a post PayPal did not sign is told (and one to a tenant without
/// the rail).
pub const NOT_VERIFIED: &str = "PayPal did not verify the signature";

/// A PayPal webhook event.
pub async fn paypal(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    transmission: Option<Transmission>,
    body: &[u8],
) -> Taken {
    // The same answers whether the tenant has the rail or not: the
    // headers and the body are checked first, and a tenant without it is
    // told what a post PayPal did not sign is told.
    let transmission = transmission.ok_or(Refused::Signature("no PayPal transmission headers"))?;
    let text = std::str::from_utf8(body).map_err(|_| Refused::Malformed("not UTF-8"))?;
    let event: serde_json::Value =
        serde_json::from_str(text).map_err(|_| Refused::Malformed("not JSON"))?;
    if !event.is_object() {
        return Err(Refused::Malformed("not an event"));
    }
    let rail = config::open(db.conn(), settings, tenant_id, PayoutRail::PaypalPayouts)
        .await?
        .ok_or(Refused::Signature(NOT_VERIFIED))?;
    let paypal = Paypal {
        http: &settings.http,
        rail: &rail,
    };
    let token = paypal
        .cached_token()
        .await
        .map_err(|_| Refused::ProviderUnreachable)?;
    match paypal.verify(&token, &transmission, text).await {
        Answer::Taken(json) if json["verification_status"] == "SUCCESS" => {}
        Answer::Taken(_) | Answer::Refused(..) => return Err(Refused::Signature(NOT_VERIFIED)),
        Answer::Unauthorized | Answer::Approval(_) => {
            paypal.forget_token();
            return Err(Refused::ProviderUnreachable);
        }
        Answer::Later(..) => return Err(Refused::ProviderUnreachable),
    }
    let event_type = event["event_type"].as_str().unwrap_or_default();
    let resource = &event["resource"];
    if let Some(status) = paypal::event_status(event_type) {
        let Some((payout_id, said)) = paypal::said_of_item(resource, Some(status)) else {
            return Err(Refused::Malformed(
                "an item event without its sender_item_id",
            ));
        };
        return match record::record(db, settings, tenant_id, &payout_id, &said).await? {
            Some(_) => Ok(Handled::Done),
            None => Ok(Handled::Ignored),
        };
    }
    if event_type.starts_with("PAYMENT.PAYOUTSBATCH.") {
        // The batch moved: its payouts are read back now.
        let Some(batch) = resource["batch_header"]["payout_batch_id"].as_str() else {
            return Err(Refused::Malformed(
                "a batch event without its payout_batch_id",
            ));
        };
        let now = crate::db::now();
        payout::Entity::update_many()
            .col_expr(payout::Column::RailNextAt, Expr::value(now))
            .filter(payout::Column::TenantId.eq(tenant_id))
            .filter(payout::Column::RailBatch.eq(batch))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .exec(db.conn())
            .await
            .map_err(crate::error::ApiError::from)?;
        settings.wake.notify_one();
        return Ok(Handled::Done);
    }
    Ok(Handled::Ignored)
}

/// A Stripe webhook event (the Connect endpoint's).
pub async fn stripe(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Taken {
    let rail = config::open(db.conn(), settings, tenant_id, PayoutRail::StripeConnect)
        .await?
        .ok_or(Refused::NotConfigured(NO_RAIL))?;
    let Credentials::Stripe { webhook_secret, .. } = &rail.credentials else {
        return Err(Refused::NotConfigured(NO_RAIL));
    };
    let signature = signature.ok_or(Refused::Signature("no Stripe-Signature header"))?;
    // Stripe signs its Connect events as it signs billing ones: one check.
    let secrets = std::slice::from_ref(webhook_secret);
    crate::connectors::stripe::verify(signature, body, secrets, crate::db::now().timestamp())
        .map_err(|_| Refused::Signature("the Stripe-Signature does not match"))?;
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Refused::Malformed("not JSON"))?;
    let object = &event["data"]["object"];
    match event["type"].as_str().unwrap_or_default() {
        "account.updated" => {
            let Some(account) = object["id"].as_str() else {
                return Err(Refused::Malformed("an account event without its id"));
            };
            let enabled = object["payouts_enabled"].as_bool().unwrap_or(false);
            match connect::account_updated(db, tenant_id, account, enabled).await? {
                true => Ok(Handled::Done),
                false => Ok(Handled::Ignored),
            }
        }
        kind @ ("transfer.created" | "transfer.reversed") => {
            let Some(transfer) = object["id"].as_str() else {
                return Err(Refused::Malformed("a transfer event without its id"));
            };
            let Some(payout_id) = payout_of_transfer(db, tenant_id, object, transfer).await? else {
                return Ok(Handled::Ignored);
            };
            let recorded = match kind {
                "transfer.created" => {
                    let said = Said {
                        status: RailStatus::Succeeded,
                        reference: Some(transfer.to_owned()),
                        batch: None,
                        error: None,
                    };
                    record::record(db, settings, tenant_id, &payout_id, &said).await?
                }
                _ => {
                    let Some(amount_reversed_minor) = object["amount_reversed"].as_i64() else {
                        return Err(Refused::Malformed(
                            "a reversed transfer without its amount_reversed",
                        ));
                    };
                    let reversed = reversal::Reversed {
                        transfer: transfer.to_owned(),
                        amount_reversed_minor,
                    };
                    reversal::record(db, tenant_id, &payout_id, &reversed).await?
                }
            };
            match recorded {
                Some(_) => Ok(Handled::Done),
                None => Ok(Handled::Ignored),
            }
        }
        _ => Ok(Handled::Ignored),
    }
}

/// The payout a transfer pays: by its `metadata[payout]`, else by the
/// transfer id recorded.
async fn payout_of_transfer(
    db: &Db,
    tenant_id: &str,
    object: &serde_json::Value,
    transfer: &str,
) -> ApiResult<Option<String>> {
    let by_reference = payout::Column::RailReference.eq(transfer);
    let condition = match object["metadata"]["payout"].as_str() {
        Some(id) => sea_orm::Condition::any()
            .add(payout::Column::Id.eq(id))
            .add(by_reference),
        None => sea_orm::Condition::any().add(by_reference),
    };
    Ok(payout::Entity::find()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::Rail.eq(PayoutRail::StripeConnect))
        .filter(condition)
        .one(db.conn())
        .await?
        .map(|p| p.id))
}

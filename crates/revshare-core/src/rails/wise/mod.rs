//! Wise (SPEC §36): bank payouts in the partner's currency, through a
//! third rail beside PayPal's and Stripe's.
//!
//! - [`api`]: Wise's requests — recipients, quotes, batch groups and
//!   their transfers, completion, funding, a transfer read back;
//! - [`send`]: a run's payouts in one currency, sent to their end by the
//!   worker, exactly once;
//! - [`keys`]: the keys webhooks are checked with, and the SCA signature.
//!
//! A transfer's state (`transfers#state-change`'s `current_state`, or
//! `GET /v1/transfers/{id}`'s `status`) as a rail status:
//!
//! | Wise | rail | payout |
//! |---|---|---|
//! | `incoming_payment_waiting`, `incoming_payment_initiated` | `QUEUED` (not funded yet) | pending |
//! | `processing`, `funds_converted`, `unknown` | `SENT` | pending |
//! | `outgoing_payment_sent` | `SUCCEEDED` | `PAID` |
//! | `cancelled`, `funds_refunded`, `charged_back` | `FAILED` | `FAILED`, its commissions to the next run |
//! | `bounced_back` | `RETURNED` | `FAILED` — even once `PAID`: taken back in full, as a Stripe transfer reversed |

pub mod api;
pub mod keys;
pub mod send;

use super::Settings;
use super::config::{self, Credentials};
use super::record::{self, Said};
use super::reversal;
use crate::connectors::intake::{Handled, Refused, Taken};
use crate::db::Db;
use crate::error::ApiResult;
use entity::enums::{PayoutRail, PayoutRailMode, PayoutStatus, RailStatus};
use entity::payout;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// What a post Wise did not sign is told (and one to a tenant without
/// the rail, so that the two are not told apart).
pub const NOT_SIGNED: &str = "the X-Signature-SHA256 is not Wise's";

/// A transfer's state as a rail status (`None`: one that says nothing
/// new, or one Wise may add).
pub fn state(state: &str) -> Option<RailStatus> {
    Some(match state {
        "processing" | "funds_converted" | "unknown" => RailStatus::Sent,
        "outgoing_payment_sent" => RailStatus::Succeeded,
        "cancelled" | "funds_refunded" | "charged_back" => RailStatus::Failed,
        "bounced_back" => RailStatus::Returned,
        _ => return None,
    })
}

/// The words a payout that failed at Wise keeps.
fn failed_words(state: &str, transfer: &str) -> String {
    match state {
        "bounced_back" => format!(
            "Wise: transfer {transfer} bounced back from the partner's bank; its commissions go to the next run"
        ),
        other => {
            format!("Wise: transfer {transfer} is {other}; its commissions go to the next run")
        }
    }
}

/// Applies a transfer's state to its payout: a bounce after it was paid
/// takes it back whole (its commissions to the next run), anything else
/// is recorded as the other rails' words are ([`record`]).
pub async fn apply(
    db: &Db,
    settings: &Settings,
    payout: &payout::Model,
    transfer: &str,
    wise_state: &str,
) -> ApiResult<Option<payout::Model>> {
    let Some(status) = state(wise_state) else {
        return Ok(Some(payout.clone()));
    };
    let taken_back = matches!(status, RailStatus::Returned | RailStatus::Failed);
    if taken_back && payout.status == PayoutStatus::Paid {
        let reversed = reversal::Reversed {
            transfer: transfer.to_owned(),
            amount_reversed_minor: crate::payouts::withholding::sent_minor(payout),
        };
        return reversal::record(db, &payout.tenant_id, &payout.id, &reversed).await;
    }
    let mut said = Said::status(status);
    said.reference = Some(transfer.to_owned());
    if taken_back {
        said.error = Some(failed_words(wise_state, transfer));
    }
    record::record(db, settings, &payout.tenant_id, &payout.id, &said).await
}

/// The key the rail's webhooks are checked with: the one it was given,
/// else Wise's published one for its mode.
fn webhook_key(rail: &config::Rail) -> Result<Vec<u8>, String> {
    let given = match &rail.credentials {
        Credentials::Wise {
            webhook_public_key, ..
        } => webhook_public_key.as_deref(),
        _ => None,
    };
    let pem = given.unwrap_or(match rail.mode {
        PayoutRailMode::Live => keys::PRODUCTION,
        PayoutRailMode::Sandbox => keys::SANDBOX,
    });
    keys::public_key(pem)
}

/// `POST /payouts/wise/{tenantId}`: a webhook Wise signed is applied as
/// it says, with no call to Wise; one about a transfer that is no
/// payout's of the tenant (Wise's test, another system's) is `200` and
/// ignored.
pub async fn hook(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Taken {
    let signature = signature.ok_or(Refused::Signature("no X-Signature-SHA256 header"))?;
    let rail = config::open(db.conn(), settings, tenant_id, PayoutRail::Wise)
        .await?
        .ok_or(Refused::Signature(NOT_SIGNED))?;
    let key = webhook_key(&rail).map_err(|_| Refused::Signature(NOT_SIGNED))?;
    if !keys::verify(&key, body, signature) {
        return Err(Refused::Signature(NOT_SIGNED));
    }
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Refused::Malformed("not JSON"))?;
    if event["event_type"] != "transfers#state-change" {
        return Ok(Handled::Ignored);
    }
    let data = &event["data"];
    let Some(transfer) = api::id_of(&data["resource"]["id"]) else {
        return Err(Refused::Malformed(
            "a transfer event without its resource id",
        ));
    };
    let Some(wise_state) = data["current_state"].as_str() else {
        return Err(Refused::Malformed(
            "a transfer event without its current_state",
        ));
    };
    let found = payout::Entity::find()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::Rail.eq(PayoutRail::Wise))
        .filter(payout::Column::RailReference.eq(transfer.as_str()))
        .one(db.conn())
        .await
        .map_err(crate::error::ApiError::from)?;
    let Some(payout) = found else {
        return Ok(Handled::Ignored);
    };
    apply(db, settings, &payout, &transfer, wise_state).await?;
    Ok(Handled::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wise_s_states_read_as_rail_statuses() {
        assert_eq!(state("incoming_payment_waiting"), None);
        assert_eq!(state("processing"), Some(RailStatus::Sent));
        assert_eq!(state("funds_converted"), Some(RailStatus::Sent));
        assert_eq!(state("outgoing_payment_sent"), Some(RailStatus::Succeeded));
        assert_eq!(state("cancelled"), Some(RailStatus::Failed));
        assert_eq!(state("funds_refunded"), Some(RailStatus::Failed));
        assert_eq!(state("charged_back"), Some(RailStatus::Failed));
        assert_eq!(state("bounced_back"), Some(RailStatus::Returned));
        assert_eq!(state("something_new"), None);
    }
}

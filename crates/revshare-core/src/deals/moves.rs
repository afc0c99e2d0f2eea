//! What a deal event is, below every path that records one (creation,
//! `moveDeal`, `recordDealPayment`, a registration's approval): the inputs,
//! the answer, and the rules they all check — a positive amount in the
//! deal's currency, and a registration decided before anything is earned.

use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::enums::DealRegistration;
use entity::{commission, deal, event};
use rust_decimal::Decimal;

/// `moveDeal`: a deal moved to a stage, exactly once per `externalId`.
pub struct StageMove {
    pub deal_id: String,
    pub stage_id: String,
    pub external_id: String,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// `recordDealPayment`: a payment on a deal, exactly once per `externalId`.
pub struct NewPayment {
    pub deal_id: String,
    pub external_id: String,
    /// Omitted: the deal's amount.
    pub amount: Option<Decimal>,
    /// Omitted: the deal's currency; another is converted into the deal's
    /// at the rate of the payment's day (SPEC §22).
    pub currency: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// What a deal event did.
#[derive(Clone)]
pub struct DealEvent {
    pub event: event::Model,
    pub deal: deal::Model,
    pub commissions: Vec<commission::Model>,
    /// The event had been recorded before with this payload.
    pub duplicate: bool,
}

/// An amount of a deal: above 0, with at most its currency's decimals.
pub fn positive_minor(field: &str, amount: Decimal, currency: Currency) -> ApiResult<i64> {
    let minor = currency
        .to_minor(amount)
        .map_err(|e| ApiError::bad_input(field, e.to_string()))?;
    if minor <= 0 {
        return Err(ApiError::bad_input(field, "must be greater than 0"));
    }
    Ok(minor)
}

/// Refuses a deal whose registration is undecided or rejected.
pub fn decided(deal: &deal::Model) -> ApiResult<()> {
    match deal.registration {
        DealRegistration::Pending | DealRegistration::Rejected => Err(ApiError::Conflict(format!(
            "the deal's registration is {}",
            deal.registration.as_str()
        ))),
        _ => Ok(()),
    }
}

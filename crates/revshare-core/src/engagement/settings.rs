//! A group's referral rule and a group's or campaign's spend cap, as kept
//! (JSON text in `partner_groups.referral`, `partner_groups.cap`,
//! `campaigns.cap`) and as checked on their way in.

use crate::engine::Currency;
use crate::engine::engagement::{Cap, ReferralRule};
use crate::error::{ApiError, ApiResult};

/// A stored rule, or none when there is none; one that does not read is
/// an error, never no rule.
pub fn referral_of(stored: Option<&str>) -> ApiResult<Option<ReferralRule>> {
    stored
        .map(|text| ApiError::stored("stored referral rule", text))
        .transpose()
}

/// A stored cap, or none when there is none; one that does not read is
/// an error, never no cap (which would cap nothing).
pub fn cap_of(stored: Option<&str>) -> ApiResult<Option<Cap>> {
    stored
        .map(|text| ApiError::stored("stored cap", text))
        .transpose()
}

/// A rule checked, each problem naming its field under `prefix`, and
/// encoded for its column.
pub fn encode_referral(prefix: &str, rule: &ReferralRule) -> ApiResult<String> {
    rule.check()
        .map_err(|p| ApiError::bad_input(format!("{prefix}.{}", p.field), p.message))?;
    serde_json::to_string(rule).map_err(|e| ApiError::internal("encode referral rule", e))
}

/// A cap checked — a positive amount in minor units of a known currency —
/// and encoded for its column.
pub fn encode_cap(prefix: &str, cap: &Cap) -> ApiResult<String> {
    let currency = Currency::parse(&cap.currency)
        .map_err(|e| ApiError::bad_input(format!("{prefix}.currency"), e.to_string()))?;
    let minor = currency
        .to_minor(cap.amount)
        .map_err(|e| ApiError::bad_input(format!("{prefix}.amount"), e.to_string()))?;
    if minor <= 0 {
        return Err(ApiError::bad_input(
            format!("{prefix}.amount"),
            "must be greater than 0",
        ));
    }
    let kept = Cap {
        amount: cap.amount.normalize(),
        currency: currency.code().to_owned(),
        ..cap.clone()
    };
    serde_json::to_string(&kept).map_err(|e| ApiError::internal("encode cap", e))
}

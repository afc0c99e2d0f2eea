//! Minimum payouts (SPEC §16): the smallest net balance a run pays, per
//! currency, set on the tenant, a partner group or a partner. For each
//! currency the most specific setting wins — the partner's, else its
//! group's, else the tenant's; with none, any positive balance is paid.
//!
//! Each holder keeps its list as JSON in its own row
//! (`[{"currency": "USD", "amountMinor": 5000}]`, minor units), read with
//! the row it belongs to: a run resolves every partner's minimum from
//! rows it has loaded anyway.

use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Currencies one list may name.
pub const MAX_MINIMUMS: usize = 50;

/// A minimum in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Minimum {
    pub currency: String,
    pub amount_minor: i64,
}

/// Where the minimum in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Tenant,
    Group,
    Partner,
}

/// A list as a client gives it: each `(amount, currency)` checked — a known
/// currency, named once, an amount of at least 0 in the currency's minor
/// unit — in the order given. Errors name `field[i]`.
pub fn check(field: &str, given: &[(Decimal, String)]) -> ApiResult<Vec<Minimum>> {
    if given.len() > MAX_MINIMUMS {
        return Err(ApiError::bad_input(
            field,
            format!("may name at most {MAX_MINIMUMS} currencies"),
        ));
    }
    let mut minimums: Vec<Minimum> = Vec::with_capacity(given.len());
    for (i, (amount, code)) in given.iter().enumerate() {
        let currency = Currency::parse(code)
            .map_err(|e| ApiError::bad_input(format!("{field}[{i}].currency"), e.to_string()))?;
        if minimums.iter().any(|m| m.currency == currency.code()) {
            return Err(ApiError::bad_input(
                format!("{field}[{i}].currency"),
                format!("names {currency} a second time"),
            ));
        }
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(ApiError::bad_input(
                format!("{field}[{i}].amount"),
                "must be at least 0",
            ));
        }
        let amount_minor = currency
            .to_minor(*amount)
            .map_err(|e| ApiError::bad_input(format!("{field}[{i}].amount"), e.to_string()))?;
        minimums.push(Minimum {
            currency: currency.code().to_owned(),
            amount_minor,
        });
    }
    Ok(minimums)
}

/// The stored form of a list (none: no setting).
pub fn encode(minimums: Option<&[Minimum]>) -> Option<String> {
    minimums.map(|list| serde_json::to_string(list).unwrap_or_else(|_| "[]".into()))
}

/// A stored list (none: no setting).
pub fn decode(stored: Option<&str>) -> ApiResult<Option<Vec<Minimum>>> {
    stored
        .map(|text| {
            serde_json::from_str(text).map_err(|e| ApiError::internal("stored minimums", e))
        })
        .transpose()
}

/// The minimum in force in `currency` for a partner, given its own list,
/// its group's and its tenant's (each as stored), and where it comes from;
/// none when no holder names the currency.
pub fn in_force(
    currency: &str,
    partner: Option<&str>,
    group: Option<&str>,
    tenant: Option<&str>,
) -> ApiResult<Option<(i64, Source)>> {
    let holders = [
        (partner, Source::Partner),
        (group, Source::Group),
        (tenant, Source::Tenant),
    ];
    for (stored, source) in holders {
        let found = decode(stored)?
            .unwrap_or_default()
            .into_iter()
            .find(|m| m.currency == currency);
        if let Some(minimum) = found {
            return Ok(Some((minimum.amount_minor, source)));
        }
    }
    Ok(None)
}

/// Every currency in force for a partner, most specific first per
/// currency, in currency order.
pub fn all_in_force(
    partner: Option<&str>,
    group: Option<&str>,
    tenant: Option<&str>,
) -> ApiResult<Vec<(Minimum, Source)>> {
    let mut found: std::collections::BTreeMap<String, (Minimum, Source)> = Default::default();
    let holders = [
        (tenant, Source::Tenant),
        (group, Source::Group),
        (partner, Source::Partner),
    ];
    // Least specific first: a later holder replaces an earlier one.
    for (stored, source) in holders {
        for minimum in decode(stored)?.unwrap_or_default() {
            found.insert(minimum.currency.clone(), (minimum, source));
        }
    }
    Ok(found.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn the_most_specific_holder_wins_per_currency() {
        let tenant = encode(Some(
            &check("t", &[(d("50"), "USD".into()), (d("40"), "EUR".into())]).unwrap(),
        ));
        let group = encode(Some(&check("g", &[(d("100"), "USD".into())]).unwrap()));
        let partner = encode(Some(&check("p", &[(d("25.50"), "EUR".into())]).unwrap()));
        let (p, g, t) = (partner.as_deref(), group.as_deref(), tenant.as_deref());
        assert_eq!(
            in_force("USD", p, g, t).unwrap(),
            Some((10_000, Source::Group))
        );
        assert_eq!(
            in_force("EUR", p, g, t).unwrap(),
            Some((2_550, Source::Partner))
        );
        assert_eq!(in_force("JPY", p, g, t).unwrap(), None);
        let all = all_in_force(p, g, t).unwrap();
        assert_eq!(
            all.iter()
                .map(|(m, s)| (m.currency.as_str(), m.amount_minor, *s))
                .collect::<Vec<_>>(),
            [
                ("EUR", 2_550, Source::Partner),
                ("USD", 10_000, Source::Group)
            ]
        );
    }

    #[test]
    fn an_empty_list_is_a_setting_that_names_no_currency() {
        let tenant = encode(Some(&check("t", &[(d("50"), "USD".into())]).unwrap()));
        let partner = encode(Some(&[]));
        assert_eq!(
            in_force("USD", partner.as_deref(), None, tenant.as_deref()).unwrap(),
            Some((5_000, Source::Tenant))
        );
    }

    #[test]
    fn a_list_is_checked_item_by_item() {
        let err = |given: &[(Decimal, String)]| match check("input.minimumPayout", given) {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("{:?}", other.map(|_| ())),
        };
        assert_eq!(
            err(&[(d("1"), "usd".into())]),
            "input.minimumPayout[0].currency"
        );
        assert_eq!(
            err(&[(d("1"), "USD".into()), (d("2"), "USD".into())]),
            "input.minimumPayout[1].currency"
        );
        assert_eq!(
            err(&[(d("-1"), "USD".into())]),
            "input.minimumPayout[0].amount"
        );
        assert_eq!(
            err(&[(d("1.5"), "JPY".into())]),
            "input.minimumPayout[0].amount"
        );
        assert_eq!(
            check("f", &[(d("0"), "JPY".into())]).unwrap()[0].amount_minor,
            0
        );
    }
}

//! Amounts as the schema answers them: a stored amount in minor units read
//! in its currency's decimals, and the ledger's kept totals as balances.

use super::super::scalars::Decimal;
use super::Balance;
use entity::enums::CommissionStatus;
use entity::{contact_balance, partner_balance};
use revshare_core::error::{ApiError, ApiResult};
use revshare_engine::Currency;

/// A stored amount in `currency`'s minor units, in its decimals.
pub(crate) fn money(minor: i64, currency: &str) -> ApiResult<Decimal> {
    let currency =
        Currency::parse(currency).map_err(|e| ApiError::internal("stored currency", e))?;
    Ok(Decimal::from(currency.from_minor(minor)))
}

/// A balance row the ledger keeps: a partner's or a payee contact's.
pub(crate) struct Total {
    currency: String,
    status: CommissionStatus,
    amount_minor: i64,
}

impl From<partner_balance::Model> for Total {
    fn from(row: partner_balance::Model) -> Self {
        Total {
            currency: row.currency,
            status: row.status,
            amount_minor: row.amount_minor,
        }
    }
}

impl From<contact_balance::Model> for Total {
    fn from(row: contact_balance::Model) -> Self {
        Total {
            currency: row.currency,
            status: row.status,
            amount_minor: row.amount_minor,
        }
    }
}

impl From<(String, CommissionStatus, i64)> for Total {
    fn from((currency, status, amount_minor): (String, CommissionStatus, i64)) -> Self {
        Total {
            currency,
            status,
            amount_minor,
        }
    }
}

/// Balances from the totals the ledger keeps, in currency order.
pub(crate) fn balances<T: Into<Total>>(totals: Vec<T>) -> ApiResult<Vec<Balance>> {
    let mut balances: Vec<Balance> = Vec::new();
    for total in totals.into_iter().map(Into::into) {
        if balances.last().is_none_or(|b| b.currency != total.currency) {
            let zero = money(0, &total.currency)?;
            balances.push(Balance {
                currency: total.currency.clone(),
                accrued: zero,
                approved: zero,
                paid: zero,
                rate_day: None,
            });
        }
        let balance = balances.last_mut().expect("pushed above");
        let amount = money(total.amount_minor, &total.currency)?;
        match total.status {
            CommissionStatus::Accrued => balance.accrued = amount,
            CommissionStatus::Approved => balance.approved = amount,
            CommissionStatus::Paid => balance.paid = amount,
            CommissionStatus::Reversed => {}
        }
    }
    Ok(balances)
}

//! An item's amounts in its campaign's currency: as sent, or converted at
//! the rate of the sale's day (SPEC §22).

use super::load::{Checked, Loaded};
use super::{bad, minor_units};
use crate::campaigns;
use crate::engine::{self, Currency};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};

/// An item's amounts in its campaign's currency.
pub(super) struct Amounts {
    pub amount_minor: i64,
    pub revenue_minor: Option<i64>,
    pub conversion: Option<Converted>,
}

/// A sale converted into its campaign's currency.
pub(super) struct Converted {
    pub found: crate::fx::Found,
    /// The sale's own amount and currency.
    pub sale_minor: i64,
    pub sale_currency: String,
    /// The converted amount before any rounding: what the rules see.
    pub exact: rust_decimal::Decimal,
}

/// The item's amounts in the campaign's `currency`: as sent, or
/// converted at the rate of the sale's day; `None` when the sale is in
/// another currency with no rate yet.
pub(super) fn amounts(
    loaded: &Loaded,
    item: &Checked,
    currency: Currency,
    occurred_at: DateTime<Utc>,
) -> ApiResult<Option<Amounts>> {
    let (prefix, new) = (item.prefix, item.new);
    let sale = new.kind == engine::EventKind::Sale;
    let Some(code) = new.currency.as_ref().filter(|c| *c != currency.code()) else {
        let amount_minor = minor_units(prefix, "amount", new.amount, currency)?;
        let revenue_minor = new
            .revenue
            .map(|r| minor_units(prefix, "revenue", r, currency))
            .transpose()?;
        if sale && amount_minor == 0 {
            return Err(bad(prefix, "amount", "must be greater than 0 for a sale"));
        }
        return Ok(Some(Amounts {
            amount_minor,
            revenue_minor,
            conversion: None,
        }));
    };
    let own = campaigns::check_currency(&format!("{prefix}.currency"), code)?;
    let sale_minor = minor_units(prefix, "amount", new.amount, own)?;
    let revenue = new
        .revenue
        .map(|r| minor_units(prefix, "revenue", r, own))
        .transpose()?;
    if sale && sale_minor == 0 {
        return Err(bad(prefix, "amount", "must be greater than 0 for a sale"));
    }
    let day = crate::fx::day_of(occurred_at);
    let Some(found) = loaded.rates.cross(code, currency.code(), day) else {
        return Ok(None);
    };
    let too_large = || bad(prefix, "amount", "is out of range once converted");
    let exact = found.cross.convert(new.amount).ok_or_else(too_large)?;
    let amount_minor =
        engine::fx::converted_minor(found.cross, new.amount, currency).ok_or_else(too_large)?;
    let revenue_minor = revenue
        .map(|r| engine::fx::converted_minor(found.cross, own.from_minor(r), currency))
        .map(|r| r.ok_or_else(|| bad(prefix, "revenue", "is out of range once converted")))
        .transpose()?;
    let conversion = Converted {
        found,
        sale_minor,
        sale_currency: code.clone(),
        exact,
    };
    Ok(Some(Amounts {
        amount_minor,
        revenue_minor,
        conversion: Some(conversion),
    }))
}

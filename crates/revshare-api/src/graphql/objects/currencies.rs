//! How a sale in another currency was converted (SPEC §22), as every
//! commission of it answers.

use crate::graphql::scalars::{Date, Decimal};
use revshare_core::error::{ApiError, ApiResult};

/// How a sale in another currency was converted (SPEC §22).
#[derive(async_graphql::SimpleObject)]
pub struct Conversion {
    /// The sale's amount in its own currency.
    pub sale_amount: Decimal,
    /// The sale's currency.
    pub sale_currency: String,
    /// Units of the commission's currency for one of the sale's: the
    /// fraction of the two rates per EUR, to 10 significant digits for
    /// reading (the conversion used the fraction itself).
    pub rate: Decimal,
    /// The day of the rates.
    pub day: Date,
    /// Where the rates came from, as imported.
    pub source: String,
}

impl Conversion {
    pub(crate) fn from_row(row: &entity::event_conversion::Model) -> ApiResult<Conversion> {
        use revshare_engine::fx::{Cross, PerEur};
        let broken = |e: &str| ApiError::internal("stored conversion", e.to_owned());
        let own = revshare_engine::Currency::parse(&row.sale_currency)
            .map_err(|e| ApiError::internal("sale currency", e))?;
        let cross = Cross {
            base: PerEur::parse(&row.base_per_eur).map_err(broken)?,
            quote: PerEur::parse(&row.quote_per_eur).map_err(broken)?,
        };
        Ok(Conversion {
            sale_amount: own.from_minor(row.sale_amount_minor).into(),
            sale_currency: row.sale_currency.clone(),
            rate: cross.rate().into(),
            day: Date(row.day),
            source: row.source.clone(),
        })
    }
}

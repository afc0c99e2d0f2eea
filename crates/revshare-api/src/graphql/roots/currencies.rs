//! Exchange rates (SPEC §22): imported by a tenant's admins, read by
//! anyone who reads the ledger and by partners.

use crate::graphql::context::{db, policy as caller_policy};
use crate::graphql::scalars::{Date, Decimal};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use revshare_core::error::{ApiError, ApiResult};

/// A reference-rate file to import.
#[derive(InputObject)]
pub struct ImportExchangeRatesInput {
    /// Where the rates come from, kept with each (`ECB`; up to 200
    /// characters).
    pub source: String,
    /// The file, in the European Central Bank's layout: a header
    /// `Date,USD,JPY,…` and one row a day, rates per 1 EUR, `N/A` where a
    /// currency was not quoted (`eurofxref-hist.csv` or the daily
    /// `eurofxref.csv`).
    pub csv: String,
}

/// What an import stored.
#[derive(SimpleObject)]
pub struct ImportExchangeRatesPayload {
    /// Rates stored: days × currencies quoted.
    pub imported: i32,
    /// Days (rows) of the file.
    pub days: i32,
    /// Events held for want of a rate that it let accrue.
    pub accrued: i32,
}

/// How many units of `quote` one unit of `base` was worth on `day`, by the
/// tenant's rates (through EUR, as the reference rates are published).
#[derive(SimpleObject)]
pub struct ExchangeRate {
    /// The currency converted from.
    pub base: String,
    /// The currency converted into.
    pub quote: String,
    /// `quote ÷ base` per EUR: exact when the base is EUR, else to 10
    /// significant digits (a conversion uses the fraction, never this).
    pub rate: Decimal,
    /// The day of the rates used: the last on or before the day asked,
    /// at most 7 days before it.
    pub day: Date,
    /// Where the rates came from, as imported.
    pub source: String,
}

#[derive(Default)]
pub struct CurrencyQuery;

#[Object]
impl CurrencyQuery {
    /// The rate between two currencies on a day, as a sale on that day is
    /// converted (`commissions:read`, or a partner): the last published day on or before
    /// it, at most 7 days back; null when the tenant has none.
    async fn exchange_rate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The currency converted from (ISO 4217).")] base: String,
        #[graphql(desc = "The currency converted into (ISO 4217).")] quote: String,
        #[graphql(desc = "The day of the sale.")] day: Date,
    ) -> ApiResult<Option<ExchangeRate>> {
        let policy = caller_policy(ctx)?;
        // A partner reads the rates its commissions were converted at.
        policy.finds(revshare_core::auth::access::Kind::ExchangeRate)?;
        for (field, code) in [("base", &base), ("quote", &quote)] {
            revshare_engine::Currency::parse(code)
                .map_err(|e| ApiError::bad_input(field, e.to_string()))?;
        }
        if base == quote {
            return Err(ApiError::bad_input(
                "quote",
                "must be another currency than base",
            ));
        }
        let book = revshare_core::fx::book(
            db(ctx)?.conn(),
            policy.tenant_id(),
            [base.as_str(), quote.as_str()],
            day.0,
            day.0,
        )
        .await?;
        Ok(book.cross(&base, &quote, day.0).map(|found| ExchangeRate {
            base: base.clone(),
            quote: quote.clone(),
            rate: found.cross.rate().into(),
            day: Date(found.day),
            source: found.source,
        }))
    }
}

#[derive(Default)]
pub struct CurrencyMutation;

#[Object]
impl CurrencyMutation {
    /// Imports a reference-rate file (admins), in one transaction: its
    /// rates are stored (a day imported again takes the new rates) and the
    /// events held for want of a rate (`NO_EXCHANGE_RATE`) that now have
    /// one accrue, oldest first. A malformed cell or layout is
    /// `BAD_USER_INPUT` on `input.csv` naming its row and column, and
    /// imports nothing.
    async fn import_exchange_rates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file.")] input: ImportExchangeRatesInput,
    ) -> ApiResult<ImportExchangeRatesPayload> {
        let policy = caller_policy(ctx)?;
        policy.admin("only an admin imports exchange rates")?;
        let outcome = revshare_core::ledger::exchange::import(
            db(ctx)?,
            policy.tenant_id(),
            &input.source,
            &input.csv,
        )
        .await?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(ImportExchangeRatesPayload {
            imported: count(outcome.imported.rates),
            days: count(outcome.imported.days),
            accrued: count(outcome.accrued),
        })
    }
}

//! A tenant's exchange rates (SPEC §22): stored as imported, per 1 EUR,
//! one a currency a day, and looked up as the conversion rule needs them
//! ([`crate::engine::fx`]). Rates are the tenant's own: each brand imports
//! the file of its choice (`importExchangeRates`, `revshare rates import`,
//! or the daily fetch of `REVSHARE_FX_URL`); no request fetches anything.

use crate::engine::fx::{Cross, Day, EUR, LOOKBACK_DAYS, PerEur};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::exchange_rate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// Rows written by one statement.
const CHUNK: usize = 500;

/// How a conversion was made, as kept with the event it converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub cross: Cross,
    /// The day of the rates: the last on or before the sale's day, at most
    /// [`LOOKBACK_DAYS`] before it, on which both currencies were quoted.
    pub day: NaiveDate,
    pub source: String,
}

/// A tenant's rates of some currencies over some days, read at once.
#[derive(Default)]
pub struct Book {
    /// By currency: by day, the rate and its source.
    rates: HashMap<String, BTreeMap<NaiveDate, (PerEur, String)>>,
}

impl Book {
    /// The rate that converts `from` into `to` for a sale on `day`: the
    /// last day on or before it, at most [`LOOKBACK_DAYS`] back, with a
    /// rate of each (EUR is always 1).
    pub fn cross(&self, from: &str, to: &str, day: NaiveDate) -> Option<Found> {
        let earliest = day - Duration::days(LOOKBACK_DAYS);
        let empty = BTreeMap::new();
        let of = |code: &str| self.rates.get(code).unwrap_or(&empty);
        let (base, quote) = (of(from), of(to));
        // Walk back over the days either has, newest first.
        let mut candidate = day;
        while candidate >= earliest {
            let rate = |code: &str, rates: &BTreeMap<NaiveDate, (PerEur, String)>| match code {
                EUR => Some((PerEur::ONE, None)),
                _ => rates
                    .get(&candidate)
                    .map(|(rate, source)| (*rate, Some(source.clone()))),
            };
            if let (Some((b, b_source)), Some((q, q_source))) = (rate(from, base), rate(to, quote))
            {
                let source = b_source.or(q_source).unwrap_or_default();
                return Some(Found {
                    cross: Cross { base: b, quote: q },
                    day: candidate,
                    source,
                });
            }
            // The next older day either has.
            let older = |rates: &BTreeMap<NaiveDate, (PerEur, String)>| {
                rates.range(..candidate).next_back().map(|(d, _)| *d)
            };
            candidate = match (older(base), older(quote)) {
                (Some(a), Some(b)) => a.max(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return None,
            };
        }
        None
    }
}

/// The day of an instant, as rates are published: the UTC calendar day.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// Reads the tenant's rates of `currencies` from `LOOKBACK_DAYS` before
/// `from` to `to`, in one statement.
pub async fn book(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    currencies: impl IntoIterator<Item = &str>,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Book> {
    let codes: Vec<&str> = currencies.into_iter().filter(|c| *c != EUR).collect();
    let mut book = Book::default();
    if codes.is_empty() {
        return Ok(book);
    }
    let rows = exchange_rate::Entity::find()
        .filter(exchange_rate::Column::TenantId.eq(tenant_id))
        .filter(exchange_rate::Column::Currency.is_in(codes))
        .filter(exchange_rate::Column::Day.gte(from - Duration::days(LOOKBACK_DAYS)))
        .filter(exchange_rate::Column::Day.lte(to))
        .all(conn)
        .await?;
    for row in rows {
        let rate =
            PerEur::parse(&row.rate).map_err(|e| ApiError::internal("stored exchange rate", e))?;
        book.rates
            .entry(row.currency)
            .or_default()
            .insert(row.day, (rate, row.source));
    }
    Ok(book)
}

/// What an import wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Rates: days × currencies quoted.
    pub rates: usize,
    /// Rows of the file (days).
    pub days: usize,
}

/// Stores a parsed file's rates under `source`: a day and currency
/// imported before takes the new rate and source (a correction).
pub async fn store(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    source: &str,
    days: &[Day],
    now: DateTime<Utc>,
) -> ApiResult<Imported> {
    let rows: Vec<exchange_rate::ActiveModel> = days
        .iter()
        .flat_map(|day| {
            day.rates.iter().map(move |(currency, rate)| {
                exchange_rate::Model {
                    tenant_id: tenant_id.to_owned(),
                    currency: currency.clone(),
                    day: day.day,
                    rate: rate.to_string(),
                    source: source.to_owned(),
                    imported_at: now,
                }
                .into()
            })
        })
        .collect();
    let imported = Imported {
        rates: rows.len(),
        days: days.len(),
    };
    for chunk in rows.chunks(CHUNK) {
        exchange_rate::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    exchange_rate::Column::TenantId,
                    exchange_rate::Column::Currency,
                    exchange_rate::Column::Day,
                ])
                .update_columns([
                    exchange_rate::Column::Rate,
                    exchange_rate::Column::Source,
                    exchange_rate::Column::ImportedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(imported)
}

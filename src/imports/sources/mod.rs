//! Each source's own API, read into [`super::source`]'s rows: its host,
//! authentication, paging and objects as its documents give them.

mod csv;
mod rewardful;

use super::client::{Auth, Client};
use super::source::{Page, PageError};
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use entity::enums::{ImportPhase, ImportSource};
use serde::{Deserialize, Serialize};

/// The credentials an import reads its source with (and, for CSV, the
/// files themselves). Kept sealed while it runs; never answered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Credentials {
    pub api_key: Option<String>,
    pub account_id: Option<String>,
    pub public_key: Option<String>,
    pub secret_key: Option<String>,
    pub base_url: Option<String>,
    pub csv: Option<String>,
}

impl Credentials {
    /// The text sealed in the import's row.
    pub fn stored(&self) -> ApiResult<String> {
        serde_json::to_string(self).map_err(|e| ApiError::internal("import credentials", e))
    }

    pub fn read(text: &str) -> ApiResult<Credentials> {
        serde_json::from_str(text).map_err(|e| ApiError::internal("import credentials", e))
    }

    /// A field the source needs.
    fn needs<'a>(&self, value: &'a Option<String>, name: &str, source: &str) -> ApiResult<&'a str> {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ApiError::bad_input(
                    format!("input.credentials.{name}"),
                    format!("is needed to read {source}"),
                )
            })
    }
}

/// A source, ready to be read.
pub enum Source {
    Rewardful(Client),
    Csv(csv::Tables),
}

impl Source {
    /// Checks the credentials a source needs and where it is read from:
    /// its documented host, or `baseUrl` (an `https` URL of a public
    /// address, or any address where private ones are allowed).
    pub fn open(
        source: ImportSource,
        credentials: &Credentials,
        allow_private: bool,
    ) -> ApiResult<Source> {
        let base = |documented: &str| -> ApiResult<String> {
            match credentials
                .base_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                None => Ok(documented.to_owned()),
                Some(url) => crate::webhooks::ssrf::check_url(url, allow_private)
                    .map(|u| u.as_str().to_owned())
                    .map_err(|why| ApiError::bad_input("input.credentials.baseUrl", why)),
            }
        };
        match source {
            ImportSource::Rewardful => {
                let key = credentials.needs(&credentials.api_key, "apiKey", "Rewardful")?;
                let auth = Auth::Basic(key.to_owned(), String::new());
                let base = base(rewardful::HOST)?;
                Ok(Source::Rewardful(Client::new(&base, auth, allow_private)))
            }
            ImportSource::Csv => {
                let text = credentials.needs(&credentials.csv, "csv", "CSV files")?;
                csv::Tables::parse(text)
                    .map(Source::Csv)
                    .map_err(|why| ApiError::bad_input("input.credentials.csv", why))
            }
            other => Err(ApiError::bad_input(
                "input.source",
                format!("{} is not read yet", other.as_str()),
            )),
        }
    }

    /// The platform's name, as the brand knows it.
    pub fn platform(&self) -> &'static str {
        match self {
            Source::Rewardful(_) => "Rewardful",
            Source::Csv(_) => "CSV",
        }
    }

    /// The prefix of the keys its rows are imported under.
    pub fn prefix(&self) -> &'static str {
        match self {
            Source::Rewardful(_) => "rewardful",
            Source::Csv(_) => "csv",
        }
    }

    /// Requests made to the source so far.
    pub fn requests(&self) -> i64 {
        match self {
            Source::Rewardful(client) => client.requests(),
            Source::Csv(_) => 0,
        }
    }

    /// The page of `phase` at `cursor` (`None`: the first).
    pub async fn page(&self, phase: ImportPhase, cursor: Option<&str>) -> Result<Page, PageError> {
        match self {
            Source::Rewardful(client) => rewardful::page(client, phase, cursor).await,
            Source::Csv(tables) => tables.page(phase, cursor),
        }
    }
}

/// An amount the source gives in its currency's smallest unit (cents, as
/// Stripe counts them), in revshare's minor units.
fn minor_of(currency: Currency, smallest: i64) -> Option<i64> {
    crate::connectors::units::minor(currency, smallest)
}

/// A currency code as the source writes it (`usd`, `USD`).
fn currency_of(code: &str) -> Option<Currency> {
    Currency::parse(&code.trim().to_uppercase()).ok()
}

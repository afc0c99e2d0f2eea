//! Each source's own API, read into [`super::source`]'s rows: its host,
//! authentication, paging and objects as its documents give them.

mod csv;
mod firstpromoter;
mod partnerstack;
mod rewardful;
mod tapfiliate;
mod tolt;

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

/// A source, ready to be read: its reader, and the currency of the
/// import's campaign (what a source that names none counts in).
pub struct Source {
    reader: Reader,
    currency: Currency,
    /// The tenant's zone: a date alone is that day's start in it.
    zone: chrono_tz::Tz,
}

enum Reader {
    Rewardful(Client),
    FirstPromoter(Client),
    PartnerStack(Client),
    /// Its clients (API v1, and v2 for the program and its groups) and
    /// the program every list is scoped by.
    Tolt(Client, Client, String),
    /// Its client and the program it reads.
    Tapfiliate(Client, String),
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
        currency: Currency,
        zone: chrono_tz::Tz,
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
        let c = credentials;
        let reader = match source {
            ImportSource::Rewardful => {
                let key = c.needs(&c.api_key, "apiKey", "Rewardful")?;
                let auth = Auth::Basic(key.to_owned(), String::new());
                Reader::Rewardful(Client::new(&base(rewardful::HOST)?, auth, allow_private))
            }
            ImportSource::Firstpromoter => {
                let key = c.needs(&c.api_key, "apiKey", "FirstPromoter")?;
                let account = c.needs(&c.account_id, "accountId", "FirstPromoter")?;
                let auth = Auth::Bearer(key.to_owned(), vec![("Account-ID", account.to_owned())]);
                Reader::FirstPromoter(Client::new(
                    &base(firstpromoter::HOST)?,
                    auth,
                    allow_private,
                ))
            }
            ImportSource::Partnerstack => {
                let public = c.needs(&c.public_key, "publicKey", "PartnerStack")?;
                let secret = c.needs(&c.secret_key, "secretKey", "PartnerStack")?;
                let auth = Auth::Basic(public.to_owned(), secret.to_owned());
                Reader::PartnerStack(Client::new(&base(partnerstack::HOST)?, auth, allow_private))
            }
            ImportSource::Tolt => {
                let key = c.needs(&c.api_key, "apiKey", "Tolt")?;
                let program = c.needs(&c.account_id, "accountId", "Tolt (its program id)")?;
                let auth = || Auth::Bearer(key.to_owned(), Vec::new());
                let client = Client::new(&base(tolt::HOST)?, auth(), allow_private);
                let v2 = Client::new(&base(tolt::HOST_V2)?, auth(), allow_private);
                Reader::Tolt(client, v2, program.to_owned())
            }
            ImportSource::Tapfiliate => {
                let key = c.needs(&c.api_key, "apiKey", "Tapfiliate")?;
                let program = c.needs(&c.account_id, "accountId", "Tapfiliate (its program id)")?;
                let auth = Auth::Header("X-Api-Key", key.to_owned());
                let client = Client::new(&base(tapfiliate::HOST)?, auth, allow_private);
                Reader::Tapfiliate(client, program.to_owned())
            }
            ImportSource::Csv => {
                let text = c.needs(&c.csv, "csv", "CSV files")?;
                Reader::Csv(
                    csv::Tables::parse(text)
                        .map_err(|why| ApiError::bad_input("input.credentials.csv", why))?,
                )
            }
        };
        Ok(Source {
            reader,
            currency,
            zone,
        })
    }

    /// This source, each request of it given up (retries included) after
    /// `budget`.
    pub fn within(self, budget: std::time::Duration) -> Source {
        let reader = match self.reader {
            Reader::Rewardful(c) => Reader::Rewardful(c.within(budget)),
            Reader::FirstPromoter(c) => Reader::FirstPromoter(c.within(budget)),
            Reader::PartnerStack(c) => Reader::PartnerStack(c.within(budget)),
            Reader::Tolt(c, v2, program) => {
                Reader::Tolt(c.within(budget), v2.within(budget), program)
            }
            Reader::Tapfiliate(c, program) => Reader::Tapfiliate(c.within(budget), program),
            Reader::Csv(tables) => Reader::Csv(tables),
        };
        Source {
            reader,
            currency: self.currency,
            zone: self.zone,
        }
    }

    /// The platform's name, as the brand knows it.
    pub fn platform(&self) -> &'static str {
        match self.reader {
            Reader::Rewardful(_) => "Rewardful",
            Reader::FirstPromoter(_) => "FirstPromoter",
            Reader::PartnerStack(_) => "PartnerStack",
            Reader::Tolt(..) => "Tolt",
            Reader::Tapfiliate(..) => "Tapfiliate",
            Reader::Csv(_) => "CSV",
        }
    }

    /// Whether the platform paid the partners itself, as the payer of
    /// record that files their tax forms (PartnerStack pays its partners
    /// and issues their 1099s; the others pay nothing, the brand does).
    pub fn pays_partners(&self) -> bool {
        matches!(self.reader, Reader::PartnerStack(_))
    }

    /// The prefix of the keys its rows are imported under.
    pub fn prefix(&self) -> &'static str {
        match self.reader {
            Reader::Rewardful(_) => "rewardful",
            Reader::FirstPromoter(_) => "firstpromoter",
            Reader::PartnerStack(_) => "partnerstack",
            Reader::Tolt(..) => "tolt",
            Reader::Tapfiliate(..) => "tapfiliate",
            Reader::Csv(_) => "csv",
        }
    }

    /// Requests made to the source so far.
    pub fn requests(&self) -> i64 {
        match &self.reader {
            Reader::Rewardful(client)
            | Reader::FirstPromoter(client)
            | Reader::PartnerStack(client)
            | Reader::Tapfiliate(client, _) => client.requests(),
            Reader::Tolt(client, v2, _) => client.requests() + v2.requests(),
            Reader::Csv(_) => 0,
        }
    }

    /// Reads one page the credentials must open, before an import is
    /// accepted: a refused key is answered at once.
    pub async fn probe(&self) -> Result<(), PageError> {
        let phase = match self.reader {
            Reader::Rewardful(_) | Reader::Tapfiliate(..) => ImportPhase::Groups,
            Reader::Csv(_) => return Ok(()),
            _ => ImportPhase::Customers,
        };
        self.page(phase, None).await.map(|_| ())
    }

    /// The page of `phase` at `cursor` (`None`: the first). The
    /// commissions' last page names one more, [`CLAWBACKS`]: no source's,
    /// empty, whose write books the clawbacks the phase's pages held in a
    /// transaction of its own.
    pub async fn page(&self, phase: ImportPhase, cursor: Option<&str>) -> Result<Page, PageError> {
        let commissions = phase == ImportPhase::Commissions;
        if commissions && cursor == Some(CLAWBACKS) {
            return Ok(Page {
                rows: super::source::Rows::Commissions(Vec::new()),
                problems: Vec::new(),
                next: None,
                total: None,
                fingerprint: None,
            });
        }
        let mut page = self.read(phase, cursor).await?;
        if commissions && page.next.is_none() {
            page.next = Some(CLAWBACKS.to_owned());
            // This reader's own move, never an empty page naming a next
            // one to the paging guard.
            let marker = [serde_json::Value::from(CLAWBACKS)];
            page.fingerprint = page
                .fingerprint
                .or_else(|| super::guard::fingerprint(&marker));
        }
        Ok(page)
    }

    /// The source's own page of `phase` at `cursor`.
    async fn read(&self, phase: ImportPhase, cursor: Option<&str>) -> Result<Page, PageError> {
        let (currency, zone) = (self.currency, self.zone);
        match &self.reader {
            Reader::Rewardful(client) => rewardful::page(client, phase, cursor, zone).await,
            Reader::FirstPromoter(client) => {
                firstpromoter::page(client, phase, cursor, currency, zone).await
            }
            Reader::PartnerStack(client) => {
                partnerstack::page(client, phase, cursor, currency, zone).await
            }
            Reader::Tolt(client, v2, program) => {
                let clients = tolt::Clients { v1: client, v2 };
                tolt::page(clients, program, phase, cursor, currency, zone).await
            }
            Reader::Tapfiliate(client, program) => {
                tapfiliate::page(client, program, phase, cursor, currency, zone).await
            }
            Reader::Csv(tables) => tables.page(phase, cursor, zone),
        }
    }
}

/// The cursor of the page after the commissions' last: the clawbacks the
/// phase's pages held are booked when it is written.
pub const CLAWBACKS: &str = "clawbacks:booked";

/// What a referral with no customer id is told.
const NO_CUSTOMER: &str = "has no Stripe customer: nothing it pays can be tied to its partner";

/// The rows `read` makes of `data`; a row it drops is in `problems`.
fn kept<T>(
    data: &[serde_json::Value],
    problems: &mut Vec<super::source::Problem>,
    read: impl Fn(&serde_json::Value, &mut Vec<super::source::Problem>) -> Result<Option<T>, PageError>,
) -> Result<Vec<T>, PageError> {
    let mut rows = Vec::with_capacity(data.len());
    for v in data {
        rows.extend(read(v, problems)?);
    }
    Ok(rows)
}

/// A row the source's documents do not describe: its entity and id.
fn unexpected(entity: &'static str, v: &serde_json::Value) -> PageError {
    PageError::Unexpected {
        entity,
        id: super::source::json::id(v, "id")
            .or_else(|| super::source::json::id(v, "key"))
            .unwrap_or_else(|| "without an id".into()),
    }
}

/// An amount the source gives in its currency's smallest unit (cents, as
/// Stripe counts them), in revshare's minor units.
fn minor_of(currency: Currency, smallest: i64) -> Option<i64> {
    crate::connectors::units::minor(currency, smallest)
}

/// A negative amount from a source that does not book clawbacks as such:
/// a problem naming the row and the field, never a negative commission.
/// (PartnerStack's negative rewards and FirstPromoter's negative
/// commissions are clawbacks, and come over as clawbacks.)
fn negative(
    entity: &'static str,
    key: &str,
    field: &str,
    currency: Currency,
    minor: i64,
) -> super::source::Problem {
    super::source::Problem::new(
        entity,
        key,
        format!(
            "its {field} is negative ({} {}): a negative commission is not imported \
             (a clawback owed is recorded in revshare)",
            currency.from_minor(minor),
            currency.code()
        ),
    )
}

/// The first of an amount and a sale's amount that is negative, as a
/// problem of the row.
fn any_negative(
    entity: &'static str,
    key: &str,
    currency: Currency,
    amounts: &[(&str, Option<i64>)],
) -> Option<super::source::Problem> {
    amounts.iter().find_map(|(field, minor)| {
        minor
            .filter(|m| *m < 0)
            .map(|m| negative(entity, key, field, currency, m))
    })
}

/// A currency code as the source writes it (`usd`, `USD`).
fn currency_of(code: &str) -> Option<Currency> {
    Currency::parse(&code.trim().to_uppercase()).ok()
}

/// A country as a source writes it: an ISO 3166-1 alpha-2 code (any
/// case). A name (`Canada`) is not guessed at: none.
fn country_of(text: &str) -> Option<String> {
    let code = text.trim().to_uppercase();
    crate::engine::countries::is_country(&code).then_some(code)
}

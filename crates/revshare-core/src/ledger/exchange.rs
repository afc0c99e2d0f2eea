//! Importing a reference-rate file (SPEC §22), and accruing what waited
//! for it: in one transaction, the file's rates are stored and every
//! event held for want of a rate that now has one is accrued, oldest
//! first, exactly once (a second import of the same file finds nothing
//! held). A file with a malformed cell imports nothing.

use crate::db::Db;
use crate::engine::fx;
use crate::error::{ApiError, ApiResult};
use crate::fx::Imported;
use crate::input;
use crate::jobs::{Job, Step, Worker};

/// Longest name of a rate file's source (`ECB`, a URL).
pub const MAX_SOURCE_CHARS: usize = 200;

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub imported: Imported,
    /// Held events accrued because their rate arrived.
    pub accrued: usize,
}

/// Parses `csv` (the ECB's layout) and imports it under `source`; the
/// error names the row and column of the first cell that is not right.
pub async fn import(db: &Db, tenant_id: &str, source: &str, csv: &str) -> ApiResult<Outcome> {
    let source = input::required_text("input.source", source, MAX_SOURCE_CHARS)?;
    let days = fx::parse_file(csv).map_err(|e| ApiError::bad_input("input.csv", e.to_string()))?;
    if days.is_empty() {
        return Err(ApiError::bad_input(
            "input.csv",
            "row 2, column 1: the file has a header and no day",
        ));
    }
    let (source, days) = (&source, &days);
    db.transaction(|txn| {
        Box::pin(async move {
            let now = crate::db::now();
            let imported = crate::fx::store(&*txn, tenant_id, source, days, now).await?;
            let accrued = super::accrual::accrue_rated(&txn, tenant_id).await?;
            for (held, recorded) in &accrued {
                if let Some(event) = &recorded.event {
                    let note = "refunded while it waited for its exchange rate";
                    super::refunds::refund_what_was_held(
                        &txn, tenant_id, "rates", held, event, note,
                    )
                    .await?;
                }
            }
            Ok(Outcome {
                imported,
                accrued: accrued.len(),
            })
        })
    })
    .await
}

/// How often the daily fetch runs.
pub const FETCH_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
/// The largest file fetched (the whole history is under 2 MB).
const MAX_FETCHED_BYTES: usize = 16 * 1024 * 1024;

/// The job: fetches the file once a day, from start-up, and imports it
/// into every tenant ([`fetch`]); a failed day is logged and tried again
/// the next.
pub fn worker() -> Worker {
    Worker::every(Job::Rates, FETCH_EVERY)
}

/// One fetch, as the job's step.
pub async fn step(db: &Db, url: &str) -> ApiResult<Step> {
    let tenants = fetch(db, url).await?;
    tracing::info!(tenants, "exchange rates fetched and imported");
    Ok(Step::Idle)
}

/// Fetches the reference-rate file at `url` and imports it into every
/// tenant, each in its own transaction, with the URL as the source.
/// Answers how many tenants it imported into.
pub async fn fetch(db: &Db, url: &str) -> ApiResult<usize> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| ApiError::internal("rates client", e))?;
    let response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| ApiError::internal("fetching rates", e))?;
    let body = response
        .bytes()
        .await
        .map_err(|e| ApiError::internal("reading rates", e))?;
    if body.len() > MAX_FETCHED_BYTES {
        return Err(ApiError::internal(
            "fetching rates",
            "the file is too large",
        ));
    }
    let csv = String::from_utf8(body.to_vec()).map_err(|e| ApiError::internal("rates text", e))?;
    let tenants = crate::tenants::ids(db.conn()).await?;
    for tenant in &tenants {
        import(db, tenant, url, &csv).await?;
    }
    Ok(tenants.len())
}

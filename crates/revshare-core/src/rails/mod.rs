//! Paying partners by API (SPEC §26, §36): PayPal Payouts, Stripe Connect
//! and Wise.
//!
//! - [`config`]: a tenant's rails, their credentials sealed, never answered;
//! - [`queue`]: `sendPayouts` — a run's pending payouts of the rail's
//!   method marked `QUEUED`, in one transaction;
//! - the worker (here): on every replica, payouts due are claimed with a
//!   lease, sent with the provider's idempotency key, and looked at again
//!   with backoff until they end;
//! - [`paypal`] and [`stripe`]: the providers' requests; [`provider`]: one
//!   exchange and what its answer means for the money;
//! - [`record`]: what a provider's word does to a payout, in any order;
//! - [`reversal`]: a Stripe transfer reversed, in part or in full;
//! - [`connect`]: Stripe Express accounts and their onboarding;
//! - [`wise`]: Wise's recipients, batch groups, transfers and webhooks;
//! - [`hooks`]: the providers' webhooks, verified.
//!
//! Exactly once: a payout is `QUEUED` in the transaction that hands it to
//! the rail; each send is counted before it leaves (`rail_sends`), so a
//! payout a send may have reached is never failed for want of an answer;
//! a retry — after a crash, a timeout, a `429`, a `5xx` — sends the same
//! key, and the provider answers its first result; two replicas never
//! send one payout at once (the lease), and a payout ends once
//! ([`record`]).

pub mod config;
pub mod connect;
pub mod hooks;
pub mod paypal;
pub mod provider;
pub mod queue;
pub mod record;
pub mod reversal;
pub mod stripe;
pub mod wise;

use crate::db::Db;
use crate::error::ApiResult;
use crate::jobs::{Job, Lease, Step, Stop, Wake, Worker};
use crate::payouts::seal::DataKey;
use chrono::{DateTime, Utc};
use entity::enums::{PayoutRail, PayoutStatus, RailStatus};
use entity::payout;
use record::Said;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;

/// How this replica reaches providers.
#[derive(Clone)]
pub struct Settings {
    /// What credentials are sealed with; none: rails are refused.
    pub data_key: Option<DataKey>,
    /// Whether a provider may be at a private address (tests' servers).
    pub allow_private: bool,
    /// The first wait before a sent payout is looked at again, and of the
    /// backoff after a send that was not answered; it grows by as much
    /// each time, up to an hour (`REVSHARE_PAYOUT_POLL_SECONDS`, 60 by
    /// default: 1, 2, 3… minutes).
    pub poll: Duration,
    /// Where partners come back to after Stripe's onboarding.
    pub public_url: Option<Arc<str>>,
    /// Wakes this replica's worker (a run was just queued).
    pub wake: Arc<tokio::sync::Notify>,
    http: reqwest::Client,
}

impl Settings {
    pub fn new(
        data_key: Option<DataKey>,
        allow_private: bool,
        poll: Duration,
        public_url: Option<Arc<str>>,
    ) -> Settings {
        Settings {
            data_key,
            allow_private,
            poll,
            public_url,
            wake: Arc::default(),
            http: crate::webhooks::ssrf::client(provider::TIMEOUT, allow_private),
        }
    }
}

/// The default of `REVSHARE_PAYOUT_POLL_SECONDS`.
pub const DEFAULT_POLL_SECONDS: u64 = 60;
/// The longest wait between two looks.
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// How long a replica holds payouts it sends: longer than a token request
/// and a send together ([`provider::TIMEOUT`] each).
const LEASE: Duration = Duration::from_secs(30);
/// Most groups of due payouts one look takes (a PayPal part, a batch to
/// read, a run's Stripe transfers): the rest are taken by the next look.
const LOOK_GROUPS: u64 = 200;
/// Most Stripe transfers of one run one claim takes (each is sent alone,
/// so any share of a run may go first).
const STRIPE_CLAIM: u64 = 500;

/// The wait after `tries` looks: `poll` longer each time, up to an hour —
/// most payouts end within minutes, an unclaimed one in thirty days.
pub fn backoff(poll: Duration, tries: i32) -> chrono::Duration {
    let wait = poll
        .saturating_mul(tries.clamp(0, 10_000) as u32 + 1)
        .min(LONGEST_WAIT);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
}

/// On every replica: payouts due are sent or looked at, every few
/// seconds and whenever a run is queued here.
pub fn worker(settings: &Settings) -> Worker {
    Worker::every(Job::Payouts, settings.poll).woken_by(Wake::Poke(settings.wake.clone()))
}

/// What a group of due payouts needs.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Debug)]
enum Work {
    /// Queued on PayPal: to send, under the part's `sender_batch_id`.
    SendPaypal(String),
    /// Sent or unclaimed at PayPal: to read back (by batch).
    ReadPaypal(String),
    /// A run's queued Stripe transfers, each sent alone.
    SendStripe(Option<String>),
    /// A run's Wise payouts in one currency: every pending one, held
    /// together while any is due.
    Wise(String, String),
}

/// A group of due payouts one claim takes.
type Group = (String, Work);

/// One look: the groups of payouts due — each taken whole, so a PayPal
/// part is always sent with every payout it holds — then each group's
/// payouts claimed and sent or read.
pub async fn look(db: &Db, settings: &Settings) -> ApiResult<()> {
    look_until(db, settings, &Stop::never()).await.map(|_| ())
}

/// [`look`], as the job's step: no group is taken once the stop has come
/// (the group in hand is finished and let go of).
pub async fn look_until(db: &Db, settings: &Settings, stop: &Stop) -> ApiResult<Step> {
    for (tenant_id, work) in due_groups(db).await? {
        if stop.requested() {
            break;
        }
        let ids = members(db, &tenant_id, &work).await?;
        if ids.is_empty() {
            continue;
        }
        let Some(claim) = Claim::take(db, &ids).await? else {
            continue;
        };
        let done = match &work {
            Work::SendPaypal(batch) => {
                queue::send_paypal(db, settings, &tenant_id, &claim, batch).await
            }
            Work::ReadPaypal(batch) => {
                queue::read_paypal(db, settings, &tenant_id, &claim, batch).await
            }
            Work::SendStripe(_) => queue::send_stripe(db, settings, &tenant_id, &claim).await,
            Work::Wise(run, currency) => {
                wise::send::step(db, settings, &tenant_id, &claim, run, currency).await
            }
        };
        claim.release(db).await?;
        done?;
    }
    Ok(Step::Idle)
}

/// Due payouts: pending, on a rail, not ended there, due, and held by
/// no replica.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(payout::Column::Status.eq(PayoutStatus::Pending))
        .add(payout::Column::RailStatus.is_in([
            RailStatus::Queued,
            RailStatus::Sent,
            RailStatus::Unclaimed,
        ]))
        .add(payout::Column::RailNextAt.lte(now))
        .add(free(now))
}

/// The groups with a payout due, at most [`LOOK_GROUPS`] of them.
async fn due_groups(db: &Db) -> ApiResult<Vec<Group>> {
    type Key = (
        String,
        Option<PayoutRail>,
        Option<RailStatus>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let keys: Vec<Key> = payout::Entity::find()
        .select_only()
        .column(payout::Column::TenantId)
        .column(payout::Column::Rail)
        .column(payout::Column::RailStatus)
        .column(payout::Column::RunId)
        .column(payout::Column::Currency)
        .column(payout::Column::RailSenderBatch)
        .column(payout::Column::RailBatch)
        .distinct()
        .filter(due(crate::db::now()))
        .order_by_asc(payout::Column::TenantId)
        .limit(LOOK_GROUPS)
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut groups = std::collections::BTreeSet::new();
    for (tenant_id, rail, status, run_id, currency, sender_batch, batch) in keys {
        let work = match (rail, status, batch) {
            (None, ..) => continue,
            (Some(PayoutRail::StripeConnect), ..) => Work::SendStripe(run_id),
            (Some(PayoutRail::Wise), ..) => Work::Wise(run_id.unwrap_or_default(), currency),
            (Some(PayoutRail::PaypalPayouts), Some(RailStatus::Queued), _) | (_, _, None) => {
                // Queued before parts had ids of their own: the run's
                // currency is the part.
                let run = run_id.unwrap_or_default();
                Work::SendPaypal(sender_batch.unwrap_or_else(|| paypal::batch_id(&run, &currency)))
            }
            (Some(PayoutRail::PaypalPayouts), _, Some(batch)) => Work::ReadPaypal(batch),
        };
        groups.insert((tenant_id, work));
    }
    Ok(groups.into_iter().collect())
}

/// The due payouts of a group, in id order: a PayPal part whole.
async fn members(db: &Db, tenant_id: &str, work: &Work) -> ApiResult<Vec<String>> {
    let mut find = payout::Entity::find()
        .select_only()
        .column(payout::Column::Id)
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(due(crate::db::now()))
        .order_by_asc(payout::Column::Id);
    find = match work {
        Work::SendPaypal(part) => find
            .filter(payout::Column::Rail.eq(PayoutRail::PaypalPayouts))
            .filter(payout::Column::RailStatus.eq(RailStatus::Queued))
            .filter(
                Condition::any()
                    .add(payout::Column::RailSenderBatch.eq(part.as_str()))
                    .add(legacy_part(part)),
            ),
        Work::ReadPaypal(batch) => find
            .filter(payout::Column::Rail.eq(PayoutRail::PaypalPayouts))
            .filter(payout::Column::RailStatus.ne(RailStatus::Queued))
            .filter(payout::Column::RailBatch.eq(batch.as_str())),
        Work::SendStripe(run_id) => find
            .filter(payout::Column::Rail.eq(PayoutRail::StripeConnect))
            .filter(match run_id {
                Some(run) => payout::Column::RunId.eq(run.as_str()),
                None => payout::Column::RunId.is_null(),
            })
            .limit(STRIPE_CLAIM),
        // Every pending one of the run and currency, due or not: the
        // run's groups are completed and funded by the look holding them.
        Work::Wise(run, currency) => payout::Entity::find()
            .select_only()
            .column(payout::Column::Id)
            .filter(payout::Column::TenantId.eq(tenant_id))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .filter(payout::Column::Rail.eq(PayoutRail::Wise))
            .filter(payout::Column::RunId.eq(run.as_str()))
            .filter(payout::Column::Currency.eq(currency.as_str()))
            .filter(payout::Column::RailStatus.is_in([RailStatus::Queued, RailStatus::Sent]))
            .filter(free(crate::db::now()))
            .order_by_asc(payout::Column::Id),
    };
    Ok(find.into_tuple().all(db.conn()).await?)
}

/// Payouts queued before parts had ids of their own, whose part is their
/// run and currency.
fn legacy_part(part: &str) -> Condition {
    let Some((run, currency)) = part.rsplit_once('-') else {
        return Condition::any();
    };
    Condition::all()
        .add(payout::Column::RailSenderBatch.is_null())
        .add(payout::Column::RunId.eq(run))
        .add(payout::Column::Currency.eq(currency))
}

/// No replica holds it.
fn free(now: DateTime<Utc>) -> Condition {
    crate::jobs::lease::free::<payout::Entity>(now)
}

/// Payouts this replica holds while it sends them.
pub struct Claim {
    lease: Lease<payout::Entity>,
    /// The payouts held, as they were when taken.
    pub payouts: Vec<payout::Model>,
}

impl Claim {
    /// Takes every one of `ids` nobody holds — all or none, so a PayPal
    /// batch is always sent whole.
    async fn take(db: &Db, ids: &[String]) -> ApiResult<Option<Claim>> {
        let pending = Condition::all().add(payout::Column::Status.eq(PayoutStatus::Pending));
        let length = chrono::Duration::from_std(LEASE).unwrap_or_default();
        let Some(lease) = Lease::take(db.conn(), ids, pending, length).await? else {
            return Ok(None);
        };
        let payouts = payout::Entity::find()
            .filter(lease.held())
            .order_by_asc(payout::Column::Id)
            .all(db.conn())
            .await?;
        Ok(Some(Claim { lease, payouts }))
    }

    /// The most sends any of the payouts held has had (the backoff's
    /// exponent for a send).
    pub fn most_sends(&self) -> i32 {
        self.payouts.iter().map(|p| p.rail_sends).max().unwrap_or(0)
    }

    /// Counts a send of these payouts before it leaves: from now on they
    /// may have been paid.
    pub async fn count_send(&self, db: &Db, ids: &[&str]) -> ApiResult<()> {
        payout::Entity::update_many()
            .col_expr(
                payout::Column::RailSends,
                sea_orm::ExprTrait::add(Expr::col(payout::Column::RailSends), 1),
            )
            .filter(self.lease.held())
            .filter(payout::Column::Id.is_in(ids.iter().copied()))
            .exec(db.conn())
            .await?;
        Ok(())
    }

    /// Notes why these payouts are not answered yet and when they are
    /// tried again: `after` (the provider's `Retry-After`), else the
    /// backoff of their sends or looks.
    pub async fn later(
        &self,
        db: &Db,
        settings: &Settings,
        ids: &[&str],
        words: &str,
        after: Option<Duration>,
        tries: i32,
    ) -> ApiResult<()> {
        let now = crate::db::now();
        let wait = match after {
            Some(after) => chrono::Duration::from_std(after.min(LONGEST_WAIT))
                .unwrap_or(chrono::Duration::hours(1)),
            None => backoff(settings.poll, tries),
        };
        let at = now + wait;
        payout::Entity::update_many()
            .col_expr(
                payout::Column::RailError,
                Expr::value(format!(
                    "{words}; tried again at {}",
                    at.format("%Y-%m-%dT%H:%M:%SZ")
                )),
            )
            .col_expr(payout::Column::RailNextAt, Expr::value(at))
            .col_expr(payout::Column::RailUpdatedAt, Expr::value(now))
            .filter(self.lease.held())
            .filter(payout::Column::Id.is_in(ids.iter().copied()))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .exec(db.conn())
            .await?;
        Ok(())
    }

    /// Counts a look at these payouts and sets the next one.
    pub async fn looked(&self, db: &Db, settings: &Settings, ids: &[&str]) -> ApiResult<()> {
        let now = crate::db::now();
        for payout in self.payouts.iter().filter(|p| ids.contains(&p.id.as_str())) {
            let polls = payout.rail_polls + 1;
            payout::Entity::update_many()
                .col_expr(payout::Column::RailPolls, Expr::value(polls))
                .col_expr(
                    payout::Column::RailNextAt,
                    Expr::value(now + backoff(settings.poll, polls)),
                )
                .filter(payout::Column::Id.eq(payout.id.as_str()))
                .filter(self.lease.held())
                .filter(payout::Column::Status.eq(PayoutStatus::Pending))
                .exec(db.conn())
                .await?;
        }
        Ok(())
    }

    /// Sets columns of these payouts while they are held (and pending).
    pub async fn set(
        &self,
        db: &Db,
        ids: &[&str],
        columns: Vec<(payout::Column, sea_orm::Value)>,
    ) -> ApiResult<()> {
        let mut update = payout::Entity::update_many();
        for (column, value) in columns {
            update = update.col_expr(column, Expr::value(value));
        }
        update
            .col_expr(payout::Column::RailUpdatedAt, Expr::value(crate::db::now()))
            .filter(self.lease.held())
            .filter(payout::Column::Id.is_in(ids.iter().copied()))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .exec(db.conn())
            .await?;
        Ok(())
    }

    async fn release(self, db: &Db) -> ApiResult<()> {
        self.lease.release(db.conn()).await
    }
}

/// Records `said` of each payout, logging (not stopping at) a failure.
pub(crate) async fn record_all(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    said: impl IntoIterator<Item = (String, Said)>,
) -> ApiResult<()> {
    for (payout_id, said) in said {
        record::record(db, settings, tenant_id, &payout_id, &said).await?;
    }
    Ok(())
}

//! What reacts to a sale (SPEC §35), after it commits: the performance
//! bounties its commissions win and the `metricReached` workflows they
//! set off. The sale's transaction decides and posts the commission and
//! nothing else, so a reaction that is slow or fails neither slows nor
//! fails the sale.
//!
//! One task per replica, woken by the log growing, reads each tenant's
//! `COMMISSION_CREATED` events after its cursor (`reaction_cursors`,
//! [`crate::events::cursors`]), finds what the page's commissions may
//! reach, and, in one transaction with the cursor's row held and the
//! partners with something due locked (in id order, as a sale locks them,
//! so a refund's recheck and a reaction are ordered), counts them again,
//! acts, and moves the cursor on. The
//! actions and the cursor commit together: a crash anywhere leaves the
//! page to be read again, and the claims that keep each reaction once per
//! (bounty or workflow, partner) — `ux_bounty_awards`, `ux_workflow_runs`
//! — make a second reading act on no one twice.
//!
//! Each reaction runs in a savepoint of its own: one that fails is rolled
//! back alone, logged, and — a workflow's — recorded as a failed run with
//! why ([`FAILED`]); a failed run or an unpaid bounty is due again on the
//! partner's next commission that counts. The others, and the cursor, go
//! on.
//!
//! Finding what a page may reach counts the partners' progress, which
//! reads their history; the task keeps an upper bound of each partner's
//! progress toward each goal ([`Bounds`], [`Kept`]) and counts only
//! when the bound reaches the goal, so a goal a partner is far from costs
//! a sale no count at all.
//!
//! The statements of its own (the cursor, the page's commissions) start
//! with [`TAG`], to be told from a request's in the database's logs.

use crate::db::Db;
use crate::engagement::bounties::awards::{self, Earned};
use crate::engagement::bounties::goal::{Bounds, Grown};
use crate::engagement::workflows::run;
use crate::error::ApiResult;
use crate::events::cursors::Cursors;
use crate::events::log::Cursor;
use crate::events::notify::Notifier;
use crate::jobs::{Job, Step, Wake, Worker};
use chrono::{DateTime, Utc};
use entity::enums::DomainEventType;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The comment every statement of the task starts with.
pub const TAG: &str = "/* sale reactions */ ";
/// How long a wake-up waits for more events before it reads, as the
/// commission e-mails do: a busy ledger's reactions are found a page at a
/// time, about a second after the sale.
pub const GATHER: Duration = Duration::from_secs(1);
/// The longest the task sleeps when the log is quiet.
const IDLE: Duration = Duration::from_secs(30);
/// Events read per tenant and transaction.
const PAGE: u64 = 500;
/// Commissions read per statement.
const CHUNK: usize = 250;

/// Why a workflow's run took no action: one of its actions failed, and
/// what the others did was undone with it.
pub const FAILED: &str = "an action could not be taken, so none was: the run is tried again \
                          the next time the workflow is due for the partner";

/// The task's place in each tenant's log.
const CURSORS: Cursors = Cursors {
    table: "reaction_cursors",
    tag: TAG,
};

/// This replica's task, as a job.
pub fn worker(notifier: &Notifier) -> Worker {
    Worker::every(Job::Reactions, IDLE)
        .woken_by(Wake::Events(notifier.watch_any()))
        .gathering(GATHER)
}

/// One pass, as the job's step.
pub async fn step(db: &Db, kept: &Kept) -> ApiResult<Step> {
    let mut more = false;
    for (tenant_id, place) in CURSORS.places(db).await? {
        more |= tenant(db, kept, &tenant_id, place).await?;
    }
    Ok(match more {
        true => Step::More,
        false => Step::Idle,
    })
}

/// A commission of the page that counts toward goals, with its partner's
/// group and its sale's amount.
#[derive(FromQueryResult)]
struct Counted {
    partner_id: String,
    group_id: String,
    /// The partner's tags as stored, and when it joined (SPEC §37).
    partner_tags: String,
    joined_at: DateTime<Utc>,
    campaign_id: String,
    currency: String,
    accrued_at: DateTime<Utc>,
    amount_minor: i64,
    sale_minor: i64,
}

/// How long bounds are kept ([`Bounds`]): commissions brought over by an
/// import announce nothing, so a bound may miss them; a goal they make a
/// partner reach is reached on its first commission once the bounds are
/// this old.
const FRESH: Duration = Duration::from_secs(60);

/// The bounds kept between pages, per tenant: good only while this
/// replica has read every page since they were counted, and for
/// `FRESH`.
#[derive(Clone, Default)]
pub struct Kept(Arc<Mutex<HashMap<String, KeptBounds>>>);

struct KeptBounds {
    through: Cursor,
    since: Instant,
    bounds: Bounds,
}

impl Kept {
    /// The tenant's bounds for a page read from `place`, and since when
    /// they are kept; new ones when those kept are not good for it.
    fn take(&self, tenant_id: &str, place: Cursor) -> (Bounds, Instant) {
        let kept = self.0.lock().ok().and_then(|mut all| all.remove(tenant_id));
        match kept {
            Some(kept) if kept.through == place && kept.since.elapsed() < FRESH => {
                (kept.bounds, kept.since)
            }
            _ => (Bounds::kept(), Instant::now()),
        }
    }

    /// Keeps the tenant's bounds, good from `through` on.
    fn keep(&self, tenant_id: &str, through: Cursor, bounds: Bounds, since: Instant) {
        if let Ok(mut all) = self.0.lock() {
            let kept = KeptBounds {
                through,
                since,
                bounds,
            };
            all.insert(tenant_id.to_owned(), kept);
        }
    }
}

/// One tenant's page of new commissions, reacted to; answers whether more
/// wait.
///
/// What the page's commissions may reach is found first, outside the
/// write transaction: counting a partner's progress reads its history,
/// and on SQLite a write transaction holds the one writer every sale
/// waits for. The write transaction then locks only the partners found
/// with something due, counts them again under their locks (a refund may
/// have come between) and acts. A partner found short of a goal needs no
/// second look: a commission committed since is on a later page.
async fn tenant(db: &Db, kept: &Kept, tenant_id: &str, place: Cursor) -> ApiResult<bool> {
    let types = vec![DomainEventType::CommissionCreated];
    let read = CURSORS.read(db, tenant_id, place, types, PAGE).await?;
    let Some(to) = read.to else {
        return Ok(read.more);
    };
    let ids: Vec<&str> = read.events.iter().map(|e| e.subject_id.as_str()).collect();
    let (mut bounds, since) = kept.take(tenant_id, place);
    let rows = match !ids.is_empty() && reacts(db.conn(), tenant_id).await? {
        true => counted(db.conn(), &ids).await?,
        // Nothing reacts: bounds kept over such a page would miss its
        // commissions.
        false => {
            bounds = Bounds::kept();
            Vec::new()
        }
    };
    for row in &rows {
        bounds.grow(&Grown {
            partner_id: &row.partner_id,
            currency: &row.currency,
            accrued_at: row.accrued_at,
            commission_minor: row.amount_minor,
            sale_minor: row.sale_minor,
        });
    }
    let earned: Vec<Earned> = rows
        .iter()
        .filter(|row| row.amount_minor > 0)
        .map(|row| Earned {
            partner_id: &row.partner_id,
            group_id: &row.group_id,
            tags: &row.partner_tags,
            joined_at: row.joined_at,
            campaign_id: &row.campaign_id,
            currency: &row.currency,
            accrued_at: row.accrued_at,
        })
        .collect();
    let due = due_partners(db.conn(), tenant_id, &earned, &mut bounds).await?;
    let txn = db.write().await?;
    if !CURSORS.hold(&*txn, tenant_id, place).await? {
        return Ok(true);
    }
    if !due.is_empty() {
        crate::posting::locks::partners_by_id(&*txn, tenant_id, due.iter().copied()).await?;
        let hot: Vec<Earned> = earned
            .iter()
            .filter(|e| due.contains(e.partner_id))
            .copied()
            .collect();
        react(&txn, tenant_id, &hot).await?;
    }
    CURSORS.advance(&*txn, tenant_id, to).await?;
    txn.commit().await?;
    kept.keep(tenant_id, to, bounds, since);
    Ok(read.more)
}

/// The partners of `earned` with a bounty or a workflow due, as read
/// outside any lock.
async fn due_partners<'a>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    earned: &[Earned<'a>],
    bounds: &mut Bounds,
) -> ApiResult<BTreeSet<&'a str>> {
    if earned.is_empty() {
        return Ok(BTreeSet::new());
    }
    let bounties = awards::due(conn, tenant_id, earned, bounds).await?;
    let workflows = run::reached(conn, tenant_id, earned, bounds).await?;
    let partners: BTreeSet<String> = bounties
        .into_iter()
        .map(|due| due.partner_id)
        .chain(workflows.into_iter().map(|due| due.partner_id))
        .collect();
    Ok(earned
        .iter()
        .map(|e| e.partner_id)
        .filter(|p| partners.contains(*p))
        .collect())
}

/// Whether the tenant has anything that reacts to a sale: a performance
/// bounty, or an enabled `metricReached` workflow.
async fn reacts(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<bool> {
    #[derive(FromQueryResult)]
    struct Any {
        any: i32,
    }
    let any = Any::find_by_statement(CURSORS.statement(
        conn.get_database_backend(),
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM bounties \
           WHERE tenant_id = ? AND kind = 'PERFORMANCE') \
         OR EXISTS (SELECT 1 FROM workflows \
           WHERE tenant_id = ? AND trigger_kind = 'METRIC' AND enabled = ?) \
         THEN 1 ELSE 0 END AS any",
        vec![tenant_id.into(), tenant_id.into(), true.into()],
    ))
    .one(conn)
    .await?;
    Ok(any.is_some_and(|row| row.any == 1))
}

/// The page's commissions that count toward a goal: a sale's or a lead's
/// own commission (one of nothing counts a sale, a customer).
async fn counted(conn: &impl ConnectionTrait, ids: &[&str]) -> ApiResult<Vec<Counted>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        rows.extend(
            Counted::find_by_statement(CURSORS.statement(
                conn.get_database_backend(),
                &format!(
                    "SELECT c.partner_id, p.group_id, p.tags AS partner_tags, p.created_at AS joined_at, \
                     c.campaign_id, c.currency, c.accrued_at, \
                     c.amount_minor, CASE WHEN e.kind = 'SALE' THEN e.amount_minor ELSE 0 END \
                     AS sale_minor \
                     FROM commissions c JOIN partners p ON p.id = c.partner_id \
                     JOIN events e ON e.id = c.event_id \
                     WHERE c.id IN ({marks}) AND c.kind = 'COMMISSION'"
                ),
                chunk.iter().map(|id| Value::from(*id)).collect(),
            ))
            .all(conn)
            .await?,
        );
    }
    Ok(rows)
}

/// The bounties `earned` wins and the workflows it sets off, each in a
/// savepoint of its own (see the module).
async fn react(txn: &crate::db::WriteTxn, tenant_id: &str, earned: &[Earned<'_>]) -> ApiResult<()> {
    let now = crate::db::now();
    // Under the partners' locks, counted every time.
    let exact = &mut Bounds::exact();
    for due in awards::due(&**txn, tenant_id, earned, exact).await? {
        let point = txn.savepoint().await?;
        match super::rewards::pay_bounty(&point, &due, now).await {
            Ok(()) => point.commit().await?,
            Err(err) => {
                point.rollback().await?;
                tracing::error!(
                    error = ?err,
                    bounty = %due.bounty.id,
                    partner = %due.partner_id,
                    "a bounty reached could not be paid: it is due again on the partner's next commission"
                );
            }
        }
    }
    for due in run::reached(&**txn, tenant_id, earned, exact).await? {
        let point = txn.savepoint().await?;
        match super::workflows::take(&point, &due, now).await {
            Ok(()) => point.commit().await?,
            Err(err) => {
                point.rollback().await?;
                tracing::error!(
                    error = ?err,
                    workflow = %due.workflow.id,
                    partner = %due.partner_id,
                    "a workflow's run failed: it is recorded with why"
                );
                if let Some(run_id) = run::claim(&**txn, &due, now).await? {
                    run::fail(&**txn, &run_id, FAILED).await?;
                }
            }
        }
    }
    Ok(())
}

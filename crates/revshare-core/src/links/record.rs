//! Clicks recorded after the answer: a redirect queues what it saw and
//! answers at once; the `clicks` job takes what is queued and writes it as
//! one transaction a batch.
//!
//! For each click of a batch, in order: its address hashed with the
//! tenant's key (the address itself is never stored) and §21's click
//! signals (one statement; the batch's own earlier clicks from the address
//! count toward the click-spam threshold, past which a click is flagged
//! and written nowhere). Then, a statement a chunk: the click rows (§15's,
//! which a customer arriving with its id is attributed by), and the
//! visits — a visitor (a keyed hash of address and user agent) new to the
//! link this hour is counted: the link's and its code's counters and the
//! day's rollups (`link_stats`), summed over the batch.
//!
//! Each click is appended to the process's journal ([`super::journal`])
//! before the redirect answers, then queued. The queue is in memory and
//! bounded ([`QUEUE`]): a click that finds it full is not queued (counted:
//! the `link_clicks_dropped` metric, beside `link_clicks_queued`), never
//! waited for — it stays in the journal, which the job replays once the
//! queue has emptied. A batch the database refuses (it is away) is kept
//! and tried again until it is written, never given up while the process
//! lives. At a clean stop the job writes what is queued — after the
//! requests in flight have been answered — before it ends; what it could
//! not write stays in the journal for the next process.

use super::journal::Journal;
use super::visit::{self, Geo};
use crate::attribution::retention::Month;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::jobs::Stop;
use chrono::{DateTime, Utc};
use entity::{campaign, click, link_stat, link_visit, partner_link, referral_code, tenant};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Clicks the queue holds at most.
pub const QUEUE: usize = 100_000;
/// Clicks written in one transaction at most.
pub const MAX_BATCH: usize = 1_000;
/// How long the stop waits for one more click once the queue is empty.
const LAST_CLICK: std::time::Duration = std::time::Duration::from_millis(200);
/// Visits older than this many hours are forgotten.
const VISIT_HOURS: i64 = 2;

pub use super::visit::Seen;

/// The redirects' end of the queue: cheap to clone.
#[derive(Clone)]
pub struct Clicks {
    sender: mpsc::Sender<Seen>,
    dropped: Arc<AtomicU64>,
    journal: Option<Journal>,
}

/// The job's end.
pub struct Queue(mpsc::Receiver<Seen>);

impl Clicks {
    /// The queue; each click journaled first when `journal` is given.
    pub fn new(journal: Option<Journal>) -> (Clicks, Queue) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let clicks = Clicks {
            sender,
            dropped: Arc::default(),
            journal,
        };
        (clicks, Queue(receiver))
    }

    /// Journals a click, then queues it, never waiting: one that finds the
    /// queue full (or the job gone) is counted, and written from the
    /// journal later.
    pub fn queue(&self, seen: Seen) {
        if let Some(journal) = &self.journal {
            journal.append(&seen);
        }
        if self.sender.try_send(seen).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The journal the clicks are appended to, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    /// Clicks dropped since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Clicks queued and not yet taken.
    pub fn queued(&self) -> usize {
        QUEUE - self.sender.capacity()
    }
}

/// How often the job looks whether its journal holds clicks the queue
/// never took.
const LOOK: std::time::Duration = std::time::Duration::from_millis(500);
/// The longest wait between two tries of a batch the database refused.
const MOST_BETWEEN_TRIES: std::time::Duration = std::time::Duration::from_secs(2);

/// The `clicks` job: writes the journals of processes gone, then what is
/// queued until the stop, then what is left.
pub async fn run(
    db: Db,
    geo: Option<Arc<Geo>>,
    journal: Option<Journal>,
    mut queue: Queue,
    stop: Stop,
) {
    let geo = geo.as_deref();
    if let Some(journal) = &journal {
        for orphan in journal.orphans() {
            let count = orphan.clicks.len();
            if write_all(&db, geo, &orphan.clicks, &stop).await {
                tracing::info!(count, "clicks of a process gone written from its journal");
                orphan.done();
            }
        }
    }
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let taken = tokio::select! {
            biased;
            taken = queue.0.recv_many(&mut batch, MAX_BATCH) => taken,
            _ = stop.wait() => break,
            _ = tokio::time::sleep(LOOK) => {
                // Clicks the full queue could not take: from the journal.
                if let Some(journal) = &journal
                    && journal.behind(queue.0.len())
                {
                    let own = journal.own();
                    if write_all(&db, geo, &own, &stop).await {
                        journal.written(own.len() as u64);
                    }
                }
                continue;
            }
        };
        if taken == 0 {
            return;
        }
        let seen = std::mem::take(&mut batch);
        if write_kept(&db, geo, &seen, &stop, false).await
            && let Some(journal) = &journal
        {
            journal.written(seen.len() as u64);
        }
    }
    // The stop: requests in flight still queue theirs; what is queued is
    // written until the queue stays empty a moment (or is closed).
    while let Ok(taken) =
        tokio::time::timeout(LAST_CLICK, queue.0.recv_many(&mut batch, MAX_BATCH)).await
    {
        if taken == 0 {
            break;
        }
        let seen = std::mem::take(&mut batch);
        if write_kept(&db, geo, &seen, &stop, false).await
            && let Some(journal) = &journal
        {
            journal.written(seen.len() as u64);
        }
    }
    if let Some(journal) = &journal {
        journal.close();
    }
}

/// Writes clicks a batch at a time, each skipping the clicks stored
/// already; `false` if the stop came first.
async fn write_all(db: &Db, geo: Option<&Geo>, clicks: &[Seen], stop: &Stop) -> bool {
    for chunk in clicks.chunks(MAX_BATCH) {
        if !write_kept(db, geo, chunk, stop, true).await {
            return false;
        }
    }
    true
}

/// Writes a batch, trying again until it is written: the database away is
/// waited for, never a reason to drop a click. After the stop a batch is
/// tried a few times more, then left to the journal (`false`). A batch
/// tried again skips the clicks a try that seemed to fail stored.
async fn write_kept(db: &Db, geo: Option<&Geo>, seen: &[Seen], stop: &Stop, again: bool) -> bool {
    let count = seen.len();
    let mut wait = std::time::Duration::from_millis(50);
    let mut after_stop = 0;
    for attempt in 1u64.. {
        match write(db, geo, seen, again || attempt > 1).await {
            Ok(()) => return true,
            Err(err) => {
                // A month's partition dropped since this process saw it
                // (a journal of clicks long past) is looked for again.
                db.partitions_forgotten();
                if stop.requested() {
                    after_stop += 1;
                    if after_stop > 3 {
                        tracing::error!(error = ?err, count, "writing clicks failed at the stop; they stay in the journal");
                        return false;
                    }
                }
                tracing::warn!(error = ?err, count, attempt, "writing clicks failed; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MOST_BETWEEN_TRIES);
            }
        }
    }
    false
}

/// What a batch adds to a link.
#[derive(Default)]
struct Counts {
    recorded: i64,
    counted: i64,
}

/// Writes a batch of clicks in one transaction; with `skip_stored`, the
/// clicks stored already (a journal replayed, a batch tried again) are
/// left out.
pub async fn write(db: &Db, geo: Option<&Geo>, seen: &[Seen], skip_stored: bool) -> ApiResult<()> {
    if seen.is_empty() {
        return Ok(());
    }
    let mut months: Vec<Month> = seen.iter().map(|s| Month::of(s.at)).collect();
    months.sort();
    months.dedup();
    crate::attribution::retention::ensure(db, &months).await?;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let fresh: Vec<Seen>;
            let seen = match skip_stored {
                false => seen,
                true => {
                    let stored = stored(conn, seen).await?;
                    fresh = seen
                        .iter()
                        .filter(|s| !stored.contains(&s.click_id))
                        .cloned()
                        .collect();
                    fresh.as_slice()
                }
            };
            // Ignored clicks (SPEC §37) are only counted, apart.
            let counted: Vec<Seen>;
            let seen = match seen.iter().any(|s| s.ignored.is_some()) {
                false => seen,
                true => {
                    let (ignored, rest): (Vec<Seen>, Vec<Seen>) =
                        seen.iter().cloned().partition(|s| s.ignored.is_some());
                    count_ignored(conn, &ignored).await?;
                    counted = rest;
                    counted.as_slice()
                }
            };
            let zones = zones(conn, seen).await?;
            let campaigns = campaigns(conn, seen).await?;
            let mut counts: HashMap<(&str, &str), Counts> = HashMap::new();
            let mut rollups: BTreeMap<(String, &'static str, chrono::NaiveDate, String), i64> =
                BTreeMap::new();
            let now = crate::db::now();
            // First each click's evidence, in order (a batch's own clicks
            // from an address count toward its threshold)...
            let mut pending: HashMap<(String, &str), i64> = HashMap::new();
            let mut rows = Vec::new();
            let mut raised = Vec::new();
            let mut kept: Vec<(&Seen, (String, String, i64))> = Vec::new();
            for one in seen {
                let link = &*one.link;
                let Some(campaign) = campaigns.get(link.campaign_id.as_str()) else {
                    continue;
                };
                let network = one.address.map(crate::attribution::clicks::network);
                let ip_hash = match network {
                    Some(ip) => Some(
                        crate::attribution::clicks::hashed(conn, &link.tenant_id, &ip.to_string())
                            .await?,
                    ),
                    None => None,
                };
                let earlier = ip_hash.as_ref().map_or(0, |hash| {
                    pending
                        .get(&(hash.clone(), link.partner_id.as_str()))
                        .copied()
                        .unwrap_or(0)
                });
                let verdict = crate::fraud::signals::at_click(
                    conn,
                    &link.tenant_id,
                    &link.partner_id,
                    campaign,
                    ip_hash.as_deref().map(|hash| (hash, earlier)),
                    Some(&one.landing_url),
                    now,
                )
                .await?;
                if verdict.spam {
                    crate::fraud::raise_all(&txn, verdict.raise, now).await?;
                    continue;
                }
                if let Some(hash) = &ip_hash {
                    *pending
                        .entry((hash.clone(), link.partner_id.as_str()))
                        .or_default() += 1;
                }
                raised.extend(crate::fraud::signals::of_click(
                    verdict.raise,
                    &one.click_id,
                ));
                rows.push(click::ActiveModel {
                    id: Set(one.click_id.clone()),
                    tenant_id: Set(link.tenant_id.clone()),
                    referral_code_id: Set(link.referral_code_id.clone()),
                    landing_url: Set(Some(cut(&one.landing_url, 2048))),
                    user_agent: Set(one
                        .user_agent
                        .as_deref()
                        .map(|ua| cut(ua, crate::attribution::clicks::MAX_USER_AGENT_BYTES))),
                    ip_hash: Set(ip_hash),
                    created_at: Set(one.at),
                });
                let visitor = format!(
                    "{}\n{}",
                    network.map(|ip| ip.to_string()).unwrap_or_default(),
                    one.user_agent.as_deref().unwrap_or("")
                );
                let visitor =
                    crate::attribution::clicks::hashed(conn, &link.tenant_id, &visitor).await?;
                let hour = one.at.timestamp().div_euclid(3600);
                kept.push((one, (link.link_id.clone(), visitor, hour)));
            }
            // ...then the clicks, their flags and their visits, each in
            // one statement a chunk.
            for chunk in rows.chunks(WRITE_CHUNK) {
                click::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(conn)
                    .await?;
            }
            crate::fraud::raise_all(&txn, raised, now).await?;
            let mut new_visits = new_visits(conn, kept.iter().map(|(_, visit)| visit)).await?;
            for (one, visit) in &kept {
                let link = &*one.link;
                let entry = counts
                    .entry((link.link_id.as_str(), link.referral_code_id.as_str()))
                    .or_default();
                entry.recorded += 1;
                // The visitor's first click of the hour is counted.
                if !new_visits.remove(visit) {
                    continue;
                }
                entry.counted += 1;
                let agent = visit::agent(one.user_agent.as_deref());
                let zone = zones
                    .get(link.tenant_id.as_str())
                    .copied()
                    .unwrap_or(chrono_tz::UTC);
                let day = one.at.with_timezone(&zone).date_naive();
                let country = visit::country(geo, one.address);
                let referrer = visit::referrer(one.referer.as_deref());
                let qr = if one.qr { "qr" } else { "link" };
                for (dimension, value) in [
                    ("COUNTRY", country),
                    ("DEVICE", agent.device.to_owned()),
                    ("BROWSER", agent.browser.clone()),
                    ("OS", agent.os.clone()),
                    ("REFERRER", referrer),
                    ("QR", qr.to_owned()),
                ] {
                    *rollups
                        .entry((link.link_id.clone(), dimension, day, value))
                        .or_default() += 1;
                }
            }
            add_counts(conn, &counts).await?;
            add_rollups(conn, seen, rollups).await?;
            forget_old_visits(conn, now).await?;
            Ok(())
        })
    })
    .await
}

/// Counts ignored clicks (SPEC §37) in a caller's transaction: a visitor
/// new to the link this hour adds one to the link's and its code's
/// `ignored_clicks` and to the day's `IGNORED` rollup under its reason.
/// Nothing else is written: no click, no fraud signal.
pub async fn count_ignored<C>(conn: &crate::db::Timed<C>, seen: &[Seen]) -> ApiResult<()>
where
    C: ConnectionTrait + Send + Sync,
{
    if seen.is_empty() {
        return Ok(());
    }
    let zones = zones(conn, seen).await?;
    let mut visits = Vec::with_capacity(seen.len());
    for one in seen {
        let link = &*one.link;
        let network = one.address.map(crate::attribution::clicks::network);
        // Apart from the counted visits: an ignored visit never hides a
        // counted one of the same hour, nor the other way round.
        let visitor = format!(
            "{}\n{}\nignored",
            network.map(|ip| ip.to_string()).unwrap_or_default(),
            one.user_agent.as_deref().unwrap_or("")
        );
        let visitor = crate::attribution::clicks::hashed(conn, &link.tenant_id, &visitor).await?;
        visits.push((
            link.link_id.clone(),
            visitor,
            one.at.timestamp().div_euclid(3600),
        ));
    }
    let mut new_visits = new_visits(conn, visits.iter()).await?;
    let mut counts: HashMap<(&str, &str), i64> = HashMap::new();
    let mut rollups = BTreeMap::new();
    for (one, visit) in seen.iter().zip(&visits) {
        let (link, Some(reason)) = (&*one.link, one.ignored) else {
            continue;
        };
        if !new_visits.remove(visit) {
            continue;
        }
        *counts
            .entry((link.link_id.as_str(), link.referral_code_id.as_str()))
            .or_default() += 1;
        let zone = zones
            .get(link.tenant_id.as_str())
            .copied()
            .unwrap_or(chrono_tz::UTC);
        let day = one.at.with_timezone(&zone).date_naive();
        *rollups
            .entry((
                link.link_id.clone(),
                "IGNORED",
                day,
                reason.name().to_owned(),
            ))
            .or_default() += 1;
    }
    for ((link_id, code_id), count) in counts {
        referral_code::Entity::update_many()
            .col_expr(
                referral_code::Column::IgnoredClicks,
                Expr::col(referral_code::Column::IgnoredClicks).add(count),
            )
            .filter(referral_code::Column::Id.eq(code_id))
            .exec(conn)
            .await?;
        partner_link::Entity::update_many()
            .col_expr(
                partner_link::Column::IgnoredClicks,
                Expr::col(partner_link::Column::IgnoredClicks).add(count),
            )
            .filter(partner_link::Column::Id.eq(link_id))
            .exec(conn)
            .await?;
    }
    add_rollups(conn, seen, rollups).await
}

/// The ids of `seen` stored already.
async fn stored(
    conn: &impl ConnectionTrait,
    seen: &[Seen],
) -> ApiResult<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in seen.chunks(WRITE_CHUNK) {
        // Their times too: PostgreSQL then looks in their months alone.
        let times = chunk.iter().map(|s| s.at);
        let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
            continue;
        };
        let slack = chrono::Duration::seconds(1);
        let ids: Vec<String> = click::Entity::find()
            .select_only()
            .column(click::Column::Id)
            .filter(click::Column::CreatedAt.between(first - slack, last + slack))
            .filter(click::Column::Id.is_in(chunk.iter().map(|s| s.click_id.as_str())))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids);
    }
    Ok(found)
}

/// Rows a statement inserts at most.
const WRITE_CHUNK: usize = 500;

/// Inserts the visits (link, visitor, hour) not seen before and answers
/// those it inserted: one statement a chunk, `RETURNING` what was new.
async fn new_visits<'a>(
    conn: &impl ConnectionTrait,
    visits: impl Iterator<Item = &'a (String, String, i64)>,
) -> ApiResult<std::collections::HashSet<(String, String, i64)>> {
    let mut distinct: Vec<&(String, String, i64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for visit in visits {
        if seen.insert(visit) {
            distinct.push(visit);
        }
    }
    let mut new = std::collections::HashSet::new();
    for chunk in distinct.chunks(WRITE_CHUNK) {
        let mut insert = sea_orm::sea_query::Query::insert();
        insert
            .into_table(link_visit::Entity)
            .columns([
                link_visit::Column::LinkId,
                link_visit::Column::Visitor,
                link_visit::Column::Hour,
            ])
            .on_conflict(
                OnConflict::columns([
                    link_visit::Column::LinkId,
                    link_visit::Column::Visitor,
                    link_visit::Column::Hour,
                ])
                .do_nothing()
                .to_owned(),
            )
            .returning(sea_orm::sea_query::Query::returning().columns([
                link_visit::Column::LinkId,
                link_visit::Column::Visitor,
                link_visit::Column::Hour,
            ]));
        for (link, visitor, hour) in chunk {
            insert.values_panic([
                link.as_str().into(),
                visitor.as_str().into(),
                (*hour).into(),
            ]);
        }
        let statement = conn.get_database_backend().build(&insert);
        for row in conn.query_all_raw(statement).await? {
            new.insert((
                row.try_get::<String>("", "link_id")?,
                row.try_get::<String>("", "visitor")?,
                row.try_get::<i64>("", "hour")?,
            ));
        }
    }
    Ok(new)
}

/// Each tenant's time zone.
async fn zones<'a>(
    conn: &impl ConnectionTrait,
    seen: &'a [Seen],
) -> ApiResult<HashMap<&'a str, chrono_tz::Tz>> {
    let mut ids: Vec<&str> = seen.iter().map(|s| s.link.tenant_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = tenant::Entity::find()
        .filter(tenant::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let zone = rows
                .iter()
                .find(|t| t.id == id)
                .and_then(|t| t.time_zone.parse().ok())
                .unwrap_or(chrono_tz::UTC);
            (id, zone)
        })
        .collect())
}

async fn campaigns(
    conn: &impl ConnectionTrait,
    seen: &[Seen],
) -> ApiResult<HashMap<String, campaign::Model>> {
    let mut ids: Vec<&str> = seen.iter().map(|s| s.link.campaign_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect())
}

async fn add_counts(
    conn: &impl ConnectionTrait,
    counts: &HashMap<(&str, &str), Counts>,
) -> ApiResult<()> {
    for ((link_id, code_id), counts) in counts {
        referral_code::Entity::update_many()
            .col_expr(
                referral_code::Column::Clicks,
                Expr::col(referral_code::Column::Clicks).add(counts.recorded),
            )
            .filter(referral_code::Column::Id.eq(*code_id))
            .exec(conn)
            .await?;
        if counts.counted > 0 {
            partner_link::Entity::update_many()
                .col_expr(
                    partner_link::Column::Clicks,
                    Expr::col(partner_link::Column::Clicks).add(counts.counted),
                )
                .filter(partner_link::Column::Id.eq(*link_id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

async fn add_rollups(
    conn: &impl ConnectionTrait,
    seen: &[Seen],
    rollups: BTreeMap<(String, &'static str, chrono::NaiveDate, String), i64>,
) -> ApiResult<()> {
    if rollups.is_empty() {
        return Ok(());
    }
    let owners: HashMap<&str, (&str, &str)> = seen
        .iter()
        .map(|s| {
            let link = &*s.link;
            (
                link.link_id.as_str(),
                (link.tenant_id.as_str(), link.partner_id.as_str()),
            )
        })
        .collect();
    let mut rows = Vec::with_capacity(rollups.len());
    for ((link_id, dimension, day, value), clicks) in rollups {
        let (tenant_id, partner_id) = owners
            .get(link_id.as_str())
            .copied()
            .ok_or_else(|| ApiError::internal("link rollup", "a link of no click"))?;
        rows.push(link_stat::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            partner_id: Set(partner_id.to_owned()),
            link_id: Set(link_id),
            dimension: Set(dimension.to_owned()),
            day: Set(day),
            value: Set(value),
            clicks: Set(clicks),
        });
    }
    let excluded = Alias::new("excluded");
    for chunk in rows.chunks(200) {
        link_stat::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    link_stat::Column::LinkId,
                    link_stat::Column::Dimension,
                    link_stat::Column::Day,
                    link_stat::Column::Value,
                ])
                .value(
                    link_stat::Column::Clicks,
                    Expr::col((link_stat::Entity, link_stat::Column::Clicks))
                        .add(Expr::col((excluded.clone(), link_stat::Column::Clicks))),
                )
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Forgets visits past [`VISIT_HOURS`] (a cheap range delete on the
/// hour's index; nothing most batches).
async fn forget_old_visits(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<()> {
    let hour = now.timestamp().div_euclid(3600);
    link_visit::Entity::delete_many()
        .filter(link_visit::Column::Hour.lt(hour - VISIT_HOURS))
        .exec(conn)
        .await?;
    Ok(())
}

fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

//! Importing a running program from another platform (SPEC §25):
//! Rewardful, FirstPromoter, PartnerStack, Tolt, Tapfiliate — each read through its
//! own documented REST API ([`sources`]) — or CSV files.
//!
//! An import reads its source phase by phase (campaigns, partners,
//! customers, commissions) and page by page, and writes each page in one
//! transaction with the cursor of the next ([`write`]): a run killed
//! midway is taken up by any replica once its lease runs out and resumes
//! after the last page written; every row is keyed by its id at the
//! source, so a second import adds nothing. A dry run reads and counts
//! everything and writes nothing of the program. One import runs at a
//! time per tenant (a partial unique index); its credentials are sealed
//! with the data key while it runs and dropped when it ends, and never
//! answered. Why: docs/importing.md.

mod ahead;
mod cancel;
pub mod client;
mod commissions;
pub mod guard;
mod memberships;
mod program;
mod read;
pub mod source;
pub mod sources;
mod target;
pub mod write;

use crate::activity;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::jobs::{Job, Lease, Runner, Step, Stop, Wake, Worker};
use crate::payouts::seal::DataKey;
pub use cancel::cancel;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{ImportPhase, ImportSource, ImportStatus};
use entity::{import, import_problem};
use guard::{Hold, Paging};
pub use read::{find, page, problems};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QuerySelect,
};
use source::{Page, PageError};
use sources::{Credentials, Source};

/// How long a replica holds a running import without renewing (renewed
/// while it reads, [`guard::Hold`]).
pub const LEASE: Duration = Duration::seconds(120);
/// How long `startImport` tries the source's first page, its retries
/// included: an answer within a request's deadline.
const PROBE_WITHIN: std::time::Duration = std::time::Duration::from_secs(6);
/// How often each replica looks for a running import nobody holds.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The phases, in order.
const PHASES: [ImportPhase; 4] = [
    ImportPhase::Groups,
    ImportPhase::Partners,
    ImportPhase::Customers,
    ImportPhase::Commissions,
];

/// What `startImport` asks for.
pub struct NewImport {
    pub source: ImportSource,
    pub credentials: Credentials,
    pub campaign_id: Option<String>,
    pub group_id: Option<String>,
    pub dry_run: bool,
}

/// How imports reach their sources: the data key their credentials are
/// sealed with, and whether a private address (a test's server) may be read.
#[derive(Clone)]
pub struct Settings {
    pub data_key: Option<DataKey>,
    pub allow_private: bool,
    /// How long a replica's hold on a running import lasts unrenewed
    /// ([`LEASE`]; shorter in tests).
    pub lease: Duration,
    /// Wakes this replica's imports job: one was started here.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

/// Starts an import: checks the input, reads the source's first page
/// (so refused credentials are answered at once), then runs in the
/// background.
pub async fn start(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    actor: &str,
    new: NewImport,
) -> ApiResult<import::Model> {
    let key = settings.data_key.as_ref().ok_or_else(|| {
        ApiError::bad_input(
            "input.credentials",
            "imports need REVSHARE_DATA_KEY, which keeps credentials sealed while they run",
        )
    })?;
    let conn = db.conn();
    let campaign = match &new.campaign_id {
        Some(id) => crate::campaigns::find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?,
        None => crate::campaigns::default_campaign(conn, tenant_id).await?,
    };
    if let Some(id) = &new.group_id {
        crate::directory::groups::find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.groupId", "no such partner group"))?;
    }
    // The brand waits for this answer: the first page is tried within
    // [`PROBE_WITHIN`], well inside a request's deadline.
    let source = Source::open(
        new.source,
        &new.credentials,
        settings.allow_private,
        currency_of(&campaign)?,
        crate::payouts::tenant_zone(conn, tenant_id).await?,
    )?
    .within(PROBE_WITHIN);
    match source.probe().await {
        Ok(_) => {}
        Err(PageError::Refused) => {
            return Err(ApiError::bad_input(
                "input.credentials",
                format!("{} refused the API key", source.platform()),
            ));
        }
        Err(err @ PageError::Unreachable { .. }) if new.credentials.base_url.is_some() => {
            return Err(ApiError::bad_input(
                "input.credentials.baseUrl",
                failure(source.platform(), &err),
            ));
        }
        Err(err) => {
            return Err(ApiError::bad_input(
                "input.credentials",
                failure(source.platform(), &err),
            ));
        }
    }
    let id = crate::input::new_id();
    let sealed = key.seal(&binding(tenant_id, &id), &new.credentials.stored()?);
    let row = import::ActiveModel {
        id: Set(id.clone()),
        tenant_id: Set(tenant_id.to_owned()),
        source: Set(new.source),
        status: Set(ImportStatus::Running),
        dry_run: Set(new.dry_run),
        campaign_id: Set(campaign.id),
        group_id: Set(new.group_id),
        credentials: Set(Some(sealed)),
        phase: Set(ImportPhase::Groups),
        cursor: Set(None),
        phase_done: Set(0),
        phase_total: Set(None),
        partners: Set(0),
        codes: Set(0),
        customers: Set(0),
        commissions: Set(0),
        skipped: Set(0),
        unchanged: Set(0),
        problems: Set(0),
        requests: Set(source.requests()),
        started_by: Set(actor.to_owned()),
        started_at: Set(crate::db::now()),
        finished_at: Set(None),
        lease_until: Set(None),
        error: Set(None),
    };
    // Written with its activity entry: the import, each of its fields
    // (its sealed credentials never).
    let row = db
        .transaction(|txn| {
            let row = row.clone();
            Box::pin(async move {
                let row = import::Entity::insert(row)
                    .exec_with_returning(&*txn)
                    .await
                    .map_err(|e| match violates(&e, keys::IMPORT_RUNNING) {
                        true => ApiError::Conflict(
                            "an import is running for this program already".into(),
                        ),
                        false => e.into(),
                    })?;
                crate::activity::created("Import", &row.id, &row);
                Ok(row)
            })
        })
        .await?;
    // This replica's imports job takes it up now (or another's, where
    // imports are off here).
    settings.wake.notify_one();
    Ok(row)
}

/// The currency of the import's campaign: what a source that names none
/// counts in.
fn currency_of(campaign: &entity::campaign::Model) -> ApiResult<crate::engine::Currency> {
    crate::engine::Currency::parse(&campaign.currency)
        .map_err(|e| ApiError::internal("campaign currency", e))
}

/// What a sealed value is bound to: its tenant and import.
fn binding(tenant_id: &str, id: &str) -> String {
    format!("import:{tenant_id}:{id}")
}

/// A page error in words for the brand, naming the source's row.
fn failure(platform: &str, err: &PageError) -> String {
    match err {
        PageError::Refused => format!("{platform} refused the API key"),
        PageError::Unexpected { entity, id } => {
            format!("{platform} answered a {entity} ({id}) its documents do not describe")
        }
        PageError::Paging(said) => said.clone(),
        PageError::Unreachable { base, why } => {
            format!("could not reach {platform} at {base}: {why}")
        }
        PageError::Failed(said) => format!("{platform}: {said}"),
    }
}

/// How far an import is, 0 to 1: a quarter per phase, the phase's share
/// by its rows read of the source's total when the source says.
pub fn progress(row: &import::Model) -> f64 {
    if row.status != ImportStatus::Running {
        return 1.0;
    }
    let phase = PHASES.iter().position(|p| *p == row.phase).unwrap_or(0) as f64;
    let within = match row.phase_total {
        Some(total) if total > 0 => (row.phase_done as f64 / total as f64).min(1.0),
        _ => 0.0,
    };
    ((phase + within) / PHASES.len() as f64).min(0.99)
}

/// On every replica: running imports nobody holds are taken up, every
/// [`LOOK_EVERY`] and at once when one is started here.
pub fn worker(settings: &Settings) -> Worker {
    Worker::every(Job::Imports, LOOK_EVERY).woken_by(Wake::Poke(settings.wake.clone()))
}

/// Takes up the running imports whose replica stopped.
/// Each runs as a job of its own on `runner`, reading and writing page
/// after page until it ends, is taken over, or the replica stops.
pub async fn take_up(db: &Db, settings: &Settings, runner: &Runner) -> ApiResult<Step> {
    let now = crate::db::now();
    let orphans: Vec<String> = import::Entity::find()
        .select_only()
        .column(import::Column::Id)
        .filter(import::Column::Status.eq(ImportStatus::Running))
        .filter(crate::jobs::lease::free::<import::Entity>(now))
        .into_tuple()
        .all(db.conn())
        .await?;
    for id in orphans {
        let (db, settings) = (db.clone(), settings.clone());
        runner.start(move |stop| async move {
            let run = run(&db, &settings, &id, stop);
            crate::jobs::run_row("import", &id, run, || fail_on_defect(&db, &id)).await
        });
    }
    Ok(Step::Idle)
}

/// Fails a running import whose run met a defect, taking it from whoever
/// holds it: taken up again, it would meet the same defect for ever.
async fn fail_on_defect(db: &Db, id: &str) -> ApiResult<()> {
    crate::jobs::lease::revoking(import::Entity::update_many())
        .col_expr(
            import::Column::Status,
            Expr::value(ImportStatus::Failed.as_str()),
        )
        .col_expr(import::Column::FinishedAt, Expr::value(crate::db::now()))
        .col_expr(
            import::Column::Credentials,
            Expr::value(Option::<String>::None),
        )
        .col_expr(import::Column::Cursor, Expr::value(Option::<String>::None))
        .col_expr(
            import::Column::Error,
            Expr::value("the import stopped on a defect in revshare: ask the operator to read the server's log"),
        )
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::Status.eq(ImportStatus::Running))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Where a run stands between pages, as the row keeps it.
struct Place {
    phase: usize,
    cursor: Option<String>,
    done: i64,
    total: Option<i64>,
}

/// Reads and writes page after page while this replica holds the lease;
/// ends the import `DONE`, or `FAILED` naming what failed.
async fn run(db: &Db, settings: &Settings, id: &str, stop: Stop) -> ApiResult<()> {
    let conn = db.conn();
    let running = Condition::all().add(import::Column::Status.eq(ImportStatus::Running));
    let Some(lease) = Lease::take_one(conn, id, running, settings.lease).await? else {
        return Ok(());
    };
    let row = import::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("claimed import", id))?;
    let opened = settings
        .data_key
        .as_ref()
        .and_then(|key| row.credentials.as_ref().map(|c| (key, c)))
        .map(|(key, sealed)| key.open(&binding(&row.tenant_id, &row.id), sealed));
    let credentials = match opened {
        Some(Ok(text)) => Credentials::read(&text)?,
        _ => {
            return finish(
                db,
                &lease,
                Some("its credentials cannot be opened with this server's data key".into()),
            )
            .await;
        }
    };
    let campaign = crate::campaigns::find(conn, &row.tenant_id, &row.campaign_id)
        .await?
        .ok_or_else(|| ApiError::internal("import campaign", &row.campaign_id))?;
    let source = Source::open(
        row.source,
        &credentials,
        settings.allow_private,
        currency_of(&campaign)?,
        crate::payouts::tenant_zone(conn, &row.tenant_id).await?,
    )?;
    let mut target = write::Target {
        tenant_id: row.tenant_id.clone(),
        prefix: source.prefix(),
        platform: source.platform(),
        source_pays: source.pays_partners(),
        campaign,
        group_id: row.group_id.clone(),
        dry: row.dry_run,
        actor: row.started_by.clone(),
        groups: Default::default(),
        sites: Default::default(),
        campaigns: Default::default(),
        several_groups: false,
        minimums: Default::default(),
        partners: Default::default(),
        referrals: Default::default(),
        emails: Default::default(),
        partner_emails: Default::default(),
        default_group: None,
        learnt: Vec::new(),
    };
    let mut place = Place {
        phase: PHASES.iter().position(|p| *p == row.phase).unwrap_or(0),
        cursor: row.cursor.clone(),
        done: row.phase_done,
        total: row.phase_total,
    };
    // The lease is renewed while anything is read.
    let mut hold = Hold { db, lease, stop };
    // What memory held before a resumption: the source's campaigns, and
    // which customer each referral is (read again, nothing written).
    if place.phase > 0 || place.cursor.is_some() {
        match hold
            .reading(recall(db, &source, &mut target, place.phase))
            .await?
        {
            Some(Ok(())) => {}
            Some(Err(err)) => {
                let said = failure(source.platform(), &err);
                return finish(db, &hold.lease, Some(said)).await;
            }
            // Cancelled, taken over, or stopping: nothing more here.
            None => return hold.stopping().await.map(|_| ()),
        }
    }
    let mut requests_before = source.requests();
    let mut problems = row.problems;
    let mut paging = Paging::new(source.platform(), what(PHASES[place.phase]));
    // Counted a phase at a time: a phase grows its own tables from
    // nothing (a million commissions after 300,000 partners and customers
    // would otherwise wait for 600,000 rows before their first analysis).
    let mut growth = (place.phase, crate::db::statistics::Growth::new(GROWN));
    let mut ahead = None;
    loop {
        if hold.stop.requested() {
            return hold.stopping().await.map(|_| ());
        }
        let phase = PHASES[place.phase];
        let read = ahead
            .take()
            .unwrap_or_else(|| ahead::read_ahead(&source, phase, place.cursor.clone()));
        let page = match hold.reading(read).await? {
            Some(Ok(page)) => page,
            Some(Err(err)) => {
                let said = failure(source.platform(), &err);
                return finish(db, &hold.lease, Some(said)).await;
            }
            None => return hold.stopping().await.map(|_| ()),
        };
        if let Err(said) = paging.take(place.cursor.as_deref(), &page) {
            return finish(db, &hold.lease, Some(said)).await;
        }
        let requests = source.requests() - requests_before;
        requests_before = source.requests();
        let read = page.rows.count() as u64;
        // The next page is read while this one is written.
        let next = match &page.next {
            Some(cursor) => Some((phase, Some(cursor.clone()))),
            None => PHASES.get(place.phase + 1).map(|next| (*next, None)),
        };
        let next = next.map(|(phase, cursor)| ahead::read_ahead(&source, phase, cursor));
        let write = write_page(
            db,
            &row,
            &mut target,
            &mut place,
            &hold.lease,
            page,
            requests,
            &mut problems,
        );
        let (written, next) = ahead::write_beside(write, next).await;
        ahead = next;
        match written {
            Ok(Some(renewed)) => {
                hold.lease.renewed(renewed);
                if !target.dry {
                    let at = PHASES.iter().position(|p| *p == phase).unwrap_or(0);
                    if growth.0 != at {
                        growth = (at, crate::db::statistics::Growth::new(GROWN));
                    }
                    growth.1.wrote(db, read).await;
                }
            }
            // Cancelled, or taken over: nothing more.
            Ok(None) => return Ok(()),
            Err(err) => {
                tracing::warn!(error = ?err, import = %id, "an import's page failed");
                return finish(db, &hold.lease, Some(write::said(&err))).await;
            }
        }
        if place.phase == PHASES.len() {
            return finish(db, &hold.lease, None).await;
        }
        if PHASES[place.phase] != phase {
            paging = Paging::new(source.platform(), what(PHASES[place.phase]));
        }
    }
}

/// The tables an import grows, analysed as they do
/// ([`crate::db::statistics`]).
const GROWN: &[&str] = &[
    "partners",
    "referral_codes",
    "attributions",
    "customers",
    "events",
    "commissions",
];

/// What a phase reads, in words for an error.
fn what(phase: ImportPhase) -> &'static str {
    match phase {
        ImportPhase::Groups => "campaigns",
        ImportPhase::Partners => "partners",
        ImportPhase::Customers => "customers",
        ImportPhase::Commissions => "commissions",
    }
}

/// Rebuilds what a run keeps in memory from the phases before `phase`,
/// reading the source again and writing nothing.
async fn recall(
    db: &Db,
    source: &Source,
    target: &mut write::Target,
    phase: usize,
) -> Result<(), PageError> {
    let dry = target.dry;
    target.dry = true;
    let mut wanted = vec![ImportPhase::Groups];
    // A dry run's partners exist in memory alone.
    if dry && phase > 1 {
        wanted.push(ImportPhase::Partners);
    }
    if phase > 2 {
        wanted.push(ImportPhase::Customers);
    }
    for phase in wanted {
        let mut cursor = None;
        let mut paging = Paging::new(source.platform(), what(phase));
        loop {
            let page = source.page(phase, cursor.as_deref()).await?;
            paging
                .take(cursor.as_deref(), &page)
                .map_err(PageError::Paging)?;
            let remembered = async {
                let txn = db.write().await?;
                write::page(&txn, target, &page.rows).await
            };
            remembered
                .await
                .map_err(|e| PageError::Failed(write::said(&e)))?;
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    target.dry = dry;
    Ok(())
}

/// One page written with the place after it, only while the lease holds:
/// the renewed lease, or `None` when it was lost.
#[allow(clippy::too_many_arguments)]
async fn write_page(
    db: &Db,
    row: &import::Model,
    target: &mut write::Target,
    place: &mut Place,
    lease: &Lease<import::Entity>,
    page: Page,
    requests: i64,
    problems: &mut i64,
) -> ApiResult<Option<DateTime<Utc>>> {
    let read = page.rows.count() as i64;
    let (next_phase, next_cursor, next_done, next_total) = match &page.next {
        Some(cursor) => (
            place.phase,
            Some(cursor.clone()),
            place.done + read,
            page.total.or(place.total),
        ),
        None => (place.phase + 1, None, 0, None),
    };
    // The page after the commissions' last: the clawbacks they held are
    // booked, in a transaction of their own (no other partner locked).
    let last = PHASES.get(place.phase) == Some(&ImportPhase::Commissions)
        && place.cursor.as_deref() == Some(sources::CLAWBACKS);
    target.begin_page();
    let written = async {
        let txn = db.write().await?;
        let mut counts = write::page(&txn, target, &page.rows).await?;
        if last {
            commissions::clawbacks(&txn, target, &mut counts).await?;
        }
        counts.problems.extend(page.problems.iter().cloned());
        let phase = PHASES
            .get(next_phase)
            .copied()
            .unwrap_or(ImportPhase::Commissions);
        let add = |column: import::Column, n: i64| Expr::col(column).add(n);
        let (update, renewed) = lease.renewing(import::Entity::update_many());
        let moved = update
            .col_expr(import::Column::Phase, Expr::value(phase.as_str()))
            .col_expr(import::Column::Cursor, Expr::value(next_cursor.clone()))
            .col_expr(import::Column::PhaseDone, Expr::value(next_done))
            .col_expr(import::Column::PhaseTotal, Expr::value(next_total))
            .col_expr(
                import::Column::Partners,
                add(import::Column::Partners, counts.partners),
            )
            .col_expr(
                import::Column::Codes,
                add(import::Column::Codes, counts.codes),
            )
            .col_expr(
                import::Column::Customers,
                add(import::Column::Customers, counts.customers),
            )
            .col_expr(
                import::Column::Commissions,
                add(import::Column::Commissions, counts.commissions),
            )
            .col_expr(
                import::Column::Skipped,
                add(import::Column::Skipped, counts.skipped),
            )
            .col_expr(
                import::Column::Unchanged,
                add(import::Column::Unchanged, counts.unchanged),
            )
            .col_expr(
                import::Column::Problems,
                add(import::Column::Problems, counts.problems.len() as i64),
            )
            .col_expr(
                import::Column::Requests,
                add(import::Column::Requests, requests),
            )
            .filter(import::Column::Status.eq(ImportStatus::Running))
            .exec(&*txn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(None);
        }
        let rows: Vec<import_problem::ActiveModel> = counts
            .problems
            .iter()
            .enumerate()
            .map(|(i, p)| import_problem::ActiveModel {
                import_id: Set(row.id.clone()),
                seq: Set(*problems + i as i64),
                entity: Set(p.entity.to_owned()),
                external_id: Set(p.external_id.chars().take(200).collect()),
                reason: Set(p.reason.chars().take(500).collect()),
            })
            .collect();
        for chunk in rows.chunks(crate::posting::WRITE_CHUNK) {
            import_problem::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&*txn)
                .await?;
        }
        // One activity entry per page written (SPEC §34): what it brought.
        let counted = |n: i64| (n != 0).then(|| n.to_string());
        let entry = activity::Entry::on(
            &row.tenant_id,
            activity::Actor::system("imports"),
            "importPageWritten",
            "Import",
            &row.id,
        )
        .changing("phase", None, Some(phase.as_str().to_owned()))
        .changing("partners", None, counted(counts.partners))
        .changing("codes", None, counted(counts.codes))
        .changing("customers", None, counted(counts.customers))
        .changing("commissions", None, counted(counts.commissions))
        .changing("skipped", None, counted(counts.skipped))
        .changing("unchanged", None, counted(counts.unchanged));
        activity::record(&*txn, crate::db::now(), vec![entry]).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(Some((renewed, counts.problems.len() as i64)))
    }
    .await;
    match written {
        Ok(Some((renewed, new_problems))) => {
            *problems += new_problems;
            *place = Place {
                phase: next_phase,
                cursor: next_cursor,
                done: next_done,
                total: next_total,
            };
            Ok(Some(renewed))
        }
        Ok(None) => Ok(None),
        Err(err) => {
            target.forget_page();
            Err(err)
        }
    }
}

/// Ends an import — `DONE`, or `FAILED` with `error` — while the lease
/// holds, dropping its credentials.
async fn finish(db: &Db, lease: &Lease<import::Entity>, error: Option<String>) -> ApiResult<()> {
    let status = match error {
        Some(_) => ImportStatus::Failed,
        None => ImportStatus::Done,
    };
    lease
        .ending(import::Entity::update_many())
        .col_expr(import::Column::Status, Expr::value(status.as_str()))
        .col_expr(import::Column::FinishedAt, Expr::value(crate::db::now()))
        .col_expr(
            import::Column::Credentials,
            Expr::value(Option::<String>::None),
        )
        .col_expr(import::Column::Cursor, Expr::value(Option::<String>::None))
        .col_expr(import::Column::Error, Expr::value(error))
        .filter(import::Column::Status.eq(ImportStatus::Running))
        .exec(db.conn())
        .await?;
    Ok(())
}

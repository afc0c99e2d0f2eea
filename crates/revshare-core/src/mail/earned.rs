//! `COMMISSION_EARNED` e-mails, derived from the event log: the ledger
//! writes a `COMMISSION_CREATED` event with every commission already, in
//! the commission's own transaction, so the e-mail is as certain as the
//! commission and costs the ledger's hot path nothing.
//!
//! One task per replica, woken by the log growing, gathers for
//! [`GATHER`] and then, per tenant, reads the `COMMISSION_CREATED` events
//! after the tenant's cursor (`mail_cursors`) and, in one transaction with
//! the cursor's row held ([`crate::events::cursors`]), writes the e-mails
//! of the commissions among them that earn their partner money and moves
//! the cursor on: none is skipped and none e-mailed twice.
//!
//! A partner is sent one e-mail per commission, except that the
//! commissions one reading finds together — a batch recorded at once, or
//! a burst within the same second — are one e-mail that counts and totals
//! them: a thousand sales recorded in one call are one message, not a
//! thousand.
//!
//! Every statement the task runs starts with [`TAG`], so that it can be
//! told from a request's in the database's logs and statistics.
//!
//! What the partner wants (`IMMEDIATE`, a daily digest, nothing) and a
//! bounced address are read when the e-mail is written, a moment after
//! the commission: a partner who changes either meanwhile is e-mailed as
//! they now want.

use super::content::Content;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::cursors::Cursors;
use crate::events::log::Cursor;
use crate::events::notify::Notifier;
use crate::jobs::{Job, Step, Wake, Worker};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, DomainEventType};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};
use std::time::Duration;

/// The comment every statement of the task starts with.
pub const TAG: &str = "/* commission e-mails */ ";
/// How long a wake-up waits for more events before it reads: the log of
/// a busy ledger is read once a second, not once per commit, and a
/// partner's commissions of that second are one e-mail.
pub const GATHER: Duration = Duration::from_secs(1);
/// The longest the task sleeps when the log is quiet.
const IDLE: Duration = Duration::from_secs(30);
/// Events read per tenant and transaction.
const PAGE: u64 = 500;
/// Commissions read per statement.
const CHUNK: usize = 250;

/// This replica's task, as a job: a pass a moment ([`GATHER`]) after
/// each wake-up of the event log, and every [`IDLE`] when it is quiet.
pub fn worker(notifier: &Notifier) -> Worker {
    Worker::every(Job::CommissionMail, IDLE)
        .woken_by(Wake::Events(notifier.watch_any()))
        .gathering(GATHER)
}

/// One pass, as the job's step.
pub async fn step(db: &Db) -> ApiResult<Step> {
    Ok(match pass(db).await? {
        true => Step::More,
        false => Step::Idle,
    })
}

/// The task's place in each tenant's log.
const CURSORS: Cursors = Cursors {
    table: "mail_cursors",
    tag: TAG,
};

/// `sql` with the task's tag and `values`, its placeholders written `?`.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    CURSORS.statement(backend, sql, values)
}

/// The columns of a commission its e-mail reads.
#[derive(FromQueryResult)]
struct Earned {
    id: String,
    partner_id: String,
    campaign_id: String,
    kind: CommissionKind,
    status: CommissionStatus,
    amount_minor: i64,
    currency: String,
    staff_payee: bool,
}

/// One pass over every tenant; answers whether a tenant has more waiting
/// than was read (or an event not final yet).
pub async fn pass(db: &Db) -> ApiResult<bool> {
    let mut more = false;
    for (tenant_id, place) in CURSORS.places(db).await? {
        more |= tenant(db, &tenant_id, place).await?;
    }
    Ok(more)
}

/// One tenant's new commissions into e-mails; answers whether more wait.
async fn tenant(db: &Db, tenant_id: &str, place: Cursor) -> ApiResult<bool> {
    let types = vec![DomainEventType::CommissionCreated];
    let read = CURSORS.read(db, tenant_id, place, types, PAGE).await?;
    let Some(to) = read.to else {
        return Ok(read.more);
    };
    let backend = db.backend();
    let txn = db.write().await?;
    if !CURSORS.hold(&*txn, tenant_id, place).await? {
        return Ok(true);
    }
    let ids: Vec<&str> = read.events.iter().map(|e| e.subject_id.as_str()).collect();
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        // What an e-mail needs of a row, not its breakdown or history.
        rows.extend(
            Earned::find_by_statement(statement(
                backend,
                &format!(
                    "SELECT id, partner_id, campaign_id, kind, status, amount_minor, currency, \
                     staff_payee FROM commissions WHERE id IN ({marks})"
                ),
                chunk.iter().map(|id| Value::from(*id)).collect(),
            ))
            .all(&*txn)
            .await?,
        );
    }
    // One statement for the page: a partner's commissions in it are one
    // e-mail (the page holds at most [`PAGE`] events, so at most as many
    // partners).
    write(&*txn, &rows, crate::db::now()).await?;
    CURSORS.advance(&*txn, tenant_id, to).await?;
    txn.commit().await?;
    Ok(read.more)
}

/// Writes the `COMMISSION_EARNED` e-mails of `rows`: of those that earn
/// their partner money (a commission or a bonus above zero, not a staff
/// spiff, not reversed already), one e-mail a partner — the commission's
/// own when it is alone, one that counts them and totals them per
/// currency when a batch or a burst brought several — in one statement:
/// the partner's address and preference are read by the insert itself,
/// so a partner with no address, or who asked for a digest or for none,
/// gets no row, and one whose address bounced gets a `SUPPRESSED` one.
/// What the e-mail says beyond the amounts is read when it is sent.
async fn write(conn: &impl ConnectionTrait, rows: &[Earned], now: DateTime<Utc>) -> ApiResult<()> {
    let mut by_partner: std::collections::BTreeMap<&str, Vec<&Earned>> =
        std::collections::BTreeMap::new();
    for row in rows.iter().filter(|row| {
        matches!(row.kind, CommissionKind::Commission | CommissionKind::Bonus)
            && row.amount_minor > 0
            && !row.staff_payee
            && row.status != CommissionStatus::Reversed
    }) {
        by_partner
            .entry(row.partner_id.as_str())
            .or_default()
            .push(row);
    }
    if by_partner.is_empty() {
        return Ok(());
    }
    let mut values = Vec::with_capacity(by_partner.len() * 4 + 1);
    for (partner, earned) in &by_partner {
        let content = match earned.as_slice() {
            [one] => Content::CommissionRef {
                commission: one.id.clone(),
                campaign: one.campaign_id.clone(),
                amount_minor: one.amount_minor,
                currency: one.currency.clone(),
            },
            several => {
                let mut totals: Vec<(i64, String)> = Vec::new();
                for row in several {
                    match totals.iter_mut().find(|(_, c)| *c == row.currency) {
                        Some((sum, _)) => *sum += row.amount_minor,
                        None => totals.push((row.amount_minor, row.currency.clone())),
                    }
                }
                totals.sort_by(|a, b| a.1.cmp(&b.1));
                Content::CommissionsRef {
                    count: several.len() as u64,
                    totals,
                }
            }
        };
        let data =
            serde_json::to_string(&content).map_err(|e| ApiError::internal("mail content", e))?;
        values.push(Value::from(crate::input::new_id()));
        values.push(Value::from(*partner));
        values.push(Value::from(data));
        values.push(Value::from(super::outbox::unsubscribe_placeholder()?));
    }
    values.push(Value::from(now));
    let tuples = vec!["(?, ?, ?, ?)"; by_partner.len()].join(", ");
    let sql = format!(
        "INSERT INTO emails (id, tenant_id, partner_id, kind, to_address, data, status, \
           attempts, in_flight, next_attempt_at, unsubscribe_code, created_at, language) \
         SELECT v.column1, p.tenant_id, p.id, 'COMMISSION_EARNED', p.email, v.column3, \
           CASE WHEN m.bounced_address IS NOT NULL \
             AND lower(m.bounced_address) = lower(p.email) THEN 'SUPPRESSED' ELSE 'QUEUED' END, \
           0, false, t.at, v.column4, t.at, \
           CASE WHEN p.language IS NOT NULL \
             AND tn.languages LIKE '%\"' || p.language || '\"%' THEN p.language \
             ELSE tn.default_language END \
         FROM (VALUES {tuples}) AS v \
         JOIN partners p ON p.id = v.column2 \
         JOIN tenants tn ON tn.id = p.tenant_id \
         LEFT JOIN partner_mail m ON m.partner_id = p.id \
         CROSS JOIN (SELECT ? AS at) AS t \
         WHERE p.email IS NOT NULL AND p.email <> '' \
           AND COALESCE(m.commission_earned, 'IMMEDIATE') = 'IMMEDIATE'"
    );
    conn.execute_raw(statement(conn.get_database_backend(), &sql, values))
        .await?;
    Ok(())
}

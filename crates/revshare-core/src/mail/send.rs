//! The sender: one background task per replica that delivers the outbox
//! over SMTP.
//!
//! - **Claiming.** Due `QUEUED` rows are claimed a batch at a time in one
//!   statement that counts the attempt and sets their next attempt to a
//!   lease ([`LEASE`]); `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
//!   replicas never claim the same row. Once the server has answered
//!   `DATA`, just before the message is written, the row is marked in
//!   flight, on condition that its attempt is still this claim's (a claim
//!   whose lease ran out meanwhile finds it taken and leaves it).
//! - **Deadlines.** Every SMTP step waits at most `REVSHARE_SMTP_TIMEOUT_MS`
//!   ([`super::smtp`]). A server that cannot be reached or does not open a
//!   session puts the rest of the batch back on the schedule too, untried:
//!   a hung server holds the sender up one deadline a pass, not one a
//!   message.
//! - **Until the server says it took it.** An attempt is recorded as soon
//!   as the server answers: `250` is `SENT`; a temporary refusal (4xx), a
//!   connection that failed or a step that ran out of time is retried
//!   after the schedule's next pause (±20 %) until a day has passed, then
//!   `FAILED`; a permanent refusal (5xx) is `FAILED` at once, and for a
//!   partner's address records the bounce. No answer once the whole
//!   message was written, or a row still in flight when its lease ends (a
//!   crash, a lost connection to the database): it may have been sent, and
//!   is sent again with the same `Message-ID`, as every mail server does —
//!   a duplicate, if the server's `250` was lost, is the accepted cost of
//!   never losing one; the copy that arrived keeps working links. A sender
//!   stopped before the message was written leaves the row claimed but not
//!   in flight: it is claimed again when the lease ends.
//! - **Each message on its own.** What one message's data does — an
//!   error, even a panic of the transport's encoder — is recorded on that
//!   message, retried on the schedule, and the rest of the batch (other
//!   tenants' mail) goes on; only the database going away ends a pass.
//! - **Stable.** The `Message-ID` is made from the row's id, the same on
//!   every attempt; the program's name is the sender's display name, as
//!   one line (as is the subject): no header is broken or injected.
//! - **Codes made at sending.** A message's sign-in, confirmation and
//!   unsubscribe codes are made as it is handed over, their hashes kept
//!   in the transaction that marks it in flight ([`super::secrets`]): no
//!   stored row holds one.

use super::content::{self, Content, DEFAULT_COLOR, Program, Rendered};
use super::secrets::Minted;
use super::settings::{GIVE_UP_AFTER, Settings, Smtp, one_line, sender};
use super::smtp::{self, Delivery};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Step, Stop};
use chrono::{DateTime, Utc};
use entity::enums::EmailStatus;
use entity::{email, tenant};
use futures_util::FutureExt;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// How long an attempt in flight is kept from every other claim: twice
/// the longest step deadline ([`super::settings::MAX_SMTP_TIMEOUT`]) that
/// the message and its answer may take once handed over.
pub const LEASE: Duration = Duration::from_secs(120);
/// Rows claimed and sent together.
const BATCH: u64 = 20;

/// This replica's sender, as a job's step (when an SMTP server is
/// configured): a pass, again at once while passes come back full.
pub async fn step(db: &Db, settings: &Settings, attach: Attach, stop: &Stop) -> ApiResult<Step> {
    Ok(
        match pass_until(db, settings, attach, stop).await? == BATCH {
            true => Step::More,
            false => Step::Idle,
        },
    )
}

/// One pass: gives up on interrupted attempts, claims a batch and sends
/// it. Answers how many were claimed.
pub async fn pass(db: &Db, settings: &Settings, attach: Attach) -> ApiResult<u64> {
    pass_until(db, settings, attach, &Stop::never()).await
}

/// A file a message carries attached.
pub struct Attached {
    pub name: String,
    /// Its MIME type (`application/pdf`).
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

/// What a message carries attached, made by the service that knows (a
/// paid payout's self-billed invoice, SPEC §33b) when it is sent: the
/// sender is handed it by the application, which sits above both.
pub type Attach = for<'a> fn(
    &'a Db,
    &'a email::Model,
    &'a Content,
) -> futures_util::future::BoxFuture<'a, ApiResult<Vec<Attached>>>;

/// Attaches nothing.
pub fn nothing<'a>(
    _: &'a Db,
    _: &'a email::Model,
    _: &'a Content,
) -> futures_util::future::BoxFuture<'a, ApiResult<Vec<Attached>>> {
    Box::pin(async { Ok(Vec::new()) })
}

/// [`pass`], handing back the messages of the batch not yet begun when
/// the stop comes: due again at once, for any replica.
async fn pass_until(db: &Db, settings: &Settings, attach: Attach, stop: &Stop) -> ApiResult<u64> {
    let Some(server) = settings.smtp.as_ref() else {
        return Ok(0);
    };
    // One read when nothing is due (the usual case): no write at all.
    if !due(db).await? {
        return Ok(0);
    }
    interrupted(db).await?;
    let claimed = claim(db, BATCH).await?;
    let count = claimed.len() as u64;
    // Why the server could not be reached in this pass: the rest of the
    // batch waits for its next attempt without asking it again.
    let mut unreachable: Option<String> = None;
    let mut claimed = claimed.into_iter();
    while let Some(row) = claimed.next() {
        if stop.requested() {
            let untried: Vec<String> = std::iter::once(row.id.clone())
                .chain(claimed.map(|r| r.id))
                .collect();
            if let Some(until) = row.next_attempt_at {
                crate::jobs::queue::hand_back(db, "emails", WAITING, &untried, until).await?;
            }
            break;
        }
        // Each message on its own: what one tenant's data does to its
        // message (an error, even a panic) is recorded on that message,
        // and the rest of the batch — other tenants' mail — goes on.
        let tried = AssertUnwindSafe(attempt(
            db,
            settings,
            attach,
            server,
            &row,
            &mut unreachable,
        ))
        .catch_unwind()
        .await;
        let why = match tried {
            Ok(Ok(())) => continue,
            // The database itself is away: the pass ends, the batch is
            // claimed again when its lease ends.
            Ok(Err(err @ (ApiError::Unavailable | ApiError::Away(_)))) => return Err(err),
            Ok(Err(err)) => format!("not sent ({}); retrying", err.message()),
            Err(_) => "the message could not be made from what the program holds; retrying".into(),
        };
        tracing::warn!(email = %row.id, why = %why, "a message failed; the rest of its batch goes on");
        if let Err(err) = record(db, settings, &row, Outcome::Later(why)).await {
            tracing::warn!(email = %row.id, error = ?err, "a message's failure was not recorded");
        }
    }
    Ok(count)
}

/// One claimed message: made, handed to the server, its outcome recorded.
async fn attempt(
    db: &Db,
    settings: &Settings,
    attach: Attach,
    server: &Smtp,
    row: &email::Model,
    unreachable: &mut Option<String>,
) -> ApiResult<()> {
    if let Some(why) = unreachable.as_ref() {
        return record(db, settings, row, Outcome::Later(why.clone())).await;
    }
    let (message, minted) = match message(db, settings, attach, row).await {
        Ok(message) => message,
        Err(ApiError::BadInput { .. }) => {
            let why = "the recipient's address is not one the SMTP transport takes";
            return record(db, settings, row, Outcome::Unsendable(why.into())).await;
        }
        Err(err) => {
            tracing::warn!(error = ?err, "a message could not be prepared; retrying");
            let why = Outcome::Later("not prepared; retrying".into());
            return record(db, settings, row, why).await;
        }
    };
    let session = match smtp::open(server).await {
        Ok(session) => session,
        Err(why) => {
            *unreachable = Some(why.clone());
            return record(db, settings, row, Outcome::Later(why)).await;
        }
    };
    let outcome = match session
        .deliver(&message, || hand_over(db, row, &minted))
        .await?
    {
        Delivery::Accepted => Outcome::Sent,
        Delivery::Refused(why) => Outcome::Refused(why),
        Delivery::Later(why) => Outcome::Later(why),
        Delivery::Unsendable(why) => Outcome::Unsendable(why),
        // The server never said it took it: sent again, as a mail
        // server does, with the same Message-ID (a duplicate, if its
        // 250 was lost, is the accepted cost).
        Delivery::MaybeSent(why) => Outcome::Later(format!(
            "{why}: it may have been sent, and is sent again with the same Message-ID"
        )),
        // Another replica took it after this claim's lease ended: its send.
        Delivery::Taken => return Ok(()),
    };
    record(db, settings, row, outcome).await
}

enum Outcome {
    Sent,
    /// A permanent refusal (5xx).
    Refused(String),
    /// A temporary one, or no connection.
    Later(String),
    /// The row cannot be made into a message (an address the transport
    /// refuses), or may have been sent already: never tried again, and no
    /// bounce.
    Unsendable(String),
}

/// The pause before attempt `attempts + 1`: the schedule's, ±20 %.
pub fn pause(schedule: &[Duration], attempts: i32) -> Duration {
    let index = (attempts.max(1) as usize - 1).min(schedule.len() - 1);
    let base = schedule[index].as_millis() as u64;
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    // 0..=400 per mille of the pause, less 200: −20 % to +20 %.
    let spread = u64::from(u16::from_le_bytes(bytes)) % 401;
    Duration::from_millis(base * (800 + spread) / 1000)
}

async fn record(
    db: &Db,
    settings: &Settings,
    row: &email::Model,
    outcome: Outcome,
) -> ApiResult<()> {
    let now = crate::db::now();
    let give_up = row.created_at + chrono::Duration::from_std(GIVE_UP_AFTER).unwrap_or_default();
    let (status, next, error, sent_at) = match outcome {
        Outcome::Sent => (EmailStatus::Sent, None, None, Some(now)),
        Outcome::Refused(error) | Outcome::Unsendable(error) => {
            (EmailStatus::Failed, None, Some(error), None)
        }
        Outcome::Later(error) => {
            let next = now
                + chrono::Duration::from_std(pause(&settings.retry_schedule, row.attempts))
                    .unwrap_or_default();
            match next > give_up {
                true => (
                    EmailStatus::Failed,
                    None,
                    Some(format!("retried for a day, then given up: {error}")),
                    None,
                ),
                false => (EmailStatus::Queued, Some(next), Some(error), None),
            }
        }
    };
    let bounced = status == EmailStatus::Failed
        && error.as_deref().is_some_and(|e| e.starts_with('5'))
        && row.partner_id.is_some();
    let txn = db.write().await?;
    // Only this claim's attempt: a row whose lease ran out before it was
    // recorded (deferred at the end of a long batch) may be another
    // replica's now, perhaps in flight, and is left to it.
    let updated = email::Entity::update_many()
        .col_expr(email::Column::Status, Expr::value(status.as_str()))
        .col_expr(email::Column::InFlight, Expr::value(false))
        .col_expr(email::Column::NextAttemptAt, Expr::value(next))
        .col_expr(email::Column::LastError, Expr::value(error))
        .col_expr(email::Column::SentAt, Expr::value(sent_at))
        .filter(email::Column::Id.eq(row.id.as_str()))
        .filter(email::Column::Attempts.eq(row.attempts))
        .filter(email::Column::Status.eq(EmailStatus::Queued))
        .exec(&*txn)
        .await?;
    if updated.rows_affected == 0 {
        txn.commit().await?;
        return Ok(());
    }
    if let (true, Some(partner_id)) = (bounced, row.partner_id.as_deref()) {
        super::preferences::bounced(&*txn, &row.tenant_id, partner_id, &row.to_address).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Whether a queued row is due: to be claimed, or in flight past its lease.
async fn due(db: &Db) -> ApiResult<bool> {
    Ok(email::Entity::find()
        .filter(email::Column::Status.eq(EmailStatus::Queued))
        .filter(email::Column::NextAttemptAt.lte(crate::db::now()))
        .one(db.conn())
        .await?
        .is_some())
}

/// Rows in flight past their lease: interrupted after they were handed
/// over (a crash, a lost connection to the database) with no answer
/// recorded. Sent again with the same Message-ID, until a day has passed
/// since they were written; then `FAILED`.
async fn interrupted(db: &Db) -> ApiResult<()> {
    let now = crate::db::now();
    let give_up = now - chrono::Duration::from_std(GIVE_UP_AFTER).unwrap_or_default();
    email::Entity::update_many()
        .col_expr(email::Column::InFlight, Expr::value(false))
        .col_expr(email::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            email::Column::LastError,
            Expr::value(
                "interrupted after it was handed to the SMTP server: it may have been sent, and \
                 is sent again with the same Message-ID",
            ),
        )
        .filter(email::Column::Status.eq(EmailStatus::Queued))
        .filter(email::Column::InFlight.eq(true))
        .filter(email::Column::NextAttemptAt.lte(now))
        .filter(email::Column::CreatedAt.gt(give_up))
        .exec(db.conn())
        .await?;
    email::Entity::update_many()
        .col_expr(
            email::Column::Status,
            Expr::value(EmailStatus::Failed.as_str()),
        )
        .col_expr(email::Column::InFlight, Expr::value(false))
        .col_expr(
            email::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            email::Column::LastError,
            Expr::value(
                "interrupted after it was handed to the SMTP server, for a day: given up (it may \
                 have been sent)",
            ),
        )
        .filter(email::Column::Status.eq(EmailStatus::Queued))
        .filter(email::Column::InFlight.eq(true))
        .filter(email::Column::NextAttemptAt.lte(now))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Marks a claimed row in flight, once the SMTP server has answered
/// `DATA` and just before the message is written: from here on, without
/// the server's answer, it may have been sent. `false`: another replica claimed it since (this claim's
/// lease ended first). Its codes' hashes are kept with the mark.
async fn hand_over(db: &Db, row: &email::Model, minted: &Minted) -> ApiResult<bool> {
    let until = crate::db::now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let txn = db.write().await?;
    let updated = email::Entity::update_many()
        .col_expr(email::Column::InFlight, Expr::value(true))
        .col_expr(email::Column::NextAttemptAt, Expr::value(until))
        .filter(email::Column::Id.eq(row.id.as_str()))
        .filter(email::Column::Attempts.eq(row.attempts))
        .filter(email::Column::InFlight.eq(false))
        .filter(email::Column::Status.eq(EmailStatus::Queued))
        .exec(&*txn)
        .await?;
    if updated.rows_affected == 1 {
        super::secrets::store(&*txn, row, minted).await?;
    }
    txn.commit().await?;
    Ok(updated.rows_affected == 1)
}

/// Claims up to `limit` due rows: the attempt counted (its number names
/// the claim) and leased, not yet in flight.
/// The outbox's rows waiting for an attempt.
const WAITING: &str = "status = 'QUEUED' AND in_flight = false";

async fn claim(db: &Db, limit: u64) -> ApiResult<Vec<email::Model>> {
    let claimed: Vec<email::Model> =
        crate::jobs::queue::claim_due(db, "emails", WAITING, limit, LEASE).await?;
    // `RETURNING` keeps no order: sent in the order they were written.
    let mut claimed = claimed;
    claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(claimed)
}

/// How a tenant's program presents itself in a message, to its reader in its language.
pub async fn program(
    conn: &impl sea_orm::ConnectionTrait,
    settings: &Settings,
    email: &email::Model,
) -> ApiResult<Program> {
    let row = tenant::Entity::find_by_id(email.tenant_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("mail", "no tenant"))?;
    Ok(Program {
        name: row.program_name.clone().unwrap_or_else(|| row.name.clone()),
        color: row
            .brand_color
            .clone()
            .unwrap_or_else(|| DEFAULT_COLOR.into()),
        support_email: row.support_email.clone(),
        base_url: settings.public_url.to_string(),
        tenant_id: row.id.clone(),
        // Kept with the message when it was queued; English before.
        language: email
            .language
            .clone()
            .unwrap_or_else(|| crate::languages::DEFAULT.into()),
        to: email.to_address.clone(),
    })
}

/// The path of a notification's one-click unsubscribe link.
pub fn unsubscribe_path(code: &str) -> String {
    format!("/mail/unsubscribe/{code}")
}

/// The name of the partner a row is to ("" for none).
async fn partner_name(
    conn: &impl sea_orm::ConnectionTrait,
    row: &email::Model,
) -> ApiResult<String> {
    Ok(match &row.partner_id {
        Some(id) => entity::partner::Entity::find_by_id(id.clone())
            .one(conn)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// A row's content, with what the ledger's batch left to be read (a
/// commission's partner and campaign names) read now.
async fn content_of(
    conn: &impl sea_orm::ConnectionTrait,
    row: &email::Model,
) -> ApiResult<Content> {
    let content: Content =
        serde_json::from_str(&row.data).map_err(|e| ApiError::internal("mail content", e))?;
    let amount = |minor: i64, currency: &str| match crate::engine::Currency::parse(currency) {
        Ok(unit) => unit.from_minor(minor).to_string(),
        Err(_) => minor.to_string(),
    };
    match content {
        Content::CommissionRef {
            campaign,
            amount_minor,
            currency,
            ..
        } => {
            let name = partner_name(conn, row).await?;
            let campaign = entity::campaign::Entity::find_by_id(campaign)
                .one(conn)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            Ok(Content::CommissionEarned {
                name,
                amount: amount(amount_minor, &currency),
                currency,
                campaign,
            })
        }
        Content::CommissionsRef { count, totals } => Ok(Content::CommissionsEarned {
            name: partner_name(conn, row).await?,
            count,
            totals: totals
                .into_iter()
                .map(|(minor, currency)| (amount(minor, &currency), currency))
                .collect(),
        }),
        Content::PayoutSent {
            name,
            amount,
            currency,
            method,
            statement,
            link,
            payout_id,
            ..
        } => {
            let invoice = match &payout_id {
                Some(payout) => invoice_of(conn, &row.tenant_id, payout)
                    .await?
                    .map(|d| d.number),
                None => None,
            };
            Ok(Content::PayoutSent {
                name,
                amount,
                currency,
                method,
                statement,
                link,
                payout_id,
                invoice,
            })
        }
        other => Ok(other),
    }
}

/// A payout's self-billed invoice, once issued.
async fn invoice_of(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<Option<entity::invoice::Model>> {
    use entity::invoice::Column as C;
    Ok(entity::invoice::Entity::find()
        .filter(C::TenantId.eq(tenant_id))
        .filter(C::PayoutId.eq(payout_id))
        .filter(C::Kind.eq(entity::enums::InvoiceKind::Invoice))
        .one(conn)
        .await?)
}

/// A row as its reader sees it: subject, text and HTML, every code it
/// will carry withheld (only its recipient reads them).
pub async fn rendered(
    conn: &impl sea_orm::ConnectionTrait,
    settings: &Settings,
    row: &email::Model,
) -> ApiResult<Rendered> {
    let content = content_of(conn, row).await?;
    let unsubscribe = row
        .unsubscribe_code
        .as_ref()
        .map(|_| unsubscribe_path(content::WITHHELD));
    Ok(presented(conn, settings, row, &content, unsubscribe)
        .await?
        .1)
}

/// A row's `content` rendered, with the program it is rendered for (the
/// sender needs its name and support address too).
async fn presented(
    conn: &impl sea_orm::ConnectionTrait,
    settings: &Settings,
    row: &email::Model,
    content: &Content,
    unsubscribe: Option<String>,
) -> ApiResult<(Program, Rendered)> {
    let program = program(conn, settings, row).await?;
    let rendered = content::render(content, &program, unsubscribe.as_deref());
    Ok((program, rendered))
}

/// The message of a row with its codes made, signed when DKIM is
/// configured.
async fn message(
    db: &Db,
    settings: &Settings,
    attach: Attach,
    row: &email::Model,
) -> ApiResult<(lettre::Message, Minted)> {
    let minted = super::secrets::mint(row, content_of(db.conn(), row).await?)?;
    let path = minted.unsubscribe.as_deref().map(unsubscribe_path);
    let (program, rendered) = presented(db.conn(), settings, row, &minted.content, path).await?;
    let unsubscribe = minted
        .unsubscribe
        .as_deref()
        .map(|code| format!("{}{}", program.base_url, unsubscribe_path(code)));
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|_| ApiError::bad_input("to", "is not an address the SMTP transport takes"))?;
    let domain = settings.from.domain().to_owned();
    let mut builder = lettre::Message::builder()
        .from(sender(settings, &program.name))
        .to(to)
        .subject(one_line(&rendered.subject))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            program.language.clone(),
        ))
        .message_id(Some(format!("<{}@{domain}>", row.id.to_ascii_lowercase())));
    if let Some(support) = program
        .support_email
        .as_deref()
        .and_then(|s| s.parse::<Mailbox>().ok())
    {
        builder = builder.reply_to(support);
    }
    if let Some(link) = &unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{link}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let body = MultiPart::alternative_plain_html(rendered.text, rendered.html);
    let mut attached = Vec::new();
    for file in attach(db, row, &minted.content).await? {
        let kind = lettre::message::header::ContentType::parse(file.kind)
            .map_err(|e| ApiError::internal("attachment type", e))?;
        attached.push(Attachment::new(file.name).body(file.bytes, kind));
    }
    let body = match attached.is_empty() {
        true => body,
        false => attached
            .into_iter()
            .fold(MultiPart::mixed().multipart(body), |mixed, part| {
                mixed.singlepart(part)
            }),
    };
    let mut message = builder
        .multipart(body)
        .map_err(|e| ApiError::internal("mail message", e))?;
    if let Some(dkim) = &settings.dkim {
        message.sign(match unsubscribe {
            Some(_) => &dkim.listed,
            None => &dkim.plain,
        });
    }
    Ok((message, minted))
}

//! Talking to partners (SPEC §35): one thread per partner, written by
//! staff in the console and by the partner in the portal.
//!
//! - here: writing a message (checked, limited, e-mailed), reading a
//!   thread, marking it read, the unread counts and the console's inbox;
//! - [`mail`]: how a message reaches its reader by e-mail — at once, in
//!   the day's digest, or not at all, each message once;
//! - [`broadcasts`]: a message to an audience, now or at a time;
//! - [`announcements`]: a banner in the portal until each partner
//!   dismisses it (SPEC §37);
//! - [`resources`]: brand assets and texts to copy in the portal (SPEC
//!   §37).
//!
//! Workflows that send a message write it here
//! ([`crate::engagement::workflows`]).
//!
//! A body is plain text: kept as it was sent (trimmed), never rendered as
//! HTML anywhere — the console and the portal show it as text, and an
//! e-mail escapes it like every value.

pub mod announcements;
pub mod broadcasts;
pub mod mail;
pub mod resources;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Duration, Utc};
use entity::enums::MessageSender;
use entity::{message, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Value,
};

/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// The most messages a partner may send in an hour.
pub const PARTNER_PER_HOUR: usize = 30;

/// A message to write.
pub struct NewMessage<'a> {
    pub partner: &'a partner::Model,
    pub sender: MessageSender,
    /// The staff member's subject, `workflow:{id}`, or the partner's id.
    pub author: String,
    pub body: String,
    /// A broadcast's subject, for its e-mail.
    pub subject: Option<String>,
    pub broadcast_id: Option<String>,
    pub workflow_id: Option<String>,
    /// The partner's language as its tenant reads it, when the caller
    /// knows it (a broadcast's batch reads the tenant once): its e-mail is
    /// written in it without asking again.
    pub language: Option<String>,
}

/// A body as kept: trimmed, not empty, at most [`MAX_BODY_CHARS`].
pub fn check_body(field: &str, body: &str) -> ApiResult<String> {
    input::required_text(field, body, MAX_BODY_CHARS)
}

/// Writes `new` in the caller's transaction, and its e-mail as its reader
/// wants it ([`mail::on_written`]).
pub async fn write(
    conn: &impl ConnectionTrait,
    new: NewMessage<'_>,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let row = message::Model {
        id: input::new_id(),
        tenant_id: new.partner.tenant_id.clone(),
        partner_id: new.partner.id.clone(),
        sender: new.sender,
        author: new.author,
        body: new.body,
        broadcast_id: new.broadcast_id,
        workflow_id: new.workflow_id,
        sent_at: now,
        read_at: None,
        mailed_at: None,
    };
    let mailed_at = mail::on_written(conn, new.partner, &row, new.subject, new.language).await?;
    let row = message::Model { mailed_at, ..row };
    // Every column written (`reset_all`: the copy's `Unchanged` made `Set`).
    let active = message::ActiveModel::from(row.clone()).reset_all();
    message::Entity::insert(active)
        .exec_without_returning(conn)
        .await?;
    Ok(row)
}

/// A staff member's message to a partner of the tenant (`partners:write`):
/// as written, or in the translation given for the partner's language
/// (SPEC §38) — what the partner reads is what the thread keeps.
pub async fn send_as_staff(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    body: &str,
    translations: Vec<crate::languages::translations::Translation>,
) -> ApiResult<message::Model> {
    let body = check_body("input.body", body)?;
    let translations = crate::languages::translations::checked(
        "input.translations",
        translations,
        &|field, _| Err(ApiError::bad_input(field, "a message has no subject")),
        &check_body,
    )?;
    db.transaction(|txn| {
        let (body, translations) = (body.clone(), translations.clone());
        Box::pin(async move {
            let partner = crate::directory::partners::find(&*txn, tenant_id, partner_id)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input("input.partnerId", "names no partner of the tenant")
                })?;
            let body = match translations.is_empty() {
                true => body,
                false => {
                    let language = crate::languages::of_partner(&*txn, &partner).await?;
                    crate::languages::translations::for_reader(&translations, &language)
                        .map_or(body, |t| t.body.clone())
                }
            };
            let new = NewMessage {
                partner: &partner,
                sender: MessageSender::Staff,
                author: actor.to_owned(),
                body,
                subject: None,
                broadcast_id: None,
                workflow_id: None,
                language: None,
            };
            let row = write(&*txn, new, crate::db::now()).await?;
            crate::activity::created("Message", &row.id, &row);
            crate::activity::about(&row.partner_id);
            Ok(row)
        })
    })
    .await
}

/// A partner's message to its program, at most [`PARTNER_PER_HOUR`] an
/// hour: counted under the partner's lock, so concurrent sends cannot
/// pass the limit together.
pub async fn send_as_partner(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    body: &str,
) -> ApiResult<message::Model> {
    let body = check_body("input.body", body)?;
    db.transaction(|txn| {
        let body = body.clone();
        Box::pin(async move {
            let now = crate::db::now();
            let partner = crate::posting::locks::partners_by_id(&*txn, tenant_id, [partner_id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::not_found("partner"))?;
            let hour_ago = now - Duration::hours(1);
            let recent: Vec<DateTime<Utc>> = message::Entity::find()
                .select_only()
                .column(message::Column::SentAt)
                .filter(message::Column::PartnerId.eq(partner_id))
                .filter(message::Column::Sender.eq(MessageSender::Partner))
                .filter(message::Column::SentAt.gt(hour_ago))
                .order_by_asc(message::Column::SentAt)
                .into_tuple()
                .all(&*txn)
                .await?;
            if recent.len() >= PARTNER_PER_HOUR {
                // Room again when the oldest of the hour's leaves it.
                let oldest = recent[recent.len() - PARTNER_PER_HOUR];
                let wait = (oldest + Duration::hours(1) - now).num_seconds().max(1);
                return Err(ApiError::TooManyRequests {
                    message: format!(
                        "a partner may send at most {PARTNER_PER_HOUR} messages an hour; \
                         retry in {wait} seconds"
                    ),
                    retry_after: wait as u64,
                });
            }
            let new = NewMessage {
                partner: &partner,
                sender: MessageSender::Partner,
                author: partner.id.clone(),
                body,
                subject: None,
                broadcast_id: None,
                workflow_id: None,
                language: None,
            };
            let row = write(&*txn, new, now).await?;
            crate::activity::created("Message", &row.id, &row);
            crate::activity::about(&row.partner_id);
            Ok(row)
        })
    })
    .await
}

/// The other side of `reader`: whose messages it reads.
fn writer_for(reader: MessageSender) -> MessageSender {
    match reader {
        MessageSender::Staff => MessageSender::Partner,
        MessageSender::Partner => MessageSender::Staff,
    }
}

/// Marks the messages `reader` was sent in `partner_id`'s thread, up to
/// and including `up_to`, read; answers how many were unread.
pub async fn mark_read(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    reader: MessageSender,
    up_to: &str,
) -> ApiResult<u64> {
    db.transaction(|txn| {
        Box::pin(async move {
            let named = message::Entity::find_by_id(up_to.to_owned())
                .filter(message::Column::TenantId.eq(tenant_id))
                .filter(message::Column::PartnerId.eq(partner_id))
                .one(&*txn)
                .await?;
            if named.is_none() {
                return Err(ApiError::bad_input(
                    "input.upTo",
                    "names no message of the thread",
                ));
            }
            let done = message::Entity::update_many()
                .col_expr(message::Column::ReadAt, Expr::value(crate::db::now()))
                .filter(message::Column::TenantId.eq(tenant_id))
                .filter(message::Column::PartnerId.eq(partner_id))
                .filter(message::Column::Sender.eq(writer_for(reader)))
                .filter(message::Column::ReadAt.is_null())
                .filter(message::Column::Id.lte(up_to))
                .exec(&*txn)
                .await?;
            crate::activity::about(partner_id);
            crate::activity::changed([("read", None, Some(done.rows_affected.to_string()))]);
            Ok(done.rows_affected)
        })
    })
    .await
}

/// The tenant's messages with these ids (the inbox's latest of each
/// thread, in one statement).
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: &[&str],
) -> ApiResult<Vec<message::Model>> {
    Ok(message::Entity::find()
        .filter(message::Column::TenantId.eq(tenant_id))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// A partner's thread (ordered and paged by the caller: `Partner.messages`
/// newest first, by `sent_at` then id).
pub fn thread(tenant_id: &str, partner_id: &str) -> Select<message::Entity> {
    message::Entity::find()
        .filter(message::Column::TenantId.eq(tenant_id))
        .filter(message::Column::PartnerId.eq(partner_id))
}

/// How many messages `reader` has not read: in one partner's thread, or
/// (staff) in every thread of the tenant.
pub async fn unread(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: Option<&str>,
    reader: MessageSender,
) -> ApiResult<u64> {
    let mut select = message::Entity::find()
        .filter(message::Column::TenantId.eq(tenant_id))
        .filter(message::Column::Sender.eq(writer_for(reader)))
        .filter(message::Column::ReadAt.is_null());
    if let Some(partner_id) = partner_id {
        select = select.filter(message::Column::PartnerId.eq(partner_id));
    }
    Ok(select.count(conn).await?)
}

/// How many threads the tenant has (with unread messages, when
/// `unread_only`).
pub async fn thread_count(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    unread_only: bool,
) -> ApiResult<u64> {
    let mut select = message::Entity::find()
        .select_only()
        .column(message::Column::PartnerId)
        .distinct()
        .filter(message::Column::TenantId.eq(tenant_id));
    if unread_only {
        select = select
            .filter(message::Column::Sender.eq(MessageSender::Partner))
            .filter(message::Column::ReadAt.is_null());
    }
    Ok(select.count(conn).await?)
}

/// A thread of the console's inbox.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Thread {
    pub partner_id: String,
    /// Its latest message.
    pub last_id: String,
    /// The partner's messages staff have not read.
    pub unread: i64,
}

/// The tenant's threads, latest message first, after the thread whose
/// latest message is `after`; only those with unread messages when
/// `unread_only`. At most `limit`.
pub async fn threads(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    unread_only: bool,
    after: Option<&str>,
    limit: u64,
) -> ApiResult<Vec<Thread>> {
    let mut having = Vec::new();
    let mut values: Vec<Value> = vec![tenant_id.into()];
    if unread_only {
        having.push("SUM(CASE WHEN sender = 'PARTNER' AND read_at IS NULL THEN 1 ELSE 0 END) > 0");
    }
    if let Some(after) = after {
        having.push("MAX(id) < ?");
        values.push(after.into());
    }
    let having = match having.is_empty() {
        true => String::new(),
        false => format!(" HAVING {}", having.join(" AND ")),
    };
    values.push((limit as i64).into());
    let sql = format!(
        "SELECT partner_id, MAX(id) AS last_id, \
         CAST(SUM(CASE WHEN sender = 'PARTNER' AND read_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
         AS unread FROM messages WHERE tenant_id = ? GROUP BY partner_id{having} \
         ORDER BY last_id DESC LIMIT ?"
    );
    let statement = crate::db::statement(conn.get_database_backend(), &sql, values);
    Ok(Thread::find_by_statement(statement).all(conn).await?)
}

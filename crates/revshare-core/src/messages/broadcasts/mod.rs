//! Broadcasts (SPEC §35): one message to an audience of partners, now or
//! at a time.
//!
//! - [`audience`]: who it is for — filters checked when it is made,
//!   resolved once when it starts sending;
//! - [`sending`]: how it reaches them — claimed once, then written a
//!   batch of recipients per transaction, each recipient once, resumed
//!   where it stopped; one whose stored audience does not read is
//!   `FAILED` with why, sent to no one (never to the default audience,
//!   every active partner);
//! - here: making one (scheduled, or started and sent at once as far as
//!   a request goes), canceling a scheduled one, reading them.
//!
//! `recipients` is the audience as resolved when it started, `delivered`
//! the messages written so far (`recipients` once it is `SENT`: every
//! recipient gets one), `read` those its recipients have read, counted
//! when asked.

pub mod audience;
pub mod sending;

pub use audience::{Audience, AudienceInput, Earned, audience_of, resolve};
pub use sending::{
    BATCH, Claim, INLINE, POLL, Progress, UNREADABLE_AUDIENCE, Wake, claim_due, finish, send_batch,
    send_due, worker,
};

use super::check_body;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::BroadcastStatus;
use entity::{broadcast, message};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select,
};

/// The longest subject.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// A broadcast as a client asks for it.
pub struct NewBroadcast {
    pub subject: String,
    pub body: String,
    /// Its subject and body in other languages (SPEC §38): a recipient
    /// reading one of them reads it so.
    pub translations: Vec<crate::languages::translations::Translation>,
    pub audience: AudienceInput,
    pub send_at: Option<DateTime<Utc>>,
}

/// Makes a broadcast (`partners:write`). With a `sendAt` to come it is
/// `SCHEDULED`; else it starts in this transaction (its audience
/// resolved, `recipients` counted) — an audience smaller than a batch
/// sent in it too — and a larger one is sent for up to
/// [`sending::INLINE`]: answered `SENT`, or `SENDING` when the job
/// (woken by `wake`) has the rest to write.
pub async fn create(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    new: NewBroadcast,
    wake: &Wake,
) -> ApiResult<broadcast::Model> {
    let subject = input::required_line("input.subject", &new.subject, MAX_SUBJECT_CHARS)?;
    let body = check_body("input.body", &new.body)?;
    let translations = crate::languages::translations::checked(
        "input.translations",
        new.translations.clone(),
        &|field, text| input::required_line(field, text, MAX_SUBJECT_CHARS),
        &check_body,
    )?;
    let translations = crate::languages::translations::encode(&translations)?;
    let row = db
        .transaction(|txn| {
            let (subject, body, audience) = (subject.clone(), body.clone(), new.audience.clone());
            let translations = translations.clone();
            Box::pin(async move {
                let conn = &*txn;
                let audience = audience::check_audience(conn, tenant_id, audience).await?;
                let now = crate::db::now();
                let scheduled = new.send_at.filter(|at| *at > now);
                let row = broadcast::Model {
                    id: input::new_id(),
                    tenant_id: tenant_id.to_owned(),
                    subject,
                    body,
                    audience: serde_json::to_string(&audience)
                        .map_err(|e| ApiError::internal("broadcast audience", e))?,
                    status: BroadcastStatus::Scheduled,
                    send_at: scheduled,
                    sent_at: None,
                    recipients: None,
                    delivered: 0,
                    created_by: actor.to_owned(),
                    created_at: now,
                    canceled_at: None,
                    sent_through: None,
                    failure: None,
                    translations,
                };
                broadcast::Entity::insert(broadcast::ActiveModel::from(row.clone()).reset_all())
                    .exec_without_returning(conn)
                    .await?;
                if scheduled.is_some() {
                    crate::activity::created("Broadcast", &row.id, &row);
                    return Ok(row);
                }
                let recipients = sending::claim(conn, &row).await?;
                // An audience smaller than a batch is sent here and now:
                // the entry says what the broadcast became, `SENT` to
                // each recipient; a larger one's is `SENDING`, and the
                // batch that sends its last says `SENT`.
                let small = match recipients {
                    sending::Claim::Started(n) => {
                        u64::try_from(n).is_ok_and(|n| n < sending::BATCH)
                    }
                    sending::Claim::Failed | sending::Claim::Lost => false,
                };
                if small {
                    sending::write_batch(conn, &row.id, now).await?;
                }
                let started = find(conn, tenant_id, &row.id)
                    .await?
                    .ok_or_else(|| ApiError::internal("broadcast", "gone after starting"))?;
                crate::activity::created("Broadcast", &started.id, &started);
                Ok(started)
            })
        })
        .await?;
    if row.status != BroadcastStatus::Sending {
        return Ok(row);
    }
    sending::send_now(db, row, wake).await
}

/// Cancels a scheduled broadcast (`partners:write`).
pub async fn cancel(db: &Db, tenant_id: &str, id: &str) -> ApiResult<broadcast::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let before = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("broadcast"))?;
            let done = broadcast::Entity::update_many()
                .col_expr(
                    broadcast::Column::Status,
                    Expr::value(BroadcastStatus::Canceled.as_str()),
                )
                .col_expr(broadcast::Column::CanceledAt, Expr::value(crate::db::now()))
                .filter(broadcast::Column::Id.eq(id))
                .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
                .exec(conn)
                .await?;
            if done.rows_affected != 1 {
                return Err(ApiError::Conflict(format!(
                    "the broadcast is {}: only a SCHEDULED one can be canceled",
                    before.status.as_str()
                )));
            }
            let after = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::internal("broadcast", "gone after canceling"))?;
            crate::activity::compared(Some(&before), Some(&after));
            Ok(after)
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<broadcast::Model>> {
    Ok(broadcast::Entity::find_by_id(id.to_owned())
        .filter(broadcast::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The tenant's broadcasts (ordered and paged by the caller: `broadcasts`
/// newest first, by `created_at` then id).
pub fn list(tenant_id: &str) -> Select<broadcast::Entity> {
    broadcast::Entity::find().filter(broadcast::Column::TenantId.eq(tenant_id))
}

/// How many of each broadcast's messages their recipients have read, in
/// one statement for a page of broadcasts: `(broadcast, read)`, with no
/// row for a broadcast none of whose messages was read.
pub async fn read_counts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    broadcast_ids: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<(String, u64)>> {
    let counted: Vec<(Option<String>, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::BroadcastId)
        .column_as(message::Column::Id.count(), "read")
        .filter(message::Column::TenantId.eq(tenant_id))
        .filter(message::Column::BroadcastId.is_in(broadcast_ids))
        .filter(message::Column::ReadAt.is_not_null())
        .group_by(message::Column::BroadcastId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(counted
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

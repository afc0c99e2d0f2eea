//! The outbox: an e-mail is a row written in the transaction of what
//! caused it, so it is sent if and only if that commits (a commission's
//! from the event its transaction wrote: [`super::earned`]). Reading it
//! (`emails`), and counting what an anonymous caller asked for.

use super::content::{Content, is_notification};
use crate::error::{ApiError, ApiResult};
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::email;
use entity::enums::{EmailKind, EmailStatus};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Select,
};

/// An e-mail to write.
pub struct Mail {
    pub tenant_id: String,
    /// The partner it is to or about.
    pub partner_id: Option<String>,
    pub to: String,
    pub content: Content,
    /// One message per key and tenant: a second with the same key is not
    /// written.
    pub dedupe_key: Option<String>,
    /// The keyed hash of an anonymous caller's address.
    pub requested_by: Option<String>,
    /// Written `SUPPRESSED` (the address bounced): kept, not sent.
    pub suppressed: bool,
    /// The reader's language when it is not its partner's: an
    /// applicant's (SPEC §38). None: the partner's, else the tenant's
    /// default. Staff read English.
    pub language: Option<String>,
}

/// A random code, URL-safe: 128 bits.
pub fn random_code(bytes: usize) -> ApiResult<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ApiError::internal("randomness", e))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}

/// The hash a notification's unsubscribe column holds until the message
/// is sent (`super::secrets` makes its code then): of a code nobody keeps.
pub fn unsubscribe_placeholder() -> ApiResult<String> {
    Ok(crate::sign_in::hash(&random_code(16)?))
}

/// Writes `mail` to the outbox, due at once (in the caller's transaction).
pub async fn queue(conn: &impl ConnectionTrait, mail: Mail) -> ApiResult<()> {
    let now = crate::db::now();
    let kind = mail.content.kind();
    let language = language_of(conn, &mail, kind).await?;
    let data =
        serde_json::to_string(&mail.content).map_err(|e| ApiError::internal("mail content", e))?;
    // A notification to a partner, or the fraud digest to a listed
    // address, carries a one-click unsubscribe.
    let unsubscribe_code = match (is_notification(kind) && mail.partner_id.is_some())
        || kind == entity::enums::EmailKind::StaffFraudDigest
    {
        true => Some(unsubscribe_placeholder()?),
        false => None,
    };
    let row = email::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(mail.tenant_id),
        partner_id: Set(mail.partner_id),
        kind: Set(kind),
        to_address: Set(mail.to),
        data: Set(data),
        status: Set(match mail.suppressed {
            true => EmailStatus::Suppressed,
            false => EmailStatus::Queued,
        }),
        attempts: Set(0),
        in_flight: Set(false),
        next_attempt_at: Set((!mail.suppressed).then_some(now)),
        last_error: Set(None),
        dedupe_key: Set(mail.dedupe_key),
        unsubscribe_code: Set(unsubscribe_code),
        earlier_unsubscribe_code: Set(None),
        requested_by: Set(mail.requested_by),
        created_at: Set(now),
        sent_at: Set(None),
        language: Set(Some(language)),
    };
    email::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([email::Column::TenantId, email::Column::DedupeKey])
                .target_and_where(sea_orm::ExprTrait::is_not_null(
                    sea_orm::sea_query::Expr::col(email::Column::DedupeKey),
                ))
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What `emails` lists.
/// The language a message is written in, kept with it (SPEC §38): the
/// staff's English; the one its caller gives (an applicant's, a
/// broadcast recipient's, each as the tenant offers it); else the
/// partner's own while offered; else the tenant's default.
async fn language_of(
    conn: &impl ConnectionTrait,
    mail: &Mail,
    kind: EmailKind,
) -> ApiResult<String> {
    if super::content::is_to_staff(kind) {
        return Ok(crate::languages::DEFAULT.to_owned());
    }
    // Given: its caller read it as the tenant offers it (an applicant's
    // form's, a broadcast's batch), and nothing more is read.
    if let Some(language) = &mail.language {
        return Ok(language.clone());
    }
    let Some(tenant) = entity::tenant::Entity::find_by_id(mail.tenant_id.clone())
        .one(conn)
        .await?
    else {
        return Ok(crate::languages::DEFAULT.to_owned());
    };
    let offered = crate::languages::Offered::of(&tenant);
    let chosen = match &mail.partner_id {
        Some(partner) => entity::partner::Entity::find_by_id(partner.clone())
            .one(conn)
            .await?
            .and_then(|p| p.language),
        None => None,
    };
    Ok(offered.reads(chosen.as_deref()).to_owned())
}

#[derive(Default)]
pub struct EmailFilter {
    pub kind: Option<EmailKind>,
    pub status: Option<EmailStatus>,
    pub partner_id: Option<String>,
}

/// A tenant's e-mails that `filter` keeps (listed by id: oldest first).
pub fn select(tenant_id: &str, filter: &EmailFilter) -> Select<email::Entity> {
    let mut select = email::Entity::find().filter(email::Column::TenantId.eq(tenant_id));
    if let Some(kind) = filter.kind {
        select = select.filter(email::Column::Kind.eq(kind));
    }
    if let Some(status) = filter.status {
        select = select.filter(email::Column::Status.eq(status));
    }
    if let Some(partner) = &filter.partner_id {
        select = select.filter(email::Column::PartnerId.eq(partner.as_str()));
    }
    select
}

/// How many e-mails of `kind` went to `to` (compared lower-cased) since
/// `since`.
pub async fn sent_to_since(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    to: &str,
    kind: EmailKind,
    since: DateTime<Utc>,
) -> ApiResult<u64> {
    Ok(email::Entity::find()
        .filter(email::Column::TenantId.eq(tenant_id))
        .filter(sea_orm::ExprTrait::eq(
            sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                sea_orm::sea_query::Expr::col(email::Column::ToAddress),
            )),
            to.trim().to_lowercase(),
        ))
        .filter(email::Column::Kind.eq(kind))
        .filter(email::Column::CreatedAt.gte(since))
        .count(conn)
        .await?)
}

/// How many e-mails of `kind` went to `to` (compared lower-cased) since
/// `since` that the network `requested_by` asked for (none: asked for by
/// a caller whose address is not known).
pub async fn sent_to_from_since(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    to: &str,
    kind: EmailKind,
    requested_by: Option<&str>,
    since: DateTime<Utc>,
) -> ApiResult<u64> {
    let by = match requested_by {
        Some(by) => email::Column::RequestedBy.eq(by),
        None => email::Column::RequestedBy.is_null(),
    };
    Ok(email::Entity::find()
        .filter(email::Column::TenantId.eq(tenant_id))
        .filter(sea_orm::ExprTrait::eq(
            sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                sea_orm::sea_query::Expr::col(email::Column::ToAddress),
            )),
            to.trim().to_lowercase(),
        ))
        .filter(email::Column::Kind.eq(kind))
        .filter(by)
        .filter(email::Column::CreatedAt.gte(since))
        .count(conn)
        .await?)
}

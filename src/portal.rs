//! Signing partners in to the portal (SPEC §18), with nothing but a link:
//!
//! - **A one-time link** (`createPartnerPortalLink`): the brand's backend
//!   or an admin makes one for a partner; it carries a 256-bit random code
//!   (only its SHA-256 is stored) valid for `ttlMinutes`. The portal
//!   exchanges it once (`redeemPortalLink`, the one mutation a request
//!   without a token may run) for a **session** and its first token. A
//!   spent, expired or unknown code is refused with a message that says so.
//! - **Session tokens** are partner tokens of [`SESSION_TOKEN_MINUTES`],
//!   renewed by the page while it is open (`renewPortalSession`) until the
//!   session's longest life, [`SESSION_HOURS`]; signing out ends the
//!   session (its last token lives out its minutes). Their `sub` names the
//!   session: `portal:{sessionId}`.
//! - **Embed tokens** (`createPartnerEmbedToken`): a partner token the
//!   brand hands its own app to show the portal's pages (at most
//!   [`MAX_EMBED_MINUTES`], as Dub's three-hour embed tokens), not renewed.
//!
//! Tokens are minted with the server's own key, so they are checked like
//! any other; a server that verifies with a public key alone cannot mint
//! and says so.

use crate::auth::Principal;
use crate::auth::jwt::{Claims, Keys};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::mail;
use crate::sign_in::{self, can_mint, check_minutes, not_valid};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{EmailKind, PartnerStatus};
use entity::{partner, portal_link, portal_session};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use crate::sign_in::{MAX_LINK_MINUTES, SESSION_HOURS, SESSION_TOKEN_MINUTES};
/// The longest an embed token lives.
pub const MAX_EMBED_MINUTES: i32 = 180;

/// A link made for a partner: its code (shown once) and until when.
pub struct IssuedLink {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// A token for a partner and until when it is good.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub partner: partner::Model,
}

/// A partner of the tenant that may sign in (`input.partnerId` names none
/// otherwise; an archived partner is refused).
async fn signing_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<partner::Model> {
    let partner = partner::Entity::find_by_id(partner_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("partnerId", "names no partner of the tenant"))?;
    if partner.status == PartnerStatus::Archived {
        return Err(ApiError::Conflict(
            "the partner is archived: it cannot sign in".into(),
        ));
    }
    Ok(partner)
}

/// Makes a one-time link for a partner, by `actor`.
pub async fn create_link(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    ttl_minutes: i32,
) -> ApiResult<IssuedLink> {
    let minutes = check_minutes("ttlMinutes", ttl_minutes, MAX_LINK_MINUTES)?;
    db.transaction(|txn| {
        Box::pin(async move {
            signing_in(&*txn, tenant_id, partner_id).await?;
            issue_link(&*txn, keys, tenant_id, actor, partner_id, minutes).await
        })
    })
    .await
}

/// Writes a one-time link for a partner known to be able to sign in, in
/// the caller's transaction (an e-mail carries it).
pub async fn issue_link(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    minutes: i64,
) -> ApiResult<IssuedLink> {
    can_mint(keys)?;
    let (code, code_hash) = sign_in::new_code()?;
    let now = crate::db::now();
    let expires_at = now + Duration::minutes(minutes);
    portal_link::Entity::insert(portal_link::ActiveModel {
        code_hash: Set(code_hash),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        redeemed_at: Set(None),
        session_id: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(IssuedLink { code, expires_at })
}

/// The portal's path that spends a link's code.
pub fn link_path(code: &str) -> String {
    format!("/portal/#code={code}")
}

/// How long an e-mailed sign-in link waits to be used.
pub const EMAILED_LINK_MINUTES: i64 = 15;
/// An anonymous address asks for at most this many sign-in links an hour.
pub const SIGN_INS_PER_HOUR: u64 = 5;
/// An e-mail address is sent at most this many sign-in links a day.
pub const SIGN_INS_PER_DAY: u64 = 3;

/// `requestPortalSignIn`: e-mails a one-time link to the active partner of
/// the tenant with this address, if there is one and neither the caller's
/// address (`requested_by`, its keyed hash) nor the e-mail address is past
/// its limit. The caller hears the same whatever happened.
pub async fn request_sign_in(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    email: &str,
    requested_by: Option<String>,
) -> ApiResult<()> {
    if !keys.can_mint() {
        return Ok(());
    }
    let address = email.trim().to_lowercase();
    db.transaction(|txn| {
        let (address, requested_by) = (address.clone(), requested_by.clone());
        Box::pin(async move {
            let conn = &*txn;
            let hour_ago = crate::db::now() - Duration::hours(1);
            let day_ago = crate::db::now() - Duration::days(1);
            if let Some(by) = &requested_by
                && mail::outbox::requested_since(conn, tenant_id, by, hour_ago).await?
                    >= SIGN_INS_PER_HOUR
            {
                return Ok(());
            }
            let Some(partner) = partner::Entity::find()
                .filter(partner::Column::TenantId.eq(tenant_id))
                .filter(partner::Column::Status.eq(PartnerStatus::Active))
                .filter(sea_orm::ExprTrait::eq(
                    Expr::expr(Func::lower(Expr::col(partner::Column::Email))),
                    address.as_str(),
                ))
                .one(conn)
                .await?
            else {
                return Ok(());
            };
            let to = partner.email.clone().unwrap_or_default();
            let sent =
                mail::outbox::sent_to_since(conn, tenant_id, &to, EmailKind::PortalSignIn, day_ago)
                    .await?;
            if sent >= SIGN_INS_PER_DAY {
                return Ok(());
            }
            let link = issue_link(
                conn,
                keys,
                tenant_id,
                "portal:sign-in",
                &partner.id,
                EMAILED_LINK_MINUTES,
            )
            .await?;
            mail::queue(
                conn,
                mail::Mail {
                    tenant_id: tenant_id.to_owned(),
                    partner_id: Some(partner.id.clone()),
                    to,
                    content: mail::Content::PortalSignIn {
                        name: partner.name.clone(),
                        link: link_path(&link.code),
                        minutes: EMAILED_LINK_MINUTES,
                    },
                    dedupe_key: None,
                    requested_by,
                    suppressed: false,
                },
            )
            .await
        })
    })
    .await
}

/// Spends a link's code: a new session and its first token.
pub async fn redeem(
    db: &Db,
    keys: &Keys,
    code: &str,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<Issued> {
    can_mint(keys)?;
    let code_hash = sign_in::hash(code);
    let now = crate::db::now();
    let (session, partner) = db
        .transaction(|txn| {
            let code_hash = code_hash.clone();
            Box::pin(async move {
                let link =
                    sign_in::spendable::<portal_link::Entity>(&*txn, &code_hash, now).await?;
                // A partner gone since the link was made: the link is no
                // longer valid. An archived one is told so; a database error
                // stays one (the link is not spent).
                let partner = signing_in(&*txn, &link.tenant_id, &link.partner_id)
                    .await
                    .map_err(|err| match err {
                        ApiError::BadInput { .. } => not_valid(),
                        other => other,
                    })?;
                // The address signed in from, as the tenant's clicks keep
                // addresses (a keyed hash): a click from it on the
                // partner's own link is a self-referral (SPEC §21).
                let ip_hash = match ip {
                    Some(ip) => Some(
                        crate::attribution::clicks::hashed(&*txn, &link.tenant_id, &ip.to_string())
                            .await?,
                    ),
                    None => None,
                };
                let session = portal_session::Model {
                    id: crate::input::new_id(),
                    tenant_id: link.tenant_id.clone(),
                    partner_id: link.partner_id.clone(),
                    started_at: now,
                    expires_at: now + Duration::hours(SESSION_HOURS),
                    ended_at: None,
                    ip_hash,
                };
                portal_session::Entity::insert(portal_session::ActiveModel::from(session.clone()))
                    .exec_without_returning(&*txn)
                    .await?;
                sign_in::spend::<portal_link::Entity>(&*txn, &code_hash, &session.id, now).await?;
                Ok((session, partner))
            })
        })
        .await?;
    session_token(keys, &session, partner, now)
}

/// The session a portal token names, if it is one.
fn session_of(principal: &Principal) -> Option<&str> {
    principal.subject.strip_prefix("portal:")
}

/// A new token for the session of the caller's portal token, while the
/// session is open and not past its longest life.
pub async fn renew(db: &Db, keys: &Keys, principal: &Principal) -> ApiResult<Issued> {
    can_mint(keys)?;
    let not_renewable = || {
        ApiError::Forbidden("only an open portal session's token is renewed: sign in again".into())
    };
    let session_id = session_of(principal).ok_or_else(not_renewable)?;
    let now = crate::db::now();
    let conn = db.conn();
    let session = sign_in::open::<portal_session::Entity>(conn, principal.tenant_id(), session_id)
        .await?
        .ok_or_else(not_renewable)?;
    let partner = signing_in(conn, &session.tenant_id, &session.partner_id)
        .await
        .map_err(|_| not_renewable())?;
    session_token(keys, &session, partner, now)
}

/// Signs out: the caller's portal session ends (answers whether it was open).
pub async fn end(db: &Db, principal: &Principal) -> ApiResult<bool> {
    let Some(session_id) = session_of(principal) else {
        return Ok(false);
    };
    sign_in::end::<portal_session::Entity>(db, principal.tenant_id(), session_id).await
}

fn session_token(
    keys: &Keys,
    session: &portal_session::Model,
    partner: partner::Model,
    now: DateTime<Utc>,
) -> ApiResult<Issued> {
    let expires_at = sign_in::token_expiry(now, session.expires_at);
    let token = mint(
        keys,
        &format!("portal:{}", session.id),
        &partner,
        expires_at,
    )?;
    Ok(Issued {
        token,
        expires_at,
        partner,
    })
}

fn mint(
    keys: &Keys,
    subject: &str,
    partner: &partner::Model,
    expires_at: DateTime<Utc>,
) -> ApiResult<String> {
    let now = crate::auth::jwt::now_seconds();
    let claims = Claims {
        sub: subject.to_owned(),
        tenant_id: partner.tenant_id.clone(),
        role: "partner".into(),
        partner_id: Some(partner.id.clone()),
        scope: None,
        exp: expires_at.timestamp().max(0) as u64,
        iat: Some(now),
        nbf: None,
        iss: None,
        aud: None,
        sid: None,
    };
    keys.mint(&claims)
        .map_err(|e| ApiError::internal("minting a portal token", e.to_string()))
}

/// A partner token for a brand's own app to embed the portal's pages.
pub async fn embed_token(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    partner_id: &str,
    ttl_minutes: i32,
) -> ApiResult<Issued> {
    can_mint(keys)?;
    let minutes = check_minutes("ttlMinutes", ttl_minutes, MAX_EMBED_MINUTES)?;
    let partner = signing_in(db.conn(), tenant_id, partner_id).await?;
    let expires_at = crate::db::now() + Duration::minutes(minutes);
    let token = mint(
        keys,
        &format!("embed:{}", crate::input::new_id()),
        &partner,
        expires_at,
    )?;
    Ok(Issued {
        token,
        expires_at,
        partner,
    })
}

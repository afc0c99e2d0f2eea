//! Signing the brand's staff in to the console (SPEC §24), as partners
//! sign in to the portal ([`crate::portal`]) but for a person:
//!
//! - **A one-time link** (`createStaffSignInLink`, an admin's; or
//!   `revshare staff-link` on the server, which a fresh install uses
//!   first) names an e-mail address and a role, `admin` or `viewer`. The
//!   console spends it once (`redeemStaffSignInLink`, run without a token)
//!   for a **session** of [`SESSION_HOURS`] and its first token.
//! - **Session tokens** live [`SESSION_TOKEN_MINUTES`] and are renewed by
//!   the console while the session is open. Their `sub` is the person's
//!   e-mail, so the ledger's history names who approved or paid; their
//!   `role` is the session's; their `sid` names the session, and a request
//!   with such a token is served only while the session is open: signing
//!   out (`endStaffSession`) ends its tokens at once.
//! - **A viewer** reads everything an admin reads and writes nothing: the
//!   HTTP layer refuses its every mutation but renewing and ending its
//!   own session, and its principal holds no write scope.
//!
//! There is no list of staff: a link is the invitation, made by an admin
//! (or whoever holds the server's command line) for an address.

use crate::activity::{self, Actor, ActorKind};
use crate::auth::jwt::{Claims, Keys};
use crate::auth::{Principal, Role};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::sign_in::{self, can_mint, check_minutes};
use chrono::{DateTime, Duration, Utc};
use entity::{staff_link, staff_session};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

pub use crate::sign_in::{MAX_LINK_MINUTES, SESSION_HOURS, SESSION_TOKEN_MINUTES};

/// What a staff session may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    /// Everything an admin token does.
    Admin,
    /// Reads everything an admin reads; writes nothing.
    Viewer,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<StaffRole> {
        match text {
            "admin" => Some(StaffRole::Admin),
            "viewer" => Some(StaffRole::Viewer),
            _ => None,
        }
    }

    fn role(self) -> Role {
        match self {
            StaffRole::Admin => Role::Admin,
            StaffRole::Viewer => Role::Viewer,
        }
    }
}

/// A link made for a person: its code (shown once) and until when.
pub struct IssuedLink {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// A session's token and until when it is good.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub email: String,
    pub role: StaffRole,
}

/// The console's path that spends a link's code.
pub fn link_path(code: &str) -> String {
    format!("/admin/#code={code}")
}

/// Makes a one-time link signing `email` in as `role`, by `actor`; 1 to
/// [`MAX_LINK_MINUTES`] minutes. Errors name `input.email` and
/// `input.ttlMinutes`.
pub async fn create_link(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    email: &str,
    role: StaffRole,
    ttl_minutes: i32,
) -> ApiResult<IssuedLink> {
    can_mint(keys)?;
    let email = crate::input::optional_email("input.email", Some(email))?
        .ok_or_else(|| ApiError::bad_input("input.email", "must be an e-mail address"))?
        .to_lowercase();
    let minutes = check_minutes("input.ttlMinutes", ttl_minutes, MAX_LINK_MINUTES)?;
    let (code, code_hash) = sign_in::new_code()?;
    let now = crate::db::now();
    let expires_at = now + Duration::minutes(minutes);
    let tenant = crate::tenants::find(db.conn(), tenant_id).await?;
    if tenant.is_none() {
        return Err(ApiError::bad_input("tenant", "names no tenant"));
    }
    let link = staff_link::ActiveModel {
        code_hash: Set(code_hash),
        tenant_id: Set(tenant_id.to_owned()),
        email: Set(email.clone()),
        role: Set(role.as_str().to_owned()),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        redeemed_at: Set(None),
        session_id: Set(None),
    };
    // In a transaction: the activity log records who was let in, and as
    // what (never the code).
    db.transaction(|txn| {
        let (link, email) = (link.clone(), email.clone());
        Box::pin(async move {
            staff_link::Entity::insert(link)
                .exec_without_returning(&*txn)
                .await?;
            activity::changed([
                ("email", None, Some(email)),
                ("role", None, Some(role.as_str().to_owned())),
            ]);
            Ok(())
        })
    })
    .await?;
    Ok(IssuedLink { code, expires_at })
}

/// Spends a link's code: a new session and its first token.
pub async fn redeem(db: &Db, keys: &Keys, code: &str) -> ApiResult<Issued> {
    can_mint(keys)?;
    let code_hash = sign_in::hash(code);
    let now = crate::db::now();
    let session = db
        .transaction(|txn| {
            let code_hash = code_hash.clone();
            Box::pin(async move {
                let link = sign_in::spendable::<staff_link::Entity>(&*txn, &code_hash, now).await?;
                let session = staff_session::Model {
                    id: crate::input::new_id(),
                    tenant_id: link.tenant_id.clone(),
                    email: link.email.clone(),
                    role: link.role.clone(),
                    started_at: now,
                    expires_at: now + Duration::hours(SESSION_HOURS),
                    ended_at: None,
                };
                staff_session::Entity::insert(staff_session::ActiveModel::from(session.clone()))
                    .exec_without_returning(&*txn)
                    .await?;
                sign_in::spend::<staff_link::Entity>(&*txn, &code_hash, &session.id, now).await?;
                // Signed in: the activity log learns who (SPEC §34).
                let actor = Actor::new(ActorKind::Staff, &session.email, &session.email);
                activity::acted_by(&session.tenant_id, actor);
                activity::on("Tenant", &session.tenant_id);
                Ok(session)
            })
        })
        .await?;
    session_token(keys, &session, now)
}

/// Whether a staff token's session is still open (a request with it is
/// served only then).
pub async fn is_open(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    session_id: &str,
) -> ApiResult<bool> {
    let open = sign_in::open::<staff_session::Entity>(conn, tenant_id, session_id).await?;
    Ok(open.is_some())
}

/// A new token for the caller's console session, while it is open and not
/// past its longest life.
pub async fn renew(db: &Db, keys: &Keys, principal: &Principal) -> ApiResult<Issued> {
    can_mint(keys)?;
    let not_renewable = || {
        ApiError::Forbidden("only an open console session's token is renewed: sign in again".into())
    };
    let session_id = principal.session.as_deref().ok_or_else(not_renewable)?;
    let session =
        sign_in::open::<staff_session::Entity>(db.conn(), principal.tenant_id(), session_id)
            .await?
            .ok_or_else(not_renewable)?;
    session_token(keys, &session, crate::db::now())
}

/// Signs out: the caller's console session ends, and with it every token
/// it gave (answers whether it was open).
pub async fn end(db: &Db, principal: &Principal) -> ApiResult<bool> {
    let Some(session_id) = principal.session.as_deref() else {
        return Ok(false);
    };
    sign_in::end::<staff_session::Entity>(db, principal.tenant_id(), session_id).await
}

fn session_token(
    keys: &Keys,
    session: &staff_session::Model,
    now: DateTime<Utc>,
) -> ApiResult<Issued> {
    let role = StaffRole::parse(&session.role)
        .ok_or_else(|| ApiError::internal("a staff session's role", session.role.clone()))?;
    let expires_at = sign_in::token_expiry(now, session.expires_at);
    let claims = Claims {
        sub: session.email.clone(),
        tenant_id: session.tenant_id.clone(),
        role: role.role().as_str().into(),
        partner_id: None,
        scope: None,
        exp: expires_at.timestamp().max(0) as u64,
        iat: Some(crate::auth::jwt::now_seconds()),
        nbf: None,
        iss: None,
        aud: None,
        sid: Some(session.id.clone()),
    };
    let token = keys
        .mint(&claims)
        .map_err(|e| ApiError::internal("minting a staff token", e.to_string()))?;
    Ok(Issued {
        token,
        expires_at,
        email: session.email.clone(),
        role,
    })
}

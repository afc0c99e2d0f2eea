//! What the portal's and the console's sign-ins share ([`crate::portal`],
//! [`crate::staff`]): a one-time link's code — 256 random bits, of which
//! only the SHA-256 is stored — the bounds of a link's life, spending a
//! link once ([`spendable`], [`spend`]), a session's life and its end
//! ([`open`], [`end`], [`token_expiry`]), and the refusal of a server
//! that cannot mint the tokens a link is exchanged for. Each sign-in keeps
//! its own tables (a partner's session is not a person's) and its own
//! token; what a link and a session are is said once, here.

use crate::auth::jwt::Keys;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sha2::Digest;

/// A session token's life; the page renews it before it ends.
pub const SESSION_TOKEN_MINUTES: i64 = 15;
/// A session's longest life, however often its token is renewed.
pub const SESSION_HOURS: i64 = 12;
/// The longest a sign-in link may wait to be used: a week.
pub const MAX_LINK_MINUTES: i32 = 7 * 24 * 60;

/// `minutes` if it is 1 to `max`; else an error naming `field`.
pub fn check_minutes(field: &str, minutes: i32, max: i32) -> ApiResult<i64> {
    if !(1..=max).contains(&minutes) {
        return Err(ApiError::bad_input(
            field,
            format!("must be 1 to {max} minutes"),
        ));
    }
    Ok(minutes.into())
}

/// Refuses when the server verifies tokens with a public key alone.
pub fn can_mint(keys: &Keys) -> ApiResult<()> {
    match keys.can_mint() {
        true => Ok(()),
        false => Err(ApiError::Conflict(
            "this server verifies tokens with a public key alone and cannot sign anyone in: \
             give it REVSHARE_JWT_PRIVATE_KEY (or a REVSHARE_JWT_SECRET)"
                .into(),
        )),
    }
}

/// A new link's code and the hash it is stored by.
pub fn new_code() -> ApiResult<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("randomness", e))?;
    let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hashed = hash(&code);
    Ok((code, hashed))
}

/// The hash a code is stored and looked up by (hex SHA-256).
pub fn hash(code: &str) -> String {
    sha2::Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A link that names no open link.
pub fn not_valid() -> ApiError {
    ApiError::NotFound("this sign-in link is not valid: ask for a new one".into())
}

/// A link spent already.
pub fn spent() -> ApiError {
    ApiError::Conflict("this sign-in link was already used: ask for a new one".into())
}

/// A link past its time.
pub fn expired(at: chrono::DateTime<chrono::Utc>) -> ApiError {
    ApiError::Conflict(format!(
        "this sign-in link expired at {}: ask for a new one",
        at.format("%Y-%m-%d %H:%M UTC")
    ))
}

/// A table of one-time links: what spending one reads and writes.
pub trait LinkTable: EntityTrait {
    const CODE_HASH: Self::Column;
    const REDEEMED_AT: Self::Column;
    const SESSION_ID: Self::Column;

    /// When the link was spent, if it was.
    fn redeemed_at(link: &Self::Model) -> Option<DateTime<Utc>>;
    /// Until when it may be spent.
    fn expires_at(link: &Self::Model) -> DateTime<Utc>;
}

/// The link `code_hash` names, while it may be spent at `now`: an unknown,
/// a spent and an expired one are each refused as what they are.
pub async fn spendable<L: LinkTable>(
    conn: &impl ConnectionTrait,
    code_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<L::Model> {
    let link = L::find()
        .filter(L::CODE_HASH.eq(code_hash))
        .one(conn)
        .await?
        .ok_or_else(not_valid)?;
    if L::redeemed_at(&link).is_some() {
        return Err(spent());
    }
    if L::expires_at(&link) <= now {
        return Err(expired(L::expires_at(&link)));
    }
    Ok(link)
}

/// Spends the link for `session_id`, once: a second redemption racing
/// this one finds it spent and writes nothing.
pub async fn spend<L: LinkTable>(
    conn: &impl ConnectionTrait,
    code_hash: &str,
    session_id: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let spent_now = L::update_many()
        .col_expr(L::REDEEMED_AT, Expr::value(now))
        .col_expr(L::SESSION_ID, Expr::value(session_id))
        .filter(L::CODE_HASH.eq(code_hash))
        .filter(L::REDEEMED_AT.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    match spent_now {
        1 => Ok(()),
        _ => Err(spent()),
    }
}

/// A table of sessions a link opened.
pub trait SessionTable: EntityTrait {
    const ID: Self::Column;
    const TENANT_ID: Self::Column;
    const EXPIRES_AT: Self::Column;
    const ENDED_AT: Self::Column;
}

/// The tenant's session `session_id` while it is open: not ended, not
/// past its longest life.
pub async fn open<S: SessionTable>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    session_id: &str,
) -> ApiResult<Option<S::Model>> {
    Ok(S::find()
        .filter(S::ID.eq(session_id))
        .filter(S::TENANT_ID.eq(tenant_id))
        .filter(S::ENDED_AT.is_null())
        .filter(S::EXPIRES_AT.gt(crate::db::now()))
        .one(conn)
        .await?)
}

/// Of `ids`, the sessions still open: not ended, not past their longest
/// life (any tenant's: ids are unique).
pub async fn open_among<S: SessionTable>(
    conn: &impl ConnectionTrait,
    ids: &[String],
) -> ApiResult<Vec<String>>
where
    S::Model: Send + Sync,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(S::find()
        .select_only()
        .column(S::ID)
        .filter(S::ID.is_in(ids.iter().map(String::as_str)))
        .filter(S::ENDED_AT.is_null())
        .filter(S::EXPIRES_AT.gt(crate::db::now()))
        .into_tuple::<String>()
        .all(conn)
        .await?)
}

/// Signs out: the session ends (answers whether it was open).
pub async fn end<S: SessionTable>(db: &Db, tenant_id: &str, session_id: &str) -> ApiResult<bool> {
    // A transaction of its own: signing out is an act the activity log
    // records (SPEC §34), in the same commit.
    let ended = db
        .transaction(|txn| {
            Box::pin(async move {
                Ok(S::update_many()
                    .col_expr(S::ENDED_AT, Expr::value(crate::db::now()))
                    .filter(S::ID.eq(session_id))
                    .filter(S::TENANT_ID.eq(tenant_id))
                    .filter(S::ENDED_AT.is_null())
                    .exec(&*txn)
                    .await?
                    .rows_affected)
            })
        })
        .await?;
    Ok(ended == 1)
}

/// Until when a session's token, minted at `now`, is good: its minutes,
/// never past the session's own end.
pub fn token_expiry(now: DateTime<Utc>, session_ends: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::minutes(SESSION_TOKEN_MINUTES)).min(session_ends)
}

macro_rules! link_table {
    ($entity:ident) => {
        impl LinkTable for entity::$entity::Entity {
            const CODE_HASH: Self::Column = entity::$entity::Column::CodeHash;
            const REDEEMED_AT: Self::Column = entity::$entity::Column::RedeemedAt;
            const SESSION_ID: Self::Column = entity::$entity::Column::SessionId;

            fn redeemed_at(link: &Self::Model) -> Option<DateTime<Utc>> {
                link.redeemed_at
            }

            fn expires_at(link: &Self::Model) -> DateTime<Utc> {
                link.expires_at
            }
        }
    };
}

macro_rules! session_table {
    ($entity:ident) => {
        impl SessionTable for entity::$entity::Entity {
            const ID: Self::Column = entity::$entity::Column::Id;
            const TENANT_ID: Self::Column = entity::$entity::Column::TenantId;
            const EXPIRES_AT: Self::Column = entity::$entity::Column::ExpiresAt;
            const ENDED_AT: Self::Column = entity::$entity::Column::EndedAt;
        }
    };
}

link_table!(portal_link);
link_table!(staff_link);
session_table!(portal_session);
session_table!(staff_session);

//! What the portal's and the console's sign-ins share ([`crate::portal`],
//! [`crate::staff`]): a one-time link's code — 256 random bits, of which
//! only the SHA-256 is stored — the bounds of a link's life, and the
//! refusal of a server that cannot mint the tokens a link is exchanged for.

use crate::auth::jwt::Keys;
use crate::error::{ApiError, ApiResult};
use base64::Engine;
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

//! Standard Webhooks 1.0 signatures: a secret is `whsec_` and the base64 of
//! a random key; a delivery carries `webhook-id`, `webhook-timestamp` (unix
//! seconds) and `webhook-signature: v1,<base64(HMAC-SHA256(key,
//! "{id}.{timestamp}.{body}"))>`, several space-separated while a rotated
//! secret is still honoured.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a secret.
pub const PREFIX: &str = "whsec_";

/// A new secret: 24 random bytes.
pub fn new_secret() -> Result<String, String> {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key).map_err(|e| format!("no randomness: {e}"))?;
    Ok(format!("{PREFIX}{}", STANDARD.encode(key)))
}

/// `v1,<signature>` of a delivery, with `secret`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn the_specifications_example_signs_as_published() {
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                "{\"test\": 2432232314}",
            )
            .as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_new_secret_signs() {
        let secret = new_secret().unwrap();
        assert!(secret.starts_with(PREFIX));
        assert!(sign(&secret, "id", 1, "{}").is_some());
        assert_eq!(sign("not-a-secret", "id", 1, "{}"), None);
    }
}

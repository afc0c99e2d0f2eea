//! A provider's signature header: `t=…,v1=…` (Stripe) or `ts=…;h1=…`
//! (Paddle), HMAC-SHA256 of the timestamp and the raw body with any
//! configured secret, within a tolerance of now.

use super::Refused;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A provider's signature check: a header, the raw body, the secrets,
/// now (unix seconds).
pub(super) type Verify = fn(&str, &[u8], &[String], i64) -> Result<(), Refused>;

/// How far a signature's timestamp may be from now, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// A provider's signature header, parsed: its timestamp and its
/// signatures (hex, decoded).
pub struct Signed {
    pub timestamp: Option<i64>,
    pub signatures: Vec<Vec<u8>>,
}

impl Signed {
    /// Reads `header`'s `separator`-separated `key=value` parts: the
    /// timestamp under `time`, the signatures under `signature`.
    pub fn parse(header: &str, separator: char, time: &str, signature: &str) -> Signed {
        let mut signed = Signed {
            timestamp: None,
            signatures: Vec::new(),
        };
        for part in header.split(separator) {
            match part.trim().split_once('=') {
                Some((key, value)) if key == time => signed.timestamp = value.parse().ok(),
                Some((key, value)) if key == signature => signed.signatures.extend(hex(value)),
                _ => {}
            }
        }
        signed
    }

    /// Passes when the timestamp is within the tolerance of `now` and a
    /// signature is HMAC-SHA256, keyed with any of `secrets`, of the
    /// timestamp, `joint` and `body` (compared in constant time).
    pub fn verify(
        &self,
        joint: char,
        body: &[u8],
        secrets: &[String],
        now: i64,
    ) -> Result<(), Refused> {
        let timestamp = self.timestamp.ok_or(Refused::Signature("no timestamp"))?;
        if self.signatures.is_empty() {
            return Err(Refused::Signature("no signature"));
        }
        if (now - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(Refused::Signature("timestamp outside the tolerance"));
        }
        for secret in secrets {
            for signature in &self.signatures {
                let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
                    continue;
                };
                mac.update(format!("{timestamp}{joint}").as_bytes());
                mac.update(body);
                if mac.verify_slice(signature).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(Refused::Signature("no signature matches"))
    }
}

/// Hex digits as bytes (a signature).
fn hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

//! Personal data kept encrypted at rest: a partner's tax id is sealed with
//! AES-256-GCM under the operator's data key (`REVSHARE_DATA_KEY`, 32
//! bytes in base64), bound to its tenant and partner so that a sealed
//! value copied onto another row does not open. Nothing in revshare opens
//! one on a request's path: the API answers the last four characters,
//! kept beside it; [`DataKey::open`] exists for the operator's own
//! exports and for the tests that prove the value is recoverable.
//!
//! The stored form is `v1.<key id>.<base64 of nonce, ciphertext, tag>`,
//! where the key id is the first 8 hex digits of the key's SHA-256: a row
//! sealed under another key says so instead of failing to open.
//!
//! In development mode (no JWT key configured) a key is generated once
//! into the data directory, like the development JWT secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::Digest;
use std::path::Path;
use std::sync::Arc;

/// The key personal data is sealed with.
#[derive(Clone)]
pub struct DataKey {
    key: Arc<LessSafeKey>,
    /// For keyed hashes: derived from the key, never the key itself.
    mac: ring::hmac::Key,
    id: String,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

/// Why a sealed value did not open.
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    /// Sealed under another key (its id).
    OtherKey(String),
    /// Not a sealed value, or tampered with, or bound to another row.
    Corrupt,
}

const VERSION: &str = "v1";

impl DataKey {
    /// A key from its base64 text (`REVSHARE_DATA_KEY`): 32 bytes.
    pub fn from_base64(text: &str) -> Result<DataKey, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "REVSHARE_DATA_KEY must be base64 (openssl rand -base64 32)".to_owned())?;
        DataKey::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<DataKey, String> {
        if bytes.len() != 32 {
            return Err(format!(
                "REVSHARE_DATA_KEY must hold 32 bytes, not {} (openssl rand -base64 32)",
                bytes.len()
            ));
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| "unusable key".to_owned())?;
        let digest = sha2::Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let mut derived = sha2::Sha256::new();
        derived.update(b"revshare keyed hash/");
        derived.update(bytes);
        Ok(DataKey {
            key: Arc::new(LessSafeKey::new(unbound)),
            mac: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &derived.finalize()),
            id,
        })
    }

    /// A key made now, for one process (tests).
    pub fn generate() -> DataKey {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system has randomness");
        DataKey::from_bytes(&bytes).expect("32 bytes")
    }

    /// The development key in `data_dir/data-key`, created on first use.
    pub fn development(data_dir: &Path) -> Result<DataKey, String> {
        let path = data_dir.join("data-key");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            return DataKey::from_base64(&existing).map_err(|e| format!("{}: {e}", path.display()));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        crate::auth::jwt::write_private(&path, &STANDARD.encode(bytes))
            .map_err(|e| e.to_string())?;
        DataKey::from_bytes(&bytes)
    }

    /// A keyed hash of `text`: 20 upper-case hex digits (80 bits), the
    /// same for the same text under the same key and unguessable without
    /// it — what makes two partners' equal tax ids one payee without
    /// keeping either in clear (and fits a 1099's account number).
    pub fn keyed_hash(&self, text: &str) -> String {
        let tag = ring::hmac::sign(&self.mac, text.as_bytes());
        tag.as_ref()[..10]
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// `plain`, sealed for the row `binding` names (`tenant/partner`).
    pub fn seal(&self, binding: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the system has randomness");
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(binding.as_bytes()),
                &mut data,
            )
            .expect("AES-GCM seals any text under 64 GiB");
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&data);
        format!("{VERSION}.{}.{}", self.id, STANDARD.encode(stored))
    }

    /// What [`DataKey::seal`] sealed for `binding`.
    pub fn open(&self, binding: &str, sealed: &str) -> Result<String, OpenError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Corrupt);
        };
        if id != self.id {
            return Err(OpenError::OtherKey(id.to_owned()));
        }
        let bytes = STANDARD.decode(body).map_err(|_| OpenError::Corrupt)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Corrupt);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Corrupt)?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(binding.as_bytes()), &mut data)
            .map_err(|_| OpenError::Corrupt)?;
        String::from_utf8(plain.to_vec()).map_err(|_| OpenError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_row_and_key() {
        let key = DataKey::generate();
        let sealed = key.seal("acme/P1", "123-45-6789");
        assert!(!sealed.contains("6789"));
        assert!(sealed.starts_with(&format!("v1.{}.", key.id)));
        assert_eq!(key.open("acme/P1", &sealed).unwrap(), "123-45-6789");
        assert_eq!(key.open("acme/P2", &sealed), Err(OpenError::Corrupt));
        let other = DataKey::generate();
        assert_eq!(
            other.open("acme/P1", &sealed),
            Err(OpenError::OtherKey(key.id.clone()))
        );
        // Two seals of one value differ (a nonce each).
        assert_ne!(key.seal("acme/P1", "123-45-6789"), sealed);
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64() {
        assert!(DataKey::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(
            DataKey::from_base64(&STANDARD.encode([7u8; 16]))
                .unwrap_err()
                .contains("32 bytes")
        );
        assert!(
            DataKey::from_base64("not base64!")
                .unwrap_err()
                .contains("base64")
        );
    }
}

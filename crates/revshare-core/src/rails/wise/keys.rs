//! Wise's keys: the public keys Wise signs its webhooks with
//! (`X-Signature-SHA256`: RSA-SHA256 of the body, base64), as Wise
//! publishes them for production and for its sandbox, or one a rail gives
//! instead; and the private key a funding Wise wants approved is signed
//! with (SCA: the one-time token of its `x-2fa-approval`, as `X-Signature`).

use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};

/// The key Wise signs production webhooks with (docs.wise.com, "Event
/// handling").
pub const PRODUCTION: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvO8vXV+JksBzZAY6GhSO
XdoTCfhXaaiZ+qAbtaDBiu2AGkGVpmEygFmWP4Li9m5+Ni85BhVvZOodM9epgW3F
bA5Q1SexvAF1PPjX4JpMstak/QhAgl1qMSqEevL8cmUeTgcMuVWCJmlge9h7B1CS
D4rtlimGZozG39rUBDg6Qt2K+P4wBfLblL0k4C4YUdLnpGYEDIth+i8XsRpFlogx
CAFyH9+knYsDbR43UJ9shtc42Ybd40Afihj8KnYKXzchyQ42aC8aZ/h5hyZ28yVy
Oj3Vos0VdBIs/gAyJ/4yyQFCXYte64I7ssrlbGRaco4nKF3HmaNhxwyKyJafz19e
HwIDAQAB
-----END PUBLIC KEY-----";

/// The key Wise signs its sandbox's webhooks with.
pub const SANDBOX: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwpb91cEYuyJNQepZAVfP
ZIlPZfNUefH+n6w9SW3fykqKu938cR7WadQv87oF2VuT+fDt7kqeRziTmPSUhqPU
ys/V2Q1rlfJuXbE+Gga37t7zwd0egQ+KyOEHQOpcTwKmtZ81ieGHynAQzsn1We3j
wt760MsCPJ7GMT141ByQM+yW1Bx+4SG3IGjXWyqOWrcXsxAvIXkpUD/jK/L958Cg
nZEgz0BSEh0QxYLITnW1lLokSx/dTianWPFEhMC9BgijempgNXHNfcVirg1lPSyg
z7KqoKUN0oHqWLr2U1A+7kqrl6O2nx3CKs1bj1hToT1+p4kcMoHXA7kA+VBLUpEs
VwIDAQAB
-----END PUBLIC KEY-----";

/// The smallest RSA key taken (Wise's own are 2048 bits).
const MIN_BITS: usize = 2048;

/// A PEM public key (`BEGIN PUBLIC KEY`, RSA) as the PKCS#1 form a
/// signature is checked with, or why not.
pub fn public_key(pem: &str) -> Result<Vec<u8>, String> {
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPublicKey::from_public_key_pem(pem.trim())
        .map_err(|_| "is not a PEM RSA public key (-----BEGIN PUBLIC KEY-----)".to_owned())?;
    if key.n().bits() < MIN_BITS {
        return Err(format!("must be an RSA key of at least {MIN_BITS} bits"));
    }
    key.to_pkcs1_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|_| "is not a PEM RSA public key".to_owned())
}

/// A PEM private key (PKCS#8 or PKCS#1, RSA) ready to sign, or why not.
pub fn private_key(pem: &str) -> Result<ring::rsa::KeyPair, String> {
    use rsa::traits::PublicKeyParts;
    let pem = pem.trim();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| "is not a PEM RSA private key".to_owned())?;
    if key.n().bits() < MIN_BITS {
        return Err(format!("must be an RSA key of at least {MIN_BITS} bits"));
    }
    let der = key
        .to_pkcs8_der()
        .map_err(|_| "is not a PEM RSA private key".to_owned())?;
    ring::rsa::KeyPair::from_pkcs8(der.as_bytes())
        .map_err(|_| "is not an RSA private key ring can sign with".to_owned())
}

/// Whether `signature` (base64) is an RSA-SHA256 signature of `body` by
/// the key (PKCS#1 DER).
pub fn verify(key: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(body, &signature)
        .is_ok()
}

/// The one-time token signed (RSA-SHA256, base64), as `X-Signature`.
pub fn sign(key: &ring::rsa::KeyPair, token: &str) -> Result<String, String> {
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        token.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "the SCA key could not sign".to_owned())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wise's own example delivery, signed with its sandbox key.
    const BODY: &str = r#"{"data":{"resource":{"id":49983981,"profile_id":16055450,"account_id":14124090,"type":"transfer"},"current_state":"incoming_payment_waiting","previous_state":null,"occurred_at":"2021-08-23T10:12:50Z"},"subscription_id":"90aa8e14-4ef1-4a56-861c-f3c9cde097ea","event_type":"transfers#state-change","schema_version":"2.0.0","sent_at":"2021-08-23T10:12:50Z"}"#;
    const SIGNATURE: &str = "wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ==";

    #[test]
    fn wise_s_own_example_verifies_with_its_sandbox_key_and_nothing_else() {
        let sandbox = public_key(SANDBOX).unwrap();
        let production = public_key(PRODUCTION).unwrap();
        assert!(verify(&sandbox, BODY.as_bytes(), SIGNATURE));
        assert!(!verify(&production, BODY.as_bytes(), SIGNATURE));
        let altered = BODY.replace("incoming_payment_waiting", "outgoing_payment_sent");
        assert!(!verify(&sandbox, altered.as_bytes(), SIGNATURE));
        assert!(!verify(&sandbox, BODY.as_bytes(), "not base64!"));
    }

    #[test]
    fn keys_of_another_form_are_refused_in_words() {
        assert!(public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
        assert!(private_key(SANDBOX).is_err());
    }
}

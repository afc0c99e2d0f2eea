//! JWT verification and minting. The accepted algorithm comes from
//! configuration, never from the token header: a token whose header names
//! another algorithm (`none`, or HS256 signed with an RSA public key) is
//! refused before its signature is looked at.

use super::{Role, Scope};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub tenant_id: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// The console session a staff token belongs to (OpenID Connect's
    /// session id claim): such a token is served only while its session
    /// is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Verified claims, checked for shape: a known role, a partner id on partner
/// tokens, scopes parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub tenant_id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub scopes: Vec<Scope>,
    /// The token's `exp`, in seconds since the epoch: a WebSocket
    /// connection authenticated by it ends then.
    pub expires_at: u64,
    /// The console session a staff token belongs to (`sid`).
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    Read(String),
    Invalid(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Read(m) | KeyError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for KeyError {}

/// The configured keys: always a verifier, a minter when a private key or
/// secret is at hand.
#[derive(Clone)]
pub struct Keys {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    issuer: Option<String>,
    audience: Option<String>,
    /// Seconds of clock difference allowed on `exp` and `nbf`
    /// (`REVSHARE_JWT_LEEWAY_SECONDS`, 0 by default).
    leeway_seconds: u64,
    /// The secret was generated for development (no key configured).
    pub development: bool,
}

/// What the keys are made from: the `REVSHARE_JWT_*` settings and the data
/// directory (where a development secret is kept).
#[derive(Debug, Clone, Default)]
pub struct KeySettings {
    pub jwt_secret: Option<String>,
    pub jwt_public_key: Option<std::path::PathBuf>,
    pub jwt_private_key: Option<std::path::PathBuf>,
    pub jwt_algorithm: Option<String>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub jwt_leeway_seconds: u64,
    pub data_dir: std::path::PathBuf,
}

impl Keys {
    pub fn hs256(secret: &[u8]) -> Keys {
        Keys {
            algorithm: Algorithm::HS256,
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            issuer: None,
            audience: None,
            leeway_seconds: 0,
            development: false,
        }
    }

    /// An asymmetric verifier (and minter, given the private key).
    pub fn asymmetric(
        algorithm: Algorithm,
        public_pem: &[u8],
        private_pem: Option<&[u8]>,
    ) -> Result<Keys, KeyError> {
        let invalid =
            |e: jsonwebtoken::errors::Error| KeyError::Invalid(format!("invalid key: {e}"));
        let (decoding, encoding) = match algorithm {
            Algorithm::RS256 => (
                DecodingKey::from_rsa_pem(public_pem).map_err(invalid)?,
                private_pem
                    .map(EncodingKey::from_rsa_pem)
                    .transpose()
                    .map_err(invalid)?,
            ),
            Algorithm::ES256 => (
                DecodingKey::from_ec_pem(public_pem).map_err(invalid)?,
                private_pem
                    .map(EncodingKey::from_ec_pem)
                    .transpose()
                    .map_err(invalid)?,
            ),
            Algorithm::EdDSA => (
                DecodingKey::from_ed_pem(public_pem).map_err(invalid)?,
                private_pem
                    .map(EncodingKey::from_ed_pem)
                    .transpose()
                    .map_err(invalid)?,
            ),
            other => {
                return Err(KeyError::Invalid(format!(
                    "{other:?} is not a supported public-key algorithm (RS256, ES256, EdDSA)"
                )));
            }
        };
        Ok(Keys {
            algorithm,
            decoding,
            encoding,
            issuer: None,
            audience: None,
            leeway_seconds: 0,
            development: false,
        })
    }

    pub fn with_issuer(mut self, issuer: Option<String>) -> Keys {
        self.issuer = issuer;
        self
    }

    pub fn with_audience(mut self, audience: Option<String>) -> Keys {
        self.audience = audience;
        self
    }

    pub fn with_leeway(mut self, seconds: u64) -> Keys {
        self.leeway_seconds = seconds;
        self
    }

    /// Keys from configuration. With neither a secret nor a public key, a
    /// development secret is generated once into the data directory.
    pub fn from_config(config: &KeySettings) -> Result<Keys, KeyError> {
        Self::configured(config, true)
    }

    /// Keys for `revshare token`: the configured ones, or the development
    /// secret `revshare serve` keeps — never a new one, which the server
    /// would not have and would refuse every token of.
    pub fn for_minting(config: &KeySettings) -> Result<Keys, KeyError> {
        Self::configured(config, false)
    }

    fn configured(config: &KeySettings, create_development: bool) -> Result<Keys, KeyError> {
        let keys = if let Some(secret) = &config.jwt_secret {
            if secret.len() < 32 {
                return Err(KeyError::Invalid(
                    "REVSHARE_JWT_SECRET must be at least 32 bytes".into(),
                ));
            }
            Keys::hs256(secret.as_bytes())
        } else if let Some(public) = &config.jwt_public_key {
            let algorithm = match config.jwt_algorithm.as_deref().unwrap_or("RS256") {
                "RS256" => Algorithm::RS256,
                "ES256" => Algorithm::ES256,
                "EdDSA" => Algorithm::EdDSA,
                other => {
                    return Err(KeyError::Invalid(format!(
                        "REVSHARE_JWT_ALGORITHM {other} is not one of RS256, ES256, EdDSA"
                    )));
                }
            };
            let public_pem = read(public)?;
            let private_pem = config.jwt_private_key.as_deref().map(read).transpose()?;
            Keys::asymmetric(algorithm, &public_pem, private_pem.as_deref())?
        } else {
            let mut keys = Keys::hs256(&development_secret(&config.data_dir, create_development)?);
            keys.development = true;
            keys
        };
        Ok(keys
            .with_issuer(config.jwt_issuer.clone())
            .with_audience(config.jwt_audience.clone())
            .with_leeway(config.jwt_leeway_seconds))
    }

    /// Verifies a token and checks the shape of its claims. The error text is
    /// safe for the client: it names what was wrong, never a key.
    pub fn verify(&self, token: &str) -> Result<Identity, String> {
        let mut validation = Validation::new(self.algorithm);
        validation.algorithms = vec![self.algorithm];
        validation.leeway = self.leeway_seconds;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &self.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);

        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| describe(e.kind()))?
            .claims;
        let role = Role::parse(&claims.role)
            .ok_or_else(|| "token role must be admin, viewer, partner or service".to_owned())?;
        // Claims end up in queries and in the ledger's history (`sub`):
        // PostgreSQL refuses NUL there, so such a token is refused here.
        let texts = [
            Some(&claims.sub),
            Some(&claims.tenant_id),
            claims.partner_id.as_ref(),
            claims.sid.as_ref(),
        ];
        if texts.into_iter().flatten().any(|t| t.contains('\0')) {
            return Err("token claims must not contain NUL characters".into());
        }
        if claims.tenant_id.is_empty() {
            return Err("token has no tenant_id".into());
        }
        let partner_id = match role {
            Role::Partner => Some(
                claims
                    .partner_id
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| "a partner token needs partner_id".to_owned())?,
            ),
            _ => None,
        };
        let scopes = match role {
            Role::Service => claims
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(Scope::parse)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Identity {
            subject: claims.sub,
            tenant_id: claims.tenant_id,
            role,
            partner_id,
            scopes,
            expires_at: claims.exp,
            // Only staff sign in to the console.
            session: match role {
                Role::Admin | Role::Viewer => claims.sid,
                Role::Partner | Role::Service => None,
            },
        })
    }

    /// Whether these keys can sign tokens (a secret, or a private key).
    pub fn can_mint(&self) -> bool {
        self.encoding.is_some()
    }

    /// Mints a token with the configured key.
    pub fn mint(&self, claims: &Claims) -> Result<String, KeyError> {
        let key = self.encoding.as_ref().ok_or_else(|| {
            KeyError::Invalid("minting needs the private key (REVSHARE_JWT_PRIVATE_KEY)".into())
        })?;
        let mut claims = claims.clone();
        if claims.iss.is_none() {
            claims.iss = self.issuer.clone();
        }
        if claims.aud.is_none() {
            claims.aud = self.audience.clone();
        }
        encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|e| KeyError::Invalid(format!("cannot sign: {e}")))
    }
}

fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "token has expired",
        K::ImmatureSignature => "token is not valid yet",
        K::InvalidSignature => "token signature is invalid",
        K::InvalidAlgorithm | K::InvalidAlgorithmName => "token algorithm is not accepted",
        K::InvalidIssuer => "token issuer is not accepted",
        K::InvalidAudience => "token audience is not accepted",
        K::MissingRequiredClaim(_) => "token lacks a required claim",
        _ => "token is malformed",
    }
    .to_owned()
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|e| KeyError::Read(format!("cannot read {}: {e}", path.display())))
}

/// The development secret in `data_dir/jwt-secret`, created on first use.
fn development_secret(data_dir: &Path, create: bool) -> Result<Vec<u8>, KeyError> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let secret = existing.trim();
        if secret.len() >= 32 {
            return Ok(secret.as_bytes().to_vec());
        }
    }
    if !create {
        return Err(KeyError::Read(format!(
            "no JWT key is configured and there is no development secret at {}: run this \
             where `revshare serve` keeps its data (or set REVSHARE_DATA_DIR / --data-dir to \
             that directory), or give the key the server has (REVSHARE_JWT_SECRET, or \
             REVSHARE_JWT_PUBLIC_KEY with REVSHARE_JWT_PRIVATE_KEY)",
            path.display()
        )));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Invalid(format!("no randomness: {e}")))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(data_dir)
        .map_err(|e| KeyError::Read(format!("cannot create {}: {e}", data_dir.display())))?;
    write_private(&path, &secret)?;
    Ok(secret.into_bytes())
}

/// Writes a file only its owner may read (a secret).
pub fn write_private(path: &Path, contents: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| KeyError::Read(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| KeyError::Read(format!("cannot write {}: {e}", path.display())))
}

/// Seconds since the epoch, for `iat` and `exp`.
pub fn now_seconds() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// Parses a duration like `90s`, `30m`, `1h`, `7d` (or plain seconds).
pub fn parse_ttl(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "invalid duration unit in {text:?} (use s, m, h or d)"
            ));
        }
    };
    n.checked_mul(factor)
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("invalid duration {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(role: &str) -> Claims {
        Claims {
            sub: "someone".into(),
            tenant_id: "t1".into(),
            role: role.into(),
            partner_id: None,
            scope: None,
            exp: now_seconds() + 600,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
            sid: None,
        }
    }

    #[test]
    fn a_minted_token_verifies() {
        let keys = Keys::hs256(b"0123456789abcdef0123456789abcdef");
        let token = keys
            .mint(&Claims {
                scope: Some("partners:read bogus".into()),
                ..claims("service")
            })
            .unwrap();
        let identity = keys.verify(&token).unwrap();
        assert_eq!(identity.role, Role::Service);
        assert_eq!(identity.scopes, vec![Scope::PartnersRead]);
    }

    #[test]
    fn a_partner_token_needs_a_partner_id() {
        let keys = Keys::hs256(b"0123456789abcdef0123456789abcdef");
        let token = keys.mint(&claims("partner")).unwrap();
        assert_eq!(
            keys.verify(&token).unwrap_err(),
            "a partner token needs partner_id"
        );
        let token = keys.mint(&claims("root")).unwrap();
        assert_eq!(
            keys.verify(&token).unwrap_err(),
            "token role must be admin, viewer, partner or service"
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_ttl("90"), Ok(90));
        assert_eq!(parse_ttl("30m"), Ok(1800));
        assert_eq!(parse_ttl("1h"), Ok(3600));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1w").is_err());
    }
}

//! How e-mail is sent (`REVSHARE_SMTP_URL`, `REVSHARE_SMTP_TIMEOUT_MS`,
//! `REVSHARE_MAIL_FROM`, `REVSHARE_MAIL_RETRY_SCHEDULE`, `REVSHARE_DKIM_*`),
//! each checked when the server starts, its error naming the variable.

use lettre::message::Mailbox;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use std::sync::Arc;
use std::time::Duration;

/// The default of `REVSHARE_MAIL_RETRY_SCHEDULE`.
pub const DEFAULT_RETRY_SCHEDULE: &str = "30s,2m,10m,1h,4h,8h,8h";
/// The longest a message keeps being retried after it was written.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// The default of `REVSHARE_SMTP_TIMEOUT_MS`: how long each SMTP step may
/// wait for the server.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `REVSHARE_SMTP_TIMEOUT_MS` may be: a message handed over is
/// answered (or given up on) well within the sender's lease.
pub const MAX_SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Where mail goes and how it is signed. No SMTP server: mail stays
/// `QUEUED`, readable in `emails`.
#[derive(Clone)]
pub struct Settings {
    pub smtp: Option<Smtp>,
    /// The sender's address; the program's name is its display name.
    pub from: lettre::Address,
    /// Pauses between attempts (each ±20 %).
    pub retry_schedule: Vec<Duration>,
    /// How often the sender looks for due mail.
    pub poll: Duration,
    pub dkim: Option<Arc<Dkim>>,
    /// Where revshare is reached from outside: every link starts with it.
    pub public_url: Arc<str>,
}

/// Without the SMTP password or the DKIM key.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "smtp",
                &self
                    .smtp
                    .as_ref()
                    .map(|s| format!("{}:{} ({:?})", s.host, s.port, s.security)),
            )
            .field("from", &self.from.to_string())
            .field("retry_schedule", &self.retry_schedule)
            .field(
                "dkim",
                &self.dkim.as_ref().map(|d| (&d.selector, &d.domain)),
            )
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            smtp: None,
            from: "partners@localhost".parse().expect("a valid address"),
            retry_schedule: parse_schedule(DEFAULT_RETRY_SCHEDULE).expect("the default parses"),
            poll: Duration::from_secs(1),
            dkim: None,
            public_url: "http://localhost:8080".into(),
        }
    }
}

/// An SMTP server and how to reach it.
#[derive(Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
    /// How long each step of the conversation (connecting and the
    /// greeting, STARTTLS, AUTH, MAIL, each RCPT, DATA, the message and
    /// its answer) may wait for the server: `REVSHARE_SMTP_TIMEOUT_MS`.
    pub timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `?tls=none`: plain text, for a relay on the same host or network.
    None,
}

impl Smtp {
    /// `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465`,
    /// or `smtp://host:25?tls=none`.
    pub fn parse(text: &str) -> Result<Smtp, String> {
        let bad = |why: &str| {
            format!(
                "REVSHARE_SMTP_URL {why}: smtp://user:pass@host:587 (STARTTLS), \
                 smtps://user:pass@host:465, or smtp://host:25?tls=none"
            )
        };
        let url = url::Url::parse(text).map_err(|_| bad("is not a URL"))?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required")) => (Security::StartTls, 587),
            ("smtp", Some("none")) => (Security::None, 25),
            ("smtps", None) => (Security::Tls, 465),
            _ => return Err(bad("has an unknown scheme or tls setting")),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("names no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let decode = |s: &str| {
            percent_encoding_decode(s)
                .ok_or_else(|| bad("has a user or password that is not UTF-8"))
        };
        let credentials = match url.password() {
            Some(password) => Some((decode(url.username())?, decode(password)?)),
            None if !url.username().is_empty() => {
                return Err(bad("names a user without a password"));
            }
            None => None,
        };
        Ok(Smtp {
            host,
            port: url.port().unwrap_or(port),
            security,
            credentials,
            timeout: DEFAULT_SMTP_TIMEOUT,
        })
    }
}

fn percent_encoding_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `REVSHARE_SMTP_TIMEOUT_MS`: above 0, at most [`MAX_SMTP_TIMEOUT`].
pub fn parse_timeout(millis: u64) -> Result<Duration, String> {
    match millis {
        0 => Err("REVSHARE_SMTP_TIMEOUT_MS must be above 0".into()),
        ms if ms > MAX_SMTP_TIMEOUT.as_millis() as u64 => Err(format!(
            "REVSHARE_SMTP_TIMEOUT_MS must be at most {} (a minute): a message handed to the \
             server must be answered within the sender's lease",
            MAX_SMTP_TIMEOUT.as_millis()
        )),
        ms => Ok(Duration::from_millis(ms)),
    }
}

/// `30s,2m,10m,1h`: pauses in seconds, minutes or hours; at least one.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let bad = |entry: &str| {
        format!(
            "REVSHARE_MAIL_RETRY_SCHEDULE: {entry:?} is not a pause such as 30s, 2m or 1h \
             (the default is {DEFAULT_RETRY_SCHEDULE})"
        )
    };
    let mut pauses = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (number, unit) = entry.split_at(entry.len() - 1);
        let number: u64 = number.parse().map_err(|_| bad(entry))?;
        let seconds = match unit {
            "s" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(bad(entry)),
        };
        if seconds == 0 || seconds > 24 * 3600 {
            return Err(bad(entry));
        }
        pauses.push(Duration::from_secs(seconds));
    }
    if pauses.is_empty() {
        return Err(bad(text));
    }
    Ok(pauses)
}

/// DKIM signing: two configurations, for messages with and without the
/// `List-Unsubscribe` headers (RFC 8058 asks that both be signed).
pub struct Dkim {
    pub plain: DkimConfig,
    pub listed: DkimConfig,
    pub selector: String,
    pub domain: String,
}

impl Dkim {
    /// A selector, a domain and a PEM private key: RSA (PKCS#1 or #8) or
    /// Ed25519 (PKCS#8).
    pub fn new(selector: &str, domain: &str, pem: &str) -> Result<Dkim, String> {
        let config = |listed: bool| -> Result<DkimConfig, String> {
            // The message's own headers: a multipart body's `Content-Type`
            // and `MIME-Version` are written with the body, where the
            // signer does not look for them.
            let mut headers = vec!["From", "To", "Subject", "Date", "Message-ID", "Reply-To"];
            if listed {
                headers.extend(["List-Unsubscribe", "List-Unsubscribe-Post"]);
            }
            Ok(DkimConfig::new(
                selector.to_owned(),
                domain.to_owned(),
                signing_key(pem)?,
                headers
                    .into_iter()
                    .map(HeaderName::new_from_ascii_str)
                    .collect(),
                DkimCanonicalization {
                    header: DkimCanonicalizationType::Relaxed,
                    body: DkimCanonicalizationType::Relaxed,
                },
            ))
        };
        if selector.is_empty() || domain.is_empty() {
            return Err("REVSHARE_DKIM_SELECTOR and REVSHARE_DKIM_DOMAIN are both needed with REVSHARE_DKIM_KEY".into());
        }
        Ok(Dkim {
            plain: config(false)?,
            listed: config(true)?,
            selector: selector.to_owned(),
            domain: domain.to_owned(),
        })
    }
}

/// The 16 bytes before an Ed25519 key's 32 in its PKCS#8 DER form.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

fn signing_key(pem: &str) -> Result<DkimSigningKey, String> {
    use base64::Engine;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let bad = |why: String| format!("REVSHARE_DKIM_KEY: {why}");
    let pem = pem.trim();
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        return DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
            .map_err(|e| bad(format!("not an RSA key ({e})")));
    }
    if !pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        return Err(bad("not a PEM private key (RSA or Ed25519)".into()));
    }
    if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
        let pkcs1 = key
            .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|e| bad(e.to_string()))?;
        return DkimSigningKey::new(&pkcs1, DkimSigningAlgorithm::Rsa)
            .map_err(|e| bad(e.to_string()));
    }
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| bad("not a PEM private key (RSA or Ed25519)".into()))?;
    match der.strip_prefix(&ED25519_PKCS8_PREFIX[..]) {
        Some(seed) if seed.len() == 32 => DkimSigningKey::new(
            &base64::engine::general_purpose::STANDARD.encode(seed),
            DkimSigningAlgorithm::Ed25519,
        )
        .map_err(|e| bad(e.to_string())),
        _ => Err(bad("neither an RSA nor an Ed25519 key".into())),
    }
}

/// The sender as a mailbox: the program's name before the address, as
/// one line.
pub fn sender(settings: &Settings, program: &str) -> Mailbox {
    Mailbox::new(Some(one_line(program)), settings.from.clone())
}

/// `text` as one header's words: each character no line may hold (a line
/// break, a control character) a space. A name written before names were
/// checked, or brought over by an import, never breaks a header or the
/// transport's encoder, whose display of a name with a line break fails.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match crate::input::outside_line(c) {
            true => ' ',
            false => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_line_break_is_one_line_in_the_header() {
        let settings = Settings::default();
        let from = sender(&settings, "Acme\r\nBcc: victim@evil.test\u{7}");
        assert_eq!(from.name.as_deref(), Some("Acme  Bcc: victim@evil.test "));
        // The transport shows and encodes it (it panicked on the break).
        assert_eq!(
            from.to_string(),
            "\"Acme  Bcc: victim@evil.test\" <partners@localhost>"
        );
        let message = lettre::Message::builder()
            .from(from)
            .to("p@example.com".parse().unwrap())
            .subject(one_line("Welcome to\nAcme"))
            .body(String::from("hello"))
            .unwrap();
        let headers = String::from_utf8(message.formatted()).unwrap();
        assert!(
            headers.contains("Subject: Welcome to Acme\r\n"),
            "{headers}"
        );
        assert!(!headers.contains("\r\nBcc:"), "{headers}");
    }

    #[test]
    fn smtp_urls_say_how_the_server_is_reached() {
        let starttls = Smtp::parse("smtp://user:p%40ss@mail.example.com").unwrap();
        assert_eq!(
            (starttls.port, starttls.security),
            (587, Security::StartTls)
        );
        assert_eq!(starttls.credentials, Some(("user".into(), "p@ss".into())));
        let tls = Smtp::parse("smtps://a:b@mail.example.com").unwrap();
        assert_eq!((tls.port, tls.security), (465, Security::Tls));
        let plain = Smtp::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (
                plain.host.as_str(),
                plain.port,
                plain.security,
                plain.credentials
            ),
            ("127.0.0.1", 2525, Security::None, None)
        );
        for bad in [
            "http://mail",
            "smtp://mail?tls=maybe",
            "smtps://m?tls=none",
            "smtp://user@mail",
            "nonsense",
        ] {
            let refused = Smtp::parse(bad).err().expect("refused");
            assert!(refused.starts_with("REVSHARE_SMTP_URL"), "{bad}");
        }
    }

    #[test]
    fn a_schedule_is_pauses_in_seconds_minutes_or_hours() {
        assert_eq!(
            parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap(),
            [30, 120, 600, 3600, 14_400, 28_800, 28_800].map(Duration::from_secs)
        );
        for bad in ["", "0s", "5", "2d", "25h", "1m,x"] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_smtp_timeout_is_above_zero_and_at_most_a_minute() {
        assert_eq!(parse_timeout(250), Ok(Duration::from_millis(250)));
        assert_eq!(parse_timeout(60_000), Ok(MAX_SMTP_TIMEOUT));
        for bad in [0, 60_001] {
            let refused = parse_timeout(bad).expect_err("refused");
            assert!(refused.starts_with("REVSHARE_SMTP_TIMEOUT_MS"), "{refused}");
        }
        assert_eq!(
            Smtp::parse("smtp://mail.example.com").unwrap().timeout,
            DEFAULT_SMTP_TIMEOUT
        );
    }

    #[test]
    fn a_percent_encoded_password_is_decoded() {
        assert_eq!(percent_encoding_decode("a%2Fb%25").as_deref(), Some("a/b%"));
        assert_eq!(percent_encoding_decode("bad%zz"), None);
        assert_eq!(percent_encoding_decode("end%4"), Some("end%4".into()));
    }
}

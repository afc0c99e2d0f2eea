//! One typed configuration, from `serve` flags and `REVSHARE_*` environment
//! variables (SPEC §3). Every command shares it; defaults make `revshare` run
//! with no configuration at all, on SQLite under `./data/`.

pub mod database;

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    /// Default: an SQLite file in the data directory.
    #[arg(long, env = "REVSHARE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Where the SQLite database and the development JWT secret live.
    #[arg(long, env = "REVSHARE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Address the server listens on.
    #[arg(
        long,
        env = "REVSHARE_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// HS256 shared secret for verifying (and minting) tokens.
    #[arg(
        long,
        env = "REVSHARE_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// PEM file with the public key for RS256, ES256 or EdDSA tokens.
    #[arg(
        long,
        env = "REVSHARE_JWT_PUBLIC_KEY",
        global = true,
        conflicts_with = "jwt_secret"
    )]
    pub jwt_public_key: Option<PathBuf>,

    /// 32 bytes in base64 that personal data (partners' tax ids) is
    /// encrypted with at rest; development mode keeps one in the data
    /// directory. Unset otherwise: tax profiles are refused.
    #[arg(long, env = "REVSHARE_DATA_KEY", hide_env_values = true, global = true)]
    pub data_key: Option<String>,

    /// PEM file with the private key, used only by `revshare token` with a public key.
    #[arg(long, env = "REVSHARE_JWT_PRIVATE_KEY", global = true)]
    pub jwt_private_key: Option<PathBuf>,

    /// Algorithm of the public key: RS256 (default), ES256 or EdDSA.
    #[arg(long, env = "REVSHARE_JWT_ALGORITHM", global = true)]
    pub jwt_algorithm: Option<String>,

    /// Required `iss` claim, when set.
    #[arg(long, env = "REVSHARE_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, when set.
    #[arg(long, env = "REVSHARE_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,

    /// Seconds between runs of the job that approves matured commissions
    /// (0 turns it off on this replica).
    #[arg(
        long,
        env = "REVSHARE_MATURITY_INTERVAL",
        default_value_t = 60,
        global = true
    )]
    pub maturity_interval: u64,

    /// A reference-rate file (the ECB's layout) fetched once a day and
    /// imported into every tenant, e.g.
    /// https://www.ecb.europa.eu/stats/eurofxref/eurofxref.csv (off when
    /// unset: rates are then imported by `importExchangeRates` or
    /// `revshare rates import`).
    #[arg(long, env = "REVSHARE_FX_URL", global = true)]
    pub fx_url: Option<String>,

    /// Milliseconds a DataLoader waits for more keys before running a batch.
    #[arg(
        long,
        env = "REVSHARE_LOADER_DELAY_MS",
        default_value_t = 3,
        global = true
    )]
    pub loader_delay_ms: u64,

    /// Largest connection pool to the database.
    #[arg(
        long,
        env = "REVSHARE_DATABASE_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub database_max_connections: u32,

    /// Milliseconds a request waits for a database connection (on SQLite,
    /// for the writer lock) before it answers UNAVAILABLE.
    #[arg(
        long,
        env = "REVSHARE_DATABASE_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000,
        global = true
    )]
    pub database_acquire_timeout_ms: u64,

    /// Milliseconds a PostgreSQL statement may run before it is cancelled
    /// and the request answers UNAVAILABLE (migrations are exempt).
    #[arg(
        long,
        env = "REVSHARE_DATABASE_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub database_statement_timeout_ms: u64,

    /// Seconds of clock difference allowed when checking a token's `exp`
    /// and `nbf`.
    #[arg(
        long,
        env = "REVSHARE_JWT_LEEWAY_SECONDS",
        default_value_t = 0,
        global = true
    )]
    pub jwt_leeway_seconds: u64,

    /// Origins a browser app may call the API from: exact origins separated
    /// by commas (`https://portal.example.com`), or `*` for any. Unset: none,
    /// except loopback origins in development mode.
    #[arg(long, env = "REVSHARE_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,

    /// Most queries the automatic-persisted-query cache keeps (per process).
    #[arg(
        long,
        env = "REVSHARE_APQ_CACHE_SIZE",
        default_value_t = crate::http::DEFAULT_APQ_CACHE_SIZE,
        global = true
    )]
    pub apq_cache_size: usize,

    /// Days the domain-event log keeps an event: how far back a
    /// subscription or a webhook replay may resume (at least 1).
    #[arg(
        long,
        env = "REVSHARE_EVENT_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub event_retention_days: u32,

    /// Whole months a raw click is kept (at least 1): older ones are
    /// removed by the `click-retention` job once no campaign's
    /// attribution window still reaches them. Links' and codes' figures
    /// are kept apart and never removed.
    #[arg(
        long,
        env = "REVSHARE_CLICK_RETENTION_MONTHS",
        default_value_t = crate::attribution::retention::DEFAULT_MONTHS,
        value_parser = clap::value_parser!(u32).range(1..=1200),
        global = true
    )]
    pub click_retention_months: u32,

    /// Days the activity log keeps an entry (SPEC §34); unset: forever.
    /// Removes whole days only, and says so in an entry of its own.
    #[arg(
        long,
        env = "REVSHARE_ACTIVITY_RETENTION_DAYS",
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub activity_retention_days: Option<u32>,

    /// The background jobs this replica runs: `all`, `none`, or names
    /// separated by commas (webhooks, mail, commission-mail, sign-in-mail,
    /// housekeeping, payouts, imports, backtests, maturity, rates,
    /// retention, broadcasts). A job off here is run by the replicas where it is on.
    #[arg(long, env = "REVSHARE_JOBS", default_value = "all", global = true)]
    pub jobs: String,

    /// Seconds a stop (SIGTERM, Ctrl-C) waits for requests in flight and
    /// each job's current step before the process exits; leases are
    /// released as jobs end, and what is still running then is cut off as a
    /// crash would cut it (1 to 3600).
    #[arg(
        long,
        env = "REVSHARE_SHUTDOWN_GRACE",
        default_value_t = 25,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub shutdown_grace: u64,

    /// Milliseconds a webhook attempt may take before it counts as failed.
    #[arg(
        long,
        env = "REVSHARE_WEBHOOK_TIMEOUT_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub webhook_timeout_ms: u64,

    /// The pauses before each retry of a failed webhook delivery, in ms, s,
    /// m, h or d, separated by commas.
    #[arg(
        long,
        env = "REVSHARE_WEBHOOK_RETRY_SCHEDULE",
        default_value = crate::webhooks::DEFAULT_SCHEDULE,
        global = true
    )]
    pub webhook_retry_schedule: String,

    /// Events in a row that could not be delivered before an endpoint is
    /// disabled (0: never).
    #[arg(
        long,
        env = "REVSHARE_WEBHOOK_DISABLE_AFTER",
        default_value_t = 20,
        global = true
    )]
    pub webhook_disable_after: u32,

    /// Proxies in front of revshare whose `X-Forwarded-For` names the
    /// client: addresses or CIDR ranges, comma separated (`10.0.0.0/8`).
    /// Unset: the connection's peer is the client, and the header is
    /// ignored.
    #[arg(long, env = "REVSHARE_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,

    /// A country database in MaxMind's format (`.mmdb`: DB-IP's country
    /// lite database, MaxMind's GeoLite2 Country) that tells the country
    /// of a short link's click. Unset: every click's country is `unknown`.
    #[arg(long, env = "REVSHARE_GEOIP_DB", global = true)]
    pub geoip_db: Option<String>,

    /// The DNS resolver a link domain's proof (its TXT record) is looked
    /// up with: an address, with a port or 53 (`1.1.1.1`,
    /// `127.0.0.1:5353`). Unset: the first nameserver of
    /// /etc/resolv.conf.
    #[arg(long, env = "REVSHARE_DNS_RESOLVER", global = true)]
    pub dns_resolver: Option<String>,

    /// Anonymous writes (clicks on referral links) one client address may
    /// make to a tenant in a minute; past it the visitor is still
    /// redirected and nothing is written (0: no limit).
    #[arg(
        long,
        env = "REVSHARE_ANONYMOUS_WRITES_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub anonymous_writes_per_minute: u32,

    /// Seconds before a payout sent to PayPal is read back the first time,
    /// and the first pause after a send that was not answered; longer by
    /// as much each time, up to an hour (SPEC §26).
    #[arg(
        long,
        env = "REVSHARE_PAYOUT_POLL_SECONDS",
        default_value_t = crate::rails::DEFAULT_POLL_SECONDS,
        global = true
    )]
    pub payout_poll_seconds: u64,

    /// The most events a backtest answers at once; a larger range is
    /// replayed in the background, page by page (SPEC §23).
    #[arg(
        long,
        env = "REVSHARE_BACKTEST_INLINE_EVENTS",
        default_value_t = crate::backtests::INLINE_EVENTS,
        value_parser = clap::value_parser!(i64).range(0..=1_000_000),
        global = true
    )]
    pub backtest_inline_events: i64,

    /// PostgreSQL streaming replicas to read from, comma-separated
    /// (`postgres://user@replica-1/db,postgres://user@replica-2/db`):
    /// queries, exports and statements read there; mutations, reads inside
    /// them and subscriptions' cursors stay on the primary (SPEC §28).
    #[arg(
        long,
        env = "REVSHARE_DATABASE_REPLICA_URLS",
        value_delimiter = ',',
        global = true
    )]
    pub database_replica_urls: Vec<String>,

    /// A replica further behind the primary than this many milliseconds is
    /// not read from until it catches up.
    #[arg(
        long,
        env = "REVSHARE_REPLICA_MAX_LAG_MS",
        default_value_t = 2000,
        global = true
    )]
    pub replica_max_lag_ms: u64,

    /// Where revshare is reached from outside (`https://partners.example.com`):
    /// the portal's sign-in links are answered as full URLs under it. Unset:
    /// as paths.
    #[arg(long, env = "REVSHARE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// The SMTP server e-mail is sent through: `smtp://user:pass@host:587`
    /// (STARTTLS), `smtps://user:pass@host:465`, or `smtp://host:25?tls=none`
    /// for a relay beside it. Unset: e-mail stays `QUEUED`, readable in
    /// `emails`.
    #[arg(long, env = "REVSHARE_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// Milliseconds each step of an SMTP conversation (connecting and the
    /// greeting, STARTTLS, AUTH, MAIL, each RCPT, DATA, the message and its
    /// answer) may wait for the server; at most 60000.
    #[arg(
        long,
        env = "REVSHARE_SMTP_TIMEOUT_MS",
        default_value_t = crate::mail::settings::DEFAULT_SMTP_TIMEOUT.as_millis() as u64,
        global = true
    )]
    pub smtp_timeout_ms: u64,

    /// The sender's address (the program's name is its display name);
    /// needed with `REVSHARE_SMTP_URL`.
    #[arg(long, env = "REVSHARE_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// The pauses before each retry of an e-mail the server refused for
    /// now, in s, m or h, separated by commas (each ±20 %; none after a day).
    #[arg(
        long,
        env = "REVSHARE_MAIL_RETRY_SCHEDULE",
        default_value = crate::mail::settings::DEFAULT_RETRY_SCHEDULE,
        global = true
    )]
    pub mail_retry_schedule: String,

    /// DKIM: the selector the public key is published under
    /// (`{selector}._domainkey.{domain}`).
    #[arg(long, env = "REVSHARE_DKIM_SELECTOR", global = true)]
    pub dkim_selector: Option<String>,

    /// DKIM: the signing domain (`d=`).
    #[arg(long, env = "REVSHARE_DKIM_DOMAIN", global = true)]
    pub dkim_domain: Option<String>,

    /// DKIM: the private key, PEM (RSA or Ed25519). Set with the selector
    /// and the domain, every e-mail is signed.
    #[arg(long, env = "REVSHARE_DKIM_KEY", global = true)]
    pub dkim_key: Option<String>,

    /// Let webhooks go to `http` URLs and to loopback and private addresses:
    /// for tests and development on one machine only.
    #[arg(
        long,
        env = "REVSHARE_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,

    /// Most events one endpoint may be replayed in 24 hours (at least 1).
    #[arg(
        long,
        env = "REVSHARE_WEBHOOK_REPLAY_LIMIT",
        default_value_t = crate::webhooks::DEFAULT_REPLAY_LIMIT,
        global = true
    )]
    pub webhook_replay_limit: u64,

    /// Where `GET /metrics` (Prometheus) is served: its own address, never
    /// the GraphQL port. Unset: not served. `127.0.0.1:9090` is usual.
    #[arg(long, env = "REVSHARE_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,

    /// How log lines are written to stderr: `text` or `json` (one object a
    /// line). `RUST_LOG` chooses what is logged.
    #[arg(
        long,
        env = "REVSHARE_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: crate::observe::traces::LogFormat,
}

impl Config {
    /// The jobs `REVSHARE_JOBS` turns on.
    pub fn jobs(&self) -> Result<crate::jobs::Jobs, String> {
        crate::jobs::Jobs::parse(&self.jobs)
    }

    /// How long a stop waits (`REVSHARE_SHUTDOWN_GRACE`).
    pub fn shutdown_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_grace)
    }

    /// What the token keys are made from.
    pub fn key_settings(&self) -> crate::auth::jwt::KeySettings {
        crate::auth::jwt::KeySettings {
            jwt_secret: self.jwt_secret.clone(),
            jwt_public_key: self.jwt_public_key.clone(),
            jwt_private_key: self.jwt_private_key.clone(),
            jwt_algorithm: self.jwt_algorithm.clone(),
            jwt_issuer: self.jwt_issuer.clone(),
            jwt_audience: self.jwt_audience.clone(),
            jwt_leeway_seconds: self.jwt_leeway_seconds,
            data_dir: self.data_dir.clone(),
        }
    }

    /// How this process reaches its database.
    pub fn db_settings(&self) -> crate::db::DbSettings {
        crate::db::DbSettings {
            max_connections: self.database_max_connections,
            acquire_timeout: std::time::Duration::from_millis(self.database_acquire_timeout_ms),
            statement_timeout: std::time::Duration::from_millis(self.database_statement_timeout_ms),
        }
    }

    /// How e-mail is sent, or what is wrong with the settings. `public_url`:
    /// where links in e-mail point (`REVSHARE_PUBLIC_URL`, else the address
    /// the server listens on).
    pub fn mail(&self, public_url: &str) -> Result<crate::mail::Settings, String> {
        use crate::mail::settings::{Dkim, Smtp, parse_schedule, parse_timeout};
        let timeout = parse_timeout(self.smtp_timeout_ms)?;
        let smtp = self
            .smtp_url
            .as_deref()
            .map(Smtp::parse)
            .transpose()?
            .map(|smtp| Smtp { timeout, ..smtp });
        let from = match (&self.mail_from, &smtp) {
            (Some(from), _) => from.trim().parse().map_err(|_| {
                "REVSHARE_MAIL_FROM is not an e-mail address: partners@example.com".to_owned()
            })?,
            (None, Some(_)) => {
                return Err(
                    "REVSHARE_MAIL_FROM is needed with REVSHARE_SMTP_URL: the address mail is                      sent from, such as partners@example.com"
                        .into(),
                );
            }
            (None, None) => crate::mail::Settings::default().from,
        };
        let dkim = match (&self.dkim_selector, &self.dkim_domain, &self.dkim_key) {
            (None, None, None) => None,
            (Some(selector), Some(domain), Some(key)) => {
                Some(std::sync::Arc::new(Dkim::new(selector, domain, key)?))
            }
            _ => {
                return Err("REVSHARE_DKIM_SELECTOR, REVSHARE_DKIM_DOMAIN and REVSHARE_DKIM_KEY                             are set together or not at all"
                    .into());
            }
        };
        Ok(crate::mail::Settings {
            smtp,
            from,
            retry_schedule: parse_schedule(&self.mail_retry_schedule)?,
            dkim,
            public_url: public_url.trim_end_matches('/').into(),
            ..crate::mail::Settings::default()
        })
    }

    /// How webhooks are delivered, or what is wrong with the settings.
    pub fn webhooks(&self) -> Result<crate::webhooks::Settings, String> {
        let schedule = crate::webhooks::parse_schedule(&self.webhook_retry_schedule)
            .map_err(|e| format!("REVSHARE_WEBHOOK_RETRY_SCHEDULE: {e}"))?;
        if self.webhook_timeout_ms == 0 {
            return Err("REVSHARE_WEBHOOK_TIMEOUT_MS must be above 0".into());
        }
        if self.webhook_replay_limit == 0 {
            return Err("REVSHARE_WEBHOOK_REPLAY_LIMIT must be above 0".into());
        }
        Ok(crate::webhooks::Settings {
            timeout: std::time::Duration::from_millis(self.webhook_timeout_ms),
            schedule,
            disable_after: self.webhook_disable_after,
            allow_private: self.webhook_allow_private,
            replay_limit: self.webhook_replay_limit,
        })
    }

    /// Which origins may call the API: `REVSHARE_CORS_ORIGINS`, or by
    /// default none (loopback ones in development mode).
    pub fn cors(&self, development: bool) -> Result<crate::http::cors::Origins, String> {
        match (&self.cors_origins, development) {
            (Some(setting), _) => crate::http::cors::Origins::parse(setting),
            (None, true) => Ok(crate::http::cors::Origins::Loopback),
            (None, false) => Ok(crate::http::cors::Origins::None),
        }
    }

    /// The configured database URL, or the default SQLite file.
    /// The key personal data is sealed with: the configured one, the
    /// development one (kept in the data directory) in development mode,
    /// or none.
    pub fn data_key(
        &self,
        development: bool,
    ) -> Result<Option<crate::payouts::seal::DataKey>, String> {
        use crate::payouts::seal::DataKey;
        match (&self.data_key, development) {
            (Some(text), _) => DataKey::from_base64(text).map(Some),
            (None, true) => DataKey::development(&self.data_dir).map(Some),
            (None, false) => Ok(None),
        }
    }

    /// `REVSHARE_PUBLIC_URL`, checked: an `http(s)` origin, perhaps with a
    /// path, no query; without its trailing `/`.
    pub fn public_url(&self) -> Result<Option<std::sync::Arc<str>>, String> {
        let Some(text) = &self.public_url else {
            return Ok(None);
        };
        let parsed = url::Url::parse(text).map_err(|e| {
            format!("REVSHARE_PUBLIC_URL is not a URL ({e}): https://partners.example.com")
        })?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err("REVSHARE_PUBLIC_URL must be an http(s) address with no query, such as https://partners.example.com".into());
        }
        Ok(Some(text.trim_end_matches('/').into()))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("revshare.db").display()
            ),
        }
    }
}

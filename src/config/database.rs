//! The database a start-up opens, from the configuration: every check a
//! mistyped URL meets before anything is created, the replicas refused for
//! SQLite before anything is opened, and what a failure to connect says —
//! the setting to change, the host and port, never the password.

use super::Config;
use crate::db::Db;
use anyhow::Context as _;
use anyhow::bail;

pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url();
    let scheme = url.split(':').next().unwrap_or_default();
    if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
        bail!(
            "REVSHARE_DATABASE_URL (--database-url) is {}: revshare supports sqlite://PATH \
             and postgres://USER@HOST[:PORT]/DATABASE (also postgresql://), not {scheme}://",
            redact(&url)
        );
    }
    if scheme == "sqlite" {
        sqlite_file_is_there(&url, config.database_url.is_none(), &config.data_dir)?;
    }
    match Db::open(&url, &config.db_settings(), |_| {}).await {
        Ok(db) => Ok(db),
        Err(err) => {
            let (place, why) = match scheme {
                "sqlite" => (
                    format!("open the SQLite database {}", redact(&url)),
                    why(&err),
                ),
                _ => {
                    let address = host_of(&url);
                    let why = unreached(&address, config.db_settings().acquire_timeout)
                        .await
                        .unwrap_or_else(|| why(&err));
                    (format!("reach the database at {address}"), why)
                }
            };
            bail!(
                "cannot {place} (REVSHARE_DATABASE_URL or --database-url: {}): {why}",
                redact(&url)
            )
        }
    }
}

/// A SQLite database URL's file, checked before it is opened: the default
/// one (`REVSHARE_DATA_DIR/revshare.db`) is made on the first start, with
/// its folder; one named by `REVSHARE_DATABASE_URL` must be in a folder
/// that exists, and must exist unless the URL says `mode=rwc` — a
/// mistyped path is refused, never created empty beside the real one.
fn sqlite_file_is_there(
    url: &str,
    default: bool,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let (path, query) = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split_once('?')
        .unwrap_or((
            url.trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:"),
            "",
        ));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return Ok(());
    }
    if default {
        return std::fs::create_dir_all(data_dir).with_context(|| {
            format!(
                "cannot make the data folder {} (REVSHARE_DATA_DIR or --data-dir)",
                data_dir.display()
            )
        });
    }
    let file = std::path::Path::new(path);
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty())
        && !folder.is_dir()
    {
        bail!(
            "the SQLite database {} is in a folder that does not exist ({}): \
             check REVSHARE_DATABASE_URL (--database-url)",
            file.display(),
            folder.display()
        );
    }
    let creates = query.split('&').any(|pair| pair == "mode=rwc");
    if !file.exists() && !creates {
        bail!(
            "the SQLite database {} does not exist: check REVSHARE_DATABASE_URL \
             (--database-url), or add ?mode=rwc to create it",
            file.display()
        );
    }
    Ok(())
}

/// Why a PostgreSQL server at `address` (`host:port`) was not reached, as
/// one direct try tells it: the pool retries a refused connection until
/// its deadline and then says only that time ran out.
async fn unreached(address: &str, within: std::time::Duration) -> Option<String> {
    match tokio::time::timeout(within, tokio::net::TcpStream::connect(address)).await {
        Err(_) => Some("no answer in time (is it running, and reachable from here?)".into()),
        Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
            Some("connection refused (is it running on that port?)".into())
        }
        Ok(Err(err)) => Some(format!("{address} cannot be reached ({err})")),
        // It answers: the pool's own error says why (credentials, the
        // database's name).
        Ok(Ok(_)) => None,
    }
}

/// Replicas are refused for a SQLite database before anything is opened.
pub fn check_replicas(config: &Config) -> anyhow::Result<()> {
    let named = config
        .database_replica_urls
        .iter()
        .any(|url| !url.trim().is_empty());
    if named && config.database_url().starts_with("sqlite:") {
        bail!(
            "REVSHARE_DATABASE_REPLICA_URLS names replicas, but the database is SQLite: \
             replicas are PostgreSQL streaming replicas of a PostgreSQL primary"
        );
    }
    Ok(())
}

/// The primary with its read replicas (`REVSHARE_DATABASE_REPLICA_URLS`),
/// each connected with the primary's settings. Only PostgreSQL replicates.
pub async fn with_replicas(config: &Config, db: Db) -> anyhow::Result<Db> {
    let urls: Vec<&String> = config
        .database_replica_urls
        .iter()
        .filter(|url| !url.trim().is_empty())
        .collect();
    if urls.is_empty() {
        return Ok(db);
    }
    if db.backend() != sea_orm::DbBackend::Postgres {
        bail!(
            "REVSHARE_DATABASE_REPLICA_URLS names replicas, but the database is SQLite: \
             replicas are PostgreSQL streaming replicas of a PostgreSQL primary"
        );
    }
    let mut members = Vec::new();
    for url in urls {
        let url = url.trim();
        // A replica down at start is skipped until it answers: the pool
        // connects lazily, so only a malformed URL stops the server.
        let replica = Db::open_replica(url, &config.db_settings(), |_| {})
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "cannot reach the replica at {} (REVSHARE_DATABASE_REPLICA_URLS: {}): {}",
                    host_of(url),
                    redact(url),
                    why(&err)
                )
            })?;
        members.push(replica);
    }
    let lag = std::time::Duration::from_millis(config.replica_max_lag_ms);
    Ok(db.with_replicas(members, lag))
}

/// `host:port` of a database URL (the default port when none is given).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    match host.contains(':') && !host.ends_with(']') {
        true => host.to_owned(),
        false => format!("{host}:5432"),
    }
}

/// What went wrong connecting, in words (a timeout means nothing answered).
fn why(err: &sea_orm::DbErr) -> String {
    let text = err.to_string();
    if text.contains("timed out") {
        "no answer in time (is it running, and reachable from here?)".into()
    } else if text.contains("refused") {
        "connection refused (is it running on that port?)".into()
    } else {
        text
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

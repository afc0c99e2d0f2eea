//! Operating it, round 6 (issue 86, item 14), each shown by a test that
//! failed before its fix: a setting's typo found only after the shared
//! database was migrated, a refused PostgreSQL port reported as "no
//! answer in time", a mistyped SQLite path created empty.

use crate::support::http::run_binary;

/// The settings a typo in each of which stops a start: the variable, the
/// mistyped value, and what the refusal names.
fn typos(taken_port: &str) -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("REVSHARE_JOBS", "webhoks".into(), "REVSHARE_JOBS"),
        (
            "REVSHARE_GEOIP_DB",
            "/nowhere/country.mmdb".into(),
            "/nowhere/country.mmdb",
        ),
        (
            "REVSHARE_DATA_KEY",
            "not-base64!".into(),
            "REVSHARE_DATA_KEY",
        ),
        (
            "REVSHARE_SMTP_URL",
            "smpt://mail.example.com".into(),
            "REVSHARE_SMTP_URL",
        ),
        (
            "REVSHARE_METRICS_LISTEN",
            taken_port.to_owned(),
            "REVSHARE_METRICS_LISTEN",
        ),
        (
            "REVSHARE_DNS_RESOLVER",
            "dns.example".into(),
            "REVSHARE_DNS_RESOLVER",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_typo_stops_the_start_before_the_database_is_touched() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().to_string();
    for (name, value, named) in typos(&taken_port) {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("shared.db");
        let url = format!("sqlite://{}?mode=rwc", database.display());
        let (ok, text) = run_binary(
            dir.path(),
            &["serve"],
            &[
                ("REVSHARE_DATABASE_URL", &url),
                ("REVSHARE_LISTEN", "127.0.0.1:0"),
                (
                    "REVSHARE_JWT_SECRET",
                    "a-secret-of-at-least-thirty-two-bytes!!",
                ),
                (name, &value),
            ],
        )
        .await;
        assert!(!ok, "{name}: {text}");
        assert!(text.contains(named), "{name} is named: {text}");
        assert!(!text.contains("serving"), "{name}: never served: {text}");
        assert!(
            !database.exists(),
            "{name}: the database was not created, nor migrated"
        );
    }
    drop(taken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_postgres_port_is_reported_as_refused() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let (ok, text) = run_binary(
        dir.path(),
        &["migrate"],
        &[
            ("REVSHARE_DATABASE_URL", &url),
            ("REVSHARE_DATABASE_ACQUIRE_TIMEOUT_MS", "1500"),
        ],
    )
    .await;
    assert!(!ok, "{text}");
    assert!(text.contains("connection refused"), "{text}");
    assert!(!text.contains("no answer in time"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistyped_sqlite_path_is_refused_not_created_empty() {
    let dir = tempfile::tempdir().unwrap();
    // A folder that does not exist, even with mode=rwc.
    let missing_folder = dir.path().join("dta").join("revshare.db");
    let url = format!("sqlite://{}?mode=rwc", missing_folder.display());
    let (ok, text) = run_binary(dir.path(), &["migrate"], &[("REVSHARE_DATABASE_URL", &url)]).await;
    assert!(!ok, "{text}");
    assert!(text.contains("folder that does not exist"), "{text}");
    assert!(!dir.path().join("dta").exists(), "no folder made");
    // A file that does not exist, without mode=rwc.
    let missing_file = dir.path().join("revshre.db");
    let url = format!("sqlite://{}", missing_file.display());
    let (ok, text) = run_binary(dir.path(), &["migrate"], &[("REVSHARE_DATABASE_URL", &url)]).await;
    assert!(!ok, "{text}");
    assert!(
        text.contains("does not exist") && text.contains("mode=rwc"),
        "{text}"
    );
    assert!(!missing_file.exists(), "no file made");
    // With mode=rwc in a folder that exists: created and migrated.
    let url = format!("sqlite://{}?mode=rwc", missing_file.display());
    let (ok, text) = run_binary(dir.path(), &["migrate"], &[("REVSHARE_DATABASE_URL", &url)]).await;
    assert!(ok, "{text}");
    assert!(missing_file.exists());
    // And the default, with no URL: the data folder is made on the first
    // start.
    let (ok, text) = run_binary(dir.path(), &["migrate"], &[]).await;
    assert!(ok, "{text}");
    assert!(
        dir.path().join("data").join("revshare.db").exists(),
        "{text}"
    );
}

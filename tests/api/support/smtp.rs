//! A real SMTP server on loopback keeping each message it accepts, and
//! an app sending mail to it.

use crate::helpers::{Backend, SECRET, TestApp};
use revshare::auth::jwt::Keys;
use revshare::http::Options;
use revshare::mail::settings::{Settings, Smtp};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Where links in the tests' mail point.
pub(crate) const PUBLIC: &str = "https://partners.acme.test";

pub(crate) fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools")
}

pub(crate) fn python() -> PathBuf {
    let python = tools().join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/tools/.venv is missing: run scripts/test, which installs aiosmtpd and dkimpy"
    );
    python
}

/// A real SMTP server on loopback, keeping each message it accepts.
pub struct SmtpServer {
    _child: tokio::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = tokio::process::Command::new(python())
            .arg(tools().join("smtp.py"))
            .arg("serve")
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start smtp.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .await
            .expect("smtp.py's port");
        let port = serde_json::from_str::<Value>(&line).expect("port line")["port"]
            .as_u64()
            .expect("port") as u16;
        SmtpServer {
            _child: child,
            port,
            dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }

    /// The messages received so far, waiting (up to 20 s) until there are
    /// `count`; each parsed by `mail.py read`, with its file.
    pub async fn wait_for(&self, count: usize) -> Vec<(PathBuf, Value)> {
        for _ in 0..400 {
            if self.files().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let files = self.files();
        assert!(
            files.len() >= count,
            "expected {count} messages, the server has {}",
            files.len()
        );
        files
            .into_iter()
            .map(|file| {
                let read = run_tool(&["read", file.to_str().unwrap()]);
                (file, read)
            })
            .collect()
    }

    /// How many messages arrived (without waiting).
    pub fn count(&self) -> usize {
        self.files().len()
    }
}

/// Mail settings sending to `smtp`, retrying after a second.
pub(crate) fn settings(smtp: &SmtpServer) -> Settings {
    Settings {
        smtp: Some(Smtp::parse(&smtp.url()).unwrap()),
        from: "partners@acme.test".parse().unwrap(),
        retry_schedule: vec![Duration::from_secs(1)],
        poll: Duration::from_millis(50),
        dkim: None,
        public_url: PUBLIC.into(),
    }
}

/// An app sending `mail`, behind a proxy on loopback (a request without
/// `X-Forwarded-For` is the proxy's own, 127.0.0.1).
pub(crate) async fn spawn(backend: Backend, mail: Settings) -> Option<TestApp> {
    let options = Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        mail,
        ..Options::new(revshare::graphql::LOADER_DELAY)
    };
    TestApp::spawn_with_options(backend, Keys::hs256(SECRET), options).await
}

pub(crate) fn run_tool(args: &[&str]) -> Value {
    let output = std::process::Command::new(python())
        .arg(tools().join("mail.py"))
        .args(args)
        .output()
        .expect("run mail.py");
    assert!(
        output.status.success(),
        "mail.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("mail.py's JSON")
}

/// Runs each named `async fn(TestApp, SmtpServer)` on SQLite, and on
/// PostgreSQL when `TEST_DATABASE_URL` is set, each with a fresh SMTP
/// server of its own.
#[macro_export]
macro_rules! with_smtp {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            use $crate::helpers::Backend;
            use $crate::support::smtp::{SmtpServer, settings, spawn};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let smtp = SmtpServer::start().await;
                let app = spawn(Backend::Sqlite, settings(&smtp)).await.expect("sqlite app");
                super::$test(app, smtp).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let smtp = SmtpServer::start().await;
                match spawn(Backend::Postgres, settings(&smtp)).await {
                    Some(app) => super::$test(app, smtp).await,
                    None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
                }
            }
        }
    )*};
}

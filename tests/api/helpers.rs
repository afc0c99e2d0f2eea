//! The test harness: a real revshare on a real port, over a database of its
//! own (a temporary SQLite file, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` is set), with a counter of the SQL statements it runs.

use revshare::app;
use revshare::auth::jwt::{Claims, Keys, now_seconds};
use revshare::db::{Db, DbSettings};
use revshare::http::Options;
use revshare::tenants::{self, NewTenant};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::oneshot;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
/// The tenant every test app has; `OTHER_TENANT` exists for isolation tests.
pub const TENANT: &str = "acme";
pub const OTHER_TENANT: &str = "globex";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where its `GET /metrics` listens.
    pub metrics_addr: SocketAddr,
    pub client: reqwest::Client,
    pub keys: Keys,
    pub db: Db,
    /// The app's database URL, for a second instance on the same database.
    pub url: String,
    pub backend: Backend,
    /// What the app seals tax ids with (none: tax profiles are off).
    pub data_key: Option<revshare::payouts::seal::DataKey>,
    statements: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

/// Runs each named `async fn(TestApp)` on SQLite, and on PostgreSQL when
/// `TEST_DATABASE_URL` is set, as two tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            use $crate::helpers::{Backend, TestApp};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test(TestApp::spawn(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match TestApp::spawn(Backend::Postgres).await {
                    Some(app) => super::$test(app).await,
                    None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
                }
            }
        }
    )*};
}

/// [`on_both_databases`] for apps set up by `options()` (a function of the
/// test's module answering [`Options`]).
#[macro_export]
macro_rules! on_both_databases_with {
    ($options:ident; $($test:ident),* $(,)?) => {$(
        mod $test {
            use $crate::helpers::{Backend, SECRET, TestApp};
            use revshare::auth::jwt::Keys;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn_with_options(Backend::Sqlite, Keys::hs256(SECRET), super::$options())
                    .await
                    .expect("sqlite app");
                super::$test(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match TestApp::spawn_with_options(Backend::Postgres, Keys::hs256(SECRET), super::$options()).await {
                    Some(app) => super::$test(app).await,
                    None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
                }
            }
        }
    )*};
}

impl TestApp {
    /// An app with HS256 keys, or `None` for PostgreSQL without `TEST_DATABASE_URL`.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with_keys(backend, Keys::hs256(SECRET)).await
    }

    pub async fn spawn_with_keys(backend: Backend, keys: Keys) -> Option<TestApp> {
        Self::spawn_with(backend, keys, revshare::graphql::LOADER_DELAY).await
    }

    /// An app whose loaders wait long enough that a batch is never split by
    /// the OS preempting a resolver, for tests that count statements.
    /// No job runs on it: the statements counted are the requests' alone,
    /// not a job's look for work that happened to fall in between.
    pub async fn spawn_counting(backend: Backend) -> Option<TestApp> {
        let options = Options {
            data_key: Some(revshare::payouts::seal::DataKey::generate()),
            jobs: revshare::jobs::Jobs::none(),
            ..Options::new(std::time::Duration::from_millis(250))
        };
        Self::spawn_with_options(backend, Keys::hs256(SECRET), options).await
    }

    async fn spawn_with(
        backend: Backend,
        keys: Keys,
        loader_delay: std::time::Duration,
    ) -> Option<TestApp> {
        let options = Options {
            data_key: Some(revshare::payouts::seal::DataKey::generate()),
            ..Options::new(loader_delay)
        };
        Self::spawn_with_options(backend, keys, options).await
    }

    /// An app with its HTTP surface set up by `options` (GraphiQL's token,
    /// the origins allowed, the persisted-query cache).
    pub async fn spawn_with_options(
        backend: Backend,
        keys: Keys,
        options: Options,
    ) -> Option<TestApp> {
        Self::spawn_connecting(
            backend,
            keys,
            options,
            |url| url.to_owned(),
            DbSettings {
                max_connections: 8,
                ..DbSettings::default()
            },
        )
        .await
    }

    /// An app whose server reaches its database at `route(url)` (through a
    /// proxy, say) with `settings`; the harness itself uses `url`.
    pub async fn spawn_connecting(
        backend: Backend,
        keys: Keys,
        options: Options,
        route: impl Fn(&str) -> String,
        settings: DbSettings,
    ) -> Option<TestApp> {
        Self::spawn_full(backend, keys, options, route, settings, None).await
    }

    /// An app on PostgreSQL whose reads may go to the standby at
    /// `standby` (`postgres://user@host:port`): its copy of the test's
    /// database, lagging at most `max_lag`.
    pub async fn spawn_replicated(standby: &str, max_lag: std::time::Duration) -> Option<TestApp> {
        let options = Options {
            data_key: Some(revshare::payouts::seal::DataKey::generate()),
            ..Options::new(revshare::graphql::LOADER_DELAY)
        };
        let settings = DbSettings {
            max_connections: 8,
            ..DbSettings::default()
        };
        let replica = Some((standby.to_owned(), max_lag));
        let (keys, route) = (Keys::hs256(SECRET), |url: &str| url.to_owned());
        Self::spawn_full(Backend::Postgres, keys, options, route, settings, replica).await
    }

    async fn spawn_full(
        backend: Backend,
        keys: Keys,
        mut options: Options,
        route: impl Fn(&str) -> String,
        settings: DbSettings,
        replica: Option<(String, std::time::Duration)>,
    ) -> Option<TestApp> {
        let (url, dir, postgres) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").ok()?;
                let name = format!(
                    "revshare_test_{}",
                    ulid::Ulid::new().to_string().to_lowercase()
                );
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .expect("database URL has a path")
                    .0;
                (format!("{base}/{name}"), None, Some((admin_url, name)))
            }
        };
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let db = Db::open(&route(&url), &settings, move |conn| {
            conn.set_metric_callback(move |metric| {
                // What a request runs: not the event log's background
                // readers (its wake-ups, the webhook dispatcher, the
                // commission e-mails), whose timing is their own.
                let sql = &metric.statement.sql;
                if sql.contains("domain_events")
                    || sql.contains("webhook_")
                    || sql.contains("pg_current_wal_lsn")
                    || sql.starts_with(revshare::mail::earned::TAG)
                {
                    return;
                }
                counter.fetch_add(1, Ordering::SeqCst);
            })
        })
        .await
        .expect("connect test database");
        app::migrate(&db).await.expect("migrate");
        let db = match (&replica, &postgres) {
            (Some((standby, max_lag)), Some((_, name))) => {
                let url = format!("{standby}/{name}");
                let member = Db::open_replica(&url, &settings, |_| {})
                    .await
                    .expect("a replica's pool");
                db.with_replicas(vec![member], *max_lag)
            }
            _ => db,
        };
        for id in [TENANT, OTHER_TENANT] {
            tenants::create(
                &db,
                NewTenant {
                    id: id.into(),
                    name: None,
                    currency: "USD".into(),
                    time_zone: "UTC".into(),
                },
            )
            .await
            .expect("create tenant");
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let data_key = options.data_key.clone();
        // Link domains' proofs are looked up in the tests' DNS server.
        options.dns_resolver = crate::support::dns::resolver();
        let built = app::build(db.clone(), keys.clone(), &options);
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, built.api, async {
            let _ = stop.await;
        }));
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let metrics_addr = metrics.local_addr().expect("local addr");
        tokio::spawn(app::serve(metrics, built.metrics, std::future::pending()));
        Some(TestApp {
            addr,
            metrics_addr,
            client: reqwest::Client::new(),
            keys,
            db,
            url,
            backend,
            data_key,
            statements,
            shutdown: Some(shutdown),
            _dir: dir,
            postgres,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Statements run against the database since the app started.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    pub fn claims(tenant: &str, role: &str) -> Claims {
        Claims {
            sub: format!("{role}-of-{tenant}"),
            tenant_id: tenant.into(),
            role: role.into(),
            partner_id: None,
            scope: None,
            exp: now_seconds() + 600,
            iat: Some(now_seconds()),
            nbf: None,
            iss: None,
            aud: None,
            sid: None,
        }
    }

    pub fn mint(&self, claims: &Claims) -> String {
        self.keys.mint(claims).expect("mint")
    }

    pub fn admin(&self) -> String {
        self.mint(&Self::claims(TENANT, "admin"))
    }

    pub fn admin_of(&self, tenant: &str) -> String {
        self.mint(&Self::claims(tenant, "admin"))
    }

    pub fn service(&self, scope: &str) -> String {
        self.mint(&Claims {
            scope: Some(scope.into()),
            ..Self::claims(TENANT, "service")
        })
    }

    pub fn partner_token(&self, partner_id: &str) -> String {
        self.mint(&Claims {
            partner_id: Some(partner_id.into()),
            ..Self::claims(TENANT, "partner")
        })
    }

    /// POSTs a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// A request expected to succeed: returns `data`, failing on any error.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(token), query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A request expected to fail: returns its first error.
    pub async fn error(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (_, body) = self.post(token, query, variables).await;
        body["errors"][0].clone()
    }

    /// Creates a partner group as the admin of [`TENANT`]; returns its id.
    pub async fn create_group(&self, name: &str, rules: Value) -> String {
        let data = self
            .ok(
                &self.admin(),
                "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }",
                json!({ "input": { "name": name, "rules": rules } }),
            )
            .await;
        data["createPartnerGroup"]["id"]
            .as_str()
            .expect("group id")
            .to_owned()
    }

    /// Creates a partner as the admin of [`TENANT`]; returns its id.
    pub async fn create_partner(&self, input: Value) -> String {
        let data = self
            .ok(
                &self.admin(),
                "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        data["createPartner"]["id"]
            .as_str()
            .expect("partner id")
            .to_owned()
    }
}

/// Rolls the schema back through the migration `name` (and every later
/// one), then forward again: what a backfill test needs, whatever
/// migrations were added since.
pub async fn remigrate_from(db: &Db, name: &str) {
    use migration::{Migrator, MigratorTrait};
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    // In one transaction, as the server migrates: on SQLite the pool's
    // other connections would otherwise run some of the statements. The
    // app's jobs keep reading meanwhile (the server itself migrates before
    // they start): on PostgreSQL a job's read may take its tables in the
    // other order and deadlock with the DDL, which then rolls back whole —
    // and is run again.
    let steps = Some((names.len() - position) as u32);
    for attempt in 1.. {
        let txn = db.write().await.unwrap();
        let migrated = async {
            Migrator::down(txn.unbounded(), steps).await?;
            Migrator::up(txn.unbounded(), None).await
        }
        .await;
        match migrated {
            Ok(()) => return txn.commit().await.unwrap(),
            Err(err) if attempt < 5 && format!("{err:?}").contains("40P01") => continue,
            Err(err) => panic!("remigrating from {name}: {err:?}"),
        }
    }
}

/// The error code of a GraphQL error.
pub fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("<none>")
}

/// The input field a `BAD_USER_INPUT` error names.
pub fn field(error: &Value) -> &str {
    error["extensions"]["field"].as_str().unwrap_or("<none>")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop is synchronous: clean up on a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = admin.execute_unprepared(&sql).await;
                            admin.close().await.ok();
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A `revshare serve` process of the real binary on a database, with the
/// harness's JWT secret: another replica beside a [`TestApp`]. Killed (as
/// `kill -9` does) when dropped.
pub struct Replica {
    pub addr: SocketAddr,
    child: std::process::Child,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Replica {
    /// Starts a replica on `database_url` with `env` beyond the defaults;
    /// answers once it is ready.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Replica {
        Replica::launch(database_url, env, true).await
    }

    /// [`Replica::start`] with its clock at `at` (`2027-03-31 04:00:30`,
    /// UTC) and running on from there: libfaketime, as `faketime -f`
    /// sets it, its monotonic clock left alone so that its timers keep
    /// their pace.
    pub async fn start_at(database_url: &str, env: &[(&str, &str)], at: &str) -> Replica {
        let library = [
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/faketime/libfaketimeMT.so.1",
        ]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .expect("libfaketime (scripts/test installs Debian's faketime)");
        let fake = format!("@{at}");
        let mut all: Vec<(&str, &str)> = vec![
            ("LD_PRELOAD", library),
            ("FAKETIME", &fake),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
            ("TZ", "UTC"),
        ];
        all.extend_from_slice(env);
        Replica::launch(database_url, &all, true).await
    }

    /// Starts a replica in development mode (no key configured: it makes a
    /// secret of its own, provisions the demo tenant, prints a token).
    pub async fn start_development(database_url: &str) -> Replica {
        Replica::launch(database_url, &[], false).await
    }

    /// [`Replica::start_development`] with `env` beyond the defaults.
    pub async fn start_development_with(database_url: &str, env: &[(&str, &str)]) -> Replica {
        Replica::launch(database_url, env, false).await
    }

    /// Waits (up to 10 s) for the process to end; answers whether it did.
    pub async fn ended(&mut self) -> bool {
        for _ in 0..200 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    /// Waits (up to `within`) for the process to end: its exit code, or
    /// `None` while it still runs (or when a signal ended it).
    pub async fn exit_code(&mut self, within: std::time::Duration) -> Option<i32> {
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        None
    }

    async fn launch(database_url: &str, env: &[(&str, &str)], keyed: bool) -> Replica {
        let dir = tempfile::tempdir().expect("temp dir");
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let log = dir.path().join("replica.log");
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"));
        command
            .arg("serve")
            .env("REVSHARE_DATABASE_URL", database_url)
            .env("REVSHARE_LISTEN", addr.to_string())
            .env("REVSHARE_DATA_DIR", dir.path())
            .env("REVSHARE_MATURITY_INTERVAL", "0")
            .env("RUST_LOG", "revshare=info")
            .env("NO_COLOR", "1")
            .stdout(file.try_clone().expect("log file"))
            .stderr(file);
        match keyed {
            true => command.env("REVSHARE_JWT_SECRET", std::str::from_utf8(SECRET).unwrap()),
            false => command
                .env_remove("REVSHARE_JWT_SECRET")
                .env_remove("REVSHARE_JWT_PUBLIC_KEY"),
        };
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start revshare serve");
        let replica = Replica {
            addr,
            child,
            log,
            _dir: dir,
        };
        let client = reqwest::Client::new();
        // Migrating a whole schema on a busy machine may take a while: wait
        // for readiness as long as the process lives, up to a minute.
        let mut replica = replica;
        for _ in 0..1200 {
            if let Ok(Some(status)) = replica.child.try_wait() {
                panic!("the replica ended ({status}): {}", replica.log());
            }
            let ready = client
                .get(format!("http://{addr}/readyz"))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                return replica;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the replica did not start: {}", replica.log());
    }

    /// What it has printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Where it serves its metrics: started with
    /// `REVSHARE_METRICS_LISTEN`, it says so before it is ready.
    pub fn metrics_url(&self) -> String {
        let log = self.log();
        log.lines()
            .find_map(|line| line.split("metrics at ").nth(1))
            .map(|url| url.trim().to_owned())
            .unwrap_or_else(|| panic!("no metrics address in its log: {log}"))
    }

    /// Asks it to stop, as a container runtime does (SIGTERM).
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// Ends it at once, with no chance to finish anything (`kill -9`).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `router` on a loopback port of its own (a provider's documents
/// made a server); answers its base URL.
pub async fn serve_local(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    format!("http://{addr}")
}

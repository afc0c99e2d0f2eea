//! Reads from PostgreSQL replicas (SPEC §28), against a real hot standby
//! each test starts: `pg_basebackup -R` of `TEST_DATABASE_URL`'s server
//! into a temporary directory, a second server on a port of its own
//! (`scripts/test` lets the local cluster stream to it: `pg_hba.conf`'s
//! replication line). Skipped, with a message, without PostgreSQL.
//!
//! Each standby streams through a physical replication slot created, with
//! its WAL reserved, before `pg_basebackup` starts. Without it the backup's
//! own temporary slot is made only after its checkpoint, and a checkpoint
//! of a concurrent test's backup in between may recycle the segment the
//! backup starts from ("requested WAL segment … has already been removed").

use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A hot standby of the test server, stopped when dropped.
struct Standby {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    /// `postgres://user@127.0.0.1:port`, for a database of its.
    base: String,
    /// The primary's replication slot this standby streams through.
    slot: String,
    /// `TEST_DATABASE_URL`: the primary, where the slot is dropped.
    primary: String,
}

/// The slots' names: `revshare_standby_{process}_{n}`.
const SLOT_PREFIX: &str = "revshare_standby_";

/// Runs one statement on the primary with `psql` (also from `Drop`, which
/// cannot await), answering its output.
fn primary_sql(bin: &Path, primary: &str, sql: &str) -> Option<String> {
    let out = Command::new(bin.join("psql"))
        .args([primary, "-qAtc", sql])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Runs `program` with `args` as the `postgres` user when this process is
/// root (PostgreSQL refuses to run as root), else as itself.
fn as_postgres(program: &Path, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = match root {
        true => {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        }
        false => Command::new(program),
    };
    command
        .args(args)
        .output()
        .expect("run a PostgreSQL program")
}

impl Standby {
    /// A standby of `TEST_DATABASE_URL`'s server, answering queries; `None`
    /// without `TEST_DATABASE_URL`.
    async fn start() -> Option<Standby> {
        let admin = std::env::var("TEST_DATABASE_URL").ok()?;
        let (user, primary) = {
            let rest = admin.split("://").nth(1).expect("a URL");
            let (user, rest) = rest.split_once('@').expect("user@host");
            let host = rest.split('/').next().expect("host:port");
            (user.to_owned(), host.to_owned())
        };
        let (host, port) = primary.split_once(':').unwrap_or((&primary, "5432"));
        let bin = bin_dir(&admin).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let chown = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status();
        assert!(chown.is_ok(), "chown the standby's directory");
        let data = dir.path().join("data");
        let data_arg = data.to_str().expect("a path");
        let slot = reserve_slot(&bin, &admin);
        let backup = as_postgres(
            &bin.join("pg_basebackup"),
            &[
                "-h", host, "-p", port, "-U", &user, "-D", data_arg, "-R", "-X", "stream", "-c",
                "fast", "-S", &slot,
            ],
        );
        if !backup.status.success() {
            drop_slot(&bin, &admin, &slot);
        }
        assert!(
            backup.status.success(),
            "pg_basebackup failed (scripts/test allows replication from 127.0.0.1 in pg_hba.conf): {}",
            String::from_utf8_lossy(&backup.stderr)
        );
        // A Debian cluster keeps its configuration outside its data
        // directory, so the copy has none: the standby's own, minimal.
        for (file, text) in [
            ("postgresql.conf", ""),
            ("pg_ident.conf", ""),
            (
                "pg_hba.conf",
                "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            ),
        ] {
            let path = data.join(file);
            if !path.exists() {
                std::fs::write(&path, text).expect("write the standby's configuration");
                let _ = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&path)
                    .status();
            }
        }
        let port = free_port();
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c hot_standby=on",
            dir.path().display()
        );
        let log = dir.path().join("log");
        let standby = Standby {
            base: format!("postgres://{user}@127.0.0.1:{port}"),
            data,
            bin,
            port,
            _dir: dir,
            slot,
            primary: admin,
        };
        standby.run("start", &options, &log);
        Some(standby)
    }

    /// `pg_ctl start` or `stop`, waiting until it is done.
    fn run(&self, action: &str, options: &str, log: &Path) {
        let data = self.data.to_str().expect("a path");
        let log = log.to_str().expect("a path");
        let mut args = vec!["-D", data, "-w", "-t", "60", "-l", log];
        if action == "start" {
            args.extend(["-o", options]);
        } else {
            args.extend(["-m", "fast"]);
        }
        args.push(action);
        let done = as_postgres(&self.bin.join("pg_ctl"), &args);
        assert!(
            done.status.success(),
            "pg_ctl {action}: {}{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        );
    }

    fn stop(&self) {
        self.run("stop", "", &self.data.join("../log"));
    }

    fn restart(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c hot_standby=on",
            self.port,
            self.data.parent().expect("its directory").display()
        );
        self.run("start", &options, &self.data.join("../log"));
    }

    /// Runs `sql` on the standby's copy of `database`.
    async fn sql(&self, database: &str, sql: &str) {
        use sea_orm::{ConnectionTrait, Database};
        let url = format!("{}/{database}", self.base);
        let conn = Database::connect(&url).await.expect("reach the standby");
        conn.execute_unprepared(sql)
            .await
            .expect("run on the standby");
        conn.close().await.ok();
    }

    /// A figure of the standby's own statistics for `database`.
    async fn stat(&self, database: &str, column: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let url = format!("{}/{database}", self.base);
        let conn = Database::connect(&url).await.expect("reach the standby");
        let sql = format!(
            "SELECT {column}::bigint AS n FROM pg_stat_database WHERE datname = current_database()"
        );
        // The statistics a backend sends are read by the next snapshot.
        conn.execute_unprepared("SELECT pg_stat_clear_snapshot()")
            .await
            .ok();
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .expect("read the standby's statistics")
            .expect("a row");
        conn.close().await.ok();
        row.try_get("", "n").expect("a number")
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap_or_default().to_owned();
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
        drop_slot(&self.bin, &self.primary, &self.slot);
    }
}

/// A physical slot of the primary with its WAL reserved from now, after
/// dropping the inactive ones an earlier, interrupted run left (they would
/// hold the primary's WAL forever).
fn reserve_slot(bin: &Path, primary: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let mine = format!("{SLOT_PREFIX}{}_", std::process::id());
    primary_sql(
        bin,
        primary,
        &format!(
            "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots \
             WHERE slot_name LIKE '{SLOT_PREFIX}%' AND slot_name NOT LIKE '{mine}%' AND NOT active"
        ),
    );
    let slot = format!("{mine}{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let made = primary_sql(
        bin,
        primary,
        &format!("SELECT pg_create_physical_replication_slot('{slot}', true)"),
    );
    assert!(made.is_some(), "create the replication slot {slot}");
    slot
}

/// Drops `slot` once its walsender has let it go (the standby was just
/// stopped): a wait on that condition, given up after 30 s.
fn drop_slot(bin: &Path, primary: &str, slot: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let sql = format!(
        "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots \
         WHERE slot_name = '{slot}' AND NOT active"
    );
    let left = format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'");
    while Instant::now() < deadline {
        primary_sql(bin, primary, &sql);
        if primary_sql(bin, primary, &left).as_deref() != Some("1") {
            return;
        }
        std::thread::sleep(crate::support::wait::POLL);
    }
}

/// The server programs of the version `admin` runs (Debian keeps each
/// version's under `/usr/lib/postgresql/{major}/bin`).
async fn bin_dir(admin: &str) -> PathBuf {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let conn = Database::connect(admin).await.expect("connect");
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT current_setting('server_version_num')::int / 10000 AS major",
        ))
        .await
        .expect("the server's version")
        .expect("a row");
    conn.close().await.ok();
    let major: i32 = row.try_get("", "major").expect("a number");
    let debian = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
    match debian.join("pg_ctl").exists() {
        true => debian,
        false => {
            let out = Command::new("pg_config").arg("--bindir").output();
            let dir = out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
            PathBuf::from(dir.expect("pg_config --bindir"))
        }
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// The app's metrics as text.
async fn metrics(app: &TestApp) -> String {
    let url = format!("http://{}/metrics", app.metrics_addr);
    reqwest::get(url)
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("its text")
}

/// A counter or gauge of the metrics, by its full name with labels.
async fn figure(app: &TestApp, series: &str) -> Option<f64> {
    let text = metrics(app).await;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// Waits until the replica answers its polls and is caught up. Generous:
/// the standby replays the whole cluster's WAL, and while the suite runs
/// every other test's `CREATE DATABASE` writes a copy of the template to it
/// (seen to take over 30 s on 2 cores); a wait, not a timed assertion.
async fn replica_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let lag = figure(
            app,
            "revshare_replica_lag_milliseconds{database=\"replica_1\"}",
        )
        .await;
        if lag == Some(0.0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never caught up: {lag:?}"
        );
        tokio::time::sleep(crate::support::wait::POLL).await;
    }
}

/// Starts a standby and an app reading from it; `None` without PostgreSQL.
async fn replicated(max_lag: Duration) -> Option<(Standby, TestApp)> {
    let Some(standby) = Standby::start().await else {
        eprintln!("TEST_DATABASE_URL is not set: the replica tests are skipped");
        return None;
    };
    let app = TestApp::spawn_replicated(&standby.base, max_lag)
        .await
        .expect("an app on PostgreSQL");
    replica_ready(&app).await;
    Some((standby, app))
}

const CREATE: &str =
    "mutation($name: String!) { createPartner(input: { name: $name }) { id name } }";
const READ: &str = "query($id: ID!) { partner(id: $id) { id name } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_then_a_read_sees_it_and_reads_leave_the_primary() {
    let Some((standby, app)) = replicated(Duration::from_secs(2)).await else {
        return;
    };
    let database = app.url.rsplit('/').next().expect("a name").to_owned();
    let admin = app.admin();
    // Each read right after its own write sees it: on the primary until
    // the replica has replayed it, never a stale miss.
    for i in 0..20 {
        let name = format!("Partner {i}");
        let created = app.ok(&admin, CREATE, json!({ "name": name })).await;
        let id = created["createPartner"]["id"].clone();
        let read = app.ok(&admin, READ, json!({ "id": id })).await;
        assert_eq!(
            read["partner"]["name"],
            json!(name),
            "read {i} right after its write"
        );
    }
    // A reader that wrote nothing reads from the replica: the primary runs
    // none of its statements, the standby counts them.
    let reader = app.service("partners:read");
    let before = (
        app.statements(),
        standby.stat(&database, "xact_commit").await,
    );
    let list = "{ partners(first: 100) { totalCount nodes { id name } } }";
    for _ in 0..25 {
        let page = app.ok(&reader, list, json!({})).await;
        assert_eq!(page["partners"]["totalCount"], json!(20));
    }
    assert_eq!(
        app.statements(),
        before.0,
        "no statement of the reads on the primary"
    );
    // A backend reports its statistics when it has been idle a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ran = standby.stat(&database, "xact_commit").await;
        if ran >= before.1 + 25 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the standby ran the reads: {} → {ran}",
            before.1
        );
        tokio::time::sleep(crate::support::wait::POLL).await;
    }
    let on_replica = figure(&app, "revshare_db_reads_total{database=\"replica_1\"}").await;
    assert!(on_replica.is_some_and(|n| n >= 25.0), "{on_replica:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_replica_is_skipped_until_it_catches_up() {
    let Some((standby, app)) = replicated(Duration::from_millis(300)).await else {
        return;
    };
    let database = app.url.rsplit('/').next().expect("a name").to_owned();
    // The standby stops replaying: it falls behind the primary's writes.
    standby.sql(&database, "SELECT pg_wal_replay_pause()").await;
    let admin = app.admin();
    let created = app.ok(&admin, CREATE, json!({ "name": "Ann" })).await;
    let lagging = "revshare_replica_lag_milliseconds{database=\"replica_1\"}";
    let deadline = Instant::now() + Duration::from_secs(10);
    while figure(&app, lagging).await.is_none_or(|ms| ms <= 300.0) {
        assert!(Instant::now() < deadline, "the standby never lagged");
        tokio::time::sleep(crate::support::wait::POLL).await;
    }
    // A reader that wrote nothing still reads the write: from the primary.
    let reader = app.service("partners:read");
    // Skipped for its lag — or, should a poll under load time out, as
    // down: either way never read while it lags, and counted.
    let skipped =
        |reason: &str| format!("revshare_db_reads_on_primary_total{{reason=\"{reason}\"}}");
    let (lag, down) = (skipped("lag"), skipped("down"));
    let on_primary = || async {
        figure(&app, &lag).await.unwrap_or(0.0) + figure(&app, &down).await.unwrap_or(0.0)
    };
    let (before, lag_before) = (on_primary().await, figure(&app, &lag).await.unwrap_or(0.0));
    let id = created["createPartner"]["id"].clone();
    for _ in 0..10 {
        let read = app.ok(&reader, READ, json!({ "id": id })).await;
        assert_eq!(read["partner"]["name"], json!("Ann"));
    }
    assert_eq!(
        on_primary().await - before,
        10.0,
        "each read went to the primary while the replica lagged"
    );
    assert!(
        figure(&app, &lag).await.unwrap_or(0.0) > lag_before,
        "counted as lag"
    );
    // Replaying again, it catches up and is read from again.
    standby
        .sql(&database, "SELECT pg_wal_replay_resume()")
        .await;
    replica_ready(&app).await;
    let on_replica = "revshare_db_reads_total{database=\"replica_1\"}";
    let before = figure(&app, on_replica).await.unwrap_or(0.0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while figure(&app, on_replica).await.unwrap_or(0.0) == before {
        assert!(
            Instant::now() < deadline,
            "reads never went back to the replica"
        );
        app.ok(&reader, READ, json!({ "id": id })).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_stopped_and_started_mid_load_loses_no_request() {
    let Some((standby, app)) = replicated(Duration::from_secs(2)).await else {
        return;
    };
    let admin = app.admin();
    let reader = app.service("partners:read");
    let list = "{ partners(first: 100) { totalCount } }";
    let mut written = 0;
    let round = |phase: &'static str| {
        let (app, admin, reader) = (&app, admin.clone(), reader.clone());
        async move {
            let mut made = 0;
            for i in 0..15 {
                let name = format!("{phase} {i}");
                let (status, body) = app
                    .post(Some(&admin), CREATE, json!({ "name": name }))
                    .await;
                assert_eq!(status, 200, "{phase}: a write answered {body}");
                assert!(body.get("errors").is_none(), "{phase}: {body}");
                made += 1;
                let (status, body) = app.post(Some(&reader), list, json!({})).await;
                assert_eq!(status, 200, "{phase}: a read answered {body}");
                assert!(body.get("errors").is_none(), "{phase}: {body}");
            }
            made
        }
    };
    written += round("before").await;
    standby.stop();
    written += round("down").await;
    standby.restart();
    written += round("back").await;
    // Nothing lost: every write is there, read from the primary…
    let total = |body: &Value| body["partners"]["totalCount"].clone();
    let primary_read = app.ok(&admin, list, json!({})).await;
    assert_eq!(total(&primary_read), json!(written));
    // …and, once the standby has caught up again, from it.
    replica_ready(&app).await;
    let before = figure(&app, "revshare_db_reads_total{database=\"replica_1\"}").await;
    let read = app.ok(&reader, list, json!({})).await;
    assert_eq!(total(&read), json!(written));
    let after = figure(&app, "revshare_db_reads_total{database=\"replica_1\"}").await;
    assert!(
        after > before,
        "reads are back on the replica: {before:?} → {after:?}"
    );
}

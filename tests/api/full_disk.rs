//! Money and data, round 6 (issue 86, item 7): SQLite on a full disk.
//! A real one — a small tmpfs, filled — under writes: every write is
//! answered for what it is (ok and kept, or `UNAVAILABLE` naming storage
//! and not written), and writes work again by themselves once space is
//! back. PostgreSQL's full disk (`53100`) is answered the same way; it is
//! not filled here (its data folder is the machine's).

use crate::helpers::{Backend, SECRET, TestApp};
use crate::support::partners::partner_at;
use crate::support::sales::sale_input;
use revshare::auth::jwt::Keys;
use revshare::db::DbSettings;
use revshare::http::Options;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A tmpfs of `mib` MiB mounted on a folder of its own, unmounted when
/// dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mib: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root, as the tests run in CI"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left with one file; answers it.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // The last bytes a chunk would not fit in.
        while file.write_all(&[0u8; 512]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

const RECORD: &str = "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId payload { commissions { id } } error { code message } } }";

/// Ten batches of three sales at once, named `{tag}-{batch}-{n}`: the
/// external ids answered with a commission, and every error.
async fn write_batches(app: &TestApp, partner: &str, tag: &str) -> (BTreeSet<String>, Vec<Value>) {
    let service = app.service("events:write");
    let mut asked = Vec::new();
    for batch in 0..10 {
        let input: Vec<Value> = (0..3)
            .map(|n| sale_input(partner, &format!("{tag}-{batch}-{n}"), "10.00"))
            .collect();
        let (service, query) = (service.clone(), RECORD);
        asked.push(async move {
            app.post(Some(&service), query, json!({ "input": input }))
                .await
        });
    }
    let answers = futures_util::future::join_all(asked).await;
    let (mut kept, mut errors) = (BTreeSet::new(), Vec::new());
    for (_, body) in answers {
        if let Some(list) = body["errors"].as_array() {
            errors.extend(list.iter().cloned());
            continue;
        }
        for item in body["data"]["recordEvents"].as_array().unwrap() {
            match item["error"].is_null() {
                true => {
                    kept.insert(item["externalId"].as_str().unwrap().to_owned());
                }
                false => errors.push(item["error"].clone()),
            }
        }
    }
    (kept, errors)
}

/// The events the database holds, read by a connection of its own.
async fn stored(url: &str) -> BTreeSet<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = revshare::db::Db::connect(url, 1).await.unwrap();
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT external_id FROM events",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "external_id").unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_answers_each_write_for_what_it_is_and_recovers() {
    let disk = SmallDisk::mount(24);
    let url = format!(
        "sqlite://{}?mode=rwc",
        disk.path().join("revshare.db").display()
    );
    let options = Options {
        data_key: Some(revshare::payouts::seal::DataKey::generate()),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    };
    let route = url.clone();
    let app = TestApp::spawn_connecting(
        Backend::Sqlite,
        Keys::hs256(SECRET),
        options,
        move |_| route.clone(),
        DbSettings {
            max_connections: 8,
            ..DbSettings::default()
        },
    )
    .await
    .unwrap();
    let partner = partner_at(&app, "Fay", 10).await;
    let (before, errors) = write_batches(&app, &partner, "before").await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(before.len(), 30);

    // The write-ahead log emptied, then the disk filled: the next write
    // needs space it cannot have.
    {
        use sea_orm::ConnectionTrait;
        app.db
            .conn()
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
    }
    let filler = disk.fill();
    let (during, errors) = write_batches(&app, &partner, "full").await;
    assert!(!errors.is_empty(), "a full disk refuses writes");
    for error in &errors {
        let code = error["extensions"]["code"]
            .as_str()
            .or(error["code"].as_str())
            .unwrap_or_default();
        assert_eq!(code, "UNAVAILABLE", "{error}");
    }
    for error in &errors {
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("storage is full"),
            "the disk is named: {error}"
        );
    }

    // Space is back: writes work again by themselves, all of them.
    std::fs::remove_file(&filler).unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    let (mut round, mut after) = (0, BTreeSet::new());
    loop {
        let (kept, errors) = write_batches(&app, &partner, &format!("after{round}")).await;
        after.extend(kept);
        if errors.is_empty() {
            break;
        }
        assert!(
            Instant::now() < until,
            "still refused after space came back: {errors:?}"
        );
        round += 1;
        tokio::time::sleep(crate::support::wait::POLL).await;
    }
    let (again, errors) = write_batches(&app, &partner, "again").await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(again.len(), 30);

    // What was answered ok is stored, and nothing else; after the stop too.
    drop(app);
    let held = stored(&url).await;
    let answered: BTreeSet<String> = before
        .iter()
        .chain(&during)
        .chain(&after)
        .chain(&again)
        .cloned()
        .collect();
    let refused: BTreeSet<String> = held
        .iter()
        .filter(|id| id.starts_with("full-") && !during.contains(*id))
        .cloned()
        .collect();
    assert!(refused.is_empty(), "refused yet stored: {refused:?}");
    let lost: Vec<&String> = answered.iter().filter(|id| !held.contains(*id)).collect();
    assert!(lost.is_empty(), "answered ok and lost: {lost:?}");
}

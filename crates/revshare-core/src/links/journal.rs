//! The clicks' journal: every click a redirect hands an id to is appended
//! to a file of this process's own (`REVSHARE_DATA_DIR/clicks/`) before
//! the redirect answers, and the `clicks` job writes it to the database
//! from the queue. What the job has not written yet survives the process:
//!
//! - **A kill.** What is appended is handed to the operating system every
//!   [`FLUSH_EVERY`] (and whenever the buffer fills), so a process killed
//!   (`kill -9`) loses no click it answered more than that before; the
//!   next process to start on the folder replays the files no live
//!   process holds (each holds its own locked), writing the clicks the
//!   database does not have yet, then deletes them.
//! - **A database away.** The job keeps a batch it could not write and
//!   tries it again until it is written; a click the full queue could not
//!   take stays in the journal, which the job replays once the queue has
//!   emptied. The journal is emptied only when every click appended to it
//!   has been written.
//!
//! A line is one click as JSON ([`Line`]); a line cut short by a kill is
//! skipped at replay.

use super::target::Live;
use super::visit::Seen;
use crate::directory::traffic::Reason;
use chrono::{DateTime, Utc};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The journal is emptied once it is past this size and all of it is
/// written.
const EMPTIED_PAST: u64 = 1 << 20;
/// How often what is appended is handed to the operating system: a
/// `write` a click would cost a redirect a tenth of a millisecond.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
/// The buffer appended clicks wait in between two flushes.
const BUFFER: usize = 256 * 1024;

/// This process's journal: cheap to clone.
#[derive(Clone)]
pub struct Journal(Arc<Inner>);

struct Inner {
    folder: PathBuf,
    path: PathBuf,
    file: Mutex<std::io::BufWriter<File>>,
    /// Clicks appended, and clicks written to the database, since the
    /// journal was last emptied.
    appended: AtomicU64,
    written: AtomicU64,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Journal({})", self.0.path.display())
    }
}

/// One click as the journal keeps it: what the clicks job writes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    id: String,
    at: DateTime<Utc>,
    tenant: String,
    link: String,
    code: String,
    campaign: String,
    partner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    referer: Option<String>,
    #[serde(default)]
    qr: bool,
    landing: String,
    /// Why it was ignored (SPEC §37), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignored: Option<String>,
}

impl Journal {
    /// Opens a journal of this process's own in `folder` (made if
    /// missing), locked for as long as the process lives.
    pub fn open(folder: &Path) -> Result<Journal, String> {
        std::fs::create_dir_all(folder).map_err(|e| {
            format!(
                "cannot make the clicks journal's folder {}: {e}",
                folder.display()
            )
        })?;
        let path = folder.join(format!("{}.journal", crate::input::new_id()));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot write the clicks journal {}: {e}", path.display()))?;
        file.try_lock()
            .map_err(|e| format!("cannot lock the clicks journal {}: {e}", path.display()))?;
        Ok(Journal(Arc::new(Inner {
            folder: folder.to_owned(),
            path,
            file: Mutex::new(std::io::BufWriter::with_capacity(BUFFER, file)),
            appended: AtomicU64::new(0),
            written: AtomicU64::new(0),
        })))
    }

    /// Appends a click; `false` if the file refused it (a full disk): the
    /// click then lives in the queue alone.
    pub fn append(&self, seen: &Seen) -> bool {
        let mut text = match serde_json::to_vec(&Line::of(seen)) {
            Ok(text) => text,
            Err(_) => return false,
        };
        text.push(b'\n');
        let mut file = self.0.file.lock().unwrap_or_else(|e| e.into_inner());
        match file.write_all(&text) {
            Ok(()) => {
                self.0.appended.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(err) => {
                tracing::warn!(error = %err, "the clicks journal refused a click");
                false
            }
        }
    }

    /// Hands what is appended to the operating system (every
    /// [`FLUSH_EVERY`], from the clicks job's flusher).
    pub fn flush(&self) {
        let mut file = self.0.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = file.flush() {
            tracing::warn!(error = %err, "the clicks journal could not be written");
        }
    }

    /// Flushes every [`FLUSH_EVERY`] until the stop (a task of the
    /// replica's runner).
    pub async fn flush_until(self, stop: crate::jobs::Stop) {
        while stop.unless(tokio::time::sleep(FLUSH_EVERY)).await.is_some() {
            self.flush();
        }
    }

    /// Counts clicks written to the database; empties the journal when
    /// all it holds is written and it has grown past [`EMPTIED_PAST`].
    pub fn written(&self, count: u64) {
        let written = self.0.written.fetch_add(count, Ordering::Relaxed) + count;
        if written < self.0.appended.load(Ordering::Relaxed) {
            return;
        }
        let mut file = self.0.file.lock().unwrap_or_else(|e| e.into_inner());
        // Under the lock no click is appended: the counts are final.
        let caught_up =
            self.0.written.load(Ordering::Relaxed) >= self.0.appended.load(Ordering::Relaxed);
        let large = file
            .get_ref()
            .metadata()
            .map(|m| m.len() > EMPTIED_PAST)
            .unwrap_or(false);
        if caught_up && large && file.flush().is_ok() && file.get_ref().set_len(0).is_ok() {
            self.0.appended.store(0, Ordering::Relaxed);
            self.0.written.store(0, Ordering::Relaxed);
        }
    }

    /// At a clean stop: deletes the journal when all it holds is written,
    /// else leaves it to the next process.
    pub fn close(&self) {
        let mut file = self.0.file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = file.flush();
        if self.0.written.load(Ordering::Relaxed) >= self.0.appended.load(Ordering::Relaxed) {
            let _ = std::fs::remove_file(&self.0.path);
        }
    }

    /// Whether clicks were appended that the queue never took (it was
    /// full) and are not written yet: the job replays its own journal.
    pub fn behind(&self, queued: usize) -> bool {
        queued == 0
            && self.0.written.load(Ordering::Relaxed) < self.0.appended.load(Ordering::Relaxed)
    }

    /// The clicks of this process's own journal, to write again (those
    /// stored already are skipped by the writer); the counts start over
    /// from what it holds.
    pub fn own(&self) -> Vec<Seen> {
        self.flush();
        let clicks = read(&self.0.path);
        self.0
            .appended
            .store(clicks.len() as u64, Ordering::Relaxed);
        self.0.written.store(0, Ordering::Relaxed);
        clicks
    }

    /// The journals of processes gone (none holds their lock), each with
    /// its clicks; [`Orphan::done`] deletes one once written.
    pub fn orphans(&self) -> Vec<Orphan> {
        let Ok(entries) = std::fs::read_dir(&self.0.folder) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path == self.0.path || path.extension().is_none_or(|e| e != "journal") {
                continue;
            }
            let Ok(file) = File::open(&path) else {
                continue;
            };
            // A live process holds its own: skipped.
            if file.try_lock().is_err() {
                continue;
            }
            let clicks = read(&path);
            found.push(Orphan {
                path,
                _lock: file,
                clicks,
            });
        }
        found
    }
}

/// A journal left by a process that is gone, locked while it is replayed.
pub struct Orphan {
    path: PathBuf,
    _lock: File,
    pub clicks: Vec<Seen>,
}

impl Orphan {
    /// Deletes the journal: its clicks are written.
    pub fn done(self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            tracing::warn!(error = %err, path = %self.path.display(), "cannot delete a replayed clicks journal");
        }
    }
}

/// The clicks a journal holds; a line cut short (a kill mid-line) or not
/// understood is skipped.
fn read(path: &Path) -> Vec<Seen> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    std::io::BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_slice::<Line>(&line).ok())
        .map(Line::seen)
        .collect()
}

impl Line {
    fn of(seen: &Seen) -> Line {
        let link = &*seen.link;
        Line {
            id: seen.click_id.clone(),
            at: seen.at,
            tenant: link.tenant_id.clone(),
            link: link.link_id.clone(),
            code: link.referral_code_id.clone(),
            campaign: link.campaign_id.clone(),
            partner: link.partner_id.clone(),
            address: seen.address,
            agent: seen.user_agent.clone(),
            referer: seen.referer.clone(),
            qr: seen.qr,
            landing: seen.landing_url.clone(),
            ignored: seen.ignored.map(|r| r.name().to_owned()),
        }
    }

    /// The click to write; the link as the writer reads it (its ids).
    fn seen(self) -> Seen {
        Seen {
            link: Arc::new(Live {
                tenant_id: self.tenant,
                link_id: self.link,
                referral_code_id: self.code,
                campaign_id: self.campaign,
                partner_id: self.partner,
                key: String::new(),
                url: String::new(),
                param: String::new(),
                utm: Default::default(),
                sources: Default::default(),
            }),
            click_id: self.id,
            at: self.at,
            address: self.address,
            user_agent: self.agent,
            referer: self.referer,
            qr: self.qr,
            landing_url: self.landing,
            ignored: self.ignored.as_deref().and_then(Reason::named),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(id: &str) -> Seen {
        Seen {
            link: Arc::new(Live {
                tenant_id: "t".into(),
                link_id: "l".into(),
                referral_code_id: "c".into(),
                campaign_id: "k".into(),
                partner_id: "p".into(),
                key: "jane".into(),
                url: "https://example.com/".into(),
                param: "via".into(),
                utm: Default::default(),
                sources: Default::default(),
            }),
            click_id: id.into(),
            at: Utc::now(),
            address: Some("203.0.113.7".parse().unwrap()),
            user_agent: Some("Mozilla/5.0".into()),
            referer: None,
            qr: true,
            landing_url: format!("https://example.com/?via=jane&click={id}"),
            ignored: None,
        }
    }

    #[test]
    fn a_gone_processs_journal_is_replayed_a_live_ones_is_not() {
        let folder = tempfile::tempdir().unwrap();
        let gone = Journal::open(folder.path()).unwrap();
        assert!(gone.append(&click("c-1")));
        assert!(gone.append(&click("c-2")));
        // A line cut short by a kill.
        {
            let mut file = gone.0.file.lock().unwrap();
            file.write_all(b"{\"id\":\"c-3\",\"at\"").unwrap();
        }
        gone.flush();
        let live = Journal::open(folder.path()).unwrap();
        // The first process still holds its lock: nothing to replay.
        assert!(live.orphans().is_empty());
        drop(gone);
        let orphans = live.orphans();
        assert_eq!(orphans.len(), 1);
        let ids: Vec<&str> = orphans[0]
            .clicks
            .iter()
            .map(|c| c.click_id.as_str())
            .collect();
        assert_eq!(ids, ["c-1", "c-2"]);
        assert_eq!(orphans[0].clicks[0].link.partner_id, "p");
        assert!(orphans[0].clicks[0].qr);
        for orphan in orphans {
            orphan.done();
        }
        assert!(live.orphans().is_empty());
    }

    #[test]
    fn the_journal_is_emptied_only_once_all_it_holds_is_written() {
        let folder = tempfile::tempdir().unwrap();
        let journal = Journal::open(folder.path()).unwrap();
        // Past the size at which it is emptied.
        let many = EMPTIED_PAST / 200 + 10;
        for i in 0..many {
            journal.append(&click(&format!("c-{i}")));
        }
        journal.written(many - 1);
        assert!(journal.behind(0));
        assert_eq!(journal.own().len() as u64, many);
        journal.written(many);
        assert!(!journal.behind(0));
        assert_eq!(journal.own().len(), 0);
    }
}

//! The tests' DNS server: `tests/tools/dns.py` (dnslib) on loopback, one
//! for the whole test binary, which every test app looks link domains'
//! proofs up in. Its records are one JSON file the server reads for
//! every question; each test publishes the values it needs (tokens are
//! random, so tests sharing a host never see each other's proof) and
//! withdraws them when it tests a record gone.

use crate::helpers::TestApp;
use revshare::links::dns::Resolver;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub struct Dns {
    port: u16,
    file: PathBuf,
    records: Mutex<Records>,
    // Held open: the server ends when this binary does (its stdin closes).
    _stdin: Mutex<std::process::ChildStdin>,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct Records {
    txt: BTreeMap<String, BTreeSet<String>>,
    servfail: BTreeSet<String>,
    answers_as: BTreeMap<String, String>,
}

static SHARED: OnceLock<Option<Dns>> = OnceLock::new();

/// The binary's DNS server, started the first time it is asked for;
/// `None` without tests/tools/.venv (scripts/test installs it).
pub fn shared() -> Option<&'static Dns> {
    SHARED.get_or_init(start).as_ref()
}

/// The resolver every test app is given: the tests' server, else an
/// address nothing answers on.
pub fn resolver() -> Resolver {
    match shared() {
        Some(dns) => Resolver(([127, 0, 0, 1], dns.port).into()),
        None => Resolver(([127, 0, 0, 1], 9).into()),
    }
}

fn start() -> Option<Dns> {
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools");
    let python = tools.join(".venv/bin/python");
    if !python.exists() {
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("records.json");
    std::fs::write(&file, "{}").ok()?;
    let mut child = std::process::Command::new(python)
        .arg(tools.join("dns.py"))
        .arg("serve")
        .arg(&file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port = serde_json::from_str::<Value>(&line).ok()?["port"].as_u64()? as u16;
    Some(Dns {
        port,
        file,
        records: Mutex::default(),
        _stdin: Mutex::new(child.stdin.take()?),
        _dir: dir,
    })
}

impl Dns {
    /// The server, or a clear failure naming what is missing.
    pub fn get() -> &'static Dns {
        shared().expect("tests/tools/.venv with dnslib is missing: run scripts/test")
    }

    fn write(&self, change: impl FnOnce(&mut Records)) {
        let mut records = self.records.lock().unwrap();
        change(&mut records);
        let body = json!({
            "txt": records.txt,
            "servfail": records.servfail,
            "answers_as": records.answers_as,
        });
        let temporary = self.file.with_extension("tmp");
        std::fs::write(&temporary, body.to_string()).unwrap();
        std::fs::rename(&temporary, &self.file).unwrap();
    }

    /// Adds a TXT record `value` at `name`.
    pub fn publish(&self, name: &str, value: &str) {
        self.write(|r| {
            r.txt
                .entry(name.to_ascii_lowercase())
                .or_default()
                .insert(value.to_owned());
        });
    }

    /// Removes the TXT record `value` at `name`.
    pub fn withdraw(&self, name: &str, value: &str) {
        self.write(|r| {
            if let Some(values) = r.txt.get_mut(&name.to_ascii_lowercase()) {
                values.remove(value);
            }
        });
    }

    /// Questions about `name` answered with `owner`'s TXT records, under
    /// `owner`'s name (or as any other, `None`).
    pub fn answer_as(&self, name: &str, owner: Option<&str>) {
        self.write(|r| {
            let name = name.to_ascii_lowercase();
            match owner {
                Some(owner) => r.answers_as.insert(name, owner.to_ascii_lowercase()),
                None => r.answers_as.remove(&name),
            };
        });
    }

    /// Questions about `name` answered SERVFAIL (or not, `false`).
    pub fn failing(&self, name: &str, failing: bool) {
        self.write(|r| {
            let name = name.to_ascii_lowercase();
            match failing {
                true => r.servfail.insert(name),
                false => r.servfail.remove(&name),
            };
        });
    }
}

pub const PROOFS: &str = "{ viewer { tenant { linkDomainProofs { host status recordName recordType recordValue verifiedAt checkedAt } } } }";
pub const VERIFY: &str = "mutation($host: String!) { verifyLinkDomain(host: $host) { host status recordName recordValue verifiedAt checkedAt } }";

/// The proof `token`'s tenant is asked for at `host`.
pub async fn proof_of(app: &TestApp, token: &str, host: &str) -> Value {
    let proofs = app.ok(token, PROOFS, json!({})).await;
    proofs["viewer"]["tenant"]["linkDomainProofs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["host"] == host)
        .unwrap_or_else(|| panic!("no proof for {host}: {proofs}"))
        .clone()
}

/// Publishes the record `token`'s tenant is asked for at `host` and has it
/// verified: the host then answers its links.
pub async fn prove_as(app: &TestApp, token: &str, host: &str) -> Value {
    let proof = proof_of(app, token, host).await;
    Dns::get().publish(
        proof["recordName"].as_str().unwrap(),
        proof["recordValue"].as_str().unwrap(),
    );
    let verified = app.ok(token, VERIFY, json!({ "host": host })).await;
    assert_eq!(
        verified["verifyLinkDomain"]["status"], "VERIFIED",
        "{verified}"
    );
    proof
}

/// [`prove_as`] for the test tenant's admin.
pub async fn prove(app: &TestApp, host: &str) -> Value {
    prove_as(app, &app.admin(), host).await
}

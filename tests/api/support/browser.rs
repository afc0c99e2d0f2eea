//! The browser scripts of `tests/browser/`, run by node.

use serde_json::Value;
use std::path::PathBuf;

/// `tests/browser/`, with its packages installed.
pub(crate) fn tools() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "tests/browser has no packages: run scripts/test, which installs them and Chromium"
    );
    dir
}

/// Runs `node SCRIPT ARGS` in `tests/browser/`; its last line of output,
/// as JSON.
pub(crate) async fn node(script: &str, args: &[&str]) -> Value {
    let output = tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(tools())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (scripts/test installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node {script} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

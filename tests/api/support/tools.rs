//! The outside tools the tests read documents with: `tests/tools/payments.py`
//! and poppler's.

use serde_json::Value;
use std::path::PathBuf;

/// `tests/tools/payments.py`, in the virtual environment `scripts/test`
/// makes; its JSON answer.
pub(crate) async fn payments_tool(args: &[&str]) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/tools/.venv is missing: run scripts/test, which installs sepaxml and python-stdnum"
    );
    let output = tokio::process::Command::new(python)
        .arg(dir.join("payments.py"))
        .args(args)
        .output()
        .await
        .expect("python runs");
    assert!(
        output.status.success(),
        "payments.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// What `pdftotext` and `pdffonts` read of a PDF.
pub(crate) async fn poppler(pdf: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.pdf");
    std::fs::write(&path, pdf).unwrap();
    let run = |tool: &'static str, args: Vec<String>| async move {
        let output = tokio::process::Command::new(tool)
            .args(args)
            .output()
            .await
            .expect("poppler's tools run (scripts/test installs poppler-utils)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let file = path.to_str().unwrap().to_owned();
    let text = run("pdftotext", vec![file.clone(), "-".into()]).await;
    let fonts = run("pdffonts", vec![file]).await;
    (text, fonts)
}

/// What the OASIS UBL 2.1 schemas say of an XML document
/// (`tests/tools/ubl.py`): `valid`, or the errors, one a line.
pub(crate) async fn ubl_verdict(xml: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/tools/.venv is missing: run scripts/test, which installs the UBL schemas"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let output = tokio::process::Command::new(python)
        .arg(dir.join("ubl.py"))
        .arg(file.path())
        .output()
        .await
        .expect("python runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

/// A PDF's text as `pdftotext -layout` reads it: each printed line as one
/// line, its columns kept apart by spaces.
pub(crate) async fn pdf_layout_text(pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let output = tokio::process::Command::new("pdftotext")
        .args(["-layout", file.path().to_str().unwrap(), "-"])
        .output()
        .await
        .expect("pdftotext runs (scripts/test installs poppler-utils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

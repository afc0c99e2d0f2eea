//! The GraphQL operations a guide of `docs/` writes out.

use std::path::PathBuf;

/// The ```graphql blocks of `path` (from the repository's root), in
/// order; each holds one operation, as GraphiQL runs a paste without
/// asking which.
pub(crate) fn operations(path: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```graphql") => current = Some(String::new()),
            (Some(block), "```") => {
                assert_eq!(
                    count_operations(block),
                    1,
                    "{path}: one operation a block:\n{block}"
                );
                blocks.push(block.clone());
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// Operations in a block: braces opened at the top level, outside
/// comments and strings.
fn count_operations(block: &str) -> usize {
    let (mut depth, mut count) = (0i32, 0);
    for line in block.lines() {
        let code = line.split('#').next().unwrap_or_default();
        let mut in_string = false;
        for c in code.chars() {
            match c {
                '"' => in_string = !in_string,
                '{' if !in_string => {
                    if depth == 0 {
                        count += 1;
                    }
                    depth += 1;
                }
                '}' if !in_string => depth -= 1,
                _ => {}
            }
        }
    }
    count
}

/// `operation` with each `"PLACEHOLDER"` replaced by its value.
pub(crate) fn filled(operation: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(operation.to_owned(), |op, (name, value)| {
            op.replace(&format!("\"{name}\""), &format!("\"{value}\""))
        })
}

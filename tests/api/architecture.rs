//! Checks of the code's shape that keep it as ARCHITECTURE.md describes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The modules of `src/graphql`, by path (`objects::ledger`; the root is
/// `graphql`), each with the source before its tests.
fn graphql_modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, found: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let join = |name: &str| match prefix {
                "graphql" => name.to_owned(),
                _ => format!("{prefix}::{name}"),
            };
            if path.is_dir() {
                walk(&path, &join(&stem), found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = if stem == "mod" {
                    prefix.to_owned()
                } else {
                    join(&stem)
                };
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap().to_owned();
                found.insert(module, code);
            }
        }
    }
    let mut found = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql");
    walk(&root, "graphql", &mut found);
    found
}

/// The leaf paths of every `use` statement: `use a::{b, c::d};` gives
/// `[a, b]` and `[a, c, d]`.
fn use_paths(code: &str) -> Vec<Vec<String>> {
    fn leaves(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let prefix = [prefix, &head].concat();
            let inner = &tree[open + 1..tree.rfind('}').unwrap()];
            let (mut depth, mut start) = (0, 0);
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        leaves(&inner[start..i], &prefix, out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            leaves(&inner[start..], &prefix, out);
        } else if !tree.is_empty() {
            let path = tree.split(" as ").next().unwrap();
            let segments = path.split("::").map(|s| s.trim().to_owned());
            out.push(prefix.iter().cloned().chain(segments).collect());
        }
    }
    let mut out = Vec::new();
    let flat: String = code
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ");
    for statement in flat.split(';') {
        let statement = statement.trim();
        let tree = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
            .or_else(|| statement.strip_prefix("use "));
        if let Some(tree) = tree {
            leaves(tree, &[], &mut out);
        }
    }
    out
}

/// Which module of `modules` a path from `module` names, if any.
fn resolve(module: &str, path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let parent = |m: &str| match m.rsplit_once("::") {
        Some((parent, _)) => parent.to_owned(),
        None => "graphql".to_owned(),
    };
    let (mut base, rest) = match path.first().map(String::as_str) {
        Some("super") => {
            let mut base = parent(module);
            let mut rest = &path[1..];
            while rest.first().map(String::as_str) == Some("super") {
                base = parent(&base);
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some("crate") if path.get(1).map(String::as_str) == Some("graphql") => {
            ("graphql".to_owned(), &path[2..])
        }
        // A path relative to the module itself names one of its children.
        Some(_) => (module.to_owned(), path),
        None => return None,
    };
    let start = base.clone();
    for segment in rest {
        let candidate = match base.as_str() {
            "graphql" => segment.clone(),
            _ => format!("{base}::{segment}"),
        };
        if modules.contains(&candidate) {
            base = candidate;
        } else {
            break;
        }
    }
    // A relative path that named no child is an outside crate's.
    let relative = !matches!(path[0].as_str(), "super" | "crate");
    (!relative || base != start).then_some(base)
}

#[test]
fn no_graphql_module_imports_one_that_imports_it_back() {
    let modules = graphql_modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &modules {
        for path in use_paths(code) {
            if let Some(target) = resolve(module, &path, &names)
                && &target != module
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    // The check sees the imports it is about.
    assert!(edges["objects::ledger"].contains("context"), "{edges:?}");
    assert!(
        edges["roots::campaigns"].contains("roots::partners"),
        "{edges:?}"
    );
    assert!(edges["graphql"].contains("context"), "{edges:?}");
    assert!(edges.values().map(BTreeSet::len).sum::<usize>() > 30);

    // Depth-first search for a cycle, reporting its path.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for module in &names {
        let cycle = visit(module, &edges, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" → ")
        );
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let code_a = "use super::b::Thing;\nuse crate::graphql::{context::{x, y}, c};";
    let paths = use_paths(code_a);
    assert_eq!(
        paths,
        vec![
            vec!["super", "b", "Thing"],
            vec!["crate", "graphql", "context", "x"],
            vec!["crate", "graphql", "context", "y"],
            vec!["crate", "graphql", "c"],
        ]
    );
    let names: BTreeSet<String> = ["roots", "roots::a", "roots::b", "context"]
        .map(String::from)
        .into();
    assert_eq!(
        resolve("roots::a", &paths[0], &names).as_deref(),
        Some("roots::b")
    );
    assert_eq!(
        resolve("roots::a", &paths[1], &names).as_deref(),
        Some("context")
    );
}

//! Checks of the code's shape that keep it as ARCHITECTURE.md describes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the library by path (`deals::record::load`; a
/// folder's `mod.rs` is the folder's module, `lib.rs` is `crate`), each
/// with its code before its tests and without its comments.
fn crate_modules() -> BTreeMap<String, String> {
    sources()
        .into_iter()
        .filter(|(file, _)| file != "main.rs")
        .map(|(file, code)| {
            let path = file.strip_suffix(".rs").unwrap_or(&file);
            let path = path.strip_suffix("/mod").unwrap_or(path);
            let module = match path {
                "lib" => "crate".to_owned(),
                _ => path.replace('/', "::"),
            };
            (module, code)
        })
        .collect()
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

/// Paths written inline through `crate::` or `super::`
/// (`super::workflow::decided(&deal)`), groups expanded as in [`use_paths`].
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for keyword in ["crate::", "super::"] {
        for (at, _) in code.match_indices(keyword) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            if rest[end..].starts_with('{') {
                let group = &rest[end..];
                let (mut depth, mut close) = (0, group.len());
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                close = i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                out.extend(use_paths(&format!("use {path}::{};", &group[..close])));
            } else {
                out.push(path.split("::").map(str::to_owned).collect());
            }
        }
    }
    out
}

/// Which module of `modules` a path from `module` names, if any (`crate`
/// is the crate's root).
fn resolve(module: &str, path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let parent = |m: &str| match m.rsplit_once("::") {
        Some((parent, _)) => parent.to_owned(),
        None => "crate".to_owned(),
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
        Some("crate") => ("crate".to_owned(), &path[1..]),
        Some("self") => (module.to_owned(), &path[1..]),
        // A path relative to the module itself names one of its children.
        Some(_) => (module.to_owned(), path),
        None => return None,
    };
    let start = base.clone();
    for segment in rest {
        let candidate = match base.as_str() {
            "crate" => segment.clone(),
            _ => format!("{base}::{segment}"),
        };
        if modules.contains(&candidate) {
            base = candidate;
        } else {
            break;
        }
    }
    // A relative path that named no child is an outside crate's.
    let relative = !matches!(path[0].as_str(), "super" | "crate" | "self");
    (!relative || base != start).then_some(base)
}

/// Which modules each module names, by its `use` statements and its
/// inline `crate::` and `super::` paths. The crate root only declares the
/// modules, and a folder's `mod.rs` is the folder's interface (what its
/// files share): a file naming an ancestor folder's module is not an
/// edge, every other reference is.
fn module_edges(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in modules {
        if module == "crate" {
            continue;
        }
        for path in use_paths(code).into_iter().chain(inline_paths(code)) {
            if let Some(target) = resolve(module, &path, &names)
                && &target != module
                && target != "crate"
                && !module.starts_with(&format!("{target}::"))
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// A cycle among `edges`, as the path around it, if there is one.
fn first_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
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
    edges
        .keys()
        .find_map(|module| visit(module, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = module_edges(&crate_modules());
    // The check sees the imports it is about, inline paths included.
    assert!(
        edges["graphql::objects::ledger"].contains("graphql::context"),
        "{edges:?}"
    );
    assert!(edges["deals::record::decide"].contains("deals::moves"));
    assert!(edges["http::graphql"].contains("http::prepare"));
    assert!(edges["deals::deal"].contains("deals::moves"), "{edges:?}");
    assert!(edges.values().map(BTreeSet::len).sum::<usize>() > 300);
    if let Some(cycle) = first_cycle(&edges) {
        panic!("import cycle: {}", cycle.join(" → "));
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
    assert_eq!(
        inline_paths("if x { super::workflow::decided(&deal)?; crate::db::{now, Db}; }"),
        vec![
            vec!["crate", "db", "now"],
            vec!["crate", "db", "Db"],
            vec!["super", "workflow", "decided"],
        ]
    );
    // A cycle planted across folders, one side by an inline path.
    let planted: BTreeMap<String, String> = [
        ("crate", "pub mod deals; pub mod http;"),
        ("deals", ""),
        ("deals::deal", "use super::record::x;"),
        ("deals::record", "fn f() { crate::http::g(); }"),
        ("http", "use crate::deals::deal::y;"),
        ("http::graphql", "use super::prepare::z;"),
        ("http::prepare", ""),
    ]
    .into_iter()
    .map(|(module, code)| (module.to_owned(), code.to_owned()))
    .collect();
    assert_eq!(
        first_cycle(&module_edges(&planted)),
        Some(
            ["deals::deal", "deals::record", "http", "deals::deal"]
                .map(String::from)
                .to_vec()
        )
    );
    let mut mended = planted.clone();
    mended.insert("http".to_owned(), String::new());
    assert_eq!(first_cycle(&module_edges(&mended)), None);
}

/// The service layers of `revshare-core`, lowest first: a module may name
/// only modules of its own layer or below (ARCHITECTURE.md, "Layers").
/// The surface and the binary stand above every one of them, in crates of
/// their own: the compiler keeps the core from naming them.
const LAYERS: &[&[&str]] = &[
    &["engine"],
    &["failure"],
    &["error"],
    &[
        "input",
        "paging",
        "history",
        "activity",
        "mailbox",
        "languages",
    ],
    &["observe"],
    &["db"],
    &["jobs"],
    &["fx"],
    &["auth"],
    &["sign_in"],
    &["events"],
    &["mail"],
    &["posting"],
    &["directory"],
    &["messages"],
    &["campaigns"],
    &["tenants"],
    &["tiers"],
    &["engagement"],
    &["ledger"],
    &["retainers"],
    &["fraud"],
    &["attribution"],
    &["links"],
    &["deals"],
    &["payouts"],
    &["tax"],
    &["backtests"],
    &["portal", "staff"],
    &["applications"],
    &["nodes"],
    &["ingest"],
    &["connectors"],
    &["webhooks"],
    &["imports"],
    &["rails"],
    &["audit"],
    &["reads"],
];

/// The crates of the house above the engine, by the folder of their
/// sources: every service, the surface, the binary.
const CRATES: &[&str] = &["crates/revshare-core", "crates/revshare-api", "."];

/// Every source file of `dir` (a crate's folder), by path under its
/// `src/`, each with its code before its tests and without its comments.
fn crate_sources(dir: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, found: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap();
                let code: Vec<&str> = code
                    .lines()
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .collect();
                let name = path.strip_prefix(root).unwrap().to_string_lossy();
                found.insert(name.replace('\\', "/"), code.join("\n"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join("src");
    let mut found = BTreeMap::new();
    walk(&root, &root, &mut found);
    found
}

/// Every source file of the house above the engine, by path under its
/// crate's `src/` (module names are unique across the crates; the only
/// `lib.rs` kept is the binary's, the others declaring modules alone).
fn sources() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for dir in CRATES {
        let mut of = crate_sources(dir);
        if *dir != "." {
            of.remove("lib.rs");
        }
        found.extend(of);
    }
    found
}

/// The top-level module a file under `src/` belongs to (`None`: the crate
/// root or the binary).
fn top_module(file: &str) -> Option<&str> {
    let first = file.split('/').next().unwrap();
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then_some(name)
}

/// The top-level modules `code` names through `crate::`: paths
/// (`crate::db::Db`) and groups (`crate::{db, error::ApiError}`).
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                found.insert(ident(item.trim()));
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

/// Where `needle` occurs in `code` as a whole path (not the tail of a
/// longer name: `commission::` is not `partner_commission::`).
fn names(code: &str, needle: &str) -> bool {
    code.match_indices(needle).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Every file of `sources` outside `allowed` (path prefixes) that writes
/// `table` (its entity module `entity`) through SeaORM or in SQL.
fn writers_of(
    sources: &BTreeMap<String, String>,
    entity: &str,
    table: &str,
    allowed: &[&str],
) -> Vec<String> {
    let mut needles: Vec<String> = ["insert", "insert_many", "update", "update_many"]
        .iter()
        .chain(&["delete", "delete_many", "delete_by_id"])
        .map(|verb| format!("{entity}::Entity::{verb}("))
        .collect();
    needles.push(format!("{entity}::ActiveModel"));
    for verb in ["INSERT INTO", "UPDATE", "DELETE FROM"] {
        needles.push(format!("{verb} {table} "));
    }
    sources
        .iter()
        .filter(|(file, _)| !allowed.iter().any(|prefix| file.starts_with(prefix)))
        .filter(|(_, code)| needles.iter().any(|needle| names(code, needle)))
        .map(|(file, _)| file.clone())
        .collect()
}

/// The layer of each module of `LAYERS`.
fn layer_of() -> BTreeMap<&'static str, usize> {
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(layer, modules)| modules.iter().map(move |m| (*m, layer)))
        .collect()
}

/// Each reference from a module to one above it, as `file → module`.
fn upward_references(sources: &BTreeMap<String, String>) -> Vec<String> {
    let layer = layer_of();
    let mut upward = Vec::new();
    for (file, code) in sources {
        let Some(module) = top_module(file) else {
            continue;
        };
        for target in crate_references(code) {
            if let (Some(from), Some(to)) = (layer.get(module), layer.get(target.as_str()))
                && to > from
            {
                upward.push(format!("{file} → {target}"));
            }
        }
    }
    upward
}

#[test]
fn the_service_modules_form_a_stack() {
    let sources = crate_sources("crates/revshare-core");
    let layer = layer_of();
    // Every module has its place in the stack.
    let modules: BTreeSet<&str> = sources.keys().filter_map(|f| top_module(f)).collect();
    let unplaced: Vec<&&str> = modules.iter().filter(|m| !layer.contains_key(*m)).collect();
    assert!(unplaced.is_empty(), "modules with no layer: {unplaced:?}");
    // The check sees the references it is about.
    let of = |file: &str| crate_references(&sources[file]);
    assert!(of("ledger/refunds.rs").contains("posting"));
    assert!(of("db/mod.rs").contains("observe"));
    assert!(of("deals/deal.rs").contains("ledger"));
    let upward = upward_references(&sources);
    assert!(upward.is_empty(), "references up the stack: {upward:#?}");
}

/// The engine crate's sources, by file (`lib.rs`, `money.rs`…).
fn engine_sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/revshare-engine/src");
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code: Vec<&str> = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        found.insert(name, code.join("\n"));
    }
    found
}

/// Each crate of the workspace with the crates it depends on (normal
/// dependencies, as `cargo metadata` reads the manifests).
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let normal = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (package["name"].as_str().unwrap().to_owned(), normal)
        })
        .collect()
}

/// What breaks the cut of the house along its layers: a crate missing, or
/// one depending on what its layer may not name.
fn cut_breaches(crates: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let engine_may: BTreeSet<&str> =
        ["chrono", "chrono-tz", "rust_decimal", "serde", "serde_json"].into();
    let rules: [(&str, &[&str]); 3] = [
        (
            "revshare-core",
            &[
                "async-graphql",
                "axum",
                "tower-http",
                "revshare-api",
                "revshare",
            ],
        ),
        (
            "revshare-api",
            &["sea-orm", "sea-query", "sqlx", "migration", "revshare"],
        ),
        ("revshare-engine", &[]),
    ];
    let mut found = Vec::new();
    for name in [
        "revshare-engine",
        "revshare-core",
        "revshare-api",
        "revshare",
    ] {
        if !crates.contains_key(name) {
            found.push(format!("{name}: missing"));
        }
    }
    if let Some(engine) = crates.get("revshare-engine") {
        for dep in engine.iter().filter(|d| !engine_may.contains(d.as_str())) {
            found.push(format!("revshare-engine → {dep}"));
        }
    }
    for (name, forbidden) in rules {
        for dep in crates.get(name).into_iter().flatten() {
            if forbidden.contains(&dep.as_str()) {
                found.push(format!("{name} → {dep}"));
            }
        }
    }
    let stands = [
        ("revshare-core", "revshare-engine"),
        ("revshare-api", "revshare-core"),
        ("revshare-api", "revshare-engine"),
        ("revshare", "revshare-api"),
    ];
    for (upper, lower) in stands {
        if crates.get(upper).is_some_and(|deps| !deps.contains(lower)) {
            found.push(format!("{upper} does not stand on {lower}"));
        }
    }
    found
}

/// The house is four crates along its layers, and each crate's manifest
/// names only what its layer may: the engine no runtime, database, HTTP,
/// GraphQL, tracing or clock; the core no GraphQL or HTTP server; the
/// surface no database. A `use sea_orm::…` in the surface, or a clock in
/// the engine, is then a build error (CI checks the engine alone too, so
/// that no feature unified by the workspace hides one).
#[test]
fn the_crates_depend_as_the_layers_do() {
    let crates = workspace_dependencies();
    assert_eq!(cut_breaches(&crates), Vec::<String>::new());
    // The check finds a database named by the surface and an engine that
    // reaches for a runtime.
    let mut planted = crates.clone();
    planted
        .get_mut("revshare-api")
        .unwrap()
        .insert("sea-orm".to_owned());
    planted
        .get_mut("revshare-engine")
        .unwrap()
        .insert("tokio".to_owned());
    planted.remove("revshare");
    assert_eq!(
        cut_breaches(&planted),
        [
            "revshare: missing",
            "revshare-engine → tokio",
            "revshare-api → sea-orm"
        ]
    );
    // chrono without its clock in the engine: no `Utc::now` compiles there.
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/revshare-engine/Cargo.toml"
    ))
    .unwrap();
    let chrono = manifest.lines().find(|l| l.starts_with("chrono ")).unwrap();
    assert!(
        !chrono.contains("clock") && chrono.contains("default-features = false"),
        "{chrono}"
    );
}

/// Whether `code` names `word` as a whole word (`f64`, not `as_f64x`).
fn names_word(code: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        !code[..at].chars().next_back().is_some_and(part)
            && !code[at + word.len()..].chars().next().is_some_and(part)
    })
}

/// What in the engine's sources reaches out or leaves exact money: the
/// standard library's I/O, a clock, or a float. (Crates with I/O cannot be
/// named there at all: its manifest has none.)
fn engine_breaches(sources: &BTreeMap<String, String>) -> Vec<String> {
    let io = [
        "std::fs",
        "std::net",
        "std::io",
        "std::env",
        "std::time",
        "std::process",
        "std::thread",
        "Utc::now",
        "Local::now",
        "SystemTime",
    ];
    let own: BTreeSet<String> = sources
        .keys()
        .map(|f| f.trim_end_matches(".rs").to_owned())
        .collect();
    let mut found = Vec::new();
    for (file, code) in sources {
        for needle in io {
            if names(code, needle) {
                found.push(format!("{file}: {needle}"));
            }
        }
        for float in ["f64", "f32"] {
            if names_word(code, float) {
                found.push(format!("{file}: {float}"));
            }
        }
        for target in crate_references(code) {
            if !own.contains(&target) {
                found.push(format!("{file}: crate::{target}"));
            }
        }
    }
    found
}

#[test]
fn the_engine_does_no_io_and_no_floats() {
    let sources = engine_sources();
    assert!(sources.len() >= 5);
    assert_eq!(
        engine_breaches(&sources),
        Vec::<String>::new(),
        "the engine reaches out"
    );
    let planted: BTreeMap<String, String> = [
        (
            "money.rs".to_owned(),
            "let share = amount.to_f64().unwrap() as f64;".to_owned(),
        ),
        (
            "rules.rs".to_owned(),
            "let now = chrono::Utc::now();".to_owned(),
        ),
        (
            "tiers.rs".to_owned(),
            "let x: Decimal = half_f64(y);".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        engine_breaches(&planted),
        ["money.rs: f64", "rules.rs: Utc::now"]
    );
}

#[test]
fn only_the_posting_layer_writes_commissions() {
    let sources = sources();
    let mut writers = writers_of(&sources, "commission", "commissions", &["posting/"]);
    writers.extend(writers_of(
        &sources,
        "commission_transition",
        "commission_transitions",
        &["posting/"],
    ));
    assert!(
        writers.is_empty(),
        "commission rows written outside posting: {writers:?}"
    );
    // The check sees the writes it is about.
    let posting = writers_of(&sources, "commission", "commissions", &[]);
    assert_eq!(
        posting,
        [
            "posting/holds.rs",
            "posting/moves.rs",
            "posting/recipients.rs",
            "posting/rows.rs"
        ]
    );
}

#[test]
fn only_the_event_path_writes_events() {
    let sources = sources();
    let writers = writers_of(&sources, "event", "events", &["ledger/"]);
    assert!(
        writers.is_empty(),
        "events written outside the event path: {writers:?}"
    );
    let path = writers_of(&sources, "event", "events", &[]);
    assert!(path.contains(&"ledger/path/row.rs".to_owned()), "{path:?}");
}

/// Files outside `posting/locks.rs` that lock rows of `entity` (whose
/// table is `table`): a SeaORM lock (`lock_exclusive`, `lock_shared`,
/// `lock_with_behavior`, `lock`) in a statement on that entity, or SQL
/// that takes row locks (`FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`,
/// `FOR KEY SHARE`, `SKIP LOCKED`) in a text naming that table.
fn lockers_of(sources: &BTreeMap<String, String>, entity: &str, table: &str) -> Vec<String> {
    let find = format!("{entity}::Entity::find");
    let orm_locks = [
        "lock_exclusive()",
        "lock_shared()",
        "lock_with_behavior(",
        ".lock(",
    ];
    let sql_locks = [
        "FOR UPDATE",
        "FOR NO KEY UPDATE",
        "FOR SHARE",
        "FOR KEY SHARE",
        "SKIP LOCKED",
    ];
    let names_table = |text: &str| {
        ["FROM ", "JOIN ", "UPDATE "].iter().any(|keyword| {
            let wanted = format!("{keyword}{table}");
            text.match_indices(&wanted).any(|(at, _)| {
                let next = text[at + wanted.len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
    };
    sources
        .iter()
        .filter(|(file, _)| file.as_str() != "posting/locks.rs")
        .filter(|(_, code)| {
            let orm = orm_locks.iter().any(|lock| {
                code.match_indices(lock).any(|(at, _)| {
                    // The statement the lock is in: back to its last `;` or `{`.
                    let start = code[..at].rfind([';', '{']).map_or(0, |i| i + 1);
                    names(&code[start..at], &find)
                })
            });
            let sql = sql_locks.iter().any(|lock| {
                code.match_indices(lock).any(|(at, _)| {
                    // The SQL text the lock is in: its string literal.
                    let start = code[..at].rfind('"').map_or(0, |i| i + 1);
                    let end = code[at..].find('"').map_or(code.len(), |i| at + i);
                    names_table(&code[start..end])
                })
            });
            orm || sql
        })
        .map(|(file, _)| file.clone())
        .collect()
}

#[test]
fn only_the_lock_order_locks_partners_and_commissions() {
    let sources = sources();
    assert!(sources["posting/locks.rs"].contains("lock_exclusive()"));
    for (entity, table) in [("partner", "partners"), ("commission", "commissions")] {
        assert_eq!(
            lockers_of(&sources, entity, table),
            Vec::<String>::new(),
            "{entity} rows locked outside posting/locks.rs, the lock order's owner"
        );
    }
}

/// The files outside `auth/` that decide from who the caller is (its
/// partner, its role) rather than asking the request's policy.
fn deciders_of(sources: &BTreeMap<String, String>) -> Vec<String> {
    const WHO: [&str; 5] = [
        "own_partner(",
        ".role ==",
        ".role !=",
        "principal.role {",
        "Role::Partner =>",
    ];
    sources
        .iter()
        .filter(|(file, _)| !file.starts_with("auth/"))
        .filter(|(_, code)| WHO.iter().any(|who| code.contains(who)))
        .map(|(file, _)| file.clone())
        .collect()
}

#[test]
fn only_the_access_policy_decides_from_who_the_caller_is() {
    assert_eq!(
        deciders_of(&sources()),
        Vec::<String>::new(),
        "these files decide what a caller may see themselves; ask auth::access::Policy"
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    let code = "use crate::{db::Db, error::ApiError};\nlet x = crate::ledger::MAX_IDS;";
    let found: Vec<String> = crate_references(code).into_iter().collect();
    assert_eq!(found, ["db", "error", "ledger"]);
    assert!(!names(
        "partner_commission::Entity::insert(",
        "commission::Entity::insert("
    ));
    assert!(names(
        " commission::Entity::insert(",
        "commission::Entity::insert("
    ));
    let planted: BTreeMap<String, String> = [
        ("db.rs".to_owned(), "use crate::ledger::x;".to_owned()),
        (
            "deals/x.rs".to_owned(),
            "commission::Entity::update_many()".to_owned(),
        ),
        ("tiers/y.rs".to_owned(), "\"UPDATE events SET\"".to_owned()),
    ]
    .into();
    assert_eq!(upward_references(&planted), ["db.rs → ledger"]);
    assert_eq!(
        writers_of(&planted, "commission", "commissions", &["posting/"]),
        ["deals/x.rs"]
    );
    assert_eq!(
        writers_of(&planted, "event", "events", &["ledger/"]),
        ["tiers/y.rs"]
    );
    let locking: BTreeMap<String, String> = [
        (
            "deals/x.rs".to_owned(),
            "let p = partner::Entity::find().filter(a).lock_exclusive().one(c);".to_owned(),
        ),
        (
            "deals/y.rs".to_owned(),
            "let d = deal::Entity::find().lock_exclusive(); partner::Entity::find();".to_owned(),
        ),
    ]
    .into();
    assert_eq!(lockers_of(&locking, "partner", "partners"), ["deals/x.rs"]);
    // A claim that skips locked rows, and a lock in SQL, are locks too.
    let locking: BTreeMap<String, String> = [
        (
            "ledger/m.rs".to_owned(),
            "let due = commission::Entity::find().lock_with_behavior(LockType::Update, LockBehavior::SkipLocked).all(c);".to_owned(),
        ),
        (
            "ledger/n.rs".to_owned(),
            "let sql = \"SELECT id FROM commissions WHERE status = $1 LIMIT 5 FOR UPDATE SKIP LOCKED\";".to_owned(),
        ),
        (
            "ledger/o.rs".to_owned(),
            "let sql = \"SELECT id FROM commission_stats FOR UPDATE\";".to_owned(),
        ),
        (
            "webhooks/p.rs".to_owned(),
            "let sql = \"SELECT id FROM webhook_deliveries FOR UPDATE SKIP LOCKED\";".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        lockers_of(&locking, "commission", "commissions"),
        ["ledger/m.rs", "ledger/n.rs"]
    );
    let deciding: BTreeMap<String, String> = [
        (
            "graphql/roots/x.rs".to_owned(),
            "if principal.own_partner().is_some() { return Ok(None); }".to_owned(),
        ),
        (
            "http/y.rs".to_owned(),
            "if principal.role != Role::Admin { return forbidden(); }".to_owned(),
        ),
        (
            "auth/access.rs".to_owned(),
            "match self.principal.own_partner() {}".to_owned(),
        ),
        (
            "graphql/roots/z.rs".to_owned(),
            "policy.rows(named, &[Scope::DealsRead])?".to_owned(),
        ),
    ]
    .into();
    assert_eq!(deciders_of(&deciding), ["graphql/roots/x.rs", "http/y.rs"]);
}

/// What breaks the rule that an object's visibility is decided once, when
/// it is made: a `Visible` built outside `auth/` (only its constructor
/// decides), its row read bare outside an `id` field (`key()`), or a field
/// asking the policy itself (a scope or owner named in an object's file).
fn visibility_breaches(sources: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, code) in sources {
        if !file.starts_with("auth/") && (code.contains("Visible {") || code.contains("Visible{")) {
            found.push(format!("{file}: builds a Visible"));
        }
        if file.starts_with("graphql/objects/") {
            for asks in ["Scope::", "Owner::", ".allows(", "guard("] {
                if code.contains(asks) {
                    found.push(format!("{file}: a field asks `{asks}`"));
                }
            }
        }
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains(".key()") || file.starts_with("auth/") {
                continue;
            }
            let context = lines[i.saturating_sub(3)..i].join("\n");
            let names_id = context.contains("fn id(")
                || line.contains("\"id\" =>")
                || context.contains("\"id\"")
                || line.contains("Cursor::of(");
            if !names_id {
                found.push(format!("{file}:{}: reads a row bare", i + 1));
            }
        }
    }
    found
}

#[test]
fn visibility_is_decided_when_an_object_is_made() {
    assert_eq!(
        visibility_breaches(&sources()),
        Vec::<String>::new(),
        "objects are made by auth::visible::Visible::new and read through their columns"
    );
    let planted: BTreeMap<String, String> = [
        (
            "graphql/objects/x.rs".to_owned(),
            "fn name(&self, ctx: &Context<'_>) { guard(ctx, &[Scope::PartnersRead], Owner::AnyPartner)?; }".to_owned(),
        ),
        (
            "graphql/roots/y.rs".to_owned(),
            "let v = Visible { row, allowed: !0, partner: false };\nlet n = &v.key().name;".to_owned(),
        ),
        (
            "graphql/objects/z.rs".to_owned(),
            "async fn id(&self) -> ID {\n    ID(self.0.key().id.clone())\n}".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        visibility_breaches(&planted),
        [
            "graphql/objects/x.rs: a field asks `Scope::`",
            "graphql/objects/x.rs: a field asks `Owner::`",
            "graphql/objects/x.rs: a field asks `guard(`",
            "graphql/roots/y.rs: builds a Visible",
            "graphql/roots/y.rs:2: reads a row bare",
        ]
    );
}

/// What breaks the rule that a query asks the table who finds its kind: a
/// file of `graphql/roots/` (or an export or statement of `http/`) naming
/// a read scope. (That a root leaves its rows to the services is the
/// compiler's: the surface's crate names no database.)
fn read_rules_outside_the_table(sources: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, code) in sources {
        if !(file.starts_with("graphql/roots/") || file.starts_with("http/")) {
            continue;
        }
        let mut rest = code.as_str();
        while let Some(at) = rest.find("Scope::") {
            let name: String = rest[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.ends_with("Read") {
                found.push(format!("{file}: names Scope::{name}"));
            }
            rest = &rest[at + 7..];
        }
    }
    found
}

#[test]
fn every_read_rule_is_in_the_table() {
    assert_eq!(
        read_rules_outside_the_table(&sources()),
        Vec::<String>::new(),
        "a query asks auth::access (Policy::finds, Policy::list) for its kind"
    );
    let planted: BTreeMap<String, String> = [
        (
            "graphql/roots/x.rs".to_owned(),
            "principal.require(Scope::CommissionsRead)?;\nlet w = writer(ctx, Scope::CommissionsWrite)?;".to_owned(),
        ),
        (
            "ledger/z.rs".to_owned(),
            "policy.require(Scope::CommissionsRead)?;".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        read_rules_outside_the_table(&planted),
        ["graphql/roots/x.rs: names Scope::CommissionsRead"]
    );
}

/// Objects that wrap a stored row without `Visible`: each is a part of
/// another object, made by that object's field after its column was read,
/// and shown with the policy's view of actors.
const PARTS: &[(&str, &str)] = &[
    (
        "CommissionTransition",
        "Commission.history, its History column",
    ),
    (
        "Change",
        "the history of a deal, a partner or a customer, by their History columns",
    ),
    ("DealFieldValue", "Deal.customFieldValues, the deal's Row"),
    ("DealTerms", "Deal.terms, the deal's Terms column"),
    ("DealPlan", "DealTerms.plans, a part of its deal's terms"),
    (
        "TierProgress",
        "Partner.tierProgress, the partner's Tiers column, its tiers those the partner's campaigns see",
    ),
    (
        "TaxYear",
        "taxYear's answer, to the readers of its kind's Row (tax::readers)",
    ),
    ("TaxPayee", "TaxYear.payees, a part of its year"),
    (
        "BacktestPartner",
        "Backtest.partners, a part of the backtest (a Visible), its partner read by the loader only for staff",
    ),
    (
        "WorkflowRun",
        "Workflow.runs, a part of its workflow (a Visible), its partner read by the loader",
    ),
];

/// Every struct `code` declares, by name, with its whole body: a tuple
/// struct's fields to its `;`, a struct's to its closing brace, however
/// many lines either takes.
fn struct_bodies(code: &str) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("struct ") {
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[at + "struct ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' | '{' | '<' | '[' => depth += 1,
                ')' | ']' | '>' => depth = depth.saturating_sub(1),
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        if !name.is_empty() {
            found.push((name, &rest[..end]));
        }
    }
    found
}

/// The GraphQL objects of `sources` that wrap a stored row (a `Model`)
/// bare rather than in a `Visible`, but the [`PARTS`]: the whole of each
/// struct's body is read.
fn rows_without_visible(sources: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, code) in sources {
        // The loaders' caches hold rows; they are no objects.
        if !file.starts_with("graphql/") || file.starts_with("graphql/loaders/") {
            continue;
        }
        for (name, body) in struct_bodies(code) {
            let declared = &code[..code.find(body).unwrap_or(0)];
            let public = declared.trim_end().trim_end_matches("struct").trim_end();
            if !(public.ends_with("pub") || public.ends_with(')')) {
                continue;
            }
            let bare = body.contains("Model") && !body.contains("Visible<");
            if bare && !PARTS.iter().any(|(part, _)| *part == name) {
                found.push(format!("{file}: {name}"));
            }
        }
    }
    found
}

#[test]
fn every_object_of_a_stored_row_is_made_through_visible() {
    assert_eq!(
        rows_without_visible(&sources()),
        Vec::<String>::new(),
        "wrap the row in auth::visible::Visible (a kind of auth::access), or list it in PARTS"
    );
    let planted: BTreeMap<String, String> = [
        (
            "graphql/objects/x.rs".to_owned(),
            "pub struct Import(pub import::Model);\npub struct Change(pub change::Model);"
                .to_owned(),
        ),
        (
            "graphql/objects/w.rs".to_owned(),
            "pub struct Link {\n    pub partner: String,\n    pub row: partner_link::Model,\n}\npub(crate) struct Shown(\n    pub Visible<click::Model>,\n);"
                .to_owned(),
        ),
        (
            "graphql/roots/y.rs".to_owned(),
            "pub struct Backtest(pub Visible<backtest::Model>);".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        rows_without_visible(&planted),
        ["graphql/objects/w.rs: Link", "graphql/objects/x.rs: Import"]
    );
}

/// The modules `lib.rs` declares that its tour does not name.
fn untoured(lib: &str) -> Vec<String> {
    let tour: String = lib
        .lines()
        .filter(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    lib.lines()
        .filter_map(|line| line.strip_prefix("pub mod "))
        .map(|name| name.trim_end_matches(';').to_owned())
        .filter(|name| !tour.contains(&format!("[`{name}`]")))
        .collect()
}

#[test]
fn the_crates_tour_names_every_module() {
    for dir in CRATES {
        let lib = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(dir)
            .join("src/lib.rs");
        let lib = std::fs::read_to_string(&lib).unwrap();
        assert_eq!(
            untoured(&lib),
            Vec::<String>::new(),
            "name it in {dir}/src/lib.rs's tour"
        );
    }
    assert_eq!(
        untoured("//! - [`engine`]: arithmetic.\npub mod engine;\npub mod jobs;\n"),
        ["jobs"]
    );
}

/// Tasks started outside `jobs/` that are no background work: each is a
/// request's, a connection's or a pass's own, ended with it.
const REQUEST_TASKS: &[(&str, &str)] = &[
    ("graphql/loaders/mod.rs", "a request's DataLoader batches"),
    (
        "http/body.rs",
        "a refused body's rest read and dropped behind its 413, bounded by 8 MiB and 2 s",
    ),
    (
        "http/ws.rs",
        "a socket's own operations, ended with the socket",
    ),
    (
        "mail/smtp.rs",
        "QUIT after an accepted message, bounded by the step deadline",
    ),
    (
        "ledger/accrual/split.rs",
        "a request's batch split over connections, awaited by it",
    ),
    (
        "webhooks/dispatch.rs",
        "a dispatch pass's sends at once, each joined before the pass ends",
    ),
];

/// Whether `code` starts a task in any form: a path to a spawn function
/// (`tokio::spawn`, `task::spawn_blocking`, passed or called), or a spawn
/// method (`set.spawn(…)`, `handle.spawn_local(…)`).
fn spawns(code: &str) -> bool {
    code.match_indices("spawn").any(|(at, _)| {
        let before = &code[..at];
        let after = &code[at + "spawn".len()..];
        let name_ends = after
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .len();
        let call_or_path = before.ends_with("::")
            || (before.ends_with('.') && {
                let rest = &after[after.len() - name_ends..];
                rest.trim_start().starts_with('(')
            });
        let suffix = &after[..after.len() - name_ends];
        call_or_path && (suffix.is_empty() || suffix.starts_with('_'))
    })
}

/// Every file of `sources` outside `jobs/` that starts a task or declares
/// a lease: a spawn in any form ([`spawns`], but the [`REQUEST_TASKS`]), or
/// a lease column named — jobs start through `jobs::Runner::start`, and a
/// lease is taken, renewed, released and revoked only through `jobs::lease`.
fn background_work_outside_jobs(sources: &BTreeMap<String, String>) -> Vec<String> {
    const LEASE_COLUMNS: &[&str] = &[
        "Column::LeaseUntil",
        "Column::RailLeaseUntil",
        "Column::RailLease",
    ];
    sources
        .iter()
        .filter(|(file, _)| !file.starts_with("jobs/"))
        .filter_map(|(file, code)| {
            let spawned = spawns(code) && !REQUEST_TASKS.iter().any(|(allowed, _)| allowed == file);
            let leases = LEASE_COLUMNS.iter().any(|column| code.contains(column));
            (spawned || leases).then(|| file.clone())
        })
        .collect()
}

#[test]
fn background_work_runs_through_jobs() {
    let found = background_work_outside_jobs(&sources());
    assert!(
        found.is_empty(),
        "tasks or leases outside jobs/ (start them with jobs::Runner, hold rows with jobs::Lease): {found:?}"
    );
    // The check finds a loop spawned in any form, and a lease written,
    // where they should not be.
    let planted: BTreeMap<String, String> = [
        (
            "mail/digest.rs".to_owned(),
            "tokio::spawn(async move { loop { tick().await } });".to_owned(),
        ),
        (
            "imports/x.rs".to_owned(),
            "import::Entity::update_many().col_expr(import::Column::LeaseUntil, v)".to_owned(),
        ),
        (
            "links/y.rs".to_owned(),
            "let mut set = JoinSet::new();\nset.spawn(async move { loop {} });".to_owned(),
        ),
        (
            "payouts/z.rs".to_owned(),
            "let done = tokio::task::spawn_blocking(move || render(pdf));".to_owned(),
        ),
        (
            "tax/w.rs".to_owned(),
            "let runner = DataLoader::new(loader, tokio::spawn);".to_owned(),
        ),
        (
            "fraud/v.rs".to_owned(),
            "let child = command.spawn_guarded; respawn(x); let s = spawned;".to_owned(),
        ),
        (
            "http/ws.rs".to_owned(),
            "let task = tokio::spawn(run(socket));".to_owned(),
        ),
        (
            "jobs/stop.rs".to_owned(),
            "let task = tokio::spawn(work);".to_owned(),
        ),
    ]
    .into();
    assert_eq!(
        background_work_outside_jobs(&planted),
        [
            "imports/x.rs",
            "links/y.rs",
            "mail/digest.rs",
            "payouts/z.rs",
            "tax/w.rs"
        ]
    );
}

/// The integration tests' files (`tests/api/`), by path under it
/// (`ledger.rs`, `switch_tolt/account.rs`, `support/paypal.rs`), whole:
/// comments are read too, a doc link being a reference as well.
fn test_files() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, found: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(root).unwrap().to_string_lossy();
                let text = std::fs::read_to_string(&path).unwrap();
                found.insert(name.replace('\\', "/"), text);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api");
    let mut found = BTreeMap::new();
    walk(&root, &root, &mut found);
    found
}

/// `code` with the inside of its string literals blanked (its lines kept
/// where they were): a string is no reference, a comment is.
fn without_strings(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < chars.len() {
        let at = |n: usize| chars.get(i + n).copied();
        if at(0) == Some('/') && at(1) == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(chars[i]);
                i += 1;
            }
        } else if at(0) == Some('\'')
            && (at(1) == Some('"') || (at(1) == Some('\\') && at(3) == Some('\'')))
        {
            // '"' and '\"' are characters, not strings.
            let len = if at(1) == Some('"') { 3 } else { 4 };
            out.extend(&chars[i..i + len]);
            i += len;
        } else if at(0) == Some('"') || (at(0) == Some('r') && matches!(at(1), Some('"' | '#'))) {
            let raw = at(0) == Some('r');
            let hashes = if raw {
                chars[i + 1..].iter().take_while(|c| **c == '#').count()
            } else {
                0
            };
            let open = if raw { 2 + hashes } else { 1 };
            if raw && at(1 + hashes) != Some('"') {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            out.extend(&chars[i..i + open]);
            i += open;
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() {
                if !raw && chars[i] == '\\' {
                    out.push_str("  ");
                    i += 2;
                    continue;
                }
                let rest: String = chars[i..(i + close.len()).min(chars.len())]
                    .iter()
                    .collect();
                if rest == close {
                    out.push_str(&close);
                    i += close.len();
                    break;
                }
                out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The area modules `main.rs` declares: every module but `helpers` (the
/// harness) and `support` (what the areas share).
fn test_areas(main: &str) -> BTreeSet<String> {
    main.lines()
        .filter_map(|line| line.strip_prefix("mod "))
        .map(|name| name.trim_end_matches(';').trim().to_owned())
        .filter(|name| name != "helpers" && name != "support")
        .collect()
}

/// Each reference a file of `files` makes to an area module not its own,
/// as `file:line: crate::area`: a path through `crate::` (or a
/// `crate::{…}` group), or through `super::` to the crate's root (once
/// from an area's file, twice from a file of its folder). A file's own
/// area is its path's first part (`switch_tolt/account.rs` is
/// `switch_tolt`'s, and may name it); `helpers.rs` and `support/` own no
/// area, so they name none. The macros (`crate::on_both_databases!`) are
/// no modules.
fn cross_area_references(
    files: &BTreeMap<String, String>,
    areas: &BTreeSet<String>,
) -> Vec<String> {
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (file, code) in files {
        if file == "main.rs" {
            continue;
        }
        let own = file
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        let depth = file.matches('/').count();
        let code = &without_strings(code);
        let up = "super::".repeat(depth + 1);
        let mut named = |at: usize, area: String| {
            if areas.contains(&area) && area != own {
                let line = code[..at].matches('\n').count() + 1;
                found.push(format!("{file}:{line}: crate::{area}"));
            }
        };
        for prefix in ["crate::", up.as_str()] {
            for (at, _) in code.match_indices(prefix) {
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let rest = &code[at + prefix.len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    for item in group.split(',') {
                        named(at, ident(item.trim()));
                    }
                } else {
                    named(at, ident(rest));
                }
            }
        }
    }
    found
}

#[test]
fn no_area_module_reaches_into_another() {
    let files = test_files();
    let areas = test_areas(&files["main.rs"]);
    // The check reads the tests as they are.
    assert!(
        areas.contains("ledger") && areas.contains("rails"),
        "{areas:?}"
    );
    assert!(!areas.contains("support") && !areas.contains("helpers"));
    assert!(files.contains_key("switch_tolt/account.rs"));
    assert!(files.keys().filter(|f| f.starts_with("support/")).count() > 10);
    assert_eq!(
        cross_area_references(&files, &areas),
        Vec::<String>::new(),
        "move what the areas share into tests/api/support/ and import it from there"
    );
    // Planted references, in every form, beside what is allowed.
    let planted: BTreeMap<String, String> = [
        (
            "ledger.rs",
            "use crate::helpers::TestApp;\nuse crate::support::sales::record;\ncrate::on_both_databases!(a);\nfn f() { crate::ledger::x(); }",
        ),
        (
            "payouts.rs",
            "use crate::ledger::{partner_at, sale_input};\n/// As [`crate::rails`] does.\nfn f() { crate::rails::paypal::serve(); }",
        ),
        ("tax.rs", "use crate::{campaigns, helpers};\nfn f() { super::deals::pipeline(); }"),
        (
            "switch_tolt/account.rs",
            "use super::problems;\nfn f() { super::super::imports::options(); }",
        ),
        ("support/sales.rs", "use crate::support::wait;\nfn f() { crate::ledger::x(); }"),
        ("helpers.rs", "macro_rules! m { () => { super::$test(app) } }"),
        (
            "architecture.rs",
            "let code = \"use crate::ledger::x;\";\nlet raw = r#\"crate::rails\"#;\nlet c = '\"'; // crate::tax\n",
        ),
    ]
    .into_iter()
    .map(|(file, code)| (file.to_owned(), code.to_owned()))
    .collect();
    let areas: BTreeSet<String> = [
        "campaigns",
        "deals",
        "imports",
        "ledger",
        "payouts",
        "rails",
        "switch_tolt",
        "tax",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        cross_area_references(&planted, &areas),
        [
            "architecture.rs:3: crate::tax",
            "payouts.rs:1: crate::ledger",
            "payouts.rs:2: crate::rails",
            "payouts.rs:3: crate::rails",
            "support/sales.rs:2: crate::ledger",
            "switch_tolt/account.rs:2: crate::imports",
            "tax.rs:1: crate::campaigns",
            "tax.rs:2: crate::deals",
        ]
    );
}

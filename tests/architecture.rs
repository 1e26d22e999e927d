//! The architecture's rules, checked: the module dependency order of `ARCHITECTURE.md`,
//! one meaning of "standard library" from semantics to codegen, names resolved once (by
//! semantics, never by codegen), and the examples' own
//! `test` blocks run by the real driver.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/tree.rs"]
mod tree;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use tree::rust_files;

/// The stages from lowest to highest (`ARCHITECTURE.md`). A module may import only from
/// modules at its own rank or lower; `source`, `diagnostics` and `stdlib` are leaf
/// utilities of the compiler stages (`calendar` a leaf of the checker and the interpreter), `compiler` and `testing` drive the compiler stages
/// and the interpreter, and `cli` (the binary) uses everything.
const RANKS: &[(&str, u32)] = &[
    ("source", 0),
    ("calendar", 0),
    ("limits", 0),
    ("calendar", 0),
    ("limits", 0),
    ("diagnostics", 1),
    ("stdlib", 1),
    ("syntax", 2),
    ("semantics", 3),
    ("format", 3),
    ("codegen", 4),
    ("bundle", 5),
    ("vm", 6),
    ("compiler", 7),
    ("testing", 8),
    ("runtime", 8),
    ("lsp", 8),
    ("cli", 9),
];

fn rank(module: &str) -> Option<u32> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// The top-level module a file of `src/` belongs to (`src/vm/jit/lower.rs` → `vm`).
fn owner(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Every `crate::MODULE` a file names (in `use` lines and paths alike).
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (index, _) in text.match_indices("crate::") {
        let preceded_by_ident = text[..index]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if preceded_by_ident {
            continue;
        }
        let rest = &text[index + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn no_stage_imports_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let mut violations = Vec::new();
    for file in &files {
        let Some(module) = owner(&src, file) else {
            continue;
        };
        // The crate root and the binary's entry point are above every stage.
        if module == "lib" || module == "main" {
            continue;
        }
        let own = rank(&module).unwrap_or_else(|| {
            panic!("module `{module}` has no rank in this test and ARCHITECTURE.md")
        });
        let text = std::fs::read_to_string(file).expect("readable");
        for used in crate_references(&text) {
            let Some(theirs) = rank(&used) else {
                continue;
            };
            if theirs > own {
                violations.push(format!("{} ({module}) uses crate::{used}", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Modules that are nodes of their own in the module graph, apart from their parent:
/// the native tier, and the value layout it shares with the interpreter.
const SUBMODULE_NODES: &[&str] = &["vm::jit", "vm::value"];

/// The module path of a file of `src/` (`src/vm/jit/mod.rs` → `vm::jit`,
/// `src/vm/jit/lower.rs` → `vm::jit::lower`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let mut path: Vec<String> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .map(|c| c.trim_end_matches(".rs").to_string())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// The node of the module graph an absolute module path belongs to.
fn node_of(path: &[String]) -> Option<String> {
    let joined = path.join("::");
    SUBMODULE_NODES
        .iter()
        .find(|node| joined == **node || joined.starts_with(&format!("{node}::")))
        .map(|node| node.to_string())
        .or_else(|| path.first().cloned())
}

/// Every module path a file names through `crate::`, `super::` or `self::` (in `use`
/// lines, groups included, and in paths), made absolute. Comment lines are skipped.
fn module_references(own: &[String], text: &str) -> BTreeSet<Vec<String>> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(at) = ["crate::", "super::", "self::"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, *p)))
            .min()
        {
            let (index, prefix) = at;
            let preceded = rest[..index]
                .chars()
                .next_back()
                .is_some_and(|c| is_ident(c) || c == ':' || c == '$');
            let tail = &rest[index..];
            rest = &rest[index + prefix.len()..];
            if preceded {
                continue;
            }
            // The segments of the path: `super::super::x::{a, b}`.
            let mut base: Vec<String> = match prefix {
                "crate::" => Vec::new(),
                "self::" => own.to_vec(),
                _ => own[..own.len().saturating_sub(1)].to_vec(),
            };
            let mut cursor = &tail[prefix.len()..];
            while let Some(next) = cursor.strip_prefix("super::") {
                base.pop();
                cursor = next;
            }
            loop {
                let name: String = cursor.chars().take_while(|&c| is_ident(c)).collect();
                if name.is_empty() {
                    break;
                }
                cursor = &cursor[name.len()..];
                base.push(name);
                match cursor.strip_prefix("::") {
                    Some(next) => cursor = next,
                    None => break,
                }
            }
            if let Some(group) = cursor.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let first: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                    if !first.is_empty() && first != "self" {
                        let mut path = base.clone();
                        path.push(first);
                        found.insert(path);
                    }
                }
            }
            if !base.is_empty() {
                found.insert(base);
            }
        }
    }
    found
}

/// The module graph: top-level modules, and [`SUBMODULE_NODES`] on their own. A
/// parent declaring its child (`mod jit;`) is not an edge; using it is.
fn module_graph() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let mut edges = BTreeSet::new();
    for file in &files {
        let own = module_path(&src, file);
        let Some(from) = node_of(&own) else { continue };
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("readable");
        // An inline test module's `super` is the file's own module, and its uses are
        // the tests', not the module's.
        let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        for path in module_references(&own, text) {
            if let Some(to) = node_of(&path)
                && to != from
                && rank(&to).is_some() | SUBMODULE_NODES.contains(&to.as_str())
            {
                edges.insert((from.clone(), to));
            }
        }
    }
    edges
}

/// The cycles of a graph, as the nodes of each strongly connected component bigger than
/// one node.
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<BTreeSet<String>> {
    let nodes: BTreeSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let reaches = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(node) = todo.pop() {
            for (a, b) in edges {
                if *a == node && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for node in nodes {
        let forward = reaches(node);
        if !forward.contains(node) {
            continue;
        }
        let component: BTreeSet<String> = forward
            .into_iter()
            .filter(|other| reaches(other).contains(node))
            .collect();
        if !found.contains(&component) {
            found.push(component);
        }
    }
    found
}

/// The module graph has no cycle, with the native tier (`vm::jit`) and the value layout
/// (`vm::value`) as nodes of their own: the interpreter calls the native tier, which
/// reads the bytecode and the value layout and never the interpreter.
#[test]
fn the_module_graph_has_no_cycle() {
    let edges = module_graph();
    assert!(
        edges.contains(&("vm".into(), "vm::jit".into())),
        "the interpreter calls the native tier: {edges:#?}"
    );
    let jit: Vec<&String> = edges
        .iter()
        .filter(|(from, _)| from == "vm::jit")
        .map(|(_, to)| to)
        .collect();
    assert!(
        jit.iter()
            .all(|to| ["codegen", "limits", "vm::value"].contains(&to.as_str())),
        "the native tier reads only the bytecode, the limits and the value layout: {jit:?}"
    );
    let cycles = cycles(&edges);
    assert!(cycles.is_empty(), "{cycles:#?}");
}

/// The cycle finder finds a cycle through a submodule node.
#[test]
fn a_cycle_between_vm_and_its_native_tier_would_be_found() {
    let own = vec!["vm".to_string(), "jit".to_string(), "helpers".to_string()];
    let references = module_references(
        &own,
        "use crate::vm::{session::Session, value};
use super::super::eval::Env;",
    );
    let mut edges = BTreeSet::new();
    for path in &references {
        if let Some(to) = node_of(path) {
            edges.insert(("vm::jit".to_string(), to));
        }
    }
    assert!(
        edges.contains(&("vm::jit".into(), "vm".into())),
        "{edges:?}"
    );
    assert!(
        edges.contains(&("vm::jit".into(), "vm::value".into())),
        "{edges:?}"
    );
    edges.insert(("vm".into(), "vm::jit".into()));
    assert_eq!(cycles(&edges).len(), 1, "{edges:?}");
}

/// Semantics hands codegen what it resolved: no module of codegen reaches for the
/// resolver's tables (the symbols, the variable graph and its name keys) or builds a
/// map from names to table indexes; it asks `semantics::Resolved` by position.
#[test]
fn codegen_resolves_no_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/codegen");
    let files = rust_files(&src);
    let forbidden = [
        "semantics::symbols",
        "Symbols",
        "VarKey",
        "VarGraph",
        "collection_steps",
        ".graph",
        "lookup_var",
        "syms.",
        "HashMap<&str, u32>",
        "HashMap<&'a str",
    ];
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        for word in forbidden {
            if text.contains(word) {
                violations.push(format!("{} names `{word}`", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

fn procc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("procc runs")
}

fn procedures_of(bundle: &Path) -> serde_json::Value {
    let output = procc(&[
        "inspect",
        bundle.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    document["procedures"].clone()
}

/// A user's file whose path starts with `std/` is still the user's: codegen takes the
/// standard library to be exactly what semantic analysis said it is.
#[test]
fn a_file_under_a_std_folder_builds_like_any_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "procedure hello: follow_up {\n  label \"Hello\"\n  question \"Hi?\"\n  trigger always\n}\n";
    let mut built = Vec::new();
    for folder in ["std", "app"] {
        std::fs::create_dir(dir.path().join(folder)).expect("mkdir");
        std::fs::write(dir.path().join(folder).join("shop.proc"), text).expect("write");
        let bundle = dir.path().join(format!("{folder}.procb"));
        let output = Command::new(env!("CARGO_BIN_EXE_procc"))
            .args(["build", &format!("{folder}/shop.proc"), "-o"])
            .arg(&bundle)
            .current_dir(dir.path())
            .output()
            .expect("procc runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        built.push(procedures_of(&bundle));
    }
    assert_eq!(built[0], built[1]);
    assert_eq!(built[0].as_array().map(Vec::len), Some(1), "{}", built[0]);
}

/// The examples' own `test` blocks, through the real driver: `cargo test` fails when an
/// example stops doing what its tests say.
#[test]
fn the_examples_pass_their_own_tests() {
    let output = procc(&["test", "examples"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

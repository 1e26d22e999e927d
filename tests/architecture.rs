//! The architecture's rules, checked: the module dependency order of `ARCHITECTURE.md`,
//! one meaning of "standard library" from semantics to codegen, names resolved once (by
//! semantics, never by codegen), and the examples' own
//! `test` blocks run by the real driver.

#![cfg(feature = "cli")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
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
    let mut files = Vec::new();
    rust_files(&src, &mut files);
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

/// Semantics hands codegen what it resolved: no module of codegen reaches for the
/// resolver's tables (the symbols, the variable graph and its name keys) or builds a
/// map from names to table indexes; it asks `semantics::Resolved` by position.
#[test]
fn codegen_resolves_no_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/codegen");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
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

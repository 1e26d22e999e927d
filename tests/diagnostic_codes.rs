//! The diagnostic codes have one source per stage (`src/syntax/errors.rs`,
//! `src/semantics/codes.rs`, `src/testing/mod.rs`), and the sources,
//! `docs/diagnostics.md` and `tests/ui/` agree: every code is documented and UI-tested,
//! every documented code exists, and every UI case is named after a real code.
#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/tree.rs"]
mod tree;

use std::collections::BTreeSet;
use std::path::Path;

use procc::diagnostics::catalog::entries;
use tree::{quoted_codes, rust_files};

/// The files that define codes: one per stage that reports diagnostics.
const CODE_SOURCES: &[&str] = &[
    "src/syntax/errors.rs",
    "src/semantics/codes.rs",
    "src/testing/mod.rs",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The code of every `pub const NAME: &str = "CODE";` of the code sources.
fn defined() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for file in CODE_SOURCES {
        let text = std::fs::read_to_string(root().join(file)).expect("readable");
        for line in text.lines() {
            if line.contains("const ") && line.contains(": &str = \"") {
                codes.extend(quoted_codes(line));
            }
        }
    }
    codes
}

/// The codes of `tests/ui/<CODE>_<name>.proc`.
fn ui_tested() -> BTreeSet<String> {
    std::fs::read_dir(root().join("tests/ui"))
        .expect("tests/ui")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proc"))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_owned();
            Some(stem.split('_').next()?.to_owned())
        })
        .collect()
}

/// No stage writes a code as a literal outside its code source (tests aside): a code
/// is named by its constant.
#[test]
fn codes_are_written_in_one_place_per_stage() {
    let mut stray = Vec::new();
    for file in rust_files(&root().join("src")) {
        let relative = file.strip_prefix(root()).expect("under the root");
        let name = relative.to_string_lossy().replace('\\', "/");
        if CODE_SOURCES.contains(&name.as_str()) || name.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        for code in quoted_codes(text) {
            stray.push(format!("{name}: \"{code}\""));
        }
    }
    assert!(stray.is_empty(), "{stray:#?}");
}

#[test]
fn sources_docs_and_ui_tests_agree() {
    let defined = defined();
    assert!(defined.len() > 40, "{defined:?}");
    let catalog = entries();
    let documented: BTreeSet<String> = catalog.iter().map(|e| e.code.to_owned()).collect();
    // A retired code stays documented (its number is never reused) and is no longer
    // defined; an internal one (a defect of procc) has no source that produces it.
    let retired: BTreeSet<String> = catalog
        .iter()
        .filter(|e| e.severity == "—")
        .map(|e| e.code.to_owned())
        .collect();
    let internal: BTreeSet<String> = catalog
        .iter()
        .filter(|e| e.severity.starts_with("internal"))
        .map(|e| e.code.to_owned())
        .collect();
    let ui = ui_tested();

    let undocumented: Vec<_> = defined.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "defined, not documented: {undocumented:?}"
    );
    let phantom: Vec<_> = documented
        .difference(&defined)
        .filter(|c| !retired.contains(*c))
        .collect();
    assert!(
        phantom.is_empty(),
        "documented, defined nowhere: {phantom:?}"
    );
    let revived: Vec<_> = retired.intersection(&defined).collect();
    assert!(revived.is_empty(), "retired but defined: {revived:?}");
    // `T` codes are `procc test`'s failures, tested through `procc test`.
    let untested: Vec<_> = defined
        .iter()
        .filter(|c| !c.starts_with('T') && !internal.contains(*c) && !ui.contains(*c))
        .collect();
    assert!(untested.is_empty(), "no UI test: {untested:?}");
    let stray: Vec<_> = ui
        .iter()
        .filter(|c| !defined.contains(*c) || retired.contains(*c))
        .collect();
    assert!(stray.is_empty(), "UI tests of no current code: {stray:?}");
}

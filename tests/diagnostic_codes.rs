//! The diagnostic codes have one source per stage (`src/syntax/errors.rs`,
//! `src/semantics/codes.rs`, `src/testing/mod.rs`), and the sources,
//! `docs/diagnostics.md` and `tests/ui/` agree: every code is documented and UI-tested,
//! every documented code exists, and every UI case is named after a real code.
#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use procc::diagnostics::catalog::entries;

/// The files that define codes: one per stage that reports diagnostics.
const CODE_SOURCES: &[&str] = &[
    "src/syntax/errors.rs",
    "src/semantics/codes.rs",
    "src/testing/mod.rs",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every quoted code (`"E0103"`, `"W0100"`, `"T0001"`) in `text`.
fn quoted_codes(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for window in text.as_bytes().windows(7) {
        if window[0] == b'"'
            && window[6] == b'"'
            && matches!(window[1], b'E' | b'W' | b'T')
            && window[2..6].iter().all(u8::is_ascii_digit)
        {
            found.insert(String::from_utf8_lossy(&window[1..6]).into_owned());
        }
    }
    found
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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
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
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut stray = Vec::new();
    for file in files {
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

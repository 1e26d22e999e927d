//! Reading the crate's own sources from tests (the architecture and diagnostic-code
//! checks). Include with `#[path = "common/tree.rs"] mod tree;`.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`, recursively.
pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(dir, &mut out);
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every quoted diagnostic code (`"E0103"`, `"W0100"`, `"T0001"`) in `text`.
pub(crate) fn quoted_codes(text: &str) -> BTreeSet<String> {
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

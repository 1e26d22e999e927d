//! `procc explain CODE`: what a diagnostic code means, a minimal example that has it
//! (the code's UI test case) with what `procc check` says about it, and the fix. The text
//! comes from `docs/diagnostics.md` ([`procc::diagnostics::catalog`]), the one source of
//! truth.

use procc::diagnostics::Sources;
use procc::diagnostics::catalog::{Entry, entries, entry};
use procc::diagnostics::render::render_human;

use super::{EXIT_OK, EXIT_USAGE};

include!(concat!(env!("OUT_DIR"), "/ui_examples.rs"));

/// Prints the explanation of `code`; an unknown code is a usage error.
pub(super) fn run(code: &str) -> u8 {
    match entry(code) {
        Some(entry) => {
            print!("{}", explain(&entry));
            EXIT_OK
        }
        None => {
            let codes: Vec<&str> = entries().iter().map(|e| e.code).collect();
            eprintln!(
                "error: `{code}` is not a procc diagnostic code; the codes are {}",
                codes.join(", ")
            );
            EXIT_USAGE
        }
    }
}

/// The whole explanation of one code.
fn explain(entry: &Entry) -> String {
    let mut out = format!(
        "{} ({}, {}): {}\n",
        entry.code,
        entry.severity,
        entry.section.to_lowercase(),
        entry.meaning
    );
    if let Some((name, text)) = example(entry.code) {
        out.push_str(&format!("\nExample (tests/ui/{name}):\n\n"));
        for line in text.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        let shown = diagnose(name, text, entry.code);
        if !shown.is_empty() {
            out.push_str("\nprocc check says:\n\n");
            out.push_str(&shown);
        }
    }
    out.push_str(&format!("\nFix: {}\n", entry.fix));
    out
}

/// The UI case of `code` that shows it plainly: the first one, preferring those that are
/// not about a particular slip (`E0001_slip_lable.proc`).
fn example(code: &str) -> Option<(&'static str, &'static str)> {
    let cases = || {
        UI_EXAMPLES
            .iter()
            .filter(move |(name, _)| name.split('_').next() == Some(code))
    };
    cases()
        .find(|(name, _)| !name.contains("_slip_"))
        .or_else(|| cases().next())
        .copied()
}

/// The example's diagnostics of that code, rendered as `procc check` renders them.
fn diagnose(name: &str, text: &str, code: &str) -> String {
    let mut sources = Sources::new();
    sources.add(name.to_string(), text.to_string());
    let compilation = procc::compiler::compile(sources);
    let matching: Vec<_> = compilation
        .diagnostics
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    render_human(&matching, &compilation.sources, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented code in use (not the test runner's, not a retired one) has a UI
    /// case to show, and the case really produces the code.
    #[test]
    fn every_documented_code_has_an_example_that_shows_it() {
        for entry in entries() {
            // The test runner's code, retired codes (severity "—") and internal ones (a procc
            // defect no source can produce: severity "internal error") have no UI case.
            if entry.code.starts_with('T') || !matches!(entry.severity, "error" | "warning") {
                continue;
            }
            let Some((name, text)) = example(entry.code) else {
                panic!("{} has no tests/ui case", entry.code);
            };
            assert!(
                !diagnose(name, text, entry.code).is_empty(),
                "{name} does not produce {}",
                entry.code
            );
        }
    }
}

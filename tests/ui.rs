//! UI tests: every `tests/ui/<CODE>_<name>.proc` is checked by the real driver
//! (`compiler::compile`, as `procc check`); its human rendering (no colour) and its JSON
//! are snapshot tests (`tests/snapshots/`), and the code in its name must be among its
//! diagnostics.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::path::{Path, PathBuf};

use procc::compiler::compile;
use procc::diagnostics::render::{render_human, render_json};
use procc::diagnostics::{Diagnostic, Sources};

/// Checks `text` as `path` through the real driver (`compiler::compile`: the embedded
/// standard library, analysis, and for a correct program generation and the verifier),
/// as `procc check` does.
fn check(path: &str, text: &str) -> (Vec<Diagnostic>, Sources) {
    check_all(&[(path.to_string(), text.to_string())])
}

/// Checks several files as one build through the real driver.
fn check_all(files_given: &[(String, String)]) -> (Vec<Diagnostic>, Sources) {
    let mut sources = Sources::new();
    for (path, text) in files_given {
        sources.add(path.clone(), text.clone());
    }
    let compilation = compile(sources);
    (compilation.diagnostics, compilation.sources)
}

#[test]
fn ui_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/ui exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proc"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let stem = case
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let code = stem.split('_').next().unwrap_or_default().to_string();
        let text = std::fs::read_to_string(&case).expect("readable case");
        let (diags, sources) = check(&format!("tests/ui/{stem}.proc"), &text);
        assert!(
            diags.iter().any(|d| d.code == code),
            "{stem}: expected {code} among {:?}",
            diags
                .iter()
                .map(|d| (d.code, &d.message))
                .collect::<Vec<_>>()
        );
        let human = render_human(&diags, &sources, false);
        let json =
            serde_json::to_string_pretty(&render_json(&diags, &sources)).expect("JSON serialises");
        insta::with_settings!({prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("{stem}.human"), human);
            insta::assert_snapshot!(format!("{stem}.json"), json);
        });
    }
}

#[test]
fn independent_errors_are_all_reported() {
    let text = r#"
customer { plan: text }

procedure first: follow_up {
  label "Hi"
  question "Plan {customer.plam}"
  trigger faq nothing
}

procedure second: redirect {
  label "Go"
  url "https://example.com/{secret.token}"
  trigger always
}

procedure third: follow_up {
  label "Count"
  question "{customer.plan * 2}"
  on denied { offer fourth }
  trigger always
}
"#;
    let (diags, _) = check("several.proc", text);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    for expected in ["E0103", "E0116", "E0160", "E0196"] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    // customer.plam, faq nothing, secret token, offer fourth: four unknown names.
    assert_eq!(
        diags.iter().filter(|d| d.code == "E0103").count(),
        4,
        "{diags:#?}"
    );
}

#[test]
fn the_contract_example_has_no_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract_example.proc");
    let text = std::fs::read_to_string(path).expect("the fixture exists");
    let (diags, sources) = check("contract_example.proc", &text);
    // Two warnings are the contract's own: `benelux` is unused and `size_guide` has no
    // trigger.
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["W0103", "W0100"],
        "{}",
        render_human(&diags, &sources, false)
    );
}

#[test]
fn the_example_projects_have_no_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for project in ["bank", "public_service", "saas", "webshop"] {
        let dir = root.join(project);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("the example exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "proc"))
            .collect();
        paths.sort();
        let files: Vec<(String, String)> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).expect("readable");
                (p.display().to_string(), text)
            })
            .collect();
        let (diags, sources) = check_all(&files);
        let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
        assert!(
            errors.is_empty(),
            "{project}: {}",
            render_human(&errors, &sources, false)
        );
    }
}

#[test]
fn truncated_and_spliced_files_never_panic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract_example.proc");
    let text = std::fs::read_to_string(path).expect("the fixture exists");
    let cuts: Vec<usize> = (0..text.len())
        .step_by(13)
        .filter(|i| text.is_char_boundary(*i))
        .collect();
    for &cut in &cuts {
        // A prefix, and the file with a slice cut out of its middle.
        let _ = check("prefix.proc", &text[..cut]);
        let end = (cut + 40).min(text.len());
        if text.is_char_boundary(end) {
            let spliced = format!("{}{}", &text[..cut], &text[end..]);
            let (diags, sources) = check("spliced.proc", &spliced);
            let _ = render_human(&diags, &sources, true);
            let _ = render_json(&diags, &sources);
        }
    }
}

//! `procc test` options of §8 (`--filter`, `--format json`, `--junit`, `--coverage`) and
//! `procc explain`, through the binary.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/tree.rs"]
mod tree;

use std::path::Path;
use std::process::{Command, Output};

fn procc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("procc runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const PROJECT: &str = r#"
procedure refund: api_call {
  label "Refund my order"
  irreversible
  approve by customer "Refund the order?"
  request POST "https://api.example.com/refunds" { }
  trigger always
}

procedure hello: follow_up {
  label "Say hello"
  question "Hello?"
  trigger always
}

test "refund is approved" {
  send message "hi"
  expect offer refund, hello
  click refund
  expect approve
  approve
  expect request POST "https://api.example.com/refunds"
  respond 200 { }
  expect done refund completed
}

test "refund is denied" {
  send message "hi"
  click refund
  deny
  expect done refund denied
}

test "hello says something else" {
  send message "hi"
  click hello
  expect follow_up "Goodbye?"
}
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), PROJECT).unwrap();
    dir
}

#[test]
fn json_has_exactly_the_contract_shape_and_nothing_else_on_stdout() {
    let dir = project();
    let output = procc(dir.path(), &["test", "--format", "json", "."]);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    let keys: Vec<&String> = document.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["tests", "passed", "failed"]);
    assert_eq!(document["passed"], 2);
    assert_eq!(document["failed"], 1);
    let tests = document["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    for test in tests {
        let keys: Vec<&String> = test.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "file", "line", "outcome", "message"]);
    }
    assert_eq!(tests[0]["name"], "refund is approved");
    assert_eq!(tests[0]["file"], "./p.proc");
    assert_eq!(tests[0]["line"], 16);
    assert_eq!(tests[0]["outcome"], "passed");
    assert_eq!(tests[0]["message"], serde_json::Value::Null);
    assert_eq!(tests[2]["outcome"], "failed");
    let message = tests[2]["message"].as_str().unwrap();
    assert!(message.contains("Goodbye?"), "{message}");
    assert!(message.contains("p.proc:37"), "{message}");
}

#[test]
fn filter_selects_by_name_and_a_filter_matching_nothing_is_a_usage_error() {
    let dir = project();
    let output = procc(dir.path(), &["test", "--filter", "refund", "."]);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("test refund is approved ... ok"), "{out}");
    assert!(!out.contains("hello"), "{out}");
    assert!(out.contains("2 passed, 0 failed"), "{out}");
    let output = procc(dir.path(), &["test", "--filter", "nothing like it", "."]);
    assert_eq!(code(&output), 2);
    assert!(text(&output.stderr).contains("nothing like it"));
}

#[test]
fn junit_is_written_beside_the_usual_output() {
    let dir = project();
    let report = dir.path().join("junit.xml");
    let output = procc(
        dir.path(),
        &["test", "--junit", report.to_str().unwrap(), "."],
    );
    assert_eq!(code(&output), 1);
    assert!(text(&output.stdout).contains("2 passed, 1 failed"));
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<testsuites name=\"procc test\" tests=\"3\" failures=\"1\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"refund is approved\""),
        "{xml}"
    );
    assert!(xml.contains("<failure message="), "{xml}");
    assert_eq!(xml.matches("<testcase").count(), 3, "{xml}");
}

#[test]
fn coverage_names_the_outcomes_no_test_reached() {
    let dir = project();
    let output = procc(dir.path(), &["test", "--coverage", "."]);
    let out = text(&output.stdout);
    // refund can complete, fail (its request), be denied or cancelled; the tests reach
    // completed and denied.
    assert!(
        out.contains(
            "refund (./p.proc:2): reached outcome completed, outcome denied; \
             no test reached outcome failed, outcome cancelled"
        ),
        "{out}"
    );
    // The failing test's run of hello still counts: it completed.
    assert!(
        out.contains("hello (./p.proc:10): reached outcome completed; no test reached nothing"),
        "{out}"
    );
    let output = procc(dir.path(), &["test", "--coverage", "--format", "json", "."]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["coverage"][0]["procedure"], "refund");
    assert_eq!(
        document["coverage"][0]["not_reached"],
        serde_json::json!(["outcome failed", "outcome cancelled"])
    );
}

#[test]
fn explain_shows_the_meaning_an_example_and_the_fix() {
    let dir = project();
    let output = procc(dir.path(), &["explain", "E0103"]);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.starts_with("E0103 (error, semantic analysis): an unknown name"),
        "{out}"
    );
    assert!(
        out.contains("Example (tests/ui/E0103_unknown_name.proc)"),
        "{out}"
    );
    assert!(out.contains("unknown variable `emial`"), "{out}");
    assert!(out.contains("Fix: fix the spelling"), "{out}");
    let output = procc(dir.path(), &["explain", "E9999"]);
    assert_eq!(code(&output), 2);
}

/// Every code the sources can emit is documented (and so explained): the table in
/// `docs/diagnostics.md` is the one source of truth for `procc explain`.
#[test]
fn every_code_in_the_sources_is_explained() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut codes = Vec::new();
    collect_codes(&root.join("src"), &mut codes);
    codes.sort();
    codes.dedup();
    assert!(codes.len() > 40, "{codes:?}");
    for code_name in codes {
        let output = procc(root, &["explain", &code_name]);
        assert_eq!(code(&output), 0, "{code_name} is not documented");
    }
}

fn collect_codes(dir: &Path, out: &mut Vec<String>) {
    for path in tree::rust_files(dir) {
        let source = std::fs::read_to_string(&path).unwrap();
        out.extend(tree::quoted_codes(&source));
    }
}

/// `if` branches in `on success` and `on failure` (an `else if` chain with an `else`, and
/// a nested `if` without one); the failing test's run enters the `else if` at line 18.
const BRANCHES: &str = r#"procedure transfer: api_call {
  label "Transfer money"
  reversible
  request POST "https://api.example.com/transfers" { }
  trigger always
  on success {
    if response.state == "done" {
      say "Done."
    } else if response.state == "queued" {
      say "Queued."
    } else {
      say "Unknown."
    }
  }
  on failure {
    if (status ?? 0) == 409 {
      say "Already done."
    } else if (status ?? 0) == 404 {
      say "Not found."
    } else {
      if (status ?? 0) == 503 { say "Try again later." }
      say "Failed."
    }
  }
}

test "a transfer is done" {
  send message "hi"
  click transfer
  respond 200 { state: "done" }
  expect say "Done."
  expect done transfer completed
}

test "not found, and the test expects the wrong text" {
  send message "hi"
  click transfer
  respond 404 { }
  expect say "Something else."
}

test "a transfer fails" {
  send message "hi"
  click transfer
  respond 500 { }
  expect say "Failed."
  expect done transfer failed
}
"#;

#[test]
fn coverage_names_exactly_the_if_branches_no_test_entered() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), BRANCHES).unwrap();
    let output = procc(dir.path(), &["test", "--coverage", "."]);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let out = text(&output.stdout);
    let missed: Vec<&str> = out
        .lines()
        .filter(|line| line.contains("not reached"))
        .map(str::trim)
        .collect();
    assert_eq!(
        missed,
        [
            "procedure transfer: if branch at ./p.proc:9 (else if) not reached",
            "procedure transfer: if branch at ./p.proc:11 (else) not reached",
            "procedure transfer: if branch at ./p.proc:16 (if) not reached",
            "procedure transfer: if branch at ./p.proc:21 (if) not reached",
        ],
        "{out}"
    );
    assert!(
        out.contains(
            "transfer (./p.proc:1): reached outcome completed, outcome failed; \
             no test reached outcome cancelled"
        ),
        "{out}"
    );

    let output = procc(dir.path(), &["test", "--coverage", "--format", "json", "."]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let transfer = &document["coverage"][0];
    assert_eq!(transfer["procedure"], "transfer");
    assert_eq!(
        transfer["reached"],
        serde_json::json!([
            "outcome completed",
            "outcome failed",
            "if branch at ./p.proc:7 (if)",
            "if branch at ./p.proc:18 (else if)",
            "if branch at ./p.proc:20 (else)"
        ])
    );
    assert_eq!(
        transfer["not_reached"],
        serde_json::json!([
            "outcome cancelled",
            "if branch at ./p.proc:9 (else if)",
            "if branch at ./p.proc:11 (else)",
            "if branch at ./p.proc:16 (if)",
            "if branch at ./p.proc:21 (if)"
        ])
    );

    // Without the failing test, its `else if` is no longer entered.
    let output = procc(
        dir.path(),
        &["test", "--coverage", "--filter", "a transfer", "."],
    );
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.contains("procedure transfer: if branch at ./p.proc:18 (else if) not reached"),
        "{out}"
    );
}

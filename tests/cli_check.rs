//! `procc check` and `procc build` through the binary: exit codes and the JSON shape of §8.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::path::Path;
use std::process::{Command, Output};

fn procc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("procc runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write temp file");
    path.display().to_string()
}

#[test]
fn the_examples_and_the_stdlib_check_clean() {
    let output = procc(&["check", "examples", "stdlib"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_contract_example_checks_clean() {
    let output = procc(&["check", "tests/fixtures/contract_example.proc"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn errors_exit_1_with_the_json_shape_of_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(
        &dir,
        "bad.proc",
        "procedure p: redirect {\n  label \"Go\"\n  url \"https://example.com/{nope}\"\n  trigger always\n}\n",
    );
    let output = procc(&["check", "--format", "json", &file]);
    assert_eq!(code(&output), 1);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let diagnostics = json["diagnostics"].as_array().expect("a diagnostics array");
    let first = diagnostics.first().expect("at least one diagnostic");
    for key in [
        "severity",
        "code",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "labels",
        "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 3);
    assert!(first["file"].as_str().unwrap().ends_with("bad.proc"));
}

#[test]
fn warnings_alone_exit_0_unless_denied() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(
        &dir,
        "warn.proc",
        "procedure human: live_chat {\n  label \"Talk to a person\"\n  queue \"tier-1\"\n  trigger unanswered\n}\n",
    );
    let output = procc(&["check", &file]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("warning"));
    let denied = procc(&["check", "--deny-warnings", &file]);
    assert_eq!(code(&denied), 1);
}

#[test]
fn a_missing_path_is_an_io_error() {
    let output = procc(&["check", "does/not/exist.proc"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&procc(&["check"])), 2);
    assert_eq!(code(&procc(&["frobnicate"])), 2);
}

#[test]
fn build_writes_a_bundle_that_inspect_accepts_and_a_corrupt_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("webshop.procb");
    let bundle_arg = bundle.display().to_string();
    let output = procc(&[
        "build",
        "tests/fixtures/contract_example.proc",
        "-o",
        &bundle_arg,
    ]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(Path::new(&bundle).exists());

    let inspect = procc(&["inspect", &bundle_arg]);
    assert_eq!(
        code(&inspect),
        0,
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("refund_order"), "{text}");

    let json = procc(&["inspect", "--format", "json", &bundle_arg]);
    assert_eq!(code(&json), 0);
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("inspect JSON");

    let mut bytes = std::fs::read(&bundle).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&bundle, &bytes).unwrap();
    let refused = procc(&["inspect", &bundle_arg]);
    assert_eq!(code(&refused), 1);
}

#[test]
fn a_build_with_errors_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(&dir, "bad.proc", "procedure p: teleport { label \"x\" }\n");
    let bundle = dir.path().join("out.procb");
    let output = procc(&["build", &file, "-o", &bundle.display().to_string()]);
    assert_eq!(code(&output), 1);
    assert!(!bundle.exists());
}

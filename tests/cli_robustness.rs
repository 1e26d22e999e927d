//! Hostile inputs through the `procc` binary: flat operator chains of 20,000 operands,
//! a stdin line that is not UTF-8, and closed or full output streams. Each command must
//! end on its own (no signal, no panic) with a sensible result or a located diagnostic.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::procc;

/// How many operands the generated chains have.
const OPERANDS: usize = 20_000;

/// A project whose audience `big` is `condition`, offered on every message.
fn chain_project(dir: &Path, condition: &str) {
    let source = format!(
        "customer {{\n  orders: int\n  vip: bool\n  nick: text?\n}}\n\
         audience big = {condition}\n\
         procedure p: follow_up {{\n  label \"P\"\n  question \"Q\"\n  audience big\n  trigger always\n}}\n"
    );
    std::fs::write(dir.join("main.proc"), source).expect("project written");
}

/// `n` copies of `operand` joined by `op`.
fn chain(operand: &str, op: &str, n: usize) -> String {
    vec![operand; n].join(op)
}

/// The process ended by itself (not by a signal such as SIGABRT on a stack overflow)
/// and did not panic.
fn ended_cleanly(what: &str, output: &Output) -> i32 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow"),
        "{what}: {stderr}"
    );
    assert!(
        !stderr.contains("internal"),
        "{what}: an internal error reached the author: {stderr}"
    );
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("{what} was killed: {:?}", output.status))
}

/// `procc run DIR` with `customer` at `start` and one message; the output lines.
fn offers(dir: &Path, customer: &str) -> Vec<Value> {
    let mut child = procc()
        .arg("run")
        .arg(dir)
        .arg("--host-http")
        .spawn()
        .expect("procc runs");
    {
        let mut stdin = child.stdin.take().expect("piped");
        writeln!(
            stdin,
            r#"{{"conversation":"c","event":"start","customer":{customer}}}"#
        )
        .expect("written");
        writeln!(stdin, r#"{{"conversation":"c","event":"message"}}"#).expect("written");
    }
    let output = child.wait_with_output().expect("procc ends");
    assert_eq!(ended_cleanly("run", &output), 0);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect()
}

#[test]
fn chains_too_long_for_one_chunk_get_a_located_diagnostic_from_check_and_build() {
    let cases = [
        ("add", chain("customer.orders", " + ", OPERANDS) + " > 0"),
        ("mul", chain("customer.orders", " * ", OPERANDS) + " > 0"),
        ("and", chain("customer.vip", " and ", OPERANDS)),
        ("or", chain("customer.vip", " or ", OPERANDS)),
        (
            "coalesce",
            format!(
                "({} ?? \"a\") == \"a\"",
                chain("customer.nick", " ?? ", OPERANDS)
            ),
        ),
    ];
    for (name, condition) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        chain_project(dir.path(), &condition);
        let check = procc()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .output()
            .expect("procc runs");
        assert_eq!(ended_cleanly(name, &check), 1, "{name}: check refuses");
        let report: Value = serde_json::from_slice(&check.stdout).expect("a JSON report");
        let first = &report["diagnostics"][0];
        assert_eq!(first["code"], "E0180", "{name}: {report}");
        assert_eq!(
            (first["line"].as_u64(), first["column"].as_u64()),
            (Some(6), Some(16))
        );

        let out = dir.path().join("b.procb");
        let build = procc()
            .arg("build")
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .output()
            .expect("procc runs");
        assert_eq!(ended_cleanly(name, &build), 1, "{name}: build refuses");
        assert!(String::from_utf8_lossy(&build.stderr).contains("E0180"));
        assert!(!out.exists());
    }
}

#[test]
fn chains_that_fit_check_build_and_run() {
    // 20,000 signs (an even number: the value itself) and 10,000 `and`s (20,000
    // instructions) fit in a chunk: they must check, build and give the right offer.
    let signs = format!("{}customer.orders > 0", "-".repeat(OPERANDS));
    let spaced_signs = format!("{}customer.orders > 0", "- ".repeat(OPERANDS));
    let conjunction = chain("customer.vip", " and ", OPERANDS / 2);
    for (name, condition) in [
        ("signs", signs),
        ("spaced signs", spaced_signs),
        ("and", conjunction),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        chain_project(dir.path(), &condition);
        let check = procc().arg("check").arg(dir.path()).output().expect("runs");
        assert_eq!(ended_cleanly(name, &check), 0, "{name}: check accepts");
        let out = dir.path().join("b.procb");
        let build = procc()
            .arg("build")
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .output()
            .expect("procc runs");
        assert_eq!(ended_cleanly(name, &build), 0, "{name}: build succeeds");
        let yes = offers(dir.path(), r#"{"orders":3,"vip":true}"#);
        assert_eq!(yes.len(), 1, "{name}: {yes:?}");
        assert_eq!(yes[0]["action"], "offer");
        let no = offers(dir.path(), r#"{"orders":-3,"vip":false}"#);
        assert!(no.is_empty(), "{name}: {no:?}");
    }
}

#[test]
fn a_line_that_is_not_utf8_gets_bad_input_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    chain_project(dir.path(), "customer.vip");
    let mut child = procc()
        .arg("run")
        .arg(dir.path())
        .arg("--host-http")
        .spawn()
        .expect("procc runs");
    {
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(b"{\"conversation\":\"c\",\"event\":\"start\",\"customer\":{\"orders\":1,\"vip\":true}}\n")
            .expect("written");
        stdin
            .write_all(b"{\"conversation\":\"c\",\"event\":\"message\",\"text\":\"\xff\xfe\"}\n")
            .expect("written");
        stdin.write_all(b"\xc3\x28\n").expect("written");
        stdin
            .write_all(b"{\"conversation\":\"c\",\"event\":\"message\"}\n")
            .expect("written");
    }
    let output = child.wait_with_output().expect("procc ends");
    assert_eq!(ended_cleanly("run", &output), 0);
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["code"], "bad_input");
    assert_eq!(
        lines[0]["conversation"], "c",
        "the conversation was readable"
    );
    assert_eq!(lines[1]["code"], "bad_input");
    assert!(lines[1].get("conversation").is_none());
    assert_eq!(lines[2]["action"], "offer", "the conversation went on");
}

/// A pipe whose reading end is already closed: every write to it fails (EPIPE).
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Stdio::from(writer)
}

/// `/dev/full`: every write to it fails (ENOSPC).
fn full_device() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists"),
    )
}

#[test]
fn closed_or_full_output_ends_each_command_quietly_with_its_exit_code() {
    let root = env!("CARGO_MANIFEST_DIR");
    let webshop = Path::new(root).join("examples/webshop");
    let bundle_dir = tempfile::tempdir().expect("temp dir");
    let bundle = bundle_dir.path().join("b.procb");
    let built = procc()
        .arg("build")
        .arg(&webshop)
        .arg("-o")
        .arg(&bundle)
        .output()
        .expect("procc runs");
    assert_eq!(built.status.code(), Some(0));
    let broken = tempfile::tempdir().expect("temp dir");
    std::fs::write(broken.path().join("a.proc"), "audience x = 1 +\n").expect("written");

    let status = |what: &str, command: &mut Command| {
        let output = command.output().expect("procc runs");
        ended_cleanly(what, &output)
    };
    assert_eq!(
        status(
            "inspect | closed",
            procc().arg("inspect").arg(&bundle).stdout(closed_pipe())
        ),
        0
    );
    assert_eq!(
        status(
            "test | closed",
            procc().arg("test").arg(&webshop).stdout(closed_pipe())
        ),
        0
    );
    assert_eq!(
        status(
            "check 2>/dev/full",
            procc().arg("check").arg(&webshop).stderr(full_device())
        ),
        0
    );
    assert_eq!(
        status(
            "check broken 2>/dev/full",
            procc()
                .arg("check")
                .arg(broken.path())
                .stderr(full_device())
        ),
        1,
        "the verdict survives a full stderr"
    );
    assert_eq!(
        status(
            "check --format json >/dev/full",
            procc()
                .args(["check", "--format", "json"])
                .arg(broken.path())
                .stdout(full_device())
        ),
        1
    );
    // `run` stops taking inputs once nobody reads its outputs.
    let mut run = procc()
        .arg("run")
        .arg(&bundle)
        .arg("--host-http")
        .stdout(closed_pipe())
        .spawn()
        .expect("procc runs");
    {
        let mut stdin = run.stdin.take().expect("piped");
        let _ = writeln!(stdin, "not json");
        let _ = writeln!(stdin, "not json either");
    }
    let output = run.wait_with_output().expect("procc ends");
    assert_eq!(ended_cleanly("run | closed", &output), 1);
}

/// The outputs of `procc run --host-http` on `source` for these input lines.
fn session(source: &str, inputs: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.proc"), source).expect("written");
    let mut child = procc()
        .arg("run")
        .arg(dir.path())
        .arg("--host-http")
        .spawn()
        .expect("procc runs");
    {
        let mut stdin = child.stdin.take().expect("piped");
        for input in inputs {
            writeln!(stdin, "{input}").expect("written");
        }
    }
    let output = child.wait_with_output().expect("procc ends");
    assert_eq!(ended_cleanly("run", &output), 0);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect()
}

#[test]
fn tiny_numbers_render_with_an_exponent_and_negative_zero_as_zero() {
    let source = r#"
procedure pay: api_call {
  label "Pay"
  reversible
  var amount: number { ask "How much?" }
  request POST "https://api.example/pay?shown={amount}" {
    body { amount: amount }
  }
  trigger always
}
"#;
    let start = r#"{"conversation":"c","event":"start","customer":{}}"#;
    let message = r#"{"conversation":"c","event":"message"}"#;
    let click = r#"{"conversation":"c","event":"click","procedure":"pay"}"#;
    let request_of = |answer: &str| {
        let outputs = session(
            source,
            &[
                start,
                message,
                click,
                &format!(
                    r#"{{"conversation":"c","event":"answer","var":"amount","value":{answer}}}"#
                ),
            ],
        );
        outputs
            .into_iter()
            .find(|o| o["action"] == "request")
            .unwrap_or_else(|| panic!("a request for {answer}"))
    };
    let tiny = request_of("\"4.9e-324\"");
    assert_eq!(tiny["url"], "https://api.example/pay?shown=5e-324");
    let zero = request_of("-0.0");
    assert_eq!(zero["url"], "https://api.example/pay?shown=0");
    let body = serde_json::to_string(&zero["body"]).expect("JSON");
    assert_eq!(body, r#"{"amount":0.0}"#);
}

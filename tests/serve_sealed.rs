//! Secrets at rest (§8, issue 12 finding 8): `procc serve` seals every conversation
//! before it reaches the store, so neither a secret nor an answer is ever in the store's
//! files in the clear — not while the conversation lives, not in freed pages after `end`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
#[path = "common/http.rs"]
mod http;
mod serve_support;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use serve_support::{Serve, Stderr, input, write_project};

const SECRET: &str = "S3CR3T-token-value-0123456789";
const ANSWER: &str = "Mallory-the-recipient-XYZ";

const PROJECT: &str = r#"
secret bank_token

procedure transfer: api_call {
  label "Transfer"
  irreversible
  var recipient: text { ask "To whom?" }
  var amount: int { ask "How much?" }
  approve by customer "Transfer {amount} to {recipient}?"
  request POST "https://bank.example/transfers" {
    header "Authorization" = "Bearer {secret.bank_token}"
    body { to: recipient, amount: amount }
  }
  trigger always
}
"#;

/// Every byte of every file under `dir`.
fn stored_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            bytes.extend(stored_bytes(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Fails unless no byte of the store directory holds the secret or the answer.
fn assert_sealed(store: &Path, when: &str) {
    let bytes = stored_bytes(store);
    assert!(!bytes.is_empty());
    assert!(!holds(&bytes, SECRET), "the secret is in the store {when}");
    assert!(!holds(&bytes, ANSWER), "the answer is in the store {when}");
}

/// A project written under `dir`, and where its store goes.
fn project_and_store(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let project = dir.join("project");
    write_project(&project, PROJECT);
    (project, dir.join("store"))
}

/// Starts conversation `c` with the secret and answers the first question.
fn start_with_secret(serve: &Serve) {
    serve.send(input(
        "c",
        "start",
        json!({"customer": {}, "secrets": {"bank_token": SECRET}}),
    ));
    serve.send(input("c", "message", json!({})));
    let asked = serve.send(input("c", "click", json!({"procedure": "transfer"})));
    assert_eq!(asked[0]["var"], "recipient", "{asked:?}");
    let asked = serve.send(input(
        "c",
        "answer",
        json!({"var": "recipient", "value": ANSWER}),
    ));
    assert_eq!(asked[0]["var"], "amount", "{asked:?}");
}

#[test]
fn no_secret_or_answer_is_ever_stored_in_the_clear_and_a_restart_still_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let (project, store) = project_and_store(dir.path());
    let serve = Serve::start(&project, &store);
    start_with_secret(&serve);
    drop(serve); // kill: the conversation is only what the store holds
    assert_sealed(&store, "in the clear");

    // Restarted on the same store, the conversation goes on where it was, and the
    // secret it was started with still goes where it belongs.
    let serve = Serve::start(&project, &store);
    let asked = serve.send(input(
        "c",
        "answer",
        json!({"var": "amount", "value": "40"}),
    ));
    assert_eq!(asked[0]["action"], "approve", "{asked:?}");
    assert_eq!(
        asked[0]["prompt"],
        format!("Transfer 40 to {ANSWER}?"),
        "{asked:?}"
    );
    let ended = serve.send(input("c", "end", json!({})));
    assert_eq!(ended[0]["outcome"], "cancelled", "{ended:?}");
    drop(serve);
    assert_sealed(&store, "after `end`");
}

#[test]
fn a_store_opened_with_another_key_quarantines_what_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let (project, store) = project_and_store(dir.path());
    let serve = Serve::start(&project, &store);
    start_with_secret(&serve);
    drop(serve);

    let other = dir.path().join("other.key");
    std::fs::write(&other, format!("{}\n", "ab".repeat(32))).unwrap();
    let serve = Serve::start_with(
        &project,
        &store,
        &["--store-key", other.to_str().unwrap()],
        Stderr::Capture,
    );
    let outputs = serve.send(input(
        "c",
        "answer",
        json!({"var": "amount", "value": "40"}),
    ));
    assert_eq!(outputs[0]["code"], "unknown_conversation", "{outputs:?}");
    let log = serve.stderr_with("conversation quarantined").join("\n");
    assert!(log.contains("store key"), "{log}");
}

#[test]
fn a_store_key_file_that_is_not_a_key_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    write_project(&project, PROJECT);
    let bad = dir.path().join("bad.key");
    std::fs::write(&bad, "hunter2").unwrap();
    for key in [bad, dir.path().join("missing.key")] {
        let output = Command::new(env!("CARGO_BIN_EXE_procc"))
            .arg("serve")
            .arg(&project)
            .args(["--addr", "127.0.0.1:0", "--store"])
            .arg(dir.path().join("store"))
            .arg("--store-key")
            .arg(&key)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&*key.to_string_lossy()), "{stderr}");
    }
}

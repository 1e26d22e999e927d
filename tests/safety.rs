//! Safety (issue 12): one test per finding, through the public interface — `procc` run
//! against HTTP servers on 127.0.0.1 started here, the JSON-lines protocol, the library.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod common;
mod support;

use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};
use support::{procc, run_with_stdin};

#[path = "common/http.rs"]
mod http;

use http::LocalServer as Server;

/// How a test server answers a request target, given its own port: the status and
/// extra header lines (the body is always `{"id":"R1"}`).
type Answer = fn(&str, u16) -> (u16, String);

/// A recording server answering with `answer`.
fn start(answer: Answer) -> Server {
    Server::start(move |request, _, port| {
        let (status, extra) = answer(&request.target, port);
        (status, extra, r#"{"id":"R1"}"#.to_owned())
    })
}

fn ok(_: &str, _: u16) -> (u16, String) {
    (200, String::new())
}

/// Writes `source` as a project and runs `procc run` on it with `input` lines.
fn run_project(source: &str, input: &[Value], args: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), source).unwrap();
    run_path(dir.path(), input, args, env)
}

fn run_path(path: &Path, input: &[Value], args: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let mut command = procc();
    command.arg("run").arg(path).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let stdin: String = input.iter().map(|v| format!("{v}\n")).collect();
    let output = run_with_stdin(&mut command, &stdin);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "procc run failed: {stderr}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn actions<'a>(outputs: &'a [Value], action: &str) -> Vec<&'a Value> {
    outputs.iter().filter(|o| o["action"] == action).collect()
}

fn start_click(conv: &str, procedure: &str) -> Vec<Value> {
    vec![
        json!({"conversation": conv, "event": "start", "customer": {}}),
        json!({"conversation": conv, "event": "message"}),
        json!({"conversation": conv, "event": "click", "procedure": procedure}),
    ]
}

fn answer(conv: &str, var: &str, value: &str) -> Value {
    json!({"conversation": conv, "event": "answer", "var": var, "value": value})
}

// ---- 1. values in URLs ------------------------------------------------------------

fn delete_contact(base: &str) -> String {
    format!(
        r#"
secret tok
procedure remove: api_call {{
  label "Remove a contact"
  irreversible
  var handle: text {{ ask "Which contact?" }}
  approve by customer "Remove {{handle}}?"
  request DELETE "{base}/contacts/{{handle}}?confirm=yes" {{
    header "Authorization" = "Bearer {{secret.tok}}"
  }}
  on success {{ say "Removed." }}
  on failure {{ say "Could not remove." }}
  trigger always
}}
"#
    )
}

#[test]
fn an_answer_stays_inside_its_path_segment() {
    let server = start(ok);
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut input = start_click("c", "remove");
    input.push(answer("c", "handle", "../admin/users?all=true#x"));
    input.push(json!({"conversation": "c", "event": "approve", "granted": true}));
    let outputs = run_project(
        &delete_contact(&base),
        &input,
        &[],
        &[("PROCC_SECRET_TOK", "t")],
    );
    let received = server.received();
    assert_eq!(received.len(), 1, "{outputs:?}");
    assert_eq!(received[0].method, "DELETE");
    assert_eq!(
        received[0].target,
        "/contacts/..%2Fadmin%2Fusers%3Fall%3Dtrue%23x?confirm=yes"
    );
}

#[test]
fn a_dot_dot_answer_is_never_sent_and_the_run_fails() {
    let server = start(ok);
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut input = start_click("c", "remove");
    input.push(answer("c", "handle", ".."));
    input.push(json!({"conversation": "c", "event": "approve", "granted": true}));
    let outputs = run_project(
        &delete_contact(&base),
        &input,
        &[],
        &[("PROCC_SECRET_TOK", "t")],
    );
    assert!(server.received().is_empty());
    let done = actions(&outputs, "done");
    assert_eq!(done[0]["outcome"], "failed", "{outputs:?}");
    assert_eq!(actions(&outputs, "say")[0]["text"], "Could not remove.");
}

#[test]
fn a_redirect_url_encodes_its_values() {
    let source = r#"
procedure search: redirect {
  label "Search"
  var q: text { ask "What for?" }
  url "https://shop.example/search/{q}"
  trigger always
}
"#;
    let mut input = start_click("c", "search");
    input.push(answer("c", "q", "red shoes"));
    let outputs = run_project(source, &input, &[], &[]);
    assert_eq!(
        actions(&outputs, "redirect")[0]["url"],
        "https://shop.example/search/red%20shoes"
    );
}

#[test]
fn the_checker_refuses_values_in_scheme_host_or_port() {
    for url in [
        "https://api{region}.shop.example/orders",
        "https://shop.example{page}",
        "{scheme}://shop.example/x",
        "https://shop.example:{page}/x",
    ] {
        let source = format!(
            r#"
procedure go: redirect {{
  label "Go"
  var region: text {{ ask "Where?" }}
  var page: text {{ ask "Which page?" }}
  var scheme: text {{ ask "Scheme?" }}
  url "{url}"
  trigger always
}}
"#
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p.proc"), source).unwrap();
        let output = procc()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{url}: {stdout}");
        assert!(stdout.contains("E0161"), "{url}: {stdout}");
    }
}

// ---- 2. redirects -----------------------------------------------------------------

fn redirect_elsewhere(target: &str, _port: u16) -> (u16, String) {
    if target.starts_with("/same") {
        return (200, String::new());
    }
    let code: u16 = target
        .trim_start_matches("/r")
        .split(['/', '?'])
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(302);
    let other = OTHER_PORT.lock().unwrap().unwrap_or(1);
    (
        code,
        format!("Location: http://127.0.0.1:{other}/stolen\r\n"),
    )
}

static OTHER_PORT: Mutex<Option<u16>> = Mutex::new(None);

fn redirect_same_origin(target: &str, _port: u16) -> (u16, String) {
    if target == "/start" {
        (302, "Location: /same\r\n".to_owned())
    } else {
        (200, String::new())
    }
}

#[test]
fn no_redirect_carries_a_secret_or_a_write_to_another_host() {
    let other = start(ok);
    *OTHER_PORT.lock().unwrap() = Some(other.port);
    let first = start(redirect_elsewhere);
    let base = format!("http://127.0.0.1:{}", first.port);
    let mut source = String::from("secret key\n");
    let mut input = Vec::new();
    for code in [301, 302, 303, 307, 308] {
        source.push_str(&format!(
            r#"
procedure p{code}: api_call {{
  label "P{code}"
  reversible
  request POST "{base}/r{code}" {{
    header "X-Api-Key" = "{{secret.key}}"
    body {{ key: secret.key }}
  }}
  on failure {{ say "failed {code}" }}
  trigger always
}}
"#
        ));
        input.extend(start_click(&format!("c{code}"), &format!("p{code}")));
    }
    let outputs = run_project(&source, &input, &[], &[("PROCC_SECRET_KEY", "SECRET-K")]);
    assert!(other.received().is_empty(), "{:?}", other.received());
    assert_eq!(first.received().len(), 5);
    let failed = actions(&outputs, "done")
        .iter()
        .filter(|d| d["outcome"] == "failed")
        .count();
    assert_eq!(failed, 5, "{outputs:?}");
}

#[test]
fn a_plain_get_follows_a_same_origin_redirect() {
    let server = start(redirect_same_origin);
    let source = format!(
        r#"
procedure look: api_call {{
  label "Look"
  request GET "http://127.0.0.1:{}/start"
  on success {{ say "found" }}
  trigger always
}}
"#,
        server.port
    );
    let outputs = run_project(&source, &start_click("c", "look"), &[], &[]);
    assert_eq!(actions(&outputs, "done")[0]["outcome"], "completed");
    let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/start", "/same"]);
    assert!(!server.received()[1].headers.contains_key("referer"));
}

// ---- 3. what was approved is what is done --------------------------------------------

/// An irreversible transfer approved by the customer (shared by the safety tests).
const TRANSFER: &str = include_str!("fixtures/transfer.proc");

#[test]
fn corrections_after_a_granted_approval_are_locked() {
    let mut input = start_click("c", "transfer");
    input.push(answer("c", "recipient", "Ty"));
    input.push(answer("c", "amount", "40"));
    input.push(json!({"conversation": "c", "event": "approve", "granted": true}));
    input.push(json!({"conversation": "c", "event": "provide", "vars": {"recipient": "Mallory", "amount": 999}}));
    input.push(answer("c", "amount", "999"));
    input.push(
        json!({"conversation": "c", "event": "result", "ok": true, "status": 200, "response": {}}),
    );
    let outputs = run_project(TRANSFER, &input, &["--host-http"], &[]);
    let errors = actions(&outputs, "error");
    assert_eq!(errors.len(), 2, "{outputs:?}");
    assert!(errors.iter().all(|e| e["code"] == "locked"));
    assert_eq!(
        actions(&outputs, "request")[0]["body"],
        json!({"to": "Ty", "amount": 40})
    );
    assert_eq!(
        actions(&outputs, "say")[0]["text"],
        "Successfully transferred 40 to Ty."
    );
}

// ---- 4. idempotency keys ------------------------------------------------------------

#[test]
fn idempotency_keys_differ_across_sessions_and_processes() {
    let mut input = Vec::new();
    for _ in 0..2 {
        input.extend(start_click("c", "transfer"));
        input.push(answer("c", "recipient", "Ty"));
        input.push(answer("c", "amount", "40"));
        input.push(json!({"conversation": "c", "event": "approve", "granted": true}));
        input.push(json!({"conversation": "c", "event": "end"}));
    }
    let keys = |outputs: &[Value]| -> Vec<String> {
        actions(outputs, "request")
            .iter()
            .map(|r| r["idempotency_key"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = keys(&run_project(TRANSFER, &input, &["--host-http"], &[]));
    let second = keys(&run_project(TRANSFER, &input, &["--host-http"], &[]));
    assert_eq!(first.len(), 2);
    assert_ne!(first[0], first[1], "a new start reused a key");
    assert!(
        first.iter().all(|k| !second.contains(k)),
        "a new process reused a key"
    );
}

// ---- 6. wrong or missing secrets ----------------------------------------------------

#[test]
fn an_unknown_secret_at_start_is_refused() {
    let source = "secret gym_api_key\nprocedure p: follow_up { label \"P\" question \"Q?\" trigger always }\n";
    let input = [
        json!({"conversation": "c", "event": "start", "customer": {}, "secrets": {"gym_apikey": "s"}}),
        json!({"conversation": "c", "event": "message"}),
    ];
    let outputs = run_project(source, &input, &[], &[]);
    assert_eq!(outputs[0]["action"], "error");
    assert_eq!(outputs[0]["code"], "unknown_secret");
    // No session exists.
    assert_eq!(outputs[1]["code"], "unknown_conversation");
}

#[test]
fn a_request_needing_a_missing_secret_is_never_sent() {
    let server = start(ok);
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut input = start_click("c", "remove");
    input.push(answer("c", "handle", "ann"));
    input.push(json!({"conversation": "c", "event": "approve", "granted": true}));
    let outputs = run_project(&delete_contact(&base), &input, &[], &[]);
    assert!(server.received().is_empty());
    assert_eq!(actions(&outputs, "done")[0]["outcome"], "failed");
}

#[test]
fn a_test_without_its_secret_line_sees_no_request() {
    let source = format!(
        "{}\n{}",
        delete_contact("https://api.example"),
        r#"
test "forgot the secret" {
  send message "hi"
  click remove
  expect ask handle
  answer "ann"
  expect approve
  approve
  expect request DELETE "https://api.example/contacts/ann?confirm=yes"
}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), source).unwrap();
    let output = procc().arg("test").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}

// ---- 7b. signed bundles -------------------------------------------------------------

#[test]
fn only_bundles_signed_by_a_trusted_key_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.proc"), TRANSFER).unwrap();
    for name in ["alice", "mallory"] {
        let status = procc().arg("keygen").arg(d.join(name)).status().unwrap();
        assert!(status.success());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("alice.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let build = |out: &str, key: Option<&str>| {
        let mut command = procc();
        command
            .arg("build")
            .arg(d.join("p.proc"))
            .arg("-o")
            .arg(d.join(out));
        if let Some(key) = key {
            command.arg("--sign").arg(d.join(key));
        }
        assert!(command.status().unwrap().success());
    };
    build("plain.procb", None);
    build("alice.procb", Some("alice.key"));
    build("mallory.procb", Some("mallory.key"));
    let inspect = |bundle: &str| {
        procc()
            .arg("inspect")
            .arg(d.join(bundle))
            .arg("--trust")
            .arg(d.join("alice.pub"))
            .output()
            .unwrap()
    };
    assert!(inspect("alice.procb").status.success());
    for refused in ["plain.procb", "mallory.procb"] {
        let output = inspect(refused);
        assert_eq!(output.status.code(), Some(1), "{refused}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("refused"));
    }
    // A signed bundle still runs without --trust, and with it under run.
    let outputs = run_path(
        &d.join("alice.procb"),
        &start_click("c", "transfer"),
        &["--trust", d.join("alice.pub").to_str().unwrap()],
        &[],
    );
    assert_eq!(actions(&outputs, "ask")[0]["var"], "recipient");
    // Tampering with the signed inner bundle breaks its hash or its signature.
    let mut bytes = std::fs::read(d.join("alice.procb")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(d.join("tampered.procb"), bytes).unwrap();
    assert_eq!(inspect("tampered.procb").status.code(), Some(1));
}

// ---- 8. secrets at rest and logs ----------------------------------------------------

#[test]
fn the_events_log_is_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let args = ["--events", events.to_str().unwrap(), "--host-http"];
    run_project(TRANSFER, &start_click("a", "transfer"), &args, &[]);
    let first = std::fs::read_to_string(&events).unwrap().lines().count();
    run_project(TRANSFER, &start_click("b", "transfer"), &args, &[]);
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(first > 0);
    assert_eq!(text.lines().count(), 2 * first, "{text}");
    assert!(text.contains(r#""conversation":"a""#));
}

#[test]
fn the_store_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let _store = procc::runtime::serve::RedbStore::open(&store_dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store_dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&store_dir).unwrap().flatten().collect();
        assert!(!files.is_empty());
        for file in files {
            assert_eq!(mode(&file.path()), 0o600, "{:?}", file.path());
        }
    }
}

#[test]
fn test_failures_hide_the_tests_secrets_where_they_flow() {
    let source = format!(
        "{}\n{}",
        delete_contact("https://api.example"),
        r#"
test "wrong path" {
  secret tok = "example"
  send message "hi"
  click remove
  expect ask handle
  answer "ann"
  expect approve
  approve
  expect request DELETE "https://api.example/elsewhere"
}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), source).unwrap();
    let output = procc().arg("test").arg(dir.path()).output().unwrap();
    let message = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!message.contains("Bearer example"), "{message}");
    assert!(message.contains("Bearer ••••"), "{message}");
    // The secret is hidden in the header, not in the URL's host where it is plain text.
    assert!(
        message.contains("https://api.example/contacts/ann"),
        "{message}"
    );
}

#[test]
fn preview_hides_a_secret_only_where_it_flows() {
    let source = r#"
secret k
procedure look: api_call {
  label "Look"
  request GET "https://api.fitco.example/classes" {
    header "X-Key" = "{secret.k}"
  }
  trigger always
}
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), source).unwrap();
    let output = run_with_stdin(
        procc()
            .arg("preview")
            .arg(dir.path())
            .args(["--customer", "{}", "--secret", "k=x"])
            .env("NO_COLOR", "1"),
        "hello\n1\n",
    );
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(
        transcript.contains("https://api.fitco.example/classes"),
        "{transcript}"
    );
    assert!(transcript.contains("X-Key: ••••"), "{transcript}");
}

// ---- 7a. only verified modules run --------------------------------------------------

#[test]
fn the_library_refuses_to_run_a_module_the_verifier_refuses() {
    let mut module = common::good();
    // The finding: the approval replaced by a `Pop` (the prompt is popped instead).
    module.chunks[common::REFUND_BODY].code[2] = procc::codegen::isa::Instr::Pop;
    match procc::vm::Program::new(module.clone()) {
        Err(procc::vm::ProgramError::Unverified(e)) => {
            assert_eq!(e.rule, procc::bundle::Rule::MissingApproval)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(procc::vm::Program::new(common::good()).is_ok());
}

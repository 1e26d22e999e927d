//! `api_call` over real HTTP: `procc run` (without `--host-http`) against a server on
//! 127.0.0.1 started by the test, which records every request it receives.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

#[path = "common/http.rs"]
mod http;

use http::{LocalServer, Request as Received};

/// The test API: answers by path, recording every request.
fn start_api() -> LocalServer {
    LocalServer::start(|request, earlier, _| {
        let before = earlier
            .iter()
            .filter(|r| r.target == request.target)
            .count();
        let (status, body) = match request.path() {
            "/ok" => (200, r#"{"id":"A1"}"#),
            "/missing" => (404, r#"{"error":"no such order"}"#),
            // Fails once with a 503, then succeeds.
            "/flaky" if before == 0 => (503, r#"{"error":"busy"}"#),
            "/flaky" => (200, r#"{"id":"F2"}"#),
            "/slow" => {
                std::thread::sleep(Duration::from_millis(2500));
                (200, r#"{"id":"late"}"#)
            }
            "/shape" => (200, r#"{"id":5}"#),
            _ => (500, "{}"),
        };
        (status, String::new(), body.to_owned())
    })
}

/// One api_call procedure to `url`.
fn procedure(name: &str, method: &str, url: &str, timeout: &str, retry: u8) -> String {
    let body = if method == "GET" {
        String::new()
    } else {
        "body { order: \"AB1\", count: 2 }".to_owned()
    };
    format!(
        r#"
procedure {name}: api_call {{
  label "{name}"
  reversible
  request {method} "{url}" {{
    header "Authorization" = "Bearer {{secret.token}}"
    query "q" = "x y"
    {body}
    timeout {timeout}
    retry {retry}
  }}
  returns {{ id: text }}
  on success {{ say "Got {{response.id}}." }}
  on failure {{ say "Failed." }}
  trigger always
}}
"#
    )
}

const SECRET: &str = "s3cret-Value-42";

/// Runs every case through one `procc run`: each procedure in its own conversation.
fn run_cases(server: &LocalServer, refused_port: u16) -> (HashMap<String, Vec<Value>>, String) {
    let base = format!("http://127.0.0.1:{}", server.port);
    let cases = [
        procedure("ok", "POST", &format!("{base}/ok"), "5s", 0),
        procedure("peek", "GET", &format!("{base}/ok"), "5s", 0),
        procedure("missing", "POST", &format!("{base}/missing"), "5s", 2),
        procedure("flaky", "PUT", &format!("{base}/flaky"), "5s", 2),
        procedure("slow", "POST", &format!("{base}/slow"), "1s", 0),
        procedure(
            "refused",
            "POST",
            &format!("http://127.0.0.1:{refused_port}/x"),
            "2s",
            1,
        ),
        procedure("shape", "POST", &format!("{base}/shape"), "5s", 0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let source = format!("secret token\n{}", cases.join("\n"));
    std::fs::write(dir.path().join("api.proc"), source).unwrap();
    let events = dir.path().join("events.jsonl");
    let names = ["ok", "peek", "missing", "flaky", "slow", "refused", "shape"];
    let mut input = String::new();
    for name in names {
        for line in [
            json!({"conversation": name, "event": "start", "customer": {}}),
            json!({"conversation": name, "event": "message"}),
            json!({"conversation": name, "event": "click", "procedure": name}),
        ] {
            input.push_str(&line.to_string());
            input.push('\n');
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("run")
        .arg(dir.path())
        .arg("--events")
        .arg(&events)
        .env("PROCC_SECRET_TOKEN", SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains(SECRET), "a secret reached the outputs");
    assert!(!stderr.contains(SECRET), "a secret reached the log");
    let log = std::fs::read_to_string(&events).unwrap();
    assert!(!log.contains(SECRET), "a secret reached the events");
    let mut by_conversation: HashMap<String, Vec<Value>> = HashMap::new();
    for line in stdout.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_ne!(
            value["action"], "request",
            "procc performs the request itself"
        );
        let conversation = value["conversation"].as_str().unwrap().to_owned();
        by_conversation.entry(conversation).or_default().push(value);
    }
    (by_conversation, log)
}

/// The `say` text and the `done` outcome of a conversation's click.
fn ending(outputs: &[Value]) -> (String, String) {
    let say = outputs
        .iter()
        .find(|o| o["action"] == "say")
        .map(|o| o["text"].as_str().unwrap().to_owned())
        .unwrap_or_default();
    let done = outputs.last().unwrap();
    assert_eq!(done["action"], "done", "{outputs:?}");
    (say, done["outcome"].as_str().unwrap().to_owned())
}

fn is_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn every_outcome_of_a_real_http_call() {
    let server = start_api();
    let refused_port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (outputs, log) = run_cases(&server, refused_port);

    // Success: method, path with query, headers (the secret from the environment), body.
    assert_eq!(
        ending(&outputs["ok"]),
        ("Got A1.".into(), "completed".into())
    );
    let ok: Vec<Received> = server
        .requests_to("/ok")
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].target, "/ok?q=x%20y");
    assert_eq!(ok[0].headers["authorization"], format!("Bearer {SECRET}"));
    assert!(ok[0].headers["content-type"].starts_with("application/json"));
    assert!(is_key(&ok[0].headers["idempotency-key"]));
    let body: Value = serde_json::from_str(&ok[0].body).unwrap();
    assert_eq!(body, json!({"order": "AB1", "count": 2}));

    // A GET has no body and no idempotency key.
    assert_eq!(
        ending(&outputs["peek"]),
        ("Got A1.".into(), "completed".into())
    );
    let peek: Vec<Received> = server
        .requests_to("/ok")
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(peek.len(), 1);
    assert!(!peek[0].headers.contains_key("idempotency-key"));
    assert!(peek[0].body.is_empty());

    // 4xx: a failure, never retried although the procedure allows 2 retries.
    assert_eq!(
        ending(&outputs["missing"]),
        ("Failed.".into(), "failed".into())
    );
    assert_eq!(server.requests_to("/missing").len(), 1);
    assert!(log.contains(r#""event":"api_result","procedure":"missing","ok":false,"status":404"#));

    // 5xx then success: retried with the same idempotency key.
    assert_eq!(
        ending(&outputs["flaky"]),
        ("Got F2.".into(), "completed".into())
    );
    let flaky = server.requests_to("/flaky");
    assert_eq!(flaky.len(), 2);
    assert!(flaky.iter().all(|r| r.method == "PUT"));
    let key = &flaky[0].headers["idempotency-key"];
    assert!(is_key(key));
    assert_eq!(&flaky[1].headers["idempotency-key"], key);
    assert_ne!(key, &ok[0].headers["idempotency-key"]);
    assert_eq!(flaky[0].body, flaky[1].body);

    // Past its 1 s timeout: a failure without a status.
    assert_eq!(
        ending(&outputs["slow"]),
        ("Failed.".into(), "failed".into())
    );
    assert_eq!(server.requests_to("/slow").len(), 1);
    assert!(log.contains(r#""event":"api_result","procedure":"slow","ok":false,"ts_ms""#));

    // Connection refused: a failure (the retry was attempted too).
    assert_eq!(
        ending(&outputs["refused"]),
        ("Failed.".into(), "failed".into())
    );

    // A 200 whose JSON does not match `returns`: a failure, logged with the path.
    assert_eq!(
        ending(&outputs["shape"]),
        ("Failed.".into(), "failed".into())
    );
    assert_eq!(server.requests_to("/shape").len(), 1);
    let shape_event = log
        .lines()
        .find(|l| l.contains(r#""procedure":"shape""#) && l.contains("api_result"))
        .unwrap();
    let shape_event: Value = serde_json::from_str(shape_event).unwrap();
    assert_eq!(shape_event["ok"], false);
    assert_eq!(shape_event["status"], 200);
    assert!(
        shape_event["mismatch"]
            .as_str()
            .unwrap()
            .starts_with("$.id"),
        "{shape_event}"
    );
}

#[test]
fn host_http_leaves_the_request_to_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!(
        "secret token\n{}",
        procedure("ok", "POST", "http://127.0.0.1:9/ok", "5s", 0)
    );
    std::fs::write(dir.path().join("api.proc"), source).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["run", "--host-http"])
        .arg(dir.path())
        .env("PROCC_SECRET_TOKEN", SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = [
        json!({"conversation": "c", "event": "start", "customer": {}}),
        json!({"conversation": "c", "event": "message"}),
        json!({"conversation": "c", "event": "click", "procedure": "ok"}),
    ]
    .map(|v| v.to_string())
    .join("\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "request");
    // The host performs it, so it gets the secret from the environment in the header.
    assert_eq!(last["headers"]["Authorization"], format!("Bearer {SECRET}"));
}

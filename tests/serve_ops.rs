//! `procc serve` in operation: clients that leave, stall or hold connections, a broken
//! stderr, undecodable records, auth, error objects, readiness, metrics, request logs,
//! idle expiry and the OpenAPI document — each through a real server on 127.0.0.1.

#![cfg(all(feature = "cli", unix))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/http.rs"]
mod http;
mod serve_support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use procc::runtime::serve::{RedbStore, StoredSession, Write as StoreWrite};
use serde_json::{Value, json};
use serve_support::{Serve, SlowApi, Stderr, input, read_response, write_project};

/// The greeting project shared by the serve tests and the load bench.
const GREET: &str = include_str!("fixtures/greet.proc");

/// An irreversible POST, approved by the customer, to `url`.
fn refund_project(url: &str) -> String {
    format!(
        r#"
procedure refund: api_call {{
  label "Refund"
  irreversible
  approve by customer "Refund?"
  request POST "{url}" {{
    body {{ order: "A1" }}
    timeout 30s
  }}
  returns {{ id: text }}
  on success {{ say "Refunded {{response.id}}." }}
  on failure {{ say "Failed." }}
  trigger always
}}
"#
    )
}

/// Starts a conversation and runs it up to the `ask` for `city`.
fn up_to_city(serve: &Serve, conversation: &str) {
    assert!(
        serve
            .send(input(conversation, "start", json!({"customer": {}})))
            .is_empty()
    );
    serve.send(input(conversation, "message", json!({})));
    serve.send(input(conversation, "click", json!({"procedure": "greet"})));
    let ask = serve.send(input(
        conversation,
        "answer",
        json!({"var": "name", "value": "Ann"}),
    ));
    assert_eq!(ask[0]["var"], "city", "{ask:?}");
}

/// Sends one input on its own connection and goes away after `after` without reading
/// the answer.
fn post_and_leave(serve: &Serve, input: &Value, after: Duration) {
    let body = input.to_string();
    let mut stream = serve.connect();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    stream.set_read_timeout(Some(after)).unwrap();
    let mut byte = [0; 1];
    // The API is slower than `after`: nothing can have been answered yet.
    assert!(
        stream.read(&mut byte).is_err(),
        "answered before the API did"
    );
    drop(stream);
}

fn events_log(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[test]
fn a_request_is_logged_while_the_server_runs() {
    // Workers hold their info lines until they are idle: an idle server has written
    // every request's line, without being stopped first.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start_with(&project, &dir.path().join("store"), &[], Stderr::Capture);
    for n in 0..3 {
        serve.send(input(&format!("c{n}"), "start", json!({"customer": {}})));
        let lines = serve.stderr_with(&format!("\"conversation\":\"c{n}\""));
        let line: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        assert_eq!(line["event"], "start", "{line}");
        assert_eq!(line["status"], 200, "{line}");
    }
}

#[test]
fn a_client_that_leaves_mid_request_loses_nothing_and_nothing_is_sent_twice() {
    let api = SlowApi::start(Duration::from_millis(1500));
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(
        &project,
        &refund_project(&format!("http://127.0.0.1:{}/refunds", api.port)),
    );
    let store = dir.path().join("store");
    let events = dir.path().join("events.jsonl");
    let events_arg = events.to_str().unwrap();
    let mut serve = Serve::start_with(&project, &store, &["--events", events_arg], Stderr::Null);
    serve.send(input("c", "start", json!({"customer": {}})));
    serve.send(input("c", "message", json!({})));
    let approve = serve.send(input("c", "click", json!({"procedure": "refund"})));
    assert_eq!(approve[0]["action"], "approve");

    // The approval sends the POST; the client gives up before the API answers.
    post_and_leave(
        &serve,
        &input("c", "approve", json!({"granted": true, "by": "me"})),
        Duration::from_millis(300),
    );
    api.wait_for(1);
    // The conversation goes on: the next input waits for the approval's handling,
    // which finished the run although nobody was there to read its outputs.
    let offer = serve.send(input("c", "message", json!({})));
    assert_eq!(offer[0]["action"], "offer", "{offer:?}");
    assert!(serve.terminate().success());
    drop(serve);

    let serve = Serve::start(&project, &store);
    let offer = serve.send(input("c", "message", json!({})));
    assert_eq!(offer[0]["action"], "offer", "{offer:?}");
    assert_eq!(api.received(), ["POST /refunds HTTP/1.1"]);
    let done: Vec<_> = events_log(&events)
        .into_iter()
        .filter(|e| e["kind"] == "done" || e["event"] == "done")
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].to_string().contains("completed"), "{done:?}");
}

/// A failing request makes serve log; `stderr` is where that log goes.
fn serve_survives_a_broken_stderr(stderr: Stdio) {
    let dead = serve_support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(
        &project,
        &refund_project(&format!("http://127.0.0.1:{dead}/refunds")),
    );
    let serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &[],
        Stderr::Given(stderr),
    );
    for conversation in ["a", "b"] {
        serve.send(input(conversation, "start", json!({"customer": {}})));
        serve.send(input(conversation, "message", json!({})));
        serve.send(input(conversation, "click", json!({"procedure": "refund"})));
        let outputs = serve.send(input(
            conversation,
            "approve",
            json!({"granted": true, "by": "me"}),
        ));
        let last = outputs.last().unwrap();
        assert_eq!(last["action"], "done", "{outputs:?}");
        assert_eq!(last["outcome"], "failed", "{outputs:?}");
        // The conversation is still there.
        let offer = serve.send(input(conversation, "message", json!({})));
        assert_eq!(offer[0]["action"], "offer", "{offer:?}");
    }
    let (status, body) = serve.post("{not json");
    assert_eq!((status, &body["code"]), (400, &json!("bad_input")));
}

#[test]
fn a_closed_stderr_does_not_take_serve_down() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    serve_survives_a_broken_stderr(Stdio::from(writer));
}

#[test]
fn a_full_stderr_does_not_take_serve_down() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    serve_survives_a_broken_stderr(Stdio::from(full));
}

/// Whether the server closed `stream` (end of file or a reset) within a minute.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buffer = [0; 512];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (408) before the close
            Err(error) => {
                return !matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

#[test]
fn slow_half_open_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &["--read-timeout", "1s"],
        Stderr::Null,
    );
    let mut held = Vec::new();
    // Incomplete request heads.
    for _ in 0..20 {
        let mut stream = serve.connect();
        stream
            .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-")
            .unwrap();
        held.push(stream);
    }
    // Connections that never send a byte.
    for _ in 0..5 {
        held.push(serve.connect());
    }
    // A complete head whose body never comes.
    let mut stalled = serve.connect();
    stalled
        .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    // A kept-alive connection that goes quiet after one request.
    let mut kept = serve.connect();
    kept.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0; 12];
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    held.push(kept);

    for stream in &mut held {
        assert!(closed_by_server(stream));
    }
    stalled
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (status, body) = read_response(&mut stalled).unwrap();
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"timeout\""), "{body}");
    // And the server still serves.
    assert_eq!(serve.try_request("GET", "/v1/health", "").unwrap().0, 200);
}

#[test]
fn connections_past_the_limit_wait_for_a_free_one() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &["--max-connections", "2", "--read-timeout", "10m"],
        Stderr::Null,
    );
    let idle: Vec<_> = (0..2).map(|_| serve.connect()).collect();
    // Let the server take both before the third comes.
    std::thread::sleep(Duration::from_millis(300));
    let mut third = serve.connect();
    third
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut byte = [0; 1];
    assert!(
        third.read(&mut byte).is_err(),
        "a third connection was served while two were held"
    );
    drop(idle);
    third
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (status, _) = read_response(&mut third).unwrap();
    assert_eq!(status, 200);
}

#[test]
fn sigterm_ends_serve_within_its_deadline_despite_a_half_open_request() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let mut serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &["--read-timeout", "10m", "--shutdown-timeout", "1s"],
        Stderr::Null,
    );
    let mut half = serve.connect();
    half.write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = serve.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_oversized_content_length_is_refused_before_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &["--body-limit", "1000"],
        Stderr::Null,
    );
    let mut stream = serve.connect();
    // The head only: the server must answer without waiting for the body.
    stream
        .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (status, body) = read_response(&mut stream).unwrap();
    assert_eq!(status, 413);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "too_large");
    assert_eq!(body["outputs"][0]["code"], "too_large");
    // A body over the limit without a Content-Length (chunked) too.
    let chunk = "x".repeat(1500);
    let mut stream = serve.connect();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    )
    .unwrap();
    let (status, _) = read_response(&mut stream).unwrap();
    assert_eq!(status, 413);
}

#[test]
fn an_undecodable_record_is_quarantined_once_and_start_begins_again() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let store = dir.path().join("store");
    let mut serve = Serve::start(&project, &store);
    up_to_city(&serve, "broken");
    up_to_city(&serve, "fine");
    assert!(serve.terminate().success());
    drop(serve);

    // Damage one record's snapshot, as a disk or an old version might.
    {
        let redb = RedbStore::open(&store).unwrap();
        let stored = redb.load("broken").unwrap().unwrap();
        let mut snapshot = stored.snapshot.clone();
        let last = snapshot.len() - 1;
        snapshot.truncate(last / 2);
        redb.apply(&[StoreWrite::Put {
            conversation: "broken".into(),
            session: StoredSession {
                bundle: stored.bundle,
                snapshot,
            },
        }])
        .unwrap();
    }

    let mut serve = Serve::start_with(&project, &store, &[], Stderr::Capture);
    let outputs = serve.send(input(
        "broken",
        "answer",
        json!({"var": "city", "value": "Oslo"}),
    ));
    assert_eq!(outputs[0]["code"], "unknown_conversation", "{outputs:?}");
    let outputs = serve.send(input("broken", "message", json!({})));
    assert_eq!(outputs[0]["code"], "unknown_conversation", "{outputs:?}");
    // `start` begins it again.
    up_to_city(&serve, "broken");
    let done = serve.send(input(
        "broken",
        "answer",
        json!({"var": "city", "value": "Oslo"}),
    ));
    assert_eq!(done[0]["question"], "Hello Ann from Oslo");
    // The other conversation is untouched.
    let done = serve.send(input(
        "fine",
        "answer",
        json!({"var": "city", "value": "Rome"}),
    ));
    assert_eq!(done[0]["question"], "Hello Ann from Rome");
    assert!(serve.terminate().success());
    let reports = serve
        .stderr_lines()
        .into_iter()
        .filter(|line| line.contains("quarantined"))
        .count();
    assert_eq!(reports, 1);
    drop(serve);

    let redb = RedbStore::open(&store).unwrap();
    let quarantined = redb.quarantined().unwrap();
    assert_eq!(quarantined.len(), 1, "{quarantined:?}");
    assert!(quarantined[0].key.starts_with("broken#"));
    assert!(
        quarantined[0].reason.contains("snapshot"),
        "{quarantined:?}"
    );
    assert!(quarantined[0].record.len() > 32);
}

const TOKEN: &str = "tok-3f9a-very-secret";
const SECRET_ANSWER: &str = "Zanzibar-1234";

#[test]
fn tokens_error_objects_and_json_request_logs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("  {TOKEN}\n")).unwrap();
    let mut serve = Serve::start_with(
        &project,
        &dir.path().join("store"),
        &["--token-file", token_file.to_str().unwrap()],
        Stderr::Capture,
    );
    let bearer = format!("Bearer {TOKEN}");
    let auth = [("Authorization", bearer.as_str())];
    let start = input("c", "start", json!({"customer": {}})).to_string();

    let check_error = |status: u16, body: &str, code: &str| {
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["action"], "error", "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].is_string(), "{body}");
        assert_eq!(body["outputs"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["outputs"][0]["code"], code, "{body}");
        status
    };
    // No token, a wrong one, another scheme: 401.
    for headers in [
        &[][..],
        &[("Authorization", "Bearer wrong")][..],
        &[("Authorization", "Basic dG9rOng=")][..],
    ] {
        let (status, body) = serve
            .request("POST", "/v1/events", headers, &start)
            .unwrap();
        assert_eq!(check_error(status, &body, "unauthorized"), 401);
    }
    for path in ["/v1/ready", "/metrics", "/v1/openapi.json"] {
        let (status, body) = serve.request("GET", path, &[], "").unwrap();
        assert_eq!(check_error(status, &body, "unauthorized"), 401, "{path}");
    }
    // Health stays open.
    assert_eq!(serve.request("GET", "/v1/health", &[], "").unwrap().0, 200);

    // With the token: the protocol, and an error object for every failure.
    let (status, _) = serve.request("POST", "/v1/events", &auth, &start).unwrap();
    assert_eq!(status, 200);
    let cases = [
        ("POST", "/v1/events", "{not json", 400, "bad_input"),
        ("GET", "/v2/nothing", "", 404, "not_found"),
        ("GET", "/v1/events", "", 405, "method_not_allowed"),
        ("DELETE", "/v1/health", "", 405, "method_not_allowed"),
    ];
    for (method, path, body, expected, code) in cases {
        let (status, body) = serve.request(method, path, &auth, body).unwrap();
        assert_eq!(
            check_error(status, &body, code),
            expected,
            "{method} {path}"
        );
    }
    let answer =
        |value: &str| input("c", "answer", json!({"var": "name", "value": value})).to_string();
    serve
        .request(
            "POST",
            "/v1/events",
            &auth,
            &input("c", "message", json!({})).to_string(),
        )
        .unwrap();
    serve
        .request(
            "POST",
            "/v1/events",
            &auth,
            &input("c", "click", json!({"procedure": "greet"})).to_string(),
        )
        .unwrap();
    let (status, body) = serve
        .request("POST", "/v1/events", &auth, &answer(SECRET_ANSWER))
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(serve.terminate().success());

    // One JSON line per request; never the token nor an answer's value.
    let lines = serve.stderr_lines();
    let all = lines.join("\n");
    assert!(!all.contains(TOKEN), "the token reached the log");
    assert!(!all.contains(SECRET_ANSWER), "an answer reached the log");
    let requests: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line.get("status").is_some())
        .collect();
    // 3 + 3 refused, health, start, 4 errors, message, click, answer (and the
    // health polls of start-up).
    assert!(requests.len() >= 15, "{requests:?}");
    for line in &requests {
        for field in ["ts", "level", "conversation", "event", "status", "ms"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
    }
    let answered = requests
        .iter()
        .find(|line| line["event"] == "answer")
        .unwrap();
    assert_eq!(answered["conversation"], "c");
    assert_eq!(answered["status"], 200);
    assert_eq!(answered["level"], "info");
    assert!(answered["ms"].as_f64().unwrap() >= 0.0);
    assert!(
        requests
            .iter()
            .any(|line| line["status"] == 401 && line["level"] == "warn")
    );
}

/// The value of `name` (with these labels) in `/metrics`.
fn metric(samples: &[prometheus_parse::Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            _ => 0.0,
        })
        .sum()
}

fn scrape(serve: &Serve) -> Vec<prometheus_parse::Sample> {
    let (status, text) = serve.try_request("GET", "/metrics", "").unwrap();
    assert_eq!(status, 200);
    let lines = text.lines().map(|line| Ok(line.to_owned()));
    prometheus_parse::Scrape::parse(lines).unwrap().samples
}

#[test]
fn ready_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start(&project, &dir.path().join("store"));
    let (status, body) = serve.try_request("GET", "/v1/ready", "").unwrap();
    assert_eq!(status, 200, "{body}");

    up_to_city(&serve, "m1");
    serve.send(input(
        "m1",
        "answer",
        json!({"var": "city", "value": "Oslo"}),
    ));
    up_to_city(&serve, "m2");
    let samples = scrape(&serve);
    assert_eq!(
        metric(&samples, "procc_inputs_total", &[("event", "start")]),
        2.0
    );
    assert_eq!(
        metric(&samples, "procc_inputs_total", &[("event", "answer")]),
        3.0
    );
    assert_eq!(
        metric(&samples, "procc_outputs_total", &[("action", "ask")]),
        4.0
    );
    assert_eq!(
        metric(&samples, "procc_outputs_total", &[("action", "follow_up")]),
        1.0
    );
    assert_eq!(
        metric(
            &samples,
            "procc_runs_total",
            &[("procedure", "greet"), ("outcome", "completed")]
        ),
        1.0
    );
    assert_eq!(metric(&samples, "procc_conversations", &[]), 2.0);
    let histogram_count = |name: &str| {
        samples
            .iter()
            .find(|s| s.metric == name)
            .map(|s| match &s.value {
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.last().map_or(0.0, |b| b.count)
                }
                _ => -1.0,
            })
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(histogram_count("procc_request_duration_seconds") >= 9.0);
    assert!(histogram_count("procc_store_duration_seconds") >= 1.0);
    // `end` forgets the conversation.
    serve.send(input("m2", "end", json!({})));
    assert_eq!(metric(&scrape(&serve), "procc_conversations", &[]), 1.0);
}

#[test]
fn idle_conversations_end_by_themselves_and_leave_memory_and_store() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let store = dir.path().join("store");
    let events = dir.path().join("events.jsonl");
    // One conversation stored by an earlier run without expiry.
    let mut serve = Serve::start(&project, &store);
    up_to_city(&serve, "earlier");
    assert!(serve.terminate().success());
    drop(serve);

    let mut serve = Serve::start_with(
        &project,
        &store,
        &["--idle-timeout", "1s", "--events", events.to_str().unwrap()],
        Stderr::Null,
    );
    for i in 0..20 {
        up_to_city(&serve, &format!("idle{i}"));
    }
    // Wait (bounded) until every conversation has ended by itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    while metric(&scrape(&serve), "procc_conversations", &[]) > 0.0 {
        assert!(
            Instant::now() < deadline,
            "idle conversations stay in memory"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let outputs = serve.send(input(
        "idle3",
        "answer",
        json!({"var": "city", "value": "X"}),
    ));
    assert_eq!(outputs[0]["code"], "unknown_conversation", "{outputs:?}");
    assert!(serve.terminate().success());
    drop(serve);

    // Ended as by `end`: the running procedure is cancelled.
    let cancelled: BTreeSet<String> = events_log(&events)
        .iter()
        .filter(|e| e.to_string().contains("cancelled"))
        .filter_map(|e| e["conversation"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(cancelled.len(), 21, "{cancelled:?}");
    // And removed from the store.
    let redb = RedbStore::open(&store).unwrap();
    for conversation in &cancelled {
        assert_eq!(redb.load(conversation).unwrap(), None, "{conversation}");
    }
}

#[test]
fn the_openapi_document_is_valid_and_lists_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let serve = Serve::start(&project, &dir.path().join("store"));
    let (status, text) = serve.try_request("GET", "/v1/openapi.json", "").unwrap();
    assert_eq!(status, 200);
    let document: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap();
    assert!(document.openapi.starts_with("3."));
    for (method, path) in procc::runtime::serve::ROUTES {
        let item = document
            .paths
            .paths
            .get(*path)
            .and_then(|item| item.as_item())
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        let operation = match *method {
            "GET" => item.get.as_ref(),
            "POST" => item.post.as_ref(),
            other => panic!("unexpected method {other}"),
        };
        assert!(
            operation.is_some(),
            "{method} {path} is not in the document"
        );
        // The server answers it (not 404/405).
        let body = if *method == "POST" {
            input("o", "start", json!({"customer": {}})).to_string()
        } else {
            String::new()
        };
        let (status, _) = serve.try_request(method, path, &body).unwrap();
        assert_eq!(status, 200, "{method} {path}");
    }
    // And the document lists nothing the server does not answer.
    assert_eq!(
        document.paths.paths.len(),
        procc::runtime::serve::ROUTES.len()
    );
    // Every `$ref` resolves.
    let raw: Value = serde_json::from_str(&text).unwrap();
    let mut refs = Vec::new();
    collect_refs(&raw, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.trim_start_matches('#');
        assert!(
            raw.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => refs.push(target.clone()),
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[test]
fn a_start_up_error_with_a_full_stderr_keeps_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    write_project(&project, GREET);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("serve")
        .arg(&project)
        .args(["--addr", &addr, "--store"])
        .arg(dir.path().join("store"))
        .stdout(Stdio::null())
        .stderr(Stdio::from(full))
        .status()
        .unwrap();
    // The address is in use: a usage error (2), not a panic (101).
    assert_eq!(status.code(), Some(2));
}

//! Revision 2's types and variable items through the binary: list variables (answers as
//! a JSON array or comma-separated text), `choices` / `suggestions` / `multiple` in
//! `ask`, `invalid` messages with `value`, nested `returns` shapes checked on real HTTP
//! responses, and the fixture's own `test` blocks.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::io::{BufReader, Write};
use std::net::TcpListener;

use serde_json::{Value, json};
use support::{json_lines_of, jsonl, procc, read_http_request};

const FIXTURE: &str = "tests/fixtures/lists.proc";

/// Runs `procc run ARGS…` with these inputs (one conversation, `c`); the outputs.
fn session(args: &[&str], inputs: &[Value]) -> Vec<Value> {
    json_lines_of(procc().arg("run").args(args), &jsonl("c", inputs))
        .into_iter()
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("conversation");
                o.remove("idempotency_key");
            }
            v
        })
        .collect()
}

fn start() -> Value {
    json!({"event": "start", "customer": {"plan": "pro", "payees": ["Ann Smith", "Bob"], "tags": ["Bob"]}})
}

fn answer(var: &str, value: Value) -> Value {
    json!({"event": "answer", "var": var, "value": value})
}

#[test]
fn the_fixture_test_blocks_pass() {
    let output = procc().args(["test", FIXTURE]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("5 passed, 0 failed"), "{stdout}");
}

#[test]
fn list_answers_choices_and_invalid_messages_over_the_protocol() {
    let toppings_ask = json!({"action": "ask", "var": "toppings", "prompt": "Which toppings?",
        "type": "one_of", "choices": ["cheese", "ham", "olives"], "multiple": true});
    let outputs = session(
        &[FIXTURE, "--host-http"],
        &[
            start(),
            json!({"event": "message"}),
            json!({"event": "click", "procedure": "order_pizza"}),
            answer("toppings", json!("cheese, ham, olives")),
            answer("toppings", json!(["Cheese", "pepperoni"])),
            answer("toppings", json!(" olives ,HAM ")),
            answer("recipient", json!("  Carol ")),
            answer("recipient", json!("ann smith")),
            json!({"event": "result", "ok": true, "status": 200,
                   "response": {"id": "P-9", "items": [{"name": "a", "price": 1}]}}),
        ],
    );
    let recipient_ask = json!({"action": "ask", "var": "recipient", "prompt": "Who is it for?",
        "type": "text", "choices": ["Ann Smith", "Bob"], "suggestions": ["Bob"]});
    assert_eq!(
        outputs[1..],
        [
            toppings_ask.clone(),
            json!({"action": "invalid", "var": "toppings", "message": "At most two toppings, please."}),
            toppings_ask.clone(),
            json!({"action": "invalid", "var": "toppings",
                   "message": "Please choose one of: cheese, ham, olives."}),
            toppings_ask,
            recipient_ask.clone(),
            json!({"action": "invalid", "var": "recipient",
                   "message": "You can send it to: Ann Smith, Bob."}),
            recipient_ask,
            json!({"action": "request", "method": "POST", "url": "https://pizza.example/orders",
                   "headers": {}, "body": {"toppings": ["olives", "ham"], "to": "Ann Smith"},
                   "timeout_ms": 10000, "retry": 0}),
            json!({"action": "say", "text": "Ham it is."}),
            json!({"action": "say", "text": "Order P-9 for Ann Smith: olives, ham (1 items)."}),
            json!({"action": "done", "procedure": "order_pizza", "outcome": "completed",
                   "escalation": false}),
        ][..]
    );
}

#[test]
fn invalid_shows_the_refused_answer_and_a_correction_forgets_what_choices_depend_on() {
    let outputs = session(
        &[FIXTURE],
        &[
            start(),
            json!({"event": "message"}),
            json!({"event": "click", "procedure": "visit_branch"}),
            answer("city", json!("Amsterdam")),
            answer("branch", json!(["Centrum"])),
            answer("branch", json!(" oost ")),
            answer("branch", json!("NOORD")),
            // `note`'s suggestions mention `city` too, but only order collection.
            answer("note", json!("Ring twice")),
        ],
    );
    let asked: Vec<&Value> = outputs.iter().filter(|o| o["action"] == "ask").collect();
    assert_eq!(asked[1]["choices"], json!(["Zuid", "Noord"]));
    assert_eq!(asked[1].get("multiple"), None);
    assert_eq!(asked[1].get("suggestions"), None);
    let invalid: Vec<&Value> = outputs
        .iter()
        .filter(|o| o["action"] == "invalid")
        .collect();
    assert_eq!(
        invalid[0]["message"],
        r#"In Amsterdam we have: Zuid, Noord; not ["Centrum"]."#
    );
    assert_eq!(
        invalid[1]["message"],
        "In Amsterdam we have: Zuid, Noord; not oost."
    );
    let note = outputs
        .iter()
        .find(|o| o["var"] == "note")
        .expect("note asked");
    assert_eq!(note["suggestions"], json!(["Ring the bell"]));
    assert_eq!(
        outputs.last().map(|o| o["action"].clone()),
        Some(json!("done"))
    );
    assert!(
        outputs
            .iter()
            .any(|o| o["question"] == "Where is Noord in Amsterdam? (Ring twice)"),
        "{outputs:?}"
    );

    // A correction of `city` before the run ends forgets `branch` (its `choices`
    // mention `city`), not `note` (only its `suggestions` do).
    let outputs = session(
        &[FIXTURE],
        &[
            start(),
            json!({"event": "provide", "vars": {"city": "Amsterdam", "branch": "zuid", "note": "hi"}}),
            json!({"event": "provide", "vars": {"city": "Utrecht"}}),
            json!({"event": "message"}),
            json!({"event": "click", "procedure": "visit_branch"}),
            answer("branch", json!("centrum")),
        ],
    );
    let asked: Vec<&Value> = outputs.iter().filter(|o| o["action"] == "ask").collect();
    assert_eq!(asked.len(), 1, "{outputs:?}");
    assert_eq!(asked[0]["var"], "branch");
    assert_eq!(asked[0]["prompt"], "Which branch in Utrecht?");
    assert_eq!(asked[0]["choices"], json!(["Centrum"]));
    assert!(
        outputs
            .iter()
            .any(|o| o["question"] == "Where is Centrum in Utrecht? (hi)"),
        "{outputs:?}"
    );
}

/// A one-route HTTP server on 127.0.0.1 that answers every request with `body` (200)
/// and sends each request's JSON body back to the test.
fn serve(body: &'static str) -> (u16, std::sync::mpsc::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let request = read_http_request(&mut reader);
            let _ = tx.send(serde_json::from_slice(&request).unwrap_or(Value::Null));
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, rx)
}

/// The fixture's pizza order, its URL on a local server (procc performs the HTTP).
fn local_order(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(FIXTURE).expect("fixture").replace(
        "https://pizza.example/orders",
        &format!("http://127.0.0.1:{port}/orders"),
    );
    let tests_start = text.find("\ntest ").unwrap_or(text.len());
    std::fs::write(dir.path().join("lists.proc"), &text[..tests_start]).expect("written");
    dir
}

#[test]
fn nested_returns_are_checked_on_real_responses() {
    for (body, said) in [
        (
            r#"{"id":"P-7","items":[{"name":"margherita","price":9.5},{"name":"cola","price":2,"extra":null}]}"#,
            "Order P-7 for Bob: cheese (2 items).",
        ),
        (
            r#"{"id":"P-8","items":[{"name":"margherita"}]}"#,
            "The order failed (action).",
        ),
    ] {
        let (port, requests) = serve(body);
        let dir = local_order(port);
        let path = dir.path().join("lists.proc");
        let outputs = session(
            &[&path.to_string_lossy()],
            &[
                start(),
                json!({"event": "message"}),
                json!({"event": "click", "procedure": "order_pizza", "vars": {"toppings": "cheese"}}),
                answer("recipient", json!("BOB")),
            ],
        );
        let says: Vec<&Value> = outputs.iter().filter(|o| o["action"] == "say").collect();
        assert_eq!(says.last().map(|s| s["text"].clone()), Some(json!(said)));
        assert_eq!(
            requests.recv().expect("a request"),
            json!({"toppings": ["cheese"], "to": "Bob"})
        );
    }
}

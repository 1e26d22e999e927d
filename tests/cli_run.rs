//! The session protocol (§7) through `procc run`, on the contract's own example.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// Runs `procc run` on the contract example with these input lines; returns every
/// output line as JSON.
fn session(inputs: &[Value], extra_args: &[&str]) -> Vec<Value> {
    session_on("tests/fixtures/contract_example.proc", inputs, extra_args)
}

/// Runs `procc run` on `project` with these input lines, then one line that is not JSON
/// (which must get `bad_input`); returns the other output lines as JSON.
fn session_on(project: &str, inputs: &[Value], extra_args: &[&str]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("run")
        .arg(project)
        .args(extra_args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("procc runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        for input in inputs {
            writeln!(stdin, "{input}").unwrap();
        }
        writeln!(stdin, "this is not json").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each output line is JSON"))
        .collect();
    let (last, rest) = lines.split_last().expect("at least the bad_input error");
    assert_eq!(last["action"], "error");
    assert_eq!(last["code"], "bad_input");
    rest.to_vec()
}

fn start(conversation: &str) -> Value {
    json!({"conversation": conversation, "event": "start",
           "customer": {"plan": "pro", "country": "NL", "orders": 3},
           "secrets": {"shop_token": "t0k"}})
}

fn event(conversation: &str, event: &str, fields: Value) -> Value {
    let mut object = fields.as_object().cloned().unwrap_or_default();
    object.insert("conversation".into(), conversation.into());
    object.insert("event".into(), event.into());
    Value::Object(object)
}

#[test]
fn the_refund_scenario_of_the_contract() {
    let outputs = session(
        &[
            start("c1"),
            event("c1", "faq", json!({"id": "faq_refunds"})),
            event("c1", "click", json!({"procedure": "refund_order"})),
            event(
                "c1",
                "answer",
                json!({"var": "email", "value": "ann@example.com"}),
            ),
            event("c1", "answer", json!({"var": "order_id", "value": "nope"})),
            event(
                "c1",
                "answer",
                json!({"var": "order_id", "value": "AB123456"}),
            ),
            event("c1", "answer", json!({"var": "reason", "value": "LATE"})),
            event("c1", "approve", json!({"granted": true, "by": "customer"})),
            event(
                "c1",
                "result",
                json!({"ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
            ),
        ],
        &["--host-http"],
    );
    let actions: Vec<&str> = outputs
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "offer", "ask", "ask", "invalid", "ask", "ask", "approve", "request", "say", "done"
        ],
        "{outputs:#?}"
    );
    assert!(outputs.iter().all(|o| o["conversation"] == "c1"));
    assert_eq!(
        outputs[0]["procedures"],
        json!([
            {"id": "refund_time", "label": "How long does a refund take?", "escalation": false},
            {"id": "refund_order", "label": "Refund my order", "escalation": false}
        ])
    );
    assert_eq!(outputs[1]["var"], "email");
    assert_eq!(outputs[1]["prompt"], "What's your email address?");
    assert_eq!(outputs[1]["type"], "email");
    assert_eq!(outputs[2]["var"], "order_id");
    assert_eq!(outputs[2]["type"], "order_number");
    assert_eq!(outputs[3]["var"], "order_id");
    assert_eq!(outputs[3]["message"], "Order numbers look like AB123456.");
    assert_eq!(outputs[5]["var"], "reason");
    assert_eq!(outputs[5]["type"], "one_of");
    assert_eq!(outputs[5]["choices"], json!(["damaged", "late", "other"]));
    assert_eq!(
        outputs[6]["prompt"],
        "Refund order AB123456 because it was late?"
    );
    assert_eq!(outputs[6]["by"], "customer");
    let request = &outputs[7];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["url"], "https://api.shop.example/refunds");
    assert_eq!(request["headers"]["Authorization"], "Bearer t0k");
    assert_eq!(
        request["body"],
        json!({"order": "AB123456", "reason": "late", "email": "ann@example.com"})
    );
    assert_eq!(request["timeout_ms"], 5000);
    assert_eq!(outputs[8]["text"], "Done: refund R-1 is on its way.");
    assert_eq!(
        outputs[9],
        json!({"conversation": "c1", "action": "done", "procedure": "refund_order",
               "outcome": "completed", "escalation": false})
    );
}

#[test]
fn every_error_code_leaves_the_stream_going() {
    let outputs = session(
        &[
            event("nobody", "message", json!({})),
            json!({"conversation": "c2", "event": "start", "customer": {"plan": "pro"}}),
            start("c2"),
            event("c2", "click", json!({"procedure": "refund_order"})),
            event("c2", "approve", json!({"granted": true})),
            event("c2", "answer", json!({"var": "email", "value": "x@y.z"})),
            event("c2", "provide", json!({"vars": {"nope": 1}})),
            json!({"conversation": "c2", "event": "teleport"}),
            json!({"conversation": "c2", "event": "faq"}),
        ],
        &[],
    );
    let codes: Vec<&str> = outputs
        .iter()
        .map(|o| o["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        codes,
        [
            "unknown_conversation",
            "invalid_customer",
            "not_offered",
            "nothing_pending",
            "unexpected_answer",
            "unknown_var",
            "bad_input",
            "bad_input"
        ],
        "{outputs:#?}"
    );
    assert_eq!(outputs[6]["conversation"], "c2");
}

#[test]
fn interleaved_conversations_and_a_human_handoff() {
    let outputs = session(
        &[
            start("a"),
            start("b"),
            event("a", "unanswered", json!({})),
            event("b", "feedback", json!({"value": "negative"})),
            event("a", "click", json!({"procedure": "human"})),
            event("b", "click", json!({"procedure": "human"})),
            event("a", "result", json!({"ok": true})),
            event("b", "end", json!({})),
        ],
        &[],
    );
    let summary: Vec<(String, String)> = outputs
        .iter()
        .map(|o| {
            (
                o["conversation"].as_str().unwrap().to_string(),
                o["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = summary
        .iter()
        .map(|(c, a)| (c.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("a", "offer"),
            ("b", "offer"),
            ("a", "live_chat"),
            ("b", "live_chat"),
            ("a", "done"),
            ("b", "done")
        ],
        "{outputs:#?}"
    );
    assert_eq!(outputs[2]["queue"], "tier-1");
    assert_eq!(outputs[2]["note"], "Customer unknown asked for a person");
    assert_eq!(outputs[4]["outcome"], "completed");
    assert_eq!(outputs[4]["escalation"], true);
    assert_eq!(outputs[5]["outcome"], "cancelled");
}

#[test]
fn every_kind_of_action_on_the_webshop_example_with_its_analytics() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let events_arg = events.display().to_string();
    let outputs = session_on(
        "examples/webshop",
        &[
            json!({"conversation": "w", "event": "start",
                   "customer": {"plan": "enterprise", "country": "DE", "orders": 1},
                   "secrets": {"shop_token": "s3cr3t-value"}}),
            event("w", "source", json!({"id": "src_pricing"})),
            event("w", "click", json!({"procedure": "see_pricing"})),
            event("w", "faq", json!({"id": "faq_refunds"})),
            event("w", "click", json!({"procedure": "refund_time"})),
            event("w", "unanswered", json!({})),
            event("w", "click", json!({"procedure": "billing_help"})),
            event("w", "message", json!({"text": "I want a demo"})),
            event(
                "w",
                "click",
                json!({"procedure": "book_demo", "vars": {"seats": "12"}}),
            ),
            event(
                "w",
                "answer",
                json!({"var": "email", "value": "ann@example.com"}),
            ),
            event(
                "w",
                "result",
                json!({"ok": true, "output": {"slot": "Monday 10:00"}}),
            ),
            event("w", "source", json!({"id": "src_size_chart"})),
            event("w", "click", json!({"procedure": "size_guide"})),
            event("w", "answer", json!({"var": "sku", "value": "SKU-1"})),
            event("w", "result", json!({"ok": true})),
        ],
        &["--events", &events_arg],
    );
    let find = |action: &str| {
        outputs
            .iter()
            .find(|o| o["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {outputs:#?}"))
    };
    assert_eq!(
        find("redirect")["url"],
        "https://shop.example/pricing?plan=enterprise"
    );
    assert_eq!(
        find("follow_up")["question"],
        "How long does a refund take?"
    );
    assert_eq!(find("switch_topic")["topic"], "billing");
    let component = find("component");
    assert_eq!(component["component"], "calendar-booking");
    assert_eq!(
        component["input"],
        json!({"email": "ann@example.com", "seats": 12})
    );
    let javascript = find("javascript");
    assert!(
        javascript["script"]
            .as_str()
            .unwrap()
            .contains("window.SizeGuide.open")
    );
    assert_eq!(javascript["args"], json!({"sku": "SKU-1"}));
    let says: Vec<&str> = outputs
        .iter()
        .filter(|o| o["action"] == "say")
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        says,
        [
            "See you at Monday 10:00!",
            "We will prepare the demo for your team."
        ]
    );
    let done: Vec<(&str, &str)> = outputs
        .iter()
        .filter(|o| o["action"] == "done")
        .map(|o| {
            (
                o["procedure"].as_str().unwrap(),
                o["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        done,
        [
            ("see_pricing", "completed"),
            ("refund_time", "completed"),
            ("billing_help", "completed"),
            ("book_demo", "completed"),
            ("size_guide", "completed")
        ]
    );

    let log = std::fs::read_to_string(&events).expect("the events file is written");
    assert!(
        !log.contains("s3cr3t-value"),
        "a secret reached the event log"
    );
    assert!(
        !log.contains("ann@example.com"),
        "an answer value reached the event log"
    );
    let kinds: Vec<String> = log
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("each event is JSON");
            assert_eq!(event["conversation"], "w");
            assert!(
                event["ts_ms"].as_u64().is_some(),
                "stamped by the host: {event}"
            );
            event["event"].as_str().unwrap().to_string()
        })
        .collect();
    for kind in ["offered", "clicked", "asked", "answered", "action", "done"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "no {kind} event in {kinds:?}"
        );
    }
}

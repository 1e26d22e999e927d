//! Revision 2, part 1 through the binary: outcome blocks, `if` and `then` in
//! `procc run` (JSON lines, host-performed HTTP, the analytics log) and `procc test`.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use serde_json::{Value, json};
use support::{procc, run_with_stdin};

const FIXTURE: &str = "tests/fixtures/rev2_outcomes.proc";

/// Runs `procc run --host-http` on the fixture with these inputs (one conversation,
/// `c`); returns the outputs and the analytics events.
fn session(inputs: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    let mut stdin = String::new();
    for input in inputs {
        let mut object = input.as_object().cloned().unwrap_or_default();
        object.insert("conversation".into(), "c".into());
        stdin.push_str(&Value::Object(object).to_string());
        stdin.push('\n');
    }
    let events_arg = events.to_string_lossy().into_owned();
    let output = run_with_stdin(
        procc()
            .args(["run", FIXTURE, "--host-http", "--events"])
            .arg(&events_arg),
        &stdin,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parse = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };
    let outputs = parse(&String::from_utf8_lossy(&output.stdout));
    let events = parse(&std::fs::read_to_string(&events).unwrap_or_default());
    (outputs, events)
}

fn start(plan: &str) -> Value {
    json!({"event": "start", "customer": {"plan": plan}})
}

/// The outputs from the first `action` of `kind` on, each reduced to what the test
/// compares: the action and its main field.
fn brief(outputs: &[Value]) -> Vec<String> {
    outputs
        .iter()
        .map(|o| {
            let action = o["action"].as_str().unwrap_or("?");
            let detail = match action {
                "say" => o["text"].clone(),
                "done" => json!(format!(
                    "{} {}",
                    o["procedure"].as_str().unwrap_or("?"),
                    o["outcome"].as_str().unwrap_or("?")
                )),
                "ask" => o["var"].clone(),
                "follow_up" => o["question"].clone(),
                "offer" => json!(
                    o["procedures"]
                        .as_array()
                        .map(|ps| ps.iter().map(|p| p["id"].clone()).collect::<Vec<_>>())
                ),
                "live_chat" => o["queue"].clone(),
                "error" => o["code"].clone(),
                _ => Value::Null,
            };
            match detail {
                Value::Null => action.to_owned(),
                Value::String(text) => format!("{action}: {text}"),
                other => format!("{action}: {other}"),
            }
        })
        .collect()
}

/// Up to the approval of a refund of order AB123456.
fn refund_until_approved(plan: &str) -> Vec<Value> {
    vec![
        start(plan),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund"}),
        json!({"event": "answer", "var": "order", "value": "AB123456"}),
        json!({"event": "approve", "granted": true, "by": "customer"}),
    ]
}

fn done_events(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["event"] == "done")
        .cloned()
        .collect()
}

#[test]
fn on_success_branches_and_then_starts_the_next_procedure_after_done() {
    let mut inputs = refund_until_approved("pro");
    inputs.push(json!({"event": "result", "ok": true, "status": 200,
                       "response": {"id": "R-1", "state": "pending"}}));
    let (outputs, events) = session(&inputs);
    let tail = brief(&outputs[outputs.len() - 4..]);
    assert_eq!(
        tail,
        [
            "say: Refund R-1 will go out tomorrow.",
            "done: refund completed",
            "follow_up: How did we do today?",
            "done: rate_us completed",
        ]
    );
    // The hand-over is a run of its own in the log, started after `refund`'s.
    let started: Vec<&Value> = events.iter().filter(|e| e["event"] == "clicked").collect();
    assert_eq!(started.len(), 2);
    assert_eq!(started[1]["procedure"], "rate_us");
    assert_eq!(started[1]["after"], "refund");
}

#[test]
fn then_starts_nothing_when_its_target_is_not_eligible() {
    let mut inputs = refund_until_approved("free");
    inputs.push(json!({"event": "result", "ok": true, "status": 200,
                       "response": {"id": "R-2", "state": "done"}}));
    let (outputs, _) = session(&inputs);
    let approved = outputs
        .iter()
        .rposition(|o| o["action"] == "request")
        .expect("a request");
    assert_eq!(
        brief(&outputs[approved + 1..]),
        ["say: Refund R-2 is done.", "done: refund completed"]
    );
}

#[test]
fn on_failure_sees_reason_status_and_the_done_event_carries_the_reason() {
    let mut inputs = refund_until_approved("pro");
    inputs.push(json!({"event": "result", "ok": true, "status": 409,
                       "response": {"error": "duplicate"}}));
    let (outputs, events) = session(&inputs);
    assert_eq!(
        brief(&outputs[outputs.len() - 2..]),
        [
            "say: Order AB123456 was already refunded.",
            "done: refund failed"
        ]
    );
    let done = done_events(&events);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["outcome"], "failed");
    assert_eq!(done[0]["reason"], "action");
}

#[test]
fn a_failure_without_an_http_answer_has_no_status() {
    let mut inputs = refund_until_approved("pro");
    inputs.push(json!({"event": "result", "ok": false}));
    let (outputs, _) = session(&inputs);
    assert_eq!(
        brief(&outputs[outputs.len() - 3..]),
        [
            "say: The refund failed (0).",
            "offer: [\"talk\"]",
            "done: refund failed"
        ]
    );
}

#[test]
fn running_out_of_attempts_runs_on_failure_with_reason_attempts() {
    let (outputs, events) = session(&[
        start("pro"),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund"}),
        json!({"event": "answer", "var": "order", "value": "short"}),
        json!({"event": "answer", "var": "order", "value": "short"}),
    ]);
    assert_eq!(
        brief(&outputs[outputs.len() - 3..]),
        [
            "invalid",
            "say: I could not read an order number.",
            "done: refund failed"
        ]
    );
    assert_eq!(done_events(&events)[0]["reason"], "attempts");
}

#[test]
fn a_denied_approval_runs_on_denied_then_done() {
    let (outputs, events) = session(&[
        start("pro"),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund"}),
        json!({"event": "answer", "var": "order", "value": "AB123456"}),
        json!({"event": "approve", "granted": false, "by": "customer"}),
    ]);
    assert_eq!(
        brief(&outputs[outputs.len() - 2..]),
        ["say: Nothing was refunded.", "done: refund denied"]
    );
    let done = done_events(&events);
    assert_eq!(done[0]["outcome"], "denied");
    assert!(done[0].get("reason").is_none(), "{done:?}");
}

/// The four ways a run is cancelled: `cancel`, a click on another procedure, `end` and
/// a new `start`; each gives the `on cancelled` statements, then `done … cancelled`.
#[test]
fn every_cancellation_runs_on_cancelled_before_done() {
    let asked = [
        start("pro"),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "faq", "id": "faq_help"}),
        json!({"event": "click", "procedure": "refund"}),
    ];
    let cancellations = [
        (json!({"event": "cancel"}), vec![]),
        (
            json!({"event": "click", "procedure": "talk"}),
            vec!["live_chat: tier-1"],
        ),
        (json!({"event": "end"}), vec![]),
        (start("pro"), vec![]),
    ];
    for (cancel, after) in cancellations {
        let mut inputs = asked.to_vec();
        inputs.push(cancel.clone());
        let (outputs, _) = session(&inputs);
        let ask = outputs
            .iter()
            .position(|o| o["action"] == "ask")
            .expect("the refund asks");
        let mut expected = vec!["say: Refund cancelled.", "done: refund cancelled"];
        expected.extend(after);
        assert_eq!(brief(&outputs[ask + 1..]), expected, "after {cancel}");
    }
}

#[test]
fn if_picks_the_first_branch_that_holds_and_a_failing_condition_is_false() {
    let (outputs, _) = session(&[
        start("pro"),
        json!({"event": "faq", "id": "faq_help"}),
        json!({"event": "click", "procedure": "guide"}),
    ]);
    assert_eq!(
        brief(&outputs[outputs.len() - 2..]),
        ["say: Guide opened.", "done: guide completed"]
    );
    let (outputs, _) = session(&[
        json!({"event": "start", "customer": {"plan": "pro", "vip": true}}),
        json!({"event": "faq", "id": "faq_help"}),
        json!({"event": "click", "procedure": "guide"}),
    ]);
    assert_eq!(
        brief(&outputs[outputs.len() - 2..]),
        ["say: VIP guide opened.", "done: guide completed"]
    );
}

#[test]
fn a_value_nobody_provided_fails_with_reason_missing() {
    let (outputs, events) = session(&[
        start("pro"),
        json!({"event": "faq", "id": "faq_help"}),
        json!({"event": "click", "procedure": "statement"}),
    ]);
    assert_eq!(
        brief(&outputs[outputs.len() - 2..]),
        ["say: Failed: missing.", "done: statement failed"]
    );
    assert_eq!(done_events(&events)[0]["reason"], "missing");
}

#[test]
fn the_fixture_test_blocks_pass_through_procc_test() {
    let output = run_with_stdin(procc().args(["test", FIXTURE]), "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("11 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_test_block_that_expects_the_wrong_outcome_block_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wrong.proc");
    let text = std::fs::read_to_string(FIXTURE).expect("fixture");
    // A denial runs `on denied`, not `on cancelled`.
    let wrong = text.replace(
        "  deny\n  expect say \"Nothing was refunded.\"\n",
        "  deny\n  expect say \"Refund cancelled.\"\n",
    );
    assert_ne!(wrong, text);
    std::fs::write(&path, wrong).expect("written");
    let output = run_with_stdin(procc().arg("test").arg(&path), "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("10 passed, 1 failed"), "{stdout}");
}

#[test]
fn inspect_shows_then_hand_overs_and_outcome_chunks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("rev2.procb");
    let built = run_with_stdin(procc().args(["build", FIXTURE, "-o"]).arg(&bundle), "");
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let text = run_with_stdin(procc().arg("inspect").arg(&bundle), "");
    let text = String::from_utf8_lossy(&text.stdout);
    let refund = text.find("  refund: api_call").expect("refund listed");
    let then = text[refund..].find("then: rate_us").expect("its hand-over");
    assert!(
        then < text[refund..].find("collects:").unwrap_or(0),
        "{text}"
    );
    assert!(
        text.contains("`on failure` of procedure `refund`"),
        "{text}"
    );
    assert!(text.contains("Then rate_us"), "{text}");
    assert!(text.contains("Fail action"), "{text}");
    let json = run_with_stdin(
        procc()
            .arg("inspect")
            .arg(&bundle)
            .args(["--format", "json"]),
        "",
    );
    let json: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let procedures = json["procedures"].as_array().expect("procedures");
    let refund = procedures
        .iter()
        .find(|p| p["name"] == "refund")
        .expect("refund");
    assert_eq!(refund["then"], json!(["rate_us"]));
    assert!(refund["outcomes"]["denied"].is_u64());
    let guide = procedures
        .iter()
        .find(|p| p["name"] == "guide")
        .expect("guide");
    assert_eq!(guide["then"], json!([]));
    assert!(guide["outcomes"]["failure"].is_null());
}

#[test]
fn report_counts_failed_runs_by_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    let mut stdin = String::new();
    for (conversation, last) in [("a", "short"), ("b", "short")] {
        for input in [
            json!({"event": "start", "customer": {"plan": "pro"}}),
            json!({"event": "faq", "id": "faq_refunds"}),
            json!({"event": "click", "procedure": "refund"}),
            json!({"event": "answer", "var": "order", "value": "short"}),
            json!({"event": "answer", "var": "order", "value": last}),
        ] {
            let mut object = input.as_object().cloned().unwrap_or_default();
            object.insert("conversation".into(), conversation.into());
            stdin.push_str(&Value::Object(object).to_string());
            stdin.push('\n');
        }
    }
    stdin.push_str(r#"{"conversation":"c","event":"start","customer":{"plan":"pro"}}"#);
    stdin.push_str("\n{\"conversation\":\"c\",\"event\":\"faq\",\"id\":\"faq_help\"}\n");
    stdin.push_str("{\"conversation\":\"c\",\"event\":\"click\",\"procedure\":\"statement\"}\n");
    let ran = run_with_stdin(
        procc()
            .args(["run", FIXTURE, "--host-http", "--events"])
            .arg(&events),
        &stdin,
    );
    assert_eq!(ran.status.code(), Some(0));
    let report = run_with_stdin(procc().arg("report").arg(&events), "");
    let table = String::from_utf8_lossy(&report.stdout);
    let header = table
        .lines()
        .find(|l| l.starts_with("failed by reason"))
        .unwrap_or_else(|| panic!("no reason table in {table}"));
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "failed", "by", "reason", "attempts", "lookup", "require", "action", "missing"
        ]
    );
    let row = |name: &str| -> Vec<String> {
        table
            .lines()
            .skip_while(|l| !l.starts_with("failed by reason"))
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in {table}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("refund"), ["refund", "2", "0", "0", "0", "0"]);
    assert_eq!(row("statement"), ["statement", "0", "0", "0", "0", "1"]);
}

/// `rate_us` has no trigger and no `offer` names it: the `then` that hands over to it is
/// what makes it reachable, so it gets no "nothing can offer" warning (W0100).
#[test]
fn a_then_target_counts_as_offered() {
    let checked = run_with_stdin(procc().args(["check", FIXTURE, "--format", "json"]), "");
    assert_eq!(checked.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&checked.stdout).expect("JSON");
    assert_eq!(json["diagnostics"], json!([]), "{json}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("unreached.proc");
    let text = std::fs::read_to_string(FIXTURE).expect("fixture");
    std::fs::write(&path, text.replace("    then rate_us\n", "")).expect("written");
    let checked = run_with_stdin(
        procc().arg("check").arg(&path).args(["--format", "json"]),
        "",
    );
    let json: Value = serde_json::from_slice(&checked.stdout).expect("JSON");
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .map(|d| d.iter().filter_map(|d| d["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["W0100"], "{json}");
}

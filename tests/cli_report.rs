//! `procc report` over analytics logs: one written by `procc run --events` on the webshop
//! example (every count checked), and hand-written ones with known timestamps (medians,
//! `--procedure`, the table, the HTML page, the errors).

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

/// Runs `procc ARGS` with `stdin` as its input.
fn procc(args: &[&str], stdin: &str) -> Output {
    support::run_with_stdin(support::procc().args(args), stdin)
}

/// Six webshop conversations, each ending a different way.
fn webshop_inputs() -> String {
    let start = |c: &str| {
        json!({"conversation": c, "event": "start",
               "customer": {"plan": "pro", "country": "NL", "orders": 3},
               "secrets": {"shop_token": "t0k"}})
    };
    let e = |c: &str, event: &str, fields: Value| {
        let mut object = json!({"conversation": c, "event": event});
        if let (Some(o), Value::Object(f)) = (object.as_object_mut(), fields) {
            o.extend(f);
        }
        object
    };
    let answer =
        |c: &str, var: &str, value: &str| e(c, "answer", json!({"var": var, "value": value}));
    let refund_until_approval = |c: &str| {
        vec![
            e(c, "faq", json!({"id": "faq_refunds"})),
            e(c, "click", json!({"procedure": "refund_order"})),
            answer(c, "email", "ann@example.com"),
            answer(c, "order_id", "AB123456"),
            answer(c, "reason", "late"),
        ]
    };
    let mut lines = Vec::new();
    // c1: refund completed.
    lines.push(start("c1"));
    lines.extend(refund_until_approval("c1"));
    lines.push(e("c1", "approve", json!({"granted": true})));
    lines.push(e(
        "c1",
        "result",
        json!({"ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
    ));
    // c2: the follow-up instead.
    lines.push(start("c2"));
    lines.push(e("c2", "faq", json!({"id": "faq_refunds"})));
    lines.push(e("c2", "click", json!({"procedure": "refund_time"})));
    // c3: refund denied.
    lines.push(start("c3"));
    lines.extend(refund_until_approval("c3"));
    lines.push(e("c3", "approve", json!({"granted": false})));
    // c4: unanswered, handed to a person.
    lines.push(start("c4"));
    lines.push(e("c4", "unanswered", json!({})));
    lines.push(e("c4", "click", json!({"procedure": "human"})));
    lines.push(e("c4", "result", json!({"ok": true})));
    // c5: refund failed, the offered hand-off cancelled.
    lines.push(start("c5"));
    lines.extend(refund_until_approval("c5"));
    lines.push(e("c5", "approve", json!({"granted": true})));
    lines.push(e("c5", "result", json!({"ok": false, "status": 503})));
    lines.push(e("c5", "click", json!({"procedure": "human"})));
    lines.push(e("c5", "cancel", json!({})));
    // c6: pricing dismissed.
    lines.push(start("c6"));
    lines.push(e("c6", "source", json!({"id": "src_pricing"})));
    lines.push(e("c6", "dismiss", json!({"procedure": "see_pricing"})));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Runs the webshop conversations through `procc run --events`; returns the log's path.
fn webshop_events(dir: &Path) -> String {
    let events = dir.join("events.jsonl");
    let events = events.to_str().expect("UTF-8 path").to_owned();
    let output = procc(
        &[
            "run",
            "examples/webshop",
            "--host-http",
            "--events",
            &events,
        ],
        &webshop_inputs(),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("\"error\""),
        "an input was refused: {stdout}"
    );
    events
}

fn report_json(args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    let output = procc(&all, "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn procedure<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["procedures"]
        .as_array()
        .expect("procedures")
        .iter()
        .find(|p| p["procedure"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the report"))
}

/// (offered, clicked, dismissed, completed, failed, cancelled, denied, escalations).
fn counts(p: &Value) -> [u64; 8] {
    [
        "offered",
        "clicked",
        "dismissed",
        "completed",
        "failed",
        "cancelled",
        "denied",
        "escalations",
    ]
    .map(|key| p[key].as_u64().unwrap_or_else(|| panic!("{key} in {p}")))
}

#[test]
fn every_number_of_a_run_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = webshop_events(dir.path());
    let log = std::fs::read_to_string(&events).expect("log");
    assert!(!log.contains("t0k"), "a secret reached the log");
    let report = report_json(&[&events]);

    assert_eq!(report["conversations"], 6);
    assert_eq!(report["escalated_conversations"], 1);
    assert_eq!(report["escalation_share"], json!(1.0 / 6.0));
    assert_eq!(report["events"], log.lines().count());
    let names: Vec<&str> = report["procedures"]
        .as_array()
        .expect("procedures")
        .iter()
        .filter_map(|p| p["procedure"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "billing_help",
            "human",
            "rate_refund",
            "refund_order",
            "refund_time",
            "see_pricing"
        ]
    );

    // The refund's `then` started the feedback question: a run without an offer.
    let rate = procedure(&report, "rate_refund");
    assert_eq!(counts(rate), [0, 1, 0, 1, 0, 0, 0, 0]);

    let refund = procedure(&report, "refund_order");
    assert_eq!(counts(refund), [4, 3, 0, 1, 1, 0, 1, 0]);
    assert_eq!(refund["completion_rate"], json!(1.0 / 3.0));
    assert_eq!(refund["failed_by_reason"], json!({"action": 1}));
    assert!(refund["median_click_to_done_ms"].is_u64());

    let time = procedure(&report, "refund_time");
    assert_eq!(counts(time), [4, 1, 0, 1, 0, 0, 0, 0]);
    assert_eq!(time["completion_rate"], json!(1.0));

    let human = procedure(&report, "human");
    assert_eq!(counts(human), [2, 2, 0, 1, 0, 1, 0, 1]);
    assert_eq!(human["completion_rate"], json!(0.5));

    let billing = procedure(&report, "billing_help");
    assert_eq!(counts(billing), [1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(billing["completion_rate"], Value::Null);
    assert_eq!(billing["median_click_to_done_ms"], Value::Null);

    let pricing = procedure(&report, "see_pricing");
    assert_eq!(counts(pricing), [1, 0, 1, 0, 0, 0, 0, 0]);

    let runs = report_json(&[&events, "--procedure", "human"]);
    let outcomes: Vec<(&str, &str)> = runs["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["conversation"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(outcomes, [("c4", "completed"), ("c5", "cancelled")]);
}

/// A log with known timestamps: medians to the millisecond.
const TIMED: &str = r#"{"conversation":"a","event":"offered","procedure":"refund","ts_ms":1000}
{"conversation":"a","event":"clicked","procedure":"refund","ts_ms":1000}
{"conversation":"a","event":"done","procedure":"refund","outcome":"completed","escalation":false,"ts_ms":4000}
{"conversation":"b","event":"offered","procedure":"refund","ts_ms":2000}
{"conversation":"b","event":"clicked","procedure":"refund","ts_ms":2000}
{"conversation":"b","event":"done","procedure":"refund","outcome":"failed","escalation":false,"ts_ms":12000}

{"conversation":"b","event":"offered","procedure":"person","ts_ms":12000}
{"conversation":"b","event":"clicked","procedure":"person","ts_ms":13000}
{"conversation":"b","event":"done","procedure":"person","outcome":"completed","escalation":true,"ts_ms":13250}
{"conversation":"c","event":"offered","procedure":"refund","ts_ms":5000}
{"conversation":"c","event":"clicked","procedure":"refund","ts_ms":5000}
{"conversation":"c","event":"done","procedure":"refund","outcome":"completed","escalation":false,"ts_ms":6001}
{"conversation":"d","event":"offered","procedure":"refund","ts_ms":7000}
{"conversation":"d","event":"clicked","procedure":"refund","ts_ms":7000}
{"conversation":"d","event":"done","procedure":"refund","outcome":"denied","escalation":false,"ts_ms":7500}
{"conversation":"e","event":"offered","procedure":"refund","ts_ms":9000}
{"conversation":"e","event":"clicked","procedure":"refund","ts_ms":9000}
"#;

fn timed_log(dir: &Path) -> String {
    let path = dir.join("timed.jsonl");
    std::fs::write(&path, TIMED).expect("written");
    path.to_str().expect("UTF-8").to_owned()
}

#[test]
fn medians_from_known_timestamps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = timed_log(dir.path());
    let report = report_json(&[&log]);
    let refund = procedure(&report, "refund");
    // Durations 3000, 10000, 1001, 500 (e never ended): sorted 500, 1001, 3000, 10000;
    // the mean of 1001 and 3000, rounded down.
    assert_eq!(refund["median_click_to_done_ms"], 2000);
    assert_eq!(counts(refund), [5, 5, 0, 2, 1, 0, 1, 0]);
    assert_eq!(refund["completion_rate"], json!(0.4));
    let person = procedure(&report, "person");
    assert_eq!(person["median_click_to_done_ms"], 250);
    assert_eq!(counts(person), [1, 1, 0, 1, 0, 0, 0, 1]);
    assert_eq!(report["conversations"], 5);
    assert_eq!(report["escalation_share"], json!(0.2));

    let runs = report_json(&[&log, "--procedure", "refund"]);
    assert_eq!(
        runs,
        json!({"procedure": "refund", "runs": [
            {"file": log, "conversation": "a", "outcome": "completed", "duration_ms": 3000},
            {"file": log, "conversation": "b", "outcome": "failed", "duration_ms": 10000},
            {"file": log, "conversation": "c", "outcome": "completed", "duration_ms": 1001},
            {"file": log, "conversation": "d", "outcome": "denied", "duration_ms": 500},
            {"file": log, "conversation": "e", "outcome": "unfinished", "duration_ms": null},
        ]})
    );
}

#[test]
fn tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = timed_log(dir.path());
    let output = procc(&["report", &log], "");
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(
        "report_table",
        String::from_utf8(output.stdout).expect("UTF-8")
    );
    let output = procc(&["report", &log, "--procedure", "refund"], "");
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(
        "report_procedure_table",
        String::from_utf8(output.stdout).expect("UTF-8")
    );
}

#[test]
fn the_html_page_is_self_contained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = webshop_events(dir.path());
    let page = dir.path().join("report.html");
    let output = procc(
        &["report", &events, "--html", page.to_str().expect("UTF-8")],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    for name in [
        "refund_order",
        "refund_time",
        "human",
        "billing_help",
        "see_pricing",
        "rate_refund",
    ] {
        assert!(html.contains(&format!("<h2>{name}")), "{name} has no card");
    }
    // Six funnels, nothing fetched, no script.
    assert_eq!(html.matches("aria-label=\"funnel:").count(), 6);
    assert!(html.contains("aria-label=\"funnel: offered 4, clicked 3, completed 1\""));
    for banned in ["<script", "http://", "https://", "<link", "url(", "@import"] {
        assert!(!html.contains(banned), "the page contains {banned}");
    }
    // The table still goes to stdout.
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("procedure"));
}

#[test]
fn unreadable_and_malformed_logs() {
    let output = procc(&["report", "/nonexistent/events.jsonl"], "");
    assert_eq!(output.status.code(), Some(2));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"conversation\":\"a\",\"event\":\"offered\",\"procedure\":\"p\"}\n\n{\"conversation\":\"a\",\"event\":\"exploded\"}\n",
    )
    .expect("written");
    let path = path.to_str().expect("UTF-8");
    let output = procc(&["report", path], "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: {path}:3: not an analytics event")),
        "{stderr}"
    );
    let output = procc(&["report", "--format", "json"], "");
    assert_eq!(output.status.code(), Some(2), "no log is a usage error");
}

//! Revision 2's dates, `if … then … else`, `join` and `require`, through the public
//! interfaces: `procc run` (JSON lines, with and without `at`), `procc test`, and the
//! library API (a host that passes no time).

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::process::Command;
use std::sync::Arc;

use serde_json::{Value, json};

const PROJECT: &str = "tests/fixtures/revision2/dates.proc";

/// Runs `procc run` on the fixture with these input lines; every output line as JSON.
fn run(inputs: &[Value]) -> Vec<Value> {
    let lines: String = inputs.iter().map(|input| format!("{input}\n")).collect();
    support::protocol_outputs(support::run_with_stdin(
        support::procc().args(["run", PROJECT]),
        &lines,
    ))
}

fn input(event: &str, at: Option<&str>, fields: Value) -> Value {
    let mut object = json!({"conversation": "c", "event": event});
    if let Some(at) = at {
        object["at"] = json!(at);
    }
    if let (Some(object), Value::Object(fields)) = (object.as_object_mut(), fields) {
        object.extend(fields);
    }
    object
}

fn start(card_age_days: i64) -> Value {
    input(
        "start",
        None,
        json!({"customer": {"name": "Ann", "vip": false, "card_age_days": card_age_days}}),
    )
}

/// The outputs as `action` plus their main field, for compact comparisons.
fn brief(outputs: &[Value]) -> Vec<String> {
    outputs
        .iter()
        .map(|o| {
            let action = o["action"].as_str().unwrap_or_default();
            let detail = match action {
                "say" => o["text"].clone(),
                "follow_up" => o["question"].clone(),
                "ask" | "invalid" => o["var"].clone(),
                "done" => json!(format!(
                    "{} {}",
                    o["procedure"].as_str().unwrap_or_default(),
                    o["outcome"].as_str().unwrap_or_default()
                )),
                "error" => o["code"].clone(),
                _ => Value::Null,
            };
            format!("{action} {}", detail.as_str().unwrap_or_default())
        })
        .collect()
}

/// [`brief`] without the `offer`s.
fn without_offers(outputs: &[Value]) -> Vec<String> {
    brief(outputs)
        .into_iter()
        .filter(|b| !b.starts_with("offer"))
        .collect()
}

#[test]
fn hour_and_today_read_the_inputs_at_in_the_named_zone() {
    let outputs = run(&[
        start(40),
        input("message", Some("2026-03-02T07:30:00Z"), json!({})),
        input(
            "click",
            Some("2026-03-02T07:30:00Z"),
            json!({"procedure": "open_hours"}),
        ),
        input("message", Some("2026-03-02T10:30:00+02:00"), json!({})),
        input(
            "click",
            Some("2026-03-02T10:30:00+02:00"),
            json!({"procedure": "open_hours"}),
        ),
    ]);
    assert_eq!(
        without_offers(&outputs),
        [
            // 07:30 UTC is 08:30 in Amsterdam: closed; the require's message, then
            // `on failure` with `reason` "require", then done.
            "say We are closed now (it is 8:00 in Amsterdam); we open at 9.",
            "say Ask again from 9:00.",
            "done open_hours failed",
            // 10:30+02:00 is 09:30 in Amsterdam: open.
            "follow_up We are open until 17:00 today, 2026-03-02.",
            "done open_hours completed",
        ]
    );
}

#[test]
fn date_literals_and_checks_against_today_through_procc_run() {
    let at = Some("2026-03-02T09:30:00Z");
    let outputs = run(&[
        start(40),
        input("message", at, json!({})),
        input("click", at, json!({"procedure": "book_visit"})),
        // A Saturday, then a day before today, then a good day.
        input("answer", at, json!({"var": "day", "value": "2026-03-07"})),
        input("answer", at, json!({"var": "day", "value": "2026-02-27"})),
        input("answer", at, json!({"var": "day", "value": "2026-03-04"})),
        input("message", at, json!({})),
        input(
            "click",
            at,
            json!({"procedure": "book_visit", "vars": {"day": "2026-05-04"}}),
        ),
    ]);
    let brief = without_offers(&outputs);
    assert_eq!(
        brief,
        [
            "ask day",
            "invalid day",
            "ask day",
            "invalid day",
            "ask day",
            "follow_up Visit on 2026-03-04 (a wednesday), the week after is 2026-03-11?",
            "done book_visit completed",
            "say We book at most 30 days ahead; 2026-05-04 is 63 days away.",
            "done book_visit failed",
        ]
    );
    let invalid: Vec<&str> = outputs
        .iter()
        .filter(|o| o["action"] == "invalid")
        .filter_map(|o| o["message"].as_str())
        .collect();
    assert_eq!(
        invalid,
        [
            "We are closed on saturdays.",
            "Please pick a day from today on."
        ]
    );
}

#[test]
fn a_requirement_is_checked_again_after_a_correction() {
    let at = Some("2026-03-02T09:30:00Z");
    let answer = |var: &str, value: &str| input("answer", at, json!({"var": var, "value": value}));
    let opening = [
        start(40),
        input("message", at, json!({})),
        input("click", at, json!({"procedure": "replace_card"})),
        answer("email", "ann@example.com"),
    ];
    let outputs = run(&[&opening[..], &[answer("reason", "lost")]].concat());
    assert!(brief(&outputs).contains(&"done replace_card completed".to_owned()));
    // The same run, but the email is corrected while `reason` is asked: collection
    // restarts, the requirements are checked again, and `damaged` ends the run.
    let corrected = [
        answer("email", "bo@example.com"),
        answer("reason", "damaged"),
    ];
    let outputs = run(&[&opening[..], &corrected[..]].concat());
    let brief = without_offers(&outputs);
    assert_eq!(
        brief,
        [
            "ask email",
            "ask reason",
            "ask reason",
            "say Damaged cards are replaced at a branch.",
            "done replace_card failed",
        ]
    );
}

#[test]
fn procc_run_stamps_a_missing_at_from_the_clock_and_refuses_a_bad_one() {
    let before = jiff::Timestamp::now();
    let outputs = run(&[
        start(40),
        input("message", None, json!({})),
        input("click", None, json!({"procedure": "today_is"})),
        input("message", Some("yesterday"), json!({})),
    ]);
    let after = jiff::Timestamp::now();
    let question = outputs
        .iter()
        .find(|o| o["action"] == "follow_up")
        .and_then(|o| o["question"].as_str())
        .expect("today() had a time")
        .to_owned();
    let day = |t: jiff::Timestamp| {
        t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
    };
    assert!(
        question.starts_with(&format!("Today is {}", day(before)))
            || question.starts_with(&format!("Today is {}", day(after))),
        "{question}"
    );
    let last = outputs.last().expect("outputs");
    assert_eq!(
        (last["action"].as_str(), last["code"].as_str()),
        (Some("error"), Some("bad_input"))
    );
}

#[test]
fn procc_test_runs_the_fixtures_test_blocks() {
    let output = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["test", PROJECT])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("procc test runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("5 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_failing_expect_error_fails_its_test() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("t.proc");
    std::fs::write(
        &file,
        r#"procedure more: follow_up {
  label "More"
  question "More on {today()}?"
  trigger always
}
test "a click that is taken is no error" {
  at "2026-03-02T23:30:00-05:00"
  send message "hi"
  click more
  expect error not_offered
}
test "the default time is documented" {
  send message "hi"
  click more
  expect follow_up "More on 2026-03-02?"
}
"#,
    )
    .expect("writes");
    let output = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("test")
        .arg(&file)
        .output()
        .expect("procc test runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("1 passed, 1 failed"), "{all}");
    // 23:30 at UTC-5 is already the next day in UTC.
    assert!(
        all.contains("expected error not_offered, but no `error` output came")
            && all.contains("More on 2026-03-03?"),
        "{all}"
    );
}

#[test]
fn a_library_host_that_passes_no_time_gets_a_run_time_error_not_a_date() {
    let mut sources = procc::diagnostics::Sources::new();
    let text = std::fs::read_to_string(PROJECT).expect("fixture");
    sources.add(PROJECT, text);
    let compilation = procc::compiler::compile(sources);
    assert!(!compilation.has_errors());
    let module = compilation.generate().expect("lowers");
    let program = Arc::new(procc::vm::Program::new(module).expect("verifies"));
    let mut conversations = procc::vm::Conversations::new(program);
    let mut handle = |event: Value| conversations.handle_line(&event.to_string());
    handle(start(40));
    handle(input("message", None, json!({})));
    let step = handle(input("click", None, json!({"procedure": "today_is"})));
    let actions: Vec<Value> = step
        .outputs
        .iter()
        .map(|o| serde_json::to_value(o).expect("JSON"))
        .collect();
    assert_eq!(brief(&actions), ["done today_is failed"]);
    // With a time, the same click works.
    handle(input("message", Some("2026-03-02T23:30:00Z"), json!({})));
    let step = handle(input(
        "click",
        Some("2026-03-02T23:30:00Z"),
        json!({"procedure": "today_is"}),
    ));
    let actions: Vec<Value> = step
        .outputs
        .iter()
        .map(|o| serde_json::to_value(o).expect("JSON"))
        .collect();
    assert_eq!(
        brief(&actions),
        [
            "follow_up Today is 2026-03-02, a monday; in New York it is 18h.",
            "done today_is completed"
        ]
    );
}

/// The fixture compiled and verified, for the library-level property test.
fn fixture_program() -> Arc<procc::vm::Program> {
    let mut sources = procc::diagnostics::Sources::new();
    sources.add(PROJECT, std::fs::read_to_string(PROJECT).expect("fixture"));
    let compilation = procc::compiler::compile(sources);
    let module = compilation.generate().expect("lowers");
    Arc::new(procc::vm::Program::new(module).expect("verifies"))
}

mod random_inputs {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn at() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some("2026-03-02T09:30:00Z".to_owned())),
            Just(Some("2026-03-02T23:59:59-11:00".to_owned())),
            Just(Some("9999-12-31T23:59:59Z".to_owned())),
            Just(Some("-009999-01-01T00:00:00Z".to_owned())),
            Just(Some("not a time".to_owned())),
            (0i64..4_000_000_000)
                .prop_map(|s| jiff::Timestamp::from_second(s).ok().map(|t| t.to_string())),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("2026-03-04")),
            Just(json!("2026-02-30")),
            Just(json!("9999-12-31")),
            Just(json!("0000-01-01")),
            Just(json!("lost")),
            Just(json!("damaged")),
            Just(json!("a@b.c")),
            Just(json!(7)),
            Just(json!(null)),
            "[0-9-]{0,10}".prop_map(Value::from),
        ]
    }

    fn event() -> impl Strategy<Value = Value> {
        let name = prop::sample::select(vec![
            "book_visit",
            "open_hours",
            "today_is",
            "replace_card",
            "day",
            "email",
            "reason",
        ]);
        prop_oneof![
            Just(
                json!({"event": "start", "customer": {"name": "A", "vip": true, "card_age_days": 40, "birthday": "2000-02-29"}})
            ),
            Just(
                json!({"event": "start", "customer": {"name": "A", "vip": false, "card_age_days": 1}})
            ),
            Just(json!({"event": "message"})),
            name.clone()
                .prop_map(|p| json!({"event": "click", "procedure": p})),
            (name.clone(), value())
                .prop_map(|(p, x)| json!({"event": "click", "procedure": p, "vars": {"day": x}})),
            (name.clone(), value())
                .prop_map(|(v, x)| json!({"event": "answer", "var": v, "value": x})),
            (name, value()).prop_map(|(v, x)| json!({"event": "provide", "vars": {v: x}})),
            Just(json!({"event": "cancel"})),
            Just(json!({"event": "end"})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Random inputs at random times never panic; an `error` changes nothing; a
        /// conversation restored from its snapshot goes on exactly as the one in memory.
        #[test]
        fn dates_and_requirements_never_panic(
            inputs in prop::collection::vec((event(), at()), 1..30),
        ) {
            let program = super::fixture_program();
            let mut live = procc::vm::Conversations::new(program.clone());
            for (mut event, at) in inputs {
                event["conversation"] = json!("c");
                if let Some(at) = at {
                    event["at"] = json!(at);
                }
                let before = live.snapshot("c");
                let mut restored = procc::vm::Conversations::new(program.clone());
                if let Some(bytes) = &before {
                    prop_assert!(restored.restore("c", bytes).is_ok());
                }
                let step = live.handle_line(&event.to_string());
                let again = restored.handle_line(&event.to_string());
                prop_assert_eq!(&step.outputs, &again.outputs);
                // A `start` draws a fresh nonce from the host's randomness (§7
                // idempotency keys), so only later inputs can be compared byte for byte.
                if event["event"] != "start" {
                    prop_assert_eq!(live.snapshot("c"), restored.snapshot("c"));
                }
                let errors = step
                    .outputs
                    .iter()
                    .filter(|o| matches!(o.action, procc::vm::Action::Error { .. }))
                    .count();
                if errors > 0 && event["event"] != "start" {
                    prop_assert_eq!(live.snapshot("c"), before);
                }
            }
        }
    }
}

#[test]
fn procc_inspect_shows_where_each_requirement_is_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("dates.procb");
    let built = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["build", PROJECT, "-o"])
        .arg(&bundle)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("procc build runs");
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let inspected = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("inspect")
        .arg(&bundle)
        .output()
        .expect("procc inspect runs");
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(
        text.contains("collects: email -> reason\n    requires: #1 first, #2 after reason"),
        "{text}"
    );
    assert!(text.contains("Require #2"), "{text}");
}

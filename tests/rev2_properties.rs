//! Property tests of revision 2's outcome blocks, `if` and `then` on bytecode from the
//! real compiler: random inputs never panic, every run that starts ends with one `done`
//! (also runs started by `then`), and a host that snapshots and restores a conversation
//! before any input (mid-run, mid-hand-over, waiting for a lookup or a validation
//! lookup) goes on exactly like one that kept it.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::sync::Arc;

use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Conversations, Program};
use proptest::prelude::*;
use serde_json::{Value, json};

fn program() -> Arc<Program> {
    compiled(
        "rev2_outcomes.proc",
        include_str!("fixtures/rev2_outcomes.proc"),
    )
}

fn compiled(path: &str, text: &str) -> Arc<Program> {
    let mut sources = Sources::new();
    sources.add(path, text);
    let compilation = compile(sources);
    assert!(
        !compilation.diagnostics.iter().any(|d| d.is_error()),
        "{:?}",
        compilation.diagnostics
    );
    let module = compilation.generate().expect("lowers");
    Arc::new(Program::new(module).expect("verifies"))
}

fn input() -> impl Strategy<Value = Value> {
    let procedure = prop::sample::select(vec!["refund", "talk", "guide", "statement", "rate_us"]);
    let value = prop_oneof![
        Just(json!("AB123456")),
        Just(json!("short")),
        Just(json!({"id": "R-1", "state": "pending"})),
        Just(json!({"id": "R-1", "state": "odd"})),
        Just(json!(null)),
        Just(json!(3)),
    ];
    prop_oneof![
        Just(json!({"event": "start", "customer": {"plan": "pro"}})),
        Just(json!({"event": "start", "customer": {"plan": "free", "vip": true}})),
        Just(json!({"event": "faq", "id": "faq_refunds"})),
        Just(json!({"event": "faq", "id": "faq_help"})),
        procedure
            .clone()
            .prop_map(|p| json!({"event": "click", "procedure": p})),
        value
            .clone()
            .prop_map(|v| json!({"event": "answer", "var": "order", "value": v})),
        value
            .clone()
            .prop_map(|v| json!({"event": "provide", "vars": {"account": v}})),
        any::<bool>().prop_map(|g| json!({"event": "approve", "granted": g, "by": "customer"})),
        (
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![200u16, 409, 500])),
            value
        )
            .prop_map(
                |(ok, s, r)| json!({"event": "result", "ok": ok, "status": s, "response": r})
            ),
        Just(json!({"event": "cancel"})),
        Just(json!({"event": "end"})),
    ]
}

/// Inputs for the lookups fixture: lookups pending, failing, validated, corrected.
fn lookup_input() -> impl Strategy<Value = Value> {
    let procedure = prop::sample::select(vec!["transfer_money", "book_slot"]);
    let var = prop::sample::select(vec!["recipient", "amount", "city", "day", "account"]);
    let value = prop_oneof![
        Just(json!("Bob")),
        Just(json!(50)),
        Just(json!(500)),
        Just(json!("2026-03-02")),
        Just(json!("Paris")),
        Just(json!(null)),
    ];
    let response = prop_oneof![
        Just(json!({"balance": 70, "owner": "Ann"})),
        Just(json!({"count": 2})),
        Just(json!({"open": true})),
        Just(json!({"open": false})),
        Just(json!({"id": "T1"})),
        Just(json!({"balance": "x"})),
    ];
    prop_oneof![
        Just(json!({"event": "start", "customer": {"id": "u1"}, "secrets": {"bank_token": "t"}})),
        Just(json!({"event": "start", "customer": {"id": ".."}, "secrets": {"bank_token": "t"}})),
        Just(json!({"event": "start", "customer": {"id": "u1"}})),
        Just(json!({"event": "faq", "id": "faq_transfers"})),
        Just(json!({"event": "faq", "id": "faq_slots"})),
        procedure.prop_map(|p| json!({"event": "click", "procedure": p})),
        (var, value).prop_map(|(v, x)| json!({"event": "answer", "var": v, "value": x})),
        any::<bool>().prop_map(|g| json!({"event": "approve", "granted": g, "by": "customer"})),
        (
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![200u16, 404, 503])),
            response
        )
            .prop_map(
                |(ok, s, r)| json!({"event": "result", "ok": ok, "status": s, "response": r})
            ),
        Just(json!({"event": "cancel"})),
        Just(json!({"event": "end"})),
    ]
}

/// Handles `input` in `kept`, and in a conversation restored from `kept`'s snapshot
/// before it: both give the same outputs and (but after a `start`, which draws a new
/// nonce) the same state. `kept`'s outputs and events.
fn kept_and_restored(
    program: &Arc<Program>,
    kept: &mut Conversations,
    input: &Value,
) -> Result<(Vec<Value>, Vec<Value>), TestCaseError> {
    let before = kept.snapshot("c");
    let mut restored = Conversations::with_seed(program.clone(), [1; 32]);
    if let Some(bytes) = &before {
        prop_assert!(restored.restore("c", bytes).is_ok());
    }
    let (from_restored, _) = handle(&mut restored, input);
    let (outputs, events) = handle(kept, input);
    prop_assert_eq!(&from_restored, &outputs);
    if input["event"] != "start" {
        prop_assert_eq!(restored.snapshot("c"), kept.snapshot("c"));
    }
    Ok((outputs, events))
}

/// One input's outputs and analytics events, as JSON.
fn handle(c: &mut Conversations, input: &Value) -> (Vec<Value>, Vec<Value>) {
    let mut input = input.clone();
    input["conversation"] = json!("c");
    let step = c.handle_line(&input.to_string());
    let json = |items: Vec<Value>| items;
    (
        json(
            step.outputs
                .iter()
                .map(|o| serde_json::to_value(o).expect("serialises"))
                .collect(),
        ),
        json(
            step.events
                .iter()
                .map(|e| serde_json::to_value(e).expect("serialises"))
                .collect(),
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn outcomes_and_hand_overs_survive_snapshots(inputs in prop::collection::vec(input(), 1..30)) {
        let program = program();
        let mut kept = Conversations::with_seed(program.clone(), [1; 32]);
        // The run going on, from the log: a `clicked` (a click or a `then`) starts one,
        // its `done` ends it; never two at once, never a `done` without one.
        let mut running: Option<String> = None;
        for input in &inputs {
            let (outputs, events) = kept_and_restored(&program, &mut kept, input)?;
            let dones = outputs.iter().filter(|o| o["action"] == "done").count();
            prop_assert_eq!(dones, events.iter().filter(|e| e["event"] == "done").count());
            for event in &events {
                match event["event"].as_str() {
                    Some("clicked") => {
                        prop_assert!(running.is_none(), "two runs at once: {events:?}");
                        running = event["procedure"].as_str().map(str::to_owned);
                    }
                    Some("done") => {
                        prop_assert_eq!(running.as_deref(), event["procedure"].as_str());
                        let failed = event["outcome"] == "failed";
                        prop_assert_eq!(failed, event.get("reason").is_some());
                        running = None;
                    }
                    _ => {}
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn pending_lookups_survive_snapshots(inputs in prop::collection::vec(lookup_input(), 1..30)) {
        let program = compiled("bank.proc", include_str!("fixtures/lookups/bank.proc"));
        let mut kept = Conversations::with_seed(program.clone(), [1; 32]);
        for input in &inputs {
            let (outputs, events) = kept_and_restored(&program, &mut kept, input)?;
            // One input sends at most one request, and a failed run says why.
            prop_assert!(outputs.iter().filter(|o| o["action"] == "request").count() <= 1);
            for event in events.iter().filter(|e| e["event"] == "done") {
                prop_assert_eq!(event["outcome"] == "failed", event.get("reason").is_some());
            }
        }
    }
}

//! The interpreter on bytecode from the real code generator: the contract's §2 example
//! compiled from source and its test scenario driven through `Conversations`.
#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::sync::Arc;

use procc::codegen::module::Module;
use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Conversations, Program};
use serde_json::{Value, json};

/// One file compiled by the real driver (with the embedded standard library), refusing
/// any error.
fn compile_one(path: &str, text: &str) -> Module {
    let mut sources = Sources::new();
    sources.add(path, text);
    let compilation = compile(sources);
    let errors: Vec<_> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{path}: {errors:?}");
    compilation
        .generate()
        .unwrap_or_else(|e| panic!("{path} does not lower: {e}"))
}

fn compiled() -> Conversations {
    let module = compile_one("shop.proc", include_str!("fixtures/contract_example.proc"));
    procc::bundle::verify(&module).expect("verifies");
    Conversations::new(Arc::new(Program::new(module).expect("runs")))
}

fn send(c: &mut Conversations, mut input: Value) -> Vec<Value> {
    input["conversation"] = json!("c1");
    c.handle_line(&input.to_string())
        .outputs
        .iter()
        .map(|o| {
            let mut v = serde_json::to_value(o).unwrap();
            v.as_object_mut().unwrap().remove("conversation");
            v
        })
        .collect()
}

#[test]
fn the_contract_test_runs_on_compiled_bytecode() {
    let mut c = compiled();
    let start = json!({"event": "start", "customer": {"plan": "pro", "country": "NL", "orders": 3}, "secrets": {"shop_token": "t0k"}});
    assert_eq!(send(&mut c, start), Vec::<Value>::new());
    let out = send(&mut c, json!({"event": "faq", "id": "faq_refunds"}));
    let ids: Vec<&Value> = out[0]["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(ids, [&json!("refund_time"), &json!("refund_order")]);
    let out = send(
        &mut c,
        json!({"event": "click", "procedure": "refund_order"}),
    );
    assert_eq!(
        out,
        [
            json!({"action": "ask", "var": "email", "prompt": "What's your email address?", "type": "email"})
        ]
    );
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "email", "value": "ann@example.com"}),
    );
    assert_eq!(out[0]["var"], "order_id");
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "order_id", "value": "nope"}),
    );
    assert_eq!(
        out[0],
        json!({"action": "invalid", "var": "order_id", "message": "Order numbers look like AB123456."})
    );
    assert_eq!(out[1]["action"], "ask");
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "order_id", "value": "AB123456"}),
    );
    assert_eq!(out[0]["choices"], json!(["damaged", "late", "other"]));
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "reason", "value": "late"}),
    );
    assert_eq!(
        out,
        [
            json!({"action": "approve", "prompt": "Refund order AB123456 because it was late?", "by": "customer"})
        ]
    );
    let out = send(&mut c, json!({"event": "approve", "granted": true}));
    assert_eq!(out[0]["action"], "request");
    assert_eq!(out[0]["method"], "POST");
    assert_eq!(out[0]["url"], "https://api.shop.example/refunds");
    assert_eq!(out[0]["headers"], json!({"Authorization": "Bearer t0k"}));
    assert_eq!(
        out[0]["body"],
        json!({"order": "AB123456", "reason": "late", "email": "ann@example.com"})
    );
    assert_eq!(out[0]["timeout_ms"], 5000);
    let out = send(
        &mut c,
        json!({"event": "result", "ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
    );
    assert_eq!(
        out,
        [
            json!({"action": "say", "text": "Done: refund R-1 is on its way."}),
            json!({"action": "done", "procedure": "refund_order", "outcome": "completed", "escalation": false}),
        ]
    );
}

#[test]
fn the_other_kinds_run_on_compiled_bytecode() {
    let mut c = compiled();
    send(
        &mut c,
        json!({"event": "start", "customer": {"plan": "enterprise", "country": "BE", "orders": 1}}),
    );
    let out = send(&mut c, json!({"event": "message"}));
    assert_eq!(out[0]["procedures"][0]["id"], "book_demo");
    send(
        &mut c,
        json!({"event": "click", "procedure": "book_demo", "vars": {"email": "a@b.co"}}),
    );
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "seats", "value": "60"}),
    );
    assert_eq!(out[0]["var"], "company");
    let out = send(
        &mut c,
        json!({"event": "answer", "var": "company", "value": "Acme"}),
    );
    assert_eq!(
        out,
        [
            json!({"action": "component", "component": "calendar-booking", "input": {"email": "a@b.co", "seats": 60}})
        ]
    );
    let out = send(
        &mut c,
        json!({"event": "result", "ok": true, "output": {"slot": "Mon"}}),
    );
    assert_eq!(out[0], json!({"action": "say", "text": "See you at Mon!"}));
    let out = send(&mut c, json!({"event": "unanswered"}));
    let ids: Vec<&Value> = out[0]["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(ids, [&json!("billing_help"), &json!("human")]);
    let out = send(&mut c, json!({"event": "click", "procedure": "human"}));
    assert_eq!(
        out,
        [
            json!({"action": "live_chat", "queue": "tier-1", "note": "Customer a@b.co asked for a person"})
        ]
    );
    let out = send(
        &mut c,
        json!({"event": "click", "procedure": "billing_help"}),
    );
    assert_eq!(out[0]["outcome"], "cancelled");
    assert_eq!(
        out[1],
        json!({"action": "switch_topic", "topic": "billing"})
    );
    let out = send(&mut c, json!({"event": "source", "id": "src_pricing"}));
    assert_eq!(out[0]["procedures"][0]["id"], "see_pricing");
    let out = send(
        &mut c,
        json!({"event": "click", "procedure": "see_pricing"}),
    );
    assert_eq!(
        out[0],
        json!({"action": "redirect", "url": "https://shop.example/pricing?plan=enterprise"})
    );
}

#[test]
fn every_example_lowers_and_is_accepted_by_the_interpreter() {
    let examples: [(&str, &str); 4] = [
        ("bank.proc", include_str!("../examples/bank/bank.proc")),
        (
            "city.proc",
            include_str!("../examples/public_service/city.proc"),
        ),
        ("saas.proc", include_str!("../examples/saas/saas.proc")),
        ("shop.proc", include_str!("../examples/webshop/shop.proc")),
    ];
    for (path, text) in examples {
        let module = compile_one(path, text);
        let program = Arc::new(Program::new(module).unwrap_or_else(|e| panic!("{path}: {e}")));
        let mut c = Conversations::new(program);
        send(&mut c, json!({"event": "start", "customer": {}}));
        for event in ["message", "unanswered"] {
            send(&mut c, json!({"event": event}));
        }
    }
}

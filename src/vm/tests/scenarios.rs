//! Conversations through the public API, one §7 rule at a time.

use serde_json::{Value as Json, json};

use super::harness::{H, actions, enterprise, pro};
use super::webshop::{chain, webshop};

fn offer(ids: &[&str]) -> Vec<Json> {
    ids.iter().map(|id| json!(id)).collect()
}

fn offered_ids(output: &Json) -> Vec<Json> {
    assert_eq!(output["action"], "offer", "{output}");
    output["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect()
}

#[test]
fn the_contract_refund_scenario() {
    let mut h = H::new(webshop());
    assert_eq!(h.send(pro()), Vec::<Json>::new());
    let out = h.send(json!({"event": "faq", "id": "faq_refunds"}));
    assert_eq!(
        out,
        vec![json!({"action": "offer", "procedures": [
            {"id": "refund_time", "label": "How long does a refund take?", "escalation": false},
            {"id": "refund_order", "label": "Refund my order", "escalation": false}]})]
    );
    let out = h.send(json!({"event": "click", "procedure": "refund_order"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "ask", "var": "email", "prompt": "What's your email address?", "type": "email"})
        ]
    );
    let out = h.send(json!({"event": "answer", "var": "email", "value": "ann@example.com"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "ask", "var": "order_id", "prompt": "What's your order number?", "type": "order_number"})
        ]
    );
    let out = h.send(json!({"event": "answer", "var": "order_id", "value": "nope"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "invalid", "var": "order_id", "message": "Order numbers look like AB123456."}),
            json!({"action": "ask", "var": "order_id", "prompt": "What's your order number?", "type": "order_number"}),
        ]
    );
    let out = h.send(json!({"event": "answer", "var": "order_id", "value": "AB123456"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "ask", "var": "reason", "prompt": "What went wrong?", "type": "one_of", "choices": ["damaged", "late", "other"]})
        ]
    );
    let out = h.send(json!({"event": "answer", "var": "reason", "value": "LATE"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "approve", "prompt": "Refund order AB123456 because it was late?", "by": "customer"})
        ]
    );
    let step = h.step(json!({"event": "approve", "granted": true, "by": "customer"}));
    let request = serde_json::to_value(&step.outputs[0]).unwrap();
    assert_eq!(request["action"], "request");
    assert_eq!(request["method"], "POST");
    assert_eq!(request["url"], "https://api.shop.example/refunds");
    assert_eq!(request["headers"], json!({"Authorization": "Bearer t0k"}));
    assert_eq!(
        request["body"],
        json!({"order": "AB123456", "reason": "late", "email": "ann@example.com"})
    );
    assert_eq!(request["timeout_ms"], 5000);
    assert_eq!(request["retry"], 2);
    assert_eq!(request["idempotency_key"].as_str().unwrap().len(), 32);
    let out = h.send(
        json!({"event": "result", "ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
    );
    assert_eq!(
        out,
        vec![
            json!({"action": "say", "text": "Done: refund R-1 is on its way."}),
            json!({"action": "done", "procedure": "refund_order", "outcome": "completed", "escalation": false}),
        ]
    );
}

#[test]
fn analytics_never_carry_values() {
    let mut h = H::new(webshop());
    let mut log = Vec::new();
    for input in [
        pro(),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund_order", "vars": {"email": "ann@example.com"}}),
        json!({"event": "answer", "var": "order_id", "value": "nope"}),
        json!({"event": "answer", "var": "order_id", "value": "AB123456"}),
        json!({"event": "answer", "var": "reason", "value": "late"}),
        json!({"event": "approve", "granted": true}),
        json!({"event": "result", "ok": true, "status": 201, "response": {"refund_id": "R-1"}}),
    ] {
        log.extend(h.step(input).events);
    }
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["t0k", "AB123456", "ann@example.com", "nope", "R-1"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
    let kinds: Vec<String> = log
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in [
        "offered",
        "clicked",
        "asked",
        "answered",
        "invalid",
        "approved",
        "action",
        "api_result",
        "done",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    let done = serde_json::to_value(log.last().unwrap()).unwrap();
    assert_eq!(
        done,
        json!({"conversation": "c1", "event": "done", "procedure": "refund_order", "outcome": "completed", "escalation": false})
    );
}

#[test]
fn offers_follow_triggers_audiences_and_declaration_order() {
    let mut h = H::new(webshop());
    h.send(pro());
    // `always` offers book_demo (enterprise only) and size_guide.
    let out = h.send(json!({"event": "message", "text": "hi"}));
    assert_eq!(offered_ids(&out[0]), offer(&["size_guide"]));
    let out = h.send(json!({"event": "unanswered"}));
    assert_eq!(offered_ids(&out[0]), offer(&["billing_help", "human"]));
    assert_eq!(out[0]["procedures"][1]["escalation"], true);
    let out = h.send(json!({"event": "feedback", "value": "negative"}));
    assert_eq!(offered_ids(&out[0]), offer(&["human"]));
    assert!(
        h.send(json!({"event": "feedback", "value": "positive"}))
            .is_empty()
    );
    assert!(
        h.send(json!({"event": "source", "id": "nowhere"}))
            .is_empty()
    );
    let out = h.send(json!({"event": "source", "id": "src_pricing"}));
    assert_eq!(offered_ids(&out[0]), offer(&["see_pricing"]));

    let mut h = H::new(webshop());
    h.send(enterprise());
    let out = h.send(json!({"event": "message"}));
    assert_eq!(offered_ids(&out[0]), offer(&["book_demo", "size_guide"]));
    // A running procedure is not offered again.
    h.send(json!({"event": "click", "procedure": "size_guide"}));
    let out = h.send(json!({"event": "message"}));
    assert_eq!(offered_ids(&out[0]), offer(&["book_demo"]));
}

#[test]
fn nothing_eligible_sends_nothing() {
    let mut b = super::builder::Builder::new();
    let p = b.proc("never", crate::codegen::module::Kind::FollowUp, "Never");
    let no = b.k(crate::codegen::isa::Const::Bool(false));
    let when = b.expr(vec![crate::codegen::isa::Instr::Const(no)]);
    b.m.procedures[p as usize].when = Some(when);
    b.body(
        p,
        vec![crate::codegen::isa::Instr::Done(
            crate::codegen::isa::Outcome::Completed,
        )],
    );
    b.m.triggers.always = vec![p];
    let mut h = H::new(b.build());
    h.send(json!({"event": "start", "customer": {}}));
    assert!(h.send(json!({"event": "message"})).is_empty());
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "never"})),
        "not_offered"
    );
}

#[test]
fn clicks_need_an_offer() {
    let mut h = H::new(webshop());
    h.send(pro());
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "refund_order"})),
        "not_offered"
    );
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "no_such_thing"})),
        "not_offered"
    );
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    // Dismissed: needs a new offer.
    assert!(
        h.send(json!({"event": "dismiss", "procedure": "refund_order"}))
            .is_empty()
    );
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "refund_order"})),
        "not_offered"
    );
    assert_eq!(
        h.error(json!({"event": "dismiss", "procedure": "refund_order"})),
        "not_offered"
    );
    // Offered, then clicked: while it runs it cannot be clicked again.
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    assert_eq!(
        actions(&h.send(json!({"event": "click", "procedure": "refund_order"}))),
        ["ask"]
    );
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "refund_order"})),
        "not_offered"
    );
}

#[test]
fn follow_up_redirect_switch_topic_finish_at_once() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    h.send(json!({"event": "source", "id": "src_pricing"}));
    h.send(json!({"event": "unanswered"}));
    assert_eq!(
        h.send(json!({"event": "click", "procedure": "refund_time"})),
        vec![
            json!({"action": "follow_up", "question": "How long does a refund take?"}),
            json!({"action": "done", "procedure": "refund_time", "outcome": "completed", "escalation": false}),
        ]
    );
    let out = h.send(json!({"event": "click", "procedure": "see_pricing"}));
    assert_eq!(
        out[0],
        json!({"action": "redirect", "url": "https://shop.example/pricing?plan=pro"})
    );
    assert_eq!(out[1]["outcome"], "completed");
    let out = h.send(json!({"event": "click", "procedure": "billing_help"}));
    assert_eq!(
        out[0],
        json!({"action": "switch_topic", "topic": "billing"})
    );
    // Finished runs can be clicked again (still offered, still eligible).
    assert_eq!(
        actions(&h.send(json!({"event": "click", "procedure": "refund_time"}))),
        ["follow_up", "done"]
    );
}

#[test]
fn values_given_upfront_skip_questions() {
    let mut h = H::new(webshop());
    h.send(pro());
    // Outside a run only conversation variables.
    assert_eq!(
        h.error(json!({"event": "provide", "vars": {"order_id": "AB123456"}})),
        "unknown_var"
    );
    assert!(
        h.send(json!({"event": "provide", "vars": {"email": "ann@example.com"}}))
            .is_empty()
    );
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    let out = h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"order_id": "ab1", "reason": "Damaged"}}));
    assert_eq!(
        out,
        vec![
            json!({"action": "invalid", "var": "order_id", "message": "Order numbers look like AB123456."}),
            json!({"action": "ask", "var": "order_id", "prompt": "What's your order number?", "type": "order_number"}),
        ]
    );
    // During a run, the running procedure's locals may be provided.
    let out = h.send(json!({"event": "provide", "vars": {"order_id": "XY000001"}}));
    assert_eq!(
        out,
        vec![
            json!({"action": "approve", "prompt": "Refund order XY000001 because it was damaged?", "by": "customer"})
        ]
    );
    assert_eq!(
        h.error(json!({"event": "provide", "vars": {"seats": 3}})),
        "unknown_var"
    );
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "refund_time", "vars": {"nope": 1}})),
        "unknown_var"
    );
}

#[test]
fn attempts_run_out() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c"}}));
    assert_eq!(
        actions(&h.send(json!({"event": "answer", "var": "order_id", "value": "x"}))),
        ["invalid", "ask"]
    );
    assert_eq!(
        actions(&h.send(json!({"event": "answer", "var": "order_id", "value": "y"}))),
        ["invalid", "ask"]
    );
    let out = h.send(json!({"event": "answer", "var": "order_id", "value": "z"}));
    assert_eq!(actions(&out), ["invalid", "done"]);
    assert_eq!(out[1]["outcome"], "failed");
    assert_eq!(
        h.error(json!({"event": "answer", "var": "order_id", "value": "AB123456"})),
        "unexpected_answer"
    );
}

#[test]
fn typed_answers() {
    let mut h = H::new(webshop());
    h.send(enterprise());
    h.send(json!({"event": "message"}));
    h.send(json!({"event": "click", "procedure": "book_demo", "vars": {"email": "a@b.c"}}));
    let out = h.send(json!({"event": "answer", "var": "seats", "value": "lots"}));
    assert_eq!(
        out[0],
        json!({"action": "invalid", "var": "seats", "message": "Please give a whole number."})
    );
    let out = h.send(json!({"event": "answer", "var": "seats", "value": 0}));
    assert_eq!(
        out[0],
        json!({"action": "invalid", "var": "seats", "message": "Please give a number from 1 to 100000."})
    );
    // A new variable's attempts are its own: still room after two wrong answers.
    let out = h.send(json!({"event": "answer", "var": "seats", "value": " 60 "}));
    assert_eq!(
        out,
        vec![
            json!({"action": "ask", "var": "company", "prompt": "Which company are you with?", "type": "text"})
        ]
    );
    let out = h.send(json!({"event": "answer", "var": "company", "value": "Acme"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "component", "component": "calendar-booking", "input": {"email": "a@b.c", "seats": 60}})
        ]
    );
    let out = h.send(json!({"event": "result", "ok": true, "output": {"slot": "Mon 10:00"}}));
    assert_eq!(
        out[0],
        json!({"action": "say", "text": "See you at Mon 10:00!"})
    );
    assert_eq!(out[1]["outcome"], "completed");
}

#[test]
fn when_false_skips_the_question() {
    let mut h = H::new(webshop());
    h.send(enterprise());
    h.send(json!({"event": "message"}));
    h.send(json!({"event": "click", "procedure": "book_demo", "vars": {"email": "a@b.c"}}));
    let out = h.send(json!({"event": "answer", "var": "seats", "value": 5}));
    assert_eq!(out[0]["action"], "component");
}

#[test]
fn correction_forgets_guarded_dependents_and_reasks_the_approval() {
    let mut h = H::new(chain());
    h.send(json!({"event": "start", "customer": {}}));
    h.send(json!({"event": "message"}));
    assert_eq!(
        h.send(json!({"event": "click", "procedure": "plan"}))[0]["var"],
        "a"
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "a", "value": 10}))[0]["var"],
        "b"
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "b", "value": "bee"}))[0]["prompt"],
        "c, given bee?"
    );
    let out = h.send(json!({"event": "answer", "var": "c", "value": "sea"}));
    assert_eq!(
        out,
        vec![json!({"action": "approve", "prompt": "a=10 b=bee c=sea", "by": "staff"})]
    );
    // Correcting `a` forgets `b` (its `when` depends on `a`) but not `c` (prompt only).
    let out = h.send(json!({"event": "answer", "var": "a", "value": 3}));
    assert_eq!(
        out,
        vec![json!({"action": "approve", "prompt": "a=3 b=- c=sea", "by": "staff"})]
    );
    // Back above 5: `b` is asked again, then the approval.
    let out = h.send(json!({"event": "provide", "vars": {"a": 7}}));
    assert_eq!(out[0]["var"], "b");
    let out = h.send(json!({"event": "answer", "var": "b", "value": "bis"}));
    assert_eq!(
        out,
        vec![json!({"action": "approve", "prompt": "a=7 b=bis c=sea", "by": "staff"})]
    );
    // An invalid correction changes nothing.
    let out = h.send(json!({"event": "answer", "var": "a", "value": "seven"}));
    assert_eq!(
        out,
        vec![json!({"action": "invalid", "var": "a", "message": "Please give a whole number."})]
    );
    let out = h.send(json!({"event": "approve", "granted": true, "by": "staff"}));
    assert_eq!(actions(&out), ["follow_up", "done"]);
}

#[test]
fn approval_denied_after_a_corrected_prompt() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c", "order_id": "AB123456", "reason": "other"}}));
    let out = h.send(json!({"event": "answer", "var": "order_id", "value": "CD654321"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "approve", "prompt": "Refund order CD654321 because it was other?", "by": "customer"})
        ]
    );
    let out = h.send(json!({"event": "approve", "granted": false}));
    assert_eq!(
        out,
        vec![
            json!({"action": "done", "procedure": "refund_order", "outcome": "denied", "escalation": false})
        ]
    );
    assert_eq!(
        h.error(json!({"event": "approve", "granted": true})),
        "nothing_pending"
    );
}

#[test]
fn api_failures_run_on_failure() {
    for result in [
        json!({"event": "result", "ok": true, "status": 500, "response": {"refund_id": "R"}}),
        json!({"event": "result", "ok": true, "status": 200, "response": {"other": 1}}),
        json!({"event": "result", "ok": false}),
    ] {
        let mut h = H::new(webshop());
        h.send(pro());
        h.send(json!({"event": "faq", "id": "faq_refunds"}));
        h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c", "order_id": "AB123456", "reason": "other"}}));
        h.send(json!({"event": "approve", "granted": true}));
        let out = h.send(result);
        assert_eq!(actions(&out), ["say", "offer", "done"]);
        assert_eq!(out[0]["text"], "Sorry, that did not work.");
        assert_eq!(offered_ids(&out[1]), offer(&["human"]));
        assert_eq!(out[2]["outcome"], "failed");
        // The offer made inside the run counts: `human` can be clicked.
        let out = h.send(json!({"event": "click", "procedure": "human"}));
        assert_eq!(
            out[0],
            json!({"action": "live_chat", "queue": "tier-1", "note": "Customer a@b.c asked for a person"})
        );
    }
}

#[test]
fn a_response_that_misses_returns_is_logged_with_its_json_path() {
    let cases = [
        (
            json!({"ok": true, "status": 200, "response": {"other": 1}}),
            Some("$.refund_id: expected text"),
        ),
        (
            json!({"ok": true, "status": 200, "response": {"refund_id": 7}}),
            Some("$.refund_id: expected text"),
        ),
        (
            json!({"ok": true, "status": 200, "response": [1]}),
            Some("$: expected an object"),
        ),
        // A 5xx is a failure of its own: its body is not held to `returns`.
        (
            json!({"ok": true, "status": 503, "response": {"other": 1}}),
            None,
        ),
    ];
    for (result, mismatch) in cases {
        let mut h = H::new(webshop());
        h.send(pro());
        h.send(json!({"event": "faq", "id": "faq_refunds"}));
        h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c", "order_id": "AB123456", "reason": "other"}}));
        h.send(json!({"event": "approve", "granted": true}));
        let mut input = result.clone();
        input["event"] = json!("result");
        let step = h.step(input);
        let logged: Vec<Json> = step
            .events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .filter(|e| e["event"] == "api_result")
            .collect();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0]["ok"], false);
        assert_eq!(
            logged[0].get("mismatch").and_then(Json::as_str),
            mismatch,
            "{result}"
        );
    }
}

#[test]
fn live_chat_and_javascript_wait_for_results() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "unanswered"}));
    let out = h.send(json!({"event": "click", "procedure": "human"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "live_chat", "queue": "tier-1", "note": "Customer unknown asked for a person"})
        ]
    );
    let out = h.send(json!({"event": "result", "ok": true}));
    assert_eq!(
        out,
        vec![
            json!({"action": "done", "procedure": "human", "outcome": "completed", "escalation": true})
        ]
    );

    h.send(json!({"event": "message"}));
    h.send(json!({"event": "click", "procedure": "size_guide"}));
    let out = h.send(json!({"event": "answer", "var": "sku", "value": "SKU-1"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "javascript", "script": "window.SizeGuide.open({ sku: args.sku });", "args": {"sku": "SKU-1"}})
        ]
    );
    assert_eq!(
        h.send(json!({"event": "result", "ok": false}))[0]["outcome"],
        "failed"
    );
}

#[test]
fn clicking_another_cancels_and_locals_are_forgotten() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c", "order_id": "AB123456"}}));
    let out = h.send(json!({"event": "click", "procedure": "refund_time"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "done", "procedure": "refund_order", "outcome": "cancelled", "escalation": false}),
            json!({"action": "follow_up", "question": "How long does a refund take?"}),
            json!({"action": "done", "procedure": "refund_time", "outcome": "completed", "escalation": false}),
        ]
    );
    // The email (a conversation variable) is kept; the order (a local) is asked again.
    assert_eq!(
        h.send(json!({"event": "click", "procedure": "refund_order"}))[0]["var"],
        "order_id"
    );
    let out = h.send(json!({"event": "cancel"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "done", "procedure": "refund_order", "outcome": "cancelled", "escalation": false})
        ]
    );
    assert_eq!(h.error(json!({"event": "cancel"})), "nothing_pending");
}

#[test]
fn end_cancels_and_forgets() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "unanswered"}));
    h.send(json!({"event": "click", "procedure": "human"}));
    let out = h.send(json!({"event": "end"}));
    assert_eq!(
        out,
        vec![
            json!({"action": "done", "procedure": "human", "outcome": "cancelled", "escalation": true})
        ]
    );
    assert!(h.c.snapshot("c1").is_none());
    assert_eq!(h.error(json!({"event": "message"})), "unknown_conversation");
    assert_eq!(h.error(json!({"event": "end"})), "unknown_conversation");
}

#[test]
fn every_error_code() {
    let mut h = H::new(webshop());
    let bad = h.c.handle_line("not json");
    assert_eq!(
        serde_json::to_value(&bad.outputs[0]).unwrap()["code"],
        "bad_input"
    );
    assert_eq!(h.error(json!({"event": "dance"})), "bad_input");
    assert_eq!(h.error(json!({"event": "message"})), "unknown_conversation");
    assert_eq!(
        h.error(json!({"event": "start", "customer": {"plan": "pro", "country": "NL"}})),
        "invalid_customer"
    );
    assert_eq!(
        h.error(
            json!({"event": "start", "customer": {"plan": "pro", "country": "NL", "orders": "3"}})
        ),
        "invalid_customer"
    );
    assert_eq!(h.error(json!({"event": "start", "customer": {"plan": "pro", "country": "NL", "orders": 3, "vip": "yes"}})), "invalid_customer");
    assert!(!h.c.contains("c1"));
    h.send(pro());
    assert_eq!(
        h.error(json!({"event": "click", "procedure": "human"})),
        "not_offered"
    );
    assert_eq!(
        h.error(json!({"event": "answer", "var": "email", "value": "a@b.c"})),
        "unexpected_answer"
    );
    assert_eq!(
        h.error(json!({"event": "answer", "var": "ghost", "value": 1})),
        "unexpected_answer"
    );
    assert_eq!(
        h.error(json!({"event": "approve", "granted": true})),
        "nothing_pending"
    );
    assert_eq!(
        h.error(json!({"event": "result", "ok": true})),
        "nothing_pending"
    );
    assert_eq!(
        h.error(json!({"event": "provide", "vars": {"ghost": 1}})),
        "unknown_var"
    );
    // A known conversation variable can be corrected outside a run.
    h.send(json!({"event": "provide", "vars": {"email": "a@b.c"}}));
    assert!(
        h.send(json!({"event": "answer", "var": "email", "value": "d@e.f"}))
            .is_empty()
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "email", "value": "bad"}))[0]["action"],
        "invalid"
    );
}

#[test]
fn errors_leave_the_session_byte_for_byte_unchanged() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    h.send(json!({"event": "click", "procedure": "refund_order", "vars": {"email": "a@b.c"}}));
    let before = h.c.snapshot("c1").unwrap();
    for input in [
        json!({"event": "click", "procedure": "refund_order", "vars": {"reason": "late"}}),
        json!({"event": "click", "procedure": "refund_time", "vars": {"ghost": 1}}),
        json!({"event": "provide", "vars": {"reason": "late", "ghost": 2}}),
        json!({"event": "approve", "granted": false}),
        json!({"event": "result", "ok": true}),
        json!({"event": "answer", "var": "reason", "value": "late"}),
        json!({"event": "dismiss", "procedure": "human"}),
        json!({"event": "answer"}),
        json!({"event": "start", "customer": {}}),
    ] {
        let out = h.send(input.clone());
        assert_eq!(actions(&out), ["error"], "{input}");
        assert_eq!(h.c.snapshot("c1").unwrap(), before, "{input}");
    }
}

#[test]
fn snapshots_are_small_and_resume_exactly() {
    let script = vec![
        pro(),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund_order"}),
        json!({"event": "answer", "var": "email", "value": "ann@example.com"}),
        json!({"event": "answer", "var": "order_id", "value": "nope"}),
        json!({"event": "answer", "var": "order_id", "value": "AB123456"}),
        json!({"event": "answer", "var": "reason", "value": "late"}),
        json!({"event": "answer", "var": "reason", "value": "damaged"}),
        json!({"event": "approve", "granted": true}),
        json!({"event": "result", "ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
        json!({"event": "unanswered"}),
        json!({"event": "click", "procedure": "human"}),
        json!({"event": "result", "ok": true}),
    ];
    let program = webshop();
    let mut straight = H::new(program.clone());
    let expected: Vec<Vec<Json>> = script.iter().map(|i| straight.send(i.clone())).collect();
    for cut in 1..script.len() {
        let mut first = H::new(program.clone());
        for input in &script[..cut] {
            first.send(input.clone());
        }
        let bytes = first.c.snapshot("c1").unwrap();
        assert!(
            bytes.len() <= 256,
            "snapshot of {} bytes at {cut}",
            bytes.len()
        );
        let mut resumed = H::new(program.clone());
        resumed.c.restore("c1", &bytes).unwrap();
        for (i, input) in script.iter().enumerate().skip(cut) {
            assert_eq!(
                resumed.send(input.clone()),
                expected[i],
                "cut at {cut}, input {i}"
            );
        }
        assert_eq!(resumed.c.snapshot("c1"), straight.c.snapshot("c1"));
    }
    // An idle session.
    let mut idle = H::new(program.clone());
    idle.send(pro());
    idle.send(json!({"event": "faq", "id": "faq_refunds"}));
    let bytes = idle.c.snapshot("c1").unwrap();
    assert!(bytes.len() <= 64, "idle snapshot is {} bytes", bytes.len());
    // Corrupt and foreign snapshots are refused.
    assert!(idle.c.restore("c2", &bytes[..bytes.len() - 1]).is_err());
    assert!(idle.c.restore("c2", &[]).is_err());
    assert!(H::new(chain()).c.restore("c2", &bytes).is_err());
}

#[test]
fn conversations_interleave() {
    let mut h = H::new(webshop());
    h.send(json!({"conversation": "a", "event": "start", "customer": {"plan": "pro", "country": "NL", "orders": 1}}));
    h.send(enterprise());
    let a = h.send(json!({"conversation": "a", "event": "message"}));
    let c1 = h.send(json!({"event": "message"}));
    assert_eq!(offered_ids(&a[0]), offer(&["size_guide"]));
    assert_eq!(offered_ids(&c1[0]), offer(&["book_demo", "size_guide"]));
    assert_eq!(
        h.error(json!({"conversation": "a", "event": "click", "procedure": "book_demo"})),
        "not_offered"
    );
    assert_eq!(h.c.len(), 2);
}

#[test]
fn every_type_parses_and_renders() {
    let mut h = H::new(super::webshop::kinds());
    h.send(json!({"event": "start", "customer": {}}));
    h.send(json!({"event": "message"}));
    assert_eq!(
        h.send(json!({"event": "click", "procedure": "echo"}))[0]["type"],
        "number"
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "n", "value": "abc"}))[0]["message"],
        "Please give a number."
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "n", "value": "20.25"}))[0]["var"],
        "d"
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "d", "value": "2024-02-30"}))[0]["message"],
        "Please give a date as YYYY-MM-DD."
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "d", "value": "2024-02-29"}))[0]["var"],
        "ok"
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "ok", "value": "maybe"}))[0]["message"],
        "Please answer yes or no."
    );
    assert_eq!(
        h.send(json!({"event": "answer", "var": "ok", "value": "YES"}))[0]["var"],
        "j"
    );
    let out = h.send(json!({"event": "answer", "var": "j", "value": {"k": [1, 2.5]}}));
    assert_eq!(
        out,
        vec![
            json!({"action": "follow_up", "question": "n=20.25 d=2024-02-29 ok=true j={\"k\":[1,2.5]} g=hi last=40.5"}),
            json!({"action": "done", "procedure": "echo", "outcome": "completed", "escalation": false}),
        ]
    );
    // `last` was saved into the conversation; the locals were forgotten.
    h.send(json!({"event": "message"}));
    let out = h.send(json!({"event": "click", "procedure": "echo", "vars": {"n": 20, "d": "1970-01-01", "ok": false, "j": "s"}}));
    assert_eq!(
        out[0]["question"],
        "n=20 d=1970-01-01 ok=false j=\"s\" g=hi last=40"
    );
    let out = h.send(json!({"event": "answer", "var": "last", "value": 1}));
    assert_eq!(
        out,
        Vec::<Json>::new(),
        "a correction outside a question is silent"
    );
}

#[test]
fn a_host_can_keep_sessions_itself() {
    use crate::vm::{Session, parse_input_line};
    let program = webshop();
    let input = |line: Json| parse_input_line(&line.to_string()).unwrap();
    let mut slot = None;
    let step = Session::handle(
        &mut slot,
        &program,
        input(json!({"conversation": "x", "event": "message"})),
    );
    assert!(slot.is_none());
    assert!(
        matches!(&step.outputs[0].action, crate::vm::Action::Error { code, .. } if code == "unknown_conversation")
    );
    Session::handle(
        &mut slot,
        &program,
        input(
            json!({"conversation": "x", "event": "start", "customer": {"plan": "p", "country": "c", "orders": 1}}),
        ),
    );
    let step = Session::handle(
        &mut slot,
        &program,
        input(json!({"conversation": "x", "event": "unanswered"})),
    );
    assert_eq!(step.outputs.len(), 1);
    // Persist, drop, load: the conversation goes on.
    let bytes = slot.as_ref().unwrap().to_snapshot(&program);
    let mut slot = Some(Session::from_snapshot(&program, &bytes).unwrap());
    let step = Session::handle(
        &mut slot,
        &program,
        input(json!({"conversation": "x", "event": "click", "procedure": "human"})),
    );
    assert!(matches!(
        &step.outputs[0].action,
        crate::vm::Action::LiveChat { .. }
    ));
    let step = Session::handle(
        &mut slot,
        &program,
        input(json!({"conversation": "x", "event": "end"})),
    );
    assert!(slot.is_none());
    assert_eq!(step.outputs.len(), 1);
}

#[test]
fn snapshots_carry_their_format_and_a_newer_one_is_refused_not_misread() {
    let mut h = H::new(webshop());
    h.send(pro());
    h.send(json!({"event": "faq", "id": "faq_refunds"}));
    let bytes = h.c.snapshot("c1").unwrap();
    assert_eq!(bytes[0], crate::vm::snapshot::FORMAT);
    let mut newer = bytes.clone();
    newer[0] = crate::vm::snapshot::FORMAT + 1;
    let refused = h.c.restore("c1", &newer).unwrap_err();
    assert_eq!(
        refused,
        crate::vm::SnapshotError::Newer(crate::vm::snapshot::FORMAT + 1)
    );
    assert!(refused.to_string().contains("newer"), "{refused}");
    let mut unknown = bytes.clone();
    unknown[0] = 0;
    assert_eq!(
        h.c.restore("c1", &unknown),
        Err(crate::vm::SnapshotError::Format)
    );
    // The conversation is left as it was.
    assert_eq!(h.c.snapshot("c1").unwrap(), bytes);
}

/// Drops the fields that depend on the session's nonce.
fn without_keys(outputs: Vec<Json>) -> Vec<Json> {
    outputs
        .into_iter()
        .map(|mut output| {
            if let Some(object) = output.as_object_mut() {
                object.remove("idempotency_key");
                if let Some(headers) = object.get_mut("headers").and_then(Json::as_object_mut) {
                    headers.remove("Idempotency-Key");
                }
            }
            output
        })
        .collect()
}

#[test]
fn a_format_1_snapshot_written_before_the_upgrade_resumes_exactly() {
    let script = vec![
        pro(),
        json!({"event": "faq", "id": "faq_refunds"}),
        json!({"event": "click", "procedure": "refund_order"}),
        json!({"event": "answer", "var": "email", "value": "ann@example.com"}),
        json!({"event": "answer", "var": "order_id", "value": "AB123456"}),
        json!({"event": "answer", "var": "reason", "value": "damaged"}),
        json!({"event": "approve", "granted": true}),
        json!({"event": "result", "ok": true, "status": 200, "response": {"refund_id": "R-1"}}),
    ];
    let program = webshop();
    let mut straight = H::new(program.clone());
    let expected: Vec<Vec<Json>> = script.iter().map(|i| straight.send(i.clone())).collect();
    // Cut before the approval: the lock and refusal format 2 added are not set yet.
    for cut in 1..6 {
        let mut first = H::new(program.clone());
        for input in &script[..cut] {
            first.send(input.clone());
        }
        let current = first.c.snapshot("c1").unwrap();
        let session = crate::vm::Session::from_snapshot(&program, &current).unwrap();
        let mut v1 = vec![1];
        v1.extend_from_slice(&program.fingerprint());
        v1.extend(crate::vm::snapshot_v1::encode(&session));
        let mut resumed = H::new(program.clone());
        resumed.c.restore("c1", &v1).unwrap();
        for (i, input) in script.iter().enumerate().skip(cut) {
            assert_eq!(
                without_keys(resumed.send(input.clone())),
                without_keys(expected[i].clone()),
                "cut at {cut}, input {i}"
            );
        }
        // Written again in today's format.
        assert_eq!(
            resumed.c.snapshot("c1").unwrap()[0],
            crate::vm::snapshot::FORMAT
        );
    }
}

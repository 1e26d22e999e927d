//! The revision-2 flows of the example projects through `procc run --host-http`: the
//! host answers every request (lookups included) and gives each input's time with `at`,
//! as an agent service embedding procc would.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use serde_json::{Value, json};
use support::{jsonl, procc, protocol_outputs, run_with_stdin};

/// Runs `procc run PROJECT --host-http` on `inputs` (conversation `c`); every output.
fn run(project: &str, inputs: &[Value]) -> Vec<Value> {
    protocol_outputs(run_with_stdin(
        procc().args(["run", project, "--host-http"]),
        &jsonl("c", inputs),
    ))
}

/// `event` with its other fields and the time `at`.
fn at(time: &str, event: &str, fields: Value) -> Value {
    let mut input = fields;
    input["event"] = json!(event);
    input["at"] = json!(time);
    input
}

/// The customer's answer `value` to `var`, at `time`.
fn answer(time: &str, var: &str, value: Value) -> Value {
    at(time, "answer", json!({"var": var, "value": value}))
}

/// The outputs with `action`, in order.
fn of<'a>(outputs: &'a [Value], action: &str) -> Vec<&'a Value> {
    outputs.iter().filter(|o| o["action"] == action).collect()
}

/// What the agent said, in order.
fn says(outputs: &[Value]) -> Vec<&str> {
    of(outputs, "say")
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect()
}

#[test]
fn webshop_return_is_checked_against_the_order_date_of_each_day() {
    const MONDAY: &str = "2026-03-02T10:00:00Z";
    const TUESDAY: &str = "2026-03-03T10:00:00Z";
    let order = json!({"ok": true, "status": 200,
                       "response": {"ordered_on": "2026-01-31", "items": ["Blue T-shirt", "Wool socks"]}});
    let outputs = run(
        "examples/webshop",
        &[
            at(
                MONDAY,
                "start",
                json!({"customer": {"plan": "pro", "country": "NL", "orders": 3},
                       "secrets": {"shop_token": "t0k"}}),
            ),
            at(
                MONDAY,
                "provide",
                json!({"vars": {"email": "ann@example.com"}}),
            ),
            at(MONDAY, "faq", json!({"id": "faq_returns"})),
            at(MONDAY, "click", json!({"procedure": "return_item"})),
            answer(MONDAY, "return_ref", json!("AB123456")),
            at(MONDAY, "result", order.clone()),
            answer(MONDAY, "item", json!("wool socks")),
            answer(MONDAY, "pickup_day", json!("2026-03-03")),
            at(
                MONDAY,
                "result",
                json!({"ok": true, "status": 201, "response": {"return_id": "RT-1"}}),
            ),
            // The next day the same order is 31 days old: the requirement ends the run.
            at(TUESDAY, "faq", json!({"id": "faq_returns"})),
            at(TUESDAY, "click", json!({"procedure": "return_item"})),
            answer(TUESDAY, "return_ref", json!("AB123456")),
            at(TUESDAY, "result", order),
        ],
    );
    assert!(of(&outputs, "error").is_empty(), "{outputs:#?}");
    let requests = of(&outputs, "request");
    assert_eq!(requests.len(), 3, "{outputs:#?}");
    assert_eq!(requests[0]["lookup"], "order");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(
        requests[0]["url"],
        "https://api.shop.example/orders/AB123456"
    );
    let item = of(&outputs, "ask")
        .into_iter()
        .find(|a| a["var"] == "item")
        .expect("the item is asked");
    assert_eq!(item["choices"], json!(["Blue T-shirt", "Wool socks"]));
    assert_eq!(requests[1]["method"], "POST");
    assert_eq!(
        requests[1]["body"],
        json!({"order": "AB123456", "item": "Wool socks", "pickup": "2026-03-03",
               "email": "ann@example.com"})
    );
    assert_eq!(requests[2]["lookup"], "order");
    assert_eq!(
        says(&outputs),
        [
            "Return RT-1 is booked: the courier picks up your Wool socks on 2026-03-03. \
             The return label is in your email.",
            "Order AB123456 was placed on 2026-01-31, more than 30 days ago, so it can no \
             longer be returned for free.",
        ]
    );
    let outcomes: Vec<&Value> = of(&outputs, "done").iter().map(|d| &d["outcome"]).collect();
    assert_eq!(outcomes, [&json!("completed"), &json!("failed")]);
    // The requirement's failure offers a person.
    assert_eq!(
        outputs[outputs.len() - 2]["procedures"][0]["id"],
        "human",
        "{outputs:#?}"
    );
}

#[test]
fn bank_transfer_looks_the_balance_up_in_each_run_and_hands_over_to_feedback() {
    const NOON: &str = "2026-03-02T11:00:00Z";
    let balance = |available: u32| {
        json!({"ok": true, "status": 200,
               "response": {"available": available, "payees": ["Ann de Boer", "Landlord BV"]}})
    };
    let outputs = run(
        "examples/bank",
        &[
            at(
                NOON,
                "start",
                json!({"customer": {"customer_id": "C-1001", "segment": "retail",
                                    "has_credit_card": true},
                       "secrets": {"core_api_key": "k", "core_client_id": "id"}}),
            ),
            at(NOON, "faq", json!({"id": "faq_transfers"})),
            at(NOON, "click", json!({"procedure": "transfer_money"})),
            at(NOON, "result", balance(100)),
            answer(NOON, "payee", json!("landlord bv")),
            answer(NOON, "amount", json!("150")),
            // The balance did not cover it; a second try after money came in.
            at(NOON, "click", json!({"procedure": "transfer_money"})),
            at(NOON, "result", balance(500)),
            answer(NOON, "payee", json!("Landlord BV")),
            answer(NOON, "amount", json!(150)),
            at(NOON, "approve", json!({"granted": true, "by": "customer"})),
            at(
                NOON,
                "result",
                json!({"ok": true, "status": 200,
                       "response": {"transfer_id": "TR-9", "status": "booked"}}),
            ),
        ],
    );
    assert!(of(&outputs, "error").is_empty(), "{outputs:#?}");
    let requests = of(&outputs, "request");
    assert_eq!(requests.len(), 3, "{outputs:#?}");
    for lookup in &requests[..2] {
        assert_eq!(lookup["lookup"], "balance");
        assert_eq!(
            lookup["url"],
            "https://core.bank.example/v2/customers/C-1001/current-account"
        );
    }
    // `amount` is a `number`: compared as one (it may be written 150 or 150.0).
    let body = &requests[2]["body"];
    assert_eq!(
        (&body["customer"], &body["to"], body["amount"].as_f64()),
        (&json!("C-1001"), &json!("Landlord BV"), Some(150.0))
    );
    assert_eq!(
        of(&outputs, "approve")[0]["prompt"],
        "Send 150 EUR to Landlord BV now? A transfer cannot be called back."
    );
    assert_eq!(
        says(&outputs),
        [
            "You have 100 EUR available, so 150 EUR cannot go out now.",
            "Sent 150 EUR to Landlord BV (reference TR-9).",
        ]
    );
    let follow_ups: Vec<&Value> = of(&outputs, "follow_up")
        .iter()
        .map(|f| &f["question"])
        .collect();
    assert_eq!(
        follow_ups,
        [
            "How can I raise my overdraft limit?",
            "How easy was it to send money here?"
        ]
    );
    let ends: Vec<(&Value, &Value)> = of(&outputs, "done")
        .iter()
        .map(|d| (&d["procedure"], &d["outcome"]))
        .collect();
    assert_eq!(
        ends,
        [
            (&json!("transfer_money"), &json!("failed")),
            (&json!("transfer_money"), &json!("completed")),
            (&json!("transfer_feedback"), &json!("completed")),
        ]
    );
}

//! Random event sequences: the interpreter never panics, every error leaves the session
//! unchanged, and every run that ends says `done` once.

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::harness::H;
use super::webshop::{chain, webshop};

fn value() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!("AB123456")),
        Just(json!("a@b.c")),
        Just(json!("late")),
        Just(json!("yes")),
        Just(json!("60")),
        Just(json!(7)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(null)),
        Just(json!({"slot": "x", "refund_id": "R"})),
        "[a-z0-9@ ]{0,6}".prop_map(Json::from),
    ]
}

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "email",
        "order_id",
        "reason",
        "seats",
        "company",
        "sku",
        "a",
        "b",
        "c",
        "ghost",
        "refund_order",
        "refund_time",
        "book_demo",
        "human",
        "size_guide",
        "see_pricing",
        "billing_help",
        "plan",
    ])
}

fn input() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!({"event": "start", "customer": {"plan": "enterprise", "country": "NL", "orders": 1}, "secrets": {"shop_token": "s"}})),
        Just(json!({"event": "start", "customer": {}})),
        Just(json!({"event": "message"})),
        Just(json!({"event": "faq", "id": "faq_refunds"})),
        Just(json!({"event": "source", "id": "src_pricing"})),
        Just(json!({"event": "unanswered"})),
        Just(json!({"event": "feedback", "value": "negative"})),
        name().prop_map(|p| json!({"event": "click", "procedure": p})),
        (name(), name(), value()).prop_map(|(p, v, x)| json!({"event": "click", "procedure": p, "vars": {v: x}})),
        name().prop_map(|p| json!({"event": "dismiss", "procedure": p})),
        (name(), value()).prop_map(|(v, x)| json!({"event": "answer", "var": v, "value": x})),
        (name(), value()).prop_map(|(v, x)| json!({"event": "provide", "vars": {v: x}})),
        any::<bool>().prop_map(|g| json!({"event": "approve", "granted": g})),
        (any::<bool>(), prop::option::of(0u16..600), value())
            .prop_map(|(ok, s, r)| json!({"event": "result", "ok": ok, "status": s, "response": r, "output": r})),
        Just(json!({"event": "cancel"})),
        Just(json!({"event": "end"})),
        Just(json!({"event": 3})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_never_panic(chained in any::<bool>(), inputs in prop::collection::vec(input(), 1..40)) {
        let program = if chained { chain() } else { webshop() };
        let mut h = H::new(program.clone());
        for input in inputs {
            let before = h.c.snapshot("c1");
            let step = h.step(input);
            let outputs: Vec<Json> = step.outputs.iter().map(|o| serde_json::to_value(o).unwrap()).collect();
            if outputs.iter().any(|o| o["action"] == "error") {
                prop_assert_eq!(outputs.len(), 1);
                prop_assert!(step.events.is_empty());
                prop_assert_eq!(h.c.snapshot("c1"), before);
            }
            if let Some(bytes) = h.c.snapshot("c1") {
                let mut copy = H::new(program.clone());
                prop_assert!(copy.c.restore("c1", &bytes).is_ok());
                prop_assert_eq!(copy.c.snapshot("c1"), Some(bytes));
            }
        }
    }
}

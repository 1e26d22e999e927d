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
            // A host that restored the conversation from its snapshot must go on exactly
            // as the one that kept it in memory.
            let mut restored = H::new(program.clone());
            if let Some(bytes) = &before {
                prop_assert!(restored.c.restore("c1", bytes).is_ok());
            }
            // A `start` draws a fresh nonce from the host (the table's seed and count):
            // the two hosts' new sessions differ in it and nothing else observable.
            let starts = input["event"] == "start";
            let restored_step = restored.step(input.clone());
            let step = h.step(input);
            prop_assert_eq!(&restored_step.outputs, &step.outputs);
            if !starts {
                prop_assert_eq!(restored.c.snapshot("c1"), h.c.snapshot("c1"));
            }
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

/// An arbitrary instruction with small operands (some out of range on purpose).
fn instr() -> impl Strategy<Value = crate::codegen::isa::Instr> {
    use crate::codegen::isa::{
        Approver, BinaryOp, Builtin, FailureField, Instr, Method, Outcome, Reason, RequestSpec,
        UnaryOp,
    };
    let binary = prop::sample::select(vec![
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
    ]);
    let builtin = prop::sample::select(vec![
        Builtin::Len,
        Builtin::Lower,
        Builtin::Upper,
        Builtin::Trim,
        Builtin::Contains,
        Builtin::StartsWith,
        Builtin::EndsWith,
    ]);
    let outcome = prop::sample::select(vec![
        Outcome::Completed,
        Outcome::Failed,
        Outcome::Cancelled,
        Outcome::Denied,
    ]);
    let small = 0u32..6;
    prop_oneof![
        small.clone().prop_map(Instr::Const),
        small.clone().prop_map(Instr::Str),
        small.clone().prop_map(Instr::LoadVar),
        small.clone().prop_map(Instr::LoadCustomer),
        small.clone().prop_map(Instr::LoadSecret),
        Just(Instr::LoadValue),
        Just(Instr::LoadResult),
        small.clone().prop_map(Instr::GetField),
        (0u16..4).prop_map(Instr::MakeList),
        (0u16..3).prop_map(Instr::MakeObject),
        (0u16..4).prop_map(Instr::Concat),
        Just(Instr::Pop),
        Just(Instr::Dup),
        prop::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]).prop_map(Instr::Unary),
        binary.prop_map(Instr::Binary),
        (builtin, 0u8..3).prop_map(|(b, n)| Instr::Call(b, n)),
        small.clone().prop_map(Instr::Matches),
        Just(Instr::Exists),
        (0u32..40).prop_map(Instr::Jump),
        (0u32..40).prop_map(Instr::JumpIfFalse),
        (0u32..40).prop_map(Instr::JumpIfFalseKeep),
        (0u32..40).prop_map(Instr::JumpIfTrueKeep),
        (0u32..40).prop_map(Instr::JumpIfPresent),
        Just(Instr::Return),
        small.clone().prop_map(Instr::Collect),
        Just(Instr::Approve(Approver::Customer)),
        Just(Instr::FollowUp),
        Just(Instr::Redirect),
        small.clone().prop_map(Instr::OpenComponent),
        small.clone().prop_map(Instr::SwitchTopic),
        Just(Instr::LiveChat),
        Just(Instr::Request(RequestSpec {
            method: Method::Get,
            timeout_ms: 1,
            retry: 0
        })),
        small.clone().prop_map(Instr::Javascript),
        Just(Instr::Await),
        (0u32..40).prop_map(Instr::JumpIfFailed),
        Just(Instr::Say),
        Just(Instr::Suggest),
        small.clone().prop_map(Instr::Save),
        small.clone().prop_map(Instr::Offer),
        outcome.prop_map(Instr::Done),
        small.clone().prop_map(Instr::Then),
        prop::sample::select(Reason::ALL.to_vec()).prop_map(Instr::Fail),
        prop::sample::select(vec![
            FailureField::Reason,
            FailureField::Status,
            FailureField::Response
        ])
        .prop_map(Instr::LoadFailure),
        (small, 0u32..40).prop_map(|(cond, target)| Instr::JumpUnless { cond, target }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytecode_never_panics(
        body in prop::collection::vec(instr(), 0..30),
        label in prop::collection::vec(instr(), 0..8),
        outcomes in prop::collection::vec(prop::collection::vec(instr(), 0..10), 3),
        inputs in prop::collection::vec(input(), 0..12),
    ) {
        use crate::codegen::module::Kind;
        let mut b = super::builder::Builder::new();
        for text in ["x", "^a", "k", "1"] {
            b.s(text);
        }
        b.k(crate::codegen::isa::Const::Int(i64::MAX));
        b.k(crate::codegen::isa::Const::Number(0.5));
        b.k(crate::codegen::isa::Const::Absent);
        let p = b.proc("refund_order", Kind::ApiCall, "Go");
        b.var("email", super::builder::TEXT, None, &[super::builder::P::T("e?")]);
        b.var("order_id", super::builder::INT, Some(p), &[super::builder::P::T("o?")]);
        let label = b.chunk(label);
        b.m.procedures[p as usize].label = label;
        b.body(p, body);
        // Outcome chunks of random statements, possibly handing over to the procedure
        // itself: the interpreter must still end every run and never loop or panic.
        let [failure, denied, cancelled] = [0, 1, 2].map(|i| b.chunk(outcomes[i].clone()));
        b.m.procedures[p as usize].outcomes = crate::codegen::isa::OutcomeChunks {
            failure: Some(failure),
            denied: Some(denied),
            cancelled: Some(cancelled),
        };
        b.m.triggers.always = vec![p];
        let Ok(program) = crate::vm::Program::unverified(b.m, true) else { return Ok(()) };
        let mut h = H::new(std::sync::Arc::new(program));
        h.step(json!({"event": "start", "customer": {}}));
        h.step(json!({"event": "message"}));
        h.step(json!({"event": "click", "procedure": "refund_order"}));
        for input in inputs {
            h.step(input);
        }
    }
}

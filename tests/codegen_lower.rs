//! Code generation of the contract's example, through the real driver: the module has
//! the documented layout and passes the bundle verifier.
#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::bundle::{encode, load, verify};
use procc::codegen::generate;
use procc::codegen::isa::{Instr, Method, Outcome, Reason};
use procc::codegen::module::{BUILTIN_TYPES, DepKind, Kind};
use procc::compiler::{Compilation, compile};
use procc::diagnostics::Sources;
use procc::syntax::ast::{Expr, ExprKind, Ident, ItemKind, ProcItemKind, TemplatePart};

/// The shape of the contract's example (LANGUAGE.md §2).
const PROGRAM: &str = r#"use std::types::{ email }

customer {
  plan: text
  country: text
  vip: bool?
}
source pricing_page = "src_pricing"
faq refunds = "faq_refunds"
topic billing = "billing"
component booking = "calendar-booking" {
  input { email: email, seats: int }
  output { slot: text }
}
audience enterprise = customer.plan == "enterprise"
audience benelux = customer.country in ["NL", "BE", "LU"]
secret shop_token
var email: email { ask "What's your email address?" }

procedure see_pricing: redirect {
  label "See our pricing"
  url "https://shop.example/pricing?plan={customer.plan}"
  trigger source pricing_page
}
procedure refund_time: follow_up {
  label "How long does a refund take?"
  question "How long does a refund take?"
  trigger faq refunds
}
procedure billing_help: switch_topic {
  label "Talk about billing"
  topic billing
  trigger unanswered
}
procedure book_demo: component {
  label "Book a demo"
  audience enterprise
  needs email
  var seats: int {
    ask "How many seats do you need?"
    check seats >= 1 and seats <= 100000 else "Please give a number from 1 to 100000."
  }
  var company: text {
    ask "Which company are you with?"
    when seats > 50
  }
  open booking { email: email, seats: seats }
  on success { say "See you at {result.slot}!" }
  trigger always
}
procedure refund_order: api_call {
  label "Refund my order"
  irreversible
  needs email
  var order_id: text { ask "What's your order number?" }
  var reason: one_of("damaged", "late", "other") { ask "What went wrong?" }
  approve by customer "Refund order {order_id} because it was {reason}?"
  request POST "https://api.shop.example/refunds" {
    header "Authorization" = "Bearer {secret.shop_token}"
    body { order: order_id, reason: reason, email: email }
    timeout 5s
    retry 2
  }
  returns { refund_id: text }
  on success { say "Done: refund {response.refund_id} is on its way." }
  on failure {
    say "Sorry, that did not work."
    offer human
  }
  trigger faq refunds
}
procedure human: live_chat {
  label "Talk to a person"
  escalation
  queue "tier-1"
  note "Customer {email ?? "unknown"} asked for a person"
  trigger negative_feedback, unanswered
}
procedure size_guide: javascript {
  label "Open the size guide"
  var sku: text { ask "Which product?" }
  script """
    window.SizeGuide.open({ sku: args.sku });
  """
  args { sku: sku }
}
"#;

fn build() -> Compilation {
    let mut sources = Sources::new();
    sources.add("shop.proc", PROGRAM);
    let compilation = compile(sources);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    compilation
}

#[test]
fn the_example_lowers_to_a_module_that_verifies() {
    let c = build();
    let m = c.generate().expect("lowers");
    if let Err(e) = verify(&m) {
        panic!("{e}\n{}", procc::bundle::disasm::disassemble(&m));
    }
    assert_eq!(load(&encode(&m)), Ok(m.clone()));

    // Built-in types first, then the used standard-library type and the one_of; the
    // unused `phone` is left out.
    let names: Vec<_> = m.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(&names[..6], &BUILTIN_TYPES);
    assert!(
        names.contains(&"email") && names.contains(&"one_of") && !names.contains(&"phone"),
        "{names:?}"
    );

    // Procedures and triggers in declaration order.
    let procs: Vec<_> = m
        .procedures
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(procs[0], ("see_pricing", Kind::Redirect));
    assert_eq!(procs[4], ("refund_order", Kind::ApiCall));
    assert_eq!(m.triggers.unanswered, vec![2, 5]);
    assert_eq!(m.triggers.by_faq, vec![vec![1, 4]]);
    assert_eq!(m.triggers.always, vec![3]);

    // Collection order from the graph, locals owned by their procedure.
    let var_names = |ids: &[u32]| {
        ids.iter()
            .map(|&v| m.vars[v as usize].name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        var_names(&m.procedures[3].collects),
        ["email", "seats", "company"]
    );
    assert_eq!(
        var_names(&m.procedures[4].collects),
        ["email", "order_id", "reason"]
    );
    let company = m.vars.iter().find(|v| v.name == "company").unwrap();
    assert_eq!(company.owner, Some(3));
    assert_eq!(company.deps.len(), 1);
    assert_eq!(company.deps[0].kind, DepKind::Guard);

    // The refund body: collect, approve, request, await, success, done; failure, done.
    let body = &m.chunks[m.procedures[4].body as usize].code;
    assert!(matches!(body[0], Instr::Collect(_)));
    let approve = body
        .iter()
        .position(|i| matches!(i, Instr::Approve(_)))
        .unwrap();
    let request = body.iter().position(|i| matches!(i, Instr::Request(s) if s.method == Method::Post && s.timeout_ms == 5000 && s.retry == 2)).unwrap();
    assert!(approve < request);
    assert!(matches!(body[request + 1], Instr::Await));
    assert!(matches!(body[request + 2], Instr::JumpIfFailed(_)));
    assert_eq!(
        body.iter()
            .filter(|i| matches!(i, Instr::Fail(Reason::Action)))
            .count(),
        1
    );
    // `on failure` is a chunk of its own, ending `failed`.
    let failure = m.procedures[4].outcomes.failure.expect("on failure chunk");
    let failure = &m.chunks[failure as usize].code;
    assert!(failure.iter().any(|i| matches!(i, Instr::Offer(5))));
    assert_eq!(failure.last(), Some(&Instr::Done(Outcome::Failed)));

    // `??` and `and` short-circuit with jumps; strings are interned once.
    let note = &m.chunks[m.procedures[5].body as usize].code;
    assert!(note.iter().any(|i| matches!(i, Instr::JumpIfPresent(_))));
    let unique: std::collections::HashSet<_> = m.strings.iter().collect();
    assert_eq!(unique.len(), m.strings.len());
    assert!(m.chunks.iter().all(|c| !c.lines.is_empty()));
}

/// A name semantic analysis did not resolve (here: an expression added after analysis)
/// is an internal error naming it, not a panic: codegen never resolves a name itself.
#[test]
fn an_unresolved_name_is_an_error_not_a_panic() {
    let c = build();
    let mut files = c.files.clone();
    let question = files[0]
        .items
        .iter_mut()
        .find_map(|item| match &mut item.kind {
            ItemKind::Procedure(p) if p.name.name == "refund_time" => {
                p.items.iter_mut().find_map(|i| match &mut i.kind {
                    ProcItemKind::Question(t) => Some(t),
                    _ => None,
                })
            }
            _ => None,
        })
        .expect("the question of refund_time");
    let nowhere = Ident {
        name: "nowhere".into(),
        span: 100_000..100_007,
    };
    question.parts.push(TemplatePart::Expr(Expr {
        kind: ExprKind::Name(nowhere),
        span: 100_000..100_007,
    }));
    let e = generate(&files, &c.sources, &c.analysis).unwrap_err();
    assert!(e.message.contains("nowhere"), "{e}");
}

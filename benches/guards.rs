//! Guard evaluation in ns: audiences, a `when` and a `check`, each three ways — the
//! interpreter (`Program::interpreted`), the native tier (`Program::new` with the
//! `jit` feature) and a hand-written Rust closure for the same expression, the
//! physical reference. All go through the same public entry points a host has.
//!
//! `cargo bench --bench guards`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
#![allow(missing_docs)] // `criterion_group!` defines an undocumented `pub fn`
mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use procc::codegen::isa::{ChunkId, VarId};
use procc::vm::{Conversations, Program, Session, Value};
use serde_json::json;

const SOURCE: &str = r#"
customer { plan: text  country: text  orders: int }
audience enterprise = customer.plan == "enterprise"
audience benelux = customer.country in ["NL", "BE", "LU"]
audience active_pro = customer.plan == "pro" and customer.orders > 0
var seats: int {
  ask "How many seats?"
  check seats >= 1 and seats <= 100000 else "Please give a number from 1 to 100000."
}
var company: text {
  ask "Which company are you with?"
  when seats > 50
}
procedure book: follow_up {
  label "Book a demo"
  question "Can I book a demo?"
  audience enterprise, benelux, active_pro
  needs seats, company
  trigger always
}
"#;

/// The hand-written reference of a guard.
type Closure = fn(&Session) -> bool;

/// A session of a pro customer in Belgium with 3 orders who asked for 60 seats.
fn session(program: &std::sync::Arc<Program>) -> Session {
    let mut conversations = Conversations::new(program.clone());
    conversations.handle_line(
        r#"{"conversation":"c","event":"start","customer":{"plan":"pro","country":"BE","orders":3}}"#,
    );
    let step =
        conversations.handle_line(r#"{"conversation":"c","event":"provide","vars":{"seats":60}}"#);
    assert!(
        step.outputs.is_empty(),
        "seats is provided: {:?}",
        step.outputs
    );
    let snapshot = conversations.snapshot("c").expect("the session exists");
    Session::from_snapshot(program, &snapshot).expect("restores")
}

fn guards(c: &mut Criterion) {
    let module = common::compile_text(SOURCE);
    let jit = std::sync::Arc::new(Program::new(module.clone()).expect("runs"));
    let interpreted = std::sync::Arc::new(Program::interpreted(module.clone()).expect("runs"));
    let session = session(&jit);
    // Plain references, like the `&Session` the closures get: no `Arc` to follow on
    // each call.
    let (jit, interpreted): (&Program, &Program) = (&jit, &interpreted);
    let seats: VarId = jit.var_id("seats", None).expect("declared");
    let company: VarId = jit.var_id("company", None).expect("declared");
    let audience = |name: &str| -> ChunkId {
        module
            .audiences
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.cond)
            .expect("declared")
    };
    let when = module.vars[company as usize].when.expect("has a when");
    let check = module.vars[seats as usize].checks[0].cond;
    let answer = Value::from_json(&json!(60));

    let native: [(&str, ChunkId, Closure); 4] = [
        (
            "audience_enterprise",
            audience("enterprise"),
            |s| matches!(s.customer().first(), Some(Value::Text(plan)) if plan == "enterprise"),
        ),
        (
            "audience_benelux",
            audience("benelux"),
            |s| matches!(s.customer().get(1), Some(Value::Text(c)) if ["NL", "BE", "LU"].contains(&c.as_str())),
        ),
        ("audience_active_pro", audience("active_pro"), |s| {
            matches!(s.customer().first(), Some(Value::Text(plan)) if plan == "pro")
                && matches!(s.customer().get(2), Some(Value::Int(n)) if *n > 0)
        }),
        ("when_seats_over_50", when, |s| {
            // `seats` is variable 0: the closure knows its layout, like compiled code.
            matches!(s.known(0), Some(Value::Int(n)) if *n > 50)
        }),
    ];
    assert_eq!(seats, 0, "the closure of `when` reads variable 0");

    let mut group = c.benchmark_group("guard");
    for (name, chunk, closure) in native {
        let expected = closure(&session);
        assert_eq!(jit.eval_guard(chunk, &session), expected, "{name}");
        assert_eq!(interpreted.eval_guard(chunk, &session), expected, "{name}");
        group.bench_function(BenchmarkId::new(name, "interpreted"), |b| {
            b.iter(|| black_box(interpreted).eval_guard(black_box(chunk), black_box(&session)));
        });
        group.bench_function(BenchmarkId::new(name, "jit"), |b| {
            b.iter(|| black_box(jit).eval_guard(black_box(chunk), black_box(&session)));
        });
        group.bench_function(BenchmarkId::new(name, "native_closure"), |b| {
            b.iter(|| black_box(closure)(black_box(&session)));
        });
    }

    let closure: fn(&Value) -> bool = |v| matches!(v, Value::Int(n) if *n >= 1 && *n <= 100_000);
    let name = "check_seats_range";
    assert!(closure(&answer));
    assert!(jit.eval_check(check, &session, Some(seats), &answer));
    assert!(interpreted.eval_check(check, &session, Some(seats), &answer));
    group.bench_function(BenchmarkId::new(name, "interpreted"), |b| {
        b.iter(|| {
            black_box(interpreted).eval_check(
                check,
                black_box(&session),
                Some(seats),
                black_box(&answer),
            )
        });
    });
    group.bench_function(BenchmarkId::new(name, "jit"), |b| {
        b.iter(|| {
            black_box(jit).eval_check(check, black_box(&session), Some(seats), black_box(&answer))
        });
    });
    group.bench_function(BenchmarkId::new(name, "native_closure"), |b| {
        b.iter(|| black_box(closure)(black_box(&answer)));
    });
    group.finish();
    println!(
        "native guards: {} of the bench module's guard chunks",
        jit.native_guards()
    );
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = guards
}
criterion_main!(benches);

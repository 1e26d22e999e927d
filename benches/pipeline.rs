//! Whole-pipeline figures on a generated project of many procedures: bundle load +
//! verify throughput, offer-lookup latency, a whole conversation's events per second on
//! one core, and bytes per idle session snapshot.
//!
//! Run with `cargo bench --bench pipeline` (optionally `-- PROCEDURES`, default 10000).
//! It prints one line per figure; nothing here asserts a timing.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Conversations, Event, Input, Program};
use serde_json::{Map, json};

/// A valid project of `procedures` procedures: most are follow-ups offered by their own
/// FAQ to an audience, plus one irreversible api_call with collection and approval.
fn project(procedures: usize) -> String {
    let mut text = String::from(
        "use std::types::{email}\n\
         customer { plan: text  orders: int }\n\
         audience pro = customer.plan == \"pro\" and customer.orders > 0\n\
         secret token\n\
         faq refunds = \"faq_refunds\"\n\
         var email: email { ask \"Your email?\" }\n\
         procedure refund: api_call {\n\
           label \"Refund my order\"\n\
           irreversible\n\
           needs email\n\
           var order: text { ask \"Order number?\" check len(order) == 8 else \"Eight characters.\" }\n\
           approve by customer \"Refund {order}?\"\n\
           request POST \"https://api.example/refunds\" {\n\
             header \"Authorization\" = \"Bearer {secret.token}\"\n\
             body { order: order, email: email }\n\
           }\n\
           returns { id: text }\n\
           on success { say \"Refund {response.id} is on its way.\" }\n\
           on failure { say \"Sorry.\" }\n\
           trigger faq refunds\n\
         }\n",
    );
    for i in 1..procedures {
        text.push_str(&format!(
            "faq f{i} = \"faq_{i}\"\n\
             procedure p{i}: follow_up {{\n  label \"Question {i}\"\n  question \"What about {i}?\"\n  audience pro\n  trigger faq f{i}\n}}\n"
        ));
    }
    text
}

/// Runs `work` repeatedly for about `budget`; returns (iterations, elapsed).
fn time(budget: Duration, mut work: impl FnMut()) -> (u64, Duration) {
    let start = Instant::now();
    let mut iterations = 0;
    while start.elapsed() < budget {
        work();
        iterations += 1;
    }
    (iterations, start.elapsed())
}

fn input(conversation: &str, event: Event) -> Input {
    Input {
        conversation: conversation.to_string(),
        event,
    }
}

fn start(conversation: &str) -> Input {
    let customer: Map<String, serde_json::Value> = json!({"plan": "pro", "orders": 3})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let secrets = json!({"token": "t0k"}).as_object().cloned();
    input(conversation, Event::Start { customer, secrets })
}

/// The refund conversation after `start`: eight events.
fn refund_events(conversation: &str) -> Vec<Input> {
    let answer = |var: &str, value: &str| Event::Answer {
        var: var.to_string(),
        value: json!(value),
    };
    vec![
        input(
            conversation,
            Event::Faq {
                id: "faq_refunds".into(),
            },
        ),
        input(
            conversation,
            Event::Click {
                procedure: "refund".into(),
                vars: None,
            },
        ),
        input(conversation, answer("email", "ann@example.com")),
        input(conversation, answer("order", "short")),
        input(conversation, answer("order", "AB123456")),
        input(
            conversation,
            Event::Approve {
                granted: true,
                by: None,
            },
        ),
        input(
            conversation,
            Event::Result {
                ok: true,
                status: Some(200),
                response: Some(json!({"id": "R-1"})),
                output: None,
            },
        ),
        input(conversation, Event::End),
    ]
}

fn main() {
    let procedures: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(10_000);
    let mut sources = Sources::new();
    sources.add("generated.proc", project(procedures));
    let compile_start = Instant::now();
    let compilation = compile(sources);
    assert!(
        !compilation.has_errors(),
        "the generated project must check clean"
    );
    let module = compilation
        .generate()
        .expect("the generated project lowers");
    println!(
        "procedures: {procedures}; compile: {:.1} ms",
        compile_start.elapsed().as_secs_f64() * 1e3
    );

    let bytes = procc::bundle::encode(&module);
    let (loads, elapsed) = time(Duration::from_secs(3), || {
        black_box(procc::bundle::load(black_box(&bytes)).expect("verifies"));
    });
    let mb_per_s = (bytes.len() as f64 * loads as f64) / elapsed.as_secs_f64() / 1e6;
    println!(
        "bundle: {} bytes; load + verify: {mb_per_s:.1} MB/s ({loads} loads)",
        bytes.len()
    );

    let program = Arc::new(Program::new(module).expect("runs"));
    let mut conversations = Conversations::new(Arc::clone(&program));
    conversations.handle(start("idle"));
    let idle = conversations.snapshot("idle").map_or(0, |s| s.len());
    println!("idle session snapshot: {idle} bytes");

    // Offer lookup: a FAQ event that offers one procedure out of all of them.
    let faq = Event::Faq {
        id: format!("faq_{}", procedures / 2),
    };
    let (lookups, elapsed) = time(Duration::from_secs(2), || {
        let step = conversations.handle(input("idle", faq.clone()));
        black_box(step.outputs);
    });
    println!(
        "offer lookup (faq event → offer): {:.0} ns per event",
        elapsed.as_nanos() as f64 / lookups as f64
    );

    // A whole conversation: start plus eight events, in new conversations each time.
    let mut runs = 0u64;
    let (_, elapsed) = time(Duration::from_secs(3), || {
        let id = format!("c{runs}");
        runs += 1;
        conversations.handle(start(&id));
        for event in refund_events(&id) {
            black_box(conversations.handle(event).outputs);
        }
    });
    let events = runs * 9;
    println!(
        "conversation events: {:.0} events/s on one core ({runs} conversations of 9 events)",
        events as f64 / elapsed.as_secs_f64()
    );
}

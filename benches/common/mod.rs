//! What the benchmarks share: generated projects, compiled programs, the inputs of a
//! whole conversation, and criterion's settings (short, so the suite runs in minutes).

#![allow(dead_code)] // each bench uses part of this module

use std::path::Path;
use std::time::Duration;

use criterion::Criterion;
use procc::codegen::module::Module;
use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Event, Input};
use serde_json::{Map, json};

/// Criterion with one second of warm-up and three of measurement per benchmark.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

/// A valid project of `procedures` procedures: most are follow-ups offered by their own
/// FAQ to an audience, plus one irreversible api_call with collection and approval.
pub(crate) fn project(procedures: usize) -> String {
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

/// Compiles a generated project of `procedures` procedures.
pub(crate) fn module(procedures: usize) -> Module {
    compile_text(&project(procedures))
}

/// Compiles one `.proc` text; panics (in the benchmark) if it does not check clean.
pub(crate) fn compile_text(text: &str) -> Module {
    let mut sources = Sources::new();
    sources.add("bench.proc", text);
    let compilation = compile(sources);
    assert!(
        !compilation.has_errors(),
        "the benchmark project must check clean"
    );
    compilation
        .generate()
        .expect("the benchmark project lowers")
}

/// The `.proc` files of `scripts/gen_large_project.py` for about `lines` lines
/// (runs `python3` once; kept under `target/bench-projects`), as sources ready to
/// check, and their total size in bytes.
pub(crate) fn generated_sources(lines: usize) -> (Sources, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root
        .join("target")
        .join("bench-projects")
        .join(lines.to_string());
    if !dir.exists() {
        let status = std::process::Command::new("python3")
            .arg(root.join("scripts").join("gen_large_project.py"))
            .arg(lines.to_string())
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs the generator");
        assert!(status.success(), "the generator failed");
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the generated project exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "proc"))
        .collect();
    paths.sort();
    let mut sources = Sources::new();
    let mut bytes = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable");
        bytes += text.len();
        sources.add(path.display().to_string(), text);
    }
    (sources, bytes)
}

pub(crate) fn input(conversation: &str, event: Event) -> Input {
    Input::new(conversation, event)
}

pub(crate) fn start(conversation: &str) -> Input {
    let customer: Map<String, serde_json::Value> = json!({"plan": "pro", "orders": 3})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let secrets = json!({"token": "t0k"}).as_object().cloned();
    input(conversation, Event::Start { customer, secrets })
}

/// The refund conversation after `start`: eight events.
pub(crate) fn refund_events(conversation: &str) -> Vec<Input> {
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

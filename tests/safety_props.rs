//! Safety properties (issue 12), through the compiler and the library's protocol API:
//! URLs keep their shape whatever the answers; after a granted approval, what goes out
//! is what was approved; no accepted program lets an output depend on a secret's value.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::sync::Arc;

use procc::diagnostics::Sources;
use procc::vm::{Conversations, Program};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Compiles one file with the standard library; `None` when the checker refuses it.
fn compile(source: &str) -> Option<Arc<Program>> {
    let mut sources = Sources::new();
    sources.add("p.proc", source);
    let compilation = procc::compiler::compile(sources);
    if compilation.has_errors() {
        return None;
    }
    let module = compilation.generate().ok()?;
    Some(Arc::new(
        Program::new(module).expect("an accepted program verifies"),
    ))
}

fn send(c: &mut Conversations, input: Value) -> Vec<Value> {
    let mut input = input;
    input["conversation"] = json!("c");
    c.handle_line(&input.to_string())
        .outputs
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect()
}

fn of<'a>(outputs: &'a [Value], action: &str) -> Vec<&'a Value> {
    outputs.iter().filter(|o| o["action"] == action).collect()
}

/// Any Unicode, weighted towards what moves a URL: `/ ? # % @ . & = :` and spaces.
fn answer_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(vec!["/", "?", "#", "%", "@", ".", "..", "&", "=", ":", " ", "%2F", "\\"]).prop_map(str::to_owned),
            2 => any::<char>().prop_map(String::from),
            2 => "[a-z]{1,3}",
        ],
        1..6,
    )
    .prop_map(|parts| parts.concat())
    .prop_filter("an answer has visible text", |s| !s.trim().is_empty())
}

const URLS: &str = r#"
procedure fetch: api_call {
  label "Fetch"
  var a: text { ask "A?" }
  var b: text { ask "B?" }
  var f: text { ask "F?" }
  request GET "https://api.example:8443/v1/items/{a}/x?q={b}&r=1#{f}"
  trigger always
}
"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn urls_keep_their_scheme_host_port_segments_and_query_keys(
        a in answer_text(), b in answer_text(), f in answer_text()
    ) {
        let program = compile(URLS).expect("compiles");
        let mut c = Conversations::new(program);
        send(&mut c, json!({"event": "start", "customer": {}}));
        send(&mut c, json!({"event": "message"}));
        let mut outputs = send(&mut c, json!({"event": "click", "procedure": "fetch"}));
        for (var, value) in [("a", &a), ("b", &b), ("f", &f)] {
            outputs = send(&mut c, json!({"event": "answer", "var": var, "value": value}));
            prop_assume!(of(&outputs, "invalid").is_empty());
        }
        let stored = a.trim();
        if stored == "." || stored == ".." {
            // A whole `.`/`..` segment is refused: nothing goes out, the run fails.
            prop_assert!(of(&outputs, "request").is_empty());
            prop_assert_eq!(&of(&outputs, "done")[0]["outcome"], "failed");
            return Ok(());
        }
        let request = of(&outputs, "request");
        prop_assert_eq!(request.len(), 1, "{:?}", outputs);
        let url = url::Url::parse(request[0]["url"].as_str().unwrap()).unwrap();
        prop_assert_eq!(url.scheme(), "https");
        prop_assert_eq!(url.host_str(), Some("api.example"));
        prop_assert_eq!(url.port(), Some(8443));
        prop_assert_eq!(url.path_segments().unwrap().count(), 4, "{}", url);
        let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        prop_assert_eq!(keys, vec!["q".to_owned(), "r".to_owned()]);
        prop_assert!(url.fragment().is_some());
    }
}

/// An irreversible transfer approved by the customer (shared by the safety tests).
const TRANSFER: &str = include_str!("fixtures/transfer.proc");

/// A correction or an unrelated event, as the host or the customer may send it.
#[derive(Clone, Debug)]
enum Poke {
    ProvideRecipient(String),
    ProvideAmount(i64),
    AnswerRecipient(String),
    AnswerAmount(i64),
    ProvideBoth(String, i64),
    Message,
}

fn poke() -> impl Strategy<Value = Poke> {
    let name = "[A-Z][a-z]{1,6}";
    prop_oneof![
        name.prop_map(Poke::ProvideRecipient),
        (1i64..100_000).prop_map(Poke::ProvideAmount),
        name.prop_map(Poke::AnswerRecipient),
        (1i64..100_000).prop_map(Poke::AnswerAmount),
        (name, 1i64..100_000).prop_map(|(n, a)| Poke::ProvideBoth(n, a)),
        Just(Poke::Message),
    ]
}

fn input_of(p: &Poke) -> Value {
    match p {
        Poke::ProvideRecipient(n) => json!({"event": "provide", "vars": {"recipient": n}}),
        Poke::ProvideAmount(a) => json!({"event": "provide", "vars": {"amount": a}}),
        Poke::AnswerRecipient(n) => json!({"event": "answer", "var": "recipient", "value": n}),
        Poke::AnswerAmount(a) => json!({"event": "answer", "var": "amount", "value": a}),
        Poke::ProvideBoth(n, a) => {
            json!({"event": "provide", "vars": {"recipient": n, "amount": a}})
        }
        Poke::Message => json!({"event": "message"}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn after_a_granted_approval_what_goes_out_is_what_was_approved(
        before in prop::collection::vec(poke(), 0..4),
        after in prop::collection::vec(poke(), 0..6),
    ) {
        let program = compile(TRANSFER).expect("compiles");
        let mut c = Conversations::new(program);
        send(&mut c, json!({"event": "start", "customer": {}}));
        send(&mut c, json!({"event": "message"}));
        send(&mut c, json!({"event": "click", "procedure": "transfer"}));
        send(&mut c, json!({"event": "answer", "var": "recipient", "value": "Ty"}));
        send(&mut c, json!({"event": "answer", "var": "amount", "value": 40}));
        // Before the approval, corrections work and the approval is asked again.
        let (mut recipient, mut amount) = ("Ty".to_owned(), 40);
        for p in &before {
            send(&mut c, input_of(p));
            match p {
                Poke::ProvideRecipient(n) | Poke::AnswerRecipient(n) => recipient = n.clone(),
                Poke::ProvideAmount(a) | Poke::AnswerAmount(a) => amount = *a,
                Poke::ProvideBoth(n, a) => {
                    recipient = n.clone();
                    amount = *a;
                }
                Poke::Message => {}
            }
        }
        let granted = send(&mut c, json!({"event": "approve", "granted": true, "by": "customer"}));
        let request = of(&granted, "request");
        prop_assert_eq!(request.len(), 1, "{:?}", granted);
        prop_assert_eq!(&request[0]["body"], &json!({"to": recipient, "amount": amount}));
        for p in &after {
            let outputs = send(&mut c, input_of(p));
            if !matches!(p, Poke::Message) {
                prop_assert_eq!(&outputs[0]["code"], "locked", "{:?}", outputs);
            }
        }
        let done = send(&mut c, json!({"event": "result", "ok": true, "status": 200, "response": {}}));
        prop_assert_eq!(
            &of(&done, "say")[0]["text"],
            &json!(format!("Successfully transferred {amount} to {recipient}."))
        );
    }
}

/// A random expression over a secret, a customer answer and literals.
fn expr() -> impl Strategy<Value = String> {
    // Biased towards the shapes of the finding's oracle (a length of the secret, a
    // division that fails for one length): on a checker that let them through, the run
    // with the 4-character secret would fail and the other would not.
    let leaf = prop_oneof![
        3 => Just("secret.tok".to_owned()),
        2 => Just("len(secret.tok)".to_owned()),
        1 => Just("code".to_owned()),
        1 => Just("\"ab\"".to_owned()),
        1 => Just("2".to_owned()),
        1 => Just("4".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("len({e})")),
            inner.clone().prop_map(|e| format!("lower({e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("starts_with({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} == {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            inner.clone().prop_map(|e| format!("\"{{{e}}}\"")),
        ]
    })
}

/// Where the expression stands in the procedure.
fn program_with(e: &str, place: u8) -> String {
    let (header, query, body, say, when) = match place {
        0 => (
            format!("\"{{{e}}}\""),
            "\"1\"".to_owned(),
            format!("{{ x: {e} }}"),
            "\"ok\"".to_owned(),
            String::new(),
        ),
        1 => (
            "\"k\"".to_owned(),
            format!("\"{{{e}}}\""),
            "{ x: 1 }".to_owned(),
            "\"ok\"".to_owned(),
            String::new(),
        ),
        2 => (
            "\"k\"".to_owned(),
            "\"1\"".to_owned(),
            "{ x: 1 }".to_owned(),
            format!("\"{{{e}}}\""),
            String::new(),
        ),
        _ => (
            "\"k\"".to_owned(),
            "\"1\"".to_owned(),
            "{ x: 1 }".to_owned(),
            "\"ok\"".to_owned(),
            format!("when {e}"),
        ),
    };
    format!(
        r#"
secret tok
var code: text {{ ask "Your code?" }}
procedure probe: api_call {{
  label "Probe"
  reversible
  needs code
  {when}
  request POST "https://api.example/probe" {{
    header "X-Key" = {header}
    query "q" = {query}
    body {body}
  }}
  on success {{ say {say} }}
  on failure {{ say "failed" }}
  trigger always
}}
"#
    )
}

/// Everything a customer can observe of a run with this secret: every output but the
/// request's headers, query and body (which go to the business's API only).
fn observe(program: &Arc<Program>, secret: &str, code: &str) -> Vec<Value> {
    let mut c = Conversations::new(Arc::clone(program));
    let mut seen = Vec::new();
    let inputs = [
        json!({"event": "start", "customer": {}, "secrets": {"tok": secret}}),
        json!({"event": "answer", "var": "code", "value": code}),
        json!({"event": "message"}),
        json!({"event": "click", "procedure": "probe"}),
        json!({"event": "answer", "var": "code", "value": code}),
        json!({"event": "result", "ok": true, "status": 200, "response": {"id": "r"}}),
    ];
    for input in inputs {
        for mut output in send(&mut c, input) {
            if output["action"] == "request" {
                let url = output["url"].as_str().unwrap_or_default();
                output["url"] = json!(url.split('?').next());
                for field in ["headers", "body", "idempotency_key"] {
                    output.as_object_mut().unwrap().remove(field);
                }
            }
            seen.push(output);
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn no_accepted_program_lets_outputs_depend_on_a_secret(
        e in expr(), place in 0u8..4, code in "[a-z]{0,4}"
    ) {
        let source = program_with(&e, place);
        let Some(program) = compile(&source) else {
            return Ok(());
        };
        let low = observe(&program, "aaaa", &code);
        let high = observe(&program, "zzzzzzzzzzzz", &code);
        prop_assert_eq!(low, high, "{}", source);
    }
}

#[test]
fn the_oracle_of_the_finding_is_refused() {
    let source = r#"
secret tok
var code: text { ask "Your code?" }
procedure oracle: api_call {
  label "Check"
  reversible
  request POST "https://api.example/check" {
    body { x: 1 / (len("{starts_with(secret.tok, code)}") - 4) }
  }
  trigger always
}
"#;
    assert!(compile(source).is_none());
    // The same program with the secret as itself is accepted.
    assert!(
        compile(&source.replace(
            "1 / (len(\"{starts_with(secret.tok, code)}\") - 4)",
            "secret.tok"
        ))
        .is_some()
    );
}

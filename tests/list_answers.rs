//! Property tests of list answers (§4: a JSON array, or a text of items separated by
//! commas, each trimmed and parsed as the item type) on bytecode from the real compiler:
//! no answer makes the interpreter panic or leaves a bad value; a list given as a JSON
//! array and the same items as text give the same value (round trip); a refused answer
//! changes nothing.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::sync::Arc;

use procc::vm::{Conversations, Program};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::send;

const SOURCE: &str = r#"
var words: [text] { ask "Which words?" }
var counts: [int] { ask "Which counts?" }
var picks: [text] {
  ask "Which ones?"
  choices ["Alpha", "beta", "Gamma delta"]
}
procedure show: follow_up {
  label "Show"
  needs words, counts, picks
  question "{join(words, "|")}#{join(counts, "|")}#{join(picks, "|")}#{len(words)}"
  trigger always
}
"#;

fn program() -> Arc<Program> {
    support::program_of("lists.proc", SOURCE)
}

/// A conversation asking `words`.
fn asking() -> Conversations {
    let mut c = Conversations::with_seed(program(), [7; 32]);
    send(&mut c, json!({"event": "start", "customer": {}}));
    send(&mut c, json!({"event": "message"}));
    let out = send(&mut c, json!({"event": "click", "procedure": "show"}));
    assert_eq!(out[0]["var"], "words");
    assert_eq!(out[0]["multiple"], true);
    c
}

/// The question the run ends with after these three answers (or the first refusal).
fn question(words: Value, counts: Value, picks: Value) -> Result<String, String> {
    let mut c = asking();
    for (var, value) in [("words", words), ("counts", counts), ("picks", picks)] {
        let before = c.snapshot("c");
        let out = send(
            &mut c,
            json!({"event": "answer", "var": var, "value": value}),
        );
        if out.first().is_some_and(|o| o["action"] == "invalid") {
            // A refused answer changes nothing but the attempt count.
            let again = out.get(1).map(|o| o["var"].clone());
            assert_eq!(again, Some(json!(var)));
            assert_ne!(before, None);
            return Err(out[0]["message"].as_str().unwrap_or_default().to_owned());
        }
        if let Some(q) = out.iter().find(|o| o["action"] == "follow_up") {
            return Ok(q["question"].as_str().unwrap_or_default().to_owned());
        }
    }
    Err("no question".to_owned())
}

/// A list item a customer can type in the text form: no comma, no surrounding space,
/// not empty; any other character (quotes, brackets, emoji, newlines inside) allowed.
fn item() -> impl Strategy<Value = String> {
    "[^,]{1,12}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("not empty", |s| !s.is_empty() && !s.starts_with('['))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The text form and the JSON form of one list are the same answer.
    #[test]
    fn text_and_json_lists_round_trip(
        words in prop::collection::vec(item(), 1..6),
        counts in prop::collection::vec(-1000i64..1000, 0..5),
        picks in prop::collection::vec(prop::sample::select(vec!["alpha", "BETA", "gamma DELTA"]), 1..4),
    ) {
        let canonical = |p: &&str| match p.to_lowercase().as_str() {
            "alpha" => "Alpha",
            "beta" => "beta",
            _ => "Gamma delta",
        };
        let expected = format!(
            "{}#{}#{}#{}",
            words.join("|"),
            counts.iter().map(i64::to_string).collect::<Vec<_>>().join("|"),
            picks.iter().map(canonical).collect::<Vec<_>>().join("|"),
            words.len()
        );
        let as_json = question(json!(words), json!(counts), json!(picks));
        prop_assert_eq!(as_json.as_deref(), Ok(expected.as_str()));
        let spaced = |items: Vec<String>| items.join(" , ");
        let count_text = spaced(counts.iter().map(i64::to_string).collect());
        // An empty `[int]` has no text form (blank is "no answer").
        let counts_value = if counts.is_empty() { json!([]) } else { json!(count_text) };
        let as_text = question(
            json!(spaced(words.clone())),
            counts_value,
            json!(spaced(picks.iter().map(|p| (*p).to_owned()).collect())),
        );
        prop_assert_eq!(as_text.as_deref(), Ok(expected.as_str()));
    }

    /// Any JSON value as any answer: an `invalid` or the next step, never a panic, and
    /// an `int` list never takes a non-integer.
    #[test]
    fn any_answer_is_taken_or_refused(
        value in prop_oneof![
            any::<String>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(json!(null)),
            Just(json!(1.5)),
            Just(json!({"a": [1]})),
            prop::collection::vec(any::<String>(), 0..4).prop_map(Value::from),
            prop::collection::vec(any::<i64>(), 0..4).prop_map(Value::from),
        ],
    ) {
        let _ = question(value.clone(), json!("1"), json!("alpha"));
        match question(json!("a"), value.clone(), json!("alpha")) {
            Ok(q) => {
                let counts = q.split('#').nth(1).unwrap_or_default().to_owned();
                prop_assert!(
                    counts.is_empty() || counts.split('|').all(|n| n.parse::<i64>().is_ok()),
                    "{q}"
                );
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
        let _ = question(json!("a"), json!("1"), value);
    }
}

//! The checker on list and record types and the variable items `choices`,
//! `suggestions` and `invalid` (§4, §5), through the library's compiler: what is
//! accepted, which code each mistake gets, and the dependencies the items create.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::semantics::{DepKind, VarKey};

/// The codes of a source's diagnostics, in order.
fn codes(source: &str) -> Vec<&'static str> {
    let mut sources = Sources::new();
    sources.add("t.proc", source);
    compile(sources)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

/// A program around one expression `EXPR` in a follow-up's question, with list and
/// record values in scope.
fn question(expr: &str) -> String {
    format!(
        r#"
customer {{ plan: text, payees: [text], home: {{ city: text, zip: text? }} }}
var toppings: [one_of("cheese", "ham")] {{ ask "Which?" }}
procedure p: api_call {{
  label "P"
  needs toppings
  request GET "https://x.example/a"
  returns {{ id: text, items: [{{ name: text, price: number }}], meta: {{ pages: int? }} }}
  on success {{ say "{{{expr}}}" }}
  trigger always
}}
"#
    )
}

#[test]
fn nested_fields_are_typed() {
    for ok in [
        "response.id",
        "len(response.items)",
        "join(customer.payees, \", \")",
        "customer.home.city",
        "customer.home.zip ?? \"none\"",
        "response.meta.pages ?? 0",
        "if \"ham\" in toppings then 1 else 2",
        "contains(customer.payees, \"Bob\")",
        "toppings",
    ] {
        assert_eq!(codes(&question(ok)), Vec::<&str>::new(), "{ok}");
    }
    for (bad, code) in [
        ("response.items.name", "E0114"),
        ("response.idd", "E0114"),
        ("customer.home.street", "E0114"),
        ("customer.home.zip", "E0111"),
        ("response.meta.pages + 1", "E0111"),
        ("\"pepperoni\" in toppings", "E0110"),
        ("contains(toppings, \"hamm\")", "E0110"),
        ("response.id + response.items", "E0116"),
    ] {
        assert_eq!(codes(&question(bad)), vec![code], "{bad}");
    }
}

/// A program with one conversation variable of type `TY` and block `ITEMS`.
fn var(ty: &str, items: &str) -> String {
    format!(
        r#"
customer {{ payees: [text], size: int }}
var v: {ty} {{ ask "?" {items} }}
procedure p: follow_up {{
  label "P"
  needs v
  question "ok"
  trigger always
}}
"#
    )
}

#[test]
fn choices_suggestions_and_invalid_are_checked() {
    for (ty, items) in [
        ("text", "choices customer.payees"),
        ("[text]", "choices [\"a\", \"b\"]"),
        ("email", "choices [\"a@b.example\"]"),
        ("text", "choices customer.payees invalid \"Not {value}.\""),
        ("int", "suggestions [\"1\", \"2\"]"),
        ("[one_of(\"a\", \"b\")]", "suggestions customer.payees"),
        (
            "text?",
            "choices if customer.size > 1 then [\"x\"] else [\"y\"]",
        ),
    ] {
        let source = var(ty, items).replace("var v", "use std::types::{email}\nvar v");
        assert_eq!(codes(&source), Vec::<&str>::new(), "{ty} {items}");
    }
    for (ty, items, code) in [
        ("text", "choices customer.size", "E0220"),
        ("text", "suggestions \"a\"", "E0220"),
        ("text", "choices [1, 2]", "E0220"),
        ("int", "choices [\"1\"]", "E0221"),
        ("one_of(\"a\", \"b\")", "choices [\"a\"]", "E0221"),
        ("[int]", "choices [\"1\"]", "E0221"),
        ("[text?]", "", "E0222"),
        ("{ a: int, a: text }", "", "E0102"),
        ("text", "choices [\"a\"] choices [\"b\"]", "E0121"),
        ("text", "invalid \"{v}\" invalid \"x\"", "E0121"),
        ("text", "invalid \"{value + 1}\"", "E0116"),
    ] {
        assert_eq!(codes(&var(ty, items)), vec![code], "{ty} {items}");
    }
}

#[test]
fn choices_make_values_stale_suggestions_and_invalid_only_order() {
    let source = r#"
var city: text { ask "City?" }
var zone: text { ask "Zone?" }
var hint: text { ask "Hint?" }
var branch: text {
  ask "Branch?"
  choices [city]
  suggestions [zone]
  invalid "Not in {hint}."
}
procedure p: follow_up {
  label "P"
  needs branch
  question "{branch}"
  trigger always
}
"#;
    let mut sources = Sources::new();
    sources.add("t.proc", source);
    let compilation = compile(sources);
    assert!(compilation.diagnostics.is_empty());
    let mut deps = compilation
        .analysis
        .graph
        .deps(&VarKey::Conversation("branch".into()));
    deps.sort_by(|a, b| a.0.name().cmp(b.0.name()));
    let names: Vec<(&str, DepKind)> = deps.iter().map(|(k, d)| (k.name(), *d)).collect();
    assert_eq!(
        names,
        vec![
            ("city", DepKind::Guard),
            ("hint", DepKind::Prompt),
            ("zone", DepKind::Prompt)
        ]
    );
    assert_eq!(
        compilation.analysis.graph.collection_order("p"),
        ["city", "zone", "hint", "branch"]
            .iter()
            .map(|n| VarKey::Conversation((*n).into()))
            .collect::<Vec<_>>()
    );
}

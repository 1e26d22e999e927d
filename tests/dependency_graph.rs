//! The variable dependency graph: collection order, dependency kinds, cycles.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::semantics::{DepKind, VarGraph, VarKey};
use procc::syntax::ast::FileId;
use procc::syntax::parse_file;

fn graph(text: &str) -> (VarGraph, Vec<procc::diagnostics::Diagnostic>) {
    let (file, errors) = parse_file(FileId(0), text);
    assert!(errors.is_empty(), "{errors:?}");
    VarGraph::build(&[file])
}

fn conv(name: &str) -> VarKey {
    VarKey::Conversation(name.to_string())
}

fn local(procedure: &str, name: &str) -> VarKey {
    VarKey::Local {
        procedure: procedure.to_string(),
        name: name.to_string(),
    }
}

#[test]
fn collection_is_topological_with_ties_in_declaration_order() {
    let (graph, errors) = graph(
        r#"
var country: text { ask "Country?" }
var email: text { ask "Email for {name}?" }
var name: text { ask "Name?" }
procedure p: follow_up {
  label "x"
  question "q"
  needs email
  var seats: int { ask "Seats?" }
  var company: text { ask "Company?" when seats > 50 and country == "NL" }
}
"#,
    );
    assert!(errors.is_empty());
    assert_eq!(
        graph.collection_order("p"),
        vec![
            conv("country"),
            conv("name"),
            conv("email"),
            local("p", "seats"),
            local("p", "company")
        ]
    );
    assert_eq!(
        graph.deps(&conv("email")),
        vec![(conv("name"), DepKind::Prompt)]
    );
    assert_eq!(
        graph.deps(&local("p", "company")),
        vec![
            (conv("country"), DepKind::Guard),
            (local("p", "seats"), DepKind::Guard)
        ]
    );
    assert!(graph.collection_order("unknown").is_empty());
}

#[test]
fn a_cycle_is_reported_once_with_every_variable_on_it() {
    let (graph, errors) = graph(
        r#"
var a: text { ask "{c}?" }
var b: text { ask "b?" when a == "x" }
var c: text { ask "c?" default b }
var d: text { ask "d?" check d != "" else "empty" }
"#,
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = &errors[0].message;
    assert!(message.contains("`a` → `c` → `b` → `a`"), "{message}");
    assert_eq!(errors[0].labels.len(), 2);
    assert_eq!(graph.deps(&conv("d")), vec![]);
}

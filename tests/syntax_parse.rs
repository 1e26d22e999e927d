//! Expressions, strings, error reporting and recovery of `parse_file`.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::diagnostics::Diagnostic;
use procc::syntax::ast::*;
use procc::syntax::parse_file;

fn parse(text: &str) -> (SourceFile, Vec<Diagnostic>) {
    parse_file(FileId(7), text)
}

fn parse_ok(text: &str) -> SourceFile {
    let (file, diagnostics) = parse(text);
    assert!(diagnostics.is_empty(), "{text}\n{diagnostics:#?}");
    file
}

/// The expression of `audience a = EXPR`.
fn expr(source: &str) -> Expr {
    let file = parse_ok(&format!("audience a = {source}\n"));
    match file.items.into_iter().next().map(|i| i.kind) {
        Some(ItemKind::Audience(a)) => a.expr,
        other => panic!("{other:?}"),
    }
}

/// A compact rendering of an expression, fully parenthesised.
fn show(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Number(n) => format!("{n:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(t) => format!("{:?}", text(t)),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Object(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name.name, show(&f.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Customer(n) => format!("customer.{}", n.name),
        ExprKind::Secret(n) => format!("secret.{}", n.name),
        ExprKind::Field(base, f) => format!("{}.{}", show(base), f.name),
        ExprKind::Unary(UnaryOp::Not, e) => format!("(not {})", show(e)),
        ExprKind::Unary(UnaryOp::Neg, e) => format!("(-{})", show(e)),
        ExprKind::Binary(op, l, r) => format!("({} {op:?} {})", show(l), show(r)),
        ExprKind::Call(name, args) => format!(
            "{}({})",
            name.name,
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => format!(
            "(if {} then {} else {})",
            show(cond),
            show(then),
            show(otherwise)
        ),
    }
}

fn text(template: &Template) -> String {
    template
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Text { value, .. } => value.clone(),
            TemplatePart::Expr(e) => format!("{{{}}}", show(e)),
        })
        .collect()
}

fn errors(text: &str) -> Vec<Diagnostic> {
    let (_, diagnostics) = parse(text);
    diagnostics
}

#[test]
fn precedence_loosest_to_tightest() {
    assert_eq!(
        show(&expr("a ?? b or c and not d == e + f * -g.h")),
        "(a Coalesce (b Or (c And (not (d Eq (e Add (f Mul (-g.h))))))))"
    );
    assert_eq!(show(&expr("1 - 2 - 3")), "((1 Sub 2) Sub 3)");
    assert_eq!(show(&expr("a / b * c")), "((a Div b) Mul c)");
    assert_eq!(show(&expr("(1 + 2) * 3")), "((1 Add 2) Mul 3)");
    assert_eq!(show(&expr("not a and b")), "((not a) And b)");
    assert_eq!(show(&expr("x in [1, 2] or y")), "((x In [1, 2]) Or y)");
    assert_eq!(show(&expr("a ?? b ?? c")), "((a Coalesce b) Coalesce c)");
    assert_eq!(show(&expr("a < b and c >= d")), "((a Lt b) And (c Ge d))");
}

#[test]
fn literals_and_postfix() {
    assert_eq!(show(&expr("-7")), "-7");
    assert_eq!(show(&expr("-9223372036854775808")), "-9223372036854775808");
    assert_eq!(show(&expr("3.25 + -0.5")), "(3.25 Add -0.5)");
    assert_eq!(show(&expr("x - 7")), "(x Sub 7)");
    assert_eq!(show(&expr("-(7)")), "(-7)");
    assert_eq!(show(&expr("true != false")), "(true Ne false)");
    assert_eq!(
        show(&expr("customer.plan == secret.k")),
        "(customer.plan Eq secret.k)"
    );
    assert_eq!(show(&expr("response.a.b")), "response.a.b");
    assert_eq!(show(&expr("len(lower(x), ) > 0")), "(len(lower(x)) Gt 0)");
    assert_eq!(show(&expr("{ a: 1, b: [true] }")), "{a: 1, b: [true]}");
    assert_eq!(show(&expr("{ a: 1  b: 2 }")), "{a: 1, b: 2}");
    // Keywords of items are ordinary names in expressions.
    assert_eq!(show(&expr("label + value")), "(label Add value)");
    let e = expr("customer.plan == \"x\"");
    assert_eq!(e.span, 13..33);
}

#[test]
fn comparisons_do_not_chain() {
    let diagnostics = errors("audience a = 1 < 2 < 3\n");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, "E0001");
    assert_eq!(diagnostics[0].span, 19..20);
}

#[test]
fn strings_escapes_interpolation_and_braces() {
    let e = expr(r#""a\"b\\c\nd\te\u{1F600} {{x}} {n + 1}!""#);
    let ExprKind::Str(t) = &e.kind else {
        panic!("not a string")
    };
    assert_eq!(text(t), "a\"b\\c\nd\te\u{1F600} {x} {(n Add 1)}!");
    assert_eq!(t.parts.len(), 3);
    let TemplatePart::Text { span, .. } = &t.parts[0] else {
        panic!("text")
    };
    // Text spans cover the source text of their part, escapes included.
    assert_eq!(span.start, 14);
    assert_eq!(
        &"audience a = \"a\\\"b\\\\c\\nd\\te\\u{1F600} {{x}} "[span.clone()],
        "a\\\"b\\\\c\\nd\\te\\u{1F600} {{x}} "
    );
    let regex = expr(r#"matches(value, "^\\d{2,}-[0-9]{1,3}x{4}$")"#);
    assert_eq!(
        show(&regex),
        r#"matches(value, "^\\d{2,}-[0-9]{1,3}x{4}$")"#
    );
    let nested = expr(r#""a {x ?? "b {y}"} c""#);
    assert_eq!(show(&nested), r#""a {(x Coalesce \"b {y}\")} c""#);
}

#[test]
fn raw_strings_are_dedented_and_never_interpolate() {
    let file = parse_ok(
        "procedure p: javascript {\n  script \"\"\"\n    if (a) {\n      b(\"{x}\");\n    }\n  \"\"\"\n}\n",
    );
    let ItemKind::Procedure(p) = &file.items[0].kind else {
        panic!("procedure")
    };
    let ProcItemKind::Script(script) = &p.items[0].kind else {
        panic!("script")
    };
    assert_eq!(script.code, "if (a) {\n  b(\"{x}\");\n}");
    let text = "procedure p: javascript {\n  script \"\"\"\n    if (a) {\n      b(\"{x}\");\n    }\n  \"\"\"\n}\n";
    let lines: Vec<&str> = script
        .line_starts
        .iter()
        .map(|&s| text[s..].lines().next().unwrap_or_default())
        .collect();
    assert_eq!(lines, ["if (a) {", "  b(\"{x}\");", "}"]);
}

#[test]
fn durations_and_request_parts() {
    let file = parse_ok(
        "procedure p: api_call {\n  request GET \"https://x/{a}\" { timeout 250ms  retry 0\n query \"q\" = \"{b}\" }\n  reversible\n}\nprocedure q: api_call { request GET \"u\" { timeout 2m } }\n",
    );
    let ItemKind::Procedure(p) = &file.items[0].kind else {
        panic!("procedure")
    };
    let ProcItemKind::Request(r) = &p.items[0].kind else {
        panic!("request")
    };
    assert!(matches!(&r.items[0].kind, RequestItemKind::Timeout(d) if d.millis == 250));
    assert!(matches!(&r.items[2].kind, RequestItemKind::Query { name, .. } if name.value == "q"));
    assert_eq!(p.items[1].kind, ProcItemKind::Reversible);
    let ItemKind::Procedure(q) = &file.items[1].kind else {
        panic!("procedure")
    };
    let ProcItemKind::Request(r) = &q.items[0].kind else {
        panic!("request")
    };
    assert!(matches!(&r.items[0].kind, RequestItemKind::Timeout(d) if d.millis == 120_000));
}

#[test]
fn all_test_statements() {
    let file = parse_ok(
        r#"test "all" {
  customer { plan: "pro", vip: true, n: -1.5, tags: ["a"] }
  send message "hi"
  send source s
  send feedback negative
  send feedback positive
  send unanswered
  dismiss p
  provide { email: "a@b.c" }
  deny
  respond 500
  complete { slot: "x" }
  complete
  fail
  cancel
  answer 42
  expect no offer
  expect follow_up "q"
  expect redirect "https://x"
  expect component c
  expect switch_topic t
  expect live_chat "tier-1"
  expect javascript
}
"#,
    );
    let ItemKind::Test(test) = &file.items[0].kind else {
        panic!("test")
    };
    let kinds: Vec<String> = test
        .steps
        .iter()
        .map(|s| {
            format!("{:?}", s.kind)
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Customer",
            "SendMessage",
            "SendSource",
            "SendFeedback",
            "SendFeedback",
            "SendUnanswered",
            "Dismiss",
            "Provide",
            "Deny",
            "Respond",
            "Complete",
            "Complete",
            "Fail",
            "Cancel",
            "Answer",
            "ExpectNoOffer",
            "ExpectFollowUp",
            "ExpectRedirect",
            "ExpectComponent",
            "ExpectSwitchTopic",
            "ExpectLiveChat",
            "ExpectJavascript",
        ]
    );
    assert_eq!(
        test.steps[3].kind,
        TestStepKind::SendFeedback { negative: true }
    );
    assert_eq!(
        test.steps[4].kind,
        TestStepKind::SendFeedback { negative: false }
    );
    assert!(matches!(
        &test.steps[9].kind,
        TestStepKind::Respond { body: None, .. }
    ));
    assert_eq!(test.steps[11].kind, TestStepKind::Complete(None));
}

#[test]
fn other_declarations() {
    let file = parse_ok(
        "use std::types::*\nuse std::types::email\ntype code = int\ncomponent c = \"id\"\nvar v: int? {\n  default 3\n  attempts 5\n  when customer.vip ?? false\n}\nprocedure p: follow_up {\n  label \"x\"\n  description \"d\"\n  question \"q\"\n  audience a, b\n  needs v, w\n  when v > 1\n  escalation\n  approve by staff \"ok?\"\n  trigger always, source s, faq f\n  on success { save w = 1 suggest \"more?\" say \"ok\" }\n}\n",
    );
    assert!(matches!(&file.items[0].kind, ItemKind::Use(u) if matches!(u.names, UseNames::All(_))));
    assert!(
        matches!(&file.items[1].kind, ItemKind::Use(u) if matches!(&u.names, UseNames::List(n) if n.len() == 1))
    );
    assert!(
        matches!(&file.items[2].kind, ItemKind::Type(t) if t.check.is_none() && t.message.is_none())
    );
    assert!(matches!(&file.items[3].kind, ItemKind::Component(c) if c.input.is_empty()));
    let ItemKind::Var(v) = &file.items[4].kind else {
        panic!("var")
    };
    assert!(v.ty.optional);
    assert!(matches!(&v.items[1].kind, VarItemKind::Attempts(n) if n.value == 5));
    let ItemKind::Procedure(p) = &file.items[5].kind else {
        panic!("procedure")
    };
    assert_eq!(p.items.len(), 10);
    assert!(matches!(
        &p.items[7].kind,
        ProcItemKind::Approve {
            by: Approver::Staff,
            ..
        }
    ));
    let ProcItemKind::OnSuccess(stmts) = &p.items[9].kind else {
        panic!("on success")
    };
    assert_eq!(stmts.len(), 3);
}

#[test]
fn field_docs() {
    let file = parse_ok("customer {\n  /// The plan.\n  plan: text\n  country: text\n}\n");
    let ItemKind::Customer(c) = &file.items[0].kind else {
        panic!("customer")
    };
    assert_eq!(c.fields[0].doc.as_deref(), Some("The plan."));
    assert_eq!(c.fields[1].doc, None);
}

#[test]
fn syntax_error_names_expected_and_found() {
    let text = "procedure p: follow_up {\n  label \"x\"\n  trigger sometimes\n}\n";
    let diagnostics = errors(text);
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d.code, "E0001");
    assert_eq!(d.file, FileId(7));
    assert_eq!(&text[d.span.clone()], "sometimes");
    assert!(d.message.starts_with("expected a trigger"), "{}", d.message);
    assert!(d.message.ends_with("found `sometimes`"), "{}", d.message);
    assert!(!d.message.contains("kw_"));
    assert!(d.help.is_some());
}

#[test]
fn missing_brace_points_at_next_declaration() {
    let text = "procedure p: follow_up {\n  label \"x\"\nsecret s\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(&text[diagnostics[0].span.clone()], "secret");
    assert!(diagnostics[0].message.contains("`}`"));
    assert!(matches!(&file.items[0].kind, ItemKind::Secret(s) if s.name == "s"));
}

#[test]
fn three_broken_declarations_three_errors() {
    let text = "secret good1\n\
procedure a: follow_up {\n  label 5\n}\n\
var v: int { ask }\n\
audience good2 = customer.plan == \"x\"\n\
type t = text check value == else \"m\"\n\
secret good3\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 3, "{diagnostics:#?}");
    assert!(diagnostics.iter().all(|d| d.code == "E0001"));
    let found: Vec<&str> = diagnostics.iter().map(|d| &text[d.span.clone()]).collect();
    assert_eq!(found, ["5", "}", "else"]);
    let names: Vec<String> = file
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Secret(s) => s.name.clone(),
            ItemKind::Audience(a) => a.name.name.clone(),
            ItemKind::Procedure(p) => {
                format!("{} without its broken item: {:?}", p.name.name, p.items)
            }
            other => format!("{other:?}"),
        })
        .collect();
    // `a` recovers: its broken `label 5` is reported and left out. The `var` and the
    // `type` are dropped: their errors lie outside any line of a block.
    assert_eq!(
        names,
        ["good1", "a without its broken item: []", "good2", "good3"]
    );
}

#[test]
fn stray_text_between_declarations() {
    let text = "secret a\nhello world\nsecret b\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(&text[diagnostics[0].span.clone()], "hello");
    assert_eq!(file.items.len(), 1);
    let text = "oops\nsecret b\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.contains("a declaration"));
    assert_eq!(&text[diagnostics[0].span.clone()], "oops");
    assert_eq!(file.items.len(), 1);
}

#[test]
fn lexical_error_codes() {
    let unterminated = "procedure p: follow_up {\n  label \"abc\n}\nsecret s\n";
    let (file, d) = parse(unterminated);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0002");
    assert_eq!(&unterminated[d[0].span.clone()], "\"abc");
    // The procedure is kept without its broken `label` line (recovery per item).
    assert_eq!(file.items.len(), 2);

    let d = errors("procedure p: follow_up { label \"a\\qb\" }\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0003");
    assert_eq!(d[0].span, 33..35);

    let d = errors("audience a = \"\\u{110000}\"\n");
    assert_eq!(d[0].code, "E0003");

    let d = errors("var v: int { default 99999999999999999999 }\n");
    assert_eq!(d[0].code, "E0004");
    let d =
        errors("procedure p: api_call { request GET \"u\" { timeout 99999999999999999999m } }\n");
    assert_eq!(d[0].code, "E0004");

    let d = errors("secret a €\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0001");
    assert!(d[0].message.contains('€'));
}

#[test]
fn interpolation_where_plain_string_is_needed() {
    let d = errors("source s = \"id{x}\"\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0001");
    assert!(d[0].message.contains("interpolation"));
    assert_eq!(d[0].span, 15..16);
    let d = errors("test \"t\" { answer y }\n");
    assert_eq!(d.len(), 1);
    let d = errors("test \"t\" { answer [x] }\n");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("literal"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("audience a = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    let d = errors(&deep);
    assert!(!d.is_empty());
    let negs = format!("audience a = {}1\n", "not ".repeat(5000));
    let _ = errors(&negs);
    let strings = format!("audience a = {}\n", "\"{".repeat(3000));
    assert!(!errors(&strings).is_empty());
}

#[test]
fn byte_order_mark_and_crlf_line_ends() {
    let file = parse_ok("\u{FEFF}/// Doc.\r\nsecret a\r\nvar v: int {\r\n  ask \"a\"\r\n}\r\n");
    assert_eq!(file.items.len(), 2);
    assert_eq!(file.items[0].doc.as_deref(), Some("Doc."));
}

#[test]
fn help_shows_the_form_of_the_declaration() {
    let d = errors("procedure p follow_up {\n}\n");
    assert_eq!(d.len(), 1);
    assert!(
        d[0].help
            .as_deref()
            .is_some_and(|h| h.contains("procedure NAME: KIND"))
    );
    assert_eq!(d[0].primary_label, "expected `:`");
}

#[test]
fn a_large_file_parses_in_source_order_with_every_error() {
    // Large enough to be parsed by several threads: their runs must join seamlessly.
    let mut text = String::new();
    let mut broken = Vec::new();
    for i in 0..4000 {
        if i % 500 == 7 {
            broken.push(text.len() + "audience a{i} = ".len());
            text.push_str(&format!("audience a{i} = customer.plan ==\n"));
        } else {
            text.push_str(&format!(
                "procedure p{i}: follow_up {{\n  label \"Question {i}\"\n  question \"What about {i}?\"\n  trigger always\n}}\n"
            ));
        }
    }
    assert!(text.len() > 256 * 1024);
    let (file, diagnostics) = parse(&text);
    assert_eq!(file.items.len(), 4000 - broken.len());
    let starts: Vec<usize> = file.items.iter().map(|item| item.span.start).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "items out of order");
    assert_eq!(diagnostics.len(), broken.len(), "{diagnostics:#?}");
    for (diagnostic, at) in diagnostics.iter().zip(&broken) {
        assert_eq!(diagnostic.code, "E0001");
        assert!(diagnostic.span.start > *at, "{diagnostic:?} before {at}");
        assert!(
            diagnostic.span.start < at + 40,
            "{diagnostic:?} far from {at}"
        );
    }
}

#[test]
fn conditional_expressions_nest_and_bind_loosely_in_their_else() {
    assert_eq!(
        show(&expr("if vip then \"Dear\" else \"Hi\"")),
        "(if vip then \"Dear\" else \"Hi\")"
    );
    // `else` extends as far as an expression can; `then` stops at `else`.
    assert_eq!(
        show(&expr("if a then 1 else 2 + 3")),
        "(if a then 1 else (2 Add 3))"
    );
    assert_eq!(
        show(&expr("(if a then 1 else 2) + 3")),
        "((if a then 1 else 2) Add 3)"
    );
    assert_eq!(
        show(&expr("if a then if b then 1 else 2 else 3")),
        "(if a then (if b then 1 else 2) else 3)"
    );
    assert_eq!(
        show(&expr(
            "weekday(today(\"Europe/Amsterdam\")) in [\"saturday\", \"sunday\"]"
        )),
        "(weekday(today(\"Europe/Amsterdam\")) In [\"saturday\", \"sunday\"])"
    );
}

#[test]
fn require_items_and_revision_2_test_statements() {
    let file = parse_ok(
        r#"procedure p: follow_up {
  label "L"
  question "Q?"
  require amount <= 500 else "At most 500, please."
  require if vip then true else amount < 100 else "Only VIPs go above 100."
}
test "dates" {
  at "2026-03-02T09:30:00Z"
  click p { amount: 3 }
  click p
  expect error not_offered
}
"#,
    );
    let ItemKind::Procedure(p) = &file.items[0].kind else {
        panic!("procedure")
    };
    let requires: Vec<String> = p
        .items
        .iter()
        .filter_map(|item| match &item.kind {
            ProcItemKind::Require { cond, message } => {
                Some(format!("{} / {:?}", show(cond), text(message)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        requires,
        [
            "(amount Le 500) / \"At most 500, please.\"",
            "(if vip then true else (amount Lt 100)) / \"Only VIPs go above 100.\"",
        ]
    );
    let ItemKind::Test(test) = &file.items[1].kind else {
        panic!("test")
    };
    assert!(
        matches!(&test.steps[0].kind, TestStepKind::At(t) if t.value == "2026-03-02T09:30:00Z")
    );
    assert!(matches!(
        &test.steps[1].kind,
        TestStepKind::ClickWith { procedure, vars } if procedure.name == "p" && vars.len() == 1
    ));
    assert!(matches!(&test.steps[2].kind, TestStepKind::Click(name) if name.name == "p"));
    assert!(
        matches!(&test.steps[3].kind, TestStepKind::ExpectError(code) if code.name == "not_offered")
    );
}

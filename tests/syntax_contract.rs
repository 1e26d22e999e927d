//! The contract's §2 example parses without diagnostics, into the expected AST.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::syntax::ast::*;
use procc::syntax::parse_file;

const EXAMPLE: &str = include_str!("fixtures/contract_example.proc");

fn parsed() -> SourceFile {
    let (file, diagnostics) = parse_file(FileId(0), EXAMPLE);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    file
}

fn procedure<'a>(file: &'a SourceFile, name: &str) -> &'a ProcedureDecl {
    file.items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Procedure(p) if p.name.name == name => Some(p),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no procedure {name}"))
}

fn text_of(template: &Template) -> String {
    template
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Text { value, .. } => value.clone(),
            TemplatePart::Expr(_) => "{}".to_string(),
        })
        .collect()
}

#[test]
fn every_declaration_parses_in_order() {
    let file = parsed();
    let kinds: Vec<&str> = file
        .items
        .iter()
        .map(|item| match &item.kind {
            ItemKind::Use(_) => "use",
            ItemKind::Customer(_) => "customer",
            ItemKind::Knowledge(_) => "knowledge",
            ItemKind::Component(_) => "component",
            ItemKind::Audience(_) => "audience",
            ItemKind::Secret(_) => "secret",
            ItemKind::Type(_) => "type",
            ItemKind::Var(_) => "var",
            ItemKind::Lookup(_) => "lookup",
            ItemKind::Procedure(_) => "procedure",
            ItemKind::Test(_) => "test",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "use",
            "type",
            "customer",
            "knowledge",
            "knowledge",
            "knowledge",
            "component",
            "audience",
            "audience",
            "secret",
            "var",
            "procedure",
            "procedure",
            "procedure",
            "procedure",
            "procedure",
            "procedure",
            "procedure",
            "test",
        ]
    );
    for item in &file.items {
        assert!(!EXAMPLE[item.span.clone()].trim().is_empty());
    }
}

#[test]
fn use_customer_and_docs() {
    let file = parsed();
    let ItemKind::Use(use_decl) = &file.items[0].kind else {
        panic!("not a use")
    };
    assert_eq!(use_decl.module.name, "types");
    let UseNames::List(names) = &use_decl.names else {
        panic!("not a list")
    };
    assert_eq!(
        names.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["email", "phone"]
    );
    let customer = &file.items[2];
    assert_eq!(
        customer.doc.as_deref(),
        Some("What the host platform knows about the customer, given at session start.")
    );
    let ItemKind::Customer(decl) = &customer.kind else {
        panic!("not customer")
    };
    let vip = &decl.fields[3];
    assert_eq!(vip.name.name, "vip");
    assert!(vip.ty.optional);
    assert_eq!(&EXAMPLE[vip.ty.span.clone()], "bool?");
    let var = file
        .items
        .iter()
        .find(|i| matches!(i.kind, ItemKind::Var(_)))
        .expect("a var");
    assert!(
        var.doc
            .as_deref()
            .is_some_and(|d| d.starts_with("A conversation variable"))
    );
}

#[test]
fn refinement_type_keeps_regex_quantifiers() {
    let file = parsed();
    let ItemKind::Type(ty) = &file.items[1].kind else {
        panic!("not a type")
    };
    assert_eq!(ty.name.name, "order_number");
    let Some(Expr {
        kind: ExprKind::Call(name, args),
        ..
    }) = &ty.check
    else {
        panic!("no call")
    };
    assert_eq!(name.name, "matches");
    let ExprKind::Str(regex) = &args[1].kind else {
        panic!("not a string")
    };
    assert_eq!(regex.parts.len(), 1);
    assert_eq!(text_of(regex), "^[A-Z]{2}[0-9]{6}$");
    assert_eq!(
        text_of(ty.message.as_ref().expect("message")),
        "Order numbers look like AB123456."
    );
}

#[test]
fn audiences_and_component() {
    let file = parsed();
    let ItemKind::Audience(benelux) = &file.items[8].kind else {
        panic!("not an audience")
    };
    let ExprKind::Binary(BinaryOp::In, left, right) = &benelux.expr.kind else {
        panic!("not in: {:?}", benelux.expr)
    };
    assert!(matches!(&left.kind, ExprKind::Customer(attr) if attr.name == "country"));
    assert!(matches!(&right.kind, ExprKind::List(items) if items.len() == 3));
    let ItemKind::Component(component) = &file.items[6].kind else {
        panic!("not a component")
    };
    assert_eq!(component.id.value, "calendar-booking");
    assert_eq!(component.input.len(), 2);
    assert_eq!(component.output[0].name.name, "slot");
}

#[test]
fn request_block_items() {
    let file = parsed();
    let refund = procedure(&file, "refund_order");
    let request = refund
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Request(r) => Some(r),
            _ => None,
        })
        .expect("a request");
    assert_eq!(request.method.name, "POST");
    assert_eq!(text_of(&request.url), "https://api.shop.example/refunds");
    assert_eq!(request.items.len(), 4);
    let RequestItemKind::Header { name, value } = &request.items[0].kind else {
        panic!("not a header")
    };
    assert_eq!(name.value, "Authorization");
    assert!(matches!(
        &value.parts[1],
        TemplatePart::Expr(Expr { kind: ExprKind::Secret(s), .. }) if s.name == "shop_token"
    ));
    let RequestItemKind::Body(body) = &request.items[1].kind else {
        panic!("not a body")
    };
    assert_eq!(
        body.iter()
            .map(|f| f.name.name.as_str())
            .collect::<Vec<_>>(),
        ["order", "reason", "email"]
    );
    assert!(matches!(&request.items[2].kind, RequestItemKind::Timeout(d) if d.millis == 5000));
    assert!(matches!(&request.items[3].kind, RequestItemKind::Retry(n) if n.value == 2));
    assert!(
        refund
            .items
            .iter()
            .any(|i| i.kind == ProcItemKind::Irreversible)
    );
    let on_failure = refund
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::OnFailure(stmts) => Some(stmts),
            _ => None,
        })
        .expect("on failure");
    assert_eq!(on_failure.len(), 2);
    assert!(matches!(&on_failure[1].kind, StmtKind::Offer(p) if p.name == "human"));
    let approve = refund
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Approve { by, by_span, .. } => Some((*by, by_span.clone())),
            _ => None,
        })
        .expect("approve");
    assert_eq!(approve.0, Approver::Customer);
    assert_eq!(&EXAMPLE[approve.1], "customer");
    let reason = refund
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Var(v) if v.name.name == "reason" => Some(v),
            _ => None,
        })
        .expect("reason");
    assert!(
        matches!(&reason.ty.kind, TypeExprKind::OneOf(c) if c.len() == 3 && c[1].value == "late")
    );
}

#[test]
fn template_with_a_nested_string() {
    let file = parsed();
    let human = procedure(&file, "human");
    let note = human
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Note(t) => Some(t),
            _ => None,
        })
        .expect("a note");
    assert_eq!(note.parts.len(), 3);
    let TemplatePart::Text { value, span } = &note.parts[0] else {
        panic!("text first")
    };
    assert_eq!(value, "Customer ");
    assert_eq!(&EXAMPLE[span.clone()], "Customer ");
    let TemplatePart::Expr(expr) = &note.parts[1] else {
        panic!("expr second")
    };
    let ExprKind::Binary(BinaryOp::Coalesce, left, right) = &expr.kind else {
        panic!("not ??")
    };
    assert!(matches!(&left.kind, ExprKind::Name(n) if n.name == "email"));
    assert!(matches!(&right.kind, ExprKind::Str(t) if text_of(t) == "unknown"));
    assert_eq!(&EXAMPLE[expr.span.clone()], "email ?? \"unknown\"");
    let triggers = human
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Trigger(t) => Some(t),
            _ => None,
        })
        .expect("triggers");
    assert_eq!(triggers[0].kind, TriggerKind::NegativeFeedback);
    assert_eq!(triggers[1].kind, TriggerKind::Unanswered);
}

#[test]
fn raw_script_is_dedented_with_line_starts() {
    let file = parsed();
    let size_guide = procedure(&file, "size_guide");
    let script = size_guide
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Script(s) => Some(s),
            _ => None,
        })
        .expect("a script");
    assert_eq!(script.code, "window.SizeGuide.open({ sku: args.sku });");
    assert_eq!(script.line_starts.len(), 1);
    let start = script.line_starts[0];
    assert!(EXAMPLE[start..].starts_with("window.SizeGuide"));
}

#[test]
fn component_procedure_items() {
    let file = parsed();
    let book = procedure(&file, "book_demo");
    assert_eq!(book.kind.name, "component");
    let seats = book
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Var(v) if v.name.name == "seats" => Some(v),
            _ => None,
        })
        .expect("seats");
    let VarItemKind::Check { expr, message } = &seats.items[1].kind else {
        panic!("not a check")
    };
    assert!(matches!(&expr.kind, ExprKind::Binary(BinaryOp::And, _, _)));
    assert_eq!(text_of(message), "Please give a number from 1 to 100000.");
    let open = book
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ProcItemKind::Open { component, inputs } => Some((component, inputs)),
            _ => None,
        })
        .expect("open");
    assert_eq!(open.0.name, "booking");
    assert_eq!(open.1.len(), 2);
    let on_success = book.items.iter().find_map(|i| match &i.kind {
        ProcItemKind::OnSuccess(s) => Some(s),
        _ => None,
    });
    let Some(
        [
            Stmt {
                kind: StmtKind::Say(say),
                ..
            },
        ],
    ) = on_success.map(Vec::as_slice)
    else {
        panic!("one say")
    };
    assert!(matches!(
        &say.parts[1],
        TemplatePart::Expr(Expr { kind: ExprKind::Field(base, f), .. })
            if f.name == "slot" && matches!(&base.kind, ExprKind::Name(n) if n.name == "result")
    ));
}

#[test]
fn test_block_steps() {
    let file = parsed();
    let Some(ItemKind::Test(test)) = file.items.last().map(|i| &i.kind) else {
        panic!("test last")
    };
    assert_eq!(test.name.value, "a refund needs the customer's approval");
    assert_eq!(test.steps.len(), 19);
    let TestStepKind::Customer(fields) = &test.steps[0].kind else {
        panic!("customer")
    };
    assert!(matches!(&fields[2].value.kind, ExprKind::Int(3)));
    assert!(
        matches!(&test.steps[1].kind, TestStepKind::Secret { name, value }
        if name.name == "shop_token" && value.value == "t0k")
    );
    assert!(matches!(&test.steps[2].kind, TestStepKind::SendFaq(f) if f.name == "refunds"));
    assert!(matches!(&test.steps[3].kind, TestStepKind::ExpectOffer(p) if p.len() == 2));
    assert!(matches!(&test.steps[4].kind, TestStepKind::Click(p) if p.name == "refund_order"));
    assert!(matches!(&test.steps[5].kind, TestStepKind::ExpectAsk(v) if v.name == "email"));
    assert!(matches!(&test.steps[9].kind, TestStepKind::ExpectInvalid(v) if v.name == "order_id"));
    assert_eq!(test.steps[13].kind, TestStepKind::ExpectApprove);
    assert_eq!(test.steps[14].kind, TestStepKind::Approve);
    assert!(
        matches!(&test.steps[15].kind, TestStepKind::ExpectRequest { method, url }
        if method.name == "POST" && url.value == "https://api.shop.example/refunds")
    );
    let TestStepKind::Respond { status, body } = &test.steps[16].kind else {
        panic!("respond")
    };
    assert_eq!(status.value, 200);
    assert!(matches!(&body.as_ref().map(|b| &b.kind), Some(ExprKind::Object(f)) if f.len() == 1));
    assert!(matches!(&test.steps[17].kind, TestStepKind::ExpectSay(s)
        if s.value == "Done: refund R-1 is on its way."));
    assert!(
        matches!(&test.steps[18].kind, TestStepKind::ExpectDone { procedure, outcome }
        if procedure.name == "refund_order" && outcome.name == "completed")
    );
    assert_eq!(
        &EXAMPLE[test.steps[18].span.clone()],
        "expect done refund_order completed"
    );
}

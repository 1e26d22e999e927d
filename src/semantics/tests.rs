//! Analysis of hand-built trees (the UI tests in `tests/ui/` cover parsed files).

use super::analyze;
use crate::diagnostics::Sources;
use crate::syntax::ast::*;

fn id(name: &str, at: usize) -> Ident {
    Ident {
        name: name.to_string(),
        span: at..at + name.len(),
    }
}

fn expr(kind: ExprKind, at: usize) -> Expr {
    Expr {
        kind,
        span: at..at + 1,
    }
}

fn template(parts: Vec<TemplatePart>, at: usize) -> Template {
    Template {
        parts,
        span: at..at + 1,
    }
}

fn text(value: &str, at: usize) -> Template {
    template(
        vec![TemplatePart::Text {
            value: value.to_string(),
            span: at..at + 1,
        }],
        at,
    )
}

fn item(kind: ItemKind, at: usize) -> Item {
    Item {
        doc: None,
        span: at..at + 1,
        kind,
    }
}

fn proc_item(kind: ProcItemKind, at: usize) -> ProcItem {
    ProcItem {
        kind,
        span: at..at + 1,
    }
}

fn procedure(name: &str, kind: &str, items: Vec<ProcItem>, at: usize) -> Item {
    item(
        ItemKind::Procedure(ProcedureDecl {
            name: id(name, at),
            kind: id(kind, at + 20),
            items,
        }),
        at,
    )
}

fn codes_of(items: Vec<Item>) -> Vec<&'static str> {
    let mut sources = Sources::new();
    let file = sources.add("t.proc", " ".repeat(2000));
    let files = vec![SourceFile {
        id: file,
        items,
        broken: Vec::new(),
    }];
    let mut codes: Vec<&str> = analyze(&files, &sources, &[])
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect();
    codes.sort();
    codes
}

fn always(at: usize) -> ProcItem {
    proc_item(
        ProcItemKind::Trigger(vec![Trigger {
            kind: TriggerKind::Always,
            span: at..at + 1,
        }]),
        at,
    )
}

#[test]
fn a_clean_follow_up_has_no_diagnostics() {
    let p = procedure(
        "p",
        "follow_up",
        vec![
            proc_item(ProcItemKind::Label(text("Hi", 100)), 100),
            proc_item(ProcItemKind::Question(text("Why?", 110)), 110),
            always(120),
        ],
        10,
    );
    assert_eq!(codes_of(vec![p]), Vec::<&str>::new());
}

#[test]
fn unknown_kind_and_missing_label_are_both_reported() {
    let p = procedure("p", "folow_up", vec![always(120)], 10);
    assert_eq!(codes_of(vec![p]), vec!["E0103", "E0131"]);
}

#[test]
fn a_secret_in_say_is_refused_and_optional_attributes_need_a_default() {
    let secret = item(ItemKind::Secret(id("token", 300)), 300);
    let customer = item(
        ItemKind::Customer(CustomerDecl {
            fields: vec![Field {
                doc: None,
                name: id("vip", 400),
                ty: TypeExpr {
                    kind: TypeExprKind::Named(id("bool", 405)),
                    optional: true,
                    span: 405..410,
                },
            }],
        }),
        400,
    );
    let say = Stmt {
        kind: StmtKind::Say(template(
            vec![TemplatePart::Expr(expr(
                ExprKind::Secret(id("token", 150)),
                150,
            ))],
            150,
        )),
        span: 150..160,
    };
    let p = procedure(
        "p",
        "javascript",
        vec![
            proc_item(ProcItemKind::Label(text("Hi", 100)), 100),
            proc_item(
                ProcItemKind::When(expr(ExprKind::Customer(id("vip", 130)), 130)),
                130,
            ),
            proc_item(
                ProcItemKind::Script(Script {
                    code: "go()".to_string(),
                    span: 140..145,
                    line_starts: vec![141],
                }),
                140,
            ),
            proc_item(ProcItemKind::OnSuccess(vec![say]), 150),
            always(170),
        ],
        10,
    );
    assert_eq!(codes_of(vec![secret, customer, p]), vec!["E0111", "E0160"]);
}

//! Code generation over a hand-built AST (the shape of the contract's example): the
//! module has the documented layout and passes the bundle verifier.
#![cfg(feature = "compiler")]

use procc::bundle::{encode, load, verify};
use procc::codegen::generate;
use procc::codegen::isa::{Instr, Method, Outcome, Reason};
use procc::codegen::module::{BUILTIN_TYPES, DepKind, Kind};
use procc::diagnostics::Sources;
use procc::semantics::{Analysis, VarGraph};
use procc::syntax::ast::*;

fn id(name: &str) -> Ident {
    Ident {
        name: name.into(),
        span: 0..1,
    }
}
fn lit(s: &str) -> StrLit {
    StrLit {
        value: s.into(),
        span: 0..1,
    }
}
fn ex(kind: ExprKind) -> Expr {
    Expr { kind, span: 0..1 }
}
fn name(n: &str) -> Expr {
    ex(ExprKind::Name(id(n)))
}
fn int(i: i64) -> Expr {
    ex(ExprKind::Int(i))
}
fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    ex(ExprKind::Binary(op, Box::new(l), Box::new(r)))
}
fn text(s: &str) -> TemplatePart {
    TemplatePart::Text {
        value: s.into(),
        span: 0..1,
    }
}
fn tpl(parts: Vec<TemplatePart>) -> Template {
    Template { parts, span: 0..1 }
}
fn plain(s: &str) -> Template {
    tpl(vec![text(s)])
}
fn str_expr(s: &str) -> Expr {
    ex(ExprKind::Str(plain(s)))
}
fn ty(n: &str) -> TypeExpr {
    TypeExpr {
        kind: TypeExprKind::Named(id(n)),
        optional: false,
        span: 0..1,
    }
}
fn item(kind: ItemKind, at: usize) -> Item {
    Item {
        doc: None,
        span: at..at + 1,
        kind,
    }
}
fn pi(kind: ProcItemKind, at: usize) -> ProcItem {
    ProcItem {
        kind,
        span: at..at + 1,
    }
}
fn vi(kind: VarItemKind) -> VarItem {
    VarItem { kind, span: 0..1 }
}
fn var(n: &str, t: TypeExpr, items: Vec<VarItemKind>) -> VarDecl {
    VarDecl {
        name: id(n),
        ty: t,
        items: items.into_iter().map(vi).collect(),
        span: 0..1,
    }
}
fn stmt(kind: StmtKind) -> Stmt {
    Stmt { kind, span: 0..1 }
}
fn field(n: &str, t: &str) -> Field {
    Field {
        doc: None,
        name: id(n),
        ty: ty(t),
    }
}
fn init(n: &str, value: Expr) -> FieldInit {
    FieldInit { name: id(n), value }
}
fn procedure(n: &str, kind: &str, items: Vec<ProcItemKind>) -> ItemKind {
    ItemKind::Procedure(ProcedureDecl {
        name: id(n),
        kind: id(kind),
        items: items
            .into_iter()
            .enumerate()
            .map(|(i, k)| pi(k, i * 10))
            .collect(),
    })
}
fn trig(kind: TriggerKind) -> Trigger {
    Trigger { kind, span: 0..1 }
}

/// The standard library file: `type email` and an unused `type phone`.
fn stdlib(file: FileId) -> SourceFile {
    let check = |re: &str| {
        ex(ExprKind::Call(
            id("matches"),
            vec![name("value"), str_expr(re)],
        ))
    };
    SourceFile {
        id: file,
        items: vec![
            item(
                ItemKind::Type(TypeDecl {
                    name: id("email"),
                    base: ty("text"),
                    check: Some(check("^[^@ ]+@[^@ ]+$")),
                    message: Some(plain("That does not look like an email address.")),
                }),
                0,
            ),
            item(
                ItemKind::Type(TypeDecl {
                    name: id("phone"),
                    base: ty("text"),
                    check: Some(check("^\\+[0-9]+$")),
                    message: Some(plain("Not a phone number.")),
                }),
                0,
            ),
        ],
        broken: Vec::new(),
    }
}

fn program(file: FileId) -> SourceFile {
    let items = vec![
        ItemKind::Customer(CustomerDecl {
            fields: vec![
                field("plan", "text"),
                field("country", "text"),
                Field {
                    doc: None,
                    name: id("vip"),
                    ty: TypeExpr {
                        optional: true,
                        ..ty("bool")
                    },
                },
            ],
        }),
        ItemKind::Knowledge(KnowledgeDecl {
            kind: KnowledgeKind::Source,
            name: id("pricing_page"),
            id: lit("src_pricing"),
        }),
        ItemKind::Knowledge(KnowledgeDecl {
            kind: KnowledgeKind::Faq,
            name: id("refunds"),
            id: lit("faq_refunds"),
        }),
        ItemKind::Knowledge(KnowledgeDecl {
            kind: KnowledgeKind::Topic,
            name: id("billing"),
            id: lit("billing"),
        }),
        ItemKind::Component(ComponentDecl {
            name: id("booking"),
            id: lit("calendar-booking"),
            input: vec![field("email", "email"), field("seats", "int")],
            output: vec![field("slot", "text")],
        }),
        ItemKind::Audience(AudienceDecl {
            name: id("enterprise"),
            expr: bin(
                BinaryOp::Eq,
                ex(ExprKind::Customer(id("plan"))),
                str_expr("enterprise"),
            ),
        }),
        ItemKind::Audience(AudienceDecl {
            name: id("benelux"),
            expr: bin(
                BinaryOp::In,
                ex(ExprKind::Customer(id("country"))),
                ex(ExprKind::List(vec![
                    str_expr("NL"),
                    str_expr("BE"),
                    str_expr("LU"),
                ])),
            ),
        }),
        ItemKind::Secret(id("shop_token")),
        ItemKind::Var(var(
            "email",
            ty("email"),
            vec![VarItemKind::Ask(plain("What's your email address?"))],
        )),
        procedure(
            "see_pricing",
            "redirect",
            vec![
                ProcItemKind::Label(plain("See our pricing")),
                ProcItemKind::Url(tpl(vec![
                    text("https://shop.example/pricing?plan="),
                    TemplatePart::Expr(ex(ExprKind::Customer(id("plan")))),
                ])),
                ProcItemKind::Trigger(vec![trig(TriggerKind::Source(id("pricing_page")))]),
            ],
        ),
        procedure(
            "refund_time",
            "follow_up",
            vec![
                ProcItemKind::Label(plain("How long does a refund take?")),
                ProcItemKind::Question(plain("How long does a refund take?")),
                ProcItemKind::Trigger(vec![trig(TriggerKind::Faq(id("refunds")))]),
            ],
        ),
        procedure(
            "billing_help",
            "switch_topic",
            vec![
                ProcItemKind::Label(plain("Talk about billing")),
                ProcItemKind::Topic(id("billing")),
                ProcItemKind::Trigger(vec![trig(TriggerKind::Unanswered)]),
            ],
        ),
        procedure(
            "book_demo",
            "component",
            vec![
                ProcItemKind::Label(plain("Book a demo")),
                ProcItemKind::Audience(vec![id("enterprise")]),
                ProcItemKind::Needs(vec![id("email")]),
                ProcItemKind::Var(var(
                    "seats",
                    ty("int"),
                    vec![
                        VarItemKind::Ask(plain("How many seats do you need?")),
                        VarItemKind::Check {
                            expr: bin(
                                BinaryOp::And,
                                bin(BinaryOp::Ge, name("seats"), int(1)),
                                bin(BinaryOp::Le, name("seats"), int(100000)),
                            ),
                            message: plain("Please give a number from 1 to 100000."),
                        },
                    ],
                )),
                ProcItemKind::Var(var(
                    "company",
                    ty("text"),
                    vec![
                        VarItemKind::Ask(plain("Which company are you with?")),
                        VarItemKind::When(bin(BinaryOp::Gt, name("seats"), int(50))),
                    ],
                )),
                ProcItemKind::Open {
                    component: id("booking"),
                    inputs: vec![init("email", name("email")), init("seats", name("seats"))],
                },
                ProcItemKind::OnSuccess(vec![stmt(StmtKind::Say(tpl(vec![
                    text("See you at "),
                    TemplatePart::Expr(ex(ExprKind::Field(Box::new(name("result")), id("slot")))),
                    text("!"),
                ])))]),
                ProcItemKind::Trigger(vec![trig(TriggerKind::Always)]),
            ],
        ),
        procedure(
            "refund_order",
            "api_call",
            vec![
                ProcItemKind::Label(plain("Refund my order")),
                ProcItemKind::Irreversible,
                ProcItemKind::Needs(vec![id("email")]),
                ProcItemKind::Var(var(
                    "order_id",
                    ty("text"),
                    vec![VarItemKind::Ask(plain("What's your order number?"))],
                )),
                ProcItemKind::Var(var(
                    "reason",
                    TypeExpr {
                        kind: TypeExprKind::OneOf(vec![lit("damaged"), lit("late"), lit("other")]),
                        optional: false,
                        span: 0..1,
                    },
                    vec![VarItemKind::Ask(plain("What went wrong?"))],
                )),
                ProcItemKind::Approve {
                    by: Approver::Customer,
                    by_span: 0..1,
                    prompt: tpl(vec![
                        text("Refund order "),
                        TemplatePart::Expr(name("order_id")),
                        text(" because it was "),
                        TemplatePart::Expr(name("reason")),
                        text("?"),
                    ]),
                },
                ProcItemKind::Request(RequestDecl {
                    method: id("POST"),
                    url: plain("https://api.shop.example/refunds"),
                    items: vec![
                        RequestItem {
                            kind: RequestItemKind::Header {
                                name: lit("Authorization"),
                                value: tpl(vec![
                                    text("Bearer "),
                                    TemplatePart::Expr(ex(ExprKind::Secret(id("shop_token")))),
                                ]),
                            },
                            span: 0..1,
                        },
                        RequestItem {
                            kind: RequestItemKind::Body(vec![
                                init("order", name("order_id")),
                                init("reason", name("reason")),
                                init("email", name("email")),
                            ]),
                            span: 0..1,
                        },
                        RequestItem {
                            kind: RequestItemKind::Timeout(Duration {
                                millis: 5000,
                                span: 0..1,
                            }),
                            span: 0..1,
                        },
                        RequestItem {
                            kind: RequestItemKind::Retry(IntLit {
                                value: 2,
                                span: 0..1,
                            }),
                            span: 0..1,
                        },
                    ],
                }),
                ProcItemKind::Returns(vec![field("refund_id", "text")]),
                ProcItemKind::OnSuccess(vec![stmt(StmtKind::Say(tpl(vec![
                    text("Done: refund "),
                    TemplatePart::Expr(ex(ExprKind::Field(
                        Box::new(name("response")),
                        id("refund_id"),
                    ))),
                    text(" is on its way."),
                ])))]),
                ProcItemKind::OnFailure(vec![
                    stmt(StmtKind::Say(plain("Sorry, that did not work."))),
                    stmt(StmtKind::Offer(id("human"))),
                ]),
                ProcItemKind::Trigger(vec![trig(TriggerKind::Faq(id("refunds")))]),
            ],
        ),
        procedure(
            "human",
            "live_chat",
            vec![
                ProcItemKind::Label(plain("Talk to a person")),
                ProcItemKind::Escalation,
                ProcItemKind::Queue(plain("tier-1")),
                ProcItemKind::Note(tpl(vec![
                    text("Customer "),
                    TemplatePart::Expr(bin(BinaryOp::Coalesce, name("email"), str_expr("unknown"))),
                    text(" asked for a person"),
                ])),
                ProcItemKind::Trigger(vec![
                    trig(TriggerKind::NegativeFeedback),
                    trig(TriggerKind::Unanswered),
                ]),
            ],
        ),
        procedure(
            "size_guide",
            "javascript",
            vec![
                ProcItemKind::Label(plain("Open the size guide")),
                ProcItemKind::Var(var(
                    "sku",
                    ty("text"),
                    vec![VarItemKind::Ask(plain("Which product?"))],
                )),
                ProcItemKind::Script(Script {
                    code: "window.SizeGuide.open({ sku: args.sku });".into(),
                    span: 0..1,
                    line_starts: vec![0],
                }),
                ProcItemKind::Args(vec![init("sku", name("sku"))]),
            ],
        ),
    ];
    let mut out = vec![item(
        ItemKind::Use(UseDecl {
            module: id("types"),
            names: UseNames::List(vec![id("email")]),
        }),
        0,
    )];
    out.extend(
        items
            .into_iter()
            .enumerate()
            .map(|(i, k)| item(k, 20 * (i + 1))),
    );
    SourceFile {
        id: file,
        items: out,
        broken: Vec::new(),
    }
}

fn build() -> (Vec<SourceFile>, Sources, Analysis) {
    let mut sources = Sources::new();
    let text: String = (0..400)
        .map(|i| if i % 20 == 0 { '\n' } else { ' ' })
        .collect();
    let user = sources.add("shop.proc", text);
    let std = sources.add("std/types.proc", "type email = text\ntype phone = text\n");
    let files = vec![program(user), stdlib(std)];
    let (graph, diagnostics) = VarGraph::build(&files);
    assert!(diagnostics.is_empty());
    let analysis = Analysis {
        diagnostics,
        imported: vec![(std, 0)],
        stdlib: vec![std],
        graph,
        date_literals: Default::default(),
    };
    (files, sources, analysis)
}

#[test]
fn the_example_lowers_to_a_module_that_verifies() {
    let (files, sources, analysis) = build();
    let m = generate(&files, &sources, &analysis).expect("lowers");
    if let Err(e) = verify(&m) {
        panic!("{e}\n{}", procc::bundle::disasm::disassemble(&m));
    }
    assert_eq!(load(&encode(&m)), Ok(m.clone()));

    // Built-in types first, then the used standard-library type and the one_of; the
    // unused `phone` is left out.
    let names: Vec<_> = m.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(&names[..6], &BUILTIN_TYPES);
    assert!(
        names.contains(&"email") && names.contains(&"one_of") && !names.contains(&"phone"),
        "{names:?}"
    );

    // Procedures and triggers in declaration order.
    let procs: Vec<_> = m
        .procedures
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(procs[0], ("see_pricing", Kind::Redirect));
    assert_eq!(procs[4], ("refund_order", Kind::ApiCall));
    assert_eq!(m.triggers.unanswered, vec![2, 5]);
    assert_eq!(m.triggers.by_faq, vec![vec![1, 4]]);
    assert_eq!(m.triggers.always, vec![3]);

    // Collection order from the graph, locals owned by their procedure.
    let var_names = |ids: &[u32]| {
        ids.iter()
            .map(|&v| m.vars[v as usize].name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        var_names(&m.procedures[3].collects),
        ["email", "seats", "company"]
    );
    assert_eq!(
        var_names(&m.procedures[4].collects),
        ["email", "order_id", "reason"]
    );
    let company = m.vars.iter().find(|v| v.name == "company").unwrap();
    assert_eq!(company.owner, Some(3));
    assert_eq!(company.deps.len(), 1);
    assert_eq!(company.deps[0].kind, DepKind::Guard);

    // The refund body: collect, approve, request, await, success, done; failure, done.
    let body = &m.chunks[m.procedures[4].body as usize].code;
    assert!(matches!(body[0], Instr::Collect(_)));
    let approve = body
        .iter()
        .position(|i| matches!(i, Instr::Approve(_)))
        .unwrap();
    let request = body.iter().position(|i| matches!(i, Instr::Request(s) if s.method == Method::Post && s.timeout_ms == 5000 && s.retry == 2)).unwrap();
    assert!(approve < request);
    assert!(matches!(body[request + 1], Instr::Await));
    assert!(matches!(body[request + 2], Instr::JumpIfFailed(_)));
    assert_eq!(
        body.iter()
            .filter(|i| matches!(i, Instr::Fail(Reason::Action)))
            .count(),
        1
    );
    // `on failure` is a chunk of its own, ending `failed`.
    let failure = m.procedures[4].outcomes.failure.expect("on failure chunk");
    let failure = &m.chunks[failure as usize].code;
    assert!(failure.iter().any(|i| matches!(i, Instr::Offer(5))));
    assert_eq!(failure.last(), Some(&Instr::Done(Outcome::Failed)));

    // `??` and `and` short-circuit with jumps; strings are interned once.
    let note = &m.chunks[m.procedures[5].body as usize].code;
    assert!(note.iter().any(|i| matches!(i, Instr::JumpIfPresent(_))));
    let unique: std::collections::HashSet<_> = m.strings.iter().collect();
    assert_eq!(unique.len(), m.strings.len());
    assert!(m.chunks.iter().all(|c| !c.lines.is_empty()));
}

#[test]
fn a_missing_name_is_an_error_not_a_panic() {
    let (mut files, sources, analysis) = build();
    files[0].items.push(item(
        procedure(
            "broken",
            "follow_up",
            vec![
                ProcItemKind::Label(plain("x")),
                ProcItemKind::Question(tpl(vec![TemplatePart::Expr(name("nowhere"))])),
            ],
        ),
        0,
    ));
    let e = generate(&files, &sources, &analysis).unwrap_err();
    assert!(e.message.contains("nowhere"), "{e}");
}

//! The §2 webshop, hand-assembled the way the code generator lowers it.

use std::sync::Arc;

use crate::codegen::isa::{
    Approver, BinaryOp, Builtin, Const, Instr, Method, Outcome, Reason, RequestSpec,
};
use crate::codegen::module::{ComponentDef, FieldDef, Kind, Knowledge, TriggerIndex};
use crate::vm::Program;

use super::builder::{BOOL, Builder, INT, P, TEXT, append, patch};

/// Appends `JumpIfFailed`, the success code, `Done(Completed)`, the failure code and
/// `Done(Failed)`.
fn outcomes(code: &mut Vec<Instr>, success: Vec<Instr>, failure: Vec<Instr>) {
    let at = code.len();
    code.push(Instr::JumpIfFailed(0));
    append(code, success);
    code.push(Instr::Done(Outcome::Completed));
    let target = code.len();
    patch(code, at, target);
    append(code, failure);
    code.push(Instr::Fail(Reason::Action));
}

pub(super) fn webshop() -> Arc<Program> {
    let mut b = Builder::new();
    let pattern = b.s("^[A-Z]{2}[0-9]{6}$");
    let order_number = b.refine(
        "order_number",
        TEXT,
        vec![Instr::LoadValue, Instr::Matches(pattern)],
        "Order numbers look like AB123456.",
    );
    let at = b.s("@");
    let email_ty = b.refine(
        "email",
        TEXT,
        vec![
            Instr::LoadValue,
            Instr::Str(at),
            Instr::Call(Builtin::Contains, 2),
        ],
        "Please give a valid email address.",
    );
    let reason_ty = b.one_of(&["damaged", "late", "other"]);

    let plan = b.customer("plan", TEXT, false);
    b.customer("country", TEXT, false);
    b.customer("orders", INT, false);
    b.customer("vip", BOOL, true);

    b.m.sources.push(Knowledge {
        name: "pricing_page".into(),
        id: "src_pricing".into(),
    });
    b.m.faqs.push(Knowledge {
        name: "refunds".into(),
        id: "faq_refunds".into(),
    });
    b.m.topics.push(Knowledge {
        name: "billing".into(),
        id: "billing".into(),
    });
    b.m.components.push(ComponentDef {
        name: "booking".into(),
        id: "calendar-booking".into(),
        input: vec![
            FieldDef {
                name: "email".into(),
                ty: email_ty,
                optional: false,
            },
            FieldDef {
                name: "seats".into(),
                ty: INT,
                optional: false,
            },
        ],
        output: vec![FieldDef {
            name: "slot".into(),
            ty: TEXT,
            optional: false,
        }],
    });
    let enterprise = b.s("enterprise");
    let enterprise = b.audience(
        "enterprise",
        vec![
            Instr::LoadCustomer(plan),
            Instr::Str(enterprise),
            Instr::Binary(BinaryOp::Eq),
        ],
    );
    b.m.secrets.push("shop_token".into());

    let see_pricing = b.proc("see_pricing", Kind::Redirect, "See our pricing");
    let refund_time = b.proc(
        "refund_time",
        Kind::FollowUp,
        "How long does a refund take?",
    );
    let billing_help = b.proc("billing_help", Kind::SwitchTopic, "Talk about billing");
    let book_demo = b.proc("book_demo", Kind::Component, "Book a demo");
    let refund_order = b.proc("refund_order", Kind::ApiCall, "Refund my order");
    let human = b.proc("human", Kind::LiveChat, "Talk to a person");
    let size_guide = b.proc("size_guide", Kind::Javascript, "Open the size guide");
    b.m.procedures[book_demo as usize].audiences = vec![enterprise];
    b.m.procedures[refund_order as usize].irreversible = true;
    b.m.procedures[refund_order as usize].returns = vec![FieldDef {
        name: "refund_id".into(),
        ty: TEXT,
        optional: false,
    }];
    b.m.procedures[human as usize].escalation = true;

    let email = b.var(
        "email",
        email_ty,
        None,
        &[P::T("What's your email address?")],
    );
    let seats = b.var(
        "seats",
        INT,
        Some(book_demo),
        &[P::T("How many seats do you need?")],
    );
    let one = b.k(Const::Int(1));
    let max = b.k(Const::Int(100_000));
    let seats_check = b.check(
        vec![
            Instr::LoadVar(seats),
            Instr::Const(one),
            Instr::Binary(BinaryOp::Ge),
            Instr::JumpIfFalseKeep(8),
            Instr::LoadVar(seats),
            Instr::Const(max),
            Instr::Binary(BinaryOp::Le),
            Instr::Jump(8),
        ],
        "Please give a number from 1 to 100000.",
    );
    b.m.vars[seats as usize].checks.push(seats_check);
    let company = b.var(
        "company",
        TEXT,
        Some(book_demo),
        &[P::T("Which company are you with?")],
    );
    let fifty = b.k(Const::Int(50));
    let when = b.expr(vec![
        Instr::LoadVar(seats),
        Instr::Const(fifty),
        Instr::Binary(BinaryOp::Gt),
    ]);
    b.m.vars[company as usize].when = Some(when);
    b.guard(company, seats);
    let order_id = b.var(
        "order_id",
        order_number,
        Some(refund_order),
        &[P::T("What's your order number?")],
    );
    let reason = b.var(
        "reason",
        reason_ty,
        Some(refund_order),
        &[P::T("What went wrong?")],
    );
    let sku = b.var("sku", TEXT, Some(size_guide), &[P::T("Which product?")]);

    // see_pricing
    let mut code = b.url_code(&[P::T("https://shop.example/pricing?plan="), P::C(plan)]);
    code.extend([Instr::Redirect, Instr::Done(Outcome::Completed)]);
    b.body(see_pricing, code);
    // refund_time
    let q = b.s("How long does a refund take?");
    b.body(
        refund_time,
        vec![
            Instr::Str(q),
            Instr::FollowUp,
            Instr::Done(Outcome::Completed),
        ],
    );
    // billing_help
    b.body(
        billing_help,
        vec![Instr::SwitchTopic(0), Instr::Done(Outcome::Completed)],
    );
    // book_demo
    let (k_email, k_seats) = (b.s("email"), b.s("seats"));
    let mut code = vec![
        Instr::Collect(email),
        Instr::Collect(seats),
        Instr::Collect(company),
        Instr::Str(k_email),
        Instr::LoadVar(email),
        Instr::Str(k_seats),
        Instr::LoadVar(seats),
        Instr::MakeObject(2),
        Instr::OpenComponent(0),
        Instr::Await,
    ];
    let say = b.tpl_code(&[P::T("See you at "), P::R("slot"), P::T("!")]);
    outcomes(&mut code, [say, vec![Instr::Say]].concat(), vec![]);
    b.body(book_demo, code);
    // refund_order
    let mut code = vec![
        Instr::Collect(email),
        Instr::Collect(order_id),
        Instr::Collect(reason),
    ];
    let piece = b.tpl_code(&[
        P::T("Refund order "),
        P::V(order_id),
        P::T(" because it was "),
        P::V(reason),
        P::T("?"),
    ]);
    append(&mut code, piece);
    code.push(Instr::Approve(Approver::Customer));
    code.push(Instr::Str(b.s("https://api.shop.example/refunds")));
    code.push(Instr::Str(b.s("Authorization")));
    let piece = b.tpl_code(&[P::T("Bearer "), P::S(0)]);
    append(&mut code, piece);
    code.push(Instr::MakeObject(1));
    code.push(Instr::MakeObject(0));
    let (k_order, k_reason) = (b.s("order"), b.s("reason"));
    code.extend([
        Instr::Str(k_order),
        Instr::LoadVar(order_id),
        Instr::Str(k_reason),
        Instr::LoadVar(reason),
        Instr::Str(k_email),
        Instr::LoadVar(email),
        Instr::MakeObject(3),
        Instr::Request(RequestSpec {
            method: Method::Post,
            timeout_ms: 5000,
            retry: 2,
        }),
        Instr::Await,
    ]);
    let done = b.tpl_code(&[
        P::T("Done: refund "),
        P::R("refund_id"),
        P::T(" is on its way."),
    ]);
    let sorry = b.s("Sorry, that did not work.");
    outcomes(
        &mut code,
        [done, vec![Instr::Say]].concat(),
        vec![Instr::Str(sorry), Instr::Say, Instr::Offer(human)],
    );
    b.body(refund_order, code);
    // human
    let tier = b.s("tier-1");
    let mut code = vec![Instr::Str(tier)];
    let piece = b.tpl_code(&[
        P::T("Customer "),
        P::VOr(email, "unknown"),
        P::T(" asked for a person"),
    ]);
    append(&mut code, piece);
    code.extend([Instr::LiveChat, Instr::Await]);
    outcomes(&mut code, vec![], vec![]);
    b.body(human, code);
    // size_guide
    let script = b.s("window.SizeGuide.open({ sku: args.sku });");
    let k_sku = b.s("sku");
    let mut code = vec![
        Instr::Collect(sku),
        Instr::Str(k_sku),
        Instr::LoadVar(sku),
        Instr::MakeObject(1),
        Instr::Javascript(script),
        Instr::Await,
    ];
    outcomes(&mut code, vec![], vec![]);
    b.body(size_guide, code);

    b.m.triggers = TriggerIndex {
        always: vec![book_demo, size_guide],
        negative_feedback: vec![human],
        unanswered: vec![billing_help, human],
        by_source: vec![vec![see_pricing]],
        by_faq: vec![vec![refund_time, refund_order]],
    };
    b.build()
}

/// A procedure whose variables depend on each other, with a staff approval:
/// `a: int`; `b: text when a > 5` (guard on `a`); `c: text`, asked with `b` in its
/// prompt (a prompt dependency only); `approve by staff "a={a} b={b ?? "-"} c={c}"`;
/// then a follow-up. Trigger: every message.
pub(super) fn chain() -> Arc<Program> {
    let mut b = Builder::new();
    let p = b.proc("plan", Kind::FollowUp, "Plan something");
    let a = b.var("a", INT, Some(p), &[P::T("a?")]);
    let bv = b.var("b", TEXT, Some(p), &[P::T("b?")]);
    let five = b.k(Const::Int(5));
    let when = b.expr(vec![
        Instr::LoadVar(a),
        Instr::Const(five),
        Instr::Binary(BinaryOp::Gt),
    ]);
    b.m.vars[bv as usize].when = Some(when);
    b.guard(bv, a);
    let c = b.var(
        "c",
        TEXT,
        Some(p),
        &[P::T("c, given "), P::VOr(bv, "-"), P::T("?")],
    );
    b.prompt_dep(c, bv);
    let mut code = vec![Instr::Collect(a), Instr::Collect(bv), Instr::Collect(c)];
    let piece = b.tpl_code(&[
        P::T("a="),
        P::V(a),
        P::T(" b="),
        P::VOr(bv, "-"),
        P::T(" c="),
        P::V(c),
    ]);
    append(&mut code, piece);
    code.push(Instr::Approve(Approver::Staff));
    let q = b.s("Planned.");
    code.extend([
        Instr::Str(q),
        Instr::FollowUp,
        Instr::Done(Outcome::Completed),
    ]);
    b.body(p, code);
    b.m.triggers.always = vec![p];
    b.build()
}

/// Every value type through one follow-up `echo` (trigger: every message): locals
/// `n: number`, `d: date`, `ok: bool`, `j: json`, `g: text` (default `"hi"`), then
/// `save last = n * 2` (a conversation variable with no `ask`) and the question
/// `"n={n} d={d} ok={ok} j={j} g={g} last={last}"`.
pub(super) fn kinds() -> Arc<Program> {
    use super::builder::{DATE, JSON, NUMBER};
    let mut b = Builder::new();
    let p = b.proc("echo", Kind::FollowUp, "Echo");
    let n = b.var("n", NUMBER, Some(p), &[P::T("n?")]);
    let d = b.var("d", DATE, Some(p), &[P::T("d?")]);
    let ok = b.var("ok", BOOL, Some(p), &[P::T("ok?")]);
    let j = b.var("j", JSON, Some(p), &[P::T("j?")]);
    let g = b.var("g", TEXT, Some(p), &[P::T("g?")]);
    let hi = b.s("hi");
    let default = b.expr(vec![Instr::Str(hi)]);
    b.m.vars[g as usize].default = Some(default);
    let last = b.var("last", NUMBER, None, &[P::T("last?")]);
    let two = b.k(Const::Int(2));
    let mut code = vec![
        Instr::Collect(n),
        Instr::Collect(d),
        Instr::Collect(ok),
        Instr::Collect(j),
        Instr::Collect(g),
    ];
    code.extend([
        Instr::LoadVar(n),
        Instr::Const(two),
        Instr::Binary(BinaryOp::Mul),
        Instr::Save(last),
    ]);
    let piece = b.tpl_code(&[
        P::T("n="),
        P::V(n),
        P::T(" d="),
        P::V(d),
        P::T(" ok="),
        P::V(ok),
        P::T(" j="),
        P::V(j),
        P::T(" g="),
        P::V(g),
        P::T(" last="),
        P::VOr(last, "?"),
    ]);
    append(&mut code, piece);
    code.extend([Instr::FollowUp, Instr::Done(Outcome::Completed)]);
    b.body(p, code);
    b.m.triggers.always = vec![p];
    b.build()
}

//! Every byte offset of a parse, visited mutably: the spans of the AST (and a script's
//! line starts) and those of syntax diagnostics and their labels.
//!
//! The incremental parse ([`super::incremental`]) reuses a declaration's parse when
//! only its position in the file changed; [`shift`] moves every offset of that parse by
//! the distance the declaration moved. The walk is written once, here, for every node
//! type, and its matches name every variant (no `_` arm): a new node or variant does
//! not compile until it says where its offsets are, so none is left behind unshifted.

use super::ast::*;
use crate::diagnostics::{Diagnostic, Label};

/// A value holding byte offsets into a file.
pub(crate) trait Offsets {
    /// Calls `visit` on every byte offset held, in no particular order.
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F);
}

/// Moves every offset of `value` that lies at or after `from` to the same distance
/// after `to` (a declaration's parse moving with the declaration). Saturating, so that
/// no input can make it panic.
pub(crate) fn shift<T: Offsets + ?Sized>(value: &mut T, from: usize, to: usize) {
    if from == to {
        return;
    }
    value.offsets(&mut |offset| {
        *offset = if to > from {
            offset.saturating_add(to - from)
        } else {
            offset.saturating_sub(from - to)
        }
    });
}

impl Offsets for usize {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        visit(self);
    }
}

impl Offsets for Span {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        visit(&mut self.start);
        visit(&mut self.end);
    }
}

impl<T: Offsets> Offsets for [T] {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        for item in self {
            item.offsets(visit);
        }
    }
}

impl<T: Offsets> Offsets for Vec<T> {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        self.as_mut_slice().offsets(visit);
    }
}

impl<T: Offsets> Offsets for Option<T> {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        if let Some(value) = self {
            value.offsets(visit);
        }
    }
}

impl<T: Offsets + ?Sized> Offsets for Box<T> {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        (**self).offsets(visit);
    }
}

/// `Offsets` for structs: each listed field holds offsets (the others, such as names
/// and values, hold none).
macro_rules! fields {
    ($($ty:ty => $($field:ident),+;)*) => {
        $(impl Offsets for $ty {
            fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
                $(self.$field.offsets(visit);)+
            }
        })*
    };
}

fields! {
    Diagnostic => span, labels;
    Label => span;
    SourceFile => items, broken;
    Item => span, kind;
    Ident => span;
    StrLit => span;
    IntLit => span;
    Duration => span;
    UseDecl => module, names;
    CustomerDecl => fields;
    Field => name, ty;
    KnowledgeDecl => name, id;
    ComponentDecl => name, id, input, output;
    AudienceDecl => name, expr;
    TypeDecl => name, base, check, message;
    TypeExpr => kind, span;
    VarDecl => name, ty, items, span;
    VarItem => kind, span;
    LookupDecl => name, items, span;
    LookupItem => kind, span;
    ProcedureDecl => name, kind, items;
    ProcItem => kind, span;
    Trigger => kind, span;
    FieldInit => name, value;
    RequestDecl => method, url, items;
    RequestItem => kind, span;
    Script => span, line_starts;
    Stmt => kind, span;
    IfStmt => branches, otherwise, else_span;
    IfBranch => cond, body;
    Template => parts, span;
    TestDecl => name, steps;
    TestStep => kind, span;
}

impl Offsets for ItemKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            ItemKind::Use(decl) => decl.offsets(visit),
            ItemKind::Customer(decl) => decl.offsets(visit),
            ItemKind::Knowledge(decl) => decl.offsets(visit),
            ItemKind::Component(decl) => decl.offsets(visit),
            ItemKind::Audience(decl) => decl.offsets(visit),
            ItemKind::Secret(name) => name.offsets(visit),
            ItemKind::Type(decl) => decl.offsets(visit),
            ItemKind::Var(decl) => decl.offsets(visit),
            ItemKind::Lookup(decl) => decl.offsets(visit),
            ItemKind::Procedure(decl) => decl.offsets(visit),
            ItemKind::Test(decl) => decl.offsets(visit),
        }
    }
}

impl Offsets for UseNames {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            UseNames::All(star) => star.offsets(visit),
            UseNames::List(names) => names.offsets(visit),
        }
    }
}

impl Offsets for TypeExprKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            TypeExprKind::Named(name) => name.offsets(visit),
            TypeExprKind::OneOf(values) => values.offsets(visit),
            TypeExprKind::List(item) => item.offsets(visit),
            TypeExprKind::Record(fields) => fields.offsets(visit),
        }
    }
}

impl Offsets for VarItemKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            VarItemKind::Ask(template) | VarItemKind::Invalid(template) => template.offsets(visit),
            VarItemKind::When(expr)
            | VarItemKind::Default(expr)
            | VarItemKind::Choices(expr)
            | VarItemKind::Suggestions(expr) => expr.offsets(visit),
            VarItemKind::Check { expr, message } => {
                expr.offsets(visit);
                message.offsets(visit);
            }
            VarItemKind::Attempts(count) => count.offsets(visit),
        }
    }
}

impl Offsets for LookupItemKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            LookupItemKind::Request(request) => request.offsets(visit),
            LookupItemKind::Returns(fields) => fields.offsets(visit),
            LookupItemKind::When(expr) => expr.offsets(visit),
            LookupItemKind::Reversible => {}
        }
    }
}

impl Offsets for ProcItemKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            ProcItemKind::Label(template)
            | ProcItemKind::Description(template)
            | ProcItemKind::Question(template)
            | ProcItemKind::Url(template)
            | ProcItemKind::Queue(template)
            | ProcItemKind::Note(template) => template.offsets(visit),
            ProcItemKind::Trigger(triggers) => triggers.offsets(visit),
            ProcItemKind::Audience(names) | ProcItemKind::Needs(names) => names.offsets(visit),
            ProcItemKind::When(expr) => expr.offsets(visit),
            ProcItemKind::Escalation | ProcItemKind::Irreversible | ProcItemKind::Reversible => {}
            ProcItemKind::Var(decl) => decl.offsets(visit),
            ProcItemKind::Lookup(decl) => decl.offsets(visit),
            ProcItemKind::Approve {
                by: _,
                by_span,
                prompt,
            } => {
                by_span.offsets(visit);
                prompt.offsets(visit);
            }
            ProcItemKind::Open { component, inputs } => {
                component.offsets(visit);
                inputs.offsets(visit);
            }
            ProcItemKind::Topic(name) => name.offsets(visit),
            ProcItemKind::Request(request) => request.offsets(visit),
            ProcItemKind::Returns(fields) => fields.offsets(visit),
            ProcItemKind::Script(script) => script.offsets(visit),
            ProcItemKind::Args(inputs) => inputs.offsets(visit),
            ProcItemKind::OnSuccess(body)
            | ProcItemKind::OnFailure(body)
            | ProcItemKind::OnDenied(body)
            | ProcItemKind::OnCancelled(body) => body.offsets(visit),
            ProcItemKind::Require { cond, message } => {
                cond.offsets(visit);
                message.offsets(visit);
            }
        }
    }
}

impl Offsets for TriggerKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            TriggerKind::Always | TriggerKind::NegativeFeedback | TriggerKind::Unanswered => {}
            TriggerKind::Source(name) | TriggerKind::Faq(name) => name.offsets(visit),
        }
    }
}

impl Offsets for RequestItemKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            RequestItemKind::Header { name, value } | RequestItemKind::Query { name, value } => {
                name.offsets(visit);
                value.offsets(visit);
            }
            RequestItemKind::Body(fields) => fields.offsets(visit),
            RequestItemKind::Timeout(duration) => duration.offsets(visit),
            RequestItemKind::Retry(count) => count.offsets(visit),
        }
    }
}

impl Offsets for StmtKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            StmtKind::Say(template) | StmtKind::Suggest(template) => template.offsets(visit),
            StmtKind::Save { var, value } => {
                var.offsets(visit);
                value.offsets(visit);
            }
            StmtKind::Offer(name) | StmtKind::Then(name) => name.offsets(visit),
            StmtKind::If(if_stmt) => if_stmt.offsets(visit),
        }
    }
}

impl Offsets for TemplatePart {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            TemplatePart::Text { value: _, span } => span.offsets(visit),
            TemplatePart::Expr(expr) => expr.offsets(visit),
        }
    }
}

impl Offsets for Expr {
    /// Walks the spine (see [`super::spine`]) in a loop: a flat chain of 20,000
    /// operators must not take a stack frame per operator. Only the other operands
    /// recurse, as deep as parentheses nest.
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        let mut at = self;
        loop {
            at.span.offsets(visit);
            at = match &mut at.kind {
                ExprKind::Binary(_, first, second) => {
                    second.offsets(visit);
                    first
                }
                ExprKind::Unary(_, first) => first,
                ExprKind::Field(first, field) => {
                    field.offsets(visit);
                    first
                }
                ExprKind::Int(_) | ExprKind::Number(_) | ExprKind::Bool(_) => return,
                ExprKind::Str(template) => return template.offsets(visit),
                ExprKind::List(items) => return items.offsets(visit),
                ExprKind::Object(fields) => return fields.offsets(visit),
                ExprKind::Name(name) | ExprKind::Customer(name) | ExprKind::Secret(name) => {
                    return name.offsets(visit);
                }
                ExprKind::Call(name, args) => {
                    name.offsets(visit);
                    return args.offsets(visit);
                }
                ExprKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    cond.offsets(visit);
                    then.offsets(visit);
                    return otherwise.offsets(visit);
                }
            };
        }
    }
}

impl Offsets for TestStepKind {
    fn offsets<F: FnMut(&mut usize)>(&mut self, visit: &mut F) {
        match self {
            TestStepKind::Customer(fields) | TestStepKind::Provide(fields) => fields.offsets(visit),
            TestStepKind::ClickWith { procedure, vars } => {
                procedure.offsets(visit);
                vars.offsets(visit);
            }
            TestStepKind::Secret { name, value } => {
                name.offsets(visit);
                value.offsets(visit);
            }
            TestStepKind::SendMessage(text)
            | TestStepKind::At(text)
            | TestStepKind::ExpectSay(text)
            | TestStepKind::ExpectFollowUp(text)
            | TestStepKind::ExpectRedirect(text)
            | TestStepKind::ExpectLiveChat(text) => text.offsets(visit),
            TestStepKind::SendSource(name)
            | TestStepKind::SendFaq(name)
            | TestStepKind::Click(name)
            | TestStepKind::Dismiss(name)
            | TestStepKind::ExpectAsk(name)
            | TestStepKind::ExpectInvalid(name)
            | TestStepKind::ExpectComponent(name)
            | TestStepKind::ExpectSwitchTopic(name)
            | TestStepKind::ExpectError(name) => name.offsets(visit),
            TestStepKind::ExpectJavascript
            | TestStepKind::ExpectApprove
            | TestStepKind::ExpectNoOffer
            | TestStepKind::Approve
            | TestStepKind::Deny
            | TestStepKind::Fail
            | TestStepKind::Cancel
            | TestStepKind::SendUnanswered
            | TestStepKind::SendFeedback { negative: _ } => {}
            TestStepKind::Answer(value) => value.offsets(visit),
            TestStepKind::Respond { status, body } => {
                status.offsets(visit);
                body.offsets(visit);
            }
            TestStepKind::Complete(output) => output.offsets(visit),
            TestStepKind::ExpectOffer(names) => names.offsets(visit),
            TestStepKind::ExpectRequest { method, url } => {
                method.offsets(visit);
                url.offsets(visit);
            }
            TestStepKind::ExpectDone { procedure, outcome } => {
                procedure.offsets(visit);
                outcome.offsets(visit);
            }
        }
    }
}

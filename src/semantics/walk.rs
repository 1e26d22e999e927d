//! Read-only walks over expressions and templates.

use crate::syntax::ast::{
    Expr, ExprKind, Ident, LookupDecl, LookupItemKind, ProcItem, ProcItemKind, RequestDecl,
    RequestItemKind, Stmt, StmtKind, Template, TemplatePart,
};

/// Calls `visit` on every bare name (`ExprKind::Name`) in `expr`, in source order.
/// Field accesses visit their base: `result.slot` visits `result`.
pub fn names_in_expr<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Ident)) {
    // The spine in a loop (see `syntax::spine`): the innermost operand first, then each
    // operator's other operand, outward.
    let (innermost, operators) = expr.spine();
    names_in_operand(innermost, visit);
    for operator in operators.into_iter().rev() {
        if let ExprKind::Binary(_, _, right) = &operator.kind {
            names_in_expr(right, visit);
        }
    }
}

/// [`names_in_expr`] for an expression that is not an operator.
fn names_in_operand<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Ident)) {
    match &expr.kind {
        ExprKind::Name(ident) => visit(ident),
        ExprKind::Str(template) => names_in_template(template, visit),
        ExprKind::List(items) => items.iter().for_each(|e| names_in_expr(e, visit)),
        ExprKind::Object(fields) => fields.iter().for_each(|f| names_in_expr(&f.value, visit)),
        ExprKind::Field(..) | ExprKind::Unary(..) | ExprKind::Binary(..) => {
            names_in_expr(expr, visit)
        }
        ExprKind::Call(_, args) => args.iter().for_each(|e| names_in_expr(e, visit)),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            names_in_expr(cond, visit);
            names_in_expr(then, visit);
            names_in_expr(otherwise, visit);
        }
        ExprKind::Int(_)
        | ExprKind::Number(_)
        | ExprKind::Bool(_)
        | ExprKind::Customer(_)
        | ExprKind::Secret(_) => {}
    }
}

/// Calls `visit` on every bare name in the interpolations of `template`.
pub fn names_in_template<'a>(template: &'a Template, visit: &mut dyn FnMut(&'a Ident)) {
    for part in &template.parts {
        if let TemplatePart::Expr(expr) = part {
            names_in_expr(expr, visit);
        }
    }
}

/// Calls `visit` on every bare name a request mentions: its URL, header and query
/// templates and body fields.
pub fn names_in_request<'a>(request: &'a RequestDecl, visit: &mut dyn FnMut(&'a Ident)) {
    names_in_template(&request.url, visit);
    for item in &request.items {
        match &item.kind {
            RequestItemKind::Header { value, .. } | RequestItemKind::Query { value, .. } => {
                names_in_template(value, visit)
            }
            RequestItemKind::Body(fields) => {
                fields.iter().for_each(|f| names_in_expr(&f.value, visit))
            }
            RequestItemKind::Timeout(_) | RequestItemKind::Retry(_) => {}
        }
    }
}

/// Calls `visit` on every bare name a lookup depends on: its request and its `when`.
pub fn names_in_lookup<'a>(lookup: &'a LookupDecl, visit: &mut dyn FnMut(&'a Ident)) {
    for item in &lookup.items {
        match &item.kind {
            LookupItemKind::Request(request) => names_in_request(request, visit),
            LookupItemKind::When(expr) => names_in_expr(expr, visit),
            LookupItemKind::Returns(_) | LookupItemKind::Reversible => {}
        }
    }
}

/// Calls `visit` on every bare name of outcome statements (nested `if`s included).
pub fn names_in_stmts<'a>(stmts: &'a [Stmt], visit: &mut dyn FnMut(&'a Ident)) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Say(t) | StmtKind::Suggest(t) => names_in_template(t, visit),
            StmtKind::Save { value, .. } => names_in_expr(value, visit),
            StmtKind::If(stmt) => {
                for branch in &stmt.branches {
                    names_in_expr(&branch.cond, visit);
                    names_in_stmts(&branch.body, visit);
                }
                if let Some(otherwise) = &stmt.otherwise {
                    names_in_stmts(otherwise, visit);
                }
            }
            StmtKind::Offer(_) | StmtKind::Then(_) => {}
        }
    }
}

/// Calls `visit` on every bare name of what a run of a procedure does with the values
/// it collects (§4: what makes a run need a lookup): `require`s, the approval prompt,
/// the kind's action and the outcome statements. Labels, descriptions and the
/// procedure's `when` are left out (they are shown before a run), and so are variable
/// and lookup blocks, whose mentions are dependency edges of their own.
pub fn names_in_run_item<'a>(item: &'a ProcItem, visit: &mut dyn FnMut(&'a Ident)) {
    match &item.kind {
        ProcItemKind::Approve { prompt: t, .. }
        | ProcItemKind::Question(t)
        | ProcItemKind::Url(t)
        | ProcItemKind::Queue(t)
        | ProcItemKind::Note(t) => names_in_template(t, visit),
        ProcItemKind::Open { inputs: fields, .. } | ProcItemKind::Args(fields) => {
            fields.iter().for_each(|f| names_in_expr(&f.value, visit))
        }
        ProcItemKind::Request(request) => names_in_request(request, visit),
        ProcItemKind::OnSuccess(stmts)
        | ProcItemKind::OnFailure(stmts)
        | ProcItemKind::OnDenied(stmts)
        | ProcItemKind::OnCancelled(stmts) => names_in_stmts(stmts, visit),
        ProcItemKind::Require { cond, message } => {
            names_in_expr(cond, visit);
            names_in_template(message, visit);
        }
        _ => {}
    }
}

//! Read-only walks over expressions and templates.

use crate::syntax::ast::{Expr, ExprKind, Ident, Template, TemplatePart};

/// Calls `visit` on every bare name (`ExprKind::Name`) in `expr`, in source order.
/// Field accesses visit their base: `result.slot` visits `result`.
pub fn names_in_expr<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Ident)) {
    match &expr.kind {
        ExprKind::Name(ident) => visit(ident),
        ExprKind::Str(template) => names_in_template(template, visit),
        ExprKind::List(items) => items.iter().for_each(|e| names_in_expr(e, visit)),
        ExprKind::Object(fields) => fields.iter().for_each(|f| names_in_expr(&f.value, visit)),
        ExprKind::Field(base, _) => names_in_expr(base, visit),
        ExprKind::Unary(_, operand) => names_in_expr(operand, visit),
        ExprKind::Binary(_, left, right) => {
            names_in_expr(left, visit);
            names_in_expr(right, visit);
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

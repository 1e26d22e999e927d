//! The left spine of an expression, walked in a loop.
//!
//! Operators chain without parentheses: `a + b + ... + z` is a left-leaning tree as deep
//! as the chain is long, and so are `- - - x` and `x.a.b.c`. Nesting through parentheses
//! is limited by the builder (E0001), but a flat chain is not, so every pass over
//! expressions walks the *spine* — the chain of first operands (a binary operator's left
//! side, a prefix operator's operand, a field access's base) — with a loop: it handles the
//! innermost operand, then applies the operators outward. The other children (a binary
//! operator's right side) are only as deep as the parentheses allow. Copying and freeing
//! an expression use the same loop.

use super::ast::{Expr, ExprKind};

impl Expr {
    /// The operand this operator applies to first: the left side of a binary operator,
    /// the operand of a prefix operator, the base of a field access; `None` for every
    /// other kind of expression.
    pub fn first_operand(&self) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Binary(_, first, _)
            | ExprKind::Unary(_, first)
            | ExprKind::Field(first, _) => Some(first),
            _ => None,
        }
    }

    /// The innermost first operand of this expression (itself when it has none) and the
    /// operators above it, outermost first: a pass handles the innermost expression, then
    /// the operators in reverse order, each with the result so far as its first operand.
    pub fn spine(&self) -> (&Expr, Vec<&Expr>) {
        let mut operators = Vec::new();
        let mut at = self;
        while let Some(first) = at.first_operand() {
            operators.push(at);
            at = first;
        }
        (at, operators)
    }
}

impl Clone for Expr {
    fn clone(&self) -> Expr {
        let (innermost, operators) = self.spine();
        let mut copy = Expr {
            kind: innermost.kind.clone(),
            span: innermost.span.clone(),
        };
        for op in operators.into_iter().rev() {
            let first = Box::new(copy);
            let kind = match &op.kind {
                ExprKind::Binary(operator, _, second) => {
                    ExprKind::Binary(*operator, first, second.clone())
                }
                ExprKind::Unary(operator, _) => ExprKind::Unary(*operator, first),
                ExprKind::Field(_, field) => ExprKind::Field(first, field.clone()),
                // `spine` returns only operators with a first operand.
                other => other.clone(),
            };
            copy = Expr {
                kind,
                span: op.span.clone(),
            };
        }
        copy
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        // Detach each first operand before its parent is freed, so that freeing a node
        // never recurses down the spine.
        let mut next = take_first_operand(&mut self.kind);
        while let Some(mut node) = next {
            next = take_first_operand(&mut node.kind);
        }
    }
}

/// Moves the first operand out of an operator (leaving a literal in its place, the rest
/// freed now), or `None` when `kind` has no first operand.
fn take_first_operand(kind: &mut ExprKind) -> Option<Box<Expr>> {
    if !matches!(
        kind,
        ExprKind::Binary(..) | ExprKind::Unary(..) | ExprKind::Field(..)
    ) {
        return None;
    }
    match std::mem::replace(kind, ExprKind::Bool(false)) {
        ExprKind::Binary(_, first, _) | ExprKind::Unary(_, first) | ExprKind::Field(first, _) => {
            Some(first)
        }
        other => {
            *kind = other;
            None
        }
    }
}

//! Expressions: operator levels folded left, prefix operators, postfix field access and
//! calls, literals.

use pest::iterators::Pair;

use super::{Lower, MAX_DEPTH, kids};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, FieldInit, UnaryOp};
use crate::syntax::errors::{INVALID_NUMBER, SYNTAX};
use crate::syntax::grammar::Rule;

impl Lower<'_> {
    /// Any expression-level pair (`expr`, `or_expr`, ..., `primary` alternatives).
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        if self.depth >= MAX_DEPTH {
            if self.depth == MAX_DEPTH {
                self.error_at(
                    SYNTAX,
                    "this expression is nested too deeply".to_string(),
                    self.span(&pair),
                    "split it into simpler parts",
                );
            }
            self.depth += 1;
            return None;
        }
        self.depth += 1;
        let built = self.expr_level(pair);
        self.depth -= 1;
        built
    }

    fn expr_level(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        match pair.as_rule() {
            Rule::expr
            | Rule::or_expr
            | Rule::and_expr
            | Rule::cmp_expr
            | Rule::sum
            | Rule::product => self.binary_chain(pair),
            Rule::not_expr | Rule::unary => self.prefix(pair),
            Rule::postfix => self.postfix(pair),
            _ => self.primary(pair),
        }
    }

    /// `operand (op operand)*`, folded to the left.
    fn binary_chain(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let mut parts = kids(pair).into_iter();
        let mut left = self.expr(parts.next()?)?;
        while let Some(op) = parts.next() {
            let op = binary_op(&op)?;
            let right = self.expr(parts.next()?)?;
            let span = left.span.start..right.span.end;
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
        Some(left)
    }

    /// `not X`, `-X`, or the level below. `-` directly before a number literal gives a
    /// negative literal (so `-9223372036854775808` fits).
    fn prefix(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let parts = kids(pair);
        let first = parts.first()?;
        let op = match first.as_rule() {
            Rule::kw_not => UnaryOp::Not,
            Rule::op_neg => UnaryOp::Neg,
            _ => return self.expr(first.clone()),
        };
        let operand = parts.get(1)?;
        if op == UnaryOp::Neg
            && let Some(number) = bare_number(operand)
        {
            let negated = format!("-{}", number.as_str());
            return Some(self.number(&negated, span));
        }
        let operand = self.expr(operand.clone())?;
        Some(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    /// A primary followed by `.field` accesses; `customer.x` and `secret.x` are special.
    fn postfix(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let mut parts = kids(pair).into_iter();
        let mut base = self.expr(parts.next()?)?;
        for access in parts {
            let field = self.ident(&kids(access).into_iter().next()?);
            let span = base.span.start..field.span.end;
            let kind = match &base.kind {
                ExprKind::Name(name) if name.name == "customer" => ExprKind::Customer(field),
                ExprKind::Name(name) if name.name == "secret" => ExprKind::Secret(field),
                _ => ExprKind::Field(Box::new(base), field),
            };
            base = Expr { kind, span };
        }
        Some(base)
    }

    /// Literals, names, calls, lists, objects and parenthesised expressions.
    pub(super) fn primary(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number | Rule::signed_number => return Some(self.number(pair.as_str(), span)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::string | Rule::raw_string => ExprKind::Str(self.template(pair)?),
            Rule::name => ExprKind::Name(self.ident(&pair)),
            Rule::paren => {
                let inner = self.expr(kids(pair).into_iter().next()?)?;
                return Some(Expr {
                    kind: inner.kind,
                    span,
                });
            }
            Rule::call => {
                let mut parts = kids(pair).into_iter();
                let name = self.ident(&parts.next()?);
                let args = parts
                    .map(|arg| self.expr(arg))
                    .collect::<Option<Vec<_>>>()?;
                ExprKind::Call(name, args)
            }
            Rule::list_lit => ExprKind::List(
                kids(pair)
                    .into_iter()
                    .map(|item| self.expr(item))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Rule::object_lit => ExprKind::Object(self.object_fields(pair)?),
            _ => self.expr(pair)?.kind,
        };
        Some(Expr { kind, span })
    }

    /// The `name: EXPR` fields of an `object_lit` pair.
    pub(super) fn object_fields(&mut self, pair: Pair<'_, Rule>) -> Option<Vec<FieldInit>> {
        kids(pair)
            .into_iter()
            .filter(|p| p.as_rule() == Rule::field_init)
            .map(|field| {
                let mut parts = kids(field).into_iter();
                let name = self.ident(&parts.next()?);
                let value = self.expr(parts.next()?)?;
                Some(FieldInit { name, value })
            })
            .collect()
    }

    /// A numeric literal: an integer (E0004 when out of range) or a decimal.
    fn number(&mut self, text: &str, span: crate::syntax::ast::Span) -> Expr {
        let kind = if text.contains('.') {
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() => ExprKind::Number(value),
                _ => {
                    self.error_at(
                        INVALID_NUMBER,
                        format!("the number `{text}` is out of range"),
                        span.clone(),
                        "numbers are 64-bit floating point",
                    );
                    ExprKind::Number(0.0)
                }
            }
        } else {
            ExprKind::Int(self.parse_int(text, span.clone()))
        };
        Expr { kind, span }
    }
}

/// The `number` pair when `pair` (a `unary`) is nothing but a number literal.
fn bare_number<'i>(pair: &Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
    if pair.as_rule() != Rule::unary {
        return None;
    }
    let postfix = single_child(pair)?;
    if postfix.as_rule() != Rule::postfix {
        return None;
    }
    let number = single_child(&postfix)?;
    (number.as_rule() == Rule::number).then_some(number)
}

/// The only child of `pair`, if it has exactly one.
fn single_child<'i>(pair: &Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
    let mut inner = pair.clone().into_inner();
    let first = inner.next()?;
    inner.next().is_none().then_some(first)
}

/// The operator of an operator pair.
fn binary_op(pair: &Pair<'_, Rule>) -> Option<BinaryOp> {
    Some(match (pair.as_rule(), pair.as_str()) {
        (Rule::op_coalesce, _) => BinaryOp::Coalesce,
        (Rule::kw_or, _) => BinaryOp::Or,
        (Rule::kw_and, _) => BinaryOp::And,
        (Rule::cmp_op, "==") => BinaryOp::Eq,
        (Rule::cmp_op, "!=") => BinaryOp::Ne,
        (Rule::cmp_op, "<") => BinaryOp::Lt,
        (Rule::cmp_op, "<=") => BinaryOp::Le,
        (Rule::cmp_op, ">") => BinaryOp::Gt,
        (Rule::cmp_op, ">=") => BinaryOp::Ge,
        (Rule::cmp_op, _) => BinaryOp::In,
        (Rule::add_op, "+") => BinaryOp::Add,
        (Rule::add_op, _) => BinaryOp::Sub,
        (Rule::mul_op, "*") => BinaryOp::Mul,
        (Rule::mul_op, _) => BinaryOp::Div,
        _ => return None,
    })
}

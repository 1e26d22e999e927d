//! Expressions: operator chains folded by precedence, prefix operators, field access
//! and calls, literals.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Lower, MAX_DEPTH, kids};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, FieldInit, Span, UnaryOp};
use crate::syntax::errors::{INVALID_NUMBER, SYNTAX};
use crate::syntax::grammar::Rule;

/// The binary operators of `expr` and `arith`, loosest first.
static PRECEDENCE: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_coalesce, Assoc::Left))
        .op(Op::infix(Rule::kw_or, Assoc::Left))
        .op(Op::infix(Rule::kw_and, Assoc::Left))
        .op(Op::infix(Rule::add_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left))
});

impl Lower<'_> {
    /// Any expression-level pair (`expr`, `or_expr`, ..., `primary` alternatives).
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        self.nested(span, |this| this.expr_level(pair))
    }

    /// Builds one level of a nested construct (an expression, a list or record type),
    /// refusing to go deeper than [`MAX_DEPTH`] levels with one syntax error at `span`.
    pub(super) fn nested<T>(
        &mut self,
        span: Span,
        build: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            if self.depth == MAX_DEPTH {
                self.error_at(
                    SYNTAX,
                    "this expression is nested too deeply".to_string(),
                    span,
                    "split it into simpler parts",
                );
            }
            self.depth += 1;
            return None;
        }
        self.depth += 1;
        let built = build(self);
        self.depth -= 1;
        built
    }

    fn expr_level(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        match pair.as_rule() {
            Rule::expr | Rule::arith => self.binary_chain(pair),
            Rule::cmp_expr => self.comparison(pair),
            Rule::not_expr => self.not_expr(pair),
            Rule::operand => self.operand(pair),
            _ => self.primary(pair),
        }
    }

    /// `operand (op operand)*` of one operator family, folded by precedence (all
    /// operators are left-associative).
    fn binary_chain(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        PRECEDENCE
            .map_primary(|operand| self.expr(operand))
            .map_infix(|left, op, right| {
                let (left, right) = (left?, right?);
                let op = binary_op(&op)?;
                let span = left.span.start..right.span.end;
                Some(Expr {
                    kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                    span,
                })
            })
            .parse(pair.into_inner())
    }

    /// `sum (cmp_op sum)?`: comparisons do not chain, the grammar sees to that.
    fn comparison(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let mut parts = pair.into_inner();
        let left = self.expr(parts.next()?)?;
        let Some(op) = parts.next() else {
            return Some(left);
        };
        let op = binary_op(&op)?;
        let right = self.expr(parts.next()?)?;
        let span = left.span.start..right.span.end;
        Some(Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        })
    }

    /// `not X`, or the comparison below.
    fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let first = parts.next()?;
        if first.as_rule() != Rule::kw_not {
            return self.expr(first);
        }
        let operand = self.expr(parts.next()?)?;
        Some(Expr {
            kind: ExprKind::Unary(UnaryOp::Not, Box::new(operand)),
            span,
        })
    }

    /// `-`* primary (arguments)? (`.field`)*: the accesses bind tighter than the signs.
    /// A `-` directly before a bare number literal gives a negative literal (so
    /// `-9223372036854775808` fits).
    fn operand(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let mut signs = Vec::new();
        let mut parts = kids(pair).into_iter().peekable();
        while let Some(sign) = parts.next_if(|p| p.as_rule() == Rule::op_neg) {
            signs.push(self.span(&sign).start);
        }
        let primary = parts.next()?;
        let negative_literal = primary.as_rule() == Rule::number && parts.peek().is_none();
        let mut base = match signs.pop() {
            Some(start) if negative_literal => {
                let span = start..self.span(&primary).end;
                self.number(&format!("-{}", primary.as_str()), span)
            }
            sign => {
                signs.extend(sign);
                self.postfix(primary, parts)?
            }
        };
        for start in signs.into_iter().rev() {
            let span = start..base.span.end;
            base = Expr {
                kind: ExprKind::Unary(UnaryOp::Neg, Box::new(base)),
                span,
            };
        }
        Some(base)
    }

    /// A primary, its call arguments if it is a name followed by them, then its
    /// `.field` accesses; `customer.x` and `secret.x` are special.
    fn postfix<'i>(
        &mut self,
        primary: Pair<'i, Rule>,
        rest: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Option<Expr> {
        let mut rest = rest.peekable();
        let mut base = match rest.next_if(|p| p.as_rule() == Rule::call_args) {
            Some(args) if primary.as_rule() == Rule::name => self.call(&primary, args)?,
            _ => self.expr(primary)?,
        };
        for access in rest {
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

    /// `name(args)`.
    fn call(&mut self, name: &Pair<'_, Rule>, args: Pair<'_, Rule>) -> Option<Expr> {
        let name = self.ident(name);
        let span = name.span.start..self.span(&args).end;
        let args = kids(args)
            .into_iter()
            .map(|arg| self.expr(arg))
            .collect::<Option<Vec<_>>>()?;
        Some(Expr {
            kind: ExprKind::Call(name, args),
            span,
        })
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
                let mut inner = self.expr(kids(pair).into_iter().next()?)?;
                inner.span = span;
                return Some(inner);
            }
            Rule::list_lit => ExprKind::List(
                kids(pair)
                    .into_iter()
                    .map(|item| self.expr(item))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Rule::object_lit => ExprKind::Object(self.object_fields(pair)?),
            Rule::if_expr => {
                let mut parts = kids(pair).into_iter().filter(|p| {
                    !matches!(p.as_rule(), Rule::kw_if | Rule::kw_then | Rule::kw_else)
                });
                let (cond, then, otherwise) = (parts.next()?, parts.next()?, parts.next()?);
                ExprKind::If {
                    cond: Box::new(self.expr(cond)?),
                    then: Box::new(self.expr(then)?),
                    otherwise: Box::new(self.expr(otherwise)?),
                }
            }
            _ => {
                let mut inner = self.expr(pair)?;
                inner.span = span;
                return Some(inner);
            }
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

//! Expressions and templates to stack code.
//!
//! `and`/`or` keep their left value when it decides the result (`JumpIfFalseKeep`,
//! `JumpIfTrueKeep`), `??` keeps a present left value (`JumpIfPresent`); templates push
//! their pieces and `Concat` them (a template of plain text is one `Str`).

use super::emit::Emitter;
use super::{Gen, Result, missing};
use crate::codegen::isa::{self, Builtin, Const, FailureField, Instr};
use crate::semantics::resolved::{self, Target};
use crate::syntax::ast::{
    BinaryOp, Expr, ExprKind, FieldInit, FileId, Ident, Span, Template, TemplatePart, UnaryOp,
};

/// Where an expression stands: what its names mean was decided by semantic analysis
/// and is looked up by position in the file.
#[derive(Clone, Copy)]
pub(super) struct Scope {
    /// The file the expression is in.
    pub file: FileId,
}

impl Scope {
    /// The scope of an expression in `file`.
    pub(super) fn top(file: FileId) -> Self {
        Scope { file }
    }
}

impl Gen<'_> {
    /// A chunk evaluating an expression.
    pub(super) fn expr_chunk(&mut self, scope: Scope, expr: &Expr) -> Result<u32> {
        let mut e = Emitter::new(scope.file.0);
        e.line(self.line(scope.file, &expr.span));
        self.expr(&mut e, scope, expr)?;
        e.push(Instr::Return);
        self.chunk(e, scope.file, &expr.span)
    }

    /// A chunk rendering a template.
    pub(super) fn template_chunk(&mut self, scope: Scope, t: &Template) -> Result<u32> {
        let mut e = Emitter::new(scope.file.0);
        e.line(self.line(scope.file, &t.span));
        self.template(&mut e, scope, t)?;
        e.push(Instr::Return);
        self.chunk(e, scope.file, &t.span)
    }

    /// Pushes a template's text.
    pub(super) fn template(&mut self, e: &mut Emitter, scope: Scope, t: &Template) -> Result<()> {
        match t.parts.as_slice() {
            [] => e.push(Instr::Str(self.string(""))),
            [TemplatePart::Text { value, .. }] => e.push(Instr::Str(self.string(value))),
            parts => {
                let start = e.here();
                for part in parts {
                    match part {
                        TemplatePart::Text { value, .. } => e.push(Instr::Str(self.string(value))),
                        TemplatePart::Expr(x) => self.expr(e, scope, x)?,
                    }
                }
                let n = super::parts(parts.len(), "parts", (scope.file, &t.span))?;
                e.push(Instr::Concat(n));
                e.mark(start, &t.span);
            }
        }
        Ok(())
    }

    /// Pushes a URL template's text: the template's own text as written, each
    /// interpolated value percent-encoded where it stands (§7), joined by one `Concat`
    /// (the verifier checks that only constants and encoded values are joined).
    pub(super) fn url_template(
        &mut self,
        e: &mut Emitter,
        scope: Scope,
        t: &Template,
    ) -> Result<()> {
        for part in &t.parts {
            match part {
                TemplatePart::Text { value, .. } => e.push(Instr::Str(self.string(value))),
                TemplatePart::Expr(x) => {
                    self.expr(e, scope, x)?;
                    e.push(Instr::UrlEncode);
                }
            }
        }
        // A URL that is all text needs no `Concat` (and one with no parts is "").
        match t.parts.as_slice() {
            [TemplatePart::Text { .. }] => {}
            [] => e.push(Instr::Str(self.string(""))),
            parts => {
                let n = super::parts(parts.len(), "parts", (scope.file, &t.span))?;
                e.push(Instr::Concat(n));
            }
        }
        Ok(())
    }

    /// Pushes `{key: value, ...}` (written at `span`) as a JSON object.
    pub(super) fn object(
        &mut self,
        e: &mut Emitter,
        scope: Scope,
        fields: &[FieldInit],
        span: &Span,
    ) -> Result<()> {
        let start = e.here();
        for f in fields {
            e.push(Instr::Str(self.string(&f.name.name)));
            self.expr(e, scope, &f.value)?;
        }
        let n = super::parts(fields.len(), "fields", (scope.file, span))?;
        e.push(Instr::MakeObject(n));
        e.mark(start, span);
        Ok(())
    }

    /// Pushes an expression's value. The operators down its spine are emitted in a loop,
    /// innermost operand first (see `syntax::spine`), so a flat chain of any length is
    /// lowered without recursing per operator.
    pub(super) fn expr(&mut self, e: &mut Emitter, scope: Scope, x: &Expr) -> Result<()> {
        let (innermost, operators) = x.spine();
        self.operand(e, scope, innermost)?;
        for operator in operators.into_iter().rev() {
            self.operator(e, scope, operator)?;
        }
        Ok(())
    }

    /// Emits an operator whose first operand is already on the stack.
    fn operator(&mut self, e: &mut Emitter, scope: Scope, x: &Expr) -> Result<()> {
        match &x.kind {
            ExprKind::Field(_, field) => e.push(Instr::GetField(self.string(&field.name))),
            ExprKind::Unary(op, _) => e.push(Instr::Unary(match op {
                UnaryOp::Not => isa::UnaryOp::Not,
                UnaryOp::Neg => isa::UnaryOp::Neg,
            })),
            ExprKind::Binary(op, _, right) => self.binary(e, scope, *op, right)?,
            _ => return Err(missing("an operator without an operand")),
        }
        Ok(())
    }

    /// Pushes the value of an expression that is not an operator.
    fn operand(&mut self, e: &mut Emitter, scope: Scope, x: &Expr) -> Result<()> {
        match &x.kind {
            ExprKind::Int(i) => e.push(Instr::Const(self.constant(Const::Int(*i)))),
            ExprKind::Number(n) => e.push(Instr::Const(self.constant(Const::Number(*n)))),
            ExprKind::Bool(b) => e.push(Instr::Const(self.constant(Const::Bool(*b)))),
            ExprKind::Str(t) if self.dates.contains(&(scope.file, x.span.start)) => {
                let text: String = t
                    .parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text { value, .. } => value.as_str(),
                        TemplatePart::Expr(_) => "",
                    })
                    .collect();
                let days = crate::calendar::parse_date(&text)
                    .ok_or_else(|| missing(format!("{text:?} is not a date")))?;
                e.push(Instr::Const(self.constant(Const::Date(days))));
            }
            ExprKind::Str(t) => self.template(e, scope, t)?,
            ExprKind::List(items) => {
                let start = e.here();
                for item in items {
                    self.expr(e, scope, item)?;
                }
                let n = super::parts(items.len(), "items", (scope.file, &x.span))?;
                e.push(Instr::MakeList(n));
                e.mark(start, &x.span);
            }
            ExprKind::Object(fields) => self.object(e, scope, fields, &x.span)?,
            ExprKind::Name(id) => e.push(self.name(scope, id)?),
            ExprKind::Customer(attr) => e.push(Instr::LoadCustomer(self.index(
                scope.file,
                attr,
                Target::Customer,
            )?)),
            ExprKind::Secret(s) => e.push(Instr::LoadSecret(self.index(
                scope.file,
                s,
                Target::Secret,
            )?)),
            ExprKind::Field(..) | ExprKind::Unary(..) | ExprKind::Binary(..) => {
                self.expr(e, scope, x)?
            }
            ExprKind::Call(f, args) => {
                let start = e.here();
                self.call(e, scope, &f.name, args)?;
                e.mark(start, &x.span);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                // Forward jumps only: the condition, a jump over `then` when false, and
                // a jump over `otherwise` after it.
                self.expr(e, scope, cond)?;
                let to_otherwise = e.jump(Instr::JumpIfFalse);
                self.expr(e, scope, then)?;
                let to_end = e.jump(Instr::Jump);
                e.land(to_otherwise);
                self.expr(e, scope, otherwise)?;
                e.land(to_end);
            }
        }
        Ok(())
    }

    fn name(&self, scope: Scope, name: &Ident) -> Result<Instr> {
        Ok(match self.target(scope.file, name)? {
            Target::Value => Instr::LoadValue,
            Target::Result => Instr::LoadResult,
            Target::Failure(field) => Instr::LoadFailure(match field {
                resolved::FailureField::Reason => FailureField::Reason,
                resolved::FailureField::Status => FailureField::Status,
                resolved::FailureField::Response => FailureField::Response,
            }),
            Target::Var(var) => Instr::LoadVar(var),
            _ => return Err(missing(format!("`{}` is not a variable", name.name))),
        })
    }

    /// Emits `op r`, its left operand already on the stack.
    fn binary(&mut self, e: &mut Emitter, scope: Scope, op: BinaryOp, r: &Expr) -> Result<()> {
        let short: Option<fn(u32) -> Instr> = match op {
            BinaryOp::And => Some(Instr::JumpIfFalseKeep),
            BinaryOp::Or => Some(Instr::JumpIfTrueKeep),
            BinaryOp::Coalesce => Some(Instr::JumpIfPresent),
            _ => None,
        };
        if let Some(jump) = short {
            let hole = e.jump(jump);
            self.expr(e, scope, r)?;
            e.land(hole);
            return Ok(());
        }
        self.expr(e, scope, r)?;
        let op = match op {
            BinaryOp::Eq => isa::BinaryOp::Eq,
            BinaryOp::Ne => isa::BinaryOp::Ne,
            BinaryOp::Lt => isa::BinaryOp::Lt,
            BinaryOp::Le => isa::BinaryOp::Le,
            BinaryOp::Gt => isa::BinaryOp::Gt,
            BinaryOp::Ge => isa::BinaryOp::Ge,
            BinaryOp::In => isa::BinaryOp::In,
            BinaryOp::Add => isa::BinaryOp::Add,
            BinaryOp::Sub => isa::BinaryOp::Sub,
            BinaryOp::Mul => isa::BinaryOp::Mul,
            BinaryOp::Div => isa::BinaryOp::Div,
            BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce => {
                return Err(missing("unreachable short-circuit"));
            }
        };
        e.push(Instr::Binary(op));
        Ok(())
    }

    fn call(&mut self, e: &mut Emitter, scope: Scope, name: &str, args: &[Expr]) -> Result<()> {
        match (name, args) {
            ("matches", [text, pattern]) => {
                let ExprKind::Str(t) = &pattern.kind else {
                    return Err(missing("`matches` needs a literal regex"));
                };
                let regex: String = t
                    .parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text { value, .. } => Ok(value.as_str()),
                        TemplatePart::Expr(_) => Err(missing("`matches` needs a literal regex")),
                    })
                    .collect::<Result<_>>()?;
                self.expr(e, scope, text)?;
                e.push(Instr::Matches(self.string(&regex)));
            }
            ("exists", [x]) => {
                self.expr(e, scope, x)?;
                e.push(Instr::Exists);
            }
            _ => {
                let f = match name {
                    "len" => Builtin::Len,
                    "lower" => Builtin::Lower,
                    "upper" => Builtin::Upper,
                    "trim" => Builtin::Trim,
                    "contains" => Builtin::Contains,
                    "starts_with" => Builtin::StartsWith,
                    "ends_with" => Builtin::EndsWith,
                    "join" => Builtin::Join,
                    "today" => Builtin::Today,
                    "hour" => Builtin::Hour,
                    "add_days" => Builtin::AddDays,
                    "days_between" => Builtin::DaysBetween,
                    "weekday" => Builtin::Weekday,
                    _ => {
                        return Err(missing(format!(
                            "unknown function `{name}` with {} arguments",
                            args.len()
                        )));
                    }
                };
                for a in args {
                    self.expr(e, scope, a)?;
                }
                let argc = u8::try_from(args.len()).map_err(|_| missing("too many arguments"))?;
                e.push(Instr::Call(f, argc));
            }
        }
        Ok(())
    }
}

//! Expressions and templates to stack code.
//!
//! `and`/`or` keep their left value when it decides the result (`JumpIfFalseKeep`,
//! `JumpIfTrueKeep`), `??` keeps a present left value (`JumpIfPresent`); templates push
//! their pieces and `Concat` them (a template of plain text is one `Str`).

use super::emit::Emitter;
use super::names::find;
use super::{Gen, Result, missing};
use crate::codegen::isa::{self, Builtin, Const, FailureField, Instr};
use crate::syntax::ast::{
    BinaryOp, Expr, ExprKind, FieldInit, FileId, Template, TemplatePart, UnaryOp,
};

/// What names mean where an expression stands.
#[derive(Clone, Copy)]
pub(super) struct Scope<'s> {
    /// The file the expression is in.
    pub file: FileId,
    /// The procedure whose locals are visible.
    pub procedure: Option<&'s str>,
    /// In a check: the name that means the checked value (besides `value`).
    pub value: Option<&'s str>,
    /// `result` / `response` are in scope (a waiting kind's `on success`).
    pub result: bool,
    /// `reason` / `status` / `response` name the failure (`on failure`).
    pub failure: bool,
}

impl<'s> Scope<'s> {
    /// Top-level scope in a file.
    pub(super) fn top(file: FileId) -> Self {
        Scope {
            file,
            procedure: None,
            value: None,
            result: false,
            failure: false,
        }
    }
}

impl Gen<'_> {
    /// A chunk evaluating an expression.
    pub(super) fn expr_chunk(&mut self, scope: Scope<'_>, expr: &Expr) -> Result<u32> {
        let mut e = Emitter::new(scope.file.0);
        e.line(self.line(scope.file, &expr.span));
        self.expr(&mut e, scope, expr)?;
        e.push(Instr::Return);
        Ok(self.chunk(e.finish()))
    }

    /// A chunk rendering a template.
    pub(super) fn template_chunk(&mut self, scope: Scope<'_>, t: &Template) -> Result<u32> {
        let mut e = Emitter::new(scope.file.0);
        e.line(self.line(scope.file, &t.span));
        self.template(&mut e, scope, t)?;
        e.push(Instr::Return);
        Ok(self.chunk(e.finish()))
    }

    /// Pushes a template's text.
    pub(super) fn template(
        &mut self,
        e: &mut Emitter,
        scope: Scope<'_>,
        t: &Template,
    ) -> Result<()> {
        match t.parts.as_slice() {
            [] => e.push(Instr::Str(self.string(""))),
            [TemplatePart::Text { value, .. }] => e.push(Instr::Str(self.string(value))),
            parts => {
                for part in parts {
                    match part {
                        TemplatePart::Text { value, .. } => e.push(Instr::Str(self.string(value))),
                        TemplatePart::Expr(x) => self.expr(e, scope, x)?,
                    }
                }
                let n = u16::try_from(parts.len())
                    .map_err(|_| missing("a template has too many parts"))?;
                e.push(Instr::Concat(n));
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
        scope: Scope<'_>,
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
                let n =
                    u16::try_from(parts.len()).map_err(|_| missing("a URL has too many parts"))?;
                e.push(Instr::Concat(n));
            }
        }
        Ok(())
    }

    /// Pushes `{key: value, ...}` as a JSON object.
    pub(super) fn object(
        &mut self,
        e: &mut Emitter,
        scope: Scope<'_>,
        fields: &[FieldInit],
    ) -> Result<()> {
        for f in fields {
            e.push(Instr::Str(self.string(&f.name.name)));
            self.expr(e, scope, &f.value)?;
        }
        let n =
            u16::try_from(fields.len()).map_err(|_| missing("an object has too many fields"))?;
        e.push(Instr::MakeObject(n));
        Ok(())
    }

    /// Pushes an expression's value.
    pub(super) fn expr(&mut self, e: &mut Emitter, scope: Scope<'_>, x: &Expr) -> Result<()> {
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
                for item in items {
                    self.expr(e, scope, item)?;
                }
                let n =
                    u16::try_from(items.len()).map_err(|_| missing("a list has too many items"))?;
                e.push(Instr::MakeList(n));
            }
            ExprKind::Object(fields) => self.object(e, scope, fields)?,
            ExprKind::Name(id) => e.push(self.name(scope, &id.name)?),
            ExprKind::Customer(attr) => e.push(Instr::LoadCustomer(find(
                &self.names.customer,
                "customer attribute",
                &attr.name,
            )?)),
            ExprKind::Secret(s) => e.push(Instr::LoadSecret(find(
                &self.names.secrets,
                "secret",
                &s.name,
            )?)),
            ExprKind::Field(base, field) => {
                self.expr(e, scope, base)?;
                e.push(Instr::GetField(self.string(&field.name)));
            }
            ExprKind::Unary(op, operand) => {
                self.expr(e, scope, operand)?;
                e.push(Instr::Unary(match op {
                    UnaryOp::Not => isa::UnaryOp::Not,
                    UnaryOp::Neg => isa::UnaryOp::Neg,
                }));
            }
            ExprKind::Binary(op, l, r) => self.binary(e, scope, *op, l, r)?,
            ExprKind::Call(f, args) => self.call(e, scope, &f.name, args)?,
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

    fn name(&self, scope: Scope<'_>, name: &str) -> Result<Instr> {
        if scope.value.is_some() && (scope.value == Some(name) || name == "value") {
            return Ok(Instr::LoadValue);
        }
        if scope.result && (name == "result" || name == "response") {
            return Ok(Instr::LoadResult);
        }
        if scope.failure {
            let field = match name {
                "reason" => Some(FailureField::Reason),
                "status" => Some(FailureField::Status),
                "response" => Some(FailureField::Response),
                _ => None,
            };
            if let Some(field) = field {
                return Ok(Instr::LoadFailure(field));
            }
        }
        self.names
            .lookup_var(scope.procedure, name)
            .map(Instr::LoadVar)
            .ok_or_else(|| missing(format!("unknown name `{name}`")))
    }

    fn binary(
        &mut self,
        e: &mut Emitter,
        scope: Scope<'_>,
        op: BinaryOp,
        l: &Expr,
        r: &Expr,
    ) -> Result<()> {
        let short: Option<fn(u32) -> Instr> = match op {
            BinaryOp::And => Some(Instr::JumpIfFalseKeep),
            BinaryOp::Or => Some(Instr::JumpIfTrueKeep),
            BinaryOp::Coalesce => Some(Instr::JumpIfPresent),
            _ => None,
        };
        self.expr(e, scope, l)?;
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

    fn call(&mut self, e: &mut Emitter, scope: Scope<'_>, name: &str, args: &[Expr]) -> Result<()> {
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

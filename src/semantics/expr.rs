//! Typing expressions and templates.
//!
//! Every expression gets a type; an expression with an error gets [`Ty::Error`], which
//! every later check accepts silently, so one mistake gives one diagnostic.

use super::checker::Checker;
use super::codes;
use super::scope::{Outcome, Scope, Vars};
use super::suggest::did_you_mean;
use super::symbols::Decl;
use super::types::{Ty, assignable, comparable, is_iso_date, join, orderable};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, Span, Template, TemplatePart, UnaryOp};

/// The built-in functions.
pub const BUILTINS: &[&str] = &[
    "len",
    "lower",
    "upper",
    "trim",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "exists",
];

const OPTIONAL_HELP: &str = "use `??` to give a default, or check it with `exists`";

/// The literal text of a string without interpolations.
pub fn plain_text(template: &Template) -> Option<String> {
    let mut text = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text { value, .. } => text.push_str(value),
            TemplatePart::Expr(_) => return None,
        }
    }
    Some(text)
}

impl<'a> Checker<'a> {
    /// Checks a template: every interpolation must have a value that is not optional.
    pub fn template(&mut self, template: &Template, scope: Scope<'_>) {
        for part in &template.parts {
            if let TemplatePart::Expr(expr) = part {
                self.value(expr, scope);
            }
        }
    }

    /// Checks a condition: a `bool` that is not optional.
    pub fn condition(&mut self, expr: &Expr, scope: Scope<'_>) {
        self.expect(expr, scope, &Ty::Bool);
    }

    /// Checks that `expr` has a value of type `expected`.
    pub fn expect(&mut self, expr: &Expr, scope: Scope<'_>, expected: &Ty) {
        if let ExprKind::Str(template) = &expr.kind
            && let Some(text) = plain_text(template)
        {
            match expected.base() {
                Ty::Date => {
                    self.template(template, scope);
                    if !is_iso_date(&text) {
                        self.mismatch(scope, &expr.span, expected, "text that is not a date");
                    }
                    return;
                }
                Ty::OneOf(choices) if !choices.contains(&text) => {
                    self.mismatch(scope, &expr.span, expected, &format!("{text:?}"));
                    return;
                }
                _ => {}
            }
        }
        let ty = self.expr(expr, scope);
        if ty.is_error() || expected.is_error() {
            return;
        }
        if ty.is_optional() && !expected.is_optional() {
            self.optional_error(scope, &expr.span, &ty);
            return;
        }
        if !assignable(ty.non_optional(), expected.non_optional()) {
            self.mismatch(scope, &expr.span, expected, &format!("`{ty}`"));
        }
    }

    /// Types `expr` and requires a value that cannot be absent; returns its type without
    /// `?` (after reporting, so that one mistake gives one error).
    pub fn value(&mut self, expr: &Expr, scope: Scope<'_>) -> Ty {
        let ty = self.expr(expr, scope);
        if ty.is_optional() {
            self.optional_error(scope, &expr.span, &ty);
            return ty.non_optional().clone();
        }
        ty
    }

    fn optional_error(&mut self, scope: Scope<'_>, span: &Span, ty: &Ty) {
        self.diags.push(
            Diagnostic::error(
                codes::OPTIONAL_VALUE,
                format!(
                    "this value may be absent (`{ty}`) but {} needs a value",
                    scope.place
                ),
                scope.file,
                span.clone(),
            )
            .with_primary_label("may be absent")
            .with_help(OPTIONAL_HELP),
        );
    }

    fn mismatch(&mut self, scope: Scope<'_>, span: &Span, expected: &Ty, found: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!(
                    "mismatched types: {} expects `{expected}`, found {found}",
                    scope.place
                ),
                scope.file,
                span.clone(),
            )
            .with_primary_label(format!("expected `{expected}`")),
        );
    }

    /// The type of an expression.
    pub fn expr(&mut self, expr: &Expr, scope: Scope<'_>) -> Ty {
        match &expr.kind {
            ExprKind::Int(_) => Ty::Int,
            ExprKind::Number(_) => Ty::Number,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Str(template) => {
                self.template(template, scope);
                Ty::Text
            }
            ExprKind::List(items) => {
                let mut element: Option<Ty> = None;
                for item in items {
                    let ty = self.value(item, scope);
                    element = match element {
                        None => Some(ty),
                        Some(previous) => match join(&previous, &ty) {
                            Some(joined) => Some(joined),
                            None => {
                                self.mismatch(scope, &item.span, &previous, &format!("`{ty}`"));
                                Some(Ty::Error)
                            }
                        },
                    };
                }
                Ty::List(Box::new(element.unwrap_or(Ty::Json)))
            }
            ExprKind::Object(fields) => {
                // Absent optional values become `null` in JSON, so they are fine here.
                for field in fields {
                    self.expr(&field.value, scope);
                }
                Ty::Json
            }
            ExprKind::Name(name) => self.name(name, scope),
            ExprKind::Customer(attr) => self.customer_attr(attr, scope),
            ExprKind::Secret(name) => self.secret(name, scope),
            ExprKind::Field(base, field) => self.field(base, field, scope),
            ExprKind::Unary(op, operand) => match op {
                UnaryOp::Not => {
                    self.expect(operand, scope, &Ty::Bool);
                    Ty::Bool
                }
                UnaryOp::Neg => {
                    let ty = self.value(operand, scope);
                    if ty.is_dynamic() || ty.is_numeric() {
                        ty
                    } else {
                        self.bad_operands(scope, &expr.span, "`-`", &ty, None);
                        Ty::Error
                    }
                }
            },
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, &expr.span, scope),
            ExprKind::Call(name, args) => self.call(name, args, &expr.span, scope),
        }
    }

    fn name(&mut self, name: &Ident, scope: Scope<'_>) -> Ty {
        let text = name.name.as_str();
        if let Some((own, ty)) = scope.own
            && own == text
        {
            return ty.clone();
        }
        match (text, scope.value, scope.outcome) {
            ("value", Some(ty), _) => return ty.clone(),
            ("result", _, Outcome::Result(_)) | ("response", _, Outcome::Response(_)) => {
                return Ty::Json;
            }
            _ => {}
        }
        let conv = self.conv_types.get(text).cloned();
        match scope.vars {
            Vars::Procedure { locals, collected } => {
                if let Some(ty) = locals.get(text) {
                    return ty.clone();
                }
                if let Some(ty) = conv {
                    self.used.insert(text.to_string());
                    let is_collected = collected.is_none_or(|set| set.contains(text));
                    return if is_collected { ty } else { ty.optional() };
                }
            }
            Vars::Conversation => {
                if let Some(ty) = conv {
                    self.used.insert(text.to_string());
                    return ty;
                }
            }
            Vars::ConversationOptional => {
                if let Some(ty) = conv {
                    self.used.insert(text.to_string());
                    return ty.optional();
                }
            }
            Vars::None(why) => {
                if conv.is_some() {
                    self.not_here(scope, name, why);
                    return Ty::Error;
                }
            }
        }
        let special = match text {
            "value" => Some("`value` is only in scope in the `check` of a type or a variable"),
            "result" => Some("`result` is only in scope in `on success` of a component procedure"),
            "response" => {
                Some("`response` is only in scope in `on success` of an api_call procedure")
            }
            _ => None,
        };
        if let Some(why) = special {
            self.not_here(scope, name, why);
            return Ty::Error;
        }
        if let Some(entry) = self.syms.values.get(text).copied() {
            self.diags.push(
                Diagnostic::error(
                    codes::WRONG_KIND_OF_NAME,
                    format!("`{text}` is {}, not a variable", entry.decl.describe()),
                    scope.file,
                    name.span.clone(),
                )
                .with_primary_label("expected a variable")
                .with_label(entry.file, entry.name.span.clone(), "declared here"),
            );
            return Ty::Error;
        }
        let mut candidates: Vec<String> = self.conv_types.keys().cloned().collect();
        if let Vars::Procedure { locals, .. } = scope.vars {
            candidates.extend(locals.keys().cloned());
        }
        candidates.sort();
        self.unknown(
            scope.file,
            name,
            "variable",
            candidates.iter().map(String::as_str),
        );
        Ty::Error
    }

    fn not_here(&mut self, scope: Scope<'_>, name: &Ident, why: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::NOT_AVAILABLE_HERE,
                format!("`{}` cannot be used in {}", name.name, scope.place),
                scope.file,
                name.span.clone(),
            )
            .with_primary_label("not available here")
            .with_help(why.to_string()),
        );
    }

    fn customer_attr(&mut self, attr: &Ident, scope: Scope<'_>) -> Ty {
        if !scope.customer {
            self.not_here(scope, attr, "a refinement type's check sees only `value`");
            return Ty::Error;
        }
        match self.customer_types.get(&attr.name) {
            Some(ty) => ty.clone(),
            None => {
                let mut names: Vec<&str> = self.syms.customer.keys().copied().collect();
                names.sort();
                self.unknown(scope.file, attr, "customer attribute", names);
                Ty::Error
            }
        }
    }

    fn secret(&mut self, name: &Ident, scope: Scope<'_>) -> Ty {
        let declared = self.lookup(scope.file, name, "a secret", |d| {
            matches!(d, Decl::Secret(_))
        });
        if !scope.secrets {
            self.diags.push(
                Diagnostic::error(
                    codes::SECRET_FLOW,
                    format!("the secret `{}` flows into {}", name.name, scope.place),
                    scope.file,
                    name.span.clone(),
                )
                .with_primary_label("secrets must never reach the customer")
                .with_help(
                    "a secret may be used only as itself in an api_call `request`: `{secret.N}` in a `header` or `query` value, `secret.N` as a `body` field",
                ),
            );
            return Ty::Error;
        }
        if declared.is_some() {
            Ty::Text
        } else {
            Ty::Error
        }
    }

    fn field(&mut self, base: &Expr, field: &Ident, scope: Scope<'_>) -> Ty {
        if let ExprKind::Name(name) = &base.kind {
            let shadowed = scope.own.is_some_and(|(own, _)| own == name.name);
            let fields = match (name.name.as_str(), scope.outcome) {
                ("result", Outcome::Result(fields)) => {
                    Some(("the component's outputs", Some(fields)))
                }
                ("response", Outcome::Response(fields)) => Some(("`returns`", fields)),
                _ => None,
            };
            if let (Some((what, fields)), false) = (fields, shadowed) {
                let Some(fields) = fields else {
                    return Ty::Json;
                };
                if let Some(ty) = fields.get(&field.name) {
                    return ty.clone();
                }
                let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
                names.sort();
                let mut diag = Diagnostic::error(
                    codes::NO_SUCH_FIELD,
                    format!("`{}` has no field `{}`", name.name, field.name),
                    scope.file,
                    field.span.clone(),
                )
                .with_primary_label(format!("not in {what}"));
                diag.help = did_you_mean(&field.name, names);
                self.diags.push(diag);
                return Ty::Error;
            }
        }
        let ty = self.value(base, scope);
        if ty.is_dynamic() {
            return ty.base().clone();
        }
        self.diags.push(
            Diagnostic::error(
                codes::NO_SUCH_FIELD,
                format!("a value of type `{ty}` has no fields"),
                scope.file,
                field.span.clone(),
            )
            .with_primary_label(format!("no field `{}`", field.name))
            .with_help("only `json` values, `result` and `response` have fields"),
        );
        Ty::Error
    }

    fn bad_operands(
        &mut self,
        scope: Scope<'_>,
        span: &Span,
        op: &str,
        left: &Ty,
        right: Option<&Ty>,
    ) {
        let found = match right {
            Some(right) => format!("`{left}` and `{right}`"),
            None => format!("`{left}`"),
        };
        self.diags.push(
            Diagnostic::error(
                codes::BAD_OPERANDS,
                format!("{op} cannot be applied to {found}"),
                scope.file,
                span.clone(),
            )
            .with_primary_label(format!("{op} on {found}"))
            .with_help(operator_help(op)),
        );
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        span: &Span,
        scope: Scope<'_>,
    ) -> Ty {
        match op {
            BinaryOp::Coalesce => {
                let lt = self.expr(left, scope);
                let rt = self.expr(right, scope);
                if !lt.is_optional() && !lt.is_error() {
                    self.diags.push(
                        Diagnostic::error(
                            codes::NOT_OPTIONAL,
                            format!("the left side of `??` is never absent (`{lt}`)"),
                            scope.file,
                            left.span.clone(),
                        )
                        .with_primary_label("always has a value")
                        .with_help("remove `??` and its right side"),
                    );
                }
                match join(&lt, &rt) {
                    Some(ty) if rt.is_optional() => ty.optional(),
                    Some(ty) => ty,
                    None => {
                        self.mismatch(scope, &right.span, lt.non_optional(), &format!("`{rt}`"));
                        Ty::Error
                    }
                }
            }
            BinaryOp::And | BinaryOp::Or => {
                self.expect(left, scope, &Ty::Bool);
                self.expect(right, scope, &Ty::Bool);
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let lt = self.value(left, scope);
                let rt = self.value(right, scope);
                if !comparable(&lt, &rt) {
                    self.bad_operands(scope, span, op_text(op), &lt, Some(&rt));
                } else {
                    self.choice_literal(&lt, right, scope);
                    self.choice_literal(&rt, left, scope);
                }
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let lt = self.value(left, scope);
                let rt = self.value(right, scope);
                if !orderable(&lt, &rt) {
                    self.bad_operands(scope, span, op_text(op), &lt, Some(&rt));
                }
                Ty::Bool
            }
            BinaryOp::In => {
                let lt = self.value(left, scope);
                let rt = self.value(right, scope);
                let fits = match rt.base() {
                    Ty::List(element) => comparable(&lt, element),
                    Ty::Text | Ty::OneOf(_) => lt.is_textual() || lt.is_dynamic(),
                    Ty::Json | Ty::Error => true,
                    _ => false,
                };
                if !fits && !lt.is_error() {
                    self.bad_operands(scope, span, "`in`", &lt, Some(&rt));
                }
                Ty::Bool
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let lt = self.value(left, scope);
                let rt = self.value(right, scope);
                if lt.is_error() || rt.is_error() {
                    return Ty::Error;
                }
                let numeric =
                    (lt.is_numeric() || lt.is_dynamic()) && (rt.is_numeric() || rt.is_dynamic());
                let textual =
                    (lt.is_textual() || lt.is_dynamic()) && (rt.is_textual() || rt.is_dynamic());
                if lt.is_dynamic() && rt.is_dynamic() {
                    Ty::Json
                } else if numeric {
                    match op {
                        BinaryOp::Div => Ty::Number,
                        _ if matches!(lt.base(), Ty::Int) && matches!(rt.base(), Ty::Int) => {
                            Ty::Int
                        }
                        _ => Ty::Number,
                    }
                } else if textual && op == BinaryOp::Add {
                    Ty::Text
                } else {
                    self.bad_operands(scope, span, op_text(op), &lt, Some(&rt));
                    Ty::Error
                }
            }
        }
    }

    /// `reason == "lat"` where `reason` is a `one_of`: the literal must be a choice.
    fn choice_literal(&mut self, ty: &Ty, other: &Expr, scope: Scope<'_>) {
        if let (Ty::OneOf(choices), ExprKind::Str(template)) = (ty.base(), &other.kind)
            && let Some(text) = plain_text(template)
            && !choices.contains(&text)
        {
            self.mismatch(scope, &other.span, ty, &format!("{text:?}"));
        }
    }

    fn call(&mut self, name: &Ident, args: &[Expr], span: &Span, scope: Scope<'_>) -> Ty {
        let arity = match name.name.as_str() {
            "len" | "lower" | "upper" | "trim" | "exists" => 1,
            "contains" | "starts_with" | "ends_with" | "matches" => 2,
            _ => {
                for arg in args {
                    self.expr(arg, scope);
                }
                self.unknown(scope.file, name, "function", BUILTINS.iter().copied());
                return Ty::Error;
            }
        };
        if args.len() != arity {
            self.diags.push(
                Diagnostic::error(
                    codes::WRONG_ARITY,
                    format!(
                        "`{}` takes {arity} argument{}, but {} {} given",
                        name.name,
                        if arity == 1 { "" } else { "s" },
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                    scope.file,
                    span.clone(),
                )
                .with_primary_label(format!("expected {arity}")),
            );
            for arg in args {
                self.expr(arg, scope);
            }
            return match name.name.as_str() {
                "len" => Ty::Int,
                "lower" | "upper" | "trim" => Ty::Text,
                _ => Ty::Bool,
            };
        }
        match name.name.as_str() {
            "exists" => {
                let ty = self.expr(&args[0], scope);
                if !ty.is_optional() && !ty.is_error() {
                    self.diags.push(
                        Diagnostic::error(
                            codes::NOT_OPTIONAL,
                            format!("`exists` on a value that is never absent (`{ty}`)"),
                            scope.file,
                            args[0].span.clone(),
                        )
                        .with_primary_label("always has a value")
                        .with_help("`exists` is always true here; remove it"),
                    );
                }
                Ty::Bool
            }
            "len" => {
                let ty = self.value(&args[0], scope);
                if !(ty.is_textual() || ty.is_dynamic() || matches!(ty.base(), Ty::List(_))) {
                    self.mismatch(
                        scope.at("`len`"),
                        &args[0].span,
                        &Ty::Text,
                        &format!("`{ty}`"),
                    );
                }
                Ty::Int
            }
            "lower" | "upper" | "trim" => {
                self.expect_text(&args[0], scope);
                Ty::Text
            }
            "starts_with" | "ends_with" => {
                self.expect_text(&args[0], scope);
                self.expect_text(&args[1], scope);
                Ty::Bool
            }
            "contains" => {
                let haystack = self.value(&args[0], scope);
                let needle = self.value(&args[1], scope);
                let fits = match haystack.base() {
                    Ty::List(element) => comparable(element, &needle),
                    Ty::Text | Ty::OneOf(_) => needle.is_textual() || needle.is_dynamic(),
                    Ty::Json | Ty::Error => true,
                    _ => false,
                };
                if !fits && !needle.is_error() {
                    self.bad_operands(scope, span, "`contains`", &haystack, Some(&needle));
                }
                Ty::Bool
            }
            _ => {
                self.expect_text(&args[0], scope);
                self.regex_pattern(&args[1], scope);
                Ty::Bool
            }
        }
    }

    fn expect_text(&mut self, expr: &Expr, scope: Scope<'_>) {
        let ty = self.value(expr, scope);
        if !(ty.is_textual() || ty.is_dynamic()) {
            self.mismatch(scope, &expr.span, &Ty::Text, &format!("`{ty}`"));
        }
    }

    /// The regex of a `matches` literal. Braces in a pattern are regex syntax (`{2}`,
    /// `{2,5}`), so an interpolation whose inside is a plain number list is taken back
    /// as written; any other interpolation makes the pattern not a literal.
    fn pattern_text(&self, scope: Scope<'_>, template: &Template) -> Option<String> {
        let mut pattern = String::new();
        for part in &template.parts {
            match part {
                TemplatePart::Text { value, .. } => pattern.push_str(value),
                TemplatePart::Expr(inner) => {
                    if scope.file.0 as usize >= self.sources.len() {
                        return None;
                    }
                    let written = self.sources.get(scope.file).text.get(inner.span.clone())?;
                    if !written
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
                    {
                        return None;
                    }
                    pattern.push('{');
                    pattern.push_str(written);
                    pattern.push('}');
                }
            }
        }
        Some(pattern)
    }

    /// The pattern of `matches`: a plain string literal that compiles as a regex.
    fn regex_pattern(&mut self, expr: &Expr, scope: Scope<'_>) {
        let pattern = match &expr.kind {
            ExprKind::Str(template) => self.pattern_text(scope, template),
            _ => None,
        };
        let Some(pattern) = pattern else {
            self.expr(expr, scope);
            self.diags.push(
                Diagnostic::error(
                    codes::INVALID_REGEX,
                    "the pattern of `matches` must be a string literal",
                    scope.file,
                    expr.span.clone(),
                )
                .with_primary_label("not a literal")
                .with_help("write the regular expression as a string without `{...}`"),
            );
            return;
        };
        if let Err(error) = regex::Regex::new(&pattern) {
            let reason = error.to_string();
            let last = reason
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_string();
            self.diags.push(
                Diagnostic::error(
                    codes::INVALID_REGEX,
                    "invalid regular expression",
                    scope.file,
                    expr.span.clone(),
                )
                .with_primary_label(last)
                .with_help(
                    "the pattern uses Rust `regex` syntax (no look-around, no back-references)",
                ),
            );
        }
    }
}

fn op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Coalesce => "`??`",
        BinaryOp::Or => "`or`",
        BinaryOp::And => "`and`",
        BinaryOp::Eq => "`==`",
        BinaryOp::Ne => "`!=`",
        BinaryOp::Lt => "`<`",
        BinaryOp::Le => "`<=`",
        BinaryOp::Gt => "`>`",
        BinaryOp::Ge => "`>=`",
        BinaryOp::In => "`in`",
        BinaryOp::Add => "`+`",
        BinaryOp::Sub => "`-`",
        BinaryOp::Mul => "`*`",
        BinaryOp::Div => "`/`",
    }
}

fn operator_help(op: &str) -> &'static str {
    match op {
        "`+`" => "`+` adds numbers or joins two texts",
        "`-`" | "`*`" | "`/`" => "arithmetic works on `int` and `number`",
        "`==`" | "`!=`" => "only values of the same type can be compared",
        "`in`" | "`contains`" => "the right side must be a list of such values, or a text",
        _ => "`<`, `<=`, `>`, `>=` compare numbers, texts or dates",
    }
}

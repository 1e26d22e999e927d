//! Typing expressions and templates.
//!
//! Every expression gets a type; an expression with an error gets [`Ty::Error`], which
//! every later check accepts silently, so one mistake gives one diagnostic.

use super::checker::Checker;
use super::codes;
use super::report;
use super::resolved::{FailureField, Reference, Target};
use super::scope::{Outcome, Scope, Vars};
use super::suggest::did_you_mean;
use super::symbols::Decl;
use super::types::{Ty, assignable, comparable, join, orderable, searchable};
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
    "join",
    "today",
    "hour",
    "add_days",
    "days_between",
    "weekday",
];

/// What `weekday(date)` gives.
pub(super) const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const OPTIONAL_HELP: &str = "use `??` to give a default, or check it with `exists`";

/// The literal text of a string without interpolations.
pub(super) fn plain_text(template: &Template) -> Option<String> {
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
    pub(super) fn template(&mut self, template: &Template, scope: Scope<'_>) {
        for part in &template.parts {
            if let TemplatePart::Expr(expr) = part {
                self.value(expr, scope);
            }
        }
    }

    /// Checks a condition: a `bool` that is not optional.
    pub(super) fn condition(&mut self, expr: &Expr, scope: Scope<'_>) {
        self.expect(expr, scope, &Ty::Bool);
    }

    /// Checks that `expr` has a value of type `expected`.
    pub(super) fn expect(&mut self, expr: &Expr, scope: Scope<'_>, expected: &Ty) {
        if let (ExprKind::List(items), Ty::List(element)) = (&expr.kind, expected.base()) {
            for item in items {
                self.expect(item, scope, element);
            }
            return;
        }
        if let ExprKind::Str(template) = &expr.kind
            && let Some(text) = plain_text(template)
        {
            match expected.base() {
                Ty::Date => {
                    self.date_literal(expr, &text, scope);
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
        self.expect_typed(ty, &expr.span, scope, expected);
    }

    /// [`Checker::expect`] for an expression already typed `ty`.
    fn expect_typed(&mut self, ty: Ty, span: &Span, scope: Scope<'_>, expected: &Ty) {
        if ty.is_error() || expected.is_error() {
            return;
        }
        if ty.is_optional() && !expected.is_optional() {
            self.optional_error(scope, span, &ty);
            return;
        }
        if !assignable(ty.non_optional(), expected.non_optional()) {
            self.mismatch(scope, span, expected, &format!("`{ty}`"));
        }
    }

    /// Types `expr` and requires a value that cannot be absent; returns its type without
    /// `?` (after reporting, so that one mistake gives one error).
    pub(super) fn value(&mut self, expr: &Expr, scope: Scope<'_>) -> Ty {
        let ty = self.expr(expr, scope);
        self.present(ty, expr, scope)
    }

    pub(super) fn optional_error(&mut self, scope: Scope<'_>, span: &Span, ty: &Ty) {
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

    /// A text literal where a date is expected: a real `YYYY-MM-DD` day (E0200), then
    /// recorded so that code generation emits it as a date.
    fn date_literal(&mut self, expr: &Expr, text: &str, scope: Scope<'_>) {
        if crate::calendar::parse_date(text).is_some() {
            self.date_literals.insert((scope.file, expr.span.start));
            return;
        }
        self.diags.push(
            Diagnostic::error(
                codes::INVALID_DATE,
                format!("{text:?} is not a date"),
                scope.file,
                expr.span.clone(),
            )
            .with_primary_label("not a real `YYYY-MM-DD` day")
            .with_help(
                "write a date as year-month-day with four, two and two digits, e.g. \"2026-03-02\"",
            ),
        );
    }

    /// Types one operand of a pair whose other operand has type `other`: a plain text
    /// literal next to a date is a date literal.
    fn beside(&mut self, expr: &Expr, other: &Ty, scope: Scope<'_>) -> Ty {
        if matches!(other.base(), Ty::Date)
            && let ExprKind::Str(template) = &expr.kind
            && let Some(text) = plain_text(template)
        {
            self.date_literal(expr, &text, scope);
            return if crate::calendar::parse_date(&text).is_some() {
                Ty::Date
            } else {
                Ty::Error
            };
        }
        if let (Ty::List(element), ExprKind::List(items)) = (other.base(), &expr.kind)
            && matches!(element.base(), Ty::Date)
            && items.iter().any(is_plain_text)
        {
            self.expect(expr, scope, other.non_optional());
            return Ty::List(Box::new(Ty::Date));
        }
        self.expr(expr, scope)
    }

    /// Types two operands where a text literal on either side becomes a date when the
    /// other side is one (`d < "2026-01-01"`, `"2026-01-01" == d`, `d ?? "2026-01-01"`).
    fn pair(&mut self, left: &Expr, right: &Expr, scope: Scope<'_>) -> (Ty, Ty) {
        let left_ty = self.expr(left, scope);
        self.pair_typed((left, left_ty), right, scope)
    }

    /// [`Checker::pair`] where `left` is already typed `left_ty` (the spine loop types a
    /// binary operator's left side before the operator).
    fn pair_typed(
        &mut self,
        (left, left_ty): (&Expr, Ty),
        right: &Expr,
        scope: Scope<'_>,
    ) -> (Ty, Ty) {
        if is_plain_text(left) && !is_plain_text(right) {
            // A plain text typed alone reported nothing; beside `right` it may be a date.
            let rt = self.expr(right, scope);
            let lt = self.beside(left, &rt, scope);
            (lt, rt)
        } else {
            let rt = self.beside(right, &left_ty, scope);
            (left_ty, rt)
        }
    }

    /// [`Checker::pair_typed`] for operands that need values (not optional).
    fn value_pair(&mut self, left: (&Expr, Ty), right: &Expr, scope: Scope<'_>) -> (Ty, Ty) {
        let expr = left.0;
        let (lt, rt) = self.pair_typed(left, right, scope);
        (
            self.present(lt, expr, scope),
            self.present(rt, right, scope),
        )
    }

    /// Reports an optional type where a value is needed; returns it without `?`.
    fn present(&mut self, ty: Ty, expr: &Expr, scope: Scope<'_>) -> Ty {
        if ty.is_optional() {
            self.optional_error(scope, &expr.span, &ty);
            return ty.non_optional().clone();
        }
        ty
    }

    /// A condition of a revision 2 form (`if … then … else`, `require`): a `bool` that
    /// is not optional; anything else is `code` with its own help line.
    pub(super) fn form_condition(
        &mut self,
        cond: &Expr,
        scope: Scope<'_>,
        (code, form, help): (&'static str, &str, &str),
    ) {
        let ty = self.expr(cond, scope);
        if ty.is_optional() {
            self.optional_error(scope, &cond.span, &ty);
        } else if !ty.is_error() && !matches!(ty.base(), Ty::Bool | Ty::Json) {
            self.diags.push(
                Diagnostic::error(
                    code,
                    format!("the condition of `{form}` is `{ty}`, not a `bool`"),
                    scope.file,
                    cond.span.clone(),
                )
                .with_primary_label("expected a `bool`")
                .with_help(help.to_owned()),
            );
        }
    }

    /// `if C then A else B`: a `bool` condition (E0203) and branches of one type (E0202).
    fn conditional(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr, scope: Scope<'_>) -> Ty {
        self.form_condition(
            cond,
            scope,
            (
                codes::IF_CONDITION,
                "if",
                "compare it, e.g. `x > 0` or `x == \"a\"`, or use `exists(x)` for an optional value",
            ),
        );
        let (tt, et) = self.pair(then, otherwise, scope);
        match join(&tt, &et) {
            Some(ty) if tt.is_optional() || et.is_optional() => ty.optional(),
            Some(ty) => ty,
            None => {
                self.diags.push(
                    Diagnostic::error(
                        codes::IF_BRANCH_TYPES,
                        format!("the branches of `if` have different types: `{tt}` and `{et}`"),
                        scope.file,
                        otherwise.span.clone(),
                    )
                    .with_primary_label(format!("this is `{et}`"))
                    .with_label(scope.file, then.span.clone(), format!("this is `{tt}`"))
                    .with_help("both branches must give a value of one type; convert one, e.g. with \"{x}\" for a text"),
                );
                Ty::Error
            }
        }
    }

    /// The type of an expression. The operators down its spine are typed in a loop,
    /// innermost first (see `syntax::spine`), so a flat chain of any length is checked
    /// without recursing per operator.
    pub(super) fn expr(&mut self, expr: &Expr, scope: Scope<'_>) -> Ty {
        let (innermost, operators) = expr.spine();
        let mut ty = self.operand(innermost, scope);
        for operator in operators.into_iter().rev() {
            ty = self.operator(operator, ty, scope);
        }
        ty
    }

    /// The type of an operator whose first operand has type `first`.
    fn operator(&mut self, expr: &Expr, first: Ty, scope: Scope<'_>) -> Ty {
        match &expr.kind {
            ExprKind::Field(base, field) => self.field(base, first, field, scope),
            ExprKind::Unary(UnaryOp::Not, operand) => {
                self.expect_typed(first, &operand.span, scope, &Ty::Bool);
                Ty::Bool
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                let ty = self.present(first, operand, scope);
                if ty.is_dynamic() || ty.is_numeric() {
                    ty
                } else {
                    self.bad_operands(scope, &expr.span, "`-`", &ty, None);
                    Ty::Error
                }
            }
            ExprKind::Binary(op, left, right) => {
                self.binary(*op, (left, first), right, &expr.span, scope)
            }
            // `Expr::spine` yields only operators.
            _ => first,
        }
    }

    /// The type of an expression that is not an operator.
    fn operand(&mut self, expr: &Expr, scope: Scope<'_>) -> Ty {
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
            ExprKind::Field(..) | ExprKind::Unary(..) | ExprKind::Binary(..) => {
                self.expr(expr, scope)
            }
            ExprKind::Call(name, args) => self.call(name, args, &expr.span, scope),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.conditional(cond, then, otherwise, scope),
        }
    }

    fn name(&mut self, name: &Ident, scope: Scope<'_>) -> Ty {
        let text = name.name.as_str();
        let file = scope.file;
        if let Some((own, ty)) = scope.own
            && own == text
        {
            self.refer(file, name, Reference::Is(Target::Value));
            return ty.clone();
        }
        let place = match (text, scope.value, scope.outcome) {
            ("value", Some(ty), _) => Some((Target::Value, ty.clone())),
            ("result", _, Outcome::Result(record))
            | ("response", _, Outcome::Response(Some(record))) => {
                Some((Target::Result, record.clone()))
            }
            ("response", _, Outcome::Response(None)) => Some((Target::Result, Ty::Json)),
            // In `on failure` these name the failure, before any variable of that name.
            ("reason", _, Outcome::Failure) => {
                Some((Target::Failure(FailureField::Reason), Ty::Text))
            }
            ("status", _, Outcome::Failure) => {
                Some((Target::Failure(FailureField::Status), Ty::Int.optional()))
            }
            ("response", _, Outcome::Failure) => {
                Some((Target::Failure(FailureField::Response), Ty::Json.optional()))
            }
            _ => None,
        };
        if let Some((target, ty)) = place {
            self.refer(file, name, Reference::Is(target));
            return ty;
        }
        let conv = self.conv_types.get(text).cloned();
        // A conversation variable, recorded as used and as what the name stands for.
        let conversation = |checker: &mut Self, ty: Ty| {
            checker.used.insert(text.to_string());
            if let Some(entry) = checker.syms.values.get(text).copied() {
                let declared = Reference::Declared((entry.file, entry.name.span.start));
                checker.refer(file, name, declared);
            }
            ty
        };
        match scope.vars {
            Vars::Procedure { locals, collected } => {
                if let Some(ty) = locals.get(text) {
                    if let Some(&site) = self.local_sites.get(text) {
                        self.refer(file, name, Reference::Local(site));
                    }
                    return ty.clone();
                }
                if let Some(ty) = conv {
                    let is_collected = collected.is_none_or(|set| set.contains(text));
                    let ty = conversation(self, ty);
                    return if is_collected { ty } else { ty.optional() };
                }
            }
            Vars::Conversation => {
                if let Some(ty) = conv {
                    return conversation(self, ty);
                }
            }
            Vars::ConversationOptional => {
                if let Some(ty) = conv {
                    return conversation(self, ty).optional();
                }
            }
            Vars::Audience => {
                if let Some(ty) = conv.filter(|_| self.is_conv_lookup(text)) {
                    return conversation(self, ty).optional();
                }
                if self.conv_types.contains_key(text) {
                    self.not_here(
                        scope,
                        name,
                        "an audience sees only `customer.*` and lookups (read if known)",
                    );
                    return Ty::Error;
                }
            }
            Vars::None(why) => {
                if conv.is_some() {
                    self.not_here(scope, name, why);
                    return Ty::Error;
                }
            }
        }
        if text == "value" {
            let why = "`value` is only in scope in the `check` of a type or a variable";
            self.not_here(scope, name, why);
            return Ty::Error;
        }
        let outcome_name = match text {
            "result" => Some("`result` is in scope only in `on success` of a component procedure"),
            "response" => Some(
                "`response` is in scope only in `on success` of an api_call procedure and in `on failure`",
            ),
            "reason" | "status" => Some("`reason` and `status` are in scope only in `on failure`"),
            _ => None,
        };
        if let Some(why) = outcome_name {
            self.diags.push(
                Diagnostic::error(
                    codes::OUTCOME_NAME_OUTSIDE,
                    format!("`{text}` is not in scope in {}", scope.place),
                    scope.file,
                    name.span.clone(),
                )
                .with_primary_label("only in the outcome blocks that have it")
                .with_help(why),
            );
            return Ty::Error;
        }
        if let Some(entry) = self.syms.values.get(text).copied() {
            let diagnostic = report::wrong_kind_of_name(scope.file, name, &entry, "a variable");
            self.diags.push(diagnostic);
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
        match self.customer_types.get(&attr.name).cloned() {
            Some(ty) => {
                if let Some((file, field)) = self.syms.customer.get(attr.name.as_str()).copied() {
                    let declared = Reference::Declared((file, field.name.span.start));
                    self.refer(scope.file, attr, declared);
                }
                ty
            }
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

    /// `base.field`, where `base` has type `base_ty`: a field of a record (`result`,
    /// `response`, a typed field of one), or anything of `json`.
    fn field(&mut self, base: &Expr, base_ty: Ty, field: &Ident, scope: Scope<'_>) -> Ty {
        if let Some(ty) = self.lookup_field(base, &base_ty, field, scope) {
            return ty;
        }
        let ty = self.present(base_ty, base, scope);
        if ty.is_dynamic() {
            return ty.base().clone();
        }
        if let Ty::Record(fields) = ty.base() {
            if let Some(found) = ty.field(&field.name) {
                return found.clone();
            }
            let (what, place) = match &base.kind {
                ExprKind::Name(name) => {
                    let place = match (name.name.as_str(), scope.outcome) {
                        ("result", Outcome::Result(_)) => "the component's outputs".to_owned(),
                        ("response", Outcome::Response(_)) => "`returns`".to_owned(),
                        _ => format!("`{ty}`"),
                    };
                    (format!("`{}`", name.name), place)
                }
                _ => ("this record".to_owned(), format!("`{ty}`")),
            };
            let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
            let mut diag = Diagnostic::error(
                codes::NO_SUCH_FIELD,
                format!("{what} has no field `{}`", field.name),
                scope.file,
                field.span.clone(),
            )
            .with_primary_label(format!("not in {place}"));
            diag.help = did_you_mean(&field.name, names);
            self.diags.push(diag);
            return Ty::Error;
        }
        self.diags.push(
            Diagnostic::error(
                codes::NO_SUCH_FIELD,
                format!("a value of type `{ty}` has no fields"),
                scope.file,
                field.span.clone(),
            )
            .with_primary_label(format!("no field `{}`", field.name))
            .with_help(
                "only records (`result`, `response`, a record field) and `json` values have fields",
            ),
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

    /// `left op right`, where `left` (already checked) has type `left_ty`.
    fn binary(
        &mut self,
        op: BinaryOp,
        (left, left_ty): (&Expr, Ty),
        right: &Expr,
        span: &Span,
        scope: Scope<'_>,
    ) -> Ty {
        match op {
            BinaryOp::Coalesce => {
                let (lt, rt) = self.pair_typed((left, left_ty), right, scope);
                if !lt.is_optional() && !lt.is_error() {
                    self.diags.push(report::never_absent(
                        scope.file,
                        &left.span,
                        format!("the left side of `??` is never absent (`{lt}`)"),
                        "remove `??` and its right side",
                    ));
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
                self.expect_typed(left_ty, &left.span, scope, &Ty::Bool);
                self.expect(right, scope, &Ty::Bool);
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let (lt, rt) = self.value_pair((left, left_ty), right, scope);
                if !comparable(&lt, &rt) {
                    self.bad_operands(scope, span, op_text(op), &lt, Some(&rt));
                } else {
                    self.choice_literal(&lt, right, scope);
                    self.choice_literal(&rt, left, scope);
                }
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let (lt, rt) = self.value_pair((left, left_ty), right, scope);
                if !orderable(&lt, &rt) {
                    self.bad_operands(scope, span, op_text(op), &lt, Some(&rt));
                }
                Ty::Bool
            }
            BinaryOp::In => {
                let lt = self.present(left_ty, left, scope);
                let list = Ty::List(Box::new(lt.clone()));
                let rt = self.beside(right, &list, scope);
                let rt = self.present(rt, right, scope);
                if !searchable(&rt, &lt) && !lt.is_error() {
                    self.bad_operands(scope, span, "`in`", &lt, Some(&rt));
                } else if let Some(item) = rt.item() {
                    // `"pepperoni" in toppings`: the literal must be one of the choices.
                    self.choice_literal(item, left, scope);
                }
                Ty::Bool
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let lt = self.present(left_ty, left, scope);
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
            "len" | "lower" | "upper" | "trim" | "exists" | "weekday" => 1,
            "contains" | "starts_with" | "ends_with" | "matches" | "join" | "add_days"
            | "days_between" => 2,
            // The zone is optional.
            "today" | "hour" if args.len() <= 1 => args.len(),
            "today" | "hour" => 1,
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
                "len" | "hour" | "days_between" => Ty::Int,
                "lower" | "upper" | "trim" | "join" | "weekday" => Ty::Text,
                "today" | "add_days" => Ty::Date,
                _ => Ty::Bool,
            };
        }
        match name.name.as_str() {
            "join" => {
                let list = self.value(&args[0], scope);
                if !(matches!(list.base(), Ty::List(_)) || list.is_dynamic()) {
                    self.mismatch(
                        scope.at("`join`"),
                        &args[0].span,
                        &Ty::List(Box::new(Ty::Text)),
                        &format!("`{list}`"),
                    );
                }
                self.expect_text(&args[1], scope);
                Ty::Text
            }
            "today" | "hour" => {
                if let Some(zone) = args.first() {
                    self.time_zone(zone, scope);
                }
                if name.name == "today" {
                    Ty::Date
                } else {
                    Ty::Int
                }
            }
            "add_days" => {
                self.expect(&args[0], scope, &Ty::Date);
                self.expect(&args[1], scope, &Ty::Int);
                Ty::Date
            }
            "days_between" => {
                self.expect(&args[0], scope, &Ty::Date);
                self.expect(&args[1], scope, &Ty::Date);
                Ty::Int
            }
            "weekday" => {
                self.expect(&args[0], scope, &Ty::Date);
                Ty::OneOf(WEEKDAYS.iter().map(|d| (*d).to_owned()).collect())
            }
            "exists" => {
                let ty = self.expr(&args[0], scope);
                if !ty.is_optional() && !ty.is_error() {
                    self.diags.push(report::never_absent(
                        scope.file,
                        &args[0].span,
                        format!("`exists` on a value that is never absent (`{ty}`)"),
                        "`exists` is always true here; remove it",
                    ));
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
                if !searchable(&haystack, &needle) && !needle.is_error() {
                    self.bad_operands(scope, span, "`contains`", &haystack, Some(&needle));
                } else if let Some(item) = haystack.item() {
                    self.choice_literal(item, &args[1], scope);
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

    /// The zone of `today(ZONE)` / `hour(ZONE)`: a text; a literal must name a zone of
    /// the IANA database (E0201).
    fn time_zone(&mut self, zone: &Expr, scope: Scope<'_>) {
        let literal = match &zone.kind {
            ExprKind::Str(template) => plain_text(template),
            _ => None,
        };
        let Some(name) = literal else {
            self.expect_text(zone, scope);
            return;
        };
        if crate::calendar::is_time_zone(&name) {
            return;
        }
        let mut diag = Diagnostic::error(
            codes::UNKNOWN_TIME_ZONE,
            format!("unknown time zone {name:?}"),
            scope.file,
            zone.span.clone(),
        )
        .with_primary_label("not in the IANA time-zone database");
        diag.help = Some(match suggest_zone(&name) {
            Some(zone) => format!("did you mean {zone:?}?"),
            None => "name an IANA zone such as \"Europe/Amsterdam\" or \"UTC\"".to_owned(),
        });
        self.diags.push(diag);
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
        // `None`: valid, but larger compiled than the bundle format allows. Building
        // the NFA within the bundle's limit parses the pattern with the syntax `regex`
        // uses, so a pattern it accepts is one `regex` compiles; only a refused one is
        // handed to `regex` (a whole matcher, many times the cost), for its message.
        let checked = match crate::limits::regex_size(&pattern) {
            Ok(_) => Ok(()),
            Err(_) => match regex::Regex::new(&pattern) {
                Ok(_) => Err(None),
                Err(e) => Err(Some(e.to_string())),
            },
        };
        if let Err(None) = checked {
            self.diags.push(
                Diagnostic::error(
                    codes::REGEX_TOO_LARGE,
                    "this regular expression compiles to more than a bundle allows",
                    scope.file,
                    expr.span.clone(),
                )
                .with_primary_label(format!(
                    "larger than {} bytes compiled",
                    crate::limits::REGEX_SIZE_LIMIT
                ))
                .with_help("use smaller counted repetitions (`{n}`) or narrower classes (`[0-9]` instead of `\\d`)"),
            );
        } else if let Err(Some(reason)) = checked {
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

/// The known zone closest to a mistyped one (same spelling ignoring case, or a close
/// edit), for the help line.
fn suggest_zone(name: &str) -> Option<String> {
    let zones: Vec<String> = jiff::tz::db().available().map(|z| z.to_string()).collect();
    if let Some(zone) = zones.iter().find(|z| z.eq_ignore_ascii_case(name)) {
        return Some(zone.clone());
    }
    super::suggest::closest(name, zones.iter().map(String::as_str)).map(str::to_owned)
}

/// Whether the expression is a string literal without interpolations.
fn is_plain_text(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Str(template) if plain_text(template).is_some())
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

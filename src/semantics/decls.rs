//! Checks of the top-level declarations other than procedures and tests: refinement
//! types, audiences, components and conversation variables (and the variable blocks
//! that procedures declare locally).

use rustc_hash::FxHashMap;

use super::checker::{Checker, ComponentTypes};
use super::codes;
use super::report;
use super::scope::{Scope, Vars};
use super::symbols::duplicate;
use super::types::Ty;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{
    AudienceDecl, ComponentDecl, Expr, Field, FileId, Span, TypeDecl, VarDecl, VarItemKind,
};

impl<'a> Checker<'a> {
    /// A refinement type: its check is a `bool` over `value` alone.
    pub(super) fn check_type_decl(&mut self, file: FileId, decl: &TypeDecl) {
        let value = match self.syms.resolved.get(&decl.name.name) {
            Some(Ty::Refined(_, base)) => (**base).clone(),
            _ => Ty::Error,
        };
        let place = format!("the check of type `{}`", decl.name.name);
        let mut scope = Scope::new(
            file,
            &place,
            Vars::None("a refinement type's check sees only `value`"),
        );
        scope.value = Some(&value);
        scope.customer = false;
        if let Some(check) = &decl.check {
            self.condition(check, scope);
        }
        if let Some(message) = &decl.message {
            self.template(message, scope.at("the message of a type"));
        }
    }

    /// An audience: a `bool` over `customer.*`.
    pub(super) fn check_audience(&mut self, file: FileId, decl: &AudienceDecl) {
        let place = format!("audience `{}`", decl.name.name);
        let scope = Scope::new(file, &place, Vars::Audience);
        self.condition(&decl.expr, scope);
    }

    /// A component: its input and output names are unique and their types known.
    pub(super) fn check_component(&mut self, file: FileId, decl: &ComponentDecl) {
        let inputs = self.field_types(file, &decl.input, "input");
        let outputs = self.record_type(file, &decl.output, "output");
        let types = ComponentTypes {
            input_order: decl.input.iter().map(|f| f.name.name.clone()).collect(),
            inputs,
            outputs,
        };
        self.components
            .entry(decl.name.name.clone())
            .or_insert(types);
    }

    /// The types of typed fields, by name, reporting duplicates (as `what`) and unknown
    /// types; a repeated name keeps its first type.
    pub(super) fn field_types(
        &mut self,
        file: FileId,
        fields: &[Field],
        what: &str,
    ) -> FxHashMap<String, Ty> {
        self.ordered_field_types(file, fields, what)
            .into_iter()
            .collect()
    }

    /// [`Checker::field_types`] in written order.
    fn ordered_field_types(
        &mut self,
        file: FileId,
        fields: &[Field],
        what: &str,
    ) -> Vec<(String, Ty)> {
        let mut types: Vec<(String, Ty)> = Vec::with_capacity(fields.len());
        let mut first: FxHashMap<&str, &Field> = FxHashMap::default();
        for field in fields {
            let ty = self.resolve_type(file, &field.ty);
            if let Some(previous) = first.get(field.name.name.as_str()) {
                self.diags
                    .push(duplicate(what, &field.name, file, file, &previous.name));
                continue;
            }
            first.insert(&field.name.name, field);
            types.push((field.name.name.clone(), ty));
        }
        types
    }

    /// The record shape of a block of typed fields: `returns { .. }` of an api_call or
    /// a lookup, a component's `output`. Fields may nest lists and records.
    pub(super) fn record_type(&mut self, file: FileId, fields: &[Field], what: &str) -> Ty {
        Ty::Record(self.ordered_field_types(file, fields, what))
    }

    /// A variable block: `ask` is a template, `when` and `check` are `bool`s, `default`
    /// has the variable's type, `attempts` is at least 1, and each item but `check`
    /// appears at most once. `ty` is the declared type; `vars` what the items see.
    pub(super) fn check_var(&mut self, file: FileId, var: &VarDecl, ty: &Ty, vars: Vars<'_>) {
        let mut seen: FxHashMap<&'static str, &crate::syntax::ast::Span> = FxHashMap::default();
        let present = ty.non_optional().clone();
        let ask_place = format!("the `ask` of `{}`", var.name.name);
        let scope = Scope::new(file, &ask_place, vars);
        for item in &var.items {
            let key = match &item.kind {
                VarItemKind::Ask(_) => Some("ask"),
                VarItemKind::When(_) => Some("when"),
                VarItemKind::Default(_) => Some("default"),
                VarItemKind::Attempts(_) => Some("attempts"),
                VarItemKind::Choices(_) => Some("choices"),
                VarItemKind::Suggestions(_) => Some("suggestions"),
                VarItemKind::Invalid(_) => Some("invalid"),
                VarItemKind::Check { .. } => None,
            };
            if let Some(key) = key {
                if let Some(first) = seen.get(key) {
                    let message = format!("`{key}` is given twice for `{}`", var.name.name);
                    let diagnostic = report::given_again(
                        codes::DUPLICATE_VAR_ITEM,
                        message,
                        file,
                        &item.span,
                        first,
                    );
                    self.diags
                        .push(diagnostic.with_help(format!("a variable has at most one `{key}`")));
                    continue;
                }
                seen.insert(key, &item.span);
            }
            match &item.kind {
                VarItemKind::Ask(template) => self.template(template, scope),
                VarItemKind::When(expr) => {
                    let place = format!("the `when` of `{}`", var.name.name);
                    self.condition(expr, scope.at(&place));
                }
                VarItemKind::Check { expr, message } => {
                    let place = format!("the `check` of `{}`", var.name.name);
                    let mut check = scope.at(&place);
                    check.own = Some((&var.name.name, &present));
                    check.value = Some(&present);
                    self.condition(expr, check);
                    self.template(message, check);
                }
                VarItemKind::Default(expr) => {
                    let place = format!("the `default` of `{}`", var.name.name);
                    self.expect(expr, scope.at(&place), &present);
                }
                VarItemKind::Choices(expr) => {
                    if !takes_choices(&present) {
                        self.choices_on_wrong_type(file, var, item.span.clone(), &present);
                    }
                    let place = format!("the `choices` of `{}`", var.name.name);
                    self.text_list(expr, scope.at(&place), "choices");
                }
                VarItemKind::Suggestions(expr) => {
                    let place = format!("the `suggestions` of `{}`", var.name.name);
                    self.text_list(expr, scope.at(&place), "suggestions");
                }
                VarItemKind::Invalid(template) => {
                    // `value`: the refused answer as given (text, or compact JSON).
                    let place = format!("the `invalid` message of `{}`", var.name.name);
                    let mut invalid = scope.at(&place);
                    invalid.value = Some(&Ty::Text);
                    self.template(template, invalid);
                }
                VarItemKind::Attempts(n) => {
                    if n.value < 1 {
                        self.diags.push(
                            Diagnostic::error(
                                codes::BAD_ATTEMPTS,
                                format!("`attempts` must be at least 1, found {}", n.value),
                                file,
                                n.span.clone(),
                            )
                            .with_primary_label("too few")
                            .with_help("give the customer at least one try (the default is 3)"),
                        );
                    }
                }
            }
        }
    }

    /// A `choices` or `suggestions` expression: a `[text]` that is present (E0220;
    /// an optional one is E0111). `json` is checked when the question is asked.
    fn text_list(&mut self, expr: &Expr, scope: Scope<'_>, item: &str) {
        let ty = self.value(expr, scope);
        let fits = ty.is_dynamic()
            || ty
                .item()
                .is_some_and(|item| item.is_textual() || item.is_dynamic());
        if fits {
            return;
        }
        self.diags.push(
            Diagnostic::error(
                codes::CHOICES_NOT_TEXT_LIST,
                format!("`{item}` must be a `[text]`, found `{ty}`"),
                scope.file,
                expr.span.clone(),
            )
            .with_primary_label(format!("this is `{ty}`"))
            .with_help(format!(
                "give a list of texts, e.g. `{item} [\"a\", \"b\"]` or a `[text]` field such as `account.payees`"
            )),
        );
    }

    /// `choices` on a variable that is not a `text` or a `[text]` (E0221).
    fn choices_on_wrong_type(&mut self, file: FileId, var: &VarDecl, item: Span, ty: &Ty) {
        let help = if matches!(ty.base(), Ty::OneOf(_))
            || ty.item().is_some_and(|i| matches!(i.base(), Ty::OneOf(_)))
        {
            "a `one_of` already lists its choices; remove `choices`, or make the variable a `text`"
        } else {
            "`choices` restricts `text` and `[text]` variables; use `suggestions` to offer answers for other types"
        };
        self.diags.push(
            Diagnostic::error(
                codes::CHOICES_ON_WRONG_TYPE,
                format!(
                    "`choices` on `{}` of type `{ty}`: only `text` and `[text]` variables take choices",
                    var.name.name
                ),
                file,
                item,
            )
            .with_primary_label("`choices` not allowed here")
            .with_label(
                file,
                var.name.span.clone(),
                format!("`{}` has type `{ty}`", var.name.name),
            )
            .with_help(help),
        );
    }
}

/// Whether a variable of this (present) type may have `choices`: a `text` or a `[text]`
/// (refinements of text included).
fn takes_choices(ty: &Ty) -> bool {
    let text = |t: &Ty| matches!(t.base(), Ty::Text);
    text(ty) || ty.item().is_some_and(text)
}

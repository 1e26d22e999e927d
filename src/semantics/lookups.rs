//! Lookups (§4 "Lookups"): a lookup block's items, its request (a read: `GET`, or a
//! `POST` marked `reversible`), the typing of `N.field` by its `returns`, and the
//! warning for a lookup nothing mentions.

use rustc_hash::FxHashMap;

use super::checker::Checker;
use super::codes;
use super::procedure::METHODS;
use super::report;
use super::scope::{Scope, Vars};
use super::suggest::did_you_mean;
use super::symbols::Decl;
use super::types::Ty;
use super::walk::{names_in_lookup, names_in_run_item};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{
    Expr, ExprKind, FileId, Ident, LookupDecl, LookupItemKind, ProcItemKind, ProcedureDecl, Span,
    VarItemKind,
};

impl Checker<'_> {
    /// Whether `name` is a top-level lookup.
    pub(super) fn is_conv_lookup(&self, name: &str) -> bool {
        self.syms
            .values
            .get(name)
            .is_some_and(|entry| matches!(entry.decl, Decl::Lookup(_)))
    }

    /// Records a lookup's `returns` fields (reporting duplicate fields and unknown
    /// types), so that `N.field` is typed wherever the lookup is visible.
    pub(super) fn register_lookup(
        &mut self,
        file: FileId,
        decl: &LookupDecl,
        procedure: Option<&str>,
    ) {
        let fields = decl
            .returns()
            .map(|fields| self.field_types(file, fields, "field of `returns`"));
        self.lookup_fields.insert(
            (procedure.map(str::to_string), decl.name.name.clone()),
            fields,
        );
    }

    /// `N.field` where `N` is a lookup: the type `returns` declares for the field, or
    /// `json` without `returns` (optional, either way, when the lookup may be absent
    /// there: the field of an absent lookup is absent, so `N.field ?? default` is how to
    /// read it); an error for a field `returns` does not declare. `None` when `base` is
    /// not a lookup.
    pub(super) fn lookup_field(
        &mut self,
        base: &Expr,
        base_ty: &Ty,
        field: &Ident,
        scope: Scope<'_>,
    ) -> Option<Ty> {
        let ExprKind::Name(name) = &base.kind else {
            return None;
        };
        let text = name.name.as_str();
        if base_ty.is_error() || scope.own.is_some_and(|(own, _)| own == text) {
            return None;
        }
        let procedure = match scope.vars {
            Vars::Procedure { locals, .. } if locals.contains_key(text) => {
                self.current_procedure.clone()
            }
            Vars::None(_) => return None,
            _ => None,
        };
        let Some(fields) = self.lookup_fields.get(&(procedure, text.to_string()))? else {
            // Without `returns` the lookup is `json`, and so is any field of it.
            return Some(base_ty.clone());
        };
        let Some(ty) = fields.get(&field.name) else {
            let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut diag = Diagnostic::error(
                codes::NO_SUCH_FIELD,
                format!("lookup `{text}` has no field `{}`", field.name),
                scope.file,
                field.span.clone(),
            )
            .with_primary_label("not in its `returns`");
            diag.help = did_you_mean(&field.name, names)
                .or_else(|| Some("add the field to the lookup's `returns`".to_string()));
            self.diags.push(diag);
            return Some(Ty::Error);
        };
        Some(if base_ty.is_optional() {
            ty.clone().optional()
        } else {
            ty.clone()
        })
    }

    /// A lookup block: one `request` (a read), at most one `returns` and `when`; its
    /// expressions see `vars` (conversation variables for a top-level lookup, also the
    /// procedure's locals for a local one).
    pub(super) fn check_lookup(&mut self, file: FileId, decl: &LookupDecl, vars: Vars<'_>) {
        let mut seen: FxHashMap<&'static str, &Span> = FxHashMap::default();
        for item in &decl.items {
            let key = match &item.kind {
                LookupItemKind::Request(_) => "request",
                LookupItemKind::Returns(_) => "returns",
                LookupItemKind::When(_) => "when",
                LookupItemKind::Reversible => "reversible",
            };
            if let Some(first) = seen.get(key) {
                let place = format!("lookup `{}`", decl.name.name);
                let diagnostic = report::duplicate_item(file, key, &place, &item.span, first);
                self.diags
                    .push(diagnostic.with_help(format!("a lookup has at most one `{key}`")));
                continue;
            }
            seen.insert(key, &item.span);
            match &item.kind {
                LookupItemKind::Request(request) => {
                    self.request(request, Scope::new(file, "", vars));
                    self.lookup_method(file, decl, &request.method);
                }
                LookupItemKind::When(expr) => {
                    let place = format!("the `when` of lookup `{}`", decl.name.name);
                    self.condition(expr, Scope::new(file, &place, vars));
                }
                LookupItemKind::Returns(_) | LookupItemKind::Reversible => {}
            }
        }
        if !seen.contains_key("request") {
            self.diags.push(
                Diagnostic::error(
                    codes::MISSING_ITEM,
                    format!("lookup `{}` has no `request`", decl.name.name),
                    file,
                    decl.name.span.clone(),
                )
                .with_primary_label("`request` missing")
                .with_help("add `request GET \"https://...\"`: where the value comes from"),
            );
        }
    }

    /// §5: a lookup is a read — `GET`, or `POST` marked `reversible`.
    fn lookup_method(&mut self, file: FileId, decl: &LookupDecl, method: &Ident) {
        let name = method.name.as_str();
        if !METHODS.contains(&name) || name == "GET" || (name == "POST" && decl.reversible()) {
            return;
        }
        let help = if name == "POST" {
            "a lookup only reads: use `GET`, or add `reversible` if this POST only searches"
        } else {
            "a lookup only reads: use `GET` (or a `reversible` POST); to change something, use an `api_call` procedure"
        };
        self.diags.push(
            Diagnostic::error(
                codes::LOOKUP_NOT_A_READ,
                format!(
                    "lookup `{}` sends a {name} request, which is not a read",
                    decl.name.name
                ),
                file,
                method.span.clone(),
            )
            .with_primary_label("a lookup may not change anything")
            .with_help(help),
        );
    }

    /// W0106 for each local lookup of `decl` that nothing of the procedure mentions.
    pub(super) fn unused_local_lookups(&mut self, file: FileId, decl: &ProcedureDecl) {
        let mut mentioned: Vec<String> = Vec::new();
        for item in &decl.items {
            names_in_run_item(item, &mut |name| mentioned.push(name.name.clone()));
            match &item.kind {
                ProcItemKind::Lookup(lookup) => names_in_lookup(lookup, &mut |name| {
                    if name.name != lookup.name.name {
                        mentioned.push(name.name.clone());
                    }
                }),
                ProcItemKind::Var(var) => {
                    for var_item in &var.items {
                        let mut push = |name: &Ident| mentioned.push(name.name.clone());
                        match &var_item.kind {
                            VarItemKind::Ask(t) => super::walk::names_in_template(t, &mut push),
                            VarItemKind::When(e)
                            | VarItemKind::Default(e)
                            | VarItemKind::Choices(e)
                            | VarItemKind::Suggestions(e) => {
                                super::walk::names_in_expr(e, &mut push)
                            }
                            VarItemKind::Invalid(t) => super::walk::names_in_template(t, &mut push),
                            VarItemKind::Check { expr, message } => {
                                super::walk::names_in_expr(expr, &mut push);
                                super::walk::names_in_template(message, &mut push);
                            }
                            VarItemKind::Attempts(_) => {}
                        }
                    }
                }
                _ => {}
            }
        }
        for item in &decl.items {
            if let ProcItemKind::Lookup(lookup) = &item.kind
                && !mentioned.contains(&lookup.name.name)
            {
                self.diags.push(unused_lookup(file, &lookup.name));
            }
        }
    }
}

/// The warning for a lookup nothing mentions.
pub(super) fn unused_lookup(file: FileId, name: &Ident) -> Diagnostic {
    Diagnostic::warning(
        codes::UNUSED_LOOKUP,
        format!("lookup `{}` is never used", name.name),
        file,
        name.span.clone(),
    )
    .with_primary_label("nothing mentions it, so it is never fetched")
    .with_help(format!(
        "mention `{}` in a variable, a `require`, the action or an outcome, or remove it",
        name.name
    ))
}

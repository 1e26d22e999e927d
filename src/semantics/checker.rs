//! The state shared by every check: the symbol tables, the diagnostics found so far and
//! what has been used (for the unused-declaration warnings).

use rustc_hash::{FxHashMap, FxHashSet};

use super::codes;
use super::resolved::{Reference, Site};
use super::suggest::did_you_mean;
use super::symbols::{Decl, Symbols};
use super::types::Ty;
use crate::diagnostics::{Diagnostic, Sources};
use crate::syntax::ast::{FileId, Ident, VarItemKind};

/// The checker's state.
pub(super) struct Checker<'a> {
    /// Every visible declaration.
    pub syms: Symbols<'a>,
    /// The texts of the build (for checks that need the source as written).
    pub sources: &'a Sources,
    /// What was found so far.
    pub diags: Vec<Diagnostic>,
    /// Each conversation variable's type where it is collected: as declared, optional
    /// when it has a `when`.
    pub conv_types: FxHashMap<String, Ty>,
    /// Each customer attribute's type.
    pub customer_types: FxHashMap<String, Ty>,
    /// Names of conversation variables, sources, FAQs and audiences used somewhere.
    pub used: FxHashSet<String>,
    /// Procedures named by an `offer` statement.
    pub offered: FxHashSet<String>,
    /// Each component's input and output types, by component name.
    pub components: FxHashMap<String, ComponentTypes>,
    /// The names of every procedure's local variables (tests may name them).
    pub all_locals: FxHashSet<String>,
    /// Text literals that stand for dates (where a date is expected), by file and
    /// start offset: code generation emits them as date constants.
    pub date_literals: DateLiterals,
    /// Every `then` hand-over seen so far, for the cycle check.
    pub then_edges: Vec<super::outcomes::ThenEdge>,
    /// Each lookup's `returns` fields (`None`: no `returns`, its value is `json`): a
    /// top-level lookup under `(None, name)`, a local one under `(Some(procedure), name)`.
    pub lookup_fields: FxHashMap<LookupKey, Option<FxHashMap<String, Ty>>>,
    /// The procedure whose items are being checked (its local lookups are visible).
    pub current_procedure: Option<String>,
    /// The local variables (and lookups) of the procedure being checked, by name: where
    /// each is declared (the first declaration of a name).
    pub local_sites: FxHashMap<String, Site>,
}

/// A lookup as the checker names it: its procedure (`None` at top level) and its name.
pub(super) type LookupKey = (Option<String>, String);

/// Text literals read as dates, by file and the byte offset where the literal starts.
pub type DateLiterals = FxHashSet<(FileId, usize)>;

/// A component's declared inputs and outputs.
#[derive(Clone, Debug)]
pub(super) struct ComponentTypes {
    /// Inputs by name.
    pub inputs: FxHashMap<String, Ty>,
    /// Input names in declaration order.
    pub input_order: Vec<String>,
    /// The outputs' record shape (`result`'s type).
    pub outputs: Ty,
}

impl<'a> Checker<'a> {
    /// A checker over `syms`, with the types of conversation variables and customer
    /// attributes resolved.
    pub(super) fn new(syms: Symbols<'a>, sources: &'a Sources, diags: Vec<Diagnostic>) -> Self {
        let (mut syms, mut diags) = (syms, diags);
        syms.resolve_types(&mut diags);
        let mut conv_types = FxHashMap::default();
        let entries = syms.order.clone();
        for entry in &entries {
            if let Decl::Lookup(lookup) = entry.decl {
                let ty = if lookup.when().is_some() {
                    Ty::Json.optional()
                } else {
                    Ty::Json
                };
                conv_types.insert(lookup.name.name.clone(), ty);
            }
            if let Decl::Var(var) = entry.decl {
                let ty = syms.resolve_type_expr(entry.file, &var.ty, &mut diags);
                let ty = if has_when(&var.items) {
                    ty.optional()
                } else {
                    ty
                };
                conv_types.insert(var.name.name.clone(), ty);
            }
        }
        let mut customer_types = FxHashMap::default();
        let mut attrs: Vec<_> = syms.customer.values().copied().collect();
        attrs.sort_by_key(|(file, field)| (*file, field.name.span.start));
        for (file, field) in attrs {
            let ty = syms.resolve_type_expr(file, &field.ty, &mut diags);
            customer_types.insert(field.name.name.clone(), ty);
        }
        Checker {
            syms,
            sources,
            diags,
            conv_types,
            customer_types,
            used: FxHashSet::default(),
            offered: FxHashSet::default(),
            date_literals: DateLiterals::default(),
            components: FxHashMap::default(),
            all_locals: FxHashSet::default(),
            then_edges: Vec::new(),
            lookup_fields: FxHashMap::default(),
            current_procedure: None,
            local_sites: FxHashMap::default(),
        }
    }

    /// Resolves a type expression, reporting problems.
    pub(super) fn resolve_type(&mut self, file: FileId, ty: &crate::syntax::ast::TypeExpr) -> Ty {
        self.syms.resolve_type_expr(file, ty, &mut self.diags)
    }

    /// Resolves a type expression without reporting (for types already reported once).
    pub(super) fn resolve_type_quietly(
        &mut self,
        file: FileId,
        ty: &crate::syntax::ast::TypeExpr,
    ) -> Ty {
        let mut ignored = Vec::new();
        self.syms.resolve_type_expr(file, ty, &mut ignored)
    }

    /// Looks `name` up in the value namespace, expecting a declaration that `accept`
    /// takes. Reports an unknown name (with "did you mean" among `what`) or a wrong kind
    /// of declaration, and returns the declaration when it fits.
    pub(super) fn lookup(
        &mut self,
        file: FileId,
        name: &Ident,
        what: &str,
        accept: impl Fn(&Decl<'a>) -> bool,
    ) -> Option<Decl<'a>> {
        match self.syms.values.get(name.name.as_str()).copied() {
            Some(entry) if accept(&entry.decl) => {
                let declared = Reference::Declared((entry.file, entry.name.span.start));
                self.refer(file, name, declared);
                Some(entry.decl)
            }
            Some(entry) => {
                let diagnostic = super::report::wrong_kind_of_name(file, name, &entry, what);
                self.diags.push(diagnostic);
                None
            }
            None => {
                let candidates = self.syms.names_where(&accept);
                self.unknown(file, name, what, candidates);
                None
            }
        }
    }

    /// Records what `name` (written in `file`) stands for, for code generation.
    pub(super) fn refer(&mut self, file: FileId, name: &Ident, reference: Reference) {
        self.syms
            .references
            .insert((file, name.span.start), reference);
    }

    /// Reports an unknown name, with "did you mean" among `candidates`.
    pub(super) fn unknown<'c>(
        &mut self,
        file: FileId,
        name: &Ident,
        what: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        // `what` may come with its article ("a procedure", for "not a procedure"):
        // "unknown procedure `x`" reads without it.
        let what = what
            .strip_prefix("a ")
            .or_else(|| what.strip_prefix("an "))
            .unwrap_or(what);
        let mut diag = Diagnostic::error(
            codes::UNKNOWN_NAME,
            format!("unknown {what} `{}`", name.name),
            file,
            name.span.clone(),
        )
        .with_primary_label("not declared anywhere");
        diag.help = did_you_mean(&name.name, candidates);
        if diag.help.is_none()
            && let Some(module) = self.syms.not_imported.get(name.name.as_str())
        {
            diag.help = Some(format!(
                "`{}` is in the standard library: add `use std::{module}::{{{}}}`",
                name.name, name.name
            ));
        }
        self.diags.push(diag);
    }
}

/// Whether a variable block has a `when`.
pub(super) fn has_when(items: &[crate::syntax::ast::VarItem]) -> bool {
    items.iter().any(|i| matches!(i.kind, VarItemKind::When(_)))
}

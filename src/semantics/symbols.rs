//! The symbol tables of a build: every declaration visible to the user's files (their
//! own and those imported from the standard library), the refinement types, and the
//! customer schema.
//!
//! Types live in their own namespace (so `var email: email` is fine); every other
//! top-level name shares one namespace across all files of the build.

use rustc_hash::{FxHashMap, FxHashSet};

use super::codes;
use super::resolved::{Reference, Site, builtin_type};
use super::suggest::did_you_mean;
use super::types::Ty;
use crate::diagnostics::{Diagnostic, Sources};
use crate::syntax::ast::{
    AudienceDecl, ComponentDecl, Field, FileId, Ident, Item, ItemKind, KnowledgeDecl,
    KnowledgeKind, LookupDecl, ProcedureDecl, SourceFile, TypeDecl, TypeExpr, TypeExprKind,
    UseNames, VarDecl,
};

/// The built-in type names.
pub const BUILTIN_TYPES: &[&str] = &["text", "int", "number", "bool", "date", "json"];

/// A declaration in the value namespace.
#[derive(Clone, Copy, Debug)]
pub enum Decl<'a> {
    /// A conversation variable.
    Var(&'a VarDecl),
    /// A top-level lookup.
    Lookup(&'a LookupDecl),
    /// A procedure.
    Procedure(&'a ProcedureDecl),
    /// A source, FAQ or topic.
    Knowledge(&'a KnowledgeDecl),
    /// A UI component.
    Component(&'a ComponentDecl),
    /// An audience.
    Audience(&'a AudienceDecl),
    /// A secret.
    Secret(&'a Ident),
}

impl Decl<'_> {
    /// What the declaration is, for messages: "a procedure", "an FAQ"...
    pub fn describe(&self) -> &'static str {
        match self {
            Decl::Var(_) => "a conversation variable",
            Decl::Lookup(_) => "a lookup",
            Decl::Procedure(_) => "a procedure",
            Decl::Knowledge(k) => match k.kind {
                KnowledgeKind::Source => "a source",
                KnowledgeKind::Faq => "an FAQ",
                KnowledgeKind::Topic => "a topic",
            },
            Decl::Component(_) => "a component",
            Decl::Audience(_) => "an audience",
            Decl::Secret(_) => "a secret",
        }
    }
}

/// A declaration with where it stands.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// What it declares.
    pub decl: Decl<'a>,
    /// Its file.
    pub file: FileId,
    /// Its name.
    pub name: &'a Ident,
}

/// Every name visible to the user's files.
#[derive(Debug, Default)]
pub struct Symbols<'a> {
    /// The value namespace, by name.
    pub values: FxHashMap<&'a str, Entry<'a>>,
    /// The value namespace in declaration order.
    pub order: Vec<Entry<'a>>,
    /// Refinement types, by name.
    pub types: FxHashMap<&'a str, (FileId, &'a TypeDecl)>,
    /// Refinement types in declaration order.
    pub type_order: Vec<(FileId, &'a TypeDecl)>,
    /// Customer attributes, by name.
    pub customer: FxHashMap<&'a str, (FileId, &'a Field)>,
    /// Imported standard-library items, as (file, item index).
    pub imported: Vec<(FileId, usize)>,
    /// Standard-library names that were not imported, with their module (for help lines).
    pub not_imported: FxHashMap<&'a str, String>,
    /// Resolved refinement types.
    pub resolved: FxHashMap<String, Ty>,
    /// What each name resolved so far stands for, by where it is written (for code
    /// generation, see [`super::resolved`]).
    pub references: FxHashMap<Site, Reference>,
}

/// The name an item declares, if it declares one.
pub fn item_name(item: &Item) -> Option<&Ident> {
    match &item.kind {
        ItemKind::Knowledge(k) => Some(&k.name),
        ItemKind::Component(c) => Some(&c.name),
        ItemKind::Audience(a) => Some(&a.name),
        ItemKind::Secret(name) => Some(name),
        ItemKind::Type(t) => Some(&t.name),
        ItemKind::Var(v) => Some(&v.name),
        ItemKind::Lookup(l) => Some(&l.name),
        ItemKind::Procedure(p) => Some(&p.name),
        ItemKind::Use(_) | ItemKind::Customer(_) | ItemKind::Test(_) => None,
    }
}

/// A standard-library module's name: the file stem of `std/NAME.proc`.
fn module_name(path: &str) -> &str {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".proc").unwrap_or(file)
}

impl<'a> Symbols<'a> {
    /// Collects the declarations of `files`; reports imports that do not resolve and
    /// duplicate names.
    pub fn build(
        files: &'a [SourceFile],
        sources: &Sources,
        stdlib: &[FileId],
        diags: &mut Vec<Diagnostic>,
    ) -> Symbols<'a> {
        let mut syms = Symbols::default();
        let std_files: Vec<&'a SourceFile> =
            files.iter().filter(|f| stdlib.contains(&f.id)).collect();
        let modules: Vec<(String, &'a SourceFile)> = std_files
            .iter()
            .filter(|f| (f.id.0 as usize) < sources.len())
            .map(|f| (module_name(&sources.get(f.id).path).to_string(), *f))
            .collect();
        let user_files: Vec<&'a SourceFile> =
            files.iter().filter(|f| !stdlib.contains(&f.id)).collect();

        syms.resolve_imports(&user_files, &modules, diags);
        let mut seen: FxHashSet<(FileId, usize)> = FxHashSet::default();
        let imported = syms.imported.clone();
        for (file_id, index) in imported {
            if let Some(item) = files
                .iter()
                .find(|f| f.id == file_id)
                .and_then(|f| f.items.get(index))
                && seen.insert((file_id, index))
            {
                syms.declare(file_id, item, diags);
            }
        }
        for file in &user_files {
            for item in &file.items {
                syms.declare(file.id, item, diags);
            }
        }
        for (module, file) in &modules {
            for item in &file.items {
                if let Some(name) = item_name(item)
                    && !syms.values.contains_key(name.name.as_str())
                    && !syms.types.contains_key(name.name.as_str())
                {
                    syms.not_imported.insert(&name.name, module.clone());
                }
            }
        }
        syms
    }

    fn resolve_imports(
        &mut self,
        user_files: &[&'a SourceFile],
        modules: &[(String, &'a SourceFile)],
        diags: &mut Vec<Diagnostic>,
    ) {
        for file in user_files {
            for item in &file.items {
                let ItemKind::Use(decl) = &item.kind else {
                    continue;
                };
                let Some((_, module)) = modules.iter().find(|(m, _)| *m == decl.module.name) else {
                    let names = modules.iter().map(|(m, _)| m.as_str());
                    let mut diag = Diagnostic::error(
                        codes::UNKNOWN_MODULE,
                        format!("the standard library has no module `{}`", decl.module.name),
                        file.id,
                        decl.module.span.clone(),
                    )
                    .with_primary_label("unknown module");
                    diag.help = did_you_mean(&decl.module.name, names).or_else(|| {
                        let list: Vec<String> =
                            modules.iter().map(|(m, _)| format!("`std::{m}`")).collect();
                        Some(format!("the modules are {}", list.join(", ")))
                    });
                    diags.push(diag);
                    continue;
                };
                match &decl.names {
                    UseNames::All(_) => {
                        for (index, std_item) in module.items.iter().enumerate() {
                            if item_name(std_item).is_some() {
                                self.import(module.id, index);
                            }
                        }
                    }
                    UseNames::List(names) => {
                        for name in names {
                            let found = module.items.iter().position(|std_item| {
                                item_name(std_item).is_some_and(|n| n.name == name.name)
                            });
                            match found {
                                Some(index) => self.import(module.id, index),
                                None => {
                                    let candidates = module
                                        .items
                                        .iter()
                                        .filter_map(item_name)
                                        .map(|n| n.name.as_str());
                                    let mut diag = Diagnostic::error(
                                        codes::UNKNOWN_IMPORT,
                                        format!(
                                            "`std::{}` has no `{}`",
                                            decl.module.name, name.name
                                        ),
                                        file.id,
                                        name.span.clone(),
                                    )
                                    .with_primary_label("not in this module");
                                    diag.help = did_you_mean(&name.name, candidates);
                                    diags.push(diag);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn import(&mut self, file: FileId, index: usize) {
        if !self.imported.contains(&(file, index)) {
            self.imported.push((file, index));
        }
    }

    fn declare(&mut self, file: FileId, item: &'a Item, diags: &mut Vec<Diagnostic>) {
        let decl = match &item.kind {
            ItemKind::Var(v) => Decl::Var(v),
            ItemKind::Lookup(l) => Decl::Lookup(l),
            ItemKind::Procedure(p) => Decl::Procedure(p),
            ItemKind::Knowledge(k) => Decl::Knowledge(k),
            ItemKind::Component(c) => Decl::Component(c),
            ItemKind::Audience(a) => Decl::Audience(a),
            ItemKind::Secret(s) => Decl::Secret(s),
            ItemKind::Type(t) => {
                self.declare_type(file, t, diags);
                return;
            }
            ItemKind::Customer(c) => {
                for field in &c.fields {
                    match self.customer.get(field.name.name.as_str()) {
                        Some((first_file, first)) => diags.push(duplicate(
                            "customer attribute",
                            &field.name,
                            file,
                            *first_file,
                            &first.name,
                        )),
                        None => {
                            self.customer.insert(&field.name.name, (file, field));
                        }
                    }
                }
                return;
            }
            ItemKind::Use(_) | ItemKind::Test(_) => return,
        };
        let Some(name) = item_name(item) else {
            return;
        };
        match self.values.get(name.name.as_str()) {
            Some(first) => diags.push(duplicate("name", name, file, first.file, first.name)),
            None => {
                let entry = Entry { decl, file, name };
                self.values.insert(&name.name, entry);
                self.order.push(entry);
            }
        }
    }

    fn declare_type(&mut self, file: FileId, decl: &'a TypeDecl, diags: &mut Vec<Diagnostic>) {
        let name = &decl.name;
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    format!("`{}` is a built-in type", name.name),
                    file,
                    name.span.clone(),
                )
                .with_primary_label("already a built-in type")
                .with_help("choose another name for this type"),
            );
            return;
        }
        match self.types.get(name.name.as_str()) {
            Some((first_file, first)) => {
                diags.push(duplicate("type", name, file, *first_file, &first.name))
            }
            None => {
                self.types.insert(&name.name, (file, decl));
                self.type_order.push((file, decl));
            }
        }
    }

    /// Names in the value namespace whose declaration passes `filter`, for "did you mean".
    pub fn names_where(&self, filter: impl Fn(&Decl<'a>) -> bool) -> Vec<&'a str> {
        self.order
            .iter()
            .filter(|e| filter(&e.decl))
            .map(|e| e.name.name.as_str())
            .collect()
    }

    /// Resolves every refinement type, reporting cycles.
    pub fn resolve_types(&mut self, diags: &mut Vec<Diagnostic>) {
        let order = self.type_order.clone();
        for (file, decl) in order {
            let mut visiting = Vec::new();
            let ty = self.resolve_named(file, decl, &mut visiting, diags);
            self.resolved.insert(decl.name.name.clone(), ty);
        }
    }

    fn resolve_named(
        &mut self,
        file: FileId,
        decl: &'a TypeDecl,
        visiting: &mut Vec<&'a str>,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        if let Some(ty) = self.resolved.get(&decl.name.name) {
            return ty.clone();
        }
        if visiting.contains(&decl.name.name.as_str()) {
            let mut circle: Vec<String> = visiting.iter().map(|n| format!("`{n}`")).collect();
            circle.push(format!("`{}`", decl.name.name));
            diags.push(
                Diagnostic::error(
                    codes::TYPE_CYCLE,
                    format!(
                        "refinement types refine each other in a circle: {}",
                        circle.join(" -> ")
                    ),
                    file,
                    decl.name.span.clone(),
                )
                .with_primary_label("this type refines itself")
                .with_help("a refinement type must end in a built-in type"),
            );
            self.resolved.insert(decl.name.name.clone(), Ty::Error);
            return Ty::Error;
        }
        visiting.push(&decl.name.name);
        let base = self.resolve_type_expr_inner(file, &decl.base, visiting, diags);
        visiting.pop();
        let ty = if base.is_error() {
            Ty::Error
        } else {
            Ty::Refined(decl.name.name.clone(), Box::new(base))
        };
        self.resolved.insert(decl.name.name.clone(), ty.clone());
        ty
    }

    /// The type a type expression denotes, reporting unknown names and bad choices.
    pub fn resolve_type_expr(
        &mut self,
        file: FileId,
        expr: &TypeExpr,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        let mut visiting = Vec::new();
        self.resolve_type_expr_inner(file, expr, &mut visiting, diags)
    }

    fn resolve_type_expr_inner(
        &mut self,
        file: FileId,
        expr: &TypeExpr,
        visiting: &mut Vec<&'a str>,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        if let TypeExprKind::Named(name) = &expr.kind {
            let reference = match builtin_type(&name.name) {
                Some(target) => Some(Reference::Is(target)),
                None => self.types.get(name.name.as_str()).map(|(type_file, decl)| {
                    Reference::Declared((*type_file, decl.name.span.start))
                }),
            };
            if let Some(reference) = reference {
                self.references.insert((file, name.span.start), reference);
            }
        }
        let ty = match &expr.kind {
            TypeExprKind::Named(name) => match name.name.as_str() {
                "text" => Ty::Text,
                "int" => Ty::Int,
                "number" => Ty::Number,
                "bool" => Ty::Bool,
                "date" => Ty::Date,
                "json" => Ty::Json,
                other => match self.types.get(other).copied() {
                    Some((type_file, decl)) => self.resolve_named(type_file, decl, visiting, diags),
                    None => {
                        diags.push(self.unknown_type(file, name));
                        Ty::Error
                    }
                },
            },
            TypeExprKind::OneOf(choices) => {
                let mut seen: Vec<&str> = Vec::new();
                for choice in choices {
                    if choice.value.is_empty() || seen.contains(&choice.value.as_str()) {
                        let what = if choice.value.is_empty() {
                            "empty"
                        } else {
                            "repeated"
                        };
                        diags.push(
                            Diagnostic::error(
                                codes::BAD_CHOICES,
                                format!("a `one_of` choice is {what}"),
                                file,
                                choice.span.clone(),
                            )
                            .with_primary_label(format!("{what} choice"))
                            .with_help("give each choice once, as non-empty text"),
                        );
                    }
                    seen.push(&choice.value);
                }
                Ty::OneOf(choices.iter().map(|c| c.value.clone()).collect())
            }
            TypeExprKind::List(item) => {
                if item.optional {
                    diags.push(optional_list_item(file, item));
                }
                let item = self.resolve_type_expr_inner(file, item, visiting, diags);
                Ty::List(Box::new(item.non_optional().clone()))
            }
            TypeExprKind::Record(fields) => self.record_shape(file, fields, visiting, diags),
        };
        if expr.optional { ty.optional() } else { ty }
    }

    /// A record shape `{ f: T, ... }` (the one function `returns`, lookups, component
    /// outputs and nested records share): each field's type, in written order; a name
    /// given twice is reported and keeps its first type.
    fn record_shape(
        &mut self,
        file: FileId,
        fields: &[Field],
        visiting: &mut Vec<&'a str>,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        let mut shape: Vec<(String, Ty)> = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let ty = self.resolve_type_expr_inner(file, &field.ty, visiting, diags);
            match fields[..i].iter().find(|f| f.name.name == field.name.name) {
                Some(first) => diags.push(duplicate("field", &field.name, file, file, &first.name)),
                None => shape.push((field.name.name.clone(), ty)),
            }
        }
        Ty::Record(shape)
    }

    fn unknown_type(&self, file: FileId, name: &Ident) -> Diagnostic {
        let candidates = BUILTIN_TYPES
            .iter()
            .copied()
            .chain(self.types.keys().copied());
        let diag = Diagnostic::error(
            codes::UNKNOWN_NAME,
            format!("unknown type `{}`", name.name),
            file,
            name.span.clone(),
        )
        .with_primary_label("no such type");
        match self.not_imported.get(name.name.as_str()) {
            Some(module) => diag.with_help(format!(
                "`{}` is in the standard library: add `use std::{module}::{{{}}}`",
                name.name, name.name
            )),
            None => match did_you_mean(&name.name, candidates) {
                Some(help) => diag.with_help(help),
                None => diag,
            },
        }
    }
}

/// The error for `[T?]`: a list holds values, never absent ones.
fn optional_list_item(file: FileId, item: &TypeExpr) -> Diagnostic {
    let end = item.span.end;
    Diagnostic::error(
        codes::OPTIONAL_LIST_ITEM,
        "the items of a list cannot be optional",
        file,
        end.saturating_sub(1)..end,
    )
    .with_primary_label("`?` on a list item")
    .with_label(file, item.span.clone(), "this item type")
    .with_help("remove the `?`: a list simply leaves out what is absent; write `[T]?` for a list that may be absent")
}

/// The error for a name declared twice, pointing at the first declaration.
pub fn duplicate(
    what: &str,
    name: &Ident,
    file: FileId,
    first_file: FileId,
    first: &Ident,
) -> Diagnostic {
    Diagnostic::error(
        codes::DUPLICATE_NAME,
        format!("the {what} `{}` is declared twice", name.name),
        file,
        name.span.clone(),
    )
    .with_primary_label("declared again here")
    .with_label(first_file, first.span.clone(), "first declared here")
    .with_help("names must be unique across all files of a build; rename one of them")
}

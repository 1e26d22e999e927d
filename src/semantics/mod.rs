//! The semantic stage: name resolution, type checking, the variable dependency graph and
//! every check of the contract's §5.
//!
//! [`analyze`] takes every parsed file of a build (the user's files and the embedded
//! standard library) and returns an [`Analysis`]: all diagnostics, the standard library
//! items the build imports, and the variable dependency graph that code generation uses
//! for collection order and the interpreter for corrections.
//!
//! Analysis never stops at the first problem: every independent error is reported, and
//! an expression with an error gets an error type that silences follow-on errors.

mod checker;
pub mod codes;
mod decls;
mod expr;
mod external;
pub mod graph;
mod lookups;
mod outcomes;
mod procedure;
mod report;
pub mod resolved;
mod scenario;
mod scope;
mod suggest;
pub mod symbols;
pub mod types;
pub mod walk;
mod warnings;

pub use checker::DateLiterals;
pub use expr::BUILTINS;
pub use graph::{CollectStep, DepKind, VarGraph, VarKey};
pub use procedure::KINDS;
pub use resolved::Resolved;

use crate::diagnostics::{Diagnostic, Sources};
use crate::syntax::ast::{FileId, Item, ItemKind, SourceFile};
use checker::Checker;
use scope::Vars;
use symbols::Symbols;

/// The outcome of semantic analysis.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Every error and warning found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Standard-library items imported by `use`, as (file, index into its items).
    pub imported: Vec<(FileId, usize)>,
    /// The standard library's files: their items belong to the build only when
    /// imported (types: when used).
    pub stdlib: Vec<FileId>,
    /// The variable dependency graph.
    pub graph: VarGraph,
    /// Text literals that stand for dates (a comparison with a date, a list of dates,
    /// `??`, an argument), which code generation emits as date constants.
    pub date_literals: DateLiterals,
    /// Every declaration's table index and what each name stands for: code generation's
    /// only source of names.
    pub resolved: Resolved,
}

/// Analyses the files of one build. `files` includes the standard library's files
/// (their ids in `stdlib`), whose declarations are visible only through `use`.
pub fn analyze(files: &[SourceFile], sources: &Sources, stdlib: &[FileId]) -> Analysis {
    let mut diags = Vec::new();
    let syms = Symbols::build(files, sources, stdlib, &mut diags);
    let imported = syms.imported.clone();
    let user_files = files.iter().filter(|f| !stdlib.contains(&f.id));
    let (graph, graph_diags) = VarGraph::build(user_files);
    diags.extend(graph_diags);

    // The items of the build: imported standard-library items, then the user's files.
    let mut items: Vec<(FileId, &Item)> = imported
        .iter()
        .filter_map(|(file, index)| {
            let item = files.iter().find(|f| f.id == *file)?.items.get(*index)?;
            Some((*file, item))
        })
        .collect();
    items.extend(
        files
            .iter()
            .filter(|f| !stdlib.contains(&f.id))
            .flat_map(|f| f.items.iter().map(move |item| (f.id, item))),
    );

    let mut checker = Checker::new(syms, sources, diags);
    // Lookups' `returns` first: audiences and labels read `N.field` too.
    for (file, item) in &items {
        if let ItemKind::Lookup(lookup) = &item.kind {
            checker.register_lookup(*file, lookup, None);
        }
    }
    for (file, item) in &items {
        match &item.kind {
            ItemKind::Type(decl) => checker.check_type_decl(*file, decl),
            ItemKind::Audience(decl) => checker.check_audience(*file, decl),
            ItemKind::Component(decl) => checker.check_component(*file, decl),
            _ => {}
        }
    }
    for (file, item) in &items {
        match &item.kind {
            ItemKind::Var(var) => {
                let ty = checker.resolve_type_quietly(*file, &var.ty);
                checker.check_var(*file, var, &ty, Vars::Conversation);
            }
            ItemKind::Lookup(lookup) => checker.check_lookup(*file, lookup, Vars::Conversation),
            _ => {}
        }
    }
    for (file, item) in &items {
        if let ItemKind::Procedure(decl) = &item.kind {
            checker.check_procedure(*file, decl, &graph);
        }
    }
    checker.then_cycles();
    for (file, item) in &items {
        if let ItemKind::Test(test) = &item.kind {
            checker.check_test(*file, test);
        }
    }
    // What only code that did not parse mentions is not "unused": the author is
    // writing it.
    for name in warnings::mentioned_in_broken(files, sources) {
        checker.used.insert(name.clone());
        checker.offered.insert(name);
    }
    checker.unused_warnings(stdlib);

    let date_literals = std::mem::take(&mut checker.date_literals);
    let resolved = Resolved::new(files, stdlib, &imported, &graph, &checker.syms.references);
    let mut diagnostics = warnings::without_missing_items_of_broken(checker.diags, files);
    crate::diagnostics::sort(&mut diagnostics);
    Analysis {
        diagnostics,
        imported,
        stdlib: stdlib.to_vec(),
        graph,
        date_literals,
        resolved,
    }
}

#[cfg(test)]
mod tests;

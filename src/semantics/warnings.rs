//! The build-wide warnings: procedures nothing can offer, and conversation variables,
//! sources, FAQs and audiences that nothing uses.

use rustc_hash::FxHashSet;

use super::checker::Checker;
use super::codes;
use super::symbols::Decl;
use crate::diagnostics::{Diagnostic, Sources};
use crate::syntax::ast::{FileId, KnowledgeKind, ProcItemKind, SourceFile};
use crate::syntax::tokens::{TokenKind, tokenize};

/// The names mentioned in the parts of `files` that did not parse.
pub(super) fn mentioned_in_broken(files: &[SourceFile], sources: &Sources) -> FxHashSet<String> {
    let mut names = FxHashSet::default();
    for file in files.iter().filter(|file| !file.broken.is_empty()) {
        let text = &sources.get(file.id).text;
        for span in &file.broken {
            let Some(broken) = text.get(span.clone()) else {
                continue;
            };
            names.extend(
                tokenize(broken)
                    .into_iter()
                    .filter(|token| token.kind == TokenKind::Ident)
                    .filter_map(|token| broken.get(token.span).map(str::to_string)),
            );
        }
    }
    names
}

/// `diagnostics` without the "missing item" errors and "nothing can offer" warnings of
/// declarations that lost an item to a syntax error: the item (a `label`, a `trigger`)
/// is there, just broken, and its syntax error says so.
pub(super) fn without_missing_items_of_broken(
    diagnostics: Vec<Diagnostic>,
    files: &[SourceFile],
) -> Vec<Diagnostic> {
    let damaged: Vec<(FileId, std::ops::Range<usize>)> = files
        .iter()
        .flat_map(|file| {
            file.items
                .iter()
                .filter(|item| {
                    file.broken.iter().any(|broken| {
                        item.span.start <= broken.start && broken.end <= item.span.end
                    })
                })
                .map(|item| (file.id, item.span.clone()))
        })
        .collect();
    diagnostics
        .into_iter()
        .filter(|diagnostic| {
            !matches!(diagnostic.code, codes::MISSING_ITEM | codes::NEVER_OFFERED)
                || !damaged.iter().any(|(file, span)| {
                    *file == diagnostic.file
                        && span.start <= diagnostic.span.start
                        && diagnostic.span.end <= span.end
                })
        })
        .collect()
}

impl<'a> Checker<'a> {
    /// Reports unused declarations of the user's files (not the standard library's).
    pub(super) fn unused_warnings(&mut self, stdlib: &[FileId]) {
        let entries = self.syms.order.clone();
        for entry in entries.iter().filter(|e| !stdlib.contains(&e.file)) {
            let name = &entry.name.name;
            let warning = match entry.decl {
                Decl::Procedure(procedure) => {
                    let triggered = procedure
                        .items
                        .iter()
                        .any(|i| matches!(i.kind, ProcItemKind::Trigger(_)));
                    (!triggered && !self.offered.contains(name)).then(|| {
                        Diagnostic::warning(
                            codes::NEVER_OFFERED,
                            format!("nothing can offer procedure `{name}`"),
                            entry.file,
                            entry.name.span.clone(),
                        )
                        .with_primary_label("no trigger, and no `offer` names it")
                        .with_help(
                            "add a `trigger`, or `offer` it from another procedure's outcome",
                        )
                    })
                }
                Decl::Var(_) => (!self.used.contains(name)).then(|| {
                    Diagnostic::warning(
                        codes::UNUSED_VAR,
                        format!("conversation variable `{name}` is never used"),
                        entry.file,
                        entry.name.span.clone(),
                    )
                    .with_primary_label("no procedure needs or mentions it")
                    .with_help(format!(
                        "add `needs {name}` to a procedure, or remove the variable"
                    ))
                }),
                Decl::Lookup(_) => (!self.used.contains(name))
                    .then(|| super::lookups::unused_lookup(entry.file, entry.name)),
                Decl::Knowledge(k) if k.kind != KnowledgeKind::Topic => {
                    let what = if k.kind == KnowledgeKind::Source {
                        "source"
                    } else {
                        "FAQ"
                    };
                    (!self.used.contains(name)).then(|| {
                        Diagnostic::warning(
                            codes::UNUSED_KNOWLEDGE,
                            format!("{what} `{name}` triggers no procedure"),
                            entry.file,
                            entry.name.span.clone(),
                        )
                        .with_primary_label("never used in a `trigger`")
                        .with_help(format!(
                            "add `trigger {} {name}` to a procedure, or remove it",
                            if k.kind == KnowledgeKind::Source {
                                "source"
                            } else {
                                "faq"
                            }
                        ))
                    })
                }
                Decl::Audience(_) => (!self.used.contains(name)).then(|| {
                    Diagnostic::warning(
                        codes::UNUSED_AUDIENCE,
                        format!("audience `{name}` is never used"),
                        entry.file,
                        entry.name.span.clone(),
                    )
                    .with_primary_label("no procedure names it")
                    .with_help(format!(
                        "add `audience {name}` to a procedure, or remove it"
                    ))
                }),
                _ => None,
            };
            self.diags.extend(warning);
        }
    }
}

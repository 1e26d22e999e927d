//! The build-wide warnings: procedures nothing can offer, and conversation variables,
//! sources, FAQs and audiences that nothing uses.

use super::checker::Checker;
use super::codes;
use super::symbols::Decl;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{FileId, KnowledgeKind, ProcItemKind};

impl<'a> Checker<'a> {
    /// Reports unused declarations of the user's files (not the standard library's).
    pub fn unused_warnings(&mut self, stdlib: &[FileId]) {
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

//! Document symbols: the declarations of a file, procedures with their own variables and
//! the customer block with its attributes.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::convert::LineIndex;
use crate::syntax::ast::{Ident, Item, ItemKind, KnowledgeKind, ProcItemKind, SourceFile, Span};

/// The outline of a parsed file.
pub(super) fn symbols(file: &SourceFile, index: &LineIndex) -> Vec<DocumentSymbol> {
    file.items
        .iter()
        .filter_map(|item| symbol(item, index))
        .collect()
}

/// One symbol: `name` at `name_span` inside the declaration `whole`.
struct Entry<'a> {
    name: String,
    detail: String,
    kind: SymbolKind,
    whole: Span,
    name_span: &'a Span,
}

impl Entry<'_> {
    #[allow(deprecated)] // `DocumentSymbol::deprecated` must be given, though deprecated.
    fn build(self, index: &LineIndex, children: Vec<DocumentSymbol>) -> DocumentSymbol {
        DocumentSymbol {
            name: self.name,
            detail: Some(self.detail),
            kind: self.kind,
            tags: None,
            deprecated: None,
            range: index.range(&self.whole),
            selection_range: index.range(self.name_span),
            children: (!children.is_empty()).then_some(children),
        }
    }
}

fn named<'a>(ident: &'a Ident, detail: &str, kind: SymbolKind, whole: &Span) -> Entry<'a> {
    Entry {
        name: ident.name.clone(),
        detail: detail.to_string(),
        kind,
        whole: whole.clone(),
        name_span: &ident.span,
    }
}

fn symbol(item: &Item, index: &LineIndex) -> Option<DocumentSymbol> {
    let whole = &item.span;
    let (entry, children) = match &item.kind {
        ItemKind::Procedure(p) => {
            let locals = p
                .items
                .iter()
                .filter_map(|i| match &i.kind {
                    ProcItemKind::Var(v) => Some(
                        named(&v.name, "variable", SymbolKind::VARIABLE, &i.span)
                            .build(index, Vec::new()),
                    ),
                    ProcItemKind::Lookup(l) => Some(
                        named(&l.name, "lookup", SymbolKind::VARIABLE, &i.span)
                            .build(index, Vec::new()),
                    ),
                    _ => None,
                })
                .collect();
            let detail = format!("procedure: {}", p.kind.name);
            (named(&p.name, &detail, SymbolKind::FUNCTION, whole), locals)
        }
        ItemKind::Customer(c) => {
            let fields = c
                .fields
                .iter()
                .map(|f| {
                    let span = f.name.span.start..f.ty.span.end;
                    named(&f.name, "customer attribute", SymbolKind::FIELD, &span)
                        .build(index, Vec::new())
                })
                .collect();
            let entry = Entry {
                name: "customer".to_string(),
                detail: "customer attributes".to_string(),
                kind: SymbolKind::STRUCT,
                whole: whole.clone(),
                name_span: whole,
            };
            (entry, fields)
        }
        ItemKind::Test(t) => {
            let entry = Entry {
                name: format!("test {:?}", t.name.value),
                detail: "test".to_string(),
                kind: SymbolKind::EVENT,
                whole: whole.clone(),
                name_span: &t.name.span,
            };
            (entry, Vec::new())
        }
        ItemKind::Var(v) => (
            named(
                &v.name,
                "conversation variable",
                SymbolKind::VARIABLE,
                whole,
            ),
            Vec::new(),
        ),
        ItemKind::Lookup(l) => (
            named(&l.name, "lookup", SymbolKind::VARIABLE, whole),
            Vec::new(),
        ),
        ItemKind::Type(t) => (
            named(&t.name, "type", SymbolKind::TYPE_PARAMETER, whole),
            Vec::new(),
        ),
        ItemKind::Audience(a) => (
            named(&a.name, "audience", SymbolKind::BOOLEAN, whole),
            Vec::new(),
        ),
        ItemKind::Component(c) => (
            named(&c.name, "component", SymbolKind::CLASS, whole),
            Vec::new(),
        ),
        ItemKind::Secret(s) => (named(s, "secret", SymbolKind::KEY, whole), Vec::new()),
        ItemKind::Knowledge(k) => {
            let what = match k.kind {
                KnowledgeKind::Source => "source",
                KnowledgeKind::Faq => "faq",
                KnowledgeKind::Topic => "topic",
            };
            (
                named(&k.name, what, SymbolKind::CONSTANT, whole),
                Vec::new(),
            )
        }
        ItemKind::Use(_) => return None,
    };
    Some(entry.build(index, children))
}

//! Document symbols: the declarations of a file, procedures with their own variables.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::convert::LineIndex;
use crate::syntax::ast::{Item, ItemKind, KnowledgeKind, ProcItemKind, SourceFile};

/// The outline of a parsed file.
pub fn symbols(file: &SourceFile, index: &LineIndex) -> Vec<DocumentSymbol> {
    file.items
        .iter()
        .filter_map(|item| symbol(item, index))
        .collect()
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given, though deprecated.
fn make(
    name: String,
    detail: &str,
    kind: SymbolKind,
    whole: &crate::syntax::ast::Span,
    name_span: &crate::syntax::ast::Span,
    index: &LineIndex,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: index.range(whole),
        selection_range: index.range(name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

fn symbol(item: &Item, index: &LineIndex) -> Option<DocumentSymbol> {
    let whole = &item.span;
    Some(match &item.kind {
        ItemKind::Procedure(p) => {
            let locals = p
                .items
                .iter()
                .filter_map(|i| match &i.kind {
                    ProcItemKind::Var(v) => Some(make(
                        v.name.name.clone(),
                        "variable",
                        SymbolKind::VARIABLE,
                        &i.span,
                        &v.name.span,
                        index,
                        Vec::new(),
                    )),
                    _ => None,
                })
                .collect();
            make(
                p.name.name.clone(),
                &format!("procedure: {}", p.kind.name),
                SymbolKind::FUNCTION,
                whole,
                &p.name.span,
                index,
                locals,
            )
        }
        ItemKind::Var(v) => make(
            v.name.name.clone(),
            "conversation variable",
            SymbolKind::VARIABLE,
            whole,
            &v.name.span,
            index,
            Vec::new(),
        ),
        ItemKind::Type(t) => make(
            t.name.name.clone(),
            "type",
            SymbolKind::TYPE_PARAMETER,
            whole,
            &t.name.span,
            index,
            Vec::new(),
        ),
        ItemKind::Audience(a) => make(
            a.name.name.clone(),
            "audience",
            SymbolKind::BOOLEAN,
            whole,
            &a.name.span,
            index,
            Vec::new(),
        ),
        ItemKind::Component(c) => make(
            c.name.name.clone(),
            "component",
            SymbolKind::CLASS,
            whole,
            &c.name.span,
            index,
            Vec::new(),
        ),
        ItemKind::Secret(s) => make(
            s.name.clone(),
            "secret",
            SymbolKind::KEY,
            whole,
            &s.span,
            index,
            Vec::new(),
        ),
        ItemKind::Knowledge(k) => {
            let what = match k.kind {
                KnowledgeKind::Source => "source",
                KnowledgeKind::Faq => "faq",
                KnowledgeKind::Topic => "topic",
            };
            make(
                k.name.name.clone(),
                what,
                SymbolKind::CONSTANT,
                whole,
                &k.name.span,
                index,
                Vec::new(),
            )
        }
        ItemKind::Customer(c) => {
            let fields = c
                .fields
                .iter()
                .map(|f| {
                    make(
                        f.name.name.clone(),
                        "customer attribute",
                        SymbolKind::FIELD,
                        &(f.name.span.start..f.ty.span.end),
                        &f.name.span,
                        index,
                        Vec::new(),
                    )
                })
                .collect();
            make(
                "customer".to_string(),
                "customer attributes",
                SymbolKind::STRUCT,
                whole,
                &(whole.start..whole.start + "customer".len()),
                index,
                fields,
            )
        }
        ItemKind::Test(t) => make(
            format!("test {:?}", t.name.value),
            "test",
            SymbolKind::EVENT,
            whole,
            &t.name.span,
            index,
            Vec::new(),
        ),
        ItemKind::Use(_) => return None,
    })
}

//! Hover: what a name is, its declaration line (with its type) and its doc comment.

use super::names::{Resolver, Target};
use super::vocabulary::{builtin_doc, builtin_type_doc};
use crate::semantics::symbols::item_name;
use crate::syntax::ast::{FileId, ItemKind, Span};

/// The hover text (Markdown) for the name at `offset` in `file`, and the name's span.
pub(super) fn hover(resolver: &Resolver, file: FileId, offset: usize) -> Option<(String, Span)> {
    let (occurrence, target) = resolver.at(file, offset)?;
    let text = match target? {
        Target::Builtin(name) => {
            let (signature, doc) = builtin_doc(name)?;
            format!("```proc\n{signature}\n```\nbuilt-in function\n\n{doc}")
        }
        Target::BuiltinType(name) => {
            let doc = builtin_type_doc(name)?;
            format!("```proc\n{name}\n```\nbuilt-in type\n\n{doc}")
        }
        Target::Value(decl_file, span) => {
            let what = resolver
                .symbols()
                .values
                .get(occurrence.name)
                .map_or("", |entry| entry.decl.describe());
            declaration(resolver, decl_file, &span, what, "")
        }
        Target::Type(decl_file, span) => declaration(resolver, decl_file, &span, "a type", ""),
        Target::Customer(decl_file, span) => declaration(
            resolver,
            decl_file,
            &span,
            "a customer attribute",
            "customer.",
        ),
        Target::Local(decl_file, span) => declaration(
            resolver,
            decl_file,
            &span,
            "a variable of this procedure",
            "",
        ),
    };
    Some((text, occurrence.span))
}

/// The Markdown for a declaration: its line, what it is, its doc comment.
fn declaration(resolver: &Resolver, file: FileId, span: &Span, what: &str, prefix: &str) -> String {
    let compilation = resolver.compilation();
    let source = compilation.sources.get(file);
    let signature = line_at(&source.text, span.start);
    let mut text = format!("```proc\n{prefix}{signature}\n```\n{what}");
    if let Some(doc) = doc_comment(resolver, file, span) {
        text.push_str("\n\n");
        text.push_str(&doc);
    }
    if resolver.is_stdlib(file) {
        text.push_str(&format!(
            "\n\nfrom the standard library (`{}`)",
            source.path
        ));
    }
    text
}

/// The trimmed line of `text` around `offset`, without a trailing `{`.
fn line_at(text: &str, offset: usize) -> &str {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
    let line = text[start..end].trim();
    line.strip_suffix('{').map_or(line, str::trim_end)
}

/// The doc comment of the declaration whose name stands at `span`.
fn doc_comment(resolver: &Resolver, file: FileId, span: &Span) -> Option<String> {
    let parsed = resolver.compilation().files.get(file.0 as usize)?;
    for item in &parsed.items {
        if item_name(item).is_some_and(|name| name.span == *span) {
            return item.doc.clone();
        }
        if let ItemKind::Customer(customer) = &item.kind
            && let Some(field) = customer.fields.iter().find(|f| f.name.span == *span)
        {
            return field.doc.clone();
        }
    }
    None
}

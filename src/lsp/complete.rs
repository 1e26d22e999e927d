//! Completion: the items valid at the cursor, read from the tokens before it.

use lsp_types::{CompletionItem, CompletionItemKind};

use super::names::Resolver;
use super::vocabulary::{self, words};
use crate::semantics::symbols::{BUILTIN_TYPES, Decl};
use crate::semantics::{BUILTINS, KINDS};
use crate::syntax::ast::{FileId, ItemKind, KnowledgeKind, ProcItemKind};
use crate::syntax::tokens::{TokenKind, tokenize};

/// A word before the cursor: its kind, text and line.
type Word<'t> = (TokenKind, &'t str, usize);

/// The completion items at `offset` in `file`.
pub(super) fn complete(resolver: &Resolver, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let text = &resolver.compilation().sources.get(file).text;
    let prefix = text.get(..offset).unwrap_or(text);
    let mut line = 0;
    let mut before: Vec<Word> = Vec::new();
    // First word of the line each unclosed brace was opened on.
    let mut blocks: Vec<Option<&str>> = Vec::new();
    let mut line_first: Option<&str> = None;
    let mut last_line = usize::MAX;
    for token in tokenize(prefix) {
        if token.kind == TokenKind::Newline {
            line += 1;
            continue;
        }
        if token.kind.is_trivia() {
            continue;
        }
        let word = prefix.get(token.span.clone()).unwrap_or("");
        if line != last_line {
            last_line = line;
            line_first = (token.kind == TokenKind::Ident).then_some(word);
        }
        match token.kind {
            TokenKind::LBrace => blocks.push(line_first),
            TokenKind::RBrace => {
                blocks.pop();
            }
            _ => {}
        }
        before.push((token.kind, word, line));
    }
    // The word being typed is not context.
    let cursor_line = prefix.matches('\n').count();
    if before.last().is_some_and(|(kind, word, l)| {
        *kind == TokenKind::Ident && *l == cursor_line && prefix.ends_with(word)
    }) {
        before.pop();
    }
    let back = |n: usize| before.len().checked_sub(n + 1).map(|i| before[i]);
    let word = |n: usize| back(n).filter(|w| w.0 == TokenKind::Ident).map(|w| w.1);
    let kind = |n: usize| back(n).map(|w| w.0);
    let starts_line = back(0).is_none_or(|w| w.2 != cursor_line || w.0 == TokenKind::LBrace);
    let first_on_line = before
        .iter()
        .find(|w| w.2 == cursor_line)
        .filter(|w| w.0 == TokenKind::Ident)
        .map(|w| w.1);
    let block = blocks.last().copied().flatten();

    let keywords = |rule: &str| {
        items(
            words(rule).iter().map(String::as_str),
            CompletionItemKind::KEYWORD,
        )
    };
    if kind(0) == Some(TokenKind::Dot) {
        return match word(1) {
            Some("customer") => customer_attributes(resolver),
            _ => Vec::new(),
        };
    }
    if kind(0) == Some(TokenKind::Colon) && word(2) == Some("procedure") {
        return items(KINDS.iter().copied(), CompletionItemKind::ENUM_MEMBER);
    }
    if kind(0) == Some(TokenKind::Colon)
        && (word(2) == Some("var")
            || matches!(block, Some("customer" | "input" | "output" | "returns")))
    {
        return types(resolver);
    }
    if matches!(word(0), Some("source" | "faq"))
        && matches!(first_on_line, Some("trigger" | "send"))
    {
        let wanted = if word(0) == Some("source") {
            KnowledgeKind::Source
        } else {
            KnowledgeKind::Faq
        };
        return names(
            resolver,
            |decl| matches!(decl, Decl::Knowledge(k) if k.kind == wanted),
        );
    }
    if word(0) == Some("trigger")
        || (kind(0) == Some(TokenKind::Comma) && first_on_line == Some("trigger"))
    {
        return keywords(vocabulary::TRIGGERS);
    }
    if word(0) == Some("expect") {
        return keywords(vocabulary::EXPECTATIONS);
    }
    if word(0) == Some("needs")
        || (kind(0) == Some(TokenKind::Comma) && first_on_line == Some("needs"))
    {
        return names(resolver, |decl| matches!(decl, Decl::Var(_)));
    }
    if word(0) == Some("audience") && block.is_some() {
        return names(resolver, |decl| matches!(decl, Decl::Audience(_)));
    }
    if word(0) == Some("offer") || word(0) == Some("click") {
        return names(resolver, |decl| matches!(decl, Decl::Procedure(_)));
    }
    if starts_line {
        return match block {
            None => keywords(vocabulary::DECLARATIONS),
            Some("procedure") => keywords(vocabulary::PROCEDURE_ITEMS),
            Some("var") => keywords(vocabulary::VARIABLE_ITEMS),
            Some("lookup") => keywords(vocabulary::LOOKUP_ITEMS),
            Some("request") => keywords(vocabulary::REQUEST_PARTS),
            Some("on") => keywords(vocabulary::STATEMENTS),
            Some("test") => keywords(vocabulary::TEST_STEPS),
            Some(_) => Vec::new(),
        };
    }
    expression(resolver, file, offset)
}

fn items<'a>(
    labels: impl IntoIterator<Item = &'a str>,
    kind: CompletionItemKind,
) -> Vec<CompletionItem> {
    labels
        .into_iter()
        .map(|label| CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            ..Default::default()
        })
        .collect()
}

fn customer_attributes(resolver: &Resolver) -> Vec<CompletionItem> {
    let mut attributes: Vec<&str> = resolver.symbols().customer.keys().copied().collect();
    attributes.sort_unstable();
    items(attributes, CompletionItemKind::FIELD)
}

fn types(resolver: &Resolver) -> Vec<CompletionItem> {
    let mut list = items(
        BUILTIN_TYPES.iter().copied(),
        CompletionItemKind::TYPE_PARAMETER,
    );
    list.extend(items(
        resolver
            .symbols()
            .type_order
            .iter()
            .map(|(_, t)| t.name.name.as_str()),
        CompletionItemKind::TYPE_PARAMETER,
    ));
    list.extend(items(["one_of"], CompletionItemKind::KEYWORD));
    list
}

fn names(resolver: &Resolver, filter: impl Fn(&Decl) -> bool) -> Vec<CompletionItem> {
    resolver
        .symbols()
        .order
        .iter()
        .filter(|entry| filter(&entry.decl))
        .map(|entry| CompletionItem {
            label: entry.name.name.clone(),
            kind: Some(decl_kind(&entry.decl)),
            detail: Some(entry.decl.describe().to_string()),
            ..Default::default()
        })
        .collect()
}

fn decl_kind(decl: &Decl) -> CompletionItemKind {
    match decl {
        Decl::Var(_) | Decl::Lookup(_) => CompletionItemKind::VARIABLE,
        Decl::Procedure(_) => CompletionItemKind::FUNCTION,
        Decl::Knowledge(_) => CompletionItemKind::CONSTANT,
        Decl::Component(_) => CompletionItemKind::CLASS,
        Decl::Audience(_) => CompletionItemKind::VALUE,
        Decl::Secret(_) => CompletionItemKind::CONSTANT,
    }
}

/// In an expression: the procedure's own variables, the names of the build, the
/// built-in functions and the expression keywords.
fn expression(resolver: &Resolver, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let mut list = Vec::new();
    if let Some(item) = resolver.item_at(file, offset)
        && let ItemKind::Procedure(procedure) = &item.kind
    {
        for proc_item in &procedure.items {
            if let ProcItemKind::Var(var) = &proc_item.kind {
                list.push(CompletionItem {
                    label: var.name.name.clone(),
                    kind: Some(CompletionItemKind::VARIABLE),
                    detail: Some("a variable of this procedure".to_string()),
                    ..Default::default()
                });
            }
        }
    }
    list.extend(names(resolver, |decl| {
        matches!(decl, Decl::Var(_) | Decl::Audience(_))
    }));
    list.extend(BUILTINS.iter().map(|name| CompletionItem {
        label: name.to_string(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: vocabulary::builtin_doc(name).map(|(signature, _)| signature.to_string()),
        ..Default::default()
    }));
    list.extend(items(
        [
            "customer", "secret", "and", "or", "not", "in", "true", "false",
        ],
        CompletionItemKind::KEYWORD,
    ));
    list
}

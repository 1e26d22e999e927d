//! What a name in the source refers to, and where else it is used.
//!
//! Names are found on the token stream (string interpolations included), so any
//! construct the grammar gains keeps its names navigable; what a name means comes from
//! the semantic stage's symbol tables ([`Symbols`]), plus the procedure-local variables
//! of the enclosing procedure, which the checker scopes the same way.

use crate::compiler::Compilation;
use crate::semantics::BUILTINS;
use crate::semantics::symbols::{BUILTIN_TYPES, Symbols, item_name};
use crate::syntax::ast::{FileId, Item, ItemKind, ProcItemKind, Span, UseNames};
use crate::syntax::tokens::{TokenKind, tokenize};

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A top-level declaration in the value namespace: its name's file and span.
    Value(FileId, Span),
    /// A refinement type: its name's file and span.
    Type(FileId, Span),
    /// A customer attribute: its name's file and span.
    Customer(FileId, Span),
    /// A procedure's own variable: its name's file and span.
    Local(FileId, Span),
    /// A built-in function.
    Builtin(&'static str),
    /// A built-in type.
    BuiltinType(&'static str),
}

impl Target {
    /// Where it is declared, unless it is built in.
    pub(super) fn location(&self) -> Option<(FileId, &Span)> {
        match self {
            Target::Value(file, span)
            | Target::Type(file, span)
            | Target::Customer(file, span)
            | Target::Local(file, span) => Some((*file, span)),
            Target::Builtin(_) | Target::BuiltinType(_) => None,
        }
    }
}

/// An identifier in a file, with the tokens just before it (for context).
#[derive(Clone, Debug)]
pub(super) struct Occurrence<'t> {
    /// Its text.
    pub name: &'t str,
    /// Its byte span in the file.
    pub span: Span,
    /// The up to three significant tokens before it in the same expression, nearest first.
    pub before: [Option<(TokenKind, &'t str)>; 3],
    /// The significant token after it.
    pub after: Option<TokenKind>,
    /// The first word of the line that opened the innermost block around it.
    pub block: Option<&'t str>,
}

/// Every identifier of `text`, those inside string interpolations included.
pub(super) fn occurrences(text: &str) -> Vec<Occurrence<'_>> {
    let mut out = Vec::new();
    collect(text, 0, text.len(), &mut out);
    out
}

fn collect<'t>(text: &'t str, start: usize, end: usize, out: &mut Vec<Occurrence<'t>>) {
    let Some(slice) = text.get(start..end) else {
        return;
    };
    let tokens: Vec<_> = tokenize(slice)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| (t.kind, start + t.span.start..start + t.span.end))
        .collect();
    let word = |i: usize| text.get(tokens[i].1.clone()).unwrap_or("");
    // Per open brace: the first word of the line it was opened on.
    let mut blocks: Vec<Option<&'t str>> = Vec::new();
    let mut line_first: Option<&'t str> = None;
    let mut last_line = usize::MAX;
    for (i, (kind, span)) in tokens.iter().enumerate() {
        let line = text[..span.start].matches('\n').count();
        if line != last_line {
            last_line = line;
            line_first = (*kind == TokenKind::Ident).then(|| word(i));
        }
        match kind {
            TokenKind::LBrace => blocks.push(line_first),
            TokenKind::RBrace => {
                blocks.pop();
            }
            TokenKind::String => {
                for inner in interpolations(text, span) {
                    collect(text, inner.start, inner.end, out);
                }
            }
            TokenKind::Ident => {
                let back = |n: usize| {
                    i.checked_sub(n)
                        .map(|j| (tokens[j].0, text.get(tokens[j].1.clone()).unwrap_or("")))
                };
                out.push(Occurrence {
                    name: word(i),
                    span: span.clone(),
                    before: [back(1), back(2), back(3)],
                    after: tokens.get(i + 1).map(|t| t.0),
                    block: blocks.last().copied().flatten(),
                });
            }
            _ => {}
        }
    }
}

/// The spans of the interpolated expressions of the string token at `span`.
fn interpolations(text: &str, span: &Span) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = span.start + 1;
    while i + 1 < span.end {
        match bytes[i] {
            b'\\' => i += 2,
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                let start = i + 1;
                let Some(rest) = text.get(start..span.end) else {
                    break;
                };
                let mut depth = 0usize;
                let mut close = None;
                for token in tokenize(rest) {
                    match token.kind {
                        TokenKind::LBrace => depth += 1,
                        TokenKind::RBrace if depth == 0 => {
                            close = Some(start + token.span.start);
                            break;
                        }
                        TokenKind::RBrace => depth -= 1,
                        _ => {}
                    }
                }
                let Some(end) = close else {
                    break;
                };
                found.push(start..end);
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    found
}

/// Resolves names in one analysed project.
pub(super) struct Resolver<'c> {
    compilation: &'c Compilation,
    symbols: Symbols<'c>,
}

/// Blocks whose `name: TYPE` entries are declarations with types.
const TYPED_BLOCKS: &[&str] = &["customer", "input", "output", "returns"];

impl<'c> Resolver<'c> {
    /// A resolver over the compilation's symbol tables.
    pub(super) fn new(compilation: &'c Compilation) -> Self {
        let symbols = Symbols::build(
            &compilation.files,
            &compilation.sources,
            &compilation.stdlib,
            &mut Vec::new(),
        );
        Resolver {
            compilation,
            symbols,
        }
    }

    /// The symbol tables.
    pub(super) fn symbols(&self) -> &Symbols<'c> {
        &self.symbols
    }

    /// The top-level item of `file` around `offset`.
    pub(super) fn item_at(&self, file: FileId, offset: usize) -> Option<&'c Item> {
        let parsed = self.compilation.files.get(file.0 as usize)?;
        parsed
            .items
            .iter()
            .find(|item| item.span.start <= offset && offset <= item.span.end)
    }

    /// The occurrence at `offset` in `file` (touching it from either side) and its target.
    pub(super) fn at(
        &self,
        file: FileId,
        offset: usize,
    ) -> Option<(Occurrence<'c>, Option<Target>)> {
        let text = &self.compilation.sources.get(file).text;
        let occurrence = occurrences(text)
            .into_iter()
            .find(|o| o.span.start <= offset && offset <= o.span.end)?;
        let target = self.resolve(file, &occurrence);
        Some((occurrence, target))
    }

    /// What an occurrence in `file` refers to.
    pub(super) fn resolve(&self, file: FileId, occ: &Occurrence) -> Option<Target> {
        let name = occ.name;
        let word = |n: usize| {
            occ.before[n]
                .filter(|(k, _)| *k == TokenKind::Ident)
                .map(|(_, w)| w)
        };
        let kind = |n: usize| occ.before[n].map(|(k, _)| k);
        if kind(0) == Some(TokenKind::Dot) {
            return match word(1) {
                Some("customer") => self.customer(name),
                Some("secret") => self.value(name),
                _ => None,
            };
        }
        let item = self.item_at(file, occ.span.start);
        if let Some(item) = item {
            match &item.kind {
                ItemKind::Use(decl) => return self.imported(decl, name),
                ItemKind::Customer(_) if kind(0) != Some(TokenKind::Colon) => {
                    return self.customer(name);
                }
                _ => {}
            }
        }
        let type_position = (kind(0) == Some(TokenKind::Colon)
            && (word(2) == Some("var") || occ.block.is_some_and(|b| TYPED_BLOCKS.contains(&b))))
            || (kind(0) == Some(TokenKind::Assign) && word(2) == Some("type"));
        if type_position {
            return self.type_named(name);
        }
        if let Some(ItemKind::Procedure(procedure)) = item.map(|i| &i.kind) {
            for proc_item in &procedure.items {
                if let ProcItemKind::Var(var) = &proc_item.kind
                    && var.name.name == name
                {
                    return Some(Target::Local(file, var.name.span.clone()));
                }
            }
        }
        if let Some(target) = self.value(name) {
            return Some(target);
        }
        if occ.after == Some(TokenKind::LParen)
            && let Some(builtin) = BUILTINS.iter().find(|b| **b == name)
        {
            return Some(Target::Builtin(builtin));
        }
        None
    }

    fn value(&self, name: &str) -> Option<Target> {
        let entry = self.symbols.values.get(name)?;
        Some(Target::Value(entry.file, entry.name.span.clone()))
    }

    fn type_named(&self, name: &str) -> Option<Target> {
        if let Some((file, decl)) = self.symbols.types.get(name) {
            return Some(Target::Type(*file, decl.name.span.clone()));
        }
        BUILTIN_TYPES
            .iter()
            .find(|t| **t == name)
            .map(|t| Target::BuiltinType(t))
    }

    fn customer(&self, name: &str) -> Option<Target> {
        let (file, field) = self.symbols.customer.get(name)?;
        Some(Target::Customer(*file, field.name.span.clone()))
    }

    /// A name in a `use` declaration: the standard-library item it imports.
    fn imported(&self, decl: &crate::syntax::ast::UseDecl, name: &str) -> Option<Target> {
        if let UseNames::All(_) = decl.names {
            return None;
        }
        let module = crate::stdlib::display_path(&decl.module.name);
        let file = self
            .compilation
            .stdlib
            .iter()
            .copied()
            .find(|&id| self.compilation.sources.get(id).path == module)?;
        let item = self
            .compilation
            .files
            .get(file.0 as usize)?
            .items
            .iter()
            .find(|item| item_name(item).is_some_and(|n| n.name == name))?;
        let ident = item_name(item)?;
        Some(match item.kind {
            ItemKind::Type(_) => Target::Type(file, ident.span.clone()),
            _ => Target::Value(file, ident.span.clone()),
        })
    }

    /// Every occurrence of `target` in the project and the standard library, as
    /// (file, span), declaration included.
    pub(super) fn references(&self, target: &Target, name: &str) -> Vec<(FileId, Span)> {
        let mut found = Vec::new();
        for (id, source) in self.compilation.sources.iter() {
            if !source.text.contains(name) {
                continue;
            }
            for occ in occurrences(&source.text) {
                if occ.name == name && self.resolve(id, &occ).as_ref() == Some(target) {
                    found.push((id, occ.span));
                }
            }
        }
        found
    }

    /// Whether `file` is one of the standard library's.
    pub(super) fn is_stdlib(&self, file: FileId) -> bool {
        self.compilation.stdlib.contains(&file)
    }

    /// The compilation resolved over.
    pub(super) fn compilation(&self) -> &'c Compilation {
        self.compilation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_include_interpolations_and_context() {
        let text = "note \"Customer {email ?? \"x {y}\"} {{z}}\"\nopen b { seats: customer.n }";
        let names: Vec<_> = occurrences(text).into_iter().map(|o| o.name).collect();
        assert_eq!(
            names,
            vec!["note", "email", "y", "open", "b", "seats", "customer", "n"]
        );
        let n = occurrences(text).into_iter().find(|o| o.name == "n");
        let n = n.map(|o| (o.before[0], o.before[1], o.block));
        assert_eq!(
            n,
            Some((
                Some((TokenKind::Dot, ".")),
                Some((TokenKind::Ident, "customer")),
                Some("open")
            ))
        );
    }
}

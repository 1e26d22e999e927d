//! Building the AST from pest's parse tree of one declaration.
//!
//! The grammar guarantees the shape of the tree, but the builders still never index or
//! unwrap: each returns `Option`, and a shape the grammar should not produce becomes a
//! syntax error instead of a panic. Checks that the grammar leaves open (escapes, number
//! ranges, interpolation where a plain string is needed) add diagnostics as they go.

mod decls;
mod expr;
mod procedure;
mod strings;
mod test_steps;

use pest::iterators::Pair;

use super::ast::{FileId, Ident, IntLit, Item, Span};
use super::errors::{INVALID_NUMBER, SYNTAX};
use super::grammar::Rule;
use super::split::doc_before;
use super::tokens::Token;
use crate::diagnostics::Diagnostic;

/// The deepest recursion of the expression builder accepted (about ten steps per level of
/// parentheses), far beyond any real file; it keeps the builders away from the end of
/// the stack.
const MAX_DEPTH: usize = 1000;

/// Builds the AST of one declaration parsed from the chunk at `base` of the file.
pub(crate) struct Lower<'a> {
    file: FileId,
    text: &'a str,
    tokens: &'a [Token],
    base: usize,
    depth: usize,
    /// The problems found while building.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Lower<'a> {
    /// A builder for the chunk starting at byte `base` of `text` (the whole file).
    pub(crate) fn new(file: FileId, text: &'a str, tokens: &'a [Token], base: usize) -> Self {
        Lower {
            file,
            text,
            tokens,
            base,
            depth: 0,
            diagnostics: Vec::new(),
        }
    }

    /// The item of a `declaration_file` pair, or `None` when it could not be built (a
    /// diagnostic says why).
    pub(crate) fn item(&mut self, file_pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&file_pair);
        let declaration = kids(file_pair)
            .into_iter()
            .find(|p| p.as_rule() == Rule::declaration);
        let built = declaration
            .and_then(|d| kids(d).into_iter().next())
            .and_then(|decl| {
                let span = self.span(&decl);
                let doc = doc_before(self.text, self.tokens, span.start);
                self.declaration(decl).map(|kind| Item { doc, span, kind })
            });
        if built.is_none() && self.diagnostics.is_empty() {
            self.diagnostics.push(Diagnostic::error(
                SYNTAX,
                "this declaration could not be read",
                self.file,
                span,
            ));
        }
        built
    }

    /// The file span of a pair.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        self.base + span.start()..self.base + span.end()
    }

    /// An identifier from an `ident` (or `name`) pair.
    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// All identifiers among the children of `pair`.
    fn idents(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        kids(pair)
            .iter()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .collect()
    }

    /// An integer literal from an `int_lit` pair (E0004 when out of range).
    fn int_lit(&mut self, pair: &Pair<'_, Rule>) -> IntLit {
        let span = self.span(pair);
        let value = self.parse_int(pair.as_str(), span.clone());
        IntLit { value, span }
    }

    /// Parses a decimal integer, with an E0004 error (and 0) when it does not fit.
    fn parse_int(&mut self, digits: &str, span: Span) -> i64 {
        match digits.parse::<i64>() {
            Ok(value) => value,
            Err(_) => {
                self.error_at(
                    INVALID_NUMBER,
                    format!("the integer `{digits}` does not fit in 64 bits"),
                    span,
                    "integers range from -9223372036854775808 to 9223372036854775807",
                );
                0
            }
        }
    }

    /// Records an error with a help line.
    fn error_at(&mut self, code: &'static str, message: String, span: Span, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(code, message, self.file, span)
                .with_primary_label("here")
                .with_help(help),
        );
    }
}

/// The children of a pair, without punctuation (which only matters to the grammar).
fn kids(pair: Pair<'_, Rule>) -> Vec<Pair<'_, Rule>> {
    pair.into_inner()
        .filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::lbrace
                    | Rule::rbrace
                    | Rule::lparen
                    | Rule::rparen
                    | Rule::lbracket
                    | Rule::rbracket
                    | Rule::comma
                    | Rule::colon
                    | Rule::path_sep
                    | Rule::assign
            )
        })
        .collect()
}

/// The first child of `pair` with rule `rule`.
fn child<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find(|p| p.as_rule() == rule)
}

/// Whether `pair` has a child with rule `rule`.
fn has(pair: &Pair<'_, Rule>, rule: Rule) -> bool {
    child(pair, rule).is_some()
}

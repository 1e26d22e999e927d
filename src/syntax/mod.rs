//! The syntax stage: the lossless token stream, the pest grammar and the AST.
//!
//! [`parse_file`] is the entry point. It splits the file into top-level declarations with
//! the token stream ([`tokens::tokenize`]) and parses each with the pest grammar
//! (`grammar/proc.pest`), so one broken declaration does not hide errors in the others.
//! Syntax errors use the codes E0001–E0004 (see `docs/diagnostics.md`).

pub mod ast;
mod errors;
mod grammar;
mod lower;
mod split;
pub mod tokens;

use pest::Parser;

use self::ast::{FileId, Item, SourceFile, Span};
use self::errors::{SYNTAX, UNTERMINATED_STRING};
use self::grammar::{ProcParser, Rule};
use self::lower::Lower;
use self::split::{Mode, split};
use self::tokens::{Token, TokenKind, tokenize};
use crate::diagnostics::Diagnostic;

/// Parses one `.proc` file. Returns the declarations that parsed (in source order) and
/// the syntax errors of the others; it never panics, whatever the text.
pub fn parse_file(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let tokens = tokenize(text);
    let mut parser = FileParser {
        file,
        text,
        tokens: &tokens,
        items: Vec::new(),
        diagnostics: Vec::new(),
    };
    for chunk in split(text, &tokens, 0..text.len(), Mode::Normal) {
        parser.chunk(chunk, true);
    }
    let source = SourceFile {
        id: file,
        items: parser.items,
    };
    (source, parser.diagnostics)
}

/// The state of one [`parse_file`] call.
struct FileParser<'a> {
    file: FileId,
    text: &'a str,
    tokens: &'a [Token],
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
}

impl FileParser<'_> {
    /// Parses the declaration in `chunk`. When it does not parse and `may_split` holds,
    /// it is split again eagerly (an unclosed block may have swallowed declarations).
    fn chunk(&mut self, chunk: Span, may_split: bool) {
        if self.lexical_errors(&chunk) {
            return;
        }
        let Some(source) = self.text.get(chunk.clone()) else {
            return;
        };
        match ProcParser::parse(Rule::declaration_file, source) {
            Ok(mut pairs) => {
                let mut lower = Lower::new(self.file, self.text, self.tokens, chunk.start);
                let item = pairs.next().and_then(|pair| lower.item(pair));
                match item {
                    Some(item) if lower.diagnostics.is_empty() => self.items.push(item),
                    _ => self.diagnostics.extend(lower.diagnostics),
                }
            }
            Err(error) => {
                if may_split {
                    let pieces = split(self.text, self.tokens, chunk.clone(), Mode::Eager);
                    if pieces.len() > 1 {
                        for piece in pieces {
                            self.chunk(piece, false);
                        }
                        return;
                    }
                }
                self.diagnostics.push(errors::from_pest(
                    &error,
                    self.file,
                    self.text,
                    self.tokens,
                    chunk.start,
                ));
            }
        }
    }

    /// Reports the error tokens of `chunk` (unterminated strings, unknown characters);
    /// returns whether there were any, in which case the chunk is not parsed.
    fn lexical_errors(&mut self, chunk: &Span) -> bool {
        let mut found = false;
        let mut unknown: Option<Span> = None;
        for token in split::tokens_in(self.tokens, chunk) {
            if token.kind == TokenKind::Unknown {
                // Adjacent unknown characters make one error.
                unknown = Some(match unknown.take() {
                    Some(run) if run.end == token.span.start => run.start..token.span.end,
                    Some(run) => {
                        self.unknown_characters(run);
                        token.span.clone()
                    }
                    None => token.span.clone(),
                });
                found = true;
                continue;
            }
            if let Some(run) = unknown.take() {
                self.unknown_characters(run);
            }
            if matches!(
                token.kind,
                TokenKind::UnterminatedString | TokenKind::UnterminatedRawString
            ) {
                found = true;
                let (what, help) = if token.kind == TokenKind::UnterminatedString {
                    (
                        "this string is not closed before the end of the line",
                        "add the closing `\"`; write `\\n` for a line break, or use a \"\"\"raw string\"\"\"",
                    )
                } else {
                    ("this raw string is not closed", "add the closing `\"\"\"`")
                };
                let start = token.span.start;
                let quote_len = if token.kind == TokenKind::UnterminatedString {
                    1
                } else {
                    3
                };
                self.diagnostics.push(
                    Diagnostic::error(UNTERMINATED_STRING, what, self.file, token.span.clone())
                        .with_primary_label("the string starts here")
                        .with_label(self.file, start..start + quote_len, "opening quote")
                        .with_help(help),
                );
            }
        }
        if let Some(run) = unknown {
            self.unknown_characters(run);
        }
        found
    }

    fn unknown_characters(&mut self, span: Span) {
        let text = self.text.get(span.clone()).unwrap_or_default();
        let message = if text.chars().count() == 1 {
            format!("unexpected character `{text}`")
        } else {
            format!("unexpected characters `{text}`")
        };
        self.diagnostics.push(
            Diagnostic::error(SYNTAX, message, self.file, span)
                .with_primary_label("not part of the language")
                .with_help("names are ASCII letters, digits and `_`; other text goes in strings"),
        );
    }
}

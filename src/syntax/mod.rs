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
mod spine;
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
///
/// Declarations parse independently, so a large file is parsed by several threads, each
/// taking a contiguous run of declarations; the results are joined in source order, so
/// the outcome is the same as parsing them one by one.
pub fn parse_file(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let tokens = tokenize(text);
    let chunks = split(text, &tokens, 0..text.len(), Mode::Normal);
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for part in parse_in_parallel(file, text, &tokens, &chunks) {
        items.extend(part.items);
        diagnostics.extend(part.diagnostics);
    }
    (SourceFile { id: file, items }, diagnostics)
}

/// Below this many bytes per thread, starting a thread costs more than it saves.
const BYTES_PER_THREAD: usize = 64 * 1024;

/// The stack of a parsing thread: as large as a main thread's, since parsing and
/// lowering recurse on nested expressions.
const PARSER_STACK: usize = 8 * 1024 * 1024;

/// Parses the declarations `chunks` on up to `available_parallelism` threads; one
/// [`FileParser`] per contiguous run of declarations, in source order.
fn parse_in_parallel<'a>(
    file: FileId,
    text: &'a str,
    tokens: &'a [Token],
    chunks: &[Span],
) -> Vec<FileParser<'a>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(text.len() / BYTES_PER_THREAD)
        .max(1);
    let parse_run = |run: &[Span]| {
        let mut parser = FileParser::new(file, text, tokens);
        for chunk in run {
            parser.chunk(chunk.clone(), true);
        }
        parser
    };
    if threads == 1 {
        return vec![parse_run(chunks)];
    }
    let runs = balanced_runs(chunks, threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = runs
            .iter()
            .map(|run| {
                std::thread::Builder::new()
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(scope, || parse_run(run))
            })
            .collect();
        workers
            .into_iter()
            .zip(&runs)
            .map(|(worker, run)| match worker {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: parse this run here.
                Err(_) => parse_run(run),
            })
            .collect()
    })
}

/// Cuts `chunks` into at most `parts` contiguous runs of about equal size in bytes.
fn balanced_runs(chunks: &[Span], parts: usize) -> Vec<&[Span]> {
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let target = total.div_ceil(parts.max(1)).max(1);
    let mut runs = Vec::with_capacity(parts);
    let (mut start, mut bytes) = (0, 0);
    for (i, chunk) in chunks.iter().enumerate() {
        bytes += chunk.len();
        if bytes >= target && runs.len() + 1 < parts {
            runs.push(&chunks[start..=i]);
            (start, bytes) = (i + 1, 0);
        }
    }
    runs.push(&chunks[start..]);
    runs
}

/// The items and errors of a run of declarations of one file.
struct FileParser<'a> {
    file: FileId,
    text: &'a str,
    tokens: &'a [Token],
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> FileParser<'a> {
    fn new(file: FileId, text: &'a str, tokens: &'a [Token]) -> Self {
        FileParser {
            file,
            text,
            tokens,
            items: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

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

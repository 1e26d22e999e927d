//! The syntax stage: the lossless token stream, the pest grammar and the AST.
//!
//! [`parse_file`] is the entry point. It splits the file into top-level declarations with
//! the token stream ([`tokens::tokenize`]) and parses each with the pest grammar
//! (`grammar/proc.pest`), so one broken declaration does not hide errors in the others.
//! Syntax errors use the codes E0001–E0004 (see `docs/diagnostics.md`).

pub mod ast;
mod errors;
mod grammar;
mod incremental;
mod lower;
mod offsets;
mod recover;
mod spine;
mod split;
pub mod tokens;

use pest::Parser;

pub use self::incremental::{ParseCache, parse_file_reusing};

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
    let mut broken = Vec::new();
    let parse_run = |run: &[Span]| {
        let mut parser = FileParser::new(file, text, &tokens);
        for chunk in run {
            parser.chunk(chunk.clone(), true);
        }
        parser
    };
    for part in parse_in_parallel(text.len(), &chunks, parse_run) {
        items.extend(part.items);
        diagnostics.extend(part.diagnostics);
        broken.extend(part.broken);
    }
    (
        SourceFile {
            id: file,
            items,
            broken,
        },
        diagnostics,
    )
}

/// Below this many bytes per thread, starting a thread costs more than it saves.
const BYTES_PER_THREAD: usize = 64 * 1024;

/// The stack of a parsing thread: as large as a main thread's, since parsing and
/// lowering recurse on nested expressions.
const PARSER_STACK: usize = 8 * 1024 * 1024;

/// Parses the declarations `chunks` (`bytes` of text in all) on up to
/// `available_parallelism` threads: `parse_run` parses each contiguous run of
/// declarations; the results are in source order.
fn parse_in_parallel<R: Send>(
    bytes: usize,
    chunks: &[Span],
    parse_run: impl Fn(&[Span]) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(bytes / BYTES_PER_THREAD)
        .max(1);
    if threads == 1 {
        return vec![parse_run(chunks)];
    }
    let runs = balanced_runs(chunks, threads);
    let parse_run = &parse_run;
    std::thread::scope(|scope| {
        let workers: Vec<_> = runs
            .iter()
            .map(|run| {
                std::thread::Builder::new()
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(scope, move || parse_run(run))
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
    /// The spans left out because they did not parse: whole declarations, or items
    /// blanked out of a declaration that then parsed.
    broken: Vec<Span>,
}

/// The most items blanked out of one declaration before it is given up: each blanking
/// costs a parse of the declaration.
const MAX_RECOVERIES: usize = 32;

/// The block items of `chunk`, found the first time they are asked for.
fn items_of<'i>(
    found: &'i mut Option<Vec<recover::BlockItem>>,
    tokens: &[Token],
    chunk: &Span,
) -> &'i [recover::BlockItem] {
    found.get_or_insert_with(|| recover::block_items(split::tokens_in(tokens, chunk)))
}

/// The grammar rules that start an item of a block: an error that expects one of them at
/// the first token of an item blames that item; otherwise the item before it (which
/// ended too early) is to blame.
const ITEM_RULES: &[Rule] = &[
    Rule::proc_item,
    Rule::var_item,
    Rule::stmt,
    Rule::test_step,
    Rule::request_part,
    Rule::rbrace,
];

impl<'a> FileParser<'a> {
    fn new(file: FileId, text: &'a str, tokens: &'a [Token]) -> Self {
        FileParser {
            file,
            text,
            tokens,
            items: Vec::new(),
            diagnostics: Vec::new(),
            broken: Vec::new(),
        }
    }

    /// Parses the declaration in `chunk`. When it does not parse and `may_split` holds,
    /// it is split again eagerly (an unclosed block may have swallowed declarations).
    /// Otherwise each broken item of its blocks is reported and blanked out, and the
    /// rest of the declaration is parsed: one bad line does not hide the others.
    fn chunk(&mut self, chunk: Span, may_split: bool) {
        // The block items are needed only to recover from an error: most chunks parse
        // at once and never find them.
        let tokens = self.tokens;
        let mut block_items = None;
        let mut blanked: Vec<Span> = Vec::new();
        for error in self.lexical_errors(&chunk) {
            let items = items_of(&mut block_items, tokens, &chunk);
            match recover::innermost_at(items, error.start) {
                Some(item) if !blanked.contains(&item.span) => blanked.push(item.span.clone()),
                Some(_) => {}
                None => {
                    self.broken.push(chunk);
                    return;
                }
            }
        }
        let Some(source) = self.text.get(chunk.clone()) else {
            return;
        };
        let relative = |span: &Span| span.start - chunk.start..span.end - chunk.start;
        let mut text = source.to_string();
        for span in &blanked {
            recover::blank(&mut text, &relative(span));
        }
        for _ in 0..MAX_RECOVERIES {
            let error = match ProcParser::parse(Rule::declaration_file, &text) {
                Ok(mut pairs) => {
                    let mut lower = Lower::new(self.file, self.text, self.tokens, chunk.start);
                    let item = pairs.next().and_then(|pair| lower.item(pair));
                    match item {
                        Some(item) if lower.diagnostics.is_empty() => self.items.push(item),
                        _ => {
                            self.diagnostics.extend(lower.diagnostics);
                            self.broken.push(chunk.clone());
                        }
                    }
                    self.broken.extend(blanked);
                    return;
                }
                Err(error) => error,
            };
            if may_split && blanked.is_empty() {
                let pieces = split(self.text, self.tokens, chunk.clone(), Mode::Eager);
                if pieces.len() > 1 {
                    for piece in pieces {
                        self.chunk(piece, false);
                    }
                    return;
                }
            }
            let diagnostic =
                errors::from_pest(&error, self.file, self.text, self.tokens, chunk.start);
            let items = items_of(&mut block_items, tokens, &chunk);
            match self.item_to_blank(items, &blanked, &error, diagnostic.span.start) {
                Some((span, cascade)) => {
                    // An error caused by an item blanked before is not the author's.
                    if !cascade {
                        self.diagnostics.push(diagnostic);
                    }
                    recover::blank(&mut text, &relative(&span));
                    blanked.push(span);
                }
                None => {
                    self.diagnostics.push(diagnostic);
                    break;
                }
            }
        }
        self.broken.push(chunk);
    }

    /// The item to blank out for a parse error at `at`, and whether the error is a
    /// cascade of an earlier blanking; `None` when the error is outside every block
    /// (the declaration's own header).
    fn item_to_blank(
        &self,
        items: &[recover::BlockItem],
        blanked: &[Span],
        error: &pest::error::Error<Rule>,
        at: usize,
    ) -> Option<(Span, bool)> {
        let mut item = recover::innermost_at(items, at)?;
        let expects_item = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                positives.iter().any(|rule| ITEM_RULES.contains(rule))
            }
            pest::error::ErrorVariant::CustomError { .. } => false,
        };
        if item.span.start == at
            && !expects_item
            && let Some(previous) = recover::previous_in_block(items, item)
        {
            item = previous;
        }
        let contains_blanked = |span: &Span| {
            blanked
                .iter()
                .any(|b| span.start <= b.start && b.end <= span.end)
        };
        if blanked.contains(&item.span) {
            let outer = recover::enclosing(items, &item.span)?;
            return Some((outer.span.clone(), true));
        }
        Some((item.span.clone(), contains_blanked(&item.span)))
    }

    /// Reports the error tokens of `chunk` (unterminated strings, unknown characters);
    /// returns where they are, for the items holding them to be left out.
    fn lexical_errors(&mut self, chunk: &Span) -> Vec<Span> {
        let mut found = Vec::new();
        let mut unknown: Option<Span> = None;
        let tokens = split::tokens_in(self.tokens, chunk);
        // Almost every chunk has none: one cheap pass says so.
        let is_error = |token: &Token| {
            matches!(
                token.kind,
                TokenKind::Unknown
                    | TokenKind::UnterminatedString
                    | TokenKind::UnterminatedRawString
            )
        };
        if !tokens.iter().any(is_error) {
            return found;
        }
        let mut index = 0;
        while let Some(token) = tokens.get(index) {
            index += 1;
            if token.kind == TokenKind::Unknown {
                if let Some(end) = self.single_quoted(&tokens[index - 1..]) {
                    if let Some(run) = unknown.take() {
                        self.unknown_characters(run);
                    }
                    let span = token.span.start..tokens[index - 1 + end].span.end;
                    self.single_quotes(span.clone());
                    found.push(span);
                    index += end;
                    continue;
                }
                // Adjacent unknown characters make one error.
                unknown = Some(match unknown.take() {
                    Some(run) if run.end == token.span.start => run.start..token.span.end,
                    Some(run) => {
                        self.unknown_characters(run);
                        token.span.clone()
                    }
                    None => token.span.clone(),
                });
                found.push(token.span.clone());
                continue;
            }
            if let Some(run) = unknown.take() {
                self.unknown_characters(run);
            }
            if matches!(
                token.kind,
                TokenKind::UnterminatedString | TokenKind::UnterminatedRawString
            ) {
                found.push(token.span.clone());
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
                let mut diagnostic =
                    Diagnostic::error(UNTERMINATED_STRING, what, self.file, token.span.clone())
                        .with_primary_label("the string starts here")
                        .with_label(self.file, start..start + quote_len, "opening quote")
                        .with_help(help);
                if let Some(brace) = self.lone_brace(token) {
                    diagnostic = diagnostic
                        .with_label(
                            self.file,
                            brace..brace + 1,
                            "this `{` starts an interpolation",
                        )
                        .with_help("`{` starts an interpolation; write `{{` for a brace");
                }
                self.diagnostics.push(diagnostic);
            }
        }
        if let Some(run) = unknown {
            self.unknown_characters(run);
        }
        found
    }

    /// In a string left unclosed because a `{` opened an interpolation that swallowed
    /// the closing quote: the offset of that `{`.
    fn lone_brace(&self, token: &Token) -> Option<usize> {
        let text = self.text.get(token.span.clone())?;
        let (mut depth, mut opened) = (0usize, None);
        let mut chars = text.char_indices().skip(1).peekable();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => {
                    chars.next();
                }
                '{' if depth == 0 && chars.peek().is_some_and(|(_, next)| *next == '{') => {
                    chars.next();
                }
                '{' => {
                    if depth == 0 {
                        opened = Some(i);
                    }
                    depth += 1;
                }
                '}' => depth = depth.saturating_sub(1),
                '"' if depth > 0 => return opened.map(|at| token.span.start + at),
                _ => {}
            }
        }
        None
    }

    /// When `tokens` start with `'` and another `'` closes it on the same line: the
    /// index of the closing one (text written in single quotes).
    fn single_quoted(&self, tokens: &[Token]) -> Option<usize> {
        let is_quote = |token: &Token| {
            token.kind == TokenKind::Unknown && self.text.get(token.span.clone()) == Some("'")
        };
        if !tokens.first().is_some_and(is_quote) {
            return None;
        }
        tokens
            .iter()
            .enumerate()
            .skip(1)
            .take_while(|(_, token)| token.kind != TokenKind::Newline)
            .find(|(_, token)| is_quote(token))
            .map(|(index, _)| index)
    }

    fn single_quotes(&mut self, span: Span) {
        let inside = self
            .text
            .get(span.start + 1..span.end.saturating_sub(1))
            .unwrap_or_default();
        self.diagnostics.push(
            Diagnostic::error(SYNTAX, "text in single quotes", self.file, span)
                .with_primary_label("`'` does not start a string")
                .with_help(format!(
                    "strings are written between double quotes: \"{inside}\""
                )),
        );
    }

    fn unknown_characters(&mut self, span: Span) {
        let text = self.text.get(span.clone()).unwrap_or_default();
        let message = if text.chars().count() == 1 {
            format!("unexpected character `{text}`")
        } else {
            format!("unexpected characters `{text}`")
        };
        let (label, help) = if text.starts_with('#') {
            (
                "`#` does not start a comment",
                "comments start with `//` (and doc comments with `///`)",
            )
        } else {
            (
                "not part of the language",
                "names are ASCII letters, digits and `_`; other text goes in strings",
            )
        };
        self.diagnostics.push(
            Diagnostic::error(SYNTAX, message, self.file, span)
                .with_primary_label(label)
                .with_help(help),
        );
    }
}

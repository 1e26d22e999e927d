//! The canonical layout of a `.proc` file (`procc fmt`, and formatting in `procc lsp`).
//!
//! The formatter works on the lossless token stream ([`crate::syntax::tokens`]), not on
//! the AST, so every comment and doc comment survives and constructs the grammar gains
//! later are laid out sensibly without changes here. It keeps the author's line breaks
//! and owns everything else:
//!
//! - indentation: two spaces per open bracket level; a line that leaves several
//!   brackets open (`f({`) indents its continuation by one level, not one per bracket;
//! - spacing between tokens on a line: from the pair of tokens alone (`layout`);
//! - blank lines: a run becomes one; none at the start or end of the file, after a line
//!   that opens a block or before a line that closes one;
//! - trailing spaces: none; the file ends with exactly one newline; `\r\n` becomes `\n`.
//!
//! Raw strings (`"""..."""`) are copied byte for byte, since their lines are content.
//! Whatever the author's spacing, the result depends only on the tokens and the line
//! breaks between them, which is what makes formatting idempotent.
//!
//! A file with syntax errors is not formatted ([`format_source`] returns
//! [`FormatError::Syntax`]). As a last safeguard, the output is re-tokenized and must
//! hold the same tokens as the input; otherwise the input is refused rather than changed.

mod layout;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::FileId;
use crate::syntax::parse_file;
use crate::syntax::tokens::{Token, TokenKind, tokenize};

use self::layout::{Line, Piece};

/// The number of spaces per indentation level.
pub const INDENT: usize = 2;

/// Why a text was not formatted.
#[derive(Debug)]
#[non_exhaustive]
pub enum FormatError {
    /// The text has syntax errors (the parser's diagnostics; file ids are `FileId(0)`).
    Syntax(Vec<Diagnostic>),
    /// The layout would have changed the tokens (a formatter defect; the text is kept).
    Unstable,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => {
                let count = diagnostics.len();
                write!(
                    f,
                    "{count} syntax error{} (run `procc check` for details)",
                    if count == 1 { "" } else { "s" }
                )
            }
            FormatError::Unstable => {
                f.write_str("the formatter could not lay this file out without changing its tokens")
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats a whole `.proc` file; refuses a file with syntax errors.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let (_, diagnostics) = parse_file(FileId(0), text);
    if !diagnostics.is_empty() {
        return Err(FormatError::Syntax(diagnostics));
    }
    format_tokens(text)
}

/// Lays out `text` from its tokens alone, without parsing it. Lexical errors are laid
/// out as they are; callers that must not touch broken files use [`format_source`].
pub fn format_tokens(text: &str) -> Result<String, FormatError> {
    let tokens = tokenize(text);
    let lines = lines(text, &tokens);
    let output = layout::render(&lines);
    if significant(&output) == significant(text) {
        Ok(output)
    } else {
        Err(FormatError::Unstable)
    }
}

/// The tokens that carry meaning, with comments trimmed at the end: what formatting
/// must keep.
fn significant(text: &str) -> Vec<(TokenKind, &str)> {
    tokenize(text)
        .into_iter()
        .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Newline))
        .filter_map(|t| {
            let slice = text.get(t.span)?;
            Some((t.kind, slice.trim_end()))
        })
        .collect()
}

/// Groups the tokens into the author's lines, counting the line breaks before each.
fn lines<'a>(text: &'a str, tokens: &[Token]) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut current = Line::default();
    let mut breaks = 0usize;
    for token in tokens {
        let Some(slice) = text.get(token.span.clone()) else {
            continue;
        };
        match token.kind {
            TokenKind::Whitespace => {}
            TokenKind::Newline => {
                if current.pieces.is_empty() {
                    breaks += 1;
                } else {
                    lines.push(std::mem::take(&mut current));
                    breaks = 1;
                }
            }
            kind => {
                if current.pieces.is_empty() {
                    current.breaks_before = breaks;
                }
                let slice = if matches!(kind, TokenKind::Comment | TokenKind::DocComment) {
                    slice.trim_end()
                } else {
                    slice
                };
                current.pieces.push(Piece { kind, text: slice });
            }
        }
    }
    if !current.pieces.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests;

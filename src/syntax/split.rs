//! Splitting a file into top-level declarations, and finding doc comments, with the
//! token stream.
//!
//! pest stops at the first error, so each declaration is parsed on its own. A declaration
//! starts at a top-level keyword that is the first token of its line, outside any
//! brackets. If a chunk does not parse (an unclosed `{` swallows what follows), it is
//! split again, more eagerly, at keywords in the first column whatever the depth.

use super::ast::Span;
use super::tokens::{Token, TokenKind};

/// The keywords that start a top-level declaration.
const DECLARATION_KEYWORDS: [&str; 13] = [
    "use",
    "customer",
    "source",
    "faq",
    "topic",
    "component",
    "audience",
    "secret",
    "type",
    "var",
    "lookup",
    "procedure",
    "test",
];

/// How eagerly [`split`] cuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// At declaration keywords first on their line, at bracket depth 0.
    Normal,
    /// Also at declaration keywords in the first column at any depth.
    Eager,
}

/// Cuts `span` of `text` into chunks: each starts at a declaration keyword, except a
/// first chunk of stray text before the first keyword (only when it holds more than
/// trivia). Trivia between declarations stays at the end of the chunk before it.
pub(crate) fn split(text: &str, tokens: &[Token], span: Span, mode: Mode) -> Vec<Span> {
    let mut starts = Vec::new();
    let mut depth: usize = 0;
    let mut first_on_line = span.start == 0 || text.as_bytes().get(span.start - 1) == Some(&b'\n');
    let mut first_column = first_on_line;
    let in_span = tokens_in(tokens, &span);
    for (index, token) in in_span.iter().enumerate() {
        match token.kind {
            TokenKind::Newline => {
                first_on_line = true;
                first_column = true;
                continue;
            }
            TokenKind::Whitespace => {
                first_column = false;
                continue;
            }
            TokenKind::Comment | TokenKind::DocComment => continue,
            _ => {}
        }
        if token.kind == TokenKind::Ident
            && first_on_line
            && token.span.start > span.start
            && text
                .get(token.span.clone())
                .is_some_and(is_declaration_keyword)
            && !followed_by_dot(&in_span[index + 1..])
            && (depth == 0 || (mode == Mode::Eager && first_column))
        {
            starts.push(token.span.start);
            depth = 0;
        }
        match token.kind {
            TokenKind::LBrace | TokenKind::LBracket | TokenKind::LParen => depth += 1,
            TokenKind::RBrace | TokenKind::RBracket | TokenKind::RParen => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        first_on_line = false;
        first_column = false;
    }
    let mut chunks = Vec::new();
    let mut from = span.start;
    for start in starts {
        if has_content(tokens, from..start) {
            chunks.push(from..start);
        }
        from = start;
    }
    if has_content(tokens, from..span.end) {
        chunks.push(from..span.end);
    }
    chunks
}

/// Whether the next token that is not whitespace is a `.`: `customer.plan` at the start
/// of a continued expression line is not the `customer` declaration.
fn followed_by_dot(rest: &[Token]) -> bool {
    rest.iter()
        .find(|t| t.kind != TokenKind::Whitespace)
        .is_some_and(|t| t.kind == TokenKind::Dot)
}

/// Whether `word` starts a top-level declaration.
pub(crate) fn is_declaration_keyword(word: &str) -> bool {
    DECLARATION_KEYWORDS.contains(&word)
}

/// Whether `span` holds any token that is not trivia.
fn has_content(tokens: &[Token], span: Span) -> bool {
    tokens_in(tokens, &span).iter().any(|t| !t.kind.is_trivia())
}

/// The tokens lying wholly inside `span`, found by binary search (tokens are in source
/// order), so that handling one declaration costs its own size, not the file's.
pub(crate) fn tokens_in<'t>(tokens: &'t [Token], span: &Span) -> &'t [Token] {
    let first = tokens.partition_point(|t| t.span.start < span.start);
    let end = tokens.partition_point(|t| t.span.end <= span.end);
    tokens.get(first..end.max(first)).unwrap_or_default()
}

/// The index of the token that contains byte `offset` (the last token at the end).
pub(crate) fn token_at(tokens: &[Token], offset: usize) -> Option<usize> {
    if tokens.is_empty() {
        return None;
    }
    let index = tokens.partition_point(|t| t.span.end <= offset);
    Some(index.min(tokens.len() - 1))
}

/// The text of the `///` comments on the lines directly above the token starting at
/// `offset` (each without `///` and one following space), joined with newlines.
pub(crate) fn doc_before(text: &str, tokens: &[Token], offset: usize) -> Option<String> {
    let mut index = token_at(tokens, offset)?;
    let mut lines = Vec::new();
    loop {
        // Expect: [whitespace] newline [whitespace] doc-comment, walking backwards.
        index = skip_back(tokens, index, TokenKind::Whitespace);
        if index == 0 || tokens[index - 1].kind != TokenKind::Newline {
            break;
        }
        index = skip_back(tokens, index - 1, TokenKind::Whitespace);
        if index == 0 || tokens[index - 1].kind != TokenKind::DocComment {
            break;
        }
        index -= 1;
        let comment = text.get(tokens[index].span.clone()).unwrap_or_default();
        let body = comment.strip_prefix("///").unwrap_or(comment);
        let body = body.strip_prefix(' ').unwrap_or(body);
        lines.push(body.trim_end().to_string());
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

/// Steps back from `index` over tokens of `kind`; returns the first index not skipped.
fn skip_back(tokens: &[Token], mut index: usize, kind: TokenKind) -> usize {
    while index > 0 && tokens[index - 1].kind == kind {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::tokens::tokenize;

    fn chunks(text: &str, mode: Mode) -> Vec<&str> {
        let tokens = tokenize(text);
        split(text, &tokens, 0..text.len(), mode)
            .into_iter()
            .map(|s| &text[s])
            .collect()
    }

    #[test]
    fn splits_at_top_level_keywords_only() {
        let text = "secret a\nprocedure p: x {\n  var v: int\n}\n  var w: int\n";
        assert_eq!(
            chunks(text, Mode::Normal),
            vec![
                "secret a\n",
                "procedure p: x {\n  var v: int\n}\n  ",
                "var w: int\n"
            ]
        );
    }

    #[test]
    fn stray_text_is_its_own_chunk_and_eager_mode_cuts_unclosed_blocks() {
        let text = "oops\nprocedure p: x {\nsecret a\n";
        assert_eq!(
            chunks(text, Mode::Normal),
            vec!["oops\n", "procedure p: x {\nsecret a\n"]
        );
        assert_eq!(
            chunks(text, Mode::Eager),
            vec!["oops\n", "procedure p: x {\n", "secret a\n"]
        );
    }

    #[test]
    fn a_continued_expression_line_is_not_a_declaration() {
        let text = "audience a =\n  customer.plan == \"x\"\nsecret s\n";
        assert_eq!(
            chunks(text, Mode::Normal),
            vec!["audience a =\n  customer.plan == \"x\"\n", "secret s\n"]
        );
    }

    #[test]
    fn doc_comments_directly_above() {
        let text = "/// one\n  /// two\nsecret a\n\n/// far\n\nsecret b";
        let tokens = tokenize(text);
        assert_eq!(
            doc_before(text, &tokens, text.find("secret a").unwrap_or(0)),
            Some("one\ntwo".to_string())
        );
        assert_eq!(
            doc_before(text, &tokens, text.find("secret b").unwrap_or(0)),
            None
        );
    }
}

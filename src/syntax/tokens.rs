//! The lossless token stream of a `.proc` file.
//!
//! Every byte of the input belongs to exactly one token, trivia included (whitespace,
//! newlines, comments), so the concatenated spans give back the text. The parser uses it
//! to split a file into declarations, to find doc comments and to name the token at an
//! error; tools (highlighting, formatting) can use it as is.
//!
//! A `"..."` string is one token, interpolations included (they may nest strings:
//! `"a {x ?? "b"} c"`); a `"""..."""` raw string is one token. A string that does not end
//! before the end of its line (raw strings: of the file), and any character that starts
//! no token, are error tokens.

use logos::Logos;

use super::ast::Span;

/// What a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Spaces, tabs, carriage returns, form feeds and byte-order marks.
    Whitespace,
    /// One `\n`.
    Newline,
    /// A `//` comment up to the end of its line.
    Comment,
    /// A `///` doc comment up to the end of its line.
    DocComment,
    /// An identifier or keyword (keywords are reserved only by the grammar).
    Ident,
    /// An integer literal (digits only; a sign is a separate [`TokenKind::Minus`]).
    Int,
    /// A decimal literal such as `3.25`.
    Decimal,
    /// A duration such as `250ms`, `5s`, `2m`.
    Duration,
    /// A complete `"..."` string, interpolations included.
    String,
    /// A complete `"""..."""` raw string.
    RawString,
    /// A `"` string not closed before the end of its line (error).
    UnterminatedString,
    /// A `"""` raw string not closed before the end of the file (error).
    UnterminatedRawString,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `::`
    PathSep,
    /// `.`
    Dot,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `?`
    Question,
    /// `??`
    Coalesce,
    /// A character that starts no token (error).
    Unknown,
}

impl TokenKind {
    /// Whether the parser ignores this token (whitespace, newlines, comments).
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::Newline | TokenKind::Comment | TokenKind::DocComment
        )
    }

    /// Whether this token is a lexical error.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            TokenKind::UnterminatedString | TokenKind::UnterminatedRawString | TokenKind::Unknown
        )
    }
}

/// One token: its kind and its byte range in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it stands.
    pub span: Span,
}

/// The logos automaton. Strings are scanned by hand (callbacks) because interpolations
/// nest; the callbacks report whether the string was closed.
#[derive(Logos, Clone, Copy, Debug, PartialEq)]
enum Lexeme {
    // A byte-order mark counts as whitespace (files saved by some Windows editors).
    #[regex(r"[ \t\r\f\u{FEFF}]+")]
    Whitespace,
    #[token("\n")]
    Newline,
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,
    // `///x` matches both comment patterns with the same length; the doc comment wins.
    // `////` is a plain comment (the longer plain match wins).
    #[regex(r"///([^/\n][^\n]*)?", priority = 10, allow_greedy = true)]
    DocComment,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9]+")]
    Int,
    #[regex(r"[0-9]+\.[0-9]+")]
    Decimal,
    #[regex(r"[0-9]+(ms|s|m)")]
    Duration,
    #[token("\"", scan_string)]
    String(bool),
    #[token("\"\"\"", scan_raw_string)]
    RawString(bool),
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("::")]
    PathSep,
    #[token(".")]
    Dot,
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("?")]
    Question,
    #[token("??")]
    Coalesce,
}

/// Scans the rest of a `"` string (the opening quote is already consumed), following
/// nested interpolations and strings with an explicit stack (no recursion, any depth).
/// Returns whether the string was closed; an unclosed string stops before the newline.
fn scan_string(lex: &mut logos::Lexer<Lexeme>) -> bool {
    let (len, closed) = string_extent(lex.remainder().as_bytes());
    lex.bump(len);
    closed
}

/// Where a string whose opening quote precedes `rest` ends: (bytes consumed, closed).
fn string_extent(rest: &[u8]) -> (usize, bool) {
    // Frames: `None` is a string level, `Some(depth)` an interpolation with `depth` open
    // inner braces (object literals).
    let mut stack: Vec<Option<usize>> = vec![None];
    let mut i = 0;
    while i < rest.len() {
        let byte = rest[i];
        if byte == b'\n' {
            return (i, false);
        }
        match stack.last_mut() {
            None => return (i, true),
            Some(None) => match byte {
                b'"' => {
                    stack.pop();
                    if stack.is_empty() {
                        return (i + 1, true);
                    }
                }
                b'\\' => {
                    if rest.get(i + 1).is_none_or(|&next| next == b'\n') {
                        return (i + 1, false);
                    }
                    i += 1;
                }
                b'{' if rest.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => stack.push(Some(0)),
                _ => {}
            },
            Some(Some(depth)) => match byte {
                b'"' => stack.push(None),
                b'{' => *depth += 1,
                b'}' if *depth == 0 => {
                    stack.pop();
                }
                b'}' => *depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    (rest.len(), false)
}

/// Scans the rest of a `"""` raw string up to the closing `"""` (or the end of the file).
fn scan_raw_string(lex: &mut logos::Lexer<Lexeme>) -> bool {
    let rest = lex.remainder();
    match rest.find("\"\"\"") {
        Some(at) => {
            lex.bump(at + 3);
            true
        }
        None => {
            lex.bump(rest.len());
            false
        }
    }
}

impl Lexeme {
    fn kind(self) -> TokenKind {
        match self {
            Lexeme::Whitespace => TokenKind::Whitespace,
            Lexeme::Newline => TokenKind::Newline,
            Lexeme::Comment => TokenKind::Comment,
            Lexeme::DocComment => TokenKind::DocComment,
            Lexeme::Ident => TokenKind::Ident,
            Lexeme::Int => TokenKind::Int,
            Lexeme::Decimal => TokenKind::Decimal,
            Lexeme::Duration => TokenKind::Duration,
            Lexeme::String(true) => TokenKind::String,
            Lexeme::String(false) => TokenKind::UnterminatedString,
            Lexeme::RawString(true) => TokenKind::RawString,
            Lexeme::RawString(false) => TokenKind::UnterminatedRawString,
            Lexeme::LBrace => TokenKind::LBrace,
            Lexeme::RBrace => TokenKind::RBrace,
            Lexeme::LBracket => TokenKind::LBracket,
            Lexeme::RBracket => TokenKind::RBracket,
            Lexeme::LParen => TokenKind::LParen,
            Lexeme::RParen => TokenKind::RParen,
            Lexeme::Comma => TokenKind::Comma,
            Lexeme::Colon => TokenKind::Colon,
            Lexeme::PathSep => TokenKind::PathSep,
            Lexeme::Dot => TokenKind::Dot,
            Lexeme::Assign => TokenKind::Assign,
            Lexeme::EqEq => TokenKind::EqEq,
            Lexeme::NotEq => TokenKind::NotEq,
            Lexeme::Lt => TokenKind::Lt,
            Lexeme::Le => TokenKind::Le,
            Lexeme::Gt => TokenKind::Gt,
            Lexeme::Ge => TokenKind::Ge,
            Lexeme::Plus => TokenKind::Plus,
            Lexeme::Minus => TokenKind::Minus,
            Lexeme::Star => TokenKind::Star,
            Lexeme::Slash => TokenKind::Slash,
            Lexeme::Question => TokenKind::Question,
            Lexeme::Coalesce => TokenKind::Coalesce,
        }
    }
}

/// Splits `text` into tokens covering every byte, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    // Written code has a token every 5 or 6 bytes (whitespace runs are tokens too):
    // sized for one every 4, the vector of a large file is not copied as it grows.
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 4);
    let mut covered = 0;
    for (result, span) in Lexeme::lexer(text).spanned() {
        // Whatever logos skipped or could not match becomes an `Unknown` token, so the
        // stream stays lossless even if an error span is narrower than the gap.
        if span.start > covered {
            push_unknown(&mut tokens, text, covered..span.start);
        }
        let kind = result.map_or(TokenKind::Unknown, Lexeme::kind);
        if kind == TokenKind::Unknown {
            push_unknown(&mut tokens, text, span.clone());
        } else {
            tokens.push(Token {
                kind,
                span: span.clone(),
            });
        }
        covered = covered.max(span.end);
    }
    if covered < text.len() {
        push_unknown(&mut tokens, text, covered..text.len());
    }
    tokens
}

/// Adds unknown text as one `Unknown` token per character, so that an error points at a
/// single character.
fn push_unknown(tokens: &mut Vec<Token>, text: &str, span: Span) {
    let Some(slice) = text.get(span.clone()) else {
        tokens.push(Token {
            kind: TokenKind::Unknown,
            span,
        });
        return;
    };
    for (offset, ch) in slice.char_indices() {
        let start = span.start + offset;
        tokens.push(Token {
            kind: TokenKind::Unknown,
            span: start..start + ch.len_utf8(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .map(|t| t.kind)
            .collect()
    }

    fn concat(text: &str) -> String {
        tokenize(text)
            .iter()
            .map(|t| &text[t.span.clone()])
            .collect()
    }

    #[test]
    fn interpolated_string_with_nested_string_is_one_token() {
        let text = r#"note "Customer {email ?? "unknown"} asked" x"#;
        assert_eq!(
            kinds(text),
            vec![TokenKind::Ident, TokenKind::String, TokenKind::Ident]
        );
    }

    #[test]
    fn unterminated_string_stops_at_end_of_line() {
        let tokens = tokenize("label \"abc\nnext");
        assert_eq!(tokens[2].kind, TokenKind::UnterminatedString);
        assert_eq!(tokens[2].span, 6..10);
        assert_eq!(tokens[3].kind, TokenKind::Newline);
    }

    #[test]
    fn raw_strings_span_lines() {
        let text = "script \"\"\"\n  a\n  \"b\"\n\"\"\" x";
        assert_eq!(
            kinds(text),
            vec![TokenKind::Ident, TokenKind::RawString, TokenKind::Ident]
        );
        assert_eq!(kinds("\"\"\"never"), vec![TokenKind::UnterminatedRawString]);
    }

    #[test]
    fn comments_numbers_and_operators() {
        assert_eq!(
            kinds("/// doc\n// c\n//// c\n250ms 3.25 -7 ?? ? :: : == = != <= >="),
            vec![
                TokenKind::Duration,
                TokenKind::Decimal,
                TokenKind::Minus,
                TokenKind::Int,
                TokenKind::Coalesce,
                TokenKind::Question,
                TokenKind::PathSep,
                TokenKind::Colon,
                TokenKind::EqEq,
                TokenKind::Assign,
                TokenKind::NotEq,
                TokenKind::Le,
                TokenKind::Ge,
            ]
        );
        let all = tokenize("/// doc\n// c\n//// c\n");
        assert_eq!(all[0].kind, TokenKind::DocComment);
        assert_eq!(all[2].kind, TokenKind::Comment);
        assert_eq!(all[4].kind, TokenKind::Comment);
    }

    #[test]
    fn unknown_characters_are_error_tokens() {
        let tokens = tokenize("a é ! b");
        let unknown: Vec<_> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Unknown)
            .map(|t| t.span.clone())
            .collect();
        assert_eq!(unknown, vec![2..4, 5..6]);
    }

    proptest! {
        #[test]
        fn lossless_on_any_text(text in "\\PC*") {
            prop_assert_eq!(concat(&text), text);
        }

        #[test]
        fn lossless_on_token_soup(parts in proptest::collection::vec(
            prop_oneof![
                Just("\""), Just("\"\"\""), Just("{"), Just("}"), Just("\\"), Just("\n"),
                Just("//"), Just("///"), Just("x"), Just("12"), Just("5ms"), Just(" "),
                Just("é"), Just("?"), Just("="), Just("!"), Just("{{"), Just("\\u{"),
            ],
            0..60,
        )) {
            let text: String = parts.concat();
            let tokens = tokenize(&text);
            let mut at = 0;
            for token in &tokens {
                prop_assert_eq!(token.span.start, at);
                prop_assert!(token.span.end > token.span.start);
                at = token.span.end;
            }
            prop_assert_eq!(at, text.len());
        }
    }
}

//! Lays out lines of tokens: indentation from bracket depth, spacing from token pairs.

use super::INDENT;
use crate::syntax::tokens::{TokenKind, tokenize};

/// One significant token (or comment) with its text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Piece<'a> {
    /// What it is.
    pub kind: TokenKind,
    /// Its text (a comment's trailing spaces removed).
    pub text: &'a str,
}

/// One line of the input: its tokens and how many line breaks preceded it.
#[derive(Clone, Debug, Default)]
pub(super) struct Line<'a> {
    /// Line breaks between the previous line and this one (2 or more: blank lines).
    pub breaks_before: usize,
    /// The line's tokens, in order; never empty.
    pub pieces: Vec<Piece<'a>>,
}

/// Words after which `-` is a sign and `(` or `[` opens a group rather than a call: the
/// expression keywords and the items that take a value.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "if",
    "then",
    "else",
    "check",
    "when",
    "default",
    "retry",
    "timeout",
    "respond",
    "answer",
    "save",
    "say",
    "return",
    "require",
    "audience",
    "choices",
    "suggestions",
];

fn is_opener(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::LBrace | TokenKind::LBracket | TokenKind::LParen
    )
}

fn is_closer(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::RBrace | TokenKind::RBracket | TokenKind::RParen
    )
}

/// Whether a token ends an operand, so that a `-` after it subtracts.
fn ends_operand(piece: &Piece) -> bool {
    match piece.kind {
        TokenKind::Ident => !KEYWORDS.contains(&piece.text),
        TokenKind::Int
        | TokenKind::Decimal
        | TokenKind::Duration
        | TokenKind::String
        | TokenKind::RawString
        | TokenKind::RParen
        | TokenKind::RBracket
        | TokenKind::RBrace
        | TokenKind::Question => true,
        _ => false,
    }
}

/// Whether one space separates `prev` and `next` on a line. `prev_is_sign` says
/// whether `prev` is a `-` used as a sign.
fn spaced(prev: &Piece, next: &Piece, prev_is_sign: bool) -> bool {
    use TokenKind as K;
    if matches!(next.kind, K::Comment | K::DocComment) {
        return true;
    }
    match (prev.kind, next.kind) {
        (K::LBrace, K::RBrace) => false,
        (K::LBrace, _) | (_, K::RBrace) => true,
        (K::LParen | K::LBracket, _) | (_, K::RParen | K::RBracket) => false,
        (_, K::Comma | K::Colon | K::PathSep | K::Dot) => false,
        (K::PathSep | K::Dot, _) => false,
        (_, K::Question) => false,
        (K::Minus, _) if prev_is_sign => false,
        (K::Ident, K::LParen | K::LBracket) => KEYWORDS.contains(&prev.text),
        _ => true,
    }
}

/// Whether `a` written directly before `b` still lexes as those two tokens.
fn glues_safely(a: &str, b: &str) -> bool {
    let joined = format!("{a}{b}");
    let tokens = tokenize(&joined);
    tokens.len() == 2 && tokens[0].span.end == a.len()
}

/// Lays out every line and returns the file's new text.
pub(super) fn render(lines: &[Line]) -> String {
    let capacity = lines
        .iter()
        .flat_map(|l| &l.pieces)
        .map(|p| p.text.len() + 1)
        .sum::<usize>();
    let mut out = String::with_capacity(capacity + capacity / 4);
    // Bracket depth, and the depths at which a line left brackets open (one indentation
    // level each).
    let mut depth = 0usize;
    let mut levels: Vec<usize> = Vec::new();
    let mut previous_opened = false;
    for (index, line) in lines.iter().enumerate() {
        let leading_closers = line.pieces.iter().take_while(|p| is_closer(p.kind)).count();
        let start = depth.saturating_sub(leading_closers);
        while levels.last().is_some_and(|&level| level >= start) {
            levels.pop();
        }
        if index > 0 {
            let blank = line.breaks_before >= 2 && !previous_opened && leading_closers == 0;
            out.push('\n');
            if blank {
                out.push('\n');
            }
        }
        for _ in 0..levels.len() * INDENT {
            out.push(' ');
        }
        let mut lowest = start;
        for (i, piece) in line.pieces.iter().enumerate() {
            if i > 0 {
                let prev = &line.pieces[i - 1];
                let prev_is_sign =
                    prev.kind == TokenKind::Minus && (i < 2 || !ends_operand(&line.pieces[i - 2]));
                if spaced(prev, piece, prev_is_sign) || !glues_safely(prev.text, piece.text) {
                    out.push(' ');
                }
            }
            out.push_str(piece.text);
            if is_opener(piece.kind) {
                depth += 1;
            } else if is_closer(piece.kind) {
                depth = depth.saturating_sub(1);
                lowest = lowest.min(depth);
            }
        }
        previous_opened = depth > lowest;
        if previous_opened {
            levels.push(lowest);
        }
    }
    // An unclosed raw string runs to the end of the file: a newline added after it
    // would join it, and the next run would add another.
    let open_raw_string = lines
        .last()
        .and_then(|line| line.pieces.last())
        .is_some_and(|piece| piece.kind == TokenKind::UnterminatedRawString);
    if !lines.is_empty() && !open_raw_string {
        out.push('\n');
    }
    out
}

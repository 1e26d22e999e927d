//! Recovery inside a declaration: the items of its blocks (one a line, like a
//! procedure's `label "..."` or an `on success` block's `say "..."`), so that a broken
//! item can be blanked out and the rest of the declaration parsed.
//!
//! Blanking replaces an item's bytes with spaces (newlines kept): every offset stays the
//! same, so spans of the items that parse are spans in the real file.

use super::ast::Span;
use super::tokens::{Token, TokenKind};

/// One item of a block: its span (first to last token) and how deep it is nested (1 for
/// an item of the declaration's own block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockItem {
    pub span: Span,
    pub depth: usize,
}

/// An open bracket while scanning.
struct Frame {
    /// Whether it is a `{` block, whose lines are items (`(` and `[` only nest).
    block: bool,
    /// Where the block's current item starts.
    item_start: Option<usize>,
    /// The end of the last token seen at this level.
    last_end: usize,
}

/// Every item of the blocks in `tokens` (one declaration's tokens), in source order of
/// their ends.
pub(crate) fn block_items(tokens: &[Token]) -> Vec<BlockItem> {
    let mut items = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let close = |frame: &mut Frame, depth: usize, items: &mut Vec<BlockItem>| {
        if let Some(start) = frame.item_start.take()
            && frame.block
        {
            items.push(BlockItem {
                span: start..frame.last_end,
                depth,
            });
        }
    };
    for token in tokens {
        match token.kind {
            TokenKind::Newline => {
                let depth = stack.len();
                if let Some(top) = stack.last_mut()
                    && top.block
                {
                    close(top, depth, &mut items);
                }
                continue;
            }
            kind if kind.is_trivia() => continue,
            _ => {}
        }
        let closing = matches!(
            token.kind,
            TokenKind::RBrace | TokenKind::RBracket | TokenKind::RParen
        );
        if closing {
            let depth = stack.len();
            if let Some(mut frame) = stack.pop() {
                close(&mut frame, depth, &mut items);
            }
        } else if let Some(top) = stack.last_mut()
            && top.block
            && top.item_start.is_none()
        {
            top.item_start = Some(token.span.start);
        }
        if let Some(top) = stack.last_mut() {
            top.last_end = token.span.end;
        }
        match token.kind {
            TokenKind::LBrace | TokenKind::LBracket | TokenKind::LParen => stack.push(Frame {
                block: token.kind == TokenKind::LBrace,
                item_start: None,
                last_end: token.span.end,
            }),
            _ => {}
        }
    }
    while let Some(mut frame) = stack.pop() {
        let depth = stack.len() + 1;
        close(&mut frame, depth, &mut items);
    }
    items
}

/// The innermost item whose span holds `offset` (its end included: an item missing its
/// last part fails just after it).
pub(crate) fn innermost_at(items: &[BlockItem], offset: usize) -> Option<&BlockItem> {
    items
        .iter()
        .filter(|item| item.span.start <= offset && offset <= item.span.end)
        .max_by_key(|item| item.depth)
}

/// The item just before `item` in the same block, if any.
pub(crate) fn previous_in_block<'i>(
    items: &'i [BlockItem],
    item: &BlockItem,
) -> Option<&'i BlockItem> {
    items
        .iter()
        .filter(|other| other.depth == item.depth && other.span.end <= item.span.start)
        .filter(|other| {
            // Same block: no item of a shallower depth lies between them.
            !items.iter().any(|outer| {
                outer.depth < item.depth
                    && outer.span.start > other.span.end
                    && outer.span.end < item.span.start
            })
        })
        .max_by_key(|other| other.span.end)
}

/// The smallest item strictly enclosing `span`, if any.
pub(crate) fn enclosing<'i>(items: &'i [BlockItem], span: &Span) -> Option<&'i BlockItem> {
    items
        .iter()
        .filter(|item| {
            item.span.start <= span.start && span.end <= item.span.end && item.span != *span
        })
        .max_by_key(|item| item.depth)
}

/// `text` with the bytes of `span` (relative to `text`) replaced by spaces, newlines
/// kept; `span` is widened to character boundaries.
pub(crate) fn blank(text: &mut String, span: &Span) {
    let mut bytes = std::mem::take(text).into_bytes();
    let end = span.end.min(bytes.len());
    for byte in bytes.get_mut(span.start.min(end)..end).unwrap_or_default() {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
    // Spaces replace whole characters when the span starts and ends on boundaries; a
    // multi-byte character cut by the span would leave invalid bytes, replaced here.
    *text = String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::tokens::tokenize;

    #[test]
    fn items_are_lines_of_blocks_at_every_depth() {
        let text = "procedure p: follow_up {\n  label \"x\"\n  on success { say \"a\" }\n  question \"{ok}\"\n}\n";
        let tokens = tokenize(text);
        let items = block_items(&tokens);
        let shown: Vec<(&str, usize)> = items
            .iter()
            .map(|item| (&text[item.span.clone()], item.depth))
            .collect();
        assert_eq!(
            shown,
            [
                ("label \"x\"", 1),
                ("say \"a\"", 2),
                ("on success { say \"a\" }", 1),
                ("question \"{ok}\"", 1),
            ]
        );
        let at_say = text.find("say").unwrap();
        assert_eq!(innermost_at(&items, at_say).map(|i| i.depth), Some(2));
        let question = &items[3];
        assert_eq!(previous_in_block(&items, question), Some(&items[2]));
        assert_eq!(enclosing(&items, &items[1].span), Some(&items[2]));
    }

    #[test]
    fn blanking_keeps_offsets_and_newlines() {
        let mut text = "ab\ncdé\nf".to_string();
        blank(&mut text, &(1..7));
        assert_eq!(text, "a \n    \nf");
    }
}

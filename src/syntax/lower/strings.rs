//! String literals: templates with interpolation, escapes, plain `StrLit`s, raw strings
//! with their indentation removed, and `script` code with its line map.

use pest::iterators::Pair;

use super::{Lower, kids};
use crate::syntax::ast::{Script, Span, StrLit, Template, TemplatePart};
use crate::syntax::errors::{INVALID_ESCAPE, SYNTAX};
use crate::syntax::grammar::Rule;

impl Lower<'_> {
    /// A `string` or `raw_string` pair as a template (text parts merged).
    pub(super) fn template(&mut self, pair: Pair<'_, Rule>) -> Option<Template> {
        let span = self.span(&pair);
        if pair.as_rule() == Rule::raw_string {
            let (value, _) = dedent(raw_content(pair.as_str()), span.start + 3);
            let mut parts = Vec::new();
            if !value.is_empty() {
                parts.push(TemplatePart::Text {
                    value,
                    span: span.start + 3..span.end.saturating_sub(3).max(span.start + 3),
                });
            }
            return Some(Template { parts, span });
        }
        let mut parts: Vec<TemplatePart> = Vec::new();
        for piece in pair.into_inner() {
            let piece_span = self.span(&piece);
            match piece.as_rule() {
                Rule::str_text | Rule::str_rbrace | Rule::str_quant => {
                    push_text(&mut parts, piece.as_str(), piece_span)
                }
                Rule::str_lbrace_lit => push_text(&mut parts, "{", piece_span),
                Rule::str_rbrace_lit => push_text(&mut parts, "}", piece_span),
                Rule::str_escape => {
                    if let Some(ch) = self.unescape(piece.as_str(), piece_span.clone()) {
                        push_text(&mut parts, ch.encode_utf8(&mut [0; 4]), piece_span);
                    }
                }
                Rule::str_interp => {
                    let expr = self.expr(kids(piece).into_iter().next()?)?;
                    parts.push(TemplatePart::Expr(expr));
                }
                _ => return None,
            }
        }
        Some(Template { parts, span })
    }

    /// A string that must not interpolate (ids, test texts, header names).
    pub(super) fn str_lit(&mut self, pair: Pair<'_, Rule>) -> Option<StrLit> {
        let template = self.template(pair)?;
        let value = self.plain_text(
            &template,
            "this string cannot contain `{...}` interpolation",
            "write `{{` and `}}` for literal braces",
        );
        Some(StrLit {
            value,
            span: template.span,
        })
    }

    /// The code of a `script` item, with the file offset of each of its lines.
    pub(super) fn script(&mut self, pair: Pair<'_, Rule>) -> Option<Script> {
        let span = self.span(&pair);
        if pair.as_rule() == Rule::raw_string {
            let (code, line_starts) = dedent(raw_content(pair.as_str()), span.start + 3);
            return Some(Script {
                code,
                span,
                line_starts,
            });
        }
        let source = pair.as_str().to_string();
        let template = self.template(pair)?;
        let code = self.plain_text(
            &template,
            "a script cannot interpolate values",
            "pass values with `args { name: value }` and read them as `args.name`",
        );
        Some(Script {
            code,
            span: span.clone(),
            line_starts: escaped_line_starts(&source, span.start),
        })
    }

    /// The text of a template that must have no interpolation (an error otherwise).
    fn plain_text(&mut self, template: &Template, message: &str, help: &str) -> String {
        let mut value = String::new();
        let mut reported = false;
        for part in &template.parts {
            match part {
                TemplatePart::Text { value: text, .. } => value.push_str(text),
                TemplatePart::Expr(expr) if !reported => {
                    reported = true;
                    self.error_at(SYNTAX, message.to_string(), expr.span.clone(), help);
                }
                TemplatePart::Expr(_) => {}
            }
        }
        value
    }

    /// The character of one escape sequence, or `None` with an E0003 error.
    fn unescape(&mut self, escape: &str, span: Span) -> Option<char> {
        let ch = match escape {
            "\\\"" => Some('"'),
            "\\\\" => Some('\\'),
            "\\n" => Some('\n'),
            "\\t" => Some('\t'),
            _ => escape
                .strip_prefix("\\u{")
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|hex| (1..=6).contains(&hex.len()))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32),
        };
        if ch.is_none() {
            let message = if escape.starts_with("\\u") {
                format!("invalid unicode escape `{escape}`")
            } else {
                format!("unknown escape sequence `{escape}`")
            };
            self.error_at(
                INVALID_ESCAPE,
                message,
                span,
                "valid escapes are \\\" \\\\ \\n \\t and \\u{1F600}; write \\\\ for a backslash",
            );
        }
        ch
    }
}

/// Appends text to the last part when it is text (extending its span), or starts one.
fn push_text(parts: &mut Vec<TemplatePart>, text: &str, span: Span) {
    if let Some(TemplatePart::Text {
        value,
        span: last_span,
    }) = parts.last_mut()
    {
        value.push_str(text);
        last_span.end = span.end;
        return;
    }
    parts.push(TemplatePart::Text {
        value: text.to_string(),
        span,
    });
}

/// What lies between the `"""` quotes of a raw string literal.
fn raw_content(literal: &str) -> &str {
    let inner = literal.strip_prefix("\"\"\"").unwrap_or(literal);
    inner.strip_suffix("\"\"\"").unwrap_or(inner)
}

/// Removes a raw string's layout: a first line holding only whitespace (the newline after
/// the opening quotes), a last line holding only whitespace (the indentation of the
/// closing quotes), and the indentation common to all non-blank lines. Returns the text
/// and, for each of its lines, the file offset where that line's text starts (`start` is
/// the file offset of `content`).
pub(crate) fn dedent(content: &str, start: usize) -> (String, Vec<usize>) {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in content.split('\n') {
        lines.push((offset, line));
        offset += line.len() + 1;
    }
    let blank = |line: &str| line.trim().is_empty();
    if lines.len() > 1 && lines.first().is_some_and(|(_, l)| blank(l)) {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|(_, l)| blank(l)) {
        lines.pop();
    }
    let indent_of = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    let common = lines
        .iter()
        .filter(|(_, l)| !blank(l))
        .map(|(_, l)| indent_of(l))
        .min()
        .unwrap_or(0);
    let mut texts = Vec::with_capacity(lines.len());
    let mut starts = Vec::with_capacity(lines.len());
    for (offset, line) in lines {
        let cut = common.min(indent_of(line));
        let text = line.get(cut..).unwrap_or_default();
        texts.push(text.strip_suffix('\r').unwrap_or(text));
        starts.push(start + offset + cut);
    }
    (texts.join("\n"), starts)
}

/// For a script in a normal `"..."` literal at file offset `start`: where each line of
/// its code starts (after each `\n` escape).
fn escaped_line_starts(literal: &str, start: usize) -> Vec<usize> {
    let bytes = literal.as_bytes();
    let mut starts = vec![start + 1];
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'n') {
                starts.push(start + i + 2);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::dedent;

    #[test]
    fn dedent_drops_layout_lines_and_common_indentation() {
        let content = "\n    a {\n      b\n\n    }\n  ";
        let (code, starts) = dedent(content, 100);
        assert_eq!(code, "a {\n  b\n\n}");
        assert_eq!(starts, vec![105, 113, 117, 122]);
    }

    #[test]
    fn dedent_keeps_a_single_line() {
        assert_eq!(dedent("  x  ", 0), ("x  ".to_string(), vec![2]));
    }
}

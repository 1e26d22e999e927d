//! The words valid at a place in a file, for completion, and what the built-ins do.
//!
//! The keyword lists are read from the grammar itself (`grammar/proc.pest`, embedded at
//! build time): the first keyword of each alternative of a rule. An item another
//! engineer adds to the grammar is offered without a change here.

use std::collections::HashMap;
use std::sync::OnceLock;

const GRAMMAR: &str = include_str!("../../grammar/proc.pest");

/// The rules whose alternatives, by their first keyword, are the words a block takes.
pub(super) const DECLARATIONS: &str = "declaration";
/// Items of a procedure.
pub(super) const PROCEDURE_ITEMS: &str = "proc_item";
/// Items of a variable's block.
pub(super) const VARIABLE_ITEMS: &str = "var_item";
/// Items of a lookup's block.
pub(super) const LOOKUP_ITEMS: &str = "lookup_item";
/// Parts of a `request` block.
pub(super) const REQUEST_PARTS: &str = "request_part";
/// Statements of an `on` block.
pub(super) const STATEMENTS: &str = "stmt";
/// Steps of a test.
pub(super) const TEST_STEPS: &str = "test_step";
/// What follows `trigger`.
pub(super) const TRIGGERS: &str = "trigger";
/// What follows `expect` in a test.
pub(super) const EXPECTATIONS: &str = "expectation";

/// The leading keywords of the alternatives of `rule`, in grammar order, each once.
pub(super) fn words(rule: &str) -> &'static [String] {
    static CACHE: OnceLock<HashMap<&'static str, Vec<String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        [
            DECLARATIONS,
            PROCEDURE_ITEMS,
            VARIABLE_ITEMS,
            LOOKUP_ITEMS,
            REQUEST_PARTS,
            STATEMENTS,
            TEST_STEPS,
            TRIGGERS,
            EXPECTATIONS,
        ]
        .into_iter()
        .map(|rule| (rule, leading_keywords(rule, 0)))
        .collect()
    });
    cache.get(rule).map_or(&[], Vec::as_slice)
}

/// The body of a pest rule `name = { ... }` (any of `{`, `@{`, `_{`, `${`, `!{`).
fn body(name: &str) -> Option<&'static str> {
    let mut at = 0;
    while let Some(found) = GRAMMAR[at..].find(name) {
        let start = at + found;
        at = start + name.len();
        let line_start = start == 0 || GRAMMAR.as_bytes()[start - 1] == b'\n';
        let rest = GRAMMAR[at..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        if !line_start {
            continue;
        }
        let rest = rest.trim_start().trim_start_matches(['@', '_', '$', '!']);
        let rest = rest.strip_prefix('{')?;
        // The body ends at the first `}` outside a string literal.
        let mut in_string = false;
        let mut previous = ' ';
        for (i, ch) in rest.char_indices() {
            match ch {
                '"' if previous != '\\' => in_string = !in_string,
                '}' if !in_string => return Some(&rest[..i]),
                _ => {}
            }
            previous = ch;
        }
        return None;
    }
    None
}

/// The literal of a keyword rule `kw_x = @{ "x" ~ ... }`.
fn keyword_literal(rule: &str) -> Option<String> {
    let body = body(rule)?;
    let start = body.find('"')? + 1;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].to_string())
}

/// The keywords that can start `rule`.
fn leading_keywords(rule: &str, depth: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    if depth > 4 {
        return words;
    }
    if rule.starts_with("kw_") {
        words.extend(keyword_literal(rule));
        return words;
    }
    let Some(body) = body(rule) else {
        return words;
    };
    for alternative in split_top(body, '|') {
        let first = first_element(alternative);
        let elements: Vec<&str> = match first.strip_prefix('(') {
            Some(group) => split_top(group.trim_end_matches(')'), '|')
                .into_iter()
                .map(first_element)
                .collect(),
            None => vec![first],
        };
        for element in elements {
            let element = element.trim_end_matches(['?', '*', '+']);
            if element.is_empty() || element.starts_with('"') || element == "SOI" {
                continue;
            }
            for word in leading_keywords(element, depth + 1) {
                if !words.contains(&word) {
                    words.push(word);
                }
            }
        }
    }
    words
}

/// The first element of a sequence `a ~ b ~ c`, a parenthesised group kept whole.
fn first_element(sequence: &str) -> &str {
    let sequence = sequence.trim();
    if sequence.starts_with('(') {
        let mut depth = 0;
        for (i, ch) in sequence.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return &sequence[..=i];
                    }
                }
                _ => {}
            }
        }
        return sequence;
    }
    split_top(sequence, '~').first().map_or("", |s| s.trim())
}

/// Splits at `separator` outside parentheses and string literals.
fn split_top(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_string, mut start) = (0i32, false, 0);
    for (i, ch) in text.char_indices() {
        match ch {
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => depth -= 1,
            c if c == separator && !in_string && depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + ch.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// A built-in function's signature and what it does.
pub(super) fn builtin_doc(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "len" => (
            "len(text | list) -> int",
            "The number of characters of a text, or of items of a list.",
        ),
        "lower" => ("lower(text) -> text", "The text in lower case."),
        "upper" => ("upper(text) -> text", "The text in upper case."),
        "trim" => (
            "trim(text) -> text",
            "The text without white space at either end.",
        ),
        "contains" => (
            "contains(text, text) -> bool",
            "Whether the first text contains the second.",
        ),
        "starts_with" => (
            "starts_with(text, text) -> bool",
            "Whether the first text starts with the second.",
        ),
        "ends_with" => (
            "ends_with(text, text) -> bool",
            "Whether the first text ends with the second.",
        ),
        "matches" => (
            "matches(text, \"REGEX\") -> bool",
            "Whether the text matches the regular expression (a string literal, checked when compiling).",
        ),
        "exists" => (
            "exists(value?) -> bool",
            "Whether an optional value is present.",
        ),
        "today" => ("today() -> date", "The current date."),
        "hour" => ("hour() -> int", "The current hour of the day."),
        "add_days" => (
            "add_days(date, int) -> date",
            "The date so many days later (earlier when negative).",
        ),
        "days_between" => (
            "days_between(date, date) -> int",
            "The number of days from the first date to the second.",
        ),
        "weekday" => ("weekday(date) -> text", "The day of the week of a date."),
        "join" => (
            "join(list, text) -> text",
            "The items of a list joined with a separator.",
        ),
        _ => return None,
    })
}

/// What a built-in type holds.
pub(super) fn builtin_type_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "text" => "Text, any length.",
        "int" => "A whole number.",
        "number" => "A number, decimals allowed.",
        "bool" => "`true` or `false`.",
        "date" => "A calendar date.",
        "json" => "Any JSON value.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lists_come_from_the_grammar() {
        let procedure = words(PROCEDURE_ITEMS);
        for word in ["label", "trigger", "var", "request", "on", "approve"] {
            assert!(procedure.iter().any(|w| w == word), "{word}: {procedure:?}");
        }
        let triggers = words(TRIGGERS);
        for word in ["always", "negative_feedback", "unanswered", "source", "faq"] {
            assert!(triggers.iter().any(|w| w == word), "{word}: {triggers:?}");
        }
        let declarations = words(DECLARATIONS);
        for word in [
            "use",
            "customer",
            "source",
            "faq",
            "topic",
            "procedure",
            "test",
        ] {
            assert!(
                declarations.iter().any(|w| w == word),
                "{word}: {declarations:?}"
            );
        }
        assert!(words(VARIABLE_ITEMS).iter().any(|w| w == "ask"));
        assert_eq!(
            words(LOOKUP_ITEMS),
            ["request", "returns", "when", "reversible"]
        );
        assert!(words(DECLARATIONS).iter().any(|w| w == "lookup"));
        assert!(procedure.iter().any(|w| w == "lookup"));
        assert!(words("no_such_rule").is_empty());
    }
}
